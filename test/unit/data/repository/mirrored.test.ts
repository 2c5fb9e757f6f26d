import { Api300Error } from '../../../../src/data/errors';
import { createMirrorIndex } from '../../../../src/data/mirror/index';
import type { KeyedKind, MirrorBatch, RecordKind } from '../../../../src/data/mirror/types';
import {
  createMirroredRepository,
  type MirrorView,
} from '../../../../src/data/repository/mirrored';
import { encodeOffsetCursor } from '../../../../src/data/repository/offsetPaging';
import type { ReadOptions } from '../../../../src/data/repository/types';
import {
  FakeRepository,
  makeCustomer,
  makeReservation,
  makeStation,
  makeTicket,
} from '../../../helpers/fakeRepository';

const opts: ReadOptions = { deadline: Date.now() + 10_000, priority: 'read' };
const DAY = 86_400_000;

function setup(
  options: {
    holds?: RecordKind[];
    from?: Date | null;
    /** While a kind loads: the keys its loaded pages answer. */
    covers?: (kind: KeyedKind, key: string | number) => boolean;
    /** Kinds not held that never will be (their licence is missing). */
    licenceMissing?: RecordKind[];
    /** ms until a loading kind's load is expected to end (`null`: unknown). */
    loadEtaMs?: number | null;
  } = {},
) {
  const index = createMirrorIndex();
  const upstream = new FakeRepository();
  const held = new Set<RecordKind>(
    options.holds ?? ['customers', 'reservations', 'tickets', 'stations'],
  );
  const written: MirrorBatch[] = [];
  const refreshed: number[][] = [];
  /** Waiters of `progressed`: `progress()` tells them all `true`, `giveUp()` all `false`. */
  const waiting: Array<(progressed: boolean) => void> = [];
  const tellAll = (progressed: boolean) => {
    for (const tell of waiting.splice(0)) tell(progressed);
  };
  const mirror: MirrorView = {
    index,
    holds: (kind) => held.has(kind),
    covers: (kind, key) => !held.has(kind) && (options.covers?.(kind, key) ?? false),
    loading: (kind) => !held.has(kind) && !(options.licenceMissing ?? []).includes(kind),
    loadEtaMs: () => options.loadEtaMs ?? null,
    progressed: () => new Promise((resolve) => waiting.push(resolve)),
    reservationsFrom: () => options.from ?? null,
    recordWrite: (batch) => {
      written.push(batch);
      index.apply(batch);
    },
    refreshCustomers: (numbers) => refreshed.push([...numbers]),
  };
  const repository = createMirroredRepository(mirror, upstream);
  return {
    index,
    upstream,
    repository,
    written,
    refreshed,
    held,
    waiting,
    progress: () => tellAll(true),
    giveUp: () => tellAll(false),
  };
}

const refused = () =>
  new Api300Error('UPSTREAM_RATE_LIMITED', 'no upstream budget before the deadline', {
    retryAfter: 40,
  });

/** Lets pending promise callbacks run (the repository's awaits), without any timer. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('the repository over the mirror', () => {
  it('answers keys, lists by parent, stations and finds from the mirror without an upstream call', async () => {
    const { index, upstream, repository } = setup();
    index.apply({
      customers: { put: [makeCustomer(1, { lastName: 'Müller' }), makeCustomer(2)] },
      reservations: { put: [makeReservation(10, { customerNumber: 1 })] },
      tickets: { put: [makeTicket('T1', { customerNumber: 1, reservationId: 10 })] },
      stations: [makeStation(1)],
    });

    expect([...(await repository.customersByNumber([1, 3], opts)).keys()]).toEqual([1]);
    expect(
      (await repository.reservationsByCustomer([1, 2], opts)).get(1)?.map((r) => r.id),
    ).toEqual([10]);
    expect(
      (await repository.ticketsByReservation([10], opts)).get(10)?.map((t) => t.number),
    ).toEqual(['T1']);
    expect((await repository.stations(opts)).map((s) => s.number)).toEqual([1]);
    const found = await repository.findCustomers({ search: 'mueller', first: 10 }, opts);
    expect(found).toMatchObject({ totalCount: 1, source: 'mirror', hasNextPage: false });
    expect(found.items.map((c) => c.number)).toEqual([1]);
    expect(found.endCursor).toBe(found.cursors[0]);
    expect(upstream.calls).toEqual([]);
  });

  it('goes read-through for a kind the mirror does not hold yet', async () => {
    const { upstream, repository } = setup({ holds: ['customers'] });
    upstream.tickets.set('T9', makeTicket('T9'));

    const page = await repository.findTickets({ first: 5 }, opts);
    expect(page.source).toBe('upstream');
    expect(page.items.map((t) => t.number)).toEqual(['T9']);
    await repository.ticketsByNumber(['T9'], opts);
    expect(upstream.calls.map((c) => c.method)).toEqual(['findTickets', 'ticketsByNumber']);
  });

  it('while a kind loads, answers the keys its loaded pages cover — held or known absent — and reads the rest through', async () => {
    const { index, upstream, repository } = setup({
      holds: ['reservations', 'tickets', 'stations'],
      covers: (kind, key) => kind === 'customers' && Number(key) <= 500,
    });
    index.apply({ customers: { put: [makeCustomer(1)] } });
    upstream.customers.set(900, makeCustomer(900));

    const found = await repository.customersByNumber([1, 2, 900], opts);
    expect([...found.keys()].sort((a, b) => a - b)).toEqual([1, 900]);
    // 1 from the mirror, 2 known absent (covered, not held): only 900 goes upstream.
    expect(upstream.calls.map((c) => [c.method, c.keys])).toEqual([['customersByNumber', [900]]]);
    expect(repository.local?.customer(2)).toBeNull();

    // A search needs every customer: it waits for the load, read-through meanwhile.
    const page = await repository.findCustomers({ search: 'x', first: 5 }, opts);
    expect(page.source).toBe('upstream');
  });

  describe('while a kind loads and the budget refuses a read (nothing was sent)', () => {
    it('waits for the load and answers a key from the mirror once a page covers it', async () => {
      let covered = 0;
      const r = setup({
        holds: ['reservations', 'tickets', 'stations'],
        covers: (kind, key) => kind === 'customers' && Number(key) <= covered,
      });
      r.upstream.fail('customersByNumber', refused());
      const answer = r.repository.customersByNumber([1, 600], opts);
      await settle();
      expect(r.waiting).toHaveLength(1);

      // A page covering 1..500 came: 600 is still unanswered, so it waits on.
      r.index.apply({ customers: { put: [makeCustomer(1)] } });
      covered = 500;
      r.progress();
      await settle();
      expect(r.waiting).toHaveLength(1);

      // The next page covers 600 (absent in the POS): answered, with one upstream try only.
      covered = 1000;
      r.progress();
      expect([...(await answer).keys()]).toEqual([1]);
      expect(r.upstream.callsOf('customersByNumber')).toHaveLength(1);
    });

    it('waits for a list until the kind is loaded, then answers it from the mirror', async () => {
      const r = setup({ holds: ['reservations', 'tickets', 'stations'] });
      r.upstream.fail('findCustomers', refused());
      const answer = r.repository.findCustomers({ search: 'mueller', first: 5 }, opts);
      await settle();
      r.index.apply({ customers: { put: [makeCustomer(7, { lastName: 'Müller' })] } });
      r.held.add('customers');
      r.progress();
      const page = await answer;
      expect(page.source).toBe('mirror');
      expect(page.items.map((c) => c.number)).toEqual([7]);
    });

    it('fails at once when the load cannot end before the deadline (a large venue’s first minutes)', async () => {
      const r = setup({ holds: ['reservations', 'tickets', 'stations'], loadEtaMs: 10 * 60_000 });
      r.upstream.fail('findCustomers', refused());
      await expect(r.repository.findCustomers({ first: 5 }, opts)).rejects.toMatchObject({
        code: 'UPSTREAM_RATE_LIMITED',
      });
      expect(r.waiting).toHaveLength(0);
      // A load expected to end within the deadline is waited for.
      const soon = setup({ holds: ['reservations', 'tickets', 'stations'], loadEtaMs: 2_000 });
      soon.upstream.fail('findCustomers', refused());
      const answer = soon.repository.findCustomers({ first: 5 }, opts);
      await settle();
      expect(soon.waiting).toHaveLength(1);
      soon.held.add('customers');
      soon.progress();
      expect((await answer).source).toBe('mirror');
    });

    it('fails as refused when the deadline comes first', async () => {
      const r = setup({ holds: ['reservations', 'tickets', 'stations'] });
      r.upstream.fail('findCustomers', refused());
      const answer = r.repository.findCustomers({ first: 5 }, opts);
      await settle();
      r.giveUp(); // progressed(…) ran out of time
      await expect(answer).rejects.toMatchObject({ code: 'UPSTREAM_RATE_LIMITED' });
    });

    it('fails at once for a kind that will not load (licence missing), and for other failures', async () => {
      const r = setup({
        holds: ['customers', 'reservations', 'stations'],
        licenceMissing: ['tickets'],
      });
      r.upstream.fail('findTickets', refused());
      await expect(r.repository.findTickets({ first: 5 }, opts)).rejects.toMatchObject({
        code: 'UPSTREAM_RATE_LIMITED',
      });
      const loading = setup({ holds: ['reservations', 'tickets', 'stations'] });
      loading.upstream.fail(
        'findCustomers',
        new Api300Error('UPSTREAM_UNAVAILABLE', 'API300 is away', { sent: false }),
      );
      await expect(loading.repository.findCustomers({ first: 5 }, opts)).rejects.toMatchObject({
        code: 'UPSTREAM_UNAVAILABLE',
      });
      expect(r.waiting).toHaveLength(0);
      expect(loading.waiting).toHaveLength(0);
    });
  });

  it('continues a read-through page at the same position once the mirror took over', async () => {
    const { index, repository } = setup();
    index.apply({ customers: { put: [1, 2, 3, 4, 5].map((n) => makeCustomer(n)) } });

    const page = await repository.findCustomers(
      { orderBy: 'NUMBER', first: 2, after: encodeOffsetCursor(1) },
      opts,
    );
    expect(page.items.map((c) => c.number)).toEqual([3, 4]);
    expect(page.hasNextPage).toBe(true);
  });

  it('asks API300 for reservations before the mirror’s window, and for ids it does not hold', async () => {
    const from = new Date('2026-03-01T00:00:00Z');
    const { index, upstream, repository } = setup({ from });
    index.apply({
      reservations: { put: [makeReservation(10, { start: new Date(from.getTime() + DAY) })] },
    });
    upstream.reservations.set(7, makeReservation(7, { start: new Date(from.getTime() - DAY) }));

    const inside = await repository.findReservations({ from, first: 10 }, opts);
    expect(inside.source).toBe('mirror');
    const before = await repository.findReservations({ first: 10 }, opts);
    expect(before.source).toBe('upstream');
    const byId = await repository.reservationsById([10, 7], opts);
    expect([...byId.keys()].sort()).toEqual([10, 7].sort());
    expect(upstream.callsOf('reservationsById').map((c) => c.keys)).toEqual([[7]]);
    await repository.reservationsByCustomer([1], opts);
    expect(upstream.callsOf('reservationsByCustomer')).toHaveLength(1);
  });

  it('puts what API300 stored into the mirror before the write returns (read-your-writes)', async () => {
    const { upstream, repository, written } = setup();
    const created = await repository.createCustomer(
      { ...makeCustomer(0, { lastName: 'Neu' }), number: 0 },
      { deadline: opts.deadline },
    );

    expect(written).toEqual([{ customers: { put: [created] } }]);
    const found = await repository.findCustomers({ search: 'neu', first: 5 }, opts);
    expect(found.items.map((c) => c.number)).toEqual([created.number]);
    expect(upstream.callsOf('findCustomers')).toEqual([]);
  });

  it('has customers stored by an import read back, since API300’s reply carries only their numbers', async () => {
    const { upstream, repository, refreshed } = setup();
    upstream.refuseImport = (record) =>
      record.lastName === 'Bad' ? 'Customer.Name: refused' : null;

    await repository.importCustomers(
      [makeCustomer(0, { lastName: 'Gut' }), makeCustomer(0, { lastName: 'Bad' })],
      { deadline: opts.deadline },
    );
    expect(refreshed).toHaveLength(1);
    expect(refreshed[0]).toHaveLength(1);
  });
});
