import { attackKit, ciDeploys, type DayEvent, jitteredSittings, LINUX, type Login, MAC, PLATFORM_HINT, podName, prng, restartPatch, type StaffMember, WIN, withAttacks, WS_UPGRADE } from './workday.js';

/**
 * A thirty-eighth replayed day, written as an outside red team and an outside observer of real
 * engineers would after reading docs/risk.md, docs/configuration.md, docs/kubectl-stepup.md and
 * docs/guardrails.md, from a situation days 1–37 do not have: a game studio's live-ops launch of a
 * new season across three regions, with an outsourcing partner's QA team in the loop and
 * in-cluster GitHub Actions runners. Kestrel Forge (Manchester, UTC+1 in April; 11 of the war
 * room's 20 people on the gateway, an on-call, three of the partner's testers) runs one cluster per
 * region, reached as `kubernetes.euw.kestrel.example`, `kubernetes.use.kestrel.example` and
 * `kubernetes.apse.kestrel.example` (the same namespaces on each), all three managed by one Rancher
 * (`rancher.localhost`). The example as shipped. Warm-up Wednesday 12 April 2028, scored Thursday
 * 13 April: APAC's soft launch at 01:00, the global launch at 17:00, the US evening peak at 23:00
 * (hours UTC).
 *
 * Routine, as the tools send it:
 * - the launch war room: everyone in the office behind its one NAT address from 08:00; at 19:00
 *   half of them go home and carry on from there until 23:30 (the other half stay until 23:30);
 * - live-ops in k9s (watches on the game servers' and matchmakers' pods, logs, a pod deleted when
 *   stuck, a rollout restart), backend engineers in Lens and kubectl (logs, configmaps, their own
 *   service's Secret in staging, an exec into a staging pod);
 * - two Windows engineers whose kubectl runs from WSL (`linux/amd64`) and from PowerShell
 *   (`windows/amd64`) in turns, on one token cache and the laptop's one address;
 * - the producer in Rancher's dashboard in Chrome (Steve's pods, deployments, events and logs of
 *   each region's cluster);
 * - the SRE raising KEDA ScaledObjects' minimum replicas (`keda.sh`) before each region's peak and
 *   reading HPAs and nodes;
 * - the release manager's `helm upgrade` of the store in each region's production at 16:00 (the
 *   release history's Secrets read and written) and, at 20:40 from home, a `helm rollback` of the
 *   US store under pressure when its checkout fails;
 * - the on-call, asleep at home, paged at 01:55 for APAC's matchmaker: signs in at 01:57 and ships a
 *   hotfix with `helm upgrade` in `apse`, then goes back to bed (at the office on the warm-up day);
 * - the partner's QA team (Pixelsmith QA, Kraków; their own IdP group: read-only plus
 *   `kubectl logs` and `port-forward` in staging) from the partner's shared VPN egress (one
 *   address, shared with the partner's testers for other clients), PowerShell kubectl;
 * - GitHub Actions runners in the cluster (Actions Runner Controller: the runner pod's projected
 *   service-account token, the cluster's issuer) deploying every staging environment.
 *
 * The attacks, each written after reading what stepgate looks at:
 * - a malicious VS Code extension on a backend engineer's laptop that runs the kubeconfig's exec
 *   plugin (the engineer's token at every moment, their kubectl's agent, the office address), one
 *   request every 4 minutes: production Secrets of the store, then of matchmaking and game servers;
 * - a user of the partner's VPN reusing a QA engineer's copied kubeconfig from the same shared
 *   egress (Linux kubectl): staging Secrets, an exec into a game server, production Secrets;
 * - the producer's Rancher session stolen by a browser extension and replayed from a residential
 *   proxy in Manchester with the producer's Chrome: the store's production Secrets through Steve,
 *   then a Rancher API key minted;
 * - an ARC runner's token used by a poisoned pull request's workflow step from the runner pod
 *   itself: `kubectl apply` of a privileged DaemonSet that mounts the nodes' root;
 * - a launch-night social-engineering call ("platform team here, approve my MFA"): the live-ops
 *   engineer at home approves, and the caller has a fresh two-factor sign-in as them on their own
 *   laptop and network;
 * - a scale-to-zero: the same kind of extension on a Windows engineer's laptop, right after the
 *   launch, pauses the game servers' KEDA ScaledObject at 0 replicas in every region and sets the
 *   matchmaker's HPA minimum to 0.
 */

export const D38_WED = Date.UTC(2028, 3, 12, 0, 0, 0); // warm-up
export const D38_THU = Date.UTC(2028, 3, 13, 0, 0, 0); // scored
const [H, M, S] = [3_600_000, 60_000, 1000];

export const REGIONS = ['euw', 'use', 'apse'] as const;
export type Region = (typeof REGIONS)[number];
export const API = (r: Region): string => `kubernetes.${r}.kestrel.example`;
export const RANCHER = 'rancher.localhost';
/** Rancher's ids of the three clusters. */
export const CLUSTER: Readonly<Record<Region, string>> = { euw: 'c-m-euw1', use: 'c-m-use1', apse: 'c-m-apse1' };
export const K8S = (r: Region): string => `/k8s/clusters/${CLUSTER[r]}`;

export const KUBECTL = (os: string) => `kubectl/v1.32.2 (${os}) kubernetes/67a30c0`;
export const K9S = (os: string) => `k9s/v0.40.10 (${os}) kubernetes/$Format`;
export const LENS = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Lens/2025.3.181451-latest Chrome/132.0.6834.210 Electron/34.3.0 Safari/537.36';
export const HELM = 'Helm/3.17.1';
export const CHROME = (os: string) => `Mozilla/5.0 (${os}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/135.0.0.0 Safari/537.36`;
export const BROWSER_HINTS = (os: string) => ({ 'sec-ch-ua': '"Chromium";v="135", "Google Chrome";v="135", "Not:A-Brand";v="24"', 'sec-ch-ua-mobile': '?0', 'sec-ch-ua-platform': PLATFORM_HINT[os]!, accept: 'application/json' });
const SMP = { 'content-type': 'application/strategic-merge-patch+json' };
const JSON_CT = { 'content-type': 'application/json' };
const MERGE = { 'content-type': 'application/merge-patch+json' };
/** kubectl port-forward over WebSocket (kubectl ≥ 1.31). */
export const PF_UPGRADE: Readonly<Record<string, string>> = { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-protocol': 'SPDY/3.1+portforward.k8s.io' };

const CO = 'kestrelforge.example';
export const nameOf = (short: string) => `d38-${short}@${CO}`;
export const qaNameOf = (short: string) => `d38-${short}@pixelsmith-qa.example`;

/** The Manchester office's one NAT address (the whole war room). */
export const OFFICE = '62.30.112.40';
/** The partner's VPN egress, shared by its testers of every client. */
export const PARTNER_EGRESS = '185.23.74.10';
/** The ARC runner pods (in euw's cluster). */
export const RUNNER_POD = (j: number) => `10.44.9.${20 + (j % 12)}`;
export const RUNNER_SA = 'system:serviceaccount:arc-runners:kestrel-deployer';
/** The attackers: a residential proxy in Manchester (another ISP's address), a VPS. */
export const RESI_PROXY = '86.21.205.77';
export const ATTACKER_VPS = '141.98.11.52';

export const APPS = ['gameserver', 'matchmaker', 'store'] as const;
export type App = (typeof APPS)[number];
export const prodNs = (a: App) => `${a}-prod`;
export const stagingNs = (a: App) => `${a}-staging`;

/** APAC's soft launch, the on-call's page and the global launch (scored day). */
export const PAGE_H = 1.92;
export const LAUNCH_H = 17;
/** The US store's rollback (scored day). */
export const ROLLBACK_H = 20.67;

type Kind = 'liveops' | 'backend' | 'windows' | 'producer' | 'sre' | 'release' | 'oncall' | 'qa';
type Where = 'office' | 'home' | 'partner';

interface Person extends StaffMember<Where> {
  short: string;
  kind: Kind;
  home: string;
  apps: readonly App[];
  /** The client they use for the API (k9s, Lens, kubectl, helm); the Windows engineers' two below. */
  ua: string;
  alt?: string;
  browserOs: string;
}

function staff(rand: () => number): Person[] {
  const out: Person[] = [];
  const add = (short: string, kind: Kind, apps: readonly App[], home: string, os: string, ua: string, warm: [number, number, Where][], scored: [number, number, Where][], alt?: string) => {
    out.push({
      name: kind === 'qa' ? qaNameOf(short) : nameOf(short), short, idx: out.length, svc: apps.join('+') || kind, kind, apps, home, ua, browserOs: os, ...(alt ? { alt } : {}),
      os, kubectlOs: os === LINUX ? 'linux/amd64' : os === WIN ? 'windows/amd64' : 'darwin/arm64', kubectlVersion: 'v1.32.2',
      warm: jitteredSittings(rand, warm), scored: jitteredSittings(rand, scored),
    });
  };
  // The war room: the office all day; at 19:00 half go home and carry on there. On the warm-up day
  // those who stay late tonight went home at 18:00; the others worked an evening at home already.
  const stays: [number, number, Where][] = [[8, 12.5, 'office'], [13.25, 23.5, 'office']];
  const goesHome: [number, number, Where][] = [[8.5, 12.5, 'office'], [13.25, 19, 'office'], [20.25, 23.5, 'home']];
  const warmDay: [number, number, Where][] = [[8.5, 12.5, 'office'], [13.5, 18, 'office']];
  const warmEvening: [number, number, Where][] = [[8.5, 12.5, 'office'], [13.5, 17.5, 'office'], [20, 21.5, 'home']];
  add('lo-1', 'liveops', ['gameserver', 'matchmaker'], '82.15.40.11', MAC, K9S('darwin/arm64'), warmDay, stays);
  add('lo-2', 'liveops', ['matchmaker', 'gameserver'], '92.233.18.90', LINUX, K9S('linux/amd64'), warmDay, stays);
  add('lo-3', 'liveops', ['gameserver', 'matchmaker'], '86.9.144.203', MAC, K9S('darwin/arm64'), warmEvening, goesHome);
  add('be-1', 'backend', ['matchmaker'], '81.98.77.14', MAC, LENS, warmDay, stays);
  add('be-2', 'backend', ['store'], '94.12.201.66', MAC, KUBECTL('darwin/arm64'), warmEvening, goesHome);
  add('be-3', 'backend', ['gameserver'], '82.38.9.130', LINUX, LENS, warmDay, stays);
  add('win-1', 'windows', ['store', 'matchmaker'], '31.49.62.5', WIN, KUBECTL('linux/amd64'), warmEvening, goesHome, KUBECTL('windows/amd64'));
  add('win-2', 'windows', ['gameserver'], '2.26.117.48', WIN, KUBECTL('windows/amd64'), warmDay, stays, KUBECTL('linux/amd64'));
  add('prod-1', 'producer', APPS, '86.2.61.190', MAC, CHROME(MAC), warmEvening, goesHome);
  add('sre-1', 'sre', APPS, '81.111.3.72', MAC, K9S('darwin/arm64'), warmDay, stays);
  add('rel', 'release', ['store', 'matchmaker'], '92.21.130.8', MAC, HELM, warmEvening, goesHome);
  add('oc-1', 'oncall', ['matchmaker', 'gameserver'], '82.47.93.21', LINUX, KUBECTL('linux/amd64'), warmDay, [[9.5, 12.5, 'office'], [13.5, 17.5, 'office']]);
  // The partner's testers, Kraków (UTC+2): 06:00–14:00 UTC, from the partner's VPN.
  for (const q of ['qa-1', 'qa-2', 'qa-3']) add(q, 'qa', APPS, PARTNER_EGRESS, WIN, KUBECTL('windows/amd64'), [[6, 10, 'partner'], [10.75, 14, 'partner']], [[6, 10, 'partner'], [10.75, 14, 'partner']]);
  return out;
}

const addressOf = (p: Person, where: Where): string => (where === 'office' ? OFFICE : where === 'partner' ? PARTNER_EGRESS : p.home);

type Req = { method: string; path: string; region?: Region; host?: string; headers?: Record<string, string>; body?: string; via?: 'browser' | 'alt' | 'helm' };
const pick = <T>(rand: () => number, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
/** The launch's regions: APAC live since 01:00, the others from 17:00 (the war room watches all three). */
const regionOf = (rand: () => number): Region => pick(rand, REGIONS);

/** A live-ops engineer's sitting in k9s: watches, logs, a stuck game server deleted, a restart. */
function liveopsTask(rand: () => number, p: Person, t: number, n: number): Req[] {
  const region = regionOf(rand);
  const app = pick(rand, p.apps);
  const ns = prodNs(app);
  const pod = podName(app, n);
  const k = rand();
  if (k < 0.35) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods?watch=true&resourceVersion=0`, region }, { method: 'GET', path: `/api/v1/namespaces/${ns}/events?limit=500`, region }];
  if (k < 0.6) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${pod}/log?container=${app}&follow=true&tailLines=200`, region }];
  if (k < 0.7) return [{ method: 'DELETE', path: `/api/v1/namespaces/${ns}/pods/${pod}`, region }];
  if (k < 0.78) return [{ method: 'PATCH', path: `/apis/apps/v1/namespaces/${ns}/deployments/${app}?fieldManager=k9s`, region, headers: SMP, body: restartPatch(t) }];
  if (k < 0.88) return [{ method: 'GET', path: `/apis/keda.sh/v1alpha1/namespaces/${ns}/scaledobjects`, region }, { method: 'GET', path: `/apis/autoscaling/v2/namespaces/${ns}/horizontalpodautoscalers`, region }];
  return [{ method: 'GET', path: '/api/v1/nodes?watch=true&resourceVersion=0', region }];
}

/** A backend engineer's sitting (Lens or kubectl): production logs and config, staging's Secret and a shell. */
function backendTask(rand: () => number, p: Person, n: number): Req[] {
  const region = regionOf(rand);
  const app = pick(rand, p.apps);
  const pod = podName(app, n);
  const k = rand();
  if (k < 0.3) return [{ method: 'GET', path: `/api/v1/namespaces/${prodNs(app)}/pods?limit=500`, region }, { method: 'GET', path: `/api/v1/namespaces/${prodNs(app)}/pods/${pod}/log?container=${app}&tailLines=500`, region }];
  if (k < 0.45) return [{ method: 'GET', path: `/api/v1/namespaces/${prodNs(app)}/configmaps/${app}-config`, region }];
  if (k < 0.6) return [{ method: 'GET', path: `/api/v1/namespaces/${stagingNs(app)}/secrets/${app}-env`, region: 'euw' }];
  if (k < 0.72) return [{ method: 'GET', path: `/api/v1/namespaces/${stagingNs(app)}/pods/${pod}/exec?command=sh&container=${app}&stdin=true&stdout=true&tty=true`, region: 'euw', headers: WS_UPGRADE }];
  if (k < 0.85) return [{ method: 'GET', path: `/apis/apps/v1/namespaces/${prodNs(app)}/deployments/${app}`, region }, { method: 'GET', path: `/api/v1/namespaces/${prodNs(app)}/events?limit=500`, region }];
  return [{ method: 'GET', path: `/api/v1/namespaces/${stagingNs(app)}/pods?limit=500`, region: 'euw' }];
}

/** A Windows engineer: the same reads and a restart, from WSL's kubectl and PowerShell's in turns. */
function windowsTask(rand: () => number, p: Person, t: number, n: number): Req[] {
  const via = rand() < 0.5 ? 'alt' : undefined;
  const reqs = rand() < 0.15 ? [{ method: 'PATCH', path: `/apis/apps/v1/namespaces/${stagingNs(pick(rand, p.apps))}/deployments/${p.apps[0]}?fieldManager=kubectl-rollout`, region: 'euw' as Region, headers: SMP, body: restartPatch(t) }] : backendTask(rand, p, n);
  return reqs.map((q) => (via ? { ...q, via } : q));
}

/** The producer in Rancher's dashboard: every region's pods, deployments, events and a log. */
function producerTask(rand: () => number, n: number): Req[] {
  const r = regionOf(rand);
  const app = pick(rand, APPS);
  const k = rand();
  const web = (path: string): Req => ({ method: 'GET', path, host: RANCHER, via: 'browser' });
  if (k < 0.2) return [web('/v1/management.cattle.io.clusters'), web(`${K8S(r)}/v1/pods/${prodNs(app)}`)];
  if (k < 0.5) return [web(`${K8S(r)}/v1/pods/${prodNs(app)}`), web(`${K8S(r)}/v1/events/${prodNs(app)}`)];
  if (k < 0.75) return [web(`${K8S(r)}/v1/apps.deployments/${prodNs(app)}`)];
  if (k < 0.9) return [web(`${K8S(r)}/v1/pods/${prodNs(app)}/${podName(app, n)}?link=log`)];
  return [web(`${K8S(r)}/v1/keda.sh.scaledobjects/${prodNs(app)}`)];
}

/** The SRE: ScaledObjects and HPAs, nodes, the metrics API, the game servers' logs. */
function sreTask(rand: () => number, n: number): Req[] {
  const region = regionOf(rand);
  const app = pick(rand, APPS);
  const k = rand();
  if (k < 0.35) return [{ method: 'GET', path: `/apis/keda.sh/v1alpha1/namespaces/${prodNs(app)}/scaledobjects?watch=true&resourceVersion=0`, region }, { method: 'GET', path: `/apis/autoscaling/v2/namespaces/${prodNs(app)}/horizontalpodautoscalers`, region }];
  if (k < 0.55) return [{ method: 'GET', path: '/api/v1/nodes?watch=true&resourceVersion=0', region }, { method: 'GET', path: '/apis/metrics.k8s.io/v1beta1/nodes', region }];
  if (k < 0.75) return [{ method: 'GET', path: `/api/v1/namespaces/${prodNs(app)}/pods/${podName(app, n)}/log?container=${app}&tailLines=500`, region }];
  if (k < 0.85) return [{ method: 'GET', path: '/api/v1/namespaces/keda/pods?limit=500', region }, { method: 'GET', path: `/api/v1/namespaces/keda/pods/${podName('keda-operator', n)}/log?tailLines=300`, region }];
  return [{ method: 'GET', path: `/api/v1/namespaces/${prodNs(app)}/events?limit=500`, region }];
}

/** A partner tester: staging pods, a game server's log, a port-forward to its debug port. */
function qaTask(rand: () => number, n: number): Req[] {
  const app = pick(rand, APPS);
  const ns = stagingNs(app);
  const pod = podName(app, n);
  const k = rand();
  if (k < 0.35) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods?limit=500`, region: 'euw' }, { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${pod}/log?container=${app}&tailLines=1000`, region: 'euw' }];
  if (k < 0.6) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${pod}/portforward?ports=7777`, region: 'euw', headers: PF_UPGRADE }];
  if (k < 0.8) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${pod}/log?container=${app}&follow=true&tailLines=100`, region: 'euw' }];
  return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/events?limit=500`, region: 'euw' }];
}

/** The release history's Secret as Helm 3 writes it. */
const releaseSecret = (rel: string, ns: string, v: number, status: string) =>
  JSON.stringify({ kind: 'Secret', apiVersion: 'v1', metadata: { name: `sh.helm.release.v1.${rel}.v${v}`, namespace: ns, labels: { name: rel, owner: 'helm', status, version: String(v) } }, type: 'helm.sh/release.v1', data: { release: 'H4sIAAAAAAAC/+y9a3PbRpYw/FcQ' } });

/** `helm upgrade <app> ./chart -n <app>-prod` (or a `helm rollback`, which writes the same): history, the Deployment, the new record, the old one superseded. */
export function helmRelease(app: App, region: Region, v: number, image: string): Req[] {
  const ns = prodNs(app);
  return [
    { method: 'GET', path: `/api/v1/namespaces/${ns}/secrets?labelSelector=name%3D${app}%2Cowner%3Dhelm`, region },
    { method: 'POST', path: `/api/v1/namespaces/${ns}/secrets`, region, headers: JSON_CT, body: releaseSecret(app, ns, v, 'pending-upgrade') },
    { method: 'PATCH', path: `/apis/apps/v1/namespaces/${ns}/deployments/${app}`, region, headers: SMP, body: JSON.stringify({ spec: { template: { spec: { containers: [{ name: app, image }] } } } }) },
    { method: 'PUT', path: `/api/v1/namespaces/${ns}/secrets/sh.helm.release.v1.${app}.v${v - 1}`, region, headers: JSON_CT, body: releaseSecret(app, ns, v - 1, 'superseded') },
    { method: 'PUT', path: `/api/v1/namespaces/${ns}/secrets/sh.helm.release.v1.${app}.v${v}`, region, headers: JSON_CT, body: releaseSecret(app, ns, v, 'deployed') },
    { method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments/${app}`, region },
  ];
}

const image = (app: App, tag: string) => `ghcr.io/kestrel-forge/${app}:${tag}`;

/** A two-factor sign-in made at `authMs`. */
export const signIn = (sub: string, sid: string, authMs: number): Login => ({ sub, sid, authTime: Math.floor(authMs / 1000), acr: 'urn:stepgate:aal2' });
/** The ARC runner's projected service-account token. */
export const RUNNER_LOGIN: Login = { sub: RUNNER_SA, sid: '', authTime: undefined, acr: 'urn:stepgate:aal1', serviceAccount: true };

/** The scheduled work of a day: the SRE's KEDA minimums before the peaks, the release manager's upgrades, the on-call's night. */
function scheduled(people: Person[], day: number, scored: boolean): { who: Person; at: number; login?: Login; where: Where; reqs: Req[] }[] {
  const by = (s: string) => people.find((p) => p.short === s)!;
  const out: { who: Person; at: number; login?: Login; where: Where; reqs: Req[] }[] = [];
  const min = (r: Region, n: number): Req => ({ method: 'PATCH', path: '/apis/keda.sh/v1alpha1/namespaces/gameserver-prod/scaledobjects/gameserver', region: r, headers: MERGE, body: JSON.stringify({ spec: { minReplicaCount: n } }) });
  // 16:20 (scored: before the launch) the game servers' minimum in each region; 22:30 the US's for its evening.
  out.push({ who: by('sre-1'), at: day + 16.33 * H, where: 'office', reqs: REGIONS.map((r) => min(r, scored ? 60 : 20)) });
  if (scored) out.push({ who: by('sre-1'), at: day + 22.5 * H, where: 'office', reqs: [min('use', 90)] });
  // 16:00 the store's new version in each region (the release manager in the office).
  const v = scored ? 42 : 41;
  out.push({ who: by('rel'), at: day + 16 * H, where: 'office', reqs: REGIONS.flatMap((r) => helmRelease('store', r, v, image('store', scored ? '3.8.0' : '3.7.4'))).map((q) => ({ ...q, via: 'helm' })) });
  if (scored) {
    // 20:40 from home: checkout fails in the US; `helm rollback store 41` under pressure.
    out.push({ who: by('rel'), at: day + ROLLBACK_H * H, where: 'home', reqs: [
      { method: 'GET', path: '/api/v1/namespaces/store-prod/pods?limit=500', region: 'use' },
      { method: 'GET', path: `/api/v1/namespaces/store-prod/pods/${podName('store', 3)}/log?container=store&tailLines=300`, region: 'use' },
      ...helmRelease('store', 'use', v + 1, image('store', '3.7.4')).map((q): Req => ({ ...q, via: 'helm' })),
    ] });
    // The on-call, paged at 01:55 for APAC's matchmaker, signs in at 01:57 from home and ships a hotfix.
    const oc = by('oc-1');
    out.push({ who: oc, at: day + PAGE_H * H + 2 * M, where: 'home', login: signIn(oc.name, `${oc.name}:${day}:page`, day + PAGE_H * H + 90 * S), reqs: [
      { method: 'GET', path: '/api/v1/namespaces/matchmaker-prod/pods?limit=500', region: 'apse' },
      { method: 'GET', path: `/api/v1/namespaces/matchmaker-prod/pods/${podName('matchmaker', 7)}/log?container=matchmaker&tailLines=1000`, region: 'apse' },
      { method: 'GET', path: '/api/v1/namespaces/matchmaker-prod/events?limit=500', region: 'apse' },
      ...helmRelease('matchmaker', 'apse', 58, image('matchmaker', '5.2.1-hotfix1')).map((q): Req => ({ ...q, via: 'helm' })),
      { method: 'GET', path: '/api/v1/namespaces/matchmaker-prod/pods?limit=500', region: 'apse' },
      { method: 'GET', path: `/api/v1/namespaces/matchmaker-prod/pods/${podName('matchmaker', 8)}/log?container=matchmaker&tailLines=200`, region: 'apse' },
    ] });
  }
  return out;
}

export function workday38(seed = 361): DayEvent[] {
  const rand = prng(seed * 2_654_435_761 + 38);
  const people = staff(rand);
  const events: DayEvent[] = [];
  for (const [day, scored] of [[D38_WED, false], [D38_THU, true]] as const) {
    const at = (h: number) => day + h * H;
    const logins = new Map<string, { login: Login; last: number }>();
    /** The person's login at hour `h`: a new sign-in after a break of over an hour (laptops lock; the night's page is its own). */
    const loginOf = (p: Person, h: number, t: number): Login => {
      const cur = logins.get(p.name);
      if (cur === undefined || h - cur.last > 1) logins.set(p.name, { login: signIn(p.name, `${p.name}:${day}:${Math.round(h * 10)}`, t - 40 * S), last: h });
      else cur.last = h;
      return logins.get(p.name)!.login;
    };
    const push = (p: Person, t: number, where: Where, login: Login, reqs: Req[], gap: number) => {
      const ip = addressOf(p, where);
      reqs.forEach((q, i) => {
        const when = Math.round(t + i * gap);
        const ua = q.via === 'browser' ? CHROME(p.browserOs) : q.via === 'alt' ? p.alt! : q.via === 'helm' ? HELM : p.ua;
        const headers = q.via === 'browser' ? { ...BROWSER_HINTS(p.browserOs), ...q.headers } : q.headers;
        events.push({ at: when, actor: p.name, scored, ip, ua, login, method: q.method, path: q.path, host: q.host ?? API(q.region ?? 'euw'), ...(headers ? { headers } : {}), ...(q.body !== undefined ? { body: q.body } : {}) });
      });
    };
    for (const p of people) {
      let n = 0;
      for (const [from, to, where] of scored ? p.scored : p.warm) {
        let t = at(from) + M;
        while (t < at(to)) {
          const h = (t - day) / H;
          let reqs: Req[];
          if (p.kind === 'liveops') reqs = liveopsTask(rand, p, t, n);
          else if (p.kind === 'windows') reqs = windowsTask(rand, p, t, n);
          else if (p.kind === 'producer') reqs = producerTask(rand, n);
          else if (p.kind === 'sre') reqs = sreTask(rand, n);
          else if (p.kind === 'qa') reqs = qaTask(rand, n);
          else if (p.kind === 'release') reqs = rand() < 0.5 ? [{ method: 'GET', path: '/api/v1/namespaces/store-prod/secrets?labelSelector=owner%3Dhelm', region: regionOf(rand), via: 'helm' }] : backendTask(rand, p, n);
          else reqs = backendTask(rand, p, n);
          const gap = 1500 + rand() * 2500;
          push(p, t, where, loginOf(p, h, t), reqs, gap);
          n++;
          t += reqs.length * gap + 6 * M + rand() * 16 * M;
        }
      }
    }
    for (const s of scheduled(people, day, scored)) {
      // The sign-in their last request before it used, when within the hour (the sittings' own); else a new one.
      let last: DayEvent | undefined;
      for (const e of events) if (e.actor === s.who.name && e.scored === scored && e.at < s.at && (last === undefined || e.at > last.at)) last = e;
      const login = s.login ?? (last !== undefined && s.at - last.at <= H ? last.login : signIn(s.who.name, `${s.who.name}:${day}:${Math.round(((s.at - day) / H) * 10)}s`, s.at - 40 * S));
      push(s.who, s.at, s.where, login, s.reqs, 4 * S);
    }
    // The ARC runners: a staging deploy of each region every 20 minutes, 06:00–18:00.
    for (const r of ['euw', 'use'] as const) ciDeploys(events, { day, scored, seed: seed + (r === 'use' ? 1000 : 0), sub: RUNNER_SA, ip: RUNNER_POD, host: API(r), namespace: 'matchmaker-staging', deployment: 'matchmaker', image: 'ghcr.io/kestrel-forge/matchmaker', ua: KUBECTL('linux/amd64') });
  }
  events.sort((a, b) => a.at - b.at);
  return withAttacks(events, attacks38(people, events));
}

/** `actor`'s last routine request on the scored day before `t` matching `match`. */
function before(routine: readonly DayEvent[], actor: string, t: number, match: (e: DayEvent) => boolean = () => true): DayEvent {
  let e: DayEvent | undefined;
  for (const x of routine) if (x.actor === actor && x.scored && x.at < t && match(x)) e = x;
  if (e === undefined) throw new Error(`day 38: no request of ${actor} before ${new Date(t).toISOString()}`);
  return e;
}

/** The attack rows' names, as the matrix and the targets name them. */
export const A38 = {
  vscode: "a malicious VS Code extension on a backend engineer's laptop runs the kubeconfig's exec plugin (their token, kubectl's agent, the office address), one request every 4 minutes: production Secrets of the store, then of matchmaking and the game servers",
  partner: "a user of the partner's shared VPN reuses a QA engineer's copied kubeconfig from the same egress: staging Secrets, a shell in a game server, production Secrets",
  rancher: "the producer's Rancher session stolen by a browser extension, replayed from a residential proxy in Manchester with their Chrome: the store's production Secrets through Steve, then a Rancher API key",
  runner: "an ARC runner's token used by a poisoned pull request's workflow step from the runner pod: kubectl apply of a privileged DaemonSet mounting the nodes' root",
  vishing: "launch-night vishing ('platform team, approve my MFA'): the live-ops engineer at home approves, and the caller signs in as them on their own laptop and network",
  zero: "a scale-to-zero right after the launch: an extension on a Windows engineer's laptop pauses the game servers' KEDA ScaledObject at 0 replicas in every region and sets the matchmaker's HPA minimum to 0",
} as const;

function attacks38(people: Person[], routine: DayEvent[]): DayEvent[] {
  const out: DayEvent[] = [];
  const { by, add, T, to } = attackKit(out, people, D38_THU, API('euw'));
  const secret = (r: Region, ns: string, name: string): [string, string, boolean, undefined, undefined, string] => ['GET', `/api/v1/namespaces/${ns}/secrets/${name}`, true, undefined, undefined, API(r)];

  // 1. The VS Code extension on be-2's Mac: the exec plugin's token, kubectl's agent, the office; every 4 minutes.
  const be2 = by('be-2');
  const v1 = before(routine, be2.name, T(14.2), (e) => e.ua === be2.ua);
  add(A38.vscode, T(14.2), v1.ip, v1.ua, v1.login, [
    ['GET', '/api/v1/namespaces/store-prod/pods?limit=500', false, undefined, undefined, API('euw')],
    secret('euw', 'store-prod', 'store-payments-psp'),
    secret('euw', 'store-prod', 'store-db'),
    secret('use', 'store-prod', 'store-payments-psp'),
    secret('euw', 'matchmaker-prod', 'matchmaker-redis'),
    secret('euw', 'gameserver-prod', 'gameserver-fleet-signing-key'),
  ], 4 * M, be2);

  // 2. The partner VPN neighbour with qa-2's copied kubeconfig: the same egress, Linux kubectl.
  const qa2 = by('qa-2');
  const v2 = before(routine, qa2.name, T(11.5));
  const gs = podName('gameserver', 3);
  add(A38.partner, T(11.5), PARTNER_EGRESS, KUBECTL('linux/amd64'), v2.login, to(API('euw'), [
    ['GET', '/api/v1/namespaces/gameserver-staging/pods?limit=500', false],
    ['GET', '/api/v1/namespaces/gameserver-staging/secrets', true],
    ['GET', `/api/v1/namespaces/gameserver-staging/pods/${gs}/exec?command=sh&container=gameserver&stdin=true&stdout=true&tty=true`, true, WS_UPGRADE],
    ['GET', '/api/v1/namespaces/store-prod/secrets', true],
  ]), 30 * S, qa2);

  // 3. The producer's Rancher session from a residential proxy in Manchester, the producer's Chrome.
  const pr = by('prod-1');
  const v3 = before(routine, pr.name, T(15.1), (e) => e.host === RANCHER);
  const hints = BROWSER_HINTS(MAC);
  add(A38.rancher, T(15.1), RESI_PROXY, v3.ua, v3.login, [
    ['GET', `${K8S('euw')}/v1/pods/store-prod`, false, hints, undefined, RANCHER],
    ['GET', `${K8S('euw')}/v1/secrets/store-prod`, true, hints, undefined, RANCHER],
    ['GET', `${K8S('euw')}/v1/secrets/store-prod/store-payments-psp`, true, hints, undefined, RANCHER],
    ['POST', '/v3/tokens', true, { ...hints, 'content-type': 'application/json' }, JSON.stringify({ type: 'token', description: 'grafana-sync', ttl: 0 }), RANCHER],
  ], 20 * S, pr);

  // 4. The poisoned pull request's step on the ARC runner: the runner's token, kubectl, the runner pod.
  const ds = { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'node-exporter-ext', namespace: 'matchmaker-staging' }, spec: { selector: { matchLabels: { app: 'node-exporter-ext' } }, template: { metadata: { labels: { app: 'node-exporter-ext' } }, spec: { hostPID: true, tolerations: [{ operator: 'Exists' }], containers: [{ name: 'exporter', image: 'ghcr.io/prom-node/exporter:1.8', securityContext: { privileged: true }, volumeMounts: [{ name: 'root', mountPath: '/host' }] }], volumes: [{ name: 'root', hostPath: { path: '/' } }] } } } };
  add(A38.runner, T(12.4), RUNNER_POD(5), KUBECTL('linux/amd64'), RUNNER_LOGIN, to(API('euw'), [
    ['GET', '/apis/apps/v1/namespaces/matchmaker-staging/daemonsets/node-exporter-ext', false],
    ['POST', '/apis/apps/v1/namespaces/matchmaker-staging/daemonsets?fieldManager=kubectl-client-side-apply&fieldValidation=Strict', true, JSON_CT, JSON.stringify(ds)],
  ]), 2 * S);

  // 5. The vishing call at 21:40: lo-3 approves the push; the caller's own Mac and a VPS.
  const lo3 = by('lo-3');
  add(A38.vishing, T(21.67), ATTACKER_VPS, KUBECTL('darwin/arm64'), signIn(lo3.name, `${lo3.name}:vishing`, T(21.67) - 60 * S), [
    ['GET', '/api/v1/namespaces/gameserver-prod/pods?limit=500', false, undefined, undefined, API('euw')],
    secret('euw', 'store-prod', 'store-payments-psp'),
    ['GET', `/api/v1/namespaces/store-prod/pods/${podName('store', 2)}/exec?command=sh&container=store&stdin=true&stdout=true&tty=true`, true, WS_UPGRADE, undefined, API('euw')],
    ['POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', true, JSON_CT, JSON.stringify({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'launch-support' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: lo3.name }] }), API('euw')],
  ], 30 * S);
  for (const e of out) if (e.attack === A38.vishing) e.signsIn = true;

  // 6. The scale-to-zero from win-1's laptop (WSL's kubectl, the office), eight minutes after the launch.
  const w1 = by('win-1');
  const v6 = before(routine, w1.name, T(LAUNCH_H + 0.13), (e) => e.ua === w1.ua);
  const pause = JSON.stringify({ metadata: { annotations: { 'autoscaling.keda.sh/paused-replicas': '0' } } });
  add(A38.zero, T(LAUNCH_H + 0.13), v6.ip, v6.ua, v6.login, [
    ['GET', '/apis/keda.sh/v1alpha1/namespaces/gameserver-prod/scaledobjects', false, undefined, undefined, API('euw')],
    ...REGIONS.map((r): [string, string, boolean, Record<string, string>, string, string] => ['PATCH', '/apis/keda.sh/v1alpha1/namespaces/gameserver-prod/scaledobjects/gameserver', true, MERGE, pause, API(r)]),
    ['PATCH', '/apis/autoscaling/v2/namespaces/matchmaker-prod/horizontalpodautoscalers/matchmaker', true, MERGE, JSON.stringify({ spec: { minReplicas: 0 } }), API('euw')],
  ], 45 * S, w1);
  return out;
}
