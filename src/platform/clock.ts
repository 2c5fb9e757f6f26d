/**
 * Time as the data path sees it. Injected everywhere (gate, quota, cache, locks) so tests
 * move time by hand instead of sleeping.
 */
export interface Clock {
  /** Epoch ms. */
  now(): number;
  /**
   * Calls `fn` once after `ms` (0 or less: as soon as possible). Returns a cancel function.
   * Timers of the system clock are unref'd: a pending wake-up never keeps the process alive.
   */
  schedule(ms: number, fn: () => void): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  schedule(ms, fn) {
    const timer = setTimeout(fn, Math.max(0, ms));
    timer.unref();
    return () => clearTimeout(timer);
  },
};
