import DataLoader from 'dataloader';
import type { RequestAccounting } from '../accounting';
import {
  API300_MAX_RECORDS,
  type Customer,
  type KeyedKind,
  type Reservation,
  type Station,
  type Ticket,
} from '../../domain/models';
import type { CustomerFind, ReservationFind, TicketFind } from '../../domain/queries';
import { keyedKindInfo, type KeyOf, type RecordOf } from '../../domain/recordKinds';
import {
  type ListPage,
  type LocalReads,
  type Repository,
  type ReadOptions,
} from '../repository/types';

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

type RecordLoaders = { [K in KeyedKind]: MemoLoader<KeyOf[K], RecordOf[K] | null> };

/** How a request reads the records of a keyed kind by key: in batches, or from memory. */
interface KeyedReads<K extends KeyedKind> {
  loader(repository: Repository, opts: ReadOptions): RecordLoaders[K];
  local(local: LocalReads, key: KeyOf[K]): RecordOf[K] | null | undefined;
}

const BY_KEY: { readonly [K in KeyedKind]: KeyedReads<K> } = {
  customers: {
    loader: (repository, opts) =>
      memoLoader((keys) => repository.customersByNumber(keys, opts), absentRecord),
    local: (local, key) => local.customer(key),
  },
  reservations: {
    loader: (repository, opts) =>
      memoLoader((keys) => repository.reservationsById(keys, opts), absentRecord),
    local: (local, key) => local.reservation(key),
  },
  tickets: {
    loader: (repository, opts) =>
      memoLoader((keys) => repository.ticketsByNumber(keys, opts), absentRecord),
    local: (local, key) => local.ticket(key),
  },
};

/** The lists by parent key, and the kind of their records. */
interface ChildKindOf {
  reservationsByCustomer: 'reservations';
  ticketsByCustomer: 'tickets';
  ticketsByReservation: 'tickets';
}
type ParentList = keyof ChildKindOf;
type ListLoaders = { [L in ParentList]: MemoLoader<number, RecordOf[ChildKindOf[L]][]> };
type Prime = <K extends KeyedKind>(kind: K, records: Iterable<RecordOf[K]>) => void;

/**
 * How a request reads a list by parent: in batches of parents (whose records prime the
 * loader of single records, so a nested `ticket.reservation` after `customer.reservations`
 * costs nothing more), or from memory.
 */
interface ChildReads<L extends ParentList> {
  loader(repository: Repository, opts: ReadOptions, prime: Prime): ListLoaders[L];
  local(local: LocalReads, parent: number): RecordOf[ChildKindOf[L]][] | undefined;
}

const BY_PARENT: { readonly [L in ParentList]: ChildReads<L> } = {
  reservationsByCustomer: {
    loader: (repository, opts, prime) =>
      memoLoader(
        (parents) =>
          repository.reservationsByCustomer(parents, opts).then(primed('reservations', prime)),
        absentList,
      ),
    local: (local, parent) => local.reservationsOfCustomer(parent),
  },
  ticketsByCustomer: {
    loader: (repository, opts, prime) =>
      memoLoader(
        (parents) => repository.ticketsByCustomer(parents, opts).then(primed('tickets', prime)),
        absentList,
      ),
    local: (local, parent) => local.ticketsOfCustomer(parent),
  },
  ticketsByReservation: {
    loader: (repository, opts, prime) =>
      memoLoader(
        (parents) => repository.ticketsByReservation(parents, opts).then(primed('tickets', prime)),
        absentList,
      ),
    local: (local, parent) => local.ticketsOfReservation(parent),
  },
};

function absentRecord(): null {
  return null;
}

function absentList(): never[] {
  return [];
}

/** Passes lists by parent through, priming the single-record loader of `kind` with them. */
function primed<K extends KeyedKind>(kind: K, prime: Prime) {
  return (lists: Map<number, RecordOf[K][]>): Map<number, RecordOf[K][]> => {
    for (const records of lists.values()) prime(kind, records);
    return lists;
  };
}

/** `held[key]`, made by `make` on first use. */
function lazily<T, K extends keyof T>(held: Partial<T>, key: K, make: () => T[K]): T[K] {
  return (held[key] ??= make());
}

class RequestLoaders implements Loaders {
  readonly #records: Partial<RecordLoaders> = {};
  readonly #lists: Partial<ListLoaders> = {};
  #stationByNumber?: DataLoader<number, Station | null>;
  #stationList?: Promise<Station[]>;
  #customerList?: DataLoader<CustomerFind, ListPage<Customer>, string>;
  #reservationList?: DataLoader<ReservationFind, ListPage<Reservation>, string>;
  #ticketList?: DataLoader<TicketFind, ListPage<Ticket>, string>;

  constructor(
    private readonly repository: Repository,
    private readonly opts: ReadOptions,
  ) {}

  /** The records of `kind` by key (made on first use). */
  private records<K extends KeyedKind>(kind: K): MemoLoader<KeyOf[K], RecordOf[K] | null> {
    return lazily<RecordLoaders, K>(this.#records, kind, () =>
      BY_KEY[kind].loader(this.repository, this.opts),
    );
  }

  /** The lists of one parent relation (made on first use). */
  private lists<L extends ParentList>(list: L): MemoLoader<number, RecordOf[ChildKindOf[L]][]> {
    return lazily<ListLoaders, L>(this.#lists, list, () =>
      BY_PARENT[list].loader(this.repository, this.opts, (kind, records) =>
        this.prime(kind, records),
      ),
    );
  }

  /** What a list read brought, into the request's loader of single records. */
  private prime<K extends KeyedKind>(kind: K, records: Iterable<RecordOf[K]>): void {
    const loader = this.records(kind).loader;
    const { keyOf } = keyedKindInfo(kind);
    for (const record of records) loader.prime(keyOf(record), record);
  }

  private readRecord<K extends KeyedKind>(
    kind: K,
    key: KeyOf[K],
  ): MaybePromise<RecordOf[K] | null> {
    const local = this.repository.local;
    const reads: KeyedReads<K> = BY_KEY[kind];
    return this.records(kind).read(key, local && ((k) => reads.local(local, k)));
  }

  private readList<L extends ParentList>(
    list: L,
    parent: number,
  ): MaybePromise<RecordOf[ChildKindOf[L]][]> {
    const local = this.repository.local;
    const reads: ChildReads<L> = BY_PARENT[list];
    return this.lists(list).read(parent, local && ((p) => reads.local(local, p)));
  }

  get customerByNumber() {
    return this.records('customers').loader;
  }

  get reservationById() {
    return this.records('reservations').loader;
  }

  get ticketByNumber() {
    return this.records('tickets').loader;
  }

  get reservationsByCustomer() {
    return this.lists('reservationsByCustomer').loader;
  }

  get ticketsByCustomer() {
    return this.lists('ticketsByCustomer').loader;
  }

  get ticketsByReservation() {
    return this.lists('ticketsByReservation').loader;
  }

  get stationByNumber() {
    return (this.#stationByNumber ??= keyedLoader(
      async () => new Map((await this.stations()).map((s) => [s.number, s])),
      () => null,
    ));
  }

  customer(number: number): MaybePromise<Customer | null> {
    return this.readRecord('customers', number);
  }

  reservation(id: number): MaybePromise<Reservation | null> {
    return this.readRecord('reservations', id);
  }

  ticket(number: string): MaybePromise<Ticket | null> {
    return this.readRecord('tickets', number);
  }

  reservationsOfCustomer(customerNumber: number): MaybePromise<Reservation[]> {
    return this.readList('reservationsByCustomer', customerNumber);
  }

  ticketsOfCustomer(customerNumber: number): MaybePromise<Ticket[]> {
    return this.readList('ticketsByCustomer', customerNumber);
  }

  ticketsOfReservation(reservationId: number): MaybePromise<Ticket[]> {
    return this.readList('ticketsByReservation', reservationId);
  }

  stations(): Promise<Station[]> {
    return (this.#stationList ??= this.repository.stations(this.opts));
  }

  get customerList() {
    return (this.#customerList ??= listLoader(
      (find: CustomerFind) => this.repository.findCustomers(find, this.opts),
      (items) => this.prime('customers', items),
    ));
  }

  get reservationList() {
    return (this.#reservationList ??= listLoader(
      (find: ReservationFind) => this.repository.findReservations(find, this.opts),
      (items) => this.prime('reservations', items),
    ));
  }

  get ticketList() {
    return (this.#ticketList ??= listLoader(
      (find: TicketFind) => this.repository.findTickets(find, this.opts),
      (items) => this.prime('tickets', items),
    ));
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
  prime: (items: readonly T[]) => void,
): DataLoader<F, ListPage<T>, string> {
  return new DataLoader<F, ListPage<T>, string>(
    (queries) =>
      Promise.all(
        queries.map((query) =>
          find(query).then(
            (page) => {
              prime(page.items);
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
