/**
 * Typed upstream failures. The client turns every API300 failure into an `Api300Error`; the
 * gate adds `UPSTREAM_RATE_LIMITED`. Resolvers turn both into `GraphQLError`s with
 * `extensions.code` equal to `code`. Messages never contain tokens or raw SOAP.
 */

export type UpstreamErrorCode =
  /** Status.Code 10: the token pair is unknown. Opens the breaker. */
  | 'UPSTREAM_AUTH'
  /** Status.Code 11: the token is blocked; only Hypersoft can reactivate it. Opens the breaker. */
  | 'UPSTREAM_BLOCKED'
  /** Status.Code 20: a licence (Interface 55/56, ticketing) is missing. */
  | 'UPSTREAM_LICENCE_MISSING'
  /** Status.Code 30: API300 refused a value. */
  | 'UPSTREAM_VALIDATION'
  /** Status.Code 31: more than 500 records in one upload. */
  | 'UPSTREAM_TOO_MANY_RECORDS'
  /** Status.Code 40. */
  | 'NOT_FOUND'
  /** Status.Code 41: the record's state does not allow the change. */
  | 'CONFLICT'
  /** Status.Code 99 or an unknown code. */
  | 'UPSTREAM_INTERNAL'
  /**
   * Network error, timeout, HTTP 5xx, malformed reply. `details.sent` says whether the request
   * may have reached API300 (`mayHaveBeenApplied`): a write sent this way may have been stored.
   */
  | 'UPSTREAM_UNAVAILABLE'
  /**
   * A write was sent, its reply was lost, and whether API300 applied it could not be found out
   * before the request's deadline (src/data/repository/settle.ts). Never for a read.
   */
  | 'UPSTREAM_OUTCOME_UNKNOWN'
  /** The gate had no budget before the request's deadline. Carries `retryAfter`. */
  | 'UPSTREAM_RATE_LIMITED';

/**
 * A value API300 refused (Status.Code 30), in the terms of local input validation: the
 * GraphQL field name of the record (`stationNumber`), the value (personal data withheld) and
 * what API300 allows.
 */
export interface Refusal {
  field: string;
  value: unknown;
  allowed: string;
}

export class Api300Error extends Error {
  override readonly name = 'Api300Error';

  constructor(
    readonly code: UpstreamErrorCode,
    message: string,
    readonly details: {
      /** API300 `Status.Code`, when the service answered. */
      statusCode?: number;
      /** The operation that failed. */
      operation?: string;
      /** Seconds until a retry may succeed (rate limiting). */
      retryAfter?: number;
      /** True when a retry of the same read may succeed (timeouts, 5xx). */
      retryable?: boolean;
      /** `UPSTREAM_VALIDATION`: the value API300 refused, when its answer names one. */
      refusal?: Refusal;
      /**
       * `UPSTREAM_UNAVAILABLE` only: `false` when the request certainly did not reach API300's
       * operation (connection refused, nothing written before the timeout, a fault or an HTTP
       * status that refuses the request before it runs); `true` when it may have (the request
       * was written and the reply timed out, was reset, cut off or unreadable, or the service
       * failed while running it). Absent counts as `true`: unknown is the safe reading.
       */
      sent?: boolean;
      /**
       * With `sent`: whether API300 had finished with the request when the failure came (a
       * reply, cut or malformed, had begun). Then a read that does not find the write proves
       * it was not applied; without a reply the service may still be running it.
       */
      answered?: boolean;
      /**
       * `UPSTREAM_OUTCOME_UNKNOWN`: when the write was sent (epoch ms, this process's clock);
       * a retry passes it as `WriteOptions.earlierAttemptAt` to settle before writing.
       */
      attemptAt?: number;
    } = {},
  ) {
    super(message);
  }
}

/**
 * Whether a failed call may have been applied by API300: an `UPSTREAM_UNAVAILABLE` whose
 * request may have reached it (`details.sent` not `false`). Every other failure — a Status
 * code, the gate's budget or breaker, a value refused before sending — certainly changed
 * nothing. Only writes care: a read that may have run changed nothing either.
 */
export function mayHaveBeenApplied(error: unknown): boolean {
  return (
    error instanceof Api300Error &&
    error.code === 'UPSTREAM_UNAVAILABLE' &&
    error.details.sent !== false
  );
}

/**
 * `details.retryAfter` of an `UPSTREAM_RATE_LIMITED` error: whole seconds from `now` until
 * `retryAt` (both epoch ms), at least 1 — a client told 0 would retry at once and be refused.
 */
export function retryAfterSeconds(retryAt: number, now: number): number {
  return Math.max(1, Math.ceil((retryAt - now) / 1000));
}

/**
 * API300 `Status.Code` → error code (docs/api300-contract.md §5). 0 is not an error. Only the client
 * (src/data/api300/refusals.ts) reads Status codes.
 */
export function codeForStatus(statusCode: number): UpstreamErrorCode {
  switch (statusCode) {
    case 10:
      return 'UPSTREAM_AUTH';
    case 11:
      return 'UPSTREAM_BLOCKED';
    case 20:
      return 'UPSTREAM_LICENCE_MISSING';
    case 30:
      return 'UPSTREAM_VALIDATION';
    case 31:
      return 'UPSTREAM_TOO_MANY_RECORDS';
    case 40:
      return 'NOT_FOUND';
    case 41:
      return 'CONFLICT';
    default:
      return 'UPSTREAM_INTERNAL';
  }
}

/** An `after` cursor that does not belong to the list it was given to (or no longer can). */
export class CursorError extends Error {
  override readonly name = 'CursorError';
}
