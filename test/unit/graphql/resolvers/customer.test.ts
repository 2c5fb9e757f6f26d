import { makeCustomer, makeReservation, makeTicket } from '../../../helpers/fakeRepository';
import { useHarness, type Json } from '../../../helpers/graphqlHarness';

const h = useHarness((fake) => {
  fake.addCustomers(
    makeCustomer(1, { birthday: '1985-04-23', reachableFrom: '08:30:00', gender: 'FEMALE' }),
    makeCustomer(2, { company: 'Acme GmbH' }),
    makeCustomer(3, { changed: new Date('2024-06-01T00:00:00Z') }),
    makeCustomer(4),
    makeCustomer(5),
  );
  fake.addReservations(
    makeReservation(11, {
      customerNumber: 1,
      start: new Date('2024-02-02T18:00:00Z'),
      status: 'CANCELLED',
    }),
    makeReservation(10, { customerNumber: 1, start: new Date('2024-02-01T18:00:00Z') }),
    makeReservation(12, { customerNumber: 1, start: new Date('2024-03-01T18:00:00Z') }),
  );
  fake.addTickets(
    makeTicket('T1', { customerNumber: 1 }),
    makeTicket('T2', { customerNumber: 1, status: 'REDEEMED' }),
  );
});

describe('customer queries', () => {
  it('serves a customer with GraphQL names and scalar formats', async () => {
    const result = await h().run(
      '{ customer(number: 1) { number lastName gender birthday reachableFrom created } }',
    );

    expect(result.data?.customer).toEqual({
      number: 1,
      lastName: 'Last1',
      gender: 'FEMALE',
      birthday: '1985-04-23',
      reachableFrom: '08:30:00',
      created: '2024-01-15T10:00:00.000Z',
    });
  });

  it('answers null for a customer that does not exist', async () => {
    expect((await h().run('{ customer(number: 999) { number } }')).data?.customer).toBeNull();
  });

  it('refuses a customer number API300 cannot hold without asking upstream', async () => {
    const result = await h().run('{ customer(number: 0) { number } }');

    expect(result.errors?.[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'number',
      value: 0,
    });
    expect(h().fake.calls).toEqual([]);
  });

  it('pages customers with opaque cursors and a total count', async () => {
    const first = await h().run(
      '{ customers(first: 2) { totalCount edges { cursor node { number } } pageInfo { hasNextPage hasPreviousPage endCursor } } }',
    );
    const page1 = first.data?.customers;
    const second = await h().run(
      `{ customers(first: 2, after: "${page1.pageInfo.endCursor}") { edges { node { number } } pageInfo { hasNextPage hasPreviousPage } } }`,
    );

    expect(page1.totalCount).toBe(5);
    expect(page1.edges.map((e: Json) => e.node.number)).toEqual([1, 2]);
    expect(page1.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    expect(second.data?.customers.edges.map((e: Json) => e.node.number)).toEqual([3, 4]);
    expect(second.data?.customers.pageInfo).toEqual({ hasNextPage: true, hasPreviousPage: true });
  });

  it('refuses a page size over 500 and a cursor it did not issue, naming each', async () => {
    const tooMany = await h().run('{ customers(first: 501) { totalCount } }');
    expect(tooMany.errors?.[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'first',
      value: 501,
    });

    const foreign = await h().run('{ customers(first: 5, after: "bm9wZQ==") { totalCount } }');
    expect(foreign.errors?.[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'after',
      value: 'bm9wZQ==',
    });
  });

  it('passes a numbers filter with the other conditions to the repository in one list read', async () => {
    const result = await h().run(
      '{ customers(filter: { numbers: [5, 2, 3, 99], search: "acme" }) { totalCount edges { node { number } } } }',
    );

    expect(result.data?.customers).toEqual({ totalCount: 1, edges: [{ node: { number: 2 } }] });
    expect(h().fake.calls.map((c) => c.method)).toEqual(['findCustomers']);
  });

  it('filters and sorts a customer’s reservations and tickets locally', async () => {
    const result = await h().run(`{ customer(number: 1) {
      all: reservations { id }
      february: reservations(from: "2024-02-01T00:00:00+01:00", to: "2024-03-01T00:00:00+01:00", status: [CONFIRMED]) { id }
      tickets(status: [VALID]) { number } } }`);

    expect(result.data?.customer).toEqual({
      all: [{ id: 10 }, { id: 11 }, { id: 12 }],
      february: [{ id: 10 }],
      tickets: [{ number: 'T1' }],
    });
    expect(h().fake.callsOf('reservationsByCustomer')).toHaveLength(1);
  });

  it('resolves Customer references through the loader and null for impossible numbers', async () => {
    const result = await h().run(
      'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { number } } }',
      {
        r: [
          { __typename: 'Customer', number: 2 },
          { __typename: 'Customer', number: -1 },
          { __typename: 'Customer', number: 2 },
        ],
      },
    );

    expect(result.data?._entities).toEqual([{ number: 2 }, null, { number: 2 }]);
    expect(h().fake.calls.map((c) => c.keys)).toEqual([[2]]);
  });
});
