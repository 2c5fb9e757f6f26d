import { createRouterInvalidation } from '../../../src/graphql/subscriptions/routerInvalidation';
import { startInvalidationReceiver } from '../../helpers/subscribers';
import { makeCustomer } from '../../helpers/mirrorRecords';

/** The invalidation client against a stand-in endpoint on a real socket. */
describe('router cache invalidation', () => {
  it('retries a failing endpoint with back-off, then delivers every tag once it answers', async () => {
    let failures = 2;
    const receiver = await startInvalidationReceiver(() => (failures-- > 0 ? 503 : 200));
    const invalidation = createRouterInvalidation({
      url: receiver.url,
      sharedKey: 'k',
      subgraph: 'hypersoft',
      baseDelayMs: 10,
    });
    try {
      invalidation.notify([{ kind: 'customers', before: null, after: makeCustomer(1) }]);
      await invalidation.idle();
      expect(receiver.calls).toHaveLength(3);
      expect(receiver.tags()).toEqual(expect.arrayContaining(['customer-1', 'customers']));
      expect(invalidation.stats()).toEqual({ sent: 1, failed: 2, dropped: 0 });
    } finally {
      await invalidation.stop();
      await receiver.close();
    }
  });

  it('gives up after its bound of tries, and does not retry a refusal', async () => {
    const receiver = await startInvalidationReceiver((call) =>
      call.authorization === 'wrong' ? 401 : 500,
    );
    const failing = createRouterInvalidation({
      url: receiver.url,
      sharedKey: 'k',
      subgraph: 'hypersoft',
      baseDelayMs: 5,
      maxAttempts: 3,
    });
    const refused = createRouterInvalidation({
      url: receiver.url,
      sharedKey: 'wrong',
      subgraph: 'hypersoft',
    });
    try {
      failing.notify([{ kind: 'customers', before: null, after: makeCustomer(1) }]);
      await failing.idle();
      expect(failing.stats()).toEqual({ sent: 0, failed: 3, dropped: 1 });
      refused.notify([{ kind: 'customers', before: null, after: makeCustomer(2) }]);
      await refused.idle();
      expect(refused.stats()).toEqual({ sent: 0, failed: 1, dropped: 1 });
    } finally {
      await failing.stop();
      await refused.stop();
      await receiver.close();
    }
  });

  it('turns more pending tags than its bound into one invalidation of the whole subgraph', async () => {
    const receiver = await startInvalidationReceiver();
    const invalidation = createRouterInvalidation({
      url: receiver.url,
      sharedKey: 'k',
      subgraph: 'hypersoft',
      maxTags: 3,
    });
    try {
      invalidation.notify([{ kind: 'customers', before: null, after: makeCustomer(1) }]);
      invalidation.notify(
        [2, 3, 4, 5].map((n) => ({
          kind: 'customers' as const,
          before: null,
          after: makeCustomer(n),
        })),
      );
      await invalidation.idle();
      expect(receiver.calls.at(-1)?.body).toEqual([{ kind: 'subgraph', subgraph: 'hypersoft' }]);
    } finally {
      await invalidation.stop();
      await receiver.close();
    }
  });
});
