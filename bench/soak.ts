import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { heapLimitMiB } from '../src/heap-limit.js';
import { CHECK_PATH, decodeDecision, RawCheckClient } from './codec.js';
import { buildFrame, configYaml, SHAPES, type Frame, type Issuer, type Shape } from './fixtures.js';
import { startBenchRedis, type BenchRedis } from './redis.js';
import { median, percentileOfSorted as percentile } from './stats.mjs';

/**
 * Scenario (s): the soak with a Redis outage (issue 17). One stepgate process with the risk
 * engine's state in Redis (`on_state_error: fail_closed`) and the V8 heap limit the launcher
 * derives for the Deployment's 384 MiB memory limit, under a fixed open-loop rate from h2load's
 * `--rps` (one h2load per request shape, all at once), for BENCH_SOAK_SECONDS. Part way
 * through, redis-server is killed (SIGKILL, or frozen with SIGSTOP) for BENCH_SOAK_OUTAGE_SECONDS
 * and brought back. Every second: answers by decision and reason (stepgate's own counters,
 * scraped), answers per shape (each shape is the only one its rule matches), wrong allows, state
 * errors, shed Checks, RSS, and what h2load saw (requests started, failed, latency).
 *
 * The three shapes and what each must get:
 * - A `kubectl get pods (dev)`, aal1, rule `default`, not sensitive: allowed while its address and
 *   device are known (learned up front by an aal2 request, as after a step-up); while the state
 *   cannot be read it is assessed with every address and device new (score 35, band `elevated`:
 *   aal2 needed) and challenged, `acr_insufficient`.
 * - B `kubectl get secret (prod, aal2)`, rule `secrets`, sensitive: allowed with state; refused
 *   with `state_unavailable` without (fail_closed).
 * - C `grafana admin, tagged route (aal1: step-up)`, rule `grafana-tagged-admin`: needs aal2 and
 *   has aal1, so never allowed; without state `state_unavailable` (sensitive).
 *
 * A wrong allow is (1) any allow of C, at any time, or (2) any allow counted in a second that lies
 * wholly inside the outage, from 1 s after the signal (answers already computed from state read
 * before it may still be leaving) until Redis answers again: every request the soak sends depends
 * on state it cannot read then, so each one must be refused or challenged.
 */

export interface SoakHarness {
  /** Starts `node args…` (cwd: the repository) on `port` and waits until it accepts HTTP/2. */
  startServer(args: string[], port: number, env: NodeJS.ProcessEnv): Promise<{ proc: ChildProcess; output(): string }>;
  stop(c: { proc: ChildProcess }): Promise<void>;
  freePort(): Promise<number>;
  /** Registers a process for the bench's emergency stop. */
  helper(p: ChildProcess): void;
}

export interface SoakSettings {
  seconds: number;
  rate: number;
  outageSeconds: number;
  /** Seconds after the start at which Redis goes away. */
  killAt: number;
  signal: 'SIGKILL' | 'SIGSTOP';
  heapMiB: number;
}

export function soakSettings(env: NodeJS.ProcessEnv = process.env): SoakSettings {
  const seconds = Number(env.BENCH_SOAK_SECONDS ?? 600);
  const outageSeconds = Number(env.BENCH_SOAK_OUTAGE_SECONDS ?? 20);
  const rate = Number(env.BENCH_SOAK_RATE ?? 2400);
  const signal = (env.BENCH_SOAK_SIGNAL ?? 'SIGKILL').toUpperCase();
  if (signal !== 'SIGKILL' && signal !== 'SIGSTOP') throw new Error(`BENCH_SOAK_SIGNAL: SIGKILL or SIGSTOP, got ${signal}`);
  if (!(seconds >= 30) || !(outageSeconds >= 1) || !(rate >= 10)) throw new Error('BENCH_SOAK_SECONDS ≥ 30, BENCH_SOAK_OUTAGE_SECONDS ≥ 1 and BENCH_SOAK_RATE ≥ 10');
  // Mid-run, leaving at least as long after the outage as before it for recovery and the RSS trend.
  const killAt = Number(env.BENCH_SOAK_KILL_AT ?? Math.max(10, Math.floor((seconds - outageSeconds) / 2)));
  if (killAt + outageSeconds + 10 > seconds) throw new Error('the outage must end at least 10 s before the soak does');
  // What the launcher (src/heap-limit.ts) gives a 384 MiB container (deploy/base/deployment.yaml).
  const heapMiB = Number(env.BENCH_SOAK_HEAP_MIB ?? heapLimitMiB(384 * 1048576));
  return { seconds, rate, outageSeconds, killAt, signal, heapMiB };
}

interface SoakShape {
  key: 'A' | 'B' | 'C';
  shape: Shape;
  rule: string;
  /** Share of the offered rate. */
  share: number;
}

const SOAK_SHAPES: readonly SoakShape[] = [
  { key: 'A', shape: SHAPES.find((s) => s.name === 'kubectl get pods (dev)')!, rule: 'default', share: 0.5 },
  { key: 'B', shape: SHAPES.find((s) => s.name === 'kubectl get secret (prod, aal2)')!, rule: 'secrets', share: 0.3 },
  { key: 'C', shape: SHAPES.find((s) => s.name === 'grafana admin, tagged route (aal1: step-up)')!, rule: 'grafana-tagged-admin', share: 0.2 },
];
/** h2load connections per shape; the per-connection rate is the shape's rate / this. */
const CLIENTS = 2;

export interface SoakSecond {
  /** End of the interval, seconds since the load started (intervals are ~1 s: one scrape each). */
  t: number;
  phase: 'before' | 'outage' | 'edge' | 'after';
  /** Requests h2load started in this interval, failed ones (no answer, or not HTTP 200), and their latency (ms). */
  offered: number;
  failed: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  /** Answers by `decision:reason` (stepgate_decisions_total), and shed Checks (`deny:overloaded`). */
  answers: Record<string, number>;
  /** Per shape: allow / stepup / deny (stepgate_rule_decisions_total of the shape's rule). */
  shapes: Record<string, { allow: number; stepup: number; deny: number }>;
  allow_fraction: number;
  wrong_allows: number;
  state_errors: number;
  rss_mib: number;
}

export interface SoakResult {
  settings: SoakSettings & { shapes: { key: string; shape: string; rule: string; rate: number }[]; clients_per_shape: number };
  redis_version: string;
  /** Seconds since the start: the signal, and when Redis answered PING again (restarted from its snapshot, or SIGCONT). */
  outage: { signal_at: number; back_at: number };
  seconds: SoakSecond[];
  summary: {
    offered: number;
    answered: number;
    failed: number;
    wrong_allows: number;
    /** Allows in the outage's seconds (part of wrong_allows), answers in them, and how they were refused. */
    outage_allows: number;
    outage_answers: Record<string, number>;
    fail_closed_held: boolean;
    state_errors: number;
    shed: number;
    /** Median allow fraction before the outage, and seconds from Redis answering again to the end of the first second back at ≥ 95 % of it. */
    allow_fraction_before: number;
    recovery_seconds: number | null;
    rss_mib: { after_warmup: number; max: number; end: number; peak_vmhwm: number; slope_mib_per_min_second_half: number };
    latency_ms: { p50_before: number; p99_before: number; p99_after_recovery: number };
    load_average: number[][];
  };
}

/** One scrape of the counters the soak follows. */
interface Sample {
  at: number;
  decisions: Map<string, number>;
  rules: Map<string, number>;
  stateErrors: number;
  shed: number;
  rssMiB: number;
}

function parseSample(text: string, at: number, rssMiB: number): Sample {
  const decisions = new Map<string, number>();
  const rules = new Map<string, number>();
  let stateErrors = 0;
  let shed = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line === '') continue;
    const m = /^(\w+)(?:\{([^}]*)\})? (\S+)/.exec(line);
    if (!m) continue;
    const [, name, labelText = '', value] = m;
    const labels = Object.fromEntries([...labelText.matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1]!, x[2]!]));
    const v = Number(value);
    if (name === 'stepgate_decisions_total') {
      const k = `${labels.decision}:${labels.reason}`;
      decisions.set(k, (decisions.get(k) ?? 0) + v);
    } else if (name === 'stepgate_rule_decisions_total' && labels.mode !== 'shadow') {
      const k = `${labels.rule}:${labels.decision}`;
      rules.set(k, (rules.get(k) ?? 0) + v);
    } else if (name === 'stepgate_state_errors_total') {
      stateErrors += v;
    } else if (name === 'stepgate_checks_shed_total') {
      shed += v;
    }
  }
  return { at, decisions, rules, stateErrors, shed, rssMiB };
}

function status(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Math.round((Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN) / 1024) * 10) / 10;
}

const r1 = (x: number) => Math.round(x * 10) / 10;
const r2 = (x: number) => Math.round(x * 100) / 100;

/** Least-squares slope of y over x. */
function slope(points: [number, number][]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const num = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const den = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

/** Sends each frame once and checks the answer (grpc-js: h2load cannot see gRPC outcomes). */
async function expectDecisions(port: number, frames: readonly { frame: Frame; allow: boolean; reason: string }[]): Promise<void> {
  const client = new RawCheckClient(port);
  try {
    for (const f of frames) {
      const d = decodeDecision(await client.check(f.frame.message));
      if (d.allow !== f.allow || d.reason !== f.reason) {
        throw new Error(`(s) ${f.frame.shape.name}: got ${d.allow ? 'allow' : 'deny'} ${d.reason}, expected ${f.allow ? 'allow' : 'deny'} ${f.reason}`);
      }
    }
  } finally {
    client.close();
  }
}

/**
 * On a busy machine a fresh server may not have its issuer's keys yet (the first fetch can time
 * out): ask with a frame nobody measures until it has (jwks_unavailable is never cached).
 */
async function waitForKeys(port: number, issuer: Issuer): Promise<void> {
  const probe = await buildFrame(issuer, SOAK_SHAPES[0]!.shape, 9_998);
  const client = new RawCheckClient(port);
  try {
    for (let i = 0; i < 30; i++) {
      if (decodeDecision(await client.check(probe.message)).reason !== 'jwks_unavailable') return;
      await new Promise((r) => setTimeout(r, 2_000));
    }
    throw new Error("(s) stepgate did not fetch the issuer's keys within a minute");
  } finally {
    client.close();
  }
}

/**
 * Starts one h2load that sends `frameFile` at `rate` req/s (open loop) for `seconds`, logging every
 * request. `--rps`, not a timing script: h2load schedules a timing script's request relative to
 * when it actually sent the previous one, so every late timer delays all the rest (on a loaded
 * 2-core machine a 10-second script for 1,200 req/s took 22 s), which over ten minutes would
 * lower the offered rate by an unknown amount. `--rps` counts the requests due from the time
 * elapsed since the start on every tick (10 ms), so the rate holds over the run; it sends them in
 * small bursts per tick. The rate is what the table's `offered` column shows, per second.
 */
function startOpenLoop(port: number, frameFile: string, rate: number, seconds: number, work: string, key: string): { done: Promise<string>; log: string; proc: ChildProcess } {
  const total = Math.max(CLIENTS, Math.round(rate * seconds));
  const url = `http://127.0.0.1:${port}${CHECK_PATH}`;
  const log = join(work, `soak-${key}.log`);
  rmSync(log, { force: true });
  // Many streams per connection: in an open loop the requests in flight grow with latency (an
  // outage with SIGSTOP holds each one for state.timeout_ms), and h2load must not hold back requests.
  const proc = spawn(
    'h2load',
    [`--rps=${(rate / CLIENTS).toFixed(3)}`, `--requests=${total}`, `--clients=${CLIENTS}`, '--max-concurrent-streams=1000', '--threads=1', `--data=${frameFile}`,
      '--header=content-type: application/grpc', '--header=te: trailers', `--log-file=${log}`, url],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  proc.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  proc.stderr!.on('data', (b: Buffer) => (out = (out + b.toString()).slice(-8000)));
  const done = new Promise<string>((resolve, reject) => {
    // Behind by more than the soak's own length: stepgate (or the machine) cannot take this rate.
    const timer = setTimeout(() => {
      out += `\nstopped after ${2 * seconds + 120} s: the server did not keep up with ${Math.round(rate)} req/s (BENCH_SOAK_RATE)`;
      proc.kill('SIGKILL');
    }, (2 * seconds + 120) * 1000);
    proc.once('error', reject);
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`h2load (s, shape ${key}) failed (${signal ?? code}):\n${out.slice(-3000)}`));
    });
  });
  return { done, log, proc };
}

export async function soakScenario(h: SoakHarness, issuer: Issuer, work: string, s: SoakSettings = soakSettings()): Promise<SoakResult> {
  console.error(`running (s) soak: ${s.rate} req/s for ${s.seconds} s, redis-server ${s.signal === 'SIGKILL' ? 'killed' : 'stopped'} at ${s.killAt} s for ${s.outageSeconds} s…`);
  const frames = await Promise.all(SOAK_SHAPES.map((x, i) => buildFrame(issuer, x.shape, 900 + i)));
  // The same subject, address and device with a fresh aal2 token: a completed step-up, which
  // makes them known (as in (e)).
  const learn = await Promise.all(
    SOAK_SHAPES.map((x, i) => buildFrame(issuer, { ...x.shape, level: 'aal2', expect: { allow: true, reason: 'allowed' } }, 900 + i)),
  );
  const files = frames.map((f, i) => {
    const file = join(work, `soak-${SOAK_SHAPES[i]!.key}.grpc`);
    writeFileSync(file, f.frame);
    return file;
  });
  const redisDir = join(work, 'redis-soak');
  mkdirSync(redisDir);
  const redisPort = await h.freePort();
  let redis: BenchRedis = await startBenchRedis(redisPort, redisDir);
  h.helper(redis.proc);
  const [port, metricsPort] = [await h.freePort(), await h.freePort()];
  const file = join(work, 'soak.yaml');
  writeFileSync(file, configYaml(issuer.jwksUri, `127.0.0.1:${port}`, { store: 'redis', redisUrl: redis.url }));
  const sg = await h.startServer([`--max-old-space-size=${s.heapMiB}`, 'dist/cli.js', 'serve', '--config', file], port, {
    STEPGATE_METRICS_LISTEN: `127.0.0.1:${metricsPort}`,
    STEPGATE_HEAP_LIMIT: 'off',
  });
  const pid = sg.proc.pid!;
  const loads: number[][] = [];
  const { loadavg } = await import('node:os');
  try {
    await waitForKeys(port, issuer);
    await expectDecisions(port, learn.map((frame) => ({ frame, allow: true, reason: 'allowed' })));
    // Learning lands after the allow is answered (one more script call): give it time, then check
    // that the shapes are decided as they must be with state.
    await new Promise((r) => setTimeout(r, 500));
    const withState = frames.map((frame, i) => ({ frame, allow: i < 2, reason: i < 2 ? 'allowed' : 'acr_insufficient' }));
    await expectDecisions(port, withState);
    const version = await redis.version();
    loads.push(loadavg().map(r2));

    const scrape = async (): Promise<Sample> => {
      const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`, { signal: AbortSignal.timeout(5_000) });
      const text = await res.text();
      return parseSample(text, Date.now(), status(pid, 'VmRSS'));
    };
    const samples: Sample[] = [];
    const started = Date.now();
    samples.push(await scrape());
    const loadRuns = SOAK_SHAPES.map((x, i) => startOpenLoop(port, files[i]!, s.rate * x.share, s.seconds, work, x.key));
    let signalAt = NaN;
    let backAt = NaN;
    let finished = false;
    const all = Promise.all(loadRuns.map((r) => r.done)).finally(() => (finished = true));
    all.catch(() => undefined);

    // The outage, on its own schedule beside the sampling loop.
    const outage = (async () => {
      await new Promise((r) => setTimeout(r, s.killAt * 1000 - (Date.now() - started)));
      if (s.signal === 'SIGKILL') {
        // Redis with persistence comes back with its data: the snapshot is taken just before the
        // kill, as the last periodic one would have been. Without it every learned address and
        // device would be gone, and the soak would measure re-learning, not recovery.
        await redis.admin.save();
        redis.admin.disconnect();
      }
      signalAt = Date.now();
      redis.proc.kill(s.signal);
      console.error(`(s) redis-server ${s.signal} at ${((signalAt - started) / 1000).toFixed(1)} s`);
      await new Promise((r) => setTimeout(r, s.outageSeconds * 1000));
      if (s.signal === 'SIGKILL') {
        redis = await startBenchRedis(redisPort, redisDir);
        h.helper(redis.proc);
      } else {
        redis.proc.kill('SIGCONT');
        await redis.admin.ping();
      }
      backAt = Date.now();
      console.error(`(s) redis-server back at ${((backAt - started) / 1000).toFixed(1)} s`);
    })();

    // One scrape a second until every h2load is done.
    let next = started + 1000;
    while (!finished) {
      await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
      next += 1000;
      if (finished) break;
      samples.push(await scrape());
      if (samples.length % 30 === 0) loads.push(loadavg().map(r2));
      if (samples.length % 10 === 0) {
        const [a, b] = [samples.at(-11) ?? samples[0]!, samples.at(-1)!];
        const count = (m: Map<string, number>, prefix = '') => [...m].filter(([k]) => k.startsWith(prefix)).reduce((p, [, v]) => p + v, 0);
        const dt = (b.at - a.at) / 1000;
        console.error(
          `(s) ${Math.round((b.at - started) / 1000)} s: ${Math.round((count(b.decisions) - count(a.decisions)) / dt)} answers/s, ` +
            `${Math.round((count(b.decisions, 'allow:') - count(a.decisions, 'allow:')) / dt)} allows/s, state errors ${b.stateErrors - a.stateErrors}, shed ${b.shed - a.shed}, RSS ${b.rssMiB} MiB`,
        );
      }
    }
    const h2out = await all;
    await outage;
    samples.push(await scrape());
    loads.push(loadavg().map(r2));
    const peak = status(pid, 'VmHWM');
    // After the load: with Redis back and its data restored, the same decisions as before.
    await expectDecisions(port, withState);

    return summarise(s, version, started, signalAt, backAt, samples, loadRuns.map((r) => r.log), h2out, peak, loads);
  } finally {
    await h.stop(sg).catch(() => undefined);
    await redis.stop().catch(() => undefined);
  }
}

function summarise(
  s: SoakSettings,
  version: string,
  started: number,
  signalAt: number,
  backAt: number,
  samples: Sample[],
  logs: string[],
  h2out: string[],
  peak: number,
  loads: number[][],
): SoakResult {
  // h2load's log: start (µs since the epoch), HTTP status, µs until the response ended.
  const requests: [number, number, number][] = [];
  for (const log of logs) {
    for (const line of readFileSync(log, 'utf8').split('\n')) {
      if (line === '') continue;
      const [start, code, us] = line.split('\t').map(Number);
      requests.push([start! / 1000, code!, us! / 1000]);
    }
  }
  requests.sort((a, b) => a[0] - b[0]);
  let notLogged = 0;
  for (const out of h2out) {
    const m = /requests: (\d+) total, \d+ started, (\d+) done/.exec(out);
    if (m) notLogged += Number(m[1]) - Number(m[2]);
  }
  const strictFrom = signalAt + 1000;
  const seconds: SoakSecond[] = [];
  let k = 0;
  for (let i = 1; i < samples.length; i++) {
    const [a, b] = [samples[i - 1]!, samples[i]!];
    const lat: number[] = [];
    let failed = 0;
    while (k < requests.length && requests[k]![0] < b.at) {
      const [, code, ms] = requests[k]!;
      if (code === 200) lat.push(ms);
      else failed++;
      k++;
    }
    lat.sort((x, y) => x - y);
    const answers: Record<string, number> = {};
    for (const [key, v] of b.decisions) {
      const d = v - (a.decisions.get(key) ?? 0);
      if (d > 0) answers[key] = d;
    }
    const shedDelta = b.shed - a.shed;
    if (shedDelta > 0) answers['deny:overloaded'] = shedDelta;
    const shapes: SoakSecond['shapes'] = {};
    for (const x of SOAK_SHAPES) {
      const d = (kind: string) => (b.rules.get(`${x.rule}:${kind}`) ?? 0) - (a.rules.get(`${x.rule}:${kind}`) ?? 0);
      shapes[x.key] = { allow: d('allow'), stepup: d('stepup'), deny: d('deny') };
    }
    const total = Object.values(answers).reduce((p, q) => p + q, 0);
    const allows = Object.entries(answers).filter(([key]) => key.startsWith('allow:')).reduce((p, [, q]) => p + q, 0);
    const phase: SoakSecond['phase'] =
      b.at <= signalAt ? 'before' : a.at >= strictFrom && b.at <= backAt ? 'outage' : a.at >= backAt ? 'after' : 'edge';
    seconds.push({
      t: r1((b.at - started) / 1000),
      phase,
      offered: lat.length + failed,
      failed,
      p50_ms: r2(percentile(lat, 0.5)),
      p99_ms: r2(percentile(lat, 0.99)),
      max_ms: r2(lat.at(-1) ?? NaN),
      answers,
      shapes,
      allow_fraction: total ? Math.round((allows / total) * 1000) / 1000 : 0,
      wrong_allows: shapes.C!.allow + (phase === 'outage' ? allows : 0),
      state_errors: b.stateErrors - a.stateErrors,
      rss_mib: b.rssMiB,
    });
  }
  // Warm-up: the first 5 s are left out of the "before" level and of the RSS baseline.
  const before = seconds.filter((x) => x.phase === 'before' && x.t > 5);
  const level = median(before.map((x) => x.allow_fraction));
  const backT = (backAt - started) / 1000;
  const recovered = seconds.find((x) => x.phase === 'after' && x.allow_fraction >= 0.95 * level);
  const outageRows = seconds.filter((x) => x.phase === 'outage');
  const outageAnswers: Record<string, number> = {};
  for (const row of outageRows) for (const [key, v] of Object.entries(row.answers)) outageAnswers[key] = (outageAnswers[key] ?? 0) + v;
  const outageAllows = Object.entries(outageAnswers).filter(([key]) => key.startsWith('allow:')).reduce((p, [, q]) => p + q, 0);
  const half = seconds.filter((x) => x.t >= s.seconds / 2);
  const afterRecovery = recovered ? seconds.filter((x) => x.t > recovered.t + 5) : [];
  const sum = (f: (x: SoakSecond) => number) => seconds.reduce((p, x) => p + f(x), 0);
  const wrong = sum((x) => x.wrong_allows);
  const shares = SOAK_SHAPES.map((x) => ({ key: x.key, shape: x.shape.name, rule: x.rule, rate: Math.round(s.rate * x.share) }));
  return {
    settings: { ...s, shapes: shares, clients_per_shape: CLIENTS },
    redis_version: version,
    outage: { signal_at: r1((signalAt - started) / 1000), back_at: r1(backT) },
    seconds,
    summary: {
      offered: sum((x) => x.offered) + notLogged,
      answered: sum((x) => Object.values(x.answers).reduce((p, q) => p + q, 0)),
      failed: sum((x) => x.failed) + notLogged,
      wrong_allows: wrong,
      outage_allows: outageAllows,
      outage_answers: outageAnswers,
      // Held when nothing was allowed in the outage and every request in it got an answer.
      fail_closed_held: outageAllows === 0 && wrong === 0 && outageRows.length > 0 && outageRows.every((x) => x.failed === 0),
      state_errors: sum((x) => x.state_errors),
      shed: sum((x) => x.answers['deny:overloaded'] ?? 0),
      allow_fraction_before: level,
      recovery_seconds: recovered ? r1(recovered.t - backT) : null,
      rss_mib: {
        after_warmup: before[0]?.rss_mib ?? NaN,
        max: Math.max(...seconds.map((x) => x.rss_mib)),
        end: seconds.at(-1)?.rss_mib ?? NaN,
        peak_vmhwm: peak,
        slope_mib_per_min_second_half: r2(slope(half.map((x) => [x.t / 60, x.rss_mib]))),
      },
      latency_ms: {
        p50_before: r2(median(before.map((x) => x.p50_ms))),
        p99_before: r2(median(before.map((x) => x.p99_ms))),
        p99_after_recovery: r2(median(afterRecovery.map((x) => x.p99_ms))),
      },
      load_average: loads,
    },
  };
}

/** The printed table: every second around the outage, 10-second groups elsewhere; all seconds are in results.json. */
export function soakTable(r: SoakResult): string[] {
  const s = r.settings;
  const sm = r.summary;
  const fmt = (x: number) => (Number.isFinite(x) ? x.toLocaleString('en-US', { maximumFractionDigits: 2 }) : '–');
  const reasons = (a: Record<string, number>) =>
    Object.entries(a)
      .sort((x, y) => y[1] - x[1])
      .map(([k, v]) => `${k.replace(/^(allow|deny):/, '')} ${v}`)
      .join(', ');
  const lines = [
    '',
    `(s) soak: ${s.rate} req/s open loop (h2load --rps, ${s.clients_per_shape} connections per shape; ${s.shapes.map((x) => `${x.key} ${x.shape} ${x.rate}/s`).join('; ')}) for ${s.seconds} s; ` +
      `risk state in Redis ${r.redis_version}, on_state_error fail_closed; V8 heap limit ${s.heapMiB} MiB; redis-server ${s.signal} at ${r.outage.signal_at} s, answering again at ${r.outage.back_at} s`,
    '',
    '| t (s) | phase | offered | failed | p50 ms | p99 ms | answers | A allow/stepup/deny | B | C | allow % | wrong allows | state errors | RSS MiB |',
    '|--:|---|--:|--:|--:|--:|---|---|---|---|--:|--:|--:|--:|',
  ];
  const row = (label: string, xs: SoakSecond[]) => {
    const add = (f: (x: SoakSecond) => number) => xs.reduce((p, x) => p + f(x), 0);
    const answers: Record<string, number> = {};
    for (const x of xs) for (const [k, v] of Object.entries(x.answers)) answers[k] = (answers[k] ?? 0) + v;
    const shape = (key: string) => `${add((x) => x.shapes[key]!.allow)}/${add((x) => x.shapes[key]!.stepup)}/${add((x) => x.shapes[key]!.deny)}`;
    const total = Object.values(answers).reduce((p, q) => p + q, 0);
    const allows = Object.entries(answers).filter(([k]) => k.startsWith('allow:')).reduce((p, [, q]) => p + q, 0);
    const phases = [...new Set(xs.map((x) => x.phase))].join('+');
    lines.push(
      `| ${label} | ${phases} | ${add((x) => x.offered)} | ${add((x) => x.failed)} | ${fmt(median(xs.map((x) => x.p50_ms)))} | ${fmt(Math.max(...xs.map((x) => x.p99_ms).filter(Number.isFinite)))} | ${reasons(answers)} | ${shape('A')} | ${shape('B')} | ${shape('C')} | ${total ? Math.round((100 * allows) / total) : 0} | ${add((x) => x.wrong_allows)} | ${add((x) => x.state_errors)} | ${Math.max(...xs.map((x) => x.rss_mib))} |`,
    );
  };
  const from = r.outage.signal_at - 5;
  const to = r.outage.back_at + 15;
  let group: SoakSecond[] = [];
  const flush = () => {
    if (group.length) row(`${group[0]!.t}–${group.at(-1)!.t}`, group);
    group = [];
  };
  for (const x of r.seconds) {
    if (x.t >= from && x.t <= to) {
      flush();
      row(String(x.t), [x]);
    } else {
      group.push(x);
      if (group.length === 10) flush();
    }
  }
  flush();
  lines.push(
    '',
    `wrong allows **${sm.wrong_allows}** (C allowed ever, or any allow in a second wholly inside the outage); fail-closed held: **${sm.fail_closed_held ? 'yes' : 'NO'}** ` +
      `(outage answers: ${reasons(sm.outage_answers) || 'none'}); recovery **${sm.recovery_seconds ?? 'not reached'} s** after Redis answered again ` +
      `(allow share back to ≥ 95 % of ${Math.round(sm.allow_fraction_before * 100)} %); state errors ${sm.state_errors}; shed ${sm.shed}; ` +
      `requests offered ${sm.offered}, answered ${sm.answered}, failed ${sm.failed}`,
    `RSS: ${sm.rss_mib.after_warmup} MiB after warm-up, max ${sm.rss_mib.max}, end ${sm.rss_mib.end}, VmHWM ${sm.rss_mib.peak_vmhwm}; slope over the second half ${sm.rss_mib.slope_mib_per_min_second_half} MiB/min; ` +
      `latency before the outage p50 ${sm.latency_ms.p50_before} ms, p99 ${sm.latency_ms.p99_before} ms (median of the seconds), p99 after recovery ${sm.latency_ms.p99_after_recovery} ms; ` +
      `load average ${sm.load_average.map((l) => l[0]).join(', ')}`,
  );
  return lines;
}
