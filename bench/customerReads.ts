import { budgetVerdict, fetchSimulatorStats } from './lib/budget';
import { runCustomerReads } from './lib/frontDesk';
import { waitForMirror } from './lib/mirror';
import { startReplicaSet } from './lib/replicaSet';
import {
  BUDGET,
  latencyLine,
  ms,
  outcomesLine,
  runAsMain,
  scenarioArgs,
  startBenchSimulator,
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
  const set = await startReplicaSet(sim, replicas, extra).catch(async (error: unknown) => {
    await sim.close();
    throw error;
  });
  const { subgraphs } = set;
  try {
    const waits = await Promise.all(subgraphs.map((s) => waitForMirror(s.url)));
    const ready = waits.reduce((a, b) => (b.waitedMs > a.waitedMs ? b : a));
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
    await set.stop();
    await sim.close();
  }
}

if (require.main === module) {
  const { replicas, env } = scenarioArgs(process.argv.slice(2));
  runAsMain(() => customerReads(replicas, env));
}
