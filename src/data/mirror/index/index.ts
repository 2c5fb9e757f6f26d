import type { RecordChange, RecordChangeListener } from '../../../domain/changes';
import type { KeyedKind, Station } from '../../../domain/models';
import type { MirrorIndex, RecordKind } from '../types';
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
      const plans = {
        customers: batch.customers && customers.plan(batch.customers.put, batch.customers.delete),
        reservations:
          batch.reservations &&
          reservations.plan(batch.reservations.put, batch.reservations.delete),
        tickets: batch.tickets && tickets.plan(batch.tickets.put, batch.tickets.delete),
      };
      const changes: RecordChange[] = [];
      const noted = options?.quiet || listeners.size === 0 ? undefined : changes;
      let changed = 0;
      if (plans.customers) changed += customers.commit(plans.customers, noted);
      if (plans.reservations) changed += reservations.commit(plans.reservations, noted);
      if (plans.tickets) changed += tickets.commit(plans.tickets, noted);
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
