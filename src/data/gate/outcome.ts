import { opensBreaker } from './breaker';

/** Outcome of one upstream call, as counted by `upstreamCalls`. */
export type UpstreamCallOutcome =
  /** API300 answered with Status.Code 0. */
  | 'ok'
  /** API300 answered with a non-zero Status.Code (validation, not found, conflict …). */
  | 'refused'
  /** Network error, timeout, HTTP 5xx or malformed reply: the call may not have happened. */
  | 'unavailable'
  /** Status.Code 10/11: the token pair is unknown or blocked (opens the breaker). */
  | 'auth';

/** How the gate should count a finished call: `error` is what the API300 client rejected with. */
export function outcomeOf(error: unknown): UpstreamCallOutcome {
  if (error === undefined || error === null) return 'ok';
  const code = (error as { code?: unknown }).code;
  if (code === 'UPSTREAM_UNAVAILABLE') return 'unavailable';
  if (opensBreaker(error)) return 'auth';
  return code === undefined ? 'unavailable' : 'refused';
}
