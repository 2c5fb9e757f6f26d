import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describeWith } from './describeWith';

/**
 * A throwaway PostgreSQL database for integration tests, on the server at
 * `TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`, trust auth):
 * each test file creates its own database with a random name and drops it, so files never
 * see each other's rows and the server is never stopped (other users share it).
 *
 * Without a reachable server, `describeWithPostgres` skips its block with a warning — or,
 * under CI=true, fails loudly: CI must run these tests (.ci/run starts the server).
 */

export const ADMIN_URL =
  process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  name: string;
  /** Connection string of the new database. */
  url: string;
  /** Ends every session connected to it (what a server restart does to clients). */
  terminateConnections(): Promise<number>;
  /**
   * Moves every mirror tombstone `ms` into the past, so the store's purge finds it past its
   * retention (which is at least a minute: MIRROR_TOMBSTONE_RETENTION_MS) without a wait.
   */
  ageTombstones(ms: number): Promise<number>;
  /** Drops it, ending whatever is still connected. */
  drop(): Promise<void>;
}

/** Whether the server answers a query; checked once per file, synchronously (describe blocks are). */
export function postgresAvailable(): boolean {
  const probe = `
    const { Client } = require('pg');
    const c = new Client({ connectionString: process.argv[1], connectionTimeoutMillis: 3000 });
    c.connect().then(() => c.query('SELECT 1')).then(() => c.end()).then(
      () => process.exit(0), () => process.exit(1));`;
  return (
    spawnSync(process.execPath, ['-e', probe, ADMIN_URL], {
      stdio: 'ignore',
      timeout: 10_000,
      cwd: __dirname,
    }).status === 0
  );
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `hypersoft_test_${randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    terminateConnections: () =>
      admin(async (c) => {
        const { rowCount } = await c.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
          [name],
        );
        return rowCount ?? 0;
      }),
    ageTombstones: async (ms) => {
      const client = new pg.Client({ connectionString: url.toString() });
      await client.connect();
      try {
        const { rowCount } = await client.query(
          `UPDATE hypersoft_mirror_records SET touched_at = touched_at - $1 * interval '1 millisecond'
           WHERE data IS NULL`,
          [ms],
        );
        return rowCount ?? 0;
      } finally {
        await client.end();
      }
    },
    drop: () =>
      admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => {}),
  };
}

/** `describe` for tests that need a real PostgreSQL; skipped with a warning when none answers (fails under CI=true). */
export function describeWithPostgres(name: string, body: () => void): void {
  describeWith(
    name,
    postgresAvailable() ? true : null,
    () =>
      `no PostgreSQL server answers at ${new URL(ADMIN_URL).host} (start one, or set TEST_POSTGRES_URL)`,
    'a PostgreSQL server to run against',
    () => body(),
  );
}
