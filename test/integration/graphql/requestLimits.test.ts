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
    expect(reply.body.errors?.[0].message).toMatch(/depth limit of 10/);
  });

  it('refuse more aliases than allowed', async () => {
    const post = await start();
    const fields = Array.from(
      { length: REQUEST_LIMITS.maxAliases + 1 },
      (_, i) => `s${i}: stations { name }`,
    );
    const reply = await post(`{ ${fields.join(' ')} }`);
    expect(reply.status).toBe(400);
    expect(reply.body.errors?.[0].message).toMatch(/Aliases limit of 15/);
  });

  it('refuse more directives than allowed', async () => {
    const post = await start();
    const directives = ' @include(if: true)'.repeat(REQUEST_LIMITS.maxDirectives + 1);
    const reply = await post(`{ stations { name${directives} } }`);
    expect(reply.status).toBe(400);
    expect(reply.body.errors?.[0].message).toMatch(/Directives limit/);
  });

  it('refuse a document of too many tokens as a client error before validating it', async () => {
    const post = await start();
    const reply = await post(`{ ${'stations { name } '.repeat(600)} }`);
    expect(reply.status).toBe(400);
    expect(codes(reply)).toEqual(['GRAPHQL_PARSE_FAILED']);
    expect(reply.body.errors?.[0].message).toMatch(/2000 tokens/);
  });

  it('refuse an operation costing more than the cost limit', async () => {
    const post = await start();
    const page = (alias: string) =>
      `${alias}: customers(first: 500) { edges { node { ${CUSTOMER_FIELDS}
        reservations { ${RESERVATION_FIELDS} tickets { ${TICKET_FIELDS} } } tickets { ${TICKET_FIELDS} } } } }`;
    const reply = await post(`{ ${page('a')} ${page('b')} }`);
    expect(reply.status).toBe(400);
    expect(reply.body.errors?.[0].message).toMatch(/Cost limit of 300000/);
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
      /about 5001 upstream records.*\(5000: 10 calls of 500 records\)/,
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
    expect(reply.body.errors?.[0].extensions?.estimatedRecords).toBe(5200);
    expect(fake.calls).toHaveLength(0);
  });

  it('refuses aliased pages adding up to more than the limit, with `first` from variables', async () => {
    const post = await start(env);
    const pages = Array.from({ length: 11 }, (_, i) => `p${i}: tickets(first: $n) { totalCount }`);
    const reply = await post(`query($n: Int) { ${pages.join(' ')} }`, { n: 500 });
    expect(codes(reply)).toEqual(['UPSTREAM_BUDGET_EXCEEDED']);
  });
});
