import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import LongestFirstSequencer from './test/support/longest-first-sequencer.js';

export default defineConfig({
  oxc: { include: /\.([mc]?ts|[jt]sx)$/ },
  test: {
    include: ['test/**/*.test.ts'],
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
  },
});
