import { Coalescer } from '../../../../src/data/gate/coalescer';
import { UpstreamGate } from '../../../../src/data/gate/gate';
import { MemoryQuota } from '../../../../src/data/gate/quota';
import type { Customer } from '../../../../src/domain/models';
import { FakeApi300, ManualClock, settle } from '../../../helpers/gateFakes';

function setup(limit = 10) {
  const clock = new ManualClock();
  const numbers = Array.from({ length: 1200 }, (_, i) => i + 1);
  const api = new FakeApi300(clock).withCustomers(...numbers);
  const gate = new UpstreamGate({
    api,
    quota: new MemoryQuota({ limit, writeReserve: 0 }, clock),
    clock,
  });
  const fetched: number[][] = [];
  const customers = new Coalescer<number, Customer>(gate, {
    fetch: async (keys, call) => {
      const page = await call('GetCustomers', (a) =>
        a.getCustomers({ numbers: keys, pageIndex: 0, pageSize: 500 }),
      );
      return new Map(page.items.map((c) => [c.number, c]));
    },
    onFetched: (keys) => fetched.push([...keys]),
  });
  const t0 = clock.now();
  const opts = { deadline: t0 + 120_000 };
  const keysOf = (call: { args: unknown[] }) => (call.args[0] as { numbers: number[] }).numbers;
  return { clock, api, gate, customers, fetched, opts, t0, keysOf };
}

describe('coalescing of keyed reads', () => {
  it('merges the keys of concurrent callers into one upstream call', async () => {
    const { api, customers, opts, keysOf } = setup();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => customers.load([i + 1, i + 2], opts)),
    );

    expect(api.count()).toBe(1);
    expect(keysOf(api.calls[0])).toHaveLength(21);
    expect([...results[7].keys()]).toEqual([8, 9]);
    expect(results[7].get(8)?.number).toBe(8);
  });

  it('splits more than 500 keys into ⌈n/500⌉ calls of at most 500', async () => {
    const { api, customers, opts, keysOf } = setup();
    const keys = Array.from({ length: 1001 }, (_, i) => i + 1);
    const found = await customers.load(keys, opts);

    expect(found.size).toBe(1001);
    expect(api.calls.map((c) => keysOf(c).length)).toEqual([500, 500, 1]);
  });

  it('answers a key missing from the reply as not found, without failing the others', async () => {
    const { customers, opts } = setup();
    const found = await customers.load([5, 999_999], opts);
    expect([...found.keys()]).toEqual([5]);
  });

  it('puts more keys into each call while the budget is short', async () => {
    const { clock, api, customers, t0, keysOf } = setup(1);
    await customers.load([1], { deadline: t0 + 1000 });
    // The budget is spent: callers arriving over the next minute all wait for the same slot.
    const waiting: Promise<Map<number, Customer>>[] = [];
    for (let i = 0; i < 30; i++) {
      waiting.push(customers.load([100 + i], { deadline: t0 + 120_000 }));
      await clock.advance(1000);
    }
    await clock.advance(30_000);
    await Promise.all(waiting);

    expect(api.count()).toBe(2);
    expect(keysOf(api.calls[1])).toHaveLength(30);
  });

  it('asks a key already on its way upstream only once (single flight)', async () => {
    const { api, customers, opts, keysOf } = setup();
    api.hold();
    const first = customers.load([1, 2], opts);
    await settle();
    const second = customers.load([2, 3], opts);
    await settle();
    api.release();
    await settle();
    const [a, b] = await Promise.all([first, second]);

    expect(api.calls.map(keysOf)).toEqual([[1, 2], [3]]);
    expect([...a.keys()]).toEqual([1, 2]);
    expect([...b.keys()].sort()).toEqual([2, 3]);
  });

  it('refuses only the callers whose own deadline cannot be met; the rest keep waiting', async () => {
    const { clock, api, customers, t0, keysOf } = setup(1);
    await customers.load([1], { deadline: t0 + 1000 });
    const hurried = customers.load([2], { deadline: t0 + 30_000 }).catch((e: unknown) => e);
    const patient = customers.load([3], { deadline: t0 + 90_000 });
    await settle();

    await expect(hurried).resolves.toMatchObject({
      code: 'UPSTREAM_RATE_LIMITED',
      details: { retryAfter: 60 },
    });
    await clock.advance(60_000);
    await expect(patient).resolves.toEqual(new Map([[3, expect.objectContaining({ number: 3 })]]));
    expect(keysOf(api.calls[1])).toEqual([3]);
  });

  it('rejects every caller of a failed batch', async () => {
    const { api, customers, opts } = setup();
    api.fail('GetCustomers', new Error('boom'));
    const calls = [customers.load([1], opts), customers.load([2], opts)];
    await expect(Promise.all(calls)).rejects.toThrow('boom');
    await expect(calls[1]).rejects.toThrow('boom');
  });

  it('waits at the highest priority among its callers', async () => {
    const { clock, api, gate, customers, t0 } = setup(2);
    await gate.call('GetStations', { priority: 'read', deadline: Infinity }, (a) =>
      a.getStations(),
    );
    await gate.call('GetStations', { priority: 'read', deadline: Infinity }, (a) =>
      a.getStations(),
    );
    const background = customers.load([1], { deadline: t0 + 120_000, priority: 'background' });
    await settle();
    const read = gate.call('ServerDateTime', { priority: 'read', deadline: t0 + 120_000 }, (a) =>
      a.serverDateTime(),
    );
    await settle();
    // A read joins the background batch: the batch now outranks the other read queued before.
    const joined = customers.load([2], { deadline: t0 + 120_000, priority: 'read' });
    await clock.advance(60_000);
    await Promise.all([background, read, joined]);

    expect(api.calls.slice(2).map((c) => c.operation)).toEqual(['GetCustomers', 'ServerDateTime']);
  });

  it('tells a caller whose keys never left the queue by its deadline UPSTREAM_RATE_LIMITED, not that API300 was late', async () => {
    const clock = new ManualClock();
    const api = new FakeApi300(clock).withCustomers(1);
    // A quota store that never answers (a hung Redis): the gate cannot grant or shed.
    const gate = new UpstreamGate({
      api,
      quota: {
        acquire: () => new Promise(() => {}),
        budgetLeft: () => 0,
        available: () => true,
        hold: () => null,
      },
      clock,
    });
    const customers = new Coalescer<number, Customer>(gate, {
      fetch: async (keys, call) =>
        new Map(
          (
            await call('GetCustomers', (a) =>
              a.getCustomers({ numbers: keys, pageIndex: 0, pageSize: 500 }),
            )
          ).items.map((c) => [c.number, c]),
        ),
    });
    const answer = customers.load([1], { deadline: clock.now() + 2000 }).catch((e: unknown) => e);
    await settle();
    await clock.advance(2100);

    expect(await answer).toMatchObject({ code: 'UPSTREAM_RATE_LIMITED' });
    expect(api.count()).toBe(0);
  });
});
