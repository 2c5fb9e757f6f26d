import { GraphQLError } from 'graphql';
import { Api300Error } from '../../../src/data/errors';
import { MemoryIdempotencyStore, type IdempotencyStore } from '../../../src/data/idempotency/store';
import { idempotent, type IdempotentCall } from '../../../src/graphql/idempotency';
import { createLogger } from '../../../src/platform/logger';
import { ManualClock } from '../../helpers/gateFakes';

/** The rules of `idempotencyKey` over the in-memory store (the shared stores: test/integration/faults/idempotency.test.ts). */

function setup(store?: IdempotencyStore) {
  const clock = new ManualClock();
  const idempotency = { store: store ?? new MemoryIdempotencyStore(clock), holdMs: 30_000 };
  const attempts: Array<number | undefined> = [];
  const call = <T>(
    run: (earlierAttemptAt: number | undefined) => Promise<T>,
    args: Record<string, unknown> = { input: { lastName: 'A' } },
    key: string | null = 'key-1',
  ): Promise<T> =>
    idempotent<T>({
      idempotency,
      field: 'createCustomer',
      args: { ...args, idempotencyKey: key },
      deadline: clock.now() + 1_000,
      logger: createLogger('silent'),
      requestId: 'r1',
      run: (earlier) => {
        attempts.push(earlier);
        return run(earlier);
      },
    } satisfies IdempotentCall<T>);
  return { clock, idempotency, attempts, call };
}

const failureOf = (promise: Promise<unknown>) =>
  promise.then(
    () => null,
    (e: unknown) => e,
  );

describe('a mutation under an idempotency key', () => {
  it('runs once, and answers a retry with the first result', async () => {
    const { call, attempts } = setup();
    const first = await call(async () => ({ number: 7 }));
    const retry = await call(async () => ({ number: 8 }));
    expect([first, retry]).toEqual([{ number: 7 }, { number: 7 }]);
    expect(attempts).toHaveLength(1);
  });

  it('answers a retry with the first refusal that will not change, without running again', async () => {
    const { call, attempts } = setup();
    const refusal = new Api300Error('CONFLICT', 'Ticket X already exists.');
    await failureOf(call(() => Promise.reject(refusal)));
    const retry = await failureOf(call(async () => 'written'));
    expect(retry).toBeInstanceOf(GraphQLError);
    expect(retry).toMatchObject({
      message: 'Ticket X already exists.',
      extensions: { code: 'CONFLICT' },
    });
    expect(attempts).toHaveLength(1);
  });

  it('frees the key when the first attempt certainly wrote nothing, so the retry writes', async () => {
    const { call, attempts } = setup();
    const noBudget = new Api300Error('UPSTREAM_RATE_LIMITED', 'no budget', { retryAfter: 3 });
    await failureOf(call(() => Promise.reject(noBudget)));
    expect(await call(async () => 'written')).toBe('written');
    expect(attempts).toEqual([undefined, undefined]);
  });

  it('reads back from the first attempt on a retry after an unknown outcome', async () => {
    const { call, attempts, clock } = setup();
    const startedAt = clock.now();
    const unknown = new Api300Error('UPSTREAM_OUTCOME_UNKNOWN', 'lost', { attemptAt: startedAt });
    await failureOf(call(() => Promise.reject(unknown)));
    await clock.advance(5_000);
    expect(await call(async () => 'settled')).toBe('settled');
    expect(await call(async () => 'again')).toBe('settled');
    expect(attempts).toEqual([undefined, startedAt]);
  });

  it('keeps an unknown outcome unknown when its retry fails before it could read back', async () => {
    const { call, attempts, clock } = setup();
    const startedAt = clock.now();
    await failureOf(
      call(() => Promise.reject(new Api300Error('UPSTREAM_OUTCOME_UNKNOWN', 'lost'))),
    );
    const noBudget = new Api300Error('UPSTREAM_RATE_LIMITED', 'no budget', { retryAfter: 3 });
    await failureOf(call(() => Promise.reject(noBudget)));
    expect(await call(async () => 'settled')).toBe('settled');
    expect(attempts).toEqual([undefined, startedAt, startedAt]);
  });

  it('takes over a key whose attempt held it past its hold (a replica that died), reading back first', async () => {
    const { call, attempts, clock, idempotency } = setup();
    const firstAttemptAt = clock.now();
    // An attempt that never finishes, as on a replica that died while it ran.
    void call(() => new Promise(() => undefined));
    await new Promise((resolve) => setImmediate(resolve));
    await clock.advance(idempotency.holdMs + 1);
    expect(await call(async () => 'settled')).toBe('settled');
    expect(attempts).toEqual([undefined, firstAttemptAt]);
  });

  it('refuses the same key with other input', async () => {
    const { call } = setup();
    await call(async () => 1, { input: { lastName: 'A' } });
    const reused = await failureOf(call(async () => 2, { input: { lastName: 'B' } }));
    expect(reused).toMatchObject({ extensions: { code: 'IDEMPOTENCY_KEY_REUSED' } });
  });

  it('refuses a duplicate while the first attempt still runs past the deadline', async () => {
    const { call, clock } = setup();
    void call(() => new Promise(() => undefined));
    await new Promise((resolve) => setImmediate(resolve));
    const pending = failureOf(call(async () => 2));
    await clock.advance(1_000);
    expect(await pending).toMatchObject({
      extensions: { code: 'IDEMPOTENCY_KEY_IN_USE', retryAfter: 1 },
    });
  });

  it('writes nothing when the key store does not answer', async () => {
    const broken: IdempotencyStore = {
      now: () => 0,
      claim: () => Promise.reject(new Error('connection refused')),
      replace: () => Promise.reject(new Error('connection refused')),
      close: () => Promise.resolve(),
    };
    const { call, attempts } = setup(broken);
    const refused = await failureOf(call(async () => 1));
    expect(refused).toMatchObject({ extensions: { code: 'IDEMPOTENCY_STORE_UNAVAILABLE' } });
    expect(attempts).toEqual([]);
  });

  it('runs plainly without a key', async () => {
    const { call, attempts } = setup();
    await call(async () => 1, undefined, null);
    await call(async () => 1, undefined, null);
    expect(attempts).toEqual([undefined, undefined]);
  });
});
