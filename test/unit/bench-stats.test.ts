import { describe, expect, it } from 'vitest';
import { formatSummary, median, percentile, percentileOfSorted, ratioSummary, ratiosByRound, roundTo, spread, summarize } from '../../bench/stats.mjs';

/** The statistics every bench file reports; a wrong median or a ratio paired across rounds would publish wrong figures. */
describe('bench statistics', () => {
  it('takes the middle value of an odd count, whatever the order', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([9, 2, 7, 4, 100])).toBe(7);
  });

  it('takes the mean of the two middle values of an even count', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([10, 20])).toBe(15);
  });

  it('leaves its input unsorted', () => {
    const xs = [3, 1, 2];
    median(xs);
    percentile(xs, 0.5);
    expect(xs).toEqual([3, 1, 2]);
  });

  it('gives NaN, not a made-up figure, for no rounds', () => {
    expect(median([])).toBeNaN();
    expect(spread([])).toEqual({ min: NaN, max: NaN });
    expect(percentile([], 0.99)).toBeNaN();
  });

  it('summarizes a single round as itself, with no spread', () => {
    const s = summarize([1234.56], 0);
    expect(s).toEqual({ median: 1235, min: 1235, max: 1235, rounds: [1235] });
    expect(formatSummary(s, String)).toBe('1235');
  });

  it('keeps every round in order next to median and spread', () => {
    expect(summarize([12, 10, 11.5])).toEqual({ median: 11.5, min: 10, max: 12, rounds: [12, 10, 11.5] });
    expect(summarize([1.234, 1.2, 1.25, 1.3], 2)).toEqual({ median: 1.24, min: 1.2, max: 1.3, rounds: [1.23, 1.2, 1.25, 1.3] });
    expect(formatSummary(summarize([12, 10, 11.5]), (x) => x.toFixed(1))).toBe('11.5 (10.0–12.0)');
  });

  it('pairs ratios round by round, not median by median', () => {
    // Round 2 ran on a slower machine for both sides: per round the ratio stays 0.9.
    const stepgate = [900, 450, 900];
    const noop = [1000, 500, 1000];
    expect(ratiosByRound(stepgate, noop)).toEqual([0.9, 0.9, 0.9]);
    expect(ratioSummary(stepgate, noop, 3)).toEqual({ median: 0.9, min: 0.9, max: 0.9, rounds: [0.9, 0.9, 0.9] });
    // Paired differently (sorted independently), the same figures would give other ratios.
    const a = [100, 300, 200];
    const b = [200, 300, 100];
    expect(ratiosByRound(a, b)).toEqual([0.5, 1, 2]);
    expect(ratioSummary(a, b)).toMatchObject({ median: 1, min: 0.5, max: 2 });
    expect(median(a) / median(b)).toBe(1);
  });

  it('refuses ratios from lists of different rounds', () => {
    expect(() => ratiosByRound([1, 2, 3], [1, 2])).toThrow(/pair round by round/);
  });

  it('gives percentiles at rank floor(q·n), always a measured value', () => {
    const xs = Array.from({ length: 1000 }, (_, i) => 1000 - i); // 1000 … 1, unsorted input
    expect(percentile(xs, 0.5)).toBe(501);
    expect(percentile(xs, 0.99)).toBe(991);
    expect(percentile(xs, 0.999)).toBe(1000);
    expect(percentile(xs, 1)).toBe(1000);
    expect(percentileOfSorted([1, 2, 3, 4], 0)).toBe(1);
    expect(() => percentileOfSorted([1], 1.5)).toThrow(RangeError);
  });

  it('rounds to a number of digits', () => {
    expect(roundTo(0.91449, 3)).toBe(0.914);
    expect(roundTo(11877.5, 0)).toBe(11878);
  });
});
