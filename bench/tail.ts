/**
 * What blocks the event loop under a fixed offered rate, stepgate next to the no-op (scenario (h)'s
 * tail): both servers run with bench/loop-probe.mjs preloaded (every event-loop turn more than
 * LOOP_PROBE_MS late, and every GC with its pause, wall-clock timed), and h2load sends one shape at
 * BENCH_TAIL_RATE req/s open loop as (h) does (bench/open-loop.ts, BENCH_OPEN_LOOP=spread|burst|both), the servers
 * alternating A B, B A … Per run: the latency percentiles, the loop's stalls (count over 1 and 2
 * ms, the largest, their sum) and the GCs (scavenges and mark-compacts with their pauses), and how
 * many of the requests slower than the no-op's p99 in the same round started within 3 ms before a
 * stall or a GC of their server. With BENCH_TAIL_SHOW=N, the N largest stalls of each stepgate
 * run with their time (ms from the run's start) and the GC they overlap, to see any period.
 * Needs `npm run build`; stepgate runs with the launcher's V8 flags and its metrics listener, as in (h).
 *
 *   node --import tsx bench/tail.ts   (BENCH_TAIL_RATE=1000, BENCH_SECONDS=10, BENCH_ROUNDS=3, BENCH_TAIL_SHAPE, BENCH_OPEN_LOOP, BENCH_OPEN_LOOP_PROCESSES, BENCH_BASE_DIR: another build as a third server)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchFlags } from '../src/heap-limit.js';
import { awaitServer, CHECK_PATH, decodeDecision, RawCheckClient } from './codec.js';
import { buildFrame, configYaml, SHAPES, startIssuer } from './fixtures.js';
import { openLoopModes, openLoopPlan, runOpenLoop, sentTogether, spreadProcesses, type OpenLoopMode } from './open-loop.js';
import { freePort } from './free-port.js';
import { percentileOfSorted } from './stats.mjs';

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = join(BENCH, '..');
const RATE = Number(process.env.BENCH_TAIL_RATE ?? 1000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SHAPE = process.env.BENCH_TAIL_SHAPE ?? 'kubectl get pods (dev)';
const SHOW = Number(process.env.BENCH_TAIL_SHOW ?? 0);
const PROBE = join(BENCH, 'loop-probe.mjs');
const MODES = openLoopModes(process.env.BENCH_OPEN_LOOP);
const PROCESSES = spreadProcesses(process.env.BENCH_OPEN_LOOP_PROCESSES);

interface Server {
  name: string;
  proc: ChildProcess;
  port: number;
  probeFile: string;
}
interface Probe {
  stalls: { at: number; late_ms: number }[];
  gcs: { at: number; ms: number; kind: string }[];
}

const work = mkdtempSync(join(tmpdir(), 'stepgate-tail-'));

async function start(name: string, cwd: string, args: string[], port: number, env: NodeJS.ProcessEnv = {}): Promise<Server> {
  const probeFile = join(work, `probe-${name.replace(/\W+/g, '-')}.json`);
  const proc = spawn(process.execPath, ['--import', PROBE, ...args], { cwd, env: { ...process.env, ...env, LOOP_PROBE_OUT: probeFile }, stdio: ['ignore', 'ignore', 'inherit'] });
  await awaitServer(proc, port);
  return { name, proc, port, probeFile };
}

/** The probe's lists since the last call (SIGUSR2, then the file it writes). */
async function probe(s: Server): Promise<Probe> {
  rmSync(s.probeFile, { force: true });
  s.proc.kill('SIGUSR2');
  for (let i = 0; i < 100; i++) {
    await new Promise((r) => setTimeout(r, 50));
    try {
      return JSON.parse(readFileSync(s.probeFile, 'utf8')) as Probe;
    } catch {
      // not written yet
    }
  }
  throw new Error(`${s.name}: no probe output`);
}

/** One open-loop run as run.ts' openLoop: rows of [start µs since the epoch, status, latency µs]. */
async function openLoop(s: Server, frameFile: string, mode: OpenLoopMode): Promise<number[][]> {
  const target = [`--data=${frameFile}`, '--header=content-type: application/grpc', '--header=te: trailers', `http://127.0.0.1:${s.port}${CHECK_PATH}`];
  return runOpenLoop(openLoopPlan(mode, RATE, Math.round(RATE * SECONDS), PROCESSES), join(work, `latency-${s.port}.log`), target, (SECONDS + 30) * 1000);
}

/**
 * Groups the requests of an open-loop run into the bursts h2load sends per tick (starts less than
 * 100 µs apart, as open-loop.ts' sentTogether) and fits latency against the place in the burst: the slope is what each request
 * ahead in the same burst added, i.e. the server's time per request when they queue.
 */
function bursts(rows: number[][]): { size: number; first: number; slope: number; firstP99: number } {
  const ok = rows.filter((r) => r[1] === 200).sort((a, b) => a[0]! - b[0]!);
  const points: [number, number][] = [];
  const firsts: number[] = [];
  let n = 0;
  let count = 0;
  for (let i = 0; i < ok.length; i++) {
    if (i === 0 || ok[i]![0]! - ok[i - 1]![0]! >= 100) {
      n = 0;
      count++;
      firsts.push(ok[i]![2]!);
    }
    points.push([n++, ok[i]![2]!]);
  }
  const mx = points.reduce((a, p) => a + p[0], 0) / points.length;
  const my = points.reduce((a, p) => a + p[1], 0) / points.length;
  const sxy = points.reduce((a, p) => a + (p[0] - mx) * (p[1] - my), 0);
  const sxx = points.reduce((a, p) => a + (p[0] - mx) ** 2, 0);
  firsts.sort((a, b) => a - b);
  return { size: ok.length / Math.max(1, count), first: percentileOfSorted(firsts, 0.5), slope: sxx > 0 ? sxy / sxx : 0, firstP99: percentileOfSorted(firsts, 0.99) };
}

const slopes: { mode: OpenLoopMode; round: number; server: string; size: number; first: number; slope: number; firstP99: number; togetherP99: number }[] = [];
const issuer = await startIssuer();
const servers: Server[] = [];
try {
  const shape = SHAPES.find((s) => s.name === SHAPE);
  if (!shape) throw new Error(`no shape ${SHAPE}`);
  const frame = await buildFrame(issuer, shape, SHAPES.indexOf(shape));
  const frameFile = join(work, 'frame.grpc');
  writeFileSync(frameFile, frame.frame);
  const trees = [['stepgate', ROOT], ...(process.env.BENCH_BASE_DIR ? [['stepgate (base)', process.env.BENCH_BASE_DIR]] : [])] as const;
  for (const [name, dir] of trees) {
    const port = await freePort();
    const config = join(work, `${port}.yaml`);
    writeFileSync(config, configYaml(issuer.jwksUri, `127.0.0.1:${port}`));
    servers.push(await start(name, dir, [...launchFlags(), 'dist/cli.js', 'serve', '--config', config], port, { STEPGATE_METRICS_LISTEN: `127.0.0.1:${await freePort()}` }));
  }
  const noopPort = await freePort();
  servers.push(await start('no-op', ROOT, ['--import', 'tsx', join(BENCH, 'noop-server.ts'), `127.0.0.1:${noopPort}`], noopPort));
  for (const s of servers.slice(0, -1)) {
    const client = new RawCheckClient(s.port);
    for (let i = 0; i < 30 && decodeDecision(await client.check(frame.message)).reason === 'jwks_unavailable'; i++) await new Promise((r) => setTimeout(r, 2000));
    const d = decodeDecision(await client.check(frame.message));
    client.close();
    if (d.allow !== shape.expect.allow || d.reason !== shape.expect.reason) throw new Error(`${s.name} answered ${JSON.stringify(d)}`);
  }
  // Warm-up at the same rate, unmeasured, then the probes start from empty.
  for (const s of servers) {
    await openLoop(s, frameFile, MODES[0]!);
    await probe(s);
  }
  for (const mode of MODES) {
  console.log(`\n${SHAPE}, ${RATE} req/s open loop (${mode}) for ${SECONDS} s per run, ${ROUNDS} rounds alternating; load average ${loadavg()[0]!.toFixed(1)}`);
  console.log('| round | server | p50 / p99 / p99.9 ms | stalls > 1 / > 2 ms | largest stall ms | stall ms in all | scavenges (pause ms) | mark-compacts (pause ms) | of the slow requests*: after a stall / a GC |');
  console.log('|--:|---|---|--:|--:|--:|--:|--:|--:|');
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? servers : [...servers].reverse();
    const results = new Map<Server, { rows: number[][]; p: Probe }>();
    for (const s of order) {
      const rows = await openLoop(s, frameFile, mode);
      results.set(s, { rows, p: await probe(s) });
    }
    const noop = results.get(servers.at(-1)!)!;
    const noopP99 = percentileOfSorted(noop.rows.filter((r) => r[1] === 200).map((r) => r[2]!).sort((a, b) => a - b), 0.99);
    for (const s of servers) {
      const { rows, p: all } = results.get(s)!;
      // Only what happened while this server was measured: the probe also saw the other servers' runs.
      const from = Math.min(...rows.map((r) => r[0]!)) / 1000;
      const to = Math.max(...rows.map((r) => r[0]! + r[2]!)) / 1000;
      const p: Probe = { stalls: all.stalls.filter((x) => x.at >= from && x.at <= to), gcs: all.gcs.filter((g) => g.at >= from && g.at <= to) };
      const lat = rows.filter((r) => r[1] === 200).map((r) => r[2]!).sort((a, b) => a - b);
      const ms = (x: number) => (x / 1000).toFixed(2);
      const big = p.stalls.filter((x) => x.late_ms > 1);
      const scav = p.gcs.filter((g) => g.kind === 'scavenge');
      const majors = p.gcs.filter((g) => g.kind === 'mark-compact');
      const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
      // A slow request (over the no-op's p99 this round) started when the loop was about to stall: within 3 ms before the stall was noticed.
      const slow = rows.filter((r) => r[1] === 200 && r[2]! > noopP99).map((r) => r[0]! / 1000);
      const near = (times: number[], t: number) => times.some((x) => x >= t && x <= t + 3 + 2);
      const stallTimes = big.map((x) => x.at);
      const gcTimes = p.gcs.map((g) => g.at + g.ms);
      const b = bursts(rows);
      slopes.push({ mode, round: round + 1, server: s.name, ...b, togetherP99: sentTogether(rows.map((r) => r[0]!).sort((x, y) => x - y)).p99 });
      console.log(
        `| ${round + 1} | ${s.name} | ${ms(percentileOfSorted(lat, 0.5))} / ${ms(percentileOfSorted(lat, 0.99))} / ${ms(percentileOfSorted(lat, 0.999))} | ${big.length} / ${big.filter((x) => x.late_ms > 2).length} | ${Math.max(0, ...big.map((x) => x.late_ms)).toFixed(1)} | ${sum(big.map((x) => x.late_ms)).toFixed(0)} | ${scav.length} (${sum(scav.map((g) => g.ms)).toFixed(1)}) | ${majors.length} (${sum(majors.map((g) => g.ms)).toFixed(1)}) | ${slow.length}: ${slow.filter((t) => near(stallTimes, t)).length} / ${slow.filter((t) => near(gcTimes, t)).length} |`,
      );
      if (SHOW > 0 && s !== servers.at(-1)) {
        const t0 = from;
        const top = [...big].sort((a, b) => b.late_ms - a.late_ms).slice(0, SHOW).sort((a, b) => a.at - b.at);
        const gcAt = (t: number) => p.gcs.find((g) => g.at <= t && g.at + g.ms + 2 >= t - 1);
        console.log(`  ${s.name} largest stalls (ms into the run: late ms [GC]): ${top.map((x) => `${(x.at - t0).toFixed(0)}: ${x.late_ms}${gcAt(x.at) ? ` [${gcAt(x.at)!.kind} ${gcAt(x.at)!.ms}]` : ''}`).join(', ')}`);
      }
    }
  }
  }
  console.log("* slow: over the no-op's p99 in the same round; \"after\": the stall (or the GC's end) came 0–5 ms after the request started");
  console.log('\nRequests h2load sends together: latency by a request\'s place in its burst (requests started less than 100 µs apart)');
  console.log('| mode | round | server | requests per burst (mean) | burst size, p99 by request | latency, first of a burst ms | µs more per request ahead (least squares) | p99 of the first of each burst ms |\n|---|--:|---|--:|--:|--:|--:|--:|');
  for (const x of slopes) console.log(`| ${x.mode} | ${x.round} | ${x.server} | ${x.size.toFixed(1)} | ${x.togetherP99} | ${(x.first / 1000).toFixed(2)} | ${x.slope.toFixed(0)} | ${(x.firstP99 / 1000).toFixed(2)} |`);
} finally {
  for (const s of servers) s.proc.kill('SIGTERM');
  await issuer.close();
  rmSync(work, { recursive: true, force: true });
}
