import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { Api300Error, UpstreamErrorCode } from '../errors';
import type { WireRecord } from './mapping';
import type { SoapTransportOptions } from './soapTransport';
import type { Api300Transport } from './transport';
import type { Api300Operation } from './types';

/**
 * The SOAP transport off the main thread. node-soap parses a reply synchronously: a page of
 * 500 customers holds the thread for ~30 ms of CPU plus the garbage it leaves (measured in
 * bench/transports.ts), and the mirror's initial load is 100 such pages while requests are
 * served. Here node-soap runs in one worker thread per process (soapWorker.ts), which hosts
 * every SOAP transport of the process; the main thread only posts the parameters and
 * receives the result as a structured clone.
 *
 * Guarantees: the same as the SOAP transport (one POST per call, the guard, the typed
 * errors — built in the worker, rebuilt here with the same code, message and details). If
 * the worker dies, every call in flight fails with `UPSTREAM_UNAVAILABLE` (retryable: the
 * POST may or may not have been sent) and the next call starts a new worker. The worker is
 * unreferenced while no call is in flight, so it never keeps the process alive.
 */

export type SoapThreadRequest =
  | { kind: 'open'; id: number; options: SoapTransportOptions }
  | {
      kind: 'call';
      id: number;
      transport: number;
      operation: Api300Operation;
      parameters: WireRecord;
    };

export type SoapThreadReply =
  | { kind: 'opened'; id: number }
  | { kind: 'result'; id: number; result: WireRecord | null }
  | {
      kind: 'error';
      id: number;
      code: UpstreamErrorCode;
      message: string;
      details: Api300Error['details'];
    }
  | { kind: 'failed'; id: number; message: string };

/** A request before it is numbered (distributes over the union). */
type Unnumbered<T> = T extends unknown ? Omit<T, 'id'> : never;

interface Pending {
  resolve(reply: SoapThreadReply): void;
  reject(error: Error): void;
}

/**
 * How to start the worker: the compiled sibling `soapWorker.js` (dist/, the image), or, when
 * running from TypeScript sources (ts-jest), the `.ts` entry transpiled on load with the
 * project's own TypeScript (a devDependency, present wherever sources are run).
 */
function startWorker(): Worker {
  const compiled = join(__dirname, 'soapWorker.js');
  if (existsSync(compiled)) return new Worker(compiled);
  const source = join(__dirname, 'soapWorker.ts');
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

class SoapThread {
  private readonly worker = startWorker();
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  alive = true;

  constructor() {
    this.worker.unref();
    this.worker.on('message', (reply: SoapThreadReply) => {
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
      for (const pending of this.pending.values())
        pending.reject(new Error('the SOAP worker thread stopped'));
      this.pending.clear();
    };
    this.worker.on('error', die);
    this.worker.on('exit', die);
  }

  stop(): Promise<number> {
    return this.worker.terminate();
  }

  request(message: Unnumbered<SoapThreadRequest>): Promise<SoapThreadReply> {
    if (!this.alive) return Promise.reject(new Error('the SOAP worker thread stopped'));
    const id = this.nextId++;
    return new Promise<SoapThreadReply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage({ ...message, id } as SoapThreadRequest);
    });
  }
}

let current: SoapThread | null = null;
const thread = (): SoapThread => (current ??= new SoapThread());

/**
 * Stops the worker thread, if one runs: calls in flight fail (retryable), later calls start a
 * new one. For orderly shutdown; the idle worker never holds the process open anyway.
 */
export async function stopSoapThread(): Promise<void> {
  await current?.stop();
}

/** Opens the SOAP transport of `options` in the worker; it fails as `createSoapTransport` does. */
export async function createSoapTransportOffThread(
  options: SoapTransportOptions,
): Promise<Api300Transport> {
  let host: SoapThread | null = null;
  let remoteId = 0;
  const open = async (): Promise<SoapThread> => {
    const next = thread();
    if (next === host) return next;
    const reply = await next.request({ kind: 'open', options });
    if (reply.kind !== 'opened')
      throw new Error(reply.kind === 'failed' ? reply.message : 'unexpected SOAP worker reply');
    host = next;
    remoteId = reply.id;
    return next;
  };
  await open();

  return {
    name: options.soapVersion === '1.1' ? 'soap11' : 'soap12',
    async call(operation, parameters) {
      let reply: SoapThreadReply;
      try {
        reply = await (
          await open()
        ).request({
          kind: 'call',
          transport: remoteId,
          operation,
          parameters,
        });
      } catch {
        throw new Api300Error(
          'UPSTREAM_UNAVAILABLE',
          `API300 ${operation} failed: the SOAP worker thread stopped.`,
          { operation, retryable: true },
        );
      }
      if (reply.kind === 'result') return reply.result;
      if (reply.kind === 'error') throw new Api300Error(reply.code, reply.message, reply.details);
      throw new Error(reply.kind === 'failed' ? reply.message : 'unexpected SOAP worker reply');
    },
  };
}
