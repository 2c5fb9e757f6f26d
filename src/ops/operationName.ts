import type { GraphQLRequestContext } from '@apollo/server';
import { Kind } from 'graphql';

/** The GraphQL name grammar, capped at 100 characters (names are client-chosen). */
const NAME = /^[_A-Za-z][_0-9A-Za-z]{0,99}$/;

/**
 * The operation's name: as Apollo resolved it, else (when validation failed) the one the
 * client asked for or the only operation of the parsed document; `null` for anonymous
 * operations. Text that is not a GraphQL name never comes back, so a client cannot smuggle
 * data into logs or metric labels through it.
 */
export function operationNameOf(requestContext: GraphQLRequestContext<object>): string | null {
  const operations = (requestContext.document?.definitions ?? []).filter(
    (d) => d.kind === Kind.OPERATION_DEFINITION,
  );
  const name =
    requestContext.operationName ??
    requestContext.request.operationName ??
    (operations.length === 1 ? operations[0].name?.value : undefined) ??
    null;
  return name !== null && NAME.test(name) ? name : null;
}
