import { defineConfig } from 'vitest/config';

export default defineConfig({
  oxc: { include: /\.([mc]?ts|[jt]sx)$/ },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
