import type { Redis } from 'ioredis';
import { createReadThroughRepository, type RepositoryCaches } from '../data/repository/readThrough';
import { createRedisClient } from '../data/redisClient';
import { RedisSharedCache } from '../data/cache/sharedCache';
import { RecordCipher } from '../data/cache/recordCipher';
import type { Config } from '../config';
import type { DataPathStats, ObservableDataPath } from '../data/stats';
import { Breaker } from '../data/gate/breaker';
import { systemClock, type Clock } from '../platform/clock';
import { UpstreamGate, type Priority, type UpstreamCallEvent } from '../data/gate/gate';
import {
  BUDGET_WINDOW_MS,
  MemoryQuota,
  RedisQuota,
  type Quota,
  type QuotaHold,
  type WindowAtStart,
} from '../data/gate/quota';
import { JournaledQuota } from '../data/gate/quotaJournal';
import { PostgresQuota } from '../data/gate/postgresQuota';
import { MemoryRecordLock, RedisRecordLock, type RecordLock } from '../data/gate/recordLock';
import { MemoryIdempotencyStore } from '../data/idempotency/store';
import { RedisIdempotencyStore } from '../data/idempotency/redisStore';
import { PostgresIdempotencyStore } from '../data/idempotency/postgresStore';
import type { Idempotency } from '../graphql/idempotency';
import type { Api300 } from '../data/api300/types';
import type { Repository } from '../data/repository/types';
import { createMirroredRepository } from '../data/repository/mirrored';
import type { Mirror } from '../data/mirror/mirror';
import type { Logger } from '../platform/logger';
import { createConfiguredMirror } from './mirrorWiring';

/**
 * The data path of docs/architecture.md for the composition root: the repository over the mirror
 * (src/data/mirror/) and the entity caches (src/data/cache/), both over the upstream gate
 * (src/data/gate/gate.ts) over the one `Api300` client, which nothing else gets.
 *
 *   const dataPath = createDataPath({ api, config, tokenPairId: tokenPairId(cus, auth) });
 *   await dataPath.start(); // the mirror loads what its store holds, then syncs
 *   createApp({ repository: dataPath.repository, … });
 *   createMetrics({ dataPath }); createHealth({ dataPath, redis: dataPath.redis });
 *   …; await dataPath.close();
 *
 * Without Redis (`config.redisUrl` null and no `redis` given) the cache and record locks live
 * in this process, and the budget where `createQuota` says (PostgreSQL, a journal, memory).
 * With Redis, every replica of the token pair shares one budget
 * window, a second cache level and the record locks; if Redis cannot be reached the gate
 * fails closed (no upstream call without a Redis-granted slot: reads are answered from the
 * in-memory cache or with UPSTREAM_RATE_LIMITED) and recovers by itself when Redis is back.
 */
export interface DataPath extends ObservableDataPath {
  repository: Repository;
  gate: UpstreamGate;
  caches: RepositoryCaches;
  /** The Redis connection when configured (readiness checks `status === 'ready'`), else null. */
  redis: Redis | null;
  /** Operator action: close the circuit breaker after Hypersoft reactivated the token pair. */
  resetBreaker(): void;
  /** Whether this replica should get traffic, and why not (never calls API300 or Redis). */
  ready(): Promise<{ ok: boolean; reasons: string[] }>;
  /** The local copy of the POS, or `null` with `MIRROR=off`. */
  mirror: Mirror | null;
  /**
   * Where mutations keep their idempotency keys: Redis when configured, else the mirror's
   * PostgreSQL when configured, else this process.
   */
  idempotency: Idempotency;
  /** Loads the mirror from its store (no upstream call) and starts its sync. */
  start(): Promise<void>;
  /**
   * Stops the mirror's sync, the gate (waiters get UPSTREAM_UNAVAILABLE), the mirror's store
   * and the Redis connection it opened.
   */
  close(): Promise<void>;
}

export interface DataPathOptions {
  api: Api300;
  config: Config;
  /** `tokenPairId(cusToken, authToken)` (src/data/gate/quota.ts): names the pair in Redis, never the tokens. */
  tokenPairId: string;
  /** Time and timers (tests). Default: the system clock. */
  clock?: Clock;
  /** A clock in epoch ms for time only (timers stay real); ignored when `clock` is given. */
  now?: () => number;
  /** A Redis connection to use (not closed by `close()`); default: one to `config.redisUrl` if set. */
  redis?: Redis;
  /** Budget window (default `BUDGET_WINDOW_MS`, 61 000 ms). Only tests change it. */
  windowMs?: number;
  /** Told of every finished upstream call. */
  onCall?: (event: UpstreamCallEvent) => void;
  /** The mirror's and the lease's log lines. */
  logger?: Logger;
  /** Told of every queue wait (metrics' `recordQueueWait`). */
  onQueueWait?: (waitMs: number, priority: Priority) => void;
  /**
   * What is known of the token pair's calls before this process when nothing persisted tells
   * (quota.ts, `WindowAtStart`). Default `unknown`: the first window is held. `empty` only
   * for an API300 the caller just started (the embedded simulator, a test's).
   */
  windowAtStart?: WindowAtStart;
  /** `mirrorIdentity(endpoint, tokenPairId)`: the persisted mirror refuses another venue's copy. */
  storeIdentity?: string;
}

/** Where the upstream budget is kept, for /readyz and the logs. */
export type QuotaStore = 'memory' | 'journal' | 'postgres' | 'redis';

/**
 * The quota the configuration asks for — shared by the replicas of a token pair where they
 * share something, and never starting from an assumed empty window:
 * - `REDIS_URL`: one window in Redis (a lost log holds a window);
 * - else `MIRROR_DATABASE_URL`: one window in the shared mirror's PostgreSQL;
 * - else `MIRROR_STORE_PATH` (the default with `API300_URL`): this process's window,
 *   journaled beside the mirror's files so that a restart knows its predecessor's calls;
 * - else in memory: held for one window at start unless `windowAtStart` is `empty`.
 */
function createQuota(
  options: DataPathOptions,
  redis: Redis | null,
  limits: { limit: number; writeReserve: number; windowMs: number },
  clock: Clock,
): { quota: Quota; store: QuotaStore; ready(): Promise<void>; close(): Promise<void> } {
  const { config, tokenPairId, logger } = options;
  const windowAtStart = options.windowAtStart ?? 'unknown';
  const none = async () => undefined;
  if (redis) {
    const quota = new RedisQuota({
      ...limits,
      redis,
      tokenPairId,
      clock,
      windowAtStart,
      warn: (message) => logger?.warn(message),
    });
    return { quota, store: 'redis', ready: none, close: none };
  }
  if (config.mirrorDatabase.url) {
    const quota = new PostgresQuota({
      ...limits,
      connectionString: config.mirrorDatabase.url,
      tokenPairId,
      clock,
      windowAtStart,
    });
    return { quota, store: 'postgres', ready: none, close: () => quota.close() };
  }
  if (config.mirror.storePath) {
    const quota = new JournaledQuota({
      ...limits,
      dir: config.mirror.storePath,
      tokenPairId,
      clock,
      windowAtStart,
    });
    return { quota, store: 'journal', ready: () => quota.ready(), close: () => quota.close() };
  }
  const holdReason =
    windowAtStart === 'empty'
      ? undefined
      : 'the budget is kept in memory (MIRROR_STORE_PATH=:memory:, no Redis or PostgreSQL): the calls of the last window before this start are unknown';
  const quota = new MemoryQuota(limits, clock, { holdReason });
  return { quota, store: 'memory', ready: none, close: none };
}

export function createDataPath(options: DataPathOptions): DataPath {
  const { config, tokenPairId } = options;
  const clock: Clock =
    options.clock ?? (options.now ? { ...systemClock, now: options.now } : systemClock);
  const ownsRedis = !options.redis && config.redisUrl !== null;
  const redis = options.redis ?? (config.redisUrl ? createRedisClient(config.redisUrl) : null);

  const windowMs = options.windowMs ?? BUDGET_WINDOW_MS;
  const limits = {
    limit: config.upstream.callsPerMinute,
    writeReserve: config.upstream.writeReserve,
    windowMs,
  };
  const budget = createQuota(options, redis, limits, clock);
  const quota = budget.quota;
  const lock: RecordLock = redis
    ? new RedisRecordLock({ redis, tokenPairId, clock })
    : new MemoryRecordLock(clock);
  const gate = new UpstreamGate({
    api: options.api,
    quota,
    clock,
    breaker: new Breaker(),
    onCall: options.onCall,
    onQueueWait: options.onQueueWait,
    readPacing: {
      readCalls: config.upstream.callsPerMinute - config.upstream.writeReserve,
      windowMs,
    },
  });
  // Records lie in Redis only sealed, or outside production (recordCipher.ts).
  const { cacheEncryptionKeys, production } = config.security;
  const recordsInRedis = redis && (cacheEncryptionKeys.length > 0 || !production) ? redis : null;
  const cipher = new RecordCipher(cacheEncryptionKeys);
  const shared = recordsInRedis
    ? new RedisSharedCache(recordsInRedis, tokenPairId, clock, cipher)
    : null;
  const cached = createReadThroughRepository({ gate, lock, clock, cache: config.cache, shared });

  const mirror = createConfiguredMirror({
    config,
    gate,
    upstream: cached.repository,
    clock,
    logger: options.logger,
    identity: options.storeIdentity,
  });
  const repository = mirror
    ? createMirroredRepository(mirror, cached.repository)
    : cached.repository;

  const idempotency: Idempotency = {
    // Outcomes may hold records: in Redis only sealed (or outside production), like the cache.
    store: recordsInRedis
      ? new RedisIdempotencyStore(recordsInRedis, tokenPairId, clock, cipher)
      : config.mirrorDatabase.url
        ? new PostgresIdempotencyStore({
            connectionString: config.mirrorDatabase.url,
            tokenPairId,
            clock,
            logger: options.logger,
          })
        : new MemoryIdempotencyStore(clock),
    // The request's deadline, then the write's and its read-back's timeouts, and a margin.
    holdMs: config.upstream.requestDeadlineMs + 2 * config.api300.timeoutMs + 5_000,
  };

  const stats = (): DataPathStats => ({
    upstream: gate.stats(),
    quota: { store: budget.store, hold: quota.hold(), available: quota.available() },
    cache: cached.counters(),
    mirror: mirror?.status() ?? null,
  });

  return {
    repository,
    mirror,
    idempotency,
    gate,
    caches: cached.caches,
    redis,
    stats,
    resetBreaker: () => gate.breaker.reset(),
    async ready() {
      const reasons: string[] = [];
      const opened = gate.breaker.openedBy;
      if (opened)
        reasons.push(
          `circuit breaker open (${opened.code}) since ${new Date(opened.at).toISOString()}`,
        );
      if (redis && redis.status !== 'ready') reasons.push(`redis connection ${redis.status}`);
      else if (!gate.quotaAvailable()) reasons.push('the shared quota in Redis did not answer');
      return { ok: reasons.length === 0, reasons };
    },
    async start() {
      await budget.ready();
      const hold: QuotaHold | null = quota.hold();
      if (hold) {
        options.logger?.warn(
          { until: new Date(hold.until).toISOString() },
          `upstream budget: no call before ${new Date(hold.until).toISOString()}: ${hold.reason}`,
        );
      }
      await mirror?.start();
    },
    async close() {
      await mirror?.stop();
      gate.close();
      await budget.close();
      await mirror?.store.close();
      await idempotency.store.close().catch(() => undefined);
      if (ownsRedis && redis) await redis.quit().catch(() => redis.disconnect());
    },
  };
}
