import { Kind, parse, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';
import type { RecordKind } from '../../../src/domain/models';
import { estimateUpstreamRecords } from '../../../src/graphql/upstreamBudget';
import { buildSchema } from '../../../src/graphql/schema';

const schema = buildSchema();

function estimate(
  query: string,
  variables: Record<string, unknown> = {},
  local?: (kind: RecordKind) => boolean,
): number {
  const document = parse(query);
  const fragments = new Map<string, FragmentDefinitionNode>();
  let operation: OperationDefinitionNode | undefined;
  for (const def of document.definitions) {
    if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
    if (def.kind === Kind.OPERATION_DEFINITION) operation = def;
  }
  return estimateUpstreamRecords({ schema, operation: operation!, fragments, variables, local });
}

const records = (n: number, typename = 'Customer') =>
  Array.from({ length: n }, (_, i) => ({ __typename: typename, number: i + 1 }));

describe('the upstream record estimate', () => {
  it('counts nothing for kinds answered locally, yet counts their records as parents', () => {
    const query =
      '{ customers(first: 500) { edges { node { number reservations { id tickets { number } } } } } }';
    const all = estimate(query);
    expect(all).toBe(500 + 1500 + 1500);
    expect(estimate(query, {}, (kind) => kind === 'customers')).toBe(1500 + 1500);
    expect(estimate(query, {}, (kind) => kind !== 'tickets')).toBe(1500);
    expect(estimate(query, {}, () => true)).toBe(0);
    expect(
      estimate(
        'query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { number } } }',
        { r: records(700) },
        (kind) => kind === 'customers',
      ),
    ).toBe(0);
  });

  it('counts one record for a single customer and nothing for scalars or introspection', () => {
    expect(estimate('{ customer(number: 1) { number lastName } }')).toBe(1);
    expect(estimate('{ __typename __schema { types { name } } }')).toBe(0);
  });

  it('counts a page by its `first` argument, its default, or its variable', () => {
    expect(estimate('{ customers(first: 200) { totalCount } }')).toBe(200);
    expect(estimate('{ customers { totalCount } }')).toBe(50);
    expect(estimate('query($n: Int) { customers(first: $n) { totalCount } }', { n: 300 })).toBe(
      300,
    );
    expect(estimate('query($n: Int = 70) { tickets(first: $n) { totalCount } }')).toBe(70);
  });

  it('counts customers picked by number by how many numbers there are', () => {
    expect(
      estimate('{ customers(first: 500, filter: { numbers: [1, 2, 3] }) { totalCount } }'),
    ).toBe(3);
  });

  it('counts nested lists by their records per parent and references per parent, through fragments', () => {
    const query = `{ customers(first: 100) { edges { node { ...C } } } }
      fragment C on Customer { reservations { customer { number } tickets { number } } tickets { number } }`;
    // 100 customers + 300 reservations (3 each) + 300 customer refs + 300 tickets of the
    // reservations (1 each) + 100 tickets of the customers
    expect(estimate(query)).toBe(1100);
  });

  it('adds up aliases of nested pages: ten searches of 500 customers with reservations and tickets', () => {
    const alias = (i: number) =>
      `a${i}: customers(first: 500, filter: { search: "s${i}" }) { edges { node { number reservations { id tickets { number } } } } }`;
    const query = `{ ${Array.from({ length: 10 }, (_, i) => alias(i)).join(' ')} }`;
    // per alias: 500 customers + 1,500 reservations + 1,500 tickets
    expect(estimate(query)).toBe(35_000);
  });

  it('counts entity representations per type for each type condition', () => {
    const query = `query($r: [_Any!]!) { _entities(representations: $r) {
      ... on Customer { reservations { id } } ... on Ticket { number } } }`;
    const reps = [...records(300), ...records(20, 'Ticket')];
    // 320 representations + 900 reservations of the 300 customers
    expect(estimate(query, { r: reps })).toBe(1220);
  });

  it('counts imported customers, inline or from a variable, and updates as read plus write', () => {
    expect(
      estimate(
        'mutation($c: [CustomerInput!]!) { importCustomers(customers: $c) { storedCount } }',
        {
          c: records(1200),
        },
      ),
    ).toBe(1200);
    expect(
      estimate(
        'mutation { importCustomers(customers: [{lastName: "a"}, {lastName: "b"}]) { storedCount } }',
      ),
    ).toBe(2);
    expect(estimate('mutation { cancelReservation(id: 1) { id } }')).toBe(2);
  });

  it('multiplies aliased pages', () => {
    const pages = Array.from(
      { length: 3 },
      (_, i) => `p${i}: reservations(first: 500) { totalCount }`,
    );
    expect(estimate(`{ ${pages.join(' ')} }`)).toBe(1500);
  });
});
