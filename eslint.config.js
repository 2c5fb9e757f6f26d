// @ts-check
const tseslint = require('typescript-eslint');

module.exports = tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'src/graphql/__generated__/**', 'coverage/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      // The SOAP transport is the only importer of `soap` (see DESIGN.md).
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
    files: ['src/data/api300/soapTransport.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  { files: ['**/*.js', '**/*.cjs'], rules: { '@typescript-eslint/no-require-imports': 'off' } },
);
