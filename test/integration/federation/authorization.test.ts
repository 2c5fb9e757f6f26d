import { readFileSync } from 'node:fs';
import path from 'node:path';
import { composeServices as composeWithHive } from '@theguild/federation-composition';
import {
  Kind,
  parse,
  print,
  type ConstDirectiveNode,
  type DocumentNode,
  type FieldDefinitionNode,
} from 'graphql';
import { loadConfig } from '../../../src/config';
import { createApp, type App } from '../../../src/graphql/server';
import { PERSONAL_FIELDS } from '../../../src/domain/personalData';
import { FakeRepository } from '../../helpers/fakeRepository';
import { composeSupergraph, fetchServiceSdl, type SubgraphSource } from '../../helpers/gateway';
import { SUBGRAPH_NAME } from './harness';

/**
 * Authorization declared for the router (docs/federation.md, "Authorization"): `@authenticated`
 * on the entities, `@requiresScopes` on personal fields and on every mutation — and the SDL
 * with them composes through Apollo's composition and through Hive Gateway's
 * (@theguild/federation-composition), with the directives kept in the supergraph.
 */

const PERSONAL_READ = 'hypersoft:personal:read';
const WRITE_SCOPES: Record<string, string> = {
  createCustomer: 'hypersoft:customers:write',
  updateCustomer: 'hypersoft:customers:write',
  importCustomers: 'hypersoft:customers:write',
  createReservation: 'hypersoft:reservations:write',
  updateReservation: 'hypersoft:reservations:write',
  cancelReservation: 'hypersoft:reservations:write',
  issueTicket: 'hypersoft:tickets:write',
  redeemTicket: 'hypersoft:tickets:write',
};
/** Personal fields that are not in PERSONAL_FIELDS (which lists the fields of refusals). */
const ALSO_PERSONAL = ['gender', 'reachableFrom', 'reachableTo'];

const ROOT = path.resolve(__dirname, '..', '..', '..');
const FIXTURES = ['orders', 'loyalty'].map((name) => ({
  name,
  url: `http://${name}.internal/graphql`,
  sdl: readFileSync(path.join(ROOT, 'test', 'fixtures', 'subgraphs', `${name}.graphql`), 'utf8'),
}));

/** The scopes of a `@requiresScopes(scopes: [[…]])`, flattened; `null` without the directive. */
function scopesOf(directives: readonly ConstDirectiveNode[] | undefined): string[] | null {
  const directive = directives?.find((d) => d.name.value === 'requiresScopes');
  if (!directive) return null;
  return [...print(directive).matchAll(/"([^"]+)"/g)].map((m) => m[1]);
}

function typeOf(document: DocumentNode, name: string) {
  const types = document.definitions.filter(
    (d) =>
      (d.kind === Kind.OBJECT_TYPE_DEFINITION || d.kind === Kind.OBJECT_TYPE_EXTENSION) &&
      d.name.value === name,
  );
  const fields = types.flatMap((t) =>
    'fields' in t ? ((t.fields ?? []) as FieldDefinitionNode[]) : [],
  );
  const directives = types.flatMap((t) => ('directives' in t ? (t.directives ?? []) : []));
  return {
    directives,
    field: (field: string) => fields.find((f) => f.name.value === field),
    fields,
  };
}

/** Checks the declarations this file is about in a subgraph SDL or a supergraph. */
function expectAuthorizationDeclared(document: DocumentNode): void {
  for (const entity of ['Customer', 'Reservation', 'Ticket']) {
    expect([entity, typeOf(document, entity).directives.map((d) => d.name.value)]).toEqual([
      entity,
      expect.arrayContaining(['authenticated']),
    ]);
  }
  for (const entity of ['Customer', 'Reservation']) {
    const type = typeOf(document, entity);
    for (const field of type.fields) {
      const name = field.name.value;
      if (!PERSONAL_FIELDS.has(name) && !ALSO_PERSONAL.includes(name)) continue;
      expect([entity, name, scopesOf(field.directives)]).toEqual([entity, name, [PERSONAL_READ]]);
    }
  }
  expect(scopesOf(typeOf(document, 'Query').field('customers')?.directives)).toEqual([
    PERSONAL_READ,
  ]);
  const mutation = typeOf(document, 'Mutation');
  for (const [name, scope] of Object.entries(WRITE_SCOPES)) {
    expect([name, scopesOf(mutation.field(name)?.directives)]).toEqual([name, [scope]]);
  }
}

describe('authorization declared for the router', () => {
  let app: App;
  let subgraphs: SubgraphSource[];

  beforeAll(async () => {
    app = await createApp({
      config: loadConfig({}),
      repository: new FakeRepository(),
      stopGracePeriodMs: 1000,
    });
    const url = (await app.listen(0, '127.0.0.1')).url;
    subgraphs = [{ name: SUBGRAPH_NAME, url, sdl: await fetchServiceSdl(url) }, ...FIXTURES];
  });

  afterAll(() => app.stop());

  it('marks the entities, every personal field, the customer search and every mutation in the SDL', () => {
    const sdl = parse(subgraphs[0].sdl);
    expectAuthorizationDeclared(sdl);
    expect(typeOf(sdl, 'Customer').field('email')).toBeDefined();
    expect(typeOf(sdl, 'Station').directives.map((d) => d.name.value)).not.toContain(
      'authenticated',
    );
  });

  it("composes through Apollo's composition, keeping the directives in the supergraph", () => {
    const { supergraphSdl } = composeSupergraph(subgraphs);

    expect(supergraphSdl).toMatch(/@link\(url: "https:\/\/specs\.apollo\.dev\/requiresScopes\//);
    expectAuthorizationDeclared(parse(supergraphSdl));
  });

  it("composes through Hive Gateway's composition, keeping the directives in the supergraph", () => {
    const result = composeWithHive(
      subgraphs.map(({ name, url, sdl }) => ({ name, url, typeDefs: parse(sdl) })),
    );

    expect(result.errors?.map((e) => e.message) ?? []).toEqual([]);
    expectAuthorizationDeclared(result.supergraphDocumentNode!);
  });
});
