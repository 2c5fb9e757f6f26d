import { type KeyedKind } from '../../../domain/models';
import { DATE_FIELDS } from '../records';
import type { RecordOf } from '../types';

/**
 * Records as JSON text (PostgreSQL `jsonb`) and back. Dates are written as ISO strings (UTC,
 * milliseconds), so an operator reading the table with SQL sees instants, not numbers.
 *
 * JSON has no dates, and the trap is reviving "every string that looks like a date": a memo
 * or a guest name may hold exactly such a string, and must stay a string. So only the fields
 * the model types as `Date` are revived (`DATE_FIELDS`).
 */
export function recordToJson<K extends KeyedKind>(_kind: K, record: RecordOf[K]): string {
  return JSON.stringify(record);
}

/**
 * A record from its parsed JSON (node-postgres parses `jsonb` itself), its `Date` fields
 * revived in place; a `null` stays `null`.
 */
export function recordFromJson<K extends KeyedKind>(kind: K, parsed: unknown): RecordOf[K] {
  const record = parsed as Record<string, unknown>;
  for (const field of DATE_FIELDS[kind]) {
    const value = record[field];
    if (typeof value === 'string') record[field] = new Date(value);
  }
  return parsed as RecordOf[K];
}
