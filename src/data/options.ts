import type { RequestAccounting } from './accounting';

/**
 * Who waits for upstream budget, in the order the gate serves them: a mirror delta whose kind
 * has grown too old (`urgent`, the sync's `urgentAfterMs`: at most one call per kind in that
 * time, so its lag stays bounded even when writes ask more than the whole budget), writes,
 * pages of the mirror's initial load (`load`: each worth up to 500 records for good; the
 * sync's load share caps them, so interactive reads keep the rest), interactive reads, the
 * mirror's other sync calls, then background refreshes of the entity cache. First come first
 * served within a priority. `urgent` and `write` calls take write slots (the write reserve is
 * theirs) and are not paced.
 */
export const PRIORITIES = ['urgent', 'write', 'load', 'read', 'sync', 'background'] as const;
export type Priority = (typeof PRIORITIES)[number];

/** Whether calls of `priority` take write slots and skip the read pacing (`urgent`, `write`). */
export function takesWriteSlots(priority: Priority): boolean {
  return priority === 'urgent' || priority === 'write';
}

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
  /** `read` for interactive requests (default); `sync` (`load`, `urgent`) for the mirror; `background` for refreshes. */
  priority?: Exclude<Priority, 'write'>;
  /** The request's accounting: told of cache hits/misses and upstream calls made for it. */
  accounting?: RequestAccounting;
}

export interface WriteOptions {
  deadline: number;
  accounting?: RequestAccounting;
  /**
   * This write repeats one sent at this instant (epoch ms, as `details.attemptAt` of its
   * `UPSTREAM_OUTCOME_UNKNOWN`) whose outcome is unknown: what that attempt stored is looked
   * for first, and the write is sent again only when it stored nothing (repository/settle.ts).
   */
  earlierAttemptAt?: number;
}
