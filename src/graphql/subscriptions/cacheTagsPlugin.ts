import type { ApolloServerPlugin } from '@apollo/server';
import {
  TypeInfo,
  getNamedType,
  valueFromASTUntyped,
  visit,
  visitWithTypeInfo,
  type FieldNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { ENTITY_TAG, LIST_TAG } from './cacheTags';

/** The entity types, by the mirror kind whose changes make them stale. */
const KIND_OF_TYPE = {
  Customer: 'customers',
  Reservation: 'reservations',
  Ticket: 'tickets',
  Station: 'stations',
} as const;
type EntityType = keyof typeof KIND_OF_TYPE;

const isEntityType = (name: string): name is EntityType => name in KIND_OF_TYPE;

/** The own tag of a root field, from its arguments; `undefined` for fields with none. */
const ROOT_FIELD_TAG: Record<string, (args: Record<string, unknown>) => string | undefined> = {
  customer: (a) => (typeof a.number === 'number' ? ENTITY_TAG.customers(a.number) : undefined),
  reservation: (a) => (typeof a.id === 'number' ? ENTITY_TAG.reservations(a.id) : undefined),
  ticket: (a) => (typeof a.number === 'string' ? ENTITY_TAG.tickets(a.number) : undefined),
  customers: () => LIST_TAG('customers'),
  reservations: () => LIST_TAG('reservations'),
  tickets: () => LIST_TAG('tickets'),
  stations: () => LIST_TAG('stations'),
};

/** The entity type each tagged root field returns (its own tag covers that type). */
const typeOfRoot: Record<string, EntityType> = {
  customer: 'Customer',
  customers: 'Customer',
  reservation: 'Reservation',
  reservations: 'Reservation',
  ticket: 'Ticket',
  tickets: 'Ticket',
  stations: 'Station',
};

function entityTagOf(representation: unknown): string | undefined {
  const r = representation as Record<string, unknown> | null;
  switch (r?.__typename) {
    case 'Customer':
      return ENTITY_TAG.customers(Number(r.number));
    case 'Reservation':
      return ENTITY_TAG.reservations(Number(r.id));
    case 'Ticket':
      return ENTITY_TAG.tickets(String(r.number));
    case 'Station':
      return ENTITY_TAG.stations(Number(r.number));
    default:
      return undefined;
  }
}

/** Per root field of the operation, the entity types its selection reaches below itself. */
function nestedTypes(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
): Map<FieldNode, Set<EntityType>> {
  const typeInfo = new TypeInfo(schema);
  const reached = new Map<FieldNode, Set<EntityType>>();
  let root: FieldNode | null = null;
  let depth = 0;
  visit(
    operation,
    visitWithTypeInfo(typeInfo, {
      Field: {
        enter(node) {
          depth++;
          if (depth === 1) {
            root = node;
            reached.set(node, new Set());
            return;
          }
          const type = typeInfo.getType();
          const named = type && getNamedType(type);
          if (root && named && isEntityType(named.name)) reached.get(root)!.add(named.name);
        },
        leave() {
          depth--;
        },
      },
      // Named fragment spreads are not followed: a router's fetches use inline fragments.
    }),
  );
  return reached;
}

const listTagsOf = (types: Set<EntityType> | undefined, except: string | null): string[] =>
  [...(types ?? [])].filter((t) => t !== except).map((t) => LIST_TAG(KIND_OF_TYPE[t]));

/**
 * Cache tags for Apollo Router's response cache (docs/federation.md, "Router caches"): every
 * query response carries `extensions.apolloCacheTags` (its root fields' tags: `customer-7`
 * for `customer(number: 7)`, `reservations` for the list, plus the list tag of each other
 * entity type nested in them) and, for the router's `_entities` fetches,
 * `extensions.apolloEntityCacheTags` (per representation, in order: `reservation-42` and the
 * nested types' list tags). The subgraph invalidates exactly these tags on each change
 * (routerInvalidation.ts), so the router may cache for long and still never serve a change
 * later than the subgraph does. Tags are set in SDL-free form so that every gateway
 * (including `@apollo/gateway`) can still run the supergraph.
 */
export function createCacheTagsPlugin(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response, operation, request, schema }) {
          if (response.body.kind !== 'single' || operation?.operation !== 'query') return;
          const variables = request.variables ?? {};
          const rootTags = new Set<string>();
          let entityTags: string[][] | undefined;
          const reached = nestedTypes(schema, operation);
          for (const selection of operation.selectionSet.selections) {
            if (selection.kind !== 'Field') continue;
            const name = selection.name.value;
            const args = Object.fromEntries(
              (selection.arguments ?? []).map((a) => [
                a.name.value,
                valueFromASTUntyped(a.value, variables),
              ]),
            );
            if (name === '_entities') {
              const representations = Array.isArray(args.representations)
                ? args.representations
                : [];
              entityTags = representations.map((rep) => {
                const own = entityTagOf(rep);
                const others = listTagsOf(
                  reached.get(selection),
                  String((rep as { __typename?: unknown }).__typename),
                );
                return own ? [own, ...others] : others;
              });
              continue;
            }
            const own = ROOT_FIELD_TAG[name]?.(args);
            if (own === undefined) continue;
            rootTags.add(own);
            const rootType = typeOfRoot[name] ?? null;
            for (const tag of listTagsOf(reached.get(selection), rootType)) rootTags.add(tag);
          }
          if (rootTags.size === 0 && !entityTags) return;
          const result = response.body.singleResult;
          result.extensions = {
            ...result.extensions,
            ...(rootTags.size > 0 && { apolloCacheTags: [...rootTags] }),
            ...(entityTags && { apolloEntityCacheTags: entityTags }),
          };
        },
      };
    },
  };
}
