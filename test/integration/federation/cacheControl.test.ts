import { loadConfig } from '../../../src/config';
import { createFreshnessHintPlugin } from '../../../src/graphql/freshnessHint';
import { createApp, type App } from '../../../src/graphql/server';
import {
  FakeRepository,
  makeCustomer,
  makeReservation,
  makeStation,
} from '../../helpers/fakeRepository';
import { fetchServiceSdl, postGraphQL } from '../../helpers/gateway';
import { startFederation, type Federation } from './harness';

/**
 * `@cacheControl` hints (docs/federation.md §3): responses carry a Cache-Control header that
 * matches the subgraph's cache TTL defaults, so a router's cache may reuse them as long.
 */

const ENTITY_MAX_AGE = loadConfig({}).cache.ttlMs / 1000;
const STATIONS_MAX_AGE = loadConfig({}).cache.stationsTtlMs / 1000;

let app: App | undefined;
let federation: Federation | undefined;
let fake: FakeRepository;

beforeEach(() => {
  fake = new FakeRepository()
    .addCustomers(makeCustomer(42))
    .addReservations(makeReservation(7, { customerNumber: 42, stationNumber: 1 }));
  fake.stationList = [makeStation(1)];
});

afterEach(async () => {
  await app?.stop();
  await federation?.stop();
  app = undefined;
  federation = undefined;
});

async function startSubgraph(): Promise<string> {
  app = await createApp({ config: loadConfig({}), repository: fake, stopGracePeriodMs: 1000 });
  return (await app.listen(0, '127.0.0.1')).url;
}

async function cacheControlOf(url: string, query: string, variables?: Record<string, unknown>) {
  const { body, headers } = await postGraphQL(url, query, variables);
  expect(body.errors).toBeUndefined();
  return headers.get('cache-control');
}

describe('Cache-Control of subgraph responses', () => {
  it('lets customer, reservation and ticket data be cached for the entity TTL (30 s)', async () => {
    const url = await startSubgraph();

    expect(ENTITY_MAX_AGE).toBe(30);
    expect(await cacheControlOf(url, '{ customer(number: 42) { number lastName } }')).toBe(
      `max-age=${ENTITY_MAX_AGE}, public`,
    );
    expect(await cacheControlOf(url, '{ ticket(number: "nope") { number } }')).toBe(
      `max-age=${ENTITY_MAX_AGE}, public`,
    );
  });

  it('lets the station list be cached for the stations TTL (300 s)', async () => {
    const url = await startSubgraph();

    expect(STATIONS_MAX_AGE).toBe(300);
    expect(await cacheControlOf(url, '{ stations { number name } }')).toBe(
      `max-age=${STATIONS_MAX_AGE}, public`,
    );
  });

  it('takes the shortest hint of a response that mixes stations and customers', async () => {
    const url = await startSubgraph();

    expect(
      await cacheControlOf(
        url,
        '{ customer(number: 42) { reservations { id station { name } } } }',
      ),
    ).toBe(`max-age=${ENTITY_MAX_AGE}, public`);
  });

  it('gives entity fetches of a router the hint of the entity type', async () => {
    const url = await startSubgraph();

    expect(
      await cacheControlOf(
        url,
        'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { lastName } } }',
        { r: [{ __typename: 'Customer', number: 42 }] },
      ),
    ).toBe(`max-age=${ENTITY_MAX_AGE}, public`);
  });

  it('never lets a mutation response be cached', async () => {
    const url = await startSubgraph();

    expect(
      await cacheControlOf(
        url,
        'mutation { createCustomer(input: { lastName: "New" }) { number } }',
      ),
    ).toBe('no-store');
  });

  it('leaves searches uncached: a page of a list is not an entity and has no hint', async () => {
    const url = await startSubgraph();

    expect(await cacheControlOf(url, '{ customers(first: 5) { edges { node { number } } } }')).toBe(
      'no-store',
    );
  });

  it('declares @cacheControl in the SDL it serves, so routers and rover see the hints', async () => {
    const sdl = await fetchServiceSdl(await startSubgraph());

    expect(sdl).toMatch(/directive @cacheControl\(/);
    expect(sdl).toMatch(/type Customer\s+@key\(fields: "number"\)\s+@cacheControl\(maxAge: 30\)/);
    expect(sdl).toMatch(/type Station\s+@key\(fields: "number"\)\s+@cacheControl\(maxAge: 300\)/);
  });
});

describe('Cache-Control of gateway responses', () => {
  it('passes the subgraph hint on to clients of the gateway', async () => {
    federation = await startFederation({ repository: fake, orders: [] });

    expect(
      await cacheControlOf(federation.gateway.url, '{ customer(number: 42) { lastName } }'),
    ).toBe(`max-age=${ENTITY_MAX_AGE}, public`);
  });
});

describe('Cache-Control when reads come from the mirror', () => {
  it('is lowered to the mirror’s refresh interval, never raised, and mutations stay no-store', async () => {
    let mirrorMaxAge: number | null = 8;
    let now = 0;
    app = await createApp({
      config: loadConfig({}),
      repository: fake,
      stopGracePeriodMs: 1000,
      plugins: [createFreshnessHintPlugin(() => mirrorMaxAge, { now: () => now })],
    });
    const url = (await app.listen(0, '127.0.0.1')).url;

    expect(await cacheControlOf(url, '{ customer(number: 42) { number } }')).toBe(
      'max-age=8, public',
    );
    expect(await cacheControlOf(url, '{ stations { number } }')).toBe('max-age=8, public');
    expect(
      await cacheControlOf(
        url,
        'mutation { createCustomer(input: { lastName: "Neu" }) { number } }',
      ),
    ).toBe('no-store');
    mirrorMaxAge = 600;
    // The bound is asked again once a second, not per request.
    expect(await cacheControlOf(url, '{ customer(number: 42) { number } }')).toBe(
      'max-age=8, public',
    );
    now += 1000;
    expect(await cacheControlOf(url, '{ customer(number: 42) { number } }')).toBe(
      `max-age=${ENTITY_MAX_AGE}, public`,
    );
    mirrorMaxAge = null;
    now += 1000;
    expect(await cacheControlOf(url, '{ stations { number } }')).toBe(
      `max-age=${STATIONS_MAX_AGE}, public`,
    );
  });
});
