import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHECK_PATH, decodeDecision, RawCheckClient } from './codec.js';
import { buildDistinctFrames, buildFrame, configYaml, GUARDRAIL_SHAPES, GUARDRAILS_YAML, SHAPES, startIssuer, type Frame, type Issuer, type RiskOptions } from './fixtures.js';
import { startOtlpSink } from './otlp-sink.js';
import { startBenchRedis, type BenchRedis } from './redis.js';
import { measureTokenCache, tokenCacheTable, type TokenCacheFigures } from './token-cache.js';
import { soakScenario, soakSettings, soakTable, type SoakResult } from './soak.js';
import { maxOtherCpus, watchMachineLoad, type MachineLoad } from './machine-load.js';
import { launchFlags } from '../src/heap-limit.js';

/**
 * Orchestrates the benchmark: fixtures → stepgate and the no-op reference as child processes →
 * decisions verified → (a) cached tokens with h2load, alternating servers shape by shape →
 * (b) every token new with the grpc-js load client → (c) memory from /proc → (d) tracing on
 * (sampling all, exporting over OTLP to a local sink) against tracing off, two fresh stepgate
 * processes, alternating → (e) the risk engine with its state in memory against Redis (and
 * against the engine off), three fresh processes and a real redis-server, alternating → (f)
 * guardrail-inspected writes with guardrails on and off against the no-op, alternating. Prints a
 * markdown table and writes bench/results.json. Every wait below has a time limit.
 *
 * Knobs (environment): BENCH_SECONDS per h2load run (default 2), BENCH_NEW_TOKENS (20000),
 * BENCH_CPU_PROF=1 (profile stepgate during scenario (a) only and print its top frames),
 * BENCH_ONLY=e (or any of a–f, e.g. "a,e": (a)–(c) share their processes and run together;
 * results.json keeps the sections that were not run).
 */

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = join(BENCH, '..');
const SETTINGS = {
  clients: 8,
  streams: 16,
  threads: 1,
  warmupSeconds: 0.5,
  seconds: Number(process.env.BENCH_SECONDS ?? 2),
  /** Per shape: stepgate, no-op, no-op, stepgate (ABBA), so slow drift cancels out. */
  rounds: 2,
  newTokens: Number(process.env.BENCH_NEW_TOKENS ?? 20_000),
  newTokenWarmup: 1_000,
  /** (d): seconds of unmeasured load per shape and server before the ABBA runs. */
  tracingWarmupSeconds: 1,
};
/** (d) runs these shapes: the two heaviest allows and both step-up denials (which also end a span with more attributes). */
const TRACING_SHAPES = ['kubectl get pods (dev)', 'grafana dashboard', 'kubectl get secret (aal1: step-up)', 'grafana admin, tagged route (aal1: step-up)'];
/** Span batching for (d): large enough that nothing is dropped at these rates (the SDK default queue is 2048). */
const TRACING_ENV = {
  OTEL_TRACES_SAMPLER: 'parentbased_always_on',
  OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
  OTEL_BSP_MAX_QUEUE_SIZE: '65536',
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '2048',
  OTEL_BSP_SCHEDULE_DELAY: '500',
};
/** The servers must not inherit OTEL_* from the shell that runs the benchmark. */
const NO_OTEL: NodeJS.ProcessEnv = Object.fromEntries(Object.keys(process.env).filter((k) => k.startsWith('OTEL_')).map((k) => [k, undefined]));
const PROFILE = process.env.BENCH_CPU_PROF === '1';
const SCENARIOS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'w', 's'];
/** Without BENCH_ONLY: (a)–(f), as before; `run.sh --all` adds (g) token-cache memory, (h) open-loop latency, (w) workers. */
const DEFAULT_SCENARIOS = ['a', 'b', 'c', 'd', 'e', 'f'];
const ONLY = parseOnly(process.env.BENCH_ONLY);
/** Results are written only when other work took at most this many CPUs, before and during the run (machine-load.ts; BENCH_FORCE=1 overrides). */
const MAX_LOAD = maxOtherCpus();
const FORCE = process.env.BENCH_FORCE === '1';
/** (e) runs these shapes: the two big allows, a sensitive read, a prod write and a step-up denial (which also records a denial in the store). */
const RISK_SHAPES = [
  'kubectl get pods (dev)',
  'grafana dashboard',
  'kubectl get secret (prod, aal2)',
  'kubectl patch deployment (prod, aal2)',
  'kubectl get secret (aal1: step-up)',
];

function parseOnly(value: string | undefined): Set<string> {
  const all = new Set(SCENARIOS);
  if (value === undefined || value.trim() === '') return new Set(DEFAULT_SCENARIOS);
  const picked = value.toLowerCase().split(/[\s,]+/).filter(Boolean);
  const bad = picked.filter((x) => !all.has(x));
  if (bad.length > 0 || picked.length === 0) throw new Error(`BENCH_ONLY: expected letters a–h, s or w separated by commas, got "${value}"`);
  return new Set(picked);
}
/** Every server process started, so that any exit path can stop them. */
const children: Child[] = [];
/** Other processes started (redis-server in (e)), for the same reason. */
const helpers: ChildProcess[] = [];

type Server = 'stepgate' | 'noop' | 'tracing-off' | 'tracing-on' | 'risk-off' | 'risk-memory' | 'risk-redis' | 'guardrails-on' | 'guardrails-off' | 'soak';

interface Child {
  name: Server;
  proc: ChildProcess;
  port: number;
  output: () => string;
}

// ---------------------------------------------------------------------------------------------
// Processes

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/**
 * The V8 flags `stepgate serve` gives itself on this machine (src/heap-limit.ts: the young
 * generation, and the old-space limit), given to every stepgate process here, so that a Node
 * without process.execve (20) runs the server as the image's Node 24 does (which, with them given,
 * does not re-execute). BENCH_SERVE_FLAGS replaces them ('' for V8's defaults: the figures before 2026-12-02 10:00).
 */
const SERVE_FLAGS = process.env.BENCH_SERVE_FLAGS !== undefined ? process.env.BENCH_SERVE_FLAGS.split(/\s+/).filter(Boolean) : launchFlags();

function withServeFlags(args: string[]): string[] {
  if (!args.includes('dist/cli.js')) return args;
  const name = (f: string) => f.split('=')[0]!.replace(/_/g, '-');
  const given = new Set(args.map(name));
  return [...SERVE_FLAGS.filter((f) => !given.has(name(f))), ...args];
}

/** Starts a server process on a port chosen here and waits (≤ 60 s: Node alone can take 15 s to load on a loaded 2-CPU VM) until it accepts HTTP/2. */
async function startServer(name: Server, args: string[], port: number, env: NodeJS.ProcessEnv = {}): Promise<Child> {
  const proc = spawn(process.execPath, withServeFlags(args), { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (b: Buffer) => (output = (output + b.toString()).slice(-4000));
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  const child: Child = { name, proc, port, output: () => output };
  children.push(child); // before waiting, so that it is stopped even if it never becomes ready
  const exited = new Promise<never>((_, reject) =>
    proc.once('exit', (code) => reject(new Error(`${name} exited with ${code} during startup:\n${output}`))),
  );
  const client = new RawCheckClient(port);
  try {
    await Promise.race([client.ready(60_000), exited]);
  } finally {
    client.close();
  }
  proc.removeAllListeners('exit');
  return child;
}

function alive(c: Child): boolean {
  return c.proc.exitCode === null && c.proc.signalCode === null;
}

/** SIGTERM (stepgate drains, and writes its CPU profile when asked), SIGKILL after 10 s. */
async function stop(c: Child): Promise<void> {
  if (!alive(c)) return;
  const done = new Promise<void>((r) => c.proc.once('exit', () => r()));
  c.proc.kill('SIGTERM');
  const timer = setTimeout(() => c.proc.kill('SIGKILL'), 10_000);
  await done;
  clearTimeout(timer);
}

/** Peak (VmHWM) and current (VmRSS) resident memory of a process, in MiB. */
function memory(pid: number): { peakMiB: number; rssMiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { peakMiB: round(kb('VmHWM') / 1024, 1), rssMiB: round(kb('VmRSS') / 1024, 1) };
}

/** CPU time (user + system, all threads) a process has used so far, in seconds. */
function cpuSeconds(pid: number): number {
  // Fields after the parenthesised command name; utime and stime are the 12th and 13th, in ticks.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}
const CLOCK_TICKS = 100; // USER_HZ, 100 on every Linux architecture Node supports

/** CPU time stolen by the hypervisor so far, all CPUs (the 8th value of /proc/stat's cpu line). */
function stealSeconds(): number {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.split(/\s+/);
  return Number(cpu[8]) / CLOCK_TICKS;
}

/** Runs a command to completion with a hard time limit; resolves with stdout. */
function run(cmd: string, args: string[], limitMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const proc = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    proc.stdout.on('data', (b: Buffer) => (out += b.toString()));
    proc.stderr.on('data', (b: Buffer) => (err = (err + b.toString()).slice(-4000)));
    const timer = setTimeout(() => proc.kill('SIGKILL'), limitMs);
    proc.once('error', reject);
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} ${args.join(' ')} failed (${signal ?? code}):\n${err}${out.slice(-2000)}`));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Decisions

/** Set when stepgate's answers carry no token_cache metadata, so hit/miss could not be checked. */
let cacheUnreported = false;

/**
 * Sends each frame once with grpc-js and checks what stepgate decided. h2load cannot do this:
 * it counts any HTTP 200 as success, and grpc-status and the decision travel in the body and
 * trailers. `cache` is what the token cache must report (miss on first sight, hit after).
 */
async function verifyDecisions(c: Child, frames: readonly Frame[], cache: 'miss' | 'hit' | 'any'): Promise<void> {
  const client = new RawCheckClient(c.port);
  try {
    for (const f of frames) {
      const d = decodeDecision(await client.check(f.message));
      if (c.name === 'noop') {
        if (!d.allow) throw new Error(`no-op server denied ${f.shape.name}`);
        continue;
      }
      const want = f.shape.expect;
      if (cache !== 'any' && d.tokenCache === '') cacheUnreported = true;
      const cacheOk = cache === 'any' || d.tokenCache === '' || d.tokenCache === cache;
      if (d.allow !== want.allow || d.reason !== want.reason || !cacheOk) {
        throw new Error(
          `${f.shape.name}: stepgate answered ${JSON.stringify(d)}, expected ${JSON.stringify({ ...want, tokenCache: cache })}`,
        );
      }
    }
  } finally {
    client.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Load

/** Several runs of equal length as one: total requests over total time, CPU weighted by requests. */
function pool(runs: H2loadResult[]): H2loadResult {
  const done = runs.reduce((s, r) => s + r.done, 0);
  return {
    done,
    rps: runs.reduce((s, r) => s + r.rps, 0) / runs.length,
    cpuUs: runs.reduce((s, r) => s + r.cpuUs * r.done, 0) / done,
    alsoCpuUs: runs.reduce((s, r) => s + r.alsoCpuUs * r.done, 0) / done,
  };
}

interface H2loadResult {
  rps: number;
  done: number;
  /** Server CPU per request over the measured phase: less sensitive to other load than req/s. */
  cpuUs: number;
  /** The same for a helper process (redis-server in (e)), when one is given. */
  alsoCpuUs: number;
}

/** One h2load run: one body, repeated on `clients` connections with `streams` in flight each. */
async function h2load(c: Child, frameFile: string, seconds = SETTINGS.seconds, alsoPid?: number): Promise<H2loadResult> {
  const { clients, streams, threads, warmupSeconds } = SETTINGS;
  const pid = c.proc.pid!;
  // Sampled when h2load's warm-up ends, so the CPU figure covers (about) the measured phase.
  const cpuAtStart = new Promise<[number, number]>((r) =>
    setTimeout(() => r([cpuSeconds(pid), alsoPid ? cpuSeconds(alsoPid) : 0]), warmupSeconds * 1000),
  );
  const out = await run(
    'h2load',
    [
      `--duration=${seconds}`,
      `--warm-up-time=${warmupSeconds * 1000}ms`,
      `--clients=${clients}`,
      `--max-concurrent-streams=${streams}`,
      `--threads=${threads}`,
      // -d makes the request a POST with this file as the DATA (one gRPC length-prefixed message).
      `--data=${frameFile}`,
      '--header=content-type: application/grpc',
      '--header=te: trailers',
      `http://127.0.0.1:${c.port}${CHECK_PATH}`,
    ],
    (warmupSeconds + seconds + 30) * 1000,
  );
  const rps = Number(/finished in [\d.]+m?s, ([\d.]+) req\/s/.exec(out)?.[1]);
  const req = /requests: (\d+) total, \d+ started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout/.exec(out);
  const codes = /status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/.exec(out);
  if (!req || !codes || !Number.isFinite(rps)) throw new Error(`cannot parse h2load output:\n${out}`);
  const [, , done, succeeded, failed, errored, timedOut] = req.map(Number);
  const [, ok, ...notOk] = codes.map(Number);
  // Transport-level failures only (in timed mode h2load's status tally can trail `done` by the
  // streams in flight at the end); gRPC-level outcomes are checked by verifyDecisions.
  if (failed || errored || timedOut || succeeded !== done || !ok || notOk.some(Boolean)) {
    throw new Error(`h2load against ${c.name} had failures:\n${out}`);
  }
  const [cpu0, also0] = await cpuAtStart;
  const cpuUs = ((cpuSeconds(pid) - cpu0) * 1e6) / done!;
  const alsoCpuUs = alsoPid ? ((cpuSeconds(alsoPid) - also0) * 1e6) / done! : 0;
  return { rps, done: done!, cpuUs, alsoCpuUs };
}

interface LoadClientResult {
  completed: number;
  errors: number;
  elapsedMs: number;
  rps: number;
  decisions: string[];
  /** Server CPU per request, warm-up frames included (they cost the same). */
  cpuUs: number;
}

async function loadClient(c: Child, framesFile: string, warmup: number): Promise<LoadClientResult> {
  const cpuBefore = cpuSeconds(c.proc.pid!);
  const out = await run(
    process.execPath,
    ['--import', 'tsx', join(BENCH, 'load-client.ts'), '--port', String(c.port), '--frames', framesFile, '--warmup', String(warmup),
      '--connections', String(SETTINGS.clients), '--concurrency', String(SETTINGS.clients * SETTINGS.streams), '--max-seconds', '30'],
    90_000,
  );
  const result = JSON.parse(out) as Omit<LoadClientResult, 'cpuUs'>;
  return { ...result, cpuUs: ((cpuSeconds(c.proc.pid!) - cpuBefore) * 1e6) / (warmup + result.completed) };
}

// ---------------------------------------------------------------------------------------------
// Profile summary

/** Self time by function from a V8 .cpuprofile, idle excluded. */
function topFrames(file: string, n: number): { frame: string; percent: number }[] {
  const p = JSON.parse(readFileSync(file, 'utf8')) as {
    nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
    samples: number[];
    timeDeltas: number[];
  };
  const nodes = new Map(p.nodes.map((node) => [node.id, node.callFrame]));
  const self = new Map<string, number>();
  let total = 0;
  p.samples.forEach((id, i) => {
    const cf = nodes.get(id)!;
    if (cf.functionName === '(idle)') return;
    const dt = p.timeDeltas[i] ?? 0;
    total += dt;
    const where = cf.url ? ` ${cf.url.replace(/^file:\/\/.*?node_modules\//, '').replace(`file://${ROOT}/`, '')}:${cf.lineNumber + 1}` : '';
    const key = `${cf.functionName || '(anonymous)'}${where}`;
    self.set(key, (self.get(key) ?? 0) + dt);
  });
  return [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([frame, us]) => ({ frame, percent: round((us / total) * 100, 1) }));
}

// ---------------------------------------------------------------------------------------------

function loadSummary(r: LoadClientResult): LoadSummary {
  return { rps: round(r.rps), completed: r.completed, seconds: round(r.elapsedMs / 1000, 2), cpu_us: round(r.cpuUs) };
}

function round(x: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Throughput of a stream mixing the shapes by weight, if per-request costs add: Σw / Σ(w/r). */
function mixRps(rows: { weight: number; rps: number }[]): number {
  return rows.reduce((s, r) => s + r.weight, 0) / rows.reduce((s, r) => s + r.weight / r.rps, 0);
}

/** What (a)–(c) add to results.json. */
type CachedSections = Pick<Results, 'decisions_verified' | 'token_bytes' | 'cached_tokens' | 'new_tokens' | 'memory_mib'>;

/**
 * (a) cached tokens, (b) every token new and (c) memory: one stepgate process and the no-op
 * reference, stopped at the end.
 */
async function cachedScenarios(issuer: Issuer, work: string, configFile: string, sgPort: number, profDir: string): Promise<CachedSections> {
  // Fixtures: one frame per shape for (a).
  const shapeFrames = await Promise.all(SHAPES.map((s, i) => buildFrame(issuer, s, i)));
  const frameFiles = shapeFrames.map((f, i) => {
    const file = join(work, `shape-${i}.grpc`);
    writeFileSync(file, f.frame);
    return file;
  });
  const [noopPort, sgMetricsPort] = [await freePort(), await freePort()];
  const stepgate = await startServer(
    'stepgate',
    [...(PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []), 'dist/cli.js', 'serve', '--config', configFile],
    sgPort,
    { ...NO_OTEL, STEPGATE_METRICS_LISTEN: `127.0.0.1:${sgMetricsPort}` },
  );
  const noop = await startServer('noop', ['--import', 'tsx', join(BENCH, 'noop-server.ts'), `127.0.0.1:${noopPort}`], noopPort!);
  const memStart = memory(stepgate.proc.pid!);

  // First sight of each token (miss), then again (hit): the cache is warm and decisions right.
  await verifyDecisions(stepgate, shapeFrames, 'miss');
  await verifyDecisions(stepgate, shapeFrames, 'hit');
  await verifyDecisions(noop, shapeFrames, 'any');
  console.error(`decisions verified for ${SHAPES.length} shapes; running (a) cached tokens…`);

  // (a) Cached tokens: each shape against both servers back to back, ABBA, so that drift
  // (other load on the machine, hypervisor steal) falls on both sides equally.
  const cached: CachedRow[] = [];
  const stealBefore = stealSeconds();
  for (const [i, shape] of SHAPES.entries()) {
    const runs: Partial<Record<Server, H2loadResult[]>> = { stepgate: [], noop: [] };
    for (let round = 0; round < SETTINGS.rounds; round++) {
      for (const c of round % 2 === 0 ? [stepgate, noop] : [noop, stepgate]) runs[c.name]!.push(await h2load(c, frameFiles[i]!));
    }
    if (!alive(stepgate)) throw new Error(`stepgate died during (a):\n${stepgate.output()}`);
    const sg = pool(runs.stepgate!);
    const ref = pool(runs.noop!);
    cached.push({
      shape: shape.name,
      weight: shape.weight,
      stepgate: sg.rps,
      noop: ref.rps,
      ratio: sg.rps / ref.rps,
      stepgate_cpu_us: sg.cpuUs,
      noop_cpu_us: ref.cpuUs,
    });
    console.error(`  ${shape.name}: stepgate ${Math.round(sg.rps)} req/s, no-op ${Math.round(ref.rps)} req/s`);
  }
  // After the load: still alive and still deciding the same way.
  await verifyDecisions(stepgate, shapeFrames, 'hit');
  const mix = {
    stepgate: mixRps(cached.map((r) => ({ weight: r.weight, rps: r.stepgate }))),
    noop: mixRps(cached.map((r) => ({ weight: r.weight, rps: r.noop }))),
    // CPU per request adds up linearly over a mix.
    stepgateCpu: cached.reduce((sum, r) => sum + r.weight * r.stepgate_cpu_us, 0),
    noopCpu: cached.reduce((sum, r) => sum + r.weight * r.noop_cpu_us, 0),
  };
  const memCached = memory(stepgate.proc.pid!);
  const stealCached = stealSeconds() - stealBefore;

  // (b) Every token new: distinct frames, each sent once, by the grpc-js load client.
  let fresh: { stepgate: LoadClientResult; noop: LoadClientResult; tokenBytes: number } | undefined;
  let memFresh: ReturnType<typeof memory> | undefined;
  if (!PROFILE && ONLY.has('b')) {
    const total = SETTINGS.newTokenWarmup + SETTINGS.newTokens;
    console.error(`signing ${total} distinct tokens for (b)…`);
    const frames = await buildDistinctFrames(issuer, total, 1_000);
    const framesFile = join(work, 'fresh.grpc');
    writeFileSync(framesFile, Buffer.concat(frames.map((f) => f.frame)));
    console.error('running (b) every token new…');
    const noopResult = await loadClient(noop, framesFile, SETTINGS.newTokenWarmup);
    const sgResult = await loadClient(stepgate, framesFile, SETTINGS.newTokenWarmup);
    if (!alive(stepgate)) throw new Error(`stepgate died during (b):\n${stepgate.output()}`);
    // Every measured answer must be the shape's decision, reached by verifying (cache miss).
    sgResult.decisions.forEach((got, k) => {
      const f = frames[SETTINGS.newTokenWarmup + k]!;
      const want = `${f.shape.expect.allow ? 'allow' : 'deny'}:${f.shape.expect.reason}:${cacheUnreported ? '' : 'miss'}`;
      if (got !== want) throw new Error(`(b) frame ${k} (${f.shape.name}): got ${got}, expected ${want}`);
    });
    if (sgResult.errors || noopResult.errors) throw new Error(`(b) had RPC errors: ${sgResult.errors} + ${noopResult.errors}`);
    fresh = { stepgate: sgResult, noop: noopResult, tokenBytes: Math.round(frames.reduce((s, f) => s + f.tokenBytes, 0) / frames.length) };
    memFresh = memory(stepgate.proc.pid!);
  }
  const memNoop = memory(noop.proc.pid!);
  for (const c of children) await stop(c);
  return {
    // Checked with grpc-js before and after the load; the run aborts on any mismatch.
    decisions_verified: { shapes: SHAPES.length, new_token_frames: fresh?.stepgate.completed ?? 0, token_cache_checked: !cacheUnreported },
    token_bytes: Math.round(shapeFrames.reduce((s, f) => s + f.tokenBytes, 0) / shapeFrames.length),
    cached_tokens: {
      shapes: cached.map((r) => ({
        ...r,
        stepgate: round(r.stepgate),
        noop: round(r.noop),
        ratio: round(r.ratio, 3),
        stepgate_cpu_us: round(r.stepgate_cpu_us),
        noop_cpu_us: round(r.noop_cpu_us),
      })),
      // CPU time the hypervisor gave to other guests during (a), summed over all CPUs: noise.
      steal_seconds: round(stealCached, 2),
      mix: {
        stepgate: round(mix.stepgate),
        noop: round(mix.noop),
        ratio: round(mix.stepgate / mix.noop, 3),
        stepgate_cpu_us: round(mix.stepgateCpu),
        noop_cpu_us: round(mix.noopCpu),
        // The same ratio from CPU per request: what req/s would be with a core to itself.
        cpu_ratio: round(mix.noopCpu / mix.stepgateCpu, 3),
      },
    },
    new_tokens: fresh && {
      tokens: SETTINGS.newTokens,
      token_bytes: fresh.tokenBytes,
      stepgate: loadSummary(fresh.stepgate),
      noop: loadSummary(fresh.noop),
      ratio: round(fresh.stepgate.rps / fresh.noop.rps, 3),
    },
    memory_mib: {
      stepgate: { after_start: memStart.rssMiB, after_cached: memCached.rssMiB, after_new_tokens: memFresh?.rssMiB, peak: (memFresh ?? memCached).peakMiB },
      noop: { peak: memNoop.peakMiB },
    },
  };
}

async function main(): Promise<void> {
  if (!existsSync(join(ROOT, 'dist/cli.js'))) throw new Error('dist/cli.js is missing: run `npm run build` (bench/run.sh does)');
  const started = Date.now();
  // Before anything starts: the baseline of other work on the machine.
  const loadWatch = await watchMachineLoad(MAX_LOAD);
  const loadStart = loadavg().map((x) => round(x, 2));
  const work = mkdtempSync(join(tmpdir(), 'stepgate-bench-'));
  const issuer = await startIssuer();
  try {
    const configFile = join(work, 'stepgate.yaml');
    const sgPort = await freePort();
    writeFileSync(configFile, configYaml(issuer.jwksUri, `127.0.0.1:${sgPort}`));
    const profDir = join(work, 'profile');
    const runCached = ONLY.has('a') || ONLY.has('b') || ONLY.has('c');
    const cachedSections = runCached ? await cachedScenarios(issuer, work, configFile, sgPort, profDir) : undefined;

    // (d) Tracing on against tracing off: two fresh processes with identical configuration and
    // history, alternating ABBA shape by shape like (a).
    const tracing = PROFILE || !ONLY.has('d') ? undefined : await tracingScenario(issuer, work, configFile);
    // (e) Risk engine state in memory against Redis, and the engine on against off.
    // With BENCH_CPU_PROF=1 and BENCH_ONLY=e, the process with Redis state is profiled instead.
    const riskState = !ONLY.has('e') || (PROFILE && runCached) ? undefined : await riskScenario(issuer, work, PROFILE ? profDir : undefined);

    // (f) Guardrail-inspected writes: guardrails on and off against the no-op.
    const guardrails = PROFILE || !ONLY.has('f') ? undefined : await guardrailScenario(issuer, work);

    // (h) open-loop latency and (w) workers, then (g) token-cache memory (in process, last: it is the longest).
    const latency = PROFILE || !ONLY.has('h') ? undefined : await latencyScenario(issuer, work);
    const workers = PROFILE || !ONLY.has('w') ? undefined : await workersScenario(issuer, work);
    // (s) the soak with a Redis outage (bench/soak.ts).
    const soak = PROFILE || !ONLY.has('s') ? undefined : await soakScenario(soakHarness(), issuer, work);
    const tokenCache = PROFILE || !ONLY.has('g')
      ? undefined
      : await measureTokenCache(Number(process.env.BENCH_CACHE_TOKENS ?? 1_000_000), Number(process.env.BENCH_CACHE_CAP ?? 100_000), 256);
    const sectionOf: Record<string, unknown> = { d: tracing, e: riskState, f: guardrails, g: tokenCache, h: latency, w: workers, s: soak };
    const ran = [...ONLY].filter((x) => (x in sectionOf ? sectionOf[x] : cachedSections) !== undefined).sort();
    const loadEnd = loadavg().map((x) => round(x, 2));
    const live = [...children.map((c) => c.proc), ...helpers].filter((p) => p.exitCode === null && p.signalCode === null && p.pid !== undefined);
    const machineLoad = loadWatch.finish(live.map((p) => p.pid!));
    const fresh: Results = {
      date: new Date(started).toISOString(),
      duration_seconds: round((Date.now() - started) / 1000),
      machine: {
        cpus: cpus().length,
        cpu_model: cpus()[0]?.model ?? 'unknown',
        memory_gib: round(totalmem() / 2 ** 30, 1),
        node: process.version,
        // What every stepgate process here was started with (SERVE_FLAGS).
        serve_flags: SERVE_FLAGS,
        // Other work on the machine shows up here; the benchmark does not wait for quiet.
        load_average_at_start: loadStart,
        load_average_at_end: loadEnd,
        load: machineLoad,
        h2load: (await run('h2load', ['--version'], 5_000)).trim(),
      },
      settings: SETTINGS,
      scenarios_run: ran,
      ...cachedSections,
      tracing,
      risk_state: riskState,
      guardrails,
      token_cache: tokenCache,
      latency,
      workers,
      soak,
    };
    const results = mergeWithPrevious(fresh, ran);
    console.log(table(fresh));
    if (cacheUnreported) {
      console.log(
        '\nwarning: stepgate sent no token_cache value in dynamic_metadata, so cache hit/miss was not verified ' +
          '(decisions and reasons were).',
      );
    }
    if (PROFILE) {
      const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
      if (!file) throw new Error('stepgate wrote no CPU profile');
      mkdirSync(join(BENCH, 'profiles'), { recursive: true });
      const name = runCached ? 'stepgate-cached.cpuprofile' : 'stepgate-risk-redis.cpuprofile';
      copyFileSync(join(profDir, file), join(BENCH, 'profiles', name));
      const what = runCached ? 'stepgate during (a)' : 'the stepgate process with Redis state during (e)';
      console.log(`\nTop self-time frames in ${what} (bench/profiles/${name}):\n`);
      console.log('| % | frame |\n|--:|---|');
      for (const t of topFrames(join(profDir, file), 25)) console.log(`| ${t.percent} | \`${t.frame}\` |`);
    } else if (!machineLoad.quiet && !FORCE) {
      // Figures from a busy machine are not published: other work moves them more than any change does.
      console.log(
        `\nNOT written to bench/results.json: other processes used ${machineLoad.other_cpus_before} CPUs before the run and ${machineLoad.other_cpus_during} during it, ` +
          `above ${MAX_LOAD} (BENCH_MAX_LOAD). Run on a quiet machine, or pass --force (BENCH_FORCE=1) to publish anyway.`,
      );
      process.exitCode = 3;
    } else {
      writeFileSync(join(BENCH, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
      console.log(`\nwrote bench/results.json${!machineLoad.quiet ? ' (forced: the machine was loaded)' : ''}`);
    }
    if (riskState && riskState.problems.length > 0) throw new Error(`(e) the Redis path was not clean: ${riskState.problems.join('; ')}`);
  } finally {
    for (const c of children) await stop(c).catch(() => undefined);
    await issuer.close();
    rmSync(work, { recursive: true, force: true });
  }
}

interface CachedRow {
  shape: string;
  weight: number;
  /** req/s */
  stepgate: number;
  noop: number;
  ratio: number;
  stepgate_cpu_us: number;
  noop_cpu_us: number;
}

interface LoadSummary {
  rps: number;
  completed: number;
  seconds: number;
  cpu_us: number;
}

interface Results {
  date: string;
  duration_seconds: number;
  machine: { cpus: number; cpu_model: string; memory_gib: number; node: string; serve_flags?: string[]; load_average_at_start: number[]; load_average_at_end?: number[]; load?: MachineLoad; h2load: string };
  settings: typeof SETTINGS;
  /** Which scenarios this run measured (BENCH_ONLY); sections of other runs may sit next to them in results.json. */
  scenarios_run: string[];
  decisions_verified?: { shapes: number; new_token_frames: number; token_cache_checked: boolean };
  token_bytes?: number;
  cached_tokens?: {
    shapes: CachedRow[];
    steal_seconds: number;
    mix: { stepgate: number; noop: number; ratio: number; stepgate_cpu_us: number; noop_cpu_us: number; cpu_ratio: number };
  };
  new_tokens?: undefined | { tokens: number; token_bytes: number; stepgate: LoadSummary; noop: LoadSummary; ratio: number };
  memory_mib?: { stepgate: { after_start: number; after_cached: number; after_new_tokens: number | undefined; peak: number }; noop: { peak: number } };
  tracing: TracingResult | undefined;
  risk_state: RiskStateResult | undefined;
  guardrails?: GuardrailResult | undefined;
  token_cache?: TokenCacheFigures | undefined;
  latency?: LatencyResult | undefined;
  workers?: WorkersResult | undefined;
  soak?: SoakResult | undefined;
  /** When each scenario's figures were measured (a partial run keeps the others from before). */
  measured_at?: Record<string, string>;
  /** Date, machine and settings of the latest partial run of each scenario set (e.g. "e"). */
  partial_runs?: Record<string, Pick<Results, 'date' | 'duration_seconds' | 'machine' | 'settings' | 'scenarios_run'>>;
}

/**
 * A partial run (BENCH_ONLY) replaces only its own sections of results.json; the others stay, and
 * so do the top-level date, machine and settings, which describe them. This run's own date,
 * machine and settings go under `partial_runs`, and `measured_at` says when each section was measured.
 */
function mergeWithPrevious(fresh: Results, ran: string[]): Results {
  const file = join(BENCH, 'results.json');
  if (ran.length === SCENARIOS.length || !existsSync(file)) {
    return { ...fresh, measured_at: Object.fromEntries(ran.map((x) => [x, fresh.date])) };
  }
  const previous = JSON.parse(readFileSync(file, 'utf8')) as Results;
  const measured: Record<string, string> = { ...(previous.measured_at ?? {}) };
  if (!previous.measured_at) for (const x of ['a', 'b', 'c', 'd']) measured[x] = previous.date;
  for (const x of ran) measured[x] = fresh.date;
  const { date, duration_seconds, machine, settings, scenarios_run, ...sections } = fresh;
  const defined = Object.fromEntries(Object.entries(sections).filter(([, v]) => v !== undefined));
  return {
    ...previous,
    ...defined,
    measured_at: measured,
    partial_runs: { ...previous.partial_runs, [ran.join('')]: { date, duration_seconds, machine, settings, scenarios_run } },
  };
}

function table(r: Results): string {
  const s = r.settings;
  const n = (x: number) => x.toLocaleString('en-US', { maximumFractionDigits: 0 });
  const lines = [
    `stepgate benchmark — ${r.date} — ${r.machine.cpus} × ${r.machine.cpu_model}, Node ${r.machine.node}${r.machine.serve_flags ? ` (stepgate started with ${r.machine.serve_flags.join(' ') || "V8's default heap"})` : ''}, load average at start ${r.machine.load_average_at_start.join(' ')}; scenarios ${r.scenarios_run.join(', ')}` +
      (r.machine.load ? `; other processes used ${r.machine.load.other_cpus_before} CPUs before the run and ${r.machine.load.other_cpus_during} during it (the benchmark ${r.machine.load.bench_cpus_during})` : ''),
  ];
  if (r.cached_tokens) lines.push(...cachedTable(r, n));
  if (r.tracing) lines.push(...tracingTable(r, r.tracing, n));
  if (r.risk_state) lines.push(...riskTable(r, r.risk_state, n));
  if (r.guardrails) lines.push(...guardrailTable(r, r.guardrails, n));
  if (r.latency) lines.push(...latencyTable(r.latency));
  if (r.workers) lines.push(...workersTable(r.workers));
  if (r.soak) lines.push(...soakTable(r.soak));
  if (r.token_cache) lines.push('', `(g) memory per cached token (bench/token-cache.ts)`, '', tokenCacheTable(r.token_cache));
  return lines.join('\n');
}

function cachedTable(r: Results, n: (x: number) => string): string[] {
  const s = r.settings;
  const mix = r.cached_tokens!.mix;
  const lines = [
    '',
    `(a) cached tokens (~${r.token_bytes} B JWT): h2load -c ${s.clients} -m ${s.streams} -t ${s.threads}; per shape and server ${s.rounds} runs (ABBA) of ${s.seconds} s after ${s.warmupSeconds} s warm-up; hypervisor steal ${r.cached_tokens!.steal_seconds} CPU-s`,
    '',
    '| shape | weight | stepgate req/s | no-op req/s | ratio | stepgate CPU µs/req | no-op CPU µs/req |',
    '|---|--:|--:|--:|--:|--:|--:|',
    ...r.cached_tokens!.shapes.map(
      (x) =>
        `| ${x.shape} | ${x.weight.toFixed(2)} | ${n(x.stepgate)} | ${n(x.noop)} | ${x.ratio.toFixed(2)} | ${n(x.stepgate_cpu_us)} | ${n(x.noop_cpu_us)} |`,
    ),
    `| **weighted mix** | 1.00 | **${n(mix.stepgate)}** | **${n(mix.noop)}** | **${mix.ratio.toFixed(2)}** | **${n(mix.stepgate_cpu_us)}** | **${n(mix.noop_cpu_us)}** |`,
    '',
    `ratio by req/s ${mix.ratio.toFixed(2)}; by CPU per request ${mix.cpu_ratio.toFixed(2)} (no-op µs / stepgate µs)`,
  ];
  if (r.new_tokens) {
    const b = r.new_tokens;
    lines.push(
      '',
      `(b) every token new: ${n(b.tokens)} distinct RS256 tokens (~${b.token_bytes} B), grpc-js client, ${s.clients} connections × ${s.streams} in flight`,
      '',
      '| server | req/s | requests | seconds | server CPU µs/req |',
      '|---|--:|--:|--:|--:|',
      `| stepgate | ${n(b.stepgate.rps)} | ${n(b.stepgate.completed)} | ${b.stepgate.seconds} | ${n(b.stepgate.cpu_us)} |`,
      `| no-op | ${n(b.noop.rps)} | ${n(b.noop.completed)} | ${b.noop.seconds} | ${n(b.noop.cpu_us)} |`,
    );
  }
  const m = r.memory_mib;
  if (m) {
    lines.push(
      '',
      '(c) memory (MiB, from /proc/PID/status)',
      '',
      '| process | RSS after start | RSS after (a) | RSS after (b) | peak (VmHWM) |',
      '|---|--:|--:|--:|--:|',
      `| stepgate | ${m.stepgate.after_start} | ${m.stepgate.after_cached} | ${m.stepgate.after_new_tokens ?? '–'} | ${m.stepgate.peak} |`,
      `| no-op | | | | ${m.noop.peak} |`,
    );
  }
  return lines;
}

function tracingTable(r: Results, t: TracingResult, n: (x: number) => string): string[] {
  const s = r.settings;
  return [
    '',
    `(d) tracing on (sampling all, OTLP/HTTP protobuf to a local sink) vs off: two fresh stepgate processes, h2load -c ${s.clients} -m ${s.streams}, per shape and server ${s.rounds} runs (ABBA) of ${s.seconds} s after ${s.tracingWarmupSeconds} s of unmeasured load; requests carry a sampled traceparent`,
    '',
    '| shape | weight | tracing off req/s | tracing on req/s | ratio | off CPU µs/req | on CPU µs/req |',
    '|---|--:|--:|--:|--:|--:|--:|',
    ...t.shapes.map(
      (x) => `| ${x.shape} | ${x.weight.toFixed(2)} | ${n(x.off)} | ${n(x.on)} | ${x.ratio.toFixed(2)} | ${n(x.off_cpu_us)} | ${n(x.on_cpu_us)} |`,
    ),
    `| **weighted (these shapes)** | | **${n(t.mix.off)}** | **${n(t.mix.on)}** | **${t.mix.ratio.toFixed(2)}** | **${n(t.mix.off_cpu_us)}** | **${n(t.mix.on_cpu_us)}** |`,
    '',
    `ratio by req/s ${t.mix.ratio.toFixed(2)}; by CPU per request ${t.mix.cpu_ratio.toFixed(2)} (target ≥ 0.8); ` +
      `spans exported ${n(t.spans.exported)} of ${n(t.spans.checks)} checks (${n(t.spans.dropped)} dropped) in ${n(t.spans.export_requests)} OTLP requests, ${t.spans.mib_exported} MiB; ` +
      `peak RSS off ${t.memory_peak_mib.off} MiB, on ${t.memory_peak_mib.on} MiB`,
  ];
}

// ---------------------------------------------------------------------------------------------
// (d) Tracing on vs off

interface TracingResult {
  shapes: { shape: string; weight: number; off: number; on: number; ratio: number; off_cpu_us: number; on_cpu_us: number }[];
  mix: { off: number; on: number; ratio: number; off_cpu_us: number; on_cpu_us: number; cpu_ratio: number };
  spans: { checks: number; exported: number; dropped: number; export_requests: number; mib_exported: number };
  memory_peak_mib: { off: number; on: number };
  otel_env: Record<string, string>;
}

async function tracingScenario(issuer: Issuer, work: string, configFile: string): Promise<TracingResult> {
  console.error('running (d) tracing on vs off…');
  const shapes = TRACING_SHAPES.map((name) => {
    const shape = SHAPES.find((x) => x.name === name);
    if (!shape) throw new Error(`unknown shape ${name}`);
    return shape;
  });
  // The gateway's trace: one sampled traceparent per shape, as Envoy would send it.
  const frames = await Promise.all(
    shapes.map((shape, i) => buildFrame(issuer, shape, 500 + i, { traceparent: `00-${hex(32)}-${hex(16)}-01` })),
  );
  const files = frames.map((f, i) => {
    const file = join(work, `tracing-${i}.grpc`);
    writeFileSync(file, f.frame);
    return file;
  });
  const sink = await startOtlpSink();
  try {
    const [offPort, onPort, offMetrics, onMetrics] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const args = ['dist/cli.js', 'serve', '--config', configFile];
    const off = await startServer('tracing-off', args, offPort, {
      ...NO_OTEL,
      STEPGATE_GRPC_LISTEN: `127.0.0.1:${offPort}`,
      STEPGATE_METRICS_LISTEN: `127.0.0.1:${offMetrics}`,
    });
    const on = await startServer('tracing-on', args, onPort, {
      ...NO_OTEL,
      ...TRACING_ENV,
      OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
      STEPGATE_GRPC_LISTEN: `127.0.0.1:${onPort}`,
      STEPGATE_METRICS_LISTEN: `127.0.0.1:${onMetrics}`,
    });
    for (const c of [off, on]) {
      await verifyDecisions(c, frames, 'miss');
      await verifyDecisions(c, frames, 'hit');
    }
    for (const c of [off, on]) for (const f of files) await h2load(c, f, SETTINGS.tracingWarmupSeconds);

    const rows: TracingResult['shapes'] = [];
    for (const [i, shape] of shapes.entries()) {
      const runs = new Map<Child, H2loadResult[]>([[off, []], [on, []]]);
      for (let round = 0; round < SETTINGS.rounds; round++) {
        for (const c of round % 2 === 0 ? [off, on] : [on, off]) runs.get(c)!.push(await h2load(c, files[i]!));
      }
      if (!alive(on) || !alive(off)) throw new Error(`a stepgate process died during (d):\n${on.output()}\n${off.output()}`);
      const a = pool(runs.get(off)!);
      const b = pool(runs.get(on)!);
      rows.push({ shape: shape.name, weight: shape.weight, off: a.rps, on: b.rps, ratio: b.rps / a.rps, off_cpu_us: a.cpuUs, on_cpu_us: b.cpuUs });
      console.error(`  ${shape.name}: tracing off ${Math.round(a.rps)} req/s, on ${Math.round(b.rps)} req/s`);
    }
    for (const c of [off, on]) await verifyDecisions(c, frames, 'hit');

    // Every sampled span must reach the sink: compare with the checks the traced process counted.
    const checks = await checksCounted(onMetrics);
    const deadline = Date.now() + 15_000;
    while (sink.stats.checkSpans < checks && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const memoryPeak = { off: memory(off.proc.pid!).peakMiB, on: memory(on.proc.pid!).peakMiB };
    await stop(off);
    await stop(on);

    const weights = rows.reduce((sum, r) => sum + r.weight, 0);
    const mixOff = mixRps(rows.map((r) => ({ weight: r.weight, rps: r.off })));
    const mixOn = mixRps(rows.map((r) => ({ weight: r.weight, rps: r.on })));
    const offCpu = rows.reduce((sum, r) => sum + r.weight * r.off_cpu_us, 0) / weights;
    const onCpu = rows.reduce((sum, r) => sum + r.weight * r.on_cpu_us, 0) / weights;
    return {
      shapes: rows.map((r) => ({ ...r, off: round(r.off), on: round(r.on), ratio: round(r.ratio, 3), off_cpu_us: round(r.off_cpu_us), on_cpu_us: round(r.on_cpu_us) })),
      mix: { off: round(mixOff), on: round(mixOn), ratio: round(mixOn / mixOff, 3), off_cpu_us: round(offCpu), on_cpu_us: round(onCpu), cpu_ratio: round(offCpu / onCpu, 3) },
      spans: {
        checks,
        exported: sink.stats.checkSpans,
        dropped: Math.max(0, checks - sink.stats.checkSpans),
        export_requests: sink.stats.traceRequests,
        mib_exported: round(sink.stats.bytes / 2 ** 20, 1),
      },
      memory_peak_mib: memoryPeak,
      otel_env: { ...TRACING_ENV, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:<sink>' },
    };
  } finally {
    await sink.close();
  }
}

// ---------------------------------------------------------------------------------------------
// (e) Risk engine state: memory vs Redis, and the engine on vs off

interface RiskRow {
  shape: string;
  weight: number;
  /** req/s with the risk engine off, on with memory state, on with Redis state */
  off: number;
  memory: number;
  redis: number;
  /** redis / memory, by req/s */
  redis_ratio: number;
  /** memory / off, by req/s: what is left after the engine's own work */
  engine_ratio: number;
  off_cpu_us: number;
  memory_cpu_us: number;
  redis_cpu_us: number;
  /** CPU of the redis-server process per request during the Redis runs */
  redis_server_cpu_us: number;
}

interface RiskStateResult {
  steal_seconds: number;
  shapes: RiskRow[];
  mix: {
    off: number;
    memory: number;
    redis: number;
    /** redis / memory by req/s (target ≥ 0.7) */
    ratio: number;
    /** memory stepgate CPU µs / redis stepgate CPU µs */
    cpu_ratio: number;
    /** the same with redis-server's CPU added to the Redis side */
    cpu_ratio_with_redis_server: number;
    /** memory / off by req/s, and by CPU per request */
    engine_ratio: number;
    engine_cpu_ratio: number;
    off_cpu_us: number;
    memory_cpu_us: number;
    redis_cpu_us: number;
    redis_server_cpu_us: number;
  };
  /** Proof that the Redis process did one observe round trip per Check (from INFO commandstats and its metrics). */
  redis: {
    version: string;
    checks: number;
    denials: number;
    script_calls: number;
    /** script calls / checks: 1 observe per Check (2 with the work observation), plus 1 per denial (recordDenial) and per learning allow */
    calls_per_check: number;
    failed_calls: number;
  };
  /** stepgate_state_errors_total of the two risk processes after the run (must be 0). */
  state_errors: { memory: number; redis: number };
  /** Anything that makes the Redis figures dishonest; the run fails when this is not empty. */
  problems: string[];
  memory_peak_mib: { off: number; memory: number; redis: number };
  configuration: string;
}

async function riskScenario(issuer: Issuer, work: string, profDir?: string): Promise<RiskStateResult> {
  console.error('running (e) risk engine state: memory vs Redis (and risk off)…');
  const shapes = RISK_SHAPES.map((name) => {
    const shape = SHAPES.find((x) => x.name === name);
    if (!shape) throw new Error(`unknown shape ${name}`);
    return shape;
  });
  const frames = await Promise.all(shapes.map((shape, i) => buildFrame(issuer, shape, 700 + i)));
  // The same subjects from the same addresses and devices, with a fresh aal2 token: what a
  // completed step-up looks like. Allowed, it makes the address, network and device known.
  const learnFrames = await Promise.all(
    shapes.map((shape, i) => buildFrame(issuer, { ...shape, level: 'aal2', expect: { allow: true, reason: 'allowed' } }, 700 + i)),
  );
  const files = frames.map((f, i) => {
    const file = join(work, `risk-${i}.grpc`);
    writeFileSync(file, f.frame);
    return file;
  });
  const redisDir = join(work, 'redis');
  mkdirSync(redisDir);
  const redis = await startBenchRedis(await freePort(), redisDir);
  helpers.push(redis.proc);
  try {
    const start = async (name: Server, risk: RiskOptions | undefined) => {
      const [port, metrics] = [await freePort(), await freePort()];
      const file = join(work, `${name}.yaml`);
      writeFileSync(file, configYaml(issuer.jwksUri, `127.0.0.1:${port}`, risk));
      const prof = profDir && name === 'risk-redis' ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [];
      const child = await startServer(name, [...prof, 'dist/cli.js', 'serve', '--config', file], port, {
        ...NO_OTEL,
        STEPGATE_METRICS_LISTEN: `127.0.0.1:${metrics}`,
      });
      return { child, metrics };
    };
    const off = await start('risk-off', undefined);
    const mem = await start('risk-memory', { store: 'memory' });
    const red = await start('risk-redis', { store: 'redis', redisUrl: redis.url });
    const servers = [off.child, mem.child, red.child];

    for (const c of servers) await verifyDecisions(c, learnFrames, 'miss');
    // Learning happens after the allow is answered, off the response path; with Redis it is one
    // more script call. The checks below fail if it has not landed (the aal1 allows would score
    // new_network + new_device_fingerprint = 35 and need aal2).
    await new Promise((r) => setTimeout(r, 300));
    for (const c of servers) {
      await verifyDecisions(c, frames, 'miss');
      await verifyDecisions(c, frames, 'hit');
    }
    for (const c of servers) for (const f of files) await h2load(c, f, SETTINGS.tracingWarmupSeconds, c === red.child ? redis.proc.pid : undefined);

    const stealBefore = stealSeconds();
    const rows: RiskRow[] = [];
    for (const [i, shape] of shapes.entries()) {
      const runs = new Map<Child, H2loadResult[]>(servers.map((c) => [c, []]));
      // A B C C B A: drift on the machine falls on all three equally.
      for (let round = 0; round < SETTINGS.rounds; round++) {
        for (const c of round % 2 === 0 ? servers : [...servers].reverse()) {
          runs.get(c)!.push(await h2load(c, files[i]!, SETTINGS.seconds, c === red.child ? redis.proc.pid : undefined));
        }
      }
      if (!servers.every(alive)) throw new Error(`a stepgate process died during (e):\n${servers.map((c) => c.output()).join('\n')}`);
      if (redis.proc.exitCode !== null) throw new Error('redis-server died during (e)');
      const [a, b, c] = servers.map((x) => pool(runs.get(x)!)) as [H2loadResult, H2loadResult, H2loadResult];
      rows.push({
        shape: shape.name,
        weight: shape.weight,
        off: a.rps,
        memory: b.rps,
        redis: c.rps,
        redis_ratio: c.rps / b.rps,
        engine_ratio: b.rps / a.rps,
        off_cpu_us: a.cpuUs,
        memory_cpu_us: b.cpuUs,
        redis_cpu_us: c.cpuUs,
        redis_server_cpu_us: c.alsoCpuUs,
      });
      console.error(`  ${shape.name}: risk off ${Math.round(a.rps)} req/s, memory ${Math.round(b.rps)} req/s, redis ${Math.round(c.rps)} req/s`);
    }
    const steal = stealSeconds() - stealBefore;
    // After the load: same answers, from live processes, with the counters still out of reach.
    for (const c of servers) {
      await verifyDecisions(c, frames, 'hit');
      await verifyDecisions(c, learnFrames, 'hit');
    }

    // Honesty of the Redis path: every Check ran the observe script, nothing failed.
    const stats = await redis.commandStats();
    const scripts = ['evalsha', 'eval'].map((k) => stats.get(k) ?? { calls: 0, failed: 0, rejected: 0 });
    const scriptCalls = scripts.reduce((sum, x) => sum + x.calls, 0);
    const failedCalls = [...stats.values()].reduce((sum, x) => sum + x.failed + x.rejected, 0);
    const redMetrics = await metricsText(red.metrics);
    const checks = sumMetric(redMetrics, 'stepgate_decisions_total');
    const denials = sumMetric(redMetrics, 'stepgate_decisions_total', 'decision="deny"');
    const stateErrors = { memory: sumMetric(await metricsText(mem.metrics), 'stepgate_state_errors_total'), redis: sumMetric(redMetrics, 'stepgate_state_errors_total') };
    // One observe per Check, plus one observe-work (working set, pace, site) for a Check that has
    // a namespace, an object or a site (risk/engine.ts; both sent together, one round trip); at
    // most one recordDenial per deny (the same request denied again within 10 s is a retry and
    // counted once, so a replayed frame mostly records none); at most one learn (and learn-work)
    // per subject.
    const least = checks;
    const most = 2 * checks + denials + 2 * shapes.length;
    // Reported, then the run fails (after writing the figures and any profile, which show why).
    const problems: string[] = [];
    if (scriptCalls < least || scriptCalls > most) {
      problems.push(`${scriptCalls} script calls for ${checks} checks and ${denials} denials (expected ${least}–${most})`);
    }
    if (failedCalls) problems.push(`${failedCalls} failed Redis calls`);
    // A state error is a Check assessed without its history (fail_closed: sensitive requests refused).
    if (stateErrors.memory || stateErrors.redis) problems.push(`stepgate_state_errors_total: memory ${stateErrors.memory}, redis ${stateErrors.redis}`);
    const memoryPeak = { off: memory(off.child.proc.pid!).peakMiB, memory: memory(mem.child.proc.pid!).peakMiB, redis: memory(red.child.proc.pid!).peakMiB };
    const version = await redis.version();
    for (const c of servers) await stop(c);

    const weights = rows.reduce((sum, r) => sum + r.weight, 0);
    const mixOf = (k: 'off' | 'memory' | 'redis') => mixRps(rows.map((r) => ({ weight: r.weight, rps: r[k] })));
    const cpuOf = (k: 'off_cpu_us' | 'memory_cpu_us' | 'redis_cpu_us' | 'redis_server_cpu_us') => rows.reduce((sum, r) => sum + r.weight * r[k], 0) / weights;
    const mix = { off: mixOf('off'), memory: mixOf('memory'), redis: mixOf('redis') };
    const cpu = { off: cpuOf('off_cpu_us'), memory: cpuOf('memory_cpu_us'), redis: cpuOf('redis_cpu_us'), server: cpuOf('redis_server_cpu_us') };
    return {
      steal_seconds: round(steal, 2),
      shapes: rows.map((r) => ({
        ...r,
        off: round(r.off),
        memory: round(r.memory),
        redis: round(r.redis),
        redis_ratio: round(r.redis_ratio, 3),
        engine_ratio: round(r.engine_ratio, 3),
        off_cpu_us: round(r.off_cpu_us),
        memory_cpu_us: round(r.memory_cpu_us),
        redis_cpu_us: round(r.redis_cpu_us),
        redis_server_cpu_us: round(r.redis_server_cpu_us),
      })),
      mix: {
        off: round(mix.off),
        memory: round(mix.memory),
        redis: round(mix.redis),
        ratio: round(mix.redis / mix.memory, 3),
        cpu_ratio: round(cpu.memory / cpu.redis, 3),
        cpu_ratio_with_redis_server: round(cpu.memory / (cpu.redis + cpu.server), 3),
        engine_ratio: round(mix.memory / mix.off, 3),
        engine_cpu_ratio: round(cpu.off / cpu.memory, 3),
        off_cpu_us: round(cpu.off),
        memory_cpu_us: round(cpu.memory),
        redis_cpu_us: round(cpu.redis),
        redis_server_cpu_us: round(cpu.server),
      },
      redis: { version, checks, denials, script_calls: scriptCalls, calls_per_check: round(scriptCalls / checks, 4), failed_calls: failedCalls },
      state_errors: stateErrors,
      problems,
      memory_peak_mib: memoryPeak,
      configuration:
        'risk on with bands elevated ≥30 (aal2, 900 s), high ≥50 (aal2, 300 s), critical ≥90 (deny); rule sensitivities 10–40; ' +
        'request_rate, sensitive_rate and denials thresholds 1e9 (kept and read, never firing); each subject\'s address and device ' +
        'learned up front with a fresh aal2 token; Redis: state.timeout_ms 250, on_state_error fail_closed',
    };
  } finally {
    for (const c of children) if (c.name.startsWith('risk-')) await stop(c).catch(() => undefined);
    await redis.stop();
  }
}

function riskTable(r: Results, e: RiskStateResult, n: (x: number) => string): string[] {
  const s = r.settings;
  const f2 = (x: number) => x.toFixed(2);
  const m = e.mix;
  return [
    '',
    `(e) risk engine state: three fresh stepgate processes (risk off; risk on with state in memory; risk on with state in a local redis-server ${e.redis.version}), h2load -c ${s.clients} -m ${s.streams}, per shape and server ${s.rounds} runs (ABC CBA) of ${s.seconds} s after ${s.tracingWarmupSeconds} s of unmeasured load; hypervisor steal ${e.steal_seconds} CPU-s`,
    '',
    '| shape | weight | risk off req/s | memory req/s | redis req/s | redis/memory | memory/off | off CPU µs/req | memory CPU µs/req | redis CPU µs/req | redis-server CPU µs/req |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
    ...e.shapes.map(
      (x) =>
        `| ${x.shape} | ${x.weight.toFixed(2)} | ${n(x.off)} | ${n(x.memory)} | ${n(x.redis)} | ${f2(x.redis_ratio)} | ${f2(x.engine_ratio)} | ${n(x.off_cpu_us)} | ${n(x.memory_cpu_us)} | ${n(x.redis_cpu_us)} | ${n(x.redis_server_cpu_us)} |`,
    ),
    `| **weighted (these shapes)** | | **${n(m.off)}** | **${n(m.memory)}** | **${n(m.redis)}** | **${f2(m.ratio)}** | **${f2(m.engine_ratio)}** | **${n(m.off_cpu_us)}** | **${n(m.memory_cpu_us)}** | **${n(m.redis_cpu_us)}** | **${n(m.redis_server_cpu_us)}** |`,
    '',
    `redis/memory: ${f2(m.ratio)} by req/s (target ≥ 0.7), ${f2(m.cpu_ratio)} by stepgate CPU per request, ${f2(m.cpu_ratio_with_redis_server)} counting redis-server's CPU too; ` +
      `risk on (memory)/off: ${f2(m.engine_ratio)} by req/s, ${f2(m.engine_cpu_ratio)} by CPU per request`,
    `Redis path: ${n(e.redis.script_calls)} script calls for ${n(e.redis.checks)} checks (${n(e.redis.denials)} denials) = ${e.redis.calls_per_check} per Check, ` +
      `${e.redis.failed_calls} failed; stepgate_state_errors_total memory ${e.state_errors.memory}, redis ${e.state_errors.redis}`,
    ...e.problems.map((p) => `PROBLEM: ${p}`),
  ];
}

async function metricsText(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(10_000) });
  return res.text();
}

/** Sum of a Prometheus counter's series, optionally only those whose labels contain `label`. */
function sumMetric(text: string, name: string, label?: string): number {
  let total = 0;
  for (const m of text.matchAll(new RegExp(`^${name}(\\{[^}]*\\})? (\\d+(?:\\.\\d+)?(?:e\\+?\\d+)?)`, 'gm'))) {
    if (label === undefined || (m[1] ?? '').includes(label)) total += Number(m[2]);
  }
  return total;
}

/** Sum of stepgate_decisions_total from a stepgate process' Prometheus endpoint. */
async function checksCounted(metricsPort: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  let total = 0;
  for (const m of text.matchAll(/^stepgate_decisions_total\{[^}]*\} (\d+)/gm)) total += Number(m[1]);
  if (total === 0) throw new Error(`no stepgate_decisions_total on port ${metricsPort}:\n${text.slice(0, 2000)}`);
  return total;
}

/** What bench/soak.ts needs of this file's process handling. */
function soakHarness() {
  return {
    startServer: (args: string[], port: number, env: NodeJS.ProcessEnv) => startServer('soak', args, port, { ...NO_OTEL, ...env }),
    stop: (c: { proc: ChildProcess }) => stop(children.find((x) => x.proc === c.proc)!),
    freePort,
    helper: (p: ChildProcess) => void helpers.push(p),
  };
}

function hex(chars: number): string {
  return randomBytes(chars / 2).toString('hex');
}

// (e) adds about 2 minutes to the 3 of (a)–(d).
const LIMIT_MINUTES =
  (ONLY.has('e') ? 9 : 6) + (ONLY.has('g') ? 20 : 0) + (ONLY.has('h') ? 6 : 0) + (ONLY.has('w') ? 2 : 0) + (ONLY.has('s') ? Math.ceil((2 * soakSettings().seconds + 120) / 60) + 4 : 0);
const timer = setTimeout(() => {
  console.error(`benchmark exceeded ${LIMIT_MINUTES} minutes; giving up`);
  for (const c of children) c.proc.kill('SIGKILL');
  for (const p of helpers) p.kill('SIGKILL');
  process.exit(1);
}, LIMIT_MINUTES * 60_000);
timer.unref();
await main();

// ---------------------------------------------------------------------------------------------
// (f) Guardrail-inspected writes

interface GuardrailRow {
  shape: string;
  weight: number;
  /** req/s */
  on: number;
  off: number;
  noop: number;
  /** guardrails on / no-op, and on / off, by req/s */
  ratio: number;
  on_off_ratio: number;
  on_cpu_us: number;
  off_cpu_us: number;
  noop_cpu_us: number;
}

interface GuardrailResult {
  steal_seconds: number;
  shapes: GuardrailRow[];
  mix: { on: number; off: number; noop: number; ratio: number; on_off_ratio: number; on_cpu_us: number; off_cpu_us: number; noop_cpu_us: number; cpu_ratio: number };
  load_average: number[];
  configuration: string;
}

/**
 * Writes with a manifest in the body, all allowed, against three processes: stepgate with
 * guardrails on, the same without a guardrails section, and the no-op. Two of the shapes violate
 * a guardrail (aal2 needed, an aal2 token sent), so their requirement is rebuilt on every request;
 * the encoded-allow cache keys on the answer, so those allows still reuse their encoded bytes
 * (test/unit/encoded-allows.test.ts proves the hits; here, their cost). A B C C B A per shape.
 */
async function guardrailScenario(issuer: Issuer, work: string): Promise<GuardrailResult> {
  console.error('running (f) guardrail-inspected writes: guardrails on vs off vs no-op…');
  const loadAverage = loadavg().map((x) => round(x, 2));
  const frames = await Promise.all(GUARDRAIL_SHAPES.map((shape, i) => buildFrame(issuer, shape, 900 + i)));
  const files = frames.map((f, i) => {
    const file = join(work, `guardrail-${i}.grpc`);
    writeFileSync(file, f.frame);
    return file;
  });
  const start = async (name: Server, extra: string) => {
    const port = await freePort();
    const file = join(work, `${name}.yaml`);
    writeFileSync(file, configYaml(issuer.jwksUri, `127.0.0.1:${port}`, undefined, extra));
    return startServer(name, ['dist/cli.js', 'serve', '--config', file], port, { ...NO_OTEL, STEPGATE_METRICS_LISTEN: 'off' });
  };
  try {
    const on = await start('guardrails-on', GUARDRAILS_YAML);
    const off = await start('guardrails-off', '');
    const noopPort = await freePort();
    const noop = await startServer('noop', ['--import', 'tsx', join(BENCH, 'noop-server.ts'), `127.0.0.1:${noopPort}`], noopPort);
    const servers = [on, off, noop];
    // A token of its own first, until the server has the IdP's keys: on a loaded machine the
    // fetch at startup can outlast its 3 s timeout (jwks_unavailable), which is not what (f) measures.
    const warm = await buildFrame(issuer, GUARDRAIL_SHAPES[0]!, 999);
    for (const c of [on, off]) {
      const client = new RawCheckClient(c.port);
      try {
        for (let i = 0; i < 30 && decodeDecision(await client.check(warm.message)).reason === 'jwks_unavailable'; i++) {
          await new Promise((r) => setTimeout(r, 2_000));
        }
      } finally {
        client.close();
      }
    }
    for (const c of [on, off]) {
      await verifyDecisions(c, frames, 'miss');
      await verifyDecisions(c, frames, 'hit');
    }
    await verifyDecisions(noop, frames, 'any');
    // The flagged shapes must really be flagged: their rules name the guardrail.
    const client = new RawCheckClient(on.port);
    try {
      for (const f of frames) {
        const rules = decodeDecision(await client.check(f.message)).rules;
        const flagged = f.shape.name.includes('flagged');
        if (rules.includes('guardrail:') !== flagged) throw new Error(`(f) ${f.shape.name}: rules "${rules}"`);
      }
    } finally {
      client.close();
    }
    for (const c of servers) for (const f of files) await h2load(c, f, SETTINGS.tracingWarmupSeconds);

    const stealBefore = stealSeconds();
    const rows: GuardrailRow[] = [];
    for (const [i, shape] of GUARDRAIL_SHAPES.entries()) {
      const runs = new Map<Child, H2loadResult[]>(servers.map((c) => [c, []]));
      for (let r = 0; r < SETTINGS.rounds; r++) {
        for (const c of r % 2 === 0 ? servers : [...servers].reverse()) runs.get(c)!.push(await h2load(c, files[i]!));
      }
      if (!servers.every(alive)) throw new Error(`a server died during (f):\n${servers.map((c) => c.output()).join('\n')}`);
      const [a, b, c] = servers.map((x) => pool(runs.get(x)!)) as [H2loadResult, H2loadResult, H2loadResult];
      rows.push({
        shape: shape.name,
        weight: shape.weight,
        on: a.rps,
        off: b.rps,
        noop: c.rps,
        ratio: a.rps / c.rps,
        on_off_ratio: a.rps / b.rps,
        on_cpu_us: a.cpuUs,
        off_cpu_us: b.cpuUs,
        noop_cpu_us: c.cpuUs,
      });
      console.error(`  ${shape.name}: guardrails on ${Math.round(a.rps)} req/s, off ${Math.round(b.rps)} req/s, no-op ${Math.round(c.rps)} req/s`);
    }
    const steal = stealSeconds() - stealBefore;
    for (const c of [on, off]) await verifyDecisions(c, frames, 'hit');
    const weights = rows.reduce((sum, r) => sum + r.weight, 0);
    const mixOf = (k: 'on' | 'off' | 'noop') => mixRps(rows.map((r) => ({ weight: r.weight, rps: r[k] })));
    const cpuOf = (k: 'on_cpu_us' | 'off_cpu_us' | 'noop_cpu_us') => rows.reduce((sum, r) => sum + r.weight * r[k], 0) / weights;
    const mix = { on: mixOf('on'), off: mixOf('off'), noop: mixOf('noop') };
    const cpu = { on: cpuOf('on_cpu_us'), off: cpuOf('off_cpu_us'), noop: cpuOf('noop_cpu_us') };
    return {
      steal_seconds: round(steal, 2),
      shapes: rows.map((r) => ({
        ...r,
        on: round(r.on),
        off: round(r.off),
        noop: round(r.noop),
        ratio: round(r.ratio, 3),
        on_off_ratio: round(r.on_off_ratio, 3),
        on_cpu_us: round(r.on_cpu_us),
        off_cpu_us: round(r.off_cpu_us),
        noop_cpu_us: round(r.noop_cpu_us),
      })),
      mix: {
        on: round(mix.on),
        off: round(mix.off),
        noop: round(mix.noop),
        ratio: round(mix.on / mix.noop, 3),
        on_off_ratio: round(mix.on / mix.off, 3),
        on_cpu_us: round(cpu.on),
        off_cpu_us: round(cpu.off),
        noop_cpu_us: round(cpu.noop),
        cpu_ratio: round(cpu.noop / cpu.on, 3),
      },
      load_average: loadAverage,
      configuration: 'guardrails: default_effect aal2 within 900 s, allowed_registries [registry.example.internal]; JSON Deployment manifests of ~1 KB in the CheckRequest body',
    };
  } finally {
    for (const c of children) if (c.name.startsWith('guardrails-') || c.name === 'noop') await stop(c).catch(() => undefined);
  }
}

function guardrailTable(r: Results, g: GuardrailResult, n: (x: number) => string): string[] {
  const s = r.settings;
  const f2 = (x: number) => x.toFixed(2);
  const m = g.mix;
  return [
    '',
    `(f) guardrail-inspected writes (all allowed; body in the Check): stepgate with guardrails on, the same without guardrails, and the no-op; h2load -c ${s.clients} -m ${s.streams}, per shape and server ${s.rounds} runs (ABC CBA) of ${s.seconds} s after ${s.tracingWarmupSeconds} s of unmeasured load; load average ${g.load_average.join(' ')}; hypervisor steal ${g.steal_seconds} CPU-s`,
    '',
    '| shape | weight | guardrails on req/s | off req/s | no-op req/s | on/no-op | on/off | on CPU µs/req | off CPU µs/req | no-op CPU µs/req |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
    ...g.shapes.map(
      (x) =>
        `| ${x.shape} | ${x.weight.toFixed(2)} | ${n(x.on)} | ${n(x.off)} | ${n(x.noop)} | ${f2(x.ratio)} | ${f2(x.on_off_ratio)} | ${n(x.on_cpu_us)} | ${n(x.off_cpu_us)} | ${n(x.noop_cpu_us)} |`,
    ),
    `| **weighted (these shapes)** | | **${n(m.on)}** | **${n(m.off)}** | **${n(m.noop)}** | **${f2(m.ratio)}** | **${f2(m.on_off_ratio)}** | **${n(m.on_cpu_us)}** | **${n(m.off_cpu_us)}** | **${n(m.noop_cpu_us)}** |`,
    '',
    `guardrails on/no-op: ${f2(m.ratio)} by req/s, ${f2(m.cpu_ratio)} by CPU per request; guardrails on/off: ${f2(m.on_off_ratio)} by req/s`,
  ];
}

// ---------------------------------------------------------------------------------------------
// (g) Memory per cached token, (h) open-loop latency, (w) one process against two (issue 17)

interface LatencyPoint {
  server: 'stepgate' | 'noop';
  rate: number;
  /** µs, median over the rounds, and every round's value */
  p50: number;
  p99: number;
  p999: number;
  rounds: { p50: number; p99: number; p999: number; sent: number; failed: number; client_cpu_us: number; lag_p99_ms: number; achieved_rps: number }[];
}

interface LatencyResult {
  shape: string;
  noop_max_rps: number;
  stepgate_max_rps: number;
  points: LatencyPoint[];
  /** Rates at which stepgate's p99 stayed within 0.5 ms of the no-op's. */
  flat_up_to_rps: number;
  load_average: number[][];
  client: string;
}

// A function declaration (hoisted): main() runs before the module's later constants are set.
function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
}

function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/**
 * One open-loop run: h2load sends at a fixed rate whatever the server's answers do, and logs each
 * request's latency (--log-file). A closed-loop client would slow down with the server and hide
 * its queueing; this one does not. `--rps` (per client), not a timing script: h2load schedules a
 * timing script's request relative to when it actually sent the previous one, so every late timer
 * delays all the rest (measured 2026-12-02 on a quiet machine: 886 of 1,000 req/s sent, send lag
 * 0.26 s at p99, two thirds of the schedule from 3,000 req/s on). `--rps` counts the requests due
 * from the time elapsed since the start on every 10 ms tick, so the rate holds (the soak, (s),
 * uses it too); requests leave in small bursts per tick, so up to 10 ms of send lag is the method's.
 */
async function openLoop(c: Child, frameFile: string, rate: number, seconds: number, work: string): Promise<LatencyPoint['rounds'][number]> {
  const clients = 4;
  const total = Math.max(clients, Math.round(rate * seconds));
  const url = `http://127.0.0.1:${c.port}${CHECK_PATH}`;
  const log = join(work, `latency-${c.name}-${rate}.log`);
  // h2load appends to its log file: each run starts from an empty one.
  rmSync(log, { force: true });
  // The client's own cost: h2load is the only child that exits (and is reaped) during the run,
  // so the growth of this process' children's CPU time is h2load's.
  const clientCpu0 = childrenCpuSeconds();
  await run(
    'h2load',
    [`--rps=${(rate / clients).toFixed(3)}`, `--requests=${total}`, `--clients=${clients}`, '--max-concurrent-streams=1000', '--threads=1', `--data=${frameFile}`,
      '--header=content-type: application/grpc', '--header=te: trailers', `--log-file=${log}`, url],
    (seconds + 30) * 1000,
  );
  const clientCpuUs = ((childrenCpuSeconds() - clientCpu0) * 1e6) / Math.max(1, total);
  const rows = readFileSync(log, 'utf8').trim().split('\n').map((l) => l.split('\t').map(Number));
  const failed = rows.filter((r) => r[1] !== 200).length;
  const lat = rows.filter((r) => r[1] === 200).map((r) => r[2]!).sort((a, b) => a - b);
  // How late h2load sent each request against the fixed rate: the latency it logs runs from the
  // actual send, so a client that falls behind would hide the server's queueing (coordinated
  // omission). The k-th request sent (all connections together) was due at first + k / rate.
  const starts = rows.map((r) => r[0]!).sort((a, b) => a - b);
  const lag = starts.map((t, k) => Math.max(0, (t - starts[0]!) / 1000 - (k * 1000) / rate)).sort((a, b) => a - b);
  return {
    p50: percentile(lat, 0.5),
    p99: percentile(lat, 0.99),
    p999: percentile(lat, 0.999),
    sent: rows.length,
    failed,
    client_cpu_us: round(clientCpuUs, 1),
    lag_p99_ms: round(percentile(lag, 0.99), 2),
    // What h2load actually offered: requests over the span of their send times.
    achieved_rps: round(starts.length > 1 ? ((starts.length - 1) * 1e6) / (starts.at(-1)! - starts[0]!) : NaN),
  };
}

/** CPU time (user + system) of this process' children that have exited and been reaped, in seconds. */
function childrenCpuSeconds(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').replace(/^.*\) /s, '').split(' ');
  return (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS;
}

/**
 * On a busy machine a freshly started server may not have fetched the issuer's keys yet (its
 * first fetch can time out): ask until it has, with a frame nobody measures (jwks_unavailable is
 * never cached, so the measured frames still see their first miss later).
 */
async function waitForKeys(c: Child, issuer: Issuer): Promise<void> {
  const probe = await buildFrame(issuer, SHAPES[0]!, 9_999);
  const client = new RawCheckClient(c.port);
  try {
    for (let i = 0; i < 30; i++) {
      const d = decodeDecision(await client.check(probe.message));
      if (d.reason !== 'jwks_unavailable') return;
      await new Promise((r) => setTimeout(r, 2_000));
    }
    throw new Error(`${c.name} did not fetch the issuer's keys within a minute`);
  } finally {
    client.close();
  }
}

async function latencyScenario(issuer: Issuer, work: string): Promise<LatencyResult> {
  const shape = SHAPES.find((s) => s.name === 'kubectl get pods (dev)')!;
  const frame = await buildFrame(issuer, shape, 0);
  const frameFile = join(work, 'latency.grpc');
  writeFileSync(frameFile, frame.frame);
  const [sgPort, noopPort] = [await freePort(), await freePort()];
  const file = join(work, 'latency.yaml');
  writeFileSync(file, configYaml(issuer.jwksUri, `127.0.0.1:${sgPort}`));
  const sg = await startServer('stepgate', ['dist/cli.js', 'serve', '--config', file], sgPort, { ...NO_OTEL, STEPGATE_METRICS_LISTEN: 'off' });
  const noop = await startServer('noop', ['--import', 'tsx', join(BENCH, 'noop-server.ts'), `127.0.0.1:${noopPort}`], noopPort);
  const loads: number[][] = [loadavg().map((x) => round(x, 2))];
  try {
    await waitForKeys(sg, issuer);
    await verifyDecisions(sg, [frame], 'miss');
    await verifyDecisions(sg, [frame], 'hit');
    // Saturation of each (closed loop, as in (a)), alternated.
    const max: Record<string, number[]> = { stepgate: [], noop: [] };
    for (const c of [noop, sg, sg, noop]) max[c.name]!.push((await h2load(c, frameFile)).rps);
    const noopMax = median(max.noop!);
    const rates = [...new Set([1000, 3000, 5000, Math.round(0.5 * noopMax), Math.round(0.7 * noopMax), Math.round(0.9 * noopMax)])].sort((a, b) => a - b);
    const points: LatencyPoint[] = [];
    const seconds = Math.max(2, SETTINGS.seconds);
    for (const rate of rates) {
      const rounds: Record<string, LatencyPoint['rounds']> = { stepgate: [], noop: [] };
      // A B B A B A: three alternations per rate.
      for (const c of [sg, noop, noop, sg, sg, noop]) rounds[c.name]!.push(await openLoop(c, frameFile, rate, seconds, work));
      for (const name of ['stepgate', 'noop'] as const) {
        const rs = rounds[name]!;
        points.push({ server: name, rate, p50: median(rs.map((r) => r.p50)), p99: median(rs.map((r) => r.p99)), p999: median(rs.map((r) => r.p999)), rounds: rs });
      }
      loads.push(loadavg().map((x) => round(x, 2)));
      console.error(`(h) ${rate} req/s done`);
    }
    if (!alive(sg)) throw new Error('stepgate exited during (h)');
    await verifyDecisions(sg, [frame], 'hit');
    let flat = 0;
    for (const rate of rates) {
      const s = points.find((p) => p.server === 'stepgate' && p.rate === rate)!;
      const n = points.find((p) => p.server === 'noop' && p.rate === rate)!;
      if (s.p99 - n.p99 <= 500 && s.rounds.every((r) => r.failed === 0)) flat = rate;
      else break;
    }
    return { shape: shape.name, noop_max_rps: round(noopMax), stepgate_max_rps: round(median(max.stepgate!)), points, flat_up_to_rps: flat, load_average: loads, client: 'h2load --rps (fixed rate per connection), 4 connections, 1 thread (C); latency from --log-file' };
  } finally {
    await stop(sg).catch(() => undefined);
    await stop(noop).catch(() => undefined);
  }
}

function latencyTable(h: LatencyResult): string[] {
  const ms = (us: number) => (us / 1000).toFixed(2);
  const lines = [
    '',
    `(h) open-loop latency, ${h.shape}: fixed offered rates, stepgate and the no-op alternating (A B B A B A); ms, median of 3 rounds [spread]. ` +
      `Closed-loop saturation: no-op ${h.noop_max_rps} req/s, stepgate ${h.stepgate_max_rps} req/s. p99 within 0.5 ms of the no-op up to ${h.flat_up_to_rps} req/s.`,
    '',
    '| offered req/s | % of no-op max | stepgate p50 | p99 | p99.9 | no-op p50 | p99 | p99.9 | failed | h2load CPU µs/req | achieved req/s (stepgate / no-op) | h2load send lag p99 ms (stepgate / no-op) |',
    '|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
  ];
  const spread = (p: LatencyPoint, k: 'p50' | 'p99' | 'p999') => `${ms(p[k])} [${ms(Math.min(...p.rounds.map((r) => r[k])))}–${ms(Math.max(...p.rounds.map((r) => r[k])))}]`;
  for (const rate of [...new Set(h.points.map((p) => p.rate))]) {
    const s = h.points.find((p) => p.server === 'stepgate' && p.rate === rate)!;
    const n = h.points.find((p) => p.server === 'noop' && p.rate === rate)!;
    const failed = [...s.rounds, ...n.rounds].reduce((a, r) => a + r.failed, 0);
    const client = (p: LatencyPoint, k: 'client_cpu_us' | 'lag_p99_ms' | 'achieved_rps') => median(p.rounds.map((r) => r[k] ?? NaN));
    lines.push(
      `| ${rate} | ${Math.round((100 * rate) / h.noop_max_rps)} | ${spread(s, 'p50')} | ${spread(s, 'p99')} | ${spread(s, 'p999')} | ${spread(n, 'p50')} | ${spread(n, 'p99')} | ${spread(n, 'p999')} | ${failed} | ${median([...s.rounds, ...n.rounds].map((r) => r.client_cpu_us ?? NaN))} | ${client(s, 'achieved_rps')} / ${client(n, 'achieved_rps')} | ${client(s, 'lag_p99_ms')} / ${client(n, 'lag_p99_ms')} |`,
    );
  }
  lines.push(
    `load average during (h): ${h.load_average.map((l) => l[0]).join(', ')}. Client overhead: h2load's CPU per request is in the table (it shares the cores with the server); ` +
      "latency is measured from each request's actual send, so the send lag (how late h2load sent against the fixed rate; up to 10 ms is its tick) says how far the client fell behind: a lag near the p99 would hide queueing.",
  );
  return lines;
}

interface WorkersResult {
  shape: string;
  one: number[];
  two: number[];
  ratio: number;
  ratio_spread: [number, number];
  cpu_us: { one: number; two: number };
  load_average: number[][];
}

/** (w) `serve --workers 2` against one process, both with Redis state (required for two), closed loop, A B B A B A. */
async function workersScenario(issuer: Issuer, work: string): Promise<WorkersResult> {
  const shape = SHAPES.find((s) => s.name === 'kubectl get pods (dev)')!;
  const frame = await buildFrame(issuer, shape, 1);
  const frameFile = join(work, 'workers.grpc');
  writeFileSync(frameFile, frame.frame);
  const redisDir = join(work, 'redis-w');
  mkdirSync(redisDir);
  const redis = await startBenchRedis(await freePort(), redisDir);
  helpers.push(redis.proc);
  const started: Child[] = [];
  const loads: number[][] = [loadavg().map((x) => round(x, 2))];
  try {
    const start = async (workers: number) => {
      const port = await freePort();
      const file = join(work, `workers-${workers}.yaml`);
      writeFileSync(file, configYaml(issuer.jwksUri, `127.0.0.1:${port}`, undefined, `state:\n  store: redis\n  redis: { url: "${redis.url}" }\n`));
      const c = await startServer('stepgate', ['dist/cli.js', 'serve', '--workers', String(workers), '--config', file], port, { ...NO_OTEL, STEPGATE_METRICS_LISTEN: 'off' });
      started.push(c);
      for (let i = 0; i < workers; i++) await waitForKeys(c, issuer);
      // Each worker verifies the token once; a few calls over new connections reach all of them.
      for (let i = 0; i < 4 * workers; i++) await verifyDecisions(c, [frame], 'any');
      return c;
    };
    const one = await start(1);
    const two = await start(2);
    const rps: Record<string, number[]> = { one: [], two: [] };
    const cpu: Record<string, number[]> = { one: [], two: [] };
    // CPU of a cluster is the primary's and the workers': /proc of the process group is not at hand,
    // so the figure is req/s; the two cores are the limit for both.
    for (const [name, c] of [['one', one], ['two', two], ['two', two], ['one', one], ['one', one], ['two', two]] as const) {
      const r = await h2load(c, frameFile);
      rps[name]!.push(r.rps);
      cpu[name]!.push(r.cpuUs);
      loads.push(loadavg().map((x) => round(x, 2)));
    }
    const ratios = [0, 1, 2].map((i) => rps.two![i]! / rps.one![i]!);
    return {
      shape: shape.name,
      one: rps.one!,
      two: rps.two!,
      ratio: round(median(rps.two!) / median(rps.one!), 2),
      ratio_spread: [round(Math.min(...ratios), 2), round(Math.max(...ratios), 2)],
      cpu_us: { one: round(median(cpu.one!), 1), two: round(median(cpu.two!), 1) },
      load_average: loads,
    };
  } finally {
    for (const c of started) await stop(c).catch(() => undefined);
    await redis.stop();
  }
}

function workersTable(w: WorkersResult): string[] {
  return [
    '',
    `(w) one process against \`serve --workers 2\` (Redis state), ${w.shape}, closed loop, A B B A B A: req/s`,
    '',
    '| processes | req/s (median) | rounds |',
    '|--:|--:|---|',
    `| 1 | ${median(w.one)} | ${w.one.join(', ')} |`,
    `| 2 | ${median(w.two)} | ${w.two.join(', ')} |`,
    '',
    `two/one ${w.ratio} (per alternation ${w.ratio_spread[0]}–${w.ratio_spread[1]}); load average during (w): ${w.load_average.map((l) => l[0]).join(', ')}`,
  ];
}

