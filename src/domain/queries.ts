import type { ReservationStatus, TicketStatus } from './models';

/** Filters of `GetCustomers`. Empty lists and undefined mean "no filter". */
export interface CustomerQuery {
  numbers?: readonly number[];
  searchText?: string;
  changedSince?: Date | null;
  pageIndex: number;
  /** 1..500 */
  pageSize: number;
}

/** Filters of `GetReservations`, combined with AND. `from`/`to`: start in `[from, to)`. */
export interface ReservationQuery {
  ids?: readonly number[];
  /** 0 or undefined = every station. */
  stationNumber?: number;
  customerNumbers?: readonly number[];
  from?: Date | null;
  to?: Date | null;
  changedSince?: Date | null;
  pageIndex: number;
  pageSize: number;
}

/** Filters of `GetTickets`, combined with AND. */
export interface TicketQuery {
  numbers?: readonly string[];
  customerNumbers?: readonly number[];
  reservationIds?: readonly number[];
  changedSince?: Date | null;
  pageIndex: number;
  pageSize: number;
}

/** Order of a customer list. */
export type CustomerOrder = 'NAME' | 'NUMBER' | 'RELEVANCE';
/** Order of a reservation list. */
export type ReservationOrder = 'START' | 'ID';
/** Order of a ticket list. */
export type TicketOrder = 'VALID_FROM' | 'NUMBER';

/**
 * Keyset paging: `after` is an opaque position produced by this index for the same filter
 * and order (it names the sort key of the last record seen, not an offset), so a page that
 * follows a sync neither repeats nor skips a record that did not move.
 */
export interface FindPage {
  /** 1..500 records. */
  first: number;
  /** A `cursor` from an earlier page of the same filter and order, or undefined. */
  after?: string;
}

export interface CustomerFind extends FindPage {
  numbers?: readonly number[];
  /**
   * Words, all of which must match (contained, case-insensitive, German spelling folded:
   * `Mueller`/`Muller` find `Müller`, `ss` finds `ß`) in the fields API300 searches.
   */
  search?: string;
  changedSince?: Date;
  /** Default: `RELEVANCE` with `search`, else `NAME`. */
  orderBy?: CustomerOrder;
}

export interface ReservationFind extends FindPage {
  ids?: readonly number[];
  stationNumber?: number;
  customerNumbers?: readonly number[];
  /** Start in `[from, to)`. */
  from?: Date;
  to?: Date;
  statuses?: readonly ReservationStatus[];
  changedSince?: Date;
  /** Default `START`. */
  orderBy?: ReservationOrder;
}

export interface TicketFind extends FindPage {
  numbers?: readonly string[];
  customerNumbers?: readonly number[];
  reservationIds?: readonly number[];
  statuses?: readonly TicketStatus[];
  changedSince?: Date;
  /** Default `NUMBER`. */
  orderBy?: TicketOrder;
}

/** One page of a query answered locally: exact count of every match, a cursor per record. */
export interface FoundPage<T> {
  items: T[];
  /** Cursor of each item (same order), for `after`. */
  cursors: string[];
  totalCount: number;
  hasNextPage: boolean;
}
