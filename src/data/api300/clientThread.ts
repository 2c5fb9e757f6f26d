import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Api300TransportName } from '../../config';
import { Api300Error, UpstreamErrorCode } from '../errors';
import type { Api300 } from './types';

/**
 * The API300 client off the main thread. Parsing and mapping a 500-record page is
 * synchronous work — ~30 ms of CPU inside node-soap, ~5 ms for `JSON.parse`, the walk and the
 * mapping in JSON mode — and the mirror's initial load is 100 such pages while requests are
 * served; on a busy machine every such block is stretched (bench/transports.ts). Here the
 * clients of the process live in one worker thread (clientWorker.ts); the main thread posts a
 * method's arguments and receives the domain records as a structured clone.
 *
 * Guarantees: those of the client (client.ts), unchanged — its errors are built in the worker
 * and rebuilt here as `Api300Error`s with the same code, message, details and own fields (a
 * subclass arrives as `Api300Error`; stack traces are this thread's). If the worker dies, every call in flight fails with
 * `UPSTREAM_UNAVAILABLE` (retryable: the POST may or may not have been sent) and the next call
 * starts a new worker, where the client is opened again. The worker is unreferenced while no
 * call is in flight, so it never keeps the process alive.
 */

/** What `createApi300Client` passes over; the worker runs the client on its own thread. */
export interface ThreadClientOptions {
  endpoint: string;
  cusToken: string;
  authToken: string;
  timeoutMs: number;
  transport: Api300TransportName;
  wsdlPath?: string;
}

/** Every method of `Api300`; the compiler insists that none is missing. */
const METHODS = {
  serverDateTime: true,
  getStations: true,
  getCustomer: true,
  getCustomers: true,
  setCustomer: true,
  setCustomers: true,
  getReservations: true,
  setReservation: true,
  setReservations: true,
  getTickets: true,
  setTicket: true,
  redeemTicket: true,
} as const satisfies Record<keyof Api300, true>;
type Method = keyof typeof METHODS;

export type ClientThreadRequest =
  | { kind: 'open'; id: number; options: ThreadClientOptions }
  | { kind: 'call'; id: number; client: number; method: Method; args: unknown[] };

export type ClientThreadReply =
  | { kind: 'opened'; id: number }
  | { kind: 'value'; id: number; value: unknown }
  | {
      kind: 'error';
      id: number;
      code: UpstreamErrorCode;
      message: string;
      details: Api300Error['details'];
      /** The error's own enumerable fields (structured-clonable), restored on this side. */
      fields: Record<string, unknown>;
    }
  | { kind: 'failed'; id: number; message: string };

/** A request before it is numbered (distributes over the union). */
type Unnumbered<T> = T extends unknown ? Omit<T, 'id'> : never;

interface Pending {
  resolve(reply: ClientThreadReply): void;
  reject(error: Error): void;
}

const STOPPED = 'the API300 worker thread stopped';

/**
 * How to start the worker: the compiled sibling `clientWorker.js` (dist/, the image), or,
 * when running from TypeScript sources (ts-jest), the `.ts` entry transpiled on load with the
 * project's own TypeScript (a devDependency, present wherever sources are run).
 */
function startWorker(): Worker {
  const compiled = join(__dirname, 'clientWorker.js');
  if (existsSync(compiled)) return new Worker(compiled);
  const source = join(__dirname, 'clientWorker.ts');
  const typescript = require.resolve('typescript', { paths: [__dirname] });
  const bootstrap = `
    const ts = require(${JSON.stringify(typescript)});
    const fs = require('node:fs');
    require.extensions['.ts'] = (module, filename) => {
      const { outputText } = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
        fileName: filename,
        compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
      });
      module._compile(outputText, filename);
    };
    require(${JSON.stringify(source)});
  `;
  return new Worker(bootstrap, { eval: true });
}

class ClientThread {
  private readonly worker = startWorker();
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private alive = true;

  constructor() {
    this.worker.unref();
    this.worker.on('message', (reply: ClientThreadReply) => {
      const pending = this.pending.get(reply.id);
      if (!pending) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) this.worker.unref();
      pending.resolve(reply);
    });
    const die = (): void => {
      if (!this.alive) return;
      this.alive = false;
      if (current === this) current = null;
      for (const pending of this.pending.values()) pending.reject(new Error(STOPPED));
      this.pending.clear();
    };
    this.worker.on('error', die);
    this.worker.on('exit', die);
  }

  stop(): Promise<number> {
    return this.worker.terminate();
  }

  request(message: Unnumbered<ClientThreadRequest>): Promise<ClientThreadReply> {
    if (!this.alive) return Promise.reject(new Error(STOPPED));
    const id = this.nextId++;
    return new Promise<ClientThreadReply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage({ ...message, id });
    });
  }
}

let current: ClientThread | null = null;
const thread = (): ClientThread => (current ??= new ClientThread());

/**
 * Stops the worker thread, if one runs: calls in flight fail (retryable), later calls start a
 * new one. For orderly shutdown; the idle worker never holds the process open anyway.
 */
export async function stopApi300Thread(): Promise<void> {
  await current?.stop();
}

/**
 * A structured clone is built in the thread's main Node realm. Code running in another realm
 * of the same thread (a `vm` context, as jest runs tests in) would get foreign objects whose
 * Dates fail `instanceof Date`: such a value is rebuilt with this realm's types. In a plain
 * process the values are native and this costs one `instanceof`.
 */
function inThisRealm(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || value instanceof Object) return value;
  const rebuild = (v: unknown): unknown => {
    if (typeof v !== 'object' || v === null) return v;
    const tag = Object.prototype.toString.call(v);
    if (tag === '[object Date]') return new Date((v as Date).getTime());
    if (Array.isArray(v)) return v.map(rebuild);
    const record: Record<string, unknown> = {};
    for (const [key, member] of Object.entries(v)) record[key] = rebuild(member);
    return record;
  };
  return rebuild(value);
}

const operationOf = (method: Method): string => method[0].toUpperCase() + method.slice(1);

/** Opens a client in the worker thread; it fails to open as `createApi300Client` does. */
export async function createApi300ClientOffThread(options: ThreadClientOptions): Promise<Api300> {
  let host: ClientThread | null = null;
  let remoteId = 0;
  const open = async (): Promise<ClientThread> => {
    const next = thread();
    if (next === host) return next;
    const reply = await next.request({ kind: 'open', options });
    if (reply.kind !== 'opened')
      throw new Error(reply.kind === 'failed' || reply.kind === 'error' ? reply.message : STOPPED);
    host = next;
    remoteId = reply.id;
    return next;
  };
  await open();

  const call = async (method: Method, args: unknown[]): Promise<unknown> => {
    let reply: ClientThreadReply;
    try {
      reply = await (await open()).request({ kind: 'call', client: remoteId, method, args });
    } catch {
      const operation = operationOf(method);
      throw new Api300Error('UPSTREAM_UNAVAILABLE', `API300 ${operation} failed: ${STOPPED}.`, {
        operation,
        retryable: true,
      });
    }
    if (reply.kind === 'value') return inThisRealm(reply.value);
    if (reply.kind === 'error')
      throw Object.assign(
        new Api300Error(reply.code, reply.message, reply.details),
        inThisRealm(reply.fields),
      );
    throw new Error(reply.kind === 'failed' ? reply.message : STOPPED);
  };

  const client: Record<string, unknown> = {};
  for (const method of Object.keys(METHODS) as Method[])
    client[method] = (...args: unknown[]) => call(method, args);
  return client as unknown as Api300;
}
