import type { ReadOptions, WriteOptions } from '../options';
import type { SetResult } from '../api300/types';
import type {
  Customer,
  CustomerWrite,
  Reservation,
  ReservationWrite,
  Ticket,
  TicketWrite,
  Station,
} from '../../domain/models';
import type { CustomerFind, ReservationFind, TicketFind } from '../../domain/queries';

/**
 * One page of a list. Each item has its cursor (`after` for the next page). `totalCount`
 * counts every match; it is `null` only where it cannot be known (a status filter answered
 * read-through: API300 cannot filter by status, see `ListSource`).
 */
export interface ListPage<T> {
  items: T[];
  cursors: string[];
  /**
   * Where the next page starts (`after`). Usually the last item's cursor; read-through with a
   * status filter, it points past the last record examined, which the filter may have dropped.
   */
  endCursor: string | null;
  totalCount: number | null;
  hasNextPage: boolean;
  /**
   * `mirror`: answered from the local copy (exact counts, full pages, any order, zero upstream
   * calls). `upstream`: answered read-through from API300 (its order by key, its search, one
   * call per page not cached).
   */
  source: ListSource;
}

export type ListSource = 'mirror' | 'upstream';

/**
 * Keyed reads a repository answers from memory — synchronously, with no upstream call (the
 * mirror). Each returns `undefined` when it cannot answer so right now (the kind is still
 * loading, the record may lie before the held reservation window): the caller then takes the
 * repository's async read. `null` / `[]`: held, and there is none. The async reads of the same
 * repository give the same answers for what these answer.
 */
export interface LocalReads {
  customer(number: number): Customer | null | undefined;
  reservation(id: number): Reservation | null | undefined;
  ticket(number: string): Ticket | null | undefined;
  reservationsOfCustomer(customerNumber: number): Reservation[] | undefined;
  ticketsOfCustomer(customerNumber: number): Ticket[] | undefined;
  ticketsOfReservation(reservationId: number): Ticket[] | undefined;
}

/**
 * The one read/write API of the domain. Reads are answered from the mirror where it holds the
 * data and read-through (entity cache over the gate) otherwise; writes go to API300 and what
 * it stored is served at once (read-your-writes). The per-request loaders are its only
 * readers; mutations its only writers.
 *
 * Key-based reads resolve to a Map holding every key that exists; a missing key means "not
 * found" (never an error). Whole-call failures reject with `Api300Error`; a cursor that does
 * not belong to the list it was given to rejects with `CursorError`.
 */
export interface Repository {
  /** Reads answered from memory at once, where this repository holds the data (the mirror). */
  readonly local?: LocalReads;

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

  /** Customers matching `find`, ordered and paged as it says. */
  findCustomers(find: CustomerFind, opts: ReadOptions): Promise<ListPage<Customer>>;
  findReservations(find: ReservationFind, opts: ReadOptions): Promise<ListPage<Reservation>>;
  findTickets(find: TicketFind, opts: ReadOptions): Promise<ListPage<Ticket>>;
  stations(opts: ReadOptions): Promise<Station[]>;

  createCustomer(customer: CustomerWrite, opts: WriteOptions): Promise<Customer>;
  /**
   * Read-modify-write under a per-record lock (across replicas when Redis is configured):
   * reads the current record fresh from API300 (never from cache), applies `change`, writes
   * the whole record. Rejects with `NOT_FOUND` when the customer does not exist. `change` may
   * throw to refuse the change (nothing is written; the error is the rejection). A change
   * that leaves the record as it is resolves to the fresh record and writes nothing.
   */
  updateCustomer(
    number: number,
    change: (current: Customer) => CustomerWrite,
    opts: WriteOptions,
  ): Promise<Customer>;
  /** One `SetCustomers` call: 1..500 records. Chunking is the caller's job. */
  importCustomers(customers: readonly CustomerWrite[], opts: WriteOptions): Promise<SetResult[]>;

  createReservation(reservation: ReservationWrite, opts: WriteOptions): Promise<Reservation>;
  /** As `updateCustomer`, for one reservation (its lock, its fresh read, no-op without a write). */
  updateReservation(
    id: number,
    change: (current: Reservation) => ReservationWrite,
    opts: WriteOptions,
  ): Promise<Reservation>;

  /**
   * Issues a new ticket. With a number, that number is read fresh from API300 under the
   * ticket's lock first, and an existing ticket — whatever its status — is refused with
   * `CONFLICT` naming it: issuing never overwrites a ticket, so nothing moves a redeemed or
   * cancelled ticket back to VALID, and of two concurrent issues of one number only one
   * stores. Without a number (`''`) Hypersoft assigns one.
   */
  issueTicket(ticket: TicketWrite, opts: WriteOptions): Promise<Ticket>;
  /** VALID → REDEEMED; API300 refuses any other state, or a ticket outside its validity, with `CONFLICT`. */
  redeemTicket(ticketNumber: string, stationNumber: number, opts: WriteOptions): Promise<Ticket>;
}

export type { ReadOptions, WriteOptions, SetResult };
