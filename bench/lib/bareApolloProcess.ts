import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';

/**
 * Child-process entry of the hot-read ceiling: a bare Apollo Server (no plugins, limits,
 * loaders or cache) answering `customer(number)` with the record in `HOT_CUSTOMER` (JSON,
 * the subgraph's own answer) from memory. Reports `{ url }` over IPC, stops on `stop`.
 */

const typeDefs = /* GraphQL */ `
  type Reservation {
    id: Int!
    start: String!
    persons: Int!
    status: String!
  }
  type Customer {
    number: Int!
    firstName: String
    lastName: String
    email: String
    city: String
    reservations: [Reservation!]!
  }
  type Query {
    customer(number: Int!): Customer
  }
`;

async function main(): Promise<void> {
  const customer = JSON.parse(process.env.HOT_CUSTOMER ?? 'null') as { number: number } | null;
  const server = new ApolloServer({
    typeDefs,
    resolvers: {
      Query: {
        customer: (_: unknown, args: { number: number }) =>
          customer?.number === args.number ? customer : null,
      },
    },
  });
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
  const stop = async () => {
    await server.stop();
    process.exit(0);
  };
  process.on('message', (message) => {
    if (message === 'stop') void stop();
  });
  process.on('disconnect', () => void stop());
  process.send?.({ url });
}

main().catch((e: unknown) => {
  console.error('bare Apollo process failed to start:', e instanceof Error ? e.message : e);
  process.exit(1);
});
