import { DEMO_TOKENS, type SimulatorStats, type TokenPair } from '../src/simulator';
import { budgetVerdict, fetchSimulatorStats } from './lib/budget';
import { runFrontDeskLoad } from './lib/frontDesk';
import { waitForMirror } from './lib/mirror';
import { forkSubgraph, type ChildServer } from './lib/processes';
import { startReplicaSet } from './lib/replicaSet';
import {
  BUDGET,
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
 * The shared mirror under failure: three replica processes on one throwaway PostgreSQL
 * database and one Redis (bench/lib/replicaSet.ts) in front of the simulator's default data.
 * Once every mirror is synced, the front-desk load runs against all three; a third of the way
 * in, the leader's process is killed with SIGKILL (no release of its lease, no goodbye). It
 * measures how long until another replica syncs, whether any request to a surviving replica
 * failed, and the upstream calls. Then a fourth replica starts cold on the full database with
 * a token pair of its own, so the simulator's count of that pair is exactly its upstream calls.
 *
 * `npm run build && node dist/bench/leaderFailover.js` (not in `npm run bench`: it needs a
 * PostgreSQL server, `BENCH_POSTGRES_URL`).
 */

const REPLICAS = 3;
const STATIONS = 3;
const CUSTOMERS = 2000;
const CLIENTS = 6;
const DURATION_MS = 30_000;
const KILL_AT_MS = 10_000;
const TTL_MS = 5_000;
const RENEW_MS = 1_000;

const COLD_TOKENS: TokenPair = {
  cusToken: 'c01d0000-0000-4000-8000-00000000c01d',
  authToken: 'c01d0000-0000-4000-8000-0000000c01d0',
  licences: ['customers', 'reservations', 'tickets'],
};

interface MirrorReadyz {
  state?: string;
  syncing?: boolean;
  lease?: { takeovers?: number } | null;
}

async function mirrorOf(url: string): Promise<MirrorReadyz> {
  const body = (await fetch(new URL('/readyz', url)).then(
    (r) => r.json(),
    () => null,
  )) as { mirror?: MirrorReadyz } | null;
  return body?.mirror ?? {};
}

const pairCalls = (stats: SimulatorStats, pair: TokenPair) =>
  stats.tokens.find((t) => t.cusToken === pair.cusToken)?.calls ?? 0;

const byOperation = (before: SimulatorStats, after: SimulatorStats): string =>
  Object.entries(after.callsByOperation)
    .map(([op, n]) => [op, n - (before.callsByOperation[op] ?? 0)] as const)
    .filter(([, n]) => n > 0)
    .map(([op, n]) => `${op} ${n}`)
    .join(', ') || 'none';

/** Polls `urls`' /readyz until one reports it syncs; the ms it took from `since`, or null. */
async function timeToLeader(urls: readonly string[], since: number, timeoutMs: number) {
  while (performance.now() - since < timeoutMs) {
    const mirrors = await Promise.all(urls.map(mirrorOf));
    const index = mirrors.findIndex((m) => m.syncing === true);
    if (index >= 0) return { ms: performance.now() - since, url: urls[index] };
    await sleep(50);
  }
  return null;
}

export async function leaderFailover(): Promise<ScenarioResult> {
  const sim = await startBenchSimulator({
    stations: STATIONS,
    customers: CUSTOMERS,
    tokens: [DEMO_TOKENS, COLD_TOKENS],
  });
  const set = await startReplicaSet(sim, REPLICAS, {
    MIRROR_DATABASE_URL: 'new',
    MIRROR_LEASE_TTL_MS: String(TTL_MS),
    MIRROR_LEASE_RENEW_MS: String(RENEW_MS),
  });
  let cold: ChildServer | null = null;
  try {
    const started = performance.now();
    await Promise.all(set.subgraphs.map((s) => waitForMirror(s.url)));
    const syncedMs = performance.now() - started;
    const loaded = await fetchSimulatorStats(sim.baseUrl);

    const roles = await Promise.all(set.subgraphs.map((s) => mirrorOf(s.url)));
    const leaders = set.subgraphs.filter((_, i) => roles[i].syncing === true);
    if (leaders.length !== 1) throw new Error(`expected one leader, found ${leaders.length}`);
    const leader = leaders[0];
    const survivors = set.subgraphs.filter((s) => s !== leader);

    // Client c talks to urls[c % 3]: clients 2 and 5 to the leader, the others to survivors.
    const urls = [...survivors.map((s) => s.url), leader.url];
    const before = await fetchSimulatorStats(sim.baseUrl);
    let killedAt = 0;
    const kill = sleep(KILL_AT_MS).then(() => {
      killedAt = performance.now();
      process.kill(leader.pid, 'SIGKILL');
      return timeToLeader(
        survivors.map((s) => s.url),
        killedAt,
        3 * (TTL_MS + RENEW_MS),
      );
    });
    const loadStarted = performance.now();
    const load = await runFrontDeskLoad({
      urls,
      clients: CLIENTS,
      durationMs: DURATION_MS,
      stations: STATIONS,
      customers: CUSTOMERS,
    });
    const takeover = await kill;
    const after = await fetchSimulatorStats(sim.baseUrl);

    const toSurvivors = load.answers.filter((a) => a.client % REPLICAS !== REPLICAS - 1);
    const toLeader = load.answers.filter((a) => a.client % REPLICAS === REPLICAS - 1);
    const failed = (answers: typeof load.answers) =>
      answers.filter((a) => a.outcome !== 'data').length;
    const dataShare = (answers: typeof load.answers) =>
      answers.length === 0
        ? 0
        : (100 * answers.filter((a) => a.outcome === 'data').length) / answers.length;
    const survivorsFailed = failed(toSurvivors);
    const killOffsetMs = killedAt - loadStarted;
    const leaderBefore = toLeader.filter((a) => a.startedAtMs + a.latencyMs < killOffsetMs);
    const leaderAfter = toLeader.length - leaderBefore.length;
    const survivorOutcomes: Record<string, number> = {};
    for (const a of toSurvivors)
      survivorOutcomes[a.outcome] = (survivorOutcomes[a.outcome] ?? 0) + 1;
    const budget = budgetVerdict(after, BUDGET);

    // A fourth replica, started cold on the full database, with its own token pair.
    const coldBefore = await fetchSimulatorStats(sim.baseUrl);
    const coldStarted = performance.now();
    cold = await forkSubgraph(
      subgraphEnv(sim, {
        ...set.env,
        API300_CUS_TOKEN: COLD_TOKENS.cusToken,
        API300_AUTH_TOKEN: COLD_TOKENS.authToken,
      }),
    );
    const coldReady = await waitForMirror(cold.url, 60_000);
    const coldMs = performance.now() - coldStarted;
    const coldAfter = await fetchSimulatorStats(sim.baseUrl);
    const coldCalls = pairCalls(coldAfter, COLD_TOKENS) - pairCalls(coldBefore, COLD_TOKENS);
    const coldRole = await mirrorOf(cold.url);

    const ok =
      takeover !== null &&
      takeover.ms <= TTL_MS + 2 * RENEW_MS + 2_000 &&
      survivorsFailed === 0 &&
      coldReady.state === 'synced' &&
      coldCalls === 0 &&
      budget.ok;
    const rows: Array<[string, string]> = [
      [
        'three replicas synced from an empty database',
        `${ms(syncedMs)}, ${pairCalls(loaded, DEMO_TOKENS)} upstream calls (${byOperation({ ...loaded, callsByOperation: {} }, loaded)})`,
      ],
      [
        'leader SIGKILLed → another replica syncing',
        takeover
          ? `${ms(takeover.ms)} (bound ttl + renew = ${ms(TTL_MS + RENEW_MS)})`
          : 'never (FAILED)',
      ],
      [
        'requests to the two survivors',
        `${toSurvivors.length}, failed ${survivorsFailed}, with data ${dataShare(toSurvivors).toFixed(2)} %`,
      ],
      [
        'requests to the killed leader',
        `answered before the kill ${leaderBefore.length} (failed ${failed(leaderBefore)}); ` +
          `after it ${leaderAfter}, refused at once (the clients retry without pause; a router drops the replica)`,
      ],
      ['outcomes at the survivors', outcomesLine(survivorOutcomes)],
      [
        'upstream calls during the load',
        `${pairCalls(after, DEMO_TOKENS) - pairCalls(before, DEMO_TOKENS)} (${byOperation(before, after)})`,
      ],
      [
        'cold 4th replica on the full database → synced',
        `${ms(coldMs)} (process start included), state ${coldReady.state}, syncing ${coldRole.syncing === true}`,
      ],
      ['upstream calls of the cold replica', String(coldCalls)],
      ['takeovers counted by the lease', String(coldRole.lease?.takeovers ?? 'n/a')],
    ];
    return {
      title: 'Shared mirror: leader failover and cold replica',
      markdown:
        `${REPLICAS} replica processes, one PostgreSQL database, one Redis, default data ` +
        `(${CUSTOMERS} customers, ${STATIONS} stations), lease ttl ${ms(TTL_MS)}, renew ` +
        `${ms(RENEW_MS)}; front-desk load ${CLIENTS} clients for ${DURATION_MS / 1000} s ` +
        `(4 on the survivors, 2 on the leader), leader SIGKILLed at ${KILL_AT_MS / 1000} s.\n\n` +
        `${table(['measure', 'value'], rows)}\n\n${budget.line}`,
      ok,
    };
  } finally {
    await cold?.stop();
    await set.stop();
    await sim.close();
  }
}

if (require.main === module) runAsMain(leaderFailover);
