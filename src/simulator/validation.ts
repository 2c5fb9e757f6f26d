import { CustomerRow, ReservationRow, Store, TicketRow } from './store';
import { MIN_INSTANT, formatInstant, fromWallClock } from './time';

/**
 * The ranges of docs/api300-contract.md §9. Each check returns `null` or the `Status.Message` of Code 30,
 * which names the field, the value and the allowed range.
 */

const EARLIEST = fromWallClock({ year: 2000, month: 1, day: 1, hour: 0, minute: 0, second: 0 });
const LATEST = fromWallClock({ year: 2099, month: 12, day: 31, hour: 23, minute: 59, second: 59 });
const MAX_CUSTOMER_NUMBER = 9_999_999;

function shown(value: string): string {
  return value.length > 40 ? `'${value.slice(0, 40)}…' (${value.length} characters)` : `'${value}'`;
}

export function outOfRange(field: string, value: string | number, allowed: string): string {
  return `${field}: ${typeof value === 'string' ? shown(value) : value} is out of range (allowed: ${allowed}).`;
}

function maxLength(
  record: Record<string, unknown>,
  lengths: Record<string, number>,
  entity: string,
): string | null {
  for (const [field, max] of Object.entries(lengths)) {
    const value = record[field];
    if (typeof value === 'string' && value.length > max) {
      return outOfRange(`${entity}.${field}`, value, `at most ${max} characters`);
    }
  }
  return null;
}

function intRange(field: string, value: number, min: number, max: number): string | null {
  return value < min || value > max ? outOfRange(field, value, `${min}..${max}`) : null;
}

function instantRange(field: string, value: number): string | null {
  if (value >= EARLIEST && value <= LATEST) return null;
  const text = value === MIN_INSTANT ? '0001-01-01T00:00:00 (missing)' : formatInstant(value);
  return outOfRange(field, text, '2000-01-01T00:00:00..2099-12-31T23:59:59');
}

function stationRange(store: Store): string {
  return store.stations.length === 0
    ? 'no stations'
    : `one of ${store.stations.map((s) => s.StationNumber).join(', ')}`;
}

function firstProblem(...checks: Array<() => string | null>): string | null {
  for (const check of checks) {
    const problem = check();
    if (problem) return problem;
  }
  return null;
}

const CUSTOMER_LENGTHS = {
  Salutation: 20,
  FirstName: 50,
  Name: 50,
  Company: 100,
  Alias: 50,
  Street: 100,
  ZipCode: 10,
  City: 50,
  Country: 2,
  PhonePrivate: 30,
  PhoneBusiness: 30,
  Mobile: 30,
  Fax: 30,
  Email: 100,
  Homepage: 100,
  CardNumber: 20,
  Memo: 2000,
};

export function customerProblem(c: CustomerRow, store: Store): string | null {
  return firstProblem(
    () => intRange('Customer.CustomerNumber', c.CustomerNumber, 0, MAX_CUSTOMER_NUMBER),
    () => maxLength(c, CUSTOMER_LENGTHS, 'Customer'),
    () => intRange('Customer.Gender', c.Gender, 0, 3),
    () =>
      c.Country && !/^[A-Z]{2}$/.test(c.Country)
        ? outOfRange('Customer.Country', c.Country, 'ISO 3166 alpha-2 code such as DE')
        : null,
    () =>
      c.Birthday !== null && (c.Birthday < '1900-01-01' || c.Birthday > '2099-12-31')
        ? outOfRange('Customer.Birthday', c.Birthday, '1900-01-01..2099-12-31')
        : null,
    () => intRange('Customer.Discount', c.Discount, 0, 100),
    () => intRange('Customer.PriceLevel', c.PriceLevel, 1, 9),
    () =>
      c.CreditLimit < 0 || c.CreditLimit > 999_999_999
        ? outOfRange('Customer.CreditLimit', c.CreditLimit, '0..999999999')
        : null,
    () => {
      if (!c.CardNumber) return null;
      const holder = store.cardHolder(c.CardNumber);
      return holder !== undefined && holder !== c.CustomerNumber
        ? outOfRange(
            'Customer.CardNumber',
            c.CardNumber,
            `a card number no other customer holds (held by ${holder})`,
          )
        : null;
    },
  );
}

const RESERVATION_LENGTHS = { GuestName: 100, Phone: 30, Email: 100, Tables: 50, Comment: 1000 };

export function reservationProblem(r: ReservationRow, store: Store): string | null {
  return firstProblem(
    () =>
      r.ReservationID < 0
        ? outOfRange('Reservation.ReservationID', r.ReservationID, '0 (new) or an existing ID')
        : null,
    () =>
      store.stationExists(r.StationNumber)
        ? null
        : outOfRange('Reservation.StationNumber', r.StationNumber, stationRange(store)),
    () =>
      r.CustomerNumber === 0 || store.customers.has(r.CustomerNumber)
        ? null
        : outOfRange(
            'Reservation.CustomerNumber',
            r.CustomerNumber,
            '0 (none) or an existing customer number',
          ),
    () => maxLength(r, RESERVATION_LENGTHS, 'Reservation'),
    () => instantRange('Reservation.Start', r.Start),
    () => intRange('Reservation.DurationMinutes', r.DurationMinutes, 15, 720),
    () => intRange('Reservation.Persons', r.Persons, 1, 500),
    () => intRange('Reservation.Status', r.Status, 0, 5),
  );
}

const TICKET_LENGTHS = { TicketNumber: 30, ArticleName: 100 };

export function ticketProblem(t: TicketRow, store: Store): string | null {
  return firstProblem(
    () => maxLength(t, TICKET_LENGTHS, 'Ticket'),
    () =>
      t.ArticleNumber < 0
        ? outOfRange('Ticket.ArticleNumber', t.ArticleNumber, `0..${2 ** 31 - 1}`)
        : null,
    () =>
      t.CustomerNumber === 0 || store.customers.has(t.CustomerNumber)
        ? null
        : outOfRange(
            'Ticket.CustomerNumber',
            t.CustomerNumber,
            '0 (anonymous) or an existing customer number',
          ),
    () =>
      t.ReservationID === 0 || store.reservations.has(t.ReservationID)
        ? null
        : outOfRange(
            'Ticket.ReservationID',
            t.ReservationID,
            '0 (none) or an existing reservation ID',
          ),
    () => instantRange('Ticket.ValidFrom', t.ValidFrom),
    () => instantRange('Ticket.ValidTo', t.ValidTo),
    () =>
      t.ValidTo < t.ValidFrom
        ? outOfRange(
            'Ticket.ValidTo',
            formatInstant(t.ValidTo),
            `not before ValidFrom ${formatInstant(t.ValidFrom)}`,
          )
        : null,
    () =>
      t.Price < 0 || t.Price > 999_999_999
        ? outOfRange('Ticket.Price', t.Price, '0..999999999')
        : null,
    () => intRange('Ticket.Status', t.Status, 0, 2),
    () =>
      t.RedeemedStation === 0 || store.stationExists(t.RedeemedStation)
        ? null
        : outOfRange(
            'Ticket.RedeemedStation',
            t.RedeemedStation,
            `0 (not redeemed) or ${stationRange(store)}`,
          ),
  );
}

export function pagingProblem(pageIndex: number, pageSize: number): string | null {
  return firstProblem(
    () => (pageIndex < 0 ? outOfRange('PageIndex', pageIndex, `0..${2 ** 31 - 1}`) : null),
    () => intRange('PageSize', pageSize, 1, 500),
  );
}

export function filterListProblem(field: string, list: unknown[] | null): string | null {
  return list && list.length > 500
    ? outOfRange(`${field} (number of entries)`, list.length, '0..500')
    : null;
}
