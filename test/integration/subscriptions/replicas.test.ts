import Redis from 'ioredis';
import { DEMO_TOKENS, type RunningSimulator } from '../../../src/simulator';
import {
  createTestDatabase,
  describeWithPostgres,
  type TestDatabase,
} from '../../helpers/postgres';
import { startRedis, type RunningRedis } from '../../helpers/redis';
import { startTestSimulator, tillChange } from '../../helpers/simulator';
import {
  startInvalidationReceiver,
  CUSTOMER_CHANGES as CUSTOMER,
  subscribeWs,
  wsClient,
  type Received,
} from '../../helpers/subscribers';
import { AUDITOR_TOKENS, startE2eSubgraph, upstreamEnv, type E2eSubgraph } from '../e2e/stack';
import { createStarted, eventually, waitForSynced } from '../e2e/mirrorStack';

/**
 * Subscriptions across replicas: two subgraphs on one PostgreSQL mirror and one Redis. A
 * change synced by the leader reaches subscribers on both (the follower hears it through the
 * store's change feed into its own index); Redis Pub/Sub and the router's invalidation
 * endpoint hear it once, from the replica that syncs.
 */

jest.setTimeout(120_000);

const named = (lastName: string) => (item: Received) =>
  (item.data?.customerChanged as { customer?: { lastName?: string } } | undefined)?.customer
    ?.lastName === lastName;

describeWithPostgres('subscriptions across replicas', () => {
  const started = createStarted();
  let sim: RunningSimulator;
  let redis: RunningRedis;
  let db: TestDatabase;
  afterAll(() => started.stopAll(), 30_000);

  it('a change at the till reaches subscribers on every replica, and Redis and the router once', async () => {
    sim = started.track(
      await startTestSimulator({
        customers: 40,
        reservations: 40,
        tickets: 20,
        tokens: [DEMO_TOKENS, AUDITOR_TOKENS],
      }),
      (s) => s.close(),
    );
    redis = started.track(await startRedis(), (r) => r.stop());
    db = started.track(await createTestDatabase(), (d) => d.drop());
    const receiver = started.track(await startInvalidationReceiver(), (r) => r.close());
    const env = {
      ...upstreamEnv(sim),
      MIRROR: 'true',
      MIRROR_SYNC_INTERVAL_MS: '500',
      MIRROR_SYNC_SHARE: '1',
      MIRROR_DATABASE_URL: db.url,
      MIRROR_LEASE_TTL_MS: '2000',
      MIRROR_LEASE_RENEW_MS: '500',
      REDIS_URL: redis.url,
      ROUTER_INVALIDATION_URL: receiver.url,
      ROUTER_INVALIDATION_KEY: 'k',
    };
    const replicas: E2eSubgraph[] = [];
    for (let i = 0; i < 2; i++) {
      replicas.push(started.track(await startE2eSubgraph({ env }), (r) => r.stop()));
    }
    for (const replica of replicas) await waitForSynced(replica);

    const listener = started.track(new Redis(redis.url), async (r) => r.disconnect());
    const messages: string[] = [];
    listener.on('message', (_channel: string, message: string) => messages.push(message));
    await listener.subscribe('hypersoft.Customer');

    const subscribers = replicas.map((replica) => {
      const client = started.track(wsClient(replica.url), async (c) => c.dispose());
      return subscribeWs(client, CUSTOMER, { number: 10001 });
    });
    await eventually('both subscriptions open', async () =>
      replicas.every((r) => r.running.changes.subscriptions?.changes.size() === 1)
        ? true
        : undefined,
    );

    await tillChange(sim, 'customers', { CustomerNumber: 10001, Name: 'Überall' });
    for (const subscriber of subscribers) await subscriber.waitFor(named('Überall'));

    await eventually('the Redis event', async () => (messages.length > 0 ? true : undefined));
    expect(JSON.parse(messages[0])).toEqual({
      __typename: 'Customer',
      number: 10001,
      change: 'CHANGED',
    });
    await eventually('the invalidation', async () =>
      receiver.tags().includes('customer-10001') ? true : undefined,
    );
    // Once from the leader, not once per replica: a later change shows nothing more came.
    await tillChange(sim, 'customers', { CustomerNumber: 10001, Name: 'Danach' });
    for (const subscriber of subscribers) await subscriber.waitFor(named('Danach'));
    await eventually('the second Redis event', async () =>
      messages.length >= 2 ? true : undefined,
    );
    // The invalidation is an HTTP call of its own, sent beside the Redis event: wait for it too.
    await eventually('the second invalidation', async () =>
      receiver.tags().filter((t) => t === 'customer-10001').length >= 2 ? true : undefined,
    );
    expect(messages).toHaveLength(2);
    expect(receiver.tags().filter((t) => t === 'customer-10001')).toHaveLength(2);
  });
});
