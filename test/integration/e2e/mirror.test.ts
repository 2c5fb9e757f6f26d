import type { RunningSimulator } from '../../../src/simulator';
import {
  NO_FILTER,
  callJson,
  setSimulatorClock,
  tillChange,
  tillDelete,
} from '../../helpers/simulator';
import { AUDITOR_TOKENS, type E2eSubgraph } from './stack';
import {
  NO_DELTAS,
  callsBetween,
  callsByOperation,
  createStarted,
  eventually,
  startMirrorSimulator,
  startMirroredSubgraph,
  waitForReadiness,
  waitForSynced,
} from './mirrorStack';

/**
 * The local mirror end to end: a subgraph with MIRROR=true in front of the simulator (real
 * SOAP over sockets), observed through GraphQL, /readyz, /metrics and the simulator's own
 * call counters (which count exactly as API300 does).
 */

jest.setTimeout(120_000);

const started = createStarted();
afterEach(() => started.stopAll());

async function stack(
  env: Record<string, string> = {},
  prepare?: (sim: RunningSimulator) => Promise<unknown>,
): Promise<{ sim: RunningSimulator; subgraph: E2eSubgraph }> {
  const sim = started.track(await startMirrorSimulator(), (s) => s.close());
  await prepare?.(sim);
  const subgraph = started.track(await startMirroredSubgraph(sim, env), (s) => s.stop());
  await waitForSynced(subgraph);
  return { sim, subgraph };
}

/** The data of a GraphQL answer; fails the test with the whole body when there is an error. */
async function data<T>(
  subgraph: E2eSubgraph,
  query: string,
  variables?: Record<string, unknown>,
): Promise<T> {
  const answer = await subgraph.query(query, variables);
  if (answer.outcome !== 'data' || answer.body?.errors?.length)
    throw new Error(`query failed: ${JSON.stringify(answer.body ?? answer.outcome)}`);
  return answer.body!.data as T;
}

const CUSTOMER_WITH_VISITS = /* GraphQL */ `
  query ($number: Int!) {
    customer(number: $number) {
      number
      lastName
      reservations {
        id
        start
        status
      }
      tickets {
        number
        status
      }
    }
  }
`;

const SEARCH = /* GraphQL */ `
  query ($search: String!) {
    customers(filter: { search: $search }, first: 100) {
      totalCount
      edges {
        node {
          number
          firstName
          lastName
        }
      }
    }
  }
`;

const DAY_BOARD = /* GraphQL */ `
  query ($station: Int!, $from: DateTime!, $to: DateTime!) {
    reservations(
      filter: { stationNumber: $station, from: $from, to: $to }
      orderBy: START
      first: 500
    ) {
      totalCount
      edges {
        node {
          id
          start
          station {
            name
          }
        }
      }
    }
  }
`;

const TICKETS_BY_STATUS = /* GraphQL */ `
  query ($status: [TicketStatus!]) {
    tickets(filter: { status: $status }, first: 500) {
      totalCount
      edges {
        node {
          number
          status
        }
      }
    }
  }
`;

const RESERVATIONS_BY_STATUS = /* GraphQL */ `
  query ($status: [ReservationStatus!], $first: Int!, $after: String) {
    reservations(filter: { status: $status }, orderBy: START, first: $first, after: $after) {
      totalCount
      pageInfo {
        endCursor
        hasNextPage
      }
      edges {
        node {
          id
          start
          status
        }
      }
    }
  }
`;

type Reservation = { id: number; start: string; status: string };
type Connection<N> = {
  totalCount: number | null;
  pageInfo: { endCursor: string | null; hasNextPage: boolean };
  edges: Array<{ node: N }>;
};

const ids = (c: Connection<{ id: number }>) => c.edges.map((e) => e.node.id);

interface CustomerWithVisits {
  number: number;
  lastName: string | null;
  reservations: Reservation[] | null;
  tickets: Array<{ number: string; status: string }> | null;
}

async function customerWithVisits(
  subgraph: E2eSubgraph,
  number: number,
): Promise<CustomerWithVisits | null> {
  return (
    await data<{ customer: CustomerWithVisits | null }>(subgraph, CUSTOMER_WITH_VISITS, { number })
  ).customer;
}

/** Numbers of the customers a search finds, in the order served. */
async function searchNumbers(subgraph: E2eSubgraph, search: string): Promise<number[]> {
  const { customers } = await data<{ customers: Connection<{ number: number }> }>(
    subgraph,
    SEARCH,
    { search },
  );
  return customers.edges.map((e) => e.node.number);
}

/** Open reservations (REQUESTED 0, CONFIRMED 1) as the simulator holds them, read with the auditor's pair. */
async function openReservationsAtTheSimulator(sim: RunningSimulator): Promise<number> {
  const answer = await callJson(sim, 'GetReservations', NO_FILTER.GetReservations, {
    tokens: AUDITOR_TOKENS,
  });
  const d = (answer.json as { d: { TotalCount: number; Reservations: Array<{ Status: number }> } })
    .d;
  expect(d.TotalCount).toBe(d.Reservations.length); // one page holds them all
  return d.Reservations.filter((r) => r.Status === 0 || r.Status === 1).length;
}

/** Valid tickets (Status 0) as the simulator holds them, read with the auditor's pair. */
async function validTicketsAtTheSimulator(sim: RunningSimulator): Promise<number> {
  const answer = await callJson(sim, 'GetTickets', NO_FILTER.GetTickets, {
    tokens: AUDITOR_TOKENS,
  });
  const d = (answer.json as { d: { TotalCount: number; Tickets: Array<{ Status: number }> } }).d;
  expect(d.TotalCount).toBe(d.Tickets.length);
  return d.Tickets.filter((t) => t.Status === 0).length;
}

const FOLDING_CUSTOMERS = [
  { CustomerNumber: 90001, FirstName: 'Jürgen', Name: 'Müller' },
  { CustomerNumber: 90002, FirstName: 'Grete', Name: 'Weißgerber' },
  { CustomerNumber: 90003, FirstName: 'Hans', Name: 'Mueller' },
];

describe('the mirror end to end', () => {
  test('once synced, 200 varied reads make no upstream call at all', async () => {
    let visit = { reservation: 0, ticket: '' };
    const { sim, subgraph } = await stack(NO_DELTAS, async (s) => {
      await tillChange(s, 'customers', FOLDING_CUSTOMERS);
      const [reservation] = await tillChange(s, 'reservations', {
        ReservationID: 0,
        StationNumber: 1,
        CustomerNumber: 90001,
        Start: new Date(Date.now() + 86_400_000).toISOString(),
        DurationMinutes: 90,
        Persons: 4,
        Status: 1,
      });
      const [ticket] = await tillChange(s, 'tickets', {
        TicketNumber: '',
        ArticleNumber: 1,
        ArticleName: 'Gutschein',
        CustomerNumber: 90001,
        ValidFrom: new Date(Date.now() - 86_400_000).toISOString(),
        ValidTo: new Date(Date.now() + 365 * 86_400_000).toISOString(),
        Price: 50,
        Status: 0,
      });
      visit = {
        reservation: reservation.ReservationID as number,
        ticket: ticket.TicketNumber as string,
      };
    });
    const board = new Date();
    const from = new Date(board.getTime() - 14 * 86_400_000).toISOString();
    const to = new Date(board.getTime() + 14 * 86_400_000).toISOString();
    const before = await callsByOperation(sim);

    const checks: Array<() => Promise<void>> = [
      async () => {
        const customer = await customerWithVisits(subgraph, 90001);
        expect(customer?.lastName).toBe('Müller');
        expect(customer?.reservations?.map((r) => r.id)).toEqual([visit.reservation]);
        expect(customer?.tickets?.map((t) => t.number)).toEqual([visit.ticket]);
      },
      async () => {
        // German folding both ways: "mueller" finds Müller and Mueller; "jürgen müller" both words.
        const numbers = await searchNumbers(subgraph, 'mueller');
        expect(numbers).toEqual(expect.arrayContaining([90001, 90003]));
      },
      async () => {
        expect(await searchNumbers(subgraph, 'juergen müller')).toEqual([90001]);
      },
      async () => {
        expect(await searchNumbers(subgraph, 'weissgerber grete')).toEqual([90002]);
      },
      async () => {
        const { reservations } = await data<{
          reservations: Connection<{ id: number; start: string; station: { name: string } }>;
        }>(subgraph, DAY_BOARD, { station: 1, from, to });
        const starts = reservations.edges.map((e) => Date.parse(e.node.start));
        expect(starts.length).toBeGreaterThan(0);
        expect(starts).toEqual([...starts].sort((a, b) => a - b));
        expect(reservations.totalCount).toBe(starts.length);
      },
      async () => {
        const { tickets } = await data<{ tickets: Connection<{ number: string; status: string }> }>(
          subgraph,
          TICKETS_BY_STATUS,
          { status: ['VALID'] },
        );
        expect(tickets.edges.length).toBeGreaterThan(0);
        expect(tickets.edges.every((e) => e.node.status === 'VALID')).toBe(true);
        expect(tickets.totalCount).toBe(tickets.edges.length);
      },
    ];
    for (let i = 0; i < 200; i++) await checks[i % checks.length]();

    expect(callsBetween(before, await callsByOperation(sim))).toEqual({});
  });

  test('/metrics reports the customers the mirror holds', async () => {
    const { subgraph } = await stack(NO_DELTAS);
    const { customers } = await data<{ customers: { totalCount: number } }>(
      subgraph,
      '{ customers(first: 500) { totalCount } }',
    );
    const text = await (await fetch(new URL('/metrics', subgraph.url))).text();
    const line = text
      .split('\n')
      .find((l) => l.startsWith('hypersoft_mirror_records{kind="customers"}'));
    expect(line).toBe(`hypersoft_mirror_records{kind="customers"} ${customers.totalCount}`);
    expect(customers.totalCount).toBe(60);
  });

  test('a status filter gives exact totals and full pages in start order, and a cursor survives an insert before it', async () => {
    const { sim, subgraph } = await stack();
    const open = ['REQUESTED', 'CONFIRMED'];
    const all = (
      await data<{ reservations: Connection<Reservation> }>(subgraph, RESERVATIONS_BY_STATUS, {
        status: open,
        first: 500,
      })
    ).reservations;
    const list = all.edges.map((e) => e.node);
    expect(list.length).toBeGreaterThan(20);
    expect(all.totalCount).toBe(list.length);
    expect(list.length).toBe(await openReservationsAtTheSimulator(sim));
    const { tickets } = await data<{ tickets: Connection<{ number: string; status: string }> }>(
      subgraph,
      TICKETS_BY_STATUS,
      { status: ['VALID'] },
    );
    expect(tickets.totalCount).toBe(await validTicketsAtTheSimulator(sim));
    expect(tickets.edges).toHaveLength(tickets.totalCount!);
    expect(list.every((r) => open.includes(r.status))).toBe(true);
    const starts = list.map((r) => Date.parse(r.start));
    expect(starts).toEqual([...starts].sort((a, b) => a - b));

    const page1 = (
      await data<{ reservations: Connection<Reservation> }>(subgraph, RESERVATIONS_BY_STATUS, {
        status: open,
        first: 10,
      })
    ).reservations;
    expect(ids(page1)).toEqual(list.slice(0, 10).map((r) => r.id));
    expect(page1.totalCount).toBe(list.length);
    expect(page1.pageInfo.hasNextPage).toBe(true);

    // Inserted at the till before every record of page 1 (an hour before the first start).
    const [inserted] = await tillChange(sim, 'reservations', {
      ReservationID: 0,
      StationNumber: 1,
      GuestName: 'Früh',
      Start: new Date(starts[0] - 3_600_000).toISOString(),
      DurationMinutes: 60,
      Persons: 2,
      Status: 1,
    });
    await eventually('the inserted reservation served first', async () => {
      const { reservations } = await data<{ reservations: Connection<Reservation> }>(
        subgraph,
        RESERVATIONS_BY_STATUS,
        { status: open, first: 1 },
      );
      return reservations.edges[0]?.node.id === inserted.ReservationID ? true : undefined;
    });

    const page2 = (
      await data<{ reservations: Connection<Reservation> }>(subgraph, RESERVATIONS_BY_STATUS, {
        status: open,
        first: 10,
        after: page1.pageInfo.endCursor,
      })
    ).reservations;
    expect(ids(page2)).toEqual(list.slice(10, 20).map((r) => r.id));
    expect(page2.totalCount).toBe(list.length + 1);
  });

  test('a change at the till is served through GraphQL after a delta pass', async () => {
    const { sim, subgraph } = await stack();
    await tillChange(sim, 'customers', { CustomerNumber: 10002, Name: 'Tillgeändert' });
    const seen = await eventually('the till change', async () => {
      const customer = await customerWithVisits(subgraph, 10002);
      return customer?.lastName === 'Tillgeändert' ? customer : undefined;
    });
    expect(seen.number).toBe(10002);
  });

  test('a customer deleted at the till stays until a reconciliation, which removes it', async () => {
    // Reconciliation runs every 60 s at the shortest, and once after autumn's repeated hour:
    // the service clock jumped just past that hour triggers one without waiting a minute.
    const { sim, subgraph } = await stack({ MIRROR_SYNC_OVERLAP_MS: '0' });
    await tillDelete(sim, 'customers', 10003);

    // Delta passes cannot see a delete (API300 reports none): the customer is still served.
    const before = await callsByOperation(sim);
    await eventually('two more customer delta passes', async () => {
      const now = await callsByOperation(sim);
      return (now.GetCustomers ?? 0) >= (before.GetCustomers ?? 0) + 2 ? true : undefined;
    });
    expect((await customerWithVisits(subgraph, 10003))?.number).toBe(10003);

    await setSimulatorClock(sim, { at: '2027-10-31T03:00:01+01:00' });
    await eventually('the deleted customer gone', async () =>
      (await customerWithVisits(subgraph, 10003)) === null ? true : undefined,
    );
    const after = await waitForReadiness(
      subgraph,
      (r) => (r.mirror?.kinds.customers?.lastReconciliation?.removed ?? 0) >= 1,
    );
    expect(after.mirror?.records.customers).toBe(59);
    expect((await customerWithVisits(subgraph, 10004))?.number).toBe(10004);
  });

  test('a write is read back from the mirror at once, without a list read', async () => {
    const { sim, subgraph } = await stack(NO_DELTAS);
    const before = await callsByOperation(sim);

    const { createCustomer } = await data<{ createCustomer: { number: number } }>(
      subgraph,
      `mutation { createCustomer(input: { firstName: "Ödön", lastName: "Quästorius" }) { number } }`,
    );
    expect(await searchNumbers(subgraph, 'oedoen quaestorius')).toEqual([createCustomer.number]);

    const { updateCustomer } = await data<{ updateCustomer: { lastName: string } }>(
      subgraph,
      `mutation ($n: Int!) { updateCustomer(number: $n, patch: { lastName: "Quästor" }) { lastName } }`,
      { n: createCustomer.number },
    );
    expect(updateCustomer.lastName).toBe('Quästor');
    expect((await customerWithVisits(subgraph, createCustomer.number))?.lastName).toBe('Quästor');
    expect(await searchNumbers(subgraph, 'quaestor')).toEqual([createCustomer.number]);

    // The two writes and the fresh read of the update; the reads after them came from the mirror.
    expect(callsBetween(before, await callsByOperation(sim))).toEqual({
      SetCustomer: 2,
      GetCustomer: 1,
    });
  });
});
