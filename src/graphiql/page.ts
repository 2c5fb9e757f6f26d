import { ASSET_NAMES, assetUrl, type Asset, type AssetName } from './assets';

/**
 * The GraphiQL HTML page and its Content-Security-Policy. Everything it loads comes from this
 * origin; its only inline script is JSON data, which browsers do not execute.
 */

/**
 * The page's own layout. No `overflow: hidden` on body: the menus' scroll lock
 * (react-remove-scroll-bar) measures the scrollbar there and logs an error when it cannot.
 */
const PAGE_STYLE = 'body{margin:0}#graphiql{height:100vh}';

/**
 * Only this origin, plus what GraphiQL 3's UMD bundle needs and nothing more. Checked in
 * headless Chromium, which reports every violation (test/integration/graphiql):
 * - scripts only from files of this origin: no 'unsafe-inline', no 'unsafe-eval' (the bundle
 *   uses neither eval nor web workers);
 * - `style-src 'unsafe-inline'`: the dropdown menus (Radix, react-remove-scroll-bar) insert
 *   `<style>` elements with computed content at run time, so no hash can list them, and the
 *   bundle offers no way to hand them a nonce (inline styles cannot run code);
 * - `font-src data:`: GraphiQL's CSS embeds the Roboto and Fira Code fonts as data: URLs;
 * - `img-src data:`: the page's empty favicon (no /favicon.ico request) and data: images
 *   in markdown descriptions.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self' data:",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** JSON that stays inert inside a `<script>` element, whatever strings it carries. */
function jsonForScriptElement(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

export function renderPage(options: {
  endpointPath: string;
  defaultQuery: string;
  asset: (name: AssetName) => Asset;
}): string {
  const src = (name: AssetName) => assetUrl(name, options.asset(name));
  const scripts = ASSET_NAMES.filter((name) => name.endsWith('.js'))
    .map((name) => `    <script src="${src(name)}" defer></script>`)
    .join('\n');
  const config = jsonForScriptElement({
    endpoint: options.endpointPath,
    defaultQuery: options.defaultQuery,
  });
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="robots" content="noindex" />
    <title>GraphiQL · Hypersoft subgraph</title>
    <link rel="stylesheet" href="${src('graphiql.min.css')}" />
    <link rel="icon" href="data:," />
    <style>${PAGE_STYLE}</style>
    <script type="application/json" id="graphiql-config">${config}</script>
${scripts}
  </head>
  <body>
    <div id="graphiql">Loading GraphiQL…</div>
    <noscript>GraphiQL needs JavaScript. GraphQL itself answers POST requests at ${options.endpointPath}.</noscript>
  </body>
</html>
`;
}
