import type { Answer } from '../../decision/respond.js';
import type { Verdict } from '../../decision/verdict.js';
import type { Identity } from '../../identity/identity.js';

/**
 * Encoding a CheckResponse with protobufjs costs more than the whole decision for a cached token
 * (headers, BoolValue wrappers and the metadata Struct: ~10–15 µs). An allow's CheckResponse is a
 * function of three parts of its Answer: the upstream headers, the headers to remove and the
 * metadata. Those parts, written out as a string, are the cache key, so equal bytes are only ever
 * served for an equal answer, whatever produced it (a policy requirement, one tightened by the
 * guardrails or the risk engine, which are new objects on every request). Object identity is
 * never part of the key except the identity's own, which only scopes the entries' lifetime.
 *
 * Entries live as long as the identity stays in the token cache (WeakMap), at most
 * MAX_PER_IDENTITY per identity, oldest evicted first.
 */
export class EncodedAllowCache {
  static readonly MAX_PER_IDENTITY = 32;
  private readonly byIdentity = new WeakMap<Identity, Map<string, Buffer>>();
  private hitCount = 0;
  private missCount = 0;

  constructor(private readonly serialize: (msg: unknown) => Buffer) {}

  /** Lookups of reusable allows so far, for tests and the bench. */
  get lookups(): { hits: number; misses: number } {
    return { hits: this.hitCount, misses: this.missCount };
  }

  /** Entries held for one identity (tests). */
  sizeFor(identity: Identity): number {
    return this.byIdentity.get(identity)?.size ?? 0;
  }

  /**
   * What to send for this answer: bytes encoded earlier for an equal answer, freshly encoded
   * (and kept) bytes when the answer is worth keeping, else the message from `build`.
   */
  response(v: Verdict, a: Answer, build: (a: Answer) => unknown): unknown {
    if (!reusable(v, a)) return build(a);
    const who = v.identity!;
    const key = answerKey(who, a);
    let perIdentity = this.byIdentity.get(who);
    const hit = perIdentity?.get(key);
    if (hit !== undefined) {
      this.hitCount++;
      return hit;
    }
    this.missCount++;
    const bytes = this.serialize(build(a));
    if (!perIdentity) {
      perIdentity = new Map();
      this.byIdentity.set(who, perIdentity);
    } else if (perIdentity.size >= EncodedAllowCache.MAX_PER_IDENTITY) {
      // Map iterates in insertion order: the first key is the oldest entry.
      perIdentity.delete(perIdentity.keys().next().value!);
    }
    perIdentity.set(key, bytes);
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
 * the identity's array through) are already fixed by the per-identity map and are left out.
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
