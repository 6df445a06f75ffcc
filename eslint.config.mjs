// Lint: typescript-eslint's type-checked rules over every source folder. The promise rules are the point:
// a webhook engine that forgets to await or handle a promise loses messages or crashes on a rejection.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bench/results/**', 'chaos/results/**', 'coverage/**', '**/generated/**', 'eslint.config.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { project: './tsconfig.eslint.json', tsconfigRootDir: import.meta.dirname },
      globals: { ...globals.node },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Off: kafkajs handlers, receivers' handlers and health checks are async by contract; an implementation
      // that happens not to await is correct, and a Promise.resolve() wrapper would only hide that.
      '@typescript-eslint/require-await': 'off',
      // Off: header, id and log validation match control characters on purpose (that is what they refuse).
      'no-control-regex': 'off',
    },
  },
  {
    // Plain JS has no types (checkJs is off), so every value is `any`: the no-unsafe-* family would flag
    // every line without finding anything. The promise rules still apply: they see the async functions.
    files: ['**/*.js', '**/*.cjs'],
    rules: {
      '@typescript-eslint/no-require-imports': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    // Tests read untyped JSON (answers, bodies a receiver got) and jest's asymmetric matchers (expect.any(...))
    // are typed `any`: the no-unsafe-* family flags every such line. The promise rules still apply.
    files: ['test/**/*.ts', '**/*.spec.ts', 'bench/**/*.ts', 'chaos/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    files: ['apps/subscriptions/src/dashboard/public/**/*.js'],
    languageOptions: { globals: { ...globals.browser }, sourceType: 'module' },
  },
);
