import { attackKit, type AttackRequest, type DayEvent, jitteredSittings, LINUX, type Login, MAC, podName, prng, restartPatch, type StaffMember, WIN, withAttacks, WS_UPGRADE } from './workday.js';
import { chromium, signInAt, sittings, type SittingRequest } from './sittings.js';

/**
 * A forty-seventh replayed day, written as an outside red team and an outside observer of real
 * engineers would after reading docs/risk.md, docs/configuration.md, docs/kubectl-stepup.md and
 * docs/guardrails.md, from a situation days 1–46 do not have: a London card-payments fintech
 * (Finco, `kubernetes.prod.finco.example`, one production cluster and its staging and dev
 * namespaces) on the Monday after a reorganisation. Over the weekend the ledger team was merged into
 * payments and a risk team split out; the identity provider's groups were renamed at 09:00 on the
 * scored day (`team-payments` → `eng-payments` and so on), so tokens of sign-ins before 09:00 carry
 * the old names and later ones the new, all day long; two engineers moved teams (mv-1 from cards to
 * payments, mv-2 from payments to risk) and start in namespaces they never touched, while the access
 * to their old team's namespaces is still in RBAC (the access review is next week); an intern is in
 * their first week (started the Wednesday before); the platform team upgrades the cluster from 1.30
 * to 1.31 from 10:00 in a war room (kubectl upgraded by Homebrew and the package manager mid-day,
 * flowcontrol v1beta3 gone for v1, HorizontalPodAutoscalers rewritten from autoscaling/v2beta2
 * manifests to v2, nodes cordoned and drained); an external penetration-testing firm (Redline
 * Security) has one scoped account for a window (13:00–17:00, the `pentest-target` namespace); and
 * CI is GitHub Actions with its OIDC tokens (`token.actions.githubusercontent.com`) deploying to
 * staging from larger runners with a static egress range. Warm-up Friday 10 December 2027, scored Monday 13 December (London is UTC+0 in
 * December). Hours below are UTC.
 *
 * The site's edit of the example (`SITE`) writes what such a fintech would after reading
 * docs/configuration.md: GitHub Actions' issuer with the cluster's audience, its tokens automation
 * (`automation.issuers`) and the runner group's static egress range in `risk.trusted_networks`
 * (docs/risk.md "Automation": a pool whose addresses change is otherwise new at every job); the pentest account dated with `access_windows` (the statement of work's
 * hours) and refused outside its scope by a deny rule of `outside_hours`' documented shape
 * (subjects, namespaces); Headlamp's host (the war room's wall screen and the SREs' browsers) under
 * `kubernetes.proxies`. Nothing else is changed: the reorganisation is not in the configuration,
 * because nothing in docs/configuration.md names a team's move.
 *
 * Routine, as the tools send it:
 * - two platform engineers with hardware keys (plat-1 Linux, plat-2 Mac) run the upgrade: nodes
 *   cordoned (a PATCH of spec.unschedulable) and drained (Evictions in every namespace), kube-system's
 *   pods, FlowSchemas and PriorityLevelConfigurations read on v1beta3 before 11:00 and on v1 after,
 *   one PriorityLevelConfiguration patched; their kubectl goes from 1.30.6 to 1.31.2 at about 11:00;
 *   plat-2 checks again from home at 20:00;
 * - two SREs with hardware keys: sre-1 (Mac) in the war room mostly through Headlamp in Chrome on
 *   the office network, sre-2 (Linux) on call from home at 07:00, then in the office; pods, events,
 *   logs, the payments API restarted once, HPAs read and patched on autoscaling/v2;
 * - payments (two factors): pay-1 (Mac, office) and pay-2 (Windows, home; came from ledger, so
 *   prod-ledger is not new to them), payments' and ledger's pods and logs, a rollout restart;
 * - mv-1 (Mac, office), on the warm-up day in cards (prod-cards, cards-staging), on the scored day
 *   in payments for the first time (prod-payments, prod-ledger, payments-staging);
 * - mv-2 (Linux, office), on the warm-up day in payments, on the scored day in risk (prod-risk,
 *   risk-models) for the first time;
 * - cards (two factors): cards-1 (Mac, office), cards-2 (Windows, home);
 * - risk-1 (Mac, office): prod-risk and risk-models;
 * - intern-1 (Mac, two factors, first week): payments-dev and payments-staging reads, one
 *   Deployment in payments-dev restarted; on the scored day at a coffee shop on the way in
 *   (08:00–09:30) on its public Wi-Fi;
 * - sec-1 (Linux, hardware key): ClusterRoleBindings, events, namespaces (the reorg's RBAC);
 * - pt-1 of Redline Security (two factors at the firm's own IdP tenant, federated through Finco's
 *   IdP as a guest), on the scored day only, 13:00–17:00 from the firm's office: pods, Secrets,
 *   exec and a pod created in `pentest-target`;
 * - GitHub Actions deploying payments-api to payments-staging every 20 minutes from GitHub's
 *   hosted runners (Azure addresses).
 *
 * The attacks, each written after reading what stepgate looks at:
 * - malware on mv-1's laptop uses mv-1's token, kubectl and office network at 11:20 for the team
 *   mv-1 just left: the cards API's image replaced (mv-1 restarted that Deployment on Friday), the
 *   card vault's key Secret, a shell in the card vault;
 * - intern-1's token taken at the coffee shop (a rogue access point's captive portal that the
 *   intern's laptop let run a "VPN helper") used from the same Wi-Fi at 09:05 with the intern's
 *   kubectl User-Agent: prod-payments' Secrets, the card processor's live key, a shell in the API;
 * - the pentester out of scope and out of window: payments-staging's Secrets at 16:35 and a shell
 *   in pentest-target at 17:12, after the window closed (the token is valid until 18:00);
 * - a GitHub Actions token minted for a fork's pull request (`pull_request_target` checking out the
 *   fork's code) at 14:05: a service-account token Secret for staging's deployer, then a
 *   ClusterRoleBinding of cluster-admin to it;
 * - a malicious Chrome extension in sre-1's browser (an auto-updated "JSON formatter") acts through
 *   Headlamp in the war room at 14:30 with sre-1's session, browser and network: prod-payments'
 *   Secrets, then a ClusterRoleBinding of cluster-admin to a service account it creates.
 */

export const D47_FRI = Date.UTC(2027, 11, 10, 0, 0, 0); // warm-up
export const D47_MON = Date.UTC(2027, 11, 13, 0, 0, 0); // scored (the reorganisation's first day, the 1.31 upgrade)
const [H, M, S] = [3_600_000, 60_000, 1000];

export const API = 'kubernetes.prod.finco.example';
/** Headlamp (OIDC: it sends the signed-in user's ID token to the API), behind the example's `/clusters/*` proxy prefix. */
export const HEADLAMP = 'headlamp.finco.example';
export const KUBECTL = (os: string, v = 'v1.30.6', commit = '00f20d4') => `kubectl/${v} (${os}) kubernetes/${commit}`;
/** The kubectl the upgrade brings (Homebrew, the distribution's package) from about 11:00. */
export const KUBECTL_131 = (os: string) => KUBECTL(os, 'v1.31.2', '5864a46');
/** Redline Security's Kali kubectl (Debian's build). */
export const KALI_KUBECTL = 'kubectl/v1.30.3+ds (linux/amd64) kubernetes/$Format';
const CHROME = (os: string) => `Mozilla/5.0 (${os}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36`;
const CH_UA = '"Google Chrome";v="131", "Chromium";v="131", "Not_A Brand";v="24"';
const SMP = { 'content-type': 'application/strategic-merge-patch+json' };
const MERGE = { 'content-type': 'application/merge-patch+json' };
const JSON_CT = { 'content-type': 'application/json' };

export const nameOf = (short: string) => `d47-${short}@finco.example`;
export const PENTESTER = 'd47-pt-1@redline-security.example';
/** GitHub Actions' OIDC issuer and the audience Finco's workflows ask for. */
export const GHA_ISS = 'https://token.actions.githubusercontent.com';
export const GHA_AUD = 'https://kubernetes.prod.finco.example';

export const OFFICE = '81.149.12.40';
export const HOME: Readonly<Record<string, string>> = { 'sre-2': '86.12.201.33', 'pay-2': '92.40.187.9', 'cards-2': '109.150.66.20', 'plat-2': '82.33.140.71', 'intern-1': '86.177.20.5' };
/** The coffee shop's public Wi-Fi (the intern's and, at 09:05, the thief's). */
export const CAFE = '146.198.40.12';
/** Redline Security's office. */
export const REDLINE = '194.35.118.70';
/** GitHub's larger hosted runners of Finco's runner group, with its static egress range (another address each job). */
export const GH_RUNNER = (j: number) => `4.208.26.${1 + (j % 14)}`;
/** The runner group's static egress (`risk.trusted_networks`, as docs/risk.md "Automation" says to list a runner pool). */
export const GH_RUNNER_CIDR = '4.208.26.0/28';

export const PAY = 'prod-payments';
export const LEDGER = 'prod-ledger';
export const CARDS = 'prod-cards';
export const RISK = 'prod-risk';
export const PENTEST_NS = 'pentest-target';
export const SECRET = (ns: string, name: string) => `/api/v1/namespaces/${ns}/secrets/${name}`;
export const DEPLOYMENT = (ns: string, name: string) => `/apis/apps/v1/namespaces/${ns}/deployments/${name}`;
export const FLOW = (v: string) => `/apis/flowcontrol.apiserver.k8s.io/${v}`;
export const HPA = (ns: string, name: string) => `/apis/autoscaling/v2/namespaces/${ns}/horizontalpodautoscalers/${name}`;

type Kind = 'plat' | 'sre' | 'pay' | 'cards' | 'risk' | 'intern' | 'sec' | 'pentest';
type Where = 'office' | 'home' | 'cafe' | 'redline';

interface Person extends StaffMember<Where> {
  short: string;
  kind: Kind;
  ua: string;
  acr: Login['acr'];
  /** The namespaces of the person's team on the warm-up day and on the scored day. */
  was: readonly string[];
  now: readonly string[];
  /** The IdP groups before the 09:00 rename and after it. */
  oldGroups: string[];
  newGroups: string[];
}

const TEAM_NS: Readonly<Record<string, readonly string[]>> = {
  payments: [PAY, 'payments-staging'],
  ledger: [LEDGER, 'ledger-staging'],
  cards: [CARDS, 'cards-staging'],
  risk: [RISK, 'risk-models'],
};

function staff(rand: () => number): Person[] {
  const out: Person[] = [];
  const add = (short: string, kind: Kind, os: string, acr: Login['acr'], was: readonly string[], now: readonly string[], groups: [string[], string[]], warm: [number, number, Where][], scored: [number, number, Where][]) => {
    const kubectlOs = os === LINUX ? 'linux/amd64' : os === MAC ? 'darwin/arm64' : 'windows/amd64';
    const ua = kind === 'pentest' ? KALI_KUBECTL : KUBECTL(kubectlOs);
    const name = kind === 'pentest' ? PENTESTER : nameOf(short);
    out.push({ name, short, idx: out.length, svc: kind, kind, ua, os, kubectlOs, kubectlVersion: /kubectl\/(v[\d.]+)/.exec(ua)?.[1] ?? '', acr, was, now, oldGroups: groups[0], newGroups: groups[1], warm: jitteredSittings(rand, warm), scored: jitteredSittings(rand, scored) });
  };
  const platNs = ['kube-system'];
  add('plat-1', 'plat', LINUX, 'urn:stepgate:aal3', platNs, platNs, [['platform'], ['eng-platform']], [[8, 12, 'office'], [13, 17.5, 'office']], [[8, 12, 'office'], [13, 18, 'office']]);
  add('plat-2', 'plat', MAC, 'urn:stepgate:aal3', platNs, platNs, [['platform'], ['eng-platform']], [[9, 12.5, 'office'], [13.5, 17.5, 'office']], [[9, 12.5, 'office'], [13.5, 18, 'office'], [20, 21, 'home']]);
  const all = [PAY, LEDGER, CARDS, RISK];
  add('sre-1', 'sre', MAC, 'urn:stepgate:aal3', all, all, [['sre'], ['eng-sre']], [[8.5, 12, 'office'], [13, 17.5, 'office']], [[8.5, 12, 'office'], [13, 17.5, 'office']]);
  add('sre-2', 'sre', LINUX, 'urn:stepgate:aal3', all, all, [['sre'], ['eng-sre']], [[9, 12, 'office'], [13, 17, 'office']], [[7, 9, 'home'], [10, 12.5, 'office'], [13.5, 17, 'office']]);
  add('pay-1', 'pay', MAC, 'urn:stepgate:aal2', TEAM_NS.payments!, [...TEAM_NS.payments!, ...TEAM_NS.ledger!], [['team-payments'], ['eng-payments']], [[9, 12.5, 'office'], [13.5, 17.5, 'office']], [[9, 12.5, 'office'], [13.5, 17.5, 'office']]);
  add('pay-2', 'pay', WIN, 'urn:stepgate:aal2', TEAM_NS.ledger!, [...TEAM_NS.payments!, ...TEAM_NS.ledger!], [['team-ledger'], ['eng-payments']], [[8, 12, 'home'], [13, 16, 'home']], [[8, 12, 'home'], [13, 16, 'home']]);
  add('mv-1', 'pay', MAC, 'urn:stepgate:aal2', TEAM_NS.cards!, [...TEAM_NS.payments!, ...TEAM_NS.ledger!], [['team-cards'], ['eng-payments']], [[9, 12.5, 'office'], [13.5, 17.5, 'office']], [[9, 12.5, 'office'], [13.5, 17.5, 'office']]);
  add('mv-2', 'risk', LINUX, 'urn:stepgate:aal2', TEAM_NS.payments!, TEAM_NS.risk!, [['team-payments'], ['eng-risk']], [[9.5, 12.5, 'office'], [13.5, 18, 'office']], [[9.5, 12.5, 'office'], [13.5, 18, 'office']]);
  add('cards-1', 'cards', MAC, 'urn:stepgate:aal2', TEAM_NS.cards!, TEAM_NS.cards!, [['team-cards'], ['eng-cards']], [[8.5, 12, 'office'], [13, 17, 'office']], [[8.5, 12, 'office'], [13, 17, 'office']]);
  add('cards-2', 'cards', WIN, 'urn:stepgate:aal2', TEAM_NS.cards!, TEAM_NS.cards!, [['team-cards'], ['eng-cards']], [[9, 13, 'home'], [14, 17, 'home']], [[9, 13, 'home'], [14, 17, 'home']]);
  add('risk-1', 'risk', MAC, 'urn:stepgate:aal2', TEAM_NS.risk!, TEAM_NS.risk!, [['team-payments', 'risk-analytics'], ['eng-risk']], [[9, 12, 'office'], [13, 17, 'office']], [[9, 12, 'office'], [13, 17, 'office']]);
  add('intern-1', 'intern', MAC, 'urn:stepgate:aal2', ['payments-dev', 'payments-staging'], ['payments-dev', 'payments-staging'], [['interns', 'team-payments'], ['eng-interns', 'eng-payments']], [[10, 12, 'office'], [13, 16, 'office']], [[8, 9.5, 'cafe'], [10, 12, 'office'], [13, 16, 'office']]);
  add('sec-1', 'sec', LINUX, 'urn:stepgate:aal3', [], [], [['security'], ['sec-ops']], [[9, 12, 'office'], [13, 17, 'office']], [[9, 12, 'office'], [13, 17, 'office']]);
  add('pt-1', 'pentest', LINUX, 'urn:stepgate:aal2', [PENTEST_NS], [PENTEST_NS], [['ext-pentest'], ['vendor-redline']], [], [[13.25, 16.8, 'redline']]);
  return out;
}

function addressOf(p: Person, where: Where): string {
  if (where === 'office') return OFFICE;
  if (where === 'cafe') return CAFE;
  if (where === 'redline') return REDLINE;
  return HOME[p.short] ?? OFFICE;
}

type Req = SittingRequest;

/** The person's kubectl at `t`: the platform engineers and SREs took 1.31 with the upgrade at about 11:00 on the scored day. */
const kubectlAt = (p: Person, t: number): string => ((p.kind === 'plat' || p.kind === 'sre') && t >= D47_MON + 11 * H ? KUBECTL_131(p.kubectlOs) : p.ua);

/** A platform engineer during the upgrade (the warm-up day: nodes and kube-system only). */
function platTask(rand: () => number, p: Person, n: number, t: number, scored: boolean): Req[] {
  const k = rand();
  const ua = kubectlAt(p, t);
  const flow = FLOW(t >= D47_MON + 11 * H ? 'v1' : 'v1beta3');
  const node = `ip-10-40-${(n * 7) % 16}-${(n * 53) % 250}.eu-west-2.compute.internal`;
  if (k < 0.2) return [{ method: 'GET', path: '/api/v1/nodes', ua }];
  if (k < 0.4) return [{ method: 'GET', path: '/api/v1/namespaces/kube-system/pods?limit=500', ua }];
  if (!scored || t < D47_MON + 10 * H) return [{ method: 'GET', path: `/api/v1/namespaces/kube-system/pods/${podName('coredns', n % 2)}/log?tailLines=200`, ua }];
  if (k < 0.55) return [{ method: 'GET', path: `${flow}/flowschemas`, ua }, { method: 'GET', path: `${flow}/prioritylevelconfigurations`, ua }];
  if (k < 0.75) {
    // kubectl drain: the cordon, the node's pods, an Eviction per pod.
    const ns = [PAY, LEDGER, CARDS, RISK, 'monitoring'][n % 5]!;
    return [
      { method: 'PATCH', path: `/api/v1/nodes/${node}`, headers: SMP, body: JSON.stringify({ spec: { unschedulable: true } }), ua },
      { method: 'GET', path: `/api/v1/pods?fieldSelector=spec.nodeName%3D${node}`, ua },
      { method: 'POST', path: `/api/v1/namespaces/${ns}/pods/${podName(ns.replace('prod-', '') + '-api', n)}/eviction`, headers: JSON_CT, body: JSON.stringify({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: podName(ns.replace('prod-', '') + '-api', n), namespace: ns } }), ua },
    ];
  }
  if (k < 0.85) return [{ method: 'GET', path: `/apis/autoscaling/v2/horizontalpodautoscalers?limit=500`, ua }];
  return [{ method: 'PATCH', path: `/api/v1/nodes/${node}`, headers: SMP, body: JSON.stringify({ spec: { unschedulable: null } }), ua }];
}

/** An SRE: pods, events and logs of the product's namespaces, HPAs on autoscaling/v2 (sre-1 through Headlamp). */
function sreTask(rand: () => number, p: Person, n: number, t: number, scored: boolean): Req[] {
  const k = rand();
  const ns = p.now[n % p.now.length]!;
  const app = ns.replace('prod-', '');
  // sre-1 works in Headlamp every other task, and only there in the war room.
  const browser = p.short === 'sre-1' && (n % 2 === 0 || (scored && t >= D47_MON + 10 * H));
  const ua = browser ? undefined : kubectlAt(p, t);
  const via = (q: Req): Req => (browser ? { ...q, host: HEADLAMP, path: `/clusters/prod${q.path}`, browser: true } : { ...q, ua: ua! });
  let reqs: Req[];
  if (k < 0.3) reqs = [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods?limit=500` }];
  else if (k < 0.5) reqs = [{ method: 'GET', path: `/api/v1/namespaces/${ns}/events?limit=500` }];
  else if (k < 0.75) reqs = [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${podName(`${app}-api`, n)}/log?tailLines=300` }];
  else if (k < 0.9) reqs = [{ method: 'GET', path: `/apis/autoscaling/v2/namespaces/${ns}/horizontalpodautoscalers` }];
  else if (k < 0.96) reqs = [{ method: 'PATCH', path: HPA(ns, `${app}-api`), headers: MERGE, body: JSON.stringify({ spec: { minReplicas: 4 + (n % 3) } }) }];
  else reqs = [{ method: 'PATCH', path: `${DEPLOYMENT(ns, `${app}-api`)}?fieldManager=kubectl-rollout`, headers: SMP, body: restartPatch(t) }];
  return reqs.map(via);
}

/** A product engineer (payments, ledger, cards, risk; the movers in their team of the day): pods, logs, Deployments, a restart. */
function productTask(rand: () => number, p: Person, n: number, t: number, scored: boolean): Req[] {
  const k = rand();
  const nss = scored ? p.now : p.was;
  const ns = nss[n % nss.length]!;
  const app = ns.replace(/^prod-|-staging$|-models$/g, '');
  if (k < 0.3) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods?limit=500` }];
  if (k < 0.6) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${podName(`${app}-api`, n)}/log?tailLines=500` }];
  if (k < 0.75) return [{ method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments?limit=500` }];
  if (k < 0.88) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/configmaps/${app}-config` }];
  return [{ method: 'PATCH', path: `${DEPLOYMENT(ns, `${app}-api`)}?fieldManager=kubectl-rollout`, headers: SMP, body: restartPatch(t) }];
}

/** The intern: payments-dev and staging reads, a restart in dev. */
function internTask(rand: () => number, n: number, t: number): Req[] {
  const k = rand();
  const ns = n % 3 === 0 ? 'payments-staging' : 'payments-dev';
  if (k < 0.4) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods?limit=500` }];
  if (k < 0.75) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${podName('payments-api', n)}/log?tailLines=100` }];
  if (k < 0.9) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/services` }];
  return [{ method: 'PATCH', path: `${DEPLOYMENT('payments-dev', 'payments-api')}?fieldManager=kubectl-rollout`, headers: SMP, body: restartPatch(t) }];
}

/** Security: the reorganisation's RBAC, events, namespaces. */
function secTask(rand: () => number, n: number): Req[] {
  const k = rand();
  if (k < 0.35) return [{ method: 'GET', path: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings' }];
  if (k < 0.6) return [{ method: 'GET', path: `/apis/rbac.authorization.k8s.io/v1/namespaces/${[PAY, LEDGER, CARDS, RISK][n % 4]}/rolebindings` }];
  if (k < 0.8) return [{ method: 'GET', path: '/api/v1/namespaces' }];
  return [{ method: 'GET', path: `/api/v1/events?fieldSelector=type%3DWarning&limit=500` }];
}

/** The pentester in scope: pods, Secrets, a shell, a pod of their own in pentest-target. */
function pentestTask(rand: () => number, n: number): Req[] {
  const k = rand();
  if (k < 0.3) return [{ method: 'GET', path: `/api/v1/namespaces/${PENTEST_NS}/pods?limit=500` }];
  if (k < 0.5) return [{ method: 'GET', path: `/api/v1/namespaces/${PENTEST_NS}/secrets?limit=500` }];
  if (k < 0.75) return [{ method: 'GET', path: `/api/v1/namespaces/${PENTEST_NS}/pods/${podName('target-app', n % 3)}/exec?command=sh&container=app&stdin=true&stdout=true&tty=true`, headers: WS_UPGRADE }];
  if (k < 0.9) return [{ method: 'GET', path: `/apis/rbac.authorization.k8s.io/v1/namespaces/${PENTEST_NS}/rolebindings` }];
  return [{ method: 'POST', path: `/api/v1/namespaces/${PENTEST_NS}/pods`, headers: JSON_CT, body: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `rl-probe-${n}`, namespace: PENTEST_NS }, spec: { containers: [{ name: 'probe', image: 'docker.io/library/alpine:3.20', command: ['sleep', '3600'] }] } }) }];
}

/** A GitHub Actions OIDC token for `sub` (no acr, amr or auth_time: a workflow, not a person). */
export const ghaLogin = (sub: string, extra: Readonly<Record<string, string>>): Login => ({
  sub,
  sid: '',
  authTime: undefined,
  acr: 'urn:stepgate:aal1',
  claims: { acr: undefined, amr: undefined },
  identity: { iss: GHA_ISS, aud: GHA_AUD, repository: 'finco/payments', repository_owner: 'finco', ...extra },
});
const CI_PUSH = ghaLogin('repo:finco/payments:environment:staging', { ref: 'refs/heads/main', event_name: 'push', environment: 'staging', job_workflow_ref: 'finco/payments/.github/workflows/deploy.yml@refs/heads/main' });

/**
 * The site's edit of the example: GitHub Actions' issuer (automation), the pentest account's window
 * and scope, Headlamp's host.
 */
export function SITE(yaml: string): string {
  const url = /issuer: (http:\/\/127\.0\.0\.1:\d+)/.exec(yaml)?.[1];
  const sa = '  # Kubernetes service-account tokens';
  const auto = '\nautomation:\n  issuers: [https://kubernetes.default.svc.cluster.local]\n';
  const proxy = 'hosts: [headlamp.localhost]';
  const rules = '\n  rules:\n';
  const trusted = '  trusted_networks: [10.0.0.0/8]\n';
  const policy = yaml.indexOf('\npolicy:\n');
  if (url === undefined || !yaml.includes(sa) || !yaml.includes(auto) || !yaml.includes(proxy) || !yaml.includes(trusted) || policy < 0 || yaml.indexOf(rules, policy) < 0 || yaml.includes('\naccess_windows:')) throw new Error('day 47: the example no longer has what the site edits');
  const scope = `    - name: redline-pentest-scope
      description: Redline Security's engagement (SOW-2027-114) is the pentest-target namespace; production, staging and the control plane are out of scope
      match:
        subjects: ["*@redline-security.example"]
        kubernetes:
          namespaces: ["prod*", "*-staging", "*-dev", "risk-*", "kube-*", "*-system", monitoring]
      deny: true
      message: Redline Security's engagement covers the pentest-target namespace only; ask the security team (sec-ops) to widen the scope
`;
  const window = `access_windows:
  - name: redline-pentest
    description: Redline Security's external penetration test, statement of work SOW-2027-114
    match:
      subjects: ["*@redline-security.example"]
    valid_from: "2027-12-13T13:00:00Z"
    valid_until: "2027-12-13T17:00:00Z"
    message: Redline Security's test window is 13:00 to 17:00 UTC on 13 December 2027
`;
  const cut = yaml.indexOf(rules, policy) + rules.length;
  const ruled = `${yaml.slice(0, cut)}${scope}${yaml.slice(cut)}`;
  const p2 = ruled.indexOf('\npolicy:\n');
  return `${ruled.slice(0, p2 + 1)}${window}${ruled.slice(p2 + 1)}`
    .replace(sa, `  - issuer: ${GHA_ISS}\n    jwks_uri: ${url}/jwks\n    fetch_timeout_ms: 20000\n    audiences: ["${GHA_AUD}"]\n    required_claims: {repository_owner: [finco]}\n${sa}`)
    .replace(auto, `\nautomation:\n  issuers: [https://kubernetes.default.svc.cluster.local, ${GHA_ISS}]\n`)
    .replace(proxy, `hosts: [headlamp.localhost, ${HEADLAMP}]`)
    .replace(trusted, `  trusted_networks: [10.0.0.0/8, ${GH_RUNNER_CIDR}]\n`);
}

export function workday47(seed = 451): DayEvent[] {
  const rand = prng(seed * 2_654_435_761 + 47);
  const people = staff(rand);
  const events: DayEvent[] = [];
  const replay = sittings<Where, Person>(rand, people, {
    events,
    api: API,
    addressOf: (p, where) => addressOf(p, where),
    usualPlace: (p) => (p.kind === 'pentest' ? 'redline' : HOME[p.short] !== undefined && p.short !== 'plat-2' && p.short !== 'sre-2' && p.short !== 'intern-1' ? 'home' : 'office'),
    browser: chromium(CHROME, CH_UA),
  });
  for (const [day, scored] of [[D47_FRI, false], [D47_MON, true]] as const) {
    const { at, push } = replay(day, scored, {
      task: (p, n, t) =>
        p.kind === 'plat'
          ? platTask(rand, p, n, t, scored)
          : p.kind === 'sre'
            ? sreTask(rand, p, n, t, scored)
            : p.kind === 'intern'
              ? internTask(rand, n, t)
              : p.kind === 'sec'
                ? secTask(rand, n)
                : p.kind === 'pentest'
                  ? pentestTask(rand, n)
                  : productTask(rand, p, n, t, scored),
      pace: (p) => (p.kind === 'plat' || p.kind === 'sre' ? [5, 12] : p.kind === 'pentest' ? [4, 8] : [8, 20]),
    });
    if (scored) {
      // 10:05, the war room opens: the SREs' and the platform's first look at the control plane's version and the nodes.
      const by = (s: string) => people.find((p) => p.short === s)!;
      push(by('plat-1'), at(10.08), [{ method: 'GET', path: '/version', ua: by('plat-1').ua }, { method: 'GET', path: '/api/v1/nodes', ua: by('plat-1').ua }], 20 * S);
      // 11:40, after the control plane is on 1.31: the one PriorityLevelConfiguration the upgrade's runbook retunes, on flowcontrol v1.
      const plat1 = by('plat-1');
      push(plat1, at(11.67), [{ method: 'GET', path: `${FLOW('v1')}/prioritylevelconfigurations/workload-high`, ua: KUBECTL_131(plat1.kubectlOs) }, { method: 'PATCH', path: `${FLOW('v1')}/prioritylevelconfigurations/workload-high`, headers: MERGE, body: JSON.stringify({ spec: { limited: { nominalConcurrencyShares: 80 } } }), ua: KUBECTL_131(plat1.kubectlOs) }], 30 * S);
    }
    // GitHub Actions: payments-api to payments-staging every 20 minutes from 07:00 (a new runner each time).
    for (let j = 0; j < 33; j++) {
      const t = day + 7 * H + j * 20 * M + 3 * M;
      const tag = (seed * 7919 + j * 104729 + (scored ? 1 : 0)).toString(16).slice(0, 7);
      const base = { actor: 'ci', scored, ip: GH_RUNNER(j + (scored ? 40 : 0)), ua: 'kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46', login: CI_PUSH, host: API };
      events.push({ ...base, at: t, method: 'PATCH', path: `${DEPLOYMENT('payments-staging', 'payments-api')}?fieldManager=kubectl-set`, headers: SMP, body: JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'api', image: `ghcr.io/finco/payments-api:${tag}` }] } } } }) });
      events.push({ ...base, at: t + 30 * S, method: 'GET', path: DEPLOYMENT('payments-staging', 'payments-api') });
    }
  }
  // The IdP's groups: a sign-in before Monday 09:00 carries the old names, one after it the new.
  for (const p of people) {
    for (const e of events) {
      if (e.actor !== p.name || e.login.authTime === undefined) continue;
      const renamed = e.login.authTime * 1000 >= D47_MON + 9 * H;
      e.login.claims = { ...e.login.claims, groups: renamed ? p.newGroups : p.oldGroups };
    }
  }
  events.sort((a, b) => a.at - b.at);
  return withAttacks(events, attacks47(people, events));
}

/** The attack rows' names, as the matrix and the targets name them. */
export const A47 = {
  moved: "malware on mv-1's laptop, the morning mv-1 moved from cards to payments, with mv-1's token, kubectl and office network: the old team's cards API image replaced, the card vault's key, a shell in the card vault",
  intern: "the intern's token taken at a coffee shop by a rogue access point's 'VPN helper', used from the same Wi-Fi with the intern's kubectl User-Agent: prod-payments' Secrets, the card processor's live key, a shell in the payments API",
  pentest: "the pentest firm's account out of scope (payments-staging's Secrets at 16:35) and out of its window (a shell in pentest-target at 17:12, the token still valid)",
  ciFork: "a GitHub Actions OIDC token minted for a fork's pull_request_target workflow: a service-account token Secret for staging's deployer, then a ClusterRoleBinding of cluster-admin",
  extension: "a malicious Chrome extension in sre-1's browser during the upgrade war room, through Headlamp with sre-1's session, browser and office network: prod-payments' Secrets, a service account, a ClusterRoleBinding of cluster-admin to it",
} as const;

export const CARD_VAULT_KEY = 'card-vault-keys';
/** The cards API's image swapped for one that also sends card numbers out (`kubectl set image`, as mv-1's Friday restarts were patches of the same Deployment). */
export const cardsImage = JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'api', image: 'ghcr.io/finco/cards-api:4.18.2-hotfix1' }] } } } });
export const PROCESSOR_KEY = 'processor-live-key';
/** The ClusterRoleBinding the attackers want: cluster-admin for a service account of theirs. */
export const adminBinding = (name: string, ns: string, sa: string) =>
  JSON.stringify({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'ServiceAccount', name: sa, namespace: ns }] });

function attacks47(people: Person[], routine: DayEvent[]): DayEvent[] {
  const out: DayEvent[] = [];
  const { by, add, T, on } = attackKit(out, people, D47_MON, API);
  const lastOf = (actor: string, t: number) => routine.filter((e) => e.actor === actor && e.scored && e.at <= t).sort((a, b) => b.at - a.at)[0]!;

  // 1. mv-1's laptop at 11:20: the team mv-1 left on Friday, whose namespaces RBAC still grants.
  const mv1 = by('mv-1');
  const v1 = lastOf(mv1.name, T(11.33));
  add(A47.moved, T(11.33), v1.ip, v1.ua, v1.login, on([
    ['PATCH', `${DEPLOYMENT(CARDS, 'cards-api')}?fieldManager=kubectl-set`, true, SMP, cardsImage] as AttackRequest,
    ['GET', SECRET(CARDS, CARD_VAULT_KEY), true],
    ['GET', `/api/v1/namespaces/${CARDS}/pods/${podName('card-vault', 0)}/exec?command=sh&container=vault&stdin=true&stdout=true&tty=true`, true, WS_UPGRADE],
  ]), 30 * S, mv1);

  // 2. The intern's token from the coffee shop, used there at 09:05 with the intern's kubectl.
  const intern = by('intern-1');
  const v2 = lastOf(intern.name, T(9.08));
  add(A47.intern, T(9.08), CAFE, v2.ua, v2.login, on([
    ['GET', `/api/v1/namespaces/${PAY}/secrets?limit=500`, true],
    ['GET', SECRET(PAY, PROCESSOR_KEY), true],
    ['GET', `/api/v1/namespaces/${PAY}/pods/${podName('payments-api', 0)}/exec?command=sh&container=api&stdin=true&stdout=true&tty=true`, true, WS_UPGRADE],
  ]), 40 * S);

  // 3. The pentester: payments-staging at 16:35 (out of scope), pentest-target at 17:12 (out of the window), with the 16:30 sign-in.
  const pt = by('pt-1');
  const ptLogin: Login = { ...signInAt(pt.name, `${pt.name}:late`, T(16.5), pt.acr), claims: { groups: pt.newGroups } };
  add(A47.pentest, T(16.58), REDLINE, pt.ua, ptLogin, on([
    ['GET', `/api/v1/namespaces/payments-staging/secrets?limit=500`, true],
  ]), 0);
  add(A47.pentest, T(17.2), REDLINE, pt.ua, ptLogin, on([
    ['GET', `/api/v1/namespaces/${PENTEST_NS}/pods/${podName('target-app', 1)}/exec?command=sh&container=app&stdin=true&stdout=true&tty=true`, true, WS_UPGRADE],
  ]), 0);

  // 4. A fork's pull_request_target workflow at 14:05: GitHub mints it a token of the base repository.
  const fork = ghaLogin('repo:finco/payments:pull_request', { ref: 'refs/pull/812/merge', event_name: 'pull_request_target', job_workflow_ref: 'finco/payments/.github/workflows/preview.yml@refs/heads/main' });
  const saToken = JSON.stringify({ apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/service-account-token', metadata: { name: 'deployer-token-x', namespace: 'payments-staging', annotations: { 'kubernetes.io/service-account.name': 'deployer' } } });
  add(A47.ciFork, T(14.08), GH_RUNNER(77), 'kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46', fork, on([
    ['POST', '/api/v1/namespaces/payments-staging/secrets', true, JSON_CT, saToken] as AttackRequest,
    ['POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', true, JSON_CT, adminBinding('ci-preview-admin', 'payments-staging', 'deployer')] as AttackRequest,
  ]), 15 * S);

  // 5. The extension in sre-1's Chrome at 14:30, through Headlamp (it holds sre-1's session).
  const sre1 = by('sre-1');
  const v5 = lastOf(sre1.name, T(14.5));
  const chrome = chromium(CHROME, CH_UA)(sre1);
  const hl = (q: AttackRequest): AttackRequest => [q[0], `/clusters/prod${q[1]}`, q[2], { ...chrome.hints, ...q[3] }, q[4], HEADLAMP];
  add(A47.extension, T(14.5), OFFICE, chrome.ua, v5.login, [
    hl(['GET', `/api/v1/namespaces/${PAY}/secrets?limit=500`, true]),
    hl(['POST', `/api/v1/namespaces/monitoring/serviceaccounts`, true, JSON_CT, JSON.stringify({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'metrics-reader-x', namespace: 'monitoring' } })]),
    hl(['POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', true, JSON_CT, adminBinding('metrics-reader-x', 'monitoring', 'metrics-reader-x')]),
  ], 20 * S, sre1);
  for (const e of out) if (e.attack === A47.pentest) e.signsIn = true;
  return out;
}
