import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchFlags } from '../src/heap-limit.js';
import { CHECK_PATH, decodeDecision, RawCheckClient } from './codec.js';
import { buildFrame, configYaml, SHAPES, startIssuer, type Frame, type RiskOptions } from './fixtures.js';
import { runH2load } from './h2load.js';
import { freePort } from './free-port.js';
import { NO_OTEL } from './tracing-env.js';

/**
 * Scenario (e)'s engine on/off comparison, served, for chosen shapes: built servers (`dist/`, so
 * `npm run build` first) with (e)'s configuration, risk off and risk on with memory state (and,
 * with BENCH_BASE_DIR, the same risk-on server from another build's `dist/`), each subject's
 * address and device learned first with a fresh aal2 token as run.ts' riskScenario does, then
 * h2load (8 connections × 16 streams, as (e)) one shape at a time, the servers alternating
 * (A B C, C B A, …). Figures: server CPU µs per request from /proc over the measured phase,
 * median (min–max) over the rounds, and on/off by CPU taken within each round.
 *
 * It exists because bench/engine-ab.ts (in-process, through handleCheck) put the engine at ~4 µs
 * per Check while (e) served showed ~50 µs more on `kubectl get pods (dev)`: what a served process
 * does that a tight in-process loop does not is what this measures. What it found (2026-12-04,
 * machine loaded): two processes of the same variant differ by as much as risk off and on do
 * (BENCH_TWICE); under callgrind the engine's own JavaScript is ~8,000 instructions of a ~400,000
 * instruction Check, while V8's GC and optimizing compiler move a window of 2,000–6,000 requests
 * by 10,000–200,000 instructions per request, depending on where a cycle falls: the 1.5 s windows
 * of (e) measure that as much as the engine.
 *
 *   node --import tsx bench/engine-served.ts   (BENCH_SHAPES=substring,… default `get pods`; BENCH_ROUNDS=3;
 *                                               BENCH_SECONDS=1.5; BENCH_WARMUP_SECONDS=1; BENCH_BASE_DIR;
 *                                               BENCH_NODE_FLAGS: more node flags for every server, e.g.
 *                                               `--cpu-prof --cpu-prof-dir=/tmp/prof` or `--trace-gc-nvp`)
 */

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = join(BENCH, '..');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 1.5);
const WARMUP = Number(process.env.BENCH_WARMUP_SECONDS ?? 1);
const BASE = process.env.BENCH_BASE_DIR;
/** BENCH_CALLGRIND=N: every server under callgrind, N requests per round (instructions, not time); BENCH_CALLGRIND_WARMUPS batches of N first; BENCH_CALLGRIND_KEEP=DIR keeps the dumps. */
const CALLGRIND = Number(process.env.BENCH_CALLGRIND ?? 0);
const CALLGRIND_WARMUPS = Number(process.env.BENCH_CALLGRIND_WARMUPS ?? 3);
const KEEP = process.env.BENCH_CALLGRIND_KEEP;
const RPS = Number(process.env.BENCH_RPS ?? 0);
const ONLY = (process.env.BENCH_SHAPES ?? 'get pods').split(',').map((s) => s.trim()).filter(Boolean);
/** run.ts RISK_SHAPES, in its order (the frame numbers follow it: 700 + index). */
const RISK_SHAPES = ['kubectl get pods (dev)', 'grafana dashboard', 'kubectl get secret (prod, aal2)', 'kubectl patch deployment (prod, aal2)', 'kubectl get secret (aal1: step-up)'];

interface Server {
  name: string;
  proc: ChildProcess;
  port: number;
  metrics: number;
}

function cpuSeconds(pid: number, tid?: number): number {
  const fields = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function start(name: string, dir: string, config: string, port: number): Promise<Server> {
  const extra = (process.env.BENCH_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);
  const args = [...extra, ...launchFlags(), 'dist/cli.js', 'serve', '--config', config];
  const valgrind = ['--tool=callgrind', '--smc-check=all-non-file', '--instr-atstart=no', `--callgrind-out-file=${join(work, `cg-${slug(name)}`)}.%p`, process.execPath];
  const metrics = await freePort();
  const proc = spawn(CALLGRIND ? 'valgrind' : process.execPath, CALLGRIND ? [...valgrind, ...args] : args, {
    cwd: dir,
    env: { ...process.env, ...NO_OTEL, STEPGATE_METRICS_LISTEN: `127.0.0.1:${metrics}` },
    // BENCH_SERVER_LOG_DIR: each server's stdout there (`--trace-gc-nvp` in BENCH_NODE_FLAGS writes its GC trace to it).
    stdio: ['ignore', process.env.BENCH_SERVER_LOG_DIR ? openSync(join(process.env.BENCH_SERVER_LOG_DIR, `${slug(name)}.log`), 'w') : 'inherit', 'inherit'],
  });
  const client = new RawCheckClient(port);
  try {
    await client.ready(CALLGRIND ? 600_000 : 60_000);
  } catch (err) {
    proc.kill('SIGKILL');
    throw err;
  } finally {
    client.close();
  }
  return { name, proc, port, metrics };
}

async function verify(s: Server, frames: readonly Frame[]): Promise<void> {
  const client = new RawCheckClient(s.port);
  try {
    for (const f of frames) {
      let d = decodeDecision(await client.check(f.message));
      // Under valgrind the first JWKS fetch can outlast its timeout, and its failure is kept for up to 30 s: ask again.
      for (let tries = 0; CALLGRIND && tries < 30 && d.reason === 'jwks_unavailable'; tries++) {
        await new Promise((r) => setTimeout(r, 3000));
        d = decodeDecision(await client.check(f.message));
      }
      if (d.allow !== f.shape.expect.allow || d.reason !== f.shape.expect.reason) throw new Error(`${s.name}: ${f.shape.name} answered ${JSON.stringify(d)}`);
    }
  } finally {
    client.close();
  }
}

/** Server CPU per request over the measured phase: the whole process, and its main thread alone (the JavaScript; the rest is V8's GC helpers and libuv's pool). */
async function load(s: Server, file: string, seconds: number, counted = true): Promise<{ rps: number; cpuUs: number; mainUs: number }> {
  if (CALLGRIND) return instructions(s, file, CALLGRIND, counted);
  if (RPS) return offered(s, file, seconds);
  const warmupMs = 500;
  let cpu0 = 0;
  let main0 = 0;
  setTimeout(() => {
    cpu0 = cpuSeconds(s.proc.pid!);
    main0 = cpuSeconds(s.proc.pid!, s.proc.pid!);
  }, warmupMs);
  const { rps, done } = await runH2load({ port: s.port, frameFile: file, seconds, warmupMs });
  return { rps, cpuUs: ((cpuSeconds(s.proc.pid!) - cpu0) * 1e6) / done, mainUs: ((cpuSeconds(s.proc.pid!, s.proc.pid!) - main0) * 1e6) / done };
}

const slug = (name: string) => name.replace(/\W+/g, '-');

function callgrindControl(s: Server, ...args: string[]): string {
  return execFileSync('callgrind_control', [...args, String(s.proc.pid)], { encoding: 'utf8', timeout: 120_000 });
}

/**
 * BENCH_CALLGRIND: instructions the server executed (every thread, GC included) for exactly `n`
 * requests (h2load -n), in thousands per request; `counted` false: a warm-up. Reported in the
 * µs columns' place (as bench/denials-cpu.ts does).
 */
async function instructions(s: Server, file: string, n: number, counted = true): Promise<{ rps: number; cpuUs: number; mainUs: number }> {
  if (counted) callgrindControl(s, '-z');
  await runH2load({ port: s.port, frameFile: file, requests: n });
  if (!counted) return { rps: 0, cpuUs: 0, mainUs: 0 };
  const prefix = `cg-${slug(s.name)}.${s.proc.pid}.`;
  const before = new Set(readdirSync(work).filter((f) => f.startsWith(prefix)));
  callgrindControl(s, `--dump=${slug(s.name)}`);
  const dumped = readdirSync(work).find((f) => f.startsWith(prefix) && !before.has(f));
  const text = dumped ? readFileSync(join(work, dumped), 'utf8') : '';
  const ir = Number(/^(?:summary|totals): (\d+)/m.exec(text)?.[1]);
  if (!Number.isFinite(ir)) throw new Error(`cannot read the callgrind dump of ${s.name} (${dumped ?? 'none'})`);
  if (KEEP) cpSync(join(work, dumped!), join(KEEP, `${dumped!}.${++dumps}`));
  const { gc, compiler } = splitInstructions(join(work, dumped!));
  // In the "main thread" column's place: the mutator alone, without the garbage collector and
  // the optimizing compiler, whose share of a window swings tenfold with where a cycle falls.
  return { rps: 0, cpuUs: ir / n / 1000, mainUs: (ir - gc - compiler) / n / 1000 };
}

/**
 * Instructions of a callgrind dump in V8's garbage collector and in its optimizing compiler, by
 * function name (callgrind_annotate, self counts). With `--single-threaded` in BENCH_NODE_FLAGS
 * both run on the main thread, when their work falls due rather than when a helper gets to it.
 */
function splitInstructions(file: string): { gc: number; compiler: number } {
  const text = execFileSync('callgrind_annotate', ['--inclusive=no', '--threshold=100', file], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  let gc = 0;
  let compiler = 0;
  for (const line of text.split('\n')) {
    const m = /^\s*([\d,]+) \([ \d.]+%\)\s+(.*)$/.exec(line);
    if (!m || m[2]!.includes('PROGRAM TOTALS')) continue;
    const count = Number(m[1]!.replaceAll(',', ''));
    const fn = m[2]!;
    if (/compiler::|maglev|turboshaft/i.test(fn)) compiler += count;
    else if (/Scaveng|Marking|Mark[A-Z]|Sweep|Evacuat|Heap::|MemoryAllocator|Compactor|RememberedSet|SlotSet|BodyDescriptor|SizeFromMap|Unmapper|GCTracer/.test(fn)) gc += count;
  }
  return { gc, compiler };
}
let dumps = 0;

/**
 * BENCH_RPS: an offered rate (open loop, h2load --rps on 4 connections, as (h) drives it) instead
 * of (e)'s saturating closed loop. Saturated, CPU per request also measures how well the server
 * batches (requests per event-loop turn, per read and write): a server a little slower per Check
 * gets other batches. At a rate both variants keep up with, the batching is the rate's, and the
 * CPU difference per request is the work each Check adds. Over the whole run.
 */
async function offered(s: Server, file: string, seconds: number): Promise<{ rps: number; cpuUs: number; mainUs: number }> {
  const clients = 4;
  const requests = Math.round(RPS * seconds);
  const cpu0 = cpuSeconds(s.proc.pid!);
  const main0 = cpuSeconds(s.proc.pid!, s.proc.pid!);
  const out = await new Promise<string>((ok, fail) => {
    const p = spawn('h2load', [`--rps=${(RPS / clients).toFixed(3)}`, `--requests=${requests}`, `--clients=${clients}`, '--max-concurrent-streams=1000', '--threads=1', `--data=${file}`, '--header=content-type: application/grpc', '--header=te: trailers', `http://127.0.0.1:${s.port}${CHECK_PATH}`], { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    p.stdout.on('data', (b: Buffer) => (text += b.toString()));
    p.once('error', fail);
    p.once('exit', (code) => (code === 0 ? ok(text) : fail(new Error(`h2load failed:\n${text}`))));
  });
  const done = Number(/requests: \d+ total, \d+ started, (\d+) done/.exec(out)?.[1]);
  if (done !== requests) throw new Error(`h2load: ${done} of ${requests} requests done against ${s.name}:\n${out}`);
  return { rps: RPS, cpuUs: ((cpuSeconds(s.proc.pid!) - cpu0) * 1e6) / done, mainUs: ((cpuSeconds(s.proc.pid!, s.proc.pid!) - main0) * 1e6) / done };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const cell = (xs: number[], d = 0) => `${median(xs).toFixed(d)} (${Math.min(...xs).toFixed(d)}–${Math.max(...xs).toFixed(d)})`;

const work = mkdtempSync(join(tmpdir(), 'stepgate-engine-served-'));
const issuer = await startIssuer();
const servers: Server[] = [];
try {
  const all = RISK_SHAPES.map((name) => SHAPES.find((x) => x.name === name)!);
  const frames = await Promise.all(all.map((shape, i) => buildFrame(issuer, shape, 700 + i)));
  const learnFrames = await Promise.all(all.map((shape, i) => buildFrame(issuer, { ...shape, level: 'aal2', expect: { allow: true, reason: 'allowed' } }, 700 + i)));
  const chosen = all.map((s, i) => [s, i] as const).filter(([s]) => ONLY.some((o) => s.name.includes(o)));
  if (chosen.length === 0) throw new Error(`BENCH_SHAPES matches none of ${RISK_SHAPES.join(', ')}`);
  const files = frames.map((f, i) => {
    const file = join(work, `shape-${i}.grpc`);
    writeFileSync(file, f.frame);
    return file;
  });
  // BENCH_TWICE=1: a second process of each variant, so that the spread between two processes of
  // the same build and configuration shows beside the difference between the variants.
  const twice = process.env.BENCH_TWICE === '1';
  const variants: [string, string, RiskOptions | undefined][] = [
    ['risk off', ROOT, undefined],
    ['memory', ROOT, { store: 'memory' }],
    ...(BASE ? ([['memory (base)', resolve(BASE), { store: 'memory' }]] as [string, string, RiskOptions][]) : []),
  ];
  if (twice) variants.push(...variants.map(([n, d, r]) => [`${n} #2`, d, r] as [string, string, RiskOptions | undefined]));
  for (const [name, dir, risk] of variants) {
    const port = await freePort();
    const config = join(work, `${port}.yaml`);
    writeFileSync(config, configYaml(issuer.jwksUri, `127.0.0.1:${port}`, risk));
    servers.push(await start(name, dir, config, port));
  }
  // As riskScenario: learn, let the learning land, check every decision, warm each shape up.
  for (const s of servers) await verify(s, learnFrames);
  await new Promise((r) => setTimeout(r, 300));
  for (const s of servers) {
    await verify(s, frames);
    await verify(s, frames);
  }
  for (const s of servers) for (const [, i] of chosen) for (let k = 0; k < (CALLGRIND ? CALLGRIND_WARMUPS : 1); k++) await load(s, files[i]!, WARMUP, false);
  if (CALLGRIND) for (const s of servers) callgrindControl(s, '-i', 'on');
  const loads = [loadavg()[0]!.toFixed(1)];
  const cpu = new Map<string, number[]>();
  const main = new Map<string, number[]>();
  for (const [shape, i] of chosen) {
    for (let round = 0; round < ROUNDS; round++) {
      for (const s of round % 2 === 0 ? servers : [...servers].reverse()) {
        const r = await load(s, files[i]!, SECONDS);
        const key = `${shape.name}\u0000${s.name}`;
        cpu.set(key, [...(cpu.get(key) ?? []), r.cpuUs]);
        main.set(key, [...(main.get(key) ?? []), r.mainUs]);
      }
    }
    loads.push(loadavg()[0]!.toFixed(1));
  }
  // Only the shapes measured: under callgrind the aal2 tokens outlive their max_age.
  for (const s of servers) await verify(s, chosen.map(([, i]) => frames[i]!));
  // Over each process' whole life (start-up and warm-up included): with BENCH_NODE_FLAGS=--cpu-prof,
  // what divides a profile's time into time per Check.
  for (const s of servers) {
    const text = await (await fetch(`http://127.0.0.1:${s.metrics}/metrics`)).text();
    let checks = 0;
    for (const m of text.matchAll(/^stepgate_decisions_total\{[^}]*\} (\d+)/gm)) checks += Number(m[1]);
    console.log(`${s.name} (pid ${s.proc.pid}): ${checks} Checks, ${cpuSeconds(s.proc.pid!).toFixed(2)} CPU-s in all`);
  }
  console.log(`${ROUNDS} rounds of ${CALLGRIND ? `${CALLGRIND} requests under callgrind (figures: thousands of instructions per request, every thread, not µs)` : `${SECONDS} s`} per shape and server, alternating; 1-min load average ${loads.join(' → ')}`);
  const unit = CALLGRIND ? 'k instructions/req (without GC and compiler)' : 'CPU µs/req (main thread)';
  console.log(`| shape | ${servers.map((s) => `${s.name} ${unit}`).join(' | ')} | ${servers.slice(1).map((s) => `${s.name}/off by CPU (${CALLGRIND ? 'without GC and compiler' : 'main thread'})`).join(' | ')} |`);
  console.log(`|---|${servers.map(() => '--:').join('|')}|${servers.slice(1).map(() => '--:').join('|')}|`);
  for (const [shape] of chosen) {
    const of = (s: Server, m = cpu) => m.get(`${shape.name}\u0000${s.name}`)!;
    const off = of(servers[0]!);
    const offMain = of(servers[0]!, main);
    const ratios = servers.slice(1).map((s) => `${cell(of(s).map((x, r) => off[r]! / x), 2)} (${cell(of(s, main).map((x, r) => offMain[r]! / x), 2)})`);
    console.log(`| ${shape.name} | ${servers.map((s) => `${cell(of(s))} (${cell(of(s, main))})`).join(' | ')} | ${ratios.join(' | ')} |`);
  }
} finally {
  for (const s of servers) s.proc.kill('SIGTERM');
  await issuer.close();
  await new Promise((r) => setTimeout(r, 500));
  rmSync(work, { recursive: true, force: true });
}
