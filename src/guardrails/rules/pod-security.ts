import { BASELINE_CAPABILITIES, type GuardrailCode } from '../../config/guardrail-codes.js';
import { UNKNOWN_VALUE } from '../parse.js';
import { normaliseCapability } from '../settings.js';
import { arrayOf, isObject, stringsOf, type Json } from '../types.js';
import { checkProjectedCloudToken } from './cloud-identities.js';
import { checkCommand } from './commands.js';
import { checkAgentEnv } from './telemetry-env.js';
import { uploadsOutside } from './uploads.js';
import type { RuleContext } from './context.js';
import { checkDeviceEnv } from './devices.js';
import { checkImage } from './images.js';
import { checkSecretStorePaths, checkUnseenAnnotations } from './secret-store-paths.js';

/**
 * Runtime controls: every control of the Pod Security Standards, read from a pod spec wherever the
 * workload keeps it (see workloads.ts), for containers, init containers and ephemeral containers.
 *
 * Baseline controls flag only what is explicitly set: an absent field is the default, which for
 * each of them is the allowed value. The restricted profile also requires fields to be set
 * (runAsNonRoot, seccomp, allowPrivilegeEscalation: false, drop ALL); those checks run only in
 * `guardrails.restricted_namespaces`, and only on whole objects, because a patch does not show the
 * fields it leaves alone. A patch that sets one of them to null (a merge-patch removal) is flagged.
 */

export const CONTAINER_LISTS = ['containers', 'initContainers', 'ephemeralContainers'] as const;

/**
 * A container and where it is. Its path and name are built only when a violation needs them: a
 * body can hold hundreds of thousands of (empty) containers, and two strings for each would cost
 * more than reading the body.
 */
export class ContainerAt {
  private cachedPath: string | undefined;
  constructor(
    readonly container: Json,
    private readonly specPath: string,
    private readonly list: string,
    private readonly index: number,
  ) {}

  get path(): string {
    return (this.cachedPath ??= `${this.specPath}.${this.list}[${this.index}]`);
  }

  /** ` "name"` for details, or '' when the container has none. */
  get name(): string {
    return nameOf(this.container);
  }
}

export function containersOf(spec: Json, specPath: string): ContainerAt[] {
  const found: ContainerAt[] = [];
  for (const list of CONTAINER_LISTS) {
    const items = arrayOf(spec[list]);
    for (let i = 0; i < items.length; i++) {
      const c = items[i];
      if (isObject(c)) found.push(new ContainerAt(c, specPath, list, i));
    }
  }
  return found;
}

const HOST_NAMESPACES = ['hostNetwork', 'hostPID', 'hostIPC'] as const;

/** PSS baseline "Sysctls": the safe set, as of Kubernetes 1.32. */
export const SAFE_SYSCTLS: ReadonlySet<string> = new Set([
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
  'net.ipv4.tcp_rmem',
  'net.ipv4.tcp_wmem',
]);

/** PSS baseline "SELinux": the types a pod may ask for (empty is the runtime's default). */
const SELINUX_TYPES: ReadonlySet<string> = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t']);

/** PSS restricted "Volume Types": the only volume sources allowed. */
export const RESTRICTED_VOLUME_TYPES: ReadonlySet<string> = new Set([
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
]);

/**
 * Volume sources the kubelet mounts or attaches from a server, LUN or disk named in the pod spec
 * itself (an NFS export by address, an iSCSI target, a Ceph image, a cloud disk by its id), or
 * through a FlexVolume driver it runs on the node with the pod's options. Storage systems trust
 * the node, so the pod reaches any export or disk the node can, another namespace's included.
 * A claim, CSI (its driver decides), an image volume and the restricted profile's types are not here.
 */
export const NETWORK_VOLUME_TYPES: ReadonlySet<string> = new Set([
  'nfs',
  'iscsi',
  'rbd',
  'cephfs',
  'glusterfs',
  'fc',
  'flexVolume',
  'flocker',
  'cinder',
  'azureFile',
  'azureDisk',
  'vsphereVolume',
  'quobyte',
  'photonPersistentDisk',
  'portworxVolume',
  'scaleIO',
  'storageos',
  'gcePersistentDisk',
  'awsElasticBlockStore',
]);

/**
 * CSI drivers whose inline (ephemeral) volume is one of those by another name: the pod's
 * `csi.volumeAttributes` say which server and share the node mounts (csi-driver-nfs's `server` and
 * `share`, csi-driver-smb's `source`, Azure File's and Blob's account and share, for which the
 * driver falls back to the kubelet's own identity when the pod names no Secret). Other drivers'
 * inline volumes (Secrets Store, cert-manager's csi-driver, an image) mount what the namespace has.
 */
export const NETWORK_CSI_DRIVERS: ReadonlySet<string> = new Set(['nfs.csi.k8s.io', 'smb.csi.k8s.io', 'file.csi.azure.com', 'blob.csi.azure.com']);

const CONFINED = new Set(['RuntimeDefault', 'Localhost']);
const APPARMOR_ANNOTATION = 'container.apparmor.security.beta.kubernetes.io/';
const SECCOMP_POD_ANNOTATION = 'seccomp.security.alpha.kubernetes.io/pod';
const SECCOMP_CONTAINER_ANNOTATION = 'container.seccomp.security.alpha.kubernetes.io/';
const PROBES = ['livenessProbe', 'readinessProbe', 'startupProbe'] as const;
const HOOKS = ['postStart', 'preStop'] as const;

function push(ctx: RuleContext, code: GuardrailCode, detail: string, path: string): void {
  ctx.out.push({ code, detail, path });
}

function nameOf(container: Json): string {
  return typeof container.name === 'string' ? ` ${JSON.stringify(container.name.slice(0, 63))}` : '';
}

/**
 * `meta` is the pod's metadata (the template's for a workload): AppArmor and the legacy seccomp
 * settings can be annotations there.
 */
export function checkPodSecurity(spec: Json, specPath: string, ctx: RuleContext, meta?: Json, metaPath?: string): readonly ContainerAt[] {
  const { settings } = ctx;
  for (const field of HOST_NAMESPACES) {
    if (spec[field] === true) push(ctx, 'host_namespace', `${field}: true shares the node's namespace with the pod`, `${specPath}.${field}`);
  }
  const volumes = arrayOf(spec.volumes);
  for (let i = 0; i < volumes.length; i++) {
    const v = volumes[i];
    if (isObject(v) && isObject(v.hostPath)) {
      const p = typeof v.hostPath.path === 'string' ? ` (${v.hostPath.path.slice(0, 200)})` : '';
      push(ctx, 'host_path_volume', `hostPath volume${p} mounts a node directory`, `${specPath}.volumes[${i}].hostPath`);
    } else if (isObject(v) && v.gitRepo !== undefined && v.gitRepo !== null) {
      // The kubelet clones the repository on the node, as root, before any container starts:
      // CVE-2024-10220 ran the repository's hooks there. Pod Security's baseline does not list
      // it, and every kubelet before 1.33 (KEP-5040 switched the driver off by default) runs it.
      push(ctx, 'git_repo_volume', 'gitRepo volume: the kubelet runs git on the node for it (CVE-2024-10220)', `${specPath}.volumes[${i}].gitRepo`);
    } else if (isObject(v)) {
      // The node mounts or attaches what the pod names, with the node's own address and
      // credentials: what a PersistentVolume written by hand hands out (the example's
      // volume-writes), without one.
      for (const key of Object.keys(v)) {
        if (NETWORK_VOLUME_TYPES.has(key) && v[key] !== null) {
          push(ctx, 'network_volume', `${key} volume: the node mounts storage the pod names itself, not through a claim`, `${specPath}.volumes[${i}].${key}`);
        }
      }
      checkProjectedCloudToken(v, `${specPath}.volumes[${i}]`, ctx);
      // An image volume (KEP-4639, feature gate ImageVolume: alpha in 1.31, beta from 1.33) is an
      // image the kubelet pulls as it pulls a container's, with the same pull secrets: a registry
      // the site does not list reaches the node through it as surely as by `containers[].image`.
      if (isObject(v.image) && typeof v.image.reference === 'string') checkImage(v.image.reference, `${specPath}.volumes[${i}].image.reference`, ctx);
      const driver = isObject(v.csi) ? v.csi.driver : undefined;
      if (typeof driver === 'string' && NETWORK_CSI_DRIVERS.has(driver)) {
        push(ctx, 'network_volume', `csi volume (driver ${driver}): the node mounts the share the pod names itself, not through a claim`, `${specPath}.volumes[${i}].csi`);
      }
    }
  }

  const podContext = isObject(spec.securityContext) ? spec.securityContext : undefined;
  const podPath = `${specPath}.securityContext`;
  const podUser = podContext?.runAsUser;
  const containers = containersOf(spec, specPath);
  // A pod-level runAsUser: 0 is root for every container that does not set its own user. In a
  // patch the other containers are not visible, so the pod-level setting counts on its own.
  if (podUser === 0 && (ctx.partial || containers.length === 0 || containers.some(({ container }) => userOf(container) === undefined))) {
    push(ctx, 'run_as_root', 'runAsUser: 0 at pod level runs containers as root', `${podPath}.runAsUser`);
  }
  if (podContext) {
    checkCommonContext(podContext, 'the pod', podPath, ctx);
    for (const [i, s] of arrayOf(podContext.sysctls).entries()) {
      const name = isObject(s) && typeof s.name === 'string' ? s.name : undefined;
      if (name !== undefined && !SAFE_SYSCTLS.has(name)) {
        push(ctx, 'unsafe_sysctl', `sysctl ${name.slice(0, 100)} is not in the safe set`, `${podPath}.sysctls[${i}].name`);
      }
    }
  }
  if (meta) checkPodAnnotations(meta, metaPath ?? 'metadata', ctx);

  // guardrails.upload_hosts' pass over each container's command (data_upload_outside); none without a list.
  const uploads = uploadsOutside(ctx.settings.uploadAllowed);
  for (const at of containers) {
    const container = at.container;
    checkPorts(at, ctx);
    checkHostHandlers(at, ctx);
    checkDeviceEnv(container, at.path, at.name, ctx);
    checkSubPaths(at, ctx);
    checkCommand(at, ctx, spec, uploads);
    checkAgentEnv(container, at.path, at.name, ctx);
    const sc = isObject(container.securityContext) ? container.securityContext : undefined;
    if (!sc) continue;
    const name = at.name;
    const scPath = `${at.path}.securityContext`;
    if (sc.privileged === true) push(ctx, 'privileged_container', `container${name} is privileged`, `${scPath}.privileged`);
    if (sc.allowPrivilegeEscalation === true) {
      push(ctx, 'privilege_escalation', `container${name} sets allowPrivilegeEscalation: true`, `${scPath}.allowPrivilegeEscalation`);
    }
    const caps = isObject(sc.capabilities) ? stringsOf(sc.capabilities.add) : [];
    const dangerous = caps.filter((c) => settings.dangerousCapabilities.has(normaliseCapability(c)));
    if (dangerous.length > 0) {
      push(ctx, 'capability_added', `container${name} adds ${dangerous.map((c) => c.slice(0, 40)).join(', ')}`, `${scPath}.capabilities.add`);
    }
    const beyond = caps.filter((c) => !settings.dangerousCapabilities.has(normaliseCapability(c)) && !BASELINE_CAPABILITIES.has(normaliseCapability(c)));
    if (beyond.length > 0) {
      push(ctx, 'capability_beyond_baseline', `container${name} adds ${beyond.map((c) => c.slice(0, 40)).join(', ')}, outside the baseline set`, `${scPath}.capabilities.add`);
    }
    if (sc.runAsUser === 0) push(ctx, 'run_as_root', `container${name} sets runAsUser: 0`, `${scPath}.runAsUser`);
    if (typeof sc.procMount === 'string' && sc.procMount !== 'Default') {
      push(ctx, 'proc_mount_unmasked', `container${name} sets procMount: ${sc.procMount.slice(0, 40)}`, `${scPath}.procMount`);
    }
    checkCommonContext(sc, `container${name}`, scPath, ctx);
  }

  if (settings.restrictedNamespace(ctx.namespace)) checkRestricted(spec, specPath, podContext, containers, ctx);
  return containers;
}

/**
 * subpath_injection: a volume mount's `subPath`, or its `subPathExpr` as the kubelet expands it,
 * holding what a shell reads as code. The kubelet on Windows nodes wrote the path into a
 * PowerShell command line it ran as SYSTEM (CVE-2023-3676, and CVE-2023-3955 and the
 * kubernetes-csi-proxy's CVE-2023-3893 by the same paths): `subPath: "$(Start-Process …)"` ran on
 * the node. A subPath names a file or directory inside the volume (`nginx.conf`, `pgdata`), and no
 * pod that works holds a quote, `$`, a backtick, `;`, `&`, `|`, a redirection, a bracket, `%`, `^`
 * or a line break in one; kube's own validation refuses only absolute paths and `..`.
 * `$(VAR)` in a subPathExpr is kube's expansion of the container's variable: taken out, and the
 * value the request gives that variable (`env[].value`) is read instead. A value from a ConfigMap
 * or Secret is not in the request (docs/guardrails.md).
 */
const SHELL_TEXT = /[$`'"&|;<>()%^\n\r]/;
/** kube's `$(VAR)` reference (expansion.go), `$$` its escape; a name as kube validates env names. */
const VAR_REF = /\$\$|\$\(([-._a-zA-Z][-._a-zA-Z0-9]*)\)/g;

function checkSubPaths(at: ContainerAt, ctx: RuleContext): void {
  const mounts = arrayOf(at.container.volumeMounts);
  for (let i = 0; i < mounts.length; i++) {
    const m = mounts[i];
    if (!isObject(m)) continue;
    const sub = m.subPath;
    if (typeof sub === 'string' && sub !== '' && (sub === UNKNOWN_VALUE || SHELL_TEXT.test(sub))) {
      pushSubPath(ctx, at, i, 'subPath', sub);
    }
    const expr = m.subPathExpr;
    if (typeof expr !== 'string' || expr === '') continue;
    if (expr === UNKNOWN_VALUE || SHELL_TEXT.test(expr.replace(VAR_REF, ''))) {
      pushSubPath(ctx, at, i, 'subPathExpr', expr);
      continue;
    }
    for (const ref of expr.matchAll(VAR_REF)) {
      const value = ref[1] === undefined ? undefined : envValue(at.container, ref[1]);
      if (value !== undefined && (value === UNKNOWN_VALUE || SHELL_TEXT.test(value.replace(VAR_REF, '')))) {
        pushSubPath(ctx, at, i, 'subPathExpr', `${expr} (${ref[1]}=${value})`);
        break;
      }
    }
  }
}

/** The literal value the container's env gives `name` (the last entry wins, as kube's does). */
function envValue(container: Json, name: string): string | undefined {
  let value: string | undefined;
  for (const e of arrayOf(container.env)) if (isObject(e) && e.name === name && typeof e.value === 'string') value = e.value;
  return value;
}

function pushSubPath(ctx: RuleContext, at: ContainerAt, i: number, field: 'subPath' | 'subPathExpr', text: string): void {
  const shown = text === UNKNOWN_VALUE ? 'a value the patch copies from elsewhere' : JSON.stringify(text.slice(0, 120));
  push(ctx, 'subpath_injection', `container${at.name} mounts a volume at ${field} ${shown}, which a Windows node's kubelet runs as part of a command (CVE-2023-3676)`, `${at.path}.volumeMounts[${i}].${field}`);
}

/** Fields a pod and a container security context share: hostProcess, seccomp, AppArmor, SELinux. */
function checkCommonContext(sc: Json, who: string, scPath: string, ctx: RuleContext): void {
  if (isObject(sc.windowsOptions) && sc.windowsOptions.hostProcess === true) {
    push(ctx, 'host_process', `${who} runs as a Windows HostProcess container`, `${scPath}.windowsOptions.hostProcess`);
  }
  if (isObject(sc.seccompProfile) && sc.seccompProfile.type === 'Unconfined') {
    push(ctx, 'seccomp_unconfined', `${who} sets seccomp profile Unconfined`, `${scPath}.seccompProfile.type`);
  }
  if (isObject(sc.appArmorProfile) && typeof sc.appArmorProfile.type === 'string' && !CONFINED.has(sc.appArmorProfile.type)) {
    push(ctx, 'apparmor_unconfined', `${who} sets AppArmor profile ${sc.appArmorProfile.type.slice(0, 40)}`, `${scPath}.appArmorProfile.type`);
  }
  const se = isObject(sc.seLinuxOptions) ? sc.seLinuxOptions : undefined;
  if (se) {
    if (typeof se.type === 'string' && !SELINUX_TYPES.has(se.type)) {
      push(ctx, 'selinux_custom', `${who} sets SELinux type ${se.type.slice(0, 60)}`, `${scPath}.seLinuxOptions.type`);
    }
    for (const f of ['user', 'role'] as const) {
      if (typeof se[f] === 'string' && se[f] !== '') push(ctx, 'selinux_custom', `${who} sets SELinux ${f} ${se[f].slice(0, 60)}`, `${scPath}.seLinuxOptions.${f}`);
    }
  }
}

/** AppArmor and legacy seccomp settings in the pod's (or the template's) annotations. */
export function checkPodAnnotations(meta: Json, metaPath: string, ctx: RuleContext): void {
  const annotations = meta.annotations;
  const path = `${metaPath}.annotations`;
  if (annotations === UNKNOWN_VALUE) {
    // A JSON patch's copy or move over the whole annotations: any key with any value, an AppArmor
    // or seccomp profile of unconfined among them.
    push(ctx, 'apparmor_unconfined', 'the patch sets the annotations to a value copied from elsewhere, which may set an AppArmor profile of unconfined', path);
    push(ctx, 'seccomp_unconfined', 'the patch sets the annotations to a value copied from elsewhere, which may set seccomp unconfined', path);
    checkUnseenAnnotations(path, ctx);
  }
  if (!isObject(annotations)) return;
  for (const [key, value] of Object.entries(annotations)) {
    if (typeof value !== 'string') continue;
    const at = `${path}[${JSON.stringify(key.slice(0, 120))}]`;
    if (key.startsWith(APPARMOR_ANNOTATION) && value !== 'runtime/default' && !value.startsWith('localhost/')) {
      push(ctx, 'apparmor_unconfined', `annotation ${key.slice(0, 120)} sets AppArmor profile ${value === UNKNOWN_VALUE ? 'to a value copied from elsewhere, unconfined among them' : value.slice(0, 60)}`, at);
    }
    if ((key === SECCOMP_POD_ANNOTATION || key.startsWith(SECCOMP_CONTAINER_ANNOTATION)) && (value === 'unconfined' || value === UNKNOWN_VALUE)) {
      push(ctx, 'seccomp_unconfined', `annotation ${key.slice(0, 120)} sets seccomp ${value === UNKNOWN_VALUE ? 'to a value copied from elsewhere, unconfined among them' : 'unconfined'}`, at);
    }
  }
  checkSecretStorePaths(annotations, path, ctx);
}

function checkPorts(at: ContainerAt, ctx: RuleContext): void {
  const ports = at.container.ports;
  if (!Array.isArray(ports)) return;
  for (let i = 0; i < ports.length; i++) {
    const p: unknown = ports[i];
    if (isObject(p) && typeof p.hostPort === 'number' && p.hostPort !== 0) {
      push(ctx, 'host_port', `container${at.name} binds host port ${p.hostPort}`, `${at.path}.ports[${i}].hostPort`);
    }
  }
}

/** PSS baseline "Host Probes / Lifecycle Hooks" (1.34): a probe or hook aimed at another host makes the kubelet a proxy. */
function checkHostHandlers(at: ContainerAt, ctx: RuleContext): void {
  const container = at.container;
  for (const p of PROBES) if (isObject(container[p])) checkHandler(container[p], p, p, at, ctx);
  const lifecycle = container.lifecycle;
  if (isObject(lifecycle)) {
    for (const h of HOOKS) if (isObject(lifecycle[h])) checkHandler(lifecycle[h], h, `lifecycle.${h}`, at, ctx);
  }
}

function checkHandler(handler: Json, what: string, sub: string, at: ContainerAt, ctx: RuleContext): void {
  for (const kind of ['httpGet', 'tcpSocket'] as const) {
    const target = handler[kind];
    if (isObject(target) && typeof target.host === 'string' && target.host !== '') {
      push(ctx, 'probe_host', `container${at.name} points ${what} at host ${target.host.slice(0, 100)}`, `${at.path}.${sub}.${kind}.host`);
    }
  }
}

/**
 * The restricted profile, with the precedence PSS states: runAsNonRoot and seccomp may be set at
 * pod level for every container, a container's own value wins, and a container-level
 * `runAsNonRoot: false` is a violation even under a pod-level true. Pods with `spec.os.name:
 * windows` are exempt from the Linux-only controls (seccomp, capabilities, privilege escalation).
 */
function checkRestricted(spec: Json, specPath: string, podContext: Json | undefined, containers: readonly ContainerAt[], ctx: RuleContext): void {
  const whole = !ctx.partial;
  const windows = isObject(spec.os) && spec.os.name === 'windows';
  for (const [i, v] of arrayOf(spec.volumes).entries()) {
    if (!isObject(v)) continue;
    for (const key of Object.keys(v)) {
      if (key === 'name' || key === 'hostPath' || RESTRICTED_VOLUME_TYPES.has(key) || v[key] === null) continue;
      push(ctx, 'volume_type_restricted', `volume type ${key.slice(0, 40)} is outside the restricted profile`, `${specPath}.volumes[${i}].${key}`);
    }
  }
  const podNonRoot = podContext?.runAsNonRoot;
  const podSeccomp = isObject(podContext?.seccompProfile) ? podContext.seccompProfile.type : podContext?.seccompProfile;
  if (podNonRoot === false || podNonRoot === null) push(ctx, 'run_as_non_root_missing', `the pod sets runAsNonRoot: ${String(podNonRoot)}`, `${specPath}.securityContext.runAsNonRoot`);
  if (!windows && (podSeccomp === null || (isObject(podContext?.seccompProfile) && podContext.seccompProfile.type === null))) {
    push(ctx, 'seccomp_profile_missing', 'the patch removes the pod seccomp profile', `${specPath}.securityContext.seccompProfile`);
  }
  for (const { container, path } of containers) {
    const name = nameOf(container);
    const sc = isObject(container.securityContext) ? container.securityContext : undefined;
    const scPath = `${path}.securityContext`;
    const nonRoot = sc?.runAsNonRoot;
    if (nonRoot === false || nonRoot === null || (whole && nonRoot !== true && podNonRoot !== true)) {
      push(ctx, 'run_as_non_root_missing', `container${name} is not required to run as non-root (runAsNonRoot: true)`, `${scPath}.runAsNonRoot`);
    }
    if (windows) continue;
    const ape = sc?.allowPrivilegeEscalation;
    if (ape === null || (whole && ape === undefined)) {
      push(ctx, 'privilege_escalation_not_disabled', `container${name} does not set allowPrivilegeEscalation: false`, `${scPath}.allowPrivilegeEscalation`);
    }
    const seccomp = isObject(sc?.seccompProfile) ? sc.seccompProfile.type : undefined;
    const confined = (t: unknown) => typeof t === 'string' && CONFINED.has(t);
    if (sc?.seccompProfile === null || (whole && !confined(seccomp) && !(seccomp === undefined && confined(podSeccomp)))) {
      push(ctx, 'seccomp_profile_missing', `container${name} has no RuntimeDefault or Localhost seccomp profile`, `${scPath}.seccompProfile`);
    }
    const caps = isObject(sc?.capabilities) ? sc.capabilities : undefined;
    const extra = stringsOf(caps?.add).filter((c) => normaliseCapability(c) !== 'NET_BIND_SERVICE');
    const dropsAll = stringsOf(caps?.drop).some((c) => normaliseCapability(c) === 'ALL');
    if (extra.length > 0) {
      push(ctx, 'capabilities_not_restricted', `container${name} adds ${extra.map((c) => c.slice(0, 40)).join(', ')} (only NET_BIND_SERVICE is allowed)`, `${scPath}.capabilities.add`);
    } else if (caps?.drop === null || (whole && !dropsAll)) {
      push(ctx, 'capabilities_not_restricted', `container${name} does not drop ALL capabilities`, `${scPath}.capabilities.drop`);
    }
  }
}

function userOf(container: Json): unknown {
  return isObject(container.securityContext) ? container.securityContext.runAsUser : undefined;
}
