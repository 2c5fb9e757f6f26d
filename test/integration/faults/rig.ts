import { setTimeout as pause } from 'node:timers/promises';
import { postGraphQL, type GraphQLAnswer } from '../../../bench/lib/graphql';
import { runLoad, type AnswerRecord, type LoadReport } from '../../../bench/lib/load';
import { startSubgraph, type RunningSubgraph } from '../../../src/app/subgraph';
import { IN_MEMORY_STORE, loadConfig } from '../../../src/config';
import { createLogger } from '../../../src/platform/logger';
import { DEMO_TOKENS, type RunningSimulator, type SimulatorOptions } from '../../../src/simulator';
import { CUSTOMER_QUERY, CUSTOMERS_QUERY } from '../../helpers/operations';
import { simulatorStats, startTestSimulator } from '../../helpers/simulator';

/**
 * A subgraph (in this process, real sockets) in front of a small test simulator, with short
 * request deadlines so fault tests stay fast. The fault tests' own rig; the operations they
 * send are shared (test/helpers/operations.ts).
 */

export const DEADLINE_MS = 1500;
export const BUDGET = 50;
/**
 * How far past its deadline an answer may arrive: the deadline bounds the upstream work; the
 * rest (GraphQL execution, JSON, the socket) must fit in this, on a busy CI machine too.
 */
export const ANSWER_SLACK_MS = 500;
/**
 * Cache TTL of the fault tests: short, so that warmed entries are stale (served while a
 * refresh runs) when the fault hits. The back-off after a failed refresh follows the TTL
 * (min(TTL, 10 s)), so 1 s also keeps refreshes of a failing key to about one a second.
 */
export const CACHE_TTL_MS = 1000;

/** Outcomes that are "data or a clear error code" under upstream faults. */
export const CLEAR_UPSTREAM_OUTCOMES = ['data', 'UPSTREAM_UNAVAILABLE', 'UPSTREAM_RATE_LIMITED'];

export interface FaultRig {
  sim: RunningSimulator;
  subgraph: RunningSubgraph;
  url: string;
  query(query: string, variables?: Record<string, unknown>): Promise<GraphQLAnswer>;
  /** Closes the simulator (the endpoint refuses connections until `reopenSimulator`). */
  closeSimulator(): Promise<void>;
  /** Starts a fresh simulator (same seed and data, fresh counters) on the old port. */
  reopenSimulator(): Promise<void>;
  stop(): Promise<void>;
}

export interface FaultRigOptions {
  /** Environment for `loadConfig` on top of the rig's (deadline, endpoint, tokens). */
  env?: Record<string, string>;
  simulator?: SimulatorOptions;
}

export async function startFaultRig(options: FaultRigOptions = {}): Promise<FaultRig> {
  let sim = await startTestSimulator(options.simulator);
  const config = loadConfig({
    PORT: '0',
    // The faults are those of the read-through path; the mirror's own are tested on their own.
    MIRROR: 'false',
    MIRROR_STORE_PATH: IN_MEMORY_STORE,
    API300_URL: sim.endpoint,
    API300_CUS_TOKEN: DEMO_TOKENS.cusToken,
    API300_AUTH_TOKEN: DEMO_TOKENS.authToken,
    REQUEST_DEADLINE_MS: String(DEADLINE_MS),
    UPSTREAM_CALLS_PER_MINUTE: String(BUDGET),
    CACHE_TTL_MS: String(CACHE_TTL_MS),
    // No load balancer to tell: stop at once.
    SHUTDOWN_DRAIN_MS: '0',
    ...options.env,
  });
  let subgraph: RunningSubgraph;
  try {
    // The simulator was just started: nobody has called it.
    subgraph = await startSubgraph(config, {
      logger: createLogger('silent'),
      host: '127.0.0.1',
      windowAtStart: 'empty',
    });
  } catch (e) {
    await sim.close();
    throw e;
  }
  const rig: FaultRig = {
    sim,
    subgraph,
    url: subgraph.url,
    query: (query, variables) =>
      postGraphQL(subgraph.url, query, { variables, timeoutMs: 4 * DEADLINE_MS }),
    closeSimulator: () => sim.close(),
    async reopenSimulator() {
      sim = await startTestSimulator({ ...options.simulator, port: sim.port });
      rig.sim = sim;
    },
    async stop() {
      await subgraph.stop();
      await sim.close().catch(() => {});
    },
  };
  return rig;
}

/**
 * Loads the `WARM` customers into the cache with one request (failing the test unless all
 * came back), then waits until their entries are past the TTL.
 */
export async function warmCustomersUntilStale(rig: FaultRig): Promise<void> {
  const answer = await rig.query(CUSTOMERS_QUERY, { numbers: WARM });
  const edges = (answer.body?.data?.customers as { edges: unknown[] } | undefined)?.edges;
  if (answer.outcome !== 'data' || edges?.length !== WARM.length)
    throw new Error(`warming the cache failed: ${answer.outcome}`);
  await pause(CACHE_TTL_MS + 100);
}

/**
 * Answers that broke the promise: not data or a clear code, or later than deadline + slack
 * in the subgraph's own time — the answer's latency less the time this process was not
 * running (`MixedLoadReport.stalledMs`).
 */
export function brokenPromises(
  report: MixedLoadReport,
  allowed: readonly string[] = CLEAR_UPSTREAM_OUTCOMES,
): AnswerRecord[] {
  return report.answers.filter(
    (a) =>
      !allowed.includes(a.outcome) ||
      a.latencyMs - report.stalledMs(a) > DEADLINE_MS + ANSWER_SLACK_MS,
  );
}

/** The simulator never saw more than the budget in any 60 s window, and no pair is blocked. */
export async function expectNoUpstreamLock(sim: RunningSimulator): Promise<void> {
  const stats = await simulatorStats(sim);
  expect(stats.blockedTokens).toEqual([]);
  expect(stats.maxCallsInAnyWindow).toBeLessThanOrEqual(BUDGET);
}

/** Customers the tests load into the cache before a fault. */
export const WARM = [10001, 10002, 10003];
/** Customers nobody asked for before the fault. */
const COLD = Array.from({ length: 40 }, (_, i) => 10011 + i);
/**
 * The client asking for uncached customers pauses between requests, so the budget a test
 * spends stays far below one minute's: recovery must not wait for the window to slide.
 */
const COLD_PAUSE_MS = 300;

/** The client of `runMixedLoad` that asks for customers not seen before. */
export const COLD_CLIENT = 4;

export interface MixedLoadReport extends LoadReport {
  /**
   * How long this process was kept off the CPU while `answer` was on its way (a loaded
   * machine): the load, the subgraph and the simulator share this process, so such time
   * delays every answer alike.
   */
  stalledMs(answer: AnswerRecord): number;
}

export interface MixedLoadOptions {
  /** Told of every answer as it comes, with its client (e.g. to act mid-load). */
  onAnswer?(answer: GraphQLAnswer, client: number): void;
  /** Keeps the load going past its duration while this returns true (steps still to come). */
  extendWhile?(): boolean;
}

/**
 * The load under a fault: four clients read cached customers (client 0..3) as fast as they
 * are answered, one (`COLD_CLIENT`, paced) asks for customers not seen before.
 */
export async function runMixedLoad(
  rig: FaultRig,
  durationMs: number,
  options: MixedLoadOptions = {},
): Promise<MixedLoadReport> {
  let cold = 0;
  const stalls = startStallMeter();
  const stalled = new Map<number, number>();
  try {
    const report = await runLoad({
      clients: 5,
      durationMs,
      extendWhile: options.extendWhile,
      request: async (client, index) => {
        if (client === COLD_CLIENT) await pause(COLD_PAUSE_MS);
        const number =
          client === COLD_CLIENT ? COLD[cold++ % COLD.length] : WARM[index % WARM.length];
        const sent = performance.now();
        const answer = await rig.query(CUSTOMER_QUERY, { number });
        stalled.set(index, stalls.within(sent, performance.now()));
        options.onAnswer?.(answer, client);
        return answer;
      },
    });
    return { ...report, stalledMs: (answer) => stalled.get(answer.index) ?? 0 };
  } finally {
    stalls.stop();
  }
}

/** How often the stall meter expects to run. */
const STALL_TICK_MS = 10;

interface StallMeter {
  /** Milliseconds of [from, to] (`performance.now()`) this process's thread was kept off the CPU. */
  within(from: number, to: number): number;
  stop(): void;
}

/**
 * Measures when this process was not given the CPU: a timer due every `STALL_TICK_MS` that
 * fires late, and whose thread did not run for that long, was descheduled for the
 * difference. On a loaded machine (CI: two Jest workers on two cores, Chromium, PostgreSQL)
 * the load, the subgraph and the simulator here all wait that long, through no fault of the
 * subgraph; time the thread spent running (its own work, however slow) still counts.
 */
function startStallMeter(): StallMeter {
  const stalls: { from: number; to: number }[] = [];
  let last = performance.now();
  let cpu = process.threadCpuUsage();
  const timer = setInterval(() => {
    const now = performance.now();
    const ran = process.threadCpuUsage(cpu);
    const offCpuMs = now - last - STALL_TICK_MS - (ran.user + ran.system) / 1000;
    if (offCpuMs > STALL_TICK_MS) stalls.push({ from: now - offCpuMs, to: now });
    last = now;
    cpu = process.threadCpuUsage();
  }, STALL_TICK_MS);
  return {
    within: (from, to) =>
      stalls.reduce((sum, s) => sum + Math.max(0, Math.min(to, s.to) - Math.max(from, s.from)), 0),
    stop: () => clearInterval(timer),
  };
}

/** Cached customers (clients 0..3 of `runMixedLoad`) were all answered with data. */
export function expectCachedCustomersServed(report: LoadReport): void {
  const warm = report.answers.filter((a) => a.client !== COLD_CLIENT);
  expect(warm.length).toBeGreaterThan(0);
  expect(new Set(warm.map((a) => a.outcome))).toEqual(new Set(['data']));
}
