import { createMirrorIndex } from '../../../../src/data/mirror/index';
import type { Reservation, Ticket } from '../../../../src/domain/models';
import {
  at,
  idsOf,
  makeReservation,
  makeTicket,
  ticketNumbersOf,
  walk,
} from '../../../helpers/mirrorRecords';

/** A small deterministic PRNG (mulberry32): the same sequence on every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DAY0 = at('2026-03-01T00:00:00Z').getTime();
const HOUR = 3_600_000;

describe('mirror index against a plain model', () => {
  it('answers like filtering and sorting everything, through bulk loads, small deltas and deletes', () => {
    const next = random(42);
    const pick = (n: number) => Math.floor(next() * n);
    const index = createMirrorIndex();
    const reservations = new Map<number, Reservation>();
    const tickets = new Map<string, Ticket>();
    let clock = at('2026-03-01T00:00:00Z').getTime();

    const reservation = (id: number) =>
      makeReservation(id, {
        stationNumber: 1 + pick(3),
        customerNumber: pick(4) === 0 ? null : 1 + pick(20),
        start: new Date(DAY0 + pick(7 * 24) * HOUR),
        status: (['CONFIRMED', 'CANCELLED', 'SEATED'] as const)[pick(3)],
        changed: new Date(clock),
      });
    const ticket = (n: number) =>
      makeTicket(`T-${String(n).padStart(4, '0')}`, {
        customerNumber: pick(3) === 0 ? null : 1 + pick(20),
        reservationId: pick(2) === 0 ? null : 1 + pick(400),
        validFrom: new Date(DAY0 + pick(30) * 24 * HOUR),
        changed: new Date(clock),
      });

    for (let round = 0; round < 40; round++) {
      clock += 1000;
      const size = round === 0 ? 300 : 1 + pick(12);
      const putR = Array.from({ length: size }, () => reservation(1 + pick(400)));
      const putT = Array.from({ length: size }, () => ticket(1 + pick(300)));
      const deleteR = round % 3 === 0 ? Array.from({ length: 3 }, () => 1 + pick(400)) : [];
      const deleteT =
        round % 4 === 0 ? Array.from({ length: 3 }, () => ticket(1 + pick(300)).number) : [];
      index.apply({
        reservations: { put: putR, delete: deleteR },
        tickets: { put: putT, delete: deleteT },
      });
      for (const r of putR) reservations.set(r.id, r);
      for (const id of deleteR) reservations.delete(id);
      for (const t of putT) tickets.set(t.number, t);
      for (const n of deleteT) tickets.delete(n);

      const all = [...reservations.values()];
      const byStart = (a: Reservation, b: Reservation) =>
        a.start.getTime() - b.start.getTime() || a.id - b.id;
      const station = 1 + pick(3);
      const from = new Date(DAY0 + pick(7) * 24 * HOUR);
      const to = new Date(from.getTime() + 24 * HOUR);
      const board = all
        .filter((r) => r.stationNumber === station && r.start >= from && r.start < to)
        .sort(byStart);
      const paged = walk((after) =>
        index.findReservations({ first: 3, stationNumber: station, from, to, after }),
      );
      expect(idsOf(paged.items)).toEqual(idsOf(board));

      const customer = 1 + pick(20);
      expect(idsOf(index.reservationsOfCustomer(customer))).toEqual(
        idsOf(all.filter((r) => r.customerNumber === customer).sort(byStart)),
      );
      const cancelled = all.filter((r) => r.status === 'CANCELLED').sort((a, b) => a.id - b.id);
      const found = index.findReservations({ first: 500, statuses: ['CANCELLED'], orderBy: 'ID' });
      expect([found.totalCount, idsOf(found.items)]).toEqual([cancelled.length, idsOf(cancelled)]);
      expect(index.count('reservations')).toBe(reservations.size);

      const allTickets = [...tickets.values()];
      const byNumber = (a: Ticket, b: Ticket) => (a.number < b.number ? -1 : 1);
      expect(ticketNumbersOf(index.ticketsOfCustomer(customer))).toEqual(
        ticketNumbersOf(allTickets.filter((t) => t.customerNumber === customer).sort(byNumber)),
      );
      const reservationId = 1 + pick(400);
      expect(ticketNumbersOf(index.ticketsOfReservation(reservationId))).toEqual(
        ticketNumbersOf(allTickets.filter((t) => t.reservationId === reservationId).sort(byNumber)),
      );
      const byValidFrom = walk((after) =>
        index.findTickets({ first: 50, orderBy: 'VALID_FROM', after }),
      );
      expect(ticketNumbersOf(byValidFrom.items)).toEqual(
        ticketNumbersOf(
          [...allTickets].sort(
            (a, b) => a.validFrom.getTime() - b.validFrom.getTime() || byNumber(a, b),
          ),
        ),
      );
    }
  });
});
