import {
  ARRAYS,
  FieldSpec,
  NAMESPACE,
  OperationName,
  STRUCTS,
  isArray,
  isScalar,
  parametersOf,
} from '../../src/simulator/contract';
import { escapeXml } from '../../src/simulator/xml';
import {
  DEMO_TOKENS,
  FaultKnobs,
  RunningSimulator,
  SimulatorOptions,
  SimulatorStats,
  TokenPair,
  startSimulator,
} from '../../src/simulator';

/** Small data sets: startup and every list read stay fast in tests. */
export const SMALL_DATA = { customers: 60, reservations: 150, tickets: 40, stations: 3 } as const;

/** A clock tests move by hand; hand its `now` to the simulator. */
export interface TestClock {
  now: () => number;
  set(instant: number | string): void;
  advance(ms: number): void;
}

/** Starts at `start` (epoch ms or an ISO string with offset). Default 2026-11-29T18:30:00 Berlin. */
export function createTestClock(start: number | string = '2026-11-29T18:30:00+01:00'): TestClock {
  let current = typeof start === 'number' ? start : Date.parse(start);
  return {
    now: () => current,
    set: (instant) => {
      current = typeof instant === 'number' ? instant : Date.parse(instant);
    },
    advance: (ms) => {
      current += ms;
    },
  };
}

/** A simulator on a free port with small data; any option can be overridden. */
export function startTestSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  return startSimulator({ ...SMALL_DATA, ...options });
}

async function operator<T>(
  sim: RunningSimulator,
  method: string,
  action: string,
  body?: unknown,
): Promise<T> {
  const response = await fetch(`${sim.baseUrl}/__simulator/${action}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await response.json()) as T & { error?: string };
  if (!response.ok)
    throw new Error(`${method} /__simulator/${action}: ${response.status} ${json.error ?? ''}`);
  return json;
}

export const simulatorStats = (sim: RunningSimulator): Promise<SimulatorStats> =>
  operator(sim, 'GET', 'stats');

/** Clears counters and blocks; `data: true` also reseeds the data. Fault knobs stay. */
export const resetSimulator = (
  sim: RunningSimulator,
  options: { data?: boolean } = {},
): Promise<SimulatorStats> => operator(sim, 'POST', 'reset', options);

export const reactivateTokens = (
  sim: RunningSimulator,
  pair?: { cusToken: string; authToken: string },
): Promise<{ reactivated: Array<{ cusToken: string; authToken: string }> }> =>
  operator(sim, 'POST', 'reactivate', pair ?? {});

export const setFaults = (sim: RunningSimulator, knobs: Partial<FaultKnobs>): Promise<FaultKnobs> =>
  operator(sim, 'POST', 'faults', knobs);

export const clearFaults = (sim: RunningSimulator): Promise<FaultKnobs> =>
  operator(sim, 'DELETE', 'faults');

export interface RawResponse {
  status: number;
  contentType: string;
  body: string;
}

export type SoapVersion = '1.1' | '1.2';

const ENVELOPES: Record<SoapVersion, string> = {
  '1.1': 'http://schemas.xmlsoap.org/soap/envelope/',
  '1.2': 'http://www.w3.org/2003/05/soap-envelope',
};

export function soapEnvelope(version: SoapVersion, bodyXml: string): string {
  return (
    '<?xml version="1.0" encoding="utf-8"?>' +
    `<soap:Envelope xmlns:soap="${ENVELOPES[version]}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` +
    `<soap:Body>${bodyXml}</soap:Body></soap:Envelope>`
  );
}

/** POSTs any body with the headers of a SOAP `version` call for `action` (omit for none). */
export async function postSoap(
  sim: RunningSimulator,
  body: string,
  options: { version?: SoapVersion; action?: string | null; contentType?: string } = {},
): Promise<RawResponse> {
  const version = options.version ?? '1.1';
  const action = options.action === undefined ? null : options.action;
  const headers: Record<string, string> = {};
  if (version === '1.1') {
    headers['content-type'] = options.contentType ?? 'text/xml; charset=utf-8';
    if (action !== null) headers.soapaction = `"${NAMESPACE}${action}"`;
  } else {
    headers['content-type'] =
      options.contentType ??
      `application/soap+xml; charset=utf-8${action ? `; action="${NAMESPACE}${action}"` : ''}`;
  }
  const response = await fetch(sim.endpoint, { method: 'POST', headers, body });
  return {
    status: response.status,
    contentType: response.headers.get('content-type') ?? '',
    body: await response.text(),
  };
}

/**
 * Writes loose request values in contract order: strings and numbers as element text (so a
 * test can send a wrong type on purpose), `null` as `xsi:nil`, arrays and objects by the
 * contract's item names. Unlike the simulator's codec it never checks a value.
 */
function looseXml(spec: FieldSpec, value: unknown): string {
  if (value === undefined) return '';
  if (value === null) return `<${spec.name} xsi:nil="true" />`;
  if (isArray(spec.type)) {
    const { item, type } = ARRAYS[spec.type];
    return `<${spec.name}>${(value as unknown[]).map((v) => looseXml({ name: item, type }, v)).join('')}</${spec.name}>`;
  }
  if (!isScalar(spec.type)) {
    const record = value as Record<string, unknown>;
    return `<${spec.name}>${STRUCTS[spec.type].map((f) => looseXml(f, record[f.name])).join('')}</${spec.name}>`;
  }
  return `<${spec.name}>${escapeXml(String(value))}</${spec.name}>`;
}

export function operationXml(
  operation: OperationName,
  params: Record<string, unknown>,
  tokens: TokenPairLike = DEMO_TOKENS,
): string {
  const all: Record<string, unknown> = {
    CusToken: tokens.cusToken,
    AuthToken: tokens.authToken,
    ...params,
  };
  return `<${operation} xmlns="${NAMESPACE}">${parametersOf(operation)
    .map((p) => looseXml(p, all[p.name]))
    .join('')}</${operation}>`;
}

type TokenPairLike = Pick<TokenPair, 'cusToken' | 'authToken'>;

/** One well-formed SOAP call; parameters left out are not sent (the service reads defaults). */
export function callSoap(
  sim: RunningSimulator,
  operation: OperationName,
  params: Record<string, unknown> = {},
  options: { version?: SoapVersion; tokens?: TokenPairLike } = {},
): Promise<RawResponse> {
  const version = options.version ?? '1.1';
  return postSoap(sim, soapEnvelope(version, operationXml(operation, params, options.tokens)), {
    version,
    action: operation,
  });
}

const PREDEFINED_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
};

/** The decoded text of the first `<name>` element of a reply, or `undefined`. */
export function xmlText(xml: string, name: string): string | undefined {
  const match = new RegExp(`<${name}(?:\\s[^>]*)?>([^<]*)</${name}>`).exec(xml);
  return match?.[1].replace(
    /&(amp|lt|gt|quot|apos);/g,
    (_m, entity: string) => PREDEFINED_ENTITIES[entity],
  );
}

export interface JsonResponse {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

/** A JSON-mode call; tokens are added unless `params` names them. */
export async function callJson(
  sim: RunningSimulator,
  operation: string,
  params: Record<string, unknown>,
  options: { tokens?: TokenPairLike; contentType?: string } = {},
): Promise<JsonResponse> {
  const tokens = options.tokens ?? DEMO_TOKENS;
  return postJson(
    sim,
    operation,
    JSON.stringify({ CusToken: tokens.cusToken, AuthToken: tokens.authToken, ...params }),
    options.contentType,
  );
}

export async function postJson(
  sim: RunningSimulator,
  operation: string,
  body: string,
  contentType = 'application/json; charset=UTF-8',
): Promise<JsonResponse> {
  const response = await fetch(`${sim.endpoint}/${operation}`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
  });
  const text = await response.text();
  let json: unknown = undefined;
  try {
    json = JSON.parse(text);
  } catch {
    // left undefined: the test looks at `text`
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** Every parameter of a list read with "no filter" values, for JSON mode (which needs all). */
export const NO_FILTER = {
  GetCustomers: {
    CustomerNumbers: [],
    SearchText: null,
    ChangedSince: null,
    PageIndex: 0,
    PageSize: 500,
  },
  GetReservations: {
    ReservationIDs: [],
    StationNumber: 0,
    CustomerNumbers: [],
    From: null,
    To: null,
    ChangedSince: null,
    PageIndex: 0,
    PageSize: 500,
  },
  GetTickets: {
    TicketNumbers: [],
    CustomerNumbers: [],
    ReservationIDs: [],
    ChangedSince: null,
    PageIndex: 0,
    PageSize: 500,
  },
} as const;

export type TillKind = 'customers' | 'reservations' | 'tickets';

/**
 * Changes or creates records "at the till", behind every API300 client's back (not counted
 * as calls): wire-named fields; a record with a known key is changed, others are created.
 * `Changed` comes from the service clock. Returns the stored records (dates as Berlin text).
 */
export async function tillChange(
  sim: RunningSimulator,
  kind: TillKind,
  records: Record<string, unknown> | Array<Record<string, unknown>>,
): Promise<Array<Record<string, unknown>>> {
  const answer = await operator<{
    record?: Record<string, unknown>;
    records?: Array<Record<string, unknown>>;
  }>(sim, 'POST', `till/${kind}`, records);
  return answer.records ?? (answer.record ? [answer.record] : []);
}

/** Deletes one record at the till (a GDPR erasure); throws when there is none. */
export const tillDelete = (
  sim: RunningSimulator,
  kind: TillKind,
  key: number | string,
): Promise<{ deleted: true }> =>
  operator(sim, 'DELETE', `till/${kind}/${encodeURIComponent(String(key))}`);

/** Moves the service clock: `{ offsetMs }` ahead of its base clock, or `{ at }` (xs:dateTime, bare = Berlin). */
export const setSimulatorClock = (
  sim: RunningSimulator,
  to: { offsetMs: number } | { at: string },
): Promise<{ serverDateTime: string; offsetMs: number }> => operator(sim, 'POST', 'clock', to);
