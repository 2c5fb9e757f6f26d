import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { GraphQLError, GraphQLScalarType } from 'graphql';
import { createApi300Client } from '../../src/data/api300/client';
import type { Api300 } from '../../src/data/api300/types';
import type { Reservation } from '../../src/domain/models';

/**
 * The naive baseline: the reservation-board shape served by resolvers that call API300 once
 * per field that needs data (one list call, then one `GetCustomer` and one `GetTickets` per
 * reservation): no loaders, no cache, no gate. Its only guard is a cap that refuses a call
 * once `capPerMinute` calls were started in the last 60 s, so the benchmark stops before the
 * simulator would lock the token pair (61st call).
 */

const typeDefs = /* GraphQL */ `
  scalar DateTime
  input ReservationFilter {
    stationNumber: Int
    from: DateTime
    to: DateTime
  }
  type Customer {
    number: Int!
    firstName: String
    lastName: String
    mobile: String
    email: String
  }
  type Ticket {
    number: String!
    articleName: String
    status: String!
  }
  type Reservation {
    id: Int!
    start: DateTime!
    durationMinutes: Int!
    persons: Int!
    tables: String
    status: String!
    guestName: String
    customer: Customer
    tickets: [Ticket!]!
  }
  type ReservationEdge {
    node: Reservation!
  }
  type ReservationConnection {
    totalCount: Int
    edges: [ReservationEdge!]!
  }
  type Query {
    reservations(filter: ReservationFilter, first: Int = 50): ReservationConnection!
  }
`;

const DateTime = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  serialize: (value) => (value as Date).toISOString(),
  parseValue: (value) => new Date(String(value)),
});

export interface CallCap {
  /** Calls started through the cap. */
  started: number;
  /** Calls refused because the cap was reached. */
  refused: number;
}

/** Wraps every method of `api` with a rolling-window cap; refusals carry `NAIVE_CAP_REACHED`. */
function capped(api: Api300, capPerMinute: number, counts: CallCap): Api300 {
  const starts: number[] = [];
  return new Proxy(api, {
    get(target, name, receiver) {
      const method = Reflect.get(target, name, receiver) as unknown;
      if (typeof method !== 'function') return method;
      return (...args: unknown[]) => {
        const now = Date.now();
        while (starts.length > 0 && starts[0] <= now - 60_000) starts.shift();
        if (starts.length >= capPerMinute) {
          counts.refused++;
          return Promise.reject(
            new GraphQLError('Naive baseline: upstream cap reached', {
              extensions: { code: 'NAIVE_CAP_REACHED' },
            }),
          );
        }
        starts.push(now);
        counts.started++;
        return (method as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

export interface NaiveServer {
  url: string;
  counts: CallCap;
  stop(): Promise<void>;
}

export async function startNaiveServer(options: {
  endpoint: string;
  cusToken: string;
  authToken: string;
  capPerMinute: number;
}): Promise<NaiveServer> {
  const counts: CallCap = { started: 0, refused: 0 };
  const api = capped(
    await createApi300Client({
      endpoint: options.endpoint,
      cusToken: options.cusToken,
      authToken: options.authToken,
      timeoutMs: 10_000,
      transport: 'soap11',
    }),
    options.capPerMinute,
    counts,
  );
  const server = new ApolloServer({
    typeDefs,
    resolvers: {
      DateTime,
      Query: {
        async reservations(
          _: unknown,
          args: { filter?: { stationNumber?: number; from?: Date; to?: Date }; first: number },
        ) {
          const page = await api.getReservations({
            stationNumber: args.filter?.stationNumber,
            from: args.filter?.from ?? null,
            to: args.filter?.to ?? null,
            pageIndex: 0,
            pageSize: args.first,
          });
          return { totalCount: page.totalCount, edges: page.items.map((node) => ({ node })) };
        },
      },
      Reservation: {
        customer: (r: Reservation) =>
          r.customerNumber === null ? null : api.getCustomer(r.customerNumber),
        tickets: async (r: Reservation) =>
          (await api.getTickets({ reservationIds: [r.id], pageIndex: 0, pageSize: 500 })).items,
      },
    },
  });
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
  return { url, counts, stop: () => server.stop() };
}
