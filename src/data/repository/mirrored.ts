import type { Customer, Reservation, Station, Ticket } from '../../domain/models';
import type { FindPage, FoundPage } from '../../domain/queries';
import type { KeyedKind, MirrorView } from '../mirror/types';
import { decodeOffsetCursor } from './paging';
import type { ListPage, LocalReads, ReadOptions, Repository } from './types';

export type { MirrorView };

/**
 * The repository over the mirror, with the read-through repository for what the mirror does
 * not hold: kinds still loading or without licence, reservations before its window. Reads
 * the mirror answers cost no upstream call. Writes go through `upstream` (API300, under the
 * gate and the record locks) and what API300 stored is applied to the mirror before the
 * write returns, so the next read anywhere in this process serves it.
 */
export function createMirroredRepository(mirror: MirrorView, upstream: Repository): Repository {
  const { index } = mirror;

  /** Each key from `local` where it answers, the rest (if any) from `fallback` in one call. */
  function keyed<K extends string | number, V>(
    keys: readonly K[],
    local: (key: K) => V | null | undefined,
    fallback: (keys: readonly K[]) => Promise<Map<K, V>>,
  ): Promise<Map<K, V>> {
    const found = new Map<K, V>();
    const missing: K[] = [];
    for (const key of keys) {
      const value = local(key);
      if (value === undefined) missing.push(key);
      else if (value !== null) found.set(key, value);
    }
    if (missing.length === 0) return Promise.resolve(found);
    return fallback(missing).then((more) => {
      for (const [key, value] of more) found.set(key, value);
      return found;
    });
  }

  const reservationWindowOpen = () => mirror.reservationsFrom() === null;

  /** Whether the mirror holds every reservation a list query can match. */
  function holdsReservationsOf(find: { from?: Date; ids?: readonly number[] }): boolean {
    if (!mirror.holds('reservations')) return false;
    const from = mirror.reservationsFrom();
    return from === null || (find.from !== undefined && find.from >= from);
  }

  /** Whether the mirror answers `key` of `kind`: loaded, or covered by the pages loaded so far. */
  const answers = (kind: KeyedKind, key: string | number): boolean =>
    mirror.holds(kind) || mirror.covers(kind, key);

  const local: LocalReads = {
    customer: (n) => (answers('customers', n) ? (index.get('customers', n) ?? null) : undefined),
    // A reservation older than the window may exist though the mirror does not hold it.
    reservation: (id) =>
      answers('reservations', id)
        ? (index.get('reservations', id) ?? (reservationWindowOpen() ? null : undefined))
        : undefined,
    ticket: (n) => (answers('tickets', n) ? (index.get('tickets', n) ?? null) : undefined),
    reservationsOfCustomer: (n) =>
      mirror.holds('reservations') && reservationWindowOpen()
        ? index.reservationsOfCustomer(n)
        : undefined,
    ticketsOfCustomer: (n) => (mirror.holds('tickets') ? index.ticketsOfCustomer(n) : undefined),
    ticketsOfReservation: (id) =>
      mirror.holds('tickets') ? index.ticketsOfReservation(id) : undefined,
  };

  const stored = {
    customer: (c: Customer) => (mirror.recordWrite({ customers: { put: [c] } }), c),
    reservation: (r: Reservation) => (mirror.recordWrite({ reservations: { put: [r] } }), r),
    ticket: (t: Ticket) => (mirror.recordWrite({ tickets: { put: [t] } }), t),
  };

  return {
    local,
    customersByNumber: (numbers, opts) =>
      keyed(numbers, local.customer, (k) => upstream.customersByNumber(k, opts)),
    reservationsById: (ids, opts) =>
      keyed(ids, local.reservation, (k) => upstream.reservationsById(k, opts)),
    ticketsByNumber: (numbers, opts) =>
      keyed(numbers, local.ticket, (k) => upstream.ticketsByNumber(k, opts)),
    reservationsByCustomer: (numbers, opts) =>
      keyed(numbers, local.reservationsOfCustomer, (k) => upstream.reservationsByCustomer(k, opts)),
    ticketsByCustomer: (numbers, opts) =>
      keyed(numbers, local.ticketsOfCustomer, (k) => upstream.ticketsByCustomer(k, opts)),
    ticketsByReservation: (ids, opts) =>
      keyed(ids, local.ticketsOfReservation, (k) => upstream.ticketsByReservation(k, opts)),

    findCustomers: (find, opts) =>
      mirror.holds('customers')
        ? Promise.resolve(fromMirror(find, (f) => index.findCustomers(f)))
        : upstream.findCustomers(find, opts),
    findReservations: (find, opts) =>
      holdsReservationsOf(find)
        ? Promise.resolve(fromMirror(find, (f) => index.findReservations(f)))
        : upstream.findReservations(find, opts),
    findTickets: (find, opts) =>
      mirror.holds('tickets')
        ? Promise.resolve(fromMirror(find, (f) => index.findTickets(f)))
        : upstream.findTickets(find, opts),
    stations: (opts: ReadOptions): Promise<Station[]> =>
      mirror.holds('stations') ? Promise.resolve(index.stations()) : upstream.stations(opts),

    createCustomer: async (customer, opts) =>
      stored.customer(await upstream.createCustomer(customer, opts)),
    updateCustomer: async (number, change, opts) =>
      stored.customer(await upstream.updateCustomer(number, change, opts)),
    importCustomers: async (customers, opts) => {
      const results = await upstream.importCustomers(customers, opts);
      mirror.refreshCustomers(
        results.filter((r) => r.error === null && r.number > 0).map((r) => r.number),
      );
      return results;
    },
    createReservation: async (reservation, opts) =>
      stored.reservation(await upstream.createReservation(reservation, opts)),
    updateReservation: async (id, change, opts) =>
      stored.reservation(await upstream.updateReservation(id, change, opts)),
    issueTicket: async (ticket, opts) => stored.ticket(await upstream.issueTicket(ticket, opts)),
    redeemTicket: async (ticketNumber, stationNumber, opts) =>
      stored.ticket(await upstream.redeemTicket(ticketNumber, stationNumber, opts)),
  };
}

/**
 * A mirror page as a list page. An offset cursor (a page read read-through before the mirror
 * was ready) continues at the same position, so paging does not break when the mirror takes
 * over mid-list.
 */
function fromMirror<F extends FindPage, T>(find: F, run: (find: F) => FoundPage<T>): ListPage<T> {
  const offset = find.after === undefined ? null : decodeOffsetCursor(find.after);
  if (offset === null) return listPage(run(find));
  const skip = offset + 1;
  const page = run({ ...find, after: undefined, first: skip + find.first });
  return listPage({
    ...page,
    items: page.items.slice(skip),
    cursors: page.cursors.slice(skip),
  });
}

function listPage<T>(page: FoundPage<T>): ListPage<T> {
  return {
    items: page.items,
    cursors: page.cursors,
    endCursor: page.cursors[page.cursors.length - 1] ?? null,
    totalCount: page.totalCount,
    hasNextPage: page.hasNextPage,
    source: 'mirror',
  };
}
