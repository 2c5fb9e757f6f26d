import { tillChange } from '../../helpers/simulator';
import {
  startInvalidationReceiver,
  subscribeSse,
  CUSTOMER_CHANGES as CUSTOMER,
  subscribeWs,
  wsClient,
  type Received,
} from '../../helpers/subscribers';
import {
  callsBetween,
  callsByOperation,
  createStarted,
  eventually,
  startMirrorSimulator,
  startMirroredSubgraph,
  waitForSynced,
} from '../e2e/mirrorStack';

/**
 * Subscriptions end to end: a mirrored subgraph in front of the simulator; changes made at the
 * till reach a graphql-ws subscriber, an SSE subscriber and the router's invalidation endpoint
 * (a stand-in here), with no upstream call beyond the sync's own.
 */

jest.setTimeout(120_000);

const started = createStarted();
afterEach(() => started.stopAll());

const RESERVATIONS = /* GraphQL */ `
  subscription ($station: Int, $from: DateTime, $to: DateTime) {
    reservationChanged(stationNumber: $station, from: $from, to: $to) {
      change
      id
      at
      reservation {
        id
        persons
        status
        station {
          number
        }
      }
    }
  }
`;

const REDEMPTIONS = /* GraphQL */ `
  subscription ($station: Int) {
    ticketChanged(redeemedStation: $station, changes: [REDEEMED]) {
      change
      number
      ticket {
        number
        status
        redeemedStation {
          number
        }
      }
    }
  }
`;

const changeOf = (item: Received, field: string) =>
  (item.data?.[field] as Record<string, unknown> | undefined) ?? {};

async function stack(env: Record<string, string> = {}) {
  const receiver = started.track(await startInvalidationReceiver(), (r) => r.close());
  const sim = started.track(await startMirrorSimulator(), (s) => s.close());
  const subgraph = started.track(
    await startMirroredSubgraph(sim, {
      ROUTER_INVALIDATION_URL: receiver.url,
      ROUTER_INVALIDATION_KEY: 'invalidation-key',
      ...env,
    }),
    (s) => s.stop(),
  );
  await waitForSynced(subgraph);
  const open = (n: number) =>
    eventually(`${n} open subscriptions`, async () =>
      subgraph.running.changes.subscriptions?.changes.size() === n ? true : undefined,
    );
  return { receiver, sim, subgraph, open };
}

describe('subscriptions to the mirror’s changes', () => {
  test('a change at the till reaches graphql-ws and SSE subscribers and the router’s invalidation endpoint, at no upstream cost', async () => {
    const { receiver, sim, subgraph, open } = await stack();
    const client = started.track(wsClient(subgraph.url), async (c) => c.dispose());
    const now = Date.now();
    const board = subscribeWs(client, RESERVATIONS, {
      station: 2,
      from: new Date(now).toISOString(),
      to: new Date(now + 2 * 86_400_000).toISOString(),
    });
    const kitchen = subscribeSse(subgraph.url, REDEMPTIONS, { station: 3 });
    const guest = subscribeWs(client, CUSTOMER, { number: 90001 });
    await open(3);
    const before = await callsByOperation(sim);

    const [reservation] = await tillChange(sim, 'reservations', {
      ReservationID: 0,
      StationNumber: 2,
      Start: new Date(now + 3_600_000).toISOString(),
      DurationMinutes: 90,
      Persons: 4,
      Status: 1,
    });
    const id = reservation.ReservationID as number;
    const created = await board.waitFor((item) => changeOf(item, 'reservationChanged').id === id);
    expect(created.data?.reservationChanged).toMatchObject({
      change: 'CREATED',
      reservation: { id, persons: 4, status: 'CONFIRMED', station: { number: 2 } },
    });

    await tillChange(sim, 'reservations', { ReservationID: id, Status: 4 });
    const cancelled = await board.waitFor(
      (item) => changeOf(item, 'reservationChanged').change === 'CANCELLED',
    );
    expect(cancelled.data?.reservationChanged).toMatchObject({
      id,
      reservation: { status: 'CANCELLED' },
    });

    const [ticket] = await tillChange(sim, 'tickets', {
      TicketNumber: '',
      ArticleNumber: 1,
      ArticleName: 'Menü',
      ValidFrom: new Date(now - 86_400_000).toISOString(),
      ValidTo: new Date(now + 86_400_000).toISOString(),
      Price: 20,
      Status: 0,
    });
    const number = ticket.TicketNumber as string;
    await tillChange(sim, 'tickets', {
      TicketNumber: number,
      Status: 1,
      RedeemedAt: new Date().toISOString(),
      RedeemedStation: 3,
    });
    const redeemed = await kitchen.waitFor(
      (item) => changeOf(item, 'ticketChanged').number === number,
    );
    expect(redeemed.data?.ticketChanged).toMatchObject({
      change: 'REDEEMED',
      ticket: { number, status: 'REDEEMED', redeemedStation: { number: 3 } },
    });

    await tillChange(sim, 'customers', {
      CustomerNumber: 90001,
      FirstName: 'Jürgen',
      Name: 'Müller',
    });
    const customer = await guest.waitFor(
      (item) => changeOf(item, 'customerChanged').number === 90001,
    );
    expect(customer.data?.customerChanged).toMatchObject({
      change: 'CREATED',
      customer: { lastName: 'Müller' },
    });

    // Each kind of change reached the router as its entity's cache tag, with the shared key.
    const tags = await eventually('every invalidation', async () => {
      const seen = receiver.tags();
      return [`reservation-${id}`, `ticket-${number}`, 'customer-90001'].every((t) =>
        seen.includes(t),
      )
        ? seen
        : undefined;
    });
    expect(tags).toEqual(expect.arrayContaining(['reservations', 'tickets', 'customers']));
    expect(receiver.calls.every((c) => c.authorization === 'invalidation-key')).toBe(true);
    expect(receiver.calls[0].body[0]).toEqual({
      kind: 'cache_tag',
      subgraphs: ['hypersoft'],
      cache_tag: expect.any(String),
    });

    // Only the sync's own reads reached API300: subscribers cost nothing upstream.
    const calls = callsBetween(before, await callsByOperation(sim));
    expect(Object.keys(calls).every((op) => op.startsWith('Get'))).toBe(true);
  });

  test('query responses carry the cache tags the invalidations name', async () => {
    const { subgraph } = await stack();
    const root = await subgraph.query(
      '{ customer(number: 10001) { number reservations { id station { number } } } }',
    );
    expect(
      (root.body as { extensions?: Record<string, unknown> }).extensions?.apolloCacheTags,
    ).toEqual(expect.arrayContaining(['customer-10001', 'reservations', 'stations']));
    const entities = await subgraph.query(
      'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Reservation { id tickets { number } } } }',
      {
        r: [
          { __typename: 'Reservation', id: 1 },
          { __typename: 'Reservation', id: 2 },
        ],
      },
    );
    expect(
      (entities.body as { extensions?: Record<string, unknown> }).extensions?.apolloEntityCacheTags,
    ).toEqual([
      ['reservation-1', 'tickets'],
      ['reservation-2', 'tickets'],
    ]);
  });

  test('arguments are checked before a subscription starts, and a graceful stop completes every subscription', async () => {
    const { subgraph, open } = await stack();
    const client = started.track(wsClient(subgraph.url), async (c) => c.dispose());
    const bad = subscribeWs(client, CUSTOMER, { number: 0 });
    const refused = await bad.waitFor((item) => Boolean(item.errors));
    expect(refused.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });

    const board = subscribeWs(client, RESERVATIONS, {});
    const sse = subscribeSse(subgraph.url, REDEMPTIONS, {});
    await open(2);
    await subgraph.stop();
    await board.whenComplete();
    await sse.whenComplete();
  });
});
