import type http from 'node:http';

/** A route of `AppDeps.extraRoutes`: true (or a promise of true) when it answered the request. */
export type Route = (
  req: http.IncomingMessage,
  res: http.ServerResponse,
) => boolean | Promise<boolean>;

/** Tries the routes in order; the first that answers wins. */
export function combineRoutes(...routes: Route[]): Route {
  return async (req, res) => {
    for (const route of routes) if (await route(req, res)) return true;
    return false;
  };
}

/**
 * A route answering GET and HEAD on `paths` with `answer` (which must leave out the body for
 * HEAD); other methods on those paths get 405, other paths are left to the next route.
 */
export function readOnlyRoute(
  paths: readonly string[],
  answer: (
    path: string,
    req: http.IncomingMessage,
    res: http.ServerResponse,
  ) => void | Promise<void>,
): Route {
  return async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://subgraph.local').pathname;
    if (!paths.includes(path)) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
      res.end(`${req.method ?? ''} is not allowed on ${path}; use GET`);
      return true;
    }
    await answer(path, req, res);
    return true;
  };
}
