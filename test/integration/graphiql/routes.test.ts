import { parse, validate } from 'graphql';
import http from 'node:http';
import { gunzipSync } from 'node:zlib';
import { loadConfig } from '../../../src/config';
import {
  CONTENT_SECURITY_POLICY,
  EXAMPLE_OPERATIONS,
  createGraphiqlRoutes,
  prefersHtml,
} from '../../../src/graphiql';
import { buildSchema } from '../../../src/graphql/schema';
import { createApp, type App } from '../../../src/graphql/server';
import { FakeRepository } from '../../helpers/fakeRepository';
import { postGraphQL } from '../../helpers/gateway';

/**
 * The GraphiQL routes over real sockets, inside the real app: which requests get the page,
 * how the assets are served and cached, and that GraphQL itself is left alone.
 */

const BROWSER_ACCEPT =
  'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';

let app: App;
let origin: string;

beforeAll(async () => {
  app = await createApp({
    config: loadConfig({}),
    repository: new FakeRepository(),
    extraRoutes: createGraphiqlRoutes(),
    stopGracePeriodMs: 1000,
  });
  const { port } = await app.listen(0, '127.0.0.1');
  origin = `http://127.0.0.1:${port}`;
});

afterAll(() => app.stop());

async function openPage(): Promise<{ response: Response; html: string }> {
  const response = await fetch(`${origin}/graphql`, { headers: { accept: BROWSER_ACCEPT } });
  return { response, html: await response.text() };
}

function assetUrls(html: string): string[] {
  return [...html.matchAll(/(?:src|href)="(\/graphiql\/assets\/[^"]+)"/g)].map((m) => m[1]);
}

describe('the GraphiQL page', () => {
  it('is what a browser gets at /graphql, with a policy that allows only this origin', async () => {
    const { response, html } = await openPage();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self';");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-eval|https?:|\*/);
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(html).toContain('<div id="graphiql">');
  });

  it('names no other host: every script and stylesheet is one of its own assets', async () => {
    const { html } = await openPage();
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<script>|<script type="(?:text|application)\/javascript">/);
    expect(assetUrls(html).map((url) => url.replace(/\?v=[0-9a-f]{16}$/, ''))).toEqual([
      '/graphiql/assets/graphiql.min.css',
      '/graphiql/assets/react.production.min.js',
      '/graphiql/assets/react-dom.production.min.js',
      '/graphiql/assets/graphiql.min.js',
      '/graphiql/assets/bootstrap.js',
    ]);
  });

  it('hands the endpoint and the example operations to the bootstrap script as inert JSON', async () => {
    const { html } = await openPage();
    const json = /<script type="application\/json" id="graphiql-config">([^<]*)<\/script>/.exec(
      html,
    );
    expect(JSON.parse(json?.[1] ?? 'null')).toEqual({
      endpoint: '/graphql',
      defaultQuery: EXAMPLE_OPERATIONS,
    });
  });

  it('is not served to GraphQL clients: JSON GETs and POSTs still reach GraphQL', async () => {
    const get = await fetch(`${origin}/graphql?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { accept: 'application/json', 'apollo-require-preflight': 'true' },
    });
    expect(get.status).toBe(200);
    await expect(get.json()).resolves.toEqual({ data: { __typename: 'Query' } });

    const post = await postGraphQL(`${origin}/graphql`, '{ __typename }');
    expect(post.body).toEqual({ data: { __typename: 'Query' } });
  });
});

describe('which Accept headers prefer the page', () => {
  it.each([
    [BROWSER_ACCEPT, true],
    ['text/html', true],
    ['application/json', false],
    ['application/graphql-response+json, application/json;q=0.9', false],
    ['*/*', false],
    ['application/json, text/html', false],
    ['text/html;q=0.5, application/json', false],
    ['text/html;q=0', false],
    [undefined, false],
  ])('Accept %p → page: %p', (accept, expected) => {
    expect(prefersHtml(accept)).toBe(expected);
  });
});

describe('the GraphiQL assets', () => {
  it('are served with their content types, and cached for a year under their versioned URL', async () => {
    const { html } = await openPage();
    for (const url of assetUrls(html)) {
      const response = await fetch(`${origin}${url}`);
      expect({ url, status: response.status }).toEqual({ url, status: 200 });
      expect(response.headers.get('content-type')).toBe(
        url.includes('.css') ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8',
      );
      expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  it('are revalidated by ETag when the URL carries no or an outdated version', async () => {
    const first = await fetch(`${origin}/graphiql/assets/graphiql.min.css?v=0000000000000000`);
    expect(first.headers.get('cache-control')).toBe('public, no-cache');
    const etag = first.headers.get('etag') ?? '';
    expect(etag).toMatch(/^"[0-9a-f]{16}"$/);

    const again = await fetch(`${origin}/graphiql/assets/graphiql.min.css`, {
      headers: { 'if-none-match': etag },
    });
    expect(again.status).toBe(304);
  });

  it('are gzipped for clients that accept it', async () => {
    const plain = Buffer.from(
      await (await fetch(`${origin}/graphiql/assets/graphiql.min.js`)).arrayBuffer(),
    );
    const gzipped = await rawGet('/graphiql/assets/graphiql.min.js', { 'accept-encoding': 'gzip' });
    expect(gzipped.headers.get('content-encoding')).toBe('gzip');
    expect(gzipped.body.length).toBeLessThan(plain.length / 3);
    expect(gunzipSync(gzipped.body).equals(plain)).toBe(true);
  });

  it('come only from the allow-list: other names, and paths out of the folder, are 404', async () => {
    for (const path of [
      '/graphiql/assets/package.json',
      '/graphiql/assets/graphiql.min.js.map',
      '/graphiql/assets/..%2F..%2Fpackage.json',
      '/graphiql/assets/../../package.json',
      '/graphiql/assets/',
    ]) {
      const response = await fetch(`${origin}${path}`);
      expect({ path, status: response.status }).toEqual({ path, status: 404 });
    }
  });
});

describe('the example operations', () => {
  it('are valid against the subgraph schema', () => {
    expect(validate(buildSchema(), parse(EXAMPLE_OPERATIONS))).toEqual([]);
  });

  it('only read (queries and a subscription): a visitor pressing run cannot write to Hypersoft', () => {
    const operations = parse(EXAMPLE_OPERATIONS).definitions.map((definition) =>
      'operation' in definition ? definition.operation : definition.kind,
    );
    expect(operations).toEqual(['query', 'query', 'subscription']);
  });
});

/** GET without fetch's automatic decompression, to see the bytes on the wire. */
async function rawGet(
  path: string,
  headers: Record<string, string>,
): Promise<{ headers: Headers; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get(`${origin}${path}`, { headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const result = new Headers();
          for (const [name, value] of Object.entries(res.headers)) {
            if (typeof value === 'string') result.set(name, value);
          }
          resolve({ headers: result, body: Buffer.concat(chunks) });
        });
      })
      .on('error', reject);
  });
}
