/**
 * The shared record of Apollo Router callback subscriptions (docs/subscriptions.md,
 * "Callback subscriptions across replicas"): each accepted subscription is written with what
 * it takes to run it again — the router's callback URL, id, verifier and heartbeat interval,
 * the operation and its variables — and a claim naming the replica that runs it, which that
 * replica renews. A claim that is not renewed expires; another replica then claims the record
 * (atomically: exactly one wins) and carries the subscription on. The router's 404, or the
 * end of the stream, deletes the record.
 */
/** The router's `extensions.subscription` of a callback subscription request (callback.ts). */
export interface CallbackSubscription {
  callback_url: string;
  subscription_id: string;
  verifier: string;
  heartbeat_interval_ms?: number;
}

export interface StoredCallback {
  sub: CallbackSubscription;
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string;
}

export interface CallbackStore {
  /** Records a subscription this replica accepted, claimed by it. */
  add(record: StoredCallback): Promise<void>;
  /** Renews this replica's claims on `ids`; resolves with those it no longer holds. */
  renew(ids: readonly string[]): Promise<string[]>;
  /** Claims up to `limit` records whose claim expired; resolves with them. */
  claimOrphans(limit: number): Promise<StoredCallback[]>;
  /** Lets go of this replica's claims (a graceful hand-over): the next claim takes them at once. */
  release(ids: readonly string[]): Promise<void>;
  /** Deletes the record (the router no longer has the subscription, or it ended). */
  remove(id: string): Promise<void>;
}

/** What seals the records (the cache's `RecordCipher`; names them by the Redis key). */
export interface RecordSealer {
  seal(plain: string, name: string): string;
  open(sealed: string, name: string): string | null;
}

/** The Redis commands the store uses (ioredis). */
export interface CallbackRedis {
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
  mget(...keys: string[]): Promise<(string | null)[]>;
}

// KEYS[1] ids set, KEYS[2] record, KEYS[3] claim; ARGV owner, lease, sealed record.
const ADD = `
redis.call('SADD', KEYS[1], ARGV[3])
redis.call('SET', KEYS[2], ARGV[4])
redis.call('SET', KEYS[3], ARGV[1], 'PX', ARGV[2])
return 1`;

// KEYS[1] claim prefix; ARGV owner, lease, ids…: the ids whose claim is not ours (lost).
const RENEW = `
local lost = {}
for i = 3, #ARGV do
  local key = KEYS[1] .. ARGV[i]
  if redis.call('GET', key) == ARGV[1] then
    redis.call('PEXPIRE', key, ARGV[2])
  else
    table.insert(lost, ARGV[i])
  end
end
return lost`;

// KEYS[1] ids set, KEYS[2] claim prefix; ARGV owner, lease, limit: the ids claimed now.
const CLAIM = `
local claimed = {}
local limit = tonumber(ARGV[3])
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if #claimed >= limit then break end
  if redis.call('SET', KEYS[2] .. id, ARGV[1], 'NX', 'PX', ARGV[2]) then
    table.insert(claimed, id)
  end
end
return claimed`;

// KEYS[1] claim prefix; ARGV owner, ids…
const RELEASE = `
for i = 2, #ARGV do
  local key = KEYS[1] .. ARGV[i]
  if redis.call('GET', key) == ARGV[1] then redis.call('DEL', key) end
end
return 1`;

// KEYS[1] ids set, KEYS[2] record, KEYS[3] claim; ARGV id.
const REMOVE = `
redis.call('SREM', KEYS[1], ARGV[1])
redis.call('DEL', KEYS[2], KEYS[3])
return 1`;

export function createRedisCallbackStore(options: {
  redis: CallbackRedis;
  /** Key prefix, e.g. `hypersoft:callbacks:<token pair>:` (one data source's subscriptions). */
  prefix: string;
  /** This replica's id (the claims' value). */
  owner: string;
  leaseMs: number;
  sealer: RecordSealer;
}): CallbackStore {
  const { redis, prefix, owner, leaseMs, sealer } = options;
  const ids = `${prefix}ids`;
  const recordKey = (id: string) => `${prefix}rec:${id}`;
  const claims = `${prefix}own:`;

  const remove = async (id: string) => {
    await redis.eval(REMOVE, 3, ids, recordKey(id), claims + id, id);
  };

  return {
    async add(record) {
      const id = record.sub.subscription_id;
      const name = recordKey(id);
      const sealed = sealer.seal(JSON.stringify(record), name);
      await redis.eval(ADD, 3, ids, name, claims + id, owner, leaseMs, id, sealed);
    },
    async renew(owned) {
      if (owned.length === 0) return [];
      return (await redis.eval(RENEW, 1, claims, owner, leaseMs, ...owned)) as string[];
    },
    async claimOrphans(limit) {
      if (limit <= 0) return [];
      const claimed = (await redis.eval(CLAIM, 2, ids, claims, owner, leaseMs, limit)) as string[];
      if (claimed.length === 0) return [];
      const texts = await redis.mget(...claimed.map(recordKey));
      const records: StoredCallback[] = [];
      for (const [i, id] of claimed.entries()) {
        const text = texts[i];
        const plain = text === null ? null : sealer.open(text, recordKey(id));
        // Gone meanwhile, or sealed under a key no longer configured: it cannot be run again.
        if (plain === null) await remove(id);
        else records.push(JSON.parse(plain) as StoredCallback);
      }
      return records;
    },
    async release(owned) {
      if (owned.length > 0) await redis.eval(RELEASE, 1, claims, owner, ...owned);
    },
    remove,
  };
}
