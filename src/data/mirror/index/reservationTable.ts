import type { Reservation } from '../../../domain/models';
import type { FoundPage, ReservationFind, ReservationOrder } from '../types';
import { fingerprint, instant, normalizedList, pageOf, type Order } from './keysetPaging';
import { GroupIndex, RecordTable } from './recordTable';
import { lowerBound, SortedBucket } from './sortedBucket';

interface ReservationEntry {
  readonly record: Reservation;
  readonly id: number;
  readonly startMs: number;
}

const START_ORDER: Order<ReservationEntry> = {
  name: 'START',
  shape: ['number', 'number'],
  key: (e) => [e.startMs, e.id],
  compare: (a, b) => a.startMs - b.startMs || a.id - b.id,
};

const ID_ORDER: Order<ReservationEntry> = {
  name: 'ID',
  shape: ['number'],
  key: (e) => [e.id],
  compare: (a, b) => a.id - b.id,
};

const RESERVATION_ORDERS: readonly ReservationOrder[] = ['START', 'ID'];

/** The part of a START-ordered list whose start lies in `[from, to)`. */
function startingWithin(
  byStart: readonly ReservationEntry[],
  from: number | undefined,
  to: number | undefined,
): readonly ReservationEntry[] {
  if (from === undefined && to === undefined) return byStart;
  const lo = from === undefined ? 0 : lowerBound(byStart, (e) => e.startMs < from);
  const hi = to === undefined ? byStart.length : lowerBound(byStart, (e) => e.startMs < to);
  return lo < hi ? byStart.slice(lo, hi) : [];
}

/**
 * Reservations by id, ordered by start and by id, and by station and by customer (each by
 * start): a station's day is two binary searches in its bucket.
 */
export class ReservationTable extends RecordTable<'reservations', ReservationEntry> {
  private readonly byStart = new SortedBucket(START_ORDER.compare);
  private readonly byId = new SortedBucket(ID_ORDER.compare);
  private readonly byStation = new GroupIndex<number, ReservationEntry>(START_ORDER.compare);
  private readonly byCustomer = new GroupIndex<number, ReservationEntry>(START_ORDER.compare);

  constructor() {
    super('reservations');
  }

  protected entryOf(record: Reservation): ReservationEntry {
    return { record, id: record.id, startMs: record.start.getTime() };
  }

  protected placements(entry: ReservationEntry): SortedBucket<ReservationEntry>[] {
    const buckets = [this.byStart, this.byId, this.byStation.bucket(entry.record.stationNumber)];
    const customer = entry.record.customerNumber;
    if (customer !== null) buckets.push(this.byCustomer.bucket(customer));
    return buckets;
  }

  protected groups(): GroupIndex<unknown, ReservationEntry>[] {
    return [this.byStation, this.byCustomer] as GroupIndex<unknown, ReservationEntry>[];
  }

  protected clearBuckets(): void {
    this.byStart.clear();
    this.byId.clear();
  }

  ofCustomer(customerNumber: number): Reservation[] {
    return this.byCustomer.view(customerNumber).map((e) => e.record);
  }

  find(find: ReservationFind): FoundPage<Reservation> {
    const orderBy = find.orderBy ?? 'START';
    if (!RESERVATION_ORDERS.includes(orderBy)) {
      throw new RangeError(
        `orderBy: ${String(orderBy)} is not allowed; expected one of ${RESERVATION_ORDERS.join(', ')}`,
      );
    }
    const ids = normalizedList(find.ids);
    const station = find.stationNumber || undefined;
    const customers = normalizedList(find.customerNumbers);
    const from = instant('from', find.from);
    const to = instant('to', find.to);
    const statuses = normalizedList(find.statuses);
    const since = instant('changedSince', find.changedSince);
    const print = fingerprint('reservations', orderBy, {
      ids: ids ?? null,
      station: station ?? null,
      customers: customers ?? null,
      from: from ?? null,
      to: to ?? null,
      statuses: statuses ?? null,
      changedSince: since ?? null,
    });
    const order = orderBy === 'ID' ? ID_ORDER : START_ORDER;

    // The narrowest source first; `sourceOrder` says which order it is already in.
    let source: readonly ReservationEntry[];
    let sourceOrder: Order<ReservationEntry> | null = START_ORDER;
    if (ids) {
      source = ids.flatMap((id) => this.entries.get(id) ?? []);
      sourceOrder = ID_ORDER;
    } else if (customers) {
      source = startingWithin(
        customers.length === 1
          ? this.byCustomer.view(customers[0])
          : customers.flatMap((c) => this.byCustomer.view(c)).sort(START_ORDER.compare),
        from,
        to,
      );
    } else if (station !== undefined) {
      source = startingWithin(this.byStation.view(station), from, to);
    } else if (from !== undefined || to !== undefined) {
      source = startingWithin(this.byStart.view(), from, to);
    } else if (statuses || since !== undefined) {
      // Insertion order is about the order in memory: scanning in it and sorting the matches
      // beats walking 150,000 entries in start order through the heap.
      source = [...this.entries.values()];
      sourceOrder = null;
    } else {
      source = (orderBy === 'ID' ? this.byId : this.byStart).view();
      sourceOrder = order;
    }

    const idSet = ids && new Set(ids);
    const customerSet = customers && new Set(customers);
    const statusSet = statuses && new Set(statuses);
    const filtered =
      ids ||
      customers ||
      station !== undefined ||
      statuses ||
      since !== undefined ||
      from !== undefined ||
      to !== undefined
        ? source.filter((e) => {
            const r = e.record;
            return (
              (!idSet || idSet.has(r.id)) &&
              (station === undefined || r.stationNumber === station) &&
              (!customerSet || (r.customerNumber !== null && customerSet.has(r.customerNumber))) &&
              (from === undefined || e.startMs >= from) &&
              (to === undefined || e.startMs < to) &&
              (!statusSet || statusSet.has(r.status)) &&
              (since === undefined || r.changed.getTime() >= since)
            );
          })
        : null;
    const matched =
      sourceOrder === order ? (filtered ?? source) : (filtered ?? [...source]).sort(order.compare);
    return pageOf(matched, order, find, print, 'reservations', (e) => e.record);
  }
}
