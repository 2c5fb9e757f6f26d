import * as http from 'node:http';
import * as https from 'node:https';
import { Api300Error } from '../errors';
import type { Api300Operation } from './types';

/**
 * The transport guard: the one HTTP POST every API300 transport sends through (SOAP and JSON
 * alike). What it guarantees:
 * - exactly one POST per call on a keep-alive agent: no retries, no redirects;
 * - a whole-call deadline (connect, send, wait, read): a hung service costs `timeoutMs`;
 * - a size cap: a reply beyond `MAX_REPLY_BYTES` is cut off, never buffered whole;
 * - for XML transports, replies that declare a DTD or entities are refused before any parser
 *   sees them (no external entities, no entity bombs);
 * - only HTTP 200 and 500 reach the caller (ASMX answers faults and JSON errors with 500);
 *   any other status is a `TransportFailure` (`retryable` for 5xx).
 * Failures carry a reason that is safe to show: never a token, a body or a server text, and
 * say whether the request may have reached the service (`sent`: the body was handed to the
 * connection, or a reply began) and whether the service had finished with it (`answered`: a
 * reply began) — what a write needs to know before it may say "not applied".
 */

/** A failure below the API300 protocol: `reason` is safe to show; `retryable` as in `Api300Error`. */
export class TransportFailure extends Error {
  override readonly name = 'TransportFailure';
  constructor(
    readonly reason: string,
    readonly retryable: boolean,
    /** The request may have reached the service (see `Api300Error.details.sent`). */
    readonly sent: boolean = true,
    /** A reply had begun: the service had finished with the request. */
    readonly answered: boolean = false,
  ) {
    super(reason);
  }
}

/** A reply that passed the guard: HTTP 200 or 500, at most `MAX_REPLY_BYTES`. */
export interface GuardedReply {
  status: 200 | 500;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/**
 * The largest reply read. A full page of 500 customers is about 1.5 MB over SOAP and 1 MB in
 * JSON; anything far beyond is refused instead of buffered.
 */
export const MAX_REPLY_BYTES = 32 * 1024 * 1024;

/** A DOCTYPE or ENTITY declaration anywhere in a reply (ASMX never sends one). */
const DECLARES_DTD = /<!\s*(?:DOCTYPE|ENTITY)/i;

export interface HttpGuardOptions {
  /** Whole-call deadline per POST, in ms. */
  timeoutMs: number;
  /** Refuse replies declaring a DTD or entities (XML transports). */
  refuseDtd: boolean;
}

export class HttpGuard {
  private readonly httpAgent = new http.Agent({ keepAlive: true });
  private readonly httpsAgent = new https.Agent({ keepAlive: true });

  constructor(private readonly options: HttpGuardOptions) {
    if (!(options.timeoutMs > 0))
      throw new Error(`API300 timeoutMs must be positive, not ${options.timeoutMs}`);
  }

  /** One POST of `body`; resolves with a 200/500 reply or rejects with a `TransportFailure`. */
  post(
    url: string | URL,
    body: string,
    headers: Record<string, string | number>,
  ): Promise<GuardedReply> {
    const target = typeof url === 'string' ? new URL(url) : url;
    const secure = target.protocol === 'https:';
    const bytes = Buffer.from(body, 'utf8');
    const { timeoutMs, refuseDtd } = this.options;
    return new Promise<GuardedReply>((resolve, reject) => {
      let settled = false;
      /** The whole body was handed to the connection: from here on it may have arrived. */
      let written = false;
      /** A reply (its status line) arrived: the service had finished with the request. */
      let answered = false;
      const settle = (failure: TransportFailure | null, reply?: GuardedReply): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (failure) reject(failure);
        else resolve(reply as GuardedReply);
      };
      const request = (secure ? https : http).request(
        target,
        {
          method: 'POST',
          agent: secure ? this.httpsAgent : this.httpAgent,
          headers: { ...headers, 'Content-Length': bytes.length },
        },
        (reply) => {
          answered = true;
          const chunks: Buffer[] = [];
          let size = 0;
          reply.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_REPLY_BYTES) {
              settle(
                new TransportFailure(
                  `reply larger than ${MAX_REPLY_BYTES} bytes`,
                  false,
                  true,
                  true,
                ),
              );
              request.destroy();
            } else chunks.push(chunk);
          });
          reply.on('error', () =>
            settle(
              new TransportFailure('connection lost while reading the reply', true, true, true),
            ),
          );
          reply.on('aborted', () =>
            settle(
              new TransportFailure('connection lost while reading the reply', true, true, true),
            ),
          );
          reply.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const status = reply.statusCode ?? 0;
            if (refuseDtd && DECLARES_DTD.test(text)) {
              settle(new TransportFailure('reply refused: it declares a DTD or entities', false));
            } else if (status !== 200 && status !== 500) {
              // A 4xx refuses the request before it runs; a 5xx (a proxy's 502/504 among
              // them) may come after the service ran it.
              settle(new TransportFailure(`HTTP ${status}`, status >= 500, status >= 500, true));
            } else {
              settle(null, { status, headers: reply.headers, text });
            }
          });
        },
      );
      const timer = setTimeout(() => {
        settle(
          new TransportFailure(
            `no reply within ${timeoutMs} ms`,
            true,
            written || answered,
            answered,
          ),
        );
        request.destroy();
      }, timeoutMs);
      request.on('finish', () => (written = true));
      request.on('error', (error: NodeJS.ErrnoException) =>
        settle(
          new TransportFailure(
            `network error${error.code ? ` ${error.code}` : ''}`,
            true,
            written || answered,
            answered,
          ),
        ),
      );
      request.end(bytes);
    });
  }
}

/**
 * Where a failed request got to: `refused` — the service turned it away before running it
 * (nothing applied); `answered` — the service ran it, or may have, and a reply began (it has
 * finished with it); `lost` — it may have arrived and no reply came (the service may still be
 * running it).
 */
export type Reach = 'refused' | 'answered' | 'lost';

/** `UPSTREAM_UNAVAILABLE` for `operation`, with a reason safe to show. */
export function unavailable(
  operation: Api300Operation,
  reason: string,
  retryable: boolean,
  reach: Reach,
): Api300Error {
  return new Api300Error('UPSTREAM_UNAVAILABLE', `API300 ${operation} failed: ${reason}.`, {
    operation,
    retryable,
    sent: reach !== 'refused',
    answered: reach === 'answered',
  });
}

/** A `TransportFailure` as the typed error; anything else is passed through unchanged. */
export function fromTransportFailure(operation: Api300Operation, error: unknown): unknown {
  if (!(error instanceof TransportFailure)) return error;
  const reach: Reach = !error.sent ? 'refused' : error.answered ? 'answered' : 'lost';
  return unavailable(operation, error.reason, error.retryable, reach);
}

/** Checks an endpoint URL once, at construction. */
export function endpointUrl(endpoint: string): URL {
  const url = new URL(endpoint);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`API300 endpoint must be an http(s) URL, not ${url.protocol}`);
  }
  return url;
}
