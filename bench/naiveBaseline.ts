import { DEMO_TOKENS, type RunningSimulator } from '../src/simulator';
import { BOARD_QUERY, boardVariables, runBoardLoad } from './lib/board';
import { boardReport } from './lib/boardReport';
import { fetchSimulatorStats } from './lib/budget';
import { postGraphQL } from './lib/graphql';
import { startNaiveServer } from './lib/naiveServer';
import { runAsMain, startBenchSimulator, table, type ScenarioResult } from './lib/scenario';
import { CLIENTS, DURATION_MS } from './reservationBoard';

/**
 * Naive baseline: the reservation-board workload against resolvers that call API300 once per
 * field (bench/lib/naiveServer.ts), capped at 55 calls per rolling minute so the simulator
 * never locks. First one board alone on its own simulator (what one board costs), then the
 * full load for 60 s on a fresh simulator.
 */

const STATIONS = 3;
const CAP_PER_MINUTE = 55;

const naiveOn = (sim: RunningSimulator) =>
  startNaiveServer({
    endpoint: sim.endpoint,
    cusToken: DEMO_TOKENS.cusToken,
    authToken: DEMO_TOKENS.authToken,
    capPerMinute: CAP_PER_MINUTE,
  });

export async function naiveBaseline(): Promise<ScenarioResult> {
  const probeSim = await startBenchSimulator({ stations: STATIONS });
  const probeServer = await naiveOn(probeSim);
  let oneBoard: { outcome: string; calls: number; reservations: number };
  try {
    const answer = await postGraphQL(probeServer.url, BOARD_QUERY, {
      variables: boardVariables(0, STATIONS),
    });
    const data = answer.body?.data?.reservations as { edges: unknown[] } | undefined;
    oneBoard = {
      outcome: answer.outcome,
      calls: (await fetchSimulatorStats(probeSim.baseUrl)).calls,
      reservations: data?.edges.length ?? 0,
    };
  } finally {
    await probeServer.stop();
    await probeSim.close();
  }

  const sim = await startBenchSimulator({ stations: STATIONS });
  const server = await naiveOn(sim);
  try {
    const before = await fetchSimulatorStats(sim.baseUrl);
    const load = await runBoardLoad({
      urls: [server.url],
      clients: CLIENTS,
      durationMs: DURATION_MS,
      stations: STATIONS,
    });
    const after = await fetchSimulatorStats(sim.baseUrl);
    // The cap is 55 < 60: the budget verdict checks the simulator was never at risk.
    const report = boardReport(load, before, after, CAP_PER_MINUTE);
    return {
      title: 'Naive baseline',
      markdown: [
        `Resolvers calling API300 once per field, no loaders/cache/gate, capped at ` +
          `${CAP_PER_MINUTE} calls per rolling minute (refused calls: \`NAIVE_CAP_REACHED\`).`,
        '',
        table(
          ['one board alone (station 1, today)', 'value'],
          [
            ['outcome', oneBoard.outcome],
            ['reservations on the board', oneBoard.reservations],
            ['upstream calls for that one board', oneBoard.calls],
          ],
        ),
        '',
        `Then ${CLIENTS} clients for ${DURATION_MS / 1000} s (same workload as the reservation board); ` +
          `calls started ${server.counts.started}, refused by the cap ${server.counts.refused}:`,
        '',
        report.markdown,
      ].join('\n'),
      ok: report.ok,
    };
  } finally {
    await server.stop();
    await sim.close();
  }
}

if (require.main === module) runAsMain(naiveBaseline);
