import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFileStore } from '../../../src/data/mirror/store/fileStore';
import { mirrorIdentity } from '../../../src/data/mirror/store/identity';
import { createPostgresStore } from '../../../src/data/mirror/store/postgres';
import { MirrorStoreError, type MirrorStore } from '../../../src/data/mirror/types';
import { makeCustomer } from '../../helpers/mirrorRecords';
import {
  createTestDatabase,
  describeWithPostgres,
  type TestDatabase,
} from '../../helpers/postgres';

/**
 * A persisted mirror is one venue's copy: a store records whose (endpoint and token pair,
 * hashed) when first written, and refuses to be loaded by another — never half-used.
 */

const VENUE = mirrorIdentity('https://api.myhypersoft.de/Service/API300.asmx', 'a'.repeat(32));
const OTHER_PAIR = mirrorIdentity('https://api.myhypersoft.de/Service/API300.asmx', 'b'.repeat(32));
const OTHER_ENDPOINT = mirrorIdentity(
  'https://test.myhypersoft.de/Service/API300.asmx',
  'a'.repeat(32),
);

describe('mirrorIdentity', () => {
  it('tells endpoints and token pairs apart, and contains neither', () => {
    expect(new Set([VENUE, OTHER_PAIR, OTHER_ENDPOINT]).size).toBe(3);
    expect(VENUE).toMatch(/^[0-9a-f]{32}$/);
    expect(mirrorIdentity('HTTPS://api.myhypersoft.de/Service/API300.asmx', 'a'.repeat(32))).toBe(
      VENUE,
    );
  });
});

/** Opens a store, writes one customer through it, closes it. */
async function writeOne(store: MirrorStore): Promise<void> {
  await store.apply({ customers: { put: [makeCustomer(10001)] } });
  await store.close();
}

describe('the file store identity', () => {
  let root: string;
  let path: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'mirror-identity-'));
    path = join(root, 'mirror');
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('loads its own copy again', async () => {
    await writeOne(createFileStore({ path, identity: VENUE }));

    const again = createFileStore({ path, identity: VENUE });
    expect((await again.load()).customers).toHaveLength(1);
    await again.close();
  });

  it.each([
    ['another token pair', OTHER_PAIR],
    ['another endpoint', OTHER_ENDPOINT],
  ])('refuses the copy of %s, naming the folder and both identities', async (_what, other) => {
    await writeOne(createFileStore({ path, identity: VENUE }));

    const foreign = createFileStore({ path, identity: other });
    const refusal = await foreign.load().catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(MirrorStoreError);
    expect((refusal as Error).message).toContain(path);
    expect((refusal as Error).message).toContain(`identity ${VENUE}, this process is ${other}`);
    await expect(foreign.apply({ customers: { put: [makeCustomer(10002)] } })).rejects.toThrow(
      MirrorStoreError,
    );
    await foreign.close();

    const own = createFileStore({ path, identity: VENUE });
    expect((await own.load()).customers.map((c) => c.number)).toEqual([10001]);
    await own.close();
  });

  it('refuses records written without an identity (an older version), and a damaged identity file', async () => {
    await writeOne(createFileStore({ path }));
    const unknown = createFileStore({ path, identity: VENUE });
    await expect(unknown.load()).rejects.toThrow(/without a recorded identity/);
    await unknown.close();

    await writeFile(join(path, 'identity'), '{"format":');
    const damaged = createFileStore({ path, identity: VENUE });
    await expect(damaged.load()).rejects.toThrow(/identity: cannot be read/);
    await damaged.close();
  });
});

describeWithPostgres('the PostgreSQL store identity', () => {
  let database: TestDatabase;

  beforeEach(async () => {
    database = await createTestDatabase();
  });

  afterEach(async () => {
    await database.drop();
  });

  const open = (identity?: string) =>
    createPostgresStore({ connectionString: database.url, identity });

  it('loads its own copy again and refuses another token pair’s, for good', async () => {
    await writeOne(open(VENUE));

    const again = open(VENUE);
    expect((await again.load()).customers).toHaveLength(1);
    await again.close();

    const foreign = open(OTHER_PAIR);
    await expect(foreign.load()).rejects.toThrow(
      new RegExp(
        `another API300 endpoint or token pair \\(identity ${VENUE}, this process is ${OTHER_PAIR}\\)`,
      ),
    );
    await expect(foreign.ready()).rejects.toThrow(MirrorStoreError);
    await foreign.close();
  });

  it('refuses records written without an identity', async () => {
    await writeOne(open());

    const unknown = open(VENUE);
    await expect(unknown.load()).rejects.toThrow(/without a recorded identity/);
    await unknown.close();
  });
});
