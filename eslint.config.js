// @ts-check
const tseslint = require('typescript-eslint');

module.exports = tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'src/graphql/__generated__/**', 'coverage/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      // The SOAP transport is the only importer of `soap` (docs/architecture.md).
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'soap', message: 'Only src/data/api300/soapTransport.ts may import soap.' },
          ],
        },
      ],
    },
  },
  {
    // Type-checked rules for what review kept catching: a promise nobody awaits or handles,
    // a promise where a callback's result is ignored, a cast that changes nothing, and a
    // module imported twice. `projectService` uses tsconfig.json's program.
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: __dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unnecessary-type-assertion': 'error',
      'no-duplicate-imports': 'error',
    },
  },
  {
    files: ['src/data/api300/soapTransport.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  { files: ['**/*.js', '**/*.cjs'], rules: { '@typescript-eslint/no-require-imports': 'off' } },
);
