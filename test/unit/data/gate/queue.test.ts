import { Api300Error } from '../../../../src/data/errors';
import type { Priority } from '../../../../src/data/options';
import { WaitQueue, type Waiter } from '../../../../src/data/gate/queue';

/** A waiter with one deadline that records what happened to it. */
function waiter(name: string, priority: Priority, deadline = Infinity) {
  const log: string[] = [];
  const w: Waiter & { log: string[]; name: string } = {
    name,
    log,
    priority,
    earliestDeadline: deadline,
    shed(by, error) {
      if (deadline >= by) return true;
      log.push(`shed: ${error.code}`);
      return false;
    },
    grant: () => log.push('granted'),
  };
  return w;
}

const limited = new Api300Error('UPSTREAM_RATE_LIMITED', 'no budget', { retryAfter: 1 });

describe('the wait queue', () => {
  it('serves by priority, then first come first served', () => {
    const queue = new WaitQueue();
    const order: string[] = [];
    const waiters = [
      waiter('background', 'background'),
      waiter('read 1', 'read'),
      waiter('sync', 'sync'),
      waiter('read 2', 'read'),
      waiter('write', 'write'),
    ];
    waiters.forEach((w, i) => queue.add(w, i));
    for (let head = queue.head(); head; head = queue.head()) {
      order.push((head as (typeof waiters)[number]).name);
      queue.take(head, 10);
    }
    expect(order).toEqual(['write', 'read 1', 'read 2', 'sync', 'background']);
  });

  it('tells how long a taken waiter waited, and refuses to hand out one that is gone', () => {
    const queue = new WaitQueue();
    const w = waiter('read', 'read', 100);
    queue.add(w, 1000);
    expect(queue.take(w, 1250)).toBe(250);
    expect(queue.take(w, 1300)).toBeUndefined();
    expect(queue.length).toBe(0);
  });

  it('sheds only what cannot wait, and with a priority only that priority and lower', () => {
    const queue = new WaitQueue();
    const write = waiter('write', 'write', 50);
    const soon = waiter('read soon', 'read', 50);
    const late = waiter('read late', 'read', 500);
    const background = waiter('background', 'background', 50);
    [write, soon, late, background].forEach((w) => queue.add(w, 0));

    queue.shed(100, limited, 'read');

    expect([write.log, soon.log, late.log, background.log]).toEqual([
      [],
      ['shed: UPSTREAM_RATE_LIMITED'],
      [],
      ['shed: UPSTREAM_RATE_LIMITED'],
    ]);
    expect(queue.length).toBe(2);
    expect(queue.earliestDeadline()).toBe(50);
    queue.shed(Infinity, limited);
    expect(queue.length).toBe(0);
    expect(queue.earliestDeadline()).toBe(Infinity);
  });
});
