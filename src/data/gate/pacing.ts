export interface ReadPacingOptions {
  /** Read calls the window allows this process (the quota's limit less its write reserve). */
  readCalls: number;
  /** The quota's window, ms. */
  windowMs: number;
}

/**
 * Pacing of reads: how the gate spends the read budget over the window instead of at once.
 *
 * Without it a burst of concurrent misses spends the whole read budget within a second on
 * calls of a few keys each, and every later miss of the window is refused. With it, the first
 * half of `readCalls` (per window, this process) go at once; after that reads start at most
 * every `windowMs / readCalls`, and the misses that pile up meanwhile ride along in the next
 * call (up to `API300_MAX_RECORDS` keys): under pressure each call carries more keys, and read
 * throughput approaches `readCalls × API300_MAX_RECORDS` records a window.
 *
 * Writes are never paced. The quota still decides; pacing only spends it more wisely. No
 * options (or `readCalls` ≤ 0): no pacing, every read may start at once.
 */
export class ReadPacing {
  /** Start times (epoch ms) of this process's reads within the last window. */
  private starts: number[] = [];

  constructor(private readonly options?: ReadPacingOptions) {}

  /** When the next read may start (≤ `now`: at once). */
  nextReadAt(now: number): number {
    const pacing = this.options;
    if (!pacing || pacing.readCalls <= 0) return now;
    this.starts = this.starts.filter((t) => now - t < pacing.windowMs);
    if (this.starts.length < Math.ceil(pacing.readCalls / 2)) return now;
    return this.starts[this.starts.length - 1] + pacing.windowMs / pacing.readCalls;
  }

  /** A read was granted its slot at `now`. */
  started(now: number): void {
    if (!this.options || this.options.readCalls <= 0) return;
    this.starts.push(now);
  }
}

/**
 * The reads' bound while the mirror's initial load runs (`UpstreamGate.limitReads`): calls
 * of `read` and `background` priority may start at most `limit` times per window in this process,
 * so that the load's pages (`load` priority) find the rest of the read budget free when they
 * ask — a priority alone does not keep it, since a load page asks only when the one before
 * it is done, and reads that keep the queue full take every slot that frees meanwhile.
 * `null`: no bound.
 */
export class ReadLimit {
  private starts: number[] = [];
  private asks: number[] = [];
  private limit: number | null = null;

  constructor(private readonly windowMs: number) {}

  set(limit: number | null): void {
    this.limit = limit === null ? null : Math.max(1, Math.floor(limit));
  }

  /** When the next bounded read may start (≤ `now`: at once). */
  nextReadAt(now: number): number {
    this.starts = this.starts.filter((t) => now - t < this.windowMs);
    if (this.limit === null || this.starts.length < this.limit) return now;
    return this.starts[this.starts.length - this.limit] + this.windowMs;
  }

  /** Bounded reads asked for (queued, whether started, waiting or refused since) within the window. */
  askedWithin(now: number): number {
    this.asks = this.asks.filter((t) => now - t < this.windowMs);
    return this.asks.length;
  }

  /** A bounded read was queued at `now`. */
  asked(now: number): void {
    this.asks = this.asks.filter((t) => now - t < this.windowMs);
    this.asks.push(now);
  }

  /** A bounded read was granted its slot at `now` (counted also while no bound is set). */
  started(now: number): void {
    this.starts.push(now);
  }
}
