import type { Config } from '../config';
import { createDataPath, type DataPath } from './dataPath';
import { createGraphiqlRoutes } from '../graphiql';
import { createHealth, type Health } from '../ops/health';
import { createRequestLimits } from '../graphql/requestLimits';
import { createLogger, type Logger } from '../platform/logger';
import { createMetrics } from '../ops/metrics';
import { createRequestLogPlugin } from '../ops/requestLog';
import { combineRoutes, type Route } from '../ops/routes';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createFreshnessHintPlugin } from '../graphql/freshnessHint';
import { createApp, GRAPHQL_PATH, type App } from '../graphql/server';
import type { MirrorStatus } from '../data/mirror/mirror';
// Types only: the simulator is loaded with a dynamic import, and only when the config asks for it.
import type { RunningSimulator, SimulatorOptions } from '../simulator';
import { createApi300Client } from '../data/api300/client';
import { tokenPairId, type WindowAtStart } from '../data/gate/quota';
import { mirrorIdentity } from '../data/mirror/store/identity';
import { systemClock, type Clock } from '../platform/clock';
import { createChangePublication, type ChangePublication } from './changes';
import { createCacheTagsPlugin } from '../graphql/subscriptions/cacheTagsPlugin';

/**
 * The composition root: config → (embedded simulator) → API300 client → data path → app.
 * `src/main.ts` calls it with the environment's config; tests and benchmarks call it with
 * their own.
 */
export interface RunningSubgraph {
  /** `http://host:port/graphql` */
  url: string;
  port: number;
  /** The embedded simulator when `config.security.embeddedSimulator`, else `null`. */
  simulator: RunningSimulator | null;
  /** `http://host:port/metrics` when `METRICS_PORT` gives metrics their own listener, else `null`. */
  metricsUrl: string | null;
  app: App;
  dataPath: DataPath;
  health: Health;
  /** Where the mirror's changes go: subscriptions, router invalidation, Redis events. */
  changes: ChangePublication;
  /**
   * Graceful stop, as a platform expects it: `/readyz` answers 503 at once; requests are
   * still served for `config.shutdownDrainMs` (the load balancer's time to notice); then the
   * listener closes, in-flight requests finish (up to 10 s), upstream and Redis close, the
   * embedded simulator stops. A second call waits for the first.
   */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Default: a pino logger at `config.logLevel` on stdout. */
  logger?: Logger;
  /** Options of the embedded simulator (sizes, seed, clock); ignored with `API300_URL`. */
  simulator?: SimulatorOptions;
  /** Host to listen on (default all interfaces). */
  host?: string;
  /** Clock of the stop's drain period (default the system clock; tests move it by hand). */
  shutdownClock?: Clock;
  /**
   * With `API300_URL`: what is known of the token pair's calls before this start when nothing
   * persisted tells (`WindowAtStart`; default `unknown`, one window held). `empty` only for a
   * simulator the caller has just started. The embedded simulator is always `empty`.
   */
  windowAtStart?: WindowAtStart;
}

export async function startSubgraph(
  config: Config,
  options: StartOptions = {},
): Promise<RunningSubgraph> {
  const logger = options.logger ?? createLogger(config.logLevel);
  let simulator: RunningSimulator | null = null;
  let endpoint = config.api300.url;
  let tokens = { cusToken: config.api300.cusToken ?? '', authToken: config.api300.authToken ?? '' };
  warnAboutSecurity(config, logger);
  if (config.security.embeddedSimulator) {
    const { DEMO_TOKENS, startSimulator } = await import('../simulator/index.js');
    simulator = await startSimulator({ port: config.simulatorPort ?? 0, ...options.simulator });
    endpoint = simulator.endpoint;
    tokens = { cusToken: DEMO_TOKENS.cusToken, authToken: DEMO_TOKENS.authToken };
    logger[config.security.production ? 'warn' : 'info'](
      { simulator: simulator.baseUrl },
      'running against the embedded API300 simulator (demo data, demo tokens; API300_URL is not set)',
    );
  } else if (!endpoint) {
    throw new Error('API300_URL is not set and the embedded simulator is not asked for');
  }

  try {
    const api = await createApi300Client({
      endpoint,
      ...tokens,
      timeoutMs: config.api300.timeoutMs,
      transport: config.api300.transport,
    });
    // Metrics read the data path lazily (on scrape); the gate pushes queue waits to them.
    const metrics = createMetrics({
      dataPath: { stats: () => dataPath.stats() },
      // Read at scrape time, once the app below exists.
      subscriptions: {
        stats: () => {
          const stats = app.subscriptionStats();
          const hub = changes.subscriptions?.changes;
          return stats && hub ? { ...stats, slowConsumers: hub.slowConsumers() } : null;
        },
      },
    });
    const pair = tokenPairId(tokens.cusToken, tokens.authToken);
    const dataPath = createDataPath({
      api,
      config,
      tokenPairId: pair,
      storeIdentity: mirrorIdentity(endpoint, pair),
      onQueueWait: (waitMs, priority) => metrics.recordQueueWait(waitMs, priority),
      logger,
      // The embedded simulator was started just now: nobody has called it.
      windowAtStart: simulator ? 'empty' : (options.windowAtStart ?? 'unknown'),
    });
    // A refused store (another venue's copy, damaged) stops the start: close what opened.
    await dataPath.start().catch(async (error: unknown) => {
      await dataPath.close().catch(() => undefined);
      throw error;
    });
    const health = createHealth({ dataPath, redis: dataPath.redis });
    const mirror = dataPath.mirror;
    const limits = createRequestLimits({
      config,
      answeredLocally: mirror
        ? (kind) =>
            mirror.holds(kind) && (kind !== 'reservations' || mirror.reservationsFrom() === null)
        : undefined,
    });
    const changes = createChangePublication({
      config,
      mirror,
      redis: dataPath.redis,
      logger,
      dataSource: pair,
    });
    const app = await createApp({
      config,
      repository: dataPath.repository,
      idempotency: dataPath.idempotency,
      logger,
      subscriptions: changes.subscriptions,
      extraRoutes: combineRoutes(
        ...(config.graphiql ? [createGraphiqlRoutes({ endpointPath: GRAPHQL_PATH })] : []),
        ...(config.metricsPort === null ? [metrics.route] : []),
        health.route,
      ),
      plugins: [
        createRequestLogPlugin({ logger }),
        metrics.plugin,
        ...limits.plugins,
        createFreshnessHintPlugin(() => (mirror ? mirrorRefreshSeconds(mirror.status()) : null)),
        // Tags matter only to a router this subgraph tells of changes.
        ...(changes.invalidation ? [createCacheTagsPlugin()] : []),
      ],
      validationRules: limits.validationRules,
      parseOptions: limits.parseOptions,
    });
    health.schemaLoaded();
    const { url, port } = await app.listen(config.port, options.host);
    const metricsServer =
      config.metricsPort === null
        ? null
        : await listenRoutes(metrics.route, config.metricsPort, options.host);
    const clock = options.shutdownClock ?? systemClock;
    let stopped: Promise<void> | null = null;
    const stop = async () => {
      health.shuttingDown();
      await new Promise<void>((resolve) => clock.schedule(config.shutdownDrainMs, resolve));
      await app.stop();
      await metricsServer?.close();
      await changes.stop();
      await dataPath.close();
      await simulator?.close();
    };
    return {
      url,
      port,
      simulator,
      metricsUrl: metricsServer?.url ?? null,
      app,
      dataPath,
      health,
      changes,
      stop: () => (stopped ??= stop()),
    };
  } catch (error) {
    await simulator?.close();
    throw error;
  }
}

/** Start-up warnings of settings that are allowed but weaken production (never a secret's value). */
function warnAboutSecurity(config: Config, logger: Logger): void {
  const { security } = config;
  if (!security.production) return;
  if (security.routerAuthDisabled) {
    logger.warn(
      { setting: 'ROUTER_AUTH_DISABLED' },
      'ROUTER_AUTH_DISABLED=true: GraphQL answers every client that reaches this port, not only the router; keep it on a network only the router reaches',
    );
  }
  if (config.redisUrl !== null && security.cacheEncryptionKeys.length === 0) {
    logger.warn(
      { setting: 'CACHE_ENCRYPTION_KEY' },
      'CACHE_ENCRYPTION_KEY is not set: records are not cached in Redis (each replica caches in memory only), and idempotency keys are kept in the mirror database or, without one, per replica',
    );
  }
}

/** A listener of its own for `route` (`METRICS_PORT`); anything else is 404. */
async function listenRoutes(
  route: Route,
  port: number,
  host: string | undefined,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://metrics.local');
      if (await route(req, res, url)) return;
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('Not found; this port serves /metrics only');
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://${host ?? 'localhost'}:${actual}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * How long a record served by the mirror may be reused: the time between two passes of one
 * kind, when the sync spreads its calls a minute over the three paged kinds. `null` while the
 * mirror is not answering every kind (the read-through hints stand).
 */
function mirrorRefreshSeconds(status: MirrorStatus): number | null {
  if (status.state !== 'synced' && status.state !== 'lagging') return null;
  const callsPerMinute = status.sync?.callsPerMinute ?? 0;
  return callsPerMinute > 0 ? (60 * 3) / callsPerMinute : null;
}
