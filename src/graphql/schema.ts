import { buildSubgraphSchema, type GraphQLResolverMap } from '@apollo/subgraph';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, type DocumentNode, type GraphQLSchema } from 'graphql';
import { findProjectFile } from '../platform/projectFile';
import { resolvers } from './resolvers';
import type { Context } from './context';

/**
 * The subgraph's SDL lives in schema/*.graphql at the package root (the same files codegen
 * reads). This file sits in src/ when run by ts-jest and in dist/src/ when built, so both
 * roots are tried.
 */
export function schemaDirectory(): string {
  return path.dirname(findProjectFile(path.join('schema', 'subgraph.graphql')));
}

/** All schema/*.graphql files as one document, in file-name order. */
export function loadTypeDefs(directory = schemaDirectory()): DocumentNode {
  const files = readdirSync(directory)
    .filter((f) => f.endsWith('.graphql'))
    .sort();
  return parse(files.map((f) => readFileSync(path.join(directory, f), 'utf8')).join('\n'));
}

/** The executable Federation 2 subgraph schema (adds `_entities`, `_service`). */
export function buildSchema(): GraphQLSchema {
  return buildSubgraphSchema([
    { typeDefs: loadTypeDefs(), resolvers: resolvers as GraphQLResolverMap<Context> },
  ]);
}
