import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { endWithParent, killTree } from './endWithParent';
import { freePort } from './processes';

/**
 * Hive Gateway (`@graphql-hive/gateway`, not a dependency of this project: ~500 MB, 745
 * packages) in front of this subgraph, for the benchmark (bench/hiveGateway.ts) and the
 * integration test (test/integration/federation/hiveGateway.test.ts). `.ci/run` installs the
 * pinned version into a cache outside the repository, as it does Node.js, and names the binary
 * in `HIVE_GATEWAY_BIN`.
 */

/** The version `.ci/run` installs (keep the two equal). */
export const HIVE_GATEWAY_VERSION = '2.15.1';

/** Where `.ci/run` installs it: `${XDG_CACHE_HOME:-$HOME/.cache}/hypersoft-hive-gateway/…`. */
export function hiveGatewayCacheBin(env: NodeJS.ProcessEnv = process.env): string {
  const cache = env.XDG_CACHE_HOME || join(env.HOME || homedir() || tmpdir(), '.cache');
  return join(
    cache,
    'hypersoft-hive-gateway',
    `hive-gateway-v${HIVE_GATEWAY_VERSION}`,
    'node_modules',
    '.bin',
    'hive-gateway',
  );
}

/** `HIVE_GATEWAY_BIN` when set (it must then exist), else the cache's binary if installed. */
export function findHiveGateway(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.HIVE_GATEWAY_BIN) return existsSync(env.HIVE_GATEWAY_BIN) ? env.HIVE_GATEWAY_BIN : null;
  const cached = hiveGatewayCacheBin(env);
  return existsSync(cached) ? cached : null;
}

/** A folder holding the supergraph composed from one subgraph's `_service` SDL. */
export interface Supergraph {
  folder: string;
  path: string;
  remove(): void;
}

export async function composeSupergraph(name: string, subgraphUrl: string): Promise<Supergraph> {
  const answer = (await (
    await fetch(subgraphUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ _service { sdl } }' }),
    })
  ).json()) as { data?: { _service?: { sdl?: string } } };
  const sdl = answer.data?._service?.sdl;
  if (typeof sdl !== 'string') throw new Error(`no SDL from ${subgraphUrl}`);
  const composed = composeServices([{ name, url: subgraphUrl, typeDefs: parse(sdl) }]);
  if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join('\n'));
  const folder = mkdtempSync(join(tmpdir(), 'hive-gateway-'));
  const path = join(folder, 'supergraph.graphql');
  writeFileSync(path, composed.supergraphSdl);
  return { folder, path, remove: () => rmSync(folder, { recursive: true, force: true }) };
}

export interface RunningHiveGateway {
  /** `http://127.0.0.1:PORT/graphql` */
  url: string;
  pid: number;
  /** What the gateway printed (stdout and stderr), for a failure's message. */
  output(): string;
  /** SIGKILLs the gateway's whole process tree; resolves once it exited. */
  stop(): Promise<void>;
}

/**
 * Starts the gateway on a free port over `supergraph`; it reaches subgraph `name`'s
 * subscriptions over `kind` (`ws`: graphql-ws, `http`: SSE). Resolves once `/readiness`
 * answers 200; the gateway dies with this process (endWithParent).
 */
export async function startHiveGateway(options: {
  bin: string;
  supergraph: Supergraph;
  name: string;
  kind: 'ws' | 'http';
  timeoutMs?: number;
}): Promise<RunningHiveGateway> {
  const { bin, supergraph, name, kind, timeoutMs = 60_000 } = options;
  const folder = mkdtempSync(join(supergraph.folder, `${kind}-`));
  writeFileSync(
    join(folder, 'gateway.config.mjs'),
    `export const gatewayConfig = { transportEntries: { ${JSON.stringify(name)}: { options: { subscriptions: { kind: '${kind}' } } } } };\n`,
  );
  const port = await freePort();
  const child = endWithParent(
    spawn(
      bin,
      ['supergraph', supergraph.path, '--port', String(port), '--host', '127.0.0.1', '--fork', '1'],
      {
        cwd: folder,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    ),
  );
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-20_000);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  const stop = async () => {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null)
      killTree(child.pid);
    await exited;
  };
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`hive-gateway exited (${child.exitCode ?? child.signalCode}):\n${output}`);
    }
    const ready = await fetch(`${base}/readiness`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`hive-gateway not ready within ${timeoutMs} ms:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { url: `${base}/graphql`, pid: child.pid!, output: () => output, stop };
}
