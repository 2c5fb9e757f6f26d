/**
 * The layering of src/ (docs/architecture.md), checked by `npm run depcheck` in `npm test`.
 * Arrows point down; type-only imports count like any other (a type cycle is a design cycle).
 *
 *   main.ts → app/ → ops/, graphiql/ → graphql/ → data/loaders → data/repository
 *     → data/mirror, data/cache → data/gate → data/api300 → domain/ → platform/
 *   graphql/ → data/idempotency (keys of safe retries; its codec and cipher from data/cache)
 *
 * config.ts (with settings.ts, the declarations, and envReader.ts, its reader) is a leaf:
 * every layer may read config.ts and settings.ts. The simulator stands beside the product: the
 * composition root loads it with a dynamic import (types only otherwise), and it imports
 * nothing of the product but the domain models it mirrors, platform helpers and config.
 */

/** Each layer and the folders it may import (besides itself, config.ts and platform/). */
const LAYERS = [
  { name: 'main', path: '^src/main\\.ts$', may: ['^src/app/'] },
  {
    name: 'app',
    path: '^src/app/',
    may: ['^src/(ops|graphiql|graphql|data|domain)/'],
  },
  { name: 'ops', path: '^src/ops/', may: ['^src/(graphql|data|domain)/'] },
  { name: 'graphiql', path: '^src/graphiql/', may: [] },
  {
    name: 'graphql',
    path: '^src/graphql/',
    may: [
      '^src/data/(loaders|repository|idempotency)/',
      '^src/data/(errors|accounting|options)\\.ts$',
      '^src/domain/',
    ],
  },
  {
    name: 'idempotency',
    path: '^src/data/idempotency/',
    may: ['^src/data/cache/(recordCodec|recordCipher)\\.ts$'],
  },
  {
    name: 'loaders',
    path: '^src/data/loaders/',
    may: ['^src/data/repository/', '^src/data/(errors|accounting|options)\\.ts$', '^src/domain/'],
  },
  {
    name: 'repository',
    path: '^src/data/repository/',
    may: [
      '^src/data/(mirror|cache|gate|api300)/',
      '^src/data/(errors|accounting|options)\\.ts$',
      '^src/domain/',
    ],
  },
  {
    name: 'mirror',
    path: '^src/data/mirror/',
    may: [
      '^src/data/(gate|api300)/',
      '^src/data/(errors|accounting|options)\\.ts$',
      '^src/domain/',
    ],
  },
  {
    name: 'cache',
    path: '^src/data/cache/',
    may: ['^src/data/gate/', '^src/data/(errors|accounting|options)\\.ts$', '^src/domain/'],
  },
  {
    name: 'gate',
    path: '^src/data/gate/',
    may: ['^src/data/api300/', '^src/data/(errors|accounting|options)\\.ts$', '^src/domain/'],
  },
  {
    name: 'api300',
    path: '^src/data/api300/',
    may: ['^src/data/errors\\.ts$', '^src/domain/'],
  },
  {
    name: 'data-leaves',
    path: '^src/data/(errors|accounting|options)\\.ts$',
    may: ['^src/domain/'],
  },
  { name: 'data-stats', path: '^src/data/stats\\.ts$', may: ['^src/data/(gate|mirror)/'] },
  { name: 'redis-client', path: '^src/data/redisClient\\.ts$', may: [] },
  { name: 'domain', path: '^src/domain/', may: [] },
  { name: 'platform', path: '^src/platform/', may: [] },
  { name: 'config', path: '^src/(config|settings|envReader)\\.ts$', may: [] },
  { name: 'simulator', path: '^src/simulator/', may: ['^src/domain/'] },
];

const ALWAYS = ['^src/(config|settings)\\.ts$', '^src/platform/', '^src/graphql/__generated__/'];

const layerRules = LAYERS.map(({ name, path, may }) => ({
  name: `layer-${name}`,
  comment: `${name} (${path}) may import only: ${[...may, ...ALWAYS].join(', ') || 'nothing in src/'}`,
  severity: 'error',
  from: { path },
  to: {
    path: '^src/',
    pathNot: [path, ...may, ...ALWAYS],
    // The composition root may name the simulator's types and import it at run time only.
    ...(name === 'app' ? { dependencyTypesNot: ['type-only', 'dynamic-import'] } : {}),
  },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      comment: 'A cycle, type-only imports included, means two modules are one design.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'simulator-outside-the-product',
      comment:
        'The product never imports the simulator statically; the composition root loads it dynamically.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(simulator|app)/' },
      to: { path: '^src/simulator/' },
    },
    {
      name: 'only-the-soap-transport-speaks-soap',
      comment: 'src/data/api300/soapTransport.ts is the only importer of soap.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/data/api300/soapTransport\\.ts$' },
      to: { path: 'node_modules/soap/' },
    },
    ...layerRules,
    {
      name: 'simulator-settings-through-config-only',
      comment: 'The simulator reads its settings through src/config.ts (main.ts only).',
      severity: 'error',
      from: { path: '^src/simulator/', pathNot: '^src/simulator/main\\.ts$' },
      to: { path: '^src/(config|settings|envReader)\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(test|bench|dist)/' },
  },
};
