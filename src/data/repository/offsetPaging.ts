import { API300_MAX_RECORDS, type Page } from '../../domain/models';
import { CursorError } from '../errors';
import type { ListPage } from './types';

/**
 * Offset paging over API300's position-based lists, for lists answered read-through.
 *
 * Cursor format (opaque to clients): base64 of `offset:<n>`, the 0-based position of the
 * record in the list of the same filter; `after: c` starts at position c + 1. Positions shift
 * when records are inserted or removed before them between two requests, as API300's own
 * pages do. Lists answered by the mirror use keyset cursors instead (src/data/mirror/index).
 */

const CURSOR_PREFIX = 'offset:';

export function encodeOffsetCursor(offset: number): string {
  return Buffer.from(`${CURSOR_PREFIX}${offset}`, 'utf8').toString('base64');
}

/** The position an offset cursor stands for, or `null` when it is not one. */
export function decodeOffsetCursor(cursor: string): number | null {
  const decoded = Buffer.from(cursor, 'base64').toString('utf8');
  if (!decoded.startsWith(CURSOR_PREFIX)) return null;
  const digits = decoded.slice(CURSOR_PREFIX.length);
  if (!/^(0|[1-9]\d*)$/.test(digits)) return null;
  const offset = Number(digits);
  return Number.isSafeInteger(offset) && encodeOffsetCursor(offset) === cursor ? offset : null;
}

export interface Slice {
  /** Position of the first record wanted. */
  offset: number;
  /** How many records are wanted, 1..500. */
  count: number;
}

/** The slice `first`/`after` name; throws `CursorError` for a cursor that is not an offset. */
export function sliceOf(first: number, after: string | undefined): Slice {
  if (after === undefined) return { offset: 0, count: first };
  const position = decodeOffsetCursor(after);
  if (position === null)
    throw new CursorError('`after` is not a cursor of this list (it may be from another list)');
  return { offset: position + 1, count: first };
}

export interface UpstreamPage {
  pageIndex: number;
  pageSize: number;
}

/**
 * The API300 pages (`pageIndex` × `pageSize`, size ≤ 500) that cover `slice`, fewest first:
 * one page whenever some page size between `count` and 500 holds the whole slice, else two
 * consecutive pages of size `count`.
 */
export function pagesFor(slice: Slice): UpstreamPage[] {
  const last = slice.offset + slice.count - 1;
  for (let pageSize = slice.count; pageSize <= API300_MAX_RECORDS; pageSize++) {
    const pageIndex = Math.floor(slice.offset / pageSize);
    if (Math.floor(last / pageSize) === pageIndex) return [{ pageIndex, pageSize }];
  }
  const pageIndex = Math.floor(slice.offset / slice.count);
  return [
    { pageIndex, pageSize: slice.count },
    { pageIndex: pageIndex + 1, pageSize: slice.count },
  ];
}

/**
 * Fetches exactly the records of `slice` with as few upstream pages as `pagesFor` allows.
 * `totalCount` is the one of the last page read.
 */
export async function fetchSlice<T>(
  slice: Slice,
  fetchPage: (page: UpstreamPage) => Promise<Page<T>>,
): Promise<Page<T>> {
  const pages = pagesFor(slice);
  const results = await Promise.all(pages.map(fetchPage));
  const firstPosition = pages[0].pageIndex * pages[0].pageSize;
  const items = results.flatMap((r) => r.items);
  const start = slice.offset - firstPosition;
  return {
    items: items.slice(start, start + slice.count),
    totalCount: results[results.length - 1].totalCount,
  };
}

/**
 * The list page of `slice` as read from API300 (`page.items`, starting at `slice.offset`).
 * `keep` filters locally (API300 cannot filter by status): items keep their list positions as
 * cursors, the last cursor points past the last record examined, so the next page goes on
 * from there, and `totalCount` is `null` because API300's count is not the number of records
 * the filter lets through.
 */
export function offsetListPage<T>(
  slice: Slice,
  page: Page<T>,
  keep?: (item: T) => boolean,
): ListPage<T> {
  const examined = page.items.length;
  const kept = page.items
    .map((item, i) => ({ item, cursor: encodeOffsetCursor(slice.offset + i) }))
    .filter(({ item }) => !keep || keep(item));
  return {
    items: kept.map((k) => k.item),
    cursors: kept.map((k) => k.cursor),
    endCursor: examined > 0 ? encodeOffsetCursor(slice.offset + examined - 1) : null,
    totalCount: keep ? null : page.totalCount,
    hasNextPage: slice.offset + examined < page.totalCount,
    source: 'upstream',
  };
}
