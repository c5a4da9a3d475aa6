import { createHmac } from 'node:crypto';

/**
 * RFC 9449 §8 server-provided nonces, stateless: a nonce is the HMAC of a time window under a key
 * every replica has (the cookie key list, stepup.session.keys_env, HKDF-derived for this purpose),
 * so a nonce one replica gave out is good at every other without a store round trip.
 *
 * What it stops: a client key the attacker can make sign but not copy (a TPM or a non-extractable
 * WebCrypto key on a compromised laptop) could otherwise sign proofs with future `iat` values and
 * use them from elsewhere later; with a nonce in every proof, a proof can only be made once the
 * nonce of its window has been given out, and is good for at most two windows after that.
 *
 * Windows are `windowMs` long. Accepted: the nonce of the current window and of the previous one (a
 * nonce given out just before the window turned stays good for one window more), and of the next
 * one: a replica whose clock runs a little ahead gives that one out first, and nobody holds it
 * before some replica's clock has reached it, so accepting it lets no proof be made earlier.
 * Every key of the list is accepted, the first gives nonces out, so a key rotation needs no retry.
 *
 * Cost: the window's nonces are computed once per window (three HMACs per key) and compared as
 * strings afterwards, so a request pays one division and a few comparisons, no crypto. The nonce
 * names nothing but the window, which anyone with a DPoP-bound token can ask for; comparing it in
 * constant time would protect nothing.
 */
export interface NonceKey {
  readonly key: Uint8Array;
}

export class DpopNonces {
  private window = Number.NaN;
  /** This window's nonce under the first key: what is given out. */
  private issued = '';
  /** Every nonce accepted in this window (previous, current, next window under every key). */
  private accepted: readonly string[] = [];

  constructor(
    private readonly keys: readonly NonceKey[],
    private readonly windowMs: number,
    private readonly now: () => number,
  ) {
    if (keys.length === 0) throw new Error('DpopNonces needs at least one key');
    if (!(windowMs >= 1000)) throw new Error('DpopNonces needs a window of at least one second');
  }

  /** The nonce to give out now (DPoP-Nonce). */
  current(): string {
    this.turn();
    return this.issued;
  }

  /** Whether a proof's `nonce` claim is one given out in the previous, current or next window. */
  accepts(nonce: unknown): boolean {
    if (typeof nonce !== 'string' || nonce.length !== NONCE_LENGTH) return false;
    this.turn();
    const a = this.accepted;
    for (let i = 0; i < a.length; i++) if (a[i] === nonce) return true;
    return false;
  }

  private turn(): void {
    const w = Math.floor(this.now() / this.windowMs);
    if (w === this.window) return;
    const accepted: string[] = [];
    for (const k of this.keys) for (const d of [0, -1, 1]) accepted.push(nonceOf(k.key, this.windowMs, w + d));
    this.window = w;
    this.issued = accepted[0]!;
    this.accepted = accepted;
  }
}

/** 16 bytes of HMAC-SHA256 in base64url. */
const NONCE_LENGTH = 22;

function nonceOf(key: Uint8Array, windowMs: number, window: number): string {
  // The window's length is in the input: a reload that changes it gives other nonces, never the
  // nonce of another stretch of time.
  return createHmac('sha256', key).update(`stepgate dpop nonce\n${windowMs}\n${window}`).digest().subarray(0, 16).toString('base64url');
}
