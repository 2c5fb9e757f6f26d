/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    // Type checking runs once in `npm run typecheck`; jest only transpiles, to CommonJS, so the
    // composition root's `import()` of the simulator becomes a `require` jest can follow.
    '^.+\\.ts$': [
      'ts-jest',
      {
        diagnostics: false,
        tsconfig: { module: 'commonjs', moduleResolution: 'node10', ignoreDeprecations: '6.0' },
      },
    ],
  },
  // `import('./x.js')` (nodenext style) names the compiled file; in tests it is the .ts source.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testTimeout: 60000,
  // Integration tests start servers on port 0; a few run in parallel without clashing.
  maxWorkers: process.env.CI ? 2 : '50%',
  // A worker ends within a millisecond of being told (nothing is left open: --detectOpenHandles
  // finds nothing in any suite), but tearing down its process — a few hundred MB of heap and
  // the API300 client's thread — took 200–470 ms on a loaded 2-core machine, against Jest's
  // default of 500 ms before it kills the worker and warns of a leak. A real leak still
  // shows: a worker alive after 5 s is killed with the same warning.
  workerGracefulExitTimeout: 5000,
};
