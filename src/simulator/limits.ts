/**
 * The call limit of docs/api300-contract.md §3, per token pair: every POST counts (failed, invalid and
 * blocked ones too); the 61st call inside any rolling 60 s window blocks the pair until an
 * operator reactivates it. A window holds the calls at times `t` with `now - 60 s < t <= now`.
 */

export const WINDOW_MS = 60_000;
export const MAX_CALLS_PER_WINDOW = 60;

export interface PairKey {
  cusToken: string;
  authToken: string;
}

class PairWindow {
  /** Call times still inside the window, oldest first. */
  private times: number[] = [];
  calls = 0;
  maxCallsInAnyWindow = 0;
  blockedAt: number | null = null;

  constructor(readonly pair: PairKey) {}

  /** Counts a call at `now`; returns whether the pair is blocked afterwards. */
  record(now: number): boolean {
    this.calls++;
    // An injected clock set back (tests jumping between dates) starts a fresh window.
    if (this.times.length > 0 && now < this.times[this.times.length - 1]) this.times = [];
    this.times.push(now);
    this.evict(now);
    this.maxCallsInAnyWindow = Math.max(this.maxCallsInAnyWindow, this.times.length);
    if (this.blockedAt === null && this.times.length > MAX_CALLS_PER_WINDOW) this.blockedAt = now;
    return this.blockedAt !== null;
  }

  callsInWindow(now: number): number {
    this.evict(now);
    return this.times.length;
  }

  private evict(now: number): void {
    let expired = 0;
    while (expired < this.times.length && this.times[expired] <= now - WINDOW_MS) expired++;
    if (expired > 0) this.times = this.times.slice(expired);
  }

  /** Reactivation starts a fresh window, otherwise the next call would block again at once. */
  reactivate(): void {
    this.blockedAt = null;
    this.times = [];
  }
}

export class CallLimiter {
  private readonly windows = new Map<string, PairWindow>();

  private static key(pair: PairKey): string {
    return `${pair.cusToken}\u0000${pair.authToken}`;
  }

  record(pair: PairKey, now: number): boolean {
    const key = CallLimiter.key(pair);
    let window = this.windows.get(key);
    if (!window) {
      window = new PairWindow({ cusToken: pair.cusToken, authToken: pair.authToken });
      this.windows.set(key, window);
    }
    return window.record(now);
  }

  /** Unblocks one pair, or every pair when none is named. Returns the pairs unblocked. */
  reactivate(pair?: PairKey): PairKey[] {
    const unblocked: PairKey[] = [];
    for (const window of this.windows.values()) {
      if (pair && CallLimiter.key(window.pair) !== CallLimiter.key(pair)) continue;
      if (window.blockedAt !== null) unblocked.push(window.pair);
      window.reactivate();
    }
    return unblocked;
  }

  reset(): void {
    this.windows.clear();
  }

  maxCallsInAnyWindow(): number {
    let max = 0;
    for (const window of this.windows.values()) max = Math.max(max, window.maxCallsInAnyWindow);
    return max;
  }

  blockedPairs(): PairKey[] {
    return [...this.windows.values()].filter((w) => w.blockedAt !== null).map((w) => w.pair);
  }

  perPair(now: number): Array<
    PairKey & {
      calls: number;
      callsInWindow: number;
      maxCallsInAnyWindow: number;
      blocked: boolean;
    }
  > {
    return [...this.windows.values()].map((w) => ({
      ...w.pair,
      calls: w.calls,
      callsInWindow: w.callsInWindow(now),
      maxCallsInAnyWindow: w.maxCallsInAnyWindow,
      blocked: w.blockedAt !== null,
    }));
  }
}
