import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildSchema, isObjectType, type GraphQLSchema } from 'graphql';
import { loadConfig } from '../../../src/config';
import { createApp, type App } from '../../../src/graphql/server';
import { FakeRepository } from '../../helpers/fakeRepository';
import {
  composeSupergraph,
  fetchServiceSdl,
  type CompositionHint,
  type SubgraphSource,
} from '../../helpers/gateway';
import { SUBGRAPH_NAME } from './harness';

/**
 * Composition hints that do not matter, each with the reason. Any other hint fails the test:
 * most hints point at a real defect in a supergraph (an inconsistent value type, a field
 * that cannot be shared, an unused key …).
 */
const ALLOWED_HINTS: { code: string; about?: RegExp; reason: string }[] = [
  {
    code: 'UNUSED_ENUM_TYPE',
    about: /"CacheControlScope"/,
    reason:
      'the enum exists for the @cacheControl declaration that Apollo Server reads; composition ' +
      'drops the directive (it is not composed) and keeps the enum as a harmless output enum',
  },
  {
    code: 'INCONSISTENT_DESCRIPTION',
    reason: 'two teams documenting a shared type (PageInfo, DateTime) in their own words',
  },
];

const ROOT = path.resolve(__dirname, '..', '..', '..');

interface ListedSubgraph {
  name: string;
  routingUrl: string;
  /** Schema file relative to the repository root, or null when rover reads `subgraph_url`. */
  file: string | null;
}

/** The subgraphs of supergraph.yaml (rover's format; only the keys this file uses). */
function subgraphsOfSupergraphYaml(): ListedSubgraph[] {
  const lines = readFileSync(path.join(ROOT, 'supergraph.yaml'), 'utf8')
    .split('\n')
    .filter((l) => !/^\s*(#|$)/.test(l));
  const listed: ListedSubgraph[] = [];
  for (const line of lines.slice(lines.indexOf('subgraphs:') + 1)) {
    const name = /^ {2}(\w+):$/.exec(line)?.[1];
    if (name) listed.push({ name, routingUrl: '', file: null });
    const routingUrl = /^ {4}routing_url: (\S+)$/.exec(line)?.[1];
    if (routingUrl) listed[listed.length - 1].routingUrl = routingUrl;
    const file = /^ {6}file: (\S+)$/.exec(line)?.[1];
    if (file) listed[listed.length - 1].file = file;
  }
  return listed;
}

function mattering(hints: CompositionHint[]): string[] {
  return hints
    .filter(
      (h) =>
        !ALLOWED_HINTS.some(
          (allowed) =>
            allowed.code === h.definition.code && (!allowed.about || allowed.about.test(h.message)),
        ),
    )
    .map((h) => `${h.definition.code}: ${h.message}`);
}

function fieldsOf(schema: GraphQLSchema, typeName: string): string[] {
  const type = schema.getType(typeName);
  if (!isObjectType(type)) throw new Error(`${typeName} is not an object type`);
  return Object.keys(type.getFields());
}

describe('composing this subgraph into a supergraph', () => {
  let app: App;
  let subgraphUrl: string;
  let sdl: string;

  beforeAll(async () => {
    app = await createApp({
      config: loadConfig({}),
      repository: new FakeRepository(),
      stopGracePeriodMs: 1000,
    });
    subgraphUrl = (await app.listen(0, '127.0.0.1')).url;
    sdl = await fetchServiceSdl(subgraphUrl);
  });

  afterAll(() => app.stop());

  function subgraphsAsListedInSupergraphYaml(): SubgraphSource[] {
    return subgraphsOfSupergraphYaml().map(({ name, routingUrl, file }) =>
      file === null
        ? { name, url: subgraphUrl, sdl }
        : { name, url: routingUrl, sdl: readFileSync(path.join(ROOT, file), 'utf8') },
    );
  }

  it('lists this subgraph (read from `_service`) and the orders and loyalty fixtures in supergraph.yaml', () => {
    const listed = subgraphsOfSupergraphYaml();
    expect(listed.map((s) => s.name)).toEqual([SUBGRAPH_NAME, 'orders', 'loyalty']);
    expect(listed.find((s) => s.name === SUBGRAPH_NAME)?.file).toBeNull();
  });

  it('serves an SDL with a Federation 2 link and a key on every entity', () => {
    expect(sdl).toMatch(/@link\(url: "https:\/\/specs\.apollo\.dev\/federation\/v2\.\d+"/);
    for (const [type, key] of [
      ['Customer', 'number'],
      ['Reservation', 'id'],
      ['Ticket', 'number'],
      ['Station', 'number'],
    ]) {
      expect(sdl).toMatch(new RegExp(`type ${type}[^{]*@key\\(fields: "${key}"\\)`));
    }
    // A valid SDL on its own (once the federation directives are declared by composition).
    expect(() => buildSchema(sdl, { assumeValidSDL: true })).not.toThrow();
  });

  it('composes with the subgraphs of supergraph.yaml without errors or hints that matter', () => {
    const { hints } = composeSupergraph(subgraphsAsListedInSupergraphYaml());
    expect(mattering(hints)).toEqual([]);
  });

  it('gives a supergraph where Customer joins fields of this subgraph and of loyalty, and orders point at customers and reservations', () => {
    const api = composeSupergraph(subgraphsAsListedInSupergraphYaml()).apiSchema;
    expect(fieldsOf(api, 'Customer')).toEqual(
      expect.arrayContaining([
        'number',
        'lastName',
        'reservations',
        'tickets',
        'loyaltyPoints',
        'loyaltyTier',
      ]),
    );
    expect(fieldsOf(api, 'Order')).toEqual(expect.arrayContaining(['customer', 'reservation']));
    expect(fieldsOf(api, 'Query')).toEqual(
      expect.arrayContaining(['customer', 'customers', 'ticket', 'stations', 'orders']),
    );
  });

  it('fails to compose when another subgraph declares PageInfo without @shareable, so the directive is what makes it work', () => {
    const subgraphs = subgraphsAsListedInSupergraphYaml().map((s) =>
      s.name === 'orders'
        ? { ...s, sdl: s.sdl.replace('type PageInfo @shareable', 'type PageInfo') }
        : s,
    );
    expect(() => composeSupergraph(subgraphs)).toThrow(/INVALID_FIELD_SHARING|shareable/i);
  });
});
