import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type http from 'node:http';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { BOOTSTRAP_SCRIPT } from './bootstrap';

/**
 * The GraphiQL page's static files, served from the installed packages (never a CDN, so the
 * page works offline). Only the files named here are served: the URL picks an entry of this
 * allow-list by name, so no request path ever reaches the file system.
 */

export const ASSETS_PATH = '/graphiql/assets/';

/**
 * A file of an installed package, found through `require.resolve('<package>/package.json')`
 * wherever npm put the package (its `exports` map hides the UMD files from a direct resolve).
 */
interface PackageFile {
  package: string;
  file: string;
}

/** Read from a package, or generated in process. */
type AssetSource = ({ packageFile: PackageFile } | { text: string }) & { contentType: string };

const JAVASCRIPT = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';
const fromPackage = (name: string, file: string, contentType: string): AssetSource => ({
  packageFile: { package: name, file },
  contentType,
});

/** Order matters: the page loads the scripts in this order (React before GraphiQL). */
const SOURCES = {
  'react.production.min.js': fromPackage('react', 'umd/react.production.min.js', JAVASCRIPT),
  'react-dom.production.min.js': fromPackage(
    'react-dom',
    'umd/react-dom.production.min.js',
    JAVASCRIPT,
  ),
  'graphiql.min.js': fromPackage('graphiql', 'graphiql.min.js', JAVASCRIPT),
  'graphiql.min.css': fromPackage('graphiql', 'graphiql.min.css', CSS),
  'bootstrap.js': { text: BOOTSTRAP_SCRIPT, contentType: JAVASCRIPT },
} satisfies Record<string, AssetSource>;

export type AssetName = keyof typeof SOURCES;
export const ASSET_NAMES = Object.keys(SOURCES) as AssetName[];

export interface Asset {
  body: Buffer;
  /**
   * Same content gzipped, compressed off the event loop on first use and then kept: GraphiQL's
   * bundle shrinks from 3.5 MB to under 1 MB.
   */
  gzipped(): Promise<Buffer>;
  contentType: string;
  /** First 16 hex digits of the SHA-256 of `body`: the `v` query of the page's asset URLs. */
  version: string;
  etag: string;
}

const gzipAsync = promisify(gzip);

function packagePath({ package: name, file }: PackageFile): string {
  return join(dirname(require.resolve(`${name}/package.json`)), file);
}

function load(source: AssetSource): Asset {
  const body =
    'text' in source
      ? Buffer.from(source.text, 'utf8')
      : readFileSync(packagePath(source.packageFile));
  const version = createHash('sha256').update(body).digest('hex').slice(0, 16);
  let compressed: Promise<Buffer> | undefined;
  return {
    body,
    gzipped: () => (compressed ??= gzipAsync(body)),
    contentType: source.contentType,
    version,
    etag: `"${version}"`,
  };
}

/**
 * Reads each asset on first use and keeps it in memory (about 4 MB in all, plus 1 MB gzipped
 * once asked for). Throws at that first use when a package file is missing.
 */
export function createAssetStore(): { get(name: AssetName): Asset } {
  const loaded = new Map<AssetName, Asset>();
  return {
    get(name) {
      let asset = loaded.get(name);
      if (!asset) {
        asset = load(SOURCES[name]);
        loaded.set(name, asset);
      }
      return asset;
    },
  };
}

export function isAssetName(name: string): name is AssetName {
  return Object.prototype.hasOwnProperty.call(SOURCES, name);
}

export function assetUrl(name: AssetName, asset: Asset): string {
  return `${ASSETS_PATH}${name}?v=${asset.version}`;
}

const ONE_YEAR_S = 365 * 24 * 3600;

/**
 * Sends one asset. A URL carrying the asset's current version is cached for a year as
 * immutable (a new release changes the version, hence the URL); any other URL (no or an old
 * version, e.g. a page from a replica still on the previous release) is revalidated by ETag.
 */
export async function sendAsset(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  asset: Asset,
  requestedVersion: string | null,
): Promise<void> {
  const cacheControl =
    requestedVersion === asset.version
      ? `public, max-age=${ONE_YEAR_S}, immutable`
      : 'public, no-cache';
  const common = {
    'cache-control': cacheControl,
    etag: asset.etag,
    vary: 'accept-encoding',
    'x-content-type-options': 'nosniff',
    'cross-origin-resource-policy': 'same-origin',
  };
  if (req.headers['if-none-match'] === asset.etag) {
    res.writeHead(304, common);
    res.end();
    return;
  }
  const gzipped = /\bgzip\b/i.test(String(req.headers['accept-encoding'] ?? ''));
  const body = gzipped ? await asset.gzipped() : asset.body;
  res.writeHead(200, {
    ...common,
    'content-type': asset.contentType,
    'content-length': body.length,
    ...(gzipped ? { 'content-encoding': 'gzip' } : {}),
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}
