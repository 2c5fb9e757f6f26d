import type { Clock } from '../../src/platform/clock';
import { Api300Error } from '../../src/data/errors';
import type { Api300, Api300Operation, Api300Page, SetResult } from '../../src/data/api300/types';
import type {
  Customer,
  CustomerWrite,
  Reservation,
  ReservationWrite,
  Station,
  Ticket,
  TicketWrite,
} from '../../src/domain/models';
import type { CustomerQuery, ReservationQuery, TicketQuery } from '../../src/domain/queries';
import { makeCustomer, makeReservation, makeStation, makeTicket } from './fakeRepository';

/**
 * Test doubles of the data layer's unit tests (gate, cache, repository): a clock moved by hand
 * whose timers fire as time passes, and an in-memory `Api300` that records every call.
 */

/** Lets promise chains, `setImmediate` batches and the gate's queue run to rest. */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

export class ManualClock implements Clock {
  private timers: { at: number; seq: number; fn: () => void }[] = [];
  private seq = 0;

  constructor(private current = Date.parse('2026-03-02T12:00:00Z')) {}

  now = (): number => this.current;

  schedule(ms: number, fn: () => void): () => void {
    const timer = { at: this.current + Math.max(0, ms), seq: this.seq++, fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }

  /** Moves time forward by `ms`, firing due timers in order and letting their work settle. */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    for (;;) {
      await settle();
      const due = this.timers
        .filter((t) => t.at <= target)
        .sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.current = Math.max(this.current, due.at);
      due.fn();
    }
    this.current = target;
    await settle();
  }
}

export interface RecordedApiCall {
  operation: Api300Operation;
  at: number;
  args: unknown[];
}

/**
 * An `Api300` over in-memory records. `calls` lists every call with its arguments; `fail`
 * makes calls of one operation reject; `hold` parks calls until released (to keep them "in
 * flight" while a test looks at the queue).
 */
export class FakeApi300 implements Api300 {
  readonly calls: RecordedApiCall[] = [];
  customers = new Map<number, Customer>();
  reservations = new Map<number, Reservation>();
  tickets = new Map<string, Ticket>();
  stationList: Station[] = [makeStation(1), makeStation(2)];
  private failures = new Map<Api300Operation, unknown[]>();
  private held: (() => void)[] | null = null;

  constructor(private readonly clock: { now(): number }) {}

  withCustomers(...numbers: number[]): this {
    for (const n of numbers) this.customers.set(n, makeCustomer(n));
    return this;
  }

  /** The next calls of `operation` reject with these errors, one each. */
  fail(operation: Api300Operation, ...errors: unknown[]): this {
    this.failures.set(operation, [...(this.failures.get(operation) ?? []), ...errors]);
    return this;
  }

  /** Parks every call from now on until `release()`. */
  hold(): void {
    this.held ??= [];
  }

  release(): void {
    const parked = this.held ?? [];
    this.held = null;
    for (const go of parked) go();
  }

  count(operation?: Api300Operation): number {
    return operation
      ? this.calls.filter((c) => c.operation === operation).length
      : this.calls.length;
  }

  protected async record(operation: Api300Operation, args: unknown[]): Promise<void> {
    this.calls.push({ operation, at: this.clock.now(), args });
    const query = args[0] as
      | {
          numbers?: unknown[];
          ids?: unknown[];
          customerNumbers?: unknown[];
          reservationIds?: unknown[];
        }
      | undefined;
    for (const keys of [
      query?.numbers,
      query?.ids,
      query?.customerNumbers,
      query?.reservationIds,
    ]) {
      if (Array.isArray(keys) && keys.length > 500)
        throw new Error(`${operation} with ${keys.length} keys: API300 takes at most 500`);
    }
    if (this.held) await new Promise<void>((resolve) => this.held?.push(resolve));
    const failure = this.failures.get(operation)?.shift();
    if (failure !== undefined) throw failure;
  }

  async serverDateTime(): Promise<Date> {
    await this.record('ServerDateTime', []);
    return new Date(this.clock.now());
  }

  async getStations(): Promise<Station[]> {
    await this.record('GetStations', []);
    return this.stationList;
  }

  async getCustomer(number: number): Promise<Customer> {
    await this.record('GetCustomer', [number]);
    const found = this.customers.get(number);
    if (!found)
      throw new Api300Error('NOT_FOUND', `Customer ${number} not found`, { statusCode: 40 });
    return { ...found };
  }

  async getCustomers(query: CustomerQuery): Promise<Api300Page<Customer>> {
    await this.record('GetCustomers', [query]);
    const all = [...this.customers.values()].filter(
      (c) =>
        (!query.numbers?.length || query.numbers.includes(c.number)) &&
        (!query.searchText || (c.lastName ?? '').includes(query.searchText)),
    );
    return paged(all, query, this.clock.now());
  }

  async setCustomer(customer: CustomerWrite): Promise<Customer> {
    await this.record('SetCustomer', [customer]);
    const number = customer.number || Math.max(0, ...this.customers.keys()) + 1;
    const stored: Customer = {
      ...customer,
      number,
      created: new Date(this.clock.now()),
      changed: new Date(this.clock.now()),
    };
    this.customers.set(number, stored);
    return { ...stored };
  }

  async setCustomers(customers: readonly CustomerWrite[]): Promise<SetResult[]> {
    await this.record('SetCustomers', [customers]);
    return customers.map((c, index) => {
      this.customers.set(c.number, { ...c, created: new Date(0), changed: new Date(0) });
      return { index, number: c.number, error: null };
    });
  }

  async getReservations(query: ReservationQuery): Promise<Api300Page<Reservation>> {
    await this.record('GetReservations', [query]);
    const all = [...this.reservations.values()].filter(
      (r) =>
        (!query.ids?.length || query.ids.includes(r.id)) &&
        (!query.customerNumbers?.length ||
          (r.customerNumber !== null && query.customerNumbers.includes(r.customerNumber))),
    );
    return paged(all, query, this.clock.now());
  }

  async setReservation(reservation: ReservationWrite): Promise<Reservation> {
    await this.record('SetReservation', [reservation]);
    const id = reservation.id || Math.max(0, ...this.reservations.keys()) + 1;
    const stored: Reservation = {
      ...reservation,
      id,
      created: new Date(0),
      changed: new Date(this.clock.now()),
    };
    this.reservations.set(id, stored);
    return { ...stored };
  }

  async setReservations(reservations: readonly ReservationWrite[]): Promise<SetResult[]> {
    await this.record('SetReservations', [reservations]);
    return reservations.map((r, index) => ({ index, number: r.id, error: null }));
  }

  async getTickets(query: TicketQuery): Promise<Api300Page<Ticket>> {
    await this.record('GetTickets', [query]);
    const all = [...this.tickets.values()].filter(
      (t) =>
        (!query.numbers?.length || query.numbers.includes(t.number)) &&
        (!query.customerNumbers?.length ||
          (t.customerNumber !== null && query.customerNumbers.includes(t.customerNumber))) &&
        (!query.reservationIds?.length ||
          (t.reservationId !== null && query.reservationIds.includes(t.reservationId))),
    );
    return paged(all, query, this.clock.now());
  }

  async setTicket(ticket: TicketWrite): Promise<Ticket> {
    await this.record('SetTicket', [ticket]);
    const stored: Ticket = { ...ticket, created: new Date(0), changed: new Date(this.clock.now()) };
    this.tickets.set(ticket.number, stored);
    return { ...stored };
  }

  async redeemTicket(ticketNumber: string, stationNumber: number): Promise<Ticket> {
    await this.record('RedeemTicket', [ticketNumber, stationNumber]);
    const ticket = this.tickets.get(ticketNumber);
    if (!ticket) throw new Api300Error('NOT_FOUND', 'no such ticket', { statusCode: 40 });
    const stored: Ticket = {
      ...ticket,
      status: 'REDEEMED',
      redeemedAt: new Date(this.clock.now()),
      redeemedStation: stationNumber,
    };
    this.tickets.set(ticketNumber, stored);
    return { ...stored };
  }
}

function paged<T>(
  all: T[],
  query: { pageIndex: number; pageSize: number },
  now: number,
): Api300Page<T> {
  const start = query.pageIndex * query.pageSize;
  return {
    items: all.slice(start, start + query.pageSize).map((x) => ({ ...x })),
    totalCount: all.length,
    serverTime: new Date(now),
  };
}

export { makeCustomer, makeReservation, makeStation, makeTicket };

export const blocked = () =>
  new Api300Error('UPSTREAM_BLOCKED', 'Token blocked', { statusCode: 11 });
export const timeout = () =>
  new Api300Error('UPSTREAM_UNAVAILABLE', 'Timed out', { retryable: true });
