import fc from 'fast-check';
import { LRUCache } from 'lru-cache';
import { describe, expect, it } from 'vitest';
import { GrowingLru } from '../../src/state/growing-lru.js';
import { MemoryStateStore } from '../../src/state/memory.js';
import { TEST_LIMITS } from '../support/state-config.js';

type Op = { op: 'get' | 'set' | 'delete'; key: string; value: number } | { op: 'clear' };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constantFrom('get' as const, 'set' as const, 'set' as const, 'delete' as const), key: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'), value: fc.nat(9) }) },
  { weight: 1, arbitrary: fc.constant({ op: 'clear' as const }) },
);

describe('GrowingLru', () => {
  it('answers, evicts, disposes and lists as a plain LRUCache of the same bound, whatever capacity it starts with', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 4 }), fc.array(op, { maxLength: 60 }), (max, first, ops) => {
        const plainGone: string[] = [];
        const grownGone: string[] = [];
        const plain = new LRUCache<string, { v: number }>({ max, dispose: (x, k, why) => plainGone.push(`${k}=${x.v}:${why}`) });
        const grown = new GrowingLru<string, { v: number }>(max, { dispose: (x, k, why) => grownGone.push(`${k}=${x.v}:${why}`) }, first);
        for (const o of ops) {
          if (o.op === 'get') expect(grown.get(o.key)?.v).toBe(plain.get(o.key)?.v);
          else if (o.op === 'set') {
            plain.set(o.key, { v: o.value });
            grown.set(o.key, { v: o.value });
          } else if (o.op === 'delete') expect(grown.delete(o.key)).toBe(plain.delete(o.key));
          else {
            plain.clear();
            grown.clear();
          }
          expect(grown.size).toBe(plain.size);
          expect([...grown.entries()].map(([k, x]) => `${k}=${x.v}`)).toEqual([...plain.entries()].map(([k, x]) => `${k}=${x.v}`));
          expect([...grown.rentries()].map(([k, x]) => `${k}=${x.v}`)).toEqual([...(plain.rentries() as Generator<[string, { v: number }]>)].map(([k, x]) => `${k}=${x.v}`));
          expect([...grown.values()].map((x) => x.v)).toEqual([...plain.values()].map((x) => x.v));
          // Moving to a larger cache disposes of nothing: only what the plain cache evicts or drops.
          expect(grownGone).toEqual(plainGone);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('holds its bound, evicting the least recently used, once it has grown to it', () => {
    const gone: string[] = [];
    const lru = new GrowingLru<string, number>(1000, { dispose: (_v, k, why) => gone.push(`${k}:${why}`) }, 2);
    for (let i = 0; i < 1000; i++) lru.set(`k${i}`, i);
    expect(gone).toEqual([]);
    lru.get('k0');
    lru.set('k1000', 1000);
    expect(gone).toEqual(['k1:evict']);
    expect(lru.size).toBe(1000);
    expect(lru.get('k0')).toBe(0);
  });
});

describe('MemoryStateStore start', () => {
  it('allocates nothing for max_subjects entries before it holds them', () => {
    // lru-cache preallocates key and value lists of `max` slots (8 bytes each) per cache: seven
    // of them at 1,000,000 subjects were ~112 MB of heap, and ~100 ms of CPU at the default 100,000.
    const before = process.memoryUsage().heapUsed;
    const store = new MemoryStateStore(TEST_LIMITS, { maxSubjects: 1_000_000 });
    const grew = process.memoryUsage().heapUsed - before;
    expect(store).toBeDefined();
    expect(grew).toBeLessThan(8 * 1024 * 1024);
  });
});
