import { systemClock, type Clock } from '../../platform/clock';
import type { Logger } from '../../platform/logger';
import type { KindState, MirrorIndex, RecordKind, MirrorSnapshot, MirrorStore } from './types';

export interface StoreFollowerOptions {
  /** A shared store (PostgreSQL); with a local store there is never anything to follow. */
  store: MirrorStore;
  /** This replica's index: what other replicas write reaches it here. */
  index: Pick<MirrorIndex, 'apply' | 'clear'>;
  /**
   * Reads the feed this often even without a notification (default 30 s): a safety net for a
   * notification lost in a way the store's listener could not notice. 0 turns it off.
   */
  pollEveryMs?: number;
  /** Told the kind states after every load and catch-up (readiness, and a new leader's resume point). */
  onStates?: (states: Partial<Record<RecordKind, KindState>>) => void;
  clock?: Clock;
  logger?: Pick<Logger, 'info' | 'warn'>;
}

export interface StoreFollowerStatus {
  /** Feed position the index holds everything up to. */
  position: number;
  /** Full reloads after the store said `reset` (wipe, or away past the tombstone retention). */
  reloads: number;
  /** Local time of the last successful load or catch-up, or `null`. */
  caughtUpAt: number | null;
}

/**
 * Keeps a replica's index in step with a shared store: loads it whole at start, then applies
 * `changesSince(position)` whenever the store reports a change (and every `pollEveryMs`).
 *
 * Guarantees: one read of the feed at a time — notifications arriving meanwhile cost one more
 * read after it, not one each; a `reset` clears the index and loads it again; a failed read
 * is logged and retried at the next notification or poll, keeping what the index holds (a
 * replica serves what it has while the database is away).
 */
export interface StoreFollower {
  /** Subscribes, then loads the whole store into the index (so nothing between is missed). */
  start(): Promise<MirrorSnapshot>;
  /** Reads and applies what changed now; resolves when the index holds it. */
  catchUp(): Promise<void>;
  stop(): void;
  status(): StoreFollowerStatus;
}

export function createStoreFollower(options: StoreFollowerOptions): StoreFollower {
  const { store, index, onStates, logger } = options;
  const clock = options.clock ?? systemClock;
  const pollEveryMs = options.pollEveryMs ?? 30_000;
  let position = 0;
  let loaded = false;
  let reloads = 0;
  let caughtUpAt: number | null = null;
  let running: Promise<void> | null = null;
  let again = false;
  let unsubscribe: (() => void) | null = null;
  let cancelPoll: (() => void) | null = null;
  let stopped = false;

  function fill(snapshot: MirrorSnapshot): void {
    index.clear();
    index.apply(
      {
        customers: { put: snapshot.customers },
        reservations: { put: snapshot.reservations },
        tickets: { put: snapshot.tickets },
        stations: snapshot.stations,
      },
      { quiet: true },
    );
    position = snapshot.position;
    caughtUpAt = clock.now();
    onStates?.(snapshot.states);
  }

  async function readOnce(): Promise<void> {
    const changes = await store.changesSince(position);
    if (changes.reset) {
      logger?.info({ position }, 'mirror follower reloads the whole store (the feed was reset)');
      fill(await store.load());
      reloads++; // counted once the index holds the reloaded copy
      return;
    }
    index.apply(changes.batch);
    position = changes.position;
    caughtUpAt = clock.now();
    onStates?.(changes.states);
  }

  function catchUp(): Promise<void> {
    if (!loaded || stopped) return running ?? Promise.resolve();
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        try {
          await readOnce();
        } catch (error) {
          logger?.warn(
            { err: (error as Error).message, position },
            'mirror follower could not read the feed (retried at the next change or poll)',
          );
          again = false;
        }
      } while (again && !stopped);
    })().finally(() => {
      running = null;
    });
    return running;
  }

  function schedulePoll(): void {
    if (stopped || pollEveryMs <= 0) return;
    cancelPoll = clock.schedule(pollEveryMs, () => {
      cancelPoll = null;
      void catchUp().finally(schedulePoll);
    });
  }

  return {
    async start() {
      unsubscribe = store.onChange(() => void catchUp());
      const snapshot = await store.load();
      fill(snapshot);
      loaded = true;
      // Changes reported while the load ran may be newer than the snapshot.
      await catchUp();
      schedulePoll();
      return snapshot;
    },
    catchUp,
    stop() {
      stopped = true;
      unsubscribe?.();
      cancelPoll?.();
    },
    status: () => ({ position, reloads, caughtUpAt }),
  };
}
