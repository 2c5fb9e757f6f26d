import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for Apollo Router's callback endpoint (callback/1.0) that checks every message it
 * gets against the protocol: POST, the `subscription-protocol` header, `kind`, a known
 * `action`, the expected `id` and `verifier`, `next` with a payload, `check` first and nothing
 * after `complete`. Checks are answered 204 and the rest 200 unless `answerWith` says else.
 */

export interface CallbackMessage {
  kind: string;
  action: 'check' | 'next' | 'complete';
  id: string;
  verifier: string;
  payload?: { data?: Record<string, unknown>; errors?: unknown[] };
  errors?: unknown[];
}

export async function startRouterCallbacks(expected: { id: string; verifier: string }) {
  const messages: CallbackMessage[] = [];
  const violations: string[] = [];
  let answer: (message: CallbackMessage) => number = (m) => (m.action === 'check' ? 204 : 200);
  const server = http.createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    req.on('end', () => {
      const message = JSON.parse(text) as CallbackMessage;
      messages.push(message);
      if (req.method !== 'POST') violations.push(`method ${req.method}`);
      if (req.headers['subscription-protocol'] !== 'callback/1.0')
        violations.push(`subscription-protocol header ${req.headers['subscription-protocol']}`);
      if (message.kind !== 'subscription') violations.push(`kind ${message.kind}`);
      if (!['check', 'next', 'complete'].includes(message.action))
        violations.push(`action ${message.action}`);
      if (message.id !== expected.id) violations.push(`id ${message.id}`);
      if (message.verifier !== expected.verifier) violations.push(`verifier ${message.verifier}`);
      if (message.action === 'next' && !message.payload) violations.push('next without payload');
      const previous = messages.at(-2);
      if (previous?.action === 'complete') violations.push('a message after complete');
      if (messages.length === 1 && message.action !== 'check')
        violations.push('first is not check');
      res.writeHead(answer(message));
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`,
    messages,
    violations,
    answerWith(fn: (message: CallbackMessage) => number) {
      answer = fn;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
