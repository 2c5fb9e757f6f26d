import type { Config } from '../../config';
import type { Clock } from '../../platform/clock';
import type { GatedCall } from '../gate/coalescer';
import { Api300Error } from '../errors';
import type { UpstreamGate } from '../gate/gate';
import type { RecordLock } from '../gate/recordLock';
import {
  API300_MAX_RECORDS,
  type Customer,
  type CustomerWrite,
  type KeyedKind,
  type Page,
  type Reservation,
  type ReservationWrite,
  type Station,
  type Ticket,
  type TicketWrite,
} from '../../domain/models';
import { type Api300, type Api300Operation } from '../api300/types';
import { type CustomerQuery, type ReservationQuery, type TicketQuery } from '../../domain/queries';
import { type Repository, type ReadOptions, type WriteOptions } from './types';
import { decode, queryKey } from '../cache/recordCodec';
import { keyedKindInfo, type KeyOf, type RecordOf } from '../../domain/recordKinds';
import { matchesApi300Search } from '../../domain/search';
import { fetchSlice, offsetListPage, sliceOf } from './offsetPaging';
import { createSettler, holdsWrite } from './settle';
import { LRUCache } from 'lru-cache';
import { EntityCache, type CacheCounters } from '../cache/entityCache';
import type { SharedCache } from '../cache/sharedCache';

/**
 * The `Repository` (./types.ts) implemented as entity caches over the upstream gate.
 *
 * Reads (each kind its own `EntityCache`, so cached, single-flight, coalesced, SWR):
 * - `customersByNumber` → GetCustomers(numbers), `reservationsById` → GetReservations(ids),
 *   `ticketsByNumber` → GetTickets(numbers): up to 500 keys per call.
 * - `reservationsByCustomer` → GetReservations(customerNumbers), `ticketsByCustomer` /
 *   `ticketsByReservation` → GetTickets(customerNumbers / reservationIds): up to 500 parents
 *   per batch, paging through every page of 500 (each page one call); parents without
 *   children map to `[]`.
 * - `findCustomers/Reservations/Tickets` (API300's order by key, its search, offset cursors)
 *   and `stations`: cached by normalized query, one call per distinct page (same TTLs;
 *   stations `stationsTtlMs`). A status filter applies locally to each page read.
 *
 * Writes go at `write` priority, are tried once, and put what API300 stored into the cache.
 * A write whose reply is lost is settled before it answers (settle.ts): read back through the
 * gate, it answers the stored record, the failure when API300 certainly did not apply it, or
 * `UPSTREAM_OUTCOME_UNKNOWN` — never a plain failure for a write that may have been applied.
 * They drop the cached lists that may now be wrong (the record's parents' lists) and this
 * process's search pages of that kind; other replicas' search pages may lag up to `ttlMs`.
 * `updateCustomer`/`updateReservation` read fresh from API300 and write under the per-record
 * lock, so concurrent updates of one record both survive; a change that leaves the record as
 * it is answers the fresh record without a write. `issueTicket` with a number reads that
 * number fresh under the ticket's lock and refuses it with `CONFLICT` when it exists, so two
 * concurrent issues of one number cannot both store (the second finds the first's ticket).
 */

export interface RepositoryCaches {
  customers: EntityCache<number, Customer>;
  reservations: EntityCache<number, Reservation>;
  tickets: EntityCache<string, Ticket>;
  reservationsByCustomer: EntityCache<number, Reservation[]>;
  ticketsByCustomer: EntityCache<number, Ticket[]>;
  ticketsByReservation: EntityCache<number, Ticket[]>;
  customerSearches: EntityCache<string, Page<Customer>>;
  reservationSearches: EntityCache<string, Page<Reservation>>;
  ticketSearches: EntityCache<string, Page<Ticket>>;
  stations: EntityCache<string, Station[]>;
}

export interface ReadThroughRepositoryDeps {
  gate: UpstreamGate;
  lock: RecordLock;
  clock: Clock;
  cache: Config['cache'];
  shared?: SharedCache | null;
}

export interface ReadThroughRepository {
  repository: Repository;
  caches: RepositoryCaches;
  /** Summed over every kind. */
  counters(): CacheCounters;
}

/** Every page of a list read, one gated call each. */
async function allPages<T>(
  call: GatedCall,
  operation: Api300Operation,
  read: (api: Api300, pageIndex: number) => Promise<Page<T>>,
): Promise<T[]> {
  const items: T[] = [];
  for (let pageIndex = 0; ; pageIndex++) {
    const page = await call(operation, (api) => read(api, pageIndex));
    items.push(...page.items);
    if (page.items.length < API300_MAX_RECORDS || items.length >= page.totalCount) return items;
  }
}

/** A read-modify-write's own attempt: its fresh read already shows any earlier one. */
function freshAttempt(opts: WriteOptions): WriteOptions {
  return { ...opts, earlierAttemptAt: undefined };
}

/** How long a redemption whose outcome stayed unknown is remembered (a day, as idempotency keys). */
const UNSETTLED_RETENTION_MS = 24 * 60 * 60 * 1000;

function byKey<K, V>(items: readonly V[], keyOf: (item: V) => K): Map<K, V> {
  return new Map(items.map((item) => [keyOf(item), item]));
}

function groupBy<K, V>(
  parents: readonly K[],
  items: readonly V[],
  parentOf: (item: V) => K | null,
): Map<K, V[]> {
  const groups = new Map<K, V[]>(parents.map((p) => [p, []]));
  for (const item of items) {
    const parent = parentOf(item);
    if (parent !== null) groups.get(parent)?.push(item);
  }
  return groups;
}

export function createReadThroughRepository(
  deps: ReadThroughRepositoryDeps,
): ReadThroughRepository {
  const { gate, lock, clock } = deps;
  const limits = {
    gate,
    clock,
    shared: deps.shared ?? null,
    max: deps.cache.maxEntries,
    ttlMs: deps.cache.ttlMs,
    staleMs: deps.cache.staleMs,
    notFoundTtlMs: deps.cache.notFoundTtlMs,
  };
  const page0 = { pageIndex: 0, pageSize: API300_MAX_RECORDS };

  const caches: RepositoryCaches = {
    customers: recordsByKey(limits, 'customers', (api, numbers) =>
      api.getCustomers({ ...page0, numbers }),
    ),
    reservations: recordsByKey(limits, 'reservations', (api, ids) =>
      api.getReservations({ ...page0, ids }),
    ),
    tickets: recordsByKey(limits, 'tickets', (api, numbers) =>
      api.getTickets({ ...page0, numbers }),
    ),
    reservationsByCustomer: listsByParent(
      limits,
      'reservationsByCustomer',
      'GetReservations',
      (api, customerNumbers, pageIndex) =>
        api.getReservations({ customerNumbers, pageIndex, pageSize: API300_MAX_RECORDS }),
      (r) => r.customerNumber,
    ),
    ticketsByCustomer: listsByParent(
      limits,
      'ticketsByCustomer',
      'GetTickets',
      (api, customerNumbers, pageIndex) =>
        api.getTickets({ customerNumbers, pageIndex, pageSize: API300_MAX_RECORDS }),
      (t) => t.customerNumber,
    ),
    ticketsByReservation: listsByParent(
      limits,
      'ticketsByReservation',
      'GetTickets',
      (api, reservationIds, pageIndex) =>
        api.getTickets({ reservationIds, pageIndex, pageSize: API300_MAX_RECORDS }),
      (t) => t.reservationId,
    ),
    customerSearches: searchCache(
      limits,
      'customerSearch',
      'GetCustomers',
      (api, q: CustomerQuery) => api.getCustomers(q),
    ),
    reservationSearches: searchCache(
      limits,
      'reservationSearch',
      'GetReservations',
      (api, q: ReservationQuery) => api.getReservations(q),
    ),
    ticketSearches: searchCache(limits, 'ticketSearch', 'GetTickets', (api, q: TicketQuery) =>
      api.getTickets(q),
    ),
    stations: new EntityCache<string, Station[]>({
      ...limits,
      kind: 'stations',
      ttlMs: deps.cache.stationsTtlMs,
      maxKeys: 1,
      fetch: async (keys, call) =>
        new Map([[keys[0], await call('GetStations', (api) => api.getStations())]]),
    }),
  };

  const { settled, settledUpload, find } = createSettler({ gate, clock });
  /** Redemptions whose outcome stayed unknown in this process: `station:ticket` → attempt instant. */
  const unsettledRedemptions = new LRUCache<string, number>({
    max: 10_000,
    ttl: UNSETTLED_RETENTION_MS,
    perf: { now: () => clock.now() },
  });
  /** Takes `keys`' locks one after another, in one order (no two writers wait on each other). */
  const withLocks = <T>(
    keys: readonly string[],
    deadline: number,
    critical: () => Promise<T>,
  ): Promise<T> =>
    [...new Set(keys)]
      .sort()
      .reduceRight<() => Promise<T>>(
        (inner, key) => () => lock.withLock(key, deadline, inner),
        critical,
      )();

  const writeOptions = (opts: WriteOptions) => ({
    priority: 'write' as const,
    deadline: opts.deadline,
    accounting: opts.accounting,
  });

  function customerStored(customer: Customer): Customer {
    caches.customers.set(customer.number, customer);
    caches.customerSearches.clearLocal();
    return customer;
  }

  function reservationStored(
    reservation: Reservation,
    previousCustomer: number | null = null,
  ): Reservation {
    caches.reservations.set(reservation.id, reservation);
    const parents = [reservation.customerNumber, previousCustomer].filter(
      (n): n is number => n !== null,
    );
    caches.reservationsByCustomer.delete([...new Set(parents)]);
    caches.reservationSearches.clearLocal();
    return reservation;
  }

  function ticketStored(ticket: Ticket): Ticket {
    caches.tickets.set(ticket.number, ticket);
    if (ticket.customerNumber !== null) caches.ticketsByCustomer.delete([ticket.customerNumber]);
    if (ticket.reservationId !== null) caches.ticketsByReservation.delete([ticket.reservationId]);
    caches.ticketSearches.clearLocal();
    return ticket;
  }

  const repository: Repository = {
    customersByNumber: (numbers, opts) => caches.customers.getMany(numbers, opts),
    reservationsById: (ids, opts) => caches.reservations.getMany(ids, opts),
    ticketsByNumber: (numbers, opts) => caches.tickets.getMany(numbers, opts),
    reservationsByCustomer: (numbers, opts) => caches.reservationsByCustomer.getMany(numbers, opts),
    ticketsByCustomer: (numbers, opts) => caches.ticketsByCustomer.getMany(numbers, opts),
    ticketsByReservation: (ids, opts) => caches.ticketsByReservation.getMany(ids, opts),
    findCustomers: async (find, opts) => {
      const slice = sliceOf(find.first, find.after);
      if (find.numbers) {
        const unique = [...new Set(find.numbers)].sort((a, b) => a - b);
        const found = await caches.customers.getMany(unique, opts);
        const since = find.changedSince?.getTime();
        const matching = unique
          .map((n) => found.get(n))
          .filter(
            (c): c is Customer =>
              c !== undefined &&
              (since === undefined || c.changed.getTime() >= since) &&
              (!find.search || matchesApi300Search(c, find.search)),
          );
        return offsetListPage(slice, {
          items: matching.slice(slice.offset, slice.offset + slice.count),
          totalCount: matching.length,
        });
      }
      const query = { searchText: find.search, changedSince: find.changedSince ?? null };
      const page = await fetchSlice(slice, (p) =>
        search(caches.customerSearches, { ...query, ...p }, opts),
      );
      return offsetListPage(slice, page);
    },
    findReservations: async (find, opts) => {
      const slice = sliceOf(find.first, find.after);
      const query = {
        ids: find.ids,
        stationNumber: find.stationNumber,
        customerNumbers: find.customerNumbers,
        from: find.from ?? null,
        to: find.to ?? null,
        changedSince: find.changedSince ?? null,
      };
      const page = await fetchSlice(slice, (p) =>
        search(caches.reservationSearches, { ...query, ...p }, opts),
      );
      return offsetListPage(slice, page, withStatus(find.statuses));
    },
    findTickets: async (find, opts) => {
      const slice = sliceOf(find.first, find.after);
      const query = {
        numbers: find.numbers,
        customerNumbers: find.customerNumbers,
        reservationIds: find.reservationIds,
        changedSince: find.changedSince ?? null,
      };
      const page = await fetchSlice(slice, (p) =>
        search(caches.ticketSearches, { ...query, ...p }, opts),
      );
      return offsetListPage(slice, page, withStatus(find.statuses));
    },
    stations: async (opts) => (await caches.stations.getMany(['all'], opts)).get('all') ?? [],

    createCustomer: async (customer, opts) =>
      customerStored(
        await settled(
          'SetCustomer',
          opts,
          (api) => api.setCustomer(customer),
          (attemptAt) => find.customer(customer, attemptAt, opts),
        ),
      ),

    updateCustomer: (number, change, opts) =>
      lock.withLock(`customer:${number}`, opts.deadline, async () => {
        const current = await gate
          .call('GetCustomer', writeOptions(opts), (api) => api.getCustomer(number))
          .catch((error: unknown) => {
            if (error instanceof Api300Error && error.code === 'NOT_FOUND')
              caches.customers.delete([number]);
            throw error;
          });
        const record = { ...change(current), number };
        // A repeat of an earlier attempt needs no look first: the fresh read just showed it.
        if (holdsWrite<CustomerWrite>(current, record)) return customerStored(current);
        return customerStored(
          await settled(
            'SetCustomer',
            freshAttempt(opts),
            (api) => api.setCustomer(record),
            (attemptAt) => find.customer(record, attemptAt, opts),
          ),
        );
      }),

    // Records with a number overwrite that customer as a whole: under its lock, like an
    // update, so an update between its read and its write is never reverted.
    importCustomers: (customers, opts) =>
      withLocks(
        customers.filter((c) => c.number > 0).map((c) => `customer:${c.number}`),
        opts.deadline,
        async () => {
          const results = await settledUpload(customers, opts);
          // The reply names the stored numbers but not the stored records: forget them.
          caches.customers.delete(
            results.filter((r) => r.error === null && r.number > 0).map((r) => r.number),
          );
          caches.customerSearches.clearLocal();
          return results;
        },
      ),

    createReservation: async (reservation, opts) =>
      reservationStored(
        await settled(
          'SetReservation',
          opts,
          (api) => api.setReservation(reservation),
          (attemptAt) => find.reservation(reservation, attemptAt, opts),
        ),
      ),

    updateReservation: (id, change, opts) =>
      lock.withLock(`reservation:${id}`, opts.deadline, async () => {
        const { items } = await gate.call('GetReservations', writeOptions(opts), (api) =>
          api.getReservations({ ids: [id], pageIndex: 0, pageSize: 1 }),
        );
        const current = items.find((r) => r.id === id);
        if (!current) {
          caches.reservations.delete([id]);
          throw new Api300Error('NOT_FOUND', `Reservation ${id} does not exist.`, {
            operation: 'GetReservations',
          });
        }
        const record = { ...change(current), id };
        if (holdsWrite<ReservationWrite>(current, record)) return reservationStored(current);
        const stored = await settled(
          'SetReservation',
          freshAttempt(opts),
          (api) => api.setReservation(record),
          (attemptAt) => find.reservation(record, attemptAt, opts),
        );
        return reservationStored(stored, current.customerNumber);
      }),

    issueTicket: async (ticket, opts) => {
      const issue = (attempt: WriteOptions) =>
        settled(
          'SetTicket',
          attempt,
          (api) => api.setTicket(ticket),
          (attemptAt) => find.ticket(ticket, attemptAt, opts),
        ).then(ticketStored);
      // Without a number Hypersoft assigns a new one: nothing to collide with.
      if (ticket.number === '') return issue(opts);
      return lock.withLock(`ticket:${ticket.number}`, opts.deadline, async () => {
        const { items } = await gate.call('GetTickets', writeOptions(opts), (api) =>
          api.getTickets({ numbers: [ticket.number], pageIndex: 0, pageSize: 1 }),
        );
        const existing = items.find((t) => t.number === ticket.number);
        if (!existing) return issue(freshAttempt(opts));
        ticketStored(existing);
        // A repeat of an attempt whose outcome was unknown finds what that attempt stored.
        if (opts.earlierAttemptAt !== undefined && holdsWrite<TicketWrite>(existing, ticket))
          return existing;
        throw new Api300Error(
          'CONFLICT',
          `Ticket ${ticket.number} already exists (status ${existing.status}): issueTicket ` +
            'never overwrites a ticket. Issue it under another number, or omit the number to ' +
            'let Hypersoft assign one.',
          { operation: 'SetTicket' },
        );
      });
    },

    // Under the ticket's lock, so a redemption and an issue of one number never interleave.
    // A redemption whose outcome stayed unknown here is looked for before the next one of the
    // same ticket at the same station: that retry answers the ticket our attempt redeemed,
    // not CONFLICT.
    redeemTicket: (ticketNumber, stationNumber, opts) =>
      lock.withLock(`ticket:${ticketNumber}`, opts.deadline, async () => {
        const key = `${stationNumber}:${ticketNumber}`;
        const earlierAttemptAt = opts.earlierAttemptAt ?? unsettledRedemptions.get(key);
        try {
          const ticket = await settled(
            'RedeemTicket',
            { ...opts, earlierAttemptAt },
            (api) => api.redeemTicket(ticketNumber, stationNumber),
            (attemptAt) => find.redemption(ticketNumber, stationNumber, attemptAt, opts),
          );
          unsettledRedemptions.delete(key);
          return ticketStored(ticket);
        } catch (error) {
          const attemptAt =
            error instanceof Api300Error && error.code === 'UPSTREAM_OUTCOME_UNKNOWN'
              ? error.details.attemptAt
              : undefined;
          if (attemptAt !== undefined && earlierAttemptAt === undefined)
            unsettledRedemptions.set(key, attemptAt);
          throw error;
        }
      }),
  };

  return {
    repository,
    caches,
    counters() {
      const total: CacheCounters = { hits: 0, misses: 0, staleServes: 0 };
      for (const cache of Object.values(caches) as EntityCache<string | number, object>[]) {
        total.hits += cache.counters.hits;
        total.misses += cache.counters.misses;
        total.staleServes += cache.counters.staleServes;
      }
      return total;
    },
  };
}

type CacheLimits = Omit<ConstructorParameters<typeof EntityCache>[0], 'kind' | 'fetch'>;

/**
 * A cache of the records of a keyed kind by key: one list read of up to 500 keys per call.
 * Its name, operation and key come from the kind's descriptor (domain/recordKinds.ts).
 */
function recordsByKey<K extends KeyedKind>(
  limits: CacheLimits,
  kind: K,
  read: (api: Api300, keys: KeyOf[K][]) => Promise<Page<RecordOf[K]>>,
): EntityCache<KeyOf[K], RecordOf[K]> {
  const info = keyedKindInfo(kind);
  return new EntityCache<KeyOf[K], RecordOf[K]>({
    ...limits,
    kind: info.single,
    fetch: async (keys, call) =>
      byKey((await call(info.listOperation, (api) => read(api, keys))).items, info.keyOf),
  });
}

/** A cache of each parent's children: every page of one list read over up to 500 parents. */
function listsByParent<T>(
  limits: CacheLimits,
  kind: string,
  operation: Api300Operation,
  read: (api: Api300, parents: number[], pageIndex: number) => Promise<Page<T>>,
  parentOf: (item: T) => number | null,
): EntityCache<number, T[]> {
  return new EntityCache<number, T[]>({
    ...limits,
    kind,
    fetch: async (parents, call) =>
      groupBy(
        parents,
        await allPages(call, operation, (api, pageIndex) => read(api, parents, pageIndex)),
        parentOf,
      ),
  });
}

/** A cache of search pages keyed by the normalized query; the key decodes back to the query. */
function searchCache<Q extends object, T>(
  limits: CacheLimits,
  kind: string,
  operation: Api300Operation,
  read: (api: Api300, query: Q) => Promise<Page<T>>,
): EntityCache<string, Page<T>> {
  return new EntityCache<string, Page<T>>({
    ...limits,
    kind,
    maxKeys: 1,
    fetch: async ([key], call) =>
      new Map([[key, await call(operation, (api) => read(api, decode<Q>(key)))]]),
  });
}

async function search<Q extends object, T>(
  cache: EntityCache<string, Page<T>>,
  query: Q,
  opts: ReadOptions,
): Promise<Page<T>> {
  const key = queryKey(query);
  return (await cache.getMany([key], opts)).get(key) ?? { items: [], totalCount: 0 };
}

/** The local status filter of a list, if the query asked for one (API300 has none). */
function withStatus<S extends string>(statuses: readonly S[] | undefined) {
  return statuses ? (item: { status: S }) => statuses.includes(item.status) : undefined;
}
