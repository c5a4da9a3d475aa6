/**
 * Kubernetes' own API groups (kube-apiserver's, and metrics-server's read-only one): what is not
 * among them is served by a CustomResourceDefinition or an aggregated API, an add-on's kind
 * (`match.kubernetes.custom`). `gateway.networking.k8s.io` and `snapshot.storage.k8s.io` are
 * CustomResourceDefinitions although named under k8s.io, so they count as custom. Here, below
 * policy and request, because both read it (a custom resource's status write is status-only).
 */
const BUILTIN_GROUPS = new Set([
  '',
  'admissionregistration.k8s.io',
  'apiextensions.k8s.io',
  'apiregistration.k8s.io',
  'apps',
  'authentication.k8s.io',
  'authorization.k8s.io',
  'autoscaling',
  'batch',
  'certificates.k8s.io',
  'coordination.k8s.io',
  'discovery.k8s.io',
  'events.k8s.io',
  'extensions',
  'flowcontrol.apiserver.k8s.io',
  'internal.apiserver.k8s.io',
  'metrics.k8s.io',
  'networking.k8s.io',
  'node.k8s.io',
  'policy',
  'rbac.authorization.k8s.io',
  'resource.k8s.io',
  'scheduling.k8s.io',
  'storage.k8s.io',
  'storagemigration.k8s.io',
]);

/** Whether an API group is an add-on's (a CustomResourceDefinition's or an aggregated API's), not Kubernetes' own. */
export function isCustomGroup(apiGroup: string): boolean {
  return !BUILTIN_GROUPS.has(apiGroup);
}
