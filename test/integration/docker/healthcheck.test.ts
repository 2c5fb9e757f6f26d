import { execFile } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { healthcheckOf, runtime } from '../../helpers/dockerfile';

/**
 * The image's HEALTHCHECK command, run as Docker would run it (node -e …, with $PORT) against
 * a stand-in /healthz on a real socket.
 */
describe('the HEALTHCHECK command', () => {
  const { command } = healthcheckOf(runtime);

  async function probe(status: number): Promise<number> {
    const server = http.createServer((req, res) => {
      res.writeHead(req.url === '/healthz' ? status : 404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      await promisify(execFile)(process.execPath, command.slice(1), {
        env: { PATH: process.env.PATH, PORT: String(port) },
        timeout: 10_000,
      });
      return 0;
    } catch (e) {
      return (e as { code?: number }).code ?? -1;
    } finally {
      server.close();
    }
  }

  it('passes when /healthz on $PORT answers 200', async () => {
    await expect(probe(200)).resolves.toBe(0);
  });

  it('fails when /healthz answers 503', async () => {
    await expect(probe(503)).resolves.toBe(1);
  });
});
