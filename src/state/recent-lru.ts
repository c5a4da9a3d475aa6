import { GrowingLru } from './growing-lru.js';

/**
 * An LRUCache that answers a lookup of the key it was last asked for, or last given, without asking
 * the cache. That key is the cache's most recently used entry, so the cache's own lookup would
 * only find it and move it to where it already is. A token's Checks follow each other (kubectl's
 * discovery then its request, a controller's loop), and each asks the memory store for the same
 * subject's records two or three times; another subject in between costs one string comparison.
 */
export class RecentLru<V extends object> {
  /** Grows to `max` as entries come (growing-lru.ts): a store's start allocates no `max` slots. */
  private readonly cache: GrowingLru<string, V>;
  private lastKey: string | undefined;
  private lastValue: V | undefined;

  constructor(max: number, first?: number) {
    this.cache = new GrowingLru<string, V>(max, {}, first);
  }

  get(key: string): V | undefined {
    if (key === this.lastKey) {
      // Equal, maybe another string with the same text (the subject key of the token before a
      // refresh): keeping the one asked for makes the next comparison a pointer's.
      this.lastKey = key;
      return this.lastValue;
    }
    const v = this.cache.get(key);
    // A miss leaves the most recently used entry as it was, and so the remembered one.
    if (v !== undefined) {
      this.lastKey = key;
      this.lastValue = v;
    }
    return v;
  }

  set(key: string, value: V): void {
    this.cache.set(key, value);
    this.lastKey = key;
    this.lastValue = value;
  }

  delete(key: string): void {
    this.cache.delete(key);
    if (key === this.lastKey) this.forgetLast();
  }

  clear(): void {
    this.cache.clear();
    this.forgetLast();
  }

  /** Most recently used first, as LRUCache.entries; no entry's recency changes. */
  entries(): Generator<[string, V], void, unknown> {
    return this.cache.entries();
  }

  private forgetLast(): void {
    this.lastKey = undefined;
    this.lastValue = undefined;
  }
}
