import { HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import { API300_MAX_RECORDS } from '../domain/models';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import {
  getNamedType,
  GraphQLError,
  isObjectType,
  isInterfaceType,
  Kind,
  valueFromASTUntyped,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLNamedType,
  type OperationDefinitionNode,
  type ParseOptions,
  type SelectionSetNode,
  type ValidationRule,
  type ValueNode,
} from 'graphql';
import type { Config } from '../config';

/**
 * Request limits (docs/operations.md, "Request limits"). Two layers:
 *
 * 1. GraphQL Armor validation rules against abusive documents: depth, cost, aliases and
 *    directives (tokens: graphql-js's own parse limit), sized for this schema (the deepest useful query,
 *    customers → edges → node → reservations → tickets → reservation → station → name, has
 *    depth 8), and field suggestions ("Did you mean …") masked when introspection is off,
 *    since they reveal the schema just as introspection would.
 * 2. The upstream budget rule: before execution, estimate how many upstream records the
 *    operation needs (`estimateUpstreamRecords`) and refuse it with
 *    `UPSTREAM_BUDGET_EXCEEDED` when that is more than one minute of budget can fetch
 *    (`callsPerMinute` × 500 records per call). Such an operation would otherwise queue for
 *    minutes and starve everyone else. It runs as a plugin, not a validation rule, because
 *    it needs the variables (`first: $n`, `representations: $reps`, `customers: $list`).
 */

export const REQUEST_LIMITS = {
  maxDepth: 10,
  maxAliases: 15,
  maxDirectives: 20,
  /** Enough for any hand-written query of this schema and the router's fetches; lists go in variables. */
  maxTokens: 2000,
  /**
   * Armor's cost: 1 per scalar, 2 per object, ×1.5 per level, × a literal `first`. Every
   * field of customers, their reservations and tickets under `customers(first: 500)` costs
   * about 240,000: one such page passes, two in one operation do not. (Armor does not see
   * `first: $variable`; the upstream budget rule does.)
   */
  maxCost: 300_000,
} as const;

export interface RequestLimitsOptions {
  config: Pick<Config, 'introspection' | 'upstream'>;
  /** Mask "Did you mean …" in error messages (default: when introspection is off). */
  blockFieldSuggestions?: boolean;
}

export interface RequestLimits {
  /** For `AppDeps.validationRules`. */
  validationRules: ValidationRule[];
  /** For `AppDeps.plugins`: armor's suggestion mask and the upstream budget rule. */
  plugins: ApolloServerPlugin[];
  /** For `AppDeps.parseOptions`: the token limit. */
  parseOptions: ParseOptions;
}

export function createRequestLimits(options: RequestLimitsOptions): RequestLimits {
  const armor = new ApolloArmor({
    maxDepth: { n: REQUEST_LIMITS.maxDepth, ignoreIntrospection: true, flattenFragments: true },
    costLimit: {
      maxCost: REQUEST_LIMITS.maxCost,
      ignoreIntrospection: true,
      flattenFragments: true,
    },
    maxAliases: { n: REQUEST_LIMITS.maxAliases },
    maxDirectives: { n: REQUEST_LIMITS.maxDirectives },
    // graphql-js enforces the token limit itself while parsing (a 400 parse error); armor's
    // Apollo token plugin throws outside Apollo's error handling and turns it into a 500.
    maxTokens: { enabled: false },
    blockFieldSuggestion: {
      enabled: options.blockFieldSuggestions ?? !options.config.introspection,
    },
  }).protect();
  return {
    validationRules: armor.validationRules,
    plugins: [...armor.plugins, createUpstreamBudgetPlugin(options.config.upstream.callsPerMinute)],
    parseOptions: { maxTokens: REQUEST_LIMITS.maxTokens },
  };
}

/** Refuses operations needing more records than `callsPerMinute` calls can fetch. */
export function createUpstreamBudgetPlugin(callsPerMinute: number): ApolloServerPlugin {
  const limit = callsPerMinute * API300_MAX_RECORDS;
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operation, request }) {
          if (!operation) return;
          const fragments = new Map<string, FragmentDefinitionNode>();
          for (const def of document.definitions) {
            if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
          }
          const estimate = estimateUpstreamRecords({
            schema: { getType: (name) => schema.getType(name) },
            operation,
            fragments,
            variables: request.variables ?? {},
          });
          if (estimate <= limit) return;
          throw new GraphQLError(
            `This operation would need about ${estimate} upstream records, more than one ` +
              `minute of upstream budget can fetch (${limit}: ${callsPerMinute} calls of ` +
              `${API300_MAX_RECORDS} records). Split it into smaller operations (smaller ` +
              '`first`, fewer representations or imported records per request).',
            {
              extensions: {
                code: 'UPSTREAM_BUDGET_EXCEEDED',
                estimatedRecords: estimate,
                limitRecords: limit,
                http: { status: 400, headers: new HeaderMap() },
              },
            },
          );
        },
      };
    },
  };
}

export interface EstimateInput {
  schema: { getType(name: string): GraphQLNamedType | null | undefined };
  operation: OperationDefinitionNode;
  fragments: ReadonlyMap<string, FragmentDefinitionNode>;
  /** Raw request variables (not coerced: lists are only counted). */
  variables: Record<string, unknown>;
}

type Args = (name: string) => unknown;

/**
 * Upstream record slots per parent record for the fields that cost any; every other field
 * costs nothing and passes its parent's count on (connections, edges, scalars).
 */
const FIELD_RECORDS: Partial<Record<string, (args: Args) => number>> = {
  'Query.customer': () => 1,
  'Query.customers': (args) => {
    const numbers = (args('filter') as { numbers?: unknown } | null | undefined)?.numbers;
    return Array.isArray(numbers) ? numbers.length : count(args('first'));
  },
  'Query.reservation': () => 1,
  'Query.reservations': (args) => count(args('first')),
  'Query.ticket': () => 1,
  'Query.tickets': (args) => count(args('first')),
  'Query.stations': () => 1,
  // Lists read by parent key: one key per parent, 500 keys per call.
  'Customer.reservations': () => 1,
  'Customer.tickets': () => 1,
  'Reservation.tickets': () => 1,
  // References read by key; assumed distinct (the loaders deduplicate, so this may overcount).
  'Reservation.customer': () => 1,
  'Ticket.customer': () => 1,
  'Ticket.reservation': () => 1,
  'Mutation.createCustomer': () => 1,
  'Mutation.updateCustomer': () => 2,
  'Mutation.importCustomers': (args) => count(args('customers')),
  'Mutation.createReservation': () => 1,
  'Mutation.updateReservation': () => 2,
  'Mutation.cancelReservation': () => 2,
  'Mutation.issueTicket': () => 1,
  'Mutation.redeemTicket': () => 1,
};

function count(value: unknown): number {
  if (Array.isArray(value)) return value.length;
  return typeof value === 'number' && Number.isFinite(value) ? Math.max(0, Math.trunc(value)) : 0;
}

/**
 * Upstream records an operation needs before the cache helps, counted in record slots:
 * a read of n keys or a page of n records takes n of the 500 slots of a call. Nested lists
 * count one key per parent (a customer's reservations need that customer's key in a call,
 * however many reservations come back); `_entities` counts its representations per type.
 * Deliberately no guess at fan-out: the rule refuses what is hopeless, and the gate's
 * deadline handles the rest.
 */
export function estimateUpstreamRecords(input: EstimateInput): number {
  const variables: Record<string, unknown> = {};
  for (const def of input.operation.variableDefinitions ?? []) {
    if (def.defaultValue)
      variables[def.variable.name.value] = valueFromASTUntyped(def.defaultValue);
  }
  Object.assign(variables, input.variables);
  const rootName = { query: 'Query', mutation: 'Mutation', subscription: 'Subscription' }[
    input.operation.operation
  ];
  const root = input.schema.getType(rootName);
  const visiting = new Set<string>();

  function argsOf(field: FieldNode, parent: GraphQLNamedType): Args {
    return (name) => {
      const node = field.arguments?.find((a) => a.name.value === name);
      if (node) return valueOf(node.value);
      if (!isObjectType(parent) && !isInterfaceType(parent)) return undefined;
      return parent.getFields()[field.name.value]?.args.find((a) => a.name === name)?.defaultValue;
    };
  }
  const valueOf = (node: ValueNode): unknown => valueFromASTUntyped(node, variables);

  function entitiesByType(field: FieldNode, parent: GraphQLNamedType): Map<string, number> {
    const byType = new Map<string, number>();
    const representations = argsOf(field, parent)('representations');
    if (!Array.isArray(representations)) return byType;
    for (const rep of representations) {
      const type = (rep as { __typename?: unknown } | null)?.__typename;
      const key = typeof type === 'string' ? type : '';
      byType.set(key, (byType.get(key) ?? 0) + 1);
    }
    return byType;
  }

  /** `perType`: inside `_entities`, how many parents each type condition stands for. */
  function visit(
    set: SelectionSetNode,
    parent: GraphQLNamedType,
    parents: number,
    perType?: Map<string, number>,
  ): number {
    let total = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        if (name.startsWith('__') || !(isObjectType(parent) || isInterfaceType(parent))) continue;
        const def = parent.getFields()[name];
        if (!def) continue;
        const type = getNamedType(def.type);
        if (parent.name === 'Query' && name === '_entities') {
          const byType = entitiesByType(selection, parent);
          const all = [...byType.values()].reduce((a, b) => a + b, 0);
          total +=
            all + (selection.selectionSet ? visit(selection.selectionSet, type, 0, byType) : 0);
          continue;
        }
        const perParent = FIELD_RECORDS[`${parent.name}.${name}`];
        const own = perParent ? parents * perParent(argsOf(selection, parent)) : 0;
        const children = perParent ? own : parents;
        total += own + (selection.selectionSet ? visit(selection.selectionSet, type, children) : 0);
      } else {
        const fragment =
          selection.kind === Kind.INLINE_FRAGMENT
            ? selection
            : input.fragments.get(selection.name.value);
        if (!fragment) continue;
        // Validation has already refused cycles; this guards the estimate on its own.
        const key = selection.kind === Kind.FRAGMENT_SPREAD ? selection.name.value : null;
        if (key !== null && visiting.has(key)) continue;
        if (key !== null) visiting.add(key);
        const condition = fragment.typeCondition?.name.value;
        const type = (condition && input.schema.getType(condition)) || parent;
        const count = perType && condition ? (perType.get(condition) ?? 0) : parents;
        total += visit(
          fragment.selectionSet,
          type,
          count,
          perType && !condition ? perType : undefined,
        );
        if (key !== null) visiting.delete(key);
      }
    }
    return total;
  }

  return root ? visit(input.operation.selectionSet, root, 1) : 0;
}
