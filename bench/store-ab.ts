/**
 * The memory store's share of bench/risk-ratio.ts, alone: the store calls that risk-ratio's routine
 * load makes (observe, observeWork, learn, learnWork, recordDenial), captured once from the working
 * tree's engine, are replayed against a fresh MemoryStateStore of each tree in one process,
 * alternating A B B A rounds; prints per tree ns per Check of CPU time (median, range) and its
 * ratio to the working tree's in the same round (median, range).
 *
 *   npx tsx bench/store-ab.ts [seconds-per-round] [git-ref…]     (BENCH_STORE_ROUNDS=8)
 *
 * BENCH_STORE_NOOP=1 adds a store whose calls return one fixed answer: the replay's own cost, to
 * subtract from the others. BENCH_STORE_PASSES=N instead runs N passes of one tree
 * (BENCH_STORE_TREE, an index in the order above, 0 the working tree) and exits, for a profiler
 * (`node --cpu-prof`; valgrind's callgrind aborted on a signal under this Node, 2026-12-03).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parseConfig } from '../src/config/load.js';
import { evaluate } from '../src/pipeline/evaluate.js';
import { buildRuntime, storeLimits } from '../src/pipeline/runtime.js';
import { MemoryStateStore } from '../src/state/memory.js';
import type { StoreLimits } from '../src/state/store.js';
import { routineLoad } from './routine-load.js';
import { summarize } from './stats.mjs';
import { exportRef } from './git-tree.js';

const seconds = Number(process.argv[2] ?? 1);
const refs = process.argv.slice(3);
const ROUNDS = Number(process.env.BENCH_STORE_ROUNDS ?? 8);
const STEP_MS = 5;
// The same engineers and requests as bench/risk-ratio.ts.
const { here, text, fetchFn, now, signIns, requests } = await routineLoad();

// Capture: every store call the engine makes, with its arguments as they were.
type Call = { m: string; args: unknown[] };
const calls: Call[] = [];
let capturing = false;
const proto = MemoryStateStore.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
// The wrappers are removed after the capture: left in place they slow this tree's replay alone.
const originals = new Map<string, (...a: unknown[]) => unknown>();
for (const m of ['observe', 'observeWork', 'learn', 'learnWork', 'recordDenial']) {
  const orig = proto[m]!;
  originals.set(m, orig);
  proto[m] = function (this: unknown, ...args: unknown[]) {
    if (capturing) calls.push({ m, args: args.map((a) => (typeof a === 'object' && a !== null ? { ...a } : a)) });
    return orig.apply(this, args);
  };
}
const cfg = parseConfig(text, 'examples/stepgate.yaml');
let t = now;
const rt = buildRuntime(cfg, { fetch: fetchFn as never, now: () => t, env: {} });
capturing = true;
for (const r of [...signIns, ...requests, ...requests, ...requests, ...requests]) {
  t += STEP_MS;
  await evaluate(rt, r, []);
}
capturing = false;
for (const [m, orig] of originals) proto[m] = orig;
const checks = calls.filter((c) => c.m === 'observe').length;

interface Tree { name: string; Store: typeof MemoryStateStore }
const trees: Tree[] = [{ name: 'working tree', Store: MemoryStateStore }];
const exported: string[] = [];
try {
  for (const ref of refs) {
    const dir = exportRef(here, ref, exported, 'stepgate-store-');
    const mod = (await import(pathToFileURL(join(dir, 'src/state/memory.ts')).href)) as { MemoryStateStore: typeof MemoryStateStore };
    trees.push({ name: ref, Store: mod.MemoryStateStore });
  }
  const limits: StoreLimits = storeLimits(cfg)!;
  if (process.env.BENCH_STORE_NOOP === '1') {
    const history = {};
    trees.push({
      name: 'no-op (replay only)',
      Store: class {
        observe() { return history; }
        observeWork() { return history; }
        learn() {}
        learnWork() {}
        recordDenial() {}
      } as unknown as typeof MemoryStateStore,
    });
  }
  const span = (calls.at(-1)!.args[0] as { nowMs?: number }).nowMs ?? 0;
  /**
   * One replay pass over the captured calls, time shifted so that passes follow each other. The
   * observations are the captured objects with their time rewritten (the store keeps none of
   * them), so the pass allocates nothing of its own.
   */
  const base = calls.map((c) => (typeof c.args[0] === 'object' ? (c.args[0] as { nowMs: number }).nowMs : 0));
  const pass = (s: MemoryStateStore, shift: number) => {
    const st = s as unknown as Record<string, (...a: unknown[]) => unknown>;
    for (let i = 0; i < calls.length; i++) {
      const c = calls[i]!;
      const a = c.args;
      switch (c.m) {
        case 'observe':
          (a[0] as { nowMs: number }).nowMs = base[i]! + shift;
          st.observe!(a[0]);
          break;
        case 'observeWork':
          (a[0] as { nowMs: number }).nowMs = base[i]! + shift;
          st.observeWork!(a[0]);
          break;
        case 'learn': st.learn!(a[0], a[1], a[2], a[3], (a[4] as number) + shift, a[5]); break;
        case 'learnWork': st.learnWork!(a[0], a[1], a[2], (a[3] as number) + shift, a[4], a[5], a[6]); break;
        case 'recordDenial': st.recordDenial!(a[0], (a[1] as number) + shift); break;
      }
    }
  };
  const state = trees.map((tr) => ({ tr, s: new tr.Store(limits, { maxSubjects: 100_000 }), shift: 0, ns: [] as number[] }));
  for (const x of state) for (let i = 0; i < 3; i++) { pass(x.s, x.shift); x.shift += span - now + STEP_MS; }
  const fixed = Number(process.env.BENCH_STORE_PASSES ?? 0);
  if (fixed > 0) {
    // A fixed amount of work on one tree: two runs with different counts give, by their
    // difference, what a profiler or instruction counter attributes to the passes alone.
    const x = state[Number(process.env.BENCH_STORE_TREE ?? 0)]!;
    for (let i = 0; i < fixed; i++) { pass(x.s, x.shift); x.shift += span - now + STEP_MS; }
    console.log(JSON.stringify({ tree: x.tr.name, passes: fixed, checks: fixed * checks }));
    process.exit(0);
  }
  for (let r = 0; r < ROUNDS; r++) {
    for (const x of r % 2 === 0 ? state : [...state].reverse()) {
      let n = 0;
      const cpu = process.cpuUsage();
      const end = performance.now() + seconds * 1000;
      while (performance.now() < end) { pass(x.s, x.shift); x.shift += span - now + STEP_MS; n += checks; }
      const used = process.cpuUsage(cpu);
      x.ns.push(((used.user + used.system) * 1000) / n);
    }
  }
  for (const x of state) {
    const s = summarize(x.ns, 0);
    // Each round's time over the first tree's in the same round: the load of that moment cancels.
    const paired = summarize(x.ns.map((v, i) => v / state[0]!.ns[i]!), 3);
    console.log(
      JSON.stringify({
        tree: x.tr.name,
        checks_per_pass: checks,
        calls_per_pass: calls.length,
        store_ns_per_check: s.median,
        spread: [s.min, s.max],
        over_first_tree: paired.median,
        over_first_tree_spread: [paired.min, paired.max],
        rounds: x.ns.map(Math.round),
      }),
    );
  }
} finally {
  for (const d of exported) rmSync(d, { recursive: true, force: true });
}
