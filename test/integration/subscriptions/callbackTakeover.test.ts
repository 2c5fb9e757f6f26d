import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import type { RunningSimulator } from '../../../src/simulator';
import { eventually } from '../../helpers/eventually';
import { createTestDatabase, describeWithPostgres } from '../../helpers/postgres';
import { startRedis } from '../../helpers/redis';
import { startRouterCallbacks } from '../../helpers/routerCallbacks';
import { tillChange } from '../../helpers/simulator';
import { startSubgraphProcess, type SubgraphProcess } from '../../helpers/subgraphProcess';
import { startE2eSubgraph, upstreamEnv, type E2eSubgraph } from '../e2e/stack';
import { createStarted, MIRROR_ENV, startMirrorSimulator, waitForSynced } from '../e2e/mirrorStack';

/**
 * Apollo Router callback subscriptions outlive the replica that accepted them: replicas on one
 * PostgreSQL mirror and one Redis. Replica A (a child process) accepts a subscription and is
 * killed with SIGKILL — no `complete`, no hand-over; replica B claims the record once A's claim
 * expires and carries on with a `check` and the next change's `next`, same id and verifier. A
 * replica stopped gracefully hands its subscription over the same way, and the router's 404
 * deletes the record.
 */

jest.setTimeout(180_000);

const LEASE_MS = 600;
/** The bound of a take-over after a crash: the lease, a look every third of it, and slack. */
const TAKEOVER_BOUND_MS = 5 * LEASE_MS + 2_000;
const CUSTOMER = 10001;
const SUBSCRIPTION = `subscription { customerChanged(number: ${CUSTOMER}) { change customer { lastName } } }`;
const lastNameOf = (payload: unknown) =>
  (payload as { data?: { customerChanged?: { customer?: { lastName?: string } } } } | undefined)
    ?.data?.customerChanged?.customer?.lastName;

function subscribe(url: string, callbackUrl: string, id: string, verifier: string) {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json;callbackSpec=1.0' },
    body: JSON.stringify({
      query: SUBSCRIPTION,
      extensions: {
        subscription: {
          callback_url: callbackUrl,
          subscription_id: id,
          verifier,
          heartbeat_interval_ms: 200,
        },
      },
    }),
  });
}

/** A metric of B's /metrics, summed over its labels. */
async function metric(subgraph: E2eSubgraph, name: string): Promise<number> {
  const text = await (await fetch(new URL('/metrics', subgraph.url))).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`))
    .reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
}

describeWithPostgres('callback subscriptions across replicas', () => {
  const started = createStarted();
  let sim: RunningSimulator;
  let redisClient: Redis;
  let env: Record<string, string>;
  let b: E2eSubgraph;
  afterAll(() => started.stopAll(), 60_000);

  beforeAll(async () => {
    sim = started.track(await startMirrorSimulator(), (s) => s.close());
    const redis = started.track(await startRedis(), (r) => r.stop());
    const db = started.track(await createTestDatabase(), (d) => d.drop());
    redisClient = started.track(new Redis(redis.url), async (r) => r.disconnect());
    env = {
      ...MIRROR_ENV,
      ...upstreamEnv(sim),
      MIRROR_STORE_PATH: ':memory:',
      MIRROR_DATABASE_URL: db.url,
      MIRROR_LEASE_TTL_MS: '2000',
      MIRROR_LEASE_RENEW_MS: '500',
      REDIS_URL: redis.url,
      CACHE_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      SUBSCRIPTIONS_CALLBACK_LEASE_MS: String(LEASE_MS),
    };
  });

  it('a replica killed with SIGKILL: another takes its subscription over and carries on', async () => {
    const a: SubgraphProcess = started.track(await startSubgraphProcess(env), (p) => p.kill());
    await waitForSynced({ readyzUrl: new URL('/readyz', a.url).toString() } as E2eSubgraph);
    b = started.track(await startE2eSubgraph({ env }), (s) => s.stop());
    await waitForSynced(b);

    const router = started.track(
      await startRouterCallbacks({ id: 'sub-crash', verifier: 'v-crash' }),
      (r) => r.close(),
    );
    const answer = await subscribe(a.url, router.url, 'sub-crash', 'v-crash');
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ data: null });
    // A runs it: its heartbeats come; B does not (A's claim is renewed).
    await eventually('A’s heartbeats', () => router.messages.length >= 3);
    expect(b.running.app.subscriptionStats()?.active.callback).toBe(0);
    // Sealed in Redis: neither the verifier nor the callback URL can be read there.
    const recordKey = (await redisClient.keys('hypersoft:callbacks:*')).find((k) =>
      k.endsWith(':rec:sub-crash'),
    );
    expect(recordKey).toBeDefined();
    const sealed = await redisClient.get(recordKey!);
    expect(sealed).not.toContain('v-crash');
    expect(sealed).not.toContain('127.0.0.1');

    await a.kill();
    const afterKill = router.messages.length;
    const killedAt = Date.now();
    await eventually(
      'B’s check after A died',
      () =>
        router.messages.slice(afterKill).some((m) => m.action === 'check') &&
        b.running.app.subscriptionStats()?.active.callback === 1,
      TAKEOVER_BOUND_MS,
    );
    expect(Date.now() - killedAt).toBeLessThan(TAKEOVER_BOUND_MS);
    expect(b.running.app.subscriptionStats()?.callbacksTakenOver).toBe(1);
    expect(await metric(b, 'hypersoft_callback_subscriptions_taken_over_total')).toBe(1);

    await tillChange(sim, 'customers', { CustomerNumber: CUSTOMER, Name: 'Übernommen' });
    await eventually(
      'the change as next, from B',
      () =>
        router.messages.some((m) => m.action === 'next' && lastNameOf(m.payload) === 'Übernommen'),
      30_000,
    );
    expect(await metric(b, 'hypersoft_subscription_events_delivered_total')).toBeGreaterThan(0);
    expect(router.messages.some((m) => m.action === 'complete')).toBe(false);
    expect(router.violations).toEqual([]);

    // The router no longer has it: B stops and deletes the record.
    router.answerWith(() => 404);
    await eventually(
      'the subscription ended and its record deleted',
      async () =>
        b.running.app.subscriptionStats()?.active.callback === 0 &&
        (await redisClient.keys('hypersoft:callbacks:*')).length === 0,
    );
    expect(router.messages.some((m) => m.action === 'complete')).toBe(false);
  });

  it('a replica stopped gracefully hands its subscription over without complete', async () => {
    const c = await startE2eSubgraph({ env });
    const router = started.track(
      await startRouterCallbacks({ id: 'sub-stop', verifier: 'v-stop' }),
      (r) => r.close(),
    );
    expect((await subscribe(c.url, router.url, 'sub-stop', 'v-stop')).status).toBe(200);
    expect(c.running.app.subscriptionStats()?.active.callback).toBe(1);
    await c.stop();
    const afterStop = router.messages.length;
    await eventually(
      'B’s check after C stopped',
      () =>
        router.messages.slice(afterStop).some((m) => m.action === 'check') &&
        b.running.app.subscriptionStats()?.active.callback === 1,
      TAKEOVER_BOUND_MS,
    );
    expect(b.running.app.subscriptionStats()?.active.callback).toBe(1);

    await tillChange(sim, 'customers', { CustomerNumber: CUSTOMER, Name: 'Weitergegeben' });
    await eventually(
      'the change as next, from B',
      () =>
        router.messages.some(
          (m) => m.action === 'next' && lastNameOf(m.payload) === 'Weitergegeben',
        ),
      30_000,
    );
    expect(router.messages.some((m) => m.action === 'complete')).toBe(false);
    expect(router.violations).toEqual([]);
  });
});
