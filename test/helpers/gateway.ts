import { composeServices, type CompositionSuccess } from '@apollo/composition';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { Kind, parse, print, visit, type DirectiveNode, type GraphQLSchema } from 'graphql';

/**
 * Federation test helpers: fetch a running subgraph's SDL, compose a supergraph the way
 * `rover supergraph compose` does, and run a real `@apollo/gateway` in front of subgraphs,
 * all over real sockets on free ports.
 */

/** For the Apollo servers of fixtures and the gateway: tests assert on responses, not logs. */
export const silentLogger = { debug() {}, info() {}, warn() {}, error() {} };

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface GraphQLResponse<TData = Record<string, Json>> {
  status: number;
  headers: Headers;
  body: {
    data?: TData | null;
    errors?: { message: string; extensions?: Record<string, Json> }[];
  };
}

/** POSTs one GraphQL operation as JSON (which also satisfies Apollo's CSRF prevention). */
export async function postGraphQL<TData = Record<string, Json>>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<TData>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return {
    status: res.status,
    headers: res.headers,
    body: (await res.json()) as GraphQLResponse<TData>['body'],
  };
}

/** The subgraph's SDL as a router gets it: `_service { sdl }`. */
export async function fetchServiceSdl(
  url: string,
  headers: Record<string, string> = {},
): Promise<string> {
  const { body } = await postGraphQL(url, '{ _service { sdl } }', undefined, headers);
  const service = body.data?._service as { sdl?: unknown } | undefined;
  if (typeof service?.sdl !== 'string') {
    throw new Error(`No SDL from ${url}: ${JSON.stringify(body.errors ?? body)}`);
  }
  return service.sdl;
}

/** A composition hint (`@apollo/composition` does not export the class from its index). */
export type CompositionHint = CompositionSuccess['hints'][number];

export interface SubgraphSource {
  name: string;
  url: string;
  sdl: string;
}

export interface Supergraph {
  supergraphSdl: string;
  /** The schema clients of the router see (no join directives, no `_entities`). */
  apiSchema: GraphQLSchema;
  hints: CompositionHint[];
}

/** Composes with `@apollo/composition` (what rover runs); throws listing every composition error. */
export function composeSupergraph(subgraphs: readonly SubgraphSource[]): Supergraph {
  const result = composeServices(
    subgraphs.map(({ name, url, sdl }) => ({ name, url, typeDefs: parse(sdl) })),
  );
  if (result.errors) {
    throw new Error(
      `Composition failed:\n  - ${result.errors.map((e) => e.message).join('\n  - ')}`,
    );
  }
  return {
    supergraphSdl: result.supergraphSdl,
    apiSchema: result.schema.toAPISchema().toGraphQLJSSchema(),
    hints: result.hints,
  };
}

export interface RunningGateway {
  /** GraphQL URL of the gateway. */
  url: string;
  stop(): Promise<void>;
}

/** The supergraph's authorization features (`@link(…, for: SECURITY)`) and their directives. */
const SECURITY_DIRECTIVES = new Set(['authenticated', 'requiresScopes']);

/**
 * `supergraphSdl` without its authorization features: `@apollo/gateway` enforces neither
 * `@authenticated` nor `@requiresScopes`, so it refuses a supergraph that links them
 * `for: SECURITY` (as it must). The router enforces them (docs/federation.md); the tests'
 * gateway plays the router's query planning only.
 */
export function withoutSecurityFeatures(supergraphSdl: string): string {
  const isSecurityLink = (node: DirectiveNode) =>
    node.name.value === 'link' &&
    node.arguments?.some(
      (a) => a.name.value === 'for' && a.value.kind === Kind.ENUM && a.value.value === 'SECURITY',
    );
  return print(
    visit(parse(supergraphSdl), {
      Directive: (node) =>
        SECURITY_DIRECTIVES.has(node.name.value) || isSecurityLink(node) ? null : undefined,
      DirectiveDefinition: (node) => (SECURITY_DIRECTIVES.has(node.name.value) ? null : undefined),
      ScalarTypeDefinition: (node) =>
        node.name.value === 'requiresScopes__Scope' ? null : undefined,
    }),
  );
}

/**
 * A real `@apollo/gateway` serving `supergraphSdl`, sending `subgraphHeaders` with every
 * subgraph fetch (the way a router config adds the router secret).
 */
export async function startGateway(
  supergraphSdl: string,
  subgraphHeaders: Record<string, string> = {},
): Promise<RunningGateway> {
  const gateway = new ApolloGateway({
    supergraphSdl: withoutSecurityFeatures(supergraphSdl),
    logger: silentLogger,
    buildService: ({ url }) =>
      new RemoteGraphQLDataSource({
        url,
        willSendRequest({ request }) {
          for (const [name, value] of Object.entries(subgraphHeaders))
            request.http?.headers.set(name, value);
        },
      }),
  });
  const apollo = new ApolloServer({ gateway, logger: silentLogger });
  const { url } = await startStandaloneServer(apollo, { listen: { port: 0, host: '127.0.0.1' } });
  return { url, stop: () => apollo.stop() };
}
