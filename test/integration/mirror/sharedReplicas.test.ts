import { API300_MAX_RECORDS } from '../../../src/domain/models';
import { DEMO_TOKENS, type RunningSimulator, type TokenPair } from '../../../src/simulator';
import { AUDITOR_TOKENS, startE2eSubgraph, upstreamEnv, type E2eSubgraph } from '../e2e/stack';
import { eventually } from '../../helpers/eventually';
import {
  createTestDatabase,
  describeWithPostgres,
  type TestDatabase,
} from '../../helpers/postgres';
import { startRedis, type RunningRedis } from '../../helpers/redis';
import { simulatorStats, startTestSimulator, tillChange } from '../../helpers/simulator';

/**
 * The shared mode end to end: subgraph replicas (the whole product, in this process) on one
 * PostgreSQL database and one Redis in front of one simulator. One replica leads and syncs;
 * the others serve what it stored, follow the store's change feed, and take over when it goes.
 *
 * The leases are short (ttl 2 s, renewed every 0.5 s) so a takeover happens within seconds.
 * A replica started later talks upstream with its own token pair, so the simulator's count of
 * that pair shows exactly the calls that replica made.
 */

const CUSTOMERS = 2_600;
/** Pages of the customers' full load: what one syncer spends on it (three would spend thrice). */
const LOAD_PAGES = Math.ceil(CUSTOMERS / API300_MAX_RECORDS);
const TTL_MS = 2_000;
const RENEW_MS = 500;
/** Takeover bound: ttl + renew, plus a first delta and a slow machine's slack. */
const TAKEOVER_MS = TTL_MS + RENEW_MS + 5_000;
const ARRIVAL_MS = 20_000;

/** The pair of the replica started cold: its calls are counted apart from the others'. */
const COLD_TOKENS: TokenPair = {
  cusToken: 'c01d0000-0000-4000-8000-00000000c01d',
  authToken: 'c01d0000-0000-4000-8000-0000000c01d0',
  licences: ['customers', 'reservations', 'tickets'],
};

const CUSTOMER_NAME = /* GraphQL */ `
  query ($number: Int!) {
    customer(number: $number) {
      number
      lastName
    }
  }
`;

interface MirrorReadyz {
  state?: string;
  syncing?: boolean;
  lease?: { leader?: boolean; takeovers?: number } | null;
}

async function mirrorOf(replica: E2eSubgraph): Promise<MirrorReadyz> {
  const body = (await fetch(replica.readyzUrl).then(
    (r) => r.json(),
    () => null,
  )) as { mirror?: MirrorReadyz } | null;
  return body?.mirror ?? {};
}

const leads = async (replica: E2eSubgraph) => {
  const mirror = await mirrorOf(replica);
  return mirror.syncing === true || mirror.lease?.leader === true;
};

async function lastNameOn(replica: E2eSubgraph, number: number): Promise<unknown> {
  const answer = await replica.query(CUSTOMER_NAME, { number });
  return (answer.body?.data?.customer as { lastName?: unknown } | null | undefined)?.lastName;
}

async function pairCalls(sim: RunningSimulator, pair: TokenPair = DEMO_TOKENS) {
  const stats = await simulatorStats(sim);
  return {
    calls: stats.tokens.find((t) => t.cusToken === pair.cusToken)?.calls ?? 0,
    getCustomers: stats.callsByOperation.GetCustomers ?? 0,
    blocked: stats.blockedTokens,
  };
}

describeWithPostgres('Replicas sharing one mirror database', () => {
  let sim: RunningSimulator;
  let redis: RunningRedis;
  let db: TestDatabase;
  const replicas: E2eSubgraph[] = [];
  const stopped = new Set<E2eSubgraph>();

  const startReplica = async (tokens: TokenPair = DEMO_TOKENS) => {
    const replica = await startE2eSubgraph({
      env: {
        ...upstreamEnv(sim),
        API300_CUS_TOKEN: tokens.cusToken,
        API300_AUTH_TOKEN: tokens.authToken,
        MIRROR: 'true',
        MIRROR_DATABASE_URL: db.url,
        MIRROR_LEASE_TTL_MS: String(TTL_MS),
        MIRROR_LEASE_RENEW_MS: String(RENEW_MS),
        REDIS_URL: redis.url,
      },
    });
    replicas.push(replica);
    return replica;
  };
  const running = () => replicas.filter((r) => !stopped.has(r));
  const allSynced = (of: E2eSubgraph[]) =>
    eventually(
      `${of.length} replicas synced`,
      async () => (await Promise.all(of.map(mirrorOf))).every((m) => m.state === 'synced'),
      60_000,
    );
  const arrivesEverywhere = (number: number, lastName: string) =>
    eventually(
      `customer ${number} named ${lastName} on every running replica`,
      async () =>
        (await Promise.all(running().map((r) => lastNameOn(r, number)))).every(
          (n) => n === lastName,
        ),
      ARRIVAL_MS,
    );

  beforeAll(async () => {
    sim = await startTestSimulator({
      customers: CUSTOMERS,
      tokens: [DEMO_TOKENS, AUDITOR_TOKENS, COLD_TOKENS],
    });
    redis = await startRedis();
    db = await createTestDatabase();
    // Started together, as a deployment rolls them out: the migrations race, one lease wins.
    await Promise.all([startReplica(), startReplica(), startReplica()]);
  }, 60_000);

  afterAll(async () => {
    for (const replica of running()) await replica.stop();
    await db?.drop();
    await redis?.stop();
    await sim?.close();
  }, 30_000);

  it('has exactly one leader, every replica synced, and the load calls of one replica', async () => {
    await allSynced(replicas);
    const { getCustomers, blocked } = await pairCalls(sim);

    const leaders = await Promise.all(replicas.map(leads));
    expect(leaders.filter(Boolean)).toHaveLength(1);
    // One full load of the customers plus a few deltas; three syncers would have read 3 × the pages.
    expect(getCustomers).toBeGreaterThanOrEqual(LOAD_PAGES);
    expect(getCustomers).toBeLessThan(2 * LOAD_PAGES);
    expect(blocked).toEqual([]);
  }, 90_000);

  it('serves a customer created on one replica from another within seconds', async () => {
    const [a, b] = replicas;
    const created = await a.query(
      'mutation ($input: CustomerInput!) { createCustomer(input: $input) { number lastName } }',
      { input: { firstName: 'Ada', lastName: 'Quervain' } },
    );
    const number = (created.body?.data?.createCustomer as { number: number } | null)?.number;
    expect(typeof number).toBe('number');

    await eventually(
      'the new customer on the other replica',
      async () => (await lastNameOn(b, number!)) === 'Quervain',
      ARRIVAL_MS,
    );
  }, 60_000);

  it('starts a fourth replica cold on the full database without an upstream call', async () => {
    const cold = await startReplica();
    await allSynced([cold]);

    expect(await lastNameOn(cold, 10_001)).toEqual(expect.any(String));
    expect(await leads(cold)).toBe(false);
    // Its own gate's count: the leader's deltas go on meanwhile on the same token pair.
    const ownCalls = cold.running.dataPath.stats().upstream.calls;
    expect(ownCalls.reduce((sum, c) => sum + c.count, 0)).toBe(0);
  }, 60_000);

  it("refuses a replica of another token pair: the database holds another venue's copy", async () => {
    await expect(startReplica(COLD_TOKENS)).rejects.toThrow(
      /holds the mirror of another API300 endpoint or token pair/,
    );
    expect((await pairCalls(sim, COLD_TOKENS)).calls).toBe(0);
  });

  it('hands the sync to another replica when the leader stops, resuming from the watermark', async () => {
    const leader = (
      await Promise.all(running().map(async (r) => ((await leads(r)) ? r : null)))
    ).find((r) => r !== null);
    expect(leader).toBeDefined();
    const stoppedAt = Date.now();
    await leader!.stop();
    stopped.add(leader!);
    const before = await pairCalls(sim);

    await eventually(
      'another replica leading',
      async () => (await Promise.all(running().map(leads))).some(Boolean),
      TAKEOVER_MS,
    );
    expect(Date.now() - stoppedAt).toBeLessThan(TAKEOVER_MS);

    const [changed] = await tillChange(sim, 'customers', {
      CustomerNumber: 10_002,
      Name: 'Nachfolger',
    });
    expect(changed.Name).toBe('Nachfolger');
    await arrivesEverywhere(10_002, 'Nachfolger');

    // Deltas of one call each since the takeover, not the pages of a reload.
    const after = await pairCalls(sim);
    expect(after.getCustomers - before.getCustomers).toBeLessThan(LOAD_PAGES);
    await allSynced(running());
  }, 90_000);

  it('keeps serving from memory while the database drops every connection, then resumes', async () => {
    const terminated = await db.terminateConnections();
    expect(terminated).toBeGreaterThan(0);

    for (const replica of running()) {
      expect(await lastNameOn(replica, 10_002)).toBe('Nachfolger');
    }

    await tillChange(sim, 'customers', { CustomerNumber: 10_003, Name: 'Wiederkehr' });
    await arrivesEverywhere(10_003, 'Wiederkehr');
    await eventually(
      'a replica leading after the reconnect',
      async () => (await Promise.all(running().map(leads))).some(Boolean),
      TAKEOVER_MS,
    );
  }, 90_000);
});
