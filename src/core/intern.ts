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
  /** Bytes of the keys held, for the memory estimate (the values are counted by their users). */
  private held = 0;

  constructor(private readonly max: number) {}

  /** `valueBytes`: an estimate of what the new value weighs, counted while the table holds it. */
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
    this.held += MAP_ENTRY_BYTES + (key === value ? 0 : stringBytes(key)) + valueBytes;
    return value;
  }

  get size(): number {
    return this.table.size;
  }

  /** An estimate of what the table holds: a Map entry, a key string and the value, per value. */
  get bytes(): number {
    return this.held;
  }
}

/** V8 (64-bit, no pointer compression, as Node ships): a Map entry is three words plus its bucket share. */
export const MAP_ENTRY_BYTES = 32;
/** A sequential one-byte string: map, hash and length, rounded to 8. */
export const STRING_HEADER_BYTES = 24;

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

export function internPair(name: string, value: string): readonly [string, string] {
  return pairs.get(`${name.length}:${name}${value}`, () => Object.freeze([name, value] as [string, string]), arrayBytes(2) + stringBytes(value));
}

export function internHeaders(list: readonly (readonly [string, string])[]): readonly (readonly [string, string])[] {
  let key = '';
  for (const [n, v] of list) key += `${n.length}:${n}${v.length}:${v}`;
  return headerLists.get(key, () => Object.freeze(list.map(([n, v]) => internPair(n, v))), arrayBytes(list.length));
}

/** Bytes held by the intern tables themselves, for stepgate_token_cache_bytes. */
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
