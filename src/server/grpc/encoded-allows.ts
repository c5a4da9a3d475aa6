import type { Verdict } from '../../decision/verdict.js';
import type { Identity } from '../../identity/identity.js';
import type { Requirement } from '../../policy/policy.js';

/**
 * Encoding a CheckResponse with protobufjs costs more than the whole decision for a cached token
 * (headers, BoolValue wrappers and the metadata Struct: ~10–15 µs). An allow for a cached token
 * depends only on the identity and the matched requirement, both of which are shared, immutable
 * objects; so its bytes are encoded once and reused. Entries live as long as the identity stays in
 * the token cache (WeakMap) and are bounded per identity by the policy's distinct requirements.
 */
export class EncodedAllowCache {
  private readonly byIdentity = new WeakMap<Identity, Map<Requirement, Buffer>>();
  private static readonly MAX_PER_IDENTITY = 256;

  constructor(private readonly serialize: (msg: unknown) => Buffer) {}

  get(v: Verdict): Buffer | undefined {
    if (!eligible(v)) return undefined;
    return this.byIdentity.get(v.identity!)?.get(v.requirement!);
  }

  /** Returns what to send: the encoded bytes when the verdict is reusable, else the message itself. */
  remember(v: Verdict, message: unknown): unknown {
    if (!eligible(v)) return message;
    const bytes = this.serialize(message);
    let perIdentity = this.byIdentity.get(v.identity!);
    if (!perIdentity) {
      perIdentity = new Map();
      this.byIdentity.set(v.identity!, perIdentity);
    }
    if (perIdentity.size < EncodedAllowCache.MAX_PER_IDENTITY) perIdentity.set(v.requirement!, bytes);
    return bytes;
  }
}

/**
 * Only allows whose response carries nothing request-specific: a token-cache hit (the metadata
 * says `token_cache: hit`), not from a session cookie, and no client-sent identity headers to strip.
 */
function eligible(v: Verdict): boolean {
  return (
    v.allow &&
    v.tokenCached &&
    v.identity !== undefined &&
    // A session allow rewrites the request's Cookie header, which is per request; any request
    // with a Cookie header may carry stepgate's cookies, which are cut out per request too.
    v.identity.source !== 'session' &&
    v.attributes?.headers.has('cookie') !== true &&
    v.requirement !== undefined &&
    // An approval's allow is for one request and says so in its metadata.
    v.approval === undefined &&
    (v.attributes?.spoofedIdentityHeaders.length ?? 1) === 0
  );
}
