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
};
