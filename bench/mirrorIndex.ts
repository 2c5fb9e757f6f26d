import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createMirrorIndex } from '../src/data/mirror/index';
import { createFileStore } from '../src/data/mirror/store/fileStore';
import type { MirrorBatch, MirrorIndex } from '../src/data/mirror/types';
import { API300_MAX_RECORDS } from '../src/domain/models';
import { FEMALE_FIRST_NAMES, LAST_NAMES, MALE_FIRST_NAMES } from '../src/simulator/names';
import { summarizeLatencies } from './lib/load';
import { generateMirrorData, type MirrorData } from './lib/mirrorData';
import { machine, runAsMain, table, type ScenarioResult } from './lib/scenario';

/**
 * Mirror index and file store at the mirror's design size (50,000 customers, 150,000
 * reservations, 15,000 tickets): memory of the index, build time, file store write/load time
 * and size, and the latency of the reads the subgraph answers from the index. No servers,
 * no simulator; about a minute on 2 CPUs, so it is not in run.ts's default list:
 * `npm run build && node dist/bench/mirrorIndex.js`.
 */

const SIZES = { customers: 50_000, reservations: 150_000, tickets: 15_000, days: 180 };
const SAMPLES = 400;
const NOW = Date.parse('2026-12-01T12:00:00Z');
const DAY = 86_400_000;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function memory() {
  gc();
  gc();
  const { heapUsed, rss } = process.memoryUsage();
  return { heapUsed, rss };
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const msText = (value: number) =>
  value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(value < 1 ? 3 : 1)} ms`;

function time<T>(run: () => T): { ms: number; value: T } {
  const started = performance.now();
  const value = run();
  return { ms: performance.now() - started, value };
}

/** Batches as a sync's initial load sends them (500 records each). */
function* syncBatches(data: MirrorData): Generator<MirrorBatch> {
  yield { stations: data.stations };
  for (let i = 0; i < data.customers.length; i += API300_MAX_RECORDS) {
    yield { customers: { put: data.customers.slice(i, i + API300_MAX_RECORDS) } };
  }
  for (let i = 0; i < data.reservations.length; i += API300_MAX_RECORDS) {
    yield { reservations: { put: data.reservations.slice(i, i + API300_MAX_RECORDS) } };
  }
  for (let i = 0; i < data.tickets.length; i += API300_MAX_RECORDS) {
    yield { tickets: { put: data.tickets.slice(i, i + API300_MAX_RECORDS) } };
  }
}

/** One query of each kind, so that every ordered view is sorted (the index sorts lazily). */
function warm(index: MirrorIndex): void {
  index.findCustomers({ first: 1 });
  index.findCustomers({ first: 1, orderBy: 'NUMBER' });
  index.findReservations({ first: 1 });
  index.findReservations({ first: 1, orderBy: 'ID' });
  index.findReservations({ first: 1, stationNumber: 1 });
  index.findTickets({ first: 1 });
  index.findTickets({ first: 1, orderBy: 'VALID_FROM' });
}

function latency(
  samples: number,
  run: (i: number) => number,
): { p50: number; p99: number; cpu: number; results: number } {
  const times: number[] = [];
  let results = 0;
  const cpuBefore = process.cpuUsage();
  for (let i = 0; i < samples; i++) {
    const started = performance.now();
    results += run(i);
    times.push(performance.now() - started);
  }
  const cpu = process.cpuUsage(cpuBefore);
  const summary = summarizeLatencies(times);
  return {
    p50: summary.p50,
    p99: summary.p99,
    cpu: (cpu.user + cpu.system) / 1000 / samples,
    results: results / samples,
  };
}

async function mirrorIndexBench(): Promise<ScenarioResult> {
  const data = generateMirrorData(7, SIZES, NOW);
  let random = 12345;
  const next = (n: number) => {
    random = (random * 1103515245 + 12345) & 0x7fffffff;
    return random % n;
  };
  const pickFrom = <T>(items: readonly T[]) => items[next(items.length)];

  const before = memory();
  const index = createMirrorIndex();
  const build = time(() => {
    for (const batch of syncBatches(data)) index.apply(batch);
  });
  const sortViews = time(() => warm(index));
  const afterIndex = memory();

  const bulk = createMirrorIndex();
  const bulkBuild = time(() => {
    bulk.apply({
      customers: { put: data.customers },
      reservations: { put: data.reservations },
      tickets: { put: data.tickets },
      stations: data.stations,
    });
    warm(bulk);
  });
  bulk.clear();

  // File store: the initial load as a sync writes it (500 records per apply, compactions
  // included), then a restart's load.
  const root = await mkdtemp(join(tmpdir(), 'mirror-bench-'));
  const path = join(root, 'mirror');
  let storeRows: (string | number)[][] = [];
  let loadedIndexMs = 0;
  try {
    const store = createFileStore({ path });
    const writeStarted = performance.now();
    for (const batch of syncBatches(data)) await store.apply(batch);
    const writeMs = performance.now() - writeStarted;
    const written = await store.size();
    await store.close();

    const compacted = createFileStore({ path, compactAfterBytes: 1 });
    await compacted.apply({});
    const compactSize = await compacted.size();
    await compacted.close();

    const restarted = createFileStore({ path });
    const loadStarted = performance.now();
    const snapshot = await restarted.load();
    const loadMs = performance.now() - loadStarted;
    await restarted.close();
    const fromStore = createMirrorIndex();
    loadedIndexMs = time(() => {
      fromStore.apply({
        customers: { put: snapshot.customers },
        reservations: { put: snapshot.reservations },
        tickets: { put: snapshot.tickets },
        stations: snapshot.stations,
      });
      warm(fromStore);
    }).ms;
    storeRows = [
      [
        'write: initial load, 432 applies of ≤ 500 records (fdatasync each, compactions included)',
        msText(writeMs),
      ],
      [
        'on disk after the initial load (snapshot + journal)',
        `${mib(written.snapshotBytes)} + ${mib(written.journalBytes)}`,
      ],
      [
        'on disk compacted (snapshot only, gzip level 1)',
        mib(compactSize.snapshotBytes + compactSize.journalBytes),
      ],
      ['load on restart (read + gunzip + parse + revive Dates)', msText(loadMs)],
      ['index from the loaded snapshot (one apply + sort)', msText(loadedIndexMs)],
      ['restart total: load + index', msText(loadMs + loadedIndexMs)],
    ];
  } finally {
    await rm(root, { recursive: true, force: true });
  }

  // Reads.
  const firstNames = [...FEMALE_FIRST_NAMES, ...MALE_FIRST_NAMES];
  const oneWord = (i: number) => {
    const name = pickFrom(LAST_NAMES);
    return i % 2 === 0 ? name : name.slice(0, 4);
  };
  const nameCursors: string[] = [];
  for (let after: string | undefined, page = 0; page < 100; page++) {
    const found = index.findCustomers({ first: 500, after });
    if (!found.hasNextPage) break;
    after = found.cursors[found.cursors.length - 1];
    nameCursors.push(after);
  }
  const stations = data.stations.map((s) => s.number);
  const dayStart = (offset: number) => new Date(Math.floor(NOW / DAY) * DAY + offset * DAY);
  const customerNumbers = data.customers.map((c) => c.number);

  const reads = [
    {
      name: 'customer search, 1 word (a surname or its first 4 letters), first 20, RELEVANCE',
      run: (i: number) => index.findCustomers({ first: 20, search: oneWord(i) }).totalCount,
    },
    {
      name: 'customer search, 2 words (`Anna Müll`), first 20, RELEVANCE',
      run: () =>
        index.findCustomers({
          first: 20,
          search: `${pickFrom(firstNames)} ${pickFrom(LAST_NAMES).slice(0, 4)}`,
        }).totalCount,
    },
    {
      name: 'customer search, 1 letter (a typeahead’s first key: most customers match), first 20',
      run: () =>
        index.findCustomers({ first: 20, search: pickFrom(['a', 'e', 'm', 's']) }).totalCount,
    },
    {
      name: 'customers by name, page of 50 after a random cursor',
      run: () => index.findCustomers({ first: 50, after: pickFrom(nameCursors) }).items.length,
    },
    {
      name: 'station day board: one station, one day, first 500',
      run: () => {
        const from = dayStart(next(SIZES.days) - SIZES.days / 2);
        return index.findReservations({
          first: 500,
          stationNumber: pickFrom(stations),
          from,
          to: new Date(from.getTime() + DAY),
        }).totalCount;
      },
    },
    {
      name: 'reservations of a customer (reservationsOfCustomer)',
      run: () => index.reservationsOfCustomer(pickFrom(customerNumbers)).length,
    },
    {
      name: 'reservations filtered by status only (full scan), first 50',
      run: () => index.findReservations({ first: 50, statuses: ['CANCELLED'] }).totalCount,
    },
  ];
  for (const read of reads) latency(50, read.run); // warm-up (JIT)
  const readRows = reads.map((read) => {
    const l = latency(SAMPLES, read.run);
    return [read.name, msText(l.p50), msText(l.p99), msText(l.cpu), l.results.toFixed(1)];
  });

  // A sync delta: 500 reservations moved by a day, then the next board (re-sorts the views).
  const deltas = Array.from({ length: 10 }, (_, round) => {
    const moved = Array.from({ length: API300_MAX_RECORDS }, () => {
      const r = pickFrom(data.reservations);
      return {
        ...r,
        start: new Date(r.start.getTime() + DAY),
        changed: new Date(NOW + (round + 1) * 1000),
      };
    });
    const apply = time(() => index.apply({ reservations: { put: moved } })).ms;
    const board = time(() =>
      index.findReservations({ first: 500, stationNumber: 1, from: dayStart(0), to: dayStart(1) }),
    ).ms;
    return { apply, board };
  });
  const deltaSummary = summarizeLatencies(deltas.map((d) => d.apply + d.board));

  // A write's read-back: one reservation applied, then the next board.
  const readBacks = Array.from({ length: 100 }, (_, round) => {
    const r = pickFrom(data.reservations);
    const moved = {
      ...r,
      start: new Date(r.start.getTime() + DAY),
      changed: new Date(NOW + (round + 100) * 1000),
    };
    return time(() => {
      index.apply({ reservations: { put: [moved] } });
      index.findReservations({
        first: 500,
        stationNumber: moved.stationNumber,
        from: dayStart(0),
        to: dayStart(1),
      });
    }).ms;
  });
  const readBackSummary = summarizeLatencies(readBacks);

  const indexHeap = afterIndex.heapUsed - before.heapUsed;
  const markdown = [
    `${SIZES.customers.toLocaleString('en')} customers, ${SIZES.reservations.toLocaleString('en')} reservations ` +
      `(3 stations, ${SIZES.days} days), ${SIZES.tickets.toLocaleString('en')} tickets, generated (German names). ` +
      `${machine()}, load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' / ')} at the end (the CPUs are shared: ` +
      `wall times include waiting for them; CPU per call is the process's own time). Latencies over ${SAMPLES} calls ` +
      'each after a warm-up, in one process, no server.',
    '',
    table(
      ['memory and build', 'value'],
      [
        ['index heap (after GC, index only)', mib(indexHeap)],
        [
          'process heap / RSS after the load (generated data still held)',
          `${mib(afterIndex.heapUsed)} / ${mib(afterIndex.rss)}`,
        ],
        ['index build: 432 applies of ≤ 500 records', msText(build.ms)],
        ['… then the first query of each order (lazy sorts)', msText(sortViews.ms)],
        ['index build: one apply of everything + first queries', msText(bulkBuild.ms)],
      ],
    ),
    '',
    table(['file store', 'value'], storeRows),
    '',
    table(['read', 'p50', 'p99', 'CPU per call (mean)', 'results (mean)'], readRows),
    '',
    `Sync delta of 500 moved reservations + the next station-day board: p50 ${msText(deltaSummary.p50)}, ` +
      `max ${msText(deltaSummary.max)} (10 rounds). A write's read-back (1 reservation) + the next board: ` +
      `p50 ${msText(readBackSummary.p50)}, p99 ${msText(readBackSummary.p99)} (100 rounds).`,
  ].join('\n');
  return { title: 'Mirror index and file store', markdown, ok: true };
}

if (require.main === module) runAsMain(mirrorIndexBench);
