import type { QueryResolvers } from '../__generated__/resolvers-types';
import type { Context } from '../context';
import { CursorError } from '../../data/errors';
import type { ListPage } from '../../data/repository/types';
import { assertValid, type InputIssue } from '../validation/checks';
import {
  CUSTOMER_NUMBER,
  POSITIVE_ID,
  TICKET_NUMBER,
  checkCustomerFilter,
  checkKey,
  checkReservationFilter,
  checkTicketFilter,
} from '../validation/inputs';
import { readFirst, toConnection, type Connection } from './connection';

/** Validates `first` plus the filter's issues; throws BAD_USER_INPUT naming each. */
function validFirst(first: number | null | undefined, more: InputIssue[] = []): number {
  const checked = readFirst(first);
  assertValid([...checked.issues, ...more]);
  return checked.first;
}

/** A list page from the loaders; a foreign `after` cursor becomes BAD_USER_INPUT on `after`. */
async function listPage<F extends { after?: string }, T>(
  loader: { load(find: F): Promise<ListPage<T>> },
  find: F,
): Promise<Connection<T>> {
  try {
    return toConnection(await loader.load(find), find.after);
  } catch (error) {
    if (error instanceof CursorError)
      assertValid([
        {
          field: 'after',
          value: find.after,
          allowed: 'a cursor from pageInfo.endCursor or edges.cursor of the same list',
        },
      ]);
    throw error;
  }
}

/** Customer lists always know their count (no filter applies after the read). */
async function counted<T>(
  connection: Promise<Connection<T>>,
): Promise<Connection<T> & { totalCount: number }> {
  const c = await connection;
  if (c.totalCount === null) throw new Error('customer list without a count');
  return { ...c, totalCount: c.totalCount };
}

const given = <T>(value: T | null | undefined): T | undefined => value ?? undefined;

export const Query: QueryResolvers<Context> = {
  customer(_parent, { number }, ctx) {
    assertValid(checkKey(number, 'number', CUSTOMER_NUMBER));
    return ctx.loaders.customer(number);
  },

  customers(_parent, { filter, orderBy, first, after }, ctx) {
    const size = validFirst(first, filter ? checkCustomerFilter(filter, 'filter') : []);
    return counted(
      listPage(ctx.loaders.customerList, {
        numbers: given(filter?.numbers),
        search: given(filter?.search),
        changedSince: given(filter?.changedSince),
        orderBy: given(orderBy),
        first: size,
        after: given(after),
      }),
    );
  },

  reservation(_parent, { id }, ctx) {
    assertValid(checkKey(id, 'id', POSITIVE_ID));
    return ctx.loaders.reservation(id);
  },

  reservations(_parent, { filter, orderBy, first, after }, ctx) {
    const size = validFirst(first, filter ? checkReservationFilter(filter, 'filter') : []);
    return listPage(ctx.loaders.reservationList, {
      stationNumber: given(filter?.stationNumber),
      customerNumbers: filter?.customerNumber != null ? [filter.customerNumber] : undefined,
      from: given(filter?.from),
      to: given(filter?.to),
      statuses: given(filter?.status),
      changedSince: given(filter?.changedSince),
      orderBy: given(orderBy),
      first: size,
      after: given(after),
    });
  },

  ticket(_parent, { number }, ctx) {
    assertValid(checkKey(number, 'number', TICKET_NUMBER));
    return ctx.loaders.ticket(number);
  },

  tickets(_parent, { filter, orderBy, first, after }, ctx) {
    const size = validFirst(first, filter ? checkTicketFilter(filter, 'filter') : []);
    return listPage(ctx.loaders.ticketList, {
      customerNumbers: filter?.customerNumber != null ? [filter.customerNumber] : undefined,
      reservationIds: filter?.reservationId != null ? [filter.reservationId] : undefined,
      statuses: given(filter?.status),
      changedSince: given(filter?.changedSince),
      orderBy: given(orderBy),
      first: size,
      after: given(after),
    });
  },

  async stations(_parent, { activeOnly }, ctx) {
    const stations = await ctx.loaders.stations();
    return activeOnly ? stations.filter((s) => s.active) : stations;
  },
};
