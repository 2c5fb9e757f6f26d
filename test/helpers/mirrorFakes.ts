import type { Api300Page } from '../../src/data/api300/types';
import {
  LeaseLostError,
  type CustomerFind,
  type FoundPage,
  type KeyOf,
  type KindState,
  type MirrorBatch,
  type MirrorChanges,
  type MirrorIndex,
  type MirrorApplyOptions,
  type KeyedKind,
  type RecordKind,
  type MirrorSnapshot,
  type MirrorStore,
  type RecordOf,
  type ReservationFind,
  type TicketFind,
} from '../../src/data/mirror/types';
import type { Customer, Reservation, Station, Ticket } from '../../src/domain/models';
import type { CustomerQuery, ReservationQuery, TicketQuery } from '../../src/domain/queries';
import { FakeApi300 } from './gateFakes';

/**
 * FAKES for the sync's tests, not the mirror: the real MirrorIndex and stores live in
 * src/data/mirror (another branch). They hold records in key maps and apply newer-or-equal
 * `changed` wins — the part of the contract the sync relies on — and nothing more: the
 * query methods throw.
 */

interface Held {
  customers: Map<number, Customer>;
  reservations: Map<number, Reservation>;
  tickets: Map<string, Ticket>;
  stations: Station[];
}

const emptyHeld = (): Held => ({
  customers: new Map(),
  reservations: new Map(),
  tickets: new Map(),
  stations: [],
});

/** Applies `batch` to `held` newer-or-equal; returns how many records changed. */
function applyTo(held: Held, batch: MirrorBatch): number {
  let changed = 0;
  const put = <K extends KeyedKind>(kind: K, key: (r: RecordOf[K]) => KeyOf[K]): void => {
    const part = batch[kind] as
      { put?: readonly RecordOf[K][]; delete?: readonly KeyOf[K][] } | undefined;
    const map = held[kind] as unknown as Map<KeyOf[K], RecordOf[K]>;
    for (const k of part?.delete ?? []) if (map.delete(k)) changed++;
    for (const record of part?.put ?? []) {
      const current = map.get(key(record));
      if (current && current.changed.getTime() > record.changed.getTime()) continue;
      map.set(key(record), { ...record });
      changed++;
    }
  };
  put('customers', (c) => c.number);
  put('reservations', (r) => r.id);
  put('tickets', (t) => t.number);
  if (batch.stations) {
    held.stations = batch.stations.map((s) => ({ ...s }));
    changed += batch.stations.length;
  }
  return changed;
}

export class FakeMirrorIndex implements MirrorIndex {
  readonly held = emptyHeld();
  /** Every batch applied, in order. */
  readonly batches: MirrorBatch[] = [];

  apply(batch: MirrorBatch): number {
    this.batches.push(batch);
    return applyTo(this.held, batch);
  }

  clear(): void {
    Object.assign(this.held, emptyHeld());
  }

  /** The sync's tests look at `batches`; nothing listens to a fake's changes. */
  onChanges(): () => void {
    return () => {};
  }

  get<K extends KeyedKind>(kind: K, key: KeyOf[K]): RecordOf[K] | undefined {
    return (this.held[kind] as unknown as Map<KeyOf[K], RecordOf[K]>).get(key);
  }

  keys<K extends KeyedKind>(kind: K): Iterable<KeyOf[K]> {
    return [...(this.held[kind] as unknown as Map<KeyOf[K], RecordOf[K]>).keys()];
  }

  count(kind: RecordKind): number {
    return kind === 'stations' ? this.held.stations.length : this.held[kind].size;
  }

  stations(): Station[] {
    return this.held.stations.map((s) => ({ ...s }));
  }

  reservationsOfCustomer(): Reservation[] {
    throw new Error('FakeMirrorIndex answers no queries');
  }
  ticketsOfCustomer(): Ticket[] {
    throw new Error('FakeMirrorIndex answers no queries');
  }
  ticketsOfReservation(): Ticket[] {
    throw new Error('FakeMirrorIndex answers no queries');
  }
  findCustomers(_find: CustomerFind): FoundPage<Customer> {
    throw new Error('FakeMirrorIndex answers no queries');
  }
  findReservations(_find: ReservationFind): FoundPage<Reservation> {
    throw new Error('FakeMirrorIndex answers no queries');
  }
  findTickets(_find: TicketFind): FoundPage<Ticket> {
    throw new Error('FakeMirrorIndex answers no queries');
  }
}

export class FakeMirrorStore implements MirrorStore {
  readonly kind = 'fake';
  readonly held = emptyHeld();
  states: Partial<Record<RecordKind, KindState>> = {};
  /** States as stored by each apply that carried any, in order. */
  readonly stateWrites: Array<Partial<Record<RecordKind, KindState>>> = [];
  /** The `fence` of every apply, in order (`undefined` for unfenced ones). */
  readonly fences: Array<number | undefined> = [];
  /** Like a shared store's lease row: a fenced apply with another epoch is refused whole. */
  leaseEpoch: number | null = null;

  async load(): Promise<MirrorSnapshot> {
    return {
      customers: [...this.held.customers.values()],
      reservations: [...this.held.reservations.values()],
      tickets: [...this.held.tickets.values()],
      stations: [...this.held.stations],
      states: { ...this.states },
      position: 0,
    };
  }

  async apply(
    batch: MirrorBatch,
    states?: Partial<Record<RecordKind, KindState>>,
    options?: MirrorApplyOptions,
  ): Promise<void> {
    this.fences.push(options?.fence);
    if (
      options?.fence !== undefined &&
      this.leaseEpoch !== null &&
      options.fence !== this.leaseEpoch
    )
      throw new LeaseLostError(options.fence);
    applyTo(this.held, batch);
    if (states) {
      this.states = { ...this.states, ...structuredClone(states) };
      this.stateWrites.push(structuredClone(states));
    }
  }

  async changesSince(position: number): Promise<MirrorChanges> {
    return { batch: {}, states: {}, position };
  }

  onChange(): () => void {
    return () => undefined;
  }

  async wipe(): Promise<void> {
    Object.assign(this.held, emptyHeld());
    this.states = {};
  }

  async close(): Promise<void> {}
}

/**
 * A leader lease moved by hand: `lead(epoch)`, `lose()`. `isLeader()` and `epoch` behave like
 * `LeaderLease`'s (computed on every look).
 */
export class FakeLease {
  epoch: number | null = null;
  private readonly listeners = new Set<(leading: boolean, epoch: number | null) => void>();

  isLeader(): boolean {
    return this.epoch !== null;
  }

  onChange(listener: (leading: boolean, epoch: number | null) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  lead(epoch: number): void {
    this.epoch = epoch;
    for (const listener of [...this.listeners]) listener(true, epoch);
  }

  lose(): void {
    this.epoch = null;
    for (const listener of [...this.listeners]) listener(false, null);
  }
}

export interface ListReadEvent {
  operation: 'GetCustomers' | 'GetReservations' | 'GetTickets';
  query: CustomerQuery | ReservationQuery | TicketQuery;
}

/**
 * FakeApi300 whose list reads behave like API300's (docs/api300-contract.md §11): ordered by key, paged
 * by position, `changedSince` (≥) and `from` honoured, `serverTime` from a server clock that
 * may differ from the local one (`skewMs`). `beforeListRead` runs before each list read is
 * answered — the place to change records "between page reads".
 */
export class ListApi300 extends FakeApi300 {
  /** API300's clock = local + skewMs. */
  skewMs = 0;
  beforeListRead: ((event: ListReadEvent) => void) | null = null;
  /** Keys whose records come back as `skipped` (they "do not map"), with this field to blame. */
  unmappable = new Map<number | string, string>();
  /** Keys whose records come back as `skipped` without a readable key. */
  keyless = new Set<number | string>();

  constructor(private readonly localClock: { now(): number }) {
    super(localClock);
  }

  serverNow(): number {
    return Math.floor((this.localClock.now() + this.skewMs) / 1000) * 1000;
  }

  /** Changes (or creates) a customer "at the till": `changed` from the server clock. */
  tillCustomer(customer: Customer): Customer {
    const stored = { ...customer, changed: new Date(this.serverNow()) };
    this.customers.set(customer.number, stored);
    return stored;
  }

  override async getCustomers(query: CustomerQuery): Promise<Api300Page<Customer>> {
    await this.record('GetCustomers', [query]); // honours fail() and hold()
    this.beforeListRead?.({ operation: 'GetCustomers', query });
    const all = [...this.customers.values()]
      .filter((c) => !query.changedSince || c.changed >= query.changedSince)
      .sort((a, b) => a.number - b.number);
    return this.page(all, query);
  }

  override async getReservations(query: ReservationQuery): Promise<Api300Page<Reservation>> {
    await this.record('GetReservations', [query]);
    this.beforeListRead?.({ operation: 'GetReservations', query });
    const all = [...this.reservations.values()]
      .filter(
        (r) =>
          (!query.changedSince || r.changed >= query.changedSince) &&
          (!query.from || r.start >= query.from),
      )
      .sort((a, b) => a.id - b.id);
    return this.page(all, query);
  }

  override async getTickets(query: TicketQuery): Promise<Api300Page<Ticket>> {
    await this.record('GetTickets', [query]);
    this.beforeListRead?.({ operation: 'GetTickets', query });
    const all = [...this.tickets.values()]
      .filter((t) => !query.changedSince || t.changed >= query.changedSince)
      .sort((a, b) => (a.number < b.number ? -1 : a.number > b.number ? 1 : 0));
    return this.page(all, query);
  }

  private page<T extends Customer | Reservation | Ticket>(
    all: T[],
    query: { pageIndex: number; pageSize: number },
  ): Api300Page<T> {
    const start = query.pageIndex * query.pageSize;
    const slice = all.slice(start, start + query.pageSize).map((x) => ({ ...x }));
    const keyOf = (r: T): number | string => ('id' in r ? r.id : r.number);
    const bad = (r: T): boolean => this.unmappable.has(keyOf(r)) || this.keyless.has(keyOf(r));
    const page: Api300Page<T> = {
      items: slice.filter((r) => !bad(r)),
      totalCount: all.length,
      serverTime: new Date(this.serverNow()),
    };
    const skipped = slice
      .filter(bad)
      .map((r) =>
        this.keyless.has(keyOf(r))
          ? { key: null, field: 'CustomerNumber' }
          : { key: keyOf(r), field: this.unmappable.get(keyOf(r)) ?? null },
      );
    if (skipped.length > 0) page.skipped = skipped;
    return page;
  }
}
