import { MemoryRecordLock } from '../../../../src/data/gate/recordLock';
import { ManualClock, settle } from '../../../helpers/gateFakes';

describe('the in-memory record lock', () => {
  it('runs critical sections of one record one after another', async () => {
    const clock = new ManualClock();
    const lock = new MemoryRecordLock(clock);
    const log: string[] = [];
    const section = (name: string) => async () => {
      log.push(`${name} in`);
      await settle(2);
      log.push(`${name} out`);
      return name;
    };
    const deadline = clock.now() + 10_000;

    const results = await Promise.all([
      lock.withLock('customer:1', deadline, section('a')),
      lock.withLock('customer:1', deadline, section('b')),
      lock.withLock('customer:2', deadline, section('c')),
    ]);

    expect(results).toEqual(['a', 'b', 'c']);
    expect(log.indexOf('b in')).toBeGreaterThan(log.indexOf('a out'));
    expect(log.indexOf('c in')).toBeLessThan(log.indexOf('a out'));
  });

  it('refuses a waiter whose deadline passes before the record is free, and frees it afterwards', async () => {
    const clock = new ManualClock();
    const lock = new MemoryRecordLock(clock);
    let finish!: () => void;
    const holder = lock.withLock(
      'r',
      clock.now() + 60_000,
      () => new Promise<void>((resolve) => (finish = resolve)),
    );
    await settle();
    const impatient = lock
      .withLock('r', clock.now() + 1000, async () => 'never')
      .catch((e: unknown) => e);

    await clock.advance(1000);
    await expect(impatient).resolves.toMatchObject({ code: 'UPSTREAM_RATE_LIMITED' });
    finish();
    await holder;
    await expect(lock.withLock('r', clock.now() + 1000, async () => 'next')).resolves.toBe('next');
  });

  it('releases the record when the critical section throws', async () => {
    const clock = new ManualClock();
    const lock = new MemoryRecordLock(clock);
    await expect(
      lock.withLock('r', clock.now() + 1000, () => Promise.reject(new Error('boom'))),
    ).rejects.toThrow('boom');
    await expect(lock.withLock('r', clock.now() + 1000, async () => 'ok')).resolves.toBe('ok');
  });
});
