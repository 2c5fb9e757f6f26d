import { createMirrorIndex } from '../../../../src/data/mirror/index';
import { MirrorCursorError, type MirrorIndex } from '../../../../src/data/mirror/types';
import type { ReservationStatus } from '../../../../src/domain/models';
import {
  at,
  changedBy,
  idsOf,
  indexOf,
  makeCustomer,
  makeReservation,
  makeTicket,
  numbersOf,
  ticketNumbersOf,
  walk,
} from '../../../helpers/mirrorRecords';

const T0 = at('2026-03-02T10:00:00Z');
const DAY = 86_400_000;

describe('mirror index: customers', () => {
  const people = [
    makeCustomer(5, { firstName: 'Anna', lastName: 'Müller', changed: at('2026-03-01T00:00:00Z') }),
    makeCustomer(3, {
      firstName: 'Bernd',
      lastName: 'Mueller',
      changed: at('2026-03-02T00:00:00Z'),
    }),
    makeCustomer(4, {
      firstName: 'Carla',
      lastName: 'Muller',
      company: 'Anna Bistro',
      changed: at('2026-03-03T00:00:00Z'),
    }),
    makeCustomer(1, { firstName: 'Ärne', lastName: 'Abel', email: 'anna.x@example.org' }),
    makeCustomer(2, { firstName: null, lastName: null, company: 'Zeltverleih Anna' }),
    makeCustomer(6, { firstName: 'Zoë', lastName: 'Ölmann', mobile: '+49 170 5550000' }),
  ];
  const index = indexOf({ customers: { put: people } });

  it('orders by NAME by default: folded last name, first name, number; nameless last', () => {
    expect(numbersOf(index.findCustomers({ first: 10 }).items)).toEqual([1, 3, 5, 4, 6, 2]);
  });

  it('orders by NUMBER', () => {
    expect(numbersOf(index.findCustomers({ first: 10, orderBy: 'NUMBER' }).items)).toEqual([
      1, 2, 3, 4, 5, 6,
    ]);
  });

  it('filters by numbers (an empty list is no filter) and by changedSince (inclusive)', () => {
    expect(numbersOf(index.findCustomers({ first: 10, numbers: [6, 5, 5, 99] }).items)).toEqual([
      5, 6,
    ]);
    expect(index.findCustomers({ first: 10, numbers: [] }).totalCount).toBe(6);
    const since = index.findCustomers({ first: 10, changedSince: at('2026-03-02T00:00:00Z') });
    expect(numbersOf(since.items)).toEqual([3, 4]);
  });

  it('searches folded: Müller, Mueller and Muller find all three', () => {
    for (const search of ['Müller', 'mueller', 'MULLER']) {
      const found = index.findCustomers({ first: 10, search, orderBy: 'NAME' });
      expect(numbersOf(found.items)).toEqual([3, 5, 4]);
      expect(found.totalCount).toBe(3);
    }
  });

  it('searches several words, each in any field, combined with the other filters', () => {
    expect(numbersOf(index.findCustomers({ first: 10, search: 'anna müll' }).items).sort()).toEqual(
      [4, 5],
    );
    expect(
      numbersOf(index.findCustomers({ first: 10, search: 'anna müll', numbers: [4] }).items),
    ).toEqual([4]);
    expect(index.findCustomers({ first: 10, search: '170 555' }).totalCount).toBe(1);
  });

  it('orders a search by RELEVANCE by default: whole field, then word start, then contained; then by name', () => {
    // 'anna': first name Anna (whole field, 5); company 'Anna Bistro' (word start, 4) and
    // 'Zeltverleih Anna' (word start, 2); e-mail 'anna.x@…' (word start, 1).
    const found = index.findCustomers({ first: 10, search: 'anna' });
    expect(numbersOf(found.items)).toEqual([5, 1, 4, 2]);
    expect(numbersOf(index.findCustomers({ first: 10, search: 'nna' }).items)).toEqual([
      1, 5, 4, 2,
    ]);
  });

  it('counts exactly and fills pages', () => {
    const many = indexOf({
      customers: {
        put: Array.from({ length: 120 }, (_, i) =>
          makeCustomer(i + 1, { lastName: i % 3 ? 'Meier' : 'Maier' }),
        ),
      },
    });
    const page = many.findCustomers({ first: 25, search: 'meier' });
    expect(page.totalCount).toBe(80);
    expect(page.items).toHaveLength(25);
    const all = walk((after) => many.findCustomers({ first: 25, search: 'meier', after }));
    expect(all.sizes).toEqual([25, 25, 25, 5]);
    expect(new Set(numbersOf(all.items)).size).toBe(80);
  });

  it('orders many matches (picked out of the name order) exactly as a sort would', () => {
    const names = ['Maier', 'Meier', 'Mayer', 'Müller', 'Schmidt'];
    const many = Array.from({ length: 3000 }, (_, i) =>
      makeCustomer(3000 - i, { lastName: names[i % 5], firstName: `Anna${i % 7}`, email: null }),
    );
    const big = indexOf({ customers: { put: many } });
    const folded = (c: (typeof many)[number]) =>
      `${c.lastName!.replace('ü', 'u').toLowerCase()}\u0000${c.firstName!.toLowerCase()}`;
    const byName = (a: (typeof many)[number], b: (typeof many)[number]) =>
      folded(a) < folded(b) ? -1 : folded(a) > folded(b) ? 1 : a.number - b.number;
    const matching = many
      .filter((c) => /e/.test(c.lastName!) || /e/.test(c.firstName!))
      .sort(byName);
    expect(matching.length).toBeGreaterThan(1000);
    const name = walk((after) =>
      big.findCustomers({ first: 500, search: 'e', orderBy: 'NAME', after }),
    );
    expect(numbersOf(name.items)).toEqual(numbersOf(matching));
    // Every first name starts with 'a' (a word start, 2): relevance ties, name order decides.
    const relevance = walk((after) => big.findCustomers({ first: 500, search: 'a', after }));
    const all = [...many].sort(byName);
    const score = (c: (typeof many)[number]) => (/^a/i.test(c.firstName!) ? 2 : 1);
    expect(numbersOf(relevance.items)).toEqual(
      numbersOf([...all].sort((a, b) => score(b) - score(a) || byName(a, b))),
    );
    expect(numbersOf(big.findCustomers({ first: 500, orderBy: 'RELEVANCE' }).items)).toEqual(
      numbersOf(all.slice(0, 500)),
    );
  });

  it('refuses first outside 1..500 and an unknown order, naming the field', () => {
    expect(() => index.findCustomers({ first: 0 })).toThrow(/first: 0 .*1\.\.500/);
    expect(() => index.findCustomers({ first: 501 })).toThrow(/first: 501/);
    expect(() => index.findCustomers({ first: 5, orderBy: 'AGE' as never })).toThrow(
      /orderBy: AGE/,
    );
  });
});

describe('mirror index: reservations', () => {
  const statuses: ReservationStatus[] = ['CONFIRMED', 'CANCELLED', 'REQUESTED', 'SEATED'];
  const start = at('2026-03-05T00:00:00Z').getTime();
  // 60 reservations: ids 1..60, 3 stations, 4 statuses, every 2 hours from 2026-03-05,
  // inserted in reverse so that no order comes for free.
  const reservations = Array.from({ length: 60 }, (_, i) =>
    makeReservation(60 - i, {
      stationNumber: ((60 - i) % 3) + 1,
      customerNumber: (60 - i) % 5 === 0 ? null : ((60 - i) % 4) + 100,
      status: statuses[(60 - i) % 4],
      start: new Date(start + (60 - i) * 2 * 3_600_000),
      changed: new Date(T0.getTime() + (60 - i) * 1000),
    }),
  );
  const index = indexOf({ reservations: { put: reservations } });
  const expected = (keep: (id: number) => boolean) =>
    Array.from({ length: 60 }, (_, i) => i + 1).filter(keep);
  const r = (id: number) => reservations.find((x) => x.id === id)!;

  it('orders by START (start, id) by default and by ID', () => {
    const shuffled = indexOf({
      reservations: {
        put: [
          makeReservation(2, { start: at('2026-03-01T10:00:00Z') }),
          makeReservation(1, { start: at('2026-03-01T10:00:00Z') }),
          makeReservation(3, { start: at('2026-03-01T09:00:00Z') }),
        ],
      },
    });
    expect(idsOf(shuffled.findReservations({ first: 10 }).items)).toEqual([3, 1, 2]);
    expect(idsOf(shuffled.findReservations({ first: 10, orderBy: 'ID' }).items)).toEqual([1, 2, 3]);
  });

  it('selects a station’s day: start in [from, to)', () => {
    const from = new Date(start + DAY);
    const to = new Date(start + 2 * DAY);
    const day = index.findReservations({ first: 50, stationNumber: 1, from, to });
    const want = expected(
      (id) => r(id).stationNumber === 1 && r(id).start >= from && r(id).start < to,
    );
    expect(idsOf(day.items)).toEqual(want);
    expect(day.totalCount).toBe(want.length);
    expect(idsOf(day.items)).toContain(12); // starts exactly at `from`
    expect(idsOf(day.items)).not.toContain(24); // starts exactly at `to`
    expect(
      idsOf(
        index.findReservations({
          first: 50,
          from: new Date(start + 24 * 3_600_000),
          to: new Date(start + 26 * 3_600_000),
        }).items,
      ),
    ).toEqual([12]);
  });

  it('combines every filter, counts exactly and fills pages with a status filter', () => {
    const find = {
      first: 4,
      statuses: ['CONFIRMED', 'SEATED'] as ReservationStatus[],
      customerNumbers: [101, 103],
      changedSince: new Date(T0.getTime() + 10_000),
    };
    const want = expected(
      (id) =>
        ['CONFIRMED', 'SEATED'].includes(r(id).status) &&
        [101, 103].includes(r(id).customerNumber!) &&
        id >= 10,
    );
    expect(want.length).toBeGreaterThan(8);
    const page = index.findReservations(find);
    expect(page.totalCount).toBe(want.length);
    expect(page.items).toHaveLength(4);
    const all = walk((after) => index.findReservations({ ...find, after }));
    expect(idsOf(all.items)).toEqual(want);
    expect(all.sizes.slice(0, -1).every((n) => n === 4)).toBe(true);
    expect(
      idsOf(index.findReservations({ first: 10, ids: [7, 3, 99], orderBy: 'ID' }).items),
    ).toEqual([3, 7]);
    expect(
      idsOf(index.findReservations({ first: 10, ids: [7, 3], stationNumber: 2 }).items),
    ).toEqual([7]);
    expect(index.findReservations({ first: 10, stationNumber: 0 }).totalCount).toBe(60);
  });

  it('pages through everything by ID and by START without a gap or repeat', () => {
    for (const orderBy of ['ID', 'START'] as const) {
      const all = walk((after) => index.findReservations({ first: 7, orderBy, after }));
      expect(idsOf(all.items)).toEqual(expected(() => true));
    }
  });
});

describe('mirror index: tickets', () => {
  const tickets = [
    makeTicket('T-10', {
      customerNumber: 1,
      reservationId: 5,
      validFrom: at('2026-01-03T00:00:00Z'),
      status: 'VALID',
    }),
    makeTicket('T-02', {
      customerNumber: 1,
      validFrom: at('2026-01-01T00:00:00Z'),
      status: 'REDEEMED',
    }),
    makeTicket('T-03', {
      customerNumber: 2,
      reservationId: 5,
      validFrom: at('2026-01-01T00:00:00Z'),
      status: 'VALID',
    }),
    makeTicket('T-01', {
      validFrom: at('2026-01-02T00:00:00Z'),
      status: 'CANCELLED',
      changed: at('2026-03-01T00:00:00Z'),
    }),
  ];
  const index = indexOf({ tickets: { put: tickets } });

  it('orders by NUMBER by default and by VALID_FROM (validFrom, number)', () => {
    expect(ticketNumbersOf(index.findTickets({ first: 10 }).items)).toEqual([
      'T-01',
      'T-02',
      'T-03',
      'T-10',
    ]);
    expect(ticketNumbersOf(index.findTickets({ first: 10, orderBy: 'VALID_FROM' }).items)).toEqual([
      'T-02',
      'T-03',
      'T-01',
      'T-10',
    ]);
  });

  it('filters by numbers, customers, reservations, statuses and changedSince', () => {
    expect(
      ticketNumbersOf(index.findTickets({ first: 10, numbers: ['T-10', 'T-01', 'X'] }).items),
    ).toEqual(['T-01', 'T-10']);
    expect(
      ticketNumbersOf(index.findTickets({ first: 10, customerNumbers: [2, 1] }).items),
    ).toEqual(['T-02', 'T-03', 'T-10']);
    expect(
      ticketNumbersOf(
        index.findTickets({ first: 10, reservationIds: [5], orderBy: 'VALID_FROM' }).items,
      ),
    ).toEqual(['T-03', 'T-10']);
    expect(
      ticketNumbersOf(
        index.findTickets({ first: 10, statuses: ['VALID'], customerNumbers: [1] }).items,
      ),
    ).toEqual(['T-10']);
    expect(
      ticketNumbersOf(
        index.findTickets({ first: 10, changedSince: at('2026-02-01T00:00:00Z') }).items,
      ),
    ).toEqual(['T-01']);
    const page = index.findTickets({ first: 1, statuses: ['VALID', 'CANCELLED'] });
    expect([page.totalCount, page.items.length, page.hasNextPage]).toEqual([3, 1, true]);
  });
});

describe('mirror index: cursors', () => {
  function customers(index: MirrorIndex, numbers: number[]) {
    index.apply({
      customers: {
        put: numbers.map((n) =>
          makeCustomer(n, { lastName: `L${String(n).padStart(3, '0')}`, changed: T0 }),
        ),
      },
    });
  }

  it('are opaque base64 and the same for the same query (deterministic)', () => {
    const index = createMirrorIndex();
    customers(index, [1, 2, 3]);
    const a = index.findCustomers({ first: 2 });
    expect(a.cursors).toHaveLength(2);
    expect(a.cursors[0]).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(index.findCustomers({ first: 2 }).cursors).toEqual(a.cursors);
    expect(createMirrorIndex().findCustomers({ first: 1, after: a.cursors[1] }).items).toEqual([]);
  });

  it('do not repeat a record after one was inserted before the cursor', () => {
    const index = createMirrorIndex();
    customers(index, [10, 20, 30, 40, 50]);
    const first = index.findCustomers({ first: 2 });
    customers(index, [5, 15]);
    const next = index.findCustomers({ first: 2, after: first.cursors[1] });
    expect(numbersOf(next.items)).toEqual([30, 40]);
    expect(next.totalCount).toBe(7);
  });

  it('do not skip a record after the record at the cursor was deleted', () => {
    const index = createMirrorIndex();
    customers(index, [10, 20, 30, 40]);
    const first = index.findCustomers({ first: 2 });
    index.apply({ customers: { delete: [20, 10] } });
    expect(numbersOf(index.findCustomers({ first: 2, after: first.cursors[1] }).items)).toEqual([
      30, 40,
    ]);
  });

  it('show a record that moved behind the cursor on a later page, and one that moved ahead not again', () => {
    const index = createMirrorIndex();
    customers(index, [10, 20, 30, 40]);
    const first = index.findCustomers({ first: 2 });
    const c10 = index.get('customers', 10)!;
    const c30 = index.get('customers', 30)!;
    index.apply({
      customers: {
        put: [changedBy(c10, 1, { lastName: 'L999' }), changedBy(c30, 1, { lastName: 'L000' })],
      },
    });
    expect(numbersOf(index.findCustomers({ first: 5, after: first.cursors[1] }).items)).toEqual([
      40, 10,
    ]);
  });

  it('keep working for reservations across a sync (station day board)', () => {
    const index = createMirrorIndex();
    const day = at('2026-03-05T00:00:00Z').getTime();
    const board = (n: number) =>
      makeReservation(n, { stationNumber: 1, start: new Date(day + n * 3_600_000), changed: T0 });
    index.apply({ reservations: { put: [2, 4, 6, 8].map(board) } });
    const find = {
      first: 2,
      stationNumber: 1,
      from: new Date(day),
      to: new Date(day + 86_400_000),
    };
    const first = index.findReservations(find);
    index.apply({ reservations: { put: [board(1), board(5)], delete: [4] } });
    expect(idsOf(index.findReservations({ ...find, after: first.cursors[1] }).items)).toEqual([
      5, 6,
    ]);
  });

  it('belong to their filter and order: another one fails with MirrorCursorError', () => {
    const index = createMirrorIndex();
    customers(index, [1, 2, 3]);
    const byName = index.findCustomers({ first: 1 }).cursors[0];
    expect(() => index.findCustomers({ first: 1, after: byName, orderBy: 'NUMBER' })).toThrow(
      MirrorCursorError,
    );
    expect(() => index.findCustomers({ first: 1, after: byName, search: 'x' })).toThrow(
      /another filter or order/,
    );
    expect(() => index.findReservations({ first: 1, after: byName })).toThrow(MirrorCursorError);
    expect(() => index.findCustomers({ first: 1, after: 'bm9wZQ' })).toThrow(
      /not a cursor of the mirror/,
    );
    expect(() => index.findCustomers({ first: 1, after: '%%%' })).toThrow(MirrorCursorError);
  });

  it('are shared by filters that differ only in writing (list order, case, accents)', () => {
    const index = createMirrorIndex();
    index.apply({
      customers: { put: [1, 2, 3].map((n) => makeCustomer(n, { lastName: 'Müller' })) },
    });
    const page = index.findCustomers({ first: 1, search: 'MÜLLER', numbers: [3, 1, 2] });
    const next = index.findCustomers({
      first: 5,
      search: 'muller',
      numbers: [1, 2, 3, 3],
      after: page.cursors[0],
    });
    expect(numbersOf(next.items)).toEqual([2, 3]);
  });
});
