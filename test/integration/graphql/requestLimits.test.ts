import { getIntrospectionQuery } from 'graphql';
import { loadConfig } from '../../../src/config';
import { createRequestLimits, REQUEST_LIMITS } from '../../../src/graphql/requestLimits';
import { createApp, type App } from '../../../src/graphql/server';
import {
  FakeRepository,
  makeCustomer,
  makeReservation,
  makeTicket,
} from '../../helpers/fakeRepository';

interface Reply {
  status: number;
  body: { data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] };
}

let app: App | undefined;
let fake: FakeRepository;

async function start(
  env: Record<string, string> = {},
): Promise<(query: string, variables?: object) => Promise<Reply>> {
  const config = loadConfig(env);
  const limits = createRequestLimits({ config });
  fake = new FakeRepository();
  app = await createApp({
    config,
    repository: fake,
    stopGracePeriodMs: 1000,
    validationRules: limits.validationRules,
    plugins: limits.plugins,
    parseOptions: limits.parseOptions,
  });
  const { url } = await app.listen(0, '127.0.0.1');
  return async (query, variables) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
    return { status: res.status, body: (await res.json()) as Reply['body'] };
  };
}

afterEach(async () => {
  await app?.stop();
  app = undefined;
});

const CUSTOMER_FIELDS = `number salutation firstName lastName company alias gender birthday street
  zipCode city country phonePrivate phoneBusiness mobile fax email homepage reachableFrom reachableTo
  cardNumber discount priceLevel creditLimit locked favourite memo created changed`;
const RESERVATION_FIELDS = `id stationNumber guestName phone email start durationMinutes persons tables
  status comment created changed station { number name active }`;
const TICKET_FIELDS = `number articleNumber articleName validFrom validTo price status redeemedAt
  created changed redeemedStation { name }`;

const codes = (reply: Reply) => reply.body.errors?.map((e) => e.extensions?.code);

describe('request limits', () => {
  it('allow a page of 500 customers with every field of them, their reservations and tickets', async () => {
    const post = await start();
    fake.addCustomers(makeCustomer(1));
    fake.addReservations(makeReservation(7, { customerNumber: 1 }));
    fake.addTickets(makeTicket('T1', { reservationId: 7 }));
    const reply =
      await post(`{ customers(first: 500) { totalCount edges { cursor node { ${CUSTOMER_FIELDS}
        reservations { ${RESERVATION_FIELDS} tickets { ${TICKET_FIELDS} reservation { id station { name } } } }
        tickets { ${TICKET_FIELDS} } } } } }`);
    expect(reply.body.errors).toBeUndefined();
    expect(reply.status).toBe(200);
  });

  it('refuse an operation deeper than the depth limit', async () => {
    const post = await start();
    const reply = await post(`{ customers { edges { node { reservations { tickets { reservation {
        customer { reservations { tickets { customer { number } } } } } } } } } } }`);
    expect(reply.status).toBe(400);
    expect(reply.body.errors).toEqual([
      {
        message: 'The operation is 11 levels deep, more than the depth limit of 10.',
        extensions: { code: 'GRAPHQL_VALIDATION_FAILED', limit: 'depth', max: 10, value: 11 },
      },
    ]);
  });

  it('refuse more aliases than allowed', async () => {
    const post = await start();
    const fields = Array.from(
      { length: REQUEST_LIMITS.maxAliases + 1 },
      (_, i) => `s${i}: stations { name }`,
    );
    const reply = await post(`{ ${fields.join(' ')} }`);
    expect(reply.status).toBe(400);
    expect(reply.body.errors?.[0]).toEqual({
      message: 'The operation uses 16 aliases, more than the alias limit of 15.',
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED', limit: 'aliases', max: 15, value: 16 },
    });
  });

  it('refuse more directives than allowed', async () => {
    const post = await start();
    const directives = ' @include(if: true)'.repeat(REQUEST_LIMITS.maxDirectives + 1);
    const reply = await post(`{ stations { name${directives} } }`);
    expect(reply.status).toBe(400);
    expect(reply.body.errors?.[0].message).toBe(
      'The operation uses 21 directives, more than the directive limit of 20.',
    );
  });

  it('refuse a document of too many tokens as a client error before validating it', async () => {
    const post = await start();
    const reply = await post(`{ ${'stations { name } '.repeat(600)} }`);
    expect(reply.status).toBe(400);
    expect(codes(reply)).toEqual(['GRAPHQL_PARSE_FAILED']);
    expect(reply.body.errors?.[0]).toMatchObject({
      message: 'The operation has 2402 tokens, more than the token limit of 2000.',
      extensions: { limit: 'tokens', max: 2000, value: 2402 },
    });
  });

  it('refuse an operation costing more than the cost limit', async () => {
    const post = await start();
    const page = (alias: string) =>
      `${alias}: customers(first: 500) { edges { node { ${CUSTOMER_FIELDS}
        reservations { ${RESERVATION_FIELDS} tickets { ${TICKET_FIELDS} } } tickets { ${TICKET_FIELDS} } } } }`;
    const reply = await post(`{ ${page('a')} ${page('b')} }`);
    expect(reply.status).toBe(400);
    expect(reply.body.errors?.[0].message).toMatch(
      /^The operation costs \d+ \(1 per scalar field, .*\), more than the cost limit of 300000\.$/,
    );
    expect(reply.body.errors?.[0].extensions).toMatchObject({ limit: 'cost', max: 300_000 });
    expect(reply.body.errors?.[0].extensions?.value).toBeGreaterThan(300_000);
  });

  it('never call a limit refusal a syntax error', async () => {
    const post = await start();
    const aliases = Array.from({ length: 16 }, (_, i) => `s${i}: stations { name }`).join(' ');
    const replies = await Promise.all([
      post(`{ ${aliases} }`),
      post(`{ ${'stations { name } '.repeat(600)} }`),
      post(
        '{ customers { edges { node { reservations { tickets { reservation { customer { reservations { tickets { customer { number } } } } } } } } } } }',
      ),
    ]);
    for (const reply of replies) expect(reply.body.errors?.[0].message).not.toMatch(/Syntax Error/);
  });

  it('hide field suggestions when introspection is off, and keep them when it is on', async () => {
    let post = await start({ INTROSPECTION: 'false' });
    let reply = await post('{ customerz(number: 1) { number } }');
    expect(reply.body.errors?.[0].message).not.toMatch(/Did you mean/);
    await app?.stop();

    post = await start({ INTROSPECTION: 'true' });
    reply = await post('{ customerz(number: 1) { number } }');
    expect(reply.body.errors?.[0].message).toMatch(/Did you mean "customer"/);
  });

  it('allow the full introspection query', async () => {
    const post = await start();
    const reply = await post(getIntrospectionQuery());
    expect(reply.body.errors).toBeUndefined();
  });
});

describe('the upstream budget rule', () => {
  const callsPerMinute = 10; // one minute = 5000 records
  const env = { UPSTREAM_CALLS_PER_MINUTE: String(callsPerMinute), UPSTREAM_WRITE_RESERVE: '2' };
  const lastNames = (n: number) => Array.from({ length: n }, (_, i) => ({ lastName: `L${i}` }));
  const importMutation =
    'mutation Import($c: [CustomerInput!]!) { importCustomers(customers: $c) { storedCount } }';

  it('refuses an import larger than one minute of budget up front, naming the estimate and the limit', async () => {
    const post = await start(env);
    const reply = await post(importMutation, { c: lastNames(5001) });
    expect(reply.status).toBe(400);
    expect(reply.body.errors?.[0].extensions).toMatchObject({
      code: 'UPSTREAM_BUDGET_EXCEEDED',
      estimatedRecords: 5001,
      limitRecords: 5000,
    });
    expect(reply.body.errors?.[0].message).toMatch(
      /about 5001 upstream records.*\(5000: 10 calls a minute, of 500 records each\)/,
    );
    expect(fake.calls).toHaveLength(0);
  });

  it('lets an import that fits in one minute of budget through', async () => {
    const post = await start(env);
    const reply = await post(importMutation, { c: lastNames(1000) });
    expect(reply.body.errors).toBeUndefined();
    expect(reply.body.data).toEqual({ importCustomers: { storedCount: 1000 } });
  });

  it('refuses entity fetches for more representations than one minute of budget can read', async () => {
    const post = await start(env);
    const representations = Array.from({ length: 2600 }, (_, i) => ({
      __typename: 'Customer',
      number: i + 1,
    }));
    const reply = await post(
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { reservations { id } } } }',
      { r: representations },
    );
    expect(codes(reply)).toEqual(['UPSTREAM_BUDGET_EXCEEDED']);
    expect(reply.body.errors?.[0].extensions?.estimatedRecords).toBe(2600 + 3 * 2600);
    expect(fake.calls).toHaveLength(0);
  });

  it('refuses ten aliases of 500 customers with nested reservations and tickets, at the default budget', async () => {
    const post = await start();
    const alias = (i: number) =>
      `a${i}: customers(first: 500, filter: { search: "s${i}" }) { edges { node { number reservations { id tickets { number } } } } }`;
    const reply = await post(`{ ${Array.from({ length: 10 }, (_, i) => alias(i)).join(' ')} }`);

    expect(reply.status).toBe(400);
    expect(reply.body.errors?.[0].extensions).toMatchObject({
      code: 'UPSTREAM_BUDGET_EXCEEDED',
      estimatedRecords: 35_000,
      limitRecords: 45 * 500,
    });
    expect(reply.body.errors?.[0].message).toMatch(/45 calls reads may use a minute/);
    expect(fake.calls).toHaveLength(0);
  });

  it('gives a query only the calls reads may use, and a mutation the whole budget', async () => {
    const post = await start(env);
    // 10 calls a minute, 2 of them reserved for writes: reads get 8 × 500 = 4,000 records.
    const pages = Array.from({ length: 9 }, (_, i) => `p${i}: tickets(first: 500) { totalCount }`);
    const query = await post(`{ ${pages.join(' ')} }`);
    const mutation = await post(importMutation, { c: lastNames(4500) });

    expect(query.body.errors?.[0].extensions).toMatchObject({
      code: 'UPSTREAM_BUDGET_EXCEEDED',
      limitRecords: 4000,
    });
    expect(mutation.body.errors).toBeUndefined();
  });

  it('refuses aliased pages adding up to more than the limit, with `first` from variables', async () => {
    const post = await start(env);
    const pages = Array.from({ length: 11 }, (_, i) => `p${i}: tickets(first: $n) { totalCount }`);
    const reply = await post(`query($n: Int) { ${pages.join(' ')} }`, { n: 500 });
    expect(codes(reply)).toEqual(['UPSTREAM_BUDGET_EXCEEDED']);
  });
});
