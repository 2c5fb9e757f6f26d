import { parentPort } from 'node:worker_threads';
import { Api300Error } from '../errors';
import { createSoapTransport } from './soapTransport';
import type { Api300Transport } from './transport';
import type { SoapThreadReply, SoapThreadRequest } from './soapThread';

/**
 * Entry of the SOAP worker thread (soapThread.ts): hosts the SOAP transports of the process,
 * so that node-soap builds envelopes and parses replies here, off the main thread. Answers
 * every request with exactly one reply; a failure of a call travels as the fields of its
 * `Api300Error`, which the main thread rebuilds.
 */

const port = parentPort;
if (!port) throw new Error('soapWorker.ts runs only as a worker thread (see soapThread.ts)');

const transports = new Map<number, Api300Transport>();
const reply = (message: SoapThreadReply): void => port.postMessage(message);

port.on('message', (request: SoapThreadRequest) => {
  if (request.kind === 'open') {
    createSoapTransport(request.options).then(
      (transport) => {
        transports.set(request.id, transport);
        reply({ kind: 'opened', id: request.id });
      },
      (error: unknown) =>
        reply({
          kind: 'failed',
          id: request.id,
          message: error instanceof Error ? error.message : String(error),
        }),
    );
    return;
  }
  const transport = transports.get(request.transport);
  if (!transport) {
    reply({ kind: 'failed', id: request.id, message: `no SOAP transport ${request.transport}` });
    return;
  }
  transport.call(request.operation, request.parameters).then(
    (result) => reply({ kind: 'result', id: request.id, result }),
    (error: unknown) =>
      reply(
        error instanceof Api300Error
          ? {
              kind: 'error',
              id: request.id,
              code: error.code,
              message: error.message,
              details: error.details,
            }
          : {
              kind: 'failed',
              id: request.id,
              message: error instanceof Error ? error.message : String(error),
            },
      ),
  );
});
