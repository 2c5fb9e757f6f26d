import type { Clock } from '../../platform/clock';
import type { RequestAccounting } from '../accounting';
import type { Api300Operation } from '../api300/types';
import type { Priority } from '../options';
import { outcomeOf, type UpstreamCallOutcome } from './outcome';

export interface UpstreamCallEvent {
  operation: Api300Operation;
  priority: Priority;
  outcome: UpstreamCallOutcome;
  durationMs: number;
  /** The `Api300Error` (or unexpected error) the call failed with. */
  error?: unknown;
}

export interface UpstreamCallCount {
  operation: Api300Operation;
  outcome: UpstreamCallOutcome;
  count: number;
}

/** The most recent call that reached a verdict (`at` epoch ms); `reachable` is false when it failed as `unavailable`. */
export interface LastUpstreamCall {
  at: number;
  reachable: boolean;
}

/**
 * The gate's bookkeeping of the upstream calls it makes: who is told when a call starts and
 * when it finishes.
 *
 * - Start: every request the call serves is told through its accounting (a coalesced call
 *   tells each of its requests once).
 * - Finish: the count per operation and outcome grows (counts never shrink: Prometheus
 *   counters derive from them), the last verdict is kept for readiness, and every listener is
 *   told. A listener that throws is ignored: an observer must never break the data path.
 * - Reading (`callCounts`, `lastCall`) is synchronous and free: copies of what is known.
 */
export class CallStats {
  private readonly counts = new Map<string, UpstreamCallCount>();
  private readonly listeners = new Set<(event: UpstreamCallEvent) => void>();
  private last: LastUpstreamCall | null = null;

  constructor(private readonly clock: Clock) {}

  /** Adds a listener of finished calls; returns its removal. */
  onCall(listener: (event: UpstreamCallEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * A call starts now: tells `accounting` and returns the call's `finish`, to be called once
   * with the error the call failed with, or `undefined` when it succeeded.
   */
  begin(
    operation: Api300Operation,
    priority: Priority,
    accounting: RequestAccounting | readonly RequestAccounting[] | undefined,
  ): (error: unknown) => void {
    const accountings =
      accounting === undefined ? [] : ([] as RequestAccounting[]).concat(accounting);
    for (const one of accountings) one.upstreamCall(operation);
    const started = this.clock.now();
    return (error) => this.finished(operation, priority, started, error);
  }

  /** One entry per operation and outcome that occurred. */
  callCounts(): UpstreamCallCount[] {
    return [...this.counts.values()].map((c) => ({ ...c }));
  }

  /** `null` before the first call finished. */
  lastCall(): LastUpstreamCall | null {
    return this.last && { ...this.last };
  }

  private finished(
    operation: Api300Operation,
    priority: Priority,
    started: number,
    error: unknown,
  ): void {
    const outcome = outcomeOf(error);
    const key = `${operation}\u0000${outcome}`;
    const counted = this.counts.get(key) ?? { operation, outcome, count: 0 };
    counted.count++;
    this.counts.set(key, counted);
    const now = this.clock.now();
    this.last = { at: now, reachable: outcome !== 'unavailable' };
    const event: UpstreamCallEvent = { operation, priority, outcome, durationMs: now - started };
    if (error !== undefined) event.error = error;
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // An observer must never break the data path.
      }
    }
  }
}
