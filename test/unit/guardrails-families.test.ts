import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { GuardrailCode } from '../../src/config/guardrail-codes.js';
import { GUARDRAIL_CODES, GUARDRAIL_TIERS, GUARDRAIL_TITLES } from '../../src/config/guardrail-codes.js';
import { inspect } from '../../src/guardrails/inspect.js';
import { RESTRICTED_VOLUME_TYPES, SAFE_SYSCTLS } from '../../src/guardrails/rules/pod-security.js';
import type { GuardrailResult } from '../../src/guardrails/types.js';
import { guardSettings, kube, PINNED, toJsonPatch, toYaml, withoutScheduleChange } from '../support/guardrails.js';
import { encodeKube } from '../support/kube-protobuf.js';

/**
 * The guardrail families of issue 18, table-driven: for each control a violating and a compliant
 * manifest, through create (JSON, YAML, protobuf), update, and every patch type, for every kind
 * that carries a pod spec. Every code here is new (or, for the PSS baseline, newly inspected), so
 * each table fails on the code before these families existed.
 */

const settings = guardSettings(`
guardrails:
  protected_namespaces: ["prod*"]
  restricted_namespaces: ["strict-*"]
  dangerous_cluster_roles: [admin]
`);
const codes = (r: GuardrailResult) => r.violations.map((v) => v.code);
type Obj = Record<string, unknown>;

const PB = 'application/vnd.kubernetes.protobuf';
const container = (extra: Obj = {}) => ({ name: 'app', image: PINNED, ...extra });
const sc = (s: Obj) => ({ containers: [container({ securityContext: s })] });
/** A container that satisfies the restricted profile on its own. */
const hardened = (extra: Obj = {}) =>
  container({
    securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false, seccompProfile: { type: 'RuntimeDefault' }, capabilities: { drop: ['ALL'] } },
    ...extra,
  });
const hardenedSc = (s: Obj) => ({
  containers: [container({ securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false, seccompProfile: { type: 'RuntimeDefault' }, capabilities: { drop: ['ALL'] }, ...s } })],
});

interface PodCase {
  code: GuardrailCode;
  name: string;
  violating: Obj;
  compliant: Obj;
  /** Pod metadata (annotations) for the violating manifest. */
  meta?: Obj;
  namespace?: string;
  /** Absence-based (restricted) controls: a patch cannot show an absent field, so only whole objects. */
  wholeOnly?: boolean;
  /** Fields the protobuf table does not carry: JSON and YAML only. */
  noProtobuf?: boolean;
}

// ---- Pod Security Standards: baseline -------------------------------------------------------

const BASELINE: PodCase[] = [
  { code: 'host_process', name: 'container hostProcess', violating: sc({ windowsOptions: { hostProcess: true } }), compliant: sc({ windowsOptions: { hostProcess: false } }) },
  {
    code: 'host_process',
    name: 'pod hostProcess',
    violating: { securityContext: { windowsOptions: { hostProcess: true } }, containers: [container()] },
    compliant: { securityContext: { windowsOptions: { hostProcess: false } }, containers: [container()] },
  },
  {
    code: 'network_volume',
    name: 'nfs, iscsi and flexVolume volumes the node mounts for the pod',
    // Their type is what counts (the protobuf table reads no more of them).
    violating: { containers: [container()], volumes: [{ name: 'n', nfs: {} }, { name: 'i', iscsi: {} }, { name: 'f', flexVolume: {} }] },
    compliant: { containers: [container()], volumes: [{ name: 'c', csi: {} }, { name: 'p', persistentVolumeClaim: {} }, { name: 'i', image: {} }] },
  },
  {
    code: 'network_volume',
    name: "a CSI inline volume of csi-driver-nfs or csi-driver-smb, which mounts the share its attributes name",
    violating: { containers: [container()], volumes: [{ name: 'n', csi: { driver: 'nfs.csi.k8s.io', volumeAttributes: { server: '10.40.0.5', share: '/exports/prod-orders' } } }, { name: 's', csi: { driver: 'smb.csi.k8s.io', volumeAttributes: { source: '//fs.prod/finance' } } }] },
    compliant: { containers: [container()], volumes: [{ name: 's', csi: { driver: 'secrets-store.csi.k8s.io', volumeAttributes: { secretProviderClass: 'app' } } }, { name: 'c', csi: { driver: 'csi.cert-manager.io' } }] },
  },
  {
    code: 'capability_beyond_baseline',
    name: 'NET_RAW is outside the baseline set',
    violating: sc({ capabilities: { add: ['NET_RAW'] } }),
    compliant: sc({ capabilities: { add: ['CHOWN', 'NET_BIND_SERVICE', 'cap_kill'] } }),
  },
  {
    code: 'host_port',
    name: 'hostPort',
    violating: { containers: [container({ ports: [{ containerPort: 80, hostPort: 8080 }] })] },
    compliant: { containers: [container({ ports: [{ containerPort: 80, hostPort: 0 }] })] },
  },
  {
    code: 'host_port',
    name: 'hostPort on an init container',
    violating: { initContainers: [container({ ports: [{ containerPort: 53, hostPort: 53 }] })] },
    compliant: { initContainers: [container({ ports: [{ containerPort: 53 }] })] },
  },
  {
    code: 'probe_host',
    name: 'liveness probe aimed at another host',
    violating: { containers: [container({ livenessProbe: { httpGet: { host: '169.254.169.254', path: '/', port: 80 } } })] },
    compliant: { containers: [container({ livenessProbe: { httpGet: { host: '', path: '/', port: 80 } } })] },
  },
  {
    code: 'probe_host',
    name: 'preStop tcpSocket host',
    violating: { containers: [container({ lifecycle: { preStop: { tcpSocket: { host: '10.0.0.1', port: 22 } } } })] },
    compliant: { containers: [container({ lifecycle: { preStop: { tcpSocket: { port: 22 } } } })] },
  },
  { code: 'apparmor_unconfined', name: 'appArmorProfile Unconfined', violating: sc({ appArmorProfile: { type: 'Unconfined' } }), compliant: sc({ appArmorProfile: { type: 'RuntimeDefault' } }) },
  {
    code: 'apparmor_unconfined',
    name: 'pod appArmorProfile Unconfined',
    violating: { securityContext: { appArmorProfile: { type: 'Unconfined' } }, containers: [container()] },
    compliant: { securityContext: { appArmorProfile: { type: 'Localhost', localhostProfile: 'p' } }, containers: [container()] },
  },
  {
    code: 'apparmor_unconfined',
    name: 'AppArmor annotation unconfined',
    violating: { containers: [container()] },
    meta: { annotations: { 'container.apparmor.security.beta.kubernetes.io/app': 'unconfined' } },
    compliant: { containers: [container()] },
  },
  { code: 'selinux_custom', name: 'SELinux type spc_t', violating: sc({ seLinuxOptions: { type: 'spc_t' } }), compliant: sc({ seLinuxOptions: { type: 'container_init_t', level: 's0:c1,c2' } }) },
  { code: 'selinux_custom', name: 'SELinux user', violating: sc({ seLinuxOptions: { user: 'system_u' } }), compliant: sc({ seLinuxOptions: { user: '' } }) },
  {
    code: 'selinux_custom',
    name: 'pod SELinux role',
    violating: { securityContext: { seLinuxOptions: { role: 'sysadm_r' } }, containers: [container()] },
    compliant: { securityContext: { seLinuxOptions: { type: 'container_t' } }, containers: [container()] },
  },
  { code: 'proc_mount_unmasked', name: 'procMount Unmasked', violating: sc({ procMount: 'Unmasked' }), compliant: sc({ procMount: 'Default' }) },
  { code: 'seccomp_unconfined', name: 'container seccomp Unconfined', violating: sc({ seccompProfile: { type: 'Unconfined' } }), compliant: sc({ seccompProfile: { type: 'RuntimeDefault' } }) },
  {
    code: 'seccomp_unconfined',
    name: 'pod seccomp Unconfined',
    violating: { securityContext: { seccompProfile: { type: 'Unconfined' } }, containers: [container()] },
    compliant: { securityContext: { seccompProfile: { type: 'Localhost', localhostProfile: 'p.json' } }, containers: [container()] },
  },
  {
    code: 'seccomp_unconfined',
    name: 'legacy seccomp annotation',
    violating: { containers: [container()] },
    meta: { annotations: { 'seccomp.security.alpha.kubernetes.io/pod': 'unconfined' } },
    compliant: { containers: [container()] },
  },
  {
    code: 'unsafe_sysctl',
    name: 'kernel.msgmax',
    violating: { securityContext: { sysctls: [{ name: 'kernel.msgmax', value: '1' }] }, containers: [container()] },
    compliant: { securityContext: { sysctls: [{ name: 'net.ipv4.ip_unprivileged_port_start', value: '0' }, { name: 'net.ipv4.tcp_keepalive_time', value: '60' }] }, containers: [container()] },
  },
  {
    code: 'privileged_container',
    name: 'privileged ephemeral container',
    violating: { ephemeralContainers: [container({ name: 'dbg', securityContext: { privileged: true } })] },
    compliant: { ephemeralContainers: [container({ name: 'dbg', securityContext: { privileged: false } })] },
  },
  // CVE-2023-3676: a Windows kubelet wrote the subPath into a PowerShell command line.
  {
    code: 'subpath_injection',
    name: 'subPath holding a PowerShell subexpression',
    violating: { volumes: [{ name: 'v', emptyDir: {} }], containers: [container({ volumeMounts: [{ name: 'v', mountPath: 'C:\\data', subPath: "$(Start-Process cmd -ArgumentList '/c net user m P /add')" }] })] },
    compliant: { volumes: [{ name: 'v', emptyDir: {} }], containers: [container({ volumeMounts: [{ name: 'v', mountPath: 'C:\\data', subPath: 'conf.d/app-1_2.yaml' }] })] },
  },
  {
    code: 'subpath_injection',
    name: "subPathExpr whose variable's value closes the quoted path",
    violating: { containers: [container({ env: [{ name: 'DIR', value: "x'; calc.exe; '" }], volumeMounts: [{ name: 'v', mountPath: 'C:\\d', subPathExpr: 'logs/$(DIR)' }] })] },
    compliant: { containers: [container({ env: [{ name: 'DIR', value: 'web' }], volumeMounts: [{ name: 'v', mountPath: '/d', subPathExpr: '$(POD_NAME)/$(DIR)' }] })] },
  },
  {
    code: 'subpath_injection',
    name: 'subPath of an ephemeral container',
    violating: { ephemeralContainers: [container({ name: 'dbg', volumeMounts: [{ name: 'v', mountPath: 'C:\\d', subPath: 'a`;calc' }] })] },
    compliant: { ephemeralContainers: [container({ name: 'dbg', volumeMounts: [{ name: 'v', mountPath: 'C:\\d', subPath: 'a' }] })] },
  },
];

// ---- Pod Security Standards: restricted (in restricted_namespaces) -------------------------

const RESTRICTED: PodCase[] = [
  {
    code: 'volume_type_restricted',
    name: 'nfs volume',
    namespace: 'strict-a',
    // Volume sources other than hostPath are opaque to the protobuf table: their type is what counts.
    violating: { containers: [hardened()], volumes: [{ name: 'n', nfs: {} }] },
    compliant: { containers: [hardened()], volumes: [{ name: 'c', configMap: {} }, { name: 'p', persistentVolumeClaim: {} }, { name: 'e', emptyDir: {} }] },
  },
  {
    code: 'run_as_non_root_missing',
    name: 'container runAsNonRoot false under a pod-level true',
    namespace: 'strict-a',
    violating: { securityContext: { runAsNonRoot: true }, ...hardenedSc({ runAsNonRoot: false }) },
    compliant: { securityContext: { runAsNonRoot: true }, containers: [container({ securityContext: { allowPrivilegeEscalation: false, seccompProfile: { type: 'RuntimeDefault' }, capabilities: { drop: ['ALL'] } } })] },
  },
  {
    code: 'run_as_non_root_missing',
    name: 'runAsNonRoot absent',
    namespace: 'strict-a',
    wholeOnly: true,
    violating: { containers: [container({ securityContext: { allowPrivilegeEscalation: false, seccompProfile: { type: 'RuntimeDefault' }, capabilities: { drop: ['ALL'] } } })] },
    compliant: { containers: [hardened()] },
  },
  {
    code: 'privilege_escalation_not_disabled',
    name: 'allowPrivilegeEscalation absent',
    namespace: 'strict-a',
    wholeOnly: true,
    violating: { containers: [container({ securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' }, capabilities: { drop: ['ALL'] } } })] },
    compliant: { containers: [hardened()] },
  },
  {
    code: 'seccomp_profile_missing',
    name: 'no seccomp profile anywhere',
    namespace: 'strict-a',
    wholeOnly: true,
    violating: { containers: [container({ securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } })] },
    // The pod-level profile covers a container that sets none.
    compliant: { securityContext: { seccompProfile: { type: 'RuntimeDefault' } }, containers: [container({ securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } })] },
  },
  {
    code: 'capabilities_not_restricted',
    name: 'adds CHOWN (baseline allows it, restricted does not)',
    namespace: 'strict-a',
    violating: hardenedSc({ capabilities: { drop: ['ALL'], add: ['CHOWN'] } }),
    compliant: hardenedSc({ capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } }),
  },
  {
    code: 'capabilities_not_restricted',
    name: 'does not drop ALL',
    namespace: 'strict-a',
    wholeOnly: true,
    violating: hardenedSc({ capabilities: { drop: ['NET_RAW'] } }),
    compliant: hardenedSc({ capabilities: { drop: ['all'] } }),
  },
];

interface Kind {
  kind: string;
  apiVersion: string;
  collection: string;
  wrap: (podSpec: Obj, meta?: Obj) => Obj;
  /** The pod's metadata at the top level (a Pod), not in a template. */
  topMeta?: boolean;
}

const template = (podSpec: Obj, meta: Obj = {}) => ({ template: { metadata: { labels: { app: 'x' }, ...meta }, spec: podSpec } });
const KINDS: Kind[] = [
  { kind: 'Pod', apiVersion: 'v1', collection: '/api/v1/namespaces/NS/pods', wrap: (s) => ({ spec: s }), topMeta: true },
  { kind: 'PodTemplate', apiVersion: 'v1', collection: '/api/v1/namespaces/NS/podtemplates', wrap: (s, m) => template(s, m) },
  { kind: 'ReplicationController', apiVersion: 'v1', collection: '/api/v1/namespaces/NS/replicationcontrollers', wrap: (s, m) => ({ spec: template(s, m) }) },
  { kind: 'Deployment', apiVersion: 'apps/v1', collection: '/apis/apps/v1/namespaces/NS/deployments', wrap: (s, m) => ({ spec: template(s, m) }) },
  { kind: 'StatefulSet', apiVersion: 'apps/v1', collection: '/apis/apps/v1/namespaces/NS/statefulsets', wrap: (s, m) => ({ spec: template(s, m) }) },
  { kind: 'DaemonSet', apiVersion: 'apps/v1', collection: '/apis/apps/v1/namespaces/NS/daemonsets', wrap: (s, m) => ({ spec: template(s, m) }) },
  { kind: 'ReplicaSet', apiVersion: 'apps/v1', collection: '/apis/apps/v1/namespaces/NS/replicasets', wrap: (s, m) => ({ spec: template(s, m) }) },
  { kind: 'Job', apiVersion: 'batch/v1', collection: '/apis/batch/v1/namespaces/NS/jobs', wrap: (s, m) => ({ spec: template(s, m) }) },
  {
    kind: 'CronJob',
    apiVersion: 'batch/v1',
    collection: '/apis/batch/v1/namespaces/NS/cronjobs',
    wrap: (s, m) => ({ spec: { schedule: '* * * * *', jobTemplate: { spec: template(s, m) } } }),
  },
];

interface Send {
  format: string;
  method: string;
  item: boolean;
  contentType: string;
  patch: boolean;
  encode: (full: Obj, partial: Obj) => string | Buffer;
}

const SENDS: Send[] = [
  { format: 'create JSON', method: 'POST', item: false, patch: false, contentType: 'application/json', encode: (f) => JSON.stringify(f) },
  { format: 'create YAML', method: 'POST', item: false, patch: false, contentType: 'application/yaml', encode: (f) => toYaml(f) },
  { format: 'create protobuf', method: 'POST', item: false, patch: false, contentType: PB, encode: (f) => encodeKube(f) },
  { format: 'update', method: 'PUT', item: true, patch: false, contentType: 'application/json', encode: (f) => JSON.stringify(f) },
  { format: 'update protobuf', method: 'PUT', item: true, patch: false, contentType: PB, encode: (f) => encodeKube(f) },
  { format: 'JSON patch', method: 'PATCH', item: true, patch: true, contentType: 'application/json-patch+json', encode: (_f, p) => JSON.stringify(toJsonPatch(p)) },
  { format: 'merge patch', method: 'PATCH', item: true, patch: true, contentType: 'application/merge-patch+json', encode: (_f, p) => JSON.stringify(p) },
  { format: 'strategic merge patch', method: 'PATCH', item: true, patch: true, contentType: 'application/strategic-merge-patch+json', encode: (_f, p) => JSON.stringify(p) },
  { format: 'apply patch', method: 'PATCH', item: true, patch: true, contentType: 'application/apply-patch+yaml', encode: (f) => toYaml(f) },
];

function runPod(k: Kind, send: Send, podSpec: Obj, meta: Obj | undefined, namespace: string): GuardrailResult {
  const body = k.wrap(podSpec, meta);
  const full: Obj = { apiVersion: k.apiVersion, kind: k.kind, metadata: { name: 'web', ...(k.topMeta ? meta : {}) }, ...body };
  const partial: Obj = k.topMeta && meta ? { metadata: meta, ...body } : body;
  const path = k.collection.replace('NS', namespace) + (send.item ? '/web' : '');
  return withoutScheduleChange(k.kind, send.method, inspect(kube(send.method, path), send.encode(full, partial), send.contentType, false, settings));
}

function podRows(cases: PodCase[], kinds: Kind[], sends: Send[]) {
  return cases.flatMap((c) =>
    kinds.flatMap((k) =>
      sends
        .filter((s) => !(c.noProtobuf && s.contentType === PB))
        .map((s) => [c.code, c.name, k.kind, s.format, c, k, s] as const),
    ),
  );
}

describe('runtime controls (PSS baseline): every kind, every format', () => {
  it.each(podRows(BASELINE, KINDS, SENDS))('%s (%s) in a %s via %s', (code, _n, _k, _f, c, k, send) => {
    const ns = c.namespace ?? 'dev';
    expect(codes(runPod(k, send, c.violating, c.meta, ns))).toContain(code);
    expect(runPod(k, send, c.compliant, undefined, ns).violations).toEqual([]);
  });
});

describe('runtime controls (PSS restricted): every kind, every format', () => {
  it.each(podRows(RESTRICTED, KINDS, SENDS))('%s (%s) in a %s via %s', (code, _n, _k, _f, c, k, send) => {
    const ns = c.namespace!;
    const found = codes(runPod(k, send, c.violating, c.meta, ns));
    if (c.wholeOnly && send.patch) expect(found).not.toContain(code);
    else expect(found).toContain(code);
    expect(runPod(k, send, c.compliant, undefined, ns).violations).toEqual([]);
  });

  it('the restricted checks stay off outside restricted_namespaces: a plain pod in dev is clean', () => {
    // An image volume is outside the restricted profile's types and reaches nothing of the node (nfs is network_volume everywhere).
    for (const k of KINDS) expect(runPod(k, SENDS[0]!, { containers: [container()], volumes: [{ name: 'n', image: {} }] }, undefined, 'dev').violations).toEqual([]);
  });

  it('a plain pod in a restricted namespace names each missing control', () => {
    expect(new Set(codes(runPod(KINDS[0]!, SENDS[0]!, { containers: [container()] }, undefined, 'strict-a')))).toEqual(
      new Set(['run_as_non_root_missing', 'privilege_escalation_not_disabled', 'seccomp_profile_missing', 'capabilities_not_restricted']),
    );
  });

  it('a merge patch or a JSON patch that removes a restricted field is flagged', () => {
    const merge = JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'app', securityContext: { runAsNonRoot: null, allowPrivilegeEscalation: null } }] } } } });
    const m = codes(inspect(kube('PATCH', '/apis/apps/v1/namespaces/strict-a/deployments/web'), merge, 'application/merge-patch+json', false, settings));
    expect(m).toEqual(expect.arrayContaining(['run_as_non_root_missing', 'privilege_escalation_not_disabled']));
    const jp = JSON.stringify([{ op: 'remove', path: '/spec/template/spec/securityContext/runAsNonRoot' }]);
    expect(codes(inspect(kube('PATCH', '/apis/apps/v1/namespaces/strict-a/deployments/web'), jp, 'application/json-patch+json', false, settings))).toContain('run_as_non_root_missing');
  });

  it('Windows pods are exempt from the Linux-only restricted controls, not from runAsNonRoot', () => {
    const spec = { os: { name: 'windows' }, containers: [container()] };
    expect(codes(runPod(KINDS[0]!, SENDS[0]!, spec, undefined, 'strict-a'))).toEqual(['run_as_non_root_missing']);
  });

  it('kubectl debug: an ephemeral container added in a restricted namespace is held to the profile', () => {
    const body = JSON.stringify({ spec: { ephemeralContainers: [container({ name: 'dbg', securityContext: { capabilities: { add: ['SYS_PTRACE'] } } })] } });
    const r = codes(inspect(kube('PATCH', '/api/v1/namespaces/strict-a/pods/web/ephemeralcontainers'), body, 'application/strategic-merge-patch+json', false, settings));
    expect(r).toEqual(expect.arrayContaining(['capability_added', 'capabilities_not_restricted']));
  });
});

// ---- RBAC grants ------------------------------------------------------------------------------

const RBAC = '/apis/rbac.authorization.k8s.io/v1';
const rule = (apiGroups: string[], resources: string[], verbs: string[]) => ({ rules: [{ apiGroups, resources, verbs }] });

interface RbacCase {
  code: GuardrailCode;
  name: string;
  kind: 'Role' | 'ClusterRole' | 'ClusterRoleBinding' | 'RoleBinding';
  violating: Obj;
  compliant: Obj;
  /** Also expected on the violating manifest (a ClusterRole's grant is cluster-wide too). */
  alsoWide?: boolean;
}

const RBAC_CASES: RbacCase[] = [
  { code: 'rbac_pod_exec', name: 'pods/exec', kind: 'Role', violating: rule([''], ['pods/exec'], ['create']), compliant: rule([''], ['pods', 'pods/log'], ['get']) },
  { code: 'rbac_pod_exec', name: 'pods/attach via get', kind: 'ClusterRole', violating: rule([''], ['pods/attach'], ['get']), compliant: rule([''], ['pods/status'], ['get']), alsoWide: true },
  { code: 'rbac_pod_exec', name: 'pods/portforward', kind: 'Role', violating: rule([''], ['pods/portforward'], ['create']), compliant: rule([''], ['services'], ['create']) },
  { code: 'rbac_pod_exec', name: '*/exec', kind: 'ClusterRole', violating: rule([''], ['*/exec'], ['create']), compliant: rule([''], ['pods/status'], ['get']), alsoWide: true },
  { code: 'rbac_pod_exec', name: 'pods/proxy get', kind: 'Role', violating: rule([''], ['pods/proxy'], ['get']), compliant: rule([''], ['pods/log'], ['get']) },
  { code: 'rbac_pod_exec', name: 'services/proxy create', kind: 'ClusterRole', violating: rule([''], ['services/proxy'], ['create']), compliant: rule([''], ['services'], ['get', 'list']), alsoWide: true },
  { code: 'rbac_pod_exec', name: '*/proxy', kind: 'Role', violating: rule([''], ['*/proxy'], ['get']), compliant: rule([''], ['services/status'], ['get']) },
  { code: 'rbac_node_proxy', name: 'nodes/proxy get', kind: 'ClusterRole', violating: rule([''], ['nodes/proxy'], ['get']), compliant: rule([''], ['nodes'], ['get', 'list']), alsoWide: true },
  { code: 'rbac_token_create', name: 'serviceaccounts/token', kind: 'Role', violating: rule([''], ['serviceaccounts/token'], ['create']), compliant: rule([''], ['serviceaccounts'], ['get']) },
  { code: 'rbac_workload_write', name: 'deployments patch', kind: 'Role', violating: rule(['apps'], ['deployments'], ['patch']), compliant: rule(['apps'], ['deployments'], ['get', 'watch']) },
  { code: 'rbac_workload_write', name: 'pods create cluster-wide', kind: 'ClusterRole', violating: rule([''], ['pods'], ['create']), compliant: rule([''], ['pods'], ['list']), alsoWide: true },
  { code: 'rbac_rbac_write', name: 'rolebindings create', kind: 'Role', violating: rule(['rbac.authorization.k8s.io'], ['rolebindings'], ['create']), compliant: rule(['rbac.authorization.k8s.io'], ['rolebindings'], ['list']) },
  {
    code: 'rbac_admission_write',
    name: 'webhook configurations delete',
    kind: 'ClusterRole',
    violating: rule(['admissionregistration.k8s.io'], ['validatingwebhookconfigurations'], ['delete']),
    compliant: rule(['admissionregistration.k8s.io'], ['validatingwebhookconfigurations'], ['get']),
    alsoWide: true,
  },
  {
    code: 'rbac_admission_write',
    name: "Kyverno's ClusterPolicies delete",
    kind: 'ClusterRole',
    violating: rule(['kyverno.io'], ['clusterpolicies'], ['delete']),
    compliant: rule(['kyverno.io'], ['clusterpolicies', 'policyreports'], ['get', 'list']),
    alsoWide: true,
  },
  { code: 'rbac_admission_write', name: "Gatekeeper's constraints (every kind of the group) patch", kind: 'Role', violating: rule(['constraints.gatekeeper.sh'], ['k8srequiredlabels'], ['patch']), compliant: rule(['constraints.gatekeeper.sh'], ['k8srequiredlabels'], ['watch']) },
  { code: 'rbac_admission_write', name: "Kubewarden's cluster policies update", kind: 'Role', violating: rule(['policies.kubewarden.io'], ['clusteradmissionpolicies'], ['update']), compliant: rule(['policies.kubewarden.io'], ['clusteradmissionpolicies'], ['get']) },
  { code: 'rbac_secrets_read', name: 'Role lists secrets', kind: 'Role', violating: rule([''], ['secrets'], ['list']), compliant: rule([''], ['configmaps'], ['list']) },
  { code: 'rbac_wildcard', name: '* apiGroups', kind: 'Role', violating: rule(['*'], ['configmaps'], ['get']), compliant: rule([''], ['configmaps'], ['get']) },
  { code: 'rbac_cluster_wide_grant', name: 'ClusterRole with escalate', kind: 'ClusterRole', violating: rule(['rbac.authorization.k8s.io'], ['clusterroles'], ['escalate']), compliant: rule(['rbac.authorization.k8s.io'], ['clusterroles'], ['get']) },
  {
    code: 'rbac_cluster_wide_grant',
    name: 'ClusterRoleBinding to edit',
    kind: 'ClusterRoleBinding',
    violating: { roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' }, subjects: [{ kind: 'Group', name: 'devs' }] },
    compliant: { roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'Group', name: 'devs' }] },
  },
  {
    code: 'rbac_aggregation',
    name: 'aggregationRule',
    kind: 'ClusterRole',
    violating: { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { team: 'a' } }] }, rules: [] },
    compliant: { rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }] },
  },
  {
    code: 'rbac_aggregation',
    name: 'aggregate-to-view label',
    kind: 'ClusterRole',
    violating: { metadata: { name: 'r', labels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }] },
    compliant: { metadata: { name: 'r', labels: { team: 'a' } }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }] },
  },
];

const RBAC_COLLECTIONS = {
  Role: `${RBAC}/namespaces/dev/roles`,
  ClusterRole: `${RBAC}/clusterroles`,
  RoleBinding: `${RBAC}/namespaces/dev/rolebindings`,
  ClusterRoleBinding: `${RBAC}/clusterrolebindings`,
} as const;

function runRbac(c: RbacCase, body: Obj, send: Send): GuardrailResult {
  const full: Obj = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: c.kind, metadata: { name: 'r' }, ...body };
  const path = RBAC_COLLECTIONS[c.kind] + (send.item ? '/r' : '');
  return inspect(kube(send.method, path), send.encode(full, body), send.contentType, false, settings);
}

describe('RBAC grants: every format', () => {
  const rows = RBAC_CASES.flatMap((c) => SENDS.map((s) => [c.code, c.name, s.format, c, s] as const));
  it.each(rows)('%s (%s) via %s', (code, _n, _f, c, send) => {
    const found = codes(runRbac(c, c.violating, send));
    expect(found).toContain(code);
    if (c.alsoWide) expect(found).toContain('rbac_cluster_wide_grant');
    expect(runRbac(c, c.compliant, send).violations).toEqual([]);
  });

  it('a rule reaching a policy group only through * API groups is rbac_wildcard, not an admission write of every group', () => {
    const wide = { code: 'rbac_wildcard' as const, name: 'w', kind: 'Role' as const, violating: {}, compliant: {} };
    expect(codes(runRbac(wide, rule(['*'], ['pods'], ['create']), SENDS[0]!))).not.toContain('rbac_admission_write');
    expect(codes(runRbac(wide, rule(['*'], ['clusterpolicies'], ['delete']), SENDS[0]!))).toContain('rbac_admission_write');
    expect(codes(runRbac(wide, rule(['kyverno.io'], ['policyreports'], ['delete']), SENDS[0]!))).not.toContain('rbac_admission_write');
  });

  it('a namespaced Role with the same grant is not cluster-wide; the ClusterRole is', () => {
    const role = codes(runRbac({ ...RBAC_CASES[0]!, kind: 'Role' }, rule([''], ['pods/exec'], ['create']), SENDS[0]!));
    const cluster = codes(runRbac({ ...RBAC_CASES[0]!, kind: 'ClusterRole' }, rule([''], ['pods/exec'], ['create']), SENDS[0]!));
    expect(role).toEqual(['rbac_pod_exec']);
    expect(cluster).toEqual(['rbac_pod_exec', 'rbac_cluster_wide_grant']);
  });

  it('a JSON patch adding pods/exec to a ClusterRole rule is flagged without seeing its verbs', () => {
    const body = JSON.stringify([{ op: 'add', path: '/rules/0/resources/-', value: 'pods/exec' }]);
    expect(codes(inspect(kube('PATCH', `${RBAC}/clusterroles/r`), body, 'application/json-patch+json', false, settings))).toEqual(
      expect.arrayContaining(['rbac_pod_exec', 'rbac_cluster_wide_grant']),
    );
  });

  it('a role with only * API groups is rbac_wildcard, but binding it is not cluster-admin-equivalent', () => {
    const body = [
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'cm' }, ...rule(['*'], ['configmaps'], ['get']) },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'b' }, roleRef: { kind: 'Role', name: 'cm' } },
    ]
      .map((d) => toYaml(d))
      .join('---\n');
    expect(codes(inspect(kube('POST', `${RBAC}/namespaces/dev/rolebindings`), body, 'application/yaml', false, settings))).toEqual(['rbac_wildcard']);
  });

  it('a ClusterRoleBinding to a ClusterRole the same body defines with a grant is cluster-wide', () => {
    const body = [
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'shell' }, ...rule([''], ['pods/exec'], ['create']) },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'b' }, roleRef: { kind: 'ClusterRole', name: 'shell' } },
    ]
      .map((d) => toYaml(d))
      .join('---\n');
    const r = inspect(kube('POST', `${RBAC}/clusterrolebindings`), body, 'application/yaml', false, settings);
    expect(r.violations.filter((v) => v.code === 'rbac_cluster_wide_grant').map((v) => v.path)).toContain('documents[1].roleRef.name');
  });
});

// ---- Network policies -------------------------------------------------------------------------

const NP = '/apis/networking.k8s.io/v1/namespaces/NS/networkpolicies';
interface NpCase {
  name: string;
  violating: Obj;
  compliant: Obj;
  /** An absent peer list: a patch that does not show it leaves the stored one alone. */
  wholeOnly?: boolean;
}
const peers = (dir: 'ingress' | 'egress', key: 'from' | 'to', list: unknown[] | undefined, types?: string[]) => ({
  spec: { podSelector: {}, ...(types ? { policyTypes: types } : {}), [dir]: [{ ...(list === undefined ? {} : { [key]: list }), ports: [{ port: 443 }] }] },
});
const NP_CASES: NpCase[] = [
  { name: 'ingress rule without from', wholeOnly: true, violating: peers('ingress', 'from', undefined), compliant: peers('ingress', 'from', [{ podSelector: { matchLabels: { app: 'web' } } }]) },
  { name: 'ingress from []', violating: peers('ingress', 'from', []), compliant: peers('ingress', 'from', [{ ipBlock: { cidr: '10.0.0.0/8' } }]) },
  { name: 'ingress from 0.0.0.0/0', violating: peers('ingress', 'from', [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] } }]), compliant: peers('ingress', 'from', [{ ipBlock: { cidr: '192.168.0.0/16' } }]) },
  { name: 'egress to ::/0', violating: peers('egress', 'to', [{ ipBlock: { cidr: '::/0' } }], ['Egress']), compliant: peers('egress', 'to', [{ ipBlock: { cidr: 'fd00::/8' } }], ['Egress']) },
  {
    name: 'egress to every namespace',
    violating: peers('egress', 'to', [{ namespaceSelector: {}, podSelector: {} }], ['Egress']),
    compliant: peers('egress', 'to', [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'db' } } }], ['Egress']),
  },
  // With policyTypes [Ingress], egress rules are ignored by kube: an open egress rule admits nothing.
  { name: 'policyTypes decide which rules count', violating: peers('egress', 'to', [], ['Egress']), compliant: peers('egress', 'to', [], ['Ingress']) },
];

function runNp(send: Send, body: Obj, ns: string): GuardrailResult {
  const full: Obj = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'np' }, ...body };
  return inspect(kube(send.method, NP.replace('NS', ns) + (send.item ? '/np' : '')), send.encode(full, body), send.contentType, false, settings);
}

describe('network policies: every format, in protected namespaces only', () => {
  const rows = NP_CASES.flatMap((c) => SENDS.map((s) => [c.name, s.format, c, s] as const));
  it.each(rows)('network_policy_allow_all (%s) via %s', (_n, _f, c, send) => {
    if (c.wholeOnly && send.patch) {
      expect(runNp(send, c.violating, 'prod-a').violations).toEqual([]);
    } else {
      expect(codes(runNp(send, c.violating, 'prod-a'))).toContain('network_policy_allow_all');
      expect(codes(runNp(send, c.violating, 'kube-system'))).toContain('network_policy_allow_all');
    }
    expect(runNp(send, c.compliant, 'prod-a').violations).toEqual([]);
    expect(runNp(send, c.violating, 'dev').violations).toEqual([]);
  });

  it('a merge patch that removes the from peers admits everyone', () => {
    const body = JSON.stringify({ spec: { ingress: [{ from: null }] } });
    expect(codes(inspect(kube('PATCH', NP.replace('NS', 'prod-a') + '/np'), body, 'application/merge-patch+json', false, settings))).toEqual(['network_policy_allow_all']);
  });

  it.each([
    ['delete', 'DELETE', '/apis/networking.k8s.io/v1/namespaces/prod-a/networkpolicies/deny-all', true],
    ['deletecollection', 'DELETE', '/apis/networking.k8s.io/v1/namespaces/prod-a/networkpolicies', true],
    ['deletecollection across all namespaces', 'DELETE', '/apis/networking.k8s.io/v1/networkpolicies', true],
    ['delete in kube-system', 'DELETE', '/apis/networking.k8s.io/v1/namespaces/kube-system/networkpolicies/x', true],
    ['delete in an unprotected namespace', 'DELETE', '/apis/networking.k8s.io/v1/namespaces/dev/networkpolicies/x', false],
  ])('network_policy_deleted: %s', (_n, method, path, flagged) => {
    const found = codes(inspect(kube(method, path), undefined, undefined, false, settings));
    if (flagged) expect(found).toContain('network_policy_deleted');
    else expect(found).not.toContain('network_policy_deleted');
  });
});

// ---- Namespace restrictions ---------------------------------------------------------------------

describe('namespace restrictions', () => {
  const deployment = KINDS[3]!;
  it.each(SENDS.map((s) => [s.format, s] as const))('system_namespace_workload via %s, for every workload kind', (_f, send) => {
    for (const k of KINDS) {
      expect(codes(runPod(k, send, { containers: [container()] }, undefined, 'kube-system')), k.kind).toContain('system_namespace_workload');
      expect(runPod(k, send, { containers: [container()] }, undefined, 'dev').violations, k.kind).toEqual([]);
    }
    expect(codes(runPod(deployment, send, { containers: [container()] }, undefined, 'kube-node-lease'))).toContain('system_namespace_workload');
  });

  it('a workload in kube-system is named even when its body cannot be read', () => {
    const r = inspect(kube('POST', '/apis/apps/v1/namespaces/kube-system/deployments'), '{', 'application/json', false, settings);
    expect(r.unreadable).toBe('body_unreadable');
    expect(codes(r)).toEqual(['system_namespace_workload']);
  });

  it.each([
    ['a Secret created in kube-system', 'POST', '/api/v1/namespaces/kube-system/secrets', { kind: 'Secret', type: 'Opaque' }, ['system_namespace_secret'], undefined],
    // kube-system's service accounts are privileged by default (service_account_token_privileged),
    // so a Secret body there that cannot be read may hide a token for one of them.
    ['a Secret patched in kube-system, without a body', 'PATCH', '/api/v1/namespaces/kube-system/secrets/s', undefined, ['system_namespace_secret'], 'body_unreadable'],
    ['a service-account-token Secret in kube-system', 'POST', '/api/v1/namespaces/kube-system/secrets', { kind: 'Secret', type: 'kubernetes.io/service-account-token' }, ['system_namespace_secret', 'system_namespace_token'], undefined],
    ['a TokenRequest in kube-system', 'POST', '/api/v1/namespaces/kube-system/serviceaccounts/default/token', { kind: 'TokenRequest', spec: {} }, ['system_namespace_token', 'service_account_token_privileged'], undefined],
    ['a Secret in dev', 'POST', '/api/v1/namespaces/dev/secrets', { kind: 'Secret' }, [], undefined],
    ['a Secret in dev, without a body', 'PATCH', '/api/v1/namespaces/dev/secrets/s', undefined, [], undefined],
    ['a TokenRequest in dev', 'POST', '/api/v1/namespaces/dev/serviceaccounts/default/token', { kind: 'TokenRequest' }, [], undefined],
  ])('%s', (_n, method, path, body, expected, unreadable) => {
    const r = inspect(kube(method, path), body === undefined ? undefined : JSON.stringify(body), method === 'PATCH' ? 'application/merge-patch+json' : 'application/json', false, settings);
    expect(codes(r)).toEqual(expected);
    // Secrets and tokens are judged from the request line; a Secret's body is required only where
    // a service account is privileged.
    expect(r.unreadable).toBe(unreadable);
  });

  // Capsule binds a tenant's owners wherever its label is: a change of it moves the namespace.
  const TENANT = 'capsule.clastix.io/tenant';
  it.each([
    ['merge patch sets it', 'PATCH', 'application/merge-patch+json', JSON.stringify({ metadata: { labels: { [TENANT]: 'northwind' } } }), true],
    ['strategic merge patch sets it', 'PATCH', 'application/strategic-merge-patch+json', JSON.stringify({ metadata: { labels: { [TENANT]: 'northwind' } } }), true],
    ['server-side apply sets it', 'PATCH', 'application/apply-patch+yaml', JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'tenant-a', labels: { [TENANT]: 'northwind' } } }), true],
    ['JSON patch replaces it', 'PATCH', 'application/json-patch+json', JSON.stringify([{ op: 'replace', path: '/metadata/labels/capsule.clastix.io~1tenant', value: 'northwind' }]), true],
    ['JSON patch copies it from another label', 'PATCH', 'application/json-patch+json', JSON.stringify([{ op: 'copy', from: '/metadata/labels/team', path: '/metadata/labels/capsule.clastix.io~1tenant' }]), true],
    ['merge patch removes it', 'PATCH', 'application/merge-patch+json', JSON.stringify({ metadata: { labels: { [TENANT]: null } } }), true],
    ['JSON patch removes it', 'PATCH', 'application/json-patch+json', JSON.stringify([{ op: 'remove', path: '/metadata/labels/capsule.clastix.io~1tenant' }]), true],
    ['another label patched', 'PATCH', 'application/merge-patch+json', JSON.stringify({ metadata: { labels: { 'tenantly.example/plan': 'pro' } } }), false],
    ['a Namespace created with it', 'POST', 'application/json', JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'tenant-a', labels: { [TENANT]: 'acme' } } }), false],
    ['a Namespace replaced with it (PUT carries the labels it had)', 'PUT', 'application/json', JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'tenant-a', labels: { [TENANT]: 'acme' } } }), false],
  ])('namespace_tenant_changed: %s', (_n, method, contentType, body, flagged) => {
    const path = method === 'POST' ? '/api/v1/namespaces' : '/api/v1/namespaces/tenant-a';
    const found = codes(inspect(kube(method, path), body, contentType, false, settings));
    if (flagged) expect(found).toContain('namespace_tenant_changed');
    else expect(found).not.toContain('namespace_tenant_changed');
  });

  const ns = (labels: Record<string, string | null> | undefined) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a', ...(labels ? { labels } : {}) } });
  const PSA_CASES: [string, Record<string, string | null> | undefined, Record<string, string> | undefined][] = [
    ['enforce=privileged', { 'pod-security.kubernetes.io/enforce': 'privileged' }, { 'pod-security.kubernetes.io/enforce': 'baseline' }],
    ['an unknown level', { 'pod-security.kubernetes.io/enforce': 'none' }, { 'pod-security.kubernetes.io/enforce': 'restricted' }],
    ['enforce-version v1.0', { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'v1.0' }, { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'v1.31' }],
  ];
  it.each(PSA_CASES.flatMap(([n, bad, good]) => SENDS.map((s) => [n, s.format, bad, good, s] as const)))('pod_security_weakened: %s via %s', (_n, _f, bad, good, send) => {
    const run = (labels: Record<string, string | null> | undefined) => {
      const full = ns(labels);
      const path = send.item ? '/api/v1/namespaces/team-a' : '/api/v1/namespaces';
      return inspect(kube(send.method, path), send.encode(full, { metadata: full.metadata }), send.contentType, false, settings);
    };
    expect(codes(run(bad))).toContain('pod_security_weakened');
    expect(run(good).violations).toEqual([]);
  });

  it.each([
    ['merge patch null', 'application/merge-patch+json', JSON.stringify({ metadata: { labels: { 'pod-security.kubernetes.io/enforce': null } } })],
    ['JSON patch remove', 'application/json-patch+json', JSON.stringify([{ op: 'remove', path: '/metadata/labels/pod-security.kubernetes.io~1enforce' }])],
    ['strategic merge $patch: replace of the labels', 'application/strategic-merge-patch+json', JSON.stringify({ metadata: { labels: { $patch: 'replace', team: 'a' } } })],
    ['strategic merge $patch: replace of metadata', 'application/strategic-merge-patch+json', JSON.stringify({ metadata: { $patch: 'replace', name: 'team-a' } })],
    ['JSON patch copy of another label', 'application/json-patch+json', JSON.stringify([{ op: 'copy', from: '/metadata/labels/x', path: '/metadata/labels/pod-security.kubernetes.io~1enforce' }])],
  ])('pod_security_weakened: removing the enforce label (%s)', (_n, type, body) => {
    expect(codes(inspect(kube('PATCH', '/api/v1/namespaces/team-a'), body, type, false, settings))).toEqual(['pod_security_weakened']);
  });

  it('an update (PUT) of a Namespace without the enforce label may remove it; a create without it does not', () => {
    const body = JSON.stringify(ns(undefined));
    expect(codes(inspect(kube('PUT', '/api/v1/namespaces/team-a'), body, 'application/json', false, settings))).toEqual(['pod_security_weakened']);
    expect(inspect(kube('POST', '/api/v1/namespaces'), body, 'application/json', false, settings).violations).toEqual([]);
  });
});

// ---- Admission configuration --------------------------------------------------------------------

describe('admission configuration', () => {
  const AR = '/apis/admissionregistration.k8s.io/v1';
  it.each([
    ['POST', `${AR}/validatingwebhookconfigurations`],
    ['PUT', `${AR}/validatingwebhookconfigurations/gatekeeper`],
    ['PATCH', `${AR}/mutatingwebhookconfigurations/istio`],
    ['DELETE', `${AR}/validatingwebhookconfigurations/kyverno`],
    ['DELETE', `${AR}/mutatingwebhookconfigurations`],
    ['POST', `${AR}/validatingadmissionpolicies`],
    ['PATCH', `${AR}/validatingadmissionpolicybindings/b`],
    ['DELETE', `${AR}/validatingadmissionpolicies/p`],
    ['POST', '/apis/admissionregistration.k8s.io/v1alpha1/mutatingadmissionpolicies'],
    ['DELETE', '/apis/kyverno.io/v1/clusterpolicies/disallow-privileged'],
    ['PATCH', '/apis/constraints.gatekeeper.sh/v1beta1/k8spspprivilegedcontainer/psp'],
    // Kyverno's CEL policies and their exceptions (namespaced, exempting any namespace), Gatekeeper's
    // mutators and expansion templates, Kubewarden's policies.
    ['POST', '/apis/policies.kyverno.io/v1alpha1/namespaces/dev/policyexceptions'],
    ['PATCH', '/apis/policies.kyverno.io/v1alpha1/validatingpolicies/disallow-privileged'],
    ['POST', '/apis/mutations.gatekeeper.sh/v1/assign'],
    ['PUT', '/apis/expansion.gatekeeper.sh/v1beta1/expansiontemplates/deployments'],
    ['POST', '/apis/policies.kubewarden.io/v1/namespaces/dev/admissionpolicies'],
  ])('%s %s is admission_config_change, whatever the body', (method, path) => {
    for (const [body, type] of [
      [JSON.stringify({ webhooks: [] }), method === 'PATCH' ? 'application/merge-patch+json' : 'application/json'],
      ['not json', 'application/json'],
      [undefined, undefined],
    ] as const) {
      const r = inspect(kube(method, path), body, type, false, settings);
      expect(codes(r)).toEqual(['admission_config_change']);
      expect(r.unreadable).toBeUndefined();
    }
  });

  it('reading them, and their status subresource, is not a change', () => {
    expect(inspect(kube('GET', `${AR}/validatingwebhookconfigurations`), undefined, undefined, false, settings).violations).toEqual([]);
    expect(inspect(kube('PUT', `${AR}/validatingadmissionpolicies/p/status`), '{}', 'application/json', false, settings).violations).toEqual([]);
  });
});

// ---- Every code is real ---------------------------------------------------------------------------

describe('the code table', () => {
  it('every code has a tier and a title in words', () => {
    for (const c of GUARDRAIL_CODES) {
      expect(GUARDRAIL_TIERS[c], c).toMatch(/^(refused|critical|elevated|advisory)$/);
      expect(GUARDRAIL_TITLES[c], c).toMatch(/^[A-Za-z]/);
    }
  });
});

// ---- Properties ---------------------------------------------------------------------------------


describe('properties', () => {
  it('a pod that meets the restricted profile has no violation in any kind, whatever allowed values it picks', () => {
    const pick = (xs: readonly string[]) => fc.subarray([...xs]);
    fc.assert(
      fc.property(
        fc.constantFrom(...KINDS),
        pick([...RESTRICTED_VOLUME_TYPES]),
        pick([...SAFE_SYSCTLS]),
        fc.boolean(),
        fc.constantFrom('RuntimeDefault', 'Localhost'),
        fc.constantFrom(undefined, '', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t'),
        (k, volumes, sysctls, podLevel, seccomp, seType) => {
          const own = { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] }, ...(seType === undefined ? {} : { seLinuxOptions: { type: seType } }) };
          const spec = {
            securityContext: { ...(podLevel ? { runAsNonRoot: true, seccompProfile: { type: seccomp } } : {}), sysctls: sysctls.map((name) => ({ name, value: '1' })) },
            containers: [container({ securityContext: podLevel ? own : { ...own, runAsNonRoot: true, seccompProfile: { type: seccomp } } })],
            volumes: volumes.map((v, i) => ({ name: `v${i}`, [v]: {} })),
          };
          expect(runPod(k, SENDS[0]!, spec, undefined, 'strict-a').violations).toEqual([]);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('an ipBlock admits everyone exactly when its prefix is 0, in either family', () => {
    const v4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.'));
    fc.assert(
      fc.property(fc.oneof(v4.map((a) => [a, 32] as const), fc.constant(['fd00::', 128] as const)), fc.nat(128), ([addr, max], raw) => {
        const prefix = raw % (max + 1);
        const r = runNp(SENDS[0]!, peers('egress', 'to', [{ ipBlock: { cidr: `${addr}/${prefix}` } }], ['Egress']), 'prod-a');
        expect(codes(r).includes('network_policy_allow_all')).toBe(prefix === 0);
      }),
      { numRuns: 300 },
    );
  });

  it('a rule grants exec exactly when its group, resource and verb all cover pods/exec, attach, portforward, or a pod or service proxy', () => {
    const groups = fc.subarray(['', 'apps', '*']);
    const resources = fc.subarray(['pods', 'pods/exec', 'pods/attach', 'pods/log', 'pods/portforward', '*/exec', 'pods/*', 'services', 'pods/proxy', 'services/proxy', '*/proxy', 'services/*']);
    const verbs = fc.subarray(['get', 'list', 'create', 'watch', 'delete']);
    fc.assert(
      fc.property(groups, resources, verbs, (g, res, v) => {
        const r = runRbac({ code: 'rbac_pod_exec', name: '', kind: 'Role', violating: {}, compliant: {} }, rule(g, res, v), SENDS[0]!);
        const group = g.includes('') || g.includes('*');
        const shell = res.some((x) => ['pods/exec', 'pods/attach', 'pods/portforward', '*/exec', 'pods/*'].includes(x)) && (v.includes('get') || v.includes('create'));
        // Every HTTP method reaches a proxy's backend; list and watch are no proxy verb.
        const proxy = res.some((x) => ['pods/proxy', 'services/proxy', '*/proxy', 'pods/*', 'services/*'].includes(x)) && (v.includes('get') || v.includes('create') || v.includes('delete'));
        expect(codes(r).includes('rbac_pod_exec')).toBe(group && (shell || proxy));
      }),
      { numRuns: 300 },
    );
  });
});
