import { opensBreaker } from '../upstream/breaker';

/**
 * What observability needs from the data path (entity cache over the upstream gate): a cheap,
 * synchronous snapshot of its state. Metrics read it on every scrape and readiness on every
 * probe, so `stats()` must never reach API300 or Redis; it reports what the data path
 * already knows.
 *
 * The data path implements this (e.g. `createDataPath(...).stats`); tests use plain objects.
 */

/** Outcome of one upstream call, as counted by `upstreamCalls`. */
export type UpstreamCallOutcome =
  /** API300 answered with Status.Code 0. */
  | 'ok'
  /** API300 answered with a non-zero Status.Code (validation, not found, conflict …). */
  | 'refused'
  /** Network error, timeout, HTTP 5xx or malformed reply: the call may not have happened. */
  | 'unavailable'
  /** Status.Code 10/11: the token pair is unknown or blocked (opens the breaker). */
  | 'auth';

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface DataPathStats {
  upstream: {
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
  };
  cache: {
    /** Entity lookups answered from a fresh cache entry (memory or Redis). */
    hits: number;
    /** Lookups that needed an upstream read. */
    misses: number;
    /** Lookups answered from an entry past its TTL (stale-while-revalidate, stale-if-error). */
    staleServes: number;
  };
}

export interface ObservableDataPath {
  stats(): DataPathStats;
}

/** How the gate should count a finished call: `error` is what the API300 client rejected with. */
export function outcomeOf(error: unknown): UpstreamCallOutcome {
  if (error === undefined || error === null) return 'ok';
  const code = (error as { code?: unknown }).code;
  if (code === 'UPSTREAM_UNAVAILABLE') return 'unavailable';
  if (opensBreaker(error)) return 'auth';
  return code === undefined ? 'unavailable' : 'refused';
}
