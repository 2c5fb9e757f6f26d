import { createHash } from 'node:crypto';
import { API300_MAX_RECORDS } from '../../../domain/models';
import { compareCodeUnits } from '../../../domain/recordKinds';
import { MirrorCursorError, type FindPage, type FoundPage } from '../types';
import { lowerBound } from './sortedBucket';

/**
 * Orders and keyset cursors. Every order is a total order over a sort key that ends with
 * the record's key, so a position is the sort key of the last record seen: the next page
 * starts after it, whatever was inserted or deleted elsewhere in the meantime.
 */

export type SortKey = readonly (string | number)[];

export interface Order<E> {
  /** The order's name as the query gives it (part of the fingerprint). */
  readonly name: string;
  /** The type of each sort-key position, to validate a decoded cursor. */
  readonly shape: readonly ('string' | 'number')[];
  key(entry: E): SortKey;
  /** Same as comparing `key`s, without allocating. */
  compare(a: E, b: E): number;
}

/** Strings by UTF-16 code units (locale-independent, the same in every replica). */
export const compareText = compareCodeUnits;

export function compareKeys(a: SortKey, b: SortKey): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    return typeof x === 'number' && typeof y === 'number'
      ? x - y
      : compareText(String(x), String(y));
  }
  return 0;
}

/** Bumped when the cursor layout or an order changes: older cursors are then refused. */
const CURSOR_VERSION = 1;

/**
 * Identifies a query's filter and order in its cursors. `filter` must be normalised by the
 * caller (sorted unique lists, folded search words, instants as epoch ms) so that equal
 * filters written differently share cursors.
 */
export function fingerprint(kind: string, order: string, filter: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify([CURSOR_VERSION, kind, order, filter]))
    .digest('base64url')
    .slice(0, 16);
}

export function encodeCursor(print: string, key: SortKey): string {
  return Buffer.from(JSON.stringify([print, ...key])).toString('base64url');
}

/** The sort key a cursor names; `MirrorCursorError` when it is not one of this query's. */
export function decodeCursor(
  after: string,
  print: string,
  order: Order<unknown>,
  what: string,
): SortKey {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(after, 'base64url').toString('utf8'));
  } catch {
    decoded = undefined;
  }
  if (!Array.isArray(decoded) || typeof decoded[0] !== 'string') {
    throw new MirrorCursorError(
      `after: ${JSON.stringify(truncate(after))} is not a cursor of the mirror`,
    );
  }
  if (decoded[0] !== print) {
    throw new MirrorCursorError(
      `after: the cursor belongs to another filter or order than this ${what} query ` +
        `(order ${order.name}); a cursor is only valid with the filter and order of the page ` +
        'that returned it — start again without `after`',
    );
  }
  const key = decoded.slice(1) as unknown[];
  if (key.length !== order.shape.length || key.some((v, i) => typeof v !== order.shape[i])) {
    throw new MirrorCursorError(
      `after: ${JSON.stringify(truncate(after))} is not a cursor of the mirror`,
    );
  }
  return key as SortKey;
}

function truncate(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

/** `first` must be 1..500 (the API300 page cap, so a page never outgrows an upstream one). */
export function checkFirst(first: unknown): number {
  if (!Number.isInteger(first) || (first as number) < 1 || (first as number) > API300_MAX_RECORDS) {
    throw new RangeError(
      `first: ${String(first)} is not allowed; expected an integer 1..${API300_MAX_RECORDS}`,
    );
  }
  return first as number;
}

/**
 * One page out of every match in order: `totalCount` counts all of `matched`, the page holds
 * `first` records when that many follow the cursor.
 */
export function pageOf<E, T>(
  matched: readonly E[],
  order: Order<E>,
  find: FindPage,
  print: string,
  what: string,
  record: (entry: E) => T,
): FoundPage<T> {
  const first = checkFirst(find.first);
  let start = 0;
  if (find.after !== undefined) {
    const after = decodeCursor(find.after, print, order, what);
    start = lowerBound(matched, (e) => compareKeys(order.key(e), after) <= 0);
  }
  const slice = matched.slice(start, start + first);
  return {
    items: slice.map(record),
    cursors: slice.map((e) => encodeCursor(print, order.key(e))),
    totalCount: matched.length,
    hasNextPage: start + first < matched.length,
  };
}

/** Sorted unique values of a list filter; `undefined` for none (an empty list is no filter). */
export function normalizedList<T extends number | string>(
  values: readonly T[] | undefined,
): T[] | undefined {
  if (!values || values.length === 0) return undefined;
  const unique = [...new Set(values)];
  return typeof unique[0] === 'number'
    ? ((unique as number[]).sort((a, b) => a - b) as T[])
    : ((unique as string[]).sort(compareText) as T[]);
}

/** A Date filter as epoch ms; throws for an invalid Date, naming the field. */
export function instant(field: string, value: Date | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = value instanceof Date ? value.getTime() : Number.NaN;
  if (Number.isNaN(ms)) throw new RangeError(`${field}: ${String(value)} is not a valid Date`);
  return ms;
}
