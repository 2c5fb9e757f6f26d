import type http from 'node:http';
import { ASSETS_PATH, createAssetStore, isAssetName, sendAsset } from './assets';
import { EXAMPLE_OPERATIONS } from './exampleOperations';
import { CONTENT_SECURITY_POLICY, renderPage } from './page';

/**
 * GraphiQL for developers opening the GraphQL endpoint in a browser, served entirely from this
 * process (React, ReactDOM and GraphiQL come from node_modules): it works offline and loads
 * nothing from a CDN. See docs/graphiql.md.
 */

export { EXAMPLE_OPERATIONS } from './exampleOperations';
export { CONTENT_SECURITY_POLICY } from './page';
export { ASSETS_PATH } from './assets';

export interface GraphiqlOptions {
  /** Path of the GraphQL endpoint the page is served at and posts to (default `/graphql`). */
  endpointPath?: string;
  /** The document of the first tab (default `EXAMPLE_OPERATIONS`: read-only example queries). */
  exampleOperations?: string;
}

const ENDPOINT_PATH = /^\/[\w\-./]*$/;

/** q-value of the first Accept entry that `matches` (in the order the client listed them). */
function quality(accept: string, matches: (type: string) => boolean): number {
  for (const entry of accept.split(',')) {
    const [type, ...params] = entry.split(';').map((part) => part.trim().toLowerCase());
    if (!type || !matches(type)) continue;
    const q = params.find((param) => param.startsWith('q='));
    const value = q ? Number(q.slice(2)) : 1;
    return Number.isFinite(value) ? value : 0;
  }
  return 0;
}

/**
 * True when the client prefers HTML to a GraphQL response: browsers navigating to the URL
 * (`text/html,…,*\/*;q=0.8`). GraphQL clients (`application/json`, `*\/*`, or no Accept)
 * get GraphQL; a tie goes to GraphQL too.
 */
export function prefersHtml(accept: string | undefined): boolean {
  if (!accept) return false;
  const html = quality(accept, (type) => type === 'text/html');
  const graphql = quality(
    accept,
    (type) => type === 'application/json' || type === 'application/graphql-response+json',
  );
  return html > 0 && html > graphql;
}

/**
 * Returns a route hook (the `extraRoutes` of `createApp`) that returns true when it handled
 * the request:
 * - GET/HEAD `endpointPath` whose Accept prefers text/html → the GraphiQL page (no-cache,
 *   with a Content-Security-Policy allowing only this origin);
 * - GET/HEAD `/graphiql/assets/<file>` for a file of the allow-list → that file (content type,
 *   ETag, gzip, a year's immutable caching when the URL carries its current version), any
 *   other name → 404.
 * Everything else (GraphQL GETs and POSTs included) is left to the caller.
 *
 * The package files are read on the first request that needs them; a missing package shows
 * up there as a 500, logged by the caller's error handling.
 */
export function createGraphiqlRoutes(
  options: GraphiqlOptions = {},
): (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => boolean {
  const endpointPath = options.endpointPath ?? '/graphql';
  if (!ENDPOINT_PATH.test(endpointPath)) {
    throw new Error(`GraphiQL endpointPath must be an absolute URL path, got ${endpointPath}`);
  }
  const defaultQuery = options.exampleOperations ?? EXAMPLE_OPERATIONS;
  const assets = createAssetStore();
  let page: string | undefined;

  function sendPage(req: http.IncomingMessage, res: http.ServerResponse): void {
    page ??= renderPage({ endpointPath, defaultQuery, asset: (name) => assets.get(name) });
    const body = Buffer.from(page, 'utf8');
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'content-length': body.length,
      'content-security-policy': CONTENT_SECURITY_POLICY,
      'cache-control': 'no-cache',
      vary: 'accept',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cross-origin-opener-policy': 'same-origin',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  function sendError(res: http.ServerResponse, status: number, message: string): void {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(message);
  }

  return (req, res, url) => {
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') return false;
    let serve: () => void | Promise<void>;
    if (url.pathname === endpointPath && prefersHtml(req.headers.accept)) {
      serve = () => sendPage(req, res);
    } else if (url.pathname.startsWith(ASSETS_PATH)) {
      const name = url.pathname.slice(ASSETS_PATH.length);
      serve = isAssetName(name)
        ? () => sendAsset(req, res, assets.get(name), url.searchParams.get('v'))
        : () => sendError(res, 404, 'No such GraphiQL asset');
    } else {
      return false;
    }
    Promise.resolve()
      .then(serve)
      .catch(() =>
        sendError(res, 500, 'GraphiQL is unavailable: its package files could not be read'),
      );
    return true;
  };
}
