import type { RunningSimulator } from '../../../src/simulator';
import { eventually } from '../../helpers/eventually';
import { describeWithRedis, startRedis, type RunningRedis } from '../../helpers/redis';
import { setFaults, startTestSimulator } from '../../helpers/simulator';
import { CUSTOMER_QUERY } from '../../helpers/operations';
import {
  FIRST_CUSTOMER,
  embeddedSimulator,
  expectBudgetKept,
  runCustomerLoad,
  startE2eSubgraph,
  subgraphCalls,
  upstreamEnv,
  type CustomerLoadReport,
  type E2eSubgraph,
} from './stack';

/**
 * The real stack under load never crosses the upstream budget — one
 * subgraph, three replicas sharing one Redis, Redis restarted mid-load, and API300 answering
 * "blocked". Every answer is data or a clear error code, and the simulator (which counts
 * exactly as API300 does) never sees more than the budget in any rolling 60 s window.
 *
 * A small budget makes the tests fast and strict: the load needs far more upstream reads
 * than the budget allows, so it is spent in the first second and every later miss must be
 * answered UPSTREAM_RATE_LIMITED instead of crossing it. Each test runs well inside one
 * 60 s window, so "calls in any window" is simply "calls".
 */

const BUDGET = 20;
const WRITE_RESERVE = 4;
/** Reads may use the budget minus the writes' reserve. */
const READ_CAP = BUDGET - WRITE_RESERVE;

const LOAD = { clients: 50, queries: 3000, customers: 2000 } as const;

const ENV = {
  UPSTREAM_CALLS_PER_MINUTE: String(BUDGET),
  UPSTREAM_WRITE_RESERVE: String(WRITE_RESERVE),
  REQUEST_DEADLINE_MS: '2000',
};

/** Seeded data: the 2,000 customers the load asks for; few reservations and tickets (unused). */
const SIMULATOR_DATA = { customers: LOAD.customers, reservations: 100, tickets: 50 } as const;

const started: Array<{ stop(): Promise<void> }> = [];

/** Stops what the test started, newest first: subgraphs before the Redis and simulator they use. */
async function stopStarted(): Promise<void> {
  for (const s of started.splice(0).reverse()) await s.stop().catch(() => undefined);
}

function track<T extends { stop(): Promise<void> }>(s: T): T {
  started.push(s);
  return s;
}

async function startSimulatorForReplicas(): Promise<RunningSimulator> {
  const sim = await startTestSimulator(SIMULATOR_DATA);
  track({ stop: () => sim.close() });
  return sim;
}

async function startReplicas(sim: RunningSimulator, redis: RunningRedis, count: number) {
  const env = { ...ENV, ...upstreamEnv(sim), REDIS_URL: redis.url };
  return Promise.all(
    Array.from({ length: count }, async () => track(await startE2eSubgraph({ env }))),
  );
}

/** Upstream calls each subgraph's gate made (all outcomes). */
function callsOf(subgraph: E2eSubgraph): number {
  return subgraph.running.dataPath.stats().upstream.calls.reduce((sum, c) => sum + c.count, 0);
}

/**
 * Every answer was the asked customer's data or a clear UPSTREAM_RATE_LIMITED, and both
 * occurred. On a loaded machine a call of the first burst can outlive the 2 s deadline: the
 * requests that joined it hear a clear UPSTREAM_UNAVAILABLE ("did not answer before the request
 * deadline"); a machine's speed decides that, not the budget, so it is allowed, never required.
 */
function expectDataOrRateLimited(report: CustomerLoadReport): void {
  expect(report.unclear).toEqual([]);
  expect(report.answers).toHaveLength(LOAD.queries);
  const outcomes = Object.keys(report.outcomes);
  expect(outcomes).toEqual(expect.arrayContaining(['UPSTREAM_RATE_LIMITED', 'data']));
  expect(
    outcomes.filter((o) => !['UPSTREAM_RATE_LIMITED', 'data', 'UPSTREAM_UNAVAILABLE'].includes(o)),
  ).toEqual([]);
}

async function readiness(subgraph: E2eSubgraph): Promise<{ status: number; reasons: string[] }> {
  const response = await fetch(subgraph.readyzUrl);
  const body = (await response.json()) as { reasons: string[] };
  return { status: response.status, reasons: body.reasons };
}

const UPDATE_EMAIL = /* GraphQL */ `
  mutation Touch($number: Int!, $email: String!) {
    updateCustomer(number: $number, patch: { email: $email }) {
      number
      email
    }
  }
`;

describe('one subgraph under load', () => {
  let report: CustomerLoadReport;
  let sim: RunningSimulator;

  beforeAll(async () => {
    const subgraph = track(await startE2eSubgraph({ env: ENV, simulator: SIMULATOR_DATA }));
    sim = embeddedSimulator(subgraph);
    report = await runCustomerLoad({ subgraphs: [subgraph], ...LOAD });
  });

  afterAll(stopStarted);

  it('answers 3,000 queries over 2,000 customers from 50 clients with data or UPSTREAM_RATE_LIMITED', () => {
    expectDataOrRateLimited(report);
  });

  it("never crosses the budget, and reads leave the writes' reserve alone", async () => {
    await expectBudgetKept(sim, BUDGET);
    expect(await subgraphCalls(sim)).toBeLessThanOrEqual(READ_CAP);
  });
});

// Reads are paced once half the read budget is spent (src/data/gate/pacing.ts):
// the misses that pile up meanwhile go out together. How many customers one call serves
// under load depends on the machine's speed, so that figure lives in bench/ (the
// reservation board); here the property itself, which no machine speed can change.
describe('misses of concurrent requests waiting for one paced slot', () => {
  afterEach(stopStarted);

  it('go upstream together in one call, within the budget', async () => {
    // 8 reads a minute: the first 4 go at once, then one every 7.5 s, which leaves the 40
    // requests below ample time to queue; the deadline outlasts the wait.
    const budget = { calls: 10, writeReserve: 2 };
    const readCap = budget.calls - budget.writeReserve;
    const subgraph = track(
      await startE2eSubgraph({
        env: {
          UPSTREAM_CALLS_PER_MINUTE: String(budget.calls),
          UPSTREAM_WRITE_RESERVE: String(budget.writeReserve),
          REQUEST_DEADLINE_MS: '15000',
        },
        simulator: SIMULATOR_DATA,
      }),
    );
    const sim = embeddedSimulator(subgraph);
    const burst = Math.ceil(readCap / 2);
    for (let i = 0; i < burst; i++)
      expect((await subgraph.query(CUSTOMER_QUERY, { number: FIRST_CUSTOMER + i })).outcome).toBe(
        'data',
      );
    expect(await subgraphCalls(sim)).toBe(burst);

    const misses = () => subgraph.running.dataPath.stats().cache.misses;
    const missesBefore = misses();
    const waiting = Array.from({ length: 40 }, (_, i) =>
      subgraph.query(CUSTOMER_QUERY, { number: FIRST_CUSTOMER + burst + i }),
    );
    // Every one of the 40 has missed the cache and waits, and the paced slot has not come yet.
    await eventually('all 40 to miss the cache', () => misses() >= missesBefore + 40, 30_000);
    expect(await subgraphCalls(sim)).toBe(burst);

    const answers = await Promise.all(waiting);
    expect(answers.map((a) => a.outcome)).toEqual(Array(40).fill('data'));
    expect(await subgraphCalls(sim)).toBe(burst + 1);
    await expectBudgetKept(sim, budget.calls);
  });
});

describeWithRedis('three subgraphs sharing one Redis', () => {
  afterEach(stopStarted);

  it('keep the budget together under the same load: it is one budget, not one each', async () => {
    const redis = track(await startRedis());
    const sim = await startSimulatorForReplicas();
    const replicas = await startReplicas(sim, redis, 3);

    const report = await runCustomerLoad({ subgraphs: replicas, ...LOAD });

    expectDataOrRateLimited(report);
    await expectBudgetKept(sim, BUDGET);
    const perReplica = replicas.map(callsOf);
    expect(perReplica.filter((calls) => calls > 0).length).toBeGreaterThan(1);
    expect(perReplica.reduce((a, b) => a + b, 0)).toBe(await subgraphCalls(sim));
    expect(await subgraphCalls(sim)).toBeLessThanOrEqual(READ_CAP);
  });

  it('make no call without budget while Redis is down, answer clearly, and recover by themselves when it is back', async () => {
    const redis = track(await startRedis());
    const sim = await startSimulatorForReplicas();
    const replicas = await startReplicas(sim, redis, 3);
    const outage = { callsAtStop: -1, callsBeforeRestart: -1, writeWhileDown: '', restartedAt: -1 };
    let outageDone: Promise<void> = Promise.resolve();
    let loadFinishedAt = -1;

    const load = runCustomerLoad({
      subgraphs: replicas,
      ...LOAD,
      onAnswer: (answered) => {
        if (answered !== 300) return;
        outageDone = (async () => {
          await redis.stop();
          // A call granted before the stop may still be on its way; none may start after. The
          // reads spent their whole share before the stop: once it has reached API300, it is
          // all that came before.
          await eventually(
            'the reads granted before the stop to reach API300',
            async () => (await subgraphCalls(sim)) >= READ_CAP,
          );
          outage.callsAtStop = await subgraphCalls(sim);
          // Even a write, which has budget reserved, is refused: no slot without Redis.
          outage.writeWhileDown = (
            await replicas[0].query(UPDATE_EMAIL, {
              number: FIRST_CUSTOMER,
              email: 'while.redis.is.down@example.com',
            })
          ).outcome;
          outage.callsBeforeRestart = await subgraphCalls(sim);
          await redis.restart();
          outage.restartedAt = performance.now();
        })();
      },
    }).then((report) => {
      loadFinishedAt = performance.now();
      return report;
    });
    const report = await load;
    await outageDone;

    expect(outage.restartedAt).toBeGreaterThan(0);
    expect(loadFinishedAt).toBeGreaterThan(outage.restartedAt); // the restart came mid-load
    expect(outage.writeWhileDown).toBe('UPSTREAM_RATE_LIMITED');
    // The reads had spent their share before the outage, so an empty Redis handing out a
    // fresh window would show as more reads after the restart.
    expect(outage.callsAtStop).toBe(READ_CAP);
    expect(outage.callsBeforeRestart).toBe(outage.callsAtStop);
    expectDataOrRateLimited(report);

    // Back by itself, one window later: the restarted Redis lost the window's log, and its
    // calls are unknown, so nothing goes out until a whole window has passed; these
    // read-through replicas (no mirror) can serve nothing meanwhile and say why.
    const held = replicas.map((r) => r.running.dataPath.stats().quota?.hold ?? null);
    expect(held.some((hold) => hold !== null)).toBe(true);
    const until = Math.max(...held.map((hold) => hold?.until ?? 0));
    for (const replica of replicas) {
      await eventually(
        'the replica to be ready',
        async () => (await readiness(replica)).status === 200,
        until - Date.now() + 10_000,
      );
      expect(await readiness(replica)).toEqual({ status: 200, reasons: [] });
    }
    let write = '';
    await eventually(
      'a write to reach API300',
      async () => {
        write = (
          await replicas[1].query(UPDATE_EMAIL, {
            number: FIRST_CUSTOMER,
            email: 'after.redis.restart@example.com',
          })
        ).outcome;
        return write === 'data';
      },
      10_000,
    );
    expect(write).toBe('data');

    // The restarted Redis came back empty, yet the window's calls still counted: after it,
    // only the write (GetCustomer + SetCustomer from the reserve) reached API300.
    await expectBudgetKept(sim, BUDGET);
    expect(await subgraphCalls(sim)).toBe(READ_CAP + 2);
  }, 180_000);
});

describe('when API300 answers "blocked" (Status.Code 11)', () => {
  afterEach(stopStarted);

  it('opens the breaker after that one call: no further call, UPSTREAM_BLOCKED, cached data still served, /readyz 503', async () => {
    const subgraph = track(await startE2eSubgraph({ env: ENV, simulator: SIMULATOR_DATA }));
    const sim = embeddedSimulator(subgraph);
    const cached = FIRST_CUSTOMER;
    expect((await subgraph.query(CUSTOMER_QUERY, { number: cached })).outcome).toBe('data');
    await setFaults(sim, { forceStatusCode: 11 });
    const callsBefore = await subgraphCalls(sim);

    const first = await subgraph.query(CUSTOMER_QUERY, { number: FIRST_CUSTOMER + 1 });
    expect(first.outcome).toBe('UPSTREAM_BLOCKED');
    expect(await subgraphCalls(sim)).toBe(callsBefore + 1);

    const report = await runCustomerLoad({
      subgraphs: [subgraph],
      clients: LOAD.clients,
      queries: 500,
      customers: LOAD.customers,
    });
    const blockedWrite = await subgraph.query(UPDATE_EMAIL, {
      number: cached,
      email: 'blocked@example.com',
    });
    const cachedRead = await subgraph.query(CUSTOMER_QUERY, { number: cached });

    expect(await subgraphCalls(sim)).toBe(callsBefore + 1);
    // The load asks for the cached customer too: that one answer is data, all others blocked.
    expect(report.outcomes).toEqual({ UPSTREAM_BLOCKED: 499, data: 1 });
    expect(blockedWrite.outcome).toBe('UPSTREAM_BLOCKED');
    expect(cachedRead.outcome).toBe('data');
    const ready = await readiness(subgraph);
    expect(ready.status).toBe(503);
    expect(ready.reasons.join('\n')).toMatch(/breaker/);
    await expectBudgetKept(sim, BUDGET);
  });
});
