import { mapTableBytes, stringBytes } from '../core/intern.js';

/**
 * The credentials seen again lately, by their exact text, each with its key in the token cache.
 *
 * Why it exists: the token cache is keyed by a SHA-256 of the credential so that the 50,000+
 * entries it holds keep no raw token, and hashing a ~1 KB token was a third of a cached Check's
 * instructions (34k of ~114k, bench/README "tokenkey39"). A Map keyed by the string itself finds
 * the key with V8's own string hash and an exact comparison of the contents: no digest, and no
 * collision to forge (two strings are one entry only when every character is equal).
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
  private readonly byText = new Map<string, string>();
  private readonly byKey = new Map<string, string>();
  private chars = 0;
  /** stringBytes of every copy held. */
  private held = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly maxChars: number,
    private readonly maxLength: number,
  ) {}

  /** The cache key of this exact credential, if it is here. */
  keyOf(text: string): string | undefined {
    return this.byText.get(text);
  }

  /** Keeps `text` → `key` unless it is already here; called only for a credential the cache holds. */
  add(text: string, key: string): void {
    // A hit found through the front comes back here: one look-up by the short key, its hash kept.
    if (this.byKey.has(key) || text.length > this.maxLength || text.length > this.maxChars) return;
    const copy = Buffer.from(text, 'latin1').toString('latin1');
    if (copy !== text) return;
    while (this.byText.size >= this.maxEntries || this.chars + copy.length > this.maxChars) {
      const oldest = this.byText.keys().next();
      if (oldest.done === true) break;
      this.remove(oldest.value);
    }
    this.byText.set(copy, key);
    this.byKey.set(key, copy);
    this.chars += copy.length;
    this.held += stringBytes(copy);
  }

  /** The cache no longer holds `key`: its credential goes too. */
  drop(key: string): void {
    const text = this.byKey.get(key);
    if (text !== undefined) this.remove(text);
  }

  private remove(text: string): void {
    const key = this.byText.get(text);
    if (key === undefined) return;
    this.byText.delete(text);
    this.byKey.delete(key);
    this.chars -= text.length;
    this.held -= stringBytes(text);
  }

  get size(): number {
    return this.byText.size;
  }

  /** The heap it holds: its two Maps' tables and each copy (the keys are the cache's own strings). */
  get bytes(): number {
    return 2 * mapTableBytes(this.byText.size) + this.held;
  }
}
