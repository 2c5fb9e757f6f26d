import { CUSTOMER_QUERY } from '../../helpers/operations';
import { clearFaults, setFaults } from '../../helpers/simulator';
import type { E2eSubgraph } from './stack';
import {
  createStarted,
  type Readiness,
  startMirrorSimulator,
  startMirroredSubgraph,
  waitForReadiness,
  waitForSynced,
} from './mirrorStack';

/**
 * Ready means "can serve" (docs/operations.md, "Health"): a replica whose mirror answers
 * stays in the load balancer while API300 hangs, and says in /readyz what is degraded.
 */

jest.setTimeout(60_000);

const started = createStarted();

/** One probe of /readyz: its HTTP status and body. */
async function probe(
  subgraph: E2eSubgraph,
): Promise<{ http: number; body: Readiness & { degraded: string[]; reasons: string[] } }> {
  const response = await fetch(subgraph.readyzUrl);
  return {
    http: response.status,
    body: (await response.json()) as Readiness & { degraded: string[]; reasons: string[] },
  };
}
afterEach(() => started.stopAll());

describe('readiness while API300 hangs', () => {
  test('a synced replica answers /readyz 200 on every probe and serves, while every API300 call hangs', async () => {
    const sim = started.track(await startMirrorSimulator(), (s) => s.close());
    const subgraph = started.track(
      await startMirroredSubgraph(sim, { API300_TIMEOUT_MS: '500' }),
      (s) => s.stop(),
    );
    await waitForSynced(subgraph);

    await setFaults(sim, { hangRate: 1 });
    // The sync's next delta hangs until the client's timeout: API300 now counts as unreachable.
    await waitForReadiness(subgraph, (r) => r.checks.upstream?.ok === false);

    const probes: number[] = [];
    const answers: string[] = [];
    const until = Date.now() + 6_000;
    let number = 10001;
    while (Date.now() < until) {
      probes.push((await probe(subgraph)).http);
      answers.push((await subgraph.query(CUSTOMER_QUERY, { number: number++ })).outcome);
    }
    const last = await probe(subgraph);
    await clearFaults(sim);

    expect(probes.length).toBeGreaterThan(10);
    expect(probes.filter((status) => status !== 200)).toEqual([]);
    expect(answers.filter((outcome) => outcome !== 'data')).toEqual([]);
    expect(last.http).toBe(200);
    expect(last.body.checks.upstream).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/found it unreachable/),
    });
    expect(last.body.degraded).toEqual(
      expect.arrayContaining([expect.stringMatching(/^upstream: last API300 call/)]),
    );
  });

  test('a replica whose first load has nothing yet is not ready while every API300 call hangs', async () => {
    const sim = started.track(await startMirrorSimulator(), (s) => s.close());
    await setFaults(sim, { hangRate: 1 });
    const subgraph = started.track(
      await startMirroredSubgraph(sim, { API300_TIMEOUT_MS: '500' }),
      (s) => s.stop(),
    );

    const unready = await waitForReadiness(subgraph, (r) => r.checks.upstream?.ok === false);
    const reply = await probe(subgraph);
    expect(reply.http).toBe(503);
    expect(unready.mirror?.serving).toEqual([]);
    expect(reply.body.reasons).toEqual(
      expect.arrayContaining([expect.stringMatching(/^upstream: last API300 call/)]),
    );
  });
});
