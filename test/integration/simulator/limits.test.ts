import { DEMO_TOKENS, RunningSimulator, TokenPair } from '../../../src/simulator';
import {
  TestClock,
  callJson,
  callSoap,
  createTestClock,
  postJson,
  postSoap,
  reactivateTokens,
  resetSimulator,
  simulatorStats,
  startTestSimulator,
  xmlText,
} from '../../helpers/simulator';

/** docs/api300-contract.md §3 with an injected clock: no test here waits for real time to pass. */

const SECOND_PAIR: TokenPair = {
  cusToken: '11111111-2222-4333-8444-555555555555',
  authToken: '66666666-7777-4888-8999-aaaaaaaaaaaa',
  licences: ['customers'],
};

describe('the call limit', () => {
  let clock: TestClock;
  let sim: RunningSimulator;

  beforeEach(async () => {
    clock = createTestClock('2026-11-29T18:30:00+01:00');
    sim = await startTestSimulator({ now: clock.now, tokens: [DEMO_TOKENS, SECOND_PAIR] });
  });
  afterEach(() => sim.close());

  const codeOf = async (tokens: TokenPair = DEMO_TOKENS): Promise<string | undefined> =>
    xmlText((await callSoap(sim, 'ServerDateTime', {}, { tokens })).body, 'Code');

  async function calls(
    count: number,
    spacingMs = 0,
    tokens: TokenPair = DEMO_TOKENS,
  ): Promise<Array<string | undefined>> {
    const codes: Array<string | undefined> = [];
    for (let i = 0; i < count; i++) {
      codes.push(await codeOf(tokens));
      clock.advance(spacingMs);
    }
    return codes;
  }

  it('blocks the token pair with the 61st call inside 60 s, until an operator reactivates it', async () => {
    expect(new Set(await calls(60, 900))).toEqual(new Set(['0']));
    expect(await codeOf()).toBe('11');

    clock.advance(3_600_000);
    expect(await codeOf()).toBe('11');
    expect((await simulatorStats(sim)).blockedTokens).toEqual([
      { cusToken: DEMO_TOKENS.cusToken, authToken: DEMO_TOKENS.authToken },
    ]);

    await reactivateTokens(sim, DEMO_TOKENS);
    expect(await codeOf()).toBe('0');
    expect((await simulatorStats(sim)).blockedTokens).toEqual([]);
  });

  it('uses a rolling window, not calendar minutes', async () => {
    clock.set('2026-11-29T18:30:40+01:00');
    await calls(30);
    clock.set('2026-11-29T18:31:10+01:00');
    expect(new Set(await calls(30))).toEqual(new Set(['0']));
    clock.set('2026-11-29T18:31:20+01:00');
    expect(await codeOf()).toBe('11');
  });

  it('lets 60 calls through again once the earlier ones have left the window', async () => {
    await calls(60);
    clock.advance(60_000);
    expect(new Set(await calls(60))).toEqual(new Set(['0']));
    expect((await simulatorStats(sim)).maxCallsInAnyWindow).toBe(60);
  });

  it('counts every POST: malformed, unknown-operation, wrong-type and refused ones too', async () => {
    await calls(56);
    await postSoap(
      sim,
      `<soap:Envelope><CusToken>${DEMO_TOKENS.cusToken}</CusToken><AuthToken>${DEMO_TOKENS.authToken}</AuthToken>`,
      {
        action: 'GetStations',
      },
    );
    await callJson(sim, 'NoSuchOperation', {});
    await callJson(sim, 'GetCustomer', { CustomerNumber: 'zehn' });
    await postSoap(
      sim,
      `<x><CusToken>${DEMO_TOKENS.cusToken}</CusToken><AuthToken>${DEMO_TOKENS.authToken}</AuthToken></x>`,
      {
        action: 'GetStations',
        contentType: 'text/plain',
      },
    );
    const stats = await simulatorStats(sim);
    expect(stats.calls).toBe(60);
    expect(stats.callsByOperation).toMatchObject({
      ServerDateTime: 56,
      GetStations: 2,
      NoSuchOperation: 1,
      GetCustomer: 1,
    });
    expect(await codeOf()).toBe('11');
  });

  it('keeps a window per token pair', async () => {
    await calls(61);
    expect(await codeOf(SECOND_PAIR)).toBe('0');
    expect(
      (await simulatorStats(sim)).tokens.find((t) => t.cusToken === SECOND_PAIR.cusToken),
    ).toMatchObject({
      calls: 1,
      blocked: false,
    });
  });

  it('does nothing for a blocked pair', async () => {
    await calls(61);
    const before = (await simulatorStats(sim)).data.customers;
    const response = await callJson(sim, 'SetCustomer', {
      Customer: { CustomerNumber: 0, PriceLevel: 1, Name: 'Gesperrt' },
    });
    expect((response.json as { d: { Status: { Code: number } } }).d.Status.Code).toBe(11);
    expect((await simulatorStats(sim)).data.customers).toBe(before);
  });

  it('reports the exact maximum over every rolling 60 s window', async () => {
    await calls(45);
    clock.advance(30_000);
    await calls(10);
    clock.advance(31_000);
    await calls(20);
    const stats = await simulatorStats(sim);
    expect(stats.maxCallsInAnyWindow).toBe(55);
    expect(stats.tokens[0]).toMatchObject({
      calls: 75,
      callsInWindow: 30,
      maxCallsInAnyWindow: 55,
    });
  });

  it('forgets counts and blocks on reset', async () => {
    await calls(61);
    const stats = await resetSimulator(sim);
    expect(stats).toMatchObject({
      calls: 0,
      callsByOperation: {},
      maxCallsInAnyWindow: 0,
      blockedTokens: [],
    });
    expect(await codeOf()).toBe('0');
  });
});

describe('the 500-record cap on uploads', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startTestSimulator();
  });
  afterAll(() => sim.close());

  const customers = (n: number): unknown[] =>
    Array.from({ length: n }, (_, i) => ({
      CustomerNumber: 0,
      Name: `Import ${i}`,
      PriceLevel: 1,
    }));
  const reservations = (n: number): unknown[] =>
    Array.from({ length: n }, () => ({
      StationNumber: 1,
      Start: '2026-12-01T19:00:00',
      DurationMinutes: 120,
      Persons: 2,
    }));

  it('refuses 501 customers with Code 31 and stores none of them', async () => {
    const response = await callSoap(sim, 'SetCustomers', { Customers: customers(501) });
    expect(xmlText(response.body, 'Code')).toBe('31');
    expect((await simulatorStats(sim)).data.customers).toBe(60);
  });

  it('accepts exactly 500 customers', async () => {
    const response = await callSoap(sim, 'SetCustomers', { Customers: customers(500) });
    expect(xmlText(response.body, 'Code')).toBe('0');
    expect(response.body.match(/<SetResult>/g)).toHaveLength(500);
    expect((await simulatorStats(sim)).data.customers).toBe(560);
  });

  it('refuses 501 reservations in JSON mode too', async () => {
    const response = await postJson(
      sim,
      'SetReservations',
      JSON.stringify({
        CusToken: DEMO_TOKENS.cusToken,
        AuthToken: DEMO_TOKENS.authToken,
        Reservations: reservations(501),
      }),
    );
    expect((response.json as { d: { Status: { Code: number } } }).d.Status.Code).toBe(31);
    expect((await simulatorStats(sim)).data.reservations).toBe(150);
  });
});
