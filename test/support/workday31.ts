import { attackKit, ciDeploys, type DayEvent, jitteredSittings, lastScoredOf, type Login, MAC, podName, prng, restartPatch, type StaffMember, withAttacks, WS_UPGRADE } from './workday.js';

/**
 * A thirty-first replayed day, written as an outside red team and an outside observer of real
 * engineers would after reading docs/risk.md, docs/guardrails.md, docs/configuration.md and
 * docs/kubectl-stepup.md, from situations days 1–30 do not have: attacks on the sign-in itself, not
 * on the token. What identity teams saw in 2022–2025 (helpdesk social engineering of MFA resets,
 * push bombing, SIM swaps, device-code phishing, adversary-in-the-middle proxies, stolen IdP session
 * cookies): the attacker does not replay the engineer's token, they make their own fresh
 * multi-factor sign-in as the engineer, from their own device and network, and (where they hold the
 * factor) answer every step-up. A freight-tracking SaaS (Vekta Freight, Oslo, 13 people on the
 * gateway) on Okta, whose engineers sign in with a YubiKey or a passkey. Warm-up Monday 19 April
 * 2027, scored Tuesday 20 April (hours UTC; Oslo is UTC+2).
 *
 * The sign-ins as the ID token says them (RFC 8176 values, as an Okta org sends `amr` by default;
 * the `acr` is Okta's `urn:okta:loa:2fa:any`, which the company's kubelogin asks for through
 * `--oidc-auth-request-extra-params=acr_values=…` and the example's levels do not list, so the
 * level comes from `amr`; Entra ID says `fido`, `otp`, `sms` and `mfa` for the same
 * and sets no acr; Keycloak's amr mapper names what its flow's authenticators are configured to):
 * - a FIDO2 key or passkey (WebAuthn): `amr: ["hwk","mfa"]`, the example's aal3;
 * - Okta Verify's code: `["pwd","otp","mfa"]`; its push: `["pwd","swk","mfa"]`; an SMS code:
 *   `["pwd","sms","mfa"]`: each the example's aal2.
 *
 * Routine, with the days that look like the attacks:
 * - two platform engineers (nodes, kube-system, ingress; their own laptops, office or home);
 * - six developers in two teams (tracking, billing): pods, logs, a `rollout restart` in staging,
 *   staging's database Secret now and then, production's pods;
 *   - dev-2 left the YubiKey at home: every sign-in of the scored day is Okta Verify's code
 *     (`otp`), from the office and the usual laptop, as the helpdesk reset's attacker's is;
 *   - dev-4 lost their phone on Monday evening: the helpdesk resets their factors at 08:35, they
 *     sign in with a new Okta Verify's code from home on the new phone's tether (a carrier NAT never
 *     seen), register a passkey on the new phone at 10:00 and sign in with it (hybrid, over
 *     Bluetooth) from then on, at the office after lunch;
 *   - dev-5's new MacBook (Apple silicon, a newer kubectl) is enrolled at noon and used from 13:00;
 * - the contractor (billing's integration, their firm's own IdP federated: SMS codes only), from
 *   the firm's office in Bergen;
 * - QA in the staging namespaces;
 * - the data engineer: Postgres in production, its logs and pods, a shell for psql now and then;
 * - the on-call SRE: production's pods, events and logs, a restart;
 * - CI: GitHub Actions' self-hosted runners in the office's network, deploying tracking to staging.
 *
 * The attacks, each a fresh sign-in as the victim (none of days 1–30 has one):
 * - a helpdesk MFA reset: a caller with dev-3's name, manager and employee number (from LinkedIn and
 *   a breach) has the helpdesk reset dev-3's factors at 13:40, enrols their own Okta Verify and
 *   signs in with dev-3's password (from an infostealer log) and its code, from a VPS, with their
 *   own kubectl: Secrets in billing's production, a ClusterRoleBinding, a shell;
 * - push bombing: plat-2's password (from a breach) and fourteen Okta Verify pushes from 01:55;
 *   plat-2, woken, approves the fifteenth at 02:09; the attacker, on a residential proxy in Oslo,
 *   reads kube-system's Secrets and binds cluster-admin, pushing again at each step-up;
 * - a SIM swap: the contractor's number ported to the attacker's SIM at 15:50; SMS codes to their
 *   own phone, a hotspot on another carrier, kubectl on a Linux laptop: billing's production
 *   Secrets and a shell in its API;
 * - device-code phishing: a chat message to dev-6 at 10:25 ("re-verify your cluster access") with a
 *   device code the attacker's kubelogin (`--grant-type devicecode`) asked for; dev-6 enters it on
 *   the real Okta page and taps their YubiKey: a hardware-key token issued to the attacker's VPS;
 * - an adversary-in-the-middle proxy (Evilginx): dev-1 follows a lure at 11:15; WebAuthn refuses the
 *   proxy's origin, the page offers "Okta Verify code instead", dev-1 enters it, and the proxy's
 *   operator uses the captured session at once, from the proxy's VPS: a token signed in seconds ago;
 * - a stolen IdP session cookie: an infostealer on the data engineer's laptop took the Okta session
 *   cookie at 09:00; at 14:30 the operator mints new tokens with it from their own machine (a silent
 *   `prompt=none` sign-in: no new authentication, the morning's hardware key and auth_time).
 * The helpdesk reset's, the push bomb's and the SIM swap's attackers hold the victim's factor (the
 * one they enrolled, the tired victim, the SIM) and answer every step-up at its level; the
 * device-code phisher sends another code; the proxy and the cookie cannot authenticate again.
 */

export const D31_MON = Date.UTC(2027, 3, 19, 0, 0, 0); // warm-up
export const D31_TUE = Date.UTC(2027, 3, 20, 0, 0, 0); // scored
const [H, M, S] = [3_600_000, 60_000, 1000];

/** The gateway's name for the EKS cluster's API. */
export const API = 'kubernetes.prod.vekta.example';
/** kubectl from Homebrew on the Macs. */
export const KUBECTL = (arch: 'amd64' | 'arm64' = 'arm64', v = 'v1.31.3') => `kubectl/${v} (darwin/${arch}) kubernetes/${v === 'v1.31.3' ? 'c83cbee' : '32cc146'}`;
const SMP = { 'content-type': 'application/strategic-merge-patch+json' };

/** How the IdP says the sign-in was made (RFC 8176 values, as Okta sends them). */
export const AMR = {
  key: ['hwk', 'mfa'],
  otp: ['pwd', 'otp', 'mfa'],
  push: ['pwd', 'swk', 'mfa'],
  sms: ['pwd', 'sms', 'mfa'],
} as const;
export type Factor = keyof typeof AMR;
export const OKTA_ACR = 'urn:okta:loa:2fa:any';
/** A login as the IdP issues it for `factor`. */
export const oktaLogin = (sub: string, sid: string, authMs: number, factor: Factor): Login => ({
  sub,
  sid,
  authTime: Math.floor(authMs / 1000),
  acr: factor === 'key' ? 'urn:stepgate:aal3' : 'urn:stepgate:aal2',
  claims: { acr: OKTA_ACR, amr: [...AMR[factor]] },
});

/** The Oslo office's public addresses (Telenor business fibre). */
export const OFFICE = (n: number) => `84.208.17.${130 + (n % 6)}`;
/** The contractor's firm's office in Bergen. */
export const CONTRACTOR_OFFICE = '193.90.214.37';
/** Telia's carrier NAT for dev-4's new phone's tether (never seen before Tuesday). */
export const TETHER = (n: number) => `2.148.${[33, 35][n % 2]}.${60 + ((n * 41) % 150)}`;
/** GitHub Actions' self-hosted runners in the office VPC. */
const RUNNER = (j: number) => `10.12.4.${20 + (j % 4)}`;
/** The helpdesk caller's VPS (Frankfurt). */
export const VPS_RESET = '45.155.204.118';
/** A residential proxy exit in Oslo (another Telenor home customer). */
export const RESI_PROXY = '84.210.141.66';
/** The SIM swapper's hotspot, on another carrier. */
export const SWAP_HOTSPOT = '46.66.158.211';
/** The device-code phisher's VPS. */
export const VPS_DEVICE = '194.169.175.40';
/** The Evilginx proxy's VPS. */
export const VPS_AITM = '185.196.9.152';
/** The cookie thief's machine. */
export const VPS_COOKIE = '91.92.244.17';

type Kind = 'platform' | 'dev' | 'contractor' | 'qa' | 'data' | 'sre';
type Where = 'office' | 'home' | 'tether' | 'firm';

interface Person extends StaffMember<Where> {
  short: string;
  kind: Kind;
  home: string;
  team: string;
}

const CO = 'vekta.example';

function staff(rand: () => number): Person[] {
  const out: Person[] = [];
  const add = (short: string, kind: Kind, team: string, home: string, day: [number, number, Where][], scored?: [number, number, Where][]) => {
    const idx = out.length;
    out.push({ name: `d31-${short}@${kind === 'contractor' ? 'ext.' : ''}${CO}`, short, idx, svc: team, team, kind, os: MAC, kubectlOs: 'darwin/arm64', kubectlVersion: 'v1.31.3', home, warm: jitteredSittings(rand, day), scored: jitteredSittings(rand, scored ?? day) });
  };
  add('plat-1', 'platform', 'platform', '84.212.60.18', [[7, 11.5, 'office'], [12.5, 16, 'office']]);
  add('plat-2', 'platform', 'platform', '46.9.201.77', [[7.5, 11.5, 'home'], [12.5, 16.5, 'office']]);
  add('dev-1', 'dev', 'tracking', '88.88.52.140', [[7, 11, 'office'], [12, 15.5, 'office']]);
  add('dev-2', 'dev', 'tracking', '81.166.3.201', [[7.5, 11.5, 'office'], [12.5, 16, 'office']]);
  add('dev-3', 'dev', 'billing', '84.214.99.12', [[7, 11.5, 'home'], [12.5, 15.5, 'home']]);
  // The lost phone: at home on the new phone's tether on Tuesday morning, the office after lunch.
  add('dev-4', 'dev', 'billing', '109.189.40.9', [[7, 11.5, 'office'], [12.5, 16, 'office']], [[8.6, 11.5, 'tether'], [12.5, 16, 'office']]);
  add('dev-5', 'dev', 'tracking', '92.220.14.63', [[7, 11.5, 'office'], [13, 16.5, 'office']]);
  add('dev-6', 'dev', 'billing', '84.215.7.190', [[7.5, 11.5, 'home'], [12.5, 16, 'home']]);
  add('ctr-1', 'contractor', 'billing', CONTRACTOR_OFFICE, [[7, 11, 'firm'], [12, 15.5, 'firm']]);
  add('qa-1', 'qa', 'tracking', '77.16.83.5', [[7, 11, 'office'], [12, 15, 'office']]);
  add('data-1', 'data', 'data', '84.209.160.44', [[6.5, 11, 'office'], [12, 15, 'office']]);
  add('sre-1', 'sre', 'platform', '46.212.77.30', [[6, 11, 'home'], [12, 14.5, 'office']]);
  return out;
}

export type Req = { method: string; path: string; headers?: Record<string, string>; body?: string };
const pod = podName;

/** A developer's task (day 32's too): `p.team`'s production pods and logs, its staging restarts, logs and database Secret. */
export function devTask(rand: () => number, p: { team: string }, t: number, n: number): Req[] {
  const k = rand();
  const team = p.team;
  if (k < 0.3) return [{ method: 'GET', path: `/api/v1/namespaces/${team}-prod/pods?limit=500` }];
  if (k < 0.45) return [{ method: 'PATCH', path: `/apis/apps/v1/namespaces/${team}-staging/deployments/${team}-api?fieldManager=kubectl-rollout`, headers: SMP, body: restartPatch(t) }];
  if (k < 0.75) return [{ method: 'GET', path: `/api/v1/namespaces/${team}-staging/pods/${pod(`${team}-api`, n)}/log?container=api&tailLines=500` }];
  if (k < 0.85) return [{ method: 'GET', path: `/api/v1/namespaces/${team}-staging/secrets/${team}-db` }];
  return [{ method: 'GET', path: `/api/v1/namespaces/${team}-prod/pods/${pod(`${team}-api`, n)}/log?container=api&tailLines=200` }];
}

/** A platform engineer's task; `last` the cluster's own add-on they look at now and then (Karpenter's node pools here). */
export function platformTask(rand: () => number, n: number, last = '/apis/karpenter.sh/v1/nodepools'): Req[] {
  const k = rand();
  if (k < 0.25) return [{ method: 'GET', path: '/api/v1/namespaces/ingress-nginx/pods?limit=500' }, { method: 'GET', path: `/api/v1/namespaces/ingress-nginx/pods/${pod('ingress-nginx-controller', n)}/log?tailLines=200` }];
  if (k < 0.6) return [{ method: 'GET', path: '/api/v1/nodes' }, { method: 'GET', path: '/apis/metrics.k8s.io/v1beta1/nodes' }];
  if (k < 0.85) return [{ method: 'GET', path: '/api/v1/namespaces/kube-system/pods?limit=500' }];
  return [{ method: 'GET', path: last }];
}

/** QA's task in the staging namespaces of `teams` (the first most of the time). */
export function qaTask(rand: () => number, n: number, teams: readonly [string, string] = ['tracking', 'billing']): Req[] {
  const k = rand();
  const [a, b] = teams;
  if (k < 0.5) return [{ method: 'GET', path: `/api/v1/namespaces/${a}-staging/pods?limit=500` }];
  if (k < 0.8) return [{ method: 'GET', path: `/api/v1/namespaces/${a}-staging/pods/${pod(`${a}-api`, n)}/log?container=api&tailLines=500` }];
  return [{ method: 'GET', path: `/api/v1/namespaces/${b}-staging/pods?limit=500` }];
}

/** The data engineer's task: Postgres in data-prod, its logs, a psql shell now and then. */
export function dataTask(rand: () => number): Req[] {
  const k = rand();
  if (k < 0.45) return [{ method: 'GET', path: '/api/v1/namespaces/data-prod/pods?labelSelector=app%3Dpostgres' }, { method: 'GET', path: '/apis/apps/v1/namespaces/data-prod/statefulsets/postgres' }];
  if (k < 0.8) return [{ method: 'GET', path: '/api/v1/namespaces/data-prod/pods/postgres-0/log?container=postgres&tailLines=500' }];
  if (k < 0.92) return [{ method: 'GET', path: '/api/v1/namespaces/data-prod/pods/postgres-0/exec?command=psql&container=postgres&stdin=true&stdout=true&tty=true', headers: WS_UPGRADE }];
  return [{ method: 'GET', path: '/api/v1/namespaces/data-prod/persistentvolumeclaims' }];
}

const PROD = ['tracking-prod', 'billing-prod'];

/** The on-call's task in one of `prod`'s namespaces: pods and events, an API pod's log, or the nodes. */
export function sreTask(rand: () => number, n: number, prod: readonly string[] = PROD): Req[] {
  const ns = prod[Math.floor(rand() * prod.length)]!;
  const k = rand();
  if (k < 0.55) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods?limit=500` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/events?limit=500` }];
  if (k < 0.85) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${pod(`${ns.split('-')[0]}-api`, n)}/log?container=api&tailLines=300` }];
  return [{ method: 'GET', path: '/api/v1/nodes' }];
}

function addressOf(p: Person, where: Where, n: number): string {
  if (where === 'office') return OFFICE(p.idx + n);
  if (where === 'tether') return TETHER(p.idx + n);
  if (where === 'firm') return CONTRACTOR_OFFICE;
  return p.home;
}

/**
 * The factor of a sign-in at hour `h`: the contractor's firm offers SMS only; on the scored day
 * dev-2 has no key (Okta Verify's code all day), dev-4 signs in with the new Okta Verify's code
 * until the new passkey is registered at 10:00.
 */
function factorOf(p: Person, scored: boolean, h: number): Factor {
  if (p.kind === 'contractor') return 'sms';
  if (scored && p.short === 'dev-2') return 'otp';
  if (scored && p.short === 'dev-4' && h < 10) return 'otp';
  return 'key';
}

export function workday31(seed = 291): DayEvent[] {
  const rand = prng(seed * 2_654_435_761 + 31);
  const people = staff(rand);
  const events: DayEvent[] = [];
  for (const [day, scored] of [[D31_MON, false], [D31_TUE, true]] as const) {
    const at = (h: number) => day + h * H;
    for (const p of people) {
      let n = 0;
      let login: Login | undefined;
      let last = -Infinity;
      for (const [from, to, where] of scored ? p.scored : p.warm) {
        let t = at(from) + M;
        while (t < at(to)) {
          const h = (t - day) / H;
          // A new sitting after a break of two hours is a new sign-in; so is dev-4's with the new
          // passkey at 10:00 and dev-5's on the new laptop at 13:00.
          const fresh = login === undefined || h - last > 2
            || (scored && p.short === 'dev-4' && h >= 10 && login.claims?.amr?.includes('otp') === true)
            || (scored && p.short === 'dev-5' && h >= 12.9 && !login.sid.endsWith(':new-laptop'));
          if (fresh) {
            const suffix = scored && p.short === 'dev-5' && h >= 12.9 ? ':new-laptop' : '';
            login = oktaLogin(p.name, `${p.name}:${day}:${Math.round(h * 10)}${suffix}`, t - 40 * S, factorOf(p, scored, h));
          }
          last = (t - day) / H;
          const l = login!;
          let reqs: Req[];
          if (p.kind === 'sre') {
            reqs = scored && n === 20
              ? [{ method: 'PATCH', path: '/apis/apps/v1/namespaces/tracking-prod/deployments/tracking-api?fieldManager=kubectl-rollout', headers: SMP, body: restartPatch(t) }]
              : sreTask(rand, n);
          } else if (p.kind === 'platform') reqs = platformTask(rand, n);
          else if (p.kind === 'data') reqs = dataTask(rand);
          else if (p.kind === 'qa') reqs = qaTask(rand, n);
          else reqs = devTask(rand, p, t, n);
          const ip = addressOf(p, where, n);
          // dev-5's new MacBook from 13:00: Apple silicon and the newest kubectl (the old was Intel).
          const ua = p.short === 'dev-5' ? (scored && h >= 12.9 ? KUBECTL('arm64', 'v1.32.2') : KUBECTL('amd64')) : KUBECTL();
          const gap = 1500 + rand() * 2500;
          reqs.forEach((q, i) => {
            events.push({ at: Math.round(t + i * gap), actor: p.name, scored, ip, ua, login: l, method: q.method, path: q.path, host: API, ...(q.headers ? { headers: q.headers } : {}), ...(q.body !== undefined ? { body: q.body } : {}) });
          });
          n++;
          t += 5 * M + rand() * 15 * M;
        }
      }
    }
    ciDeploys(events, { day, scored, seed, sub: 'system:serviceaccount:ci:tracking-deployer', ip: RUNNER, host: API, namespace: 'tracking-staging', deployment: 'tracking-api', image: '381492011234.dkr.ecr.eu-north-1.amazonaws.com/tracking-api', ua: 'kubectl/v1.31.3 (linux/amd64) kubernetes/c83cbee' });
  }
  events.sort((a, b) => a.at - b.at);
  return withAttacks(events, attacks31(people, events));
}

function attacks31(people: Person[], routine: DayEvent[]): DayEvent[] {
  const out: DayEvent[] = [];
  const { by, add, T, on } = attackKit(out, people, D31_TUE, API);
  const secret = (ns: string, name: string): [string, string, boolean] => ['GET', `/api/v1/namespaces/${ns}/secrets/${name}`, true];
  const bindAdmin = (who: string): [string, string, boolean, Record<string, string>, string] => ['POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', true, { 'content-type': 'application/json' },
    JSON.stringify({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'ops-support' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: who }] })];
  const signsIn = (name: string) => { for (const e of out) if (e.attack === name) e.signsIn = true; };
  const linux = 'kubectl/v1.32.0 (linux/amd64) kubernetes/70d3cc9';

  // 1. The helpdesk reset: the attacker's own Okta Verify, dev-3's password, a VPS in Frankfurt.
  const d3 = by('dev-3');
  const a1 = 'a helpdesk MFA reset: the caller enrols their own authenticator and signs in as the engineer from a VPS';
  add(a1, T(13.92), VPS_RESET, linux, oktaLogin(d3.name, `${d3.name}:helpdesk-reset`, T(13.92) - 50 * S, 'otp'), on([
    ['GET', '/api/v1/namespaces/billing-prod/pods?limit=500', false],
    ['GET', '/api/v1/namespaces/billing-prod/secrets', true],
    secret('billing-prod', 'billing-db'),
    secret('billing-prod', 'billing-psp-api'),
    bindAdmin(d3.name),
    ['GET', `/api/v1/namespaces/billing-prod/pods/${podName('billing-api', 3)}/exec?command=sh&container=api&stdin=true&stdout=true&tty=true`, true, WS_UPGRADE],
  ]), 20 * S);
  signsIn(a1);

  // 2. Push bombing at night: plat-2 approves the fifteenth push at 02:09; a residential proxy in Oslo.
  const p2 = by('plat-2');
  const a2 = 'push bombing: the platform engineer, woken at 02:00, approves the fifteenth Okta Verify push';
  add(a2, T(2.17), RESI_PROXY, 'kubectl/v1.31.3 (darwin/arm64) kubernetes/c83cbee', oktaLogin(p2.name, `${p2.name}:push-bomb`, T(2.17) - 40 * S, 'push'), on([
    ['GET', '/api/v1/nodes', false],
    ['GET', '/api/v1/namespaces/kube-system/secrets', true],
    secret('kube-system', 'aws-load-balancer-tls'),
    bindAdmin(p2.name),
  ]), 30 * S);
  signsIn(a2);

  // 3. The SIM swap: the contractor's number on the attacker's SIM; their own hotspot and laptop.
  const c1 = by('ctr-1');
  const a3 = "a SIM swap: the contractor's SMS codes on the attacker's phone, their own laptop and hotspot";
  add(a3, T(16.1), SWAP_HOTSPOT, linux, oktaLogin(c1.name, `${c1.name}:sim-swap`, T(16.1) - 60 * S, 'sms'), on([
    ['GET', '/api/v1/namespaces/billing-prod/pods?limit=500', false],
    secret('billing-prod', 'billing-db'),
    ['GET', `/api/v1/namespaces/billing-prod/pods/${podName('billing-api', 5)}/exec?command=sh&container=api&stdin=true&stdout=true&tty=true`, true, WS_UPGRADE],
    ['GET', '/api/v1/namespaces/billing-prod/secrets', true],
  ]), 25 * S);
  signsIn(a3);

  // 4. Device-code phishing: dev-6 taps their YubiKey for the attacker's device code; the token is the VPS's.
  const d6 = by('dev-6');
  const a4 = "device-code phishing: the engineer enters the attacker's code and taps their key; the token goes to the attacker's VPS";
  add(a4, T(10.45), VPS_DEVICE, linux, oktaLogin(d6.name, `${d6.name}:device-code`, T(10.45) - 90 * S, 'key'), on([
    ['GET', '/api/v1/namespaces/billing-prod/pods?limit=500', false],
    secret('billing-prod', 'billing-db'),
    secret('billing-prod', 'billing-psp-api'),
    bindAdmin(d6.name),
  ]), 15 * S);
  signsIn(a4);

  // 5. The AiTM proxy: dev-1's Okta Verify code through Evilginx at 11:15, the session used at once.
  const d1 = by('dev-1');
  const a5 = "an adversary-in-the-middle proxy's captured sign-in (the key refused, a code entered instead) used at once";
  add(a5, T(11.26), VPS_AITM, linux, oktaLogin(d1.name, `${d1.name}:aitm`, T(11.26) - 30 * S, 'otp'), on([
    ['GET', '/api/v1/namespaces/tracking-prod/pods?limit=500', false],
    secret('tracking-prod', 'tracking-db'),
    secret('tracking-prod', 'tracking-maps-api'),
  ]), 10 * S);

  // 6. The stolen IdP session cookie: new tokens for data-1's morning sign-in, minted from elsewhere.
  const dt = by('data-1');
  const morning = lastScoredOf(routine, dt.name, T(9), () => true).login;
  add('a stolen IdP session cookie mints new tokens of the morning sign-in on the thief\'s machine', T(14.5), VPS_COOKIE, linux, morning, on([
    ['GET', '/api/v1/namespaces/data-prod/pods?labelSelector=app%3Dpostgres', false],
    secret('data-prod', 'postgres-superuser'),
    ['GET', '/api/v1/namespaces/data-prod/pods/postgres-0/exec?command=%2Fbin%2Fbash&container=postgres&stdin=true&stdout=true&tty=true', true, WS_UPGRADE],
  ]), 20 * S);
  return out;
}
