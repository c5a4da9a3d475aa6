/**
 * `stepgate replay` throughput and peak memory on a large audit log (issue 15).
 *
 *   npx tsx bench/replay.ts [events=1000000]
 *
 * Generates the audit log kube-apiserver would have written for the replayed working day of
 * test/support/workday.ts (twenty engineers, CI, the incident, the attacks), repeated day after
 * day until it holds `events` lines (a quarter of the requests with both RequestReceived and
 * ResponseComplete stages, as with an audit policy that does not omit RequestReceived), gzipped.
 * Then runs the real CLI (`stepgate replay --format json`, examples/stepgate.yaml, risk engine on)
 * in its own process and reports wall time, CPU time, events per minute and peak RSS.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createGzip, constants } from 'node:zlib';
import { auditLines } from '../test/support/audit-log.js';
import { workday, type DayEvent } from '../test/support/workday.js';

const target = Number(process.argv[2] ?? 1_000_000);
const dir = mkdtempSync(join(tmpdir(), 'stepgate-replay-bench-'));
const file = join(dir, 'audit.log.gz');
const DAY = 86_400_000;

async function generate(): Promise<{ events: number; requests: number; days: number }> {
  const day: DayEvent[] = workday();
  const gz = createGzip({ level: constants.Z_BEST_SPEED });
  const out = createWriteStream(file);
  gz.pipe(out);
  let events = 0;
  let requests = 0;
  let copy = 0;
  let buf: string[] = [];
  const flush = async () => {
    if (!gz.write(`${buf.join('\n')}\n`)) await new Promise((r) => gz.once('drain', r));
    buf = [];
  };
  while (events < target) {
    const shift = copy * 2 * DAY;
    for (const e of day) {
      if (events >= target) break;
      const login = { ...e.login, authTime: e.login.authTime === undefined ? undefined : e.login.authTime + shift / 1000, sid: `${e.login.sid}:${copy}` };
      const both = requests % 4 === 0 && events + 2 <= target;
      const lines = auditLines({ at: e.at + shift, method: e.method, target: e.path, ip: e.ip, ua: e.ua, login }, `${copy}-${requests}`, { stages: both ? ['RequestReceived', 'ResponseComplete'] : ['ResponseComplete'] });
      buf.push(...lines);
      events += lines.length;
      requests++;
      if (buf.length >= 2000) await flush();
    }
    copy++;
  }
  await flush();
  gz.end();
  await new Promise<void>((r) => out.once('close', () => r()));
  return { events, requests, days: copy * 2 };
}

async function timed(): Promise<{ wallMs: number; userS: number; sysS: number; maxRssKb: number; report: { input: { events: number; requests: number; stages_deduplicated: number }; totals: Record<string, number>; days: unknown[] } }> {
  // GNU time measures the replay process itself: user and system CPU, and its peak resident set.
  const args = ['-f', '%U %S %M', process.execPath, '--import', 'tsx', 'src/cli.ts', 'replay', '--config', 'examples/stepgate.yaml', '--audit-log', file, '--format', 'json', '--strip-prefix', 'oidc:'];
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn('/usr/bin/time', args, { cwd: new URL('../', import.meta.url).pathname, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('exit', (code) => {
      const wallMs = performance.now() - t0;
      const lines = Buffer.concat(err).toString('utf8').trim().split('\n');
      const [u, s, m] = lines.at(-1)!.split(' ').map(Number);
      if (code !== 0) return reject(new Error(`replay exited ${code}: ${lines.join('\n')}`));
      resolve({ wallMs, userS: u!, sysS: s!, maxRssKb: m!, report: JSON.parse(Buffer.concat(out).toString('utf8')) });
    });
  });
}

const g0 = performance.now();
const gen = await generate();
const genS = (performance.now() - g0) / 1000;
console.log(`generated ${gen.events} events (${gen.requests} requests, ${gen.days} days of the working day) in ${genS.toFixed(1)} s: ${(statSync(file).size / 1e6).toFixed(1)} MB gzipped`);
const r = await timed();
const cpu = r.userS + r.sysS;
const perMinCpu = Math.round((gen.events / cpu) * 60);
const perMinWall = Math.round((gen.events / (r.wallMs / 1000)) * 60);
console.log(
  JSON.stringify(
    {
      events: r.report.input.events,
      requests: r.report.input.requests,
      stages_deduplicated: r.report.input.stages_deduplicated,
      user_days: r.report.days.length,
      totals: r.report.totals,
      wall_s: Number((r.wallMs / 1000).toFixed(1)),
      cpu_s: Number(cpu.toFixed(1)),
      events_per_minute_cpu: perMinCpu,
      events_per_minute_wall: perMinWall,
      peak_rss_mb: Number((r.maxRssKb / 1024).toFixed(0)),
      load_average: (await import('node:os')).loadavg().map((x) => Number(x.toFixed(2))),
    },
    null,
    2,
  ),
);
rmSync(dir, { recursive: true, force: true });
