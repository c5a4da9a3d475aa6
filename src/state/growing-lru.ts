import { LRUCache } from 'lru-cache';

/** The capacity a GrowingLru starts with: lru-cache's links are then one-byte arrays. */
export const FIRST_CAPACITY = 256;
/** How much a full GrowingLru's capacity is multiplied by, up to its bound. */
const GROWTH = 8;

/**
 * lru-cache without an entry limit's worth of work at construction. lru-cache allocates and fills
 * its key and value lists and its link arrays for `max` entries when it is built: ~13 ms of CPU for
 * each `max: 100_000` cache, and the memory store has six of them at the default
 * `state.memory.max_subjects` (plus the console sessions), so every start of a memory store cost
 * ~100 ms of CPU (and ~10 MB of heap) before its first subject. This one starts with
 * FIRST_CAPACITY slots and, when an addition finds them all taken while its bound is larger,
 * moves its entries (least recently used first, so the order is kept) into a cache GROWTH times
 * larger, capped at the bound. Nothing is evicted (and nothing disposed) before `max` entries are
 * held, exactly as with `new LRUCache({ max })`: the bound and the eviction order are unchanged.
 *
 * Only for caches without TTLs: a move would restart an entry's age. The methods are those the
 * stores use; each is the inner cache's own.
 */
export class GrowingLru<K extends NonNullable<unknown>, V extends NonNullable<unknown>> {
  private cache: LRUCache<K, V>;

  constructor(
    readonly max: number,
    private readonly options: Omit<LRUCache.OptionsMaxLimit<K, V, unknown>, 'max' | 'ttl' | 'ttlAutopurge' | 'maxSize' | 'sizeCalculation'> = {},
    first = FIRST_CAPACITY,
  ) {
    this.cache = new LRUCache<K, V>({ ...options, max: Math.min(max, Math.max(1, first)) });
  }

  get size(): number {
    return this.cache.size;
  }

  get(key: K): V | undefined {
    return this.cache.get(key);
  }

  set(key: K, value: V): this {
    const c = this.cache;
    // Full below the bound, and the key a new one (an update takes no slot): grow first.
    if (c.size === c.max && c.max < this.max && !c.has(key)) this.grow(c);
    this.cache.set(key, value);
    return this;
  }

  delete(key: K): boolean {
    return this.cache.delete(key);
  }

  clear(): void {
    this.cache.clear();
  }

  /** Most recently used first, as LRUCache.entries. */
  entries(): Generator<[K, V], void, unknown> {
    return this.cache.entries() as Generator<[K, V], void, unknown>;
  }

  /** Least recently used first, as LRUCache.rentries. */
  rentries(): Generator<[K, V], void, unknown> {
    return this.cache.rentries() as Generator<[K, V], void, unknown>;
  }

  /** Most recently used first, as LRUCache.values. */
  values(): Generator<V, void, unknown> {
    return this.cache.values() as Generator<V, void, unknown>;
  }

  private grow(c: LRUCache<K, V>): void {
    const next = new LRUCache<K, V>({ ...this.options, max: Math.min(this.max, c.max * GROWTH) });
    // Least recently used first: each set makes its entry the most recent, so the order is the old one's.
    for (const [k, v] of c.rentries() as Generator<[K, V], void, unknown>) next.set(k, v);
    this.cache = next;
  }
}
