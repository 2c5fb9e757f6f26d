import type { RequestAccounting } from './accounting';

/**
 * Who waits for upstream budget, in the order the gate serves them: writes, interactive
 * reads, the mirror's sync, then background refreshes of the entity cache. First come first
 * served within a priority.
 */
export const PRIORITIES = ['write', 'read', 'sync', 'background'] as const;
export type Priority = (typeof PRIORITIES)[number];

/** Whether `a` is served before `b`. */
export function outranks(a: Priority, b: Priority): boolean {
  return PRIORITIES.indexOf(a) < PRIORITIES.indexOf(b);
}

/**
 * Options every read carries down the data path. `deadline` is the GraphQL request's
 * deadline (epoch ms): when upstream budget cannot come before it, the read fails with
 * `UPSTREAM_RATE_LIMITED` (with `retryAfter`) instead of waiting.
 */
export interface ReadOptions {
  deadline: number;
  /** `read` for interactive requests (default); `sync` for the mirror; `background` for refreshes. */
  priority?: Exclude<Priority, 'write'>;
  /** The request's accounting: told of cache hits/misses and upstream calls made for it. */
  accounting?: RequestAccounting;
}

export interface WriteOptions {
  deadline: number;
  accounting?: RequestAccounting;
}
