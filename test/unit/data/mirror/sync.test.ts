import { Writable } from 'node:stream';
import { Api300Error } from '../../../../src/data/errors';
import { UpstreamGate } from '../../../../src/data/gate/gate';
import { MemoryQuota } from '../../../../src/data/gate/quota';
import { createMirrorSync, type MirrorSyncOptions } from '../../../../src/data/mirror/sync';
import type { KindState, RecordKind } from '../../../../src/data/mirror/types';
import type { CustomerQuery } from '../../../../src/domain/queries';
import { createLogger } from '../../../../src/platform/logger';
import {
  ManualClock,
  blocked,
  makeCustomer,
  makeReservation,
  makeTicket,
  timeout,
} from '../../../helpers/gateFakes';
import {
  FakeLease,
  FakeMirrorIndex,
  FakeMirrorStore,
  ListApi300,
} from '../../../helpers/mirrorFakes';

const MINUTE = 60_000;
const T_OLD = new Date('2026-01-01T10:00:00Z');

interface RigOptions {
  start?: string;
  customers?: number;
  reservations?: number;
  tickets?: number;
  sync?: Partial<MirrorSyncOptions>;
  states?: Partial<Record<RecordKind, KindState>>;
  lease?: FakeLease;
  catchUp?: () => Promise<void>;
}

function rig(options: RigOptions = {}) {
  const clock = new ManualClock(Date.parse(options.start ?? '2026-03-02T12:00:00Z'));
  const api = new ListApi300(clock);
  for (let n = 1; n <= (options.customers ?? 1200); n++)
    api.customers.set(n, makeCustomer(n, { changed: T_OLD }));
  for (let id = 1; id <= (options.reservations ?? 30); id++)
    api.reservations.set(
      id,
      makeReservation(id, { start: new Date(clock.now() + id * 3_600_000), changed: T_OLD }),
    );
  for (let n = 1; n <= (options.tickets ?? 20); n++) {
    const number = `GS${10000000 + n}`;
    api.tickets.set(number, makeTicket(number, { changed: T_OLD }));
  }
  const quota = new MemoryQuota({ limit: 50, writeReserve: 5 }, clock);
  const gate = new UpstreamGate({ api, quota, clock });
  const index = new FakeMirrorIndex();
  const store = new FakeMirrorStore();
  const lines: string[] = [];
  const logger = createLogger(
    'debug',
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    }),
  );
  const sync = createMirrorSync({
    gate,
    index,
    store,
    clock,
    logger,
    states: options.states,
    leadership: options.lease,
    catchUp: options.catchUp,
    options: { callsPerMinute: 50, writeReserve: 5, ...options.sync },
  });
  const customerReads = (): CustomerQuery[] =>
    api.calls.filter((c) => c.operation === 'GetCustomers').map((c) => c.args[0] as CustomerQuery);
  return { clock, api, gate, index, store, sync, lines, customerReads };
}

type Rig = ReturnType<typeof rig>;

/** Starts the sync and runs the clock until every kind is loaded. */
async function loaded(r: Rig, kinds: RecordKind[] = ['customers', 'reservations', 'tickets']) {
  r.sync.start();
  for (let i = 0; i < 120 && !kinds.every((k) => r.sync.ready(k)); i++) await r.clock.advance(1000);
  expect(kinds.filter((k) => !r.sync.ready(k))).toEqual([]);
}

const kind = (r: Rig, k: RecordKind) => r.sync.status().kinds[k]!;

describe('the initial load', () => {
  let r: Rig;
  afterEach(() => r.sync.stop());

  it('reads each kind page by page into the store and the index, and is ready after it', async () => {
    r = rig({ customers: 1200 });
    const progress: Array<{ loaded: number; total: number | null }> = [];
    r.api.beforeListRead = ({ operation }) => {
      const p = kind(r, 'customers').progress;
      if (operation === 'GetCustomers' && p) progress.push(p);
    };
    expect(r.sync.ready('customers')).toBe(false);
    await loaded(r, ['customers', 'reservations', 'tickets', 'stations']);

    expect(r.index.count('customers')).toBe(1200);
    expect(r.store.held.customers.size).toBe(1200);
    expect(r.index.count('stations')).toBe(2);
    // Three overlapping pages: [0, 500), [499, 998), [996, 1494).
    expect(
      r
        .customerReads()
        .slice(0, 3)
        .map((q) => [q.pageIndex, q.pageSize, q.changedSince]),
    ).toEqual([
      [0, 500, null],
      [1, 499, null],
      [2, 498, null],
    ]);
    // Page 0 first (its TotalCount and server time), then the rest asked for together.
    expect(progress.slice(0, 3)).toEqual([
      { loaded: 0, total: null },
      { loaded: 500, total: 1200 },
      { loaded: 500, total: 1200 },
    ]);
    expect(kind(r, 'customers')).toMatchObject({ phase: 'synced', progress: null, calls: 3 });
    expect(r.store.states.customers).toMatchObject({ loaded: true, licenceMissing: null });
  });

  it('reads reservations from the configured days back on, with every future one', async () => {
    r = rig({ sync: { reservationsDaysBack: 3 } });
    r.api.reservations.set(
      999,
      makeReservation(999, { start: new Date(r.clock.now() - 4 * 86_400_000) }),
    );
    await loaded(r);
    const query = r.api.calls.find((c) => c.operation === 'GetReservations')?.args[0] as {
      from: Date;
      to: Date | null;
    };
    expect(r.clock.now() - query.from.getTime()).toBeGreaterThanOrEqual(3 * 86_400_000);
    expect(r.clock.now() - query.from.getTime()).toBeLessThan(3 * 86_400_000 + 60_000);
    expect(query.to).toBeNull();
    expect(r.index.get('reservations', 999)).toBeUndefined();
    expect(r.index.count('reservations')).toBe(30);
  });

  it('resumes from the stored watermark after a restart instead of loading again', async () => {
    const watermark = new Date('2026-03-02T11:59:00Z');
    const state = {
      watermark,
      loaded: true,
      reconciledAt: new Date('2026-03-02T11:00:00Z'),
      licenceMissing: null,
    };
    r = rig({ states: { customers: state }, sync: { kinds: ['customers'] } });
    r.sync.start();
    await r.clock.advance(100);
    expect(r.customerReads()[0].changedSince).toEqual(new Date(watermark.getTime() - 5000));
    expect(r.sync.ready('customers')).toBe(true);
  });
});

describe('delta passes', () => {
  let r: Rig;
  afterEach(() => r.sync.stop());

  it("take the watermark from API300's clock, never the local one, and ask from a few seconds before it", async () => {
    r = rig({ sync: { kinds: ['customers'] } });
    r.api.skewMs = -7 * MINUTE; // API300's clock is 7 minutes behind ours
    const serverAtLoad = r.api.serverNow();
    await loaded(r, ['customers']);
    expect(kind(r, 'customers').watermark).toEqual(new Date(serverAtLoad));
    await r.clock.advance(3000);
    const delta = r.customerReads().find((q) => q.changedSince);
    expect(delta?.changedSince).toEqual(new Date(serverAtLoad - 5000));
  });

  it('pick up a change at the till within seconds, and one committed late within the overlap', async () => {
    r = rig({ sync: { kinds: ['customers'] } });
    await loaded(r, ['customers']);
    const watermark = kind(r, 'customers').watermark!.getTime();
    r.api.tillCustomer(makeCustomer(5, { lastName: 'Changed' }));
    // Stamped 3 s before the watermark but visible only now (a late commit).
    r.api.customers.set(
      6,
      makeCustomer(6, { lastName: 'Late', changed: new Date(watermark - 3000) }),
    );
    await r.clock.advance(10_000);
    expect(r.index.get('customers', 5)?.lastName).toBe('Changed');
    expect(r.index.get('customers', 6)?.lastName).toBe('Late');
    expect(kind(r, 'customers').lagSeconds).toBeLessThan(10);
  });

  it('are harmless when they read a record twice, and never undo a newer write of the repository', async () => {
    r = rig({ sync: { kinds: ['customers'] } });
    await loaded(r, ['customers']);
    const changed = r.api.tillCustomer(makeCustomer(5, { lastName: 'Till' }));
    await r.clock.advance(3000);
    const appliedOnce = kind(r, 'customers').applied;
    // Read-your-writes: the repository applied a newer version itself.
    r.index.apply({
      customers: {
        put: [
          { ...changed, lastName: 'Ours', changed: new Date(changed.changed.getTime() + 1000) },
        ],
      },
    });
    await r.clock.advance(10_000); // the overlap re-reads customer 5 more than once
    expect(r.customerReads().filter((q) => q.changedSince).length).toBeGreaterThan(2);
    expect(r.index.get('customers', 5)?.lastName).toBe('Ours');
    expect(kind(r, 'customers').applied).toBe(appliedOnce);
  });

  it.each([
    // Autumn: 02:30 summer time is in the repeated hour: ask from 02:00 (its first pass).
    ['2026-10-25T00:30:00Z', '2026-10-25T00:00:00Z'],
    // Autumn, just after the repeated hour: 03:00:03 winter time minus the overlap is the
    // second 02:59:58, so the delta asks from the first 02:00 again.
    ['2026-10-25T02:00:03Z', '2026-10-25T00:00:00Z'],
    // Spring: no instant reads 02:xx; 03:00:03 summer time minus the overlap is 01:59:58
    // winter time, nothing to widen.
    ['2026-03-29T01:00:03Z', '2026-03-29T00:59:58Z'],
    // An ordinary Sunday's 02:30 is not widened.
    ['2026-10-18T00:30:00Z', '2026-10-18T00:29:55Z'],
  ])(
    'widen the watermark by the DST rule (API300 clock %s → changed-since %s)',
    async (at, since) => {
      r = rig({ start: at, customers: 10, sync: { kinds: ['customers'] } });
      await loaded(r, ['customers']);
      const watermark = kind(r, 'customers').watermark!;
      expect(watermark).toEqual(new Date(at));
      await r.clock.advance(2500);
      const first = r.customerReads().find((q) => q.changedSince);
      expect(first?.changedSince).toEqual(new Date(since));
    },
  );

  it('in autumn, pick up changes of both passes of the repeated hour', async () => {
    r = rig({ start: '2026-10-25T00:50:00Z', customers: 10, sync: { kinds: ['customers'] } });
    await loaded(r, ['customers']);
    r.api.tillCustomer(makeCustomer(1, { lastName: 'FirstPass' })); // 02:50 summer time
    await r.clock.advance(20_000);
    expect(r.index.get('customers', 1)?.lastName).toBe('FirstPass');
    await r.clock.advance(25 * MINUTE); // 02:15 winter time, the second 02:15
    // API300 stamps wall-clock text: a change in the second pass reads as the first pass.
    const stamp = new Date('2026-10-25T00:15:20Z');
    r.api.customers.set(2, makeCustomer(2, { lastName: 'SecondPass', changed: stamp }));
    await r.clock.advance(20_000);
    expect(r.index.get('customers', 2)?.lastName).toBe('SecondPass');
  });
});

describe('the page-boundary trap', () => {
  let r: Rig;
  afterEach(() => r.sync.stop());

  /** 2,000 customers loaded; then the even ones change: a delta of 1,000 records over 3 pages. */
  async function manyChanged(): Promise<number> {
    r = rig({ customers: 2400, sync: { kinds: ['customers'] } });
    await loaded(r, ['customers']);
    await r.clock.advance(2000);
    for (let n = 2; n <= 2000; n += 2) r.api.tillCustomer(makeCustomer(n, { lastName: 'Even' }));
    return r.customerReads().length;
  }

  it('does not skip the records behind one deleted between two page reads', async () => {
    const before = await manyChanged();
    let deleted = false;
    r.api.beforeListRead = ({ query }) => {
      if (!deleted && query.changedSince && query.pageIndex === 1) {
        deleted = true;
        for (const n of [4, 6, 8]) r.api.customers.delete(n); // pulls 1002, 1004, 1006 back onto page 0
      }
    };
    await r.clock.advance(30_000);
    const deltas = r.customerReads().slice(before);
    // The pass that saw the shift did not move the watermark: the next one asked the same.
    expect(deltas[0].changedSince).toEqual(deltas[3].changedSince);
    for (const n of [1002, 1004, 1006]) expect(r.index.get('customers', n)?.lastName).toBe('Even');
    expect(kind(r, 'customers').unsoundPasses).toBe(1);
    for (let n = 10; n <= 2000; n += 2) expect(r.index.get('customers', n)?.lastName).toBe('Even');
  });

  it('loses nothing when more than 500 records change between two page reads', async () => {
    await manyChanged();
    let changedMeanwhile = false;
    r.api.beforeListRead = ({ query }) => {
      if (!changedMeanwhile && query.changedSince && query.pageIndex === 1) {
        changedMeanwhile = true;
        // 600 records enter the changed set behind the page boundary (the pass must read
        // on past its first TotalCount), and two it has read leave it (pulling 1002 back
        // onto the page already read).
        for (let n = 1001; n <= 2199; n += 2)
          r.api.tillCustomer(makeCustomer(n, { lastName: 'Odd' }));
        for (const n of [10, 12]) r.api.customers.delete(n);
      }
    };
    await r.clock.advance(60_000);
    expect(changedMeanwhile).toBe(true);
    for (const [n, c] of r.api.customers)
      expect([n, r.index.get('customers', n)?.lastName]).toEqual([n, c.lastName]);
  });
});

describe('the budget', () => {
  let r: Rig;
  afterEach(() => r.sync.stop());

  it('holds at most half of what reads may use in any 60 s once loaded (80 % while loading), and spends it', async () => {
    r = rig({ customers: 6000, reservations: 3000, tickets: 3000 });
    r.sync.start();
    let loadedAt: number | null = null;
    for (let s = 0; s < 300; s++) {
      if (s % 3 === 0)
        for (let n = 1; n <= 600; n++)
          r.api.tillCustomer(makeCustomer(n * 7, { lastName: `V${s}` }));
      await r.clock.advance(1000);
      if (
        loadedAt === null &&
        ['customers', 'reservations', 'tickets'].every((k) => r.sync.ready(k as RecordKind))
      )
        loadedAt = r.clock.now();
    }
    const starts = r.api.calls.map((c) => c.at);
    /** The most calls started in any 60 s from `from` on, counting those before `until`. */
    const most = (from: number, until = Infinity) => {
      let n = 0;
      for (const t of starts.filter((u) => u >= from && u < until))
        n = Math.max(n, starts.filter((u) => u >= t && u < Math.min(t + MINUTE, until)).length);
      return n;
    };
    expect(loadedAt).not.toBeNull();
    // ⌊0.8 × (50 − 5)⌋ while loading: the load's pages and the deltas meanwhile.
    expect(most(0, loadedAt as number)).toBeLessThanOrEqual(36);
    const steady = most((loadedAt as number) + 61_000);
    expect(steady).toBeLessThanOrEqual(22); // ⌊0.5 × (50 − 5)⌋
    expect(steady).toBeGreaterThanOrEqual(20);
    expect(r.sync.status().callsPerMinute).toBe(22);
  });

  it('lets interactive reads go first, yet is not starved when they keep the gate busy', async () => {
    r = rig({ customers: 10, sync: { kinds: ['customers'], syncWaitMs: 5000 } });
    await loaded(r, ['customers']);
    // More interactive reads than the budget serves, for five minutes.
    let served = 0;
    const flood = (): void => {
      for (let i = 0; i < 4; i++)
        void r.gate
          .call('GetCustomer', { priority: 'read', deadline: r.clock.now() + 10_000 }, (api) =>
            api.getCustomer(1),
          )
          .then(() => served++)
          .catch(() => undefined);
    };
    for (let s = 0; s < 60; s++) {
      flood();
      await r.clock.advance(1000);
    }
    const callsBefore = kind(r, 'customers').calls;
    for (let s = 0; s < 240; s++) {
      flood();
      await r.clock.advance(1000);
    }
    expect(served).toBeGreaterThan(200);
    // Asked at `read` priority after waiting 5 s unserved at `sync` priority.
    expect(kind(r, 'customers').calls - callsBefore).toBeGreaterThanOrEqual(2);
  });
});

describe('the initial load', () => {
  let r: Rig;
  afterEach(() => r.sync.stop());

  it('gets the turns of the loaded kinds, which take a delta only when 15 s behind meanwhile', async () => {
    r = rig({ customers: 400, reservations: 6000, tickets: 20 }); // 1, 12 and 1 pages
    r.sync.start();
    let s = 0;
    while (!r.sync.ready('reservations') && s++ < 600) await r.clock.advance(1000);
    const deltas = r.customerReads().filter((q) => q.changedSince !== undefined).length;
    // 14 pages and a few deltas of the two small kinds, 2.8 s apart; with their every turn
    // the small kinds took two of every three places and the load ~100 s.
    expect(s).toBeLessThanOrEqual(60);
    expect(deltas).toBeLessThanOrEqual(4);
    expect(r.api.calls.length).toBeLessThanOrEqual(22);
    expect(kind(r, 'customers').lagSeconds).toBeLessThanOrEqual(20);
  });
});

describe('the initial load under a flood of interactive misses', () => {
  let r: Rig;
  afterEach(() => r.sync.stop());

  /** Interactive reads, 4 a second, each with a 10 s deadline; counts those served. */
  function flood(r: Rig): { served: number; tick(): void } {
    const counter = {
      served: 0,
      tick(): void {
        for (let i = 0; i < 4; i++)
          void r.gate
            .call('GetCustomer', { priority: 'read', deadline: r.clock.now() + 10_000 }, (api) =>
              api.getCustomer(1),
            )
            .then(() => counter.served++)
            .catch(() => undefined);
      },
    };
    return counter;
  }

  it('gets at least 30 of the 45 read calls a minute, and the reads keep the rest', async () => {
    r = rig({ customers: 40_000, sync: { kinds: ['customers'] } }); // 81 pages
    const reads = flood(r);
    r.sync.start();
    const pagesAt: number[] = [];
    r.api.beforeListRead = () => pagesAt.push(r.clock.now());
    const servedAt: number[] = [];
    for (let s = 0; s < 180 && !r.sync.ready('customers'); s++) {
      reads.tick();
      await r.clock.advance(1000);
      servedAt.push(reads.served);
    }
    const t0 = pagesAt[0];
    const inMinute = (m: number) =>
      pagesAt.filter((t) => t >= t0 + m * MINUTE && t < t0 + (m + 1) * MINUTE).length;
    // ⌊0.8 × 45⌋ = 36 a minute are the load's, and what the reads leave of theirs.
    expect(inMinute(0)).toBeGreaterThanOrEqual(30);
    expect(inMinute(1)).toBeGreaterThanOrEqual(30);
    // The interactive reads are served all along: at least the 9 a minute the load leaves.
    expect(servedAt[59]).toBeGreaterThanOrEqual(9);
    expect(servedAt[119] - servedAt[59]).toBeGreaterThanOrEqual(9);
    // 81 pages at 36 a minute: the budget's minimum is 2.25 min; done within 1.3 × that.
    expect(r.sync.ready('customers')).toBe(true);
    expect(pagesAt[pagesAt.length - 1] - t0).toBeLessThanOrEqual(1.3 * 2.25 * MINUTE);
  });

  it('takes the whole read budget while no interactive read asks for its part', async () => {
    r = rig({ customers: 40_000, sync: { kinds: ['customers'] } }); // 81 pages
    r.sync.start();
    const pagesAt: number[] = [];
    r.api.beforeListRead = () => pagesAt.push(r.clock.now());
    for (let s = 0; s < 180 && !r.sync.ready('customers'); s++) await r.clock.advance(1000);
    const t0 = pagesAt[0];
    const inMinute = (m: number) =>
      pagesAt.filter((t) => t >= t0 + m * MINUTE && t < t0 + (m + 1) * MINUTE).length;
    // The first window keeps the reads' part (no window yet shows it unused), then 45 a window.
    expect(inMinute(0)).toBeLessThanOrEqual(36);
    expect(inMinute(1)).toBeGreaterThanOrEqual(42);
    expect(Math.max(inMinute(1), inMinute(2))).toBeLessThanOrEqual(45);
  });

  it('spends its load share as fast as the pages come (the start burst), so a small POS loads in seconds', async () => {
    r = rig({ customers: 2000, reservations: 6000, tickets: 1500 }); // 5 + 13 + 4 pages
    const reads = flood(r);
    expect(r.sync.loadEtaMs('reservations')).toBeNull(); // before its first page
    r.sync.start();
    let s = 0;
    while (!['customers', 'reservations', 'tickets'].every((k) => r.sync.ready(k as RecordKind))) {
      reads.tick();
      await r.clock.advance(1000);
      if (++s > 60) break;
    }
    expect(s).toBeLessThanOrEqual(10);
  });

  it('answers the keys its loaded pages cover while they are fresh, and nothing past the last page', async () => {
    r = rig({ customers: 40_000, sync: { kinds: ['customers'] } });
    r.sync.start();
    await r.clock.advance(0);
    for (let i = 0; i < 50 && !r.sync.covers('customers', 1); i++) await r.clock.advance(100);
    expect(r.sync.covers('customers', 1)).toBe(true);
    expect(r.sync.covers('customers', 39_999)).toBe(false);
    // 80 pages at the load's share (36 a window) are more than a minute away.
    expect(r.sync.loadEtaMs('customers')).toBeGreaterThan(60_000);
    // Stop the load where it is: a page older than urgentAfterMs (15 s) answers no more.
    r.api.hold();
    await r.clock.advance(16_000);
    expect(r.sync.covers('customers', 1)).toBe(false);
    r.api.release();
  });
});

describe('freshness while writes use most of the budget', () => {
  let r: Rig;
  afterEach(() => r.sync.stop());

  /**
   * Writes asking `perMinute` calls, evenly spread, for five minutes beside the sync of three
   * kinds; the worst lag of any kind after the first minute.
   */
  async function worstLag(perMinute: number, urgentAfterMs: number): Promise<number> {
    r = rig({ sync: { urgentAfterMs } });
    await loaded(r);
    let written = 0;
    let worst = 0;
    const every = 60_000 / perMinute;
    let next = r.clock.now();
    for (let ms = 0; ms < 5 * MINUTE; ms += 100) {
      while (r.clock.now() >= next) {
        next += every;
        void r.gate
          .call('SetCustomer', { priority: 'write', deadline: r.clock.now() + 10_000 }, () =>
            Promise.resolve(),
          )
          .then(() => written++)
          .catch(() => undefined);
      }
      await r.clock.advance(100);
      if (ms >= MINUTE)
        for (const k of ['customers', 'reservations', 'tickets'] as const)
          worst = Math.max(worst, kind(r, k).lagSeconds ?? Infinity);
    }
    expect(written).toBeGreaterThanOrEqual(Math.floor(perMinute * 5 * 0.9)); // writes are served
    return worst;
  }

  it.each([34, 40])(
    'keeps every kind within about urgentAfterMs of API300 (writes at %i calls a minute)',
    async (perMinute) => {
      const urgent = await worstLag(perMinute, 15_000);
      const never = await worstLag(perMinute, 3_600_000);
      // 15 s, then the next free write slots and the pass. Kinds loaded in one start burst
      // turn urgent close together and queue for the slots one after another: 18–26 s here
      // (16–22 s when the load was paced and they were loaded seconds apart).
      expect(urgent).toBeLessThanOrEqual(27);
      expect(never).toBeGreaterThan(urgent);
    },
  );
});

describe('failures', () => {
  let r: Rig;
  afterEach(() => r.sync.stop());

  it('of one kind do not stop the others, and it backs off instead of retrying in a storm', async () => {
    r = rig();
    r.api.fail('GetTickets', ...Array.from({ length: 1000 }, timeout));
    r.sync.start();
    await r.clock.advance(10 * MINUTE);
    expect(r.sync.ready('customers')).toBe(true);
    expect(r.sync.ready('reservations')).toBe(true);
    expect(kind(r, 'tickets')).toMatchObject({
      phase: 'failed',
      lastError: 'UPSTREAM_UNAVAILABLE',
    });
    // Back-off 2, 4, … 60 s capped (each try is retried once by the gate): about 15 tries.
    expect(r.api.count('GetTickets')).toBeLessThanOrEqual(40);
    expect(kind(r, 'customers').phase).toBe('synced');
  });

  it('stop every call while the breaker is open, report a growing lag, and resume when it closes', async () => {
    r = rig();
    await loaded(r);
    r.api.fail('GetCustomers', blocked());
    await r.clock.advance(10_000);
    expect(r.gate.breaker.state).toBe('open');
    const calls = r.api.count();
    const lag = kind(r, 'reservations').lagSeconds!;
    await r.clock.advance(5 * MINUTE);
    expect(r.api.count()).toBe(calls);
    expect(kind(r, 'reservations')).toMatchObject({ phase: 'paused' });
    expect(kind(r, 'reservations').lagSeconds!).toBeGreaterThan(lag + 290);
    r.gate.breaker.reset();
    await r.clock.advance(20_000);
    expect(r.api.count()).toBeGreaterThan(calls);
    expect(kind(r, 'reservations').phase).toBe('synced');
  });

  it('mark a kind whose licence is missing, and ask again only hourly', async () => {
    r = rig();
    const missing = () =>
      new Api300Error(
        'UPSTREAM_LICENCE_MISSING',
        'API300 GetReservations answered Status.Code 20: Licence missing: Interface 56 (MOBILE PEOPLE reservation API).',
        { statusCode: 20 },
      );
    r.api.fail('GetReservations', missing(), missing());
    r.sync.start();
    await r.clock.advance(30 * MINUTE);
    expect(kind(r, 'reservations')).toMatchObject({
      phase: 'licence-missing',
      licenceMissing: 'Interface 56 (MOBILE PEOPLE reservation API)',
    });
    expect(r.store.states.reservations?.licenceMissing).toBe(
      'Interface 56 (MOBILE PEOPLE reservation API)',
    );
    expect(r.api.count('GetReservations')).toBe(1);
    expect(r.sync.ready('reservations')).toBe(false);
    expect(r.sync.ready('customers')).toBe(true);
    await r.clock.advance(31 * MINUTE);
    expect(r.api.count('GetReservations')).toBe(2);
    await r.clock.advance(60 * MINUTE); // the third try finds the licence

    expect(r.sync.ready('reservations')).toBe(true);
    expect(kind(r, 'reservations').licenceMissing).toBeNull();
  });

  it('skip records that do not map, count and log them by key, and move on', async () => {
    r = rig({ customers: 10, sync: { kinds: ['customers'] } });
    r.api.unmappable.set(3, 'Gender');
    await loaded(r, ['customers']);
    expect(r.index.get('customers', 3)).toBeUndefined();
    expect(r.index.count('customers')).toBe(9);
    expect(kind(r, 'customers').skipped).toBeGreaterThanOrEqual(1);
    const line = r.lines.find((l) => l.includes('do not map'));
    expect(JSON.parse(line!)).toMatchObject({
      kind: 'customers',
      skipped: [{ key: 3, field: 'Gender' }],
    });
    r.api.tillCustomer(makeCustomer(4, { lastName: 'After' }));
    await r.clock.advance(10_000);
    expect(r.index.get('customers', 4)?.lastName).toBe('After');
  });
});

describe('reconciliation', () => {
  let r: Rig;
  afterEach(() => r.sync.stop());

  it('removes what vanished in the POS, keeps what was created during it, and repairs drift', async () => {
    r = rig({ customers: 1200, sync: { kinds: ['customers'], reconcileIntervalMs: 10 * MINUTE } });
    r.api.customers.delete(5); // key 5 is free: created during the pass below
    await loaded(r, ['customers']);
    r.api.customers.delete(700); // erased in the POS
    // A change the deltas cannot see: stamped before the watermark.
    r.api.customers.set(
      800,
      makeCustomer(800, { lastName: 'Drift', changed: new Date(T_OLD.getTime() + 1000) }),
    );
    r.api.beforeListRead = ({ query }) => {
      if (!query.changedSince && query.pageIndex === 1 && !r.api.customers.has(5)) {
        // Created at the till during the pass, in the part already read; a write of the
        // repository puts it into the mirror at once (read-your-writes).
        const created = r.api.tillCustomer(makeCustomer(5, { lastName: 'New' }));
        r.index.apply({ customers: { put: [created] } });
      }
    };
    await r.clock.advance(11 * MINUTE);
    expect(r.api.customers.has(5)).toBe(true);
    expect(r.index.get('customers', 700)).toBeUndefined();
    expect(r.store.held.customers.has(700)).toBe(false);
    expect(r.index.get('customers', 5)?.lastName).toBe('New');
    expect(r.index.get('customers', 800)?.lastName).toBe('Drift');
    expect(kind(r, 'customers').lastReconciliation).toMatchObject({ removed: 1, repaired: 1 });
    const logged = r.lines.find((l) => l.includes('reconciled'))!;
    expect(JSON.parse(logged)).toMatchObject({
      kind: 'customers',
      removed: 1,
      removedKeys: [700],
      repaired: 1,
    });
    expect(r.lines.join('')).not.toMatch(/customer\d+@example\.com|Last\d+/);
  });

  it('keeps a held record whose new version does not map: it is still in the POS', async () => {
    r = rig({ customers: 10, sync: { kinds: ['customers'], reconcileIntervalMs: MINUTE } });
    await loaded(r, ['customers']);
    r.api.customers.delete(7);
    r.api.unmappable.set(3, 'Gender');
    await r.clock.advance(2 * MINUTE);
    expect(r.index.get('customers', 3)).toBeDefined();
    expect(r.index.get('customers', 7)).toBeUndefined();
  });

  it('removes nothing while a record without a readable key is skipped', async () => {
    r = rig({ customers: 10, sync: { kinds: ['customers'], reconcileIntervalMs: MINUTE } });
    await loaded(r, ['customers']);
    r.api.customers.delete(7);
    r.api.keyless.add(3);
    await r.clock.advance(2 * MINUTE);
    expect(r.index.get('customers', 7)).toBeDefined();
    expect(r.lines.some((l) => l.includes('nothing removed this time'))).toBe(true);
    r.api.keyless.clear();
    await r.clock.advance(2 * MINUTE);
    expect(r.index.get('customers', 7)).toBeUndefined();
  });
});

describe('with a leader lease (a shared store)', () => {
  let r: Rig;
  afterEach(() => r.sync.stop());

  it('calls nothing while another replica leads, then resumes from its states after catching up', async () => {
    const lease = new FakeLease();
    let caughtUp = 0;
    r = rig({ lease, catchUp: async () => void caughtUp++, sync: { kinds: ['customers'] } });
    r.sync.start();
    await r.clock.advance(5 * MINUTE);
    expect(r.api.count()).toBe(0);
    // Not leading, and the store holds no loaded state yet: nothing to answer from.
    expect(r.sync.status()).toMatchObject({
      leading: false,
      kinds: { customers: { phase: 'loading' } },
    });
    // What the leader stored, as the follower reports it.
    const watermark = new Date(r.clock.now() - MINUTE);
    r.sync.adoptStates({
      customers: {
        watermark,
        loaded: true,
        reconciledAt: new Date(r.clock.now()),
        licenceMissing: null,
      },
    });
    expect(r.sync.ready('customers')).toBe(true);
    r.store.leaseEpoch = 7;
    lease.lead(7);
    await r.clock.advance(3000);
    expect(caughtUp).toBe(1);
    expect(r.customerReads()[0].changedSince).toEqual(new Date(watermark.getTime() - 5000));
    expect(r.store.fences.length).toBeGreaterThan(0);
    expect(new Set(r.store.fences)).toEqual(new Set([7]));
  });

  it('stops at once when its lease is lost, without a storm, and leads again under a new epoch', async () => {
    const lease = new FakeLease();
    lease.lead(1);
    r = rig({ lease, sync: { kinds: ['customers'] } });
    r.store.leaseEpoch = 1;
    await loaded(r, ['customers']);
    // Another replica took over while this one paused: its lease still says 1 until renewed.
    r.store.leaseEpoch = 2;
    r.api.tillCustomer(makeCustomer(5, { lastName: 'Changed' }));
    await r.clock.advance(10_000);
    const calls = r.api.count();
    await r.clock.advance(5 * MINUTE);
    expect(r.api.count()).toBe(calls);
    expect(r.index.get('customers', 5)?.lastName).not.toBe('Changed');
    expect(r.sync.status().leading).toBe(false);
    r.store.leaseEpoch = 3;
    lease.lead(3);
    await r.clock.advance(10_000);
    expect(r.index.get('customers', 5)?.lastName).toBe('Changed');
  });

  it("publishes its load's pages with the state, so a replica that does not lead answers the keys they cover", async () => {
    const lease = new FakeLease();
    lease.lead(1);
    r = rig({ lease, customers: 40_000, sync: { kinds: ['customers'] } });
    r.store.leaseEpoch = 1;
    r.sync.start();
    await r.clock.advance(0);
    for (let i = 0; i < 50 && !r.sync.covers('customers', 1); i++) await r.clock.advance(100);
    expect(r.sync.covers('customers', 1)).toBe(true);
    const published = r.store.states.customers?.loadPages ?? [];
    expect(published.length).toBeGreaterThan(0);
    expect(r.store.states.customers?.loaded).toBe(false);

    // Another replica (no lease of its own) adopts what the store holds.
    const follower = createMirrorSync({
      gate: r.gate,
      index: r.index,
      store: r.store,
      clock: r.clock,
      leadership: new FakeLease(),
      options: { callsPerMinute: 50, writeReserve: 5, kinds: ['customers'] },
    });
    expect(follower.covers('customers', 1)).toBe(false);
    follower.adoptStates({ customers: r.store.states.customers! });
    const lastKey = published[published.length - 1].lastKey as number;
    expect(follower.covers('customers', 1)).toBe(true);
    expect(follower.covers('customers', lastKey)).toBe(true);
    expect(follower.covers('customers', 39_999)).toBe(false);
    expect(follower.ready('customers')).toBe(false);

    // Pages older than urgentAfterMs answer no more on the follower either.
    r.api.hold();
    await r.clock.advance(16_000);
    follower.adoptStates({ customers: r.store.states.customers! });
    expect(follower.covers('customers', 1)).toBe(false);
    r.api.release();

    // Once loaded, the stored state carries no pages: the follower answers as loaded.
    for (let i = 0; i < 300 && !r.sync.ready('customers'); i++) await r.clock.advance(1000);
    expect(r.sync.ready('customers')).toBe(true);
    expect(r.store.states.customers?.loadPages).toBeNull();
    follower.adoptStates({ customers: r.store.states.customers! });
    expect(follower.ready('customers')).toBe(true);
    expect(follower.covers('customers', 1)).toBe(false); // ready: covers is for a loading kind
  });

  it('publishes no pages without a lease (a local store)', async () => {
    r = rig({ customers: 2000, sync: { kinds: ['customers'] } });
    await loaded(r, ['customers']);
    expect(r.store.stateWrites.some((w) => w.customers?.loadPages)).toBe(false);
  });

  it('asks the lease right before each upstream call, also after waiting for budget', async () => {
    const lease = new FakeLease();
    lease.lead(1);
    r = rig({ lease, customers: 10, sync: { kinds: ['customers'] } });
    r.api.hold(); // the first call stays in flight
    r.sync.start();
    await r.clock.advance(100);
    expect(r.api.count()).toBe(1);
    lease.lose();
    r.api.release();
    await r.clock.advance(5 * MINUTE);
    expect(r.api.count()).toBe(1);
    expect(r.store.held.customers.size).toBe(0); // what it fetched is not written either
  });
});

describe('stopping', () => {
  it('ends every task and timer: no call after stop()', async () => {
    const r = rig();
    await loaded(r);
    await r.sync.stop();
    expect((r.clock as unknown as { timers: unknown[] }).timers).toEqual([]);
    const calls = r.api.count();
    await r.clock.advance(10 * MINUTE);
    expect(r.api.count()).toBe(calls);
    expect(r.sync.status()).toMatchObject({ running: false });
    expect(kind(r, 'customers').phase).toBe('paused');
  });
});
