import { webcrypto } from 'node:crypto';
import { loadConfig } from '../../../src/config';
import { createApp, type App } from '../../../src/graphql/server';
import { startSubgraph, type RunningSubgraph } from '../../../src/app/subgraph';
import { FakeRepository, makeCustomer } from '../../helpers/fakeRepository';
import { postGraphQL } from '../../helpers/gateway';

/**
 * Router-only access in production: the shared secret (with rotation), Hive Gateway's HMAC
 * signature, the opt-out, and introspection — over HTTP.
 */

const SECRET = 'current-router-secret-0123456789';
const PREVIOUS = 'previous-router-secret-0123456789';
const HMAC = 'hive-gateway-hmac-secret-0123456789';
const HMAC_PREVIOUS = 'old-hive-gateway-hmac-secret-0123';
const API300 = {
  API300_URL: 'https://api.example/Service/API300.asmx',
  API300_CUS_TOKEN: 'cus',
  API300_AUTH_TOKEN: 'auth',
};
const CUSTOMER = 'query One($n: Int!) { customer(number: $n) { number lastName } }';

let app: App | undefined;
let subgraph: RunningSubgraph | undefined;
let fake: FakeRepository;

beforeEach(() => {
  fake = new FakeRepository().addCustomers(makeCustomer(42));
});

afterEach(async () => {
  await app?.stop();
  await subgraph?.stop();
  app = undefined;
  subgraph = undefined;
});

async function start(env: Record<string, string>): Promise<string> {
  const config = loadConfig({ NODE_ENV: 'production', ...API300, ...env });
  app = await createApp({ config, repository: fake, stopGracePeriodMs: 1000 });
  return (await app.listen(0, '127.0.0.1')).url;
}

/** Sorted keys, as json-stable-stringify writes them (the test's own, independent copy). */
function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sorted((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/** Hive Gateway's signature: WebCrypto HMAC-SHA256 over `{query, variables}`, then btoa. */
async function hiveSignature(
  secret: string,
  query: string,
  variables?: Record<string, unknown>,
): Promise<string> {
  const encoder = new TextEncoder();
  const key = await webcrypto.subtle.importKey(
    'raw',
    encoder.encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const text = JSON.stringify(
    variables && Object.keys(variables).length > 0
      ? { query, variables: sorted(variables) }
      : { query },
  );
  const signature = await webcrypto.subtle.sign('HMAC', key, encoder.encode(text));
  return btoa(String.fromCharCode(...new Uint8Array(signature)));
}

async function signedPost(
  url: string,
  secret: string,
  query: string,
  variables?: Record<string, unknown>,
  sentVariables = variables,
) {
  const signature = await hiveSignature(secret, query, variables);
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      query,
      variables: sentVariables,
      extensions: { 'hmac-signature': signature },
    }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('the shared secret', () => {
  it('accepts the current and the previous secret during a rotation, and nothing else', async () => {
    const url = await start({ ROUTER_SECRET: SECRET, ROUTER_SECRET_PREVIOUS: PREVIOUS });
    const as = (secret: string) =>
      postGraphQL(url, CUSTOMER, { n: 42 }, { 'x-router-secret': secret });

    const [current, previous, wrong, none] = await Promise.all([
      as(SECRET),
      as(PREVIOUS),
      as(`${SECRET}x`),
      postGraphQL(url, CUSTOMER, { n: 42 }),
    ]);

    expect(current.body.data).toEqual({ customer: { number: 42, lastName: 'Last42' } });
    expect(previous.body.data).toEqual({ customer: { number: 42, lastName: 'Last42' } });
    for (const refused of [wrong, none]) {
      expect(refused.status).toBe(401);
      expect(refused.body.data).toBeUndefined();
      expect(refused.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    }
  });
});

describe("Hive Gateway's HMAC signature", () => {
  it('serves a request signed as Hive Gateway signs it, with either secret of a rotation', async () => {
    const url = await start({
      ROUTER_HMAC_SECRET: HMAC,
      ROUTER_HMAC_SECRET_PREVIOUS: HMAC_PREVIOUS,
    });

    const current = await signedPost(url, HMAC, CUSTOMER, { n: 42 });
    const previous = await signedPost(url, HMAC_PREVIOUS, CUSTOMER, { n: 42 });
    const noVariables = await signedPost(url, HMAC, '{ customer(number: 42) { lastName } }');

    expect(current).toEqual({
      status: 200,
      body: { data: { customer: { number: 42, lastName: 'Last42' } } },
    });
    expect(previous.status).toBe(200);
    expect(noVariables.body).toEqual({ data: { customer: { lastName: 'Last42' } } });
  });

  it('gives no data for a missing, wrong or replayed-with-other-variables signature', async () => {
    const url = await start({ ROUTER_HMAC_SECRET: HMAC });

    const unsigned = await postGraphQL(url, CUSTOMER, { n: 42 });
    const wrongKey = await signedPost(url, 'another-secret-0123456789abcdef', CUSTOMER, { n: 42 });
    const tampered = await signedPost(url, HMAC, CUSTOMER, { n: 1 }, { n: 42 });

    for (const refused of [unsigned, wrongKey, tampered]) {
      expect(refused.status).toBe(401);
      expect(refused.body.data).toBeUndefined();
      expect(refused.body.errors).toEqual([
        {
          message: expect.stringContaining('hmac-signature'),
          extensions: { code: 'UNAUTHENTICATED' },
        },
      ]);
    }
    expect(fake.calls).toEqual([]);
  });

  it('accepts the shared secret too when both are configured', async () => {
    const url = await start({ ROUTER_SECRET: SECRET, ROUTER_HMAC_SECRET: HMAC });

    const bySecret = await postGraphQL(url, CUSTOMER, { n: 42 }, { 'x-router-secret': SECRET });
    const bySignature = await signedPost(url, HMAC, CUSTOMER, { n: 42 });

    expect([bySecret.status, bySignature.status]).toEqual([200, 200]);
  });
});

describe('introspection in production', () => {
  it('is refused even for the router, while `_service { sdl }` and `_entities` answer it', async () => {
    const url = await start({ ROUTER_SECRET: SECRET });
    const asRouter = { 'x-router-secret': SECRET };

    const introspection = await postGraphQL(
      url,
      '{ __schema { queryType { name } } }',
      undefined,
      asRouter,
    );
    const service = await postGraphQL(url, '{ _service { sdl } }', undefined, asRouter);
    const entities = await postGraphQL(
      url,
      '{ _entities(representations: [{ __typename: "Customer", number: 42 }]) { ... on Customer { lastName } } }',
      undefined,
      asRouter,
    );

    expect(introspection.status).toBe(400);
    expect(introspection.body.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(service.body.data?._service).toEqual({ sdl: expect.stringContaining('type Customer') });
    expect(entities.body.data).toEqual({ _entities: [{ lastName: 'Last42' }] });
  });
});

describe('health in production', () => {
  it('answers /healthz and /readyz without a credential, while /graphql refuses', async () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      API300_SIMULATOR: 'embedded',
      ROUTER_SECRET: SECRET,
      PORT: '0',
      MIRROR: 'false',
      SHUTDOWN_DRAIN_MS: '0',
    });
    subgraph = await startSubgraph(config, {
      logger: { info() {}, warn() {}, error() {} },
      host: '127.0.0.1',
      simulator: { customers: 1, reservations: 0, tickets: 0, stations: 1 },
    });
    const origin = new URL(subgraph.url).origin;

    const [healthz, readyz, graphql] = await Promise.all([
      fetch(`${origin}/healthz`),
      fetch(`${origin}/readyz`),
      postGraphQL(subgraph.url, '{ stations { number } }'),
    ]);

    expect(healthz.status).toBe(200);
    expect(readyz.status).toBe(200);
    expect(graphql.status).toBe(401);
  });
});

describe('production with ROUTER_AUTH_DISABLED=true', () => {
  it('starts with a warning, serves without a credential and serves no GraphiQL page', async () => {
    const warnings: string[] = [];
    const logger = {
      info() {},
      error() {},
      warn: (_o: object, msg?: string) => warnings.push(msg ?? ''),
    };
    const config = loadConfig({
      NODE_ENV: 'production',
      API300_SIMULATOR: 'embedded',
      ROUTER_AUTH_DISABLED: 'true',
      PORT: '0',
      MIRROR: 'false',
      SHUTDOWN_DRAIN_MS: '0',
    });
    subgraph = await startSubgraph(config, {
      logger,
      host: '127.0.0.1',
      simulator: { customers: 5, reservations: 0, tickets: 0, stations: 1 },
    });

    const stations = await postGraphQL(subgraph.url, '{ stations { number } }');
    const page = await fetch(subgraph.url, { headers: { accept: 'text/html' } });

    expect(warnings.join('\n')).toMatch(/ROUTER_AUTH_DISABLED=true/);
    expect(stations.status).toBe(200);
    expect(page.headers.get('content-type') ?? '').not.toMatch(/text\/html/);
  });
});
