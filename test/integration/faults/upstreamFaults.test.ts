import { setTimeout as pause } from 'node:timers/promises';
import { runLoad } from '../../../bench/lib/load';
import type { FaultKnobs } from '../../../src/simulator';
import { clearFaults, setFaults } from '../../helpers/simulator';
import {
  CUSTOMER_QUERY,
  DEADLINE_MS,
  brokenPromises,
  expectNoUpstreamLock,
  startFaultRig,
  warmCustomers,
  type FaultRig,
} from './rig';

/**
 * API300 misbehaves under load: too slow, 5xx bursts, truncated XML, connections that never
 * answer. Each fault gets its own subgraph and simulator. Cached customers (their entries
 * already past the TTL, so every read wants a refresh) must keep coming back with data;
 * uncached ones with data or a clear code; every answer within the request deadline; and
 * once API300 is healthy again, fresh data flows without a restart.
 */

const WARM = [10001, 10002, 10003];
/** Customers nobody asked for before the fault. */
const COLD = Array.from({ length: 40 }, (_, i) => 10011 + i);
const FAULT_LOAD_MS = 2500;
/**
 * The client asking for uncached customers pauses between requests, so the budget this test
 * spends stays far below one minute's: recovery must not wait for the window to slide.
 */
const COLD_PAUSE_MS = 300;

const faults: Array<{ name: string; knobs: Partial<FaultKnobs>; env?: Record<string, string> }> = [
  { name: 'answers slower than the request deadline', knobs: { latencyMs: 3 * DEADLINE_MS } },
  { name: 'answers every call with HTTP 500', knobs: { http500Rate: 1 } },
  { name: 'answers with truncated XML', knobs: { malformedXmlRate: 1 } },
  {
    name: 'never answers (hung connections)',
    knobs: { hangRate: 1 },
    env: { API300_TIMEOUT_MS: String(DEADLINE_MS / 2) },
  },
];

describe.each(faults)('when API300 $name', ({ knobs, env }) => {
  let rig: FaultRig;
  let cold = 0;

  beforeAll(async () => {
    // A 1 ms TTL: every cached entry is stale by the time the load runs.
    rig = await startFaultRig({ env: { CACHE_TTL_MS: '1', ...env } });
    await warmCustomers(rig, WARM);
    await setFaults(rig.sim, knobs);
  });

  afterAll(async () => {
    await rig?.stop();
  });

  it('answers every request within its deadline: cached customers with data, others with data or a clear code', async () => {
    const report = await runLoad({
      clients: 5,
      durationMs: FAULT_LOAD_MS,
      // Four clients read cached customers; one asks for customers not seen before.
      request: async (client, index) => {
        if (client < 4) return rig.query(CUSTOMER_QUERY, { number: WARM[index % WARM.length] });
        await pause(COLD_PAUSE_MS);
        return rig.query(CUSTOMER_QUERY, { number: COLD[cold++ % COLD.length] });
      },
    });

    expect(brokenPromises(report.answers)).toEqual([]);
    const warmOutcomes = new Set(report.answers.filter((a) => a.client < 4).map((a) => a.outcome));
    expect([...warmOutcomes]).toEqual(['data']);
    expect(report.answers.filter((a) => a.client === 4).length).toBeGreaterThan(0);
  });

  it('serves fresh data again as soon as API300 recovers', async () => {
    await clearFaults(rig.sim);
    const answer = await rig.query(CUSTOMER_QUERY, { number: 10060 });
    expect(answer.outcome).toBe('data');
    expect(answer.body?.data?.customer).toEqual({ number: 10060, lastName: expect.any(String) });
  });

  it('never puts the token pair at risk', async () => {
    await expectNoUpstreamLock(rig.sim);
  });
});
