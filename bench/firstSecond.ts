import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { budgetVerdict, fetchSimulatorStats } from './lib/budget';
import { runCustomerReads, runFrontDeskLoad } from './lib/frontDesk';
import { postGraphQL } from './lib/graphql';
import type { LoadReport } from './lib/load';
import { forkSubgraph } from './lib/processes';
import { startReplicaSet } from './lib/replicaSet';
import {
  BUDGET,
  latencyLine,
  ms,
  outcomesLine,
  runAsMain,
  scenarioArgs,
  sleep,
  startBenchSimulator,
  subgraphEnv,
  type ScenarioResult,
} from './lib/scenario';
import { CITY_QUERY, tillChange } from './lib/till';

/**
 * From the first second: the subgraph(s) start on an empty mirror and the traffic starts as
 * soon as they listen — no waiting for the mirror. Three workloads, each on a fresh
 * simulator (demo data: 2,000 customers, 6,000 reservations, 1,500 tickets, 3 stations) and
 * fresh replicas:
 * - front desk: 20 staff clients for 90 s (bench/lib/frontDesk.ts); target ≥ 99 % answered
 *   with data, every replica's mirror synced within 15 s;
 * - customer reads: 3,000 `customer(number)` reads (with reservations and tickets) over 2,000
 *   customers from 50 clients; target ≥ 99 % with data;
 * - a change at the till right after start: a customer's city changed at the till as the
 *   subgraph starts listening, then asked for every 100 ms; target served within 20 s.
 *
 * `node dist/bench/firstSecond.js [replicas] [KEY=VALUE …]`: replicas (default 1) share a
 * throwaway Redis when more than one; `MIRROR_DATABASE_URL=new` gives them one throwaway
 * PostgreSQL mirror. Replicas are forked together; the clock of every figure starts when the
 * last one listens. `restart`: the one replica starts again on the store (and quota journal)
 * of a predecessor that synced and was killed (SIGKILL).
 */

const FRONT_DESK = { clients: 20, durationMs: 90_000, stations: 3, customers: 2000 };
const READS = { clients: 50, total: 3000, distinct: 2000 };
const SYNCED_GOAL_MS = 15_000;
const SHARE_GOAL = 0.99;
const TILL_GOAL_S = 20;
const FIRST_CUSTOMER = 10001;

/** Polls every replica's `/readyz` until all report the mirror synced; ms since `startedAt`. */
async function syncedAfter(
  urls: readonly string[],
  startedAt: number,
  until: () => boolean,
): Promise<number | null> {
  const synced = new Set<string>();
  while (!until()) {
    for (const url of urls) {
      if (synced.has(url)) continue;
      const body = (await fetch(new URL('/readyz', url)).then(
        (r) => r.json(),
        () => null,
      )) as { mirror?: { state?: string } } | null;
      if (body?.mirror?.state === 'synced') synced.add(url);
    }
    if (synced.size === urls.length) return performance.now() - startedAt;
    await sleep(200);
  }
  return null;
}

interface Run {
  row: unknown[];
  ok: boolean;
  verdict: string;
}

/**
 * `restart`: a replica with a store on disk syncs the mirror, is killed (SIGKILL, as a crash
 * or the OOM killer ends it) and is started again on its store and quota journal; the
 * figures are the second start's. It knows nothing of the window but its journal.
 */
async function syncThenKill(
  sim: Awaited<ReturnType<typeof startBenchSimulator>>,
  env: Record<string, string>,
): Promise<void> {
  const first = await forkSubgraph(subgraphEnv(sim, env));
  try {
    const startedAt = performance.now();
    const synced = await syncedAfter([first.url], startedAt, () => {
      return performance.now() - startedAt > 120_000;
    });
    if (synced === null) throw new Error('the first start did not sync within 120 s');
  } finally {
    if (first.kill) await first.kill();
    else await first.stop();
  }
}

async function withReplicas(
  replicas: number,
  env: Record<string, string>,
  run: (urls: string[], simBaseUrl: string) => Promise<Omit<Run, 'verdict'>>,
  restart = false,
): Promise<Run> {
  const sim = await startBenchSimulator({ stations: 3, customers: 2000 });
  const folder = restart ? await mkdtemp(join(tmpdir(), 'hypersoft-bench-store-')) : null;
  try {
    if (folder) {
      env = { ...env, MIRROR_STORE_PATH: folder, BENCH_WINDOW_AT_START: 'unknown' };
      await syncThenKill(sim, env);
    }
    const set = await startReplicaSet(sim, replicas, env, true);
    try {
      const result = await run(
        set.subgraphs.map((s) => s.url),
        sim.baseUrl,
      );
      const verdict = budgetVerdict(await fetchSimulatorStats(sim.baseUrl), BUDGET);
      return { ...result, ok: result.ok && verdict.ok, verdict: verdict.line };
    } finally {
      await set.stop();
    }
  } finally {
    await sim.close();
    if (folder) await rm(folder, { recursive: true, force: true });
  }
}

/** Share with data of the answers that started within the first `withinMs`. */
function shareWithin(load: LoadReport, withinMs: number): string {
  const early = load.answers.filter((a) => a.startedAtMs < withinMs);
  const data = early.filter((a) => a.outcome === 'data').length;
  return `${data}/${early.length}`;
}

async function frontDeskRun(urls: string[]): Promise<Omit<Run, 'verdict'>> {
  const startedAt = performance.now();
  let done = false;
  const synced = syncedAfter(urls, startedAt, () => done);
  const load = await runFrontDeskLoad({ urls, ...FRONT_DESK });
  done = true;
  const syncedMs = await synced;
  const data = load.outcomes.data ?? 0;
  const share = data / Math.max(1, load.answers.length);
  const ok = share >= SHARE_GOAL && syncedMs !== null && syncedMs <= SYNCED_GOAL_MS;
  return {
    ok,
    row: [
      'front desk, 20 clients, 90 s',
      `${data}/${load.answers.length} (**${(share * 100).toFixed(1)} %**)`,
      shareWithin(load, 15_000),
      syncedMs === null ? 'not within the run' : `**${ms(syncedMs)}**`,
      outcomesLine(load.outcomes),
      latencyLine(load.latency),
      `≥ 99 %, synced ≤ 15 s: ${ok ? 'met' : 'NOT MET'}`,
    ],
  };
}

async function customerReadsRun(urls: string[]): Promise<Omit<Run, 'verdict'>> {
  const startedAt = performance.now();
  let done = false;
  const synced = syncedAfter(urls, startedAt, () => done);
  const load = await runCustomerReads({ urls, ...READS });
  done = true;
  const syncedMs = await synced;
  const data = load.outcomes.data ?? 0;
  const share = data / Math.max(1, load.answers.length);
  const ok = share >= SHARE_GOAL;
  return {
    ok,
    row: [
      `customer reads, ${READS.total} over ${READS.distinct}, ${READS.clients} clients`,
      `${data}/${load.answers.length} (**${(share * 100).toFixed(1)} %**)`,
      shareWithin(load, 15_000),
      syncedMs === null ? `not within the run (${ms(load.wallMs)})` : ms(syncedMs),
      outcomesLine(load.outcomes),
      latencyLine(load.latency),
      `≥ 99 %: ${ok ? 'met' : 'NOT MET'}`,
    ],
  };
}

async function tillRun(urls: string[], simBaseUrl: string): Promise<Omit<Run, 'verdict'>> {
  const number = FIRST_CUSTOMER + 1234;
  const city = `first-second-${Date.now()}`;
  // Asked once before the change, as a front desk would: a read-through answer is cached.
  await postGraphQL(urls[0], CITY_QUERY, { variables: { number } });
  await tillChange(simBaseUrl, { CustomerNumber: number, City: city });
  const changedAt = performance.now();
  let servedS: number | null = null;
  while (performance.now() - changedAt < 90_000) {
    const answers = await Promise.all(
      urls.map((url) => postGraphQL(url, CITY_QUERY, { variables: { number } })),
    );
    if (answers.every((a) => (a.body?.data?.customer as { city?: string } | null)?.city === city)) {
      servedS = (performance.now() - changedAt) / 1000;
      break;
    }
    await sleep(100);
  }
  const ok = servedS !== null && servedS <= TILL_GOAL_S;
  return {
    ok,
    row: [
      'a change at the till right after start (read once before it)',
      '–',
      '–',
      '–',
      '–',
      servedS === null
        ? 'never served within 90 s'
        : `served by every replica after **${servedS.toFixed(2)} s**`,
      `≤ 20 s: ${ok ? 'met' : 'NOT MET'}`,
    ],
  };
}

export async function firstSecond(
  replicas = 1,
  env: Record<string, string> = {},
  only: readonly string[] = [],
  restart = false,
): Promise<ScenarioResult> {
  const runs: Array<[string, (urls: string[], sim: string) => Promise<Omit<Run, 'verdict'>>]> = [
    ['frontDesk', (urls) => frontDeskRun(urls)],
    ['customerReads', (urls) => customerReadsRun(urls)],
    ['till', tillRun],
  ];
  const results: Run[] = [];
  for (const [name, run] of runs)
    if (only.length === 0 || only.includes(name))
      results.push(await withReplicas(replicas, env, run, restart));
  const settings = Object.entries(env)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  return {
    title: `From the first second (${replicas} replica${replicas > 1 ? 's' : ''}${restart ? ', restarted from its store after SIGKILL' : ''}${settings ? `, ${settings}` : ''})`,
    markdown: [
      'Empty mirror, traffic from the moment the subgraph listens; demo data, defaults otherwise.',
      '',
      `| workload | answered with data | of those started in the first 15 s | every replica synced after | outcomes | latency / result | target |`,
      `| --- | --- | --- | --- | --- | --- | --- |`,
      ...results.map((r) => `| ${r.row.map(String).join(' | ')} |`),
      '',
      ...results.map((r) => `- ${r.verdict}`),
    ].join('\n'),
    ok: results.every((r) => r.ok),
  };
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const only = args.filter((a) => a.startsWith('only=')).flatMap((a) => a.slice(5).split(','));
  const restart = args.includes('restart');
  const { replicas, env } = scenarioArgs(
    args.filter((a) => !a.startsWith('only=') && a !== 'restart'),
  );
  if (restart && replicas !== 1) throw new Error('restart measures one replica');
  runAsMain(() => firstSecond(replicas, env, only, restart));
}
