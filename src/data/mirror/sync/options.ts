import type { Config } from '../../../config';
import { SETTINGS } from '../../../settings';
import { RECORD_KINDS, type RecordKind } from '../types';

/**
 * Settings of the mirror's sync. Every duration is in ms; defaults in `SYNC_DEFAULTS`.
 * `syncOptionsFromConfig` derives them from `Config` (MIRROR_* variables, README).
 */
export interface MirrorSyncOptions {
  /**
   * The gate's budget (config.upstream): the sync's share is taken of what reads may use,
   * `callsPerMinute − writeReserve`.
   */
  callsPerMinute: number;
  writeReserve: number;
  /**
   * Share of `callsPerMinute − writeReserve` the sync may hold in any rolling 60 s
   * (default 0.5; 50/min with a reserve of 5 gives 22 sync calls a minute). At least 1 call.
   * Trap: replicas that share a token pair each hold their own share; run the sync in one.
   */
  share?: number;
  /**
   * Share of `callsPerMinute − writeReserve` the sync may hold in any rolling 60 s while an
   * initial load runs (default 0.8: 36 calls a minute with the defaults), its pages asked at
   * `load` priority, before interactive reads; the rest (9 a minute) stays the reads'. At
   * least `share`. A load page is worth up to 500 records for good, a read-through miss only
   * the keys the coalescer gathered.
   */
  loadShare?: number;
  /**
   * Pause between two passes of one kind (default 2000). Passes also wait for the share, so
   * with three paged kinds and the default share each kind is read about every 8 s at idle.
   */
  intervalMs?: number;
  /** Reservations are loaded and reconciled from this many days back on, all future ones; `null` (default): every reservation. */
  reservationsDaysBack?: number | null;
  /**
   * A delta asks changed-since from this much before its watermark (default 5000). `Changed`
   * has whole seconds and a POS transaction may commit after the second it was stamped with,
   * so a change can become visible a moment after a read that its stamp says it precedes.
   */
  overlapMs?: number;
  /** A paced full read per kind that removes what vanished in the POS and repairs drift (default 4 h). */
  reconcileIntervalMs?: number;
  /** A kind whose licence is missing (Status 20) is asked again after this long (default 1 h). */
  licenceRetryMs?: number;
  /** The station list (one call, no changed-since) is read again after this long (default 5 min). */
  stationsIntervalMs?: number;
  /** Back-off of a failing kind: doubles from `initialMs` up to `maxMs` (default 2 s .. 60 s). */
  backoff?: { initialMs: number; maxMs: number };
  /**
   * How long a call waits in the gate at `sync` priority before it is asked again at `read`
   * priority (default 30000): interactive reads outrank the sync, and this is what keeps a
   * busy subgraph from starving it.
   */
  syncWaitMs?: number;
  /**
   * A delta pass of a kind whose data is older than this (its lag) asks the gate at `urgent`
   * priority, before writes, on a write slot (default 15000): writes that keep the budget full
   * would otherwise hold the sync to what reads may use beside them, or to nothing. Each kind
   * is urgent at most once in this time, so writes lose at most one call per kind to it. At idle every kind is read well within it (about every
   * 8 s with the defaults), so only a busy budget makes the sync urgent; its share still caps
   * its calls. Trap: a share so small that a kind's turn comes later than this makes every
   * delta urgent (they then go before interactive reads).
   */
  urgentAfterMs?: number;
  /** A loaded kind whose lag exceeds this is reported `lagging` (default 20000). */
  laggingAfterMs?: number;
  /** The kinds to mirror (default all four). */
  kinds?: readonly RecordKind[];
}

/**
 * The defaults: those of a setting from its declaration (src/settings.ts), the others (no
 * setting of their own) here.
 */
export const SYNC_DEFAULTS = {
  share: SETTINGS.MIRROR_SYNC_SHARE.default,
  loadShare: SETTINGS.MIRROR_SYNC_LOAD_SHARE.default,
  intervalMs: SETTINGS.MIRROR_SYNC_INTERVAL_MS.default,
  reservationsDaysBack: SETTINGS.MIRROR_RESERVATIONS_DAYS_BACK.default,
  overlapMs: SETTINGS.MIRROR_SYNC_OVERLAP_MS.default,
  reconcileIntervalMs: SETTINGS.MIRROR_RECONCILE_INTERVAL_MS.default,
  licenceRetryMs: SETTINGS.MIRROR_LICENCE_RETRY_MS.default,
  stationsIntervalMs: SETTINGS.MIRROR_STATIONS_INTERVAL_MS.default,
  backoff: { initialMs: 2_000, maxMs: 60_000 },
  syncWaitMs: 30_000,
  urgentAfterMs: SETTINGS.MIRROR_SYNC_URGENT_AFTER_MS.default,
  laggingAfterMs: 20_000,
  kinds: RECORD_KINDS,
} as const;

export type ResolvedSyncOptions = Required<MirrorSyncOptions> & {
  maxCallsPerMinute: number;
  loadCallsPerMinute: number;
};

/** Calls the sync may hold in any 60 s: ⌊share × (callsPerMinute − writeReserve)⌋, at least 1. */
export function syncCallsPerMinute(options: MirrorSyncOptions): number {
  const share = options.share ?? SYNC_DEFAULTS.share;
  return Math.max(1, Math.floor(share * (options.callsPerMinute - options.writeReserve)));
}

/**
 * Calls the sync may hold in any 60 s while an initial load runs:
 * ⌊loadShare × (callsPerMinute − writeReserve)⌋, at least the steady share's.
 */
export function loadCallsPerMinute(options: MirrorSyncOptions): number {
  const share = Math.max(
    options.share ?? SYNC_DEFAULTS.share,
    options.loadShare ?? SYNC_DEFAULTS.loadShare,
  );
  return Math.max(
    syncCallsPerMinute(options),
    Math.floor(share * (options.callsPerMinute - options.writeReserve)),
  );
}

export function resolveSyncOptions(options: MirrorSyncOptions): ResolvedSyncOptions {
  const share = options.share ?? SYNC_DEFAULTS.share;
  if (!(share > 0 && share <= 1))
    throw new RangeError(`mirror sync: share must be in (0, 1] (got ${share})`);
  const loadShare = options.loadShare ?? SYNC_DEFAULTS.loadShare;
  if (!(loadShare > 0 && loadShare <= 1))
    throw new RangeError(`mirror sync: loadShare must be in (0, 1] (got ${loadShare})`);
  if (!(options.callsPerMinute > options.writeReserve && options.writeReserve >= 0))
    throw new RangeError(
      `mirror sync: need 0 <= writeReserve < callsPerMinute (got ${options.writeReserve}, ${options.callsPerMinute})`,
    );
  return {
    callsPerMinute: options.callsPerMinute,
    writeReserve: options.writeReserve,
    share,
    loadShare: Math.max(share, options.loadShare ?? SYNC_DEFAULTS.loadShare),
    intervalMs: options.intervalMs ?? SYNC_DEFAULTS.intervalMs,
    reservationsDaysBack: options.reservationsDaysBack ?? SYNC_DEFAULTS.reservationsDaysBack,
    overlapMs: options.overlapMs ?? SYNC_DEFAULTS.overlapMs,
    reconcileIntervalMs: options.reconcileIntervalMs ?? SYNC_DEFAULTS.reconcileIntervalMs,
    licenceRetryMs: options.licenceRetryMs ?? SYNC_DEFAULTS.licenceRetryMs,
    stationsIntervalMs: options.stationsIntervalMs ?? SYNC_DEFAULTS.stationsIntervalMs,
    backoff: options.backoff ?? SYNC_DEFAULTS.backoff,
    syncWaitMs: options.syncWaitMs ?? SYNC_DEFAULTS.syncWaitMs,
    urgentAfterMs: options.urgentAfterMs ?? SYNC_DEFAULTS.urgentAfterMs,
    laggingAfterMs: options.laggingAfterMs ?? SYNC_DEFAULTS.laggingAfterMs,
    kinds: options.kinds ?? SYNC_DEFAULTS.kinds,
    maxCallsPerMinute: syncCallsPerMinute(options),
    loadCallsPerMinute: loadCallsPerMinute(options),
  };
}

/** The sync's options from the validated configuration (MIRROR_* and UPSTREAM_* variables). */
export function syncOptionsFromConfig(config: Config): MirrorSyncOptions {
  const { sync } = config.mirror;
  return {
    callsPerMinute: config.upstream.callsPerMinute,
    writeReserve: config.upstream.writeReserve,
    share: sync.share,
    loadShare: sync.loadShare,
    intervalMs: sync.intervalMs,
    reservationsDaysBack: config.mirror.reservationsDaysBack,
    overlapMs: sync.overlapMs,
    reconcileIntervalMs: sync.reconcileIntervalMs,
    licenceRetryMs: sync.licenceRetryMs,
    stationsIntervalMs: sync.stationsIntervalMs,
    urgentAfterMs: sync.urgentAfterMs,
  };
}
