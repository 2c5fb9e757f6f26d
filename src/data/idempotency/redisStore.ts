import type { Redis } from 'ioredis';
import type { Clock } from '../../platform/clock';
import { RecordCipher } from '../cache/recordCipher';
import { expiresAt, type IdempotencyEntry, type IdempotencyStore } from './store';

/**
 * Idempotency keys in Redis, shared by every replica of the token pair: one string per key
 * (`hypersoft:<tokenPairId>:idempotency:<key>`, the entry as JSON) expiring a day after the
 * key's first attempt. `claim` is `SET NX` (then `GET` of the holder); `replace` compares the
 * owner and swaps in one Lua script, so exactly one retry takes over an entry. The outcome (it
 * may hold a customer's record) is sealed with the cache's cipher, bound to the key's name, so
 * no personal value lies in Redis in plain text when `CACHE_ENCRYPTION_KEY` is set; the
 * composition root does not use this store in production without it.
 */

const REPLACE_SCRIPT = `
local held = redis.call('GET', KEYS[1])
if not held then return 0 end
if cjson.decode(held).owner ~= ARGV[1] then return 0 end
if ARGV[2] == '' then redis.call('DEL', KEYS[1]) else redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) end
return 1
`;

type RedisWithReplace = Redis & {
  hypersoftIdempotencyReplace(
    key: string,
    owner: string,
    next: string,
    ttlMs: number,
  ): Promise<number>;
};

export class RedisIdempotencyStore implements IdempotencyStore {
  private readonly redis: RedisWithReplace;
  private readonly prefix: string;

  constructor(
    redis: Redis,
    tokenPairId: string,
    private readonly clock: Clock,
    private readonly cipher: RecordCipher = new RecordCipher([]),
  ) {
    const r = redis as RedisWithReplace;
    if (typeof r.hypersoftIdempotencyReplace !== 'function')
      r.defineCommand('hypersoftIdempotencyReplace', { numberOfKeys: 1, lua: REPLACE_SCRIPT });
    this.redis = r;
    this.prefix = `hypersoft:${tokenPairId}:idempotency:`;
  }

  now(): number {
    return this.clock.now();
  }

  async claim(key: string, entry: IdempotencyEntry): Promise<IdempotencyEntry | null> {
    const redisKey = this.prefix + key;
    for (;;) {
      const taken = await this.redis.set(
        redisKey,
        this.encode(entry, redisKey),
        'PX',
        this.ttl(entry),
        'NX',
      );
      if (taken === 'OK') return null;
      const held = await this.redis.get(redisKey);
      // Expired between the two commands: try again.
      if (held !== null) return this.decode(held, redisKey);
    }
  }

  async replace(key: string, owner: string, next: IdempotencyEntry | null): Promise<boolean> {
    const redisKey = this.prefix + key;
    const done = await this.redis.hypersoftIdempotencyReplace(
      redisKey,
      owner,
      next === null ? '' : this.encode(next, redisKey),
      next === null ? 1 : this.ttl(next),
    );
    return done === 1;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private encode(entry: IdempotencyEntry, redisKey: string): string {
    if (entry.outcome === undefined) return JSON.stringify(entry);
    return JSON.stringify({ ...entry, outcome: this.cipher.seal(entry.outcome, redisKey) });
  }

  /** An entry whose outcome no configured key opens (a rotated-out key) counts as unknown. */
  private decode(text: string, redisKey: string): IdempotencyEntry {
    const entry = JSON.parse(text) as IdempotencyEntry;
    if (entry.outcome === undefined) return entry;
    const outcome = this.cipher.open(entry.outcome, redisKey);
    if (outcome !== null) return { ...entry, outcome };
    const unopened: IdempotencyEntry = { ...entry, state: 'unknown' };
    delete unopened.outcome;
    return unopened;
  }

  private ttl(entry: IdempotencyEntry): number {
    return Math.max(1, Math.round(expiresAt(entry) - this.clock.now()));
  }
}
