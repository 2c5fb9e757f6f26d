import type { Clock } from '../../platform/clock';
import { Api300Error, mayHaveBeenApplied } from '../errors';
import type { UpstreamGate } from '../gate/gate';
import type { WriteOptions } from '../options';
import {
  API300_MAX_RECORDS,
  type Customer,
  type CustomerWrite,
  type Reservation,
  type ReservationWrite,
  type Ticket,
  type TicketWrite,
} from '../../domain/models';
import type { Api300, Api300Operation, Api300Page, SetResult } from '../api300/types';

/**
 * Writes whose reply is lost (docs/api300-contract.md §12): API300 may have applied a write although no
 * reply arrived, and it has no idempotency of its own. Before a write answers, what API300
 * did is read back through the gate at write priority, within the request's deadline:
 *
 * - a create (`SetCustomer` number 0, `SetReservation` ID 0, `SetTicket` without a number, new
 *   records of `SetCustomers`) is looked for in a changed-since read from just before the write
 *   (API300's clock: `since` starts `SETTLE_MARGIN_MS` before the local start and is moved when
 *   the read's `Status.ServerDateTime` shows the clocks apart), matched on the record's content;
 * - a keyed write (an update, a ticket issued under a number, a redemption) is read by its key
 *   and compared with what was written (a redemption: redeemed at this station, since the write).
 *
 * The outcome: found → the stored record; not found and API300 had finished with the request
 * (a reply, cut or failed, had begun: `details.answered`) → the write was not applied, the
 * original failure stands (safe to send again); not found while API300 may still be running it
 * (a timeout, a reset before any reply), or the read itself impossible before the deadline →
 * `UPSTREAM_OUTCOME_UNKNOWN` (`outcomeUnknown`), never a plain failure.
 */

/**
 * How far before the local start of a write a changed-since read begins: API300's `Changed`
 * is in whole seconds and its clock may run behind ours. A read whose `ServerDateTime` shows a
 * larger difference is repeated from the corrected instant.
 */
export const SETTLE_MARGIN_MS = 5_000;

/** Pages a settling changed-since read may take (500 records each) before it gives up. */
export const SETTLE_MAX_PAGES = 10;

/** How to read back what a write of one kind stored. */
interface KindReads<W, T> {
  operation: Api300Operation;
  /** The key field, which API300 assigns to a create. */
  key: keyof W;
  /** The write's key, or `null` for a create. */
  keyOf(write: W): number | string | null;
  byKey(api: Api300, key: number | string): Promise<Api300Page<T>>;
  since(api: Api300, since: Date, pageIndex: number): Promise<Api300Page<T>>;
}

const one = { pageIndex: 0, pageSize: 1 };
const page = (since: Date, pageIndex: number) => ({
  changedSince: since,
  pageIndex,
  pageSize: API300_MAX_RECORDS,
});

const CUSTOMERS: KindReads<CustomerWrite, Customer> = {
  operation: 'GetCustomers',
  key: 'number',
  keyOf: (w) => (w.number > 0 ? w.number : null),
  byKey: (api, key) => api.getCustomers({ ...one, numbers: [key as number] }),
  since: (api, since, pageIndex) => api.getCustomers(page(since, pageIndex)),
};

const RESERVATIONS: KindReads<ReservationWrite, Reservation> = {
  operation: 'GetReservations',
  key: 'id',
  keyOf: (w) => (w.id > 0 ? w.id : null),
  byKey: (api, key) => api.getReservations({ ...one, ids: [key as number] }),
  since: (api, since, pageIndex) => api.getReservations(page(since, pageIndex)),
};

const TICKETS: KindReads<TicketWrite, Ticket> = {
  operation: 'GetTickets',
  key: 'number',
  keyOf: (w) => (w.number !== '' ? w.number : null),
  byKey: (api, key) => api.getTickets({ ...one, numbers: [key as string] }),
  since: (api, since, pageIndex) => api.getTickets(page(since, pageIndex)),
};

export interface SettleDeps {
  gate: UpstreamGate;
  clock: Clock;
}

/** A write that was sent at `attemptAt` (this process's clock) and whose outcome is unknown. */
export function outcomeUnknown(operation: Api300Operation, attemptAt: number): Api300Error {
  return new Api300Error(
    'UPSTREAM_OUTCOME_UNKNOWN',
    `API300 ${operation} was sent but its reply was lost, and whether it was applied could not ` +
      'be read back before the deadline. Do not send it again as a new write: retry with the ' +
      'same idempotencyKey (the retry reads back first and writes only if nothing was stored), ' +
      'or read the record to see whether it exists.',
    { operation, attemptAt },
  );
}

/**
 * True when `stored` holds every field of `write`, `except` the fields named (a create's key,
 * which API300 assigns). Instants are compared in whole seconds, API300's precision: a write
 * of 18:00:00.250 is stored as 18:00:00.
 */
export function holdsWrite<W extends object>(
  stored: W,
  write: W,
  except: readonly (keyof W)[] = [],
): boolean {
  return (Object.keys(write) as (keyof W)[]).every((key) => {
    if (except.includes(key)) return true;
    const a: unknown = write[key];
    const b: unknown = stored[key];
    return a instanceof Date && b instanceof Date
      ? Math.floor(a.getTime() / 1000) === Math.floor(b.getTime() / 1000)
      : a === b;
  });
}

export function createSettler(deps: SettleDeps) {
  const { gate, clock } = deps;
  const at = (opts: WriteOptions) => ({
    priority: 'write' as const,
    deadline: opts.deadline,
    accounting: opts.accounting,
  });

  /**
   * Every record changed since just before `attemptAt`, with API300's clock at the write
   * (`startedAt`, server time). Rejects when the read is not possible before the deadline or
   * needs more than `SETTLE_MAX_PAGES` pages.
   */
  async function changedSince<T>(
    operation: Api300Operation,
    read: (api: Api300, since: Date, pageIndex: number) => Promise<Api300Page<T>>,
    attemptAt: number,
    opts: WriteOptions,
  ): Promise<{ items: T[]; startedAt: number }> {
    let since = attemptAt - SETTLE_MARGIN_MS;
    for (let round = 1; ; round++) {
      const items: T[] = [];
      let offset: number | null = null;
      for (let pageIndex = 0; ; pageIndex++) {
        if (pageIndex >= SETTLE_MAX_PAGES)
          throw new Error(`more than ${SETTLE_MAX_PAGES} pages changed since the write`);
        const page = await gate.call(operation, at(opts), (api) =>
          read(api, new Date(since), pageIndex),
        );
        // The reply's clock minus ours when it arrived: low by the reply's travel time and
        // the whole second of ServerDateTime, which only moves `startedAt` earlier.
        offset ??= page.serverTime.getTime() - clock.now();
        items.push(...page.items);
        if (page.items.length < API300_MAX_RECORDS || items.length >= page.totalCount) break;
      }
      const startedAt = attemptAt + offset;
      // `Changed` is in whole seconds: a record written at `startedAt` may read a second earlier.
      if (since <= startedAt - 1_000) return { items, startedAt };
      if (round === 2) throw new Error('API300 clock moved while reading back');
      since = startedAt - SETTLE_MARGIN_MS;
    }
  }

  /** API300's clock at `attemptAt`, from the `ServerDateTime` of one read by key. */
  async function byKey<T>(
    operation: Api300Operation,
    read: (api: Api300) => Promise<Api300Page<T>>,
    attemptAt: number,
    opts: WriteOptions,
  ): Promise<{ item: T | undefined; startedAt: number }> {
    const page = await gate.call(operation, at(opts), read);
    return {
      item: page.items[0],
      startedAt: attemptAt + page.serverTime.getTime() - clock.now(),
    };
  }

  const createdSince = (record: { created: Date }, startedAt: number) =>
    record.created.getTime() >= startedAt - SETTLE_MARGIN_MS;

  /** What a write of one kind stored since `attemptAt`: by its key, or (a create) by content. */
  async function storedBy<W extends object, T extends W & { created: Date }>(
    reads: KindReads<W, T>,
    write: W,
    attemptAt: number,
    opts: WriteOptions,
  ): Promise<T | null> {
    const key = reads.keyOf(write);
    if (key !== null) {
      const { item } = await byKey(
        reads.operation,
        (api) => reads.byKey(api, key),
        attemptAt,
        opts,
      );
      return item && holdsWrite<W>(item, write) ? item : null;
    }
    const { items, startedAt } = await changedSince(reads.operation, reads.since, attemptAt, opts);
    return (
      items.find((r) => createdSince(r, startedAt) && holdsWrite<W>(r, write, [reads.key])) ?? null
    );
  }

  const find = {
    /** A customer stored by `write` (created when its number is 0) since `attemptAt`. */
    customer: (write: CustomerWrite, attemptAt: number, opts: WriteOptions) =>
      storedBy(CUSTOMERS, write, attemptAt, opts),

    /**
     * For each write, the customer it stored since `attemptAt`, or `null`: one changed-since
     * read for all; each stored record answers one write only (two equal new records of one
     * upload are two customers).
     */
    async customers(
      writes: readonly CustomerWrite[],
      attemptAt: number,
      opts: WriteOptions,
    ): Promise<(Customer | null)[]> {
      const { items, startedAt } = await changedSince(
        'GetCustomers',
        CUSTOMERS.since,
        attemptAt,
        opts,
      );
      const claimed = new Set<number>();
      return writes.map((write) => {
        const match = items.find(
          (c) =>
            !claimed.has(c.number) &&
            (write.number > 0
              ? c.number === write.number && holdsWrite<CustomerWrite>(c, write)
              : createdSince(c, startedAt) && holdsWrite<CustomerWrite>(c, write, ['number'])),
        );
        if (!match) return null;
        claimed.add(match.number);
        return match;
      });
    },

    reservation: (write: ReservationWrite, attemptAt: number, opts: WriteOptions) =>
      storedBy(RESERVATIONS, write, attemptAt, opts),

    ticket: (write: TicketWrite, attemptAt: number, opts: WriteOptions) =>
      storedBy(TICKETS, write, attemptAt, opts),

    /** The ticket, when it was redeemed at `stationNumber` since `attemptAt` (by us, then). */
    async redemption(
      ticketNumber: string,
      stationNumber: number,
      attemptAt: number,
      opts: WriteOptions,
    ): Promise<Ticket | null> {
      const { item, startedAt } = await byKey(
        'GetTickets',
        (api) => TICKETS.byKey(api, ticketNumber),
        attemptAt,
        opts,
      );
      return item &&
        item.status === 'REDEEMED' &&
        item.redeemedStation === stationNumber &&
        item.redeemedAt !== null &&
        item.redeemedAt.getTime() >= startedAt - SETTLE_MARGIN_MS
        ? item
        : null;
    },
  };

  /**
   * One write, settled: `write` at write priority; when it fails in a way that may have been
   * applied, `lookup(attemptAt)` reads back what API300 stored. See the file's comment for
   * the outcomes. With `opts.earlierAttemptAt` (a retry of a write whose outcome was unknown)
   * the lookup runs first, and the write is sent only when it finds nothing.
   */
  async function settled<T>(
    operation: Api300Operation,
    opts: WriteOptions,
    write: (api: Api300) => Promise<T>,
    lookup: (attemptAt: number) => Promise<T | null>,
  ): Promise<T> {
    if (opts.earlierAttemptAt !== undefined) {
      const earlier = await lookup(opts.earlierAttemptAt).catch(() => {
        throw outcomeUnknown(operation, opts.earlierAttemptAt as number);
      });
      if (earlier !== null) return earlier;
    }
    const attemptAt = clock.now();
    try {
      return await gate.call(operation, at(opts), write);
    } catch (error) {
      if (!mayHaveBeenApplied(error)) throw error;
      let found: T | null;
      try {
        found = await lookup(attemptAt);
      } catch {
        throw outcomeUnknown(operation, attemptAt);
      }
      if (found !== null) return found;
      if ((error as Api300Error).details.answered === true) throw error;
      throw outcomeUnknown(operation, attemptAt);
    }
  }

  /**
   * One `SetCustomers` upload, settled record by record: when its reply is lost, each record
   * ends stored (its number, from the read-back), not stored (`UPSTREAM_UNAVAILABLE`, safe to
   * send again: API300 had finished and does not hold it) or — only while API300 may still be
   * running the upload, or the read-back is impossible — `UPSTREAM_OUTCOME_UNKNOWN`.
   */
  async function settledUpload(
    customers: readonly CustomerWrite[],
    opts: WriteOptions,
  ): Promise<SetResult[]> {
    if (opts.earlierAttemptAt !== undefined) return afterEarlierUpload(customers, opts);
    const attemptAt = clock.now();
    try {
      return await gate.call('SetCustomers', at(opts), (api) => api.setCustomers(customers));
    } catch (error) {
      if (!mayHaveBeenApplied(error)) throw error;
      const unknown = outcomeUnknown('SetCustomers', attemptAt);
      let found: (Customer | null)[];
      try {
        found = await find.customers(customers, attemptAt, opts);
      } catch {
        return customers.map((_, index) => ({
          index,
          number: 0,
          error: { code: unknown.code, message: unknown.message },
        }));
      }
      const notApplied = (error as Api300Error).details.answered === true;
      return found.map((customer, index) =>
        customer
          ? { index, number: customer.number, error: null }
          : {
              index,
              number: 0,
              error: notApplied
                ? {
                    code: 'UPSTREAM_UNAVAILABLE' as const,
                    message: `${(error as Error).message} API300 did not store this record: send it again.`,
                  }
                : { code: unknown.code, message: unknown.message },
            },
      );
    }
  }

  /** A repeated upload: records an earlier attempt stored answer so; only the rest are sent. */
  async function afterEarlierUpload(
    customers: readonly CustomerWrite[],
    opts: WriteOptions,
  ): Promise<SetResult[]> {
    const earlierAttemptAt = opts.earlierAttemptAt as number;
    let earlier: (Customer | null)[];
    try {
      earlier = await find.customers(customers, earlierAttemptAt, opts);
    } catch {
      const unknown = outcomeUnknown('SetCustomers', earlierAttemptAt);
      return customers.map((_, index) => ({
        index,
        number: 0,
        error: { code: unknown.code, message: unknown.message },
      }));
    }
    const rest = earlier.flatMap((c, index) => (c === null ? [index] : []));
    const sent =
      rest.length === 0
        ? []
        : await settledUpload(
            rest.map((i) => customers[i]),
            { ...opts, earlierAttemptAt: undefined },
          );
    const results: SetResult[] = earlier.map((c, index) => ({
      index,
      number: c?.number ?? 0,
      error: null,
    }));
    for (const r of sent) results[rest[r.index]] = { ...r, index: rest[r.index] };
    return results;
  }

  return { settled, settledUpload, find };
}

export type Settler = ReturnType<typeof createSettler>;
