import { API300_MAX_RECORDS, type Page } from '../../domain/models';
import { intRange, type InputIssue } from '../validation/checks';

/**
 * Cursor connections over API300's page-based lists.
 *
 * Cursor format (opaque to clients, stable for this major version): base64 of
 * `offset:<n>`, where n is the 0-based position of the record in the list of the same
 * filter. `after: c` starts the page at position c + 1. Positions shift when records are
 * inserted or removed before them between two requests (API300 pages by position too).
 */

export const PAGE_SIZE = intRange(1, API300_MAX_RECORDS);
export const DEFAULT_PAGE_SIZE = 50;

const CURSOR_PREFIX = 'offset:';

export function encodeCursor(offset: number): string {
  return Buffer.from(`${CURSOR_PREFIX}${offset}`, 'utf8').toString('base64');
}

/** The position a cursor stands for, or `null` when it is not one of ours. */
export function decodeCursor(cursor: string): number | null {
  const decoded = Buffer.from(cursor, 'base64').toString('utf8');
  if (!decoded.startsWith(CURSOR_PREFIX)) return null;
  const digits = decoded.slice(CURSOR_PREFIX.length);
  if (!/^(0|[1-9]\d*)$/.test(digits)) return null;
  const offset = Number(digits);
  return Number.isSafeInteger(offset) && encodeCursor(offset) === cursor ? offset : null;
}

export interface Slice {
  /** Position of the first record wanted. */
  offset: number;
  /** How many records are wanted, 1..500. */
  count: number;
}

/** Reads `first`/`after` into a slice, or the issues that make them invalid. */
export function readSlice(
  first: number | null | undefined,
  after: string | null | undefined,
): { slice: Slice; issues: InputIssue[] } {
  const issues: InputIssue[] = [];
  const count = first ?? DEFAULT_PAGE_SIZE;
  if (!PAGE_SIZE.accepts(count))
    issues.push({ field: 'first', value: count, allowed: PAGE_SIZE.allowed });
  let offset = 0;
  if (after !== null && after !== undefined) {
    const position = decodeCursor(after);
    if (position === null) {
      issues.push({
        field: 'after',
        value: after,
        allowed: 'a cursor from pageInfo.endCursor or edges.cursor',
      });
    } else {
      offset = position + 1;
    }
  }
  return { slice: { offset, count }, issues };
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

export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: {
    hasNextPage: boolean;
    hasPreviousPage: boolean;
    startCursor: string | null;
    endCursor: string | null;
  };
  totalCount: number | null;
}

/**
 * A connection over the records of `slice` as read from the list (`page.items`, starting at
 * `slice.offset`). `keep` filters locally; then edges keep their list positions as cursors,
 * `endCursor` points past the last record examined, and `totalCount` is null because the
 * list's count is not the number of records the filter lets through.
 */
export function toConnection<T>(
  slice: Slice,
  page: Page<T>,
): Connection<T> & { totalCount: number };
export function toConnection<T>(
  slice: Slice,
  page: Page<T>,
  keep?: (item: T) => boolean,
): Connection<T>;
export function toConnection<T>(
  slice: Slice,
  page: Page<T>,
  keep?: (item: T) => boolean,
): Connection<T> {
  const examined = page.items.length;
  const edges = page.items
    .map((node, i) => ({ cursor: encodeCursor(slice.offset + i), node }))
    .filter((edge) => !keep || keep(edge.node));
  return {
    edges,
    pageInfo: {
      hasNextPage: slice.offset + examined < page.totalCount,
      hasPreviousPage: slice.offset > 0,
      startCursor: examined > 0 ? encodeCursor(slice.offset) : null,
      endCursor: examined > 0 ? encodeCursor(slice.offset + examined - 1) : null,
    },
    totalCount: keep ? null : page.totalCount,
  };
}
