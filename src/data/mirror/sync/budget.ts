import type { Clock } from '../../../platform/clock';
import { BUDGET_WINDOW_MS } from '../../gate/quota';

/** The sync was stopped while it waited. */
export class SyncStoppedError extends Error {
  override readonly name = 'SyncStoppedError';
  constructor() {
    super('The mirror sync is stopping.');
  }
}

/**
 * The sync's window: the gate's (`BUDGET_WINDOW_MS`, API300's 60 s plus a second), because a
 * call reaches API300 some time after it starts here, by different delays: counted over
 * exactly 60 s, 22 starts spaced 60/22 s apart can land as 23 inside one of API300's windows.
 */
export const SYNC_WINDOW_MS = BUDGET_WINDOW_MS;

/** One call's place in the sync's budget. */
export interface BudgetTicket {
  /** The call starts now (the gate invoked it); each further invoke (a gate retry) counts again. */
  started(): void;
  /** The call was never made (the gate refused it): its place is freed. */
  cancel(): void;
  /** Whether the gate started the call at least once (then it counts, whatever happens next). */
  wasStarted(): boolean;
}

interface Entry {
  at: number;
  started: boolean;
  /** A page of an initial load (`acquire('load')`). */
  load: boolean;
}

/**
 * The interactive reads' part of the budget, which a load may use while the reads leave it
 * unused: `readCalls` (what the quota leaves to reads, `callsPerMinute − writeReserve`) and
 * the reads' demand now (calls of `read`/`background` priority started in the window or
 * waiting; `UpstreamGate.readDemand`).
 */
export interface LoadSpare {
  readCalls: number;
  demand(): number;
}

/** What a call is for: a page of an initial load, or anything else (deltas, reconciliation, stations). */
export type BudgetUse = 'load' | 'steady';

/**
 * The sync's own share of the upstream budget: a sliding log over `windowMs` (61 s), of
 * which the sync holds at most `maxCalls` places of steady calls and, with the pages of an
 * initial load, at most `loadCalls` in all, whatever the gate would allow.
 *
 * - A place is taken when a call is about to be asked of the gate and stamped again when the
 *   gate starts it, so a call that waited in the gate's queue counts from its real start; a
 *   place whose call has not started yet never expires. The log therefore over-counts, never
 *   under-counts: no 60 s window holds more than the cap of sync calls started from a place.
 * - Trap: the gate retries a read that failed retryably (timeout, 5xx) on its own; such a
 *   retry starts without asking here. It is counted (the next places wait for it), so only
 *   while API300 fails can a window hold more than the cap, by those retries.
 * - Two caps. Steady calls (deltas, reconciliation, stations) hold at most `maxCalls` places
 *   of steady calls (22 a minute by default, half of what reads may use). A page of an
 *   initial load is worth up to 500 records for good, an interactive miss only what the
 *   coalescer gathered, so a load page may start while the whole log (steady calls
 *   included) holds fewer than `loadCalls` places (36 by default); the rest of the read
 *   budget stays the interactive reads' (the gate bounds them meanwhile, `limitReads`) —
 *   of which the load takes what they leave unused (`LoadSpare`: idle, all 45), giving it
 *   back as reads start or wait: the reads' part is a floor, never a reservation that idles. While
 *   a load runs (`setLoading`), steady calls also need a place under `loadCalls` — the
 *   loaded kinds take a delta only every `urgentAfterMs` meanwhile (the scheduler), so they
 *   take few. Load pages never count against the steady cap, so the deltas right after a
 *   load are not held back by its pages.
 * - Pacing. Steady calls start at most every `windowMs / maxCalls` (2.8 s), with no burst: a
 *   burst spent at once fills the log early and then stops every kind until it expires, and
 *   it recurs each window. Load pages start as soon as a place is free (the start burst:
 *   the demo data's pages load within seconds); a large load then goes on at the rate its
 *   places expire, `loadCalls` a window. Only load pages wait for those places.
 * - Waiters: steady calls first (rare while a load runs, and what keeps loaded kinds fresh),
 *   then load pages; first come, first served within each: the kinds take turns.
 */
export class SyncBudget {
  private readonly entries: Entry[] = [];
  private readonly waiters: Array<{
    use: BudgetUse;
    resolve: (ticket: BudgetTicket) => void;
    reject: (error: Error) => void;
  }> = [];
  private cancelWake: (() => void) | null = null;
  private stopped = false;
  private loading = false;

  constructor(
    private readonly clock: Clock,
    readonly maxCalls: number,
    private readonly windowMs = SYNC_WINDOW_MS,
    readonly loadCalls = maxCalls,
    private readonly spare: LoadSpare | null = null,
  ) {
    if (!Number.isInteger(maxCalls) || maxCalls < 1)
      throw new RangeError(`SyncBudget: maxCalls must be an integer ≥ 1 (got ${maxCalls})`);
    if (!Number.isInteger(loadCalls) || loadCalls < maxCalls)
      throw new RangeError(
        `SyncBudget: loadCalls must be an integer ≥ maxCalls (got ${loadCalls}, ${maxCalls})`,
      );
  }

  /** Resolves when the sync may ask the gate for one call; rejects with `SyncStoppedError` on stop. */
  acquire(use: BudgetUse = 'steady'): Promise<BudgetTicket> {
    if (this.stopped) return Promise.reject(new SyncStoppedError());
    return new Promise((resolve, reject) => {
      const waiter = { use, resolve, reject };
      if (use === 'steady') {
        const firstLoad = this.waiters.findIndex((w) => w.use === 'load');
        this.waiters.splice(firstLoad < 0 ? this.waiters.length : firstLoad, 0, waiter);
      } else this.waiters.push(waiter);
      this.pump();
    });
  }

  /**
   * Whether an initial load runs (the scheduler says so): meanwhile steady calls also wait
   * for a place under `loadCalls`, so the sync as a whole keeps to the load share.
   */
  setLoading(loading: boolean): void {
    if (loading === this.loading) return;
    this.loading = loading;
    this.pump();
  }

  /** Calls counted in the current window (started or about to start). */
  inWindow(): number {
    this.prune(this.clock.now());
    return this.entries.length;
  }

  /** Rejects every waiter and every later `acquire`. */
  stop(): void {
    this.stopped = true;
    this.cancelWake?.();
    this.cancelWake = null;
    for (const waiter of this.waiters.splice(0)) waiter.reject(new SyncStoppedError());
  }

  private prune(now: number): void {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const entry = this.entries[i];
      if (entry.started && entry.at <= now - this.windowMs) this.entries.splice(i, 1);
    }
  }

  /**
   * The places a load may hold now: `loadCalls`, plus whatever of the reads' part
   * (`spare.readCalls − loadCalls`) the interactive reads do not use — started in the
   * window or waiting (`spare.demand()`).
   */
  private loadCap(): number {
    if (!this.spare) return this.loadCalls;
    const readsPart = Math.max(0, this.spare.readCalls - this.loadCalls);
    return this.loadCalls + Math.max(0, readsPart - this.spare.demand());
  }

  /** The earliest time the next call for `use` may start (≤ now: at once). */
  private nextStartAt(now: number, use: BudgetUse): number {
    this.prune(now);
    if (use === 'load') return Math.max(now, freeAt(this.entries, this.loadCap(), this.windowMs));
    const steady = this.entries.filter((e) => !e.load);
    let at = Math.max(now, freeAt(steady, this.maxCalls, this.windowMs));
    if (this.loading) at = Math.max(at, freeAt(this.entries, this.loadCap(), this.windowMs));
    if (steady.length > 0) at = Math.max(at, latest(steady) + this.windowMs / this.maxCalls);
    return at;
  }

  /** Grants the first waiter (steady calls first) that may start now; else plans a wake-up. */
  private pump(): void {
    this.cancelWake?.();
    this.cancelWake = null;
    while (this.waiters.length > 0 && !this.stopped) {
      const now = this.clock.now();
      let wake = Infinity;
      const index = this.waiters.findIndex((w) => {
        const at = this.nextStartAt(now, w.use);
        wake = Math.min(wake, at);
        return at <= now;
      });
      if (index < 0) {
        if (wake !== Infinity)
          this.cancelWake = this.clock.schedule(wake - now, () => {
            this.cancelWake = null;
            this.pump();
          });
        return;
      }
      const [waiter] = this.waiters.splice(index, 1);
      const entry: Entry = { at: now, started: false, load: waiter.use === 'load' };
      this.entries.push(entry);
      waiter.resolve(this.ticket(entry));
    }
  }

  private ticket(first: Entry): BudgetTicket {
    let used = false;
    return {
      wasStarted: () => first.started,
      started: () => {
        const now = this.clock.now();
        if (!used) {
          used = true;
          first.at = now;
          first.started = true;
        } else {
          this.entries.push({ at: now, started: true, load: first.load });
        }
        this.pump();
      },
      cancel: () => {
        if (used) return;
        used = true;
        const index = this.entries.indexOf(first);
        if (index >= 0) this.entries.splice(index, 1);
        this.pump();
      },
    };
  }
}

/**
 * When the log `entries` holds fewer than `cap` places: now (−Infinity), else when enough of
 * its started entries expired; `Infinity` when that needs places whose calls have not started
 * (`pump` runs again when one starts).
 */
function freeAt(entries: readonly Entry[], cap: number, windowMs: number): number {
  if (entries.length < cap) return -Infinity;
  const expiring = entries
    .filter((e) => e.started)
    .map((e) => e.at + windowMs)
    .sort((a, b) => a - b);
  const needed = entries.length - cap;
  return needed < expiring.length ? expiring[needed] : Infinity;
}

const latest = (entries: readonly Entry[]): number => Math.max(...entries.map((e) => e.at));
