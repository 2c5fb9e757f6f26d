import { createStoreFollower, type StoreFollower } from '../../../src/data/mirror/follower';
import {
  createPostgresStore,
  type PostgresMirrorStore,
} from '../../../src/data/mirror/store/postgres';
import type { MirrorBatch, MirrorIndex, MirrorStore } from '../../../src/data/mirror/types';
import type { Customer } from '../../../src/domain/models';
import { makeCustomer, makeStation } from '../../helpers/fakeRepository';
import { eventually } from '../../helpers/eventually';
import {
  createTestDatabase,
  describeWithPostgres,
  type TestDatabase,
} from '../../helpers/postgres';

/** The part of an index a follower uses: customers and stations, newer-or-equal wins. */
class HeldCustomers implements Pick<MirrorIndex, 'apply' | 'clear'> {
  readonly customers = new Map<number, Customer>();
  stations: string[] = [];
  apply(batch: MirrorBatch): number {
    for (const c of batch.customers?.put ?? []) {
      const held = this.customers.get(c.number);
      if (!held || c.changed.getTime() >= held.changed.getTime()) this.customers.set(c.number, c);
    }
    for (const n of batch.customers?.delete ?? []) this.customers.delete(n);
    if (batch.stations) this.stations = batch.stations.map((s) => String(s.number));
    return 0;
  }
  clear(): void {
    this.customers.clear();
    this.stations = [];
  }
  numbers(): number[] {
    return [...this.customers.keys()].sort((a, b) => a - b);
  }
}

describeWithPostgres('A replica following the shared store', () => {
  let db: TestDatabase;
  const stores: PostgresMirrorStore[] = [];
  const followers: StoreFollower[] = [];
  const store = (options: { tombstoneRetentionMs?: number } = {}) => {
    const s = createPostgresStore({ connectionString: db.url, reconnectDelayMs: 20, ...options });
    stores.push(s);
    return s;
  };
  /** `deaf`: notifications never reach it (a replica away, or a connection that lost them). */
  const follow = (source: MirrorStore, { deaf = false } = {}) => {
    const index = new HeldCustomers();
    let reads = 0;
    let held: Promise<void> = Promise.resolve();
    const counting: MirrorStore = {
      ...source,
      kind: source.kind,
      load: () => source.load(),
      apply: (...args) => source.apply(...args),
      changesSince: async (p) => {
        reads++;
        const answer = await source.changesSince(p);
        await held;
        return answer;
      },
      onChange: (fn) => (deaf ? () => {} : source.onChange(fn)),
      wipe: () => source.wipe(),
      close: () => source.close(),
    };
    const follower = createStoreFollower({ store: counting, index, pollEveryMs: 0 });
    followers.push(follower);
    return {
      index,
      follower,
      reads: () => reads,
      /** Holds every feed read's answer until the returned function is called. */
      holdReads: () => {
        let release!: () => void;
        held = new Promise((resolve) => (release = resolve));
        return release;
      },
    };
  };

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  beforeEach(async () => {
    await store().wipe();
  });
  afterEach(async () => {
    for (const f of followers.splice(0)) f.stop();
    await Promise.all(stores.splice(0).map((s) => s.close()));
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('starts from what the store holds and then receives what another replica writes', async () => {
    const writer = store();
    await writer.apply({ customers: { put: [makeCustomer(1)] }, stations: [makeStation(1)] });
    const { index, follower } = follow(store());

    await follower.start();
    expect(index.numbers()).toEqual([1]);
    expect(index.stations).toEqual(['1']);

    await writer.apply({ customers: { put: [makeCustomer(2)], delete: [1] } });
    await eventually('the write to reach the follower', () => index.numbers().join() === '2');
  });

  it('reads the feed once more, not once per notification, when many arrive during a read', async () => {
    const writer = store();
    const source = store();
    let heard = 0;
    source.onChange(() => heard++);
    const { index, follower, reads, holdReads } = follow(source);
    await follower.start();
    await eventually('the follower to listen', () => source.listening() && heard > 0);
    await follower.catchUp();
    const before = reads();
    const heardBefore = heard;
    const release = holdReads();

    await writer.apply({ customers: { put: [makeCustomer(1)] } });
    await eventually('a read to begin and wait', () => reads() === before + 1);
    for (let n = 2; n <= 30; n++) await writer.apply({ customers: { put: [makeCustomer(n)] } });
    await eventually('every notification to arrive', () => heard === heardBefore + 30);
    release();

    await eventually('all 30 to arrive', () => index.customers.size === 30);
    await follower.catchUp();
    expect(reads() - before).toBeLessThanOrEqual(3);
  });

  it('drops what it holds and loads again after a wipe', async () => {
    const writer = store();
    await writer.apply({ customers: { put: [makeCustomer(1), makeCustomer(2)] } });
    const { index, follower } = follow(store());
    await follower.start();

    await writer.wipe();
    await eventually('the follower to reload', () => follower.status().reloads === 1);
    expect(index.numbers()).toEqual([]);

    await writer.apply({ customers: { put: [makeCustomer(3)] } });
    await eventually('the next write', () => index.numbers().join() === '3');
  });

  it('loads again when it was away longer than the tombstones are kept', async () => {
    const writer = store({ tombstoneRetentionMs: 60_000 });
    await writer.apply({ customers: { put: [makeCustomer(1), makeCustomer(2)] } });
    const { index, follower } = follow(store(), { deaf: true });
    await follower.start();

    await writer.apply({ customers: { delete: [1] } });
    await db.ageTombstones(120_000);
    expect(await writer.purgeTombstones()).toBe(1);
    expect(index.numbers()).toEqual([1, 2]);

    await follower.catchUp();
    expect(follower.status().reloads).toBe(1);
    expect(index.numbers()).toEqual([2]);
  });

  it('catches up by itself after the database ended its connections', async () => {
    const writer = store();
    const { index, follower } = follow(store());
    await follower.start();

    await db.terminateConnections();
    await eventually('the writer to write again', () =>
      writer.apply({ customers: { put: [makeCustomer(7)] } }).then(
        () => true,
        () => false,
      ),
    );

    await eventually('the write to reach the follower', () => index.numbers().join() === '7');
  });
});
