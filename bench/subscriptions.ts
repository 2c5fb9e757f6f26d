import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { budgetVerdict, fetchSimulatorStats } from './lib/budget';
import { opsLine } from './lib/boardReport';
import { summarizeLatencies } from './lib/load';
import { waitForMirror } from './lib/mirror';
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
 * Live boards: SUBSCRIBERS graphql-ws subscribers (one WebSocket each) of
 * `reservationChanged(stationNumber: 1)` on one subgraph replica (a child process, MIRROR
 * defaults), then CHANGES reservations created at station 1 through the simulator's till
 * endpoint, SPACING_MS apart. Measured: for every change and subscriber, the time from the
 * till's answer to the event's arrival (target p99 ≤ the sync bound of 10 s at idle + 1 s);
 * the upstream calls per minute with no subscriber and with all of them (the same: the
 * subscribers add none); the replica's resident memory per subscriber (VmRSS of the child,
 * before and after subscribing, so an estimate that includes the sockets).
 */

const SUBSCRIBERS = Number(process.argv[2] ?? 1000);
const CHANGES = 10;
const SPACING_MS = 3000;
const BASELINE_MS = 30_000;
const TARGET_S = 11;
const SIZES = { customers: 500, reservations: 1500, tickets: 300, stations: 3 };

const BOARD = /* GraphQL */ `
  subscription Board {
    reservationChanged(stationNumber: 1) {
      change
      id
      reservation {
        start
        persons
        status
      }
    }
  }
`;

function rssBytes(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? 0) * 1024;
}

async function tillReservation(simBaseUrl: string, i: number): Promise<number> {
  const response = await fetch(`${simBaseUrl}/__simulator/till/reservations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      ReservationID: 0,
      StationNumber: 1,
      Start: new Date(Date.now() + 86_400_000 + i * 60_000).toISOString(),
      DurationMinutes: 90,
      Persons: 2 + (i % 6),
      Status: 1,
    }),
  });
  if (!response.ok) throw new Error(`till change: HTTP ${response.status}`);
  const { record } = (await response.json()) as { record: { ReservationID: number } };
  return record.ReservationID;
}

export async function subscriptions(): Promise<ScenarioResult> {
  const sim = await startBenchSimulator(SIZES);
  const subgraph = await forkSubgraph(
    subgraphEnv(sim, { SUBSCRIPTIONS_MAX_PER_CONNECTION: '5' }),
  ).catch(async (e: unknown) => {
    await sim.close();
    throw e;
  });
  const clients: Client[] = [];
  try {
    const ready = await waitForMirror(subgraph.url);
    if (ready.state !== 'synced') throw new Error(`mirror not synced: ${ready.state}`);

    // Upstream calls with no subscriber.
    const b0 = await fetchSimulatorStats(sim.baseUrl);
    await sleep(BASELINE_MS);
    const b1 = await fetchSimulatorStats(sim.baseUrl);
    const rssBefore = rssBytes(subgraph.pid);

    // id → arrival (performance.now()) per subscriber.
    const arrivals: Array<Map<number, number>> = [];
    const wsUrl = subgraph.url.replace(/^http/, 'ws');
    for (let i = 0; i < SUBSCRIBERS; i++) {
      const client = createClient({ url: wsUrl, webSocketImpl: WebSocket, retryAttempts: 0 });
      clients.push(client);
      const seen = new Map<number, number>();
      arrivals.push(seen);
      client.subscribe(
        { query: BOARD },
        {
          next: (value) => {
            const id = (value.data?.reservationChanged as { id?: number } | undefined)?.id;
            if (typeof id === 'number') seen.set(id, performance.now());
          },
          error: () => undefined,
          complete: () => undefined,
        },
      );
    }
    // Every subscriber is live once a first change reached them all.
    const warmId = await tillReservation(sim.baseUrl, -1);
    const warmStart = performance.now();
    while (arrivals.some((a) => !a.has(warmId)) && performance.now() - warmStart < 60_000) {
      await sleep(100);
    }
    const subscribed = arrivals.filter((a) => a.has(warmId)).length;
    await sleep(1000);
    const rssAfter = rssBytes(subgraph.pid);

    const s0 = await fetchSimulatorStats(sim.baseUrl);
    const t0 = performance.now();
    const changes: Array<{ id: number; at: number }> = [];
    for (let i = 0; i < CHANGES; i++) {
      const id = await tillReservation(sim.baseUrl, i);
      changes.push({ id, at: performance.now() });
      await sleep(SPACING_MS);
    }
    const lastAt = performance.now();
    while (
      changes.some((c) => arrivals.some((a) => !a.has(c.id))) &&
      performance.now() - lastAt < 60_000
    ) {
      await sleep(200);
    }
    const s1 = await fetchSimulatorStats(sim.baseUrl);
    const t1 = performance.now();

    const latencies: number[] = [];
    let missing = 0;
    for (const change of changes) {
      for (const seen of arrivals) {
        const arrived = seen.get(change.id);
        if (arrived === undefined) missing++;
        else latencies.push((arrived - change.at) / 1000);
      }
    }
    const l = summarizeLatencies(latencies);
    const perMinute = (a: number, b: number, span: number) => ((b - a) * 60_000) / span;
    const baselineRate = perMinute(b0.calls, b1.calls, BASELINE_MS);
    const liveRate = perMinute(s0.calls, s1.calls, t1 - t0);
    const perSubscriberKiB = (rssAfter - rssBefore) / 1024 / Math.max(1, subscribed);
    const verdict = budgetVerdict(s1, BUDGET);
    const ok = verdict.ok && missing === 0 && subscribed === SUBSCRIBERS && l.p99 <= TARGET_S;
    const [load1] = loadavg();
    return {
      title: 'Subscriptions: live boards',
      markdown: [
        `${SUBSCRIBERS} graphql-ws subscribers (one WebSocket each, from one client process) of ` +
          '`reservationChanged(stationNumber: 1)` on one replica (child process, MIRROR defaults, ' +
          `simulator ${SIZES.customers}/${SIZES.reservations}/${SIZES.tickets}); ${CHANGES} reservations created ` +
          `at the till ${SPACING_MS / 1000} s apart; mirror synced after ${ms(ready.waitedMs)}; ` +
          `load average ${load1.toFixed(1)} at the end (2 CPUs, shared).`,
        '',
        table(
          ['measure', 'value'],
          [
            ['subscribers live', `${subscribed}/${SUBSCRIBERS}`],
            [
              'events delivered',
              `${latencies.length}/${CHANGES * SUBSCRIBERS} (missing ${missing})`,
            ],
            [
              'till → event p50 / p99 / max (s)',
              `${l.p50.toFixed(2)} / ${l.p99.toFixed(2)} / ${l.max.toFixed(2)}`,
            ],
            [
              'target p99',
              `≤ ${TARGET_S} s (sync bound 10 s + 1 s): ${l.p99 <= TARGET_S ? 'met' : 'NOT met'}`,
            ],
            ['upstream calls/min, no subscriber', baselineRate.toFixed(1)],
            [
              `upstream calls/min, ${SUBSCRIBERS} subscribers`,
              `${liveRate.toFixed(1)} (${opsLine(s0, s1)})`,
            ],
            [
              'replica RSS before → after subscribing',
              `${(rssBefore / 2 ** 20).toFixed(0)} → ${(rssAfter / 2 ** 20).toFixed(0)} MiB`,
            ],
            ['memory per subscriber (RSS, incl. socket)', `${perSubscriberKiB.toFixed(1)} KiB`],
          ],
        ),
        '',
        verdict.line,
      ].join('\n'),
      ok,
    };
  } finally {
    await Promise.all(clients.map((c) => c.dispose()));
    await subgraph.stop();
    await sim.close();
  }
}

if (require.main === module) runAsMain(subscriptions);
