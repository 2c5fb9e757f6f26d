import { Api300Error } from '../../../../src/data/errors';
import { CallStats, type UpstreamCallEvent } from '../../../../src/data/gate/callStats';
import { ManualClock } from '../../../helpers/gateFakes';

describe('the call stats', () => {
  it('tells every request of a call when it starts, and counts it by outcome when it ends', async () => {
    const clock = new ManualClock();
    const stats = new CallStats(clock);
    const events: UpstreamCallEvent[] = [];
    stats.onCall((e) => events.push(e));
    const told: string[] = [];
    const request = (name: string) => ({
      upstreamCall: (op: string) => told.push(`${name}: ${op}`),
      cache: () => undefined,
    });

    const finish = stats.begin('GetCustomers', 'read', [request('a'), request('b')]);
    expect(told).toEqual(['a: GetCustomers', 'b: GetCustomers']);
    await clock.advance(40);
    const timeout = new Api300Error('UPSTREAM_UNAVAILABLE', 'timeout', { retryable: true });
    finish(timeout);

    expect(events).toEqual([
      {
        operation: 'GetCustomers',
        priority: 'read',
        outcome: 'unavailable',
        durationMs: 40,
        error: timeout,
      },
    ]);
    expect(stats.callCounts()).toEqual([
      { operation: 'GetCustomers', outcome: 'unavailable', count: 1 },
    ]);
    expect(stats.lastCall()).toEqual({ at: clock.now(), reachable: false });
  });

  it('ignores a listener that throws, and stops telling one that was removed', () => {
    const stats = new CallStats(new ManualClock());
    const heard: string[] = [];
    stats.onCall(() => {
      throw new Error('broken observer');
    });
    const remove = stats.onCall((e) => heard.push(e.outcome));

    stats.begin('GetStations', 'background', undefined)(undefined);
    remove();
    stats.begin('GetStations', 'background', undefined)(undefined);

    expect(heard).toEqual(['ok']);
    expect(stats.callCounts()).toEqual([{ operation: 'GetStations', outcome: 'ok', count: 2 }]);
  });
});
