/**
 * JSON that keeps `Date`s (domain records carry instants): a Date is written as
 * `{"$date": epochMs}` and read back as a Date. Used for the Redis L2 and for cache keys of
 * list/search queries (`queryKey`), which must decode back to the query they name.
 */

export function encode(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key, encoded: unknown) {
    const raw = this[key];
    return raw instanceof Date ? { $date: raw.getTime() } : encoded;
  });
}

export function decode<T>(text: string): T {
  return JSON.parse(text, (_key, value: unknown) => {
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const keys = Object.keys(value);
      if (keys.length === 1 && keys[0] === '$date')
        return new Date((value as { $date: number }).$date);
    }
    return value;
  }) as T;
}

/**
 * A normalized cache key for a query object: fields in name order, `undefined` left out, key
 * lists sorted (their order does not change the answer). `decode(queryKey(q))` is a query
 * equivalent to `q`.
 */
export function queryKey(query: object): string {
  const normalized: Record<string, unknown> = {};
  for (const name of Object.keys(query).sort()) {
    const value = (query as Record<string, unknown>)[name];
    if (value === undefined) continue;
    normalized[name] = Array.isArray(value) ? [...(value as unknown[])].sort(compareKeys) : value;
  }
  return encode(normalized);
}

function compareKeys(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}
