/**
 * In-process: what the risk engine adds per Check on the shapes scenario (e) serves, through the
 * server's own handler (handleCheck: decode, evaluate, answer bytes, metrics, decision log), with
 * (e)'s configuration (fixtures.ts configYaml with riskYaml, `state.store: memory`), (e)'s frames
 * (one subject per shape, its address and device learned first with a fresh aal2 token, exactly
 * as run.ts' riskScenario does) and the real clock. bench/risk-ratio.ts replays a routine day
 * through evaluate() instead: other requests, other configuration, a simulated clock, no handler.
 *
 * Each Check decodes its frame from the bytes again (as the server does for every request), and
 * the Checks of a shape run in chunks of 500 with an event-loop turn between them, so work left
 * for after the answer (learning, denial records, timers, promises) runs and is counted.
 *
 *   node --import tsx bench/engine-ab.ts [git-ref…]   (BENCH_ROUNDS=6, BENCH_ITERATIONS=20000 per shape and round)
 *
 * With git refs, each is exported (git archive) beside this tree, borrowing its node_modules, and
 * its server code is loaded into this same process: every round runs each tree's off and on
 * variant of a shape back to back (the order reversed every other round). Per tree and shape it
 * prints CPU µs per Check off and on, the engine's added µs (on − off within each round) and the
 * on/off ratio by CPU, median (min–max) over the rounds after the first; then heap bytes
 * allocated per Check (bench/alloc.ts measureAllocation, median of 3). Decisions are checked
 * against each shape's expectation before and after the rounds, in every variant.
 * BENCH_ENGINE_PROFILE=1 adds where the working tree's on variant allocates (alloc.ts' profile;
 * =both: the off variant too);
 * with BENCH_ENGINE_DIST=1 the working tree is loaded from dist/ (`npm run build` first), whose
 * line numbers the profile can name.
 *
 * No instruction counts: callgrind (every thread counted, GC and compiler included) moved the same
 * tree's count per Check by half between windows of 1,000 Checks, and under valgrind the run
 * outlasts the aal2 tokens' 900 s freshness, so the decisions change mid-run.
 */
import { rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import type * as LoadModule from '../src/config/load.js';
import type * as RuntimeModule from '../src/pipeline/runtime.js';
import type * as ServerModule from '../src/server/grpc/server.js';
import type * as EncodedModule from '../src/server/grpc/encoded-allows.js';
import type * as DecodeModule from '../src/server/grpc/decode.js';
import type * as ProtosModule from '../src/server/grpc/protos.js';
import type * as LogModule from '../src/telemetry/log.js';
import type * as TelemetryModule from '../src/telemetry/telemetry.js';
import type { CheckRequestMessage } from '../src/server/grpc/check.js';
import { allocationProfile, measureAllocation } from './alloc.js';
import { decodeDecision } from './codec.js';
import { buildFrame, configYaml, SHAPES, startIssuer, type Frame } from './fixtures.js';
import { formatSummary, median, summarize } from './stats.mjs';
import { exportRef } from './git-tree.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 6);
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 20_000);
const CHUNK = 500;
/** run.ts RISK_SHAPES. */
const RISK_SHAPES = ['kubectl get pods (dev)', 'grafana dashboard', 'kubectl get secret (prod, aal2)', 'kubectl patch deployment (prod, aal2)', 'kubectl get secret (aal1: step-up)'];
const here = resolve(import.meta.dirname, '..');
const refs = process.argv.slice(2);

type Callback = (err: unknown, res: unknown) => void;
interface Variant {
  check(bytes: Buffer, done: Callback): void;
  send(res: unknown): Buffer;
}
interface Tree {
  name: string;
  off: Variant;
  on: Variant;
}

const issuer = await startIssuer();
const shapes = RISK_SHAPES.map((n) => SHAPES.find((s) => s.name === n)!);
const frames = await Promise.all(shapes.map((s, i) => buildFrame(issuer, s, 700 + i)));
const learnFrames = await Promise.all(shapes.map((s, i) => buildFrame(issuer, { ...s, level: 'aal2', expect: { allow: true, reason: 'allowed' } }, 700 + i)));

async function variant(src: string, risk: boolean): Promise<Variant> {
  // A built tree (dist/) is loaded as JavaScript: tsc keeps the source's lines, so the allocation
  // profile names them (tsx's output does not).
  const at = (p: string) => pathToFileURL(join(src, src.endsWith('dist') ? p.replace(/\.ts$/, '.js') : p)).href;
  // Typed as this tree's modules: another tree's have the same exports (an older one may differ
  // inside, which is the point).
  const { parseConfig } = (await import(at('config/load.ts'))) as typeof LoadModule;
  const { buildRuntime } = (await import(at('pipeline/runtime.ts'))) as typeof RuntimeModule;
  const { handleCheck } = (await import(at('server/grpc/server.ts'))) as typeof ServerModule;
  const { EncodedAllowCache } = (await import(at('server/grpc/encoded-allows.ts'))) as typeof EncodedModule;
  const { decodeCheckRequest } = (await import(at('server/grpc/decode.ts'))) as typeof DecodeModule;
  const { authorizationService, responseSerializer, servedCheck } = (await import(at('server/grpc/protos.ts'))) as typeof ProtosModule;
  const { createLogger } = (await import(at('telemetry/log.ts'))) as typeof LogModule;
  const { Telemetry } = (await import(at('telemetry/telemetry.ts'))) as typeof TelemetryModule;
  const config = parseConfig(configYaml(issuer.jwksUri, '127.0.0.1:0', risk ? { store: 'memory' } : undefined), 'bench.yaml');
  const log = createLogger('warn', { write: () => undefined });
  const rt = buildRuntime(config, { fetch: (u: string | URL | Request, i?: RequestInit) => fetch(u, i), now: Date.now, env: {} });
  const telemetry = await Telemetry.start({ config, env: {}, log, runtime: () => rt, now: Date.now });
  await rt.verifier.warm();
  const def = authorizationService();
  const served = servedCheck(def, decodeCheckRequest).Check!;
  const deserialize = served.requestDeserialize as (b: Buffer) => CheckRequestMessage;
  const serialize = served.responseSerialize as (m: unknown) => Buffer;
  const encoded = new EncodedAllowCache(responseSerializer(def));
  const opts = { runtime: () => rt, log, listen: '' };
  return {
    check: (bytes, done) => handleCheck(opts, telemetry, encoded, deserialize(bytes), new grpc.Metadata(), done),
    send: serialize,
  };
}

function once(v: Variant, f: Frame): Promise<Buffer> {
  return new Promise((ok, fail) => v.check(f.message, (err, res) => (err ? fail(new Error(`${f.shape.name}: the Check failed`)) : ok(v.send(res)))));
}

async function verify(t: Tree, which: 'off' | 'on', fs: readonly Frame[], when: string): Promise<void> {
  for (const f of fs) {
    const d = decodeDecision(await once(t[which], f));
    if (d.allow !== f.shape.expect.allow || d.reason !== f.shape.expect.reason) throw new Error(`${t.name} ${which} ${when}: ${f.shape.name} answered ${JSON.stringify(d)}, expected ${JSON.stringify(f.shape.expect)}`);
  }
}

async function load(name: string, src: string): Promise<Tree> {
  const t: Tree = { name, off: await variant(src, false), on: await variant(src, true) };
  for (const which of ['off', 'on'] as const) {
    await verify(t, which, learnFrames, 'learning');
    await new Promise((r) => setTimeout(r, 50));
    await verify(t, which, frames, 'before the rounds');
  }
  return t;
}

/** `n` Checks of one frame in chunks, an event-loop turn after each; CPU µs per Check. */
async function run(v: Variant, f: Frame, n: number): Promise<number> {
  let answered = 0;
  const done: Callback = (err) => {
    if (err) throw new Error('the Check failed');
    answered++;
  };
  const before = process.cpuUsage();
  for (let k = 0; k < n; k += CHUNK) {
    for (let i = 0; i < Math.min(CHUNK, n - k); i++) v.check(f.message, done);
    await new Promise((r) => setImmediate(r));
  }
  const used = process.cpuUsage(before);
  if (answered !== n) throw new Error(`${f.shape.name}: ${answered} of ${n} Checks answered within their chunk`);
  return (used.user + used.system) / n;
}

const exported: string[] = [];
try {
  // BENCH_ENGINE_DIST=1: the working tree's dist/ (npm run build first) instead of its src/.
  const trees: Tree[] = [await load('working tree', join(here, process.env.BENCH_ENGINE_DIST === '1' ? 'dist' : 'src'))];
  for (const ref of refs) {
    trees.push(await load(ref, join(exportRef(here, ref, exported, 'stepgate-engine-'), 'src')));
  }
  const loads = [loadavg()[0]!.toFixed(1)];
  // us[tree][which][shape] = µs per Check in each counted round
  const us = trees.map(() => ({ off: shapes.map(() => [] as number[]), on: shapes.map(() => [] as number[]) }));
  // BENCH_ENGINE_ONLY=on (or off): the rounds run that variant alone, e.g. under --cpu-prof to
  // compare where the two spend their time (the tables then show only that variant).
  const only = process.env.BENCH_ENGINE_ONLY;
  const runs = trees.flatMap((_, i) => [[i, 'off'], [i, 'on']] as const).filter(([, w]) => only === undefined || w === only);
  for (let r = 0; r < ROUNDS; r++) {
    for (let s = 0; s < shapes.length; s++) {
      for (const [i, which] of r % 2 === 0 ? runs : [...runs].reverse()) {
        const x = await run(trees[i]![which], frames[s]!, ITERATIONS);
        if (r > 0) us[i]![which][s]!.push(x);
      }
    }
  }
  loads.push(loadavg()[0]!.toFixed(1));
  for (const t of trees) for (const which of ['off', 'on'] as const) await verify(t, which, [...frames, ...learnFrames], 'after the rounds');
  console.log(`load average ${loads.join(' → ')}; ${ROUNDS - 1} counted rounds of ${ITERATIONS} Checks per shape, tree and variant`);
  console.log('| tree | shape | off µs/Check | on µs/Check | engine µs (on − off) | off/on by CPU |\n|---|---|--:|--:|--:|--:|');
  const f1 = (x: number) => x.toFixed(1);
  const f3 = (x: number) => x.toFixed(3);
  trees.forEach((t, i) => {
    const mixOff: number[] = [];
    const mixOn: number[] = [];
    shapes.forEach((sh, s) => {
      const off = us[i]!.off[s]!;
      const on = us[i]!.on[s]!;
      off.forEach((x, r) => {
        mixOff[r] = (mixOff[r] ?? 0) + x / shapes.length;
        mixOn[r] = (mixOn[r] ?? 0) + on[r]! / shapes.length;
      });
      const added = on.map((x, r) => x - off[r]!);
      const ratio = on.map((x, r) => off[r]! / x);
      console.log(`| ${t.name} | ${sh.name} | ${formatSummary(summarize(off), f1)} | ${formatSummary(summarize(on), f1)} | ${formatSummary(summarize(added), f1)} | ${formatSummary(summarize(ratio), f3)} |`);
    });
    const added = mixOn.map((x, r) => x - mixOff[r]!);
    const ratio = mixOn.map((x, r) => mixOff[r]! / x);
    console.log(`| ${t.name} | **(e)'s five shapes, equal time** | ${formatSummary(summarize(mixOff), f1)} | ${formatSummary(summarize(mixOn), f1)} | ${formatSummary(summarize(added), f1)} | ${formatSummary(summarize(ratio), f3)} |`);
  });
  const N = 10_000;
  console.log('\n| tree | shape | off B/Check | on B/Check | engine B/Check |\n|---|---|--:|--:|--:|');
  for (const t of trees) {
    for (const [s, f] of frames.entries()) {
      const b = { off: [] as number[], on: [] as number[] };
      for (let k = 0; k < 3; k++) for (const which of ['off', 'on'] as const) b[which].push((await measureAllocation(() => run(t[which], f, N).then(() => undefined))).bytes / N);
      console.log(`| ${t.name} | ${shapes[s]!.name} | ${median(b.off).toFixed(0)} | ${median(b.on).toFixed(0)} | ${(median(b.on) - median(b.off)).toFixed(0)} |`);
    }
  }
  // BENCH_ENGINE_PROFILE=1 (or on): the on variant; =both: off then on, so that what the engine
  // changes outside its own functions (the answer, telemetry) shows as a difference too.
  const profile = process.env.BENCH_ENGINE_PROFILE;
  if (profile === '1' || profile === 'on' || profile === 'both') {
    for (const f of frames) {
      for (const which of profile === 'both' ? (['off', 'on'] as const) : (['on'] as const)) {
        console.log(`\n### ${f.shape.name}, risk ${which}`);
        await allocationProfile(() => run(trees[0]![which], f, N).then(() => undefined), N);
      }
    }
  }
} finally {
  for (const d of exported) rmSync(d, { recursive: true, force: true });
  await issuer.close();
}
process.exit(0);
