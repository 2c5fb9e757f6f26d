import type { RecordChange } from '../../../domain/changes';
import { type KeyedKind } from '../../../domain/models';
import { frozenRecord, keyOf, replaces, sameRecord } from '../records';
import type { KeyOf, RecordOf } from '../types';
import { SortedBucket } from './sortedBucket';

/** Up to this many moved entries per batch are inserted in place rather than appended. */
const INSERT_AT_ONCE = 16;

/** What a table holds per record: the frozen record and whatever its orders need. */
export interface Entry<R> {
  readonly record: R;
}

/** Secondary index: one sorted bucket per value of a field (station, customer, …). */
export class GroupIndex<G, E> {
  private readonly groups = new Map<G, SortedBucket<E>>();
  private readonly touched = new Set<G>();

  constructor(private readonly compare: (a: E, b: E) => number) {}

  /** The bucket of `group`, created when missing (an empty one is dropped by `prune`). */
  bucket(group: G): SortedBucket<E> {
    let bucket = this.groups.get(group);
    if (!bucket) {
      bucket = new SortedBucket(this.compare);
      this.groups.set(group, bucket);
    }
    this.touched.add(group);
    return bucket;
  }

  /** The entries of `group` in order; empty when none. */
  view(group: G): readonly E[] {
    return this.groups.get(group)?.view() ?? [];
  }

  prune(): void {
    for (const group of this.touched) {
      if (this.groups.get(group)?.size === 0) this.groups.delete(group);
    }
    this.touched.clear();
  }

  clear(): void {
    this.groups.clear();
    this.touched.clear();
  }
}

/** What the index reads of any table by key, typed by the kind. */
export interface KeyedTable<K extends KeyedKind> {
  readonly size: number;
  get(key: KeyOf[K]): RecordOf[K] | undefined;
  keys(): KeyOf[K][];
  plan(put?: readonly RecordOf[K][], remove?: readonly KeyOf[K][]): TablePlan<K>;
  commit(plan: TablePlan<K>, changes?: RecordChange[]): number;
}

/**
 * The records of one kind by key, and the buckets (ordered views, secondary indexes) each
 * entry is placed in. Applying changes runs in two phases so that a batch costs one re-sort
 * per bucket at most: first every replaced or deleted entry leaves its buckets (or is
 * swapped in place where its sort key stays), then the moved and new entries are added.
 */
export abstract class RecordTable<
  K extends KeyedKind,
  E extends Entry<RecordOf[K]>,
> implements KeyedTable<K> {
  protected readonly entries = new Map<KeyOf[K], E>();

  constructor(private readonly kind: K) {}

  protected abstract entryOf(record: RecordOf[K]): E;
  /** Every bucket the entry belongs in (group buckets are created on demand). */
  protected abstract placements(entry: E): SortedBucket<E>[];
  protected abstract groups(): GroupIndex<unknown, E>[];
  protected abstract clearBuckets(): void;

  get size(): number {
    return this.entries.size;
  }

  get(key: KeyOf[K]): RecordOf[K] | undefined {
    return this.entries.get(key)?.record;
  }

  keys(): KeyOf[K][] {
    return [...this.entries.keys()];
  }

  clear(): void {
    this.entries.clear();
    this.clearBuckets();
    for (const group of this.groups()) group.clear();
  }

  /**
   * Puts (newer-or-equal `changed` wins, in the order given) and deletes (a key both put
   * and deleted in one batch ends deleted) — checked and copied without touching the table,
   * so that a bad record (an invalid Date) fails the whole batch before anything changed.
   */
  plan(put: readonly RecordOf[K][] = [], remove: readonly KeyOf[K][] = []): TablePlan<K> {
    const winners = new Map<KeyOf[K], RecordOf[K]>();
    for (const record of put) {
      const key = keyOf(this.kind, record);
      if (replaces(record, winners.get(key) ?? this.entries.get(key)?.record)) {
        winners.set(key, frozenRecord(this.kind, record));
      }
    }
    for (const key of remove) winners.delete(key);
    return { winners, remove };
  }

  /**
   * Applies a plan; returns how many records were written or removed (an equal put counts
   * nothing). Each of those is appended to `changes` when given (held version, new version).
   */
  commit({ winners, remove }: TablePlan<K>, changes?: RecordChange[]): number {
    let changed = 0;
    const note = (before: RecordOf[K] | null, after: RecordOf[K] | null) =>
      changes?.push({ kind: this.kind, before, after } as RecordChange);
    for (const key of remove) {
      const held = this.entries.get(key);
      if (!held) continue;
      for (const bucket of this.placements(held)) bucket.remove(held);
      this.entries.delete(key);
      note(held.record, null);
      changed++;
    }
    const moves: { next: E; into: SortedBucket<E>[] }[] = [];
    for (const [key, record] of winners) {
      const held = this.entries.get(key);
      if (held && sameRecord(held.record, record)) continue;
      const next = this.entryOf(record);
      const into = this.placements(next);
      if (held) {
        for (const bucket of this.placements(held)) {
          const at = into.indexOf(bucket);
          if (at >= 0 && bucket.replace(held, next)) into.splice(at, 1);
          else bucket.remove(held);
        }
      }
      this.entries.set(key, next);
      moves.push({ next, into });
      note(held?.record ?? null, record);
      changed++;
    }
    // A few moves (a write's read-back, a small delta) go straight to their places; many (a
    // load) are appended and sorted once on the next read.
    const place = moves.length <= INSERT_AT_ONCE ? 'insert' : 'add';
    for (const { next, into } of moves) for (const bucket of into) bucket[place](next);
    for (const group of this.groups()) group.prune();
    return changed;
  }
}

export interface TablePlan<K extends KeyedKind> {
  readonly winners: ReadonlyMap<KeyOf[K], RecordOf[K]>;
  readonly remove: readonly KeyOf[K][];
}
