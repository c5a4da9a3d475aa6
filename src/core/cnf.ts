/**
 * A sender-constrained token's binding (RFC 7800 `cnf`): the key (RFC 9449 DPoP, `jkt`: the RFC
 * 7638 thumbprint of the client's public key) or the client certificate (RFC 8705, `x5t#S256`: the
 * SHA-256 of its DER) the identity provider bound it to. Both are base64url SHA-256 values.
 */
export interface SenderBinding {
  readonly method: 'dpop' | 'certificate';
  readonly thumbprint: string;
}

/** A base64url SHA-256 (43 characters, no padding): what both members hold. */
const SHA256_B64URL = /^[A-Za-z0-9_-]{43}$/;

/**
 * The binding a `cnf` claim names, or why it names none stepgate can check: a `cnf` that is not an
 * object, names no method stepgate checks (`jwk`, `kid`, `jku`…, which prove nothing alone), names
 * both (which of the two would the client have to prove?), or holds a value that is no thumbprint.
 */
export function cnfBinding(cnf: unknown): SenderBinding | { problem: string } {
  if (typeof cnf !== 'object' || cnf === null || Array.isArray(cnf)) return { problem: 'a cnf claim that is not an object' };
  const c = cnf as Record<string, unknown>;
  const jkt = c.jkt;
  const x5t = c['x5t#S256'];
  if (jkt !== undefined && x5t !== undefined) return { problem: 'a cnf claim binding the token to both a DPoP key and a certificate' };
  if (jkt !== undefined) return typeof jkt === 'string' && SHA256_B64URL.test(jkt) ? { method: 'dpop', thumbprint: jkt } : { problem: 'a cnf.jkt that is not a SHA-256 thumbprint' };
  if (x5t !== undefined) return typeof x5t === 'string' && SHA256_B64URL.test(x5t) ? { method: 'certificate', thumbprint: x5t } : { problem: 'a cnf["x5t#S256"] that is not a SHA-256 thumbprint' };
  return { problem: `a cnf claim of a method stepgate does not check (${Object.keys(c).slice(0, 4).join(', ') || 'empty'}): neither DPoP's jkt nor a certificate's x5t#S256` };
}
