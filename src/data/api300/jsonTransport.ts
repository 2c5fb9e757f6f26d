import { existsSync } from 'node:fs';
import { API300_OPERATIONS } from '../../domain/operations';
import { GuardedReply, HttpGuard, endpointUrl, fromTransportFailure, unavailable } from './guard';
import { jsonRequestBody, readJsonValue } from './jsonWire';
import { WireRecord, WireShapeError } from './mapping';
import { defaultWsdlPath } from './soapTransport';
import type { Api300Transport } from './transport';
import type { Api300Operation } from './types';
import { readWsdlSchema } from './wsdlSchema';

/**
 * API300 in ASMX's JSON mode (docs/api300-contract.md §1): `POST <endpoint>/<Operation>` with
 * `Content-Type: application/json; charset=UTF-8`, no SOAP headers, over Node's own HTTP
 * through the transport guard. Parameters and result types come from the local WSDL
 * (wsdlSchema.ts); the JSON ⇄ neutral shape and the meaning of dates are in jsonWire.ts.
 *
 * Failures, all `UPSTREAM_UNAVAILABLE`:
 * - HTTP 500 with `jsonerror: true` (ASMX's exception reply): the message names the .NET
 *   exception type, never its text. Types that blame the request (argument, cast, format,
 *   invalid operation — e.g. a missing parameter) are not retryable; others are;
 * - HTTP 500 without it (a proxy, a crashed worker): retryable;
 * - a body that is not JSON, has no `d`, or has the wrong shape: a malformed reply, not
 *   retryable; timeouts, other HTTP statuses and size as in the guard.
 */

export interface JsonTransportOptions {
  /** `https://…/Service/API300.asmx`; operations are POSTed to `<endpoint>/<Operation>`. */
  endpoint: string;
  timeoutMs: number;
  /** Default: `schema/upstream/API300.wsdl` of the project. */
  wsdlPath?: string;
}

const REQUEST_HEADERS = {
  'Content-Type': 'application/json; charset=UTF-8',
  Accept: 'application/json',
} as const;

/** .NET exception types that say the request itself is wrong: sending it again fails again. */
const BLAMES_REQUEST =
  /^System\.(ArgumentException|ArgumentNullException|ArgumentOutOfRangeException|InvalidOperationException|InvalidCastException|FormatException|OverflowException)$/;
/** What may be shown of an exception type: a dotted .NET name, nothing else. */
const EXCEPTION_TYPE = /^[A-Za-z_][\w.`+]{0,120}$/;

function serverError(operation: Api300Operation, reply: GuardedReply): Error {
  if (String(reply.headers.jsonerror).toLowerCase() !== 'true')
    return unavailable(operation, 'HTTP 500', true, 'answered');
  let type: unknown;
  try {
    type = (JSON.parse(reply.text) as { ExceptionType?: unknown } | null)?.ExceptionType;
  } catch {
    return unavailable(operation, 'malformed error reply (HTTP 500)', true, 'answered');
  }
  const shown = typeof type === 'string' && EXCEPTION_TYPE.test(type) ? type : 'unknown';
  // An exception that blames the request is thrown while reading it, before the operation.
  const blamesRequest = BLAMES_REQUEST.test(shown);
  return unavailable(
    operation,
    `server exception ${shown}`,
    !blamesRequest,
    blamesRequest ? 'refused' : 'answered',
  );
}

export function createJsonTransport(options: JsonTransportOptions): Api300Transport {
  const endpoint = endpointUrl(options.endpoint);
  const guard = new HttpGuard({ timeoutMs: options.timeoutMs, refuseDtd: false });
  const wsdlPath = options.wsdlPath ?? defaultWsdlPath();
  if (!existsSync(wsdlPath)) throw new Error(`API300 WSDL not found at ${wsdlPath}`);
  const schema = readWsdlSchema(wsdlPath, API300_OPERATIONS);
  const base = endpoint.pathname.replace(/\/+$/, '');
  const urlOf = (operation: Api300Operation): URL => {
    const url = new URL(endpoint.href);
    url.pathname = `${base}/${operation}`;
    return url;
  };

  return {
    name: 'json',
    async call(operation, parameters) {
      const { parameters: fields, result } = schema[operation];
      const body = jsonRequestBody(fields, parameters);
      let reply: GuardedReply;
      try {
        reply = await guard.post(urlOf(operation), body, REQUEST_HEADERS);
      } catch (error) {
        throw fromTransportFailure(operation, error);
      }
      if (reply.status === 500) throw serverError(operation, reply);
      let parsed: unknown;
      try {
        parsed = JSON.parse(reply.text);
      } catch {
        throw unavailable(operation, 'malformed reply', false, 'answered');
      }
      if (typeof parsed !== 'object' || parsed === null || !('d' in parsed))
        throw unavailable(operation, 'malformed reply (no "d")', false, 'answered');
      try {
        return readJsonValue(result, parsed.d, `${operation}Result`) as WireRecord | null;
      } catch (error) {
        if (error instanceof WireShapeError)
          throw unavailable(operation, `malformed reply (${error.message})`, false, 'answered');
        throw error;
      }
    },
  };
}
