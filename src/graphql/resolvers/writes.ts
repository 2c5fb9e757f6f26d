import type {
  CustomerInput,
  CustomerPatch,
  ReservationInput,
  ReservationPatch,
  TicketInput,
} from '../__generated__/resolvers-types';
import type {
  Customer,
  CustomerWrite,
  Reservation,
  ReservationWrite,
  TicketWrite,
} from '../../domain/models';

/**
 * GraphQL inputs → the whole records API300 writes (docs/api300-contract.md §7: every write replaces the
 * whole record). Inputs are validated before they get here.
 */

/** Empty text is stored as "no value", which is how API300 reports it back. */
function textOrNull(value: string | null | undefined): string | null {
  return value === undefined || value === null || value === '' ? null : value;
}

/** Values a customer field takes when an input leaves it out or a patch sets it to null. */
export const CUSTOMER_DEFAULTS: Readonly<CustomerWrite> = {
  number: 0,
  salutation: null,
  firstName: null,
  lastName: null,
  company: null,
  alias: null,
  gender: 'UNKNOWN',
  birthday: null,
  street: null,
  zipCode: null,
  city: null,
  country: null,
  phonePrivate: null,
  phoneBusiness: null,
  mobile: null,
  fax: null,
  email: null,
  homepage: null,
  reachableFrom: null,
  reachableTo: null,
  cardNumber: null,
  discount: 0,
  priceLevel: 1,
  creditLimit: 0,
  locked: false,
  favourite: false,
  memo: null,
};

type Fields<T> = { [K in keyof T]?: T[K] | null };

/**
 * `base` with every field that `changes` names replaced: a value replaces, `null` resets to
 * `defaults`, an absent field keeps `base`. Text fields go through `textOrNull`.
 */
function merge<T extends object>(base: T, changes: Fields<T>, defaults: T): T {
  const result = { ...base };
  for (const key of Object.keys(changes) as (keyof T)[]) {
    if (!(key in defaults)) continue;
    const value = changes[key];
    if (value === undefined) continue;
    const next = value === null ? defaults[key] : value;
    result[key] = (typeof next === 'string' ? textOrNull(next) : next) as T[keyof T];
  }
  return result;
}

export function customerWriteFromInput(input: CustomerInput): CustomerWrite {
  return merge(CUSTOMER_DEFAULTS, input as Fields<CustomerWrite>, CUSTOMER_DEFAULTS);
}

/** The current record with the patch applied; every field the patch leaves out survives. */
export function applyCustomerPatch(current: Customer, patch: CustomerPatch): CustomerWrite {
  const { created: _created, changed: _changed, ...whole } = current;
  void _created;
  void _changed;
  return merge<CustomerWrite>(whole, patch, CUSTOMER_DEFAULTS);
}

const RESERVATION_TEXT_DEFAULTS = {
  customerNumber: null,
  guestName: null,
  phone: null,
  email: null,
  tables: null,
  comment: null,
};

export function reservationWriteFromInput(input: ReservationInput): ReservationWrite {
  return {
    id: 0,
    stationNumber: input.stationNumber,
    customerNumber: input.customerNumber ?? null,
    guestName: textOrNull(input.guestName),
    phone: textOrNull(input.phone),
    email: textOrNull(input.email),
    start: input.start,
    durationMinutes: input.durationMinutes ?? 120,
    persons: input.persons,
    tables: textOrNull(input.tables),
    status: input.status ?? 'REQUESTED',
    comment: textOrNull(input.comment),
  };
}

/**
 * The current reservation with the patch applied. Null resets only the nullable fields;
 * a null for a required field (start, persons …) keeps the stored value.
 */
export function applyReservationPatch(
  current: Reservation,
  patch: ReservationPatch,
): ReservationWrite {
  const { created: _created, changed: _changed, ...whole } = current;
  void _created;
  void _changed;
  return merge<ReservationWrite>(whole, patch, {
    ...whole,
    ...RESERVATION_TEXT_DEFAULTS,
  });
}

export function ticketWriteFromInput(input: TicketInput): TicketWrite {
  return {
    // Empty = Hypersoft assigns the number (docs/api300-contract.md §8 `SetTicket` issues or changes).
    number: input.number ?? '',
    articleNumber: input.articleNumber,
    articleName: textOrNull(input.articleName),
    customerNumber: input.customerNumber ?? null,
    reservationId: input.reservationId ?? null,
    validFrom: input.validFrom,
    validTo: input.validTo,
    price: input.price,
    status: 'VALID',
    redeemedAt: null,
    redeemedStation: null,
  };
}
