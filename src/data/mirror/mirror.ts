import type { RecordChangeListener } from '../../domain/changes';
import { systemClock, type Clock } from '../../platform/clock';
import type { Logger } from '../../platform/logger';
import { createStoreFollower, type StoreFollowerStatus } from './follower';
import type { LeaderLease, LeaseStatus } from './store/postgres/lease';
import type { MirrorSync, MirrorSyncStatus, KindSyncStatus } from './sync';
import {
  RECORD_KINDS,
  type KindState,
  type MirrorBatch,
  type MirrorIndex,
  type RecordKind,
  type MirrorStore,
  type MirrorView,
} from './types';

/**
 * The mirror as the rest of the product sees it: the index every read is answered from, the
 * store it survives restarts in, and the sync that keeps it fresh — or, on a replica that
 * does not lead (shared store), the change feed of the store.
 *
 * Lifecycle: `start()` loads what the store holds into the index (no upstream call), then
 * starts following the store's change feed and, where this replica syncs, the sync. `stop()`
 * ends both and closes nothing it was given.
 */
export interface Mirror extends MirrorView {
  readonly store: MirrorStore;
  start(): Promise<void>;
  stop(): Promise<void>;
  status(): MirrorStatus;
  /**
   * Calls `listener` with every change this replica's index applies to a kind the mirror holds
   * (its sync, reconciliation, writes, the shared store's feed), synchronously after the apply.
   * Nothing while a kind loads (its records are a copy arriving, not changes), nor for a
   * replica's fill from the store. Returns the unsubscribe.
   */
  onChanges(listener: RecordChangeListener): () => void;
  /**
   * Whether this replica speaks for the whole mirror to the outside (router cache
   * invalidation, Redis events): the one that syncs — the lease holder with a shared store,
   * every replica with a local store (each syncs its own copy). Asked at each change.
   */
  syncing(): boolean;
}

export type MirrorState = 'loading' | 'synced' | 'lagging' | 'degraded';

export interface MirrorStatus {
  /**
   * `loading` while some kind's initial load runs (reads of it go read-through), `synced`
   * when every kind is loaded and fresh, `lagging` when some kind is behind, `degraded` when
   * some kind cannot be mirrored (licence missing, failing).
   */
  state: MirrorState;
  store: string;
  /** Whether this replica runs the sync (`false`: it follows the shared store). */
  syncing: boolean;
  records: Record<RecordKind, number>;
  /** The kinds whose reads the mirror answers now (`holds`); the others go read-through. */
  serving: RecordKind[];
  kinds: Partial<Record<RecordKind, KindSyncStatus>>;
  sync: Pick<MirrorSyncStatus, 'running' | 'callsPerMinute' | 'callsInWindow'> | null;
  /** Where this replica's index stands in the store's change feed. */
  feed: StoreFollowerStatus;
  /** Shared store only: this replica's view of the leader lease (leader, epoch, takeovers). */
  lease: LeaseStatus | null;
}

export interface MirrorDeps {
  index: MirrorIndex;
  store: MirrorStore;
  /**
   * Builds the sync over the states the store held and the store follower's `catchUp`.
   * `null`: this replica never syncs (tests).
   */
  createSync:
    | ((resume: {
        states: Partial<Record<RecordKind, KindState>>;
        catchUp: () => Promise<void>;
      }) => MirrorSync)
    | null;
  /** A shared store's lease: started after the load, stopped with the mirror. */
  lease?: Pick<LeaderLease, 'start' | 'stop' | 'isLeader' | 'status'>;
  /** Earliest reservation start the mirror holds, or `null` for every reservation. */
  reservationsFrom: () => Date | null;
  /** Reads customers by number at sync priority and puts them into the mirror. */
  refreshCustomers?: (numbers: readonly number[]) => Promise<void>;
  logger?: Logger;
  /** Times `progressed`'s bound. Default: the system clock. */
  clock?: Clock;
}

export function createMirror(deps: MirrorDeps): Mirror {
  const { index, store, logger } = deps;
  const clock = deps.clock ?? systemClock;
  let sync: MirrorSync | null = null;
  let states: Partial<Record<RecordKind, KindState>> = {};
  /** Waiters of `progressed`, each told once. */
  const waiters = new Set<(progressed: boolean) => void>();
  const progress = () => {
    const told = [...waiters];
    waiters.clear();
    for (const tell of told) tell(true);
  };
  const follower = createStoreFollower({
    store,
    index,
    logger,
    onStates: (latest) => {
      states = { ...states, ...latest };
      sync?.adoptStates(latest);
      progress();
    },
  });

  function holds(kind: RecordKind): boolean {
    if (sync) return sync.ready(kind);
    const state = states[kind];
    return Boolean(state?.loaded && !state.licenceMissing);
  }

  const syncing = () => (deps.lease ? deps.lease.isLeader() : sync !== null);

  const mirror: Mirror = {
    index,
    store,
    holds,
    covers: (kind, key) => !holds(kind) && sync !== null && sync.covers(kind, key),
    reservationsFrom: deps.reservationsFrom,
    syncing,

    loading: (kind) => {
      if (holds(kind)) return false;
      const licenceMissing = sync
        ? sync.status().kinds[kind]?.licenceMissing
        : states[kind]?.licenceMissing;
      return !licenceMissing;
    },

    loadEtaMs: (kind) => (sync ? sync.loadEtaMs(kind) : null),

    progressed(withinMs) {
      return new Promise((resolve) => {
        let cancel = () => {};
        const tell = (progressed: boolean) => {
          cancel();
          waiters.delete(tell);
          resolve(progressed);
        };
        waiters.add(tell);
        cancel = clock.schedule(Math.max(0, withinMs), () => tell(false));
      });
    },

    onChanges(listener) {
      return index.onChanges((changes) => {
        const held = changes.filter((change) => holds(change.kind));
        if (held.length > 0) listener(held);
      });
    },

    recordWrite(batch: MirrorBatch) {
      index.apply(batch);
      store
        .apply(batch)
        .catch((error: unknown) =>
          logger?.warn(
            { err: error, store: store.kind },
            'mirror: storing a write failed; the next delta sync stores it',
          ),
        );
    },

    refreshCustomers(numbers) {
      if (numbers.length === 0 || !deps.refreshCustomers) return;
      deps
        .refreshCustomers(numbers)
        .catch((error: unknown) =>
          logger?.warn(
            { err: error, customers: numbers.length },
            'mirror: reading uploaded customers failed; the next delta sync reads them',
          ),
        );
    },

    async start() {
      const snapshot = await follower.start();
      states = { ...snapshot.states };
      logger?.info(
        {
          store: store.kind,
          customers: snapshot.customers.length,
          reservations: snapshot.reservations.length,
          tickets: snapshot.tickets.length,
        },
        'mirror: loaded what the store holds',
      );
      await deps.lease?.start();
      sync = deps.createSync
        ? deps.createSync({ states, catchUp: () => follower.catchUp() })
        : null;
      sync?.onProgress(progress);
      sync?.start();
    },

    async stop() {
      for (const tell of [...waiters]) tell(false);
      follower.stop();
      await sync?.stop();
      await deps.lease?.stop();
    },

    status(): MirrorStatus {
      const records = Object.fromEntries(RECORD_KINDS.map((k) => [k, index.count(k)])) as Record<
        RecordKind,
        number
      >;
      const syncStatus = sync?.status() ?? null;
      const kinds = syncStatus?.kinds ?? {};
      const phases = RECORD_KINDS.map((k) =>
        syncStatus ? (kinds[k]?.phase ?? 'loading') : holds(k) ? 'synced' : 'loading',
      );
      const state: MirrorState = phases.some((p) => p === 'loading')
        ? 'loading'
        : phases.some((p) => p === 'failed' || p === 'licence-missing')
          ? 'degraded'
          : phases.some((p) => p === 'lagging' || p === 'paused')
            ? 'lagging'
            : 'synced';
      const summary = syncStatus
        ? {
            running: syncStatus.running,
            callsPerMinute: syncStatus.callsPerMinute,
            callsInWindow: syncStatus.callsInWindow,
          }
        : null;
      return {
        state,
        store: store.kind,
        syncing: syncing(),
        records,
        serving: RECORD_KINDS.filter(holds),
        kinds,
        sync: summary,
        feed: follower.status(),
        lease: deps.lease?.status() ?? null,
      };
    },
  };
  return mirror;
}
