import * as soap from 'soap';
import type { IncomingHttpHeaders } from 'node:http';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { findProjectFile } from '../../platform/projectFile';
import {
  HttpGuard,
  TransportFailure,
  endpointUrl,
  fromTransportFailure,
  unavailable,
} from './guard';
import type { WireRecord } from './mapping';
import type { Api300Transport } from './transport';
import type { Api300Operation } from './types';

/**
 * API300 over SOAP 1.1 or 1.2, through node-soap: the only importer of `soap` in the product
 * (docs/architecture.md). The WSDL is read once, from the local file, never from the service
 * (docs/api300-contract.md §1); node-soap writes the envelope and parses the reply; every POST goes
 * through the transport guard (guard.ts), which also refuses DTDs before node-soap sees them.
 */

export interface SoapTransportOptions {
  /** `https://…/Service/API300.asmx`; replaces the WSDL's address. */
  endpoint: string;
  timeoutMs: number;
  /** `1.1` uses port `API300Soap`, `1.2` port `API300Soap12` with SOAP 1.2 headers. */
  soapVersion: '1.1' | '1.2';
  /** Default: `schema/upstream/API300.wsdl` of the project, found from `src/` and `dist/`. */
  wsdlPath?: string;
}

const WSDL_RELATIVE_PATH = join('schema', 'upstream', 'API300.wsdl');
const SERVICE = 'API300';
const PORTS = { '1.1': 'API300Soap', '1.2': 'API300Soap12' } as const;

/** The project root's WSDL, from `src/` and `dist/src/` alike. */
export function defaultWsdlPath(): string {
  return findProjectFile(WSDL_RELATIVE_PATH);
}

/** The part of a reply node-soap reads. */
interface SoapHttpResponse {
  status: number;
  statusCode: number;
  headers: IncomingHttpHeaders;
}

/** node-soap's transport, replaced by the guard: the reply text it parses is the text checked. */
class GuardedSoapHttpClient implements soap.IHttpClient {
  constructor(private readonly guard: HttpGuard) {}

  request(
    url: string,
    data: string,
    callback: (error: unknown, response?: SoapHttpResponse, body?: string) => void,
    headers: Record<string, string | number> = {},
  ): ReturnType<soap.IHttpClient['request']> {
    this.guard.post(url, data, headers).then(
      (reply) =>
        callback(
          null,
          { status: reply.status, statusCode: reply.status, headers: reply.headers },
          reply.text,
        ),
      (failure: unknown) => callback(failure),
    );
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
function soapFailure(operation: Api300Operation, error: unknown): Error {
  if (error instanceof TransportFailure) return fromTransportFailure(operation, error) as Error;
  const faultCode = faultCodeOf(error);
  if (faultCode !== null) {
    // A Client/Sender fault refuses the request before the operation runs; a Server fault
    // may come from inside a write that was already applied.
    const blamesRequest = /(^|:)(Client|Sender|VersionMismatch)$/.test(faultCode);
    return unavailable(
      operation,
      `SOAP fault ${faultCode}`,
      !blamesRequest,
      blamesRequest ? 'refused' : 'answered',
    );
  }
  const status = httpStatusOf(error);
  const serverError = status !== null && status >= 500;
  return unavailable(
    operation,
    `malformed reply${serverError ? ` (HTTP ${status})` : ''}`,
    serverError,
    'answered',
  );
}

type SoapMethod = (
  args: WireRecord,
  callback: (error: unknown, result: WireRecord | null) => void,
) => void;

export async function createSoapTransport(options: SoapTransportOptions): Promise<Api300Transport> {
  const endpoint = endpointUrl(options.endpoint);
  const guard = new HttpGuard({ timeoutMs: options.timeoutMs, refuseDtd: true });
  const wsdlPath = options.wsdlPath ?? defaultWsdlPath();
  if (!existsSync(wsdlPath)) throw new Error(`API300 WSDL not found at ${wsdlPath}`);

  const client = await soap.createClientAsync(wsdlPath, {
    endpoint: endpoint.href,
    forceSoap12Headers: options.soapVersion === '1.2',
    httpClient: new GuardedSoapHttpClient(guard),
    // node-soap caches a WSDL by path and lets each client overwrite its options (the SOAP
    // version among them): two clients of different versions would share one.
    disableCache: true,
    handleNilAsNull: true,
    // node-soap would read `dateTime` as `new Date(text)`, i.e. in the process's zone.
    customDeserializer: { dateTime: (text: string) => text },
  });
  const portName = PORTS[options.soapVersion];
  const port = (client as unknown as Record<string, Record<string, Record<string, SoapMethod>>>)[
    SERVICE
  ]?.[portName];
  if (!port) throw new Error(`API300 WSDL ${wsdlPath} has no port ${SERVICE}/${portName}`);

  return {
    name: options.soapVersion === '1.1' ? 'soap11' : 'soap12',
    async call(operation, parameters) {
      const method = port[operation];
      let response: WireRecord | null;
      try {
        response = await new Promise<WireRecord | null>((resolve, reject) =>
          method(parameters, (error, reply) => (error ? reject(error) : resolve(reply))),
        );
      } catch (error) {
        throw soapFailure(operation, error);
      }
      // node-soap hands over `<XResponse>`; the result is its one child `<XResult>`.
      return (response?.[`${operation}Result`] as WireRecord | null | undefined) ?? null;
    },
  };
}
