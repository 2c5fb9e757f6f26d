import {
  ApolloServer,
  HeaderMap,
  type ApolloServerPlugin,
  type HTTPGraphQLRequest,
} from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ParseOptions, ValidationRule } from 'graphql';
import type { Config } from '../config';
import { createRequestContext, renewContext, type Context } from './context';
import type { Logger } from '../platform/logger';
import { createRouterAuth, type RouterAuth, type SignedParams } from './federation/routerAuth';
import { createServiceSdlPlugin } from './federation/serviceSdl';
import { createFormatError } from './errors';
import { buildSchema } from './schema';
import type { Repository } from '../data/repository/types';
import type { Idempotency } from './idempotency';
import type { ChangeHub } from './subscriptions/hub';
import {
  createSubscriptionTransports,
  type RequestGuard,
  type SubscriptionStats,
} from './subscriptions/transports';
import type { CallbackStore } from './subscriptions/callbackStore';

/**
 * The subgraph over node:http: Apollo Server at `/graphql` (POST, and GET for queries), no
 * framework. Builds everything from its arguments: no environment reads, nothing listens
 * until `listen`.
 */

export interface AppDeps {
  config: Config;
  /** The data layer (the mirror, with the entity cache over the upstream gate behind it; a fake in tests). */
  repository: Repository;
  /** Where mutations keep their idempotency keys; default: in this process. */
  idempotency?: Idempotency;
  logger?: Logger;
  /**
   * Routes served before GraphQL (GraphiQL page, /metrics, /healthz, /readyz …). Return true
   * (or a promise of true) when the request was handled; the app then leaves it alone.
   */
  extraRoutes?: (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
  ) => boolean | Promise<boolean>;
  plugins?: ApolloServerPlugin<Context>[];
  /** Extra GraphQL validation rules (request limits, src/graphql/requestLimits.ts), run after the standard ones. */
  validationRules?: ValidationRule[];
  /** Options of graphql-js `parse`, e.g. `maxTokens` (request limits, src/graphql/requestLimits.ts). */
  parseOptions?: ParseOptions;
  /** Largest accepted request body (default 10 MiB, enough for thousands of imported customers). */
  maxBodyBytes?: number;
  /** How long `stop` waits for in-flight requests before closing their sockets (default 10 s). */
  stopGracePeriodMs?: number;
  /** Clock for request deadlines (default `Date.now`). */
  now?: () => number;
  /**
   * Subscriptions over graphql-ws and SSE on `/graphql` (docs/subscriptions.md), fed by the
   * mirror's changes; absent: subscription requests fail with `SUBSCRIPTIONS_UNAVAILABLE`.
   */
  subscriptions?: {
    changes: ChangeHub;
    maxPerConnection: number;
    keepAliveMs: number;
    idleTimeoutMs: number;
    /** Callback subscriptions shared between replicas (docs/subscriptions.md); absent: per replica. */
    callbackStore?: { store: CallbackStore; leaseMs: number };
  };
}

export interface App {
  server: http.Server;
  apollo: ApolloServer<Context>;
  /** Listens on `port` (0 = a free one); resolves with the GraphQL URL and the actual port. */
  listen(port: number, host?: string): Promise<{ url: string; port: number }>;
  /**
   * Completes every subscription and closes the WebSockets, then stops taking requests, lets
   * in-flight ones finish (up to the grace period) and stops Apollo.
   */
  stop(): Promise<void>;
  /** The subscriptions' numbers for /metrics; `null` without subscriptions. */
  subscriptionStats(): SubscriptionStats | null;
}

export const GRAPHQL_PATH = '/graphql';
const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024;
const REQUEST_ID = /^[\w.:-]{1,128}$/;

const silentLogger: Logger = { info() {}, warn() {}, error() {} };

/** Apollo logs plain strings; route them to the app logger (debug is dropped). */
function apolloLogger(logger: Logger) {
  return {
    debug() {},
    info: (message: unknown) => logger.info({}, String(message)),
    warn: (message: unknown) => logger.warn({}, String(message)),
    error: (message: unknown) => logger.error({}, String(message)),
  };
}

/**
 * A request refused before GraphQL sees it (method, body size, body not JSON). It is answered
 * as a GraphQL error response — `application/json`, `{"errors": [{message, extensions}]}` with
 * `extensions.code = "BAD_REQUEST"` — so a client reads every refusal of `/graphql` one way.
 */
class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extensions: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

function bodyTooLarge(limit: number, value: number | string): HttpError {
  return new HttpError(
    413,
    `The request body has ${value} bytes, more than the body size limit of ${limit}.`,
    { limit: 'body size', max: limit, value },
    { connection: 'close' },
  );
}

function readBody(req: http.IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (declared > limit) {
      reject(bodyTooLarge(limit, declared));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(bodyTooLarge(limit, `more than ${limit}`));
        req.removeAllListeners('data');
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
    // A client that goes away mid-body never sends 'end'; settle instead of waiting forever.
    req.on('close', () => {
      if (!req.complete)
        reject(new HttpError(400, 'The request body ended before its declared length.'));
    });
  });
}

function toHeaderMap(req: http.IncomingMessage): HeaderMap {
  const headers = new HeaderMap();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  return headers;
}

/** JSON bodies are parsed here (Apollo expects an object); anything else goes on as text. */
function parseBody(text: string, headers: HeaderMap): unknown {
  const type = headers.get('content-type') ?? '';
  if (!/^application\/(.+\+)?json\b/i.test(type) || text === '') return text;
  try {
    return JSON.parse(text);
  } catch (error) {
    // Only the position: V8's own message may quote the body, which may hold personal data.
    const position = /position (\d+)/.exec(error instanceof Error ? error.message : '')?.[1];
    throw new HttpError(
      400,
      `The request body is not JSON${position ? ` (it breaks at character ${position})` : ''}: ` +
        'a body sent as application/json must be one JSON object such as ' +
        '{"query": "{ stations { number } }"}.',
    );
  }
}

function unauthenticated(auth: RouterAuth): HttpError {
  return new HttpError(
    401,
    auth.refusalMessage,
    { code: 'UNAUTHENTICATED' },
    { 'cache-control': 'no-store' },
  );
}

/** The GraphQL parameters of a GET (`query`, `variables` and `extensions` as JSON text). */
function paramsOfSearch(url: URL): SignedParams {
  const json = (name: string): unknown => {
    const text = url.searchParams.get(name);
    if (text === null) return undefined;
    try {
      return JSON.parse(text);
    } catch {
      return undefined;
    }
  };
  return {
    query: url.searchParams.get('query') ?? undefined,
    variables: json('variables'),
    extensions: json('extensions'),
  };
}

function sendGraphQLError(res: http.ServerResponse, error: HttpError) {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(error.status, {
    'content-type': 'application/json; charset=utf-8',
    ...error.headers,
  });
  res.end(
    JSON.stringify({
      errors: [
        { message: error.message, extensions: { code: 'BAD_REQUEST', ...error.extensions } },
      ],
    }),
  );
}

function sendPlain(
  res: http.ServerResponse,
  status: number,
  message: string,
  extraHeaders: Record<string, string> = {},
) {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...extraHeaders });
  res.end(message);
}

export async function createApp(deps: AppDeps): Promise<App> {
  const logger = deps.logger ?? silentLogger;
  const now = deps.now ?? Date.now;
  const maxBodyBytes = deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const server = http.createServer();

  const schema = buildSchema();
  const formatError = createFormatError(logger);
  const apollo = new ApolloServer<Context>({
    schema,
    csrfPrevention: true,
    // The entry point owns SIGTERM (graceful stop of app, data path and Redis); Apollo's own
    // handler would stop the server first and re-raise the signal, so the process hung.
    stopOnTerminationSignals: false,
    logger: apolloLogger(logger),
    introspection: deps.config.introspection,
    includeStacktraceInErrorResponses: false,
    formatError,
    validationRules: deps.validationRules,
    parseOptions: deps.parseOptions,
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginDrainHttpServer({
        httpServer: server,
        stopGracePeriodMillis: deps.stopGracePeriodMs,
      }),
      createServiceSdlPlugin(deps.config),
      ...(deps.plugins ?? []),
    ],
  });
  await apollo.start();
  // docs/federation.md, "Router-only access": with a router credential configured, only the
  // router may reach GraphQL.
  const routerAuth = createRouterAuth(deps.config.security);
  // WebSocket upgrades and SSE streams prove their origin by the secret header: a signature
  // covers one operation's body, which a handshake does not carry (docs/subscriptions.md).
  const routerOnly: RequestGuard = (req, res, url) => {
    if (url.pathname !== GRAPHQL_PATH) return false;
    if (routerAuth.check({ headers: req.headers }) === 'accepted') return false;
    req.resume();
    sendGraphQLError(res, unauthenticated(routerAuth));
    return true;
  };

  const contextFor = (requestId: string) => async (): Promise<Context> =>
    createRequestContext({
      repository: deps.repository,
      idempotency: deps.idempotency,
      deadline: now() + deps.config.upstream.requestDeadlineMs,
      requestId,
      logger,
    });

  const subscriptions = deps.subscriptions;
  const subscriptionContext = (): Context => {
    const deadlineOf = () => now() + deps.config.upstream.requestDeadlineMs;
    const context = createRequestContext({
      repository: deps.repository,
      idempotency: deps.idempotency,
      deadline: deadlineOf(),
      requestId: randomUUID(),
      logger,
      changes: subscriptions?.changes,
    });
    context.renew = () => renewContext(context, deadlineOf());
    return context;
  };
  const transports =
    subscriptions &&
    createSubscriptionTransports({
      server,
      schema,
      path: GRAPHQL_PATH,
      guard: routerOnly,
      context: subscriptionContext,
      changes: subscriptions.changes,
      validationRules: deps.validationRules,
      parseOptions: deps.parseOptions,
      formatError,
      maxPerConnection: subscriptions.maxPerConnection,
      keepAliveMs: subscriptions.keepAliveMs,
      idleTimeoutMs: subscriptions.idleTimeoutMs,
      logger,
      callbackStore: subscriptions.callbackStore,
    });

  async function handleGraphQL(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
  ): Promise<void> {
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'POST') {
      throw new HttpError(
        405,
        `${method} is not allowed on ${GRAPHQL_PATH}; use GET or POST.`,
        {},
        { allow: 'GET, POST' },
      );
    }
    // Refused before the body is read when the header alone decides.
    const verdict = routerAuth.check({ headers: req.headers });
    if (verdict === 'refused') {
      req.resume();
      throw unauthenticated(routerAuth);
    }
    const headers = toHeaderMap(req);
    const offered = headers.get('x-request-id');
    const requestId = offered && REQUEST_ID.test(offered) ? offered : randomUUID();
    const body =
      method === 'POST' ? parseBody(await readBody(req, maxBodyBytes), headers) : undefined;
    if (verdict === 'pending') {
      const params =
        method === 'POST'
          ? body && typeof body === 'object' && !Array.isArray(body)
            ? (body as SignedParams)
            : {}
          : paramsOfSearch(url);
      if (routerAuth.check({ headers: req.headers, params }) !== 'accepted') {
        throw unauthenticated(routerAuth);
      }
    }
    const callback = transports?.callback(body);
    if (callback) {
      const answer = await callback;
      res.writeHead(answer.status, {
        'content-type': 'application/json; charset=utf-8',
        'x-request-id': requestId,
        ...answer.headers,
      });
      res.end(JSON.stringify(answer.body));
      return;
    }
    const httpGraphQLRequest: HTTPGraphQLRequest = { method, headers, search: url.search, body };

    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest,
      context: contextFor(requestId),
    });

    res.statusCode = response.status ?? 200;
    for (const [name, value] of response.headers) res.setHeader(name, value);
    res.setHeader('x-request-id', requestId);
    if (response.body.kind === 'complete') {
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  }

  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    void (async () => {
      try {
        const url = new URL(req.url ?? '/', 'http://subgraph.local');
        const routed = deps.extraRoutes?.(req, res, url) ?? false;
        if (routed === true || (routed !== false && (await routed))) return;
        if (url.pathname === GRAPHQL_PATH && transports?.isSse(req)) {
          if (!routerOnly(req, res, url)) await transports.sse(req, res);
        } else if (url.pathname === GRAPHQL_PATH) await handleGraphQL(req, res, url);
        else sendPlain(res, 404, `Not found; GraphQL is served at ${GRAPHQL_PATH}`);
      } catch (e) {
        if (e instanceof HttpError) {
          sendGraphQLError(res, e);
          return;
        }
        logger.error({ errorName: e instanceof Error ? e.name : typeof e }, 'HTTP request failed');
        sendPlain(res, 500, 'Internal server error');
      }
    })();
  });

  return {
    server,
    apollo,
    listen(port, host) {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const actual = (server.address() as AddressInfo).port;
          resolve({ url: `http://${host ?? 'localhost'}:${actual}${GRAPHQL_PATH}`, port: actual });
        });
      });
    },
    async stop() {
      await transports?.stop();
      await apollo.stop();
    },
    subscriptionStats: () => transports?.stats() ?? null,
  };
}
