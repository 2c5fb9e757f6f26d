import { postGraphQL, type GraphQLAnswer } from '../../../bench/lib/graphql';
import { startSubgraph, type RunningSubgraph } from '../../../src/app/subgraph';
import { IN_MEMORY_STORE, loadConfig } from '../../../src/config';
import { createLogger } from '../../../src/platform/logger';
import { DEMO_TOKENS, type RunningSimulator } from '../../../src/simulator';
import {
  createTestDatabase,
  describeWithPostgres,
  type TestDatabase,
} from '../../helpers/postgres';
import { describeWithRedis, startRedis, type RunningRedis } from '../../helpers/redis';
import {
  clearFaults,
  setFaults,
  simulatorStats,
  startTestSimulator,
} from '../../helpers/simulator';

/**
 * Idempotency keys across replicas: two subgraphs in front of one API300 (the simulator),
 * sharing their keys through one Redis, or one PostgreSQL. A retry that reaches the other
 * replica answers the first outcome and writes nothing; a retry of a write whose outcome was
 * unknown reads back what it stored instead of writing it twice.
 */

const DEADLINE_MS = 2000;

const CREATE = `mutation($input: CustomerInput!, $key: String) {
  createCustomer(input: $input, idempotencyKey: $key) { number lastName }
}`;
const IMPORT = `mutation($c: [CustomerInput!]!, $key: String) {
  importCustomers(customers: $c, idempotencyKey: $key) { storedCount results { number success error { code } } }
}`;

interface Replicas {
  sim: RunningSimulator;
  replicas: RunningSubgraph[];
  ask(replica: number, query: string, variables: Record<string, unknown>): Promise<GraphQLAnswer>;
  stop(): Promise<void>;
}

async function startReplicas(env: Record<string, string>): Promise<Replicas> {
  const sim = await startTestSimulator();
  const config = loadConfig({
    PORT: '0',
    MIRROR: 'false',
    API300_URL: sim.endpoint,
    API300_CUS_TOKEN: DEMO_TOKENS.cusToken,
    API300_AUTH_TOKEN: DEMO_TOKENS.authToken,
    API300_TIMEOUT_MS: '400',
    REQUEST_DEADLINE_MS: String(DEADLINE_MS),
    SHUTDOWN_DRAIN_MS: '0',
    MIRROR_STORE_PATH: IN_MEMORY_STORE,
    ...env,
  });
  const replicas: RunningSubgraph[] = [];
  try {
    for (let i = 0; i < 2; i++)
      replicas.push(
        // A simulator of its own, started for this test: its window is known to be empty.
        await startSubgraph(config, {
          logger: createLogger('silent'),
          host: '127.0.0.1',
          windowAtStart: 'empty',
        }),
      );
  } catch (error) {
    for (const r of replicas) await r.stop();
    await sim.close();
    throw error;
  }
  return {
    sim,
    replicas,
    ask: (replica, query, variables) =>
      postGraphQL(replicas[replica].url, query, { variables, timeoutMs: 4 * DEADLINE_MS }),
    async stop() {
      for (const r of replicas) await r.stop();
      await sim.close();
    },
  };
}

function sharedKeysBehave(start: () => Promise<Replicas>): void {
  let rig: Replicas;
  let run = 0;
  const key = () => `key-${Date.now()}-${++run}`;

  beforeAll(async () => {
    rig = await start();
  });
  afterAll(async () => {
    await rig?.stop();
  });
  afterEach(async () => {
    await clearFaults(rig.sim);
  });

  it('answers a retry on the other replica with the first result, and writes nothing', async () => {
    const k = key();
    const input = { lastName: `Einmal${run}` };
    const first = await rig.ask(0, CREATE, { input, key: k });
    const before = await simulatorStats(rig.sim);
    const retry = await rig.ask(1, CREATE, { input, key: k });
    const after = await simulatorStats(rig.sim);

    expect(first.outcome).toBe('data');
    expect(retry.body?.data).toEqual(first.body?.data);
    expect(after.calls).toBe(before.calls);
    expect(after.data.customers).toBe(before.data.customers);
  });

  it('refuses the same key with other input', async () => {
    const k = key();
    await rig.ask(0, CREATE, { input: { lastName: 'Erst' }, key: k });
    const reused = await rig.ask(1, CREATE, { input: { lastName: 'Anders' }, key: k });
    expect(reused.outcome).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(reused.body?.errors?.[0].message).toMatch(/idempotencyKey was first used/);
  });

  it('lets two concurrent requests with one key write once and answer alike', async () => {
    const k = key();
    const input = { lastName: `Zugleich${run}` };
    const before = await simulatorStats(rig.sim);
    await setFaults(rig.sim, { latencyMs: 300, faultOperations: ['SetCustomer'] });
    const [a, b] = await Promise.all([
      rig.ask(0, CREATE, { input, key: k }),
      rig.ask(1, CREATE, { input, key: k }),
    ]);
    const after = await simulatorStats(rig.sim);

    expect(a.outcome).toBe('data');
    expect(b.body?.data).toEqual(a.body?.data);
    expect(after.data.customers).toBe(before.data.customers + 1);
  });

  it('settles a write whose outcome was unknown on the retry at the other replica, storing it once', async () => {
    const k = key();
    const input = { lastName: `Ungewiss${run}` };
    const before = await simulatorStats(rig.sim);
    await setFaults(rig.sim, {
      hangAfterApplyRate: 1,
      faultOperations: ['SetCustomer', 'GetCustomers'],
    });
    const first = await rig.ask(0, CREATE, { input, key: k });
    await clearFaults(rig.sim);
    const retry = await rig.ask(1, CREATE, { input, key: k });
    const again = await rig.ask(0, CREATE, { input, key: k });
    const after = await simulatorStats(rig.sim);

    expect(first.outcome).toBe('UPSTREAM_OUTCOME_UNKNOWN');
    expect(retry.outcome).toBe('data');
    expect(retry.body?.data?.createCustomer).toMatchObject({ lastName: input.lastName });
    expect(again.body?.data).toEqual(retry.body?.data);
    expect(after.data.customers).toBe(before.data.customers + 1);
    expect(
      (after.callsByOperation.SetCustomer ?? 0) - (before.callsByOperation.SetCustomer ?? 0),
    ).toBe(1);
  });

  it('settles an import with unknown records on the retry, storing each record once', async () => {
    const k = key();
    const c = Array.from({ length: 4 }, (_, i) => ({ lastName: `Teil${run}-${i}` }));
    const before = await simulatorStats(rig.sim);
    await setFaults(rig.sim, {
      resetAfterApplyRate: 1,
      hangRate: 1,
      faultOperations: ['SetCustomers', 'GetCustomers'],
    });
    const first = await rig.ask(0, IMPORT, { c, key: k });
    await clearFaults(rig.sim);
    const retry = await rig.ask(1, IMPORT, { c, key: k });
    const after = await simulatorStats(rig.sim);

    const firstResults = (first.body?.data?.importCustomers as { results: unknown[] }).results;
    expect(firstResults).toEqual(
      c.map(() => ({ number: null, success: false, error: { code: 'UPSTREAM_OUTCOME_UNKNOWN' } })),
    );
    expect(retry.body?.data?.importCustomers).toMatchObject({ storedCount: 4 });
    expect(after.data.customers).toBe(before.data.customers + 4);
  });
}

describeWithRedis('idempotency keys shared through Redis', () => {
  let redis: RunningRedis;
  sharedKeysBehave(async () => {
    redis = await startRedis();
    const rig = await startReplicas({ REDIS_URL: redis.url });
    return {
      ...rig,
      async stop() {
        await rig.stop();
        await redis.stop();
      },
    };
  });
});

describeWithPostgres('idempotency keys shared through PostgreSQL', () => {
  let database: TestDatabase;
  sharedKeysBehave(async () => {
    database = await createTestDatabase();
    const rig = await startReplicas({ MIRROR_DATABASE_URL: database.url });
    return {
      ...rig,
      async stop() {
        await rig.stop();
        await database.drop();
      },
    };
  });
});
