/**
 * The resource each built-in kind is served as, by `<group>/<Kind>`: what a client that holds an
 * object but no request path (the Dashboard's deploy from file, which looks the kind up in the
 * API server's discovery) creates it as. Only kube's own kinds: a custom kind's plural is its
 * CRD's choice, which the body does not say, so it is not guessed.
 */
const KINDS: ReadonlyMap<string, readonly [resource: string, namespaced: boolean]> = new Map([
  ['/Pod', ['pods', true]],
  ['/PodTemplate', ['podtemplates', true]],
  ['/ReplicationController', ['replicationcontrollers', true]],
  ['/Service', ['services', true]],
  ['/ConfigMap', ['configmaps', true]],
  ['/Secret', ['secrets', true]],
  ['/ServiceAccount', ['serviceaccounts', true]],
  ['/Endpoints', ['endpoints', true]],
  ['/LimitRange', ['limitranges', true]],
  ['/ResourceQuota', ['resourcequotas', true]],
  ['/Event', ['events', true]],
  ['/PersistentVolumeClaim', ['persistentvolumeclaims', true]],
  ['/Namespace', ['namespaces', false]],
  ['/Node', ['nodes', false]],
  ['/PersistentVolume', ['persistentvolumes', false]],
  ['apps/Deployment', ['deployments', true]],
  ['apps/StatefulSet', ['statefulsets', true]],
  ['apps/DaemonSet', ['daemonsets', true]],
  ['apps/ReplicaSet', ['replicasets', true]],
  ['apps/ControllerRevision', ['controllerrevisions', true]],
  ['batch/Job', ['jobs', true]],
  ['batch/CronJob', ['cronjobs', true]],
  ['autoscaling/HorizontalPodAutoscaler', ['horizontalpodautoscalers', true]],
  ['policy/PodDisruptionBudget', ['poddisruptionbudgets', true]],
  ['networking.k8s.io/Ingress', ['ingresses', true]],
  ['networking.k8s.io/NetworkPolicy', ['networkpolicies', true]],
  ['networking.k8s.io/IngressClass', ['ingressclasses', false]],
  ['discovery.k8s.io/EndpointSlice', ['endpointslices', true]],
  ['coordination.k8s.io/Lease', ['leases', true]],
  ['rbac.authorization.k8s.io/Role', ['roles', true]],
  ['rbac.authorization.k8s.io/RoleBinding', ['rolebindings', true]],
  ['rbac.authorization.k8s.io/ClusterRole', ['clusterroles', false]],
  ['rbac.authorization.k8s.io/ClusterRoleBinding', ['clusterrolebindings', false]],
  ['storage.k8s.io/StorageClass', ['storageclasses', false]],
  ['storage.k8s.io/CSIDriver', ['csidrivers', false]],
  ['storage.k8s.io/VolumeAttachment', ['volumeattachments', false]],
  ['scheduling.k8s.io/PriorityClass', ['priorityclasses', false]],
  ['node.k8s.io/RuntimeClass', ['runtimeclasses', false]],
  ['certificates.k8s.io/CertificateSigningRequest', ['certificatesigningrequests', false]],
  ['admissionregistration.k8s.io/ValidatingWebhookConfiguration', ['validatingwebhookconfigurations', false]],
  ['admissionregistration.k8s.io/MutatingWebhookConfiguration', ['mutatingwebhookconfigurations', false]],
  ['admissionregistration.k8s.io/ValidatingAdmissionPolicy', ['validatingadmissionpolicies', false]],
  ['admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding', ['validatingadmissionpolicybindings', false]],
  ['apiextensions.k8s.io/CustomResourceDefinition', ['customresourcedefinitions', false]],
  ['apiregistration.k8s.io/APIService', ['apiservices', false]],
]);

export interface KindResource {
  /** The API server path of the collection the object is created in (`ns` for a namespaced one; '' leaves it out, as a cluster-wide list's path does). */
  readonly collection: (ns: string) => string;
  readonly namespaced: boolean;
}

/**
 * The collection an object of `apiVersion` and `kind` is created in, as discovery names it: the
 * kind compared exactly (Go's `apiResource.Kind == kind`), the version as written. undefined for a
 * kind this table does not name or an apiVersion that is not `group/version` or `version`.
 */
export function resourceOfKind(apiVersion: unknown, kind: unknown): KindResource | undefined {
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') return undefined;
  const parts = apiVersion.split('/');
  if (parts.length > 2 || parts.some((p) => !/^[a-z0-9][a-z0-9.-]*$/.test(p))) return undefined;
  const [group, version] = parts.length === 2 ? [parts[0]!, parts[1]!] : ['', parts[0]!];
  const known = KINDS.get(`${group}/${kind}`);
  if (known === undefined) return undefined;
  const [resource, namespaced] = known;
  const base = group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
  return { namespaced, collection: (ns) => `${base}${namespaced && ns !== '' ? `/namespaces/${ns}` : ''}/${resource}` };
}

/**
 * As resourceOfKind, and for any other kind the plural its CRD most likely chose (the lower-case
 * kind with an English plural, as kubebuilder and `kubectl` guess it): where no request path
 * exists (an object carried inside another, which a controller writes), the guardrails select
 * their rules by group and kind, and a wrong plural costs nothing they read. A kind outside the
 * table is taken as namespaced; `ns` '' then leaves the namespace out of the path.
 */
export function resourceOfAnyKind(apiVersion: unknown, kind: unknown): KindResource | undefined {
  const known = resourceOfKind(apiVersion, kind);
  if (known !== undefined || typeof apiVersion !== 'string' || typeof kind !== 'string' || !/^[A-Za-z][A-Za-z0-9]*$/.test(kind)) return known;
  const parts = apiVersion.split('/');
  if (parts.length !== 2 || parts.some((p) => !/^[a-z0-9][a-z0-9.-]*$/.test(p))) return undefined;
  const base = `/apis/${parts[0]}/${parts[1]}`;
  const resource = plural(kind.toLowerCase());
  return { namespaced: true, collection: (ns) => `${base}${ns === '' ? '' : `/namespaces/${ns}`}/${resource}` };
}

function plural(kind: string): string {
  if (/(s|x|z|ch|sh)$/.test(kind)) return `${kind}es`;
  if (/[^aeiou]y$/.test(kind)) return `${kind.slice(0, -1)}ies`;
  return `${kind}s`;
}
