/**
 * What the decision log costs a served Check at the default `log.level: info`, where every step-up
 * challenge writes its `stepup.challenge` audit record (the (a) servers run at `warn` and write
 * nothing): the built server (`dist/`, so `npm run build` first) at `info` and at `warn`, each with
 * its stdout a pipe read by this process (as a container runtime reads it), driven by h2load with
 * one shape's frame for an exact number of requests. Per Check: write system calls of the whole
 * process (`syscw` in /proc/PID/io: the log's and the sockets'), bytes written to stdout, log
 * lines, and CPU from /proc. Counts do not depend on the machine's load; CPU does (A B B A rounds).
 *
 *   node --import tsx bench/log-writes.ts   (BENCH_REQUESTS=20000, BENCH_ROUNDS=4, BENCH_SHAPES: substrings,
 *                                            comma-separated, of the (a) shapes; BENCH_BASE_DIR: another build's
 *                                            dist/ at info, as a third server; BENCH_LOG_CONNECTIONS=8 as in (a);
 *                                            BENCH_LOG_RATE: req/s offered open loop, as (h), instead of the closed loop)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchFlags } from '../src/heap-limit.js';
import { awaitServer, verifyAnswers } from './codec.js';
import { buildFrame, configYaml, SHAPES, startIssuer } from './fixtures.js';
import { runCommand } from './run-command.js';
import { CHECK_PATH } from './codec.js';
import { freePort } from './free-port.js';

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = join(BENCH, '..');
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const CONNECTIONS = Number(process.env.BENCH_LOG_CONNECTIONS ?? 8);
const ONLY = (process.env.BENCH_SHAPES ?? 'kubectl get secret (aal1,grafana admin, tagged route,kubectl get pods (dev)').split(',');
const BASE = process.env.BENCH_BASE_DIR;

interface Server {
  name: string;
  proc: ChildProcess;
  port: number;
  /** Bytes and lines read from its stdout so far. */
  out: { bytes: number; lines: number };
}

function stat(pid: number): { cpu: number; syscw: number } {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
  const syscw = Number(/^syscw: (\d+)/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))?.[1]);
  return { cpu: (Number(fields[11]) + Number(fields[12])) / 100, syscw };
}

async function start(name: string, cwd: string, level: string, issuerJwks: string): Promise<Server> {
  const port = await freePort();
  const config = join(work, `${port}.yaml`);
  writeFileSync(config, configYaml(issuerJwks, `127.0.0.1:${port}`).replace('log:\n  level: warn', `log:\n  level: ${level}`));
  const proc = spawn(process.execPath, [...launchFlags(), 'dist/cli.js', 'serve', '--config', config], {
    cwd,
    env: { ...process.env, STEPGATE_METRICS_LISTEN: 'off', STEPGATE_LOG_FORMAT: 'json' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const out = { bytes: 0, lines: 0 };
  proc.stdout!.on('data', (b: Buffer) => {
    out.bytes += b.length;
    for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) out.lines++;
  });
  await awaitServer(proc, port);
  return { name, proc, port, out };
}

const work = mkdtempSync(join(tmpdir(), 'stepgate-log-writes-'));
const issuer = await startIssuer();
const servers: Server[] = [];
try {
  const shapes = SHAPES.filter((s) => ONLY.some((o) => s.name.includes(o)));
  const frames = await Promise.all(shapes.map((s) => buildFrame(issuer, s, SHAPES.indexOf(s))));
  const files = frames.map((f, i) => {
    const file = join(work, `shape-${i}.grpc`);
    writeFileSync(file, f.frame);
    return file;
  });
  servers.push(await start('info', ROOT, 'info', issuer.jwksUri));
  servers.push(await start('warn', ROOT, 'warn', issuer.jwksUri));
  if (BASE) servers.push(await start('info (base)', BASE, 'info', issuer.jwksUri));
  await verifyAnswers(servers, frames);
  // BENCH_LOG_RATE: a fixed offered rate (req/s, open loop as (h)) instead of the closed loop, where records come one or two per turn.
  const rate = process.env.BENCH_LOG_RATE ? [`--rps=${(Number(process.env.BENCH_LOG_RATE) / CONNECTIONS).toFixed(3)}`] : [];
  const h2load = (s: Server, file: string, n: number) =>
    runCommand(
      'h2load',
      [...rate, `--requests=${n}`, `--clients=${CONNECTIONS}`, '--max-concurrent-streams=16', '--threads=1', `--data=${file}`, '--header=content-type: application/grpc', '--header=te: trailers', `http://127.0.0.1:${s.port}${CHECK_PATH}`],
      300_000,
    );
  // Warm-up: the JIT, and each server's first records.
  for (const s of servers) for (const file of files) await h2load(s, file, Math.min(REQUESTS, 5000));
  const rows = new Map<string, { cpu: number[]; syscw: number[]; bytes: number[]; lines: number[] }>();
  const loads = [loadavg()[0]!.toFixed(1)];
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, shape] of shapes.entries()) {
      for (const s of round % 2 === 0 ? servers : [...servers].reverse()) {
        // Let the pipe drain what earlier runs wrote, so each run's lines are its own.
        await new Promise((r) => setTimeout(r, 200));
        const before = stat(s.proc.pid!);
        const out0 = { ...s.out };
        await h2load(s, files[i]!, REQUESTS);
        await new Promise((r) => setTimeout(r, 200));
        const after = stat(s.proc.pid!);
        const key = `${shape.name}\u0000${s.name}`;
        const row = rows.get(key) ?? { cpu: [], syscw: [], bytes: [], lines: [] };
        row.cpu.push(((after.cpu - before.cpu) * 1e6) / REQUESTS);
        row.syscw.push((after.syscw - before.syscw) / REQUESTS);
        row.bytes.push((s.out.bytes - out0.bytes) / REQUESTS);
        row.lines.push((s.out.lines - out0.lines) / REQUESTS);
        rows.set(key, row);
      }
    }
    loads.push(loadavg()[0]!.toFixed(1));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const cell = (xs: number[], d: number) => `${median(xs).toFixed(d)} (${Math.min(...xs).toFixed(d)}–${Math.max(...xs).toFixed(d)})`;
  console.log(`${ROUNDS} rounds of ${REQUESTS} requests (h2load, ${CONNECTIONS} connections × 16 streams${rate.length > 0 ? `, ${process.env.BENCH_LOG_RATE} req/s open loop` : ''}), servers alternating; 1-min load average ${loads.join(' → ')}`);
  console.log('| shape | server | write syscalls / Check | stdout bytes / Check | log lines / Check | CPU µs / Check |\n|---|---|--:|--:|--:|--:|');
  for (const shape of shapes) {
    for (const s of servers) {
      const r = rows.get(`${shape.name}\u0000${s.name}`)!;
      console.log(`| ${shape.name} | ${s.name} | ${cell(r.syscw, 3)} | ${cell(r.bytes, 0)} | ${cell(r.lines, 3)} | ${cell(r.cpu, 0)} |`);
    }
  }
} finally {
  for (const s of servers) s.proc.kill('SIGTERM');
  await issuer.close();
  rmSync(work, { recursive: true, force: true });
}
