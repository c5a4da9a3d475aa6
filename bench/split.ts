/**
 * Where a cached Check's CPU goes end to end, in stepgate and in the no-op, under the same h2load
 * load: both processes run with `--cpu-prof`, one (a) shape is sent to each for BENCH_SECONDS, then
 * both are stopped and their profiles read. Self time is grouped by where the code lives (Node's
 * HTTP/2 and net internals, grpc-js, protobufjs, stepgate's own code, other packages, GC, native),
 * and a few functions are given with their total (self + callees) time, all as µs per request,
 * side by side. Sampling profiles: read the groups, not single digits. Needs `npm run build`.
 *
 *   node --import tsx bench/split.ts ['kubectl get pods (dev)']   (BENCH_SECONDS=5, BENCH_PROF_DIR to keep the profiles,
 *                                                                BENCH_SERVE_FLAGS: stepgate's V8 flags, as in run.ts)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchFlags } from '../src/heap-limit.js';
import { RawCheckClient } from './codec.js';
import { buildFrame, configYaml, SHAPES, startIssuer } from './fixtures.js';
import { runH2load } from './h2load.js';
import { freePort } from './free-port.js';

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = join(BENCH, '..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const SHAPE = process.argv[2] ?? 'kubectl get pods (dev)';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}


function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function start(args: string[], port: number, profDir: string): Promise<ChildProcess> {
  const proc = spawn(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${profDir}`, ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  const client = new RawCheckClient(port);
  try {
    await client.ready(60_000);
  } finally {
    client.close();
  }
  return proc;
}

function h2load(port: number, frameFile: string): Promise<{ done: number; rps: number }> {
  return runH2load({ port, frameFile, seconds: SECONDS });
}

/** Where a frame's code lives. */
function group(f: CallFrame): string {
  const u = f.url;
  if (u === '') {
    if (f.functionName === '(garbage collector)') return 'GC';
    if (f.functionName === '(idle)') return 'idle';
    if (f.functionName === '(program)') return 'native (program)';
    return `native: ${f.functionName || '(anonymous)'}`;
  }
  if (u.startsWith('node:internal/http2') || u.includes('node:http2')) return 'node http2';
  if (u.startsWith('node:internal/stream') || u.startsWith('node:internal/streams') || u === 'node:stream') return 'node streams';
  if (u.startsWith('node:net') || u.startsWith('node:internal/stream_base') || u.includes('node:internal/net')) return 'node net';
  if (u.startsWith('node:internal/timers') || u === 'node:timers') return 'node timers';
  if (u.startsWith('node:internal/process') || u.startsWith('node:internal/async_hooks') || u.startsWith('node:events')) return 'node events/ticks';
  if (u.startsWith('node:')) return 'node other';
  if (u.includes('/@grpc/grpc-js/')) return 'grpc-js';
  if (u.includes('/protobufjs/') || u.includes('/@protobufjs/') || u.includes('/@grpc/proto-loader/')) return 'protobufjs';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(u);
  if (pkg) return `pkg ${pkg[1]}`;
  if (u.includes('/dist/') || u.includes('/src/')) return 'stepgate';
  if (u.includes('/bench/')) return 'bench (no-op handler)';
  return 'other';
}

interface Split {
  groups: Map<string, number>;
  /** Self time by function, of stepgate's own code and the packages it calls that the no-op does not. */
  own: Map<string, number>;
  totals: Map<string, number>;
  functions: Map<string, number>;
  sampledUs: number;
}

/**
 * µs of self time per group, and total time of the named functions (counted once per sample), over
 * the samples taken between `fromEndUs` and `toEndUs` before the profile's end (the process is
 * stopped right after its h2load run, so this is the run without start-up and warm-up).
 */
function split(p: Profile, totalsOf: readonly string[], fromEndUs: number, toEndUs: number): Split {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  let sampledUs = 0;
  let t = p.startTime;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i]!;
    if (t < p.endTime - fromEndUs || t > p.endTime - toEndUs) continue;
    const dt = p.timeDeltas[i + 1] ?? 0;
    self.set(p.samples[i]!, (self.get(p.samples[i]!) ?? 0) + dt);
    sampledUs += dt;
  }
  const groups = new Map<string, number>();
  const functions = new Map<string, number>();
  const totals = new Map<string, number>();
  const own = new Map<string, number>();
  for (const [id, us] of self) {
    const node = byId.get(id)!;
    const g = group(node.callFrame);
    groups.set(g, (groups.get(g) ?? 0) + us);
    const fname = `${node.callFrame.functionName || '(anonymous)'} ${node.callFrame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/(dist|bench)\//, '$1/')}:${node.callFrame.lineNumber + 1}`;
    functions.set(fname, (functions.get(fname) ?? 0) + us);
    if (g === 'stepgate' || (g.startsWith('pkg ') && g !== 'pkg long')) own.set(fname, (own.get(fname) ?? 0) + us);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const name = byId.get(cur)!.callFrame.functionName;
      if (totalsOf.includes(name) && !seen.has(name)) {
        seen.add(name);
        totals.set(name, (totals.get(name) ?? 0) + us);
      }
    }
  }
  return { groups, own, totals, functions, sampledUs };
}

const TOTALS = ['handleCheck', 'deserialize', 'decodeCheckRequest', 'serialize', 'handleUnary', 'sendUnaryMessage', 'receiveUnaryMessage', 'sendMetadata', 'checked', 'onStreamEnd', 'parseCheckRequest', 'Check'];

const work = mkdtempSync(join(tmpdir(), 'stepgate-split-'));
const profDir = process.env.BENCH_PROF_DIR ?? join(work, 'prof');
const issuer = await startIssuer();
const procs: ChildProcess[] = [];
try {
  const shape = SHAPES.find((s) => s.name === SHAPE);
  if (!shape) throw new Error(`no shape ${SHAPE}; one of: ${SHAPES.map((s) => s.name).join(', ')}`);
  const frame = await buildFrame(issuer, shape, SHAPES.indexOf(shape));
  const frameFile = join(work, 'frame.grpc');
  writeFileSync(frameFile, frame.frame);
  const [sgPort, noopPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
  const config = join(work, 'bench.yaml');
  writeFileSync(config, configYaml(issuer.jwksUri, `127.0.0.1:${sgPort}`));
  const sgDir = join(profDir, 'stepgate');
  const noopDir = join(profDir, 'noop');
  process.env.STEPGATE_METRICS_LISTEN = `127.0.0.1:${metricsPort}`;
  // As run.ts: the launcher's flags for this machine, or BENCH_SERVE_FLAGS ('' for V8's defaults).
  const flags = process.env.BENCH_SERVE_FLAGS !== undefined ? process.env.BENCH_SERVE_FLAGS.split(/\s+/).filter(Boolean) : launchFlags();
  const sg = await start([...flags, 'dist/cli.js', 'serve', '--config', config], sgPort, sgDir);
  const noop = await start(['--import', 'tsx', join(BENCH, 'noop-server.ts'), `127.0.0.1:${noopPort}`], noopPort, noopDir);
  procs.push(sg, noop);
  const warm = new RawCheckClient(sgPort);
  await warm.check(frame.message);
  await warm.check(frame.message);
  warm.close();
  const load = loadavg()[0]!.toFixed(1);
  const runs: Record<string, { done: number; rps: number; cpuUs: number; window: [number, number] }> = {};
  // Each server is stopped right after its run, so that its run is the end of its profile.
  for (const [name, proc, port] of [['stepgate', sg, sgPort], ['no-op', noop, noopPort]] as const) {
    const c0 = cpuSeconds(proc.pid!);
    const t0 = performance.now();
    const r = await h2load(port, frameFile);
    const t1 = performance.now();
    const cpuUs = ((cpuSeconds(proc.pid!) - c0) * 1e6) / r.done;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    const stopAt = performance.now();
    proc.kill('SIGTERM');
    await exited;
    // From the run's start to its end, as µs before the stop (the profile ends a little later).
    runs[name] = { ...r, cpuUs, window: [(stopAt - t0) * 1000, (stopAt - t1) * 1000] };
  }
  const read = (dir: string) => JSON.parse(readFileSync(join(dir, readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))!), 'utf8')) as Profile;
  const at = (n: 'stepgate' | 'no-op', dir: string) => split(read(dir), TOTALS, runs[n]!.window[0], runs[n]!.window[1]);
  const splits = { stepgate: at('stepgate', sgDir), 'no-op': at('no-op', noopDir) };
  const per = (name: 'stepgate' | 'no-op', us: number) => us / runs[name]!.done;
  console.log(`shape ${SHAPE}, ${SECONDS} s each, load average ${load} → ${loadavg()[0]!.toFixed(1)}`);
  for (const n of ['stepgate', 'no-op'] as const) console.log(`${n}: ${runs[n]!.done} requests, ${runs[n]!.rps.toFixed(0)} req/s, ${runs[n]!.cpuUs.toFixed(1)} µs CPU/req (/proc), ${per(n, splits[n].sampledUs).toFixed(1)} µs sampled/req (idle included)`);
  const groups = [...new Set([...splits.stepgate.groups.keys(), ...splits['no-op'].groups.keys()])].sort((a, b) => (splits.stepgate.groups.get(b) ?? 0) - (splits.stepgate.groups.get(a) ?? 0));
  console.log('\n| self time, µs/req | stepgate | no-op | difference |\n|---|--:|--:|--:|');
  for (const g of groups) {
    const a = per('stepgate', splits.stepgate.groups.get(g) ?? 0);
    const b = per('no-op', splits['no-op'].groups.get(g) ?? 0);
    if (a < 0.05 && b < 0.05) continue;
    console.log(`| ${g} | ${a.toFixed(1)} | ${b.toFixed(1)} | ${(a - b).toFixed(1)} |`);
  }
  console.log('\n| total time (self + callees), µs/req | stepgate | no-op |\n|---|--:|--:|');
  for (const f of TOTALS) console.log(`| ${f} | ${per('stepgate', splits.stepgate.totals.get(f) ?? 0).toFixed(1)} | ${per('no-op', splits['no-op'].totals.get(f) ?? 0).toFixed(1)} |`);
  console.log('\nstepgate\'s own code and the packages only it uses, self time (µs/req):');
  for (const [f, us] of [...splits.stepgate.own].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`  ${per('stepgate', us).toFixed(2).padStart(6)}  ${f}`);
  for (const n of ['stepgate', 'no-op'] as const) {
    console.log(`\ntop self, ${n} (µs/req):`);
    for (const [f, us] of [...splits[n].functions].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.BENCH_TOP ?? 25))) console.log(`  ${per(n, us).toFixed(2).padStart(6)}  ${f}`);
  }
} finally {
  for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
  await issuer.close();
  if (!process.env.BENCH_PROF_DIR) rmSync(work, { recursive: true, force: true });
}
