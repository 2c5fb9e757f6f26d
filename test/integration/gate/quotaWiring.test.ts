import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createDataPath, type DataPath } from '../../../src/app/dataPath';
import { loadConfig } from '../../../src/config';
import { tokenPairId } from '../../../src/data/gate/quota';
import { systemClock } from '../../../src/platform/clock';
import { FakeApi300 } from '../../helpers/gateFakes';
import {
  createTestDatabase,
  describeWithPostgres,
  type TestDatabase,
} from '../../helpers/postgres';

/**
 * Where the data path keeps the budget, from the configuration alone, and that none of them
 * starts from an assumed empty window: PostgreSQL for replicas sharing a mirror database
 * without Redis, a journal beside a store folder, memory (held for a window) otherwise.
 */

const REAL = {
  API300_URL: 'https://api.example/Service/API300.asmx',
  API300_CUS_TOKEN: 'c',
  API300_AUTH_TOKEN: 'a',
  MIRROR: 'false',
};
const paths: DataPath[] = [];
let dir: string;

function dataPath(env: Record<string, string>, windowAtStart?: 'empty' | 'unknown'): DataPath {
  const path = createDataPath({
    api: new FakeApi300(systemClock),
    config: loadConfig(env),
    tokenPairId: tokenPairId('c', 'a'),
    windowAtStart,
  });
  paths.push(path);
  return path;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'quota-wiring-'));
});

afterEach(async () => {
  await Promise.all(paths.splice(0).map((p) => p.close()));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the budget the configuration asks for', () => {
  it('with a real endpoint and defaults: a journal beside the store, held for a window at a first start', async () => {
    const first = dataPath({ ...REAL, MIRROR_STORE_PATH: path.join(dir, 'first') });
    await first.start();
    expect(first.stats().quota).toMatchObject({
      store: 'journal',
      hold: { reason: expect.stringMatching(/no journal of earlier calls/) },
    });
  });

  it('with the store in memory: held for a window, unless the caller started the API300 it talks to', async () => {
    const unknown = dataPath({ ...REAL, MIRROR_STORE_PATH: ':memory:' });
    expect(unknown.stats().quota).toMatchObject({
      store: 'memory',
      hold: { reason: expect.stringMatching(/kept in memory/) },
    });
    const embedded = dataPath({ MIRROR: 'false' }, 'empty');
    expect(embedded.stats().quota).toMatchObject({ store: 'memory', hold: null });
  });
});

describeWithPostgres('the budget of replicas sharing a mirror database without Redis', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
  });

  afterAll(async () => {
    await database?.drop();
  });

  it('is kept in PostgreSQL', async () => {
    const shared = dataPath({ ...REAL, MIRROR_DATABASE_URL: database.url }, 'empty');
    expect(shared.stats().quota?.store).toBe('postgres');
    const customers = await shared.repository.customersByNumber([1], {
      deadline: Date.now() + 5000,
    });
    expect(customers.size).toBe(0);
    expect(shared.stats().upstream.calls.reduce((sum, c) => sum + c.count, 0)).toBe(1);
  });
});
