import { runBoardLoad } from './lib/board';
import { boardReport } from './lib/boardReport';
import { fetchSimulatorStats } from './lib/budget';
import { forkSubgraph } from './lib/processes';
import {
  BUDGET,
  runAsMain,
  startBenchSimulator,
  subgraphEnv,
  type ScenarioResult,
} from './lib/scenario';

/**
 * Reservation board: 50 front-desk screens refresh one station's reservations of one day
 * (with customers and tickets) for 60 s against one subgraph over the default simulator data.
 */

export const CLIENTS = 50;
export const DURATION_MS = 60_000;
const STATIONS = 3;

export async function reservationBoard(): Promise<ScenarioResult> {
  const sim = await startBenchSimulator({ stations: STATIONS });
  const subgraph = await forkSubgraph(subgraphEnv(sim));
  try {
    const before = await fetchSimulatorStats(sim.baseUrl);
    const load = await runBoardLoad({
      urls: [subgraph.url],
      clients: CLIENTS,
      durationMs: DURATION_MS,
      stations: STATIONS,
    });
    const after = await fetchSimulatorStats(sim.baseUrl);
    const report = boardReport(load, before, after, BUDGET);
    return {
      title: 'Reservation board',
      markdown:
        `${CLIENTS} clients, ${DURATION_MS / 1000} s, ${STATIONS} stations × 7 days, one subgraph ` +
        `process, simulator with default data, budget ${BUDGET}/min.\n\n${report.markdown}`,
      ok: report.ok,
    };
  } finally {
    await subgraph.stop();
    await sim.close();
  }
}

if (require.main === module) runAsMain(reservationBoard);
