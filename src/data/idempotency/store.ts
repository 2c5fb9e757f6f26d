import type { Clock } from '../../platform/clock';

/**
 * Where idempotency keys live (docs/graphql-api.md, "Write outcomes and retries"): one entry
 * per key, for `IDEMPOTENCY_RETENTION_MS` after the key's first attempt. Three stores with one
 * contract — memory (one process), Redis (`REDIS_URL`), PostgreSQL (`MIRROR_DATABASE_URL`) —
 * so a retry reaching another replica finds the first attempt's entry.
 *
 * The contract (every operation atomic in its store):
 * - `claim` puts the entry when the key is free or its entry has expired, and answers `null`;
 *   otherwise it answers the entry that holds the key, unchanged;
 * - `replace` swaps the entry for another, or (`null`) removes it, only while `owner` is the
 *   entry's owner — a compare-and-set that lets exactly one retry take over an entry;
 * - a failure of the store rejects; nothing is assumed.
 */

/** How long a key is kept after its first attempt: a day, as the issue and common practice ask. */
export const IDEMPOTENCY_RETENTION_MS = 24 * 60 * 60 * 1000;

export interface IdempotencyEntry {
  /** Hash of the mutation field and its arguments: the same key with other input is refused. */
  fingerprint: string;
  /**
   * `pending`: an attempt runs (until `heldUntil`; after that it counts as `unknown`);
   * `done`: `outcome` is the answer for every retry; `unknown`: the write may have been
   * applied — the next retry reads back from `firstAttemptAt` before writing.
   */
  state: 'pending' | 'done' | 'unknown';
  /** When the first attempt started (epoch ms): a read-back looks from here. */
  firstAttemptAt: number;
  /** `pending`: when the attempt's hold ends (a crashed replica's attempt ends by itself). */
  heldUntil: number;
  /** A random id of the attempt that holds the entry. */
  owner: string;
  /** `done`: the answer, encoded (src/data/cache/recordCodec.ts). */
  outcome?: string;
}

export interface IdempotencyStore {
  /** Epoch ms by the store's clock (the data path's). */
  now(): number;
  claim(key: string, entry: IdempotencyEntry): Promise<IdempotencyEntry | null>;
  /** True when `owner` held the entry and it was replaced (or removed, for `null`). */
  replace(key: string, owner: string, next: IdempotencyEntry | null): Promise<boolean>;
  close(): Promise<void>;
}

/** Expiry of an entry: a day after the key's first attempt. */
export function expiresAt(entry: IdempotencyEntry): number {
  return entry.firstAttemptAt + IDEMPOTENCY_RETENTION_MS;
}

/** Keys of one process, in a Map; expired entries are dropped as they are met and every hour. */
export class MemoryIdempotencyStore implements IdempotencyStore {
  private readonly entries = new Map<string, IdempotencyEntry>();
  private lastSweep = 0;

  constructor(private readonly clock: Clock) {}

  now(): number {
    return this.clock.now();
  }

  claim(key: string, entry: IdempotencyEntry): Promise<IdempotencyEntry | null> {
    this.sweep();
    const held = this.entries.get(key);
    if (held && expiresAt(held) > this.now()) return Promise.resolve(held);
    this.entries.set(key, entry);
    return Promise.resolve(null);
  }

  replace(key: string, owner: string, next: IdempotencyEntry | null): Promise<boolean> {
    const held = this.entries.get(key);
    if (!held || held.owner !== owner) return Promise.resolve(false);
    if (next === null) this.entries.delete(key);
    else this.entries.set(key, next);
    return Promise.resolve(true);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private sweep(): void {
    const now = this.now();
    if (now - this.lastSweep < 60 * 60 * 1000) return;
    this.lastSweep = now;
    for (const [key, entry] of this.entries) if (expiresAt(entry) <= now) this.entries.delete(key);
  }
}
