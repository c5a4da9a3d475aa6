import { attackKit, type DayEvent, jitteredSittings, lastScoredOf, LINUX, type Login, MAC, podName, prng, restartPatch, type StaffMember, WIN, withAttacks, WS_UPGRADE } from './workday.js';

/**
 * A fortieth replayed day, written as an outside red team and an outside observer of real engineers
 * would after reading docs/risk.md, docs/configuration.md, docs/kubectl-stepup.md and
 * docs/guardrails.md, from a situation days 1–39 do not have: a platform team's maintenance
 * weekend on a self-managed kubeadm cluster. Kestrel Freight (Dublin, UTC+0 in March) upgrades
 * `kubernetes.kestrel.example` from 1.34 to 1.35: the control plane on Saturday 6 March 2027 (the
 * warm-up day), the worker pools on Sunday 7 March (scored; hours UTC). The example as shipped,
 * plus (`SITE`, since session 49) the vendor's temporary account dated to its Saturday window.
 *
 * Routine, as the tools send it:
 * - the upgrade lead (hardware key, office both days): the version, nodes, kube-system's pods and
 *   the kubeadm-config ConfigMap, `etcdctl snapshot save` through a shell in the etcd pod before
 *   (Saturday) and after (Sunday), the Gatekeeper ValidatingWebhookConfiguration deleted "for the
 *   upgrade" on Saturday and re-created on Sunday afternoon, kubelet serving CSRs approved after each
 *   wave, and on Sunday one `kubectl debug node/…` (profile sysadmin) to read a kubelet's journal;
 * - the node engineer (hardware key, office): the control-plane nodes drained on Saturday, the three
 *   worker pools cordoned and drained in waves on Sunday (every pod evicted), pool c rolled back
 *   (cordoned and drained again) at 16:00;
 * - the API engineer (hardware key, office): CRD storage-version migration (each KafkaTopic read and
 *   written back, the CRD's status.storedVersions patched) and the clean-up of deprecated manifests
 *   (`kubectl convert` then a server-side apply of Deployments, HPAs, PodDisruptionBudgets and a
 *   ClusterRole);
 * - two on-call engineers at home on Saturday and Sunday (two factors): events, pods, logs, a restart;
 * - the control-plane vendor's support engineer (a temporary account, two factors, the vendor's
 *   network) on a screen-share on Saturday 14:00–16:00: kube-system's pods, logs, nodes, kubeadm-config;
 * - four developers (two factors) checking their apps from home on Sunday evening; two of them also
 *   looked on Saturday afternoon, two did not (nothing to learn them from);
 * - Prometheus (`monitoring:prometheus`): endpoints every 5 minutes.
 *
 * The attacks, each written after reading what stepgate looks at:
 * - a stolen on-call token (an infostealer on the home laptop, used from a VPS) deletes the Gatekeeper
 *   webhook the upgrade lead re-enabled that afternoon, then creates a privileged pod in payments;
 * - malware on the upgrade lead's laptop copies Sunday's etcd snapshot off cp-1 through a node-debug
 *   pod (`kubectl cp`: a tar of /host/var/lib/etcd/snapshots; the etcd image has no tar), after the
 *   lead's own snapshot;
 * - malware on the node engineer's laptop, during wave b's drain, starts `kubectl debug node/cp-2`
 *   and attaches to it to rewrite kube-apiserver's static-pod manifest;
 * - the vendor's temporary account, still enabled, used on Sunday night after its window from the
 *   vendor's network with a fresh sign-in (two factors): kube-system's Secrets, payments' Secrets,
 *   a shell in etcd;
 * - a ClusterRoleBinding of cluster-admin to the CI deployer's service account slipped into the
 *   deprecated-manifests re-apply (a tampered commit); the API engineer applies it with the rest and
 *   answers whatever is asked;
 * - another on-call token (from a residential proxy in Dublin) starts a debug pod on cp-1 and reads
 *   the new admin.conf off the node (`cat /host/etc/kubernetes/admin.conf`).
 */

export const D40_SAT = Date.UTC(2027, 2, 6, 0, 0, 0); // warm-up: the control plane
export const D40_SUN = Date.UTC(2027, 2, 7, 0, 0, 0); // scored: the worker pools
const [H, M, S] = [3_600_000, 60_000, 1000];

/** Under the example's `kubernetes.**` hosts (a site lists its own API host there). */
export const API = 'kubernetes.kestrel.example';
export const KUBECTL = (os: string) => `kubectl/v1.35.0 (${os}) kubernetes/66452049`;
export const PROMETHEUS = 'Prometheus/3.2.1';
const SMP = { 'content-type': 'application/strategic-merge-patch+json' };
const JSON_CT = { 'content-type': 'application/json' };
const MERGE = { 'content-type': 'application/merge-patch+json' };
const APPLY = { 'content-type': 'application/apply-patch+yaml' };

export const nameOf = (short: string) => `d40-${short}@kestrel.example`;
export const VENDOR = 'd40-tse@support.controlplane-vendor.example';

export const OFFICE = '87.44.19.130';
export const VENDOR_NET = '62.210.88.17';
export const ATTACKER_VPS = '45.137.21.9';
/** A residential proxy exit in Dublin (the same country and carrier as the on-call's home). */
export const PROXY_DUBLIN = '86.43.201.77';
export const POD_IP = (j: number) => `10.44.1.${10 + (j % 8)}`;
export const PROMETHEUS_SA = 'system:serviceaccount:monitoring:prometheus';
export const CP = ['cp-1', 'cp-2', 'cp-3'] as const;
export const POOLS = { a: ['pool-a-1', 'pool-a-2', 'pool-a-3'], b: ['pool-b-1', 'pool-b-2', 'pool-b-3'], c: ['pool-c-1', 'pool-c-2', 'pool-c-3'] } as const;
export const APPS = { 'payments-prod': 'payments', 'tracking-prod': 'tracking', 'routing-prod': 'routing', 'portal-prod': 'portal' } as const;
const APP_NS = Object.keys(APPS) as (keyof typeof APPS)[];
export const WEBHOOK = 'gatekeeper-validating-webhook-configuration';

type Kind = 'lead' | 'nodes' | 'api' | 'oncall' | 'vendor' | 'dev';
type Where = 'office' | 'home' | 'vendor';

interface Person extends StaffMember<Where> {
  short: string;
  kind: Kind;
  home: string;
  ns: readonly string[];
  ua: string;
  acr: Login['acr'];
}

function staff(rand: () => number): Person[] {
  const out: Person[] = [];
  const add = (short: string, name: string, kind: Kind, ns: readonly string[], home: string, os: string, acr: Login['acr'], warm: [number, number, Where][], scored: [number, number, Where][]) => {
    const kubectlOs = os === LINUX ? 'linux/amd64' : os === WIN ? 'windows/amd64' : 'darwin/arm64';
    out.push({ name, short, idx: out.length, svc: kind, kind, ns, home, ua: KUBECTL(kubectlOs), os, kubectlOs, kubectlVersion: 'v1.35.0', acr, warm: jitteredSittings(rand, warm), scored: jitteredSittings(rand, scored) });
  };
  const weekend: [number, number, Where][] = [[8, 12.5, 'office'], [13.25, 18, 'office']];
  add('lead', nameOf('lead'), 'lead', ['kube-system'], '86.45.12.90', MAC, 'urn:stepgate:aal3', weekend, weekend);
  add('nodes', nameOf('nodes'), 'nodes', APP_NS, '89.101.7.233', LINUX, 'urn:stepgate:aal3', weekend, weekend);
  add('api', nameOf('api'), 'api', [...APP_NS, 'kafka'], '78.16.140.52', LINUX, 'urn:stepgate:aal3', [[9, 12.5, 'office'], [13.25, 17, 'office']], [[9, 12.5, 'office'], [13.25, 17, 'office']]);
  add('oncall-1', nameOf('oncall-1'), 'oncall', APP_NS, '86.43.18.204', MAC, 'urn:stepgate:aal2', [[7.5, 10, 'home'], [19, 21, 'home']], [[7.5, 10, 'home'], [19, 21.5, 'home']]);
  add('oncall-2', nameOf('oncall-2'), 'oncall', APP_NS, '37.228.240.19', WIN, 'urn:stepgate:aal2', [[10, 13, 'home'], [15, 18, 'home']], [[10, 13, 'home'], [15, 18, 'home']]);
  add('tse', VENDOR, 'vendor', ['kube-system'], VENDOR_NET, LINUX, 'urn:stepgate:aal2', [[14, 16, 'vendor']], []);
  add('dev-1', nameOf('dev-1'), 'dev', ['payments-prod'], '86.46.77.3', MAC, 'urn:stepgate:aal2', [[16.5, 17.25, 'home']], [[19, 20.25, 'home']]);
  add('dev-2', nameOf('dev-2'), 'dev', ['tracking-prod'], '109.77.40.61', LINUX, 'urn:stepgate:aal2', [[17, 17.5, 'home']], [[19.5, 20.5, 'home']]);
  add('dev-3', nameOf('dev-3'), 'dev', ['routing-prod'], '93.107.5.140', MAC, 'urn:stepgate:aal2', [], [[20, 21, 'home']]);
  add('dev-4', nameOf('dev-4'), 'dev', ['portal-prod'], '46.7.201.88', WIN, 'urn:stepgate:aal2', [], [[19.25, 20, 'home']]);
  return out;
}

const addressOf = (p: Person, where: Where): string => (where === 'office' ? OFFICE : where === 'vendor' ? VENDOR_NET : p.home);

type Req = { method: string; path: string; headers?: Record<string, string>; body?: string };
const pick = <T>(rand: () => number, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;

/** `kubectl exec` with its argv (each `command=`), as kubectl sends it. */
export const execPath = (ns: string, pod: string, container: string, argv: readonly string[], tty = false): string =>
  `/api/v1/namespaces/${ns}/pods/${pod}/exec?${argv.map((a) => `command=${encodeURIComponent(a)}`).join('&')}&container=${container}&stdin=${tty}&stdout=true&stderr=${!tty}${tty ? '&tty=true' : ''}`;
const ETCDCTL = ['etcdctl', '--endpoints=https://127.0.0.1:2379', '--cacert=/etc/kubernetes/pki/etcd/ca.crt', '--cert=/etc/kubernetes/pki/etcd/server.crt', '--key=/etc/kubernetes/pki/etcd/server.key'];
/**
 * `etcdctl snapshot save` in kubeadm's etcd pod: the snapshot goes to the one writable host path the
 * pod mounts, etcd's data directory (/var/lib/etcd on the node).
 */
export const snapshotSave = (file: string): string => execPath('kube-system', 'etcd-cp-1', 'etcd', [...ETCDCTL, 'snapshot', 'save', `/var/lib/etcd/snapshots/${file}`]);
/**
 * The snapshot read out of a node-debug pod on cp-1 (`kubectl cp`: a tar through exec). The etcd
 * image is distroless (no tar, no shell), so a copy goes through a pod with the node's root at /host.
 */
export const snapshotCopyOut = (file: string, suffix: string): string => execPath('default', `node-debugger-cp-1-${suffix}`, 'debugger', ['tar', 'cf', '-', '-C', '/host/var/lib/etcd/snapshots', file]);

/** `kubectl debug node/<node> --profile=sysadmin`: a privileged pod on the node, its root at /host. */
export function nodeDebugPod(node: string, suffix: string): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `node-debugger-${node}-${suffix}`, namespace: 'default' },
    spec: {
      nodeName: node,
      hostIPC: true,
      hostNetwork: true,
      hostPID: true,
      restartPolicy: 'Never',
      tolerations: [{ operator: 'Exists' }],
      containers: [{ name: 'debugger', image: 'busybox', stdin: true, tty: true, securityContext: { privileged: true }, volumeMounts: [{ name: 'host-root', mountPath: '/host' }] }],
      volumes: [{ name: 'host-root', hostPath: { path: '/' } }],
    },
  });
}
export const debugAttach = (node: string, suffix: string): string => `/api/v1/namespaces/default/pods/node-debugger-${node}-${suffix}/attach?container=debugger&stdin=true&stdout=true&tty=true`;

/** Gatekeeper's ValidatingWebhookConfiguration, as its chart installs it. */
export const gatekeeperWebhook = (): string =>
  JSON.stringify({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: { name: WEBHOOK, labels: { gatekeeper: 'yes' } }, webhooks: [{ name: 'validation.gatekeeper.sh', admissionReviewVersions: ['v1', 'v1beta1'], sideEffects: 'None', failurePolicy: 'Ignore', timeoutSeconds: 3, clientConfig: { service: { name: 'gatekeeper-webhook-service', namespace: 'gatekeeper-system', path: '/v1/admit' } }, rules: [{ operations: ['CREATE', 'UPDATE'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*'] }], namespaceSelector: { matchExpressions: [{ key: 'admission.gatekeeper.sh/ignore', operator: 'DoesNotExist' }] } }] });

/** `kubectl certificate approve <csr>`: the approval condition, PUT on the subresource. */
export const csrApproval = (csr: string): Req => ({ method: 'PUT', path: `/apis/certificates.k8s.io/v1/certificatesigningrequests/${csr}/approval`, headers: JSON_CT, body: JSON.stringify({ apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name: csr }, status: { conditions: [{ type: 'Approved', status: 'True', reason: 'KubectlApprove', message: 'This CSR was approved by kubectl certificate approve.' }] } }) });

export const eviction = (ns: string, pod: string): Req => ({ method: 'POST', path: `/api/v1/namespaces/${ns}/pods/${pod}/eviction`, headers: JSON_CT, body: JSON.stringify({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: pod, namespace: ns } }) });
const cordon = (node: string, on: boolean): Req => ({ method: 'PATCH', path: `/api/v1/nodes/${node}`, headers: SMP, body: JSON.stringify({ spec: { unschedulable: on } }) });

/** `kubectl drain`: cordon, list the node's pods, evict each (an app's, CoreDNS on pool a), then uncordon after the node's upgrade. */
function drain(node: string, j: number): Req[] {
  const pods: [string, string][] = APP_NS.slice(j % 2, (j % 2) + 2).map((ns) => [ns, podName(APPS[ns], j * 3 + ns.length)]);
  if (node.startsWith('pool-a')) pods.push(['kube-system', `coredns-7db6d8ff4d-${podName('x', j).slice(-5)}`]);
  if (node.startsWith('cp-')) pods.length = 0; // control-plane nodes run static pods and DaemonSets only
  return [cordon(node, true), { method: 'GET', path: `/api/v1/pods?fieldSelector=spec.nodeName%3D${node}` }, ...pods.map(([ns, pod]) => eviction(ns, pod)), { method: 'GET', path: `/api/v1/nodes/${node}` }, cordon(node, false)];
}

/** A deprecated manifest converted and applied server-side (`kubectl apply --server-side`). */
const apply = (path: string, obj: object): Req => ({ method: 'PATCH', path: `${path}?fieldManager=kubectl&force=true`, headers: APPLY, body: JSON.stringify(obj) });
const hpa = (ns: string, app: string) => apply(`/apis/autoscaling/v2/namespaces/${ns}/horizontalpodautoscalers/${app}`, { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: app, namespace: ns }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: app }, minReplicas: 3, maxReplicas: 12, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }] } });
const pdb = (ns: string, app: string) => apply(`/apis/policy/v1/namespaces/${ns}/poddisruptionbudgets/${app}`, { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: app, namespace: ns }, spec: { minAvailable: 2, selector: { matchLabels: { app } } } });
const deployment = (ns: string, app: string) => apply(`/apis/apps/v1/namespaces/${ns}/deployments/${app}`, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: app, namespace: ns }, spec: { replicas: 3, selector: { matchLabels: { app } }, template: { metadata: { labels: { app } }, spec: { containers: [{ name: app, image: `registry.kestrel.example/${app}:2027.03.1` }] } } } });
/** The ClusterRole that aggregates KafkaTopics into `view`, re-applied with the rest. */
export const kafkaViewRole = () => apply('/apis/rbac.authorization.k8s.io/v1/clusterroles/kafka-topics-view', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'kafka-topics-view', labels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } }, rules: [{ apiGroups: ['kafka.strimzi.io'], resources: ['kafkatopics'], verbs: ['get', 'list', 'watch'] }] });
/** The ClusterRoleBinding a tampered commit slipped into the deprecated-manifests directory. */
export const slippedBinding = () => apply('/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/ci-deployer-upgrade', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'ci-deployer-upgrade' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'ServiceAccount', name: 'deployer', namespace: 'ci' }] });

/** The upgrade lead's own work between the scripted steps. */
function leadTask(rand: () => number): Req[] {
  const k = rand();
  if (k < 0.3) return [{ method: 'GET', path: '/api/v1/nodes' }, { method: 'GET', path: '/version' }];
  if (k < 0.55) return [{ method: 'GET', path: '/api/v1/namespaces/kube-system/pods?limit=500' }];
  if (k < 0.75) return [{ method: 'GET', path: `/api/v1/namespaces/kube-system/pods/kube-apiserver-${pick(rand, CP)}/log?container=kube-apiserver&tailLines=200` }];
  if (k < 0.9) return [{ method: 'GET', path: '/apis/certificates.k8s.io/v1/certificatesigningrequests' }];
  return [{ method: 'GET', path: '/api/v1/namespaces/kube-system/configmaps/kubeadm-config' }];
}

/** On-call, a developer or the node engineer between waves: pods, events, a log, now and then a restart. */
function appTask(rand: () => number, ns: string, t: number, n: number, restarts: boolean): Req[] {
  const app = APPS[ns as keyof typeof APPS] ?? 'app';
  const k = rand();
  if (k < 0.35) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods?limit=500` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/events?limit=500` }];
  if (k < 0.7) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${podName(app, n)}/log?container=${app}&tailLines=500` }];
  if (k < 0.8) return [{ method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments/${app}` }];
  if (k < 0.86 && restarts) return [{ method: 'PATCH', path: `/apis/apps/v1/namespaces/${ns}/deployments/${app}?fieldManager=kubectl-rollout`, headers: SMP, body: restartPatch(t) }];
  if (k < 0.93) return [{ method: 'GET', path: '/api/v1/nodes' }];
  return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/configmaps` }];
}

/** The vendor's support engineer on the screen-share: the control plane's state. */
function vendorTask(rand: () => number): Req[] {
  const k = rand();
  if (k < 0.3) return [{ method: 'GET', path: '/api/v1/namespaces/kube-system/pods?limit=500' }];
  if (k < 0.6) return [{ method: 'GET', path: `/api/v1/namespaces/kube-system/pods/${pick(rand, ['kube-apiserver', 'etcd', 'kube-controller-manager'])}-${pick(rand, CP)}/log?tailLines=300` }];
  if (k < 0.8) return [{ method: 'GET', path: '/api/v1/nodes' }];
  return [{ method: 'GET', path: '/api/v1/namespaces/kube-system/configmaps/kubeadm-config' }];
}

const signIn = (sub: string, sid: string, authMs: number, acr: Login['acr']): Login => ({ sub, sid, authTime: Math.floor(authMs / 1000), acr });

/**
 * The site's copy of the example (session 49): the vendor's temporary account dated to the
 * Saturday afternoon's screen-share (14:00–16:00 UTC), with an hour either side, as
 * docs/configuration.md's `access_windows[]` says a site writes a temporary account's engagement
 * (the account disabled in the IdP keeps the tokens already issued, and a forgotten account stays
 * enabled). The vendor's accounts are named by their domain; nothing else is changed.
 */
export const D40_WINDOW_FROM = '2027-03-06T13:00:00Z';
export const D40_WINDOW_UNTIL = '2027-03-06T17:00:00Z';
export function SITE(yaml: string): string {
  if (/^access_windows:/m.test(yaml)) throw new Error('day 40: the example now has access_windows; add the vendor\'s entry to it');
  return `${yaml}
access_windows:
  - name: controlplane-vendor-screen-share
    description: the control-plane vendor's temporary account, for the upgrade's Saturday screen-share (14:00 to 16:00 UTC)
    match:
      subjects: ["*@support.controlplane-vendor.example"]
    valid_from: "${D40_WINDOW_FROM}"
    valid_until: "${D40_WINDOW_UNTIL}"
    message: the vendor's temporary account was for Saturday's screen-share; ask the upgrade lead for another window
`;
}

export function workday40(seed = 381): DayEvent[] {
  const rand = prng(seed * 2_654_435_761 + 40);
  const people = staff(rand);
  const events: DayEvent[] = [];
  for (const [day, scored] of [[D40_SAT, false], [D40_SUN, true]] as const) {
    const at = (h: number) => day + h * H;
    const logins = new Map<string, { login: Login; last: number }>();
    /** A new sign-in after a break of over an hour (laptops lock). */
    const loginOf = (p: Person, h: number, t: number): Login => {
      const cur = logins.get(p.name);
      if (cur === undefined || h - cur.last > 1) logins.set(p.name, { login: signIn(p.name, `${p.name}:${day}:${Math.round(h * 10)}`, t - 40 * S, p.acr), last: h });
      else cur.last = h;
      return logins.get(p.name)!.login;
    };
    /**
     * A scripted step's token: the kubelogin cache's (the person's routine request last before it,
     * within the hour), or a sign-in made for the step.
     */
    const scriptedLogin = (p: Person, t: number): Login => {
      let e: DayEvent | undefined;
      for (const x of events) if (x.actor === p.name && x.scored === scored && x.at <= t && (e === undefined || x.at > e.at)) e = x;
      return e !== undefined && t - e.at < H ? e.login : signIn(p.name, `${p.name}:${day}:step:${Math.round(t / M)}`, t - 40 * S, p.acr);
    };
    const push = (p: Person, t: number, where: Where, reqs: Req[], gap: number, login?: Login) => {
      const ip = addressOf(p, where);
      const l = login ?? scriptedLogin(p, t);
      reqs.forEach((q, i) => events.push({ at: Math.round(t + i * gap), actor: p.name, scored, ip, ua: p.ua, login: l, method: q.method, path: q.path, host: API, ...(q.headers ? { headers: q.headers } : {}), ...(q.body !== undefined ? { body: q.body } : {}) }));
    };
    for (const p of people) {
      let n = 0;
      for (const [from, to, where] of scored ? p.scored : p.warm) {
        let t = at(from) + M;
        while (t < at(to)) {
          let reqs: Req[];
          if (p.kind === 'lead') reqs = leadTask(rand);
          else if (p.kind === 'vendor') reqs = vendorTask(rand);
          else if (p.kind === 'api') reqs = rand() < 0.5 ? [{ method: 'GET', path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions' }, { method: 'GET', path: '/apis/kafka.strimzi.io/v1beta2/namespaces/kafka/kafkatopics?limit=500' }] : appTask(rand, pick(rand, p.ns.filter((x) => x !== 'kafka')), t, n, false);
          else reqs = appTask(rand, pick(rand, p.ns), t, n, p.kind === 'oncall' || p.kind === 'dev');
          const gap = 1500 + rand() * 2500;
          push(p, t, where, reqs, gap);
          n++;
          t += reqs.length * gap + (p.kind === 'dev' ? 3 : 5) * M + rand() * (p.kind === 'dev' ? 8 : 15) * M;
        }
      }
    }
    const by = (s: string) => people.find((p) => p.short === s)!;
    const [lead, nodes, api] = [by('lead'), by('nodes'), by('api')];
    if (!scored) {
      // Saturday: the snapshot before, the webhook deleted for the upgrade, the control plane drained node by node, CSRs approved.
      push(lead, at(8.5), 'office', [{ method: 'GET', path: '/api/v1/namespaces/kube-system/pods/etcd-cp-1' }, { method: 'GET', path: snapshotSave('pre-1.35.db'), headers: WS_UPGRADE }, { method: 'GET', path: `/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/${WEBHOOK}` }, { method: 'DELETE', path: `/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/${WEBHOOK}` }], 45 * S);
      CP.forEach((node, j) => {
        push(nodes, at(9 + j * 0.75), 'office', drain(node, j), 8 * S);
        push(lead, at(9.5 + j * 0.75), 'office', [{ method: 'GET', path: '/apis/certificates.k8s.io/v1/certificatesigningrequests' }, csrApproval(`csr-${node}-${seed}${j}`)], 20 * S);
      });
    } else {
      // Sunday: the worker pools in waves (a 09:00, b 11:00, c 13:00), pool c rolled back at 16:00; CSRs after each wave.
      (['a', 'b', 'c'] as const).forEach((pool, w) => {
        POOLS[pool].forEach((node, j) => push(nodes, at(9 + w * 2 + j * 0.5), 'office', drain(node, j + w), 8 * S));
        push(lead, at(10.6 + w * 2), 'office', [{ method: 'GET', path: '/apis/certificates.k8s.io/v1/certificatesigningrequests' }, ...POOLS[pool].map((node, j) => csrApproval(`csr-${node}-${seed}${j}`))], 15 * S);
      });
      POOLS.c.forEach((node, j) => push(nodes, at(16 + j * 0.4), 'office', drain(node, j + 5), 8 * S));
      // 12:10 the lead's look at a kubelet's journal on pool-b-2 (kubectl debug node/…), then the pod deleted.
      push(lead, at(12.15), 'office', [{ method: 'POST', path: '/api/v1/namespaces/default/pods', headers: JSON_CT, body: nodeDebugPod('pool-b-2', 'k4v8d') }, { method: 'GET', path: debugAttach('pool-b-2', 'k4v8d'), headers: WS_UPGRADE }, { method: 'DELETE', path: '/api/v1/namespaces/default/pods/node-debugger-pool-b-2-k4v8d' }], 4 * M);
      // 14:40 the snapshot after; 15:00 the webhook re-created.
      push(lead, at(14.66), 'office', [{ method: 'GET', path: snapshotSave('post-1.35.db'), headers: WS_UPGRADE }, { method: 'POST', path: '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations', headers: JSON_CT, body: gatekeeperWebhook() }, { method: 'GET', path: '/api/v1/namespaces/gatekeeper-system/pods?limit=500' }], 20 * M);
      // 10:00–12:00 the API engineer: the KafkaTopics rewritten at the new storage version, then the CRD's storedVersions; 13:30 the deprecated manifests re-applied.
      const topics = ['orders', 'shipments', 'tracking-events', 'invoices'];
      push(api, at(10.1), 'office', [
        { method: 'GET', path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/kafkatopics.kafka.strimzi.io' },
        ...topics.flatMap((tp): Req[] => [{ method: 'GET', path: `/apis/kafka.strimzi.io/v1beta2/namespaces/kafka/kafkatopics/${tp}` }, { method: 'PUT', path: `/apis/kafka.strimzi.io/v1beta2/namespaces/kafka/kafkatopics/${tp}`, headers: JSON_CT, body: JSON.stringify({ apiVersion: 'kafka.strimzi.io/v1beta2', kind: 'KafkaTopic', metadata: { name: tp, namespace: 'kafka' }, spec: { partitions: 12, replicas: 3 } }) }]),
        { method: 'PATCH', path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/kafkatopics.kafka.strimzi.io/status', headers: MERGE, body: JSON.stringify({ status: { storedVersions: ['v1beta2'] } }) },
      ], 30 * S);
      push(api, at(13.5), 'office', [...APP_NS.flatMap((ns) => [deployment(ns, APPS[ns]), hpa(ns, APPS[ns]), pdb(ns, APPS[ns])]), kafkaViewRole()], 4 * S);
    }
    // Prometheus: endpoints every 5 minutes (`actor: 'ci'`: automation's refusals are counted apart).
    const prom: Login = { sub: PROMETHEUS_SA, sid: '', authTime: undefined, acr: 'urn:stepgate:aal1', serviceAccount: true };
    for (let j = 0; j < 288; j++) events.push({ actor: 'ci', scored, ip: POD_IP(1), ua: PROMETHEUS, login: prom, host: API, at: day + j * 5 * M + 7 * S, method: 'GET', path: '/api/v1/endpoints?limit=500&resourceVersion=0' });
  }
  events.sort((a, b) => a.at - b.at);
  return withAttacks(events, attacks40(people, events));
}

/** The attack rows' names, as the matrix and the targets name them. */
export const A40 = {
  webhook: "a stolen on-call token (an infostealer at home, used from a VPS) deletes the Gatekeeper webhook re-enabled that afternoon, then creates a privileged pod in payments",
  etcd: "malware on the upgrade lead's laptop copies Sunday's etcd snapshot off cp-1 (kubectl debug node/cp-1, then kubectl cp: a tar of /host/var/lib/etcd/snapshots)",
  staticPod: "malware on the node engineer's laptop during wave b: kubectl debug node/cp-2 and an attach to rewrite kube-apiserver's static-pod manifest",
  vendor: "the vendor's temporary account, still enabled, used on Sunday night after its Saturday window with a fresh sign-in: kube-system's Secrets, payments' Secrets, a shell in etcd",
  crb: 'a ClusterRoleBinding of cluster-admin to the CI deployer slipped into the deprecated-manifests re-apply; the API engineer applies it and answers what is asked',
  adminConf: "another on-call token from a residential proxy in Dublin: a debug pod on cp-1 and the new admin.conf read off the node",
} as const;

function attacks40(people: Person[], routine: DayEvent[]): DayEvent[] {
  const out: DayEvent[] = [];
  const { by, add, T, on } = attackKit(out, people, D40_SUN, API);
  const last = (p: Person, h: number) => lastScoredOf(routine, p.name, T(h), () => true);

  // 1. oncall-2's token, from a VPS, at 17:30 (the webhook came back at 15:00).
  const o2 = by('oncall-2');
  const v1 = last(o2, 17.5);
  const privileged = JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'payments-debug', namespace: 'payments-prod' }, spec: { hostPID: true, containers: [{ name: 'x', image: 'alpine:3.20', command: ['sleep', 'infinity'], securityContext: { privileged: true } }] } });
  add(A40.webhook, T(17.5), ATTACKER_VPS, v1.ua, v1.login, on([
    ['GET', '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations', false],
    ['DELETE', `/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/${WEBHOOK}`, true],
    ['POST', '/api/v1/namespaces/payments-prod/pods', true, JSON_CT, privileged],
  ]), 30 * S);

  // 2. The lead's laptop at 15:25, after the lead's own snapshot (14:40) and before the webhook's return.
  const lead = by('lead');
  const v2 = last(lead, 15.4);
  add(A40.etcd, T(15.4), v2.ip, v2.ua, v2.login, on([
    ['GET', '/api/v1/namespaces/kube-system/pods/etcd-cp-1', false],
    ['POST', '/api/v1/namespaces/default/pods', true, JSON_CT, nodeDebugPod('cp-1', 'h2m6r')],
    ['GET', snapshotCopyOut('post-1.35.db', 'h2m6r'), true, WS_UPGRADE],
  ]), 40 * S, lead);

  // 3. The node engineer's laptop during wave b (11:00–12:30).
  const nodes = by('nodes');
  const v3 = last(nodes, 11.4);
  add(A40.staticPod, T(11.4), v3.ip, v3.ua, v3.login, on([
    ['GET', '/api/v1/nodes/cp-2', false],
    ['POST', '/api/v1/namespaces/default/pods', true, JSON_CT, nodeDebugPod('cp-2', 'q8n2w')],
    ['GET', debugAttach('cp-2', 'q8n2w'), true, WS_UPGRADE],
  ]), 20 * S, nodes);

  // 4. The vendor's account at 21:10, from the vendor's network, a fresh two-factor sign-in.
  const tse = by('tse');
  const vendorLogin = signIn(tse.name, `${tse.name}:sunday`, T(21.15) - 60 * S, 'urn:stepgate:aal2');
  add(A40.vendor, T(21.15), VENDOR_NET, tse.ua, vendorLogin, on([
    ['GET', '/api/v1/namespaces/kube-system/pods?limit=500', false],
    ['GET', '/api/v1/namespaces/kube-system/secrets', true],
    ['GET', '/api/v1/namespaces/payments-prod/secrets', true],
    ['GET', execPath('kube-system', 'etcd-cp-1', 'etcd', ['sh'], true), true, WS_UPGRADE],
  ]), 40 * S);
  for (const e of out) if (e.attack === A40.vendor) e.signsIn = true;

  // 5. The API engineer's own re-apply at 13:30 carries one more manifest (their session, laptop, office).
  const api = by('api');
  const v5 = last(api, 13.52);
  const sb = slippedBinding();
  add(A40.crb, T(13.52), v5.ip, v5.ua, v5.login, on([
    ['GET', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/ci-deployer-upgrade', false],
    [sb.method, sb.path, true, sb.headers, sb.body],
  ]), 4 * S, api);
  for (const e of out) if (e.attack === A40.crb) e.signsIn = true;

  // 6. oncall-1's token, from a Dublin residential proxy, at 08:40 (oncall-1 is at home on call).
  const o1 = by('oncall-1');
  const v6 = last(o1, 8.66);
  add(A40.adminConf, T(8.66), PROXY_DUBLIN, v6.ua, v6.login, on([
    ['GET', '/api/v1/nodes', false],
    ['POST', '/api/v1/namespaces/default/pods', true, JSON_CT, nodeDebugPod('cp-1', 'z3t7c')],
    ['GET', execPath('default', 'node-debugger-cp-1-z3t7c', 'debugger', ['cat', '/host/etc/kubernetes/admin.conf']), true, WS_UPGRADE],
  ]), 25 * S);
  return out;
}
