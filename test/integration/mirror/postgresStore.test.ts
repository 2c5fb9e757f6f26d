import pg from 'pg';
import {
  createPostgresStore,
  MirrorSchemaError,
  SCHEMA_VERSION,
  type PostgresMirrorStore,
  type PostgresStoreOptions,
} from '../../../src/data/mirror/store/postgres';
import type { KindState } from '../../../src/data/mirror/types';
import {
  makeCustomer,
  makeReservation,
  makeStation,
  makeTicket,
} from '../../helpers/fakeRepository';
import { eventually } from '../../helpers/eventually';
import {
  createTestDatabase,
  describeWithPostgres,
  type TestDatabase,
} from '../../helpers/postgres';

const T0 = new Date('2026-03-02T12:00:00.000Z');
const T1 = new Date('2026-03-02T12:00:01.000Z');
const T2 = new Date('2026-03-02T12:00:02.000Z');

const state = (overrides: Partial<KindState> = {}): KindState => ({
  watermark: T1,
  loaded: true,
  reconciledAt: null,
  licenceMissing: null,
  ...overrides,
});

describeWithPostgres('The PostgreSQL mirror store', () => {
  let db: TestDatabase;
  const open: PostgresMirrorStore[] = [];
  const storeOn = (url: string, options: Partial<PostgresStoreOptions> = {}) => {
    const store = createPostgresStore({ connectionString: url, reconnectDelayMs: 20, ...options });
    open.push(store);
    return store;
  };
  const store = (options: Partial<PostgresStoreOptions> = {}) => storeOn(db.url, options);
  const sql = async <T extends pg.QueryResultRow>(
    text: string,
    values: unknown[] = [],
    url = db.url,
  ) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query<T>(text, values)).rows;
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  beforeEach(async () => {
    await store().wipe();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });
  afterAll(async () => {
    await db?.drop();
  });

  describe('migrations', () => {
    it('bring a new database to the current version once, even with five replicas booting at the same time', async () => {
      const fresh = await createTestDatabase();
      try {
        const stores = Array.from({ length: 5 }, () => storeOn(fresh.url));
        await Promise.all(stores.map((s) => s.ready()));
        await storeOn(fresh.url).ready();
        const rows = await sql<{ version: number }>(
          'SELECT version FROM hypersoft_mirror_schema',
          [],
          fresh.url,
        );
        expect(rows).toEqual([{ version: SCHEMA_VERSION }]);
        await stores[0].apply({ customers: { put: [makeCustomer(1)] } });
        expect((await stores[4].load()).customers.map((c) => c.number)).toEqual([1]);
      } finally {
        await Promise.all(open.splice(0).map((s) => s.close()));
        await fresh.drop();
      }
    });

    it('refuse a database written by a newer version, naming both versions, and leave it unaltered', async () => {
      const newer = await createTestDatabase();
      try {
        await storeOn(newer.url).ready();
        await sql('UPDATE hypersoft_mirror_schema SET version = 99', [], newer.url);
        await sql('CREATE TABLE hypersoft_mirror_future (x int)', [], newer.url);
        const tablesBefore = await sql(
          "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
          [],
          newer.url,
        );

        const refused = storeOn(newer.url);
        const failure = refused.ready();
        await expect(failure).rejects.toBeInstanceOf(MirrorSchemaError);
        await expect(failure).rejects.toThrow(
          new RegExp(`schema version 99.*knows up to version ${SCHEMA_VERSION}`),
        );
        await expect(refused.load()).rejects.toBeInstanceOf(MirrorSchemaError);

        expect(
          await sql(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
            [],
            newer.url,
          ),
        ).toEqual(tablesBefore);
        expect(await sql('SELECT version FROM hypersoft_mirror_schema', [], newer.url)).toEqual([
          { version: 99 },
        ]);
      } finally {
        await Promise.all(open.splice(0).map((s) => s.close()));
        await newer.drop();
      }
    });
  });

  it('gives another replica back every field of what was applied, dates as Dates and date-like text as text', async () => {
    const customer = makeCustomer(7, {
      memo: '2026-01-01T00:00:00.000Z',
      birthday: '1980-05-17',
      created: T0,
      changed: T1,
    });
    const reservation = makeReservation(70, { customerNumber: 7, changed: T1 });
    const redeemed = makeTicket('T-7', { redeemedAt: T2, customerNumber: 7, changed: T1 });
    const open1 = makeTicket('T-8', { changed: T1 });
    const stations = [makeStation(1), makeStation(2, { active: false })];
    await store().apply(
      {
        customers: { put: [customer] },
        reservations: { put: [reservation] },
        tickets: { put: [redeemed, open1] },
        stations,
      },
      { customers: state(), tickets: state({ loaded: false, watermark: null, reconciledAt: T2 }) },
    );

    const snapshot = await store().load();

    expect(snapshot.customers).toEqual([customer]);
    expect(snapshot.customers[0].memo).toBe('2026-01-01T00:00:00.000Z');
    expect(snapshot.customers[0].changed).toBeInstanceOf(Date);
    expect(snapshot.reservations).toEqual([reservation]);
    expect(snapshot.tickets.sort((a, b) => a.number.localeCompare(b.number))).toEqual([
      redeemed,
      open1,
    ]);
    expect(snapshot.tickets[0].redeemedAt).toBeInstanceOf(Date);
    expect(snapshot.stations).toEqual(stations);
    expect(snapshot.states).toEqual({
      customers: state(),
      tickets: state({ loaded: false, watermark: null, reconciledAt: T2 }),
    });
    expect(snapshot.position).toBeGreaterThan(0);
  });

  it('keeps the newer-or-equal changed of a record, so an older write cannot move it back', async () => {
    const writer = store();
    await writer.apply({ customers: { put: [makeCustomer(1, { city: 'Bonn', changed: T1 })] } });
    await writer.apply({ customers: { put: [makeCustomer(1, { city: 'Köln', changed: T0 })] } });
    expect((await store().load()).customers[0].city).toBe('Bonn');

    await writer.apply({ customers: { put: [makeCustomer(1, { city: 'Kiel', changed: T1 })] } });
    expect((await store().load()).customers[0].city).toBe('Kiel');

    await writer.apply({
      customers: {
        put: [
          makeCustomer(2, { city: 'Ulm', changed: T2 }),
          makeCustomer(2, { city: 'Jena', changed: T1 }),
        ],
      },
    });
    expect((await store().load()).customers.find((c) => c.number === 2)!.city).toBe('Ulm');
  });

  it('feeds a follower exactly what changed after its position, and nothing for a record applied again unchanged', async () => {
    const writer = store();
    const follower = store();
    await writer.apply({ customers: { put: [makeCustomer(1), makeCustomer(2)] } });
    const { position } = await follower.load();

    await writer.apply(
      {
        customers: { put: [makeCustomer(1), makeCustomer(2, { city: 'Ulm', changed: T1 })] },
        reservations: { put: [makeReservation(5)] },
        stations: [makeStation(3)],
      },
      { reservations: state() },
    );
    const changes = await follower.changesSince(position);

    expect(changes.reset).toBeUndefined();
    expect(changes.batch).toEqual({
      customers: { put: [makeCustomer(2, { city: 'Ulm', changed: T1 })] },
      reservations: { put: [makeReservation(5)] },
      stations: [makeStation(3)],
    });
    expect(changes.states).toEqual({ reservations: state() });
    expect(changes.position).toBeGreaterThan(position);
    expect((await follower.changesSince(changes.position)).batch).toEqual({});
  });

  it("gives another replica the leader's load pages with the state, numbers and text keys as they were, until the load ends", async () => {
    const writer = store();
    const follower = store();
    const loading = state({ loaded: false, watermark: null });
    const customerPages = [
      { lastKey: 500, at: T0.getTime() },
      { lastKey: 1000, at: T1.getTime() },
    ];
    const ticketPages = [{ lastKey: 'GS10000500', at: T2.getTime() }];
    await writer.apply(
      { customers: { put: [makeCustomer(1)] } },
      {
        customers: { ...loading, loadPages: customerPages },
        tickets: { ...loading, loadPages: ticketPages },
      },
    );
    const { position, states } = await follower.load();
    expect(states.customers?.loadPages).toEqual(customerPages);
    expect(states.tickets?.loadPages).toEqual(ticketPages);

    // One page more is a change of the state a follower is told of; the end of the load clears them.
    const more = [...customerPages, { lastKey: 1500, at: T2.getTime() }];
    await writer.apply({}, { customers: { ...loading, loadPages: more } });
    const next = await follower.changesSince(position);
    expect(next.states.customers?.loadPages).toEqual(more);
    await writer.apply({}, { customers: state({ loadPages: null }) });
    const done = await follower.changesSince(next.position);
    expect(done.states.customers).toEqual(state());
    expect(done.states.customers).not.toHaveProperty('loadPages');
  });

  it('turns a delete into a tombstone: the personal data leaves the table at once and followers see the delete', async () => {
    const writer = store();
    const follower = store();
    await writer.apply({
      customers: { put: [makeCustomer(1), makeCustomer(2)] },
      tickets: { put: [makeTicket('A')] },
    });
    const { position } = await follower.load();

    await writer.apply({ customers: { delete: [1, 404] }, tickets: { delete: ['A'] } });

    expect(
      await sql(
        "SELECT key, data FROM hypersoft_mirror_records WHERE kind = 'customers' AND key = '1'",
      ),
    ).toEqual([{ key: '1', data: null }]);
    expect(
      (
        await sql(
          "SELECT count(*)::int AS n FROM hypersoft_mirror_records WHERE data::text LIKE '%customer1@%'",
        )
      )[0],
    ).toEqual({ n: 0 });
    const changes = await follower.changesSince(position);
    expect(changes.batch).toEqual({ customers: { delete: [1, 404] }, tickets: { delete: ['A'] } });
    expect((await follower.load()).customers.map((c) => c.number)).toEqual([2]);

    // A record put again after its delete is back, whatever its changed.
    await writer.apply({ customers: { put: [makeCustomer(1, { changed: T0 })] } });
    expect((await follower.changesSince(changes.position)).batch).toEqual({
      customers: { put: [makeCustomer(1, { changed: T0 })] },
    });
  });

  it('tells a follower behind purged tombstones to load again, and one that is current not to', async () => {
    const writer = store({ tombstoneRetentionMs: 60_000 });
    await writer.apply({ customers: { put: [makeCustomer(1), makeCustomer(2)] } });
    const behind = (await writer.load()).position;
    await writer.apply({ customers: { delete: [1] } });
    const current = (await writer.load()).position;
    await db.ageTombstones(120_000);

    expect(await writer.purgeTombstones()).toBe(1);

    expect(await writer.changesSince(behind)).toMatchObject({ reset: true, batch: {} });
    const fine = await writer.changesSince(current);
    expect(fine.reset).toBeUndefined();
    expect(fine.batch).toEqual({});
    expect(
      await sql('SELECT count(*)::int AS n FROM hypersoft_mirror_records WHERE data IS NULL'),
    ).toEqual([{ n: 0 }]);
  });

  it('keeps tombstones within their retention', async () => {
    const writer = store({ tombstoneRetentionMs: 3_600_000 });
    await writer.apply({ customers: { put: [makeCustomer(1)] } });
    await writer.apply({ customers: { delete: [1] } });
    expect(await writer.purgeTombstones()).toBe(0);
  });

  it('wipes every record and state, and sends every follower to load again (empty)', async () => {
    const writer = store();
    await writer.apply(
      { customers: { put: [makeCustomer(1)] }, stations: [makeStation(1)] },
      { customers: state() },
    );
    const follower = store();
    const { position } = await follower.load();

    await writer.wipe();

    expect(await sql('SELECT count(*)::int AS n FROM hypersoft_mirror_records')).toEqual([
      { n: 0 },
    ]);
    expect(await sql('SELECT count(*)::int AS n FROM hypersoft_mirror_kind_states')).toEqual([
      { n: 0 },
    ]);
    expect((await follower.changesSince(position)).reset).toBe(true);
    const reloaded = await follower.load();
    expect(reloaded).toMatchObject({ customers: [], stations: [], states: {} });
    expect((await follower.changesSince(reloaded.position)).reset).toBeUndefined();
  });

  it('tells a follower whose position belongs to another database to load again', async () => {
    await store().apply({ customers: { put: [makeCustomer(1)] } });
    const { position } = await store().load();
    expect((await store().changesSince(position + 1_000)).reset).toBe(true);
  });

  it('commits positions in order, so a follower never skips an apply that committed after a later-started one', async () => {
    const writer = store();
    const follower = store();
    await writer.apply({ customers: { put: [makeCustomer(1)] } });
    let { position } = await follower.load();
    const held: string[] = [];

    // Another session holds customer 1's row: apply A draws its positions, then waits for it.
    const blocker = new pg.Client({ connectionString: db.url });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query(
      "SELECT 1 FROM hypersoft_mirror_records WHERE kind = 'customers' AND key = '1' FOR UPDATE",
    );
    const waiting = async () =>
      Number(
        (
          await sql<{ n: string }>(
            "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND wait_event_type IN ('Lock')",
            [db.name],
          )
        )[0].n,
      );
    const a = writer.apply({
      customers: { put: [makeCustomer(1, { changed: T1 }), makeCustomer(2)] },
    });
    await eventually('apply A to wait', async () => (await waiting()) >= 1);
    // Apply B starts later and touches nothing A holds; it commits or waits.
    let bDone = false;
    const b = store()
      .apply({ customers: { put: [makeCustomer(3)] } })
      .then(() => {
        bDone = true;
      });
    await eventually('apply B to commit or wait', async () => bDone || (await waiting()) >= 2);

    // A follower reading now must not move past positions A has drawn but not committed.
    const meanwhile = await follower.changesSince(position);
    for (const c of meanwhile.batch.customers?.put ?? []) held.push(String(c.number));
    position = meanwhile.position;

    await blocker.query('ROLLBACK');
    await blocker.end();
    await Promise.all([a, b]);
    const after = await follower.changesSince(position);
    for (const c of after.batch.customers?.put ?? []) held.push(String(c.number));

    expect(held.sort()).toEqual(['1', '2', '3']);
  });

  describe('change notifications', () => {
    it('wake another replica when something was applied, and not the writer itself', async () => {
      const writer = store();
      const follower = store();
      let writerWoken = 0;
      let followerWoken = 0;
      writer.onChange(() => writerWoken++);
      follower.onChange(() => followerWoken++);
      await eventually('both to listen', () => writer.listening() && follower.listening());
      // Each is told once when its LISTEN starts (it may have missed something before).
      await eventually('the first look', () => writerWoken === 1 && followerWoken === 1);

      await writer.apply({ customers: { put: [makeCustomer(9)] } });

      await eventually('the follower to be woken', () => followerWoken === 2);
      const nothingNew = writer.apply({ customers: { put: [makeCustomer(9)] } });
      await nothingNew;
      await follower.apply({ customers: { put: [makeCustomer(10)] } });
      await eventually('the writer to be woken by the follower', () => writerWoken === 2);
      expect(followerWoken).toBe(2);
    });

    it('resume by themselves after the database ended the connection, with one look for what was missed', async () => {
      const writer = store();
      const follower = store();
      let woken = 0;
      follower.onChange(() => woken++);
      await eventually('the follower to listen', () => follower.listening() && woken === 1);
      await follower.load();

      expect(await db.terminateConnections()).toBeGreaterThanOrEqual(1);
      // The writer's pooled connections were ended too: its first try may meet a dead one.
      await eventually('the writer to write again', () =>
        writer.apply({ customers: { put: [makeCustomer(11)] } }).then(
          () => true,
          () => false,
        ),
      );
      await eventually('the follower to listen again', () => follower.listening() && woken >= 2);

      const before = woken;
      await writer.apply({ customers: { put: [makeCustomer(12)] } });
      await eventually('a notification after the reconnect', () => woken > before);
      expect((await follower.load()).customers.map((c) => c.number).sort()).toEqual([11, 12]);
    });
  });
});
