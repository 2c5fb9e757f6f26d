import type http from 'node:http';
import type { MirrorStatus } from '../data/mirror/mirror';
import type { ObservableDataPath } from '../data/stats';
import { readOnlyRoute, type Route } from './routes';

/**
 * `/healthz` and `/readyz` for the orchestrator (docs/operations.md, "Health").
 *
 * - `/healthz` — liveness: 200 whenever the event loop answers. Checks nothing else, so a
 *   dependency outage never gets the process killed.
 * - `/readyz` — readiness means "can serve": 200 when the schema is loaded, the app is not
 *   shutting down, and reads can be answered — by the mirror (it answers at least one of
 *   customers, reservations, tickets from memory) or through upstream (the breaker is closed,
 *   the last upstream call did not find API300 unreachable within `unreachableForMs`, the
 *   quota grants calls: not held, its store reachable, Redis connected when configured).
 *   So a replica whose mirror serves stays ready while API300 is slow or down, the breaker is
 *   open or Redis is away; it is unready only while it can serve nothing (a first load with
 *   API300 unusable) or is stopping. The JSON body names every check: `reasons` lists those
 *   that make it unready, `degraded` those that fail while the mirror serves.
 *
 * Readiness never calls API300 or Redis: it reads `dataPath.stats()` and the Redis client's
 * connection status, so probes cost no upstream budget however often they come.
 */

export interface HealthDeps {
  /** The data path's state (breaker, last upstream call); without it those checks are skipped. */
  dataPath?: ObservableDataPath;
  /** The Redis client when `REDIS_URL` is set (ioredis: `status === 'ready'` when connected). */
  redis?: { readonly status: string } | null;
  /**
   * How long a failed ("unavailable") last upstream call keeps the replica unready (default
   * 30 s). It must end on its own: readiness makes no calls, and an unready replica gets no
   * traffic that could make one, so without this it would never become ready again.
   */
  unreachableForMs?: number;
  /** Clock in epoch ms (default `Date.now`). */
  now?: () => number;
}

export interface CheckResult {
  ok: boolean;
  /** Why it failed, or extra facts; never secrets. */
  detail?: string;
}

export interface Health {
  route: Route;
  /** Call once `createApp` resolved (Apollo started with the schema). Until then: unready. */
  schemaLoaded(): void;
  /** Call first thing on SIGTERM: readiness fails so the load balancer stops sending traffic. */
  shuttingDown(): void;
  /** The readiness verdict, as `/readyz` reports it. */
  readiness(): {
    ready: boolean;
    checks: Record<string, CheckResult>;
    /** Failing checks that make the replica unready. */
    unready: string[];
    /** Failing checks that leave it ready, because the mirror serves without them. */
    degraded: string[];
    /** The mirror's state when there is one (also in the `/readyz` body). */
    mirror: MirrorStatus | null;
  };
}

export const LIVENESS_PATH = '/healthz';
export const READINESS_PATH = '/readyz';

export function createHealth(deps: HealthDeps = {}): Health {
  const now = deps.now ?? Date.now;
  const unreachableForMs = deps.unreachableForMs ?? 30_000;
  let loaded = false;
  let stopping = false;

  function readiness() {
    const stats = deps.dataPath?.stats();
    const checks: Record<string, CheckResult> = {
      schema: loaded ? { ok: true } : { ok: false, detail: 'schema not loaded yet' },
      lifecycle: stopping ? { ok: false, detail: 'shutting down' } : { ok: true },
    };
    /** Checks of the road to API300: the replica needs them only while the mirror serves nothing. */
    const upstreamChecks: string[] = [];
    if (stats) {
      const { upstream, quota } = stats;
      checks.breaker =
        upstream.breaker === 'closed'
          ? { ok: true }
          : { ok: false, detail: `circuit breaker ${upstream.breaker}` };
      const last = upstream.lastCall;
      const unreachableAgoMs = last && !last.reachable ? now() - last.at : null;
      checks.upstream =
        unreachableAgoMs !== null && unreachableAgoMs < unreachableForMs
          ? {
              ok: false,
              detail: `last API300 call ${Math.round(unreachableAgoMs / 1000)} s ago found it unreachable`,
            }
          : { ok: true, detail: `budget left in window: ${upstream.budgetLeft} calls` };
      upstreamChecks.push('breaker', 'upstream');
      if (quota) {
        checks.quota = quota.hold
          ? {
              ok: false,
              detail: `no upstream call before ${new Date(quota.hold.until).toISOString()}: ${quota.hold.reason}`,
            }
          : quota.available
            ? { ok: true, detail: `kept in ${quota.store}` }
            : { ok: false, detail: `the quota's store (${quota.store}) does not answer` };
        upstreamChecks.push('quota');
      }
    }
    const mirror = stats?.mirror;
    const mirrorServes = (mirror?.serving ?? []).some((kind) => kind !== 'stations');
    if (mirror) {
      const behind = Object.entries(mirror.kinds)
        .filter(([, k]) => k && k.phase !== 'synced')
        .map(([kind, k]) =>
          k.phase === 'loading' && k.progress
            ? `${kind} loading ${k.progress.loaded} of ${k.progress.total ?? '?'}`
            : k.phase === 'licence-missing'
              ? `${kind} not mirrored: licence missing (${k.licenceMissing ?? 'unknown'})`
              : `${kind} ${k.phase}${k.lagSeconds !== null ? `, ${Math.round(k.lagSeconds)} s behind` : ''}`,
        );
      // Informative: while the mirror loads, reads go read-through.
      checks.mirror = {
        ok: true,
        detail: `${mirror.state}${behind.length ? `: ${behind.join('; ')}` : ''}; serving ${
          mirror.serving.length ? mirror.serving.join(', ') : 'nothing yet'
        } from the mirror`,
      };
    }
    if (deps.redis) {
      checks.redis =
        deps.redis.status === 'ready'
          ? { ok: true }
          : { ok: false, detail: `redis connection ${deps.redis.status}` };
      upstreamChecks.push('redis');
    }
    const failing = Object.keys(checks).filter((name) => !checks[name].ok);
    // The mirror answers reads without API300: the road to it is then not needed to serve.
    const required = failing.filter((name) => !(mirrorServes && upstreamChecks.includes(name)));
    return {
      ready: required.length === 0,
      checks,
      unready: required,
      degraded: failing.filter((name) => !required.includes(name)),
      mirror: mirror ?? null,
    };
  }

  function send(res: http.ServerResponse, status: number, body: object, head: boolean) {
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
    });
    res.end(head ? undefined : JSON.stringify(body));
  }

  const route = readOnlyRoute([LIVENESS_PATH, READINESS_PATH], (path, req, res) => {
    const head = req.method === 'HEAD';
    if (path === LIVENESS_PATH) {
      send(res, 200, { status: 'alive' }, head);
      return;
    }
    const { ready, checks, unready, degraded, mirror } = readiness();
    const say = (name: string) => `${name}: ${checks[name].detail ?? 'failed'}`;
    send(
      res,
      ready ? 200 : 503,
      {
        status: ready ? 'ready' : 'not ready',
        reasons: unready.map(say),
        degraded: degraded.map(say),
        checks,
        ...(mirror ? { mirror } : {}),
      },
      head,
    );
  });

  return {
    route,
    schemaLoaded() {
      loaded = true;
    },
    shuttingDown() {
      stopping = true;
    },
    readiness,
  };
}
