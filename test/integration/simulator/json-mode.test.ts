import { RunningSimulator } from '../../../src/simulator';
import {
  NO_FILTER,
  TestClock,
  callJson,
  createTestClock,
  postJson,
  startTestSimulator,
} from '../../helpers/simulator';

/** ASMX JSON mode: POST /Service/API300.asmx/<Operation>, {"d": …}, __type, \/Date(ms)\/. */

type D = { d: Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('the JSON mode', () => {
  let clock: TestClock;
  let sim: RunningSimulator;

  beforeAll(async () => {
    clock = createTestClock('2026-11-29T18:30:00+01:00');
    sim = await startTestSimulator({ now: clock.now });
  });
  afterAll(() => sim.close());
  beforeEach(() => clock.set(clock.now() + 61_000));

  it('wraps the result in "d", types objects with __type and writes dates as \\/Date(ms)\\/', async () => {
    clock.set('2026-11-29T18:30:00+01:00');
    const response = await callJson(sim, 'ServerDateTime', {});
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(response.text).toBe(
      `{"d":{"__type":"Hypersoft.API300.APIGeneralResponse","Status":{"__type":"Hypersoft.API300.APIStatus","Code":0,"Message":"OK","ServerDateTime":"\\/Date(${Date.parse('2026-11-29T18:30:00+01:00')})\\/"}}}`,
    );
  });

  it('reads a customer with nil dates as null', async () => {
    const { json } = await callJson(sim, 'GetCustomers', {
      ...NO_FILTER.GetCustomers,
      PageSize: 60,
    });
    const customers = (json as D).d.Customers as Array<Record<string, unknown>>;
    expect(customers).toHaveLength(60);
    expect(customers[0].__type).toBe('Hypersoft.API300.Customer');
    expect(customers.some((c) => c.Birthday === null)).toBe(true);
    expect(customers.find((c) => c.Birthday !== null)?.Birthday).toMatch(/^\/Date\(-?\d+\)\/$/);
  });

  it('accepts \\/Date(ms)\\/ parameters', async () => {
    const from = Date.parse('2026-11-20T00:00:00+01:00');
    const to = Date.parse('2026-12-10T00:00:00+01:00');
    const { json } = await callJson(sim, 'GetReservations', {
      ...NO_FILTER.GetReservations,
      From: `/Date(${from})/`,
      To: `/Date(${to})/`,
    });
    const reservations = (json as D).d.Reservations as Array<{ Start: string }>;
    expect(reservations.length).toBeGreaterThan(0);
    for (const r of reservations) {
      const start = Number(/\((-?\d+)\)/.exec(r.Start)?.[1]);
      expect(start).toBeGreaterThanOrEqual(from);
      expect(start).toBeLessThan(to);
    }
  });

  it('stores a customer and returns it, its birthday as Berlin midnight of that date', async () => {
    const noonUtc = Date.parse('1980-05-20T12:00:00Z');
    const { json } = await callJson(sim, 'SetCustomer', {
      Customer: {
        CustomerNumber: 0,
        FirstName: 'Jana',
        Name: 'Jäger',
        PriceLevel: 1,
        Birthday: `/Date(${noonUtc})/`,
      },
    });
    expect((json as D).d.Status.Code).toBe(0);
    expect((json as D).d.Customer).toMatchObject({
      FirstName: 'Jana',
      Name: 'Jäger',
      Birthday: `/Date(${Date.parse('1980-05-20T00:00:00+02:00')})/`,
    });
  });

  it('refuses a call that leaves a parameter out, with HTTP 500 and an ASMX error object', async () => {
    const response = await callJson(sim, 'GetCustomers', {
      CustomerNumbers: [],
      PageIndex: 0,
      PageSize: 10,
    });
    expect(response.status).toBe(500);
    expect(response.headers.get('jsonerror')).toBe('true');
    expect(response.json).toEqual({
      Message: "Invalid web service call, missing value for parameter: 'SearchText'.",
      StackTrace: '',
      ExceptionType: 'System.InvalidOperationException',
    });
  });

  it('refuses an unknown operation and unparseable JSON with HTTP 500', async () => {
    const unknown = await callJson(sim, 'DropAll', {});
    expect(unknown.status).toBe(500);
    expect(unknown.json).toMatchObject({
      ExceptionType: 'System.ArgumentException',
      Message: expect.stringContaining('Unknown web method DropAll'),
    });
    const broken = await postJson(sim, 'GetStations', '{"CusToken": ');
    expect(broken.status).toBe(500);
    expect(broken.json).toMatchObject({ ExceptionType: 'System.ArgumentException' });
  });

  it('needs application/json', async () => {
    const response = await callJson(
      sim,
      'GetStations',
      {},
      { contentType: 'application/x-www-form-urlencoded' },
    );
    expect(response.status).toBe(415);
  });
});
