import type { KubeRequestInfo } from '../../request/kube.js';
import { drops, UNKNOWN_VALUE } from '../parse.js';
import type { GuardrailSettings } from '../settings.js';
import { isObject, type Json, type Violation } from '../types.js';
import type { RuleContext } from './context.js';
import { ADMIN_ACCESS_LABELS } from './device-claims.js';
import { SA_TOKEN_TYPE } from './tokens.js';

/**
 * Namespace restrictions. system_namespace_workload, _secret and _token: writing workloads,
 * Secrets or service account tokens in `guardrails.system_namespaces` (kube-system by default),
 * where they run with, or hand out, the control plane's own credentials. pod_security_weakened: a
 * Namespace whose `pod-security.kubernetes.io/enforce` label is privileged, removed or pinned to an
 * old version, which switches Pod Security admission off for everything in it.
 * namespace_tenant_changed: a Namespace's tenancy label (Capsule's `capsule.clastix.io/tenant`)
 * set or removed by a change, which moves the namespace to another tenant, whose owners are then
 * bound there. device_admin_access: the label with which kube admits DRA admin access in the
 * namespace's device claims (rules/device-claims.ts).
 */

/** The URL alone decides: a workload, Secret or token written into a system namespace. */
export function checkSystemNamespace(kube: KubeRequestInfo, settings: GuardrailSettings, namespace: string, isWorkload: boolean): Violation[] {
  if (namespace === '' || !settings.systemNamespace(namespace)) return [];
  const name = kube.name ? ` ${kube.name.slice(0, 100)}` : '';
  if (kube.apiGroup === '' && kube.resource === 'serviceaccounts' && kube.subresource === 'token') {
    return [{ code: 'system_namespace_token', detail: `a token for service account${name} in system namespace ${namespace}` }];
  }
  if (kube.apiGroup === '' && kube.resource === 'secrets' && kube.subresource === '') {
    return [{ code: 'system_namespace_secret', detail: `${kube.verb} Secret${name} in system namespace ${namespace}` }];
  }
  if (isWorkload) return [{ code: 'system_namespace_workload', detail: `${kube.verb} ${kube.resource}${name} in system namespace ${namespace}` }];
  return [];
}

/** A Secret body of type service-account-token in a system namespace is a long-lived token too. */
export function checkSecretType(doc: Json, namespace: string, settings: GuardrailSettings): Violation[] {
  if (doc.type !== SA_TOKEN_TYPE || !settings.systemNamespace(namespace)) return [];
  return [{ code: 'system_namespace_token', detail: `a ${SA_TOKEN_TYPE} Secret (a token that does not expire) in system namespace ${namespace}`, path: 'type' }];
}

const PSA = 'pod-security.kubernetes.io/';
const ENFORCING = new Set(['baseline', 'restricted']);
/** Pins to versions before Pod Security admission's GA (1.25) lose the controls added since. */
const MIN_VERSION_MINOR = 25;

/**
 * Capsule binds a tenant's owners in every namespace that carries its tenant label, so the label is
 * who administers the namespace: a RoleBinding by another name. The tenant operator sets it, inside
 * the cluster, when it creates the namespace; a change through the gateway moves a customer's
 * namespace under someone else (day 16).
 */
export const TENANT_LABELS: readonly string[] = ['capsule.clastix.io/tenant'];

/**
 * A patch that sets or removes a tenancy label of an existing Namespace. A create is the
 * namespace's first owner, not a move; an update (PUT) carries the labels it had, so whether it
 * changes one is not visible in the request and it is not flagged. Nor is a patch that replaces
 * the labels without naming the key (`$patch: replace`): whether the namespace had one is not in
 * the request, and dropping it gives the namespace to no one (Capsule's owners lose it), which
 * is not the move to another owner this is about.
 */
function checkTenantLabels(labels: Json | undefined, labelsPath: string, verb: string, ctx: RuleContext): void {
  if (verb !== 'patch') return;
  for (const key of TENANT_LABELS) {
    const v = labels?.[key];
    const at = `${labelsPath}[${JSON.stringify(key)}]`;
    if (v === null) ctx.out.push({ code: 'namespace_tenant_changed', detail: `the patch removes the ${key} label, which takes the namespace from its tenant`, path: at });
    else if (v !== undefined) {
      const shown = v === UNKNOWN_VALUE ? 'a value the patch copies from elsewhere' : typeof v === 'string' ? v.slice(0, 63) : String(v);
      ctx.out.push({ code: 'namespace_tenant_changed', detail: `the patch sets ${key} to ${shown}, which gives the namespace to that tenant's owners`, path: at });
    }
  }
}

/**
 * A Namespace labelled for DRA admin access, by any write (a create too): kube-apiserver then
 * admits `adminAccess: true` in every ResourceClaim of the namespace, which reaches devices other
 * namespaces' pods are using. kube compares the value case-sensitively with "true".
 */
function checkAdminAccessLabels(labels: Json | undefined, labelsPath: string, ctx: RuleContext): void {
  for (const key of ADMIN_ACCESS_LABELS) {
    const v = labels?.[key];
    if (v !== 'true' && v !== UNKNOWN_VALUE) continue;
    const shown = v === UNKNOWN_VALUE ? 'a value the patch copies from elsewhere' : '"true"';
    ctx.out.push({ code: 'device_admin_access', detail: `${key} is ${shown}: the namespace's device claims may take devices other pods are using (DRA admin access)`, path: `${labelsPath}[${JSON.stringify(key)}]` });
  }
}

export function checkNamespaceLabels(doc: Json, docPath: string, verb: string, ctx: RuleContext): void {
  const meta = doc.metadata;
  const labelsPath = `${docPath}metadata.labels`;
  if (meta === null || (isObject(meta) && meta.labels === null)) {
    ctx.out.push({ code: 'pod_security_weakened', detail: 'the request removes every label, Pod Security enforcement included', path: labelsPath });
    return;
  }
  if (isObject(meta) && meta.labels === UNKNOWN_VALUE) {
    // A JSON patch's copy or move over the whole labels (from the annotations, set the write
    // before): the enforce label goes, or becomes any value, and so may a tenancy label.
    ctx.out.push({ code: 'pod_security_weakened', detail: 'the patch sets the labels to a value copied from elsewhere, which may drop or change pod-security.kubernetes.io/enforce', path: labelsPath });
    checkTenantLabels(Object.fromEntries(TENANT_LABELS.map((k) => [k, UNKNOWN_VALUE])), labelsPath, verb, ctx);
    checkAdminAccessLabels(Object.fromEntries(ADMIN_ACCESS_LABELS.map((k) => [k, UNKNOWN_VALUE])), labelsPath, ctx);
    return;
  }
  const labels = isObject(meta) && isObject(meta.labels) ? meta.labels : undefined;
  checkTenantLabels(labels, labelsPath, verb, ctx);
  checkAdminAccessLabels(labels, labelsPath, ctx);
  const enforce = labels?.[`${PSA}enforce`];
  const at = `${labelsPath}[${JSON.stringify(`${PSA}enforce`)}]`;
  if (enforce === null) {
    ctx.out.push({ code: 'pod_security_weakened', detail: 'the request removes the pod-security.kubernetes.io/enforce label', path: at });
  } else if (enforce !== undefined && (typeof enforce !== 'string' || !ENFORCING.has(enforce))) {
    const shown = enforce === UNKNOWN_VALUE ? 'a value the patch copies from elsewhere' : typeof enforce === 'string' ? enforce.slice(0, 40) : String(enforce);
    ctx.out.push({ code: 'pod_security_weakened', detail: `pod-security.kubernetes.io/enforce is ${shown}, so Pod Security admission does not enforce baseline`, path: at });
  } else if (enforce === undefined && ctx.partial && (drops(doc, 'metadata') || drops(meta, 'labels') || drops(labels, `${PSA}enforce`))) {
    // The patch replaces the labels (or the metadata, or the whole object) without the label.
    ctx.out.push({ code: 'pod_security_weakened', detail: 'the patch replaces the labels without pod-security.kubernetes.io/enforce, which removes it', path: labelsPath });
  } else if (enforce === undefined && verb === 'update' && !ctx.partial) {
    // A whole Namespace without the label replaces the one kube has: if it had the label, it goes.
    ctx.out.push({ code: 'pod_security_weakened', detail: 'the updated Namespace has no pod-security.kubernetes.io/enforce label, so any it had is removed', path: labelsPath });
  }
  const version = labels?.[`${PSA}enforce-version`];
  if (version !== undefined && version !== null && version !== 'latest') {
    const m = typeof version === 'string' ? /^v1\.(\d+)$/.exec(version) : null;
    if (!m || Number(m[1]) < MIN_VERSION_MINOR) {
      const shown = version === UNKNOWN_VALUE ? 'a value the patch copies from elsewhere' : typeof version === 'string' ? version.slice(0, 40) : String(version);
      ctx.out.push({
        code: 'pod_security_weakened',
        detail: `pod-security.kubernetes.io/enforce-version ${shown} enforces an old or unknown version of the Pod Security Standards`,
        path: `${labelsPath}[${JSON.stringify(`${PSA}enforce-version`)}]`,
      });
    }
  }
}
