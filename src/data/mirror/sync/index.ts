/**
 * The mirror's sync (initial load, changed-since deltas, reconciliation), through the gate.
 * `createMirrorSync` and its options are the whole public surface.
 */
export {
  createMirrorSync,
  type MirrorSync,
  type MirrorSyncDeps,
  type MirrorSyncStatus,
  type KindSyncStatus,
  type SyncGate,
  type SyncPhase,
} from './mirrorSync';
export {
  SYNC_DEFAULTS,
  syncCallsPerMinute,
  syncOptionsFromConfig,
  type MirrorSyncOptions,
} from './options';
