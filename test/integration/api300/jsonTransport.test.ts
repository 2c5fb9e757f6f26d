import { MAX_REPLY_BYTES } from '../../../src/data/api300/guard';
import { createApi300Client } from '../../../src/data/api300/client';
import { Api300 } from '../../../src/data/api300/types';
import { Api300Error } from '../../../src/data/errors';
import { failureOf as sharedFailureOf } from '../../helpers/records';
import { ScriptedServer, startScriptedServer } from '../../helpers/scriptedServer';

const CUS_TOKEN = '0c0ffee0-5ec2-4e70-8000-00000000c05e';
const AUTH_TOKEN = '0c0ffee0-5ec2-4e70-8000-0000000a0740';

/** Every failure here is also checked to carry neither token nor reply text. */
const failureOf = (promise: Promise<unknown>): Promise<Api300Error> =>
  sharedFailureOf(promise, [CUS_TOKEN, AUTH_TOKEN]);

/** 2026-11-29T18:30:00 Berlin (winter time). */
const SERVER_TIME_MS = Date.parse('2026-11-29T17:30:00Z');

const status = (code: number, message = 'OK'): object => ({
  __type: 'Hypersoft.API300.APIStatus',
  Code: code,
  Message: message,
  ServerDateTime: `/Date(${SERVER_TIME_MS})/`,
});

/** A JSON-mode reply as ASMX writes it: `{"d": …}`, dates with escaped slashes. */
const jsonReply = (d: unknown): string =>
  JSON.stringify({ d }).replace(/"\/Date\((-?\d+)\)\/"/g, '"\\/Date($1)\\/"');

describe('the API300 client in JSON mode against a scripted server', () => {
  let server: ScriptedServer;
  let client: Api300;

  beforeEach(async () => {
    server = await startScriptedServer();
    client = await createApi300Client({
      endpoint: server.endpoint,
      cusToken: CUS_TOKEN,
      authToken: AUTH_TOKEN,
      timeoutMs: 2000,
      transport: 'json',
    });
  });
  afterEach(() => server.close());

  const answerJson = (d: unknown): void =>
    server.answer({ contentType: 'application/json; charset=utf-8', body: jsonReply(d) });

  it('posts to <endpoint>/<Operation> with a JSON body naming every parameter, no SOAP headers', async () => {
    answerJson({ Status: status(0), Customers: [], TotalCount: 0 });
    await client.getCustomers({ searchText: 'Möller', pageIndex: 2, pageSize: 50 });
    const [request] = server.requests;
    expect(`${request.method} ${request.url}`).toBe('POST /Service/API300.asmx/GetCustomers');
    expect(request.headers['content-type']).toBe('application/json; charset=UTF-8');
    expect(request.headers.soapaction).toBeUndefined();
    expect(JSON.parse(request.body)).toEqual({
      CusToken: CUS_TOKEN,
      AuthToken: AUTH_TOKEN,
      CustomerNumbers: [],
      SearchText: 'Möller',
      ChangedSince: null,
      PageIndex: 2,
      PageSize: 50,
    });
  });

  it('reads instants as UTC epoch ms, and Date and Time fields as the Berlin wall clock of theirs', async () => {
    answerJson({
      Status: status(0),
      Customer: {
        __type: 'Hypersoft.API300.Customer',
        CustomerNumber: 10001,
        Gender: 2,
        // Berlin midnight of 1980-05-17 (summer time) and 09:00 on 1970-01-01 (winter time)
        Birthday: `/Date(${Date.parse('1980-05-16T22:00:00Z')})/`,
        ReachableFrom: `/Date(${Date.parse('1970-01-01T08:00:00Z')})/`,
        ReachableTo: null,
        Created: `/Date(${Date.parse('2026-07-01T10:00:00.250Z')})/`,
        // the second 02:30 of autumn's repeated hour
        Changed: `/Date(${Date.parse('2026-10-25T01:30:00Z')})/`,
        Memo: '/Date(0)/',
      },
    });
    const customer = await client.getCustomer(10001);
    expect(customer).toMatchObject({
      birthday: '1980-05-17',
      reachableFrom: '09:00:00',
      reachableTo: null,
      memo: '/Date(0)/',
    });
    expect(customer.created.toISOString()).toBe('2026-07-01T10:00:00.250Z');
    expect(customer.changed.toISOString()).toBe('2026-10-25T01:30:00.000Z');
  });

  it('sends dates as "\\/Date(ms)\\/" of the instant, and user text that looks like one as text', async () => {
    answerJson({ Status: status(0), Customer: { CustomerNumber: 7 } });
    await client.setCustomer({
      number: 0,
      salutation: null,
      firstName: null,
      lastName: '/Date(0)/',
      company: null,
      alias: null,
      gender: 'UNKNOWN',
      birthday: '1980-05-17',
      street: null,
      zipCode: null,
      city: null,
      country: null,
      phonePrivate: null,
      phoneBusiness: null,
      mobile: null,
      fax: null,
      email: null,
      homepage: null,
      reachableFrom: '09:00',
      reachableTo: null,
      cardNumber: null,
      discount: 0,
      priceLevel: 1,
      creditLimit: 0.1 + 0.2,
      locked: false,
      favourite: false,
      memo: null,
    });
    const body = server.requests[0].body;
    expect(body).toContain(`"Birthday":"\\/Date(${Date.parse('1980-05-16T22:00:00Z')})\\/"`);
    expect(body).toContain(`"ReachableFrom":"\\/Date(${Date.parse('1970-01-01T08:00:00Z')})\\/"`);
    expect(body).toContain('"ReachableTo":null');
    expect(body).toContain('"Name":"/Date(0)/"');
    expect(body).toContain('"CreditLimit":0.3,');
    expect(body).toContain('"Created":"\\/Date(-62135596800000)\\/"');
  });

  it('turns Status.Code into the typed error of that code', async () => {
    answerJson({ Status: status(40, 'Customer 4711 not found.'), Customer: null });
    const failure = await failureOf(client.getCustomer(4711));
    expect(failure).toMatchObject({
      code: 'NOT_FOUND',
      details: { statusCode: 40, operation: 'GetCustomer' },
    });
  });

  describe('reports failures as UPSTREAM_UNAVAILABLE', () => {
    const jsonError = (exceptionType: string): string =>
      JSON.stringify({
        Message: `Invalid web service call, missing value for parameter: '${CUS_TOKEN}'.`,
        StackTrace: '   at System.Web.Script.Services.WebServiceMethodData.CallMethod',
        ExceptionType: exceptionType,
      });

    it('a jsonerror reply that blames the request: not retryable, its text not shown', async () => {
      server.answer({
        status: 500,
        contentType: 'application/json; charset=utf-8',
        headers: { jsonerror: 'true' },
        body: jsonError('System.InvalidOperationException'),
      });
      const failure = await failureOf(client.getStations());
      expect(failure).toMatchObject({
        code: 'UPSTREAM_UNAVAILABLE',
        details: { operation: 'GetStations', retryable: false },
      });
      expect(failure.message).toBe(
        'API300 GetStations failed: server exception System.InvalidOperationException.',
      );
    });

    it('a jsonerror reply of a server exception: retryable', async () => {
      server.answer({
        status: 500,
        headers: { jsonerror: 'true' },
        body: jsonError('System.NullReferenceException'),
      });
      expect((await failureOf(client.getStations())).details.retryable).toBe(true);
    });

    it('a jsonerror reply whose exception type is not a .NET name: shown as unknown', async () => {
      server.answer({ status: 500, headers: { jsonerror: 'true' }, body: jsonError('<b>x</b>') });
      expect((await failureOf(client.getStations())).message).toBe(
        'API300 GetStations failed: server exception unknown.',
      );
    });

    it('an HTTP 500 without jsonerror (a proxy): retryable', async () => {
      server.answer({ status: 500, contentType: 'text/html', body: '<html>Runtime Error</html>' });
      const failure = await failureOf(client.getStations());
      expect(failure).toMatchObject({ details: { retryable: true } });
      expect(failure.message).toBe('API300 GetStations failed: HTTP 500.');
    });

    it('an HTTP 404 (JSON mode not enabled): not retryable', async () => {
      server.answer({ status: 404, contentType: 'text/html', body: 'Not found' });
      const failure = await failureOf(client.getStations());
      expect(failure).toMatchObject({ details: { retryable: false } });
      expect(failure.message).toBe('API300 GetStations failed: HTTP 404.');
    });

    it('a truncated body: malformed, not retryable', async () => {
      const whole = jsonReply({ Status: status(0), Stations: [] });
      server.answer({ body: whole.slice(0, whole.length / 2) });
      const failure = await failureOf(client.getStations());
      expect(failure).toMatchObject({ details: { retryable: false } });
      expect(failure.message).toBe('API300 GetStations failed: malformed reply.');
    });

    it('JSON without "d": malformed', async () => {
      server.answer({ body: JSON.stringify({ Status: status(0) }) });
      expect((await failureOf(client.getStations())).message).toBe(
        'API300 GetStations failed: malformed reply (no "d").',
      );
    });

    it('an object of another __type: malformed', async () => {
      answerJson({ __type: 'Hypersoft.API300.APITicketsResponse', Status: status(0) });
      expect((await failureOf(client.getStations())).message).toBe(
        'API300 GetStations failed: malformed reply (API300 sent GetStationsResult of type ' +
          'Hypersoft.API300.APITicketsResponse, expected APIStationsResponse).',
      );
    });

    it('a list where a record belongs: malformed', async () => {
      answerJson({ Status: status(0), Stations: { Station: [] } });
      expect((await failureOf(client.getStations())).message).toMatch(
        /malformed reply \(API300 sent Stations as object, expected a list\)/,
      );
    });

    it('a reply larger than the size cap, refused while it is still arriving', async () => {
      server.answer({ body: `{"d":"${'x'.repeat(MAX_REPLY_BYTES)}"}` });
      const failure = await failureOf(client.getStations());
      expect(failure).toMatchObject({ details: { retryable: false } });
      expect(failure.message).toBe(
        `API300 GetStations failed: reply larger than ${MAX_REPLY_BYTES} bytes.`,
      );
    });

    it('no reply within the timeout: retryable', async () => {
      const impatient = await createApi300Client({
        endpoint: server.endpoint,
        cusToken: CUS_TOKEN,
        authToken: AUTH_TOKEN,
        timeoutMs: 150,
        transport: 'json',
      });
      server.answer('hang');
      const failure = await failureOf(impatient.getStations());
      expect(failure).toMatchObject({ details: { retryable: true } });
      expect(failure.message).toBe('API300 GetStations failed: no reply within 150 ms.');
    });
  });

  it('refuses values it cannot send before spending a call', async () => {
    const failure = await failureOf(
      client.getTickets({ changedSince: new Date(NaN), pageIndex: 0, pageSize: 1 }),
    );
    expect(failure.code).toBe('UPSTREAM_VALIDATION');
    expect(server.requests).toHaveLength(0);
  });
});
