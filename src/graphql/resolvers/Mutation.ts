import type {
  CustomerInput,
  ReservationPatch,
  ImportCustomerResult,
  MutationResolvers,
} from '../__generated__/resolvers-types';
import { GraphQLError } from 'graphql';
import type { Context } from '../context';
import { publicError } from '../errors';
import type { SetResult, WriteOptions } from '../../data/repository/types';
import { idempotent, type ResultOutcome } from '../idempotency';
import {
  API300_MAX_RECORDS,
  type Customer,
  type CustomerWrite,
  type Reservation,
  type Station,
  type Ticket,
} from '../../domain/models';
import {
  RESERVATION_STATUS_CHANGES,
  reservationStatusChangeAllowed,
} from '../../domain/statusChanges';
import { assertValid, describeIssue } from '../validation/checks';
import {
  CUSTOMER_NAME_FIELDS,
  CUSTOMER_NUMBER,
  POSITIVE_ID,
  TICKET_NUMBER,
  checkCustomerName,
  checkCustomerPatch,
  checkImportedCustomer,
  checkKey,
  checkNewCustomer,
  checkNewReservation,
  checkNewTicket,
  checkReservationPatch,
  checkStationExists,
} from '../validation/inputs';
import {
  applyCustomerPatch,
  applyReservationPatch,
  customerWriteFromInput,
  reservationWriteFromInput,
  ticketWriteFromInput,
} from './writes';

function writeOptions(ctx: Context): WriteOptions {
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
async function importCustomers(
  ctx: Context,
  customers: readonly CustomerInput[],
  opts: WriteOptions,
) {
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

  for (let start = 0; start < valid.length; start += API300_MAX_RECORDS) {
    const chunk = valid.slice(start, start + API300_MAX_RECORDS);
    let stored: SetResult[];
    try {
      stored = await ctx.repository.importCustomers(
        chunk.map((c) => c.record),
        opts,
      );
    } catch (e) {
      const { code, message } = publicError(e, ctx.logger, ctx.requestId);
      for (const { index } of chunk) results[index].error = { code, field: null, message };
      continue;
    }
    const byPosition = new Map(stored.map((r) => [r.index, r]));
    chunk.forEach(({ index }, position) => {
      const outcome = byPosition.get(position);
      if (outcome?.error) {
        const { code, message, refusal } = outcome.error;
        results[index].error = { code, field: refusal?.field ?? null, message };
      } else if (outcome) {
        Object.assign(results[index], { number: outcome.number, success: true });
        ctx.loaders.customerByNumber.clear(outcome.number);
      } else {
        results[index].error = {
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

/**
 * Refuses a station number that Hypersoft's station list (cached) does not hold, before any
 * write is sent. When the list cannot be read (no budget, API300 away), the write goes on and
 * API300 decides: a read failing must not stop a write that may well be right.
 */
async function assertStationExists(ctx: Context, stationNumber: number, field: string) {
  let stations: Station[];
  try {
    stations = await ctx.loaders.stations();
  } catch {
    return;
  }
  assertValid(checkStationExists(stationNumber, field, stations));
}

/** `CONFLICT` for a status change that `RESERVATION_STATUS_CHANGES` does not allow. */
function statusChangeRefused(current: Reservation, to: Reservation['status']): GraphQLError {
  const allowed = RESERVATION_STATUS_CHANGES[current.status];
  const why =
    allowed.length === 0
      ? `${current.status} is final, its status cannot change`
      : `from ${current.status} the status can change only to ${allowed.join(', ')}`;
  return new GraphQLError(`Reservation ${current.id} is ${current.status}: ${why}, not to ${to}.`, {
    extensions: {
      code: 'CONFLICT',
      field: 'status',
      value: to,
      allowed: allowed.join(', ') || 'none',
    },
  });
}

/**
 * Read-modify-write of one reservation (under the data layer's per-record lock): the status
 * change is checked against the fresh record, and a patch that changes nothing writes nothing.
 */
async function patchReservation(
  ctx: Context,
  id: number,
  patch: ReservationPatch,
  opts: WriteOptions,
): Promise<Reservation> {
  const updated = await ctx.repository.updateReservation(
    id,
    (current) => {
      if (patch.status && !reservationStatusChangeAllowed(current.status, patch.status))
        throw statusChangeRefused(current, patch.status);
      return applyReservationPatch(current, patch);
    },
    opts,
  );
  return rememberReservation(ctx, updated);
}

/**
 * Runs one mutation under its `idempotencyKey`, if it has one (../idempotency.ts). `run` gets
 * the write options, with `earlierAttemptAt` when the key's first attempt had an unknown
 * outcome: the repository then reads back before it writes.
 */
function keyed<T>(
  ctx: Context,
  field: string,
  args: { idempotencyKey?: string | null } & Record<string, unknown>,
  run: (opts: WriteOptions) => Promise<T>,
  outcomeOf?: (result: T) => ResultOutcome,
): Promise<T> {
  return idempotent({
    idempotency: ctx.idempotency,
    field,
    args,
    deadline: ctx.deadline,
    logger: ctx.logger,
    requestId: ctx.requestId,
    run: (earlierAttemptAt) => run({ ...writeOptions(ctx), earlierAttemptAt }),
    outcomeOf,
  });
}

/** An import whose records include one with an unknown outcome is not done: a retry settles it. */
function importOutcome(payload: { results: ImportCustomerResult[] }): ResultOutcome {
  return payload.results.some((r) => r.error?.code === 'UPSTREAM_OUTCOME_UNKNOWN')
    ? 'unknown'
    : 'done';
}

export const Mutation: MutationResolvers<Context> = {
  createCustomer(_parent, args, ctx) {
    return keyed(ctx, 'createCustomer', args, async (opts) => {
      assertValid(checkNewCustomer(args.input, 'input'));
      return rememberCustomer(
        ctx,
        await ctx.repository.createCustomer(customerWriteFromInput(args.input), opts),
      );
    });
  },

  updateCustomer(_parent, args, ctx) {
    const { number, patch } = args;
    return keyed(ctx, 'updateCustomer', args, async (opts) => {
      // A patch that clears every name is refused before the read; any other patch is checked
      // against the record it makes.
      const clearsEveryName = CUSTOMER_NAME_FIELDS.every((f) => patch[f] !== undefined);
      assertValid([
        ...checkKey(number, 'number', CUSTOMER_NUMBER),
        ...checkCustomerPatch(patch, 'patch'),
        ...(clearsEveryName ? checkCustomerName(patch, 'patch') : []),
      ]);
      const updated = await ctx.repository.updateCustomer(
        number,
        (current) => {
          const record = applyCustomerPatch(current, patch);
          assertValid(checkCustomerName(record, 'patch'));
          return record;
        },
        opts,
      );
      return rememberCustomer(ctx, updated);
    });
  },

  importCustomers(_parent, args, ctx) {
    return keyed(
      ctx,
      'importCustomers',
      args,
      (opts) => importCustomers(ctx, args.customers, opts),
      importOutcome,
    );
  },

  createReservation(_parent, args, ctx) {
    const { input } = args;
    return keyed(ctx, 'createReservation', args, async (opts) => {
      assertValid(checkNewReservation(input, 'input'));
      await assertStationExists(ctx, input.stationNumber, 'input.stationNumber');
      return rememberReservation(
        ctx,
        await ctx.repository.createReservation(reservationWriteFromInput(input), opts),
      );
    });
  },

  updateReservation(_parent, args, ctx) {
    const { id, patch } = args;
    return keyed(ctx, 'updateReservation', args, async (opts) => {
      assertValid([...checkKey(id, 'id', POSITIVE_ID), ...checkReservationPatch(patch, 'patch')]);
      if (typeof patch.stationNumber === 'number')
        await assertStationExists(ctx, patch.stationNumber, 'patch.stationNumber');
      return patchReservation(ctx, id, patch, opts);
    });
  },

  // Cancelling a cancelled reservation answers it as it is, without a write.
  cancelReservation(_parent, args, ctx) {
    return keyed(ctx, 'cancelReservation', args, (opts) => {
      assertValid(checkKey(args.id, 'id', POSITIVE_ID));
      return patchReservation(ctx, args.id, { status: 'CANCELLED' }, opts);
    });
  },

  issueTicket(_parent, args, ctx) {
    return keyed(ctx, 'issueTicket', args, async (opts) => {
      assertValid(checkNewTicket(args.input, 'input'));
      return rememberTicket(
        ctx,
        await ctx.repository.issueTicket(ticketWriteFromInput(args.input), opts),
      );
    });
  },

  redeemTicket(_parent, args, ctx) {
    const { number, stationNumber } = args;
    return keyed(ctx, 'redeemTicket', args, async (opts) => {
      assertValid([
        ...checkKey(number, 'number', TICKET_NUMBER),
        ...checkKey(stationNumber, 'stationNumber', POSITIVE_ID),
      ]);
      await assertStationExists(ctx, stationNumber, 'stationNumber');
      return rememberTicket(ctx, await ctx.repository.redeemTicket(number, stationNumber, opts));
    });
  },
};
