import DataLoader from 'dataloader';
import type { RequestAccounting } from '../accounting';
import {
  API300_MAX_RECORDS,
  type Customer,
  type Reservation,
  type Station,
  type Ticket,
} from '../../domain/models';
import type { CustomerFind, ReservationFind, TicketFind } from '../../domain/queries';
import { type ListPage, type Repository, type ReadOptions } from '../repository/types';

/**
 * Per-request DataLoaders over the `Repository` (DESIGN.md §2). Every `load` issued in one
 * tick of resolver execution becomes one repository call per loader and `API300_MAX_RECORDS`
 * keys, with duplicate keys sent once. Create one set per GraphQL request: the loaders memoize
 * for the request's lifetime; only the layers below may keep data across requests.
 *
 * A batch answers every key on its own: a value, `null`/`[]` for "does not exist", or the
 * Error of the whole call when the repository call itself failed. One missing key never fails
 * the others.
 */
export interface Loaders {
  customerByNumber: DataLoader<number, Customer | null>;
  reservationById: DataLoader<number, Reservation | null>;
  ticketByNumber: DataLoader<string, Ticket | null>;
  /** Every reservation of a customer (`[]` when none). */
  reservationsByCustomer: DataLoader<number, Reservation[]>;
  /** Every ticket of a customer (`[]` when none). */
  ticketsByCustomer: DataLoader<number, Ticket[]>;
  /** Every ticket of a reservation (`[]` when none). */
  ticketsByReservation: DataLoader<number, Ticket[]>;
  /** Stations come as one list; every key of a request shares one `Repository.stations` call. */
  stationByNumber: DataLoader<number, Station | null>;
  /** The whole station list, read at most once per request. */
  stations(): Promise<Station[]>;
  /**
   * List queries, keyed by the whole query (filter, order, page): the same list asked twice
   * in one request (aliases, fragments) is read once, and its records prime the entity
   * loaders.
   */
  customerList: DataLoader<CustomerFind, ListPage<Customer>, string>;
  reservationList: DataLoader<ReservationFind, ListPage<Reservation>, string>;
  ticketList: DataLoader<TicketFind, ListPage<Ticket>, string>;
}

export interface LoaderDeps {
  repository: Repository;
  /** Deadline of the GraphQL request (epoch ms), passed to every read. */
  deadline: number;
  /** The request's accounting, passed to every read. */
  accounting?: RequestAccounting;
}

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

/** A batch function over a keyed repository read: one entry per key, `absent` for missing keys. */
function keyedBatch<K, V>(
  read: (keys: readonly K[]) => Promise<Map<K, V>>,
  absent: () => V,
): DataLoader.BatchLoadFn<K, V> {
  return async (keys) => {
    try {
      const found = await read(keys);
      return keys.map((key) => (found.has(key) ? (found.get(key) as V) : absent()));
    } catch (e) {
      const error = asError(e);
      return keys.map(() => error);
    }
  };
}

/** API300 takes at most `API300_MAX_RECORDS` keys per list call. */
const OPTIONS = { maxBatchSize: API300_MAX_RECORDS } as const;

export function createLoaders({ repository, deadline, accounting }: LoaderDeps): Loaders {
  const opts: ReadOptions = { deadline, priority: 'read', accounting };

  const customerByNumber = new DataLoader<number, Customer | null>(
    keyedBatch(
      (keys) => repository.customersByNumber(keys, opts),
      () => null,
    ),
    OPTIONS,
  );
  const reservationById = new DataLoader<number, Reservation | null>(
    keyedBatch(
      (keys) => repository.reservationsById(keys, opts),
      () => null,
    ),
    OPTIONS,
  );
  const ticketByNumber = new DataLoader<string, Ticket | null>(
    keyedBatch(
      (keys) => repository.ticketsByNumber(keys, opts),
      () => null,
    ),
    OPTIONS,
  );

  // Lists by parent also prime the single-entity loaders, so a nested `ticket.reservation`
  // after `customer.reservations` costs nothing more.
  const primeReservations = (lists: Map<number, Reservation[]>) => {
    for (const list of lists.values()) for (const r of list) reservationById.prime(r.id, r);
    return lists;
  };
  const primeTickets = (lists: Map<number, Ticket[]>) => {
    for (const list of lists.values()) for (const t of list) ticketByNumber.prime(t.number, t);
    return lists;
  };

  const reservationsByCustomer = new DataLoader<number, Reservation[]>(
    keyedBatch(
      (keys) => repository.reservationsByCustomer(keys, opts).then(primeReservations),
      () => [],
    ),
    OPTIONS,
  );
  const ticketsByCustomer = new DataLoader<number, Ticket[]>(
    keyedBatch(
      (keys) => repository.ticketsByCustomer(keys, opts).then(primeTickets),
      () => [],
    ),
    OPTIONS,
  );
  const ticketsByReservation = new DataLoader<number, Ticket[]>(
    keyedBatch(
      (keys) => repository.ticketsByReservation(keys, opts).then(primeTickets),
      () => [],
    ),
    OPTIONS,
  );

  let stationList: Promise<Station[]> | undefined;
  const stations = () => (stationList ??= repository.stations(opts));
  const stationByNumber = new DataLoader<number, Station | null>(
    keyedBatch(
      async () => new Map((await stations()).map((s) => [s.number, s])),
      () => null,
    ),
    OPTIONS,
  );

  const customerList = listLoader(
    (find: CustomerFind) => repository.findCustomers(find, opts),
    (c) => customerByNumber.prime(c.number, c),
  );
  const reservationList = listLoader(
    (find: ReservationFind) => repository.findReservations(find, opts),
    (r) => reservationById.prime(r.id, r),
  );
  const ticketList = listLoader(
    (find: TicketFind) => repository.findTickets(find, opts),
    (t) => ticketByNumber.prime(t.number, t),
  );

  return {
    customerList,
    reservationList,
    ticketList,
    customerByNumber,
    reservationById,
    ticketByNumber,
    reservationsByCustomer,
    ticketsByCustomer,
    ticketsByReservation,
    stationByNumber,
    stations,
  };
}

/** A loader of list pages: one repository read per distinct query, each settling alone. */
function listLoader<F, T>(
  find: (query: F) => Promise<ListPage<T>>,
  prime: (item: T) => void,
): DataLoader<F, ListPage<T>, string> {
  return new DataLoader<F, ListPage<T>, string>(
    (queries) =>
      Promise.all(
        queries.map((query) =>
          find(query).then(
            (page) => {
              page.items.forEach(prime);
              return page;
            },
            (e: unknown) => asError(e),
          ),
        ),
      ),
    { cacheKeyFn: stableKey },
  );
}

/** The same JSON for equal queries, whatever the order of their fields. */
function stableKey(query: unknown): string {
  return JSON.stringify(query, (_key, value: unknown) =>
    value && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date)
      ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)))
      : value,
  );
}
