import { IMPORT_CUSTOMERS } from '../../../bench/lib/graphql';
import type { SimulatorStats } from '../../../src/simulator';
import { simulatorStats } from '../../helpers/simulator';
import { expectNoUpstreamLock, startFaultRig, type FaultRig } from './rig';

/**
 * Bad input from clients: wrong types, out-of-range values, unknown keys, oversized imports
 * and hostile strings. Whatever can be checked locally is refused with a clear code before
 * any upstream call (the simulator's call counter does not move); what is stored is exactly
 * what the answer says, never a half-written batch.
 */

let rig: FaultRig;

beforeAll(async () => {
  rig = await startFaultRig();
});

afterAll(async () => {
  await rig?.stop();
});

/** Sends the operation and returns its first error code plus what the simulator saw meanwhile. */
function attempt(query: string, variables: Record<string, unknown> = {}) {
  return attemptOn(rig, query, variables);
}

async function attemptOn(target: FaultRig, query: string, variables: Record<string, unknown>) {
  const before = await simulatorStats(target.sim);
  const answer = await target.query(query, variables);
  const after = await simulatorStats(target.sim);
  return {
    answer,
    code: answer.outcome,
    message: answer.body?.errors?.[0]?.message ?? '',
    upstreamCalls: after.calls - before.calls,
    customersStored: after.data.customers - before.data.customers,
  };
}

const CUSTOMER = 'query ($number: Int!) { customer(number: $number) { number } }';
const CREATE =
  'mutation ($input: CustomerInput!) { createCustomer(input: $input) { number lastName memo discount } }';
const SEARCH = 'query ($s: String) { customers(filter: { search: $s }) { totalCount } }';

/** [what, operation, variables, the code it is refused with]. */
const BAD_INPUT: [string, string, Record<string, unknown>, string][] = [
  ['a string for an Int variable', CUSTOMER, { number: 'abc' }, 'BAD_USER_INPUT'],
  ['a float for an Int variable', CUSTOMER, { number: 10001.5 }, 'BAD_USER_INPUT'],
  ['an Int beyond 32 bits', CUSTOMER, { number: 2 ** 40 }, 'BAD_USER_INPUT'],
  ['a missing required variable', CUSTOMER, {}, 'BAD_USER_INPUT'],
  [
    'an inline string for an Int argument',
    '{ customer(number: "10001") { number } }',
    {},
    'GRAPHQL_VALIDATION_FAILED',
  ],
  ['customer number 0', CUSTOMER, { number: 0 }, 'BAD_USER_INPUT'],
  ['a negative customer number', CUSTOMER, { number: -5 }, 'BAD_USER_INPUT'],
  ['customer number 10,000,000', CUSTOMER, { number: 10_000_000 }, 'BAD_USER_INPUT'],
  ['a page of 501', '{ customers(first: 501) { totalCount } }', {}, 'BAD_USER_INPUT'],
  ['a page of 0', '{ reservations(first: 0) { totalCount } }', {}, 'BAD_USER_INPUT'],
  ['a cursor that is not one', '{ customers(after: "<x/>") { totalCount } }', {}, 'BAD_USER_INPUT'],
  [
    'an unknown field',
    '{ customer(number: 10001) { number shoeSize } }',
    {},
    'GRAPHQL_VALIDATION_FAILED',
  ],
  [
    'an unknown argument',
    '{ customer(number: 10001, deleted: true) { number } }',
    {},
    'GRAPHQL_VALIDATION_FAILED',
  ],
  [
    'an unknown key in an input object',
    CREATE,
    { input: { lastName: 'Meier', shoeSize: 44 } },
    'BAD_USER_INPUT',
  ],
  [
    'an unknown enum value',
    CREATE,
    { input: { lastName: 'Meier', gender: 'ROBOT' } },
    'BAD_USER_INPUT',
  ],
  ['a discount of 150', CREATE, { input: { lastName: 'Meier', discount: 150 } }, 'BAD_USER_INPUT'],
  [
    'a negative credit limit',
    CREATE,
    { input: { lastName: 'Meier', creditLimit: -1 } },
    'BAD_USER_INPUT',
  ],
  [
    'a birthday on 31 February',
    CREATE,
    { input: { lastName: 'Meier', birthday: '1980-02-31' } },
    'BAD_USER_INPUT',
  ],
  [
    'a last name of 51 characters',
    CREATE,
    { input: { lastName: 'x'.repeat(51) } },
    'BAD_USER_INPUT',
  ],
  [
    'a memo of 100,000 characters',
    CREATE,
    { input: { lastName: 'Meier', memo: 'x'.repeat(100_000) } },
    'BAD_USER_INPUT',
  ],
  [
    'a search text of 1 MB',
    'query ($s: String) { customers(filter: { search: $s }) { totalCount } }',
    { s: 'x'.repeat(1_000_000) },
    'BAD_USER_INPUT',
  ],
  ['a NUL character in a name', CREATE, { input: { lastName: 'Mei\u0000er' } }, 'BAD_USER_INPUT'],
  [
    'a bell character in a memo',
    CREATE,
    { input: { lastName: 'Meier', memo: 'ding\u0007' } },
    'BAD_USER_INPUT',
  ],
  [
    'an escape sequence in a search text',
    'query ($s: String) { customers(filter: { search: $s }) { totalCount } }',
    { s: '\u001b[31m' },
    'BAD_USER_INPUT',
  ],
  ['a lone surrogate in a name', CREATE, { input: { lastName: 'Mei\ud800er' } }, 'BAD_USER_INPUT'],
  [
    'a number in createCustomer',
    CREATE,
    { input: { number: 10001, lastName: 'Meier' } },
    'BAD_USER_INPUT',
  ],
];

/** An import of more records than one minute of upstream budget can store. */
const oversizedImport = () => Array.from({ length: 25_001 }, (_, i) => ({ lastName: `Big${i}` }));

/** An import whose request body is over 10 MiB. */
const oversizedBody = () =>
  Array.from({ length: 2_000 }, () => ({ lastName: 'x', memo: 'y'.repeat(6000) }));

const XML_LAST_NAME = `</Name><Discount>100</Discount>&amp;<![CDATA[x]]>'`;
const XML_MEMO = '<?xml version="1.0"?><!DOCTYPE x>';
const XML_SEARCH = `<&>"'`;

/** Valid input that reaches API300: the records of an import that mixes good and bad ones. */
const MIXED_IMPORT = [
  { lastName: 'Gut-Eins' },
  { lastName: 'Schlecht', discount: 150 },
  { lastName: 'Gut-Zwei', memo: '<b>&</b>' },
  { lastName: 'Steuer\u0001zeichen' },
  { lastName: 'x'.repeat(51) },
  { lastName: 'Gut-Drei', country: 'DE' },
];

describe('input refused before any upstream call', () => {
  it.each(BAD_INPUT)(
    '%s: refused with a clear code, no upstream call, nothing stored',
    async (_name, query, variables, code) => {
      const result = await attempt(query, variables);
      expect(result.code).toBe(code);
      expect(result.message.length).toBeGreaterThan(0);
      expect(result.upstreamCalls).toBe(0);
      expect(result.customersStored).toBe(0);
    },
  );

  it('refuses an import larger than one minute of upstream budget as a whole', async () => {
    const result = await attempt(IMPORT_CUSTOMERS, { customers: oversizedImport() });
    expect(result.code).toBe('UPSTREAM_BUDGET_EXCEEDED');
    expect(result.upstreamCalls).toBe(0);
    expect(result.customersStored).toBe(0);
  });

  it('refuses a request body over 10 MiB with HTTP 413', async () => {
    const result = await attempt(IMPORT_CUSTOMERS, { customers: oversizedBody() });
    expect(result.answer.status).toBe(413);
    expect(result.upstreamCalls).toBe(0);
    expect(result.customersStored).toBe(0);
  });
});

describe('hostile strings that are valid input', () => {
  it('stores XML metacharacters literally, in one call, without touching other fields', async () => {
    const result = await attempt(CREATE, { input: { lastName: XML_LAST_NAME, memo: XML_MEMO } });
    expect(result.code).toBe('data');
    expect(result.answer.body?.data?.createCustomer).toEqual({
      number: expect.any(Number),
      lastName: XML_LAST_NAME,
      memo: XML_MEMO,
      discount: 0,
    });
    expect(result.upstreamCalls).toBe(1);
    expect(result.customersStored).toBe(1);
  });

  it('searches for XML metacharacters without a SOAP fault', async () => {
    const result = await attempt(SEARCH, { s: XML_SEARCH });
    expect(result.code).toBe('data');
    expect(result.answer.body?.data?.customers).toEqual({ totalCount: 0 });
    expect(result.upstreamCalls).toBe(1);
  });

  it('keeps tabs, new lines and non-Latin text intact', async () => {
    const memo = 'Zeile 1\n\tZeile 2 — Grüße, 東京, 🍽️';
    const result = await attempt(CREATE, { input: { lastName: 'Ünal', memo } });
    expect(result.code).toBe('data');
    expect(result.answer.body?.data?.createCustomer).toMatchObject({ lastName: 'Ünal', memo });
  });
});

describe('an import mixing good and bad records', () => {
  it('stores exactly the records its result reports, in one call', async () => {
    const result = await attempt(IMPORT_CUSTOMERS, { customers: MIXED_IMPORT });
    expect(result.code).toBe('data');
    const payload = result.answer.body?.data?.importCustomers as {
      storedCount: number;
      failedCount: number;
      results: Array<{
        index: number;
        success: boolean;
        error: { code: string; field: string | null } | null;
      }>;
    };
    expect(payload.results.map((r) => [r.index, r.success, r.error?.code ?? null])).toEqual([
      [0, true, null],
      [1, false, 'BAD_USER_INPUT'],
      [2, true, null],
      [3, false, 'BAD_USER_INPUT'],
      [4, false, 'BAD_USER_INPUT'],
      [5, true, null],
    ]);
    expect(payload.results[1].error?.field).toBe('discount');
    expect(payload).toMatchObject({ storedCount: 3, failedCount: 3 });
    expect(result.customersStored).toBe(3);
    expect(result.upstreamCalls).toBe(1);
  });
});

describe('after a burst of bad and hostile input', () => {
  // A subgraph of its own that receives every case above, so this holds whichever tests run.
  let burst: FaultRig;

  beforeAll(async () => {
    burst = await startFaultRig();
    for (const [, query, variables] of BAD_INPUT) await burst.query(query, variables);
    await burst.query(IMPORT_CUSTOMERS, { customers: oversizedImport() });
    await burst.query(IMPORT_CUSTOMERS, { customers: oversizedBody() });
    await burst.query(CREATE, { input: { lastName: XML_LAST_NAME, memo: XML_MEMO } });
    await burst.query(SEARCH, { s: XML_SEARCH });
    await burst.query(IMPORT_CUSTOMERS, { customers: MIXED_IMPORT });
  });

  afterAll(async () => {
    await burst?.stop();
  });

  it('still serves customers', async () => {
    const result = await attemptOn(burst, CUSTOMER, { number: 10001 });
    expect(result.code).toBe('data');
  });

  it('never put the token pair at risk', async () => {
    const stats: SimulatorStats = await simulatorStats(burst.sim);
    expect(stats.callsByOperation).not.toHaveProperty('(unknown)');
    await expectNoUpstreamLock(burst.sim);
  });
});
