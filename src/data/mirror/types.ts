import type { RecordChangeListener } from '../../domain/changes';
import {
  KEYED_KINDS,
  RECORD_KINDS,
  type Customer,
  type KeyedKind,
  type RecordKind,
  type Reservation,
  type Station,
  type Ticket,
} from '../../domain/models';
import type { KeyOf, RecordOf } from '../../domain/recordKinds';
import type { CustomerFind, FoundPage, ReservationFind, TicketFind } from '../../domain/queries';

export type {
  CustomerFind,
  CustomerOrder,
  FindPage,
  FoundPage,
  ReservationFind,
  ReservationOrder,
  TicketFind,
  TicketOrder,
} from '../../domain/queries';

/**
 * The mirror: a local copy of the POS data, kept current through API300's changed-since reads
 * (docs/api300-contract.md §11), so that reads cost no upstream calls.
 *
 *   MirrorIndex   in memory, in every replica: holds the records and answers every query.
 *                 The query semantics (filters, order, search, counts, cursors) exist here
 *                 only, whatever the store.
 *   MirrorStore   persistence and, when shared, the change feed between replicas: memory
 *                 (nothing kept), a file (embedded, survives a restart), PostgreSQL (shared by
 *                 several replicas). Stores never answer queries; one contract test suite runs
 *                 against each.
 *   MirrorSync    initial load, changed-since deltas and reconciliation, through the gate.
 */

/** The kinds of record the mirror holds. */
export { KEYED_KINDS, RECORD_KINDS, type KeyedKind, type RecordKind };

/** The record and key types of each kind (domain/recordKinds.ts, the kinds' descriptor). */
export type { KeyOf, RecordOf };

/**
 * A set of changes applied as one: records to put (a record replaces the held one only when
 * its `changed` is newer or equal — applying a record twice is harmless) and keys to delete
 * (reconciliation: the record vanished in the POS); a key both put and deleted in one batch
 * ends deleted. Stations carry no `changed`: the list replaces the held one whole when
 * `stations` is given. A batch applies whole or not at all (a record with an invalid Date
 * fails it before anything changes).
 */
export type MirrorBatch = { [K in KeyedKind]?: KindChanges<K> } & {
  /** The whole station list (replaces what is held). */
  stations?: readonly Station[];
};

/** The changes of one keyed kind in a batch: records to put, keys to delete. */
export interface KindChanges<K extends KeyedKind> {
  put?: readonly RecordOf[K][];
  delete?: readonly KeyOf[K][];
}

/** What a kind's sync has reached; stored with the records so a restart resumes from it. */
export interface KindState {
  /**
   * API300's own clock (`Status.ServerDateTime`) when the read that the held records are
   * complete up to began; the next delta asks `ChangedSince` from here (minus the overlap,
   * widened by the DST rule). `null` before the initial load completed.
   */
  watermark: Date | null;
  /** The initial load finished: the held records are the whole kind (within the window). */
  loaded: boolean;
  /** When the last complete reconciliation finished (local clock), or `null`. */
  reconciledAt: Date | null;
  /** Set when the token pair lacks the kind's licence (Status 20): not mirrored, not retried in a loop. */
  licenceMissing: string | null;
  /**
   * Shared stores only, while the leader's initial load runs: the pages it has read so far,
   * in key order (`LoadedPage`), so that replicas that do not lead answer the keys those pages
   * cover as the leader does (sync/passes.ts `covers`). Absent or `null` otherwise; local
   * stores do not keep it (a restart's pages are stale by then).
   */
  loadPages?: readonly LoadedPage[] | null;
}

/**
 * One page of a running initial load: its highest key, and when it was read (epoch ms, the
 * leader's clock). Every key up to `lastKey` that existed then is in the store, or absent.
 */
export interface LoadedPage {
  lastKey: string | number;
  at: number;
  /** Records read by the load up to this page, and the kind's total as this page said. */
  loaded?: number;
  total?: number;
}

/**
 * In-memory records and queries. Synchronous: no I/O.
 *
 * List filters combine with AND; an empty list is no filter (as in API300's filters), and so
 * is `stationNumber` 0; `first` outside 1..500 is a `RangeError`. Records handed out are frozen, their Dates too (setters throw), and
 * shared with the index: reading copies nothing, and no reader can change what is held.
 * Returned arrays are the caller's own.
 */
export interface MirrorIndex {
  /**
   * Applies a batch (newer-or-equal `changed` wins); returns how many records changed (written
   * or removed; a put equal to the held record, and a delete of a missing key, count nothing).
   * Each of those is told to the `onChanges` listeners once the batch is applied, in one call,
   * unless `quiet` (a replica filling its index from the store: a copy, not changes).
   */
  apply(batch: MirrorBatch, options?: { quiet?: boolean }): number;
  /** Drops everything (wipe, or a replica re-reading the shared store); tells no listener. */
  clear(): void;
  /**
   * Calls `listener` with the changes of every apply (synchronously, after the index holds
   * them; a throwing listener does not undo or stop the apply). Returns the unsubscribe.
   */
  onChanges(listener: RecordChangeListener): () => void;

  get<K extends KeyedKind>(kind: K, key: KeyOf[K]): RecordOf[K] | undefined;
  /** Every held key of a kind (reconciliation compares them with a full read). */
  keys<K extends KeyedKind>(kind: K): Iterable<KeyOf[K]>;
  count(kind: RecordKind): number;

  stations(): Station[];
  /** Every held reservation of the customer, by start time. */
  reservationsOfCustomer(customerNumber: number): Reservation[];
  /** Every held ticket of the customer, by number. */
  ticketsOfCustomer(customerNumber: number): Ticket[];
  /** Every held ticket of the reservation, by number. */
  ticketsOfReservation(reservationId: number): Ticket[];

  /** Throws `MirrorCursorError` for a cursor that is not one of this filter and order. */
  findCustomers(find: CustomerFind): FoundPage<Customer>;
  findReservations(find: ReservationFind): FoundPage<Reservation>;
  findTickets(find: TicketFind): FoundPage<Ticket>;
}

/** The index rejects a foreign `after` cursor with the data layer's `CursorError`. */
export { CursorError as MirrorCursorError } from '../errors';

/**
 * A store's persisted data cannot be read: damaged beyond what a crash leaves (a torn last
 * write is not damage), or written in another format version. The message names the file or
 * table and what is wrong; `wipe()` and a new initial load recover.
 */
export class MirrorStoreError extends Error {
  override readonly name = 'MirrorStoreError';
}

/** What a store holds, to fill the index at start. */
export interface MirrorSnapshot {
  customers: Customer[];
  reservations: Reservation[];
  tickets: Ticket[];
  stations: Station[];
  states: Partial<Record<RecordKind, KindState>>;
  /** Position in the store's change feed this snapshot is complete up to (0 for local stores). */
  position: number;
}

/** Changes other writers made to a shared store after a position. */
export interface MirrorChanges {
  batch: MirrorBatch;
  states: Partial<Record<RecordKind, KindState>>;
  position: number;
  /**
   * Set when the store can no longer tell what changed after the position asked for (the
   * deletes it would have to report were purged after their retention, the store was wiped,
   * or the position belongs to another database): `batch` is empty and the reader must
   * `clear()` its index and `load()` again. Never set by local stores.
   */
  reset?: true;
}

/** How one `apply` is made. */
export interface MirrorApplyOptions {
  /**
   * The epoch of the leader lease the caller holds (shared stores). The apply commits only if
   * that lease is still held and unexpired when it runs, else it rolls back whole and rejects
   * with `LeaseLostError`: a replica that lost the lead (it paused past the lease's expiry and
   * another took over) cannot write its stale sync into the shared copy. The sync passes it;
   * a write's read-your-writes does not (newer-or-equal `changed` keeps those safe).
   * Local stores ignore it.
   */
  fence?: number;
}

/** A fenced `apply` whose lease epoch is no longer the held one: nothing was written. */
export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
  constructor(
    /** The epoch the apply was fenced with. */
    readonly epoch: number,
  ) {
    super(`mirror leader lease epoch ${epoch} is no longer held: the apply was rolled back`);
  }
}

/**
 * Where the mirror survives a restart and, when shared, how replicas see each other's
 * changes. A store never answers queries (the index does).
 *
 * Contract (test/helpers/mirrorStoreContract.ts runs it against every store):
 * - `apply` is atomic: after a crash either the whole batch and its states are stored or none.
 * - `apply` keeps the newer-or-equal `changed` of a record, like the index, so two writers
 *   (a sync and a write's read-your-writes) cannot move a record back in time.
 * - `load` after `apply` returns what was applied; after `wipe`, nothing.
 */
export interface MirrorStore {
  /** `memory`, `file` or `postgres` (for /readyz and logs). */
  readonly kind: string;
  load(): Promise<MirrorSnapshot>;
  apply(
    batch: MirrorBatch,
    states?: Partial<Record<RecordKind, KindState>>,
    options?: MirrorApplyOptions,
  ): Promise<void>;
  /**
   * Shared stores: changes after `position` by any writer (`reset` when the reader must load
   * again). Local stores: none.
   */
  changesSince(position: number): Promise<MirrorChanges>;
  /** Shared stores: called when another writer applied something (LISTEN/NOTIFY). */
  onChange(listener: () => void): () => void;
  /** Deletes every record and state (GDPR: personal data at rest). */
  wipe(): Promise<void>;
  close(): Promise<void>;
}

/**
 * What the repository needs of the mirror: its index, which kinds it can answer for, and a
 * way to put what API300 stored into it at once (read-your-writes).
 */
export interface MirrorView {
  readonly index: MirrorIndex;
  /**
   * Whether the mirror answers reads of `kind`: its initial load is done and the token pair
   * holds the kind's licence. Until then reads go read-through.
   */
  holds(kind: RecordKind): boolean;
  /**
   * While `kind` still loads: whether the pages loaded so far answer `key` — the index holds
   * it, or it is known absent (docs/mirror-sync.md, "While loading"). A replica that does not
   * lead answers from the leader's load pages (`KindState.loadPages`). Lists and searches wait
   * for `holds`.
   */
  covers(kind: KeyedKind, key: string | number): boolean;
  /** Earliest reservation start the mirror holds (its window), or `null` when it holds all. */
  reservationsFrom(): Date | null;
  /**
   * Whether `kind`'s initial load runs (here or, on a replica that does not lead, at the
   * leader): it is not held yet and will be, so a read may wait for it (`progressed`). `false`
   * for a held kind and for one whose licence is missing.
   */
  loading(kind: RecordKind): boolean;
  /**
   * While `kind` loads: the ms until its load is expected to end, from the pace of its pages
   * so far and the pages left at the load's share of the budget (`null` before its first
   * page). A read waits for a load only when it may end before the read's deadline.
   */
  loadEtaMs(kind: RecordKind): number | null;
  /**
   * Resolves `true` at the next moment the mirror may answer more — a load page applied, a
   * kind loaded, the leader's states adopted (a replica that does not lead) — or `false` when
   * `withinMs` passed first. For a read that waits for the load instead of failing.
   */
  progressed(withinMs: number): Promise<boolean>;
  /** What API300 stored, into the index (at once) and the store (in the background). */
  recordWrite(batch: MirrorBatch): void;
  /**
   * Customers stored by a bulk upload, whose records API300's reply does not carry: the
   * mirror reads them (sync priority) so they are served before the next delta.
   */
  refreshCustomers(numbers: readonly number[]): void;
}
