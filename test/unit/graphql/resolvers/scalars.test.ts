import { Kind } from 'graphql';
import { createHarness } from '../../../helpers/graphqlHarness';
import {
  DateTimeScalar,
  LocalDateScalar,
  LocalTimeScalar,
} from '../../../../src/graphql/resolvers/scalars';

describe('DateTime', () => {
  it('reads RFC 3339 with any offset and writes UTC', () => {
    const parsed = DateTimeScalar.parseValue('2024-03-31T02:30:00.1234+02:00');
    expect(DateTimeScalar.serialize(parsed)).toBe('2024-03-31T00:30:00.123Z');
    expect(
      DateTimeScalar.parseLiteral({ kind: Kind.STRING, value: '2024-01-01T00:00:00Z' }),
    ).toEqual(new Date('2024-01-01T00:00:00Z'));
  });

  it.each([
    '2024-03-31T02:30:00',
    '2024-02-30T00:00:00Z',
    '2024-03-31 02:30:00Z',
    '2024-03-31T24:00:00Z',
    '2024-03-31T02:30:00+25:00',
    1711845000000,
  ])('refuses %p', (value) => {
    expect(() => DateTimeScalar.parseValue(value)).toThrow(TypeError);
    expect(() => DateTimeScalar.parseValue(value)).toThrow(/RFC 3339 date-time with offset/);
  });

  it('refuses a non-string literal', () => {
    expect(() => DateTimeScalar.parseLiteral({ kind: Kind.INT, value: '1' })).toThrow(
      /cannot represent/,
    );
  });
});

describe('LocalDate', () => {
  it('accepts real calendar dates only', () => {
    expect(LocalDateScalar.parseValue('2024-02-29')).toBe('2024-02-29');
    expect(() => LocalDateScalar.parseValue('2023-02-29')).toThrow(
      'LocalDate cannot represent "2023-02-29": expected a calendar date YYYY-MM-DD',
    );
    expect(() => LocalDateScalar.parseValue('2024-2-1')).toThrow(TypeError);
  });
});

describe('LocalTime', () => {
  it('accepts HH:MM and HH:MM:SS and writes HH:MM:SS', () => {
    expect(LocalTimeScalar.parseValue('08:30')).toBe('08:30:00');
    expect(LocalTimeScalar.serialize('17:45:10')).toBe('17:45:10');
    expect(() => LocalTimeScalar.parseValue('24:00')).toThrow(/HH:MM or HH:MM:SS/);
    expect(() => LocalTimeScalar.parseValue('8:30')).toThrow(TypeError);
  });
});

describe('scalar errors in operations', () => {
  it('report an inline literal with its location as a validation error', async () => {
    const h = await createHarness();
    const result = await h.run(
      'mutation { createCustomer(input: { birthday: "1985-02-30" }) { number } }',
    );
    await h.stop();

    expect(result.errors?.[0].message).toBe(
      'Expected value of type "LocalDate", found "1985-02-30"; LocalDate cannot represent "1985-02-30": expected a calendar date YYYY-MM-DD, e.g. "1985-04-23"',
    );
    expect(result.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });
});
