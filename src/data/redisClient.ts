import Redis from 'ioredis';

/**
 * The Redis connection of the data path (shared quota, cache L2, record locks), tuned to fail
 * fast instead of queueing: with Redis away, commands reject at once (no offline queue, one
 * try, short timeouts), so the gate fails closed within a second and the cache falls back to
 * memory; ioredis keeps reconnecting in the background, and everything recovers by itself.
 * `status === 'ready'` tells readiness whether it is connected.
 */
export function createRedisClient(url: string): Redis {
  const redis = new Redis(url, {
    connectTimeout: 1000,
    commandTimeout: 1000,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: (attempt) => Math.min(100 * attempt, 1000),
    // Reconnect after a failover to a replica that turned read-only.
    reconnectOnError: (error) => error.message.startsWith('READONLY'),
  });
  // Connection errors surface as failed commands and `status`; an unhandled 'error' event
  // would crash the process.
  redis.on('error', () => undefined);
  return redis;
}
