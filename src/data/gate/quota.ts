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
 * Two implementations:
 * - `MemoryQuota` — one process owns the token pair.
 * - `RedisQuota` — every replica with the same token pair shares one window in Redis: an
 *   atomic Lua script over a ZSET, timed by Redis's own clock (`TIME`), keyed by a hash of
 *   the token pair (never the tokens). When Redis cannot be reached it FAILS CLOSED: no
 *   slot is granted without Redis saying so; it answers "not now" and recovers by itself when
 *   Redis is back (ioredis reconnects). A Redis that restarts empty is told again, on
 *   reconnection, of every grant of each replica still inside the window.
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
}

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

function capOf(limits: QuotaLimits, slot: SlotClass): number {
  return slot === 'write' ? limits.limit : limits.limit - limits.writeReserve;
}

function checkLimits(limits: QuotaLimits): void {
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

export class MemoryQuota implements Quota {
  /** Start times of the calls in the window, oldest first. */
  private starts: number[] = [];
  private readonly windowMs: number;

  constructor(
    private readonly limits: QuotaLimits,
    private readonly clock: Clock,
  ) {
    checkLimits(limits);
    this.windowMs = limits.windowMs ?? API300_WINDOW_MS;
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

/**
 * KEYS[1] the window ZSET; ARGV: windowMs, cap of the slot class, unique member, limit.
 * Scores are Redis `TIME` in ms, so replicas with skewed clocks still share one window.
 * Returns {granted 0|1, calls left after this decision, ms until a slot of this class frees}.
 */
const ACQUIRE_SCRIPT = `
local window = tonumber(ARGV[1])
local cap = tonumber(ARGV[2])
local limit = tonumber(ARGV[4])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local used = redis.call('ZCARD', KEYS[1])
if used < cap then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  return {1, limit - used - 1, 0}
end
local frees = redis.call('ZRANGE', KEYS[1], used - cap, used - cap, 'WITHSCORES')
return {0, limit - used, tonumber(frees[2]) + window - now}
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

type AcquireReply = [number, number, number];
type RedisWithQuota = Redis & {
  hypersoftQuotaReseed(
    key: string,
    windowMs: number,
    ...agesAndMembers: (string | number)[]
  ): Promise<number>;
  hypersoftQuotaAcquire(
    key: string,
    windowMs: number,
    cap: number,
    member: string,
    limit: number,
  ): Promise<AcquireReply>;
};

export interface RedisQuotaOptions extends QuotaLimits {
  redis: Redis;
  /** `tokenPairId(...)`: one window per token pair. */
  tokenPairId: string;
  clock: Clock;
  /** How long to wait before asking Redis again after it failed to answer (default 1000 ms). */
  unavailableRetryMs?: number;
}

export class RedisQuota implements Quota {
  private readonly redis: RedisWithQuota;
  private readonly key: string;
  private readonly windowMs: number;
  private lastBudgetLeft: number;
  private reachable = true;
  /** This replica's grants still inside the window (local clock), for `reseed`. */
  private readonly own: { member: string; at: number }[] = [];

  constructor(private readonly options: RedisQuotaOptions) {
    checkLimits(options);
    this.windowMs = options.windowMs ?? API300_WINDOW_MS;
    this.key = `hypersoft:${options.tokenPairId}:quota`;
    this.lastBudgetLeft = options.limit;
    const redis = options.redis as RedisWithQuota;
    if (typeof redis.hypersoftQuotaAcquire !== 'function') {
      redis.defineCommand('hypersoftQuotaAcquire', { numberOfKeys: 1, lua: ACQUIRE_SCRIPT });
      redis.defineCommand('hypersoftQuotaReseed', { numberOfKeys: 1, lua: RESEED_SCRIPT });
    }
    this.redis = redis;
    // Redis without persistence comes back empty: every (re)connection first puts back this
    // replica's grants of the last window, so a restart does not hand out a second budget.
    redis.on('ready', () => void this.reseed());
  }

  private async reseed(): Promise<void> {
    const now = this.options.clock.now();
    this.forgetOld(now);
    if (this.own.length === 0) return;
    const args = this.own.flatMap((g) => [now - g.at, g.member]);
    await this.redis.hypersoftQuotaReseed(this.key, this.windowMs, ...args).catch(() => 0);
  }

  private forgetOld(now: number): void {
    while (this.own.length > 0 && this.own[0].at <= now - this.windowMs) this.own.shift();
  }

  async acquire(slot: SlotClass): Promise<QuotaDecision> {
    const asked = this.options.clock.now();
    const member = randomUUID();
    try {
      const [granted, left, waitMs] = await this.redis.hypersoftQuotaAcquire(
        this.key,
        this.windowMs,
        capOf(this.options, slot),
        member,
        this.options.limit,
      );
      this.reachable = true;
      this.lastBudgetLeft = Math.max(0, left);
      if (granted === 1) {
        this.forgetOld(asked);
        this.own.push({ member, at: asked });
        return { granted: true };
      }
      return {
        granted: false,
        retryAt: this.options.clock.now() + Math.max(1, waitMs),
        reason: 'budget',
      };
    } catch {
      // Fail closed. A script that ran but whose reply was lost used a slot: that only errs
      // on the safe side.
      this.reachable = false;
      this.lastBudgetLeft = 0;
      return {
        granted: false,
        retryAt: asked + (this.options.unavailableRetryMs ?? 1000),
        reason: 'unavailable',
      };
    }
  }

  budgetLeft(): number {
    return this.lastBudgetLeft;
  }

  available(): boolean {
    return this.reachable;
  }
}
