/**
 * A digest of each replayed day's events, per seed: the proof that a change to the days' fixtures
 * (a fold of shared mechanics, a renamed helper) left every event as it was, without replaying the
 * matrix. Run it before and after and diff the output; an identical digest means an identical
 * matrix row.
 *
 *   npx tsx bench/day-events-digest.ts [day …] > before.txt
 */
import { createHash } from 'node:crypto';
import { DAYS } from './day-matrix-days.js';

const want = new Set(process.argv.slice(2));
for (const [day, generate, seeds] of DAYS) {
  if (want.size > 0 && !want.has(day)) continue;
  for (const seed of seeds) console.log(day, seed, createHash('sha256').update(JSON.stringify(generate(seed))).digest('hex').slice(0, 16));
}
