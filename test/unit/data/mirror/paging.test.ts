import { SyncBudget } from '../../../../src/data/mirror/sync/budget';
import { FIRST_PAGE, nextPage } from '../../../../src/data/mirror/sync/readPass';
import { syncOptionsFromConfig } from '../../../../src/data/mirror/sync';
import { loadConfig } from '../../../../src/config';
import { ManualClock } from '../../../helpers/gateFakes';

describe('overlapping pages', () => {
  it('start before the previous page ended, with at most 500 records, for any position', () => {
    let page = FIRST_PAGE;
    for (let i = 0; i < 400; i++) {
      const end = (page.pageIndex + 1) * page.pageSize;
      const next = nextPage(end);
      const start = next.pageIndex * next.pageSize;
      expect(next.pageSize).toBeLessThanOrEqual(500);
      expect(start).toBeLessThan(end);
      expect(start + next.pageSize - end).toBeGreaterThan(420); // most of a page is news
      page = next;
    }
  });

  it('begin with [0, 500), [499, 998), [996, 1494)', () => {
    expect(FIRST_PAGE).toEqual({ pageIndex: 0, pageSize: 500 });
    expect(nextPage(500)).toEqual({ pageIndex: 1, pageSize: 499 });
    expect(nextPage(998)).toEqual({ pageIndex: 2, pageSize: 498 });
  });
});

describe("the sync's budget", () => {
  it('starts at most maxCalls in any window, evenly spaced, and frees the place of a call never made', async () => {
    const clock = new ManualClock();
    const budget = new SyncBudget(clock, 6, 60_000);
    const starts: number[] = [];
    const take = async (): Promise<void> => {
      const ticket = await budget.acquire();
      starts.push(clock.now());
      ticket.started();
    };
    const all = Promise.all(Array.from({ length: 12 }, take));
    await clock.advance(120_000);
    await all;
    expect(starts.map((t) => (t - starts[0]) / 1000)).toEqual([
      0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110,
    ]);
    const refused = await budget.acquire();
    expect(budget.inWindow()).toBe(6); // five started after 60 s, and this one
    refused.cancel();
    expect(budget.inWindow()).toBe(5);
    budget.stop();
    await expect(budget.acquire()).rejects.toThrow('stopping');
  });
});

describe('options from the configuration', () => {
  it('carry the upstream budget and the MIRROR_* settings', () => {
    const options = syncOptionsFromConfig(
      loadConfig({ MIRROR_SYNC_SHARE: '0.4', UPSTREAM_CALLS_PER_MINUTE: '40' }),
    );
    expect(options).toMatchObject({
      callsPerMinute: 40,
      writeReserve: 5,
      share: 0.4,
      intervalMs: 2000,
    });
  });
});
