import { createPrivateKey, sign } from 'node:crypto';
import { attackKit, ciDeploys, oncallRoutine, podName, type DayEvent, jitteredSittings, lastScoredOf, LINUX, type Login, MAC, prng, restartPatch, type StaffMember, withAttacks, WIN } from './workday.js';

/**
 * A twenty-eighth replayed day, written as an outside red team and an outside observer of real
 * engineers would after reading docs/risk.md, docs/guardrails.md and docs/configuration.md, from
 * situations days 1–27 do not have: an online travel agency (Lumora Reisen, Munich, 13 people on
 * the gateway) whose security team put an identity-aware access proxy in front of the Kubernetes
 * API gateway last quarter. The proxy (Pomerium-style, on a route that passes kubectl's own bearer
 * token through) runs as three pods in the company's platform VPC, peered with the cluster's: it
 * checks the engineer's SSO session and device posture on the way in, connects to the gateway's
 * internal listener from its pod addresses (10.60.0.0/16) and appends the address it saw to
 * `x-forwarded-for`. The gateway's public listener stays open until the migration ends: the hosted
 * VPN's dedicated egress addresses reach it directly, without the proxy and without
 * x-forwarded-for, and so do CI's self-hosted runners in the platform VPC on the internal one.
 * docs/configuration.md said to set `network.xff_num_trusted_hops: 1` for one L7 proxy
 * (`SITE_HOPS`): that believed the header of every direct client (docs/risk.md, "Day 28: what it
 * found"). The site now lists the proxy's pod range in `network.xff_trusted_cidrs` (`SITE`); the
 * rest is the example as shipped, its `trusted_networks: [10.0.0.0/8]` included.
 * Warm-up Monday 1 February 2027, scored Tuesday 2 February (hours UTC; Munich is UTC+1).
 *
 * Routine, as the tools send it:
 * - product engineers (four, macOS): booking and search, production reads, staging restarts, the
 *   odd staging Secret, through the proxy from the office (its NAT pool) or home; web-4's home
 *   line is re-dialled overnight by the ISP (another /24 of the same /16 on the scored day);
 *   web-2 switches to the VPN every afternoon for `kubectl exec`, which the proxy's route does
 *   not pass (no upgrades);
 * - payments (two, Linux): `payments-*` through the proxy, office and home;
 * - a data engineer (Windows): the ETL CronJobs' Jobs and logs through the proxy from the office;
 * - the platform team (two, Linux): nodes, shells and port-forwards, so through the VPN, directly;
 *   platform-2 reads through the proxy from the office in the morning;
 * - the on-call: the office through the proxy by day, home through the VPN in the evening;
 * - an agency's frontend contractor: `search-dev` through the proxy from the agency's office;
 * - CI: a service account deploying search to staging every 20 minutes from self-hosted runners.
 * At 12:30 on the scored day the proxy is redeployed onto a new node pool: its pods, and so the
 * gateway's peers, get addresses never seen (10.60.9.x instead of 10.60.4.x).
 *
 * The attacks, each of a kind days 1–27 do not have:
 * - a phished token sent straight to the public listener with a client-written x-forwarded-for
 *   naming the victim's home address (one trusted hop believed the rightmost entry);
 * - the same naming one of the proxy's pod addresses, inside the example's trusted 10.0.0.0/8;
 * - a contractor sending a stolen token through the proxy with the victim's office address
 *   written in front of what the proxy appends;
 * - a colleague in the office riding another engineer's token through the proxy;
 * - a stolen token used directly, skipping the proxy, from the victim's city and ISP;
 * - a departed contractor's VPN account, never disabled, carrying the on-call's token directly
 *   from the VPN's egress (the on-call's own evening network) in the day.
 */

export const D28_MON = Date.UTC(2027, 1, 1, 0, 0, 0); // warm-up
export const D28_TUE = Date.UTC(2027, 1, 2, 0, 0, 0); // scored
const [H, M, S] = [3_600_000, 60_000, 1000];

export const API = 'kubernetes.prod.lumora.example';
/** The site's pod range of the access proxy. */
export const PROXY_CIDR = '10.60.0.0/16';
const edit = (from: string, to: string) => (yaml: string): string => {
  const out = yaml.replace(from, to);
  if (out === yaml) throw new Error(`examples/stepgate.yaml no longer has "${from}"`);
  return out;
};
/**
 * The access proxy's signing key (Pomerium's `signing_key`, ES256): a key made for this file. The
 * site copy holds its public half inline (`access_proxy.keys`), as a site that pins the proxy's key
 * would; test/integration/access-proxy.test.ts serves one over a JWKS URL instead.
 */
const PROXY_SIGNING_JWK = { kty: 'EC', crv: 'P-256', kid: 'lumora-proxy-1', x: 'wO563gLiEBvWhyfTgKxf2YQincWKAKgZdJXxQiS_bYU', y: 'LpJnQ3iFwKBY35fiyxYQeN8wI82rbZmlKe4UlyYGZFQ', d: 'Xwl4tGaceTitdMf1TSM25FWDm8C5tsgFkClI61A55uw' };
const PROXY_PUBLIC_JWK = { kty: 'EC', crv: 'P-256', kid: PROXY_SIGNING_JWK.kid, x: PROXY_SIGNING_JWK.x, y: PROXY_SIGNING_JWK.y, alg: 'ES256', use: 'sig' };
const proxyKey = createPrivateKey({ key: PROXY_SIGNING_JWK, format: 'jwk' });
/** The header the proxy signs its session's user into (Pomerium's). */
export const ASSERTION = 'x-pomerium-jwt-assertion';
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const assertions = new Map<string, string>();
/**
 * The proxy's assertion for the person signed in to it on the day that starts at `day`: Pomerium's
 * claims (iss and aud the route's host, the IdP's sub and email), signed ES256 with a kid. One per
 * person and day (or `hours` from `day`), as a proxy's session would carry it, so each is verified once.
 */
export function assertionOf(email: string, day: number, hours = 26): string {
  const key = `${email}|${day}|${hours}`;
  let jwt = assertions.get(key);
  if (jwt === undefined) {
    const iat = Math.floor(day / 1000);
    const input = `${b64({ alg: 'ES256', kid: PROXY_SIGNING_JWK.kid, typ: 'JWT' })}.${b64({ iss: API, aud: API, sub: email, email, iat, exp: iat + hours * 3600, groups: [] })}`;
    jwt = `${input}.${sign('sha256', Buffer.from(input), { key: proxyKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
    assertions.set(key, jwt);
  }
  return jwt;
}
/** The access proxy's assertion as the site configures it: verified with the pinned key, its email compared with the token's. */
const ACCESS_PROXY = `\naccess_proxy:\n  header: ${ASSERTION}\n  issuer: ${API}\n  audiences: ["${API}"]\n  keys: [${JSON.stringify(PROXY_PUBLIC_JWK)}]\n  user_claim: email\n  token_claim: email\n`;
/**
 * The site's edits of the example: the access proxy's pods are the proxies that append to
 * x-forwarded-for, and (since day 28's fix) the proxy's signed assertion is verified and its user
 * compared with the bearer token's.
 */
export const SITE = (yaml: string): string => edit('xff_num_trusted_hops: 0', `xff_num_trusted_hops: 0\n  xff_trusted_cidrs: ["${PROXY_CIDR}"]`)(yaml).concat(ACCESS_PROXY);
/** Day 28's site before the fix: the proxies listed, no assertion read. */
export const SITE_NO_ASSERTION = edit('xff_num_trusted_hops: 0', `xff_num_trusted_hops: 0\n  xff_trusted_cidrs: ["${PROXY_CIDR}"]`);
/** What docs/configuration.md said before day 28: one L7 proxy, one trusted hop. */
export const SITE_HOPS = edit('xff_num_trusted_hops: 0', 'xff_num_trusted_hops: 1');
/** The access proxy's pods: before the 12:30 redeployment on the scored day, and after. */
export const PROXY_A = (n: number) => `10.60.4.${11 + (n % 3)}`;
export const PROXY_B = (n: number) => `10.60.9.${21 + (n % 3)}`;
/** The Munich office's NAT pool. */
export const OFFICE = (n: number) => `85.214.132.${40 + (n % 6)}`;
/** The hosted VPN's dedicated egress addresses. */
export const VPN = (n: number) => `185.117.88.${10 + (n % 20)}`;
/** The agency's office. */
export const AGENCY = (n: number) => `91.64.17.${100 + (n % 8)}`;
export const KUBECTL = (os: string) => `kubectl/v1.32.1 (${os}) kubernetes/e9c9be4`;
export const SMP = { 'content-type': 'application/strategic-merge-patch+json' };
export const JSON_CT = { 'content-type': 'application/json' };
const WS = { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-protocol': 'v5.channel.k8s.io' };

type Kind = 'web' | 'pay' | 'data' | 'platform' | 'oncall' | 'ctr';
/** `p-…` through the proxy, `v-…` through the VPN (directly). */
type Where = 'p-office' | 'p-home' | 'p-agency' | 'v-vpn';

interface Person extends StaffMember<Where> {
  short: string;
  kind: Kind;
  /** The home line's address on the warm-up day and on the scored day. */
  home: [string, string];
}

const CO = 'lumora.example';

function staff(rand: () => number): Person[] {
  const out: Person[] = [];
  const add = (short: string, kind: Kind, home: [string, string], day: [number, number, Where][], o: Partial<Person> = {}) => {
    const idx = out.length;
    out.push({ name: `d28-${short}@${CO}`, short, idx, svc: kind, kind, os: MAC, kubectlOs: 'darwin/arm64', kubectlVersion: 'v1.32.1', home, warm: jitteredSittings(rand, day), scored: jitteredSittings(rand, day), ...o });
  };
  const same = (a: string): [string, string] => [a, a];
  add('web-1', 'web', same('87.123.54.19'), [[7, 11, 'p-home'], [12, 16, 'p-home']]);
  add('web-2', 'web', same('188.192.33.140'), [[7.5, 11.5, 'p-office'], [12.5, 14.5, 'p-office'], [14.6, 16.5, 'v-vpn']]);
  add('web-3', 'web', same('89.204.137.8'), [[8, 12, 'p-office'], [13, 17, 'p-office']]);
  // Telekom's DSL re-dials overnight: another /24 of its /16 the next morning.
  add('web-4', 'web', ['87.123.61.203', '87.123.88.41'], [[8, 12, 'p-home'], [13, 17, 'p-home']]);
  add('pay-1', 'pay', same('79.246.12.77'), [[7, 11.5, 'p-office'], [12.5, 16, 'p-home']], { os: LINUX, kubectlOs: 'linux/amd64' });
  add('pay-2', 'pay', same('93.104.190.5'), [[8, 12, 'p-office'], [13, 17, 'p-office']], { os: LINUX, kubectlOs: 'linux/amd64' });
  add('data-1', 'data', same('178.27.92.14'), [[7.5, 12, 'p-office'], [13, 16.5, 'p-office']], { os: WIN, kubectlOs: 'windows/amd64' });
  add('platform-1', 'platform', same('87.123.70.2'), [[7, 11.5, 'v-vpn'], [12.5, 16, 'v-vpn']], { os: LINUX, kubectlOs: 'linux/amd64' });
  add('platform-2', 'platform', same('188.192.41.9'), [[7.5, 11.5, 'p-office'], [12.5, 16.5, 'v-vpn']], { os: LINUX, kubectlOs: 'linux/amd64' });
  add('oncall', 'oncall', same('89.204.150.66'), [[7.5, 12, 'p-office'], [13, 16.5, 'p-office'], [19.5, 22, 'v-vpn']]);
  add('ctr-1', 'ctr', same('91.64.17.100'), [[8.5, 12.5, 'p-agency'], [13.5, 17, 'p-agency']], { os: WIN, kubectlOs: 'windows/amd64' });
  return out;
}

type Req = { method: string; path: string; headers?: Record<string, string>; body?: string };

const pod = podName;

function webTask(rand: () => number, t: number, n: number, vpn: boolean): Req[] {
  // On the VPN in the afternoon for what the proxy does not pass: a shell in staging.
  if (vpn && rand() < 0.5) return [{ method: 'GET', path: '/api/v1/namespaces/booking-staging/pods?limit=500' }, { method: 'GET', path: `/api/v1/namespaces/booking-staging/pods/${pod('booking-api', n)}/exec?command=sh&container=api&stdin=true&stdout=true&tty=true`, headers: WS }];
  const k = rand();
  const svc = rand() < 0.6 ? 'booking' : 'search';
  if (k < 0.35) return [{ method: 'GET', path: `/api/v1/namespaces/${svc}-prod/pods?limit=500` }, { method: 'GET', path: `/api/v1/namespaces/${svc}-prod/pods/${pod(`${svc}-api`, n)}/log?container=api&tailLines=500` }];
  if (k < 0.55) return [{ method: 'GET', path: `/api/v1/namespaces/${svc}-staging/pods?limit=500` }, { method: 'GET', path: `/api/v1/namespaces/${svc}-staging/events?limit=500` }];
  if (k < 0.7) return [{ method: 'PATCH', path: `/apis/apps/v1/namespaces/${svc}-staging/deployments/${svc}-api?fieldManager=kubectl-rollout`, headers: SMP, body: restartPatch(t) }, { method: 'GET', path: `/apis/apps/v1/namespaces/${svc}-staging/deployments/${svc}-api` }];
  if (k < 0.8) return [{ method: 'GET', path: `/api/v1/namespaces/${svc}-staging/secrets/${svc}-db` }];
  if (k < 0.9) return [{ method: 'GET', path: `/apis/apps/v1/namespaces/${svc}-prod/deployments?limit=500` }];
  return [{ method: 'GET', path: `/api/v1/namespaces/${svc}-prod/configmaps/${svc}-api` }];
}

function payTask(rand: () => number, t: number, n: number): Req[] {
  const k = rand();
  if (k < 0.35) return [{ method: 'GET', path: '/api/v1/namespaces/payments-prod/pods?limit=500' }, { method: 'GET', path: `/api/v1/namespaces/payments-prod/pods/${pod('psp-adapter', n)}/log?container=adapter&tailLines=500` }];
  if (k < 0.55) return [{ method: 'GET', path: '/api/v1/namespaces/payments-staging/pods?limit=500' }, { method: 'GET', path: '/api/v1/namespaces/payments-staging/events?limit=500' }];
  if (k < 0.7) return [{ method: 'GET', path: '/api/v1/namespaces/payments-staging/secrets/psp-sandbox' }];
  if (k < 0.8) return [{ method: 'PATCH', path: '/apis/apps/v1/namespaces/payments-staging/deployments/psp-adapter?fieldManager=kubectl-rollout', headers: SMP, body: restartPatch(t) }];
  return [{ method: 'GET', path: '/apis/apps/v1/namespaces/payments-prod/deployments?limit=500' }];
}

function dataTask(rand: () => number, n: number): Req[] {
  const k = rand();
  if (k < 0.4) return [{ method: 'GET', path: '/apis/batch/v1/namespaces/etl-prod/cronjobs?limit=500' }, { method: 'GET', path: '/apis/batch/v1/namespaces/etl-prod/jobs?limit=500' }];
  if (k < 0.75) return [{ method: 'GET', path: `/api/v1/namespaces/etl-prod/pods/${pod('bookings-export', n)}/log?tailLines=500` }];
  return [{ method: 'GET', path: '/api/v1/namespaces/etl-staging/pods?limit=500' }];
}

function platformTask(rand: () => number, n: number, vpn: boolean): Req[] {
  const k = rand();
  if (vpn && k < 0.25) return [{ method: 'GET', path: '/api/v1/namespaces/ingress/pods?limit=500' }, { method: 'GET', path: `/api/v1/namespaces/ingress/pods/${pod('envoy', n)}/exec?command=sh&container=envoy&stdin=true&stdout=true&tty=true`, headers: WS }];
  if (vpn && k < 0.4) return [{ method: 'GET', path: `/api/v1/namespaces/monitoring/pods/${pod('prometheus', n)}/portforward?ports=9090`, headers: { ...WS, 'sec-websocket-protocol': 'v4.channel.k8s.io' } }];
  if (k < 0.65) return [{ method: 'GET', path: '/api/v1/nodes' }, { method: 'GET', path: '/apis/metrics.k8s.io/v1beta1/nodes' }];
  if (k < 0.85) return [{ method: 'GET', path: '/api/v1/namespaces/kube-system/pods?limit=500' }];
  return [{ method: 'GET', path: '/apis/cert-manager.io/v1/certificates?limit=500' }];
}

const PROD = ['booking-prod', 'search-prod', 'payments-prod', 'etl-prod'];


function ctrTask(rand: () => number, t: number, n: number): Req[] {
  const k = rand();
  if (k < 0.4) return [{ method: 'GET', path: '/api/v1/namespaces/search-dev/pods?limit=500' }, { method: 'PATCH', path: '/apis/apps/v1/namespaces/search-dev/deployments/search-web?fieldManager=kubectl-rollout', headers: SMP, body: restartPatch(t) }];
  if (k < 0.8) return [{ method: 'GET', path: `/api/v1/namespaces/search-dev/pods/${pod('search-web', n)}/log?tailLines=500` }];
  return [{ method: 'GET', path: '/api/v1/namespaces/search-dev/configmaps/search-web' }];
}

/** The proxy's pod that carried a request: one of three, on new addresses after 12:30 on the scored day. */
export function proxyPod(t: number, n: number): string {
  return t >= D28_TUE + 12.5 * H ? PROXY_B(n) : PROXY_A(n);
}

/** Where the engineer's client is (the address the proxy or the gateway sees). */
function clientOf(p: Person, where: Where, scored: boolean, n: number): string {
  if (where === 'p-office') return OFFICE(p.idx * 5 + n);
  if (where === 'p-agency') return AGENCY(p.idx);
  if (where === 'v-vpn') return VPN(p.idx * 3 + n);
  return p.home[scored ? 1 : 0];
}

export function workday28(seed = 261): DayEvent[] {
  const rand = prng(seed * 2_654_435_761 + 28);
  const people = staff(rand);
  const events: DayEvent[] = [];
  for (const [day, scored] of [[D28_MON, false], [D28_TUE, true]] as const) {
    const at = (h: number) => day + h * H;
    for (const p of people) {
      let n = 0;
      let login: Login | undefined;
      let last = -Infinity;
      for (const [from, to, where] of scored ? p.scored : p.warm) {
        // A new sitting after a break of two hours is a new sign-in (kubelogin's refresh token
        // outlives a lunch break, not an evening).
        if (login === undefined || from - last > 2) login = { sub: p.name, sid: `${p.name}:${day}:${Math.round(from * 10)}`, authTime: Math.floor((at(from) - 40 * S) / 1000), acr: 'urn:stepgate:aal2' };
        last = to;
        const l = login;
        const vpn = where === 'v-vpn';
        let t = at(from) + M;
        while (t < at(to)) {
          const reqs = p.kind === 'web' ? webTask(rand, t, n, vpn) : p.kind === 'pay' ? payTask(rand, t, n) : p.kind === 'data' ? dataTask(rand, n) : p.kind === 'platform' ? platformTask(rand, n, vpn) : p.kind === 'oncall' ? oncallRoutine(rand, t, n, PROD, ['booking-prod', 'booking-api']) : ctrTask(rand, t, n);
          const gap = 1500 + rand() * 2500;
          // One kubectl invocation is one connection: through one of the proxy's pods, from one
          // address of the office's or the VPN's pool.
          const client = clientOf(p, where, scored, n);
          reqs.forEach((q, i) => {
            const when = Math.round(t + i * gap);
            events.push({
              at: when,
              actor: p.name,
              scored,
              ip: vpn ? client : proxyPod(when, n + p.idx),
              ua: KUBECTL(p.kubectlOs),
              login: l,
              method: q.method,
              path: q.path,
              host: API,
              ...(vpn ? (q.headers ? { headers: q.headers } : {}) : { headers: { ...q.headers, 'x-forwarded-for': client, [ASSERTION]: assertionOf(p.name, day) } }),
              ...(q.body !== undefined ? { body: q.body } : {}),
            });
          });
          n++;
          t += 5 * M + rand() * 15 * M;
        }
      }
    }
    // CI: self-hosted runners in the platform VPC, straight to the internal listener (not through the proxy), search's staging image every 20 minutes, 06:00–18:00.
    ciDeploys(events, { day, scored, seed, sub: 'system:serviceaccount:ci:search-deployer', ip: (j) => `10.61.${j % 4}.${(j * 37) % 250 + 2}`, host: API, namespace: 'search-staging', deployment: 'search-api', image: 'ghcr.io/lumora/search-api', ua: KUBECTL('linux/amd64') });
  }
  events.sort((a, b) => a.at - b.at);
  return withAttacks(events, attacks28(people, events));
}

/** An attacker's hosting provider (a VPS). */
export const VPS = '45.138.16.203';
/** The attacker in Munich on the victim's ISP (Telekom): the victim's /16, another /24. */
export const SAME_CITY = '87.123.201.77';

function attacks28(people: Person[], routine: DayEvent[]): DayEvent[] {
  const out: DayEvent[] = [];
  const { by, add, T, on } = attackKit(out, people, D28_TUE, API);
  const mine = () => true;
  /** Every request of attack `name` carries this x-forwarded-for. */
  const withXff = (name: string, xff: string) => {
    for (const e of out) if (e.attack === name) e.headers = { ...e.headers, 'x-forwarded-for': xff };
  };
  /** Attack `name` goes through the proxy, whose session is `who`'s own. */
  const viaProxyAs = (name: string, who: Person) => {
    for (const e of out) if (e.attack === name) e.headers = { ...e.headers, [ASSERTION]: assertionOf(who.name, D28_TUE) };
  };
  const secrets = (ns: string): [string, string, boolean] => ['GET', `/api/v1/namespaces/${ns}/secrets`, true];
  const exec = (ns: string, p: string): [string, string, boolean, Record<string, string>] => ['GET', `/api/v1/namespaces/${ns}/pods/${p}/exec?command=sh&container=api&stdin=true&stdout=true&tty=true`, true, WS];

  // 1. web-1's token, phished at 10:10 (a fake "SSO session expired" page that relayed kubelogin's
  // device code), sent at 10:40 from a VPS straight to the gateway's public listener with a
  // client-written x-forwarded-for naming web-1's home address (the attacker read it from the
  // phishing page's access log). Booking's production Secrets and a shell.
  const w1 = by('web-1');
  const v1 = lastScoredOf(routine, w1.name, T(10.66), mine);
  const a1 = "a phished token sent straight to the public listener with a client-written x-forwarded-for naming the victim's home address";
  add(a1, T(10.66), VPS, v1.ua, v1.login, on([
    ['GET', '/api/v1/namespaces/booking-prod/pods?limit=500', false],
    secrets('booking-prod'),
    exec('booking-prod', 'booking-api-0'),
  ]), 10 * S, w1);
  withXff(a1, w1.home[1]);

  // 2. The same against pay-1 at 14:10, naming one of the proxy's pod addresses (they are in every
  // proxied request's log line a support ticket showed): an address inside the example's
  // trusted_networks.
  const p1 = by('pay-1');
  const v2 = lastScoredOf(routine, p1.name, T(14.16), mine);
  const a2 = "a phished token sent straight to the public listener with a client-written x-forwarded-for naming one of the access proxy's pods (inside the trusted 10.0.0.0/8)";
  add(a2, T(14.16), VPS, v2.ua, v2.login, on([
    ['GET', '/api/v1/namespaces/payments-prod/pods?limit=500', false],
    secrets('payments-prod'),
  ]), 10 * S, p1);
  withXff(a2, PROXY_B(1));

  // 3. The agency's contractor, who has a proxy account, sends web-3's token (seen in a screen
  // share's terminal) through the proxy at 15:20 with web-3's office address written in front of
  // what the proxy appends: the proxy's pod, the contractor's own address last.
  const w3 = by('web-3');
  const r1 = by('ctr-1');
  const v3 = lastScoredOf(routine, w3.name, T(15.33), mine);
  const a3 = "a contractor's stolen token through the access proxy with the victim's office address written in front of what the proxy appends";
  add(a3, T(15.33), proxyPod(T(15.33), 2), KUBECTL(r1.kubectlOs), v3.login, on([
    ['GET', '/api/v1/namespaces/booking-prod/pods?limit=500', false],
    secrets('booking-prod'),
  ]), 10 * S, w3);
  withXff(a3, `${OFFICE(w3.idx * 5)}, ${AGENCY(r1.idx)}`);
  viaProxyAs(a3, r1);

  // 4. The data engineer (an insider: their own proxy session, the office) with pay-2's token,
  // read off pay-2's unlocked laptop at 11:00: the payments Secrets, which data-1 never reads.
  const p2 = by('pay-2');
  const d1 = by('data-1');
  const v4 = lastScoredOf(routine, p2.name, T(11.1), mine);
  const a4 = "a colleague in the office riding another engineer's token through the access proxy";
  add(a4, T(11.1), proxyPod(T(11.1), 0), KUBECTL(d1.kubectlOs), v4.login, on([
    ['GET', '/api/v1/namespaces/payments-prod/pods?limit=500', false],
    secrets('payments-prod'),
  ]), 15 * S, p2);
  withXff(a4, OFFICE(d1.idx * 5 + 3));
  viaProxyAs(a4, d1);

  // 5. web-4's token, taken by an infostealer from ~/.kube/cache at noon, used at 16:20 directly
  // (skipping the proxy, whose SSO session the attacker does not have) from Munich on web-4's own
  // ISP, with web-4's kubectl agent: a ClusterRoleBinding for a service account of booking-dev.
  const w4 = by('web-4');
  const v5 = lastScoredOf(routine, w4.name, T(16.33), mine);
  add('a stolen token used directly, skipping the access proxy, from the victim\'s city and ISP', T(16.33), SAME_CITY, v5.ua, v5.login, on([
    ['GET', '/api/v1/namespaces/booking-prod/pods?limit=500', false],
    ['POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings?fieldManager=kubectl-create', true, JSON_CT, JSON.stringify({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'booking-dev-debug' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: 'booking-dev' }] })],
  ]), 8 * S, w4);

  // 6. A former contractor's VPN account, never disabled, carries the on-call's token (from a
  // laptop backup the contractor kept) at 14:40, while the on-call works in the office through the
  // proxy: the VPN's egress is the on-call's own evening network.
  const oc = by('oncall');
  const v6 = lastScoredOf(routine, oc.name, T(14.66), mine);
  add("a former contractor's VPN account carrying the on-call's token directly from the VPN's egress in the day", T(14.66), VPN(17), v6.ua, v6.login, on([
    ['GET', '/api/v1/namespaces/payments-prod/pods?limit=500', false],
    secrets('payments-prod'),
    secrets('booking-prod'),
  ]), 6 * S, oc);
  return out;
}
