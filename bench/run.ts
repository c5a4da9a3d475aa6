import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHECK_PATH, decodeDecision, RawCheckClient } from './codec.js';
import { buildDistinctFrames, buildFrame, configYaml, GUARDRAIL_SHAPES, GUARDRAILS_YAML, SHAPES, startIssuer, type Frame, type Issuer, type RiskOptions } from './fixtures.js';
import { runCommand } from './run-command.js';
import { startOtlpSink } from './otlp-sink.js';
import { startBenchRedis, type BenchRedis } from './redis.js';
import { measureTokenCache, tokenCacheTable, type TokenCacheFigures } from './token-cache.js';
import { soakScenario, soakSettings, soakTable, type SoakResult } from './soak.js';
import { NO_OTEL, TRACING_ENV } from './tracing-env.js';
import { machineIdentity, maxOtherCpus, watchMachineLoad, type MachineLoad } from './machine-load.js';
import { formatSummary, median, percentileOfSorted, ratioSummary, roundTo, spread, summarize, type Summary } from './stats.mjs';
import { launchFlags } from '../src/heap-limit.js';
import { freePort } from './free-port.js';
import { achievedRps, CAPACITY_CRITERION, capacityRound, LATE_TENTHS, openLoopModes, openLoopPlan, runOpenLoop, searchCapacities, sendLagsMs, sentTogether, spreadProcesses, type CapacityCriterion, type CapacitySearch, type OpenLoopMode } from './open-loop.js';

/**
 * Orchestrates the benchmark: fixtures → stepgate and the no-op reference as child processes →
 * decisions verified → (a) cached tokens with h2load, alternating servers shape by shape →
 * (b) every token new with the grpc-js load client → (c) memory from /proc → (d) tracing on
 * (sampling all, exporting over OTLP to a local sink) against tracing off, two fresh stepgate
 * processes, alternating → (e) the risk engine with its state in memory against Redis (and
 * against the engine off), three fresh processes and a real redis-server, alternating → (f)
 * guardrail-inspected writes with guardrails on and off against the no-op, alternating. Every
 * comparison runs each variant once per round, the order reversed every other round (A B, B A,
 * A B … / A B C, C B A, …), and reports the median and spread (min–max) over the rounds, with
 * ratios taken within each round (bench/stats.mjs). Prints markdown tables and writes
 * bench/results.json (every round's figures too). Every wait below has a time limit.
 *
 * Knobs (environment): BENCH_SECONDS per h2load run (default 1.5), BENCH_ROUNDS (3; fewer is
 * never published without BENCH_FORCE), BENCH_SETTING_ROUNDS (7: the rounds of (d) and (e)), BENCH_NEW_TOKENS (20000, split over the rounds),
 * BENCH_CPU_PROF=1 (profile stepgate during scenario (a) only and print its top frames),
 * BENCH_ONLY=e (or any of a–f, e.g. "a,e": (a)–(c) share their processes and run together;
 * results.json keeps the sections that were not run), BENCH_OPEN_LOOP=spread|burst|both (how (h)'s
 * requests arrive; bench/open-loop.ts), BENCH_OPEN_LOOP_PROCESSES (the most h2load processes that
 * spread them), BENCH_CAPACITY_SECONDS (one round of (h)'s open-loop capacity search, 1),
 * BENCH_LATENCY_SECONDS (one round of (h) at a fixed rate, 6).
 */

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = join(BENCH, '..');
const SETTINGS = {
  clients: 8,
  streams: 16,
  threads: 1,
  warmupSeconds: 0.5,
  /**
   * 1.5 s rather than the 2 s of two-round runs: three rounds of 1.5 s measure each variant for
   * longer than two of 2 s did, and keep the whole run (a)–(f) near 7 minutes on 2 cores.
   */
  seconds: positive('BENCH_SECONDS', 1.5),
  /**
   * Per comparison, each variant runs once per round, the order reversed every other round
   * (A B, B A, A B), so that slow drift falls on all variants alike; ratios pair the runs of a round.
   */
  rounds: positive('BENCH_ROUNDS', 3, true),
  /**
   * (d) and (e) compare one server with a setting on and off, a difference of 5–15 % to resolve,
   * while one shape's rounds swing by up to 1.8× on an idle 2-core VM: three rounds gave medians
   * from 0.83 to 0.96 for the same commit on the same day. They run at least this many rounds
   * (or BENCH_ROUNDS when it is more); (a), (b), (f) compare against another server, with larger
   * differences, and keep BENCH_ROUNDS.
   */
  settingRounds: Math.max(positive('BENCH_ROUNDS', 3, true), positive('BENCH_SETTING_ROUNDS', 7, true)),
  /** (b): distinct tokens measured in all, split evenly over the rounds (each round's are new to stepgate). */
  newTokens: positive('BENCH_NEW_TOKENS', 20_000, true),
  newTokenWarmup: 1_000,
  /** (d): seconds of unmeasured load per shape and server before the ABBA runs. */
  tracingWarmupSeconds: 1,
};
/** (d) runs these shapes: the two heaviest allows and both step-up denials (which also end a span with more attributes). */
const TRACING_SHAPES = ['kubectl get pods (dev)', 'grafana dashboard', 'kubectl get secret (aal1: step-up)', 'grafana admin, tagged route (aal1: step-up)'];
const PROFILE = process.env.BENCH_CPU_PROF === '1';
const SCENARIOS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'w', 's'];
/** Without BENCH_ONLY: (a)–(f), as before; `run.sh --all` adds (g) token-cache memory, (h) open-loop latency, (w) workers. */
const DEFAULT_SCENARIOS = ['a', 'b', 'c', 'd', 'e', 'f'];
const ONLY = parseOnly(process.env.BENCH_ONLY);
/** (h)'s arrival modes, checked before anything starts. */
const OPEN_LOOP = openLoopModes(process.env.BENCH_OPEN_LOOP);
/** (h)'s spread arrivals: at most this many h2load processes (bench/open-loop.ts). */
const OPEN_LOOP_PROCESSES = spreadProcesses(process.env.BENCH_OPEN_LOOP_PROCESSES);
/** Length of one round of (h)'s open-loop capacity search, s. */
const CAPACITY_SECONDS = positive('BENCH_CAPACITY_SECONDS', 1);
/**
 * Length of one round of (h) at a fixed rate, s. A mark-compact stops a server here for 15–90 ms
 * every one to a few seconds under load, and the requests it holds up wait 0 to P ms, so a round's
 * p99 stands above the floor by about P minus 1 % of the round: a 2-s round's p99 was its one pause
 * or not (bench/README.md, "(h)'s open-loop maximum", "The rates' rounds"). In 6 s one pause up to
 * ~60 ms no longer sets it; the stopped time per second does, which is the server's. 6 rates × 3
 * alternations × 2 servers × 6 s is about 3.6 minutes.
 */
const LATENCY_SECONDS = positive('BENCH_LATENCY_SECONDS', 6);
/** Results are written only when other work took at most this many CPUs, before and during the run (machine-load.ts; BENCH_FORCE=1 overrides). */
const MAX_LOAD = maxOtherCpus();
const FORCE = process.env.BENCH_FORCE === '1';
/** Fewer rounds give no spread worth the name: such a run is printed, not published (BENCH_FORCE=1 overrides). */
const MIN_PUBLISHED_ROUNDS = 3;
/** (e) runs these shapes: the two big allows, a sensitive read, a prod write and a step-up denial (which also records a denial in the store). */
const RISK_SHAPES = [
  'kubectl get pods (dev)',
  'grafana dashboard',
  'kubectl get secret (prod, aal2)',
  'kubectl patch deployment (prod, aal2)',
  'kubectl get secret (aal1: step-up)',
];

/** A positive number (an integer with `integer`) from the environment, or the default. */
function positive(name: string, fallback: number, integer = false): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const x = Number(raw);
  if (!(x > 0) || !Number.isFinite(x) || (integer && !Number.isInteger(x))) {
    throw new Error(`${name}: expected a positive ${integer ? 'integer' : 'number'}, got "${raw}"`);
  }
  return x;
}

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


/**
 * The V8 flags `stepgate serve` gives itself on this machine (src/heap-limit.ts: the young
 * generation, and the old-space limit), given to every stepgate process here, so that a Node
 * without process.execve (20) runs the server as the image's Node 24 does (which, with them given,
 * does not re-execute). BENCH_SERVE_FLAGS replaces them ('' for V8's defaults: the figures before 2026-12-02 10:00).
 */
const SERVE_FLAGS = process.env.BENCH_SERVE_FLAGS !== undefined ? process.env.BENCH_SERVE_FLAGS.split(/\s+/).filter(Boolean) : launchFlags();

// BENCH_NOOP_SERVE_FLAGS=1 gives the no-op stepgate's V8 flags too. Not the default: in (a) on
// 2026-12-07 the no-op with them spent 85 CPU µs per request against stepgate's 58 (mix 1.45 by
// CPU), and with V8's defaults 47 against 45 fifteen minutes later (1.08): they are stepgate's
// tuning and slow grpc-js down, so the reference stays at V8's defaults (bench/README.md, session 44).
const NOOP_SERVE_FLAGS = process.env.BENCH_NOOP_SERVE_FLAGS === '1';

function withServeFlags(args: string[]): string[] {
  if (!args.includes('dist/cli.js') && !(NOOP_SERVE_FLAGS && args.some((a) => a.endsWith('noop-server.ts')))) return args;
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

interface H2loadResult {
  rps: number;
  done: number;
  /** Server CPU per request over the measured phase: less sensitive to other load than req/s. */
  cpuUs: number;
  /** The same for a helper process (redis-server in (e)), when one is given. */
  alsoCpuUs?: number;
}

/** One h2load run: one body, repeated on `clients` connections with `streams` in flight each. */
async function h2load(c: Child, frameFile: string, seconds = SETTINGS.seconds, alsoPid?: number): Promise<H2loadResult> {
  const { clients, streams, threads, warmupSeconds } = SETTINGS;
  const pid = c.proc.pid!;
  // Sampled when h2load's warm-up ends, so the CPU figure covers (about) the measured phase.
  const cpuAtStart = new Promise<[number, number]>((r) =>
    setTimeout(() => r([cpuSeconds(pid), alsoPid ? cpuSeconds(alsoPid) : 0]), warmupSeconds * 1000),
  );
  const out = await runCommand(
    'h2load',
    [
      // In milliseconds: h2load takes whole numbers only, and BENCH_SECONDS may be 1.5.
      `--duration=${Math.round(seconds * 1000)}ms`,
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
  if (!alsoPid) return { rps, done: done!, cpuUs };
  return { rps, done: done!, cpuUs, alsoCpuUs: ((cpuSeconds(alsoPid) - also0) * 1e6) / done! };
}

// ---------------------------------------------------------------------------------------------
// Comparisons: variants alternating round by round, median and spread (bench/stats.mjs)

/** One variant over the rounds: req/s, server CPU µs per request, a helper's (redis-server in (e)), and each round's request count. */
interface VariantFigures {
  rps: Summary;
  cpu_us: Summary;
  helper_cpu_us?: Summary;
  requests: number[];
}

/**
 * numerator / denominator, taken within each round: by req/s, by CPU per request (denominator µs
 * over numerator µs, so that higher is better in both), and, when the numerator has a helper
 * process, by CPU with the helper's counted on the numerator's side.
 */
interface RatioFigures {
  rps: Summary;
  cpu: Summary;
  cpu_with_helper?: Summary;
}

interface RatioSpec<V extends string> {
  /** Key in results.json and column heading, e.g. "stepgate/no-op". */
  name: string;
  numerator: V;
  denominator: V;
}

interface ShapeFigures<V extends string> {
  shape: string;
  weight: number;
  servers: Record<V, VariantFigures>;
  ratios: Record<string, RatioFigures>;
}

interface Comparison<V extends string> {
  /** The order of the first round; every other round runs it backwards. */
  order: V[];
  rounds: number;
  shapes: ShapeFigures<V>[];
  /**
   * The shapes mixed by weight, round by round (round i of the mix from round i of every shape):
   * req/s Σw / Σ(w/rate), as if per-request costs add; CPU per request Σ(w·µs) / Σw.
   */
  mix: { weight: number; servers: Record<V, VariantFigures>; ratios: Record<string, RatioFigures> };
}

/**
 * Runs every variant once per round, the order reversed every other round (A B, B A, A B … or
 * A B C, C B A, A B C …), so that drift on the machine falls on all variants alike; returns each
 * variant's results in round order.
 */
async function alternate<V extends string, T>(
  variants: readonly (readonly [V, Child])[],
  once: (c: Child, v: V, round: number) => Promise<T>,
  rounds = SETTINGS.rounds,
): Promise<Record<V, T[]>> {
  const runs = Object.fromEntries(variants.map(([v]) => [v, [] as T[]])) as Record<V, T[]>;
  for (let r = 0; r < rounds; r++) {
    for (const [v, c] of r % 2 === 0 ? variants : [...variants].reverse()) runs[v].push(await once(c, v, r));
  }
  return runs;
}

/** "3 rounds", "1 round". */
function roundCount(n: number): string {
  return `${n} round${n === 1 ? '' : 's'}`;
}

/** "A B, B A, A B" for 2 variants and 3 rounds. */
function alternationText(variants: number, rounds: number): string {
  const order = 'ABCDEFGH'.slice(0, variants).split('');
  return Array.from({ length: rounds }, (_, r) => (r % 2 === 0 ? order : [...order].reverse()).join(' ')).join(', ');
}

function variantFigures(runs: readonly H2loadResult[]): VariantFigures {
  const f: VariantFigures = { rps: summarize(runs.map((r) => r.rps), 0), cpu_us: summarize(runs.map((r) => r.cpuUs), 1), requests: runs.map((r) => r.done) };
  if (runs.some((r) => r.alsoCpuUs !== undefined)) f.helper_cpu_us = summarize(runs.map((r) => r.alsoCpuUs ?? NaN), 1);
  return f;
}

function ratioFigures(num: readonly H2loadResult[], den: readonly H2loadResult[]): RatioFigures {
  const f: RatioFigures = {
    rps: ratioSummary(num.map((r) => r.rps), den.map((r) => r.rps), 3),
    cpu: ratioSummary(den.map((r) => r.cpuUs), num.map((r) => r.cpuUs), 3),
  };
  if (num.some((r) => r.alsoCpuUs !== undefined)) {
    const withHelper = (r: H2loadResult) => r.cpuUs + (r.alsoCpuUs ?? 0);
    f.cpu_with_helper = ratioSummary(den.map(withHelper), num.map(withHelper), 3);
  }
  return f;
}

/** Round i of a weighted mix from round i of each shape. */
function mixRuns(rows: readonly { weight: number; runs: readonly H2loadResult[] }[]): H2loadResult[] {
  const weights = rows.reduce((sum, r) => sum + r.weight, 0);
  const rounds = Math.min(...rows.map((r) => r.runs.length));
  return Array.from({ length: rounds }, (_, i) => {
    const at = rows.map((r) => ({ w: r.weight, run: r.runs[i]! }));
    const mixed: H2loadResult = {
      rps: weights / at.reduce((sum, x) => sum + x.w / x.run.rps, 0),
      done: at.reduce((sum, x) => sum + x.run.done, 0),
      cpuUs: at.reduce((sum, x) => sum + x.w * x.run.cpuUs, 0) / weights,
    };
    if (at.some((x) => x.run.alsoCpuUs !== undefined)) mixed.alsoCpuUs = at.reduce((sum, x) => sum + x.w * (x.run.alsoCpuUs ?? 0), 0) / weights;
    return mixed;
  });
}

/** Every variant's and ratio's figures, per shape and for the weighted mix. */
function compare<V extends string>(
  order: readonly V[],
  rows: readonly { shape: { name: string; weight: number }; runs: Record<V, H2loadResult[]> }[],
  ratios: readonly RatioSpec<V>[],
): Comparison<V> {
  const figures = (runs: Record<V, readonly H2loadResult[]>) => ({
    servers: Object.fromEntries(order.map((v) => [v, variantFigures(runs[v])])) as Record<V, VariantFigures>,
    ratios: Object.fromEntries(ratios.map((q) => [q.name, ratioFigures(runs[q.numerator], runs[q.denominator])])),
  });
  const mixed = Object.fromEntries(order.map((v) => [v, mixRuns(rows.map((r) => ({ weight: r.shape.weight, runs: r.runs[v] })))])) as Record<V, H2loadResult[]>;
  return {
    order: [...order],
    rounds: Math.min(...rows.flatMap((r) => order.map((v) => r.runs[v].length))),
    shapes: rows.map((r) => ({ shape: r.shape.name, weight: r.shape.weight, ...figures(r.runs) })),
    mix: { weight: round(rows.reduce((sum, r) => sum + r.shape.weight, 0), 2), ...figures(mixed) },
  };
}

/** Medians of one shape's runs, for the progress lines on stderr. */
function progress<V extends string>(shape: string, runs: Record<V, H2loadResult[]>, labels: Record<V, string>): void {
  const parts = (Object.keys(runs) as V[]).map((v) => `${labels[v]} ${Math.round(median(runs[v].map((r) => r.rps)))} req/s`);
  console.error(`  ${shape}: ${parts.join(', ')} (medians)`);
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
  const out = await runCommand(
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

function round(x: number, digits = 0): number {
  return roundTo(x, digits);
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

  // (a) Cached tokens: each shape against both servers back to back, alternating round by round,
  // so that drift (other load on the machine, hypervisor steal) falls on both sides equally.
  const cachedRows: { shape: (typeof SHAPES)[number]; runs: Record<'stepgate' | 'noop', H2loadResult[]> }[] = [];
  const stealBefore = stealSeconds();
  for (const [i, shape] of SHAPES.entries()) {
    const runs = await alternate([['stepgate', stepgate], ['noop', noop]] as const, (c) => h2load(c, frameFiles[i]!));
    if (!alive(stepgate)) throw new Error(`stepgate died during (a):\n${stepgate.output()}`);
    cachedRows.push({ shape, runs });
    progress(shape.name, runs, { stepgate: 'stepgate', noop: 'no-op' });
  }
  // After the load: still alive and still deciding the same way.
  await verifyDecisions(stepgate, shapeFrames, 'hit');
  const cached = compare(['stepgate', 'noop'], cachedRows, [{ name: 'stepgate/no-op', numerator: 'stepgate', denominator: 'noop' }]);
  const memCached = memory(stepgate.proc.pid!);
  const stealCached = stealSeconds() - stealBefore;

  // (b) Every token new: distinct frames, each sent once, by the grpc-js load client. Each round
  // has its own tokens (new to stepgate), sent to both servers in alternating order.
  let fresh: NewTokensResult | undefined;
  let memFresh: ReturnType<typeof memory> | undefined;
  if (!PROFILE && ONLY.has('b')) {
    const perRound = Math.ceil(SETTINGS.newTokens / SETTINGS.rounds);
    const perFile = SETTINGS.newTokenWarmup + perRound;
    console.error(`signing ${perFile * SETTINGS.rounds} distinct tokens for (b)…`);
    const frames = await buildDistinctFrames(issuer, perFile * SETTINGS.rounds, 1_000);
    const roundFrames = Array.from({ length: SETTINGS.rounds }, (_, r) => frames.slice(r * perFile, (r + 1) * perFile));
    const files = roundFrames.map((fs, r) => {
      const file = join(work, `fresh-${r}.grpc`);
      writeFileSync(file, Buffer.concat(fs.map((f) => f.frame)));
      return file;
    });
    console.error('running (b) every token new…');
    const runs = await alternate([['stepgate', stepgate], ['noop', noop]] as const, async (c, v, r) => {
      const result = await loadClient(c, files[r]!, SETTINGS.newTokenWarmup);
      if (result.errors) throw new Error(`(b) had ${result.errors} RPC errors against ${c.name}`);
      if (v === 'stepgate') {
        if (!alive(stepgate)) throw new Error(`stepgate died during (b):\n${stepgate.output()}`);
        // Every measured answer must be the shape's decision, reached by verifying (cache miss).
        result.decisions.forEach((got, k) => {
          const f = roundFrames[r]![SETTINGS.newTokenWarmup + k]!;
          const want = `${f.shape.expect.allow ? 'allow' : 'deny'}:${f.shape.expect.reason}:${cacheUnreported ? '' : 'miss'}`;
          if (got !== want) throw new Error(`(b) round ${r + 1} frame ${k} (${f.shape.name}): got ${got}, expected ${want}`);
        });
      }
      return { rps: result.rps, done: result.completed, cpuUs: result.cpuUs } satisfies H2loadResult;
    });
    fresh = {
      tokens: runs.stepgate.reduce((sum, r) => sum + r.done, 0),
      tokens_per_round: perRound,
      token_bytes: Math.round(frames.reduce((sum, f) => sum + f.tokenBytes, 0) / frames.length),
      rounds: SETTINGS.rounds,
      servers: { stepgate: variantFigures(runs.stepgate), noop: variantFigures(runs.noop) },
      ratios: { 'stepgate/no-op': ratioFigures(runs.stepgate, runs.noop) },
    };
    memFresh = memory(stepgate.proc.pid!);
  }
  const memNoop = memory(noop.proc.pid!);
  for (const c of children) await stop(c);
  return {
    // Checked with grpc-js before and after the load; the run aborts on any mismatch.
    decisions_verified: { shapes: SHAPES.length, new_token_frames: fresh?.tokens ?? 0, token_cache_checked: !cacheUnreported },
    token_bytes: Math.round(shapeFrames.reduce((s, f) => s + f.tokenBytes, 0) / shapeFrames.length),
    cached_tokens: {
      // CPU time the hypervisor gave to other guests during (a), summed over all CPUs: noise.
      steal_seconds: round(stealCached, 2),
      ...cached,
    },
    new_tokens: fresh,
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
    // (a) and (c) come with any of a–c (one pair of processes); (b) only when asked for.
    const cachedRan = { a: cachedSections?.cached_tokens, b: cachedSections?.new_tokens, c: cachedSections?.memory_mib };
    const ran = SCENARIOS.filter((x) => (x in sectionOf ? sectionOf[x] : cachedRan[x as 'a' | 'b' | 'c']) !== undefined).sort();
    const loadEnd = loadavg().map((x) => round(x, 2));
    const live = [...children.map((c) => c.proc), ...helpers].filter((p) => p.exitCode === null && p.signalCode === null && p.pid !== undefined);
    const machineLoad = loadWatch.finish(live.map((p) => p.pid!));
    const fresh: Results = {
      date: new Date(started).toISOString(),
      duration_seconds: round((Date.now() - started) / 1000),
      machine: {
        cpus: cpus().length,
        cpu_model: cpus()[0]?.model ?? 'unknown',
        ...machineIdentity(),
        memory_gib: round(totalmem() / 2 ** 30, 1),
        node: process.version,
        // What every stepgate process here was started with (SERVE_FLAGS).
        serve_flags: SERVE_FLAGS,
        // Other work on the machine shows up here; the benchmark does not wait for quiet.
        load_average_at_start: loadStart,
        load_average_at_end: loadEnd,
        load: machineLoad,
        h2load: (await runCommand('h2load', ['--version'], 5_000)).trim(),
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
    } else if ((!machineLoad.quiet || SETTINGS.rounds < MIN_PUBLISHED_ROUNDS) && !FORCE) {
      // Figures from a busy machine are not published: other work moves them more than any change
      // does. Nor are figures without a spread worth the name.
      const why = [
        ...(machineLoad.quiet ? [] : [loadText(machineLoad)]),
        ...(SETTINGS.rounds < MIN_PUBLISHED_ROUNDS ? [`${roundCount(SETTINGS.rounds)} per comparison, fewer than ${MIN_PUBLISHED_ROUNDS} (BENCH_ROUNDS)`] : []),
      ];
      console.log(`\nNOT written to bench/results.json: ${why.join('; ')}. Run on a quiet machine with at least ${MIN_PUBLISHED_ROUNDS} rounds, or pass --force (BENCH_FORCE=1) to publish anyway.`);
      process.exitCode = 3;
    } else {
      writeFileSync(join(BENCH, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
      const forced = [...(machineLoad.quiet ? [] : [`the machine was loaded: ${loadText(machineLoad)}`]), ...(SETTINGS.rounds < MIN_PUBLISHED_ROUNDS ? [`only ${roundCount(SETTINGS.rounds)}`] : [])];
      console.log(`\nwrote bench/results.json${forced.length ? ` (forced: ${forced.join(', ')})` : ''}`);
    }
    if (riskState && riskState.problems.length > 0) throw new Error(`(e) the Redis path was not clean: ${riskState.problems.join('; ')}`);
  } finally {
    for (const c of children) await stop(c).catch(() => undefined);
    await issuer.close();
    rmSync(work, { recursive: true, force: true });
  }
}

/** (b): per round, `tokens_per_round` new tokens (after 1,000 unmeasured ones) to each server; CPU per request includes the warm-up frames (they cost the same). */
interface NewTokensResult {
  tokens: number;
  tokens_per_round: number;
  token_bytes: number;
  rounds: number;
  servers: Record<'stepgate' | 'noop', VariantFigures>;
  ratios: Record<string, RatioFigures>;
}

interface Results {
  date: string;
  duration_seconds: number;
  machine: { cpus: number; cpu_model: string; cpu?: string; booted_at?: string; memory_gib: number; node: string; serve_flags?: string[]; load_average_at_start: number[]; load_average_at_end?: number[]; load?: MachineLoad; h2load: string };
  settings: typeof SETTINGS;
  /** Which scenarios this run measured (BENCH_ONLY); sections of other runs may sit next to them in results.json. */
  scenarios_run: string[];
  decisions_verified?: { shapes: number; new_token_frames: number; token_cache_checked: boolean };
  token_bytes?: number;
  cached_tokens?: Comparison<'stepgate' | 'noop'> & { steal_seconds: number };
  new_tokens?: NewTokensResult | undefined;
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

/** Why a run is not quiet, in the terms of its thresholds. */
function loadText(l: MachineLoad): string {
  const why: string[] = [];
  if (l.other_cpus_before > l.max_other_cpus || l.other_cpus_during > l.max_other_cpus) {
    why.push(`other processes used ${l.other_cpus_before} CPUs before the run and ${l.other_cpus_during} during it, above ${l.max_other_cpus} (BENCH_MAX_LOAD)`);
  }
  if (l.steal_cpus_during > l.max_steal_cpus) why.push(`the hypervisor stole ${l.steal_cpus_during} CPUs on average, above ${l.max_steal_cpus} (BENCH_MAX_STEAL)`);
  return why.join('; ');
}

function table(r: Results): string {
  const s = r.settings;
  const n = (x: number) => x.toLocaleString('en-US', { maximumFractionDigits: 0 });
  const lines = [
    `stepgate benchmark — ${r.date} — ${r.machine.cpus} × ${r.machine.cpu_model}${r.machine.cpu ? ` (${r.machine.cpu}; booted ${r.machine.booted_at})` : ''}, Node ${r.machine.node}${r.machine.serve_flags ? ` (stepgate started with ${r.machine.serve_flags.join(' ') || "V8's default heap"})` : ''}, load average at start ${r.machine.load_average_at_start.join(' ')}; scenarios ${r.scenarios_run.join(', ')}` +
      (r.machine.load ? `; other processes used ${r.machine.load.other_cpus_before} CPUs before the run and ${r.machine.load.other_cpus_during} during it (the benchmark ${r.machine.load.bench_cpus_during})${r.machine.load.steal_cpus_during !== undefined ? `, the hypervisor stole ${r.machine.load.steal_cpus_during}` : ''}` : '') +
      `; ${roundCount(s.rounds)} per comparison${s.settingRounds !== undefined && s.settingRounds !== s.rounds ? ` (${s.settingRounds} in (d) and (e))` : ''}, h2load runs of ${s.seconds} s`,
  ];
  if (r.cached_tokens) lines.push(...cachedTable(r, n));
  if (r.tracing) lines.push(...tracingTable(r, r.tracing, n));
  if (r.risk_state) lines.push(...riskTable(r, r.risk_state, n));
  if (r.guardrails) lines.push(...guardrailTable(r, r.guardrails));
  if (r.latency) lines.push(...latencyTable(r.latency));
  if (r.workers) lines.push(...workersTable(r.workers));
  if (r.soak) lines.push(...soakTable(r.soak));
  if (r.token_cache) lines.push('', `(g) memory per cached token (bench/token-cache.ts)`, '', tokenCacheTable(r.token_cache));
  return lines.join('\n');
}

/**
 * One comparison as a markdown table: per shape and for the mix, each variant's req/s and CPU µs
 * per request, and each ratio by req/s and by CPU, every cell "median (min–max)" over the rounds.
 */
function comparisonTable<V extends string>(c: Comparison<V>, labels: Record<V, string>, mixLabel: string, helperLabel = 'helper'): string[] {
  const n = (x: number) => x.toLocaleString('en-US', { maximumFractionDigits: 0 });
  const f2 = (x: number) => x.toFixed(2);
  const ratios = Object.keys(c.mix.ratios);
  const helpers = c.order.filter((v) => c.mix.servers[v].helper_cpu_us);
  const head = [
    'shape',
    'weight',
    ...c.order.map((v) => `${labels[v]} req/s`),
    ...ratios,
    ...c.order.map((v) => `${labels[v]} CPU µs/req`),
    ...helpers.map((v) => `${helperLabel} CPU µs/req (${labels[v]})`),
    ...ratios.map((q) => `${q} by CPU`),
  ];
  const row = (name: string, weight: number, f: { servers: Record<V, VariantFigures>; ratios: Record<string, RatioFigures> }, bold: boolean) => {
    const b = (x: string) => (bold ? `**${x}**` : x);
    const cells = [
      ...c.order.map((v) => formatSummary(f.servers[v].rps, n)),
      ...ratios.map((q) => b(formatSummary(f.ratios[q]!.rps, f2))),
      ...c.order.map((v) => formatSummary(f.servers[v].cpu_us, n)),
      ...helpers.map((v) => formatSummary(f.servers[v].helper_cpu_us!, n)),
      ...ratios.map((q) => b(formatSummary(f.ratios[q]!.cpu, f2))),
    ];
    return `| ${b(name)} | ${weight.toFixed(2)} | ${cells.join(' | ')} |`;
  };
  return [
    `| ${head.join(' | ')} |`,
    `|---|${head.slice(1).map(() => '--:').join('|')}|`,
    ...c.shapes.map((x) => row(x.shape, x.weight, x, false)),
    row(mixLabel, c.mix.weight, c.mix, true),
  ];
}

/** "stepgate/no-op 0.91 (0.89–0.93) by req/s, 0.95 (0.93–0.96) by CPU per request", for the mix. */
function ratioLine<V extends string>(c: Comparison<V>, helperLabel = 'the helper'): string {
  const f2 = (x: number) => x.toFixed(2);
  return Object.entries(c.mix.ratios)
    .map(
      ([q, x]) =>
        `${q}: ${formatSummary(x.rps, f2)} by req/s, ${formatSummary(x.cpu, f2)} by CPU per request` +
        (x.cpu_with_helper ? `, ${formatSummary(x.cpu_with_helper, f2)} counting ${helperLabel}'s CPU too` : ''),
    )
    .join('; ');
}

/** How a comparison ran, for the table headings. */
function roundsText(c: { order: unknown[]; rounds: number }, s: typeof SETTINGS, warmup: string): string {
  return `per shape ${roundCount(c.rounds)} (${alternationText(c.order.length, c.rounds)}) of ${s.seconds} s per server after ${warmup}; cells are the median (min–max) over the rounds, ratios taken within each round`;
}

function cachedTable(r: Results, n: (x: number) => string): string[] {
  const s = r.settings;
  const a = r.cached_tokens!;
  const lines = [
    '',
    `(a) cached tokens (~${r.token_bytes} B JWT): h2load -c ${s.clients} -m ${s.streams} -t ${s.threads}; stepgate (A) and the no-op (B), ${roundsText(a, s, `${s.warmupSeconds} s warm-up`)}; hypervisor steal ${a.steal_seconds} CPU-s`,
    '',
    ...comparisonTable(a, { stepgate: 'stepgate', noop: 'no-op' }, 'weighted mix'),
    '',
    `${ratioLine(a)} (no-op µs / stepgate µs)`,
  ];
  if (r.new_tokens) {
    const b = r.new_tokens;
    const f2 = (x: number) => x.toFixed(2);
    const row = (name: string, v: VariantFigures) => `| ${name} | ${formatSummary(v.rps, n)} | ${formatSummary(v.cpu_us, n)} | ${v.requests.map(n).join(', ')} |`;
    const q = b.ratios['stepgate/no-op']!;
    lines.push(
      '',
      `(b) every token new: ${n(b.tokens)} distinct RS256 tokens (~${b.token_bytes} B), ${roundCount(b.rounds)} (${alternationText(2, b.rounds)}) of ${n(b.tokens_per_round)} new tokens each (after 1,000 unmeasured), grpc-js client, ${s.clients} connections × ${s.streams} in flight; median (min–max)`,
      '',
      '| server | req/s | server CPU µs/req | requests per round |',
      '|---|--:|--:|---|',
      row('stepgate', b.servers.stepgate),
      row('no-op', b.servers.noop),
      '',
      `stepgate/no-op: ${formatSummary(q.rps, f2)} by req/s, ${formatSummary(q.cpu, f2)} by CPU per request`,
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
    `(d) tracing on (sampling all, OTLP/HTTP protobuf to a local sink) vs off: two fresh stepgate processes, off (A) and on (B), h2load -c ${s.clients} -m ${s.streams}, ${roundsText(t, s, `${s.tracingWarmupSeconds} s of unmeasured load`)}; requests carry a sampled traceparent`,
    '',
    ...comparisonTable(t, { off: 'tracing off', on: 'tracing on' }, 'weighted (these shapes)'),
    '',
    `${ratioLine(t)} (target ≥ 0.85); ` +
      `spans exported ${n(t.spans.exported)} of ${n(t.spans.checks)} checks (${n(t.spans.dropped)} dropped${t.spans.dropped_counted !== undefined ? `, stepgate_spans_dropped_total ${n(t.spans.dropped_counted)}` : ''}) in ${n(t.spans.export_requests)} OTLP requests, ${t.spans.mib_exported} MiB; ` +
      `peak RSS off ${t.memory_peak_mib.off} MiB, on ${t.memory_peak_mib.on} MiB`,
  ];
}

// ---------------------------------------------------------------------------------------------
// (d) Tracing on vs off

interface TracingResult extends Comparison<'off' | 'on'> {
  /** `dropped`: checks the sink did not receive a span of; `dropped_counted`: the traced process' own stepgate_spans_dropped_total (absent in results of older runs). */
  spans: { checks: number; exported: number; dropped: number; dropped_counted?: number; export_requests: number; mib_exported: number };
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

    const rows: { shape: (typeof shapes)[number]; runs: Record<'off' | 'on', H2loadResult[]> }[] = [];
    for (const [i, shape] of shapes.entries()) {
      const runs = await alternate([['off', off], ['on', on]] as const, (c) => h2load(c, files[i]!), SETTINGS.settingRounds);
      if (!alive(on) || !alive(off)) throw new Error(`a stepgate process died during (d):\n${on.output()}\n${off.output()}`);
      rows.push({ shape, runs });
      progress(shape.name, runs, { off: 'tracing off', on: 'on' });
    }
    for (const c of [off, on]) await verifyDecisions(c, frames, 'hit');

    // Every sampled span must reach the sink: compare with the checks the traced process counted.
    const checks = await checksCounted(onMetrics);
    const droppedCounted = sumMetric(await metricsText(onMetrics), 'stepgate_spans_dropped_total');
    const deadline = Date.now() + 15_000;
    while (sink.stats.checkSpans < checks && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const memoryPeak = { off: memory(off.proc.pid!).peakMiB, on: memory(on.proc.pid!).peakMiB };
    await stop(off);
    await stop(on);

    return {
      ...compare(['off', 'on'], rows, [{ name: 'on/off', numerator: 'on', denominator: 'off' }]),
      spans: {
        checks,
        exported: sink.stats.checkSpans,
        dropped: Math.max(0, checks - sink.stats.checkSpans),
        dropped_counted: droppedCounted,
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

/**
 * (e): risk off, risk on with state in memory, and in Redis. Ratios "redis/memory" (by CPU also
 * with redis-server's CPU counted on the Redis side: cpu_with_helper) and "memory/off" (what the
 * engine's own work leaves). The Redis process' helper CPU is redis-server's per request.
 */
interface RiskStateResult extends Comparison<'off' | 'memory' | 'redis'> {
  steal_seconds: number;
  /** Proof that every Check's observation reached Redis (the store's closing counts, INFO commandstats and its metrics). */
  redis: {
    version: string;
    checks: number;
    denials: number;
    /** Script calls Redis counted: one per batch of a turn's Checks, plus denial records and learning allows. */
    script_calls: number;
    calls_per_check: number;
    failed_calls: number;
    /** Checks the store sent through its scripts, and the batches they went in (state/redis.ts, logged at close). */
    batched_checks: number;
    batches: number;
    checks_per_batch: number;
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
    const rows: { shape: (typeof shapes)[number]; runs: Record<'off' | 'memory' | 'redis', H2loadResult[]> }[] = [];
    for (const [i, shape] of shapes.entries()) {
      // A B C, C B A, A B C: drift on the machine falls on all three equally.
      const runs = await alternate([['off', off.child], ['memory', mem.child], ['redis', red.child]] as const, (c) =>
        h2load(c, files[i]!, SETTINGS.seconds, c === red.child ? redis.proc.pid : undefined),
        SETTINGS.settingRounds,
      );
      if (!servers.every(alive)) throw new Error(`a stepgate process died during (e):\n${servers.map((c) => c.output()).join('\n')}`);
      if (redis.proc.exitCode !== null) throw new Error('redis-server died during (e)');
      rows.push({ shape, runs });
      progress(shape.name, runs, { off: 'risk off', memory: 'memory', redis: 'redis' });
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
    // The store sends EVALSHA and loads the script only when Redis answers NOSCRIPT (first use on
    // this server, per connection at most once): those answers are the design, not failures.
    const noscript = Math.min((await redis.errorStats()).get('NOSCRIPT') ?? 0, stats.get('evalsha')?.failed ?? 0);
    const failedCalls = [...stats.values()].reduce((sum, x) => sum + x.failed + x.rejected, 0) - noscript;
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
    // The store sends the Checks of one event-loop turn as one script call (state/redis.ts), so
    // Redis counts batches; the store's own count of the Checks it sent is what must cover every Check.
    const batched = { checks: sumMetric(redMetrics, 'stepgate_state_script_checks_total'), calls: sumMetric(redMetrics, 'stepgate_state_script_calls_total') };
    const memoryPeak = { off: memory(off.child.proc.pid!).peakMiB, memory: memory(mem.child.proc.pid!).peakMiB, redis: memory(red.child.proc.pid!).peakMiB };
    // Reported, then the run fails (after writing the figures and any profile, which show why).
    const problems: string[] = [];
    if (batched.checks < least || batched.checks > most) {
      problems.push(`the store sent ${batched.checks} Checks through scripts for ${checks} checks and ${denials} denials (expected ${least}–${most})`);
    }
    // Every batch is one script call; learn and denial records are calls of their own.
    if (scriptCalls < batched.calls || scriptCalls > batched.calls + checks + denials + 2 * shapes.length) {
      problems.push(`${scriptCalls} script calls in Redis for the store's ${batched.calls} batches`);
    }
    if (failedCalls) problems.push(`${failedCalls} failed Redis calls`);
    // A state error is a Check assessed without its history (fail_closed: sensitive requests refused).
    if (stateErrors.memory || stateErrors.redis) problems.push(`stepgate_state_errors_total: memory ${stateErrors.memory}, redis ${stateErrors.redis}`);
    const version = await redis.version();
    for (const c of servers) await stop(c);

    return {
      steal_seconds: round(steal, 2),
      ...compare(['off', 'memory', 'redis'], rows, [
        { name: 'redis/memory', numerator: 'redis', denominator: 'memory' },
        { name: 'memory/off', numerator: 'memory', denominator: 'off' },
      ]),
      redis: { version, checks, denials, script_calls: scriptCalls, calls_per_check: round(scriptCalls / checks, 4), failed_calls: failedCalls, batched_checks: batched.checks, batches: batched.calls, checks_per_batch: round(batched.checks / Math.max(1, batched.calls), 1) },
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
  return [
    '',
    `(e) risk engine state: three fresh stepgate processes, risk off (A), risk on with state in memory (B), risk on with state in a local redis-server ${e.redis.version} (C), h2load -c ${s.clients} -m ${s.streams}, ${roundsText(e, s, `${s.tracingWarmupSeconds} s of unmeasured load`)}; hypervisor steal ${e.steal_seconds} CPU-s`,
    '',
    ...comparisonTable(e, { off: 'risk off', memory: 'memory', redis: 'redis' }, 'weighted (these shapes)', 'redis-server'),
    '',
    `${ratioLine(e, 'redis-server')} (targets: redis/memory ≥ 0.8, memory/off ≥ 0.95)`,
    `Redis path: the store sent ${n(e.redis.batched_checks ?? 0)} Checks in ${n(e.redis.batches ?? 0)} batches (${e.redis.checks_per_batch ?? '-'} per batch); ${n(e.redis.script_calls)} script calls for ${n(e.redis.checks)} checks (${n(e.redis.denials)} denials) = ${e.redis.calls_per_check} per Check, ` +
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

// At 3 rounds of 1.5 s everywhere, (a)–(f) took about 7 minutes on a quiet 2-core machine, (e)
// about 2 of them; (d) and (e) at 7 rounds add about 2 more (20:10: 10 min 9 s in all). The h2load-bound parts of the limit grow with more or longer rounds.
const RUN_SCALE = Math.max(1, (SETTINGS.rounds * (SETTINGS.seconds + SETTINGS.warmupSeconds + 0.3)) / (3 * (1.5 + 0.5 + 0.3)));
// Each round beyond BENCH_ROUNDS in (d) and (e) adds about 25 s and 40 s of h2load runs
// (4 shapes × 2 servers and 5 shapes × 3), counted twice for slack.
const SETTING_ROUND_MINUTES = (SETTINGS.settingRounds - SETTINGS.rounds) * ((ONLY.has('d') ? 0.4 : 0) + (ONLY.has('e') ? 0.7 : 0)) * ((SETTINGS.seconds + 0.3) / 1.8) * 2;
const LIMIT_MINUTES =
  // (h): the capacity searches and the closed loop (about 2 minutes), then 6 rates × 3 alternations × 2 servers of LATENCY_SECONDS (0.6 min per s), with slack.
  Math.ceil(((ONLY.has('e') ? 11 : 8) + (ONLY.has('h') ? 4 + 1.2 * LATENCY_SECONDS : 0) + (ONLY.has('w') ? 2 : 0)) * RUN_SCALE + SETTING_ROUND_MINUTES) +
  (ONLY.has('g') ? 20 : 0) +
  (ONLY.has('s') ? Math.ceil((2 * soakSettings().seconds + 120) / 60) + 4 : 0);
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

/** (f): guardrails on, off, and the no-op; ratios "on/no-op" and "on/off". */
interface GuardrailResult extends Comparison<'on' | 'off' | 'noop'> {
  steal_seconds: number;
  load_average: number[];
  configuration: string;
}

/**
 * Writes with a manifest in the body, all allowed, against three processes: stepgate with
 * guardrails on, the same without a guardrails section, and the no-op. Two of the shapes violate
 * a guardrail (aal2 needed, an aal2 token sent), so their requirement is rebuilt on every request;
 * the encoded-allow cache keys on the answer, so those allows still reuse their encoded bytes
 * (test/unit/encoded-allows.test.ts proves the hits; here, their cost). A B C, C B A, A B C per shape.
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
    const rows: { shape: (typeof GUARDRAIL_SHAPES)[number]; runs: Record<'on' | 'off' | 'noop', H2loadResult[]> }[] = [];
    for (const [i, shape] of GUARDRAIL_SHAPES.entries()) {
      const runs = await alternate([['on', on], ['off', off], ['noop', noop]] as const, (c) => h2load(c, files[i]!));
      if (!servers.every(alive)) throw new Error(`a server died during (f):\n${servers.map((c) => c.output()).join('\n')}`);
      rows.push({ shape, runs });
      progress(shape.name, runs, { on: 'guardrails on', off: 'off', noop: 'no-op' });
    }
    const steal = stealSeconds() - stealBefore;
    for (const c of [on, off]) await verifyDecisions(c, frames, 'hit');
    return {
      steal_seconds: round(steal, 2),
      ...compare(['on', 'off', 'noop'], rows, [
        { name: 'on/no-op', numerator: 'on', denominator: 'noop' },
        { name: 'on/off', numerator: 'on', denominator: 'off' },
      ]),
      load_average: loadAverage,
      configuration: 'guardrails: default_effect aal2 within 900 s, allowed_registries [registry.example.internal]; JSON Deployment manifests of ~1 KB in the CheckRequest body',
    };
  } finally {
    for (const c of children) if (c.name.startsWith('guardrails-') || c.name === 'noop') await stop(c).catch(() => undefined);
  }
}

function guardrailTable(r: Results, g: GuardrailResult): string[] {
  const s = r.settings;
  return [
    '',
    `(f) guardrail-inspected writes (all allowed; body in the Check): stepgate with guardrails on (A), the same without guardrails (B), and the no-op (C); h2load -c ${s.clients} -m ${s.streams}, ${roundsText(g, s, `${s.tracingWarmupSeconds} s of unmeasured load`)}; load average ${g.load_average.join(' ')}; hypervisor steal ${g.steal_seconds} CPU-s`,
    '',
    ...comparisonTable(g, { on: 'guardrails on', off: 'off', noop: 'no-op' }, 'weighted (these shapes)'),
    '',
    ratioLine(g),
  ];
}

// ---------------------------------------------------------------------------------------------
// (g) Memory per cached token, (h) open-loop latency, (w) one process against two (issue 17)

interface LatencyPoint {
  server: 'stepgate' | 'noop';
  rate: number;
  /** How h2load's requests arrived (bench/open-loop.ts); absent before tail37, when all were "burst". */
  mode?: OpenLoopMode;
  /** µs, median over the rounds, and every round's value */
  p50: number;
  p99: number;
  p999: number;
  rounds: {
    p50: number;
    p99: number;
    p999: number;
    sent: number;
    failed: number;
    client_cpu_us: number;
    lag_p99_ms: number;
    achieved_rps: number;
    /** p99 over requests of how many were sent within 100 µs of each other, it included (open-loop.ts sentTogether). */
    sent_together_p99?: number;
    /** The server's mark-compacts that ended during the run (its --trace-gc lines), and the longest one's pause, ms. */
    mark_compacts?: number;
    mark_compact_max_ms?: number;
  }[];
}

/**
 * The pauses of a server's mark-compacts, from the `--trace-gc` lines on its stdout, as they
 * end: a run's mark-compacts are the entries added while it ran. In (h) they are what puts a
 * round's p99 at tens of milliseconds (bench/README.md, "(h)'s pauses at 3,000 req/s").
 */
function markCompactPauses(c: Child): number[] {
  const pauses: number[] = [];
  let rest = '';
  c.proc.stdout!.on('data', (b: Buffer) => {
    const lines = (rest + b.toString()).split('\n');
    rest = lines.pop()!;
    for (const line of lines) {
      // [pid:0x…]  12345 ms: Mark-Compact 64.7 (70.1) -> 45.8 (71.2) MB, 33.70 / 0.03 ms  (+ …) …
      const m = /ms: Mark-Compact [^,]*MB, ([\d.]+) \//.exec(line);
      if (m) pauses.push(Number(m[1]));
    }
  });
  return pauses;
}

interface LatencyResult {
  shape: string;
  /** Closed-loop maxima ((a)'s h2load), for comparison: no open-loop client reaches them (open-loop.ts, searchCapacity). */
  noop_max_rps: number;
  stepgate_max_rps: number;
  /**
   * Each closed-loop run's req/s (h2load's requests done over the BENCH_SECONDS measured, which come in steps of 16: 10.67 req/s at 1.5 s). Absent before
   * tail43b; on 12-07 04:32 both medians were 18,069 and the runs were not kept.
   */
  closed_loop_rps?: { noop: number[]; stepgate: number[] };
  /** Open-loop maxima with (h)'s own client setup; the no-op's is what the 50/70/90 % rates and the target are taken of. Absent before tail43. */
  noop_open_loop_max_rps?: number;
  stepgate_open_loop_max_rps?: number;
  /** The criterion as run: tail43's (before tail43b) had no rounds per rate and judged the p99 (maxP99Ms). */
  capacity?: { criterion: Omit<CapacityCriterion, 'roundsPerRate'> & { roundsPerRate?: number; maxP99Ms?: number }; seconds: number; noop: CapacitySearch; stepgate: CapacitySearch };
  /** The most h2load processes spreading the arrivals (BENCH_OPEN_LOOP_PROCESSES). Absent before tail43 (4). */
  open_loop_processes?: number;
  /** Issue 17's target: stepgate's p99 within 0.5 ms of the no-op's at every rate up to 70 % of the no-op's open-loop maximum (this rate), first mode. */
  target_rps?: number;
  target_met?: boolean;
  points: LatencyPoint[];
  /** Alternations per rate. */
  rounds: number;
  /** Length of each of them, s (BENCH_LATENCY_SECONDS). Absent before tail43b (2 s, or BENCH_SECONDS when longer). */
  round_seconds?: number;
  /** The arrival modes measured (BENCH_OPEN_LOOP); the first is the one the target is judged on. Absent before tail37 (all "burst"). */
  modes?: OpenLoopMode[];
  /** Rates at which stepgate's p99 stayed within 0.5 ms of the no-op's, in the first mode. */
  flat_up_to_rps: number;
  /** The same per mode. */
  flat_up_to_rps_by_mode?: Partial<Record<OpenLoopMode, number>>;
  load_average: number[][];
  client: string;
}

/**
 * One open-loop run: h2load sends at a fixed rate whatever the server's answers do, and logs each
 * request's latency (--log-file). A closed-loop client would slow down with the server and hide
 * its queueing; this one does not. `--rps` (per connection), not a timing script: h2load schedules
 * a timing script's request relative to when it actually sent the previous one, so every late
 * timer delays all the rest (measured 2026-12-02 on a quiet machine: 886 of 1,000 req/s sent, send
 * lag 0.26 s at p99, two thirds of the schedule from 3,000 req/s on). `--rps` counts the requests
 * due from the time elapsed since the start on every 10 ms tick, so the rate holds (the soak, (s),
 * uses it too). How the requests of a tick reach the server (in one burst, or spread over the
 * 10 ms) is `mode`: see bench/open-loop.ts.
 */
async function openLoop(c: Child, frameFile: string, rate: number, seconds: number, work: string, mode: OpenLoopMode, markCompacts?: number[]): Promise<LatencyPoint['rounds'][number]> {
  const mcBefore = markCompacts?.length ?? 0;
  const total = Math.round(rate * seconds);
  const target = [`--data=${frameFile}`, '--header=content-type: application/grpc', '--header=te: trailers', `http://127.0.0.1:${c.port}${CHECK_PATH}`];
  // The client's own cost: the h2load processes are the only children that exit (and are reaped)
  // during the run, so the growth of this process' children's CPU time is theirs.
  const clientCpu0 = childrenCpuSeconds();
  const plan = openLoopPlan(mode, rate, total, OPEN_LOOP_PROCESSES);
  const rows = await runOpenLoop(plan, join(work, `latency-${c.name}-${rate}-${mode}.log`), target, (seconds + 30) * 1000);
  const clientCpuUs = ((childrenCpuSeconds() - clientCpu0) * 1e6) / Math.max(1, rows.length);
  const mcs = markCompacts?.slice(mcBefore);
  const failed = rows.filter((r) => r[1] !== 200).length;
  const lat = rows.filter((r) => r[1] === 200).map((r) => r[2]).sort((a, b) => a - b);
  const starts = rows.map((r) => r[0]);
  return {
    p50: percentileOfSorted(lat, 0.5),
    p99: percentileOfSorted(lat, 0.99),
    p999: percentileOfSorted(lat, 0.999),
    sent: rows.length,
    failed,
    client_cpu_us: round(clientCpuUs, 1),
    lag_p99_ms: round(percentileOfSorted(sendLagsMs(rows, plan), 0.99), 2),
    achieved_rps: round(achievedRps(rows, plan.length)),
    sent_together_p99: sentTogether(starts).p99,
    ...(mcs ? { mark_compacts: mcs.length, mark_compact_max_ms: round(Math.max(0, ...mcs), 1) } : {}),
  };
}

/**
 * One round of the open-loop capacity search: CAPACITY_SECONDS at `rate` with (h)'s client setup
 * (the first arrival mode), judged by open-loop.ts' criterion; with the server's mark-compacts and
 * CPU per request in it, which say whether a round failed on a pause or on the server's cost.
 */
async function capacityProbe(c: Child, frameFile: string, rate: number, work: string, markCompacts?: number[]): Promise<ReturnType<typeof capacityRound>> {
  const target = [`--data=${frameFile}`, '--header=content-type: application/grpc', '--header=te: trailers', `http://127.0.0.1:${c.port}${CHECK_PATH}`];
  const plan = openLoopPlan(OPEN_LOOP[0]!, rate, Math.round(rate * CAPACITY_SECONDS), OPEN_LOOP_PROCESSES);
  const mcBefore = markCompacts?.length ?? 0;
  const cpu0 = cpuSeconds(c.proc.pid!);
  const rows = await runOpenLoop(plan, join(work, `capacity-${c.name}.log`), target, (CAPACITY_SECONDS + 30) * 1000);
  const serverCpuUs = ((cpuSeconds(c.proc.pid!) - cpu0) * 1e6) / Math.max(1, rows.length);
  const r = { ...capacityRound(rate, rows, plan), server_cpu_us: round(serverCpuUs, 1), ...(markCompacts ? { mark_compacts: markCompacts.length - mcBefore } : {}) };
  console.error(`(h) capacity ${c.name} ${rate} req/s: ${r.held ? 'holds' : `no (${r.why})`}; ${r.server_cpu_us} µs/req, ${r.mark_compacts ?? '?'} mark-compacts, p99 ${r.p99_ms} ms`);
  return r;
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
  // --trace-gc on both: each round reports the mark-compacts that ended in it (one line per GC on stdout, nothing else changes).
  const sg = await startServer('stepgate', ['--trace-gc', 'dist/cli.js', 'serve', '--config', file], sgPort, { ...NO_OTEL, STEPGATE_METRICS_LISTEN: 'off' });
  const noop = await startServer('noop', ['--trace-gc', '--import', 'tsx', join(BENCH, 'noop-server.ts'), `127.0.0.1:${noopPort}`], noopPort);
  const mcs = new Map([[sg, markCompactPauses(sg)], [noop, markCompactPauses(noop)]]);
  const loads: number[][] = [loadavg().map((x) => round(x, 2))];
  try {
    await waitForKeys(sg, issuer);
    await verifyDecisions(sg, [frame], 'miss');
    await verifyDecisions(sg, [frame], 'hit');
    // Saturation of each (closed loop, as in (a)), alternated.
    const saturation = await alternate([['noop', noop], ['stepgate', sg]] as const, (c) => h2load(c, frameFile));
    const max = { noop: saturation.noop.map((r) => r.rps), stepgate: saturation.stepgate.map((r) => r.rps) };
    const noopMax = median(max.noop);
    // The open-loop maxima, with the client setup of the rates below, from 1,000 req/s up to the
    // closed-loop maximum (open-loop.ts, searchCapacities): the no-op's for the rates, stepgate's for
    // the record; the two searches take turns round by round, so that the machine's moments fall on both.
    const searchUpTo = (closed: number) => Math.max(1100, Math.round(closed / 100) * 100);
    const [noopSearch, sgSearch] = await searchCapacities([
      { round: (rate) => capacityProbe(noop, frameFile, rate, work, mcs.get(noop)), low: 1000, high: searchUpTo(noopMax) },
      { round: (rate) => capacityProbe(sg, frameFile, rate, work, mcs.get(sg)), low: 1000, high: searchUpTo(median(max.stepgate)) },
    ]);
    const capacity = { noop: noopSearch!, stepgate: sgSearch! };
    const openMax = capacity.noop.max_rps;
    console.error(`(h) open-loop maxima: no-op ${openMax} req/s, stepgate ${capacity.stepgate.max_rps} (closed loop ${Math.round(noopMax)}, ${Math.round(median(max.stepgate))})`);
    const shares = openMax > 0 ? [0.5, 0.7, 0.9].map((f) => Math.round(f * openMax)) : [];
    const targetRps = openMax > 0 ? Math.round(0.7 * openMax) : undefined;
    const rates = [...new Set([1000, 3000, 5000, ...shares])].sort((a, b) => a - b);
    const points: LatencyPoint[] = [];
    const seconds = LATENCY_SECONDS;
    for (const rate of rates) {
      // Both modes at one rate back to back, so that a comparison of the two sees the same machine.
      for (const mode of OPEN_LOOP) {
        // A B, B A, A B …: SETTINGS.rounds alternations per rate.
        const rounds = await alternate([['stepgate', sg], ['noop', noop]] as const, (c) => openLoop(c, frameFile, rate, seconds, work, mode, mcs.get(c)));
        for (const name of ['stepgate', 'noop'] as const) {
          const rs = rounds[name];
          points.push({ server: name, rate, mode, p50: median(rs.map((r) => r.p50)), p99: median(rs.map((r) => r.p99)), p999: median(rs.map((r) => r.p999)), rounds: rs });
        }
      }
      loads.push(loadavg().map((x) => round(x, 2)));
      console.error(`(h) ${rate} req/s done`);
    }
    if (!alive(sg)) throw new Error('stepgate exited during (h)');
    await verifyDecisions(sg, [frame], 'hit');
    const flatByMode: Partial<Record<OpenLoopMode, number>> = {};
    for (const mode of OPEN_LOOP) {
      let flat = 0;
      for (const rate of rates) {
        const s = points.find((p) => p.server === 'stepgate' && p.rate === rate && p.mode === mode)!;
        const n = points.find((p) => p.server === 'noop' && p.rate === rate && p.mode === mode)!;
        if (s.p99 - n.p99 <= 500 && s.rounds.every((r) => r.failed === 0)) flat = rate;
        else break;
      }
      flatByMode[mode] = flat;
    }
    const flat = flatByMode[OPEN_LOOP[0]!]!;
    return {
      shape: shape.name,
      noop_max_rps: round(noopMax),
      stepgate_max_rps: round(median(max.stepgate)),
      closed_loop_rps: { noop: max.noop.map((x) => round(x)), stepgate: max.stepgate.map((x) => round(x)) },
      noop_open_loop_max_rps: openMax,
      stepgate_open_loop_max_rps: capacity.stepgate.max_rps,
      capacity: { criterion: CAPACITY_CRITERION, seconds: CAPACITY_SECONDS, ...capacity },
      open_loop_processes: OPEN_LOOP_PROCESSES,
      ...(targetRps === undefined ? {} : { target_rps: targetRps, target_met: flat >= targetRps }),
      points,
      rounds: SETTINGS.rounds,
      round_seconds: seconds,
      modes: [...OPEN_LOOP],
      flat_up_to_rps: flat,
      flat_up_to_rps_by_mode: flatByMode,
      load_average: loads,
      client:
        `h2load --rps, 1 thread per process (C); latency from --log-file. spread: 10 connections per process connected 1 ms apart (--rate=1 --rate-period=1ms), ${OPEN_LOOP_PROCESSES === 1 ? 'one process' : `floor(rate / 1000) processes (1–${OPEN_LOOP_PROCESSES}) started 1/K ms apart`}; burst: one process, 4 connections in phase`,
    };
  } finally {
    await stop(sg).catch(() => undefined);
    await stop(noop).catch(() => undefined);
  }
}

/** ", 62 % of the no-op's open-loop maximum" (nothing for results from before tail43 or without one). */
function openShare(h: LatencyResult, rate: number): string {
  return h.noop_open_loop_max_rps ? `, ${Math.round((100 * rate) / h.noop_open_loop_max_rps)} % of the no-op's open-loop maximum` : '';
}

/** "0, 1, 2 (41.2)": each round's mark-compacts, in round order, and the longest pause among them. */
function markCompactText(p: LatencyPoint): string {
  if (p.rounds.some((r) => r.mark_compacts === undefined)) return '—';
  const longest = Math.max(0, ...p.rounds.map((r) => r.mark_compact_max_ms ?? 0));
  return `${p.rounds.map((r) => r.mark_compacts).join(', ')}${longest > 0 ? ` (${longest})` : ''}`;
}

function latencyTable(h: LatencyResult): string[] {
  const ms = (us: number) => (us / 1000).toFixed(2);
  // Results from before tail37 have neither: one table of the burst mode.
  const modes = h.modes ?? ['burst'];
  const lines = [
    '',
    `(h) open-loop latency, ${h.shape}: fixed offered rates, stepgate and the no-op alternating (${alternationText(2, h.rounds)}); ms, median of ${roundCount(h.rounds)}${h.round_seconds ? ` of ${h.round_seconds} s` : ''} [spread]. ` +
      `Closed-loop saturation: no-op ${h.noop_max_rps} req/s, stepgate ${h.stepgate_max_rps} req/s` +
      (h.closed_loop_rps ? ` (runs ${h.closed_loop_rps.noop.join(', ')} and ${h.closed_loop_rps.stepgate.join(', ')})` : '') +
      (h.noop_open_loop_max_rps === undefined ? '' : `; open-loop maximum with this client (below): no-op ${h.noop_open_loop_max_rps} req/s, stepgate ${h.stepgate_open_loop_max_rps} req/s`) +
      `. p99 within 0.5 ms of the no-op up to ${h.flat_up_to_rps} req/s (${modes[0]} arrivals${openShare(h, h.flat_up_to_rps)})` +
      `${modes.slice(1).map((m) => `; ${h.flat_up_to_rps_by_mode?.[m] ?? '?'} req/s with ${m} arrivals`).join('')}.` +
      (h.target_rps === undefined ? '' : ` Issue 17's target, within 0.5 ms up to 70 % of the no-op's open-loop maximum (${h.target_rps} req/s): **${h.target_met ? 'met' : 'not met'}**.`),
  ];
  if (h.capacity) {
    const c = h.capacity.criterion;
    lines.push(
      '',
      c.roundsPerRate === undefined
        ? `Open-loop capacity search (${h.capacity.seconds} s rounds; tail43's criterion: the last fifth's median latency within ${c.maxGrowthMs} ms of the second fifth's, p99 ≤ ${c.maxP99Ms ?? '?'} ms, a failed rate tried twice):`
        : `Open-loop capacity search (${h.capacity.seconds} s rounds, the spread client of the rates, at most ${h.open_loop_processes ?? 4} h2load processes, the two servers' rounds taking turns; a round holds when every request is answered, h2load achieves ≥ ${c.minAchieved * 100} % of the rate and is back on time (send lag p99 ≤ ${c.maxLagMs} ms) in one of the last ${LATE_TENTHS} tenths of the requests, ` +
          `and no queue lasts: the lowest median of those tenths within ${c.maxGrowthMs} ms of the lowest of tenths 2–4; a rate holds when ${(c.roundsPerRate + 1) / 2} of ${c.roundsPerRate} rounds do; bisection from 1,000 req/s to the closed-loop maximum):`,
      '',
      ...(['noop', 'stepgate'] as const).map((name) => {
        const s = h.capacity![name];
        const rounds = s.rounds.map((r) => `${r.held ? '✓' : `✗ (${r.why})`}${r.mark_compacts === undefined ? '' : ` ${r.mark_compacts} mc`}${r.server_cpu_us === undefined ? '' : ` ${r.server_cpu_us} µs/req`}`);
        if (!s.verdicts) return `- ${name}: **${s.max_rps}** req/s; ${s.rounds.map((r) => `${r.rate} ${r.held ? 'holds' : `no (${r.why})`}`).join(', ')}`;
        // Each verdict's rounds, in order: the rounds of one rate are consecutive.
        let i = 0;
        const rates = s.verdicts.map((v) => {
          const its = rounds.slice(i, (i += v.held + v.failed));
          return `${v.rate} ${v.holds ? 'holds' : 'no'} ${v.held}/${v.held + v.failed} [${its.join('; ')}]`;
        });
        return `- ${name}: **${s.max_rps}** req/s; ${rates.join(', ')}`;
      }),
    );
  }
  const spreadOf = (p: LatencyPoint, k: 'p50' | 'p99' | 'p999') => {
    const { min, max } = spread(p.rounds.map((r) => r[k]));
    return `${ms(p[k])} [${ms(min)}–${ms(max)}]`;
  };
  for (const mode of modes) {
    lines.push(
      '',
      `${mode} arrivals:`,
      '',
      `| offered req/s | % of no-op ${h.noop_open_loop_max_rps ? 'open-loop ' : ''}max | stepgate p50 | p99 | p99.9 | no-op p50 | p99 | p99.9 | failed | h2load CPU µs/req | achieved req/s (stepgate / no-op) | h2load send lag p99 ms (stepgate / no-op) | sent together, p99 (stepgate / no-op) | mark-compacts per round, longest ms (stepgate / no-op) |`,
      '|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
    );
    const ofMode = h.points.filter((p) => (p.mode ?? 'burst') === mode);
    for (const rate of [...new Set(ofMode.map((p) => p.rate))]) {
      const s = ofMode.find((p) => p.server === 'stepgate' && p.rate === rate)!;
      const n = ofMode.find((p) => p.server === 'noop' && p.rate === rate)!;
      const failed = [...s.rounds, ...n.rounds].reduce((a, r) => a + r.failed, 0);
      // Rounded: a median of an even number of rounds is the mean of two, which prints as 20.799999999999997.
      const client = (p: LatencyPoint, k: 'client_cpu_us' | 'lag_p99_ms' | 'achieved_rps' | 'sent_together_p99') => round(median(p.rounds.map((r) => r[k] ?? NaN)), 2);
      lines.push(
        `| ${rate} | ${Math.round((100 * rate) / (h.noop_open_loop_max_rps || h.noop_max_rps))} | ${spreadOf(s, 'p50')} | ${spreadOf(s, 'p99')} | ${spreadOf(s, 'p999')} | ${spreadOf(n, 'p50')} | ${spreadOf(n, 'p99')} | ${spreadOf(n, 'p999')} | ${failed} | ${round(median([...s.rounds, ...n.rounds].map((r) => r.client_cpu_us ?? NaN)), 1)} | ${client(s, 'achieved_rps')} / ${client(n, 'achieved_rps')} | ${client(s, 'lag_p99_ms')} / ${client(n, 'lag_p99_ms')} | ${client(s, 'sent_together_p99')} / ${client(n, 'sent_together_p99')} | ${markCompactText(s)} / ${markCompactText(n)} |`,
      );
    }
  }
  lines.push(
    '',
    `load average during (h): ${h.load_average.map((l) => l[0]).join(', ')}. Client overhead: h2load's CPU per request is in the table (it shares the cores with the server); ` +
      "latency is measured from each request's actual send, so the send lag (how late h2load sent against the fixed rate; up to 10 ms is its tick) says how far the client fell behind: a lag near the p99 would hide queueing. " +
      '"Sent together": the requests sent within 100 µs of each other, per request (a burst of b makes its last request wait for b − 1 others; bench/open-loop.ts).',
  );
  return lines;
}

/**
 * (w): req/s of one process and of two workers, and two/one per round. The CPU figures are the
 * primary process' only (a cluster's workers are other processes), so no ratio is taken by CPU.
 */
interface WorkersResult {
  shape: string;
  rounds: number;
  servers: Record<'one' | 'two', VariantFigures>;
  ratio: Summary;
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
    // CPU of a cluster is the primary's and the workers': /proc of the process group is not at hand,
    // so the figure is req/s; the two cores are the limit for both.
    const runs = await alternate([['one', one], ['two', two]] as const, async (c) => {
      const r = await h2load(c, frameFile);
      loads.push(loadavg().map((x) => round(x, 2)));
      return r;
    });
    return {
      shape: shape.name,
      rounds: SETTINGS.rounds,
      servers: { one: variantFigures(runs.one), two: variantFigures(runs.two) },
      ratio: ratioSummary(runs.two.map((r) => r.rps), runs.one.map((r) => r.rps), 3),
      load_average: loads,
    };
  } finally {
    for (const c of started) await stop(c).catch(() => undefined);
    await redis.stop();
  }
}

function workersTable(w: WorkersResult): string[] {
  const n = (x: number) => x.toLocaleString('en-US', { maximumFractionDigits: 0 });
  const row = (processes: number, v: VariantFigures) => `| ${processes} | ${formatSummary(v.rps, n)} | ${v.rps.rounds.map(n).join(', ')} |`;
  return [
    '',
    `(w) one process against \`serve --workers 2\` (Redis state), ${w.shape}, closed loop, ${roundCount(w.rounds)} (${alternationText(2, w.rounds)}): req/s, median (min–max)`,
    '',
    '| processes | req/s | rounds |',
    '|--:|--:|---|',
    row(1, w.servers.one),
    row(2, w.servers.two),
    '',
    `two/one ${formatSummary(w.ratio, (x) => x.toFixed(2))} (per round); load average during (w): ${w.load_average.map((l) => l[0]).join(', ')}`,
  ];
}
