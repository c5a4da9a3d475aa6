/**
 * What the heap does under load: the built server (`node dist/cli.js serve`) and the no-op, each
 * started fresh with V8's GC trace (`--trace-gc-nvp`, one line per GC on stdout), under
 *
 *   closed  the (c) load: every (a) shape cached (h2load, a fixed number of requests per shape by
 *           its weight), then (b) new RS256 tokens (the load client, 128 in flight). Per process:
 *           heap bytes allocated per Check (V8's `allocated=` summed over the GCs; off-heap
 *           buffers not included), promoted bytes per Check, scavenges and their pause per 10,000
 *           Checks, mark-compacts (pause plus the incremental marking steps, which also run on
 *           the event loop), the longest pause, and peak RSS (VmHWM).
 *   open    fixed offered rates (h2load --rps, 4 connections, kubectl get pods), as in (h): the
 *           same GC figures over the run, the pauses ≥ 1 ms and ≥ 5 ms, and p50/p99 latency
 *           (latency figures only mean something on a quiet machine; GC counts and bytes do not
 *           depend on the load, pause lengths do somewhat).
 *
 * Variants (`BENCH_GC_VARIANTS`, `;`-separated: a server name then node flags) run in alternating
 * order, a fresh process each time, BENCH_ROUNDS rounds; medians with the spread of the rounds.
 * Server names: `noop` (bench/noop-server.ts, grpc-js alone), `h2` (bench/h2-echo-server.mjs,
 * node:http2 alone), `stepgate` (dist/), `stepgate@DIR` (an earlier build copied to DIR inside this
 * repository, e.g. .artifacts/dist-before, for before/after in the same rounds).
 * stepgate is started with its launcher off (`STEPGATE_HEAP_LIMIT=off`), so each variant's flags
 * are exactly what it lists; the word `launcher` in a variant stands for the flags `stepgate serve`
 * gives itself on this machine (src/heap-limit.ts `launchFlags`), and `cgroup=<MiB>` starts the
 * process as if in a container with that memory limit (Node sizes V8's heap from it: in a 384 MiB
 * container Node 20 gives V8 a 259 MiB heap and a 1 MiB semi-space): a file with the limit is
 * bind-mounted over the cgroup file libuv reads, in a mount namespace of the child's own (root).
 *
 *   npm run build && node --import tsx bench/gc.ts closed     (BENCH_GC_REQUESTS, BENCH_NEW_TOKENS)
 *   node --import tsx bench/gc.ts open                         (BENCH_GC_RATES=1000,3000, BENCH_SECONDS)
 *   BENCH_GC_STDOUT=FILE                                       every process's stdout appended to FILE: with a variant's
 *                                                              `--trace-gc-verbose` (space sizes after each GC) or
 *                                                              `--trace-incremental-marking` (why marking started)
 *   BENCH_GC_EXTRA_HEADERS=N                                   N more request headers in h2load's requests (what each
 *                                                              header value costs the old generation)
 *   node --import tsx bench/gc.ts promoted                     the cached mix under the sampling heap profiler
 *                                                              (bench/promoted-sampler.mjs): sampled bytes by allocation site
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { launchFlags } from '../src/heap-limit.js';
import { CHECK_PATH, RawCheckClient } from './codec.js';
import { buildDistinctFrames, buildFrame, configYaml, SHAPES, startIssuer, type Frame } from './fixtures.js';
import { runCommand } from './run-command.js';
import { freePort } from './free-port.js';

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = join(BENCH, '..');
const MODE = process.argv[2] === 'open' ? 'open' : process.argv[2] === 'promoted' ? 'promoted' : 'closed';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const REQUESTS = Number(process.env.BENCH_GC_REQUESTS ?? 100_000);
const NEW_TOKENS = Number(process.env.BENCH_NEW_TOKENS ?? 5_000);
// BENCH_GC_CACHED_ONLY=1: the cached phase alone (no new tokens), for comparing flags on (a)'s load.
const CACHED_ONLY = process.env.BENCH_GC_CACHED_ONLY === '1';
const RATES = (process.env.BENCH_GC_RATES ?? '1000,3000').split(',').map(Number);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const VARIANTS = (process.env.BENCH_GC_VARIANTS ?? 'noop;stepgate;stepgate --max-semi-space-size=32;stepgate --max-semi-space-size=64')
  .split(';')
  .map((s) => s.trim())
  .filter(Boolean);

/** One line of --trace-gc-nvp. */
interface Gc {
  kind: string; // s: scavenge, ms: minor mark-sweep, mc: mark-compact
  pause: number; // ms on the main thread
  incremental: number; // ms of incremental marking steps on the main thread before it (mc only)
  allocated: number; // bytes allocated since the previous GC
  promoted: number;
  before: number; // heap bytes (all spaces) before and after it
  after: number;
}

interface Proc {
  name: string;
  proc: ChildProcess;
  port: number;
  gcs: Gc[];
  output: () => string;
}


function field(line: string, name: string): number {
  const m = new RegExp(`(?:^| )${name.replace(/\./g, '\\.')}=([\\d.]+)`).exec(line);
  const n = m ? Number(m[1]) : 0;
  // V8 prints some counters as unsigned sizes: a difference that went negative reads as ~2^64.
  return n > 2 ** 50 ? 0 : n;
}

async function start(variant: string, configFile: string, promotedOut?: string): Promise<Proc> {
  const [name = '', ...flags] = variant.split(/\s+/);
  const port = await freePort();
  // `cgroup=<MiB>`: as if in a container with that memory limit (see the header).
  const cgroupMiB = Number(flags.find((f) => f.startsWith('cgroup='))?.slice(7) ?? NaN);
  const limit = Number.isFinite(cgroupMiB) ? cgroupMiB * 1048576 : undefined;
  // `launcher`: the flags `stepgate serve` gives itself here (src/heap-limit.ts).
  const nodeFlags = flags.filter((f) => !f.startsWith('cgroup=')).flatMap((f) => (f === 'launcher' ? launchFlags({}, limit, limit === undefined ? undefined : Infinity) : [f]));
  if (promotedOut !== undefined) nodeFlags.unshift('--import', pathToFileURL(join(BENCH, 'promoted-sampler.mjs')).href);
  const args =
    name === 'noop'
      ? [...nodeFlags, '--trace-gc-nvp', '--import', 'tsx', join(BENCH, 'noop-server.ts'), `127.0.0.1:${port}`]
      : name === 'h2'
        ? [...nodeFlags, '--trace-gc-nvp', join(BENCH, 'h2-echo-server.mjs'), String(port)]
        : [...nodeFlags, '--trace-gc-nvp', `${name.startsWith('stepgate@') ? name.slice(9) : 'dist'}/cli.js`, 'serve', '--config', configFile];
  // The launcher is off: each process runs with exactly the flags its variant lists.
  const env: NodeJS.ProcessEnv = { ...process.env, STEPGATE_METRICS_LISTEN: 'off', STEPGATE_GRPC_LISTEN: `127.0.0.1:${port}`, STEPGATE_HEAP_LIMIT: 'off' };
  for (const k of Object.keys(env)) if (k.startsWith('OTEL_')) delete env[k];
  if (promotedOut !== undefined) env.BENCH_PROMOTED_OUT = promotedOut;
  let proc: ChildProcess;
  if (limit === undefined) proc = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  else {
    // Node sizes V8's heap from the cgroup memory limit libuv reads (cgroup v1 here): a file with
    // the limit is bind-mounted over it in a mount namespace of the child's own, so nothing on the
    // machine changes. Needs root (unshare).
    const fake = join(tmpdir(), `stepgate-gc-limit-${port}`);
    writeFileSync(fake, String(limit));
    const script = `for f in /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/memory$(sed -n 's/^[0-9]*:memory://p' /proc/self/cgroup)/memory.limit_in_bytes /sys/fs/cgroup/memory.max; do [ -f "$f" ] && mount --bind ${fake} "$f"; done; exec "$0" "$@"`;
    proc = spawn('unshare', ['--mount', 'sh', '-c', script, process.execPath, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  }
  const gcs: Gc[] = [];
  let rest = '';
  let output = '';
  // BENCH_GC_STDOUT=FILE: each process's stdout appended there (the lines of any other --trace-… flag).
  if (process.env.BENCH_GC_STDOUT !== undefined) proc.stdout!.on('data', (b: Buffer) => appendFileSync(process.env.BENCH_GC_STDOUT!, b));
  proc.stdout!.on('data', (b: Buffer) => {
    const lines = (rest + b.toString()).split('\n');
    rest = lines.pop()!;
    for (const line of lines) {
      const kind = /\bgc=(\w+)/.exec(line)?.[1];
      if (kind === undefined || !line.includes('pause=')) {
        output = (output + line + '\n').slice(-4000);
        continue;
      }
      gcs.push({ kind, pause: field(line, 'pause'), incremental: field(line, 'incremental.steps_took'), allocated: field(line, 'allocated'), promoted: field(line, 'promoted'), before: field(line, 'total_size_before'), after: field(line, 'total_size_after') });
    }
  });
  proc.stderr!.on('data', (b: Buffer) => (output = (output + b.toString()).slice(-4000)));
  const p: Proc = { name: variant, proc, port, gcs, output: () => output };
  const client = new RawCheckClient(port);
  try {
    await Promise.race([
      client.ready(60_000),
      new Promise((_, reject) => proc.once('exit', (code) => reject(new Error(`${variant} exited with ${code}:\n${output}`)))),
    ]);
  } finally {
    client.close();
  }
  proc.removeAllListeners('exit');
  return p;
}

async function stop(p: Proc): Promise<void> {
  if (p.proc.exitCode !== null || p.proc.signalCode !== null) return;
  const done = new Promise<void>((r) => p.proc.once('exit', () => r()));
  p.proc.kill('SIGTERM');
  const timer = setTimeout(() => p.proc.kill('SIGKILL'), 10_000);
  await done;
  clearTimeout(timer);
}

/** CPU seconds of a process (all threads: V8's concurrent marking and sweeping too) and of its main thread alone. */
function cpuSeconds(pid: number): { all: number; main: number } {
  const ticks = (path: string) => {
    const f = readFileSync(path, 'utf8').replace(/^.*\) /s, '').split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  };
  return { all: ticks(`/proc/${pid}/stat`), main: ticks(`/proc/${pid}/task/${pid}/stat`) };
}

function vmHwmMiB(pid: number): number {
  const kb = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) / 1024;
}


// BENCH_GC_EXTRA_HEADERS=N: N more request headers (names and values outside HPACK's static table),
// to see what each header value costs the old generation (Node makes each an external string).
const H2_HEADERS = [
  '--header=content-type: application/grpc',
  '--header=te: trailers',
  ...Array.from({ length: Number(process.env.BENCH_GC_EXTRA_HEADERS ?? 0) }, (_, i) => `--header=x-bench-extra-${i}: value-${i}`),
];

/** Sends `n` requests of one frame, closed loop as in (a); returns the requests done. */
async function h2loadCount(p: Proc, frameFile: string, n: number): Promise<number> {
  const out = await runCommand('h2load', [`--requests=${n}`, '--clients=8', '--max-concurrent-streams=16', '--threads=1', `--data=${frameFile}`, ...H2_HEADERS, `http://127.0.0.1:${p.port}${CHECK_PATH}`], 300_000);
  const done = Number(/requests: \d+ total, \d+ started, (\d+) done, (\d+) succeeded/.exec(out)?.[2]);
  if (done !== n) throw new Error(`h2load against ${p.name}: ${done} of ${n} succeeded:\n${out}`);
  return done;
}

interface Window {
  checks: number;
  gcs: Gc[];
}

/** GC figures over a window of Checks. */
function figures(w: Window) {
  const per10k = (x: number) => (x * 10_000) / w.checks;
  const minor = w.gcs.filter((g) => g.kind !== 'mc');
  const major = w.gcs.filter((g) => g.kind === 'mc');
  const sum = (gs: Gc[], f: (g: Gc) => number) => gs.reduce((s, g) => s + f(g), 0);
  // Where in the window each mark-compact came, by the bytes allocated before it (≈ Checks done): early ones are start-up's.
  const total = sum(w.gcs, (g) => g.allocated);
  let upTo = 0;
  const majorAt: number[] = [];
  for (const g of w.gcs) {
    upTo += g.allocated;
    if (g.kind === 'mc') majorAt.push(total > 0 ? upTo / total : 0);
  }
  return {
    major_at: majorAt,
    checks: w.checks,
    bytes_per_check: sum(w.gcs, (g) => g.allocated) / w.checks,
    promoted_per_check: sum(w.gcs, (g) => g.promoted) / w.checks,
    // What scavenges alone promoted (a mark-compact moves every live young object to the old generation too).
    scavenge_promoted_per_check: sum(minor, (g) => g.promoted) / w.checks,
    scavenges_per_10k: per10k(minor.length),
    scavenge_ms_per_10k: per10k(sum(minor, (g) => g.pause)),
    scavenge_max_ms: Math.max(0, ...minor.map((g) => g.pause)),
    major_gcs: major.length,
    major_ms_per_10k: per10k(sum(major, (g) => g.pause + g.incremental)),
    major_max_ms: Math.max(0, ...major.map((g) => g.pause)),
    // The heap at its fullest, and what a full collection left of it (the live data): the rest of the peak is garbage waiting.
    heap_max_mib: Math.max(0, ...w.gcs.map((g) => g.before)) / 1048576,
    live_mib: major.length > 0 ? major.at(-1)!.after / 1048576 : undefined,
    pauses_over_1ms: w.gcs.filter((g) => g.pause >= 1).length,
    pauses_over_5ms: w.gcs.filter((g) => g.pause >= 5).length,
  };
}

type Row = ReturnType<typeof figures> & { peak_rss_mib?: number; p50?: number; p99?: number; cpu_us?: number; main_us?: number };

function percentile(sorted: number[], q: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function closedRun(p: Proc, shapeFiles: string[], freshFile: string): Promise<Record<string, Row>> {
  // Warm: each shape once more than its share would give, so the token cache holds them (first sight verifies).
  for (const f of shapeFiles) await h2loadCount(p, f, 200);
  let mark = p.gcs.length;
  let checks = 0;
  const cpu0 = cpuSeconds(p.proc.pid!);
  for (const [i, s] of SHAPES.entries()) checks += await h2loadCount(p, shapeFiles[i]!, Math.max(100, Math.round(s.weight * REQUESTS)));
  const cpu1 = cpuSeconds(p.proc.pid!);
  // Lines can trail the last request by a pipe read; the GCs counted are those of this phase's allocations.
  await new Promise((r) => setTimeout(r, 200));
  const cached: Row = figures({ checks, gcs: p.gcs.slice(mark) });
  cached.cpu_us = ((cpu1.all - cpu0.all) * 1e6) / checks;
  cached.main_us = ((cpu1.main - cpu0.main) * 1e6) / checks;
  cached.peak_rss_mib = vmHwmMiB(p.proc.pid!);
  if (CACHED_ONLY) return { '(a) cached mix': cached };
  mark = p.gcs.length;
  const out = await runCommand(process.execPath, ['--import', 'tsx', join(BENCH, 'load-client.ts'), '--port', String(p.port), '--frames', freshFile, '--connections', '8', '--concurrency', '128', '--max-seconds', '120'], 180_000);
  const r = JSON.parse(out) as { completed: number; errors: number };
  if (r.errors || r.completed !== NEW_TOKENS) throw new Error(`load client against ${p.name}: ${r.completed} of ${NEW_TOKENS}, ${r.errors} errors`);
  await new Promise((r) => setTimeout(r, 200));
  const fresh: Row = figures({ checks: r.completed, gcs: p.gcs.slice(mark) });
  fresh.peak_rss_mib = vmHwmMiB(p.proc.pid!);
  return { '(a) cached mix': cached, '(b) new tokens': fresh };
}

interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  id: number;
  children: ProfileNode[];
}

async function waitForFile(file: string, seconds: number): Promise<void> {
  for (let i = 0; i < seconds * 10; i++) {
    try {
      readFileSync(file);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`${file} not written within ${seconds} s`);
}

/**
 * `promoted`: the cached mix under the sampling heap profiler (bench/promoted-sampler.mjs), which
 * keeps the samples of objects that died in a mark-compact and drops those that died in a
 * scavenge. Prints the sampled bytes by allocation site (the frame that allocated, and the first
 * frame outside Node's own code) per Check: in the cycle, the promoted garbage.
 */
async function promotedRun(p: Proc, shapeFiles: string[], out: string): Promise<Record<string, Row>> {
  for (const f of shapeFiles) await h2loadCount(p, f, 200);
  p.proc.kill('SIGUSR2');
  await waitForFile(`${out}.started`, 30);
  const mark = p.gcs.length;
  let checks = 0;
  for (const [i, s] of SHAPES.entries()) checks += await h2loadCount(p, shapeFiles[i]!, Math.max(100, Math.round(s.weight * REQUESTS)));
  await new Promise((r) => setTimeout(r, 200));
  const row: Row = figures({ checks, gcs: p.gcs.slice(mark) });
  row.peak_rss_mib = vmHwmMiB(p.proc.pid!);
  p.proc.kill('SIGUSR2');
  await waitForFile(out, 120);
  const profile = JSON.parse(readFileSync(out, 'utf8')) as { head: ProfileNode; samples: { size: number; nodeId: number }[] };
  const stacks = new Map<number, ProfileNode[]>();
  const walk = (n: ProfileNode, path: ProfileNode[]) => {
    const here = [...path, n];
    stacks.set(n.id, here);
    for (const c of n.children) walk(c, here);
  };
  walk(profile.head, []);
  const name = (n: ProfileNode) => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/(dist|bench)\//, '$1/')}:${n.callFrame.lineNumber + 1}`;
  const bySite = new Map<string, number>();
  const byCaller = new Map<string, number>();
  let total = 0;
  for (const s of profile.samples) {
    const stack = stacks.get(s.nodeId) ?? [];
    const top = stack.at(-1);
    const site = top === undefined ? '?' : name(top);
    const outside = [...stack].reverse().find((n) => n.callFrame.url !== '' && !n.callFrame.url.startsWith('node:'));
    const chain = [...stack].reverse().slice(0, 4).map(name).join(' < ');
    total += s.size;
    bySite.set(chain, (bySite.get(chain) ?? 0) + s.size);
    byCaller.set(outside === undefined ? `(${site})` : name(outside), (byCaller.get(outside === undefined ? `(${site})` : name(outside)) ?? 0) + s.size);
  }
  const top = (m: Map<string, number>) =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, 20).map(([k, b]) => `  ${(b / checks).toFixed(0).padStart(6)} B/Check  ${k}`).join('\n');
  console.error(`${p.name}: ${checks} Checks, ${row.major_gcs} mark-compacts, promoted by scavenges ${row.scavenge_promoted_per_check.toFixed(0)} B/Check; sampled (live + died in a mark-compact) ${(total / checks).toFixed(0)} B/Check`);
  console.error(`by allocating stack (innermost 4 frames):\n${top(bySite)}\nby first frame outside node:*:\n${top(byCaller)}`);
  return { '(a) cached mix, sampled': row };
}

async function openRun(p: Proc, frameFile: string, work: string): Promise<Record<string, Row>> {
  await h2loadCount(p, frameFile, 20_000); // JIT and first sight
  const rows: Record<string, Row> = {};
  for (const rate of RATES) {
    const log = join(work, `open-${rate}.log`);
    rmSync(log, { force: true });
    const mark = p.gcs.length;
    const total = Math.round(rate * SECONDS);
    await runCommand('h2load', [`--rps=${(rate / 4).toFixed(3)}`, `--requests=${total}`, '--clients=4', '--max-concurrent-streams=1000', '--threads=1', `--data=${frameFile}`, ...H2_HEADERS, `--log-file=${log}`, `http://127.0.0.1:${p.port}${CHECK_PATH}`], (SECONDS + 60) * 1000);
    await new Promise((r) => setTimeout(r, 200));
    const lat = readFileSync(log, 'utf8').trim().split('\n').map((l) => l.split('\t').map(Number)).filter((r) => r[1] === 200).map((r) => r[2]! / 1000).sort((a, b) => a - b);
    const row: Row = figures({ checks: lat.length, gcs: p.gcs.slice(mark) });
    row.p50 = percentile(lat, 0.5);
    row.p99 = percentile(lat, 0.99);
    row.peak_rss_mib = vmHwmMiB(p.proc.pid!);
    rows[`${rate} req/s`] = row;
  }
  return rows;
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'stepgate-gc-'));
  const issuer = await startIssuer();
  const configFile = join(work, 'stepgate.yaml');
  // The listen address comes from STEPGATE_GRPC_LISTEN per process.
  writeFileSync(configFile, configYaml(issuer.jwksUri, '127.0.0.1:0'));
  const shapeFrames = await Promise.all(SHAPES.map((s, i) => buildFrame(issuer, s, i)));
  const shapeFiles = shapeFrames.map((f, i) => {
    const file = join(work, `shape-${i}.grpc`);
    writeFileSync(file, f.frame);
    return file;
  });
  let freshFile = '';
  if (MODE === 'closed' && !CACHED_ONLY) {
    console.error(`signing ${NEW_TOKENS} tokens…`);
    const fresh: Frame[] = await buildDistinctFrames(issuer, NEW_TOKENS, 10_000);
    freshFile = join(work, 'fresh.grpc');
    writeFileSync(freshFile, Buffer.concat(fresh.map((f) => f.frame)));
  }
  const load0 = loadavg();
  const results: Record<string, Record<string, Row[]>> = {};
  for (let round = 0; round < ROUNDS; round++) {
    for (const v of round % 2 === 0 ? VARIANTS : [...VARIANTS].reverse()) {
      const promotedOut = MODE === 'promoted' ? join(work, `promoted-${round}-${VARIANTS.indexOf(v)}.json`) : undefined;
      const p = await start(v, configFile, promotedOut);
      try {
        const rows =
          MODE === 'closed' ? await closedRun(p, shapeFiles, freshFile) : MODE === 'promoted' ? await promotedRun(p, shapeFiles, promotedOut!) : await openRun(p, shapeFiles[0]!, work);
        for (const [phase, row] of Object.entries(rows)) ((results[phase] ??= {})[v] ??= []).push(row);
        console.error(`round ${round + 1}, ${v}: ${Object.entries(rows).map(([k, r]) => `${k} ${Math.round(r.bytes_per_check)} B/Check, peak ${r.peak_rss_mib?.toFixed(0)} MiB${r.cpu_us === undefined ? '' : `, ${r.cpu_us.toFixed(0)} µs CPU/Check (main ${r.main_us!.toFixed(0)})`}, ${r.major_gcs} mc${r.major_gcs > 0 ? ` (at ${r.major_at.map((x) => `${Math.round(x * 100)}%`).join(' ')})` : ''}, ${r.scavenges_per_10k.toFixed(1)} scav/10k, promoted ${r.promoted_per_check.toFixed(0)} B (by scavenges ${r.scavenge_promoted_per_check.toFixed(0)})`).join('; ')}`);
      } finally {
        await stop(p);
      }
    }
  }
  await issuer.close();
  rmSync(work, { recursive: true, force: true });
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const cell = (rows: Row[], f: (r: Row) => number | undefined, d = 0) => {
    const xs = rows.map(f).filter((x): x is number => x !== undefined && Number.isFinite(x));
    if (xs.length === 0) return '—';
    return rows.length > 1 ? `${median(xs).toFixed(d)} [${Math.min(...xs).toFixed(d)}–${Math.max(...xs).toFixed(d)}]` : median(xs).toFixed(d);
  };
  console.log(`bench/gc.ts ${MODE}: load average ${load0.map((x) => x.toFixed(1)).join(' ')} → ${loadavg().map((x) => x.toFixed(1)).join(' ')}; node ${process.version}; ${ROUNDS} rounds, median [spread]`);
  for (const [phase, byVariant] of Object.entries(results)) {
    console.log(`\n**${phase}**\n`);
    const latency = MODE === 'open' ? ' p50 ms | p99 ms |' : '';
    console.log(`| process | heap B allocated / Check | promoted B / Check | scavenges / 10k | scavenge ms / 10k | longest scavenge ms | mark-compacts | mark-compact ms / 10k (pause + incremental) | longest mark-compact ms | pauses ≥ 1 ms / ≥ 5 ms | heap at most MiB | live after the last mark-compact MiB | peak RSS MiB | CPU µs / Check (all threads; main thread) |${latency}`);
    console.log(`|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|${MODE === 'open' ? '--:|--:|' : ''}`);
    for (const [v, rows] of Object.entries(byVariant)) {
      const lat = MODE === 'open' ? ` ${cell(rows, (r) => r.p50, 2)} | ${cell(rows, (r) => r.p99, 2)} |` : '';
      console.log(
        `| ${v} | ${cell(rows, (r) => r.bytes_per_check)} | ${cell(rows, (r) => r.promoted_per_check)} | ${cell(rows, (r) => r.scavenges_per_10k, 1)} | ${cell(rows, (r) => r.scavenge_ms_per_10k, 1)} | ${cell(rows, (r) => r.scavenge_max_ms, 1)} | ${cell(rows, (r) => r.major_gcs)} | ${cell(rows, (r) => r.major_ms_per_10k, 1)} | ${cell(rows, (r) => r.major_max_ms, 1)} | ${cell(rows, (r) => r.pauses_over_1ms)} / ${cell(rows, (r) => r.pauses_over_5ms)} | ${cell(rows, (r) => r.heap_max_mib)} | ${cell(rows, (r) => r.live_mib)} | ${cell(rows, (r) => r.peak_rss_mib)} | ${cell(rows, (r) => r.cpu_us)}; ${cell(rows, (r) => r.main_us)} |${lat}`,
      );
    }
  }
}

await main();
