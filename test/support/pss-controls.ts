/**
 * Every control of the Kubernetes Pod Security Standards that is an escalation (the baseline
 * profile, and what the restricted profile adds that is more than hygiene), as what a manifest
 * sets, in every kind whose controller runs a pod from its body, for
 * test/integration/attack-pss.test.ts. Written from the standard's list of fields and allowed
 * values (kubernetes.io/docs/concepts/security/pod-security-standards, k8s.io/pod-security-admission
 * policy/check_*.go): the manifests are built here, not copied from a policy library.
 */
import { stringify } from 'yaml';

type Doc = Record<string, unknown>;

/** A pod as the manifest shows it: its metadata (annotations), its spec, and the one container the control touches. */
export interface PodParts {
  meta: Doc;
  spec: Doc;
  container: Doc;
}

/**
 * What the example policy must ask, at least: `aal3` a hardware key (critical: the node or the
 * cluster), `fresh` two factors more recent than the everyday sign-in (elevated).
 */
export type Need = 'aal3' | 'fresh';

export interface Control {
  /** The PSS control, as the standard names it. */
  pss: string;
  what: string;
  /** The guardrail the decision must name. */
  code: string;
  need: Need;
  /** `container`: set on one container (each list in turn); `pod`: on the pod spec or its metadata. */
  on: 'container' | 'pod';
  /** Pod-level fields an operator's own pod format has no place for (Argo's workflow, Tekton's podTemplate): sent there through podSpecPatch only. */
  podOnly?: readonly string[];
  set(p: PodParts): void;
}

const sc = (c: Doc): Doc => (c.securityContext ??= {}) as Doc;
const podSc = (s: Doc): Doc => (s.securityContext ??= {}) as Doc;
const annotate = (m: Doc, key: string, value: string) => {
  m.annotations = { ...(m.annotations as Doc | undefined), [key]: value };
};
const caps = (add: string[]) => (p: PodParts) => {
  sc(p.container).capabilities = { add };
};
const volume = (source: Doc) => (p: PodParts) => {
  p.spec.volumes = [{ name: 'v', ...source }];
};

export const CONTROLS: readonly Control[] = [
  // --- Baseline ------------------------------------------------------------------------------
  { pss: 'HostProcess', what: 'container windowsOptions.hostProcess', code: 'host_process', need: 'aal3', on: 'container', set: (p) => void (sc(p.container).windowsOptions = { hostProcess: true }) },
  { pss: 'HostProcess', what: 'pod windowsOptions.hostProcess', code: 'host_process', need: 'aal3', on: 'pod', set: (p) => void Object.assign(p.spec, { hostNetwork: true, securityContext: { windowsOptions: { hostProcess: true, runAsUserName: 'NT AUTHORITY\\SYSTEM' } } }) },
  { pss: 'Host Namespaces', what: 'hostNetwork', code: 'host_namespace', need: 'aal3', on: 'pod', set: (p) => void (p.spec.hostNetwork = true) },
  { pss: 'Host Namespaces', what: 'hostPID', code: 'host_namespace', need: 'aal3', on: 'pod', podOnly: ['hostPID'], set: (p) => void (p.spec.hostPID = true) },
  { pss: 'Host Namespaces', what: 'hostIPC', code: 'host_namespace', need: 'aal3', on: 'pod', podOnly: ['hostIPC'], set: (p) => void (p.spec.hostIPC = true) },
  { pss: 'Privileged Containers', what: 'privileged', code: 'privileged_container', need: 'aal3', on: 'container', set: (p) => void (sc(p.container).privileged = true) },
  {
    pss: 'Privileged Containers',
    what: 'shareProcessNamespace with a privileged sidecar',
    code: 'privileged_container',
    need: 'aal3',
    on: 'pod',
    podOnly: ['shareProcessNamespace', 'containers'],
    set: (p) => {
      p.spec.shareProcessNamespace = true;
      p.spec.containers = [...((p.spec.containers as Doc[] | undefined) ?? []), { name: 'debug', image: 'busybox:1.36', securityContext: { privileged: true } }];
    },
  },
  ...['SYS_ADMIN', 'NET_ADMIN', 'SYS_PTRACE', 'SYS_MODULE', 'DAC_READ_SEARCH', 'BPF', 'ALL', 'sys_admin', 'CAP_SYS_ADMIN'].map<Control>((cap) => ({ pss: 'Capabilities', what: `capabilities.add ${cap}`, code: 'capability_added', need: 'aal3', on: 'container', set: caps([cap]) })),
  { pss: 'Capabilities', what: 'capabilities.add NET_RAW (outside the baseline set)', code: 'capability_beyond_baseline', need: 'fresh', on: 'container', set: caps(['NET_RAW']) },
  { pss: 'Capabilities', what: 'capabilities.add SYS_RESOURCE, AUDIT_CONTROL (outside the baseline set)', code: 'capability_beyond_baseline', need: 'fresh', on: 'container', set: caps(['SYS_RESOURCE', 'AUDIT_CONTROL']) },
  { pss: 'HostPath Volumes', what: 'hostPath /', code: 'host_path_volume', need: 'aal3', on: 'pod', set: volume({ hostPath: { path: '/' } }) },
  { pss: 'HostPath Volumes', what: 'hostPath the container runtime socket', code: 'host_path_volume', need: 'aal3', on: 'pod', set: volume({ hostPath: { path: '/run/containerd/containerd.sock', type: 'Socket' } }) },
  { pss: 'Host Ports', what: 'hostPort 443', code: 'host_port', need: 'fresh', on: 'container', set: (p) => void (p.container.ports = [{ containerPort: 8443, hostPort: 443, protocol: 'TCP' }]) },
  { pss: 'Host Probes / Lifecycle Hooks', what: 'livenessProbe httpGet.host at the metadata address', code: 'probe_host', need: 'fresh', on: 'container', set: (p) => void (p.container.livenessProbe = { httpGet: { host: '169.254.169.254', path: '/latest/meta-data/iam/security-credentials/', port: 80 } }) },
  { pss: 'Host Probes / Lifecycle Hooks', what: 'postStart tcpSocket.host', code: 'probe_host', need: 'fresh', on: 'container', set: (p) => void (p.container.lifecycle = { postStart: { tcpSocket: { host: '10.96.0.1', port: 443 } } }) },
  { pss: 'AppArmor', what: 'container appArmorProfile Unconfined', code: 'apparmor_unconfined', need: 'fresh', on: 'container', set: (p) => void (sc(p.container).appArmorProfile = { type: 'Unconfined' }) },
  { pss: 'AppArmor', what: 'pod appArmorProfile Unconfined', code: 'apparmor_unconfined', need: 'fresh', on: 'pod', set: (p) => void (podSc(p.spec).appArmorProfile = { type: 'Unconfined' }) },
  { pss: 'AppArmor', what: 'annotation container.apparmor…/app: unconfined', code: 'apparmor_unconfined', need: 'fresh', on: 'pod', set: (p) => annotate(p.meta, `container.apparmor.security.beta.kubernetes.io/${String(p.container.name)}`, 'unconfined') },
  { pss: 'SELinux', what: 'container seLinuxOptions.type spc_t', code: 'selinux_custom', need: 'fresh', on: 'container', set: (p) => void (sc(p.container).seLinuxOptions = { type: 'spc_t' }) },
  { pss: 'SELinux', what: 'pod seLinuxOptions.type unconfined_t', code: 'selinux_custom', need: 'fresh', on: 'pod', set: (p) => void (podSc(p.spec).seLinuxOptions = { type: 'unconfined_t' }) },
  { pss: 'SELinux', what: 'container seLinuxOptions user and role', code: 'selinux_custom', need: 'fresh', on: 'container', set: (p) => void (sc(p.container).seLinuxOptions = { user: 'system_u', role: 'system_r' }) },
  { pss: '/proc Mount Type', what: 'procMount Unmasked', code: 'proc_mount_unmasked', need: 'fresh', on: 'container', set: (p) => void (sc(p.container).procMount = 'Unmasked') },
  { pss: 'Seccomp', what: 'container seccompProfile Unconfined', code: 'seccomp_unconfined', need: 'fresh', on: 'container', set: (p) => void (sc(p.container).seccompProfile = { type: 'Unconfined' }) },
  { pss: 'Seccomp', what: 'pod seccompProfile Unconfined', code: 'seccomp_unconfined', need: 'fresh', on: 'pod', set: (p) => void (podSc(p.spec).seccompProfile = { type: 'Unconfined' }) },
  { pss: 'Seccomp', what: 'annotation seccomp…/pod: unconfined', code: 'seccomp_unconfined', need: 'fresh', on: 'pod', set: (p) => annotate(p.meta, 'seccomp.security.alpha.kubernetes.io/pod', 'unconfined') },
  { pss: 'Seccomp', what: 'annotation container.seccomp…/app: unconfined', code: 'seccomp_unconfined', need: 'fresh', on: 'pod', set: (p) => annotate(p.meta, `container.seccomp.security.alpha.kubernetes.io/${String(p.container.name)}`, 'unconfined') },
  { pss: 'Sysctls', what: 'sysctl kernel.msgmax', code: 'unsafe_sysctl', need: 'fresh', on: 'pod', set: (p) => void (podSc(p.spec).sysctls = [{ name: 'kernel.msgmax', value: '65536' }]) },
  { pss: 'Sysctls', what: 'sysctl net.core.somaxconn (unsafe, namespaced)', code: 'unsafe_sysctl', need: 'fresh', on: 'pod', set: (p) => void (podSc(p.spec).sysctls = [{ name: 'net.ipv4.tcp_syncookies', value: '1' }, { name: 'net.core.somaxconn', value: '4096' }]) },
  // --- Restricted, where it is an escalation rather than hygiene --------------------------------
  { pss: 'Privilege Escalation', what: 'allowPrivilegeEscalation: true', code: 'privilege_escalation', need: 'fresh', on: 'container', set: (p) => void (sc(p.container).allowPrivilegeEscalation = true) },
  { pss: 'Privilege Escalation', what: 'allowPrivilegeEscalation: true with SYS_ADMIN', code: 'capability_added', need: 'aal3', on: 'container', set: (p) => void Object.assign(sc(p.container), { allowPrivilegeEscalation: true, capabilities: { add: ['SYS_ADMIN'] } }) },
  { pss: 'Running as Non-root user', what: 'container runAsUser: 0', code: 'run_as_root', need: 'fresh', on: 'container', set: (p) => void (sc(p.container).runAsUser = 0) },
  { pss: 'Running as Non-root user', what: 'pod runAsUser: 0', code: 'run_as_root', need: 'fresh', on: 'pod', set: (p) => void (podSc(p.spec).runAsUser = 0) },
  {
    pss: 'Running as Non-root user',
    what: 'runAsUser: 0, seccomp and AppArmor Unconfined, escalation allowed',
    code: 'seccomp_unconfined',
    need: 'fresh',
    on: 'container',
    set: (p) => void Object.assign(sc(p.container), { runAsUser: 0, runAsNonRoot: false, allowPrivilegeEscalation: true, seccompProfile: { type: 'Unconfined' }, appArmorProfile: { type: 'Unconfined' } }),
  },
  { pss: 'Running as Non-root user', what: 'runAsUser: 0 with SYS_PTRACE', code: 'capability_added', need: 'aal3', on: 'container', set: (p) => void Object.assign(sc(p.container), { runAsUser: 0, capabilities: { add: ['SYS_PTRACE'] } }) },
  // Volume types: a source that reaches the node, or storage the pod names itself past any claim.
  { pss: 'Volume Types', what: 'gitRepo volume', code: 'git_repo_volume', need: 'aal3', on: 'pod', set: volume({ gitRepo: { repository: 'https://git.example.net/x/hooks.git' } }) },
  { pss: 'Volume Types', what: 'nfs volume (a storage export by address)', code: 'network_volume', need: 'fresh', on: 'pod', set: volume({ nfs: { server: '10.40.0.5', path: '/exports/prod-orders' } }) },
  { pss: 'Volume Types', what: 'iscsi volume (a LUN by portal and IQN)', code: 'network_volume', need: 'fresh', on: 'pod', set: volume({ iscsi: { targetPortal: '10.40.0.9:3260', iqn: 'iqn.2024-01.net.example:prod-db', lun: 0, fsType: 'ext4' } }) },
  { pss: 'Volume Types', what: 'rbd volume (a Ceph image)', code: 'network_volume', need: 'fresh', on: 'pod', set: volume({ rbd: { monitors: ['10.40.0.11:6789'], image: 'prod-db', pool: 'rbd', user: 'admin' } }) },
  { pss: 'Volume Types', what: 'flexVolume (a driver the kubelet runs on the node)', code: 'network_volume', need: 'fresh', on: 'pod', set: volume({ flexVolume: { driver: 'example.com/cifs', options: { source: '//10.40.0.7/finance' } } }) },
];

/** A container list a control can be set in, as each kind names it. */
export type List = 'containers' | 'initContainers' | 'ephemeralContainers';

export interface Kind {
  /** A name for the table (a kind, or a kind and the field it is sent through). */
  name: string;
  kind: string;
  apiVersion: string;
  resource: string;
  /** Built-in: Kubernetes' own API (strategic merge patches and protobuf bodies exist). */
  builtin: boolean;
  /** The container lists this kind's pods can take a container in. */
  lists: readonly List[];
  /** Pod-level fields this kind's pod format has; a control setting another is not sent in it (undefined: every PodSpec field). */
  podFields?: readonly string[];
  /** The document for a pod's parts: a whole object, or the part a patch sets. */
  wrap(p: PodParts, name: string): Doc;
}

const labels = (name: string) => ({ app: name });
const template = (p: PodParts, name: string) => ({ metadata: { labels: labels(name), ...p.meta }, spec: p.spec });
const CONTAINER_LISTS = ['containers', 'initContainers', 'ephemeralContainers'];

/** Argo Workflows: a WorkflowSpec's pod-level fields, its one template holding the container, the pod's annotations in the template's metadata. */
function workflow(p: PodParts, patch: boolean): Doc {
  const { containers, initContainers, ...podLevel } = p.spec;
  const tpl: Doc = { name: 'main', ...(Object.keys(p.meta).length > 0 ? { metadata: p.meta } : {}) };
  const list = (containers ?? []) as Doc[];
  if (!patch) {
    if (list[0]) tpl.container = list[0];
    if (initContainers) tpl.initContainers = initContainers;
    return { spec: { entrypoint: 'main', ...podLevel, templates: [tpl] } };
  }
  // podSpecPatch: a pod spec in a string, merged by the controller over the pod it builds
  // (containers by name: `main` is the template's container).
  tpl.container = { name: 'main', image: 'registry.example.com/shop/api:2.4.1' };
  const merged: Doc = { ...podLevel, ...(list.length > 0 ? { containers: list.map((c) => (c.name === 'app' ? { ...c, name: 'main', image: undefined } : c)) } : {}), ...(initContainers ? { initContainers } : {}) };
  return { spec: { entrypoint: 'main', podSpecPatch: JSON.stringify(merged), templates: [tpl] } };
}

export const KINDS: readonly Kind[] = [
  { name: 'Pod', kind: 'Pod', apiVersion: 'v1', resource: 'pods', builtin: true, lists: ['containers', 'initContainers', 'ephemeralContainers'], wrap: (p) => ({ metadata: p.meta, spec: p.spec }) },
  { name: 'PodTemplate', kind: 'PodTemplate', apiVersion: 'v1', resource: 'podtemplates', builtin: true, lists: ['containers', 'initContainers'], wrap: (p, n) => ({ template: template(p, n) }) },
  { name: 'ReplicationController', kind: 'ReplicationController', apiVersion: 'v1', resource: 'replicationcontrollers', builtin: true, lists: ['containers', 'initContainers'], wrap: (p, n) => ({ spec: { replicas: 1, selector: labels(n), template: template(p, n) } }) },
  ...(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'] as const).map<Kind>((kind) => ({
    name: kind,
    kind,
    apiVersion: 'apps/v1',
    resource: `${kind.toLowerCase()}s`,
    builtin: true,
    lists: ['containers', 'initContainers'],
    wrap: (p, n) => ({ spec: { ...(kind === 'StatefulSet' ? { serviceName: n } : {}), selector: { matchLabels: labels(n) }, template: template(p, n) } }),
  })),
  { name: 'Job', kind: 'Job', apiVersion: 'batch/v1', resource: 'jobs', builtin: true, lists: ['containers', 'initContainers'], wrap: (p, n) => ({ spec: { backoffLimit: 0, template: template(p, n) } }) },
  { name: 'CronJob', kind: 'CronJob', apiVersion: 'batch/v1', resource: 'cronjobs', builtin: true, lists: ['containers', 'initContainers'], wrap: (p, n) => ({ spec: { schedule: '*/5 * * * *', jobTemplate: { spec: { template: template(p, n) } } } }) },
  { name: 'Argo Rollout', kind: 'Rollout', apiVersion: 'argoproj.io/v1alpha1', resource: 'rollouts', builtin: false, lists: ['containers', 'initContainers'], wrap: (p, n) => ({ spec: { replicas: 2, selector: { matchLabels: labels(n) }, template: template(p, n), strategy: { canary: { steps: [{ setWeight: 20 }, { pause: {} }] } } } }) },
  { name: 'Knative Service', kind: 'Service', apiVersion: 'serving.knative.dev/v1', resource: 'services', builtin: false, lists: ['containers'], wrap: (p, n) => ({ spec: { template: template(p, n) } }) },
  { name: 'Argo Workflow', kind: 'Workflow', apiVersion: 'argoproj.io/v1alpha1', resource: 'workflows', builtin: false, lists: ['containers', 'initContainers'], podFields: ['hostNetwork', 'securityContext', 'volumes'], wrap: (p) => workflow(p, false) },
  { name: 'Argo Workflow podSpecPatch', kind: 'Workflow', apiVersion: 'argoproj.io/v1alpha1', resource: 'workflows', builtin: false, lists: ['containers', 'initContainers'], wrap: (p) => workflow(p, true) },
  {
    name: 'Tekton TaskRun',
    kind: 'TaskRun',
    apiVersion: 'tekton.dev/v1',
    resource: 'taskruns',
    builtin: false,
    lists: ['containers', 'initContainers'],
    podFields: ['hostNetwork', 'securityContext', 'volumes'],
    // Steps are the containers and sidecars start beside them (the init list's place here); the
    // pod's own fields are the podTemplate's; the TaskRun's annotations are copied onto its pod.
    wrap: (p) => {
      const { containers, initContainers, ...podLevel } = p.spec;
      const taskSpec: Doc = {};
      if (containers) taskSpec.steps = containers;
      if (initContainers) taskSpec.sidecars = initContainers;
      return { ...(Object.keys(p.meta).length > 0 ? { metadata: p.meta } : {}), spec: { ...(Object.keys(taskSpec).length > 0 ? { taskSpec } : {}), ...(Object.keys(podLevel).length > 0 ? { podTemplate: podLevel } : {}) } };
    },
  },
];

/** Whether a kind's pod format has a place for everything the control sets. */
export function expressible(c: Control, kind: Kind, list: List): boolean {
  if (c.on === 'container') return kind.lists.includes(list);
  if (list !== 'containers') return false;
  if (!kind.podFields) return true;
  const set = Object.keys(podOf(c, kind, 'containers', false).spec);
  return set.every((f) => kind.podFields!.includes(f) || (CONTAINER_LISTS.includes(f) && !(c.podOnly ?? []).includes(f)));
}

/**
 * The control's pod: `whole` an ordinary workload around it (image, command, resources), or only
 * what the control sets (the body a patch sends). `list` is where a container-level control goes.
 * `bare`: a custom kind's container without its image too (a JSON patch of a template that exists).
 */
export function podOf(c: Control | undefined, kind: Kind, list: List, whole: boolean, bare = false): PodParts {
  const image = 'registry.example.com/shop/api:2.4.1';
  const container: Doc = whole ? { name: 'app', image, command: ['/app/server'], resources: { requests: { cpu: '100m', memory: '128Mi' } } } : { name: 'app', ...(kind.builtin || bare ? {} : { image }) };
  const spec: Doc = {};
  const p: PodParts = { meta: {}, spec, container };
  if (whole) {
    spec.containers = [list === 'containers' ? container : { name: list === 'ephemeralContainers' ? 'web' : 'main', image }];
    if (list !== 'containers') spec[list] = [container];
  } else if (c?.on === 'container') {
    spec[list] = [container];
  }
  c?.set(p);
  return p;
}

export const yamlOf = (doc: Doc): string => stringify(doc);

/** RFC 6902 `add` operations that set every leaf of `doc` (what `kubectl patch --type=json` of the fields sends). */
export function jsonPatchOf(doc: unknown, path = ''): { op: 'add'; path: string; value: unknown }[] {
  if (doc === null || typeof doc !== 'object' || (Array.isArray(doc) ? doc.length === 0 : Object.keys(doc).length === 0)) return [{ op: 'add', path, value: doc }];
  const entries: [string, unknown][] = Array.isArray(doc) ? doc.map((v, i) => [String(i), v]) : Object.entries(doc);
  return entries.flatMap(([k, v]) => jsonPatchOf(v, `${path}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`));
}
