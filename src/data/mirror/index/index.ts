import type { RecordChange, RecordChangeListener } from '../../../domain/changes';
import { KEYED_KINDS, type KeyedKind, type Station } from '../../../domain/models';
import type { KindChanges, MirrorIndex, RecordKind } from '../types';
import { CustomerTable } from './customerTable';
import type { KeyedTable } from './recordTable';
import { ReservationTable } from './reservationTable';
import { TicketTable } from './ticketTable';

/**
 * The in-memory mirror index (`MirrorIndex`): every query semantics of the mirror, the same
 * over every store. Records are held as frozen copies (Dates included, see `FrozenDate`)
 * and handed out as they are: a reader cannot change the index through a result, and reads
 * copy nothing. Result arrays are fresh; modifying them changes nothing held.
 */
/** Applies a planned kind's changes; returns how many records changed. */
type Commit = (noted: RecordChange[] | undefined) => number;

export function createMirrorIndex(): MirrorIndex {
  const customers = new CustomerTable();
  const reservations = new ReservationTable();
  const tickets = new TicketTable();
  let stations: readonly Station[] = [];
  const tables: { readonly [K in KeyedKind]: KeyedTable<K> } = {
    customers,
    reservations,
    tickets,
  };
  const tableOf = <K extends KeyedKind>(kind: K): KeyedTable<K> => tables[kind];

  const listeners = new Set<RecordChangeListener>();

  /** A kind's changes checked and copied (nothing changed yet), and how to commit them. */
  function planned<K extends KeyedKind>(
    kind: K,
    changes: KindChanges<K> | undefined,
  ): Commit | undefined {
    if (!changes) return undefined;
    const table = tableOf(kind);
    const plan = table.plan(changes.put, changes.delete);
    return (noted) => table.commit(plan, noted);
  }

  function replaceStations(next: readonly Station[], changes: RecordChange[]): number {
    const held = new Map(stations.map((s) => [s.number, s]));
    let changed = 0;
    const frozen = next.map((s) => {
      const before = held.get(s.number);
      held.delete(s.number);
      if (before && before.name === s.name && before.active === s.active) return before;
      changed++;
      const after = Object.freeze({ ...s });
      changes.push({ kind: 'stations', before: before ?? null, after });
      return after;
    });
    for (const gone of held.values()) changes.push({ kind: 'stations', before: gone, after: null });
    stations = Object.freeze([...frozen].sort((a, b) => a.number - b.number));
    return changed + held.size;
  }

  function tell(changes: readonly RecordChange[]): void {
    for (const listener of listeners) {
      try {
        listener(changes);
      } catch {
        // A listener's failure is its own: the index has applied the batch either way.
      }
    }
  }

  return {
    apply(batch, options) {
      // Every record is checked and copied before anything changes: a batch applies whole or not at all.
      const commits: Commit[] = [];
      for (const kind of KEYED_KINDS) {
        const commit = planned(kind, batch[kind]);
        if (commit) commits.push(commit);
      }
      const changes: RecordChange[] = [];
      const noted = options?.quiet || listeners.size === 0 ? undefined : changes;
      let changed = 0;
      for (const commit of commits) changed += commit(noted);
      if (batch.stations) changed += replaceStations(batch.stations, noted ?? []);
      if (changes.length > 0) tell(changes);
      return changed;
    },

    onChanges(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    clear() {
      customers.clear();
      reservations.clear();
      tickets.clear();
      stations = [];
    },

    get(kind, key) {
      return tableOf(kind).get(key);
    },

    keys(kind) {
      return tableOf(kind).keys();
    },

    count(kind: RecordKind) {
      return kind === 'stations' ? stations.length : tables[kind].size;
    },

    stations: () => [...stations],
    reservationsOfCustomer: (customerNumber) => reservations.ofCustomer(customerNumber),
    ticketsOfCustomer: (customerNumber) => tickets.ofCustomer(customerNumber),
    ticketsOfReservation: (reservationId) => tickets.ofReservation(reservationId),

    findCustomers: (find) => customers.find(find),
    findReservations: (find) => reservations.find(find),
    findTickets: (find) => tickets.find(find),
  };
}
