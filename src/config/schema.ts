import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { DEFAULT_DANGEROUS_CAPABILITIES, DEFAULT_SYSTEM_NAMESPACES, GUARDRAIL_CODES, UNREADABLE_KEY } from './guardrail-codes.js';

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
function checkEffect(who: 'a rule' | 'the default' | 'a band' | 'a by_band entry') {
  return (r: { require?: string; max_age?: number; deny?: true; message?: string }, ctx: z.RefinementCtx) => {
    if (r.deny && (r.require || r.max_age !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['deny'], message: `${who} either denies or requires a level, not both` });
    }
    if (!r.deny && !r.require && (who === 'the default' || r.max_age === undefined)) {
      const options = who === 'the default' ? 'require: <level> or deny: true' : 'require (with optional max_age), max_age, or deny: true';
      ctx.addIssue({ code: 'custom', path: ['require'], message: `${who} needs ${options}` });
    }
    if (!r.deny && r.message !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['message'], message: `message is shown with a deny; ${who} does not deny` });
    }
  };
}

/**
 * `shadow`: evaluated and reported as "would have challenged/denied" (metrics, audit, spans,
 * explain, replay) but never enforced. docs/rollout.md.
 */
const modeSchema = z.enum(['enforce', 'shadow']);

/** A weight added to the risk score; 0 turns the signal off. */
const weight = z.number().int().min(0).max(100);

const counterSignal = (window: number, threshold: number, w: number) =>
  z
    .strictObject({
      window_seconds: z.number().int().min(1).max(86_400).default(window),
      threshold: z.number().int().min(1).default(threshold),
      weight: weight.default(w),
    })
    .prefault({});

const bandSchema = z
  .strictObject({
    name: z.string().regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits, _ . : - only'),
    min_score: z.number().int().min(1).max(100),
    mode: modeSchema.default('enforce'),
    ...effectFields,
  })
  .superRefine(checkEffect('a band'));

/**
 * The risk engine (docs/configuration.md#risk). Absent means off: no state is kept and the
 * requirement is the policy's alone.
 */
const riskSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** shadow: every band and the context binding are reported, never enforced (the score still is). */
  mode: modeSchema.default('enforce'),
  trusted_networks: z.array(cidr).default([]),
  ipv4_prefix: z.number().int().min(8).max(32).default(24),
  ipv6_prefix: z.number().int().min(16).max(128).default(64),
  /**
   * The wider network around a proven one (docs/risk.md#networks-that-move): a new network inside
   * it weighs as a new address, not a new network, and does not bind the requirement. Set equal
   * to ipv4_prefix / ipv6_prefix to turn it off.
   */
  nearby_networks: z
    .strictObject({ ipv4_prefix: z.number().int().min(8).max(32).default(16), ipv6_prefix: z.number().int().min(16).max(128).default(32) })
    .prefault({}),
  learn: z
    .strictObject({
      min_level: nonEmpty,
      /**
       * The newcomer allowance, and nothing else: for a subject with nothing proven yet, an
       * authentication up to this long before a part of its context was first seen counts as made
       * there. It is not how recent a proof must be for anyone else (that is strict: after the
       * first sighting). `max_age_seconds` is the older name of the same setting.
       */
      newcomer_grace_seconds: seconds.min(1).max(86_400).optional(),
      max_age_seconds: seconds.min(1).max(86_400).optional(),
    })
    .superRefine((l, ctx) => {
      if (l.newcomer_grace_seconds !== undefined && l.max_age_seconds !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['max_age_seconds'], message: 'max_age_seconds is the older name of newcomer_grace_seconds: set only one' });
      }
    })
    .transform(({ newcomer_grace_seconds, max_age_seconds, ...rest }) => ({ ...rest, newcomer_grace_seconds: newcomer_grace_seconds ?? max_age_seconds ?? 900 })),
  signals: z
    .strictObject({
      new_ip: weight.default(10),
      new_network: weight.default(25),
      trusted_network: z.number().int().min(-100).max(0).default(-15),
      new_device: weight.default(20),
      new_device_fingerprint: weight.default(10),
      ua_family_change: weight.default(15),
      first_seen: weight.default(10),
      token_age: z
        .strictObject({ after_seconds: seconds.min(1).default(28_800), weight: weight.default(10) })
        .prefault({}),
      request_rate: counterSignal(60, 300, 20),
      sensitive_rate: counterSignal(60, 30, 30),
      denials: counterSignal(300, 10, 20),
      namespaces: counterSignal(600, 8, 15),
      // Behaviour: thresholds count distinct objects and deletes, so an enumeration shows within
      // about ten requests while an on-call engineer's handful of reads and restarts does not.
      sensitive_objects: counterSignal(120, 6, 45),
      // A burst of deletes is refused outright (deny: true): the insider who does it is freshly
      // signed in and would satisfy any freshness (docs/risk.md).
      destructive: z
        .strictObject({
          window_seconds: z.number().int().min(1).max(86_400).default(300),
          threshold: z.number().int().min(1).default(12),
          weight: weight.default(45),
          deny: z.boolean().default(true),
        })
        .prefault({}),
      // Behaviour unlike this identity's own (docs/risk.md#behaviour-unlike-the-identitys-own): a
      // sensitive action in a namespace outside its working set; many distinct sensitive objects at
      // machine pace; a Secret list across all namespaces.
      unfamiliar_namespace: z
        .strictObject({ weight: weight.default(10), grace_seconds: seconds.min(0).max(86_400).default(3600) })
        .prefault({}),
      machine_pace: counterSignal(20, 3, 45),
      cluster_secret_list: weight.default(30),
      impossible_travel: z
        .strictObject({ max_kmh: z.number().int().min(1).max(100_000).default(900), weight: weight.default(40) })
        .prefault({}),
      // A device never proven that first appeared after this sign-in was already in use (a session
      // replayed from another device): binds to a sign-in at most grace_seconds before it appeared.
      // Off by default: a browser sharing kubectl's login, first opened after a move, looks the same.
      session_new_device: z
        .strictObject({ weight: weight.default(0), grace_seconds: seconds.min(0).max(86_400).default(3600) })
        .prefault({}),
    })
    .prefault({}),
  /**
   * Operator-named sites (offices, data centres, VPN egress) with coordinates, for impossible
   * travel: two sightings at sites farther apart than `impossible_travel.max_kmh` allows.
   */
  locations: z
    .array(
      z.strictObject({
        name: z.string().regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits, _ . : - only'),
        cidrs: z.array(cidr).min(1),
        lat: z.number().min(-90).max(90),
        lon: z.number().min(-180).max(180),
      }),
    )
    .default([]),
  bands: z.array(bandSchema).default([]),
  known_ttl_seconds: seconds.min(60).default(2_592_000),
  max_known_per_subject: z.number().int().min(1).max(256).default(16),
});

const networkSchema = z
  .strictObject({
    xff_num_trusted_hops: z.number().int().min(0).max(10).default(0),
    trust_forwarded_client_cert: z.boolean().default(false),
  })
  .prefault({});

const ruleSchema = z
  .strictObject({
    name: z.string().regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits, _ . : - only'),
    description: z.string().optional(),
    match: matchSchema,
    /** Risk weight this rule adds when it matches (path sensitivity); the highest matching one counts. */
    sensitivity: z.number().int().min(0).max(100).optional(),
    /**
     * Freshness per risk band: what this rule asks once the score reaches a band (by name), on
     * top of its own effect, which is then what it asks in a quiet context. Tightens only.
     */
    by_band: z
      .record(z.string(), z.strictObject(effectFields).superRefine(checkEffect('a by_band entry')))
      .optional(),
    mode: modeSchema.default('enforce'),
    ...effectFields,
  })
  .superRefine(checkEffect('a rule'));

const defaultRuleSchema = z.strictObject(effectFields).superRefine(checkEffect('the default'));

/**
 * Where the risk engine keeps what it knows about subjects. `memory` suits one replica; many
 * replicas must share `redis`, or each would see a different history and decide differently.
 * The Redis password is never in this file: `password_env` names the variable holding it.
 */
/** `host:port` of a Sentinel or Cluster seed node; IPv6 in brackets (`[::1]:26379`). */
const hostPort = z.string().refine((v) => {
  const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(v);
  return m !== null && Number(m[2]) >= 1 && Number(m[2]) <= 65535;
}, 'must be host:port with a port 1-65535, e.g. redis-sentinel-0.redis:26379');

const redisUrl = z
  .string()
  .refine((u) => {
    try {
      const p = new URL(u).protocol;
      return p === 'redis:' || p === 'rediss:';
    } catch {
      return false;
    }
  }, 'must be a redis:// or rediss:// (TLS) URL, e.g. redis://redis:6379/0')
  .refine((u) => {
    try {
      return new URL(u).password === '';
    } catch {
      return true;
    }
  }, 'must not contain a password: put it in an environment variable and name it in password_env');

const stateSchema = z
  .strictObject({
    store: z.enum(['memory', 'redis']).default('memory'),
    timeout_ms: z.number().int().min(5).max(5000).default(50),
    on_state_error: z.enum(['fail_closed', 'degrade']).default('fail_closed'),
    memory: z
      .strictObject({
        max_subjects: z.number().int().min(1).max(10_000_000).default(100_000),
        /** Keep the history in this file across restarts (one replica); absent: memory only. */
        snapshot_path: nonEmpty.optional(),
        snapshot_interval_seconds: z.number().int().min(5).max(3600).default(60),
      })
      .prefault({}),
    redis: z
      .strictObject({
        url: redisUrl.optional(),
        password_env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name').optional(),
        ca_file: nonEmpty.optional(),
        key_prefix: z.string().max(64).regex(/^[^{}\s]*$/, 'must not contain braces or spaces (braces would break the hash tag)').default('stepgate:'),
        sentinel: z
          .strictObject({
            name: nonEmpty,
            nodes: z.array(hostPort).min(1).max(16),
            password_env: envName.optional(),
            tls: z.boolean().default(false),
          })
          .optional(),
        cluster: z
          .strictObject({
            nodes: z.array(hostPort).min(1).max(64),
            tls: z.boolean().default(false),
          })
          .optional(),
        wait_replicas: z.number().int().min(0).max(16).default(0),
        wait_timeout_ms: z.number().int().min(1).max(5000).default(100),
      })
      .optional(),
  })
  .superRefine((st, ctx) => {
    if (st.store !== 'redis' && st.redis !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['redis'], message: 'set only with store: redis' });
    }
    if (st.redis?.ca_file !== undefined && st.redis.url !== undefined && !st.redis.url.startsWith('rediss:')) {
      ctx.addIssue({ code: 'custom', path: ['redis', 'ca_file'], message: 'a CA file needs a rediss:// (TLS) url' });
    }
    const r = st.redis;
    if (r !== undefined) {
      // One topology only: a URL next to sentinels would leave it unclear which one decisions use.
      const topologies = [r.url !== undefined && 'url', r.sentinel !== undefined && 'sentinel', r.cluster !== undefined && 'cluster'].filter(Boolean);
      if (r.ca_file !== undefined && (r.sentinel?.tls === false || r.cluster?.tls === false)) {
        ctx.addIssue({ code: 'custom', path: ['redis', 'ca_file'], message: `a CA file needs tls: true under ${r.sentinel ? 'sentinel' : 'cluster'}` });
      }
      if (topologies.length > 1) {
        ctx.addIssue({ code: 'custom', path: ['redis', topologies[1] as string], message: `set only one of url, sentinel, cluster (found ${topologies.join(' and ')})` });
      }
    }
  });

/**
 * A guardrail's effect: a level and/or max_age to require, a deny, and/or a risk weight. Several
 * may be combined except deny with require/max_age (the same rule as for policy rules).
 */
const guardrailEffectSchema = z
  .strictObject({
    require: nonEmpty.optional(),
    max_age: seconds.optional(),
    deny: z.literal(true).optional(),
    risk: z.number().int().min(0).max(1000).optional(),
    mode: modeSchema.default('enforce'),
  })
  .superRefine((e, ctx) => {
    if (e.deny && (e.require !== undefined || e.max_age !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['deny'], message: 'a guardrail effect either denies or requires a level, not both' });
    }
    if (!e.deny && e.require === undefined && e.max_age === undefined && e.risk === undefined) {
      ctx.addIssue({ code: 'custom', path: ['require'], message: 'a guardrail effect needs require, max_age, deny: true or risk (or use off)' });
    }
  });

const GUARDRAIL_EFFECT_KEYS = [...GUARDRAIL_CODES, UNREADABLE_KEY] as const;
const guardrailEffectsSchema = z.partialRecord(z.enum(GUARDRAIL_EFFECT_KEYS), z.union([z.literal('off'), guardrailEffectSchema]));

/** Present only when the operator opts in: without it no request body is ever looked at. */
const guardrailsSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** shadow: every guardrail effect is reported, never enforced. */
  mode: modeSchema.default('enforce'),
  default_effect: guardrailEffectSchema.optional(),
  unreadable_body: guardrailEffectSchema.optional(),
  effects: guardrailEffectsSchema.default({}),
  allowed_registries: z.array(nonEmpty).default([]),
  protected_namespaces: z.array(nonEmpty).default([]),
  delete_protected_namespaces: z.array(nonEmpty).default(['kube-system']),
  system_namespaces: z.array(nonEmpty).default([...DEFAULT_SYSTEM_NAMESPACES]),
  restricted_namespaces: z.array(nonEmpty).default([]),
  dangerous_capabilities: z.array(nonEmpty).default([...DEFAULT_DANGEROUS_CAPABILITIES]),
  dangerous_cluster_roles: z.array(nonEmpty).default([]),
  namespaces: z
    .array(
      z.strictObject({
        match: stringList,
        effects: guardrailEffectsSchema,
      }),
    )
    .default([]),
  // cel branch: the cluster's own ValidatingAdmissionPolicy / Kyverno CEL policies.
  cluster_policies: z
    .array(
      z.strictObject({
        path: nonEmpty,
        /** Without one, guardrails.effects.cluster_policy (or the default effect) applies. */
        effect: guardrailEffectSchema.optional(),
      }),
    )
    .default([]),
  cluster_policy_limits: z
    .strictObject({
      max_cost: z.number().int().min(100).max(10_000_000).default(100_000),
      max_millis: z.number().int().min(1).max(10_000).default(100),
    })
    .default({ max_cost: 100_000, max_millis: 100 }),
});

/**
 * Automation identities (CI/CD, service accounts) cannot do a step-up; when one would be asked
 * for, stepgate records a pending approval for exactly that request and a human approves it.
 * An identity is automation when ANY of issuers, subjects or claim matches.
 */
const automationSchema = z
  .strictObject({
    issuers: z.array(z.url({ message: 'must be an issuer URL exactly as in the iss claim' })).default([]),
    subjects: z.array(nonEmpty).default([]),
    claim: z
      .strictObject({
        name: nonEmpty,
        values: stringList,
      })
      .optional(),
    approval_ttl_seconds: z.number().int().min(60).max(7 * 86_400).default(3600),
    // Without an approver there are no approvals: a step-up asked of automation is refused
    // (automation_step_up). With one, `level` is required on purpose: who may approve a cluster
    // change is a decision, not a default.
    approver: z
      .strictObject({
        level: nonEmpty,
        max_age_seconds: z.number().int().min(30).max(3600).default(300),
        groups: stringList.optional(),
      })
      .optional(),
  })
  .superRefine((a, ctx) => {
    if (a.issuers.length === 0 && a.subjects.length === 0 && a.claim === undefined) {
      ctx.addIssue({ code: 'custom', path: ['issuers'], message: 'name at least one of issuers, subjects or claim: otherwise no identity is automation' });
    }
  });

/**
 * Incident mode, revocation and the Shared Signals receiver (issue 15). Admin calls are bearer
 * tokens of a configured issuer, verified like any token, whose groups claim names one of
 * `groups`: there is no anonymous or shared-secret access.
 */
const incidentSchema = z.strictObject({
  admin: z.strictObject({
    issuers: z.array(z.url({ message: 'must be an issuer URL exactly as in the iss claim' })).min(1),
    // Read from each issuer's own groups claim (issuers[].groups_claim).
    groups: stringList,
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

/** The default `kubernetes.step_up_hint`: what the stepgate credential plugin user does. */
export const DEFAULT_STEP_UP_HINT = 'The stepgate credential plugin steps up when this command fails: run it again, or first: kubectl stepgate login --level {level}';

export const configSchema = z
  .strictObject({
    /** shadow: every rule, the default, risk bands and guardrails are reported, never enforced (authentication still is). */
    mode: modeSchema.default('enforce'),
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
        // perf (issue 17): Checks in flight past which new ones are refused at once with `overloaded`.
        max_inflight_checks: z.number().int().min(1).max(1_000_000).default(1024),
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
        // How long the last step-up challenge per credential is kept for the credential plugin
        // (GET /.stepgate/v1/challenge); 0 turns remembering off.
        challenge_ttl_seconds: z.number().int().min(0).max(3600).default(300),
        // What the kubectl message tells the user to do; {level} and {max_age} are filled in.
        step_up_hint: z.string().max(300).default(DEFAULT_STEP_UP_HINT),
      })
      .prefault({}),
    network: networkSchema,
    risk: riskSchema.optional(),
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
        // perf (issue 17): encoded allow responses, shared by tokens with equal identity headers.
        encoded_allow_max_entries: z.number().int().min(1).max(1_000_000).default(10_000),
      })
      .prefault({}),
    limits: z
      .strictObject({
        max_header_bytes: z.number().int().min(256).default(16_384),
        max_total_header_bytes: z.number().int().min(1024).default(131_072),
        // The gRPC server accepts messages up to 4 MiB; a larger bound could never be reached.
        max_body_bytes: z.number().int().min(1024).max(4 * 1024 * 1024 - 65_536).default(1024 * 1024),
      })
      .prefault({}),
    guardrails: guardrailsSchema.optional(),
    automation: automationSchema.optional(),
    incident: incidentSchema.optional(),
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
    state: stateSchema.prefault({}),
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
    const bandNamesForRules = new Set((cfg.risk?.bands ?? []).map((b) => b.name));
    cfg.policy.rules.forEach((r, i) => {
      checkLevel(r.require, ['policy', 'rules', i, 'require']);
      for (const [band, e] of Object.entries(r.by_band ?? {})) {
        checkLevel(e.require, ['policy', 'rules', i, 'by_band', band, 'require']);
        if (!bandNamesForRules.has(band)) {
          const known = [...bandNamesForRules].join(', ') || 'none (no risk.bands)';
          ctx.addIssue({ code: 'custom', path: ['policy', 'rules', i, 'by_band', band], message: `unknown risk band "${band}"; bands: ${known}` });
        }
      }
      if (names.has(r.name)) {
        ctx.addIssue({ code: 'custom', path: ['policy', 'rules', i, 'name'], message: `duplicate rule name "${r.name}"` });
      }
      names.add(r.name);
    });
    if (cfg.risk) {
      checkLevel(cfg.risk.learn.min_level, ['risk', 'learn', 'min_level']);
      const bandNames = new Set<string>();
      let previous = 0;
      cfg.risk.bands.forEach((b, i) => {
        checkLevel(b.require, ['risk', 'bands', i, 'require']);
        if (bandNames.has(b.name)) {
          ctx.addIssue({ code: 'custom', path: ['risk', 'bands', i, 'name'], message: `duplicate band name "${b.name}"` });
        }
        bandNames.add(b.name);
        if (b.min_score <= previous) {
          ctx.addIssue({ code: 'custom', path: ['risk', 'bands', i, 'min_score'], message: 'bands are listed by increasing min_score' });
        }
        previous = b.min_score;
      });
    }
    const g = cfg.guardrails;
    if (g) {
      const checkEffects = (effects: Partial<Record<string, 'off' | { require?: string | undefined }>>, path: (string | number)[]) => {
        for (const [code, e] of Object.entries(effects)) {
          if (e !== undefined && e !== 'off') checkLevel(e.require, [...path, code, 'require']);
        }
      };
      checkLevel(g.default_effect?.require, ['guardrails', 'default_effect', 'require']);
      checkLevel(g.unreadable_body?.require, ['guardrails', 'unreadable_body', 'require']);
      checkEffects(g.effects, ['guardrails', 'effects']);
      g.namespaces.forEach((n, i) => checkEffects(n.effects, ['guardrails', 'namespaces', i, 'effects']));
      g.cluster_policies.forEach((s, i) => checkLevel(s.effect?.require, ['guardrails', 'cluster_policies', i, 'effect', 'require']));
    }
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
    const auto = cfg.automation;
    if (auto) {
      if (auto.approver) checkLevel(auto.approver.level, ['automation', 'approver', 'level']);
      if (auto.approver && (!cfg.stepup.oidc || !cfg.stepup.url)) {
        ctx.addIssue({
          code: 'custom',
          path: ['automation', 'approver'],
          message: 'needs stepup.oidc and stepup.url: approving an automation request takes a human step-up on stepgate\'s approval pages',
        });
      }
      const known = new Set(cfg.issuers.map((i) => i.issuer));
      auto.issuers.forEach((iss, i) => {
        if (!known.has(iss)) {
          ctx.addIssue({ code: 'custom', path: ['automation', 'issuers', i], message: `"${iss}" is not a configured issuer: its tokens are never accepted` });
        }
      });
    }
    if (cfg.incident) {
      const known = new Set(cfg.issuers.map((i) => i.issuer));
      cfg.incident.admin.issuers.forEach((iss, i) => {
        if (!known.has(iss)) ctx.addIssue({ code: 'custom', path: ['incident', 'admin', 'issuers', i], message: `"${iss}" is not a configured issuer: its tokens are never verified` });
      });
      if (!cfg.stepup.oidc) {
        ctx.addIssue({ code: 'custom', path: ['incident'], message: 'needs stepup.oidc: the admin API and the Shared Signals receiver are served on the step-up listener (server.http_listen)' });
      }
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
export type RiskConfig = NonNullable<Config['risk']>;
export type NetworkConfig = Config['network'];
export type StateConfig = Config['state'];
export type GuardrailsConfig = NonNullable<Config['guardrails']>;
export type GuardrailEffectConfig = z.infer<typeof guardrailEffectSchema>;
export type OidcConfig = NonNullable<Config['stepup']['oidc']>;
export type SessionConfig = NonNullable<Config['stepup']['session']>;
export type AutomationConfig = NonNullable<Config['automation']>;
export type IncidentConfig = NonNullable<Config['incident']>;
export type Mode = z.infer<typeof modeSchema>;

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
