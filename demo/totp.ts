import { createHmac, timingSafeEqual } from 'node:crypto';

// RFC 6238 with the parameters every authenticator app assumes: HMAC-SHA1, 30 s step, 6 digits.
const STEP_SECONDS = 30;
const DIGITS = 6;

/** The TOTP code for `secret` at `atMs` (epoch milliseconds). */
export function totpAt(secret: Buffer, atMs: number): string {
  return hotp(secret, Math.floor(atMs / 1000 / STEP_SECONDS));
}

function hotp(secret: Buffer, counter: number): string {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac('sha1', secret).update(msg).digest();
  // RFC 4226 §5.3 dynamic truncation.
  const offset = mac[mac.length - 1]! & 0x0f;
  const bin = (mac.readUInt32BE(offset) & 0x7fffffff) % 10 ** DIGITS;
  return bin.toString().padStart(DIGITS, '0');
}

/**
 * Accepts the code of the current step and of one step either side: a code typed just before a
 * step boundary, or on a device whose clock is a few seconds off, is still the user's code.
 */
export function verifyTotp(secret: Buffer, code: string, atMs: number): boolean {
  if (!/^\d{6}$/.test(code)) return false;
  const counter = Math.floor(atMs / 1000 / STEP_SECONDS);
  let ok = false;
  for (const c of [counter - 1, counter, counter + 1]) {
    // Compare every candidate so the time taken does not say which window matched.
    if (timingSafeEqual(Buffer.from(hotp(secret, c)), Buffer.from(code))) ok = true;
  }
  return ok;
}

/** RFC 4648 base32 (no padding), the form authenticator apps take a secret in. */
export function base32(buf: Buffer): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of buf) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out;
}
