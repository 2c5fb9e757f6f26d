import { loadavg } from 'node:os';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { API300_TRANSPORTS, type Api300TransportName } from '../src/config';
import { api300Over, createApi300Client } from '../src/data/api300/client';
import { createJsonTransport } from '../src/data/api300/jsonTransport';
import { WireRecord, customerFromWire, pageFromWire } from '../src/data/api300/mapping';
import { stopApi300Thread } from '../src/data/api300/clientThread';
import { createSoapTransport } from '../src/data/api300/soapTransport';
import type { Api300Transport } from '../src/data/api300/transport';
import type { Customer } from '../src/domain/models';
import { DEMO_TOKENS, type SimulatorStats } from '../src/simulator';
import { forkServer, type ChildServer } from './lib/processes';
import { machine, ms, runAsMain, sleep, table, type ScenarioResult } from './lib/scenario';

/**
 * API300 transports and event-loop stalls: per transport (SOAP 1.1, SOAP 1.2, JSON mode), with
 * the client in its worker thread (the default) and on the main thread, against a simulator
 * in another process holding 50,000 customers:
 * 1. the cost of one 500-record `GetCustomers` page (wall and CPU of this process, split into
 *    on the main thread: the transport — request, HTTP, parse — and the rest, mostly the
 *    mapping to domain records — and the mapping of one page alone, timed on its own);
 * 2. a 50,000-customer read of all 100 pages back to back (an initial load), with the
 *    event-loop delay (p99, max) over it;
 * 3. meanwhile, hot reads against an in-process Apollo Server (a customer from memory, as a
 *    mirror read is), sent open-loop every `PING_INTERVAL_MS`; latency counts from the
 *    intended send time, so a stall delays every read that should have started during it.
 *    The same reads at idle, just before, are the baseline.
 *
 * The simulator's 60-calls-per-minute lock is real: the benchmark resets the simulator's
 * counters (`POST /__simulator/reset`, data kept) before every 50th call, after checking that
 * no window held more than 50 calls and no token pair is blocked. It never asks more of the
 * simulator than its limit allows between two resets.
 */

const CUSTOMERS = 50_000;
const PAGE_SIZE = 500;
const PAGES = CUSTOMERS / PAGE_SIZE;
const COST_PAGES = 10;
const CALLS_PER_RESET = 50;
const PING_INTERVAL_MS = 10;
const IDLE_MS = 4_000;
const ROUNDS = 3;

interface Simulator {
  child: ChildServer;
  endpoint: string;
  calls: number;
  violations: string[];
}

async function operator<T>(sim: Simulator, method: string, action: string): Promise<T> {
  const response = await fetch(`${sim.child.url}/__simulator/${action}`, {
    method,
    headers: method === 'POST' ? { 'content-type': 'application/json' } : {},
    body: method === 'POST' ? '{}' : undefined,
  });
  return (await response.json()) as T;
}

/** Checks the simulator's verdict since the last reset. */
async function checkLimit(sim: Simulator): Promise<void> {
  const stats = await operator<SimulatorStats>(sim, 'GET', 'stats');
  if (stats.maxCallsInAnyWindow > CALLS_PER_RESET || stats.blockedTokens.length > 0)
    sim.violations.push(
      `max ${stats.maxCallsInAnyWindow} calls in a window, ${stats.blockedTokens.length} blocked`,
    );
}

/** Call accounting: before the 51st call since the last reset, check and reset. */
async function beforeCall(sim: Simulator): Promise<void> {
  if (sim.calls === CALLS_PER_RESET) {
    await checkLimit(sim);
    await operator(sim, 'POST', 'reset');
    sim.calls = 0;
  }
  sim.calls++;
}

const cpuMs = (since: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};

/** A transport that records the CPU spent inside it and the last result it read. */
function metered(
  inner: Api300Transport,
): Api300Transport & { cpuMs: number; last: WireRecord | null } {
  const meter = {
    name: inner.name,
    cpuMs: 0,
    last: null as WireRecord | null,
    async call(operation: Parameters<Api300Transport['call']>[0], parameters: WireRecord) {
      // Request building and parsing run synchronously around the HTTP wait: the CPU of this
      // process during the call, the event loop otherwise idle.
      const started = process.cpuUsage();
      const result = await inner.call(operation, parameters);
      meter.cpuMs += cpuMs(started);
      meter.last = result;
      return result;
    },
  };
  return meter;
}

/** A transport, with the client on the main thread or in its worker thread (the default). */
interface Variant {
  label: string;
  name: Api300TransportName;
  thread: 'worker' | 'main';
}

const VARIANTS: Variant[] = API300_TRANSPORTS.flatMap((name) => [
  { label: `${name}, main thread`, name, thread: 'main' as const },
  { label: `${name}, worker (default)`, name, thread: 'worker' as const },
]);

async function transportFor(name: Api300TransportName, endpoint: string): Promise<Api300Transport> {
  const options = { endpoint, timeoutMs: 30_000 };
  if (name === 'json') return createJsonTransport(options);
  return createSoapTransport({ ...options, soapVersion: name === 'soap12' ? '1.2' : '1.1' });
}

const quantile = (values: number[], q: number): number => {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
};
const median = (values: number[]): number => quantile(values, 0.5);

interface HotReads {
  url: string;
  stop(): Promise<void>;
}

async function startHotReads(customer: Customer): Promise<HotReads> {
  const server = new ApolloServer({
    typeDefs: /* GraphQL */ `
      type Customer {
        number: Int!
        firstName: String
        lastName: String
        city: String
      }
      type Query {
        customer(number: Int!): Customer
      }
    `,
    resolvers: {
      Query: { customer: (_: unknown, args: { number: number }) => ({ ...customer, ...args }) },
    },
  });
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
  return { url, stop: () => server.stop() };
}

const HOT_BODY = JSON.stringify({
  query: 'query Hot($n: Int!) { customer(number: $n) { number firstName lastName city } }',
  variables: { n: 10001 },
});

/** Open-loop hot reads until `until` resolves; latencies from each read's intended start. */
async function hotReadsDuring(url: string, until: Promise<unknown>): Promise<number[]> {
  const latencies: number[] = [];
  const inFlight: Promise<void>[] = [];
  let done = false;
  void until.finally(() => {
    done = true;
  });
  const start = performance.now();
  let sent = 0;
  while (!done) {
    const now = performance.now();
    // Every read whose time has come (several after a stall), each with its intended start.
    while (start + sent * PING_INTERVAL_MS <= now) {
      const intended = start + sent * PING_INTERVAL_MS;
      sent++;
      inFlight.push(
        fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: HOT_BODY,
        })
          .then((r) => r.text())
          .then(() => {
            latencies.push(performance.now() - intended);
          }),
      );
    }
    await sleep(Math.max(0, start + sent * PING_INTERVAL_MS - performance.now()));
  }
  await Promise.all(inFlight);
  return latencies;
}

interface TransportResult {
  label: string;
  pageWall: number[];
  pageCpu: number[];
  transportCpu: number[];
  oneGoMappingMs: number;
  loadWallMs: number;
  loadCpuMs: number;
  loadedCustomers: number;
  loopP99: number;
  loopMax: number;
  idle: number[];
  loaded: number[];
}

async function measure(variant: Variant, sim: Simulator, hot: HotReads): Promise<TransportResult> {
  const name = variant.label;
  // On the main thread the transport is metered: its CPU, and its last reply for the mapping.
  const transport =
    variant.thread === 'main' ? metered(await transportFor(variant.name, sim.endpoint)) : null;
  const api = transport
    ? api300Over(transport, DEMO_TOKENS)
    : await createApi300Client({
        endpoint: sim.endpoint,
        ...DEMO_TOKENS,
        timeoutMs: 30_000,
        transport: variant.name,
      });

  // 1. Per-page cost, nothing else running.
  const pageWall: number[] = [];
  const pageCpu: number[] = [];
  const transportCpu: number[] = [];
  for (let i = 0; i < COST_PAGES; i++) {
    await beforeCall(sim);
    if (transport) transport.cpuMs = 0;
    const cpu = process.cpuUsage();
    const wall = performance.now();
    const page = await api.getCustomers({ pageIndex: i * 7, pageSize: PAGE_SIZE });
    pageWall.push(performance.now() - wall);
    pageCpu.push(cpuMs(cpu));
    transportCpu.push(transport ? transport.cpuMs : NaN);
    if (page.items.length !== PAGE_SIZE) throw new Error(`${name}: page ${i * 7} short`);
  }
  let oneGoMappingMs = NaN;
  if (transport) {
    const mappingStarted = performance.now();
    pageFromWire(transport.last as WireRecord, 'Customers', 'Customer', customerFromWire);
    oneGoMappingMs = performance.now() - mappingStarted;
  }

  // 2 + 3. Hot reads at idle, then during a read of all pages.
  const idle = await hotReadsDuring(hot.url, sleep(IDLE_MS));
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  let loadedCustomers = 0;
  const loadCpu = process.cpuUsage();
  const loadStarted = performance.now();
  histogram.enable();
  const load = (async () => {
    for (let pageIndex = 0; pageIndex < PAGES; pageIndex++) {
      await beforeCall(sim);
      loadedCustomers += (await api.getCustomers({ pageIndex, pageSize: PAGE_SIZE })).items.length;
    }
  })();
  const loaded = await hotReadsDuring(hot.url, load);
  await load;
  histogram.disable();
  const loadWallMs = performance.now() - loadStarted;
  return {
    label: variant.label,
    pageWall,
    pageCpu,
    transportCpu,
    oneGoMappingMs,
    loadWallMs,
    loadCpuMs: cpuMs(loadCpu),
    loadedCustomers,
    loopP99: histogram.percentile(99) / 1e6,
    loopMax: histogram.max / 1e6,
    idle,
    loaded,
  };
}

export async function transports(): Promise<ScenarioResult> {
  const child = await forkServer('simulatorProcess', {
    BENCH_SIMULATOR_CUSTOMERS: String(CUSTOMERS),
  });
  const sim: Simulator = {
    child,
    endpoint: `${child.url}/Service/API300.asmx`,
    calls: 0,
    violations: [],
  };
  let hot: HotReads | null = null;
  try {
    await operator(sim, 'POST', 'reset');
    const sample = api300Over(
      createJsonTransport({ endpoint: sim.endpoint, timeoutMs: 30_000 }),
      DEMO_TOKENS,
    );
    await beforeCall(sim);
    hot = await startHotReads(await sample.getCustomer(10001));
    // `node dist/bench/transports.js json soap11` measures only the variants of those transports.
    const wanted = process.argv.slice(2);
    const variants = VARIANTS.filter((v) => wanted.length === 0 || wanted.includes(v.name));
    // Rounds interleave the variants, so that a busy spell of the shared machine does not
    // fall on one variant only; figures are medians over the rounds.
    const loadBefore = loadavg()[0];
    const rounds: TransportResult[][] = variants.map(() => []);
    for (let round = 0; round < ROUNDS; round++)
      for (const [i, variant] of variants.entries())
        rounds[i].push(await measure(variant, sim, hot));
    const loadAfter = loadavg()[0];
    await checkLimit(sim);
    const results = rounds.flat();

    const f = (value: number): string => (Number.isNaN(value) ? '—' : value.toFixed(1));
    const overRounds = (runs: TransportResult[], figure: (r: TransportResult) => number): number =>
      median(runs.map(figure));
    const costRows = rounds.map((runs) => {
      const pageWall = runs.flatMap((r) => r.pageWall);
      const pageCpu = runs.flatMap((r) => r.pageCpu);
      const transportCpu = runs.flatMap((r) => r.transportCpu);
      const mapping = pageCpu.map((cpu, i) => cpu - transportCpu[i]);
      return [
        runs[0].label,
        `${f(median(pageWall))} / ${f(Math.max(...pageWall))}`,
        f(median(pageCpu)),
        f(median(transportCpu)),
        f(median(mapping)),
        f(overRounds(runs, (r) => r.oneGoMappingMs)),
      ];
    });
    const loadRows = rounds.map((runs) => {
      const idleP99 = overRounds(runs, (r) => quantile(r.idle, 0.99));
      const loadP99 = overRounds(runs, (r) => quantile(r.loaded, 0.99));
      return [
        runs[0].label,
        `${ms(overRounds(runs, (r) => r.loadWallMs))} (${ms(overRounds(runs, (r) => r.loadCpuMs))} CPU)`,
        `${f(overRounds(runs, (r) => r.loopP99))} / ${f(overRounds(runs, (r) => r.loopMax))}`,
        runs.map((r) => f(r.loopP99)).join(', '),
        `${f(overRounds(runs, (r) => quantile(r.idle, 0.5)))} / ${f(idleP99)}`,
        `${f(overRounds(runs, (r) => quantile(r.loaded, 0.5)))} / ${f(loadP99)} / ${f(overRounds(runs, (r) => Math.max(...r.loaded)))}`,
        `${loadP99 >= idleP99 ? '+' : ''}${f(loadP99 - idleP99)} ms`,
      ];
    });
    const complete = results.every((r) => r.loadedCustomers === CUSTOMERS);
    const ok = complete && sim.violations.length === 0;
    const markdown = [
      `Machine: ${machine()}. Simulator in its own process with ${CUSTOMERS.toLocaleString('en')} customers; ` +
        `client, hot-read server and hot-read driver in this process. ${ROUNDS} rounds, variants interleaved; ` +
        `medians over the rounds. Load average ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after ` +
        '(other work on the same 2 CPUs stretches every tail). Command: ' +
        '`npm run build && node dist/bench/transports.js`.',
      '',
      `**One 500-record GetCustomers page** (${COST_PAGES} pages per round, nothing else running; ms; CPU of this process, all threads):`,
      '',
      table(
        [
          'transport',
          'wall median / max',
          'CPU median',
          'of which transport (request, HTTP, parse)',
          'of which mapping',
          'mapping alone (wall)',
        ],
        costRows,
      ),
      '',
      `**Initial load of ${CUSTOMERS.toLocaleString('en')} customers** (${PAGES} pages back to back) with hot reads ` +
        `every ${PING_INTERVAL_MS} ms against an in-process Apollo Server (latency from the intended start, ms):`,
      '',
      table(
        [
          'transport',
          'load wall (CPU)',
          'event-loop delay p99 / max',
          'p99 per round',
          'hot read idle p50 / p99',
          'hot read during load p50 / p99 / max',
          'p99 loss',
        ],
        loadRows,
      ),
      '',
      `Simulator verdict: ${
        sim.violations.length === 0
          ? `never more than ${CALLS_PER_RESET} calls in a window between resets, no token pair blocked`
          : sim.violations.join('; ')
      }; ${complete ? 'every load read all customers' : 'a load came back short'}.`,
    ].join('\n');
    return { title: 'API300 transports and event-loop stalls', markdown, ok };
  } finally {
    await hot?.stop();
    await stopApi300Thread();
    await child.stop();
  }
}

if (require.main === module) runAsMain(transports);
