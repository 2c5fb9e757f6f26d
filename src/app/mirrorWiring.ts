import { hostname } from 'node:os';
import type { Config } from '../config';
import type { UpstreamGate } from '../data/gate/gate';
import { createMirrorIndex } from '../data/mirror/index';
import { createMirror, type Mirror } from '../data/mirror/mirror';
import { createFileStore } from '../data/mirror/store/fileStore';
import { createMemoryStore } from '../data/mirror/store/memoryStore';
import { createLeaderLease, createPostgresStore } from '../data/mirror/store/postgres';
import { createMirrorSync, syncOptionsFromConfig } from '../data/mirror/sync';
import type { MirrorStore } from '../data/mirror/types';
import type { Repository } from '../data/repository/types';
import type { Clock } from '../platform/clock';
import type { Logger } from '../platform/logger';

const DAY_MS = 86_400_000;

export interface MirrorWiring {
  config: Config;
  gate: UpstreamGate;
  /** The read-through repository: reads back customers an import stored. */
  upstream: Repository;
  clock: Clock;
  logger?: Logger;
  /** `mirrorIdentity(endpoint, tokenPairId)`: persisted stores refuse another venue's copy. */
  identity?: string;
}

/**
 * The mirror the configuration asks for, or `null` with `MIRROR=off`:
 * - `MIRROR_DATABASE_URL` set: the records on PostgreSQL, shared by every replica; one leader
 *   (lease) syncs, the others follow the store's change feed;
 * - else `MIRROR_STORE_PATH` set (the default with `API300_URL`): on disk in that folder,
 *   resumed after a restart;
 * - else in memory: loaded anew at every start (the embedded simulator's demo).
 * A persisted store records `identity` and refuses another endpoint's or token pair's copy.
 */
export function createConfiguredMirror(wiring: MirrorWiring): Mirror | null {
  const { config, gate, upstream, clock, logger, identity } = wiring;
  if (!config.mirror.enabled) return null;

  let store: MirrorStore;
  let lease: ReturnType<typeof createLeaderLease> | undefined;
  if (config.mirrorDatabase.url) {
    const shared = createPostgresStore({
      connectionString: config.mirrorDatabase.url,
      tombstoneRetentionMs: config.mirrorDatabase.tombstoneRetentionMs,
      clock,
      logger,
      identity,
    });
    store = shared;
    lease = createLeaderLease({
      store: shared,
      replicaId: `${hostname()}:${process.pid}`,
      ttlMs: config.mirrorDatabase.leaseTtlMs,
      renewEveryMs: config.mirrorDatabase.leaseRenewMs,
      clock,
      logger,
    });
  } else if (config.mirror.storePath) {
    store = createFileStore({ path: config.mirror.storePath, identity });
  } else {
    store = createMemoryStore();
  }

  const index = createMirrorIndex();
  const daysBack = config.mirror.reservationsDaysBack;
  const mirror = createMirror({
    index,
    store,
    lease,
    logger,
    clock,
    reservationsFrom: () => (daysBack === null ? null : new Date(clock.now() - daysBack * DAY_MS)),
    createSync: ({ states, catchUp }) =>
      createMirrorSync({
        gate,
        index,
        store,
        clock,
        logger,
        options: syncOptionsFromConfig(config),
        states,
        leadership: lease,
        catchUp: lease ? catchUp : undefined,
      }),
    refreshCustomers: async (numbers) => {
      const found = await upstream.customersByNumber(numbers, {
        deadline: clock.now() + 60_000,
        priority: 'sync',
      });
      mirror.recordWrite({ customers: { put: [...found.values()] } });
    },
  });
  return mirror;
}
