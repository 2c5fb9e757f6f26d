import pg from 'pg';
import type { Clock } from '../../platform/clock';
import type { Logger } from '../../platform/logger';
import { expiresAt, type IdempotencyEntry, type IdempotencyStore } from './store';

/**
 * Idempotency keys in PostgreSQL (the mirror's database, `MIRROR_DATABASE_URL`), shared by
 * every replica on it: table `hypersoft_idempotency` (created on first use, beside the
 * mirror's own tables and independent of their schema version), one row per key and token
 * pair, the entry as JSON, `expires_at` a day after the key's first attempt (epoch ms, by the
 * data path's clock). `claim` is one `INSERT … ON CONFLICT DO UPDATE … WHERE expired`;
 * `replace` an `UPDATE`/`DELETE` that compares the owner. Expired rows are purged as claims
 * pass, a hundred at a time.
 */

const SCHEMA = `
CREATE TABLE IF NOT EXISTS hypersoft_idempotency (
  token_pair text NOT NULL,
  key text NOT NULL,
  entry jsonb NOT NULL,
  expires_at bigint NOT NULL,
  PRIMARY KEY (token_pair, key)
)`;

export interface PostgresIdempotencyStoreOptions {
  connectionString: string;
  tokenPairId: string;
  clock: Clock;
  logger?: Logger;
}

export class PostgresIdempotencyStore implements IdempotencyStore {
  private readonly pool: pg.Pool;
  private ready: Promise<void> | null = null;

  constructor(private readonly options: PostgresIdempotencyStoreOptions) {
    this.pool = new pg.Pool({
      connectionString: options.connectionString,
      application_name: 'hypersoft-idempotency',
      max: 2,
      connectionTimeoutMillis: 10_000,
      statement_timeout: 10_000,
    });
    this.pool.on('error', (error) =>
      options.logger?.warn({ err: error.message }, 'idempotency database connection lost'),
    );
  }

  now(): number {
    return this.options.clock.now();
  }

  async claim(key: string, entry: IdempotencyEntry): Promise<IdempotencyEntry | null> {
    await this.migrate();
    const now = this.now();
    const pair = this.options.tokenPairId;
    const inserted = await this.pool.query(
      `INSERT INTO hypersoft_idempotency (token_pair, key, entry, expires_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (token_pair, key) DO UPDATE SET entry = EXCLUDED.entry, expires_at = EXCLUDED.expires_at
       WHERE hypersoft_idempotency.expires_at <= $5
       RETURNING key`,
      [pair, key, JSON.stringify(entry), expiresAt(entry), now],
    );
    if (inserted.rowCount === 1) {
      await this.purge(now);
      return null;
    }
    const held = await this.pool.query<{ entry: IdempotencyEntry }>(
      'SELECT entry FROM hypersoft_idempotency WHERE token_pair = $1 AND key = $2',
      [pair, key],
    );
    // Gone between the two statements (purged): claim again.
    return held.rows[0]?.entry ?? this.claim(key, entry);
  }

  async replace(key: string, owner: string, next: IdempotencyEntry | null): Promise<boolean> {
    await this.migrate();
    const pair = this.options.tokenPairId;
    const result =
      next === null
        ? await this.pool.query(
            `DELETE FROM hypersoft_idempotency WHERE token_pair = $1 AND key = $2 AND entry->>'owner' = $3`,
            [pair, key, owner],
          )
        : await this.pool.query(
            `UPDATE hypersoft_idempotency SET entry = $4, expires_at = $5
             WHERE token_pair = $1 AND key = $2 AND entry->>'owner' = $3`,
            [pair, key, owner, JSON.stringify(next), expiresAt(next)],
          );
    return result.rowCount === 1;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private migrate(): Promise<void> {
    this.ready ??= this.pool.query(SCHEMA).then(
      () => undefined,
      (error: unknown) => {
        // Two replicas creating the table at once: the loser sees the winner's table.
        const code = (error as { code?: unknown }).code;
        if (code === '23505' || code === '42P07') return;
        this.ready = null;
        throw error;
      },
    );
    return this.ready;
  }

  private async purge(now: number): Promise<void> {
    await this.pool.query(
      `DELETE FROM hypersoft_idempotency WHERE (token_pair, key) IN
         (SELECT token_pair, key FROM hypersoft_idempotency WHERE expires_at <= $1 LIMIT 100)`,
      [now],
    );
  }
}
