import { IncomingMessage, Server, ServerResponse, createServer } from 'node:http';
import { SERVICE_PATH } from './contract';
import { DataSizes, createRandom, generateData } from './data';
import { FaultKnobs, NO_FAULTS, hostilePrologue, mergeFaults } from './faults';
import { interpretJson, jsonError, jsonResponse } from './json';
import { CallLimiter, PairKey } from './limits';
import { Api300Service, TokenPair } from './service';
import { SOAP_CONTENT_TYPE, SoapVersion, interpretSoap, soapFault, soapResponse } from './soap';
import { Store } from './store';
import { formatInstant, lexicalToInstant, parseXsdDateTime } from './time';
import { TILL_KINDS, TillError, TillKind, tillDelete, tillJson, tillPut } from './till';
import { readCommittedWsdl, wsdlForLocation } from './wsdl';

export interface SimulatorSetup {
  tokens: TokenPair[];
  seed: number;
  sizes: DataSizes;
  now: () => number;
}

/** Largest request body accepted: 500 full records fit many times over. */
const MAX_BODY_BYTES = 32 * 1024 * 1024;
const OPERATOR_PREFIX = '/__simulator/';
const UNKNOWN_OPERATION = '(unknown)';

/** `GET /__simulator/stats`. Counters cover the time since start or the last reset. */
export interface SimulatorStats {
  /** Every POST to the service, whatever became of it. */
  calls: number;
  /** POSTs by operation name; requests naming none count under `(unknown)`. */
  callsByOperation: Record<string, number>;
  /** The most calls of one token pair inside any rolling 60 s window. */
  maxCallsInAnyWindow: number;
  blockedTokens: PairKey[];
  /** Per known token pair: calls, calls in the current window, its own maximum, blocked. */
  tokens: Array<
    PairKey & {
      calls: number;
      callsInWindow: number;
      maxCallsInAnyWindow: number;
      blocked: boolean;
    }
  >;
  faults: FaultKnobs;
  /** The service clock as Berlin wall-clock. */
  serverDateTime: string;
  data: { customers: number; reservations: number; tickets: number; stations: number };
}

interface Reply {
  status: number;
  contentType: string;
  body: string;
  headers?: Record<string, string>;
}

/**
 * The HTTP face of the simulator: WSDL, SOAP 1.1/1.2, JSON mode and the operator endpoints,
 * over one state (data, limiter, fault knobs, counters).
 */
export class SimulatorServer {
  readonly server: Server;
  private store: Store;
  private readonly limiter = new CallLimiter();
  private readonly service: Api300Service;
  private readonly wsdl = readCommittedWsdl();
  private faults: FaultKnobs = { ...NO_FAULTS };
  private readonly faultRandom: () => number;
  private calls = 0;
  private callsByOperation: Record<string, number> = {};
  private readonly timers = new Set<NodeJS.Timeout>();
  /** `POST /__simulator/clock`: the service clock runs this far ahead of `setup.now` (ms). */
  private clockOffsetMs = 0;
  /** The service clock: Status.ServerDateTime, Created/Changed and the call window. */
  private readonly now = (): number => this.setup.now() + this.clockOffsetMs;

  constructor(private readonly setup: SimulatorSetup) {
    this.store = generateData(setup.seed, setup.sizes, this.now());
    this.service = new Api300Service(
      () => this.store,
      this.now,
      () => setup.tokens,
    );
    this.faultRandom = createRandom(setup.seed ^ 0x5eed);
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent)
          this.send(res, {
            status: 500,
            contentType: 'text/plain; charset=utf-8',
            body: String(error),
          });
        else res.destroy();
      });
    });
  }

  /** Stops timers of delayed replies and drops every connection, hung ones included. */
  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://simulator');
    const path = url.pathname;
    if (path.startsWith(OPERATOR_PREFIX))
      return this.handleOperator(req, res, path.slice(OPERATOR_PREFIX.length));

    const lowerPath = path.toLowerCase();
    const servicePath = SERVICE_PATH.toLowerCase();
    if (lowerPath !== servicePath && !lowerPath.startsWith(servicePath + '/')) {
      return this.send(res, {
        status: 404,
        contentType: 'text/plain; charset=utf-8',
        body: 'Not found.',
      });
    }
    const jsonOperation = lowerPath === servicePath ? null : path.slice(SERVICE_PATH.length + 1);
    if (req.method === 'GET' && jsonOperation === null) {
      const wantsWsdl = [...url.searchParams.keys()].some((k) => k.toLowerCase() === 'wsdl');
      if (wantsWsdl) {
        const location = `http://${req.headers.host ?? 'localhost'}${path}`;
        return this.send(res, {
          status: 200,
          contentType: 'text/xml; charset=utf-8',
          body: wsdlForLocation(this.wsdl, location),
        });
      }
      return this.send(res, {
        status: 200,
        contentType: 'text/html; charset=utf-8',
        body: this.helpPage(),
      });
    }
    if (req.method !== 'POST') {
      return this.send(res, {
        status: 405,
        contentType: 'text/plain; charset=utf-8',
        body: 'POST only.',
        headers: { Allow: 'POST' },
      });
    }
    const body = await readBody(req);
    if (body === null) {
      return this.send(res, {
        status: 413,
        contentType: 'text/plain; charset=utf-8',
        body: 'Request body too large.',
      });
    }
    return jsonOperation === null
      ? this.handleSoap(req, res, body)
      : this.handleJson(req, res, jsonOperation, body);
  }

  // ------------------------------------------------------------------ API300 calls

  private async handleSoap(req: IncomingMessage, res: ServerResponse, body: string): Promise<void> {
    const request = interpretSoap(req.headers['content-type'], header(req, 'soapaction'), body);
    const tokens = request.kind === 'call' ? tokensOf(request.params) : guessXmlTokens(body);
    const blocked = this.count(request.operation, tokens);
    const version: SoapVersion = request.kind === 'unsupported' ? '1.1' : request.version;
    const soapReply = (status: number, xml: string): Reply => ({
      status,
      contentType: SOAP_CONTENT_TYPE[version],
      body: xml,
    });

    await this.deliver(res, request.operation, {
      serverError: () =>
        soapReply(
          500,
          soapFault(
            version,
            'Server',
            'Server was unable to process request. ---> Simulated server error (fault knob http500Rate).',
          ),
        ),
      run: () => {
        if (request.kind === 'unsupported') {
          return { status: 415, contentType: 'text/plain; charset=utf-8', body: request.message };
        }
        if (request.kind === 'fault')
          return soapReply(500, soapFault(request.version, request.fault, request.message));
        try {
          const result = this.service.execute(
            request.operation,
            request.params,
            this.context(blocked, request.operation),
          );
          return soapReply(200, soapResponse(request.version, request.operation, result));
        } catch (error) {
          return soapReply(
            500,
            soapFault(
              request.version,
              'Server',
              `Server was unable to process request. ---> ${String(error)}`,
            ),
          );
        }
      },
      hostile: true,
    });
  }

  private async handleJson(
    req: IncomingMessage,
    res: ServerResponse,
    operation: string,
    body: string,
  ): Promise<void> {
    const request = interpretJson(operation, req.headers['content-type'], body);
    const blocked = this.count(
      request.operation,
      request.kind === 'call' ? tokensOf(request.params) : guessJsonTokens(body),
    );
    const errorReply = (exceptionType: string, message: string): Reply => ({
      status: 500,
      contentType: 'application/json; charset=utf-8',
      body: jsonError(exceptionType, message),
      headers: { jsonerror: 'true' },
    });
    await this.deliver(res, request.operation, {
      serverError: () =>
        errorReply('System.Exception', 'Simulated server error (fault knob http500Rate).'),
      run: () => {
        if (request.kind === 'unsupported')
          return { status: 415, contentType: 'text/plain; charset=utf-8', body: request.message };
        if (request.kind === 'error') return errorReply(request.exceptionType, request.message);
        try {
          const result = this.service.execute(
            request.operation,
            request.params,
            this.context(blocked, request.operation),
          );
          return {
            status: 200,
            contentType: 'application/json; charset=utf-8',
            body: jsonResponse(request.operation, result),
          };
        } catch (error) {
          return errorReply('System.Exception', String(error));
        }
      },
      hostile: false,
    });
  }

  private context(
    blocked: boolean,
    operation: string | null,
  ): { blocked: boolean; forcedStatusCode: number | null } {
    return { blocked, forcedStatusCode: this.faultsFor(operation).forceStatusCode };
  }

  /** The knobs that act on a call of `operation` (`faultOperations` narrows them). */
  private faultsFor(operation: string | null): FaultKnobs {
    const only = this.faults.faultOperations;
    return only === null || (operation !== null && only.includes(operation))
      ? this.faults
      : NO_FAULTS;
  }

  /** Counts one POST (docs/api300-contract.md §3) and returns whether its token pair is blocked now. */
  private count(operation: string | null, tokens: PairKey | null): boolean {
    this.calls++;
    const key = operation ?? UNKNOWN_OPERATION;
    this.callsByOperation[key] = (this.callsByOperation[key] ?? 0) + 1;
    const known = tokens && this.service.findTokenPair(tokens.cusToken, tokens.authToken);
    return known ? this.limiter.record(tokens, this.now()) : false;
  }

  /**
   * Applies the fault knobs around one counted call: latency first, then a hang, an HTTP 500
   * instead of the call, or the call followed by a lost reply (hang, reset, cut body), a
   * truncated reply or a hostile DTD.
   */
  private async deliver(
    res: ServerResponse,
    operation: string | null,
    call: { run: () => Reply; serverError: () => Reply; hostile: boolean },
  ): Promise<void> {
    const faults = this.faultsFor(operation);
    const happens = (rate: number): boolean => rate > 0 && this.faultRandom() < rate;
    if (faults.latencyMs > 0) await this.delay(faults.latencyMs);
    if (happens(faults.hangRate)) return; // never answered; close() drops it
    if (happens(faults.http500Rate)) return this.send(res, call.serverError());
    const reply = call.run();
    if (happens(faults.hangAfterApplyRate)) return; // applied, never answered
    if (happens(faults.resetAfterApplyRate)) {
      res.socket?.resetAndDestroy();
      return;
    }
    if (happens(faults.cutReplyRate)) return this.sendCut(res, reply);
    if (call.hostile && faults.hostileXml && reply.body.startsWith('<?xml')) {
      const { doctype, reference } = hostilePrologue(faults.hostileXml);
      const declarationEnd = reply.body.indexOf('?>') + 2;
      reply.body =
        reply.body.slice(0, declarationEnd) +
        doctype +
        reply.body
          .slice(declarationEnd)
          .replace(/<(Message|faultstring|soap:Text)([^>]*)>/, `<$1$2>${reference}`);
    }
    if (faults.malformedXmlRate > 0 && this.faultRandom() < faults.malformedXmlRate) {
      reply.body = reply.body.slice(0, Math.floor(reply.body.length / 2));
    }
    this.send(res, reply);
  }

  /** The status line, headers (full `Content-Length`) and half the body; then the connection closes. */
  private sendCut(res: ServerResponse, reply: Reply): void {
    if (res.destroyed) return;
    const body = this.writeHead(res, reply);
    res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.socket?.destroy());
  }

  /** Writes the status line and headers of `reply`; returns its body. */
  private writeHead(res: ServerResponse, reply: Reply): Buffer {
    const body = Buffer.from(reply.body, 'utf8');
    res.writeHead(reply.status, {
      'Content-Type': reply.contentType,
      'Content-Length': body.length,
      'Cache-Control': 'private, max-age=0',
      ...reply.headers,
    });
    return body;
  }

  private delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }

  private send(res: ServerResponse, reply: Reply): void {
    if (res.destroyed) return;
    res.end(this.writeHead(res, reply));
  }

  // ------------------------------------------------------------------ operator endpoints

  private async handleOperator(
    req: IncomingMessage,
    res: ServerResponse,
    action: string,
  ): Promise<void> {
    const json = (status: number, value: unknown): void =>
      this.send(res, {
        status,
        contentType: 'application/json; charset=utf-8',
        body: JSON.stringify(value),
      });
    let route = `${req.method} ${action}`;
    let body: unknown = {};
    if (req.method === 'POST') {
      const text = (await readBody(req)) ?? '';
      if (text.trim() !== '') {
        try {
          body = JSON.parse(text);
        } catch {
          return json(400, { error: 'Body must be JSON.' });
        }
      }
    }
    const till = /^till\/([a-z]+)(?:\/([^/]+))?$/.exec(action);
    if (till) {
      const kind = till[1] as TillKind;
      if (!(TILL_KINDS as readonly string[]).includes(kind))
        return json(404, {
          error: `Unknown till kind ${kind} (allowed: ${TILL_KINDS.join(', ')}).`,
        });
      if (req.method === 'POST' && till[2] === undefined) return this.tillPost(kind, body, json);
      if (req.method === 'DELETE' && till[2] !== undefined) {
        const deleted = tillDelete(this.store, kind, decodeURIComponent(till[2]));
        return deleted
          ? json(200, { deleted: true })
          : json(404, { error: `No such record in ${kind}.` });
      }
      route = `${req.method} till/${kind}${till[2] === undefined ? '' : '/:key'}`;
    }
    switch (route) {
      case 'GET clock':
        return json(200, this.clockJson());
      case 'POST clock': {
        const { offsetMs, at } = body as { offsetMs?: unknown; at?: unknown };
        if (typeof offsetMs === 'number' && Number.isFinite(offsetMs) && at === undefined) {
          this.clockOffsetMs = Math.round(offsetMs);
        } else if (typeof at === 'string' && offsetMs === undefined) {
          const lexical = parseXsdDateTime(at);
          if (!lexical)
            return json(400, { error: `at: ${JSON.stringify(at)} is not an xs:dateTime.` });
          this.clockOffsetMs = lexicalToInstant(lexical) - this.setup.now();
        } else {
          return json(400, {
            error:
              'Body must be {"offsetMs": <ms ahead of the base clock>} or {"at": "<xs:dateTime, bare = Berlin>"}.',
          });
        }
        return json(200, this.clockJson());
      }
      case 'GET stats':
        return json(200, this.stats());
      case 'POST reset':
        this.calls = 0;
        this.callsByOperation = {};
        this.limiter.reset();
        if ((body as { data?: unknown }).data === true) {
          this.store = generateData(this.setup.seed, this.setup.sizes, this.now());
        }
        return json(200, this.stats());
      case 'POST reactivate': {
        const { cusToken, authToken } = body as Partial<PairKey>;
        const pair =
          typeof cusToken === 'string' && typeof authToken === 'string'
            ? { cusToken, authToken }
            : undefined;
        return json(200, { reactivated: this.limiter.reactivate(pair) });
      }
      case 'GET faults':
        return json(200, this.faults);
      case 'POST faults':
        try {
          this.faults = mergeFaults(this.faults, body);
        } catch (error) {
          return json(400, { error: (error as Error).message });
        }
        return json(200, this.faults);
      case 'DELETE faults':
        this.faults = { ...NO_FAULTS };
        return json(200, this.faults);
      default:
        return json(404, { error: `Unknown operator endpoint ${route}.` });
    }
  }

  /** One record or a list of them, changed or created at the till; the answer lists what was stored. */
  private tillPost(
    kind: TillKind,
    body: unknown,
    json: (status: number, value: unknown) => void,
  ): void {
    const inputs = Array.isArray(body) ? body : [body];
    const stored: Record<string, unknown>[] = [];
    for (const [i, input] of inputs.entries()) {
      try {
        stored.push(tillJson(kind, tillPut(this.store, kind, input, this.now())));
      } catch (error) {
        if (!(error instanceof TillError)) throw error;
        const where = Array.isArray(body) ? `[${i}] ` : '';
        return json(400, { error: `${where}${error.message}`, stored: stored.length });
      }
    }
    json(200, Array.isArray(body) ? { records: stored } : { record: stored[0] });
  }

  private clockJson(): { serverDateTime: string; offsetMs: number } {
    return { serverDateTime: formatInstant(this.now()), offsetMs: this.clockOffsetMs };
  }

  stats(): SimulatorStats {
    const now = this.now();
    return {
      calls: this.calls,
      callsByOperation: { ...this.callsByOperation },
      maxCallsInAnyWindow: this.limiter.maxCallsInAnyWindow(),
      blockedTokens: this.limiter.blockedPairs(),
      tokens: this.limiter.perPair(now),
      faults: this.faults,
      serverDateTime: formatInstant(now),
      data: {
        customers: this.store.customers.size,
        reservations: this.store.reservations.size,
        tickets: this.store.tickets.size,
        stations: this.store.stations.length,
      },
    };
  }

  private helpPage(): string {
    return (
      '<!DOCTYPE html><html><head><title>API300 Web Service (simulator)</title></head><body>' +
      '<h1>API300</h1><p>Simulated Hypersoft B2B Data Interface 3.0.0. ' +
      `See the <a href="${SERVICE_PATH}?WSDL">service description</a>.</p></body></html>`
    );
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function tokensOf(params: Record<string, unknown>): PairKey | null {
  const { CusToken, AuthToken } = params;
  return typeof CusToken === 'string' && typeof AuthToken === 'string'
    ? { cusToken: CusToken, authToken: AuthToken }
    : null;
}

/** Best-effort token pair of a request that could not be read: it still counts (§3). */
function guessXmlTokens(body: string): PairKey | null {
  const cusToken = /<(?:[\w.-]+:)?CusToken(?:\s[^>]*)?>([^<]*)</.exec(body)?.[1];
  const authToken = /<(?:[\w.-]+:)?AuthToken(?:\s[^>]*)?>([^<]*)</.exec(body)?.[1];
  return cusToken !== undefined && authToken !== undefined
    ? { cusToken: cusToken.trim(), authToken: authToken.trim() }
    : null;
}

function guessJsonTokens(body: string): PairKey | null {
  const cusToken = /"CusToken"\s*:\s*"([^"]*)"/.exec(body)?.[1];
  const authToken = /"AuthToken"\s*:\s*"([^"]*)"/.exec(body)?.[1];
  return cusToken !== undefined && authToken !== undefined ? { cusToken, authToken } : null;
}

function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? null : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
