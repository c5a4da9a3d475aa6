/**
 * Kinds of the resources kube serves built in, by `<group>/<resource>`: Kyverno rules match by
 * kind, and a patch body rarely says its kind. Custom resources are known by their body's kind.
 */
const KINDS: ReadonlyMap<string, string> = new Map([
  ['/pods', 'Pod'],
  ['/podtemplates', 'PodTemplate'],
  ['/replicationcontrollers', 'ReplicationController'],
  ['/services', 'Service'],
  ['/configmaps', 'ConfigMap'],
  ['/secrets', 'Secret'],
  ['/serviceaccounts', 'ServiceAccount'],
  ['/namespaces', 'Namespace'],
  ['/nodes', 'Node'],
  ['/persistentvolumes', 'PersistentVolume'],
  ['/persistentvolumeclaims', 'PersistentVolumeClaim'],
  ['/endpoints', 'Endpoints'],
  ['/limitranges', 'LimitRange'],
  ['/resourcequotas', 'ResourceQuota'],
  ['/events', 'Event'],
  ['apps/deployments', 'Deployment'],
  ['apps/statefulsets', 'StatefulSet'],
  ['apps/daemonsets', 'DaemonSet'],
  ['apps/replicasets', 'ReplicaSet'],
  ['apps/controllerrevisions', 'ControllerRevision'],
  ['batch/jobs', 'Job'],
  ['batch/cronjobs', 'CronJob'],
  ['networking.k8s.io/networkpolicies', 'NetworkPolicy'],
  ['networking.k8s.io/ingresses', 'Ingress'],
  ['networking.k8s.io/ingressclasses', 'IngressClass'],
  ['policy/poddisruptionbudgets', 'PodDisruptionBudget'],
  ['rbac.authorization.k8s.io/roles', 'Role'],
  ['rbac.authorization.k8s.io/rolebindings', 'RoleBinding'],
  ['rbac.authorization.k8s.io/clusterroles', 'ClusterRole'],
  ['rbac.authorization.k8s.io/clusterrolebindings', 'ClusterRoleBinding'],
  ['admissionregistration.k8s.io/validatingwebhookconfigurations', 'ValidatingWebhookConfiguration'],
  ['admissionregistration.k8s.io/mutatingwebhookconfigurations', 'MutatingWebhookConfiguration'],
  ['admissionregistration.k8s.io/validatingadmissionpolicies', 'ValidatingAdmissionPolicy'],
  ['admissionregistration.k8s.io/validatingadmissionpolicybindings', 'ValidatingAdmissionPolicyBinding'],
  ['apiextensions.k8s.io/customresourcedefinitions', 'CustomResourceDefinition'],
  ['storage.k8s.io/storageclasses', 'StorageClass'],
  ['autoscaling/horizontalpodautoscalers', 'HorizontalPodAutoscaler'],
]);

export const BUILT_IN_KINDS: ReadonlySet<string> = new Set(KINDS.values());

export function kindOfResource(apiGroup: string, resource: string): string | undefined {
  return KINDS.get(`${apiGroup}/${resource}`);
}
