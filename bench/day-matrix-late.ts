/**
 * Issue 12's first target is every attack stopped before its first sensitive action succeeds. This
 * lists the attack cells of a `bench/day-matrix.ts --why --json` file that are stopped, but later
 * than that (`"N/M (cause)"` with N > M), grouped by what stopped them:
 *
 *   npx tsx bench/day-matrix-late.ts [FILE.json] [--warm|--cold] [--days=1,2,3]
 *
 * FILE defaults to the committed bench/day-matrix.json. Per mode and cause it prints the late
 * cells, the requests that passed from their first sensitive one on (sum of N - M), and per day and
 * attack the cells ("4/1 ×5"). Cells never stopped (`-/M`) are counted apart: they are late by
 * every measure, and no signal saw them at all. A file written without `--why` has no causes:
 * every cell is then under "(no cause: run with --why)".
 */
import { readFileSync } from 'node:fs';
import type { Row } from './day-matrix-row.js';

const args = process.argv.slice(2);
const flag = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const file = args.find((a) => !a.startsWith('--')) ?? 'bench/day-matrix.json';
const days = flag('days')?.split(',');
const modes = args.includes('--warm') ? [true] : args.includes('--cold') ? [false] : [true, false];
const rows = (JSON.parse(readFileSync(file, 'utf8')) as Row[]).filter((r) => days === undefined || days.includes(r.day));

const CELL = /^(\S+)\/(\d+)(?: d\d+)?(?: \((.*)\))?$/;

for (const warm of modes) {
  const byCause = new Map<string, { cells: number; passed: number; rows: Map<string, string[]> }>();
  let never = 0;
  let total = 0;
  for (const r of rows.filter((x) => x.warmup === warm)) {
    for (const [attack, cell] of Object.entries(r.attacks)) {
      total++;
      const m = CELL.exec(cell);
      if (m === null) continue;
      const [, at, first, cause] = m;
      if (at === '-') {
        never++;
        continue;
      }
      const n = Number(at);
      if (n <= Number(first)) continue;
      const k = cause ?? '(no cause: run with --why)';
      const g = byCause.get(k) ?? { cells: 0, passed: 0, rows: new Map<string, string[]>() };
      g.cells++;
      g.passed += n - Number(first);
      const key = `day ${r.day}: ${attack}`;
      g.rows.set(key, [...(g.rows.get(key) ?? []), `${n}/${first}`]);
      byCause.set(k, g);
    }
  }
  const late = [...byCause.values()].reduce((a, g) => a + g.cells, 0);
  console.log(`${warm ? 'warm' : 'cold'}: ${late + never} of ${total} attack cells late: ${late} stopped after their first sensitive action, ${never} never stopped`);
  for (const [cause, g] of [...byCause].sort((a, b) => b[1].cells - a[1].cells)) {
    console.log(`  ${cause}: ${g.cells} cells, ${g.passed} requests passed from the first sensitive one to the stop`);
    for (const [row, cells] of g.rows) {
      const counts = new Map<string, number>();
      for (const c of cells) counts.set(c, (counts.get(c) ?? 0) + 1);
      console.log(`    ${row.length > 140 ? `${row.slice(0, 137)}...` : row}: ${[...counts].map(([c, k]) => `${c} ×${k}`).join(', ')}`);
    }
  }
}
