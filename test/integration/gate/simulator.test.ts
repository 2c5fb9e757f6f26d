import { loadConfig } from '../../../src/config';
import { createDataPath, type DataPath } from '../../../src/app/dataPath';
import { DEMO_TOKENS, type RunningSimulator } from '../../../src/simulator';
import { FIRST_CUSTOMER_NUMBER } from '../../../src/simulator/store';
import { createApi300Client } from '../../../src/data/api300/client';
import { tokenPairId } from '../../../src/data/gate/quota';
import { setFaults, simulatorStats, startTestSimulator } from '../../helpers/simulator';

/**
 * The cached `Hypersoft` over the gate over the real SOAP client, against the API300
 * simulator, counting upstream calls with the simulator's own counters. Each test has its own
 * simulator and spends only a handful of its 60 calls.
 */

let sim: RunningSimulator;
let dataPath: DataPath;

beforeEach(async () => {
  sim = await startTestSimulator({ customers: 1200, reservations: 300, tickets: 100 });
  const config = loadConfig({});
  const api = await createApi300Client({
    endpoint: sim.endpoint,
    cusToken: DEMO_TOKENS.cusToken,
    authToken: DEMO_TOKENS.authToken,
    timeoutMs: 5000,
    transport: 'soap11',
  });
  dataPath = createDataPath({
    api,
    config,
    tokenPairId: tokenPairId(DEMO_TOKENS.cusToken, DEMO_TOKENS.authToken),
    windowAtStart: 'empty',
  });
});

afterEach(async () => {
  await dataPath.close();
  await sim.close();
});

const opts = () => ({ deadline: Date.now() + 10_000 });
const numbers = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => FIRST_CUSTOMER_NUMBER + from + i);

describe('the cached Hypersoft against the API300 simulator', () => {
  it('answers 40 concurrent requests over 1,200 customers with ⌈1200/500⌉ upstream calls, then from cache', async () => {
    const requests = Array.from({ length: 40 }, (_, i) =>
      dataPath.repository.customersByNumber(numbers(i * 30, 30), opts()),
    );
    const answers = await Promise.all(requests);

    expect(answers.reduce((sum, m) => sum + m.size, 0)).toBe(1200);
    expect(answers[39].get(FIRST_CUSTOMER_NUMBER + 1199)?.number).toBe(
      FIRST_CUSTOMER_NUMBER + 1199,
    );
    const stats = await simulatorStats(sim);
    expect(stats.callsByOperation).toEqual({ GetCustomers: 3 });

    await dataPath.repository.customersByNumber(numbers(0, 1200), opts());
    expect((await simulatorStats(sim)).calls).toBe(3);
    expect(dataPath.stats().upstream.calls).toEqual([
      { operation: 'GetCustomers', outcome: 'ok', count: 3 },
    ]);
  });

  it('reads lists by parent and updates a customer under its lock, caching what was stored', async () => {
    const customer = FIRST_CUSTOMER_NUMBER + 3;
    const [lists, tickets] = await Promise.all([
      dataPath.repository.reservationsByCustomer(numbers(0, 10), opts()),
      dataPath.repository.ticketsByCustomer(numbers(0, 10), opts()),
    ]);
    expect(lists.size).toBe(10);
    expect(tickets.size).toBe(10);
    for (const [number, list] of lists) for (const r of list) expect(r.customerNumber).toBe(number);

    const stored = await dataPath.repository.updateCustomer(
      customer,
      ({ created: _created, changed: _changed, ...current }) => ({
        ...current,
        memo: 'Prefers the window table',
      }),
      opts(),
    );
    expect(stored.memo).toBe('Prefers the window table');
    expect((await dataPath.repository.customersByNumber([customer], opts())).get(customer)).toEqual(
      stored,
    );

    const stats = await simulatorStats(sim);
    expect(stats.callsByOperation).toEqual({
      GetReservations: 1,
      GetTickets: 1,
      GetCustomer: 1,
      SetCustomer: 1,
    });
    expect(stats.blockedTokens).toEqual([]);
  });

  it('opens the breaker after the one call answered "blocked", and makes no further call', async () => {
    await setFaults(sim, { forceStatusCode: 11 });
    await expect(
      dataPath.repository.customersByNumber(numbers(0, 5), opts()),
    ).rejects.toMatchObject({
      code: 'UPSTREAM_BLOCKED',
    });
    await expect(dataPath.repository.stations(opts())).rejects.toMatchObject({
      code: 'UPSTREAM_BLOCKED',
    });

    expect((await simulatorStats(sim)).calls).toBe(1);
    expect(dataPath.stats().upstream.breaker).toBe('open');
    expect((await dataPath.ready()).reasons).toEqual([
      expect.stringContaining('circuit breaker open (UPSTREAM_BLOCKED)'),
    ]);
  });
});
