import { parentPort } from 'node:worker_threads';
import { Api300Error } from '../errors';
import { createApi300Client } from './client';
import type { Api300 } from './types';
import type { ClientThreadReply, ClientThreadRequest } from './clientThread';

/**
 * Entry of the API300 client's worker thread (clientThread.ts): hosts the clients of the
 * process, each with its transport, so that building requests, parsing replies (node-soap or
 * `JSON.parse`) and mapping them to domain records happen here, off the main thread. Answers
 * every request with exactly one reply; a failure travels as its `Api300Error`'s code,
 * message, details and own fields.
 */

const port = parentPort;
if (!port) throw new Error('clientWorker.ts runs only as a worker thread (see clientThread.ts)');

const clients = new Map<number, Api300>();
const reply = (message: ClientThreadReply): void => port.postMessage(message);
const failed = (id: number, error: unknown): ClientThreadReply =>
  error instanceof Api300Error
    ? {
        kind: 'error',
        id,
        code: error.code,
        message: error.message,
        details: error.details,
        // Any further field a caller of the client relies on travels too.
        fields: { ...error },
      }
    : { kind: 'failed', id, message: error instanceof Error ? error.message : String(error) };

port.on('message', (request: ClientThreadRequest) => {
  if (request.kind === 'open') {
    createApi300Client({ ...request.options, thread: 'main' }).then(
      (client) => {
        clients.set(request.id, client);
        reply({ kind: 'opened', id: request.id });
      },
      (error: unknown) => reply(failed(request.id, error)),
    );
    return;
  }
  const client = clients.get(request.client);
  if (!client) {
    reply({ kind: 'failed', id: request.id, message: `no API300 client ${request.client}` });
    return;
  }
  const method = client[request.method] as (...args: unknown[]) => Promise<unknown>;
  method(...request.args).then(
    (value) => reply({ kind: 'value', id: request.id, value }),
    (error: unknown) => reply(failed(request.id, error)),
  );
});
