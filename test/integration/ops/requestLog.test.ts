import { loadConfig } from '../../../src/config';
import { createRequestContext } from '../../../src/graphql/context';
import { createLogger } from '../../../src/platform/logger';
import { createRequestAccounting } from '../../../src/data/accounting';
import { createRequestLogPlugin } from '../../../src/ops/requestLog';
import { createApp, type App } from '../../../src/graphql/server';
import { FakeRepository, makeCustomer } from '../../helpers/fakeRepository';
import { statusError } from '../../../src/data/api300/refusals';

const CUS_TOKEN = 'cus-token-7f3a9c1e55';
const AUTH_TOKEN = 'auth-token-b81d04e2aa';
const ROUTER_SECRET = 'router-secret-5e6f7a8b9c';
const PERSONAL = {
  firstName: 'Wilhelmina',
  lastName: 'Brandstetter-Okonkwo',
  email: 'wilhelmina.brandstetter@private.example',
  street: 'Kastanienallee 77',
  mobile: '+49 170 5550199',
  birthday: '1961-07-23',
};

let app: App | undefined;
let output: string[];

async function start(fake = new FakeRepository(), env: Record<string, string> = {}) {
  output = [];
  const logger = createLogger('trace', { write: (line: string) => output.push(line) });
  const config = loadConfig({
    API300_URL: 'http://api300.invalid/api300.asmx',
    API300_CUS_TOKEN: CUS_TOKEN,
    API300_AUTH_TOKEN: AUTH_TOKEN,
    ROUTER_SECRET,
    ...env,
  });
  let clock = 1000;
  app = await createApp({
    config,
    repository: fake,
    logger,
    stopGracePeriodMs: 1000,
    plugins: [createRequestLogPlugin({ logger, now: () => (clock += 12.5) })],
  });
  const { url } = await app.listen(0, '127.0.0.1');
  return async (body: object, headers: Record<string, string> = {}) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-router-secret': ROUTER_SECRET,
        'x-request-id': 'req-42',
        ...headers,
      },
      body: JSON.stringify(body),
    });
    return { status: res.status, text: await res.text() };
  };
}

afterEach(async () => {
  await app?.stop();
  app = undefined;
});

const requestLines = () =>
  output
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.msg === 'graphql request');

describe('the request log', () => {
  it('holds no personal data or secret from refused credentials, unsigned requests and API300 messages that quote a record', async () => {
    const HMAC = 'hmac-secret-of-the-gateway-7e1f';
    const fake = new FakeRepository().addCustomers(makeCustomer(5, PERSONAL));
    fake.fail(
      'customersByNumber',
      statusError('GetCustomers', 99, `NullReference at ${PERSONAL.lastName}, ${PERSONAL.street}`),
    );
    const post = await start(fake, { ROUTER_HMAC_SECRET: HMAC });
    const withPersonal = {
      query: 'query Find($s: String!) { customers(filter: { search: $s }) { totalCount } }',
      variables: { s: PERSONAL.email },
    };

    const wrongSecret = await post(withPersonal, {
      'x-router-secret': `${HMAC}-${PERSONAL.mobile}`,
    });
    const badSignature = await post(
      { ...withPersonal, extensions: { 'hmac-signature': Buffer.alloc(32).toString('base64') } },
      { 'x-router-secret': '' },
    );
    const upstreamFailed = await post({ query: '{ customer(number: 5) { number } }' });

    expect([wrongSecret.status, badSignature.status]).toEqual([401, 401]);
    expect(upstreamFailed.text).toContain('UPSTREAM_INTERNAL');
    expect(upstreamFailed.text).not.toContain(PERSONAL.lastName);
    const log = output.join('');
    for (const secret of [HMAC, ROUTER_SECRET, ...Object.values(PERSONAL)]) {
      expect(log).not.toContain(secret);
    }
    expect(requestLines()).toHaveLength(1);
  });

  it('writes one JSON line per request with its id, operation, duration, status and error codes', async () => {
    const post = await start(new FakeRepository().addCustomers(makeCustomer(5)));

    await post({ query: 'query OneCustomer { customer(number: 5) { number } }' });
    await post({ query: 'query Broken { customer(number: "x") { number } }' });

    expect(requestLines()).toEqual([
      expect.objectContaining({
        level: 30,
        requestId: 'req-42',
        operationName: 'OneCustomer',
        operationType: 'query',
        durationMs: 12.5,
        status: 200,
        errorCount: 0,
      }),
      expect.objectContaining({
        operationName: 'Broken',
        status: 400,
        errorCount: 1,
        errorCodes: { GRAPHQL_VALIDATION_FAILED: 1 },
      }),
    ]);
  });

  it('never contains variables, tokens, the router secret or customer data, even when requests fail', async () => {
    const fake = new FakeRepository().addCustomers(makeCustomer(5, PERSONAL));
    fake.fail(
      'ticketsByCustomer',
      new Error(`upstream said ${CUS_TOKEN}/${AUTH_TOKEN} for ${PERSONAL.email}`),
    );
    const post = await start(fake);
    const bearer = { authorization: `Bearer ${AUTH_TOKEN}` };

    const created = await post(
      {
        query:
          'mutation Create($input: CustomerInput!) { createCustomer(input: $input) { number firstName } }',
        variables: { input: PERSONAL },
      },
      bearer,
    );
    const refused = await post(
      {
        query:
          'mutation Create($input: CustomerInput!) { createCustomer(input: $input) { number } }',
        variables: { input: { ...PERSONAL, country: PERSONAL.lastName } },
      },
      bearer,
    );
    const read = await post(
      {
        query: `query Read { customer(number: 5) { firstName lastName email street mobile tickets { number } } }`,
      },
      bearer,
    );
    const guessed = await post({
      query: `{ customer(number: 5) { ${PERSONAL.lastName.replace('-', '_')} } }`,
    });

    expect(created.text).toContain(PERSONAL.firstName); // the requests did carry personal data
    expect(refused.text).toContain(PERSONAL.lastName); // and error responses echoed some of it
    expect(read.text).toContain('INTERNAL_SERVER_ERROR');
    expect(guessed.status).toBe(400);
    expect(requestLines()).toHaveLength(4);
    const log = output.join('');
    for (const secret of [CUS_TOKEN, AUTH_TOKEN, ROUTER_SECRET, ...Object.values(PERSONAL)]) {
      expect(log).not.toContain(secret);
    }
    expect(log).not.toContain('Brandstetter');
    expect(log).not.toContain('variables');
  });

  it('adds upstream calls and cache results when the request context carries accounting', async () => {
    await start(new FakeRepository().addCustomers(makeCustomer(5)));
    const accounting = createRequestAccounting();
    accounting.upstreamCall('GetCustomers');
    accounting.upstreamCall('GetReservations');
    accounting.cache('hit', 3);
    accounting.cache('miss');
    accounting.cache('stale');
    const contextValue = {
      ...createRequestContext({
        repository: new FakeRepository(),
        deadline: Date.now() + 1000,
        requestId: 'req-acc',
        logger: { info() {}, warn() {}, error() {} },
      }),
      accounting,
    };

    await app!.apollo.executeOperation(
      { query: 'query Counted { stations { name } }' },
      { contextValue },
    );

    expect(requestLines()).toEqual([
      expect.objectContaining({
        requestId: 'req-acc',
        operationName: 'Counted',
        upstreamCalls: 2,
        cacheHits: 3,
        cacheMisses: 1,
        staleServes: 1,
      }),
    ]);
  });

  it('builds no line when neither of its levels is written (LOG_LEVEL=error), and one when info is', async () => {
    for (const [written, lines] of [
      [['error'], 0],
      [['info', 'warn', 'error'], 1],
    ] as const) {
      const built: object[] = [];
      const logger = {
        info: (line: object | string) => built.push(line as object),
        warn: (line: object | string) => built.push(line as object),
        error() {},
        isLevelEnabled: (level: string) => (written as readonly string[]).includes(level),
      };
      app = await createApp({
        config: loadConfig({}),
        repository: new FakeRepository(),
        stopGracePeriodMs: 1000,
        plugins: [createRequestLogPlugin({ logger })],
      });
      const contextValue = createRequestContext({
        repository: new FakeRepository(),
        deadline: Date.now() + 1000,
        requestId: 'req-quiet',
        logger,
      });
      await app.apollo.executeOperation(
        { query: 'query Quiet { stations { name } }' },
        { contextValue },
      );
      expect([written, built.length]).toEqual([written, lines]);
      await app.stop();
      app = undefined;
    }
  });
});
