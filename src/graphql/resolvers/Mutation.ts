import type {
  CustomerInput,
  ReservationPatch,
  ImportCustomerResult,
  MutationResolvers,
} from '../__generated__/resolvers-types';
import type { Context } from '../context';
import { publicError } from '../errors';
import { codeForStatus } from '../../data/errors';
import {
  API300_MAX_RECORDS,
  type Customer,
  type CustomerWrite,
  type Reservation,
  type SetResult,
  type Ticket,
} from '../../domain/models';
import { assertValid, describeIssue } from '../validation/checks';
import {
  CUSTOMER_NUMBER,
  POSITIVE_ID,
  TICKET_NUMBER,
  checkCustomerPatch,
  checkImportedCustomer,
  checkKey,
  checkNewCustomer,
  checkNewReservation,
  checkNewTicket,
  checkReservationPatch,
} from '../validation/inputs';
import {
  applyCustomerPatch,
  applyReservationPatch,
  customerWriteFromInput,
  reservationWriteFromInput,
  ticketWriteFromInput,
} from './writes';

/** API300 stores at most 500 records per `SetCustomers` call (CONTRACT.md §3). */
export const IMPORT_CHUNK_SIZE = API300_MAX_RECORDS;

function writeOptions(ctx: Context) {
  return { deadline: ctx.deadline, accounting: ctx.accounting };
}

// Later reads in the same request see what was just written.
function rememberCustomer(ctx: Context, customer: Customer): Customer {
  ctx.loaders.customerByNumber.clear(customer.number).prime(customer.number, customer);
  return customer;
}

function rememberReservation(ctx: Context, reservation: Reservation): Reservation {
  ctx.loaders.reservationById.clear(reservation.id).prime(reservation.id, reservation);
  return reservation;
}

function rememberTicket(ctx: Context, ticket: Ticket): Ticket {
  ctx.loaders.ticketByNumber.clear(ticket.number).prime(ticket.number, ticket);
  return ticket;
}

/**
 * `importCustomers`: local validation first, then the valid records in upload chunks of at
 * most 500, one after the other (one `SetCustomers` call each). A chunk whose call fails
 * marks its records with that failure; later chunks are still tried, so the result tells
 * exactly which records to send again.
 */
async function importCustomers(ctx: Context, customers: readonly CustomerInput[]) {
  const results: ImportCustomerResult[] = customers.map((_, index) => ({
    index,
    number: null,
    success: false,
    error: null,
  }));
  const valid: { index: number; record: CustomerWrite }[] = [];

  customers.forEach((input, index) => {
    const issues = checkImportedCustomer(input, '');
    if (issues.length === 0) {
      valid.push({ index, record: customerWriteFromInput(input) });
      return;
    }
    const [first] = issues;
    results[index].error = {
      code: 'BAD_USER_INPUT',
      field: first.field,
      message: issues.map((i) => `customers[${index}].${describeIssue(i)}`).join('; '),
    };
  });

  for (let start = 0; start < valid.length; start += IMPORT_CHUNK_SIZE) {
    const chunk = valid.slice(start, start + IMPORT_CHUNK_SIZE);
    let stored: SetResult[];
    try {
      stored = await ctx.repository.importCustomers(
        chunk.map((c) => c.record),
        writeOptions(ctx),
      );
    } catch (e) {
      const { code, message } = publicError(e, ctx.logger, ctx.requestId);
      for (const { index } of chunk) results[index].error = { code, field: null, message };
      continue;
    }
    const byPosition = new Map(stored.map((r) => [r.index, r]));
    chunk.forEach(({ index }, position) => {
      const outcome = byPosition.get(position);
      if (outcome && outcome.code === 0) {
        Object.assign(results[index], { number: outcome.number, success: true });
        ctx.loaders.customerByNumber.clear(outcome.number);
      } else {
        results[index].error = outcome
          ? {
              code: codeForStatus(outcome.code),
              field: null,
              message: outcome.message ?? `API300 refused the record (status ${outcome.code})`,
            }
          : {
              code: 'UPSTREAM_INTERNAL',
              field: null,
              message: 'API300 returned no result for this record',
            };
      }
    });
  }

  const storedCount = results.filter((r) => r.success).length;
  return { results, storedCount, failedCount: results.length - storedCount };
}

/** Read-modify-write of one reservation (under the data layer's per-record lock). */
async function patchReservation(
  ctx: Context,
  id: number,
  patch: ReservationPatch,
): Promise<Reservation> {
  const updated = await ctx.repository.updateReservation(
    id,
    (current) => applyReservationPatch(current, patch),
    writeOptions(ctx),
  );
  return rememberReservation(ctx, updated);
}

export const Mutation: MutationResolvers<Context> = {
  async createCustomer(_parent, { input }, ctx) {
    assertValid(checkNewCustomer(input, 'input'));
    return rememberCustomer(
      ctx,
      await ctx.repository.createCustomer(customerWriteFromInput(input), writeOptions(ctx)),
    );
  },

  async updateCustomer(_parent, { number, patch }, ctx) {
    assertValid([
      ...checkKey(number, 'number', CUSTOMER_NUMBER),
      ...checkCustomerPatch(patch, 'patch'),
    ]);
    const updated = await ctx.repository.updateCustomer(
      number,
      (current) => applyCustomerPatch(current, patch),
      writeOptions(ctx),
    );
    return rememberCustomer(ctx, updated);
  },

  importCustomers(_parent, { customers }, ctx) {
    return importCustomers(ctx, customers);
  },

  async createReservation(_parent, { input }, ctx) {
    assertValid(checkNewReservation(input, 'input'));
    return rememberReservation(
      ctx,
      await ctx.repository.createReservation(reservationWriteFromInput(input), writeOptions(ctx)),
    );
  },

  updateReservation(_parent, { id, patch }, ctx) {
    assertValid([...checkKey(id, 'id', POSITIVE_ID), ...checkReservationPatch(patch, 'patch')]);
    return patchReservation(ctx, id, patch);
  },

  cancelReservation(_parent, { id }, ctx) {
    assertValid(checkKey(id, 'id', POSITIVE_ID));
    return patchReservation(ctx, id, { status: 'CANCELLED' });
  },

  async issueTicket(_parent, { input }, ctx) {
    assertValid(checkNewTicket(input, 'input'));
    return rememberTicket(
      ctx,
      await ctx.repository.issueTicket(ticketWriteFromInput(input), writeOptions(ctx)),
    );
  },

  async redeemTicket(_parent, { number, stationNumber }, ctx) {
    assertValid([
      ...checkKey(number, 'number', TICKET_NUMBER),
      ...checkKey(stationNumber, 'stationNumber', POSITIVE_ID),
    ]);
    return rememberTicket(
      ctx,
      await ctx.repository.redeemTicket(number, stationNumber, writeOptions(ctx)),
    );
  },
};
