import type { Api300Error } from '../errors';
import { PRIORITIES, type Priority } from '../options';

const rankOf = (priority: Priority): number => PRIORITIES.indexOf(priority);

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

/**
 * The gate's waiting room: who waits for a slot, in the order they are served.
 *
 * - Order: priority first (`PRIORITIES` in ../options.ts), then first come first served.
 *   A waiter's priority is read anew at every `head()`, so a coalesced batch that a more
 *   urgent caller joined moves up without being queued again.
 * - Shedding: `shed` asks waiters to give up what cannot wait until a given time; a waiter
 *   with nothing left is removed. The queue never rejects on its own — the gate decides when
 *   and with which error — and never drops a waiter silently.
 * - Time: the queue keeps no clock; callers pass `now`.
 */
export class WaitQueue {
  private readonly waiters = new Map<Waiter, { seq: number; enqueuedAt: number }>();
  private seq = 0;

  get length(): number {
    return this.waiters.size;
  }

  add(waiter: Waiter, now: number): void {
    this.waiters.set(waiter, { seq: this.seq++, enqueuedAt: now });
  }

  /** The waiter served next: the highest priority, the oldest within it; undefined when empty. */
  head(): Waiter | undefined {
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

  /**
   * Takes `waiter` out of the queue to be granted its slot. Returns how long it waited (ms),
   * or `undefined` when it is no longer queued (shed meanwhile): then it must not be granted.
   */
  take(waiter: Waiter, now: number): number | undefined {
    const entry = this.waiters.get(waiter);
    if (!entry) return undefined;
    this.waiters.delete(waiter);
    return now - entry.enqueuedAt;
  }

  /**
   * Sheds, with `error`, whatever cannot wait until `by` (Infinity: everything). With
   * `servedNoEarlierThan`, only waiters of that priority or a lower one: those that a slot at
   * `by` would not reach before the given priority's.
   */
  shed(by: number, error: Api300Error, servedNoEarlierThan?: Priority): void {
    const rank = servedNoEarlierThan === undefined ? -Infinity : rankOf(servedNoEarlierThan);
    for (const waiter of [...this.waiters.keys()]) {
      if (rankOf(waiter.priority) >= rank && !waiter.shed(by, error)) this.waiters.delete(waiter);
    }
  }

  /** The earliest deadline of anything waiting (Infinity when empty). */
  earliestDeadline(): number {
    let earliest = Infinity;
    for (const waiter of this.waiters.keys())
      earliest = Math.min(earliest, waiter.earliestDeadline);
    return earliest;
  }
}
