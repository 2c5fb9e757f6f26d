import type { KeyOf, MirrorKind, RecordOf } from './types';

/**
 * What the index and every store share about the mirrored records: their keys, their Date
 * fields, the newer-or-equal rule, and immutable copies.
 */

/** The kinds with keys and a `changed` instant (stations are a plain list). */
export const RECORD_KINDS = ['customers', 'reservations', 'tickets'] as const;
export type RecordKind = Exclude<MirrorKind, 'stations'>;

export function keyOf<K extends RecordKind>(kind: K, record: RecordOf[K]): KeyOf[K] {
  switch (kind) {
    case 'customers':
      return (record as RecordOf['customers']).number as KeyOf[K];
    case 'reservations':
      return (record as RecordOf['reservations']).id as KeyOf[K];
    default:
      return (record as RecordOf['tickets']).number as KeyOf[K];
  }
}

/** The fields holding a `Date` (or `null`): stores encode them, copies freeze them. */
export const DATE_FIELDS = {
  customers: ['created', 'changed'],
  reservations: ['start', 'created', 'changed'],
  tickets: ['validFrom', 'validTo', 'redeemedAt', 'created', 'changed'],
} as const satisfies { [K in RecordKind]: readonly (keyof RecordOf[K])[] };

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
 * The immutable copy the index (and the memory store) hold and hand out: a frozen shallow
 * copy with `FrozenDate`s. An already frozen copy is returned as it is, so the memory store
 * and the index share one object per record. Throws for a Date field that is not a valid
 * Date (a store that failed to revive one), naming the record and the field.
 */
export function frozenRecord<K extends RecordKind>(kind: K, record: RecordOf[K]): RecordOf[K] {
  const dateFields = DATE_FIELDS[kind] as readonly string[];
  const source = record as unknown as Record<string, unknown>;
  if (
    Object.isFrozen(record) &&
    dateFields.every((f) => !(source[f] instanceof Date) || source[f] instanceof FrozenDate)
  ) {
    return record;
  }
  const copy: Record<string, unknown> = { ...source };
  for (const field of dateFields) {
    const value = copy[field];
    if (value === null && field === 'redeemedAt') continue;
    if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
      throw new TypeError(
        `${kind} ${String(keyOf(kind, record))}: ${field} must be a valid Date, got ${describe(value)}`,
      );
    }
    copy[field] =
      value instanceof FrozenDate ? value : Object.freeze(new FrozenDate(value.getTime()));
  }
  return Object.freeze(copy) as unknown as RecordOf[K];
}

function describe(value: unknown): string {
  if (value instanceof Date) return 'an invalid Date';
  return value === null ? 'null' : `${typeof value} ${JSON.stringify(value)}`;
}
