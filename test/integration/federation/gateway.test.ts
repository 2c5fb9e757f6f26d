import {
  FakeRepository,
  makeCustomer,
  makeReservation,
  makeTicket,
} from '../../helpers/fakeRepository';
import { postGraphQL } from '../../helpers/gateway';
import { loyaltyPointsOf, loyaltyTierOf } from '../../fixtures/subgraphs/loyalty';
import type { OrderRecord } from '../../fixtures/subgraphs/orders';
import { startFederation, type Federation } from './harness';

/**
 * A real gateway over this subgraph (on an in-memory Hypersoft), the orders fixture and the
 * loyalty fixture: queries that cross subgraphs, and the cost of the router's entity fetches.
 */

const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);
const reservationIdOf = (customerNumber: number) => 10_000 + customerNumber;

/** Customers 1..count, each with one reservation, which has one ticket. */
function hypersoftWithCustomers(count: number): FakeRepository {
  const fake = new FakeRepository();
  for (const n of range(1, count)) {
    fake.addCustomers(makeCustomer(n));
    fake.addReservations(
      makeReservation(reservationIdOf(n), { customerNumber: n, persons: 1 + (n % 6) }),
    );
    fake.addTickets(makeTicket(`T${n}`, { customerNumber: n, reservationId: reservationIdOf(n) }));
  }
  return fake;
}

/** Two orders per customer 1..customers, each pointing at the customer and its reservation. */
function ordersOf(customers: number): OrderRecord[] {
  return range(1, customers * 2).map((i) => {
    const customerNumber = ((i - 1) % customers) + 1;
    return {
      id: `O${i}`,
      total: i * 1.5,
      customerNumber,
      reservationId: reservationIdOf(customerNumber),
    };
  });
}

const ORDERS_WITH_CUSTOMERS = `
  query OrdersWithCustomers {
    orders {
      nodes {
        id
        total
        customer {
          number
          lastName
          loyaltyPoints
          loyaltyTier
          reservations { id persons tickets { number status } }
        }
        reservation { id persons }
      }
    }
  }
`;

interface OrderResult {
  id: string;
  total: number;
  customer: {
    number: number;
    lastName: string;
    loyaltyPoints: number;
    loyaltyTier: string;
    reservations: { id: number; persons: number; tickets: { number: string; status: string }[] }[];
  } | null;
  reservation: { id: number; persons: number } | null;
}

interface OrdersData {
  orders: { nodes: OrderResult[] };
}

const keysOf = (fake: FakeRepository, method: Parameters<FakeRepository['callsOf']>[0]) =>
  fake.callsOf(method).map((c) => c.keys?.length);

describe('a gateway in front of this subgraph and the orders and loyalty subgraphs', () => {
  let federation: Federation | undefined;
  afterEach(async () => {
    await federation?.stop();
    federation = undefined;
  });

  it('follows orders to customers, their loyalty points, reservations and tickets', async () => {
    const fake = hypersoftWithCustomers(3);
    federation = await startFederation({ repository: fake, orders: ordersOf(3) });

    const { status, body } = await postGraphQL<OrdersData>(
      federation.gateway.url,
      ORDERS_WITH_CUSTOMERS,
    );

    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    const nodes = body.data?.orders.nodes ?? [];
    expect(nodes).toHaveLength(6);
    expect(nodes[4]).toEqual({
      id: 'O5',
      total: 7.5,
      customer: {
        number: 2,
        lastName: 'Last2',
        loyaltyPoints: loyaltyPointsOf(2),
        loyaltyTier: loyaltyTierOf(2),
        reservations: [{ id: 10_002, persons: 3, tickets: [{ number: 'T2', status: 'VALID' }] }],
      },
      reservation: { id: 10_002, persons: 3 },
    });
  });

  it('answers an order whose customer Hypersoft does not know with the key and null fields, not an error', async () => {
    const fake = hypersoftWithCustomers(1);
    federation = await startFederation({
      repository: fake,
      orders: [{ id: 'O1', total: 1, customerNumber: 4242, reservationId: null }],
    });

    const { body } = await postGraphQL(
      federation.gateway.url,
      '{ order(id: "O1") { id customer { number lastName } reservation { id } } }',
    );

    expect(body.errors).toBeUndefined();
    // `_entities` answers null for the unknown key; the gateway keeps the orders subgraph's
    // reference and leaves this subgraph's fields null.
    expect(body.data).toEqual({
      order: { id: 'O1', customer: { number: 4242, lastName: null }, reservation: null },
    });
    expect(fake.callsOf('customersByNumber')).toHaveLength(1);
  });

  it('resolves 300 customers of 600 orders with one customer read, one reservation read per kind and one ticket read', async () => {
    const fake = hypersoftWithCustomers(300);
    federation = await startFederation({ repository: fake, orders: ordersOf(300) });

    const { body } = await postGraphQL<OrdersData>(federation.gateway.url, ORDERS_WITH_CUSTOMERS);

    expect(body.errors).toBeUndefined();
    const nodes = body.data?.orders.nodes ?? [];
    expect(nodes).toHaveLength(600);
    expect(
      nodes.every(
        (o) => o.customer?.reservations[0].tickets[0].number === `T${o.customer?.number}`,
      ),
    ).toBe(true);
    // One `_entities` request per subgraph carries every representation (the gateway does not
    // deduplicate them); the loaders send each distinct key upstream once.
    expect(federation.loyalty.entityRequests).toEqual([600]);
    expect(keysOf(fake, 'customersByNumber')).toEqual([300]);
    expect(keysOf(fake, 'reservationsById')).toEqual([300]);
    expect(keysOf(fake, 'reservationsByCustomer')).toEqual([300]);
    expect(keysOf(fake, 'ticketsByReservation')).toEqual([300]);
  });

  it('splits 1,200 customer keys into reads of at most 500 keys (three reads)', async () => {
    const fake = hypersoftWithCustomers(1200);
    federation = await startFederation({ repository: fake, orders: ordersOf(1200) });

    const { body } = await postGraphQL<OrdersData>(
      federation.gateway.url,
      '{ orders { nodes { id customer { number lastName } } } }',
    );

    expect(body.errors).toBeUndefined();
    expect(body.data?.orders.nodes).toHaveLength(2400);
    expect(keysOf(fake, 'customersByNumber')).toEqual([500, 500, 200]);
  });
});
