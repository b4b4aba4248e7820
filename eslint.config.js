// ESLint for the whole workspace, type-aware (typescript-eslint's project service: each file is
// checked with the types of the package's own tsconfig.json). `pnpm lint` runs it with the type
// check; CI runs `pnpm lint`. What it is for: promises nobody waits for or catches, `any`
// flowing into typed code, and the mistakes the compiler lets through.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      '**/generated/**',
      '**/src/generated/**',
      '**/test-results/**',
      'bench/results/**',
      'data/**',
      'apps/web/src/vendor/node/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // Promises: every one is awaited, returned, caught, or marked `void` on purpose.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false, attributes: false } }],
      // `any` must not flow into typed code unchecked.
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unsafe-assignment': 'error',
      '@typescript-eslint/no-unsafe-member-access': 'error',
      '@typescript-eslint/no-unsafe-call': 'error',
      '@typescript-eslint/no-unsafe-return': 'error',
      '@typescript-eslint/no-unsafe-argument': 'error',
      // Off: an `async` function that implements a Promise-returning interface without awaiting
      // (the SQLite history reads, test fakes) turns a synchronous throw into a rejection, which its
      // callers rely on; removing `async` would change behaviour, not style.
      '@typescript-eslint/require-await': 'off',
      // The compiler already reports unused names (noUnusedLocals/Parameters); `_x` marks one kept on purpose.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', caughtErrors: 'none' },
      ],
    },
  },
  {
    // Tests: vitest's asymmetric matchers (`expect.any(String)`, `expect.objectContaining(…)`) are
    // typed `any` by design, and `expect(obj.method)` / spies read methods without calling them.
    files: ['**/test/**/*.ts', '**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    // Plain JavaScript (scripts, this file) and the few config files outside every tsconfig:
    // no type information to check against, so the rules that need it are off.
    files: ['**/*.js', '**/*.mjs', '**/*.cjs', '**/vitest.config.ts', 'packages/db/prisma*.config.ts'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: { process: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', URL: 'readonly', Buffer: 'readonly' },
    },
  },
);
