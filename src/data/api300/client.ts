import { WireTimeError } from '../../domain/berlinTime';
import { Api300Error, codeForStatus } from '../errors';
import { createJsonTransport } from './jsonTransport';
import {
  WireRecord,
  WireShapeError,
  customerFromWire,
  customerQueryToWire,
  customerToWire,
  listFromWire,
  pageFromWire,
  recordFromWire,
  redemptionToWire,
  reservationFromWire,
  reservationQueryToWire,
  reservationToWire,
  serverDateTimeFromWire,
  setResultFromWire,
  stationFromWire,
  statusFromWire,
  ticketFromWire,
  ticketQueryToWire,
  ticketToWire,
} from './mapping';
import { createSoapTransport } from './soapTransport';
import { Api300Transport, Api300TransportName } from './transport';
import { Api300, Api300Operation, Api300Page } from './types';

/**
 * The API300 client: the typed operations (one method per operation), over one transport
 * (transport.ts: SOAP 1.1, SOAP 1.2 or JSON mode, each behind the transport guard).
 *
 * Guarantees, whatever the transport:
 * - every method is exactly one HTTP POST: no retries, no redirects, no WSDL fetch;
 * - a value that cannot be sent fails with `UPSTREAM_VALIDATION` before any POST;
 * - `Status.Code` ≠ 0 rejects with the typed error of that code (src/data/errors.ts), its
 *   message with the tokens blanked out;
 * - every other failure rejects with an `Api300Error` whose message names the operation and a
 *   fixed reason, never a token, an envelope or a server text;
 * - a list page is mapped in slices of `RECORDS_PER_SLICE` records with the event loop let
 *   through between slices, so a bulk read (the mirror's initial load: 100 pages of 500)
 *   does not hold up the requests being served meanwhile.
 */
export interface Api300ClientOptions {
  /** `https://…/Service/API300.asmx`; replaces the WSDL's address. */
  endpoint: string;
  cusToken: string;
  authToken: string;
  /** Whole-call deadline per POST (connect, send, wait, read), in ms. */
  timeoutMs: number;
  /** How to reach API300 (`API300_TRANSPORT`); the trade-offs are in docs/api300-client.md. */
  transport: Api300TransportName;
  /** Default: `schema/upstream/API300.wsdl` of the project, found from `src/` and `dist/`. */
  wsdlPath?: string;
}

const MAX_STATUS_MESSAGE_LENGTH = 300;

/**
 * Records of a list page mapped in one go. A 500-record customer page costs ~10 ms of mapping
 * (bench/transports.ts); a fifth of it is short enough to sit between two hot reads.
 */
export const RECORDS_PER_SLICE = 100;

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export async function createApi300Client(options: Api300ClientOptions): Promise<Api300> {
  const { endpoint, timeoutMs, wsdlPath } = options;
  const transport =
    options.transport === 'json'
      ? createJsonTransport({ endpoint, timeoutMs, wsdlPath })
      : await createSoapTransport({
          endpoint,
          timeoutMs,
          wsdlPath,
          soapVersion: options.transport === 'soap12' ? '1.2' : '1.1',
        });
  return api300Over(transport, options);
}

/** The typed operations over `transport`, calling with the token pair. */
export function api300Over(
  transport: Api300Transport,
  tokens: { cusToken: string; authToken: string },
): Api300 {
  const secrets = [tokens.cusToken, tokens.authToken].filter((s) => s.length > 0);
  const withoutSecrets = (text: string): string =>
    secrets
      .reduce((clean, secret) => clean.split(secret).join('[redacted]'), text)
      .slice(0, MAX_STATUS_MESSAGE_LENGTH);

  /** Builds the request; a value that cannot be sent fails here, before any POST. */
  const request = (operation: Api300Operation, build: () => WireRecord): WireRecord => {
    try {
      return { CusToken: tokens.cusToken, AuthToken: tokens.authToken, ...build() };
    } catch (error) {
      if (error instanceof WireTimeError || error instanceof WireShapeError) {
        throw new Api300Error(
          'UPSTREAM_VALIDATION',
          `API300 ${operation} not called: ${error.message}.`,
          { operation },
        );
      }
      throw error;
    }
  };

  /** Maps a reply; a reply of the wrong shape is a malformed reply. */
  const readReply = <T>(operation: Api300Operation, read: () => T): T => {
    try {
      return read();
    } catch (error) {
      if (error instanceof WireShapeError || error instanceof WireTimeError) {
        throw new Api300Error(
          'UPSTREAM_UNAVAILABLE',
          `API300 ${operation} failed: malformed reply (${error.message}).`,
          { operation, retryable: false },
        );
      }
      throw error;
    }
  };

  /** One POST; resolves with the `XResult` element when `Status.Code` is 0. */
  const call = async (
    operation: Api300Operation,
    parameters: () => WireRecord = () => ({}),
  ): Promise<WireRecord> => {
    const result = await transport.call(operation, request(operation, parameters));
    const status = readReply(operation, () => statusFromWire(result));
    if (status.code !== 0) {
      const detail = status.message ? `: ${withoutSecrets(status.message)}` : '';
      throw new Api300Error(
        codeForStatus(status.code),
        `API300 ${operation} answered Status.Code ${status.code}${detail}`,
        { statusCode: status.code, operation },
      );
    }
    return result as WireRecord;
  };

  const get = async <T>(
    operation: Api300Operation,
    parameters: (() => WireRecord) | undefined,
    read: (result: WireRecord) => T,
  ): Promise<T> => {
    const result = await call(operation, parameters);
    return readReply(operation, () => read(result));
  };

  /**
   * A list read, mapped slice by slice: each slice goes through `pageFromWire` as a page of
   * its own (same `TotalCount`, same clock), and the slices are joined in order.
   */
  const getPage = async <T>(
    operation: Api300Operation,
    parameters: () => WireRecord,
    list: string,
    item: string,
    read: (w: WireRecord) => T,
  ): Promise<Api300Page<T>> => {
    const result = await call(operation, parameters);
    const container = result[list];
    const items =
      container && typeof container === 'object' && !Array.isArray(container)
        ? container[item]
        : undefined;
    if (!Array.isArray(items) || items.length <= RECORDS_PER_SLICE)
      return readReply(operation, () => pageFromWire(result, list, item, read));
    const slices: Api300Page<T>[] = [];
    for (let start = 0; start < items.length; start += RECORDS_PER_SLICE) {
      if (start > 0) await yieldToEventLoop();
      const slice = {
        ...result,
        [list]: { [item]: items.slice(start, start + RECORDS_PER_SLICE) },
      };
      slices.push(readReply(operation, () => pageFromWire(slice, list, item, read)));
    }
    return joinSlices(slices);
  };

  return {
    serverDateTime: () => get('ServerDateTime', undefined, serverDateTimeFromWire),
    getStations: () =>
      get('GetStations', undefined, (r) => listFromWire(r, 'Stations', 'Station', stationFromWire)),
    getCustomer: (number) =>
      get(
        'GetCustomer',
        () => ({ CustomerNumber: number }),
        (r) => recordFromWire(r, 'Customer', customerFromWire),
      ),
    getCustomers: (query) =>
      getPage(
        'GetCustomers',
        () => customerQueryToWire(query),
        'Customers',
        'Customer',
        customerFromWire,
      ),
    setCustomer: (customer) =>
      get(
        'SetCustomer',
        () => ({ Customer: customerToWire(customer) }),
        (r) => recordFromWire(r, 'Customer', customerFromWire),
      ),
    setCustomers: (customers) =>
      get(
        'SetCustomers',
        () => ({ Customers: { Customer: customers.map(customerToWire) } }),
        (r) => listFromWire(r, 'Results', 'SetResult', setResultFromWire),
      ),
    getReservations: (query) =>
      getPage(
        'GetReservations',
        () => reservationQueryToWire(query),
        'Reservations',
        'Reservation',
        reservationFromWire,
      ),
    setReservation: (reservation) =>
      get(
        'SetReservation',
        () => ({ Reservation: reservationToWire(reservation) }),
        (r) => recordFromWire(r, 'Reservation', reservationFromWire),
      ),
    setReservations: (reservations) =>
      get(
        'SetReservations',
        () => ({ Reservations: { Reservation: reservations.map(reservationToWire) } }),
        (r) => listFromWire(r, 'Results', 'SetResult', setResultFromWire),
      ),
    getTickets: (query) =>
      getPage('GetTickets', () => ticketQueryToWire(query), 'Tickets', 'Ticket', ticketFromWire),
    setTicket: (ticket) =>
      get(
        'SetTicket',
        () => ({ Ticket: ticketToWire(ticket) }),
        (r) => recordFromWire(r, 'Ticket', ticketFromWire),
      ),
    redeemTicket: (ticketNumber, stationNumber) =>
      get(
        'RedeemTicket',
        () => redemptionToWire(ticketNumber, stationNumber),
        (r) => recordFromWire(r, 'Ticket', ticketFromWire),
      ),
  };
}

/**
 * Slices of one page, joined: items in order; `totalCount` and `serverTime` are the page's
 * (every slice read the same); any other count a page carries (records skipped, say) adds up,
 * and any other list is concatenated.
 */
function joinSlices<T>(slices: Api300Page<T>[]): Api300Page<T> {
  const joined: Record<string, unknown> = { ...slices[0] };
  for (const [key, value] of Object.entries(slices[0])) {
    if (key === 'totalCount') continue;
    if (typeof value === 'number')
      joined[key] = slices.reduce(
        (sum, s) => sum + ((s as unknown as Record<string, number>)[key] ?? 0),
        0,
      );
    else if (Array.isArray(value))
      joined[key] = slices.flatMap((s) => (s as unknown as Record<string, unknown[]>)[key] ?? []);
  }
  return joined as unknown as Api300Page<T>;
}
