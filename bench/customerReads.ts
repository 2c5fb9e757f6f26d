import { budgetVerdict, fetchSimulatorStats } from './lib/budget';
import { runCustomerReads } from './lib/frontDesk';
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
  type ScenarioResult,
} from './lib/scenario';

/**
 * Customer reads: 3,000 `customer(number)` reads (with reservations and tickets) over 2,000
 * distinct customers from 50 clients — the wide, varied traffic a read-through cache cannot
 * batch. `node dist/bench/customerReads.js [replicas] [KEY=VALUE …]` as for frontDesk.
 */

const CLIENTS = 50;
const TOTAL = 3000;
const DISTINCT = 2000;

export async function customerReads(
  replicas = 1,
  extra: Record<string, string> = {},
): Promise<ScenarioResult> {
  const sim = await startBenchSimulator({ customers: DISTINCT });
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
    const load = await runCustomerReads({
      urls: subgraphs.map((s) => s.url),
      clients: CLIENTS,
      total: TOTAL,
      distinct: DISTINCT,
    });
    const after = await fetchSimulatorStats(sim.baseUrl);
    const answered = load.outcomes.data ?? 0;
    const verdict = budgetVerdict(after, BUDGET);
    const settings = Object.entries(extra)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    return {
      title: `Customer reads (${replicas} replica${replicas > 1 ? 's' : ''}${settings ? `, ${settings}` : ''})`,
      markdown: [
        `${TOTAL} reads over ${DISTINCT} distinct customers, ${CLIENTS} clients; mirror state ` +
          `before the load: ${ready.state} after ${ms(ready.waitedMs)}.`,
        '',
        `Answered with data: **${answered} of ${load.answers.length} ` +
          `(${((answered / Math.max(1, load.answers.length)) * 100).toFixed(1)} %)**; outcomes: ` +
          `${outcomesLine(load.outcomes)}. Latency: ${latencyLine(load.latency)}; wall ${ms(load.wallMs)}.`,
        '',
        `Upstream calls during the load: ${after.calls - before.calls}.`,
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
  runAsMain(() => customerReads(replicas, env));
}
