import { loadConfig } from '../../../src/config';
import { createApp, type App } from '../../../src/graphql/server';
import { FakeRepository, makeCustomer } from '../../helpers/fakeRepository';
import { postGraphQL } from '../../helpers/gateway';
import { loyaltyPointsOf } from '../../fixtures/subgraphs/loyalty';
import { startFederation, type Federation } from './harness';

/**
 * Router-only access (ROUTER_SECRET) and who may read the schema (INTROSPECTION), over HTTP.
 */

const SECRET = 'router-secret-for-tests-0123456789';
const CUSTOMER_42 = '{ customer(number: 42) { number lastName } }';
const ENTITY_42 = `{ _entities(representations: [{ __typename: "Customer", number: 42 }]) { ... on Customer { lastName } } }`;

let app: App | undefined;
let federation: Federation | undefined;
let fake: FakeRepository;

beforeEach(() => {
  fake = new FakeRepository().addCustomers(makeCustomer(42));
});

afterEach(async () => {
  await app?.stop();
  await federation?.stop();
  app = undefined;
  federation = undefined;
});

async function startSubgraph(env: Record<string, string>): Promise<string> {
  app = await createApp({ config: loadConfig(env), repository: fake, stopGracePeriodMs: 1000 });
  return (await app.listen(0, '127.0.0.1')).url;
}

describe('with a router secret configured', () => {
  it('refuses a request without the header with 401 UNAUTHENTICATED, before any upstream call', async () => {
    const url = await startSubgraph({ ROUTER_SECRET: SECRET });

    const { status, headers, body } = await postGraphQL(url, CUSTOMER_42);

    expect(status).toBe(401);
    expect(headers.get('content-type')).toMatch(/^application\/json/);
    expect(body.data).toBeUndefined();
    expect(body.errors).toEqual([
      {
        message: expect.stringContaining('x-router-secret'),
        extensions: { code: 'UNAUTHENTICATED' },
      },
    ]);
    expect(fake.calls).toEqual([]);
  });

  it('refuses a wrong secret without echoing it', async () => {
    const url = await startSubgraph({ ROUTER_SECRET: SECRET });
    const wrong = `${SECRET}-but-longer`;

    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-router-secret': wrong },
      body: JSON.stringify({ query: CUSTOMER_42 }),
    });

    expect(res.status).toBe(401);
    const text = await res.text();
    expect(text).toContain('UNAUTHENTICATED');
    expect(text).not.toContain(wrong);
    expect(text).not.toContain(SECRET);
  });

  it('refuses GET queries and `_service` without the header too', async () => {
    const url = await startSubgraph({ ROUTER_SECRET: SECRET });

    const get = await fetch(`${url}?query=${encodeURIComponent(CUSTOMER_42)}`, {
      headers: { 'apollo-require-preflight': 'true' },
    });
    const service = await postGraphQL(url, '{ _service { sdl } }');

    expect(get.status).toBe(401);
    expect(service.status).toBe(401);
  });

  it('serves a request with the right secret', async () => {
    const url = await startSubgraph({ ROUTER_SECRET: SECRET });

    const { status, body } = await postGraphQL(url, CUSTOMER_42, undefined, {
      'x-router-secret': SECRET,
    });

    expect(status).toBe(200);
    expect(body).toEqual({ data: { customer: { number: 42, lastName: 'Last42' } } });
  });

  it('serves clients of a gateway that sends the secret to this subgraph', async () => {
    federation = await startFederation({
      repository: fake,
      orders: [{ id: 'O1', total: 3, customerNumber: 42, reservationId: null }],
      env: { ROUTER_SECRET: SECRET },
      subgraphHeaders: { 'x-router-secret': SECRET },
    });

    const { body } = await postGraphQL(
      federation.gateway.url,
      '{ order(id: "O1") { customer { lastName loyaltyPoints } } }',
    );

    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({
      order: { customer: { lastName: 'Last42', loyaltyPoints: loyaltyPointsOf(42) } },
    });
  });
});

describe('without a router secret', () => {
  it('serves every request', async () => {
    const url = await startSubgraph({});

    const { status } = await postGraphQL(url, CUSTOMER_42);

    expect(status).toBe(200);
  });
});

describe('introspection and `_service`', () => {
  const INTROSPECTION_QUERY = '{ __schema { queryType { name } } }';
  const SERVICE_QUERY = '{ _service { sdl } }';

  it('answers both by default', async () => {
    const url = await startSubgraph({});

    const introspection = await postGraphQL(url, INTROSPECTION_QUERY);
    const service = await postGraphQL(url, SERVICE_QUERY);

    expect(introspection.body.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    expect(service.body.data?._service).toEqual({ sdl: expect.stringContaining('type Customer') });
  });

  it('refuses both with INTROSPECTION=false, and still resolves entities', async () => {
    const url = await startSubgraph({ INTROSPECTION: 'false' });

    const introspection = await postGraphQL(url, INTROSPECTION_QUERY);
    const service = await postGraphQL(url, `{ schema: _service { sdl } }`);
    const entity = await postGraphQL(url, ENTITY_42);

    expect(introspection.status).toBe(400);
    expect(introspection.body.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(service.status).toBe(400);
    expect(service.body.data).toBeUndefined();
    expect(service.body.errors?.[0]).toMatchObject({
      message: expect.stringContaining('INTROSPECTION=false'),
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
    expect(entity.body).toEqual({ data: { _entities: [{ lastName: 'Last42' }] } });
  });

  it('lets the router (with the secret) read `_service` with INTROSPECTION=false, but not `__schema`', async () => {
    const url = await startSubgraph({ INTROSPECTION: 'false', ROUTER_SECRET: SECRET });
    const asRouter = { 'x-router-secret': SECRET };

    const service = await postGraphQL(url, SERVICE_QUERY, undefined, asRouter);
    const introspection = await postGraphQL(url, INTROSPECTION_QUERY, undefined, asRouter);

    expect(service.body.data?._service).toEqual({ sdl: expect.stringContaining('type Customer') });
    expect(introspection.status).toBe(400);
  });
});
