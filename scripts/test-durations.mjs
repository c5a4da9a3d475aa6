#!/usr/bin/env node
// Writes test/durations.json (seconds per test file, hooks included) from the output of a full
// test run, for the longest-first order of test/support/longest-first-sequencer.ts. Usage:
//   CI=true bash .ci/run 2>&1 | tee ci.log; node scripts/test-durations.mjs ci.log
// It reads vitest's default reporter lines (`✓ test/… (N tests) 1234ms`). The JSON report is not
// used: its per-file times leave out beforeAll hooks, where files such as build.test.ts spend
// most of their time (13 s there, 101 s here).
import { readFileSync, writeFileSync } from 'node:fs';

const log = process.argv[2];
if (!log) {
  console.error('usage: node scripts/test-durations.mjs <output of a full test run>');
  process.exit(2);
}
// eslint-disable-next-line no-control-regex
const text = readFileSync(log, 'utf8').replace(/\x1b\[[0-9;]*m/g, '');
const table = {};
// A file line names its vitest project when the config has several (` ✓  shared  test/…`); a
// file with a failure is marked ❯.
for (const m of text.matchAll(/^ +[✓×❯↓] +(?:[\w-]+ +)?(test\/\S+\.test\.ts) \(\d+ tests?[^)]*\)(?: \d+ (?:skipped|failed))?\s+(\d+)ms/gm)) {
  table[m[1]] = Math.round(Number(m[2]) / 100) / 10;
}
const files = Object.keys(table).length;
if (files === 0) {
  console.error(`${log}: no vitest file lines found`);
  process.exit(1);
}
const sorted = Object.fromEntries(Object.entries(table).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)));
writeFileSync(new URL('../test/durations.json', import.meta.url), JSON.stringify(sorted, null, 2) + '\n');
console.log(`test/durations.json: ${files} files`);
