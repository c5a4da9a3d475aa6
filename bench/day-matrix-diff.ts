/**
 * Compares two `bench/day-matrix.ts --json` files, row by row (day, seed, mode):
 *
 *   npx tsx bench/day-matrix-diff.ts NEW.json [BASE.json]   # BASE defaults to bench/day-matrix.json
 *
 * Prints every row whose challenges, engineers over the target or routine 403s differ (with the
 * names that joined or left the over list), every attack cell that moved, and per mode the totals
 * of the rows both files hold, attack cells later than their first sensitive action included.
 * Exit status 1 when any attack cell is later in NEW than in BASE, or a routine 403 appeared.
 */
import { readFileSync } from 'node:fs';
import type { Row } from './day-matrix-row.js';


const [newFile, baseFile = 'bench/day-matrix.json'] = process.argv.slice(2);
if (newFile === undefined) {
  console.error('usage: npx tsx bench/day-matrix-diff.ts NEW.json [BASE.json]');
  process.exit(64);
}
const keyOf = (r: Row) => `${r.day}/${r.seed}/${r.warmup ? 'warm' : 'cold'}`;
const load = (f: string) => new Map((JSON.parse(readFileSync(f, 'utf8')) as Row[]).map((r) => [keyOf(r), r]));
const now = load(newFile);
const base = load(baseFile);

/** The request an attack was first refused at, or Infinity when never (`"-/2 (…)"` → Infinity). */
const stop = (cell: string | undefined) => {
  const m = /^(\S+)\/(\d+)/.exec(cell ?? '');
  return m === null || m[1] === '-' ? Infinity : Number(m[1]);
};
const late = (r: Row) => Object.values(r.attacks).filter((c) => stop(c) > Number(/\/(\d+)/.exec(c)?.[1] ?? 0)).length;

let worse = false;
let differences = 0;
for (const [key, b] of base) {
  const n = now.get(key);
  if (n === undefined) continue;
  if (n.challenges !== b.challenges || n.over.length !== b.over.length || n.forbidden !== b.forbidden || n.over.some((o, i) => o !== b.over[i])) {
    differences++;
    console.log(`${key}: challenges ${b.challenges} -> ${n.challenges}, over ${b.over.length} -> ${n.over.length}, 403 ${b.forbidden} -> ${n.forbidden}`);
    for (const o of b.over) if (!n.over.includes(o)) console.log(`   - over ${o}`);
    for (const o of n.over) if (!b.over.includes(o)) console.log(`   + over ${o}`);
    if (n.forbidden > b.forbidden) worse = true;
  }
  for (const attack of new Set([...Object.keys(b.attacks), ...Object.keys(n.attacks)])) {
    const [was, is] = [b.attacks[attack], n.attacks[attack]];
    if (was === is) continue;
    differences++;
    console.log(`${key} ${attack}: ${was ?? '(absent)'} -> ${is ?? '(absent)'}`);
    if (stop(is) > stop(was)) worse = true;
  }
}
const only = [...now.keys()].filter((k) => !base.has(k));
if (only.length > 0) console.log(`rows only in ${newFile}: ${only.length} (${[...new Set(only.map((k) => `day ${k.split('/')[0]}`))].join(', ')})`);
for (const warm of [true, false]) {
  for (const [label, rows] of [['base', base], ['new', now]] as const) {
    const both = [...rows.values()].filter((r) => r.warmup === warm && now.has(keyOf(r)) && base.has(keyOf(r)));
    const sum = (f: (r: Row) => number) => both.reduce((a, r) => a + f(r), 0);
    console.log(`${warm ? 'warm' : 'cold'} ${label}: ${sum((r) => r.challenges)} challenges, ${sum((r) => r.over.length)} over, ${sum((r) => r.forbidden)} 403, attack cells late ${sum(late)}/${sum((r) => Object.keys(r.attacks).length)}`);
  }
}
console.log(`differences: ${differences}${worse ? ' (an attack stopped later, or a routine 403 appeared)' : ''}`);
process.exit(worse ? 1 : 0);
