import { setTimeout as pause } from 'node:timers/promises';
import type { GraphQLAnswer } from '../../../bench/lib/graphql';
import { eventually } from '../../helpers/eventually';
import { describeWithRedis, startRedis, type RunningRedis } from '../../helpers/redis';
import type { SimulatorStats } from '../../../src/simulator';
import { simulatorStats } from '../../helpers/simulator';
import {
  BUDGET,
  COLD_CLIENT,
  brokenPromises,
  expectCachedCustomersServed,
  expectNoUpstreamLock,
  runMixedLoad,
  startFaultRig,
  warmCustomersUntilStale,
  type FaultRig,
  type MixedLoadReport,
} from './rig';
import { CUSTOMER_QUERY } from '../../helpers/operations';

/**
 * A dependency goes away in the middle of the load and comes back: the simulator (API300)
 * and Redis (the shared quota and cache). Every answer in between is data or a clear code
 * within the deadline, cached customers keep their data, and fresh reads work again after
 * the restart without restarting the subgraph.
 *
 * The load's clock drives nothing: the dependency goes once the uncached client has had
 * data, and comes back once that client has been answered for a request it sent while the
 * dependency was away. The load runs `LOAD_MS`, and on until `AFTER_BACK_MS` after the
 * dependency is back, however slowly the steps came on a loaded machine.
 */

const LOAD_MS = 3000;
/** How long the load goes on once the dependency is back. */
const AFTER_BACK_MS = 1000;
/** Bound on waiting for the load to reach a step of the scenario. */
const STEP_MS = 10_000;

function describePromises(load: () => MixedLoadReport) {
  it('keeps answering cached customers with data', () => {
    expectCachedCustomersServed(load());
  });

  it('answers every request within its deadline, with data or a clear code', () => {
    expect(brokenPromises(load())).toEqual([]);
  });
}

/**
 * The steps of a restart in the middle of the load, from the answers of its uncached client
 * (with when each was sent, `performance.now()`); pass it to `runMixedLoad` as its options.
 */
function restartSteps() {
  const answers: { outcome: string; sentAt: number }[] = [];
  let backAt: number | null = null;
  return {
    onAnswer(answer: GraphQLAnswer, client: number): void {
      if (client === COLD_CLIENT)
        answers.push({ outcome: answer.outcome, sentAt: performance.now() - answer.latencyMs });
    },
    extendWhile: () => backAt === null || performance.now() < backAt + AFTER_BACK_MS,
    /** Until the uncached client has had data: the load and the upstream work. */
    firstData: () =>
      eventually(
        'data for the uncached client',
        () => answers.some((a) => a.outcome === 'data'),
        STEP_MS,
      ),
    /** Until the uncached client has been answered for a request sent after `since`. */
    sentAfter: (since: number) =>
      eventually(
        'an answer to a request sent during the outage',
        () => answers.some((a) => a.sentAt > since),
        STEP_MS,
      ),
    /** The dependency is back: the load ends `AFTER_BACK_MS` from now (or at `LOAD_MS`). */
    back(): void {
      backAt = performance.now();
    },
  };
}

/** Asks for `number` until it comes back as data (the subgraph reconnects by itself). */
async function eventuallyFresh(rig: FaultRig, number: number, withinMs: number): Promise<string> {
  const until = Date.now() + withinMs;
  let outcome = 'none';
  while (Date.now() < until) {
    outcome = (await rig.query(CUSTOMER_QUERY, { number })).outcome;
    if (outcome === 'data') break;
    await pause(250);
  }
  return outcome;
}

describe('when the simulator is restarted in the middle of the load', () => {
  let rig: FaultRig;
  let report: MixedLoadReport;
  let beforeRestart: SimulatorStats;

  beforeAll(async () => {
    rig = await startFaultRig();
    await warmCustomersUntilStale(rig);
    const steps = restartSteps();
    const load = runMixedLoad(rig, LOAD_MS, steps);
    try {
      await steps.firstData();
      beforeRestart = await simulatorStats(rig.sim);
      await rig.closeSimulator();
      await steps.sentAfter(performance.now());
      await rig.reopenSimulator();
    } finally {
      steps.back();
    }
    report = await load;
  });

  afterAll(async () => {
    await rig?.stop();
  });

  describePromises(() => report);

  it('never puts the token pair at risk, before or after the restart', async () => {
    expect(beforeRestart.blockedTokens).toEqual([]);
    expect(beforeRestart.maxCallsInAnyWindow).toBeLessThanOrEqual(BUDGET);
    await expectNoUpstreamLock(rig.sim);
  });

  it('reads fresh data once it is back', async () => {
    expect(await eventuallyFresh(rig, 10060, 3000)).toBe('data');
  });
});

describeWithRedis('when Redis is restarted in the middle of the load', () => {
  let redis: RunningRedis;
  let rig: FaultRig;
  let report: MixedLoadReport;
  let afterRestart: MixedLoadReport;
  /** When each upstream call started (epoch ms, the gate's clock). */
  const callStarts: number[] = [];
  const outage = { from: 0, to: 0 };

  beforeAll(async () => {
    redis = await startRedis();
    rig = await startFaultRig({ env: { REDIS_URL: redis.url } });
    rig.subgraph.dataPath.gate.onCall((call) => callStarts.push(Date.now() - call.durationMs));
    await warmCustomersUntilStale(rig);
    const steps = restartSteps();
    const load = runMixedLoad(rig, LOAD_MS, steps);
    try {
      await steps.firstData();
      await redis.stop();
      // Calls already under way when Redis went may still land; none may start after.
      outage.from = Date.now();
      await steps.sentAfter(performance.now());
      outage.to = Date.now();
      await redis.restart();
    } finally {
      steps.back();
    }
    report = await load;
    // The same load once more with Redis back (and empty): the window's calls must still count.
    afterRestart = await runMixedLoad(rig, LOAD_MS);
  });

  afterAll(async () => {
    await rig?.stop();
    await redis?.stop();
  });

  describePromises(() => report);

  it('keeps its promises after the restart too', () => {
    expect(brokenPromises(afterRestart)).toEqual([]);
  });

  it('makes no upstream call while Redis is gone (the quota fails closed)', () => {
    expect(callStarts.some((at) => at < outage.from)).toBe(true); // the calls are seen
    expect(callStarts.filter((at) => at >= outage.from && at <= outage.to)).toEqual([]);
  });

  it('never puts the token pair at risk, though the restarted Redis is empty', async () => {
    await expectNoUpstreamLock(rig.sim);
  });

  it('holds upstream calls for one window once Redis is back empty (its calls are unknown), then recovers by itself', async () => {
    const hold = rig.subgraph.dataPath.stats().quota?.hold;
    expect(hold?.reason).toMatch(/new or was lost/);
    expect(await eventuallyFresh(rig, 10060, hold!.until - Date.now() + 6000)).toBe('data');
  }, 90_000);
});
