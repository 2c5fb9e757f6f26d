import { appendFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { createFileStore } from '../../../src/data/mirror/store/fileStore';
import { createMemoryStore } from '../../../src/data/mirror/store/memoryStore';
import { createPostgresStore } from '../../../src/data/mirror/store/postgres';
import { MirrorStoreError } from '../../../src/data/mirror/types';
import {
  at,
  changedBy,
  kindState,
  makeCustomer,
  makeReservation,
} from '../../helpers/mirrorRecords';
import { describeMirrorStoreContract } from '../../helpers/mirrorStoreContract';
import { createTestDatabase, describeWithPostgres } from '../../helpers/postgres';

const T0 = at('2026-03-02T10:00:00Z');

async function temporaryRoot(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'mirror-store-'));
}

describeMirrorStoreContract(
  'memory',
  async () => ({ open: async () => createMemoryStore(), destroy: async () => undefined }),
  { persistent: false, shared: false },
);

describeMirrorStoreContract(
  'file',
  async () => {
    const root = await temporaryRoot();
    const path = join(root, 'mirror');
    return {
      open: async () => createFileStore({ path }),
      destroy: () => rm(root, { recursive: true, force: true }),
    };
  },
  { persistent: true, shared: false },
);

describeMirrorStoreContract(
  'file, compacting after every batch',
  async () => {
    const root = await temporaryRoot();
    const path = join(root, 'mirror');
    return {
      open: async () => createFileStore({ path, compactAfterBytes: 1 }),
      destroy: () => rm(root, { recursive: true, force: true }),
    };
  },
  { persistent: true, shared: false },
);

describeWithPostgres('PostgreSQL store', () => {
  describeMirrorStoreContract(
    'postgres',
    async () => {
      const database = await createTestDatabase();
      return {
        open: async () => createPostgresStore({ connectionString: database.url }),
        destroy: () => database.drop(),
      };
    },
    { persistent: true, shared: true },
  );
});

describe('file store on disk', () => {
  let root: string;
  let path: string;

  beforeEach(async () => {
    root = await temporaryRoot();
    path = join(root, 'mirror');
  });

  afterEach(() => rm(root, { recursive: true, force: true }));

  const customers = (n: number) =>
    Array.from({ length: n }, (_, i) =>
      makeCustomer(i + 1, { lastName: `Müller ${i}`, changed: T0 }),
    );

  it('creates its directory 0700 and its files 0600 (personal data at rest)', async () => {
    const store = createFileStore({ path, compactAfterBytes: 1 });
    await store.apply({ customers: { put: customers(3) } });
    await store.apply({ customers: { put: customers(1) } });
    await store.close();
    expect((await stat(path)).mode & 0o777).toBe(0o700);
    const names = await readdir(path);
    expect(names.some((n) => n.startsWith('snapshot-'))).toBe(true);
    expect(names.some((n) => n.startsWith('journal-'))).toBe(true);
    for (const name of names)
      expect(((await stat(join(path, name))).mode & 0o777).toString(8)).toBe('600');
  });

  it('ignores a torn last journal line, cuts it off and appends after the last whole one', async () => {
    const first = createFileStore({ path });
    await first.apply({ customers: { put: customers(2) } }, { customers: kindState() });
    await first.close();
    const [journal] = (await readdir(path)).filter((n) => n.startsWith('journal-'));
    await appendFile(join(path, journal), '0badc0de {"b":{"customers":{"put":[{"numb');

    const second = createFileStore({ path });
    expect((await second.load()).customers).toHaveLength(2);
    await second.apply({ customers: { put: [makeCustomer(3, { changed: T0 })] } });
    await second.close();

    const third = createFileStore({ path });
    const loaded = await third.load();
    expect(loaded.customers.map((c) => c.number).sort()).toEqual([1, 2, 3]);
    expect(loaded.states).toEqual({ customers: kindState() });
    await third.close();
  });

  it('ignores a last line whose checksum fails (a write torn inside the line)', async () => {
    const first = createFileStore({ path });
    await first.apply({ customers: { put: customers(1) } });
    await first.apply({
      customers: { put: [changedBy(makeCustomer(1, { changed: T0 }), 60, { city: 'Ulm' })] },
    });
    await first.close();
    const [journal] = (await readdir(path)).filter((n) => n.startsWith('journal-'));
    const lines = (await readFile(join(path, journal), 'utf8')).split('\n');
    await writeFile(join(path, journal), `${lines[0]}\n${lines[1].replace('Ulm', 'Ulx')}\n`);
    const second = createFileStore({ path });
    expect((await second.load()).customers.map((c) => c.city)).toEqual([null]);
    await second.close();
  });

  it('compacts into a snapshot, removes the older generation and loads the same records', async () => {
    const store = createFileStore({ path, compactAfterBytes: 10_000 });
    const batch = customers(200);
    for (let i = 0; i < batch.length; i += 20)
      await store.apply({ customers: { put: batch.slice(i, i + 20) } });
    await store.apply(
      { reservations: { put: [makeReservation(1, { changed: T0 })] } },
      { reservations: kindState() },
    );
    const names = await readdir(path);
    expect(names.filter((n) => n.startsWith('snapshot-'))).toHaveLength(1);
    expect(names.filter((n) => n.startsWith('journal-'))).toHaveLength(1);
    const size = await store.size();
    expect(size.snapshotBytes).toBeGreaterThan(0);
    expect(size.lastCompactionError).toBeUndefined();
    await store.close();

    const reopened = createFileStore({ path });
    const loaded = await reopened.load();
    expect(loaded.customers).toHaveLength(200);
    expect(loaded.customers.find((c) => c.number === 17)).toEqual(batch[16]);
    expect(loaded.reservations).toHaveLength(1);
    expect(loaded.states).toEqual({ reservations: kindState() });
    await reopened.close();
  });

  it('removes what an interrupted compaction left behind (a temporary file, an older generation)', async () => {
    const store = createFileStore({ path, compactAfterBytes: 1 });
    await store.apply({ customers: { put: customers(2) } });
    await store.close();
    const [snapshot] = (await readdir(path)).filter((n) => n.startsWith('snapshot-'));
    const generation = Number(/snapshot-(\d+)/.exec(snapshot)![1]);
    await writeFile(join(path, `snapshot-${generation + 1}.tmp`), 'half a snapshot');
    await writeFile(join(path, `journal-${generation - 1}.jsonl`), 'stale');

    const reopened = createFileStore({ path });
    expect((await reopened.load()).customers).toHaveLength(2);
    expect((await readdir(path)).sort()).toEqual([`journal-${generation}.jsonl`, snapshot]);
    await reopened.close();
  });

  it('refuses a damaged snapshot with MirrorStoreError instead of starting empty', async () => {
    const store = createFileStore({ path, compactAfterBytes: 1 });
    await store.apply({ customers: { put: customers(2) } });
    await store.close();
    const [snapshot] = (await readdir(path)).filter((n) => n.startsWith('snapshot-'));
    await writeFile(join(path, snapshot), 'not gzip at all');
    const reopened = createFileStore({ path });
    await expect(reopened.load()).rejects.toThrow(MirrorStoreError);
    await expect(reopened.load()).rejects.toThrow(/snapshot-\d+\.jsonl\.gz.*wipe\(\)/);
    await reopened.close();
  });

  it('erases a deleted record from the disk at once (GDPR): no file keeps its data', async () => {
    const store = createFileStore({ path });
    const erased = makeCustomer(7, { email: 'erase-me@example.org', changed: T0 });
    await store.apply({ customers: { put: [...customers(3), erased] } });
    await store.apply({ customers: { put: [changedBy(erased, 60, { city: 'Ulm' })] } });
    await store.apply({ customers: { delete: [7] } });
    const contents = await Promise.all(
      (await readdir(path)).map(async (name) => {
        const bytes = await readFile(join(path, name));
        return name.endsWith('.gz') ? gunzipSync(bytes).toString('utf8') : bytes.toString('utf8');
      }),
    );
    expect(contents.join('\n')).toContain('Müller 0');
    expect(contents.join('\n')).not.toContain('erase-me@example.org');
    expect((await store.load()).customers.map((c) => c.number).sort()).toEqual([1, 2, 3]);
    await store.close();
  });

  it('wipe deletes every file of the store', async () => {
    const store = createFileStore({ path, compactAfterBytes: 1 });
    await store.apply({ customers: { put: customers(5) } }, { customers: kindState() });
    await store.apply({ customers: { put: customers(1) } });
    await store.wipe();
    expect(await readdir(path)).toEqual([]);
    await store.close();
  });

  it('refuses calls after close', async () => {
    const store = createFileStore({ path });
    await store.close();
    await expect(store.load()).rejects.toThrow(/closed/);
  });
});
