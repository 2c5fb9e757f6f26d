import * as soap from 'soap';
import { existsSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { join } from 'node:path';
import { findProjectFile } from '../../platform/projectFile';
import { WireTimeError } from '../../domain/berlinTime';
import { Api300Error, codeForStatus } from '../errors';
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
import { Api300, Api300Operation } from './types';

/**
 * The API300 client: the only importer of `soap` in the product (DESIGN.md §2).
 *
 * Guarantees:
 * - the WSDL is read once, from the local file, never from the service (CONTRACT.md §1);
 * - every method is exactly one HTTP POST: no retries, no redirects, no WSDL fetch;
 * - every failure rejects with an `Api300Error` whose message names the operation and a
 *   fixed reason, never a token, a SOAP envelope or a fault text;
 * - replies that declare a DTD or entities are refused before any XML parser sees them
 *   (no external entities, no entity bombs).
 */
export interface Api300ClientOptions {
  /** `https://…/Service/API300.asmx`; replaces the WSDL's address. */
  endpoint: string;
  cusToken: string;
  authToken: string;
  /** Whole-call deadline per POST (connect, send, wait, read), in ms. */
  timeoutMs: number;
  /** `1.1` uses port `API300Soap`, `1.2` port `API300Soap12` with SOAP 1.2 headers. */
  soapVersion: '1.1' | '1.2';
  /** Default: `schema/upstream/API300.wsdl` of the project, found from `src/` and `dist/`. */
  wsdlPath?: string;
}

const WSDL_RELATIVE_PATH = join('schema', 'upstream', 'API300.wsdl');
const SERVICE = 'API300';
const PORTS = { '1.1': 'API300Soap', '1.2': 'API300Soap12' } as const;

/**
 * The largest reply read. A full page of 500 customers is about 1.5 MB; anything far
 * beyond is refused instead of buffered.
 */
const MAX_REPLY_BYTES = 32 * 1024 * 1024;

/** A DOCTYPE or ENTITY declaration anywhere in a reply (ASMX never sends one). */
const DECLARES_DTD = /<!\s*(?:DOCTYPE|ENTITY)/i;

/** The project root's WSDL, from `src/` and `dist/src/` alike. */
export function defaultWsdlPath(): string {
  return findProjectFile(WSDL_RELATIVE_PATH);
}

/** A failure below SOAP: the reason is safe to show; `retryable` as in `Api300Error`. */
class TransportFailure extends Error {
  override readonly name = 'TransportFailure';
  constructor(
    readonly reason: string,
    readonly retryable: boolean,
  ) {
    super(reason);
  }
}

/** The part of a reply node-soap reads. */
interface SoapHttpResponse {
  status: number;
  statusCode: number;
  headers: http.IncomingHttpHeaders;
}

/**
 * node-soap's transport, replaced: one POST per call on a keep-alive agent, a whole-call
 * timeout, a size cap, and the DTD check on the raw reply text, which is exactly the text
 * node-soap then parses. Replies other than 200 and 500 (ASMX sends faults with 500) never
 * reach node-soap.
 */
class GuardedHttpClient implements soap.IHttpClient {
  private readonly httpAgent = new http.Agent({ keepAlive: true });
  private readonly httpsAgent = new https.Agent({ keepAlive: true });

  constructor(private readonly timeoutMs: number) {}

  request(
    url: string,
    data: string,
    callback: (error: unknown, response?: SoapHttpResponse, body?: string) => void,
    headers: Record<string, string | number> = {},
  ): ReturnType<soap.IHttpClient['request']> {
    const target = new URL(url);
    const secure = target.protocol === 'https:';
    const body = Buffer.from(data, 'utf8');
    let settled = false;
    const settle = (
      error: TransportFailure | null,
      response?: SoapHttpResponse,
      text?: string,
    ): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      callback(error, response, text);
    };
    const request = (secure ? https : http).request(
      target,
      {
        method: 'POST',
        agent: secure ? this.httpsAgent : this.httpAgent,
        headers: { ...headers, 'Content-Length': body.length },
      },
      (reply) => {
        const chunks: Buffer[] = [];
        let size = 0;
        reply.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_REPLY_BYTES) {
            request.destroy();
            settle(new TransportFailure(`reply larger than ${MAX_REPLY_BYTES} bytes`, false));
          } else chunks.push(chunk);
        });
        reply.on('error', () =>
          settle(new TransportFailure('connection lost while reading the reply', true)),
        );
        reply.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = reply.statusCode ?? 0;
          if (DECLARES_DTD.test(text)) {
            settle(new TransportFailure('reply refused: it declares a DTD or entities', false));
          } else if (status !== 200 && status !== 500) {
            settle(new TransportFailure(`HTTP ${status}`, status >= 500));
          } else {
            settle(null, { status, statusCode: status, headers: reply.headers }, text);
          }
        });
      },
    );
    const timer = setTimeout(() => {
      request.destroy();
      settle(new TransportFailure(`no reply within ${this.timeoutMs} ms`, true));
    }, this.timeoutMs);
    request.on('error', (error: NodeJS.ErrnoException) =>
      settle(new TransportFailure(`network error${error.code ? ` ${error.code}` : ''}`, true)),
    );
    request.end(body);
    // node-soap ignores the return value of `request` (it works through the callback).
    return Promise.resolve() as unknown as ReturnType<soap.IHttpClient['request']>;
  }
}

/** `soap:Client`/`soap:Sender` faults blame the request: the same request fails again. */
function faultCodeOf(error: unknown): string | null {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- node-soap's parsed fault tree
  const fault = (error as any)?.root?.Envelope?.Body?.Fault;
  if (!fault) return null;
  const code: unknown =
    fault.faultcode?.$value ?? fault.faultcode ?? fault.Code?.Value?.$value ?? fault.Code?.Value;
  return typeof code === 'string' ? code : 'unknown';
}

function httpStatusOf(error: unknown): number | null {
  const status: unknown = (error as { response?: { status?: unknown } } | null)?.response?.status;
  return typeof status === 'number' ? status : null;
}

/** Any failure of the SOAP round trip → `UPSTREAM_UNAVAILABLE`, with a message safe to show. */
function unavailable(operation: Api300Operation, error: unknown): Api300Error {
  if (error instanceof TransportFailure) {
    return new Api300Error('UPSTREAM_UNAVAILABLE', `API300 ${operation} failed: ${error.reason}.`, {
      operation,
      retryable: error.retryable,
    });
  }
  const faultCode = faultCodeOf(error);
  const status = httpStatusOf(error);
  if (faultCode !== null) {
    const blamesRequest = /(^|:)(Client|Sender|VersionMismatch)$/.test(faultCode);
    return new Api300Error(
      'UPSTREAM_UNAVAILABLE',
      `API300 ${operation} failed: SOAP fault ${faultCode}.`,
      {
        operation,
        retryable: !blamesRequest,
      },
    );
  }
  const serverError = status !== null && status >= 500;
  return new Api300Error(
    'UPSTREAM_UNAVAILABLE',
    `API300 ${operation} failed: malformed reply${serverError ? ` (HTTP ${status})` : ''}.`,
    { operation, retryable: serverError },
  );
}

const MAX_STATUS_MESSAGE_LENGTH = 300;

export async function createApi300Client(options: Api300ClientOptions): Promise<Api300> {
  const endpoint = new URL(options.endpoint);
  if (endpoint.protocol !== 'http:' && endpoint.protocol !== 'https:') {
    throw new Error(`API300 endpoint must be an http(s) URL, not ${endpoint.protocol}`);
  }
  if (!(options.timeoutMs > 0))
    throw new Error(`API300 timeoutMs must be positive, not ${options.timeoutMs}`);
  const wsdlPath = options.wsdlPath ?? defaultWsdlPath();
  if (!existsSync(wsdlPath)) throw new Error(`API300 WSDL not found at ${wsdlPath}`);

  const client = await soap.createClientAsync(wsdlPath, {
    endpoint: endpoint.href,
    forceSoap12Headers: options.soapVersion === '1.2',
    httpClient: new GuardedHttpClient(options.timeoutMs),
    // node-soap caches a WSDL by path and lets each client overwrite its options (the SOAP
    // version among them): two clients of different versions would share one.
    disableCache: true,
    handleNilAsNull: true,
    // node-soap would read `dateTime` as `new Date(text)`, i.e. in the process's zone.
    customDeserializer: { dateTime: (text: string) => text },
  });
  type SoapMethod = (
    args: WireRecord,
    callback: (error: unknown, result: WireRecord | null) => void,
  ) => void;
  const port = (client as unknown as Record<string, Record<string, Record<string, SoapMethod>>>)[
    SERVICE
  ]?.[PORTS[options.soapVersion]];
  if (!port)
    throw new Error(`API300 WSDL ${wsdlPath} has no port ${SERVICE}/${PORTS[options.soapVersion]}`);

  const secrets = [options.cusToken, options.authToken].filter((s) => s.length > 0);
  const withoutSecrets = (text: string): string =>
    secrets
      .reduce((clean, secret) => clean.split(secret).join('[redacted]'), text)
      .slice(0, MAX_STATUS_MESSAGE_LENGTH);

  /** Builds the request; a value that cannot be sent fails here, before any POST. */
  const request = (operation: Api300Operation, build: () => WireRecord): WireRecord => {
    try {
      return { CusToken: options.cusToken, AuthToken: options.authToken, ...build() };
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

  /** One POST; resolves with the `XResult` element when `Status.Code` is 0. */
  const call = async (
    operation: Api300Operation,
    parameters: () => WireRecord = () => ({}),
  ): Promise<WireRecord> => {
    const args = request(operation, parameters);
    const method = port[operation];
    let response: WireRecord | null;
    try {
      response = await new Promise<WireRecord | null>((resolve, reject) =>
        method(args, (error, reply) => (error ? reject(error) : resolve(reply))),
      );
    } catch (error) {
      throw unavailable(operation, error);
    }
    // node-soap hands over `<XResponse>`; the result is its one child `<XResult>`.
    const result = response?.[`${operation}Result`] as WireRecord | null | undefined;
    const status = readReply(operation, () => statusFromWire(result));
    if (status.code !== 0) {
      const detail = status.message ? `: ${withoutSecrets(status.message)}` : '';
      throw new Api300Error(
        codeForStatus(status.code),
        `API300 ${operation} answered Status.Code ${status.code}${detail}`,
        {
          statusCode: status.code,
          operation,
        },
      );
    }
    return result as WireRecord;
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
          {
            operation,
            retryable: false,
          },
        );
      }
      throw error;
    }
  };

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
        (r) => listFromWire(r, 'Results', 'SetResult', setResultFromWire),
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
        (r) => listFromWire(r, 'Results', 'SetResult', setResultFromWire),
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
