/**
 * Past this many names a lookup goes through a Map instead of a scan, so a request with many
 * headers costs a constant per lookup and per repeated name, never a walk of the whole list.
 */
export const SCAN_MAX = 32;

/**
 * A request's headers: lower-cased names, the values of a repeated name joined (HeaderList.add),
 * in the order the names first came. Read like a ReadonlyMap; both adapters build one
 * (request/headers.ts). Not a Map, because a Map cannot be sized up front: V8's starts with room
 * for four entries and doubles, so the fourteen names of a kubectl request grew it twice per
 * Check (two rehashes, ~1.9k instructions, and ~800 B of tables per Check; bench/README.md,
 * perf27), for about ten lookups. Up to SCAN_MAX names are kept in one flat list and found by
 * comparing names, which the gRPC decoder hands over as the same string objects every request;
 * most lookups are for a name the request does not carry (`upgrade`, `cookie`, the override
 * headers), and those are answered by a bit per bucket of names without a scan.
 */
export class RequestHeaders implements ReadonlyMap<string, string> {
  readonly size: number;

  /**
   * @param list entries in threes: the name as received, lower-cased, the value; no lower-cased
   *   name twice. Kept by reference and never changed.
   * @param index each lower-cased name's place in `list`, once there are SCAN_MAX names.
   * @param low the buckets (headerBucket) of the names in `list`, 0–31, one bit each
   * @param high and 32–63
   */
  constructor(
    private readonly list: readonly string[],
    private readonly index: ReadonlyMap<string, number> | undefined,
    private readonly low: number,
    private readonly high: number,
  ) {
    this.size = list.length / 3;
  }

  /** The headers of `pairs` (names lower-cased, a repeated name joined): for tests, tools and rebuilt requests. */
  static of(pairs: Iterable<readonly [string, string]>): RequestHeaders {
    const l = new HeaderList();
    for (const [name, value] of pairs) l.add(name, toLowerAscii(name), value);
    return l.headers();
  }

  get(name: string): string | undefined {
    const list = this.list;
    if (this.index !== undefined) {
      const at = this.index.get(name);
      return at === undefined ? undefined : list[at + 2];
    }
    const b = headerBucket(name);
    // A shift counts modulo 32, so `1 << b` is bit b − 32 of `high`.
    if (((b < 32 ? this.low : this.high) & (1 << b)) === 0) return undefined;
    for (let i = 1; i < list.length; i += 3) if (list[i] === name) return list[i + 1];
    return undefined;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /**
   * The value of the entry at `slot` (slotOf's answer for an earlier request's headers) when its
   * name is `name`, else undefined: one comparison instead of a scan for a client that sends its
   * headers in the same order every time (a token's kubectl or browser does).
   */
  valueAt(slot: number, name: string): string | undefined {
    const list = this.list;
    return slot >= 0 && slot + 2 < list.length && list[slot + 1] === name ? list[slot + 2] : undefined;
  }

  /** Where `name`'s entry is in the list, for valueAt; -1 when it is not here. */
  slotOf(name: string): number {
    if (this.index !== undefined) return this.index.get(name) ?? -1;
    const b = headerBucket(name);
    if (((b < 32 ? this.low : this.high) & (1 << b)) === 0) return -1;
    const list = this.list;
    for (let i = 1; i < list.length; i += 3) if (list[i] === name) return i - 1;
    return -1;
  }

  /**
   * True when none of the names `buckets` was made from (nameBuckets) is here: one test for a group
   * of names most requests do not carry, where a get() of each costs a call and often a scan (a
   * name shares its bucket with one that is present). False says only that one may be here.
   */
  lacksAll(buckets: NameBuckets): boolean {
    return (this.low & buckets.low) === 0 && (this.high & buckets.high) === 0;
  }

  /**
   * Whether a lower-cased name starts with `prefix`. The guardrails ask it of every Kubernetes
   * request (`impersonate-`); the Map-like `keys()` is a generator, one resumption and one result
   * object per name (~700 B per Check), where this is a loop over the list.
   */
  hasNameStartingWith(prefix: string): boolean {
    const list = this.list;
    for (let i = 1; i < list.length; i += 3) if (list[i]!.startsWith(prefix)) return true;
    return false;
  }

  forEach(fn: (value: string, key: string, map: ReadonlyMap<string, string>) => void, thisArg?: unknown): void {
    const list = this.list;
    for (let i = 0; i < list.length; i += 3) fn.call(thisArg, list[i + 2]!, list[i + 1]!, this);
  }

  *entries(): MapIterator<[string, string]> {
    const list = this.list;
    for (let i = 0; i < list.length; i += 3) yield [list[i + 1]!, list[i + 2]!];
  }

  *keys(): MapIterator<string> {
    const list = this.list;
    for (let i = 0; i < list.length; i += 3) yield list[i + 1]!;
  }

  *values(): MapIterator<string> {
    const list = this.list;
    for (let i = 0; i < list.length; i += 3) yield list[i + 2]!;
  }

  [Symbol.iterator](): MapIterator<[string, string]> {
    return this.entries();
  }

  /** These headers with `name` (lower-case) set to `value`: in its place when present, else last. */
  with(name: string, value: string): RequestHeaders {
    const pairs: [string, string][] = [...this.entries()];
    const at = pairs.findIndex(([n]) => n === name);
    if (at < 0) pairs.push([name, value]);
    else pairs[at] = [name, value];
    return RequestHeaders.of(pairs);
  }
}

/** Builds a RequestHeaders one header at a time. */
export class HeaderList {
  private readonly list: string[] = [];
  private low = 0;
  private high = 0;
  private index: Map<string, number> | undefined;

  /**
   * Adds `value` under `name` (lower-cased; `rawName` as received), or joins it to the value
   * already there: true when the name is new. Cookie headers are joined with "; " (RFC 6265 §5.4,
   * RFC 9113 §8.2.3), so a cookie in a second Cookie header is read, and cut before the upstream,
   * like one in the first; any other with ','.
   */
  add(rawName: string, name: string, value: string): boolean {
    const list = this.list;
    const b = headerBucket(name);
    const at = this.find(name, b);
    if (at >= 0) {
      const prev = list[at + 2]!;
      list[at + 2] = name === 'cookie' ? `${prev}; ${value}` : `${prev},${value}`;
      return false;
    }
    if (b < 32) this.low |= 1 << b;
    else this.high |= 1 << b;
    if (this.index !== undefined) this.index.set(name, list.length);
    list.push(rawName, name, value);
    if (this.index === undefined && list.length === SCAN_MAX * 3) {
      this.index = new Map();
      for (let i = 0; i < list.length; i += 3) this.index.set(list[i + 1]!, i);
    }
    return true;
  }

  headers(): RequestHeaders {
    return new RequestHeaders(this.list, this.index, this.low, this.high);
  }

  /** Where `name`'s entry starts in the list, or -1. */
  private find(name: string, b: number): number {
    if (this.index !== undefined) return this.index.get(name) ?? -1;
    if (((b < 32 ? this.low : this.high) & (1 << b)) === 0) return -1;
    const list = this.list;
    for (let i = 1; i < list.length; i += 3) if (list[i] === name) return i - 1;
    return -1;
  }
}

/** The buckets (headerBucket) of a group of lower-cased names, for RequestHeaders.lacksAll: made once. */
export interface NameBuckets {
  readonly low: number;
  readonly high: number;
}

export function nameBuckets(names: readonly string[]): NameBuckets {
  let low = 0;
  let high = 0;
  for (const name of names) {
    const b = headerBucket(name);
    // As RequestHeaders keeps them: a shift counts modulo 32, so `1 << b` is bit b − 32 of `high`.
    if (b < 32) low |= 1 << b;
    else high |= 1 << b;
  }
  return { low, high };
}

/**
 * One of 64 buckets a header name falls into, from its length and last character: two loads, and
 * the names of one request mostly differ in one or the other.
 */
export function headerBucket(name: string): number {
  const n = name.length;
  return n === 0 ? 0 : (n * 7 + name.charCodeAt(n - 1)) & 63;
}

/** `s` lower-cased when it holds an ASCII capital, else `s` itself (no copy): HTTP/2 and Envoy send names lower-case. */
export function toLowerAscii(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 65 && c <= 90) return s.toLowerCase();
  }
  return s;
}
