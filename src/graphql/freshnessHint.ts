import type { ApolloServerPlugin } from '@apollo/server';

/** What Apollo's cache-control plugin adds to every resolver's info. */
interface WithCacheControl {
  cacheControl: { cacheHint: { restrict(hint: { maxAge: number }): void } };
}

/**
 * Response cache hints that follow the data's real freshness. The SDL's `@cacheControl` hints
 * (30 s for records, 300 s for stations) match the read-through cache's TTLs. When reads come
 * from the mirror, a record can change at the till and reach the mirror within one sync pass,
 * so a router or CDN must not reuse a response longer than that: `maxAgeSeconds()` lowers
 * every response's `max-age` to it (never raises it; mutations stay at 0). `null` leaves the
 * SDL hints as they are (no mirror, or the mirror not answering yet).
 */
export function createFreshnessHintPlugin(maxAgeSeconds: () => number | null): ApolloServerPlugin {
  return {
    async requestDidStart() {
      const maxAge = maxAgeSeconds();
      if (maxAge === null) return {};
      const hint = { maxAge: Math.max(0, Math.floor(maxAge)) };
      return {
        async executionDidStart() {
          return {
            // Restricting is a minimum, so it holds whichever hint the cache-control plugin
            // sets for the field before or after; the root fields bound the whole response.
            willResolveField({ info }) {
              if (info.path.prev === undefined)
                (info as unknown as WithCacheControl).cacheControl.cacheHint.restrict(hint);
            },
          };
        },
      };
    },
  };
}
