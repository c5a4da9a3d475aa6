import { withRegistries } from './site-registries.js';
import { attackKit, ciDeploys, type DayEvent, jitteredSittings, LINUX, type Login, MAC, PLATFORM_HINT, podName, prng, restartPatch, type StaffMember, withAttacks, WS_UPGRADE } from './workday.js';

/**
 * A thirty-sixth replayed day, written as an outside red team and an outside observer of real
 * engineers would after reading docs/risk.md, docs/configuration.md, docs/kubectl-stepup.md and
 * docs/guardrails.md, from a situation days 1–35 do not have: one on-call rotation shared by three
 * offices across the sun, with the day's people moving between devices, networks and browsers all
 * at once. Tessaly Commerce (an online marketplace; offices in Pune, Berlin and New York; 14 people
 * and CI on the gateway, one production cluster at `kubernetes.prod.tessaly.example`, the example
 * as shipped) on Tuesday 18 January 2028 (warm-up Monday 17 January; hours UTC: Pune is UTC+5:30,
 * Berlin UTC+1, New York UTC−5).
 *
 * Routine, as the tools send it:
 * - one pager, handed over twice: Pune's on-call 02:30–10:30 UTC (08:00–16:00 IST), Berlin's
 *   10:30–16:30, New York's 16:30–22:30; each on-call sweeps every team's production namespace
 *   (pods, events, an API pod's log, now and then a team's database Secret or a rollout restart),
 *   and each handover is a sweep of all four by both the outgoing and the incoming on-call;
 * - Headlamp (in-cluster, OIDC; `headlamp.localhost`, its session cookie holds the engineer's token)
 *   in Chrome beside kubectl for the Berlin and New York developers: pods, Deployments, a staging
 *   Secret opened in the UI;
 * - a release train through Argo CD (`argocd.localhost`, `kubernetes.web_apis` `argo-cd`): the
 *   Berlin release manager's `release-train` CLI (a Node tool on the laptop) reads each
 *   application and syncs it (the tag is bumped in Git first), every 40–60 minutes, with the
 *   application list and resource tree in Chrome between; New York's on-call syncs the evening's;
 * - a traveller: the Berlin solutions engineer flies to a customer in Madrid: the airport's Wi-Fi
 *   at BER (06:45–07:45), the hotel in Madrid (10:30–12:00, a new sign-in after the flight), the
 *   customer's guest network (13:00–17:00, within the hotel's sign-in);
 * - a laptop replaced mid-day: dev-b1's MacBook dies at 11:00; IT's new one from 11:45 has a newer
 *   kubectl build and a fresh sign-in (the same account);
 * - a new hire's first afternoon (13:00–17:00, no history at all): `kubectl auth can-i --list`, the
 *   catalog team's staging pods, logs and Secret, its production pods, with their buddy (dev-b2) at
 *   the next desk;
 * - Pune's developers on Linux laptops (office mornings, home evenings), CI deploying checkout's
 *   staging every 20 minutes from the runners.
 *
 * The attacks, each written after reading what stepgate looks at:
 * - a malicious Chrome extension on dev-b2's browser copies Headlamp's session cookie; the
 *   attacker replays it from their own machine in Berlin (another home ISP of the same city), with
 *   dev-b2's Chrome agent and client hints, in dev-b2's afternoon: the catalog team's production
 *   pods, its database Secret, then payments';
 * - the traveller's kubelogin token cache (refresh token included) copied from the laptop left in
 *   the hotel room at lunch; the attacker refreshes it (the same sign-in: same `sid`, same
 *   `auth_time`) from a cloud VM in the Madrid region at 15:30, while the traveller works at the
 *   customer's, with the traveller's kubectl agent;
 * - the handover insider: Pune's on-call, their own laptop, network and sign-in, exports every
 *   production namespace's ConfigMaps and Secrets one list every 90 s across the 10:30 handover,
 *   when both on-calls sweep every namespace; they can sign in, so only a refusal stops them;
 * - a compromised CI runner: the checkout deployer's service-account token, from a runner, lists
 *   Secrets in its own staging namespace, then payments' production and kube-system's;
 * - a supply-chain push: a compromised dependency of the `release-train` CLI on the release
 *   manager's laptop (their token, network and agent) waits until the token cache holds a sign-in
 *   under 15 minutes old (what `argocd-app-changes` asks), then redefines checkout's production
 *   application with a kustomize image from an unlisted registry and syncs it;
 * - a teammate's open terminal: dev-b2's unlocked laptop on the new hire's desk while dev-b2 is in
 *   a meeting; whoever sits there reads payments' production Secret and opens a shell there, with
 *   dev-b2's kubectl, token and office address.
 */

/**
 * Tessaly's site copy of the example (session 50): its registries in
 * guardrails.allowed_registries and image_registry_not_allowed held to a hardware key within 5
 * minutes, as docs/guardrails.md ("Images named in GitOps objects") writes it for a company whose
 * releases never name another registry: every image is built into `registry.tessaly.example` (CI's
 * deploys, the release train's Argo CD applications), with Docker Hub's official images for
 * debugging. The supply-chain push (an Argo CD application redefined with an image from an
 * unlisted registry) is then asked a factor the waiting dependency cannot give (day 36's finding,
 * open on the example, which cannot know a company's registries).
 */
export function SITE(yaml: string): string {
  return withRegistries('36', yaml, ['registry.tessaly.example', 'docker.io/library'], true);
}

export const D36_MON = Date.UTC(2028, 0, 17, 0, 0, 0); // warm-up
export const D36_TUE = Date.UTC(2028, 0, 18, 0, 0, 0); // scored
const [H, M, S] = [3_600_000, 60_000, 1000];

export const API = 'kubernetes.prod.tessaly.example';
export const ARGOCD = 'argocd.localhost';
export const HEADLAMP = 'headlamp.localhost';
export const KUBECTL = (os: string) => `kubectl/v1.31.4 (${os}) kubernetes/a78aa47`;
/** IT's new MacBook for dev-b1: this month's image, a kubectl minor ahead. */
export const NEW_LAPTOP_KUBECTL = 'kubectl/v1.32.1 (darwin/arm64) kubernetes/e9c9be4';
export const CHROME = (os: string) => `Mozilla/5.0 (${os}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/132.0.0.0 Safari/537.36`;
export const BROWSER_HINTS = (os: string) => ({ 'sec-ch-ua': '"Chromium";v="132", "Google Chrome";v="132", "Not-A.Brand";v="99"', 'sec-ch-ua-mobile': '?0', 'sec-ch-ua-platform': PLATFORM_HINT[os]!, accept: 'application/json' });
/** The release manager's release CLI (Node, on the laptop). */
export const RELEASE_TRAIN = 'release-train/3.2.0 (darwin; arm64) node/20.11.1';
const SMP = { 'content-type': 'application/strategic-merge-patch+json' };
const JSON_CT = { 'content-type': 'application/json' };

export const TEAMS = ['checkout', 'catalog', 'search', 'payments'] as const;
export type Team = (typeof TEAMS)[number];

const CO = 'tessaly.example';
export const nameOf = (short: string) => `d36-${short}@${CO}`;

export type City = 'pune' | 'berlin' | 'nyc';
/** The offices' public addresses. */
export const OFFICE: Record<City, (n: number) => string> = {
  pune: (n) => `103.21.58.${40 + (n % 2)}`,
  berlin: (n) => `91.64.30.${10 + (n % 2)}`,
  nyc: (n) => `38.104.72.${5 + (n % 2)}`,
};
/** The traveller's networks: BER's airport Wi-Fi, the Madrid hotel, the customer's guest network. */
export const AIRPORT = '62.157.140.33';
export const HOTEL = '88.26.201.14';
export const CUSTOMER_GUEST = '213.97.49.130';
/** The extension's operator at home in Berlin (another ISP of the same city), and a cloud VM in the Madrid region. */
export const BERLIN_ATTACKER = '77.183.212.45';
export const MADRID_VM = '18.100.34.77';
export const RUNNER = (j: number) => `10.44.2.${20 + (j % 4)}`;
/** The unlisted registry the supply-chain push names. */
export const ROGUE_IMAGE = 'registry.tessaly-cdn.example/checkout/checkout-api:7.14.2';

/** When dev-b1's laptop dies, when the new one is signed in; the new hire's first afternoon. */
export const LAPTOP_DEAD_H = 11;
export const NEW_LAPTOP_H = 11.75;
export const NEW_HIRE_H = 13;
/** The pager's two handovers. */
export const HANDOVERS = [10.5, 16.5] as const;

type Kind = 'oncall' | 'dev' | 'release' | 'platform' | 'traveller' | 'newhire';
type Where = 'office' | 'home' | 'airport' | 'hotel' | 'customer';

interface Person extends StaffMember<Where> {
  short: string;
  kind: Kind;
  city: City;
  home: string;
  teams: readonly Team[];
  /** Uses Headlamp in Chrome beside kubectl. */
  headlamp: boolean;
}

function staff(rand: () => number): Person[] {
  const out: Person[] = [];
  const add = (short: string, kind: Kind, city: City, teams: readonly Team[], home: string, warm: [number, number, Where][], scored?: [number, number, Where][]) => {
    const idx = out.length;
    const linux = city === 'pune';
    out.push({
      name: nameOf(short), short, idx, svc: teams.join('+') || kind, kind, city, teams, home,
      headlamp: !linux && (kind === 'dev' || kind === 'newhire' || kind === 'traveller'),
      os: linux ? LINUX : MAC, kubectlOs: linux ? 'linux/amd64' : 'darwin/arm64', kubectlVersion: 'v1.31.4',
      warm: jitteredSittings(rand, warm), scored: jitteredSittings(rand, scored ?? warm),
    });
  };
  // Pune (UTC+5:30): the office in the day, home for the evening's last hour.
  add('oc-p', 'oncall', 'pune', [...TEAMS], '49.36.112.8', [[2.5, 10.75, 'office']]);
  add('dev-p1', 'dev', 'pune', ['search'], '106.210.33.71', [[3.5, 8, 'office'], [9, 12.5, 'home']]);
  add('dev-p2', 'dev', 'pune', ['catalog', 'search'], '122.170.5.190', [[3.5, 8, 'office'], [9, 12.5, 'home']]);
  // Berlin (UTC+1).
  add('oc-b', 'oncall', 'berlin', [...TEAMS], '92.211.14.60', [[7.75, 12, 'office'], [12.75, 16.75, 'office']]);
  add('rel-b', 'release', 'berlin', ['checkout', 'payments'], '95.90.210.33', [[8, 12, 'office'], [13, 16.5, 'office']]);
  add('dev-b1', 'dev', 'berlin', ['checkout'], '31.17.98.4', [[8, 12, 'office'], [13, 17, 'home']], [[8, LAPTOP_DEAD_H, 'office'], [NEW_LAPTOP_H, 12, 'office'], [13, 17, 'home']]);
  add('dev-b2', 'dev', 'berlin', ['catalog', 'search'], '178.203.5.112', [[8, 12, 'office'], [13, 17, 'office']]);
  add('plat', 'platform', 'berlin', [], '84.141.77.23', [[7.5, 11.5, 'home'], [12.5, 16.5, 'office']]);
  add('se-1', 'traveller', 'berlin', ['payments', 'checkout'], '89.14.201.90', [[8, 12, 'office'], [13, 17, 'office']], [[6.75, 7.75, 'airport'], [10.5, 12, 'hotel'], [13, 17, 'customer']]);
  // The new hire: the scored afternoon only (no warm-up sittings), in the Berlin office.
  add('new-b', 'newhire', 'berlin', ['catalog'], '176.6.41.9', [], [[NEW_HIRE_H, 17, 'office']]);
  // New York (UTC−5).
  add('oc-n', 'oncall', 'nyc', [...TEAMS], '72.229.40.18', [[13.5, 18, 'home'], [18.5, 22.5, 'home']]);
  add('dev-n1', 'dev', 'nyc', ['payments'], '100.2.176.61', [[14, 18, 'office'], [19, 22.5, 'home']]);
  add('dev-n2', 'dev', 'nyc', ['checkout', 'catalog'], '67.243.18.200', [[14, 18, 'office'], [19, 22.5, 'office']]);
  // The dead laptop's last request is before 11:00 whatever the jitter drew, the new one's first after 11:45.
  const b1 = out.find((p) => p.short === 'dev-b1')!;
  b1.scored[0]![1] = Math.min(b1.scored[0]![1], LAPTOP_DEAD_H);
  b1.scored[1]![0] = Math.max(b1.scored[1]![0], NEW_LAPTOP_H);
  const nh = out.find((p) => p.short === 'new-b')!;
  nh.scored[0]![0] = Math.max(nh.scored[0]![0], NEW_HIRE_H);
  return out;
}

function addressOf(p: Person, where: Where, n: number): string {
  switch (where) {
    case 'office':
      return OFFICE[p.city](p.idx + n);
    case 'airport':
      return AIRPORT;
    case 'hotel':
      return HOTEL;
    case 'customer':
      return CUSTOMER_GUEST;
    default:
      return p.home;
  }
}

type Req = { method: string; path: string; host?: string; headers?: Record<string, string>; body?: string; via?: 'browser' | 'release' };
const pick = <T>(rand: () => number, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
/** Headlamp's proxy path for an API path. */
const hl = (path: string): string => `/clusters/main${path}`;

/** A developer's task on their team's namespaces; Headlamp for some reads. */
function devTask(rand: () => number, team: Team, t: number, n: number, headlamp: boolean): Req[] {
  const p = `${team}-prod`;
  const s = `${team}-staging`;
  const app = `${team}-api`;
  const k = rand();
  if (headlamp && k < 0.25) {
    const j = rand();
    if (j < 0.5) return [{ method: 'GET', path: hl(`/api/v1/namespaces/${p}/pods`), host: HEADLAMP, via: 'browser' }, { method: 'GET', path: hl(`/apis/apps/v1/namespaces/${p}/deployments`), host: HEADLAMP, via: 'browser' }];
    if (j < 0.8) return [{ method: 'GET', path: hl(`/api/v1/namespaces/${s}/pods/${podName(app, n)}/log?container=api&tailLines=100`), host: HEADLAMP, via: 'browser' }];
    return [{ method: 'GET', path: hl(`/api/v1/namespaces/${s}/secrets/${app}-db`), host: HEADLAMP, via: 'browser' }];
  }
  if (k < 0.45) return [{ method: 'GET', path: `/api/v1/namespaces/${p}/pods?limit=500` }, { method: 'GET', path: `/api/v1/namespaces/${p}/events?limit=500` }];
  if (k < 0.58) return [{ method: 'GET', path: `/api/v1/namespaces/${p}/pods/${podName(app, n)}/log?container=api&tailLines=300` }];
  if (k < 0.7) return [{ method: 'PATCH', path: `/apis/apps/v1/namespaces/${s}/deployments/${app}?fieldManager=kubectl-rollout`, headers: SMP, body: restartPatch(t) }];
  if (k < 0.8) return [{ method: 'GET', path: `/api/v1/namespaces/${s}/secrets/${app}-db` }];
  if (k < 0.85) return [{ method: 'GET', path: `/api/v1/namespaces/${p}/secrets/${app}-db` }];
  if (k < 0.92) return [{ method: 'GET', path: `/api/v1/namespaces/${s}/pods/${podName(app, n)}/exec?command=sh&container=api&stdin=true&stdout=true&tty=true`, headers: WS_UPGRADE }];
  return [{ method: 'GET', path: `/api/v1/namespaces/${p}/configmaps?limit=500` }];
}

/** The on-call's sweep of production: a team's pods and events, an API pod's log, a database Secret, a restart. */
function oncallTask(rand: () => number, t: number, n: number): Req[] {
  const team = pick(rand, TEAMS);
  const ns = `${team}-prod`;
  const k = rand();
  if (k < 0.45) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods?limit=500` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/events?limit=500` }];
  if (k < 0.75) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${podName(`${team}-api`, n)}/log?container=api&tailLines=500` }];
  if (k < 0.85) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/secrets/${team}-api-db` }];
  if (k < 0.92) return [{ method: 'PATCH', path: `/apis/apps/v1/namespaces/${ns}/deployments/${team}-api?fieldManager=kubectl-rollout`, headers: SMP, body: restartPatch(t) }];
  return [{ method: 'GET', path: '/api/v1/nodes' }];
}

/** The handover: every team's production pods and events, and the nodes. */
const HANDOVER_SWEEP: Req[] = [...TEAMS.flatMap((t): Req[] => [{ method: 'GET', path: `/api/v1/namespaces/${t}-prod/pods?limit=500` }, { method: 'GET', path: `/api/v1/namespaces/${t}-prod/events?limit=500` }]), { method: 'GET', path: '/api/v1/nodes' }];

const PLATFORM_NS = ['monitoring', 'ingress-nginx', 'cert-manager', 'argocd'] as const;
function platformTask(rand: () => number, t: number, n: number): Req[] {
  const ns = pick(rand, PLATFORM_NS);
  const k = rand();
  if (k < 0.35) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods?limit=500` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/events?limit=500` }];
  if (k < 0.5) return [{ method: 'GET', path: '/api/v1/nodes' }, { method: 'GET', path: '/apis/metrics.k8s.io/v1beta1/nodes' }];
  if (k < 0.62) return [{ method: 'GET', path: '/apis/cert-manager.io/v1/certificates?limit=500' }];
  if (k < 0.75) return [{ method: 'PATCH', path: `/apis/apps/v1/namespaces/monitoring/deployments/monitoring-controller?fieldManager=kubectl-rollout`, headers: SMP, body: restartPatch(t) }];
  if (k < 0.9) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${podName(`${ns}-controller`, n)}/log?tailLines=300` }];
  return [{ method: 'GET', path: '/api/v1/pods?limit=500' }];
}

/** The release train: the applications in Chrome, then the CLI's read and sync of one application. */
function releaseTask(rand: () => number, team: Team): Req[] {
  const app = `${team}-prod`;
  if (rand() < 0.4) return [{ method: 'GET', path: '/api/v1/applications?projects=shop', host: ARGOCD, via: 'browser' }, { method: 'GET', path: `/api/v1/applications/${app}/resource-tree?appNamespace=argocd`, host: ARGOCD, via: 'browser' }];
  return [
    { method: 'GET', path: `/api/v1/applications/${app}?appNamespace=argocd`, host: ARGOCD, via: 'release' },
    { method: 'POST', path: `/api/v1/applications/${app}/sync`, host: ARGOCD, via: 'release', headers: JSON_CT, body: JSON.stringify({ appNamespace: 'argocd', prune: false, dryRun: false, strategy: { hook: {} } }) },
  ];
}

/** The new hire's first afternoon: what can I do, the team's staging, production's pods. */
function newHireTask(rand: () => number, n: number, first: boolean): Req[] {
  if (first) return [{ method: 'POST', path: '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', headers: JSON_CT, body: JSON.stringify({ kind: 'SelfSubjectRulesReview', apiVersion: 'authorization.k8s.io/v1', spec: { namespace: 'catalog-staging' } }) }, { method: 'GET', path: '/api/v1/namespaces/catalog-staging/pods?limit=500' }];
  const k = rand();
  if (k < 0.35) return [{ method: 'GET', path: '/api/v1/namespaces/catalog-staging/pods?limit=500' }, { method: 'GET', path: `/api/v1/namespaces/catalog-staging/pods/${podName('catalog-api', n)}/log?container=api&tailLines=200` }];
  if (k < 0.55) return [{ method: 'GET', path: hl('/api/v1/namespaces/catalog-staging/pods'), host: HEADLAMP, via: 'browser' }];
  if (k < 0.7) return [{ method: 'GET', path: '/api/v1/namespaces/catalog-staging/secrets/catalog-api-db' }];
  return [{ method: 'GET', path: '/api/v1/namespaces/catalog-prod/pods?limit=500' }];
}

/** A two-factor sign-in made at `authMs`. */
export const signIn = (sub: string, sid: string, authMs: number): Login => ({ sub, sid, authTime: Math.floor(authMs / 1000), acr: 'urn:stepgate:aal2' });

export function workday36(seed = 341): DayEvent[] {
  const rand = prng(seed * 2_654_435_761 + 36);
  const people = staff(rand);
  const events: DayEvent[] = [];
  for (const [day, scored] of [[D36_MON, false], [D36_TUE, true]] as const) {
    const at = (h: number) => day + h * H;
    for (const p of people) {
      let n = 0;
      let login: Login | undefined;
      let last = -Infinity;
      let device = 0;
      let newHireFirst = true;
      const handovers = new Set<number>();
      for (const [from, to, where] of scored ? p.scored : p.warm) {
        let t = at(from) + M;
        while (t < at(to)) {
          const h = (t - day) / H;
          // The new laptop (dev-b1, the scored day) is a new device: its own sign-in.
          const dev = p.short === 'dev-b1' && scored && h >= NEW_LAPTOP_H ? 1 : 0;
          // A new sitting after a break of over two hours is a new sign-in, and so is a new device.
          if (login === undefined || h - last > 2 || dev !== device) {
            device = dev;
            login = signIn(p.name, `${p.name}:${day}:${Math.round(h * 10)}:${dev}`, t - 40 * S);
          }
          last = h;
          const ip = addressOf(p, where, n);
          let reqs: Req[];
          let gap = 1500 + rand() * 2500;
          const handover = HANDOVERS.find((x) => p.kind === 'oncall' && !handovers.has(x) && h >= x - 0.25 && h < x + 0.25);
          if (handover !== undefined) {
            handovers.add(handover);
            reqs = HANDOVER_SWEEP;
            gap = 6 * S;
          } else if (p.kind === 'oncall') reqs = oncallTask(rand, t, n);
          else if (p.kind === 'platform') reqs = platformTask(rand, t, n);
          else if (p.kind === 'release') reqs = rand() < 0.6 ? releaseTask(rand, pick(rand, TEAMS)) : devTask(rand, pick(rand, p.teams), t, n, true);
          else if (p.kind === 'newhire') {
            reqs = newHireTask(rand, n, newHireFirst);
            newHireFirst = false;
          } else reqs = devTask(rand, pick(rand, p.teams), t, n, p.headlamp);
          const kubectl = p.short === 'dev-b1' && device === 1 ? NEW_LAPTOP_KUBECTL : KUBECTL(p.kubectlOs);
          const l = login;
          reqs.forEach((q, i) => {
            const ua = q.via === 'browser' ? CHROME(p.os) : q.via === 'release' ? RELEASE_TRAIN : kubectl;
            const headers = q.via === 'browser' ? { ...BROWSER_HINTS(p.os), ...q.headers } : q.headers;
            events.push({ at: Math.round(t + i * gap), actor: p.name, scored, ip, ua, login: l, method: q.method, path: q.path, host: q.host ?? API, ...(headers ? { headers } : {}), ...(q.body !== undefined ? { body: q.body } : {}) });
          });
          n++;
          t += reqs.length * gap + 5 * M + rand() * 15 * M;
        }
      }
    }
    ciDeploys(events, { day, scored, seed, sub: 'system:serviceaccount:ci:checkout-deployer', ip: RUNNER, host: API, namespace: 'checkout-staging', deployment: 'checkout-api', image: 'registry.tessaly.example/checkout-api', ua: LINUX });
  }
  events.sort((a, b) => a.at - b.at);
  return withAttacks(events, attacks36(people, events));
}

/** `actor`'s last routine request on the scored day before `t` matching `match`. */
function before(routine: readonly DayEvent[], actor: string, t: number, match: (e: DayEvent) => boolean = () => true): DayEvent {
  let e: DayEvent | undefined;
  for (const x of routine) if (x.actor === actor && x.scored && x.at < t && match(x)) e = x;
  if (e === undefined) throw new Error(`day 36: no request of ${actor} before ${new Date(t).toISOString()}`);
  return e;
}

/** The attack rows' names, as the matrix and the targets name them. */
export const A36 = {
  cookie: "a malicious Chrome extension copies dev-b2's Headlamp session cookie; replayed from the attacker's own machine in Berlin with dev-b2's agent and client hints: catalog's production pods and database Secret, then payments'",
  refresh: "the traveller's token cache (refresh token included) copied from the laptop left in the Madrid hotel room, refreshed from a cloud VM in the Madrid region during the traveller's afternoon at the customer's",
  insider: "the handover insider: Pune's on-call exports every production namespace's ConfigMaps and Secrets, one list every 90 s, across the 10:30 handover, from their own laptop and sign-in",
  ci: "a compromised CI runner's checkout-deployer token lists Secrets in its own staging namespace, then payments' production and kube-system's",
  supply: "a compromised dependency of the release manager's release-train CLI waits for a fresh sign-in, then redefines checkout's production Argo CD application with an image from an unlisted registry and syncs it",
  desk: "dev-b2's unlocked laptop on the new hire's desk: whoever sits there reads payments' production Secret and opens a shell there with dev-b2's kubectl and token",
} as const;

function attacks36(people: Person[], routine: DayEvent[]): DayEvent[] {
  const out: DayEvent[] = [];
  const { by, add, T, on } = attackKit(out, people, D36_TUE, API);
  const secret = (ns: string, name: string): [string, string, boolean] => ['GET', `/api/v1/namespaces/${ns}/secrets/${name}`, true];

  // 1. The Headlamp cookie, replayed from Berlin with dev-b2's browser's agent and hints.
  const b2 = by('dev-b2');
  const v1 = before(routine, b2.name, T(15), (x) => x.host === HEADLAMP);
  const hints = v1.headers ?? BROWSER_HINTS(MAC);
  add(A36.cookie, T(15), BERLIN_ATTACKER, v1.ua, v1.login, [
    ['GET', hl('/api/v1/namespaces/catalog-prod/pods'), false, hints, undefined, HEADLAMP],
    ['GET', hl('/api/v1/namespaces/catalog-prod/secrets/catalog-api-db'), true, hints, undefined, HEADLAMP],
    ['GET', hl('/api/v1/namespaces/payments-prod/secrets/payments-api-db'), true, hints, undefined, HEADLAMP],
  ], 30 * S, b2);

  // 2. The traveller's refreshed token from a Madrid cloud VM: the same sign-in as the traveller's.
  const se = by('se-1');
  const v2 = before(routine, se.name, T(15.5), (x) => x.host === API);
  add(A36.refresh, T(15.5), MADRID_VM, v2.ua, v2.login, on([
    ['GET', '/api/v1/namespaces/payments-prod/pods?limit=500', false],
    secret('payments-prod', 'payments-api-db'),
    secret('checkout-prod', 'checkout-api-db'),
    secret('search-prod', 'search-api-db'),
  ]), 40 * S, se);

  // 3. The handover insider: every production namespace's ConfigMaps and Secrets, one list every 90 s from 10:15.
  const oc = by('oc-p');
  const v3 = before(routine, oc.name, T(10.25), (x) => x.host === API);
  add(A36.insider, T(10.25), v3.ip, v3.ua, v3.login, on(TEAMS.flatMap((t): [string, string, boolean][] => [
    ['GET', `/api/v1/namespaces/${t}-prod/configmaps?limit=500`, true],
    ['GET', `/api/v1/namespaces/${t}-prod/secrets?limit=500`, true],
  ])), 90 * S, oc);

  // 4. The CI runner's token: the deployer's service account, from a runner, Secrets outside its namespace.
  const ciLogin: Login = { sub: 'system:serviceaccount:ci:checkout-deployer', sid: '', authTime: undefined, acr: 'urn:stepgate:aal1', serviceAccount: true };
  add(A36.ci, T(12.1), RUNNER(1), LINUX, ciLogin, on([
    ['GET', '/apis/apps/v1/namespaces/checkout-staging/deployments/checkout-api', false],
    ['GET', '/api/v1/namespaces/checkout-staging/secrets?limit=500', true],
    ['GET', '/api/v1/namespaces/payments-prod/secrets?limit=500', true],
    ['GET', '/api/v1/namespaces/kube-system/secrets?limit=500', true],
  ]), 5 * S);

  // 5. The supply-chain push through Argo CD, from the release manager's laptop. The payload has
  // read docs/configuration.md: a redefinition needs two factors within 15 minutes
  // (argocd-app-changes), so it waits until kubelogin's cache holds a token whose auth_time is
  // fresh (it reads the ID token's claims) and acts a minute after the morning's sign-in.
  const rel = by('rel-b');
  const first = routine.find((x) => x.actor === rel.name && x.scored)!;
  const v5 = { ip: first.ip, login: first.login, at: first.at };
  const spec = { project: 'shop', destination: { server: 'https://kubernetes.default.svc', namespace: 'checkout-prod' }, source: { repoURL: 'https://git.tessaly.example/shop/deploy.git', path: 'checkout/overlays/prod', targetRevision: 'main', kustomize: { images: [`checkout-api=${ROGUE_IMAGE}`] } }, syncPolicy: {} };
  add(A36.supply, v5.at + M, v5.ip, RELEASE_TRAIN, v5.login, [
    ['GET', '/api/v1/applications/checkout-prod?appNamespace=argocd', false, undefined, undefined, ARGOCD],
    ['PUT', '/api/v1/applications/checkout-prod/spec?appNamespace=argocd', true, JSON_CT, JSON.stringify(spec), ARGOCD],
    ['POST', '/api/v1/applications/checkout-prod/sync', true, JSON_CT, JSON.stringify({ appNamespace: 'argocd', prune: false, dryRun: false }), ARGOCD],
  ], 3 * S, rel);

  // 6. dev-b2's open terminal on the new hire's desk, while dev-b2 is in a meeting.
  const v6 = before(routine, b2.name, T(15.67), (x) => x.host === API);
  add(A36.desk, T(15.67), v6.ip, v6.ua, v6.login, on([
    ['GET', '/api/v1/namespaces/payments-prod/pods?limit=500', false],
    secret('payments-prod', 'payments-api-db'),
    ['GET', `/api/v1/namespaces/payments-prod/pods/${podName('payments-api', 3)}/exec?command=sh&container=api&stdin=true&stdout=true&tty=true`, true, WS_UPGRADE],
  ]), 25 * S, b2);
  for (const e of out) if (e.attack === A36.insider) e.signsIn = true;
  return out;
}
