import { makeReservation, makeTicket } from '../../../helpers/fakeRepository';
import { useHarness, type Json } from '../../../helpers/graphqlHarness';

const h = useHarness((fake) => {
  fake.addReservations(
    makeReservation(1, { status: 'CONFIRMED' }),
    makeReservation(2, { status: 'CANCELLED' }),
    makeReservation(3, { status: 'CANCELLED', stationNumber: 2 }),
    makeReservation(4, { status: 'CONFIRMED' }),
  );
  fake.addTickets(
    makeTicket('A', { reservationId: 1 }),
    makeTicket('B', { reservationId: 1 }),
    makeTicket('C', { reservationId: 4 }),
  );
});

describe('reservation and ticket lists', () => {
  it('filters reservations upstream by station and counts them all', async () => {
    const result = await h().run(
      '{ reservations(filter: { stationNumber: 1 }) { totalCount edges { node { id } } } }',
    );

    expect(result.data?.reservations).toEqual({
      totalCount: 3,
      edges: [{ node: { id: 1 } }, { node: { id: 2 } }, { node: { id: 4 } }],
    });
  });

  it('applies a status filter to the fetched page, gives no total count and continues past filtered records', async () => {
    const page1 = await h().run(
      '{ reservations(first: 3, filter: { status: [CONFIRMED] }) { totalCount edges { node { id } } pageInfo { hasNextPage endCursor } } }',
    );
    const after = page1.data?.reservations.pageInfo.endCursor;
    const page2 = await h().run(
      `{ reservations(first: 3, after: "${after}", filter: { status: [CONFIRMED] }) { edges { node { id } } pageInfo { hasNextPage } } }`,
    );

    expect(page1.data?.reservations).toMatchObject({
      totalCount: null,
      edges: [{ node: { id: 1 } }],
      pageInfo: { hasNextPage: true },
    });
    expect(page2.data?.reservations).toEqual({
      edges: [{ node: { id: 4 } }],
      pageInfo: { hasNextPage: false },
    });
  });

  it('links reservations to their tickets with one batch, and tickets back without another call', async () => {
    const result = await h().run(
      '{ reservations { edges { node { id tickets { number reservation { id } } } } } }',
    );

    const tickets = result.data?.reservations.edges.map((e: Json) =>
      e.node.tickets.map((t: Json) => `${t.number}->${t.reservation.id}`),
    );
    expect(tickets).toEqual([['A->1', 'B->1'], [], [], ['C->4']]);
    expect(h().fake.calls.map((c) => c.method)).toEqual([
      'findReservations',
      'ticketsByReservation',
    ]);
  });

  it('pages tickets and serves a single ticket and a Reservation reference', async () => {
    const list = await h().run(
      '{ tickets(first: 2, filter: { reservationId: 1 }) { totalCount edges { node { number } } } }',
    );
    const single = await h().run(
      `query ($r: [_Any!]!) { ticket(number: "C") { validTo } _entities(representations: $r) { ... on Reservation { id } } }`,
      {
        r: [{ __typename: 'Reservation', id: 4 }],
      },
    );

    expect(list.data?.tickets).toEqual({
      totalCount: 2,
      edges: [{ node: { number: 'A' } }, { node: { number: 'B' } }],
    });
    expect(single.data).toEqual({
      ticket: { validTo: '2024-02-14T10:00:00.000Z' },
      _entities: [{ id: 4 }],
    });
  });

  it('lists stations, optionally only the active ones', async () => {
    const result = await h().run(
      '{ all: stations { number active } active: stations(activeOnly: true) { number } }',
    );

    expect(result.data).toEqual({
      all: [
        { number: 1, active: true },
        { number: 2, active: false },
      ],
      active: [{ number: 1 }],
    });
    expect(h().fake.callsOf('stations')).toHaveLength(1);
  });
});
