import { KEYED_KINDS, type KeyedKind } from '../../../src/domain/models';
import {
  compareCodeUnits,
  compareNumbers,
  keyOf,
  keyedKindInfo,
  RECORD_KIND_INFO,
  type RecordOf,
} from '../../../src/domain/recordKinds';
import { makeCustomer, makeReservation, makeTicket } from '../../helpers/mirrorRecords';

const SAMPLES: { [K in KeyedKind]: RecordOf[K] } = {
  customers: makeCustomer(7),
  reservations: makeReservation(8),
  tickets: makeTicket('T-9', { redeemedAt: new Date('2026-07-01T12:00:00Z') }),
};

describe('the record kinds, stated once (src/domain/recordKinds.ts)', () => {
  it.each(KEYED_KINDS)('%s: its key field, key type and Date fields match its records', (kind) => {
    const info = keyedKindInfo(kind);
    const record = SAMPLES[kind] as unknown as Record<string, unknown>;
    expect(info.kind).toBe(kind);
    expect(keyOf(kind, SAMPLES[kind])).toBe(record[info.keyField]);
    expect(typeof record[info.keyField]).toBe(info.keyType);
    const dates = Object.keys(record).filter((field) => record[field] instanceof Date);
    expect([...info.dateFields].sort()).toEqual(dates.sort());
  });

  it('orders ticket numbers by UTF-16 code units, the others numerically', () => {
    expect(RECORD_KIND_INFO.tickets.compareKeys).toBe(compareCodeUnits);
    expect(['b', 'B', '10', '9', 'a'].sort(compareCodeUnits)).toEqual(['10', '9', 'B', 'a', 'b']);
    expect(compareCodeUnits('x', 'x')).toBe(0);
    expect(RECORD_KIND_INFO.customers.compareKeys).toBe(compareNumbers);
    expect(RECORD_KIND_INFO.reservations.compareKeys).toBe(compareNumbers);
    expect([10, 9, 100].sort(compareNumbers)).toEqual([9, 10, 100]);
  });

  it('names each kind as GraphQL and API300 do', () => {
    expect(
      Object.values(RECORD_KIND_INFO).map((info) => [info.kind, info.typename, info.single]),
    ).toEqual([
      ['customers', 'Customer', 'customer'],
      ['reservations', 'Reservation', 'reservation'],
      ['tickets', 'Ticket', 'ticket'],
      ['stations', 'Station', null],
    ]);
    expect(KEYED_KINDS.map((kind) => RECORD_KIND_INFO[kind].listOperation)).toEqual([
      'GetCustomers',
      'GetReservations',
      'GetTickets',
    ]);
  });
});
