import { outcomeOf, type UpstreamCallOutcome } from './outcome';
import type { BreakerState } from './breaker';
import { Breaker } from './breaker';
import { systemClock, type Clock } from '../../platform/clock';
import { Api300Error } from '../errors';
import type { Quota, QuotaDecision, SlotClass } from './quota';
import type { Api300, Api300Operation } from '../api300/types';
import { PRIORITIES, type Priority, type ReadOptions } from '../options';

export type { Priority };
const rankOf = (priority: Priority): number => PRIORITIES.indexOf(priority);

/**
 * The upstream gate: the ONLY road to API300 (DESIGN.md §2). It alone holds the `Api300`
 * client; everything above asks it for calls.
 *
 * - Budget: every call first takes a slot of the `Quota` (sliding 60 s window, in memory or
 *   in Redis). Failed calls count too. Writes take `write` slots, reads and background
 *   refreshes `read` slots, so the write reserve stays free for writes.
 * - Queue: callers wait for budget in priority order (`PRIORITIES` in ../options.ts: writes,
 *   interactive reads, the mirror's sync, background refreshes), first come first served
 *   within a priority.
 * - Deadlines: every waiter has one (epoch ms). When the quota says the next slot comes after
 *   it, the waiter is rejected AT ONCE with `UPSTREAM_RATE_LIMITED` and `details.retryAfter`
 *   (seconds until a slot frees); a waiter whose deadline passes is rejected then. Nothing
 *   waits forever.
 * - Retries: a read (not a write: it may have happened) that failed with a retryable error
 *   (timeout, 5xx) is retried while attempts, budget and deadline allow; each try costs a slot.
 * - Breaker: Status.Code 11/10 opens it (see breaker.ts); then every waiter and every new
 *   call is rejected with that code and no call is made until `breaker.reset()`.
 * - Observability: `stats()` (cheap, synchronous), `onCall` and `onQueueWait` hooks, and the
 *   request's `accounting` is told of every call made for it.
 *
 * Coalescing of concurrent keyed reads lives in coalescer.ts, on top of `enqueue`/`execute`.
 */

export function slotClassOf(priority: Priority): SlotClass {
  return priority === 'write' ? 'write' : 'read';
}

export type Accounting = NonNullable<ReadOptions['accounting']>;

export interface CallOptions {
  priority: Priority;
  /** Epoch ms: budget that cannot come before it is refused with UPSTREAM_RATE_LIMITED. */
  deadline: number;
  /** Per-request accounting told of each call made (a coalesced call tells every request it serves). */
  accounting?: Accounting | readonly Accounting[];
}

export interface UpstreamCallEvent {
  operation: Api300Operation;
  priority: Priority;
  outcome: UpstreamCallOutcome;
  durationMs: number;
  /** The `Api300Error` (or unexpected error) the call failed with. */
  error?: unknown;
}

/**
 * Something waiting in the gate's queue for one slot. The coalescer's batch is one waiter
 * whose priority and deadlines change as callers join and leave.
 */
export interface Waiter {
  readonly priority: Priority;
  /** The earliest deadline of what waits; the gate wakes up then to shed it. */
  readonly earliestDeadline: number;
  /**
   * Rejects with `error` everything whose deadline is before `by` (Infinity: everything).
   * Returns whether anything still waits.
   */
  shed(by: number, error: Api300Error): boolean;
  /** A slot was taken for this waiter: make the call now. */
  grant(): void;
}

export interface GateOptions {
  api: Api300;
  quota: Quota;
  clock?: Clock;
  breaker?: Breaker;
  /** Tries of a read that fails retryably (timeout, 5xx), default 2. Writes are tried once. */
  maxReadAttempts?: number;
  /** Told of every finished upstream call (metrics, logs). Must not throw. */
  onCall?: (event: UpstreamCallEvent) => void;
  /** Told how long each waiter waited for its slot (metrics' `recordQueueWait`). */
  onQueueWait?: (waitMs: number, priority: Priority) => void;
  /**
   * Pacing of reads (default: none). Without it a burst of concurrent misses spends the whole
   * read budget within a second on calls of a few keys each, and every later miss of the
   * minute is refused. With it, the first half of `readCalls` (per window, this process) go
   * at once; after that reads start at most every `windowMs / readCalls`, and the misses that
   * pile up meanwhile ride along in the next call (up to 500 keys): under pressure each call
   * carries more keys, and read throughput approaches `readCalls × 500` records a window.
   * Writes are never paced. The quota still decides; pacing only spends it more wisely.
   */
  readPacing?: { readCalls: number; windowMs: number };
}

/** A cheap snapshot of the gate: never reaches API300 or Redis. */
export interface GateStats {
  /**
   * Calls started since the process started, one entry per operation and outcome that
   * occurred. Counts only grow (Prometheus counters are derived from them).
   */
  calls: ReadonlyArray<{ operation: string; outcome: UpstreamCallOutcome; count: number }>;
  /** Calls the quota still allows in the current rolling 60 s window (all replicas when shared). */
  budgetLeft: number;
  /** Reads and writes waiting for budget right now. */
  queueLength: number;
  breaker: BreakerState;
  /**
   * The most recent upstream call that reached a verdict (`at` epoch ms): `reachable` is
   * false when it failed as `unavailable`. `null` before the first call.
   */
  lastCall: { at: number; reachable: boolean } | null;
}

export function retryAfterSeconds(retryAt: number, now: number): number {
  return Math.max(1, Math.ceil((retryAt - now) / 1000));
}

function isRetryable(error: unknown): boolean {
  return error instanceof Api300Error && error.details.retryable === true;
}

export class UpstreamGate {
  readonly breaker: Breaker;
  private readonly api: Api300;
  private readonly quota: Quota;
  /** The gate's time (injected in tests); the coalescer times its callers' deadlines by it. */
  readonly clock: Clock;
  private readonly maxReadAttempts: number;
  private readonly waiters = new Map<Waiter, { seq: number; enqueuedAt: number }>();
  private readonly callCounts = new Map<
    string,
    { operation: Api300Operation; outcome: UpstreamCallOutcome; count: number }
  >();
  private readonly callListeners = new Set<(event: UpstreamCallEvent) => void>();
  private lastCall: { at: number; reachable: boolean } | null = null;
  private seq = 0;
  /** When the quota last said a slot frees (epoch ms); for `retryAfter` of expired waiters. */
  private nextSlotAt = 0;
  private pumping = false;
  private pumpAgain = false;
  private cancelWake: (() => void) | null = null;
  private closed = false;
  /** Start times of this process's read calls in the pacing window. */
  private readStarts: number[] = [];

  constructor(private readonly options: GateOptions) {
    this.api = options.api;
    this.quota = options.quota;
    this.clock = options.clock ?? systemClock;
    this.breaker = options.breaker ?? new Breaker();
    this.maxReadAttempts = Math.max(1, options.maxReadAttempts ?? 2);
    if (options.onCall) this.callListeners.add(options.onCall);
    this.breaker.onChange((state) => {
      if (state === 'open') this.pump();
    });
  }

  /**
   * One gated upstream call: waits for budget by priority and deadline, then calls `invoke`
   * with the client. Rejects with `UPSTREAM_RATE_LIMITED` (budget), the breaker's code, or
   * whatever the call failed with.
   */
  call<T>(
    operation: Api300Operation,
    options: CallOptions,
    invoke: (api: Api300) => Promise<T>,
  ): Promise<T> {
    return this.execute(operation, options, invoke, false);
  }

  /**
   * `call`, for a caller that already holds a slot granted to its waiter (`haveSlot`): the
   * first try uses it, retries wait for budget again.
   */
  async execute<T>(
    operation: Api300Operation,
    options: CallOptions,
    invoke: (api: Api300) => Promise<T>,
    haveSlot: boolean,
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      if (!haveSlot) await this.slot(options.priority, options.deadline);
      haveSlot = false;
      try {
        return await this.invoke(operation, options, invoke);
      } catch (error) {
        const retry =
          options.priority !== 'write' &&
          isRetryable(error) &&
          attempt < this.maxReadAttempts &&
          this.clock.now() < options.deadline;
        if (!retry) throw error;
      }
    }
  }

  /** Queues a waiter; it is granted a slot, or shed with an error, never forgotten. */
  enqueue(waiter: Waiter): void {
    if (this.closed) {
      waiter.shed(Infinity, this.closedError());
      return;
    }
    this.waiters.set(waiter, { seq: this.seq++, enqueuedAt: this.clock.now() });
    this.pump();
  }

  /**
   * A queued waiter got an earlier deadline or a higher priority (a read joined a coalesced
   * batch that was queued, say, behind a background refresh): plan again, so the newcomer is
   * shed at ITS deadline instead of waiting for the wake-up planned for the others.
   */
  reconsider(): void {
    if (!this.closed && this.waiters.size > 0) this.pump();
  }

  /** Adds a listener of finished calls; returns its removal. */
  onCall(listener: (event: UpstreamCallEvent) => void): () => void {
    this.callListeners.add(listener);
    return () => this.callListeners.delete(listener);
  }

  stats(): GateStats {
    return {
      calls: [...this.callCounts.values()].map((c) => ({ ...c })),
      budgetLeft: this.quota.budgetLeft(),
      queueLength: this.waiters.size,
      breaker: this.breaker.state,
      lastCall: this.lastCall && { ...this.lastCall },
    };
  }

  /** Whether the quota's store answers (Redis); the breaker is reported by `breaker.state`. */
  quotaAvailable(): boolean {
    return this.quota.available();
  }

  /** Rejects everything waiting and every later call with UPSTREAM_UNAVAILABLE. */
  close(): void {
    this.closed = true;
    this.cancelWake?.();
    this.shedWhere(() => true, Infinity, this.closedError());
  }

  private slot(priority: Priority, deadline: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.enqueue({
        priority,
        earliestDeadline: deadline,
        shed(by, error) {
          if (deadline >= by) return true;
          reject(error);
          return false;
        },
        grant: resolve,
      });
    });
  }

  private async invoke<T>(
    operation: Api300Operation,
    options: CallOptions,
    invoke: (api: Api300) => Promise<T>,
  ): Promise<T> {
    const refused = this.breaker.error() ?? (this.closed ? this.closedError() : null);
    if (refused) throw refused;
    const accountings =
      options.accounting === undefined ? [] : ([] as Accounting[]).concat(options.accounting);
    for (const accounting of accountings) accounting.upstreamCall(operation);
    const started = this.clock.now();
    try {
      const result = await invoke(this.api);
      this.finished(operation, options.priority, started, undefined);
      return result;
    } catch (error) {
      this.finished(operation, options.priority, started, error);
      this.breaker.trip(error, this.clock.now());
      throw error;
    }
  }

  private finished(
    operation: Api300Operation,
    priority: Priority,
    started: number,
    error: unknown,
  ): void {
    const outcome = outcomeOf(error);
    const key = `${operation}\u0000${outcome}`;
    const counted = this.callCounts.get(key) ?? { operation, outcome, count: 0 };
    counted.count++;
    this.callCounts.set(key, counted);
    const now = this.clock.now();
    this.lastCall = { at: now, reachable: outcome !== 'unavailable' };
    const event: UpstreamCallEvent = { operation, priority, outcome, durationMs: now - started };
    if (error !== undefined) event.error = error;
    for (const listener of this.callListeners) {
      try {
        listener(event);
      } catch {
        // An observer must never break the data path.
      }
    }
  }

  /** Runs the queue; serialized, re-run when something changed meanwhile. */
  private pump(): void {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    void (async () => {
      try {
        do {
          this.pumpAgain = false;
          await this.drain();
        } while (this.pumpAgain);
      } finally {
        this.pumping = false;
      }
    })();
  }

  private async drain(): Promise<void> {
    for (;;) {
      const refused = this.breaker.error();
      if (refused) {
        this.shedWhere(() => true, Infinity, refused);
        return;
      }
      const now = this.clock.now();
      this.shedWhere(() => true, now, this.rateLimited(now));
      const head = this.best();
      if (!head) {
        this.setWake(null);
        return;
      }
      const pacedUntil = head.priority === 'write' ? now : this.readPacedUntil(now);
      const decision: QuotaDecision =
        pacedUntil > now
          ? { granted: false, retryAt: pacedUntil, reason: 'budget' }
          : await this.quota.acquire(slotClassOf(head.priority));
      if (this.closed) return;
      if (decision.granted) {
        if (head.priority !== 'write') this.readStarts.push(this.clock.now());
        const entry = this.waiters.get(head);
        this.waiters.delete(head);
        if (entry) {
          this.options.onQueueWait?.(this.clock.now() - entry.enqueuedAt, head.priority);
          head.grant();
        }
        continue;
      }
      // Nothing of the head's priority or lower can start before `retryAt`: who cannot wait
      // that long hears so now. Higher priorities that came meanwhile get their own turn.
      this.nextSlotAt = decision.retryAt;
      const rank = rankOf(head.priority);
      this.shedWhere(
        (w) => rankOf(w.priority) >= rank,
        decision.retryAt,
        this.rateLimited(this.clock.now()),
      );
      let wake = decision.retryAt;
      for (const waiter of this.waiters.keys()) wake = Math.min(wake, waiter.earliestDeadline);
      this.setWake(wake);
      return;
    }
  }

  /** When the next read may start under `readPacing` (≤ now: at once). */
  private readPacedUntil(now: number): number {
    const pacing = this.options.readPacing;
    if (!pacing || pacing.readCalls <= 0) return now;
    this.readStarts = this.readStarts.filter((t) => now - t < pacing.windowMs);
    if (this.readStarts.length < Math.ceil(pacing.readCalls / 2)) return now;
    return this.readStarts[this.readStarts.length - 1] + pacing.windowMs / pacing.readCalls;
  }

  private best(): Waiter | undefined {
    let best: Waiter | undefined;
    let bestRank = Infinity;
    let bestSeq = Infinity;
    for (const [waiter, { seq }] of this.waiters) {
      const rank = rankOf(waiter.priority);
      if (rank < bestRank || (rank === bestRank && seq < bestSeq)) {
        best = waiter;
        bestRank = rank;
        bestSeq = seq;
      }
    }
    return best;
  }

  private shedWhere(which: (w: Waiter) => boolean, by: number, error: Api300Error): void {
    for (const waiter of [...this.waiters.keys()]) {
      if (which(waiter) && !waiter.shed(by, error)) this.waiters.delete(waiter);
    }
  }

  private setWake(at: number | null): void {
    this.cancelWake?.();
    this.cancelWake = null;
    if (at === null) return;
    this.cancelWake = this.clock.schedule(at - this.clock.now(), () => {
      this.cancelWake = null;
      this.pump();
    });
  }

  private rateLimited(now: number): Api300Error {
    const retryAfter = retryAfterSeconds(this.nextSlotAt, now);
    return new Api300Error(
      'UPSTREAM_RATE_LIMITED',
      `The upstream call budget has no room before this request's deadline; retry after ${retryAfter} s.`,
      { retryAfter },
    );
  }

  private closedError(): Api300Error {
    return new Api300Error('UPSTREAM_UNAVAILABLE', 'The upstream gate is shutting down.', {
      retryable: true,
    });
  }
}
