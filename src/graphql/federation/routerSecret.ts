import { createHash, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';

/**
 * Router-only access (docs/federation.md): when a shared secret is configured
 * (`ROUTER_SECRET`), every request to the GraphQL path must carry it in a header, so clients
 * cannot bypass the router (and its auth, rate limits and caches) to reach the subgraph.
 *
 * A guard is called for every HTTP request before GraphQL runs. It returns `true` when it
 * has answered the request itself (refused it), `false` when the request may go on. Requests
 * to other paths (health, metrics, the GraphiQL page) are never refused: they hold no data.
 *
 * The refusal is a GraphQL-shaped JSON error with HTTP 401 and code `UNAUTHENTICATED`; it
 * says which header is expected but never echoes the value that was sent. The comparison
 * takes the same time whatever the sent value is (both sides are hashed to a fixed length
 * first), so the secret cannot be guessed byte by byte from response times.
 */
export type RequestGuard = (
  req: http.IncomingMessage,
  res: http.ServerResponse,
  /** The request's URL, parsed once by the server. */
  url: URL,
) => boolean;

export const ROUTER_SECRET_HEADER = 'x-router-secret';

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * @param secret the shared secret; `null` (not configured) gives a guard that lets everything through.
 * @param headerName the header the router sends it in (case-insensitive).
 * @param guardedPath the path GraphQL is served at (`GRAPHQL_PATH` of src/graphql/server.ts).
 */
export function createRouterSecretGuard(
  secret: string | null,
  headerName = ROUTER_SECRET_HEADER,
  guardedPath = '/graphql',
): RequestGuard {
  if (secret === null) return () => false;
  const expected = digest(secret);
  const header = headerName.toLowerCase();

  return (req, res, url) => {
    if (url.pathname !== guardedPath) return false;
    const sent = req.headers[header];
    // A repeated header arrives as an array (or joined): never a match, so no ambiguity.
    if (typeof sent === 'string' && timingSafeEqual(digest(sent), expected)) return false;
    refuse(res, header);
    req.resume();
    return true;
  };
}

function refuse(res: http.ServerResponse, header: string): void {
  const body = JSON.stringify({
    errors: [
      {
        message: `This subgraph only serves requests from the router: the ${header} header is missing or wrong`,
        extensions: { code: 'UNAUTHENTICATED' },
      },
    ],
  });
  res.writeHead(401, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
  });
  res.end(body);
}
