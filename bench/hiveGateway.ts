import {
  findHiveGateway,
  startHiveGateway,
  composeSupergraph,
  type Supergraph,
} from './lib/hiveGateway';
import { waitForMirror } from './lib/mirror';
import { forkSubgraph } from './lib/processes';
import {
  runAsMain,
  sleep,
  startBenchSimulator,
  subgraphEnv,
  type ScenarioResult,
} from './lib/scenario';

/**
 * Subscriptions end to end through a real gateway: Hive Gateway (`@graphql-hive/gateway`,
 * not a dependency of this project: ~500 MB, 745 packages) over this subgraph. The simulator
 * and one replica run here; the supergraph is composed from the replica's `_service` SDL; the
 * gateway reaches the subgraph's subscriptions over graphql-ws (`ws`) or SSE (`http`); a
 * client subscribes at the gateway over SSE and a reservation is created at the till.
 * test/integration/federation/hiveGateway.test.ts asserts the same in `npm test`.
 *
 *   .ci/run installs the gateway (or: npm install --prefix <dir> @graphql-hive/gateway@2.15.1)
 *   npm run build && node dist/bench/hiveGateway.js [<path of hive-gateway>]
 *
 * Without the argument: HIVE_GATEWAY_BIN, else the one .ci/run cached.
 */

const BIN: string | null = process.argv[2] ?? findHiveGateway();

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined && value !== false) return value;
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(300);
  }
}

async function throughGateway(
  bin: string,
  kind: 'ws' | 'http',
  simBaseUrl: string,
  supergraph: Supergraph,
): Promise<string> {
  const gateway = await startHiveGateway({ bin, supergraph, name: 'hypersoft', kind });
  try {
    const abort = new AbortController();
    const response = await fetch(gateway.url, {
      method: 'POST',
      signal: abort.signal,
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({
        query:
          'subscription { reservationChanged(stationNumber: 2) { change id reservation { persons station { name } } } }',
      }),
    });
    let text = '';
    const reader = response.body!.getReader();
    const reading = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        text += Buffer.from(value).toString('utf8');
      }
    })().catch(() => undefined);
    await sleep(1500);
    const started = performance.now();
    const till = (await (
      await fetch(`${simBaseUrl}/__simulator/till/reservations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          ReservationID: 0,
          StationNumber: 2,
          Start: new Date(Date.now() + 3_600_000).toISOString(),
          DurationMinutes: 60,
          Persons: 7,
          Status: 1,
        }),
      })
    ).json()) as { record: { ReservationID: number } };
    const id = String(till.record.ReservationID);
    await until('the event at the gateway', async () => text.includes(id) || undefined, 30_000);
    const seconds = ((performance.now() - started) / 1000).toFixed(2);
    abort.abort();
    await reading;
    const line = text.split('\n').find((l) => l.includes(id)) ?? '';
    return `| \`${kind}\` | ${response.status} | ${seconds} s | \`${line.replace(/^data: /, '')}\` |`;
  } finally {
    await gateway.stop();
  }
}

export async function hiveGateway(): Promise<ScenarioResult> {
  if (!BIN)
    throw new Error(
      'no hive-gateway: node dist/bench/hiveGateway.js <path>, or set HIVE_GATEWAY_BIN, or run .ci/run',
    );
  const sim = await startBenchSimulator({
    customers: 100,
    reservations: 200,
    tickets: 50,
    stations: 3,
  });
  const subgraph = await forkSubgraph(subgraphEnv(sim, { MIRROR_SYNC_INTERVAL_MS: '500' }));
  try {
    await waitForMirror(subgraph.url);
    const supergraph = await composeSupergraph('hypersoft', subgraph.url);
    const rows = [
      await throughGateway(BIN, 'ws', sim.baseUrl, supergraph),
      await throughGateway(BIN, 'http', sim.baseUrl, supergraph),
    ];
    supergraph.remove();
    return {
      title: 'Subscriptions through Hive Gateway',
      markdown: [
        'A client subscribes at Hive Gateway over SSE; the gateway subscribes at the subgraph over the ' +
          'transport named; a reservation is created at the till (MIRROR_SYNC_INTERVAL_MS=500).',
        '',
        '| gateway → subgraph | client HTTP | till → event at the client | event |',
        '| --- | --- | --- | --- |',
        ...rows,
      ].join('\n'),
      ok: true,
    };
  } finally {
    await subgraph.stop();
    await sim.close();
  }
}

if (require.main === module) runAsMain(hiveGateway);
