import type { FaultKnobs } from '../../../src/simulator';
import { eventually } from '../../helpers/eventually';
import { clearFaults, setFaults } from '../../helpers/simulator';
import { CUSTOMER_QUERY } from '../../helpers/operations';
import {
  DEADLINE_MS,
  brokenPromises,
  expectCachedCustomersServed,
  expectNoUpstreamLock,
  runMixedLoad,
  startFaultRig,
  warmCustomersUntilStale,
  type FaultRig,
  type MixedLoadReport,
} from './rig';

/**
 * API300 misbehaves under load: too slow, 5xx bursts, truncated XML, connections that never
 * answer. Each fault gets its own subgraph and simulator. Cached customers (their entries
 * already past the TTL, so reads want a refresh) must keep coming back with data;
 * uncached ones with data or a clear code; every answer within the request deadline; and
 * once API300 is healthy again, fresh data flows without a restart.
 */

const FAULT_LOAD_MS = 2500;

interface Fault {
  name: string;
  knobs: Partial<FaultKnobs>;
  env?: Record<string, string>;
}

const faults: Fault[] = [
  {
    name: 'answers slower than the request deadline',
    knobs: { latencyMs: 3 * DEADLINE_MS },
  },
  {
    name: 'answers every call with HTTP 500',
    knobs: { http500Rate: 1 },
  },
  {
    name: 'answers with truncated XML',
    knobs: { malformedXmlRate: 1 },
  },
  {
    name: 'never answers (hung connections)',
    knobs: { hangRate: 1 },
    env: { API300_TIMEOUT_MS: String(DEADLINE_MS / 2) },
  },
];

describe.each(faults)('when API300 $name', ({ knobs, env }) => {
  let rig: FaultRig;
  let report: MixedLoadReport;

  beforeAll(async () => {
    rig = await startFaultRig({ env });
    await warmCustomersUntilStale(rig);
    await setFaults(rig.sim, knobs);
    report = await runMixedLoad(rig, FAULT_LOAD_MS);
  });

  afterAll(async () => {
    await rig?.stop();
  });

  it('keeps answering cached customers with data', () => {
    expectCachedCustomersServed(report);
  });

  it('answers every request within its deadline, with data or a clear code', () => {
    expect(report.answers.filter((a) => a.client === 4).length).toBeGreaterThan(0);
    expect(brokenPromises(report)).toEqual([]);
  });

  it('never puts the token pair at risk', async () => {
    await expectNoUpstreamLock(rig.sim);
  });

  it('serves fresh data again as soon as API300 recovers and the paced budget allows', async () => {
    await clearFaults(rig.sim);
    // Reads are paced once half the read budget is spent (the fault load spent it on failed
    // calls), so the first read after recovery may wait for one pacing interval (~1.3 s).
    let answer = await rig.query(CUSTOMER_QUERY, { number: 10060 });
    await eventually('an answer past the pacing', async () => {
      if (answer.outcome !== 'UPSTREAM_RATE_LIMITED') return true;
      answer = await rig.query(CUSTOMER_QUERY, { number: 10060 });
      return false;
    });
    expect(answer.outcome).toBe('data');
    expect(answer.body?.data?.customer).toEqual({ number: 10060, lastName: expect.any(String) });
  });
});
