import { type KeyedKind } from '../../domain/models';
import { RECORD_KIND_INFO, keyOf, type DateFieldOf } from '../../domain/recordKinds';
import type { RecordOf } from './types';

/*
 * What the index and every store share about the mirrored records: their keys and Date
 * fields (from the kinds' descriptor, domain/recordKinds.ts), the newer-or-equal rule, and
 * immutable copies.
 */

/** The key of a record of `kind` (the keyed kinds; stations are a plain list without keys). */
export { keyOf };

/** The fields holding a `Date` (or `null`): stores encode them, copies freeze them. */
export const DATE_FIELDS: { readonly [K in KeyedKind]: readonly DateFieldOf<K>[] } = {
  customers: RECORD_KIND_INFO.customers.dateFields,
  reservations: RECORD_KIND_INFO.reservations.dateFields,
  tickets: RECORD_KIND_INFO.tickets.dateFields,
};

/**
 * The rule of the whole mirror: a record replaces the held one only when its `changed` is
 * newer or equal. Equal wins so that applying the same record twice, or a write's own
 * read-back within the same second, is harmless; an older copy never wins.
 */
export function replaces(
  incoming: { changed: Date },
  held: { changed: Date } | undefined,
): boolean {
  return held === undefined || incoming.changed.getTime() >= held.changed.getTime();
}

/** Same field values (Dates by instant): an equal put changes nothing. */
export function sameRecord(a: object, b: object): boolean {
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = Object.keys(left);
  if (keys.length !== Object.keys(right).length) return false;
  for (const key of keys) {
    const x = left[key];
    const y = right[key];
    if (x === y) continue;
    if (x instanceof Date && y instanceof Date && x.getTime() === y.getTime()) continue;
    return false;
  }
  return true;
}

const DATE_SETTERS = [
  'setDate',
  'setFullYear',
  'setHours',
  'setMilliseconds',
  'setMinutes',
  'setMonth',
  'setSeconds',
  'setTime',
  'setUTCDate',
  'setUTCFullYear',
  'setUTCHours',
  'setUTCMilliseconds',
  'setUTCMinutes',
  'setUTCMonth',
  'setUTCSeconds',
  'setYear',
] as const;

/**
 * A `Date` whose setters throw: `Object.freeze` does not protect a Date's time value, and a
 * record handed out by the index must not be changeable by its reader. It is a `Date` in
 * every other respect (`instanceof Date`, `getTime`, `toISOString`, JSON, `toEqual`); only
 * jest's `toStrictEqual` tells it from a plain Date (another constructor).
 */
export class FrozenDate extends Date {}
for (const setter of DATE_SETTERS) {
  Object.defineProperty(FrozenDate.prototype, setter, {
    value(this: Date) {
      throw new TypeError(`Date.${setter}: a mirror record is read-only`);
    },
  });
}

/**
 * The immutable copy the index (and the memory store) hold and hand out: a frozen copy with
 * `FrozenDate`s. An already frozen copy (one made here) is returned as it is, so the memory
 * store and the index share one object per record. Throws for a Date field that is not a
 * valid Date (a store that failed to revive one), naming the record and the field.
 *
 * The copies are object literals with every field in one order, not spreads: every record
 * of a kind then has one hidden class with its fields in the object, which a scan over all
 * of them reads faster (and holds in less memory) than spread copies of records of mixed
 * origins. A field added to a model is a compile error here.
 */
export function frozenRecord<K extends KeyedKind>(kind: K, record: RecordOf[K]): RecordOf[K] {
  if (Object.isFrozen(record) && record.changed instanceof FrozenDate) return record;
  const date = (field: string, value: Date | null, nullable = false): Date | null => {
    if (value === null && nullable) return null;
    if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
      throw new TypeError(
        `${kind} ${String(keyOf(kind, record))}: ${field} must be a valid Date, got ${describe(value)}`,
      );
    }
    return value instanceof FrozenDate ? value : Object.freeze(new FrozenDate(value.getTime()));
  };
  const copy = copyOf(kind)(record, date);
  Object.freeze(copy);
  return copy;
}

type DateCopy = (field: string, value: Date | null, nullable?: boolean) => Date | null;

type Copy<K extends KeyedKind> = (r: RecordOf[K], date: DateCopy) => RecordOf[K];

function copyOf<K extends KeyedKind>(kind: K): Copy<K> {
  const copies: { readonly [L in KeyedKind]: Copy<L> } = COPIES;
  return copies[kind];
}

const COPIES: { readonly [K in KeyedKind]: Copy<K> } = {
  customers: (c, date) => ({
    number: c.number,
    salutation: c.salutation,
    firstName: c.firstName,
    lastName: c.lastName,
    company: c.company,
    alias: c.alias,
    gender: c.gender,
    birthday: c.birthday,
    street: c.street,
    zipCode: c.zipCode,
    city: c.city,
    country: c.country,
    phonePrivate: c.phonePrivate,
    phoneBusiness: c.phoneBusiness,
    mobile: c.mobile,
    fax: c.fax,
    email: c.email,
    homepage: c.homepage,
    reachableFrom: c.reachableFrom,
    reachableTo: c.reachableTo,
    cardNumber: c.cardNumber,
    discount: c.discount,
    priceLevel: c.priceLevel,
    creditLimit: c.creditLimit,
    locked: c.locked,
    favourite: c.favourite,
    memo: c.memo,
    created: date('created', c.created)!,
    changed: date('changed', c.changed)!,
  }),
  reservations: (r, date) => ({
    id: r.id,
    stationNumber: r.stationNumber,
    customerNumber: r.customerNumber,
    guestName: r.guestName,
    phone: r.phone,
    email: r.email,
    start: date('start', r.start)!,
    durationMinutes: r.durationMinutes,
    persons: r.persons,
    tables: r.tables,
    status: r.status,
    comment: r.comment,
    created: date('created', r.created)!,
    changed: date('changed', r.changed)!,
  }),
  tickets: (t, date) => ({
    number: t.number,
    articleNumber: t.articleNumber,
    articleName: t.articleName,
    customerNumber: t.customerNumber,
    reservationId: t.reservationId,
    validFrom: date('validFrom', t.validFrom)!,
    validTo: date('validTo', t.validTo)!,
    price: t.price,
    status: t.status,
    redeemedAt: date('redeemedAt', t.redeemedAt, true),
    redeemedStation: t.redeemedStation,
    created: date('created', t.created)!,
    changed: date('changed', t.changed)!,
  }),
};

function describe(value: unknown): string {
  if (value instanceof Date) return 'an invalid Date';
  return value === null ? 'null' : `${typeof value} ${JSON.stringify(value)}`;
}
