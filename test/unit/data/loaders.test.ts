import { createLoaders } from '../../../src/data/loaders/loaders';
import { Api300Error } from '../../../src/data/errors';
import {
  FakeRepository,
  makeCustomer,
  makeReservation,
  makeTicket,
} from '../../helpers/fakeRepository';

const DEADLINE = 1_700_000_000_000;
const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

describe('per-request loaders', () => {
  it('batch the keys of one tick into one call, without duplicates, carrying the deadline', async () => {
    const fake = new FakeRepository().addCustomers(makeCustomer(1), makeCustomer(2));
    const loaders = createLoaders({ repository: fake, deadline: DEADLINE });

    const found = await Promise.all([1, 2, 1, 3].map((n) => loaders.customerByNumber.load(n)));

    expect(found.map((c) => c?.number ?? null)).toEqual([1, 2, 1, null]);
    expect(fake.calls).toEqual([
      {
        method: 'customersByNumber',
        keys: [1, 2, 3],
        opts: { deadline: DEADLINE, priority: 'read' },
      },
    ]);
  });

  it('send at most 500 keys per call', async () => {
    const fake = new FakeRepository();
    const loaders = createLoaders({ repository: fake, deadline: DEADLINE });

    await loaders.reservationsByCustomer.loadMany(range(1, 1200));

    expect(fake.callsOf('reservationsByCustomer').map((c) => c.keys?.length)).toEqual([
      500, 500, 200,
    ]);
  });

  it('answer [] for parents without children', async () => {
    const fake = new FakeRepository().addTickets(makeTicket('A', { customerNumber: 1 }));
    const loaders = createLoaders({ repository: fake, deadline: DEADLINE });

    const [withTicket, without] = await Promise.all([
      loaders.ticketsByCustomer.load(1),
      loaders.ticketsByCustomer.load(2),
    ]);

    expect(withTicket.map((t) => t.number)).toEqual(['A']);
    expect(without).toEqual([]);
  });

  it('reject every key of a batch whose call failed, with that call’s error', async () => {
    const error = new Api300Error('UPSTREAM_BLOCKED', 'Token blocked');
    const fake = new FakeRepository().fail('ticketsByNumber', error);
    const loaders = createLoaders({ repository: fake, deadline: DEADLINE });

    const results = await Promise.allSettled([
      loaders.ticketByNumber.load('A'),
      loaders.ticketByNumber.load('B'),
    ]);

    expect(results).toEqual([
      { status: 'rejected', reason: error },
      { status: 'rejected', reason: error },
    ]);
  });

  it('prime single-entity loaders from lists by parent', async () => {
    const fake = new FakeRepository()
      .addReservations(makeReservation(10, { customerNumber: 1 }))
      .addTickets(makeTicket('A', { reservationId: 10 }));
    const loaders = createLoaders({ repository: fake, deadline: DEADLINE });

    await loaders.reservationsByCustomer.load(1);
    await loaders.ticketsByReservation.load(10);
    const [reservation, ticket] = await Promise.all([
      loaders.reservationById.load(10),
      loaders.ticketByNumber.load('A'),
    ]);

    expect([reservation?.id, ticket?.number]).toEqual([10, 'A']);
    expect(fake.calls.map((c) => c.method)).toEqual([
      'reservationsByCustomer',
      'ticketsByReservation',
    ]);
  });

  it('read the station list once per request', async () => {
    const fake = new FakeRepository();
    const loaders = createLoaders({ repository: fake, deadline: DEADLINE });

    const [one, missing] = await Promise.all([
      loaders.stationByNumber.load(1),
      loaders.stationByNumber.load(9),
    ]);
    await loaders.stations();

    expect([one?.name, missing]).toEqual(['Station 1', null]);
    expect(fake.callsOf('stations')).toHaveLength(1);
  });

  it('do not share memoized data between requests', async () => {
    const fake = new FakeRepository().addCustomers(makeCustomer(1));

    await createLoaders({ repository: fake, deadline: DEADLINE }).customerByNumber.load(1);
    await createLoaders({ repository: fake, deadline: DEADLINE }).customerByNumber.load(1);

    expect(fake.callsOf('customersByNumber')).toHaveLength(2);
  });
});

describe('reads answered from memory (Repository.local, the mirror)', () => {
  /** A repository whose `local` answers customers held in `held` (undefined: not held). */
  function withLocal(held: Map<number, ReturnType<typeof makeCustomer> | null> | null) {
    const fake = new FakeRepository();
    const asked: number[] = [];
    const local = {
      customer: (n: number) => {
        asked.push(n);
        return held === null ? undefined : held.get(n);
      },
      reservation: () => undefined,
      ticket: () => undefined,
      reservationsOfCustomer: (n: number) =>
        held?.has(n) ? [makeReservation(n * 10, { customerNumber: n })] : undefined,
      ticketsOfCustomer: () => undefined,
      ticketsOfReservation: () => undefined,
    };
    Object.assign(fake, { local });
    return { fake, asked, loaders: createLoaders({ repository: fake, deadline: DEADLINE }) };
  }

  it('come back at once, not as a promise, and cost no repository call', () => {
    const held = new Map([[1, makeCustomer(1)]]);
    const { fake, loaders } = withLocal(new Map([...held, [2, null]]));

    const one = loaders.customer(1);
    const none = loaders.customer(2);
    const list = loaders.reservationsOfCustomer(1);

    expect(one).toBe(held.get(1));
    expect(none).toBeNull();
    expect(Array.isArray(list) && list.map((r) => r.id)).toEqual([10]);
    expect(fake.calls).toEqual([]);
  });

  it('go through the batching loader where memory cannot answer', async () => {
    const { fake, loaders } = withLocal(null);
    fake.addCustomers(makeCustomer(1), makeCustomer(2));

    const reads = [loaders.customer(1), loaders.customer(2)];

    expect(reads.every((r) => r instanceof Promise)).toBe(true);
    expect((await Promise.all(reads)).map((c) => c?.number)).toEqual([1, 2]);
    expect(fake.callsOf('customersByNumber').map((c) => c.keys)).toEqual([[1, 2]]);
  });

  it('share one memo with the loader: one request sees one version of a record', async () => {
    const held = new Map([[1, makeCustomer(1, { lastName: 'Held' })]]);
    const { asked, loaders } = withLocal(held);

    const first = loaders.customer(1);
    held.set(1, makeCustomer(1, { lastName: 'Changed meanwhile' }));

    expect(loaders.customer(1)).toBe(first);
    expect(await loaders.customerByNumber.load(1)).toBe(first);
    expect(asked).toEqual([1]);
  });

  it('follow the loader’s prime and clear (a mutation’s result in the same request)', async () => {
    const held = new Map([[1, makeCustomer(1, { lastName: 'Before' })]]);
    const { loaders } = withLocal(held);
    expect((loaders.customer(1) as { lastName: string }).lastName).toBe('Before');

    const written = makeCustomer(1, { lastName: 'Written' });
    loaders.customerByNumber.clear(1).prime(1, written);

    expect(await loaders.customer(1)).toBe(written);
    expect(loaders.customer(1)).toBe(written); // settled: at once now
  });

  it('keep a value primed by a list over what memory says later', async () => {
    const { fake, loaders } = withLocal(new Map([[5, makeCustomer(5, { lastName: 'Memory' })]]));
    fake.addCustomers(makeCustomer(5, { lastName: 'From the list' }));
    await loaders.customerList.load({ first: 10 });
    await Promise.resolve();

    expect(loaders.customer(5)).toMatchObject({ lastName: 'From the list' });
  });
});
