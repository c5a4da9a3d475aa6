import { z } from 'zod';
import type { ApplyTable } from './apply.js';
import { cidr, modeSchema, nonEmpty, seconds, stringList } from './common.js';
import { DEFAULT_DANGEROUS_CAPABILITIES, DEFAULT_MAX_LEASE_DURATION_SECONDS, DEFAULT_PRIVILEGED_GROUPS, DEFAULT_PRIVILEGED_USERS, DEFAULT_RESERVED_INTERFACES, DEFAULT_SHARED_VOLUME_NAMESPACES, DEFAULT_SYSTEM_NAMESPACES, GUARDRAIL_CODES, MISSING_KEY, UNREADABLE_KEY } from '../guardrail-codes.js';

/**
 * A guardrail's effect: a level and/or max_age to require, a deny, and/or a risk weight. Several
 * may be combined except deny with require/max_age (the same rule as for policy rules).
 */
export const guardrailEffectSchema = z
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

export const GUARDRAIL_EFFECT_KEYS = [...GUARDRAIL_CODES, UNREADABLE_KEY, MISSING_KEY] as const;
export const guardrailEffectsSchema = z.partialRecord(z.enum(GUARDRAIL_EFFECT_KEYS), z.union([z.literal('off'), guardrailEffectSchema]));

/** Present only when the operator opts in: without it no request body is ever looked at. */
/**
 * An upload_hosts entry: a host glob (letters, digits, `-`, `.`, `*`, `?`; an IPv4 or bracketless
 * IPv6 literal), or `s3://`, `gs://`, `rclone://` or `mc://` and a bucket (remote, alias) glob. No port, path or
 * user: a destination is matched by its host (or bucket) alone.
 */
const UPLOAD_ENTRY = /^(?:(?:s3|gs|rclone|mc):\/\/[A-Za-z0-9*?._-]+|[A-Za-z0-9*?_-]+(?:\.[A-Za-z0-9*?_-]+)*\.?|[0-9A-Fa-f:]+)$/;

/**
 * A model_sources entry: a URI scheme and `://`, then nothing (every source of that scheme:
 * `pvc://`) or `/`-separated globs matched segment by segment at a path boundary (`s3://models`,
 * `hf://meridian/*`, `https://models.example.com/releases`). No query, fragment, user or space.
 */
const MODEL_SOURCE_ENTRY = /^[a-z][a-z0-9+.-]*:\/\/(?:[A-Za-z0-9*?._~:@=+-]+(?:\/[A-Za-z0-9*?._~:@=+-]+)*)?\/?$/;

/**
 * A certificate_authorities entry: a host glob (the ACME directory's, the Vault server's, a step-ca's),
 * or `secret:` and a Secret name glob (a CA issuer's key pair), or an AWS Private CA's ARN glob
 * (`arn:…`, an AWSPCAIssuer's), or `gcp-cas:PROJECT/LOCATION/POOL` (a GoogleCASIssuer's), globs allowed;
 * or `sha256:` and a certificate's fingerprint (an issuer's caBundle: 64 hex digits, colons allowed).
 */
const AUTHORITY_ENTRY = /^(?:secret:[a-z0-9*?.-]+|sha256:(?:[0-9A-Fa-f]{64}|[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){31})|arn:[A-Za-z0-9*?:/._-]+|gcp-cas:[A-Za-z0-9*?/._-]+|[A-Za-z0-9*?_-]+(?:\.[A-Za-z0-9*?_-]+)*\.?|[0-9A-Fa-f:]+)$/;

export const guardrailsSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** shadow: every guardrail effect is reported, never enforced. */
  mode: modeSchema.default('enforce'),
  default_effect: guardrailEffectSchema.optional(),
  unreadable_body: guardrailEffectSchema.optional(),
  /** A write whose Check has no body at all (the gateway sends none); unset: the unreadable_body effect. */
  missing_body: guardrailEffectSchema.optional(),
  effects: guardrailEffectsSchema.default({}),
  allowed_registries: z.array(nonEmpty).default([]),
  protected_namespaces: z.array(nonEmpty).default([]),
  delete_protected_namespaces: z.array(nonEmpty).default(['kube-system']),
  system_namespaces: z.array(nonEmpty).default([...DEFAULT_SYSTEM_NAMESPACES]),
  restricted_namespaces: z.array(nonEmpty).default([]),
  dangerous_capabilities: z.array(nonEmpty).default([...DEFAULT_DANGEROUS_CAPABILITIES]),
  dangerous_cluster_roles: z.array(nonEmpty).default([]),
  /** Impersonating one of these (globs, exact case) is `impersonation_privileged`; they replace the defaults. */
  impersonation_privileged_users: z.array(nonEmpty).default([...DEFAULT_PRIVILEGED_USERS]),
  impersonation_privileged_groups: z.array(nonEmpty).default([...DEFAULT_PRIVILEGED_GROUPS]),
  /**
   * Priority class (glob) → the namespaces (globs) whose pods may name it; elsewhere naming it is
   * `priority_class_reserved`. system-node-critical and system-cluster-critical are always
   * reserved to the system namespaces unless an entry names them.
   */
  reserved_priority_classes: z.record(nonEmpty, z.array(nonEmpty)).default({}),
  /**
   * Namespaces (globs) a chaos experiment (Chaos Mesh's, LitmusChaos's ChaosEngine) may not aim at
   * without the effect of `chaos_target_protected`, wherever the experiment itself is written.
   */
  chaos_protected_namespaces: z.array(nonEmpty).default([]),
  /**
   * Namespaces (globs) whose volumes any namespace may copy (KubeVirt's golden images); a copy from
   * any other namespace's is `volume_source_other_namespace`.
   */
  shared_volume_namespaces: z.array(nonEmpty).default([...DEFAULT_SHARED_VOLUME_NAMESPACES]),
  /**
   * Node interfaces (globs) a Multus attachment may not put pods on (`master`, `device`, `bridge`
   * of its CNI plugins): `network_attachment_reserved`. The management network's are the site's.
   */
  reserved_interfaces: z.array(nonEmpty).default([...DEFAULT_RESERVED_INTERFACES]),
  /**
   * The longest `spec.leaseDurationSeconds` a Lease write may set; above it the write is
   * `lease_held` (client-go's leader elector waits that long after it last saw the Lease change).
   */
  max_lease_duration_seconds: z.number().int().min(1).max(2147483647).default(DEFAULT_MAX_LEASE_DURATION_SECONDS),
  /**
   * Where the API server is reached by address, past every gateway: its Service's ClusterIP (the
   * service range's first address) and the control-plane endpoints. A route, ServiceEntry,
   * ExternalName, Endpoints or EndpointSlice naming one is `gated_host_route`, as one naming
   * `kubernetes.default` is; the body cannot say which addresses are the API server's.
   */
  api_server_addresses: z.array(cidr).default([]),
  /** Namespace (glob) → the runtime classes its pods must run under (`runtime_class_removed`). */
  sandboxed_namespaces: z.record(nonEmpty, z.array(nonEmpty).min(1)).default({}),
  /**
   * Which namespaces own which hostnames (route_host_not_owned): a route, Ingress or mesh object
   * in any other namespace that names one of `hosts` claims traffic that is not its own.
   */
  host_owners: z
    .array(
      z.strictObject({
        hosts: stringList,
        namespaces: stringList,
      }),
    )
    .default([]),
  /**
   * The fewest replicas a workload (or node pool) may be set to (capacity_below_floor): a write of
   * `spec.replicas`, a Scale, an autoscaler's ceiling or a KEDA pause below `min_replicas`, in one
   * of `namespaces`, of an object one of `names` matches. The first entry that matches decides.
   */
  /**
   * Where the site's workloads may upload data (data_upload_outside): host globs (`*.blob.core.windows.net`),
   * and buckets the command names without a host (`s3://ml-artifacts`, `gs://…`, `rclone://remote`, `mc://alias`).
   * Empty: the guardrail is off.
   */
  upload_hosts: z.array(nonEmpty.refine((e) => UPLOAD_ENTRY.test(e), { message: 'an upload destination is a host glob (s3.eu-central-1.amazonaws.com, "*.blob.core.windows.net", an IP) or a bucket: s3://bucket, gs://bucket, rclone://remote, mc://alias (globs allowed)' })).default([]),
  /**
   * Where the site's models come from (model_source_not_allowed): URI prefixes, a scheme and
   * segment globs (`s3://meridian-models`, `hf://meridian/*`, `pvc://`). OCI model images
   * (`oci://…`) are judged by allowed_registries where that is set. Empty: the guardrail is off.
   */
  model_sources: z.array(nonEmpty.refine((e) => MODEL_SOURCE_ENTRY.test(e), { message: 'a model source is a URI prefix: a scheme, `://` and optional /-separated globs (s3://models, "hf://org/*", pvc://), no query or spaces' })).default([]),
  /**
   * The certificate authorities cert-manager's issuers may use (issuer_endpoint_not_allowed): host
   * globs of ACME directories, Vault servers, step-ca and Venafi hosts, and `secret:NAME` globs
   * for a CA issuer's key pair. Empty: the guardrail is off.
   */
  certificate_authorities: z.array(nonEmpty.refine((e) => AUTHORITY_ENTRY.test(e), { message: 'a certificate authority is a host glob (acme-v02.api.letsencrypt.org, "*.pki.example.com") or secret:NAME (a CA issuer\'s key pair), sha256:FINGERPRINT (a caBundle\'s certificate), arn:… (an AWS Private CA) or gcp-cas:PROJECT/LOCATION/POOL, globs allowed' })).default([]),
  replica_floors: z
    .array(
      z.strictObject({
        namespaces: stringList,
        names: stringList.default(['*']),
        min_replicas: z.number().int().min(1).max(1_000_000),
      }),
    )
    .default([]),
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

/** How each `guardrails` key applies on reload (schema/apply.ts). */
export const GUARDRAILS_APPLY = {
  'guardrails.enabled': 'live',
  'guardrails.mode': 'live',
  'guardrails.default_effect.require': 'live',
  'guardrails.default_effect.max_age': 'live',
  'guardrails.default_effect.deny': 'live',
  'guardrails.default_effect.risk': 'live',
  'guardrails.default_effect.mode': 'live',
  'guardrails.unreadable_body.require': 'live',
  'guardrails.unreadable_body.max_age': 'live',
  'guardrails.unreadable_body.deny': 'live',
  'guardrails.unreadable_body.risk': 'live',
  'guardrails.unreadable_body.mode': 'live',
  'guardrails.missing_body.require': 'live',
  'guardrails.missing_body.max_age': 'live',
  'guardrails.missing_body.deny': 'live',
  'guardrails.missing_body.risk': 'live',
  'guardrails.missing_body.mode': 'live',
  'guardrails.effects': 'live',
  'guardrails.allowed_registries': 'live',
  'guardrails.protected_namespaces': 'live',
  'guardrails.delete_protected_namespaces': 'live',
  'guardrails.system_namespaces': 'live',
  'guardrails.restricted_namespaces': 'live',
  'guardrails.dangerous_capabilities': 'live',
  'guardrails.dangerous_cluster_roles': 'live',
  'guardrails.impersonation_privileged_users': 'live',
  'guardrails.impersonation_privileged_groups': 'live',
  'guardrails.reserved_priority_classes': 'live',
  'guardrails.sandboxed_namespaces': 'live',
  'guardrails.chaos_protected_namespaces': 'live',
  'guardrails.shared_volume_namespaces': 'live',
  'guardrails.reserved_interfaces': 'live',
  'guardrails.max_lease_duration_seconds': 'live',
  'guardrails.api_server_addresses': 'live',
  'guardrails.host_owners[].hosts': 'live',
  'guardrails.host_owners[].namespaces': 'live',
  'guardrails.upload_hosts': 'live',
  'guardrails.model_sources': 'live',
  'guardrails.certificate_authorities': 'live',
  'guardrails.replica_floors[].namespaces': 'live',
  'guardrails.replica_floors[].names': 'live',
  'guardrails.replica_floors[].min_replicas': 'live',
  'guardrails.namespaces[].match': 'live',
  'guardrails.namespaces[].effects': 'live',
  'guardrails.cluster_policies[].path': 'live',
  'guardrails.cluster_policies[].effect.require': 'live',
  'guardrails.cluster_policies[].effect.max_age': 'live',
  'guardrails.cluster_policies[].effect.deny': 'live',
  'guardrails.cluster_policies[].effect.risk': 'live',
  'guardrails.cluster_policies[].effect.mode': 'live',
  'guardrails.cluster_policy_limits.max_cost': 'live',
  'guardrails.cluster_policy_limits.max_millis': 'live',
} as const satisfies ApplyTable;
