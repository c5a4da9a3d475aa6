import { dataTask, devTask, platformTask, qaTask, type Req, sreTask } from './workday31.js';
import { attackKit, ciDeploys, type DayEvent, jitteredSittings, lastScoredOf, type Login, MAC, podName, prng, restartPatch, type StaffMember, withAttacks, WS_UPGRADE } from './workday.js';

/**
 * A thirty-second replayed day, written as an outside red team and an outside observer of real
 * engineers would after reading docs/risk.md, docs/guardrails.md, docs/configuration.md and
 * docs/kubectl-stepup.md, from situations days 1–31 do not have: the day a company moves from one
 * identity provider to another. An energy-trading SaaS (Ruisdael Grid, Amsterdam, 12 people on the
 * gateway) moves from its own Keycloak realm to Entra ID. Both issuers are configured in stepgate
 * for the migration week (the site's edit of the example, `SITE`); engineers move in waves. The
 * pilot (plat-1) moved on Monday afternoon; wave 1 (plat-2, dev-1 to dev-3, the SRE) at 09:30,
 * wave 2 (dev-4 to dev-6, QA, the data engineer) at 13:00; the contractor stays on Keycloak until
 * next week's wave 3. Warm-up Monday 7 June 2027, scored Tuesday 8 June (hours UTC; Amsterdam is
 * UTC+2).
 *
 * What the two IdPs put in the ID token for the same person (the Microsoft identity platform's ID
 * token claims reference; Keycloak's default mappers):
 * - Keycloak: `sub` the user's id in the realm (a UUID), `preferred_username` the username,
 *   `email`; `acr` the level of authentication its browser flow reached ("2" for password and
 *   OTP, "3" with the WebAuthn key, which the example's levels list), `amr` what the realm's AMR
 *   mapper is configured to name (`["pwd","otp"]`, `["hwk","mfa"]`);
 * - Entra ID (v2.0 endpoint): `iss` `https://login.microsoftonline.com/<tenant id>/v2.0`, `aud`
 *   the app's client id, `sub` a pairwise id per application (43 characters, base64url), `oid`
 *   the user's object id in the tenant (a GUID, the same in every app), `tid`,
 *   `preferred_username` the UPN (mutable, Microsoft says not to authorize on it), `email`
 *   optional and mutable; `acr` always "1", `amr` `["fido","mfa"]` for a FIDO2 key. The site names
 *   people by `oid` (`subject_claim: oid`) and admits `[fido, mfa]` at aal3 (the tenant admits
 *   only device-bound keys: the YubiKeys, re-registered in Entra the week before).
 * stepgate keys each identity's history by issuer and subject: on the new IdP everyone started as a
 * newcomer, until day 32's fix, `issuers[].history_of`: the site reads the Keycloak id the
 * migration copied into a directory extension (`extn.keycloakId`), and an Entra token is judged on
 * its Keycloak identity's history (`SITE`; `SITE_NO_HISTORY` is the site before it).
 *
 * Routine, with the days that look like the attacks:
 * - two platform engineers (nodes, kube-system, ingress; their laptops, office or home);
 * - six developers in two teams (trading, metering): pods, logs, a `rollout restart` in staging,
 *   staging's database Secret now and then, production's pods;
 *   - dev-2 keeps the old kubeconfig context in a second terminal: for the hour after the move
 *     every other request goes with the Keycloak token (kubelogin refreshes it: the Keycloak
 *     session is ended only at the end of the week);
 *   - dev-5 switches between the contexts for an hour after wave 2 (the old one for staging, the
 *     new for production) from the same laptop: both IdPs' tokens within minutes;
 * - the contractor (metering's integration) on Keycloak all day, from the firm's office in Utrecht;
 * - QA in the staging namespaces, through Headlamp in the browser once moved (Headlamp's own OIDC
 *   sign-in against Entra, the user's ID token passed to the API);
 * - the data engineer: Postgres in production, its logs and pods, a psql shell now and then;
 * - the on-call SRE: production's pods, events and logs, a restart;
 * - CI: the cluster's service-account token, from the office's runners (not migrated).
 *
 * The attacks, each in the migration's noise:
 * - the old IdP's token after the cut-over: an infostealer on dev-2's laptop copied kubelogin's
 *   cache (`~/.kube/cache/oidc-login`: the Keycloak ID and refresh tokens) on Monday; at 10:40, an
 *   hour after dev-2 moved, the operator refreshes it (the session lives until Friday) and uses it
 *   from their VPS: production Secrets, a shell;
 * - a token pasted into the migration's chat channel: at 09:30 the SRE signs in with the new
 *   kubeconfig, finds the token's `groups` claim empty and pastes `kubectl oidc-login get-token`'s
 *   output (the Entra ID token) into the channel, running kubectl again only 20 minutes later; a
 *   guest in the channel (a compromised vendor account) uses it from their own network two and a
 *   half minutes after the sign-in, before the SRE did: nodes, Secrets, a ClusterRoleBinding, a
 *   shell;
 * - an attacker's own Entra tenant: they register a multi-tenant app's users in their own tenant
 *   with the victim's name as UPN and e-mail (`preferred_username`, `email` the victim's); the
 *   token is signed by Microsoft's keys (the same JWKS for every tenant) for the company's client
 *   id, but its `iss` names the attacker's tenant;
 * - the new IdP's token taken from the browser: a malicious extension on dev-4's laptop reads the
 *   Entra ID token Headlamp stores after dev-4's first browser sign-in at 13:10, and a visitor on
 *   the office's guest network (the office's public addresses, which dev-4's Keycloak subject used
 *   every day) uses it with their own kubectl at 14:20: metering's production Secrets, a shell;
 * - the old IdP's token from a network its subject knew: an infostealer on the SRE's home PC (the
 *   same public address as the SRE's laptop at home) copies the Keycloak token on Monday evening;
 *   at 06:30 Tuesday, before wave 1, it is used from the home network with the thief's kubectl:
 *   nodes, then production Secrets and a privileged pod.
 */

export const D32_MON = Date.UTC(2027, 5, 7, 0, 0, 0); // warm-up
export const D32_TUE = Date.UTC(2027, 5, 8, 0, 0, 0); // scored
const [H, M, S] = [3_600_000, 60_000, 1000];

/** The gateway's name for the cluster's API. */
export const API = 'kubernetes.prod.ruisdael.example';
/** Headlamp, which passes the API through under /clusters/<name>/ with the user's own token. */
export const HEADLAMP = 'headlamp.ruisdael.example';
export const KUBECTL = (v = 'v1.31.4') => `kubectl/${v} (darwin/arm64) kubernetes/${v === 'v1.31.4' ? 'a78aa47' : '32cc146'}`;
const LINUX = 'kubectl/v1.32.0 (linux/amd64) kubernetes/70d3cc9';
const FIREFOX = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:127.0) Gecko/20100101 Firefox/127.0';
const SMP = { 'content-type': 'application/strategic-merge-patch+json' };

/** The company's Entra tenant, the kubelogin app's client id, and the tenant's issuer. */
export const TENANT = '5f3c1a9e-7b42-4d1e-9a6c-2e8b0d4f7c31';
export const ENTRA_CLIENT = '8d2e5b17-3c9a-4f60-b1d8-7a4e2c6f9b05';
export const ENTRA_ISS = `https://login.microsoftonline.com/${TENANT}/v2.0`;
/** The optional claim of the directory extension holding the user's Keycloak id. */
export const KEYCLOAK_ID = `extn.keycloakId`;
/** The attacker's own tenant. */
export const EVIL_TENANT = 'c0ffee00-1d2e-4b3a-8f7e-6d5c4b3a2910';

/**
 * The site's edits of the example for the migration week: the Entra tenant as a second issuer
 * (its keys served by the test issuer, which stands for Microsoft's JWKS, the same for every
 * tenant), people named by `oid`; `[fido, mfa]` at aal3; Headlamp's host.
 */
export const SITE = (yaml: string): string => SITE_NO_HISTORY(yaml).replace('    subject_claim: oid\n', `    subject_claim: oid\n    history_of: { issuer: ${testIssuer(yaml)}, claim: ${KEYCLOAK_ID} }\n`);

function testIssuer(yaml: string): string {
  const url = /issuer: (http:\/\/127\.0\.0\.1:\d+)/.exec(yaml)?.[1];
  if (url === undefined) throw new Error('day 32: no test issuer in the example');
  return url;
}

/** The site before day 32's fix: the two issuers' histories apart. */
export const SITE_NO_HISTORY = (yaml: string): string => {
  const jwks = testIssuer(yaml);
  return yaml
    .replace('  # Kubernetes service-account tokens', `  - issuer: ${ENTRA_ISS}\n    jwks_uri: ${jwks}/jwks\n    fetch_timeout_ms: 20000\n    audiences: ["${ENTRA_CLIENT}"]\n    subject_claim: oid\n  # Kubernetes service-account tokens`)
    .replace('      amr: [hwk, mfa]\n', '      amr: [[hwk, mfa], [fido, mfa]]\n')
    .replace('hosts: [headlamp.localhost]', `hosts: [headlamp.localhost, ${HEADLAMP}]`);
};

/** A stable GUID-shaped id for `name` (Keycloak's user id, Entra's object id). */
function guid(name: string, salt: number): string {
  let h = 2166136261 ^ salt;
  const out: string[] = [];
  for (let k = 0; k < 4; k++) {
    for (const c of name) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
    h = Math.imul(h ^ k, 16777619) >>> 0;
    out.push(h.toString(16).padStart(8, '0'));
  }
  const x = out.join('');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-4${x.slice(13, 16)}-a${x.slice(17, 20)}-${x.slice(20, 32)}`;
}

export type Factor = 'key' | 'otp';
/** A Keycloak sign-in (the test issuer stands for the realm). */
export const keycloakLogin = (email: string, sid: string, authMs: number, factor: Factor = 'key'): Login => ({
  sub: guid(email, 1),
  sid,
  authTime: Math.floor(authMs / 1000),
  acr: factor === 'key' ? 'urn:stepgate:aal3' : 'urn:stepgate:aal2',
  claims: factor === 'key' ? { acr: '3', amr: ['hwk', 'mfa'] } : { acr: '2', amr: ['pwd', 'otp'] },
  identity: { preferred_username: email.split('@')[0]!, email },
});
/** An Entra ID sign-in with the FIDO2 key, in `tenant` (the company's unless an attacker's). */
export const entraLogin = (email: string, sid: string, authMs: number, tenant = TENANT): Login => {
  const oid = guid(email, tenant === TENANT ? 2 : 3);
  return {
    sub: oid,
    sid,
    authTime: Math.floor(authMs / 1000),
    acr: 'urn:stepgate:aal3',
    claims: { acr: '1', amr: ['fido', 'mfa'] },
    identity: {
      iss: `https://login.microsoftonline.com/${tenant}/v2.0`,
      aud: ENTRA_CLIENT,
      oid,
      tid: tenant,
      // The pairwise subject: another string for the same person in every app.
      sub: Buffer.from(`${oid}:${ENTRA_CLIENT}`).toString('base64url').slice(0, 43),
      preferred_username: email,
      email,
      ver: '2.0',
      // The migration copied each user's Keycloak id into a directory extension attribute the
      // app emits as an optional claim (users cannot write directory extensions); an attacker's
      // tenant can put anything there.
      [KEYCLOAK_ID]: guid(email, 1),
    },
  };
};

/** The Amsterdam office's public addresses (KPN business fibre). */
export const OFFICE = (n: number) => `145.53.88.${10 + (n % 6)}`;
/** The contractor's firm's office in Utrecht. */
export const CONTRACTOR_OFFICE = '82.94.231.5';
const RUNNER = (j: number) => `10.20.6.${30 + (j % 4)}`;
/** The infostealer's operator's VPS. */
export const VPS_STEALER = '91.215.85.142';
/** The chat guest's network (a compromised vendor account's operator). */
export const VENDOR_NET = '103.75.190.23';

type Kind = 'platform' | 'dev' | 'contractor' | 'qa' | 'data' | 'sre';
type Where = 'office' | 'home' | 'firm';

interface Person extends StaffMember<Where> {
  short: string;
  kind: Kind;
  home: string;
  team: string;
  /** The hour of the scored day the person moves to Entra (Infinity: not today; the pilot: 0). */
  moves: number;
}

const CO = 'ruisdael.example';

function staff(rand: () => number): Person[] {
  const out: Person[] = [];
  const add = (short: string, kind: Kind, team: string, home: string, moves: number, day: [number, number, Where][]) => {
    const idx = out.length;
    out.push({ name: `d32-${short}@${kind === 'contractor' ? 'ext.' : ''}${CO}`, short, idx, svc: team, team, kind, os: MAC, kubectlOs: 'darwin/arm64', kubectlVersion: 'v1.31.4', home, moves, warm: jitteredSittings(rand, day), scored: jitteredSittings(rand, day) });
  };
  const W1 = 7.5;
  const W2 = 11;
  add('plat-1', 'platform', 'platform', '84.26.113.40', 0, [[7, 11.5, 'office'], [12.5, 16, 'office']]);
  add('plat-2', 'platform', 'platform', '86.83.19.201', W1, [[7, 11.5, 'home'], [12.5, 16.5, 'office']]);
  add('dev-1', 'dev', 'trading', '77.172.60.18', W1, [[7, 11, 'office'], [12, 15.5, 'office']]);
  add('dev-2', 'dev', 'trading', '62.195.44.7', W1, [[7, 11.5, 'office'], [12.5, 16, 'office']]);
  add('dev-3', 'dev', 'metering', '94.212.130.66', W1, [[7, 11.5, 'home'], [12.5, 15.5, 'home']]);
  add('dev-4', 'dev', 'metering', '83.161.222.90', W2, [[7, 11.5, 'office'], [12.5, 16, 'office']]);
  add('dev-5', 'dev', 'trading', '31.151.8.174', W2, [[7, 11.5, 'office'], [12.5, 16.5, 'office']]);
  add('dev-6', 'dev', 'metering', '145.129.77.3', W2, [[7.5, 11.5, 'home'], [12.5, 16, 'home']]);
  add('ctr-1', 'contractor', 'metering', CONTRACTOR_OFFICE, Infinity, [[7, 11, 'firm'], [12, 15.5, 'firm']]);
  add('qa-1', 'qa', 'trading', '80.101.5.19', W2, [[7, 11, 'office'], [12, 15, 'office']]);
  add('data-1', 'data', 'data', '84.104.71.150', W2, [[6.5, 11, 'office'], [12, 15, 'office']]);
  add('sre-1', 'sre', 'platform', '86.92.3.118', W1, [[6, 11, 'home'], [12, 14.5, 'office']]);
  return out;
}

const PROD = ['trading-prod', 'metering-prod'];

function addressOf(p: Person, where: Where, n: number): string {
  if (where === 'office') return OFFICE(p.idx + n);
  if (where === 'firm') return CONTRACTOR_OFFICE;
  return p.home;
}

/** Whether `p` is on Entra at hour `h` of `day` (the pilot since Monday 13:00). */
function onEntra(p: Person, scored: boolean, h: number): boolean {
  if (p.moves === 0) return scored || h >= 11;
  return scored && h >= p.moves;
}

export function workday32(seed = 301): DayEvent[] {
  const rand = prng(seed * 2_654_435_761 + 32);
  const people = staff(rand);
  const events: DayEvent[] = [];
  for (const [day, scored] of [[D32_MON, false], [D32_TUE, true]] as const) {
    const at = (h: number) => day + h * H;
    for (const p of people) {
      let n = 0;
      let kc: Login | undefined;
      let entra: Login | undefined;
      let last = -Infinity;
      for (const [from, to, where] of scored ? p.scored : p.warm) {
        let t = at(from) + M;
        while (t < at(to)) {
          const h = (t - day) / H;
          const moved = onEntra(p, scored, h);
          // A new sitting after a break of two hours is a new sign-in (on each IdP in use); the
          // move is a sign-in on Entra with the new kubeconfig.
          const stale = h - last > 2;
          // The SRE's first Entra sign-in is at the move; its token's `groups` is empty, the SRE
          // asks the migration channel (pasting the token) and runs kubectl 20 minutes later.
          const signedAt = scored && p.kind === 'sre' && entra === undefined ? at(p.moves) : t - 40 * S;
          if (moved && (entra === undefined || stale)) entra = entraLogin(p.name, `${p.name}:entra:${day}:${Math.round(h * 10)}`, signedAt);
          if (!moved && (kc === undefined || stale)) kc = keycloakLogin(p.name, `${p.name}:kc:${day}:${Math.round(h * 10)}`, t - 40 * S);
          last = h;
          if (scored && p.kind === 'sre' && h >= p.moves && h < p.moves + 1 / 3) {
            t += 5 * M;
            continue;
          }
          // The hour after the move: dev-2's second terminal (every other request) and dev-5's
          // staging context still on Keycloak, with the token kubelogin keeps refreshing.
          const since = h - p.moves;
          const oldContext = scored && moved && kc !== undefined && since < 1 && ((p.short === 'dev-2' && n % 2 === 1) || p.short === 'dev-5');
          let reqs: Req[];
          if (p.kind === 'sre') {
            reqs = scored && n === 20
              ? [{ method: 'PATCH', path: '/apis/apps/v1/namespaces/trading-prod/deployments/trading-api?fieldManager=kubectl-rollout', headers: SMP, body: restartPatch(t) }]
              : sreTask(rand, n, PROD);
          } else if (p.kind === 'platform') reqs = platformTask(rand, n, '/apis/cert-manager.io/v1/certificates');
          else if (p.kind === 'data') reqs = dataTask(rand);
          else if (p.kind === 'qa') reqs = qaTask(rand, n, ['trading', 'metering']);
          else reqs = devTask(rand, p, t, n);
          // dev-5's old context is the staging one: production's requests go with the new.
          const useOld = oldContext && (p.short === 'dev-2' || reqs.every((q) => q.path.includes('-staging')));
          const l = useOld ? kc! : moved ? entra! : kc!;
          const ip = addressOf(p, where, n);
          // QA, once moved, works through Headlamp in the browser: its proxy prefix, Firefox.
          const browser = p.kind === 'qa' && moved;
          const ua = browser ? FIREFOX : KUBECTL();
          const gap = 1500 + rand() * 2500;
          reqs.forEach((q, i) => {
            events.push({ at: Math.round(t + i * gap), actor: p.name, scored, ip, ua, login: l, method: q.method, path: browser ? `/clusters/main${q.path}` : q.path, host: browser ? HEADLAMP : API, ...(q.headers ? { headers: q.headers } : {}), ...(q.body !== undefined ? { body: q.body } : {}) });
          });
          n++;
          t += 5 * M + rand() * 15 * M;
        }
      }
    }
    ciDeploys(events, { day, scored, seed, sub: 'system:serviceaccount:ci:trading-deployer', ip: RUNNER, host: API, namespace: 'trading-staging', deployment: 'trading-api', image: '902214583310.dkr.ecr.eu-west-1.amazonaws.com/trading-api', ua: 'kubectl/v1.31.4 (linux/amd64) kubernetes/a78aa47' });
  }
  events.sort((a, b) => a.at - b.at);
  return withAttacks(events, attacks32(people, events));
}

/** The login of `actor`'s last request on the warm-up day. */
function lastWarmOf(routine: readonly DayEvent[], actor: string): Login {
  let l: Login | undefined;
  for (const e of routine) if (e.actor === actor && !e.scored) l = e.login;
  return l!;
}

function attacks32(people: Person[], routine: DayEvent[]): DayEvent[] {
  const out: DayEvent[] = [];
  const { by, add, T, on } = attackKit(out, people, D32_TUE, API);
  const secret = (ns: string, name: string): [string, string, boolean] => ['GET', `/api/v1/namespaces/${ns}/secrets/${name}`, true];
  const shell = (ns: string, app: string): [string, string, boolean, Record<string, string>] => ['GET', `/api/v1/namespaces/${ns}/pods/${podName(app, 3)}/exec?command=sh&container=api&stdin=true&stdout=true&tty=true`, true, WS_UPGRADE];
  const bindAdmin = (who: string): [string, string, boolean, Record<string, string>, string] => ['POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', true, { 'content-type': 'application/json' },
    JSON.stringify({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'migration-debug' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: who }] })];
  const privileged = (ns: string): [string, string, boolean, Record<string, string>, string] => ['POST', `/api/v1/namespaces/${ns}/pods`, true, { 'content-type': 'application/json' },
    JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'debug-node' }, spec: { hostPID: true, containers: [{ name: 'x', image: 'alpine', securityContext: { privileged: true }, command: ['sleep', 'infinity'] }] } })];

  // 1. The old IdP's token after the cut-over: dev-2's kubelogin cache, copied on Monday, refreshed at 10:40.
  const d2 = by('dev-2');
  const monday = lastWarmOf(routine, d2.name);
  const refreshed: Login = { ...monday, sid: `${monday.sid}:stolen` };
  add("the old IdP's token after the cut-over: kubelogin's cached Keycloak refresh token, used from a VPS an hour after the engineer moved", T(10.67), VPS_STEALER, LINUX, refreshed, on([
    ['GET', '/api/v1/namespaces/trading-prod/pods?limit=500', false],
    secret('trading-prod', 'trading-db'),
    secret('trading-prod', 'trading-exchange-api'),
    shell('trading-prod', 'trading-api'),
  ]), 20 * S);

  // 2. The SRE's first Entra token, pasted into the migration channel before any use, used by a guest.
  const sre = by('sre-1');
  const first = routine.find((e) => e.actor === sre.name && e.scored && e.login.identity?.iss === ENTRA_ISS)!;
  const pasted = first.login;
  add("a token pasted into the migration's chat channel (kubelogin get-token's output) before the engineer used it, used by a guest from their own network", (pasted.authTime! + 150) * 1000, VENDOR_NET, LINUX, pasted, on([
    ['GET', '/api/v1/nodes', false],
    secret('metering-prod', 'metering-db'),
    bindAdmin('guest@vendor.example'),
    shell('metering-prod', 'metering-api'),
  ]), 15 * S);

  // 3. The attacker's own tenant: a user with plat-1's UPN and e-mail, signed by Microsoft's keys.
  const p1 = by('plat-1');
  const evil = entraLogin(p1.name, `${p1.name}:evil-tenant`, T(12) - 30 * S, EVIL_TENANT);
  add("an attacker's own Entra tenant: a fresh FIDO2 sign-in of a user with the victim's UPN and e-mail, for the company's client id", T(12), VPS_STEALER, LINUX, evil, on([
    ['GET', '/api/v1/namespaces/kube-system/pods?limit=500', false],
    secret('kube-system', 'cert-manager-dns01'),
    bindAdmin(p1.name),
  ]), 10 * S);
  for (const e of out) if (e.attack?.startsWith("an attacker's own Entra tenant")) e.signsIn = true;

  // 4. dev-4's Entra token from Headlamp's browser storage, used from the office's network at 14:20.
  const d4 = by('dev-4');
  const fromBrowser = lastScoredOf(routine, d4.name, T(12.33), (e) => e.login.identity?.iss === ENTRA_ISS).login;
  add("the new IdP's token taken from the browser by an extension, used with another kubectl from the office's network the engineer's old subject knew", T(12.33), OFFICE(40), LINUX, fromBrowser, on([
    ['GET', '/api/v1/namespaces/metering-prod/pods?limit=500', false],
    secret('metering-prod', 'metering-db'),
    shell('metering-prod', 'metering-api'),
  ]), 25 * S);

  // 5. The SRE's Keycloak token from the home PC, used at 06:30 from the same home network.
  const homeToken = lastWarmOf(routine, sre.name);
  add("the old IdP's token from the engineer's home network (an infostealer on the family PC), before the engineer's wave", T(4.5), sre.home, LINUX, homeToken, on([
    ['GET', '/api/v1/nodes', false],
    secret('trading-prod', 'trading-db'),
    privileged('kube-system'),
  ]), 30 * S);
  return out;
}
