import { Buffer } from 'node:buffer';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { derivedKeys, type CookieKey } from './keys.js';

/** The query parameter that carries a step-up link's MAC. */
export const LINK_SIG = 'sig';

/** What a link's `sig` says about the rest of it. */
export type LinkCheck = 'valid' | 'absent' | 'invalid';

/**
 * The step-up link a Check answers with (decision/respond.ts stepUpUrl) says what the request
 * needs (level, max_age, context) and why (the rules, guardrails and risk bands that took part).
 * The page, the authorization request and the callback all read it, so it is MACed: HMAC-SHA256,
 * with a key HKDF derives for this purpose from the cookie key list every replica shares, over
 * every parameter of the link but `sig`, names and values, in their order. A link changed after
 * stepgate made it (a max_age raised, a guardrail's cause dropped, a parameter added twice) no
 * longer verifies. Deterministic: the same denial gives the same link, so kept denials stay valid.
 */
export class StepUpLinks {
  private readonly keys: readonly CookieKey[];
  private readonly byKid: ReadonlyMap<string, Uint8Array>;

  constructor(keys: readonly CookieKey[]) {
    this.keys = derivedKeys(keys, 'stepup-link');
    this.byKid = new Map(this.keys.map((k) => [k.kid, k.key]));
  }

  /** Appends `sig` (the first key's id and the MAC) to `url`, which must not carry one yet. */
  sign(url: URL): void {
    const k = this.keys[0]!;
    url.searchParams.append(LINK_SIG, `${k.kid}.${mac(k.key, url.searchParams)}`);
  }

  /** Whether `q`'s `sig` is a MAC of the rest of `q` under one of the keys. */
  check(q: URLSearchParams): LinkCheck {
    const sigs = q.getAll(LINK_SIG);
    if (sigs.length === 0) return 'absent';
    if (sigs.length > 1) return 'invalid';
    const dot = sigs[0]!.indexOf('.');
    const key = dot > 0 ? this.byKid.get(sigs[0]!.slice(0, dot)) : undefined;
    if (key === undefined) return 'invalid';
    const given = Buffer.from(sigs[0]!.slice(dot + 1), 'base64url');
    const want = Buffer.from(mac(key, q), 'base64url');
    return given.length === want.length && timingSafeEqual(given, want) ? 'valid' : 'invalid';
  }
}

/** HMAC-SHA256 over the pairs other than `sig`, each name and value length-prefixed. */
function mac(key: Uint8Array, q: URLSearchParams): string {
  const h = createHmac('sha256', key);
  h.update('stepgate step-up link v1');
  for (const [name, value] of q) {
    if (name === LINK_SIG) continue;
    for (const part of [name, value]) {
      const b = Buffer.from(part, 'utf8');
      h.update(`\n${b.length}:`);
      h.update(b);
    }
  }
  return h.digest('base64url');
}
