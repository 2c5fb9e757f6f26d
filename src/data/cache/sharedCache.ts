import type { Redis } from 'ioredis';
import type { Clock } from '../../platform/clock';
import { RecordCipher } from './recordCipher';
import { decode, encode } from './recordCodec';

/**
 * The entity cache's second level in Redis, shared by the replicas of one token pair: keys
 * `hypersoft:<tokenPairId>:cache:<kind>:<name>` — `name` a keyed hash of the cache key, never
 * the key itself (a search text) — the entry's own freshness in the value, sealed with
 * AES-256-GCM when a key is configured (recordCipher.ts), and Redis expiry at the end of its
 * stale window (so the same TTLs as in memory). The composition root leaves this level out
 * in production without `CACHE_ENCRYPTION_KEY`, so records never lie in Redis in plain text.
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

  /**
   * @param cipher names and seals entries; default: names hashed, values plain (development).
   */
  constructor(
    private readonly redis: Redis,
    tokenPairId: string,
    private readonly clock: Clock,
    private readonly cipher: RecordCipher = new RecordCipher([]),
  ) {
    this.prefix = `hypersoft:${tokenPairId}:cache:`;
  }

  /** Looks each key up under the current key's name, then (during a rotation) the older ones'. */
  async getMany<V>(kind: string, keys: readonly string[]): Promise<(StoredEntry<V> | null)[]> {
    const found: (StoredEntry<V> | null)[] = keys.map(() => null);
    let pending = keys.map((_, i) => i);
    try {
      for (let generation = 0; generation < this.cipher.generations; generation++) {
        if (pending.length === 0) break;
        const names = pending.map((i) => this.keyOf(kind, keys[i], generation));
        const texts = await this.redis.mget(...names);
        const missed: number[] = [];
        pending.forEach((i, j) => {
          const text = texts[j];
          const plain =
            text === null || text === undefined ? null : this.cipher.open(text, names[j]);
          if (plain === null) missed.push(i);
          else found[i] = decode<StoredEntry<V>>(plain);
        });
        pending = missed;
      }
      return found;
    } catch {
      return keys.map(() => null);
    }
  }

  setMany<V>(kind: string, entries: ReadonlyArray<readonly [string, StoredEntry<V>]>): void {
    if (entries.length === 0) return;
    const now = this.clock.now();
    const pipeline = this.redis.pipeline();
    for (const [key, entry] of entries) {
      const name = this.keyOf(kind, key, 0);
      pipeline.set(
        name,
        this.cipher.seal(encode(entry), name),
        'PX',
        Math.max(1, Math.round(entry.staleUntil - now)),
      );
    }
    pipeline.exec().catch(() => undefined);
  }

  delete(kind: string, keys: readonly string[]): void {
    if (keys.length === 0) return;
    const names: string[] = [];
    for (let generation = 0; generation < this.cipher.generations; generation++) {
      for (const key of keys) names.push(this.keyOf(kind, key, generation));
    }
    this.redis.del(...names).catch(() => undefined);
  }

  private keyOf(kind: string, key: string, generation: number): string {
    return `${this.prefix}${kind}:${this.cipher.name(kind, key, generation)}`;
  }
}
