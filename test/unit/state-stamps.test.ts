import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countLive, dropUpTo, Stamps } from '../../src/state/stamps.js';

/** The scans the bound lets the memory store skip, written out in full. */
const naiveLive = (m: Map<string, number>, after: number) => [...m.values()].filter((at) => at > after).length;
const naiveDrop = (m: Map<string, number>, cutoff: number) => {
  for (const [k, at] of [...m]) if (at <= cutoff) m.delete(k);
};

describe('Stamps (memory store sets with a lower bound on their times)', () => {
  it('countLive and dropUpTo answer as full scans do, for any writes, deletes and clock order', () => {
    const member = fc.constantFrom('a', 'b', 'c', 'd');
    const time = fc.oneof(fc.integer({ min: 0, max: 20 }), fc.constant(Number.NaN));
    const op = fc.oneof(
      fc.tuple(fc.constant('set' as const), member, time),
      fc.tuple(fc.constant('delete' as const), member, time),
      fc.tuple(fc.constant('drop' as const), member, time),
      fc.tuple(fc.constant('live' as const), member, time),
      fc.tuple(fc.constant('clear' as const), member, time),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const s = new Stamps();
        const m = new Map<string, number>();
        for (const [kind, k, t] of ops) {
          if (kind === 'set') {
            s.set(k, t);
            m.set(k, t);
          } else if (kind === 'delete') {
            s.delete(k);
            m.delete(k);
          } else if (kind === 'drop') {
            dropUpTo(s, t);
            naiveDrop(m, t);
          } else if (kind === 'live') {
            expect(countLive(s, t)).toBe(naiveLive(m, t));
          } else {
            s.clear();
            m.clear();
          }
          expect([...s]).toEqual([...m]);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
