import type { RequestAccounting } from './accounting';

/**
 * Options every read carries down the data path. `deadline` is the GraphQL request's
 * deadline (epoch ms): when upstream budget cannot come before it, the read fails with
 * `UPSTREAM_RATE_LIMITED` (with `retryAfter`) instead of waiting.
 */
export interface ReadOptions {
  deadline: number;
  /** `read` for interactive requests (default); `background` for refreshes. */
  priority?: 'read' | 'background';
  /** The request's accounting: told of cache hits/misses and upstream calls made for it. */
  accounting?: RequestAccounting;
}

export interface WriteOptions {
  deadline: number;
  accounting?: RequestAccounting;
}
