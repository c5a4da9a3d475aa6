import { type AdminStep, attackKit, ciDeploys, type DayEvent, jitteredSittings, LINUX, type Login, MAC, podName, prng, restartPatch, type StaffMember, withAttacks, WS_UPGRADE } from './workday.js';

/**
 * A thirty-fifth replayed day, written as an outside red team and an outside observer of real
 * engineers would after reading docs/risk.md, docs/configuration.md, docs/kubectl-stepup.md and
 * docs/guardrails.md, from a situation days 1–34 do not have: a company during a security incident
 * of its own. Skarv Analytics (Copenhagen, 12 people and CI on the gateway, one production cluster at
 * `kubernetes.prod.skarv.example`, the example as shipped: no `incident` section, no Shared Signals
 * receiver) on Tuesday 14 December 2027 (warm-up Monday 13 December; hours UTC, Copenhagen is UTC+1).
 *
 * The incident, as it unfolds on the scored day:
 * - 08:35: a malicious npm package's post-install script, run by dev-3 at home, is an infostealer:
 *   it takes kubectl's token cache (dev-3's morning sign-in) and the company VPN's WireGuard
 *   configuration, and leaves a SOCKS proxy running on the laptop. 09:20: the EDR isolates the
 *   laptop (network containment); dev-3 works again from 11:00 in the office on a loaner Mac from
 *   IT's shelf (its own kubectl build, a fresh sign-in).
 * - 10:00: "credentials rotated": the IdP revokes every session and every engineer signs in again
 *   at their next request (a new `sid`, a fresh `auth_time`), two factors as before.
 * - 10:15–11:15: the platform team rotates every production Secret the stolen token could have
 *   read (get, replace, rollout restart; plat-1 the teams' namespaces, plat-2 the platform's).
 * - 10:30: two consultants of the incident-response firm (Nordcrest IR, guest accounts at the IdP,
 *   identities stepgate has never seen) sweep the cluster from their firm's egress for persistence:
 *   cluster-wide pods, DaemonSets, CronJobs, webhooks, role bindings, service accounts and, once,
 *   the Secrets of every namespace (new service-account token Secrets are what they look for).
 * - 12:30: the IdP's authentication policy is tightened to phishing-resistant factors only, and the
 *   Kubernetes app's sessions must re-authenticate: everyone signs in again at their next request,
 *   and the IdP's admin, following the vendor's guide, now sends `acr: "phr"` (which the example
 *   does not list) instead of the `urn:stepgate:aal2` the old policy's mapping sent. Engineers with
 *   a YubiKey present `amr: ["hwk","mfa"]` (aal3 by amr); those whose keys are still in the post
 *   (dev-5, dev-6, data-1) a synced passkey, `amr: ["swk","mfa","user"]` (aal2 by amr).
 *
 * The people: the platform pair (plat-1, plat-2), the on-call SRE, six developers on four teams
 * (ingest, models, portal, billing), a data engineer, the two IR consultants (scored day only) and
 * CI (a service account deploying portal's staging). dev-1, dev-3 and data-1 reach the API from home
 * through the company VPN (one egress pair), the others from their home ISP; afternoons in the
 * office.
 *
 * The attacks, each riding the incident's confusion:
 * - the infostealer's token from the attacker's VPS before the isolation (09:05);
 * - the same token through the SOCKS proxy on dev-3's laptop (dev-3's VPN, dev-3's kubectl) before
 *   the isolation: the external-secrets operator's cloud credentials and a shell (09:10);
 * - after the isolation and the rotation, the stolen pre-rotation token through the stolen VPN
 *   configuration (the VPN egress dev-3 works from): portal's production Secrets, dev-3's own, then
 *   billing's (10:40). The IdP revoked that session at 10:00; stepgate, as shipped, is not told;
 * - an adversary-in-the-middle page sent as "re-enrol after the credential rotation" captures
 *   dev-5's fresh two-factor sign-in at 10:03, used from the phisher's VPS at 10:09;
 * - a caller posing as dev-4 ("the new policy locks me out, my key is at home") gets a Temporary
 *   Access Pass from the overloaded helpdesk at 13:20 and signs in as dev-4 (`amr: ["mfa"]`,
 *   `acr: "phr"`) from a residential proxy in Copenhagen; they can sign in again with the pass;
 * - a guest invitation sent to a look-alike of the IR firm's domain during the rush: the attacker
 *   holds a genuine guest account in the IR group, signs in with their own two factors from their
 *   own network at 11:40 and reads as a consultant does, then Secrets;
 * - malware on plat-1's laptop (home, plat-1's kubectl and 12:30 hardware-key sign-in) at 14:30
 *   re-reads the Secrets plat-1 rotated that morning, one every 45 s.
 *
 * `RUNBOOK_SITE` and `runbook35()` replay the same day at a site that follows
 * docs/incident-runbook.md (`bench/day-matrix.ts --days=35r`): dev-3 revoked at the isolation, every
 * user revoked as a precaution at 10:00 (`--keep-history`, what was learnt kept).
 */

export const D35_MON = Date.UTC(2027, 11, 13, 0, 0, 0); // warm-up
export const D35_TUE = Date.UTC(2027, 11, 14, 0, 0, 0); // scored
const [H, M, S] = [3_600_000, 60_000, 1000];

export const API = 'kubernetes.prod.skarv.example';
export const KUBECTL = 'kubectl/v1.31.3 (darwin/arm64) kubernetes/c83cbee';
/** IT's loaner Mac: the shelf image's Homebrew kubectl, a minor behind. */
export const LOANER_KUBECTL = 'kubectl/v1.30.7 (darwin/arm64) kubernetes/0c76c6d';
const LINUX_KUBECTL = 'kubectl/v1.31.3 (linux/amd64) kubernetes/c83cbee';
const SMP = { 'content-type': 'application/strategic-merge-patch+json' };
const JSON_CT = { 'content-type': 'application/json' };

export const TEAMS = ['ingest', 'models', 'portal', 'billing'] as const;
export type Team = (typeof TEAMS)[number];
const PLATFORM_NS = ['monitoring', 'ingress-nginx', 'cert-manager', 'external-secrets'] as const;

const CO = 'skarv.example';
export const nameOf = (short: string) => `d35-${short}@${CO}`;
export const CONSULTANT = (n: number) => `d35-ir-${n}@nordcrest-ir.example`;
/** The look-alike guest invited by mistake (nordcrest-lr, not -ir). */
export const LOOKALIKE = 'd35-ir-3@nordcrest-lr.example';

/** The 10:00 rotation and the 12:30 policy change, in hours of the scored day. */
export const ROTATION_H = 10;
export const POLICY_H = 12.5;
/** When the EDR isolated dev-3's laptop, and when dev-3 works again on the loaner. */
export const ISOLATED_H = 9.33;
export const LOANER_H = 11;

/** The Copenhagen office's public addresses. */
export const OFFICE = (n: number) => `87.54.12.${20 + (n % 2)}`;
/** The company VPN's egress pair. */
export const VPN = (n: number) => `185.206.224.${10 + (n % 2)}`;
/** Nordcrest IR's egress. */
export const IR_EGRESS = '212.237.180.66';
/** The infostealer operator's VPS, the phisher's, a residential proxy in Copenhagen, the look-alike guest's own network. */
export const STEALER_VPS = '45.87.154.21';
export const PHISH_VPS = '91.92.243.77';
export const RESI_PROXY = '80.71.134.200';
export const LOOKALIKE_NET = '5.186.60.12';
const RUNNER = (j: number) => `10.44.2.${20 + (j % 4)}`;

type Kind = 'platform' | 'sre' | 'dev' | 'data' | 'ir';
type Where = 'office' | 'home' | 'vpn' | 'ir';

interface Person extends StaffMember<Where> {
  short: string;
  kind: Kind;
  home: string;
  teams: readonly Team[];
  /** Has a hardware key: after 12:30 the sign-in is `hwk`; without, a synced passkey. */
  key: boolean;
}

function staff(rand: () => number): Person[] {
  const out: Person[] = [];
  const add = (short: string, kind: Kind, teams: readonly Team[], home: string, key: boolean, warm: [number, number, Where][], scored?: [number, number, Where][]) => {
    const idx = out.length;
    const name = kind === 'ir' ? CONSULTANT(Number(short.slice(3))) : nameOf(short);
    out.push({ name, short, idx, svc: teams.join('+') || kind, kind, teams, key, os: MAC, kubectlOs: 'darwin/arm64', kubectlVersion: 'v1.31.3', home, warm: jitteredSittings(rand, warm), scored: jitteredSittings(rand, scored ?? warm) });
  };
  const day: [number, number, Where][] = [[7.5, 11.5, 'home'], [12.5, 16.5, 'office']];
  const vpnDay: [number, number, Where][] = [[7.5, 11.5, 'vpn'], [12.5, 16.5, 'office']];
  add('plat-1', 'platform', [], '93.176.88.14', true, [[7.5, 11.5, 'office'], [12.5, 16.5, 'home']], [[7.5, 12, 'office'], [12.5, 16.5, 'home']]);
  add('plat-2', 'platform', [], '2.106.41.77', true, [[8, 12, 'office'], [13, 17, 'office']]);
  add('sre', 'sre', [...TEAMS], '80.62.117.3', true, day);
  add('dev-1', 'dev', ['ingest'], '5.103.9.201', true, vpnDay);
  add('dev-2', 'dev', ['ingest', 'models'], '94.18.240.36', true, day);
  // dev-3: the infected laptop at home on the VPN until the isolation; the loaner in the office from 11:00.
  add('dev-3', 'dev', ['portal'], '87.49.152.10', true, vpnDay, [[7.75, ISOLATED_H, 'vpn'], [LOANER_H, 16.5, 'office']]);
  add('dev-4', 'dev', ['portal', 'billing'], '212.10.63.118', true, day);
  add('dev-5', 'dev', ['billing'], '80.166.25.41', false, day);
  add('dev-6', 'dev', ['models'], '62.243.7.92', false, [[8, 12, 'office'], [13, 17, 'home']]);
  add('data-1', 'data', ['ingest', 'models'], '130.225.77.5', false, vpnDay);
  // The IR firm's consultants: the scored day only (no warm-up sittings), from their firm's egress.
  add('ir-1', 'ir', [], IR_EGRESS, true, [], [[10.5, 13, 'ir'], [14, 17, 'ir']]);
  add('ir-2', 'ir', [], IR_EGRESS, true, [], [[10.6, 13, 'ir'], [14, 16.5, 'ir']]);
  // The EDR cuts the laptop off at ISOLATED_H whatever the jitter drew: dev-3's last request is before it.
  const d3 = out.find((p) => p.short === 'dev-3')!;
  d3.scored[0]![1] = Math.min(d3.scored[0]![1], ISOLATED_H);
  return out;
}

function addressOf(p: Person, where: Where, n: number): string {
  switch (where) {
    case 'office':
      return OFFICE(p.idx + n);
    case 'vpn':
      return VPN(p.idx + n);
    case 'ir':
      return IR_EGRESS;
    default:
      return p.home;
  }
}

type Req = { method: string; path: string; headers?: Record<string, string>; body?: string };
const pick = <T>(rand: () => number, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;

/** A developer's task on their team's namespaces: production's pods and logs, staging's restarts, Secrets and shells, now and then production's Secret. */
export function devTask(rand: () => number, team: Team, t: number, n: number): Req[] {
  const p = `${team}-prod`;
  const s = `${team}-staging`;
  const app = `${team}-api`;
  const k = rand();
  if (k < 0.3) return [{ method: 'GET', path: `/api/v1/namespaces/${p}/pods?limit=500` }, { method: 'GET', path: `/api/v1/namespaces/${p}/events?limit=500` }];
  if (k < 0.45) return [{ method: 'GET', path: `/api/v1/namespaces/${p}/pods/${podName(app, n)}/log?container=api&tailLines=300` }];
  if (k < 0.6) return [{ method: 'PATCH', path: `/apis/apps/v1/namespaces/${s}/deployments/${app}?fieldManager=kubectl-rollout`, headers: SMP, body: restartPatch(t) }];
  if (k < 0.72) return [{ method: 'GET', path: `/api/v1/namespaces/${s}/secrets/${app}-db` }];
  if (k < 0.78) return [{ method: 'GET', path: `/api/v1/namespaces/${p}/secrets/${app}-db` }];
  if (k < 0.86) return [{ method: 'GET', path: `/api/v1/namespaces/${s}/pods/${podName(app, n)}/exec?command=sh&container=api&stdin=true&stdout=true&tty=true`, headers: WS_UPGRADE }];
  if (k < 0.94) return [{ method: 'GET', path: `/api/v1/namespaces/${p}/configmaps?limit=500` }];
  return [{ method: 'GET', path: '/api/v1/nodes' }];
}

/** The platform team's routine: the platform's namespaces, nodes, certificates, ExternalSecrets, now and then a platform Secret. */
function platformTask(rand: () => number, t: number, n: number): Req[] {
  const ns = pick(rand, PLATFORM_NS);
  const k = rand();
  if (k < 0.3) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods?limit=500` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/events?limit=500` }];
  if (k < 0.45) return [{ method: 'GET', path: '/api/v1/nodes' }, { method: 'GET', path: '/apis/metrics.k8s.io/v1beta1/nodes' }];
  if (k < 0.55) return [{ method: 'GET', path: '/apis/cert-manager.io/v1/certificates?limit=500' }];
  if (k < 0.65) return [{ method: 'GET', path: '/apis/external-secrets.io/v1beta1/externalsecrets?limit=500' }];
  if (k < 0.75) return [{ method: 'PATCH', path: `/apis/apps/v1/namespaces/${ns}/deployments/${ns}-controller?fieldManager=kubectl-rollout`, headers: SMP, body: restartPatch(t) }];
  if (k < 0.85) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${podName(`${ns}-controller`, n)}/log?tailLines=300` }];
  if (k < 0.93) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/secrets/${ns}-tls` }];
  return [{ method: 'GET', path: '/api/v1/pods?limit=500' }];
}

/** The on-call's sweep of production: a team's pods and events, an API pod's log, the nodes. */
function sreTask(rand: () => number, n: number): Req[] {
  const team = pick(rand, TEAMS);
  const ns = `${team}-prod`;
  const k = rand();
  if (k < 0.5) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods?limit=500` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/events?limit=500` }];
  if (k < 0.8) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${podName(`${team}-api`, n)}/log?container=api&tailLines=500` }];
  if (k < 0.9) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/secrets/${team}-api-db` }];
  return [{ method: 'GET', path: '/api/v1/nodes' }];
}

/** The incident responders' sweep for persistence, cluster-wide and read-only. */
const IR_SWEEP: Req[] = [
  { method: 'GET', path: '/api/v1/pods?limit=500' },
  { method: 'GET', path: '/apis/apps/v1/daemonsets?limit=500' },
  { method: 'GET', path: '/apis/batch/v1/cronjobs?limit=500' },
  { method: 'GET', path: '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations' },
  { method: 'GET', path: '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations' },
  { method: 'GET', path: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings?limit=500' },
  { method: 'GET', path: '/apis/rbac.authorization.k8s.io/v1/rolebindings?limit=500' },
  { method: 'GET', path: '/api/v1/serviceaccounts?limit=500' },
  { method: 'GET', path: '/api/v1/events?limit=500' },
];
/** Once, after the sweep: every namespace's Secrets (new service-account token Secrets are persistence). */
const IR_SECRETS: Req = { method: 'GET', path: '/api/v1/secrets?limit=500' };

/** The Secrets the rotation replaced: each team's production database Secret, and the platform's. */
export const ROTATED: readonly [string, string][] = [...TEAMS.map((t): [string, string] => [`${t}-prod`, `${t}-api-db`]), ['external-secrets', 'aws-secretsmanager'], ['monitoring', 'grafana-admin'], ['ingress-nginx', 'ingress-nginx-tls'], ['cert-manager', 'route53-credentials']];

/** One Secret's rotation: read it, replace it with the new value, restart what mounts it. */
function rotate(ns: string, name: string, t: number): Req[] {
  const body = JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: ns }, type: 'Opaque', data: { password: Buffer.from(`rotated-${name}-${t}`).toString('base64') } });
  const app = ns.endsWith('-prod') ? `${ns.slice(0, -5)}-api` : `${ns}-controller`;
  return [
    { method: 'GET', path: `/api/v1/namespaces/${ns}/secrets/${name}` },
    { method: 'PUT', path: `/api/v1/namespaces/${ns}/secrets/${name}?fieldManager=kubectl-replace`, headers: JSON_CT, body },
    { method: 'PATCH', path: `/apis/apps/v1/namespaces/${ns}/deployments/${app}?fieldManager=kubectl-rollout`, headers: SMP, body: restartPatch(t) },
  ];
}

/** A two-factor sign-in (the old policy); `authMs` in ms. */
export const signIn = (sub: string, sid: string, authMs: number): Login => ({ sub, sid, authTime: Math.floor(authMs / 1000), acr: 'urn:stepgate:aal2' });
/** A sign-in under the 12:30 policy: `acr: "phr"`, a hardware key or a synced passkey. */
export const phrSignIn = (sub: string, sid: string, authMs: number, key: boolean): Login => ({
  sub,
  sid,
  authTime: Math.floor(authMs / 1000),
  acr: key ? 'urn:stepgate:aal3' : 'urn:stepgate:aal2',
  claims: { acr: 'phr', amr: key ? ['hwk', 'mfa'] : ['swk', 'mfa', 'user'] },
});

export function workday35(seed = 331): DayEvent[] {
  const rand = prng(seed * 2_654_435_761 + 35);
  const people = staff(rand);
  const events: DayEvent[] = [];
  for (const [day, scored] of [[D35_MON, false], [D35_TUE, true]] as const) {
    const at = (h: number) => day + h * H;
    for (const p of people) {
      let n = 0;
      let login: Login | undefined;
      // 0: the morning's sign-in; 1: after the 10:00 rotation; 2: under the 12:30 policy.
      let phase = 0;
      let last = -Infinity;
      let rotation = p.kind === 'platform' && scored;
      let swept = false;
      for (const [from, to, where] of scored ? p.scored : p.warm) {
        let t = at(from) + M;
        while (t < at(to)) {
          const h = (t - day) / H;
          const sid = (tag: string) => `${tag}:${p.name}:${day}:${Math.round(h * 10)}`;
          // The IdP's revocation takes effect over 10:00's first minute: a request after it needs the rotation's sign-in, made after it.
          const want = !scored ? 0 : h >= POLICY_H ? 2 : h >= ROTATION_H + 1 / 60 ? 1 : 0;
          // A new sitting after a break of over two hours is a new sign-in; so is every phase change of the incident.
          if (login === undefined || h - last > 2 || want !== phase) {
            phase = want;
            const signAt = phase === 1 ? Math.max(t - 40 * S, at(ROTATION_H) + 20 * S) : t - 40 * S;
            login = phase === 2 ? phrSignIn(p.name, sid('phr'), signAt, p.key) : signIn(p.name, sid(phase === 1 ? 'rot' : 'am'), signAt);
          }
          last = h;
          const ip = addressOf(p, where, n);
          const ua = p.short === 'dev-3' && scored && h >= LOANER_H ? LOANER_KUBECTL : p.kind === 'ir' ? LINUX_KUBECTL : KUBECTL;
          let reqs: Req[];
          let gap = 1500 + rand() * 2500;
          if (rotation && h >= 10.25) {
            // The rotation: plat-1 the teams' four, plat-2 the platform's four, one Secret every ~4 minutes.
            rotation = false;
            const mine = p.short === 'plat-1' ? ROTATED.slice(0, 4) : ROTATED.slice(4);
            reqs = mine.flatMap(([ns, name], i) => rotate(ns, name, t + i * 4 * M));
            gap = 80 * S;
          } else if (p.kind === 'ir') {
            if (!swept) {
              reqs = [...IR_SWEEP, IR_SECRETS];
              swept = true;
              gap = 50 * S;
            } else reqs = [pick(rand, IR_SWEEP)];
          } else if (p.kind === 'platform') reqs = platformTask(rand, t, n);
          else if (p.kind === 'sre') reqs = sreTask(rand, n);
          else reqs = devTask(rand, pick(rand, p.teams), t, n);
          const l = login;
          reqs.forEach((q, i) => events.push({ at: Math.round(t + i * gap), actor: p.name, scored, ip, ua, login: l, method: q.method, path: q.path, host: API, ...(q.headers ? { headers: q.headers } : {}), ...(q.body !== undefined ? { body: q.body } : {}) }));
          n++;
          t += reqs.length * gap + 5 * M + rand() * 15 * M;
        }
      }
    }
    ciDeploys(events, { day, scored, seed, sub: 'system:serviceaccount:ci:portal-deployer', ip: RUNNER, host: API, namespace: 'portal-staging', deployment: 'portal-api', image: 'registry.skarv.example/portal-api', ua: LINUX });
  }
  events.sort((a, b) => a.at - b.at);
  return withAttacks(events, attacks35(people, events));
}

/** `actor`'s last routine request on the scored day before `t` matching `match`. */
function before(routine: readonly DayEvent[], actor: string, t: number, match: (e: DayEvent) => boolean = () => true): DayEvent {
  let e: DayEvent | undefined;
  for (const x of routine) if (x.actor === actor && x.scored && x.at < t && match(x)) e = x;
  if (e === undefined) throw new Error(`day 35: no request of ${actor} before ${new Date(t).toISOString()}`);
  return e;
}

function attacks35(people: Person[], routine: DayEvent[]): DayEvent[] {
  const out: DayEvent[] = [];
  const { by, add, T, on } = attackKit(out, people, D35_TUE, API);
  const secret = (ns: string, name: string): [string, string, boolean] => ['GET', `/api/v1/namespaces/${ns}/secrets/${name}`, true];
  const shell = (ns: string, app: string): [string, string, boolean, Record<string, string>] => ['GET', `/api/v1/namespaces/${ns}/pods/${podName(app, 3)}/exec?command=sh&container=api&stdin=true&stdout=true&tty=true`, true, WS_UPGRADE];

  // The infostealer's haul: dev-3's morning token (taken at 08:35).
  const d3 = by('dev-3');
  const stolen = before(routine, d3.name, T(8.6)).login;
  // 1. From the operator's VPS, before the isolation.
  const a1 = "the infostealer's copy of dev-3's token from the operator's VPS, before the laptop is isolated";
  add(a1, T(9.08), STEALER_VPS, KUBECTL, stolen, on([
    ['GET', '/api/v1/namespaces/portal-prod/pods?limit=500', false],
    secret('portal-prod', 'portal-api-db'),
    secret('billing-prod', 'billing-api-db'),
  ]), 20 * S);
  // 2. Through the SOCKS proxy on dev-3's laptop (dev-3's VPN, dev-3's kubectl), before the isolation.
  const a2 = "the infostealer's SOCKS proxy on dev-3's laptop (dev-3's VPN, kubectl and token) reads the external-secrets operator's cloud credentials and opens a shell, before the isolation";
  const v2 = before(routine, d3.name, T(9.17));
  add(a2, T(9.17), v2.ip, KUBECTL, stolen, on([
    ['GET', '/api/v1/namespaces/external-secrets/pods?limit=500', false],
    secret('external-secrets', 'aws-secretsmanager'),
    shell('billing-prod', 'billing-api'),
  ]), 20 * S, d3);
  // 3. After the isolation and the IdP's rotation: the pre-rotation token through the stolen VPN configuration.
  const a3 = "dev-3's token of a session the IdP revoked at 10:00, through the VPN configuration the infostealer took (the VPN egress dev-3 works from): dev-3's own team's production Secret, then billing's";
  add(a3, T(10.67), VPN(1), KUBECTL, stolen, on([
    ['GET', '/api/v1/namespaces/portal-prod/pods?limit=500', false],
    secret('portal-prod', 'portal-api-db'),
    ['GET', '/api/v1/namespaces/portal-prod/secrets?limit=500', true],
    secret('billing-prod', 'billing-api-db'),
  ]), 40 * S);
  // 4. The AiTM page sent as "re-enrol after the rotation": dev-5's fresh sign-in, relayed, used from the phisher's VPS.
  const d5 = by('dev-5');
  const a4 = "an adversary-in-the-middle page sent as 're-enrol after the credential rotation' relays dev-5's fresh two-factor sign-in; the phisher uses it from their VPS minutes later";
  const phished = signIn(d5.name, `aitm:${d5.name}`, T(10.05));
  add(a4, T(10.15), PHISH_VPS, KUBECTL, phished, on([
    ['GET', '/api/v1/namespaces/billing-prod/pods?limit=500', false],
    secret('billing-prod', 'billing-api-db'),
    shell('billing-prod', 'billing-api'),
  ]), 20 * S);
  // 5. The helpdesk's Temporary Access Pass for a caller posing as dev-4 under the new policy.
  const d4 = by('dev-4');
  const a5 = "a caller posing as dev-4 ('the new policy locks me out, my key is at home') gets a Temporary Access Pass from the overloaded helpdesk and signs in with it (acr phr, amr mfa) from a residential proxy in Copenhagen";
  const tap: Login = { sub: d4.name, sid: `tap:${d4.name}`, authTime: Math.floor(T(13.33) / 1000), acr: 'urn:stepgate:aal2', claims: { acr: 'phr', amr: ['mfa'] } };
  add(a5, T(13.35), RESI_PROXY, KUBECTL, tap, on([
    ['GET', '/api/v1/namespaces/billing-prod/pods?limit=500', false],
    secret('billing-prod', 'billing-api-db'),
    shell('billing-prod', 'billing-api'),
  ]), 30 * S);
  // 6. The look-alike guest: a genuine account in the IR group, the attacker's own factors and network.
  const a6 = "a guest invitation sent in the rush to a look-alike of the IR firm's domain: the attacker's own genuine guest account, own two factors and network, sweeps as a consultant does, then reads Secrets";
  const guest = signIn(LOOKALIKE, `guest:${LOOKALIKE}`, T(11.6));
  add(a6, T(11.67), LOOKALIKE_NET, LINUX_KUBECTL, guest, on([
    ['GET', '/api/v1/pods?limit=500', false],
    ['GET', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings?limit=500', false],
    ['GET', '/api/v1/secrets?limit=500', true],
    secret('billing-prod', 'billing-api-db'),
    secret('external-secrets', 'aws-secretsmanager'),
  ]), 40 * S);
  // 7. Malware on plat-1's laptop re-reads the Secrets plat-1 rotated that morning, at a person's pace.
  const p1 = by('plat-1');
  const a7 = "malware on plat-1's laptop (home, plat-1's kubectl and hardware-key sign-in) re-reads the production Secrets plat-1 rotated that morning, one every 45 s";
  const v7 = before(routine, p1.name, T(14.5));
  add(a7, T(14.5), v7.ip, KUBECTL, v7.login, on(ROTATED.slice(0, 4).map(([ns, name]) => secret(ns, name))), 45 * S, p1);
  for (const e of out) if (e.attack === a5 || e.attack === a6) e.signsIn = true;
  return out;
}

/** The company's own people on the gateway (the IdP's users; the IR firm's guests come later). */
export const STAFF = ['plat-1', 'plat-2', 'sre', 'dev-1', 'dev-2', 'dev-3', 'dev-4', 'dev-5', 'dev-6', 'data-1'].map(nameOf);

/**
 * The same day at a site that follows docs/incident-runbook.md: the example plus an `incident`
 * section (its admin API lives on the step-up listener, so a step-up OIDC client and its cookie
 * keys too), with the IdP's Shared Signals stream. The issuer is the example's first (the test
 * issuer, as the harness rewrote it).
 */
export const RUNBOOK_SITE = (yaml: string): string => {
  const iss = /\n {2}- issuer: (\S+)\n/.exec(yaml)?.[1];
  const ret = '  return_hosts: ["*.localhost", kube.localhost]\n';
  const grpc = '  grpc_listen: 127.0.0.1:0\n';
  if (iss === undefined || !yaml.includes(ret) || !yaml.includes(grpc)) throw new Error('day 35: the example no longer has its first issuer, stepup.return_hosts or the grpc_listen the harness sets');
  return yaml
    .replace(grpc, `${grpc}  http_listen: 127.0.0.1:0\n`)
    .replace(ret, `${ret}  oidc:\n    issuer: ${iss}\n    client_id: stepgate\n    client_secret_env: SG_D35_CLIENT_SECRET\n    redirect_uri: http://auth.localhost/.stepgate/callback\n    allow_insecure_http: true\n  session:\n    keys_env: SG_D35_COOKIE_KEYS\n`)
    .concat(`\nincident:\n  admin:\n    issuers: [${iss}]\n    groups: [sre-oncall]\n    require: aal2\n    max_age: 900\n`);
};
export const RUNBOOK_ENV: Readonly<Record<string, string>> = { SG_D35_CLIENT_SECRET: 'day-35-step-up-client-secret', SG_D35_COOKIE_KEYS: `k1:${Buffer.alloc(32, 35).toString('base64url')}` };

/**
 * What the runbook does on day 35: the on-call revokes dev-3 when the EDR isolates the laptop
 * (`stepgate revoke subject`, 09:21: a suspected compromise, what was learnt of dev-3 forgotten),
 * and at 10:00, when the IdP revokes every session, revokes every user as a precaution (`stepgate
 * revoke subject --keep-history`, one a second: what was learnt is kept), as the runbook says for
 * an IdP-wide reset since session 44. (Before, the 10:00 step was the IdP's Shared Signals
 * `session-revoked` per user, which forgets like a plain `revoke subject`.)
 */
export function runbook35(): AdminStep[] {
  const steps: AdminStep[] = [{ at: D35_TUE + ISOLATED_H * H + M, revoke: { kind: 'subject', subject: nameOf('dev-3') }, reason: 'INC-35 laptop isolated (infostealer)' }];
  STAFF.forEach((subject, i) => steps.push({ at: D35_TUE + ROTATION_H * H + i * S, revoke: { kind: 'subject', subject, keepHistory: true }, reason: 'INC-35 credentials rotated: IdP session reset' }));
  return steps;
}
