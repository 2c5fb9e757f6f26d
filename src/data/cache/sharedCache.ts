import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Clock } from '../../platform/clock';
import { decode, encode } from './recordCodec';

/**
 * The entity cache's second level in Redis, shared by the replicas of one token pair: keys
 * `hypersoft:<tokenPairId>:cache:<kind>:<key>`, the entry's own freshness in the value, and
 * Redis expiry at the end of its stale window (so the same TTLs as in memory).
 *
 * Best effort by contract: a failed read is a miss, a failed write is forgotten. Redis being
 * away never fails a request by itself (the gate decides whether upstream may be asked).
 */

export interface StoredEntry<V> {
  /** `null`: the record does not exist (negative entry). */
  value: V | null;
  /** Epoch ms until which the entry is fresh. */
  freshUntil: number;
  /** Epoch ms until which it may be served stale; it is gone afterwards. */
  staleUntil: number;
}

export interface SharedCache {
  getMany<V>(kind: string, keys: readonly string[]): Promise<(StoredEntry<V> | null)[]>;
  setMany<V>(kind: string, entries: ReadonlyArray<readonly [string, StoredEntry<V>]>): void;
  delete(kind: string, keys: readonly string[]): void;
}

export class RedisSharedCache implements SharedCache {
  private readonly prefix: string;

  constructor(
    private readonly redis: Redis,
    tokenPairId: string,
    private readonly clock: Clock,
  ) {
    this.prefix = `hypersoft:${tokenPairId}:cache:`;
  }

  async getMany<V>(kind: string, keys: readonly string[]): Promise<(StoredEntry<V> | null)[]> {
    if (keys.length === 0) return [];
    try {
      const texts = await this.redis.mget(...keys.map((k) => this.keyOf(kind, k)));
      return texts.map((text) => (text === null ? null : decode<StoredEntry<V>>(text)));
    } catch {
      return keys.map(() => null);
    }
  }

  setMany<V>(kind: string, entries: ReadonlyArray<readonly [string, StoredEntry<V>]>): void {
    if (entries.length === 0) return;
    const now = this.clock.now();
    const pipeline = this.redis.pipeline();
    for (const [key, entry] of entries) {
      pipeline.set(
        this.keyOf(kind, key),
        encode(entry),
        'PX',
        Math.max(1, Math.round(entry.staleUntil - now)),
      );
    }
    pipeline.exec().catch(() => undefined);
  }

  delete(kind: string, keys: readonly string[]): void {
    if (keys.length === 0) return;
    this.redis.del(...keys.map((k) => this.keyOf(kind, k))).catch(() => undefined);
  }

  /** Long keys (normalized search queries) are hashed: they may hold search text. */
  private keyOf(kind: string, key: string): string {
    const text = key.length > 64 ? createHash('sha256').update(key).digest('hex') : key;
    return `${this.prefix}${kind}:${text}`;
  }
}
