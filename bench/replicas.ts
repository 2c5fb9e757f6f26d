import { runBoardLoad } from './lib/board';
import { boardReport } from './lib/boardReport';
import { fetchSimulatorStats } from './lib/budget';
import { forkSubgraph, startRedisServer, type ChildServer } from './lib/processes';
import {
  BUDGET,
  runAsMain,
  startBenchSimulator,
  subgraphEnv,
  type ScenarioResult,
} from './lib/scenario';
import { CLIENTS, DURATION_MS } from './reservationBoard';

/**
 * Replicas: three subgraph processes sharing one token pair and one Redis (a throwaway
 * redis-server on a free port) under the reservation-board load, spread evenly over the
 * three. The shared budget must hold: the simulator's `maxCallsInAnyWindow` ≤ budget.
 */

const REPLICAS = 3;
const STATIONS = 3;

export async function replicas(): Promise<ScenarioResult> {
  const sim = await startBenchSimulator({ stations: STATIONS });
  const started: ChildServer[] = [];
  try {
    const redis = await startRedisServer();
    started.push(redis);
    const subgraphs = await Promise.all(
      Array.from({ length: REPLICAS }, () =>
        forkSubgraph(subgraphEnv(sim, { REDIS_URL: redis.url })),
      ),
    );
    started.push(...subgraphs);
    const before = await fetchSimulatorStats(sim.baseUrl);
    const load = await runBoardLoad({
      urls: subgraphs.map((s) => s.url),
      clients: CLIENTS,
      durationMs: DURATION_MS,
      stations: STATIONS,
    });
    const after = await fetchSimulatorStats(sim.baseUrl);
    const report = boardReport(load, before, after, BUDGET);
    return {
      title: 'Replicas',
      markdown:
        `${REPLICAS} subgraph processes, one redis-server (no persistence), one token pair, ` +
        `${CLIENTS} board clients for ${DURATION_MS / 1000} s spread evenly over the replicas, ` +
        `budget ${BUDGET}/min shared.\n\n${report.markdown}`,
      ok: report.ok,
    };
  } finally {
    for (const s of started.reverse()) await s.stop();
    await sim.close();
  }
}

if (require.main === module) runAsMain(replicas);
