import { Licence, OperationName, OPERATIONS } from './contract';
import { WireRecord, WireValue } from './codec';
import { CustomerRow, ReservationRow, Store, TicketRow } from './store';
import { truncateToSecond } from './time';
import {
  customerProblem,
  filterListProblem,
  outOfRange,
  pagingProblem,
  reservationProblem,
  ticketProblem,
} from './validation';

/** A token pair Hypersoft issued, with the licences booked for it (§4). */
export interface TokenPair {
  cusToken: string;
  authToken: string;
  licences: Array<Licence>;
}

/** Status codes of docs/api300-contract.md §5. */
export const StatusCode = {
  OK: 0,
  INVALID_TOKEN: 10,
  BLOCKED: 11,
  LICENCE_MISSING: 20,
  VALIDATION: 30,
  TOO_MANY_RECORDS: 31,
  NOT_FOUND: 40,
  CONFLICT: 41,
  INTERNAL: 99,
} as const;

const LICENCE_NAMES: Record<Licence, string> = {
  customers: 'customer master licence with Interface 55 (MOBILE PEOPLE customer data API)',
  reservations: 'Interface 56 (MOBILE PEOPLE reservation API)',
  tickets: 'ticketing licence',
};

/** Most records one `Set*` upload may carry (§3). */
export const MAX_UPLOAD_RECORDS = 500;

class StatusError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

const fail = (code: number, message: string): never => {
  throw new StatusError(code, message);
};

export interface CallContext {
  /** The limiter blocked the pair, possibly with this very call (§3). */
  blocked: boolean;
  /** Fault knob: answer every authorised call with this code and do nothing. */
  forcedStatusCode: number | null;
}

/**
 * The operations of docs/api300-contract.md §8 over the store. Checks run in the order tokens (10),
 * block (11), licence (20), then the operation's own validation (30/31) before anything is
 * written, so a refused call changes nothing.
 */
export class Api300Service {
  constructor(
    private readonly store: () => Store,
    private readonly clock: () => number,
    private readonly tokens: () => readonly TokenPair[],
  ) {}

  findTokenPair(cusToken: unknown, authToken: unknown): TokenPair | undefined {
    return this.tokens().find((t) => t.cusToken === cusToken && t.authToken === authToken);
  }

  execute(operation: OperationName, params: WireRecord, context: CallContext): WireRecord {
    try {
      const pair = this.findTokenPair(params.CusToken, params.AuthToken);
      if (!pair)
        fail(StatusCode.INVALID_TOKEN, 'Invalid token pair: CusToken and AuthToken are not known.');
      if (context.blocked) {
        fail(
          StatusCode.BLOCKED,
          'Token blocked: more than 60 calls within 60 seconds. Only Hypersoft can reactivate it.',
        );
      }
      const licence = OPERATIONS[operation].licence;
      if (licence && !pair!.licences.includes(licence)) {
        fail(StatusCode.LICENCE_MISSING, `Licence missing: ${LICENCE_NAMES[licence]}.`);
      }
      if (context.forcedStatusCode !== null && context.forcedStatusCode !== StatusCode.OK) {
        fail(
          context.forcedStatusCode,
          `Status ${context.forcedStatusCode} forced by the simulator's fault knob.`,
        );
      }
      return { Status: this.status(StatusCode.OK, 'OK'), ...this.run(operation, params) };
    } catch (error) {
      if (!(error instanceof StatusError)) throw error;
      // Fields left out (e.g. TotalCount) are written as their .NET defaults by the codec.
      return { Status: this.status(error.code, error.message) };
    }
  }

  private status(code: number, message: string): WireRecord {
    return { Code: code, Message: message, ServerDateTime: truncateToSecond(this.clock()) };
  }

  private run(operation: OperationName, p: WireRecord): WireRecord {
    const store = this.store();
    switch (operation) {
      case 'ServerDateTime':
        return {};
      case 'GetStations':
        return { Stations: store.stations.map((s) => ({ ...s })) };
      case 'GetCustomer': {
        const customer = store.customers.get(p.CustomerNumber as number);
        if (!customer) fail(StatusCode.NOT_FOUND, `Customer ${p.CustomerNumber} not found.`);
        return { Customer: customer! };
      }
      case 'GetCustomers':
        return this.getCustomers(store, p);
      case 'SetCustomer': {
        const stored = this.setCustomer(store, p.Customer as CustomerRow | null);
        if (typeof stored === 'string') fail(StatusCode.VALIDATION, stored);
        return { Customer: stored };
      }
      case 'SetCustomers':
        return {
          Results: this.setEach(
            p.Customers,
            'Customers',
            (row) => this.setCustomer(store, row as CustomerRow | null),
            'CustomerNumber',
          ),
        };
      case 'GetReservations':
        return this.getReservations(store, p);
      case 'SetReservation': {
        const stored = this.setReservation(store, p.Reservation as ReservationRow | null);
        if (typeof stored === 'string') fail(StatusCode.VALIDATION, stored);
        if (stored === null)
          fail(
            StatusCode.NOT_FOUND,
            `Reservation ${(p.Reservation as ReservationRow).ReservationID} not found.`,
          );
        return { Reservation: stored };
      }
      case 'SetReservations':
        return {
          Results: this.setEach(
            p.Reservations,
            'Reservations',
            (row) => this.setReservation(store, row as ReservationRow | null),
            'ReservationID',
          ),
        };
      case 'GetTickets':
        return this.getTickets(store, p);
      case 'SetTicket': {
        const stored = this.setTicket(store, p.Ticket as TicketRow | null);
        if (typeof stored === 'string') fail(StatusCode.VALIDATION, stored);
        return { Ticket: stored };
      }
      case 'RedeemTicket':
        return {
          Ticket: this.redeemTicket(
            store,
            p.TicketNumber as string | null,
            p.StationNumber as number,
          ),
        };
    }
  }

  /**
   * Each record of an upload stands alone: a refused record gets its Code and Message and the
   * rest go on. More than 500 records refuse the whole call (Code 31) before any is stored.
   */
  private setEach(
    list: WireValue,
    field: string,
    set: (row: WireValue) => WireRecord | string | null,
    numberField: string,
  ): WireRecord[] {
    const rows = (list as WireValue[] | null) ?? [];
    if (rows.length > MAX_UPLOAD_RECORDS) {
      fail(
        StatusCode.TOO_MANY_RECORDS,
        `${field}: ${rows.length} records, at most ${MAX_UPLOAD_RECORDS} per call.`,
      );
    }
    if (rows.length === 0)
      fail(StatusCode.VALIDATION, outOfRange(`${field} (number of records)`, 0, '1..500'));
    return rows.map((row, index) => {
      const stored = set(row);
      if (typeof stored === 'string')
        return { Index: index, Number: 0, Code: StatusCode.VALIDATION, Message: stored };
      if (stored === null)
        return {
          Index: index,
          Number: 0,
          Code: StatusCode.NOT_FOUND,
          Message: 'Record not found.',
        };
      return {
        Index: index,
        Number: stored[numberField] as number,
        Code: StatusCode.OK,
        Message: 'OK',
      };
    });
  }

  private now(): number {
    return truncateToSecond(this.clock());
  }

  /** Full overwrite (§7); CustomerNumber 0 creates, an unknown number is created under it. */
  private setCustomer(store: Store, input: CustomerRow | null): CustomerRow | string {
    if (!input) return outOfRange('Customer', 'nil', 'a Customer record');
    const problem = customerProblem(input, store);
    if (problem) return problem;
    const number = input.CustomerNumber || store.allocateCustomerNumber();
    const now = this.now();
    const row: CustomerRow = {
      ...input,
      CustomerNumber: number,
      Created: store.customers.get(number)?.Created ?? now,
      Changed: now,
    };
    store.putCustomer(row);
    return row;
  }

  /** Full overwrite; ReservationID 0 creates, an unknown ID is `null` (Code 40). */
  private setReservation(
    store: Store,
    input: ReservationRow | null,
  ): ReservationRow | string | null {
    if (!input) return outOfRange('Reservation', 'nil', 'a Reservation record');
    const problem = reservationProblem(input, store);
    if (problem) return problem;
    const existing =
      input.ReservationID === 0 ? undefined : store.reservations.get(input.ReservationID);
    if (input.ReservationID !== 0 && !existing) return null;
    const now = this.now();
    const row: ReservationRow = {
      ...input,
      ReservationID: existing?.ReservationID ?? store.allocateReservationId(),
      Created: existing?.Created ?? now,
      Changed: now,
    };
    store.putReservation(row);
    return row;
  }

  /** Issues (empty or unknown TicketNumber) or overwrites a whole ticket. */
  private setTicket(store: Store, input: TicketRow | null): TicketRow | string {
    if (!input) return outOfRange('Ticket', 'nil', 'a Ticket record');
    const problem = ticketProblem(input, store);
    if (problem) return problem;
    const number = input.TicketNumber || store.allocateTicketNumber();
    const now = this.now();
    const row: TicketRow = {
      ...input,
      TicketNumber: number,
      Created: store.tickets.get(number)?.Created ?? now,
      Changed: now,
    };
    store.putTicket(row);
    return row;
  }

  private redeemTicket(
    store: Store,
    ticketNumber: string | null,
    stationNumber: number,
  ): TicketRow {
    if (!store.stationExists(stationNumber)) {
      fail(
        StatusCode.VALIDATION,
        outOfRange(
          'StationNumber',
          stationNumber,
          `one of ${store.stations.map((s) => s.StationNumber).join(', ')}`,
        ),
      );
    }
    const ticket = ticketNumber ? store.tickets.get(ticketNumber) : undefined;
    if (!ticket) return fail(StatusCode.NOT_FOUND, `Ticket '${ticketNumber ?? ''}' not found.`);
    const now = this.now();
    if (ticket.Status === 1)
      fail(StatusCode.CONFLICT, `Ticket '${ticketNumber}' is already redeemed.`);
    if (ticket.Status === 2) fail(StatusCode.CONFLICT, `Ticket '${ticketNumber}' is cancelled.`);
    if (now < ticket.ValidFrom || now > ticket.ValidTo)
      fail(StatusCode.CONFLICT, `Ticket '${ticketNumber}' is outside its validity.`);
    const row: TicketRow = {
      ...ticket,
      Status: 1,
      RedeemedAt: now,
      RedeemedStation: stationNumber,
      Changed: now,
    };
    store.putTicket(row);
    return row;
  }

  private getCustomers(store: Store, p: WireRecord): WireRecord {
    const numbers = p.CustomerNumbers as number[] | null;
    const problem =
      filterListProblem('CustomerNumbers', numbers) ??
      pagingProblem(p.PageIndex as number, p.PageSize as number);
    if (problem) fail(StatusCode.VALIDATION, problem);
    const numberSet = numbers && numbers.length > 0 ? new Set(numbers) : null;
    const search = (p.SearchText as string | null)?.trim().toLowerCase() || null;
    const since = p.ChangedSince as number | null;
    const matches = [...store.customers.values()]
      .filter(
        (c) =>
          (!numberSet || numberSet.has(c.CustomerNumber)) &&
          (since === null || c.Changed >= since) &&
          (!search ||
            [
              c.Name,
              c.FirstName,
              c.Company,
              c.Email,
              c.PhonePrivate,
              c.PhoneBusiness,
              c.Mobile,
              c.CardNumber,
            ].some((v) => v?.toLowerCase().includes(search))),
      )
      .sort((a, b) => a.CustomerNumber - b.CustomerNumber);
    return { Customers: page(matches, p), TotalCount: matches.length };
  }

  private getReservations(store: Store, p: WireRecord): WireRecord {
    const ids = p.ReservationIDs as number[] | null;
    const customers = p.CustomerNumbers as number[] | null;
    const problem =
      filterListProblem('ReservationIDs', ids) ??
      filterListProblem('CustomerNumbers', customers) ??
      pagingProblem(p.PageIndex as number, p.PageSize as number);
    if (problem) fail(StatusCode.VALIDATION, problem);
    const idSet = ids && ids.length > 0 ? new Set(ids) : null;
    const customerSet = customers && customers.length > 0 ? new Set(customers) : null;
    const station = p.StationNumber as number;
    const from = p.From as number | null;
    const to = p.To as number | null;
    const since = p.ChangedSince as number | null;
    const matches = [...store.reservations.values()]
      .filter(
        (r) =>
          (!idSet || idSet.has(r.ReservationID)) &&
          (station === 0 || r.StationNumber === station) &&
          (!customerSet || customerSet.has(r.CustomerNumber)) &&
          (from === null || r.Start >= from) &&
          (to === null || r.Start < to) &&
          (since === null || r.Changed >= since),
      )
      .sort((a, b) => a.ReservationID - b.ReservationID);
    return { Reservations: page(matches, p), TotalCount: matches.length };
  }

  private getTickets(store: Store, p: WireRecord): WireRecord {
    const numbers = p.TicketNumbers as string[] | null;
    const customers = p.CustomerNumbers as number[] | null;
    const reservations = p.ReservationIDs as number[] | null;
    const problem =
      filterListProblem('TicketNumbers', numbers) ??
      filterListProblem('CustomerNumbers', customers) ??
      filterListProblem('ReservationIDs', reservations) ??
      pagingProblem(p.PageIndex as number, p.PageSize as number);
    if (problem) fail(StatusCode.VALIDATION, problem);
    const numberSet = numbers && numbers.length > 0 ? new Set(numbers) : null;
    const customerSet = customers && customers.length > 0 ? new Set(customers) : null;
    const reservationSet = reservations && reservations.length > 0 ? new Set(reservations) : null;
    const since = p.ChangedSince as number | null;
    const matches = [...store.tickets.values()]
      .filter(
        (t) =>
          (!numberSet || numberSet.has(t.TicketNumber)) &&
          (!customerSet || customerSet.has(t.CustomerNumber)) &&
          (!reservationSet || reservationSet.has(t.ReservationID)) &&
          (since === null || t.Changed >= since),
      )
      .sort((a, b) =>
        a.TicketNumber < b.TicketNumber ? -1 : a.TicketNumber > b.TicketNumber ? 1 : 0,
      );
    return { Tickets: page(matches, p), TotalCount: matches.length };
  }
}

function page<T>(rows: T[], p: WireRecord): T[] {
  const size = p.PageSize as number;
  const start = (p.PageIndex as number) * size;
  return rows.slice(start, start + size);
}
