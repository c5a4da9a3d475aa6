import { describe, expect, it } from 'vitest';
import { achievedRps, h2loadOpenLoopArgs, mergeLogs, type LogRow, openLoopModes, openLoopPlan, sendLagsMs, sentTogether, SPREAD_CONNECTIONS, SPREAD_PROCESSES } from '../../bench/open-loop.js';

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

  it('spreads one process per 1,000 req/s, at most SPREAD_PROCESSES, their starts 1/K ms apart', () => {
    expect(openLoopPlan('spread', 1000, 2000).map((p) => p.startMs)).toEqual([0]);
    expect(openLoopPlan('spread', 3000, 6000).map((p) => p.startMs)).toEqual([0, 1 / 3, 2 / 3]);
    const big = openLoopPlan('spread', 12193, 24386);
    expect(big).toHaveLength(SPREAD_PROCESSES);
    expect(big.map((p) => p.startMs)).toEqual([0, 0.25, 0.5, 0.75]);
  });

  it('connects each process\'s connections 1 ms apart, one per millisecond of the 10 ms tick', () => {
    for (const p of openLoopPlan('spread', 5000, 10000)) {
      expect(p.connections).toBe(SPREAD_CONNECTIONS);
      expect(p.options).toEqual(['--rate=1', '--rate-period=1ms']);
    }
  });

  it('keeps every connection at 100 req/s or more, so that its tick stays 10 ms', () => {
    for (const rate of [1000, 1999, 2000, 3000, 5000, 8709, 12193, 15677]) {
      for (const p of openLoopPlan('spread', rate, rate * 2)) expect(p.rps).toBeGreaterThanOrEqual(100);
    }
  });

  it('offers exactly the rate and the requests asked for, over all processes', () => {
    for (const [rate, total] of [[1000, 2000], [3000, 6001], [5000, 10003], [12193, 24386]] as const) {
      const plan = openLoopPlan('spread', rate, total);
      expect(plan.reduce((a, p) => a + p.rps * p.connections, 0)).toBeCloseTo(rate, 6);
      expect(plan.reduce((a, p) => a + p.requests, 0)).toBe(total);
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
    const two = openLoopPlan('spread', 2000, 10);
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
