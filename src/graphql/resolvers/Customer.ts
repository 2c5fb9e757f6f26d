import type { CustomerResolvers } from '../__generated__/resolvers-types';
import type { Context } from '../context';
import { CUSTOMER_NUMBER } from '../validation/inputs';
import { intKeyOf } from '../federation/representations';
import { then } from './maybePromise';

export const Customer: CustomerResolvers<Context> = {
  // A reference with a number API300 cannot hold resolves to null without an upstream call.
  // Routers may send the Int key as a string ("42"); see src/graphql/federation/representations.ts.
  __resolveReference({ number }, ctx) {
    const key = intKeyOf(number);
    return key !== null && CUSTOMER_NUMBER.accepts(key) ? ctx.loaders.customer(key) : null;
  },

  reservations(customer, { from, to, status }, ctx) {
    return then(ctx.loaders.reservationsOfCustomer(customer.number), (all) =>
      all
        .filter(
          (r) =>
            (!from || r.start.getTime() >= from.getTime()) &&
            (!to || r.start.getTime() < to.getTime()) &&
            (!status || status.includes(r.status)),
        )
        .sort((a, b) => a.start.getTime() - b.start.getTime() || a.id - b.id),
    );
  },

  tickets(customer, { status }, ctx) {
    return then(ctx.loaders.ticketsOfCustomer(customer.number), (all) =>
      all
        .filter((t) => !status || status.includes(t.status))
        .sort(
          (a, b) =>
            a.validFrom.getTime() - b.validFrom.getTime() || a.number.localeCompare(b.number),
        ),
    );
  },
};
