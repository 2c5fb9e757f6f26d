import { setTimeout as pause } from 'node:timers/promises';
import { runLoad, type LoadReport } from '../../../bench/lib/load';
import { startRedisServer, type RedisServer } from '../../../bench/lib/processes';
import { simulatorStats } from '../../helpers/simulator';
import {
  BUDGET,
  CUSTOMER_QUERY,
  brokenPromises,
  expectNoUpstreamLock,
  startFaultRig,
  warmCustomers,
  type FaultRig,
} from './rig';

/**
 * A dependency goes away in the middle of the load and comes back: the simulator (API300)
 * and Redis (the shared quota and cache). Every answer in between is data or a clear code
 * within the deadline, cached customers keep their data, and fresh reads work again after
 * the restart without restarting the subgraph.
 */

const WARM = [10001, 10002, 10003];
const COLD = Array.from({ length: 40 }, (_, i) => 10011 + i);
const LOAD_MS = 3000;
const COLD_PAUSE_MS = 300;

/** Four clients on cached customers, one (paced) on customers not seen before. */
function mixedLoad(rig: FaultRig): Promise<LoadReport> {
  let cold = 0;
  return runLoad({
    clients: 5,
    durationMs: LOAD_MS,
    request: async (client, index) => {
      if (client < 4) return rig.query(CUSTOMER_QUERY, { number: WARM[index % WARM.length] });
      await pause(COLD_PAUSE_MS);
      return rig.query(CUSTOMER_QUERY, { number: COLD[cold++ % COLD.length] });
    },
  });
}

function expectPromisesKept(report: LoadReport): void {
  expect(brokenPromises(report.answers)).toEqual([]);
  const warm = new Set(report.answers.filter((a) => a.client < 4).map((a) => a.outcome));
  expect([...warm]).toEqual(['data']);
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

  beforeAll(async () => {
    rig = await startFaultRig({ env: { CACHE_TTL_MS: '1' } });
    await warmCustomers(rig, WARM);
  });

  afterAll(async () => {
    await rig?.stop();
  });

  it('keeps every promise while it is gone, and reads fresh data once it is back', async () => {
    const load = mixedLoad(rig);
    await pause(700);
    const beforeRestart = await simulatorStats(rig.sim);
    await rig.closeSimulator();
    await pause(1000);
    await rig.reopenSimulator();
    expectPromisesKept(await load);

    expect(beforeRestart.blockedTokens).toEqual([]);
    expect(beforeRestart.maxCallsInAnyWindow).toBeLessThanOrEqual(BUDGET);
    expect(await eventuallyFresh(rig, 10060, 3000)).toBe('data');
    await expectNoUpstreamLock(rig.sim);
  });
});

describe('when Redis is restarted in the middle of the load', () => {
  let redis: RedisServer;
  let rig: FaultRig;

  beforeAll(async () => {
    redis = await startRedisServer();
    rig = await startFaultRig({ env: { CACHE_TTL_MS: '1', REDIS_URL: redis.url } });
    await warmCustomers(rig, WARM);
  });

  afterAll(async () => {
    await rig?.stop();
    await redis?.stop();
  });

  it('makes no upstream call while Redis is gone, keeps every promise, and recovers by itself', async () => {
    const load = mixedLoad(rig);
    await pause(700);
    const callsWhileDown: [number, number] = [0, 0];
    const restart = redis.restart(1200);
    // Calls already under way when Redis went may still land; none may start after.
    await pause(300);
    callsWhileDown[0] = (await simulatorStats(rig.sim)).calls;
    await pause(800);
    callsWhileDown[1] = (await simulatorStats(rig.sim)).calls;
    await restart;
    expectPromisesKept(await load);

    expect(callsWhileDown[1]).toBe(callsWhileDown[0]);
    expect(await eventuallyFresh(rig, 10060, 6000)).toBe('data');
    await expectNoUpstreamLock(rig.sim);
  });
});
