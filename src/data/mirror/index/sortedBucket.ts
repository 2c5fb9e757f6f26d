/**
 * A set of entries kept in one order, for the index's ordered views and secondary indexes.
 * `compare` must be a total order whose ties are the same entry (every order ends with the
 * record's key): `remove` finds an entry by its sort key.
 *
 * Cheap in both ways the index changes: a bulk load pushes unsorted and sorts once on the
 * next read; a small delta removes by binary search and appends, and the next read re-sorts
 * an almost sorted array (TimSort: close to linear). Removing an entry must happen while its
 * sort key is still the one it was added with.
 */
export class SortedBucket<E> {
  private items: E[] = [];
  private sorted = true;
  private removed = new Set<E>();

  constructor(private readonly compare: (a: E, b: E) => number) {}

  get size(): number {
    return this.items.length - this.removed.size;
  }

  add(entry: E): void {
    if (this.removed.has(entry)) this.flushRemovals();
    const last = this.items[this.items.length - 1];
    if (last !== undefined && this.sorted && this.compare(last, entry) > 0) this.sorted = false;
    this.items.push(entry);
  }

  /**
   * Adds at the entry's place at once (binary search, one array move): for a few changes
   * to a large sorted bucket, cheaper than re-sorting it on the next read. Unsorted: `add`.
   */
  insert(entry: E): void {
    if (!this.sorted || this.removed.has(entry)) {
      this.add(entry);
      return;
    }
    const at = lowerBound(this.items, (e) => this.compare(e, entry) < 0);
    this.items.splice(at, 0, entry);
  }

  remove(entry: E): void {
    if (!this.sorted) {
      this.removed.add(entry);
      return;
    }
    const at = lowerBound(this.items, (e) => this.compare(e, entry) < 0);
    if (at < this.items.length && this.compare(this.items[at], entry) === 0) {
      this.items.splice(at, 1);
    }
  }

  /**
   * Swaps `next` in for `held` where they share a sort key (the same place): true when done,
   * false when the keys differ (remove `held`, add `next` instead).
   */
  replace(held: E, next: E): boolean {
    if (this.compare(held, next) !== 0) return false;
    const items = this.view() as E[];
    const at = lowerBound(items, (e) => this.compare(e, held) < 0);
    if (at < items.length && this.compare(items[at], held) === 0) items[at] = next;
    else this.add(next);
    return true;
  }

  /** The entries in order. Valid until the next change; callers must not modify it. */
  view(): readonly E[] {
    if (this.removed.size > 0) this.flushRemovals();
    if (!this.sorted) {
      this.items.sort(this.compare);
      this.sorted = true;
    }
    return this.items;
  }

  clear(): void {
    this.items = [];
    this.sorted = true;
    this.removed.clear();
  }

  private flushRemovals(): void {
    const removed = this.removed;
    this.items = this.items.filter((e) => !removed.has(e));
    this.removed = new Set();
  }
}

/** The first index whose element is not `before` (elements are `before` up to a point). */
export function lowerBound<E>(items: readonly E[], before: (e: E) => boolean): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(items[mid])) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
