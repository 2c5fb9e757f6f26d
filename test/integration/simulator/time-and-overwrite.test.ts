import { RunningSimulator } from '../../../src/simulator';
import {
  TestClock,
  callSoap,
  createTestClock,
  startTestSimulator,
  xmlText,
} from '../../helpers/simulator';

/** docs/api300-contract.md §6 (Berlin wall-clock, Date and Time fields, the DST rule) and §7 (full overwrite). */

const BASE_CUSTOMER = {
  Gender: 0,
  Discount: 0,
  PriceLevel: 1,
  CreditLimit: 0,
  Locked: false,
  Favourite: false,
};

describe('time and full-overwrite writes', () => {
  let clock: TestClock;
  let sim: RunningSimulator;

  beforeAll(async () => {
    clock = createTestClock('2026-11-29T18:30:00+01:00');
    sim = await startTestSimulator({ now: clock.now });
  });
  afterAll(() => sim.close());

  const getCustomer = async (number: number): Promise<string> =>
    (await callSoap(sim, 'GetCustomer', { CustomerNumber: number })).body;

  /** Stores a customer under `number` at the instant `at`. */
  async function changeCustomerAt(at: string, number: number): Promise<void> {
    clock.set(at);
    const body = (
      await callSoap(sim, 'SetCustomer', {
        Customer: { ...BASE_CUSTOMER, CustomerNumber: number, Name: `K${number}` },
      })
    ).body;
    expect(xmlText(body, 'Code')).toBe('0');
  }

  async function changedSince(wallClock: string, numbers: number[]): Promise<number[]> {
    clock.advance(61_000);
    const body = (
      await callSoap(sim, 'GetCustomers', {
        CustomerNumbers: numbers,
        ChangedSince: wallClock,
        PageIndex: 0,
        PageSize: 500,
      })
    ).body;
    return [...body.matchAll(/<CustomerNumber>(\d+)<\/CustomerNumber>/g)].map((m) => Number(m[1]));
  }

  describe('full overwrite (§7)', () => {
    it('clears the birthday when SetCustomer leaves it out', async () => {
      clock.set('2026-11-29T18:30:00+01:00');
      await callSoap(sim, 'SetCustomer', {
        Customer: {
          ...BASE_CUSTOMER,
          CustomerNumber: 7000001,
          Name: 'Alt',
          Birthday: '1970-02-03T00:00:00',
          Email: 'alt@example.de',
        },
      });
      expect(xmlText(await getCustomer(7000001), 'Birthday')).toBe('1970-02-03T00:00:00');

      await callSoap(sim, 'SetCustomer', {
        Customer: { ...BASE_CUSTOMER, CustomerNumber: 7000001, Name: 'Neu' },
      });
      const after = await getCustomer(7000001);
      expect(after).toContain('<Birthday xsi:nil="true" />');
      expect(after).not.toContain('<Email>');
      expect(xmlText(after, 'Name')).toBe('Neu');
    });

    it('keeps the birthday when the client reads, changes and writes the whole record', async () => {
      await callSoap(sim, 'SetCustomer', {
        Customer: {
          ...BASE_CUSTOMER,
          CustomerNumber: 7000002,
          Name: 'Alt',
          Birthday: '1970-02-03T00:00:00',
        },
      });
      const current = await getCustomer(7000002);
      await callSoap(sim, 'SetCustomer', {
        Customer: {
          ...BASE_CUSTOMER,
          CustomerNumber: 7000002,
          Name: 'Neu',
          Birthday: xmlText(current, 'Birthday'),
        },
      });
      expect(xmlText(await getCustomer(7000002), 'Birthday')).toBe('1970-02-03T00:00:00');
    });

    it('keeps Created and sets Changed to the service clock', async () => {
      clock.set('2026-11-01T10:00:00+01:00');
      await callSoap(sim, 'SetCustomer', {
        Customer: { ...BASE_CUSTOMER, CustomerNumber: 7000003, Created: '2001-01-01T00:00:00' },
      });
      clock.set('2026-11-02T11:00:00+01:00');
      await callSoap(sim, 'SetCustomer', {
        Customer: { ...BASE_CUSTOMER, CustomerNumber: 7000003 },
      });
      const body = await getCustomer(7000003);
      expect(xmlText(body, 'Created')).toBe('2026-11-01T10:00:00');
      expect(xmlText(body, 'Changed')).toBe('2026-11-02T11:00:00');
    });
  });

  describe('Date, Time and DateTime fields (§6)', () => {
    it('keeps only the date of a Date field and only the time of a Time field', async () => {
      await callSoap(sim, 'SetCustomer', {
        Customer: {
          ...BASE_CUSTOMER,
          CustomerNumber: 7000010,
          Birthday: '1980-05-17T13:45:00',
          ReachableFrom: '2026-11-29T08:15:00',
        },
      });
      const body = await getCustomer(7000010);
      expect(xmlText(body, 'Birthday')).toBe('1980-05-17T00:00:00');
      expect(xmlText(body, 'ReachableFrom')).toBe('1970-01-01T08:15:00');
    });

    it('reads values with an offset as instants and writes Berlin wall-clock without offset', async () => {
      const body = (
        await callSoap(sim, 'SetReservation', {
          Reservation: {
            ReservationID: 0,
            StationNumber: 1,
            Start: '2026-07-01T17:00:00Z',
            DurationMinutes: 120,
            Persons: 2,
          },
        })
      ).body;
      expect(xmlText(body, 'Start')).toBe('2026-07-01T19:00:00');
    });
  });

  describe('the DST rule on ChangedSince (§6)', () => {
    it('on 2026-03-29 (spring), a ChangedSince in 02:00–03:00 returns every change since 02:00', async () => {
      await changeCustomerAt('2026-03-29T01:50:00+01:00', 7100001); // before the switch
      await changeCustomerAt('2026-03-29T03:00:30+02:00', 7100002); // the first minute after it
      const numbers = [7100001, 7100002];
      expect(await changedSince('2026-03-29T02:30:00', numbers)).toEqual([7100002]);
      expect(await changedSince('2026-03-29T03:30:00', numbers)).toEqual([]);
      expect(await changedSince('2026-03-29T01:00:00', numbers)).toEqual(numbers);
    });

    it('on 2026-10-25 (autumn), a ChangedSince in the repeated hour returns both passes of it', async () => {
      await changeCustomerAt('2026-10-25T01:50:00+02:00', 7200001); // before 02:00
      await changeCustomerAt('2026-10-25T02:10:00+02:00', 7200002); // first 02:10 (summer time)
      await changeCustomerAt('2026-10-25T02:20:00+01:00', 7200003); // second 02:20 (winter time)
      const numbers = [7200001, 7200002, 7200003];
      expect(xmlText(await getCustomer(7200002), 'Changed')).toBe('2026-10-25T02:10:00');
      expect(xmlText(await getCustomer(7200003), 'Changed')).toBe('2026-10-25T02:20:00');
      expect(await changedSince('2026-10-25T02:30:00', numbers)).toEqual([7200002, 7200003]);
      expect(await changedSince('2026-10-25T03:30:00', numbers)).toEqual([]);
    });

    it('does not widen ChangedSince on other days', async () => {
      await changeCustomerAt('2026-10-18T02:10:00+02:00', 7300001);
      expect(await changedSince('2026-10-18T02:30:00', [7300001])).toEqual([]);
    });
  });
});
