import { loadConfig } from '../../../src/config';
import { createApp, type App } from '../../../src/graphql/server';
import { Api300Error } from '../../../src/data/errors';
import { type Json } from '../../helpers/graphqlHarness';
import {
  FakeRepository,
  makeCustomer,
  makeReservation,
  makeTicket,
} from '../../helpers/fakeRepository';

interface GraphQLBody {
  data?: Json | null;
  errors?: { message: string; extensions?: Json }[];
}

let app: App | undefined;

async function start(fake: FakeRepository, extra: Partial<Parameters<typeof createApp>[0]> = {}) {
  app = await createApp({
    config: loadConfig({}),
    repository: fake,
    stopGracePeriodMs: 1000,
    ...extra,
  });
  const { url } = await app.listen(0, '127.0.0.1');
  return url;
}

afterEach(async () => {
  await app?.stop();
  app = undefined;
});

async function post(
  url: string,
  query: string,
  variables?: object,
): Promise<{ status: number; body: GraphQLBody }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, body: (await res.json()) as GraphQLBody };
}

const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

describe('the subgraph over HTTP', () => {
  it('answers a query for 300 customers with reservations and tickets with one batch per kind', async () => {
    const fake = new FakeRepository();
    for (const n of range(1, 300)) {
      fake.addCustomers(makeCustomer(n));
      fake.addReservations(makeReservation(n, { customerNumber: n }));
      fake.addTickets(
        makeTicket(`R${n}`, { reservationId: n }),
        makeTicket(`C${n}`, { customerNumber: n }),
      );
    }
    const url = await start(fake);

    const { body } = await post(
      url,
      `{ customers(first: 300) { totalCount edges { node { number
           reservations { id station { name } tickets { number reservation { id } } }
           tickets { number } } } } }`,
    );

    expect(body.errors).toBeUndefined();
    expect(body.data?.customers.edges).toHaveLength(300);
    expect(body.data?.customers.edges[299].node.reservations[0].tickets[0].number).toBe('R300');
    const counts = Object.fromEntries(
      [
        'findCustomers',
        'reservationsByCustomer',
        'ticketsByReservation',
        'ticketsByCustomer',
        'stations',
        'reservationsById',
        'customersByNumber',
      ].map((m) => [m, fake.callsOf(m as never).length]),
    );
    expect(counts).toEqual({
      findCustomers: 1,
      reservationsByCustomer: 1,
      ticketsByReservation: 1,
      ticketsByCustomer: 1,
      stations: 1,
      reservationsById: 0,
      customersByNumber: 0,
    });
  });

  it('resolves 500 _entities representations with one customersByNumber call', async () => {
    const fake = new FakeRepository();
    fake.addCustomers(...range(1, 500).map((n) => makeCustomer(n)));
    const url = await start(fake);

    const { body } = await post(
      url,
      'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { number lastName } } }',
      { r: range(1, 500).map((number) => ({ __typename: 'Customer', number })) },
    );

    expect(body.errors).toBeUndefined();
    expect(body.data?._entities).toHaveLength(500);
    expect(body.data?._entities[499]).toEqual({ number: 500, lastName: 'Last500' });
    expect(fake.calls.map((c) => [c.method, c.keys?.length])).toEqual([['customersByNumber', 500]]);
  });

  it('refuses an out-of-range input with BAD_USER_INPUT naming field, value and allowed range, before any upstream call', async () => {
    const fake = new FakeRepository();
    const url = await start(fake);

    const { body } = await post(
      url,
      'mutation { createCustomer(input: { lastName: "Ok", discount: 150 }) { number } }',
    );

    expect(body.errors?.[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.discount',
      value: 150,
      allowed: 'an integer from 0 to 100',
    });
    expect(body.errors?.[0].message).toBe(
      'Invalid input: input.discount got 150, allowed: an integer from 0 to 100',
    );
    expect(fake.calls).toEqual([]);
  });

  it('refuses an impossible LocalDate in variables with a message naming the value and format', async () => {
    const url = await start(new FakeRepository());

    const { status, body } = await post(
      url,
      'mutation ($b: LocalDate) { createCustomer(input: { birthday: $b }) { number } }',
      {
        b: '1985-02-30',
      },
    );

    expect(status).toBe(400);
    expect(body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(body.errors?.[0].message).toContain('"1985-02-30"');
    expect(body.errors?.[0].message).toContain('YYYY-MM-DD');
  });

  it('masks an unexpected failure and leaks none of its text', async () => {
    const fake = new FakeRepository().fail(
      'customersByNumber',
      new Error('<soap:Envelope> CusToken=secret-token'),
    );
    const url = await start(fake);

    const { body } = await post(url, '{ customer(number: 7) { number } }');

    expect(body.errors).toEqual([
      expect.objectContaining({
        message: 'Internal server error',
        extensions: { code: 'INTERNAL_SERVER_ERROR' },
      }),
    ]);
    expect(JSON.stringify(body)).not.toMatch(/soap|secret-token/i);
  });

  it('passes an upstream rate limit on with its code and retryAfter', async () => {
    const fake = new FakeRepository().fail(
      'customersByNumber',
      new Api300Error('UPSTREAM_RATE_LIMITED', 'No upstream budget before the request deadline', {
        retryAfter: 12.2,
      }),
    );
    const url = await start(fake);

    const { body } = await post(url, '{ customer(number: 7) { number } }');

    expect(body.errors?.[0]).toMatchObject({
      message: 'No upstream budget before the request deadline',
      extensions: { code: 'UPSTREAM_RATE_LIMITED', retryAfter: 13 },
    });
  });

  it('imports 1,200 customers with 3 invalid ones in chunks of 500, 500 and 197 and reports the 3', async () => {
    const fake = new FakeRepository();
    const url = await start(fake);
    const customers = range(0, 1200).map((i) => ({
      lastName: `Imported ${i}`,
      email: `i${i}@example.com`,
    }));
    Object.assign(customers[10], { discount: 101 });
    Object.assign(customers[600], { country: 'Germany' });
    Object.assign(customers[1199], { zipCode: '12345678901' });

    const { body } = await post(
      url,
      `mutation ($c: [CustomerInput!]!) { importCustomers(customers: $c) {
         storedCount failedCount results { index number success error { code field message } } } }`,
      { c: customers },
    );

    expect(body.errors).toBeUndefined();
    const result = body.data?.importCustomers;
    expect(fake.callsOf('importCustomers').map((c) => c.records)).toEqual([500, 500, 197]);
    expect([result.storedCount, result.failedCount]).toEqual([1197, 3]);
    const failed = result.results.filter((r: { success: boolean }) => !r.success);
    expect(failed).toEqual([
      {
        index: 10,
        number: null,
        success: false,
        error: expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'discount' }),
      },
      {
        index: 600,
        number: null,
        success: false,
        error: expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'country' }),
      },
      {
        index: 1199,
        number: null,
        success: false,
        error: expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'zipCode' }),
      },
    ]);
    expect(failed[0].error.message).toBe(
      'customers[10].discount got 101, allowed: an integer from 0 to 100',
    );
    expect(result.results[11]).toMatchObject({ index: 11, success: true, error: null });
    expect(fake.customers.get(result.results[11].number)?.lastName).toBe('Imported 11');
  });

  it('applies CSRF prevention to GET requests without a preflight header', async () => {
    const url = await start(new FakeRepository());

    const blocked = await fetch(`${url}?query=${encodeURIComponent('{ stations { number } }')}`);
    const allowed = await fetch(`${url}?query=${encodeURIComponent('{ stations { number } }')}`, {
      headers: { 'apollo-require-preflight': 'true' },
    });

    expect(blocked.status).toBe(400);
    expect(allowed.status).toBe(200);
    expect(await allowed.json()).toEqual({ data: { stations: [{ number: 1 }, { number: 2 }] } });
  });

  it('lets extra routes answer first, and answers 404, 405 and 413 itself', async () => {
    const url = await start(new FakeRepository(), {
      maxBodyBytes: 1000,
      extraRoutes: (req, res) => {
        if (req.url !== '/healthz') return false;
        res.end('ok');
        return true;
      },
    });
    const base = url.replace('/graphql', '');

    expect(await (await fetch(`${base}/healthz`)).text()).toBe('ok');
    expect((await fetch(`${base}/nowhere`)).status).toBe(404);
    expect((await fetch(url, { method: 'DELETE' })).status).toBe(405);
    const tooLarge = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ stations { number } } # ${'x'.repeat(2000)}` }),
    });
    expect(tooLarge.status).toBe(413);
  });

  it('echoes a sane x-request-id and answers malformed JSON with 400', async () => {
    const url = await start(new FakeRepository());

    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'req-42' },
      body: '{"query": ',
    });

    expect(res.status).toBe(400);
    const ok = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'req-42' },
      body: JSON.stringify({ query: '{ stations { number } }' }),
    });
    expect(ok.headers.get('x-request-id')).toBe('req-42');
  });
});
