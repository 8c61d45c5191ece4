// Typed lint: typescript-eslint's strict-type-checked and stylistic-type-checked sets over the
// TypeScript in src/ and test/, the recommended sets over the plain JavaScript in bench/, scripts/, bin/.
// Every change to the sets is listed below with the reason. `npm run lint` runs it (with prettier
// and knip); `npm test` runs `npm run lint` before the tests.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'scratch/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  ...tseslint.configs.stylisticTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['vitest.config.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // Messages and reports interpolate counts and sizes everywhere; numbers print as expected.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      // It asks for `x!` in place of `x as T`; the house rule is neither (`at()` or a check), so
      // no-non-null-assertion is the rule that speaks.
      '@typescript-eslint/non-nullable-type-assertion-style': 'off',
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
      // Terminal escaping matches control characters on purpose (src/util/escape.ts and its tests).
      'no-control-regex': 'off',
    },
  },
  {
    // A rule's options and message-data types must satisfy defineRule's Record constraints, which an
    // interface (no index signature) cannot: they stay type aliases.
    files: ['src/rules/*.ts'],
    rules: { '@typescript-eslint/consistent-type-definitions': 'off' },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // A test asserts on values it has just built or parsed: `x!` there reads as "the test built it".
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Tests read the CLI's JSON output (`JSON.parse` is `any`) and assert its shape field by field;
      // typing every document would repeat the schema the assertions already check.
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { ...tseslint.configs.disableTypeChecked.languageOptions, globals: { ...globals.node } },
  },
);
