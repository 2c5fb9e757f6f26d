import type { GraphQLRequestContext } from '@apollo/server';

/** The GraphQL name grammar, capped at 100 characters (names are client-chosen). */
const NAME = /^[_A-Za-z][_0-9A-Za-z]{0,99}$/;

/**
 * The operation's name once Apollo resolved it, else the name the client asked for when it
 * is a valid GraphQL name; `null` for anonymous operations. Client-chosen text that is not a
 * GraphQL name never comes back, so it cannot smuggle data into logs or labels.
 */
export function operationNameOf(requestContext: GraphQLRequestContext<object>): string | null {
  const name = requestContext.operationName ?? requestContext.request.operationName ?? null;
  return name !== null && NAME.test(name) ? name : null;
}
