import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { deriveKeyRing, type CookieKey, type CookieKeyRing } from '../stepup/keys.js';

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

function mac(key: Uint8Array, sessionCookie: string, approvalId: string): string {
  const session = createHash('sha256').update(sessionCookie, 'utf8').digest('base64url');
  return createHmac('sha256', key).update(`stepgate approval csrf v1\0${session}\0${approvalId}`, 'utf8').digest('base64url');
}
