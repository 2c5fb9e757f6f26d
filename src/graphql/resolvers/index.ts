import type { Resolvers } from '../__generated__/resolvers-types';
import type { Context } from '../context';
import { Customer } from './Customer';
import { Mutation } from './Mutation';
import { Query } from './Query';
import { Reservation } from './Reservation';
import { DateTimeScalar, LocalDateScalar, LocalTimeScalar } from './scalars';
import { Station } from './Station';
import { Subscription } from './Subscription';
import { Ticket } from './Ticket';

/** Every resolver of the subgraph, typed by codegen against schema/*.graphql. */
export const resolvers: Resolvers<Context> = {
  DateTime: DateTimeScalar,
  LocalDate: LocalDateScalar,
  LocalTime: LocalTimeScalar,
  Query,
  Mutation,
  Subscription,
  Customer,
  Reservation,
  Ticket,
  Station,
};
