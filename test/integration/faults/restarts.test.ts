import { setTimeout as pause } from 'node:timers/promises';
import type { LoadReport } from '../../../bench/lib/load';
import { describeWithRedis, startRedis, type RunningRedis } from '../../helpers/redis';
import type { SimulatorStats } from '../../../src/simulator';
import { simulatorStats } from '../../helpers/simulator';
import {
  BUDGET,
  brokenPromises,
  expectCachedCustomersServed,
  expectNoUpstreamLock,
  runMixedLoad,
  startFaultRig,
  warmCustomersUntilStale,
  type FaultRig,
} from './rig';
import { CUSTOMER_QUERY } from '../../helpers/operations';

/**
 * A dependency goes away in the middle of the load and comes back: the simulator (API300)
 * and Redis (the shared quota and cache). Every answer in between is data or a clear code
 * within the deadline, cached customers keep their data, and fresh reads work again after
 * the restart without restarting the subgraph.
 */

const LOAD_MS = 3000;

function describePromises(load: () => LoadReport) {
  it('keeps answering cached customers with data', () => {
    expectCachedCustomersServed(load());
  });

  it('answers every request within its deadline, with data or a clear code', () => {
    expect(brokenPromises(load().answers)).toEqual([]);
  });
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
  let report: LoadReport;
  let beforeRestart: SimulatorStats;

  beforeAll(async () => {
    rig = await startFaultRig();
    await warmCustomersUntilStale(rig);
    const load = runMixedLoad(rig, LOAD_MS);
    await pause(700);
    beforeRestart = await simulatorStats(rig.sim);
    await rig.closeSimulator();
    await pause(1000);
    await rig.reopenSimulator();
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
  let report: LoadReport;
  let afterRestart: LoadReport;
  const calls = { soonAfterStop: 0, beforeRestart: 0 };

  beforeAll(async () => {
    redis = await startRedis();
    rig = await startFaultRig({ env: { REDIS_URL: redis.url } });
    await warmCustomersUntilStale(rig);
    const load = runMixedLoad(rig, LOAD_MS);
    await pause(700);
    await redis.stop();
    // Calls already under way when Redis went may still land; none may start after.
    await pause(300);
    calls.soonAfterStop = (await simulatorStats(rig.sim)).calls;
    await pause(800);
    calls.beforeRestart = (await simulatorStats(rig.sim)).calls;
    await redis.restart();
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
    expect(brokenPromises(afterRestart.answers)).toEqual([]);
  });

  it('makes no upstream call while Redis is gone (the quota fails closed)', () => {
    expect(calls.beforeRestart).toBe(calls.soonAfterStop);
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
