import { Api300Error, codeForStatus, type Refusal } from '../errors';
import { isPersonalField, withheldValue } from '../../domain/personalData';
import type { Api300Operation, RecordFailure } from './types';

/**
 * API300's own answers that are not OK, turned into typed errors in one place: `Status.Code`
 * → `UpstreamErrorCode` (docs/api300-contract.md §5), and a validation refusal (Code 30) into the shape
 * of local validation (src/graphql/validation/checks.ts): `refusal.field` in GraphQL's names
 * (`stationNumber`, `lastName`, not API300's `Reservation.StationNumber`, `Customer.Name`),
 * `refusal.value` (personal data withheld, as local validation withholds it) and
 * `refusal.allowed` in API300's words.
 *
 * API300 words a Code 30 as `<Record>.<Field>: <value> is out of range (allowed: <allowed>).`
 * (docs/api300-contract.md §5, §9), an operation parameter without the `<Record>.`; a text value in
 * single quotes, cut after 40 characters as `'…' (N characters)`.
 *
 * API300's own text reaches a client only where it describes the token pair, a licence or
 * the record limit (Codes 10, 11, 20, 31). Wherever it may quote a record — a Code 30 in
 * another form, 40, 41, 99 and unknown codes — the message is this file's own wording: the
 * operation, the code, what it means, and for 41 the reason when API300 gave a known one;
 * API300's text is dropped, as it may hold personal data (a name, an e-mail address).
 */

/** API300 field → GraphQL field, per record (`''`: the parameters of an operation). */
const FIELD_NAMES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  Customer: {
    CustomerNumber: 'number',
    Salutation: 'salutation',
    FirstName: 'firstName',
    Name: 'lastName',
    Company: 'company',
    Alias: 'alias',
    Gender: 'gender',
    Birthday: 'birthday',
    Street: 'street',
    ZipCode: 'zipCode',
    City: 'city',
    Country: 'country',
    PhonePrivate: 'phonePrivate',
    PhoneBusiness: 'phoneBusiness',
    Mobile: 'mobile',
    Fax: 'fax',
    Email: 'email',
    Homepage: 'homepage',
    ReachableFrom: 'reachableFrom',
    ReachableTo: 'reachableTo',
    CardNumber: 'cardNumber',
    Discount: 'discount',
    PriceLevel: 'priceLevel',
    CreditLimit: 'creditLimit',
    Locked: 'locked',
    Favourite: 'favourite',
    Memo: 'memo',
  },
  Reservation: {
    ReservationID: 'id',
    StationNumber: 'stationNumber',
    CustomerNumber: 'customerNumber',
    GuestName: 'guestName',
    Phone: 'phone',
    Email: 'email',
    Start: 'start',
    DurationMinutes: 'durationMinutes',
    Persons: 'persons',
    Tables: 'tables',
    Status: 'status',
    Comment: 'comment',
  },
  Ticket: {
    TicketNumber: 'number',
    ArticleNumber: 'articleNumber',
    ArticleName: 'articleName',
    CustomerNumber: 'customerNumber',
    ReservationID: 'reservationId',
    ValidFrom: 'validFrom',
    ValidTo: 'validTo',
    Price: 'price',
    Status: 'status',
    RedeemedAt: 'redeemedAt',
    RedeemedStation: 'redeemedStation',
  },
  // Parameters of RedeemTicket, the only operation whose own parameters name a record field.
  '': {
    TicketNumber: 'number',
    StationNumber: 'stationNumber',
  },
};

const OUT_OF_RANGE =
  /^(?:(?<record>[A-Za-z]+)\.)?(?<field>[A-Za-z]+): (?<value>.*) is out of range \(allowed: (?<allowed>.*)\)\.?$/s;

/** `'text'`, `'text…' (N characters)` or a number, as API300 shows a refused value. */
const QUOTED = /^'(?<text>.*)'(?: \((?<length>\d+) characters\))?$/s;

function valueOf(shown: string, field: string): unknown {
  const quoted = QUOTED.exec(shown);
  if (quoted?.groups) {
    const { text, length } = quoted.groups;
    if (isPersonalField(field)) {
      return length ? `(withheld: personal data, ${length} characters)` : withheldValue(text);
    }
    return text;
  }
  const number = Number(shown);
  if (isPersonalField(field)) return withheldValue(shown);
  return shown !== '' && Number.isFinite(number) ? number : shown;
}

/** The refusal a Code 30 message describes, or `null` when it is not in API300's form. */
export function refusalOf(message: string | null): Refusal | null {
  const match = message === null ? null : OUT_OF_RANGE.exec(message.trim());
  if (!match?.groups) return null;
  const { record = '', field: wireField, value, allowed } = match.groups;
  const field = FIELD_NAMES[record]?.[wireField];
  if (!field) return null;
  return { field, value: valueOf(value, field), allowed };
}

function shown(value: unknown): string {
  return typeof value === 'string' && !value.startsWith('(withheld')
    ? JSON.stringify(value)
    : String(value);
}

/** `Refused by API300: <field> got <value>, allowed: <allowed>` — local validation's wording. */
export function describeRefusal(refusal: Refusal): string {
  return `Refused by API300: ${refusal.field} got ${shown(refusal.value)}, allowed: ${refusal.allowed}`;
}

/**
 * The error for a reply whose `Status.Code` is not 0. `message` is API300's `Status.Message`
 * with the tokens already removed; a Code 30 in API300's form is reworded (see above).
 */
export function statusError(
  operation: Api300Operation,
  statusCode: number,
  message: string | null,
): Api300Error {
  const code = codeForStatus(statusCode);
  const refusal = code === 'UPSTREAM_VALIDATION' ? refusalOf(message) : null;
  if (refusal) {
    return new Api300Error(code, `${describeRefusal(refusal)} (${operation}).`, {
      statusCode,
      operation,
      refusal,
    });
  }
  return new Api300Error(
    code,
    `API300 ${operation} answered Status.Code ${statusCode}${detailOf(operation, statusCode, message)}`,
    { statusCode, operation },
  );
}

/** Codes whose message describes the account, never a record: shown as API300 wrote it. */
const ACCOUNT_CODES: ReadonlySet<number> = new Set([10, 11, 20, 31]);

/** Reasons of a Code 41 that are shown (docs/api300-contract.md §5: a ticket's state or validity). */
const CONFLICT_REASONS = ['already redeemed', 'cancelled', 'outside its validity'] as const;

/** `: <detail>` of a status error: API300's text for account codes, this subgraph's otherwise. */
function detailOf(operation: Api300Operation, statusCode: number, message: string | null): string {
  if (ACCOUNT_CODES.has(statusCode)) return message ? `: ${message}` : '';
  const record = operation
    .replace(/^(Get|Set|Redeem)/, '')
    .replace(/s$/, '')
    .toLowerCase();
  switch (statusCode) {
    case 30:
      return ': API300 refused a value; its message is withheld (it is not in the form this subgraph reads, and may quote personal data)';
    case 40:
      return `: the ${record} does not exist`;
    case 41: {
      const reason = CONFLICT_REASONS.find((r) =>
        message?.trim().replace(/\.$/, '').endsWith(` is ${r}`),
      );
      return reason
        ? `: the ${record} is ${reason}`
        : `: the ${record}'s state does not allow this change`;
    }
    default:
      return ': an internal error of API300; its message is withheld (it may quote personal data)';
  }
}

/** `statusError` for one record of an upload, as the plain data a `SetResult` carries. */
export function recordFailure(
  operation: Api300Operation,
  statusCode: number,
  message: string | null,
): RecordFailure {
  const { code, message: text, details } = statusError(operation, statusCode, message);
  return { code, message: text, ...(details.refusal && { refusal: details.refusal }) };
}
