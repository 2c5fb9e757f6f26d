import type { QueryResolvers } from '../__generated__/resolvers-types';
import type { Context } from '../context';
import type { Customer, Page } from '../../domain/models';
import type { CustomerQuery } from '../../domain/queries';
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
import { fetchSlice, readSlice, toConnection, type Slice } from './connection';

function readOptions(ctx: Context) {
  return { deadline: ctx.deadline, priority: 'read' as const, accounting: ctx.accounting };
}

/** Validates paging plus any further issues, then returns the slice. */
function validSlice(
  first: number | null | undefined,
  after: string | null | undefined,
  more: InputIssue[] = [],
): Slice {
  const { slice, issues } = readSlice(first, after);
  assertValid([...issues, ...more]);
  return slice;
}

/** `search` as API300 applies it: contained, case-insensitive, in these fields. */
const SEARCHED_FIELDS = [
  'lastName',
  'firstName',
  'company',
  'email',
  'phonePrivate',
  'phoneBusiness',
  'mobile',
  'cardNumber',
] as const satisfies readonly (keyof Customer)[];

function matchesSearch(customer: Customer, search: string): boolean {
  const needle = search.toLowerCase();
  return SEARCHED_FIELDS.some((field) => customer[field]?.toLowerCase().includes(needle));
}

/**
 * `customers(filter: {numbers})`: the records come through the batched, cached entity path
 * (one upstream call per 500 uncached numbers); the other conditions apply locally.
 */
async function customersByNumbers(
  ctx: Context,
  numbers: readonly number[],
  filter: Omit<CustomerQuery, 'numbers' | 'pageIndex' | 'pageSize'>,
  slice: Slice,
): Promise<Page<Customer>> {
  const unique = [...new Set(numbers)].sort((a, b) => a - b);
  const loaded = await ctx.loaders.customerByNumber.loadMany(unique);
  const failure = loaded.find((c): c is Error => c instanceof Error);
  if (failure) throw failure;
  const since = filter.changedSince?.getTime();
  const matching = (loaded as (Customer | null)[]).filter(
    (c): c is Customer =>
      c !== null &&
      (since === undefined || c.changed.getTime() >= since) &&
      (!filter.searchText || matchesSearch(c, filter.searchText)),
  );
  return {
    items: matching.slice(slice.offset, slice.offset + slice.count),
    totalCount: matching.length,
  };
}

/** The local status filter of a list, if the query asked for one (API300 has none). */
function withStatus<S extends string>(statuses: readonly S[] | null | undefined) {
  return statuses ? (item: { status: S }) => statuses.includes(item.status) : undefined;
}

export const Query: QueryResolvers<Context> = {
  customer(_parent, { number }, ctx) {
    assertValid(checkKey(number, 'number', CUSTOMER_NUMBER));
    return ctx.loaders.customerByNumber.load(number);
  },

  async customers(_parent, { filter, first, after }, ctx) {
    const slice = validSlice(first, after, filter ? checkCustomerFilter(filter, 'filter') : []);
    const query = {
      searchText: filter?.search ?? undefined,
      changedSince: filter?.changedSince ?? null,
    };
    const page = filter?.numbers
      ? await customersByNumbers(ctx, filter.numbers, query, slice)
      : await fetchSlice(slice, (p) =>
          ctx.repository.searchCustomers({ ...query, ...p }, readOptions(ctx)),
        );
    for (const c of page.items) ctx.loaders.customerByNumber.prime(c.number, c);
    return toConnection(slice, page);
  },

  reservation(_parent, { id }, ctx) {
    assertValid(checkKey(id, 'id', POSITIVE_ID));
    return ctx.loaders.reservationById.load(id);
  },

  async reservations(_parent, { filter, first, after }, ctx) {
    const slice = validSlice(first, after, filter ? checkReservationFilter(filter, 'filter') : []);
    const page = await fetchSlice(slice, (p) =>
      ctx.repository.searchReservations(
        {
          stationNumber: filter?.stationNumber ?? undefined,
          customerNumbers: filter?.customerNumber != null ? [filter.customerNumber] : undefined,
          from: filter?.from ?? null,
          to: filter?.to ?? null,
          changedSince: filter?.changedSince ?? null,
          ...p,
        },
        readOptions(ctx),
      ),
    );
    for (const r of page.items) ctx.loaders.reservationById.prime(r.id, r);
    return toConnection(slice, page, withStatus(filter?.status));
  },

  ticket(_parent, { number }, ctx) {
    assertValid(checkKey(number, 'number', TICKET_NUMBER));
    return ctx.loaders.ticketByNumber.load(number);
  },

  async tickets(_parent, { filter, first, after }, ctx) {
    const slice = validSlice(first, after, filter ? checkTicketFilter(filter, 'filter') : []);
    const page = await fetchSlice(slice, (p) =>
      ctx.repository.searchTickets(
        {
          customerNumbers: filter?.customerNumber != null ? [filter.customerNumber] : undefined,
          reservationIds: filter?.reservationId != null ? [filter.reservationId] : undefined,
          changedSince: filter?.changedSince ?? null,
          ...p,
        },
        readOptions(ctx),
      ),
    );
    for (const t of page.items) ctx.loaders.ticketByNumber.prime(t.number, t);
    return toConnection(slice, page, withStatus(filter?.status));
  },

  async stations(_parent, { activeOnly }, ctx) {
    const stations = await ctx.loaders.stations();
    return activeOnly ? stations.filter((s) => s.active) : stations;
  },
};
