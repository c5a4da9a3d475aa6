import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

// The prestart script is plain JavaScript (it must run before anything is compiled).
const { isStale } = (await import('../../scripts/build-if-stale.mjs' as string)) as { isStale: (base: string) => string | undefined };

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A checkout whose files all carry time `t` (seconds), with dist/cli.js built at `built`. */
function checkout(t: number, built: number | undefined): string {
  const d = mkdtempSync(join(tmpdir(), 'stepgate-prestart-'));
  dirs.push(d);
  mkdirSync(join(d, 'src', 'identity'), { recursive: true });
  mkdirSync(join(d, 'dist'));
  for (const f of ['tsconfig.json', 'package.json', 'package-lock.json', 'src/cli.ts', 'src/identity/verifier.ts']) {
    writeFileSync(join(d, f), '');
    utimesSync(join(d, f), t, t);
  }
  if (built !== undefined) {
    writeFileSync(join(d, 'dist', 'cli.js'), '');
    utimesSync(join(d, 'dist', 'cli.js'), built, built);
  }
  return d;
}

describe('prestart freshness check (scripts/build-if-stale.mjs)', () => {
  it('does not compile when dist/ is newer than every input', () => {
    expect(isStale(checkout(1000, 2000))).toBeUndefined();
  });

  it('compiles when dist/cli.js is missing', () => {
    expect(isStale(checkout(1000, undefined))).toBe('dist/cli.js is missing');
  });

  it.each(['src/identity/verifier.ts', 'src/cli.ts', 'tsconfig.json', 'package.json', 'package-lock.json'])('compiles when %s changed after the build', (file) => {
    const d = checkout(1000, 2000);
    utimesSync(join(d, file), 3000, 3000);
    expect(isStale(d)).toMatch(/changed$/);
  });
});
