import { readFileSync } from 'node:fs';

/**
 * The subgraph's whole configuration, read from the environment once at boot and frozen.
 * Nothing else in the product reads `process.env`. Every setting is documented in README.md
 * ("Configuration"); keep the two in step.
 */
export interface Config {
  /** HTTP port of the subgraph (`PORT`, default 4001). 0 picks a free port. */
  port: number;
  api300: {
    /**
     * Endpoint URL (`API300_URL`). `null` → `npm start` runs the embedded simulator and
     * talks to it with the simulator's demo tokens.
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
  /** Shared secret the router sends in `x-router-secret` (`ROUTER_SECRET`; `null` = off). */
  routerSecret: string | null;
  /** Whether introspection is allowed (`INTROSPECTION`, default true). */
  introspection: boolean;
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
     * restart and resumes from its watermarks. `null` (default): in memory, loaded anew at
     * start. Ignored when `MIRROR_DATABASE_URL` is set.
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

  const config: Config = {
    port: read.int('PORT', 4001, 0, 65535),
    api300: {
      url: read.url('API300_URL'),
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
    routerSecret: read.secret('ROUTER_SECRET'),
    introspection: read.bool('INTROSPECTION', true),
    logLevel: read.oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
    shutdownDrainMs: read.int('SHUTDOWN_DRAIN_MS', 5000, 0, 120_000),
    mirror: {
      enabled: read.bool('MIRROR', true),
      reservationsDaysBack: read.optionalInt('MIRROR_RESERVATIONS_DAYS_BACK', 0, 3650),
      storePath: read.string('MIRROR_STORE_PATH'),
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
  if (problems.length > 0) {
    throw new ConfigError(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
  return deepFreeze(config);
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
