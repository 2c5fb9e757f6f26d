import { postGraphQL, type GraphQLAnswer } from '../../../bench/lib/graphql';
import { runLoad, type LoadReport } from '../../../bench/lib/load';
import { startSubgraph, type RunningSubgraph } from '../../../src/app/subgraph';
import { IN_MEMORY_STORE, loadConfig } from '../../../src/config';
import type { Clock } from '../../../src/platform/clock';
import type { WindowAtStart } from '../../../src/data/gate/quota';
import { createLogger } from '../../../src/platform/logger';
import {
  DEMO_TOKENS,
  type RunningSimulator,
  type SimulatorOptions,
  type SimulatorStats,
  type TokenPair,
} from '../../../src/simulator';
import { simulatorStats } from '../../helpers/simulator';
import { CUSTOMER_QUERY } from '../../helpers/operations';

/**
 * The whole product as `npm start` builds it (`startSubgraph`: API300 client, gate, caches,
 * Apollo, limits, health) on real sockets, in this process, in front of the simulator.
 * The e2e tests (subgraph.test.ts, budget.test.ts) use it.
 *
 * Every subgraph talks to API300 with the demo token pair. Tests that look at the simulator's
 * data directly use `AUDITOR_TOKENS`, a second pair, so their reads never count against the
 * subgraph's budget (the simulator counts per pair).
 */

export const AUDITOR_TOKENS: TokenPair = {
  cusToken: 'a0d17000-0000-4000-8000-0000000a0d17',
  authToken: 'a0d17000-0000-4000-8000-00000000a0d1',
  licences: ['customers', 'reservations', 'tickets'],
};

export interface E2eSubgraph {
  running: RunningSubgraph;
  url: string;
  /** `…/readyz` of this subgraph. */
  readyzUrl: string;
  query(query: string, variables?: Record<string, unknown>): Promise<GraphQLAnswer>;
  stop(): Promise<void>;
}

export interface E2eSubgraphOptions {
  /** Environment for `loadConfig` (PORT is always 0). Without API300_URL the simulator is embedded. */
  env: Record<string, string>;
  /** Options of the embedded simulator; the auditor pair is always added to its tokens. */
  simulator?: SimulatorOptions;
  /** Clock of the stop's drain period (default the system clock). */
  shutdownClock?: Clock;
  /**
   * What the subgraph may know of its token pair's calls before it starts (default `empty`:
   * these stacks run against a simulator the test has just started). A test that starts a
   * subgraph again against a simulator that was called before says `unknown`.
   */
  windowAtStart?: WindowAtStart;
}

export async function startE2eSubgraph(options: E2eSubgraphOptions): Promise<E2eSubgraph> {
  // No load balancer to tell: stop at once unless a test asks for a drain period.
  // These stacks measure the read-through path (gate, cache, batching): no mirror unless asked.
  // In memory unless a test names a folder: tests never write into the working directory.
  const config = loadConfig({
    SHUTDOWN_DRAIN_MS: '0',
    MIRROR: 'false',
    MIRROR_STORE_PATH: IN_MEMORY_STORE,
    ...options.env,
    PORT: '0',
  });
  const running = await startSubgraph(config, {
    logger: createLogger('silent'),
    host: '127.0.0.1',
    simulator: { ...options.simulator, tokens: [DEMO_TOKENS, AUDITOR_TOKENS] },
    shutdownClock: options.shutdownClock,
    windowAtStart: options.windowAtStart ?? 'empty',
  });
  const clientTimeoutMs = 4 * config.upstream.requestDeadlineMs;
  return {
    running,
    url: running.url,
    readyzUrl: new URL('/readyz', running.url).toString(),
    query: (query, variables) =>
      postGraphQL(running.url, query, { variables, timeoutMs: clientTimeoutMs }),
    stop: () => running.stop(),
  };
}

/** The environment that points a subgraph at a simulator it does not own. */
export function upstreamEnv(sim: RunningSimulator): Record<string, string> {
  return {
    API300_URL: sim.endpoint,
    API300_CUS_TOKEN: DEMO_TOKENS.cusToken,
    API300_AUTH_TOKEN: DEMO_TOKENS.authToken,
  };
}

/** The embedded simulator of a subgraph started without API300_URL. */
export function embeddedSimulator(subgraph: E2eSubgraph): RunningSimulator {
  const sim = subgraph.running.simulator;
  if (!sim)
    throw new Error('this subgraph runs against an external API300, not an embedded simulator');
  return sim;
}

/** Calls the simulator has counted for the subgraphs' (demo) token pair. */
export async function subgraphCalls(sim: RunningSimulator): Promise<number> {
  return demoPairCalls(await simulatorStats(sim));
}

/** The demo pair's calls in `stats` (a pair that made none is not listed). */
export function demoPairCalls(stats: SimulatorStats): number {
  return stats.tokens.find((t) => t.cusToken === DEMO_TOKENS.cusToken)?.calls ?? 0;
}

/** The budget's promise: API300 never saw more than `budget` calls in any 60 s, nothing blocked. */
export async function expectBudgetKept(
  sim: RunningSimulator,
  budget: number,
): Promise<SimulatorStats> {
  const stats = await simulatorStats(sim);
  expect(stats.blockedTokens).toEqual([]);
  expect(stats.maxCallsInAnyWindow).toBeLessThanOrEqual(budget);
  return stats;
}

/** The simulator numbers its seeded customers from here (docs/simulator.md, "Data"). */
export const FIRST_CUSTOMER = 10001;

export interface CustomerLoadOptions {
  /** Subgraphs to spread the clients over (client i talks to `urls[i % urls.length]`). */
  subgraphs: readonly E2eSubgraph[];
  clients: number;
  queries: number;
  /** Distinct customers asked for, FIRST_CUSTOMER onwards; every one at least once when queries ≥ customers. */
  customers: number;
  /** Called with every answer as it comes, with how many came so far (to act mid-load). */
  onAnswer?(answered: number): void;
}

export interface CustomerLoadReport extends LoadReport {
  /**
   * Answers that are neither the asked customer's data, a clear UPSTREAM_RATE_LIMITED with
   * retryAfter, nor API300 late past the request's deadline (UPSTREAM_UNAVAILABLE).
   */
  unclear: Array<{ number: number; outcome: string; detail: unknown }>;
  /** Distinct customers answered with their data. */
  served: Set<number>;
}

/**
 * The budget load: `queries` single-customer queries over `customers` distinct customers from
 * `clients` concurrent clients. Query i asks for customer `i mod customers` in a scrambled
 * order, so concurrent clients ask for different customers and later rounds repeat earlier ones.
 */
export async function runCustomerLoad(options: CustomerLoadOptions): Promise<CustomerLoadReport> {
  const unclear: CustomerLoadReport['unclear'] = [];
  const served = new Set<number>();
  let answered = 0;
  const report = await runLoad({
    clients: options.clients,
    total: options.queries,
    request: async (client, index) => {
      const number = FIRST_CUSTOMER + scramble(index % options.customers, options.customers);
      const subgraph = options.subgraphs[client % options.subgraphs.length];
      const answer = await subgraph.query(CUSTOMER_QUERY, { number });
      const problem = judge(answer, number);
      if (problem === null) {
        if (answer.outcome === 'data') served.add(number);
      } else {
        unclear.push({ number, outcome: answer.outcome, detail: problem });
      }
      return answer;
    },
    onAnswer: () => options.onAnswer?.(++answered),
  });
  return { ...report, unclear, served };
}

/**
 * `null` when the answer is the customer's data, a clear rate limit, or a clear "API300 did not
 * answer before the request deadline" (on a loaded machine a call of the first burst can outlive
 * a short deadline, and the requests that joined it hear so); else what is wrong with it.
 */
function judge(answer: GraphQLAnswer, number: number): unknown {
  const body = answer.body;
  if (answer.outcome === 'data') {
    const customer = body?.data?.customer as { number?: unknown } | null | undefined;
    return customer?.number === number ? null : { data: body?.data };
  }
  if (answer.outcome === 'UPSTREAM_UNAVAILABLE') {
    const late = (body?.errors ?? []).every(
      (e) =>
        e.extensions?.code === 'UPSTREAM_UNAVAILABLE' &&
        e.message === 'API300 did not answer before the request deadline',
    );
    return late ? null : { status: answer.status, body };
  }
  if (answer.outcome !== 'UPSTREAM_RATE_LIMITED') return { status: answer.status, body };
  const errors = body?.errors ?? [];
  const clear = errors.every(
    (e) =>
      e.extensions?.code === 'UPSTREAM_RATE_LIMITED' &&
      typeof e.extensions.retryAfter === 'number' &&
      e.extensions.retryAfter > 0,
  );
  return clear ? null : { errors };
}

/** A permutation of 0..size-1 (a stride coprime to size), so neighbours in time differ. */
function scramble(i: number, size: number): number {
  let stride = Math.floor(size * 0.618) | 1;
  while (gcd(stride, size) !== 1) stride += 2;
  return (i * stride) % size;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}
