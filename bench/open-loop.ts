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

/** Each request's send lag (as in sendLagsMs), ms, in the order of `rows` (send order). */
export function sendLagsInOrder(rows: readonly LogRow[], plan: readonly H2loadProcess[]): number[] {
  const first = plan.map(() => NaN);
  const sent = plan.map(() => 0);
  return rows.map((r) => {
    const p = r[3];
    if (Number.isNaN(first[p]!)) first[p] = r[0];
    const k = sent[p]!++;
    return Math.max(0, (r[0] - first[p]!) / 1000 - (k * 1000) / (plan[p]!.rps * plan[p]!.connections));
  });
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
 * The search looks for a capacity (the rate the server keeps up with, its collections included),
 * not for a round without a pause: on the 2-core VM a mark-compact stops a server for 15–90 ms, and
 * near capacity the backlog of one takes several times that to drain. So one round is judged on
 * whether a queue lasts, not on its p99, and a rate on the majority of its rounds.
 *
 * A round holds when: every request was answered; h2load achieved at least `minAchieved` of the
 * offered rate (the client kept up); it was back on time by the end: in at least one of the last
 * LATE_TENTHS tenths its send lag stayed within `maxLagMs` at p99 (h2load descheduled for a moment
 * by the machine catches up in one burst, as a server catches up after a pause; a client that
 * cannot keep up is late in every tenth); and no queue lasted: the lowest median latency of the last
 * `LATE_TENTHS` tenths of the requests (by send time) is within `maxGrowthMs` of the lowest of
 * tenths 2–4 (the first tenth is the server's warm-up to the new rate). Past capacity the backlog
 * grows for the whole round, so every late tenth waits on more of it than the early ones; one
 * pause and its drain (shorter than LATE_TENTHS tenths of the round) leave at least one late tenth
 * at the floor, wherever in the round it falls.
 */
export interface CapacityCriterion {
  minAchieved: number;
  maxLagMs: number;
  maxGrowthMs: number;
  /** Rounds per rate (odd): the rate holds when most of them hold; the search stops trying a rate once its majority is reached. */
  roundsPerRate: number;
}

export const CAPACITY_CRITERION: CapacityCriterion = { minAchieved: 0.98, maxLagMs: 2 * TICK_MS, maxGrowthMs: 5, roundsPerRate: 3 };

/** Tenths of a round whose settled latency is compared: the early ones (2–4, by send time) and this many at the end. */
export const LATE_TENTHS = 4;

/** One round of the search at one offered rate. */
export interface CapacityRound {
  rate: number;
  achieved_rps: number;
  lag_p99_ms: number;
  failed: number;
  /** Reported, not judged (a pause's, near capacity). */
  p99_ms: number;
  /** The lowest median latency of one tenth of the requests by send time, ms: among tenths 2–4, and among the last LATE_TENTHS. */
  early_p50_ms: number;
  late_p50_ms: number;
  held: boolean;
  /** Why it did not hold (empty when it did). */
  why: string;
  /** The server's mark-compacts that ended during the round, and its CPU per request, µs (run.ts; absent in tests). */
  mark_compacts?: number;
  server_cpu_us?: number;
}

/** The median latency of each tenth of a run's requests by send time, ms (rows in send order). */
export function tenthMedians(rows: readonly LogRow[]): number[] {
  return Array.from({ length: 10 }, (_, i) => {
    const part = rows.slice(Math.floor((i * rows.length) / 10), Math.floor(((i + 1) * rows.length) / 10)).map((r) => r[2]).sort((a, b) => a - b);
    return percentileOfSorted(part, 0.5) / 1000;
  });
}

/**
 * The settled latency early and late in a round, ms: the lowest tenth's median among tenths 2–4
 * and among the last LATE_TENTHS. A lasting queue raises all the late tenths; a pause raises a run
 * of consecutive ones only while its backlog drains.
 */
export function settledLatency(rows: readonly LogRow[]): { early: number; late: number } {
  const m = tenthMedians(rows);
  return { early: Math.min(...m.slice(1, 4)), late: Math.min(...m.slice(10 - LATE_TENTHS)) };
}

/** The lowest send lag p99 of one of the last LATE_TENTHS tenths of a run's requests (rows in send order), ms. */
export function settledLag(rows: readonly LogRow[], plan: readonly H2loadProcess[]): number {
  const lags = sendLagsInOrder(rows, plan);
  const tenth = (i: number) => lags.slice(Math.floor((i * lags.length) / 10), Math.floor(((i + 1) * lags.length) / 10)).sort((a, b) => a - b);
  return Math.min(...Array.from({ length: LATE_TENTHS }, (_, j) => percentileOfSorted(tenth(10 - LATE_TENTHS + j), 0.99)));
}

/** Whether one round at `rate` held, and why not. */
export function capacityRound(rate: number, rows: readonly LogRow[], plan: readonly H2loadProcess[], c: CapacityCriterion = CAPACITY_CRITERION): CapacityRound {
  const achieved = achievedRps(rows, plan.length);
  const lag = percentileOfSorted(sendLagsMs(rows, plan), 0.99);
  const failed = rows.filter((r) => r[1] !== 200).length;
  const lat = rows.map((r) => r[2]).sort((a, b) => a - b);
  const p99 = percentileOfSorted(lat, 0.99) / 1000;
  const { early, late } = settledLatency(rows);
  const why: string[] = [];
  if (rows.length === 0) why.push('no requests');
  if (failed > 0) why.push(`${failed} failed`);
  // NaN (fewer than two sends in a process, or no requests in a tenth) fails too.
  if (!(achieved >= c.minAchieved * rate)) why.push(`achieved ${Math.round(achieved)} < ${Math.round(c.minAchieved * 100)} % of ${rate}`);
  const lateLag = settledLag(rows, plan);
  if (!(lateLag <= c.maxLagMs)) why.push(`send lag p99 ${lateLag.toFixed(1)} ms > ${c.maxLagMs} in every late tenth`);
  if (!(late - early <= c.maxGrowthMs)) why.push(`queue lasting: last tenths' p50 ≥ ${late.toFixed(1)} ms vs ${early.toFixed(1)}`);
  const r2 = (x: number) => Math.round(x * 100) / 100;
  return { rate, achieved_rps: Math.round(achieved), lag_p99_ms: r2(lag), failed, p99_ms: r2(p99), early_p50_ms: r2(early), late_p50_ms: r2(late), held: why.length === 0, why: why.join('; ') };
}

/** A rate's verdict: how many of its rounds held and failed, and whether it holds (the majority). */
export interface CapacityVerdict {
  rate: number;
  held: number;
  failed: number;
  holds: boolean;
}

export interface CapacitySearch {
  /** The highest rate that held; `low` itself when nothing above it did, 0 when `low` did not hold either; within `resolution` of `high` when everything held (the capacity is at least that). */
  max_rps: number;
  /** The search's bounds. */
  low: number;
  high: number;
  /** Every rate decided, in order, with its votes. Absent before tail43b. */
  verdicts?: CapacityVerdict[];
  rounds: CapacityRound[];
}

/**
 * One server's search as a sequence of rounds, so that two servers' searches can take turns
 * (`searchCapacities`): `next()` is the rate of the next round (undefined when the search is
 * over), `record()` takes its result.
 *
 * Bisection for the highest rate that holds, between `low` and `high`, until the bracket is within
 * `resolution` of its lower end (rates in steps of 100 req/s). The bisection is geometric (the
 * midpoint of lo and hi is √(lo · hi)): the capacity may lie anywhere from a twentieth of the
 * closed-loop maximum to all of it, and in a ratio the steps are equal, about 7 from 1,000 to
 * 26,600 req/s at 5 %. Each rate is decided by the majority of `roundsPerRate` rounds, stopping as
 * soon as one side has it (2 of 3: two rounds well below or well past capacity, three where the
 * rounds disagree). `high` itself is not tried first: past-capacity rounds are the slow ones.
 */
export class CapacitySearchState {
  private readonly rounds: CapacityRound[] = [];
  private readonly verdicts: CapacityVerdict[] = [];
  private lo: number;
  private hi: number;
  /** The rate being decided; undefined once the search is over. */
  private rate: number | undefined;
  private votes = { held: 0, failed: 0 };
  private max = 0;

  constructor(
    readonly low: number,
    readonly high: number,
    private readonly resolution = 0.05,
    private readonly roundsPerRate = CAPACITY_CRITERION.roundsPerRate,
  ) {
    if (!(low > 0) || !(high > low)) throw new Error(`capacity search: need 0 < low < high, got ${low} and ${high}`);
    if (!Number.isInteger(roundsPerRate) || roundsPerRate < 1 || roundsPerRate % 2 === 0) throw new Error(`capacity search: rounds per rate must be odd, got ${roundsPerRate}`);
    [this.lo, this.hi, this.rate] = [low, high, low];
  }

  next(): number | undefined {
    return this.rate;
  }

  record(r: CapacityRound): void {
    if (this.rate === undefined || r.rate !== this.rate) throw new Error(`capacity search: a round at ${r.rate} req/s, expected ${this.rate ?? 'none'}`);
    this.rounds.push(r);
    if (r.held) this.votes.held++;
    else this.votes.failed++;
    const majority = (this.roundsPerRate + 1) / 2;
    if (this.votes.held < majority && this.votes.failed < majority) return;
    const holds = this.votes.held >= majority;
    this.verdicts.push({ rate: this.rate, ...this.votes, holds });
    this.votes = { held: 0, failed: 0 };
    if (holds) [this.lo, this.max] = [this.rate, this.rate];
    else this.hi = this.rate;
    // When the lowest rate fails there is nothing to bisect: the maximum is 0.
    this.rate = holds || this.verdicts.length > 1 ? this.midpoint() : undefined;
  }

  private midpoint(): number | undefined {
    if (!(this.hi > this.lo * (1 + this.resolution) && this.hi - this.lo > 100)) return undefined;
    const mid = Math.round(Math.sqrt(this.lo * this.hi) / 100) * 100;
    return mid <= this.lo || mid >= this.hi ? undefined : mid;
  }

  result(): CapacitySearch {
    return { max_rps: this.max, low: this.low, high: this.high, verdicts: [...this.verdicts], rounds: [...this.rounds] };
  }
}

/** One server's search to its end (`CapacitySearchState`). */
export async function searchCapacity(round: (rate: number) => Promise<CapacityRound>, low: number, high: number, resolution = 0.05, roundsPerRate = CAPACITY_CRITERION.roundsPerRate): Promise<CapacitySearch> {
  return (await searchCapacities([{ round, low, high }], resolution, roundsPerRate))[0]!;
}

/**
 * Several servers' searches taking turns round by round, the order reversed every other turn
 * (A B, B A, …), so that whatever the machine does for a few seconds falls on both searches alike
 * and a server is probed right after the other instead of minutes later. Each search's rates
 * depend only on its own rounds.
 */
export async function searchCapacities(
  searches: readonly { round: (rate: number) => Promise<CapacityRound>; low: number; high: number }[],
  resolution = 0.05,
  roundsPerRate = CAPACITY_CRITERION.roundsPerRate,
): Promise<CapacitySearch[]> {
  const states = searches.map((s) => new CapacitySearchState(s.low, s.high, resolution, roundsPerRate));
  const order = searches.map((_, i) => i);
  for (let turn = 0; states.some((s) => s.next() !== undefined); turn++) {
    for (const i of turn % 2 === 0 ? order : [...order].reverse()) {
      const rate = states[i]!.next();
      if (rate !== undefined) states[i]!.record(await searches[i]!.round(rate));
    }
  }
  return states.map((s) => s.result());
}
