import { PostgresQuota } from '../../../src/data/gate/postgresQuota';
import { tokenPairId, type WindowAtStart } from '../../../src/data/gate/quota';
import { systemClock } from '../../../src/platform/clock';
import {
  createTestDatabase,
  describeWithPostgres,
  type TestDatabase,
} from '../../helpers/postgres';

/**
 * The budget shared by replicas on one PostgreSQL database (no Redis): one window per token
 * pair, counted by the database's clock, durable across restarts of any replica, and never
 * assumed empty for a pair it has not seen.
 */

let database: TestDatabase;
const quotas: PostgresQuota[] = [];
let pairSeq = 0;
const newPair = () => tokenPairId(`cus-${process.pid}-${++pairSeq}`, 'auth');

function quota(
  pair: string,
  options: { limit?: number; windowMs?: number; windowAtStart?: WindowAtStart; url?: string } = {},
): PostgresQuota {
  const q = new PostgresQuota({
    limit: options.limit ?? 10,
    writeReserve: Math.min(3, (options.limit ?? 10) - 1),
    windowMs: options.windowMs ?? 60_000,
    connectionString: options.url ?? database.url,
    tokenPairId: pair,
    clock: systemClock,
    windowAtStart: options.windowAtStart ?? 'empty',
  });
  quotas.push(q);
  return q;
}

describeWithPostgres('the PostgreSQL quota', () => {
  beforeAll(async () => {
    database = await createTestDatabase();
  });

  afterEach(async () => {
    await Promise.all(quotas.splice(0).map((q) => q.close()));
  });

  afterAll(async () => {
    await database?.drop();
  });

  it('never grants more than the budget to replicas deciding at once, and keeps the write reserve', async () => {
    const pair = newPair();
    const replicas = [quota(pair), quota(pair), quota(pair)];

    const reads = await Promise.all(
      Array.from({ length: 30 }, (_, i) => replicas[i % 3].acquire('read')),
    );
    const writes = await Promise.all(
      Array.from({ length: 9 }, (_, i) => replicas[i % 3].acquire('write')),
    );

    expect(reads.filter((d) => d.granted)).toHaveLength(7);
    expect(writes.filter((d) => d.granted)).toHaveLength(3);
    expect(reads.find((d) => !d.granted)).toMatchObject({ granted: false, reason: 'budget' });
    expect(await quota(newPair()).acquire('read')).toEqual({ granted: true });
  });

  it('a replica started again counts the grants its predecessor made', async () => {
    const pair = newPair();
    const first = quota(pair, { limit: 4 });
    for (let i = 0; i < 4; i++) expect((await first.acquire('write')).granted).toBe(true);
    await first.close();

    const second = quota(pair, { limit: 4, windowAtStart: 'unknown' });
    const decision = await second.acquire('write');
    expect(decision).toMatchObject({ granted: false, reason: 'budget' });
    if (!decision.granted) expect(decision.retryAt - Date.now()).toBeGreaterThan(50_000);
    expect(second.hold()).toBeNull();
  });

  it('holds one window for a pair it has never seen, unless the caller knows it is empty', async () => {
    const unknown = quota(newPair(), { windowMs: 700, windowAtStart: 'unknown' });

    const first = await unknown.acquire('write');
    expect(first).toMatchObject({ granted: false, reason: 'budget' });
    expect(unknown.hold()?.reason).toMatch(/new for this token pair/);
    if (!first.granted) {
      await new Promise((resolve) => setTimeout(resolve, first.retryAt - Date.now() + 20));
    }
    expect(await unknown.acquire('write')).toEqual({ granted: true });
  });

  it('frees slots as grants leave the window', async () => {
    const pair = newPair();
    const q = quota(pair, { limit: 2, windowMs: 500 });
    expect((await q.acquire('write')).granted).toBe(true);
    expect((await q.acquire('write')).granted).toBe(true);
    const refused = await q.acquire('write');
    if (refused.granted) throw new Error('a third call fit into a window of two');
    expect(refused.retryAt - Date.now()).toBeLessThanOrEqual(500);

    await new Promise((resolve) => setTimeout(resolve, refused.retryAt - Date.now() + 20));
    expect(await q.acquire('write')).toEqual({ granted: true });
  });

  it('fails closed when the database does not answer', async () => {
    const url = new URL(database.url);
    url.port = '1';
    const q = quota(newPair(), { url: url.toString() });

    expect(await q.acquire('write')).toMatchObject({ granted: false, reason: 'unavailable' });
    expect(q.available()).toBe(false);
    expect(q.budgetLeft()).toBe(0);
  });
});
