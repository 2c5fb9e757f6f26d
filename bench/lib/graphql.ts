/**
 * One GraphQL request over HTTP, classified the way benchmarks and fault tests count
 * answers: `data` (no error at all), the first `extensions.code` of the errors, or a
 * transport-level outcome (`HTTP_<status>`, `TIMEOUT`, `NETWORK`). A response with data
 * and errors counts by its error: a half-answered board is not a served one.
 */

export interface GraphQLBody {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; extensions?: { code?: string; retryAfter?: number } }>;
}

export interface GraphQLAnswer {
  /** `data`, an error code, `HTTP_<status>`, `TIMEOUT` or `NETWORK`. */
  outcome: string;
  /** HTTP status; 0 when no response came. */
  status: number;
  body: GraphQLBody | null;
  latencyMs: number;
}

export interface GraphQLRequestOptions {
  variables?: Record<string, unknown>;
  headers?: Record<string, string>;
  /** Client-side give-up time; the answer is then `TIMEOUT`. Default 120 s. */
  timeoutMs?: number;
}

/** The outcome of a parsed body (`data` or the first error code, `UNCODED_ERROR` without one). */
export function outcomeOf(body: GraphQLBody): string {
  const first = body.errors?.[0];
  if (!first) return 'data';
  return first.extensions?.code ?? 'UNCODED_ERROR';
}

export async function postGraphQL(
  url: string,
  query: string,
  options: GraphQLRequestOptions = {},
): Promise<GraphQLAnswer> {
  const started = performance.now();
  const latency = () => performance.now() - started;
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...options.headers },
      body: JSON.stringify({ query, variables: options.variables ?? {} }),
      signal: AbortSignal.timeout(options.timeoutMs ?? 120_000),
    });
  } catch (e) {
    const outcome = (e as Error).name === 'TimeoutError' ? 'TIMEOUT' : 'NETWORK';
    return { outcome, status: 0, body: null, latencyMs: latency() };
  }
  let text: string;
  try {
    text = await response.text();
  } catch (e) {
    const outcome = (e as Error).name === 'TimeoutError' ? 'TIMEOUT' : 'NETWORK';
    return { outcome, status: response.status, body: null, latencyMs: latency() };
  }
  let body: GraphQLBody | null = null;
  try {
    body = JSON.parse(text) as GraphQLBody;
  } catch {
    // not JSON (413, 404 …): classified by status below
  }
  const outcome = body && typeof body === 'object' ? outcomeOf(body) : `HTTP_${response.status}`;
  return { outcome, status: response.status, body, latencyMs: latency() };
}

/** `importCustomers` with the per-record result; shared by the import benchmark and the tests. */
export const IMPORT_CUSTOMERS = /* GraphQL */ `
  mutation Import($customers: [CustomerInput!]!) {
    importCustomers(customers: $customers) {
      storedCount
      failedCount
      results {
        index
        number
        success
        error {
          code
          field
          message
        }
      }
    }
  }
`;
