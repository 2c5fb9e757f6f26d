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
      'mutation { createCustomer(input: { number: 5, country: "de", memo: "' +
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
      record.lastName === 'Dup' ? 'CardNumber is already used' : null;
    const customers = [
      { lastName: 'A' },
      { lastName: 'Dup' },
      { number: 1, lastName: 'Overwritten' },
    ];

    const result = await h().run(
      'mutation ($c: [CustomerInput!]!) { importCustomers(customers: $c) { storedCount failedCount results { index number success error { code message } } } }',
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
          error: { code: 'UPSTREAM_VALIDATION', message: 'CardNumber is already used' },
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
