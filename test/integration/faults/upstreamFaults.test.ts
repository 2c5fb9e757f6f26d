import { setTimeout as pause } from 'node:timers/promises';
import { runLoad, type LoadReport } from '../../../bench/lib/load';
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

/**
 * Known defects (reported, not yet fixed) turn a test into `it.failing`: it stays in the
 * suite, passes while the defect is there, and fails the day it is fixed — then drop the
 * marker.
 */
const BURNS_BUDGET_ON_FAILED_REFRESHES =
  'a failed background refresh is tried again on the next stale hit: during an outage the ' +
  'refreshes of a few hot keys spend the whole minute of budget, so fresh reads wait for the window';
const IN_FLIGHT_CALL_OUTLIVES_DEADLINE =
  'an upstream call already on its way is awaited past the request deadline (until API300_TIMEOUT_MS)';

interface Fault {
  name: string;
  knobs: Partial<FaultKnobs>;
  env?: Record<string, string>;
  knownDefects?: { deadline?: string; recovery?: string };
}

const faults: Fault[] = [
  {
    name: 'answers slower than the request deadline',
    knobs: { latencyMs: 3 * DEADLINE_MS },
    knownDefects: { deadline: IN_FLIGHT_CALL_OUTLIVES_DEADLINE },
  },
  {
    name: 'answers every call with HTTP 500',
    knobs: { http500Rate: 1 },
    knownDefects: { recovery: BURNS_BUDGET_ON_FAILED_REFRESHES },
  },
  {
    name: 'answers with truncated XML',
    knobs: { malformedXmlRate: 1 },
    knownDefects: { recovery: BURNS_BUDGET_ON_FAILED_REFRESHES },
  },
  {
    name: 'never answers (hung connections)',
    knobs: { hangRate: 1 },
    env: { API300_TIMEOUT_MS: String(DEADLINE_MS / 2) },
  },
];

/** `it`, or `it.failing` while `defect` is known and unfixed. */
const itUnless = (defect: string | undefined) => (defect ? it.failing : it);

describe.each(faults)('when API300 $name', ({ knobs, env, knownDefects }) => {
  let rig: FaultRig;
  let report: LoadReport;

  beforeAll(async () => {
    // A 1 ms TTL: every cached entry is stale by the time the load runs.
    rig = await startFaultRig({ env: { CACHE_TTL_MS: '1', ...env } });
    await warmCustomers(rig, WARM);
    await setFaults(rig.sim, knobs);
    let cold = 0;
    report = await runLoad({
      clients: 5,
      durationMs: FAULT_LOAD_MS,
      // Four clients read cached customers; one asks for customers not seen before.
      request: async (client, index) => {
        if (client < 4) return rig.query(CUSTOMER_QUERY, { number: WARM[index % WARM.length] });
        await pause(COLD_PAUSE_MS);
        return rig.query(CUSTOMER_QUERY, { number: COLD[cold++ % COLD.length] });
      },
    });
  });

  afterAll(async () => {
    await rig?.stop();
  });

  it('keeps answering cached customers with data', () => {
    const warm = report.answers.filter((a) => a.client < 4);
    expect(warm.length).toBeGreaterThan(0);
    expect(new Set(warm.map((a) => a.outcome))).toEqual(new Set(['data']));
  });

  itUnless(knownDefects?.deadline)(
    'answers every request within its deadline, with data or a clear code',
    () => {
      expect(report.answers.filter((a) => a.client === 4).length).toBeGreaterThan(0);
      expect(brokenPromises(report.answers)).toEqual([]);
    },
  );

  it('never puts the token pair at risk', async () => {
    await expectNoUpstreamLock(rig.sim);
  });

  itUnless(knownDefects?.recovery)(
    'serves fresh data again as soon as API300 recovers',
    async () => {
      await clearFaults(rig.sim);
      const answer = await rig.query(CUSTOMER_QUERY, { number: 10060 });
      expect(answer.outcome).toBe('data');
      expect(answer.body?.data?.customer).toEqual({ number: 10060, lastName: expect.any(String) });
    },
  );
});
