import { Buffer } from 'node:buffer';
import { hkdfSync } from 'node:crypto';
import { StartupError } from '../config/load.js';

/**
 * The cookie key list, from the environment variable named by `stepup.session.keys_env`:
 * `kid:base64url(32 bytes),kid2:…`. The first key encrypts; every key decrypts, so a new key is
 * rolled out by putting it first and the old one is removed after `lifetime_seconds`.
 *
 * Each configured key is never used directly: HKDF derives one key per purpose, so a state
 * cookie can never be decrypted as a session cookie (or the other way round) even though both
 * come from the same list.
 */
export type KeyPurpose = 'session' | 'state' | 'device' | 'approval' | 'dpop-nonce' | 'stepup-link';

export interface CookieKey {
  kid: string;
  key: Uint8Array;
}

export interface CookieKeyRing {
  /** Encrypts; always the first configured key. */
  readonly current: CookieKey;
  byKid(kid: string): Uint8Array | undefined;
}

const KID = /^[A-Za-z0-9_-]{1,32}$/;
const B64URL = /^[A-Za-z0-9_-]+$/;

/** Throws StartupError naming the field and the variable; never echoes key material. */
export function parseKeyList(value: string | undefined, envName: string): CookieKey[] {
  const field = `stepup.session.keys_env (${envName})`;
  if (value === undefined || value.trim() === '') {
    throw new StartupError(`${field}: environment variable ${envName} is not set; it must hold kid:base64url-32-byte-key[,…]`);
  }
  const keys: CookieKey[] = [];
  const seen = new Set<string>();
  value.split(',').forEach((entry, i) => {
    const e = entry.trim();
    const colon = e.indexOf(':');
    const kid = colon > 0 ? e.slice(0, colon) : '';
    const material = colon > 0 ? e.slice(colon + 1) : '';
    if (!KID.test(kid)) throw new StartupError(`${field}: entry ${i + 1} must start with a key id (letters, digits, _ -, at most 32) and a colon`);
    if (seen.has(kid)) throw new StartupError(`${field}: key id "${kid}" appears twice`);
    seen.add(kid);
    const bytes = B64URL.test(material) ? Buffer.from(material, 'base64url') : Buffer.alloc(0);
    if (bytes.length !== 32) {
      throw new StartupError(`${field}: key "${kid}" must be exactly 32 random bytes in base64url (43 characters); it decodes to ${bytes.length} bytes`);
    }
    keys.push({ kid, key: new Uint8Array(bytes) });
  });
  return keys;
}

export function deriveKeyRing(keys: readonly CookieKey[], purpose: KeyPurpose): CookieKeyRing {
  const derived = derivedKeys(keys, purpose);
  const map = new Map(derived.map((k) => [k.kid, k.key]));
  return {
    current: derived[0]!,
    byKid: (kid) => map.get(kid),
  };
}

/** Every key of the list derived for `purpose`, in the list's order (the first is the current one). */
export function derivedKeys(keys: readonly CookieKey[], purpose: KeyPurpose): CookieKey[] {
  return keys.map((k) => ({
    kid: k.kid,
    key: new Uint8Array(hkdfSync('sha256', k.key, new Uint8Array(0), `stepgate cookie ${purpose} v1`, 32)),
  }));
}
