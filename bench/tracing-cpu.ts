/**
 * Scenario (d) measured by server CPU per request instead of req/s: the built server (`dist/`, so
 * run `npm run build` first) with tracing off and on (every request sampled, OTLP/HTTP protobuf to
 * bench/otlp-sink.ts, (d)'s OTEL_* settings), optionally a second build's traced server
 * (`BENCH_BASE_DIR`, a directory holding that version's `dist/`; more with `BENCH_VARIANTS`), driven by h2load as (d) drives
 * them (-c 8 -m 16, one shape's frame with a sampled `traceparent`), the variants alternating
 * A B B A. CPU comes from /proc per process, which other load moves much less than req/s.
 *
 * With BENCH_CPU_PROF=1 every server runs with `--cpu-prof`; at the end the profiles are read and
 * each function's self time is printed in µs per request served (the whole life of the process,
 * startup included, over every request it answered), traced minus untraced, largest first.
 *
 * With BENCH_LOAD=grpc the load comes from bench/repeat-client.ts (grpc-js, one process per round)
 * instead of h2load, for a shared machine where h2load may not run: fewer requests per second,
 * the same CPU-per-request reading and profile windows.
 *
 *   node --import tsx bench/tracing-cpu.ts   (BENCH_ROUNDS=4, BENCH_SECONDS=2, BENCH_BASE_DIR, BENCH_VARIANTS, BENCH_CPU_PROF=1, BENCH_SHAPES='0,1', BENCH_LOAD=grpc)
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { awaitServer, verifyAnswers } from './codec.js';
import { buildFrame, configYaml, SHAPES, startIssuer } from './fixtures.js';
import { startOtlpSink } from './otlp-sink.js';
import { runCommand } from './run-command.js';
import { h2loadArgs, runH2load } from './h2load.js';
import { NO_OTEL, TRACING_ENV } from './tracing-env.js';
import { launchFlags } from '../src/heap-limit.js';
import { freePort } from './free-port.js';

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = join(BENCH, '..');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
/** More traced servers, from other builds: BENCH_VARIANTS='name=dir,name=dir' (each dir holding that build's dist/). */
const VARIANTS = [
  ...(process.env.BENCH_BASE_DIR ? [['on (base)', process.env.BENCH_BASE_DIR]] : []),
  ...(process.env.BENCH_VARIANTS ?? '').split(',').filter(Boolean).map((v) => v.split('=')),
] as [string, string][];
const PROFILE = process.env.BENCH_CPU_PROF === '1';
const GRPC_LOAD = process.env.BENCH_LOAD === 'grpc';
/**
 * BENCH_CALLGRIND=N: every server runs under `valgrind --tool=callgrind` (instrumentation off until
 * the warm-ups are done), and each round sends exactly N requests (h2load -n) and reads the
 * instructions the server executed for them: a count the machine's load does not move.
 */
const CALLGRIND = Number(process.env.BENCH_CALLGRIND ?? 0);
/**
 * Under callgrind, batches leave by count, not by time: a 500 ms delay is a few dozen requests
 * under valgrind, so which exports and collections fell into a counted window varied from round to
 * round (2,116k–2,784k instructions per traced request). With batches of 512 and a delay that never
 * fires, a window of N requests (a multiple of 512) holds exactly N / 512 exports, as (d) does at
 * full speed, where 500 ms is thousands of requests.
 */
const COUNTED_BATCHES: NodeJS.ProcessEnv = CALLGRIND ? { OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '512', OTEL_BSP_SCHEDULE_DELAY: '3600000' } : {};
/** (d)'s shapes (bench/run.ts TRACING_SHAPES), or those BENCH_SHAPES names by index (0-3). */
const ALL = ['kubectl get pods (dev)', 'grafana dashboard', 'kubectl get secret (aal1: step-up)', 'grafana admin, tagged route (aal1: step-up)'];
const NAMES = process.env.BENCH_SHAPES ? process.env.BENCH_SHAPES.split(',').map((i) => ALL[Number(i)]!) : ALL;

interface Server {
  name: string;
  proc: ChildProcess;
  port: number;
  profDir: string;
  /** Requests h2load measured in the rounds (warm-ups excluded), and when: monotonic µs, the clock of a .cpuprofile. */
  requests: number;
  /** Every request the server answered, warm-ups included: what its --trace-gc lines are divided by. */
  served: number;
  windows: [number, number][];
  workDir: string;
}


async function start(name: string, cwd: string, config: string, port: number, env: NodeJS.ProcessEnv, work: string): Promise<Server> {
  const profDir = join(work, `prof-${name.replace(/\W+/g, '-')}`);
  // BENCH_NODE_FLAGS: more V8/Node flags for every server (e.g. --trace-gc; stdout goes to <work>/<name>.out).
  const extra = (process.env.BENCH_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);
  const flags = [...launchFlags(), ...extra, ...(PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [])];
  const out = openSync(join(work, `${name.replace(/\W+/g, '-')}.out`), 'w');
  const node = [process.execPath, ...flags, 'dist/cli.js', 'serve', '--config', config];
  const valgrind = ['--tool=callgrind', '--smc-check=all-non-file', '--instr-atstart=no', `--callgrind-out-file=${join(work, `cg-${name.replace(/\W+/g, '-')}`)}.%p`];
  const proc = spawn(CALLGRIND ? 'valgrind' : node[0]!, CALLGRIND ? [...valgrind, ...node] : node.slice(1), {
    cwd,
    env: { ...process.env, ...NO_OTEL, ...env, STEPGATE_GRPC_LISTEN: `127.0.0.1:${port}`, STEPGATE_METRICS_LISTEN: 'off' },
    stdio: ['ignore', out, 'inherit'],
  });
  await awaitServer(proc, port, CALLGRIND ? 600_000 : 60_000);
  return { name, proc, port, profDir, requests: 0, served: 0, windows: [], workDir: work };
}

function callgrindControl(s: Server, ...args: string[]): string {
  return execFileSync('callgrind_control', [...args, String(s.proc.pid)], { encoding: 'utf8', timeout: 120_000 });
}

/** Instructions the server executed for exactly `n` requests (h2load -n), under callgrind. */
async function instructions(s: Server, frameFile: string, n: number, counted = true): Promise<{ rps: number; cpuUs: number }> {
  if (counted) callgrindControl(s, '-z');
  await runCommand(
    'h2load',
    h2loadArgs({ port: s.port, frameFile, requests: n }),
    600_000,
  );
  if (!counted) return { rps: 0, cpuUs: 0 };
  // A dump holds the counts since the counters were zeroed; its `summary:` line is their total.
  const prefix = `cg-${s.name.replace(/\W+/g, '-')}.${s.proc.pid}.`;
  const before = new Set(readdirSync(s.workDir).filter((f) => f.startsWith(prefix)));
  callgrindControl(s, '--dump=run');
  const file = readdirSync(s.workDir).find((f) => f.startsWith(prefix) && !before.has(f));
  const text = file ? readFileSync(join(s.workDir, file), 'utf8') : '';
  const ir = Number(/^(?:summary|totals): (\d+)/m.exec(text)?.[1]);
  if (!Number.isFinite(ir)) throw new Error(`cannot read the callgrind dump of ${s.name} (${file ?? 'none'})`);
  s.requests += n;
  // Reported in the CPU column as thousands of instructions per request.
  return { rps: 0, cpuUs: ir / n / 1000 };
}

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

function h2load(s: Server, frameFile: string, seconds: number, counted = true): Promise<{ rps: number; cpuUs: number }> {
  if (GRPC_LOAD) return repeatClient(s, frameFile.replace(/\.grpc$/, '.msg'), seconds, counted);
  return new Promise((resolve, reject) => {
    const warmupMs = 500;
    let cpu0 = 0;
    let from = 0;
    setTimeout(() => {
      cpu0 = cpuSeconds(s.proc.pid!);
      from = monotonicUs();
    }, warmupMs);
    runH2load({ port: s.port, frameFile, seconds, warmupMs }).then(({ rps, done, out }) => {
      if (process.env.BENCH_VERBOSE) console.error(`${s.name}:\n${out}`);
      s.served += done;
      if (counted) {
        s.requests += done;
        s.windows.push([from, monotonicUs()]);
      }
      resolve({ rps, cpuUs: ((cpuSeconds(s.proc.pid!) - cpu0) * 1e6) / done });
    }, reject);
  });
}

/**
 * BENCH_LOAD=grpc: bench/repeat-client.ts in its own process; it reads the server's CPU itself over
 * its measured window (after its startup and 500 ms of warm-up), as h2load's reading is taken here.
 */
async function repeatClient(s: Server, messageFile: string, seconds: number, counted: boolean): Promise<{ rps: number; cpuUs: number }> {
  const args = ['--import', 'tsx', join(BENCH, 'repeat-client.ts'), '--port', String(s.port), '--message', messageFile, '--seconds', String(seconds), '--pid', String(s.proc.pid)];
  const out = await runCommand(process.execPath, args, 120_000);
  const r = JSON.parse(out) as { done: number; errors: number; rps: number; cpuSeconds: number; from: number; to: number };
  if (r.errors > 0 || r.done === 0) throw new Error(`repeat-client against ${s.name}: ${out}`);
  s.served += r.done;
  if (counted) {
    s.requests += r.done;
    s.windows.push([r.from, r.to]);
  }
  return { rps: r.rps, cpuUs: (r.cpuSeconds * 1e6) / r.done };
}

function stop(s: Server): Promise<void> {
  if (s.proc.exitCode !== null || s.proc.signalCode !== null) return Promise.resolve();
  return new Promise((r) => {
    s.proc.once('exit', () => r());
    s.proc.kill('SIGTERM');
  });
}

interface Profile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

const frameName = (cf: Profile['nodes'][number]['callFrame']) =>
  `${cf.functionName || '(anonymous)'}${cf.url ? ` ${cf.url.replace(/^file:\/\/.*?node_modules\//, '').replace(/^file:\/\/.*?\/dist\//, 'dist/')}:${cf.lineNumber + 1}` : ''}`;

/**
 * A server's profile, only the samples taken while h2load measured it (startup, warm-ups and idle
 * time left out), as µs per measured request: self time per function, and per category of the
 * sample's stack (telemetry code anywhere on it, the HTTP/1 client of the exporter, GC, …).
 */
function profileFigures(s: Server): { self: Map<string, number>; categories: Map<string, number>; telemetry: Map<string, number> } {
  const file = readdirSync(s.profDir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no profile in ${s.profDir}`);
  const p = JSON.parse(readFileSync(join(s.profDir, file), 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  const categories = new Map<string, number>();
  const telemetry = new Map<string, number>();
  const add = (m: Map<string, number>, k: string, us: number) => m.set(k, (m.get(k) ?? 0) + us / s.requests);
  let at = p.startTime;
  p.samples.forEach((id, i) => {
    const dt = p.timeDeltas[i] ?? 0;
    at += dt;
    const leaf = byId.get(id)!.callFrame;
    if (leaf.functionName === '(idle)' || !s.windows.some(([a, b]) => at >= a && at <= b)) return;
    add(self, frameName(leaf), dt);
    const stack: Profile['nodes'][number]['callFrame'][] = [];
    for (let x: number | undefined = id; x !== undefined; x = parent.get(x)) stack.push(byId.get(x)!.callFrame);
    // Outermost first: the telemetry entry point called by non-telemetry code.
    const outer = stack.findLastIndex((cf) => /dist\/telemetry\/|@opentelemetry\//.test(cf.url));
    let category: string;
    if (leaf.functionName === '(garbage collector)' || leaf.functionName === '(program)') category = leaf.functionName;
    else if (outer >= 0) {
      category = 'telemetry code on the stack';
      add(telemetry, `${frameName(stack[outer]!)} (from ${stack[outer + 1] ? frameName(stack[outer + 1]!) : 'the event loop'})`, dt);
    } else if (stack.some((cf) => /node:_http_/.test(cf.url))) category = 'node:http (HTTP/1: the OTLP exporter)';
    else if (stack.some((cf) => /grpc-js/.test(cf.url))) category = 'grpc-js on the stack';
    else if (stack.some((cf) => /node:internal\/http2/.test(cf.url))) category = 'node:http2 without grpc-js';
    else category = `other: ${frameName(stack[Math.max(0, stack.length - 2)]!)}`;
    add(categories, category, dt);
  });
  return { self, categories, telemetry };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const cell = (xs: number[], d = 1) => `${median(xs).toFixed(d)} (${Math.min(...xs).toFixed(d)}–${Math.max(...xs).toFixed(d)})`;

/**
 * With BENCH_NODE_FLAGS=--trace-gc: each server's collections over its whole life (startup and
 * warm-ups included) per 100,000 requests it answered, and their pause (main thread, ms), from
 * the lines V8 printed on its stdout. Counts, unlike CPU per request, hardly move with the load.
 */
function gcTable(servers: Server[]): void {
  console.log('\n| server | requests answered | scavenges per 100k | scavenge pause ms per 100k | mark-compacts per 100k | mark-compact pause ms per 100k |\n|---|--:|--:|--:|--:|--:|');
  for (const s of servers) {
    const text = readFileSync(join(s.workDir, `${s.name.replace(/\W+/g, '-')}.out`), 'utf8');
    const f = { scavenges: 0, scavengeMs: 0, majors: 0, majorMs: 0 };
    // "[pid:0x…]  1234 ms: Scavenge 10.2 (12.3) -> 9.8 (13.3) MB, 1.23 / 0.00 ms  (…"
    for (const m of text.matchAll(/ ms: (Scavenge|Minor Mark-Compact|Mark-Compact|Mark-sweep)[^,\n]*, ([\d.]+) \/ [\d.]+ ms/g)) {
      if (m[1] === 'Scavenge' || m[1] === 'Minor Mark-Compact') {
        f.scavenges++;
        f.scavengeMs += Number(m[2]);
      } else {
        f.majors++;
        f.majorMs += Number(m[2]);
      }
    }
    const per = (x: number) => ((x * 100_000) / Math.max(1, s.served)).toFixed(1);
    console.log(`| ${s.name} | ${s.served} | ${per(f.scavenges)} | ${per(f.scavengeMs)} | ${per(f.majors)} | ${per(f.majorMs)} |`);
  }
}

const work = mkdtempSync(join(tmpdir(), 'stepgate-tracing-cpu-'));
const issuer = await startIssuer();
const sink = await startOtlpSink();
const servers: Server[] = [];
try {
  const shapes = NAMES.map((n) => SHAPES.find((s) => s.name === n)!);
  const frames = await Promise.all(
    shapes.map((s, i) => buildFrame(issuer, s, 500 + i, { traceparent: `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01` })),
  );
  const files = frames.map((f, i) => {
    const file = join(work, `shape-${i}.grpc`);
    writeFileSync(file, f.frame);
    writeFileSync(join(work, `shape-${i}.msg`), f.message);
    return file;
  });
  const variants: [string, string, NodeJS.ProcessEnv][] = [
    ['off', ROOT, {}],
    ['on', ROOT, { ...TRACING_ENV, ...COUNTED_BATCHES, OTEL_EXPORTER_OTLP_ENDPOINT: sink.url }],
    ...VARIANTS.map(([name, dir]) => [name, dir, { ...TRACING_ENV, ...COUNTED_BATCHES, OTEL_EXPORTER_OTLP_ENDPOINT: sink.url }] as [string, string, NodeJS.ProcessEnv]),
  ];
  for (const [name, dir, env] of variants) {
    const port = await freePort();
    const config = join(work, `${port}.yaml`);
    writeFileSync(config, configYaml(issuer.jwksUri, `127.0.0.1:${port}`));
    servers.push(await start(name, dir, config, port, env, work));
  }
  await verifyAnswers(servers, frames);
  for (const s of servers) {
    if (!CALLGRIND) for (const file of files) await h2load(s, file, 1, false);
    else {
      // Warm-ups by count (valgrind is slow even without instrumenting), then the counting starts.
      for (const file of files) await instructions(s, file, CALLGRIND, false);
      callgrindControl(s, '-i', 'on');
    }
  }
  const loads = [loadavg()[0]!.toFixed(1)];
  const cpu = new Map<string, number[]>();
  const rps = new Map<string, number[]>();
  const push = (m: Map<string, number[]>, k: string, v: number) => m.set(k, [...(m.get(k) ?? []), v]);
  for (let round = 0; round < ROUNDS; round++) {
    // A B B A: the order reverses every other round.
    const order = round % 2 === 0 ? servers : [...servers].reverse();
    for (const [i, shape] of shapes.entries()) {
      for (const s of order) {
        const r = CALLGRIND ? await instructions(s, files[i]!, CALLGRIND) : await h2load(s, files[i]!, SECONDS);
        push(cpu, `${shape.name}\u0000${s.name}`, r.cpuUs);
        push(rps, `${shape.name}\u0000${s.name}`, r.rps);
      }
    }
    loads.push(loadavg()[0]!.toFixed(1));
  }
  console.log(
    `${ROUNDS} rounds of ${CALLGRIND ? `${CALLGRIND} requests under callgrind (figures: thousands of instructions per request, not µs)` : `${SECONDS} s`} per shape and server, alternating A B B A; 1-min load average ${loads.join(' → ')}`,
  );
  console.log(`| shape | ${servers.map((s) => `${s.name} CPU µs/req`).join(' | ')} | ${servers.slice(1).map((s) => `${s.name} − off µs`).join(' | ')} | ${servers.slice(1).map((s) => `off / ${s.name} by CPU`).join(' | ')} | req/s |`);
  console.log(`|---|${servers.map(() => '--:').join('|')}|${servers.slice(1).map(() => '--:').join('|')}|${servers.slice(1).map(() => '--:').join('|')}|--:|`);
  const mix = new Map(servers.map((s) => [s.name, new Array<number>(ROUNDS).fill(0)]));
  for (const shape of shapes) {
    const xs = (s: Server) => cpu.get(`${shape.name}\u0000${s.name}`)!;
    const off = xs(servers[0]!);
    const extra = servers.slice(1).map((s) => cell(xs(s).map((x, r) => x - off[r]!)));
    const ratio = servers.slice(1).map((s) => cell(xs(s).map((x, r) => off[r]! / x), 2));
    for (const s of servers) xs(s).forEach((x, r) => (mix.get(s.name)![r]! += x / shapes.length));
    const reqs = servers.map((s) => median(rps.get(`${shape.name}\u0000${s.name}`)!).toFixed(0)).join(' / ');
    console.log(`| ${shape.name} | ${servers.map((s) => cell(xs(s))).join(' | ')} | ${extra.join(' | ')} | ${ratio.join(' | ')} | ${reqs} |`);
  }
  const off = mix.get('off')!;
  console.log(
    `| mean of the shapes | ${servers.map((s) => cell(mix.get(s.name)!)).join(' | ')} | ${servers.slice(1).map((s) => cell(mix.get(s.name)!.map((x, r) => x - off[r]!))).join(' | ')} | ${servers
      .slice(1)
      .map((s) => cell(mix.get(s.name)!.map((x, r) => off[r]! / x), 2))
      .join(' | ')} | |`,
  );
  if (/--trace-gc\b/.test(process.env.BENCH_NODE_FLAGS ?? '')) {
    for (const s of servers) await stop(s);
    gcTable(servers);
  }
  console.log(`sink: ${sink.stats.checkSpans} Check spans, ${sink.stats.otherSpans} other spans, ${sink.stats.traceRequests} requests, ${(sink.stats.bytes / 2 ** 20).toFixed(1)} MiB`);
  if (PROFILE) {
    for (const s of servers) await stop(s);
    const figures = servers.map((s) => ({ s, ...profileFigures(s) }));
    const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
    const table = (title: string, pick: (f: (typeof figures)[number]) => Map<string, number>, n: number) => {
      const keys = [...new Set(figures.flatMap((f) => [...pick(f).keys()]))];
      const row = (k: string) => figures.map((f) => pick(f).get(k) ?? 0);
      keys.sort((a, b) => Math.max(...row(b)) - Math.max(...row(a)));
      console.log(`\n${title}, profiler µs per measured request (${figures.map((f) => `${f.s.name}: ${sum(f.self).toFixed(1)} in all, ${f.s.requests} requests`).join('; ')})`);
      console.log(`| ${figures.map((f) => f.s.name).join(' | ')} | |\n|${figures.map(() => '--:').join('|')}|---|`);
      for (const k of keys.slice(0, n)) console.log(`| ${row(k).map((x) => x.toFixed(2)).join(' | ')} | ${k.replace(/\|/g, '\\|')} |`);
    };
    table('By category of the stack', (f) => f.categories, 14);
    table('Telemetry code by entry point', (f) => f.telemetry, 12);
    table('Self time by function', (f) => f.self, 40);
    if (process.env.BENCH_KEEP_PROFILES) console.log(`profiles kept in ${work}`);
  }
} finally {
  for (const s of servers) await stop(s);
  await sink.close();
  await issuer.close();
  if (!process.env.BENCH_KEEP_PROFILES) rmSync(work, { recursive: true, force: true });
}
