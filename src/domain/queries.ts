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
