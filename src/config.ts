import { EnvReader, type Env } from './envReader';
import { API300_TRANSPORTS, SETTINGS as S } from './settings';

export { API300_TRANSPORTS } from './settings';

/**
 * The subgraph's whole configuration, read from the environment once at boot and frozen.
 * Nothing else in the product reads `process.env`. Every setting is declared once in
 * src/settings.ts (name, type, default, range, meaning); README.md ("Configuration") lists
 * them, and test/unit/settings.test.ts fails when the two disagree. The comments below name
 * each field's variable; its default and allowed values are in its declaration.
 */
export interface Config {
  /** HTTP port of the subgraph (`PORT`). 0 picks a free port. */
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
    /** Per-call timeout (`API300_TIMEOUT_MS`). */
    timeoutMs: number;
    /**
     * How the client reaches API300 (`API300_TRANSPORT`): `soap11`, `soap12`
     * or `json` (ASMX's JSON mode). The deprecated `API300_SOAP_VERSION` (`1.1`/`1.2`) still
     * selects `soap11`/`soap12` when `API300_TRANSPORT` is unset; both set and disagreeing is
     * an error.
     */
    transport: Api300TransportName;
  };
  /** Port of the embedded simulator (`SIMULATOR_PORT`; `null` = a free port). */
  simulatorPort: number | null;
  upstream: {
    /** Calls started in any rolling 60 s (`UPSTREAM_CALLS_PER_MINUTE`). */
    callsPerMinute: number;
    /** Share of the budget only writes may use (`UPSTREAM_WRITE_RESERVE`). */
    writeReserve: number;
    /** Deadline of one GraphQL request (`REQUEST_DEADLINE_MS`). */
    requestDeadlineMs: number;
  };
  cache: {
    /** TTL of fresh customer/reservation/ticket entries (`CACHE_TTL_MS`). */
    ttlMs: number;
    /** How long past its TTL an entry may still be served stale (`CACHE_STALE_MS`). */
    staleMs: number;
    /** TTL of "not found" (`CACHE_NOT_FOUND_TTL_MS`). */
    notFoundTtlMs: number;
    /** TTL of the station list (`CACHE_STATIONS_TTL_MS`). */
    stationsTtlMs: number;
    /** Most entries per entity kind (`CACHE_MAX_ENTRIES`). */
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
    /** How long a leader's lease lasts unrenewed (`MIRROR_LEASE_TTL_MS`). */
    leaseTtlMs: number;
    /** How often the leader renews and the others try (`MIRROR_LEASE_RENEW_MS`; unset: a third of the ttl; below it). */
    leaseRenewMs: number;
    /**
     * How long a delete stays in the change feed (`MIRROR_TOMBSTONE_RETENTION_MS`);
     * a replica away longer loads the whole copy again.
     */
    tombstoneRetentionMs: number;
  };
  /** Live changes pushed out (docs/subscriptions.md). */
  subscriptions: SubscriptionsConfig;
  /** Callback subscriptions shared between replicas through Redis. */
  callbackSubscriptions: CallbackSubscriptionsConfig;
  /** Whether introspection is allowed (`INTROSPECTION`; off by default in production). */
  introspection: boolean;
  /** Whether `/graphql` serves the GraphiQL page to browsers (`GRAPHIQL`; off by default in production). */
  graphiql: boolean;
  security: SecurityConfig;
  /** pino level (`LOG_LEVEL`). */
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /**
   * How long a stopping process keeps serving after SIGTERM while `/readyz` already answers
   * 503 (`SHUTDOWN_DRAIN_MS`): the time a load balancer needs to see
   * it unready and stop sending traffic. Then the listener closes and in-flight requests
   * finish (up to 10 s more). Keep it below the platform's termination grace period minus 10 s.
   */
  shutdownDrainMs: number;
  mirror: {
    /** Keep a local copy of the POS and answer reads from it (`MIRROR`). */
    enabled: boolean;
    /**
     * Reservations are mirrored from this many days back on, and every future one
     * (`MIRROR_RESERVATIONS_DAYS_BACK`). `null` (unset, the default): every
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
      /** Pause between two delta passes of one kind (`MIRROR_SYNC_INTERVAL_MS`). */
      intervalMs: number;
      /**
       * Share of the read budget (`UPSTREAM_CALLS_PER_MINUTE − UPSTREAM_WRITE_RESERVE`) the sync
       * may hold in any 60 s (`MIRROR_SYNC_SHARE`; at least one call a minute).
       */
      share: number;
      /**
       * Share of the read budget the sync may hold in any 60 s while an initial load runs, its
       * pages before interactive reads (`MIRROR_SYNC_LOAD_SHARE`; at
       * least `share`).
       */
      loadShare: number;
      /** A delta re-reads this much before its watermark (`MIRROR_SYNC_OVERLAP_MS`). */
      overlapMs: number;
      /** Full read that removes what vanished in the POS (`MIRROR_RECONCILE_INTERVAL_MS`). */
      reconcileIntervalMs: number;
      /** A kind without its licence is asked again after (`MIRROR_LICENCE_RETRY_MS`). */
      licenceRetryMs: number;
      /** The station list is read again after (`MIRROR_STATIONS_INTERVAL_MS`). */
      stationsIntervalMs: number;
      /**
       * A delta of a kind whose data is older than this asks at write priority, so writes cannot
       * starve the sync (`MIRROR_SYNC_URGENT_AFTER_MS`).
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
  /** `SIMULATOR_PORT`; 0 picks a free port. */
  port: number;
  /** `SIMULATOR_HOST`: the interface to bind. */
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

export type Api300TransportName = (typeof API300_TRANSPORTS)[number];

/** A setting that failed validation; the message names the variable, the value and what is allowed. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Validates `env` and returns a frozen Config; throws one ConfigError listing every bad value. */
export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const read = new EnvReader(env, problems);
  const production = read.string(S.NODE_ENV) === 'production';
  const api300Url = read.url(S.API300_URL);

  const config: Config = {
    port: read.int(S.PORT),
    metricsPort: read.optionalInt(S.METRICS_PORT),
    api300: {
      url: api300Url,
      cusToken: read.secret(S.API300_CUS_TOKEN),
      authToken: read.secret(S.API300_AUTH_TOKEN),
      timeoutMs: read.int(S.API300_TIMEOUT_MS),
      transport: readTransport(read, problems),
    },
    simulatorPort: read.optionalInt(S.SIMULATOR_PORT),
    upstream: {
      callsPerMinute: read.int(S.UPSTREAM_CALLS_PER_MINUTE),
      writeReserve: read.int(S.UPSTREAM_WRITE_RESERVE),
      requestDeadlineMs: read.int(S.REQUEST_DEADLINE_MS),
    },
    cache: {
      ttlMs: read.int(S.CACHE_TTL_MS),
      staleMs: read.int(S.CACHE_STALE_MS),
      notFoundTtlMs: read.int(S.CACHE_NOT_FOUND_TTL_MS),
      stationsTtlMs: read.int(S.CACHE_STATIONS_TTL_MS),
      maxEntries: read.int(S.CACHE_MAX_ENTRIES),
    },
    redisUrl: read.url(S.REDIS_URL),
    mirrorDatabase: readMirrorDatabase(read),
    subscriptions: readSubscriptions(read, problems),
    callbackSubscriptions: { leaseMs: read.int(S.SUBSCRIPTIONS_CALLBACK_LEASE_MS) },
    introspection: read.bool(S.INTROSPECTION, !production),
    graphiql: read.bool(S.GRAPHIQL, !production),
    security: readSecurity(read, production, api300Url),
    logLevel: read.oneOf(S.LOG_LEVEL),
    shutdownDrainMs: read.int(S.SHUTDOWN_DRAIN_MS),
    mirror: {
      enabled: read.bool(S.MIRROR),
      reservationsDaysBack: read.optionalInt(S.MIRROR_RESERVATIONS_DAYS_BACK),
      storePath: readStorePath(read, env),
      sync: {
        intervalMs: read.int(S.MIRROR_SYNC_INTERVAL_MS),
        share: read.decimal(S.MIRROR_SYNC_SHARE),
        loadShare: read.decimal(S.MIRROR_SYNC_LOAD_SHARE),
        overlapMs: read.int(S.MIRROR_SYNC_OVERLAP_MS),
        reconcileIntervalMs: read.int(S.MIRROR_RECONCILE_INTERVAL_MS),
        licenceRetryMs: read.int(S.MIRROR_LICENCE_RETRY_MS),
        stationsIntervalMs: read.int(S.MIRROR_STATIONS_INTERVAL_MS),
        urgentAfterMs: read.int(S.MIRROR_SYNC_URGENT_AFTER_MS),
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
  /** Subscriptions one replica serves at once (`SUBSCRIPTIONS_MAX`). */
  max: number;
  /** Operations at once on one WebSocket (`SUBSCRIPTIONS_MAX_PER_CONNECTION`). */
  maxPerConnection: number;
  /**
   * Undelivered events one subscription may hold before it is ended as a slow consumer
   * (`SUBSCRIPTIONS_BUFFER`).
   */
  buffer: number;
  /** WebSocket ping interval; no pong by the next ping closes it (`SUBSCRIPTIONS_KEEPALIVE_MS`). */
  keepAliveMs: number;
  /** A WebSocket without a subscription for this long is closed (`SUBSCRIPTIONS_IDLE_TIMEOUT_MS`; 0 = never). */
  idleTimeoutMs: number;
  /** Apollo Router's response-cache invalidation endpoint (`ROUTER_INVALIDATION_URL`; `null` = off). */
  invalidationUrl: string | null;
  /** Its shared key, sent as `Authorization` (`ROUTER_INVALIDATION_KEY`, a secret; required with the URL). */
  invalidationKey: string | null;
  /** This subgraph's name in the supergraph, in invalidation requests (`ROUTER_SUBGRAPH_NAME`). */
  subgraphName: string;
  /** Prefix of the Redis Pub/Sub channels changes are published on (`REDIS_EVENTS_PREFIX`). */
  redisEventsPrefix: string;
}

function readSubscriptions(read: EnvReader, problems: string[]): SubscriptionsConfig {
  const config: SubscriptionsConfig = {
    max: read.int(S.SUBSCRIPTIONS_MAX),
    maxPerConnection: read.int(S.SUBSCRIPTIONS_MAX_PER_CONNECTION),
    buffer: read.int(S.SUBSCRIPTIONS_BUFFER),
    keepAliveMs: read.int(S.SUBSCRIPTIONS_KEEPALIVE_MS),
    idleTimeoutMs: read.int(S.SUBSCRIPTIONS_IDLE_TIMEOUT_MS),
    invalidationUrl: read.url(S.ROUTER_INVALIDATION_URL),
    invalidationKey: read.secret(S.ROUTER_INVALIDATION_KEY),
    subgraphName: read.string(S.ROUTER_SUBGRAPH_NAME) ?? S.ROUTER_SUBGRAPH_NAME.default,
    redisEventsPrefix: read.string(S.REDIS_EVENTS_PREFIX) ?? S.REDIS_EVENTS_PREFIX.default,
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

function readStorePath(read: EnvReader, env: Env): string | null {
  const path = read.string(S.MIRROR_STORE_PATH);
  if (path === IN_MEMORY_STORE) return null;
  if (path !== null) return path;
  // The embedded simulator's demo starts anew each time; a real endpoint persists.
  return env.API300_URL?.trim() ? DEFAULT_STORE_PATH : null;
}

function readMirrorDatabase(read: EnvReader): Config['mirrorDatabase'] {
  const leaseTtlMs = read.int(S.MIRROR_LEASE_TTL_MS);
  return {
    url: read.url(S.MIRROR_DATABASE_URL),
    leaseTtlMs,
    leaseRenewMs: read.int(S.MIRROR_LEASE_RENEW_MS, Math.floor(leaseTtlMs / 3)),
    tombstoneRetentionMs: read.int(S.MIRROR_TOMBSTONE_RETENTION_MS),
  };
}

function readSecurity(
  read: EnvReader,
  production: boolean,
  api300Url: string | null,
): SecurityConfig {
  const simulator = read.optionalOneOf(S.API300_SIMULATOR);
  const cacheKey = read.secret(S.CACHE_ENCRYPTION_KEY);
  const previousKeys = read.secret(S.CACHE_ENCRYPTION_PREVIOUS_KEYS);
  return {
    production,
    embeddedSimulator: simulator === 'embedded' || (!production && api300Url === null),
    routerSecrets: read.secretPair(S.ROUTER_SECRET, S.ROUTER_SECRET_PREVIOUS),
    routerHmacSecrets: read.secretPair(S.ROUTER_HMAC_SECRET, S.ROUTER_HMAC_SECRET_PREVIOUS),
    routerAuthDisabled: read.bool(S.ROUTER_AUTH_DISABLED),
    cacheEncryptionKeys: read.aesKeys(
      S.CACHE_ENCRYPTION_KEY,
      S.CACHE_ENCRYPTION_PREVIOUS_KEYS,
      cacheKey,
      previousKeys,
    ),
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
function readTransport(read: EnvReader, problems: string[]): Api300TransportName {
  const chosen = read.optionalOneOf(S.API300_TRANSPORT);
  const legacy = read.optionalOneOf(S.API300_SOAP_VERSION);
  const fromLegacy = legacy === null ? null : legacy === '1.2' ? 'soap12' : 'soap11';
  if (chosen !== null && fromLegacy !== null && chosen !== fromLegacy) {
    problems.push(
      `API300_TRANSPORT=${JSON.stringify(chosen)} and API300_SOAP_VERSION=${JSON.stringify(legacy)} disagree: ` +
        'set only API300_TRANSPORT (API300_SOAP_VERSION is deprecated)',
    );
  }
  return chosen ?? fromLegacy ?? S.API300_TRANSPORT.default;
}

/** Validates the simulator's settings; throws one ConfigError listing every bad value. */
export function loadSimulatorConfig(env: Env = process.env): SimulatorConfig {
  const problems: string[] = [];
  const read = new EnvReader(env, problems);
  const config: SimulatorConfig = {
    port: read.int(S.SIMULATOR_ALONE_PORT),
    host: read.string(S.SIMULATOR_HOST) ?? S.SIMULATOR_HOST.default,
    tokens: readSimulatorTokens(read, problems),
    seed: read.optionalInt(S.SIMULATOR_SEED),
    customers: read.optionalInt(S.SIMULATOR_CUSTOMERS),
    reservations: read.optionalInt(S.SIMULATOR_RESERVATIONS),
    tickets: read.optionalInt(S.SIMULATOR_TICKETS),
    stations: read.optionalInt(S.SIMULATOR_STATIONS),
  };
  if (problems.length > 0) {
    throw new ConfigError(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
  return deepFreeze(config);
}

/** `SIMULATOR_TOKENS`: a non-empty JSON list of token pairs, each with its licences. */
function readSimulatorTokens(read: EnvReader, problems: string[]): SimulatorTokenPair[] | null {
  const name = S.SIMULATOR_TOKENS.name;
  const v = read.string(S.SIMULATOR_TOKENS);
  if (v === null) return null;
  const shape = 'a non-empty JSON list of {"cusToken","authToken","licences"}';
  let parsed: unknown;
  try {
    parsed = JSON.parse(v);
  } catch {
    problems.push(`${name} is not allowed: expected ${shape}`);
    return null;
  }
  if (!Array.isArray(parsed) || parsed.length === 0) {
    problems.push(`${name} is not allowed: expected ${shape}`);
    return null;
  }
  const pairs: SimulatorTokenPair[] = [];
  parsed.forEach((entry: unknown, i) => {
    const { cusToken, authToken, licences } = (entry ?? {}) as Record<string, unknown>;
    if (typeof cusToken !== 'string' || typeof authToken !== 'string' || !cusToken || !authToken) {
      problems.push(`${name}[${i}] needs string cusToken and authToken`);
      return;
    }
    const list = licences ?? [...SIMULATOR_LICENCES];
    if (
      !Array.isArray(list) ||
      !list.every((l) => (SIMULATOR_LICENCES as readonly unknown[]).includes(l))
    ) {
      problems.push(
        `${name}[${i}].licences is not allowed: expected a list of ${SIMULATOR_LICENCES.join(', ')}`,
      );
      return;
    }
    pairs.push({ cusToken, authToken, licences: list as SimulatorTokenPair['licences'] });
  });
  return pairs;
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
   * (`SUBSCRIPTIONS_CALLBACK_LEASE_MS`). With `REDIS_URL` only.
   */
  leaseMs: number;
}
