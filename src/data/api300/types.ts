import type { Api300Operation } from '../../domain/operations';
import type { Refusal, UpstreamErrorCode } from '../errors';
import type {
  Page,
  Customer,
  CustomerWrite,
  Reservation,
  ReservationWrite,
  Ticket,
  TicketWrite,
  Station,
} from '../../domain/models';
import type { CustomerQuery, ReservationQuery, TicketQuery } from '../../domain/queries';

/**
 * A page of a list read, with API300's clock when it answered (`Status.ServerDateTime`): the
 * mirror's watermarks come from this clock, never the local one (docs/api300-contract.md §11).
 */
export interface Api300Page<T> extends Page<T> {
  serverTime: Date;
  /**
   * Records of this page that did not map and are left out of `items` (`totalCount` still
   * counts them). Absent when every record mapped.
   */
  skipped?: UnmappedRecord[];
}

/** A list record that did not map: its key when readable, the element to blame; never a value. */
export interface UnmappedRecord {
  key: number | string | null;
  field: string | null;
}

/**
 * Why one record of `SetCustomers`/`SetReservations` was not stored: typed like any upstream
 * failure, as plain data (it crosses the client's worker thread inside a reply).
 */
export interface RecordFailure {
  code: UpstreamErrorCode;
  message: string;
  /** `UPSTREAM_VALIDATION`: the value API300 refused, when its answer names one. */
  refusal?: Refusal;
}

/**
 * Per-record outcome of `SetCustomers`/`SetReservations`: `number` is the stored record's
 * number or ID (0 when not stored); `error` says why a record was not stored, `null` when
 * it was.
 */
export interface SetResult {
  /** Position of the record in the uploaded list (0-based). */
  index: number;
  number: number;
  error: RecordFailure | null;
}

/**
 * The API300 client: one method per SOAP operation (docs/api300-contract.md §8), typed in domain terms.
 * Each method is exactly one upstream call. Failures reject with `Api300Error`
 * (src/data/errors.ts). Only the gate may hold an instance.
 */
export interface Api300 {
  serverDateTime(): Promise<Date>;
  getStations(): Promise<Station[]>;
  /** Rejects with code `NOT_FOUND` when the customer does not exist. */
  getCustomer(number: number): Promise<Customer>;
  getCustomers(query: CustomerQuery): Promise<Api300Page<Customer>>;
  setCustomer(customer: CustomerWrite): Promise<Customer>;
  /** 1..500 records; each record stands alone. */
  setCustomers(customers: readonly CustomerWrite[]): Promise<SetResult[]>;
  getReservations(query: ReservationQuery): Promise<Api300Page<Reservation>>;
  setReservation(reservation: ReservationWrite): Promise<Reservation>;
  setReservations(reservations: readonly ReservationWrite[]): Promise<SetResult[]>;
  getTickets(query: TicketQuery): Promise<Api300Page<Ticket>>;
  setTicket(ticket: TicketWrite): Promise<Ticket>;
  /** Rejects with code `CONFLICT` when redeemed, cancelled or outside its validity. */
  redeemTicket(ticketNumber: string, stationNumber: number): Promise<Ticket>;
}

export type { Api300Operation };
