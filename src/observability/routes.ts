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
