import { createReadThroughRepository } from '../../../../src/data/repository/readThrough';
import type { Config } from '../../../../src/config';
import { UpstreamGate } from '../../../../src/data/gate/gate';
import { MemoryQuota } from '../../../../src/data/gate/quota';
import { MemoryRecordLock } from '../../../../src/data/gate/recordLock';
import { FakeApi300, ManualClock, blocked, settle, timeout } from '../../../helpers/gateFakes';

const CACHE: Config['cache'] = {
  ttlMs: 30_000,
  staleMs: 300_000,
  notFoundTtlMs: 10_000,
  stationsTtlMs: 300_000,
  maxEntries: 1000,
};

function setup(cache: Partial<Config['cache']> = {}) {
  const clock = new ManualClock();
  const api = new FakeApi300(clock).withCustomers(1, 2, 3, 4, 5);
  const gate = new UpstreamGate({
    api,
    quota: new MemoryQuota({ limit: 50, writeReserve: 5 }, clock),
    clock,
  });
  const data = createReadThroughRepository({
    gate,
    lock: new MemoryRecordLock(clock),
    clock,
    cache: { ...CACHE, ...cache },
  });
  const opts = () => ({ deadline: clock.now() + 10_000 });
  const read = async (...numbers: number[]) => [
    ...(await data.repository.customersByNumber(numbers, opts())).values(),
  ];
  return { clock, api, gate, ...data, opts, read };
}

describe('the entity cache', () => {
  it('answers a fresh entry from memory, without an upstream call', async () => {
    const { api, read, counters } = setup();
    await read(1, 2);
    const again = await read(1, 2);

    expect(again.map((c) => c.number)).toEqual([1, 2]);
    expect(api.count()).toBe(1);
    expect(counters()).toEqual({ hits: 2, misses: 2, staleServes: 0 });
  });

  it('serves a stale entry at once while ONE background refresh runs, then the refreshed one', async () => {
    const { api, clock, read, counters } = setup();
    await read(1);
    api.customers.get(1)!.lastName = 'Renamed';
    await clock.advance(30_000);

    const [stale] = await read(1);
    await read(1);
    expect(stale.lastName).toBe('Last1');
    expect(counters().staleServes).toBe(2);
    await settle();
    expect(api.count('GetCustomers')).toBe(2);

    const [fresh] = await read(1);
    expect(fresh.lastName).toBe('Renamed');
    expect(api.count('GetCustomers')).toBe(2);
  });

  it('keeps serving the stale entry when the refresh fails (stale-if-error), and tries again later', async () => {
    const { api, clock, read } = setup();
    await read(1);
    await clock.advance(31_000);
    api.fail('GetCustomers', timeout(), timeout());

    expect((await read(1))[0].number).toBe(1);
    await settle();
    expect(api.count('GetCustomers')).toBe(3); // the first read, the refresh and its one retry
    // Right after the failure the key rests: no refresh storm while API300 fails.
    expect((await read(1))[0].number).toBe(1);
    await settle();
    expect(api.count('GetCustomers')).toBe(3);
    // After the back-off (the TTL, at most 10 s) it tries again.
    await clock.advance(10_000);
    expect((await read(1))[0].number).toBe(1);
    await settle();
    expect(api.count('GetCustomers')).toBe(4);
  });

  it('fails a read at its deadline while its upstream call is still running, and caches the late answer', async () => {
    const { api, clock, repository, read } = setup();
    api.hold();
    const outcome = repository
      .customersByNumber([1], { deadline: clock.now() + 1_000 })
      .catch((e: unknown) => e);
    await settle();
    await clock.advance(1_050);
    expect(await outcome).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });

    api.release();
    await settle();
    expect((await read(1))[0].number).toBe(1);
    expect(api.count('GetCustomers')).toBe(1);
  });

  it('serves cached entries while the breaker is open, and fails only what it cannot answer', async () => {
    const { api, clock, read, gate } = setup();
    await read(1);
    await clock.advance(31_000);
    api.fail('GetCustomers', blocked());
    await read(1); // stale; its refresh meets the blocked token
    await settle();
    expect(gate.stats().breaker).toBe('open');

    expect((await read(1))[0].number).toBe(1);
    await expect(read(2)).rejects.toMatchObject({ code: 'UPSTREAM_BLOCKED' });
    expect(api.count()).toBe(2);
  });

  it('forgets an entry once its stale window has passed', async () => {
    const { api, clock, read } = setup();
    await read(1);
    await clock.advance(330_000);
    await read(1);
    expect(api.count()).toBe(2);
  });

  it('remembers "not found" briefly, never stale', async () => {
    const { api, clock, read } = setup();
    expect(await read(42)).toEqual([]);
    await clock.advance(9_999);
    expect(await read(42)).toEqual([]);
    expect(api.count()).toBe(1);

    api.withCustomers(42);
    await clock.advance(1);
    expect((await read(42)).map((c) => c.number)).toEqual([42]);
    expect(api.count()).toBe(2);
  });

  it('asks upstream once for a key many callers miss at the same time (single flight)', async () => {
    const { api, opts, repository } = setup();
    api.hold();
    const callers = [1, 2, 3].map(() => repository.customersByNumber([3], opts()));
    await settle();
    api.release();
    const results = await Promise.all(callers);

    expect(results.map((m) => m.get(3)?.number)).toEqual([3, 3, 3]);
    expect(api.count()).toBe(1);
  });

  it('reports hits, misses and stale serves to the request accounting', async () => {
    const { clock, repository, opts } = setup();
    const counted: Record<string, number> = { hit: 0, miss: 0, stale: 0, calls: 0 };
    const accounting = {
      upstreamCall: () => void counted.calls++,
      cache: (result: 'hit' | 'miss' | 'stale', count = 1) => void (counted[result] += count),
    };
    await repository.customersByNumber([1, 2], { ...opts(), accounting });
    await clock.advance(31_000);
    await repository.customersByNumber([1, 3], { ...opts(), accounting });

    expect(counted).toEqual({ hit: 0, miss: 3, stale: 1, calls: 2 });
  });

  it('keeps what a write stored when a read that started before it answers after it', async () => {
    const { api, repository, read, opts } = setup();
    let answerRead!: () => void;
    const readHeld = new Promise<void>((resolve) => (answerRead = resolve));
    const getCustomers = api.getCustomers.bind(api);
    api.getCustomers = async (query) => {
      const page = await getCustomers(query); // what API300 held when the read ran
      await readHeld;
      return page;
    };
    const reading = read(1);
    await settle();
    const updated = await repository.updateCustomer(
      1,
      ({ created: _c, changed: _ch, ...c }) => ({ ...c, city: 'Bonn' }),
      opts(),
    );
    answerRead();
    await reading;

    const [served] = await read(1);
    expect(updated.city).toBe('Bonn');
    expect(served.city).toBe('Bonn');
    expect(api.count('GetCustomers')).toBe(1);
  });

  it('holds at most maxEntries entries per kind', async () => {
    const { read, caches } = setup({ maxEntries: 3 });
    await read(1, 2, 3, 4, 5);
    expect(caches.customers.size).toBe(3);
  });
});
