import { IncomingHttpHeaders, Server, ServerResponse, createServer } from 'node:http';
import { AddressInfo } from 'node:net';

/** What the client sent, byte for byte. */
export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** How the server answers the next request: a reply, or `hang` (never answer). */
export type ScriptedReply =
  | { status?: number; contentType?: string; headers?: Record<string, string>; body: string }
  | 'hang';

export interface ScriptedServer {
  /** `http://127.0.0.1:PORT/Service/API300.asmx` */
  endpoint: string;
  requests: RecordedRequest[];
  /** Every later request gets this reply (default: HTTP 500, empty body). */
  answer(reply: ScriptedReply): void;
  close(): Promise<void>;
}

/**
 * A raw HTTP server standing in for API300 in unit tests: records every request and answers
 * exactly what the test scripted, hostile or broken replies included.
 */
export async function startScriptedServer(): Promise<ScriptedServer> {
  let reply: ScriptedReply = { status: 500, body: '' };
  const requests: RecordedRequest[] = [];
  const hanging: ServerResponse[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      if (reply === 'hang') {
        hanging.push(res);
        return;
      }
      res.writeHead(reply.status ?? 200, {
        'content-type': reply.contentType ?? 'text/xml; charset=utf-8',
        ...reply.headers,
      });
      res.end(reply.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}/Service/API300.asmx`,
    requests,
    answer: (next) => {
      reply = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
