import type { RequestAccounting } from '../observability/accounting';

/**
 * Domain model of the Hypersoft data this subgraph serves, and the contracts between the
 * layers of the data path (DESIGN.md §2):
 *
 *   resolvers → loaders → `Hypersoft` (entity cache + gate) → `Api300` (the SOAP client)
 *
 * Everything here is plain data in GraphQL-friendly naming. The API300 client maps SOAP ⇄
 * these types (Berlin wall-clock ⇄ instants, Date/Time fields, enums); no other layer sees a
 * SOAP name.
 */

/**
 * Most records API300 takes or returns in one call: keys per list filter, records per
 * upload (more → Status 31) and records per page (CONTRACT.md §3). Every batch, chunk and
 * page size of the data path derives from it.
 */
export const API300_MAX_RECORDS = 500;

/** `Gender` of CONTRACT.md §9 (0 unknown, 1 male, 2 female, 3 diverse). */
export type Gender = 'UNKNOWN' | 'MALE' | 'FEMALE' | 'DIVERSE';

/** Reservation `Status` (0 requested … 5 no-show). */
export type ReservationStatus =
  'REQUESTED' | 'CONFIRMED' | 'SEATED' | 'COMPLETED' | 'CANCELLED' | 'NO_SHOW';

/** Ticket `Status` (0 valid, 1 redeemed, 2 cancelled). */
export type TicketStatus = 'VALID' | 'REDEEMED' | 'CANCELLED';

/**
 * A customer master record. Strings are `null` when API300 leaves them out or empty.
 * `birthday` is a calendar date `YYYY-MM-DD`; `reachableFrom`/`reachableTo` are times of day
 * `HH:MM:SS`; `created`/`changed` are instants (converted from Berlin wall-clock).
 */
export interface Customer {
  number: number;
  salutation: string | null;
  firstName: string | null;
  lastName: string | null;
  company: string | null;
  alias: string | null;
  gender: Gender;
  birthday: string | null;
  street: string | null;
  zipCode: string | null;
  city: string | null;
  country: string | null;
  phonePrivate: string | null;
  phoneBusiness: string | null;
  mobile: string | null;
  fax: string | null;
  email: string | null;
  homepage: string | null;
  reachableFrom: string | null;
  reachableTo: string | null;
  cardNumber: string | null;
  discount: number;
  priceLevel: number;
  creditLimit: number;
  locked: boolean;
  favourite: boolean;
  memo: string | null;
  created: Date;
  changed: Date;
}

/** The whole record `SetCustomer` writes (`number = 0` creates). Every field is sent. */
export type CustomerWrite = Omit<Customer, 'created' | 'changed'>;

export interface Reservation {
  id: number;
  stationNumber: number;
  /** `null` when API300 says 0 (no customer). */
  customerNumber: number | null;
  guestName: string | null;
  phone: string | null;
  email: string | null;
  start: Date;
  durationMinutes: number;
  persons: number;
  tables: string | null;
  status: ReservationStatus;
  comment: string | null;
  created: Date;
  changed: Date;
}

/** The whole record `SetReservation` writes (`id = 0` creates). */
export type ReservationWrite = Omit<Reservation, 'created' | 'changed'>;

export interface Ticket {
  number: string;
  articleNumber: number;
  articleName: string | null;
  /** `null` when API300 says 0 (anonymous). */
  customerNumber: number | null;
  /** `null` when API300 says 0 (no reservation). */
  reservationId: number | null;
  validFrom: Date;
  validTo: Date;
  price: number;
  status: TicketStatus;
  redeemedAt: Date | null;
  /** `null` when API300 says 0 (not redeemed). */
  redeemedStation: number | null;
  created: Date;
  changed: Date;
}

/** The whole record `SetTicket` writes. */
export type TicketWrite = Omit<Ticket, 'created' | 'changed'>;

export interface Station {
  number: number;
  name: string | null;
  active: boolean;
}

/** One page of a list read. `totalCount` counts every match, not only this page. */
export interface Page<T> {
  items: T[];
  totalCount: number;
}

/** Per-record outcome of `SetCustomers`/`SetReservations` (`APISetResult`). */
export interface SetResult {
  /** Position of the record in the uploaded list (0-based). */
  index: number;
  /** Number/ID of the stored record; 0 when it was not stored. */
  number: number;
  /** API300 `Status.Code` for this record (0 = stored). */
  code: number;
  message: string | null;
}

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

/**
 * The API300 client: one method per SOAP operation (CONTRACT.md §8), typed in domain terms.
 * Each method is exactly one upstream call. Failures reject with `Api300Error`
 * (src/upstream/errors.ts). Only the gate may hold an instance.
 */
export interface Api300 {
  serverDateTime(): Promise<Date>;
  getStations(): Promise<Station[]>;
  /** Rejects with code `NOT_FOUND` when the customer does not exist. */
  getCustomer(number: number): Promise<Customer>;
  getCustomers(query: CustomerQuery): Promise<Page<Customer>>;
  setCustomer(customer: CustomerWrite): Promise<Customer>;
  /** 1..500 records; each record stands alone. */
  setCustomers(customers: readonly CustomerWrite[]): Promise<SetResult[]>;
  getReservations(query: ReservationQuery): Promise<Page<Reservation>>;
  setReservation(reservation: ReservationWrite): Promise<Reservation>;
  setReservations(reservations: readonly ReservationWrite[]): Promise<SetResult[]>;
  getTickets(query: TicketQuery): Promise<Page<Ticket>>;
  setTicket(ticket: TicketWrite): Promise<Ticket>;
  /** Rejects with code `CONFLICT` when redeemed, cancelled or outside its validity. */
  redeemTicket(ticketNumber: string, stationNumber: number): Promise<Ticket>;
}

/** Names of the API300 operations, as counted by the gate and the metrics. */
export type Api300Operation =
  | 'ServerDateTime'
  | 'GetStations'
  | 'GetCustomer'
  | 'GetCustomers'
  | 'SetCustomer'
  | 'SetCustomers'
  | 'GetReservations'
  | 'SetReservation'
  | 'SetReservations'
  | 'GetTickets'
  | 'SetTicket'
  | 'RedeemTicket';

/**
 * Options every read carries down the data path. `deadline` is the GraphQL request's
 * deadline (epoch ms): when upstream budget cannot come before it, the read fails with
 * `UPSTREAM_RATE_LIMITED` (with `retryAfter`) instead of waiting.
 */
export interface ReadOptions {
  deadline: number;
  /** `read` for interactive requests (default); `background` for refreshes. */
  priority?: 'read' | 'background';
  /** The request's accounting: told of cache hits/misses and upstream calls made for it. */
  accounting?: RequestAccounting;
}

export interface WriteOptions {
  deadline: number;
  accounting?: RequestAccounting;
}

/**
 * What the subgraph can ask of Hypersoft: cached, coalesced and gated. Implemented by the
 * entity cache over the upstream gate; the per-request loaders are its only callers.
 *
 * Key-based reads resolve to a Map holding every key that exists; a missing key means "not
 * found" (never an error). Whole-call failures reject with `Api300Error`/`GateError`.
 */
export interface Hypersoft {
  customersByNumber(numbers: readonly number[], opts: ReadOptions): Promise<Map<number, Customer>>;
  reservationsById(ids: readonly number[], opts: ReadOptions): Promise<Map<number, Reservation>>;
  ticketsByNumber(numbers: readonly string[], opts: ReadOptions): Promise<Map<string, Ticket>>;

  /** Every reservation of each customer (keys without reservations map to `[]`). */
  reservationsByCustomer(
    customerNumbers: readonly number[],
    opts: ReadOptions,
  ): Promise<Map<number, Reservation[]>>;
  ticketsByCustomer(
    customerNumbers: readonly number[],
    opts: ReadOptions,
  ): Promise<Map<number, Ticket[]>>;
  ticketsByReservation(
    reservationIds: readonly number[],
    opts: ReadOptions,
  ): Promise<Map<number, Ticket[]>>;

  searchCustomers(
    query: Omit<CustomerQuery, 'numbers'>,
    opts: ReadOptions,
  ): Promise<Page<Customer>>;
  searchReservations(
    query: Omit<ReservationQuery, 'ids'>,
    opts: ReadOptions,
  ): Promise<Page<Reservation>>;
  searchTickets(query: Omit<TicketQuery, 'numbers'>, opts: ReadOptions): Promise<Page<Ticket>>;
  stations(opts: ReadOptions): Promise<Station[]>;

  createCustomer(customer: CustomerWrite, opts: WriteOptions): Promise<Customer>;
  /**
   * Read-modify-write under a per-record lock (across replicas when Redis is configured):
   * reads the current record fresh from API300 (never from cache), applies `change`, writes
   * the whole record. Rejects with `NOT_FOUND` when the customer does not exist.
   */
  updateCustomer(
    number: number,
    change: (current: Customer) => CustomerWrite,
    opts: WriteOptions,
  ): Promise<Customer>;
  /** One `SetCustomers` call: 1..500 records. Chunking is the caller's job. */
  importCustomers(customers: readonly CustomerWrite[], opts: WriteOptions): Promise<SetResult[]>;

  createReservation(reservation: ReservationWrite, opts: WriteOptions): Promise<Reservation>;
  updateReservation(
    id: number,
    change: (current: Reservation) => ReservationWrite,
    opts: WriteOptions,
  ): Promise<Reservation>;

  issueTicket(ticket: TicketWrite, opts: WriteOptions): Promise<Ticket>;
  redeemTicket(ticketNumber: string, stationNumber: number, opts: WriteOptions): Promise<Ticket>;
}
