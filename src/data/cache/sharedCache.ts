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
 *
 * A write wins over a read that began before it, on every replica: a write (`set` with
 * `written`, `delete`) leaves a stamp beside the key (`…:written:<kind>:<key>`, the write's
 * instant, kept `WRITE_STAMP_TTL_MS`), and a read's answer (`fetchedFrom`: when its read
 * began) is stored only where no later write left a stamp — checked and stored in one script.
 */

/** How long a write's stamp is kept: longer than any read in flight may take (its timeout, 120 s at most, and pages). */
export const WRITE_STAMP_TTL_MS = 10 * 60 * 1000;

const STORE_SCRIPT = `
local mode = ARGV[3]
if mode == 'fetched' then
  local stamp = tonumber(redis.call('GET', KEYS[2]) or '-1')
  if stamp > tonumber(ARGV[4]) then return 0 end
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
redis.call('SET', KEYS[2], ARGV[4], 'PX', ARGV[5])
if mode == 'written' then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) else redis.call('DEL', KEYS[1]) end
return 1
`;

type RedisWithStore = Redis & {
  hypersoftCacheStore(
    valueKey: string,
    stampKey: string,
    value: string,
    ttlMs: number,
    mode: 'fetched' | 'written' | 'deleted',
    at: number,
    stampTtlMs: number,
  ): Promise<number>;
};

/** Where stored entries come from: a write at `written`, or a read that began at `fetchedFrom`. */
export type EntryOrigin = { written: number } | { fetchedFrom: number };

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
  setMany<V>(
    kind: string,
    entries: ReadonlyArray<readonly [string, StoredEntry<V>]>,
    origin: EntryOrigin,
  ): void;
  /** Forgets keys a write changed at `at` (epoch ms). */
  delete(kind: string, keys: readonly string[], at: number): void;
}

export class RedisSharedCache implements SharedCache {
  private readonly prefix: string;
  private readonly redis: RedisWithStore;

  /**
   * @param cipher names and seals entries; default: names hashed, values plain (development).
   */
  constructor(
    redis: Redis,
    tokenPairId: string,
    private readonly clock: Clock,
    private readonly cipher: RecordCipher = new RecordCipher([]),
  ) {
    const r = redis as RedisWithStore;
    if (typeof r.hypersoftCacheStore !== 'function')
      r.defineCommand('hypersoftCacheStore', { numberOfKeys: 2, lua: STORE_SCRIPT });
    this.redis = r;
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

  setMany<V>(
    kind: string,
    entries: ReadonlyArray<readonly [string, StoredEntry<V>]>,
    origin: EntryOrigin,
  ): void {
    if (entries.length === 0) return;
    const now = this.clock.now();
    const [mode, at] =
      'written' in origin
        ? (['written', origin.written] as const)
        : (['fetched', origin.fetchedFrom] as const);
    const pipeline = this.redis.pipeline() as unknown as RedisWithStore & {
      exec(): Promise<unknown>;
    };
    for (const [key, entry] of entries) {
      const name = this.keyOf(kind, key, 0);
      void pipeline.hypersoftCacheStore(
        name,
        this.stampOf(kind, key),
        this.cipher.seal(encode(entry), name),
        Math.max(1, Math.round(entry.staleUntil - now)),
        mode,
        at,
        WRITE_STAMP_TTL_MS,
      );
    }
    pipeline.exec().catch(() => undefined);
  }

  delete(kind: string, keys: readonly string[], at: number): void {
    if (keys.length === 0) return;
    const pipeline = this.redis.pipeline() as unknown as RedisWithStore & {
      exec(): Promise<unknown>;
    };
    for (const key of keys) {
      void pipeline.hypersoftCacheStore(
        this.keyOf(kind, key, 0),
        this.stampOf(kind, key),
        '',
        1,
        'deleted',
        at,
        WRITE_STAMP_TTL_MS,
      );
    }
    // Entries named under an older encryption key (during a rotation) go too.
    const older: string[] = [];
    for (let generation = 1; generation < this.cipher.generations; generation++) {
      for (const key of keys) older.push(this.keyOf(kind, key, generation));
    }
    if (older.length > 0) void pipeline.del(...older);
    pipeline.exec().catch(() => undefined);
  }

  private stampOf(kind: string, key: string): string {
    return this.keyOf(`written:${kind}`, key, 0);
  }

  private keyOf(kind: string, key: string, generation: number): string {
    return `${this.prefix}${kind}:${this.cipher.name(kind, key, generation)}`;
  }
}
