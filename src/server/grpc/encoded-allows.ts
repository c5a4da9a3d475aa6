import type { Answer } from '../../decision/respond.js';
import type { Verdict } from '../../decision/verdict.js';
import type { Identity } from '../../core/identity.js';
import { LRUCache } from 'lru-cache';

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
 * its memory is sized apart from the token cache's.
 */
export class EncodedAllowCache {
  static readonly DEFAULT_MAX_ENTRIES = 10_000;
  /** A number per upstream header list object; an object that is gone frees its number's entries by eviction. */
  private readonly scopes = new WeakMap<object, number>();
  private nextScope = 0;
  private readonly entries: LRUCache<string, Buffer>;
  private hitCount = 0;
  private missCount = 0;

  constructor(
    private readonly serialize: (msg: unknown) => Buffer,
    maxEntries = EncodedAllowCache.DEFAULT_MAX_ENTRIES,
  ) {
    this.entries = new LRUCache({ max: maxEntries });
  }

  /** Lookups of reusable allows so far, for tests and the bench. */
  get lookups(): { hits: number; misses: number } {
    return { hits: this.hitCount, misses: this.missCount };
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
    if (!reusable(v, a)) return build(a);
    const who = v.identity!;
    let scope = this.scopes.get(who.upstreamHeaders);
    if (scope === undefined) {
      scope = this.nextScope++;
      this.scopes.set(who.upstreamHeaders, scope);
    }
    const key = `${scope}${answerKey(who, a)}`;
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      this.hitCount++;
      return hit;
    }
    this.missCount++;
    const encoded = this.serialize(build(a));
    // protobufjs hands out slices of a shared 8 KiB pool; a kept slice would keep its whole slab.
    const bytes = Buffer.allocUnsafeSlow(encoded.length);
    encoded.copy(bytes);
    this.entries.set(key, bytes);
    return bytes;
  }
}

/**
 * Whether an allow is likely to be sent again byte for byte. Correctness does not depend on this
 * (the key is the answer); it keeps one-off answers from filling the cache: a token's first
 * sighting (`token_cache: miss`), a session allow (its rewritten Cookie header is per request),
 * an approval's allow (its id is in the metadata), stripped client headers.
 */
function reusable(v: Verdict, a: Answer): boolean {
  return (
    a.allow &&
    v.tokenCached &&
    v.identity !== undefined &&
    // A session allow rewrites the request's Cookie header, which is per request; any request
    // with a Cookie header may carry stepgate's cookies, which are cut out per request too.
    v.identity.source !== 'session' &&
    v.attributes?.headers.has('cookie') !== true &&
    // An approval's allow is for one request and says so in its metadata.
    v.approval === undefined &&
    a.removeHeaders.length === 0
  );
}

/**
 * Every string the encoded allow is made of, each prefixed by its length so that no two different
 * answers can give one key. The identity's own upstream headers (the usual case: the Answer passes
 * the identity's array through) are already fixed by the scope number in front and are left out.
 */
export function answerKey(who: Identity, a: Answer): string {
  let key = '';
  if (a.headers !== who.upstreamHeaders) {
    key += `h${a.headers.length}`;
    for (const [name, value] of a.headers) key += `|${name.length}:${name}${value.length}:${value}`;
  }
  key += `|r${a.removeHeaders.length}`;
  for (const name of a.removeHeaders) key += `|${name.length}:${name}`;
  const m = a.metadata;
  for (const name in m) {
    const value = m[name]!;
    key += `|${name.length}:${name}${value.length}:${value}`;
  }
  return key;
}
