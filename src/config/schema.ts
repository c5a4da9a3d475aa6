import ipaddr from 'ipaddr.js';
import { z } from 'zod';

/**
 * The stepgate configuration file. Every object is strict: an unknown key is an error, because in
 * a security policy a misspelt key (`namespace:` for `namespaces:`) silently matching everything
 * or nothing is worse than refusing to start. docs/configuration.md documents each key.
 */

const ASYMMETRIC_ALGS = [
  'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519',
] as const;
const HMAC_ALGS = ['HS256', 'HS384', 'HS512'] as const;

const seconds = z.number().int().nonnegative();
const nonEmpty = z.string().min(1);
const headerName = z
  .string()
  .regex(/^x-stepgate-[a-z0-9-]+$/, 'must be a lower-case header name starting with x-stepgate-');

const listen = z
  .string()
  .regex(/^(\[[0-9a-fA-F:.]+\]|[^:\s]+):\d{1,5}$/, 'must be host:port, e.g. 0.0.0.0:9191 or [::]:9191');

/** A listen address, or `off` for a listener that is not wanted. */
const listenOrOff = z.union([z.literal('off'), listen]);

/** CIDR (`10.0.0.0/8`, `::1/128`) or a single address; checked with ipaddr.js at startup. */
const cidr = z.string().refine((v) => parseCidr(v) !== undefined, 'must be an IP address or CIDR, e.g. 10.0.0.0/8 or ::1/128');

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name');

const oidcSchema = z
  .strictObject({
    issuer: z.url({ message: 'must be the identity provider\'s issuer URL (its discovery document is read from it)' }),
    client_id: nonEmpty,
    client_secret_env: envName,
    redirect_uri: z.url(),
    scopes: z.array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'a scope is one printable word')).min(1).default(['openid']),
    allow_insecure_http: z.boolean().default(false),
  })
  .superRefine((o, ctx) => {
    if (new URL(o.redirect_uri).pathname !== '/.stepgate/callback') {
      ctx.addIssue({ code: 'custom', path: ['redirect_uri'], message: 'must end in /.stepgate/callback (the path stepgate serves the callback on)' });
    }
    if (!o.scopes.includes('openid')) {
      ctx.addIssue({ code: 'custom', path: ['scopes'], message: 'must include openid: the step-up needs an ID token' });
    }
    for (const [field, value] of [['issuer', o.issuer], ['redirect_uri', o.redirect_uri]] as const) {
      const u = new URL(value);
      if (u.protocol === 'https:') continue;
      if (u.protocol !== 'http:' || !isLoopbackHost(u.hostname)) {
        ctx.addIssue({ code: 'custom', path: [field], message: 'must be https (http only for a loopback host, with allow_insecure_http: true)' });
      } else if (!o.allow_insecure_http) {
        ctx.addIssue({ code: 'custom', path: [field], message: 'http needs allow_insecure_http: true (loopback development only)' });
      }
    }
  });

const sessionSchema = z.strictObject({
  cookie_name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ and - only').default('stepgate_session'),
  domain: z
    .string()
    .regex(/^\.?[a-z0-9-]+(\.[a-z0-9-]+)*$/, 'a lower-case domain such as example.com')
    .optional(),
  lifetime_seconds: z.number().int().min(60).max(86_400).default(3600),
  keys_env: envName,
});

const issuerSchema = z
  .strictObject({
    issuer: z.url({ message: 'must be the issuer URL exactly as it appears in the iss claim' }),
    jwks_uri: z.url().optional(),
    discovery_url: z.url().optional(),
    audiences: z.array(nonEmpty).min(1, 'at least one audience is required: a token for another service must not be accepted'),
    algorithms: z
      .array(z.enum([...ASYMMETRIC_ALGS, ...HMAC_ALGS]))
      .min(1)
      .default(['RS256', 'ES256', 'EdDSA']),
    hmac_secret_env: nonEmpty.optional(),
    clock_tolerance_seconds: seconds.max(300).default(30),
    subject_claim: nonEmpty.default('sub'),
    groups_claim: nonEmpty.default('groups'),
    jwks_refresh_seconds: seconds.min(10).default(300),
    jwks_cooldown_seconds: seconds.min(1).default(30),
    fetch_timeout_ms: z.number().int().min(100).max(30_000).default(3000),
  })
  .superRefine((iss, ctx) => {
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
    if (iss.jwks_uri && iss.discovery_url) {
      ctx.addIssue({ code: 'custom', path: ['discovery_url'], message: 'give jwks_uri or discovery_url, not both' });
    }
  });

const levelSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits, _ . : - only'),
  acr: z.array(nonEmpty).min(1, 'a level needs at least one acr value: it is what a step-up asks the identity provider for'),
  amr: z.array(nonEmpty).default([]),
  combine: z.enum(['any', 'all']).default('any'),
  description: z.string().optional(),
});

const stringList = z.array(nonEmpty).min(1);

const kubeMatchSchema = z.strictObject({
  namespaces: stringList.optional(),
  resources: stringList.optional(),
  subresources: z.array(z.string()).min(1).optional(),
  verbs: stringList.optional(),
  api_groups: z.array(z.string()).min(1).optional(),
  names: stringList.optional(),
  non_resource_paths: stringList.optional(),
});

const matchSchema = z.strictObject({
  hosts: stringList.optional(),
  paths: stringList.optional(),
  methods: stringList.optional(),
  kubernetes: kubeMatchSchema.optional(),
  subjects: stringList.optional(),
  groups: stringList.optional(),
  context: z.record(z.string(), z.string()).optional(),
});

/** What a rule or the default does: deny, or require a level and/or a max_age. */
const effectFields = {
  require: nonEmpty.optional(),
  max_age: seconds.optional(),
  deny: z.literal(true).optional(),
  message: z.string().max(300).optional(),
};

/**
 * The effect checks shared by rules and the default. A rule may set only max_age (it inherits the
 * default's level); the default has nothing to inherit from, so it needs require or deny.
 */
function checkEffect(who: 'a rule' | 'the default') {
  return (r: { require?: string; max_age?: number; deny?: true; message?: string }, ctx: z.RefinementCtx) => {
    if (r.deny && (r.require || r.max_age !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['deny'], message: `${who} either denies or requires a level, not both` });
    }
    if (!r.deny && !r.require && (who === 'the default' || r.max_age === undefined)) {
      const options = who === 'a rule' ? 'require (with optional max_age), max_age, or deny: true' : 'require: <level> or deny: true';
      ctx.addIssue({ code: 'custom', path: ['require'], message: `${who} needs ${options}` });
    }
    if (!r.deny && r.message !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['message'], message: `message is shown with a deny; ${who} does not deny` });
    }
  };
}

const ruleSchema = z
  .strictObject({
    name: z.string().regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits, _ . : - only'),
    description: z.string().optional(),
    match: matchSchema,
    ...effectFields,
  })
  .superRefine(checkEffect('a rule'));

const defaultRuleSchema = z.strictObject(effectFields).superRefine(checkEffect('the default'));

export const configSchema = z
  .strictObject({
    server: z
      .strictObject({
        grpc_listen: listen.default('0.0.0.0:9191'),
        http_listen: listenOrOff.default('0.0.0.0:8080'),
        // Off unless asked for: a second way into the decision engine, trusting proxy headers, must be opted into.
        authz_http_listen: listenOrOff.default('off'),
        authz_http_path_prefix: z
          .string()
          .regex(/^(\/[A-Za-z0-9._~-]+)*$/, 'empty, or a path such as /check without a trailing slash')
          .default(''),
        trusted_proxies: z.array(cidr).default([]),
        shutdown_grace_seconds: z.number().min(0).max(300).default(10),
        reload_interval_seconds: z.number().min(0).max(3600).default(5),
      })
      .prefault({}),
    log: z
      .strictObject({
        level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
      })
      .prefault({}),
    issuers: z.array(issuerSchema).min(1, 'at least one trusted issuer is required'),
    assurance: z.strictObject({
      levels: z.array(levelSchema).min(1),
    }),
    kubernetes: z
      .strictObject({
        hosts: z.array(nonEmpty).default([]),
      })
      .prefault({}),
    policy: z.strictObject({
      default: defaultRuleSchema,
      rules: z.array(ruleSchema).default([]),
    }),
    stepup: z
      .strictObject({
        url: z.url().optional(),
        return_hosts: z.array(nonEmpty).default([]),
        realm: z.string().regex(/^[^"\\]*$/, 'must not contain quotes or backslashes').default('stepgate'),
        oidc: oidcSchema.optional(),
        session: sessionSchema.optional(),
        state_cookie: z
          .strictObject({
            lifetime_seconds: z.number().int().min(60).max(3600).default(600),
          })
          .prefault({}),
      })
      .prefault({}),
    identity_headers: z
      .strictObject({
        subject: headerName.default('x-stepgate-subject'),
        level: headerName.default('x-stepgate-level'),
        issuer: headerName.default('x-stepgate-issuer'),
        claims: z.record(nonEmpty, headerName).default({}),
      })
      .prefault({}),
    token_cache: z
      .strictObject({
        max_entries: z.number().int().min(1).max(10_000_000).default(50_000),
        max_ttl_seconds: z.number().int().min(1).default(300),
        negative_ttl_seconds: z.number().int().min(0).max(300).default(10),
        negative_max_entries: z.number().int().min(1).default(10_000),
      })
      .prefault({}),
    limits: z
      .strictObject({
        max_header_bytes: z.number().int().min(256).default(16_384),
        max_total_header_bytes: z.number().int().min(1024).default(131_072),
      })
      .prefault({}),
    // Tracing itself is configured by the standard OTEL_* environment variables, not here.
    // docs/observability.md describes what each key changes.
    telemetry: z
      .strictObject({
        metrics_listen: z.union([z.literal('off'), listen]).default('0.0.0.0:9464'),
        subject: z.enum(['clear', 'hashed']).default('clear'),
        audit: z
          .strictObject({
            level: z.enum(['debug', 'info', 'warn']).default('info'),
            sample_allows: z.number().min(0).max(1).default(0),
          })
          .prefault({}),
      })
      .prefault({}),
  })
  .superRefine((cfg, ctx) => {
    const levels = new Set<string>();
    cfg.assurance.levels.forEach((l, i) => {
      if (levels.has(l.name)) {
        ctx.addIssue({ code: 'custom', path: ['assurance', 'levels', i, 'name'], message: `duplicate level "${l.name}"` });
      }
      levels.add(l.name);
    });
    const checkLevel = (name: string | undefined, path: (string | number)[]) => {
      if (name !== undefined && !levels.has(name)) {
        ctx.addIssue({
          code: 'custom',
          path,
          message: `unknown level "${name}"; defined levels: ${[...levels].join(', ')}`,
        });
      }
    };
    checkLevel(cfg.policy.default.require, ['policy', 'default', 'require']);
    const names = new Set<string>();
    cfg.policy.rules.forEach((r, i) => {
      checkLevel(r.require, ['policy', 'rules', i, 'require']);
      if (names.has(r.name)) {
        ctx.addIssue({ code: 'custom', path: ['policy', 'rules', i, 'name'], message: `duplicate rule name "${r.name}"` });
      }
      names.add(r.name);
    });
    if (cfg.limits.max_header_bytes > cfg.limits.max_total_header_bytes) {
      ctx.addIssue({
        code: 'custom',
        path: ['limits', 'max_header_bytes'],
        message: `must not exceed limits.max_total_header_bytes (${cfg.limits.max_total_header_bytes})`,
      });
    }
    if (cfg.stepup.oidc && !cfg.stepup.session) {
      ctx.addIssue({ code: 'custom', path: ['stepup', 'session'], message: 'required with stepup.oidc: the step-up ends by setting a session cookie' });
    }
    if (cfg.stepup.session && !cfg.stepup.oidc) {
      ctx.addIssue({ code: 'custom', path: ['stepup', 'session'], message: 'set only together with stepup.oidc: a session is what the OIDC step-up produces' });
    }
    const issuers = new Set<string>();
    cfg.issuers.forEach((iss, i) => {
      if (issuers.has(iss.issuer)) {
        ctx.addIssue({ code: 'custom', path: ['issuers', i, 'issuer'], message: `duplicate issuer "${iss.issuer}"` });
      }
      issuers.add(iss.issuer);
    });
    const used = new Map<string, string>();
    const headers = cfg.identity_headers;
    for (const [key, value] of [
      ['subject', headers.subject],
      ['level', headers.level],
      ['issuer', headers.issuer],
      ...Object.entries(headers.claims).map(([claim, h]) => [`claims.${claim}`, h] as const),
    ] as const) {
      const prev = used.get(value);
      if (prev) {
        ctx.addIssue({
          code: 'custom',
          path: ['identity_headers', ...key.split('.')],
          message: `header ${value} is already used by ${prev}`,
        });
      }
      used.set(value, key);
    }
  });

export type Config = z.infer<typeof configSchema>;
export type IssuerConfig = Config['issuers'][number];
export type LevelConfig = Config['assurance']['levels'][number];
export type RuleConfig = Config['policy']['rules'][number];
export type MatchConfig = RuleConfig['match'];
export type KubeMatchConfig = NonNullable<MatchConfig['kubernetes']>;
export const HMAC_ALGORITHMS: readonly string[] = HMAC_ALGS;
export type TelemetryConfig = Config['telemetry'];
export type OidcConfig = NonNullable<Config['stepup']['oidc']>;
export type SessionConfig = NonNullable<Config['stepup']['session']>;

/** `10.0.0.0/8`, `::1/128` or a bare address (a /32 or /128). Undefined when it is neither. */
export function parseCidr(v: string): [ipaddr.IPv4 | ipaddr.IPv6, number] | undefined {
  try {
    if (v.includes('/')) return ipaddr.parseCIDR(v);
    const a = ipaddr.parse(v);
    return [a, a.kind() === 'ipv4' ? 32 : 128];
  } catch {
    return undefined;
  }
}

function isLoopbackHost(host: string): boolean {
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  const h = host.startsWith('[') ? host.slice(1, -1) : host;
  return ipaddr.isValid(h) && ipaddr.parse(h).range() === 'loopback';
}
