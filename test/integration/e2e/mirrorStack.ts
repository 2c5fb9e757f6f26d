import { setTimeout as pause } from 'node:timers/promises';
import type { MirrorStatus } from '../../../src/data/mirror/mirror';
import {
  DEMO_TOKENS,
  type RunningSimulator,
  type SimulatorOptions,
  type TokenPair,
} from '../../../src/simulator';
import { SMALL_DATA, simulatorStats, startTestSimulator } from '../../helpers/simulator';
import { AUDITOR_TOKENS, startE2eSubgraph, upstreamEnv, type E2eSubgraph } from './stack';

/**
 * A mirrored subgraph in front of a simulator the test owns (so the test can change data at
 * the till before the subgraph starts, and a second subgraph can follow on the same data).
 * The mirror tests (mirror.test.ts, mirrorResilience.test.ts) use it.
 */

/** Settings every mirrored stack shares: the mirror on, the whole read share for the sync. */
export const MIRROR_ENV = {
  MIRROR: 'true',
  MIRROR_SYNC_INTERVAL_MS: '500',
  MIRROR_SYNC_SHARE: '1',
  REQUEST_DEADLINE_MS: '3000',
} as const;

/** No delta pass for an hour after the initial load: every later upstream call is the reads'. */
export const NO_DELTAS = { MIRROR_SYNC_INTERVAL_MS: '3600000' } as const;

/** A simulator with small data, the demo pair (licences as given) and the auditor pair. */
export async function startMirrorSimulator(
  options: SimulatorOptions & { subgraphLicences?: TokenPair['licences'] } = {},
): Promise<RunningSimulator> {
  const { subgraphLicences, ...rest } = options;
  const subgraphPair: TokenPair = {
    ...DEMO_TOKENS,
    licences: subgraphLicences ?? DEMO_TOKENS.licences,
  };
  return startTestSimulator({ ...SMALL_DATA, ...rest, tokens: [subgraphPair, AUDITOR_TOKENS] });
}

export function startMirroredSubgraph(
  sim: RunningSimulator,
  env: Record<string, string> = {},
): Promise<E2eSubgraph> {
  return startE2eSubgraph({ env: { ...MIRROR_ENV, ...upstreamEnv(sim), ...env } });
}

export interface Readiness {
  status: number;
  ready: boolean;
  checks: Record<string, { ok: boolean; detail?: string }>;
  mirror: MirrorStatus | null;
}

export async function readiness(subgraph: E2eSubgraph): Promise<Readiness> {
  const response = await fetch(subgraph.readyzUrl);
  const body = (await response.json()) as Omit<Readiness, 'status'>;
  return { status: response.status, ...body };
}

/**
 * Polls `/readyz` until `accept` holds; throws with the last body after `timeoutMs` (generous:
 * a bound against hanging, never a performance goal).
 */
export async function waitForReadiness(
  subgraph: E2eSubgraph,
  accept: (r: Readiness) => boolean,
  timeoutMs = 60_000,
): Promise<Readiness> {
  const deadline = Date.now() + timeoutMs;
  let last: Readiness | null = null;
  while (Date.now() < deadline) {
    last = await readiness(subgraph);
    if (accept(last)) return last;
    await pause(100);
  }
  throw new Error(`readiness not reached in ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
}

/** Until the mirror reports `synced` (every kind loaded and fresh). */
export const waitForSynced = (subgraph: E2eSubgraph): Promise<Readiness> =>
  waitForReadiness(subgraph, (r) => r.mirror?.state === 'synced');

/** Polls `probe` until it returns something other than `undefined`; throws after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await pause(100);
  }
  throw new Error(`${what}: not seen within ${timeoutMs} ms`);
}

/** The simulator's calls by operation, all pairs. */
export async function callsByOperation(sim: RunningSimulator): Promise<Record<string, number>> {
  return { ...(await simulatorStats(sim)).callsByOperation };
}

/** Calls per operation made between two `callsByOperation` snapshots (operations with none left out). */
export function callsBetween(
  before: Record<string, number>,
  after: Record<string, number>,
): Record<string, number> {
  const diff: Record<string, number> = {};
  for (const [operation, count] of Object.entries(after)) {
    const made = count - (before[operation] ?? 0);
    if (made !== 0) diff[operation] = made;
  }
  return diff;
}

/** What a test started, stopped newest first (subgraphs before the simulator they use). */
export function createStarted() {
  const started: Array<() => Promise<unknown>> = [];
  return {
    track<T>(value: T, stop: (v: T) => Promise<unknown>): T {
      started.push(() => stop(value));
      return value;
    },
    async stopAll(): Promise<void> {
      for (const stop of started.splice(0).reverse()) await stop().catch(() => undefined);
    },
  };
}
