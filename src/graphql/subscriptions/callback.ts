import { subscribe, type DocumentNode, type ExecutionResult, type GraphQLSchema } from 'graphql';
import type { Context } from '../context';
import type { Logger } from '../../platform/logger';

/**
 * Apollo Router's HTTP callback protocol `callback/1.0` (the router's `callback` subscription
 * mode): the router POSTs the subscription with `extensions.subscription` =
 * `{callback_url, subscription_id, verifier, heartbeat_interval_ms}`. The subgraph
 * 1. sends `check` to `callback_url` and answers the router's request only after a 204 —
 *    `{"data": null}` (200), or the check's failure as a GraphQL error;
 * 2. sends each event as `next` (`payload` = the execution result), a `check` every
 *    `heartbeat_interval_ms` (0: none), and `complete` when the stream ends (with `errors`
 *    when it ended on one);
 * 3. stops at once when the router answers any message 404 (the subscription is gone there).
 * Every message carries `kind: "subscription"`, `action`, `id` and `verifier`. The stream
 * lives in the replica that accepted it: a replica that ends completes its streams (the
 * router then resubscribes); it does not hand them to another replica.
 */
export interface CallbackSubscription {
  callback_url: string;
  subscription_id: string;
  verifier: string;
  heartbeat_interval_ms?: number;
}

export const CALLBACK_PROTOCOL = 'callback/1.0';

/** The router's callback request: `extensions.subscription` with its four fields. */
export function callbackOf(body: unknown): CallbackSubscription | null {
  const sub = (body as { extensions?: { subscription?: Record<string, unknown> } } | null)
    ?.extensions?.subscription;
  if (!sub || typeof sub !== 'object') return null;
  const valid =
    typeof sub.callback_url === 'string' &&
    /^https?:\/\//.test(sub.callback_url) &&
    typeof sub.subscription_id === 'string' &&
    typeof sub.verifier === 'string' &&
    (sub.heartbeat_interval_ms === undefined ||
      (typeof sub.heartbeat_interval_ms === 'number' && sub.heartbeat_interval_ms >= 0));
  return valid ? (sub as unknown as CallbackSubscription) : null;
}

type Message =
  | { action: 'check' }
  | { action: 'next'; payload: ExecutionResult }
  | { action: 'complete'; errors?: readonly unknown[] };

export interface CallbackRunner {
  /**
   * Starts one callback subscription: resolves with the answer to the router's request (HTTP
   * status and body) once the first check is done; the stream then runs on its own.
   */
  start(args: {
    sub: CallbackSubscription;
    document: DocumentNode;
    variables?: Record<string, unknown>;
    operationName?: string;
    context: Context;
  }): Promise<{ status: number; body: unknown }>;
  /** Ends every stream (each sends `complete`). */
  stop(): Promise<void>;
  size(): number;
}

export function createCallbackRunner(options: {
  schema: GraphQLSchema;
  format: (result: ExecutionResult) => ExecutionResult;
  logger: Logger;
  timeoutMs?: number;
}): CallbackRunner {
  const timeoutMs = options.timeoutMs ?? 5000;
  const running = new Map<string, { end(): void; done: Promise<void> }>();

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

  return {
    async start({ sub, document, variables, operationName, context }) {
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
      const stream = await subscribe({
        schema: options.schema,
        document,
        variableValues: variables,
        operationName,
        contextValue: context,
      });
      if (!(Symbol.asyncIterator in stream)) {
        return { status: 200, body: options.format(stream) };
      }
      const iterator = stream;
      let ended = false;
      /** The router answered 404: the subscription is gone there, so no `complete`. */
      let gone = false;
      let cancelHeartbeat = () => {};
      const end = (routerGone: boolean) => {
        gone ||= routerGone;
        if (ended) return;
        ended = true;
        cancelHeartbeat();
        void iterator.return?.();
      };
      const interval = sub.heartbeat_interval_ms ?? 0;
      if (interval > 0) {
        const timer = setInterval(() => {
          void send(sub, { action: 'check' }).then((status) => {
            if (status === 404) end(true);
          });
        }, interval);
        timer.unref();
        cancelHeartbeat = () => clearInterval(timer);
      }
      const done = (async () => {
        let lastErrors: readonly unknown[] | undefined;
        try {
          for await (const result of iterator) {
            const payload = options.format(result);
            lastErrors = payload.errors;
            if ((await send(sub, { action: 'next', payload })) === 404) {
              gone = true;
              break;
            }
          }
        } finally {
          ended = true;
          cancelHeartbeat();
          running.delete(sub.subscription_id);
          if (!gone) {
            await send(sub, { action: 'complete', ...(lastErrors && { errors: lastErrors }) });
          }
        }
      })().catch((error: unknown) =>
        options.logger.warn({ err: (error as Error).message }, 'callback subscription failed'),
      );
      running.set(sub.subscription_id, { end: () => end(false), done });
      return { status: 200, body: { data: null } };
    },
    async stop() {
      const all = [...running.values()];
      for (const one of all) one.end();
      await Promise.all(all.map((one) => one.done));
    },
    size: () => running.size,
  };
}
