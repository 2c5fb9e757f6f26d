import type { SimulatorStats } from '../../src/simulator';

/**
 * The verdict every scenario ends with: the simulator saw at most `budget` calls of one token
 * pair in any rolling 60 s window, and no pair is blocked. A scenario that fails it exits
 * non-zero.
 */

export async function fetchSimulatorStats(simulatorBaseUrl: string): Promise<SimulatorStats> {
  const response = await fetch(`${simulatorBaseUrl}/__simulator/stats`);
  if (!response.ok) throw new Error(`simulator stats: HTTP ${response.status}`);
  return (await response.json()) as SimulatorStats;
}

export interface BudgetVerdict {
  ok: boolean;
  /** One markdown line, e.g. `maxCallsInAnyWindow 50 ≤ budget 50, blockedTokens [] — OK`. */
  line: string;
}

export function budgetVerdict(stats: SimulatorStats, budget: number): BudgetVerdict {
  const ok = stats.maxCallsInAnyWindow <= budget && stats.blockedTokens.length === 0;
  return {
    ok,
    line:
      `maxCallsInAnyWindow ${stats.maxCallsInAnyWindow} ${ok ? '≤' : 'vs'} budget ${budget}, ` +
      `blockedTokens ${JSON.stringify(stats.blockedTokens)} — ${ok ? 'OK' : 'FAILED'}`,
  };
}
