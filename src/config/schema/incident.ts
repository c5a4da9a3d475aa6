import { z } from 'zod';
import type { ApplyTable } from './apply.js';
import { ASYMMETRIC_ALGS, envName, nonEmpty, stringList } from './common.js';

/**
 * Incident mode, revocation and the Shared Signals receiver (issue 15). Admin calls are bearer
 * tokens of a configured issuer, verified like any token, whose groups claim names one of
 * `groups`: there is no anonymous or shared-secret access.
 */
export const incidentSchema = z.strictObject({
  admin: z.strictObject({
    issuers: z.array(z.url({ message: 'must be an issuer URL exactly as in the iss claim' })).min(1),
    // Read from each issuer's own groups claim (issuers[].groups_claim).
    groups: stringList,
    // An admin call can end an incident or lift nothing but lock others out: with a stolen admin
    // token, either is the attacker's. The level (and how recent a sign-in) every call needs.
    require: z.string().optional(),
    max_age: z.number().int().min(30).max(86_400).optional(),
  }),
  // An incident always ends by itself: a forgotten one must not tighten access for ever.
  max_duration_seconds: z.number().int().min(60).max(7 * 86_400).default(86_400),
  // Revocations must outlive every credential issued before them (tokens, step-up sessions).
  revocation_ttl_seconds: z.number().int().min(300).max(30 * 86_400).default(86_400),
  sync_interval_ms: z.number().int().min(50).max(5000).default(250),
  // Past this without a successful refresh, every Check fails closed (state_unavailable).
  max_staleness_ms: z.number().int().min(500).max(60_000).default(3000),
  shared_signals: z
    .strictObject({
      // The audience transmitters put in `aud`: this receiver's push endpoint URL or its name.
      audience: nonEmpty,
      max_age_seconds: z.number().int().min(10).max(86_400).default(300),
      // The Authorization header value transmitters must send (agreed at stream set-up), from the environment.
      authorization_env: envName.optional(),
      // A subject's session-revoked keeps what the risk engine learnt (a precautionary mass reset);
      // every other revoking event forgets it (admin/signals.ts readEvent).
      keep_history: z.boolean().default(false),
      // The claim of people's tokens that carries the address an `email` subject names. Absent, an
      // email subject is refused (400): stepgate names people by issuers[].subject_claim, and an
      // address matched against an opaque `sub` (Okta's 00u…, Entra's oid) would sign nobody out
      // behind a 202. It must be the subject_claim of the issuer(s) the transmitters speak for
      // (schema/index.ts): that is the name a revocation is matched on.
      email_claim: nonEmpty.optional(),
      transmitters: z
        .array(
          z.strictObject({
            issuer: nonEmpty,
            jwks_uri: z.url(),
            algorithms: z.array(z.enum(ASYMMETRIC_ALGS)).min(1).default(['RS256', 'ES256']),
            // Which local issuer a subject named by e-mail or opaque id belongs to; absent: any.
            subject_issuer: z.string().optional(),
          }),
        )
        .min(1),
    })
    .optional(),
});

/** How each `incident` key applies on reload (schema/apply.ts). */
export const INCIDENT_APPLY = {
  'incident.admin.issuers': 'live',
  'incident.admin.groups': 'live',
  'incident.admin.require': 'live',
  'incident.admin.max_age': 'live',
  'incident.max_duration_seconds': 'live',
  'incident.revocation_ttl_seconds': 'live',
  'incident.sync_interval_ms': 'live',
  'incident.max_staleness_ms': 'live',
  'incident.shared_signals.audience': 'live',
  'incident.shared_signals.max_age_seconds': 'live',
  'incident.shared_signals.authorization_env': 'live',
  'incident.shared_signals.keep_history': 'live',
  'incident.shared_signals.email_claim': 'live',
  'incident.shared_signals.transmitters[].issuer': 'live',
  'incident.shared_signals.transmitters[].jwks_uri': 'live',
  'incident.shared_signals.transmitters[].algorithms': 'live',
  'incident.shared_signals.transmitters[].subject_issuer': 'live',
} as const satisfies ApplyTable;
