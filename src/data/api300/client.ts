import { WireTimeError } from '../../domain/berlinTime';
import { Api300Error } from '../errors';
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
import { createApi300ClientOffThread } from './clientThread';
import { recordFailure, statusError } from './refusals';
import { createSoapTransport } from './soapTransport';
import { Api300Transport, Api300TransportName } from './transport';
import { Api300, Api300Operation, SetResult } from './types';

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
 *   fixed reason, never a token, an envelope or a server text.
 *
 * Where it runs: by default in a worker thread (`thread`, clientThread.ts), because parsing
 * and mapping a 500-record page is synchronous — ~30 ms of CPU inside node-soap, ~5 ms in
 * JSON mode — and would otherwise hold the event loop of the requests being served
 * (bench/transports.ts, docs/api300-client.md).
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
  /**
   * Where the client runs. Default `worker`: in the process's API300 worker thread
   * (clientThread.ts), so that parsing and mapping replies never hold the main thread. `main`
   * runs it on the calling thread: no thread to start, for tools and tests that serve nothing.
   */
  thread?: 'worker' | 'main';
}

const MAX_STATUS_MESSAGE_LENGTH = 300;

export async function createApi300Client(options: Api300ClientOptions): Promise<Api300> {
  const { endpoint, cusToken, authToken, timeoutMs, wsdlPath } = options;
  if (options.thread !== 'main') {
    return createApi300ClientOffThread({
      endpoint,
      cusToken,
      authToken,
      timeoutMs,
      wsdlPath,
      transport: options.transport,
    });
  }
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
          { operation, retryable: false, sent: true, answered: true },
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
      throw statusError(operation, status.code, status.message && withoutSecrets(status.message));
    }
    return result as WireRecord;
  };

  /** Per-record outcomes, each record's Status code typed like a whole call's. */
  const setResults = (operation: Api300Operation, result: WireRecord): SetResult[] =>
    listFromWire(result, 'Results', 'SetResult', setResultFromWire).map((r) => ({
      index: r.index,
      number: r.code === 0 ? r.number : 0,
      error:
        r.code === 0
          ? null
          : recordFailure(operation, r.code, r.message && withoutSecrets(r.message)),
    }));

  const get = async <T>(
    operation: Api300Operation,
    parameters: (() => WireRecord) | undefined,
    read: (result: WireRecord) => T,
  ): Promise<T> => {
    const result = await call(operation, parameters);
    return readReply(operation, () => read(result));
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
      get(
        'GetCustomers',
        () => customerQueryToWire(query),
        (r) => pageFromWire(r, 'Customers', 'Customer', customerFromWire),
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
        (r) => setResults('SetCustomers', r),
      ),
    getReservations: (query) =>
      get(
        'GetReservations',
        () => reservationQueryToWire(query),
        (r) => pageFromWire(r, 'Reservations', 'Reservation', reservationFromWire),
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
        (r) => setResults('SetReservations', r),
      ),
    getTickets: (query) =>
      get(
        'GetTickets',
        () => ticketQueryToWire(query),
        (r) => pageFromWire(r, 'Tickets', 'Ticket', ticketFromWire),
      ),
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
