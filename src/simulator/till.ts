import { WireTypeError, readJsonFields } from './codec';
import { STRUCTS, StructName } from './contract';
import { CustomerRow, ReservationRow, Store, TicketRow } from './store';
import { formatInstant, truncateToSecond } from './time';
import { customerProblem, reservationProblem, ticketProblem } from './validation';

/**
 * Changes "at the till": records changed, created or deleted in the POS itself, behind the
 * back of every API300 client (docs/api300-contract.md §11). Used by the operator endpoints
 * `/__simulator/till/*`; never counted as API300 calls. `Changed` (and `Created` of a new
 * record) come from the service clock, as they do for changes through API300.
 */

export const TILL_KINDS = ['customers', 'reservations', 'tickets'] as const;
export type TillKind = (typeof TILL_KINDS)[number];

const STRUCT_OF: Record<TillKind, StructName> = {
  customers: 'Customer',
  reservations: 'Reservation',
  tickets: 'Ticket',
};

const KEY_OF: Record<TillKind, 'CustomerNumber' | 'ReservationID' | 'TicketNumber'> = {
  customers: 'CustomerNumber',
  reservations: 'ReservationID',
  tickets: 'TicketNumber',
};

const SERVICE_SET = new Set(['Created', 'Changed']);

type Row = CustomerRow | ReservationRow | TicketRow;

/** A till change the service refuses; the message names the field, the value and what is allowed. */
export class TillError extends Error {
  override readonly name = 'TillError';
}

const HOUR = 3_600_000;

/** What a record created at the till starts from, before the fields given. */
function newRow(kind: TillKind, store: Store, now: number): Row {
  const base = readJsonFields({}, STRUCTS[STRUCT_OF[kind]], false) as unknown as Row;
  switch (kind) {
    case 'customers':
      return { ...(base as CustomerRow), PriceLevel: 1 };
    case 'reservations':
      return {
        ...(base as ReservationRow),
        StationNumber: store.stations[0]?.StationNumber ?? 1,
        Start: truncateToSecond(now + 24 * HOUR),
        DurationMinutes: 120,
        Persons: 2,
      };
    case 'tickets':
      return {
        ...(base as TicketRow),
        ValidFrom: truncateToSecond(now),
        ValidTo: truncateToSecond(now + 365 * 24 * HOUR),
        RedeemedAt: null,
      };
  }
}

/**
 * Changes (when the key names a held record) or creates one record from `input`: wire-named
 * fields (`Name`, `Start`, …), dates as `xs:dateTime` text (bare = Berlin wall clock, or with
 * an offset) or `"\/Date(ms)\/"`, `Birthday` as a date, `ReachableFrom/To` as times. Fields
 * left out keep their value (a new record starts from .NET defaults and a few that pass
 * validation). A missing or 0 key creates under the next free number; an unknown key creates
 * under it. Returns the stored row.
 */
export function tillPut(store: Store, kind: TillKind, input: unknown, now: number): Row {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw new TillError(`a ${STRUCT_OF[kind]} record must be a JSON object`);
  const fields = STRUCTS[STRUCT_OF[kind]];
  for (const name of Object.keys(input)) {
    if (SERVICE_SET.has(name))
      throw new TillError(`${name} is set by the service clock; leave it out`);
    if (!fields.some((f) => f.name === name))
      throw new TillError(
        `${name} is not a field of ${STRUCT_OF[kind]} (allowed: ${fields
          .filter((f) => !SERVICE_SET.has(f.name))
          .map((f) => f.name)
          .join(', ')})`,
      );
  }
  let given: Partial<Row>;
  try {
    given = readJsonFields(
      input,
      fields.filter((f) => f.name in input),
      false,
    );
  } catch (error) {
    if (error instanceof WireTypeError) throw new TillError(error.message);
    throw error;
  }
  const keyName = KEY_OF[kind];
  const key = (given as Record<string, unknown>)[keyName] as number | string | undefined;
  const held = key ? heldRow(store, kind, key) : undefined;
  const stamp = truncateToSecond(now);
  const row = { ...(held ?? newRow(kind, store, now)), ...given };
  const record = row as Record<string, unknown>;
  if (!key) record[keyName] = allocate(store, kind);
  record.Created = held?.Created ?? stamp;
  record.Changed = stamp;
  const problem =
    kind === 'customers'
      ? customerProblem(row as CustomerRow, store)
      : kind === 'reservations'
        ? reservationProblem(row as ReservationRow, store)
        : ticketProblem(row as TicketRow, store);
  if (problem) throw new TillError(problem);
  if (kind === 'customers') store.putCustomer(row as CustomerRow);
  else if (kind === 'reservations') store.putReservation(row as ReservationRow);
  else store.putTicket(row as TicketRow);
  return row;
}

/** Deletes one record (a GDPR erasure, a cleaned-up reservation); false when there is none. */
export function tillDelete(store: Store, kind: TillKind, key: string): boolean {
  if (kind === 'tickets') return store.deleteTicket(key);
  const number = Number(key);
  if (!Number.isInteger(number)) return false;
  return kind === 'customers' ? store.deleteCustomer(number) : store.deleteReservation(number);
}

function heldRow(store: Store, kind: TillKind, key: number | string): Row | undefined {
  if (kind === 'customers') return store.customers.get(key as number);
  if (kind === 'reservations') return store.reservations.get(key as number);
  return store.tickets.get(key as string);
}

function allocate(store: Store, kind: TillKind): number | string {
  if (kind === 'customers') return store.allocateCustomerNumber();
  if (kind === 'reservations') return store.allocateReservationId();
  return store.allocateTicketNumber();
}

/** A stored row as the till endpoints answer it: dates as Berlin wall-clock text. */
export function tillJson(kind: TillKind, row: Row): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const spec of STRUCTS[STRUCT_OF[kind]]) {
    const value = (row as Record<string, unknown>)[spec.name];
    out[spec.name] =
      spec.type === 'dateTime' && typeof value === 'number' ? formatInstant(value) : value;
  }
  return out;
}
