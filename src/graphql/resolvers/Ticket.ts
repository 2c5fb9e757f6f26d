import type { TicketResolvers } from '../__generated__/resolvers-types';
import type { Context } from '../context';
import { TICKET_NUMBER } from '../validation/inputs';

export const Ticket: TicketResolvers<Context> = {
  __resolveReference({ number }, ctx) {
    return TICKET_NUMBER.accepts(number) ? ctx.loaders.ticket(number) : null;
  },

  customer(ticket, _args, ctx) {
    return ticket.customerNumber === null ? null : ctx.loaders.customer(ticket.customerNumber);
  },

  reservation(ticket, _args, ctx) {
    return ticket.reservationId === null ? null : ctx.loaders.reservation(ticket.reservationId);
  },

  redeemedStation(ticket, _args, ctx) {
    return ticket.redeemedStation === null
      ? null
      : ctx.loaders.stationByNumber.load(ticket.redeemedStation);
  },
};
