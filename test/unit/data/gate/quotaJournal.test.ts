import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  JournaledQuota,
  quotaJournalPath,
  readQuotaJournal,
} from '../../../../src/data/gate/quotaJournal';
import { ManualClock } from '../../../helpers/gateFakes';

/**
 * The quota that survives restarts: every grant is on disk before the call it allows goes
 * out, and a process started after a crash counts its predecessor's calls. A "crash" here is
 * a quota that is dropped without `close()`, as SIGKILL drops it.
 */

const PAIR = 'a'.repeat(32);
let dir: string;
const opened: JournaledQuota[] = [];

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'quota-journal-'));
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((q) => q.close()));
  await rm(dir, { recursive: true, force: true });
});

async function openQuota(
  clock: ManualClock,
  extra: Partial<ConstructorParameters<typeof JournaledQuota>[0]> = {},
): Promise<JournaledQuota> {
  const quota = new JournaledQuota({
    limit: 3,
    writeReserve: 0,
    dir,
    tokenPairId: PAIR,
    clock,
    ...extra,
  });
  opened.push(quota);
  await quota.ready();
  return quota;
}

async function grantsOnDisk(): Promise<number[]> {
  const read = readQuotaJournal(await readFile(quotaJournalPath(dir, PAIR), 'utf8'));
  if ('problem' in read) throw new Error(read.problem);
  return read.grants;
}

describe('the journaled quota', () => {
  it('has each grant on disk before it says granted', async () => {
    const clock = new ManualClock();
    const quota = await openQuota(clock, { windowAtStart: 'empty' });

    expect(await quota.acquire('read')).toEqual({ granted: true });
    expect(await grantsOnDisk()).toEqual([clock.now()]);
    await clock.advance(1000);
    expect(await quota.acquire('read')).toEqual({ granted: true });
    expect(await grantsOnDisk()).toEqual([clock.now() - 1000, clock.now()]);
  });

  it('knows after a crash the calls its predecessor made in the window', async () => {
    const clock = new ManualClock();
    const t0 = clock.now();
    const first = await openQuota(clock, { windowAtStart: 'empty' });
    for (let i = 0; i < 3; i++) expect((await first.acquire('read')).granted).toBe(true);

    await clock.advance(20_000);
    const second = await openQuota(clock);

    expect(second.hold()).toBeNull();
    expect(await second.acquire('read')).toEqual({
      granted: false,
      retryAt: t0 + 60_000,
      reason: 'budget',
    });
    await clock.advance(40_000);
    expect(await second.acquire('read')).toEqual({ granted: true });
  });

  it('holds one window at a first start, unless the caller knows no call was made', async () => {
    const clock = new ManualClock();
    const t0 = clock.now();
    const unknown = await openQuota(clock);

    expect(await unknown.acquire('write')).toEqual({
      granted: false,
      retryAt: t0 + 60_000,
      reason: 'budget',
    });
    expect(unknown.hold()?.reason).toMatch(/no journal of earlier calls/);
    await unknown.close();

    // The hold itself is journaled: a restart during it keeps holding.
    await clock.advance(30_000);
    const restarted = await openQuota(clock, { windowAtStart: 'empty' });
    expect((await restarted.acquire('write')).granted).toBe(false);
    await clock.advance(30_000);
    expect(await restarted.acquire('write')).toEqual({ granted: true });

    await rm(quotaJournalPath(dir, PAIR));
    const known = await openQuota(clock, { windowAtStart: 'empty' });
    expect(known.hold()).toBeNull();
  });

  it('ignores a torn last line (its call never went out) but holds a window for a damaged one', async () => {
    const clock = new ManualClock();
    const first = await openQuota(clock, { windowAtStart: 'empty' });
    await first.acquire('read');
    await appendFile(quotaJournalPath(dir, PAIR), String(clock.now()).slice(0, 5));

    const afterTear = await openQuota(clock);
    expect(afterTear.hold()).toBeNull();
    expect(afterTear.budgetLeft()).toBe(2);

    await writeFile(quotaJournalPath(dir, PAIR), 'hypersoft-quota-journal 1\nnot a time\n');
    const damaged = await openQuota(clock);
    expect(damaged.hold()?.reason).toMatch(/cannot be read \(line 2 is not a grant time\)/);
    expect(damaged.budgetLeft()).toBe(0);
  });

  it('rewrites the journal down to the grants still in the window', async () => {
    const clock = new ManualClock();
    const quota = await openQuota(clock, { windowAtStart: 'empty', compactEvery: 2 });
    await quota.acquire('read');
    await clock.advance(61_000);
    await quota.acquire('read');
    await quota.acquire('read');

    expect(await grantsOnDisk()).toEqual([clock.now(), clock.now()]);
  });

  it('keeps one journal per token pair', async () => {
    const clock = new ManualClock();
    const first = await openQuota(clock, { windowAtStart: 'empty' });
    for (let i = 0; i < 3; i++) await first.acquire('read');

    const other = await openQuota(clock, { tokenPairId: 'b'.repeat(32) });
    expect(other.hold()?.reason).toMatch(/no journal/);
  });
});
