import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { utcClock } from '../../src/core/clock-text.js';

/** What utcClock wrote before perf41, through Date's own formatting. */
const byDate = (ms: number) => `${new Date(ms).toISOString().slice(11, 19)}Z`;

describe('utcClock', () => {
  it("is Date#toISOString's time of day for any time a Date holds, fractions and times before 1970 included (property)", () => {
    const ms = fc.oneof(
      fc.integer({ min: -8.64e15, max: 8.64e15 }),
      fc.double({ min: -8.64e15, max: 8.64e15, noNaN: true }),
      fc.integer({ min: -3 * 86_400_000, max: 3 * 86_400_000 }),
      fc.integer({ min: -62_167_219_200_000 - 86_400_000, max: -62_167_219_200_000 + 86_400_000 }),
      fc.integer({ min: 253_402_300_800_000 - 86_400_000, max: 253_402_300_800_000 + 86_400_000 }),
      fc.constantFrom(0, -0, -1, -0.5, 0.5, 999.999, -999.999, 86_399_999, 86_400_000, -86_400_000, -86_400_001, 8.64e15, -8.64e15, -62_167_219_200_000, -62_167_219_200_000.5, -62_167_219_200_001, 253_402_300_799_999.9, 253_402_300_800_000, Date.parse('2026-12-06T14:02:05.999Z')),
    );
    fc.assert(fc.property(ms, (t) => {
        expect(utcClock(t)).toBe(byDate(t));
      }), { numRuns: 20_000 });
  });

  it('throws as Date does where Date holds no time', () => {
    for (const t of [NaN, Infinity, -Infinity, 8.64e15 + 1, -8.64e15 - 1]) {
      expect(() => byDate(t)).toThrow(RangeError);
      expect(() => utcClock(t)).toThrow(RangeError);
    }
  });
});
