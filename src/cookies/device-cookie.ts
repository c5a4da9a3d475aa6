import { Buffer } from 'node:buffer';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { deriveKeyRing, type CookieKey, type CookieKeyRing } from './keys.js';
import { cookieHeader, cookieValue } from './session.js';

/**
 * The device cookie: a random id stepgate gives a browser when it completes a step-up, signed so
 * that a client cannot mint ids. It is what lets the risk engine recognise "the same laptop" across
 * browser updates, more strongly than a user-agent fingerprint and more weakly than a client
 * certificate. It names nobody and holds no secret, and the Check path verifies each distinct value
 * once per owner (a bounded memo), so a cached request does no crypto for it.
 *
 * It is bound to the subject whose step-up it was issued in (its owner, `issuer\nsubject`): the
 * MAC covers the owner, so it names a device only for that subject. Unbound, a cookie from the
 * attacker's own step-up, planted in the victim's browser from a sibling subdomain (any host under
 * `stepup.session.domain` can set it), would be learned with the victim's next step-up as the
 * victim's device, and the attacker's own browser would then pass as it with a stolen session.
 *
 * Format: `<kid>.<id>.<mac>`: id is 16 random bytes, mac the first 16 bytes of HMAC-SHA256 over
 * `kid.id.owner` with the device key derived from the cookie key list (purpose `device`).
 */
export const DEVICE_COOKIE = 'stepgate_device';
/** Chrome caps cookie lifetimes at 400 days; asking for more is pointless. */
const LIFETIME_SECONDS = 400 * 86_400;
const VALUE = /^([A-Za-z0-9_-]{1,32})\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{22})$/;

export class DeviceCookies {
  private readonly ring: CookieKeyRing;
  /**
   * cookie value → the owner it was last checked for and the answer. A value has one owner in
   * practice, so the Check path finds it without building a key; another owner is checked anew.
   */
  private readonly verified = new Map<string, { owner: string; id: string | undefined }>();

  constructor(
    keys: readonly CookieKey[],
    private readonly domain: string | undefined,
  ) {
    this.ring = deriveKeyRing(keys, 'device');
  }

  /** A new signed value for `owner` (deviceOwner) with its Set-Cookie header. */
  issue(owner: string): { value: string; setCookie: string } {
    const kid = this.ring.current.kid;
    const id = randomBytes(16).toString('base64url');
    const value = `${kid}.${id}.${mac(this.ring.current.key, kid, id, owner)}`;
    return { value, setCookie: cookieHeader(DEVICE_COOKIE, value, { maxAge: LIFETIME_SECONDS, path: '/', domain: this.domain }) };
  }

  /**
   * The device id in a Cookie header when its signature holds; undefined otherwise. Usually one
   * cookie; a browser can hold two (a host-only one and one for `stepup.session.domain` after the
   * domain changed, the older sent first): the first that verifies names the device, so one signed
   * with a key since removed does not hide the valid one. At most four are looked at.
   */
  fromCookieHeader(header: string | undefined, owner: string): string | undefined {
    const first = cookieValue(header, DEVICE_COOKIE);
    if (first === undefined) return undefined;
    const id = this.verify(first, owner);
    if (id !== undefined) return id;
    // Rare: the first does not verify. The others, in order (the first again costs a memo hit).
    let seen = 0;
    for (const part of header!.split(/[;,]/)) {
      const eq = part.indexOf('=');
      if (eq < 0 || part.slice(0, eq).trim() !== DEVICE_COOKIE) continue;
      if (++seen > 4) break;
      const found = this.verify(part.slice(eq + 1).trim(), owner);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  private verify(value: string, owner: string): string | undefined {
    if (value === '') return undefined;
    const hit = this.verified.get(value);
    if (hit !== undefined && hit.owner === owner) return hit.id;
    const id = this.check(value, owner);
    // Bounded: a client sending random values only churns the memo, never grows it.
    if (this.verified.size >= 4096) this.verified.clear();
    this.verified.set(value, { owner, id });
    return id;
  }

  private check(value: string, owner: string): string | undefined {
    const m = VALUE.exec(value);
    if (!m) return undefined;
    const [, kid, id, tag] = m as unknown as [string, string, string, string];
    const key = this.ring.byKid(kid);
    if (!key) return undefined;
    const want = Buffer.from(mac(key, kid, id, owner), 'base64url');
    const got = Buffer.from(tag, 'base64url');
    return want.length === got.length && timingSafeEqual(want, got) ? id : undefined;
  }
}

function mac(key: Uint8Array, kid: string, id: string, owner: string): string {
  return createHmac('sha256', key).update(`${kid}.${id}.${owner}`).digest().subarray(0, 16).toString('base64url');
}

/** Whose device a cookie names: the risk engine's subject key (issuer and subject). */
export function deviceOwner(issuer: string, subject: string): string {
  return `${issuer}\n${subject}`;
}
