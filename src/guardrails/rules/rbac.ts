import { arrayOf, isObject, stringsOf, type Json } from '../types.js';
import type { RuleContext } from './context.js';

/**
 * RBAC guardrails: rbac_wildcard, rbac_escalation_verbs, rbac_secrets_cluster_wide on Roles and
 * ClusterRoles; rbac_cluster_admin_binding on RoleBindings and ClusterRoleBindings. A binding
 * shows only the role's name, so it is judged by name: cluster-admin, the configured dangerous
 * names, and any role with wildcard rules that the same body defines.
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

/** Names of roles in the body with wildcard rules, by kind: bindings to them are as bad as cluster-admin. */
export type WildcardRoles = Map<'Role' | 'ClusterRole', Set<string>>;

export function collectWildcardRoles(docs: readonly { doc: Json; kinds: readonly RbacKind[] }[]): WildcardRoles {
  const found: WildcardRoles = new Map([
    ['Role', new Set()],
    ['ClusterRole', new Set()],
  ]);
  for (const { doc, kinds } of docs) {
    const name = isObject(doc.metadata) && typeof doc.metadata.name === 'string' ? doc.metadata.name : undefined;
    if (name === undefined) continue;
    for (const kind of kinds) {
      if ((kind === 'Role' || kind === 'ClusterRole') && arrayOf(doc.rules).some((r) => isObject(r) && isWildcardRule(r))) {
        found.get(kind)!.add(name);
      }
    }
  }
  return found;
}

function isWildcardRule(r: Json): boolean {
  return stringsOf(r.verbs).includes('*') || stringsOf(r.resources).some((x) => x === '*' || x.startsWith('*/'));
}

export function checkRbac(doc: Json, kind: RbacKind, docPath: string, ctx: RuleContext, wildcardRoles: WildcardRoles): void {
  if (kind === 'Role' || kind === 'ClusterRole') checkRole(doc, kind, docPath, ctx);
  else checkBinding(doc, docPath, ctx, wildcardRoles);
}

function checkRole(doc: Json, kind: 'Role' | 'ClusterRole', docPath: string, ctx: RuleContext): void {
  const rules = arrayOf(doc.rules);
  for (let i = 0; i < rules.length; i++) {
    const r = rules[i];
    if (!isObject(r)) continue;
    const path = `${docPath}rules[${i}]`;
    const verbs = stringsOf(r.verbs);
    const resources = stringsOf(r.resources);
    if (isWildcardRule(r)) {
      out(ctx, 'rbac_wildcard', `${kind} rule ${i} grants ${verbs.includes('*') ? 'every verb' : 'every resource'} (*)`, path);
    }
    const escalation = verbs.filter((v) => ESCALATION_VERBS.has(v.toLowerCase()));
    if (escalation.length > 0) {
      out(ctx, 'rbac_escalation_verbs', `${kind} rule ${i} grants ${escalation.join(', ')}`, `${path}.verbs`);
    }
    if (kind === 'ClusterRole' && grantsSecretsRead(r, verbs, resources, ctx.partial)) {
      out(ctx, 'rbac_secrets_cluster_wide', `ClusterRole rule ${i} can read Secrets in every namespace`, path);
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

function checkBinding(doc: Json, docPath: string, ctx: RuleContext, wildcardRoles: WildcardRoles): void {
  const ref = doc.roleRef;
  if (!isObject(ref) || typeof ref.name !== 'string') return;
  const kind = ref.kind === 'Role' ? 'Role' : 'ClusterRole';
  const name = ref.name;
  const dangerous = kind === 'ClusterRole' && ctx.settings.dangerousClusterRoles.has(name);
  const wildcard = wildcardRoles.get(kind)!.has(name);
  if (dangerous || wildcard) {
    const why = dangerous ? 'a cluster-admin-equivalent role' : 'a role this request defines with * rules';
    out(ctx, 'rbac_cluster_admin_binding', `binds ${kind} ${name.slice(0, 100)}, ${why}`, `${docPath}roleRef.name`);
  }
}

function out(ctx: RuleContext, code: 'rbac_wildcard' | 'rbac_escalation_verbs' | 'rbac_secrets_cluster_wide' | 'rbac_cluster_admin_binding', detail: string, path: string): void {
  ctx.out.push({ code, detail, path });
}
