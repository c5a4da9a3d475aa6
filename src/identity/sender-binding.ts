import type { SenderConstrainedConfig } from '../config/schema.js';
import type { Identity } from '../core/identity.js';
import type { ReasonCode } from '../core/reasons.js';
import type { RequestAttributes } from '../request/attributes.js';
import type { ProofReplayStore } from '../state/proof-replay.js';
import { CertificateThumbprints } from './certificate-thumbprint.js';
import { checkDpopProof, requestHtu, type DpopSettings } from './dpop.js';
import type { DpopNonces } from './dpop-nonce.js';

/**
 * The per-request half of a sender-constrained token (RFC 9449 DPoP, RFC 8705 certificate-bound):
 * the token's own verification is cached as any token's (identity/verifier.ts keeps its binding
 * in the Identity), while the proof of the key or certificate belongs to each request. A DPoP
 * proof is new on every request, so its check is paid per request by nature (bench/dpop.ts); a
 * certificate's thumbprint is computed once per distinct certificate.
 *
 * Only a request whose token carries a binding, or that uses the DPoP scheme, gets here
 * (pipeline/evaluate.ts): a bearer token without `cnf` pays nothing.
 */

export interface BindingRefusal {
  reason: ReasonCode;
  detail: string;
}

/** What the credential looked like: its token and whether it came under the DPoP scheme. */
export interface BoundCredential {
  readonly token: string;
  readonly scheme?: 'dpop' | undefined;
}

export interface SenderBindingOptions {
  readonly config: SenderConstrainedConfig;
  /** Where proofs' jti are claimed: the shared store's (Redis) or this replica's memory. */
  readonly replay: ProofReplayStore;
  /** This replica's memory, for `state.on_state_error: degrade` while the shared store is down. */
  readonly fallback: ProofReplayStore | undefined;
  readonly onStateError: 'fail_closed' | 'degrade';
  /** Told about every store failure; must not throw. */
  readonly onStoreError?: ((err: unknown) => void) | undefined;
  readonly now: () => number;
  /** Kept across reloads by the runtime: the thumbprints stay true. */
  readonly certificates: CertificateThumbprints;
  /** RFC 9449 §8 nonces with sender_constrained.dpop.nonce `required`; undefined when off. */
  readonly nonces?: DpopNonces | undefined;
}

/**
 * The refusal for a bound token at an endpoint stepgate serves itself with a bearer token (the
 * kubectl plugin's challenge lookup, device-certificate enrolment, the incident admin API): no
 * Envoy stands in front of them to report a client certificate, and they read no DPoP proof, so a
 * copied bound token would otherwise enrol a device or revoke sessions as its subject.
 */
export function bearerEndpointRefusal(who: Identity): 'dpop_proof_missing' | 'certificate_binding_missing' | undefined {
  const b = who.binding;
  return b === undefined ? undefined : b.method === 'dpop' ? 'dpop_proof_missing' : 'certificate_binding_missing';
}

export class SenderBindings {
  private readonly dpop: DpopSettings;

  constructor(private readonly o: SenderBindingOptions) {
    const d = o.config.dpop;
    this.dpop = Object.freeze({ algorithms: d.algorithms, maxAgeMs: d.max_age_seconds * 1000, toleranceMs: d.clock_tolerance_seconds * 1000, maxProofBytes: d.max_proof_bytes, nonces: o.nonces });
  }

  /** The `algs` of a DPoP challenge (RFC 9449 §7.1). */
  get algorithms(): readonly string[] {
    return this.dpop.algorithms;
  }

  /** Undefined when the credential may go on; never rejects. */
  check(req: RequestAttributes, cred: BoundCredential, who: Identity): BindingRefusal | undefined | Promise<BindingRefusal | undefined> {
    const b = who.binding;
    if (cred.scheme === 'dpop') {
      // RFC 9449 §7.1: the DPoP scheme carries a DPoP-bound token; any other under it is refused
      // rather than taken as a bearer token dressed up.
      if (b === undefined) return { reason: 'dpop_binding_mismatch', detail: 'Authorization: DPoP with a token bound to no DPoP key (no cnf.jkt)' };
      if (b.method !== 'dpop') return { reason: 'dpop_binding_mismatch', detail: 'Authorization: DPoP with a token bound to a client certificate (cnf["x5t#S256"]), not to a DPoP key' };
      return this.proof(req, cred.token, b.thumbprint);
    }
    if (b === undefined) return undefined;
    // §7.2: a DPoP-bound token sent as a bearer token is refused: the copy would need no key.
    if (b.method === 'dpop') return { reason: 'dpop_proof_missing', detail: 'a DPoP-bound token (cnf.jkt) sent as a bearer token, without a proof of its key' };
    return this.certificate(req, b.thumbprint);
  }

  private certificate(req: RequestAttributes, bound: string): BindingRefusal | undefined {
    const cert = req.sourceCertificate;
    if (cert === undefined || cert === '') {
      return { reason: 'certificate_binding_missing', detail: 'a certificate-bound token (cnf["x5t#S256"]) on a request without a client certificate (Envoy reports one in source.certificate only with include_peer_certificate)' };
    }
    const t = this.o.certificates.of(cert);
    if (t === undefined) return { reason: 'certificate_binding_mismatch', detail: 'the client certificate Envoy reported could not be read' };
    if (t !== bound) return { reason: 'certificate_binding_mismatch', detail: 'the client certificate is not the one the token is bound to (cnf["x5t#S256"])' };
    return undefined;
  }

  private async proof(req: RequestAttributes, token: string, jkt: string): Promise<BindingRefusal | undefined> {
    const now = this.o.now();
    const header = req.headers.get('dpop');
    const out = await checkDpopProof(header, { method: req.method, htu: requestHtu(req.scheme, req.authority, req.target), token, jkt }, this.dpop, now);
    if (!out.ok) return out;
    // Remembered while any proof with this iat could still be accepted.
    const ttlMs = this.dpop.maxAgeMs + this.dpop.toleranceMs;
    const key = `dpop\n${jkt}\n${out.jti}`;
    let fresh: boolean;
    try {
      fresh = await this.o.replay.claim(key, ttlMs, now);
    } catch (err) {
      try {
        this.o.onStoreError?.(err);
      } catch {
        // A reporter's failure is its own.
      }
      const fallback = this.o.fallback;
      if (this.o.onStateError === 'fail_closed' || fallback === undefined || fallback === this.o.replay) {
        return { reason: 'state_unavailable', detail: `the DPoP proof's jti could not be checked for replay: ${err instanceof Error ? err.message : String(err)}` };
      }
      try {
        fresh = await fallback.claim(key, ttlMs, now);
      } catch (again) {
        return { reason: 'state_unavailable', detail: `the DPoP proof's jti could not be checked for replay: ${again instanceof Error ? again.message : String(again)}` };
      }
    }
    return fresh ? undefined : { reason: 'dpop_proof_replayed', detail: 'a DPoP proof whose jti was already used within sender_constrained.dpop.max_age_seconds' };
  }
}
