import type { FaultKnobs } from '../../../src/simulator';
import { clearFaults, setFaults, setSimulatorClock, simulatorStats } from '../../helpers/simulator';
import { startFaultRig, type FaultRig } from './rig';

/**
 * API300 applies a write and its reply is lost on the way back: a body cut off, no answer
 * until the client's timeout, a reset connection (the simulator's knobs, acting on the write
 * operations only, so the read-back is answered). Every mutation must answer what API300
 * stored — never a duplicate, never a "failed" for a write that was applied — and a write
 * lost before API300 applied it must answer so truthfully.
 */

const WRITES = ['SetCustomer', 'SetCustomers', 'SetReservation', 'SetTicket', 'RedeemTicket'];
/** The write's timeout: well inside the request deadline (1.5 s), so the read-back fits. */
const TIMEOUT_ENV = { API300_TIMEOUT_MS: '400' };

const LOST_AFTER_APPLYING: Array<{ way: string; knobs: Partial<FaultKnobs> }> = [
  { way: 'its reply body is cut off', knobs: { cutReplyRate: 1 } },
  { way: 'it never answers (the client times out)', knobs: { hangAfterApplyRate: 1 } },
  { way: 'the connection is reset', knobs: { resetAfterApplyRate: 1 } },
];

const CUSTOMER_FIELDS = 'number firstName lastName city birthday';
const CREATE_CUSTOMER = `mutation($input: CustomerInput!) { createCustomer(input: $input) { ${CUSTOMER_FIELDS} } }`;
const UPDATE_CUSTOMER = `mutation($n: Int!, $patch: CustomerPatch!) { updateCustomer(number: $n, patch: $patch) { ${CUSTOMER_FIELDS} } }`;
const IMPORT = `mutation($c: [CustomerInput!]!) { importCustomers(customers: $c) { storedCount failedCount results { index number success error { code field message } } } }`;
const CREATE_RESERVATION = `mutation($input: ReservationInput!) { createReservation(input: $input) { id persons guestName status } }`;
const UPDATE_RESERVATION = `mutation($id: Int!, $patch: ReservationPatch!) { updateReservation(id: $id, patch: $patch) { id persons status } }`;
const CANCEL_RESERVATION = `mutation($id: Int!) { cancelReservation(id: $id) { id status } }`;
const ISSUE = `mutation($input: TicketInput!) { issueTicket(input: $input) { number articleName status } }`;
const REDEEM = `mutation($n: String!, $s: Int!) { redeemTicket(number: $n, stationNumber: $s) { number status redeemedStation { number } } }`;

type Data = Record<string, Record<string, unknown> | null>;

function ticketInput(articleName: string, number?: string) {
  const now = Date.now();
  return {
    ...(number && { number }),
    articleNumber: 7001,
    articleName,
    validFrom: new Date(now - 3_600_000).toISOString(),
    validTo: new Date(now + 30 * 86_400_000).toISOString(),
    price: 25,
  };
}

const reservationInput = (guestName: string) => ({
  stationNumber: 1,
  guestName,
  start: '2026-12-20T18:00:00Z',
  persons: 4,
});

describe.each(LOST_AFTER_APPLYING)('when API300 applies a write and $way', ({ knobs }) => {
  let rig: FaultRig;
  let run = 0;

  beforeAll(async () => {
    rig = await startFaultRig({ env: TIMEOUT_ENV });
  });
  afterAll(async () => {
    await rig?.stop();
  });
  afterEach(async () => {
    await clearFaults(rig.sim);
  });

  /** Runs `query` with the replies of every write lost; returns its data and how many writes API300 got. */
  async function withRepliesLost(query: string, variables: Record<string, unknown>) {
    const before = await simulatorStats(rig.sim);
    await setFaults(rig.sim, { ...knobs, faultOperations: WRITES });
    const answer = await rig.query(query, variables);
    await clearFaults(rig.sim);
    const after = await simulatorStats(rig.sim);
    const writes = WRITES.reduce(
      (sum, op) => sum + (after.callsByOperation[op] ?? 0) - (before.callsByOperation[op] ?? 0),
      0,
    );
    return { answer, before, after, writes, data: answer.body?.data as Data | undefined };
  }

  const unique = (prefix: string) => `${prefix}${++run}`;

  it('createCustomer answers the customer API300 stored, and stores it once', async () => {
    const lastName = unique('Verloren');
    const r = await withRepliesLost(CREATE_CUSTOMER, {
      input: { lastName, firstName: 'Ida', city: 'Köln', birthday: '1970-07-15' },
    });
    expect(r.answer.body?.errors).toBeUndefined();
    expect(r.data?.createCustomer).toMatchObject({
      lastName,
      city: 'Köln',
      birthday: '1970-07-15',
    });
    expect(r.writes).toBe(1);
    expect(r.after.data.customers).toBe(r.before.data.customers + 1);
    // The read-back costs one call: one changed-since page, the clocks agreeing.
    expect(r.after.calls - r.before.calls).toBe(2);
  });

  it('updateCustomer answers the record as API300 stored it', async () => {
    const city = unique('Bonn');
    const r = await withRepliesLost(UPDATE_CUSTOMER, { n: 10001, patch: { city } });
    expect(r.answer.body?.errors).toBeUndefined();
    expect(r.data?.updateCustomer).toMatchObject({ number: 10001, city });
    expect(r.writes).toBe(1);
  });

  it('importCustomers says per record what was stored, with its number, and stores each once', async () => {
    const names = Array.from({ length: 5 }, () => unique('Import'));
    const r = await withRepliesLost(IMPORT, {
      c: [
        ...names.map((lastName) => ({ lastName })),
        { number: 10002, lastName: unique('Renamed') },
      ],
    });
    const result = r.data?.importCustomers as {
      storedCount: number;
      results: Array<{ number: number | null; success: boolean }>;
    };
    expect(result.storedCount).toBe(6);
    expect(result.results.every((x) => x.success && x.number !== null)).toBe(true);
    expect(result.results[5].number).toBe(10002);
    expect(new Set(result.results.map((x) => x.number)).size).toBe(6);
    expect(r.writes).toBe(1);
    expect(r.after.data.customers).toBe(r.before.data.customers + 5);
  });

  it('createReservation answers the reservation API300 stored, and books it once', async () => {
    const guestName = unique('Gast');
    const r = await withRepliesLost(CREATE_RESERVATION, { input: reservationInput(guestName) });
    expect(r.answer.body?.errors).toBeUndefined();
    expect(r.data?.createReservation).toMatchObject({ guestName, persons: 4 });
    expect(r.writes).toBe(1);
    expect(r.after.data.reservations).toBe(r.before.data.reservations + 1);
  });

  it('updateReservation and cancelReservation answer the stored reservation', async () => {
    const created = await rig.query(CREATE_RESERVATION, {
      input: reservationInput(unique('Storno')),
    });
    const id = (created.body?.data as Data).createReservation?.id as number;
    const updated = await withRepliesLost(UPDATE_RESERVATION, { id, patch: { persons: 6 } });
    expect(updated.data?.updateReservation).toEqual({ id, persons: 6, status: 'REQUESTED' });
    const cancelled = await withRepliesLost(CANCEL_RESERVATION, { id });
    expect(cancelled.data?.cancelReservation).toEqual({ id, status: 'CANCELLED' });
    expect(updated.writes + cancelled.writes).toBe(2);
  });

  it('issueTicket without a number answers the voucher API300 assigned, and issues one', async () => {
    const articleName = unique('Gutschein');
    const r = await withRepliesLost(ISSUE, { input: ticketInput(articleName) });
    expect(r.answer.body?.errors).toBeUndefined();
    expect(r.data?.issueTicket).toMatchObject({ articleName, status: 'VALID' });
    expect(r.writes).toBe(1);
    expect(r.after.data.tickets).toBe(r.before.data.tickets + 1);
  });

  it('issueTicket with a number answers the ticket it issued', async () => {
    const number = unique('LOST');
    const r = await withRepliesLost(ISSUE, { input: ticketInput('Konzert', number) });
    expect(r.answer.body?.errors).toBeUndefined();
    expect(r.data?.issueTicket).toMatchObject({ number, status: 'VALID' });
    expect(r.after.data.tickets).toBe(r.before.data.tickets + 1);
  });

  it('redeemTicket answers the ticket it redeemed, not CONFLICT', async () => {
    const number = unique('REDEEM');
    await rig.query(ISSUE, { input: ticketInput('Eintritt', number) });
    const r = await withRepliesLost(REDEEM, { n: number, s: 2 });
    expect(r.answer.body?.errors).toBeUndefined();
    expect(r.data?.redeemTicket).toEqual({
      number,
      status: 'REDEEMED',
      redeemedStation: { number: 2 },
    });
    expect(r.writes).toBe(1);
  });
});

describe('when a write is lost before API300 applies it', () => {
  let rig: FaultRig;

  beforeAll(async () => {
    rig = await startFaultRig({ env: TIMEOUT_ENV });
  });
  afterAll(async () => {
    await rig?.stop();
  });
  afterEach(async () => {
    await clearFaults(rig.sim);
  });

  it('answers UPSTREAM_UNAVAILABLE when API300 answered that it failed and holds nothing', async () => {
    const before = await simulatorStats(rig.sim);
    await setFaults(rig.sim, { http500Rate: 1, faultOperations: ['SetCustomer'] });
    const answer = await rig.query(CREATE_CUSTOMER, { input: { lastName: 'Nie-Gespeichert' } });
    const after = await simulatorStats(rig.sim);
    expect(answer.outcome).toBe('UPSTREAM_UNAVAILABLE');
    expect(after.data.customers).toBe(before.data.customers);
  });

  it('answers UPSTREAM_OUTCOME_UNKNOWN when no reply came and API300 may still apply it', async () => {
    await setFaults(rig.sim, { hangRate: 1, faultOperations: ['SetCustomer'] });
    const answer = await rig.query(CREATE_CUSTOMER, { input: { lastName: 'Vielleicht' } });
    expect(answer.outcome).toBe('UPSTREAM_OUTCOME_UNKNOWN');
    expect(answer.body?.errors?.[0].message).toMatch(/idempotencyKey/);
  });

  it('answers a redemption retried after an unknown outcome with the ticket it redeemed, not CONFLICT; at another station CONFLICT', async () => {
    await rig.query(ISSUE, { input: ticketInput('Einlass', 'RETRY-1') });
    await rig.query(ISSUE, { input: ticketInput('Einlass', 'RETRY-2') });
    await setFaults(rig.sim, {
      hangAfterApplyRate: 1,
      faultOperations: ['RedeemTicket', 'GetTickets'],
    });
    const first = await rig.query(REDEEM, { n: 'RETRY-1', s: 2 });
    const other = await rig.query(REDEEM, { n: 'RETRY-2', s: 2 });
    await clearFaults(rig.sim);
    const retried = await rig.query(REDEEM, { n: 'RETRY-1', s: 2 });
    const elsewhere = await rig.query(REDEEM, { n: 'RETRY-2', s: 3 });

    expect([first.outcome, other.outcome]).toEqual([
      'UPSTREAM_OUTCOME_UNKNOWN',
      'UPSTREAM_OUTCOME_UNKNOWN',
    ]);
    expect(retried.body?.data?.redeemTicket).toEqual({
      number: 'RETRY-1',
      status: 'REDEEMED',
      redeemedStation: { number: 2 },
    });
    expect(elsewhere.outcome).toBe('CONFLICT');
  });

  it('answers UPSTREAM_OUTCOME_UNKNOWN, never a failure, when the read-back is impossible too', async () => {
    const before = await simulatorStats(rig.sim);
    await setFaults(rig.sim, {
      hangAfterApplyRate: 1,
      faultOperations: ['SetCustomer', 'GetCustomers'],
    });
    const answer = await rig.query(CREATE_CUSTOMER, { input: { lastName: 'Ungewiss' } });
    const after = await simulatorStats(rig.sim);
    expect(answer.outcome).toBe('UPSTREAM_OUTCOME_UNKNOWN');
    expect(after.data.customers).toBe(before.data.customers + 1);
  });
});

describe.each([
  { clock: 'runs 30 s behind ours', offsetMs: -30_000, reads: 2 },
  { clock: 'runs 30 s ahead of ours', offsetMs: 30_000, reads: 1 },
])("when API300's clock $clock", ({ offsetMs, reads }) => {
  let rig: FaultRig;

  beforeAll(async () => {
    rig = await startFaultRig({ env: TIMEOUT_ENV });
    await setSimulatorClock(rig.sim, { offsetMs });
  });
  afterAll(async () => {
    await rig?.stop();
  });

  it(`finds a created customer whose reply was lost by API300's clock, in ${reads} read(s)`, async () => {
    const before = await simulatorStats(rig.sim);
    await setFaults(rig.sim, { resetAfterApplyRate: 1, faultOperations: ['SetCustomer'] });
    const answer = await rig.query(CREATE_CUSTOMER, { input: { lastName: 'Uhrzeit' } });
    await clearFaults(rig.sim);
    const after = await simulatorStats(rig.sim);

    expect(answer.body?.data?.createCustomer).toMatchObject({ lastName: 'Uhrzeit' });
    expect(after.data.customers).toBe(before.data.customers + 1);
    expect(after.callsByOperation.GetCustomers ?? 0).toBe(
      (before.callsByOperation.GetCustomers ?? 0) + reads,
    );
  });
});
