import type { GuardrailCode } from '../../config/guardrail-codes.js';
import { UNKNOWN_VALUE } from '../parse.js';
import { arrayOf, isObject, stringsOf, type Json } from '../types.js';
import { ADMISSION } from './admission.js';
import type { RuleContext } from './context.js';

/**
 * RBAC guardrails. On Roles and ClusterRoles: what a rule grants (wildcards, escalate/bind/
 * impersonate, exec/attach/port-forward, pods/proxy and services/proxy, nodes/proxy, token
 * creation, writes on workloads, on RBAC and on admission configuration, Secrets reads); a
 * ClusterRole grants it in every namespace, so one that grants any of these is also
 * `rbac_cluster_wide_grant`; aggregation is its own code. On
 * bindings: a binding shows only the role's name, so it is judged by name: cluster-admin, the
 * configured dangerous names, `admin` and `edit` bound cluster-wide, and roles the same body defines.
 */

const RBAC = 'rbac.authorization.k8s.io';
export const RBAC_KEYS: ReadonlyMap<string, RbacKind> = new Map([
  [`${RBAC}/roles`, 'Role'],
  [`${RBAC}/clusterroles`, 'ClusterRole'],
  [`${RBAC}/rolebindings`, 'RoleBinding'],
  [`${RBAC}/clusterrolebindings`, 'ClusterRoleBinding'],
]);

export type RbacKind = 'Role' | 'ClusterRole' | 'RoleBinding' | 'ClusterRoleBinding';

export function rbacKindOf(kind: unknown): RbacKind | undefined {
  return kind === 'Role' || kind === 'ClusterRole' || kind === 'RoleBinding' || kind === 'ClusterRoleBinding' ? kind : undefined;
}

const ESCALATION_VERBS = new Set(['escalate', 'bind', 'impersonate']);
const SECRET_READ_VERBS = new Set(['get', 'list', 'watch', '*']);
const WRITE_VERBS = new Set(['create', 'update', 'patch', 'delete', 'deletecollection', '*']);
const ANY_VERB = undefined;

/** Built-in ClusterRoles that, bound cluster-wide, let their subjects exec into and rewrite workloads everywhere. */
const BROAD_BUILTIN_ROLES = new Set(['admin', 'edit']);

interface Grant {
  code: GuardrailCode;
  what: string;
  groups: readonly string[];
  resources: readonly string[];
  /** Undefined: any verb. */
  verbs: ReadonlySet<string> | undefined;
  /**
   * Instead of groups × resources: the resources granted per group ('any': every resource of a
   * group the rule names itself; a rule reaching it only through `*` is rbac_wildcard already, and
   * a patch that does not show its groups is judged by the resources of the groups that list theirs).
   */
  byGroup?: ReadonlyMap<string, ReadonlySet<string> | 'any'>;
}

/**
 * What a rule must not grant lightly. exec and attach are reached with create (and, over the
 * WebSocket upgrade older clients use, with get); nodes/proxy reaches the kubelet API, where any
 * verb runs commands in every pod of the node (a GET of `/exec` over WebSocket is RBAC's get).
 */
const GRANTS: readonly Grant[] = [
  { code: 'rbac_pod_exec', what: 'exec, attach or port-forward into pods', groups: [''], resources: ['pods/exec', 'pods/attach', 'pods/portforward'], verbs: new Set(['create', 'get', '*']) },
  // The proxy subresources take every HTTP method (GET is get, POST create, and so on) to what the pod
  // or the service's pods serve, past their NetworkPolicies: a debug endpoint, an admin console.
  { code: 'rbac_pod_exec', what: 'proxying to pods or services (whatever they serve, past their network policies)', groups: [''], resources: ['pods/proxy', 'services/proxy'], verbs: new Set(['get', 'create', 'update', 'patch', 'delete', '*']) },
  { code: 'rbac_node_proxy', what: 'nodes/proxy (the kubelet API)', groups: [''], resources: ['nodes/proxy'], verbs: ANY_VERB },
  { code: 'rbac_token_create', what: 'creating service account tokens', groups: [''], resources: ['serviceaccounts/token'], verbs: new Set(['create', '*']) },
  {
    code: 'rbac_workload_write',
    what: 'writing workloads',
    groups: ['', 'apps', 'batch'],
    resources: ['pods', 'deployments', 'statefulsets', 'daemonsets', 'replicasets', 'jobs', 'cronjobs', 'replicationcontrollers', 'podtemplates', 'pods/ephemeralcontainers'],
    verbs: WRITE_VERBS,
  },
  { code: 'rbac_rbac_write', what: 'writing RBAC objects', groups: [RBAC], resources: ['roles', 'clusterroles', 'rolebindings', 'clusterrolebindings'], verbs: WRITE_VERBS },
  // Every kind admission_config_change guards (Kubernetes' own, Kyverno's, Gatekeeper's,
  // Kubewarden's): a Role that may delete a Kyverno ClusterPolicy or a Gatekeeper constraint
  // switches the guardrail off as a webhook configuration's would.
  { code: 'rbac_admission_write', what: 'writing admission webhooks or policies', groups: [], resources: [], verbs: WRITE_VERBS, byGroup: ADMISSION },
];

/** Names of roles in the body, by kind: with `*` rules (as bad as cluster-admin) and with any grant. */
export interface DefinedRoles {
  wildcard: Map<'Role' | 'ClusterRole', Set<string>>;
  granting: Map<'Role' | 'ClusterRole', Set<string>>;
}
/** Kept for callers that only need the wildcard roles. */
export type WildcardRoles = DefinedRoles;

export function collectWildcardRoles(docs: readonly { doc: Json; kinds: readonly RbacKind[] }[]): DefinedRoles {
  const found: DefinedRoles = {
    wildcard: new Map([
      ['Role', new Set()],
      ['ClusterRole', new Set()],
    ]),
    granting: new Map([
      ['Role', new Set()],
      ['ClusterRole', new Set()],
    ]),
  };
  for (const { doc, kinds } of docs) {
    const name = isObject(doc.metadata) && typeof doc.metadata.name === 'string' ? doc.metadata.name : undefined;
    if (name === undefined) continue;
    for (const kind of kinds) {
      if (kind !== 'Role' && kind !== 'ClusterRole') continue;
      const rules = arrayOf(doc.rules).filter(isObject);
      // Only `*` verbs or resources make a role as broad as cluster-admin; `*` API groups alone do not.
      if (rules.some(isAdminLikeRule)) found.wildcard.get(kind)!.add(name);
      if (rules.some((r) => isWildcardRule(r) || grantsOf(r, false).length > 0 || escalationVerbs(r).length > 0)) found.granting.get(kind)!.add(name);
    }
  }
  return found;
}

function isAdminLikeRule(r: Json): boolean {
  return stringsOf(r.verbs).includes('*') || stringsOf(r.resources).some((x) => x === '*' || x.startsWith('*/'));
}

function isWildcardRule(r: Json): boolean {
  return isAdminLikeRule(r) || stringsOf(r.apiGroups).includes('*');
}

/**
 * Constrained impersonation (KEP-5284, alpha in 1.34) splits `impersonate` into the identity half
 * (`impersonate:user-info`, `impersonate:serviceaccount`, `impersonate:associated-node`,
 * `impersonate:arbitrary-node`…) and the action half (`impersonate-on:<verb>`); a role holding
 * either is half of an impersonation grant, so both prefixes count, whatever the suffix.
 */
const ESCALATION_VERB_PREFIXES = ['impersonate:', 'impersonate-on:'];

function escalationVerbs(r: Json): string[] {
  return stringsOf(r.verbs).filter((v) => {
    const verb = v.toLowerCase();
    return ESCALATION_VERBS.has(verb) || ESCALATION_VERB_PREFIXES.some((p) => verb.startsWith(p));
  });
}

/**
 * The grants a rule makes. In a patch (`partial`), a field the rule does not show is assumed to
 * allow the grant, because the merged rule may well do so; a rule that shows none of apiGroups,
 * resources and verbs grants nothing new.
 */
function grantsOf(r: Json, partial: boolean): Grant[] {
  const touches = Object.hasOwn(r, 'resources') || Object.hasOwn(r, 'verbs') || Object.hasOwn(r, 'apiGroups');
  if (!touches) return [];
  const unseen = (field: string) => partial && !Object.hasOwn(r, field);
  const groups = stringsOf(r.apiGroups);
  const resources = stringsOf(r.resources);
  const verbs = stringsOf(r.verbs).map((v) => v.toLowerCase());
  return GRANTS.filter((g) => {
    const verb = unseen('verbs') || (g.verbs === undefined ? verbs.length > 0 : verbs.some((v) => g.verbs!.has(v)));
    if (g.byGroup) return verb && grantsInGroups(g.byGroup, groups, resources, unseen('apiGroups'), unseen('resources'));
    const group = unseen('apiGroups') || groups.includes('*') || g.groups.some((x) => groups.includes(x));
    const resource = unseen('resources') || g.resources.some((x) => resourceMatches(resources, x));
    return group && resource && verb;
  });
}

function grantsInGroups(byGroup: ReadonlyMap<string, ReadonlySet<string> | 'any'>, groups: readonly string[], resources: readonly string[], anyGroup: boolean, anyResource: boolean): boolean {
  for (const [group, kinds] of byGroup) {
    const named = anyGroup || groups.includes(group);
    if (!named && !groups.includes('*')) continue;
    if (anyResource) return true;
    if (kinds === 'any') {
      // Only a group the rule names: any resource of an unseen or `*` group would be every rule.
      if (groups.includes(group) && resources.length > 0) return true;
    } else {
      for (const kind of kinds) if (resourceMatches(resources, kind)) return true;
    }
  }
  return false;
}

// `*` is every resource and subresource, `*/exec` every resource's exec, `pods/*` every pods subresource.
function resourceMatches(listed: readonly string[], target: string): boolean {
  const slash = target.indexOf('/');
  const base = slash < 0 ? target : target.slice(0, slash);
  const sub = slash < 0 ? undefined : target.slice(slash + 1);
  return listed.some((x) => x === '*' || x === target || (sub !== undefined && (x === `*/${sub}` || x === `${base}/*`)));
}

export function checkRbac(doc: Json, kind: RbacKind, docPath: string, ctx: RuleContext, defined: DefinedRoles): void {
  if (kind === 'Role' || kind === 'ClusterRole') checkRole(doc, kind, docPath, ctx);
  else checkBinding(doc, kind, docPath, ctx, defined);
}

const AGGREGATE_LABEL = `${RBAC}/aggregate-to-`;

function checkRole(doc: Json, kind: 'Role' | 'ClusterRole', docPath: string, ctx: RuleContext): void {
  const rules = arrayOf(doc.rules);
  const wide: string[] = [];
  for (let i = 0; i < rules.length; i++) {
    const r = rules[i];
    if (!isObject(r)) continue;
    const path = `${docPath}rules[${i}]`;
    const verbs = stringsOf(r.verbs);
    const resources = stringsOf(r.resources);
    if (isWildcardRule(r)) {
      const what = verbs.includes('*') ? 'every verb' : resources.some((x) => x === '*' || x.startsWith('*/')) ? 'every resource' : 'every API group';
      out(ctx, 'rbac_wildcard', `${kind} rule ${i} grants ${what} (*)`, path);
      wide.push(what);
    }
    const escalation = escalationVerbs(r);
    if (escalation.length > 0) {
      out(ctx, 'rbac_escalation_verbs', `${kind} rule ${i} grants ${escalation.join(', ')}`, `${path}.verbs`);
      wide.push(escalation.join(', '));
    }
    for (const g of grantsOf(r, ctx.partial)) {
      out(ctx, g.code, `${kind} rule ${i} grants ${g.what}`, path);
      wide.push(g.what);
    }
    const readsSecrets = grantsSecretsRead(r, verbs, resources, ctx.partial);
    if (kind === 'ClusterRole' && readsSecrets) {
      out(ctx, 'rbac_secrets_cluster_wide', `ClusterRole rule ${i} can read Secrets in every namespace`, path);
    } else if (kind === 'Role' && readsSecrets) {
      out(ctx, 'rbac_secrets_read', `Role rule ${i} can read every Secret in namespace ${ctx.namespace || '(unknown)'}`, path);
    }
  }
  if (kind !== 'ClusterRole') return;
  if (wide.length > 0) {
    const shown = [...new Set(wide)];
    out(ctx, 'rbac_cluster_wide_grant', `ClusterRole grants ${shown.slice(0, 4).join('; ')}${shown.length > 4 ? '; …' : ''} in every namespace`, `${docPath}rules`);
  }
  if (isObject(doc.aggregationRule)) {
    out(ctx, 'rbac_aggregation', 'ClusterRole aggregates the rules of every ClusterRole its selectors match, now and later', `${docPath}aggregationRule`);
  }
  const meta = isObject(doc.metadata) ? doc.metadata : undefined;
  if (meta?.labels === UNKNOWN_VALUE) {
    // A JSON patch's copy or move over the whole labels: any aggregation label, set to "true".
    out(ctx, 'rbac_aggregation', "the patch sets the labels to a value copied from elsewhere, which may add this role's rules to any aggregated ClusterRole (admin, edit)", `${docPath}metadata.labels`);
    return;
  }
  const labels = isObject(meta?.labels) ? meta.labels : undefined;
  for (const [k, v] of Object.entries(labels ?? {})) {
    // A value copied or moved in is whatever its source held, "true" among them.
    if (k.startsWith(AGGREGATE_LABEL) && (v === 'true' || v === UNKNOWN_VALUE)) {
      out(ctx, 'rbac_aggregation', `label ${k.slice(0, 120)} adds this role's rules to ClusterRole ${k.slice(AGGREGATE_LABEL.length, AGGREGATE_LABEL.length + 60)} and everyone bound to it`, `${docPath}metadata.labels`);
    }
  }
}

/**
 * A patch may add `secrets` to a rule without repeating its groups or verbs; the unseen fields
 * are then assumed to allow it, because the merged rule may well do so.
 */
function grantsSecretsRead(r: Json, verbs: string[], resources: string[], partial: boolean): boolean {
  const unseen = (field: string) => partial && !Object.hasOwn(r, field);
  const groups = stringsOf(r.apiGroups);
  const coreGroup = unseen('apiGroups') || groups.includes('') || groups.includes('*');
  const secrets = unseen('resources') || resources.includes('secrets') || resources.includes('*');
  const reads = unseen('verbs') || verbs.some((v) => SECRET_READ_VERBS.has(v));
  const names = stringsOf(r.resourceNames);
  // Only when the rule touches secrets at all: a patch that sets nothing secret-related is not flagged.
  const touches = Object.hasOwn(r, 'resources') || Object.hasOwn(r, 'verbs') || Object.hasOwn(r, 'apiGroups');
  return touches && coreGroup && secrets && reads && names.length === 0;
}

function checkBinding(doc: Json, bindingKind: 'RoleBinding' | 'ClusterRoleBinding', docPath: string, ctx: RuleContext, defined: DefinedRoles): void {
  const ref = doc.roleRef;
  if (!isObject(ref) || typeof ref.name !== 'string') {
    // roleRef is immutable, so a patch that adds subjects does not show it: the role may be
    // cluster-admin, and the unseen field is assumed to be the worst case.
    if (ctx.partial && arrayOf(doc.subjects).length > 0) {
      out(ctx, 'rbac_cluster_admin_binding', `adds subjects to ${bindingKind} whose role the patch does not show (it may be cluster-admin)`, `${docPath}subjects`);
    }
    return;
  }
  const kind = ref.kind === 'Role' ? 'Role' : 'ClusterRole';
  const name = ref.name;
  const dangerous = kind === 'ClusterRole' && ctx.settings.dangerousClusterRoles.has(name);
  const wildcard = defined.wildcard.get(kind)!.has(name);
  if (dangerous || wildcard) {
    const why = dangerous ? 'a cluster-admin-equivalent role' : 'a role this request defines with * rules';
    out(ctx, 'rbac_cluster_admin_binding', `binds ${kind} ${name.slice(0, 100)}, ${why}`, `${docPath}roleRef.name`);
  }
  if (bindingKind === 'ClusterRoleBinding' && kind === 'ClusterRole' && !dangerous && !wildcard) {
    if (BROAD_BUILTIN_ROLES.has(name)) {
      out(ctx, 'rbac_cluster_wide_grant', `ClusterRoleBinding gives ClusterRole ${name} (exec into and write workloads) in every namespace`, `${docPath}roleRef.name`);
    } else if (defined.granting.get('ClusterRole')!.has(name)) {
      out(ctx, 'rbac_cluster_wide_grant', `ClusterRoleBinding gives ClusterRole ${name.slice(0, 100)}, which this request defines with privileged grants, in every namespace`, `${docPath}roleRef.name`);
    }
  }
}

function out(ctx: RuleContext, code: GuardrailCode, detail: string, path: string): void {
  ctx.out.push({ code, detail, path });
}
