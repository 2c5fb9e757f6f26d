import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { Logger } from '../platform/logger';
import { tokenLimitRefusal } from './requestLimits';
import { Api300Error, type UpstreamErrorCode } from '../data/errors';

/**
 * How failures reach GraphQL clients. Three kinds pass through with their code:
 * - GraphQL errors that carry `extensions.code` or come from parsing/validating the operation;
 * - upstream errors (`Api300Error`, from the client and the gate) with a known
 *   `UpstreamErrorCode`, keeping their message (the data layer guarantees it holds no token
 *   or SOAP), `details.retryAfter` for `UPSTREAM_RATE_LIMITED`, and `field`/`value`/`allowed`
 *   for a value API300 refused (as local validation reports one);
 * the token limit's parse error is reworded with the limit and the document's token count
 * (requestLimits.ts); everything else is a bug or an unexpected failure: it is logged and
 * masked as `INTERNAL_SERVER_ERROR` with a generic message, so no stack, SOAP text or token
 * leaks.
 */

/** Every code an upstream error may carry; the Record type keeps it in step with the union. */
const UPSTREAM_CODES: Record<UpstreamErrorCode, true> = {
  UPSTREAM_AUTH: true,
  UPSTREAM_BLOCKED: true,
  UPSTREAM_LICENCE_MISSING: true,
  UPSTREAM_VALIDATION: true,
  UPSTREAM_TOO_MANY_RECORDS: true,
  NOT_FOUND: true,
  CONFLICT: true,
  UPSTREAM_INTERNAL: true,
  UPSTREAM_UNAVAILABLE: true,
  UPSTREAM_OUTCOME_UNKNOWN: true,
  UPSTREAM_RATE_LIMITED: true,
};

export const INTERNAL_MESSAGE = 'Internal server error';

export interface PublicError {
  code: string;
  message: string;
  retryAfter?: number;
  /** A value API300 refused: the shape of local validation (`field`, `value`, `allowed`). */
  field?: string;
  value?: unknown;
  allowed?: string;
}

/** Whole seconds, rounded up; `undefined` when the error carries no finite `retryAfter`. */
function retryAfterOf(error: Api300Error): number | undefined {
  const value = error.details.retryAfter;
  return typeof value === 'number' && Number.isFinite(value)
    ? Math.max(0, Math.ceil(value))
    : undefined;
}

/**
 * The client-safe form of an upstream error, or `null` when `error` is not one. Only an
 * `Api300Error` counts: a foreign error's `code` (Node's ECONNREFUSED, a library's) is not
 * trusted, even when it spells an upstream code.
 */
export function upstreamError(error: unknown): PublicError | null {
  if (!(error instanceof Api300Error)) return null;
  const code = error.code;
  if (!(code in UPSTREAM_CODES)) return null;
  const retryAfter = code === 'UPSTREAM_RATE_LIMITED' ? retryAfterOf(error) : undefined;
  const refusal = error instanceof Api300Error ? error.details.refusal : undefined;
  return {
    code,
    message: error.message,
    ...(retryAfter !== undefined && { retryAfter }),
    ...(refusal && { field: refusal.field, value: refusal.value, allowed: refusal.allowed }),
  };
}

/**
 * The client-safe form of any failure inside one record of a bulk operation (where it is
 * reported as data, not as a GraphQL error); unexpected ones are logged and masked.
 */
export function publicError(error: unknown, logger: Logger, requestId: string): PublicError {
  if (error instanceof GraphQLError && typeof error.extensions.code === 'string') {
    const field = error.extensions.field;
    return {
      code: error.extensions.code,
      message: error.message,
      ...(typeof field === 'string' && { field }),
    };
  }
  const upstream = upstreamError(error);
  if (upstream) return upstream;
  logUnexpected(logger, error, requestId);
  return { code: 'INTERNAL_SERVER_ERROR', message: INTERNAL_MESSAGE };
}

function logUnexpected(logger: Logger, error: unknown, requestId: string | undefined): void {
  const e = error instanceof Error ? error : new Error(String(error));
  // Name and stack only: a foreign error's message might quote a payload.
  logger.error(
    { requestId, errorName: e.name, stack: e.stack?.split('\n').slice(1, 8).join('\n') },
    'unexpected error masked',
  );
}

/** Apollo `formatError`: applies the rules above to every error of a response. */
export function createFormatError(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    const { stacktrace: _stacktrace, ...extensions } = formatted.extensions ?? {};
    void _stacktrace;

    const tooManyTokens = tokenLimitRefusal(original);
    if (tooManyTokens) {
      return {
        ...formatted,
        message: tooManyTokens.message,
        extensions: { ...extensions, ...tooManyTokens.extensions },
      };
    }
    const upstream = upstreamError(original);
    if (upstream) {
      const { message, ...codes } = upstream;
      return { ...formatted, message, extensions: { ...extensions, ...codes } };
    }
    // Coded GraphQL errors pass: ours (BAD_USER_INPUT …) and Apollo's request errors (parse,
    // validation, variable coercion). A resolver's non-GraphQL error unwraps to itself, and
    // Apollo codes anything uncoded INTERNAL_SERVER_ERROR: both are masked.
    const code = formatted.extensions?.code;
    if (
      original instanceof GraphQLError &&
      typeof code === 'string' &&
      code !== 'INTERNAL_SERVER_ERROR'
    ) {
      return { ...formatted, extensions };
    }
    logUnexpected(logger, original, undefined);
    return {
      message: INTERNAL_MESSAGE,
      ...(formatted.locations && { locations: formatted.locations }),
      ...(formatted.path && { path: formatted.path }),
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    };
  };
}
