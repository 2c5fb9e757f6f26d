import type { GateStats } from './gate/gate';
import type { QuotaHold } from './gate/quota';
import type { MirrorStatus } from './mirror/mirror';

/**
 * What observability needs from the data path (the mirror, and the entity cache over the
 * upstream gate): a cheap, synchronous snapshot of its state. Metrics read it on every scrape
 * and readiness on every probe, so `stats()` must never reach API300 or Redis; it reports
 * what the data path already knows.
 *
 * The data path implements this (e.g. `createDataPath(...).stats`); tests use plain objects.
 */

export interface DataPathStats {
  upstream: GateStats;
  /**
   * Where the budget is kept (`memory`, `journal`, `postgres`, `redis`), and the hold while
   * the calls of the last window are unknown (no call goes out until it ends).
   */
  quota?: { store: string; hold: QuotaHold | null; available: boolean };
  /** The local copy of the POS; `null` with `MIRROR=off`. */
  mirror?: MirrorStatus | null;
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
