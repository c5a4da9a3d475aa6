import { readFileSync, rmSync } from 'node:fs';
import { runCommand } from './run-command.js';
import { percentileOfSorted } from './stats.mjs';

/**
 * How (h) and bench/tail.ts offer a fixed rate with h2load (a C client) so that the requests arrive
 * spread out, as Envoy's do, instead of in h2load's bursts.
 *
 * h2load `--rps` wakes each connection every max(10 ms, 1 / its rate) and sends every request due
 * since its start at once (nghttp2 1.52 `rps_cb`, `rps_watcher.repeat`); its connections connect
 * together, so their ticks are in phase and every 10 ms the server gets rate × 10 ms requests at
 * once (10 at 1,000 req/s, 30 at 3,000). The last of a burst of b waits for the b − 1 ahead of it,
 * so the p99 is the burst's drain time and the p99 difference between two servers is b times the
 * difference of their service times (bench/README.md, "tail37").
 *
 * "spread": h2load's `--rate=1 --rate-period=1ms` connects its 10 connections 1 ms apart, so their
 * 10 ms ticks fall on the 10 different milliseconds and each sends rate / 1,000 requests per tick;
 * with maxProcesses above 1 (BENCH_OPEN_LOOP_PROCESSES; 1 by default since tail43), from 2,000
 * req/s K = floor(rate / 1,000) processes (at most maxProcesses) share the rate, started 1 / K ms
 * apart so that their millisecond grids interleave. Every connection keeps at
 * least 100 req/s, so its tick stays at 10 ms (below that it would be 1 / rate and the 10 phases
 * would no longer cover it evenly). The period is whole milliseconds only (h2load's duration
 * parser), which is why finer spreading needs more processes rather than a shorter period.
 * "burst": the previous method, 4 connections in phase in one process, kept to compare.
 */
export type OpenLoopMode = 'spread' | 'burst';
export const OPEN_LOOP_MODES: readonly OpenLoopMode[] = ['spread', 'burst'];

/** h2load's connection tick with `--rps` when a connection's rate is 100 req/s or more. */
export const TICK_MS = 10;
/** Connections per spread process: one per millisecond of the tick. */
export const SPREAD_CONNECTIONS = TICK_MS;
/** Upper bound on spread processes (each is one more event loop on the shared cores). */
export const SPREAD_PROCESSES = 4;
/**
 * The default: one process, 10 connections. Each further process wakes 1,000 times a second and
 * splits the server's reads (every connection's tick carries fewer requests), so on 2 cores 3–4
 * processes cost about twice h2load's CPU per request and about 1.5 times the server's, and put the
 * p99 of both servers at 3,000 and 5,000 req/s higher (tail43; bench/README.md, "(h) open-loop
 * latency: the client's part").
 */
export const DEFAULT_SPREAD_PROCESSES = 1;
const BURST_CONNECTIONS = 4;

/** BENCH_OPEN_LOOP: "spread" (the default), "burst", or "both" (every rate in both, spread first). */
export function openLoopModes(value: string | undefined): OpenLoopMode[] {
  const v = (value ?? 'spread').trim();
  if (v === 'both') return [...OPEN_LOOP_MODES];
  if ((OPEN_LOOP_MODES as readonly string[]).includes(v)) return [v as OpenLoopMode];
  throw new Error(`BENCH_OPEN_LOOP: expected spread, burst or both, got "${value}"`);
}

export interface H2loadProcess {
  /** When to start it, ms after the first. */
  startMs: number;
  requests: number;
  connections: number;
  /** Each connection's --rps. */
  rps: number;
  /** Extra h2load options that shape the arrivals. */
  options: string[];
}

/** BENCH_OPEN_LOOP_PROCESSES: the most spread processes (1–SPREAD_PROCESSES; default DEFAULT_SPREAD_PROCESSES). */
export function spreadProcesses(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return DEFAULT_SPREAD_PROCESSES;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > SPREAD_PROCESSES) throw new Error(`BENCH_OPEN_LOOP_PROCESSES: expected a whole number from 1 to ${SPREAD_PROCESSES}, got "${value}"`);
  return n;
}

/** The h2load processes that offer `rate` req/s for `total` requests in `mode`, spread over at most `maxProcesses`. */
export function openLoopPlan(mode: OpenLoopMode, rate: number, total: number, maxProcesses = DEFAULT_SPREAD_PROCESSES): H2loadProcess[] {
  if (!(rate > 0) || !(total > 0)) throw new Error(`open loop: rate and total must be positive, got ${rate} and ${total}`);
  if (mode === 'burst') {
    return [{ startMs: 0, requests: Math.max(BURST_CONNECTIONS, total), connections: BURST_CONNECTIONS, rps: rate / BURST_CONNECTIONS, options: [] }];
  }
  const k = Math.max(1, Math.min(maxProcesses, Math.floor(rate / 1000)));
  const c = SPREAD_CONNECTIONS;
  // The requests split so that every process ends with the others: its share of the rate is 1 / k.
  const base = Math.floor(total / k);
  return Array.from({ length: k }, (_, i) => ({
    startMs: i / k,
    requests: Math.max(c, base + (i < total - base * k ? 1 : 0)),
    connections: c,
    rps: rate / k / c,
    options: ['--rate=1', '--rate-period=1ms'],
  }));
}

/** h2load's arguments for one process of a plan; `target` is the data, headers and URL. */
export function h2loadOpenLoopArgs(p: H2loadProcess, log: string, target: string[]): string[] {
  return [`--rps=${p.rps.toFixed(3)}`, `--requests=${p.requests}`, `--clients=${p.connections}`, ...p.options, '--max-concurrent-streams=1000', '--threads=1', `--log-file=${log}`, ...target];
}

/** One request of h2load's --log-file (start µs since the epoch, HTTP status, latency µs) and which process of the plan sent it. */
export type LogRow = [start: number, status: number, latencyUs: number, process: number];

/** The logs of all processes of one run (in plan order) as one list, in send order. */
export function mergeLogs(texts: readonly string[]): LogRow[] {
  const rows: LogRow[] = [];
  texts.forEach((text, p) => {
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      const f = line.split('\t').map(Number);
      if (f.length < 3 || f.slice(0, 3).some((x) => !Number.isFinite(x))) throw new Error(`h2load log: unreadable line "${line}"`);
      rows.push([f[0]!, f[1]!, f[2]!, p]);
    }
  });
  return rows.sort((a, b) => a[0] - b[0]);
}

/** Each process's send times, sorted, µs. */
function startsByProcess(rows: readonly LogRow[], processes: number): number[][] {
  const by: number[][] = Array.from({ length: processes }, () => []);
  for (const r of rows) by[r[3]]!.push(r[0]);
  return by.map((xs) => xs.sort((a, b) => a - b));
}

/**
 * What h2load actually offered: each process's requests over the span of its own send times,
 * summed. The processes start a few milliseconds apart (each spawn takes that long), so the span
 * of all sends together would count that skew as a shortfall of the rate.
 */
export function achievedRps(rows: readonly LogRow[], processes: number): number {
  const rates = startsByProcess(rows, processes).map((s) => (s.length > 1 ? ((s.length - 1) * 1e6) / (s.at(-1)! - s[0]!) : NaN));
  return rates.reduce((a, b) => a + b, 0);
}

/**
 * How late each request left against its process's fixed rate, ms, sorted: the k-th request a
 * process sent (all its connections together) was due at its first + k / its rate. The latency
 * h2load logs runs from the actual send, so a client that falls behind would hide the server's
 * queueing. Per process, since each schedules from its own start.
 */
export function sendLagsMs(rows: readonly LogRow[], plan: readonly H2loadProcess[]): number[] {
  const lags: number[] = [];
  startsByProcess(rows, plan.length).forEach((starts, p) => {
    const rate = plan[p]!.rps * plan[p]!.connections;
    starts.forEach((t, k) => lags.push(Math.max(0, (t - starts[0]!) / 1000 - (k * 1000) / rate)));
  });
  return lags.sort((a, b) => a - b);
}

/**
 * How many requests the server got at once: requests whose sends are less than `gapUs` apart form
 * one group (h2load submits a tick's requests in one pass, µs apart). Per request, the size of its
 * group: the mean and the p99 of that say what a request typically queues behind.
 */
export function sentTogether(starts: readonly number[], gapUs = 100): { mean: number; p99: number } {
  const sizes: number[] = [];
  let from = 0;
  for (let i = 1; i <= starts.length; i++) {
    if (i === starts.length || starts[i]! - starts[i - 1]! >= gapUs) {
      for (let j = from; j < i; j++) sizes.push(i - from);
      from = i;
    }
  }
  sizes.sort((a, b) => a - b);
  return { mean: sizes.reduce((a, b) => a + b, 0) / Math.max(1, sizes.length), p99: percentileOfSorted(sizes, 0.99) };
}

/**
 * Runs a plan: each process started at its offset (a busy wait: timers have 1 ms steps and the
 * offsets are fractions of one), all to completion, and returns their merged log.
 */
export async function runOpenLoop(plan: readonly H2loadProcess[], logBase: string, target: string[], limitMs: number): Promise<LogRow[]> {
  const logs = plan.map((_, i) => `${logBase}.${i}`);
  // h2load appends to its log file: each run starts from an empty one.
  for (const log of logs) rmSync(log, { force: true });
  const t0 = performance.now();
  const runs: Promise<string>[] = [];
  for (let i = 0; i < plan.length; i++) {
    while (performance.now() - t0 < plan[i]!.startMs) {
      // spin: sub-millisecond offset
    }
    runs.push(runCommand('h2load', h2loadOpenLoopArgs(plan[i]!, logs[i]!, target), limitMs));
  }
  await Promise.all(runs);
  return mergeLogs(logs.map((l) => readFileSync(l, 'utf8')));
}

/**
 * The open-loop capacity search ((h), bench/README.md "(h)'s open-loop maximum"). The closed-loop
 * maximum ((a)'s h2load, 8 connections × 16 streams) is no rate an open-loop client can offer:
 * there every read and write carries many requests, while (h)'s spread arrivals bring one or two
 * per tick and connection, so the server (and h2load) pay their per-read and per-write costs per
 * request. (h)'s shares (50/70/90 %) are therefore taken of the highest rate a server holds with
 * (h)'s own client setup, found by bisection over short rounds.
 *
 * A rate holds when, in one round at it: every request was answered; h2load achieved at least
 * `minAchieved` of the offered rate (the client kept up); its send lag stayed within `maxLagMs` at
 * p99 (it kept up on time, not in catch-up bursts); and no queue built up: the median latency of
 * the last fifth of the requests (by send time) is within `maxGrowthMs` of that of the second fifth
 * (past capacity the queue grows for the whole round, so the last fifth waits for it; a pause
 * that is over by then does not count), and the p99 is at most `maxP99Ms`.
 */
export interface CapacityCriterion {
  minAchieved: number;
  maxLagMs: number;
  maxGrowthMs: number;
  maxP99Ms: number;
}

export const CAPACITY_CRITERION: CapacityCriterion = { minAchieved: 0.98, maxLagMs: 2 * TICK_MS, maxGrowthMs: 5, maxP99Ms: 50 };

/** One round of the search at one offered rate. */
export interface CapacityRound {
  rate: number;
  achieved_rps: number;
  lag_p99_ms: number;
  failed: number;
  p99_ms: number;
  /** Median latency of the second and of the last fifth of the requests, by send time, ms. */
  early_p50_ms: number;
  late_p50_ms: number;
  held: boolean;
  /** Why it did not hold (empty when it did). */
  why: string;
}

/** Median latency of the second and the last fifth of a run's requests by send time, ms (rows in send order). */
export function latencyDrift(rows: readonly LogRow[]): { early: number; late: number } {
  const fifth = (i: number) => rows.slice(Math.floor((i * rows.length) / 5), Math.floor(((i + 1) * rows.length) / 5)).map((r) => r[2]).sort((a, b) => a - b);
  return { early: percentileOfSorted(fifth(1), 0.5) / 1000, late: percentileOfSorted(fifth(4), 0.5) / 1000 };
}

/** Whether one round at `rate` held, and why not. */
export function capacityRound(rate: number, rows: readonly LogRow[], plan: readonly H2loadProcess[], c: CapacityCriterion = CAPACITY_CRITERION): CapacityRound {
  const achieved = achievedRps(rows, plan.length);
  const lag = percentileOfSorted(sendLagsMs(rows, plan), 0.99);
  const failed = rows.filter((r) => r[1] !== 200).length;
  const lat = rows.map((r) => r[2]).sort((a, b) => a - b);
  const p99 = percentileOfSorted(lat, 0.99) / 1000;
  const { early, late } = latencyDrift(rows);
  const why: string[] = [];
  if (rows.length === 0) why.push('no requests');
  if (failed > 0) why.push(`${failed} failed`);
  // NaN (fewer than two sends in a process) fails too.
  if (!(achieved >= c.minAchieved * rate)) why.push(`achieved ${Math.round(achieved)} < ${Math.round(c.minAchieved * 100)} % of ${rate}`);
  if (!(lag <= c.maxLagMs)) why.push(`send lag p99 ${lag.toFixed(1)} ms > ${c.maxLagMs}`);
  if (!(late - early <= c.maxGrowthMs)) why.push(`queue growing: last fifth's p50 ${late.toFixed(1)} ms vs ${early.toFixed(1)}`);
  if (!(p99 <= c.maxP99Ms)) why.push(`p99 ${p99.toFixed(1)} ms > ${c.maxP99Ms}`);
  const r2 = (x: number) => Math.round(x * 100) / 100;
  return { rate, achieved_rps: Math.round(achieved), lag_p99_ms: r2(lag), failed, p99_ms: r2(p99), early_p50_ms: r2(early), late_p50_ms: r2(late), held: why.length === 0, why: why.join('; ') };
}

export interface CapacitySearch {
  /** The highest rate that held; `low` itself when nothing above it did, 0 when `low` did not hold either; within `resolution` of `high` when everything held (the capacity is at least that). */
  max_rps: number;
  /** The search's bounds. */
  low: number;
  high: number;
  rounds: CapacityRound[];
}

/**
 * Bisection for the highest rate that holds, between `low` and `high`, until the bracket is within
 * `resolution` of its lower end (rates in steps of 100 req/s). The bisection is geometric (the
 * midpoint of lo and hi is √(lo · hi)): the capacity may lie anywhere from a twentieth of the
 * closed-loop maximum to all of it, and in a ratio the steps are equal, about 7 from 1,000 to
 * 26,600 req/s at 5 %. A rate that fails is tried once more before it counts as failed: a round
 * can lose to one pause of the server or the machine, but past capacity every round fails (the
 * queue grows in each). `high` itself is not tried first: past-capacity rounds are the slow ones.
 */
export async function searchCapacity(round: (rate: number) => Promise<CapacityRound>, low: number, high: number, resolution = 0.05): Promise<CapacitySearch> {
  if (!(low > 0) || !(high > low)) throw new Error(`capacity search: need 0 < low < high, got ${low} and ${high}`);
  const rounds: CapacityRound[] = [];
  const holds = async (rate: number): Promise<boolean> => {
    for (let attempt = 0; attempt < 2; attempt++) {
      const r = await round(rate);
      rounds.push(r);
      if (r.held) return true;
    }
    return false;
  };
  if (!(await holds(low))) return { max_rps: 0, low, high, rounds };
  let [lo, hi] = [low, high];
  while (hi > lo * (1 + resolution) && hi - lo > 100) {
    const mid = Math.round(Math.sqrt(lo * hi) / 100) * 100;
    if (mid <= lo || mid >= hi) break;
    if (await holds(mid)) lo = mid;
    else hi = mid;
  }
  return { max_rps: lo, low, high, rounds };
}
