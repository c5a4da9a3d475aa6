import { execFileSync } from 'node:child_process';
import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * `ref` exported (git archive) to a temporary directory that borrows `here`'s node_modules, so an
 * A/B bench can import the other tree's modules beside this one's. The directory is pushed to
 * `exported`, which the caller removes when it is done.
 */
export function exportRef(here: string, ref: string, exported: string[], prefix = 'stepgate-ab-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  exported.push(dir);
  execFileSync('bash', ['-c', `git -C "${here}" archive "${ref}" | tar -x -C "${dir}"`]);
  symlinkSync(join(here, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}
