import { API300_MAX_RECORDS } from '../../domain/models';
import type { ListPage } from '../../data/repository/types';
import { intRange, type InputIssue } from '../validation/checks';

/** Allowed values of a list's `first` argument: 1 up to one API300 page. */
export const FIRST_RANGE = intRange(1, API300_MAX_RECORDS);
export const DEFAULT_FIRST = 50;

/** `first` as given (or its default), or the issue that makes it invalid. */
export function readFirst(first: number | null | undefined): {
  first: number;
  issues: InputIssue[];
} {
  const value = first ?? DEFAULT_FIRST;
  return FIRST_RANGE.accepts(value)
    ? { first: value, issues: [] }
    : { first: DEFAULT_FIRST, issues: [{ field: 'first', value, allowed: FIRST_RANGE.allowed }] };
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

/** A Relay connection over one list page; `after` is the cursor the page was asked after. */
export function toConnection<T>(page: ListPage<T>, after: string | undefined): Connection<T> {
  return {
    edges: page.items.map((node, i) => ({ cursor: page.cursors[i], node })),
    pageInfo: {
      hasNextPage: page.hasNextPage,
      hasPreviousPage: after !== undefined,
      startCursor: page.cursors[0] ?? null,
      endCursor: page.endCursor,
    },
    totalCount: page.totalCount,
  };
}
