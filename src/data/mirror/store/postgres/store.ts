import {
  KEYED_KINDS,
  type Customer,
  type KeyedKind,
  type Reservation,
  type Station,
  type Ticket,
} from '../../../../domain/models';
import { randomUUID } from 'node:crypto';
import pg, { type Pool, type PoolClient } from 'pg';
import { systemClock, type Clock } from '../../../../platform/clock';
import type { Logger } from '../../../../platform/logger';
import {
  LeaseLostError,
  MirrorStoreError,
  RECORD_KINDS,
  type KindState,
  type LoadedPage,
  type MirrorApplyOptions,
  type MirrorBatch,
  type MirrorChanges,
  type RecordKind,
  type MirrorSnapshot,
  type MirrorStore,
  type RecordOf,
} from '../../types';
import { keyOf } from '../../records';
import { recordFromJson, recordToJson } from '../recordJson';
import { CHANGES_CHANNEL, LOCK, TABLE, migrate, MirrorSchemaError } from './schema';
import { createChangeListener } from './listener';
import { identityMismatch, identityMissing } from '../identity';
import { SETTINGS } from '../../../../settings';

/** The lease that fences the sync's applies (one per database). */
export const SYNC_LEASE = 'sync';

export interface PostgresStoreOptions {
  /** `postgres://user@host:port/database` (`MIRROR_DATABASE_URL`). */
  connectionString: string;
  /**
   * How long a delete stays in the change feed as a tombstone (its personal data is gone at
   * once; only kind and key remain). Default and range: those of
   * `MIRROR_TOMBSTONE_RETENTION_MS` (src/settings.ts). A follower further behind than this — its
   * position predates a purged tombstone — gets `reset` from `changesSince` and loads again.
   */
  tombstoneRetentionMs?: number;
  /** How often this store purges tombstones past their retention. Default 5 min. */
  purgeEveryMs?: number;
  /** Most pooled connections (default 4); the change listener holds one more. */
  maxConnections?: number;
  /** Server-side limit of one statement (default 30 s): no call waits on a stuck lock forever. */
  statementTimeoutMs?: number;
  /**
   * A session that stays this long inside a transaction without sending a statement is ended
   * by the server (default 5 s). The trap it closes: a process frozen in the middle of an
   * apply holds the apply lock and a share lock on the lease row, which would stop every
   * other writer — and the takeover of a frozen leader — for as long as it stays frozen.
   * Every transaction here sends its statements back to back, so 5 s is never reached by a
   * live one.
   */
  idleInTransactionTimeoutMs?: number;
  /** First delay before the change listener reconnects; doubles up to 5 s. Default 500 ms. */
  reconnectDelayMs?: number;
  /** How often the idle change listener checks its connection (default 30 s). */
  heartbeatMs?: number;
  clock?: Clock;
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
  /**
   * `mirrorIdentity(endpoint, tokenPairId)`: recorded by the first replica; a database
   * recorded for another identity, or holding records without one, is refused with
   * `MirrorStoreError` (for good, like a newer schema). Unset: not checked (tests).
   */
  identity?: string;
}

/** The PostgreSQL store with what the composition root and operators need beyond `MirrorStore`. */
export interface PostgresMirrorStore extends MirrorStore {
  readonly kind: 'postgres';
  /** The store's connection pool (the leader lease shares it). */
  readonly pool: Pool;
  /** Identifies this store in NOTIFY payloads, so it is not woken by its own applies. */
  readonly instanceId: string;
  /**
   * Runs the migrations once (every other method awaits it). Rejects with
   * `MirrorSchemaError` for a database written by a newer version — for good — and with the
   * connection error while PostgreSQL is unreachable (the next call tries again).
   */
  ready(): Promise<void>;
  /** Deletes tombstones older than the retention and raises the feed's horizon; returns how many. */
  purgeTombstones(): Promise<number>;
  /** Whether the change listener's LISTEN is established now. */
  listening(): boolean;
}

const TOMBSTONE_RETENTION = SETTINGS.MIRROR_TOMBSTONE_RETENTION_MS;

const DEFAULTS = {
  tombstoneRetentionMs: TOMBSTONE_RETENTION.default,
  purgeEveryMs: 300_000,
  maxConnections: 4,
  statementTimeoutMs: 30_000,
  idleInTransactionTimeoutMs: 5_000,
  reconnectDelayMs: 500,
  heartbeatMs: 30_000,
};
/** Rows per read while loading: bounds one result set, not the snapshot. */
const LOAD_PAGE = 10_000;
/** Key of the one row that holds the whole station list. */
const STATIONS_KEY = '';

interface RecordRow {
  kind: string;
  key: string;
  data: unknown;
  position: string;
}

interface StateRow {
  kind: string;
  watermark: Date | null;
  loaded: boolean;
  reconciled_at: Date | null;
  licence_missing: string | null;
  load_pages: LoadedPage[] | null;
}

/**
 * The mirror's records on a PostgreSQL server shared by several replicas (see
 * docs/mirror.md, "Shared mode"). It persists and feeds changes; each replica's in-memory
 * index answers the queries.
 *
 * The change feed: every changed row gets a new `position` from one sequence, and a reader
 * asks `changesSince(position)`. The trap: sequence values are drawn when a transaction runs
 * but become visible when it commits, so two concurrent applies can commit out of order (A
 * draws 10, B draws 11 and commits, a follower reads up to 11, A commits 10 — never seen).
 * Every writing transaction therefore takes one transaction advisory lock before it draws a
 * position, so positions commit in the order they are drawn: a snapshot that sees position n
 * sees every position below it. Mirror writes are few (a sync page, a write's record), so
 * the serialisation costs nothing that matters.
 *
 * The factory connects lazily: it never throws for an unreachable server; `ready()` (or the
 * first call) migrates.
 */
export function createPostgresStore(options: PostgresStoreOptions): PostgresMirrorStore {
  const settings = { ...DEFAULTS, ...withoutUndefined(options) };
  validate(settings);
  const clock = options.clock ?? systemClock;
  const logger = options.logger;
  const instanceId = randomUUID();
  const connection = {
    connectionString: options.connectionString,
    application_name: 'hypersoft-mirror',
    statement_timeout: settings.statementTimeoutMs,
    idle_in_transaction_session_timeout: settings.idleInTransactionTimeoutMs,
    // The client gives up a little after the server would have, if the server went silent.
    query_timeout: settings.statementTimeoutMs + 5_000,
    connectionTimeoutMillis: 10_000,
    keepAlive: true,
  };
  const pool = new pg.Pool({ ...connection, max: settings.maxConnections });
  // An idle pooled client whose server went away emits here; unhandled, it would end the process.
  pool.on('error', (error) =>
    logger?.warn({ err: error.message }, 'mirror database connection lost'),
  );

  // One dedicated connection LISTENing for other instances' applies (listener.ts).
  const changes = createChangeListener({
    connection,
    instanceId,
    reconnectDelayMs: settings.reconnectDelayMs,
    heartbeatMs: settings.heartbeatMs,
    clock,
    logger,
  });

  let closed = false;
  let migrated: Promise<void> | null = null;
  let cancelPurge: (() => void) | null = null;

  function ready(): Promise<void> {
    if (closed) return Promise.reject(new Error('the mirror store is closed'));
    migrated ??= migrate(pool)
      .then(() => (options.identity ? checkIdentity(options.identity) : undefined))
      .then(
        () => {
          schedulePurge();
        },
        (error: unknown) => {
          // A newer schema or another identity stays refused; a connection failure is tried
          // again on the next call.
          if (!(error instanceof MirrorSchemaError) && !(error instanceof MirrorStoreError))
            migrated = null;
          throw error;
        },
      );
    return migrated;
  }

  /** Records `expected` in a database that holds nothing yet; refuses one of another identity. */
  async function checkIdentity(expected: string): Promise<void> {
    const where = `the mirror database (${TABLE.identity})`;
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1, $2)', [...LOCK.apply]);
      const { rows } = await client.query<{ identity: string }>(
        `SELECT identity FROM ${TABLE.identity} WHERE id = 1`,
      );
      const recorded = rows[0]?.identity;
      if (recorded === undefined) {
        const held = await client.query(`SELECT 1 FROM ${TABLE.records} LIMIT 1`);
        if (held.rowCount) throw identityMissing(where);
        await client.query(`INSERT INTO ${TABLE.identity} (id, identity) VALUES (1, $1)`, [
          expected,
        ]);
      } else if (recorded !== expected) {
        throw identityMismatch(where, recorded, expected);
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  function schedulePurge(): void {
    if (closed || cancelPurge) return;
    cancelPurge = clock.schedule(settings.purgeEveryMs, () => {
      cancelPurge = null;
      purgeTombstones()
        .catch((error: unknown) =>
          logger?.warn({ err: (error as Error).message }, 'mirror tombstone purge failed'),
        )
        .finally(schedulePurge);
    });
  }

  /** Runs `work` in one transaction on one pooled client; a failed rollback discards the client. */
  async function transaction<T>(
    begin: string,
    work: (client: PoolClient) => Promise<T>,
  ): Promise<T> {
    await ready();
    const client = await pool.connect();
    let broken = false;
    // A checked-out client has no pool listener: a connection lost between two statements
    // would be an unhandled 'error' event (ending the process). The statement in flight, or
    // the next one, fails with it; the client is discarded.
    const lost = () => {
      broken = true;
    };
    client.on('error', lost);
    try {
      await client.query(begin);
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      throw error;
    } finally {
      client.off('error', lost);
      client.release(broken);
    }
  }

  // One instance's writes run one after another, in call order (across instances the apply
  // lock orders them), so a replica's own writes land as it made them.
  let lastWrite: Promise<unknown> = Promise.resolve();
  function inOrder<T>(write: () => Promise<T>): Promise<T> {
    const run = lastWrite.then(write, write);
    lastWrite = run.catch(() => {});
    return run;
  }

  async function apply(
    batch: MirrorBatch,
    states?: Partial<Record<RecordKind, KindState>>,
    applyOptions?: MirrorApplyOptions,
  ): Promise<void> {
    const puts = KEYED_KINDS.map((kind) => ({ kind, rows: putRows(kind, batch[kind]?.put) }));
    const fence = applyOptions?.fence;
    await inOrder(() =>
      transaction('BEGIN', async (client) => {
        await client.query('SELECT pg_advisory_xact_lock($1, $2)', [...LOCK.apply]);
        if (fence !== undefined) {
          // FOR SHARE holds the lease row until commit: a takeover (an UPDATE of that row) waits
          // for this apply, so nothing of a stale tenure commits after a new one began.
          const { rowCount } = await client.query(
            `SELECT 1 FROM ${TABLE.lease}
           WHERE name = $1 AND epoch = $2 AND expires_at > clock_timestamp() FOR SHARE`,
            [SYNC_LEASE, fence],
          );
          if (!rowCount) throw new LeaseLostError(fence);
        }
        let changed = 0;
        for (const { kind, rows } of puts) {
          if (rows.keys.length === 0) continue;
          const result = await client.query(
            `INSERT INTO ${TABLE.records} AS r (kind, key, changed, data, position, touched_at)
           SELECT $1, u.key, u.changed, u.data, nextval('${TABLE.position}'), clock_timestamp()
           FROM unnest($2::text[], $3::timestamptz[], $4::jsonb[]) AS u(key, changed, data)
           ON CONFLICT (kind, key) DO UPDATE
           SET changed = excluded.changed, data = excluded.data,
               position = excluded.position, touched_at = excluded.touched_at
           WHERE r.data IS NULL
              OR excluded.changed > r.changed
              OR (excluded.changed = r.changed AND excluded.data IS DISTINCT FROM r.data)`,
            [kind, rows.keys, rows.changed, rows.data],
          );
          changed += result.rowCount ?? 0;
        }
        for (const kind of KEYED_KINDS) {
          const keys = [...new Set((batch[kind]?.delete ?? []).map(String))];
          if (keys.length === 0) continue;
          // The personal data goes now; kind, key and a new position stay so followers learn of
          // the delete — also of a key this store never held, which a replica may hold from a
          // write whose store apply failed.
          const result = await client.query(
            `INSERT INTO ${TABLE.records} AS r (kind, key, changed, data, position, touched_at)
           SELECT $1, u.key, clock_timestamp(), NULL, nextval('${TABLE.position}'), clock_timestamp()
           FROM unnest($2::text[]) AS u(key)
           ON CONFLICT (kind, key) DO UPDATE
           SET data = NULL, position = excluded.position, touched_at = excluded.touched_at
           WHERE r.data IS NOT NULL`,
            [kind, keys],
          );
          changed += result.rowCount ?? 0;
        }
        if (batch.stations) {
          const result = await client.query(
            `INSERT INTO ${TABLE.records} AS r (kind, key, changed, data, position, touched_at)
           VALUES ('stations', $1, clock_timestamp(), $2::jsonb, nextval('${TABLE.position}'),
                   clock_timestamp())
           ON CONFLICT (kind, key) DO UPDATE
           SET changed = excluded.changed, data = excluded.data,
               position = excluded.position, touched_at = excluded.touched_at
           WHERE excluded.data IS DISTINCT FROM r.data`,
            [STATIONS_KEY, JSON.stringify(batch.stations)],
          );
          changed += result.rowCount ?? 0;
        }
        for (const [kind, state] of Object.entries(states ?? {}) as [RecordKind, KindState][]) {
          const result = await client.query(
            `INSERT INTO ${TABLE.states} AS s
               (kind, watermark, loaded, reconciled_at, licence_missing, load_pages)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (kind) DO UPDATE
           SET watermark = excluded.watermark, loaded = excluded.loaded,
               reconciled_at = excluded.reconciled_at, licence_missing = excluded.licence_missing,
               load_pages = excluded.load_pages, updated_at = clock_timestamp()
           WHERE (s.watermark, s.loaded, s.reconciled_at, s.licence_missing, s.load_pages)
                 IS DISTINCT FROM
                 (excluded.watermark, excluded.loaded, excluded.reconciled_at,
                  excluded.licence_missing, excluded.load_pages)`,
            [
              kind,
              state.watermark,
              state.loaded,
              state.reconciledAt,
              state.licenceMissing,
              state.loadPages ? JSON.stringify(state.loadPages) : null,
            ],
          );
          changed += result.rowCount ?? 0;
        }
        // Delivered by the server at commit, and only if the transaction commits.
        if (changed > 0)
          await client.query('SELECT pg_notify($1, $2)', [CHANGES_CHANNEL, instanceId]);
      }),
    );
  }

  async function load(): Promise<MirrorSnapshot> {
    return transaction('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', async (client) => {
      const snapshot: MirrorSnapshot = {
        customers: [],
        reservations: [],
        tickets: [],
        stations: [],
        states: {},
        position: await head(client),
      };
      for (let after = '0'; ;) {
        const { rows } = await client.query<RecordRow>(
          `SELECT kind, key, data, position FROM ${TABLE.records}
           WHERE data IS NOT NULL AND position > $1 ORDER BY position LIMIT ${LOAD_PAGE}`,
          [after],
        );
        for (const row of rows) addRecord(snapshot, row);
        if (rows.length < LOAD_PAGE) break;
        after = rows[rows.length - 1].position;
      }
      snapshot.states = await readStates(client);
      return snapshot;
    });
  }

  async function changesSince(position: number): Promise<MirrorChanges> {
    return transaction('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', async (client) => {
      const { rows: feed } = await client.query<{ horizon: string }>(
        `SELECT horizon FROM ${TABLE.feed} WHERE id = 1`,
      );
      const horizon = Number(feed[0]?.horizon ?? 0);
      const now = await head(client);
      const states = await readStates(client);
      // Behind the horizon: a purged tombstone or a wipe may lie between. Ahead of the head:
      // the position was read from another database (dropped and created again).
      if (position < horizon || position > now) {
        return { batch: {}, states, position: now, reset: true };
      }
      const changes = new ChangeCollector();
      for (let after = String(position); ;) {
        const { rows } = await client.query<RecordRow>(
          `SELECT kind, key, data, position FROM ${TABLE.records}
           WHERE position > $1 ORDER BY position LIMIT ${LOAD_PAGE}`,
          [after],
        );
        for (const row of rows) changes.add(row);
        if (rows.length < LOAD_PAGE) break;
        after = rows[rows.length - 1].position;
      }
      return { batch: changes.batch(), states, position: now };
    });
  }

  async function wipe(): Promise<void> {
    await inOrder(() =>
      transaction('BEGIN', async (client) => {
        await client.query('SELECT pg_advisory_xact_lock($1, $2)', [...LOCK.apply]);
        // TRUNCATE, not DELETE: the files holding the personal data go at commit, with no dead
        // rows left for a later vacuum.
        await client.query(`TRUNCATE ${TABLE.records}, ${TABLE.states}`);
        // Every position handed out so far now lies behind the horizon: followers reload (empty).
        await client.query(
          `UPDATE ${TABLE.feed} SET horizon = nextval('${TABLE.position}') WHERE id = 1`,
        );
        await client.query('SELECT pg_notify($1, $2)', [CHANGES_CHANNEL, instanceId]);
      }),
    );
  }

  async function purgeTombstones(): Promise<number> {
    await ready();
    const { rows } = await pool.query<{ purged: string }>(
      `WITH gone AS (
         DELETE FROM ${TABLE.records}
         WHERE data IS NULL AND touched_at < clock_timestamp() - $1 * interval '1 millisecond'
         RETURNING position
       ), raised AS (
         UPDATE ${TABLE.feed} SET horizon = greatest(horizon, (SELECT max(position) FROM gone))
         WHERE id = 1 AND EXISTS (SELECT 1 FROM gone)
       )
       SELECT count(*) AS purged FROM gone`,
      [settings.tombstoneRetentionMs],
    );
    return Number(rows[0]?.purged ?? 0);
  }

  return {
    kind: 'postgres',
    pool,
    instanceId,
    ready,
    apply,
    load,
    changesSince,
    wipe,
    purgeTombstones,
    listening: () => changes.listening(),
    onChange: (fn) => changes.onChange(fn),
    async close() {
      if (closed) return;
      closed = true;
      cancelPurge?.();
      await changes.close();
      await pool.end();
    },
  };
}

/** The rows to upsert for one kind: one per key, the newest `changed` (the later on a tie). */
function putRows<K extends KeyedKind>(
  kind: K,
  records: readonly RecordOf[K][] | undefined,
): { keys: string[]; changed: string[]; data: string[] } {
  const newest = new Map<string, RecordOf[K]>();
  for (const record of records ?? []) {
    const key = String(keyOf(kind, record));
    const changed = record.changed;
    if (!(changed instanceof Date) || Number.isNaN(changed.getTime())) {
      throw new TypeError(`mirror apply: ${kind} ${key} has no valid \`changed\` date`);
    }
    const held = newest.get(key);
    if (!held || changed.getTime() >= held.changed.getTime()) newest.set(key, record);
  }
  const rows = { keys: [] as string[], changed: [] as string[], data: [] as string[] };
  for (const [key, record] of newest) {
    rows.keys.push(key);
    rows.changed.push(record.changed.toISOString());
    rows.data.push(recordToJson(kind, record));
  }
  return rows;
}

/** The feed position a snapshot is complete up to: its highest visible position, or the horizon. */
async function head(client: PoolClient): Promise<number> {
  const { rows } = await client.query<{ head: string }>(
    `SELECT greatest(
       (SELECT coalesce(max(position), 0) FROM ${TABLE.records}),
       (SELECT horizon FROM ${TABLE.feed} WHERE id = 1)) AS head`,
  );
  return Number(rows[0].head);
}

async function readStates(client: PoolClient): Promise<Partial<Record<RecordKind, KindState>>> {
  const { rows } = await client.query<StateRow>(
    `SELECT kind, watermark, loaded, reconciled_at, licence_missing, load_pages FROM ${TABLE.states}`,
  );
  const states: Partial<Record<RecordKind, KindState>> = {};
  for (const row of rows) {
    if (!(RECORD_KINDS as readonly string[]).includes(row.kind)) continue;
    states[row.kind as RecordKind] = {
      watermark: row.watermark,
      loaded: row.loaded,
      reconciledAt: row.reconciled_at,
      licenceMissing: row.licence_missing,
      ...(row.load_pages ? { loadPages: row.load_pages } : {}),
    };
  }
  return states;
}

function addRecord(snapshot: MirrorSnapshot, row: RecordRow): void {
  switch (row.kind) {
    case 'customers':
      snapshot.customers.push(recordFromJson('customers', row.data));
      break;
    case 'reservations':
      snapshot.reservations.push(recordFromJson('reservations', row.data));
      break;
    case 'tickets':
      snapshot.tickets.push(recordFromJson('tickets', row.data));
      break;
    case 'stations':
      snapshot.stations = row.data as Station[];
      break;
  }
}

/** Collects feed rows into a batch: live rows as puts, tombstones as deletes. */
class ChangeCollector {
  private readonly puts = {
    customers: [] as Customer[],
    reservations: [] as Reservation[],
    tickets: [] as Ticket[],
  };
  private readonly deletes = {
    customers: [] as number[],
    reservations: [] as number[],
    tickets: [] as string[],
  };
  private stations: Station[] | undefined;

  add(row: RecordRow): void {
    switch (row.kind) {
      case 'stations':
        if (row.data !== null) {
          this.stations = row.data as Station[];
        }
        break;
      case 'customers':
      case 'reservations':
        if (row.data === null) this.deletes[row.kind].push(Number(row.key));
        else if (row.kind === 'customers')
          this.puts.customers.push(recordFromJson('customers', row.data));
        else this.puts.reservations.push(recordFromJson('reservations', row.data));
        break;
      case 'tickets':
        if (row.data === null) this.deletes.tickets.push(row.key);
        else this.puts.tickets.push(recordFromJson('tickets', row.data));
        break;
    }
  }

  batch(): MirrorBatch {
    const batch: MirrorBatch = {};
    for (const kind of KEYED_KINDS) {
      const put = this.puts[kind];
      const del = this.deletes[kind];
      if (put.length === 0 && del.length === 0) continue;
      (batch as Record<KeyedKind, unknown>)[kind] = {
        ...(put.length > 0 ? { put } : {}),
        ...(del.length > 0 ? { delete: del } : {}),
      };
    }
    if (this.stations) batch.stations = this.stations;
    return batch;
  }
}

/** Smallest and largest allowed value of each numeric option. */
const RANGES: { readonly [K in keyof typeof DEFAULTS]: readonly [number, number] } = {
  tombstoneRetentionMs: [TOMBSTONE_RETENTION.min, TOMBSTONE_RETENTION.max],
  purgeEveryMs: [1_000, 86_400_000],
  maxConnections: [1, 100],
  statementTimeoutMs: [100, 600_000],
  idleInTransactionTimeoutMs: [100, 600_000],
  reconnectDelayMs: [1, 60_000],
  heartbeatMs: [100, 3_600_000],
};

function validate(settings: typeof DEFAULTS & { connectionString?: unknown }): void {
  if (typeof settings.connectionString !== 'string' || settings.connectionString.trim() === '') {
    // Never echoed: it may hold a password.
    throw new RangeError('connectionString is not allowed: expected a postgres:// URL');
  }
  for (const [name, [min, max]] of Object.entries(RANGES) as [
    keyof typeof DEFAULTS,
    [number, number],
  ][]) {
    const value = settings[name];
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new RangeError(
        `${name}=${String(value)} is not allowed: expected an integer from ${min} to ${max}`,
      );
    }
  }
}

function withoutUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
