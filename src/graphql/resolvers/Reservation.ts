import type { ReservationResolvers } from '../__generated__/resolvers-types';
import type { Context } from '../context';
import { POSITIVE_ID } from '../validation/inputs';
import { intKeyOf } from '../federation/representations';

export const Reservation: ReservationResolvers<Context> = {
  __resolveReference({ id }, ctx) {
    const key = intKeyOf(id);
    return key !== null && POSITIVE_ID.accepts(key) ? ctx.loaders.reservation(key) : null;
  },

  station(reservation, _args, ctx) {
    return ctx.loaders.stationByNumber.load(reservation.stationNumber);
  },

  customer(reservation, _args, ctx) {
    return reservation.customerNumber === null
      ? null
      : ctx.loaders.customer(reservation.customerNumber);
  },

  tickets(reservation, _args, ctx) {
    return ctx.loaders.ticketsOfReservation(reservation.id);
  },
};
