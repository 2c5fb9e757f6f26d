import { API300_MAX_RECORDS } from '../src/domain/models';
import { DEFAULT_SEED } from '../src/simulator';
import { generateData } from '../src/simulator/data';
import { budgetVerdict, fetchSimulatorStats } from './lib/budget';
import { opsLine } from './lib/boardReport';
import { postGraphQL, type GraphQLAnswer } from './lib/graphql';
import { countOutcomes, runLoad, summarizeLatencies, type AnswerRecord } from './lib/load';
import { forkSubgraph } from './lib/processes';
import {
  BUDGET,
  latencyLine,
  ms,
  outcomesLine,
  runAsMain,
  sleep,
  startBenchSimulator,
  subgraphEnv,
  table,
  type ScenarioResult,
} from './lib/scenario';

/**
 * Cold start: an empty cache, and 2,000 distinct customers asked for by 20 clients within
 * 60 s, one `customer(number)` query each. Two arrival patterns, each on a fresh subgraph and
 * simulator:
 * - paced: the 2,000 requests arrive evenly over 60 s (20 clients, each one request every
 *   600 ms, not waiting for answers), so misses pile up while the gate waits for budget and
 *   coalesce into large calls;
 * - burst: 20 closed-loop clients ask as fast as they are answered, so at most 20 misses are
 *   ever pending.
 * The ceiling is 60 calls × 500 records a minute (30,000); the budget allows 50 calls.
 *
 * Before both, the simulator's seed data at its default sizes is built once and timed: every
 * test and scenario starts a simulator, so its start must stay well under a second.
 */

const CUSTOMERS = 2000;
const CLIENTS = 20;
const WINDOW_MS = 60_000;
const FIRST_CUSTOMER = 10001;
const CEILING_PER_MINUTE = 60 * API300_MAX_RECORDS;
/** The simulator's default data sizes (src/simulator/index.ts) and the goal for building them. */
const SEED_SIZES = { customers: 2000, reservations: 6000, tickets: 1500, stations: 3 };
const SEED_GOAL_MS = 1000;

const CUSTOMER_QUERY = /* GraphQL */ `
  query Customer($number: Int!) {
    customer(number: $number) {
      number
      firstName
      lastName
      email
    }
  }
`;

/** e.g. `2200 (7.3 % of 30000)`. */
const percentOfCeiling = (recordsPerMinute: number): string =>
  `${Math.round(recordsPerMinute)} (${((recordsPerMinute / CEILING_PER_MINUTE) * 100).toFixed(1)} % of ${CEILING_PER_MINUTE})`;

interface Pattern {
  name: string;
  drive(url: string): Promise<AnswerRecord[]>;
}

const ask = (url: string, index: number): Promise<GraphQLAnswer> =>
  postGraphQL(url, CUSTOMER_QUERY, { variables: { number: FIRST_CUSTOMER + index } });

const paced: Pattern = {
  name: 'paced (open loop, even arrivals over 60 s)',
  async drive(url) {
    const started = performance.now();
    const gap = WINDOW_MS / CUSTOMERS;
    return Promise.all(
      Array.from({ length: CUSTOMERS }, async (_, index): Promise<AnswerRecord> => {
        await sleep(index * gap);
        const startedAtMs = performance.now() - started;
        const answer = await ask(url, index);
        return { index, client: index % CLIENTS, startedAtMs, ...answer };
      }),
    );
  },
};

const burst: Pattern = {
  name: 'burst (20 closed-loop clients)',
  async drive(url) {
    const load = await runLoad({
      clients: CLIENTS,
      total: CUSTOMERS,
      durationMs: WINDOW_MS,
      request: (_client, index) => ask(url, index),
    });
    return load.answers;
  },
};

export async function coldStart(): Promise<ScenarioResult> {
  const rows: unknown[][] = [];
  const verdicts: string[] = [];
  const seedStarted = performance.now();
  generateData(DEFAULT_SEED + 1, SEED_SIZES, Date.now());
  const seedMs = performance.now() - seedStarted;
  let ok = seedMs < SEED_GOAL_MS;
  verdicts.push(
    `simulator seed data (${SEED_SIZES.customers} customers, ${SEED_SIZES.reservations} ` +
      `reservations, ${SEED_SIZES.tickets} tickets, ${SEED_SIZES.stations} stations): built in ` +
      `${ms(seedMs)} — ${ok ? 'within' : 'FAILED'} the goal of ${ms(SEED_GOAL_MS)}`,
  );
  for (const pattern of [paced, burst]) {
    const sim = await startBenchSimulator({ customers: CUSTOMERS });
    const subgraph = await forkSubgraph(subgraphEnv(sim));
    try {
      const before = await fetchSimulatorStats(sim.baseUrl);
      const started = performance.now();
      const answers = await pattern.drive(subgraph.url);
      const wallMs = performance.now() - started;
      const after = await fetchSimulatorStats(sim.baseUrl);
      const outcomes = countOutcomes(answers);
      const served = outcomes.data ?? 0;
      const servedInWindow = answers.filter(
        (a) => a.outcome === 'data' && a.startedAtMs + a.latencyMs <= WINDOW_MS,
      ).length;
      const calls = after.calls - before.calls;
      const customerCalls =
        (after.callsByOperation.GetCustomers ?? 0) - (before.callsByOperation.GetCustomers ?? 0);
      const verdict = budgetVerdict(after, BUDGET);
      ok &&= verdict.ok;
      verdicts.push(`${pattern.name}: ${verdict.line}`);
      rows.push([
        pattern.name,
        `${served} / ${CUSTOMERS}`,
        servedInWindow,
        outcomesLine(outcomes),
        `${calls} (${opsLine(before, after)})`,
        customerCalls === 0 ? '–' : (served / customerCalls).toFixed(1),
        customerCalls === 0 ? '–' : percentOfCeiling((served / customerCalls) * BUDGET),
        latencyLine(summarizeLatencies(answers.map((a) => a.latencyMs))),
        ms(wallMs),
      ]);
    } finally {
      await subgraph.stop();
      await sim.close();
    }
  }
  return {
    title: 'Cold start',
    markdown: [
      `${CUSTOMERS} distinct customers, ${CLIENTS} clients, one \`customer(number)\` query each, ` +
        'empty cache, one subgraph process, request deadline 10 s (default).',
      '',
      table(
        [
          'arrivals',
          'served with data',
          'served within 60 s',
          'outcomes',
          'upstream calls',
          'records per GetCustomers call (max 500)',
          `records/min at ${BUDGET} such calls (ceiling 60 × 500)`,
          'latency',
          'wall time',
        ],
        rows,
      ),
      '',
      ...verdicts,
    ].join('\n'),
    ok,
  };
}

if (require.main === module) runAsMain(coldStart);
