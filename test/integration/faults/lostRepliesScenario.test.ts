import { randomUUID } from 'node:crypto';
import type { FaultKnobs } from '../../../src/simulator';
import { clearFaults, setFaults, simulatorStats } from '../../helpers/simulator';
import { startFaultRig, type FaultRig } from './rig';

/**
 * The scenario of issue 19, done by a client that follows the answers: a new customer, an
 * import of 20 new customers and a reservation are written while API300 applies each write
 * and loses its reply; then API300 answers normally again. The client sends again what the
 * answers tell it to (a record refused or not stored: again, under a new key; an unknown
 * outcome: again, under the same key) and stops when everything is answered as stored. The
 * POS must then hold exactly 21 new customers and 1 new reservation.
 */

const CREATE_CUSTOMER = `mutation($input: CustomerInput!, $key: String) {
  createCustomer(input: $input, idempotencyKey: $key) { number } }`;
const IMPORT = `mutation($c: [CustomerInput!]!, $key: String) {
  importCustomers(customers: $c, idempotencyKey: $key) { results { index number success error { code } } } }`;
const CREATE_RESERVATION = `mutation($input: ReservationInput!, $key: String) {
  createReservation(input: $input, idempotencyKey: $key) { id } }`;

const WRITES = ['SetCustomer', 'SetCustomers', 'SetReservation'];
const READ_BACKS = ['GetCustomers', 'GetReservations'];
const MAX_ROUNDS = 5;

const scenarios: Array<{ name: string; knobs: Partial<FaultKnobs> }> = [
  {
    name: 'the replies are reset after API300 applied the writes',
    knobs: { resetAfterApplyRate: 1, faultOperations: WRITES },
  },
  {
    name: 'the replies are cut off and the read-back gets no answer either',
    knobs: { cutReplyRate: 1, hangRate: 1, faultOperations: [...WRITES, ...READ_BACKS] },
  },
  {
    name: 'no reply comes within the timeout and the read-back gets none either',
    knobs: { hangAfterApplyRate: 1, faultOperations: [...WRITES, ...READ_BACKS] },
  },
];

describe.each(scenarios)('when $name', ({ knobs }) => {
  let rig: FaultRig;

  beforeAll(async () => {
    rig = await startFaultRig({ env: { API300_TIMEOUT_MS: '400' } });
  });
  afterAll(async () => {
    await rig?.stop();
  });

  it('a client following the answers leaves exactly 21 customers and 1 reservation in the POS', async () => {
    const before = await simulatorStats(rig.sim);
    await setFaults(rig.sim, knobs);

    /** Sends until stored; `retry` says whether an answer asks for the same write again. */
    async function untilStored<T>(
      send: (key: string) => Promise<{ done: boolean; sameKey: boolean; value?: T }>,
    ): Promise<T | undefined> {
      let key = randomUUID();
      for (let round = 1; round <= MAX_ROUNDS; round++) {
        const answer = await send(key);
        // After the first round API300 answers normally again.
        await clearFaults(rig.sim);
        if (answer.done) return answer.value;
        if (!answer.sameKey) key = randomUUID();
      }
      throw new Error(`not stored after ${MAX_ROUNDS} rounds`);
    }

    /** What an error code tells the client: send again under the same key, a new one, or give up. */
    const follow = (code: string | undefined) => {
      if (code === 'UPSTREAM_OUTCOME_UNKNOWN') return { done: false, sameKey: true };
      if (code === 'UPSTREAM_UNAVAILABLE' || code === 'UPSTREAM_RATE_LIMITED')
        return { done: false, sameKey: false };
      throw new Error(`an answer a client cannot follow: ${code}`);
    };

    await untilStored(async (key) => {
      const answer = await rig.query(CREATE_CUSTOMER, {
        input: { lastName: 'Einzeln', firstName: 'Erika' },
        key,
      });
      return answer.outcome === 'data'
        ? { done: true, sameKey: true }
        : follow(answer.body?.errors?.[0].extensions?.code);
    });

    let pending = Array.from({ length: 20 }, (_, i) => ({ lastName: `Import-${i}` }));
    await untilStored(async (key) => {
      const answer = await rig.query(IMPORT, { c: pending, key });
      const results = (
        answer.body?.data?.importCustomers as {
          results: Array<{ index: number; success: boolean; error: { code: string } | null }>;
        }
      ).results;
      if (results.some((r) => r.error?.code === 'UPSTREAM_OUTCOME_UNKNOWN'))
        return { done: false, sameKey: true };
      const notStored = results.filter((r) => !r.success);
      for (const r of notStored) follow(r.error?.code);
      pending = notStored.map((r) => pending[r.index]);
      return { done: pending.length === 0, sameKey: false };
    });

    await untilStored(async (key) => {
      const answer = await rig.query(CREATE_RESERVATION, {
        input: {
          stationNumber: 1,
          guestName: 'Familie Einmal',
          start: '2026-12-24T17:30:00Z',
          persons: 5,
        },
        key,
      });
      return answer.outcome === 'data'
        ? { done: true, sameKey: true }
        : follow(answer.body?.errors?.[0].extensions?.code);
    });

    const after = await simulatorStats(rig.sim);
    expect(after.data.customers - before.data.customers).toBe(21);
    expect(after.data.reservations - before.data.reservations).toBe(1);
  });
});
