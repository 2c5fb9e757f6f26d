import { createHash, randomUUID } from 'node:crypto';
import { GraphQLError } from 'graphql';
import { decode, encode } from '../data/idempotency/codec';
import type { IdempotencyEntry, IdempotencyStore } from '../data/idempotency/store';
import { publicError } from './errors';
import type { Logger } from '../platform/logger';

/**
 * Safe client retries of mutations: every mutation takes an optional `idempotencyKey`
 * argument (docs/graphql-api.md, "Write outcomes and retries"). Within a day of its first
 * use, a key answers every retry of the same mutation with the same input with the first
 * attempt's outcome, whichever replica the retry reaches (the store: memory, Redis or
 * PostgreSQL). What a retry meets:
 *
 * - the first attempt's answer (a record, or a refusal that will not change: `BAD_USER_INPUT`,
 *   `UPSTREAM_VALIDATION`, `CONFLICT`, `NOT_FOUND`, `UPSTREAM_LICENCE_MISSING`,
 *   `UPSTREAM_TOO_MANY_RECORDS`) — nothing is written again;
 * - nothing, when the first attempt certainly wrote nothing (no budget, API300 unreachable
 *   before the write, the breaker): the key is freed and the retry writes — unless that
 *   attempt was itself the retry of an unknown outcome, which then stays unknown;
 * - when the first attempt's outcome was unknown (`UPSTREAM_OUTCOME_UNKNOWN`, or an import
 *   with such records, or a replica that died while it ran): the retry takes the key over and
 *   first reads back what that attempt stored, writing only what it did not;
 * - the same key with other input: refused, `IDEMPOTENCY_KEY_REUSED`;
 * - the same key while its first attempt still runs: waits for it until the request's
 *   deadline, then `IDEMPOTENCY_KEY_IN_USE` (with `retryAfter`);
 * - the store unreachable: `IDEMPOTENCY_STORE_UNAVAILABLE`, nothing written (a key promises
 *   no duplicate; without the store that promise cannot be kept).
 */

/** Error codes of this file (docs/graphql-api.md, errors table). */
export type IdempotencyErrorCode =
  'IDEMPOTENCY_KEY_REUSED' | 'IDEMPOTENCY_KEY_IN_USE' | 'IDEMPOTENCY_STORE_UNAVAILABLE';

/** Longest key taken (UUIDs and ULIDs fit many times over). */
export const IDEMPOTENCY_KEY_MAX_LENGTH = 255;
const KEY_SHAPE = /^[\x21-\x7e]+$/;
/** Pause between looks at a key whose first attempt still runs. */
const IN_USE_POLL_MS = 50;

/** Refusals that a retry would meet again: the first answer stands for the key. */
const FINAL_REFUSALS = new Set([
  'BAD_USER_INPUT',
  'UPSTREAM_VALIDATION',
  'CONFLICT',
  'NOT_FOUND',
  'UPSTREAM_LICENCE_MISSING',
  'UPSTREAM_TOO_MANY_RECORDS',
]);

export interface Idempotency {
  store: IdempotencyStore;
  /**
   * How long one attempt may hold its key (a request's deadline plus the calls that may
   * still run after it: the write's and the read-back's timeouts). A key pending longer
   * belongs to a replica that died: its attempt counts as unknown.
   */
  holdMs: number;
}

interface Outcome {
  value?: unknown;
  error?: { message: string; extensions: Record<string, unknown> };
}

/** What a mutation's result says about its outcome: `unknown` when a write may have been applied. */
export type ResultOutcome = 'done' | 'unknown';

function refused(code: IdempotencyErrorCode, message: string, extra: object = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...extra } });
}

/** JSON with object keys in order, so equal inputs hash alike. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const entries = Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value instanceof Date ? value.toISOString() : value) ?? 'null';
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function codeOf(error: unknown, logger: Logger, requestId: string): string {
  return publicError(error, logger, requestId).code;
}

export interface IdempotentCall<T> {
  idempotency: Idempotency;
  /** The mutation field (`createCustomer`): a key belongs to one mutation. */
  field: string;
  /** Its arguments, `idempotencyKey` included (left out of the fingerprint). */
  args: { idempotencyKey?: string | null } & Record<string, unknown>;
  deadline: number;
  logger: Logger;
  requestId: string;
  /** The mutation; `earlierAttemptAt` when it repeats an attempt whose outcome is unknown. */
  run(earlierAttemptAt: number | undefined): Promise<T>;
  /** `unknown` when a result (an import's) holds records whose outcome is unknown. */
  outcomeOf?(result: T): ResultOutcome;
}

/** Runs a mutation under its idempotency key (or plainly, without one). */
export async function idempotent<T>(call: IdempotentCall<T>): Promise<T> {
  const { idempotencyKey, ...input } = call.args;
  if (idempotencyKey === undefined || idempotencyKey === null) return call.run(undefined);
  if (idempotencyKey.length > IDEMPOTENCY_KEY_MAX_LENGTH || !KEY_SHAPE.test(idempotencyKey)) {
    throw new GraphQLError(
      `idempotencyKey must be 1..${IDEMPOTENCY_KEY_MAX_LENGTH} printable ASCII characters without spaces (a UUID, say).`,
      {
        extensions: {
          code: 'BAD_USER_INPUT',
          field: 'idempotencyKey',
          allowed: `1..${IDEMPOTENCY_KEY_MAX_LENGTH} printable ASCII characters`,
        },
      },
    );
  }
  const { store, holdMs } = call.idempotency;
  const key = sha256(idempotencyKey);
  const fingerprint = sha256(`${call.field}\n${canonical(input)}`);
  const owner = randomUUID();
  const storeFailed = (): GraphQLError =>
    refused(
      'IDEMPOTENCY_STORE_UNAVAILABLE',
      'The store of idempotency keys did not answer, so this write cannot be made safe to retry; nothing was written. Retry later.',
      { retryAfter: 1 },
    );
  const guarded = async <R>(work: Promise<R>): Promise<R> => {
    try {
      return await work;
    } catch {
      throw storeFailed();
    }
  };

  for (;;) {
    const now = store.now();
    const mine: IdempotencyEntry = {
      fingerprint,
      state: 'pending',
      firstAttemptAt: now,
      heldUntil: now + holdMs,
      owner,
    };
    const held = await guarded(store.claim(key, mine));
    if (held === null) return attempt(call, key, mine, undefined);
    if (held.fingerprint !== fingerprint) {
      throw refused(
        'IDEMPOTENCY_KEY_REUSED',
        `idempotencyKey was first used ${new Date(held.firstAttemptAt).toISOString()} for another mutation or other input; a key names one write. Use a new key for a new write.`,
        { field: 'idempotencyKey' },
      );
    }
    if (held.state === 'done') return replay<T>(held);
    if (held.state === 'unknown' || held.heldUntil <= now) {
      const takeOver: IdempotencyEntry = {
        ...held,
        state: 'pending',
        heldUntil: now + holdMs,
        owner,
      };
      if (await guarded(store.replace(key, held.owner, takeOver)))
        return attempt(call, key, takeOver, held.firstAttemptAt);
      continue;
    }
    // The first attempt still runs: wait for its outcome within this request's deadline.
    if (store.now() + IN_USE_POLL_MS > call.deadline) {
      throw refused(
        'IDEMPOTENCY_KEY_IN_USE',
        'An earlier request with this idempotencyKey is still being written; retry with the same key to get its outcome.',
        { retryAfter: 1 },
      );
    }
    await new Promise((resolve) => setTimeout(resolve, IN_USE_POLL_MS));
  }
}

async function attempt<T>(
  call: IdempotentCall<T>,
  key: string,
  entry: IdempotencyEntry,
  earlierAttemptAt: number | undefined,
): Promise<T> {
  const { store } = call.idempotency;
  const settle = (next: IdempotencyEntry | null): Promise<void> =>
    store.replace(key, entry.owner, next).then(
      () => undefined,
      // The key then stays pending until its hold ends, and the next retry reads back first.
      (error: unknown) =>
        call.logger.warn(
          { requestId: call.requestId, err: (error as Error).message },
          'idempotency key not settled',
        ),
    );
  let result: T;
  try {
    result = await call.run(earlierAttemptAt);
  } catch (error) {
    const code = codeOf(error, call.logger, call.requestId);
    // A retry of an unknown outcome that failed before it could read back leaves it unknown:
    // freeing the key would let the next retry write without looking.
    if (
      code === 'UPSTREAM_OUTCOME_UNKNOWN' ||
      (earlierAttemptAt !== undefined && !FINAL_REFUSALS.has(code))
    )
      await settle({ ...entry, state: 'unknown' });
    else if (FINAL_REFUSALS.has(code)) {
      const shown = publicError(error, call.logger, call.requestId);
      const { message, ...extensions } = shown;
      const outcome: Outcome = { error: { message, extensions } };
      await settle({ ...entry, state: 'done', outcome: encode(outcome) });
    } else await settle(null);
    throw error;
  }
  if ((call.outcomeOf?.(result) ?? 'done') === 'unknown')
    await settle({ ...entry, state: 'unknown' });
  else await settle({ ...entry, state: 'done', outcome: encode({ value: result }) });
  return result;
}

function replay<T>(entry: IdempotencyEntry): T {
  const outcome = decode<Outcome>(entry.outcome ?? '{}');
  if (outcome.error) {
    throw new GraphQLError(outcome.error.message, { extensions: outcome.error.extensions });
  }
  return outcome.value as T;
}
