/**
 * The closed set of guardrail violation codes. Like reason codes they are a stable vocabulary:
 * they name config keys (`guardrails.effects.<code>`), appear in decision details, `explain`,
 * logs and spans, so renaming one breaks policies and alerts. docs/guardrails.md documents each.
 * This module has no imports so that the config schema can name the codes.
 */
export const GUARDRAIL_CODES = [
  // Runtime controls (Pod Security Standards, baseline)
  'privileged_container',
  'privilege_escalation',
  'capability_added',
  'capability_beyond_baseline',
  'host_namespace',
  'host_path_volume',
  'git_repo_volume',
  'network_volume',
  'host_process',
  'subpath_injection',
  'host_port',
  'probe_host',
  'apparmor_unconfined',
  'selinux_custom',
  'proc_mount_unmasked',
  'seccomp_unconfined',
  'unsafe_sysctl',
  'run_as_root',
  // Runtime controls (Pod Security Standards, restricted; only in guardrails.restricted_namespaces)
  'volume_type_restricted',
  'privilege_escalation_not_disabled',
  'run_as_non_root_missing',
  'seccomp_profile_missing',
  'capabilities_not_restricted',
  // Images
  'image_registry_not_allowed',
  'image_not_pinned',
  'image_latest_tag',
  // RBAC
  'rbac_cluster_admin_binding',
  'rbac_wildcard',
  'rbac_escalation_verbs',
  'rbac_secrets_cluster_wide',
  'rbac_secrets_read',
  'rbac_pod_exec',
  'rbac_node_proxy',
  'rbac_token_create',
  'rbac_workload_write',
  'rbac_rbac_write',
  'rbac_admission_write',
  'rbac_aggregation',
  'rbac_cluster_wide_grant',
  // Network policies
  'network_policy_deleted',
  'network_policy_allow_all',
  'service_external_ip',
  'metadata_route',
  'loopback_route',
  'endpoint_foreign_target',
  // Ingress controllers
  'ingress_config_injection',
  'gated_host_route',
  'route_host_not_owned',
  'workload_identity_claim',
  'gitops_source_change',
  // Namespace restrictions
  'system_namespace_workload',
  'system_namespace_secret',
  'system_namespace_token',
  'pod_security_weakened',
  'namespace_tenant_changed',
  // Admission configuration
  'admission_config_change',
  // Deletes and identity
  'delete_protected',
  'impersonation',
  'impersonation_privileged',
  'service_account_token_privileged',
  'service_account_token_secret',
  // Scheduling and runtime: what the pod preempts, and which runtime isolates it
  'priority_class_reserved',
  'control_plane_placement',
  'runtime_class_removed',
  // A container a patch inserts into a workload's pods (a traffic agent beside the service)
  'container_added',
  'gpu_devices_unrequested',
  'device_admin_access',
  // Chaos experiments: the pods another namespace's experiment kills, cuts off or rewrites
  'chaos_target_protected',
  // KEDA scalers handed the platform's cluster-wide credential, sent where the trigger says
  'keda_cluster_trigger_auth',
  // Volumes copied from another namespace's disk (KubeVirt's CDI clones)
  'volume_source_other_namespace',
  // Secrets copied across namespaces by an in-cluster controller (Reflector, kubernetes-replicator, kubed)
  'secret_source_other_namespace',
  // A lower environment's pods handed a production path of a secret store (Vault's agent injector)
  'secret_store_production_path',
  // Network attachments on the node's interfaces the cluster keeps for itself (Multus)
  'network_attachment_reserved',
  // Traffic copied out: a port mirror, a tap, a route's shadow of every request sent elsewhere
  'traffic_mirrored',
  // Capacity cut: a workload, its autoscaler's ceiling or a node pool set below the site's replica floor
  'capacity_below_floor',
  // Helm's release records: what the next upgrade or rollback applies
  'helm_release_edited',
  // A CronJob's schedule or what its jobs run, changed by a patch
  'scheduled_job_changed',
  // A browser page of another site reaching the API through a hop that adds the credential
  'cross_site_request',
  // A workload handed a cloud identity (an IAM role) by a ServiceAccount annotation or a projected token
  'cloud_workload_identity',
  // A Lease (leader election) held by one write far longer than any election renews, or an election candidate written by hand
  'lease_held',
  // What a container's own command does with the network: runs what it downloads, or sends its credentials out
  'container_command_egress',
  // Data shipped out: a container's command uploads to a destination not in guardrails.upload_hosts
  'data_upload_outside',
  // Production's code from outside: a model server loading a model from a store not in guardrails.model_sources
  'model_source_not_allowed',
  // A backup of a production or protected namespace restored into a namespace outside that set
  'restore_namespace_moved',
  // A certificate issuer (cert-manager) pointed at a CA or ACME server not in guardrails.certificate_authorities
  'issuer_endpoint_not_allowed',
  // A cloud controller's object (ACK, Crossplane, Config Connector, Azure Service Operator) opened to anyone, made an administrator, or its deletion protection taken away
  'cloud_resource_exposed',
  // cel branch: the cluster's own policies (guardrails.cluster_policies).
  'cluster_policy',
  'cluster_policy_unreadable',
] as const;

export type GuardrailCode = (typeof GUARDRAIL_CODES)[number];

/**
 * How much a violation weighs when the operator has not set its effect (see settings.ts):
 * - `refused`: nobody the gateway serves sends it, so no sign-in may answer it: denied.
 * - `critical`: takes over a node, the cluster or the guardrails themselves: the strongest level, within 300 s.
 * - `elevated`: a real escalation with a narrower reach: the level below the strongest, within 900 s.
 * - `advisory`: hygiene, common in ordinary manifests (a `:latest` image): a risk weight of 10 and no level,
 *   so `kubectl run --image=nginx` in an unprotected namespace never asks for a hardware key.
 */
export type GuardrailTier = 'refused' | 'critical' | 'elevated' | 'advisory';

export const GUARDRAIL_TIERS: Readonly<Record<GuardrailCode, GuardrailTier>> = {
  privileged_container: 'critical',
  privilege_escalation: 'elevated',
  capability_added: 'critical',
  capability_beyond_baseline: 'elevated',
  host_namespace: 'critical',
  host_path_volume: 'critical',
  git_repo_volume: 'critical',
  network_volume: 'elevated',
  host_process: 'critical',
  subpath_injection: 'critical',
  host_port: 'elevated',
  probe_host: 'elevated',
  apparmor_unconfined: 'elevated',
  selinux_custom: 'elevated',
  proc_mount_unmasked: 'elevated',
  seccomp_unconfined: 'elevated',
  unsafe_sysctl: 'elevated',
  run_as_root: 'elevated',
  volume_type_restricted: 'elevated',
  privilege_escalation_not_disabled: 'elevated',
  run_as_non_root_missing: 'elevated',
  seccomp_profile_missing: 'elevated',
  capabilities_not_restricted: 'elevated',
  image_registry_not_allowed: 'elevated',
  image_not_pinned: 'elevated',
  image_latest_tag: 'advisory',
  rbac_cluster_admin_binding: 'critical',
  rbac_wildcard: 'elevated',
  rbac_escalation_verbs: 'critical',
  rbac_secrets_cluster_wide: 'critical',
  rbac_secrets_read: 'advisory',
  rbac_pod_exec: 'elevated',
  rbac_node_proxy: 'critical',
  rbac_token_create: 'elevated',
  rbac_workload_write: 'advisory',
  rbac_rbac_write: 'elevated',
  rbac_admission_write: 'elevated',
  rbac_aggregation: 'elevated',
  rbac_cluster_wide_grant: 'critical',
  network_policy_deleted: 'elevated',
  network_policy_allow_all: 'elevated',
  service_external_ip: 'elevated',
  metadata_route: 'elevated',
  loopback_route: 'elevated',
  endpoint_foreign_target: 'elevated',
  ingress_config_injection: 'critical',
  gated_host_route: 'critical',
  route_host_not_owned: 'elevated',
  workload_identity_claim: 'critical',
  gitops_source_change: 'elevated',
  system_namespace_workload: 'critical',
  system_namespace_secret: 'critical',
  system_namespace_token: 'critical',
  pod_security_weakened: 'critical',
  namespace_tenant_changed: 'critical',
  admission_config_change: 'critical',
  delete_protected: 'critical',
  impersonation: 'critical',
  impersonation_privileged: 'critical',
  service_account_token_privileged: 'critical',
  service_account_token_secret: 'elevated',
  priority_class_reserved: 'elevated',
  control_plane_placement: 'elevated',
  runtime_class_removed: 'elevated',
  container_added: 'elevated',
  gpu_devices_unrequested: 'elevated',
  device_admin_access: 'elevated',
  chaos_target_protected: 'elevated',
  keda_cluster_trigger_auth: 'elevated',
  volume_source_other_namespace: 'elevated',
  secret_source_other_namespace: 'elevated',
  secret_store_production_path: 'elevated',
  network_attachment_reserved: 'critical',
  traffic_mirrored: 'critical',
  capacity_below_floor: 'elevated',
  helm_release_edited: 'elevated',
  scheduled_job_changed: 'elevated',
  cross_site_request: 'refused',
  cloud_workload_identity: 'critical',
  lease_held: 'critical',
  container_command_egress: 'critical',
  data_upload_outside: 'critical',
  model_source_not_allowed: 'critical',
  restore_namespace_moved: 'critical',
  issuer_endpoint_not_allowed: 'critical',
  cloud_resource_exposed: 'critical',
  // Each source states its own effect; these tiers only apply when one is missing.
  cluster_policy: 'critical',
  cluster_policy_unreadable: 'critical',
};

/** Each guardrail in words, for the places people read: the kubectl message, the step-up page, explain. */
export const GUARDRAIL_TITLES: Readonly<Record<GuardrailCode, string>> = {
  privileged_container: 'privileged container',
  privilege_escalation: 'container allows privilege escalation',
  capability_added: 'dangerous Linux capability added',
  capability_beyond_baseline: 'Linux capability outside the baseline set added',
  host_namespace: "pod shares the node's network, PID or IPC namespace",
  host_path_volume: 'hostPath volume mounts a node directory',
  git_repo_volume: 'gitRepo volume runs git on the node',
  network_volume: 'volume the node mounts from storage the pod names',
  host_process: 'Windows HostProcess container',
  subpath_injection: "volume subPath that a Windows node's shell runs as a command",
  host_port: 'container binds a host port',
  probe_host: 'probe or lifecycle hook aimed at another host',
  apparmor_unconfined: 'AppArmor profile switched off or custom',
  selinux_custom: 'custom SELinux type, user or role',
  proc_mount_unmasked: 'unmasked /proc mount',
  seccomp_unconfined: 'seccomp switched off (Unconfined)',
  unsafe_sysctl: 'unsafe sysctl',
  run_as_root: 'container runs as root (runAsUser 0)',
  volume_type_restricted: 'volume type outside the restricted profile',
  privilege_escalation_not_disabled: 'allowPrivilegeEscalation not set to false',
  run_as_non_root_missing: 'runAsNonRoot not required',
  seccomp_profile_missing: 'no RuntimeDefault or Localhost seccomp profile',
  capabilities_not_restricted: 'capabilities not dropped to the restricted set',
  image_registry_not_allowed: 'image from a registry that is not allowed',
  image_not_pinned: 'image not pinned by digest in a protected namespace',
  image_latest_tag: 'image uses the latest tag',
  rbac_cluster_admin_binding: 'binding to a cluster-admin-equivalent role',
  rbac_wildcard: 'RBAC rule with * (every verb, resource or API group)',
  rbac_escalation_verbs: 'RBAC grant of escalate, bind or impersonate',
  rbac_secrets_cluster_wide: 'ClusterRole reads Secrets in every namespace',
  rbac_secrets_read: 'Role reads Secrets',
  rbac_pod_exec: 'RBAC grant of exec, attach or port-forward into pods',
  rbac_node_proxy: 'RBAC grant of nodes/proxy (the kubelet API)',
  rbac_token_create: 'RBAC grant to create service account tokens',
  rbac_workload_write: 'RBAC grant to write workloads',
  rbac_rbac_write: 'RBAC grant to write RBAC objects',
  rbac_admission_write: 'RBAC grant to write admission webhooks or policies',
  rbac_aggregation: 'aggregated ClusterRole',
  rbac_cluster_wide_grant: 'privileged RBAC grant across the whole cluster',
  network_policy_deleted: 'NetworkPolicy deleted in a protected namespace',
  network_policy_allow_all: 'NetworkPolicy admits all traffic',
  service_external_ip: 'Service claims traffic for an outside address',
  metadata_route: "route or endpoint to the cloud's metadata service",
  loopback_route: "route or endpoint to the proxy's own loopback",
  endpoint_foreign_target: "endpoint naming another namespace's pod",
  ingress_config_injection: 'Ingress injects configuration into the ingress controller',
  gated_host_route: 'route for a host stepgate checks',
  route_host_not_owned: "route for a hostname another namespace owns",
  workload_identity_claim: "certificate for another namespace's workload identity",
  gitops_source_change: 'GitOps source or OpenShift image stream repointed',
  system_namespace_workload: 'workload written in a system namespace',
  system_namespace_secret: 'Secret written in a system namespace',
  system_namespace_token: 'service account token created in a system namespace',
  pod_security_weakened: 'Pod Security admission weakened on a namespace',
  namespace_tenant_changed: 'namespace moved to another tenant',
  admission_config_change: 'admission webhook or policy changed',
  delete_protected: 'protected delete',
  impersonation: 'impersonation',
  impersonation_privileged: 'impersonation of a cluster-admin-equivalent user or group',
  service_account_token_privileged: 'token for a cluster-admin-equivalent service account',
  service_account_token_secret: 'service account token that never expires',
  priority_class_reserved: 'priority class reserved for other namespaces',
  control_plane_placement: 'pod placed on the control-plane nodes',
  runtime_class_removed: "pod taken out of its runtime class's sandbox",
  container_added: "container added to a workload's pods by a patch",
  gpu_devices_unrequested: "the node's GPUs without requesting one",
  device_admin_access: 'admin access to devices other pods are using',
  chaos_target_protected: 'chaos experiment aimed at a protected namespace',
  keda_cluster_trigger_auth: "KEDA trigger handed a cluster-wide trigger authentication's credential",
  volume_source_other_namespace: "volume copied from another namespace's disk",
  secret_source_other_namespace: "Secret copied across namespaces by a controller (Reflector, kubernetes-replicator, kubed)",
  secret_store_production_path: "lower environment's pods handed a production secret-store path",
  network_attachment_reserved: 'network attachment on a node interface the cluster reserves',
  traffic_mirrored: 'traffic copied out (a mirror or tap)',
  capacity_below_floor: "replicas set below the site's floor (guardrails.replica_floors)",
  helm_release_edited: 'Helm release record written by a client that is not Helm',
  scheduled_job_changed: "CronJob's schedule or what its jobs run changed",
  cross_site_request: 'request made by a page of another site',
  cloud_workload_identity: 'workload given a cloud identity by hand',
  lease_held: 'leader-election Lease held far longer than any election renews it',
  container_command_egress: 'container command runs a program it downloads or sends credentials out',
  data_upload_outside: "a container command or a telemetry agent sends data to a destination not in the site's list (guardrails.upload_hosts)",
  model_source_not_allowed: "a model loaded from a store not in the site's list (guardrails.model_sources)",
  restore_namespace_moved: "a production or protected namespace's backup restored into a namespace outside that set",
  issuer_endpoint_not_allowed: "a certificate issuer pointed at an authority not in the site's list (guardrails.certificate_authorities)",
  cloud_resource_exposed: 'cloud resource opened to anyone, made an administrator or its deletion protection taken away',
  cluster_policy: "the cluster's own policy is violated",
  cluster_policy_unreadable: "the cluster's own policy could not be judged",
};

/**
 * Why a body could not be inspected. `body_truncated` and `body_unreadable` map to the
 * `unreadable_body` effect: a client can cause them (a cut, compressed or malformed body).
 * `body_missing` maps to `missing_body`: the Check carries no body at all because the gateway does
 * not send bodies (see server/grpc/check.ts for why a client cannot bring that about when it does).
 */
export type UnreadableOutcome = 'body_truncated' | 'body_unreadable' | 'body_missing';

/** The key under which effects for unreadable bodies are configured (top level and per namespace). */
export const UNREADABLE_KEY = 'unreadable_body';

/** The key for writes whose Check carries no body (top level and per namespace); unset: the `unreadable_body` effect. */
export const MISSING_KEY = 'missing_body';

export const UNREADABLE_TITLES: Readonly<Record<UnreadableOutcome, string>> = {
  body_truncated: 'request body cut before it could be inspected',
  body_unreadable: 'request body could not be inspected',
  body_missing: 'the gateway sent no request body to inspect',
};

/** The effect key an unreadable outcome is configured under. */
export function unreadableKeyOf(outcome: UnreadableOutcome): typeof UNREADABLE_KEY | typeof MISSING_KEY {
  return outcome === 'body_missing' ? MISSING_KEY : UNREADABLE_KEY;
}

/** Each guardrail that took effect is listed among the matched rules as `guardrail:<code>`. */
export const GUARDRAIL_RULE_PREFIX = 'guardrail:';

export function guardrailTitle(code: GuardrailCode | UnreadableOutcome): string {
  return (GUARDRAIL_TITLES as Record<string, string>)[code] ?? (UNREADABLE_TITLES as Record<string, string>)[code] ?? code;
}

/** `privileged container (privileged_container)`: the words first, the stable code after. */
export function guardrailInWords(code: GuardrailCode | UnreadableOutcome): string {
  return `${guardrailTitle(code)} (${code})`;
}

export const DEFAULT_DANGEROUS_CAPABILITIES = [
  'ALL',
  'SYS_ADMIN',
  'NET_ADMIN',
  'SYS_PTRACE',
  'SYS_MODULE',
  'SYS_RAWIO',
  'SYS_BOOT',
  'SYS_TIME',
  'DAC_READ_SEARCH',
  'BPF',
  'PERFMON',
  'MAC_ADMIN',
  'MAC_OVERRIDE',
] as const;

/** Pod Security Standards baseline: the capabilities a container may add (the container runtime's default set). */
export const BASELINE_CAPABILITIES: ReadonlySet<string> = new Set([
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
]);

/**
 * Identities whose impersonation is `impersonation_privileged` unless configured otherwise: what
 * Kubernetes itself makes all-powerful or node- and control-plane-wide, whatever the cluster's RBAC
 * (system:masters skips authorization altogether; kube-system's service accounts include the
 * controllers that create tokens, bind roles and delete anything; a node reads the Secrets of its
 * pods), the names kubeadm gives its admin credentials, and its bootstrap tokens' group (whose
 * certificate requests its controllers approve into node credentials). OpenShift's own superuser
 * and cluster-admin group are in too: the names are reserved (`system:`), so on a cluster without
 * them nothing routine impersonates them.
 */
export const DEFAULT_PRIVILEGED_GROUPS = [
  'system:masters',
  'system:nodes',
  'system:serviceaccounts:kube-system',
  'kubeadm:cluster-admins',
  'system:bootstrappers',
  'system:bootstrappers:*',
  'system:cluster-admins',
] as const;
export const DEFAULT_PRIVILEGED_USERS = [
  'system:admin',
  'system:apiserver',
  'system:kube-controller-manager',
  'system:kube-scheduler',
  'system:node:*',
  'system:serviceaccount:kube-system:*',
  'kubernetes-admin',
  'kubernetes-super-admin',
] as const;

/** Namespaces whose writes are `system_namespace_*` unless configured otherwise. */
export const DEFAULT_SYSTEM_NAMESPACES = ['kube-system', 'kube-public', 'kube-node-lease'] as const;

/**
 * Where KubeVirt keeps the golden images every VM is cloned from: upstream's DataImportCrons import
 * into kubevirt-os-images, OpenShift Virtualization's into openshift-virtualization-os-images.
 */
/**
 * The node interfaces the cluster's own networking makes (the pod network's bridges and tunnels,
 * OVN-Kubernetes' and OpenShift's bridges, kube-proxy's IPVS dummy): an attachment on one puts a
 * pod beside the cluster's own traffic, past its network policies. No CNF attachment names them.
 */
export const DEFAULT_RESERVED_INTERFACES = ['cni0', 'cbr0', 'docker0', 'br-ex', 'br-int', 'ovn-k8s-mp0', 'genev_sys_*', 'flannel.*', 'cilium_*', 'vxlan.calico', 'tunl0', 'kube-ipvs0', 'kube-bridge', 'weave'] as const;

/**
 * The longest `spec.leaseDurationSeconds` a Lease write may set without `lease_held`: an hour.
 * Leader elections renew within seconds (client-go's and controller-runtime's default 15 s,
 * OpenShift's library-go 137 s, 270 s on a single node), a node's heartbeat Lease says 40 s, and
 * the API server's identity Leases 3600 s; Terraform's state lock sets none.
 */
export const DEFAULT_MAX_LEASE_DURATION_SECONDS = 3600;

export const DEFAULT_SHARED_VOLUME_NAMESPACES = ['kubevirt-os-images', 'openshift-virtualization-os-images'] as const;
