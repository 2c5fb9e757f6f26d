import { budgetVerdict, fetchSimulatorStats } from './lib/budget';
import { opsLine } from './lib/boardReport';
import { forkSubgraph } from './lib/processes';
import {
  BUDGET,
  ms,
  runAsMain,
  sleep,
  startBenchSimulator,
  subgraphEnv,
  table,
  type ScenarioResult,
} from './lib/scenario';

/**
 * The mirror's initial load: upstream calls and seconds until `/readyz` reports `synced`, for
 * the demo data and for a large venue group (50,000 customers / 150,000 reservations), each
 * on a fresh simulator and subgraph with MIRROR defaults and no other traffic. While it
 * loads, `/metrics` is read every second for the event-loop lag (prom-client's
 * `nodejs_eventloop_lag_max_seconds` / `_p99_seconds`, the monitor reset at every scrape);
 * after it, the subgraph's resident set and used heap.
 * The sync holds at most half the budget, so the large load takes many minutes: past
 * `LARGE_LIMIT_MS` the scenario stops waiting and extrapolates from the records read so far
 * (said so in the output).
 * `node dist/bench/mirrorLoad.js [demo|large]` runs one size only.
 */

const LARGE = { customers: 50_000, reservations: 150_000, tickets: 10_000, stations: 3 };
const DEMO = { customers: 2000, reservations: 6000, tickets: 1500, stations: 3 };
const LARGE_LIMIT_MS = 240_000;
const DEMO_LIMIT_MS = 240_000;

type Metrics = Map<string, number>;

async function scrape(url: string): Promise<Metrics> {
  const text = await fetch(new URL('/metrics', url)).then((r) => r.text());
  const metrics: Metrics = new Map();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || !line.trim()) continue;
    const space = line.lastIndexOf(' ');
    metrics.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return metrics;
}

interface Readyz {
  mirror?: {
    state: string;
    records: Record<string, number>;
    kinds: Record<
      string,
      { phase: string; progress: { loaded: number; total: number | null } | null; calls: number }
    >;
  };
}

const readyz = (url: string): Promise<Readyz> =>
  fetch(new URL('/readyz', url)).then((r) => r.json() as Promise<Readyz>);

const mb = (bytes: number | undefined) =>
  bytes === undefined ? '?' : `${(bytes / 2 ** 20).toFixed(0)} MB`;

async function measure(name: string, sizes: typeof DEMO, limitMs: number) {
  const built = performance.now();
  const sim = await startBenchSimulator(sizes);
  const simStartMs = performance.now() - built;
  const subgraph = await forkSubgraph(subgraphEnv(sim)).catch(async (e: unknown) => {
    await sim.close();
    throw e;
  });
  try {
    const started = performance.now();
    const before = await fetchSimulatorStats(sim.baseUrl);
    let lagMax = 0;
    let lagP99 = 0;
    let state = 'loading';
    let last: Readyz = {};
    let lastScrape = 0;
    while (performance.now() - started < limitMs) {
      last = await readyz(subgraph.url).catch(() => ({}));
      state = last.mirror?.state ?? 'off';
      if (performance.now() - lastScrape >= 1000) {
        lastScrape = performance.now();
        const m = await scrape(subgraph.url);
        lagMax = Math.max(lagMax, m.get('nodejs_eventloop_lag_max_seconds') ?? 0);
        lagP99 = Math.max(lagP99, m.get('nodejs_eventloop_lag_p99_seconds') ?? 0);
      }
      if (state === 'synced' || state === 'off') break;
      await sleep(250);
    }
    const elapsedMs = performance.now() - started;
    const after = await fetchSimulatorStats(sim.baseUrl);
    const metrics = await scrape(subgraph.url);
    const kinds = last.mirror?.kinds ?? {};
    const total = Object.values(sizes).reduce((a, b) => a + b, 0);
    const loaded = Object.entries(kinds).reduce(
      (sum, [kind, k]) =>
        sum +
        (k.phase === 'loading' ? (k.progress?.loaded ?? 0) : (last.mirror?.records[kind] ?? 0)),
      0,
    );
    const done = state === 'synced';
    const calls = after.calls - before.calls;
    const extrapolatedS = done ? null : ((elapsedMs / 1000) * total) / Math.max(1, loaded);
    return {
      row: [
        name,
        `${sizes.customers} / ${sizes.reservations} / ${sizes.tickets} / ${sizes.stations}`,
        ms(simStartMs),
        done ? 'synced' : `${state} (stopped at ${loaded} of ${total} records)`,
        calls,
        done
          ? ms(elapsedMs)
          : `${ms(elapsedMs)} so far; ≈ ${(extrapolatedS! / 60).toFixed(1)} min extrapolated`,
        mb(metrics.get('process_resident_memory_bytes')),
        mb(metrics.get('nodejs_heap_size_used_bytes')),
        `${(lagMax * 1000).toFixed(0)} / ${(lagP99 * 1000).toFixed(0)} ms`,
      ],
      ops: opsLine(before, after),
      verdict: budgetVerdict(after, BUDGET),
      done,
    };
  } finally {
    await subgraph.stop();
    await sim.close();
  }
}

export async function mirrorLoad(
  which: readonly string[] = ['demo', 'large'],
): Promise<ScenarioResult> {
  const runs: Array<Awaited<ReturnType<typeof measure>>> = [];
  if (which.includes('demo')) runs.push(await measure('demo', DEMO, DEMO_LIMIT_MS));
  if (which.includes('large')) runs.push(await measure('large', LARGE, LARGE_LIMIT_MS));
  return {
    title: 'Mirror initial load',
    markdown: [
      'A fresh simulator and subgraph per size, MIRROR defaults (the sync holds at most 22 calls ' +
        'in any 60 s), no other traffic; until `/readyz` says `synced` (the large size stops after ' +
        `${LARGE_LIMIT_MS / 1000} s and extrapolates linearly from the records read).`,
      '',
      table(
        [
          'data',
          'customers / reservations / tickets / stations',
          'simulator built in',
          'state',
          'upstream calls',
          'time',
          'RSS after',
          'heap used after',
          'event-loop lag max / p99 (worst scrape)',
        ],
        runs.map((r) => r.row),
      ),
      '',
      ...runs.map((r, i) => `${String(runs[i].row[0])}: ${r.ops}; ${r.verdict.line}`),
    ].join('\n'),
    ok: runs.every((r) => r.verdict.ok),
  };
}

if (require.main === module) {
  const args = process.argv.slice(2);
  runAsMain(() => mirrorLoad(args.length ? args : undefined));
}
