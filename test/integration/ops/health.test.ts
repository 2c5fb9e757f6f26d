import { loadConfig } from '../../../src/config';
import { createHealth, type Health, type HealthDeps } from '../../../src/ops/health';
import type { DataPathStats } from '../../../src/data/stats';
import type { MirrorStatus } from '../../../src/data/mirror/mirror';
import { createApp, type App } from '../../../src/graphql/server';
import { FakeRepository } from '../../helpers/fakeRepository';

let app: App | undefined;
let fake: FakeRepository;

const NOW = 1_700_000_000_000;

function upstreamState(overrides: Partial<DataPathStats['upstream']> = {}): DataPathStats {
  return {
    upstream: {
      calls: [],
      budgetLeft: 37,
      queueLength: 0,
      breaker: 'closed',
      lastCall: null,
      ...overrides,
    },
    cache: { hits: 0, misses: 0, staleServes: 0 },
  };
}

async function start(deps: HealthDeps = {}, loaded = true) {
  const health = createHealth({ now: () => NOW, ...deps });
  fake = new FakeRepository();
  app = await createApp({
    config: loadConfig({ ROUTER_SECRET: 'router-only' }),
    repository: fake,
    stopGracePeriodMs: 1000,
    extraRoutes: health.route,
  });
  if (loaded) health.schemaLoaded();
  const { port } = await app.listen(0, '127.0.0.1');
  const get = async (path: string, method = 'GET') => {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, { method });
    const text = await res.text();
    const json = res.headers.get('content-type')?.startsWith('application/json') && text !== '';
    return {
      status: res.status,
      body: json ? (JSON.parse(text) as Record<string, unknown>) : null,
    };
  };
  return { health, get };
}

afterEach(async () => {
  await app?.stop();
  app = undefined;
});

describe('/healthz', () => {
  it('says the process is alive, without the router secret, even when readiness fails', async () => {
    const { get } = await start(
      { dataPath: { stats: () => upstreamState({ breaker: 'open' }) } },
      false,
    );

    expect(await get('/healthz')).toEqual({ status: 200, body: { status: 'alive' } });
  });
});

describe('/readyz', () => {
  it('is ready when the schema is loaded, the breaker closed and Redis connected', async () => {
    const { get } = await start({
      dataPath: { stats: () => upstreamState({ lastCall: { at: NOW - 1000, reachable: true } }) },
      redis: { status: 'ready' },
    });

    const reply = await get('/readyz');

    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      status: 'ready',
      reasons: [],
      degraded: [],
      checks: {
        schema: { ok: true },
        lifecycle: { ok: true },
        breaker: { ok: true },
        upstream: { ok: true, detail: 'budget left in window: 37 calls' },
        redis: { ok: true },
      },
    });
  });

  it('is not ready until the schema is loaded', async () => {
    const { get, health } = await start({}, false);

    expect(await get('/readyz')).toMatchObject({
      status: 503,
      body: { status: 'not ready', reasons: ['schema: schema not loaded yet'] },
    });
    health.schemaLoaded();
    expect((await get('/readyz')).status).toBe(200);
  });

  it('is not ready while the breaker is open', async () => {
    let breaker: DataPathStats['upstream']['breaker'] = 'open';
    const { get } = await start({ dataPath: { stats: () => upstreamState({ breaker }) } });

    expect(await get('/readyz')).toMatchObject({
      status: 503,
      body: { reasons: ['breaker: circuit breaker open'] },
    });
    breaker = 'closed';
    expect((await get('/readyz')).status).toBe(200);
  });

  it('is not ready for a while after the last upstream call found API300 unreachable', async () => {
    let lastCall = { at: NOW - 5_000, reachable: false };
    const { get } = await start({ dataPath: { stats: () => upstreamState({ lastCall }) } });

    expect(await get('/readyz')).toMatchObject({
      status: 503,
      body: { reasons: ['upstream: last API300 call 5 s ago found it unreachable'] },
    });
    lastCall = { at: NOW - 31_000, reachable: false };
    expect((await get('/readyz')).status).toBe(200);
    lastCall = { at: NOW - 1_000, reachable: true };
    expect((await get('/readyz')).status).toBe(200);
  });

  it('is not ready while Redis is configured but not connected', async () => {
    const { get } = await start({ redis: { status: 'reconnecting' } });

    expect(await get('/readyz')).toMatchObject({
      status: 503,
      body: { reasons: ['redis: redis connection reconnecting'] },
    });
  });

  it('is not ready once shutdown began, so the load balancer drains the replica', async () => {
    const { get, health } = await start();
    health.shuttingDown();

    expect(await get('/readyz')).toMatchObject({
      status: 503,
      body: { reasons: ['lifecycle: shutting down'] },
    });
  });

  it('costs no upstream call however often it is probed', async () => {
    const stats = jest.fn(() => upstreamState());
    const { get } = await start({ dataPath: { stats } });

    for (let i = 0; i < 100; i++) await get('/readyz');

    expect(fake.calls).toHaveLength(0);
    expect(stats).toHaveBeenCalledTimes(100);
  });

  it('answers HEAD without a body and refuses other methods', async () => {
    const { get } = await start();

    expect(await get('/readyz', 'HEAD')).toEqual({ status: 200, body: null });
    expect((await get('/readyz', 'POST')).status).toBe(405);
  });
});

/** A mirror status that answers `serving` from memory (the rest as a synced mirror says it). */
function mirrorServing(serving: MirrorStatus['serving']): MirrorStatus {
  const loaded = serving.length > 0;
  return {
    state: loaded ? 'synced' : 'loading',
    store: 'file',
    syncing: true,
    records: { customers: loaded ? 60 : 0, reservations: 0, tickets: 0, stations: 3 },
    serving,
    kinds: {},
    sync: null,
    feed: { position: 0, reloads: 0, caughtUpAt: null },
    lease: null,
  };
}

describe('/readyz means "can serve"', () => {
  const everythingDown = (mirror: MirrorStatus): DataPathStats => ({
    ...upstreamState({ breaker: 'open', lastCall: { at: NOW - 2_000, reachable: false } }),
    quota: {
      store: 'redis',
      hold: { until: NOW + 30_000, reason: 'the window is unknown' },
      available: false,
    },
    mirror,
  });

  it('stays ready while the mirror serves, and names what is degraded: API300, the breaker, the quota, Redis', async () => {
    const { get } = await start({
      dataPath: { stats: () => everythingDown(mirrorServing(['customers', 'stations'])) },
      redis: { status: 'reconnecting' },
    });

    const reply = await get('/readyz');

    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({
      status: 'ready',
      reasons: [],
      degraded: [
        'breaker: circuit breaker open',
        'upstream: last API300 call 2 s ago found it unreachable',
        `quota: no upstream call before ${new Date(NOW + 30_000).toISOString()}: the window is unknown`,
        'redis: redis connection reconnecting',
      ],
    });
    expect((reply.body!.checks as Record<string, { detail: string }>).mirror.detail).toBe(
      'synced; serving customers, stations from the mirror',
    );
  });

  it('is not ready while the mirror serves nothing and API300 cannot be reached (a first load)', async () => {
    const { get } = await start({
      dataPath: { stats: () => everythingDown(mirrorServing(['stations'])) },
    });

    expect(await get('/readyz')).toMatchObject({
      status: 503,
      body: {
        reasons: [
          'breaker: circuit breaker open',
          'upstream: last API300 call 2 s ago found it unreachable',
          expect.stringMatching(/^quota: no upstream call before/),
        ],
        degraded: [],
      },
    });
  });

  it('is ready during a first load while API300 serves reads through', async () => {
    const { get } = await start({
      dataPath: { stats: () => ({ ...upstreamState(), mirror: mirrorServing([]) }) },
    });

    expect(await get('/readyz')).toMatchObject({ status: 200, body: { status: 'ready' } });
  });

  it('is not ready once shutdown began, even with a serving mirror', async () => {
    const { get, health } = await start({
      dataPath: { stats: () => ({ ...upstreamState(), mirror: mirrorServing(['customers']) }) },
    });
    health.shuttingDown();

    expect(await get('/readyz')).toMatchObject({
      status: 503,
      body: { reasons: ['lifecycle: shutting down'] },
    });
  });
});

describe('readiness()', () => {
  it('gives the same verdict as the route, for the shutdown code and tests', () => {
    const health: Health = createHealth();
    expect(health.readiness().ready).toBe(false);
    health.schemaLoaded();
    expect(health.readiness()).toEqual({
      ready: true,
      checks: { schema: { ok: true }, lifecycle: { ok: true } },
      unready: [],
      degraded: [],
      mirror: null,
    });
  });
});
