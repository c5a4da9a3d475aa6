/**
 * Risk engine on/off cost in-process: examples/stepgate.yaml as a pipeline runtime, with and
 * without its risk section, the same cached-token requests through evaluate(), alternating
 * A B B A rounds so that load from other processes hits both alike; prints the medians, and the
 * on/off ratio of each round with their median and spread. No gRPC, so the engine's share of the
 * work is larger here than through the server (a harsher ratio than bench (e)).
 *
 * Each runtime has its own simulated clock, moved 5 ms forward per Check: a pass over the 600
 * requests is 3 s, so each engineer makes one request a second and one Secret read every 3 s,
 * below the request- and sensitive-rate thresholds, as in a working day. On the wall clock the
 * same loop made each engineer hundreds of requests a second: after a second or so the rate
 * signals fired and every Secret read was refused (auth_too_old, high band), so the "on" variant
 * measured rate signals, denials and challenges instead of routine Checks. The routine is checked
 * before and after the rounds (every request allowed, nothing but path_sensitive contributing).
 *
 *   npx tsx bench/risk-ratio.ts [seconds-per-round] [git-ref…]
 *
 * With git refs, each is exported (git archive) to a temporary directory that borrows this tree's
 * node_modules, and its pipeline is loaded into this same process beside the working tree's: every
 * round runs each tree's on and off variant back to back (the order reversed every other round),
 * and per tree this prints the engine's added cost per Check, 1/on − 1/off in µs, taken within
 * each round, with its median and spread. BENCH_RISK_ROUNDS (default 4) sets the rounds.
 *
 * BENCH_RISK_ALLOC=1 adds heap bytes allocated per Check for each tree's on and off variant
 * (bench/alloc.ts measureAllocation, 20,000 Checks, median of 3); BENCH_RISK_ALLOC_PROFILE=1 adds
 * where the working tree's on variant allocates them (alloc.ts' sampling profile, by site).
 *
 * Rates are Checks per second of this process' CPU time (user + system, GC threads included),
 * not of wall time: on a shared machine a round's wall time includes waits for a core.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type { parseConfig as ParseConfig } from '../src/config/load.js';
import type { evaluate as Evaluate } from '../src/pipeline/evaluate.js';
import type { buildRuntime as BuildRuntime, Runtime } from '../src/pipeline/runtime.js';
import type { RawRequest } from '../src/request/attributes.js';
import { allocationProfile, measureAllocation } from './alloc.js';
import { routineLoad } from './routine-load.js';
import { median, ratioSummary, summarize } from './stats.mjs';
import { exportRef } from './git-tree.js';

const seconds = Number(process.argv[2] ?? 2);
const refs = process.argv.slice(3);
const ROUNDS = Number(process.env.BENCH_RISK_ROUNDS ?? 4);
const { here, text, fetchFn, now, signIns, requests } = await routineLoad();

/** Simulated time per Check (see the header). */
const STEP_MS = 5;

interface Clocked {
  rt: Runtime;
  /** The runtime's clock (epoch ms), moved by STEP_MS before each Check. */
  t: number;
}

interface Tree {
  name: string;
  evaluate: typeof Evaluate;
  on: Clocked;
  off: Clocked;
}

/** One Check that must not wait (cached token, memory store): what the allocation runs count. */
function sync(t: Tree, c: Clocked, r: RawRequest): void {
  c.t += STEP_MS;
  if (t.evaluate(c.rt, r, []) instanceof Promise) throw new Error(`${t.name}: a Check waited (token not cached?)`);
}

/** Throws unless every request is allowed with no contribution but the path's own sensitivity. */
async function checkRoutine(t: Tree, when: string): Promise<void> {
  const on = t.on;
  let odd = 0;
  for (const r of requests) {
    on.t += STEP_MS;
    const v = (await t.evaluate(on.rt, r, [])) as { allow: boolean; risk?: { contributions: readonly { code: string }[] } };
    if (!v.allow || (v.risk?.contributions ?? []).some((c) => c.code !== 'path_sensitive')) odd++;
  }
  if (odd > 0) throw new Error(`${t.name}: ${odd} of ${requests.length} requests ${when} are refused or raise a signal with the risk engine on: not the routine load this measures`);
}

/** The pipeline of the source tree at `src`, with the risk section and without. */
async function load(name: string, src: string): Promise<Tree> {
  const at = (p: string) => pathToFileURL(join(src, p)).href;
  const { parseConfig } = (await import(at('config/load.ts'))) as { parseConfig: typeof ParseConfig };
  const { buildRuntime } = (await import(at('pipeline/runtime.ts'))) as { buildRuntime: typeof BuildRuntime };
  const { evaluate } = (await import(at('pipeline/evaluate.ts'))) as { evaluate: typeof Evaluate };
  const runtime = (risk: boolean): Clocked => {
    const c: Clocked = { rt: undefined as unknown as Runtime, t: now };
    c.rt = buildRuntime(parseConfig(risk ? text : text.replace('\nrisk:\n', '\nrisk:\n  enabled: false\n'), 'examples/stepgate.yaml'), { fetch: fetchFn as never, now: () => c.t, env: {} });
    return c;
  };
  const t = { name, evaluate, on: runtime(true), off: runtime(false) };
  for (const c of [t.on, t.off]) {
    for (const r of [...signIns, ...requests]) {
      c.t += STEP_MS;
      await evaluate(c.rt, r, []); // warm: keys, token cache, history
    }
  }
  await checkRoutine(t, 'before the rounds');
  return t;
}

/** Checks per second of this process' CPU time (user + system), so time spent waiting for a core that other processes hold is not counted against either variant. */
async function round(t: Tree, c: Clocked): Promise<number> {
  let n = 0;
  const cpu = process.cpuUsage();
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    for (let k = 0; k < 64; k++) {
      c.t += STEP_MS;
      const v = t.evaluate(c.rt, requests[n % requests.length]!, []);
      if (v instanceof Promise) await v;
      n++;
    }
  }
  const used = process.cpuUsage(cpu);
  return n / ((used.user + used.system) / 1e6);
}

const exported: string[] = [];
try {
  const trees: Tree[] = [await load('working tree', join(here, 'src'))];
  for (const ref of refs) {
    trees.push(await load(ref, join(exportRef(here, ref, exported, 'stepgate-risk-'), 'src')));
  }
  const rates = new Map(trees.map((t) => [t, { on: [] as number[], off: [] as number[] }]));
  const runs = trees.flatMap((t) => [[t, 'off'], [t, 'on']] as const);
  for (let r = 0; r < ROUNDS; r++) {
    // A B … B A, each tree's off and on adjacent so that their difference sees the same load.
    for (const [t, which] of r % 2 === 0 ? runs : [...runs].reverse()) rates.get(t)![which].push(await round(t, t[which]));
  }
  for (const t of trees) await checkRoutine(t, 'after the rounds');
  for (const t of trees) {
    const x = rates.get(t)!;
    // Ratios pair the on and off run of the same round (bench/stats.mjs).
    const ratio = ratioSummary(x.on, x.off, 3);
    const added = summarize(x.on.map((on, i) => 1e6 / on - 1e6 / x.off[i]!), 2);
    console.log(
      JSON.stringify({
        ...(refs.length > 0 ? { tree: t.name, engine_us: added.median, engine_us_spread: [added.min, added.max] } : {}),
        seconds_per_round: seconds,
        rounds: ROUNDS,
        off_per_s: Math.round(median(x.off)),
        on_per_s: Math.round(median(x.on)),
        ratio: ratio.median,
        ratio_spread: [ratio.min, ratio.max],
        off: x.off.map(Math.round),
        on: x.on.map(Math.round),
      }),
    );
  }
  if (process.env.BENCH_RISK_ALLOC === '1') {
    const N = 20_000;
    const run = (t: Tree, c: Clocked) => () => {
      for (let n = 0; n < N; n++) sync(t, c, requests[n % requests.length]!);
    };
    for (const t of trees) {
      const bytes = { on: [] as number[], off: [] as number[] };
      for (let i = 0; i < 3; i++) for (const which of ['off', 'on'] as const) bytes[which].push((await measureAllocation(run(t, t[which]))).bytes / N);
      const b = (xs: number[]) => ({ median: Math.round(median(xs)), spread: [Math.round(Math.min(...xs)), Math.round(Math.max(...xs))] });
      console.log(JSON.stringify({ tree: t.name, bytes_per_check_off: b(bytes.off), bytes_per_check_on: b(bytes.on) }));
    }
    for (const t of trees) await checkRoutine(t, 'after the allocation runs');
  }
  if (process.env.BENCH_RISK_ALLOC_PROFILE === '1') {
    const t = trees[0]!;
    await allocationProfile(() => {
      for (let n = 0; n < 20_000; n++) sync(t, t.on, requests[n % requests.length]!);
    }, 20_000);
  }
} finally {
  for (const d of exported) rmSync(d, { recursive: true, force: true });
}
