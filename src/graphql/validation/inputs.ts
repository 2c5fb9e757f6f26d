import type {
  CustomerFilter,
  ReservationFilter,
  TicketFilter,
  CustomerInput,
  CustomerPatch,
  ReservationInput,
  ReservationPatch,
  TicketInput,
} from '../__generated__/resolvers-types';
import { API300_MAX_RECORDS } from '../../domain/models';
import {
  amountAtLeast,
  checkFields,
  intAtLeast,
  intRange,
  joinPath,
  nonEmptyText,
  oneOf,
  pattern,
  text,
  type Check,
  type FieldChecks,
  type InputIssue,
} from './checks';

/** docs/api300-contract.md §9 ranges, one place for every operation that takes these records. */

export const CUSTOMER_NUMBER = intRange(1, 9_999_999);
export const POSITIVE_ID = intAtLeast(1);
export const TICKET_NUMBER = nonEmptyText(30);

const CUSTOMER_CHECKS: FieldChecks<CustomerInput & CustomerPatch> = {
  number: CUSTOMER_NUMBER,
  salutation: text(20),
  firstName: text(50),
  lastName: text(50),
  company: text(100),
  alias: text(50),
  street: text(100),
  zipCode: text(10),
  city: text(50),
  country: pattern(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 code: two capital letters, e.g. "DE"'),
  phonePrivate: text(30),
  phoneBusiness: text(30),
  mobile: text(30),
  fax: text(30),
  email: text(100),
  homepage: text(100),
  cardNumber: text(20),
  discount: intRange(0, 100),
  priceLevel: intRange(1, 9),
  creditLimit: amountAtLeast(0),
  memo: text(2000),
};

const RESERVATION_CHECKS: FieldChecks<ReservationInput & ReservationPatch> = {
  stationNumber: POSITIVE_ID,
  customerNumber: CUSTOMER_NUMBER,
  guestName: text(100),
  phone: text(30),
  email: text(100),
  durationMinutes: intRange(15, 720),
  persons: intRange(1, 500),
  tables: text(50),
  comment: text(1000),
};

const TICKET_CHECKS: FieldChecks<TicketInput> = {
  number: TICKET_NUMBER,
  articleNumber: POSITIVE_ID,
  articleName: text(100),
  customerNumber: CUSTOMER_NUMBER,
  reservationId: POSITIVE_ID,
  price: amountAtLeast(0),
};

/** The fields of which a customer record must name at least one. */
export const CUSTOMER_NAME_FIELDS = ['lastName', 'firstName', 'company'] as const;

const CUSTOMER_NAME: Check = {
  allowed:
    'a customer with a name: at least one of lastName, firstName or company holding a text ' +
    'that is not blank',
  accepts: (v) => typeof v === 'string' && v.trim() !== '',
};

/**
 * A whole customer record as it would be stored (`createCustomer`, an imported record, an
 * updated record after its patch): without any name it is a record nobody can find again,
 * so it is refused. The issue names `lastName`, the usual one to fill.
 */
export function checkCustomerName(
  record: Partial<Record<(typeof CUSTOMER_NAME_FIELDS)[number], string | null>>,
  path: string,
): InputIssue[] {
  if (CUSTOMER_NAME_FIELDS.some((field) => CUSTOMER_NAME.accepts(record[field]))) return [];
  return [
    {
      field: joinPath(path, 'lastName'),
      value: record.lastName ?? null,
      allowed: CUSTOMER_NAME.allowed,
    },
  ];
}

/** `createCustomer`: Hypersoft assigns the number, so none may be given; a name is needed. */
export function checkNewCustomer(input: CustomerInput, path: string): InputIssue[] {
  const issues = [...checkFields(input, CUSTOMER_CHECKS, path), ...checkCustomerName(input, path)];
  if (input.number !== null && input.number !== undefined) {
    issues.unshift({
      field: joinPath(path, 'number'),
      value: input.number,
      allowed:
        'no number: Hypersoft assigns it (use updateCustomer to change an existing customer)',
    });
  }
  return issues;
}

/** One record of `importCustomers`; a given number overwrites that customer as a whole. */
export function checkImportedCustomer(input: CustomerInput, path: string): InputIssue[] {
  return [...checkFields(input, CUSTOMER_CHECKS, path), ...checkCustomerName(input, path)];
}

export function checkCustomerPatch(patch: CustomerPatch, path: string): InputIssue[] {
  return checkFields(patch, CUSTOMER_CHECKS, path);
}

const NEW_RESERVATION_STATUS = oneOf(['REQUESTED', 'CONFIRMED']);

export function checkNewReservation(input: ReservationInput, path: string): InputIssue[] {
  const issues = checkFields(input, RESERVATION_CHECKS, path);
  if (input.status && !NEW_RESERVATION_STATUS.accepts(input.status)) {
    issues.push({
      field: joinPath(path, 'status'),
      value: input.status,
      allowed: NEW_RESERVATION_STATUS.allowed,
    });
  }
  return issues;
}

export function checkReservationPatch(patch: ReservationPatch, path: string): InputIssue[] {
  return checkFields(patch, RESERVATION_CHECKS, path);
}

export function checkNewTicket(input: TicketInput, path: string): InputIssue[] {
  const issues = checkFields(input, TICKET_CHECKS, path);
  if (input.validTo.getTime() <= input.validFrom.getTime()) {
    issues.push({
      field: joinPath(path, 'validTo'),
      value: input.validTo.toISOString(),
      allowed: `an instant after validFrom (${input.validFrom.toISOString()})`,
    });
  }
  return issues;
}

/**
 * A station number against Hypersoft's station list (`stations`, cached): a number the list
 * does not hold is refused without an upstream call. The list may lag the POS by up to its
 * cache TTL, so a station created in Hypersoft just now may be refused until it refreshes.
 */
export function checkStationExists(
  value: number,
  field: string,
  stations: readonly { number: number }[],
): InputIssue[] {
  if (stations.some((s) => s.number === value)) return [];
  const numbers = stations.map((s) => s.number).sort((a, b) => a - b);
  return [
    {
      field,
      value,
      allowed:
        numbers.length === 0
          ? 'a station of Hypersoft (it has none)'
          : `a station of Hypersoft: one of ${numbers.join(', ')}`,
    },
  ];
}

/** A single key argument (`customer(number)`, `updateReservation(id)` …). */
export function checkKey(value: unknown, field: string, check: Check): InputIssue[] {
  return check.accepts(value) ? [] : [{ field, value, allowed: check.allowed }];
}

export function checkCustomerFilter(filter: CustomerFilter, path: string): InputIssue[] {
  const issues: InputIssue[] = [];
  const numbers = filter.numbers ?? [];
  if (numbers.length > API300_MAX_RECORDS) {
    issues.push({
      field: joinPath(path, 'numbers'),
      value: numbers,
      allowed: `at most ${API300_MAX_RECORDS} numbers`,
    });
  }
  numbers.forEach((n, i) =>
    issues.push(...checkKey(n, `${joinPath(path, 'numbers')}[${i}]`, CUSTOMER_NUMBER)),
  );
  if (filter.search !== null && filter.search !== undefined) {
    issues.push(...checkKey(filter.search, joinPath(path, 'search'), text(100)));
  }
  return issues;
}

export function checkReservationFilter(filter: ReservationFilter, path: string): InputIssue[] {
  return checkFields(filter, { stationNumber: POSITIVE_ID, customerNumber: CUSTOMER_NUMBER }, path);
}

export function checkTicketFilter(filter: TicketFilter, path: string): InputIssue[] {
  return checkFields(filter, { customerNumber: CUSTOMER_NUMBER, reservationId: POSITIVE_ID }, path);
}
