import { badUserInput } from '../../../../src/graphql/validation/checks';
import {
  checkCustomerFilter,
  checkCustomerPatch,
  checkImportedCustomer,
  checkNewReservation,
} from '../../../../src/graphql/validation/inputs';

describe('input validation', () => {
  it('accepts values at the edges of docs/api300-contract.md §9 ranges', () => {
    expect(
      checkImportedCustomer(
        {
          number: 9_999_999,
          company: 'C',
          discount: 100,
          priceLevel: 9,
          creditLimit: 0,
          zipCode: '1234567890',
          country: 'AT',
        },
        '',
      ),
    ).toEqual([]);
  });

  it('names field, value and allowed range for each value just outside', () => {
    expect(
      checkCustomerPatch(
        { discount: -1, priceLevel: 10, creditLimit: -0.01, salutation: 'x'.repeat(21) },
        'patch',
      ),
    ).toEqual([
      {
        field: 'patch.salutation',
        value: 'x'.repeat(21),
        allowed: 'a text of at most 20 characters, without control characters',
      },
      { field: 'patch.discount', value: -1, allowed: 'an integer from 0 to 100' },
      { field: 'patch.priceLevel', value: 10, allowed: 'an integer from 1 to 9' },
      { field: 'patch.creditLimit', value: -0.01, allowed: 'a number of at least 0' },
    ]);
  });

  it('leaves null values to the schema', () => {
    expect(checkCustomerPatch({ email: null, discount: null }, 'patch')).toEqual([]);
  });

  it('checks reservation durations', () => {
    const base = { stationNumber: 1, start: new Date(), persons: 2 };
    expect(checkNewReservation({ ...base, durationMinutes: 14 }, 'input')).toEqual([
      { field: 'input.durationMinutes', value: 14, allowed: 'an integer from 15 to 720' },
    ]);
  });

  it('limits customer number filters to 500 valid numbers', () => {
    const numbers = Array.from({ length: 501 }, (_, i) => i + 1);
    numbers[3] = 0;
    expect(checkCustomerFilter({ numbers }, 'filter').map((i) => i.field)).toEqual([
      'filter.numbers',
      'filter.numbers[3]',
    ]);
  });

  it('builds a BAD_USER_INPUT error whose message and extensions name field, value and allowed', () => {
    const error = badUserInput([
      {
        field: 'input.priceLevel',
        value: 'x'.repeat(101),
        allowed: 'an integer from 1 to 9',
      },
    ]);

    expect(error.message).toBe(
      `Invalid input: input.priceLevel got "${'x'.repeat(60)}…" (101 characters), allowed: an integer from 1 to 9`,
    );
    expect(error.extensions).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'input.priceLevel',
      value: `${'x'.repeat(60)}…`,
      allowed: 'an integer from 1 to 9',
    });
  });

  it('withholds the value of a personal-data field, naming its length instead', () => {
    const email = `${'a'.repeat(95)}@example.de`;
    const error = badUserInput([
      {
        field: 'customers[3].email',
        value: email,
        allowed: 'a text of at most 100 characters, without control characters',
      },
    ]);

    expect(error.message).toBe(
      'Invalid input: customers[3].email got (withheld: personal data, 106 characters), allowed: a text of at most 100 characters, without control characters',
    );
    expect(JSON.stringify(error.extensions)).not.toContain('example.de');
  });
});
