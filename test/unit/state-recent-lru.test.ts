import fc from 'fast-check';
import { LRUCache } from 'lru-cache';
import { describe, expect, it, vi } from 'vitest';
import { RecentLru } from '../../src/state/recent-lru.js';

type Op = { op: 'get' | 'set' | 'delete'; key: string; value: number } | { op: 'clear' };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constantFrom('get' as const, 'set' as const, 'delete' as const), key: fc.constantFrom('a', 'b', 'c', 'd'), value: fc.nat(9) }),
  fc.constant({ op: 'clear' as const }),
);

describe('RecentLru', () => {
  it('answers, evicts and lists as a plain LRUCache of the same size, for any sequence of operations', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.array(op, { maxLength: 40 }), (max, first, ops) => {
        const plain = new LRUCache<string, { v: number }>({ max });
        // Starting below its bound or at it (growing-lru.ts): the same answers either way.
        const recent = new RecentLru<{ v: number }>(max, first);
        for (const o of ops) {
          if (o.op === 'get') expect(recent.get(o.key)?.v).toBe(plain.get(o.key)?.v);
          else if (o.op === 'set') {
            plain.set(o.key, { v: o.value });
            recent.set(o.key, { v: o.value });
          } else if (o.op === 'delete') {
            plain.delete(o.key);
            recent.delete(o.key);
          } else {
            plain.clear();
            recent.clear();
          }
          expect([...recent.entries()].map(([k, x]) => [k, x.v])).toEqual([...plain.entries()].map(([k, x]) => [k, x.v]));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('asks the cache once for a key asked for again', () => {
    const get = vi.spyOn(LRUCache.prototype, 'get');
    try {
      const recent = new RecentLru<{ v: number }>(4);
      recent.set('a', { v: 1 });
      recent.set('b', { v: 2 });
      for (let i = 0; i < 3; i++) expect(recent.get('a')?.v).toBe(1);
      expect(get).toHaveBeenCalledTimes(1);
    } finally {
      get.mockRestore();
    }
  });
});
