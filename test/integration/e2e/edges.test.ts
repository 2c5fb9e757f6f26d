import type { RunningSimulator, TokenPair } from '../../../src/simulator';
import { callSoap, simulatorStats, startTestSimulator, xmlText } from '../../helpers/simulator';
import {
  AUDITOR_TOKENS,
  FIRST_CUSTOMER,
  embeddedSimulator,
  expectBudgetKept,
  startE2eSubgraph,
  subgraphCalls,
  type E2eSubgraph,
} from './stack';

/**
 * The edges of the subgraph as a new user meets them, on real sockets in front of the
 * simulator: writes that cannot corrupt what is stored, API300's refusals worded like local
 * validation, and partial data that survives a failing field.
 */

const BUDGET = 50;

async function callsOf(sim: RunningSimulator, operation: string): Promise<number> {
  return (await simulatorStats(sim)).callsByOperation[operation] ?? 0;
}

/** What the simulator stores for a ticket (read with the auditor pair, outside the budget). */
async function storedTicket(sim: RunningSimulator, number: string) {
  const reply = await callSoap(
    sim,
    'GetTickets',
    {
      TicketNumbers: [number],
      PageIndex: 0,
      PageSize: 1,
    },
    { tokens: AUDITOR_TOKENS },
  );
  return { status: xmlText(reply.body, 'Status'), price: xmlText(reply.body, 'Price') };
}

describe('writes that cannot corrupt', () => {
  let subgraph: E2eSubgraph;
  let sim: RunningSimulator;

  beforeAll(async () => {
    subgraph = await startE2eSubgraph({
      env: { UPSTREAM_CALLS_PER_MINUTE: String(BUDGET), REQUEST_DEADLINE_MS: '5000' },
    });
    sim = embeddedSimulator(subgraph);
  });

  afterAll(async () => {
    await expectBudgetKept(sim, BUDGET);
    await subgraph.stop();
  });

  const ISSUE = /* GraphQL */ `
    mutation Issue($number: String!, $price: Float!, $from: DateTime!, $to: DateTime!) {
      issueTicket(
        input: { number: $number, articleNumber: 7, price: $price, validFrom: $from, validTo: $to }
      ) {
        number
        status
        redeemedAt
      }
    }
  `;
  const REDEEM = /* GraphQL */ `
    mutation Redeem($number: String!) {
      redeemTicket(number: $number, stationNumber: 1) {
        status
      }
    }
  `;

  it('never makes a redeemed ticket valid again: issuing its number is refused with CONFLICT, and it cannot be redeemed twice', async () => {
    const validity = {
      from: new Date(Date.now() - 3_600_000).toISOString(),
      to: new Date(Date.now() + 86_400_000).toISOString(),
    };
    const number = 'EDGE-1';
    const issued = await subgraph.query(ISSUE, { number, price: 10, ...validity });
    expect(issued.body?.data).toEqual({
      issueTicket: { number, status: 'VALID', redeemedAt: null },
    });
    expect((await subgraph.query(REDEEM, { number })).body?.data).toEqual({
      redeemTicket: { status: 'REDEEMED' },
    });

    const setTicketsBefore = await callsOf(sim, 'SetTicket');
    const again = await subgraph.query(ISSUE, { number, price: 99, ...validity });
    const secondRedemption = await subgraph.query(REDEEM, { number });

    expect(again.body?.data).toEqual({ issueTicket: null });
    expect(again.body?.errors?.[0]).toMatchObject({
      message: expect.stringContaining('Ticket EDGE-1 already exists (status REDEEMED)'),
      extensions: { code: 'CONFLICT' },
      path: ['issueTicket'],
    });
    expect(secondRedemption.outcome).toBe('CONFLICT');
    expect(await callsOf(sim, 'SetTicket')).toBe(setTicketsBefore);
    expect(await storedTicket(sim, number)).toMatchObject({ status: '1', price: '10' });
  });

  it('answers cancelReservation of a cancelled reservation as it is, with one read and no write', async () => {
    const cancel = /* GraphQL */ `
      mutation Cancel($id: Int!) {
        cancelReservation(id: $id) {
          id
          status
        }
      }
    `;
    const created = await subgraph.query(
      'mutation { createReservation(input: { stationNumber: 1, start: "2030-05-01T19:00:00Z", persons: 2 }) { id } }',
    );
    const id = (created.body?.data?.createReservation as { id: number }).id;
    expect((await subgraph.query(cancel, { id })).body?.data).toEqual({
      cancelReservation: { id, status: 'CANCELLED' },
    });
    const writesBefore = await callsOf(sim, 'SetReservation');
    const callsBefore = await subgraphCalls(sim);

    const again = await subgraph.query(cancel, { id });

    expect(again.body?.data).toEqual({ cancelReservation: { id, status: 'CANCELLED' } });
    expect(await callsOf(sim, 'SetReservation')).toBe(writesBefore);
    expect((await subgraphCalls(sim)) - callsBefore).toBe(1);
  });

  it('refuses createCustomer(input: {}) without an upstream call', async () => {
    const callsBefore = await subgraphCalls(sim);
    const answer = await subgraph.query('mutation { createCustomer(input: {}) { number } }');

    expect(answer.body?.errors?.[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.lastName',
    });
    expect(await subgraphCalls(sim)).toBe(callsBefore);
  });
});

describe("API300's refusals read like local validation", () => {
  let subgraph: E2eSubgraph;
  let sim: RunningSimulator;

  beforeAll(async () => {
    subgraph = await startE2eSubgraph({ env: { REQUEST_DEADLINE_MS: '5000' } });
    sim = embeddedSimulator(subgraph);
  });

  afterAll(() => subgraph.stop());

  const SET_CARD = /* GraphQL */ `
    mutation Card($number: Int!, $card: String!) {
      updateCustomer(number: $number, patch: { cardNumber: $card }) {
        cardNumber
      }
    }
  `;

  it('reports a card number another customer holds with field, withheld value and what is allowed', async () => {
    const card = 'EDGE-CARD-1';
    expect((await subgraph.query(SET_CARD, { number: FIRST_CUSTOMER, card })).outcome).toBe('data');

    const taken = await subgraph.query(SET_CARD, { number: FIRST_CUSTOMER + 1, card });

    expect(taken.body?.errors?.[0]).toMatchObject({
      message: `Refused by API300: cardNumber got (withheld: personal data, ${card.length} characters), allowed: a card number no other customer holds (held by ${FIRST_CUSTOMER}) (SetCustomer).`,
      extensions: {
        code: 'UPSTREAM_VALIDATION',
        field: 'cardNumber',
        value: `(withheld: personal data, ${card.length} characters)`,
        allowed: `a card number no other customer holds (held by ${FIRST_CUSTOMER})`,
      },
    });
    expect(JSON.stringify(taken.body)).not.toContain(card);
    expect(JSON.stringify(taken.body)).not.toContain('Customer.CardNumber');
  });

  it('refuses a station the station list does not hold without sending the reservation', async () => {
    const answer = await subgraph.query(
      'mutation { createReservation(input: { stationNumber: 99, start: "2030-05-01T19:00:00Z", persons: 2 }) { id } }',
    );

    expect(answer.body?.errors?.[0].extensions).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'input.stationNumber',
      value: 99,
      allowed: 'a station of Hypersoft: one of 1, 2, 3',
    });
    expect(await callsOf(sim, 'SetReservation')).toBe(0);
  });
});

describe('a venue without the reservations licence', () => {
  const CUSTOMERS_ONLY: TokenPair = {
    cusToken: 'ed9e5000-0000-4000-8000-0000000c0570',
    authToken: 'ed9e5000-0000-4000-8000-00000000a070',
    licences: ['customers', 'tickets'],
  };
  let sim: RunningSimulator;
  let subgraph: E2eSubgraph;

  beforeAll(async () => {
    sim = await startTestSimulator({ tokens: [CUSTOMERS_ONLY] });
    subgraph = await startE2eSubgraph({
      env: {
        API300_URL: sim.endpoint,
        API300_CUS_TOKEN: CUSTOMERS_ONLY.cusToken,
        API300_AUTH_TOKEN: CUSTOMERS_ONLY.authToken,
      },
    });
  });

  afterAll(async () => {
    await subgraph.stop();
    await sim.close();
  });

  it('still lists its customers when a screen also asks for reservations: reservations null, UPSTREAM_LICENCE_MISSING at that path', async () => {
    const answer = await subgraph.query(
      '{ customers(first: 1) { edges { node { number reservations { id } } } } }',
    );

    expect(answer.body?.data).toEqual({
      customers: { edges: [{ node: { number: FIRST_CUSTOMER, reservations: null } }] },
    });
    expect(answer.body?.errors).toEqual([
      expect.objectContaining({
        path: ['customers', 'edges', 0, 'node', 'reservations'],
        extensions: expect.objectContaining({ code: 'UPSTREAM_LICENCE_MISSING' }),
      }),
    ]);
  });
});
