import { FEMALE_FIRST_NAMES, LAST_NAMES, MALE_FIRST_NAMES } from '../../src/simulator/names';
import { berlinDay, BOARD_QUERY } from './board';
import { postGraphQL, type GraphQLAnswer } from './graphql';
import { runLoad, type LoadReport } from './load';

/**
 * The front-desk workload: staff clients, each serving one guest after the other. For each
 * guest a client types the guest's name into the customer search (one search per keystroke,
 * from the third letter on, sometimes first name and last name), opens one station's
 * reservations for one day of the next two weeks (the day board), then opens one customer
 * found by the search with their reservations and tickets. Every request counts on its own.
 * Deterministic: client `c` draws from its own seeded sequence.
 */

export const SEARCH_QUERY = /* GraphQL */ `
  query GuestSearch($search: String!) {
    customers(filter: { search: $search }, first: 10) {
      totalCount
      edges {
        node {
          number
          firstName
          lastName
          company
          mobile
        }
      }
    }
  }
`;

export const CUSTOMER_QUERY = /* GraphQL */ `
  query GuestDetails($number: Int!) {
    customer(number: $number) {
      number
      firstName
      lastName
      email
      mobile
      birthday
      memo
      reservations {
        id
        start
        persons
        status
        station {
          name
        }
      }
      tickets {
        number
        articleName
        status
        validTo
      }
    }
  }
`;

const BOARD_DAYS = 14;
const FIRST_CUSTOMER = 10001;

function seeded(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

type Step = { query: string; variables: Record<string, unknown>; kind: StepKind };
export type StepKind = 'search' | 'board' | 'customer';

/** The requests of one guest, in order; `found` is the number the search would open. */
function guestSteps(random: () => number, stations: number, customers: number): Step[] {
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)];
  const lastName = pick(LAST_NAMES);
  const typed =
    random() < 0.3
      ? `${pick(random() < 0.5 ? FEMALE_FIRST_NAMES : MALE_FIRST_NAMES)} ${lastName}`
      : lastName;
  const steps: Step[] = [];
  for (let n = 3; n <= Math.min(typed.length, 9); n++)
    steps.push({ kind: 'search', query: SEARCH_QUERY, variables: { search: typed.slice(0, n) } });
  const station = 1 + Math.floor(random() * stations);
  const day = Math.floor(random() * BOARD_DAYS);
  steps.push({ kind: 'board', query: BOARD_QUERY, variables: { station, ...berlinDay(day) } });
  steps.push({
    kind: 'customer',
    query: CUSTOMER_QUERY,
    variables: { number: FIRST_CUSTOMER + Math.floor(random() * customers) },
  });
  return steps;
}

export interface FrontDeskOptions {
  /** GraphQL URLs; client `i` uses `urls[i % urls.length]`. */
  urls: readonly string[];
  clients: number;
  durationMs: number;
  stations: number;
  /** Customers in the simulator's data (numbers from 10001). */
  customers: number;
  /** Ends the load early once it says so (see `LoadOptions.stopped`). */
  stopped?: () => boolean;
}

export interface FrontDeskReport extends LoadReport {
  /** Answers with data per step kind. */
  byKind: Record<StepKind, { requests: number; data: number }>;
}

export async function runFrontDeskLoad(options: FrontDeskOptions): Promise<FrontDeskReport> {
  const queues = Array.from({ length: options.clients }, () => [] as Step[]);
  const randoms = Array.from({ length: options.clients }, (_, c) => seeded(7919 * (c + 1)));
  const kinds: StepKind[] = [];
  const byKind: FrontDeskReport['byKind'] = {
    search: { requests: 0, data: 0 },
    board: { requests: 0, data: 0 },
    customer: { requests: 0, data: 0 },
  };
  const report = await runLoad({
    clients: options.clients,
    durationMs: options.durationMs,
    stopped: options.stopped,
    request: (client, index): Promise<GraphQLAnswer> => {
      if (queues[client].length === 0)
        queues[client] = guestSteps(randoms[client], options.stations, options.customers);
      const step = queues[client].shift()!;
      kinds[index] = step.kind;
      return postGraphQL(options.urls[client % options.urls.length], step.query, {
        variables: step.variables,
      });
    },
    onAnswer: (answer, index) => {
      const kind = kinds[index];
      byKind[kind].requests += 1;
      if (answer.outcome === 'data') byKind[kind].data += 1;
    },
  });
  return { ...report, byKind };
}

/** `customer(number)` reads of `distinct` customers spread over `total` requests. */
export function runCustomerReads(options: {
  urls: readonly string[];
  clients: number;
  total: number;
  distinct: number;
}): Promise<LoadReport> {
  const random = seeded(104729);
  const numbers = Array.from({ length: options.total }, (_, i) =>
    i < options.distinct
      ? FIRST_CUSTOMER + i
      : FIRST_CUSTOMER + Math.floor(random() * options.distinct),
  );
  for (let i = numbers.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [numbers[i], numbers[j]] = [numbers[j], numbers[i]];
  }
  return runLoad({
    clients: options.clients,
    total: options.total,
    request: (client, index) =>
      postGraphQL(options.urls[client % options.urls.length], CUSTOMER_QUERY, {
        variables: { number: numbers[index] },
      }),
  });
}
