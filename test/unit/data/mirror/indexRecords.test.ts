import { createMirrorIndex } from '../../../../src/data/mirror/index';
import {
  at,
  changedBy,
  idsOf,
  makeCustomer,
  makeReservation,
  makeStation,
  makeTicket,
  ticketNumbersOf,
} from '../../../helpers/mirrorRecords';

const T0 = at('2026-03-02T10:00:00Z');

describe('mirror index: apply', () => {
  it('holds what it was given and counts the records that changed', () => {
    const index = createMirrorIndex();
    const changed = index.apply({
      customers: { put: [makeCustomer(1), makeCustomer(2)] },
      reservations: { put: [makeReservation(10)] },
      tickets: { put: [makeTicket('A')] },
      stations: [makeStation(1), makeStation(2)],
    });
    expect(changed).toBe(6);
    expect(index.get('customers', 2)).toEqual(makeCustomer(2));
    expect(index.count('customers')).toBe(2);
    expect(index.count('stations')).toBe(2);
    expect([...index.keys('tickets')]).toEqual(['A']);
  });

  it('is harmless to apply twice: an equal record changes nothing', () => {
    const index = createMirrorIndex();
    const batch = { customers: { put: [makeCustomer(1)] }, stations: [makeStation(1)] };
    expect(index.apply(batch)).toBe(2);
    expect(index.apply(batch)).toBe(0);
    expect(index.count('customers')).toBe(1);
  });

  it('lets a newer or equal changed win and never an older one', () => {
    const index = createMirrorIndex();
    const c = makeCustomer(1, { city: 'Bonn', changed: T0 });
    index.apply({ customers: { put: [c] } });
    expect(index.apply({ customers: { put: [changedBy(c, -1, { city: 'Older' })] } })).toBe(0);
    expect(index.get('customers', 1)!.city).toBe('Bonn');
    expect(index.apply({ customers: { put: [changedBy(c, 0, { city: 'Same second' })] } })).toBe(1);
    expect(index.apply({ customers: { put: [changedBy(c, 5, { city: 'Newer' })] } })).toBe(1);
    expect(index.get('customers', 1)!.city).toBe('Newer');
  });

  it('keeps the newest of several copies in one batch, whatever their order', () => {
    const index = createMirrorIndex();
    const r = makeReservation(1, { changed: T0 });
    index.apply({
      reservations: { put: [changedBy(r, 9, { persons: 9 }), r, changedBy(r, 3, { persons: 3 })] },
    });
    expect(index.get('reservations', 1)!.persons).toBe(9);
  });

  it('deletes, from the records and from every secondary index', () => {
    const index = createMirrorIndex();
    index.apply({
      reservations: {
        put: [
          makeReservation(1, { customerNumber: 7, stationNumber: 2 }),
          makeReservation(2, { customerNumber: 7 }),
        ],
      },
      tickets: {
        put: [
          makeTicket('A', { customerNumber: 7, reservationId: 1 }),
          makeTicket('B', { customerNumber: 7 }),
        ],
      },
    });
    expect(index.apply({ reservations: { delete: [1, 99] }, tickets: { delete: ['A'] } })).toBe(2);
    expect(index.get('reservations', 1)).toBeUndefined();
    expect(idsOf(index.reservationsOfCustomer(7))).toEqual([2]);
    expect(ticketNumbersOf(index.ticketsOfCustomer(7))).toEqual(['B']);
    expect(index.ticketsOfReservation(1)).toEqual([]);
    expect(index.findReservations({ first: 10, stationNumber: 2 }).totalCount).toBe(0);
    expect(index.findTickets({ first: 10, reservationIds: [1] }).totalCount).toBe(0);
  });

  it('ends deleted when one batch both puts and deletes a key', () => {
    const index = createMirrorIndex();
    index.apply({ customers: { put: [makeCustomer(1)], delete: [1] } });
    expect(index.get('customers', 1)).toBeUndefined();
    expect(index.count('customers')).toBe(0);
  });

  it('moves a record between secondary indexes when its customer, station or start changes', () => {
    const index = createMirrorIndex();
    const r = makeReservation(1, {
      customerNumber: 7,
      stationNumber: 1,
      start: at('2026-03-05T18:00:00Z'),
      changed: T0,
    });
    index.apply({
      reservations: {
        put: [r, makeReservation(2, { customerNumber: 8, start: at('2026-03-05T19:00:00Z') })],
      },
    });
    index.apply({
      reservations: {
        put: [
          changedBy(r, 1, {
            customerNumber: 8,
            stationNumber: 2,
            start: at('2026-03-05T20:00:00Z'),
          }),
        ],
      },
    });
    expect(index.reservationsOfCustomer(7)).toEqual([]);
    expect(idsOf(index.reservationsOfCustomer(8))).toEqual([2, 1]);
    expect(idsOf(index.findReservations({ first: 10, stationNumber: 1 }).items)).toEqual([2]);
    expect(idsOf(index.findReservations({ first: 10, stationNumber: 2 }).items)).toEqual([1]);

    const t = makeTicket('A', { customerNumber: 7, reservationId: 1, changed: T0 });
    index.apply({ tickets: { put: [t] } });
    index.apply({
      tickets: { put: [changedBy(t, 1, { customerNumber: null, reservationId: 2 })] },
    });
    expect(index.ticketsOfCustomer(7)).toEqual([]);
    expect(index.ticketsOfReservation(1)).toEqual([]);
    expect(ticketNumbersOf(index.ticketsOfReservation(2))).toEqual(['A']);
  });

  it('orders a customer’s reservations by start and tickets by number', () => {
    const index = createMirrorIndex();
    index.apply({
      reservations: {
        put: [
          makeReservation(3, { customerNumber: 1, start: at('2026-03-01T10:00:00Z') }),
          makeReservation(1, { customerNumber: 1, start: at('2026-03-03T10:00:00Z') }),
          makeReservation(2, { customerNumber: 1, start: at('2026-03-02T10:00:00Z') }),
        ],
      },
      tickets: {
        put: ['T-3', 'T-1', 'T-2'].map((n) =>
          makeTicket(n, { customerNumber: 1, reservationId: 2 }),
        ),
      },
    });
    expect(idsOf(index.reservationsOfCustomer(1))).toEqual([3, 2, 1]);
    expect(ticketNumbersOf(index.ticketsOfCustomer(1))).toEqual(['T-1', 'T-2', 'T-3']);
    expect(ticketNumbersOf(index.ticketsOfReservation(2))).toEqual(['T-1', 'T-2', 'T-3']);
  });

  it('replaces the station list and counts the stations added, changed or removed', () => {
    const index = createMirrorIndex();
    index.apply({ stations: [makeStation(1), makeStation(2)] });
    expect(index.apply({ stations: [makeStation(2, { active: false }), makeStation(3)] })).toBe(3);
    expect(index.stations()).toEqual([makeStation(2, { active: false }), makeStation(3)]);
  });

  it('rejects a batch with an invalid Date whole, naming the record and the field', () => {
    const index = createMirrorIndex();
    index.apply({ customers: { put: [makeCustomer(1)] } });
    const bad = { ...makeReservation(5), start: 'tomorrow' as unknown as Date };
    expect(() => index.apply({ customers: { delete: [1] }, reservations: { put: [bad] } })).toThrow(
      /reservations 5: start must be a valid Date/,
    );
    expect(index.get('customers', 1)).toBeDefined();
    expect(index.count('reservations')).toBe(0);
  });

  it('does not keep the caller’s object: changing it after apply changes nothing held', () => {
    const index = createMirrorIndex();
    const c = makeCustomer(1, { changed: new Date(T0) });
    index.apply({ customers: { put: [c] } });
    c.lastName = 'Changed';
    c.changed.setTime(0);
    expect(index.get('customers', 1)!.lastName).toBe('Last1');
    expect(index.get('customers', 1)!.changed).toEqual(T0);
  });

  it('hands out records that cannot be changed, Dates included', () => {
    const index = createMirrorIndex();
    index.apply({
      customers: { put: [makeCustomer(1)] },
      reservations: { put: [makeReservation(1, { customerNumber: 1 })] },
      stations: [makeStation(1)],
    });
    const customer = index.get('customers', 1)!;
    expect(() => {
      customer.lastName = 'X';
    }).toThrow(TypeError);
    expect(() => customer.changed.setTime(0)).toThrow(/read-only/);
    expect(() => index.reservationsOfCustomer(1)[0].start.setUTCHours(0)).toThrow(TypeError);
    expect(() => {
      index.stations()[0].active = false;
    }).toThrow(TypeError);
    const list = index.reservationsOfCustomer(1);
    list.pop();
    const page = index.findCustomers({ first: 5 });
    page.items.length = 0;
    expect(index.reservationsOfCustomer(1)).toHaveLength(1);
    expect(index.findCustomers({ first: 5 }).items).toHaveLength(1);
    expect(index.get('customers', 1)).toEqual(makeCustomer(1));
    expect(customer.changed).toBeInstanceOf(Date);
  });

  it('clears everything', () => {
    const index = createMirrorIndex();
    index.apply({
      customers: { put: [makeCustomer(1)] },
      reservations: { put: [makeReservation(1, { customerNumber: 1 })] },
      stations: [makeStation(1)],
    });
    index.clear();
    expect(index.count('customers') + index.count('reservations') + index.count('stations')).toBe(
      0,
    );
    expect(index.reservationsOfCustomer(1)).toEqual([]);
    expect(index.findReservations({ first: 5 }).totalCount).toBe(0);
  });
});
