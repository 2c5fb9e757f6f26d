import type { SimulatorStats } from '../../src/simulator';
import { budgetVerdict } from './budget';
import type { LoadReport } from './load';
import { latencyLine, ms, outcomesLine, table } from './scenario';

/**
 * The figures of a reservation-board run (board, naive baseline, replicas): requests answered
 * and served with data, upstream calls the simulator counted during the run, requests per
 * upstream call, latency percentiles, outcomes by code, and the budget verdict.
 */
export function boardReport(
  load: LoadReport,
  before: SimulatorStats,
  after: SimulatorStats,
  budget: number,
): { markdown: string; ok: boolean; served: number; upstreamCalls: number } {
  const upstreamCalls = after.calls - before.calls;
  const served = load.outcomes.data ?? 0;
  const perCall = (n: number) =>
    upstreamCalls === 0 ? '∞ (no call)' : (n / upstreamCalls).toFixed(1);
  const verdict = budgetVerdict(after, budget);
  const markdown = [
    table(
      ['measure', 'value'],
      [
        ['GraphQL requests answered', load.answers.length],
        ['… with data (no error)', served],
        ['requests/s', load.requestsPerSecond.toFixed(1)],
        ['upstream calls (simulator)', upstreamCalls],
        ['upstream calls by operation', opsLine(before, after)],
        ['requests answered per upstream call', perCall(load.answers.length)],
        ['requests served with data per upstream call', perCall(served)],
        ['latency', latencyLine(load.latency)],
        ['outcomes', outcomesLine(load.outcomes)],
        ['wall time', ms(load.wallMs)],
      ],
    ),
    '',
    verdict.line,
  ].join('\n');
  return { markdown, ok: verdict.ok, served, upstreamCalls };
}

/** Calls per operation between two stats snapshots, e.g. `GetReservations 21, GetCustomers 14`. */
export function opsLine(before: SimulatorStats, after: SimulatorStats): string {
  return (
    Object.entries(after.callsByOperation)
      .map(([op, n]) => [op, n - (before.callsByOperation[op] ?? 0)] as const)
      .filter(([, n]) => n > 0)
      .map(([op, n]) => `${op} ${n}`)
      .join(', ') || 'none'
  );
}
