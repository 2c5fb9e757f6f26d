import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CUSTOMER_QUERY } from '../../helpers/operations';
import { clearFaults, setFaults } from '../../helpers/simulator';
import {
  NO_DELTAS,
  callsBetween,
  callsByOperation,
  createStarted,
  eventually,
  startMirrorSimulator,
  startMirroredSubgraph,
  waitForReadiness,
  waitForSynced,
} from './mirrorStack';

/**
 * The mirror end to end when things go wrong or start again: a restart on the same store,
 * API300 refusing every call (breaker open), and a token pair without the tickets licence.
 */

jest.setTimeout(120_000);

const started = createStarted();
afterEach(() => started.stopAll());

/** Every file and folder under `root`, with its permission bits. */
async function modes(root: string): Promise<Array<{ file: string; dir: boolean; mode: number }>> {
  const found: Array<{ file: string; dir: boolean; mode: number }> = [];
  const info = await stat(root);
  found.push({ file: root, dir: true, mode: info.mode & 0o777 });
  for (const entry of await readdir(root, { withFileTypes: true })) {
    const file = path.join(root, entry.name);
    if (entry.isDirectory()) found.push(...(await modes(file)));
    else found.push({ file, dir: false, mode: (await stat(file)).mode & 0o777 });
  }
  return found;
}

describe('the mirror end to end, when things go wrong', () => {
  test('a restart on the same store resumes with deltas instead of a full load, and the store is private', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'mirror-e2e-'));
    started.track(dir, (d) => rm(d, { recursive: true, force: true }));
    const storePath = path.join(dir, 'store');
    // 1,200 customers: a full load takes three pages of 500.
    const sim = started.track(await startMirrorSimulator({ customers: 1200 }), (s) => s.close());
    const env = { ...NO_DELTAS, MIRROR_STORE_PATH: storePath };

    const beforeLoad = await callsByOperation(sim);
    const first = await startMirroredSubgraph(sim, env);
    await waitForSynced(first);
    await first.stop();
    const fullLoad = callsBetween(beforeLoad, await callsByOperation(sim));
    expect(fullLoad.GetCustomers).toBeGreaterThanOrEqual(3);

    const beforeRestart = await callsByOperation(sim);
    const second = started.track(await startMirroredSubgraph(sim, env), (s) => s.stop());
    const ready = await waitForSynced(second);
    expect(ready.mirror?.records.customers).toBe(1200);
    const answer = await second.query(CUSTOMER_QUERY, { number: 11200 });
    expect(answer.body?.data?.customer).toEqual(expect.objectContaining({ number: 11200 }));
    const restart = callsBetween(beforeRestart, await callsByOperation(sim));
    expect(restart.GetCustomers ?? 0).toBeLessThan(fullLoad.GetCustomers);

    const files = await modes(storePath);
    expect(files.some((f) => !f.dir)).toBe(true);
    for (const f of files)
      expect({ file: f.file, mode: f.mode }).toEqual({ file: f.file, mode: f.dir ? 0o700 : 0o600 });
  });

  test('with the breaker open, reads are served from the mirror and /readyz reports the breaker and the lag', async () => {
    const sim = started.track(await startMirrorSimulator(), (s) => s.close());
    const subgraph = started.track(await startMirroredSubgraph(sim), (s) => s.stop());
    await waitForSynced(subgraph);

    // Every call now answers Status 11 (blocked): the next delta pass opens the breaker.
    await setFaults(sim, { forceStatusCode: 11 });
    const open = await waitForReadiness(subgraph, (r) => r.checks.breaker?.ok === false);
    expect(open.checks.breaker.detail).toMatch(/open/);

    for (const number of [10001, 10030, 10060]) {
      const answer = await subgraph.query(CUSTOMER_QUERY, { number });
      expect(answer.outcome).toBe('data');
      expect(answer.body?.data?.customer).toEqual(expect.objectContaining({ number }));
    }
    const paused = await waitForReadiness(
      subgraph,
      (r) => r.mirror?.kinds.customers?.phase === 'paused',
    );
    const lag = paused.mirror!.kinds.customers!.lagSeconds!;
    expect(lag).toBeGreaterThanOrEqual(0);
    const later = await waitForReadiness(
      subgraph,
      (r) => (r.mirror?.kinds.customers?.lagSeconds ?? -1) > lag + 1,
    );
    expect(later.checks.breaker.ok).toBe(false);
    expect(later.checks.mirror.detail).toMatch(/customers paused, \d+ s behind/);
    await clearFaults(sim);
  });

  test('without the tickets licence, customers and reservations are mirrored and only ticket fields fail', async () => {
    const sim = started.track(
      await startMirrorSimulator({ subgraphLicences: ['customers', 'reservations'] }),
      (s) => s.close(),
    );
    const subgraph = started.track(await startMirroredSubgraph(sim), (s) => s.stop());
    const r = await waitForReadiness(
      subgraph,
      (x) => x.mirror?.state === 'degraded' && x.mirror.kinds.tickets?.phase === 'licence-missing',
    );
    expect(r.mirror!.kinds.tickets!.licenceMissing).toMatch(/ticket/i);
    expect(r.mirror!.kinds.customers!.phase).toBe('synced');
    expect(r.mirror!.kinds.reservations!.phase).toBe('synced');
    expect(r.mirror!.records.customers).toBe(60);
    expect(r.mirror!.records.tickets).toBe(0);
    expect(r.checks.mirror.detail).toMatch(/tickets not mirrored: licence missing/);

    // The sync does not ask for tickets again (its retry is an hour away) while the others go on.
    const before = await callsByOperation(sim);
    await eventually('two more customer delta passes', async () => {
      const now = await callsByOperation(sim);
      return (now.GetCustomers ?? 0) >= (before.GetCustomers ?? 0) + 2 ? true : undefined;
    });
    expect(callsBetween(before, await callsByOperation(sim)).GetTickets).toBeUndefined();

    const beforeReads = await callsByOperation(sim);
    const customer = await subgraph.query(
      `query { customer(number: 10001) { number lastName tickets { number } } }`,
    );
    expect(customer.body?.data?.customer).toEqual(
      expect.objectContaining({ number: 10001, tickets: null }),
    );
    expect((customer.body?.data?.customer as { lastName?: unknown }).lastName).toEqual(
      expect.any(String),
    );
    expect(customer.body?.errors).toEqual([
      expect.objectContaining({
        path: ['customer', 'tickets'],
        extensions: expect.objectContaining({ code: 'UPSTREAM_LICENCE_MISSING' }),
      }),
    ]);
    const reads = callsBetween(beforeReads, await callsByOperation(sim));
    // The customer came from the mirror; only the tickets field asked API300 (and was refused).
    expect(reads.GetCustomer ?? 0).toBe(0);
  });
});
