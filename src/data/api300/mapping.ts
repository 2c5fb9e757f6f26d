import {
  Customer,
  CustomerWrite,
  Gender,
  KEYED_KINDS,
  Reservation,
  ReservationStatus,
  ReservationWrite,
  Station,
  Ticket,
  TicketStatus,
  TicketWrite,
} from '../../domain/models';
import { CustomerQuery, ReservationQuery, TicketQuery } from '../../domain/queries';
import { RECORD_KIND_INFO } from '../../domain/recordKinds';
import type { Api300Page, UnmappedRecord } from './types';
import {
  WireTimeError,
  fromBerlinDateTime,
  fromWireDate,
  fromWireTime,
  toBerlinDateTime,
  toWireDate,
  toWireTime,
  widenChangedSince,
} from '../../domain/berlinTime';

/**
 * SOAP ⇄ domain for API300 (docs/api300-contract.md §8, §9): the one place that knows wire names, enum
 * codes and the special `dateTime` fields. When the real WSDL arrives, this file and the
 * WSDL change; the domain types do not.
 *
 * Requests are built as node-soap argument objects. node-soap writes an object's keys in
 * insertion order, not in schema order, so every builder lists its keys in WSDL sequence
 * order (ASMX reads elements in order). Conventions on the way out:
 * - `null` strings are left out (`minOccurs="0"`; ASMX reads a missing string as null);
 * - a nillable `dateTime` that is `null` is sent as `null`, which node-soap writes as
 *   `xsi:nil="true"` (the element is `minOccurs="1"`, so it is never left out);
 * - every `dateTime` is text formatted here: node-soap would write a `Date` with the
 *   process's zone or as UTC, neither of which API300 reads as Berlin wall clock;
 * - `Created`/`Changed`, which the service sets, carry .NET `DateTime.MinValue` so that the
 *   `minOccurs="1"` elements are present, like a .NET client sends them.
 *
 * Conventions on the way in (node-soap configured with `handleNilAsNull` and `dateTime` kept
 * as text): empty or missing strings are `null`; a missing value-type element reads as the
 * .NET default (0, false, `DateTime.MinValue`) the way a .NET client would read it; the
 * "none" numbers (customer 0, reservation 0, station 0) are `null`; an element of the wrong
 * shape or an enum code this client does not know is a `WireShapeError`.
 */

/** A value as node-soap hands it over or takes it. */
export type WireValue = string | number | boolean | null | WireRecord | WireValue[];
export interface WireRecord {
  [element: string]: WireValue | undefined;
}

/**
 * The upstream reply does not have the shape the WSDL promises. `field` names the element
 * when one is to blame; the message names the element and the expected shape, never the
 * value (it may be personal data).
 */
export class WireShapeError extends Error {
  override readonly name = 'WireShapeError';

  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** .NET `DateTime.MinValue`: what `Created`/`Changed` carry in writes (the service sets them). */
const DOTNET_MIN_DATE_TIME = '0001-01-01T00:00:00';

const GENDERS: readonly Gender[] = ['UNKNOWN', 'MALE', 'FEMALE', 'DIVERSE'];
const RESERVATION_STATUSES: readonly ReservationStatus[] = [
  'REQUESTED',
  'CONFIRMED',
  'SEATED',
  'COMPLETED',
  'CANCELLED',
  'NO_SHOW',
];
const TICKET_STATUSES: readonly TicketStatus[] = ['VALID', 'REDEEMED', 'CANCELLED'];

// ------------------------------------------------------------------ writing

/**
 * A string for node-soap. node-soap copies a string that starts with `<![CDATA[` and ends
 * with `]]>` into the XML unescaped, so such a value (say, a memo) could inject elements;
 * it is sent as a proper CDATA section instead, which reads back as the same text.
 */
function wireText(value: string | null | undefined): string | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  if (value.startsWith('<![CDATA[') && value.endsWith(']]>')) {
    return `<![CDATA[${value.replace(/]]>/g, ']]]]><![CDATA[>')}]]>`;
  }
  return value;
}

/**
 * `xs:decimal` text: never exponent notation (which `String(1e-7)` would give and ASMX
 * refuses), at most 6 decimals so binary noise such as `0.30000000000000004` goes as `0.3`.
 */
export function wireDecimal(value: number): string {
  if (!Number.isFinite(value))
    throw new WireShapeError(`${value} is not a decimal API300 can take`);
  const fixed = value.toFixed(6).replace(/\.?0+$/, '');
  return fixed === '-0' ? '0' : fixed;
}

const wireInstant = (value: Date | null | undefined): string | null =>
  value ? toBerlinDateTime(value) : null;

/** The instant a changed-since read sends, widened by the DST rule (§6). */
const wireChangedSince = (value: Date | null | undefined): string | null =>
  value ? toBerlinDateTime(widenChangedSince(value)) : null;

/** Drops `undefined` entries so that node-soap leaves those elements out. */
function compact(record: WireRecord): WireRecord {
  const result: WireRecord = {};
  for (const [name, value] of Object.entries(record)) if (value !== undefined) result[name] = value;
  return result;
}

/** `ArrayOfInt`/`ArrayOfString`; an empty or missing list is left out (= no filter). */
function wireList<T extends number | string>(
  item: 'int' | 'string',
  values: readonly T[] | undefined,
): WireRecord | undefined {
  return values && values.length > 0 ? { [item]: [...values] } : undefined;
}

export function customerToWire(c: CustomerWrite): WireRecord {
  return compact({
    CustomerNumber: c.number,
    Salutation: wireText(c.salutation),
    FirstName: wireText(c.firstName),
    Name: wireText(c.lastName),
    Company: wireText(c.company),
    Alias: wireText(c.alias),
    Gender: GENDERS.indexOf(c.gender),
    Birthday: c.birthday ? toWireDate(c.birthday) : null,
    Street: wireText(c.street),
    ZipCode: wireText(c.zipCode),
    City: wireText(c.city),
    Country: wireText(c.country),
    PhonePrivate: wireText(c.phonePrivate),
    PhoneBusiness: wireText(c.phoneBusiness),
    Mobile: wireText(c.mobile),
    Fax: wireText(c.fax),
    Email: wireText(c.email),
    Homepage: wireText(c.homepage),
    ReachableFrom: c.reachableFrom ? toWireTime(c.reachableFrom) : null,
    ReachableTo: c.reachableTo ? toWireTime(c.reachableTo) : null,
    CardNumber: wireText(c.cardNumber),
    Discount: c.discount,
    PriceLevel: c.priceLevel,
    CreditLimit: wireDecimal(c.creditLimit),
    Locked: c.locked,
    Favourite: c.favourite,
    Memo: wireText(c.memo),
    Created: DOTNET_MIN_DATE_TIME,
    Changed: DOTNET_MIN_DATE_TIME,
  });
}

export function reservationToWire(r: ReservationWrite): WireRecord {
  return compact({
    ReservationID: r.id,
    StationNumber: r.stationNumber,
    CustomerNumber: r.customerNumber ?? 0,
    GuestName: wireText(r.guestName),
    Phone: wireText(r.phone),
    Email: wireText(r.email),
    Start: toBerlinDateTime(r.start),
    DurationMinutes: r.durationMinutes,
    Persons: r.persons,
    Tables: wireText(r.tables),
    Status: RESERVATION_STATUSES.indexOf(r.status),
    Comment: wireText(r.comment),
    Created: DOTNET_MIN_DATE_TIME,
    Changed: DOTNET_MIN_DATE_TIME,
  });
}

export function ticketToWire(t: TicketWrite): WireRecord {
  return compact({
    TicketNumber: wireText(t.number),
    ArticleNumber: t.articleNumber,
    ArticleName: wireText(t.articleName),
    CustomerNumber: t.customerNumber ?? 0,
    ReservationID: t.reservationId ?? 0,
    ValidFrom: toBerlinDateTime(t.validFrom),
    ValidTo: toBerlinDateTime(t.validTo),
    Price: wireDecimal(t.price),
    Status: TICKET_STATUSES.indexOf(t.status),
    RedeemedAt: wireInstant(t.redeemedAt),
    RedeemedStation: t.redeemedStation ?? 0,
    Created: DOTNET_MIN_DATE_TIME,
    Changed: DOTNET_MIN_DATE_TIME,
  });
}

/** Parameters of `RedeemTicket` after the tokens. */
export function redemptionToWire(ticketNumber: string, stationNumber: number): WireRecord {
  return compact({ TicketNumber: wireText(ticketNumber), StationNumber: stationNumber });
}

/** Parameters of `GetCustomers` after the tokens. */
export function customerQueryToWire(q: CustomerQuery): WireRecord {
  return compact({
    CustomerNumbers: wireList('int', q.numbers),
    SearchText: wireText(q.searchText),
    ChangedSince: wireChangedSince(q.changedSince),
    PageIndex: q.pageIndex,
    PageSize: q.pageSize,
  });
}

/** Parameters of `GetReservations` after the tokens. */
export function reservationQueryToWire(q: ReservationQuery): WireRecord {
  return compact({
    ReservationIDs: wireList('int', q.ids),
    StationNumber: q.stationNumber ?? 0,
    CustomerNumbers: wireList('int', q.customerNumbers),
    From: wireInstant(q.from),
    To: wireInstant(q.to),
    ChangedSince: wireChangedSince(q.changedSince),
    PageIndex: q.pageIndex,
    PageSize: q.pageSize,
  });
}

/** Parameters of `GetTickets` after the tokens. */
export function ticketQueryToWire(q: TicketQuery): WireRecord {
  return compact({
    TicketNumbers: wireList(
      'string',
      q.numbers?.map((n) => wireText(n) ?? ''),
    ),
    CustomerNumbers: wireList('int', q.customerNumbers),
    ReservationIDs: wireList('int', q.reservationIds),
    ChangedSince: wireChangedSince(q.changedSince),
    PageIndex: q.pageIndex,
    PageSize: q.pageSize,
  });
}

// ------------------------------------------------------------------ reading

function isRecord(value: WireValue | undefined): value is WireRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function shapeError(record: WireRecord, name: string, expected: string): never {
  const value = record[name];
  const found = Array.isArray(value) ? 'a list' : value === null ? 'nil' : typeof value;
  throw new WireShapeError(`API300 sent ${name} as ${found}, expected ${expected}`, name);
}

function readInt(record: WireRecord, name: string): number {
  const value = record[name];
  if (value === undefined) return 0;
  if (typeof value !== 'number' || !Number.isInteger(value))
    return shapeError(record, name, 'an int');
  return value;
}

/** 0 is API300's "none" for numbers that point at another record. */
function readReference(record: WireRecord, name: string): number | null {
  const value = readInt(record, name);
  return value === 0 ? null : value;
}

function readDecimal(record: WireRecord, name: string): number {
  const value = record[name];
  if (value === undefined) return 0;
  if (typeof value !== 'number' || !Number.isFinite(value))
    return shapeError(record, name, 'a decimal');
  return value;
}

function readBoolean(record: WireRecord, name: string): boolean {
  const value = record[name];
  if (value === undefined) return false;
  if (typeof value !== 'boolean') return shapeError(record, name, 'a boolean');
  return value;
}

function readText(record: WireRecord, name: string): string | null {
  const value = record[name];
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string') return shapeError(record, name, 'a string');
  return value;
}

function readDateTimeText(record: WireRecord, name: string): string | null {
  const value = record[name];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') return shapeError(record, name, 'dateTime text');
  return value;
}

/**
 * Converts the dateTime text of `name`; text that is no valid date or time is a
 * `WireShapeError` naming the field (the `WireTimeError` would quote the value).
 */
function readTemporal<T>(
  record: WireRecord,
  name: string,
  convert: (text: string) => T,
  fallback: string | null = null,
): T | null {
  const text = readDateTimeText(record, name) ?? fallback;
  if (text === null) return null;
  try {
    return convert(text);
  } catch (error) {
    if (error instanceof WireTimeError)
      throw new WireShapeError(`API300 sent ${name} that is no valid dateTime`, name);
    throw error;
  }
}

function readInstant(record: WireRecord, name: string): Date {
  return readTemporal(record, name, fromBerlinDateTime, DOTNET_MIN_DATE_TIME) as Date;
}

function readOptionalInstant(record: WireRecord, name: string): Date | null {
  return readTemporal(record, name, fromBerlinDateTime);
}

function readEnum<T extends string>(record: WireRecord, name: string, names: readonly T[]): T {
  const code = readInt(record, name);
  const value = names[code];
  if (value === undefined)
    throw new WireShapeError(`API300 sent ${name} ${code}, which this client does not know`, name);
  return value;
}

function readRecord(parent: WireRecord, name: string): WireRecord {
  const value = parent[name];
  if (!isRecord(value)) return shapeError(parent, name, `a ${name} element`);
  return value;
}

/** Items of an `ArrayOfX` (`<Customers><Customer/>…</Customers>`); nil items are skipped. */
function readList(parent: WireRecord, name: string, item: string): WireRecord[] {
  const list = parent[name];
  if (list === undefined || list === null) return [];
  if (!isRecord(list)) return shapeError(parent, name, `an ArrayOf${item}`);
  const items = list[item];
  if (items === undefined || items === null) return [];
  return (Array.isArray(items) ? items : [items]).filter((entry): entry is WireRecord => {
    if (entry === null) return false;
    if (!isRecord(entry))
      throw new WireShapeError(`API300 sent an item of ${name} that is not a ${item}`);
    return true;
  });
}

/** `APIStatus` of any reply. */
export interface WireStatus {
  code: number;
  message: string | null;
}

export function statusFromWire(result: WireRecord | null | undefined): WireStatus {
  if (!isRecord(result ?? undefined)) throw new WireShapeError('API300 sent no result element');
  const status = readRecord(result as WireRecord, 'Status');
  if (typeof status.Code !== 'number') return shapeError(status, 'Code', 'an int');
  return { code: status.Code, message: readText(status, 'Message') };
}

/** `Status.ServerDateTime` (the answer of `ServerDateTime`). */
export function serverDateTimeFromWire(result: WireRecord): Date {
  return readInstant(readRecord(result, 'Status'), 'ServerDateTime');
}

export function customerFromWire(w: WireRecord): Customer {
  return {
    number: readInt(w, 'CustomerNumber'),
    salutation: readText(w, 'Salutation'),
    firstName: readText(w, 'FirstName'),
    lastName: readText(w, 'Name'),
    company: readText(w, 'Company'),
    alias: readText(w, 'Alias'),
    gender: readEnum(w, 'Gender', GENDERS),
    birthday: readTemporal(w, 'Birthday', fromWireDate),
    street: readText(w, 'Street'),
    zipCode: readText(w, 'ZipCode'),
    city: readText(w, 'City'),
    country: readText(w, 'Country'),
    phonePrivate: readText(w, 'PhonePrivate'),
    phoneBusiness: readText(w, 'PhoneBusiness'),
    mobile: readText(w, 'Mobile'),
    fax: readText(w, 'Fax'),
    email: readText(w, 'Email'),
    homepage: readText(w, 'Homepage'),
    reachableFrom: readTemporal(w, 'ReachableFrom', fromWireTime),
    reachableTo: readTemporal(w, 'ReachableTo', fromWireTime),
    cardNumber: readText(w, 'CardNumber'),
    discount: readInt(w, 'Discount'),
    priceLevel: readInt(w, 'PriceLevel'),
    creditLimit: readDecimal(w, 'CreditLimit'),
    locked: readBoolean(w, 'Locked'),
    favourite: readBoolean(w, 'Favourite'),
    memo: readText(w, 'Memo'),
    created: readInstant(w, 'Created'),
    changed: readInstant(w, 'Changed'),
  };
}

export function reservationFromWire(w: WireRecord): Reservation {
  return {
    id: readInt(w, 'ReservationID'),
    stationNumber: readInt(w, 'StationNumber'),
    customerNumber: readReference(w, 'CustomerNumber'),
    guestName: readText(w, 'GuestName'),
    phone: readText(w, 'Phone'),
    email: readText(w, 'Email'),
    start: readInstant(w, 'Start'),
    durationMinutes: readInt(w, 'DurationMinutes'),
    persons: readInt(w, 'Persons'),
    tables: readText(w, 'Tables'),
    status: readEnum(w, 'Status', RESERVATION_STATUSES),
    comment: readText(w, 'Comment'),
    created: readInstant(w, 'Created'),
    changed: readInstant(w, 'Changed'),
  };
}

export function ticketFromWire(w: WireRecord): Ticket {
  return {
    number: readText(w, 'TicketNumber') ?? '',
    articleNumber: readInt(w, 'ArticleNumber'),
    articleName: readText(w, 'ArticleName'),
    customerNumber: readReference(w, 'CustomerNumber'),
    reservationId: readReference(w, 'ReservationID'),
    validFrom: readInstant(w, 'ValidFrom'),
    validTo: readInstant(w, 'ValidTo'),
    price: readDecimal(w, 'Price'),
    status: readEnum(w, 'Status', TICKET_STATUSES),
    redeemedAt: readOptionalInstant(w, 'RedeemedAt'),
    redeemedStation: readReference(w, 'RedeemedStation'),
    created: readInstant(w, 'Created'),
    changed: readInstant(w, 'Changed'),
  };
}

export function stationFromWire(w: WireRecord): Station {
  return {
    number: readInt(w, 'StationNumber'),
    name: readText(w, 'Name'),
    active: readBoolean(w, 'Active'),
  };
}

/** `APISetResult` as sent; the client turns `code` into a typed error (refusals.ts). */
export interface WireSetResult {
  index: number;
  number: number;
  code: number;
  message: string | null;
}

export function setResultFromWire(w: WireRecord): WireSetResult {
  return {
    index: readInt(w, 'Index'),
    number: readInt(w, 'Number'),
    code: readInt(w, 'Code'),
    message: readText(w, 'Message'),
  };
}

/** The single record of `APICustomerResponse`, `APIReservationResponse`, `APITicketResponse`. */
export function recordFromWire<T>(
  result: WireRecord,
  element: string,
  read: (w: WireRecord) => T,
): T {
  return read(readRecord(result, element));
}

/** Items of a list result (`Stations`, `Results`, …). */
export function listFromWire<T>(
  result: WireRecord,
  list: string,
  item: string,
  read: (w: WireRecord) => T,
): T[] {
  return readList(result, list, item).map(read);
}

/** The key element and key type of each list item, to name a record that does not map. */
const KEYS_OF_ITEMS: ReadonlyMap<string, { element: string; type: 'number' | 'string' }> = new Map(
  KEYED_KINDS.map((kind) => {
    const info = RECORD_KIND_INFO[kind];
    return [info.typename, { element: info.wireKey, type: info.keyType }];
  }),
);

/**
 * A page of `APICustomersResponse`, `APIReservationsResponse`, `APITicketsResponse`.
 *
 * Tolerant per record: an item that does not map (a wrong shape, an unknown enum code, a
 * date that is none) is left out of `items` and listed in `skipped` with its key when that
 * is readable and the element to blame, never a value, so one bad record does not cost the
 * whole page (a mirror's sync would otherwise never get past it). `totalCount` still counts
 * it. A reply whose envelope is wrong (no Status, no list) still throws.
 */
export function pageFromWire<T>(
  result: WireRecord,
  list: string,
  item: string,
  read: (w: WireRecord) => T,
): Api300Page<T> {
  const items: T[] = [];
  const skipped: UnmappedRecord[] = [];
  const raw = result[list];
  if (raw !== undefined && raw !== null && !isRecord(raw))
    shapeError(result, list, `an ArrayOf${item}`);
  const entries = isRecord(raw) ? raw[item] : undefined;
  for (const entry of entries === undefined || entries === null
    ? []
    : Array.isArray(entries)
      ? entries
      : [entries]) {
    if (entry === null) continue;
    if (!isRecord(entry)) {
      skipped.push({ key: null, field: null });
      continue;
    }
    try {
      items.push(read(entry));
    } catch (error) {
      if (!(error instanceof WireShapeError)) throw error;
      skipped.push({ key: readableKey(entry, item), field: error.field ?? null });
    }
  }
  const page: Api300Page<T> = {
    items,
    totalCount: readInt(result, 'TotalCount'),
    serverTime: serverDateTimeFromWire(result),
  };
  if (skipped.length > 0) page.skipped = skipped;
  return page;
}

/** The item's key when it has the key's type (TicketNumber text, the others int), else null. */
function readableKey(entry: WireRecord, item: string): number | string | null {
  const key = KEYS_OF_ITEMS.get(item);
  const value = key === undefined ? undefined : entry[key.element];
  if (key?.type === 'string') return typeof value === 'string' && value !== '' ? value : null;
  return typeof value === 'number' && Number.isInteger(value) ? value : null;
}
