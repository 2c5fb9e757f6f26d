import type { MirrorKind, RecordOf } from '../types';

/**
 * Records as JSON and back, for stores that keep them as text (PostgreSQL `jsonb`, a file).
 *
 * JSON has no dates: `JSON.stringify` writes a `Date` as its ISO string, and reading it back
 * gives a string. The trap is reviving "every string that looks like a date": a memo or a
 * guest name may hold exactly such a string, and must stay a string. So only the fields the
 * domain model types as `Date` are revived, named here per kind; a new `Date` field in
 * domain/models.ts must be added here (the store tests round-trip every field).
 */
const DATE_FIELDS: { readonly [K in MirrorKind]: readonly (keyof RecordOf[K])[] } = {
  customers: ['created', 'changed'],
  reservations: ['start', 'created', 'changed'],
  tickets: ['validFrom', 'validTo', 'redeemedAt', 'created', 'changed'],
  stations: [],
};

/** A record as JSON text (dates as ISO strings with milliseconds, UTC). */
export function recordToJson<K extends MirrorKind>(_kind: K, record: RecordOf[K]): string {
  return JSON.stringify(record);
}

/**
 * A record from its parsed JSON, with its `Date` fields revived (a `null` stays `null`).
 * Takes the parsed object (node-postgres parses `jsonb` itself) and revives it in place.
 */
export function recordFromJson<K extends MirrorKind>(kind: K, parsed: unknown): RecordOf[K] {
  const record = parsed as Record<string, unknown>;
  for (const field of DATE_FIELDS[kind] as readonly string[]) {
    const value = record[field];
    if (typeof value === 'string') record[field] = new Date(value);
  }
  return record as unknown as RecordOf[K];
}
