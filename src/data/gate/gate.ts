import { Breaker, type BreakerState } from './breaker';
import {
  CallStats,
  type LastUpstreamCall,
  type UpstreamCallCount,
  type UpstreamCallEvent,
} from './callStats';
import { ReadLimit, ReadPacing, type ReadPacingOptions } from './pacing';
import { WaitQueue, type Waiter } from './queue';
import { systemClock, type Clock } from '../../platform/clock';
import type { RequestAccounting } from '../accounting';
import { Api300Error, retryAfterSeconds } from '../errors';
import { BUDGET_WINDOW_MS, type Quota, type QuotaDecision, type SlotClass } from './quota';
import type { Api300, Api300Operation } from '../api300/types';
import { takesWriteSlots, type Priority } from '../options';

export type { Priority, UpstreamCallEvent, Waiter };

/**
 * The upstream gate: the ONLY road to API300 (docs/architecture.md). It alone holds the `Api300`
 * client; everything above asks it for calls.
 *
 * - Budget: every call first takes a slot of the `Quota` (sliding 60 s window, in memory or
 *   in Redis). Failed calls count too. Writes (and the sync's rare `urgent` deltas) take
 *   `write` slots, the load's pages, reads, the sync and background refreshes `read` slots,
 *   so the write reserve stays free for writes.
 * - Queue (queue.ts): callers wait for budget in priority order (`PRIORITIES` in
 *   ../options.ts: the sync's urgent deltas, writes, the pages of the mirror's initial load,
 *   interactive reads, the mirror's other sync calls, background refreshes), first come
 *   first served within a priority.
 * - Deadlines: every waiter has one (epoch ms). When the quota says the next slot comes after
 *   it, the waiter is rejected AT ONCE with `UPSTREAM_RATE_LIMITED` and `details.retryAfter`
 *   (seconds until a slot frees); a waiter whose deadline passes is rejected then. Nothing
 *   waits forever.
 * - Pacing (pacing.ts): reads past half the read budget are spread over the window (not the
 *   pages of the mirror's initial load: each is worth 500 records at once). While the
 *   mirror's initial load runs, `limitReads` bounds interactive reads and background
 *   refreshes, so the load's pages (`load` priority) find their share free (the sync's own
 *   calls keep to its budget).
 * - Retries: a read (not a write: it may have happened) that failed with a retryable error
 *   (timeout, 5xx) is retried while attempts, budget and deadline allow; each try costs a slot.
 * - Breaker: Status.Code 11/10 opens it (see breaker.ts); then every waiter and every new
 *   call is rejected with that code and no call is made until `breaker.reset()`.
 * - Observability (callStats.ts): `stats()` (cheap, synchronous), `onCall` and `onQueueWait`
 *   hooks, and the request's `accounting` is told of every call made for it.
 *
 * Coalescing of concurrent keyed reads lives in coalescer.ts, on top of `enqueue`/`execute`.
 */

/** The priorities `limitReads` bounds: interactive reads and background refreshes. */
const LIMITED_PRIORITIES: readonly Priority[] = ['read', 'background'];

export function slotClassOf(priority: Priority): SlotClass {
  return takesWriteSlots(priority) ? 'write' : 'read';
}

export interface CallOptions {
  priority: Priority;
  /** Epoch ms: budget that cannot come before it is refused with UPSTREAM_RATE_LIMITED. */
  deadline: number;
  /** Per-request accounting told of each call made (a coalesced call tells every request it serves). */
  accounting?: RequestAccounting | readonly RequestAccounting[];
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
  /** Pacing of reads (see pacing.ts); default: none, every read may start at once. */
  readPacing?: ReadPacingOptions;
}

/** A cheap snapshot of the gate: never reaches API300 or Redis. */
export interface GateStats {
  /**
   * Calls started since the process started, one entry per operation and outcome that
   * occurred. Counts only grow (Prometheus counters are derived from them).
   */
  calls: ReadonlyArray<UpstreamCallCount>;
  /** Calls the quota still allows in the current rolling 60 s window (all replicas when shared). */
  budgetLeft: number;
  /** Reads and writes waiting for budget right now. */
  queueLength: number;
  breaker: BreakerState;
  /**
   * The most recent upstream call that reached a verdict (`at` epoch ms): `reachable` is
   * false when it failed as `unavailable`. `null` before the first call.
   */
  lastCall: LastUpstreamCall | null;
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
  private readonly queue = new WaitQueue();
  private readonly pacing: ReadPacing;
  private readonly readLimit = new ReadLimit(BUDGET_WINDOW_MS);
  private readonly calls: CallStats;
  /** When the quota last said a slot frees (epoch ms); for `retryAfter` of expired waiters. */
  private nextSlotAt = 0;
  private pumping = false;
  private pumpAgain = false;
  private cancelWake: (() => void) | null = null;
  private closed = false;
  private readonly createdAt: number;

  constructor(private readonly options: GateOptions) {
    this.api = options.api;
    this.quota = options.quota;
    this.clock = options.clock ?? systemClock;
    this.breaker = options.breaker ?? new Breaker();
    this.maxReadAttempts = Math.max(1, options.maxReadAttempts ?? 2);
    this.pacing = new ReadPacing(options.readPacing);
    this.calls = new CallStats(this.clock);
    this.createdAt = this.clock.now();
    if (options.onCall) this.calls.onCall(options.onCall);
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
    this.queue.add(waiter, this.clock.now());
    if (LIMITED_PRIORITIES.includes(waiter.priority)) this.readLimit.asked(this.clock.now());
    this.pump();
  }

  /**
   * A queued waiter got an earlier deadline or a higher priority (a read joined a coalesced
   * batch that was queued, say, behind a background refresh): plan again, so the newcomer is
   * shed at ITS deadline instead of waiting for the wake-up planned for the others.
   */
  reconsider(): void {
    if (!this.closed && this.queue.length > 0) this.pump();
  }

  /**
   * Bounds the calls of `read` and `background` priority to `limit` per window in this
   * process (`null`: no bound). The mirror's sync sets it while an initial load runs: the read budget
   * less the load's share stays the interactive reads'.
   */
  limitReads(limit: number | null): void {
    this.readLimit.set(limit);
    this.reconsider();
  }

  /**
   * The interactive reads' demand now: calls of `read` and `background` priority asked for
   * in the window (this process) — started, waiting or refused, since a read refused at
   * once for want of a slot is demand all the same. Infinity during the gate's first window:
   * until a whole window shows the reads' part unused, they may need all of it. The mirror's
   * load takes what the reads' part of the budget leaves unused (mirror/sync/budget.ts
   * `LoadSpare`).
   */
  readDemand(): number {
    const now = this.clock.now();
    if (now - this.createdAt < BUDGET_WINDOW_MS) return Infinity;
    return this.readLimit.askedWithin(now);
  }

  /** Adds a listener of finished calls; returns its removal. */
  onCall(listener: (event: UpstreamCallEvent) => void): () => void {
    return this.calls.onCall(listener);
  }

  stats(): GateStats {
    return {
      calls: this.calls.callCounts(),
      budgetLeft: this.quota.budgetLeft(),
      queueLength: this.queue.length,
      breaker: this.breaker.state,
      lastCall: this.calls.lastCall(),
    };
  }

  /** Whether the quota's store answers (Redis); the breaker is reported by `breaker.state`. */
  quotaAvailable(): boolean {
    return this.quota.available();
  }

  /** The UPSTREAM_RATE_LIMITED error (with `retryAfter`) the gate gives a caller it cannot serve in time. */
  budgetRefusal(): Api300Error {
    return this.rateLimited(this.clock.now());
  }

  /** Rejects everything waiting and every later call with UPSTREAM_UNAVAILABLE. */
  close(): void {
    this.closed = true;
    this.cancelWake?.();
    this.queue.shed(Infinity, this.closedError());
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
    const finish = this.calls.begin(operation, options.priority, options.accounting);
    try {
      const result = await invoke(this.api);
      finish(undefined);
      return result;
    } catch (error) {
      finish(error);
      this.breaker.trip(error, this.clock.now());
      throw error;
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

  /**
   * Grants slots to the head of the queue while the breaker, pacing and the quota allow;
   * then sheds who cannot wait for the next slot and plans the wake-up.
   */
  private async drain(): Promise<void> {
    for (;;) {
      const refused = this.breaker.error();
      if (refused) {
        this.queue.shed(Infinity, refused);
        return;
      }
      const now = this.clock.now();
      this.queue.shed(now, this.rateLimited(now));
      const head = this.queue.head();
      if (!head) {
        this.setWake(null);
        return;
      }
      // A load page is worth 500 records whenever it starts: pacing would only slow the load
      // (its share bounds it). Its start still counts, so the reads after it stay paced.
      const counted = !takesWriteSlots(head.priority);
      const paced = counted && head.priority !== 'load';
      const limited = LIMITED_PRIORITIES.includes(head.priority);
      const pacedUntil = Math.max(
        paced ? this.pacing.nextReadAt(now) : now,
        limited ? this.readLimit.nextReadAt(now) : now,
      );
      const decision: QuotaDecision =
        pacedUntil > now
          ? { granted: false, retryAt: pacedUntil, reason: 'budget' }
          : await this.quota.acquire(slotClassOf(head.priority));
      if (this.closed) return;
      if (decision.granted) {
        const grantedAt = this.clock.now();
        if (counted) this.pacing.started(grantedAt);
        if (limited) this.readLimit.started(grantedAt);
        const waited = this.queue.take(head, grantedAt);
        if (waited !== undefined) {
          this.options.onQueueWait?.(waited, head.priority);
          head.grant();
        }
        continue;
      }
      // Nothing of the head's priority or lower can start before `retryAt`: who cannot wait
      // that long hears so now. Higher priorities that came meanwhile get their own turn.
      this.nextSlotAt = decision.retryAt;
      this.queue.shed(decision.retryAt, this.rateLimited(this.clock.now()), head.priority);
      this.setWake(Math.min(decision.retryAt, this.queue.earliestDeadline()));
      return;
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
