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
  /** Allows whose rewritten Cookie header is spliced in per request (spliced()), their own LRU. */
  private readonly cookieAllows: LRUCache<string, SplicedAllow>;
  private cookieHitCount = 0;
  private cookieMissCount = 0;
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
    // A browser user's allows, one per distinct answer as the plain ones: a quarter of the bound, as
    // the denials, so browsers cannot push out the allows kubectl and services repeat.
    const browsers = Math.max(16, Math.ceil(maxEntries / 4));
    this.cookieAllows = new LRUCache({ max: browsers, maxSize: browsers * EncodedAllowCache.ALLOW_BUDGET_BYTES, sizeCalculation: splicedBytes });
    const denials = Math.max(16, Math.ceil(maxEntries / 4));
    this.denials = new LRUCache({ max: denials, maxSize: denials * EncodedAllowCache.DENIAL_BUDGET_BYTES, sizeCalculation: entryBytes });
  }

  /** Bytes held (the estimate the bounds use), allows and denials. */
  get bytes(): { allows: number; cookieAllows: number; denials: number } {
    return { allows: this.entries.calculatedSize, cookieAllows: this.cookieAllows.calculatedSize, denials: this.denials.calculatedSize };
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
    return this.entries.calculatedSize + this.cookieAllows.calculatedSize + this.denials.calculatedSize + memos;
  }

  /** Lookups of reusable allows so far, for tests and the bench. */
  get lookups(): { hits: number; misses: number } {
    return { hits: this.hitCount, misses: this.missCount };
  }

  /** Lookups of allows with a spliced Cookie header so far (tests and the bench). */
  get cookieLookups(): { hits: number; misses: number } {
    return { hits: this.cookieHitCount, misses: this.cookieMissCount };
  }

  /** Allows with a spliced Cookie header held. */
  get cookieSize(): number {
    return this.cookieAllows.size;
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
    // Headers for the client (a DPoP nonce) are in neither key: such an allow is encoded as it is.
    // It comes with a DPoP proof, whose signature check costs far more than the encoding.
    if (a.clientHeaders !== undefined) return build(a);
    if (!reusable(v, a)) return splicable(v, a) ? this.spliced(v, a, build) : build(a);
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

  /**
   * An allow that would be kept but for the Cookie header respond.ts rewrote (stepgate's own
   * cookies cut out of the application's: a browser with a session and cookies of its own, on
   * every request): everything but that header's value is the same from request to request, so
   * the bytes are kept with the value's place marked (SplicedAllow), keyed by the answer without
   * the value, and each request's value is written into a copy. The lengths that enclose it are
   * written anew; the result is the encoding of this answer (test/unit/encoded-allows-splice.test.ts).
   */
  private spliced(v: Verdict, a: Answer, build: (a: Answer) => unknown): unknown {
    const cookie = a.headers[a.headers.length - 1]![1];
    const bytes = Buffer.byteLength(cookie, 'utf8');
    // protobufjs writes a lone surrogate of a short string as its own three bytes and of a long
    // one as U+FFFD's (Buffer): two encodings, so such a value is encoded as protobufjs does.
    if (bytes !== cookie.length && LONE_SURROGATE.test(cookie)) return build(a);
    const who = v.identity!;
    const key = memoAnswerKey(this.memoOf(who.upstreamHeaders), who, a, true);
    const kept = this.cookieAllows.get(key);
    if (kept !== undefined) {
      this.cookieHitCount++;
      return kept.with(cookie, bytes);
    }
    this.cookieMissCount++;
    const encoded = this.encode(build(a));
    const template = SplicedAllow.of(encoded, cookie, bytes);
    // Bytes whose layout is not the one expected are sent as they are and not kept.
    if (template !== undefined) this.cookieAllows.set(key, template);
    return encoded;
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
 * sighting (`token_cache: miss`), an allow whose Cookie header was rewritten (stepgate's own
 * cookies cut out: per request; see splicable), an approval's allow (its id is in the metadata),
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
    // A session's allow is one as well: its answer is the user's, and its Cookie header (always
    // rewritten: the session cookie is cut out) is either removed whole, a removal named by the
    // configuration, or left to splicable.
    // Only the identity's own header list: anything else (a rewritten Cookie header) is per
    // request. A request whose cookies are all the application's passes that list through.
    a.headers === v.identity.upstreamHeaders &&
    // An approval's allow is for one request and says so in its metadata.
    v.approval === undefined &&
    (a.removeHeaders.length === 0 || v.attributes?.spoofedIdentityHeaders.length === 0)
  );
}

/**
 * An allow reusable but for its Cookie header: the identity's own header list followed by the one
 * respond.ts appends for the application's cookies (the same entries, not copies), nothing else
 * per request. A session's browser sends one on every request when the application has cookies of
 * its own.
 */
function splicable(v: Verdict, a: Answer): boolean {
  if (!a.allow || !v.tokenCached || v.identity === undefined || v.approval !== undefined) return false;
  if (a.removeHeaders.length !== 0 && v.attributes?.spoofedIdentityHeaders.length !== 0) return false;
  const own = v.identity.upstreamHeaders;
  const headers = a.headers;
  if (headers.length !== own.length + 1 || headers[own.length]![0] !== 'cookie') return false;
  for (let i = 0; i < own.length; i++) if (headers[i] !== own[i]) return false;
  return true;
}

/** A character of a UTF-16 surrogate pair without its other half. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * An encoded allow whose last upstream header's value (the Cookie header) is written per request.
 * CheckResponse → ok_response (field 3) → its last `headers` entry (field 2, a HeaderValueOption)
 * → `header` (field 1, a HeaderValue) → `value` (field 2): the value's bytes and the three lengths
 * enclosing it change with it, everything else is the kept encoding's bytes. The places are found
 * by reading the encoding protobufjs wrote (never assumed), and kept only when the value read
 * there is the value encoded. The value itself is not kept: it is the application's cookies (its
 * own session, say) of the request that was encoded first, which no later answer needs.
 */
export class SplicedAllow {
  private constructor(
    /**
     * The encoding without the value's bytes, in the five pieces between the four lengths that
     * change: views made once of one kept buffer, each copied into a request's bytes by one
     * TypedArray#set. Buffer#copy of a range made a Uint8Array view of it on every call (Node 20's
     * JavaScript `_copy`: argument checks, a view, then the same set), five per request: ~3k
     * instructions of a session's allow against ~0.9k (perf42, callgrind).
     */
    private readonly head: Uint8Array,
    private readonly okHead: Uint8Array,
    private readonly entryHead: Uint8Array,
    private readonly headerHead: Uint8Array,
    private readonly tail: Uint8Array,
    /** The bytes of ok_response, the entry and the HeaderValue that are not the enclosed field. */
    private readonly okRest: number,
    private readonly entryRest: number,
    private readonly headerRest: number,
  ) {}

  /** The places in an allow's encoding whose Cookie header's value is `value` (`bytes` in UTF-8), or undefined. */
  static of(frame: Buffer, value: string, bytes: number): SplicedAllow | undefined {
    const ok = field(frame, 0, frame.length, 3, false);
    if (ok === undefined) return undefined;
    const entry = field(frame, ok.body, ok.end, 2, true);
    if (entry === undefined) return undefined;
    const header = field(frame, entry.body, entry.end, 1, false);
    if (header === undefined) return undefined;
    const name = field(frame, header.body, header.end, 1, false);
    const val = field(frame, header.body, header.end, 2, false);
    if (name === undefined || val === undefined || val.body < name.end) return undefined;
    if (frame.toString('latin1', name.body, name.end) !== 'cookie') return undefined;
    if (val.end - val.body !== bytes || frame.toString('utf8', val.body, val.end) !== value) return undefined;
    // A buffer of its own (a pooled one would keep its whole 8 KiB slab), holding the five pieces
    // back to back: everything but the three enclosing lengths, the value's length and the value.
    const pieces: [number, number][] = [
      [0, ok.len],
      [ok.body, entry.len],
      [entry.body, header.len],
      [header.body, val.len],
      [val.end, frame.length],
    ];
    const kept = new Uint8Array(pieces.reduce((n, [from, to]) => n + (to - from), 0));
    const views: Uint8Array[] = [];
    let at = 0;
    for (const [from, to] of pieces) {
      kept.set(frame.subarray(from, to), at);
      views.push(kept.subarray(at, at + (to - from)));
      at += to - from;
    }
    return new SplicedAllow(
      views[0]!,
      views[1]!,
      views[2]!,
      views[3]!,
      views[4]!,
      ok.end - ok.body - (entry.end - entry.len),
      entry.end - entry.body - (header.end - header.len),
      header.end - header.body - (val.end - val.len),
    );
  }

  /** The encoding with `value` (`bytes` long in UTF-8) as the Cookie header's value. */
  with(value: string, bytes: number): Buffer {
    const header = this.headerRest + varintSize(bytes) + bytes;
    const entry = this.entryRest + varintSize(header) + header;
    const ok = this.okRest + varintSize(entry) + entry;
    const head = this.head;
    const okHead = this.okHead;
    const entryHead = this.entryHead;
    const headerHead = this.headerHead;
    const tail = this.tail;
    const out = Buffer.allocUnsafe(
      head.length + varintSize(ok) + okHead.length + varintSize(entry) + entryHead.length + varintSize(header) + headerHead.length + varintSize(bytes) + bytes + tail.length,
    );
    out.set(head, 0);
    let at = writeVarint(out, head.length, ok);
    out.set(okHead, at);
    at = writeVarint(out, at + okHead.length, entry);
    out.set(entryHead, at);
    at = writeVarint(out, at + entryHead.length, header);
    out.set(headerHead, at);
    at = writeVarint(out, at + headerHead.length, bytes);
    at += (out as WritableBuffer).utf8Write(value, at, bytes);
    out.set(tail, at);
    return out;
  }

  /** The kept bytes' length (the bounds' estimate adds the object, the views and the key). */
  get length(): number {
    return this.head.length + this.okHead.length + this.entryHead.length + this.headerHead.length + this.tail.length;
  }
}

/** Buffer's own UTF-8 writer (what `write` calls after its argument checks; Node's typings leave it out). */
type WritableBuffer = Buffer & { utf8Write(value: string, offset: number, length: number): number };

/**
 * The first (or last) length-delimited field `number` between `start` and `end`: where its length
 * starts, where its body starts and ends. Undefined when absent or when the bytes are not fields.
 */
function field(buf: Buffer, start: number, end: number, number: number, last: boolean): { len: number; body: number; end: number } | undefined {
  let found: { len: number; body: number; end: number } | undefined;
  let at = start;
  while (at < end) {
    const tag = readVarint(buf, at, end);
    if (tag === undefined) return undefined;
    at = tag.next;
    const wire = tag.value & 7;
    if (wire === 0) {
      const v = readVarint(buf, at, end);
      if (v === undefined) return undefined;
      at = v.next;
    } else if (wire === 1) at += 8;
    else if (wire === 5) at += 4;
    else if (wire === 2) {
      const len = readVarint(buf, at, end);
      if (len === undefined || len.next + len.value > end) return undefined;
      // The whole range is walked either way: bytes that are not fields to its end are not an encoding to keep.
      if (tag.value >>> 3 === number && (last || found === undefined)) found = { len: at, body: len.next, end: len.next + len.value };
      at = len.next + len.value;
    } else return undefined;
  }
  return at === end ? found : undefined;
}

/** A varint of at most 32 bits (every tag and length here: a message is at most 4 MiB). */
function readVarint(buf: Buffer, at: number, end: number): { value: number; next: number } | undefined {
  let value = 0;
  for (let shift = 0; shift < 35 && at < end; shift += 7) {
    const b = buf[at++]!;
    value += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return value <= 0xffffffff ? { value, next: at } : undefined;
  }
  return undefined;
}

function varintSize(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5;
}

function writeVarint(buf: Buffer, at: number, n: number): number {
  while (n >= 0x80) {
    buf[at++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  buf[at++] = n;
  return at;
}

/**
 * What a spliced entry weighs: its kept bytes, their ArrayBuffer, the object with its eight fields,
 * the five views of the pieces, the key, an LRU slot. bench/spliced-heap.ts reads ~1.29 KiB of heap
 * per entry of 444 kept bytes (perf42: 337 B more than one Buffer and twelve places, for the four
 * views more), and ~0.89 of it counted this way (a whole answer's count reads 0.86).
 */
function splicedBytes(value: SplicedAllow, key: string): number {
  return 160 + 140 + 4 * 76 + value.length + 24 + key.length;
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
export function answerKey(who: Identity, a: Answer, scope = 0, spliced = false): string {
  const n = fillParts(who, a, scope, spliced);
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
export function memoAnswerKey(memo: KeyMemo, who: Identity, a: Answer, spliced = false): string {
  const n = fillParts(who, a, memo.scope, spliced);
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

/**
 * `spliced`: the headers are the identity's followed by the Cookie header, whose value is not part
 * of the key (SplicedAllow writes it in): `c` stands for them, a part no other key has there.
 */
function fillParts(who: Identity, a: Answer, scope: number, spliced = false): number {
  let n = 0;
  parts[n++] = scope;
  // Indexed loops, no destructuring of the pairs: `for (const [name, value] of …)` went through
  // the iterator protocol here on every allowed Check, ~40 bytes allocated each time
  // (bench/engine-ab.ts' allocation profile: `next ← fillParts`).
  if (spliced) parts[n++] = 'c';
  else if (a.headers !== who.upstreamHeaders) {
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
