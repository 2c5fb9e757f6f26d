import { FIRST_PAGE, nextPage } from '../src/data/mirror/sync/readPass';
import { budgetVerdict, fetchSimulatorStats } from './lib/budget';
import { opsLine } from './lib/boardReport';
import { runFrontDeskLoad } from './lib/frontDesk';
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
 * While it loads the sync holds at most its load share (36 calls a minute), so the large load
 * takes many minutes: past the limit (`limit=SECONDS`, default 240) the scenario stops
 * waiting and extrapolates (said so in the output): the time so far plus the records still to
 * read at the rate read after the first window (the start burst excluded).
 * `frontdesk` runs the front-desk workload (20 clients) against the subgraph all along.
 * The budget's minimum is the load's pages ÷ calls per minute (50, and the 45 that the write
 * reserve leaves to reads).
 * `node dist/bench/mirrorLoad.js [demo|large] [frontdesk] [limit=SECONDS]`.
 */

const LARGE = { customers: 50_000, reservations: 150_000, tickets: 15_000, stations: 3 };
const DEMO = { customers: 2000, reservations: 6000, tickets: 1500, stations: 3 };
const DEMO_LIMIT_MS = 240_000;
const READ_CALLS = BUDGET - 5;

/** Pages a full read of `records` takes (readPass.ts: overlapping pages of up to 500). */
function pagesOf(records: number): number {
  let request = FIRST_PAGE;
  let pages = 1;
  while ((request.pageIndex + 1) * request.pageSize < records) {
    request = nextPage((request.pageIndex + 1) * request.pageSize);
    pages++;
  }
  return pages;
}

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

async function measure(name: string, sizes: typeof DEMO, limitMs: number, frontDesk: boolean) {
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
    /** Records loaded when the first window ended (the start burst's pages). */
    let afterBurst: { atMs: number; loaded: number } | null = null;
    const loadedOf = (r: Readyz): number =>
      Object.entries(r.mirror?.kinds ?? {}).reduce(
        (sum, [kind, k]) =>
          sum +
          (k.phase === 'loading' ? (k.progress?.loaded ?? 0) : (r.mirror?.records[kind] ?? 0)),
        0,
      );
    const traffic = frontDesk
      ? runFrontDeskLoad({
          urls: [subgraph.url],
          clients: 20,
          durationMs: limitMs,
          stations: sizes.stations,
          customers: 2000,
        })
      : null;
    while (performance.now() - started < limitMs) {
      last = await readyz(subgraph.url).catch(() => ({}));
      state = last.mirror?.state ?? 'off';
      if (performance.now() - lastScrape >= 1000) {
        lastScrape = performance.now();
        const m = await scrape(subgraph.url);
        lagMax = Math.max(lagMax, m.get('nodejs_eventloop_lag_max_seconds') ?? 0);
        lagP99 = Math.max(lagP99, m.get('nodejs_eventloop_lag_p99_seconds') ?? 0);
      }
      if (afterBurst === null && performance.now() - started >= 61_000)
        afterBurst = { atMs: performance.now() - started, loaded: loadedOf(last) };
      if (state === 'synced' || state === 'off') break;
      await sleep(250);
    }
    const elapsedMs = performance.now() - started;
    const load = traffic ? await traffic : null;
    const after = await fetchSimulatorStats(sim.baseUrl);
    const metrics = await scrape(subgraph.url);
    const total = Object.values(sizes).reduce((a, b) => a + b, 0);
    const loaded = loadedOf(last);
    const done = state === 'synced';
    const calls = after.calls - before.calls;
    const rate =
      afterBurst && elapsedMs > afterBurst.atMs
        ? (loaded - afterBurst.loaded) / (elapsedMs - afterBurst.atMs)
        : loaded / elapsedMs;
    const extrapolatedS = done
      ? null
      : (elapsedMs + (total - sizes.stations - loaded) / Math.max(1e-9, rate)) / 1000;
    const pages = pagesOf(sizes.customers) + pagesOf(sizes.reservations) + pagesOf(sizes.tickets);
    const minimumS = (pages / BUDGET) * 60;
    const minimumReadS = (pages / READ_CALLS) * 60;
    const tookS = done ? elapsedMs / 1000 : (extrapolatedS as number);
    const share = load ? `${load.outcomes.data ?? 0}/${load.answers.length}` : '–';
    return {
      row: [
        name,
        `${sizes.customers} / ${sizes.reservations} / ${sizes.tickets} / ${sizes.stations}`,
        ms(simStartMs),
        done ? 'synced' : `${state} (stopped at ${loaded} of ${total} records)`,
        calls,
        done
          ? ms(elapsedMs)
          : `${ms(elapsedMs)} so far; ≈ ${((extrapolatedS as number) / 60).toFixed(1)} min extrapolated`,
        `${pages} pages: ${(minimumS / 60).toFixed(1)} min at ${BUDGET}/min (${(minimumReadS / 60).toFixed(1)} at ${READ_CALLS})`,
        `${(tookS / minimumS).toFixed(2)} × (${(tookS / minimumReadS).toFixed(2)} ×)`,
        share,
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
  largeLimitMs = 240_000,
): Promise<ScenarioResult> {
  const runs: Array<Awaited<ReturnType<typeof measure>>> = [];
  const frontDesk = which.includes('frontdesk');
  if (which.includes('demo'))
    runs.push(
      await measure(frontDesk ? 'demo, front desk' : 'demo', DEMO, DEMO_LIMIT_MS, frontDesk),
    );
  if (which.includes('large'))
    runs.push(
      await measure(frontDesk ? 'large, front desk' : 'large', LARGE, largeLimitMs, frontDesk),
    );
  return {
    title: 'Mirror initial load',
    markdown: [
      'A fresh simulator and subgraph per size, MIRROR defaults (while loading the sync holds 36 calls ' +
        `in any 61 s, and what the reads leave of their 9), ${frontDesk ? 'the front-desk workload (20 clients) all along' : 'no other traffic'}; ` +
        'until `/readyz` says `synced` (the large size stops after ' +
        `${largeLimitMs / 1000} s and extrapolates from the rate after the first window).`,
      '',
      table(
        [
          'data',
          'customers / reservations / tickets / stations',
          'simulator built in',
          'state',
          'upstream calls',
          'time',
          "budget's minimum",
          'time ÷ minimum',
          'front desk answered with data',
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
  const limit = args.find((a) => a.startsWith('limit='));
  const which = args.filter((a) => !a.startsWith('limit='));
  runAsMain(() =>
    mirrorLoad(
      which.some((a) => a === 'demo' || a === 'large') ? which : [...which, 'demo', 'large'],
      limit ? Number(limit.slice(6)) * 1000 : undefined,
    ),
  );
}
