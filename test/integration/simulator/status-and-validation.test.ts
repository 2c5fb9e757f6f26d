import { DEMO_TOKENS, RunningSimulator, TokenPair } from '../../../src/simulator';
import {
  TestClock,
  callJson,
  callSoap,
  clearFaults,
  createTestClock,
  postSoap,
  setFaults,
  soapEnvelope,
  startTestSimulator,
  xmlText,
} from '../../helpers/simulator';

/** Every Status.Code of docs/api300-contract.md §5, the §9 ranges, and bad input that changes nothing. */

const CUSTOMERS_ONLY: TokenPair = {
  cusToken: 'c0000000-0000-4000-8000-000000000055',
  authToken: 'a0000000-0000-4000-8000-000000000055',
  licences: ['customers'],
};
const NO_LICENCE: TokenPair = {
  cusToken: 'c0000000-0000-4000-8000-000000000000',
  authToken: 'a0000000-0000-4000-8000-000000000000',
  licences: [],
};

const VALID_CUSTOMER = {
  CustomerNumber: 0,
  FirstName: 'Erika',
  Name: 'Mustermann',
  Gender: 2,
  Discount: 0,
  PriceLevel: 1,
  CreditLimit: 0,
  Locked: false,
  Favourite: false,
};

describe('status codes and validation', () => {
  let clock: TestClock;
  let sim: RunningSimulator;

  beforeAll(async () => {
    clock = createTestClock('2026-11-29T18:30:00+01:00');
    sim = await startTestSimulator({
      now: clock.now,
      tokens: [DEMO_TOKENS, CUSTOMERS_ONLY, NO_LICENCE],
    });
  });
  afterAll(() => sim.close());
  beforeEach(() => clock.advance(61_000));

  /** Every customer as the service holds them, to prove a refused call changed nothing. */
  async function allCustomers(): Promise<string> {
    const body = (await callSoap(sim, 'GetCustomers', { PageIndex: 0, PageSize: 500 })).body;
    return body.replace(/<ServerDateTime>[^<]*<\/ServerDateTime>/, '');
  }

  const statusOf = (body: string): { code: string | undefined; message: string | undefined } => ({
    code: xmlText(body, 'Code'),
    message: xmlText(body, 'Message'),
  });

  it('answers 0 with the message OK', async () => {
    expect(statusOf((await callSoap(sim, 'GetStations')).body)).toEqual({
      code: '0',
      message: 'OK',
    });
  });

  it('answers 10 to an unknown token pair', async () => {
    const response = await callSoap(
      sim,
      'GetStations',
      {},
      { tokens: { cusToken: 'nope', authToken: 'nope' } },
    );
    expect(statusOf(response.body).code).toBe('10');
  });

  it('answers 11 once the pair is blocked', async () => {
    const blockable: TokenPair = { ...NO_LICENCE };
    for (let i = 0; i < 60; i++) await callSoap(sim, 'ServerDateTime', {}, { tokens: blockable });
    expect(
      statusOf((await callSoap(sim, 'ServerDateTime', {}, { tokens: blockable })).body).code,
    ).toBe('11');
    await fetch(`${sim.baseUrl}/__simulator/reactivate`, { method: 'POST' });
  });

  it('answers 20 naming the missing licence', async () => {
    const reservations = statusOf(
      (
        await callSoap(
          sim,
          'GetReservations',
          { PageIndex: 0, PageSize: 1 },
          { tokens: CUSTOMERS_ONLY },
        )
      ).body,
    );
    expect(reservations.code).toBe('20');
    expect(reservations.message).toContain('Interface 56');
    const customers = statusOf(
      (await callSoap(sim, 'GetCustomer', { CustomerNumber: 10001 }, { tokens: NO_LICENCE })).body,
    );
    expect(customers.message).toContain('Interface 55');
    const tickets = statusOf(
      (await callSoap(sim, 'GetTickets', { PageIndex: 0, PageSize: 1 }, { tokens: CUSTOMERS_ONLY }))
        .body,
    );
    expect(tickets.message).toContain('ticketing licence');
  });

  it('needs no licence for ServerDateTime and GetStations', async () => {
    expect(
      statusOf((await callSoap(sim, 'ServerDateTime', {}, { tokens: NO_LICENCE })).body).code,
    ).toBe('0');
    expect(
      statusOf((await callSoap(sim, 'GetStations', {}, { tokens: NO_LICENCE })).body).code,
    ).toBe('0');
  });

  it('answers 30 naming field, value and range for an out-of-range field, and stores nothing', async () => {
    const before = await allCustomers();
    const response = await callSoap(sim, 'SetCustomer', {
      Customer: { ...VALID_CUSTOMER, CustomerNumber: 10001, Discount: 150 },
    });
    expect(statusOf(response.body)).toEqual({
      code: '30',
      message: 'Customer.Discount: 150 is out of range (allowed: 0..100).',
    });
    expect(await allCustomers()).toBe(before);
  });

  it.each([
    ['PriceLevel', 0, '1..9'],
    ['Gender', 4, '0..3'],
    ['Country', 'Deutschland', 'at most 2 characters'],
    ['FirstName', 'x'.repeat(51), 'at most 50 characters'],
    ['CreditLimit', -1, '0..999999999'],
  ])('answers 30 for Customer.%s = %p', async (field, value, range) => {
    const response = await callSoap(sim, 'SetCustomer', {
      Customer: { ...VALID_CUSTOMER, [field]: value },
    });
    const { code, message } = statusOf(response.body);
    expect(code).toBe('30');
    expect(message).toContain(`Customer.${field}`);
    expect(message).toContain(range);
  });

  it('answers 30 to a card number another customer holds, and stores nothing', async () => {
    const holder = xmlText(
      (await callSoap(sim, 'GetCustomers', { SearchText: '20000000', PageIndex: 0, PageSize: 1 }))
        .body,
      'CardNumber',
    );
    expect(holder).toBeDefined();
    const before = await allCustomers();
    const response = await callSoap(sim, 'SetCustomer', {
      Customer: { ...VALID_CUSTOMER, CardNumber: holder },
    });
    expect(statusOf(response.body).code).toBe('30');
    expect(statusOf(response.body).message).toContain(`Customer.CardNumber: '${holder}'`);
    expect(await allCustomers()).toBe(before);
  });

  it('answers 30 to a page size outside 1..500 and a negative page index', async () => {
    expect(
      statusOf((await callSoap(sim, 'GetCustomers', { PageIndex: 0, PageSize: 0 })).body).message,
    ).toBe('PageSize: 0 is out of range (allowed: 1..500).');
    expect(
      statusOf((await callSoap(sim, 'GetTickets', { PageIndex: 0, PageSize: 501 })).body).code,
    ).toBe('30');
    expect(
      statusOf((await callSoap(sim, 'GetReservations', { PageIndex: -1, PageSize: 5 })).body).code,
    ).toBe('30');
  });

  it('answers 30 to a reservation outside its ranges', async () => {
    const response = await callSoap(sim, 'SetReservation', {
      Reservation: {
        ReservationID: 0,
        StationNumber: 9,
        Start: '2026-12-01T19:00:00',
        DurationMinutes: 120,
        Persons: 2,
      },
    });
    expect(statusOf(response.body).message).toBe(
      'Reservation.StationNumber: 9 is out of range (allowed: one of 1, 2, 3).',
    );
  });

  it('answers 40 to records that do not exist', async () => {
    expect(statusOf((await callSoap(sim, 'GetCustomer', { CustomerNumber: 1 })).body).code).toBe(
      '40',
    );
    expect(
      statusOf(
        (await callSoap(sim, 'RedeemTicket', { TicketNumber: 'GS0', StationNumber: 1 })).body,
      ).code,
    ).toBe('40');
    const reservation = await callSoap(sim, 'SetReservation', {
      Reservation: {
        ReservationID: 999,
        StationNumber: 1,
        Start: '2026-12-01T19:00:00',
        DurationMinutes: 120,
        Persons: 2,
      },
    });
    expect(statusOf(reservation.body).code).toBe('40');
  });

  it('answers 41 to redeeming a ticket twice, a cancelled one, or one outside its validity', async () => {
    const ticket = (number: string, status: number, validTo: string): Record<string, unknown> => ({
      Ticket: {
        TicketNumber: number,
        ArticleNumber: 1001,
        ValidFrom: '2026-01-01T00:00:00',
        ValidTo: validTo,
        Price: 25,
        Status: status,
      },
    });
    await callSoap(sim, 'SetTicket', ticket('T41-VALID', 0, '2027-12-31T23:59:59'));
    await callSoap(sim, 'SetTicket', ticket('T41-CANCELLED', 2, '2027-12-31T23:59:59'));
    await callSoap(sim, 'SetTicket', ticket('T41-EXPIRED', 0, '2026-06-30T23:59:59'));
    const redeem = async (number: string): Promise<string | undefined> =>
      statusOf(
        (await callSoap(sim, 'RedeemTicket', { TicketNumber: number, StationNumber: 1 })).body,
      ).code;
    expect(await redeem('T41-VALID')).toBe('0');
    expect(await redeem('T41-VALID')).toBe('41');
    expect(await redeem('T41-CANCELLED')).toBe('41');
    expect(await redeem('T41-EXPIRED')).toBe('41');
  });

  it('answers a forced 99 without doing anything', async () => {
    const before = await allCustomers();
    await setFaults(sim, { forceStatusCode: 99 });
    try {
      const response = await callSoap(sim, 'SetCustomer', { Customer: VALID_CUSTOMER });
      expect(statusOf(response.body).code).toBe('99');
    } finally {
      await clearFaults(sim);
    }
    expect(await allCustomers()).toBe(before);
  });

  describe('bad input gets a clear error and changes nothing', () => {
    let before: string;
    beforeEach(async () => {
      before = await allCustomers();
    });
    afterEach(async () => {
      expect(await allCustomers()).toBe(before);
    });

    it('a malformed envelope is a soap:Client fault', async () => {
      const truncated = soapEnvelope(
        '1.1',
        `<SetCustomer xmlns="http://tempuri.org/"><CusToken>${DEMO_TOKENS.cusToken}</CusToken>`,
      );
      const response = await postSoap(sim, truncated.slice(0, -20), { action: 'SetCustomer' });
      expect(response.status).toBe(500);
      expect(xmlText(response.body, 'faultcode')).toBe('soap:Client');
      expect(xmlText(response.body, 'faultstring')).toContain('There is an error in XML document');
    });

    it('an unknown operation is a soap:Client fault', async () => {
      const response = await postSoap(
        sim,
        soapEnvelope('1.1', '<DeleteCustomer xmlns="http://tempuri.org/" />'),
        {
          action: 'DeleteCustomer',
        },
      );
      expect(xmlText(response.body, 'faultcode')).toBe('soap:Client');
    });

    it('a wrong type is a soap:Client fault naming the field', async () => {
      const response = await callSoap(sim, 'SetCustomer', {
        Customer: { ...VALID_CUSTOMER, PriceLevel: 'hoch' },
      });
      expect(response.status).toBe(500);
      expect(xmlText(response.body, 'faultcode')).toBe('soap:Client');
      expect(xmlText(response.body, 'faultstring')).toContain(
        "PriceLevel: 'hoch' is not a valid int",
      );
    });

    it('a wrong type in JSON mode is an InvalidOperationException', async () => {
      const response = await callJson(sim, 'SetCustomer', {
        Customer: { ...VALID_CUSTOMER, Locked: 'vielleicht' },
      });
      expect(response.status).toBe(500);
      expect(response.json).toMatchObject({ ExceptionType: 'System.InvalidOperationException' });
    });

    it('an upload with one duplicate card number stores the others only', async () => {
      const card = `DUP-${Date.now()}`;
      const response = await callSoap(sim, 'SetCustomers', {
        Customers: [
          { ...VALID_CUSTOMER, CardNumber: card },
          { ...VALID_CUSTOMER, CardNumber: card },
        ],
      });
      expect(response.body.match(/<Code>\d+<\/Code>/g)).toEqual([
        '<Code>0</Code>',
        '<Code>0</Code>',
        '<Code>30</Code>',
      ]);
      before = await allCustomers(); // the first record was stored, on purpose
    });
  });
});
