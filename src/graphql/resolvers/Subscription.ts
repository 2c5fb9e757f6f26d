import { GraphQLError } from 'graphql';
import type { SubscriptionResolvers } from '../__generated__/resolvers-types';
import type { Context } from '../context';
import { assertValid, type InputIssue } from '../validation/checks';
import { CUSTOMER_NUMBER, POSITIVE_ID, checkKey } from '../validation/inputs';
import {
  customerEvent,
  reservationEvent,
  ticketEvent,
  type TimedChange,
} from '../subscriptions/events';
import { SLOW_CONSUMER, SubscriptionRefusedError, type SlowConsumer } from '../subscriptions/hub';

/**
 * A stream of the events `select` makes of the mirror's changes. Refused with a GraphQL error
 * when this replica publishes none (`MIRROR=off`) or is full; the context is renewed before
 * each event so its fields resolve against the mirror as it is then.
 */
function streamOf<T>(
  ctx: Context,
  select: (change: TimedChange) => T | undefined,
): AsyncIterable<T | SlowConsumer> {
  if (!ctx.changes) {
    throw new GraphQLError(
      'Subscriptions need the mirror (MIRROR=off on this subgraph): query instead.',
      { extensions: { code: 'SUBSCRIPTIONS_UNAVAILABLE' } },
    );
  }
  let source: AsyncIterableIterator<T | SlowConsumer>;
  try {
    source = ctx.changes.subscribe(select);
  } catch (error) {
    if (error instanceof SubscriptionRefusedError) {
      throw new GraphQLError(error.message, { extensions: { code: error.code } });
    }
    throw error;
  }
  const renewed: AsyncIterableIterator<T | SlowConsumer> = {
    async next() {
      const result = await source.next();
      if (!result.done) ctx.renew?.();
      return result;
    },
    return: () => source.return!(),
    [Symbol.asyncIterator]: () => renewed,
  };
  return renewed;
}

/** An event as the field's value; the slow-consumer marker as the stream's last error. */
function delivered<T>(event: T | SlowConsumer): T {
  if (event === SLOW_CONSUMER) {
    throw new GraphQLError(
      'This subscription fell too far behind (its client read events more slowly than they ' +
        'came) and was ended: query what you show, then subscribe again.',
      { extensions: { code: 'SLOW_CONSUMER' } },
    );
  }
  return event;
}

function keyIssues(checks: [unknown, string, typeof POSITIVE_ID][]): InputIssue[] {
  return checks.flatMap(([value, field, check]) =>
    value === null || value === undefined ? [] : checkKey(value, field, check),
  );
}

export const Subscription: SubscriptionResolvers<Context> = {
  reservationChanged: {
    subscribe(_parent, args, ctx) {
      const issues = keyIssues([
        [args.stationNumber, 'stationNumber', POSITIVE_ID],
        [args.customerNumber, 'customerNumber', CUSTOMER_NUMBER],
      ]);
      if (args.from && args.to && args.from.getTime() >= args.to.getTime()) {
        issues.push({ field: 'to', value: args.to, allowed: 'an instant after `from`' });
      }
      assertValid(issues);
      return streamOf(ctx, (change) => reservationEvent(change, args));
    },
    resolve: delivered,
  },
  ticketChanged: {
    subscribe(_parent, args, ctx) {
      assertValid(
        keyIssues([
          [args.redeemedStation, 'redeemedStation', POSITIVE_ID],
          [args.customerNumber, 'customerNumber', CUSTOMER_NUMBER],
          [args.reservationId, 'reservationId', POSITIVE_ID],
        ]),
      );
      return streamOf(ctx, (change) => ticketEvent(change, args));
    },
    resolve: delivered,
  },
  customerChanged: {
    subscribe(_parent, args, ctx) {
      assertValid(keyIssues([[args.number, 'number', CUSTOMER_NUMBER]]));
      return streamOf(ctx, (change) => customerEvent(change, args));
    },
    resolve: delivered,
  },
};
