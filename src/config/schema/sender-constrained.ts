import { z } from 'zod';
import type { ApplyTable } from './apply.js';
import { ASYMMETRIC_ALGS, seconds } from './common.js';

/**
 * `sender_constrained`: access tokens an identity provider bound to a key the client holds (RFC
 * 9449 DPoP, `cnf.jkt`) or to its client certificate (RFC 8705, `cnf["x5t#S256"]`). Without the
 * check such a token is refused outright (identity/verifier.ts); with it, it counts only beside a
 * valid proof of the key or certificate. On by default: the check only ever makes an otherwise
 * refused token usable, and only with a proof a thief without the key cannot make.
 */
export const senderConstrainedSchema = z
  .strictObject({
    dpop: z
      .strictObject({
        enabled: z.boolean().default(true),
        /** The proof's `alg`: asymmetric only (RFC 9449 §4.3 check 5); `none` and HS* are not in the list to give. */
        algorithms: z.array(z.enum(ASYMMETRIC_ALGS)).min(1).default(['ES256', 'ES384', 'EdDSA', 'PS256', 'RS256']),
        /** How old a proof's `iat` may be: also how long its `jti` is remembered. */
        max_age_seconds: seconds.min(1).max(300).default(60),
        /** How far ahead of stepgate's clock a proof's `iat` may be (the client's clock running ahead). */
        clock_tolerance_seconds: seconds.max(60).default(5),
        /** A larger `DPoP` header is refused as request_invalid before it is parsed. */
        max_proof_bytes: z.number().int().min(512).max(16_384).default(4096),
        /**
         * RFC 9449 §8 server-provided nonces (identity/dpop-nonce.ts): `required`, every proof must
         * carry a `nonce` stepgate gave out (DPoP-Nonce) for the current `max_age_seconds` window
         * or a neighbour. Needs stepup.session (its key list makes the nonces). Off by default: only
         * a client that implements §8 can follow it.
         */
        nonce: z.enum(['off', 'required']).default('off'),
      })
      .prefault({}),
    certificate: z
      .strictObject({
        enabled: z.boolean().default(true),
      })
      .prefault({}),
  })
  .prefault({});

/** How each `sender_constrained` key applies on reload (schema/apply.ts). */
export const SENDER_CONSTRAINED_APPLY = {
  'sender_constrained.dpop.enabled': 'live',
  'sender_constrained.dpop.algorithms': 'live',
  'sender_constrained.dpop.max_age_seconds': 'live',
  'sender_constrained.dpop.clock_tolerance_seconds': 'live',
  'sender_constrained.dpop.max_proof_bytes': 'live',
  'sender_constrained.dpop.nonce': 'live',
  'sender_constrained.certificate.enabled': 'live',
} as const satisfies ApplyTable;
