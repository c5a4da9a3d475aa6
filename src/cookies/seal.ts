import { EncryptJWT, errors, jwtDecrypt, type JWTPayload } from 'jose';
import type { CookieKeyRing } from './keys.js';

/**
 * Encrypted, authenticated cookie values: a JWT inside a JWE (`dir` + `A256GCM`), the key named
 * by `kid`. Confidential (the browser cannot read acr or groups) and tamper-evident (GCM). The
 * `typ` header binds a value to its purpose on top of the per-purpose key.
 */
export type OpenResult =
  | { ok: true; payload: JWTPayload }
  | { ok: false; problem: 'invalid' | 'expired'; detail: string };

const ALG = ['dir'];
const ENC = ['A256GCM'];

export async function seal(ring: CookieKeyRing, typ: string, claims: JWTPayload, nowMs: number, expSeconds: number): Promise<string> {
  return new EncryptJWT(claims)
    .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid: ring.current.kid, typ })
    .setIssuedAt(Math.floor(nowMs / 1000))
    .setExpirationTime(expSeconds)
    .encrypt(ring.current.key);
}

export async function open(ring: CookieKeyRing, typ: string, value: string, nowMs: number): Promise<OpenResult> {
  // A JWE compact value is five base64url parts; anything else is refused before any crypto.
  if (value.length > 8192 || !/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]*){4}$/.test(value)) {
    return { ok: false, problem: 'invalid', detail: 'not a compact JWE' };
  }
  try {
    const { payload, protectedHeader } = await jwtDecrypt(
      value,
      (header) => {
        const key = typeof header.kid === 'string' ? ring.byKid(header.kid) : undefined;
        if (!key) throw new UnknownKid();
        return key;
      },
      { keyManagementAlgorithms: ALG, contentEncryptionAlgorithms: ENC, currentDate: new Date(nowMs), clockTolerance: 0, requiredClaims: ['exp'] },
    );
    if (protectedHeader.typ !== typ) return { ok: false, problem: 'invalid', detail: `typ is not ${typ}` };
    return { ok: true, payload };
  } catch (err) {
    if (err instanceof errors.JWTExpired) return { ok: false, problem: 'expired', detail: 'expired' };
    if (err instanceof UnknownKid) return { ok: false, problem: 'invalid', detail: 'encrypted with a key that is not configured' };
    if (err instanceof errors.JWEDecryptionFailed) return { ok: false, problem: 'invalid', detail: 'decryption failed (tampered, or another key)' };
    return { ok: false, problem: 'invalid', detail: err instanceof errors.JOSEError ? err.code : 'unreadable' };
  }
}

class UnknownKid extends Error {}
