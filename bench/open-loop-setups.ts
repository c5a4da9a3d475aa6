/**
 * (h)'s client setups compared: one server (the no-op, or stepgate with BENCH_SETUPS_SERVER=stepgate)
 * at one fixed rate, open loop with spread arrivals (bench/open-loop.ts), under several h2load
 * setups ("KxC": K processes of C connections each, the connections 1 ms apart, the processes 1/K ms
 * apart), the setups alternating round by round (A B C, C B A, …). Per run: p50/p99/p99.9, what
 * h2load achieved and how late it sent, the requests sent together, h2load's CPU and the server's
 * CPU per request (from /proc: h2load's as this process' reaped children), and the server's
 * collections (--trace-gc). It asks whether the client's own cost and its number of processes on
 * the shared cores set the no-op's tail (bench/README.md, "(h) open-loop latency: the client's part").
 * Needs `npm run build` for stepgate, which runs with the launcher's V8 flags, as in (h) (the no-op with V8's defaults).
 *
 *   node --import tsx bench/open-loop-setups.ts   (BENCH_SETUPS=3x10,1x10,2x10, BENCH_SETUPS_RATE=3000,
 *     BENCH_SETUPS_SERVER=noop|stepgate, BENCH_SECONDS=1.5, BENCH_ROUNDS=5; `chrt -r 10` on a shared machine)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchFlags } from '../src/heap-limit.js';
import { awaitServer, CHECK_PATH } from './codec.js';
import { buildFrame, configYaml, SHAPES, startIssuer } from './fixtures.js';
import { freePort } from './free-port.js';
import { achievedRps, runOpenLoop, sendLagsMs, sentTogether, SPREAD_CONNECTIONS, type H2loadProcess } from './open-loop.js';
import { median, percentileOfSorted } from './stats.mjs';

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = join(BENCH, '..');
const RATE = Number(process.env.BENCH_SETUPS_RATE ?? 3000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 1.5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SERVER = process.env.BENCH_SETUPS_SERVER ?? 'noop';
const SETUPS = (process.env.BENCH_SETUPS ?? '3x10,1x10,2x10').split(',').map((s) => {
  const m = /^(\d+)x(\d+)$/.exec(s.trim());
  if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) throw new Error(`BENCH_SETUPS: expected KxC (processes x connections), got "${s}"`);
  return { name: s.trim(), processes: Number(m[1]), connections: Number(m[2]) };
});
if (!(RATE > 0) || !(SECONDS > 0) || !(ROUNDS >= 1)) throw new Error('BENCH_SETUPS_RATE, BENCH_SECONDS and BENCH_ROUNDS must be positive');
if (SERVER !== 'noop' && SERVER !== 'stepgate') throw new Error(`BENCH_SETUPS_SERVER: expected noop or stepgate, got "${SERVER}"`);

const CLOCK_TICKS = 100;
/** utime + stime of a process (all threads), or of this process' reaped children, in seconds. */
function cpuSeconds(pid: number | 'self-children'): number {
  const f = readFileSync(`/proc/${pid === 'self-children' ? 'self' : pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
  const [u, s] = pid === 'self-children' ? [f[13], f[14]] : [f[11], f[12]];
  return (Number(u) + Number(s)) / CLOCK_TICKS;
}

/** The plan of open-loop.ts' spread mode with K processes of C connections (openLoopPlan fixes C at 10). */
function plan(processes: number, connections: number): H2loadProcess[] {
  const total = Math.round(RATE * SECONDS);
  return Array.from({ length: processes }, (_, i) => ({
    startMs: i / processes,
    requests: Math.floor(total / processes) + (i < total % processes ? 1 : 0),
    connections,
    rps: RATE / processes / connections,
    options: ['--rate=1', '--rate-period=1ms'],
  }));
}

const work = mkdtempSync(join(tmpdir(), 'stepgate-setups-'));
const issuer = await startIssuer();
const port = await freePort();
const frame = await buildFrame(issuer, SHAPES.find((s) => s.name === 'kubectl get pods (dev)')!, 0);
const frameFile = join(work, 'frame.grpc');
writeFileSync(frameFile, frame.frame);
const config = join(work, 'stepgate.yaml');
writeFileSync(config, configYaml(issuer.jwksUri, `127.0.0.1:${port}`));
const args =
  SERVER === 'noop'
    ? ['--trace-gc', '--import', 'tsx', join(BENCH, 'noop-server.ts'), `127.0.0.1:${port}`]
    : [...launchFlags(), '--trace-gc', 'dist/cli.js', 'serve', '--config', config];
const server = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, STEPGATE_METRICS_LISTEN: 'off' } });
const markCompacts: number[] = [];
server.stdout!.on('data', (b: Buffer) => {
  for (const m of b.toString().matchAll(/ms: Mark-Compact[^,]*MB, ([\d.]+) \//g)) markCompacts.push(Number(m[1]));
});
const target = [`--data=${frameFile}`, '--header=content-type: application/grpc', '--header=te: trailers', `http://127.0.0.1:${port}${CHECK_PATH}`];
const results = new Map<string, { p99: number[]; clientUs: number[]; serverUs: number[] }>(SETUPS.map((s) => [s.name, { p99: [], clientUs: [], serverUs: [] }]));
try {
  await awaitServer(server, port);
  const ms = (us: number) => (us / 1000).toFixed(2);
  console.log(`${SERVER} at ${RATE} req/s open loop (spread), ${SECONDS} s per run, ${ROUNDS} rounds alternating; load average ${loadavg()[0]!.toFixed(1)}`);
  console.log('| round | setup | p50 / p99 / p99.9 ms | achieved req/s | send lag p99 ms | sent together p99 | h2load CPU µs/req | server CPU µs/req | mark-compacts (longest ms) |\n|--:|---|---|--:|--:|--:|--:|--:|---|');
  // One unmeasured run first: the server's code warms up at this rate.
  await runOpenLoop(plan(1, SPREAD_CONNECTIONS), join(work, 'warm'), target, (SECONDS + 30) * 1000);
  for (let round = 0; round < ROUNDS; round++) {
    for (const s of round % 2 === 0 ? SETUPS : [...SETUPS].reverse()) {
      const p = plan(s.processes, s.connections);
      const [server0, client0, mc0] = [cpuSeconds(server.pid!), cpuSeconds('self-children'), markCompacts.length];
      const rows = await runOpenLoop(p, join(work, `log-${s.name}`), target, (SECONDS + 30) * 1000);
      const n = Math.max(1, rows.length);
      const clientUs = ((cpuSeconds('self-children') - client0) * 1e6) / n;
      const serverUs = ((cpuSeconds(server.pid!) - server0) * 1e6) / n;
      const lat = rows.filter((r) => r[1] === 200).map((r) => r[2]).sort((a, b) => a - b);
      const mcs = markCompacts.slice(mc0);
      const r = results.get(s.name)!;
      r.p99.push(percentileOfSorted(lat, 0.99));
      r.clientUs.push(clientUs);
      r.serverUs.push(serverUs);
      console.log(
        `| ${round + 1} | ${s.name} | ${ms(percentileOfSorted(lat, 0.5))} / ${ms(percentileOfSorted(lat, 0.99))} / ${ms(percentileOfSorted(lat, 0.999))} | ${Math.round(achievedRps(rows, p.length))} | ${percentileOfSorted(sendLagsMs(rows, p), 0.99).toFixed(2)} | ${sentTogether(rows.map((x) => x[0])).p99} | ${clientUs.toFixed(1)} | ${serverUs.toFixed(1)} | ${mcs.length}${mcs.length ? ` (${Math.max(...mcs).toFixed(1)})` : ''} |`,
      );
    }
  }
  console.log('\n| setup | p99 ms, median [min–max] | h2load CPU µs/req, median | server CPU µs/req, median |\n|---|--:|--:|--:|');
  for (const [name, r] of results) {
    console.log(`| ${name} | ${ms(median(r.p99))} [${ms(Math.min(...r.p99))}–${ms(Math.max(...r.p99))}] | ${median(r.clientUs).toFixed(1)} | ${median(r.serverUs).toFixed(1)} |`);
  }
  console.log(`load average at the end ${loadavg()[0]!.toFixed(1)}`);
} finally {
  server.kill('SIGTERM');
  await issuer.close();
  rmSync(work, { recursive: true, force: true });
}
