import { IMPORT_CUSTOMERS } from '../../../bench/lib/graphql';
import type { RunningSimulator } from '../../../src/simulator';
import { callSoap, simulatorStats, xmlText } from '../../helpers/simulator';
import {
  AUDITOR_TOKENS,
  FIRST_CUSTOMER,
  demoPairCalls,
  embeddedSimulator,
  expectBudgetKept,
  startE2eSubgraph,
  subgraphCalls,
  type E2eSubgraph,
} from './stack';

/**
 * The subgraph as `npm start` runs it (embedded simulator, real
 * sockets) spends exactly the upstream calls batching allows, and its writes lose nothing.
 * Upstream calls are counted by the simulator (`/__simulator/stats`); what the simulator
 * stored is read with a second token pair, outside the subgraph's budget.
 */

const BUDGET = 50;

let subgraph: E2eSubgraph;
let sim: RunningSimulator;

beforeEach(async () => {
  subgraph = await startE2eSubgraph({
    env: { UPSTREAM_CALLS_PER_MINUTE: String(BUDGET), REQUEST_DEADLINE_MS: '5000' },
    simulator: { customers: 2000, reservations: 6000, tickets: 5000 },
  });
  sim = embeddedSimulator(subgraph);
});

afterEach(async () => {
  await expectBudgetKept(sim, BUDGET);
  await subgraph.stop();
});

/** Sends an operation that must succeed; returns its data. */
async function ok<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
  const answer = await subgraph.query(query, variables);
  expect({ outcome: answer.outcome, errors: answer.body?.errors }).toEqual({
    outcome: 'data',
    errors: undefined,
  });
  return answer.body?.data as T;
}

/** Upstream calls the subgraph makes while `action` runs. */
async function callsDuring(action: () => Promise<unknown>): Promise<number> {
  const before = await subgraphCalls(sim);
  await action();
  return (await subgraphCalls(sim)) - before;
}

/** A field of the customer as the simulator stores it (read with the auditor pair). */
async function storedField(number: number, field: string): Promise<string | undefined> {
  const reply = await callSoap(
    sim,
    'GetCustomer',
    { CustomerNumber: number },
    { tokens: AUDITOR_TOKENS },
  );
  expect(xmlText(reply.body, 'Code')).toBe('0');
  return xmlText(reply.body, field);
}

const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);
const callsFor = (records: number) => Math.max(1, Math.ceil(records / 500));

const NESTED = /* GraphQL */ `
  query Nested($numbers: [Int!]!, $first: Int!) {
    customers(filter: { numbers: $numbers }, first: $first) {
      edges {
        node {
          number
          reservations {
            id
          }
          tickets {
            number
          }
        }
      }
    }
  }
`;

type NestedData = {
  customers: {
    edges: Array<{
      node: { number: number; reservations: { id: number }[]; tickets: { number: string }[] };
    }>;
  };
};

describe('reads cost one upstream call per 500 records of each kind', () => {
  it('answers 300 customers with their reservations and tickets in 1 + ⌈reservations/500⌉ + ⌈tickets/500⌉ calls', async () => {
    const numbers = range(FIRST_CUSTOMER, 300);
    let data: NestedData | undefined;

    const calls = await callsDuring(async () => {
      data = await ok<NestedData>(NESTED, { numbers, first: 300 });
    });

    const nodes = data!.customers.edges.map((e) => e.node);
    expect(nodes.map((n) => n.number)).toEqual(numbers);
    const reservations = nodes.reduce((sum, n) => sum + n.reservations.length, 0);
    const tickets = nodes.reduce((sum, n) => sum + n.tickets.length, 0);
    // The data must be big enough to need several pages, or the test proves little.
    expect(reservations).toBeGreaterThan(500);
    expect(tickets).toBeGreaterThan(500);
    expect(calls).toBe(1 + callsFor(reservations) + callsFor(tickets));
  });

  it('resolves _entities with 500 Customer representations in one call', async () => {
    const numbers = range(FIRST_CUSTOMER + 1000, 500);
    let entities: Array<{ number: number; lastName: string | null } | null> = [];

    const calls = await callsDuring(async () => {
      const data = await ok<{ _entities: typeof entities }>(
        /* GraphQL */ `
          query Entities($representations: [_Any!]!) {
            _entities(representations: $representations) {
              ... on Customer {
                number
                lastName
              }
            }
          }
        `,
        { representations: numbers.map((number) => ({ __typename: 'Customer', number })) },
      );
      entities = data._entities;
    });

    expect(entities.map((e) => e?.number)).toEqual(numbers);
    expect(calls).toBe(1);
  });
});

const CUSTOMER_FIELDS = /* GraphQL */ `
  query Customer($number: Int!) {
    customer(number: $number) {
      number
      birthday
      email
      city
    }
  }
`;

const UPDATE = /* GraphQL */ `
  mutation Update($number: Int!, $patch: CustomerPatch!) {
    updateCustomer(number: $number, patch: $patch) {
      number
      birthday
      email
      city
    }
  }
`;

type CustomerFields = {
  number: number;
  birthday: string | null;
  email: string | null;
  city: string | null;
};

/** A seeded customer with a birthday (one upstream read). */
async function customerWithBirthday(): Promise<CustomerFields> {
  const data = await ok<{ customers: { edges: Array<{ node: CustomerFields }> } }>(/* GraphQL */ `
    query Some {
      customers(first: 50) {
        edges {
          node {
            number
            birthday
            email
            city
          }
        }
      }
    }
  `);
  const found = data.customers.edges.map((e) => e.node).find((c) => c.birthday !== null);
  if (!found) throw new Error('no seeded customer among the first 50 has a birthday');
  return found;
}

describe('writes lose nothing', () => {
  it('keeps the birthday when updateCustomer patches another field (read back through GraphQL and in API300)', async () => {
    const customer = await customerWithBirthday();
    const email = `patched.${customer.number}@example.com`;
    let updated: CustomerFields | undefined;

    const calls = await callsDuring(async () => {
      updated = (
        await ok<{ updateCustomer: CustomerFields }>(UPDATE, {
          number: customer.number,
          patch: { email },
        })
      ).updateCustomer;
    });

    expect(calls).toBe(2); // GetCustomer (fresh, not the cached copy) + SetCustomer of the whole record
    expect(updated).toEqual({ ...customer, email });
    const readBack = await ok<{ customer: CustomerFields }>(CUSTOMER_FIELDS, {
      number: customer.number,
    });
    expect(readBack.customer).toEqual({ ...customer, email });
    expect(await storedField(customer.number, 'Birthday')).toBe(`${customer.birthday}T00:00:00`);
    expect(await storedField(customer.number, 'Email')).toBe(email);
  });

  it('keeps both of two concurrent updates of one customer that change different fields', async () => {
    const customer = await customerWithBirthday();
    const email = `concurrent.${customer.number}@example.com`;
    const city = customer.city === 'Bremerhaven' ? 'Cuxhaven' : 'Bremerhaven';

    const calls = await callsDuring(() =>
      Promise.all([
        ok(UPDATE, { number: customer.number, patch: { email } }),
        ok(UPDATE, { number: customer.number, patch: { city } }),
      ]),
    );

    expect(calls).toBe(4); // each update read fresh and wrote the whole record, one after the other
    const readBack = await ok<{ customer: CustomerFields }>(CUSTOMER_FIELDS, {
      number: customer.number,
    });
    expect(readBack.customer).toEqual({ ...customer, email, city });
    expect(await storedField(customer.number, 'Email')).toBe(email);
    expect(await storedField(customer.number, 'City')).toBe(city);
    expect(await storedField(customer.number, 'Birthday')).toBe(`${customer.birthday}T00:00:00`);
  });

  it('imports 1,200 customers with 3 invalid ones: 3 errors reported, 1,197 stored, in at most 3 SetCustomers calls', async () => {
    const records: Array<Record<string, unknown>> = range(0, 1200).map((i) => ({
      firstName: 'Import',
      lastName: `E2E ${i}`,
      email: `import.${i}@example.com`,
    }));
    const spoilers = {
      7: { discount: 150 }, // out of range, refused locally
      600: { country: 'Deutschland' }, // not ISO 3166 alpha-2, refused locally
      3: { cardNumber: 'E2E-CARD-1' },
      // Valid on its own; API300 refuses it because record 3 took the card number first.
      1150: { cardNumber: 'E2E-CARD-1' },
    } as const;
    for (const [index, spoiler] of Object.entries(spoilers))
      Object.assign(records[Number(index)], spoiler);
    const before = await simulatorStats(sim);

    const { importCustomers: payload } = await ok<{
      importCustomers: {
        storedCount: number;
        failedCount: number;
        results: Array<{
          index: number;
          number: number | null;
          success: boolean;
          error: { code: string; field: string | null; message: string } | null;
        }>;
      };
    }>(IMPORT_CUSTOMERS, { customers: records });

    const after = await simulatorStats(sim);
    expect({ stored: payload.storedCount, failed: payload.failedCount }).toEqual({
      stored: 1197,
      failed: 3,
    });
    expect(payload.results.map((r) => r.index)).toEqual(range(0, 1200));
    const failures = payload.results.filter((r) => !r.success);
    expect(failures.map((f) => [f.index, f.error?.code])).toEqual([
      [7, 'BAD_USER_INPUT'],
      [600, 'BAD_USER_INPUT'],
      [1150, 'UPSTREAM_VALIDATION'],
    ]);
    expect(failures.map((f) => f.error?.field ?? f.error?.message)).toEqual([
      'discount',
      'country',
      expect.stringContaining('CardNumber'),
    ]);
    const storedNumbers = payload.results.filter((r) => r.success).map((r) => r.number);
    expect(new Set(storedNumbers).size).toBe(1197);
    expect(after.data.customers - before.data.customers).toBe(1197);
    const setCustomersCalls =
      (after.callsByOperation.SetCustomers ?? 0) - (before.callsByOperation.SetCustomers ?? 0);
    expect(setCustomersCalls).toBeLessThanOrEqual(3);
    expect(demoPairCalls(after) - demoPairCalls(before)).toBe(setCustomersCalls);

    // The stored records read back through GraphQL as imported.
    const sample = storedNumbers.slice(0, 500) as number[];
    const data = await ok<{
      customers: { edges: Array<{ node: { number: number; lastName: string } }> };
    }>(
      /* GraphQL */ `
        query Imported($numbers: [Int!]!) {
          customers(filter: { numbers: $numbers }, first: 500) {
            edges {
              node {
                number
                lastName
              }
            }
          }
        }
      `,
      { numbers: sample },
    );
    expect(data.customers.edges.map((e) => e.node.number)).toEqual(sample);
    expect(data.customers.edges[7].node.lastName).toBe('E2E 8'); // record 7 was refused
  });
});
