import { createServer } from 'node:net';
import { createApi300Client } from '../../../src/data/api300/client';
import type { Api300 } from '../../../src/data/api300/types';
import { Api300Error, mayHaveBeenApplied } from '../../../src/data/errors';
import { CUSTOMER_DEFAULTS } from '../../../src/graphql/resolvers/writes';
import { DEMO_TOKENS, type FaultKnobs, type RunningSimulator } from '../../../src/simulator';
import { clearFaults, setFaults, startTestSimulator } from '../../helpers/simulator';

/**
 * What the client says about a write that failed: whether it may have been applied
 * (`details.sent`) and whether API300 had finished with it (`details.answered`) — the two
 * facts the repository settles a lost reply by (docs/graphql-api.md, "Write outcomes and
 * retries"). Over both kinds of transport, against the simulator's knobs.
 */

const TIMEOUT_MS = 300;
const write = (client: Api300) => client.setCustomer({ ...CUSTOMER_DEFAULTS, lastName: 'Post' });

async function failureOf(promise: Promise<unknown>): Promise<Api300Error> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Api300Error);
  return error as Api300Error;
}

const cases: Array<{ what: string; knobs: Partial<FaultKnobs>; sent: boolean; answered: boolean }> =
  [
    { what: 'the reply body is cut off', knobs: { cutReplyRate: 1 }, sent: true, answered: true },
    {
      what: 'the connection is reset after applying',
      knobs: { resetAfterApplyRate: 1 },
      sent: true,
      answered: false,
    },
    {
      what: 'no reply comes before the timeout',
      knobs: { hangAfterApplyRate: 1 },
      sent: true,
      answered: false,
    },
    { what: 'the service fails (HTTP 500)', knobs: { http500Rate: 1 }, sent: true, answered: true },
    {
      what: 'the reply is complete but unreadable',
      knobs: { malformedXmlRate: 1 },
      sent: true,
      answered: true,
    },
  ];

describe.each(['soap11', 'json'] as const)('a write over %s', (transport) => {
  let sim: RunningSimulator;
  let client: Api300;

  beforeAll(async () => {
    sim = await startTestSimulator();
    client = await createApi300Client({
      endpoint: sim.endpoint,
      ...DEMO_TOKENS,
      timeoutMs: TIMEOUT_MS,
      transport,
      thread: 'worker',
    });
  });
  afterAll(async () => {
    await sim?.close();
  });
  afterEach(async () => {
    await clearFaults(sim);
  });

  it.each(cases)('may have been applied when $what', async ({ knobs, sent, answered }) => {
    await setFaults(sim, knobs);
    const failure = await failureOf(write(client));
    expect(failure.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(failure.details).toMatchObject({ sent, answered });
    expect(mayHaveBeenApplied(failure)).toBe(true);
  });

  it('certainly was not applied when API300 refused it with a Status code', async () => {
    await setFaults(sim, { forceStatusCode: 99 });
    const failure = await failureOf(write(client));
    expect(failure.code).toBe('UPSTREAM_INTERNAL');
    expect(mayHaveBeenApplied(failure)).toBe(false);
  });

  it('certainly was not sent when the connection is refused', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as { port: number };
        probe.close(() => resolve(free));
      });
    });
    const nowhere = await createApi300Client({
      endpoint: `http://127.0.0.1:${port}/Service/API300.asmx`,
      ...DEMO_TOKENS,
      timeoutMs: TIMEOUT_MS,
      transport,
      thread: 'main',
    });
    const failure = await failureOf(write(nowhere));
    expect(failure.details).toMatchObject({ sent: false });
    expect(mayHaveBeenApplied(failure)).toBe(false);
  });
});
