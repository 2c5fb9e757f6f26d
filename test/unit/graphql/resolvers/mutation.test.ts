import { Api300Error } from '../../../../src/data/errors';
import { makeCustomer, makeReservation, makeTicket } from '../../../helpers/fakeRepository';
import { useHarness, type Json } from '../../../helpers/graphqlHarness';

const h = useHarness((fake) => {
  fake
    .addCustomers(makeCustomer(1, { birthday: '1985-04-23', memo: 'VIP', discount: 10 }))
    .addReservations(makeReservation(10, { customerNumber: 1, comment: 'window seat' }))
    .addTickets(makeTicket('T1'), makeTicket('T2', { status: 'REDEEMED' }));
});

describe('customer mutations', () => {
  it('updateCustomer changes the patched fields and the birthday survives', async () => {
    const result = await h().run(
      'mutation { updateCustomer(number: 1, patch: { email: "new@example.com", memo: null }) { email memo birthday discount } }',
    );

    expect(result.data?.updateCustomer).toEqual({
      email: 'new@example.com',
      memo: null,
      birthday: '1985-04-23',
      discount: 10,
    });
    expect(h().fake.customers.get(1)).toMatchObject({
      birthday: '1985-04-23',
      email: 'new@example.com',
      memo: null,
    });
  });

  it('updateCustomer of a missing customer fails with NOT_FOUND', async () => {
    const result = await h().run(
      'mutation { updateCustomer(number: 2, patch: { memo: "x" }) { number } }',
    );

    expect(result.errors?.[0].extensions).toEqual({ code: 'NOT_FOUND' });
  });

  it('createCustomer stores defaults for fields left out and lets Hypersoft assign the number', async () => {
    const result = await h().run(
      'mutation { createCustomer(input: { lastName: "Neu", email: "" }) { number lastName email gender priceLevel } }',
    );

    expect(result.data?.createCustomer).toEqual({
      number: 1_000_000,
      lastName: 'Neu',
      email: null,
      gender: 'UNKNOWN',
      priceLevel: 1,
    });
  });

  it('createCustomer refuses a number, and reports every bad field', async () => {
    const result = await h().run(
      'mutation { createCustomer(input: { number: 5, lastName: "Neu", country: "de", memo: "' +
        'm'.repeat(2001) +
        '" }) { number } }',
    );

    expect(result.errors?.[0].extensions?.field).toBe('input.number');
    expect(result.errors?.[0].extensions?.issues.map((i: Json) => i.field)).toEqual([
      'input.number',
      'input.country',
      'input.memo',
    ]);
    expect(result.errors?.[0].message).not.toContain('mmmm');
    expect(result.errors?.[0].message).toContain(
      'input.memo got (withheld: personal data, 2001 characters), allowed: a text of at most 2000 characters, without control characters',
    );
    expect(h().fake.calls).toEqual([]);
  });

  it('importCustomers reports records API300 refused and chunks whose upload failed', async () => {
    h().fake.refuseImport = (record) =>
      record.lastName === 'Dup'
        ? "Customer.CardNumber: '4711' is out of range (allowed: a card number no other customer holds (held by 1))."
        : null;
    const customers = [
      { lastName: 'A' },
      { lastName: 'Dup', cardNumber: '4711' },
      { number: 1, lastName: 'Overwritten' },
    ];

    const result = await h().run(
      'mutation ($c: [CustomerInput!]!) { importCustomers(customers: $c) { storedCount failedCount results { index number success error { code field message } } } }',
      { c: customers },
    );

    expect(result.data?.importCustomers).toEqual({
      storedCount: 2,
      failedCount: 1,
      results: [
        { index: 0, number: 1_000_000, success: true, error: null },
        {
          index: 1,
          number: null,
          success: false,
          error: {
            code: 'UPSTREAM_VALIDATION',
            field: 'cardNumber',
            message:
              'Refused by API300: cardNumber got (withheld: personal data, 4 characters), allowed: a card number no other customer holds (held by 1) (SetCustomers).',
          },
        },
        { index: 2, number: 1, success: true, error: null },
      ],
    });
    expect(h().fake.customers.get(1)?.birthday).toBeNull();
  });

  it('importCustomers marks every record of a failed upload with the failure', async () => {
    h().fake.fail(
      'importCustomers',
      new Api300Error('UPSTREAM_RATE_LIMITED', 'No upstream budget', { retryAfter: 5 }),
    );

    const result = await h().run(
      'mutation { importCustomers(customers: [{ lastName: "A" }, { lastName: "B" }]) { failedCount results { error { code } } } }',
    );

    expect(result.data?.importCustomers).toEqual({
      failedCount: 2,
      results: [
        { error: { code: 'UPSTREAM_RATE_LIMITED' } },
        { error: { code: 'UPSTREAM_RATE_LIMITED' } },
      ],
    });
  });
});

describe('customer mutations that would store a customer without a name', () => {
  it('createCustomer refuses an empty input before any upstream call', async () => {
    const result = await h().run('mutation { createCustomer(input: {}) { number } }');

    expect(result.data).toEqual({ createCustomer: null });
    expect(result.errors?.[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.lastName',
      value: null,
      allowed: expect.stringContaining('at least one of lastName, firstName or company'),
    });
    expect(h().fake.calls).toEqual([]);
  });

  it('createCustomer refuses names that are only blanks, and takes a company alone', async () => {
    const blank = await h().run(
      'mutation { createCustomer(input: { lastName: "  ", firstName: "" }) { number } }',
    );
    const company = await h().run(
      'mutation { createCustomer(input: { company: "Hypersoft GmbH" }) { company } }',
    );

    expect(blank.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(company.data?.createCustomer).toEqual({ company: 'Hypersoft GmbH' });
  });

  it('updateCustomer refuses a patch that clears every name before reading the customer', async () => {
    const result = await h().run(
      'mutation { updateCustomer(number: 1, patch: { lastName: null, firstName: "", company: null }) { number } }',
    );

    expect(result.errors?.[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'patch.lastName',
    });
    expect(h().fake.calls).toEqual([]);
  });

  it('updateCustomer refuses a patch that leaves the stored record without a name, and keeps it', async () => {
    h().fake.addCustomers(makeCustomer(2, { firstName: null, lastName: 'Solo', company: null }));
    const result = await h().run(
      'mutation { updateCustomer(number: 2, patch: { lastName: null }) { number } }',
    );

    expect(result.errors?.[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'patch.lastName',
    });
    expect(h().fake.customers.get(2)?.lastName).toBe('Solo');
  });

  it('importCustomers reports a record without a name and stores the others', async () => {
    const result = await h().run(
      'mutation { importCustomers(customers: [{ city: "Berlin" }, { lastName: "B" }]) { storedCount results { success error { code field } } } }',
    );

    expect(result.data?.importCustomers).toEqual({
      storedCount: 1,
      results: [
        { success: false, error: { code: 'BAD_USER_INPUT', field: 'lastName' } },
        { success: true, error: null },
      ],
    });
  });
});

describe('reservation mutations', () => {
  it('createReservation stores the input with default duration and status', async () => {
    const result = await h().run(
      'mutation { createReservation(input: { stationNumber: 1, start: "2024-05-01T19:00:00+02:00", persons: 4 }) { id start durationMinutes status station { name } } }',
    );

    expect(result.data?.createReservation).toEqual({
      id: 1_000_000,
      start: '2024-05-01T17:00:00.000Z',
      durationMinutes: 120,
      status: 'REQUESTED',
      station: { name: 'Station 1' },
    });
  });

  it('createReservation refuses a status other than REQUESTED or CONFIRMED and out-of-range persons', async () => {
    const result = await h().run(
      'mutation { createReservation(input: { stationNumber: 1, start: "2024-05-01T19:00:00Z", persons: 501, status: SEATED }) { id } }',
    );

    expect(result.errors?.[0].extensions?.issues).toEqual([
      { field: 'input.persons', value: 501, allowed: 'an integer from 1 to 500' },
      { field: 'input.status', value: 'SEATED', allowed: 'one of REQUESTED, CONFIRMED' },
    ]);
  });

  it('updateReservation keeps what the patch leaves out; cancelReservation only changes the status', async () => {
    await h().run('mutation { updateReservation(id: 10, patch: { persons: 6 }) { id } }');
    const result = await h().run(
      'mutation { cancelReservation(id: 10) { status persons comment customer { number } } }',
    );

    expect(result.data?.cancelReservation).toEqual({
      status: 'CANCELLED',
      persons: 6,
      comment: 'window seat',
      customer: { number: 1 },
    });
    expect(h().fake.callsOf('updateReservation')).toHaveLength(2);
  });
});

describe('reservation status changes', () => {
  it.each([
    ['COMPLETED', 'REQUESTED', 'COMPLETED is final, its status cannot change, not to REQUESTED'],
    ['CANCELLED', 'CONFIRMED', 'CANCELLED is final, its status cannot change, not to CONFIRMED'],
    ['NO_SHOW', 'SEATED', 'NO_SHOW is final, its status cannot change, not to SEATED'],
    [
      'SEATED',
      'REQUESTED',
      'from SEATED the status can change only to COMPLETED, not to REQUESTED',
    ],
  ] as const)('refuses %s → %s with CONFLICT and keeps the record', async (from, to, why) => {
    h().fake.addReservations(makeReservation(20, { status: from }));
    const result = await h().run(
      `mutation { updateReservation(id: 20, patch: { status: ${to}, persons: 9 }) { status } }`,
    );

    expect(result.data).toEqual({ updateReservation: null });
    expect(result.errors?.[0]).toMatchObject({
      message: `Reservation 20 is ${from}: ${why}.`,
      extensions: { code: 'CONFLICT', field: 'status', value: to },
    });
    expect(h().fake.reservations.get(20)).toMatchObject({ status: from, persons: 2 });
  });

  it('lets an open reservation be seated and a seated one completed', async () => {
    h().fake.addReservations(makeReservation(21, { status: 'REQUESTED' }));
    await h().run('mutation { updateReservation(id: 21, patch: { status: SEATED }) { id } }');
    const result = await h().run(
      'mutation { updateReservation(id: 21, patch: { status: COMPLETED }) { status } }',
    );

    expect(result.data?.updateReservation).toEqual({ status: 'COMPLETED' });
  });

  it('cancelReservation answers a cancelled reservation as it is and refuses a completed one', async () => {
    h().fake.addReservations(
      makeReservation(22, { status: 'CANCELLED' }),
      makeReservation(23, { status: 'COMPLETED' }),
    );
    const again = await h().run('mutation { cancelReservation(id: 22) { id status } }');
    const completed = await h().run('mutation { cancelReservation(id: 23) { id } }');

    expect(again.data?.cancelReservation).toEqual({ id: 22, status: 'CANCELLED' });
    expect(completed.errors?.[0].extensions?.code).toBe('CONFLICT');
  });
});

describe('station numbers the station list does not hold', () => {
  it('createReservation refuses one before any write, naming the stations there are', async () => {
    const result = await h().run(
      'mutation { createReservation(input: { stationNumber: 99, start: "2024-05-01T19:00:00Z", persons: 2 }) { id } }',
    );

    expect(result.errors?.[0].extensions).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'input.stationNumber',
      value: 99,
      allowed: 'a station of Hypersoft: one of 1, 2',
    });
    expect(h().fake.calls.map((c) => c.method)).toEqual(['stations']);
  });

  it('updateReservation and redeemTicket refuse one too', async () => {
    const moved = await h().run(
      'mutation { updateReservation(id: 10, patch: { stationNumber: 7 }) { id } }',
    );
    const redeemed = await h().run(
      'mutation { redeemTicket(number: "T1", stationNumber: 7) { number } }',
    );

    expect(moved.errors?.[0].extensions?.field).toBe('patch.stationNumber');
    expect(redeemed.errors?.[0].extensions?.field).toBe('stationNumber');
    expect(h().fake.callsOf('updateReservation')).toEqual([]);
    expect(h().fake.callsOf('redeemTicket')).toEqual([]);
    expect(h().fake.tickets.get('T1')?.status).toBe('VALID');
  });

  it('leaves the decision to API300 when the station list cannot be read', async () => {
    h().fake.fail(
      'stations',
      new Api300Error('UPSTREAM_RATE_LIMITED', 'No budget', { retryAfter: 3 }),
    );
    const result = await h().run(
      'mutation { createReservation(input: { stationNumber: 99, start: "2024-05-01T19:00:00Z", persons: 2 }) { stationNumber } }',
    );

    expect(result.data?.createReservation).toEqual({ stationNumber: 99 });
  });
});

describe('ticket mutations', () => {
  it('issueTicket refuses a validity that ends before it starts', async () => {
    const result = await h().run(
      'mutation { issueTicket(input: { articleNumber: 1, price: 5, validFrom: "2024-05-02T00:00:00Z", validTo: "2024-05-01T00:00:00Z" }) { number } }',
    );

    expect(result.errors?.[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.validTo',
      allowed: 'an instant after validFrom (2024-05-02T00:00:00.000Z)',
    });
  });

  it('issueTicket issues a VALID ticket', async () => {
    const result = await h().run(
      'mutation { issueTicket(input: { articleNumber: 1, price: 5, validFrom: "2024-05-01T00:00:00Z", validTo: "2024-05-02T00:00:00Z" }) { number status redeemedAt } }',
    );

    expect(result.data?.issueTicket).toEqual({
      number: 'T00000001',
      status: 'VALID',
      redeemedAt: null,
    });
  });

  it('issueTicket refuses the number of an existing ticket with CONFLICT naming it, and keeps that ticket', async () => {
    const result = await h().run(
      'mutation { issueTicket(input: { number: "T2", articleNumber: 9, price: 99, validFrom: "2024-05-01T00:00:00Z", validTo: "2024-05-02T00:00:00Z" }) { number status } }',
    );

    expect(result.data).toEqual({ issueTicket: null });
    expect(result.errors?.[0]).toMatchObject({
      message: expect.stringContaining('Ticket T2 already exists'),
      extensions: { code: 'CONFLICT' },
    });
    expect(h().fake.tickets.get('T2')).toMatchObject({ status: 'REDEEMED', articleNumber: 100 });
  });

  it('redeemTicket redeems a valid ticket and passes CONFLICT on for a redeemed one', async () => {
    const ok = await h().run(
      'mutation { redeemTicket(number: "T1", stationNumber: 1) { status redeemedStation { number } } }',
    );
    const again = await h().run(
      'mutation { redeemTicket(number: "T2", stationNumber: 1) { status } }',
    );

    expect(ok.data?.redeemTicket).toEqual({ status: 'REDEEMED', redeemedStation: { number: 1 } });
    expect(again.errors?.[0]).toMatchObject({
      message: 'Ticket T2 is redeemed',
      extensions: { code: 'CONFLICT' },
    });
  });
});
