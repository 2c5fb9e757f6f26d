import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { API300_TRANSPORTS, Api300TransportName } from '../../../src/config';
import { createApi300Client } from '../../../src/data/api300/client';
import { Api300Error } from '../../../src/data/errors';
import { Api300 } from '../../../src/data/api300/types';
import { DEMO_TOKENS, RunningSimulator } from '../../../src/simulator';
import { createTestClock, startTestSimulator } from '../../helpers/simulator';
import { newCustomer, newReservation, newTicket } from '../../helpers/records';
import {
  RecordedRequest,
  ScriptedReply,
  ScriptedServer,
  startScriptedServer,
} from '../../helpers/scriptedServer';

/**
 * Golden request/response pairs of the API300 client (test/fixtures/golden/), per transport:
 * - `<case>.request.http`: the exact request the client sends (URL, headers, envelope or JSON);
 * - `<case>.response.xml` (SOAP) or `<case>.response.json` (JSON mode): a reply of the
 *   simulator to exactly that request;
 * - `<case>.result.json`: what the client makes of the reply (value or error).
 *
 * A change in any of them is a change of the wire contract and shows up in review.
 * `UPDATE_GOLDEN=1 npx jest test/integration/api300/golden` rewrites all three, each case
 * against a simulator of its own (fixed clock and seed) that holds the seed data plus what the
 * case's `given` put there — so every case stands alone, in any order, alone or with others.
 */

const GOLDEN = join(__dirname, '../../fixtures/golden');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

const customer = newCustomer();

interface GoldenCase {
  name: string;
  transport: Api300TransportName;
  /** What the simulator must hold besides its seed data, written directly (recording only). */
  given?: (simulator: Api300) => Promise<unknown>;
  run: (client: Api300) => Promise<unknown>;
}

const issuedTicket = (c: Api300) => c.setTicket(newTicket());
const redeemedTicket = async (c: Api300) => {
  await issuedTicket(c);
  await c.redeemTicket('GOLDEN-1', 2);
};

const CASES: GoldenCase[] = [
  { name: 'ServerDateTime.soap11', transport: 'soap11', run: (c) => c.serverDateTime() },
  { name: 'ServerDateTime.soap12', transport: 'soap12', run: (c) => c.serverDateTime() },
  { name: 'GetStations.soap11', transport: 'soap11', run: (c) => c.getStations() },
  { name: 'GetCustomer.soap11', transport: 'soap11', run: (c) => c.getCustomer(10001) },
  { name: 'GetCustomer.soap12', transport: 'soap12', run: (c) => c.getCustomer(10002) },
  { name: 'GetCustomer.notFound.soap11', transport: 'soap11', run: (c) => c.getCustomer(4711) },
  {
    name: 'GetCustomers.soap11',
    transport: 'soap11',
    run: (c) =>
      c.getCustomers({
        numbers: [10003, 10005],
        changedSince: new Date('2020-01-01T00:00:00Z'),
        pageIndex: 0,
        pageSize: 10,
      }),
  },
  { name: 'SetCustomer.soap11', transport: 'soap11', run: (c) => c.setCustomer(customer) },
  {
    name: 'SetCustomer.noBirthday.soap12',
    transport: 'soap12',
    run: (c) => c.setCustomer({ ...customer, birthday: null, reachableTo: null }),
  },
  {
    name: 'SetCustomers.soap11',
    transport: 'soap11',
    run: (c) =>
      c.setCustomers([customer, { ...customer, lastName: 'Zu viel Rabatt', discount: 101 }]),
  },
  {
    name: 'GetReservations.soap11',
    transport: 'soap11',
    run: (c) =>
      c.getReservations({
        stationNumber: 2,
        from: new Date('2026-11-29T23:00:00Z'),
        to: new Date('2026-12-01T23:00:00Z'),
        pageIndex: 0,
        pageSize: 3,
      }),
  },
  {
    name: 'SetReservation.soap11',
    transport: 'soap11',
    run: (c) => c.setReservation(newReservation()),
  },
  {
    name: 'SetReservations.soap11',
    transport: 'soap11',
    run: (c) =>
      c.setReservations([
        newReservation({
          stationNumber: 3,
          customerNumber: null,
          guestName: 'Gruppe',
          start: new Date('2026-07-01T10:00:00Z'),
          durationMinutes: 90,
          persons: 8,
          tables: null,
          status: 'REQUESTED',
        }),
      ]),
  },
  {
    name: 'SetTicket.soap11',
    transport: 'soap11',
    run: (c) => c.setTicket(newTicket()),
  },
  {
    name: 'RedeemTicket.soap11',
    transport: 'soap11',
    given: issuedTicket,
    run: (c) => c.redeemTicket('GOLDEN-1', 2),
  },
  {
    name: 'RedeemTicket.conflict.soap11',
    transport: 'soap11',
    given: redeemedTicket,
    run: (c) => c.redeemTicket('GOLDEN-1', 2),
  },
  {
    name: 'GetTickets.soap11',
    transport: 'soap11',
    given: redeemedTicket,
    run: (c) => c.getTickets({ numbers: ['GOLDEN-1', 'GS10000002'], pageIndex: 0, pageSize: 10 }),
  },
  // JSON mode, every operation.
  { name: 'ServerDateTime.json', transport: 'json', run: (c) => c.serverDateTime() },
  { name: 'GetStations.json', transport: 'json', run: (c) => c.getStations() },
  { name: 'GetCustomer.json', transport: 'json', run: (c) => c.getCustomer(10001) },
  { name: 'GetCustomer.notFound.json', transport: 'json', run: (c) => c.getCustomer(4711) },
  {
    name: 'GetCustomers.json',
    transport: 'json',
    run: (c) =>
      c.getCustomers({
        numbers: [10003, 10005],
        changedSince: new Date('2020-01-01T00:00:00Z'),
        pageIndex: 0,
        pageSize: 10,
      }),
  },
  {
    name: 'GetCustomers.search.json',
    transport: 'json',
    run: (c) => c.getCustomers({ searchText: 'Möller', pageIndex: 0, pageSize: 2 }),
  },
  { name: 'SetCustomer.json', transport: 'json', run: (c) => c.setCustomer(customer) },
  {
    name: 'SetCustomer.noBirthday.json',
    transport: 'json',
    run: (c) => c.setCustomer({ ...customer, birthday: null, reachableTo: null }),
  },
  {
    name: 'SetCustomers.json',
    transport: 'json',
    run: (c) =>
      c.setCustomers([customer, { ...customer, lastName: 'Zu viel Rabatt', discount: 101 }]),
  },
  {
    name: 'GetReservations.json',
    transport: 'json',
    run: (c) =>
      c.getReservations({
        stationNumber: 2,
        from: new Date('2026-11-29T23:00:00Z'),
        to: new Date('2026-12-01T23:00:00Z'),
        pageIndex: 0,
        pageSize: 3,
      }),
  },
  {
    name: 'SetReservation.json',
    transport: 'json',
    run: (c) => c.setReservation(newReservation()),
  },
  {
    name: 'SetReservations.json',
    transport: 'json',
    run: (c) => c.setReservations([newReservation({ customerNumber: null, stationNumber: 3 })]),
  },
  { name: 'SetTicket.json', transport: 'json', run: (c) => c.setTicket(newTicket()) },
  {
    name: 'RedeemTicket.json',
    transport: 'json',
    given: issuedTicket,
    run: (c) => c.redeemTicket('GOLDEN-1', 2),
  },
  {
    name: 'RedeemTicket.conflict.json',
    transport: 'json',
    given: redeemedTicket,
    run: (c) => c.redeemTicket('GOLDEN-1', 2),
  },
  {
    name: 'GetTickets.json',
    transport: 'json',
    given: redeemedTicket,
    run: (c) =>
      c.getTickets({
        numbers: ['GOLDEN-1', 'GS10000002'],
        customerNumbers: [10004],
        pageIndex: 0,
        pageSize: 10,
      }),
  },
];

/** The request as a reviewable text: request line, the headers SOAP routes by, the body. */
function requestText(request: RecordedRequest): string {
  const routing =
    request.headers.soapaction === undefined ? '' : `SOAPAction: ${request.headers.soapaction}\n`;
  return `${request.method} ${request.url}\nContent-Type: ${request.headers['content-type']}\n${routing}\n${request.body}\n`;
}

async function outcome(run: () => Promise<unknown>): Promise<unknown> {
  try {
    return JSON.parse(JSON.stringify({ value: await run() }));
  } catch (error) {
    if (!(error instanceof Api300Error)) throw error;
    return { error: { code: error.code, message: error.message, details: error.details } };
  }
}

async function replyOfSimulator(
  simulator: RunningSimulator,
  request: RecordedRequest,
): Promise<string> {
  const headers: Record<string, string> = {
    'content-type': String(request.headers['content-type']),
  };
  if (request.headers.soapaction !== undefined)
    headers.soapaction = String(request.headers.soapaction);
  const response = await fetch(`${simulator.baseUrl}${request.url}`, {
    method: 'POST',
    headers,
    body: request.body,
  });
  return response.text();
}

type GoldenKind = 'request.http' | 'response' | 'result.json';
const goldenFile = (golden: GoldenCase, kind: GoldenKind): string =>
  join(
    GOLDEN,
    `${golden.name}.${kind === 'response' ? `response.${golden.transport === 'json' ? 'json' : 'xml'}` : kind}`,
  );

/** How the scripted server replays a golden reply: ASMX's status and headers for it. */
function replay(golden: GoldenCase, body: string): ScriptedReply {
  if (golden.transport !== 'json') return { status: body.includes(':Fault>') ? 500 : 200, body };
  const failed = body.includes('"ExceptionType"');
  return {
    status: failed ? 500 : 200,
    contentType: 'application/json; charset=utf-8',
    headers: failed ? { jsonerror: 'true' } : {},
    body,
  };
}

const clientOf = (endpoint: string, transport: Api300TransportName): Promise<Api300> =>
  createApi300Client({
    endpoint,
    cusToken: DEMO_TOKENS.cusToken,
    authToken: DEMO_TOKENS.authToken,
    timeoutMs: 5000,
    transport,
  });

/** Records the simulator's reply to `request` on a fresh simulator that holds `given`. */
async function recordReply(golden: GoldenCase, request: RecordedRequest): Promise<string> {
  const simulator = await startTestSimulator({
    now: createTestClock('2026-11-29T18:30:00+01:00').now,
  });
  try {
    if (golden.given) await golden.given(await clientOf(simulator.endpoint, 'soap11'));
    return await replyOfSimulator(simulator, request);
  } finally {
    await simulator.close();
  }
}

describe('the API300 client’s golden requests and replies', () => {
  let server: ScriptedServer;
  const clients: Partial<Record<Api300TransportName, Api300>> = {};

  beforeAll(async () => {
    server = await startScriptedServer();
    for (const transport of API300_TRANSPORTS) {
      clients[transport] = await clientOf(server.endpoint, transport);
    }
    if (UPDATE) mkdirSync(GOLDEN, { recursive: true });
  });
  afterAll(async () => {
    await server.close();
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, golden) => {
    const client = clients[golden.transport] as Api300;
    const before = server.requests.length;
    if (UPDATE) {
      server.answer({ status: 500, body: '' });
      await outcome(() => golden.run(client));
      const request = server.requests[before];
      writeFileSync(goldenFile(golden, 'request.http'), requestText(request));
      writeFileSync(goldenFile(golden, 'response'), await recordReply(golden, request));
    }
    expect(existsSync(goldenFile(golden, 'response'))).toBe(true);
    server.answer(replay(golden, readFileSync(goldenFile(golden, 'response'), 'utf8')));
    const result = await outcome(() => golden.run(client));
    const request = server.requests[server.requests.length - 1];
    if (UPDATE)
      writeFileSync(goldenFile(golden, 'result.json'), JSON.stringify(result, null, 2) + '\n');

    expect(server.requests.length - before).toBe(UPDATE ? 2 : 1);
    expect(requestText(request)).toBe(readFileSync(goldenFile(golden, 'request.http'), 'utf8'));
    expect(result).toEqual(JSON.parse(readFileSync(goldenFile(golden, 'result.json'), 'utf8')));
  });
});
