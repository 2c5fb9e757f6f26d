import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { RecordCipher } from '../../../src/data/cache/recordCipher';
import {
  createRedisCallbackStore,
  type CallbackStore,
  type StoredCallback,
} from '../../../src/graphql/subscriptions/callbackStore';
import { loadConfig } from '../../../src/config';
import { createChangeHub } from '../../../src/graphql/subscriptions/hub';
import { createApp } from '../../../src/graphql/server';
import { FakeRepository, makeReservation } from '../../helpers/fakeRepository';
import { eventually } from '../../helpers/eventually';
import { startRouterCallbacks } from '../../helpers/routerCallbacks';
import { describeWithRedis, startRedis, type RunningRedis } from '../../helpers/redis';

/**
 * The shared record of callback subscriptions on a real Redis: one owner at a time, claims
 * that expire unrenewed and are then taken by exactly one replica, hand-over, deletion, and
 * records sealed with the cache's cipher.
 */

const PREFIX = 'hypersoft:callbacks:test:';
const LEASE_MS = 300;

const record = (id: string): StoredCallback => ({
  sub: {
    callback_url: `http://router.internal:4000/callback/${id}`,
    subscription_id: id,
    verifier: `secret-verifier-${id}`,
    heartbeat_interval_ms: 5000,
  },
  query: 'subscription { customerChanged(number: 10001) { change } }',
  variables: { a: 1 },
});

describeWithRedis('callback subscription store (Redis)', () => {
  let redis: RunningRedis;
  let client: Redis;
  const key = randomBytes(32).toString('base64');
  const storeOf = (owner: string, keys: string[] = [key]): CallbackStore =>
    createRedisCallbackStore({
      redis: client,
      prefix: PREFIX,
      owner,
      leaseMs: LEASE_MS,
      sealer: new RecordCipher(keys),
    });

  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
  });
  afterAll(async () => {
    client.disconnect();
    await redis.stop();
  });
  beforeEach(() => client.flushall());

  it('keeps a renewed claim, and lets exactly one replica take an expired one', async () => {
    const a = storeOf('a');
    await a.add(record('s1'));
    expect(await storeOf('b').claimOrphans(10)).toEqual([]);
    expect(await a.renew(['s1'])).toEqual([]);

    // A stops renewing (it died): once the claim expires, one of B and C gets the record.
    const b = storeOf('b');
    const c = storeOf('c');
    const won: string[] = [];
    await eventually('the claim to expire and be taken', async () => {
      const [byB, byC] = await Promise.all([b.claimOrphans(10), c.claimOrphans(10)]);
      if (byB.length > 0) won.push('b');
      if (byC.length > 0) won.push('c');
      return won.length > 0;
    });
    expect(won).toHaveLength(1);
    const winner = won[0] === 'b' ? b : c;
    const loser = won[0] === 'b' ? c : b;
    expect(await loser.claimOrphans(10)).toEqual([]);
    // A learns that it lost the claim; the winner keeps it.
    expect(await a.renew(['s1'])).toEqual(['s1']);
    expect(await winner.renew(['s1'])).toEqual([]);
  });

  it('hands the whole record over, sealed: no verifier or callback URL readable in Redis', async () => {
    await storeOf('a').add(record('s2'));
    const raw = await client.get(`${PREFIX}rec:s2`);
    expect(raw).not.toBeNull();
    expect(raw).not.toContain('secret-verifier');
    expect(raw).not.toContain('router.internal');

    await storeOf('a').release(['s2']);
    // Released: the next look takes it at once, whole.
    expect(await storeOf('b').claimOrphans(10)).toEqual([record('s2')]);
  });

  it('deletes the record on remove, and one no configured key opens', async () => {
    const a = storeOf('a');
    await a.add(record('s3'));
    await a.remove('s3');
    expect(await client.keys(`${PREFIX}*`)).toEqual([]);

    await storeOf('a', [randomBytes(32).toString('base64')]).add(record('s4'));
    await storeOf('a').release(['s4']);
    expect(await storeOf('b').claimOrphans(10)).toEqual([]);
    expect(await client.keys(`${PREFIX}*`)).toEqual([]);
  });

  it('a replica whose claim another took (it stalled past the lease) stops sending, without a message', async () => {
    const hub = createChangeHub({ maxSubscribers: 10, bufferSize: 10 });
    const app = await createApp({
      config: loadConfig({}),
      repository: new FakeRepository(),
      subscriptions: {
        changes: hub,
        maxPerConnection: 5,
        keepAliveMs: 10_000,
        idleTimeoutMs: 0,
        callbackStore: { store: storeOf('a'), leaseMs: LEASE_MS },
      },
    });
    const router = await startRouterCallbacks({ id: 's5', verifier: 'v-5' });
    try {
      const { url } = await app.listen(0, '127.0.0.1');
      const answer = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          query: 'subscription { reservationChanged(stationNumber: 1) { change id } }',
          extensions: {
            subscription: { callbackUrl: router.url, subscriptionId: 's5', verifier: 'v-5' },
          },
        }),
      });
      expect(answer.status).toBe(200);
      expect(app.subscriptionStats()?.active.callback).toBe(1);

      // The claim lapsed (A stalled) and replica B took it, in one step: what B's claim writes.
      await client.set(`${PREFIX}own:s5`, 'b', 'PX', 60_000);
      await eventually(
        'A to stop its stream',
        () => app.subscriptionStats()?.active.callback === 0,
      );
      expect(hub.size()).toBe(0);
      hub.publish([{ kind: 'reservations', before: null, after: makeReservation(5) }]);
      expect(router.messages.map((m) => m.action)).toEqual(['check']);
      // The record is B's now: kept, and B's claim stands.
      expect(await client.exists(`${PREFIX}rec:s5`)).toBe(1);
      expect(await storeOf('b').renew(['s5'])).toEqual([]);
      expect(router.violations).toEqual([]);
    } finally {
      await app.stop();
      await router.close();
    }
  });
});
