import type { Customer, Reservation, Station, Ticket } from './models';

/**
 * One record the mirror's index changed: the version it held before (`null`: it was new) and
 * the one it holds now (`null`: it was removed). Emitted by the index for every apply that
 * changed something — the sync, reconciliation, a write's read-your-writes and, on a replica,
 * the shared store's change feed — so every road into the index produces the same events.
 * Records are the index's frozen copies.
 */
export type RecordChange =
  | { kind: 'customers'; before: Customer | null; after: Customer | null }
  | { kind: 'reservations'; before: Reservation | null; after: Reservation | null }
  | { kind: 'tickets'; before: Ticket | null; after: Ticket | null }
  | { kind: 'stations'; before: Station | null; after: Station | null };

/** Told the changes of one apply, after the index holds them. Must not throw or block. */
export type RecordChangeListener = (changes: readonly RecordChange[]) => void;
