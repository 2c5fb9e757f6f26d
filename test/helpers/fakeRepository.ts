import { CUSTOMER_DEFAULTS } from '../../src/graphql/resolvers/writes';
import { Api300Error } from '../../src/data/errors';
import { recordFailure } from '../../src/data/api300/refusals';
import type {
  Customer,
  CustomerWrite,
  Reservation,
  ReservationWrite,
  Station,
  Ticket,
  TicketWrite,
} from '../../src/domain/models';
import type { CustomerFind, ReservationFind, TicketFind } from '../../src/domain/queries';
import { offsetListPage, sliceOf } from '../../src/data/repository/offsetPaging';
import type {
  ListPage,
  Repository,
  ReadOptions,
  SetResult,
  WriteOptions,
} from '../../src/data/repository/types';

/**
 * An in-memory `Repository` for unit and server tests: no cache, no gate, no SOAP. It records
 * every call (method, keys or record count, options) so tests can assert batching, enforces
 * API300's 500-keys/500-records cap by throwing, and can be told to fail a method.
 */

export type RepositoryMethod = keyof Repository;

export interface RecordedCall {
  method: RepositoryMethod;
  /** Keys of keyed reads, or the query of searches. */
  keys?: readonly (number | string)[];
  /** Records sent by `importCustomers`. */
  records?: number;
  opts: ReadOptions | WriteOptions;
}

const T0 = new Date('2024-01-15T10:00:00Z');

export function makeCustomer(number: number, overrides: Partial<Customer> = {}): Customer {
  return {
    ...CUSTOMER_DEFAULTS,
    number,
    firstName: `First${number}`,
    lastName: `Last${number}`,
    country: 'DE',
    email: `customer${number}@example.com`,
    created: T0,
    changed: T0,
    ...overrides,
  };
}

export function makeReservation(id: number, overrides: Partial<Reservation> = {}): Reservation {
  return {
    id,
    stationNumber: 1,
    customerNumber: null,
    guestName: `Guest ${id}`,
    phone: null,
    email: null,
    start: new Date(T0.getTime() + id * 3_600_000),
    durationMinutes: 120,
    persons: 2,
    tables: null,
    status: 'CONFIRMED',
    comment: null,
    created: T0,
    changed: T0,
    ...overrides,
  };
}

export function makeTicket(number: string, overrides: Partial<Ticket> = {}): Ticket {
  return {
    number,
    articleNumber: 100,
    articleName: 'Admission',
    customerNumber: null,
    reservationId: null,
    validFrom: T0,
    validTo: new Date(T0.getTime() + 30 * 86_400_000),
    price: 12.5,
    status: 'VALID',
    redeemedAt: null,
    redeemedStation: null,
    created: T0,
    changed: T0,
    ...overrides,
  };
}

export function makeStation(number: number, overrides: Partial<Station> = {}): Station {
  return { number, name: `Station ${number}`, active: true, ...overrides };
}

const MAX_RECORDS = 500;

function capKeys(method: string, keys: readonly unknown[]): void {
  if (keys.length > MAX_RECORDS) {
    throw new Api300Error(
      'UPSTREAM_TOO_MANY_RECORDS',
      `${method}: ${keys.length} keys, at most ${MAX_RECORDS}`,
    );
  }
}

function groupBy<K, V>(
  keys: readonly K[],
  items: Iterable<V>,
  keyOf: (v: V) => K | null,
): Map<K, V[]> {
  const groups = new Map<K, V[]>(keys.map((k) => [k, []]));
  for (const item of items) {
    const key = keyOf(item);
    if (key !== null) groups.get(key)?.push(item);
  }
  return groups;
}

export class FakeRepository implements Repository {
  readonly customers = new Map<number, Customer>();
  readonly reservations = new Map<number, Reservation>();
  readonly tickets = new Map<string, Ticket>();
  stationList: Station[] = [makeStation(1), makeStation(2, { active: false })];
  readonly calls: RecordedCall[] = [];
  /** Per-record upstream refusal for `importCustomers`: a message refuses the record with Status 30. */
  refuseImport: (record: CustomerWrite) => string | null = () => null;
  private readonly failures = new Map<RepositoryMethod, Error>();
  private nextCustomerNumber = 1_000_000;
  private nextReservationId = 1_000_000;
  private nextTicketNumber = 1;

  constructor(private readonly now: () => Date = () => T0) {}

  /** Every call of `method` from now on rejects with `error`, until `succeed(method)`. */
  fail(method: RepositoryMethod, error: Error): this {
    this.failures.set(method, error);
    return this;
  }

  succeed(method: RepositoryMethod): this {
    this.failures.delete(method);
    return this;
  }

  callsOf(method: RepositoryMethod): RecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  addCustomers(...customers: Customer[]): this {
    for (const c of customers) this.customers.set(c.number, c);
    return this;
  }

  addReservations(...reservations: Reservation[]): this {
    for (const r of reservations) this.reservations.set(r.id, r);
    return this;
  }

  addTickets(...tickets: Ticket[]): this {
    for (const t of tickets) this.tickets.set(t.number, t);
    return this;
  }

  private async record(call: RecordedCall): Promise<void> {
    this.calls.push(call);
    const failure = this.failures.get(call.method);
    if (failure) throw failure;
  }

  async customersByNumber(numbers: readonly number[], opts: ReadOptions) {
    await this.record({ method: 'customersByNumber', keys: numbers, opts });
    capKeys('customersByNumber', numbers);
    return new Map(
      numbers.flatMap((n) => (this.customers.has(n) ? [[n, this.customers.get(n)!] as const] : [])),
    );
  }

  async reservationsById(ids: readonly number[], opts: ReadOptions) {
    await this.record({ method: 'reservationsById', keys: ids, opts });
    capKeys('reservationsById', ids);
    return new Map(
      ids.flatMap((id) =>
        this.reservations.has(id) ? [[id, this.reservations.get(id)!] as const] : [],
      ),
    );
  }

  async ticketsByNumber(numbers: readonly string[], opts: ReadOptions) {
    await this.record({ method: 'ticketsByNumber', keys: numbers, opts });
    capKeys('ticketsByNumber', numbers);
    return new Map(
      numbers.flatMap((n) => (this.tickets.has(n) ? [[n, this.tickets.get(n)!] as const] : [])),
    );
  }

  async reservationsByCustomer(customerNumbers: readonly number[], opts: ReadOptions) {
    await this.record({ method: 'reservationsByCustomer', keys: customerNumbers, opts });
    capKeys('reservationsByCustomer', customerNumbers);
    return groupBy(customerNumbers, this.reservations.values(), (r) => r.customerNumber);
  }

  async ticketsByCustomer(customerNumbers: readonly number[], opts: ReadOptions) {
    await this.record({ method: 'ticketsByCustomer', keys: customerNumbers, opts });
    capKeys('ticketsByCustomer', customerNumbers);
    return groupBy(customerNumbers, this.tickets.values(), (t) => t.customerNumber);
  }

  async ticketsByReservation(reservationIds: readonly number[], opts: ReadOptions) {
    await this.record({ method: 'ticketsByReservation', keys: reservationIds, opts });
    capKeys('ticketsByReservation', reservationIds);
    return groupBy(reservationIds, this.tickets.values(), (t) => t.reservationId);
  }

  /** API300-like read-through lists: key order, offset cursors, a local status filter. */
  async findCustomers(find: CustomerFind, opts: ReadOptions) {
    await this.record({ method: 'findCustomers', opts });
    const needle = find.search?.toLowerCase();
    const matches = [...this.customers.values()]
      .filter((c) => !find.numbers || find.numbers.includes(c.number))
      .filter((c) => !find.changedSince || c.changed >= find.changedSince)
      .filter(
        (c) =>
          !needle ||
          [c.lastName, c.firstName, c.company, c.email].some((v) =>
            v?.toLowerCase().includes(needle),
          ),
      )
      .sort((a, b) => a.number - b.number);
    return listed(matches, find);
  }

  async findReservations(find: ReservationFind, opts: ReadOptions) {
    await this.record({ method: 'findReservations', opts });
    const matches = [...this.reservations.values()]
      .filter((r) => !find.stationNumber || r.stationNumber === find.stationNumber)
      .filter(
        (r) =>
          !find.customerNumbers?.length || find.customerNumbers.includes(r.customerNumber ?? 0),
      )
      .filter((r) => !find.from || r.start >= find.from)
      .filter((r) => !find.to || r.start < find.to)
      .filter((r) => !find.changedSince || r.changed >= find.changedSince)
      .sort((a, b) => a.id - b.id);
    return listed(matches, find, find.statuses && ((r) => find.statuses!.includes(r.status)));
  }

  async findTickets(find: TicketFind, opts: ReadOptions) {
    await this.record({ method: 'findTickets', opts });
    const matches = [...this.tickets.values()]
      .filter(
        (t) =>
          !find.customerNumbers?.length || find.customerNumbers.includes(t.customerNumber ?? 0),
      )
      .filter(
        (t) => !find.reservationIds?.length || find.reservationIds.includes(t.reservationId ?? 0),
      )
      .filter((t) => !find.changedSince || t.changed >= find.changedSince)
      .sort((a, b) => a.number.localeCompare(b.number));
    return listed(matches, find, find.statuses && ((t) => find.statuses!.includes(t.status)));
  }

  async stations(opts: ReadOptions) {
    await this.record({ method: 'stations', opts });
    return this.stationList;
  }

  private storeCustomer(write: CustomerWrite): Customer {
    const number = write.number === 0 ? this.nextCustomerNumber++ : write.number;
    const created = this.customers.get(number)?.created ?? this.now();
    const stored = { ...write, number, created, changed: this.now() };
    this.customers.set(number, stored);
    return stored;
  }

  async createCustomer(customer: CustomerWrite, opts: WriteOptions) {
    await this.record({ method: 'createCustomer', records: 1, opts });
    return this.storeCustomer(customer);
  }

  async updateCustomer(
    number: number,
    change: (current: Customer) => CustomerWrite,
    opts: WriteOptions,
  ) {
    await this.record({ method: 'updateCustomer', keys: [number], opts });
    const current = this.customers.get(number);
    if (!current)
      throw new Api300Error('NOT_FOUND', `Customer ${number} does not exist`, { statusCode: 40 });
    return this.storeCustomer({ ...change(current), number });
  }

  async importCustomers(
    customers: readonly CustomerWrite[],
    opts: WriteOptions,
  ): Promise<SetResult[]> {
    await this.record({ method: 'importCustomers', records: customers.length, opts });
    capKeys('importCustomers', customers);
    return customers.map((record, index) => {
      const refusal = this.refuseImport(record);
      if (refusal) return { index, number: 0, error: recordFailure('SetCustomers', 30, refusal) };
      return { index, number: this.storeCustomer(record).number, error: null };
    });
  }

  private storeReservation(write: ReservationWrite): Reservation {
    const id = write.id === 0 ? this.nextReservationId++ : write.id;
    const created = this.reservations.get(id)?.created ?? this.now();
    const stored = { ...write, id, created, changed: this.now() };
    this.reservations.set(id, stored);
    return stored;
  }

  async createReservation(reservation: ReservationWrite, opts: WriteOptions) {
    await this.record({ method: 'createReservation', records: 1, opts });
    return this.storeReservation(reservation);
  }

  async updateReservation(
    id: number,
    change: (current: Reservation) => ReservationWrite,
    opts: WriteOptions,
  ) {
    await this.record({ method: 'updateReservation', keys: [id], opts });
    const current = this.reservations.get(id);
    if (!current)
      throw new Api300Error('NOT_FOUND', `Reservation ${id} does not exist`, { statusCode: 40 });
    return this.storeReservation({ ...change(current), id });
  }

  async issueTicket(ticket: TicketWrite, opts: WriteOptions) {
    await this.record({ method: 'issueTicket', records: 1, opts });
    const existing = ticket.number ? this.tickets.get(ticket.number) : undefined;
    if (existing) {
      throw new Api300Error(
        'CONFLICT',
        `Ticket ${existing.number} already exists (status ${existing.status})`,
      );
    }
    const number = ticket.number || `T${String(this.nextTicketNumber++).padStart(8, '0')}`;
    const stored = { ...ticket, number, created: this.now(), changed: this.now() };
    this.tickets.set(number, stored);
    return stored;
  }

  async redeemTicket(ticketNumber: string, stationNumber: number, opts: WriteOptions) {
    await this.record({ method: 'redeemTicket', keys: [ticketNumber], opts });
    const ticket = this.tickets.get(ticketNumber);
    if (!ticket)
      throw new Api300Error('NOT_FOUND', `Ticket ${ticketNumber} does not exist`, {
        statusCode: 40,
      });
    if (ticket.status !== 'VALID') {
      throw new Api300Error(
        'CONFLICT',
        `Ticket ${ticketNumber} is ${ticket.status.toLowerCase()}`,
        { statusCode: 41 },
      );
    }
    const redeemed: Ticket = {
      ...ticket,
      status: 'REDEEMED',
      redeemedAt: this.now(),
      redeemedStation: stationNumber,
      changed: this.now(),
    };
    this.tickets.set(ticketNumber, redeemed);
    return redeemed;
  }
}

function listed<T>(
  all: T[],
  find: { first: number; after?: string },
  keep?: (item: T) => boolean,
): ListPage<T> {
  const slice = sliceOf(find.first, find.after);
  return offsetListPage(
    slice,
    { items: all.slice(slice.offset, slice.offset + slice.count), totalCount: all.length },
    keep,
  );
}
