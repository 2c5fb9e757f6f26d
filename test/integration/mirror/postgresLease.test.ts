import pg from 'pg';
import {
  createLeaderLease,
  createPostgresStore,
  LeaseLostError,
  type LeaderLease,
  type LeaderLeaseOptions,
  type PostgresMirrorStore,
} from '../../../src/data/mirror/store/postgres';
import { makeCustomer } from '../../helpers/fakeRepository';
import { ManualClock } from '../../helpers/gateFakes';
import { eventually } from '../../helpers/eventually';
import {
  createTestDatabase,
  describeWithPostgres,
  type TestDatabase,
} from '../../helpers/postgres';

/**
 * Lease expiry runs on the database's clock, so these tests use a short ttl and wait for it
 * to pass on that clock (about a second: long enough that a loaded machine does not expire a
 * lease between two statements of one test). Each replica's own clock is a ManualClock unless a test needs timers:
 * it moves only when the test says, as the clock of a paused process would not move either.
 */
const TTL_MS = 1_000;
const RENEW_MS = 200;

describeWithPostgres('The leader lease on PostgreSQL', () => {
  let db: TestDatabase;
  let store: PostgresMirrorStore;
  const leases: LeaderLease[] = [];
  const stores: PostgresMirrorStore[] = [];
  const replica = async (replicaId: string, options: Partial<LeaderLeaseOptions> = {}) => {
    const own = createPostgresStore({ connectionString: db.url });
    await own.ready();
    stores.push(own);
    const lease = createLeaderLease({
      store: own,
      replicaId,
      ttlMs: TTL_MS,
      renewEveryMs: RENEW_MS,
      clock: new ManualClock(),
      ...options,
    });
    leases.push(lease);
    return { lease, store: own };
  };
  /** Until `ms` have passed on the database's clock since the lease was last renewed. */
  const sinceRenewal = (ms: number) =>
    eventually(`${ms} ms past the last renewal on the database clock`, async () => {
      const { rows } = await store.pool.query<{ passed: boolean }>(
        "SELECT bool_and(renewed_at + $1 * interval '1 millisecond' <= clock_timestamp()) AS passed FROM hypersoft_mirror_lease",
        [ms],
      );
      return rows[0].passed;
    });
  /** Until every lease has expired on the database's clock (the one expiry runs on). */
  const leasesExpired = () =>
    eventually(
      'the lease to expire on the database clock',
      async () => {
        const { rows } = await store.pool.query<{ expired: boolean }>(
          'SELECT bool_and(expires_at <= clock_timestamp()) AS expired FROM hypersoft_mirror_lease',
        );
        return rows[0].expired;
      },
      TTL_MS + 5_000,
    );

  beforeAll(async () => {
    db = await createTestDatabase();
    store = createPostgresStore({ connectionString: db.url });
    await store.ready();
  });
  beforeEach(async () => {
    await store.pool.query('DELETE FROM hypersoft_mirror_lease');
    await store.wipe();
  });
  afterEach(async () => {
    await Promise.all(leases.splice(0).map((l) => l.stop()));
    await Promise.all(stores.splice(0).map((s) => s.close()));
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  it('lets exactly one of three replicas lead, and tells each who does', async () => {
    const replicas = await Promise.all(['a', 'b', 'c'].map((id) => replica(id)));
    await Promise.all(replicas.map((r) => r.lease.start()));

    const leaders = replicas.filter((r) => r.lease.isLeader());
    expect(leaders).toHaveLength(1);
    const leader = leaders[0].lease.status();
    expect(leader).toMatchObject({ leader: true, epoch: 1, acquisitions: 1 });
    for (const r of replicas) await r.lease.renewNow();
    for (const r of replicas) expect(r.lease.status().holder).toBe(leader.holder);
    expect(replicas.filter((r) => r.lease.isLeader())).toHaveLength(1);
    expect(replicas.map((r) => r.lease.epoch).filter((e) => e !== null)).toEqual([1]);
  });

  it('keeps the same epoch while the leader renews in time', async () => {
    const { lease } = await replica('a');
    await lease.start();
    for (let i = 0; i < 3; i++) {
      await sinceRenewal(TTL_MS / 3);
      expect(await lease.renewNow()).toBe(true);
    }
    expect(lease.status()).toMatchObject({ epoch: 1, acquisitions: 1, takeovers: 0 });
  });

  it('passes to another replica once the leader stops renewing, with the next epoch; the stale leader is fenced and learns it lost', async () => {
    const a = await replica('a');
    const b = await replica('b');
    await a.lease.start();
    await b.lease.start();
    expect(a.lease.epoch).toBe(1);
    expect(b.lease.isLeader()).toBe(false);

    // a hangs: no renewal, and its own clock does not move (it still believes it leads).
    await leasesExpired();
    expect(await b.lease.renewNow()).toBe(true);
    expect(b.lease.status()).toMatchObject({ epoch: 2, holder: 'b', takeovers: 1 });
    expect(a.lease.isLeader()).toBe(true);

    const stale = a.store.apply(
      { customers: { put: [makeCustomer(1, { city: 'Stale' })] } },
      {
        customers: {
          watermark: new Date(),
          loaded: true,
          reconciledAt: null,
          licenceMissing: null,
        },
      },
      { fence: 1 },
    );
    await expect(stale).rejects.toBeInstanceOf(LeaseLostError);
    expect(await store.load()).toMatchObject({ customers: [], states: {} });

    const changes: (number | null)[] = [];
    a.lease.onChange((_leading, epoch) => changes.push(epoch));
    expect(await a.lease.renewNow()).toBe(false);
    expect(changes).toEqual([null]);
    expect(a.lease.status()).toMatchObject({ leader: false, holder: 'b' });

    await b.store.apply({ customers: { put: [makeCustomer(1)] } }, {}, { fence: 2 });
    // A write's read-your-writes applies unfenced from any replica.
    await a.store.apply({ customers: { put: [makeCustomer(2)] } });
    expect((await store.load()).customers.map((c) => c.number).sort()).toEqual([1, 2]);
  });

  it('lets no takeover begin while a fenced apply of the old tenure is still committing', async () => {
    const a = await replica('a');
    const b = await replica('b');
    await a.lease.start();
    await a.store.apply({ customers: { put: [makeCustomer(1)] } }, {}, { fence: 1 });
    // Another session holds customer 1's row, so a's next fenced apply passes its fence check
    // and then waits inside its transaction.
    const blocker = new pg.Client({ connectionString: db.url });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query(
      "SELECT 1 FROM hypersoft_mirror_records WHERE kind = 'customers' AND key = '1' FOR UPDATE",
    );
    const order: string[] = [];
    const applying = a.store
      .apply(
        {
          customers: {
            put: [makeCustomer(1, { city: 'Late', changed: new Date('2026-03-03T00:00:00Z') })],
          },
        },
        {},
        { fence: 1 },
      )
      .then(() => order.push('old tenure committed'));
    await eventually('the apply to wait on the row', async () => {
      const { rows } = await store.pool.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'",
        [db.name],
      );
      return rows[0].n >= 1;
    });
    await leasesExpired();
    const takeover = b.lease.renewNow().then((leading) => {
      order.push(`takeover: ${leading}`);
    });
    await eventually('the takeover to wait for the old tenure', async () => {
      const { rows } = await store.pool.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'",
        [db.name],
      );
      return rows[0].n >= 2;
    });
    expect(order).toEqual([]);

    await blocker.query('ROLLBACK');
    await blocker.end();
    await Promise.all([applying, takeover]);
    expect(order).toEqual(['old tenure committed', 'takeover: true']);
    expect(b.lease.epoch).toBe(2);
  });

  it('fences an apply whose lease expired even when nobody took it over', async () => {
    const { lease, store: own } = await replica('a');
    await lease.start();
    await leasesExpired();
    await expect(
      own.apply({ customers: { put: [makeCustomer(1)] } }, {}, { fence: 1 }),
    ).rejects.toThrow(/epoch 1 is no longer held/);
    // Taken again, it is a new tenure: the old epoch stays fenced.
    expect(await lease.renewNow()).toBe(true);
    expect(lease.epoch).toBe(2);
    await expect(
      own.apply({ customers: { put: [makeCustomer(1)] } }, {}, { fence: 1 }),
    ).rejects.toBeInstanceOf(LeaseLostError);
  });

  it('keeps leading while the database is unreachable only until the ttl has passed on its own clock', async () => {
    const clock = new ManualClock();
    const { lease, store: own } = await replica('a', { clock });
    const seen: boolean[] = [];
    lease.onChange((leading) => seen.push(leading));
    await lease.start();
    expect(seen).toEqual([true]);

    await own.close(); // every renewal from now on fails
    await clock.advance(TTL_MS - 1);
    expect(lease.isLeader()).toBe(true);
    await clock.advance(1);
    expect(lease.isLeader()).toBe(false);
    expect(lease.epoch).toBeNull();
    expect(seen).toEqual([true, false]);
  });

  it('hands over at the next attempt when the leader stops', async () => {
    const a = await replica('a');
    const b = await replica('b');
    await a.lease.start();
    await b.lease.start();
    await a.lease.stop();
    expect(await b.lease.renewNow()).toBe(true);
    expect(b.lease.epoch).toBe(2);
  });

  it('is taken over within ttl + renewal interval of the leader hanging, by one replica', async () => {
    const hung = await replica('hung');
    const hungAt = Date.now(); // its lease is taken after this, so it expires ttl after at the earliest
    await hung.lease.start();
    // These two run on the system clock: their timers renew and try by themselves.
    const others = await Promise.all(['b', 'c'].map((id) => replica(id, { clock: undefined })));
    await Promise.all(others.map((r) => r.lease.start()));

    await eventually(
      'a replica to take over',
      () => others.some((r) => r.lease.isLeader()),
      TTL_MS + RENEW_MS + 1_000,
    );
    const tookMs = Date.now() - hungAt;
    expect(tookMs).toBeGreaterThanOrEqual(TTL_MS - 20);
    expect(others.filter((r) => r.lease.isLeader())).toHaveLength(1);
  });

  it('refuses a renewal interval that is not below the ttl, naming both', () => {
    expect(() =>
      createLeaderLease({ store, replicaId: 'x', ttlMs: 1000, renewEveryMs: 1000 }),
    ).toThrow('renewEveryMs=1000 is not allowed: expected an integer from 10 to below ttlMs=1000');
  });
});
