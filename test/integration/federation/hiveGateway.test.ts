import type { RunningSimulator } from '../../../src/simulator';
import { eventually } from '../../helpers/eventually';
import {
  composeSupergraph,
  describeWithHiveGateway,
  startHiveGateway,
  type RunningHiveGateway,
  type Supergraph,
} from '../../helpers/hiveGateway';
import { tillChange } from '../../helpers/simulator';
import { subscribeSse, type Received } from '../../helpers/subscribers';
import type { E2eSubgraph } from '../e2e/stack';
import {
  createStarted,
  startMirrorSimulator,
  startMirroredSubgraph,
  waitForSynced,
} from '../e2e/mirrorStack';

/**
 * Live boards end to end through a real gateway: Hive Gateway (`.ci/run` installs the pinned
 * version; without it this is skipped locally and fails under CI=true) over the supergraph
 * composed from this subgraph's SDL. A client subscribes at the gateway over SSE; the gateway
 * subscribes at the subgraph over graphql-ws (`ws`) or SSE (`http`); a reservation made at the
 * till, or by a mutation through the gateway, reaches the client with the entity's fields.
 */

jest.setTimeout(240_000);

/** Generous bounds for a loaded 2-core machine: against hanging, not a performance goal. */
const BOUND_MS = 60_000;
const STATION = 2;
const BOARD = /* GraphQL */ `
  subscription ($station: Int!) {
    reservationChanged(stationNumber: $station) {
      change
      id
      reservation {
        id
        persons
        status
        station {
          number
          name
        }
      }
    }
  }
`;
const STATIONS = '{ stations { number name active } }';
const CREATE = /* GraphQL */ `
  mutation ($input: ReservationInput!) {
    createReservation(input: $input) {
      id
      persons
    }
  }
`;

interface Answer {
  status: number;
  body: { data?: Record<string, unknown> | null; errors?: unknown[] };
}

async function post(url: string, query: string, variables?: Record<string, unknown>) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: (await response.json()) as Answer['body'] };
}

const changed = (item: Received) =>
  (item.data?.reservationChanged as { id?: number } | undefined) ?? {};

describeWithHiveGateway('live boards through Hive Gateway', (bin) => {
  const started = createStarted();
  let sim: RunningSimulator;
  let subgraph: E2eSubgraph;
  let supergraph: Supergraph;
  let stationName: string;
  const subscribers = (n: number) =>
    eventually(
      `${n} subscriptions at the subgraph`,
      () => subgraph.running.changes.subscriptions?.changes.size() === n,
      BOUND_MS,
    );

  beforeAll(async () => {
    sim = started.track(await startMirrorSimulator(), (s) => s.close());
    // MIRROR_ENV: a delta pass every 500 ms (the shortest interval allowed).
    subgraph = started.track(await startMirroredSubgraph(sim), (s) => s.stop());
    await waitForSynced(subgraph);
    supergraph = started.track(await composeSupergraph('hypersoft', subgraph.url), async (s) =>
      s.remove(),
    );
    const stations = (await post(subgraph.url, STATIONS)).body.data?.stations as Array<{
      number: number;
      name: string;
    }>;
    stationName = stations.find((s) => s.number === STATION)!.name;
    expect(stationName).toEqual(expect.any(String));
  }, BOUND_MS * 3);
  afterAll(() => started.stopAll(), BOUND_MS);

  describe.each([
    { kind: 'ws' as const, change: 'a change at the till' },
    { kind: 'http' as const, change: 'a mutation through the gateway' },
  ])('gateway → subgraph over $kind', ({ kind, change }) => {
    let gateway: RunningHiveGateway;
    beforeAll(async () => {
      gateway = started.track(
        await startHiveGateway({ bin, supergraph, name: 'hypersoft', kind, timeoutMs: BOUND_MS }),
        (g) => g.stop(),
      );
    }, BOUND_MS * 2);
    afterAll(() => gateway?.stop());

    it('answers a query as the subgraph does', async () => {
      const direct = await post(subgraph.url, STATIONS);
      const through = await post(gateway.url, STATIONS);
      expect(through.status).toBe(200);
      expect(through.body.errors).toBeUndefined();
      expect(through.body.data).toEqual(direct.body.data);
      expect((through.body.data?.stations as unknown[]).length).toBeGreaterThan(0);
    });

    it(`delivers ${change} to an SSE subscriber at the gateway, with the entity's fields`, async () => {
      const board = subscribeSse(gateway.url, BOARD, { station: STATION });
      try {
        // The gateway has subscribed at the subgraph: the change cannot come before it.
        await subscribers(1);
        const persons = kind === 'ws' ? 7 : 5;
        const start = new Date(Date.now() + 3_600_000).toISOString();
        let id: number;
        if (kind === 'ws') {
          const [reservation] = await tillChange(sim, 'reservations', {
            ReservationID: 0,
            StationNumber: STATION,
            Start: start,
            DurationMinutes: 60,
            Persons: persons,
            Status: 1,
          });
          id = reservation.ReservationID as number;
        } else {
          const created = await post(gateway.url, CREATE, {
            input: { stationNumber: STATION, start, persons, guestName: 'Hive' },
          });
          expect(created.body.errors).toBeUndefined();
          id = (created.body.data?.createReservation as { id: number }).id;
        }
        expect(id).toBeGreaterThan(0);
        const event = await board.waitFor((item) => changed(item).id === id, BOUND_MS);
        expect(event.errors).toBeUndefined();
        expect(event.data?.reservationChanged).toEqual({
          change: 'CREATED',
          id,
          reservation: {
            id,
            persons,
            // Status 1 at the till; a reservation made through the API is a request.
            status: kind === 'ws' ? 'CONFIRMED' : 'REQUESTED',
            station: { number: STATION, name: stationName },
          },
        });
      } finally {
        board.dispose();
      }
      // The client's end reaches the subgraph through the gateway.
      await subscribers(0);
    });
  });
});
