import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import jsonStableStringify from 'json-stable-stringify';
import type { SecurityConfig } from '../../config';

/**
 * Router-only access (docs/federation.md, "Router-only access"): a request that reads or
 * writes data must prove it comes from the router, by either
 *
 * - the shared secret in the `x-router-secret` header (Apollo's recommendation for
 *   subgraphs; `ROUTER_SECRET`, and `ROUTER_SECRET_PREVIOUS` during a rotation), or
 * - Hive Gateway's HMAC signature (`extensions["hmac-signature"]`; `ROUTER_HMAC_SECRET`, and
 *   `ROUTER_HMAC_SECRET_PREVIOUS`): base64 of HMAC-SHA256, keyed with the secret's UTF-8
 *   bytes, over the UTF-8 bytes of `json-stable-stringify({ query, variables })` — the query
 *   text as sent, `variables` left out when null or empty — exactly what Hive Gateway's
 *   `useHmacUpstreamSignature` signs and its `useHmacSignatureValidation` checks. It covers
 *   the operation and its variables, not `operationName` or the other extensions.
 *
 * With neither configured every request is accepted (development, or production with the
 * explicit `ROUTER_AUTH_DISABLED=true`; config.ts refuses production without one of the three).
 *
 * Every comparison takes the same time whatever the sent value is: a header is hashed to a
 * fixed length before `timingSafeEqual`, a signature must be 32 bytes and is compared with
 * `timingSafeEqual`, and every configured secret is tried (no early exit on a match).
 *
 * `createRouterAuth` is the one check of the subgraph: the HTTP server calls it for
 * `/graphql`; WebSocket, SSE and callback endpoints call it with their handshake's headers
 * and the GraphQL parameters of the operation they start.
 */

export const ROUTER_SECRET_HEADER = 'x-router-secret';
/** Hive Gateway's default extension name (`hmacSignature.extensionName`). */
export const HMAC_SIGNATURE_EXTENSION = 'hmac-signature';

/** The GraphQL parameters a signature covers, as the request carried them. */
export interface SignedParams {
  query?: unknown;
  variables?: unknown;
  extensions?: unknown;
}

export interface RouterAuthRequest {
  headers: IncomingHttpHeaders;
  /**
   * The request's GraphQL parameters (a POST body, or a GET's query string parsed). Omitted
   * when not known yet: the verdict is then `pending` if only a signature could prove it.
   */
  params?: SignedParams;
}

/**
 * `accepted`: from the router (or no credential configured); `refused`: not proven;
 * `pending`: the header did not prove it and a signature may, so call again with `params`.
 */
export type RouterAuthVerdict = 'accepted' | 'refused' | 'pending';

export interface RouterAuth {
  /** True when a credential is configured, i.e. some requests are refused. */
  readonly required: boolean;
  check(request: RouterAuthRequest): RouterAuthVerdict;
  /** The client-facing reason of a refusal: what is expected, never what was sent. */
  readonly refusalMessage: string;
}

export function createRouterAuth(
  security: Pick<SecurityConfig, 'routerSecrets' | 'routerHmacSecrets'>,
): RouterAuth {
  const secretDigests = security.routerSecrets.map(digest);
  const hmacKeys = security.routerHmacSecrets.map((s) => Buffer.from(s, 'utf8'));
  const required = secretDigests.length > 0 || hmacKeys.length > 0;

  const expected = [
    secretDigests.length > 0 && `the ${ROUTER_SECRET_HEADER} header`,
    hmacKeys.length > 0 && `Hive Gateway's ${HMAC_SIGNATURE_EXTENSION} extension`,
  ].filter(Boolean);
  const refusalMessage =
    `This subgraph only serves requests from the router: ${expected.join(' or ')} ` +
    'is missing or wrong';

  function headerProves(headers: IncomingHttpHeaders): boolean {
    const sent = headers[ROUTER_SECRET_HEADER];
    // A repeated header arrives as an array: never a match, so no ambiguity.
    if (typeof sent !== 'string') return false;
    const sentDigest = digest(sent);
    let match = false;
    for (const d of secretDigests) match = timingSafeEqual(sentDigest, d) || match;
    return match;
  }

  function signatureProves(params: SignedParams): boolean {
    const extensions = params.extensions;
    const sent =
      extensions && typeof extensions === 'object'
        ? (extensions as Record<string, unknown>)[HMAC_SIGNATURE_EXTENSION]
        : undefined;
    // HMAC-SHA256 is 32 bytes: 43 base64 characters and one `=`.
    if (typeof sent !== 'string' || !/^[A-Za-z0-9+/]{43}=$/.test(sent)) return false;
    const signature = Buffer.from(sent, 'base64');
    const signed = Buffer.from(signedText(params), 'utf8');
    let match = false;
    for (const key of hmacKeys) {
      const mac = createHmac('sha256', key).update(signed).digest();
      match = timingSafeEqual(mac, signature) || match;
    }
    return match;
  }

  return {
    required,
    refusalMessage,
    check({ headers, params }) {
      if (!required) return 'accepted';
      if (secretDigests.length > 0 && headerProves(headers)) return 'accepted';
      if (hmacKeys.length === 0) return 'refused';
      if (params === undefined) return 'pending';
      return signatureProves(params) ? 'accepted' : 'refused';
    },
  };
}

/** What Hive Gateway signs: `{query, variables}` with sorted keys, empty variables left out. */
export function signedText(params: SignedParams): string {
  const { query, variables } = params;
  return (
    jsonStableStringify({
      query,
      variables: variables != null && Object.keys(variables).length > 0 ? variables : undefined,
    }) ?? ''
  );
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
