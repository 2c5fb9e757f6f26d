import type { Customer, KeyedKind, RecordKind, Reservation, Station, Ticket } from './models';
import type { Api300Operation } from './operations';

/**
 * The facts about each kind of record, stated once: its record and key types, how keys
 * compare, which fields hold a `Date`, its names in GraphQL and on the wire, the API300 list
 * read that pages through it and which kinds list it by parent. The per-kind tables of the
 * layers (the mirror's keys, Date fields and sync adapters, the client's key elements, the
 * upstream budget's field kinds) derive from `RECORD_KIND_INFO` instead of writing them again.
 */

/** The record type of each kind. */
export interface RecordOf {
  customers: Customer;
  reservations: Reservation;
  tickets: Ticket;
  stations: Station;
}

/** The key type of each kind (stations: their number, though they are held as one list). */
export interface KeyOf {
  customers: number;
  reservations: number;
  tickets: string;
  stations: number;
}

/** Numbers numerically. */
export function compareNumbers(a: number, b: number): number {
  return a - b;
}

/**
 * Strings by UTF-16 code units (ordinal): locale-independent, the same in every replica, and
 * the order API300 (and the simulator) gives ticket numbers.
 */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The `Date` fields of each keyed kind; the one that may be `null` is a ticket's `redeemedAt`. */
export type DateFieldOf<K extends KeyedKind> = {
  [F in keyof RecordOf[K]]-?: RecordOf[K][F] extends Date | null ? F : never;
}[keyof RecordOf[K]] &
  string;

/** What every kind has: its names. */
export interface RecordKindInfo<K extends RecordKind> {
  readonly kind: K;
  /** The GraphQL type, and API300's element of one record (`Customer`, …). */
  readonly typename: string;
  /** The GraphQL query field of one record by key (`customer`, …), if there is one. */
  readonly single: string | null;
}

/** What a keyed kind adds: its key, its Dates, its list read, its parents. */
export interface KeyedKindInfo<K extends KeyedKind> extends RecordKindInfo<K> {
  readonly single: string;
  /** The model field holding the key. */
  readonly keyField: keyof RecordOf[K] & string;
  /** API300's element holding the key in a record of the wire. */
  readonly wireKey: string;
  readonly keyType: KeyOf[K] extends string ? 'string' : 'number';
  keyOf(record: RecordOf[K]): KeyOf[K];
  /** API300's key order, the order of its pages (docs/api300-contract.md §3). */
  compareKeys(a: KeyOf[K], b: KeyOf[K]): number;
  /** The fields holding a `Date` (or `null`): stores encode them, copies freeze them. */
  readonly dateFields: readonly DateFieldOf<K>[];
  /** The API300 operation that reads the kind page by page (with changed-since). */
  readonly listOperation: Api300Operation;
  /** The kinds whose records list this kind's records by parent key (a customer's tickets). */
  readonly parents: readonly KeyedKind[];
}

export type RecordKindInfos = { readonly [K in KeyedKind]: KeyedKindInfo<K> } & {
  readonly stations: RecordKindInfo<'stations'>;
};

export const RECORD_KIND_INFO: RecordKindInfos = {
  customers: {
    kind: 'customers',
    typename: 'Customer',
    single: 'customer',
    keyField: 'number',
    wireKey: 'CustomerNumber',
    keyType: 'number',
    keyOf: (c) => c.number,
    compareKeys: compareNumbers,
    dateFields: ['created', 'changed'],
    listOperation: 'GetCustomers',
    parents: [],
  },
  reservations: {
    kind: 'reservations',
    typename: 'Reservation',
    single: 'reservation',
    keyField: 'id',
    wireKey: 'ReservationID',
    keyType: 'number',
    keyOf: (r) => r.id,
    compareKeys: compareNumbers,
    dateFields: ['start', 'created', 'changed'],
    listOperation: 'GetReservations',
    parents: ['customers'],
  },
  tickets: {
    kind: 'tickets',
    typename: 'Ticket',
    single: 'ticket',
    keyField: 'number',
    wireKey: 'TicketNumber',
    keyType: 'string',
    keyOf: (t) => t.number,
    compareKeys: compareCodeUnits,
    dateFields: ['validFrom', 'validTo', 'redeemedAt', 'created', 'changed'],
    listOperation: 'GetTickets',
    parents: ['customers', 'reservations'],
  },
  stations: { kind: 'stations', typename: 'Station', single: null },
};

/** The descriptor of a keyed kind, typed by the kind. */
export function keyedKindInfo<K extends KeyedKind>(kind: K): KeyedKindInfo<K> {
  const infos: { readonly [L in KeyedKind]: KeyedKindInfo<L> } = RECORD_KIND_INFO;
  return infos[kind];
}

/** The key of a record of `kind`. */
export function keyOf<K extends KeyedKind>(kind: K, record: RecordOf[K]): KeyOf[K] {
  return keyedKindInfo(kind).keyOf(record);
}
