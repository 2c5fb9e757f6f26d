import { subscribe, type DocumentNode, type ExecutionResult, type GraphQLSchema } from 'graphql';
import type { Context } from '../context';
import type { Logger } from '../../platform/logger';
import type { CallbackStore, CallbackSubscription, StoredCallback } from './callbackStore';

export type { CallbackSubscription } from './callbackStore';

/**
 * Apollo Router's HTTP callback protocol `callback/1.0` (the router's `callback` subscription
 * mode): the router POSTs the subscription with `extensions.subscription` =
 * `{callback_url, subscription_id, verifier, heartbeat_interval_ms}`. The subgraph
 * 1. sends `check` to `callback_url` and answers the router's request only after a 204 —
 *    `{"data": null}` (200), or the check's failure as a GraphQL error;
 * 2. sends each event as `next` (`payload` = the execution result), a `check` every
 *    `heartbeat_interval_ms` (0: none), and `complete` when the stream ends (with `errors`
 *    when it ended on one);
 * 3. stops at once when the router answers any message 404 (the subscription is gone there),
 *    a check 400, or `MAX_FAILED_CHECKS` checks in a row not at all (or with another error).
 * The request's fields are read under their GA names (`callbackUrl`, `subscriptionId`,
 * `heartbeatIntervalMs`) and their preview names (`callback_url` …).
 * Every message carries `kind: "subscription"`, `action`, `id` and `verifier`.
 *
 * With a shared store (`shared`, callbackStore.ts) each accepted subscription is recorded and
 * claimed by this replica, which renews its claims every third of the lease; every replica
 * also claims the records whose claim expired (their replica died) and carries them on: a
 * `check` at once, then heartbeats and `next` per event with the same id and verifier. A
 * graceful stop hands its streams over (claims released, no `complete`); without a store it
 * completes them (the router then resubscribes).
 */

export const CALLBACK_PROTOCOL = 'callback/1.0';

/** The router's callback request: `extensions.subscription` with its four fields. */
export function callbackOf(body: unknown): CallbackSubscription | null {
  const sub = (body as { extensions?: { subscription?: Record<string, unknown> } } | null)
    ?.extensions?.subscription;
  if (!sub || typeof sub !== 'object') return null;
  // The protocol's GA names are camelCase; its preview's (and older routers') snake_case.
  const fields = {
    callback_url: sub.callbackUrl ?? sub.callback_url,
    subscription_id: sub.subscriptionId ?? sub.subscription_id,
    verifier: sub.verifier,
    heartbeat_interval_ms: sub.heartbeatIntervalMs ?? sub.heartbeat_interval_ms,
  };
  const valid =
    typeof fields.callback_url === 'string' &&
    /^https?:\/\//.test(fields.callback_url) &&
    typeof fields.subscription_id === 'string' &&
    typeof fields.verifier === 'string' &&
    (fields.heartbeat_interval_ms === undefined ||
      (typeof fields.heartbeat_interval_ms === 'number' && fields.heartbeat_interval_ms >= 0));
  return valid ? (fields as CallbackSubscription) : null;
}

/** Heartbeat checks in a row the router does not answer before a stream gives up (Apollo Server's default). */
export const MAX_FAILED_CHECKS = 5;

type Message =
  | { action: 'check' }
  | { action: 'next'; payload: ExecutionResult }
  | { action: 'complete'; errors?: readonly unknown[] };

/** What a stored subscription runs again with on the replica that takes it over. */
export interface PreparedOperation {
  document: DocumentNode;
  variables?: Record<string, unknown>;
  operationName?: string;
  context: Context;
}

/**
 * Callback subscriptions across replicas: the store, how long a claim lasts (renewed and
 * orphans looked for every third of it), and how a stored operation is run again (`null`:
 * it no longer validates).
 */
export interface SharedCallbacks {
  store: CallbackStore;
  leaseMs: number;
  prepare(record: StoredCallback): PreparedOperation | null;
}

export interface CallbackStats {
  /** Callback subscriptions this replica runs. */
  active: number;
  /** `next` messages the router accepted. */
  delivered: number;
  /** Subscriptions this replica took over from one whose claim had expired. */
  takenOver: number;
}

export interface CallbackRunner {
  /**
   * Starts one callback subscription: resolves with the answer to the router's request (HTTP
   * status and body) once the first check is done; the stream then runs on its own.
   */
  start(args: {
    sub: CallbackSubscription;
    /** The operation's text, recorded for a replica that takes the subscription over. */
    query: string;
    document: DocumentNode;
    variables?: Record<string, unknown>;
    operationName?: string;
    context: Context;
  }): Promise<{ status: number; body: unknown }>;
  /**
   * Graceful end: with a shared store each stream is handed over (its claim released, no
   * `complete`: another replica carries it on); without one each sends `complete`.
   */
  stop(): Promise<void>;
  size(): number;
  stats(): CallbackStats;
}

/** How a stream ended, which decides what the router is told and what becomes of the record. */
type Ending =
  | 'done' // the stream ended: `complete`, record deleted
  | 'gone' // the router answered 404: no `complete`, record deleted
  | 'lost' // another replica holds the claim now: nothing sent, record kept
  | 'handover'; // graceful stop with a shared store: claim released, record kept

export function createCallbackRunner(options: {
  schema: GraphQLSchema;
  format: (result: ExecutionResult) => ExecutionResult;
  logger: Logger;
  timeoutMs?: number;
  shared?: SharedCallbacks;
  /** Most records claimed per look (default 100; the hub's bound refuses streams past it). */
  takeoverBatch?: number;
}): CallbackRunner {
  const timeoutMs = options.timeoutMs ?? 5000;
  const { shared, logger } = options;
  /** The streams this replica runs; `recorded`: in the shared store, claimed by this replica. */
  const running = new Map<
    string,
    { end(ending: Ending): void; done: Promise<void>; recorded: boolean }
  >();
  const counts = { delivered: 0, takenOver: 0 };
  let stopping = false;

  async function send(sub: CallbackSubscription, message: Message): Promise<number> {
    try {
      const response = await fetch(sub.callback_url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'subscription-protocol': CALLBACK_PROTOCOL,
        },
        body: JSON.stringify({
          kind: 'subscription',
          id: sub.subscription_id,
          verifier: sub.verifier,
          ...message,
        }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      await response.arrayBuffer();
      return response.status;
    } catch {
      return 0;
    }
  }

  const quietly = (what: string, promise: Promise<unknown>) =>
    promise.catch((error: unknown) =>
      logger.warn({ err: (error as Error).message }, `callback subscriptions: ${what} failed`),
    );

  /** Runs a subscribed stream: `next` per event, heartbeats, and its ending. */
  function run(
    sub: CallbackSubscription,
    iterator: AsyncGenerator<ExecutionResult, void, void>,
    recorded: boolean,
  ): void {
    const id = sub.subscription_id;
    let ending: Ending | null = null;
    let cancelHeartbeat = () => {};
    const end = (how: Ending) => {
      if (ending !== null) return;
      ending = how;
      cancelHeartbeat();
      void iterator.return?.();
    };
    const entry = { end, done: Promise.resolve(), recorded };
    running.set(id, entry);
    const interval = sub.heartbeat_interval_ms ?? 0;
    if (interval > 0) {
      let failed = 0;
      const timer = setInterval(() => {
        void send(sub, { action: 'check' }).then((status) => {
          if (status >= 200 && status < 300) failed = 0;
          // 404 (and 400): the router no longer has it; unanswered for long: it is gone too.
          else if (status === 404 || status === 400 || ++failed >= MAX_FAILED_CHECKS) end('gone');
        });
      }, interval);
      timer.unref();
      cancelHeartbeat = () => clearInterval(timer);
    }
    const done = (async () => {
      let lastErrors: readonly unknown[] | undefined;
      try {
        for await (const result of iterator) {
          if (ending !== null) break;
          const payload = options.format(result);
          lastErrors = payload.errors;
          const status = await send(sub, { action: 'next', payload });
          if (status === 404) {
            end('gone');
            break;
          }
          if (status >= 200 && status < 300) counts.delivered++;
        }
      } finally {
        // `end` may have set it meanwhile (the loop's narrowing does not see that).
        const how = (ending as Ending | null) ?? 'done';
        ending = how;
        cancelHeartbeat();
        // Only this stream's entry (a stream of the same id claimed again may have followed it).
        if (running.get(id) === entry) running.delete(id);
        if (how === 'done') {
          await send(sub, { action: 'complete', ...(lastErrors && { errors: lastErrors }) });
        }
        if (shared && recorded && (how === 'done' || how === 'gone')) {
          await quietly('deleting a record', shared.store.remove(id));
        }
        if (shared && recorded && how === 'handover') {
          await quietly('handing over', shared.store.release([id]));
        }
      }
    })().catch((error: unknown) =>
      logger.warn({ err: (error as Error).message }, 'callback subscription failed'),
    );
    entry.done = done;
  }

  async function subscribed(prepared: {
    document: DocumentNode;
    variables?: Record<string, unknown>;
    operationName?: string;
    context: Context;
  }) {
    return subscribe({
      schema: options.schema,
      document: prepared.document,
      variableValues: prepared.variables,
      operationName: prepared.operationName,
      contextValue: prepared.context,
    });
  }

  /** Records claimed by this replica and not yet running (their claims are renewed too). */
  const claiming = new Set<string>();
  /** Take-overs under way (a graceful stop waits for them). */
  const pending = new Set<Promise<void>>();

  /** Carries on a subscription whose owner's claim expired (this replica holds it now). */
  async function takeOver(record: StoredCallback): Promise<void> {
    const { store } = shared!;
    const { sub } = record;
    const id = sub.subscription_id;
    const prepared = shared!.prepare(record);
    if (!prepared) {
      await store.remove(id);
      return;
    }
    claiming.add(id);
    try {
      const checked = await send(sub, { action: 'check' });
      // The router no longer has it. Unanswered: carried on (the heartbeats decide).
      if (checked === 404 || checked === 400) {
        await store.remove(id);
        return;
      }
      const stream = await subscribed(prepared);
      const runnable = Symbol.asyncIterator in stream;
      // Claim lost meanwhile (a renewal said so), refused here (full), or stopping.
      if (!runnable || !claiming.has(id) || stopping || running.has(id)) {
        if (runnable) await stream.return();
        if (claiming.has(id)) await store.release([id]);
        return;
      }
      counts.takenOver++;
      logger.info({ subscription: id }, 'callback subscription taken over from an ended replica');
      run(sub, stream, true);
    } finally {
      claiming.delete(id);
    }
  }

  /** Renews this replica's claims, drops the ones lost, and starts taking orphans over. */
  let lastRenewed = Date.now();
  let ticking: Promise<void> | null = null;
  const tick = () => (ticking ??= look().finally(() => (ticking = null)));
  async function look(): Promise<void> {
    if (!shared || stopping) return;
    const owned = [...running].filter(([, one]) => one.recorded).map(([id]) => id);
    try {
      const lost = await shared.store.renew([...owned, ...claiming]);
      lastRenewed = Date.now();
      for (const id of lost) {
        claiming.delete(id);
        running.get(id)?.end('lost');
      }
    } catch (error) {
      // Redis away: past the lease another replica may hold them; stop sending.
      if (Date.now() - lastRenewed > shared.leaseMs) {
        claiming.clear();
        for (const one of running.values()) if (one.recorded) one.end('lost');
      }
      throw error;
    }
    if (stopping) return;
    // Not awaited: a slow router's check must not hold up the next renewal.
    for (const record of await shared.store.claimOrphans(options.takeoverBatch ?? 100)) {
      const taking = takeOver(record).catch((error: unknown) =>
        logger.warn(
          { err: (error as Error).message },
          'taking a callback subscription over failed',
        ),
      );
      pending.add(taking);
      void taking.finally(() => pending.delete(taking));
    }
  }
  const ticker = shared
    ? setInterval(() => void quietly('renewing claims', tick()), Math.max(50, shared.leaseMs / 3))
    : null;
  ticker?.unref();

  return {
    async start({ sub, query, document, variables, operationName, context }) {
      const checked = await send(sub, { action: 'check' });
      if (checked !== 204) {
        return {
          status: 400,
          body: {
            errors: [
              {
                message: `The router's callback check answered ${checked || 'nothing'}, not 204: subscription not started.`,
                extensions: { code: 'CALLBACK_CHECK_FAILED' },
              },
            ],
          },
        };
      }
      const stream = await subscribed({ document, variables, operationName, context });
      if (!(Symbol.asyncIterator in stream)) {
        return { status: 200, body: options.format(stream) };
      }
      // Without its record (Redis away) the subscription runs here only, as without a store.
      const recorded = shared
        ? await shared.store
            .add({
              sub,
              query,
              ...(variables && { variables }),
              ...(operationName && { operationName }),
            })
            .then(
              () => true,
              (error: unknown) => {
                logger.warn(
                  { err: (error as Error).message },
                  'recording a callback subscription failed: it runs on this replica only',
                );
                return false;
              },
            )
        : false;
      run(sub, stream, recorded);
      return { status: 200, body: { data: null } };
    },
    async stop() {
      stopping = true;
      if (ticker) clearInterval(ticker);
      await ticking?.catch(() => undefined);
      await Promise.all(pending);
      const all = [...running.values()];
      for (const one of all) one.end(one.recorded ? 'handover' : 'done');
      await Promise.all(all.map((one) => one.done));
    },
    size: () => running.size,
    stats: () => ({ active: running.size, ...counts }),
  };
}
