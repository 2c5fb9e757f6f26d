/**
 * Key fields of entity representations, as a router may send them. `_entities` takes its
 * representations as `_Any`, so nothing coerces their fields to the key's declared type:
 * a router, a cache, or another subgraph that stores the key as text may send an `Int!` key
 * as `"42"` instead of `42`. Both must resolve to the same entity.
 */

const DECIMAL_INTEGER = /^-?\d{1,16}$/;

/**
 * The integer an `Int` key field stands for: a JSON integer, or a decimal string of one
 * (surrounding whitespace allowed). `null` for anything else (fractions, `"4e2"`, `""`,
 * booleans, objects, integers beyond 2^53), so the caller answers `null` without an
 * upstream call.
 */
export function intKeyOf(value: unknown): number | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : null;
  if (typeof value !== 'string') return null;
  const text = value.trim();
  if (!DECIMAL_INTEGER.test(text)) return null;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : null;
}
