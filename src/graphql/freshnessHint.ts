import type { ApolloServerPlugin } from '@apollo/server';

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
      return {
        // Apollo's cache-control plugin runs after the app's plugins and lowers the policy it
        // computed from the hints to a `Cache-Control` header it finds (never raises it, and
        // keeps `no-store`), so a header set here is a bound, for one hook per request.
        async willSendResponse({ response }) {
          const maxAge = maxAgeSeconds();
          if (maxAge === null) return;
          response.http.headers.set(
            'cache-control',
            `max-age=${Math.max(0, Math.floor(maxAge))}, public`,
          );
        },
      };
    },
  };
}
