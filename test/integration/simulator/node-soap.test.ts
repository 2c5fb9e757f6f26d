// eslint-disable-next-line no-restricted-imports -- node-soap as an independent CLIENT of the simulator
import * as soap from 'soap';
import { join } from 'node:path';
import { RunningSimulator } from '../../../src/simulator';
import { TestClock, createTestClock, startTestSimulator } from '../../helpers/simulator';

const WSDL = join(__dirname, '../../../schema/upstream/API300.wsdl');

type Result = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const ENVELOPE = {
  '1.1': 'http://schemas.xmlsoap.org/soap/envelope/',
  '1.2': 'http://www.w3.org/2003/05/soap-envelope',
};

describe.each(['1.1', '1.2'] as const)(
  'the simulator driven by node-soap over SOAP %s',
  (version) => {
    let clock: TestClock;
    let sim: RunningSimulator;
    let client: soap.Client;
    const tokens = (): { CusToken: string; AuthToken: string } => ({
      CusToken: sim.tokens[0].cusToken,
      AuthToken: sim.tokens[0].authToken,
    });
    /** Calls `operation` and returns its `XResult` and the raw reply. */
    const call = async (
      operation: string,
      args: Record<string, unknown> = {},
    ): Promise<{ result: Result; raw: string }> => {
      const [response, raw] = (await client[`${operation}Async`]({ ...tokens(), ...args })) as [
        Result,
        string,
      ];
      return { result: response[`${operation}Result`] as Result, raw };
    };

    beforeAll(async () => {
      clock = createTestClock('2026-11-29T18:30:00+01:00');
      sim = await startTestSimulator({ now: clock.now });
      client = await soap.createClientAsync(WSDL, {
        endpoint: sim.endpoint,
        forceSoap12Headers: version === '1.2',
      });
    });
    afterAll(() => sim.close());
    // A fresh 60 s window for every test: no test here is about the limit.
    beforeEach(() => clock.advance(61_000));

    it(`answers in a SOAP ${version} envelope with the server time as Berlin wall-clock text`, async () => {
      clock.set('2026-11-29T18:30:00+01:00');
      const { result, raw } = await call('ServerDateTime');
      expect(raw).toContain(`xmlns:soap="${ENVELOPE[version]}"`);
      expect(raw).toContain('<ServerDateTime>2026-11-29T18:30:00</ServerDateTime>');
      expect(result.Status.Code).toBe(0);
    });

    it('lists the stations', async () => {
      const { result } = await call('GetStations');
      expect(result.Stations.Station).toHaveLength(3);
      expect(result.Stations.Station[0]).toMatchObject({ StationNumber: 1, Active: true });
    });

    it('reads one customer, writing nil dates as xsi:nil', async () => {
      const { result, raw } = await call('GetCustomer', { CustomerNumber: 10001 });
      expect(result.Status.Code).toBe(0);
      expect(result.Customer.CustomerNumber).toBe(10001);
      expect(raw).toMatch(/<Created>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d<\/Created>/);
      expect(raw).toMatch(/<(Birthday|ReachableFrom)( xsi:nil="true" \/>|>)/);
    });

    it('pages through customers and counts every match', async () => {
      const { result } = await call('GetCustomers', { PageIndex: 1, PageSize: 10 });
      expect(result.TotalCount).toBe(60);
      expect(result.Customers.Customer).toHaveLength(10);
      expect(result.Customers.Customer[0].CustomerNumber).toBe(10011);
    });

    it('filters customers by number list', async () => {
      const { result } = await call('GetCustomers', {
        CustomerNumbers: { int: [10003, 10005] },
        PageIndex: 0,
        PageSize: 500,
      });
      expect(result.Customers.Customer.map((c: Result) => c.CustomerNumber)).toEqual([
        10003, 10005,
      ]);
    });

    it('creates a customer with number 0 and returns the stored record', async () => {
      const { result } = await call('SetCustomer', {
        Customer: customer({ FirstName: `Neu ${version}` }),
      });
      expect(result.Status.Code).toBe(0);
      expect(result.Customer.CustomerNumber).toBeGreaterThan(10060);
      expect(result.Customer.FirstName).toBe(`Neu ${version}`);
    });

    it('stores a batch of customers, each on its own', async () => {
      const { result } = await call('SetCustomers', {
        Customers: {
          Customer: [customer({ Name: 'Eins' }), customer({ Name: 'Zwei', Discount: 101 })],
        },
      });
      expect(result.Status.Code).toBe(0);
      expect(result.Results.SetResult[0]).toMatchObject({ Index: 0, Code: 0 });
      expect(result.Results.SetResult[1]).toMatchObject({ Index: 1, Number: 0, Code: 30 });
    });

    it('filters reservations by station and start in [From, To)', async () => {
      const { result } = await call('GetReservations', {
        StationNumber: 2,
        From: '2026-11-20T00:00:00',
        To: '2026-12-10T00:00:00',
        PageIndex: 0,
        PageSize: 500,
      });
      expect(result.Status.Code).toBe(0);
      expect(result.TotalCount).toBeGreaterThan(0);
      for (const r of result.Reservations.Reservation as Result[]) expect(r.StationNumber).toBe(2);
    });

    it('creates a reservation', async () => {
      const { result } = await call('SetReservation', {
        Reservation: {
          ReservationID: 0,
          StationNumber: 1,
          CustomerNumber: 10002,
          GuestName: 'Tisch am Fenster',
          Start: '2026-12-24T19:00:00',
          DurationMinutes: 120,
          Persons: 4,
          Status: 1,
          Created: '2026-01-01T00:00:00',
          Changed: '2026-01-01T00:00:00',
        },
      });
      expect(result.Status.Code).toBe(0);
      expect(result.Reservation.ReservationID).toBeGreaterThan(0);
    });

    it('stores a batch of reservations', async () => {
      const reservation = {
        ReservationID: 0,
        StationNumber: 3,
        CustomerNumber: 0,
        GuestName: 'Gruppe',
        Start: '2026-12-01T12:00:00',
        DurationMinutes: 90,
        Persons: 8,
        Status: 0,
      };
      const { result } = await call('SetReservations', {
        Reservations: { Reservation: [reservation, reservation] },
      });
      expect(result.Results.SetResult.map((r: Result) => r.Code)).toEqual([0, 0]);
    });

    it('issues a ticket, then redeems it once', async () => {
      const issued = await call('SetTicket', {
        Ticket: {
          TicketNumber: `TEST-${version}`,
          ArticleNumber: 1002,
          ArticleName: 'Wertgutschein 50 €',
          CustomerNumber: 10004,
          ReservationID: 0,
          ValidFrom: '2026-11-01T00:00:00',
          ValidTo: '2027-11-01T00:00:00',
          Price: 50,
          Status: 0,
          RedeemedStation: 0,
        },
      });
      expect(issued.result.Status.Code).toBe(0);
      const redeemed = await call('RedeemTicket', {
        TicketNumber: `TEST-${version}`,
        StationNumber: 2,
      });
      expect(redeemed.result.Status.Code).toBe(0);
      expect(redeemed.result.Ticket).toMatchObject({ Status: 1, RedeemedStation: 2 });
      expect(redeemed.raw).toMatch(/<RedeemedAt>2026-\d\d-\d\dT\d\d:\d\d:\d\d<\/RedeemedAt>/);
    });

    it('filters tickets by ticket number', async () => {
      const { result } = await call('GetTickets', {
        TicketNumbers: { string: ['GS10000001', 'GS10000002'] },
        PageIndex: 0,
        PageSize: 10,
      });
      expect(result.TotalCount).toBe(2);
      expect(result.Tickets.Ticket.map((t: Result) => t.TicketNumber)).toEqual([
        'GS10000001',
        'GS10000002',
      ]);
    });
  },
);

function customer(overrides: Record<string, unknown>): Record<string, unknown> {
  return {
    CustomerNumber: 0,
    Salutation: 'Frau',
    FirstName: 'Erika',
    Name: 'Mustermann',
    Gender: 2,
    Birthday: '1980-05-17T00:00:00',
    ReachableFrom: '1970-01-01T09:00:00',
    ReachableTo: '1970-01-01T17:00:00',
    Country: 'DE',
    Discount: 0,
    PriceLevel: 1,
    CreditLimit: 0,
    Locked: false,
    Favourite: false,
    Created: '0001-01-01T00:00:00',
    Changed: '0001-01-01T00:00:00',
    ...overrides,
  };
}
