import { loadConfig } from '../../../src/config';
import { createChangeHub, type ChangeHub } from '../../../src/graphql/subscriptions/hub';
import { createApp, type App } from '../../../src/graphql/server';
import { FakeRepository, makeReservation } from '../../helpers/fakeRepository';
import { eventually } from '../e2e/mirrorStack';
import { startRouterCallbacks } from '../../helpers/routerCallbacks';

/**
 * Apollo Router's HTTP callback protocol (callback/1.0) against a stand-in for the router's
 * callback endpoint that checks every message it gets against the protocol.
 */

const BOARD = 'subscription { reservationChanged(stationNumber: 1) { change id } }';

describe('Apollo Router callback protocol', () => {
  let app: App;
  let url: string;
  let hub: ChangeHub;

  beforeEach(async () => {
    hub = createChangeHub({ maxSubscribers: 10, bufferSize: 10 });
    app = await createApp({
      config: loadConfig({}),
      repository: new FakeRepository(),
      subscriptions: { changes: hub, maxPerConnection: 5, keepAliveMs: 10_000, idleTimeoutMs: 0 },
    });
    url = (await app.listen(0, '127.0.0.1')).url;
  });
  // A test may have stopped it already.
  afterEach(() => app.stop().catch(() => undefined));

  const subscribeBy = (callbackUrl: string, id: string, heartbeat = 0) =>
    fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json;callbackSpec=1.0',
      },
      body: JSON.stringify({
        query: BOARD,
        extensions: {
          subscription: {
            callback_url: callbackUrl,
            subscription_id: id,
            verifier: 'v-1',
            heartbeat_interval_ms: heartbeat,
          },
        },
      }),
    });

  it('checks before answering, sends each event as next and a check per heartbeat, and stops on 404', async () => {
    const router = await startRouterCallbacks({ id: 'sub-1', verifier: 'v-1' });
    try {
      const response = await subscribeBy(router.url, 'sub-1', 50);
      expect(response.status).toBe(200);
      expect(response.headers.get('subscription-protocol')).toBe('callback/1.0');
      expect(await response.json()).toEqual({ data: null });
      expect(router.messages.map((m) => m.action)).toEqual(['check']);

      hub.publish([{ kind: 'reservations', before: null, after: makeReservation(5) }]);
      const next = await eventually('the next message', async () =>
        router.messages.find((m) => m.action === 'next'),
      );
      expect(next.payload).toEqual({ data: { reservationChanged: { change: 'CREATED', id: 5 } } });
      await eventually('two heartbeat checks', async () =>
        router.messages.filter((m) => m.action === 'check').length >= 3 ? true : undefined,
      );

      router.answerWith(() => 404);
      await eventually('the subscription ended', async () => (hub.size() === 0 ? true : undefined));
      expect(router.messages.some((m) => m.action === 'complete')).toBe(false);
      expect(router.violations).toEqual([]);
    } finally {
      await router.close();
    }
  });

  it('completes its subscriptions on a graceful stop', async () => {
    const router = await startRouterCallbacks({ id: 'sub-2', verifier: 'v-1' });
    try {
      expect((await subscribeBy(router.url, 'sub-2')).status).toBe(200);
      await app.stop();
      expect(router.messages.at(-1)?.action).toBe('complete');
      expect(router.violations).toEqual([]);
    } finally {
      await router.close();
    }
  });

  it('reads the protocol’s GA (camelCase) fields, and gives up after five checks in a row fail', async () => {
    const router = await startRouterCallbacks({ id: 'sub-ga', verifier: 'v-ga' });
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json;callbackSpec=1.0',
        },
        body: JSON.stringify({
          query: BOARD,
          extensions: {
            subscription: {
              callbackUrl: router.url,
              subscriptionId: 'sub-ga',
              verifier: 'v-ga',
              heartbeatIntervalMs: 20,
            },
          },
        }),
      });
      expect(response.status).toBe(200);
      expect(hub.size()).toBe(1);

      router.answerWith(() => 503);
      const before = router.messages.length;
      await eventually('the subscription ended', async () => (hub.size() === 0 ? true : undefined));
      const failedChecks = router.messages.slice(before).filter((m) => m.action === 'check');
      expect(failedChecks.length).toBeGreaterThanOrEqual(5);
      expect(router.messages.some((m) => m.action === 'complete')).toBe(false);
      expect(router.violations).toEqual([]);
    } finally {
      await router.close();
    }
  });

  it('refuses the subscription when the router does not confirm the check', async () => {
    const router = await startRouterCallbacks({ id: 'sub-3', verifier: 'v-1' });
    router.answerWith(() => 500);
    try {
      const response = await subscribeBy(router.url, 'sub-3');
      expect(response.status).toBe(400);
      const body = (await response.json()) as { errors: Array<{ extensions: { code: string } }> };
      expect(body.errors[0].extensions.code).toBe('CALLBACK_CHECK_FAILED');
      expect(hub.size()).toBe(0);
    } finally {
      await router.close();
    }
  });
});
