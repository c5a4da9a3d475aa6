import { hash } from 'node:crypto';
import { calculateJwkThumbprint, compactVerify, decodeJwt, decodeProtectedHeader, importJWK, type JWK } from 'jose';
import { LRUCache } from 'lru-cache';
import { clip } from '../core/redact.js';

/**
 * An RFC 9449 DPoP proof, checked as §4.3 lists it, against one request and the access token it
 * came with. Pure but for the clock it is given and a bounded cache of imported public keys: the
 * replay check (`jti` seen before) is the caller's (identity/sender-binding.ts), made only once
 * everything here has passed, so that a bad proof never takes a `jti` from a good one.
 *
 * Every refusal is a result, never an exception. The cheap checks come first (size, shape, header,
 * claims, the request, the clock, `ath`, the key's thumbprint against the token's `cnf.jkt`) and
 * the signature last: a proof made with another key than the token's costs no signature check.
 */

export interface DpopSettings {
  /** Allowed proof `alg` values (sender_constrained.dpop.algorithms): asymmetric only. */
  readonly algorithms: readonly string[];
  readonly maxAgeMs: number;
  readonly toleranceMs: number;
  readonly maxProofBytes: number;
  /** sender_constrained.dpop.nonce `required`: the nonces given out (identity/dpop-nonce.ts); undefined when off. */
  readonly nonces?: { accepts(nonce: unknown): boolean } | undefined;
}

export interface DpopRequest {
  /** The request's method, as Envoy reports it. */
  readonly method: string;
  /** The request's URI without query and fragment, normalised (normaliseHtu); undefined when it cannot be read. */
  readonly htu: string | undefined;
  /** The access token the proof must name (`ath`). */
  readonly token: string;
  /** The token's `cnf.jkt`. */
  readonly jkt: string;
}

export type DpopRefusal = 'dpop_proof_missing' | 'dpop_proof_invalid' | 'dpop_binding_mismatch' | 'dpop_nonce_required' | 'request_invalid';

export type ProofOutcome = { ok: true; jti: string; iat: number } | { ok: false; reason: DpopRefusal; detail: string };

/** A compact JWS: three base64url parts. Envoy joins a repeated header's values with ',', which this refuses too. */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** Members only a private or symmetric JWK has (RFC 7518 §6.2.2, §6.3.2, §6.4.1; RFC 8037 §2). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/** A `jti` longer than this is no random identifier; it would only make the replay keys large. */
const MAX_JTI = 256;

/**
 * Imported public keys by `alg` and thumbprint: one import per client key and algorithm, then a
 * lookup. Safe because the thumbprint covers every member that defines the key (RFC 7638 §3.2):
 * two JWKs with the same thumbprint are the same public key.
 */
const keys = new LRUCache<string, PublicKey>({ max: 4096 });

type PublicKey = Exclude<Awaited<ReturnType<typeof importJWK>>, Uint8Array>;

function invalid(detail: string): ProofOutcome {
  return { ok: false, reason: 'dpop_proof_invalid', detail };
}

export async function checkDpopProof(proof: string | undefined, req: DpopRequest, s: DpopSettings, nowMs: number): Promise<ProofOutcome> {
  if (proof === undefined || proof === '') return { ok: false, reason: 'dpop_proof_missing', detail: 'Authorization: DPoP without a DPoP header' };
  if (proof.length > s.maxProofBytes) return { ok: false, reason: 'request_invalid', detail: `the DPoP header is ${proof.length} bytes, over sender_constrained.dpop.max_proof_bytes (${s.maxProofBytes})` };
  if (!COMPACT_JWS.test(proof)) return invalid(proof.includes(',') ? 'more than one DPoP header' : 'the DPoP header is not a compact JWS');
  let header: ReturnType<typeof decodeProtectedHeader>;
  let claims: ReturnType<typeof decodeJwt>;
  try {
    header = decodeProtectedHeader(proof);
    claims = decodeJwt(proof);
  } catch {
    return invalid('the DPoP proof is not a JWT');
  }
  // §4.3 check 4: explicit typing keeps an access or ID token signed by the client out.
  if (typeof header.typ !== 'string' || header.typ.toLowerCase() !== 'dpop+jwt') return invalid(`typ ${quoted(header.typ)} is not dpop+jwt`);
  // A proof is a JWT (§4.2), and a JWT's payload is always base64url-encoded (RFC 7797 §7):
  // compactVerify alone would accept `b64: false` under `crit`, which no DPoP client sends.
  // No other extension is defined for proofs, so any `crit` is refused as well.
  if (header.crit !== undefined || header.b64 !== undefined) return invalid('a crit or b64 header: a DPoP proof uses no JWS extension');
  const alg = header.alg;
  if (typeof alg !== 'string' || !s.algorithms.includes(alg)) return invalid(`alg ${quoted(alg)} is not in sender_constrained.dpop.algorithms`);
  const jwk = header.jwk;
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk) || typeof jwk.kty !== 'string') return invalid('no jwk header naming a public key');
  // §4.3 check 7: a private key in the header is a leaked key, not a proof of holding one.
  if (PRIVATE_MEMBERS.some((m) => (jwk as Record<string, unknown>)[m] !== undefined) || jwk.kty === 'oct') return invalid('the jwk header holds a private or symmetric key');
  const { jti, htm, htu, iat, ath } = claims;
  if (typeof jti !== 'string' || jti === '' || jti.length > MAX_JTI) return invalid('no jti (a unique identifier) of at most 256 characters');
  if (typeof htm !== 'string' || htm !== req.method) return invalid(`htm ${quoted(htm)} is not the request's method ${quoted(req.method)}`);
  if (typeof htu !== 'string') return invalid('no htu claim');
  const target = normaliseHtu(htu);
  if (target === undefined || req.htu === undefined || target !== req.htu) return invalid(`htu ${quoted(htu)} is not the request's URI ${quoted(req.htu ?? '(unreadable)')}`);
  if (typeof iat !== 'number' || !Number.isFinite(iat)) return invalid('no numeric iat');
  const ageMs = nowMs - iat * 1000;
  if (ageMs > s.maxAgeMs) return invalid(`iat is ${Math.round(ageMs / 1000)}s old, over sender_constrained.dpop.max_age_seconds`);
  if (-ageMs > s.toleranceMs) return invalid(`iat is ${Math.round(-ageMs / 1000)}s in the future`);
  // §4.3 check 12 / §7: the proof names the very token it is sent with.
  if (typeof ath !== 'string' || ath !== hash('sha256', req.token, 'base64url')) return invalid(ath === undefined ? 'no ath claim' : 'ath is not the hash of the access token sent with it');
  let jkt: string;
  try {
    jkt = await calculateJwkThumbprint(jwk as JWK, 'sha256');
  } catch {
    return invalid('the jwk header is not a usable public key');
  }
  if (jkt !== req.jkt) return { ok: false, reason: 'dpop_binding_mismatch', detail: "the proof's key is not the key the token is bound to (cnf.jkt)" };
  // §8: a proof carries a nonce stepgate gave out lately, so it cannot have been made long before it
  // is used. Last of the cheap checks: only the client the token is bound to is told to retry with
  // one (the refusal carries a fresh DPoP-Nonce), and before the signature, which that retry pays.
  const nonces = s.nonces;
  if (nonces !== undefined && !nonces.accepts(claims.nonce)) {
    return { ok: false, reason: 'dpop_nonce_required', detail: claims.nonce === undefined ? 'no nonce claim (sender_constrained.dpop.nonce: required)' : 'the nonce claim is not a nonce stepgate gave out in the last two windows of sender_constrained.dpop.max_age_seconds' };
  }
  const cacheKey = `${alg}\n${jkt}`;
  let key = keys.get(cacheKey);
  try {
    if (key === undefined) {
      // Only the members the thumbprint covers: the key is what `jkt` names, and the first proof's
      // advisory members (key_ops, use, alg) cannot decide whether a later one verifies.
      const imported = await importJWK({ ...thumbprintMembers(jwk as JWK), ext: true }, alg);
      if (imported instanceof Uint8Array || imported.type !== 'public') return invalid('the jwk header is not a public key');
      key = imported;
      keys.set(cacheKey, key);
    }
    await compactVerify(proof, key, { algorithms: [alg] });
  } catch {
    return invalid('the proof signature does not verify with its jwk');
  }
  return { ok: true, jti, iat };
}

/** RFC 7638 §3.2's required members of each key type, the ones its thumbprint is computed over. */
const THUMBPRINT_MEMBERS: Readonly<Record<string, readonly string[]>> = { EC: ['crv', 'kty', 'x', 'y'], RSA: ['e', 'kty', 'n'], OKP: ['crv', 'kty', 'x'] };

function thumbprintMembers(jwk: JWK): JWK {
  const out: Record<string, unknown> = {};
  for (const m of THUMBPRINT_MEMBERS[jwk.kty ?? ''] ?? []) out[m] = (jwk as Record<string, unknown>)[m];
  return out as JWK;
}

/** RFC 3986 §2.3's unreserved characters: percent-encoded, they mean themselves (§6.2.2.2). */
const UNRESERVED = /[A-Za-z0-9\-._~]/;

/**
 * An `htu` or a request URI as RFC 9449 §4.3 compares them: without query and fragment, after
 * syntax-based and scheme-based normalisation (RFC 3986 §6.2.2, §6.2.3): scheme and host in lower
 * case, the scheme's default port left out, dot segments removed, an empty path as `/`, and
 * percent-encodings in upper case with the unreserved ones decoded. Undefined for what is no
 * http(s) URL, or one with user information (no request URI has any).
 */
export function normaliseHtu(uri: string): string | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return undefined;
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username !== '' || url.password !== '') return undefined;
  const path = url.pathname.replace(/%[0-9A-Fa-f]{2}/g, (pct) => {
    const c = String.fromCharCode(parseInt(pct.slice(1), 16));
    return UNRESERVED.test(c) ? c : pct.toUpperCase();
  });
  return `${url.protocol}//${url.host}${path}`;
}

/** The request's own URI as `normaliseHtu` reads it: scheme and authority as Envoy reports them, the target's path. */
export function requestHtu(scheme: string, authority: string, target: string): string | undefined {
  if (scheme === '' || authority === '') return undefined;
  const end = target.search(/[?#]/);
  const path = end < 0 ? target : target.slice(0, end);
  if (!path.startsWith('/')) return undefined;
  return normaliseHtu(`${scheme}://${authority}${path}`);
}

function quoted(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(clip(v, 80)) : String(typeof v === 'object' ? JSON.stringify(v)?.slice(0, 80) : v);
}
