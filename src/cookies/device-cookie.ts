import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { deriveKeyRing, type CookieKey, type CookieKeyRing } from './keys.js';
import { cookieHeader, cookieValue } from './session.js';

/**
 * The device cookie: a random id stepgate gives a browser when it completes a step-up, signed so
 * that a client cannot mint ids. It is what lets the risk engine recognise "the same laptop" across
 * browser updates, more strongly than a user-agent fingerprint and more weakly than a client
 * certificate. It carries no identity and no secret, and the Check path verifies each distinct value
 * once (a bounded memo), so a cached request does no crypto for it.
 *
 * Format: `<kid>.<id>.<mac>`: id is 16 random bytes, mac the first 16 bytes of HMAC-SHA256 over
 * `kid.id` with the device key derived from the cookie key list (purpose `device`).
 */
export const DEVICE_COOKIE = 'stepgate_device';
/** Chrome caps cookie lifetimes at 400 days; asking for more is pointless. */
const LIFETIME_SECONDS = 400 * 86_400;
const VALUE = /^([A-Za-z0-9_-]{1,32})\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{22})$/;

export class DeviceCookies {
  private readonly ring: CookieKeyRing;
  private readonly verified = new Map<string, string | undefined>();

  constructor(
    keys: readonly CookieKey[],
    private readonly domain: string | undefined,
  ) {
    this.ring = deriveKeyRing(keys, 'device');
  }

  /** A new signed value with its Set-Cookie header. */
  issue(): { value: string; setCookie: string } {
    const kid = this.ring.current.kid;
    const id = randomBytes(16).toString('base64url');
    const value = `${kid}.${id}.${mac(this.ring.current.key, kid, id)}`;
    return { value, setCookie: cookieHeader(DEVICE_COOKIE, value, { maxAge: LIFETIME_SECONDS, path: '/', domain: this.domain }) };
  }

  /**
   * The device id in a Cookie header when its signature holds; undefined otherwise. Usually one
   * cookie; a browser can hold two (a host-only one and one for `stepup.session.domain` after the
   * domain changed, the older sent first): the first that verifies names the device, so one signed
   * with a key since removed does not hide the valid one. At most four are looked at.
   */
  fromCookieHeader(header: string | undefined): string | undefined {
    const first = cookieValue(header, DEVICE_COOKIE);
    if (first === undefined) return undefined;
    const id = this.verify(first);
    if (id !== undefined) return id;
    // Rare: the first does not verify. The others, in order (the first again costs a memo hit).
    let seen = 0;
    for (const part of header!.split(';')) {
      const eq = part.indexOf('=');
      if (eq < 0 || part.slice(0, eq).trim() !== DEVICE_COOKIE) continue;
      if (++seen > 4) break;
      const found = this.verify(part.slice(eq + 1).trim());
      if (found !== undefined) return found;
    }
    return undefined;
  }

  private verify(value: string): string | undefined {
    if (value === '') return undefined;
    const hit = this.verified.get(value);
    if (hit !== undefined || this.verified.has(value)) return hit;
    const id = this.check(value);
    // Bounded: a client sending random values only churns the memo, never grows it.
    if (this.verified.size >= 4096) this.verified.clear();
    this.verified.set(value, id);
    return id;
  }

  private check(value: string): string | undefined {
    const m = VALUE.exec(value);
    if (!m) return undefined;
    const [, kid, id, tag] = m as unknown as [string, string, string, string];
    const key = this.ring.byKid(kid);
    if (!key) return undefined;
    const want = Buffer.from(mac(key, kid, id), 'base64url');
    const got = Buffer.from(tag, 'base64url');
    return want.length === got.length && timingSafeEqual(want, got) ? id : undefined;
  }
}

function mac(key: Uint8Array, kid: string, id: string): string {
  return createHmac('sha256', key).update(`${kid}.${id}`).digest().subarray(0, 16).toString('base64url');
}
