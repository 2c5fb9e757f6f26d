import { join } from 'node:path';
import { Api300ClientOptions, createApi300Client } from '../../../src/data/api300/client';
import { stopApi300Thread } from '../../../src/data/api300/clientThread';
import { defaultWsdlPath } from '../../../src/data/api300/soapTransport';
import { Api300Error } from '../../../src/data/errors';
import { Api300 } from '../../../src/data/api300/types';
import { eventually } from '../../helpers/eventually';
import { failureOf as sharedFailureOf, newCustomer } from '../../helpers/records';
import { ScriptedServer, startScriptedServer } from '../../helpers/scriptedServer';

const CUS_TOKEN = '0c0ffee0-5ec2-4e70-8000-00000000c05e';
const AUTH_TOKEN = '0c0ffee0-5ec2-4e70-8000-0000000a0740';

const ENVELOPE = {
  '1.1': 'http://schemas.xmlsoap.org/soap/envelope/',
  '1.2': 'http://www.w3.org/2003/05/soap-envelope',
};

function envelope(version: '1.1' | '1.2', body: string, prologue = ''): string {
  return (
    `<?xml version="1.0" encoding="utf-8"?>${prologue}` +
    `<soap:Envelope xmlns:soap="${ENVELOPE[version]}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` +
    `<soap:Body>${body}</soap:Body></soap:Envelope>`
  );
}

/** An API300 reply of `operation` with `Status` and the rest of the result. */
function reply(
  operation: string,
  code: number,
  message: string,
  rest = '',
  version: '1.1' | '1.2' = '1.1',
  prologue = '',
): string {
  return envelope(
    version,
    `<${operation}Response xmlns="http://tempuri.org/"><${operation}Result>` +
      `<Status><Code>${code}</Code><Message>${message}</Message><ServerDateTime>2026-11-29T18:30:00</ServerDateTime></Status>` +
      `${rest}</${operation}Result></${operation}Response>`,
    prologue,
  );
}

function fault11(code: string, text: string): string {
  return envelope(
    '1.1',
    `<soap:Fault><faultcode>soap:${code}</faultcode><faultstring>${text}</faultstring><detail /></soap:Fault>`,
  );
}

function fault12(code: string, text: string): string {
  return envelope(
    '1.2',
    `<soap:Fault><soap:Code><soap:Value>soap:${code}</soap:Value></soap:Code><soap:Reason><soap:Text xml:lang="en">${text}</soap:Text></soap:Reason></soap:Fault>`,
  );
}

/** Every failure here is also checked to carry neither token nor XML. */
const failureOf = (promise: Promise<unknown>): Promise<Api300Error> =>
  sharedFailureOf(promise, [CUS_TOKEN, AUTH_TOKEN]);

describe('the API300 client against a scripted server', () => {
  let server: ScriptedServer;
  let client: Api300;
  const options = (overrides: Partial<Api300ClientOptions> = {}): Api300ClientOptions => ({
    endpoint: server.endpoint,
    cusToken: CUS_TOKEN,
    authToken: AUTH_TOKEN,
    timeoutMs: 2000,
    transport: 'soap11',
    thread: 'main',
    ...overrides,
  });

  beforeEach(async () => {
    server = await startScriptedServer();
    client = await createApi300Client(options());
  });
  afterEach(() => server.close());

  it('reads the WSDL from the local file and never asks the service for it', async () => {
    server.answer({ body: reply('ServerDateTime', 0, 'OK') });
    await client.serverDateTime();
    expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      'POST /Service/API300.asmx',
    ]);
  });

  it('finds the project WSDL by default', () => {
    expect(defaultWsdlPath()).toBe(join(__dirname, '../../../schema/upstream/API300.wsdl'));
  });

  it('refuses to start without its WSDL', async () => {
    await expect(
      createApi300Client(options({ wsdlPath: '/nonexistent/API300.wsdl' })),
    ).rejects.toThrow(/WSDL not found/);
  });

  it('reads the server time as a Berlin wall clock', async () => {
    server.answer({ body: reply('ServerDateTime', 0, 'OK') });
    expect((await client.serverDateTime()).toISOString()).toBe('2026-11-29T17:30:00.000Z');
  });

  describe('turns Status.Code into typed errors', () => {
    it.each([
      [10, 'UPSTREAM_AUTH'],
      [11, 'UPSTREAM_BLOCKED'],
      [20, 'UPSTREAM_LICENCE_MISSING'],
      [30, 'UPSTREAM_VALIDATION'],
      [31, 'UPSTREAM_TOO_MANY_RECORDS'],
      [40, 'NOT_FOUND'],
      [41, 'CONFLICT'],
      [99, 'UPSTREAM_INTERNAL'],
      [12345, 'UPSTREAM_INTERNAL'],
    ])('Status.Code %i → %s', async (statusCode, code) => {
      server.answer({ body: reply('GetStations', statusCode, 'said-by-api300') });
      const failure = await failureOf(client.getStations());
      expect(failure.code).toBe(code);
      expect(failure.details).toEqual({ statusCode, operation: 'GetStations' });
      // API300's text only where it describes the account (docs/graphql-api.md, "Errors").
      if ([10, 11, 20, 31].includes(statusCode)) {
        expect(failure.message).toBe(
          `API300 GetStations answered Status.Code ${statusCode}: said-by-api300`,
        );
      } else {
        expect(failure.message).toMatch(`API300 GetStations answered Status.Code ${statusCode}: `);
        expect(failure.message).not.toContain('said-by-api300');
      }
    });

    it('reports a missing customer as NOT_FOUND', async () => {
      server.answer({ body: reply('GetCustomer', 40, 'Customer 4711 not found.') });
      const failure = await failureOf(client.getCustomer(4711));
      expect(failure.code).toBe('NOT_FOUND');
    });

    it('blanks the tokens out of a status message that echoes them', async () => {
      server.answer({ body: reply('GetStations', 10, `Unknown pair ${CUS_TOKEN}/${AUTH_TOKEN}`) });
      const failure = await failureOf(client.getStations());
      expect(failure.message).toBe(
        'API300 GetStations answered Status.Code 10: Unknown pair [redacted]/[redacted]',
      );
    });
  });

  describe('reports transport failures as UPSTREAM_UNAVAILABLE', () => {
    it('a timeout, retryable', async () => {
      const impatient = await createApi300Client(options({ timeoutMs: 150 }));
      server.answer('hang');
      const failure = await failureOf(impatient.getStations());
      expect(failure).toMatchObject({
        code: 'UPSTREAM_UNAVAILABLE',
        details: { operation: 'GetStations', retryable: true },
      });
      expect(failure.message).toBe('API300 GetStations failed: no reply within 150 ms.');
    });

    it('an HTTP 503 from a proxy, retryable', async () => {
      server.answer({
        status: 503,
        contentType: 'text/html',
        body: '<html><body>Service Unavailable</body></html>',
      });
      const failure = await failureOf(client.getStations());
      expect(failure).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', details: { retryable: true } });
      expect(failure.message).toBe('API300 GetStations failed: HTTP 503.');
    });

    it('an HTTP 500 that is not SOAP, retryable', async () => {
      server.answer({ status: 500, contentType: 'text/html', body: '<html>Runtime Error</html>' });
      expect((await failureOf(client.getStations())).details.retryable).toBe(true);
    });

    it('a soap:Server fault, retryable; its text is not shown', async () => {
      server.answer({
        status: 500,
        body: fault11('Server', `NullReferenceException near ${CUS_TOKEN}`),
      });
      const failure = await failureOf(client.getStations());
      expect(failure).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', details: { retryable: true } });
      expect(failure.message).toBe('API300 GetStations failed: SOAP fault soap:Server.');
    });

    it('a soap:Client fault, not retryable: the same request fails again', async () => {
      server.answer({ status: 500, body: fault11('Client', 'Server was unable to read request.') });
      const failure = await failureOf(client.getStations());
      expect(failure).toMatchObject({
        code: 'UPSTREAM_UNAVAILABLE',
        details: { retryable: false },
      });
      expect(failure.message).toBe('API300 GetStations failed: SOAP fault soap:Client.');
    });

    it('a SOAP 1.2 soap:Sender fault, not retryable', async () => {
      const soap12 = await createApi300Client(options({ transport: 'soap12' }));
      server.answer({
        status: 500,
        contentType: 'application/soap+xml; charset=utf-8',
        body: fault12('Sender', 'bad request'),
      });
      const failure = await failureOf(soap12.getStations());
      expect(failure.details.retryable).toBe(false);
      expect(failure.message).toBe('API300 GetStations failed: SOAP fault soap:Sender.');
    });

    it('an HTTP 415 (wrong SOAP version), not retryable', async () => {
      server.answer({ status: 415, contentType: 'text/plain', body: 'Unsupported Media Type' });
      expect((await failureOf(client.getStations())).details.retryable).toBe(false);
    });

    it('a truncated reply, not retryable', async () => {
      const whole = reply('GetStations', 0, 'OK');
      server.answer({ body: whole.slice(0, whole.length / 2) });
      const failure = await failureOf(client.getStations());
      expect(failure).toMatchObject({
        code: 'UPSTREAM_UNAVAILABLE',
        details: { retryable: false },
      });
      expect(failure.message).toBe('API300 GetStations failed: malformed reply.');
    });

    it('a reply with an enum code this client does not know, not retryable', async () => {
      server.answer({
        body: reply(
          'GetCustomer',
          0,
          'OK',
          '<Customer><CustomerNumber>1</CustomerNumber><Gender>9</Gender></Customer>',
        ),
      });
      const failure = await failureOf(client.getCustomer(1));
      expect(failure).toMatchObject({
        code: 'UPSTREAM_UNAVAILABLE',
        details: { retryable: false },
      });
      expect(failure.message).toMatch(/malformed reply \(API300 sent Gender 9/);
    });

    it('a page with a record that does not map: the others come back, it is named by key and field', async () => {
      server.answer({
        body: reply(
          'GetReservations',
          0,
          'OK',
          '<Reservations><Reservation><ReservationID>1</ReservationID><Status>9</Status></Reservation>' +
            '<Reservation><ReservationID>2</ReservationID><Status>1</Status></Reservation></Reservations>' +
            '<TotalCount>2</TotalCount>',
        ),
      });
      const page = await client.getReservations({ pageIndex: 0, pageSize: 2 });
      expect(page.items.map((r) => r.id)).toEqual([2]);
      expect(page.skipped).toEqual([{ key: 1, field: 'Status' }]);
      expect(page.totalCount).toBe(2);
    });

    it('a refused connection, retryable', async () => {
      const endpoint = server.endpoint;
      await server.close();
      const failure = await failureOf(
        (await createApi300Client(options({ endpoint }))).getStations(),
      );
      expect(failure).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', details: { retryable: true } });
      expect(failure.message).toBe('API300 GetStations failed: network error ECONNREFUSED.');
      server = await startScriptedServer();
    });
  });

  describe('refuses hostile XML before any parser sees it', () => {
    it('an external entity (XXE), never reading the file or fetching the URL', async () => {
      const attacker = await startScriptedServer();
      try {
        const prologue =
          '<!DOCTYPE soap:Envelope [<!ENTITY xxe SYSTEM "file:///etc/passwd">' +
          `<!ENTITY remote SYSTEM "${attacker.endpoint}">]>`;
        server.answer({ body: reply('ServerDateTime', 0, '&xxe;&remote;', '', '1.1', prologue) });
        const failure = await failureOf(client.serverDateTime());
        expect(failure).toMatchObject({
          code: 'UPSTREAM_UNAVAILABLE',
          details: { retryable: false },
        });
        expect(failure.message).toBe(
          'API300 ServerDateTime failed: reply refused: it declares a DTD or entities.',
        );
        expect(failure.message).not.toContain('root:');
        expect(attacker.requests).toHaveLength(0);
      } finally {
        await attacker.close();
      }
    });

    it('an entity bomb (billion laughs), answered at once', async () => {
      const levels = ['<!ENTITY lol "lol">'];
      for (let i = 1; i <= 9; i++)
        levels.push(`<!ENTITY lol${i} "${`&lol${i === 1 ? '' : i - 1};`.repeat(10)}">`);
      server.answer({
        body: reply(
          'GetStations',
          0,
          '&lol9;',
          '',
          '1.1',
          `<!DOCTYPE soap:Envelope [${levels.join('')}]>`,
        ),
      });
      const started = Date.now();
      const failure = await failureOf(client.getStations());
      expect(failure.message).toContain('declares a DTD or entities');
      expect(Date.now() - started).toBeLessThan(1000);
    });

    it('a DTD inside a SOAP fault with HTTP 500', async () => {
      server.answer({
        status: 500,
        body: fault11('Server', 'x').replace('?>', '?><!DOCTYPE x [<!ENTITY a "b">]>'),
      });
      expect((await failureOf(client.getStations())).message).toContain(
        'declares a DTD or entities',
      );
    });
  });

  describe('runs in a worker thread by default', () => {
    it('fails a call in flight when the worker stops, retryable, and starts a new one for the next', async () => {
      const threaded = await createApi300Client(options({ thread: 'worker' }));
      server.answer('hang');
      const inFlight = failureOf(threaded.getStations());
      await eventually('the request at the server', () => server.requests.length === 1);
      await stopApi300Thread();
      const failure = await inFlight;
      expect(failure).toMatchObject({
        code: 'UPSTREAM_UNAVAILABLE',
        details: { operation: 'GetStations', retryable: true },
      });
      expect(failure.message).toBe('API300 GetStations failed: the API300 worker thread stopped.');

      server.answer({ body: reply('ServerDateTime', 0, 'OK') });
      expect((await threaded.serverDateTime()).toISOString()).toBe('2026-11-29T17:30:00.000Z');
    });

    it('rebuilds the typed error the worker raised, code, message and details', async () => {
      const threaded = await createApi300Client(options({ thread: 'worker' }));
      server.answer({ body: reply('GetStations', 11, 'blocked') });
      const failure = await failureOf(threaded.getStations());
      expect(failure).toBeInstanceOf(Api300Error);
      expect(failure).toMatchObject({
        code: 'UPSTREAM_BLOCKED',
        details: { statusCode: 11, operation: 'GetStations' },
      });
      server.answer({ status: 503, body: 'busy' });
      expect(await failureOf(threaded.getStations())).toMatchObject({
        code: 'UPSTREAM_UNAVAILABLE',
        message: 'API300 GetStations failed: HTTP 503.',
        details: { operation: 'GetStations', retryable: true },
      });
    });
  });

  describe('refuses values it cannot send before spending a call', () => {
    it('an impossible birthday', async () => {
      server.answer({ body: reply('SetCustomer', 0, 'OK') });
      const failure = await failureOf(client.setCustomer(newCustomer({ birthday: '1980-02-30' })));
      expect(failure).toMatchObject({
        code: 'UPSTREAM_VALIDATION',
        details: { operation: 'SetCustomer' },
      });
      expect(failure.message).toBe(
        "API300 SetCustomer not called: '1980-02-30' is not a date YYYY-MM-DD.",
      );
      expect(server.requests).toHaveLength(0);
    });

    it('an Invalid Date filter', async () => {
      const failure = await failureOf(
        client.getTickets({ changedSince: new Date(NaN), pageIndex: 0, pageSize: 1 }),
      );
      expect(failure.code).toBe('UPSTREAM_VALIDATION');
      expect(server.requests).toHaveLength(0);
    });
  });
});
