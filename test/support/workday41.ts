import { attackKit, type DayEvent, jitteredSittings, lastScoredOf, LINUX, type Login, MAC, podName, prng, restartPatch, type StaffMember, WIN, withAttacks, WS_UPGRADE } from './workday.js';
import { signInAt, sittings, type SittingRequest } from './sittings.js';

/**
 * A forty-first replayed day, written as an outside red team and an outside observer of real
 * engineers would after reading docs/risk.md, docs/configuration.md, docs/kubectl-stepup.md and
 * docs/guardrails.md, from a situation days 1–40 do not have: a mobile operator's 5G standalone
 * core on one edge cluster (`kubernetes.edge-osl1.halvard.example`, Halvard Mobile, Oslo) whose
 * admins check RBAC by impersonation (`kubectl auth can-i --as=… --as-group=…`, `kubectl get
 * --as=…`) several times a day, beside a regulator's lawful-intercept namespace. Day 21 had a
 * telecom's hub of edge clusters (OCM, Karmada, Argo CD); this is the edge cluster itself, its
 * impersonating admins, its lawful-intercept function and a vendor's CNF upgrade at 01:00.
 * Warm-up Monday 12 April 2027, scored Tuesday 13 April (hours UTC; Oslo is UTC+2).
 *
 * The site's edit of the example (`SITE`) adds one rule, the regulator's: every request in
 * `lawful-intercept` needs a hardware key within the working day (15 minutes when the risk is
 * elevated, 5 when high; sensitivity 30, people's sign-ins only: `SITE_HIGH_DENY` is the shape
 * that refuses when high, which locked the officer out until session 48's
 * `risk.learn.newcomer_refusals`; `bench/day-matrix.ts --days=41h`), and (since session 49) the
 * operator's two registries in `guardrails.allowed_registries`, another registry's image refused in
 * `cnf-*`. Nothing else is changed (no vendor window).
 *
 * Routine, as the tools send it:
 * - a 24/7 NOC of four on the NOC floor (two on the day shift 05:00–13:00, one 13:00–21:00, one on
 *   the night 21:00–05:00; two factors): the network functions' pods, events and logs, the
 *   attachments' list, nodes, now and then a restart of the SMF; noc-1 looked once on Monday
 *   evening from home through their phone's tether (the carrier's CGNAT);
 * - two platform admins (hardware keys, office): nodes, the SR-IOV node states, and RBAC checked by
 *   impersonation: `kubectl auth can-i` (SelfSubjectAccessReview) and `--list`
 *   (SelfSubjectRulesReview) as a NOC engineer, a field engineer or the vendor's operator account,
 *   `kubectl get pods --as=…`; on Tuesday at 10:20 plat-2 checks what Prometheus' service account
 *   may list in `cnf-upf` (`--as=system:serviceaccount:monitoring:prometheus`);
 * - two CNF engineers (hardware keys, office): the user plane's and SMF's pods, logs, a shell in
 *   the UPF's CLI, NetworkAttachmentDefinitions read and (once a day) edited, a DPDK lab pod
 *   (hugepages, pinned CPUs, an SR-IOV VF, NET_ADMIN and IPC_LOCK) server-side applied in `cnf-lab`;
 * - three field engineers at cell sites (two factors) on LTE/5G modems: the carrier's CGNAT gives
 *   them another public address every hour (another /24 of the carrier's /16, every fifth hour the
 *   carrier's other /16): nodes, the PTP daemons' pods, logs, a shell for `pmc` in linuxptp;
 * - the CNF vendor's support engineer (two factors, the vendor's network) in the 01:00 maintenance
 *   window: pre-checks on Monday, on Tuesday the UPF's `helm upgrade` (its release Secrets, the
 *   privileged DPDK DaemonSet's image patched) and the SMF's;
 * - the lawful-intercept officer (hardware key, the LI room's own address): the X1/X2 gateway's
 *   pods, ConfigMaps, logs, and once a day the X1 TLS Secret;
 * - Prometheus (`monitoring:prometheus`): endpoints every 5 minutes.
 *
 * The attacks, each written after reading what stepgate looks at:
 * - plat-2's token (an infostealer at home) from a VPS at 16:30: requests impersonating
 *   `system:masters` with `Impersonate-Uid` and `Impersonate-Extra-*`, then a ClusterRoleBinding;
 * - malware on plat-1's laptop during plat-1's day: `--as=` the lawful-intercept officer, the LI
 *   namespace's Secrets read (plat-1 may impersonate; the officer may read them);
 * - malware on cnf-1's laptop 90 minutes after cnf-1's own attachment edit (the key tapped then):
 *   the N3 attachment gets an `ovs-mirror-producer`, a consumer attachment and a pod in `cnf-lab`
 *   receive a copy of the subscribers' user-plane traffic;
 * - the vendor's account in the window, after its real upgrade: the UPF DaemonSet's image swapped
 *   for one from another registry (the jump host's token; whoever holds it answers any ask);
 * - field-2's modem session (another subscriber of the same CGNAT /16, the engineer's token): the
 *   lawful-intercept Secrets and a shell in the X1 gateway;
 * - noc-1's token after the shift (18:30) from the carrier's CGNAT pool: the AMF's Secrets, a
 *   shell in the AMF, a pod deleted.
 */

export const D41_MON = Date.UTC(2027, 3, 12, 0, 0, 0); // warm-up
export const D41_TUE = Date.UTC(2027, 3, 13, 0, 0, 0); // scored
const [H, M, S] = [3_600_000, 60_000, 1000];

/** Under the example's `kubernetes.**` hosts. */
export const API = 'kubernetes.edge-osl1.halvard.example';
export const KUBECTL = (os: string) => `kubectl/v1.33.4 (${os}) kubernetes/74cdb42`;
export const PROMETHEUS = 'Prometheus/3.2.1';
const SMP = { 'content-type': 'application/strategic-merge-patch+json' };
const JSON_CT = { 'content-type': 'application/json' };
const APPLY = { 'content-type': 'application/apply-patch+yaml' };

export const nameOf = (short: string) => `d41-${short}@halvard.example`;
export const VENDOR = 'd41-tse@cnfvendor.example';
export const LI_NS = 'lawful-intercept';

export const NOC = '193.90.147.20';
export const OFFICE = '193.90.147.34';
export const LI_ROOM = '193.90.147.61';
export const VENDOR_NET = '195.88.54.12';
export const ATTACKER_VPS = '45.92.117.30';
export const POD_IP = (j: number) => `10.41.1.${10 + (j % 8)}`;
export const PROMETHEUS_SA = 'system:serviceaccount:monitoring:prometheus';
/**
 * The carrier's CGNAT pool, two /16s: the modem's public address moves to another /24 every hour,
 * to the pool's other /16 every fifth hour.
 */
export const CGNAT = (hour: number, k: number) => `77.${hour % 5 === 4 ? 17 : 16}.${((hour * 37 + k * 11) % 200) + 20}.${((hour * 13 + k * 29) % 200) + 30}`;
export const CNF_NS = ['cnf-upf', 'cnf-smf', 'cnf-amf'] as const;
const APP: Record<string, string> = { 'cnf-upf': 'upf', 'cnf-smf': 'smf', 'cnf-amf': 'amf', ptp: 'linuxptp-daemon', [LI_NS]: 'li-x1-gw', 'cnf-lab': 'upf-lab' };

type Kind = 'noc' | 'plat' | 'cnf' | 'field' | 'vendor' | 'li';
type Where = 'noc' | 'office' | 'cgnat' | 'vendor' | 'li';

interface Person extends StaffMember<Where> {
  short: string;
  kind: Kind;
  ua: string;
  acr: Login['acr'];
}

function staff(rand: () => number): Person[] {
  const out: Person[] = [];
  const add = (short: string, name: string, kind: Kind, os: string, acr: Login['acr'], warm: [number, number, Where][], scored: [number, number, Where][]) => {
    const kubectlOs = os === LINUX ? 'linux/amd64' : os === WIN ? 'windows/amd64' : 'darwin/arm64';
    out.push({ name, short, idx: out.length, svc: kind, kind, ua: KUBECTL(kubectlOs), os, kubectlOs, kubectlVersion: 'v1.33.4', acr, warm: jitteredSittings(rand, warm), scored: jitteredSittings(rand, scored) });
  };
  const day: [number, number, Where][] = [[5, 13, 'noc']];
  add('noc-1', nameOf('noc-1'), 'noc', WIN, 'urn:stepgate:aal2', [...day, [19, 19.5, 'cgnat']], day);
  add('noc-2', nameOf('noc-2'), 'noc', WIN, 'urn:stepgate:aal2', day, day);
  add('noc-3', nameOf('noc-3'), 'noc', LINUX, 'urn:stepgate:aal2', [[13, 21, 'noc']], [[13, 21, 'noc']]);
  add('noc-4', nameOf('noc-4'), 'noc', WIN, 'urn:stepgate:aal2', [[0.1, 5, 'noc'], [21, 23.9, 'noc']], [[0.1, 5, 'noc'], [21, 23.9, 'noc']]);
  const office: [number, number, Where][] = [[7, 11.5, 'office'], [12.25, 16, 'office']];
  add('plat-1', nameOf('plat-1'), 'plat', MAC, 'urn:stepgate:aal3', office, office);
  add('plat-2', nameOf('plat-2'), 'plat', LINUX, 'urn:stepgate:aal3', [[7.5, 11.5, 'office'], [12.5, 15.5, 'office']], [[7.5, 11.5, 'office'], [12.5, 15.5, 'office']]);
  add('cnf-1', nameOf('cnf-1'), 'cnf', LINUX, 'urn:stepgate:aal3', office, office);
  add('cnf-2', nameOf('cnf-2'), 'cnf', MAC, 'urn:stepgate:aal3', [[8, 12, 'office'], [12.75, 16, 'office']], [[8, 12, 'office'], [12.75, 16, 'office']]);
  const site: [number, number, Where][] = [[6.5, 10, 'cgnat'], [11, 14.5, 'cgnat']];
  add('field-1', nameOf('field-1'), 'field', LINUX, 'urn:stepgate:aal2', site, site);
  add('field-2', nameOf('field-2'), 'field', WIN, 'urn:stepgate:aal2', site, site);
  add('field-3', nameOf('field-3'), 'field', LINUX, 'urn:stepgate:aal2', [[7, 12, 'cgnat']], [[7, 12, 'cgnat']]);
  add('tse', VENDOR, 'vendor', LINUX, 'urn:stepgate:aal2', [[1, 2, 'vendor']], [[1, 2.75, 'vendor']]);
  add('li', nameOf('li-officer'), 'li', LINUX, 'urn:stepgate:aal3', [[8, 11, 'li'], [13, 15, 'li']], [[8, 11, 'li'], [13, 15, 'li']]);
  return out;
}

const addressOf = (p: Person, where: Where, t: number): string =>
  where === 'noc' ? NOC : where === 'office' ? OFFICE : where === 'vendor' ? VENDOR_NET : where === 'li' ? LI_ROOM : CGNAT(Math.floor(t / H), p.idx);

type Req = SittingRequest;
const pick = <T>(rand: () => number, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;

/** `kubectl exec` with its argv (each `command=`), as kubectl sends it. */
export const execPath = (ns: string, pod: string, container: string, argv: readonly string[], tty = false): string =>
  `/api/v1/namespaces/${ns}/pods/${pod}/exec?${argv.map((a) => `command=${encodeURIComponent(a)}`).join('&')}&container=${container}&stdin=${tty}&stdout=true&stderr=${!tty}${tty ? '&tty=true' : ''}`;

/**
 * `kubectl --as=<user> --as-group=<g>…` headers, as client-go sends them (one header per group;
 * Envoy joins repeated ones with ',').
 */
export const asUser = (user: string, groups: readonly string[] = [], extra: Record<string, string> = {}): Record<string, string> => ({
  'impersonate-user': user,
  ...(groups.length > 0 ? { 'impersonate-group': groups.join(',') } : {}),
  ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [`impersonate-extra-${k}`, v])),
});

/** `kubectl auth can-i <verb> <resource> -n <ns> --as=…`: a SelfSubjectAccessReview sent as the impersonated user. */
export const canI = (ns: string, verb: string, resource: string, as: Record<string, string>): Req => ({
  method: 'POST',
  path: '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
  headers: { ...JSON_CT, ...as },
  body: JSON.stringify({ kind: 'SelfSubjectAccessReview', apiVersion: 'authorization.k8s.io/v1', metadata: { creationTimestamp: null }, spec: { resourceAttributes: { namespace: ns, verb, resource } }, status: { allowed: false } }),
});
/** `kubectl auth can-i --list -n <ns> --as=…`: a SelfSubjectRulesReview sent as the impersonated user. */
export const canIList = (ns: string, as: Record<string, string>): Req => ({
  method: 'POST',
  path: '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews',
  headers: { ...JSON_CT, ...as },
  body: JSON.stringify({ kind: 'SelfSubjectRulesReview', apiVersion: 'authorization.k8s.io/v1', metadata: { creationTimestamp: null }, spec: { namespace: ns }, status: { resourceRules: null, nonResourceRules: null, incomplete: false } }),
});

const NAD = (ns: string, name: string) => `/apis/k8s.cni.cncf.io/v1/namespaces/${ns}/network-attachment-definitions/${name}`;
/** The UPF's N3 attachment: ovs-cni on the N3 bridge, VLAN 310 (the RAN side of the user plane). */
export const n3Attachment = (mirror: boolean): string =>
  JSON.stringify({
    apiVersion: 'k8s.cni.cncf.io/v1',
    kind: 'NetworkAttachmentDefinition',
    metadata: { name: 'n3-upf', namespace: 'cnf-upf', annotations: { 'k8s.v1.cni.cncf.io/resourceName': 'ovs-cni.network.kubevirt.io/br-n3' } },
    spec: {
      config: JSON.stringify({
        cniVersion: '0.4.0',
        name: 'n3-upf',
        plugins: [
          { type: 'ovs', bridge: 'br-n3', vlan: 310, mtu: 9000 },
          // ovs-cni's mirror producer: every packet in and out of the UPF's N3 port copied to the mirror.
          ...(mirror ? [{ type: 'ovs-mirror-producer', bridge: 'br-n3', mirrors: [{ name: 'n3-tap', ingress: true, egress: true }] }] : []),
        ],
      }),
    },
  });
/** The consumer end: a pod on this attachment is the mirror's output port (a copy of N3, GTP-U with every subscriber's traffic). */
export const mirrorConsumer = (): string =>
  JSON.stringify({
    apiVersion: 'k8s.cni.cncf.io/v1',
    kind: 'NetworkAttachmentDefinition',
    metadata: { name: 'n3-tap', namespace: 'cnf-lab', annotations: { 'k8s.v1.cni.cncf.io/resourceName': 'ovs-cni.network.kubevirt.io/br-n3' } },
    spec: { config: JSON.stringify({ cniVersion: '0.4.0', name: 'n3-tap', plugins: [{ type: 'ovs', bridge: 'br-n3' }, { type: 'ovs-mirror-consumer', bridge: 'br-n3', mirrors: [{ name: 'n3-tap' }] }] }) },
  });
/** The N6 attachment (SR-IOV VF on the data network's VLAN), as the CNF team edits it daily (MTU, VLAN QoS). */
export const n6Attachment = (qos: number): string =>
  JSON.stringify({ apiVersion: 'k8s.cni.cncf.io/v1', kind: 'NetworkAttachmentDefinition', metadata: { name: 'n6-upf', namespace: 'cnf-upf', annotations: { 'k8s.v1.cni.cncf.io/resourceName': 'openshift.io/n6_vfs' } }, spec: { config: JSON.stringify({ cniVersion: '0.4.0', name: 'n6-upf', type: 'sriov', vlan: 620, vlanQoS: qos, spoofchk: 'on', trust: 'off', ipam: {} }) } });

/** A DPDK pod (hugepages, pinned CPUs, an SR-IOV VF, NET_ADMIN and IPC_LOCK) on `networks`. */
export const dpdkPod = (ns: string, name: string, networks: string, image: string): string =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, annotations: { 'k8s.v1.cni.cncf.io/networks': networks } },
    spec: {
      containers: [
        {
          name: 'dpdk',
          image,
          command: ['sleep', 'infinity'],
          securityContext: { capabilities: { add: ['NET_ADMIN', 'IPC_LOCK', 'SYS_NICE'] } },
          resources: { requests: { cpu: '4', memory: '2Gi', 'hugepages-1Gi': '4Gi', 'openshift.io/n6_vfs': '1' }, limits: { cpu: '4', memory: '2Gi', 'hugepages-1Gi': '4Gi', 'openshift.io/n6_vfs': '1' } },
          volumeMounts: [{ name: 'hugepages', mountPath: '/dev/hugepages' }],
        },
      ],
      volumes: [{ name: 'hugepages', emptyDir: { medium: 'HugePages' } }],
    },
  });

const UPF_DS = '/apis/apps/v1/namespaces/cnf-upf/daemonsets/upf';
/** `helm upgrade`'s three-way strategic-merge patch of the UPF's DaemonSet: the image only. */
export const upfImagePatch = (image: string): Req => ({ method: 'PATCH', path: UPF_DS, headers: SMP, body: JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'upf', image }] } } } }) });
const helmRelease = (ns: string, name: string, v: number): Req => ({ method: 'POST', path: `/api/v1/namespaces/${ns}/secrets`, headers: JSON_CT, body: JSON.stringify({ apiVersion: 'v1', kind: 'Secret', type: 'helm.sh/release.v1', metadata: { name: `sh.helm.release.v1.${name}.v${v}`, namespace: ns, labels: { owner: 'helm', name, status: 'pending-upgrade', version: String(v) } }, data: { release: 'H4sIAAAAAAAA/6pWKkktLlGyUlAqS8wpTVWqBQQAAP//AQAA//8=' } }) });

/** A NOC engineer: the network functions' pods, events, a log, the attachments, nodes; now and then the SMF restarted. */
function nocTask(rand: () => number, t: number, n: number): Req[] {
  const ns = pick(rand, CNF_NS);
  const k = rand();
  if (k < 0.35) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods?limit=500` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/events?limit=500` }];
  if (k < 0.65) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${podName(APP[ns]!, n % 4)}/log?container=${APP[ns]}&tailLines=500` }];
  if (k < 0.75) return [{ method: 'GET', path: `/apis/k8s.cni.cncf.io/v1/namespaces/${ns}/network-attachment-definitions?limit=500` }];
  if (k < 0.8) return [{ method: 'PATCH', path: '/apis/apps/v1/namespaces/cnf-smf/deployments/smf?fieldManager=kubectl-rollout', headers: SMP, body: restartPatch(t) }];
  if (k < 0.9) return [{ method: 'GET', path: '/api/v1/nodes' }];
  return [{ method: 'GET', path: '/api/v1/namespaces/ptp/pods?limit=500' }];
}

/** A platform admin: nodes, the SR-IOV node states, RBAC checked by impersonation. */
function platTask(rand: () => number, n: number): Req[] {
  const k = rand();
  if (k < 0.25) return [{ method: 'GET', path: '/api/v1/nodes' }];
  if (k < 0.4) return [{ method: 'GET', path: '/apis/sriovnetwork.openshift.io/v1/namespaces/sriov-network-operator/sriovnetworknodestates' }];
  if (k < 0.55) return [canI(pick(rand, CNF_NS), pick(rand, ['delete', 'get', 'patch']), pick(rand, ['pods', 'deployments', 'secrets']), asUser(nameOf(`noc-${1 + (n % 4)}`), ['noc']))];
  if (k < 0.7) return [canIList('ptp', asUser(nameOf(`field-${1 + (n % 3)}`), ['field-engineers']))];
  if (k < 0.82) return [{ method: 'GET', path: `/api/v1/namespaces/${pick(rand, CNF_NS)}/pods?limit=500`, headers: asUser('system:serviceaccount:cnf-upf:upf-operator') }];
  if (k < 0.92) return [canI('cnf-upf', 'update', 'daemonsets', asUser(VENDOR, ['cnfvendor-support']))];
  return [{ method: 'GET', path: '/apis/rbac.authorization.k8s.io/v1/namespaces/cnf-upf/rolebindings' }];
}

/** A CNF engineer: the user plane's and SMF's pods and logs, the UPF's CLI, the attachments. */
function cnfTask(rand: () => number, n: number): Req[] {
  const ns = pick(rand, ['cnf-upf', 'cnf-smf', 'cnf-lab'] as const);
  const k = rand();
  if (k < 0.3) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods?limit=500` }];
  if (k < 0.55) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${podName(APP[ns]!, n % 4)}/log?container=${APP[ns]}&tailLines=500` }];
  if (k < 0.7) return [{ method: 'GET', path: execPath('cnf-upf', podName('upf', n % 3), 'upf', ['upf-cli', 'show', 'session', 'summary']), headers: WS_UPGRADE }];
  if (k < 0.85) return [{ method: 'GET', path: `/apis/k8s.cni.cncf.io/v1/namespaces/${ns === 'cnf-lab' ? 'cnf-upf' : ns}/network-attachment-definitions?limit=500` }];
  return [{ method: 'GET', path: '/api/v1/nodes' }];
}

/** A field engineer at a cell site: nodes, the PTP daemons, a log, `pmc` in linuxptp. */
function fieldTask(rand: () => number, n: number): Req[] {
  const k = rand();
  const pod = podName('linuxptp-daemon', n % 3);
  if (k < 0.3) return [{ method: 'GET', path: '/api/v1/nodes' }, { method: 'GET', path: '/api/v1/namespaces/ptp/pods?limit=500' }];
  if (k < 0.6) return [{ method: 'GET', path: `/api/v1/namespaces/ptp/pods/${pod}/log?container=linuxptp-daemon-container&tailLines=200` }];
  if (k < 0.75) return [{ method: 'GET', path: execPath('ptp', pod, 'linuxptp-daemon-container', ['pmc', '-u', '-b', '0', 'GET TIME_STATUS_NP']), headers: WS_UPGRADE }];
  if (k < 0.9) return [{ method: 'GET', path: '/apis/ptp.openshift.io/v1/namespaces/ptp/ptpconfigs' }];
  return [{ method: 'GET', path: '/api/v1/namespaces/cnf-upf/pods?limit=500' }];
}

/** The vendor's support engineer in the window: the network functions' pods and logs. */
function vendorTask(rand: () => number, n: number): Req[] {
  const ns = pick(rand, ['cnf-upf', 'cnf-smf'] as const);
  return rand() < 0.5 ? [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods?limit=500` }] : [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${podName(APP[ns]!, n % 4)}/log?container=${APP[ns]}&tailLines=300` }];
}

/** The lawful-intercept officer: the X1/X2 gateway's pods, ConfigMaps and logs. */
function liTask(rand: () => number, n: number): Req[] {
  const k = rand();
  if (k < 0.4) return [{ method: 'GET', path: `/api/v1/namespaces/${LI_NS}/pods?limit=500` }];
  if (k < 0.7) return [{ method: 'GET', path: `/api/v1/namespaces/${LI_NS}/pods/${podName('li-x1-gw', n % 2)}/log?container=x1-gw&tailLines=300` }];
  return [{ method: 'GET', path: `/api/v1/namespaces/${LI_NS}/configmaps` }];
}


/**
 * The operator's own rule beside the example's, as the regulator requires it: every request in
 * the lawful-intercept namespace with a hardware key within the working day, 15 minutes when the
 * risk is elevated, 5 when high.
 */
export const SITE = (yaml: string): string => siteOf(yaml, false);

/**
 * The same rule in network-attachments' shape (sensitivity 40, refused when high): a newcomer's
 * first request from the LI room (a new network and device, 75 or more) reaches the refusal, and
 * the officer does nothing outside the rule that could prove the room. Refused at every request
 * until session 48; now asked for a sign-in after the room's first sighting
 * (`risk.learn.newcomer_refusals: ask`), which proves it (the finding's row).
 */
export const SITE_HIGH_DENY = (yaml: string): string => siteOf(yaml, true);

function siteOf(yaml: string, highDeny: boolean): string {
  const anchor = '\npolicy:\n';
  const url = /issuer: (http:\/\/127\.0\.0\.1:\d+)/.exec(yaml)?.[1];
  const at = yaml.indexOf('\n  rules:\n', yaml.indexOf(anchor));
  if (url === undefined || yaml.indexOf(anchor) < 0 || at < 0) throw new Error('day 41: the example no longer has its test issuer or its policy rules');
  // People only (the engineers' IdP): a cluster-wide list matches every `namespaces` condition, so
  // without `issuers` Prometheus' endpoints list (a service-account token, aal1) would be refused.
  const rule = `    - name: lawful-intercept\n      description: the regulator's lawful-intercept namespace needs a hardware key within the working day, 15 min when elevated, ${highDeny ? 'refused' : '5 min'} when high\n      match:\n        issuers: ["${url}"]\n        kubernetes:\n          namespaces: [${LI_NS}]\n      require: aal3\n      max_age: 28800\n      by_band:\n        elevated: { max_age: 900 }\n        ${highDeny ? 'high: { deny: true, message: "The lawful-intercept namespace is refused from an unusual context: ask the LI officer." }' : 'high: { max_age: 300 }'}\n      sensitivity: ${highDeny ? 40 : 30}\n`;
  const cut = at + '\n  rules:\n'.length;
  return registries(`${yaml.slice(0, cut)}${rule}${yaml.slice(cut)}`);
}

/**
 * The operator's registries (session 49): its own mirror and the CNF vendor's, in
 * guardrails.allowed_registries, and an image from any other refused (not asked) in the network
 * functions' namespaces, as a carrier's image-provenance policy for its core is written: whoever
 * holds the vendor's factors answers an ask, so only a refusal stops the vendor's account swapping
 * a privileged user plane's image (day 41's finding).
 */
function registries(yaml: string): string {
  const section = '\nguardrails:\n';
  const g = yaml.indexOf(section);
  const ns = yaml.indexOf('\n  namespaces:\n', g);
  if (g < 0 || ns < 0) throw new Error('day 41: the example no longer has guardrails.namespaces');
  const cut = ns + '\n  namespaces:\n'.length;
  const entry = '    - match: ["cnf-*"]\n      effects:\n        image_registry_not_allowed: { deny: true }\n';
  const list = '  allowed_registries: [registry.halvard.example, registry.cnfvendor.example]\n';
  return `${yaml.slice(0, g + section.length)}${list}${yaml.slice(g + section.length, cut)}${entry}${yaml.slice(cut)}`;
}

export function workday41(seed = 391): DayEvent[] {
  const rand = prng(seed * 2_654_435_761 + 41);
  const people = staff(rand);
  const events: DayEvent[] = [];
  const replay = sittings<Where, Person>(rand, people, { events, api: API, addressOf, usualPlace: () => 'office' });
  for (const [day, scored] of [[D41_MON, false], [D41_TUE, true]] as const) {
    const { at, push } = replay(day, scored, {
      task: (p, n, t) =>
        p.kind === 'noc' ? nocTask(rand, t, n) : p.kind === 'plat' ? platTask(rand, n) : p.kind === 'cnf' ? cnfTask(rand, n) : p.kind === 'field' ? fieldTask(rand, n) : p.kind === 'vendor' ? vendorTask(rand, n) : liTask(rand, n),
      pace: (p) => [p.kind === 'noc' || p.kind === 'vendor' ? 4 : 6, p.kind === 'noc' ? 10 : 18],
    });
    const by = (s: string) => people.find((p) => p.short === s)!;
    const [cnf1, cnf2, tse, li, plat2] = [by('cnf-1'), by('cnf-2'), by('tse'), by('li'), by('plat-2')];
    // The CNF team's daily attachment edit (N6's VLAN QoS) and two DPDK lab builds.
    push(cnf1, at(scored ? 9.5 : 10), [{ method: 'GET', path: NAD('cnf-upf', 'n6-upf') }, { method: 'PUT', path: NAD('cnf-upf', 'n6-upf'), headers: JSON_CT, body: n6Attachment(scored ? 5 : 4) }], 60 * S, 'office');
    for (const h of [9.2, 14.1]) {
      const name = `upf-lab-${scored ? 't' : 'm'}${Math.round(h)}`;
      push(cnf2, at(h), [{ method: 'PATCH', path: `/api/v1/namespaces/cnf-lab/pods/${name}?fieldManager=kubectl&force=true`, headers: APPLY, body: dpdkPod('cnf-lab', name, 'cnf-upf/n6-upf', `registry.halvard.example/5gc/upf:5.4.${scored ? 1 : 0}-lab${seed % 7}`) }, { method: 'GET', path: `/api/v1/namespaces/cnf-lab/pods/${name}` }], 20 * S, 'office');
    }
    // The LI officer's daily check of the X1 interface's TLS Secret.
    push(li, at(scored ? 9.65 : 9.3), [{ method: 'GET', path: `/api/v1/namespaces/${LI_NS}/secrets/x1-tls` }], S, 'li');
    if (!scored) {
      // Monday 01:10: the vendor's pre-checks (release history, the DaemonSet).
      push(tse, at(1.15), [{ method: 'GET', path: '/api/v1/namespaces/cnf-upf/secrets?labelSelector=owner%3Dhelm%2Cname%3Dupf' }, { method: 'GET', path: UPF_DS }], 30 * S, 'vendor');
    } else {
      // Tuesday 01:20 the UPF's helm upgrade, 01:50 the SMF's.
      push(tse, at(1.33), [{ method: 'GET', path: '/api/v1/namespaces/cnf-upf/secrets?labelSelector=owner%3Dhelm%2Cname%3Dupf' }, { method: 'GET', path: UPF_DS }, helmRelease('cnf-upf', 'upf', 8), upfImagePatch('registry.cnfvendor.example/5gc/upf:5.4.1'), { method: 'GET', path: '/api/v1/namespaces/cnf-upf/pods?limit=500' }], 40 * S, 'vendor');
      push(tse, at(1.83), [{ method: 'GET', path: '/api/v1/namespaces/cnf-smf/secrets?labelSelector=owner%3Dhelm%2Cname%3Dsmf' }, helmRelease('cnf-smf', 'smf', 12), { method: 'PATCH', path: '/apis/apps/v1/namespaces/cnf-smf/deployments/smf', headers: SMP, body: JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'smf', image: 'registry.cnfvendor.example/5gc/smf:5.4.1' }] } } } }) }], 40 * S, 'vendor');
      // 10:20 plat-2 checks what Prometheus' service account may see in the UPF's namespace.
      push(plat2, at(10.33), [canIList('cnf-upf', asUser(PROMETHEUS_SA)), canI('cnf-upf', 'list', 'endpoints', asUser(PROMETHEUS_SA))], 30 * S, 'office');
    }
    const prom: Login = { sub: PROMETHEUS_SA, sid: '', authTime: undefined, acr: 'urn:stepgate:aal1', serviceAccount: true };
    for (let j = 0; j < 288; j++) events.push({ actor: 'ci', scored, ip: POD_IP(1), ua: PROMETHEUS, login: prom, host: API, at: day + j * 5 * M + 11 * S, method: 'GET', path: '/api/v1/endpoints?limit=500&resourceVersion=0' });
  }
  events.sort((a, b) => a.at - b.at);
  return withAttacks(events, attacks41(people, events));
}

/** The attack rows' names, as the matrix and the targets name them. */
export const A41 = {
  masters: "plat-2's token (an infostealer at home) from a VPS impersonating system:masters with Impersonate-Uid and Impersonate-Extra-*, then a ClusterRoleBinding",
  asLi: "malware on plat-1's laptop: --as= the lawful-intercept officer, the LI namespace's Secrets read",
  mirror: "malware on cnf-1's laptop after cnf-1's own attachment edit: an ovs-mirror-producer on the UPF's N3 attachment, a consumer attachment and a pod in cnf-lab receiving the copy",
  imageSwap: "the vendor's account in the 01:00 window after its real upgrade: the privileged UPF DaemonSet's image swapped for another registry's",
  liField: "field-2's modem session (another subscriber of the same CGNAT): the lawful-intercept Secrets and a shell in the X1 gateway",
  nocAfter: "noc-1's token after the shift from the carrier's CGNAT pool: the AMF's Secrets, a shell in the AMF, a pod deleted",
} as const;

function attacks41(people: Person[], routine: DayEvent[]): DayEvent[] {
  const out: DayEvent[] = [];
  const { by, add, T, on } = attackKit(out, people, D41_TUE, API);
  const last = (p: Person, h: number) => lastScoredOf(routine, p.name, T(h), () => true);

  // 1. plat-2's token from a VPS at 16:30 (plat-2 left at 15:30).
  const p2 = by('plat-2');
  const v1 = last(p2, 16.5);
  const masters = asUser(p2.name, ['system:masters', 'system:authenticated'], { 'scopes.authorization.openshift.io': 'user:full' });
  const crb = JSON.stringify({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'sriov-metrics-reader' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: 'cnf-lab' }] });
  add(A41.masters, T(16.5), ATTACKER_VPS, v1.ua, v1.login, on([
    ['GET', '/api/v1/nodes', false],
    ['GET', '/api/v1/namespaces/kube-system/secrets', true, { ...masters, 'impersonate-uid': '0f3c5e2a-7d1b-4f51-9c1e-3b2f6a8d9e10' }],
    ['POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', true, { ...JSON_CT, ...masters }, crb],
  ]), 30 * S);

  // 2. plat-1's laptop at 10:05 (plat-1 at work): as the LI officer.
  const p1 = by('plat-1');
  const v2 = last(p1, 10.08);
  const asLi = asUser(nameOf('li-officer'), ['lawful-intercept-officers']);
  const check = canI(LI_NS, 'get', 'secrets', asLi);
  add(A41.asLi, T(10.08), v2.ip, v2.ua, v2.login, on([
    [check.method, check.path, false, check.headers, check.body],
    ['GET', `/api/v1/namespaces/${LI_NS}/secrets`, true, asLi],
    ['GET', `/api/v1/namespaces/${LI_NS}/secrets/x1-tls`, true, asLi],
  ]), 25 * S, p1);

  // 3. cnf-1's laptop at 11:00, 90 minutes after cnf-1's own N6 edit (the key tapped then).
  const c1 = by('cnf-1');
  const v3 = last(c1, 11);
  add(A41.mirror, T(11), v3.ip, v3.ua, v3.login, on([
    ['GET', NAD('cnf-upf', 'n3-upf'), false],
    ['PUT', NAD('cnf-upf', 'n3-upf'), true, JSON_CT, n3Attachment(true)],
    ['POST', '/apis/k8s.cni.cncf.io/v1/namespaces/cnf-lab/network-attachment-definitions', true, JSON_CT, mirrorConsumer()],
    ['POST', '/api/v1/namespaces/cnf-lab/pods', true, JSON_CT, dpdkPod('cnf-lab', 'upf-lab-capture', 'cnf-lab/n3-tap', 'registry.halvard.example/5gc/upf:5.4.1-lab2')],
  ]), 40 * S, c1);

  // 4. The vendor's account at 02:20, after its real upgrade (01:20–01:55), from the jump host.
  const tse = by('tse');
  const v4 = last(tse, 2.33);
  const swap = upfImagePatch('ghcr.io/upf-tools/upf:5.4.1');
  add(A41.imageSwap, T(2.33), v4.ip, v4.ua, v4.login, on([
    ['GET', UPF_DS, false],
    [swap.method, swap.path, true, swap.headers, swap.body],
    ['GET', '/api/v1/namespaces/cnf-upf/pods?limit=500', false],
  ]), 30 * S, tse);
  for (const e of out) if (e.attack === A41.imageSwap) e.signsIn = true;

  // 5. field-2's token from another subscriber of the CGNAT's /16 at 11:20.
  const f2 = by('field-2');
  const v5 = last(f2, 11.33);
  add(A41.liField, T(11.33), '77.16.203.41', v5.ua, v5.login, on([
    ['GET', '/api/v1/namespaces?limit=500', false],
    ['GET', `/api/v1/namespaces/${LI_NS}/secrets`, true],
    ['GET', `/api/v1/namespaces/${LI_NS}/secrets/x1-tls`, true],
    ['GET', execPath(LI_NS, podName('li-x1-gw', 0), 'x1-gw', ['sh'], true), true, WS_UPGRADE],
  ]), 20 * S);

  // 6. noc-1's token at 18:30, from the carrier's CGNAT pool (noc-1 left at 13:00).
  const n1 = by('noc-1');
  const v6 = last(n1, 18.5);
  add(A41.nocAfter, T(18.5), '77.16.88.140', v6.ua, v6.login, on([
    ['GET', '/api/v1/namespaces/cnf-amf/pods?limit=500', false],
    ['GET', '/api/v1/namespaces/cnf-amf/secrets', true],
    ['GET', execPath('cnf-amf', podName('amf', 1), 'amf', ['sh'], true), true, WS_UPGRADE],
    ['DELETE', `/api/v1/namespaces/cnf-amf/pods/${podName('amf', 2)}`, true],
  ]), 20 * S);
  return out;
}
