import { API300_TRANSPORTS } from '../../../src/config';
import { createApi300Client } from '../../../src/data/api300/client';
import { Api300 } from '../../../src/data/api300/types';
import { DEMO_TOKENS, RunningSimulator, TokenPair } from '../../../src/simulator';
import {
  TestClock,
  clearFaults,
  createTestClock,
  setFaults,
  simulatorStats,
  startTestSimulator,
} from '../../helpers/simulator';
import { failureOf, newCustomer, newReservation, newTicket } from '../../helpers/records';

/**
 * The contract suite: every operation of the API300 client against the simulator on real
 * sockets, once per transport (SOAP 1.1, SOAP 1.2, JSON mode), each with a fresh simulator
 * (its own call counters). The same expectations hold for every transport, except where a
 * test names the difference. About 40 calls per simulator: well under the 60-per-window
 * limit even without moving the clock.
 */

const TICKETLESS: TokenPair = {
  cusToken: 'de300000-0000-4000-8000-00000000face',
  authToken: 'de300000-0000-4000-8000-00000000beef',
  licences: ['customers', 'reservations'],
};

const CDATA_LOOKALIKE = '<![CDATA[not markup]]> & <b>not bold</b>';

describe.each(API300_TRANSPORTS)('the API300 client over %s against the simulator', (transport) => {
  let clock: TestClock;
  let sim: RunningSimulator;
  let api: Api300;

  const clientFor = (
    tokens: Pick<TokenPair, 'cusToken' | 'authToken'>,
    timeoutMs = 5000,
  ): Promise<Api300> =>
    createApi300Client({ endpoint: sim.endpoint, ...tokens, timeoutMs, transport });

  /** Runs `action` and returns what it resolved to and how many POSTs the simulator saw. */
  async function counted<T>(action: () => Promise<T>): Promise<{ value: T; calls: number }> {
    const before = (await simulatorStats(sim)).calls;
    const value = await action();
    return { value, calls: (await simulatorStats(sim)).calls - before };
  }

  beforeAll(async () => {
    clock = createTestClock('2026-11-29T18:30:00+01:00');
    sim = await startTestSimulator({ now: clock.now, tokens: [DEMO_TOKENS, TICKETLESS] });
    api = await clientFor(DEMO_TOKENS);
  });
  afterAll(() => sim.close());
  afterEach(() => clearFaults(sim));

  it('reads the server time as the instant of the simulator clock, in one call', async () => {
    const { value, calls } = await counted(() => api.serverDateTime());
    expect(value.toISOString()).toBe('2026-11-29T17:30:00.000Z');
    expect(calls).toBe(1);
  });

  it('lists the stations in one call', async () => {
    const { value, calls } = await counted(() => api.getStations());
    expect(value.map((s) => s.number)).toEqual([1, 2, 3]);
    expect(calls).toBe(1);
  });

  it('reads one customer in one call, and a missing one as NOT_FOUND', async () => {
    const { value, calls } = await counted(() => api.getCustomer(10001));
    expect(value).toMatchObject({
      number: 10001,
      gender: expect.stringMatching(/^(UNKNOWN|MALE|FEMALE|DIVERSE)$/),
    });
    expect(value.created).toBeInstanceOf(Date);
    expect(calls).toBe(1);
    expect(await failureOf(api.getCustomer(4711))).toMatchObject({
      code: 'NOT_FOUND',
      details: { statusCode: 40, operation: 'GetCustomer' },
    });
  });

  it('reads customers by number and pages through all of them with a total count', async () => {
    const byNumber = await counted(() =>
      api.getCustomers({ numbers: [10003, 10005], pageIndex: 0, pageSize: 500 }),
    );
    expect(byNumber.value.items.map((c) => c.number)).toEqual([10003, 10005]);
    expect(byNumber.calls).toBe(1);
    const page = await api.getCustomers({ pageIndex: 1, pageSize: 10 });
    expect(page.items).toHaveLength(10);
    expect(page.totalCount).toBeGreaterThanOrEqual(60);
  });

  it('reads a full page whole, in key order, with the server clock', async () => {
    const { value, calls } = await counted(() =>
      api.getReservations({ pageIndex: 0, pageSize: 500 }),
    );
    expect(calls).toBe(1);
    expect(value.items.length).toBeGreaterThan(100);
    expect(value.items).toHaveLength(value.totalCount);
    const ids = value.items.map((r) => r.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    expect(value.serverTime.toISOString()).toBe(new Date(clock.now()).toISOString());
  });

  it('creates a customer and reads back the same birthday, times of day, decimals and text', async () => {
    const written = newCustomer({ memo: CDATA_LOOKALIKE });
    const { value: stored, calls } = await counted(() => api.setCustomer(written));
    expect(calls).toBe(1);
    expect(stored.number).toBeGreaterThan(0);
    expect(stored.created.toISOString()).toBe(new Date(clock.now()).toISOString());
    const read = await api.getCustomer(stored.number);
    expect(read).toEqual({
      ...written,
      number: stored.number,
      created: stored.created,
      changed: stored.changed,
    });
  });

  it('clears a birthday with nil and sets it again (full overwrite)', async () => {
    const { number } = await api.setCustomer(newCustomer({ birthday: '1975-10-25' }));
    const cleared = await api.setCustomer(
      newCustomer({ number, birthday: null, reachableTo: null }),
    );
    expect(cleared).toMatchObject({
      number,
      birthday: null,
      reachableTo: null,
      reachableFrom: '09:00:00',
    });
    expect((await api.getCustomer(number)).birthday).toBeNull();
    expect((await api.setCustomer(newCustomer({ number, birthday: '2000-02-29' }))).birthday).toBe(
      '2000-02-29',
    );
  });

  it('stores a batch of customers in one call, each record on its own', async () => {
    const { value, calls } = await counted(() =>
      api.setCustomers([
        newCustomer({ lastName: 'Eins' }),
        newCustomer({ lastName: 'Zwei', discount: 101 }),
      ]),
    );
    expect(calls).toBe(1);
    expect(value[0]).toMatchObject({ index: 0, code: 0 });
    expect(value[0].number).toBeGreaterThan(0);
    expect(value[1]).toMatchObject({
      index: 1,
      number: 0,
      code: 30,
      message: expect.stringContaining('Discount'),
    });
  });

  it('filters reservations by station and start in [from, to), in one call', async () => {
    const from = new Date('2026-11-20T00:00:00+01:00');
    const to = new Date('2026-12-10T00:00:00+01:00');
    const { value, calls } = await counted(() =>
      api.getReservations({ stationNumber: 2, from, to, pageIndex: 0, pageSize: 500 }),
    );
    expect(calls).toBe(1);
    expect(value.totalCount).toBeGreaterThan(0);
    for (const r of value.items) {
      expect(r.stationNumber).toBe(2);
      expect(r.start.getTime()).toBeGreaterThanOrEqual(from.getTime());
      expect(r.start.getTime()).toBeLessThan(to.getTime());
    }
  });

  it('keeps a reservation’s start instant across summer and winter time', async () => {
    const summer = await api.setReservation(
      newReservation({ start: new Date('2026-07-01T17:00:00Z'), customerNumber: null }),
    );
    expect(summer.start.toISOString()).toBe('2026-07-01T17:00:00.000Z');
    expect(summer.customerNumber).toBeNull();
    const winter = await api.setReservation(
      newReservation({ id: summer.id, start: new Date('2026-12-24T18:00:00Z') }),
    );
    expect(winter).toMatchObject({ id: summer.id, customerNumber: 10002, status: 'CONFIRMED' });
    expect(winter.start.toISOString()).toBe('2026-12-24T18:00:00.000Z');
  });

  it('reads a start in autumn’s repeated hour as its earlier occurrence (documented choice)', async () => {
    const secondTwoThirty = new Date('2026-10-25T01:30:00Z');
    const stored = await api.setReservation(newReservation({ start: secondTwoThirty }));
    expect(stored.start.toISOString()).toBe('2026-10-25T00:30:00.000Z');
  });

  it('stores a batch of reservations in one call', async () => {
    const { value, calls } = await counted(() =>
      api.setReservations([
        newReservation({ customerNumber: null, stationNumber: 3 }),
        newReservation({ persons: 0 }),
      ]),
    );
    expect(calls).toBe(1);
    expect(value.map((r) => r.code)).toEqual([0, 30]);
  });

  it('issues a ticket, redeems it once, and reports the second redemption as CONFLICT', async () => {
    const number = `IT-${transport}`;
    const issued = await api.setTicket(newTicket({ number }));
    expect(issued).toMatchObject({
      number,
      price: 49.9,
      status: 'VALID',
      redeemedAt: null,
      redeemedStation: null,
      reservationId: null,
    });
    expect(issued.validTo.toISOString()).toBe('2027-10-31T22:59:59.000Z');

    const { value: redeemed, calls } = await counted(() => api.redeemTicket(number, 2));
    expect(calls).toBe(1);
    expect(redeemed).toMatchObject({
      status: 'REDEEMED',
      redeemedStation: 2,
      redeemedAt: new Date(clock.now()),
    });
    expect(await failureOf(api.redeemTicket(number, 2))).toMatchObject({
      code: 'CONFLICT',
      details: { statusCode: 41 },
    });

    const { value: page } = await counted(() =>
      api.getTickets({ numbers: [number], pageIndex: 0, pageSize: 10 }),
    );
    expect(page).toMatchObject({ totalCount: 1, items: [{ number, status: 'REDEEMED' }] });
  });

  it('finds a change made in autumn’s repeated hour with a watermark taken later in that hour', async () => {
    clock.set('2026-10-25T01:10:00Z'); // 02:10 winter time, the second 02:10 of the day
    try {
      const changed = await api.setCustomer(
        newCustomer({ lastName: `Zeitumstellung ${transport}` }),
      );
      const watermark = new Date('2026-10-25T01:50:00Z'); // 02:50, written the same as the first 02:50
      const since = await api.getCustomers({
        searchText: `Zeitumstellung ${transport}`,
        changedSince: watermark,
        pageIndex: 0,
        pageSize: 10,
      });
      expect(since.items.map((c) => c.number)).toEqual([changed.number]);
      // SOAP text names the repeated hour once (read as its earlier occurrence); JSON mode
      // sends the instant, so the second 02:10 stays the second.
      expect(since.items[0].changed.toISOString()).toBe(
        transport === 'json' ? '2026-10-25T01:10:00.000Z' : '2026-10-25T00:10:00.000Z',
      );
    } finally {
      clock.set('2026-11-29T18:30:00+01:00');
    }
  });

  describe('maps failures to typed errors', () => {
    it('unknown tokens → UPSTREAM_AUTH, without the tokens in the message', async () => {
      const stranger = {
        cusToken: 'de300000-0000-4000-8000-000000000bad',
        authToken: 'de300000-0000-4000-8000-00000000dead',
      };
      const failure = await failureOf((await clientFor(stranger)).getStations());
      expect(failure).toMatchObject({ code: 'UPSTREAM_AUTH', details: { statusCode: 10 } });
      expect(failure.message).not.toContain(stranger.cusToken);
      expect(failure.message).not.toContain(stranger.authToken);
    });

    it('a missing licence → UPSTREAM_LICENCE_MISSING', async () => {
      const failure = await failureOf(
        (await clientFor(TICKETLESS)).getTickets({ pageIndex: 0, pageSize: 1 }),
      );
      expect(failure).toMatchObject({
        code: 'UPSTREAM_LICENCE_MISSING',
        details: { statusCode: 20, operation: 'GetTickets' },
      });
    });

    it.each([
      [11, 'UPSTREAM_BLOCKED'],
      [99, 'UPSTREAM_INTERNAL'],
    ])('Status.Code %i forced by the simulator → %s', async (statusCode, code) => {
      await setFaults(sim, { forceStatusCode: statusCode });
      expect(await failureOf(api.getStations())).toMatchObject({
        code,
        details: { statusCode, operation: 'GetStations' },
      });
    });

    it('HTTP 500 (a soap:Server fault, a jsonerror reply) → UPSTREAM_UNAVAILABLE, retryable', async () => {
      await setFaults(sim, { http500Rate: 1 });
      const failure = await failureOf(api.getStations());
      expect(failure).toMatchObject({
        code: 'UPSTREAM_UNAVAILABLE',
        details: { retryable: true },
      });
      const reasons = {
        soap11: 'SOAP fault soap:Server',
        soap12: 'SOAP fault soap:Receiver',
        json: 'server exception System.Exception',
      };
      expect(failure.message).toBe(`API300 GetStations failed: ${reasons[transport]}.`);
    });

    it('a truncated reply → UPSTREAM_UNAVAILABLE', async () => {
      await setFaults(sim, { malformedXmlRate: 1 });
      expect(await failureOf(api.getStations())).toMatchObject({
        code: 'UPSTREAM_UNAVAILABLE',
        details: { retryable: false },
      });
    });

    it('no reply within the timeout → UPSTREAM_UNAVAILABLE, retryable, after one call', async () => {
      await setFaults(sim, { hangRate: 1 });
      const impatient = await clientFor(DEMO_TOKENS, 200);
      const { value: failure, calls } = await counted(() => failureOf(impatient.getStations()));
      expect(failure).toMatchObject({
        code: 'UPSTREAM_UNAVAILABLE',
        details: { retryable: true },
      });
      expect(failure.message).toBe('API300 GetStations failed: no reply within 200 ms.');
      expect(calls).toBe(1);
    });

    if (transport !== 'json') {
      it.each(['xxe', 'billion-laughs'] as const)(
        'a hostile reply (%s) is refused, not parsed',
        async (hostileXml) => {
          await setFaults(sim, { hostileXml });
          const failure = await failureOf(api.getStations());
          expect(failure).toMatchObject({
            code: 'UPSTREAM_UNAVAILABLE',
            details: { retryable: false },
          });
          expect(failure.message).toBe(
            'API300 GetStations failed: reply refused: it declares a DTD or entities.',
          );
        },
      );
    }
  });

  it('stayed well inside the simulator’s limit', async () => {
    const stats = await simulatorStats(sim);
    expect(stats.maxCallsInAnyWindow).toBeLessThan(50);
    expect(stats.blockedTokens).toEqual([]);
  });
});
