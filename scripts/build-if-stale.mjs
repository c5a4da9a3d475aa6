#!/usr/bin/env node
// `npm start`'s prestart: compiles only when dist/ is older than what it is built from, so a start
// from a current dist/ takes about a second instead of a full tsc run (issue 17).
//
// dist/ is stale when dist/cli.js is missing, or when any file under src/, or tsconfig.json,
// package.json or package-lock.json, changed after it was written (tsc rewrites every output, so
// dist/cli.js's time is the build's). Deleting a source never needs a build to keep running, so
// it is not looked for. STEPGATE_BUILD=always forces the build.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function mtime(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

function newestUnder(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const t = entry.isDirectory() ? newestUnder(path) : (mtime(path) ?? 0);
    if (t > newest) newest = t;
  }
  return newest;
}

export function isStale(base = root) {
  const built = mtime(join(base, 'dist', 'cli.js'));
  if (built === undefined) return 'dist/cli.js is missing';
  for (const f of ['tsconfig.json', 'package.json', 'package-lock.json']) {
    if ((mtime(join(base, f)) ?? 0) > built) return `${f} changed`;
  }
  if (newestUnder(join(base, 'src')) > built) return 'src/ changed';
  return undefined;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const why = process.env.STEPGATE_BUILD === 'always' ? 'STEPGATE_BUILD=always' : isStale();
  if (why === undefined) {
    console.error('prestart: dist/ is current, not compiling');
  } else {
    console.error(`prestart: compiling (${why})`);
    const r = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
    process.exit(r.status ?? 1);
  }
}
