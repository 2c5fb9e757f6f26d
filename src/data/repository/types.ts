import type { ReadOptions, WriteOptions } from '../options';
import type {
  SetResult,
  Customer,
  CustomerWrite,
  Reservation,
  ReservationWrite,
  Ticket,
  TicketWrite,
  Station,
  Page,
} from '../../domain/models';
import type { CustomerQuery, ReservationQuery, TicketQuery } from '../../domain/queries';

/**
 * What the subgraph can ask of Hypersoft: cached, coalesced and gated. Implemented by the
 * entity cache over the upstream gate; the per-request loaders are its only callers.
 *
 * Key-based reads resolve to a Map holding every key that exists; a missing key means "not
 * found" (never an error). Whole-call failures reject with `Api300Error`/`GateError`.
 */
export interface Repository {
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

export type { ReadOptions, WriteOptions };
