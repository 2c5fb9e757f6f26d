import type { GraphQLRequestContext } from '@apollo/server';
import { Kind, type DefinitionNode, type OperationDefinitionNode } from 'graphql';

/** The GraphQL name grammar, capped at 100 characters (names are client-chosen). */
const NAME = /^[_A-Za-z][_0-9A-Za-z]{0,99}$/;

/**
 * The operation's name: as Apollo resolved it, else (when validation failed) the one the
 * client asked for or the only operation of the parsed document; `null` for anonymous
 * operations. Text that is not a GraphQL name never comes back, so a client cannot smuggle
 * data into logs or metric labels through it.
 */
export function operationNameOf(requestContext: GraphQLRequestContext<object>): string | null {
  const name =
    requestContext.operationName ??
    requestContext.request.operationName ??
    onlyOperationName(requestContext.document?.definitions ?? []) ??
    null;
  return name !== null && NAME.test(name) ? name : null;
}

function onlyOperationName(definitions: readonly DefinitionNode[]): string | undefined {
  let only: OperationDefinitionNode | undefined;
  for (const d of definitions) {
    if (d.kind !== Kind.OPERATION_DEFINITION) continue;
    if (only) return undefined;
    only = d;
  }
  return only?.name?.value;
}
