import type { KubeRequestInfo } from '../../request/kube.js';
import type { Violation } from '../types.js';

/**
 * Kubernetes' own admission configuration (admissionregistration.k8s.io): webhook configurations,
 * and admission policies with their bindings. Writing one is admission_config_change here; a Role
 * granting writes on them, or on any other kind of ADMISSION below, is rbac_admission_write
 * (rbac.ts), so a kind added here is added to both at once.
 */
const ADMISSION_REGISTRATION_RESOURCES: readonly string[] = Object.freeze([
  'validatingwebhookconfigurations',
  'mutatingwebhookconfigurations',
  'validatingadmissionpolicies',
  'validatingadmissionpolicybindings',
  'mutatingadmissionpolicies',
  'mutatingadmissionpolicybindings',
]);

/**
 * admission_config_change: creating, changing or deleting the objects that make admission
 * control (and so other guardrails) work: webhook configurations and admission policies, and the
 * policy objects of Kyverno and Gatekeeper. Judged from the request line: any change to them can
 * switch a guardrail off (a failurePolicy, a namespaceSelector, a deleted binding).
 *
 * Every kind of Kyverno's CEL policy group is one (its ValidatingPolicies, MutatingPolicies and
 * their namespaced forms, and its PolicyExceptions, which, written in any namespace Kyverno reads
 * exceptions from, exempt any other namespace's objects); so are Gatekeeper's mutators (an Assign
 * sets a field of every Pod it matches, `privileged: true` among them) and expansion templates, and
 * Kubewarden's policies. Namespaced as some are, none is a team's own: each switches admission off,
 * or rewrites what it admits, beyond the namespace it is written in.
 */
export const ADMISSION: ReadonlyMap<string, ReadonlySet<string> | 'any'> = new Map<string, ReadonlySet<string> | 'any'>([
  ['admissionregistration.k8s.io', new Set(ADMISSION_REGISTRATION_RESOURCES)],
  ['kyverno.io', new Set(['clusterpolicies', 'policies', 'policyexceptions'])],
  ['policies.kyverno.io', 'any'],
  ['templates.gatekeeper.sh', new Set(['constrainttemplates'])],
  ['constraints.gatekeeper.sh', 'any'],
  ['mutations.gatekeeper.sh', 'any'],
  ['expansion.gatekeeper.sh', 'any'],
  ['policies.kubewarden.io', 'any'],
]);

const VERBS = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);

export function isAdmissionResource(apiGroup: string, resource: string): boolean {
  const r = ADMISSION.get(apiGroup);
  return r === 'any' || (r !== undefined && r.has(resource));
}

export function checkAdmission(kube: KubeRequestInfo): Violation[] {
  if (!VERBS.has(kube.verb) || kube.subresource !== '' || !isAdmissionResource(kube.apiGroup, kube.resource)) return [];
  const what = `${kube.verb} ${kube.apiGroup}/${kube.resource}${kube.name ? `/${kube.name.slice(0, 100)}` : ''}`;
  return [{ code: 'admission_config_change', detail: `${what} changes admission control, which can switch guardrails off` }];
}
