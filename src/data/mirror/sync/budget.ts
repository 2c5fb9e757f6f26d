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
}

/**
 * The sync's own share of the upstream budget: a sliding log over `windowMs` (61 s), of
 * which the sync holds at most `maxCalls` at any time, whatever the gate would allow.
 *
 * - A place is taken when a call is about to be asked of the gate and stamped again when the
 *   gate starts it, so a call that waited in the gate's queue counts from its real start; a
 *   place whose call has not started yet never expires. The log therefore over-counts, never
 *   under-counts: no 60 s window holds more than `maxCalls` sync calls started from a place.
 * - Trap: the gate retries a read that failed retryably (timeout, 5xx) on its own; such a
 *   retry starts without asking here. It is counted (the next places wait for it), so only
 *   while API300 fails can a window hold more than `maxCalls`, by those retries.
 * - Pacing: calls start at most every `windowMs / maxCalls` (2.8 s for 22 a minute), with no
 *   burst: a burst spent at once fills the log early and then stops every kind until it
 *   expires (a change at the till would wait half a minute), and it recurs each window. So
 *   an initial load of 20 calls takes about a minute, and at idle each of three kinds is read
 *   every `3 × windowMs / maxCalls` (8.3 s).
 * - Waiters are served first come, first served: the kinds take turns.
 */
export class SyncBudget {
  private readonly entries: Entry[] = [];
  private readonly waiters: Array<{
    resolve: (ticket: BudgetTicket) => void;
    reject: (error: Error) => void;
  }> = [];
  private cancelWake: (() => void) | null = null;
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    readonly maxCalls: number,
    private readonly windowMs = SYNC_WINDOW_MS,
  ) {
    if (!Number.isInteger(maxCalls) || maxCalls < 1)
      throw new RangeError(`SyncBudget: maxCalls must be an integer ≥ 1 (got ${maxCalls})`);
  }

  /** Resolves when the sync may ask the gate for one call; rejects with `SyncStoppedError` on stop. */
  acquire(): Promise<BudgetTicket> {
    if (this.stopped) return Promise.reject(new SyncStoppedError());
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.pump();
    });
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

  /** The earliest time the next call may start (≤ now: at once). */
  private nextStartAt(now: number): number {
    this.prune(now);
    let at = now;
    if (this.entries.length >= this.maxCalls) {
      const expiring = this.entries.filter((e) => e.started).map((e) => e.at + this.windowMs);
      // Every place is held by a call not started yet: `pump` runs again when one starts.
      at = expiring.length > 0 ? Math.min(...expiring) : Infinity;
    }
    if (this.entries.length > 0) {
      const last = Math.max(...this.entries.map((e) => e.at));
      at = Math.max(at, last + this.windowMs / this.maxCalls);
    }
    return at;
  }

  private pump(): void {
    this.cancelWake?.();
    this.cancelWake = null;
    while (this.waiters.length > 0 && !this.stopped) {
      const now = this.clock.now();
      const at = this.nextStartAt(now);
      if (at > now) {
        if (at !== Infinity)
          this.cancelWake = this.clock.schedule(at - now, () => {
            this.cancelWake = null;
            this.pump();
          });
        return;
      }
      const entry: Entry = { at: now, started: false };
      this.entries.push(entry);
      this.waiters.shift()?.resolve(this.ticket(entry));
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
          this.entries.push({ at: now, started: true });
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
