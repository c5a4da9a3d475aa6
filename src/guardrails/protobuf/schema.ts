/**
 * Field numbers of the Kubernetes objects the guardrails read, from the published k8s.io/api and
 * k8s.io/apimachinery `generated.proto` files (the numbers are part of the wire contract and do
 * not change between releases). Only the fields the guardrails (and the next ones planned) look
 * at are listed; every other field is skipped. Names are the JSON names, so a decoded object has
 * the same shape as the JSON body and the rules read both alike. Where Go embeds a struct that
 * JSON inlines (an ephemeral container's common part, a volume's source, a webhook rule), the
 * field is `inline` and its fields land in the parent object.
 */

/** `bytes` reads as base64, as in JSON; `raw` (the envelope's object bytes only) stays bytes. */
export type Scalar = 'string' | 'bool' | 'int32' | 'int64' | 'bytes' | 'raw';

export type Field =
  | { readonly name: string; readonly kind: Scalar; readonly repeated: boolean }
  | { readonly name: string; readonly kind: 'message'; readonly message: Message; readonly repeated: boolean; readonly inline?: true }
  /**
   * map<string, string>: entries {1: key, 2: value}, decoded to an object; with `quantity`,
   * map<string, Quantity> (a container's resources), whose values are resource.Quantity {1: string}
   * messages and read as the string JSON shows; with `bytes`, map<string, bytes> (a ConfigMap's
   * binaryData), whose values read as base64, as in JSON.
   */
  | { readonly name: string; readonly kind: 'map'; readonly repeated: true; readonly quantity?: true; readonly bytes?: true }
  /** k8s.io/apimachinery IntOrString {1: type, 2: intVal, 3: strVal}: JSON is a number or a string. */
  | { readonly name: string; readonly kind: 'intOrString'; readonly repeated: false };

export interface Message {
  readonly name: string;
  readonly fields: ReadonlyMap<number, Field>;
}

function message(name: string, fields: Record<number, Field>): Message {
  return Object.freeze({ name, fields: new Map(Object.entries(fields).map(([n, f]) => [Number(n), Object.freeze(f)])) });
}

const scalar = (kind: Scalar, repeated: boolean) => (name: string): Field => ({ name, kind, repeated });
const str = scalar('string', false);
const strs = scalar('string', true);
const bool = scalar('bool', false);
const int32 = scalar('int32', false);
const int64 = scalar('int64', false);
const bytes = scalar('bytes', false);
const one = (name: string, m: Message): Field => ({ name, kind: 'message', message: m, repeated: false });
const many = (name: string, m: Message): Field => ({ name, kind: 'message', message: m, repeated: true });
const inline = (m: Message): Field => ({ name: m.name, kind: 'message', message: m, repeated: false, inline: true });
const map = (name: string): Field => ({ name, kind: 'map', repeated: true });
const quantities = (name: string): Field => ({ name, kind: 'map', repeated: true, quantity: true });
const byteMap = (name: string): Field => ({ name, kind: 'map', repeated: true, bytes: true });
const intOrString = (name: string): Field => ({ name, kind: 'intOrString', repeated: false });

/** A message whose presence is the fact (a volume's source type); its contents are skipped. */
const opaque = (name: string) => message(name, {});

// k8s.io/apimachinery/pkg/apis/meta/v1
/** Who owns the object: the garbage collector deletes it once none of its owners exists (rules/owners.ts). */
const OwnerReference = message('OwnerReference', { 1: str('kind'), 3: str('name'), 4: str('uid'), 5: str('apiVersion') });
const ObjectMeta = message('ObjectMeta', { 1: str('name'), 2: str('generateName'), 3: str('namespace'), 11: map('labels'), 12: map('annotations'), 13: many('ownerReferences', OwnerReference) });
const LabelSelectorRequirement = message('LabelSelectorRequirement', { 1: str('key'), 2: str('operator'), 3: strs('values') });
const LabelSelector = message('LabelSelector', { 1: map('matchLabels'), 2: many('matchExpressions', LabelSelectorRequirement) });

// k8s.io/api/core/v1: the pod spec and what the guardrails read in it
const Capabilities = message('Capabilities', { 1: strs('add'), 2: strs('drop') });
const SELinuxOptions = message('SELinuxOptions', { 1: str('user'), 2: str('role'), 3: str('type'), 4: str('level') });
const SeccompProfile = message('SeccompProfile', { 1: str('type'), 2: str('localhostProfile') });
const AppArmorProfile = message('AppArmorProfile', { 1: str('type'), 2: str('localhostProfile') });
const WindowsOptions = message('WindowsSecurityContextOptions', { 1: str('gmsaCredentialSpecName'), 2: str('gmsaCredentialSpec'), 3: str('runAsUserName'), 4: bool('hostProcess') });
const Sysctl = message('Sysctl', { 1: str('name'), 2: str('value') });

const SecurityContext = message('SecurityContext', {
  1: one('capabilities', Capabilities),
  2: bool('privileged'),
  3: one('seLinuxOptions', SELinuxOptions),
  4: int64('runAsUser'),
  5: bool('runAsNonRoot'),
  6: bool('readOnlyRootFilesystem'),
  7: bool('allowPrivilegeEscalation'),
  8: int64('runAsGroup'),
  9: str('procMount'),
  10: one('windowsOptions', WindowsOptions),
  11: one('seccompProfile', SeccompProfile),
  12: one('appArmorProfile', AppArmorProfile),
});

const PodSecurityContext = message('PodSecurityContext', {
  1: one('seLinuxOptions', SELinuxOptions),
  2: int64('runAsUser'),
  3: bool('runAsNonRoot'),
  6: int64('runAsGroup'),
  7: many('sysctls', Sysctl),
  8: one('windowsOptions', WindowsOptions),
  10: one('seccompProfile', SeccompProfile),
  11: one('appArmorProfile', AppArmorProfile),
});

const ContainerPort = message('ContainerPort', { 1: str('name'), 2: int32('hostPort'), 3: int32('containerPort'), 4: str('protocol'), 5: str('hostIP') });

// Probes and lifecycle hooks: only where they point (host), for the probe_host guardrail.
const HTTPGetAction = message('HTTPGetAction', { 1: str('path'), 2: intOrString('port'), 3: str('host'), 4: str('scheme') });
const TCPSocketAction = message('TCPSocketAction', { 1: intOrString('port'), 2: str('host') });
const ProbeHandler = message('ProbeHandler', { 2: one('httpGet', HTTPGetAction), 3: one('tcpSocket', TCPSocketAction) });
const Probe = message('Probe', { 1: inline(ProbeHandler) });
const LifecycleHandler = message('LifecycleHandler', { 2: one('httpGet', HTTPGetAction), 3: one('tcpSocket', TCPSocketAction) });
const Lifecycle = message('Lifecycle', { 1: one('postStart', LifecycleHandler), 2: one('preStop', LifecycleHandler) });

/**
 * Where a container's environment comes from: gpu_devices_unrequested reads the values, and the
 * Secrets it names make the write a Secret read (rules/secret-refs.ts). Go embeds the
 * LocalObjectReference that JSON inlines as `name`.
 */
const LocalObjectReference = message('LocalObjectReference', { 1: str('name') });
const SecretKeySelector = message('SecretKeySelector', { 1: inline(LocalObjectReference), 2: str('key') });
const EnvVarSource = message('EnvVarSource', { 4: one('secretKeyRef', SecretKeySelector) });
const EnvVar = message('EnvVar', { 1: str('name'), 2: str('value'), 3: one('valueFrom', EnvVarSource) });
const EnvFromSource = message('EnvFromSource', { 1: str('prefix'), 3: one('secretRef', message('SecretEnvSource', { 1: inline(LocalObjectReference) })) });
/** What the container asks the scheduler for: an NVIDIA device request (gpu_devices_unrequested). */
const ResourceRequirements = message('ResourceRequirements', { 1: quantities('limits'), 2: quantities('requests') });

/** Where a volume is mounted: its subPath is written into a Windows kubelet's shell command (subpath_injection). */
const VolumeMount = message('VolumeMount', { 1: str('name'), 3: str('mountPath'), 4: str('subPath'), 6: str('subPathExpr') });

/** Container and EphemeralContainerCommon share these numbers. */
const CONTAINER_FIELDS: Record<number, Field> = {
  1: str('name'),
  2: str('image'),
  3: strs('command'),
  4: strs('args'),
  6: many('ports', ContainerPort),
  7: many('env', EnvVar),
  8: one('resources', ResourceRequirements),
  9: many('volumeMounts', VolumeMount),
  19: many('envFrom', EnvFromSource),
  10: one('livenessProbe', Probe),
  11: one('readinessProbe', Probe),
  12: one('lifecycle', Lifecycle),
  22: one('startupProbe', Probe),
  14: str('imagePullPolicy'),
  15: one('securityContext', SecurityContext),
};
const Container = message('Container', CONTAINER_FIELDS);
const EphemeralContainerCommon = message('EphemeralContainerCommon', CONTAINER_FIELDS);
const EphemeralContainer = message('EphemeralContainer', { 1: inline(EphemeralContainerCommon), 2: str('targetContainerName') });

const HostPathVolumeSource = message('HostPathVolumeSource', { 1: str('path'), 2: str('type') });
/** An image volume's reference is an image the kubelet pulls, judged as a container's (images.ts). */
const ImageVolumeSource = message('ImageVolumeSource', { 1: str('reference'), 2: str('pullPolicy') });
/** Every source type by name, so a rule can tell what a volume is; the ones a rule reads are overridden below. */
const VOLUME_SOURCES: Record<number, string> = {
  2: 'emptyDir', 3: 'gcePersistentDisk', 4: 'awsElasticBlockStore', 5: 'gitRepo', 6: 'secret', 7: 'nfs', 8: 'iscsi',
  9: 'glusterfs', 10: 'persistentVolumeClaim', 11: 'rbd', 12: 'flexVolume', 13: 'cinder', 14: 'cephfs', 15: 'flocker',
  16: 'downwardAPI', 17: 'fc', 18: 'azureFile', 19: 'configMap', 20: 'vsphereVolume', 21: 'quobyte', 22: 'azureDisk',
  23: 'photonPersistentDisk', 24: 'portworxVolume', 25: 'scaleIO', 26: 'projected', 27: 'storageos', 28: 'csi',
  29: 'ephemeral', 30: 'image',
};
/** A CSI inline volume's driver says whether the node mounts a share the pod names (network_volume). */
const CSIVolumeSource = message('CSIVolumeSource', { 1: str('driver'), 2: bool('readOnly'), 3: str('fsType'), 4: map('volumeAttributes') });
/** A projected volume's service-account tokens: their audience says whose token exchange takes them (cloud_workload_identity). */
const ServiceAccountTokenProjection = message('ServiceAccountTokenProjection', { 1: str('audience'), 2: int64('expirationSeconds'), 3: str('path') });
/** A Secret volume, whole or projected: the Secret it names makes the write a Secret read (rules/secret-refs.ts). */
const SecretVolumeSource = message('SecretVolumeSource', { 1: str('secretName') });
const VolumeProjection = message('VolumeProjection', {
  1: one('secret', message('SecretProjection', { 1: inline(LocalObjectReference) })),
  2: one('downwardAPI', opaque('downwardAPI')),
  3: one('configMap', opaque('configMap')),
  4: one('serviceAccountToken', ServiceAccountTokenProjection),
  5: one('clusterTrustBundle', opaque('clusterTrustBundle')),
});
const ProjectedVolumeSource = message('ProjectedVolumeSource', { 1: many('sources', VolumeProjection) });
const VolumeSource = message('VolumeSource', {
  1: one('hostPath', HostPathVolumeSource),
  ...Object.fromEntries(Object.entries(VOLUME_SOURCES).map(([n, name]) => [n, one(name, opaque(name))])),
  6: one('secret', SecretVolumeSource),
  26: one('projected', ProjectedVolumeSource),
  28: one('csi', CSIVolumeSource),
  30: one('image', ImageVolumeSource),
});
const Volume = message('Volume', { 1: str('name'), 2: inline(VolumeSource) });

/** Where the scheduler may place the pod (control_plane_placement): the node role label and taint. */
const NodeSelectorTerm = message('NodeSelectorTerm', { 1: many('matchExpressions', message('NodeSelectorRequirement', { 1: str('key'), 2: str('operator'), 3: strs('values') })) });
const NodeAffinity = message('NodeAffinity', {
  1: one('requiredDuringSchedulingIgnoredDuringExecution', message('NodeSelector', { 1: many('nodeSelectorTerms', NodeSelectorTerm) })),
  2: many('preferredDuringSchedulingIgnoredDuringExecution', message('PreferredSchedulingTerm', { 1: int32('weight'), 2: one('preference', NodeSelectorTerm) })),
});
const Toleration = message('Toleration', { 1: str('key'), 2: str('operator'), 3: str('value'), 4: str('effect'), 5: int64('tolerationSeconds') });

const PodSpec = message('PodSpec', {
  1: many('volumes', Volume),
  2: many('containers', Container),
  7: map('nodeSelector'),
  18: one('affinity', message('Affinity', { 1: one('nodeAffinity', NodeAffinity) })),
  22: many('tolerations', Toleration),
  8: str('serviceAccountName'),
  9: str('serviceAccount'),
  10: str('nodeName'),
  11: bool('hostNetwork'),
  12: bool('hostPID'),
  13: bool('hostIPC'),
  14: one('securityContext', PodSecurityContext),
  20: many('initContainers', Container),
  21: bool('automountServiceAccountToken'),
  24: str('priorityClassName'),
  27: bool('shareProcessNamespace'),
  29: str('runtimeClassName'),
  34: many('ephemeralContainers', EphemeralContainer),
  36: one('os', message('PodOS', { 1: str('name') })),
  37: bool('hostUsers'),
});

const PodTemplateSpec = message('PodTemplateSpec', { 1: one('metadata', ObjectMeta), 2: one('spec', PodSpec) });

const withMeta = (name: string, fields: Record<number, Field>) => message(name, { 1: one('metadata', ObjectMeta), ...fields });

const Pod = withMeta('Pod', { 2: one('spec', PodSpec) });
const PodTemplate = withMeta('PodTemplate', { 2: one('template', PodTemplateSpec) });
const ReplicationController = withMeta('ReplicationController', {
  2: one('spec', message('ReplicationControllerSpec', { 1: int32('replicas'), 2: map('selector'), 3: one('template', PodTemplateSpec) })),
});
const Namespace = withMeta('Namespace', {});
/** Only what routes traffic to the Service: its external IPs and its load balancer's addresses. */
const Service = withMeta('Service', {
  2: one('spec', message('ServiceSpec', { 4: str('type'), 5: strs('externalIPs'), 10: str('externalName') })),
  3: one(
    'status',
    message('ServiceStatus', {
      1: one('loadBalancer', message('LoadBalancerStatus', { 1: many('ingress', message('LoadBalancerIngress', { 1: str('ip'), 2: str('hostname') })) })),
    }),
  ),
});
/**
 * A PersistentVolume's source is inlined into its spec in JSON (as a volume's is into the volume);
 * only the node-directory sources are read.
 */
const PersistentVolumeSource = message('PersistentVolumeSource', {
  3: one('hostPath', HostPathVolumeSource),
  20: one('local', message('LocalVolumeSource', { 1: str('path'), 2: str('fsType') })),
});
const PersistentVolume = withMeta('PersistentVolume', { 2: one('spec', message('PersistentVolumeSpec', { 2: inline(PersistentVolumeSource), 6: str('storageClassName') })) });
/** Only its annotations matter (merged into the pod it schedules); the target is skipped. */
const Binding = withMeta('Binding', {});
/** Its annotations and type say whose token the token controller writes into it; its values may be a script a pod runs (rules/configmap-scripts.ts). */
const Secret = withMeta('Secret', { 2: byteMap('data'), 3: str('type'), 4: map('stringData') });
/** A ConfigMap's values: a script a workload runs from it (rules/configmap-scripts.ts), a manifest a ClusterResourceSet applies (rules/carried.ts). */
const ConfigMap = withMeta('ConfigMap', { 2: map('data'), 3: byteMap('binaryData') });
/** Its annotations name the cloud identity its pods get (cloud_workload_identity). */
const ServiceAccount = withMeta('ServiceAccount', {});

// k8s.io/api/coordination/v1 (v1beta1's Lease has the same numbers)
/** Its holder and duration say how long one write holds a leader election (lease_held); the times are skipped. */
const Lease = withMeta('Lease', { 2: one('spec', message('LeaseSpec', { 1: str('holderIdentity'), 2: int32('leaseDurationSeconds') })) });

// k8s.io/api/apps/v1
const Deployment = withMeta('Deployment', {
  2: one('spec', message('DeploymentSpec', { 1: int32('replicas'), 2: one('selector', LabelSelector), 3: one('template', PodTemplateSpec) })),
});
/** Whether the StatefulSet's controller deletes its claims when it is deleted or scaled down (rules/owners.ts). */
const RetentionPolicy = message('StatefulSetPersistentVolumeClaimRetentionPolicy', { 1: str('whenDeleted'), 2: str('whenScaled') });
const StatefulSet = withMeta('StatefulSet', {
  2: one('spec', message('StatefulSetSpec', { 1: int32('replicas'), 2: one('selector', LabelSelector), 3: one('template', PodTemplateSpec), 10: one('persistentVolumeClaimRetentionPolicy', RetentionPolicy) })),
});
const DaemonSet = withMeta('DaemonSet', {
  2: one('spec', message('DaemonSetSpec', { 1: one('selector', LabelSelector), 2: one('template', PodTemplateSpec) })),
});
const ReplicaSet = withMeta('ReplicaSet', {
  2: one('spec', message('ReplicaSetSpec', { 1: int32('replicas'), 2: one('selector', LabelSelector), 3: one('template', PodTemplateSpec) })),
});

// k8s.io/api/autoscaling/v1
/**
 * A workload's `scale` subresource: its replica count, a plain int32 that Go's encoder always
 * writes and whose absence is 0 (rules/owners.ts scaleSetsZero).
 */
const Scale = withMeta('Scale', { 2: one('spec', message('ScaleSpec', { 1: int32('replicas') })) });
/**
 * An autoscaler's target and ceiling (capacity_below_floor, rules/capacity.ts): fields 1–3 of
 * HorizontalPodAutoscalerSpec are the same in autoscaling/v1 and v2; the metrics are not read.
 */
const CrossVersionObjectReference = message('CrossVersionObjectReference', { 1: str('kind'), 2: str('name'), 3: str('apiVersion') });
const HorizontalPodAutoscaler = withMeta('HorizontalPodAutoscaler', {
  2: one('spec', message('HorizontalPodAutoscalerSpec', { 1: one('scaleTargetRef', CrossVersionObjectReference), 2: int32('minReplicas'), 3: int32('maxReplicas') })),
});

// k8s.io/api/batch/v1
const JobSpec = message('JobSpec', { 4: one('selector', LabelSelector), 6: one('template', PodTemplateSpec) });
const Job = withMeta('Job', { 2: one('spec', JobSpec) });
const JobTemplateSpec = message('JobTemplateSpec', { 1: one('metadata', ObjectMeta), 2: one('spec', JobSpec) });
const CronJob = withMeta('CronJob', { 2: one('spec', message('CronJobSpec', { 1: str('schedule'), 5: one('jobTemplate', JobTemplateSpec) })) });

// k8s.io/api/rbac/v1
const PolicyRule = message('PolicyRule', { 1: strs('verbs'), 2: strs('apiGroups'), 3: strs('resources'), 4: strs('resourceNames'), 5: strs('nonResourceURLs') });
const AggregationRule = message('AggregationRule', { 1: many('clusterRoleSelectors', LabelSelector) });
const RoleRef = message('RoleRef', { 1: str('apiGroup'), 2: str('kind'), 3: str('name') });
const Subject = message('Subject', { 1: str('kind'), 2: str('apiGroup'), 3: str('name'), 4: str('namespace') });
const Role = withMeta('Role', { 2: many('rules', PolicyRule) });
const ClusterRole = withMeta('ClusterRole', { 2: many('rules', PolicyRule), 3: one('aggregationRule', AggregationRule) });
const RoleBinding = withMeta('RoleBinding', { 2: many('subjects', Subject), 3: one('roleRef', RoleRef) });
const ClusterRoleBinding = withMeta('ClusterRoleBinding', { 2: many('subjects', Subject), 3: one('roleRef', RoleRef) });

// k8s.io/api/networking/v1
const IPBlock = message('IPBlock', { 1: str('cidr'), 2: strs('except') });
const NetworkPolicyPeer = message('NetworkPolicyPeer', { 1: one('podSelector', LabelSelector), 2: one('namespaceSelector', LabelSelector), 3: one('ipBlock', IPBlock) });
const NetworkPolicyPort = message('NetworkPolicyPort', { 1: str('protocol'), 2: intOrString('port'), 3: int32('endPort') });
const NetworkPolicy = withMeta('NetworkPolicy', {
  2: one(
    'spec',
    message('NetworkPolicySpec', {
      1: one('podSelector', LabelSelector),
      2: many('ingress', message('NetworkPolicyIngressRule', { 1: many('ports', NetworkPolicyPort), 2: many('from', NetworkPolicyPeer) })),
      3: many('egress', message('NetworkPolicyEgressRule', { 1: many('ports', NetworkPolicyPort), 2: many('to', NetworkPolicyPeer) })),
      4: strs('policyTypes'),
    }),
  ),
});

/** The annotations (on `metadata`), each rule's host and paths, and the TLS hosts: what ingress controllers copy into their configuration. */
/** A backend's Service (gated_host_route: the API server's own, in `default`). */
const IngressBackend = message('IngressBackend', { 1: one('service', message('IngressServiceBackend', { 1: str('name') })) });
const HTTPIngressPath = message('HTTPIngressPath', { 1: str('path'), 2: one('backend', IngressBackend), 3: str('pathType') });
const IngressRuleValue = message('IngressRuleValue', { 1: one('http', message('HTTPIngressRuleValue', { 1: many('paths', HTTPIngressPath) })) });
const Ingress = withMeta('Ingress', {
  // The TLS hosts pick which namespace's certificate the controller serves for a name (route_host_not_owned).
  2: one('spec', message('IngressSpec', { 1: one('defaultBackend', IngressBackend), 2: many('tls', message('IngressTLS', { 1: strs('hosts') })), 3: many('rules', message('IngressRule', { 1: str('host'), 2: inline(IngressRuleValue) })), 4: str('ingressClassName') })),
});

/**
 * OpenShift's Route (github.com/openshift/api route/v1, whose API server also takes protobuf, as
 * kube's built-in kinds): its host, the name it claims (gated_host_route, route_host_not_owned).
 * Route.spec is field 2, RouteSpec.host field 1.
 */
const Route = withMeta('Route', { 2: one('spec', message('RouteSpec', { 1: str('host') })) });

// k8s.io/api/admissionregistration/v1
const ServiceReference = message('ServiceReference', { 1: str('namespace'), 2: str('name'), 3: str('path'), 4: int32('port') });
const WebhookClientConfig = message('WebhookClientConfig', { 1: one('service', ServiceReference), 2: bytes('caBundle'), 3: str('url') });
const Rule = message('Rule', { 1: strs('apiGroups'), 2: strs('apiVersions'), 3: strs('resources'), 4: str('scope') });
const RuleWithOperations = message('RuleWithOperations', { 1: strs('operations'), 2: inline(Rule) });
const MatchCondition = message('MatchCondition', { 1: str('name'), 2: str('expression') });
const WEBHOOK_FIELDS: Record<number, Field> = {
  1: str('name'),
  2: one('clientConfig', WebhookClientConfig),
  3: many('rules', RuleWithOperations),
  4: str('failurePolicy'),
  5: one('namespaceSelector', LabelSelector),
  6: str('sideEffects'),
  7: int32('timeoutSeconds'),
  8: strs('admissionReviewVersions'),
  9: str('matchPolicy'),
};
const ValidatingWebhook = message('ValidatingWebhook', { ...WEBHOOK_FIELDS, 10: one('objectSelector', LabelSelector), 11: many('matchConditions', MatchCondition) });
const MutatingWebhook = message('MutatingWebhook', {
  ...WEBHOOK_FIELDS,
  10: str('reinvocationPolicy'),
  11: one('objectSelector', LabelSelector),
  12: many('matchConditions', MatchCondition),
});
const ValidatingWebhookConfiguration = withMeta('ValidatingWebhookConfiguration', { 2: many('webhooks', ValidatingWebhook) });
const MutatingWebhookConfiguration = withMeta('MutatingWebhookConfiguration', { 2: many('webhooks', MutatingWebhook) });

// k8s.io/apimachinery/pkg/runtime: the envelope after the `k8s\0` magic
export const TypeMeta = message('TypeMeta', { 1: str('apiVersion'), 2: str('kind') });
export const Unknown = message('Unknown', { 1: one('typeMeta', TypeMeta), 2: scalar('raw', false)('raw'), 3: str('contentEncoding'), 4: str('contentType') });

/** The decoded kinds, by `apiVersion` and `kind` as the envelope names them. */
export const KINDS: ReadonlyMap<string, Message> = new Map(
  (
    [
      ['v1', [Pod, PodTemplate, ReplicationController, Namespace, Binding, PersistentVolume, Service, Secret, ServiceAccount, ConfigMap]],
      ['apps/v1', [Deployment, StatefulSet, DaemonSet, ReplicaSet]],
      ['autoscaling/v1', [Scale, HorizontalPodAutoscaler]],
      ['autoscaling/v2', [HorizontalPodAutoscaler]],
      ['batch/v1', [Job, CronJob]],
      ['rbac.authorization.k8s.io/v1', [Role, ClusterRole, RoleBinding, ClusterRoleBinding]],
      ['networking.k8s.io/v1', [NetworkPolicy, Ingress]],
      ['admissionregistration.k8s.io/v1', [ValidatingWebhookConfiguration, MutatingWebhookConfiguration]],
      ['route.openshift.io/v1', [Route]],
      ['coordination.k8s.io/v1', [Lease]],
      ['coordination.k8s.io/v1beta1', [Lease]],
    ] as const
  ).flatMap(([apiVersion, ms]) => ms.map((m) => [kindKey(apiVersion, m.name), m] as const)),
);

/**
 * Any other kind, read for its metadata alone: every Kubernetes object's protobuf message has its
 * ObjectMeta at field 1 (k8s.io/api's generated.proto), so whether a write sets ownerReferences is
 * known for kinds whose spec no guardrail reads (a ConfigMap, a PersistentVolumeClaim, a Lease).
 */
export const ANY_OBJECT = withMeta('Object', {});

export function kindKey(apiVersion: string, kind: string): string {
  return `${apiVersion} ${kind}`;
}
