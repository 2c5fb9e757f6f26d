import type { Customer, Reservation, Station, Ticket } from '../../domain/models';
import type { FindPage, FoundPage } from '../../domain/queries';
import { systemClock, type Clock } from '../../platform/clock';
import { Api300Error } from '../errors';
import type { KeyedKind, MirrorView, RecordKind } from '../mirror/types';
import { decodeOffsetCursor } from './offsetPaging';
import type { ListPage, LocalReads, ReadOptions, Repository } from './types';

export type { MirrorView };

/**
 * The repository over the mirror, with the read-through repository for what the mirror does
 * not hold: kinds still loading or without licence, reservations before its window. Reads
 * the mirror answers cost no upstream call. Writes go through `upstream` (API300, under the
 * gate and the record locks) and what API300 stored is applied to the mirror before the
 * write returns, so the next read anywhere in this process serves it.
 */
export function createMirroredRepository(
  mirror: MirrorView,
  upstream: Repository,
  clock: Clock = systemClock,
): Repository {
  const { index } = mirror;

  /**
   * `read` (upstream); when the budget refuses it (`UPSTREAM_RATE_LIMITED`: nothing was sent)
   * while the mirror still loads, waits for the mirror to answer instead (`local`, asked
   * again at each load page, kind loaded or leader's state adopted) until the request's
   * deadline, and only then fails as refused. Not when the load's pace says it cannot end
   * before the deadline (`loadEtaMs`): then it fails at once. Costs no upstream call: while the load's pages
   * take the budget, the reads they will answer wait for them.
   */
  async function orFromMirror<T>(
    kind: RecordKind,
    read: () => Promise<T>,
    local: () => T | undefined,
    opts: ReadOptions,
  ): Promise<T> {
    try {
      return await read();
    } catch (error) {
      if (!(error instanceof Api300Error) || error.code !== 'UPSTREAM_RATE_LIMITED') throw error;
      for (;;) {
        const answer = local();
        if (answer !== undefined) return answer;
        const left = opts.deadline - clock.now();
        if (left <= 0 || !mirror.loading(kind)) throw error;
        // A load that cannot end before the deadline (a large venue's first minutes) is not
        // waited for: the refusal comes at once, as without a mirror.
        const eta = mirror.loadEtaMs(kind);
        if (eta !== null && eta > left) throw error;
        if (!(await mirror.progressed(left))) throw error;
      }
    }
  }

  /** Each key from `local` where it answers, the rest (if any) from `fallback` in one call. */
  function keyed<K extends string | number, V>(
    kind: RecordKind,
    keys: readonly K[],
    local: (key: K) => V | null | undefined,
    fallback: (keys: readonly K[]) => Promise<Map<K, V>>,
    opts: ReadOptions,
  ): Promise<Map<K, V>> {
    const found = new Map<K, V>();
    const missing: K[] = [];
    for (const key of keys) {
      const value = local(key);
      if (value === undefined) missing.push(key);
      else if (value !== null) found.set(key, value);
    }
    if (missing.length === 0) return Promise.resolve(found);
    const fromMirrorNow = (): Map<K, V> | undefined => {
      const more = new Map<K, V>();
      for (const key of missing) {
        const value = local(key);
        if (value === undefined) return undefined;
        if (value !== null) more.set(key, value);
      }
      return more;
    };
    return orFromMirror(kind, () => fallback(missing), fromMirrorNow, opts).then((more) => {
      for (const [key, value] of more) found.set(key, value);
      return found;
    });
  }

  /** The mirror's answer when it has one now, else upstream's (or the mirror's after a refusal). */
  function whenLocal<T>(
    kind: RecordKind,
    fromIndex: () => T | undefined,
    read: () => Promise<T>,
    opts: ReadOptions,
  ): Promise<T> {
    const answer = fromIndex();
    return answer !== undefined
      ? Promise.resolve(answer)
      : orFromMirror(kind, read, fromIndex, opts);
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
      keyed('customers', numbers, local.customer, (k) => upstream.customersByNumber(k, opts), opts),
    reservationsById: (ids, opts) =>
      keyed(
        'reservations',
        ids,
        local.reservation,
        (k) => upstream.reservationsById(k, opts),
        opts,
      ),
    ticketsByNumber: (numbers, opts) =>
      keyed('tickets', numbers, local.ticket, (k) => upstream.ticketsByNumber(k, opts), opts),
    reservationsByCustomer: (numbers, opts) =>
      keyed(
        'reservations',
        numbers,
        local.reservationsOfCustomer,
        (k) => upstream.reservationsByCustomer(k, opts),
        opts,
      ),
    ticketsByCustomer: (numbers, opts) =>
      keyed(
        'tickets',
        numbers,
        local.ticketsOfCustomer,
        (k) => upstream.ticketsByCustomer(k, opts),
        opts,
      ),
    ticketsByReservation: (ids, opts) =>
      keyed(
        'tickets',
        ids,
        local.ticketsOfReservation,
        (k) => upstream.ticketsByReservation(k, opts),
        opts,
      ),

    findCustomers: (find, opts) => {
      const fromIndex = () =>
        mirror.holds('customers') ? fromMirror(find, (f) => index.findCustomers(f)) : undefined;
      return whenLocal('customers', fromIndex, () => upstream.findCustomers(find, opts), opts);
    },
    findReservations: (find, opts) => {
      const fromIndex = () =>
        holdsReservationsOf(find) ? fromMirror(find, (f) => index.findReservations(f)) : undefined;
      return whenLocal(
        'reservations',
        fromIndex,
        () => upstream.findReservations(find, opts),
        opts,
      );
    },
    findTickets: (find, opts) => {
      const fromIndex = () =>
        mirror.holds('tickets') ? fromMirror(find, (f) => index.findTickets(f)) : undefined;
      return whenLocal('tickets', fromIndex, () => upstream.findTickets(find, opts), opts);
    },
    stations: (opts: ReadOptions): Promise<Station[]> => {
      const fromIndex = () => (mirror.holds('stations') ? index.stations() : undefined);
      return whenLocal('stations', fromIndex, () => upstream.stations(opts), opts);
    },

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
