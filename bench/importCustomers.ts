import { budgetVerdict, fetchSimulatorStats } from './lib/budget';
import { opsLine } from './lib/boardReport';
import { IMPORT_CUSTOMERS, postGraphQL } from './lib/graphql';
import { forkSubgraph } from './lib/processes';
import {
  BUDGET,
  ms,
  outcomesLine,
  runAsMain,
  startBenchSimulator,
  subgraphEnv,
  table,
  type ScenarioResult,
} from './lib/scenario';

/**
 * Import: one `importCustomers` mutation with 5,000 new customers. Reports upstream calls
 * (one `SetCustomers` per 500 records is the minimum), wall time, and whether every record
 * was stored: the payload's `storedCount`, distinct numbers, and the simulator's own count
 * of customers before and after.
 */

const RECORDS = 5000;
const DEADLINE_MS = 60_000;

export function importRecords(count: number): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, i) => ({
    salutation: i % 2 ? 'Frau' : 'Herr',
    firstName: `Import${i}`,
    lastName: `Benchmark-${String(i).padStart(5, '0')}`,
    gender: i % 2 ? 'FEMALE' : 'MALE',
    birthday: `19${50 + (i % 50)}-0${1 + (i % 9)}-1${i % 10}`,
    street: `Hauptstraße ${1 + (i % 200)}`,
    zipCode: '10115',
    city: 'Berlin',
    country: 'DE',
    email: `import${i}@example.org`,
    mobile: `+49 170 ${String(1000000 + i)}`,
    discount: i % 20,
    priceLevel: 1 + (i % 9),
    memo: 'Imported by bench/importCustomers',
  }));
}

interface ImportPayload {
  storedCount: number;
  failedCount: number;
  results: Array<{
    index: number;
    number: number | null;
    success: boolean;
    error: { code: string } | null;
  }>;
}

export async function importCustomers(): Promise<ScenarioResult> {
  const sim = await startBenchSimulator();
  const subgraph = await forkSubgraph(
    subgraphEnv(sim, { REQUEST_DEADLINE_MS: String(DEADLINE_MS) }),
  );
  try {
    const before = await fetchSimulatorStats(sim.baseUrl);
    const answer = await postGraphQL(subgraph.url, IMPORT_CUSTOMERS, {
      variables: { customers: importRecords(RECORDS) },
    });
    const after = await fetchSimulatorStats(sim.baseUrl);
    const payload = answer.body?.data?.importCustomers as ImportPayload | undefined;
    const stored = payload?.results.filter((r) => r.success) ?? [];
    const distinctNumbers = new Set(stored.map((r) => r.number)).size;
    const failures: Record<string, number> = {};
    for (const r of payload?.results ?? [])
      if (r.error) failures[r.error.code] = (failures[r.error.code] ?? 0) + 1;
    const simulatorGrowth = after.data.customers - before.data.customers;
    const allStored =
      answer.outcome === 'data' &&
      payload?.storedCount === RECORDS &&
      distinctNumbers === RECORDS &&
      simulatorGrowth === RECORDS;
    const verdict = budgetVerdict(after, BUDGET);
    return {
      title: 'Import',
      markdown: [
        `One \`importCustomers\` mutation with ${RECORDS} new customers (request body ` +
          `${(JSON.stringify(importRecords(RECORDS)).length / 1024 / 1024).toFixed(1)} MiB), ` +
          `one subgraph process, REQUEST_DEADLINE_MS=${DEADLINE_MS}.`,
        '',
        table(
          ['measure', 'value'],
          [
            ['outcome', answer.outcome],
            [
              'storedCount / failedCount',
              `${payload?.storedCount ?? '–'} / ${payload?.failedCount ?? '–'}`,
            ],
            ['failed records by code', outcomesLine(failures)],
            ['distinct customer numbers returned', distinctNumbers],
            [
              'customers in the simulator before → after',
              `${before.data.customers} → ${after.data.customers} (+${simulatorGrowth})`,
            ],
            ['upstream calls', `${after.calls - before.calls} (${opsLine(before, after)})`],
            ['minimum possible calls', Math.ceil(RECORDS / 500)],
            ['wall time', ms(answer.latencyMs)],
            ['all stored', allStored ? 'yes' : 'NO'],
          ],
        ),
        '',
        verdict.line,
      ].join('\n'),
      ok: verdict.ok && allStored,
    };
  } finally {
    await subgraph.stop();
    await sim.close();
  }
}

if (require.main === module) runAsMain(importCustomers);
