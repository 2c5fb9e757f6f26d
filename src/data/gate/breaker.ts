import { Api300Error, type UpstreamErrorCode } from '../errors';

/** Every state the breaker can be in: closed (calls flow) or open (no call until reset). */
export const BREAKER_STATES = ['closed', 'open'] as const;
export type BreakerState = (typeof BREAKER_STATES)[number];

/**
 * The circuit breaker of the upstream gate. API300 answering Status.Code 11 (token blocked)
 * or 10 (token pair unknown) opens it at once: from then on the gate makes no upstream call,
 * reads are answered from cache or fail with the same code, and it stays open until an
 * operator calls `reset()` — only Hypersoft can unblock a token, and every further call
 * would be wasted at best.
 *
 * Trap: the breaker is per process. Another replica sharing the token pair opens its own
 * breaker on its next call (which the blocked token answers without doing anything).
 */

export type BreakerCode = Extract<UpstreamErrorCode, 'UPSTREAM_BLOCKED' | 'UPSTREAM_AUTH'>;

export function opensBreaker(error: unknown): error is Api300Error & { code: BreakerCode } {
  return (
    error instanceof Api300Error &&
    (error.code === 'UPSTREAM_BLOCKED' || error.code === 'UPSTREAM_AUTH')
  );
}

export class Breaker {
  private opened: { code: BreakerCode; statusCode?: number; at: number } | null = null;
  private readonly listeners = new Set<(state: BreakerState) => void>();

  get state(): BreakerState {
    return this.opened ? 'open' : 'closed';
  }

  /** Why and when (epoch ms) it opened; `null` while closed. */
  get openedBy(): { code: BreakerCode; at: number } | null {
    return this.opened ? { code: this.opened.code, at: this.opened.at } : null;
  }

  /** Opens on a blocked/invalid-token error; other errors leave it as it is. Returns whether it opened now. */
  trip(error: unknown, at: number): boolean {
    if (this.opened || !opensBreaker(error)) return false;
    this.opened = { code: error.code, statusCode: error.details.statusCode, at };
    for (const listener of this.listeners) listener('open');
    return true;
  }

  /** The error every upstream use answers with while open; `null` while closed. */
  error(): Api300Error | null {
    if (!this.opened) return null;
    const reason =
      this.opened.code === 'UPSTREAM_BLOCKED'
        ? 'API300 blocked the token pair; Hypersoft must reactivate it'
        : 'API300 does not know the token pair';
    return new Api300Error(
      this.opened.code,
      `${reason}. Upstream calls are stopped until an operator resets the breaker.`,
      {
        statusCode: this.opened.statusCode,
      },
    );
  }

  /** Operator action: close the breaker, so the next call reaches API300 again. */
  reset(): void {
    if (!this.opened) return;
    this.opened = null;
    for (const listener of this.listeners) listener('closed');
  }

  onChange(listener: (state: BreakerState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
