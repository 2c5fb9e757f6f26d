import type { Api300TransportName } from '../../config';
import type { WireRecord } from './mapping';
import type { Api300Operation } from './types';

/**
 * How the client reaches API300 (`API300_TRANSPORT`, named in config.ts): SOAP 1.1 (port
 * `API300Soap`), SOAP 1.2 (port `API300Soap12`) or ASMX's JSON mode
 * (`POST …/API300.asmx/<Operation>`).
 */
export type { Api300TransportName };

/**
 * One way to send an API300 operation. The typed operations (client.ts) build the parameters
 * and read the result in one neutral shape, the one `mapping.ts` reads and writes; a transport
 * turns that shape into its wire format and back.
 *
 * The neutral shape (node-soap's, with `dateTime` kept as text): parameters in WSDL order,
 * `ArrayOfX` as `{ X: [...] }`, `dateTime` as `xs:dateTime` text, `null` for nil, absent
 * (`undefined`) for elements left out, decimals as text on the way out and numbers on the way in.
 *
 * Contract of `call`: exactly one POST; resolves with the operation's result (`XResult`,
 * `Status` included, whatever its code) or `null` when the reply holds none; rejects only with
 * an `Api300Error` `UPSTREAM_UNAVAILABLE` whose message names the operation and a fixed reason
 * (timeout, HTTP status, fault code, malformed or oversized reply), never a token or a body.
 */
export interface Api300Transport {
  readonly name: Api300TransportName;
  call(operation: Api300Operation, parameters: WireRecord): Promise<WireRecord | null>;
}
