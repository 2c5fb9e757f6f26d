import http from 'node:http';
import type { Socket } from 'node:net';
import {
  GraphQLError,
  parse,
  specifiedRules,
  validate,
  type ExecutionResult,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type ParseOptions,
  type ValidationRule,
} from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { createHandler as createSseHandler } from 'graphql-sse/lib/use/http';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Context } from '../context';
import type { Logger } from '../../platform/logger';
import { CALLBACK_PROTOCOL, callbackOf, createCallbackRunner } from './callback';
import type { CallbackStore } from './callbackStore';
import type { ChangeHub } from './hub';

/**
 * The router check of a handshake: `true` when it answered the request itself (refused it),
 * `false` when the request may go on (src/graphql/server.ts builds it from `createRouterAuth`).
 */
export type RequestGuard = (
  req: http.IncomingMessage,
  res: http.ServerResponse,
  /** The request's URL, parsed once by the server. */
  url: URL,
) => boolean;

/**
 * The transports a router or a screen reaches subscriptions by, on the subgraph's own port and
 * GraphQL path (docs/subscriptions.md):
 * - graphql-ws (`graphql-transport-ws` subprotocol) on an HTTP upgrade of `path`;
 * - GraphQL over SSE (graphql-sse, distinct connections mode): a request to `path` that
 *   accepts `text/event-stream`;
 * - Apollo Router's HTTP callback protocol (callback.ts): a POST whose
 *   `extensions.subscription` names a callback URL.
 *
 * Both run the schema's subscriptions with the same request limits as queries (the validation
 * rules and parse options), behind the same router check (`guard`, called once per upgrade
 * like once per request), with errors formatted like Apollo's. Limits: `maxPerConnection`
 * operations at once on one WebSocket; the process-wide bound and per-subscriber buffers are
 * the hub's. A WebSocket is pinged every `keepAliveMs` and closed when a pong does not come
 * back by the next ping; one that holds no subscription for `idleTimeoutMs` is closed (4408).
 */
export interface SubscriptionTransportOptions {
  server: http.Server;
  schema: GraphQLSchema;
  path: string;
  guard: RequestGuard;
  /** A context for one subscription (its loaders renewed per event). */
  context: () => Context;
  changes: ChangeHub;
  validationRules?: ValidationRule[];
  parseOptions?: ParseOptions;
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  maxPerConnection: number;
  keepAliveMs: number;
  idleTimeoutMs: number;
  logger: Logger;
  /**
   * Callback subscriptions recorded where every replica sees them (Redis), so another replica
   * carries them on when this one ends (callback.ts); absent: they live in this replica only.
   */
  callbackStore?: { store: CallbackStore; leaseMs: number };
}

/** What /metrics shows of the subscriptions (src/ops/metrics.ts). */
export interface SubscriptionStats {
  /** Subscriptions running now, by transport. */
  active: { websocket: number; sse: number; callback: number };
  /** Events sent to subscribers, by transport. */
  delivered: { websocket: number; sse: number; callback: number };
  /** Callback subscriptions this replica took over from an ended one. */
  callbacksTakenOver: number;
}

export interface SubscriptionTransports {
  /** Whether a request to the GraphQL path is for the SSE transport (`Accept: text/event-stream`). */
  isSse(req: http.IncomingMessage): boolean;
  /** Serves a GraphQL-over-SSE request (reads its body itself). */
  sse(req: http.IncomingMessage, res: http.ServerResponse): Promise<void>;
  /**
   * Apollo Router's callback protocol: `null` when `body` (a parsed POST body) is not a
   * callback subscription request; else the answer to send once the first check is done.
   */
  callback(
    body: unknown,
  ): Promise<{ status: number; body: unknown; headers: Record<string, string> }> | null;
  /** Open WebSockets, SSE streams and callback subscriptions. */
  connections(): { websockets: number; sse: number; callbacks: number };
  stats(): SubscriptionStats;
  /**
   * Graceful end: refuses new connections, completes every subscription (each client gets
   * `complete`, or the end of its event stream), then closes the WebSockets (1001).
   */
  stop(): Promise<void>;
}

/** Close code for a WebSocket that held no subscription for too long. */
export const IDLE_CLOSE_CODE = 4408;

export function createSubscriptionTransports(
  options: SubscriptionTransportOptions,
): SubscriptionTransports {
  const { server, schema, path, logger } = options;
  const rules = [...specifiedRules, ...(options.validationRules ?? [])];
  let stopping = false;
  const sseStreams = new Set<http.ServerResponse>();

  function formatted(result: ExecutionResult): ExecutionResult {
    if (!result.errors) return result;
    return {
      ...result,
      errors: result.errors.map((error) => {
        const json = error.toJSON();
        // graphql-js's own parse and validation errors carry no code; Apollo names them so.
        const code =
          json.extensions?.code ?? (error.originalError ? undefined : 'GRAPHQL_VALIDATION_FAILED');
        const shaped = options.formatError(
          { ...json, extensions: { ...json.extensions, ...(code && { code }) } },
          error,
        );
        return new GraphQLError(shaped.message, {
          path: shaped.path,
          extensions: shaped.extensions,
        });
      }),
    };
  }

  /** Parses and validates with the request limits; the errors, or the document. */
  function checked(query: string) {
    try {
      const document = parse(query, options.parseOptions);
      const errors = validate(schema, document, rules);
      return errors.length > 0 ? { errors } : { document };
    } catch (error) {
      if (error instanceof GraphQLError) return { errors: [error] };
      throw error;
    }
  }

  const callbacks = createCallbackRunner({
    schema,
    format: formatted,
    logger,
    ...(options.callbackStore && {
      shared: {
        ...options.callbackStore,
        prepare(record) {
          const result = checked(record.query);
          if (result.errors) return null;
          return {
            document: result.document,
            variables: record.variables,
            operationName: record.operationName,
            context: options.context(),
          };
        },
      },
    }),
  });
  const delivered = { websocket: 0, sse: 0 };

  const wss = new WebSocketServer({ noServer: true });
  const idle = new Map<WebSocket, () => void>();
  /** The open graphql-ws connections' operations (id → running operation). */
  const operations = new Set<Record<string, unknown>>();
  const disposable = useServer<Record<string, unknown>, { subscriptions: number }>(
    {
      schema,
      isProd: true,
      context: () => options.context(),
      onSubscribe(ctx, id, payload) {
        if (stopping) {
          return [
            new GraphQLError('This replica is shutting down; subscribe again.', {
              extensions: { code: 'SHUTTING_DOWN' },
            }),
          ];
        }
        // graphql-ws has already reserved this operation's id when it asks.
        const open = Object.keys(ctx.subscriptions).filter((other) => other !== id).length;
        if (open >= options.maxPerConnection) {
          return [
            new GraphQLError(
              `One connection may hold at most ${options.maxPerConnection} operations at once ` +
                '(SUBSCRIPTIONS_MAX_PER_CONNECTION); complete one or open another connection.',
              { extensions: { code: 'SUBSCRIPTION_LIMIT' } },
            ),
          ];
        }
        const result = checked(payload.query);
        if (result.errors) return result.errors.map((e) => formatted({ errors: [e] }).errors![0]);
        idle.get(ctx.extra.socket)?.();
        return {
          schema,
          document: result.document,
          variableValues: payload.variables,
          operationName: payload.operationName,
          contextValue: options.context(),
        };
      },
      onNext: (_ctx, _id, _payload, _args, result) => {
        delivered.websocket++;
        return formatted(result);
      },
      onComplete(ctx) {
        // Completed operations leave ctx.subscriptions after this hook: look on the next turn.
        setImmediate(() => armIdle(ctx.extra.socket, () => Object.keys(ctx.subscriptions).length));
      },
      onConnect(ctx) {
        operations.add(ctx.subscriptions);
        armIdle(ctx.extra.socket, () => Object.keys(ctx.subscriptions).length);
        return true;
      },
      onClose(ctx) {
        operations.delete(ctx.subscriptions);
        idle.get(ctx.extra.socket)?.();
      },
    },
    wss,
    options.keepAliveMs,
  );

  function armIdle(socket: WebSocket, open: () => number): void {
    idle.get(socket)?.();
    if (open() > 0 || options.idleTimeoutMs <= 0) return;
    const timer = setTimeout(() => {
      if (open() === 0) socket.close(IDLE_CLOSE_CODE, 'Idle: no subscription for too long');
    }, options.idleTimeoutMs);
    timer.unref();
    idle.set(socket, () => {
      clearTimeout(timer);
      idle.delete(socket);
    });
  }

  function onUpgrade(req: http.IncomingMessage, socket: Socket, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://subgraph.local');
    if (url.pathname !== path || stopping) {
      socket.end(`HTTP/1.1 ${stopping ? '503 Service Unavailable' : '404 Not Found'}\r\n\r\n`);
      return;
    }
    // The router check answers on an HTTP response; here it writes onto the upgrade's socket.
    const res = new http.ServerResponse(req);
    res.assignSocket(socket);
    if (options.guard(req, res, url)) {
      res.on('finish', () => socket.destroy());
      return;
    }
    res.detachSocket(socket);
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  }
  server.on('upgrade', onUpgrade);

  const sseHandler = createSseHandler<Context & Record<PropertyKey, unknown>>({
    schema,
    context: () => options.context() as Context & Record<PropertyKey, unknown>,
    onSubscribe(_req, params) {
      if (stopping) {
        const refusal = new GraphQLError('This replica is shutting down; subscribe again.', {
          extensions: { code: 'SHUTTING_DOWN' },
        });
        return { data: null, errors: [refusal] };
      }
      const result = checked(params.query);
      // graphql-sse sends a returned result (it must hold `data`) instead of running the operation.
      if (result.errors) return { data: null, ...formatted({ errors: result.errors }) };
      return undefined;
    },
    onNext: (_req, _args, result) => {
      delivered.sse++;
      return formatted(result as ExecutionResult);
    },
  });

  return {
    isSse: (req) => (req.headers.accept ?? '').includes('text/event-stream'),
    async sse(req, res) {
      sseStreams.add(res);
      res.once('close', () => sseStreams.delete(res));
      await sseHandler(req, res);
    },
    callback(body) {
      const sub = callbackOf(body);
      if (!sub) return null;
      const headers = { 'subscription-protocol': CALLBACK_PROTOCOL };
      const request = body as {
        query?: unknown;
        variables?: Record<string, unknown>;
        operationName?: string;
      };
      const refuse = (errors: readonly GraphQLError[]) =>
        Promise.resolve({ status: 400, headers, body: { data: null, ...formatted({ errors }) } });
      if (stopping) {
        return refuse([
          new GraphQLError('This replica is shutting down; subscribe again.', {
            extensions: { code: 'SHUTTING_DOWN' },
          }),
        ]);
      }
      const result = checked(typeof request.query === 'string' ? request.query : '');
      if (result.errors) return refuse(result.errors);
      return callbacks
        .start({
          sub,
          query: request.query as string,
          document: result.document,
          variables: request.variables,
          operationName: request.operationName,
          context: options.context(),
        })
        .then((answer) => ({ ...answer, headers }));
    },
    connections: () => ({
      websockets: wss.clients.size,
      sse: sseStreams.size,
      callbacks: callbacks.size(),
    }),
    stats() {
      const runner = callbacks.stats();
      let websocket = 0;
      for (const running of operations) websocket += Object.keys(running).length;
      return {
        active: { websocket, sse: sseStreams.size, callback: runner.active },
        delivered: { ...delivered, callback: runner.delivered },
        callbacksTakenOver: runner.takenOver,
      };
    },
    async stop() {
      stopping = true;
      server.off('upgrade', onUpgrade);
      // Callbacks first: their streams are handed over (or completed) before the hub ends them.
      await callbacks.stop();
      options.changes.close();
      // Each stream ends after its queue: graphql-ws sends `complete`, SSE ends its response.
      const deadline = Date.now() + 2_000;
      while ((sseStreams.size > 0 || anyOpen()) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      for (const dispose of idle.values()) dispose();
      await disposable.dispose();
      logger.info({}, 'subscriptions ended: every subscription completed, WebSockets closed');
    },
  };

  function anyOpen(): boolean {
    for (const running of operations) if (Object.keys(running).length > 0) return true;
    return false;
  }
}
