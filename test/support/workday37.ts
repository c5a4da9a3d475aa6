import { attackKit, type DayEvent, jitteredSittings, LINUX, type Login, MAC, PLATFORM_HINT, podName, prng, restartPatch, type StaffMember, WIN, withAttacks, WS_UPGRADE } from './workday.js';

/**
 * A thirty-seventh replayed day, written as an outside red team and an outside observer of real
 * engineers would after reading docs/risk.md, docs/configuration.md, docs/kubectl-stepup.md and
 * docs/guardrails.md, from a situation days 1–36 do not have: a regulated company's quarter-end,
 * where the people on the gateway are not only engineers but auditors on a VDI farm, a break-glass
 * account, DBAs tunnelling into databases all day, a data team whose notebooks act in the cluster
 * with their own service account, and bots. Northmere Bank (a retail bank's ledger and payments
 * platform; one office in London, 12 people, two bots, nightly CronJobs and Argo CD on the gateway,
 * one production cluster at `kubernetes.prod.northmere.example`, the example as shipped) on Friday
 * 31 March 2028, the quarter's last day (warm-up Thursday 30 March; hours UTC).
 *
 * Routine, as the tools send it:
 * - three external auditors with read-only accounts (aal1 tokens: the bank's IdP gives auditors a
 *   password and no second factor), all from the VDI farm's one egress address, the same Windows
 *   golden image (the same kubectl build and Chrome build for everyone on the farm): RBAC
 *   bindings, Deployments, NetworkPolicies, CronJobs and events of the regulated namespaces, the
 *   change-audit dashboard in Grafana and the service catalogue in Backstage (whose Kubernetes tab
 *   passes the API through its proxy with the user's token);
 * - two DBAs (Linux laptops; the office by day, home in the evening) on the ledger's and payments'
 *   PostgreSQL clusters all day: `kubectl port-forward` to a replica for psql, `kubectl cp` of a
 *   reconciliation script into a pod and of its CSV output back out (exec of `tar`), logs, events,
 *   now and then the application user's Secret;
 * - two data scientists on JupyterHub (`jupyter.localhost`) in Chrome, whose notebook kernels use
 *   the Python Kubernetes client with the notebook's service account from inside the cluster
 *   (`kubernetes.default.svc`): list their Spark pods and exec the quarter's close job in the driver;
 * - an SRE with the platform team's new CLI (`opsctl`; at the bank it sends DPoP-bound tokens, which
 *   the replay harness cannot send, so here it sends its token as a bearer: the DPoP attack is in
 *   test/integration/risk-day37-findings.test.ts), Grafana beside it;
 * - two developers with kubectl, Backstage and Grafana; a platform engineer;
 * - the break-glass account (`breakglass-sre@`, its own IdP group, a hardware key; no warm-up
 *   history) used once, by the on-call SRE from home during a 03:00 outage of the ledger API;
 * - nightly CronJobs (the ledger's backup job reads its credentials Secret; a report job lists the
 *   production pods and writes its ConfigMap), and a Renovate-style bot (an IdP client-credentials
 *   token, aal1, no sign-in) reading Argo CD applications to comment on its pull requests; Argo CD
 *   syncs what it merges through the API server's in-cluster address, past the gateway.
 *
 * The regulator asked for the data-lab and ops namespaces' calls to the API server to be audited,
 * so the bank's mesh sends them through the gateway (`kubernetes.default.svc`, which the example's
 * `kubernetes.hosts` names); Argo CD's controller keeps the direct route (docs/risk.md, day 2).
 * The example is as shipped: the Renovate bot is not listed in `automation.subjects`.
 *
 * The attacks, each written after reading what stepgate looks at:
 * - an auditor's VDI session reused by another user of the farm (the same egress address, the same
 *   Chrome build, the auditor's Backstage session): the ledger's production pods, then its Secrets;
 * - the break-glass token replayed an hour after the outage from the attacker's own network;
 * - a notebook kernel compromised by a malicious package: with the notebook's service account, from
 *   the notebook's pod, it lists data-lab's Secrets, execs `pg_dumpall` in the ledger's database pod
 *   and lists the ledger database namespace's Secrets;
 * - `kubectl cp` pulling a database dump: malware on a DBA's laptop (their token, kubectl, office
 *   address) runs `pg_dump` in the ledger's replica and copies the dump out with `tar`, between the
 *   DBA's own copies of reconciliation CSVs;
 * - the Renovate bot's token (copied from a CI log) used from a cloud VM to point the ledger's
 *   production Argo CD application at an attacker's branch and sync it.
 */

export const D37_THU = Date.UTC(2028, 2, 30, 0, 0, 0); // warm-up
export const D37_FRI = Date.UTC(2028, 2, 31, 0, 0, 0); // scored
const [H, M, S] = [3_600_000, 60_000, 1000];

export const API = 'kubernetes.prod.northmere.example';
/** The API server's in-cluster name, as the notebooks', CronJobs' and controllers' clients call it. */
export const IN_CLUSTER = 'kubernetes.default.svc';
export const ARGOCD = 'argocd.localhost';
export const BACKSTAGE = 'backstage.localhost';
export const GRAFANA = 'grafana.localhost';
export const JUPYTER = 'jupyter.localhost';
export const KUBECTL = (os: string) => `kubectl/v1.31.4 (${os}) kubernetes/a78aa47`;
/** The VDI farm's golden image: one kubectl and one Chrome build for every session on it. */
export const VDI_KUBECTL = 'kubectl/v1.30.2 (windows/amd64) kubernetes/3b8c1c2';
export const CHROME = (os: string) => `Mozilla/5.0 (${os}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/134.0.0.0 Safari/537.36`;
export const BROWSER_HINTS = (os: string) => ({ 'sec-ch-ua': '"Chromium";v="134", "Google Chrome";v="134", "Not:A-Brand";v="24"', 'sec-ch-ua-mobile': '?0', 'sec-ch-ua-platform': PLATFORM_HINT[os]!, accept: 'application/json' });
/** Backstage's Kubernetes plugin names the cluster its proxy passes to. */
export const BACKSTAGE_CLUSTER = { 'backstage-kubernetes-cluster': 'prod' };
/** The SRE's new CLI (Go). */
export const OPSCTL = 'opsctl/2.4.0 (darwin/arm64) go1.22.5';
/** The Python Kubernetes client in a notebook kernel. */
export const PY_CLIENT = 'OpenAPI-Generator/29.0.0/python';
export const RENOVATE = 'RenovateBot/37.440.7 (https://github.com/renovatebot/renovate)';
/** kubectl port-forward over WebSocket (kubectl 1.31's default). */
export const PF_UPGRADE: Readonly<Record<string, string>> = { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-protocol': 'SPDY/3.1+portforward.k8s.io' };
const SMP = { 'content-type': 'application/strategic-merge-patch+json' };
const JSON_CT = { 'content-type': 'application/json' };
const MERGE = { 'content-type': 'application/merge-patch+json' };

const CO = 'northmere.example';
export const nameOf = (short: string) => `d37-${short}@${CO}`;
export const BREAKGLASS = `breakglass-sre@${CO}`;

/** The office's and the VDI farm's public addresses. */
export const OFFICE = (n: number) => `81.134.77.${20 + (n % 3)}`;
export const VDI_EGRESS = '194.73.120.9';
/** Pod addresses: the data scientists' notebook pods, the CronJobs', Renovate's. */
export const NOTEBOOK_POD = (i: number) => `10.42.7.${30 + i}`;
export const JOB_POD = (j: number) => `10.42.3.${100 + (j % 20)}`;
export const RENOVATE_POD = '10.42.5.61';
/** The attackers: a VPS, and a cloud VM. */
export const ATTACKER_VPS = '45.153.160.12';
export const CLOUD_VM = '20.51.90.7';
/** The attacker's branch. */
export const ATTACKER_REVISION = 'renovate/ledger-api-7.x-hotfix';

export const APPS = ['ledger', 'payments'] as const;
type App = (typeof APPS)[number];
const REGULATED = ['ledger-prod', 'payments-prod', 'ledger-db', 'payments-db', 'ops'] as const;
/** The database pods (CloudNativePG: the primary is -1 here, the replicas -2 and -3). */
export const DB_POD = (app: App, k: number) => `${app}-pg-${1 + (k % 3)}`;

/** The outage the break-glass account answers (scored day). */
export const OUTAGE_H = 3.05;

type Kind = 'auditor' | 'dba' | 'data' | 'sre' | 'dev' | 'platform';
type Where = 'office' | 'home' | 'vdi';

interface Person extends StaffMember<Where> {
  short: string;
  kind: Kind;
  home: string;
  apps: readonly App[];
  ua: string;
  browserOs: string;
}

function staff(rand: () => number): Person[] {
  const out: Person[] = [];
  const add = (short: string, kind: Kind, apps: readonly App[], home: string, os: string, ua: string, sittings: [number, number, Where][]) => {
    out.push({
      name: nameOf(short), short, idx: out.length, svc: apps.join('+') || kind, kind, apps, home, ua, browserOs: os,
      os, kubectlOs: os === LINUX ? 'linux/amd64' : os === WIN ? 'windows/amd64' : 'darwin/arm64', kubectlVersion: 'v1.31.4',
      warm: jitteredSittings(rand, sittings), scored: jitteredSittings(rand, sittings),
    });
  };
  // The auditors: the VDI farm, office hours, a lunch break.
  for (const a of ['aud-1', 'aud-2', 'aud-3']) add(a, 'auditor', APPS, VDI_EGRESS, WIN, VDI_KUBECTL, [[8.5, 12, 'vdi'], [13, 16.5, 'vdi']]);
  add('dba-1', 'dba', ['ledger', 'payments'], '86.150.22.71', LINUX, KUBECTL('linux/amd64'), [[7.5, 12, 'office'], [13, 17, 'office'], [19, 21.5, 'home']]);
  add('dba-2', 'dba', ['payments', 'ledger'], '82.13.140.9', LINUX, KUBECTL('linux/amd64'), [[8, 12.5, 'office'], [13.5, 18, 'office']]);
  add('ds-1', 'data', ['ledger'], '90.212.60.44', MAC, PY_CLIENT, [[8.5, 12, 'office'], [13, 17.5, 'office']]);
  add('ds-2', 'data', ['payments'], '2.28.191.3', MAC, PY_CLIENT, [[9, 12.5, 'home'], [13.5, 17, 'home']]);
  add('sre-1', 'sre', ['ledger', 'payments'], '86.4.177.230', MAC, OPSCTL, [[7, 12, 'office'], [13, 17, 'office']]);
  add('dev-1', 'dev', ['ledger'], '109.150.3.88', MAC, KUBECTL('darwin/arm64'), [[8.5, 12, 'office'], [13, 17.5, 'office']]);
  add('dev-2', 'dev', ['payments'], '31.52.117.12', MAC, KUBECTL('darwin/arm64'), [[9, 12.5, 'office'], [13.5, 17.5, 'home']]);
  add('plat', 'platform', [], '92.40.198.5', MAC, KUBECTL('darwin/arm64'), [[8, 12, 'office'], [13, 17, 'office']]);
  return out;
}

const addressOf = (p: Person, where: Where, n: number): string => (where === 'vdi' ? VDI_EGRESS : where === 'office' ? OFFICE(p.idx + n) : p.home);

type Req = { method: string; path: string; host?: string; headers?: Record<string, string>; body?: string; via?: 'browser' | 'kernel' };
const pick = <T>(rand: () => number, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
/** Backstage's proxy path for an API path. */
const bs = (path: string): string => `/api/kubernetes/proxy${path}`;
const web = (method: string, host: string, path: string, body?: string): Req => ({ method, path, host, via: 'browser', ...(body !== undefined ? { headers: JSON_CT, body } : {}) });
const grafanaQuery = (panel: string) => JSON.stringify({ queries: [{ refId: 'A', datasource: { uid: 'loki-audit' }, expr: `{job="kube-apiserver-audit"} |= "${panel}"` }], from: 'now-24h', to: 'now' });

/** An auditor's reading of the regulated namespaces: RBAC, workloads, policies, schedules, events; Grafana and Backstage. */
function auditorTask(rand: () => number): Req[] {
  const ns = pick(rand, REGULATED);
  const k = rand();
  if (k < 0.2) return [{ method: 'GET', path: `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings` }, { method: 'GET', path: `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles` }];
  if (k < 0.28) return [{ method: 'GET', path: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings' }];
  if (k < 0.42) return [{ method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/pods?limit=500` }];
  if (k < 0.5) return [{ method: 'GET', path: `/apis/networking.k8s.io/v1/namespaces/${ns}/networkpolicies` }];
  if (k < 0.56) return [{ method: 'GET', path: '/apis/batch/v1/namespaces/ops/cronjobs' }, { method: 'GET', path: '/apis/batch/v1/namespaces/ops/jobs?limit=500' }];
  if (k < 0.64) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/events?limit=500` }];
  if (k < 0.82) return [web('GET', GRAFANA, '/api/dashboards/uid/change-audit'), web('POST', GRAFANA, '/api/ds/query', grafanaQuery(ns))];
  return [web('GET', BACKSTAGE, '/api/catalog/entities?filter=kind=component'), { ...web('GET', BACKSTAGE, bs(`/api/v1/namespaces/${ns}/pods`)), headers: BACKSTAGE_CLUSTER }];
}

/** `kubectl cp` of a file out of a pod: exec of `tar cf -`. */
export const cpOut = (ns: string, pod: string, file: string): string =>
  `/api/v1/namespaces/${ns}/pods/${pod}/exec?command=tar&command=cf&command=-&command=${encodeURIComponent(file)}&container=postgres&stderr=true&stdout=true`;
/** `kubectl cp` of a file into a pod: exec of `tar xmf -` with stdin. */
export const cpIn = (ns: string, pod: string, dir: string): string =>
  `/api/v1/namespaces/${ns}/pods/${pod}/exec?command=tar&command=xmf&command=-&command=-C&command=${encodeURIComponent(dir)}&container=postgres&stdin=true&stderr=true&stdout=true`;

/** A DBA's quarter-end: a tunnel to a replica for psql, reconciliation scripts in and CSVs out, logs, events, the app user's Secret. */
function dbaTask(rand: () => number, app: App, n: number): Req[] {
  const ns = `${app}-db`;
  const pod = DB_POD(app, n);
  const k = rand();
  if (k < 0.3) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods?limit=500` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${pod}/portforward`, headers: PF_UPGRADE }];
  if (k < 0.55) return [{ method: 'GET', path: cpIn(ns, pod, '/tmp'), headers: WS_UPGRADE }, { method: 'GET', path: cpOut(ns, pod, `/tmp/q1-recon-${app}-${n}.csv`), headers: WS_UPGRADE }];
  if (k < 0.7) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${pod}/log?container=postgres&tailLines=500` }];
  if (k < 0.82) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/events?limit=500` }, { method: 'GET', path: `/apis/postgresql.cnpg.io/v1/namespaces/${ns}/clusters/${app}-pg` }];
  if (k < 0.92) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/secrets/${app}-pg-app` }];
  return [{ method: 'GET', path: `/apis/postgresql.cnpg.io/v1/namespaces/${ns}/backups?limit=500` }];
}

/** A data scientist: the notebook in Chrome, and its kernel's calls from inside the cluster. */
function dataTask(rand: () => number, p: Person, n: number): Req[] {
  const user = p.short;
  const k = rand();
  if (k < 0.35) return [web('GET', JUPYTER, `/user/${user}/api/contents/q1-close.ipynb?content=1`), web('PUT', JUPYTER, `/user/${user}/api/contents/q1-close.ipynb`, JSON.stringify({ type: 'notebook', format: 'json', content: { cells: [], metadata: {}, nbformat: 4, nbformat_minor: 5 } }))];
  if (k < 0.5) return [web('GET', JUPYTER, '/hub/api/user'), web('GET', JUPYTER, `/user/${user}/api/kernels`)];
  const driver = `spark-close-${user}-driver`;
  if (k < 0.75) return [{ method: 'GET', path: `/api/v1/namespaces/data-lab/pods?labelSelector=${encodeURIComponent(`spark-role=executor,owner=${user}`)}`, via: 'kernel' }];
  return [
    { method: 'GET', path: `/api/v1/namespaces/data-lab/pods/${driver}`, via: 'kernel' },
    { method: 'GET', path: `/api/v1/namespaces/data-lab/pods/${driver}/exec?command=python3&command=%2Fopt%2Fjobs%2Fq1_close.py&command=--partition&command=${n % 12}&container=spark-kubernetes-driver&stderr=true&stdout=true`, headers: WS_UPGRADE, via: 'kernel' },
  ];
}

/** The SRE's day through opsctl: nodes, production pods and events, a rollout restart, a log, Grafana. */
function sreTask(rand: () => number, t: number, n: number): Req[] {
  const app = pick(rand, APPS);
  const ns = `${app}-prod`;
  const k = rand();
  if (k < 0.3) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods?limit=500` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/events?limit=500` }];
  if (k < 0.42) return [{ method: 'GET', path: '/api/v1/nodes' }, { method: 'GET', path: '/apis/metrics.k8s.io/v1beta1/nodes' }];
  if (k < 0.6) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${podName(`${app}-api`, n)}/log?container=api&tailLines=500` }];
  if (k < 0.68) return [{ method: 'PATCH', path: `/apis/apps/v1/namespaces/${ns}/deployments/${app}-api?fieldManager=opsctl`, headers: SMP, body: restartPatch(t) }];
  if (k < 0.74) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/secrets/${app}-api-db` }];
  return [web('GET', GRAFANA, `/api/dashboards/uid/${app}-slo`), web('POST', GRAFANA, '/api/ds/query', grafanaQuery(`${app}-api`))];
}

function devTask(rand: () => number, app: App, t: number, n: number): Req[] {
  const p = `${app}-prod`;
  const s = `${app}-staging`;
  const k = rand();
  if (k < 0.2) return [web('GET', BACKSTAGE, `/api/catalog/entities/by-name/component/default/${app}-api`), { ...web('GET', BACKSTAGE, bs(`/api/v1/namespaces/${p}/pods`)), headers: BACKSTAGE_CLUSTER }];
  if (k < 0.35) return [web('GET', GRAFANA, `/api/dashboards/uid/${app}-slo`), web('POST', GRAFANA, '/api/ds/query', grafanaQuery(`${app}-api`))];
  if (k < 0.55) return [{ method: 'GET', path: `/api/v1/namespaces/${p}/pods?limit=500` }, { method: 'GET', path: `/api/v1/namespaces/${p}/pods/${podName(`${app}-api`, n)}/log?container=api&tailLines=300` }];
  if (k < 0.68) return [{ method: 'PATCH', path: `/apis/apps/v1/namespaces/${s}/deployments/${app}-api?fieldManager=kubectl-rollout`, headers: SMP, body: restartPatch(t) }];
  if (k < 0.8) return [{ method: 'GET', path: `/api/v1/namespaces/${s}/secrets/${app}-api-db` }];
  if (k < 0.9) return [{ method: 'GET', path: `/api/v1/namespaces/${s}/pods/${podName(`${app}-api`, n)}/exec?command=sh&container=api&stdin=true&stdout=true&tty=true`, headers: WS_UPGRADE }];
  return [{ method: 'GET', path: `/api/v1/namespaces/${p}/configmaps?limit=500` }];
}

const PLATFORM_NS = ['monitoring', 'ingress-nginx', 'cert-manager', 'argocd'] as const;
function platformTask(rand: () => number, t: number, n: number): Req[] {
  const ns = pick(rand, PLATFORM_NS);
  const k = rand();
  if (k < 0.4) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods?limit=500` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/events?limit=500` }];
  if (k < 0.55) return [{ method: 'GET', path: '/api/v1/nodes' }];
  if (k < 0.7) return [{ method: 'GET', path: '/apis/cert-manager.io/v1/certificates?limit=500' }];
  if (k < 0.8) return [{ method: 'PATCH', path: '/apis/apps/v1/namespaces/monitoring/deployments/monitoring-controller?fieldManager=kubectl-rollout', headers: SMP, body: restartPatch(t) }];
  return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${podName(`${ns}-controller`, n)}/log?tailLines=300` }];
}

/** A two-factor sign-in made at `authMs` (an auditor's is a password only: aal1). */
export const signIn = (sub: string, sid: string, authMs: number, acr: Login['acr'] = 'urn:stepgate:aal2'): Login => ({ sub, sid, authTime: Math.floor(authMs / 1000), acr });
/**
 * An auditor's sign-in: a password only (aal1), in the IdP's `auditors` group, and unable to answer
 * a challenge asking more (Login.passwordOnly): day 37's finding, replayed as it is rather than
 * with two factors the account does not have (session 46).
 */
export const auditorSignIn = (sub: string, sid: string, authMs: number): Login => ({ ...signIn(sub, sid, authMs, 'urn:stepgate:aal1'), claims: { groups: ['auditors'] }, passwordOnly: true });
/** A service account's projected token. */
export const sa = (ns: string, name: string): Login => ({ sub: `system:serviceaccount:${ns}:${name}`, sid: '', authTime: undefined, acr: 'urn:stepgate:aal1', serviceAccount: true });
/** The Renovate bot's IdP token (client credentials: no sign-in, no second factor). */
export const RENOVATE_LOGIN: Login = { sub: `renovate-bot@${CO}`, sid: '', authTime: undefined, acr: 'urn:stepgate:aal1' };

/** The break-glass sign-in of the outage (a hardware key). */
export const breakglassLogin = (day: number): Login => signIn(BREAKGLASS, `breakglass:${day}`, day + OUTAGE_H * H - 90 * S, 'urn:stepgate:aal3');

/** The break-glass account's half hour: the cluster, the ledger API's pods, a restart, a stuck pod deleted, its database Secret. */
function breakglass(events: DayEvent[], day: number): void {
  const login = breakglassLogin(day);
  const t0 = day + OUTAGE_H * H;
  const reqs: Req[] = [
    { method: 'GET', path: '/api/v1/nodes' },
    { method: 'GET', path: '/api/v1/namespaces/kube-system/pods?limit=500' },
    { method: 'GET', path: '/api/v1/namespaces/ledger-prod/pods?limit=500' },
    { method: 'GET', path: '/api/v1/namespaces/ledger-prod/events?limit=500' },
    { method: 'GET', path: `/api/v1/namespaces/ledger-prod/pods/${podName('ledger-api', 1)}/log?container=api&tailLines=1000` },
    { method: 'GET', path: '/api/v1/namespaces/ledger-prod/secrets/ledger-api-db' },
    { method: 'DELETE', path: `/api/v1/namespaces/ledger-prod/pods/${podName('ledger-api', 2)}` },
    { method: 'PATCH', path: '/apis/apps/v1/namespaces/ledger-prod/deployments/ledger-api?fieldManager=kubectl-rollout', headers: SMP, body: restartPatch(t0 + 10 * M) },
    { method: 'GET', path: '/api/v1/namespaces/ledger-prod/pods?limit=500' },
  ];
  reqs.forEach((q, i) => events.push({ at: t0 + i * 2 * M, actor: BREAKGLASS, scored: true, ip: '86.4.177.230', ua: KUBECTL('darwin/arm64'), login, method: q.method, path: q.path, host: API, ...(q.headers ? { headers: q.headers } : {}), ...(q.body !== undefined ? { body: q.body } : {}) }));
}

/** The nightly CronJobs and the Renovate bot's reads (automation, reported as CI). */
function automation(events: DayEvent[], day: number, scored: boolean, seed: number): void {
  const base = { actor: 'ci', scored };
  // 00:30 the ledger's backup job reads its credentials; 01:00 the report job lists production and writes its ConfigMap.
  events.push({ ...base, at: day + 0.5 * H, ip: JOB_POD(1), ua: PY_CLIENT, login: sa('ops', 'ledger-backup'), host: IN_CLUSTER, method: 'GET', path: '/api/v1/namespaces/ledger-db/secrets/ledger-pg-backup' });
  for (const [j, ns] of ['ledger-prod', 'payments-prod'].entries()) events.push({ ...base, at: day + H + j * 20 * S, ip: JOB_POD(2), ua: PY_CLIENT, login: sa('ops', 'nightly-report'), host: IN_CLUSTER, method: 'GET', path: `/api/v1/namespaces/${ns}/pods?limit=500` });
  events.push({ ...base, at: day + H + M, ip: JOB_POD(2), ua: PY_CLIENT, login: sa('ops', 'nightly-report'), host: IN_CLUSTER, method: 'PATCH', path: '/api/v1/namespaces/ops/configmaps/nightly-report', headers: MERGE, body: JSON.stringify({ data: { date: new Date(day).toISOString().slice(0, 10), pods: String(40 + (seed % 7)) } }) });
  // Renovate: each hour 09:00–17:00 it reads an application's state for a pull request's comment.
  // Argo CD's controller then applies the merged bump through the API server's in-cluster address,
  // which does not pass the gateway (docs/risk.md, day 2), so it is not replayed here.
  for (let h = 9; h <= 17; h++) {
    const app = APPS[h % 2]!;
    events.push({ ...base, at: day + h * H, ip: RENOVATE_POD, ua: RENOVATE, login: RENOVATE_LOGIN, host: ARGOCD, method: 'GET', path: `/api/v1/applications/${app}-prod?appNamespace=argocd` });
    events.push({ ...base, at: day + h * H + 5 * S, ip: RENOVATE_POD, ua: RENOVATE, login: RENOVATE_LOGIN, host: ARGOCD, method: 'GET', path: `/api/v1/applications/${app}-prod/managed-resources?appNamespace=argocd` });
  }
}

export function workday37(seed = 351): DayEvent[] {
  const rand = prng(seed * 2_654_435_761 + 37);
  const people = staff(rand);
  const events: DayEvent[] = [];
  for (const [day, scored] of [[D37_THU, false], [D37_FRI, true]] as const) {
    const at = (h: number) => day + h * H;
    for (const p of people) {
      let n = 0;
      let login: Login | undefined;
      let last = -Infinity;
      for (const [from, to, where] of scored ? p.scored : p.warm) {
        let t = at(from) + M;
        while (t < at(to)) {
          const h = (t - day) / H;
          // A new sitting after a break of over an hour is a new sign-in (the VDI session and the laptops lock at lunch).
          if (login === undefined || h - last > 1) login = p.kind === 'auditor' ? auditorSignIn(p.name, `${p.name}:${day}:${Math.round(h * 10)}`, t - 40 * S) : signIn(p.name, `${p.name}:${day}:${Math.round(h * 10)}`, t - 40 * S);
          last = h;
          const ip = addressOf(p, where, n);
          let reqs: Req[];
          if (p.kind === 'auditor') reqs = auditorTask(rand);
          else if (p.kind === 'dba') reqs = dbaTask(rand, pick(rand, p.apps), n);
          else if (p.kind === 'data') reqs = dataTask(rand, p, n);
          else if (p.kind === 'sre') reqs = sreTask(rand, t, n);
          else if (p.kind === 'platform') reqs = platformTask(rand, t, n);
          else reqs = devTask(rand, pick(rand, p.apps), t, n);
          const gap = 1500 + rand() * 2500;
          const l = login;
          reqs.forEach((q, i) => {
            const when = Math.round(t + i * gap);
            if (q.via === 'kernel') {
              // The notebook's kernel: the notebook's service account, from the notebook's pod.
              events.push({ at: when, actor: 'ci', scored, ip: NOTEBOOK_POD(p.idx), ua: PY_CLIENT, login: sa('data-lab', `notebook-${p.short}`), method: q.method, path: q.path, host: IN_CLUSTER, ...(q.headers ? { headers: q.headers } : {}) });
              return;
            }
            const ua = q.via === 'browser' ? CHROME(p.browserOs) : p.ua;
            const headers = q.via === 'browser' ? { ...BROWSER_HINTS(p.browserOs), ...q.headers } : q.headers;
            events.push({ at: when, actor: p.name, scored, ip, ua, login: l, method: q.method, path: q.path, host: q.host ?? API, ...(headers ? { headers } : {}), ...(q.body !== undefined ? { body: q.body } : {}) });
          });
          n++;
          t += reqs.length * gap + 5 * M + rand() * 15 * M;
        }
      }
    }
    if (scored) breakglass(events, day);
    automation(events, day, scored, seed);
  }
  events.sort((a, b) => a.at - b.at);
  return withAttacks(events, attacks37(people, events));
}

/** `actor`'s last routine request on the scored day before `t` matching `match`. */
function before(routine: readonly DayEvent[], actor: string, t: number, match: (e: DayEvent) => boolean = () => true): DayEvent {
  let e: DayEvent | undefined;
  for (const x of routine) if (x.actor === actor && x.scored && x.at < t && match(x)) e = x;
  if (e === undefined) throw new Error(`day 37: no request of ${actor} before ${new Date(t).toISOString()}`);
  return e;
}

/** The attack rows' names, as the matrix and the targets name them. */
export const A37 = {
  vdi: "an auditor's VDI session reused by another user of the farm (the same egress address and Chrome build, the auditor's Backstage session): the ledger's production pods, then its Secrets",
  breakglass: 'the break-glass token (a hardware-key sign-in at the 03:00 outage) replayed an hour later from the attacker\'s own network',
  notebook: "a notebook kernel compromised by a malicious package: the notebook's service account, from its pod, lists data-lab's Secrets, execs pg_dumpall in the ledger's database and lists its Secrets",
  dump: "malware on a DBA's laptop pulls a database dump with kubectl cp (pg_dump in the ledger's replica, then tar out), with the DBA's kubectl, token and office address",
  renovate: "the Renovate bot's token, copied from a CI log, used from a cloud VM to point the ledger's production Argo CD application at an attacker's branch and sync it",
  phished: "an auditor's phished password (aal1, no second factor), signed in from the attacker's VPS with kubectl, answering every challenge a password answers: the ledger's production pods, then its Secrets",
} as const;

function attacks37(people: Person[], routine: DayEvent[]): DayEvent[] {
  const out: DayEvent[] = [];
  const { by, add, T, on } = attackKit(out, people, D37_FRI, API);

  // 1. Another VDI user in the auditor's Backstage session: the farm's address, the golden image's Chrome.
  const aud = by('aud-2');
  const v1 = before(routine, aud.name, T(14.33));
  const hints = { ...BROWSER_HINTS(WIN), ...BACKSTAGE_CLUSTER };
  add(A37.vdi, T(14.33), VDI_EGRESS, CHROME(WIN), v1.login, [
    ['GET', bs('/api/v1/namespaces/ledger-prod/pods'), false, hints, undefined, BACKSTAGE],
    ['GET', bs('/api/v1/namespaces/ledger-prod/secrets'), true, hints, undefined, BACKSTAGE],
    ['GET', bs('/api/v1/namespaces/ledger-db/secrets/ledger-pg-app'), true, hints, undefined, BACKSTAGE],
  ], 40 * S, aud);

  // 1b. An auditor's password, phished (session 46): the attacker signs in with it (aal1) from
  // their VPS and answers every challenge a password answers (signsIn); a second factor they lack.
  const aud3 = by('aud-3');
  const phishedAt = out.length;
  add(A37.phished, T(15.1), ATTACKER_VPS, KUBECTL('linux/amd64'), auditorSignIn(aud3.name, `${aud3.name}:phished`, T(15.1) - 60 * S), on([
    ['GET', '/api/v1/namespaces/ledger-prod/pods?limit=500', false],
    ['GET', '/api/v1/namespaces/ledger-prod/secrets?limit=500', true],
    ['GET', '/api/v1/namespaces/ledger-db/secrets/ledger-pg-app', true],
  ]), 30 * S);
  for (let i = phishedAt; i < out.length; i++) out[i] = { ...out[i]!, signsIn: true };

  // 2. The break-glass token, an hour after its last use, from the attacker's VPS with kubectl.
  add(A37.breakglass, T(OUTAGE_H + 1.5), ATTACKER_VPS, KUBECTL('linux/amd64'), breakglassLogin(D37_FRI), on([
    ['GET', '/api/v1/namespaces/ledger-prod/pods?limit=500', false],
    ['GET', '/api/v1/namespaces/ledger-prod/secrets/ledger-api-db', true],
    ['POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', true, JSON_CT, JSON.stringify({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'system:kube-metrics-reader' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: 'default' }] })],
  ]), 20 * S);

  // 3. The compromised kernel: the notebook's service account, from ds-1's notebook pod.
  const ds = by('ds-1');
  add(A37.notebook, T(11.6), NOTEBOOK_POD(ds.idx), PY_CLIENT, sa('data-lab', `notebook-${ds.short}`), [
    ['GET', '/api/v1/namespaces/data-lab/pods?limit=500', false, undefined, undefined, IN_CLUSTER],
    ['GET', '/api/v1/namespaces/data-lab/secrets?limit=500', true, undefined, undefined, IN_CLUSTER],
    ['GET', `/api/v1/namespaces/ledger-db/pods/${DB_POD('ledger', 0)}/exec?command=pg_dumpall&container=postgres&stderr=true&stdout=true`, true, WS_UPGRADE, undefined, IN_CLUSTER],
    ['GET', '/api/v1/namespaces/ledger-db/secrets?limit=500', true, undefined, undefined, IN_CLUSTER],
  ], 10 * S);

  // 4. The DBA's laptop: pg_dump in the replica, then the dump out with kubectl cp, between the DBA's own copies.
  const dba = by('dba-1');
  const v4 = before(routine, dba.name, T(15.5));
  const replica = DB_POD('ledger', 1);
  add(A37.dump, T(15.5), v4.ip, v4.ua, v4.login, on([
    ['GET', '/api/v1/namespaces/ledger-db/pods?limit=500', false],
    ['GET', `/api/v1/namespaces/ledger-db/pods/${replica}/exec?command=pg_dump&command=-Fc&command=-f&command=%2Ftmp%2Fledger.dump&command=ledger&container=postgres&stderr=true&stdout=true`, true, WS_UPGRADE],
    ['GET', cpOut('ledger-db', replica, '/tmp/ledger.dump'), true, WS_UPGRADE],
  ]), 45 * S, dba);

  // 5. The Renovate bot's token from a cloud VM: the ledger's application pointed at the attacker's branch, then synced to it.
  const app = { project: 'bank', destination: { server: 'https://kubernetes.default.svc', namespace: 'ledger-prod' }, source: { repoURL: 'https://git.northmere.example/platform/deploy.git', path: 'ledger/overlays/prod', targetRevision: ATTACKER_REVISION }, syncPolicy: { automated: { prune: true, selfHeal: true } } };
  add(A37.renovate, T(13.25), CLOUD_VM, RENOVATE, RENOVATE_LOGIN, [
    ['GET', '/api/v1/applications/ledger-prod?appNamespace=argocd', false, undefined, undefined, ARGOCD],
    ['PUT', '/api/v1/applications/ledger-prod/spec?appNamespace=argocd', true, JSON_CT, JSON.stringify(app), ARGOCD],
    ['POST', '/api/v1/applications/ledger-prod/sync', true, JSON_CT, JSON.stringify({ appNamespace: 'argocd', revision: ATTACKER_REVISION, prune: true, dryRun: false }), ARGOCD],
  ], 4 * S);
  return out;
}
