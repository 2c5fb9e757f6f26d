import { loadConfig } from '../../../src/config';
import { createDataPath, type DataPath } from '../../../src/app/dataPath';
import { DEMO_TOKENS, type RunningSimulator } from '../../../src/simulator';
import { FIRST_CUSTOMER_NUMBER } from '../../../src/simulator/store';
import { createApi300Client } from '../../../src/data/api300/client';
import { tokenPairId } from '../../../src/data/gate/quota';
import { postGraphQL } from '../../helpers/gateway';
import {
  createTestClock,
  simulatorStats,
  startTestSimulator,
  type TestClock,
} from '../../helpers/simulator';
import type { OrderRecord } from '../../fixtures/subgraphs/orders';
import { startFederation, type Federation } from './harness';

/**
 * The gateway and `_entities` over the real data path (entity cache → gate → SOAP client)
 * against the API300 simulator, counting upstream calls with the simulator's own counters.
 * Each test has its own simulator and spends fewer than 15 of its calls.
 */

const CUSTOMERS = 1200;
const UPSTREAM_BUDGET = 50;

let clock: TestClock;
let sim: RunningSimulator;
let dataPath: DataPath;
let federation: Federation | undefined;

beforeEach(async () => {
  clock = createTestClock();
  sim = await startTestSimulator({
    customers: CUSTOMERS,
    reservations: 300,
    tickets: 100,
    now: clock.now,
  });
  const config = loadConfig({});
  const api = await createApi300Client({
    endpoint: sim.endpoint,
    cusToken: DEMO_TOKENS.cusToken,
    authToken: DEMO_TOKENS.authToken,
    timeoutMs: 5000,
    transport: config.api300.transport,
  });
  dataPath = createDataPath({
    api,
    config,
    tokenPairId: tokenPairId(DEMO_TOKENS.cusToken, DEMO_TOKENS.authToken),
    now: clock.now,
    windowAtStart: 'empty',
  });
});

afterEach(async () => {
  await federation?.stop();
  federation = undefined;
  await dataPath.close();
  await sim.close();
});

const customerNumbers = (count: number) =>
  Array.from({ length: count }, (_, i) => FIRST_CUSTOMER_NUMBER + i);

function start(orders: OrderRecord[]): Promise<Federation> {
  return startFederation({ repository: dataPath.repository, orders, now: clock.now });
}

async function entities(url: string, representations: object[]) {
  const { body } = await postGraphQL<{
    _entities: ({ number: number; lastName: string | null } | null)[];
  }>(
    url,
    'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { number lastName } } }',
    { r: representations },
  );
  expect(body.errors).toBeUndefined();
  return body.data?._entities ?? [];
}

interface OrderResult {
  id: string;
  customer: {
    number: number;
    lastName: string | null;
    reservations: { id: number; tickets: { number: string }[] }[];
  } | null;
}

describe('the federation over the real data path and the API300 simulator', () => {
  it('follows 2,200 orders to 1,100 customers, their reservations and tickets with one upstream call per 500 keys', async () => {
    const numbers = customerNumbers(1100);
    const orders = [...numbers, ...numbers.slice(0, 1100)].map((customerNumber, i) => ({
      id: `O${i + 1}`,
      total: 10,
      customerNumber,
      reservationId: null,
    }));
    federation = await start(orders);

    const { body } = await postGraphQL<{ orders: { nodes: OrderResult[] } }>(
      federation.gateway.url,
      '{ orders { nodes { id customer { number lastName reservations { id tickets { number } } } } } }',
    );

    expect(body.errors).toBeUndefined();
    const nodes = body.data?.orders.nodes ?? [];
    expect(nodes).toHaveLength(2200);
    expect(nodes.every((o) => o.customer !== null && o.customer.lastName !== null)).toBe(true);
    expect(nodes.some((o) => (o.customer?.reservations.length ?? 0) > 0)).toBe(true);

    const stats = await simulatorStats(sim);
    // 1,100 customer keys: three GetCustomers of at most 500; their reservations likewise.
    expect(stats.callsByOperation.GetCustomers).toBe(3);
    expect(stats.callsByOperation.GetReservations).toBe(3);
    // Tickets are asked for per batch of reservations that arrived together: at most one each.
    expect(stats.callsByOperation.GetTickets).toBeLessThanOrEqual(3);
    expect(stats.calls).toBeLessThanOrEqual(9);
    expect(stats.maxCallsInAnyWindow).toBeLessThanOrEqual(UPSTREAM_BUDGET);
    expect(stats.blockedTokens).toEqual([]);
  });

  it('reads 1,000 customer representations, numbers and strings mixed, with two upstream calls', async () => {
    federation = await start([]);
    const representations = customerNumbers(1000).map((number, i) => ({
      __typename: 'Customer',
      number: i % 2 === 0 ? number : String(number),
    }));

    const result = await entities(federation.subgraphUrl, representations);

    expect(result).toHaveLength(1000);
    expect(result.every((c, i) => c?.number === FIRST_CUSTOMER_NUMBER + i)).toBe(true);
    const stats = await simulatorStats(sim);
    expect(stats.calls).toBe(2);
    expect(stats.callsByOperation.GetCustomers).toBe(2);
    expect(stats.maxCallsInAnyWindow).toBeLessThanOrEqual(UPSTREAM_BUDGET);
  });

  it('answers unknown customers with null and does not ask upstream for them a second time', async () => {
    federation = await start([]);
    const unknown = FIRST_CUSTOMER_NUMBER + CUSTOMERS + 5000;

    const first = await entities(federation.subgraphUrl, [
      { __typename: 'Customer', number: unknown },
      { __typename: 'Customer', number: FIRST_CUSTOMER_NUMBER },
    ]);
    const callsAfterFirst = (await simulatorStats(sim)).calls;
    clock.advance(1000);
    const again = await entities(federation.subgraphUrl, [
      { __typename: 'Customer', number: String(unknown) },
      { __typename: 'Customer', number: unknown },
    ]);

    expect(first).toEqual([null, { number: FIRST_CUSTOMER_NUMBER, lastName: expect.any(String) }]);
    expect(again).toEqual([null, null]);
    expect(callsAfterFirst).toBe(1);
    expect((await simulatorStats(sim)).calls).toBe(1);
  });

  it('answers impossible keys with null without any upstream call', async () => {
    federation = await start([]);

    const result = await entities(federation.subgraphUrl, [
      { __typename: 'Customer', number: 0 },
      { __typename: 'Customer', number: 'forty-two' },
      { __typename: 'Customer', number: 10_000_000 },
    ]);

    expect(result).toEqual([null, null, null]);
    expect((await simulatorStats(sim)).calls).toBe(0);
  });
});
