import type { RunningSimulator } from '../../../src/simulator';
import { eventually } from '../../helpers/eventually';
import { startInvalidationReceiver } from '../../helpers/subscribers';
import type { E2eSubgraph } from '../e2e/stack';
import {
  createStarted,
  startMirrorSimulator,
  startMirroredSubgraph,
  waitForSynced,
} from '../e2e/mirrorStack';

/**
 * The `max-age` of the mirror's answers: the sync's pace, or, where the subgraph tells the
 * router of every change (ROUTER_INVALIDATION_URL), the longer ROUTER_INVALIDATION_MAX_AGE_MS,
 * never above the SDL hints (stations 300 s, records 30 s).
 */

jest.setTimeout(120_000);

const started = createStarted();
afterEach(() => started.stopAll(), 60_000);

async function cacheControl(subgraph: E2eSubgraph, query: string): Promise<string | null> {
  const response = await fetch(subgraph.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  const body = (await response.json()) as { errors?: unknown };
  expect(body.errors).toBeUndefined();
  return response.headers.get('cache-control');
}

const STATIONS = '{ stations { number } }';
const CUSTOMER = '{ customer(number: 10001) { number } }';
const maxAge = (header: string | null) => Number(/max-age=(\d+)/.exec(header ?? '')?.[1] ?? NaN);

async function mirrored(env: { invalidation: boolean; maxAgeMs?: number }) {
  const sim: RunningSimulator = started.track(await startMirrorSimulator(), (s) => s.close());
  const receiver = env.invalidation
    ? started.track(await startInvalidationReceiver(), (r) => r.close())
    : null;
  const subgraph = started.track(
    await startMirroredSubgraph(sim, {
      ...(receiver && {
        ROUTER_INVALIDATION_URL: receiver.url,
        ROUTER_INVALIDATION_KEY: 'invalidation-key',
      }),
      ...(env.maxAgeMs !== undefined && {
        ROUTER_INVALIDATION_MAX_AGE_MS: String(env.maxAgeMs),
      }),
    }),
    (s) => s.stop(),
  );
  await waitForSynced(subgraph);
  // The bound follows the mirror once it answers (asked anew once a second).
  await eventually(
    'the mirror’s bound on Cache-Control',
    async () => (await cacheControl(subgraph, STATIONS)) !== 'max-age=300, public',
    30_000,
  );
  return subgraph;
}

describe('Cache-Control of the mirror’s answers with router cache invalidation', () => {
  it('is the longer ROUTER_INVALIDATION_MAX_AGE_MS where the router is told of every change, capped by the SDL hints', async () => {
    const subgraph = await mirrored({ invalidation: true, maxAgeMs: 120_000 });
    expect(await cacheControl(subgraph, STATIONS)).toBe('max-age=120, public');
    // Records' own hint (30 s) stays the ceiling; mutations stay uncacheable.
    expect(await cacheControl(subgraph, CUSTOMER)).toBe('max-age=30, public');
    const mutation = await fetch(subgraph.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: 'mutation { createCustomer(input: { lastName: "Neu" }) { number } }',
      }),
    });
    expect(mutation.headers.get('cache-control')).toBe('no-store');
  });

  it.each([
    { case: 'with invalidation but no longer max-age', invalidation: true },
    { case: 'with the setting but no invalidation', invalidation: false, maxAgeMs: 120_000 },
  ])('stays at the sync’s pace $case', async (env) => {
    const subgraph = await mirrored(env);
    const stations = maxAge(await cacheControl(subgraph, STATIONS));
    expect(stations).toBeGreaterThanOrEqual(1);
    expect(stations).toBeLessThan(30);
    expect(maxAge(await cacheControl(subgraph, CUSTOMER))).toBe(stations);
  });
});
