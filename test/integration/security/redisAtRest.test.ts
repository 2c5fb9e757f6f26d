import type { Redis } from 'ioredis';
import { loadConfig } from '../../../src/config';
import { startSubgraph, type RunningSubgraph } from '../../../src/app/subgraph';
import { createRedisClient } from '../../../src/data/redisClient';
import { RecordCipher } from '../../../src/data/cache/recordCipher';
import { RedisSharedCache, type StoredEntry } from '../../../src/data/cache/sharedCache';
import { systemClock } from '../../../src/platform/clock';
import { PERSONAL_FIELDS } from '../../../src/domain/personalData';
import { postGraphQL, silentLogger } from '../../helpers/gateway';
import { describeWithRedis, startRedis, type RunningRedis } from '../../helpers/redis';

/**
 * Personal data at rest in Redis: read Redis directly after the subgraph cached customers
 * found by a search (and wrote one with an idempotency key, whose outcome is kept in Redis),
 * and look for every personal value and the search text in its keys and values. The subgraph runs read-through (MIRROR=false), so every read goes by the cache.
 */

const KEY = Buffer.alloc(32, 1).toString('base64');
const OLD_KEY = Buffer.alloc(32, 2).toString('base64');
const PERSONAL = [...PERSONAL_FIELDS].filter((f) => f !== 'search');
const CUSTOMER_FIELDS = `number ${PERSONAL.filter((f) => !['guestName', 'phone', 'comment'].includes(f)).join(' ')}`;

let server: RunningRedis;
let redis: Redis;
const running: RunningSubgraph[] = [];

async function start(env: Record<string, string>): Promise<RunningSubgraph> {
  const config = loadConfig({
    PORT: '0',
    MIRROR: 'false',
    SHUTDOWN_DRAIN_MS: '0',
    REDIS_URL: server.url,
    ...env,
  });
  const subgraph = await startSubgraph(config, {
    logger: silentLogger,
    host: '127.0.0.1',
    simulator: { customers: 40, reservations: 0, tickets: 0, stations: 1 },
  });
  running.push(subgraph);
  return subgraph;
}

/** Reads customers by a search and one by one; returns every personal value served, and the search. */
async function readCustomers(url: string): Promise<string[]> {
  const all = await postGraphQL<{ customers: { edges: { node: Record<string, unknown> }[] } }>(
    url,
    `{ customers(first: 40) { edges { node { ${CUSTOMER_FIELDS} } } } }`,
  );
  const nodes = all.body.data!.customers.edges.map((e) => e.node);
  const search = String(nodes.find((n) => typeof n.lastName === 'string')!.lastName);
  const found = await postGraphQL(
    url,
    `query($s: String!) { customers(filter: { search: $s }) { totalCount edges { node { ${CUSTOMER_FIELDS} } } } }`,
    { s: search },
  );
  expect(found.body.errors).toBeUndefined();
  for (const { number } of nodes.slice(0, 5)) {
    await postGraphQL(url, `{ customer(number: ${String(number)}) { ${CUSTOMER_FIELDS} } }`);
  }
  const values = nodes.flatMap((n) =>
    PERSONAL.map((f) => n[f]).filter((v): v is string => typeof v === 'string'),
  );
  // Six characters or more: a shorter text may turn up in random ciphertext by chance.
  return [search, ...values].filter((v) => v.length >= 6);
}

async function everythingInRedis(): Promise<{ keys: string[]; values: string[] }> {
  const keys = await redis.keys('*');
  const values: string[] = [];
  for (const key of keys) {
    values.push((await redis.type(key)) === 'string' ? ((await redis.get(key)) ?? '') : '');
  }
  return { keys, values };
}

describeWithRedis('personal data in Redis', () => {
  beforeAll(async () => {
    server = await startRedis();
    redis = createRedisClient(server.url);
  });

  afterEach(async () => {
    await Promise.all(running.splice(0).map((s) => s.stop()));
    await redis.flushall();
  });

  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
  });

  it('with CACHE_ENCRYPTION_KEY: records are cached in Redis, and no key or value holds a personal value in plain text', async () => {
    const subgraph = await start({ CACHE_ENCRYPTION_KEY: KEY });

    const personal = await readCustomers(subgraph.url);
    const created = await postGraphQL<{ createCustomer: { number: number } }>(
      subgraph.url,
      `mutation { createCustomer(input: { lastName: "Kerschensteiner", email: "kerschensteiner@example.org" }, idempotencyKey: "at-rest-1") { number } }`,
    );
    expect(created.body.errors).toBeUndefined();
    personal.push('Kerschensteiner', 'kerschensteiner@example.org');
    const { keys, values } = await everythingInRedis();

    expect(keys.some((k) => k.includes(':idempotency:'))).toBe(true);
    const cached = keys.filter((k) => k.includes(':cache:'));
    expect(cached.length).toBeGreaterThan(5);
    expect(cached.some((k) => k.includes(':cache:customerSearch:'))).toBe(true);
    expect(personal.length).toBeGreaterThan(40);
    const text = [...keys, ...values].join('\n');
    for (const value of personal) expect(text).not.toContain(value);
    expect(
      values
        // A write's stamp (sharedCache.ts) holds only the write's instant.
        .filter((_, i) => keys[i].includes(':cache:') && !keys[i].includes(':cache:written:'))
        .every((v) => v.startsWith('v1.')),
    ).toBe(true);
  });

  it('in production without a key: no record is cached in Redis, and reads are served', async () => {
    const subgraph = await start({
      NODE_ENV: 'production',
      API300_SIMULATOR: 'embedded',
      ROUTER_AUTH_DISABLED: 'true',
    });

    const personal = await readCustomers(subgraph.url);
    const { keys, values } = await everythingInRedis();

    expect(personal.length).toBeGreaterThan(40);
    expect(keys.filter((k) => k.includes(':cache:'))).toEqual([]);
    const text = [...keys, ...values].join('\n');
    for (const value of personal) expect(text).not.toContain(value);
  });

  it('during a key rotation, entries sealed under the old key are still read, and a moved value is not', async () => {
    const entry: StoredEntry<{ name: string }> = {
      value: { name: 'Anna Müller' },
      freshUntil: Date.now() + 60_000,
      staleUntil: Date.now() + 60_000,
    };
    const cache = (keys: string[]) =>
      new RedisSharedCache(redis, 'pair', systemClock, new RecordCipher(keys));
    cache([OLD_KEY]).setMany('customer', [['7', entry]], { written: Date.now() });
    await redis.ping(); // the pipeline of setMany has run once a later command answers

    expect(await cache([KEY, OLD_KEY]).getMany('customer', ['7'])).toEqual([entry]);
    expect(await cache([KEY]).getMany('customer', ['7'])).toEqual([null]);

    const [name] = await redis.keys('hypersoft:pair:cache:customer:*');
    const moved =
      'hypersoft:pair:cache:customer:' + new RecordCipher([OLD_KEY]).name('customer', '8');
    await redis.set(moved, (await redis.get(name))!);
    expect(await cache([OLD_KEY]).getMany('customer', ['8'])).toEqual([null]);
  });
});
