import { postGraphQL, type GraphQLAnswer } from '../../../bench/lib/graphql';
import type { AnswerRecord } from '../../../bench/lib/load';
import { startSubgraph, type RunningSubgraph } from '../../../src/bootstrap';
import { loadConfig } from '../../../src/config';
import { createLogger } from '../../../src/logger';
import { DEMO_TOKENS, type RunningSimulator, type SimulatorOptions } from '../../../src/simulator';
import { simulatorStats, startTestSimulator } from '../../helpers/simulator';

/**
 * A subgraph (in this process, real sockets) in front of a small test simulator, with short
 * request deadlines so fault tests stay fast. Shared by the fault tests only.
 */

export const DEADLINE_MS = 1500;
export const BUDGET = 50;
/**
 * How far past its deadline an answer may arrive: the deadline bounds the upstream work; the
 * rest (GraphQL execution, JSON, the socket) must fit in this, on a busy CI machine too.
 */
export const ANSWER_SLACK_MS = 500;

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
    API300_URL: sim.endpoint,
    API300_CUS_TOKEN: DEMO_TOKENS.cusToken,
    API300_AUTH_TOKEN: DEMO_TOKENS.authToken,
    REQUEST_DEADLINE_MS: String(DEADLINE_MS),
    UPSTREAM_CALLS_PER_MINUTE: String(BUDGET),
    ...options.env,
  });
  let subgraph: RunningSubgraph;
  try {
    subgraph = await startSubgraph(config, { logger: createLogger('silent'), host: '127.0.0.1' });
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

export const CUSTOMER_QUERY = /* GraphQL */ `
  query Customer($number: Int!) {
    customer(number: $number) {
      number
      lastName
    }
  }
`;

export const CUSTOMERS_QUERY = /* GraphQL */ `
  query Customers($numbers: [Int!]!) {
    customers(filter: { numbers: $numbers }, first: 500) {
      edges {
        node {
          number
          lastName
        }
      }
    }
  }
`;

/** Loads `numbers` into the cache with one request; fails the test unless all came back. */
export async function warmCustomers(rig: FaultRig, numbers: readonly number[]): Promise<void> {
  const answer = await rig.query(CUSTOMERS_QUERY, { numbers });
  const edges = (answer.body?.data?.customers as { edges: unknown[] } | undefined)?.edges;
  if (answer.outcome !== 'data' || edges?.length !== numbers.length)
    throw new Error(`warming the cache failed: ${answer.outcome}`);
}

/** Answers that broke the promise: not data or a clear code, or later than deadline + slack. */
export function brokenPromises(
  answers: readonly AnswerRecord[],
  allowed: readonly string[] = CLEAR_UPSTREAM_OUTCOMES,
): AnswerRecord[] {
  return answers.filter(
    (a) => !allowed.includes(a.outcome) || a.latencyMs > DEADLINE_MS + ANSWER_SLACK_MS,
  );
}

/** The simulator never saw more than the budget in any 60 s window, and no pair is blocked. */
export async function expectNoUpstreamLock(sim: RunningSimulator): Promise<void> {
  const stats = await simulatorStats(sim);
  expect(stats.blockedTokens).toEqual([]);
  expect(stats.maxCallsInAnyWindow).toBeLessThanOrEqual(BUDGET);
}
