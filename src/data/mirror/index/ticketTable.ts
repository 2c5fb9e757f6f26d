import type { Ticket } from '../../../domain/models';
import type { FoundPage, TicketFind, TicketOrder } from '../types';
import {
  compareText,
  fingerprint,
  instant,
  normalizedList,
  pageOf,
  type Order,
} from './keysetPaging';
import { GroupIndex, RecordTable } from './recordTable';
import { SortedBucket } from './sortedBucket';

interface TicketEntry {
  readonly record: Ticket;
  readonly number: string;
  readonly validFromMs: number;
}

const NUMBER_ORDER: Order<TicketEntry> = {
  name: 'NUMBER',
  shape: ['string'],
  key: (e) => [e.number],
  compare: (a, b) => compareText(a.number, b.number),
};

const VALID_FROM_ORDER: Order<TicketEntry> = {
  name: 'VALID_FROM',
  shape: ['number', 'string'],
  key: (e) => [e.validFromMs, e.number],
  compare: (a, b) => a.validFromMs - b.validFromMs || compareText(a.number, b.number),
};

const TICKET_ORDERS: readonly TicketOrder[] = ['NUMBER', 'VALID_FROM'];

/** Tickets by number, ordered by number and by validity start, and by customer and by reservation (each by number). */
export class TicketTable extends RecordTable<'tickets', TicketEntry> {
  private readonly byNumber = new SortedBucket(NUMBER_ORDER.compare);
  private readonly byValidFrom = new SortedBucket(VALID_FROM_ORDER.compare);
  private readonly byCustomer = new GroupIndex<number, TicketEntry>(NUMBER_ORDER.compare);
  private readonly byReservation = new GroupIndex<number, TicketEntry>(NUMBER_ORDER.compare);

  constructor() {
    super('tickets');
  }

  protected entryOf(record: Ticket): TicketEntry {
    return { record, number: record.number, validFromMs: record.validFrom.getTime() };
  }

  protected placements(entry: TicketEntry): SortedBucket<TicketEntry>[] {
    const buckets = [this.byNumber, this.byValidFrom];
    const { customerNumber, reservationId } = entry.record;
    if (customerNumber !== null) buckets.push(this.byCustomer.bucket(customerNumber));
    if (reservationId !== null) buckets.push(this.byReservation.bucket(reservationId));
    return buckets;
  }

  protected groups(): GroupIndex<unknown, TicketEntry>[] {
    return [this.byCustomer, this.byReservation] as GroupIndex<unknown, TicketEntry>[];
  }

  protected clearBuckets(): void {
    this.byNumber.clear();
    this.byValidFrom.clear();
  }

  ofCustomer(customerNumber: number): Ticket[] {
    return this.byCustomer.view(customerNumber).map((e) => e.record);
  }

  ofReservation(reservationId: number): Ticket[] {
    return this.byReservation.view(reservationId).map((e) => e.record);
  }

  find(find: TicketFind): FoundPage<Ticket> {
    const orderBy = find.orderBy ?? 'NUMBER';
    if (!TICKET_ORDERS.includes(orderBy)) {
      throw new RangeError(
        `orderBy: ${String(orderBy)} is not allowed; expected one of ${TICKET_ORDERS.join(', ')}`,
      );
    }
    const numbers = normalizedList(find.numbers);
    const customers = normalizedList(find.customerNumbers);
    const reservations = normalizedList(find.reservationIds);
    const statuses = normalizedList(find.statuses);
    const since = instant('changedSince', find.changedSince);
    const print = fingerprint('tickets', orderBy, {
      numbers: numbers ?? null,
      customers: customers ?? null,
      reservations: reservations ?? null,
      statuses: statuses ?? null,
      changedSince: since ?? null,
    });
    const order = orderBy === 'VALID_FROM' ? VALID_FROM_ORDER : NUMBER_ORDER;

    let source: readonly TicketEntry[];
    let sourceOrder: Order<TicketEntry> | null = NUMBER_ORDER;
    if (numbers) {
      source = numbers.flatMap((n) => this.entries.get(n) ?? []);
    } else if (customers) {
      source = customers.flatMap((c) => this.byCustomer.view(c));
      if (customers.length > 1) sourceOrder = null;
    } else if (reservations) {
      source = reservations.flatMap((r) => this.byReservation.view(r));
      if (reservations.length > 1) sourceOrder = null;
    } else if (statuses || since !== undefined) {
      // Insertion order is about the order in memory (see reservations).
      source = [...this.entries.values()];
      sourceOrder = null;
    } else {
      source = (order === VALID_FROM_ORDER ? this.byValidFrom : this.byNumber).view();
      sourceOrder = order;
    }

    const numberSet = numbers && new Set(numbers);
    const customerSet = customers && new Set(customers);
    const reservationSet = reservations && new Set(reservations);
    const statusSet = statuses && new Set(statuses);
    const filtered =
      numbers || customers || reservations || statuses || since !== undefined
        ? source.filter((e) => {
            const t = e.record;
            return (
              (!numberSet || numberSet.has(t.number)) &&
              (!customerSet || (t.customerNumber !== null && customerSet.has(t.customerNumber))) &&
              (!reservationSet ||
                (t.reservationId !== null && reservationSet.has(t.reservationId))) &&
              (!statusSet || statusSet.has(t.status)) &&
              (since === undefined || t.changed.getTime() >= since)
            );
          })
        : null;
    const matched =
      sourceOrder === order ? (filtered ?? source) : (filtered ?? [...source]).sort(order.compare);
    return pageOf(matched, order, find, print, 'tickets', (e) => e.record);
  }
}
