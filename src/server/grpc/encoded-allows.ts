import { Buffer } from 'node:buffer';
import type { Answer } from '../../decision/respond.js';
import type { Verdict } from '../../decision/verdict.js';
import type { Identity } from '../../core/identity.js';
import { LRUCache } from 'lru-cache';
import { arrayBytes, mapTableBytes } from '../../core/intern.js';

/**
 * Encoding a CheckResponse with protobufjs costs more than the whole decision for a cached token
 * (headers, BoolValue wrappers and the metadata Struct: ~10–15 µs). An allow's CheckResponse is a
 * function of three parts of its Answer: the upstream headers, the headers to remove and the
 * metadata. Those parts, written out as a string, are the cache key, so equal bytes are only ever
 * served for an equal answer, whatever produced it (a policy requirement, one tightened by the
 * guardrails or the risk engine, which are new objects on every request).
 *
 * The identity's upstream header list is shared by every token with the same headers
 * (identity/intern.ts) and frozen, so it stands in the key as a number given to that list
 * object: all tokens of one user share their encoded allows, and a cached token holds none of its
 * own. The cache is one LRU bounded by `maxEntries` (token_cache.encoded_allow_max_entries), so
 * its memory is sized apart from the token cache's, and by bytes: an entry is usually ~0.7–0.9 KiB, but
 * its identity headers come from token claims (a groups list can be long), so a count alone would
 * not bound what it holds. The bytes bound is a budget per entry times the entries, well above the
 * usual entry, so it only binds when entries are unusually large.
 */
export class EncodedAllowCache {
  static readonly DEFAULT_MAX_ENTRIES = 10_000;
  /** Average bytes an encoded allow may take (key, bytes, bookkeeping); the bench's are ~0.9 KiB by this estimate. */
  static readonly ALLOW_BUDGET_BYTES = 2048;
  /** The same for an encoded denial, which carries its body and WWW-Authenticate twice (key and bytes); the bench's challenges are ~2.5 KiB. */
  static readonly DENIAL_BUDGET_BYTES = 4096;
  /**
   * A number (and its last key) per upstream header list object, for the lists seen lately: two
   * generations of at most `memoGeneration` lists each; a list found only in the older one moves to
   * the newer, and when the newer is full the older is dropped. Kept per list for as long as a
   * cached token held it (a WeakMap), a memo with its parts and key weighed ~500 bytes per user,
   * past the 1 KiB per cached token of issue 17 when every token is a different user
   * (bench/token-cache.ts). A list seen again after its memo was dropped gets a new number: its
   * earlier entries are no longer found and age out of the LRU, and the cost is one encoding.
   * Numbers are never reused, so a number always stands for one list.
   */
  private young = new Map<object, KeyMemo>();
  private old = new Map<object, KeyMemo>();
  private readonly memoGeneration: number;
  private nextScope = 0;
  private readonly entries: LRUCache<string, Buffer>;
  private hitCount = 0;
  private missCount = 0;
  private readonly denials: LRUCache<string, Buffer>;
  private denialHitCount = 0;
  private denialMissCount = 0;
  /**
   * Bytes of the denials the Responder keeps (decision/respond.ts): the same frozen Answer
   * object for every repeat, so it is found by reference without building denialKey (a string
   * as long as the body). Entries go with their Answer when the Responder's LRU drops it.
   */
  private readonly byAnswer = new WeakMap<Answer, Buffer>();

  constructor(
    private readonly serialize: (msg: unknown) => Buffer,
    maxEntries = EncodedAllowCache.DEFAULT_MAX_ENTRIES,
  ) {
    // Together the generations hold at most as many lists as there are entries: a list beyond
    // those has no entry of its own left to find in the usual case.
    this.memoGeneration = Math.max(1, Math.ceil(maxEntries / 2));
    this.entries = new LRUCache({ max: maxEntries, maxSize: maxEntries * EncodedAllowCache.ALLOW_BUDGET_BYTES, sizeCalculation: entryBytes });
    const denials = Math.max(16, Math.ceil(maxEntries / 4));
    this.denials = new LRUCache({ max: denials, maxSize: denials * EncodedAllowCache.DENIAL_BUDGET_BYTES, sizeCalculation: entryBytes });
  }

  /** Bytes held (the estimate the bounds use), allows and denials. */
  get bytes(): { allows: number; denials: number } {
    return { allows: this.entries.calculatedSize, denials: this.denials.calculatedSize };
  }

  /**
   * An estimate of all this cache holds, for stepgate_token_cache_bytes: the allows and denials
   * (their bounds' estimate, encoded bytes included) and the key memos. Walks the memos (at most
   * the entry bound): read by a metrics scrape, never on a Check.
   */
  get heldBytes(): number {
    let memos = mapTableBytes(this.young.size) + mapTableBytes(this.old.size);
    for (const m of this.young.values()) memos += MEMO_BYTES + arrayBytes(m.parts.length);
    for (const [list, m] of this.old) if (!this.young.has(list)) memos += MEMO_BYTES + arrayBytes(m.parts.length);
    return this.entries.calculatedSize + this.denials.calculatedSize + memos;
  }

  /** Lookups of reusable allows so far, for tests and the bench. */
  get lookups(): { hits: number; misses: number } {
    return { hits: this.hitCount, misses: this.missCount };
  }

  /** Lookups of reusable denials so far (tests and the bench). */
  get denialLookups(): { hits: number; misses: number } {
    return { hits: this.denialHitCount, misses: this.denialMissCount };
  }

  /** Encoded allows held. */
  get size(): number {
    return this.entries.size;
  }

  /**
   * What to send for this answer: bytes encoded earlier for an equal answer, freshly encoded
   * (and kept) bytes when the answer is worth keeping, else the message from `build`.
   */
  response(v: Verdict, a: Answer, build: (a: Answer) => unknown): unknown {
    if (!a.allow) {
      if (!reusableDenial(v)) return build(a);
      // A frozen Answer cannot change, so the bytes found by its reference are its own.
      return Object.isFrozen(a) ? this.keptDenial(a, build) : this.denial(a, build);
    }
    if (!reusable(v, a)) return build(a);
    const who = v.identity!;
    const key = memoAnswerKey(this.memoOf(who.upstreamHeaders), who, a);
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      this.hitCount++;
      return hit;
    }
    this.missCount++;
    const bytes = this.encode(build(a));
    this.entries.set(key, bytes);
    return bytes;
  }

  private memoOf(list: object): KeyMemo {
    const memo = this.young.get(list);
    return memo !== undefined ? memo : this.promote(list);
  }

  private promote(list: object): KeyMemo {
    const memo = this.old.get(list) ?? { scope: this.nextScope++, parts: NO_PARTS, key: '' };
    if (this.young.size >= this.memoGeneration) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(list, memo);
    return memo;
  }

  /** Header lists with a key memo (tests; at most the entry bound). */
  get memos(): number {
    let n = this.young.size;
    for (const list of this.old.keys()) if (!this.young.has(list)) n++;
    return n;
  }

  /**
   * A denial for a cached token (a step-up challenge above all: kubectl and browsers repeat the
   * same request until the user steps up) is encoded once too. Its key is the whole answer
   * (status, every header, body, metadata), so the bytes are always those of an equal answer;
   * its own LRU, so denials with per-request content (a return URL) cannot push out allows.
   */
  private denial(a: Answer, build: (a: Answer) => unknown): unknown {
    const key = denialKey(a);
    const hit = this.denials.get(key);
    if (hit !== undefined) {
      this.denialHitCount++;
      return hit;
    }
    this.denialMissCount++;
    const bytes = this.encode(build(a));
    this.denials.set(key, bytes);
    return bytes;
  }

  private keptDenial(a: Answer, build: (a: Answer) => unknown): Buffer {
    const hit = this.byAnswer.get(a);
    if (hit !== undefined) {
      this.denialHitCount++;
      return hit;
    }
    this.denialMissCount++;
    const bytes = this.encode(build(a));
    this.byAnswer.set(a, bytes);
    return bytes;
  }

  private encode(msg: unknown): Buffer {
    const encoded = this.serialize(msg);
    // protobufjs hands out slices of a shared 8 KiB pool; a kept slice would keep its whole slab.
    const bytes = Buffer.allocUnsafeSlow(encoded.length);
    encoded.copy(bytes);
    return bytes;
  }
}

/**
 * A denial worth keeping: for a token seen before, with a verified identity (an invalid token's
 * denial is answered from the negative cache's verdict, rarely twice alike), not a session
 * (per-request cookies), not about an approval (its id is per request).
 */
function reusableDenial(v: Verdict): boolean {
  return v.tokenCached && v.identity !== undefined && v.identity.source !== 'session' && v.approval === undefined;
}

/**
 * Whether an allow is likely to be sent again byte for byte. Correctness does not depend on this
 * (the key is the answer); it keeps one-off answers from filling the cache: a token's first
 * sighting (`token_cache: miss`), a session allow, an allow whose Cookie header was rewritten
 * (stepgate's own cookies cut out: per request), an approval's allow (its id is in the metadata),
 * stripped client headers (`x-stepgate-*` the client sent: names of the client's choosing). Other
 * removals are names from the configuration, the same on every request that carries them (the
 * access proxy's assertion, `cookie` when every cookie was stepgate's): with `access_proxy` on
 * every proxied allow removes the assertion, and encoding each again was more than half of its
 * Check's instructions (crypto40, bench/README.md).
 */
function reusable(v: Verdict, a: Answer): boolean {
  return (
    a.allow &&
    v.tokenCached &&
    v.identity !== undefined &&
    v.identity.source !== 'session' &&
    // Only the identity's own header list: anything else (a rewritten Cookie header) is per
    // request. A request whose cookies are all the application's passes that list through.
    a.headers === v.identity.upstreamHeaders &&
    // An approval's allow is for one request and says so in its metadata.
    v.approval === undefined &&
    (a.removeHeaders.length === 0 || v.attributes?.spoofedIdentityHeaders.length === 0)
  );
}

/**
 * What an entry weighs: its bytes and a Buffer (object, backing store), the key (a flat one-byte
 * string, which is what a key made of header values and ASCII metadata is), and an LRU slot.
 */
function entryBytes(value: Buffer, key: string): number {
  return 160 + value.length + 24 + key.length;
}

/** A KeyMemo object: header and three fields (its parts are counted apart, its key with the entry). */
const MEMO_BYTES = 24 + 3 * 8;

/**
 * Reused by answerKey: the key is built synchronously, so one array serves every Check. Written by
 * index and cut to length (which trims in place) rather than emptied and pushed to, which would
 * give it a new backing store every time.
 */
const parts: (string | number)[] = [];
const NO_PARTS: readonly (string | number)[] = [];

/**
 * Every string the encoded allow is made of, each prefixed by its length so that no two different
 * answers can give one key, after the scope number. The identity's own upstream headers (the
 * usual case: the Answer passes the identity's array through) are already fixed by the scope
 * number and are left out. The parts are joined once: V8 then writes the key as one flat string,
 * where appending piece by piece built a tree of partial strings and flattened it again to hash it
 * (about 1.3 KB of garbage per cached allow: bench/alloc.ts).
 */
export function answerKey(who: Identity, a: Answer, scope = 0): string {
  const n = fillParts(who, a, scope);
  parts.length = n;
  const key = parts.join('|');
  // Dropped so that the array keeps no request's strings alive until the next Check.
  parts.fill(0);
  return key;
}

/** The last key built for one upstream header list (one scope number), with the parts it was joined from. */
export interface KeyMemo {
  readonly scope: number;
  parts: readonly (string | number)[];
  key: string;
}

/**
 * answerKey, without joining and hashing the key again when the parts are, value for value, those
 * of the last key built in this scope (a user's repeated requests): the same key string is handed
 * back, and the LRU finds it by a hash V8 keeps with the string. Equal parts join to an equal key,
 * so this never gives a key answerKey would not (the property test in encoded-allows.test.ts).
 */
export function memoAnswerKey(memo: KeyMemo, who: Identity, a: Answer): string {
  const n = fillParts(who, a, memo.scope);
  const last = memo.parts;
  let same = last.length === n;
  for (let i = 0; same && i < n; i++) same = last[i] === parts[i];
  if (!same) {
    parts.length = n;
    memo.parts = parts.slice();
    memo.key = parts.join('|');
  }
  parts.fill(0);
  return memo.key;
}

function fillParts(who: Identity, a: Answer, scope: number): number {
  let n = 0;
  parts[n++] = scope;
  // Indexed loops, no destructuring of the pairs: `for (const [name, value] of …)` went through
  // the iterator protocol here on every allowed Check, ~40 bytes allocated each time
  // (bench/engine-ab.ts' allocation profile: `next ← fillParts`).
  if (a.headers !== who.upstreamHeaders) {
    const headers = a.headers;
    parts[n++] = 'h';
    parts[n++] = headers.length;
    for (let i = 0; i < headers.length; i++) {
      const name = headers[i]![0];
      const value = headers[i]![1];
      parts[n++] = name.length;
      parts[n++] = name;
      parts[n++] = value.length;
      parts[n++] = value;
    }
  }
  const removed = a.removeHeaders;
  parts[n++] = 'r';
  parts[n++] = removed.length;
  for (let i = 0; i < removed.length; i++) {
    const name = removed[i]!;
    parts[n++] = name.length;
    parts[n++] = name;
  }
  const m = a.metadata;
  for (const name in m) {
    const value = m[name]!;
    parts[n++] = name.length;
    parts[n++] = name;
    parts[n++] = value.length;
    parts[n++] = value;
  }
  return n;
}

/** The whole denial, each variable part prefixed by its length (see answerKey). */
export function denialKey(a: Answer): string {
  let key = `${a.status}/${a.grpcCode}/h${a.headers.length}`;
  for (const [name, value] of a.headers) key += `|${name.length}:${name}${value.length}:${value}`;
  key += `|r${a.removeHeaders.length}`;
  for (const name of a.removeHeaders) key += `|${name.length}:${name}`;
  key += `|b${a.body.length}:${a.body}`;
  const m = a.metadata;
  for (const name in m) {
    const value = m[name]!;
    key += `|${name.length}:${name}${value.length}:${value}`;
  }
  return key;
}
