import { createHash, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Clock } from '../../platform/clock';

/**
 * The upstream call budget: at most `limit` calls started in ANY rolling window of
 * `windowMs` (60 s) — a sliding log, not a fixed window, which would let twice the limit
 * through at a boundary. A call at time `t` counts while `now - windowMs < t`, exactly as
 * API300 (and the simulator) count: at 59.999 s it still counts, at 60 s it no longer does.
 *
 * Slot classes: a `read` slot is granted only while fewer than `limit - writeReserve` calls
 * are in the window; a `write` slot while fewer than `limit`. So reads can never use the last
 * `writeReserve` calls, and a burst of reads cannot starve writes.
 *
 * A granted slot is a call that has started as far as the budget is concerned — it is never
 * given back, even when the call then fails or is not made (every POST counts upstream).
 *
 * Implementations — each knows the calls of the last window made with its token pair by any
 * process it shares the budget with, or counts the window as full for one window (`hold()`):
 * a process never assumes that API300's window is empty (a predecessor killed a second ago
 * may have filled it).
 * - `MemoryQuota` — one process owns the token pair; it starts from the grants it is given
 *   (a journal) or held for a window (`WindowAtStart`).
 * - `JournaledQuota` (quotaJournal.ts) — a `MemoryQuota` whose every grant is appended to a
 *   file and fsync'd before the call goes out, so a restart knows its predecessor's calls.
 * - `PostgresQuota` (postgresQuota.ts) — replicas sharing a PostgreSQL mirror share one
 *   window in a table, under an advisory lock.
 * - `RedisQuota` — every replica with the same token pair shares one window in Redis: an
 *   atomic Lua script over a ZSET, timed by Redis's own clock (`TIME`), keyed by a hash of
 *   the token pair (never the tokens). When Redis cannot be reached it FAILS CLOSED: no
 *   slot is granted without Redis saying so; it answers "not now" and recovers by itself when
 *   Redis is back (ioredis reconnects). A Redis that lost the log (restart, FLUSHALL,
 *   eviction, failover) is not an empty window: a marker key without TTL and the server's
 *   run_id tell, and the window counts as full for one window. Each replica also tells a
 *   Redis that restarted empty, on reconnection, of its own grants still inside the window.
 *
 * Trap: the limit of 60 is API300's own; the default of 50 leaves headroom for clock skew and
 * network latency between the moment a slot is granted here and the moment API300 counts
 * the call.
 */

export type SlotClass = 'write' | 'read';

export type QuotaDecision =
  | { granted: true }
  | {
      granted: false;
      /** Epoch ms (the caller's clock) when asking again can succeed. */
      retryAt: number;
      /** `budget`: the window is full; `unavailable`: the shared store did not answer. */
      reason: 'budget' | 'unavailable';
    };

export interface Quota {
  /** Takes one slot of `slot`'s class now, or says when to ask again. Never rejects. */
  acquire(slot: SlotClass): Promise<QuotaDecision>;
  /** Calls left in the current window (all replicas when shared), as last known; synchronous and free. */
  budgetLeft(): number;
  /** Whether the store granting slots is reachable (always true in memory). */
  available(): boolean;
  /**
   * Set while the quota grants nothing because the calls of the last window are unknown (a
   * first start with nothing persisted, a Redis that lost its log): until when, and why.
   */
  hold(): QuotaHold | null;
}

/** The window is treated as full until `until` (epoch ms, the caller's clock), for `reason`. */
export interface QuotaHold {
  until: number;
  reason: string;
}

/**
 * What a quota knows of its token pair's calls made before it was created, when nothing it
 * persisted tells it: `unknown` — another process (a predecessor killed a second ago, another
 * tool) may have filled API300's window, so the window counts as full for one window; `empty`
 * — the caller knows that no call was made (it just started the API300 it talks to: the
 * embedded simulator, a test's simulator).
 */
export type WindowAtStart = 'empty' | 'unknown';

export interface QuotaLimits {
  /** Calls per window (config.upstream.callsPerMinute, 1..60). */
  limit: number;
  /** Calls of the window only writes may use (config.upstream.writeReserve, < limit). */
  writeReserve: number;
  /** Default 60 000 (`API300_WINDOW_MS`); the data path uses `BUDGET_WINDOW_MS`. */
  windowMs?: number;
}

/** API300's window: it counts the calls that arrived in any 60 s. The classes' default. */
export const API300_WINDOW_MS = 60_000;
/**
 * The window the subgraph counts in (the data path's quota, its read pacing and the mirror
 * sync's share): API300's plus a second. A call counts here when its slot is granted and at
 * API300 when it arrives, a varying moment later (the client's worker thread, the network):
 * counted over exactly 60 s, two calls granted 60 s apart can arrive 59.99 s apart, and with
 * the window kept full one of API300's windows held 51 of a budget of 50.
 */
export const BUDGET_WINDOW_MS = API300_WINDOW_MS + 1_000;

/** Calls of the window a slot of this class may take: reads leave the write reserve. */
export function capOf(limits: QuotaLimits, slot: SlotClass): number {
  return slot === 'write' ? limits.limit : limits.limit - limits.writeReserve;
}

/** Throws a RangeError for limits no quota can keep. */
export function checkLimits(limits: QuotaLimits): void {
  if (!(limits.limit >= 1) || !(limits.writeReserve >= 0) || limits.writeReserve >= limits.limit) {
    throw new RangeError(
      `quota: need 1 <= limit and 0 <= writeReserve < limit (got ${limits.limit}, ${limits.writeReserve})`,
    );
  }
}

/**
 * A stable, non-secret id of a token pair, for Redis keys and logs: a SHA-256 prefix. The
 * tokens themselves never leave the client.
 */
export function tokenPairId(cusToken: string, authToken: string): string {
  return createHash('sha256').update(`${cusToken}\u0000${authToken}`).digest('hex').slice(0, 32);
}

export interface MemoryQuotaStart {
  /** Start times (epoch ms) of calls made before this quota, e.g. read from a journal. */
  grants?: readonly number[];
  /** Count the window as full until one window from now, for this reason (see `WindowAtStart`). */
  holdReason?: string;
}

export class MemoryQuota implements Quota {
  /** Start times of the calls in the window, oldest first. */
  private starts: number[] = [];
  private readonly windowMs: number;
  private heldUntil = 0;
  private readonly holdReason: string;

  constructor(
    private readonly limits: QuotaLimits,
    private readonly clock: Clock,
    start: MemoryQuotaStart = {},
  ) {
    checkLimits(limits);
    this.windowMs = limits.windowMs ?? API300_WINDOW_MS;
    const now = clock.now();
    this.starts = (start.grants ?? [])
      .filter((t) => t > now - this.windowMs)
      .map((t) => Math.min(t, now))
      .sort((a, b) => a - b);
    this.holdReason = start.holdReason ?? '';
    if (start.holdReason) this.holdUntil(now + this.windowMs);
  }

  /**
   * Counts the window as full until `until`: `limit` grants stand at `until - windowMs`, so
   * every slot frees at `until` and each class's `retryAt` says so.
   */
  private holdUntil(until: number): void {
    this.heldUntil = until;
    const at = until - this.windowMs;
    const held: number[] = Array.from({ length: this.limits.limit }, () => at);
    this.starts = [...this.starts, ...held].sort((a, b) => a - b);
  }

  /** Start times of the calls still in the window (a journal's compaction keeps these). */
  grants(): number[] {
    this.evict(this.clock.now());
    return [...this.starts];
  }

  hold(): QuotaHold | null {
    return this.clock.now() < this.heldUntil
      ? { until: this.heldUntil, reason: this.holdReason }
      : null;
  }

  acquire(slot: SlotClass): Promise<QuotaDecision> {
    return Promise.resolve(this.take(slot));
  }

  /** The synchronous decision behind `acquire`. */
  take(slot: SlotClass): QuotaDecision {
    const now = this.clock.now();
    this.evict(now);
    const cap = capOf(this.limits, slot);
    const used = this.starts.length;
    if (used < cap) {
      // A clock set back keeps the log sorted: the new start counts as late as the latest.
      this.starts.push(Math.max(now, this.starts[used - 1] ?? now));
      return { granted: true };
    }
    // A slot of this class frees when the (used - cap + 1) oldest starts have left the window.
    return { granted: false, retryAt: this.starts[used - cap] + this.windowMs, reason: 'budget' };
  }

  budgetLeft(): number {
    this.evict(this.clock.now());
    return Math.max(0, this.limits.limit - this.starts.length);
  }

  available(): boolean {
    return true;
  }

  private evict(now: number): void {
    let expired = 0;
    while (expired < this.starts.length && this.starts[expired] <= now - this.windowMs) expired++;
    if (expired > 0) this.starts = this.starts.slice(expired);
  }
}

/** A shared store's verdict on one `acquire` (Redis script, PostgreSQL function). */
export interface SharedVerdict {
  granted: boolean;
  /** Calls left in the window after the verdict. */
  callsLeft: number;
  /** Ms until a slot of the class frees (0 when granted). */
  waitMs: number;
  /** Whether the window is held because its calls are unknown. */
  held: boolean;
}

/**
 * What a quota kept in a shared store remembers of the store's last answer, so that
 * `budgetLeft`, `available` and `hold` stay synchronous and free. Fails closed: no answer
 * is no slot.
 */
export class SharedStoreAnswers {
  private lastBudgetLeft: number;
  private reachable = true;
  private heldUntil = 0;

  constructor(
    private readonly clock: Clock,
    limit: number,
    /** Why a held window is held, for `hold()`. */
    private readonly holdReason: string,
    private readonly unavailableRetryMs = 1000,
  ) {
    this.lastBudgetLeft = limit;
  }

  /** The decision the store's verdict means. */
  answered(verdict: SharedVerdict): QuotaDecision {
    this.reachable = true;
    this.lastBudgetLeft = Math.max(0, verdict.callsLeft);
    if (verdict.granted) {
      this.heldUntil = 0;
      return { granted: true };
    }
    const retryAt = this.clock.now() + Math.max(1, verdict.waitMs);
    this.heldUntil = verdict.held ? retryAt : 0;
    return { granted: false, retryAt, reason: 'budget' };
  }

  /**
   * The store did not answer (asked at `asked`). A decision whose reply was lost may have
   * used a slot: that only errs on the safe side.
   */
  unanswered(asked: number): QuotaDecision {
    this.reachable = false;
    this.lastBudgetLeft = 0;
    return { granted: false, retryAt: asked + this.unavailableRetryMs, reason: 'unavailable' };
  }

  budgetLeft(): number {
    return this.lastBudgetLeft;
  }

  available(): boolean {
    return this.reachable;
  }

  hold(): QuotaHold | null {
    return this.clock.now() < this.heldUntil
      ? { until: this.heldUntil, reason: this.holdReason }
      : null;
  }
}

/**
 * KEYS[1] the window ZSET, KEYS[2] its marker HASH (no TTL); ARGV: windowMs, cap of the slot
 * class, unique member, limit, the Redis `run_id` the caller connected to, `1` when the caller
 * knows the window is empty (`WindowAtStart`).
 * Scores are Redis `TIME` in ms, so replicas with skewed clocks still share one window.
 *
 * The marker tells a lost log from an empty one. It holds `run` (the run_id of the Redis that
 * keeps the log), `trusted` (Redis ms from which the log holds every call of the window) and
 * `last` (the newest grant). The log is lost — a restart or failover (another run_id), a
 * FLUSHALL or eviction (no marker, or a marker whose `last` is in the window while the log is
 * empty) — or was never kept: then the calls of the last window are unknown, and nothing is
 * granted until a whole window has passed (`trusted` = now + window).
 * Returns {granted 0|1, calls left after this decision, ms until a slot of this class frees,
 * 1 while the lost log holds the window}.
 */
const ACQUIRE_SCRIPT = `
local window = tonumber(ARGV[1])
local cap = tonumber(ARGV[2])
local limit = tonumber(ARGV[4])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local used = redis.call('ZCARD', KEYS[1])
local marker = redis.call('HMGET', KEYS[2], 'run', 'trusted', 'last')
local trusted = tonumber(marker[2])
local last = tonumber(marker[3])
if marker[1] ~= ARGV[5] or not trusted or (last and last > now - window and used == 0) then
  trusted = now + window
  if ARGV[6] == '1' and not marker[1] then trusted = now end
  redis.call('HSET', KEYS[2], 'run', ARGV[5], 'trusted', trusted)
  redis.call('HDEL', KEYS[2], 'last')
end
if now < trusted then
  return {0, 0, trusted - now, 1}
end
if used < cap then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  redis.call('HSET', KEYS[2], 'last', now)
  return {1, limit - used - 1, 0, 0}
end
local frees = redis.call('ZRANGE', KEYS[1], used - cap, used - cap, 'WITHSCORES')
return {0, limit - used, tonumber(frees[2]) + window - now, 0}
`;

/**
 * KEYS[1] the window ZSET; ARGV: windowMs, then pairs (age in ms, member) of this replica's
 * own grants. Puts back the grants a Redis that restarted empty has forgotten (members are
 * the ones first added, so nothing still there counts twice).
 */
const RESEED_SCRIPT = `
local window = tonumber(ARGV[1])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for i = 2, #ARGV, 2 do
  local age = tonumber(ARGV[i])
  if age < window then redis.call('ZADD', KEYS[1], 'NX', now - age, ARGV[i + 1]) end
end
redis.call('PEXPIRE', KEYS[1], window)
return 1
`;

type AcquireReply = [number, number, number, number];
type RedisWithQuota = Redis & {
  hypersoftQuotaReseed(
    key: string,
    windowMs: number,
    ...agesAndMembers: (string | number)[]
  ): Promise<number>;
  hypersoftQuotaAcquire(
    key: string,
    marker: string,
    windowMs: number,
    cap: number,
    member: string,
    limit: number,
    runId: string,
    assumeEmpty: number,
  ): Promise<AcquireReply>;
};

export interface RedisQuotaOptions extends QuotaLimits {
  redis: Redis;
  /** `tokenPairId(...)`: one window per token pair. */
  tokenPairId: string;
  clock: Clock;
  /** How long to wait before asking Redis again after it failed to answer (default 1000 ms). */
  unavailableRetryMs?: number;
  /** Default `unknown`: a log Redis never kept holds the window once (see the script). */
  windowAtStart?: WindowAtStart;
  /** Told once per connection when Redis may evict the quota's keys (`maxmemory-policy`). */
  warn?: (message: string) => void;
}

/** The key of a token pair's window in Redis (a ZSET), and its marker (a HASH without TTL). */
export function redisQuotaKeys(tokenPairId: string): { log: string; marker: string } {
  return {
    log: `hypersoft:${tokenPairId}:quota`,
    marker: `hypersoft:${tokenPairId}:quota-marker`,
  };
}

/** The `run_id` of the Redis server a connection reaches (`INFO server`). */
async function runIdOf(redis: Redis): Promise<string> {
  const info = await redis.info('server');
  const runId = /^run_id:(\w+)/m.exec(info)?.[1];
  if (!runId) throw new Error('INFO server has no run_id');
  return runId;
}

export class RedisQuota implements Quota {
  private readonly redis: RedisWithQuota;
  private readonly keys: { log: string; marker: string };
  private readonly windowMs: number;
  private readonly answers: SharedStoreAnswers;
  /** The Redis this connection reaches now; `null` until learnt after each (re)connection. */
  private runId: string | null = null;
  /** `empty` is believed only until Redis first answered this quota. */
  private assumeEmpty: boolean;
  /** This replica's grants still inside the window (local clock), for `reseed`. */
  private readonly own: { member: string; at: number }[] = [];

  constructor(private readonly options: RedisQuotaOptions) {
    checkLimits(options);
    this.windowMs = options.windowMs ?? API300_WINDOW_MS;
    this.keys = redisQuotaKeys(options.tokenPairId);
    this.answers = new SharedStoreAnswers(
      options.clock,
      options.limit,
      'the shared window in Redis is new or was lost (restart, flush, eviction, failover): its calls are unknown',
      options.unavailableRetryMs,
    );
    this.assumeEmpty = options.windowAtStart === 'empty';
    const redis = options.redis as RedisWithQuota;
    if (typeof redis.hypersoftQuotaAcquire !== 'function') {
      redis.defineCommand('hypersoftQuotaAcquire', { numberOfKeys: 2, lua: ACQUIRE_SCRIPT });
      redis.defineCommand('hypersoftQuotaReseed', { numberOfKeys: 1, lua: RESEED_SCRIPT });
    }
    this.redis = redis;
    // Another connection may reach another Redis (a restart, a failover): learn its run_id
    // again before the next grant.
    redis.on('close', () => {
      this.runId = null;
    });
    // Redis without persistence comes back empty: every (re)connection first puts back this
    // replica's grants of the last window (the marker then holds the window anyway: a Redis
    // that lost the log cannot tell what other replicas granted).
    redis.on('ready', () => {
      void this.reseed();
      void this.checkEviction();
    });
    if (redis.status === 'ready') void this.checkEviction();
  }

  private async reseed(): Promise<void> {
    const now = this.options.clock.now();
    this.forgetOld(now);
    if (this.own.length === 0) return;
    const args = this.own.flatMap((g) => [now - g.at, g.member]);
    await this.redis.hypersoftQuotaReseed(this.keys.log, this.windowMs, ...args).catch(() => 0);
  }

  /** A Redis that may evict keys may drop the window's log: every eviction holds a window. */
  private async checkEviction(): Promise<void> {
    if (!this.options.warn) return;
    try {
      const reply = await this.redis.config('GET', 'maxmemory-policy');
      const policy = reply[1];
      if (policy && policy !== 'noeviction') {
        this.options.warn(
          `Redis maxmemory-policy is ${policy}: it may evict the upstream quota's keys, and each ` +
            'eviction stops upstream calls for a minute; set maxmemory-policy noeviction',
        );
      }
    } catch {
      // CONFIG is often disabled on managed Redis: nothing to check, nothing to say.
    }
  }

  private forgetOld(now: number): void {
    while (this.own.length > 0 && this.own[0].at <= now - this.windowMs) this.own.shift();
  }

  async acquire(slot: SlotClass): Promise<QuotaDecision> {
    const asked = this.options.clock.now();
    const member = randomUUID();
    try {
      this.runId ??= await runIdOf(this.redis);
      const [granted, left, waitMs, held] = await this.redis.hypersoftQuotaAcquire(
        this.keys.log,
        this.keys.marker,
        this.windowMs,
        capOf(this.options, slot),
        member,
        this.options.limit,
        this.runId,
        this.assumeEmpty ? 1 : 0,
      );
      this.assumeEmpty = false;
      const decision = this.answers.answered({
        granted: granted === 1,
        callsLeft: left,
        waitMs,
        held: held === 1,
      });
      if (decision.granted) {
        this.forgetOld(asked);
        this.own.push({ member, at: asked });
      }
      return decision;
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
}
