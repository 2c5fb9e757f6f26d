import type { ReservationResolvers } from '../__generated__/resolvers-types';
import type { Context } from '../context';
import { POSITIVE_ID } from '../validation/inputs';

export const Reservation: ReservationResolvers<Context> = {
  __resolveReference({ id }, ctx) {
    return POSITIVE_ID.accepts(id) ? ctx.loaders.reservationById.load(id) : null;
  },

  station(reservation, _args, ctx) {
    return ctx.loaders.stationByNumber.load(reservation.stationNumber);
  },

  customer(reservation, _args, ctx) {
    return reservation.customerNumber === null
      ? null
      : ctx.loaders.customerByNumber.load(reservation.customerNumber);
  },

  tickets(reservation, _args, ctx) {
    return ctx.loaders.ticketsByReservation.load(reservation.id);
  },
};
