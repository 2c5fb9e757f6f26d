import { LRUCache } from 'lru-cache';
import type { Clock } from '../../platform/clock';
import { Coalescer, type CoalescerSpec } from '../gate/coalescer';
import type { UpstreamGate } from '../gate/gate';
import type { ReadOptions } from '../options';
import type { EntryOrigin, SharedCache, StoredEntry } from './sharedCache';

/**
 * The process-wide cache of one entity kind (customers by number, reservation lists by
 * customer, search pages by query …), over the gate's coalescer. Contracts:
 *
 * - Bounded: an LRU with `max` entries and a TTL (lru-cache), always both.
 * - Fresh for `ttlMs`; then for `staleMs` more it is served STALE while ONE background
 *   refresh per key runs at the gate's lowest priority (stale-while-revalidate). A refresh
 *   that fails leaves the stale entry in place, so it keeps being served until its stale
 *   window ends (stale-if-error); blocked, rate-limited or unreachable upstream never fails a
 *   read the cache can answer. After a failed refresh the key is not refreshed again for
 *   `refreshBackoffMs`, so a failing upstream cannot drain the budget on refreshes.
 * - A read never outlives its request's deadline (the coalescer's contract); a late answer
 *   still fills the cache for the next request.
 * - "Not found" (a key missing from upstream's reply) is cached for `notFoundTtlMs`, never
 *   served stale.
 * - Misses go to the coalescer: single flight per key, merged with every concurrent caller.
 * - With a `SharedCache` (Redis) misses look there before upstream, and everything fetched or
 *   written is stored there too, with the same freshness.
 * - A write wins over a read that started before it: a batch answers for the keys a write
 *   stored (`set`) or dropped (`delete`) after the batch began, and is not stored for them —
 *   its value is older than the write's (a per-key write generation, checked before storing).
 * - Holds only upstream data, never per-request state; callers get the cached objects and
 *   must not mutate them.
 */

export interface EntityCacheOptions<K, V> extends CoalescerSpec<K, V> {
  /** Names the kind in the shared cache's keys (e.g. `customer`). */
  kind: string;
  gate: UpstreamGate;
  clock: Clock;
  max: number;
  ttlMs: number;
  staleMs: number;
  notFoundTtlMs: number;
  shared?: SharedCache | null;
  /** Deadline of a background refresh from its start (default 60 000 ms, one budget window). */
  refreshDeadlineMs?: number;
  /** Pause before a key whose refresh failed is refreshed again (default: `ttlMs`, within 1–10 s). */
  refreshBackoffMs?: number;
}

export interface CacheCounters {
  /** Keys answered from a fresh entry (memory or Redis), found or not found. */
  hits: number;
  /** Keys that needed an upstream read. */
  misses: number;
  /** Keys answered from an entry past its TTL. */
  staleServes: number;
}

export class EntityCache<K extends string | number, V extends object> {
  readonly counters: CacheCounters = { hits: 0, misses: 0, staleServes: 0 };
  private readonly lru: LRUCache<K, StoredEntry<V>>;
  private readonly coalescer: Coalescer<K, V>;
  private readonly refreshing = new Set<K>();
  /** Keys whose last refresh failed, until when no new refresh starts. */
  private readonly refreshPaused: LRUCache<K, number>;
  /** Counts writes (`set`, `delete`); `writtenAt` holds each key's count at its last write. */
  private writes = 0;
  private readonly writtenAt: LRUCache<K, number>;
  /** The write count and the instant when each batch answer's fetch began. */
  private readonly fetchedAfter = new WeakMap<ReadonlyMap<K, V>, { writes: number; at: number }>();

  constructor(private readonly options: EntityCacheOptions<K, V>) {
    this.lru = new LRUCache<K, StoredEntry<V>>({
      max: options.max,
      ttl: Math.max(1, options.ttlMs + options.staleMs),
      // Time comes from the injected clock, read on every check (no cached "now").
      perf: { now: () => options.clock.now() },
      ttlResolution: 0,
    });
    this.refreshPaused = new LRUCache<K, number>({ max: options.max });
    this.writtenAt = new LRUCache<K, number>({ max: options.max });
    this.coalescer = new Coalescer<K, V>(options.gate, {
      maxKeys: options.maxKeys,
      fetch: async (keys, call) => {
        const began = { writes: this.writes, at: options.clock.now() };
        const found = await options.fetch(keys, call);
        this.fetchedAfter.set(found, began);
        return found;
      },
      onFetched: (keys, found) => {
        const began = this.fetchedAfter.get(found) ?? { writes: -1, at: -1 };
        this.storeFetched(
          keys.filter((key) => (this.writtenAt.get(key) ?? -1) <= began.writes),
          found,
          began.at,
        );
        options.onFetched?.(keys, found);
      },
    });
  }

  /** The found keys of `keys`, from cache where it can, from upstream (coalesced) where it must. */
  async getMany(keys: readonly K[], options: ReadOptions): Promise<Map<K, V>> {
    const found = new Map<K, V>();
    let missing: K[] = [];
    const served = { hit: 0, stale: 0 };
    for (const key of new Set(keys)) {
      const entry = this.lru.get(key);
      if (entry && this.serve(key, entry, found, served)) continue;
      missing.push(key);
    }
    if (missing.length > 0 && this.options.shared) {
      const stored = await this.options.shared.getMany<V>(this.options.kind, missing.map(String));
      const stillMissing: K[] = [];
      missing.forEach((key, i) => {
        const entry = stored[i];
        if (entry && this.serve(key, entry, found, served)) this.remember(key, entry);
        else stillMissing.push(key);
      });
      missing = stillMissing;
    }
    this.count(options, served.hit, missing.length, served.stale);
    if (missing.length > 0) {
      for (const [key, value] of await this.coalescer.load(missing, options)) found.set(key, value);
    }
    return found;
  }

  /** Stores what upstream stored (after a write); memory and shared. */
  set(key: K, value: V): void {
    this.wrote([key]);
    const now = this.options.clock.now();
    this.put({ written: now }, [
      [
        key,
        {
          value,
          freshUntil: now + this.options.ttlMs,
          staleUntil: now + this.options.ttlMs + this.options.staleMs,
        },
      ],
    ]);
  }

  /** Forgets keys whose upstream value changed in a way not known here; memory and shared. */
  delete(keys: readonly K[]): void {
    this.wrote(keys);
    for (const key of keys) this.lru.delete(key);
    this.options.shared?.delete(this.options.kind, keys.map(String), this.options.clock.now());
  }

  /** Forgets every entry of this process (the shared level keeps its entries until they expire). */
  clearLocal(): void {
    this.lru.clear();
  }

  private wrote(keys: readonly K[]): void {
    this.writes++;
    for (const key of keys) this.writtenAt.set(key, this.writes);
  }

  get size(): number {
    return this.lru.size;
  }

  /** Stores a batch answer: found keys as values, missing keys as "not found". */
  private storeFetched(keys: readonly K[], found: ReadonlyMap<K, V>, fetchedFrom: number): void {
    const now = this.options.clock.now();
    const { ttlMs, staleMs, notFoundTtlMs } = this.options;
    this.put(
      { fetchedFrom },
      keys.map((key) => {
        const value = found.get(key);
        return value === undefined
          ? [key, { value: null, freshUntil: now + notFoundTtlMs, staleUntil: now + notFoundTtlMs }]
          : [key, { value, freshUntil: now + ttlMs, staleUntil: now + ttlMs + staleMs }];
      }),
    );
  }

  private put(origin: EntryOrigin, entries: ReadonlyArray<readonly [K, StoredEntry<V>]>): void {
    for (const [key, entry] of entries) this.remember(key, entry);
    this.options.shared?.setMany(
      this.options.kind,
      entries.map(([key, entry]) => [String(key), entry] as const),
      origin,
    );
  }

  private remember(key: K, entry: StoredEntry<V>): void {
    const ttl = Math.round(entry.staleUntil - this.options.clock.now());
    if (ttl >= 1) this.lru.set(key, entry, { ttl });
  }

  /** Serves `entry` into `found` if it may still be served; starts a refresh when stale. */
  private serve(
    key: K,
    entry: StoredEntry<V>,
    found: Map<K, V>,
    served: { hit: number; stale: number },
  ): boolean {
    const now = this.options.clock.now();
    if (now >= entry.staleUntil) return false;
    if (entry.value !== null) found.set(key, entry.value);
    if (now < entry.freshUntil) {
      served.hit++;
    } else {
      served.stale++;
      this.refresh(key);
    }
    return true;
  }

  private refresh(key: K): void {
    if (this.refreshing.has(key)) return;
    const now = this.options.clock.now();
    const pausedUntil = this.refreshPaused.get(key);
    if (pausedUntil !== undefined && now < pausedUntil) return;
    this.refreshing.add(key);
    const deadline = now + (this.options.refreshDeadlineMs ?? 60_000);
    const backoff =
      this.options.refreshBackoffMs ?? Math.max(1_000, Math.min(this.options.ttlMs, 10_000));
    this.coalescer
      .load([key], { deadline, priority: 'background' })
      .then(
        () => this.refreshPaused.delete(key),
        // stale-if-error: the stale entry stays, and the key rests before the next try.
        () => this.refreshPaused.set(key, this.options.clock.now() + backoff),
      )
      .finally(() => this.refreshing.delete(key));
  }

  private count(options: ReadOptions, hits: number, misses: number, stale: number): void {
    this.counters.hits += hits;
    this.counters.misses += misses;
    this.counters.staleServes += stale;
    if (hits > 0) options.accounting?.cache('hit', hits);
    if (misses > 0) options.accounting?.cache('miss', misses);
    if (stale > 0) options.accounting?.cache('stale', stale);
  }
}
