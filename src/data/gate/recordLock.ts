import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Clock } from '../../platform/clock';
import { Api300Error, retryAfterSeconds } from '../errors';

/**
 * Per-record write serialization for read-modify-write updates (`updateCustomer`,
 * `updateReservation`): API300 overwrites whole records (docs/api300-contract.md §7), so two concurrent
 * updates of one record must not both read the old version — the second would erase the
 * first's change.
 *
 * - `MemoryRecordLock`: a per-key async mutex (one process).
 * - `RedisRecordLock`: `SET key token NX PX lease`, released only by its holder (compare
 *   token and delete, atomically in Lua), so it holds across replicas. The holder renews its
 *   lease (compare token and extend) every third of it for as long as its critical section
 *   runs — an upstream call may take `API300_TIMEOUT_MS` (up to 120 s), the read-back of a
 *   lost reply as long again, so no lease fixed in advance would do — and a crashed holder
 *   frees the record by itself one lease after its last renewal. A holder cut off from Redis
 *   for a whole lease can lose the record while it still writes: Redis being away also stops
 *   every upstream call (the gate fails closed), which bounds that to a call already sent.
 *
 * A lock that cannot be had before the deadline (contention, Redis unreachable) rejects with
 * `UPSTREAM_RATE_LIMITED` and `retryAfter`: the write did not start and may be retried.
 */
export interface RecordLock {
  withLock<T>(key: string, deadline: number, critical: () => Promise<T>): Promise<T>;
}

function notInTime(clock: Clock, deadline: number): Api300Error {
  const retryAfter = retryAfterSeconds(deadline, clock.now());
  return new Api300Error(
    'UPSTREAM_RATE_LIMITED',
    `Another change of this record is in progress; retry after ${retryAfter} s.`,
    { retryAfter },
  );
}

export class MemoryRecordLock implements RecordLock {
  /** Tail of each key's chain of holders; removed when the last holder leaves. */
  private readonly tails = new Map<string, Promise<void>>();

  constructor(private readonly clock: Clock) {}

  async withLock<T>(key: string, deadline: number, critical: () => Promise<T>): Promise<T> {
    const before = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = before.then(() => mine);
    this.tails.set(key, tail);
    try {
      await this.waitFor(before, deadline);
      return await critical();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  private waitFor(turn: Promise<void>, deadline: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const cancel = this.clock.schedule(deadline - this.clock.now(), () =>
        reject(notInTime(this.clock, deadline)),
      );
      void turn.then(() => {
        cancel();
        resolve();
      });
    });
  }
}

const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

const RENEW_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`;

type RedisWithRelease = Redis & {
  hypersoftLockRelease(key: string, token: string): Promise<number>;
  hypersoftLockRenew(key: string, token: string, leaseMs: number): Promise<number>;
};

export interface RedisRecordLockOptions {
  redis: Redis;
  /** Lock keys live under `hypersoft:<tokenPairId>:lock:`. */
  tokenPairId: string;
  clock: Clock;
  /**
   * How long the lock lasts without renewal (default 30 000 ms); its holder renews it every
   * third of that while its critical section runs.
   */
  leaseMs?: number;
  /** Pause between tries while another holder has the record (default 25 ms). */
  retryMs?: number;
}

export class RedisRecordLock implements RecordLock {
  private readonly redis: RedisWithRelease;

  constructor(private readonly options: RedisRecordLockOptions) {
    const redis = options.redis as RedisWithRelease;
    if (typeof redis.hypersoftLockRelease !== 'function') {
      redis.defineCommand('hypersoftLockRelease', { numberOfKeys: 1, lua: RELEASE_SCRIPT });
    }
    if (typeof redis.hypersoftLockRenew !== 'function') {
      redis.defineCommand('hypersoftLockRenew', { numberOfKeys: 1, lua: RENEW_SCRIPT });
    }
    this.redis = redis;
  }

  async withLock<T>(key: string, deadline: number, critical: () => Promise<T>): Promise<T> {
    const { clock } = this.options;
    const redisKey = `hypersoft:${this.options.tokenPairId}:lock:${key}`;
    const token = randomUUID();
    const leaseMs = this.options.leaseMs ?? 30_000;
    for (;;) {
      const taken = await this.redis.set(redisKey, token, 'PX', leaseMs, 'NX').catch(() => null);
      if (taken === 'OK') break;
      if (clock.now() + (this.options.retryMs ?? 25) > deadline) throw notInTime(clock, deadline);
      await new Promise<void>((resolve) => clock.schedule(this.options.retryMs ?? 25, resolve));
    }
    let held = true;
    let cancelRenewal = (): void => undefined;
    const renewLater = (): void => {
      cancelRenewal = clock.schedule(Math.max(1, Math.floor(leaseMs / 3)), () => {
        // Renewal runs beside the holder; its outcome only decides whether to renew again.
        void this.redis
          .hypersoftLockRenew(redisKey, token, leaseMs)
          // 0: the lease ended (Redis away a whole lease): nothing left to renew.
          .then(
            (renewed) => renewed === 1,
            () => true,
          )
          .then((again) => {
            if (again && held) renewLater();
          });
      });
    };
    renewLater();
    try {
      return await critical();
    } finally {
      held = false;
      cancelRenewal();
      // If Redis is gone now, the lease ends by itself.
      await this.redis.hypersoftLockRelease(redisKey, token).catch(() => 0);
    }
  }
}
