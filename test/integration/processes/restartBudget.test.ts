import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { postGraphQL } from '../../../bench/lib/graphql';
import { DEMO_TOKENS, type RunningSimulator } from '../../../src/simulator';
import { CUSTOMER_QUERY } from '../../helpers/operations';
import { simulatorStats, startTestSimulator } from '../../helpers/simulator';
import { describeWithRedis, startRedis, type RunningRedis } from '../../helpers/redis';
import { eventually } from '../../helpers/eventually';
import { startSubgraphProcess, type SubgraphProcess } from '../../helpers/subgraphProcess';

/**
 * The one promise, at process level: a subgraph killed with SIGKILL under traffic and started
 * again (twice) never lets API300 count more than the budget in any 60 s window, and never
 * locks the token pair — with its budget journaled beside its store, and with Redis. The
 * simulator counts every call per token pair over exact rolling 60 s windows; the whole run
 * fits into one window, so each restarted process would have spent a fresh budget on top of
 * its predecessor's if it assumed the window empty.
 */

jest.setTimeout(180_000);

/** Small, so that each process alone fills it within its few seconds of traffic. */
const BUDGET = 10;
/** How long each life after a kill runs under traffic before it is killed too. */
const TRAFFIC_MS = 3_000;

interface Run {
  sim: RunningSimulator;
  /** Calls the simulator counted for the subgraph's pair after each life. */
  callsAfterEachLife: number[];
  maxCallsInAnyWindow: number;
  blocked: string[];
}

const demoCalls = async (sim: RunningSimulator) =>
  (await simulatorStats(sim)).tokens.find((t) => t.cusToken === DEMO_TOKENS.cusToken)?.calls ?? 0;

const CREATE_CUSTOMER = /* GraphQL */ `
  mutation {
    createCustomer(input: { lastName: "Neumann" }) {
      number
    }
  }
`;

/**
 * Front-desk staff, four at a time, until `stop()`: each reads a customer the subgraph has not
 * read yet, then creates one (writes are not paced, so a life fills the budget within a
 * second). Requests go to whichever life is current; while none is, they wait.
 */
function startTraffic(): { target(url: string | null): void; stop(): Promise<void> } {
  let url: string | null = null;
  let stopped = false;
  let number = 10001;
  const workers = Array.from({ length: 4 }, async () => {
    while (!stopped) {
      const current = url;
      if (!current) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        continue;
      }
      const options = { timeoutMs: 2_000 };
      await postGraphQL(current, CUSTOMER_QUERY, {
        ...options,
        variables: { number: number++ },
      }).catch(() => undefined);
      await postGraphQL(current, CREATE_CUSTOMER, options).catch(() => undefined);
    }
  });
  return {
    target(next) {
      url = next;
    },
    async stop() {
      stopped = true;
      await Promise.all(workers);
    },
  };
}

/** Three lives of one subgraph under traffic, the first two ended by SIGKILL. */
async function killAndRestartTwice(env: Record<string, string>): Promise<Run> {
  const sim = await startTestSimulator({ customers: 2000, reservations: 2000, tickets: 200 });
  const lives: SubgraphProcess[] = [];
  const traffic = startTraffic();
  try {
    const subgraphEnv = {
      API300_URL: sim.endpoint,
      API300_CUS_TOKEN: DEMO_TOKENS.cusToken,
      API300_AUTH_TOKEN: DEMO_TOKENS.authToken,
      UPSTREAM_CALLS_PER_MINUTE: String(BUDGET),
      UPSTREAM_WRITE_RESERVE: '2',
      REQUEST_DEADLINE_MS: '1500',
      PORT: '0',
      ...env,
    };
    const callsAfterEachLife: number[] = [];
    for (let life = 0; life < 3; life++) {
      const subgraph = await startSubgraphProcess({
        ...subgraphEnv,
        // Only the first life may know the simulator is fresh; the others start after a kill.
        BENCH_WINDOW_AT_START: life === 0 ? 'empty' : 'unknown',
      });
      lives.push(subgraph);
      traffic.target(subgraph.url);
      if (life === 0) {
        // The first life fills the budget (a second fresh one would then show at API300).
        await eventually(
          'the first life to spend the budget',
          async () => (await demoCalls(sim)) >= BUDGET,
          60_000,
        );
      } else {
        await new Promise((resolve) => setTimeout(resolve, TRAFFIC_MS));
      }
      // Killed with requests in flight; the traffic goes on against the next life.
      if (life < 2) await subgraph.kill();
      else {
        traffic.target(null);
        await subgraph.stop();
      }
      callsAfterEachLife.push(await demoCalls(sim));
    }
    const stats = await simulatorStats(sim);
    return {
      sim,
      callsAfterEachLife,
      maxCallsInAnyWindow: stats.maxCallsInAnyWindow,
      blocked: stats.blockedTokens.map(String),
    };
  } finally {
    await traffic.stop();
    await Promise.all(lives.map((l) => l.kill()));
    await sim.close();
  }
}

function expectBudgetKept(run: Run): void {
  expect(run.callsAfterEachLife[0]).toBe(BUDGET);
  expect(run.maxCallsInAnyWindow).toBeLessThanOrEqual(BUDGET);
  expect(run.blocked).toEqual([]);
}

describe('SIGKILL and restart under traffic, twice', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'restart-budget-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('with the budget journaled beside the store: never more than the budget in any 60 s at API300, never locked', async () => {
    const run = await killAndRestartTwice({ MIRROR_STORE_PATH: path.join(dir, 'store') });
    expectBudgetKept(run);
  });

  it('with the mirror in memory and no journal: each restart waits a window, so the budget holds too', async () => {
    const run = await killAndRestartTwice({ MIRROR_STORE_PATH: ':memory:' });
    expectBudgetKept(run);
    // The lives after a kill knew nothing of the calls before them: they made none.
    expect(run.callsAfterEachLife[2]).toBe(run.callsAfterEachLife[0]);
  });
});

describeWithRedis('SIGKILL and restart under traffic, twice, on a shared Redis', () => {
  let redis: RunningRedis;

  beforeAll(async () => {
    redis = await startRedis();
  });

  afterAll(async () => {
    await redis?.stop();
  });

  it('never more than the budget in any 60 s at API300, never locked', async () => {
    const run = await killAndRestartTwice({
      REDIS_URL: redis.url,
      MIRROR_STORE_PATH: ':memory:',
    });
    expectBudgetKept(run);
  });
});
