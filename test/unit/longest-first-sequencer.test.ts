import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { longestFirst, readDurations, UNKNOWN_FILE_SECONDS } from '../support/longest-first-sequencer.js';

describe('the longest-first test order', () => {
  it('starts the longest files first, a new file among them by its guess, ties in the given order', () => {
    const durations = new Map([
      ['test/unit/quick.test.ts', 0.2],
      ['test/integration/risk-day.test.ts', 49.5],
      ['test/e2e/kubectl.test.ts', 88.1],
      ['test/unit/also-quick.test.ts', 0.2],
    ]);
    const base = ['test/unit/quick.test.ts', 'test/unit/new.test.ts', 'test/unit/also-quick.test.ts', 'test/integration/risk-day.test.ts', 'test/e2e/kubectl.test.ts'];
    expect(longestFirst(base, (f) => f, durations)).toEqual([
      'test/e2e/kubectl.test.ts',
      'test/integration/risk-day.test.ts',
      'test/unit/new.test.ts',
      'test/unit/quick.test.ts',
      'test/unit/also-quick.test.ts',
    ]);
    expect(UNKNOWN_FILE_SECONDS).toBeGreaterThan(0.2);
  });

  it('keeps the given order when nothing is known', () => {
    const base = ['c', 'a', 'b'];
    expect(longestFirst(base, (f) => f, new Map())).toEqual(['c', 'a', 'b']);
  });

  it('reads a table of existing test files with their seconds (regenerate it with scripts/test-durations.mjs)', () => {
    const table = readDurations();
    expect(table.size).toBeGreaterThan(100);
    const missing = [...table.keys()].filter((file) => !existsSync(file));
    expect(missing).toEqual([]);
    for (const seconds of table.values()) expect(seconds).toBeGreaterThanOrEqual(0);
  });
});
