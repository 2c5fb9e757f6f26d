import { fork, spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { endWithParent } from './endWithParent';

/**
 * Child processes of the benchmarks: subgraph replicas (bench/lib/subgraphProcess.ts), the
 * bare Apollo Server of the hot-read comparison, and a throwaway redis-server. Each is
 * stopped by its own pid, never by name.
 */

export interface ChildServer {
  url: string;
  pid: number;
  stop(): Promise<void>;
  /** SIGKILL, as the OOM killer or a node failure ends it; resolves once it exited. */
  kill?(): Promise<void>;
}

const READY_TIMEOUT_MS = 30_000;

/**
 * Forks a compiled entry (a sibling `.js` of this file) that sends `{ url }` over IPC once it
 * listens. `env` is added to this process's environment.
 */
export function forkServer(entry: string, env: Record<string, string>): Promise<ChildServer> {
  const child = endWithParent(
    fork(join(__dirname, `${entry}.js`), [], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    }),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${entry} did not report its URL within ${READY_TIMEOUT_MS} ms`));
    }, READY_TIMEOUT_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${entry} exited with code ${code} before listening`));
    });
    child.once('message', (message) => {
      clearTimeout(timer);
      const { url } = message as { url: string };
      resolve({
        url,
        pid: child.pid!,
        stop: () => stopChild(child, 'stop'),
        kill: () => killChild(child),
      });
    });
  });
}

/**
 * One subgraph replica configured by `env` (as `npm start` would be), stopping without a
 * drain period unless `env` sets one: no load balancer is in front of it.
 */
export const forkSubgraph = (env: Record<string, string>): Promise<ChildServer> =>
  forkServer('subgraphProcess', { SHUTDOWN_DRAIN_MS: '0', ...env });

function stopChild(child: ChildProcess, message?: string): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    if (message && child.connected) child.send(message);
    else child.kill('SIGTERM');
  });
}

function killChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/** A free TCP port on 127.0.0.1 (for servers that cannot be told to pick one, like redis-server). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/**
 * `redis-server` on a free port without persistence; `url` is `redis://127.0.0.1:PORT`.
 * (test/helpers/redis.ts has the restartable one for tests; the benchmark build has no jest
 * types, so it cannot import that file.)
 */
export async function startRedisServer(): Promise<ChildServer> {
  const port = await freePort();
  const child = endWithParent(
    spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    ),
  );
  await new Promise<void>((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(
      () => reject(new Error('redis-server did not get ready')),
      READY_TIMEOUT_MS,
    );
    child.once('error', reject);
    child.stdout.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes('Ready to accept connections')) {
        clearTimeout(timer);
        child.stdout.removeAllListeners('data');
        child.stdout.resume();
        resolve();
      }
    });
  });
  return { url: `redis://127.0.0.1:${port}`, pid: child.pid!, stop: () => stopChild(child) };
}
