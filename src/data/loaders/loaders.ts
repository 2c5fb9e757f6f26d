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
 * Per-request DataLoaders over the `Repository` (docs/architecture.md). Every `load` issued in one
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
   * The reads resolvers use for one record or one parent's list: the value at once when the
   * repository answers it from memory (`Repository.local`, the mirror), else the loader above
   * (batched, a promise). Both roads share the loader's per-request memo, so one request sees
   * one version of a record whichever road brought it, and `prime`/`clear` on the loader
   * apply to both.
   */
  customer(number: number): MaybePromise<Customer | null>;
  reservation(id: number): MaybePromise<Reservation | null>;
  ticket(number: string): MaybePromise<Ticket | null>;
  reservationsOfCustomer(customerNumber: number): MaybePromise<Reservation[]>;
  ticketsOfCustomer(customerNumber: number): MaybePromise<Ticket[]>;
  ticketsOfReservation(reservationId: number): MaybePromise<Ticket[]>;
  /**
   * List queries, keyed by the whole query (filter, order, page): the same list asked twice
   * in one request (aliases, fragments) is read once, and its records prime the entity
   * loaders.
   */
  customerList: DataLoader<CustomerFind, ListPage<Customer>, string>;
  reservationList: DataLoader<ReservationFind, ListPage<Reservation>, string>;
  ticketList: DataLoader<TicketFind, ListPage<Ticket>, string>;
}

export type MaybePromise<T> = T | Promise<T>;

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

/**
 * Builds a request's loaders. Each DataLoader is made on first use: most requests touch two
 * or three of the eleven, and a hot read should not pay for the rest (one object per request;
 * the accessors live on the class).
 */
export function createLoaders(deps: LoaderDeps): Loaders {
  return new RequestLoaders(deps.repository, {
    deadline: deps.deadline,
    priority: 'read',
    accounting: deps.accounting,
  });
}

class RequestLoaders implements Loaders {
  #customerByNumber?: MemoLoader<number, Customer | null>;
  #reservationById?: MemoLoader<number, Reservation | null>;
  #ticketByNumber?: MemoLoader<string, Ticket | null>;
  #reservationsByCustomer?: MemoLoader<number, Reservation[]>;
  #ticketsByCustomer?: MemoLoader<number, Ticket[]>;
  #ticketsByReservation?: MemoLoader<number, Ticket[]>;
  #stationByNumber?: DataLoader<number, Station | null>;
  #stationList?: Promise<Station[]>;
  #customerList?: DataLoader<CustomerFind, ListPage<Customer>, string>;
  #reservationList?: DataLoader<ReservationFind, ListPage<Reservation>, string>;
  #ticketList?: DataLoader<TicketFind, ListPage<Ticket>, string>;

  constructor(
    private readonly repository: Repository,
    private readonly opts: ReadOptions,
  ) {}

  get customerByNumber() {
    return this.customerByNumberMemo.loader;
  }

  private get customerByNumberMemo() {
    return (this.#customerByNumber ??= memoLoader(
      (keys) => this.repository.customersByNumber(keys, this.opts),
      () => null,
    ));
  }

  get reservationById() {
    return this.reservationByIdMemo.loader;
  }

  private get reservationByIdMemo() {
    return (this.#reservationById ??= memoLoader(
      (keys) => this.repository.reservationsById(keys, this.opts),
      () => null,
    ));
  }

  get ticketByNumber() {
    return this.ticketByNumberMemo.loader;
  }

  private get ticketByNumberMemo() {
    return (this.#ticketByNumber ??= memoLoader(
      (keys) => this.repository.ticketsByNumber(keys, this.opts),
      () => null,
    ));
  }

  // Lists by parent also prime the single-entity loaders, so a nested `ticket.reservation`
  // after `customer.reservations` costs nothing more.
  get reservationsByCustomer() {
    return this.reservationsByCustomerMemo.loader;
  }

  private get reservationsByCustomerMemo() {
    return (this.#reservationsByCustomer ??= memoLoader(
      (keys) =>
        this.repository.reservationsByCustomer(keys, this.opts).then((lists) => {
          for (const list of lists.values())
            for (const r of list) this.reservationById.prime(r.id, r);
          return lists;
        }),
      () => [],
    ));
  }

  get ticketsByCustomer() {
    return this.ticketsByCustomerMemo.loader;
  }

  private get ticketsByCustomerMemo() {
    return (this.#ticketsByCustomer ??= memoLoader(
      (keys) =>
        this.repository
          .ticketsByCustomer(keys, this.opts)
          .then((lists) => this.primeTickets(lists)),
      () => [],
    ));
  }

  get ticketsByReservation() {
    return this.ticketsByReservationMemo.loader;
  }

  private get ticketsByReservationMemo() {
    return (this.#ticketsByReservation ??= memoLoader(
      (keys) =>
        this.repository
          .ticketsByReservation(keys, this.opts)
          .then((lists) => this.primeTickets(lists)),
      () => [],
    ));
  }

  get stationByNumber() {
    return (this.#stationByNumber ??= keyedLoader(
      async () => new Map((await this.stations()).map((s) => [s.number, s])),
      () => null,
    ));
  }

  customer(number: number): MaybePromise<Customer | null> {
    return this.customerByNumberMemo.read(number, this.repository.local?.customer);
  }

  reservation(id: number): MaybePromise<Reservation | null> {
    return this.reservationByIdMemo.read(id, this.repository.local?.reservation);
  }

  ticket(number: string): MaybePromise<Ticket | null> {
    return this.ticketByNumberMemo.read(number, this.repository.local?.ticket);
  }

  reservationsOfCustomer(customerNumber: number): MaybePromise<Reservation[]> {
    return this.reservationsByCustomerMemo.read(
      customerNumber,
      this.repository.local?.reservationsOfCustomer,
    );
  }

  ticketsOfCustomer(customerNumber: number): MaybePromise<Ticket[]> {
    return this.ticketsByCustomerMemo.read(
      customerNumber,
      this.repository.local?.ticketsOfCustomer,
    );
  }

  ticketsOfReservation(reservationId: number): MaybePromise<Ticket[]> {
    return this.ticketsByReservationMemo.read(
      reservationId,
      this.repository.local?.ticketsOfReservation,
    );
  }

  stations(): Promise<Station[]> {
    return (this.#stationList ??= this.repository.stations(this.opts));
  }

  get customerList() {
    return (this.#customerList ??= listLoader(
      (find: CustomerFind) => this.repository.findCustomers(find, this.opts),
      (c) => this.customerByNumber.prime(c.number, c),
    ));
  }

  get reservationList() {
    return (this.#reservationList ??= listLoader(
      (find: ReservationFind) => this.repository.findReservations(find, this.opts),
      (r) => this.reservationById.prime(r.id, r),
    ));
  }

  get ticketList() {
    return (this.#ticketList ??= listLoader(
      (find: TicketFind) => this.repository.findTickets(find, this.opts),
      (t) => this.ticketByNumber.prime(t.number, t),
    ));
  }

  private primeTickets(lists: Map<number, Ticket[]>): Map<number, Ticket[]> {
    for (const list of lists.values()) for (const t of list) this.ticketByNumber.prime(t.number, t);
    return lists;
  }
}

function keyedLoader<K, V>(
  read: (keys: readonly K[]) => Promise<Map<K, V>>,
  absent: () => V,
): DataLoader<K, V> {
  return new DataLoader<K, V>(keyedBatch(read, absent), OPTIONS);
}

/**
 * A DataLoader whose cache is a `RequestMemo`: besides the promises DataLoader keeps, it holds
 * each settled value, so a key already known in this request is answered at once.
 */
interface MemoLoader<K, V> {
  loader: DataLoader<K, V>;
  /** The value at once when this request knows it or `local` answers it, else `loader.load`. */
  read(key: K, local: ((key: K) => V | undefined) | undefined): MaybePromise<V>;
}

function memoLoader<K, V>(
  read: (keys: readonly K[]) => Promise<Map<K, V>>,
  absent: () => V,
): MemoLoader<K, V> {
  const memo = new RequestMemo<K, V>();
  const loader = new DataLoader<K, V>(keyedBatch(read, absent), { ...OPTIONS, cacheMap: memo });
  return {
    loader,
    read(key, local) {
      if (memo.isSettled(key)) return memo.value(key);
      if (local && !memo.has(key)) {
        const value = local(key);
        if (value !== undefined) {
          memo.settle(key, value);
          return value;
        }
      }
      return loader.load(key);
    },
  };
}

/**
 * DataLoader's cache map (promises by key) that also remembers what each promise settled to.
 * `delete`/`clear` (DataLoader's `clear`, `clearAll`) forget both.
 */
class RequestMemo<K, V> implements DataLoader.CacheMap<K, Promise<V>> {
  private readonly promises = new Map<K, Promise<V>>();
  private readonly settled = new Map<K, V>();

  get(key: K): Promise<V> | undefined {
    let promise = this.promises.get(key);
    if (promise === undefined && this.settled.has(key)) {
      promise = Promise.resolve(this.settled.get(key) as V);
      this.promises.set(key, promise);
    }
    return promise;
  }

  set(key: K, promise: Promise<V>): void {
    this.promises.set(key, promise);
    this.settled.delete(key);
    promise.then(
      (value) => {
        // Only if the key still holds this promise (not cleared or replaced meanwhile).
        if (this.promises.get(key) === promise) this.settled.set(key, value);
      },
      () => undefined,
    );
  }

  delete(key: K): void {
    this.promises.delete(key);
    this.settled.delete(key);
  }

  clear(): void {
    this.promises.clear();
    this.settled.clear();
  }

  /** Whether the key has a promise or a value in this request. */
  has(key: K): boolean {
    return this.promises.has(key) || this.settled.has(key);
  }

  isSettled(key: K): boolean {
    return this.settled.has(key);
  }

  value(key: K): V {
    return this.settled.get(key) as V;
  }

  /** A value known without a load (read from memory): later loads of the key get it. */
  settle(key: K, value: V): void {
    this.promises.delete(key);
    this.settled.set(key, value);
  }
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
