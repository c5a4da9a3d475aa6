import { attackKit, type AttackRequest, type DayEvent, jitteredSittings, LINUX, type Login, MAC, podName, prng, restartPatch, type StaffMember, WIN, withAttacks, WS_UPGRADE } from './workday.js';
import { sittings, type SittingRequest } from './sittings.js';

/**
 * A forty-ninth replayed day, written as an outside red team and an outside observer of real
 * engineers would after reading docs/risk.md (days 1–47), docs/guardrails.md and
 * docs/configuration.md, from a situation those days do not have: a SaaS company (Tidewave, a
 * scheduling product, `kubernetes.tidewave.example`, one cluster that holds production, staging and
 * the pull-request previews) whose developers live in EPHEMERAL PREVIEW ENVIRONMENTS. A bot (the
 * preview controller's service account, from the in-cluster CI runners) creates a namespace per pull
 * request (`pr-<n>`, labelled `preview: "true"` and Pod Security `baseline`), installs the app's
 * Helm chart into it and updates its image at every push; a few pull requests get a vcluster in
 * their namespace (its syncer then writes the virtual cluster's pods into the host namespace).
 * Developers work from laptops in their previews (Telepresence's port-forward to its
 * traffic-manager, devspace's image swap and file sync, `vcluster connect`) and touch production
 * only at the day's release (15:00), when they watch their change roll out; a release manager with
 * a hardware key promotes the release's images to production; a platform engineer looks after the
 * preview machinery and deletes stale previews; a security engineer runs the weekly kube-bench Job
 * (hostPID and the node's configuration mounted, as kube-bench's own job.yaml has it) and reads
 * trivy-operator's reports; an external contributor (a guest account of the IdP, two factors) reads
 * the preview of their own pull request. Warm-up Tuesday 18 January 2028, scored Wednesday 19
 * (Lisbon, UTC+0 in January). Hours below are UTC.
 *
 * The example as shipped: its preview rules (`pr-*` in guardrails.namespaces' lower environments,
 * `preview-namespace-deletes`) are what such a company would read in docs/configuration.md.
 *
 * Routine, as the tools send it:
 * - five developers (two factors): dev-1 (Mac, office), dev-2 (Linux, home; Telepresence every
 *   session), dev-3 (Mac, home), dev-4 (Windows, office), dev-5 (Mac, office; a vcluster preview):
 *   their previews' pods, logs, Deployments, a devspace image swap and sync (an exec running tar),
 *   Telepresence's traffic-manager port-forward, `vcluster connect` (the kubeconfig Secret and a
 *   port-forward); at the 15:00 release, production's pods and the app's log, read only;
 * - rm-1, the release manager (Mac, office, hardware key): staging's and production's Deployments,
 *   the release's images set on prod-app and prod-billing at 15:00, the rollout watched;
 * - plat-1 (Linux, office, hardware key): the preview controller's namespace and logs, the nodes,
 *   stale previews deleted (two or three a day), the traffic-manager's pods;
 * - sec-1 (Linux, office, hardware key): kube-bench's Job created at 10:00 in `kube-bench` and its
 *   log read, trivy-operator's VulnerabilityReports and ConfigAuditReports across namespaces;
 * - ext-1 (an outside contributor, Linux, home, two factors at the IdP as a guest): their preview
 *   pr-1417's pods and log, in the afternoon;
 * - the preview bot (`system:serviceaccount:preview-system:preview-bot`, from the CI runners' pod
 *   network): a new preview's Namespace, the Helm release record, the image set at every push;
 * - the vcluster syncer of pr-1405 (`system:serviceaccount:pr-1405:vc-vcluster`) writes the
 *   virtual cluster's pods into the host namespace in-cluster, not through the gateway (not
 *   replayed; through the gateway the example's pod-creates refuses it, a test in
 *   risk-day49-findings.test.ts).
 *
 * The attacks, each written after reading what stepgate looks at:
 * - the preview bot's token read by a pull request's build step on the shared runner (its own
 *   address and Helm): a namespace labelled Pod Security `privileged`, then a vcluster StatefulSet
 *   in it whose syncer mounts the node's `/var/log` and `/var/lib/kubelet/pods` and runs on the
 *   host's network (vcluster's host-path mapper and host networking);
 * - malware on dev-5's laptop at 10:40 (dev-5's kubectl, token and office): in dev-5's own vcluster
 *   preview, where dev-5 reads the vcluster's kubeconfig Secret every day, a Secret that asks
 *   Reflector to copy production's Stripe key into it, another that asks kubernetes-replicator to
 *   copy prod-app's environment, and the first read back;
 * - an external contributor's pull request whose preview chart (applied by the bot, as every
 *   preview is) carries an ExternalSecret of the cluster's Kubernetes-provider ClusterSecretStore
 *   for prod-billing, then the app's Deployment printing the Secret it makes;
 * - malware on dev-2's laptop (Telepresence's own client, token and home network) at 11:40:
 *   `telepresence intercept` of production's web Deployment: the traffic-manager's pod found and
 *   port-forwarded to, production's Deployment read (the manager's webhook injects the agent);
 * - ext-1's token printed in a CI log (a debug step's `kubectl config view --raw`), replayed from a
 *   VPS at 16:20: the preview's Secrets, a shell in it, production's Secrets;
 * - malware on dev-3's laptop at 09:06, four minutes after dev-3's morning sign-in: production's
 *   web Deployment set to the contributor's preview image (`kubectl set image`);
 * - an insider (plat-1, who answers any step-up) at 17:40 deleting the previews of merged pull
 *   requests one by one, with prod-billing sixth in the list.
 */

export const D49_TUE = Date.UTC(2028, 0, 18, 0, 0, 0); // warm-up
export const D49_WED = Date.UTC(2028, 0, 19, 0, 0, 0); // scored
const [H, M, S] = [3_600_000, 60_000, 1000];

export const API = 'kubernetes.tidewave.example';
export const KUBECTL = (os: string) => `kubectl/v1.31.3 (${os}) kubernetes/c83cbee`;
/** Telepresence's client (client-go's default agent with its binary's name) and devspace's. */
export const TELEPRESENCE = (os: string) => `telepresence/v0.0.0 (${os}) kubernetes/$Format`;
export const DEVSPACE = (os: string) => `devspace/v0.0.0 (${os}) kubernetes/$Format`;
export const VCLUSTER = (os: string) => `vcluster/v0.0.0 (${os}) kubernetes/$Format`;
export const HELM = 'Helm/3.16.3';
const SMP = { 'content-type': 'application/strategic-merge-patch+json' };
const JSON_CT = { 'content-type': 'application/json' };

export const nameOf = (short: string) => `d49-${short}@tidewave.example`;
export const CONTRIBUTOR = 'd49-ext-1@users.github-guest.tidewave.example';
export const PREVIEW_BOT = 'system:serviceaccount:preview-system:preview-bot';
export const SYNCER = (pr: number) => `system:serviceaccount:pr-${pr}:vc-vcluster`;

export const OFFICE = '188.81.40.17';
export const HOME: Readonly<Record<string, string>> = { 'dev-2': '94.63.118.20', 'dev-3': '85.241.77.6', 'ext-1': '31.22.140.9' };
/** The CI runners' pod network (in-cluster, behind the nodes' NAT). */
export const RUNNER = (j: number) => `10.42.7.${10 + (j % 40)}`;
/** A VPS the contributor's token is replayed from. */
export const VPS = '95.216.44.211';

export const PROD = 'prod-app';
export const BILLING = 'prod-billing';
export const PR = (n: number) => `pr-${n}`;
/** The contributor's pull request and its preview. */
export const EXT_PR = 1417;
/** The pull request whose preview is a vcluster. */
export const VC_PR = 1405;
export const SECRET = (ns: string, name: string) => `/api/v1/namespaces/${ns}/secrets/${name}`;
export const DEPLOYMENT = (ns: string, name: string) => `/apis/apps/v1/namespaces/${ns}/deployments/${name}`;
export const previewImage = (pr: number, tag: string) => `ghcr.io/tidewave/app:pr-${pr}-${tag}`;
export const setImage = (image: string, name = 'app') => JSON.stringify({ spec: { template: { spec: { containers: [{ name, image }] } } } });

type Kind = 'dev' | 'rm' | 'plat' | 'sec' | 'ext';
type Where = 'office' | 'home';

interface Person extends StaffMember<Where> {
  short: string;
  kind: Kind;
  ua: string;
  acr: Login['acr'];
  /** The person's pull requests (their previews) on the warm-up and the scored day. */
  prs: [number[], number[]];
}

function staff(rand: () => number): Person[] {
  const out: Person[] = [];
  const add = (short: string, kind: Kind, os: string, acr: Login['acr'], prs: [number[], number[]], warm: [number, number, Where][], scored: [number, number, Where][]) => {
    const kubectlOs = os === LINUX ? 'linux/amd64' : os === MAC ? 'darwin/arm64' : 'windows/amd64';
    const name = kind === 'ext' ? CONTRIBUTOR : nameOf(short);
    out.push({ name, short, idx: out.length, svc: kind, kind, ua: KUBECTL(kubectlOs), os, kubectlOs, kubectlVersion: 'v1.31.3', acr, prs, warm: jitteredSittings(rand, warm), scored: jitteredSittings(rand, scored) });
  };
  add('dev-1', 'dev', MAC, 'urn:stepgate:aal2', [[1398, 1401], [1401, 1409]], [[9, 12.5, 'office'], [13.5, 17.5, 'office']], [[9, 12.5, 'office'], [13.5, 17.5, 'office']]);
  add('dev-2', 'dev', LINUX, 'urn:stepgate:aal2', [[1399], [1399, 1411]], [[8.5, 12, 'home'], [13, 17, 'home']], [[8.5, 12, 'home'], [13, 17, 'home']]);
  add('dev-3', 'dev', MAC, 'urn:stepgate:aal2', [[1402, 1403], [1403, 1412]], [[9, 12.5, 'home'], [13.5, 17, 'home']], [[9, 12.5, 'home'], [13.5, 17, 'home']]);
  add('dev-4', 'dev', WIN, 'urn:stepgate:aal2', [[1400], [1400, 1414]], [[9.5, 12.5, 'office'], [13.5, 18, 'office']], [[9.5, 12.5, 'office'], [13.5, 18, 'office']]);
  add('dev-5', 'dev', MAC, 'urn:stepgate:aal2', [[VC_PR], [VC_PR]], [[9, 12, 'office'], [13, 17.5, 'office']], [[9, 12, 'office'], [13, 17.5, 'office']]);
  add('rm-1', 'rm', MAC, 'urn:stepgate:aal3', [[], []], [[9, 12, 'office'], [13, 17, 'office']], [[9, 12, 'office'], [13, 17, 'office']]);
  add('plat-1', 'plat', LINUX, 'urn:stepgate:aal3', [[], []], [[8.5, 12, 'office'], [13, 17.5, 'office']], [[8.5, 12, 'office'], [13, 18, 'office']]);
  add('sec-1', 'sec', LINUX, 'urn:stepgate:aal3', [[], []], [[9.5, 12, 'office'], [13, 16.5, 'office']], [[9.5, 12, 'office'], [13, 16.5, 'office']]);
  add('ext-1', 'ext', LINUX, 'urn:stepgate:aal2', [[EXT_PR], [EXT_PR]], [[14, 16, 'home']], [[14, 16, 'home']]);
  return out;
}

const addressOf = (p: Person, where: Where): string => (where === 'home' ? (HOME[p.short] ?? OFFICE) : OFFICE);

type Req = SittingRequest;

/** A developer in their previews: pods, logs, Deployments, devspace, Telepresence, vcluster connect. */
function devTask(rand: () => number, p: Person, n: number, t: number, scored: boolean): Req[] {
  const k = rand();
  const prs = p.prs[scored ? 1 : 0];
  const pr = prs[n % prs.length]!;
  const ns = PR(pr);
  const pod = podName('app', n + pr);
  if (p.short === 'dev-2' && n % 3 === 0) {
    // `telepresence connect` then an intercept of the preview's app: the traffic-manager found and port-forwarded to.
    const ua = TELEPRESENCE(p.kubectlOs);
    return [
      { method: 'GET', path: '/api/v1/namespaces/ambassador/pods?labelSelector=app%3Dtraffic-manager', ua },
      { method: 'POST', path: `/api/v1/namespaces/ambassador/pods/${podName('traffic-manager', 1)}/portforward`, headers: WS_UPGRADE, ua },
      { method: 'GET', path: DEPLOYMENT(ns, 'app'), ua },
    ];
  }
  if (pr === VC_PR && n % 3 === 0) {
    // `vcluster connect vc -n pr-1405`: the kubeconfig Secret, the syncer's pod and a port-forward to it.
    const ua = VCLUSTER(p.kubectlOs);
    return [
      { method: 'GET', path: SECRET(ns, 'vc-vcluster'), ua },
      { method: 'GET', path: `/api/v1/namespaces/${ns}/pods?labelSelector=app%3Dvcluster`, ua },
      { method: 'POST', path: `/api/v1/namespaces/${ns}/pods/vcluster-0/portforward`, headers: WS_UPGRADE, ua },
    ];
  }
  if (k < 0.25) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods?limit=500` }];
  if (k < 0.5) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${pod}/log?tailLines=300` }];
  if (k < 0.62) return [{ method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments?limit=500` }];
  if (k < 0.8) {
    // `devspace dev`: the app's image swapped for the dev image, then the file sync (an exec running tar).
    const ua = DEVSPACE(p.kubectlOs);
    return [
      { method: 'PATCH', path: DEPLOYMENT(ns, 'app'), headers: SMP, body: setImage('ghcr.io/loft-sh/devspace-containers/node:20-alpine'), ua },
      { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${pod}/exec?command=tar&command=xzp&command=-C&command=%2Fapp&container=app&stdin=true&stdout=true&stderr=true`, headers: WS_UPGRADE, ua },
    ];
  }
  if (k < 0.9) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/configmaps/app-config` }];
  return [{ method: 'PATCH', path: `${DEPLOYMENT(ns, 'app')}?fieldManager=kubectl-rollout`, headers: SMP, body: restartPatch(t) }];
}

/** The release manager outside the release: staging's and production's Deployments and pods. */
function rmTask(rand: () => number, n: number): Req[] {
  const k = rand();
  const ns = [PROD, BILLING, 'staging'][n % 3]!;
  if (k < 0.4) return [{ method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments?limit=500` }];
  if (k < 0.75) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods?limit=500` }];
  return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/events?limit=500` }];
}

/** The platform engineer: the preview controller, the traffic-manager, the nodes, a stale preview deleted. */
function platTask(rand: () => number, n: number, scored: boolean): Req[] {
  const k = rand();
  if (k < 0.25) return [{ method: 'GET', path: '/api/v1/namespaces?labelSelector=preview%3Dtrue' }];
  if (k < 0.45) return [{ method: 'GET', path: `/api/v1/namespaces/preview-system/pods/${podName('preview-controller', n)}/log?tailLines=500` }];
  if (k < 0.6) return [{ method: 'GET', path: '/api/v1/nodes' }];
  if (k < 0.75) return [{ method: 'GET', path: '/api/v1/namespaces/ambassador/pods?limit=500' }];
  if (k < 0.88) return [{ method: 'GET', path: '/apis/apps/v1/namespaces/preview-system/deployments?limit=500' }];
  return [{ method: 'GET', path: `/api/v1/namespaces/${PR(1398 + (n % (scored ? 20 : 10)))}/pods?limit=500` }];
}

/** The security engineer: trivy-operator's reports, namespaces. */
function secTask(rand: () => number, n: number): Req[] {
  const k = rand();
  const ns = [PROD, BILLING, 'staging', PR(1401)][n % 4]!;
  if (k < 0.35) return [{ method: 'GET', path: `/apis/aquasecurity.github.io/v1alpha1/namespaces/${ns}/vulnerabilityreports?limit=500` }];
  if (k < 0.65) return [{ method: 'GET', path: `/apis/aquasecurity.github.io/v1alpha1/configauditreports?limit=500` }];
  if (k < 0.85) return [{ method: 'GET', path: '/apis/aquasecurity.github.io/v1alpha1/clustercompliancereports' }];
  return [{ method: 'GET', path: '/api/v1/namespaces' }];
}

/** The contributor: their preview's pods and log. */
function extTask(rand: () => number, n: number): Req[] {
  const ns = PR(EXT_PR);
  if (rand() < 0.5) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods?limit=500` }];
  return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${podName('app', n)}/log?tailLines=200` }];
}

/** kube-bench's job.yaml (aquasecurity/kube-bench, job.yaml): hostPID and the node's configuration read-only. */
export const kubeBenchJob = (name: string) =>
  JSON.stringify({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: 'kube-bench' },
    spec: {
      template: {
        spec: {
          hostPID: true,
          restartPolicy: 'Never',
          containers: [
            {
              name: 'kube-bench',
              image: 'docker.io/aquasec/kube-bench:v0.9.2',
              command: ['kube-bench'],
              volumeMounts: [
                { name: 'var-lib-kubelet', mountPath: '/var/lib/kubelet', readOnly: true },
                { name: 'etc-kubernetes', mountPath: '/etc/kubernetes', readOnly: true },
                { name: 'etc-systemd', mountPath: '/etc/systemd', readOnly: true },
              ],
            },
          ],
          volumes: [
            { name: 'var-lib-kubelet', hostPath: { path: '/var/lib/kubelet' } },
            { name: 'etc-kubernetes', hostPath: { path: '/etc/kubernetes' } },
            { name: 'etc-systemd', hostPath: { path: '/etc/systemd' } },
          ],
        },
      },
    },
  });

/** A preview's Namespace as the bot creates it. */
export const previewNamespace = (pr: number, enforce = 'baseline') =>
  JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: PR(pr), labels: { preview: 'true', 'tidewave.example/pull-request': String(pr), 'pod-security.kubernetes.io/enforce': enforce } } });
/**
 * Helm's release record with `HELM_DRIVER=configmap` (its payload abbreviated): the bot cannot write
 * Secrets through the gateway (the example's `secrets` rule asks two factors, which automation has
 * not), so the preview charts hold no Secret and the bot keeps its records in ConfigMaps.
 */
export const releaseRecord = (pr: number, v: number) =>
  JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `sh.helm.release.v1.app.v${v}`, namespace: PR(pr), labels: { name: 'app', owner: 'helm', status: 'deployed', version: String(v) } }, data: { release: 'H4sIAAAAAAAC/6yUbW/bNhD+KwYz' } });
/** A pod of the virtual cluster as the syncer writes it into the host namespace. */
export const syncedPod = (pr: number, j: number) =>
  JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `web-${podName('x', j)}-x-default-x-vcluster`, namespace: PR(pr), labels: { 'vcluster.loft.sh/managed-by': 'vcluster', 'vcluster.loft.sh/namespace': 'default' } }, spec: { serviceAccountName: 'vc-workload-vcluster', automountServiceAccountToken: false, containers: [{ name: 'web', image: 'ghcr.io/tidewave/app:pr-1405-dev' }] } });

export function workday49(seed = 471): DayEvent[] {
  const rand = prng(seed * 2_654_435_761 + 49);
  const people = staff(rand);
  const events: DayEvent[] = [];
  const replay = sittings<Where, Person>(rand, people, {
    events,
    api: API,
    addressOf: (p, where) => addressOf(p, where),
    usualPlace: (p) => (HOME[p.short] !== undefined ? 'home' : 'office'),
  });
  for (const [day, scored] of [[D49_TUE, false], [D49_WED, true]] as const) {
    const { at, push } = replay(day, scored, {
      task: (p, n, t) => (p.kind === 'dev' ? devTask(rand, p, n, t, scored) : p.kind === 'rm' ? rmTask(rand, n) : p.kind === 'plat' ? platTask(rand, n, scored) : p.kind === 'sec' ? secTask(rand, n) : extTask(rand, n)),
      pace: (p) => (p.kind === 'dev' ? [6, 14] : p.kind === 'ext' ? [10, 20] : [8, 20]),
    });
    const by = (s: string) => people.find((p) => p.short === s)!;
    // 10:00, the weekly kube-bench sweep: its Job created from kube-bench's job.yaml, its log read a few minutes later.
    const sec1 = by('sec-1');
    push(sec1, at(10.05), [{ method: 'POST', path: '/apis/batch/v1/namespaces/kube-bench/jobs', headers: JSON_CT, body: kubeBenchJob(`kube-bench-${scored ? '0119' : '0118'}`) }, { method: 'GET', path: `/api/v1/namespaces/kube-bench/pods?labelSelector=job-name%3Dkube-bench-${scored ? '0119' : '0118'}` }], 4 * M);
    // Soon after the morning's first sitting starts, the platform engineer deletes the previews of pull requests closed yesterday (three, one command).
    const plat1 = by('plat-1');
    push(plat1, at(plat1[scored ? 'scored' : 'warm'][0]![0] + 0.1), [0, 1, 2].map((i) => ({ method: 'DELETE', path: `/api/v1/namespaces/${PR(1360 + i * 3 + (scored ? 1 : 0))}` })), 2 * S);
    // 15:00, the release: the release manager sets the release's images in production and watches them roll out.
    const tag = `2028.1.${scored ? 19 : 18}`;
    const rm1 = by('rm-1');
    push(rm1, at(15), [
      { method: 'GET', path: DEPLOYMENT('staging', 'app') },
      { method: 'PATCH', path: `${DEPLOYMENT(PROD, 'web')}?fieldManager=kubectl-set`, headers: SMP, body: setImage(`ghcr.io/tidewave/app:${tag}`, 'web') },
      { method: 'PATCH', path: `${DEPLOYMENT(BILLING, 'billing-api')}?fieldManager=kubectl-set`, headers: SMP, body: setImage(`ghcr.io/tidewave/billing-api:${tag}`, 'billing-api') },
      { method: 'GET', path: DEPLOYMENT(PROD, 'web') },
      { method: 'GET', path: `/api/v1/namespaces/${PROD}/pods?labelSelector=app%3Dweb` },
    ], 40 * S);
    // 15:05–15:30, the developers watch their change reach production: its pods and the app's log.
    for (const p of people.filter((x) => x.kind === 'dev')) {
      push(p, at(15.1 + p.idx * 0.05), [{ method: 'GET', path: `/api/v1/namespaces/${PROD}/pods?labelSelector=app%3Dweb` }, { method: 'GET', path: `/api/v1/namespaces/${PROD}/pods/${podName('web', p.idx + (scored ? 10 : 0))}/log?tailLines=200` }], 30 * S);
    }
    // The preview bot: a new preview now and then, the release record and the image at every push (every 12 minutes, 07:00–19:00).
    const bot: Login = { sub: PREVIEW_BOT, sid: '', authTime: undefined, acr: 'urn:stepgate:aal1', serviceAccount: true };
    const all = people.flatMap((p) => p.prs[scored ? 1 : 0]);
    for (let j = 0; j < 60; j++) {
      const t = day + 7 * H + j * 12 * M + 2 * M;
      const pr = all[(seed + j * 7) % all.length]!;
      const sha = (seed * 7919 + j * 104729 + (scored ? 1 : 0)).toString(16).slice(0, 7);
      const base = { actor: 'ci', scored, ip: RUNNER(j), ua: HELM, login: bot, host: API };
      if (j % 15 === 0) events.push({ ...base, at: t - 20 * S, method: 'POST', path: '/api/v1/namespaces', headers: JSON_CT, body: previewNamespace(1420 + j / 15 + (scored ? 10 : 0)) });
      events.push({ ...base, at: t, method: 'GET', path: `/api/v1/namespaces/${PR(pr)}/configmaps?labelSelector=name%3Dapp%2Cowner%3Dhelm` });
      events.push({ ...base, at: t + 5 * S, method: 'POST', path: `/api/v1/namespaces/${PR(pr)}/configmaps`, headers: JSON_CT, body: releaseRecord(pr, 2 + j) });
      events.push({ ...base, at: t + 10 * S, method: 'PATCH', path: DEPLOYMENT(PR(pr), 'app'), headers: SMP, body: setImage(previewImage(pr, sha)) });
    }
    // The vcluster of pr-1405: its syncer writes the virtual cluster's pods into the host namespace
    // with in-cluster configuration (kubernetes.default.svc), which does not pass the gateway; sent
    // through it, the example's pod-creates rule refuses them (automation_step_up: docs/risk.md "Day 49").
  }
  events.sort((a, b) => a.at - b.at);
  return withAttacks(events, attacks49(people, events));
}

/** The attack rows' names, as the matrix and the targets name them. */
export const A49 = {
  bot: "the preview bot's token read by a pull request's build step on the shared runner: a namespace labelled Pod Security privileged, then a vcluster whose syncer mounts the node's /var/log and kubelet pods on the host's network",
  reflect: "malware on dev-5's laptop with dev-5's kubectl, token and office: Secrets in dev-5's own preview that ask Reflector and kubernetes-replicator to copy production's Stripe key and prod-app's environment into it, then the copy read back",
  prChart: "an external contributor's pull request whose preview chart (applied by the preview bot) carries an ExternalSecret of the cluster's Kubernetes-provider store for prod-billing and a Deployment printing it",
  intercept: "malware on dev-2's laptop with Telepresence's own client, token and home network: an intercept of production's web Deployment through the shared traffic-manager",
  ciLog: "the external contributor's token printed in a CI log, replayed from a VPS: the preview's Secrets, a shell in it, production's Secrets",
  promote: "malware on dev-3's laptop four minutes after dev-3's morning sign-in: production's web Deployment set to the contributor's preview image",
  insider: "insider: plat-1 deleting merged pull requests' previews one by one, prod-billing sixth in the list",
} as const;

export const STRIPE = 'stripe-live';
/** A Secret that asks Reflector to copy `from` (namespace/name) into it. */
export const reflected = (ns: string, name: string, from: string) =>
  JSON.stringify({ apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: { name, namespace: ns, annotations: { 'reflector.v1.k8s.emberstack.com/reflects': from } }, data: {} });
/** A Secret that asks kubernetes-replicator to copy `from` (namespace/name) into it. */
export const replicated = (ns: string, name: string, from: string) =>
  JSON.stringify({ apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: { name, namespace: ns, annotations: { 'replicator.v1.mittwald.de/replicate-from': from } }, data: {} });
/** An ExternalSecret of the ClusterSecretStore `store` (the External Secrets Operator's Kubernetes provider, reading another namespace's Secrets). */
export const externalSecret = (ns: string, name: string, store: string, key: string) =>
  JSON.stringify({ apiVersion: 'external-secrets.io/v1beta1', kind: 'ExternalSecret', metadata: { name, namespace: ns }, spec: { refreshInterval: '1h', secretStoreRef: { kind: 'ClusterSecretStore', name: store }, target: { name }, dataFrom: [{ extract: { key } }] } });
/** vcluster's StatefulSet as its chart renders it with the host-path mapper and host networking. */
export const hostVcluster = (ns: string) =>
  JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'vcluster', namespace: ns, labels: { app: 'vcluster' } },
    spec: {
      serviceName: 'vcluster-headless',
      selector: { matchLabels: { app: 'vcluster' } },
      template: {
        metadata: { labels: { app: 'vcluster' } },
        spec: {
          hostNetwork: true,
          serviceAccountName: 'vc-vcluster',
          containers: [
            { name: 'syncer', image: 'ghcr.io/loft-sh/vcluster-pro:0.21.2', args: ['start'], volumeMounts: [{ name: 'logs', mountPath: '/var/log' }, { name: 'kubelet-pods', mountPath: '/var/lib/kubelet/pods' }] },
            { name: 'hostpath-mapper', image: 'ghcr.io/loft-sh/vcluster-hpm:0.1.1', volumeMounts: [{ name: 'logs', mountPath: '/var/log' }, { name: 'kubelet-pods', mountPath: '/var/lib/kubelet/pods' }] },
          ],
          volumes: [
            { name: 'logs', hostPath: { path: '/var/log' } },
            { name: 'kubelet-pods', hostPath: { path: '/var/lib/kubelet/pods' } },
          ],
        },
      },
    },
  });

function attacks49(people: Person[], routine: DayEvent[]): DayEvent[] {
  const out: DayEvent[] = [];
  const { by, add, T, on } = attackKit(out, people, D49_WED, API);
  const lastOf = (actor: string, t: number) => routine.filter((e) => e.actor === actor && e.scored && e.at <= t).sort((a, b) => b.at - a.at)[0]!;
  const bot: Login = { sub: PREVIEW_BOT, sid: '', authTime: undefined, acr: 'urn:stepgate:aal1', serviceAccount: true };

  // 1. The bot's token in a pull request's build step at 13:10, from the runner it ran on.
  add(A49.bot, T(13.17), RUNNER(23), HELM, bot, on([
    ['POST', '/api/v1/namespaces', true, JSON_CT, previewNamespace(1499, 'privileged')] as AttackRequest,
    ['POST', `/apis/apps/v1/namespaces/${PR(1499)}/statefulsets`, true, JSON_CT, hostVcluster(PR(1499))] as AttackRequest,
  ]), 20 * S);

  // 2. Malware on dev-5's laptop at 10:40 (dev-5's kubectl, token and office): in dev-5's own vcluster
  // preview, a Secret that asks Reflector to copy production's Stripe key into it, another that asks
  // kubernetes-replicator to copy prod-app's environment, and the first read back.
  const dev5 = by('dev-5');
  const v2 = lastOf(dev5.name, T(10.67));
  const vcNs = PR(VC_PR);
  add(A49.reflect, T(10.67), v2.ip, dev5.ua, v2.login, on([
    ['POST', `/api/v1/namespaces/${vcNs}/secrets`, true, JSON_CT, reflected(vcNs, 'payments', `${BILLING}/${STRIPE}`)] as AttackRequest,
    ['POST', `/api/v1/namespaces/${vcNs}/secrets`, true, JSON_CT, replicated(vcNs, 'app-env', `${PROD}/app-env`)] as AttackRequest,
    ['GET', SECRET(vcNs, 'payments'), true],
  ]), 20 * S, dev5);

  // 2b. The contributor's pull request at 14:20: its chart, applied by the bot as every preview is,
  // carries an ExternalSecret of the cluster's Kubernetes-provider store for prod-billing, and the
  // app's Deployment printing what it makes.
  const ns = PR(EXT_PR);
  const printer = JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'app', namespace: ns }, spec: { selector: { matchLabels: { app: 'app' } }, template: { metadata: { labels: { app: 'app' } }, spec: { containers: [{ name: 'app', image: previewImage(EXT_PR, 'a41c9e0'), envFrom: [{ secretRef: { name: 'payments' } }] }] } } } });
  add(A49.prChart, T(14.33), RUNNER(31), HELM, bot, on([
    ['POST', `/apis/external-secrets.io/v1beta1/namespaces/${ns}/externalsecrets`, true, JSON_CT, externalSecret(ns, 'payments', 'prod-billing', STRIPE)] as AttackRequest,
    ['PUT', DEPLOYMENT(ns, 'app'), true, JSON_CT, printer] as AttackRequest,
  ]), 5 * S);

  // 3. dev-2's laptop at 11:40: Telepresence aimed at production (its client, dev-2's token and home).
  const dev2 = by('dev-2');
  const v3 = lastOf(dev2.name, T(11.67));
  const tp = TELEPRESENCE(dev2.kubectlOs);
  add(A49.intercept, T(11.67), v3.ip, tp, v3.login, on([
    ['GET', '/api/v1/namespaces/ambassador/pods?labelSelector=app%3Dtraffic-manager', false],
    ['POST', `/api/v1/namespaces/ambassador/pods/${podName('traffic-manager', 1)}/portforward`, false, WS_UPGRADE],
    ['GET', DEPLOYMENT(PROD, 'web'), true],
  ]), 3 * S, dev2);

  // 4. The contributor's token from a CI log, from a VPS at 16:20.
  const ext = by('ext-1');
  const v4 = lastOf(ext.name, T(16.33));
  add(A49.ciLog, T(16.33), VPS, ext.ua, v4.login, on([
    ['GET', `/api/v1/namespaces/${ns}/secrets?limit=500`, true],
    ['GET', `/api/v1/namespaces/${ns}/pods/${podName('app', 3)}/exec?command=sh&container=app&stdin=true&stdout=true&tty=true`, true, WS_UPGRADE],
    ['GET', `/api/v1/namespaces/${BILLING}/secrets?limit=500`, true],
  ]), 30 * S);

  // 5. dev-3's laptop, four minutes after the morning's sign-in: the contributor's preview image in production.
  const dev3 = by('dev-3');
  const first = routine.filter((e) => e.actor === dev3.name && e.scored).sort((a, b) => a.at - b.at)[0]!;
  add(A49.promote, first.at + 4 * M, first.ip, dev3.ua, first.login, on([
    ['PATCH', `${DEPLOYMENT(PROD, 'web')}?fieldManager=kubectl-set`, true, SMP, setImage(previewImage(EXT_PR, 'a41c9e0'), 'web')] as AttackRequest,
  ]), 0, dev3);

  // 6. plat-1 at 17:40: merged previews deleted one by one, prod-billing sixth (a selector that matched it, or a hand that did).
  const plat = by('plat-1');
  const v6 = lastOf(plat.name, T(17.6));
  const victims = [PR(1380), PR(1381), PR(1383), PR(1386), PR(1387), BILLING, PR(1389), PR(1390), PR(1391), PR(1392), PR(1393), PR(1394), PR(1395), PR(1396)];
  add(A49.insider, T(17.67), OFFICE, plat.ua, v6.login, on(victims.map((v) => ['DELETE', `/api/v1/namespaces/${v}`, true] as AttackRequest)), 4 * S);
  for (const e of out) if (e.attack === A49.insider) e.signsIn = true;
  return out;
}
