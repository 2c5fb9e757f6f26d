import { API300_MAX_RECORDS, RECORD_KINDS, type RecordKind } from '../domain/models';
import { RECORD_KIND_INFO } from '../domain/recordKinds';
import { HeaderMap, type ApolloServerPlugin } from '@apollo/server';
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
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import type { Config } from '../config';

/**
 * The upstream budget rule of the request limits (docs/operations.md, "Request limits";
 * the other limits are in requestLimits.ts): before execution, estimate how many upstream
 * records the operation needs (`estimateUpstreamRecords`) and refuse it with
 * `UPSTREAM_BUDGET_EXCEEDED` when that is more than one minute of budget can fetch: 500
 * records per call, for a query the calls reads may use (`callsPerMinute` − `writeReserve`),
 * for a mutation every call. It runs as a plugin, not a validation rule, because it needs
 * the variables (`first: $n`, `representations: $reps`, `customers: $list`).
 */

/** Refuses operations needing more records than one minute of their calls can fetch. */
export function createUpstreamBudgetPlugin(
  upstream: Pick<Config['upstream'], 'callsPerMinute' | 'writeReserve'>,
  local?: (kind: RecordKind) => boolean,
): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operation, request }) {
          if (!operation) return;
          // A query over kinds that are all answered locally can need no upstream record:
          // the walk below would only cost the hot path.
          if (operation.operation === 'query' && local && RECORD_KINDS.every(local)) return;
          const fragments = new Map<string, FragmentDefinitionNode>();
          for (const def of document.definitions) {
            if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
          }
          const estimate = estimateUpstreamRecords({
            schema: { getType: (name) => schema.getType(name) },
            operation,
            fragments,
            variables: request.variables ?? {},
            local,
          });
          const writes = operation.operation === 'mutation';
          const calls = writes
            ? upstream.callsPerMinute
            : upstream.callsPerMinute - upstream.writeReserve;
          const limit = calls * API300_MAX_RECORDS;
          if (estimate <= limit) return;
          const whose = writes ? 'calls' : 'calls reads may use';
          throw new GraphQLError(
            `This operation would need about ${estimate} upstream records, more than one ` +
              `minute of upstream budget can fetch (${limit}: ${calls} ${whose} a minute, of ` +
              `${API300_MAX_RECORDS} records each). Split it into smaller operations (smaller ` +
              '`first`, fewer aliases, nested lists or representations, fewer imported ' +
              'records per request).',
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
  /**
   * Whether reads of a kind are answered locally (the mirror holds it): its fields cost no
   * upstream record, though the records they return still count as parents of nested fields.
   */
  local?: (kind: RecordKind) => boolean;
}

/**
 * Which kind each costing read field reads (mutations always reach API300), from the kinds'
 * descriptor: `Query.customer` and `Query.customers`, and for each kind listed by a parent
 * both directions of the link (`Customer.tickets`, `Ticket.customer`).
 */
const FIELD_KIND: Partial<Record<string, RecordKind>> = Object.fromEntries(
  RECORD_KINDS.flatMap((kind) => {
    const info = RECORD_KIND_INFO[kind];
    const fields: [string, RecordKind][] = [[`Query.${kind}`, kind]];
    if (info.single !== null) fields.push([`Query.${info.single}`, kind]);
    if (kind !== 'stations') {
      for (const parent of RECORD_KIND_INFO[kind].parents) {
        const of = RECORD_KIND_INFO[parent];
        fields.push([`${of.typename}.${kind}`, kind], [`${info.typename}.${of.single}`, parent]);
      }
    }
    return fields;
  }),
);

/** Which kind each entity type is (`_entities` representations). */
const ENTITY_KIND: Partial<Record<string, RecordKind>> = Object.fromEntries(
  RECORD_KINDS.map((kind) => [RECORD_KIND_INFO[kind].typename, kind]),
);

type Args = (name: string) => unknown;

/**
 * How many records a list read by parent is assumed to hold per parent: a customer's
 * reservations (the seeded demo data holds 3 per customer), a customer's or a
 * reservation's tickets (fewer than 1). The children come back in pages of 500 whatever
 * the number of parents, so such a list costs max(parents, children) record slots, and the
 * fields below it count per child. A guess, stated once: lists longer than this cost more
 * than estimated, so the rule still refuses only what is hopeless.
 */
export const RECORDS_PER_PARENT = { reservations: 3, tickets: 1 } as const;

/**
 * Upstream record slots per parent record for the fields that cost any; every other field
 * costs nothing and passes its parent's count on (connections, edges, scalars). The
 * records a field passes on to its own selection are its slots, too.
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
  // Lists read by parent key, 500 parents per call, children in pages of 500.
  'Customer.reservations': () => RECORDS_PER_PARENT.reservations,
  'Customer.tickets': () => RECORDS_PER_PARENT.tickets,
  'Reservation.tickets': () => RECORDS_PER_PARENT.tickets,
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
  // With a number: the fresh read that refuses an existing ticket, then the write.
  'Mutation.issueTicket': (args) =>
    (args('input') as { number?: unknown } | null | undefined)?.number ? 2 : 1,
  'Mutation.redeemTicket': () => 1,
};

function count(value: unknown): number {
  if (Array.isArray(value)) return value.length;
  return typeof value === 'number' && Number.isFinite(value) ? Math.max(0, Math.trunc(value)) : 0;
}

/**
 * Upstream records an operation needs before the cache helps, counted in record slots:
 * a read of n keys or a page of n records takes n of the 500 slots of a call. Nested lists
 * count `RECORDS_PER_PARENT` per parent (a customer's reservations need that customer's key
 * in a call and come back in pages); `_entities` counts its representations per type.
 * Aliases add up: ten aliases of one page cost ten pages. The rule refuses what is
 * hopeless; the gate's deadline handles the rest.
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
  const isLocal = (kind: RecordKind | undefined) =>
    kind !== undefined && (input.local?.(kind) ?? false);

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
          const all = [...byType.entries()]
            .filter(([typename]) => !isLocal(ENTITY_KIND[typename]))
            .reduce((a, [, n]) => a + n, 0);
          total +=
            all + (selection.selectionSet ? visit(selection.selectionSet, type, 0, byType) : 0);
          continue;
        }
        const perParent = FIELD_RECORDS[`${parent.name}.${name}`];
        const own = perParent ? parents * perParent(argsOf(selection, parent)) : 0;
        const children = perParent ? own : parents;
        const cost = isLocal(FIELD_KIND[`${parent.name}.${name}`]) ? 0 : own;
        total +=
          cost + (selection.selectionSet ? visit(selection.selectionSet, type, children) : 0);
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
