import type http from 'node:http';

/**
 * A route of `AppDeps.extraRoutes`: true (or a promise of true) when it answered the request.
 * `url` is the request's URL, parsed once by the server for every route (and GraphQL).
 * A route that does not answer says so synchronously (`false`), so a GraphQL request passes
 * the routes without a microtask each.
 */
export type Route = (
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
) => boolean | Promise<boolean>;

/** Tries the routes in order; the first that answers wins. */
export function combineRoutes(...routes: Route[]): Route {
  const from =
    (first: number): Route =>
    (req, res, url) => {
      for (let i = first; i < routes.length; i++) {
        const handled = routes[i](req, res, url);
        if (handled === true) return true;
        if (handled !== false) return handled.then((h) => h || from(i + 1)(req, res, url));
      }
      return false;
    };
  return from(0);
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
  return (req, res, url) => {
    const path = url.pathname;
    if (!paths.includes(path)) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
      res.end(`${req.method ?? ''} is not allowed on ${path}; use GET`);
      return true;
    }
    return Promise.resolve(answer(path, req, res)).then(() => true);
  };
}
