import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import LongestFirstSequencer from './test/support/longest-first-sequencer.js';

/** Unit files that replace a module (vi.mock): a shared module cache would hand the mock to others. */
const ISOLATED_UNIT = ['test/unit/guardrails-carried.test.ts'];

export default defineConfig({
  oxc: { include: /\.([mc]?ts|[jt]sx)$/ },
  test: {
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Most integration files wait on real servers, browsers and kubectl rather than compute, so
    // two files at a time fit even a 2-core machine (vitest's own default there is one): the full
    // suite took 8.5 min instead of 10.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // Longest files first, by the last CI run's durations (test/durations.json), so the two workers
    // finish together instead of one running the replayed days alone at the end.
    sequence: { sequencer: LongestFirstSequencer },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          // Unit files share their worker's module cache instead of importing src/ afresh each:
          // imports were 70 of the unit files' 103 s (2026-12-05), and 13 s shared. They hold no
          // state across files (each restores what it sets); the one that mocks a module runs
          // isolated below.
          exclude: [...ISOLATED_UNIT],
          isolate: false,
        },
      },
      {
        extends: true,
        test: { name: 'isolated', include: ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts', 'test/deploy/**/*.test.ts', ...ISOLATED_UNIT] },
      },
    ],
  },
});
