import { fetchSimulatorStats, budgetVerdict } from './lib/budget';
import { runFrontDeskLoad } from './lib/frontDesk';
import { waitForMirror } from './lib/mirror';
import { forkSubgraph, startRedisServer, type ChildServer } from './lib/processes';
import {
  BUDGET,
  latencyLine,
  ms,
  outcomesLine,
  runAsMain,
  scenarioArgs,
  startBenchSimulator,
  subgraphEnv,
  table,
  type ScenarioResult,
} from './lib/scenario';

/**
 * Front desk: 20 staff clients for 90 s, each serving guests one after another — a customer
 * search per keystroke, one station's day board of the next two weeks, one customer with
 * reservations and tickets — against the default simulator data. Measured as users see it:
 * the share of requests answered with data, and the upstream calls it cost.
 *
 * `node dist/bench/frontDesk.js [replicas] [KEY=VALUE …]`: replicas (default 1) share one
 * throwaway Redis when more than one; KEY=VALUE pairs go into every subgraph's environment
 * (e.g. `MIRROR=off` for the read-through baseline).
 */

const CLIENTS = 20;
const DURATION_MS = 90_000;
const STATIONS = 3;
const CUSTOMERS = 2000;

export async function frontDesk(
  replicas = 1,
  extra: Record<string, string> = {},
): Promise<ScenarioResult> {
  const sim = await startBenchSimulator({ stations: STATIONS, customers: CUSTOMERS });
  const started: ChildServer[] = [];
  try {
    const shared: Record<string, string> = { ...extra };
    if (replicas > 1 && !shared.REDIS_URL) {
      const redis = await startRedisServer();
      started.push(redis);
      shared.REDIS_URL = redis.url;
    }
    const subgraphs: ChildServer[] = [];
    for (let i = 0; i < replicas; i++) {
      const s = await forkSubgraph(subgraphEnv(sim, shared));
      started.push(s);
      subgraphs.push(s);
    }
    const ready = await waitForMirror(subgraphs[0].url);
    const before = await fetchSimulatorStats(sim.baseUrl);
    const load = await runFrontDeskLoad({
      urls: subgraphs.map((s) => s.url),
      clients: CLIENTS,
      durationMs: DURATION_MS,
      stations: STATIONS,
      customers: CUSTOMERS,
    });
    const after = await fetchSimulatorStats(sim.baseUrl);
    const calls = after.calls - before.calls;
    const byOperation = Object.entries(after.callsByOperation)
      .map(([op, n]) => [op, n - (before.callsByOperation[op] ?? 0)] as const)
      .filter(([, n]) => n > 0)
      .map(([op, n]) => `${op} ${n}`)
      .join(', ');
    const answered = load.outcomes.data ?? 0;
    const share = answered / Math.max(1, load.answers.length);
    const verdict = budgetVerdict(after, BUDGET);
    const settings = Object.entries(extra)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    return {
      title: `Front desk (${replicas} replica${replicas > 1 ? 's' : ''}${settings ? `, ${settings}` : ''})`,
      markdown: [
        `${CLIENTS} staff clients, ${DURATION_MS / 1000} s, ${CUSTOMERS} customers, ${STATIONS} stations; ` +
          `mirror state before the load: ${ready.state} after ${ms(ready.waitedMs)}.`,
        '',
        table(
          ['requests', 'answered with data', 'searches', 'day boards', 'customers'],
          [
            [
              load.answers.length,
              `${answered} (${(share * 100).toFixed(1)} %)`,
              `${load.byKind.search.data}/${load.byKind.search.requests}`,
              `${load.byKind.board.data}/${load.byKind.board.requests}`,
              `${load.byKind.customer.data}/${load.byKind.customer.requests}`,
            ],
          ],
        ),
        '',
        `Outcomes: ${outcomesLine(load.outcomes)}. Latency: ${latencyLine(load.latency)}; ` +
          `${load.requestsPerSecond.toFixed(0)} req/s.`,
        '',
        `Upstream calls during the load: ${calls} (${((calls * 60_000) / load.wallMs).toFixed(1)}/min)` +
          `${byOperation ? `: ${byOperation}` : ''}.`,
        '',
        verdict.line,
      ].join('\n'),
      ok: verdict.ok,
    };
  } finally {
    for (const s of started.reverse()) await s.stop();
    await sim.close();
  }
}

if (require.main === module) {
  const { replicas, env } = scenarioArgs(process.argv.slice(2));
  runAsMain(() => frontDesk(replicas, env));
}
