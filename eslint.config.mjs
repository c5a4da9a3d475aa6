// typescript-eslint's type-aware recommended rules (`npm run lint`, run by scripts/test.sh).
// Formatting is not linted and there is no prettier: the code keeps its existing style.
// Rules switched off below are listed with the reason; everything else in
// recommendedTypeChecked is an error.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.artifacts/**', 'test/fixtures/**', '**/*.mjs', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { project: './tsconfig.test.json', tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Store implementations are async by interface even when the memory one never waits.
      '@typescript-eslint/require-await': 'off',
      // Promise.all over optional promises (`x?.refresh()`) is intended: undefined resolves at once.
      '@typescript-eslint/await-thenable': 'off',
      // String(err) on an unknown throwable is the deliberate last resort for log text.
      '@typescript-eslint/no-base-to-string': 'off',
      // Startup and store errors are rethrown as coded errors whose message names the cause.
      'preserve-caught-error': 'off',
      // Mechanical (autofixable) but spread over ~30 files that other branches edit; enable after
      // they merge with `npx eslint --fix --rule '{"@typescript-eslint/no-unnecessary-type-assertion":"error"}'`.
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
      'prefer-const': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // Node 20's global Buffer is a getter run on every use; the Check's paths use it per header
    // and per span (bench/README.md, "redisread37"). The import is a plain binding.
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-globals': ['error', { name: 'Buffer', message: "import { Buffer } from 'node:buffer' (the global is a getter)" }],
    },
  },
  {
    // Tests poke at JSON and wire data as `any` on purpose and build URLs in template strings.
    files: ['test/**/*.ts', 'bench/**/*.ts', 'demo/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/restrict-template-expressions': 'off',
      '@typescript-eslint/no-unused-vars': 'off',
      'no-regex-spaces': 'off',
      'no-useless-escape': 'off',
    },
  },
);
