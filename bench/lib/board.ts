import { berlinWallClockAt, instantOfBerlinWallClock } from '../../src/domain/berlinTime';
import { postGraphQL, type GraphQLAnswer } from './graphql';
import { runLoad, type LoadReport } from './load';

/**
 * The reservation-board workload (reservation board, naive baseline, replicas): each client
 * is a front-desk screen showing one station's reservations of one day, with each
 * reservation's customer and tickets, and refreshes it as soon as the last refresh came back.
 * Clients spread over `stations` stations and the next seven days.
 */

export const BOARD_QUERY = /* GraphQL */ `
  query ReservationBoard($station: Int!, $from: DateTime!, $to: DateTime!) {
    reservations(filter: { stationNumber: $station, from: $from, to: $to }, first: 200) {
      totalCount
      edges {
        node {
          id
          start
          durationMinutes
          persons
          tables
          status
          guestName
          customer {
            number
            firstName
            lastName
            mobile
            email
          }
          tickets {
            number
            articleName
            status
          }
        }
      }
    }
  }
`;

const BOARD_DAYS = 7;

/** `[from, to)` of the Berlin calendar day `dayOffset` days after today, as RFC 3339 instants. */
export function berlinDay(dayOffset: number, now = Date.now()): { from: string; to: string } {
  const today = berlinWallClockAt(now);
  const midnight = (offset: number) => {
    const date = new Date(Date.UTC(today.year, today.month - 1, today.day + offset));
    return new Date(
      instantOfBerlinWallClock({
        year: date.getUTCFullYear(),
        month: date.getUTCMonth() + 1,
        day: date.getUTCDate(),
        hour: 0,
        minute: 0,
        second: 0,
      }),
    ).toISOString();
  };
  return { from: midnight(dayOffset), to: midnight(dayOffset + 1) };
}

/** The board client `client` shows: station and day. */
export function boardVariables(client: number, stations: number): Record<string, unknown> {
  const station = (client % stations) + 1;
  const day = Math.floor(client / stations) % BOARD_DAYS;
  return { station, ...berlinDay(day) };
}

export interface BoardLoadOptions {
  /** GraphQL URLs; client `i` uses `urls[i % urls.length]` (one URL per replica). */
  urls: readonly string[];
  clients: number;
  durationMs: number;
  stations: number;
  timeoutMs?: number;
}

export function runBoardLoad(options: BoardLoadOptions): Promise<LoadReport> {
  const variables = Array.from({ length: options.clients }, (_, client) =>
    boardVariables(client, options.stations),
  );
  return runLoad({
    clients: options.clients,
    durationMs: options.durationMs,
    request: (client): Promise<GraphQLAnswer> =>
      postGraphQL(options.urls[client % options.urls.length], BOARD_QUERY, {
        variables: variables[client],
        timeoutMs: options.timeoutMs,
      }),
  });
}
