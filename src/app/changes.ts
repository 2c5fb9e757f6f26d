import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { RecordCipher } from '../data/cache/recordCipher';
import {
  createRedisCallbackStore,
  type CallbackStore,
} from '../graphql/subscriptions/callbackStore';
import type { Config } from '../config';
import type { Mirror } from '../data/mirror/mirror';
import { createChangeHub, type ChangeHub } from '../graphql/subscriptions/hub';
import { createRedisEvents } from '../graphql/subscriptions/redisEvents';
import {
  createRouterInvalidation,
  type RouterInvalidation,
} from '../graphql/subscriptions/routerInvalidation';
import type { Logger } from '../platform/logger';

/**
 * Where the mirror's changes go (docs/subscriptions.md):
 * - to this replica's subscribers (every replica: each hears its own index);
 * - to the router's cache invalidation endpoint and to Redis Pub/Sub — once for the whole
 *   mirror, by the replica that syncs it (the lease holder with a shared store), so N
 *   replicas do not send each change N times.
 * - with Redis, Apollo Router's callback subscriptions are recorded there, so another replica
 *   carries them on when the one that accepted them ends (sealed like cached records: in
 *   production only with `CACHE_ENCRYPTION_KEY`, else they stay per replica).
 * Without a mirror (`MIRROR=off`) nothing is published and subscriptions are refused.
 */
export interface ChangePublication {
  subscriptions?: {
    changes: ChangeHub;
    maxPerConnection: number;
    keepAliveMs: number;
    idleTimeoutMs: number;
    callbackStore?: { store: CallbackStore; leaseMs: number };
  };
  invalidation: RouterInvalidation | null;
  stop(): Promise<void>;
}

export function createChangePublication(deps: {
  config: Config;
  mirror: Mirror | null;
  redis: Redis | null;
  logger?: Logger;
  /** Whose data this is (the token pair's id): replicas of one venue share callback records. */
  dataSource?: string;
}): ChangePublication {
  const { config, mirror, redis, logger } = deps;
  const settings = config.subscriptions;
  if (!mirror) return { invalidation: null, stop: async () => {} };

  const hub = createChangeHub({ maxSubscribers: settings.max, bufferSize: settings.buffer });
  const invalidation =
    settings.invalidationUrl && settings.invalidationKey
      ? createRouterInvalidation({
          url: settings.invalidationUrl,
          sharedKey: settings.invalidationKey,
          subgraph: settings.subgraphName,
          logger,
        })
      : null;
  const events = redis
    ? createRedisEvents({ redis, prefix: settings.redisEventsPrefix, logger })
    : null;
  const { cacheEncryptionKeys, production } = config.security;
  const callbackStore =
    redis && (cacheEncryptionKeys.length > 0 || !production)
      ? {
          store: createRedisCallbackStore({
            redis,
            prefix: `hypersoft:callbacks:${deps.dataSource ?? 'default'}:`,
            owner: randomUUID(),
            leaseMs: config.callbackSubscriptions.leaseMs,
            sealer: new RecordCipher(cacheEncryptionKeys),
          }),
          leaseMs: config.callbackSubscriptions.leaseMs,
        }
      : undefined;
  const unsubscribe = mirror.onChanges((changes) => {
    hub.publish(changes);
    if (!mirror.syncing()) return;
    invalidation?.notify(changes);
    events?.notify(changes);
  });
  return {
    subscriptions: {
      changes: hub,
      maxPerConnection: settings.maxPerConnection,
      keepAliveMs: settings.keepAliveMs,
      idleTimeoutMs: settings.idleTimeoutMs,
      ...(callbackStore && { callbackStore }),
    },
    invalidation,
    async stop() {
      unsubscribe();
      hub.close();
      await invalidation?.stop();
    },
  };
}
