import { randomUUID } from 'node:crypto';
import { systemClock, type Clock } from '../../../../platform/clock';
import type { Logger } from '../../../../platform/logger';
import { TABLE } from './schema';
import { SETTINGS } from '../../../../settings';
import { SYNC_LEASE, type PostgresMirrorStore } from './store';

export interface LeaderLeaseOptions {
  /** The shared store: the lease uses its pool and its tables (after its migrations). */
  store: PostgresMirrorStore;
  /** Shown to operators as the holder (host or pod name). Two leases may share one: each instance is told apart. */
  replicaId: string;
  /**
   * How long a tenure lasts without a renewal, measured on the database's clock (one clock
   * for every replica, so skew between their clocks does not matter). Default: `MIRROR_LEASE_TTL_MS`'s (src/settings.ts).
   */
  ttlMs?: number;
  /** How often the holder renews and the others try to take over. Default a third of `ttlMs`. */
  renewEveryMs?: number;
  clock?: Clock;
  logger?: Pick<Logger, 'info' | 'warn'>;
}

export interface LeaseStatus {
  /** This instance holds the lease now (see `isLeader`). */
  leader: boolean;
  /** Fencing epoch of this instance's tenure, or `null` when it does not lead. */
  epoch: number | null;
  /** The replicaId of the holder as last read, or `null` before the first read or when nobody holds it. */
  holder: string | null;
  /** Times the lease moved to another instance (the whole database's count), as last read. */
  takeovers: number;
  /** Tenures this instance began. */
  acquisitions: number;
}

/**
 * One syncer at a time among the replicas sharing a mirror database.
 *
 * A lease row (holder, expiry on the database's clock, fencing epoch), not a session advisory
 * lock: a leader that hangs while its connection stays open would hold a session lock
 * forever, whereas its lease simply expires. Every `renewEveryMs` each instance runs one
 * statement that renews the lease if it holds it and takes it if it has expired; a new
 * tenure gets `epoch + 1`.
 *
 * The bound: a leader renews at most `renewEveryMs` before it dies or hangs, its lease expires
 * `ttlMs` after that renewal, and another instance tries within `renewEveryMs` of the expiry,
 * so it takes over within `ttlMs + renewEveryMs` (default 20 s) plus one statement. A leader
 * that stops (`stop()`) releases the lease: another takes over within `renewEveryMs`.
 *
 * `isLeader()` is computed, not remembered: it turns false once `ttlMs` has passed on the
 * local clock since the renewal that last succeeded was sent — no later than the database's
 * expiry — even if no timer ran in between (a process paused for a minute sees `false` on
 * its first look, before it sends anything upstream). The epoch fences the store: an apply
 * given `{ fence: epoch }` commits only while that tenure is held (see `MirrorApplyOptions`).
 */
export interface LeaderLease {
  /** Makes the first attempt (awaiting the store's migrations), then keeps renewing or trying. */
  start(): Promise<void>;
  /** Stops renewing and releases the lease if held. */
  stop(): Promise<void>;
  isLeader(): boolean;
  /** The fencing epoch while leading, else `null`. Pass it as `apply(…, { fence: epoch })`. */
  readonly epoch: number | null;
  /**
   * Called with the new state whenever leading starts or ends (also when it ends because the
   * local expiry passed without a renewal). Returns an unsubscribe function.
   */
  onChange(listener: (leading: boolean, epoch: number | null) => void): () => void;
  /** One attempt now (renew or take over); resolves whether this instance leads afterwards. */
  renewNow(): Promise<boolean>;
  status(): LeaseStatus;
}

const DEFAULT_TTL_MS = SETTINGS.MIRROR_LEASE_TTL_MS.default;

interface LeaseRow {
  holder: string;
  epoch: string;
  takeovers: string;
}

export function createLeaderLease(options: LeaderLeaseOptions): LeaderLease {
  const ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
  const renewEveryMs = options.renewEveryMs ?? Math.floor(ttlMs / 3);
  if (!Number.isInteger(ttlMs) || ttlMs < 100) {
    throw new RangeError(`ttlMs=${ttlMs} is not allowed: expected an integer of at least 100`);
  }
  if (!Number.isInteger(renewEveryMs) || renewEveryMs < 10 || renewEveryMs >= ttlMs) {
    throw new RangeError(
      `renewEveryMs=${renewEveryMs} is not allowed: expected an integer from 10 to below ttlMs=${ttlMs}`,
    );
  }
  const { store, replicaId, logger } = options;
  const clock = options.clock ?? systemClock;
  const instance = `${replicaId}/${randomUUID()}`;

  let held: { epoch: number; until: number } | null = null;
  let holder: string | null = null;
  let takeovers = 0;
  let acquisitions = 0;
  let running = false;
  let cancelTick: (() => void) | null = null;
  let cancelExpiry: (() => void) | null = null;
  let attempt: Promise<boolean> | null = null;
  const listeners = new Set<(leading: boolean, epoch: number | null) => void>();
  let announced: number | null = null;

  const currentEpoch = (): number | null => (held && clock.now() < held.until ? held.epoch : null);

  /** Tells listeners when the (leading, epoch) state differs from the one last told. */
  function announce(): void {
    const epoch = currentEpoch();
    if (epoch === announced) return;
    announced = epoch;
    logger?.info({ replicaId, epoch, leading: epoch !== null }, 'mirror leader lease changed');
    for (const fn of [...listeners]) {
      try {
        fn(epoch !== null, epoch);
      } catch (error) {
        logger?.warn({ err: (error as Error).message, replicaId }, 'mirror lease listener threw');
      }
    }
  }

  async function tryOnce(): Promise<boolean> {
    await store.ready();
    const sentAt = clock.now();
    const { rows } = await store.pool.query<LeaseRow>(
      `INSERT INTO ${TABLE.lease} AS l
         (name, holder, instance, epoch, acquired_at, renewed_at, expires_at)
       VALUES ($1, $2, $3, 1, clock_timestamp(), clock_timestamp(),
               clock_timestamp() + $4 * interval '1 millisecond')
       ON CONFLICT (name) DO UPDATE SET
         holder = excluded.holder,
         instance = excluded.instance,
         epoch = CASE WHEN l.instance = excluded.instance AND l.expires_at > clock_timestamp()
                      THEN l.epoch ELSE l.epoch + 1 END,
         acquired_at = CASE WHEN l.instance = excluded.instance AND l.expires_at > clock_timestamp()
                            THEN l.acquired_at ELSE excluded.acquired_at END,
         takeovers = l.takeovers + CASE WHEN l.instance = excluded.instance THEN 0 ELSE 1 END,
         renewed_at = excluded.renewed_at,
         expires_at = excluded.expires_at
       WHERE l.instance = excluded.instance OR l.expires_at <= clock_timestamp()
       RETURNING holder, epoch, takeovers`,
      [SYNC_LEASE, replicaId, instance, ttlMs],
    );
    const won = rows[0];
    if (won) {
      const epoch = Number(won.epoch);
      if (held?.epoch !== epoch) acquisitions++;
      // The database's expiry is at least ttl after it ran the statement, which is after we
      // sent it: counting from `sentAt` never believes in a tenure the database has ended.
      held = { epoch, until: sentAt + ttlMs };
      holder = won.holder;
      takeovers = Number(won.takeovers);
      cancelExpiry?.();
      cancelExpiry = clock.schedule(held.until - clock.now(), () => {
        cancelExpiry = null;
        announce();
      });
    } else {
      held = null;
      const { rows: current } = await store.pool.query<LeaseRow & { live: boolean }>(
        `SELECT holder, epoch, takeovers, expires_at > clock_timestamp() AS live
         FROM ${TABLE.lease} WHERE name = $1`,
        [SYNC_LEASE],
      );
      holder = current[0]?.live ? current[0].holder : null;
      takeovers = Number(current[0]?.takeovers ?? 0);
    }
    announce();
    return currentEpoch() !== null;
  }

  function renewNow(): Promise<boolean> {
    // One statement at a time: a slow one is not overtaken by the next tick.
    attempt ??= tryOnce()
      .catch((error: unknown) => {
        logger?.warn(
          { err: (error as Error).message, replicaId },
          'mirror leader lease: renewal failed (leading, if at all, until its local expiry)',
        );
        announce();
        return currentEpoch() !== null;
      })
      .finally(() => {
        attempt = null;
      });
    return attempt;
  }

  function scheduleTick(): void {
    if (!running) return;
    cancelTick = clock.schedule(renewEveryMs, () => {
      cancelTick = null;
      void renewNow().finally(scheduleTick);
    });
  }

  return {
    async start() {
      if (running) return;
      running = true;
      await renewNow();
      scheduleTick();
    },
    async stop() {
      running = false;
      cancelTick?.();
      cancelTick = null;
      await attempt;
      const releasing = held;
      held = null;
      cancelExpiry?.();
      cancelExpiry = null;
      announce();
      if (releasing) {
        await store.pool
          .query(
            `UPDATE ${TABLE.lease} SET expires_at = clock_timestamp()
             WHERE name = $1 AND instance = $2 AND epoch = $3`,
            [SYNC_LEASE, instance, releasing.epoch],
          )
          .catch((error: unknown) =>
            logger?.warn(
              { err: (error as Error).message, replicaId },
              'mirror leader lease: release failed (it expires by itself)',
            ),
          );
      }
    },
    isLeader: () => currentEpoch() !== null,
    get epoch() {
      return currentEpoch();
    },
    onChange(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    renewNow,
    status: () => ({
      leader: currentEpoch() !== null,
      epoch: currentEpoch(),
      holder,
      takeovers,
      acquisitions,
    }),
  };
}
