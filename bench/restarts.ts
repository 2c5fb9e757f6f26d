import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_TOKENS, type RunningSimulator } from '../src/simulator';
import { budgetVerdict, fetchSimulatorStats } from './lib/budget';
import { runFrontDeskLoad } from './lib/frontDesk';
import { forkSubgraph, startRedisServer, type ChildServer } from './lib/processes';
import {
  BUDGET,
  outcomesLine,
  runAsMain,
  sleep,
  startBenchSimulator,
  subgraphEnv,
  table,
  type ScenarioResult,
} from './lib/scenario';

/**
 * Restarts and outages (issue 18): the budget survives SIGKILL, and ready means "can serve".
 *
 * 1. Restart loop: the front-desk workload (20 staff) runs against one subgraph with a real
 *    endpoint (the simulator) and defaults otherwise; every LIFE_MS the subgraph is killed
 *    with SIGKILL and started again (RESTARTS times), the traffic following it. Once with the
 *    budget journaled beside the mirror's store (the default), once with Redis. Reported: the
 *    simulator's calls of the pair in every 60 s window (sampled each second; the exact
 *    maximum over rolling windows from the simulator), and locks — there must be none.
 * 2. API300 hanging for a minute: a synced subgraph, every API300 call unanswered for 60 s
 *    (the simulator's `hangRate` 1) under the front-desk workload: /readyz probed every
 *    500 ms (share of 200), and the share of requests answered with data.
 *
 * `node dist/bench/restarts.js [LIFE_MS=20000] [RESTARTS=3]`
 */

const args = Object.fromEntries(
  process.argv
    .slice(2)
    .filter((a) => a.includes('='))
    .map((a) => [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]),
);
const LIFE_MS = Number(args.LIFE_MS ?? 20_000);
const RESTARTS = Number(args.RESTARTS ?? 3);
const HANG_MS = 60_000;
const CLIENTS = 20;
const DATA = { customers: 2000, reservations: 6000, tickets: 1500, stations: 3 };

const demoCalls = async (sim: RunningSimulator): Promise<number> =>
  (await fetchSimulatorStats(sim.baseUrl)).tokens.find((t) => t.cusToken === DEMO_TOKENS.cusToken)
    ?.calls ?? 0;

/** Samples the pair's call counter every second until `stop()`; t in s since start. */
function sampleCalls(sim: RunningSimulator): {
  stop(): Promise<Array<{ t: number; calls: number }>>;
} {
  const samples: Array<{ t: number; calls: number }> = [];
  const started = Date.now();
  let running = true;
  const loop = (async () => {
    while (running) {
      samples.push({ t: (Date.now() - started) / 1000, calls: await demoCalls(sim) });
      await sleep(1000);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      samples.push({ t: (Date.now() - started) / 1000, calls: await demoCalls(sim) });
      return samples;
    },
  };
}

/** Calls in consecutive 60 s windows [0,60), [60,120), … and the most in any sampled 60 s. */
function windows(samples: Array<{ t: number; calls: number }>): {
  consecutive: number[];
  maxSampled: number;
} {
  const at = (t: number) => {
    let calls = 0;
    for (const s of samples) if (s.t <= t) calls = s.calls;
    return calls;
  };
  const end = samples[samples.length - 1]?.t ?? 0;
  const consecutive: number[] = [];
  for (let from = 0; from < end; from += 60) consecutive.push(at(from + 60) - at(from));
  let maxSampled = 0;
  for (const s of samples) maxSampled = Math.max(maxSampled, at(s.t + 60) - s.calls);
  return { consecutive, maxSampled };
}

interface LoopResult {
  mode: string;
  lives: Array<{ startMs: number; calls: number }>;
  consecutive: number[];
  maxSampled: number;
  maxExact: number;
  blocked: number;
  dataShare: string;
  outcomes: string;
  ok: boolean;
}

async function restartLoop(mode: string, env: Record<string, string>): Promise<LoopResult> {
  const sim = await startBenchSimulator(DATA);
  const urls = ['http://127.0.0.1:9/graphql'];
  const lives: LoopResult['lives'] = [];
  let current: ChildServer | null = null;
  const sampler = sampleCalls(sim);
  let stopLoad = false;
  try {
    const start = async (life: number) => {
      const t0 = Date.now();
      current = await forkSubgraph(
        subgraphEnv(sim, {
          ...env,
          // Only the first life may know the simulator is fresh; later ones start after a kill.
          BENCH_WINDOW_AT_START: life === 0 ? 'empty' : 'unknown',
        }),
      );
      urls[0] = current.url;
      lives.push({ startMs: Date.now() - t0, calls: 0 });
    };
    await start(0);
    const load = runFrontDeskLoad({
      urls,
      clients: CLIENTS,
      durationMs: (RESTARTS + 1) * LIFE_MS + 5 * 60_000,
      stations: DATA.stations,
      customers: DATA.customers,
      stopped: () => stopLoad,
    });
    for (let life = 0; life <= RESTARTS; life++) {
      if (life > 0) await start(life);
      await sleep(LIFE_MS);
      lives[life].calls = await demoCalls(sim);
      if (life < RESTARTS) await current!.kill!();
    }
    stopLoad = true;
    const report = await load;
    await current!.stop();
    const samples = await sampler.stop();
    const stats = await fetchSimulatorStats(sim.baseUrl);
    const verdict = budgetVerdict(stats, BUDGET);
    const { consecutive, maxSampled } = windows(samples);
    const answered = report.answers.length;
    const data = report.outcomes.data ?? 0;
    return {
      mode,
      lives,
      consecutive,
      maxSampled,
      maxExact: stats.maxCallsInAnyWindow,
      blocked: stats.blockedTokens.length,
      dataShare: `${((100 * data) / answered).toFixed(1)} % of ${answered}`,
      outcomes: outcomesLine(report.outcomes),
      ok: verdict.ok,
    };
  } finally {
    stopLoad = true;
    await (current as ChildServer | null)?.kill?.();
    await sampler.stop().catch(() => undefined);
    await sim.close();
  }
}

async function hangingMinute(storePath: string): Promise<{ markdown: string; ok: boolean }> {
  const sim = await startBenchSimulator(DATA);
  const subgraph = await forkSubgraph(
    subgraphEnv(sim, { MIRROR_STORE_PATH: storePath, BENCH_WINDOW_AT_START: 'empty' }),
  );
  try {
    const readyz = new URL('/readyz', subgraph.url).toString();
    const probe = async () => {
      const response = await fetch(readyz);
      const body = (await response.json()) as { mirror?: { state?: string }; degraded?: string[] };
      return { status: response.status, body };
    };
    const syncStarted = Date.now();
    for (;;) {
      const { body } = await probe();
      if (body.mirror?.state === 'synced') break;
      if (Date.now() - syncStarted > 10 * 60_000) throw new Error('not synced in 10 min');
      await sleep(500);
    }
    const syncedAfterMs = Date.now() - syncStarted;
    await fetch(`${sim.baseUrl}/__simulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ hangRate: 1 }),
    });
    const probes: number[] = [];
    const degradedSeen = new Set<string>();
    let probing = true;
    const prober = (async () => {
      while (probing) {
        const { status, body } = await probe();
        probes.push(status);
        for (const d of body.degraded ?? []) degradedSeen.add(d.split(':')[0]);
        await sleep(500);
      }
    })();
    const report = await runFrontDeskLoad({
      urls: [subgraph.url],
      clients: CLIENTS,
      durationMs: HANG_MS,
      stations: DATA.stations,
      customers: DATA.customers,
    });
    probing = false;
    await prober;
    await fetch(`${sim.baseUrl}/__simulator/faults`, { method: 'DELETE' });
    const ready = probes.filter((s) => s === 200).length;
    const data = report.outcomes.data ?? 0;
    const byKind = Object.entries(report.byKind)
      .map(([kind, k]) => `${kind} ${k.data}/${k.requests}`)
      .join(', ');
    const stats = await fetchSimulatorStats(sim.baseUrl);
    const verdict = budgetVerdict(stats, BUDGET);
    const ok = verdict.ok && ready === probes.length && probes.length > 0;
    return {
      ok,
      markdown: [
        `Synced after ${(syncedAfterMs / 1000).toFixed(0)} s; then every API300 call hung for ${HANG_MS / 1000} s (simulator \`hangRate\` 1, client timeout 10 s) under the front-desk workload (${CLIENTS} staff).`,
        '',
        table(
          [
            '/readyz probes 200',
            'degraded checks named',
            'requests answered with data',
            'by kind',
            'outcomes',
          ],
          [
            [
              `**${ready} of ${probes.length}**`,
              [...degradedSeen].join(', ') || 'none',
              `**${((100 * data) / report.answers.length).toFixed(1)} %** of ${report.answers.length}`,
              byKind,
              outcomesLine(report.outcomes),
            ],
          ],
        ),
        '',
        `Budget: ${verdict.line}`,
      ].join('\n'),
    };
  } finally {
    await fetch(`${sim.baseUrl}/__simulator/faults`, { method: 'DELETE' }).catch(() => undefined);
    await subgraph.stop();
    await sim.close();
  }
}

async function scenario(): Promise<ScenarioResult> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-restarts-'));
  const redis = await startRedisServer();
  try {
    const loops = [
      await restartLoop('journal (default: `./data`-style store folder, no Redis)', {
        MIRROR_STORE_PATH: join(dir, 'loop'),
      }),
      await restartLoop('Redis (`REDIS_URL`, mirror in memory)', {
        REDIS_URL: redis.url,
        MIRROR_STORE_PATH: ':memory:',
      }),
    ];
    const hang = await hangingMinute(join(dir, 'hang'));
    const markdown = [
      `Front desk (${CLIENTS} staff) against one subgraph, budget ${BUDGET}/min; SIGKILL every ${LIFE_MS / 1000} s under traffic, ${RESTARTS} restarts; demo-size data (${DATA.customers} customers, ${DATA.reservations} reservations, ${DATA.tickets} tickets).`,
      '',
      table(
        [
          'budget kept in',
          'calls after each life',
          'start of each life (fork → listening)',
          'calls per consecutive 60 s',
          'most in any 60 s (sampled / exact)',
          'locks',
          'answered with data',
        ],
        loops.map((l) => [
          l.mode,
          l.lives.map((x) => x.calls).join(' → '),
          l.lives.map((x) => `${(x.startMs / 1000).toFixed(1)} s`).join(', '),
          l.consecutive.join(', '),
          `**${l.maxSampled} / ${l.maxExact}** (≤ ${BUDGET})`,
          `**${l.blocked}**`,
          l.dataShare,
        ]),
      ),
      '',
      ...loops.map((l) => `- ${l.mode}: outcomes ${l.outcomes}`),
      '',
      '### API300 hanging for a minute',
      '',
      hang.markdown,
    ].join('\n');
    return {
      title: 'Restarts under traffic and API300 hanging (issue 18)',
      markdown,
      ok: loops.every((l) => l.ok) && hang.ok,
    };
  } finally {
    await redis.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

runAsMain(scenario);
