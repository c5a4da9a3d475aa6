import { Buffer } from 'node:buffer';
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { deriveKeyRing, type CookieKey, type CookieKeyRing } from '../../cookies/keys.js';

/**
 * The per-page token an approve/reject form carries: HMAC-SHA256, under a key derived (HKDF,
 * purpose `approval`) from the cookie key list, over the session cookie's hash and the approval
 * id. A page served to one session for one approval yields a token only that session can post
 * for that approval; a cross-site form cannot read it, and a stolen token is useless without the
 * cookie. Stateless, so it works on any replica that shares the key list. `kid.mac` lets a key
 * rotation keep open pages valid.
 */
export class ApprovalTokens {
  private readonly ring: CookieKeyRing;

  constructor(keys: readonly CookieKey[]) {
    this.ring = deriveKeyRing(keys, 'approval');
  }

  issue(sessionCookie: string, approvalId: string): string {
    const k = this.ring.current;
    return `${k.kid}.${mac(k.key, sessionCookie, approvalId)}`;
  }

  verify(token: string | null, sessionCookie: string, approvalId: string): boolean {
    if (token === null || token.length > 128) return false;
    const dot = token.indexOf('.');
    if (dot <= 0) return false;
    const key = this.ring.byKid(token.slice(0, dot));
    if (!key) return false;
    const given = Buffer.from(token.slice(dot + 1), 'utf8');
    const want = Buffer.from(mac(key, sessionCookie, approvalId), 'utf8');
    return given.length === want.length && timingSafeEqual(given, want);
  }
}

export type OriginCheck = { ok: true } | { ok: false; detail: string };

/**
 * The first CSRF line, before any state is read: the POST must come from a page of the configured
 * origin. Browsers send `Origin` on every form POST; it is the serialised origin of the page that
 * posted, or `null` when that page's origin is opaque (a sandboxed frame, a data: URL) or the page
 * was served with `Referrer-Policy: no-referrer`. The approval pages are therefore served with
 * `same-origin` (pages.ts, APPROVAL_PAGE_HEADERS), so their own form posts name the origin, and
 * `null` is refused like any other origin: it cannot say where the form came from. When the
 * browser sends fetch metadata, `Sec-Fetch-Site` must be `same-origin` as well (not `same-site`:
 * a sibling subdomain is another application).
 */
export function checkOrigin(origin: string | undefined, secFetchSite: string | undefined, expected: string): OriginCheck {
  if (origin === undefined) return { ok: false, detail: 'origin missing' };
  if (origin === 'null') return { ok: false, detail: 'origin null (an opaque or hidden origin)' };
  if (origin !== expected) return { ok: false, detail: 'origin mismatch' };
  if (secFetchSite !== undefined && secFetchSite !== 'same-origin') return { ok: false, detail: `sec-fetch-site ${secFetchSite === 'same-site' || secFetchSite === 'cross-site' || secFetchSite === 'none' ? secFetchSite : 'unexpected'}` };
  return { ok: true };
}

function mac(key: Uint8Array, sessionCookie: string, approvalId: string): string {
  const session = createHash('sha256').update(sessionCookie, 'utf8').digest('base64url');
  return createHmac('sha256', key).update(`stepgate approval csrf v1\0${session}\0${approvalId}`, 'utf8').digest('base64url');
}
