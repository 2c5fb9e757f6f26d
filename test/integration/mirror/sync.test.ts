import { createApi300Client } from '../../../src/data/api300/client';
import type { Api300 } from '../../../src/data/api300/types';
import { UpstreamGate } from '../../../src/data/gate/gate';
import { MemoryQuota } from '../../../src/data/gate/quota';
import {
  createMirrorSync,
  type MirrorSync,
  type MirrorSyncOptions,
} from '../../../src/data/mirror/sync';
import { FIRST_PAGE, nextPage } from '../../../src/data/mirror/sync/readPass';
import type { RecordKind } from '../../../src/data/mirror/types';
import type { CustomerQuery } from '../../../src/domain/queries';
import {
  DEMO_TOKENS,
  startSimulator,
  type RunningSimulator,
  type SimulatorOptions,
} from '../../../src/simulator';
import { FIRST_CUSTOMER_NUMBER } from '../../../src/simulator/store';
import { ManualClock, settle } from '../../helpers/gateFakes';
import { eventually } from '../../helpers/eventually';
import { FakeMirrorIndex, FakeMirrorStore } from '../../helpers/mirrorFakes';
import { setSimulatorClock, simulatorStats, tillChange, tillDelete } from '../../helpers/simulator';

/**
 * The sync over the real gate and SOAP client against the simulator. Time is one manual
 * clock shared by the sync, the gate's quota and the simulator's service clock (so the 60/min
 * window and `Changed` stamps follow it); it is moved in steps while real HTTP replies arrive
 * between them. The mirror's index and store are the test fakes (test/helpers/mirrorFakes.ts).
 */

const MINUTE = 60_000;

interface Rig {
  sim: RunningSimulator;
  clock: ManualClock;
  index: FakeMirrorIndex;
  sync: MirrorSync;
  /** The client the gate holds; a test may wrap its methods. */
  api: Api300;
  /** Upstream calls not answered yet. */
  pending: () => number;
}

/**
 * Counts the calls in flight, so that the clock moves only while none is: simulated time does
 * not run on while a reply is on its way (a worker thread, a loaded machine), and every call
 * reaches the simulator at the moment the gate started it.
 */
function counted(api: Api300): { api: Api300; pending: () => number } {
  let pending = 0;
  const wrapped = Object.fromEntries(
    Object.entries(api).map(([name, method]) => [
      name,
      (...args: unknown[]) => {
        pending++;
        return (method as (...a: unknown[]) => Promise<unknown>)(...args).finally(() => pending--);
      },
    ]),
  ) as unknown as Api300;
  return { api: wrapped, pending: () => pending };
}

let rig: Rig | null = null;

async function start(
  data: SimulatorOptions,
  options: Partial<MirrorSyncOptions> = {},
  at = '2026-12-01T10:00:00Z',
  wrap: (api: Api300) => Api300 = (api) => api,
): Promise<Rig> {
  const clock = new ManualClock(Date.parse(at));
  const sim = await startSimulator({ ...data, now: clock.now });
  const { api, pending } = counted(
    wrap(
      await createApi300Client({
        endpoint: sim.endpoint,
        cusToken: DEMO_TOKENS.cusToken,
        authToken: DEMO_TOKENS.authToken,
        timeoutMs: 10_000,
        transport: 'soap11',
      }),
    ),
  );
  const gate = new UpstreamGate({
    api,
    quota: new MemoryQuota({ limit: 50, writeReserve: 5 }, clock),
    clock,
  });
  const index = new FakeMirrorIndex();
  const sync = createMirrorSync({
    gate,
    index,
    store: new FakeMirrorStore(),
    clock,
    options: { callsPerMinute: 50, writeReserve: 5, reservationsDaysBack: 7, ...options },
  });
  rig = { sim, clock, index, sync, api, pending };
  return rig;
}

afterEach(async () => {
  await rig?.sync.stop();
  await rig?.sim.close();
  rig = null;
});

/**
 * Moves the clock in steps until `done`, each step once every reply has arrived; returns the
 * simulated ms it took.
 */
async function runUntil(
  r: Rig,
  done: () => boolean,
  maxMs = 5 * MINUTE,
  stepMs = 250,
): Promise<number> {
  for (let elapsed = 0; elapsed <= maxMs; elapsed += stepMs) {
    if (done()) return elapsed;
    await r.clock.advance(stepMs);
    await settle();
    await eventually('every reply to arrive', () => r.pending() === 0);
    await settle();
  }
  throw new Error(
    `not done after ${maxMs} ms of simulated time: ${JSON.stringify(r.sync.status())}`,
  );
}

const allReady =
  (r: Rig, kinds: RecordKind[] = ['customers', 'reservations', 'tickets', 'stations']) =>
  () =>
    kinds.every((k) => r.sync.ready(k));

const customer = (i: number) => FIRST_CUSTOMER_NUMBER + i;

/** Pages an undisturbed pass over `total` records takes (readPass.ts). */
function pagesFor(total: number): number {
  let page = FIRST_PAGE;
  let pages = 1;
  while ((page.pageIndex + 1) * page.pageSize < total) {
    page = nextPage((page.pageIndex + 1) * page.pageSize);
    pages++;
  }
  return pages;
}

describe('the mirror sync against the simulator', () => {
  it('loads the demo data in about twenty calls, within its share of the budget', async () => {
    const r = await start({});
    r.sync.start();
    const kinds: RecordKind[] = ['customers', 'reservations', 'tickets', 'stations'];
    const callsToLoad: Partial<Record<RecordKind, number>> = {};
    const took = await runUntil(r, () => {
      for (const k of kinds)
        if (r.sync.ready(k)) callsToLoad[k] ??= r.sync.status().kinds[k]?.calls;
      return kinds.every((k) => callsToLoad[k] !== undefined);
    });
    expect(r.index.count('customers')).toBe(2000);
    expect(r.index.count('tickets')).toBe(1500);
    expect(r.index.count('stations')).toBe(3);
    const dayBack = Date.parse('2026-12-01T10:00:00Z') - 7 * 86_400_000;
    const held = [...r.index.held.reservations.values()];
    expect(held.length).toBeGreaterThan(3000);
    expect(held.every((x) => x.start.getTime() >= dayBack)).toBe(true);
    // 2,000 customers: 5 overlapping pages; 1,500 tickets: 4; stations: 1.
    expect(callsToLoad).toEqual({
      customers: 5,
      reservations: pagesFor(held.length),
      tickets: 4,
      stations: 1,
    });
    const total = Object.values(callsToLoad).reduce((sum, n) => sum + n, 0);
    expect(total).toBeLessThanOrEqual(22);
    // Paced at the share (22 a minute), the other kinds' deltas taking turns meanwhile.
    expect(took).toBeLessThanOrEqual(2 * MINUTE);
    expect((await simulatorStats(r.sim)).maxCallsInAnyWindow).toBeLessThanOrEqual(22);
  });

  it('serves a change at the till within 10 s at idle', async () => {
    const r = await start({ customers: 600, reservations: 100, tickets: 50 });
    r.sync.start();
    await runUntil(r, allReady(r));
    await r.clock.advance(30_000);
    await tillChange(r.sim, 'customers', { CustomerNumber: customer(42), Name: 'Kassenwechsel' });
    const took = await runUntil(
      r,
      () => r.index.get('customers', customer(42))?.lastName === 'Kassenwechsel',
    );
    expect(took).toBeLessThanOrEqual(10_000);
    expect((await simulatorStats(r.sim)).maxCallsInAnyWindow).toBeLessThanOrEqual(22);
  });

  it('removes a customer erased at the till at the next reconciliation', async () => {
    const r = await start(
      { customers: 600, reservations: 100, tickets: 50 },
      { reconcileIntervalMs: 2 * MINUTE },
    );
    r.sync.start();
    await runUntil(r, allReady(r));
    await tillDelete(r.sim, 'customers', customer(7));
    await r.clock.advance(30_000);
    expect(r.index.get('customers', customer(7))).toBeDefined(); // deltas cannot see a delete
    await runUntil(r, () => r.index.get('customers', customer(7)) === undefined);
    expect(r.sync.status().kinds.customers?.lastReconciliation).toMatchObject({ removed: 1 });
    expect(r.index.count('customers')).toBe(599);
  });

  it('loses no change when records change and vanish at the till between two page reads', async () => {
    let tillDuringPaging: (() => Promise<void>) | null = null;
    const r = await start(
      { customers: 2000, reservations: 100, tickets: 50 },
      {},
      undefined,
      (api) => ({
        ...api,
        getCustomers: async (query: CustomerQuery) => {
          const during = tillDuringPaging;
          if (query.changedSince && query.pageIndex === 1 && during) {
            tillDuringPaging = null;
            await during();
          }
          return api.getCustomers(query);
        },
      }),
    );
    r.sync.start();
    await runUntil(r, allReady(r));
    await r.clock.advance(10_000);
    // 1,000 customers change: the next delta pass has three pages.
    const evens = Array.from({ length: 1000 }, (_, i) => ({
      CustomerNumber: customer(2 * i),
      Name: 'Gerade',
    }));
    await tillChange(r.sim, 'customers', evens);
    // Between its first and second page: 600 more change behind the page boundary (the pass
    // must read on past its first TotalCount) and three it has already read are erased,
    // pulling the records behind them back onto the page already read.
    const odds = Array.from({ length: 600 }, (_, i) => ({
      CustomerNumber: customer(1001 + 2 * i),
      Name: 'Ungerade',
    }));
    tillDuringPaging = async () => {
      await tillChange(r.sim, 'customers', odds);
      for (const i of [2, 4, 6]) await tillDelete(r.sim, 'customers', customer(i));
    };
    const expected = new Map<number, string>();
    for (const c of [...evens, ...odds]) expected.set(c.CustomerNumber, c.Name);
    for (const i of [2, 4, 6]) expected.delete(customer(i));
    const wrong = (): number[] =>
      [...expected]
        .filter(([n, name]) => r.index.get('customers', n)?.lastName !== name)
        .map(([n]) => n);
    await runUntil(r, () => tillDuringPaging === null && wrong().length === 0, 2 * MINUTE);
    expect(wrong()).toEqual([]);
    expect((await simulatorStats(r.sim)).maxCallsInAnyWindow).toBeLessThanOrEqual(22);
  });

  it('picks up changes in both passes of the autumn night’s repeated hour', async () => {
    // 01:50 summer time on 2026-10-25, the night the clocks go back.
    const r = await start(
      { customers: 100, reservations: 50, tickets: 20 },
      {},
      '2026-10-24T23:50:00Z',
    );
    r.sync.start();
    await runUntil(r, allReady(r));
    const name = (i: number) => r.index.get('customers', customer(i))?.lastName;
    await setSimulatorClock(r.sim, { offsetMs: 40 * MINUTE }); // 02:30 summer time
    await tillChange(r.sim, 'customers', [
      { CustomerNumber: customer(1), Name: 'ErsteRunde' },
      { CustomerNumber: customer(4), Name: 'ErsteRunde' },
    ]);
    await runUntil(r, () => name(1) === 'ErsteRunde' && name(4) === 'ErsteRunde');
    await setSimulatorClock(r.sim, { offsetMs: 90 * MINUTE }); // 02:20 winter time: the second 02:20
    const stored = await tillChange(r.sim, 'customers', [
      { CustomerNumber: customer(2), Name: 'ZweiteRunde' },
      { CustomerNumber: customer(4), Name: 'ZweiteRunde' },
    ]);
    expect(stored[1].Changed).toMatch(/^2026-10-25T02:20/); // older-looking than its 02:30
    await runUntil(r, () => name(2) === 'ZweiteRunde');
    // Customer 4's newer version carries the older stamp: kept out until the hour is over…
    expect(name(4)).toBe('ErsteRunde');
    await setSimulatorClock(r.sim, { offsetMs: 130 * MINUTE }); // 03:00 winter time
    // … and then a full read replaces it.
    await runUntil(r, () => name(4) === 'ZweiteRunde');
    expect(r.sync.status().kinds.customers?.lastReconciliation).toMatchObject({ repaired: 1 });
  });
});
