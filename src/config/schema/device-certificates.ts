import { z } from 'zod';
import type { ApplyTable } from './apply.js';
import { nonEmpty } from './common.js';

/**
 * `device_certificates` (issue 12, item 5): stepgate as a small CA for the kubectl credential
 * plugin's per-machine key. A signed-in engineer's plugin sends a CSR with its ID token to
 * `POST /.stepgate/v1/device-certificate` on the step-up listener and gets back a short-lived
 * client certificate naming the token's issuer and subject and the key's device id; the gateway
 * verifies it (mTLS) and the risk engine counts it as a certificate device for that subject only.
 * Absent: off, and the endpoint answers not found.
 */
export const deviceCertificatesSchema = z.strictObject({
  /** PEM of the device CA's certificate: the gateway's client-certificate bundle holds it too. */
  ca_certificate_file: nonEmpty,
  /** PEM (PKCS#8, SEC1 or PKCS#1) of the device CA's private key: a Secret mounted read-only. */
  ca_key_file: nonEmpty,
  /**
   * The assurance level the enrolling ID token must reach: a certificate lifts device evidence
   * for weeks of sign-ins, so it is issued only after a step-up, never to a one-factor token.
   */
  min_level: nonEmpty,
  /** How recent the token's `auth_time` must be: a day-old token copied off a laptop enrols nothing. */
  max_auth_age_seconds: z.number().int().min(30).max(3600).default(300),
  /** How long an issued certificate lives; the plugin renews it in its last third. */
  lifetime_seconds: z.number().int().min(300).max(30 * 86_400).default(7 * 86_400),
  /** Issues per subject and window, on this replica. */
  rate_limit: z
    .strictObject({
      max: z.number().int().min(1).max(1000).default(10),
      window_seconds: z.number().int().min(60).max(86_400).default(3600),
    })
    .prefault({}),
});

/** How each `device_certificates` key applies on reload (schema/apply.ts). */
export const DEVICE_CERTIFICATES_APPLY = {
  'device_certificates.ca_certificate_file': 'restart', // the CA is read once, at start
  'device_certificates.ca_key_file': 'restart',
  'device_certificates.min_level': 'live',
  'device_certificates.max_auth_age_seconds': 'live',
  'device_certificates.lifetime_seconds': 'live',
  'device_certificates.rate_limit.max': 'live',
  'device_certificates.rate_limit.window_seconds': 'live',
} as const satisfies ApplyTable;
