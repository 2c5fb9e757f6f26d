import type { Redis } from 'ioredis';
import { createRedisClient } from '../../../src/data/redisClient';
import { loadConfig } from '../../../src/config';
import { createDataPath, type DataPath } from '../../../src/app/dataPath';
import { systemClock } from '../../../src/platform/clock';
import { RedisQuota, redisQuotaKeys, tokenPairId } from '../../../src/data/gate/quota';
import { RedisRecordLock } from '../../../src/data/gate/recordLock';
import { describeWithRedis, startRedis, type RunningRedis } from '../../helpers/redis';
import { FakeApi300 } from '../../helpers/gateFakes';
import { eventually } from '../../helpers/eventually';

/**
 * The Redis-backed pieces of the data path against a real `redis-server` on a free port:
 * the shared quota, the shared cache level, the record lock, and failing closed while Redis
 * is away. Upstream is a fake API300 (no SOAP here); each test uses its own token pair id.
 */

let server: RunningRedis;
const clients: Redis[] = [];
const paths: DataPath[] = [];
let pairSeq = 0;

function client(): Redis {
  const redis = createRedisClient(server.url);
  clients.push(redis);
  return redis;
}

const connected = (redis: Redis): Promise<void> =>
  eventually('the Redis client to be ready', () => redis.status === 'ready', 10_000);

const newPair = () => tokenPairId(`cus-${process.pid}-${++pairSeq}`, 'auth');

describeWithRedis('the data path on a shared Redis', () => {
  beforeAll(async () => {
    server = await startRedis();
  });

  afterEach(async () => {
    await Promise.all(paths.splice(0).map((p) => p.close()));
    clients.splice(0).forEach((c) => c.disconnect());
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('two quotas on one Redis never grant more than the budget together', async () => {
    const pair = newPair();
    const [a, b] = [client(), client()];
    await Promise.all([connected(a), connected(b)]);
    const limits = {
      limit: 10,
      writeReserve: 3,
      tokenPairId: pair,
      clock: systemClock,
      windowAtStart: 'empty' as const,
    };
    const quotas = [
      new RedisQuota({ ...limits, redis: a }),
      new RedisQuota({ ...limits, redis: b }),
    ];

    const decisions = await Promise.all(
      Array.from({ length: 60 }, (_, i) => quotas[i % 2].acquire(i % 3 === 0 ? 'write' : 'read')),
    );
    const granted = decisions.filter((d) => d.granted).length;

    expect(granted).toBe(10);
    expect(quotas[0].budgetLeft()).toBe(0);
    const other = new RedisQuota({ ...limits, tokenPairId: newPair(), redis: a });
    expect(await other.acquire('read')).toEqual({ granted: true });
  });

  it("times the window with Redis's clock and says when the next slot frees", async () => {
    const redis = client();
    await connected(redis);
    const quota = new RedisQuota({
      limit: 2,
      writeReserve: 0,
      windowMs: 500,
      tokenPairId: newPair(),
      clock: systemClock,
      windowAtStart: 'empty',
      redis,
    });
    const firstAsked = Date.now();
    expect((await quota.acquire('read')).granted).toBe(true);
    expect((await quota.acquire('read')).granted).toBe(true);

    const refused = await quota.acquire('read');
    if (refused.granted) throw new Error('a third call fit into a window of two');
    expect(refused.reason).toBe('budget');
    // The slot frees when the first grant leaves the window (Redis's clock and this one are
    // the machine's, to the millisecond), never more than a window from now.
    expect(refused.retryAt).toBeGreaterThanOrEqual(firstAsked + 500 - 1);
    expect(refused.retryAt - Date.now()).toBeLessThanOrEqual(500);

    await new Promise((resolve) => setTimeout(resolve, refused.retryAt - Date.now() + 5));
    expect((await quota.acquire('read')).granted).toBe(true);
  });

  it('remembers the grants of the window when Redis restarts empty', async () => {
    const pair = newPair();
    const redis = client();
    await connected(redis);
    const quota = new RedisQuota({
      limit: 3,
      writeReserve: 0,
      tokenPairId: pair,
      clock: systemClock,
      windowAtStart: 'empty',
      redis,
    });
    for (let i = 0; i < 3; i++) expect((await quota.acquire('read')).granted).toBe(true);

    await server.restart();
    await connected(redis);
    await eventually(
      'the grants to be put back',
      async () => (await redis.zcard(`hypersoft:${pair}:quota`)) === 3,
    );
    expect(await quota.acquire('read')).toMatchObject({ granted: false, reason: 'budget' });
  });

  describe('a Redis that lost the window is not an empty window', () => {
    const WINDOW_MS = 800;
    const quotaOn = (redis: Redis, pair: string, windowAtStart: 'empty' | 'unknown' = 'empty') =>
      new RedisQuota({
        limit: 3,
        writeReserve: 0,
        windowMs: WINDOW_MS,
        tokenPairId: pair,
        clock: systemClock,
        windowAtStart,
        redis,
      });

    /** Asks until granted; returns how long that took (ms). */
    async function grantedAfter(quota: RedisQuota): Promise<number> {
      const started = Date.now();
      for (;;) {
        const decision = await quota.acquire('read');
        if (decision.granted) return Date.now() - started;
        await new Promise((resolve) =>
          setTimeout(resolve, Math.max(1, decision.retryAt - Date.now())),
        );
      }
    }

    it('a first use of the pair holds one window unless the caller knows it is empty', async () => {
      const redis = client();
      await connected(redis);
      const unknown = quotaOn(redis, newPair(), 'unknown');

      const first = await unknown.acquire('write');
      expect(first).toMatchObject({ granted: false, reason: 'budget' });
      expect(unknown.hold()?.reason).toMatch(/new or was lost/);
      expect(await grantedAfter(unknown)).toBeGreaterThan(WINDOW_MS - 200);
      expect(await quotaOn(redis, newPair(), 'empty').acquire('read')).toEqual({ granted: true });
    });

    it('a restart that forgot the grants of a replica that is gone holds the window', async () => {
      const pair = newPair();
      const gone = client();
      await connected(gone);
      const before = quotaOn(gone, pair);
      for (let i = 0; i < 3; i++) expect((await before.acquire('read')).granted).toBe(true);
      gone.disconnect();

      await server.restart();
      const redis = client();
      await connected(redis);
      // A replica started against a real API300 knows nothing of the calls before it.
      const after = quotaOn(redis, pair, 'unknown');

      expect(await after.acquire('read')).toMatchObject({ granted: false, reason: 'budget' });
      expect(after.hold()).not.toBeNull();
    });

    it('FLUSHALL holds the window', async () => {
      const pair = newPair();
      const redis = client();
      await connected(redis);
      const quota = quotaOn(redis, pair);
      expect((await quota.acquire('read')).granted).toBe(true);

      await redis.flushall();

      expect(await quota.acquire('read')).toMatchObject({ granted: false, reason: 'budget' });
      expect(await grantedAfter(quota)).toBeGreaterThan(WINDOW_MS - 200);
    });

    it('an evicted log (its marker kept, as volatile-* policies do) holds the window', async () => {
      const pair = newPair();
      const redis = client();
      await connected(redis);
      const quota = quotaOn(redis, pair);
      expect((await quota.acquire('read')).granted).toBe(true);

      await redis.del(redisQuotaKeys(pair).log);

      expect(await quota.acquire('read')).toMatchObject({ granted: false, reason: 'budget' });
    });

    it('a log kept by another Redis server (a failover to a replica) holds the window', async () => {
      const pair = newPair();
      const redis = client();
      await connected(redis);
      const quota = quotaOn(redis, pair);
      expect((await quota.acquire('read')).granted).toBe(true);

      await redis.hset(redisQuotaKeys(pair).marker, 'run', 'another-server');

      expect(await quota.acquire('read')).toMatchObject({ granted: false, reason: 'budget' });
    });

    it('warns when Redis may evict the quota keys', async () => {
      const redis = client();
      await connected(redis);
      await redis.config('SET', 'maxmemory-policy', 'volatile-lru');
      const warnings: string[] = [];
      try {
        new RedisQuota({
          limit: 3,
          writeReserve: 0,
          tokenPairId: newPair(),
          clock: systemClock,
          redis,
          warn: (message) => warnings.push(message),
        });
        await eventually('the eviction warning', () => warnings.length > 0);
        expect(warnings[0]).toMatch(/maxmemory-policy is volatile-lru.*noeviction/);
      } finally {
        await redis.config('SET', 'maxmemory-policy', 'noeviction');
      }
    });
  });

  it('holds a record lock across connections and only its holder releases it', async () => {
    const pair = newPair();
    const [a, b] = [client(), client()];
    await Promise.all([connected(a), connected(b)]);
    const locks = [a, b].map(
      (redis) => new RedisRecordLock({ redis, tokenPairId: pair, clock: systemClock, retryMs: 5 }),
    );
    const log: string[] = [];
    const section = (name: string) => async () => {
      log.push(`${name} in`);
      await new Promise((resolve) => setTimeout(resolve, 30));
      log.push(`${name} out`);
    };
    const deadline = Date.now() + 5000;

    await Promise.all([
      locks[0].withLock('customer:1', deadline, section('a')),
      locks[1].withLock('customer:1', deadline, section('b')),
    ]);

    expect(log).toHaveLength(4);
    expect(log[1]).toBe(`${log[0].split(' ')[0]} out`);
    expect(await a.keys(`hypersoft:${pair}:lock:*`)).toEqual([]);
  });

  it('keeps a record locked while its holder still waits for API300, past the lease it took', async () => {
    const pair = newPair();
    const [a, b] = [client(), client()];
    await Promise.all([connected(a), connected(b)]);
    const [first, second] = [a, b].map(
      (redis) =>
        new RedisRecordLock({
          redis,
          tokenPairId: pair,
          clock: systemClock,
          retryMs: 5,
          leaseMs: 150,
        }),
    );
    const log: string[] = [];
    let entered!: () => void;
    const firstIn = new Promise<void>((resolve) => (entered = resolve));
    // The holder's upstream call takes four leases (API300_TIMEOUT_MS may be 120 s).
    const holder = first.withLock('customer:7', Date.now() + 100, async () => {
      log.push('first in');
      entered();
      await new Promise((resolve) => setTimeout(resolve, 600));
      log.push('first out');
    });
    await firstIn;
    const waiter = second.withLock('customer:7', Date.now() + 3000, async () => {
      log.push('second in');
    });
    await Promise.all([holder, waiter]);

    expect(log).toEqual(['first in', 'first out', 'second in']);
  });

  it('shares cached records between replicas, so the second one asks upstream nothing', async () => {
    const pair = newPair();
    const config = loadConfig({});
    const apis = [
      new FakeApi300(systemClock).withCustomers(1, 2),
      new FakeApi300(systemClock).withCustomers(1, 2),
    ];
    const replicas = apis.map((api) =>
      createDataPath({ api, config, tokenPairId: pair, redis: client(), windowAtStart: 'empty' }),
    );
    paths.push(...replicas);
    await Promise.all(replicas.map((r) => connected(r.redis!)));
    const opts = { deadline: Date.now() + 5000 };

    const first = await replicas[0].repository.customersByNumber([1, 2, 3], opts);
    // The shared level is written without waiting (fire-and-forget): until all three are there.
    await eventually(
      'the three entries in Redis',
      async () =>
        (await replicas[0].redis!.keys(`hypersoft:${pair}:cache:customer:*`)).length === 3,
    );
    const second = await replicas[1].repository.customersByNumber([1, 2, 3], opts);

    expect([...second.entries()]).toEqual([...first.entries()]);
    expect(second.get(1)?.created).toBeInstanceOf(Date);
    expect([apis[0].count(), apis[1].count()]).toEqual([1, 0]);
    expect(replicas[1].stats().cache).toEqual({ hits: 3, misses: 0, staleServes: 0 });
  });

  it("keeps a replica's write in the shared cache when another replica's older read answers after it", async () => {
    const pair = newPair();
    const config = loadConfig({});
    const apis = [
      new FakeApi300(systemClock).withCustomers(1),
      new FakeApi300(systemClock).withCustomers(1),
    ];
    const [reader, writer] = apis.map((api) =>
      createDataPath({ api, config, tokenPairId: pair, redis: client(), windowAtStart: 'empty' }),
    );
    paths.push(reader, writer);
    await Promise.all([connected(reader.redis!), connected(writer.redis!)]);
    let answerRead!: () => void;
    const readHeld = new Promise<void>((resolve) => (answerRead = resolve));
    let readStarted!: () => void;
    const readAsked = new Promise<void>((resolve) => (readStarted = resolve));
    const getCustomers = apis[0].getCustomers.bind(apis[0]);
    apis[0].getCustomers = async (query) => {
      const page = await getCustomers(query); // the record before the write
      readStarted();
      await readHeld;
      return page;
    };
    const opts = () => ({ deadline: Date.now() + 5000 });

    const reading = reader.repository.customersByNumber([1], opts());
    await readAsked;
    await writer.repository.updateCustomer(
      1,
      ({ created: _c, changed: _ch, ...c }) => ({ ...c, city: 'Bonn' }),
      opts(),
    );
    // The L2 writes are fire-and-forget pipelines: a later command on the same connection
    // answers only once they have run.
    await writer.redis!.ping();
    answerRead();
    await reading;
    await reader.redis!.ping();
    writer.caches.customers.clearLocal();
    const served = await writer.repository.customersByNumber([1], opts());

    expect(served.get(1)?.city).toBe('Bonn');
    expect(apis[1].count('GetCustomers')).toBe(0);
  });

  it('fails closed while Redis is away: cache answers, nothing goes upstream, and it recovers by itself', async () => {
    const config = loadConfig({});
    const api = new FakeApi300(systemClock).withCustomers(1, 2);
    // A Redis restarted empty holds the window once: 1 s here instead of 61.
    const dataPath = createDataPath({
      api,
      config,
      tokenPairId: newPair(),
      redis: client(),
      windowAtStart: 'empty',
      windowMs: 1000,
    });
    paths.push(dataPath);
    await connected(dataPath.redis!);
    const opts = () => ({ deadline: Date.now() + 1500 });
    await dataPath.repository.customersByNumber([1], opts());

    await server.stop();
    const cached = await dataPath.repository.customersByNumber([1], opts());
    const started = Date.now();
    const refused = await dataPath.repository
      .customersByNumber([2], opts())
      .catch((e: unknown) => e);

    expect(cached.get(1)?.number).toBe(1);
    expect(refused).toMatchObject({
      code: 'UPSTREAM_RATE_LIMITED',
      details: { retryAfter: expect.any(Number) },
    });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(api.count()).toBe(1);
    expect(await dataPath.ready()).toEqual({
      ok: false,
      reasons: [expect.stringMatching(/^redis connection/)],
    });

    await server.restart();
    await connected(dataPath.redis!);
    const recovered = await dataPath.repository.customersByNumber([2], opts());
    expect(recovered.get(2)?.number).toBe(2);
    expect(api.count()).toBe(2);
    expect(await dataPath.ready()).toEqual({ ok: true, reasons: [] });
  });
});
