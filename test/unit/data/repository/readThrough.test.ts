import { encodeOffsetCursor } from '../../../../src/data/repository/offsetPaging';
import { createReadThroughRepository } from '../../../../src/data/repository/readThrough';
import { queryKey, decode, encode } from '../../../../src/data/cache/recordCodec';
import type { Config } from '../../../../src/config';
import { UpstreamGate } from '../../../../src/data/gate/gate';
import { MemoryQuota } from '../../../../src/data/gate/quota';
import { MemoryRecordLock } from '../../../../src/data/gate/recordLock';
import type { Customer, Reservation, Ticket } from '../../../../src/domain/models';
import {
  FakeApi300,
  ManualClock,
  makeCustomer,
  makeReservation,
  makeTicket,
  settle,
} from '../../../helpers/gateFakes';

const CACHE: Config['cache'] = {
  ttlMs: 30_000,
  staleMs: 300_000,
  notFoundTtlMs: 10_000,
  stationsTtlMs: 300_000,
  maxEntries: 10_000,
};

function setup(limit = 50, writeReserve = 5) {
  const clock = new ManualClock();
  const api = new FakeApi300(clock).withCustomers(1, 2, 3, 4, 5);
  const gate = new UpstreamGate({
    api,
    quota: new MemoryQuota({ limit, writeReserve }, clock),
    clock,
  });
  const { repository, caches } = createReadThroughRepository({
    gate,
    lock: new MemoryRecordLock(clock),
    clock,
    cache: CACHE,
  });
  const opts = () => ({ deadline: clock.now() + 10_000 });
  return { clock, api, gate, repository, caches, opts };
}

const writeOf = ({ created: _c, changed: _ch, ...rest }: Customer) => rest;
const reservationWriteOf = ({ created: _c, changed: _ch, ...rest }: Reservation) => rest;
const ticketWriteOf = ({ created: _c, changed: _ch, ...rest }: Ticket) => rest;

describe('the cached Hypersoft data interface', () => {
  it('serves concurrent requests for different customers with one GetCustomers call', async () => {
    const { api, repository, opts } = setup();
    const requests = [[1, 2], [2, 3], [5], [77]].map((keys) =>
      repository.customersByNumber(keys, opts()),
    );
    const results = await Promise.all(requests);

    expect(results.map((m) => [...m.keys()])).toEqual([[1, 2], [2, 3], [5], []]);
    expect(api.calls.map((c) => c.operation)).toEqual(['GetCustomers']);
  });

  it('reads every page of a customer list and answers [] for customers without any', async () => {
    const { api, repository, opts } = setup();
    for (let id = 1; id <= 1100; id++)
      api.reservations.set(id, makeReservation(id, { customerNumber: (id % 2) + 1 }));
    const lists = await repository.reservationsByCustomer([1, 2, 3], opts());

    expect(lists.get(1)).toHaveLength(550);
    expect(lists.get(2)).toHaveLength(550);
    expect(lists.get(3)).toEqual([]);
    expect(api.calls.map((c) => (c.args[0] as { pageIndex: number }).pageIndex)).toEqual([0, 1, 2]);
  });

  it('groups tickets by customer and by reservation', async () => {
    const { api, repository, opts } = setup();
    api.tickets.set('T1', makeTicket('T1', { customerNumber: 1, reservationId: 10 }));
    api.tickets.set('T2', makeTicket('T2', { customerNumber: 1, reservationId: null }));

    const byCustomer = await repository.ticketsByCustomer([1, 2], opts());
    const byReservation = await repository.ticketsByReservation([10], opts());
    const byNumber = await repository.ticketsByNumber(['T2', 'nope'], opts());

    expect(byCustomer.get(1)?.map((t) => t.number)).toEqual(['T1', 'T2']);
    expect(byCustomer.get(2)).toEqual([]);
    expect(byReservation.get(10)?.map((t) => t.number)).toEqual(['T1']);
    expect([...byNumber.keys()]).toEqual(['T2']);
  });

  it('serves a numbers filter through the batched entity path and filters the rest locally', async () => {
    const { api, repository, opts } = setup();
    api.customers.set(2, { ...makeCustomer(2), company: 'ACME GmbH' });
    api.customers.set(3, makeCustomer(3));
    api.customers.set(5, { ...makeCustomer(5), company: 'Acme AG' });

    const page = await repository.findCustomers(
      { numbers: [5, 2, 3, 99, 2], search: 'acme', first: 1 },
      opts(),
    );

    expect(page.items.map((c) => c.number)).toEqual([2]);
    expect(page).toMatchObject({ totalCount: 2, hasNextPage: true, source: 'upstream' });
    expect(
      api.calls.map((c) => [c.operation, (c.args[0] as { numbers: number[] }).numbers]),
    ).toEqual([['GetCustomers', [2, 3, 5, 99]]]);
  });

  it('caches a list page by its normalized query', async () => {
    const { api, repository, opts } = setup();
    const a = await repository.findReservations(
      { customerNumbers: [2, 1], from: new Date('2026-03-01T00:00:00Z'), first: 10 },
      opts(),
    );
    await repository.findReservations(
      { first: 10, from: new Date('2026-03-01T00:00:00Z'), customerNumbers: [1, 2] },
      opts(),
    );
    expect(api.count()).toBe(1);
    expect(a).toMatchObject({ items: [], totalCount: 0, source: 'upstream' });
    expect(api.calls[0].args[0]).toEqual({
      customerNumbers: [1, 2],
      from: new Date('2026-03-01T00:00:00Z'),
      to: null,
      changedSince: null,
      pageIndex: 0,
      pageSize: 10,
    });

    await repository.findReservations(
      { customerNumbers: [1, 2], first: 10, after: encodeOffsetCursor(9) },
      opts(),
    );
    expect(api.count()).toBe(2);
  });

  it('reads the station list once for its TTL', async () => {
    const { api, clock, repository, opts } = setup();
    expect((await repository.stations(opts())).map((s) => s.number)).toEqual([1, 2]);
    await clock.advance(299_999);
    await repository.stations(opts());
    expect(api.count('GetStations')).toBe(1);
  });

  it('lets two concurrent updates of one customer both survive', async () => {
    const { api, repository, opts } = setup();
    const [first, second] = await Promise.all([
      repository.updateCustomer(1, (c) => ({ ...writeOf(c), firstName: 'Ada' }), opts()),
      repository.updateCustomer(1, (c) => ({ ...writeOf(c), city: 'Berlin' }), opts()),
    ]);

    expect(first.firstName).toBe('Ada');
    expect(second).toMatchObject({ firstName: 'Ada', city: 'Berlin' });
    expect(api.customers.get(1)).toMatchObject({ firstName: 'Ada', city: 'Berlin' });
    expect(api.calls.map((c) => c.operation)).toEqual([
      'GetCustomer',
      'SetCustomer',
      'GetCustomer',
      'SetCustomer',
    ]);
  });

  it('reads the current record fresh for an update, and caches what upstream stored', async () => {
    const { api, repository, opts } = setup();
    await repository.customersByNumber([2], opts());
    api.customers.get(2)!.lastName = 'ChangedElsewhere';

    const stored = await repository.updateCustomer(
      2,
      (c) => ({ ...writeOf(c), firstName: 'Bo' }),
      opts(),
    );
    expect(stored).toMatchObject({ firstName: 'Bo', lastName: 'ChangedElsewhere' });
    expect((await repository.customersByNumber([2], opts())).get(2)).toEqual(stored);
    expect(api.calls.map((c) => c.operation)).toEqual([
      'GetCustomers',
      'GetCustomer',
      'SetCustomer',
    ]);
  });

  it('refuses to update a customer that does not exist', async () => {
    const { repository, opts, api } = setup();
    await expect(repository.updateCustomer(99, (c) => writeOf(c), opts())).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    expect(api.count('SetCustomer')).toBe(0);
  });

  it("keeps a created reservation and refreshes its customer's list", async () => {
    const { api, repository, opts } = setup();
    expect((await repository.reservationsByCustomer([3], opts())).get(3)).toEqual([]);

    const created = await repository.createReservation(
      reservationWriteOf(makeReservation(0, { customerNumber: 3 })),
      opts(),
    );
    expect((await repository.reservationsById([created.id], opts())).get(created.id)).toEqual(
      created,
    );
    expect((await repository.reservationsByCustomer([3], opts())).get(3)?.map((r) => r.id)).toEqual(
      [created.id],
    );
    expect(api.calls.map((c) => c.operation)).toEqual([
      'GetReservations',
      'SetReservation',
      'GetReservations',
    ]);
  });

  it("updates a reservation under its lock and refreshes both customers' lists when it moves", async () => {
    const { api, repository, opts } = setup();
    api.reservations.set(7, makeReservation(7, { customerNumber: 1 }));
    await repository.reservationsByCustomer([1, 2], opts());

    const moved = await repository.updateReservation(
      7,
      (r) => ({ ...reservationWriteOf(r), customerNumber: 2 }),
      opts(),
    );
    const lists = await repository.reservationsByCustomer([1, 2], opts());
    expect(moved.customerNumber).toBe(2);
    expect(lists.get(1)).toEqual([]);
    expect(lists.get(2)?.map((r) => r.id)).toEqual([7]);
    await expect(
      repository.updateReservation(8, (r) => reservationWriteOf(r), opts()),
    ).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('caches a redeemed ticket as upstream stored it', async () => {
    const { api, repository, opts } = setup();
    api.tickets.set('T1', makeTicket('T1'));
    await repository.ticketsByNumber(['T1'], opts());
    await repository.redeemTicket('T1', 2, opts());

    expect((await repository.ticketsByNumber(['T1'], opts())).get('T1')).toMatchObject({
      status: 'REDEEMED',
      redeemedStation: 2,
    });
    expect(api.count('GetTickets')).toBe(1);
  });

  it('refuses to issue a ticket under the number of an existing one, with CONFLICT naming it, and writes nothing', async () => {
    const { api, repository, opts } = setup();
    api.tickets.set('GS1', makeTicket('GS1', { status: 'REDEEMED', price: 10 }));
    const write = ticketWriteOf(makeTicket('GS1', { price: 99 }));

    await expect(
      repository.issueTicket({ ...write, status: 'VALID', redeemedAt: null }, opts()),
    ).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining('Ticket GS1 already exists (status REDEEMED)'),
    });
    expect(api.tickets.get('GS1')).toMatchObject({ status: 'REDEEMED', price: 10 });
    expect(api.calls.map((c) => c.operation)).toEqual(['GetTickets']);
  });

  it('lets only one of two concurrent issues of one ticket number store', async () => {
    const { api, repository, opts } = setup();
    const write = ticketWriteOf(makeTicket('GS2'));

    const outcomes = await Promise.allSettled([
      repository.issueTicket({ ...write, price: 1 }, opts()),
      repository.issueTicket({ ...write, price: 2 }, opts()),
    ]);

    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected']);
    expect(outcomes[1]).toMatchObject({ reason: { code: 'CONFLICT' } });
    expect(api.tickets.get('GS2')?.price).toBe(1);
    expect(api.calls.map((c) => c.operation)).toEqual(['GetTickets', 'SetTicket', 'GetTickets']);
  });

  it('issues a ticket without a number in one call: Hypersoft assigns it', async () => {
    const { api, repository, opts } = setup();
    const write = ticketWriteOf(makeTicket(''));
    await repository.issueTicket(write, opts());
    expect(api.calls.map((c) => c.operation)).toEqual(['SetTicket']);
  });

  it('answers an update that changes nothing with the fresh record, without a write', async () => {
    const { api, repository, opts } = setup();
    api.reservations.set(7, makeReservation(7, { status: 'CANCELLED' }));

    const answered = await repository.updateReservation(
      7,
      (r) => ({ ...reservationWriteOf(r), status: 'CANCELLED' }),
      opts(),
    );
    const customer = await repository.updateCustomer(1, (c) => writeOf(c), opts());

    expect(answered).toMatchObject({ id: 7, status: 'CANCELLED' });
    expect(customer.number).toBe(1);
    expect(api.calls.map((c) => c.operation)).toEqual(['GetReservations', 'GetCustomer']);
  });

  it('writes nothing when the change refuses the fresh record', async () => {
    const { api, repository, opts } = setup();
    api.reservations.set(7, makeReservation(7, { status: 'COMPLETED' }));
    const refused = new Error('refused');

    await expect(
      repository.updateReservation(
        7,
        () => {
          throw refused;
        },
        opts(),
      ),
    ).rejects.toBe(refused);
    expect(api.count('SetReservation')).toBe(0);
  });

  it('forgets imported customers so the next read shows what upstream stored', async () => {
    const { api, repository, opts } = setup();
    const [one] = (await repository.customersByNumber([1], opts())).values();
    await repository.importCustomers([{ ...writeOf(one), lastName: 'Imported' }], opts());

    expect((await repository.customersByNumber([1], opts())).get(1)?.lastName).toBe('Imported');
    expect(api.count('GetCustomers')).toBe(2);
  });

  it('imports a customer by number under its lock, so an update in progress is not reverted', async () => {
    const { api, repository, opts } = setup();
    api.hold();
    const update = repository.updateCustomer(1, (c) => ({ ...writeOf(c), city: 'Bonn' }), opts());
    await settle();
    const imported = repository.importCustomers(
      [{ ...writeOf(makeCustomer(1)), lastName: 'Imported' }],
      opts(),
    );
    await settle();
    api.release();
    await Promise.all([update, imported]);

    expect(api.calls.map((c) => c.operation)).toEqual([
      'GetCustomer',
      'SetCustomer',
      'SetCustomers',
    ]);
    expect(api.customers.get(1)?.lastName).toBe('Imported');
  });

  it('lets a write through on the write reserve while reads are out of budget', async () => {
    const { repository, opts, api } = setup(3, 1);
    await repository.customersByNumber([1], opts());
    await repository.customersByNumber([2], opts());
    await expect(repository.customersByNumber([3], opts())).rejects.toMatchObject({
      code: 'UPSTREAM_RATE_LIMITED',
    });

    const [one] = (await repository.customersByNumber([1], opts())).values();
    await expect(
      repository.createCustomer({ ...writeOf(one), number: 0 }, opts()),
    ).resolves.toMatchObject({ number: 6 });
    expect(api.count()).toBe(3);
  });

  it('sends nothing upstream for an empty key list', async () => {
    const { repository, opts, api } = setup();
    expect(await repository.customersByNumber([], opts())).toEqual(new Map());
    await settle();
    expect(api.count()).toBe(0);
  });
});

describe('cache keys and values', () => {
  it('keeps dates through the shared cache encoding', () => {
    const reservation = makeReservation(3);
    expect(decode(encode(reservation))).toEqual(reservation);
  });

  it('names equal queries alike whatever the order of their fields and keys', () => {
    expect(queryKey({ b: [3, 1, 2], a: 'x', c: undefined })).toBe(
      queryKey({ a: 'x', b: [1, 2, 3] }),
    );
    expect(queryKey({ a: 'x' })).not.toBe(queryKey({ a: 'y' }));
  });
});
