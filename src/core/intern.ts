import { Buffer } from 'node:buffer';

/**
 * Shared copies of the values that many cached identities have in common: the groups list, acr,
 * amr, the subject (one user holds several tokens over a day) and the upstream identity headers.
 * Without it every cached token keeps its own copy of each, parsed from its own claims, which is
 * most of what an entry weighs (bench/token-cache.ts). Values are frozen, so sharing is safe.
 *
 * Each table is bounded: when it is full it is emptied and starts over, so a flood of distinct
 * values (every token a new subject) costs at most `max` remembered values, never a leak; entries
 * already cached keep the objects they were given. Keys are length-prefixed, so no two different
 * lists can share a key.
 */
export class Interner<T> {
  private table = new Map<string, T>();
  /** Bytes of the keys the table holds (its entries: mapTableBytes; values: see `madeBytes`). */
  private held = 0;

  constructor(private readonly max: number) {}

  /**
   * `valueBytes`: an estimate of what a new value weighs. It is added to `madeBytes`, not to this
   * table: the value lives as long as the identities that hold it, not as long as the table, which
   * is emptied when full while they keep it (see buildIdentity's `heldBytes`).
   */
  get(key: string, make: () => T, valueBytes: number): T {
    const found = this.table.get(key);
    if (found !== undefined) return found;
    if (this.table.size >= this.max) {
      this.table = new Map();
      this.held = 0;
    }
    const value = make();
    // A concatenated key is a tree of its parts in V8; kept flat, it weighs its characters.
    this.table.set(key.length > 12 && key !== value ? flatString(key) : key, value);
    if (key !== value) this.held += stringBytes(key);
    made += valueBytes;
    return value;
  }

  get size(): number {
    return this.table.size;
  }

  /** An estimate of what the table itself holds: its Map and the key strings. */
  get bytes(): number {
    return this.held + mapTableBytes(this.table.size);
  }
}

/**
 * Bytes of the values the tables have made so far (a running total): buildIdentity reads it before
 * and after, so an identity is charged for the shared values it was the first to need and for
 * nothing another identity made first. Counting every value an identity refers to charged each
 * token of a team with the team's groups header again (bench/token-cache.ts).
 */
let made = 0;

export function madeBytes(): number {
  return made;
}

/**
 * The table behind a V8 Map of `n` entries (64-bit, no pointer compression, as Node ships): its
 * capacity is a power of two at least `n` (it doubles when full), each slot three words and half a
 * bucket word. Computed from the size rather than charged per entry, because the doubling puts up
 * to half of it in empty slots (the heap snapshots behind test/unit/token-cache-bytes.test.ts).
 */
export function mapTableBytes(n: number): number {
  if (n === 0) return 0;
  let capacity = 4;
  while (capacity < n) capacity *= 2;
  return 40 + capacity * 28;
}

/** A sequential one-byte string: map, then hash and length in one word (16, a heap snapshot's self size for an empty string). */
export const STRING_HEADER_BYTES = 16;

/** Bytes of a string that is not shared, assuming one byte per character (claims are mostly ASCII). */
export function stringBytes(s: string): number {
  return STRING_HEADER_BYTES + ((s.length + 7) & ~7);
}

/** A JSArray (map, properties, elements, length) and its FixedArray of n pointers. */
export function arrayBytes(n: number): number {
  return 32 + 16 + 8 * n;
}

export function listKey(list: readonly string[]): string {
  let key = '';
  for (const s of list) key += `${s.length}:${s}`;
  return key;
}

/** The identity tables: sized so that a fleet's users and their group lists fit, bounded whatever the traffic. */
export const INTERN_MAX = 10_000;
export const strings = new Interner<string>(INTERN_MAX);
export const lists = new Interner<readonly string[]>(INTERN_MAX);
export const pairs = new Interner<readonly [string, string]>(INTERN_MAX);
export const headerLists = new Interner<readonly (readonly [string, string])[]>(INTERN_MAX);

export function internString(s: string): string {
  return strings.get(s, () => s, stringBytes(s));
}

export function internList(list: readonly string[]): readonly string[] {
  if (list.length === 0) return EMPTY;
  return lists.get(listKey(list), () => Object.freeze(list.map(internString)), arrayBytes(list.length));
}

/** `valueCounted`: the value is a string already counted elsewhere (the subject, interned on its own). */
export function internPair(name: string, value: string, valueCounted = false): readonly [string, string] {
  return pairs.get(`${name.length}:${name}${value}`, () => Object.freeze([name, value] as [string, string]), arrayBytes(2) + (valueCounted ? 0 : stringBytes(value)));
}

export function internHeaders(list: readonly (readonly [string, string])[]): readonly (readonly [string, string])[] {
  let key = '';
  for (const [n, v] of list) key += `${n.length}:${n}${v.length}:${v}`;
  return headerLists.get(key, () => Object.freeze(list.map(([n, v]) => internPair(n, v))), arrayBytes(list.length));
}

/** Bytes held by the intern tables themselves (entries and keys), for stepgate_token_cache_bytes. */
export function internBytes(): number {
  return strings.bytes + lists.bytes + pairs.bytes + headerLists.bytes;
}

const EMPTY: readonly string[] = Object.freeze([]);

/**
 * A sequential copy of a string built by concatenation or slicing: V8 keeps such a string as a
 * tree of its parts (or a view of the larger string it was cut from), which costs more than the
 * characters and can keep that larger string alive. Claims from JSON.parse are already flat.
 */
export function flatString(s: string): string {
  return Buffer.from(s, 'utf8').toString('utf8');
}

/**
 * One flat string per distinct name, for names a hot path compares or looks up in Maps on every
 * request (the risk engine's subject and route names): a name is built anew per token or per
 * request (a path segment, a concatenation), and a Map holding the first such string as its key
 * then compares each later look-up's by its characters (a runtime call for a sliced or
 * concatenated one) where the same object is one pointer test (bench/README.md, perf48). Asked
 * only where the name is made (once per token, once per route kept), never per look-up. Bounded
 * as Interner is: when full it starts over, and holders keep the strings they were given.
 */
export class NameTable {
  private table = new Map<string, string>();

  constructor(private readonly max: number) {}

  of(s: string): string {
    if (s === '') return s;
    let n = this.table.get(s);
    if (n === undefined) {
      if (this.table.size >= this.max) this.table = new Map();
      n = s.length > 12 ? flatString(s) : s;
      this.table.set(n, n);
    }
    return n;
  }

  get size(): number {
    return this.table.size;
  }
}
