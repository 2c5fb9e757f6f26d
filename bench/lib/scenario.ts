import { cpus } from 'node:os';
import {
  DEMO_TOKENS,
  startSimulator,
  type RunningSimulator,
  type SimulatorOptions,
} from '../../src/simulator';
import type { LatencySummary } from './load';
import { IN_MEMORY_STORE } from '../../src/config';

/**
 * What every benchmark scenario shares: its result shape, running alone
 * (`node dist/bench/<scenario>.js`), the simulator it measures against and the subgraph
 * environment pointing at it.
 */

export interface ScenarioResult {
  title: string;
  /** A markdown section (without the heading) for bench/RESULTS.md. */
  markdown: string;
  /** False when the budget verdict or the scenario's own target failed. */
  ok: boolean;
}

/** The upstream budget every scenario runs with (`UPSTREAM_CALLS_PER_MINUTE` default). */
export const BUDGET = 50;

/** Prints the scenario's section; a failed verdict sets a non-zero exit code. */
export function runAsMain(scenario: () => Promise<ScenarioResult>): void {
  scenario().then(
    (result) => {
      console.log(`## ${result.title}\n\n${result.markdown}\n`);
      if (!result.ok) process.exitCode = 1;
      // Keep-alive sockets of the load driver must not hold the process open.
      setTimeout(() => process.exit(), 100).unref();
    },
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}

/** A simulator with the default (realistic) data sizes unless told otherwise. */
export function startBenchSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  return startSimulator({ port: 0, ...options });
}

/** Environment of a subgraph that talks to `sim` with the demo tokens. */
export function subgraphEnv(
  sim: RunningSimulator,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    PORT: '0',
    API300_URL: sim.endpoint,
    API300_CUS_TOKEN: DEMO_TOKENS.cusToken,
    API300_AUTH_TOKEN: DEMO_TOKENS.authToken,
    UPSTREAM_CALLS_PER_MINUTE: String(BUDGET),
    LOG_LEVEL: 'error',
    // A scenario's mirror starts empty unless it names a folder; never the working directory.
    MIRROR_STORE_PATH: IN_MEMORY_STORE,
    ...extra,
  };
}

export const machine = (): string =>
  `${cpus().length} CPUs (${cpus()[0]?.model.trim() ?? 'unknown'}), Node ${process.version}`;

export const ms = (value: number): string =>
  value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(1)} ms`;

export const latencyLine = (l: LatencySummary): string =>
  `p50 ${ms(l.p50)}, p95 ${ms(l.p95)}, p99 ${ms(l.p99)}, max ${ms(l.max)}`;

export function table(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const line = (cells: readonly unknown[]) => `| ${cells.map(String).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

export const outcomesLine = (outcomes: Record<string, number>): string =>
  Object.entries(outcomes)
    .sort((a, b) => b[1] - a[1])
    .map(([outcome, count]) => `${outcome} ${count}`)
    .join(', ') || 'none';

export const sleep = (milliseconds: number) =>
  new Promise((resolve) => setTimeout(resolve, milliseconds));

/**
 * `[replicas] [KEY=VALUE …]` from a scenario's command line: how many subgraph replicas
 * (default 1) and settings for every replica's environment.
 */
export function scenarioArgs(argv: readonly string[]): {
  replicas: number;
  env: Record<string, string>;
} {
  const args = [...argv];
  const replicas = args[0] && /^\d+$/.test(args[0]) ? Number(args.shift()) : 1;
  const env = Object.fromEntries(
    args
      .filter((a) => a.includes('='))
      .map((a) => [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]),
  );
  return { replicas, env };
}
