import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Bucket, emptyBucket, slide } from '../../src/state/sliding.js';

/**
 * slide as it was before its idle-counter shortcut (perf50): the roll, then always the weighted
 * share of the previous bucket. The Redis store's Lua (redis-scripts.ts) does this arithmetic, so
 * the memory store's answers and buckets must stay exactly these.
 */
function slideBefore(k: Bucket, nowMs: number, windowMs: number, inc: number): number {
  const B = Math.floor(nowMs / windowMs);
  if (k.b < 0) {
    k.b = B;
    k.cur = 0;
    k.prev = 0;
  } else if (B === k.b + 1) {
    k.prev = k.cur;
    k.cur = 0;
    k.b = B;
  } else if (B > k.b + 1) {
    k.prev = 0;
    k.cur = 0;
    k.b = B;
  }
  k.cur += inc;
  const elapsed = Math.min(windowMs, Math.max(0, nowMs - k.b * windowMs));
  return k.cur + Math.floor((2 * k.prev * (windowMs - elapsed) + windowMs) / (2 * windowMs));
}

// Times that go forward, stand still and go back, across several windows, now and then no number.
const time = fc.oneof({ weight: 30, arbitrary: fc.integer({ min: 0, max: 400 }) }, { weight: 1, arbitrary: fc.constant(Number.NaN) });
const step = fc.record({ at: time, inc: fc.constantFrom(0, 0, 0, 1, 2) });

describe('slide', () => {
  it('answers and leaves the bucket as the full arithmetic does, idle counters and clocks gone back included', () => {
    fc.assert(
      fc.property(fc.constantFrom(1, 7, 50, 100), fc.array(step, { maxLength: 80 }), (windowMs, steps) => {
        const fast = emptyBucket();
        const full = emptyBucket();
        for (const { at, inc } of steps) {
          expect(slide(fast, at, windowMs, inc)).toEqual(slideBefore(full, at, windowMs, inc));
          expect(fast).toEqual(full);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('an idle counter reads 0 in its window and after it, with the bucket rolled as before', () => {
    const k = emptyBucket();
    expect(slide(k, 1_000, 100, 0)).toBe(0);
    expect(k).toEqual({ b: 10, cur: 0, prev: 0 });
    expect(slide(k, 1_150, 100, 0)).toBe(0);
    expect(k).toEqual({ b: 11, cur: 0, prev: 0 });
    // Counted once, then a window later the previous bucket's share is still weighed.
    expect(slide(k, 1_160, 100, 1)).toBe(1);
    expect(slide(k, 1_225, 100, 0)).toBe(1);
    expect(k).toEqual({ b: 12, cur: 0, prev: 1 });
  });
});
