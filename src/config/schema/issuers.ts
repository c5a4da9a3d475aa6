import { z } from 'zod';
import type { ApplyTable } from './apply.js';
import { ASYMMETRIC_ALGS, HMAC_ALGS, nonEmpty, seconds } from './common.js';

export const issuerSchema = z
  .strictObject({
    issuer: z.url({ message: 'must be the issuer URL exactly as it appears in the iss claim' }),
    jwks_uri: z.url().optional(),
    discovery_url: z.url().optional(),
    audiences: z.array(nonEmpty).min(1, 'at least one audience is required: a token for another service must not be accepted'),
    authorized_parties: z.array(nonEmpty).min(1, 'list at least one client, or leave the key out to accept any').optional(),
    /**
     * Claims a token of this issuer must carry, each a string (or a list with a string) matching
     * one of its globs. A shared issuer mints tokens for parties stepgate must not accept and lets
     * each choose its own audience: GitHub Actions signs a token for any repository's workflow, so
     * without `repository_owner` (or `repository`) here any repository on GitHub is accepted.
     */
    required_claims: z
      .record(z.string().regex(/^[^\s*?]+$/, 'a claim name (no spaces or glob characters)'), z.array(nonEmpty).min(1, 'list at least one accepted value (globs allowed)'))
      .refine((m) => Object.keys(m).length > 0, 'name at least one claim, or leave the key out')
      .optional(),
    algorithms: z
      .array(z.enum([...ASYMMETRIC_ALGS, ...HMAC_ALGS]))
      .min(1)
      .default(['RS256', 'ES256', 'EdDSA']),
    hmac_secret_env: nonEmpty.optional(),
    clock_tolerance_seconds: seconds.max(300).default(30),
    subject_claim: nonEmpty.default('sub'),
    groups_claim: nonEmpty.default('groups'),
    /**
     * How a token without the groups claim at all is read: `none` (no groups), or `not_listed`
     * (groups it does not list, as Entra's overage: a possible member of a rule's groups where
     * that tightens, core/identity.ts GROUPS_NOT_LISTED). For a provider that sends groups only
     * when the client asks a scope for them (Dex's `groups`, an optional Keycloak or Okta scope), a
     * contractor who signs in without it escaped a rule for contractors (review50).
     */
    missing_groups: z.enum(['none', 'not_listed']).default('none'),
    /**
     * Kubernetes' structured authentication `claimMappings.username.prefix` and `groups.prefix`:
     * prepended to the subject and to each group, so that `admins` of a customer's identity
     * provider is not the operator's `admins` in rules, `risk.learn.below_min_level`, the upstream
     * headers and `explain`. Absent or '' adds nothing (claimPrefix says what is refused).
     */
    subject_prefix: z.string().optional(),
    groups_prefix: z.string().optional(),
    jwks_refresh_seconds: seconds.min(10).default(300),
    jwks_cooldown_seconds: seconds.min(1).default(30),
    fetch_timeout_ms: z.number().int().min(100).max(30_000).default(3000),
    /**
     * The strongest assurance level (assurance.levels[].name) this issuer's tokens are credited
     * with: a customer's identity provider federated beside the operator's own vouches for its
     * people's two factors, not for the operator's hardware keys. A token whose acr or amr reads
     * higher is read at this level (core/assurance.ts cappedLevel); absent: any level.
     */
    max_level: z.string().regex(/^[A-Za-z0-9_.:-]+$/, 'a level name of assurance.levels').optional(),
    /**
     * The migration from another identity provider: this issuer's tokens name, in `claim`, the
     * person's subject at `issuer` (an attribute the migration copied, which people cannot edit),
     * and their risk history is that identity's, so that moving people to the new IdP makes
     * nobody a newcomer (whose first sign-in counts as made wherever it is used).
     */
    /**
     * Whether this identity provider's subjects name one account whatever their case (`Alice@corp`
     * and `alice@corp` the same person: Entra ID's UPNs, Okta's logins, Google's addresses), so the
     * risk history is kept under the subject in lower case (core/identity.ts historyOf). `exact`,
     * the default, keeps it under the subject as written: OIDC makes `sub` case-sensitive, and
     * where case-variant subjects are distinct people a shared history would let one launder a
     * network into the other's (session 51).
     */
    subject_case: z.enum(['exact', 'insensitive']).default('exact'),
    history_of: z
      .strictObject({
        issuer: z.url({ message: 'must be the old identity provider\'s issuer URL exactly as it is listed in issuers[]' }),
        claim: nonEmpty,
      })
      .optional(),
  })
  .superRefine((iss, ctx) => {
    const noTenant = issuerWithoutTenant(iss.issuer);
    if (noTenant !== undefined) ctx.addIssue({ code: 'custom', path: ['issuer'], message: noTenant });
    const hmac = iss.algorithms.filter((a) => (HMAC_ALGS as readonly string[]).includes(a));
    const asym = iss.algorithms.filter((a) => !(HMAC_ALGS as readonly string[]).includes(a));
    if (hmac.length > 0 && !iss.hmac_secret_env) {
      ctx.addIssue({
        code: 'custom',
        path: ['algorithms'],
        message: `${hmac.join(', ')} needs hmac_secret_env: HMAC is only allowed with a configured shared secret`,
      });
    }
    if (hmac.length > 0 && asym.length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['algorithms'],
        message: 'an issuer is either HMAC (HS*) or asymmetric, not both: mixing them invites key-confusion attacks',
      });
    }
    if (hmac.length === 0 && iss.hmac_secret_env) {
      ctx.addIssue({ code: 'custom', path: ['hmac_secret_env'], message: 'set only together with an HS* algorithm' });
    }
    for (const key of ['subject_prefix', 'groups_prefix'] as const) {
      const v = iss[key];
      const why = v === undefined ? undefined : claimPrefixProblem(v);
      if (why !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: why });
    }
    if (iss.jwks_uri && iss.discovery_url) {
      ctx.addIssue({ code: 'custom', path: ['discovery_url'], message: 'give jwks_uri or discovery_url, not both' });
    }
  });

/**
 * Why a subject or groups prefix cannot be used, or undefined. Kubernetes reserves the `system:`
 * names (`system:masters` is cluster-admin, `system:nodes` the kubelets): a prefix `system:` would
 * turn an identity provider's own group `masters` into that one in every rule and header. `-` is
 * the kube-apiserver flag `--oidc-username-prefix`'s word for "no prefix" but a literal `-` in the
 * structured configuration, so which is meant cannot be told: '' says none. A prefix is sent in
 * header values and compared by globs, so it is visible ASCII without the glob's `*`.
 */
export function claimPrefixProblem(v: string): string | undefined {
  if (v === '-') return 'a prefix of "-" is the kube-apiserver flag\'s "no prefix" but a literal "-" in kube\'s AuthenticationConfiguration: write "" (or leave the key out) for none, or a real prefix such as "acme:"';
  if (v.length > 128) return 'at most 128 characters';
  if (!/^[\x21-\x7e]*$/.test(v)) return `${JSON.stringify(v)} holds a space, a control character or a non-ASCII one: a prefix is sent in header values, so visible ASCII only`;
  if (v.includes('*')) return `${JSON.stringify(v)} holds "*", which policy globs cannot match literally: no rule could name these names`;
  if (v.toLowerCase().startsWith('system:')) return `${JSON.stringify(v)} starts with "system:", which Kubernetes reserves (system:masters is cluster-admin): this issuer's names would become kube's own`;
  return undefined;
}

/** Microsoft's sign-in hosts, whose multi-tenant endpoints' discovery documents name no tenant. */
const ENTRA_HOSTS = new Set(['login.microsoftonline.com', 'login.microsoftonline.us', 'login.partner.microsoftonline.cn', 'login.windows.net', 'sts.windows.net']);
const ENTRA_ANY_TENANT = new Set(['common', 'organizations', 'consumers']);

/**
 * Why `issuer` is a pattern of many tenants' issuers rather than one (Entra ID's multi-tenant
 * endpoints publish `https://login.microsoftonline.com/{tenantid}/v2.0` as their issuer), or
 * undefined. No token carries such an `iss`: listed, it accepts nothing, and a validator that
 * filled the template in from the token's own `tid` would accept every tenant's users, an
 * attacker's own tenant among them (Microsoft signs every tenant's tokens with the same keys).
 */
function issuerWithoutTenant(issuer: string): string | undefined {
  const exact = 'list your own tenant\'s issuer exactly, https://login.microsoftonline.com/<tenant id>/v2.0, one entry per tenant you trust';
  if (/[{}]|%7b|%7d/i.test(issuer)) return `is a template (${issuer}), not an issuer: no token carries it; ${exact}`;
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    return undefined;
  }
  const first = url.pathname.split('/')[1]?.toLowerCase() ?? '';
  if (ENTRA_HOSTS.has(url.hostname.toLowerCase()) && ENTRA_ANY_TENANT.has(first)) return `names no tenant (/${first}/ is the endpoint for users of any tenant; every token's iss names the tenant it comes from): ${exact}`;
  return undefined;
}

/** `issuers[]`: the token issuers stepgate trusts. */
export const issuersSchema = z.array(issuerSchema).min(1, 'at least one trusted issuer is required');

/**
 * The claim and clock settings of an issuer the file does not list (the step-up identity provider,
 * for its session cookies): the defaults above, read from the schema rather than restated.
 */
export const ISSUER_DEFAULTS = Object.freeze({
  subject_claim: issuerSchema.shape.subject_claim.parse(undefined),
  groups_claim: issuerSchema.shape.groups_claim.parse(undefined),
  clock_tolerance_seconds: issuerSchema.shape.clock_tolerance_seconds.parse(undefined),
});

/** How each `issuers` key applies on reload (schema/apply.ts). */
export const ISSUERS_APPLY = {
  'issuers[].issuer': 'live',
  'issuers[].jwks_uri': 'live',
  'issuers[].discovery_url': 'live',
  'issuers[].audiences': 'live',
  'issuers[].authorized_parties': 'live',
  'issuers[].required_claims': 'live',
  'issuers[].algorithms': 'live',
  'issuers[].hmac_secret_env': 'live',
  'issuers[].clock_tolerance_seconds': 'live',
  'issuers[].subject_claim': 'live',
  'issuers[].groups_claim': 'live',
  'issuers[].missing_groups': 'live',
  'issuers[].subject_prefix': 'live',
  'issuers[].groups_prefix': 'live',
  'issuers[].jwks_refresh_seconds': 'live',
  'issuers[].jwks_cooldown_seconds': 'live',
  'issuers[].fetch_timeout_ms': 'live',
  'issuers[].max_level': 'live',
  'issuers[].subject_case': 'live',
  'issuers[].history_of.issuer': 'live',
  'issuers[].history_of.claim': 'live',
} as const satisfies ApplyTable;
