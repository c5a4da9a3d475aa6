import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { countLive, dropUpTo, TimedMap } from '../../src/state/timed-map.js';

/** The walks the memory store made before the bound: every value read on every call. */
function walkedCount(set: Map<string, number>, after: number): number {
  let n = 0;
  for (const at of set.values()) if (at > after) n++;
  return n;
}
function walkedDrop(set: Map<string, number>, cutoff: number): void {
  for (const [m, at] of set) if (at <= cutoff) set.delete(m);
}

type Op = { op: 'set' | 'delete'; key: string; at: number } | { op: 'count' | 'drop'; at: number } | { op: 'clear' };

// Times that go back and forth, repeat, and now and then are no number at all.
const time = fc.oneof({ weight: 20, arbitrary: fc.integer({ min: 0, max: 30 }) }, { weight: 1, arbitrary: fc.constant(Number.NaN) });
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constantFrom('set' as const, 'delete' as const), key: fc.constantFrom('a', 'b', 'c', 'd', 'e'), at: time }),
  fc.record({ op: fc.constantFrom('count' as const, 'drop' as const), at: time }),
  fc.constant({ op: 'clear' as const }),
);

describe('TimedMap', () => {
  it('counts and drops as walks of a plain Map do, for any sequence of writes, deletes and times', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const plain = new Map<string, number>();
        const timed = new TimedMap();
        for (const o of ops) {
          if (o.op === 'set') {
            plain.set(o.key, o.at);
            timed.set(o.key, o.at);
          } else if (o.op === 'delete') {
            plain.delete(o.key);
            timed.delete(o.key);
          } else if (o.op === 'count') expect(countLive(timed, o.at)).toBe(walkedCount(plain, o.at));
          else if (o.op === 'drop') {
            walkedDrop(plain, o.at);
            dropUpTo(timed, o.at);
          } else {
            plain.clear();
            timed.clear();
          }
          expect([...timed]).toEqual([...plain]);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('reads no value when nothing can have expired', () => {
    const set = new TimedMap().set('laptop', 100).set('phone', 200);
    // The bound is the oldest time written: a cutoff below it (a known device's 30 days, nearly
    // every Check) is answered without a walk, before and after a later use is written.
    const values = vi.spyOn(set, 'values');
    const iterate = vi.spyOn(set, Symbol.iterator);
    expect(countLive(set, 99)).toBe(2);
    dropUpTo(set, 99);
    set.set('laptop', 300);
    expect(countLive(set, 99)).toBe(2);
    expect(values).not.toHaveBeenCalled();
    expect(iterate).not.toHaveBeenCalled();
    // Past the oldest time, a walk: it drops the phone and raises the bound to the laptop's 300.
    dropUpTo(set, 200);
    expect([...set]).toEqual([['laptop', 300]]);
    expect(set.floor).toBe(300);
  });
});
