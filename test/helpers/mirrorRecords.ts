import type { Customer, Reservation, Ticket } from '../../src/domain/models';
import { createMirrorIndex } from '../../src/data/mirror/index';
import type { FoundPage, KindState, MirrorBatch, MirrorIndex } from '../../src/data/mirror/types';
import { makeCustomer, makeReservation, makeStation, makeTicket } from './fakeRepository';

/**
 * Records and helpers for the mirror's tests (index units, store contract). The record
 * builders are the ones of fakeRepository.ts; these add versions, states and paging.
 */

export { makeCustomer, makeReservation, makeStation, makeTicket };

export const at = (iso: string): Date => new Date(iso);

/** The same record, changed later (or earlier) by `seconds`, with other fields overridden. */
export function changedBy<T extends { changed: Date }>(
  record: T,
  seconds: number,
  overrides: Partial<T> = {},
): T {
  return { ...record, changed: new Date(record.changed.getTime() + seconds * 1000), ...overrides };
}

export function kindState(overrides: Partial<KindState> = {}): KindState {
  return {
    watermark: at('2026-03-02T11:59:00Z'),
    loaded: true,
    reconciledAt: null,
    licenceMissing: null,
    ...overrides,
  };
}

/** An index holding `batch`. */
export function indexOf(batch: MirrorBatch): MirrorIndex {
  const index = createMirrorIndex();
  index.apply(batch);
  return index;
}

/** Every page of a query from the start, following `cursors`; also returns the page sizes. */
export function walk<T>(page: (after: string | undefined) => FoundPage<T>): {
  items: T[];
  sizes: number[];
} {
  const items: T[] = [];
  const sizes: number[] = [];
  let after: string | undefined;
  for (let guard = 0; guard < 10_000; guard++) {
    const found = page(after);
    items.push(...found.items);
    sizes.push(found.items.length);
    if (!found.hasNextPage) return { items, sizes };
    after = found.cursors[found.cursors.length - 1];
  }
  throw new Error('walk: more than 10,000 pages');
}

export const numbersOf = (customers: readonly Customer[]) => customers.map((c) => c.number);
export const idsOf = (reservations: readonly Reservation[]) => reservations.map((r) => r.id);
export const ticketNumbersOf = (tickets: readonly Ticket[]) => tickets.map((t) => t.number);
