import { CallLimiter } from '../../../src/simulator/limits';

const pair = { cusToken: 'c', authToken: 'a' };

describe('CallLimiter', () => {
  it('lets 60 calls through in a window and blocks with the 61st', () => {
    const limiter = new CallLimiter();
    for (let i = 0; i < 60; i++) expect(limiter.record(pair, i * 999)).toBe(false);
    expect(limiter.record(pair, 59_999)).toBe(true);
    expect(limiter.blockedPairs()).toEqual([pair]);
  });

  it('drops a call from the window exactly 60 s after it', () => {
    const limiter = new CallLimiter();
    for (let i = 0; i < 60; i++) limiter.record(pair, 0);
    expect(limiter.record(pair, 60_000)).toBe(false);
    expect(limiter.maxCallsInAnyWindow()).toBe(60);
  });

  it('stays blocked until reactivated, then starts a fresh window', () => {
    const limiter = new CallLimiter();
    for (let i = 0; i < 61; i++) limiter.record(pair, 0);
    expect(limiter.record(pair, 10 * 60_000)).toBe(true);
    expect(limiter.reactivate()).toEqual([pair]);
    expect(limiter.record(pair, 10 * 60_000)).toBe(false);
  });

  it('keeps the maximum over every rolling window, per pair', () => {
    const limiter = new CallLimiter();
    const other = { cusToken: 'c2', authToken: 'a2' };
    for (let i = 0; i < 45; i++) limiter.record(pair, 0);
    for (let i = 0; i < 10; i++) limiter.record(pair, 30_000);
    for (let i = 0; i < 20; i++) limiter.record(pair, 61_000);
    for (let i = 0; i < 5; i++) limiter.record(other, 0);
    expect(limiter.maxCallsInAnyWindow()).toBe(55);
    expect(limiter.perPair(61_000)).toEqual([
      { ...pair, calls: 75, callsInWindow: 30, maxCallsInAnyWindow: 55, blocked: false },
      { ...other, calls: 5, callsInWindow: 0, maxCallsInAnyWindow: 5, blocked: false },
    ]);
  });

  it('starts a fresh window when the clock is set back', () => {
    const limiter = new CallLimiter();
    for (let i = 0; i < 60; i++) limiter.record(pair, 1_000_000);
    expect(limiter.record(pair, 0)).toBe(false);
    expect(limiter.perPair(0)[0].callsInWindow).toBe(1);
  });
});
