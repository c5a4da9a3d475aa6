import { Buffer } from 'node:buffer';
import { mapTableBytes, stringBytes } from '../core/intern.js';

/**
 * The credentials seen again lately, by their exact text, each with its key in the token cache.
 *
 * Why it exists: the token cache is keyed by a SHA-256 of the credential so that the 50,000+
 * entries it holds keep no raw token, and hashing a ~1 KB token was a third of a cached Check's
 * instructions (34k of ~114k, bench/README "tokenkey39"). Here a credential finds its key by an
 * exact comparison of the contents: no digest, and no collision to forge (a credential finds an
 * entry only when every character is equal). The Map is keyed by a number made from a few
 * characters at the end (of a JWT's signature), not by the text: V8 hashes a string key over all its
 * characters (~12 instructions each, 12k for a 1 KB token, measured), a number in a few; the
 * number only picks the one candidate that is then compared whole. Two credentials with one tail
 * number share no entry: the second is hashed on every use, as without the front.
 *
 * Why it is safe to put in front of the cache:
 * - It answers nothing. It maps a credential to the cache's key, a pure function of the
 *   credential, and the cache is then asked as before, so expiry, eviction, revocation and the
 *   negative cache still decide every answer, and the cache's recency is kept by real use.
 * - It still holds raw tokens, so it holds few and only while the cache does: the verifier drops
 *   an entry whenever the cache disposes of its key (expiry found, eviction, revocation, a
 *   replaced entry), a credential enters only when it was already cached (seen twice: a one-off
 *   token never displaces a busy one), and it is bounded by entries and by characters, a long
 *   credential never kept, so its memory is a fixed few MiB whatever `max_entries` is, counted in
 *   `stepgate_token_cache_bytes`.
 * - What it keeps is a flat copy: the request's string may be a slice of a larger header value,
 *   which the Map would otherwise keep alive uncounted. The copy is made through Latin-1 and
 *   kept only when equal to the original, so a character Latin-1 cannot hold can never make one
 *   credential's copy equal to another's.
 * - One per kind of credential (bearer token, session cookie): the same bytes presented as a
 *   token and as a cookie find two different cache keys, as the cache's prefixes intend.
 *
 * Oldest first out: a Map keeps insertion order, so eviction is its first entry and a hit costs
 * no reordering (an LRU's delete and set on every hit would cost more than it saves at this size).
 */
export class TokenFront {
  private readonly byTail = new Map<number, Kept>();
  /** Cache key → its credential's tail number, so that the cache's disposal finds the entry. */
  private readonly byKey = new Map<string, number>();
  private chars = 0;
  /** stringBytes of every copy held. */
  private held = 0;
  /** Whether an entry has ever left (see `bytes`). */
  private churned = false;

  constructor(
    private readonly maxEntries: number,
    private readonly maxChars: number,
    private readonly maxLength: number,
  ) {}

  /** The cache key of this exact credential, if it is here. */
  keyOf(text: string): string | undefined {
    const kept = this.byTail.get(tailOf(text));
    return kept !== undefined && kept.text === text ? kept.key : undefined;
  }

  /** Keeps `text` → `key`; called only for a credential the cache holds. */
  add(text: string, key: string): void {
    if (text.length > this.maxLength || text.length > this.maxChars) return;
    const tail = tailOf(text);
    // Another credential with this tail (or this one) is here: this one is hashed on every use.
    if (this.byTail.has(tail)) return;
    const copy = Buffer.from(text, 'latin1').toString('latin1');
    if (copy !== text) return;
    while (this.byTail.size >= this.maxEntries || this.chars + copy.length > this.maxChars) {
      const oldest = this.byTail.keys().next();
      if (oldest.done === true) break;
      this.remove(oldest.value);
    }
    this.byTail.set(tail, { text: copy, key });
    this.byKey.set(key, tail);
    this.chars += copy.length;
    this.held += stringBytes(copy);
  }

  /** The cache no longer holds `key`: its credential goes too. */
  drop(key: string): void {
    const tail = this.byKey.get(key);
    if (tail !== undefined) this.remove(tail);
  }

  private remove(tail: number): void {
    const kept = this.byTail.get(tail);
    if (kept === undefined) return;
    this.byTail.delete(tail);
    this.byKey.delete(kept.key);
    this.churned = true;
    this.chars -= kept.text.length;
    this.held -= stringBytes(kept.text);
  }

  get size(): number {
    return this.byTail.size;
  }

  /**
   * The heap it holds: its two Maps' tables, an entry object and a copy each (the keys are the
   * cache's own strings). Once entries leave, a V8 Map keeps their slots until its table fills
   * and then grows it while fewer than half are deleted: with a steady turnover its tables settle
   * at twice its entries (measured, test/unit/token-cache-bytes.test.ts).
   */
  get bytes(): number {
    const n = this.byTail.size;
    return 2 * mapTableBytes(this.churned ? 2 * n : n) + n * KEPT_BYTES + this.held;
  }
}

interface Kept {
  readonly text: string;
  readonly key: string;
}

/** A Kept: map, properties, elements and its two fields. */
const KEPT_BYTES = 24 + 2 * 8;

/** The last seven characters (a JWT's signature) and the length, folded into a Smi for the Map's key. */
function tailOf(s: string): number {
  let h = s.length;
  for (let i = Math.max(0, s.length - 7); i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h & 0x3fffffff;
}
