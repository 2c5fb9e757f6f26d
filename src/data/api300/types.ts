import type { Api300Operation } from '../../domain/operations';
import type {
  Page,
  SetResult,
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
 * mirror's watermarks come from this clock, never the local one (CONTRACT.md §11).
 */
export interface Api300Page<T> extends Page<T> {
  serverTime: Date;
}

/**
 * The API300 client: one method per SOAP operation (CONTRACT.md §8), typed in domain terms.
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
