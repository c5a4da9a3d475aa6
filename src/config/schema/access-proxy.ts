import { z } from 'zod';
import type { ApplyTable } from './apply.js';
import { ASYMMETRIC_ALGS, hostPattern, nonEmpty, seconds } from './common.js';

/**
 * `access_proxy`: an identity-aware proxy in front of the gateway (Pomerium, Google IAP,
 * Cloudflare Access, oauth2-proxy, Teleport) signs who it authenticated into a header. stepgate
 * verifies that assertion and refuses a bearer token whose user is not the proxy's user: a
 * teammate signed in to the proxy cannot ride another engineer's token through it.
 */
export const accessProxySchema = z
  .strictObject({
    /** The header the proxy puts its signed JWT in (x-pomerium-jwt-assertion, x-goog-iap-jwt-assertion, cf-access-jwt-assertion). */
    header: z
      .string()
      .regex(/^[a-z0-9-]+$/, 'must be a lower-case header name')
      .refine((h) => !['authorization', 'cookie', 'host', 'x-forwarded-for'].includes(h) && !h.startsWith('x-stepgate-'), 'must be the proxy\'s own assertion header, not a header stepgate reads for something else'),
    /** The assertion's `iss`, exactly (Pomerium: the route's host name by default; IAP: https://cloud.google.com/iap). */
    issuer: nonEmpty,
    /** Accepted `aud` values (Pomerium: the route's host name; IAP: /projects/N/global/backendServices/ID; Cloudflare: the application's AUD tag). */
    audiences: z.array(nonEmpty).min(1, 'at least one audience: an assertion minted for another application must not be accepted'),
    /** Where the proxy publishes its public keys. */
    jwks_uri: z.url().optional(),
    /** Or the public keys themselves (a JWK set's `keys`), for a proxy whose signing key is pinned. */
    keys: z.array(z.record(z.string(), z.unknown())).min(1).optional(),
    algorithms: z.array(z.enum(ASYMMETRIC_ALGS)).min(1).default(['ES256']),
    /** The assertion's claim that names the user the proxy authenticated. */
    user_claim: nonEmpty.default('email'),
    /** The bearer token's claim it must equal; absent: the subject stepgate names the caller by (issuers[].subject_claim). */
    token_claim: nonEmpty.optional(),
    /**
     * How the two users are compared. `email`: two email addresses differing only in ASCII letter
     * case are the same user (IdPs fold them; a proxy and a token may spell one differently);
     * `exact`: byte for byte. A `sub` claim on either side is always compared exactly.
     */
    user_case: z.enum(['email', 'exact']).default('email'),
    /**
     * A request whose peer is one of `network.xff_trusted_cidrs` came through the proxy and must
     * carry the assertion. Requests from other peers are not asked for one.
     */
    required: z.boolean().default(true),
    /** Only requests to these hosts (globs) are checked; absent: every host. */
    hosts: z.array(hostPattern).min(1).optional(),
    /** Remove the assertion from what the upstream receives on an allow. */
    strip_upstream: z.boolean().default(true),
    clock_tolerance_seconds: seconds.max(300).default(30),
    jwks_refresh_seconds: seconds.min(10).default(300),
    jwks_cooldown_seconds: seconds.min(1).default(30),
    fetch_timeout_ms: z.number().int().min(100).max(30_000).default(3000),
    /** Verified assertions kept (by a hash of their bytes, until their exp). */
    cache_max_entries: z.number().int().min(1).max(1_000_000).default(10_000),
  })
  .superRefine((p, ctx) => {
    if ((p.jwks_uri === undefined) === (p.keys === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['jwks_uri'], message: 'give jwks_uri or keys (exactly one)' });
    }
  });

/** How each `access_proxy` key applies on reload (schema/apply.ts). */
export const ACCESS_PROXY_APPLY = {
  'access_proxy.header': 'live',
  'access_proxy.issuer': 'live',
  'access_proxy.audiences': 'live',
  'access_proxy.jwks_uri': 'live',
  'access_proxy.keys': 'live',
  'access_proxy.algorithms': 'live',
  'access_proxy.user_claim': 'live',
  'access_proxy.token_claim': 'live',
  'access_proxy.user_case': 'live',
  'access_proxy.required': 'live',
  'access_proxy.hosts': 'live',
  'access_proxy.strip_upstream': 'live',
  'access_proxy.clock_tolerance_seconds': 'live',
  'access_proxy.jwks_refresh_seconds': 'live',
  'access_proxy.jwks_cooldown_seconds': 'live',
  'access_proxy.fetch_timeout_ms': 'live',
  'access_proxy.cache_max_entries': 'live',
} as const satisfies ApplyTable;
