/**
 * (h)'s pauses named: scenario (h)'s sequence (bench/run.ts latencyScenario: the closed-loop
 * saturation runs first, then each offered rate in rounds alternating with the no-op), with each
 * server watched from inside so that every event-loop stall gets a cause:
 *
 * - bench/loop-probe.mjs preloaded: every event-loop turn more than 1 ms late, and every GC;
 * - `--trace-gc-nvp`: each collection's kind, pause, heap sizes, promoted bytes and the phases
 *   of its pause (a mark-compact's `clear.external_string_table`, `evacuate` …);
 * - `--cpu-prof` (stepgate only, BENCH_PAUSE_PROF_US µs sampling): what ran during each stall;
 *   a stretch without samples is time the process was not on a CPU (the machine's other work);
 *   "busy periods" are runs of samples without an idle one between them, counted in on-CPU time;
 * - the main thread's schedstat around each run: CPU time, and time spent runnable but waiting
 *   for a CPU (the machine's share of the stalls).
 *
 * Each stall of a stepgate run longer than BENCH_PAUSE_STALL_MS (5) is put down to one cause:
 * `gc <kind>` when a collection covers most of it, `off-cpu` when most of it has no samples, else
 * the JavaScript function (file:line) with most samples in it. Per run: the latency percentiles,
 * the stall count by cause and the largest, the main thread's runqueue wait, the GCs.
 *
 * On a machine shared with other work, run it under `chrt -r 10` (root): the servers, h2load and
 * V8's GC threads then take a CPU when they need one (the runqueue wait column shows ~0), which is
 * what a quiet machine gives; `nice` does not, across the other sessions' cgroups.
 *
 *   npm run build && chrt -r 10 node --import tsx bench/pauses.ts
 *     BENCH_PAUSE_RATES=1000,3000,5000  BENCH_SECONDS=2  BENCH_ROUNDS=3  BENCH_PAUSE_SATURATE=0 (skip the closed-loop runs)
 *     BENCH_PAUSE_FLAGS="--flag …" (more node flags for stepgate, after the launcher's: the last of a flag wins)
 *     BENCH_PAUSE_NOOP_FLAGS  BENCH_PAUSE_LIST=1 (every long stall)  BENCH_PAUSE_SPACES=1 (heap spaces after each run)
 *     BENCH_PAUSE_WARMUP=SECONDS (open loop at the first rate, unmeasured, after the saturation runs)
 *     BENCH_PAUSE_STDOUT=FILE (stepgate's stdout: the GC trace and any other --trace-… flag's)  BENCH_PAUSE_KEEP=1
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchFlags } from '../src/heap-limit.js';
import { awaitServer, CHECK_PATH, decodeDecision, RawCheckClient } from './codec.js';
import { buildFrame, configYaml, SHAPES, startIssuer } from './fixtures.js';
import { runCommand } from './run-command.js';
import { freePort } from './free-port.js';
import { percentileOfSorted } from './stats.mjs';

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = join(BENCH, '..');
const RATES = (process.env.BENCH_PAUSE_RATES ?? '1000,3000,5000').split(',').map(Number);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SATURATE = process.env.BENCH_PAUSE_SATURATE !== '0';
const WARMUP = Number(process.env.BENCH_PAUSE_WARMUP ?? 0);
const STALL_MS = Number(process.env.BENCH_PAUSE_STALL_MS ?? 5);
const PROF_US = Number(process.env.BENCH_PAUSE_PROF_US ?? 250);
const LIST = process.env.BENCH_PAUSE_LIST === '1';
const EXTRA = (process.env.BENCH_PAUSE_FLAGS ?? '').split(/\s+/).filter(Boolean);
const NOOP_EXTRA = (process.env.BENCH_PAUSE_NOOP_FLAGS ?? '').split(/\s+/).filter(Boolean);
const PROBE = join(BENCH, 'loop-probe.mjs');
/** BENCH_PAUSE_STDOUT=FILE: stepgate's stdout (the GC traces and any other --trace-… flag's), each line with the time it arrived. */
const RAW = process.env.BENCH_PAUSE_STDOUT;
const SHAPE = 'kubectl get pods (dev)';

interface Stall { at: number; late_ms: number }
interface Probe { spaces?: Record<string, number>; stalls: Stall[]; gcs: { at: number; ms: number; kind: string }[]; clock: { wall: number; mono_us: number; origin: number } }
interface GcLine { at: number; kind: string; pause: number; before: number; after: number; promoted: number; allocated: number; incremental: number; reason: string; text: string }
interface Server { name: string; proc: ChildProcess; port: number; probeFile: string; gcLines: GcLine[]; origin?: number; profDir?: string }
interface Run { server: Server; rate: number; round: number; rows: number[][]; from: number; to: number; probe: Probe; runNs: number; waitNs: number }

const work = mkdtempSync(join(tmpdir(), 'stepgate-pauses-'));

async function start(name: string, args: string[], port: number, env: NodeJS.ProcessEnv, profDir?: string): Promise<Server> {
  const probeFile = join(work, `probe-${name}.json`);
  const proc = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env, LOOP_PROBE_OUT: probeFile }, stdio: ['ignore', 'pipe', 'inherit'] });
  const s: Server = { name, proc, port, probeFile, gcLines: [], profDir };
  let rest = '';
  proc.stdout!.on('data', (b: Buffer) => {
    const lines = (rest + b.toString()).split('\n');
    rest = lines.pop()!;
    if (RAW && name === 'stepgate') appendFileSync(RAW, lines.map((l) => `${(Date.now() % 1e6).toString().padStart(6)} ${l}\n`).join(''));
    for (const text of lines) {
      // --trace-gc-nvp: [pid:0x…]   12345 ms: pause=1.2 mutator=… gc=s … name=value …
      // (Node 24 and later print it as JSON: [pid:0x…:0]   12345 ms: GC: {"pause":1.2,"gc":"s",…})
      const m = /\s(\d+(?:\.\d+)?) ms: (pause=.*|GC: \{.*\})$/.exec(text);
      if (!m) continue;
      const f: Record<string, string> = m[2]!.startsWith('GC: ')
        ? Object.fromEntries(Object.entries(JSON.parse(m[2]!.slice(4)) as Record<string, unknown>).map(([k, v]) => [k, String(v)]))
        : Object.fromEntries(m[2]!.split(' ').map((kv) => kv.split('=')).filter((kv) => kv.length === 2).map(([k, v]) => [k!, v!]));
      const n = (k: string) => {
        const x = Number(f[k] ?? 0);
        // V8 prints some counters as unsigned sizes: a difference that went negative reads as ~2^64.
        return x > 2 ** 50 ? 0 : x;
      };
      const kind = f.gc === 's' ? 'Scavenge' : f.gc === 'mc' ? 'Mark-Compact' : f.gc === 'mmc' ? 'Minor Mark-Compact' : String(f.gc);
      const phases = ['mark', 'evacuate', 'clear', 'sweep', 'mark.roots', 'mark.full_closure_parallel', 'mark.ephemeron.marking', 'mark.finish_incremental', 'evacuate.copy', 'evacuate.update_pointers', 'scavenge.roots', 'scavenge.parallel', 'scavenge.weak_global_handles.process', 'time_to_safepoint'];
      s.gcLines.push({ at: Number(m[1]), kind, pause: n('pause'), before: (n('total_size_before') || n('start_object_size')) / 1048576, after: (n('total_size_after') || n('end_object_size')) / 1048576, promoted: n('promoted'), allocated: n('allocated'), incremental: n('incremental.steps_took') || n('incremental'),
        reason: Object.keys(f).filter((k) => (phases.includes(k) || /^(clear|evacuate|sweep|mark)\./.test(k)) && n(k) >= 0.5).map((k) => `${k}=${n(k)}`).join(' '), text });
    }
  });
  await awaitServer(proc, port);
  return s;
}

async function probe(s: Server): Promise<Probe> {
  rmSync(s.probeFile, { force: true });
  s.proc.kill('SIGUSR2');
  for (let i = 0; i < 200; i++) {
    await new Promise((r) => setTimeout(r, 25));
    try {
      const p = JSON.parse(readFileSync(s.probeFile, 'utf8')) as Probe;
      s.origin = p.clock.origin;
      return p;
    } catch {
      // not written yet
    }
  }
  throw new Error(`${s.name}: no probe output`);
}

/** The main thread's CPU time and runqueue wait so far, ns (/proc/PID/task/PID/schedstat). */
function schedstat(pid: number): [number, number] {
  const [run, wait] = readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').trim().split(/\s+/).map(Number);
  return [run!, wait!];
}

async function openLoop(s: Server, frameFile: string, rate: number): Promise<number[][]> {
  const clients = 4;
  const log = join(work, `latency-${s.name}.log`);
  rmSync(log, { force: true });
  await runCommand(
    'h2load',
    [`--rps=${(rate / clients).toFixed(3)}`, `--requests=${Math.max(clients, Math.round(rate * SECONDS))}`, `--clients=${clients}`, '--max-concurrent-streams=1000', '--threads=1', `--data=${frameFile}`,
      '--header=content-type: application/grpc', '--header=te: trailers', `--log-file=${log}`, `http://127.0.0.1:${s.port}${CHECK_PATH}`],
    (SECONDS + 30) * 1000,
  );
  return readFileSync(log, 'utf8').trim().split('\n').map((l) => l.split('\t').map(Number));
}

async function closedLoop(s: Server, frameFile: string): Promise<void> {
  await runCommand('h2load', ['--duration=1500ms', '--warm-up-time=500ms', '--clients=8', '--max-concurrent-streams=16', '--threads=1', `--data=${frameFile}`,
    '--header=content-type: application/grpc', '--header=te: trailers', `http://127.0.0.1:${s.port}${CHECK_PATH}`], 40_000);
}

interface Profile { nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[]; startTime: number; samples: number[]; timeDeltas: number[] }

/** Per sample: its wall-clock time (ms) and what it was in: a GC, idle, or the JavaScript frame to name. */
function samplesOf(s: Server, clock: Probe['clock']): { at: number; what: string; dt: number }[] {
  const file = readdirSync(s.profDir!).find((f) => f.endsWith('.cpuprofile'));
  if (!file) return [];
  const p = JSON.parse(readFileSync(join(s.profDir!, file), 'utf8')) as Profile;
  const parent = new Map<number, number>();
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const label = new Map<number, string>();
  const name = (id: number): string => {
    const hit = label.get(id);
    if (hit) return hit;
    const n = byId.get(id)!;
    const f = n.callFrame;
    let out: string;
    if (['(garbage collector)', '(idle)', '(program)', '(root)'].includes(f.functionName)) out = f.functionName;
    else {
      // The frame to name: the innermost one in stepgate's own code (dist/), else the top frame.
      let at: number | undefined = id;
      let own: string | undefined;
      while (at !== undefined && own === undefined) {
        const cf = byId.get(at)!.callFrame;
        if (cf.url.includes('/dist/')) own = `${cf.functionName || '(anonymous)'} ${cf.url.replace(/^.*\/dist\//, '')}:${cf.lineNumber + 1}`;
        at = parent.get(at);
      }
      out = own ?? `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*node_modules\//, '').replace(/^node:/, 'node:')}:${f.lineNumber + 1}`;
    }
    label.set(id, out);
    return out;
  };
  const out: { at: number; what: string; dt: number }[] = [];
  let t = p.startTime;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i]!;
    const dt = p.timeDeltas[i + 1] ?? 0;
    out.push({ at: clock.wall + (t - clock.mono_us) / 1000, what: name(p.samples[i]!), dt: dt / 1000 });
  }
  return out;
}

function causeOf(stall: Stall, gcs: Probe['gcs'], samples: { at: number; what: string; dt: number }[]): { cause: string; detail: string } {
  const from = stall.at - stall.late_ms - 1;
  const to = stall.at;
  const len = to - from;
  const gcMs = gcs.filter((g) => g.at < to && g.at + g.ms > from).reduce((a, g) => a + Math.min(to, g.at + g.ms) - Math.max(from, g.at), 0);
  const inside = samples.filter((x) => x.at >= from && x.at < to);
  const by = new Map<string, number>();
  let covered = 0;
  for (const x of inside) {
    // A sample stands for the time until the next one, but not for a gap: past twice the interval the process was off the CPU.
    const d = Math.min(x.dt, (2 * PROF_US) / 1000);
    covered += d;
    by.set(x.what, (by.get(x.what) ?? 0) + d);
  }
  const top = [...by].sort((a, b) => b[1] - a[1]);
  const detail = top.slice(0, 3).map(([w, ms]) => `${w} ${ms.toFixed(1)}`).join('; ');
  const gcSamples = by.get('(garbage collector)') ?? 0;
  if (gcMs >= len / 2 || gcSamples >= len / 2) {
    const g = gcs.filter((g) => g.at < to && g.at + g.ms > from).sort((a, b) => b.ms - a.ms)[0];
    return { cause: `gc ${g?.kind ?? '(sampled)'}`, detail };
  }
  if (samples.length > 0 && covered < len / 2) return { cause: 'off-cpu', detail: `${(len - covered).toFixed(1)} ms without samples; ${detail}` };
  const js = top.find(([w]) => !['(idle)', '(program)', '(root)', '(garbage collector)'].includes(w));
  return { cause: js ? `js ${js[0]}` : (top[0]?.[0] ?? 'unknown'), detail };
}

const issuer = await startIssuer();
const servers: Server[] = [];
const runs: Run[] = [];
try {
  const shape = SHAPES.find((s) => s.name === SHAPE)!;
  const frame = await buildFrame(issuer, shape, 0);
  const frameFile = join(work, 'frame.grpc');
  writeFileSync(frameFile, frame.frame);
  const sgPort = await freePort();
  const config = join(work, 'stepgate.yaml');
  writeFileSync(config, configYaml(issuer.jwksUri, `127.0.0.1:${sgPort}`));
  const profDir = join(work, 'prof');
  const env: NodeJS.ProcessEnv = { STEPGATE_METRICS_LISTEN: 'off' };
  for (const k of Object.keys(process.env)) if (k.startsWith('OTEL_')) env[k] = undefined;
  const sg = await start('stepgate', [...launchFlags(), '--import', PROBE, '--trace-gc-nvp', '--cpu-prof', `--cpu-prof-dir=${profDir}`, `--cpu-prof-interval=${PROF_US}`, ...EXTRA, 'dist/cli.js', 'serve', '--config', config], sgPort, env, profDir);
  const noopPort = await freePort();
  const noop = await start('noop', ['--import', PROBE, '--trace-gc-nvp', ...NOOP_EXTRA, '--import', 'tsx', join(BENCH, 'noop-server.ts'), `127.0.0.1:${noopPort}`], noopPort, {});
  servers.push(sg, noop);
  const client = new RawCheckClient(sg.port);
  for (let i = 0; i < 30 && decodeDecision(await client.check(frame.message)).reason === 'jwks_unavailable'; i++) await new Promise((r) => setTimeout(r, 2000));
  const d = decodeDecision(await client.check(frame.message));
  client.close();
  if (d.allow !== shape.expect.allow) throw new Error(`stepgate answered ${JSON.stringify(d)}`);
  const pair = [sg, noop];
  if (SATURATE) for (let r = 0; r < ROUNDS; r++) for (const s of r % 2 === 0 ? [noop, sg] : [sg, noop]) await closedLoop(s, frameFile);
  if (WARMUP > 0) for (const s of pair) await openLoopFor(s, RATES[0]!, WARMUP);
  for (const s of pair) await probe(s);
  console.log(`${SHAPE}; saturation first: ${SATURATE}; ${SECONDS} s per run, ${ROUNDS} rounds; stepgate flags: ${[...launchFlags(), ...EXTRA].join(' ')}; load average ${loadavg()[0]!.toFixed(1)}`);
  for (const rate of RATES) {
    for (let round = 0; round < ROUNDS; round++) {
      for (const s of round % 2 === 0 ? pair : [...pair].reverse()) {
        const [r0, w0] = schedstat(s.proc.pid!);
        const rows = await openLoop(s, frameFile, rate);
        const [r1, w1] = schedstat(s.proc.pid!);
        const p = await probe(s);
        const from = Math.min(...rows.map((r) => r[0]!)) / 1000;
        const to = Math.max(...rows.map((r) => r[0]! + r[2]!)) / 1000;
        if (process.env.BENCH_PAUSE_SPACES === '1') console.error(`${s.name} ${rate} r${round + 1} heap spaces MiB: ${Object.entries(p.spaces ?? {}).map(([k, v]) => `${k.replace('_space', '')} ${(v / 1048576).toFixed(1)}`).join(', ')}`);
        runs.push({ server: s, rate, round, rows, from, to, probe: { clock: p.clock, stalls: p.stalls.filter((x) => x.at >= from && x.at <= to), gcs: p.gcs.filter((g) => g.at >= from && g.at <= to) }, runNs: r1 - r0, waitNs: w1 - w0 });
      }
    }
  }
  // Stop stepgate so that it writes its profile; the no-op has none.
  const exited = new Promise((r) => sg.proc.once('exit', r));
  sg.proc.kill('SIGTERM');
  await exited;
  const lastClock = runs.filter((r) => r.server === sg).at(-1)!.probe.clock;
  const samples = samplesOf(sg, lastClock);
  console.log(`\n| rate | round | server | p50 / p99 / p99.9 ms | CPU s / runqueue wait s | stalls > ${STALL_MS} ms by cause (largest ms) | GCs in the run (trace-gc: kind pause ms, reason) |`);
  console.log('|--:|--:|---|---|---|---|---|');
  const allCauses = new Map<string, { n: number; ms: number }>();
  for (const r of runs) {
    const lat = r.rows.filter((x) => x[1] === 200).map((x) => x[2]!).sort((a, b) => a - b);
    const ms = (x: number) => (x / 1000).toFixed(2);
    const long = r.probe.stalls.filter((x) => x.late_ms > STALL_MS);
    const causes = new Map<string, number[]>();
    for (const st of long) {
      const c = r.server === sg ? causeOf(st, r.probe.gcs, samples) : { cause: r.probe.gcs.some((g) => g.at < st.at && g.at + g.ms > st.at - st.late_ms - 1) ? 'gc' : '?', detail: '' };
      causes.set(c.cause, [...(causes.get(c.cause) ?? []), st.late_ms]);
      if (r.server === sg) {
        const a = allCauses.get(c.cause) ?? { n: 0, ms: 0 };
        allCauses.set(c.cause, { n: a.n + 1, ms: a.ms + st.late_ms });
      }
      if (LIST && r.server === sg) console.error(`  ${r.rate} r${r.round + 1} +${(st.at - r.from).toFixed(0)} ms: ${st.late_ms} ms → ${c.cause} [${c.detail}]`);
    }
    const origin = r.server.origin ?? 0;
    const gcl = r.server.gcLines.filter((g) => origin + g.at >= r.from - 50 && origin + g.at <= r.to);
    const gcText = gcl.filter((g) => g.kind !== 'Scavenge' || g.pause >= STALL_MS).map(gcDescription).join('; ');
    const scav = gcl.filter((g) => g.kind === 'Scavenge');
    const checks = r.rows.length;
    // On-CPU time of each GC on the main thread: the profile's "(garbage collector)" samples inside it (stepgate only).
    const onCpu = (g: { at: number; ms: number }) => samples.filter((x) => x.what === '(garbage collector)' && x.at >= g.at && x.at < g.at + g.ms + 1).reduce((a, x) => a + Math.min(x.dt, (2 * PROF_US) / 1000), 0);
    const cpuText = r.server === sg ? ` on-CPU: ${['scavenge', 'mark-compact'].map((k) => { const gs = r.probe.gcs.filter((g) => g.kind === k); const c = gs.map(onCpu); return `${k} ${gs.length} (wall max ${Math.max(0, ...gs.map((g) => g.ms)).toFixed(1)}, on-CPU max ${Math.max(0, ...c).toFixed(1)}, sum ${c.reduce((a, b) => a + b, 0).toFixed(1)})`; }).join(', ')};` : '';
    const promoted = gcl.filter((g) => g.kind === 'Scavenge').reduce((a, g) => a + g.promoted, 0);
    const allocated = gcl.reduce((a, g) => a + g.allocated, 0);
    console.log(
      `| ${r.rate} | ${r.round + 1} | ${r.server.name} | ${ms(percentileOfSorted(lat, 0.5))} / ${ms(percentileOfSorted(lat, 0.99))} / ${ms(percentileOfSorted(lat, 0.999))} | ${(r.runNs / 1e9).toFixed(2)} / ${(r.waitNs / 1e9).toFixed(2)} | ${[...causes].map(([c, xs]) => `${c}: ${xs.length} (${Math.max(...xs).toFixed(0)})`).join(', ') || '—'} |${cpuText} ${scav.length} scavenges (max ${Math.max(0, ...scav.map((g) => g.pause)).toFixed(1)}), ${(allocated / checks / 1024).toFixed(1)} KB allocated and ${(promoted / checks).toFixed(0)} B promoted per Check${gcText ? `; ${gcText}` : ''} |`,
    );
  }
  // Busy periods from the profile alone: runs of samples with no "(idle)" between them, their length counted in on-CPU time
  // (a gap between samples longer than twice the interval is time off the CPU, not counted), within the measured runs.
  const inRuns = samples.filter((x) => runs.some((r) => r.server === sg && x.at >= r.from && x.at <= r.to));
  const periods: { at: number; cpu: number; by: Map<string, number> }[] = [];
  let cur: { at: number; cpu: number; by: Map<string, number> } | undefined;
  for (const x of inRuns) {
    if (x.what === '(idle)') {
      if (cur) periods.push(cur);
      cur = undefined;
      continue;
    }
    cur ??= { at: x.at, cpu: 0, by: new Map() };
    const d = Math.min(x.dt, (2 * PROF_US) / 1000);
    cur.cpu += d;
    cur.by.set(x.what, (cur.by.get(x.what) ?? 0) + d);
  }
  if (cur) periods.push(cur);
  const busy = (min: number) => periods.filter((p) => p.cpu > min);
  const gcShare = (p: { cpu: number; by: Map<string, number> }) => (p.by.get('(garbage collector)') ?? 0) / p.cpu;
  console.log(`\nstepgate, on-CPU busy periods in the measured runs (${(inRuns.length * PROF_US / 1e6).toFixed(1)} s of samples): > 2 ms ${busy(2).length}, > 5 ms ${busy(5).length} (${busy(5).filter((p) => gcShare(p) >= 0.5).length} mostly GC), > 10 ms ${busy(10).length}, > 20 ms ${busy(20).length}`);
  for (const p of [...periods].sort((a, b) => b.cpu - a.cpu).slice(0, Number(process.env.BENCH_PAUSE_TOP ?? 8))) {
    const run = runs.find((r) => r.server === sg && p.at >= r.from && p.at <= r.to)!;
    console.log(`  ${run.rate} r${run.round + 1} +${(p.at - run.from).toFixed(0)} ms: ${p.cpu.toFixed(1)} ms on CPU: ${[...p.by].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([w, ms]) => `${w} ${ms.toFixed(1)}`).join('; ')}`);
  }
  console.log(`\nstepgate, all runs: stalls > ${STALL_MS} ms by cause: ${[...allCauses].sort((a, b) => b[1].ms - a[1].ms).map(([c, v]) => `${c}: ${v.n} (${v.ms.toFixed(0)} ms)`).join('; ')}`);
  for (const s of servers) console.log(`${s.name}: full GCs over its life: ${s.gcLines.filter((g) => g.kind !== 'Scavenge').map((g) => `${(g.at / 1000).toFixed(1)} s ${gcDescription(g)}`).join('; ') || 'none'}`);
} finally {
  for (const s of servers) s.proc.kill('SIGTERM');
  await issuer.close();
  if (process.env.BENCH_PAUSE_KEEP !== '1') rmSync(work, { recursive: true, force: true });
  else console.error(`kept ${work}`);
}

function gcDescription(g: GcLine): string {
  return `${g.kind} ${g.pause} ms${g.incremental ? ` (+${g.incremental} incremental)` : ''} (${g.before.toFixed(1)}→${g.after.toFixed(1)} MiB; ${g.reason})`;
}

async function openLoopFor(s: Server, rate: number, seconds: number): Promise<void> {
  const log = join(work, 'warmup.log');
  await runCommand('h2load', [`--rps=${(rate / 4).toFixed(3)}`, `--requests=${Math.round(rate * seconds)}`, '--clients=4', '--max-concurrent-streams=1000', '--threads=1', `--data=${join(work, 'frame.grpc')}`,
    '--header=content-type: application/grpc', '--header=te: trailers', `--log-file=${log}`, `http://127.0.0.1:${s.port}${CHECK_PATH}`], (seconds + 30) * 1000);
}
