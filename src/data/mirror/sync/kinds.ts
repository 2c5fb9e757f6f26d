import type { KeyedKind } from '../../../domain/models';
import type { Api300, Api300Operation, Api300Page } from '../../api300/types';
import type { KeyOf, MirrorBatch, RecordOf } from '../types';

/** The kinds read page by page with changed-since (stations come as one whole list). */

export interface ListRead {
  pageIndex: number;
  pageSize: number;
  /** Delta passes: `Changed` ≥ this (already widened by the DST rule). */
  changedSince?: Date;
  /** Full reads of reservations: start ≥ this (`To` stays open: every future reservation). */
  from?: Date;
}

/** What the sync needs to know of one paged kind: its operation, key, order and batch shape. */
export interface PagedKindAdapter<K extends KeyedKind> {
  kind: K;
  operation: Api300Operation;
  read(api: Api300, read: ListRead): Promise<Api300Page<RecordOf[K]>>;
  keyOf(record: RecordOf[K]): KeyOf[K];
  compare(a: KeyOf[K], b: KeyOf[K]): number;
  batch(put: readonly RecordOf[K][], remove?: readonly KeyOf[K][]): MirrorBatch;
}

const byNumber = (a: number, b: number): number => a - b;
/** API300 orders ticket numbers as the simulator does: by UTF-16 code units (ordinal). */
const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const customers: PagedKindAdapter<'customers'> = {
  kind: 'customers',
  operation: 'GetCustomers',
  read: (api, r) =>
    api.getCustomers({
      changedSince: r.changedSince ?? null,
      pageIndex: r.pageIndex,
      pageSize: r.pageSize,
    }),
  keyOf: (c) => c.number,
  compare: byNumber,
  batch: (put, remove) => ({ customers: { put, ...(remove ? { delete: remove } : {}) } }),
};

const reservations: PagedKindAdapter<'reservations'> = {
  kind: 'reservations',
  operation: 'GetReservations',
  read: (api, r) =>
    api.getReservations({
      changedSince: r.changedSince ?? null,
      from: r.from ?? null,
      to: null,
      pageIndex: r.pageIndex,
      pageSize: r.pageSize,
    }),
  keyOf: (r) => r.id,
  compare: byNumber,
  batch: (put, remove) => ({ reservations: { put, ...(remove ? { delete: remove } : {}) } }),
};

const tickets: PagedKindAdapter<'tickets'> = {
  kind: 'tickets',
  operation: 'GetTickets',
  read: (api, r) =>
    api.getTickets({
      changedSince: r.changedSince ?? null,
      pageIndex: r.pageIndex,
      pageSize: r.pageSize,
    }),
  keyOf: (t) => t.number,
  compare: byCodeUnits,
  batch: (put, remove) => ({ tickets: { put, ...(remove ? { delete: remove } : {}) } }),
};

export const ADAPTERS: { [K in KeyedKind]: PagedKindAdapter<K> } = {
  customers,
  reservations,
  tickets,
};
