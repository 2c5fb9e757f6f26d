import type { RecordKind } from '../types';

/**
 * - `loading`: the initial load runs (`loaded` of `total` records so far).
 * - `synced`: loaded, the last pass succeeded and the lag is within `laggingAfterMs`.
 * - `lagging`: loaded, but the lag is above it (budget busy, passes slow).
 * - `failed`: the last pass failed (`lastError`); the kind backs off and tries again.
 * - `licence-missing`: the token pair lacks the kind's licence; asked again hourly.
 * - `paused`: the sync is stopped, or the breaker is open (no call until it closes).
 */
export type SyncPhase = 'loading' | 'synced' | 'lagging' | 'failed' | 'licence-missing' | 'paused';

export interface KindSyncStatus {
  phase: SyncPhase;
  /** During the initial load: records read so far and the latest TotalCount. */
  progress: { loaded: number; total: number | null } | null;
  /** API300's clock the held records are complete up to (see `KindState.watermark`). */
  watermark: Date | null;
  /**
   * Seconds the mirror may be behind the POS: API300's clock now (its last reported
   * ServerDateTime plus the local time since; the local clock before any reply) minus the
   * watermark. `null` before the initial load. Grows while the breaker is open.
   */
  lagSeconds: number | null;
  /** Code of the last failure (`Api300Error.code`), `null` once a pass succeeds. */
  lastError: string | null;
  /** The licence API300 named as missing, or `null`. */
  licenceMissing: string | null;
  /** Upstream calls the sync made for this kind (gate retries included). */
  calls: number;
  /** Records that changed the mirror (index `apply` counts). */
  applied: number;
  /** Records that did not map and were left out. */
  skipped: number;
  /** Records removed because they vanished in the POS (or, reservations, left the window). */
  removed: number;
  /** Records a full read found missing or at another `changed` and replaced. */
  repaired: number;
  /** Passes that could have skipped a record (readPass.ts) and were read again. */
  unsoundPasses: number;
  lastReconciliation: { at: Date; removed: number; repaired: number } | null;
}

export interface MirrorSyncStatus {
  running: boolean;
  /** Whether this replica syncs: `true` without a leader lease. */
  leading: boolean;
  /** Calls the sync may hold in any 60 s, and how many it holds now. */
  callsPerMinute: number;
  callsInWindow: number;
  kinds: Partial<Record<RecordKind, KindSyncStatus>>;
}
