import { RunningSimulator } from '../../../src/simulator';
import {
  callSoap,
  setSimulatorClock,
  simulatorStats,
  startTestSimulator,
  tillChange,
  tillDelete,
  xmlText,
} from '../../helpers/simulator';

/** The operator endpoints that change the POS behind API300's back, and the service clock. */
describe('changes at the till', () => {
  let sim: RunningSimulator;

  beforeAll(async () => {
    sim = await startTestSimulator();
  });
  afterAll(() => sim.close());

  const changedSince = async (since: string): Promise<number[]> => {
    const body = (
      await callSoap(sim, 'GetCustomers', { ChangedSince: since, PageIndex: 0, PageSize: 500 })
    ).body;
    return [...body.matchAll(/<CustomerNumber>(\d+)<\/CustomerNumber>/g)].map((m) => Number(m[1]));
  };

  it('change a customer with the service clock as Changed, without counting a call', async () => {
    await setSimulatorClock(sim, { at: '2026-12-01T10:00:00' });
    const before = (await simulatorStats(sim)).calls;
    const [stored] = await tillChange(sim, 'customers', { CustomerNumber: 10005, Name: 'Kasse' });
    expect(stored).toMatchObject({
      CustomerNumber: 10005,
      Name: 'Kasse',
      Changed: '2026-12-01T10:00:00',
    });
    expect((await simulatorStats(sim)).calls).toBe(before);
    expect(await changedSince('2026-12-01T09:59:59')).toEqual([10005]);
    const customer = (await callSoap(sim, 'GetCustomer', { CustomerNumber: 10005 })).body;
    expect(xmlText(customer, 'Name')).toBe('Kasse');
    // Fields left out keep their values (unlike SetCustomer's full overwrite).
    expect(xmlText(customer, 'FirstName')).toBeTruthy();
  });

  it('create records under the next number, or under the one given, several at once', async () => {
    const stored = await tillChange(sim, 'customers', [
      { Name: 'Neu' },
      { CustomerNumber: 4_000_001, Name: 'Import' },
    ]);
    expect(stored.map((c) => c.CustomerNumber)).toEqual([10061, 4_000_001]);
  });

  it('refuse unknown fields, service-set fields and invalid values, naming them', async () => {
    await expect(tillChange(sim, 'customers', { Nmae: 'x' })).rejects.toThrow(
      /400 Nmae is not a field of Customer/,
    );
    await expect(
      tillChange(sim, 'customers', { CustomerNumber: 10005, Changed: '2020-01-01T00:00:00' }),
    ).rejects.toThrow(/Changed is set by the service clock/);
    await expect(
      tillChange(sim, 'customers', { CustomerNumber: 10005, Discount: 150 }),
    ).rejects.toThrow(/Customer.Discount: 150 is out of range \(allowed: 0..100\)/);
  });

  it('delete a customer, which then stops appearing', async () => {
    await expect(tillDelete(sim, 'customers', 10007)).resolves.toEqual({ deleted: true });
    expect(
      xmlText((await callSoap(sim, 'GetCustomer', { CustomerNumber: 10007 })).body, 'Code'),
    ).toBe('40');
    await expect(tillDelete(sim, 'customers', 10007)).rejects.toThrow(/404/);
  });

  it('change and delete reservations and tickets', async () => {
    const [reservation] = await tillChange(sim, 'reservations', {
      ReservationID: 500003,
      Persons: 7,
      Start: '2026-12-24T19:00:00',
    });
    expect(reservation).toMatchObject({
      ReservationID: 500003,
      Persons: 7,
      Start: '2026-12-24T19:00:00',
    });
    const [ticket] = await tillChange(sim, 'tickets', { ArticleName: 'Gutschein', Price: 25 });
    expect(ticket.TicketNumber).toMatch(/^GS\d+$/);
    await tillDelete(sim, 'tickets', ticket.TicketNumber as string);
    await tillDelete(sim, 'reservations', 500003);
    const reservations = (
      await callSoap(sim, 'GetReservations', {
        ReservationIDs: [500003],
        PageIndex: 0,
        PageSize: 10,
      })
    ).body;
    expect(xmlText(reservations, 'TotalCount')).toBe('0');
  });
});

describe('the service clock', () => {
  let sim: RunningSimulator;

  beforeAll(async () => {
    sim = await startTestSimulator({ now: () => Date.parse('2026-11-29T18:30:00+01:00') });
  });
  afterAll(() => sim.close());

  const serverDateTime = async (): Promise<string | undefined> =>
    xmlText((await callSoap(sim, 'ServerDateTime')).body, 'ServerDateTime');

  it('is set to an instant (bare text is Berlin wall clock) or moved by an offset', async () => {
    await expect(setSimulatorClock(sim, { at: '2026-10-25T02:30:00+01:00' })).resolves.toEqual({
      serverDateTime: '2026-10-25T02:30:00',
      offsetMs: Date.parse('2026-10-25T02:30:00+01:00') - Date.parse('2026-11-29T18:30:00+01:00'),
    });
    expect(await serverDateTime()).toBe('2026-10-25T02:30:00');
    await setSimulatorClock(sim, { offsetMs: 60_000 });
    expect(await serverDateTime()).toBe('2026-11-29T18:31:00');
    await setSimulatorClock(sim, { offsetMs: 0 });
    expect(await serverDateTime()).toBe('2026-11-29T18:30:00');
  });

  it('refuses a body that says neither', async () => {
    await expect(setSimulatorClock(sim, { at: 'soon' })).rejects.toThrow(
      /400 at: "soon" is not an xs:dateTime/,
    );
    await expect(setSimulatorClock(sim, {} as { offsetMs: number })).rejects.toThrow(
      /400 Body must be/,
    );
  });
});
