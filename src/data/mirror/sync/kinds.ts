import type { KeyedKind } from '../../../domain/models';
import { keyedKindInfo } from '../../../domain/recordKinds';
import type { Api300, Api300Operation, Api300Page } from '../../api300/types';
import type { KeyOf, MirrorBatch, RecordOf } from '../types';

/** How the sync reads a page of a kind (the kinds read page by page with changed-since). */
export interface ListRead {
  pageIndex: number;
  pageSize: number;
  /** Delta passes: `Changed` ≥ this (already widened by the DST rule). */
  changedSince?: Date;
  /** Full reads of reservations: start ≥ this (`To` stays open: every future reservation). */
  from?: Date;
}

/**
 * What the sync needs to know of one paged kind: its operation, key, order and batch shape.
 * Stations are no such kind: they come as one whole list.
 */
export interface PagedKindAdapter<K extends KeyedKind> {
  kind: K;
  operation: Api300Operation;
  read(api: Api300, read: ListRead): Promise<Api300Page<RecordOf[K]>>;
  keyOf(record: RecordOf[K]): KeyOf[K];
  compare(a: KeyOf[K], b: KeyOf[K]): number;
  batch(put: readonly RecordOf[K][], remove?: readonly KeyOf[K][]): MirrorBatch;
}

/** The adapter of `kind`: its operation, key and order from the kind's descriptor. */
function paged<K extends KeyedKind>(
  kind: K,
  read: PagedKindAdapter<K>['read'],
  batch: PagedKindAdapter<K>['batch'],
): PagedKindAdapter<K> {
  const info = keyedKindInfo(kind);
  return {
    kind,
    operation: info.listOperation,
    read,
    keyOf: info.keyOf,
    compare: info.compareKeys,
    batch,
  };
}

const ADAPTERS: { readonly [K in KeyedKind]: PagedKindAdapter<K> } = {
  customers: paged(
    'customers',
    (api, r) =>
      api.getCustomers({
        changedSince: r.changedSince ?? null,
        pageIndex: r.pageIndex,
        pageSize: r.pageSize,
      }),
    (put, remove) => ({ customers: { put, ...(remove ? { delete: remove } : {}) } }),
  ),
  reservations: paged(
    'reservations',
    (api, r) =>
      api.getReservations({
        changedSince: r.changedSince ?? null,
        from: r.from ?? null,
        to: null,
        pageIndex: r.pageIndex,
        pageSize: r.pageSize,
      }),
    (put, remove) => ({ reservations: { put, ...(remove ? { delete: remove } : {}) } }),
  ),
  tickets: paged(
    'tickets',
    (api, r) =>
      api.getTickets({
        changedSince: r.changedSince ?? null,
        pageIndex: r.pageIndex,
        pageSize: r.pageSize,
      }),
    (put, remove) => ({ tickets: { put, ...(remove ? { delete: remove } : {}) } }),
  ),
};

/** The adapter of a paged kind, typed by the kind. */
export function adapterOf<K extends KeyedKind>(kind: K): PagedKindAdapter<K> {
  return ADAPTERS[kind];
}
