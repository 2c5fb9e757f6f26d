import type { RecordChange } from '../../domain/changes';
import type { TimedChange } from './events';

/**
 * The in-process pub/sub between the mirror's changes and the subscriptions of this replica.
 * `publish` is called synchronously by the mirror's index after each apply: it only selects
 * and queues (no I/O), so a thousand subscribers cost one pass over them per change, and no
 * subscriber ever causes an upstream call.
 *
 * Bounds: at most `maxSubscribers` at once (more are refused with `SubscriptionRefusedError`);
 * at most `bufferSize` undelivered events per subscriber — one that falls further behind (a
 * slow consumer) gets the `SLOW_CONSUMER` marker as its last item and then ends, instead of
 * the process buffering without end.
 */
export interface ChangeHub {
  publish(changes: readonly RecordChange[]): void;
  /**
   * A stream of the events `select` makes of each change (`undefined`: not for this
   * subscriber). Ends when the consumer returns, falls behind, or the hub closes.
   */
  subscribe<T>(
    select: (change: TimedChange) => T | undefined,
  ): AsyncIterableIterator<T | SlowConsumer>;
  /** Ends every stream (each ends after what it has queued) and refuses new ones. */
  close(): void;
  /** Open streams. */
  size(): number;
  /** Streams ended so far because they fell `bufferSize` events behind. */
  slowConsumers(): number;
}

/** The last item of a stream that fell more than `bufferSize` events behind. */
export const SLOW_CONSUMER = Symbol('slow consumer');
export type SlowConsumer = typeof SLOW_CONSUMER;

/** A subscription this replica will not start: it is full, or shutting down. */
export class SubscriptionRefusedError extends Error {
  override readonly name = 'SubscriptionRefusedError';
  constructor(
    message: string,
    /** `SUBSCRIPTION_LIMIT` or `SHUTTING_DOWN` (the GraphQL error code). */
    readonly code: 'SUBSCRIPTION_LIMIT' | 'SHUTTING_DOWN',
  ) {
    super(message);
  }
}

export interface ChangeHubOptions {
  maxSubscribers: number;
  bufferSize: number;
  now?: () => number;
}

interface Subscriber {
  offer(change: TimedChange): void;
  end(): void;
}

export function createChangeHub(options: ChangeHubOptions): ChangeHub {
  const now = options.now ?? Date.now;
  const subscribers = new Set<Subscriber>();
  let closed = false;
  let slow = 0;

  function stream<T>(
    select: (change: TimedChange) => T | undefined,
  ): AsyncIterableIterator<T | SlowConsumer> {
    const queue: (T | SlowConsumer)[] = [];
    let waiting: ((result: IteratorResult<T | SlowConsumer>) => void) | null = null;
    let ending = false;

    const subscriber: Subscriber = {
      offer(change) {
        if (ending) return;
        const event = select(change);
        if (event === undefined) return;
        if (waiting) {
          const resolve = waiting;
          waiting = null;
          resolve({ value: event, done: false });
          return;
        }
        if (queue.length >= options.bufferSize) {
          queue.length = 0;
          queue.push(SLOW_CONSUMER);
          slow++;
          subscriber.end();
          return;
        }
        queue.push(event);
      },
      end() {
        ending = true;
        subscribers.delete(subscriber);
        if (waiting) {
          const resolve = waiting;
          waiting = null;
          resolve({ value: undefined, done: true });
        }
      },
    };
    subscribers.add(subscriber);

    const iterator: AsyncIterableIterator<T | SlowConsumer> = {
      next() {
        if (queue.length > 0) return Promise.resolve({ value: queue.shift()!, done: false });
        if (ending) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (waiting = resolve));
      },
      return() {
        queue.length = 0;
        subscriber.end();
        return Promise.resolve({ value: undefined, done: true });
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  }

  return {
    publish(changes) {
      if (subscribers.size === 0) return;
      const at = new Date(now());
      for (const change of changes) {
        const timed = { ...change, at };
        for (const subscriber of subscribers) subscriber.offer(timed);
      }
    },
    subscribe(select) {
      if (closed) {
        throw new SubscriptionRefusedError(
          'This replica is shutting down; subscribe again (another replica takes it).',
          'SHUTTING_DOWN',
        );
      }
      if (subscribers.size >= options.maxSubscribers) {
        throw new SubscriptionRefusedError(
          `This replica serves at most ${options.maxSubscribers} subscriptions at once ` +
            '(SUBSCRIPTIONS_MAX); try again later or on another replica.',
          'SUBSCRIPTION_LIMIT',
        );
      }
      return stream(select);
    },
    close() {
      closed = true;
      for (const subscriber of [...subscribers]) subscriber.end();
    },
    size: () => subscribers.size,
    slowConsumers: () => slow,
  };
}
