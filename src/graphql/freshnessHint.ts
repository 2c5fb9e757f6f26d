import type { ApolloServerPlugin } from '@apollo/server';

export interface FreshnessHintOptions {
  /** The bound is asked anew at most this often (default 1000 ms): it moves with the sync's pace, not per request. */
  recomputeMs?: number;
  /** Monotonic clock in ms (default `performance.now`). */
  now?: () => number;
}

/**
 * The bound of a response's `max-age` when the mirror answers: the sync's pace (`paceSeconds`,
 * `null` = no bound: the mirror is not answering), or, when the router is told of every change
 * the mirror applies (router cache invalidation), the longer `invalidatedSeconds` an operator
 * allows (0 = the pace). The SDL hints stay the ceiling (the plugin below never raises).
 */
export function freshnessBoundSeconds(
  paceSeconds: number | null,
  invalidatedSeconds: number,
): number | null {
  return paceSeconds === null ? null : Math.max(paceSeconds, invalidatedSeconds);
}

/**
 * Response cache hints that follow the data's real freshness. The SDL's `@cacheControl` hints
 * (30 s for records, 300 s for stations) match the read-through cache's TTLs. When reads come
 * from the mirror, a record can change at the till and reach the mirror within one sync pass,
 * so a router or CDN must not reuse a response longer than that: `maxAgeSeconds()` lowers
 * every response's `max-age` to it (never raises it; mutations stay at 0). `null` leaves the
 * SDL hints as they are (no mirror, or the mirror not answering yet).
 */
export function createFreshnessHintPlugin(
  maxAgeSeconds: () => number | null,
  options: FreshnessHintOptions = {},
): ApolloServerPlugin {
  const recomputeMs = options.recomputeMs ?? 1000;
  const now = options.now ?? (() => performance.now());
  let header: string | null = null;
  let validUntil = -Infinity;
  const currentHeader = (): string | null => {
    const at = now();
    if (at >= validUntil) {
      const maxAge = maxAgeSeconds();
      header = maxAge === null ? null : `max-age=${Math.max(0, Math.floor(maxAge))}, public`;
      validUntil = at + recomputeMs;
    }
    return header;
  };
  const hooks: Awaited<ReturnType<NonNullable<ApolloServerPlugin['requestDidStart']>>> = {
    // Apollo's cache-control plugin runs after the app's plugins and lowers the policy it
    // computed from the hints to a `Cache-Control` header it finds (never raises it, and
    // keeps `no-store`), so a header set here is a bound, for one hook per request.
    async willSendResponse({ response }) {
      const value = currentHeader();
      if (value !== null) response.http.headers.set('cache-control', value);
    },
  };
  return {
    async requestDidStart() {
      return hooks;
    },
  };
}
