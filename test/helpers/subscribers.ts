import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import { createClient as createSseClient } from 'graphql-sse';
import WebSocket from 'ws';

/**
 * Test clients of the subscription transports and a stand-in for the router's invalidation
 * endpoint. Each subscriber collects what it receives; `waitFor` polls with a bound.
 */

/** One customer's changes, with the new last name. */
export const CUSTOMER_CHANGES = /* GraphQL */ `
  subscription ($number: Int!) {
    customerChanged(number: $number) {
      change
      number
      customer {
        lastName
      }
    }
  }
`;

export interface Received {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
}

export interface Subscriber {
  received: Received[];
  completed: boolean;
  /** Resolves with the first received item `accept` takes; rejects after `timeoutMs`. */
  waitFor(accept: (item: Received) => boolean, timeoutMs?: number): Promise<Received>;
  /** Resolves when the server completed the subscription. */
  whenComplete(timeoutMs?: number): Promise<void>;
  dispose(): void;
}

function collector(): Subscriber & {
  push(item: Received): void;
  complete(): void;
  onDispose(fn: () => void): void;
} {
  const listeners = new Set<() => void>();
  let disposeFn = () => {};
  const tell = () => listeners.forEach((l) => l());
  const self = {
    received: [] as Received[],
    completed: false,
    push(item: Received) {
      self.received.push(item);
      tell();
    },
    complete() {
      self.completed = true;
      tell();
    },
    onDispose(fn: () => void) {
      disposeFn = fn;
    },
    waitFor(accept: (item: Received) => boolean, timeoutMs = 30_000) {
      return waitUntil(() => self.received.find(accept), timeoutMs, 'the awaited event');
    },
    whenComplete(timeoutMs = 10_000) {
      return waitUntil(() => (self.completed ? true : undefined), timeoutMs, 'completion').then(
        () => undefined,
      );
    },
    dispose: () => disposeFn(),
  };
  function waitUntil<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = probe();
        if (found === undefined) return;
        cleanup();
        resolve(found);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(
            `${what} not received within ${timeoutMs} ms; got ${JSON.stringify(self.received)}`,
          ),
        );
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        listeners.delete(check);
      };
      listeners.add(check);
      check();
    });
  }
  return self;
}

/** A graphql-ws client on the subgraph's URL (http → ws). */
export function wsClient(url: string, headers: Record<string, string> = {}): WsClient {
  class HeaderedWebSocket extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, { headers });
    }
  }
  return createWsClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: HeaderedWebSocket,
    retryAttempts: 0,
    lazy: true,
  });
}

export function subscribeWs(
  client: WsClient,
  query: string,
  variables?: Record<string, unknown>,
): Subscriber {
  const sub = collector();
  const dispose = client.subscribe(
    { query, variables },
    {
      next: (value) => sub.push(value as Received),
      error: (error) =>
        sub.push({
          errors: Array.isArray(error)
            ? (error as Received['errors'])
            : [
                {
                  message: String(
                    (error as Error).message ?? (error as { reason?: string }).reason ?? error,
                  ),
                },
              ],
        }),
      complete: () => sub.complete(),
    },
  );
  sub.onDispose(dispose);
  return sub;
}

/** A GraphQL-over-SSE subscriber in distinct connections mode. */
export function subscribeSse(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Subscriber {
  const sub = collector();
  const client = createSseClient({ url, retryAttempts: 0, headers, singleConnection: false });
  const dispose = client.subscribe(
    { query, variables },
    {
      next: (value) => sub.push(value as Received),
      error: (error) => sub.push({ errors: [{ message: String(error) }] }),
      complete: () => sub.complete(),
    },
  );
  sub.onDispose(() => {
    dispose();
    client.dispose();
  });
  return sub;
}

/** What the router's invalidation endpoint was sent. */
export interface InvalidationCall {
  authorization: string | undefined;
  body: Array<Record<string, unknown>>;
}

/** A stand-in for Apollo Router's invalidation endpoint on a free port. */
export async function startInvalidationReceiver(
  answer: (call: InvalidationCall) => number = () => 200,
): Promise<{ url: string; calls: InvalidationCall[]; tags(): string[]; close(): Promise<void> }> {
  const calls: InvalidationCall[] = [];
  const server = http.createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    req.on('end', () => {
      const call = {
        authorization: req.headers.authorization,
        body: JSON.parse(text) as Array<Record<string, unknown>>,
      };
      calls.push(call);
      const status = answer(call);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ count: call.body.length }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/invalidation`,
    calls,
    tags: () =>
      calls.flatMap((c) =>
        c.body.map((r) => String(r.cache_tag ?? `subgraph:${String(r.subgraph)}`)),
      ),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
