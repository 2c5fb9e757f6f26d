import pg from 'pg';
import type { Clock } from '../../platform/clock';
import {
  API300_WINDOW_MS,
  capOf,
  checkLimits,
  SharedStoreAnswers,
  type Quota,
  type QuotaDecision,
  type QuotaHold,
  type QuotaLimits,
  type SlotClass,
  type WindowAtStart,
} from './quota';

/**
 * The upstream budget shared by every replica on one PostgreSQL database (the shared mirror's,
 * `MIRROR_DATABASE_URL`) when there is no Redis: one table of grant times per token pair
 * (`tokenPairId`, never the tokens), and one statement per decision — a function that takes a
 * transaction advisory lock keyed by the pair, drops grants older than the window, counts, and
 * inserts the grant when a slot of the class is free. Timed by the database's clock, so
 * replicas with skewed clocks share one window; durable, so a restart of any replica (or of
 * PostgreSQL) never forgets a grant.
 *
 * A pair the table has never seen is not an empty window: its first decision records the pair
 * as trusted from one window later (`windowAtStart: 'empty'` — the caller knows no call was
 * made — trusts it at once), and nothing is granted until then.
 *
 * Fails closed like the Redis quota: when PostgreSQL does not answer, no slot is granted.
 */

export const QUOTA_TABLE = {
  grants: 'hypersoft_quota_grants',
  pairs: 'hypersoft_quota_pairs',
} as const;

/** Advisory lock namespace of the quota ('hypq'); the second key is the pair's hash. */
const LOCK_NAMESPACE = 0x68797071;

const SETUP = [
  `CREATE TABLE IF NOT EXISTS ${QUOTA_TABLE.pairs} (
     pair text PRIMARY KEY,
     trusted_from bigint NOT NULL
   )`,
  `CREATE TABLE IF NOT EXISTS ${QUOTA_TABLE.grants} (
     pair text NOT NULL,
     at bigint NOT NULL
   )`,
  `CREATE INDEX IF NOT EXISTS ${QUOTA_TABLE.grants}_pair_at ON ${QUOTA_TABLE.grants} (pair, at)`,
  // Returns granted, calls left after the decision, ms until a slot of the class frees, and
  // whether the pair is still in its first (unknown) window.
  `CREATE OR REPLACE FUNCTION hypersoft_quota_acquire(
     p_pair text, p_window bigint, p_cap int, p_limit int, p_assume_empty boolean,
     OUT granted boolean, OUT calls_left int, OUT wait_ms bigint, OUT held boolean)
   LANGUAGE plpgsql AS $$
   DECLARE
     v_now bigint := (extract(epoch FROM clock_timestamp()) * 1000)::bigint;
     v_trusted bigint;
     v_used int;
     v_frees bigint;
   BEGIN
     PERFORM pg_advisory_xact_lock(${LOCK_NAMESPACE}, hashtext(p_pair));
     INSERT INTO ${QUOTA_TABLE.pairs} (pair, trusted_from)
       VALUES (p_pair, CASE WHEN p_assume_empty THEN v_now ELSE v_now + p_window END)
       ON CONFLICT (pair) DO NOTHING;
     SELECT trusted_from INTO v_trusted FROM ${QUOTA_TABLE.pairs} WHERE pair = p_pair;
     DELETE FROM ${QUOTA_TABLE.grants} WHERE pair = p_pair AND at <= v_now - p_window;
     SELECT count(*) INTO v_used FROM ${QUOTA_TABLE.grants} WHERE pair = p_pair;
     IF v_now < v_trusted THEN
       granted := false; calls_left := 0; wait_ms := v_trusted - v_now; held := true;
       RETURN;
     END IF;
     held := false;
     IF v_used < p_cap THEN
       INSERT INTO ${QUOTA_TABLE.grants} (pair, at) VALUES (p_pair, v_now);
       granted := true; calls_left := p_limit - v_used - 1; wait_ms := 0;
       RETURN;
     END IF;
     SELECT at INTO v_frees FROM ${QUOTA_TABLE.grants} WHERE pair = p_pair
       ORDER BY at OFFSET v_used - p_cap LIMIT 1;
     granted := false; calls_left := p_limit - v_used; wait_ms := v_frees + p_window - v_now;
   END $$`,
];

export interface PostgresQuotaOptions extends QuotaLimits {
  /** `postgres://…` (`MIRROR_DATABASE_URL`); the quota keeps its own two connections. */
  connectionString: string;
  tokenPairId: string;
  clock: Clock;
  windowAtStart?: WindowAtStart;
  /** How long to wait before asking again after PostgreSQL failed to answer (default 1000 ms). */
  unavailableRetryMs?: number;
  /** Server-side limit of one decision (default 5000 ms). */
  statementTimeoutMs?: number;
}

interface AcquireRow {
  granted: boolean;
  calls_left: number;
  wait_ms: string;
  held: boolean;
}

export class PostgresQuota implements Quota {
  private readonly pool: pg.Pool;
  private readonly windowMs: number;
  private setup: Promise<void> | null = null;
  private assumeEmpty: boolean;
  private readonly answers: SharedStoreAnswers;

  constructor(private readonly options: PostgresQuotaOptions) {
    checkLimits(options);
    this.windowMs = options.windowMs ?? API300_WINDOW_MS;
    this.assumeEmpty = options.windowAtStart === 'empty';
    this.answers = new SharedStoreAnswers(
      options.clock,
      options.limit,
      'the shared window in PostgreSQL is new for this token pair: its calls are unknown',
      options.unavailableRetryMs,
    );
    const timeout = options.statementTimeoutMs ?? 5000;
    this.pool = new pg.Pool({
      connectionString: options.connectionString,
      application_name: 'hypersoft-quota',
      max: 2,
      statement_timeout: timeout,
      query_timeout: timeout + 1000,
      connectionTimeoutMillis: timeout,
    });
    // An idle client whose server went away emits here; unhandled, it would end the process.
    this.pool.on('error', () => undefined);
  }

  /** Creates the tables and the function once (serialized between replicas by a lock). */
  private ready(): Promise<void> {
    this.setup ??= (async () => {
      const client = await this.pool.connect();
      try {
        await client.query('BEGIN');
        await client.query('SELECT pg_advisory_xact_lock($1, 0)', [LOCK_NAMESPACE]);
        for (const statement of SETUP) await client.query(statement);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    })().catch((error: unknown) => {
      this.setup = null;
      throw error;
    });
    return this.setup;
  }

  async acquire(slot: SlotClass): Promise<QuotaDecision> {
    const asked = this.options.clock.now();
    try {
      await this.ready();
      const cap = capOf(this.options, slot);
      const { rows } = await this.pool.query<AcquireRow>(
        'SELECT * FROM hypersoft_quota_acquire($1, $2, $3, $4, $5)',
        [this.options.tokenPairId, this.windowMs, cap, this.options.limit, this.assumeEmpty],
      );
      const row = rows[0];
      this.assumeEmpty = false;
      return this.answers.answered({
        granted: row.granted,
        callsLeft: row.calls_left,
        waitMs: Number(row.wait_ms),
        held: row.held,
      });
    } catch {
      return this.answers.unanswered(asked);
    }
  }

  budgetLeft(): number {
    return this.answers.budgetLeft();
  }

  available(): boolean {
    return this.answers.available();
  }

  hold(): QuotaHold | null {
    return this.answers.hold();
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }
}
