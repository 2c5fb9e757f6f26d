import type { Redis } from 'ioredis';
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
 * Without a mirror (`MIRROR=off`) nothing is published and subscriptions are refused.
 */
export interface ChangePublication {
  subscriptions?: {
    changes: ChangeHub;
    maxPerConnection: number;
    keepAliveMs: number;
    idleTimeoutMs: number;
  };
  invalidation: RouterInvalidation | null;
  stop(): Promise<void>;
}

export function createChangePublication(deps: {
  config: Config;
  mirror: Mirror | null;
  redis: Redis | null;
  logger?: Logger;
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
    },
    invalidation,
    async stop() {
      unsubscribe();
      hub.close();
      await invalidation?.stop();
    },
  };
}
