import { createLoaders } from '../../../src/data/loaders';
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
