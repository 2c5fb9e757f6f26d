import type { Pool, PoolClient } from 'pg';

/**
 * The shared mirror's tables and their migrations.
 *
 * Every object is prefixed `hypersoft_mirror_` so the mirror can live in a database that holds
 * other things. `SCHEMA_VERSION` is the version this code writes and reads; each migration
 * takes the schema from version n-1 to n and never changes once released (a later change is a
 * new migration).
 *
 * Boot runs `migrate`: idempotent (a database at the current version is left as it is) and
 * safe with several replicas starting at once — a session advisory lock makes them take
 * turns, so the second finds the work done. A database at a higher version than this code
 * knows was written by a newer subgraph: it is refused with `MirrorSchemaError`, never
 * altered (an older replica must not "repair" what it does not understand).
 */

export const TABLE = {
  schema: 'hypersoft_mirror_schema',
  records: 'hypersoft_mirror_records',
  states: 'hypersoft_mirror_kind_states',
  feed: 'hypersoft_mirror_feed',
  lease: 'hypersoft_mirror_lease',
  position: 'hypersoft_mirror_position',
  identity: 'hypersoft_mirror_identity',
} as const;

/** NOTIFY channel of committed applies; the payload is the writing store's instance id. */
export const CHANGES_CHANNEL = 'hypersoft_mirror_changes';

/**
 * Advisory lock keys (two-int form: a namespace for this product, then the purpose), per
 * database. `MIGRATE` is a session lock held around migrations; `APPLY` a transaction lock
 * every writing transaction takes before it draws positions, so positions commit in order.
 */
const LOCK_NAMESPACE = 0x68797073; // 'hyps'
export const LOCK = {
  migrate: [LOCK_NAMESPACE, 1],
  apply: [LOCK_NAMESPACE, 2],
} as const;

/** The version of the tables this code reads and writes. */
export const SCHEMA_VERSION = 3;

/** Statements of each migration, index 0 → version 1. */
const MIGRATIONS: readonly (readonly string[])[] = [
  [
    // One row per record; a deleted record stays as a tombstone (data NULL: the personal data
    // is gone at once) with a fresh position, so followers learn of the delete, until purged.
    `CREATE TABLE ${TABLE.records} (
       kind text NOT NULL,
       key text NOT NULL,
       changed timestamptz NOT NULL,
       data jsonb,
       position bigint NOT NULL,
       touched_at timestamptz NOT NULL DEFAULT clock_timestamp(),
       PRIMARY KEY (kind, key)
     )`,
    `CREATE INDEX ${TABLE.records}_position ON ${TABLE.records} (position)`,
    `CREATE INDEX ${TABLE.records}_tombstones ON ${TABLE.records} (touched_at) WHERE data IS NULL`,
    `CREATE SEQUENCE ${TABLE.position} AS bigint`,
    `CREATE TABLE ${TABLE.states} (
       kind text PRIMARY KEY,
       watermark timestamptz,
       loaded boolean NOT NULL,
       reconciled_at timestamptz,
       licence_missing text,
       updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
     )`,
    // The change feed is complete for positions above \`horizon\`: purging tombstones and
    // wiping raise it, and a reader behind it must load again.
    `CREATE TABLE ${TABLE.feed} (
       id int PRIMARY KEY CHECK (id = 1),
       horizon bigint NOT NULL
     )`,
    `INSERT INTO ${TABLE.feed} (id, horizon) VALUES (1, 0)`,
    // The leader lease: who syncs, until when (database clock), and the fencing epoch that
    // grows by one with every new tenure.
    `CREATE TABLE ${TABLE.lease} (
       name text PRIMARY KEY,
       holder text NOT NULL,
       instance text NOT NULL,
       epoch bigint NOT NULL,
       acquired_at timestamptz NOT NULL,
       renewed_at timestamptz NOT NULL,
       expires_at timestamptz NOT NULL,
       takeovers bigint NOT NULL DEFAULT 0
     )`,
  ],
  [
    // Whose copy this is (`mirrorIdentity`: a hash of endpoint and token pair, never the
    // tokens), recorded by the first replica; others of another identity are refused.
    `CREATE TABLE ${TABLE.identity} (
       id int PRIMARY KEY CHECK (id = 1),
       identity text NOT NULL,
       recorded_at timestamptz NOT NULL DEFAULT clock_timestamp()
     )`,
  ],
  [
    // The pages of a running initial load (`KindState.loadPages`): replicas that do not lead
    // answer the keys they cover, as the leader does. NULL when no load runs.
    `ALTER TABLE ${TABLE.states} ADD COLUMN load_pages jsonb`,
  ],
];

/** A database this code must not use (written by a newer version); the message names both versions. */
export class MirrorSchemaError extends Error {
  override readonly name = 'MirrorSchemaError';
  constructor(
    readonly databaseVersion: number,
    readonly codeVersion: number,
  ) {
    super(
      `the mirror database has schema version ${databaseVersion}, written by a newer subgraph; ` +
        `this one knows up to version ${codeVersion} and refuses to use or alter it ` +
        `(run the newer version, or point MIRROR_DATABASE_URL at another database)`,
    );
  }
}

/** Brings the schema to `SCHEMA_VERSION` (see the file comment); returns the version found. */
export async function migrate(pool: Pool): Promise<number> {
  const client = await pool.connect();
  let locked = false;
  let broken = false;
  // A checked-out client has no pool listener: without this, a connection lost between two
  // statements would be an unhandled 'error' event.
  const lost = () => {
    broken = true;
  };
  client.on('error', lost);
  try {
    await client.query('SELECT pg_advisory_lock($1, $2)', [...LOCK.migrate]);
    locked = true;
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${TABLE.schema} (
         id int PRIMARY KEY CHECK (id = 1),
         version int NOT NULL,
         migrated_at timestamptz NOT NULL DEFAULT clock_timestamp()
       )`,
    );
    const found = await versionOf(client);
    if (found > SCHEMA_VERSION) throw new MirrorSchemaError(found, SCHEMA_VERSION);
    for (let version = found + 1; version <= SCHEMA_VERSION; version++) {
      await client.query('BEGIN');
      try {
        for (const statement of MIGRATIONS[version - 1]) await client.query(statement);
        await client.query(
          `INSERT INTO ${TABLE.schema} (id, version) VALUES (1, $1)
           ON CONFLICT (id) DO UPDATE SET version = excluded.version, migrated_at = clock_timestamp()`,
          [version],
        );
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
    }
    return found;
  } finally {
    // A client whose unlock failed may still hold the session lock: destroy it, which ends
    // the session and so the lock.
    if (locked && !broken) {
      await client.query('SELECT pg_advisory_unlock($1, $2)', [...LOCK.migrate]).catch(() => {
        broken = true;
      });
    }
    client.off('error', lost);
    client.release(broken);
  }
}

async function versionOf(client: PoolClient): Promise<number> {
  const { rows } = await client.query<{ version: number }>(
    `SELECT version FROM ${TABLE.schema} WHERE id = 1`,
  );
  return rows[0]?.version ?? 0;
}
