import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Starts the longest test files first, by the durations a CI run measured (test/durations.json,
 * written by `node scripts/test-durations.mjs .artifacts/vitest.json`).
 *
 * Why: on a clean clone vitest has no results cache, so it orders files by size, and the replayed
 * days (small files that import large tables) came last: in the last CI run the final 130 s of the
 * suite were those four files with one worker idle much of the time. Longest-first packs the two
 * workers so they finish together. A file missing from the table is treated as a long one, so a new
 * slow file is not left for the end either; vitest's own cache, when a machine has one, breaks ties.
 */
export default class LongestFirstSequencer extends BaseSequencer {
  private readonly durations = readDurations();

  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    // The base order (failed first, then by cache or size) breaks ties among equal estimates.
    const base = await super.sort(files);
    const root = this.ctx.config.root;
    return longestFirst(base, (spec) => relative(root, spec.moduleId).split('\\').join('/'), this.durations);
  }
}

/** `ordered` re-sorted by estimated seconds, longest first; equal estimates keep their order. */
export function longestFirst<T>(ordered: readonly T[], nameOf: (file: T) => string, durations: ReadonlyMap<string, number>): T[] {
  return ordered
    .map((file, i) => ({ file, i, seconds: durations.get(nameOf(file)) ?? UNKNOWN_FILE_SECONDS }))
    .sort((a, b) => b.seconds - a.seconds || a.i - b.i)
    .map((w) => w.file);
}

/** A new file's guess: longer than most files (the median takes 1 s), shorter than those that decide when the run ends. */
export const UNKNOWN_FILE_SECONDS = 5;

export function readDurations(): Map<string, number> {
  try {
    const table = JSON.parse(readFileSync(new URL('../durations.json', import.meta.url), 'utf8')) as Record<string, number>;
    return new Map(Object.entries(table).filter((e): e is [string, number] => typeof e[1] === 'number'));
  } catch {
    // Without the table the order is vitest's own: slower, never wrong.
    return new Map();
  }
}
