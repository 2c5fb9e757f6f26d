/**
 * Domain model of the Hypersoft data this subgraph serves, and the contracts between the
 * layers of the data path (docs/architecture.md):
 *
 *   resolvers → loaders → `Repository` (mirror, entity cache, gate) → `Api300` (the client)
 *
 * Everything here is plain data in GraphQL-friendly naming. The API300 client maps SOAP ⇄
 * these types (Berlin wall-clock ⇄ instants, Date/Time fields, enums); no other layer sees a
 * SOAP name.
 */

/**
 * Most records API300 takes or returns in one call: keys per list filter, records per
 * upload (more → Status 31) and records per page (docs/api300-contract.md §3). Every batch, chunk and
 * page size of the data path derives from it.
 */
export const API300_MAX_RECORDS = 500;

/** The kinds of record the subgraph serves (and the mirror holds). */
export const RECORD_KINDS = ['customers', 'reservations', 'tickets', 'stations'] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];

/** The kinds kept by key with a `changed` instant and read page by page (stations are one list). */
export const KEYED_KINDS = ['customers', 'reservations', 'tickets'] as const;
export type KeyedKind = (typeof KEYED_KINDS)[number];

/** `Gender` of docs/api300-contract.md §9 (0 unknown, 1 male, 2 female, 3 diverse). */
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
