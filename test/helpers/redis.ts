import { endWithParent } from '../../bench/lib/endWithParent';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { describeWith } from './describeWith';

/**
 * A throwaway `redis-server` for integration tests: a free port, no persistence, stopped and
 * restarted at will (to test what the data path does while Redis is away).
 *
 * Without a `redis-server` binary, `describeWithRedis` skips its block with a warning — or,
 * under CI=true, fails loudly: CI must run these tests. `startRedis` throws in both cases.
 */

export interface RunningRedis {
  /** `redis://127.0.0.1:PORT` */
  url: string;
  port: number;
  /** Stops the server (the port stays reserved for `restart`). */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty. */
  restart(): Promise<void>;
}

const BINARY = process.env.REDIS_SERVER_PATH ?? 'redis-server';

export function redisServerAvailable(): boolean {
  return spawnSync(BINARY, ['--version'], { stdio: 'ignore' }).status === 0;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function launch(port: number): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = endWithParent(
      spawn(
        BINARY,
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      ),
    );
    let output = '';
    let ready = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`redis-server did not start on port ${port}:\n${output}`));
    }, 10_000);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    const exitedEarly = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${code}:\n${output}`));
    };
    child.once('exit', exitedEarly);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (!ready && output.includes('Ready to accept connections')) {
        ready = true;
        clearTimeout(timer);
        child.off('exit', exitedEarly); // not endWithParent's: it must hear the exit
        resolve(child);
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  });
}

function terminate(child: ChildProcess | null): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

export async function startRedis(): Promise<RunningRedis> {
  const port = await freePort();
  let child: ChildProcess | null = await launch(port);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      await terminate(child);
      child = null;
    },
    async restart() {
      await terminate(child);
      child = await launch(port);
    },
  };
}

/** `describe` for tests that need a real Redis; skipped with a warning when there is none (fails under CI=true). */
export function describeWithRedis(name: string, body: () => void): void {
  describeWith(
    name,
    redisServerAvailable() ? true : null,
    () =>
      `redis-server not found (install Debian's "redis-server" package or set REDIS_SERVER_PATH)`,
    'a redis-server to run against',
    () => body(),
  );
}
