import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import LongestFirstSequencer from './test/support/longest-first-sequencer.js';

/**
 * Files that replace a module (vi.mock): a shared module cache would hand the mock to the files
 * after them. And files that measure the heap per entry: in a shared worker, what an earlier file
 * left behind is freed or grows while they measure (a CI run of 2026-12-06 read 1,128 B per cached
 * token where the same code alone reads ~1,300, and failed the gauge's 10 % bound).
 */
const ISOLATED = ['test/unit/guardrails-carried.test.ts', 'test/unit/token-cache-bytes.test.ts', 'test/unit/encoded-allows.test.ts'];

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
          name: 'shared',
          include: ['test/**/*.test.ts'],
          // Files share their worker's module cache instead of importing src/, grpc-js and the
          // OpenTelemetry SDK afresh each. Measured 2026-12-05: the unit files' CPU 199 s -> 97 s;
          // 29 risk integration files 160 s -> 55 s; every file passed this way (all 226, at load
          // 24 too). What a file starts it stops in afterAll, and what it sets in process.env it
          // restores; the one file that mocks a module runs isolated below.
          exclude: [...ISOLATED],
          isolate: false,
        },
      },
      { extends: true, test: { name: 'isolated', include: [...ISOLATED] } },
    ],
  },
});
