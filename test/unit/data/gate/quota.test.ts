import { MemoryQuota, tokenPairId } from '../../../../src/data/gate/quota';
import { ManualClock } from '../../../helpers/gateFakes';

describe('the in-memory sliding-window quota', () => {
  it('still counts a call 59.999 s after it started and frees its slot at 60 s', async () => {
    const clock = new ManualClock();
    const t0 = clock.now();
    const quota = new MemoryQuota({ limit: 3, writeReserve: 0 }, clock);
    for (let i = 0; i < 3; i++) expect(quota.take('read')).toEqual({ granted: true });

    await clock.advance(59_999);
    expect(quota.take('read')).toEqual({ granted: false, retryAt: t0 + 60_000, reason: 'budget' });

    await clock.advance(1);
    expect(quota.take('read')).toEqual({ granted: true });
    expect(quota.budgetLeft()).toBe(2);
  });

  it('never lets more than the limit into any rolling 60 s, even across a minute boundary', async () => {
    const clock = new ManualClock(Date.parse('2026-03-02T12:00:00Z'));
    const quota = new MemoryQuota({ limit: 5, writeReserve: 0 }, clock);
    const starts: number[] = [];
    // Try a call every 100 ms for three minutes, the way a fixed window would be gamed.
    for (let step = 0; step < 1800; step++) {
      if (quota.take('read').granted) starts.push(clock.now());
      await clock.advance(100);
    }
    for (const start of starts) {
      expect(starts.filter((t) => t >= start && t < start + 60_000).length).toBeLessThanOrEqual(5);
    }
    expect(starts.length).toBe(15);
  });

  it('tells when the slot of each class frees: reads must wait for more calls to leave', async () => {
    const clock = new ManualClock();
    const t0 = clock.now();
    const quota = new MemoryQuota({ limit: 4, writeReserve: 2 }, clock);
    quota.take('read');
    await clock.advance(1000);
    quota.take('read');
    await clock.advance(1000);
    quota.take('write');

    expect(quota.take('read')).toEqual({ granted: false, retryAt: t0 + 61_000, reason: 'budget' });
    expect(quota.take('write')).toEqual({ granted: true });
    expect(quota.take('write')).toEqual({ granted: false, retryAt: t0 + 60_000, reason: 'budget' });
  });

  it('keeps the write reserve for writes only', () => {
    const quota = new MemoryQuota({ limit: 5, writeReserve: 2 }, new ManualClock());
    const reads = [1, 2, 3, 4].map(() => quota.take('read').granted);
    const writes = [1, 2, 3].map(() => quota.take('write').granted);

    expect(reads).toEqual([true, true, true, false]);
    expect(writes).toEqual([true, true, false]);
    expect(quota.budgetLeft()).toBe(0);
  });

  it('refuses a reserve that leaves nothing for reads', () => {
    expect(() => new MemoryQuota({ limit: 5, writeReserve: 5 }, new ManualClock())).toThrow(
      RangeError,
    );
  });
});

describe('the in-memory quota at start', () => {
  it('holds one whole window when the calls before it are unknown, and says why', async () => {
    const clock = new ManualClock();
    const t0 = clock.now();
    const quota = new MemoryQuota({ limit: 3, writeReserve: 1 }, clock, {
      holdReason: 'nothing persisted',
    });

    expect(quota.take('write')).toEqual({ granted: false, retryAt: t0 + 60_000, reason: 'budget' });
    expect(quota.take('read')).toEqual({ granted: false, retryAt: t0 + 60_000, reason: 'budget' });
    expect(quota.budgetLeft()).toBe(0);
    expect(quota.hold()).toEqual({ until: t0 + 60_000, reason: 'nothing persisted' });

    await clock.advance(59_999);
    expect(quota.take('write').granted).toBe(false);
    await clock.advance(1);
    expect(quota.hold()).toBeNull();
    expect([quota.take('read'), quota.take('read'), quota.take('read')]).toEqual([
      { granted: true },
      { granted: true },
      { granted: false, retryAt: t0 + 120_000, reason: 'budget' },
    ]);
  });

  it('counts the grants it is given that are still in the window, and only those', async () => {
    const clock = new ManualClock();
    const t0 = clock.now();
    const quota = new MemoryQuota({ limit: 3, writeReserve: 0 }, clock, {
      grants: [t0 - 70_000, t0 - 50_000, t0 - 10_000],
    });

    expect(quota.hold()).toBeNull();
    expect(quota.take('read')).toEqual({ granted: true });
    expect(quota.take('read')).toEqual({
      granted: false,
      retryAt: t0 + 10_000,
      reason: 'budget',
    });
    expect(quota.grants()).toEqual([t0 - 50_000, t0 - 10_000, t0]);
  });
});

describe('tokenPairId', () => {
  it('names a token pair stably without containing either token', () => {
    const id = tokenPairId('cus-token-secret', 'auth-token-secret');
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(id).toBe(tokenPairId('cus-token-secret', 'auth-token-secret'));
    expect(id).not.toBe(tokenPairId('auth-token-secret', 'cus-token-secret'));
  });
});
