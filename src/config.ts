import { readFileSync } from 'node:fs';

/**
 * The subgraph's whole configuration, read from the environment once at boot and frozen.
 * Nothing else in the product reads `process.env`. Every setting is documented in README.md
 * ("Configuration"); keep the two in step.
 */
export interface Config {
  /** HTTP port of the subgraph (`PORT`, default 4001). 0 picks a free port. */
  port: number;
  /**
   * Port that alone serves `/metrics` (`METRICS_PORT`; 0 picks a free port). `null` (default):
   * `/metrics` is served on `PORT` beside GraphQL.
   */
  metricsPort: number | null;
  api300: {
    /**
     * Endpoint URL (`API300_URL`). `null` → the embedded simulator with its demo tokens
     * (`security.embeddedSimulator`; in production only with `API300_SIMULATOR=embedded`).
     */
    url: string | null;
    cusToken: string | null;
    authToken: string | null;
    /** Per-call timeout (`API300_TIMEOUT_MS`, default 10000). */
    timeoutMs: number;
    /**
     * How the client reaches API300 (`API300_TRANSPORT`, default `soap11`): `soap11`, `soap12`
     * or `json` (ASMX's JSON mode). The deprecated `API300_SOAP_VERSION` (`1.1`/`1.2`) still
     * selects `soap11`/`soap12` when `API300_TRANSPORT` is unset; both set and disagreeing is
     * an error.
     */
    transport: Api300TransportName;
  };
  /** Port of the embedded simulator (`SIMULATOR_PORT`; `null` = a free port). */
  simulatorPort: number | null;
  upstream: {
    /** Calls started in any rolling 60 s (`UPSTREAM_CALLS_PER_MINUTE`, default 50, max 60). */
    callsPerMinute: number;
    /** Share of the budget only writes may use (`UPSTREAM_WRITE_RESERVE`, default 5). */
    writeReserve: number;
    /** Deadline of one GraphQL request (`REQUEST_DEADLINE_MS`, default 10000). */
    requestDeadlineMs: number;
  };
  cache: {
    /** TTL of fresh customer/reservation/ticket entries (`CACHE_TTL_MS`, default 30000). */
    ttlMs: number;
    /** How long past its TTL an entry may still be served stale (`CACHE_STALE_MS`, default 300000). */
    staleMs: number;
    /** TTL of "not found" (`CACHE_NOT_FOUND_TTL_MS`, default 10000). */
    notFoundTtlMs: number;
    /** TTL of the station list (`CACHE_STATIONS_TTL_MS`, default 300000). */
    stationsTtlMs: number;
    /** Most entries per entity kind (`CACHE_MAX_ENTRIES`, default 50000). */
    maxEntries: number;
  };
  /** Redis for the shared quota, cache L2 and write locks (`REDIS_URL`; `null` = in memory). */
  redisUrl: string | null;
  /** The mirror shared by several replicas on PostgreSQL (docs/mirror.md, "Shared mode"). */
  mirrorDatabase: {
    /**
     * `MIRROR_DATABASE_URL` (or `MIRROR_DATABASE_URL_FILE`): `postgres://…` or
     * `postgresql://…`, a secret (it may hold a password; never echoed). `null` = each replica
     * keeps its own mirror.
     */
    url: string | null;
    /** How long a leader's lease lasts unrenewed (`MIRROR_LEASE_TTL_MS`, default 15000, 1000–300000). */
    leaseTtlMs: number;
    /** How often the leader renews and the others try (`MIRROR_LEASE_RENEW_MS`, default a third of the ttl; below it). */
    leaseRenewMs: number;
    /**
     * How long a delete stays in the change feed (`MIRROR_TOMBSTONE_RETENTION_MS`, default
     * 3600000, 60000–604800000); a replica away longer loads the whole copy again.
     */
    tombstoneRetentionMs: number;
  };
  /** Live changes pushed out (docs/subscriptions.md). */
  subscriptions: SubscriptionsConfig;
  /** Callback subscriptions shared between replicas through Redis (block at the end of this file). */
  callbackSubscriptions: CallbackSubscriptionsConfig;
  /** Whether introspection is allowed (`INTROSPECTION`, default true; false in production). */
  introspection: boolean;
  /** Whether `/graphql` serves the GraphiQL page to browsers (`GRAPHIQL`, default true; false in production). */
  graphiql: boolean;
  security: SecurityConfig;
  /** pino level (`LOG_LEVEL`, default `info`). */
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /**
   * How long a stopping process keeps serving after SIGTERM while `/readyz` already answers
   * 503 (`SHUTDOWN_DRAIN_MS`, default 5000, 0–120000): the time a load balancer needs to see
   * it unready and stop sending traffic. Then the listener closes and in-flight requests
   * finish (up to 10 s more). Keep it below the platform's termination grace period minus 10 s.
   */
  shutdownDrainMs: number;
  mirror: {
    /** Keep a local copy of the POS and answer reads from it (`MIRROR`, default true). */
    enabled: boolean;
    /**
     * Reservations are mirrored from this many days back on, and every future one
     * (`MIRROR_RESERVATIONS_DAYS_BACK`, 0..3650). `null` (unset, the default): every
     * reservation. Reads that reach before the window go read-through.
     */
    reservationsDaysBack: number | null;
    /**
     * Folder of the embedded store on disk (`MIRROR_STORE_PATH`): the mirror survives a
     * restart and resumes from its watermarks, and the upstream quota's journal lives beside
     * it. Default with `API300_URL`: `DEFAULT_STORE_PATH` (`data`, under the working
     * directory; `/app/data` in the image, a volume). `null` — `:memory:`, or the embedded
     * simulator by default: in memory, loaded anew at start. The mirror ignores it when
     * `MIRROR_DATABASE_URL` is set.
     */
    storePath: string | null;
    sync: {
      /** Pause between two delta passes of one kind (`MIRROR_SYNC_INTERVAL_MS`, default 2000, 500..3600000). */
      intervalMs: number;
      /**
       * Share of the read budget (`UPSTREAM_CALLS_PER_MINUTE − UPSTREAM_WRITE_RESERVE`) the sync
       * may hold in any 60 s (`MIRROR_SYNC_SHARE`, default 0.5, 0.05..1; at least one call a minute).
       */
      share: number;
      /**
       * Share of the read budget the sync may hold in any 60 s while an initial load runs, its
       * pages before interactive reads (`MIRROR_SYNC_LOAD_SHARE`, default 0.8, 0.05..1; at
       * least `share`).
       */
      loadShare: number;
      /** A delta re-reads this much before its watermark (`MIRROR_SYNC_OVERLAP_MS`, default 5000, 0..3600000). */
      overlapMs: number;
      /** Full read that removes what vanished in the POS (`MIRROR_RECONCILE_INTERVAL_MS`, default 14400000 = 4 h, 60000..604800000). */
      reconcileIntervalMs: number;
      /** A kind without its licence is asked again after (`MIRROR_LICENCE_RETRY_MS`, default 3600000, 60000..86400000). */
      licenceRetryMs: number;
      /** The station list is read again after (`MIRROR_STATIONS_INTERVAL_MS`, default 300000, 10000..86400000). */
      stationsIntervalMs: number;
      /**
       * A delta of a kind whose data is older than this asks at write priority, so writes cannot
       * starve the sync (`MIRROR_SYNC_URGENT_AFTER_MS`, default 15000, 2000..3600000).
       */
      urgentAfterMs: number;
    };
  };
}

/**
 * Production mode, who may call the subgraph, and the key of personal data at rest
 * (docs/operations.md, "Production checklist"; docs/federation.md, "Router-only access").
 */
export interface SecurityConfig {
  /**
   * `NODE_ENV=production`: API300_URL and its tokens are required (no demo data by accident),
   * a router credential is required (or the explicit `ROUTER_AUTH_DISABLED=true`), and
   * introspection and GraphiQL default to off.
   */
  production: boolean;
  /**
   * Run the embedded API300 simulator: without `API300_URL` outside production, or when asked
   * for with `API300_SIMULATOR=embedded` (then also in production, e.g. a demo image).
   */
  embeddedSimulator: boolean;
  /**
   * Values accepted in the `x-router-secret` header: `ROUTER_SECRET`, then
   * `ROUTER_SECRET_PREVIOUS` during a rotation (each also `_FILE`). Empty: no shared secret.
   */
  routerSecrets: readonly string[];
  /**
   * Keys of Hive Gateway's HMAC signature (`extensions.hmac-signature`): `ROUTER_HMAC_SECRET`,
   * then `ROUTER_HMAC_SECRET_PREVIOUS` (each also `_FILE`). Empty: signatures are not checked.
   */
  routerHmacSecrets: readonly string[];
  /**
   * `ROUTER_AUTH_DISABLED=true`: production without a router credential, for a network only
   * the router reaches; the subgraph starts with a warning.
   */
  routerAuthDisabled: boolean;
  /**
   * AES-256-GCM keys of the records in Redis, base64 of 32 bytes: `CACHE_ENCRYPTION_KEY` first
   * (encrypts), then the comma-separated `CACHE_ENCRYPTION_PREVIOUS_KEYS` (read only, during a
   * rotation); each also `_FILE`. Empty: outside production records are stored in plain JSON;
   * in production the Redis cache level is off.
   */
  cacheEncryptionKeys: readonly string[];
}

/** Shortest router secret production accepts: guessing one must stay out of reach. */
export const MIN_ROUTER_SECRET_LENGTH = 16;

/**
 * Settings of the API300 simulator when it runs alone (`npm run simulator`). The embedded
 * simulator of `npm start` takes only `SIMULATOR_PORT` (in `Config`).
 */
export interface SimulatorConfig {
  /** `SIMULATOR_PORT`, default 4090; 0 picks a free port. */
  port: number;
  /** `SIMULATOR_HOST`, default 127.0.0.1. */
  host: string;
  /**
   * `SIMULATOR_TOKENS`: JSON list of `{"cusToken","authToken","licences"}` (licences a subset of
   * customers, reservations, tickets; default all). `null` = the demo token pair.
   */
  tokens: SimulatorTokenPair[] | null;
  /** `SIMULATOR_SEED`: seed of the demo data (default: the simulator's fixed seed). */
  seed: number | null;
  /** `SIMULATOR_CUSTOMERS`, `_RESERVATIONS`, `_TICKETS`, `_STATIONS`: demo data sizes. */
  customers: number | null;
  reservations: number | null;
  tickets: number | null;
  stations: number | null;
}

export const SIMULATOR_LICENCES = ['customers', 'reservations', 'tickets'] as const;

export interface SimulatorTokenPair {
  cusToken: string;
  authToken: string;
  licences: (typeof SIMULATOR_LICENCES)[number][];
}

/** The client's transports (`API300_TRANSPORT`); trade-offs in docs/api300-client.md. */
export const API300_TRANSPORTS = ['soap11', 'soap12', 'json'] as const;
export type Api300TransportName = (typeof API300_TRANSPORTS)[number];

/** A setting that failed validation; the message names the variable, the value and what is allowed. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Validates `env` and returns a frozen Config; throws one ConfigError listing every bad value. */
export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const read = new Reader(env, problems);
  const production = read.string('NODE_ENV') === 'production';
  const api300Url = read.url('API300_URL');

  const config: Config = {
    port: read.int('PORT', 4001, 0, 65535),
    metricsPort: read.optionalInt('METRICS_PORT', 0, 65535),
    api300: {
      url: api300Url,
      cusToken: read.secret('API300_CUS_TOKEN'),
      authToken: read.secret('API300_AUTH_TOKEN'),
      timeoutMs: read.int('API300_TIMEOUT_MS', 10000, 100, 120000),
      transport: readTransport(read, problems),
    },
    simulatorPort: read.optionalInt('SIMULATOR_PORT', 0, 65535),
    upstream: {
      callsPerMinute: read.int('UPSTREAM_CALLS_PER_MINUTE', 50, 1, 60),
      writeReserve: read.int('UPSTREAM_WRITE_RESERVE', 5, 0, 59),
      requestDeadlineMs: read.int('REQUEST_DEADLINE_MS', 10000, 100, 600000),
    },
    cache: {
      ttlMs: read.int('CACHE_TTL_MS', 30000, 1, 86_400_000),
      staleMs: read.int('CACHE_STALE_MS', 300000, 0, 86_400_000),
      notFoundTtlMs: read.int('CACHE_NOT_FOUND_TTL_MS', 10000, 1, 86_400_000),
      stationsTtlMs: read.int('CACHE_STATIONS_TTL_MS', 300000, 1, 86_400_000),
      maxEntries: read.int('CACHE_MAX_ENTRIES', 50000, 1, 10_000_000),
    },
    redisUrl: read.url('REDIS_URL', ['redis:', 'rediss:']),
    mirrorDatabase: readMirrorDatabase(read),
    subscriptions: readSubscriptions(read, problems),
    callbackSubscriptions: readCallbackSubscriptions(read),
    introspection: read.bool('INTROSPECTION', !production),
    graphiql: read.bool('GRAPHIQL', !production),
    security: readSecurity(read, production, api300Url),
    logLevel: read.oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
    shutdownDrainMs: read.int('SHUTDOWN_DRAIN_MS', 5000, 0, 120_000),
    mirror: {
      enabled: read.bool('MIRROR', true),
      reservationsDaysBack: read.optionalInt('MIRROR_RESERVATIONS_DAYS_BACK', 0, 3650),
      storePath: readStorePath(read, env),
      sync: {
        intervalMs: read.int('MIRROR_SYNC_INTERVAL_MS', 2000, 500, 3_600_000),
        share: read.decimal('MIRROR_SYNC_SHARE', 0.5, 0.05, 1),
        loadShare: read.decimal('MIRROR_SYNC_LOAD_SHARE', 0.8, 0.05, 1),
        overlapMs: read.int('MIRROR_SYNC_OVERLAP_MS', 5000, 0, 3_600_000),
        reconcileIntervalMs: read.int(
          'MIRROR_RECONCILE_INTERVAL_MS',
          14_400_000,
          60_000,
          604_800_000,
        ),
        licenceRetryMs: read.int('MIRROR_LICENCE_RETRY_MS', 3_600_000, 60_000, 86_400_000),
        stationsIntervalMs: read.int('MIRROR_STATIONS_INTERVAL_MS', 300_000, 10_000, 86_400_000),
        urgentAfterMs: read.int('MIRROR_SYNC_URGENT_AFTER_MS', 15_000, 2_000, 3_600_000),
      },
    },
  };

  if (config.mirrorDatabase.leaseRenewMs >= config.mirrorDatabase.leaseTtlMs) {
    problems.push(
      `MIRROR_LEASE_RENEW_MS=${config.mirrorDatabase.leaseRenewMs} must be less than ` +
        `MIRROR_LEASE_TTL_MS=${config.mirrorDatabase.leaseTtlMs}, or the lease expires between renewals`,
    );
  }
  if (config.upstream.writeReserve >= config.upstream.callsPerMinute) {
    problems.push(
      `UPSTREAM_WRITE_RESERVE=${config.upstream.writeReserve} must be less than ` +
        `UPSTREAM_CALLS_PER_MINUTE=${config.upstream.callsPerMinute}, or reads could never run`,
    );
  }
  const readCalls = config.upstream.callsPerMinute - config.upstream.writeReserve;
  if (config.mirror.enabled && readCalls > 0 && config.mirror.sync.share * readCalls < 1) {
    problems.push(
      `MIRROR_SYNC_SHARE=${config.mirror.sync.share} leaves the mirror's sync less than one call a minute of ` +
        `the ${readCalls} that UPSTREAM_CALLS_PER_MINUTE − UPSTREAM_WRITE_RESERVE leave for reads: raise it`,
    );
  }
  if (config.api300.url && (!config.api300.cusToken || !config.api300.authToken)) {
    problems.push(
      'API300_URL is set, so API300_CUS_TOKEN and API300_AUTH_TOKEN (or their *_FILE forms) are required',
    );
  }
  checkSecurity(config, problems);
  if (
    config.metricsPort !== null &&
    config.metricsPort !== 0 &&
    config.metricsPort === config.port
  ) {
    problems.push(`METRICS_PORT=${config.metricsPort} must differ from PORT=${config.port}`);
  }
  if (problems.length > 0) {
    throw new ConfigError(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
  return deepFreeze(config);
}

/** Subscriptions, router cache invalidation and Redis events (docs/subscriptions.md). */
export interface SubscriptionsConfig {
  /** Subscriptions one replica serves at once (`SUBSCRIPTIONS_MAX`, default 10000, 1..1000000). */
  max: number;
  /** Operations at once on one WebSocket (`SUBSCRIPTIONS_MAX_PER_CONNECTION`, default 20, 1..1000). */
  maxPerConnection: number;
  /**
   * Undelivered events one subscription may hold before it is ended as a slow consumer
   * (`SUBSCRIPTIONS_BUFFER`, default 1000, 1..100000).
   */
  buffer: number;
  /** WebSocket ping interval; no pong by the next ping closes it (`SUBSCRIPTIONS_KEEPALIVE_MS`, default 12000, 1000..600000). */
  keepAliveMs: number;
  /** A WebSocket without a subscription for this long is closed (`SUBSCRIPTIONS_IDLE_TIMEOUT_MS`, default 60000; 0 = never). */
  idleTimeoutMs: number;
  /** Apollo Router's response-cache invalidation endpoint (`ROUTER_INVALIDATION_URL`; `null` = off). */
  invalidationUrl: string | null;
  /** Its shared key, sent as `Authorization` (`ROUTER_INVALIDATION_KEY`, a secret; required with the URL). */
  invalidationKey: string | null;
  /** This subgraph's name in the supergraph, in invalidation requests (`ROUTER_SUBGRAPH_NAME`, default `hypersoft`). */
  subgraphName: string;
  /** Prefix of the Redis Pub/Sub channels changes are published on (`REDIS_EVENTS_PREFIX`, default `hypersoft`). */
  redisEventsPrefix: string;
}

function readSubscriptions(read: Reader, problems: string[]): SubscriptionsConfig {
  const config: SubscriptionsConfig = {
    max: read.int('SUBSCRIPTIONS_MAX', 10_000, 1, 1_000_000),
    maxPerConnection: read.int('SUBSCRIPTIONS_MAX_PER_CONNECTION', 20, 1, 1000),
    buffer: read.int('SUBSCRIPTIONS_BUFFER', 1000, 1, 100_000),
    keepAliveMs: read.int('SUBSCRIPTIONS_KEEPALIVE_MS', 12_000, 1000, 600_000),
    idleTimeoutMs: read.int('SUBSCRIPTIONS_IDLE_TIMEOUT_MS', 60_000, 0, 86_400_000),
    invalidationUrl: read.url('ROUTER_INVALIDATION_URL'),
    invalidationKey: read.secret('ROUTER_INVALIDATION_KEY'),
    subgraphName: read.string('ROUTER_SUBGRAPH_NAME') ?? 'hypersoft',
    redisEventsPrefix: read.string('REDIS_EVENTS_PREFIX') ?? 'hypersoft',
  };
  if (config.invalidationUrl && !config.invalidationKey) {
    problems.push(
      "ROUTER_INVALIDATION_URL is set, so ROUTER_INVALIDATION_KEY (the router's invalidation shared_key, or ROUTER_INVALIDATION_KEY_FILE) is required",
    );
  }
  return config;
}

/** The folder the mirror and the quota journal persist in with a real `API300_URL`, by default. */
export const DEFAULT_STORE_PATH = 'data';
/** `MIRROR_STORE_PATH` value that keeps the mirror in memory. */
export const IN_MEMORY_STORE = ':memory:';

function readStorePath(read: Reader, env: Env): string | null {
  const path = read.string('MIRROR_STORE_PATH');
  if (path === IN_MEMORY_STORE) return null;
  if (path !== null) return path;
  // The embedded simulator's demo starts anew each time; a real endpoint persists.
  return env.API300_URL?.trim() ? DEFAULT_STORE_PATH : null;
}

function readMirrorDatabase(read: Reader): Config['mirrorDatabase'] {
  const leaseTtlMs = read.int('MIRROR_LEASE_TTL_MS', 15_000, 1_000, 300_000);
  return {
    url: read.secretUrl('MIRROR_DATABASE_URL', ['postgres:', 'postgresql:']),
    leaseTtlMs,
    leaseRenewMs: read.int('MIRROR_LEASE_RENEW_MS', Math.floor(leaseTtlMs / 3), 100, 300_000),
    tombstoneRetentionMs: read.int('MIRROR_TOMBSTONE_RETENTION_MS', 3_600_000, 60_000, 604_800_000),
  };
}

function readSecurity(read: Reader, production: boolean, api300Url: string | null): SecurityConfig {
  const simulator = read.optionalOneOf('API300_SIMULATOR', ['embedded'] as const);
  const cacheKey = read.secret('CACHE_ENCRYPTION_KEY');
  const previousKeys = read.secret('CACHE_ENCRYPTION_PREVIOUS_KEYS');
  return {
    production,
    embeddedSimulator: simulator === 'embedded' || (!production && api300Url === null),
    routerSecrets: read.secretPair('ROUTER_SECRET'),
    routerHmacSecrets: read.secretPair('ROUTER_HMAC_SECRET'),
    routerAuthDisabled: read.bool('ROUTER_AUTH_DISABLED', false),
    cacheEncryptionKeys: read.aesKeys('CACHE_ENCRYPTION_KEY', cacheKey, previousKeys),
  };
}

/** The rules of production mode, and the settings that contradict each other. */
function checkSecurity(config: Config, problems: string[]): void {
  const { security, api300 } = config;
  if (security.embeddedSimulator && api300.url !== null) {
    problems.push(
      'API300_SIMULATOR=embedded and API300_URL are both set: set API300_URL for the real service, or API300_SIMULATOR=embedded for the demo simulator',
    );
  }
  const routerCredential =
    security.routerSecrets.length > 0 || security.routerHmacSecrets.length > 0;
  if (security.routerAuthDisabled && routerCredential) {
    problems.push(
      'ROUTER_AUTH_DISABLED=true and a router credential (ROUTER_SECRET or ROUTER_HMAC_SECRET) are both set: set only one',
    );
  }
  if (!security.production) return;
  if (!security.embeddedSimulator) {
    const missing = [
      api300.url === null && 'API300_URL',
      api300.cusToken === null && 'API300_CUS_TOKEN',
      api300.authToken === null && 'API300_AUTH_TOKEN',
    ].filter((name): name is string => name !== false);
    if (api300.url === null) {
      problems.push(
        `NODE_ENV=production needs the real API300: ${missing.join(', ')} not set ` +
          '(tokens also as *_FILE). API300_SIMULATOR=embedded runs the demo simulator instead, on purpose only',
      );
    }
  }
  if (!routerCredential && !security.routerAuthDisabled) {
    problems.push(
      'NODE_ENV=production needs a router credential so that only the router reaches the data: ' +
        "ROUTER_SECRET (the x-router-secret header) or ROUTER_HMAC_SECRET (Hive Gateway's hmac-signature), " +
        'each also as *_FILE; on a network only the router reaches, ROUTER_AUTH_DISABLED=true instead',
    );
  }
  for (const [name, secrets] of [
    ['ROUTER_SECRET', security.routerSecrets],
    ['ROUTER_HMAC_SECRET', security.routerHmacSecrets],
  ] as const) {
    if (secrets.some((s) => s.length < MIN_ROUTER_SECRET_LENGTH)) {
      problems.push(
        `${name} (or its _PREVIOUS) is too short for production: expected at least ${MIN_ROUTER_SECRET_LENGTH} characters`,
      );
    }
  }
}

/** `API300_TRANSPORT`, or the transport the deprecated `API300_SOAP_VERSION` names. */
function readTransport(read: Reader, problems: string[]): Api300TransportName {
  const chosen = read.optionalOneOf('API300_TRANSPORT', API300_TRANSPORTS);
  const legacy = read.optionalOneOf('API300_SOAP_VERSION', ['1.1', '1.2'] as const);
  const fromLegacy = legacy === null ? null : legacy === '1.2' ? 'soap12' : 'soap11';
  if (chosen !== null && fromLegacy !== null && chosen !== fromLegacy) {
    problems.push(
      `API300_TRANSPORT=${JSON.stringify(chosen)} and API300_SOAP_VERSION=${JSON.stringify(legacy)} disagree: ` +
        'set only API300_TRANSPORT (API300_SOAP_VERSION is deprecated)',
    );
  }
  return chosen ?? fromLegacy ?? 'soap11';
}

/** Validates the simulator's settings; throws one ConfigError listing every bad value. */
export function loadSimulatorConfig(env: Env = process.env): SimulatorConfig {
  const problems: string[] = [];
  const read = new Reader(env, problems);
  const config: SimulatorConfig = {
    port: read.int('SIMULATOR_PORT', 4090, 0, 65535),
    host: read.string('SIMULATOR_HOST') ?? '127.0.0.1',
    tokens: read.simulatorTokens('SIMULATOR_TOKENS'),
    seed: read.optionalInt('SIMULATOR_SEED', 0, Number.MAX_SAFE_INTEGER),
    customers: read.optionalInt('SIMULATOR_CUSTOMERS', 0, 10_000_000),
    reservations: read.optionalInt('SIMULATOR_RESERVATIONS', 0, 10_000_000),
    tickets: read.optionalInt('SIMULATOR_TICKETS', 0, 10_000_000),
    stations: read.optionalInt('SIMULATOR_STATIONS', 1, 999),
  };
  if (problems.length > 0) {
    throw new ConfigError(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
  return deepFreeze(config);
}

class Reader {
  constructor(
    private readonly env: Env,
    private readonly problems: string[],
  ) {}

  private raw(name: string): string | undefined {
    const v = this.env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  }

  string(name: string): string | null {
    return this.raw(name) ?? null;
  }

  simulatorTokens(name: string): SimulatorTokenPair[] | null {
    const v = this.raw(name);
    if (v === undefined) return null;
    const shape = 'a non-empty JSON list of {"cusToken","authToken","licences"}';
    let parsed: unknown;
    try {
      parsed = JSON.parse(v);
    } catch {
      this.problems.push(`${name} is not allowed: expected ${shape}`);
      return null;
    }
    if (!Array.isArray(parsed) || parsed.length === 0) {
      this.problems.push(`${name} is not allowed: expected ${shape}`);
      return null;
    }
    const pairs: SimulatorTokenPair[] = [];
    parsed.forEach((entry: unknown, i) => {
      const { cusToken, authToken, licences } = (entry ?? {}) as Record<string, unknown>;
      if (
        typeof cusToken !== 'string' ||
        typeof authToken !== 'string' ||
        !cusToken ||
        !authToken
      ) {
        this.problems.push(`${name}[${i}] needs string cusToken and authToken`);
        return;
      }
      const list = licences ?? [...SIMULATOR_LICENCES];
      if (
        !Array.isArray(list) ||
        !list.every((l) => (SIMULATOR_LICENCES as readonly unknown[]).includes(l))
      ) {
        this.problems.push(
          `${name}[${i}].licences is not allowed: expected a list of ${SIMULATOR_LICENCES.join(', ')}`,
        );
        return;
      }
      pairs.push({ cusToken, authToken, licences: list as SimulatorTokenPair['licences'] });
    });
    return pairs;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    return this.optionalInt(name, min, max) ?? fallback;
  }

  optionalInt(name: string, min: number, max: number): number | null {
    const v = this.raw(name);
    if (v === undefined) return null;
    if (!/^-?\d+$/.test(v) || Number(v) < min || Number(v) > max) {
      this.problems.push(
        `${name}=${JSON.stringify(v)} is not allowed: expected an integer from ${min} to ${max}`,
      );
      return null;
    }
    return Number(v);
  }

  /** A decimal number such as `0.5` (no exponent, no sign). */
  decimal(name: string, fallback: number, min: number, max: number): number {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    if (!/^\d+(\.\d+)?$/.test(v) || Number(v) < min || Number(v) > max) {
      this.problems.push(
        `${name}=${JSON.stringify(v)} is not allowed: expected a decimal number from ${min} to ${max}`,
      );
      return fallback;
    }
    return Number(v);
  }

  bool(name: string, fallback: boolean): boolean {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    if (['true', '1', 'yes'].includes(v.toLowerCase())) return true;
    if (['false', '0', 'no'].includes(v.toLowerCase())) return false;
    this.problems.push(`${name}=${JSON.stringify(v)} is not allowed: expected true or false`);
    return fallback;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    return this.optionalOneOf(name, allowed) ?? fallback;
  }

  optionalOneOf<T extends string>(name: string, allowed: readonly T[]): T | null {
    const v = this.raw(name);
    if (v === undefined) return null;
    if ((allowed as readonly string[]).includes(v)) return v as T;
    this.problems.push(
      `${name}=${JSON.stringify(v)} is not allowed: expected one of ${allowed.join(', ')}`,
    );
    return null;
  }

  url(name: string, protocols: string[] = ['http:', 'https:']): string | null {
    return this.validUrl(name, this.raw(name), protocols);
  }

  /** A URL that is a secret (it may carry a password): from `NAME` or `NAME_FILE`, never echoed. */
  secretUrl(name: string, protocols: string[]): string | null {
    return this.validUrl(name, this.secret(name) ?? undefined, protocols);
  }

  private validUrl(name: string, v: string | undefined, protocols: string[]): string | null {
    if (v === undefined) return null;
    try {
      const u = new URL(v);
      if (protocols.includes(u.protocol)) return v;
    } catch {
      // reported below
    }
    // A URL may hold credentials (redis://:password@host): never echo it back.
    this.problems.push(
      `${name} is not a valid URL: expected ${protocols.map((p) => `${p}//…`).join(' or ')}`,
    );
    return null;
  }

  /**
   * `NAME` and, during a rotation, `NAME_PREVIOUS` (each also `_FILE`): the secrets accepted,
   * current first. `NAME_PREVIOUS` without `NAME` is an error.
   */
  secretPair(name: string): string[] {
    const current = this.secret(name);
    const previous = this.secret(`${name}_PREVIOUS`);
    if (previous !== null && current === null) {
      this.problems.push(`${name}_PREVIOUS is set without ${name}: set the new secret as ${name}`);
    }
    return [current, previous].filter((s): s is string => s !== null);
  }

  /**
   * AES-256 keys, each base64 of 32 bytes: `current`, then the comma-separated `previous`.
   * Named in messages by position, never echoed.
   */
  aesKeys(name: string, current: string | null, previous: string | null): string[] {
    const keys = previous?.split(',').map((k) => k.trim()) ?? [];
    if (previous !== null && current === null) {
      this.problems.push(`${name.replace(/_KEY$/, '_PREVIOUS_KEYS')} is set without ${name}`);
    }
    const all = [...(current === null ? [] : [current]), ...keys];
    all.forEach((key, i) => {
      if (!/^[A-Za-z0-9+/]{43}=$/.test(key) || Buffer.from(key, 'base64').length !== 32) {
        const which =
          current !== null && i === 0
            ? name
            : `key ${i + (current === null ? 1 : 0)} of ${name.replace(/_KEY$/, '_PREVIOUS_KEYS')}`;
        this.problems.push(
          `${which} is not allowed: expected 32 random bytes in base64 (44 characters), e.g. from \`openssl rand -base64 32\``,
        );
      }
    });
    return all;
  }

  /** A secret from `NAME` or from the file named by `NAME_FILE` (container secrets). Never echoed. */
  secret(name: string): string | null {
    const direct = this.raw(name);
    const file = this.raw(`${name}_FILE`);
    if (direct !== undefined && file !== undefined) {
      this.problems.push(`${name} and ${name}_FILE are both set: set only one`);
      return null;
    }
    if (file !== undefined) {
      try {
        const value = readFileSync(file, 'utf8').trim();
        if (value === '')
          this.problems.push(`${name}_FILE=${JSON.stringify(file)} names an empty file`);
        return value || null;
      } catch {
        this.problems.push(`${name}_FILE=${JSON.stringify(file)} cannot be read`);
        return null;
      }
    }
    return direct ?? null;
  }
}

function deepFreeze<T extends object>(o: T): Readonly<T> {
  for (const v of Object.values(o)) if (v && typeof v === 'object') deepFreeze(v as object);
  return Object.freeze(o);
}

// --- Callback subscriptions across replicas (docs/subscriptions.md) -------------------------

export interface CallbackSubscriptionsConfig {
  /**
   * How long a replica's claim on a callback subscription lasts unrenewed; it is renewed, and
   * expired claims of other replicas taken over, every third of it
   * (`SUBSCRIPTIONS_CALLBACK_LEASE_MS`, default 6000, 300..300000). With `REDIS_URL` only.
   */
  leaseMs: number;
}

function readCallbackSubscriptions(read: Reader): CallbackSubscriptionsConfig {
  return { leaseMs: read.int('SUBSCRIPTIONS_CALLBACK_LEASE_MS', 6_000, 300, 300_000) };
}
