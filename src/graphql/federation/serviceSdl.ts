import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, visit, BREAK, type DocumentNode } from 'graphql';
import type { Config } from '../../config';

/**
 * Who may read the schema (docs/federation.md, "Introspection and `_service`").
 *
 * - `INTROSPECTION=true` (default): `__schema`/`__type` and `_service { sdl }` answer everyone
 *   who reaches the GraphQL endpoint.
 * - `INTROSPECTION=false` (the default in production): Apollo refuses `__schema`/`__type`
 *   (its own `introspection` option). `_service { sdl }` is the full schema too, so this
 *   plugin refuses it as well — unless only the router reaches GraphQL: a router credential
 *   is configured (routerAuth.ts refuses everyone else) or `ROUTER_AUTH_DISABLED=true` says
 *   the network is the router's. The router needs `_service` for `rover subgraph introspect`
 *   or `IntrospectAndCompose`.
 *
 * `_entities` is never affected: the router needs it to resolve entities.
 */
export function createServiceSdlPlugin(
  config: Pick<Config, 'introspection' | 'security'>,
): ApolloServerPlugin {
  const { routerSecrets, routerHmacSecrets, routerAuthDisabled } = config.security;
  const serviceSdlAllowed =
    config.introspection ||
    routerSecrets.length > 0 ||
    routerHmacSecrets.length > 0 ||
    routerAuthDisabled;
  return {
    async requestDidStart() {
      if (serviceSdlAllowed) return;
      return {
        async didResolveOperation({ document }) {
          if (asksForServiceSdl(document)) {
            throw new GraphQLError(
              '`_service` is not allowed: introspection is disabled on this subgraph (INTROSPECTION=false)',
              { extensions: { code: 'GRAPHQL_VALIDATION_FAILED', http: { status: 400 } } },
            );
          }
        },
      };
    },
  };
}

/** `_service` exists only on Query, so any field of that name in a valid document is it (aliases keep the name). */
function asksForServiceSdl(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    Field(node) {
      if (node.name.value !== '_service') return undefined;
      found = true;
      return BREAK;
    },
  });
  return found;
}
