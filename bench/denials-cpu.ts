/**
 * Server CPU per Check for the step-up denial shapes of (a), end to end through gRPC: the built
 * server (`dist/`, so run `npm run build` first), optionally a second build of another version
 * (`BENCH_BASE_DIR`, a directory holding that version's `dist/`), and the no-op server, each driven
 * by h2load with one shape's frame, the servers alternating in rounds. CPU comes from /proc per
 * process, which other load on the machine moves much less than req/s; req/s is printed too but
 * means nothing on a loaded machine. An allow shape is measured as a control. BENCH_SHAPES=all
 * runs every (a) shape instead (the cached mix, with its weighted row), or substrings of their
 * names, comma-separated, pick some. Every stepgate is started as scenario (a) starts it: the launcher's V8 flags
 * for this machine and a metrics listener.
 *
 * BENCH_CALLGRIND=N: every server (the no-op too) runs under `valgrind --tool=callgrind` with
 * instrumentation off until each shape has had 3 × N unmeasured requests (BENCH_CALLGRIND_WARMUPS), and each
 * round sends exactly N requests (h2load -n) and reads the instructions the server executed for
 * them: thousands of instructions per request, a count the machine's other load does not move.
 * BENCH_CALLGRIND_KEEP=DIR keeps the dumps there (callgrind_annotate them: native code by function).
 *
 *   node --import tsx bench/denials-cpu.ts   (BENCH_BASE_DIR, BENCH_BASE_FLAGS, BENCH_ROUNDS=3, BENCH_SECONDS=2, BENCH_SHAPES, BENCH_CALLGRIND)
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchFlags } from '../src/heap-limit.js';
import { decodeDecision, RawCheckClient } from './codec.js';
import { buildFrame, configYaml, SHAPES, startIssuer } from './fixtures.js';
import { h2loadArgs, runH2load } from './h2load.js';
import { runCommand } from './run-command.js';
import { freePort } from './free-port.js';

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = join(BENCH, '..');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const BASE = process.env.BENCH_BASE_DIR;
const DENIALS = ['kubectl get pods (dev)', 'kubectl get secret (aal1: step-up)', 'grafana admin, tagged route (aal1: step-up)'];
const ONLY = process.env.BENCH_SHAPES;
const chosen = (name: string) => (ONLY === undefined ? DENIALS.includes(name) : ONLY === 'all' || ONLY.split(',').some((part) => name.includes(part)));
const CALLGRIND = Number(process.env.BENCH_CALLGRIND ?? 0);
/** Unmeasured batches of N per shape before counting (BENCH_CALLGRIND_WARMUPS): the JIT keeps compiling for a few thousand requests under valgrind. */
const CALLGRIND_WARMUPS = Number(process.env.BENCH_CALLGRIND_WARMUPS ?? 3);

interface Server {
  name: string;
  proc: ChildProcess;
  port: number;
}


async function start(name: string, cwd: string, args: string[], port: number, env: NodeJS.ProcessEnv = {}): Promise<Server> {
  // BENCH_NODE_FLAGS: more Node/V8 flags for every server (e.g. --perf-basic-prof, whose /tmp/perf-PID.map names the JIT code callgrind shows as addresses).
  args = [...(process.env.BENCH_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean), ...args];
  const valgrind = ['--tool=callgrind', '--smc-check=all-non-file', '--instr-atstart=no', `--callgrind-out-file=${join(work, `cg-${slug(name)}`)}.%p`, process.execPath];
  const proc = spawn(CALLGRIND ? 'valgrind' : process.execPath, CALLGRIND ? [...valgrind, ...args] : args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  const client = new RawCheckClient(port);
  try {
    await client.ready(CALLGRIND ? 900_000 : 60_000);
  } catch (err) {
    proc.kill('SIGKILL');
    throw err;
  } finally {
    client.close();
  }
  return { name, proc, port };
}

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const slug = (name: string) => name.replace(/\W+/g, '-');

function callgrindControl(s: Server, ...args: string[]): string {
  return execFileSync('callgrind_control', [...args, String(s.proc.pid)], { encoding: 'utf8', timeout: 120_000 });
}

/** Instructions the server executed for exactly `n` requests (h2load -n), in thousands per request; `counted` false: a warm-up. */
async function instructions(s: Server, frameFile: string, n: number, counted = true): Promise<{ rps: number; cpuUs: number }> {
  if (counted) callgrindControl(s, '-z');
  await runCommand('h2load', h2loadArgs({ port: s.port, frameFile, requests: n }), 900_000);
  if (!counted) return { rps: 0, cpuUs: 0 };
  // A dump holds the counts since the counters were zeroed; its `summary:` line is their total.
  const prefix = `cg-${slug(s.name)}.${s.proc.pid}.`;
  const before = new Set(readdirSync(work).filter((f) => f.startsWith(prefix)));
  callgrindControl(s, `--dump=${slug(s.name)}`);
  const file = readdirSync(work).find((f) => f.startsWith(prefix) && !before.has(f));
  const text = file ? readFileSync(join(work, file), 'utf8') : '';
  const ir = Number(/^(?:summary|totals): (\d+)/m.exec(text)?.[1]);
  if (!Number.isFinite(ir)) throw new Error(`cannot read the callgrind dump of ${s.name} (${file ?? 'none'})`);
  return { rps: 0, cpuUs: ir / n / 1000 };
}

function h2load(s: Server, frameFile: string): Promise<{ rps: number; cpuUs: number }> {
  if (CALLGRIND) return instructions(s, frameFile, CALLGRIND);
  const warmupMs = 500;
  let cpu0 = 0;
  setTimeout(() => (cpu0 = cpuSeconds(s.proc.pid!)), warmupMs);
  return runH2load({ port: s.port, frameFile, seconds: SECONDS, warmupMs }).then(({ rps, done }) => ({ rps, cpuUs: ((cpuSeconds(s.proc.pid!) - cpu0) * 1e6) / done }));
}

const work = mkdtempSync(join(tmpdir(), 'stepgate-denials-'));
const issuer = await startIssuer();
const servers: Server[] = [];
try {
  const config = join(work, 'bench.yaml');
  const listen = await freePort();
  writeFileSync(config, configYaml(issuer.jwksUri, `127.0.0.1:${listen}`));
  const shapes = SHAPES.filter((s) => chosen(s.name));
  const frames = await Promise.all(shapes.map((s) => buildFrame(issuer, s, SHAPES.indexOf(s))));
  const files = frames.map((f, i) => {
    const file = join(work, `shape-${i}.grpc`);
    writeFileSync(file, f.frame);
    return file;
  });
  const trees = [['stepgate', ROOT], ...(BASE ? [['stepgate (base)', BASE]] : [])] as const;
  // Started together (under valgrind each takes minutes), listed in this order: the no-op last.
  const starting: Promise<Server>[] = [];
  for (const [name, dir] of trees) {
    const port = await freePort();
    const yaml = readFileSync(config, 'utf8').replace(`127.0.0.1:${listen}`, `127.0.0.1:${port}`);
    writeFileSync(join(work, `${port}.yaml`), yaml);
    const metrics = { STEPGATE_METRICS_LISTEN: `127.0.0.1:${await freePort()}` };
    // BENCH_BASE_FLAGS: other V8 flags for the second build ('' for V8's defaults), e.g. the same build twice to compare flags.
    const flags = name !== 'stepgate' && process.env.BENCH_BASE_FLAGS !== undefined ? process.env.BENCH_BASE_FLAGS.split(/\s+/).filter(Boolean) : launchFlags();
    starting.push(start(name, dir, [...flags, 'dist/cli.js', 'serve', '--config', join(work, `${port}.yaml`)], port, metrics));
  }
  const noopPort = await freePort();
  starting.push(start('no-op', ROOT, ['--import', 'tsx', join(BENCH, 'noop-server.ts'), `127.0.0.1:${noopPort}`], noopPort));
  const started = await Promise.allSettled(starting);
  for (const r of started) if (r.status === 'fulfilled') servers.push(r.value);
  for (const r of started) if (r.status === 'rejected') throw r.reason;
  // Each token seen once (verified) and once more (cached), and the decisions are the expected ones.
  for (const s of servers.filter((x) => !x.name.startsWith('no-op'))) {
    const client = new RawCheckClient(s.port);
    for (const f of frames) {
      // Under valgrind the first JWKS fetch can outlast its timeout: its failure is cached briefly, so ask again.
      for (let tries = 0; CALLGRIND && tries < 20 && decodeDecision(await client.check(f.message)).reason === 'jwks_unavailable'; tries++) {
        await new Promise((r) => setTimeout(r, 3000));
      }
      await client.check(f.message);
      const d = decodeDecision(await client.check(f.message));
      if (d.allow !== f.shape.expect.allow || d.reason !== f.shape.expect.reason) throw new Error(`${s.name}: ${f.shape.name} answered ${JSON.stringify(d)}`);
    }
    client.close();
  }
  if (process.env.BENCH_NOOP_TRANSPORT === '1') {
    // The decomposition variant (noop-server.ts, BENCH_NOOP_REPLY): stepgate's decoder and its answer
    // bytes for the first shape, sent for every request, with nothing decided; last but one, so the no-op stays last.
    const client = new RawCheckClient(servers[0]!.port);
    const replyFile = join(work, 'reply.bin');
    writeFileSync(replyFile, await client.check(frames[0]!.message));
    client.close();
    const port = await freePort();
    const flags = (process.env.BENCH_NOOP_TRANSPORT_FLAGS ?? '').split(/\s+/).filter(Boolean);
    const transport = await start('no-op + transport', ROOT, [...flags, '--import', 'tsx', join(BENCH, 'noop-server.ts'), `127.0.0.1:${port}`], port, { BENCH_NOOP_REPLY: replyFile });
    servers.splice(servers.length - 1, 0, transport);
  }
  if (CALLGRIND) {
    // Warm-ups by count (valgrind is slow even without instrumenting), then the counting starts.
    for (const s of servers) {
      for (let k = 0; k < CALLGRIND_WARMUPS; k++) for (const file of files) await instructions(s, file, CALLGRIND, false);
      callgrindControl(s, '-i', 'on');
    }
  }
  const loads = [loadavg()[0]!.toFixed(1)];
  const cpu = new Map<string, number[]>();
  const rps = new Map<string, number[]>();
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, shape] of shapes.entries()) {
      for (const s of round % 2 === 0 ? servers : [...servers].reverse()) {
        const r = await h2load(s, files[i]!);
        const key = `${shape.name}\u0000${s.name}`;
        cpu.set(key, [...(cpu.get(key) ?? []), r.cpuUs]);
        rps.set(key, [...(rps.get(key) ?? []), r.rps]);
      }
    }
    loads.push(loadavg()[0]!.toFixed(1));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(`${ROUNDS} rounds${CALLGRIND ? ` of ${CALLGRIND} requests under callgrind (figures: thousands of instructions per request, not µs)` : ''}, servers alternating; 1-min load average ${loads.join(' → ')}`);
  console.log(`| shape | ${servers.map((s) => `${s.name} CPU µs/Check`).join(' | ')} | ${servers.filter((s) => s !== servers.at(-1)).map((s) => `${s.name} / no-op by CPU`).join(' | ')} | req/s (${servers.map((s) => s.name).join(' / ')}) |`);
  console.log(`|---|${servers.map(() => '--:').join('|')}|${servers.filter((s) => s !== servers.at(-1)).map(() => '--:').join('|')}|--:|`);
  for (const shape of shapes) {
    const m = (s: Server) => median(cpu.get(`${shape.name}\u0000${s.name}`)!);
    const noop = m(servers.at(-1)!);
    const cells = servers.map((s) => {
      const xs = cpu.get(`${shape.name}\u0000${s.name}`)!;
      return `${m(s).toFixed(0)} (${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)})`;
    });
    const ratios = servers.filter((s) => s !== servers.at(-1)).map((s) => (noop / m(s)).toFixed(2));
    const reqs = servers.map((s) => median(rps.get(`${shape.name}\u0000${s.name}`)!).toFixed(0)).join(' / ');
    console.log(`| ${shape.name} | ${cells.join(' | ')} | ${ratios.join(' | ')} | ${reqs} |`);
  }
  if (ONLY === 'all') {
    // The mix per round (Σ wᵢ·µsᵢ, the weights add up to 1), then median and spread over the rounds, as run.ts does.
    const mixOf = (s: Server) => Array.from({ length: ROUNDS }, (_, r) => shapes.reduce((sum, sh) => sum + sh.weight * cpu.get(`${sh.name}\u0000${s.name}`)![r]!, 0));
    const noopMix = mixOf(servers.at(-1)!);
    const cells = servers.map((s) => {
      const xs = mixOf(s);
      return `**${median(xs).toFixed(0)}** (${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)})`;
    });
    const ratios = servers.filter((s) => s !== servers.at(-1)).map((s) => {
      const per = mixOf(s).map((x, r) => noopMix[r]! / x);
      return `**${median(per).toFixed(2)}** (${Math.min(...per).toFixed(2)}–${Math.max(...per).toFixed(2)})`;
    });
    console.log(`| weighted mix | ${cells.join(' | ')} | ${ratios.join(' | ')} | |`);
    if (BASE) {
      // The two builds paired round by round (each round runs both back to back): base µs over this tree's.
      const per = mixOf(servers[1]!).map((x, r) => x / mixOf(servers[0]!)[r]!);
      console.log(`mix, stepgate (base) CPU over stepgate CPU per round: ${per.map((x) => x.toFixed(2)).join(' ')}; median ${median(per).toFixed(2)}`);
    }
  }
} finally {
  for (const s of servers) s.proc.kill('SIGTERM');
  await issuer.close();
  if (process.env.BENCH_CALLGRIND_KEEP) cpSync(work, process.env.BENCH_CALLGRIND_KEEP, { recursive: true });
  rmSync(work, { recursive: true, force: true });
}
