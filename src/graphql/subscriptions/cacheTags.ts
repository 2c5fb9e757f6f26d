import type { RecordChange } from '../../domain/changes';
import type { Reservation, Ticket } from '../../domain/models';

/**
 * The cache tags of the SDL's `@cacheTag` directives (schema/*.graphql), one name each: an
 * entity's own (`reservation-42`) and the list root fields' of its kind (`reservations`).
 * Apollo Router's response cache stores them with each cached entity and root field; the
 * invalidation endpoint removes what carries a tag.
 */
export const ENTITY_TAG = {
  customers: (number: number) => `customer-${number}`,
  reservations: (id: number) => `reservation-${id}`,
  tickets: (number: string) => `ticket-${number}`,
  stations: (number: number) => `station-${number}`,
} as const;

/** Tag of every list root field of a kind (`customers`, `reservations`, `tickets`, `stations`). */
export const LIST_TAG = (kind: RecordChange['kind']): string => kind;

/**
 * Every tag a change makes stale: the record's own, the lists of its kind, and the entities
 * whose cached representation nests it (a customer's reservations and tickets, a
 * reservation's tickets) — before and after the change, so a record that moved leaves both.
 */
export function staleTags(change: RecordChange): string[] {
  const tags = new Set<string>([LIST_TAG(change.kind)]);
  for (const record of [change.before, change.after]) {
    if (record === null) continue;
    switch (change.kind) {
      case 'customers':
        tags.add(ENTITY_TAG.customers((record as { number: number }).number));
        break;
      case 'stations':
        tags.add(ENTITY_TAG.stations((record as { number: number }).number));
        break;
      case 'reservations': {
        const r = record as Reservation;
        tags.add(ENTITY_TAG.reservations(r.id));
        if (r.customerNumber !== null) tags.add(ENTITY_TAG.customers(r.customerNumber));
        break;
      }
      case 'tickets': {
        const t = record as Ticket;
        tags.add(ENTITY_TAG.tickets(t.number));
        if (t.customerNumber !== null) tags.add(ENTITY_TAG.customers(t.customerNumber));
        if (t.reservationId !== null) tags.add(ENTITY_TAG.reservations(t.reservationId));
        break;
      }
    }
  }
  return [...tags];
}
