import type { RecordChange } from '../../domain/changes';
import type { Customer, Reservation, Ticket } from '../../domain/models';

/** What happened to a record (the SDL's `ChangeKind`). */
export type ChangeKind = 'CREATED' | 'CHANGED' | 'CANCELLED' | 'REDEEMED' | 'REMOVED';

/** A record change with the instant this replica's mirror applied it. */
export type TimedChange = RecordChange & { at: Date };

/**
 * The kind of a change: REMOVED when no record follows, CANCELLED/REDEEMED when the status
 * became that (a record new to the mirror in that status too: a screen of redemptions must
 * not miss a ticket issued and redeemed within one sync pass), CREATED when none preceded,
 * else CHANGED.
 */
export function changeKindOf(change: RecordChange): ChangeKind {
  const { before, after } = change;
  if (after === null) return 'REMOVED';
  if (change.kind === 'reservations' || change.kind === 'tickets') {
    const status = (change.after as Reservation | Ticket).status;
    const was = (before as Reservation | Ticket | null)?.status;
    if (status === 'CANCELLED' && was !== 'CANCELLED') return 'CANCELLED';
    if (status === 'REDEEMED' && was !== 'REDEEMED') return 'REDEEMED';
  }
  return before === null ? 'CREATED' : 'CHANGED';
}

/** A subscription's filter on one kind; a change matches when its record before or after does. */
export interface ReservationFilter {
  stationNumber?: number | null;
  customerNumber?: number | null;
  from?: Date | null;
  to?: Date | null;
  changes?: readonly ChangeKind[] | null;
}

export interface TicketFilter {
  redeemedStation?: number | null;
  customerNumber?: number | null;
  reservationId?: number | null;
  changes?: readonly ChangeKind[] | null;
}

export interface CustomerFilter {
  number: number;
  changes?: readonly ChangeKind[] | null;
}

const given = <T>(value: T | null | undefined): value is T => value !== null && value !== undefined;

function reservationMatches(r: Reservation | null, f: ReservationFilter): boolean {
  if (r === null) return false;
  if (given(f.stationNumber) && r.stationNumber !== f.stationNumber) return false;
  if (given(f.customerNumber) && r.customerNumber !== f.customerNumber) return false;
  if (given(f.from) && r.start.getTime() < f.from.getTime()) return false;
  if (given(f.to) && r.start.getTime() >= f.to.getTime()) return false;
  return true;
}

function ticketMatches(t: Ticket | null, f: TicketFilter): boolean {
  if (t === null) return false;
  if (given(f.redeemedStation) && t.redeemedStation !== f.redeemedStation) return false;
  if (given(f.customerNumber) && t.customerNumber !== f.customerNumber) return false;
  if (given(f.reservationId) && t.reservationId !== f.reservationId) return false;
  return true;
}

const kindWanted = (kind: ChangeKind, wanted: readonly ChangeKind[] | null | undefined) =>
  !wanted || wanted.length === 0 || wanted.includes(kind);

/** The SDL's `ReservationChange`, `TicketChange` and `CustomerChange`. */
export interface ReservationChangeEvent {
  change: ChangeKind;
  id: number;
  reservation: Reservation | null;
  at: Date;
}
export interface TicketChangeEvent {
  change: ChangeKind;
  number: string;
  ticket: Ticket | null;
  at: Date;
}
export interface CustomerChangeEvent {
  change: ChangeKind;
  number: number;
  customer: Customer | null;
  at: Date;
}

/** The event of `change` for a `reservationChanged` subscription with `filter`, or `undefined`. */
export function reservationEvent(
  change: TimedChange,
  filter: ReservationFilter,
): ReservationChangeEvent | undefined {
  if (change.kind !== 'reservations') return undefined;
  const { before, after } = change;
  if (!reservationMatches(before, filter) && !reservationMatches(after, filter)) return undefined;
  const kind = changeKindOf(change);
  if (!kindWanted(kind, filter.changes)) return undefined;
  return { change: kind, id: (after ?? before)!.id, reservation: after, at: change.at };
}

export function ticketEvent(
  change: TimedChange,
  filter: TicketFilter,
): TicketChangeEvent | undefined {
  if (change.kind !== 'tickets') return undefined;
  const { before, after } = change;
  if (!ticketMatches(before, filter) && !ticketMatches(after, filter)) return undefined;
  const kind = changeKindOf(change);
  if (!kindWanted(kind, filter.changes)) return undefined;
  return { change: kind, number: (after ?? before)!.number, ticket: after, at: change.at };
}

export function customerEvent(
  change: TimedChange,
  filter: CustomerFilter,
): CustomerChangeEvent | undefined {
  if (change.kind !== 'customers') return undefined;
  const record = change.after ?? change.before;
  if (record?.number !== filter.number) return undefined;
  const kind = changeKindOf(change);
  if (!kindWanted(kind, filter.changes)) return undefined;
  return { change: kind, number: record.number, customer: change.after, at: change.at };
}

/** The entity a change is about, as a federation reference: `{__typename, key field}`. */
export function entityOf(change: RecordChange): Record<string, string | number> {
  const record = (change.after ?? change.before)!;
  switch (change.kind) {
    case 'customers':
      return { __typename: 'Customer', number: (record as Customer).number };
    case 'reservations':
      return { __typename: 'Reservation', id: (record as Reservation).id };
    case 'tickets':
      return { __typename: 'Ticket', number: (record as Ticket).number };
    case 'stations':
      return { __typename: 'Station', number: (record as { number: number }).number };
  }
}
