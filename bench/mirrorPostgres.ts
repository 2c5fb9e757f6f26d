import { createBenchDatabase } from './lib/postgres';
import { createPostgresStore } from '../src/data/mirror/store/postgres';
import type { Customer, Reservation } from '../src/domain/models';

/**
 * The shared mirror store alone, on a real PostgreSQL server (`BENCH_POSTGRES_URL`, default
 * `postgres://postgres@127.0.0.1:5432/postgres`; a database is created and dropped):
 *
 * - fill: 50,000 customers and 150,000 reservations applied in batches of 500 (a sync page);
 * - cold load: a new replica's `load()` of the whole copy (what "ready in seconds" costs);
 * - change feed: a write on one replica until another has it (NOTIFY → `changesSince`), p50/p99;
 * - size of the tables on disk.
 *
 * `npm run build && node dist/bench/mirrorPostgres.js` (not in `npm run bench`: it needs a
 * PostgreSQL server).
 */

const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 50_000);
const RESERVATIONS = Number(process.env.BENCH_RESERVATIONS ?? 150_000);
const CHANGES = 200;
const PAGE = 500;
const T0 = Date.parse('2026-01-01T00:00:00Z');

function customer(n: number, changed = T0): Customer {
  return {
    number: n,
    salutation: n % 2 ? 'Frau' : 'Herr',
    firstName: `Vorname${n}`,
    lastName: `Nachname${n % 7919}`,
    company: n % 5 ? null : `Firma ${n % 311} GmbH`,
    alias: null,
    gender: n % 2 ? 'FEMALE' : 'MALE',
    birthday: '1980-05-17',
    street: `Hauptstraße ${n % 200}`,
    zipCode: String(10000 + (n % 89999)),
    city: 'Berlin',
    country: 'DE',
    phonePrivate: null,
    phoneBusiness: null,
    mobile: `+49 170 ${1000000 + n}`,
    fax: null,
    email: `kunde${n}@example.org`,
    homepage: null,
    reachableFrom: null,
    reachableTo: null,
    cardNumber: null,
    discount: 0,
    priceLevel: 1,
    creditLimit: 0,
    locked: false,
    favourite: false,
    memo: null,
    created: new Date(T0),
    changed: new Date(changed),
  };
}

function reservation(id: number): Reservation {
  return {
    id,
    stationNumber: 1 + (id % 12),
    customerNumber: 1 + (id % CUSTOMERS),
    guestName: null,
    phone: null,
    email: null,
    start: new Date(T0 + id * 600_000),
    durationMinutes: 120,
    persons: 2 + (id % 6),
    tables: String(id % 40),
    status: 'CONFIRMED',
    comment: null,
    created: new Date(T0),
    changed: new Date(T0),
  };
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function main(): Promise<void> {
  const database = await createBenchDatabase();
  const writer = createPostgresStore({ connectionString: database.url });
  const reader = createPostgresStore({ connectionString: database.url });
  try {
    await writer.ready();
    let started = performance.now();
    const pageMs: number[] = [];
    for (let n = 1; n <= CUSTOMERS; n += PAGE) {
      const t = performance.now();
      const put = Array.from({ length: Math.min(PAGE, CUSTOMERS - n + 1) }, (_, i) =>
        customer(n + i),
      );
      await writer.apply({ customers: { put } });
      pageMs.push(performance.now() - t);
    }
    for (let id = 1; id <= RESERVATIONS; id += PAGE) {
      const t = performance.now();
      const put = Array.from({ length: Math.min(PAGE, RESERVATIONS - id + 1) }, (_, i) =>
        reservation(id + i),
      );
      await writer.apply({ reservations: { put } });
      pageMs.push(performance.now() - t);
    }
    const fillS = (performance.now() - started) / 1000;
    pageMs.sort((a, b) => a - b);

    const heapBefore = process.memoryUsage().heapUsed;
    started = performance.now();
    const snapshot = await reader.load();
    const loadS = (performance.now() - started) / 1000;
    const heapMb = (process.memoryUsage().heapUsed - heapBefore) / 1e6;

    let position = snapshot.position;
    let waiting: ((customerNumber: number) => void) | null = null;
    reader.onChange(() => {
      void reader.changesSince(position).then((changes) => {
        position = changes.position;
        for (const c of changes.batch.customers?.put ?? []) waiting?.(c.number);
      });
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const feedMs: number[] = [];
    for (let i = 0; i < CHANGES; i++) {
      const number = 1 + i;
      const seen = new Promise<void>((resolve) => {
        waiting = (n) => n === number && resolve();
      });
      const t = performance.now();
      await writer.apply({ customers: { put: [customer(number, T0 + 1000 * (i + 1))] } });
      await seen;
      feedMs.push(performance.now() - t);
    }
    feedMs.sort((a, b) => a - b);

    const { rows } = await writer.pool.query<{ bytes: string }>(
      `SELECT pg_total_relation_size('hypersoft_mirror_records') AS bytes`,
    );
    console.log(`## Shared mirror store (PostgreSQL ${(await writer.pool.query('SHOW server_version')).rows[0].server_version})

| measure | value |
| --- | --- |
| fill ${CUSTOMERS.toLocaleString('en')} customers + ${RESERVATIONS.toLocaleString('en')} reservations, pages of ${PAGE} | ${fillS.toFixed(1)} s; page apply p50 ${percentile(pageMs, 50).toFixed(0)} ms, p99 ${percentile(pageMs, 99).toFixed(0)} ms |
| cold \`load()\` of the whole copy by another replica | ${loadS.toFixed(1)} s, ${(snapshot.customers.length + snapshot.reservations.length).toLocaleString('en')} records, +${heapMb.toFixed(0)} MB heap |
| write on one replica → in another's hands (NOTIFY + \`changesSince\`), ${CHANGES} changes | p50 ${percentile(feedMs, 50).toFixed(1)} ms, p99 ${percentile(feedMs, 99).toFixed(1)} ms |
| records table with indexes on disk | ${(Number(rows[0].bytes) / 1e6).toFixed(0)} MB |`);
  } finally {
    await reader.close();
    await writer.close();
    await database.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
