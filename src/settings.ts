/**
 * Every environment setting, declared once: its name, type, default, allowed values and
 * meaning. `config.ts` reads them through `envReader.ts`; code that needs a default or a
 * range outside the config (a store's own options) takes it from here; README.md's settings
 * table (and docs/simulator.md's, docs/mirror-sync.md's) must agree with these declarations —
 * test/unit/settings.test.ts compares each row with its declaration.
 *
 * The simulator's demo defaults (`SIMULATOR_SEED`, the sizes) belong to the simulator
 * (src/simulator/index.ts); `defaultText` only documents them.
 *
 * `doc` names the file whose table must list the setting: the subgraph's settings are in
 * README.md, those of the simulator run alone (`npm run simulator`) in docs/simulator.md.
 */

/** A file whose settings table must list a setting. */
export type SettingsDoc = 'README.md' | 'docs/simulator.md';

interface Declared<T> {
  /** The environment variable. */
  readonly name: string;
  /** The value when unset; `null`: none (then `defaultText` says what happens, if anything). */
  readonly default: T | null;
  /** How the table writes a default that is no constant (e.g. `ttl / 3`); else derived. */
  readonly defaultText?: string;
  /** One line: what it does. */
  readonly meaning: string;
  readonly doc: SettingsDoc;
}

export interface IntSetting extends Declared<number> {
  readonly type: 'integer';
  readonly min: number;
  readonly max: number;
}
export interface DecimalSetting extends Declared<number> {
  readonly type: 'decimal';
  readonly min: number;
  readonly max: number;
}
export interface BoolSetting extends Declared<boolean> {
  readonly type: 'boolean';
}
export interface ChoiceSetting<T extends string = string> extends Declared<T> {
  readonly type: 'choice';
  readonly allowed: readonly T[];
}
/** Free text; `secret`: never echoed, also from the file `<NAME>_FILE` names. */
export interface TextSetting extends Declared<string> {
  readonly type: 'text' | 'secret';
}
/** A URL of one of `protocols`; `secret`: it may hold a password (never echoed; also `_FILE`). */
export interface UrlSetting extends Declared<string> {
  readonly type: 'url';
  readonly protocols: readonly string[];
  readonly secret: boolean;
}

export type Setting =
  IntSetting | DecimalSetting | BoolSetting | ChoiceSetting | TextSetting | UrlSetting;

type Extra = Pick<Declared<unknown>, 'defaultText'> & { doc?: SettingsDoc };

/** With a number for a default, `default` is typed a number (`read.int` needs no fallback). */
function int(
  name: string,
  fallback: number,
  min: number,
  max: number,
  meaning: string,
  extra?: Extra,
): IntSetting & { readonly default: number };
function int(
  name: string,
  fallback: null,
  min: number,
  max: number,
  meaning: string,
  extra?: Extra,
): IntSetting;
function int(
  name: string,
  fallback: number | null,
  min: number,
  max: number,
  meaning: string,
  extra: Extra = {},
): IntSetting {
  return {
    name,
    type: 'integer',
    default: fallback,
    min,
    max,
    meaning,
    doc: 'README.md',
    ...extra,
  };
}

function decimal(
  name: string,
  fallback: number,
  min: number,
  max: number,
  meaning: string,
): DecimalSetting & { readonly default: number } {
  return { name, type: 'decimal', default: fallback, min, max, meaning, doc: 'README.md' };
}

function bool(
  name: string,
  fallback: boolean,
  meaning: string,
): BoolSetting & { readonly default: boolean } {
  return { name, type: 'boolean', default: fallback, meaning, doc: 'README.md' };
}

function choice<T extends string, D extends T | null>(
  name: string,
  allowed: readonly T[],
  fallback: D,
  meaning: string,
): ChoiceSetting<T> & { readonly default: D } {
  return { name, type: 'choice', allowed, default: fallback, meaning, doc: 'README.md' };
}

function text(
  name: string,
  fallback: string,
  meaning: string,
  extra?: Extra,
): TextSetting & { readonly default: string };
function text(name: string, fallback: null, meaning: string, extra?: Extra): TextSetting;
function text(
  name: string,
  fallback: string | null,
  meaning: string,
  extra: Extra = {},
): TextSetting {
  return { name, type: 'text', default: fallback, meaning, doc: 'README.md', ...extra };
}

function secret(name: string, meaning: string): TextSetting {
  return { name, type: 'secret', default: null, meaning, doc: 'README.md' };
}

function url(
  name: string,
  protocols: readonly string[],
  meaning: string,
  options: { secret?: boolean } = {},
): UrlSetting {
  return {
    name,
    type: 'url',
    protocols,
    secret: options.secret ?? false,
    default: null,
    meaning,
    doc: 'README.md',
  };
}

const DAY_MS = 86_400_000;

/** The client's transports (`API300_TRANSPORT`); trade-offs in docs/api300-client.md. */
export const API300_TRANSPORTS = ['soap11', 'soap12', 'json'] as const;
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const SETTINGS = {
  PORT: int('PORT', 4001, 0, 65535, 'HTTP port of the subgraph; 0 picks a free port'),
  METRICS_PORT: int(
    'METRICS_PORT',
    null,
    0,
    65535,
    'serve /metrics on this port only, not on PORT (0 = a free port)',
  ),
  NODE_ENV: text('NODE_ENV', null, 'production: the real API300 and a router credential required'),
  API300_URL: url('API300_URL', ['http:', 'https:'], 'API300 endpoint; unset: the simulator'),
  API300_SIMULATOR: choice(
    'API300_SIMULATOR',
    ['embedded'] as const,
    null,
    'run the embedded simulator in production too',
  ),
  API300_CUS_TOKEN: secret('API300_CUS_TOKEN', "Hypersoft's cus token; required with API300_URL"),
  API300_AUTH_TOKEN: secret(
    'API300_AUTH_TOKEN',
    "Hypersoft's auth token; required with API300_URL",
  ),
  API300_TIMEOUT_MS: int('API300_TIMEOUT_MS', 10_000, 100, 120_000, 'timeout of one upstream call'),
  API300_TRANSPORT: choice(
    'API300_TRANSPORT',
    API300_TRANSPORTS,
    'soap11',
    'how the client reaches API300',
  ),
  API300_SOAP_VERSION: choice(
    'API300_SOAP_VERSION',
    ['1.1', '1.2'] as const,
    null,
    'deprecated alias of API300_TRANSPORT (soap11, soap12)',
  ),
  SIMULATOR_PORT: int('SIMULATOR_PORT', null, 0, 65535, 'port of the embedded simulator', {
    defaultText: 'free port',
  }),
  UPSTREAM_CALLS_PER_MINUTE: int(
    'UPSTREAM_CALLS_PER_MINUTE',
    50,
    1,
    60,
    'upstream calls started in any rolling 60 s',
  ),
  UPSTREAM_WRITE_RESERVE: int(
    'UPSTREAM_WRITE_RESERVE',
    5,
    0,
    59,
    'calls of the budget only writes may use',
  ),
  REQUEST_DEADLINE_MS: int(
    'REQUEST_DEADLINE_MS',
    10_000,
    100,
    600_000,
    'how long one GraphQL request may wait for upstream budget',
  ),
  CACHE_TTL_MS: int('CACHE_TTL_MS', 30_000, 1, DAY_MS, 'how long a cached record is fresh'),
  CACHE_STALE_MS: int(
    'CACHE_STALE_MS',
    300_000,
    0,
    DAY_MS,
    'how long past its TTL a record may be served while refreshing',
  ),
  CACHE_NOT_FOUND_TTL_MS: int(
    'CACHE_NOT_FOUND_TTL_MS',
    10_000,
    1,
    DAY_MS,
    'how long "not found" is remembered',
  ),
  CACHE_STATIONS_TTL_MS: int(
    'CACHE_STATIONS_TTL_MS',
    300_000,
    1,
    DAY_MS,
    'how long the station list is fresh',
  ),
  CACHE_MAX_ENTRIES: int(
    'CACHE_MAX_ENTRIES',
    50_000,
    1,
    10_000_000,
    'most cached entries per entity kind',
  ),
  REDIS_URL: url(
    'REDIS_URL',
    ['redis:', 'rediss:'],
    'Redis shared by replicas: quota, cache L2, locks',
  ),
  MIRROR_DATABASE_URL: url(
    'MIRROR_DATABASE_URL',
    ['postgres:', 'postgresql:'],
    'PostgreSQL shared by replicas: one mirror',
    { secret: true },
  ),
  MIRROR_LEASE_TTL_MS: int(
    'MIRROR_LEASE_TTL_MS',
    15_000,
    1_000,
    300_000,
    "how long the syncing replica's lease lasts unrenewed",
  ),
  MIRROR_LEASE_RENEW_MS: int(
    'MIRROR_LEASE_RENEW_MS',
    null,
    100,
    300_000,
    'how often the lease is renewed or tried (below the ttl)',
    { defaultText: 'ttl / 3' },
  ),
  MIRROR_TOMBSTONE_RETENTION_MS: int(
    'MIRROR_TOMBSTONE_RETENTION_MS',
    3_600_000,
    60_000,
    7 * DAY_MS,
    'how long a delete stays in the change feed (a replica away longer loads again)',
  ),
  SUBSCRIPTIONS_CALLBACK_LEASE_MS: int(
    'SUBSCRIPTIONS_CALLBACK_LEASE_MS',
    6_000,
    300,
    300_000,
    "how long a replica's claim on a callback subscription lasts unrenewed (Redis); renewed and expired claims taken over every third of it",
  ),
  SUBSCRIPTIONS_MAX: int(
    'SUBSCRIPTIONS_MAX',
    10_000,
    1,
    1_000_000,
    'subscriptions one replica serves at once',
  ),
  SUBSCRIPTIONS_MAX_PER_CONNECTION: int(
    'SUBSCRIPTIONS_MAX_PER_CONNECTION',
    20,
    1,
    1000,
    'operations at once on one WebSocket',
  ),
  SUBSCRIPTIONS_BUFFER: int(
    'SUBSCRIPTIONS_BUFFER',
    1000,
    1,
    100_000,
    'undelivered events per subscription before it ends as a slow consumer',
  ),
  SUBSCRIPTIONS_KEEPALIVE_MS: int(
    'SUBSCRIPTIONS_KEEPALIVE_MS',
    12_000,
    1000,
    600_000,
    'WebSocket ping interval; no pong by the next ping closes it',
  ),
  SUBSCRIPTIONS_IDLE_TIMEOUT_MS: int(
    'SUBSCRIPTIONS_IDLE_TIMEOUT_MS',
    60_000,
    0,
    DAY_MS,
    'a WebSocket without a subscription this long is closed (0 = never)',
  ),
  ROUTER_INVALIDATION_URL: url(
    'ROUTER_INVALIDATION_URL',
    ['http:', 'https:'],
    "Apollo Router's response-cache invalidation endpoint",
  ),
  ROUTER_INVALIDATION_KEY: secret(
    'ROUTER_INVALIDATION_KEY',
    "the router's invalidation shared_key (required with the URL)",
  ),
  ROUTER_SUBGRAPH_NAME: text(
    'ROUTER_SUBGRAPH_NAME',
    'hypersoft',
    "this subgraph's name in the supergraph, in invalidation requests",
  ),
  REDIS_EVENTS_PREFIX: text(
    'REDIS_EVENTS_PREFIX',
    'hypersoft',
    'prefix of the Redis Pub/Sub channels changes are published on',
  ),
  INTROSPECTION: bool('INTROSPECTION', true, 'allow introspection (default false in production)'),
  GRAPHIQL: bool('GRAPHIQL', true, 'serve the GraphiQL page (default false in production)'),
  ROUTER_SECRET: secret('ROUTER_SECRET', 'requests must carry it in x-router-secret'),
  ROUTER_SECRET_PREVIOUS: secret(
    'ROUTER_SECRET_PREVIOUS',
    'during a rotation: the old router secret',
  ),
  ROUTER_HMAC_SECRET: secret('ROUTER_HMAC_SECRET', "key of Hive Gateway's hmac-signature"),
  ROUTER_HMAC_SECRET_PREVIOUS: secret(
    'ROUTER_HMAC_SECRET_PREVIOUS',
    'during a rotation: the old HMAC key',
  ),
  ROUTER_AUTH_DISABLED: bool(
    'ROUTER_AUTH_DISABLED',
    false,
    'production without a router credential (a network only the router reaches)',
  ),
  CACHE_ENCRYPTION_KEY: secret(
    'CACHE_ENCRYPTION_KEY',
    'AES-256-GCM key of the records in Redis (base64 of 32 bytes)',
  ),
  CACHE_ENCRYPTION_PREVIOUS_KEYS: secret(
    'CACHE_ENCRYPTION_PREVIOUS_KEYS',
    'during a rotation: the old keys, comma-separated, read only',
  ),
  LOG_LEVEL: choice('LOG_LEVEL', LOG_LEVELS, 'info', 'pino log level'),
  SHUTDOWN_DRAIN_MS: int(
    'SHUTDOWN_DRAIN_MS',
    5000,
    0,
    120_000,
    'after SIGTERM: serve this long with /readyz 503',
  ),
  MIRROR: bool('MIRROR', true, 'keep the local mirror and answer reads from it'),
  MIRROR_RESERVATIONS_DAYS_BACK: int(
    'MIRROR_RESERVATIONS_DAYS_BACK',
    null,
    0,
    3650,
    'mirror reservations from this many days back on (unset: every one)',
    { defaultText: 'all' },
  ),
  MIRROR_STORE_PATH: text(
    'MIRROR_STORE_PATH',
    null,
    'folder of the embedded store and the quota journal; :memory: keeps them in memory',
    { defaultText: '`data`¹' },
  ),
  MIRROR_SYNC_INTERVAL_MS: int(
    'MIRROR_SYNC_INTERVAL_MS',
    2_000,
    500,
    3_600_000,
    'pause between two delta passes of one kind',
  ),
  MIRROR_SYNC_SHARE: decimal(
    'MIRROR_SYNC_SHARE',
    0.5,
    0.05,
    1,
    'share of the read budget the sync may hold in any 60 s',
  ),
  MIRROR_SYNC_LOAD_SHARE: decimal(
    'MIRROR_SYNC_LOAD_SHARE',
    0.8,
    0.05,
    1,
    'share of the read budget the sync may hold in any 60 s while an initial load runs',
  ),
  MIRROR_SYNC_OVERLAP_MS: int(
    'MIRROR_SYNC_OVERLAP_MS',
    5_000,
    0,
    3_600_000,
    'a delta re-reads this much before its watermark',
  ),
  MIRROR_RECONCILE_INTERVAL_MS: int(
    'MIRROR_RECONCILE_INTERVAL_MS',
    4 * 3_600_000,
    60_000,
    7 * DAY_MS,
    'full read that removes what vanished in the POS',
  ),
  MIRROR_LICENCE_RETRY_MS: int(
    'MIRROR_LICENCE_RETRY_MS',
    3_600_000,
    60_000,
    DAY_MS,
    'a kind without its licence is asked again after this long',
  ),
  MIRROR_STATIONS_INTERVAL_MS: int(
    'MIRROR_STATIONS_INTERVAL_MS',
    300_000,
    10_000,
    DAY_MS,
    'the station list is read again after this long',
  ),
  MIRROR_SYNC_URGENT_AFTER_MS: int(
    'MIRROR_SYNC_URGENT_AFTER_MS',
    15_000,
    2_000,
    3_600_000,
    'a delta of a kind this far behind asks before writes',
  ),

  // The simulator run alone (`npm run simulator`, docs/simulator.md).
  SIMULATOR_ALONE_PORT: int(
    'SIMULATOR_PORT',
    4090,
    0,
    65535,
    'port of the simulator run alone; 0 picks a free port',
    { doc: 'docs/simulator.md' },
  ),
  SIMULATOR_HOST: text('SIMULATOR_HOST', '127.0.0.1', 'interface to bind', {
    doc: 'docs/simulator.md',
  }),
  SIMULATOR_TOKENS: text('SIMULATOR_TOKENS', null, 'JSON list of token pairs and their licences', {
    doc: 'docs/simulator.md',
    defaultText: 'the demo pair',
  }),
  SIMULATOR_SEED: int('SIMULATOR_SEED', null, 0, Number.MAX_SAFE_INTEGER, 'seed of the demo data', {
    doc: 'docs/simulator.md',
    defaultText: '`300`',
  }),
  SIMULATOR_CUSTOMERS: int('SIMULATOR_CUSTOMERS', null, 0, 10_000_000, 'demo customers', {
    doc: 'docs/simulator.md',
    defaultText: '`2000`',
  }),
  SIMULATOR_RESERVATIONS: int('SIMULATOR_RESERVATIONS', null, 0, 10_000_000, 'demo reservations', {
    doc: 'docs/simulator.md',
    defaultText: '`6000`',
  }),
  SIMULATOR_TICKETS: int('SIMULATOR_TICKETS', null, 0, 10_000_000, 'demo tickets', {
    doc: 'docs/simulator.md',
    defaultText: '`1500`',
  }),
  SIMULATOR_STATIONS: int('SIMULATOR_STATIONS', null, 1, 999, 'demo stations', {
    doc: 'docs/simulator.md',
    defaultText: '`3`',
  }),
} as const satisfies Record<string, Setting>;

/** Every declaration, in the order above. */
export const ALL_SETTINGS: readonly Setting[] = Object.values(SETTINGS);
