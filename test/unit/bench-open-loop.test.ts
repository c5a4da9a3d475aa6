import { describe, expect, it } from 'vitest';
import { achievedRps, CAPACITY_CRITERION, DEFAULT_SPREAD_PROCESSES, capacityRound, type CapacityRound, h2loadOpenLoopArgs, latencyDrift, mergeLogs, type LogRow, openLoopModes, openLoopPlan, searchCapacity, sendLagsMs, sentTogether, SPREAD_CONNECTIONS, SPREAD_PROCESSES, spreadProcesses } from '../../bench/open-loop.js';

/**
 * (h)'s arrivals (bench/open-loop.ts): a plan whose processes overlap in phase, lose requests or
 * change the rate would measure h2load's bursts again, or publish a rate nobody offered.
 */
describe('open-loop plan', () => {
  it('reads BENCH_OPEN_LOOP, spread by default, and refuses anything else', () => {
    expect(openLoopModes(undefined)).toEqual(['spread']);
    expect(openLoopModes('burst')).toEqual(['burst']);
    expect(openLoopModes('both')).toEqual(['spread', 'burst']);
    expect(() => openLoopModes('bursty')).toThrow(/BENCH_OPEN_LOOP/);
  });

  it('keeps the old method in burst mode: one process, 4 connections in phase, rate / 4 each', () => {
    const plan = openLoopPlan('burst', 3000, 6000);
    expect(plan).toEqual([{ startMs: 0, requests: 6000, connections: 4, rps: 750, options: [] }]);
  });

  it('spreads over one process by default, whatever the rate', () => {
    for (const rate of [1000, 3000, 5000, 12193]) {
      const plan = openLoopPlan('spread', rate, 2 * rate);
      expect(plan).toHaveLength(DEFAULT_SPREAD_PROCESSES);
      expect(plan[0]!.rps * plan[0]!.connections).toBeCloseTo(rate, 6);
    }
    expect(DEFAULT_SPREAD_PROCESSES).toBe(1);
  });

  it('given up to SPREAD_PROCESSES, spreads one process per 1,000 req/s, their starts 1/K ms apart', () => {
    expect(openLoopPlan('spread', 1000, 2000, SPREAD_PROCESSES).map((p) => p.startMs)).toEqual([0]);
    expect(openLoopPlan('spread', 3000, 6000, SPREAD_PROCESSES).map((p) => p.startMs)).toEqual([0, 1 / 3, 2 / 3]);
    const big = openLoopPlan('spread', 12193, 24386, SPREAD_PROCESSES);
    expect(big).toHaveLength(SPREAD_PROCESSES);
    expect(big.map((p) => p.startMs)).toEqual([0, 0.25, 0.5, 0.75]);
  });

  it('spreads over fewer processes when BENCH_OPEN_LOOP_PROCESSES says so, the rate and the requests unchanged', () => {
    expect(spreadProcesses(undefined)).toBe(DEFAULT_SPREAD_PROCESSES);
    expect(spreadProcesses('4')).toBe(SPREAD_PROCESSES);
    expect(spreadProcesses('1')).toBe(1);
    for (const bad of ['0', '5', '1.5', 'two']) expect(() => spreadProcesses(bad)).toThrow(/BENCH_OPEN_LOOP_PROCESSES/);
    const one = openLoopPlan('spread', 5000, 10000, 1);
    expect(one).toHaveLength(1);
    expect(one[0]!.rps * one[0]!.connections).toBeCloseTo(5000, 6);
    expect(one[0]!.requests).toBe(10000);
    expect(openLoopPlan('spread', 5000, 10000, 2).map((p) => p.startMs)).toEqual([0, 0.5]);
  });

  it('connects each process\'s connections 1 ms apart, one per millisecond of the 10 ms tick', () => {
    for (const p of openLoopPlan('spread', 5000, 10000, SPREAD_PROCESSES)) {
      expect(p.connections).toBe(SPREAD_CONNECTIONS);
      expect(p.options).toEqual(['--rate=1', '--rate-period=1ms']);
    }
  });

  it('keeps every connection at 100 req/s or more, so that its tick stays 10 ms', () => {
    for (const rate of [1000, 1999, 2000, 3000, 5000, 8709, 12193, 15677]) {
      for (const k of [1, SPREAD_PROCESSES]) for (const p of openLoopPlan('spread', rate, rate * 2, k)) expect(p.rps).toBeGreaterThanOrEqual(100);
    }
  });

  it('offers exactly the rate and the requests asked for, over all processes', () => {
    for (const [rate, total] of [[1000, 2000], [3000, 6001], [5000, 10003], [12193, 24386]] as const) {
      for (const k of [1, SPREAD_PROCESSES]) {
        const plan = openLoopPlan('spread', rate, total, k);
        expect(plan.reduce((a, p) => a + p.rps * p.connections, 0)).toBeCloseTo(rate, 6);
        expect(plan.reduce((a, p) => a + p.requests, 0)).toBe(total);
      }
    }
  });

  it('puts the plan on h2load\'s command line', () => {
    const [p] = openLoopPlan('spread', 1000, 2000);
    expect(h2loadOpenLoopArgs(p!, '/tmp/x.log', ['http://127.0.0.1:1/c'])).toEqual([
      '--rps=100.000', '--requests=2000', '--clients=10', '--rate=1', '--rate-period=1ms', '--max-concurrent-streams=1000', '--threads=1', '--log-file=/tmp/x.log', 'http://127.0.0.1:1/c',
    ]);
  });
});

describe('open-loop logs', () => {
  it('merges the logs of several processes in send order', () => {
    const a = '1000300\t200\t900\n1000100\t200\t800\n';
    const b = '1000200\t503\t50\n\n';
    expect(mergeLogs([a, b])).toEqual([[1000100, 200, 800, 0], [1000200, 503, 50, 1], [1000300, 200, 900, 0]]);
  });

  it('refuses a line it cannot read rather than drop a request', () => {
    expect(() => mergeLogs(['1000100\t200\n'])).toThrow(/unreadable/);
    expect(() => mergeLogs(['1000100\tOK\t5\n'])).toThrow(/unreadable/);
  });

  const row = (start: number, process: number): LogRow => [start, 200, 100, process];

  it('sums the processes\' achieved rates, each over the span of its own sends', () => {
    // Two processes at 1,000 req/s each (11 requests over 10 ms), the second started 7 ms later:
    // 2,000 req/s offered, not the 22 requests over 17 ms of the merged span.
    const rows = [...Array.from({ length: 11 }, (_, i) => row(5_000_000 + i * 1000, 0)), ...Array.from({ length: 11 }, (_, i) => row(5_007_000 + i * 1000, 1))];
    expect(achievedRps(rows, 2)).toBe(2000);
    expect(achievedRps([row(1, 0)], 1)).toBeNaN();
  });

  it('measures the send lag against each process\'s own schedule', () => {
    const [p] = openLoopPlan('spread', 1000, 5);
    // 1,000 req/s: due every ms. The third left 2.5 ms late, the two after it 1.5 and 0.6; none is early.
    const lags = sendLagsMs([0, 1000, 4500, 4500, 4600].map((t) => row(t, 0)), [p!]);
    expect(lags.map((x) => Math.round(x * 1000) / 1000)).toEqual([0, 0, 0.6, 1.5, 2.5]);
    // A second process that started 7 ms after the first, on time since: no lag at all.
    const two = openLoopPlan('spread', 2000, 10, 2);
    const onTime = [0, 1, 2, 3, 4].flatMap((k) => [row(k * 1000, 0), row(7000 + k * 1000, 1)]);
    expect(sendLagsMs(onTime, two)).toEqual(Array(10).fill(0));
  });

  it('counts the requests sent together: a burst of 10 every 10 ms against one every 0.5 ms', () => {
    const bursts = Array.from({ length: 100 }, (_, i) => Math.floor(i / 10) * 10_000 + (i % 10) * 5);
    expect(sentTogether(bursts)).toEqual({ mean: 10, p99: 10 });
    const spread = Array.from({ length: 100 }, (_, i) => i * 500);
    expect(sentTogether(spread)).toEqual({ mean: 1, p99: 1 });
  });
});

/**
 * (h)'s open-loop capacity search: a criterion that let a growing queue pass would put the
 * 50/70/90 % rates past capacity again (the 02:53 run), one that failed on a single pause would put
 * them far too low; a search that lost a held rate or never ended would do either.
 */
describe('open-loop capacity', () => {
  /** One second at `rate` as the plan sends it, on time; each request's latency from its send time (s since the start). */
  const run = (rate: number, latencyUs: (t: number) => number, opts: { late?: (t: number) => number; status?: (i: number) => number } = {}) => {
    const plan = openLoopPlan('spread', rate, rate);
    const rows: LogRow[] = [];
    plan.forEach((p, i) => {
      const r = p.rps * p.connections;
      for (let k = 0; k < p.requests; k++) {
        const t = k / r;
        const start = Math.round(1e6 * (t + (opts.late?.(t) ?? 0)) + 1000 * p.startMs);
        rows.push([start, opts.status?.(rows.length) ?? 200, latencyUs(t), i]);
      }
    });
    return { plan, rows: rows.sort((a, b) => a[0] - b[0]) };
  };

  it('holds a steady round, and one whose pause is over before its last fifth', () => {
    const steady = run(5000, () => 400);
    expect(capacityRound(5000, steady.rows, steady.plan)).toMatchObject({ held: true, why: '', failed: 0, p99_ms: 0.4 });
    // A 30 ms stall at 0.3 s (a mark-compact): ~150 requests late, then the queue drains.
    const paused = run(5000, (t) => (t >= 0.3 && t < 0.33 ? 30_000 - (t - 0.3) * 1e6 : 400));
    expect(capacityRound(5000, paused.rows, paused.plan).held).toBe(true);
  });

  it('refuses a round whose queue grows to its end, naming why', () => {
    // 2 % over capacity: the queue grows by 100 requests per second, 20 ms by the end at 5,000 req/s.
    const growing = run(5000, (t) => 400 + t * 20_000);
    const r = capacityRound(5000, growing.rows, growing.plan);
    expect(r.held).toBe(false);
    expect(r.why).toMatch(/queue growing/);
    expect(latencyDrift(growing.rows).late).toBeGreaterThan(latencyDrift(growing.rows).early + 10);
  });

  it('refuses a round the client did not keep up with, late or short, or with a failed request', () => {
    const lagging = run(3000, () => 400, { late: (t) => t * 0.05 });
    expect(capacityRound(3000, lagging.rows, lagging.plan).why).toMatch(/achieved .* < 98 % of 3000; send lag p99 [\d.]+ ms > 20/);
    const failing = run(3000, () => 400, { status: (i) => (i === 17 ? 503 : 200) });
    expect(capacityRound(3000, failing.rows, failing.plan).why).toBe('1 failed');
    const slow = run(3000, () => 60_000);
    expect(capacityRound(3000, slow.rows, slow.plan).why).toBe(`p99 60.0 ms > ${CAPACITY_CRITERION.maxP99Ms}`);
    expect(capacityRound(3000, [], openLoopPlan('spread', 3000, 3000)).held).toBe(false);
  });

  const fake = (capacity: number, flukes: number[] = []) => {
    const tried: number[] = [];
    const round = (rate: number): Promise<CapacityRound> => {
      tried.push(rate);
      // A fluke fails the first round at that rate only.
      const fluke = flukes.includes(rate) && tried.filter((x) => x === rate).length === 1;
      const held = rate <= capacity && !fluke;
      return Promise.resolve({ rate, achieved_rps: rate, lag_p99_ms: 1, failed: 0, p99_ms: 1, early_p50_ms: 0.4, late_p50_ms: held ? 0.4 : 50, held, why: held ? '' : 'queue growing' });
    };
    return { tried, round };
  };

  it('bisects to within 5 % below the capacity, never above it', async () => {
    for (const capacity of [1000, 4321, 8300, 11_950, 25_000]) {
      const f = fake(capacity);
      const s = await searchCapacity(f.round, 1000, 26_600);
      expect(s.max_rps).toBeLessThanOrEqual(capacity);
      expect(s.max_rps).toBeGreaterThanOrEqual(Math.min(capacity, 0.95 * capacity - 100));
      // Failed rates are tried twice; the whole search stays short: 1 + 2 × 7 rounds at worst.
      expect(s.rounds.length).toBeLessThanOrEqual(15);
      expect(s.rounds.map((r) => r.rate)).toEqual(f.tried);
    }
  });

  it('tries a failed rate once more, so that one pause does not lower the result', async () => {
    const f = fake(9000, [5200, 7400, 8600]);
    const s = await searchCapacity(f.round, 1000, 26_600);
    // The flukes were among the rates tried (so the test exercises the retry).
    expect(f.tried.filter((r) => [5200, 7400, 8600].includes(r)).length).toBeGreaterThanOrEqual(2);
    expect(s.max_rps).toBeGreaterThanOrEqual(0.95 * 9000 - 100);
  });

  it('says 0 when even the lowest rate fails, and within 5 % of the top when everything holds', async () => {
    expect((await searchCapacity(fake(500).round, 1000, 26_600)).max_rps).toBe(0);
    const all = (await searchCapacity(fake(30_000).round, 1000, 26_600)).max_rps;
    expect(all).toBeLessThan(26_600);
    expect(all).toBeGreaterThanOrEqual(26_600 / 1.05 - 100);
    await expect(searchCapacity(fake(1).round, 1000, 1000)).rejects.toThrow(/low < high/);
  });
});
