import { type GuardrailEffectConfig, type GuardrailsConfig } from '../config/schema.js';
import type { AssuranceModel } from '../core/assurance.js';
import { compileGlobList, type StringMatcher } from '../core/glob.js';
import { loadClusterPolicies } from './cel/load.js';
import type { ClusterRule } from './cel/policy.js';
import { addressMatcher } from './addresses.js';
import { compileGatedHosts, type GatedHost } from './gated-hosts.js';
import { compileHostOwners, type HostClaimed } from './host-owners.js';
import { UNKNOWN_VALUE } from './parse.js';
import { DEFAULT_ENVIRONMENTS } from '../config/schema/risk.js';
import { compileTiers, type Tiers } from '../risk/namespace-family.js';
import { GUARDRAIL_CODES, GUARDRAIL_TIERS, MISSING_KEY, UNREADABLE_KEY, type GuardrailCode, type GuardrailTier } from '../config/guardrail-codes.js';

export type { CompiledEffect } from './types.js';
import type { CompiledEffect } from './types.js';

export type EffectKey = GuardrailCode | typeof UNREADABLE_KEY | typeof MISSING_KEY;

/**
 * The guardrails section compiled once per configuration (like the policy), so inspecting a
 * request does no config interpretation.
 */
export interface GuardrailSettings {
  readonly enabled: boolean;
  /** Undefined when no allowlist is configured (the registry guardrail is then inactive). */
  readonly registryAllowed: ((registry: string, repository: string) => boolean) | undefined;
  readonly protectedNamespace: StringMatcher;
  readonly deleteProtectedNamespace: StringMatcher;
  /** kube-system and the like: workloads, Secrets and tokens written there are `system_namespace_*`. */
  readonly systemNamespace: StringMatcher;
  /** Namespaces held to the Pod Security Standards' restricted profile (not only baseline). */
  readonly restrictedNamespace: StringMatcher;
  /** Upper-case, without a CAP_ prefix. */
  readonly dangerousCapabilities: ReadonlySet<string>;
  /** cluster-admin and the configured names. */
  readonly dangerousClusterRoles: ReadonlySet<string>;
  /** Users (service accounts by their full `system:serviceaccount:ns:name`) and groups whose impersonation is `impersonation_privileged`. */
  readonly privilegedUser: StringMatcher;
  readonly privilegedGroup: StringMatcher;
  /**
   * Whether a token for service account `name` of `namespace` is privileged: the user it
   * authenticates as (`system:serviceaccount:<namespace>:<name>`) or one of its groups
   * (`system:serviceaccounts`, `system:serviceaccounts:<namespace>`) is privileged above.
   */
  privilegedServiceAccount(namespace: string, name: string): boolean;
  /** Namespaces where some service account may be privileged (over-approximated from the globs). */
  readonly privilegedServiceAccountNamespace: StringMatcher;
  /**
   * The effect of `key` for an object in `namespace` ('' for cluster-scoped); undefined when off.
   * `own` replaces the configured effect when no namespace override names the key.
   */
  effectFor(key: EffectKey, namespace: string, own?: CompiledEffect): CompiledEffect | undefined;
  /** The cluster's own policies, compiled at load; undefined when none are configured. */
  readonly clusterPolicies: ClusterPolicies | undefined;
  /** Whether a route's host is one stepgate checks (gated_host_route); undefined when none is known. */
  readonly gatedHost: GatedHost | undefined;
  /** Whether a pod in `namespace` may name priority class `name` (priority_class_reserved). */
  priorityClassAllowed(name: string, namespace: string): boolean;
  /** The runtime classes a pod in `namespace` must name (runtime_class_removed); undefined where none are configured. */
  sandboxFor(namespace: string): readonly string[] | undefined;
  /** Namespaces a chaos experiment may not aim at without chaos_target_protected's effect. */
  readonly chaosProtectedNamespace: StringMatcher;
  /** Namespaces whose volumes any namespace may copy without volume_source_other_namespace's effect. */
  readonly sharedVolumeNamespace: StringMatcher;
  /** Node interfaces a network attachment may not use (network_attachment_reserved). */
  readonly reservedInterface: StringMatcher;
  /** Whether any interface is reserved: a macvlan without a master (the default-route interface) is then judged as on one. */
  readonly reservedInterfaceConfigured: boolean;
  /** The longest leaseDurationSeconds a Lease write may set without lease_held. */
  readonly maxLeaseDurationSeconds: number;
  /** Whether a route's host, named in a namespace, is owned by others (route_host_not_owned); undefined when no owners are configured. */
  readonly hostClaimed: HostClaimed | undefined;
  /**
   * The floor guardrails.replica_floors keeps for object `name` in `namespace`
   * (capacity_below_floor): the first entry matching both decides; undefined when none does.
   */
  replicaFloor(namespace: string, name: string): number | undefined;
  /** Whether any floor's entry names `namespace`: elsewhere no replica count is read for it. */
  readonly replicaFloorNamespace: StringMatcher;
  /**
   * Whether a destination (a lower-case host, or `s3://bucket`, `gs://bucket`, `rclone://remote`, `mc://alias`) is
   * in guardrails.upload_hosts (data_upload_outside); undefined when the list is empty (off).
   */
  readonly uploadAllowed: ((destination: string) => boolean) | undefined;
  /**
   * Whether a model source URI (`s3://bucket/path`, `hf://org/name`, `pvc://claim/path`) is in
   * guardrails.model_sources (model_source_not_allowed); undefined when the list is empty (off).
   */
  readonly modelAllowed: ((source: string) => boolean) | undefined;
  /**
   * Whether a certificate authority (a lower-case host, or `secret:NAME`) is in
   * guardrails.certificate_authorities (issuer_endpoint_not_allowed); undefined when the list is empty (off).
   */
  readonly authorityAllowed: ((authority: string) => boolean) | undefined;
  /** Whether an IP literal (a backend's, an endpoint's) is one of guardrails.api_server_addresses (gated_host_route). */
  apiServerAddress(ip: string): boolean;
  /**
   * The environment tiers of risk.signals.unfamiliar_namespace.environments (1 the highest), one
   * notion of environments for the risk engine and the guardrails (secret_store_production_path).
   */
  readonly environmentTiers: Tiers;
}

export interface ClusterPolicies {
  readonly rules: readonly ClusterRule[];
  /** Cost units per expression (guardrails.cluster_policy_limits.max_cost). */
  readonly maxCost: number;
  /** Milliseconds for all cluster policies of one request. */
  readonly maxMillis: number;
}

/** Five minutes: long enough to finish one change, short enough that a stolen session ages out. */
export const CONSERVATIVE_MAX_AGE = 300;
/** Fifteen minutes: the default window for an elevated guardrail, like a Secrets read in the example policy. */
export const ELEVATED_MAX_AGE = 900;
/** The default risk weight of an advisory guardrail. */
export const ADVISORY_RISK = 10;

const NEVER: StringMatcher = () => false;

function globsOrNever(patterns: readonly string[]): StringMatcher {
  return patterns.length === 0 ? NEVER : compileGlobList(patterns, null);
}

export function normaliseCapability(c: string): string {
  const u = c.toUpperCase();
  return u.startsWith('CAP_') ? u.slice(4) : u;
}

/**
 * `gatedHosts`: the hosts stepgate checks (kubernetes.hosts, proxies and web_apis, the step-up page's host),
 * which no route object may name (gated_host_route); `matchesGated` is how a request's host is
 * matched against them (the same globs); `environments` are risk.signals.unfamiliar_namespace's tiers.
 */
export function compileGuardrails(
  cfg: GuardrailsConfig | undefined,
  assurance: AssuranceModel,
  globalShadow = false,
  gatedHosts: readonly string[] = [],
  matchesGated: (host: string) => boolean = () => false,
  environments: readonly (readonly string[])[] = DEFAULT_ENVIRONMENTS,
): GuardrailSettings | undefined {
  if (cfg === undefined) return undefined;
  const allShadow = globalShadow || cfg.mode === 'shadow';
  const compile = (e: GuardrailEffectConfig): CompiledEffect =>
    Object.freeze({
      deny: e.deny === true,
      level: e.require !== undefined ? assurance.rank(e.require) : -1,
      maxAge: e.max_age,
      risk: e.risk ?? 0,
      shadow: allShadow || e.mode === 'shadow',
    });
  // A guardrail nobody tuned gets an effect in proportion to what it guards against (its tier in
  // codes.ts): taking over a node or the cluster needs the strongest level, recently; a narrower
  // escalation the level below it; hygiene (a `:latest` image) only adds risk, so an ordinary
  // `kubectl run --image=nginx` is not a hardware-key ceremony. `default_effect`, when set, is the
  // operator's choice for every critical and elevated guardrail that `effects` does not name.
  const strongest: CompiledEffect = Object.freeze({ deny: false, level: assurance.names.length - 1, maxAge: CONSERVATIVE_MAX_AGE, risk: 0, shadow: allShadow });
  const tierDefaults: Record<GuardrailTier, CompiledEffect> = {
    refused: Object.freeze({ deny: true, level: -1, maxAge: undefined, risk: 0, shadow: allShadow }),
    critical: strongest,
    elevated: Object.freeze({ deny: false, level: Math.max(0, assurance.names.length - 2), maxAge: ELEVATED_MAX_AGE, risk: 0, shadow: allShadow }),
    advisory: Object.freeze({ deny: false, level: -1, maxAge: undefined, risk: ADVISORY_RISK, shadow: allShadow }),
  };
  const configured = cfg.default_effect ? compile(cfg.default_effect) : undefined;
  const base = new Map<EffectKey, CompiledEffect | undefined>();
  for (const code of GUARDRAIL_CODES) {
    const e = cfg.effects[code];
    const tier = GUARDRAIL_TIERS[code];
    const fallback = configured !== undefined && (tier === 'critical' || tier === 'elevated') ? configured : tierDefaults[tier];
    base.set(code, e === 'off' ? undefined : e ? compile(e) : fallback);
  }
  const unreadable = cfg.effects[UNREADABLE_KEY];
  base.set(
    UNREADABLE_KEY,
    unreadable === 'off' ? undefined : unreadable ? compile(unreadable) : cfg.unreadable_body ? compile(cfg.unreadable_body) : strongest,
  );
  // A missing body is an unreadable one unless the operator says otherwise (anywhere: top level,
  // effects or a namespace), so a configuration written before the key existed decides as before,
  // namespace overrides of unreadable_body included.
  const missing = cfg.effects[MISSING_KEY] ?? cfg.missing_body;
  if (missing !== undefined) base.set(MISSING_KEY, missing === 'off' ? undefined : compile(missing));
  // A cluster policy that cannot be judged is as unknown as a body that cannot be read.
  if (cfg.effects.cluster_policy_unreadable === undefined) base.set('cluster_policy_unreadable', base.get(UNREADABLE_KEY));
  // Compiled once per configuration: a broken policy file is a ConfigError (file, line, field).
  const clusterPolicies: ClusterPolicies | undefined =
    cfg.cluster_policies.length === 0
      ? undefined
      : Object.freeze({
          rules: Object.freeze(loadClusterPolicies(cfg.cluster_policies.map((s) => ({ path: s.path, effect: s.effect ? compile(s.effect) : undefined })))),
          maxCost: cfg.cluster_policy_limits.max_cost,
          maxMillis: cfg.cluster_policy_limits.max_millis,
        });
  const overrides = cfg.namespaces.map((n) => ({
    matches: compileGlobList(n.match, null),
    effects: new Map(
      Object.entries(n.effects).map(([k, e]) => [k as EffectKey, e === 'off' || e === undefined ? undefined : compile(e)] as const),
    ),
  }));

  function effectFor(key: EffectKey, namespace: string, own?: CompiledEffect): CompiledEffect | undefined {
    // The first override whose namespaces match and that names this guardrail decides.
    for (const o of overrides) {
      if (o.effects.has(key) && o.matches(namespace)) return o.effects.get(key);
    }
    if (key === MISSING_KEY && !base.has(MISSING_KEY)) return effectFor(UNREADABLE_KEY, namespace);
    return own ?? base.get(key);
  }

  const registryAllowed = compileRegistries(cfg.allowed_registries);
  const privilegedUser = globsOrNever(cfg.impersonation_privileged_users);
  const privilegedGroup = globsOrNever(cfg.impersonation_privileged_groups);
  return Object.freeze({
    enabled: cfg.enabled,
    registryAllowed,
    protectedNamespace: globsOrNever(cfg.protected_namespaces),
    deleteProtectedNamespace: globsOrNever(cfg.delete_protected_namespaces),
    systemNamespace: globsOrNever(cfg.system_namespaces),
    restrictedNamespace: globsOrNever(cfg.restricted_namespaces),
    dangerousCapabilities: new Set(cfg.dangerous_capabilities.map(normaliseCapability)),
    dangerousClusterRoles: new Set(['cluster-admin', ...cfg.dangerous_cluster_roles]),
    privilegedUser,
    privilegedGroup,
    privilegedServiceAccount: (namespace: string, name: string) =>
      privilegedUser(`${SA_USER}${namespace}:${name}`) || privilegedGroup(SA_GROUP_ALL) || privilegedGroup(`${SA_GROUP}${namespace}`),
    privilegedServiceAccountNamespace: globsOrNever(serviceAccountNamespaceGlobs(cfg.impersonation_privileged_users, cfg.impersonation_privileged_groups)),
    effectFor,
    clusterPolicies,
    gatedHost: compileGatedHosts(gatedHosts, matchesGated),
    priorityClassAllowed: compilePriorityClasses(cfg.reserved_priority_classes, cfg.system_namespaces),
    sandboxFor: compileSandboxes(cfg.sandboxed_namespaces),
    chaosProtectedNamespace: globsOrNever(cfg.chaos_protected_namespaces),
    sharedVolumeNamespace: globsOrNever(cfg.shared_volume_namespaces),
    reservedInterface: globsOrNever(cfg.reserved_interfaces),
    reservedInterfaceConfigured: cfg.reserved_interfaces.length > 0,
    maxLeaseDurationSeconds: cfg.max_lease_duration_seconds,
    hostClaimed: compileHostOwners(cfg.host_owners),
    uploadAllowed: compileUploadHosts(cfg.upload_hosts),
    modelAllowed: compileModelSources(cfg.model_sources),
    authorityAllowed: compileAuthorities(cfg.certificate_authorities),
    replicaFloor: compileReplicaFloors(cfg.replica_floors),
    replicaFloorNamespace: floorNamespaces(cfg.replica_floors),
    apiServerAddress: addressMatcher(cfg.api_server_addresses),
    environmentTiers: compileTiers(environments),
  });
}

/**
 * The scheduler preempts lower-priority pods for a pending pod of a higher class, and kube admits
 * the two system classes in any namespace (since 1.17). They are reserved to the system namespaces
 * unless the operator names them; a class no entry names may be used anywhere.
 */
export const SYSTEM_PRIORITY_CLASSES = ['system-node-critical', 'system-cluster-critical'] as const;

function compilePriorityClasses(reserved: Readonly<Record<string, readonly string[]>>, systemNamespaces: readonly string[]): GuardrailSettings['priorityClassAllowed'] {
  const exact = new Map<string, StringMatcher>();
  const globbed: { cls: StringMatcher; namespaces: StringMatcher }[] = [];
  for (const [cls, namespaces] of Object.entries(reserved)) {
    if (/[*?]/.test(cls)) globbed.push({ cls: compileGlobList([cls], null), namespaces: globsOrNever(namespaces) });
    else exact.set(cls, globsOrNever(namespaces));
  }
  for (const cls of SYSTEM_PRIORITY_CLASSES) if (!exact.has(cls)) exact.set(cls, globsOrNever(systemNamespaces));
  // A class named exactly is decided by its own entry alone, so `"*-critical": [prod namespaces]`
  // does not open the system classes to production; the globs that match it otherwise add up.
  return (name, namespace) => {
    // A value a JSON patch copies in may name any class: allowed only where every reserved one is.
    if (name === UNKNOWN_VALUE) return [...exact.values()].every((allowed) => allowed(namespace)) && globbed.every((e) => e.namespaces(namespace));
    const own = exact.get(name);
    if (own !== undefined) return own(namespace);
    let named = false;
    for (const e of globbed) {
      if (!e.cls(name)) continue;
      if (e.namespaces(namespace)) return true;
      named = true;
    }
    return !named;
  };
}

/**
 * Host entries as host globs (case-insensitive, `.` the separator: `*.blob.core.windows.net` is one
 * label, `**.example.com` any depth), bucket entries by their scheme with the bucket a glob of its own.
 */
function compileUploadHosts(entries: readonly string[]): GuardrailSettings['uploadAllowed'] {
  if (entries.length === 0) return undefined;
  const norm = entries.map((e) => e.toLowerCase().replace(/\.$/, ''));
  const hosts = norm.filter((e) => !e.includes('://'));
  const host = hosts.length > 0 ? compileGlobList(hosts, '.') : () => false;
  const buckets = new Map<string, StringMatcher>();
  for (const scheme of ['s3://', 'gs://', 'rclone://', 'mc://']) {
    const names = norm.filter((e) => e.startsWith(scheme)).map((e) => e.slice(scheme.length));
    if (names.length > 0) buckets.set(scheme, compileGlobList(names, null));
  }
  return (destination) => {
    const at = destination.indexOf('://');
    if (at < 0) return host(destination);
    const bucket = buckets.get(destination.slice(0, at + 3));
    return bucket !== undefined && bucket(destination.slice(at + 3));
  };
}

/**
 * Model source entries: a scheme (case-insensitive) and `/`-separated globs, each matching one
 * segment of the source at the same place; the source may go on below the last (a prefix at a path
 * boundary: `s3://models` allows `s3://models/fraud/v3`, not `s3://models-backup/…`). An entry
 * with nothing after `://` allows every source of its scheme. A URL's host (its first segment) is
 * matched case-insensitively; buckets, repositories and paths exactly.
 */
function compileModelSources(entries: readonly string[]): GuardrailSettings['modelAllowed'] {
  if (entries.length === 0) return undefined;
  const compiled = entries.map((e) => {
    const at = e.indexOf('://');
    const scheme = e.slice(0, at).toLowerCase();
    const rest = e.slice(at + 3).replace(/\/+$/, '');
    const segments = rest === '' ? [] : rest.split('/').map((g, i) => compileGlobList([i === 0 && HOST_SCHEMES.has(scheme) ? g.toLowerCase() : g], null));
    return { scheme, segments };
  });
  return (source) => {
    const at = source.indexOf('://');
    if (at <= 0) return false;
    const scheme = source.slice(0, at).toLowerCase();
    const parts = source.slice(at + 3).split('/');
    // A dot segment (`/releases/../x`, encoded too) names another path than its segments show.
    if (parts.some((p) => p === '..' || p === '.' || /%2e/i.test(p))) return false;
    if (HOST_SCHEMES.has(scheme)) {
      // The host without its port; one with a user part (`listed@elsewhere`) is another host's.
      if (parts[0]!.includes('@')) return false;
      parts[0] = parts[0]!.toLowerCase().replace(/:\d+$/, '');
    }
    return compiled.some((e) => e.scheme === scheme && e.segments.length <= parts.length && e.segments.every((m, i) => parts[i] !== '' && m(parts[i]!)));
  };
}

/** Schemes whose first segment is a host name, compared without case. */
const HOST_SCHEMES = new Set(['http', 'https', 'webhdfs', 'hdfs', 'oci']);

/** A certificate's SHA-256 fingerprint (rules/issuers.ts caBundle), as openssl prints it or as bare hex. */
const FINGERPRINT = /^sha256:(?:[0-9A-Fa-f]{64}|[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){31})$/;

/** An authority named by its cloud (rules/issuers.ts): `arn:…`, `gcp-cas:…`. */
const CLOUD_AUTHORITY = /^(?:arn|gcp-cas):/;

/** Host globs (`.` the separator, as upload_hosts), `secret:NAME` globs and cloud CA name globs. */
function compileAuthorities(entries: readonly string[]): GuardrailSettings['authorityAllowed'] {
  if (entries.length === 0) return undefined;
  const secrets = entries.filter((e) => e.startsWith('secret:')).map((e) => e.slice('secret:'.length));
  // A trust anchor by its certificate's SHA-256 fingerprint (an issuer's caBundle), colons or not.
  const fingerprints = new Set(entries.filter((e) => FINGERPRINT.test(e)).map((e) => `sha256:${e.slice('sha256:'.length).replace(/:/g, '').toLowerCase()}`));
  // A cloud CA by its own name (an AWS Private CA's ARN, a Google CAS pool), compared exactly.
  const clouds = entries.filter((e) => CLOUD_AUTHORITY.test(e));
  const hosts = entries.filter((e) => !e.startsWith('secret:') && !CLOUD_AUTHORITY.test(e) && !FINGERPRINT.test(e)).map((e) => e.toLowerCase().replace(/\.$/, ''));
  const secret = secrets.length > 0 ? compileGlobList(secrets, null) : NEVER;
  const cloud = clouds.length > 0 ? compileGlobList(clouds, null) : NEVER;
  const host = hosts.length > 0 ? compileGlobList(hosts, '.') : NEVER;
  return (authority) => (authority.startsWith('sha256:') ? fingerprints.has(authority) : authority.startsWith('secret:') ? secret(authority.slice('secret:'.length)) : CLOUD_AUTHORITY.test(authority) ? cloud(authority) : authority !== '' && host(authority));
}

function compileReplicaFloors(floors: GuardrailsConfig['replica_floors']): GuardrailSettings['replicaFloor'] {
  const entries = floors.map((f) => ({ namespaces: compileGlobList(f.namespaces, null), names: compileGlobList(f.names, null), min: f.min_replicas }));
  if (entries.length === 0) return () => undefined;
  // The first entry naming both decides, as guardrails.namespaces does: a narrower entry listed
  // first (one workload's election-night floor) overrides the namespace's general one after it.
  // No name (a GitOps patch whose target selects by label or by a regular expression) may be any
  // object of the namespace, so the highest floor there holds.
  // No namespace (a GitOps object's patch that shows neither its target's namespace nor the
  // destination: an Argo CD application patch, review49) may be any namespace: every entry's
  // floor for the name (its first entry per namespace glob is not knowable), so the highest holds.
  return (namespace, name) => {
    if (name !== '' && namespace !== '') return entries.find((e) => e.namespaces(namespace) && e.names(name))?.min;
    let most: number | undefined;
    for (const e of entries) if ((namespace === '' || e.namespaces(namespace)) && (name === '' || e.names(name)) && (most === undefined || e.min > most)) most = e.min;
    return most;
  };
}

/** Whether a floor may hold in `namespace`: one a floor's entry names, or none known ('': any namespace). */
function floorNamespaces(floors: GuardrailsConfig['replica_floors']): StringMatcher {
  if (floors.length === 0) return NEVER;
  const named = compileGlobList(floors.flatMap((f) => f.namespaces), null);
  return (namespace) => namespace === '' || named(namespace);
}

function compileSandboxes(sandboxed: Readonly<Record<string, readonly string[]>>): GuardrailSettings['sandboxFor'] {
  const entries = Object.entries(sandboxed).map(([ns, classes]) => ({ ns: compileGlobList([ns], null), classes: Object.freeze([...classes]) }));
  if (entries.length === 0) return () => undefined;
  // The first entry whose namespace glob matches decides, as guardrails.namespaces does.
  return (namespace) => entries.find((e) => e.ns(namespace))?.classes;
}

const SA_USER = 'system:serviceaccount:';
const SA_GROUP_ALL = 'system:serviceaccounts';
const SA_GROUP = 'system:serviceaccounts:';

/**
 * Namespace globs covering every namespace in which a service account's user or groups can match
 * one of the privileged globs. A Secret body in such a namespace must be read (it may hand out a
 * privileged token), so the set may be larger than exact, never smaller: a `*` in a glob matches
 * `:` too, so whatever follows the first wildcard of a namespace part is widened to `*`, and a glob
 * whose wildcard comes before its `system:serviceaccount…:` prefix is complete (`system:*`, `*`)
 * covers every namespace.
 */
export function serviceAccountNamespaceGlobs(users: readonly string[], groups: readonly string[]): string[] {
  const out: string[] = [];
  const from = (glob: string, prefix: string, rest: (after: string) => string | undefined) => {
    const wild = glob.search(/[*?]/);
    const literal = wild < 0 ? glob : glob.slice(0, wild);
    if (literal.length < prefix.length) {
      if (wild >= 0 && prefix.startsWith(literal)) out.push('*');
      return;
    }
    if (!literal.startsWith(prefix)) return;
    const ns = rest(glob.slice(prefix.length));
    if (ns !== undefined && ns !== '') out.push(ns);
  };
  // The namespace is up to the ':' before the name; from a wildcard before that ':' on, anything.
  const userNamespace = (after: string): string | undefined => {
    const wild = after.search(/[*?]/);
    const colon = after.indexOf(':');
    if (colon >= 0 && (wild < 0 || colon < wild)) return after.slice(0, colon);
    return wild < 0 ? undefined : `${after.slice(0, wild)}*`;
  };
  for (const u of users) from(u, SA_USER, userNamespace);
  for (const g of groups) {
    if (g === SA_GROUP_ALL) out.push('*');
    else from(g, SA_GROUP, (after) => after);
  }
  return out;
}

/**
 * Entries without '/' are registry host globs (`registry.example.com`, `*.gcr.io`); entries with
 * '/' are repository prefixes at a path boundary (`ghcr.io/example` allows `ghcr.io/example/app`
 * but not `ghcr.io/example-evil/app`).
 */
/** Docker Hub's other names, as images are read (rules/images.ts): `index.docker.io/library` is docker.io's. */
function dockerHub(host: string): string {
  return host === 'index.docker.io' || host === 'registry-1.docker.io' ? 'docker.io' : host;
}

function compileRegistries(entries: readonly string[]): GuardrailSettings['registryAllowed'] {
  if (entries.length === 0) return undefined;
  const hosts = entries.filter((e) => !e.includes('/')).map((e) => dockerHub(e.toLowerCase()));
  // Registry hosts are case-insensitive, repository paths are not.
  const prefixes = entries
    .filter((e) => e.includes('/'))
    .map((e) => e.replace(/\/+$/, ''))
    .map((e) => `${dockerHub(e.slice(0, e.indexOf('/')).toLowerCase())}${e.slice(e.indexOf('/'))}`);
  const host = hosts.length ? compileGlobList(hosts, '.') : NEVER;
  return (registry, repository) => {
    if (host(registry)) return true;
    const full = `${registry}/${repository}`;
    return prefixes.some((p) => full === p || full.startsWith(`${p}/`));
  };
}
