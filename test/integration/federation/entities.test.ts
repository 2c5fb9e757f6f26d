import { loadConfig } from '../../../src/config';
import { createApp, type App } from '../../../src/graphql/server';
import {
  FakeRepository,
  makeCustomer,
  makeReservation,
  makeStation,
  makeTicket,
} from '../../helpers/fakeRepository';
import { postGraphQL } from '../../helpers/gateway';

/**
 * `_entities` as a router calls it, sent straight to the subgraph: every representation form
 * a router may send resolves, unknown keys answer null, and keys API300 cannot hold cost no
 * upstream call.
 */

const ENTITIES = `
  query Entities($representations: [_Any!]!) {
    _entities(representations: $representations) {
      __typename
      ... on Customer { number lastName }
      ... on Reservation { id persons }
      ... on Ticket { ticketNumber: number price }
      ... on Station { number name }
    }
  }
`;

type Entity = Record<string, unknown> | null;

let app: App;
let url: string;
let fake: FakeRepository;

beforeEach(async () => {
  fake = new FakeRepository()
    .addCustomers(makeCustomer(42), makeCustomer(43))
    .addReservations(makeReservation(7, { persons: 4 }))
    .addTickets(makeTicket('T-1', { price: 9 }));
  fake.stationList = [makeStation(1)];
  app = await createApp({ config: loadConfig({}), repository: fake, stopGracePeriodMs: 1000 });
  url = (await app.listen(0, '127.0.0.1')).url;
});

afterEach(() => app.stop());

async function entities(representations: object[]): Promise<Entity[]> {
  const { status, body } = await postGraphQL<{ _entities: Entity[] }>(url, ENTITIES, {
    representations,
  });
  expect({ status, errors: body.errors }).toEqual({ status: 200, errors: undefined });
  expect(body.errors).toBeUndefined();
  return body.data?._entities ?? [];
}

describe('entity references sent to the subgraph', () => {
  it('resolves a Customer whose Int key comes as a number and as a string, with one upstream read', async () => {
    const result = await entities([
      { __typename: 'Customer', number: 42 },
      { __typename: 'Customer', number: '42' },
      { __typename: 'Customer', number: ' 43 ' },
    ]);

    expect(result).toEqual([
      { __typename: 'Customer', number: 42, lastName: 'Last42' },
      { __typename: 'Customer', number: 42, lastName: 'Last42' },
      { __typename: 'Customer', number: 43, lastName: 'Last43' },
    ]);
    expect(fake.callsOf('customersByNumber').map((c) => c.keys)).toEqual([[42, 43]]);
  });

  it('resolves Reservation and Station Int keys sent as strings, and Ticket string keys', async () => {
    const result = await entities([
      { __typename: 'Reservation', id: '7' },
      { __typename: 'Station', number: '1' },
      { __typename: 'Ticket', number: 'T-1' },
    ]);

    expect(result).toEqual([
      { __typename: 'Reservation', id: 7, persons: 4 },
      { __typename: 'Station', number: 1, name: 'Station 1' },
      { __typename: 'Ticket', ticketNumber: 'T-1', price: 9 },
    ]);
  });

  it('answers null for keys that do not exist, next to the ones that do', async () => {
    const result = await entities([
      { __typename: 'Customer', number: 999_999 },
      { __typename: 'Customer', number: 42 },
      { __typename: 'Reservation', id: 8 },
      { __typename: 'Ticket', number: 'NOPE' },
      { __typename: 'Station', number: 99 },
    ]);

    expect(result).toEqual([
      null,
      { __typename: 'Customer', number: 42, lastName: 'Last42' },
      null,
      null,
      null,
    ]);
  });

  it('answers null without any upstream call for keys API300 cannot hold', async () => {
    const result = await entities([
      { __typename: 'Customer', number: 0 },
      { __typename: 'Customer', number: 10_000_000 },
      { __typename: 'Customer', number: 4.5 },
      { __typename: 'Customer', number: '4e2' },
      { __typename: 'Customer', number: 'forty-two' },
      { __typename: 'Customer', number: true },
      { __typename: 'Reservation', id: -1 },
      { __typename: 'Ticket', number: '' },
    ]);

    expect(result).toEqual([null, null, null, null, null, null, null, null]);
    expect(fake.calls).toEqual([]);
  });

  it('reads 1,000 customer representations with two upstream reads of 500 keys', async () => {
    const representations = Array.from({ length: 1000 }, (_, i) => ({
      __typename: 'Customer',
      number: i % 2 === 0 ? i + 1 : String(i + 1),
    }));

    const result = await entities(representations);

    expect(result).toHaveLength(1000);
    expect(fake.callsOf('customersByNumber').map((c) => c.keys?.length)).toEqual([500, 500]);
  });
});
