import WebSocket from 'ws';
import { loadConfig } from '../../../src/config';
import { createChangeHub, type ChangeHub } from '../../../src/graphql/subscriptions/hub';
import { createApp, type App } from '../../../src/graphql/server';
import { FakeRepository, makeReservation } from '../../helpers/fakeRepository';
import { subscribeSse, subscribeWs, wsClient } from '../../helpers/subscribers';
import { eventually } from '../../helpers/eventually';

/** The subscription transports' limits and access, on a real socket over a fake repository. */

const BOARD = 'subscription { reservationChanged { change id } }';
const SECRET = 'router-secret-for-tests';

describe('subscription transports', () => {
  let app: App;
  let url: string;
  let hub: ChangeHub;
  const oneSubscription = () => eventually('one subscription in the hub', () => hub.size() === 1);

  async function start(env: Record<string, string> = {}, idleTimeoutMs = 0) {
    hub = createChangeHub({ maxSubscribers: 10, bufferSize: 2 });
    app = await createApp({
      config: loadConfig(env),
      repository: new FakeRepository(),
      subscriptions: { changes: hub, maxPerConnection: 1, keepAliveMs: 10_000, idleTimeoutMs },
    });
    url = (await app.listen(0, '127.0.0.1')).url;
  }
  afterEach(() => app.stop());

  it('refuses a second operation on one WebSocket past the per-connection bound', async () => {
    await start();
    const client = wsClient(url);
    try {
      const first = subscribeWs(client, BOARD);
      const second = subscribeWs(client, BOARD);
      const refused = await second.waitFor((item) => Boolean(item.errors));
      expect(refused.errors?.[0]).toMatchObject({ extensions: { code: 'SUBSCRIPTION_LIMIT' } });
      await oneSubscription();
      expect(first.received).toEqual([]);
    } finally {
      await client.dispose();
    }
  });

  it('asks the router secret of the WebSocket upgrade and of SSE, like of queries', async () => {
    await start({ ROUTER_SECRET: SECRET });
    const status = await new Promise<number>((resolve) => {
      const socket = new WebSocket(url.replace(/^http/, 'ws'), 'graphql-transport-ws');
      socket.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      socket.on('open', () => resolve(101));
      socket.on('error', () => undefined);
    });
    expect(status).toBe(401);
    const sse = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: BOARD }),
    });
    expect(sse.status).toBe(401);

    const client = wsClient(url, { 'x-router-secret': SECRET });
    try {
      const board = subscribeWs(client, BOARD);
      await oneSubscription();
      hub.publish([{ kind: 'reservations', before: null, after: makeReservation(3) }]);
      await board.waitFor((item) => Boolean(item.data));
    } finally {
      await client.dispose();
    }
  });

  it('ends a subscriber that fell behind with SLOW_CONSUMER, then completes it', async () => {
    await start();
    const slow = subscribeSse(url, BOARD);
    await oneSubscription();
    // More events at once than the buffer of 2 holds, before the stream can take any.
    hub.publish(
      [1, 2, 3, 4].map((id) => ({
        kind: 'reservations' as const,
        before: null,
        after: makeReservation(id),
      })),
    );
    const ended = await slow.waitFor((item) => Boolean(item.errors));
    expect(ended.errors?.[0]).toMatchObject({ extensions: { code: 'SLOW_CONSUMER' } });
    await slow.whenComplete();
  });

  it('closes a WebSocket that holds no subscription for the idle time', async () => {
    await start({}, 200);
    const code = await new Promise<number>((resolve) => {
      const socket = new WebSocket(url.replace(/^http/, 'ws'), 'graphql-transport-ws');
      socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init' })));
      socket.on('close', (closeCode) => resolve(closeCode));
    });
    expect(code).toBe(4408);
  });
});
