import { Api300Error } from '../../../../src/data/errors';
import {
  UpstreamGate,
  type Priority,
  type UpstreamCallEvent,
} from '../../../../src/data/gate/gate';
import { MemoryQuota } from '../../../../src/data/gate/quota';
import type { Api300Operation } from '../../../../src/data/api300/types';
import {
  FakeApi300,
  ManualClock,
  blocked,
  makeCustomer,
  settle,
  timeout,
} from '../../../helpers/gateFakes';

function setup(
  limit = 5,
  writeReserve = 0,
  maxReadAttempts?: number,
  readPacing?: { readCalls: number; windowMs: number },
) {
  const clock = new ManualClock();
  const api = new FakeApi300(clock).withCustomers(1, 2, 3);
  const quota = new MemoryQuota({ limit, writeReserve }, clock);
  const events: UpstreamCallEvent[] = [];
  const waits: [number, Priority][] = [];
  const gate = new UpstreamGate({
    api,
    quota,
    clock,
    maxReadAttempts,
    readPacing,
    onCall: (e) => events.push(e),
    onQueueWait: (ms, p) => waits.push([ms, p]),
  });
  const t0 = clock.now();
  const operations: Record<Priority, Api300Operation> = {
    urgent: 'GetReservations',
    write: 'SetCustomer',
    load: 'GetTickets',
    read: 'GetCustomer',
    sync: 'ServerDateTime',
    background: 'GetStations',
  };
  /** One call of the operation that stands for `priority` (so the call log shows the order). */
  const call = (priority: Priority, deadline = t0 + 120_000) =>
    gate.call(operations[priority], { priority, deadline }, (a): Promise<unknown> =>
      priority === 'urgent'
        ? a.getReservations({ pageIndex: 0, pageSize: 500 })
        : priority === 'write'
          ? a.setCustomer(makeCustomer(1))
          : priority === 'load'
            ? a.getTickets({ pageIndex: 0, pageSize: 500 })
            : priority === 'read'
              ? a.getCustomer(1)
              : priority === 'sync'
                ? a.serverDateTime()
                : a.getStations(),
    );
  return { clock, api, quota, gate, events, waits, t0, call };
}

/** Settles `promise` into an inspectable box, so tests can look before and after time moves. */
function track<T>(promise: Promise<T>) {
  const box: { done: boolean; value?: T; error?: unknown } = { done: false };
  promise.then(
    (value) => Object.assign(box, { done: true, value }),
    (error: unknown) => Object.assign(box, { done: true, error }),
  );
  return box;
}

describe('the upstream gate', () => {
  it('makes calls at once while the budget lasts and counts every one', async () => {
    const { gate, api, call } = setup(5);
    await Promise.all([call('read'), call('read'), call('write')]);

    expect(api.count()).toBe(3);
    expect(gate.stats()).toMatchObject({ budgetLeft: 2, queueLength: 0, breaker: 'closed' });
    expect(gate.stats().calls).toEqual(
      expect.arrayContaining([
        { operation: 'GetCustomer', outcome: 'ok', count: 2 },
        { operation: 'SetCustomer', outcome: 'ok', count: 1 },
      ]),
    );
  });

  it('lets an urgent sync delta go before queued writes, writes before reads, reads before the sync, the sync before background refreshes', async () => {
    const { clock, api, call, gate } = setup(5);
    for (let i = 0; i < 5; i++) {
      await call('read');
      await clock.advance(1000);
    }
    // The window is full; one slot frees at 60 s, 61 s, 62 s, 63 s and 64 s.
    const queued = [
      track(call('background')),
      track(call('sync')),
      track(call('read')),
      track(call('write')),
      track(call('urgent')),
    ];
    await settle();
    expect(gate.stats().queueLength).toBe(5);

    await clock.advance(55_000); // now t0 + 60 s
    expect(api.calls.slice(5).map((c) => c.operation)).toEqual(['GetReservations']);
    for (let i = 0; i < 4; i++) await clock.advance(1000);
    expect(api.calls.slice(5).map((c) => c.operation)).toEqual([
      'GetReservations',
      'SetCustomer',
      'GetCustomer',
      'ServerDateTime',
      'GetStations',
    ]);
    expect(queued.every((q) => q.done && q.error === undefined)).toBe(true);
  });

  it('keeps the write reserve: reads are refused while writes still pass', async () => {
    const { api, call, t0 } = setup(3, 1);
    await call('read');
    await call('read');
    const third = track(call('read', t0 + 10_000));
    await settle();

    expect(third.error).toMatchObject({
      code: 'UPSTREAM_RATE_LIMITED',
      details: { retryAfter: 60 },
    });
    await expect(call('write')).resolves.toBeDefined();
    expect(api.count()).toBe(3);
  });

  it('refuses at once, with retryAfter, a call whose deadline comes before the next free slot', async () => {
    const { clock, call, t0 } = setup(2);
    await call('read');
    await clock.advance(15_000);
    await call('read');
    await clock.advance(5_000); // t0 + 20 s: the first slot frees at t0 + 60 s

    const refused = track(call('read', t0 + 59_999));
    await settle();
    expect(refused.done).toBe(true);
    expect(refused.error).toBeInstanceOf(Api300Error);
    expect(refused.error).toMatchObject({
      code: 'UPSTREAM_RATE_LIMITED',
      details: { retryAfter: 40 },
    });
  });

  it('lets a call wait for a slot that frees before its deadline', async () => {
    const { clock, api, call, t0, waits } = setup(1);
    await call('read');
    const waiting = track(call('read', t0 + 60_000));
    await clock.advance(59_999);
    expect(waiting.done).toBe(false);

    await clock.advance(1);
    expect(waiting).toEqual({ done: true, value: expect.anything() });
    expect(api.count()).toBe(2);
    expect(waits.at(-1)).toEqual([60_000, 'read']);
  });

  it('never leaves a waiter hanging: one that loses the slot to an earlier waiter is refused then', async () => {
    const { clock, call, t0 } = setup(1);
    await call('read');
    const first = track(call('read', t0 + 61_000));
    const second = track(call('read', t0 + 61_000));
    await settle();
    expect([first.done, second.done]).toEqual([false, false]);

    await clock.advance(60_000);
    expect(first).toEqual({ done: true, value: expect.anything() });
    expect(second.error).toMatchObject({
      code: 'UPSTREAM_RATE_LIMITED',
      details: { retryAfter: 60 },
    });
  });

  it('retries a read that timed out, within budget, and counts both calls', async () => {
    const { api, call, gate } = setup(5);
    api.fail('GetCustomer', timeout());
    await expect(call('read')).resolves.toMatchObject({ number: 1 });

    expect(api.count('GetCustomer')).toBe(2);
    expect(gate.stats().calls).toEqual(
      expect.arrayContaining([
        { operation: 'GetCustomer', outcome: 'unavailable', count: 1 },
        { operation: 'GetCustomer', outcome: 'ok', count: 1 },
      ]),
    );
    expect(gate.stats().lastCall).toEqual({ at: expect.any(Number), reachable: true });
  });

  it('never retries a write: it may have happened', async () => {
    const { api, call } = setup(5);
    api.fail('SetCustomer', timeout());
    await expect(call('write')).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    expect(api.count('SetCustomer')).toBe(1);
  });

  it('does not retry a read without budget before its deadline', async () => {
    const { api, call, t0 } = setup(1);
    api.fail('GetCustomer', timeout());
    await expect(call('read', t0 + 10_000)).rejects.toMatchObject({
      code: 'UPSTREAM_RATE_LIMITED',
    });
    expect(api.count()).toBe(1);
  });

  it('opens the breaker on a blocked token: queued and later calls fail with that code and reach no one', async () => {
    const { api, call, gate, clock, t0 } = setup(1);
    api.fail('GetCustomer', blocked());
    await expect(call('read')).rejects.toMatchObject({ code: 'UPSTREAM_BLOCKED' });
    expect(gate.stats().breaker).toBe('open');
    expect(gate.breaker.openedBy).toEqual({ code: 'UPSTREAM_BLOCKED', at: t0 });

    await clock.advance(120_000);
    await expect(call('write')).rejects.toMatchObject({ code: 'UPSTREAM_BLOCKED' });
    await expect(call('read')).rejects.toMatchObject({ code: 'UPSTREAM_BLOCKED' });
    expect(api.count()).toBe(1);
    expect(gate.stats().calls).toEqual([{ operation: 'GetCustomer', outcome: 'auth', count: 1 }]);

    gate.breaker.reset();
    await expect(call('read')).resolves.toBeDefined();
    expect(api.count()).toBe(2);
  });

  it('sheds the queue when the breaker opens', async () => {
    const { api, call, clock } = setup(2);
    api.fail('GetCustomer', new Api300Error('UPSTREAM_AUTH', 'unknown pair', { statusCode: 10 }));
    await call('write');
    api.hold();
    const failing = track(call('read'));
    const queued = track(call('read'));
    await settle();
    expect(queued.done).toBe(false);

    api.release();
    await clock.advance(0);
    expect(failing.error).toMatchObject({ code: 'UPSTREAM_AUTH' });
    expect(queued.error).toMatchObject({ code: 'UPSTREAM_AUTH' });
  });

  it('tells listeners and the request accounting of every call', async () => {
    const { gate, events } = setup(5);
    const accounted: string[] = [];
    const accounting = { upstreamCall: (op: string) => accounted.push(op), cache: () => undefined };
    await gate.call('GetStations', { priority: 'read', deadline: Infinity, accounting }, (a) =>
      a.getStations(),
    );

    expect(accounted).toEqual(['GetStations']);
    expect(events).toEqual([
      { operation: 'GetStations', priority: 'read', outcome: 'ok', durationMs: 0 },
    ]);
  });

  it('paces reads past half the read budget, but never the pages of an initial load (their starts still count)', async () => {
    const { call, api, clock } = setup(20, 0, undefined, { readCalls: 20, windowMs: 60_000 });
    // Half the read budget goes at once: 10 calls.
    await Promise.all(Array.from({ length: 10 }, () => call('read')));
    expect(api.count()).toBe(10);
    // Past it, a read waits for its turn (one every 3 s), but load pages start at once.
    const read = track(call('read'));
    const pages = Array.from({ length: 3 }, () => track(call('load')));
    await settle();
    expect(pages.every((p) => p.done)).toBe(true);
    expect(read.done).toBe(false);
    expect(api.count()).toBe(13);
    await clock.advance(3_000);
    expect(read.done).toBe(true);
    // The pages counted: the next read waits its turn after the last start.
    const next = track(call('read'));
    await settle();
    expect(next.done).toBe(false);
    await clock.advance(3_000);
    expect(next.done).toBe(true);
  });

  it('refuses everything once closed', async () => {
    const { gate, call, api } = setup(5);
    gate.close();
    await expect(call('read')).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    expect(api.count()).toBe(0);
  });
});
