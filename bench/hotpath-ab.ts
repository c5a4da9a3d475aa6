/**
 * bench/hotpath.ts for two versions of the code, in alternating processes (A B B A …): the
 * working tree, and a git ref exported (git archive) to a temporary directory that borrows this
 * tree's node_modules. Each process reports a median per shape; this prints, per shape, the median
 * of those medians with their spread for each version, and the projected ratio against the no-op
 * server: by CPU, a Check costs the no-op's gRPC work (`BENCH_NOOP_US`, 85 µs in the latest quiet
 * run) plus stepgate's own, so the ratio is noop / (noop + own).
 *
 *   node --import tsx bench/hotpath-ab.ts <git-ref> [<git-ref>]   (BENCH_AB_PAIRS=3, BENCH_SHAPES, BENCH_NOOP_US=85;
 *                                                      BENCH_TRACING=0 is passed on to hotpath.ts)
 *
 * With BENCH_TRACING=1 each process measures tracing off and on (hotpath.ts' two columns), and a
 * second table gives, per version, the weighted mix off and on and the extra per traced Check
 * (on − off within each process, so the load of that process' minute cancels), median and spread.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { exportRef } from './git-tree.js';

const ref = process.argv[2];
/** A second ref instead of the working tree: the tree can then be edited while the comparison runs. */
const ref2 = process.argv[3];
if (!ref) throw new Error('usage: bench/hotpath-ab.ts <git-ref> [<git-ref>]');
const PAIRS = Number(process.env.BENCH_AB_PAIRS ?? 3);
const NOOP_US = Number(process.env.BENCH_NOOP_US ?? 85);
const here = resolve(import.meta.dirname, '..');
const exported: string[] = [];
const exportTree = (r: string) => exportRef(here, r, exported);
try {
  const trees = ref2 ? { [ref]: exportTree(ref), [ref2]: exportTree(ref2) } : { [ref]: exportTree(ref), 'working tree': here };
  const names = Object.keys(trees);
  // runs[name][shape] = that process' median µs per Check
  const runs: Record<string, Map<string, number[]>> = Object.fromEntries(names.map((n) => [n, new Map()]));
  // mixes[name] = [off, on] of each process' weighted mix (BENCH_TRACING=1)
  const mixes: Record<string, [number, number][]> = Object.fromEntries(names.map((n) => [n, []]));
  const loads: string[] = [loadavg()[0]!.toFixed(1)];
  // Every shape in both (an older hotpath.ts has no BENCH_SHAPES); the filter applies to the table.
  const childEnv: NodeJS.ProcessEnv = { ...process.env, BENCH_TRACING: process.env.BENCH_TRACING ?? '0' };
  delete childEnv.BENCH_SHAPES;
  for (let pair = 0; pair < PAIRS; pair++) {
    for (const name of pair % 2 === 0 ? names : [...names].reverse()) {
      const out = spawnSync(process.execPath, ['--import', 'tsx', 'bench/hotpath.ts'], {
        cwd: trees[name],
        env: childEnv,
        encoding: 'utf8',
      });
      if (out.status !== 0) throw new Error(`hotpath.ts in ${name} failed: ${out.stderr}`);
      for (const line of out.stdout.split('\n')) {
        // | **weighted mix** | 1 | **off** | **on** |
        const mix = /^\| \*\*weighted mix\*\* \| 1 \| \*\*([\d.]+)\*\* \| \*\*([\d.]+)\*\* \|/.exec(line);
        if (mix) mixes[name]!.push([Number(mix[1]), Number(mix[2])]);
        // | shape | weight | median (min–max) | …
        const m = /^\| ([^|*]+?) \| [\d.]+ \| ([\d.]+) \(/.exec(line);
        if (!m) continue;
        const list = runs[name]!.get(m[1]!) ?? [];
        list.push(Number(m[2]));
        runs[name]!.set(m[1]!, list);
      }
      loads.push(loadavg()[0]!.toFixed(1));
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const only = process.env.BENCH_SHAPES;
  console.log(`${PAIRS * 2} processes alternating; 1-min load average ${loads.join(' → ')}; no-op taken as ${NOOP_US} µs of CPU per Check`);
  console.log(`| shape | ${names.map((n) => `${n} µs/Check`).join(' | ')} | ${names.map((n) => `projected vs no-op (${n})`).join(' | ')} |`);
  console.log(`|---|${names.map(() => '--:').join('|')}|${names.map(() => '--:').join('|')}|`);
  for (const shape of runs[names[1]!]!.keys()) {
    if (only !== undefined && !shape.includes(only)) continue;
    const cells = names.map((n) => {
      const xs = runs[n]!.get(shape);
      return xs ? { m: median(xs), text: `${median(xs).toFixed(1)} (${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)})` } : undefined;
    });
    const ratios = cells.map((c) => (c ? (NOOP_US / (NOOP_US + c.m)).toFixed(2) : '—'));
    console.log(`| ${shape} | ${cells.map((c) => c?.text ?? '—').join(' | ')} | ${ratios.join(' | ')} |`);
  }
  if (mixes[names[0]!]!.length > 0) {
    const cell = (xs: number[], d = 1) => `${median(xs).toFixed(d)} (${Math.min(...xs).toFixed(d)}–${Math.max(...xs).toFixed(d)})`;
    console.log('\n| weighted mix, per process | tracing off µs/Check | tracing on µs/Check | on − off | off / on |\n|---|--:|--:|--:|--:|');
    for (const n of names) {
      const m = mixes[n]!;
      console.log(`| ${n}, ${m.length} runs | ${cell(m.map((x) => x[0]))} | ${cell(m.map((x) => x[1]))} | **${cell(m.map((x) => x[1] - x[0]))}** | ${cell(m.map((x) => x[0] / x[1]), 2)} |`);
    }
  }
} finally {
  for (const dir of exported) rmSync(dir, { recursive: true, force: true });
}
