import { attackKit, type AttackRequest, type DayEvent, lastScoredOf, type Login, PLATFORM_HINT, prng, pushSteps, type StaffMember, type Step, withAttacks, MAC, WIN, LINUX } from './workday.js';

/**
 * A twenty-fifth replayed day, written as an outside red team would after reading docs/risk.md,
 * from situations days 1–24 do not have: a crypto exchange (Tidewell, Lisbon with an APAC and an
 * Americas on-call) whose one production cluster (`kubernetes.prod.tidewell.example`) runs the
 * matching engine and market data (trading infrastructure) and the hot wallet, whose signers run
 * in `custody-signer` on nodes with an HSM partition each (a device plugin's extended resource),
 * behind a four-eyes admission webhook (`withdrawal-guard`: a WithdrawalLimit change needs two
 * approvers' annotations). Tuesday 15 December 2026 (warm-up Monday 14 December; hours UTC, which
 * is Lisbon's in December).
 *
 * Routine, as the tools send it:
 * - the wallet team (three, the Lisbon office and one from home): the wallet's and the signers'
 *   pods, logs and events, `helm upgrade` of the wallet in staging (Helm's own release records),
 *   and one of them reads the API in the browser through `kubectl proxy` (navigations to
 *   `http://localhost:8001/api/v1/...`: the browser's user agent and fetch metadata, the kubectl
 *   login's token, forwarded by the proxy);
 * - trading infrastructure (four): the matching engine and market data in production and staging,
 *   rollout restarts, a shell in staging, and one of them opens the matching engine's admin pages
 *   (staging's and production's status) through `kubectl proxy`'s service proxy in the browser,
 *   the pages' own requests same-origin;
 * - the 24/7 on-call (three shifts, each from home: Singapore 00–08, Lisbon's office 08–16, New
 *   York 16–24): every production namespace, restarts, and at 03:10 a node drained for a kernel
 *   patch (a cordon and an eviction per pod on it, as `kubectl drain` sends them);
 * - security (one): RBAC and the webhooks' configuration read, the security namespace's Secrets;
 * - automation: the CI runner's service account deploying market data to staging every 20 minutes.
 *
 * The example as shipped, plus (`SITE`, since session 49) the custody namespaces named as protected.
 *
 * The attacks, each of a kind days 1–24 do not have:
 * - `kubectl proxy` left open on a wallet engineer's laptop; a web page the engineer visits opens
 *   a WebSocket through it to a hot signer's port-forward (browsers let any page open WebSockets
 *   to localhost; the proxy adds the engineer's token);
 * - the same on a trading engineer's laptop: an image tag on a crypto news site pointing at the
 *   proxy's service-proxy path that halts a market on production's matching engine (a GET with a
 *   side effect);
 * - a Helm release's stored record (`sh.helm.release.v1.*`) read in production to recover the
 *   wallet's values (the signer's RPC credentials), with Helm's own requests, from the laptop of a
 *   wallet engineer who runs Helm in staging daily;
 * - a pod in trading's staging namespace asking for an HSM partition (the device plugin's extended
 *   resource) on the signers' nodes;
 * - the four-eyes webhook's failurePolicy set to Ignore and its Service deleted, then the hot
 *   wallet's WithdrawalLimit raised with no second approver;
 * - a Kyverno PolicyException exempting a pod of the attacker's unsigned image from the
 *   image-signature policy, then the pod;
 * - a CiliumNetworkPolicy opening the signers' egress to the whole Internet.
 */

export const D25_MON = Date.UTC(2026, 11, 14, 0, 0, 0); // warm-up
export const D25_TUE = Date.UTC(2026, 11, 15, 0, 0, 0); // scored
const [H, M, S] = [3_600_000, 60_000, 1000];

export const API = 'kubernetes.prod.tidewell.example';
export const OFFICE = (n: number) => `10.70.${n % 4}.${20 + (n % 200)}`;
export const KUBECTL = (os: string, v = 'v1.31.4', commit = 'a78aa47') => `kubectl/${v} (${os}) kubernetes/${commit}`;
export const HELM = 'Helm/3.16.3';
export const CHROME = (os: string) => `Mozilla/5.0 (${os}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.86 Safari/537.36`;
export const SMP = { 'content-type': 'application/strategic-merge-patch+json' };
export const MERGE = { 'content-type': 'application/merge-patch+json' };
export const JSON_CT = { 'content-type': 'application/json' };
/** The page that a kubectl proxy user opens: the browser's fetch metadata and client hints, forwarded as they are. */
export const BROWSER_VIA_PROXY = (os: string, site: 'none' | 'same-origin', mode: 'navigate' | 'cors'): Record<string, string> => ({
  'sec-fetch-site': site,
  'sec-fetch-mode': mode,
  'sec-fetch-dest': mode === 'navigate' ? 'document' : 'empty',
  'sec-ch-ua-platform': PLATFORM_HINT[os]!,
  ...(mode === 'cors' ? { origin: 'http://localhost:8001', referer: 'http://localhost:8001/' } : {}),
});

type Kind = 'wallet' | 'trading' | 'oncall' | 'security';
type Where = 'office' | 'home';

interface Person extends StaffMember<Where> {
  short: string;
  kind: Kind;
  home: string;
  /** Uses `kubectl proxy` with the browser: raw API pages, or the matching engine's admin pages. */
  proxy?: 'api' | 'admin';
}

const CO = 'tidewell.example';

function staff(rand: () => number): Person[] {
  const out: Person[] = [];
  const add = (short: string, kind: Kind, day: [number, number, Where][], home: string, o: Partial<Person> = {}) => {
    const j = () => (rand() - 0.5) * 0.3;
    const jit = (s: [number, number, Where][]): [number, number, Where][] => s.map(([a, b, w]) => [Math.max(0, a + j()), Math.min(23.95, b + j()), w]);
    const idx = out.length;
    out.push({ name: `d25-${short}@${CO}`, short, idx, svc: kind, kind, os: MAC, kubectlOs: 'darwin/arm64', kubectlVersion: 'v1.31.4', home, warm: jit(day), scored: jit(day), ...o });
  };
  add('wallet-1', 'wallet', [[8.5, 12.5, 'office'], [13.5, 17.5, 'office']], '85.240.17.31');
  add('wallet-2', 'wallet', [[9, 13, 'home'], [14, 18, 'home']], '85.243.102.8', { proxy: 'api' });
  add('wallet-3', 'wallet', [[8, 12, 'office'], [13, 16.5, 'office']], '85.245.66.140', { os: LINUX, kubectlOs: 'linux/amd64' });
  add('trade-1', 'trading', [[7.5, 12, 'office'], [13, 16.5, 'office']], '85.241.9.77');
  add('trade-2', 'trading', [[8.5, 12.5, 'office'], [13.5, 17.5, 'office']], '85.244.201.13', { os: LINUX, kubectlOs: 'linux/amd64' });
  add('trade-3', 'trading', [[9, 13, 'office'], [14, 18, 'office']], '85.242.38.201', { proxy: 'admin' });
  add('trade-4', 'trading', [[10, 13.5, 'home'], [14.5, 19, 'home']], '85.246.150.62', { os: WIN, kubectlOs: 'windows/amd64' });
  add('oncall-apac', 'oncall', [[0.05, 8.2, 'home']], '116.86.41.22', { os: LINUX, kubectlOs: 'linux/amd64' });
  add('oncall-emea', 'oncall', [[8, 16.2, 'office']], '85.247.12.93');
  add('oncall-amer', 'oncall', [[16, 23.95, 'home']], '73.189.20.145');
  add('security', 'security', [[9, 12.5, 'office'], [13.5, 17, 'office']], '85.248.71.5', { os: LINUX, kubectlOs: 'linux/amd64' });
  return out;
}

type Req = { method: string; path: string; headers?: Record<string, string>; body?: string; ua?: 'helm' | 'browser' };

const RESTART = (at: number) => JSON.stringify({ spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': new Date(at).toISOString() } } } } });
const pod = (app: string, n: number) => `${app}-${(n * 7919).toString(36).slice(-5)}`;

const releaseSecret = (rel: string, ns: string, v: number, status: string) =>
  JSON.stringify({ kind: 'Secret', apiVersion: 'v1', metadata: { name: `sh.helm.release.v1.${rel}.v${v}`, namespace: ns, labels: { name: rel, owner: 'helm', status, version: String(v) } }, type: 'helm.sh/release.v1', data: { release: 'H4sIAAAAAAAC/+y9a3PbRpYw/FcQ' } });

/** `helm upgrade hot-wallet ./chart -n wallet-staging`, as Helm 3.16 sends it. */
function helmUpgrade(v: number): Req[] {
  const [rel, ns] = ['hot-wallet', 'wallet-staging'];
  return [
    { method: 'GET', path: `/api/v1/namespaces/${ns}/secrets?labelSelector=name%3D${rel}%2Cowner%3Dhelm%2Cstatus%3Ddeployed` },
    { method: 'GET', path: `/api/v1/namespaces/${ns}/secrets?labelSelector=name%3D${rel}%2Cowner%3Dhelm` },
    { method: 'POST', path: `/api/v1/namespaces/${ns}/secrets`, headers: JSON_CT, body: releaseSecret(rel, ns, v, 'pending-upgrade') },
    { method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments/${rel}-api` },
    { method: 'PATCH', path: `/apis/apps/v1/namespaces/${ns}/deployments/${rel}-api`, headers: SMP, body: JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'api', image: `registry.tidewell.example/wallet/api:2.${v}.0` }] } } } }) },
    { method: 'PUT', path: `/api/v1/namespaces/${ns}/secrets/sh.helm.release.v1.${rel}.v${v - 1}`, headers: JSON_CT, body: releaseSecret(rel, ns, v - 1, 'superseded') },
    { method: 'PUT', path: `/api/v1/namespaces/${ns}/secrets/sh.helm.release.v1.${rel}.v${v}`, headers: JSON_CT, body: releaseSecret(rel, ns, v, 'deployed') },
  ].map((q) => ({ ...q, ua: 'helm' as const }));
}

function walletTask(rand: () => number, p: Person, t: number, n: number, v: () => number): Req[] {
  const k = rand();
  if (p.proxy === 'api' && k < 0.2) {
    // The API as JSON in a browser tab, through `kubectl proxy` on localhost:8001.
    const ns = rand() < 0.6 ? 'wallet-prod' : 'custody-signer';
    return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods`, ua: 'browser' }, { method: 'GET', path: `/api/v1/namespaces/${ns}/events`, ua: 'browser' }];
  }
  if (k < 0.3) return [{ method: 'GET', path: '/api/v1/namespaces/wallet-prod/pods?limit=500' }, { method: 'GET', path: `/api/v1/namespaces/wallet-prod/pods/${pod('hot-wallet-api', n)}/log?container=api&tailLines=500` }];
  if (k < 0.45) return [{ method: 'GET', path: '/api/v1/namespaces/custody-signer/pods?limit=500' }, { method: 'GET', path: '/api/v1/namespaces/custody-signer/events?limit=500' }];
  if (k < 0.55 && p.short !== 'wallet-2') return helmUpgrade(v());
  if (k < 0.65) return [{ method: 'GET', path: '/apis/apps/v1/namespaces/wallet-staging/deployments?limit=500' }, { method: 'PATCH', path: '/apis/apps/v1/namespaces/wallet-staging/deployments/hot-wallet-api?fieldManager=kubectl-rollout', headers: SMP, body: RESTART(t) }];
  if (k < 0.72) return [{ method: 'GET', path: '/api/v1/namespaces/wallet-staging/secrets/wallet-rpc' }];
  if (k < 0.8) return [{ method: 'POST', path: `/api/v1/namespaces/wallet-staging/pods/${pod('hot-wallet-api', n)}/exec?command=sh&container=api&stdin=true&stdout=true&tty=true` }];
  if (k < 0.9) return [{ method: 'GET', path: '/apis/wallet.tidewell.example/v1/namespaces/wallet-prod/withdrawallimits' }, { method: 'GET', path: '/api/v1/namespaces/wallet-prod/events?limit=500' }];
  return [{ method: 'GET', path: '/api/v1/namespaces/custody-signer/pods/hot-signer-0/log?container=signer&tailLines=200' }];
}

function tradingTask(rand: () => number, p: Person, t: number, n: number): Req[] {
  const k = rand();
  if (p.proxy === 'admin' && k < 0.25) {
    // The matching engine's admin pages through the service proxy: the navigation, then the page's own requests.
    const ns = rand() < 0.5 ? 'trading-staging' : 'trading-prod';
    const base = `/api/v1/namespaces/${ns}/services/http:matching-admin:8080/proxy`;
    return [{ method: 'GET', path: `${base}/`, ua: 'browser' }, { method: 'GET', path: `${base}/api/status`, ua: 'browser', headers: { cors: '1' } }, { method: 'GET', path: `${base}/api/books?market=BTC-USDT`, ua: 'browser', headers: { cors: '1' } }];
  }
  if (k < 0.3) return [{ method: 'GET', path: '/api/v1/namespaces/trading-prod/pods?limit=500' }, { method: 'GET', path: `/api/v1/namespaces/trading-prod/pods/${pod('matching-engine', n)}/log?container=engine&tailLines=500` }];
  if (k < 0.45) return [{ method: 'GET', path: '/api/v1/namespaces/marketdata-prod/pods?limit=500' }, { method: 'GET', path: '/api/v1/namespaces/marketdata-prod/events?limit=500' }];
  if (k < 0.55) return [{ method: 'PATCH', path: '/apis/apps/v1/namespaces/marketdata-prod/deployments/feed-gateway?fieldManager=kubectl-rollout', headers: SMP, body: RESTART(t) }, { method: 'GET', path: '/apis/apps/v1/namespaces/marketdata-prod/deployments/feed-gateway' }];
  if (k < 0.7) return [{ method: 'GET', path: '/api/v1/namespaces/trading-staging/pods?limit=500' }, { method: 'POST', path: `/api/v1/namespaces/trading-staging/pods/${pod('matching-engine', n)}/exec?command=sh&container=engine&stdin=true&stdout=true&tty=true` }];
  if (k < 0.8) return [{ method: 'GET', path: '/api/v1/namespaces/trading-staging/secrets/exchange-api-keys' }];
  if (k < 0.9) return [{ method: 'GET', path: '/apis/apps/v1/namespaces/trading-prod/statefulsets?limit=500' }, { method: 'GET', path: '/api/v1/namespaces/trading-prod/configmaps/engine-params' }];
  return [{ method: 'GET', path: '/api/v1/nodes?labelSelector=pool%3Dtrading' }];
}

const PROD = ['wallet-prod', 'custody-signer', 'trading-prod', 'marketdata-prod'];

function oncallTask(rand: () => number, t: number, n: number): Req[] {
  const k = rand();
  const ns = PROD[Math.floor(rand() * PROD.length)]!;
  if (k < 0.4) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods?limit=500` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/events?limit=500` }];
  if (k < 0.6) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${pod('api', n)}/log?tailLines=500` }];
  if (k < 0.7) return [{ method: 'PATCH', path: `/apis/apps/v1/namespaces/${ns === 'custody-signer' ? 'wallet-prod' : ns}/deployments/${ns === 'trading-prod' ? 'order-gateway' : 'api'}?fieldManager=kubectl-rollout`, headers: SMP, body: RESTART(t) }];
  if (k < 0.8) return [{ method: 'GET', path: '/api/v1/nodes' }, { method: 'GET', path: '/apis/metrics.k8s.io/v1beta1/nodes' }];
  if (k < 0.9) return [{ method: 'DELETE', path: `/api/v1/namespaces/${ns === 'custody-signer' ? 'trading-prod' : ns}/pods/${pod('api', n)}` }];
  return [{ method: 'GET', path: '/apis/apps/v1/deployments?limit=500' }];
}

function securityTask(rand: () => number): Req[] {
  const k = rand();
  if (k < 0.3) return [{ method: 'GET', path: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings' }, { method: 'GET', path: '/apis/rbac.authorization.k8s.io/v1/namespaces/custody-signer/rolebindings' }];
  if (k < 0.5) return [{ method: 'GET', path: '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations' }, { method: 'GET', path: '/apis/kyverno.io/v1/clusterpolicies' }];
  if (k < 0.65) return [{ method: 'GET', path: '/api/v1/namespaces/security/secrets/siem-forwarder' }];
  if (k < 0.8) return [{ method: 'GET', path: '/apis/kyverno.io/v2/policyexceptions' }, { method: 'GET', path: '/apis/cilium.io/v2/namespaces/custody-signer/ciliumnetworkpolicies' }];
  return [{ method: 'GET', path: '/api/v1/namespaces/security/pods?limit=500' }, { method: 'GET', path: '/api/v1/namespaces/security/pods/withdrawal-guard-0/log?tailLines=300' }];
}

/** `kubectl drain` of one node: the cordon, then an eviction of each pod on it. */
function drain(node: string, pods: [string, string][], at: number): Step[] {
  const h = (at - D25_TUE) / H;
  return [
    [h, 'PATCH', `/api/v1/nodes/${node}`, SMP, JSON.stringify({ spec: { unschedulable: true } })],
    [h + 5 / 3600, 'GET', `/api/v1/pods?fieldSelector=spec.nodeName%3D${node}`],
    ...pods.map(([ns, name], i): Step => [h + (8 + i) / 3600, 'POST', `/api/v1/namespaces/${ns}/pods/${name}/eviction`, JSON_CT, JSON.stringify({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: ns } })]),
  ];
}

/**
 * The site's copy of the example (session 49): the custody namespaces named as protected
 * (`guardrails.protected_namespaces`), as docs/configuration.md says a site names the namespaces
 * whose network policies must not be opened or deleted and whose images must be pinned by digest:
 * the hot signers' namespace is the exchange's first. Nothing else is changed.
 */
export function SITE(yaml: string): string {
  const section = '\nguardrails:\n';
  if (yaml.split(section).length !== 2) throw new Error('day 25: the example no longer has one guardrails section');
  if (/^ {2}protected_namespaces:/m.test(yaml)) throw new Error('day 25: the example now has guardrails.protected_namespaces; add custody-* to it');
  return yaml.replace(section, `${section}  protected_namespaces: ["custody-*"]\n`);
}

export function workday25(seed = 231): DayEvent[] {
  const rand = prng(seed * 2_654_435_761 + 25);
  const people = staff(rand);
  const events: DayEvent[] = [];
  let version = 40 + (seed % 7);
  for (const [day, scored] of [[D25_MON, false], [D25_TUE, true]] as const) {
    const at = (h: number) => day + h * H;
    for (const p of people) {
      const mine: DayEvent[] = [];
      const kubectl = KUBECTL(p.kubectlOs);
      let n = 0;
      let login: Login | undefined;
      let last = -Infinity;
      for (const [from, to, where] of scored ? p.scored : p.warm) {
        if (login === undefined || from - last > 2) login = { sub: p.name, sid: `${p.name}:${day}:${Math.round(from * 10)}`, authTime: Math.floor((at(from) - 40 * S) / 1000), acr: 'urn:stepgate:aal2' };
        last = to;
        const l = login;
        const ip = where === 'office' ? OFFICE(p.idx * 11) : p.home;
        let t = at(from) + M;
        while (t < at(to)) {
          const reqs = p.kind === 'wallet' ? walletTask(rand, p, t, n, () => ++version) : p.kind === 'trading' ? tradingTask(rand, p, t, n) : p.kind === 'oncall' ? oncallTask(rand, t, n) : securityTask(rand);
          n++;
          const gap = 1500 + rand() * 2500;
          reqs.forEach((q, i) => {
            const browser = q.ua === 'browser';
            const cors = q.headers?.cors === '1';
            const headers = browser ? BROWSER_VIA_PROXY(p.os, i === 0 || !cors ? 'none' : 'same-origin', cors ? 'cors' : 'navigate') : q.headers;
            const ua = browser ? CHROME(p.os) : q.ua === 'helm' ? HELM : kubectl;
            mine.push({ at: Math.round(t + i * (q.ua === 'helm' ? 700 : gap)), actor: p.name, scored, ip, ua, login: l, method: q.method, path: q.path, host: API, ...(headers ? { headers } : {}), ...(q.body !== undefined ? { body: q.body } : {}) });
          });
          t += 5 * M + rand() * 15 * M;
        }
      }
      if (p.short === 'oncall-apac' && scored) {
        // 03:10: a node of the trading pool drained for a kernel patch (the pods on it evicted).
        const node = 'ip-10-80-14-201.ap-southeast-1.compute.internal';
        const onIt: [string, string][] = [['trading-prod', pod('matching-engine', 7)], ['trading-prod', pod('order-gateway', 3)], ['marketdata-prod', pod('feed-gateway', 5)], ['marketdata-prod', pod('candles', 2)], ['monitoring', 'node-exporter-x8k2p'], ['trading-prod', pod('risk-engine', 9)]];
        for (let k = mine.length - 1; k >= 0; k--) if (mine[k]!.at >= at(3.1) && mine[k]!.at <= at(3.4)) mine.splice(k, 1);
        const l = mine.find((e) => e.at < at(3.1))?.login ?? mine[0]!.login;
        pushSteps(mine, { actor: p.name, scored, ip: p.home, ua: KUBECTL(p.kubectlOs), login: l, host: API }, at, [
          ...drain(node, onIt, at(3.17)),
          [3.3, 'PATCH', `/api/v1/nodes/${node}`, SMP, JSON.stringify({ spec: { unschedulable: null } })],
        ]);
      }
      mine.sort((a, b) => a.at - b.at);
      events.push(...mine);
    }
    // The CI runner's service account: market data's staging every 20 minutes.
    const ci: Login = { sub: 'system:serviceaccount:ci:marketdata-deployer', sid: '', authTime: undefined, acr: 'urn:stepgate:aal1', serviceAccount: true };
    for (let j = 0; j < 30; j++) {
      const t = day + 8 * H + j * 20 * M;
      const base = { actor: 'ci', scored, ip: `10.90.${j % 2}.${30 + ((j * 7) % 40)}`, ua: KUBECTL('linux/amd64', 'v1.30.6', '00f20d4'), login: ci, host: API };
      events.push({ ...base, at: t, method: 'PATCH', path: '/apis/apps/v1/namespaces/marketdata-staging/deployments/feed-gateway?fieldManager=kubectl-set', headers: SMP, body: JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'gateway', image: `registry.tidewell.example/marketdata/feed-gateway:${(seed * 7919 + j * 104729 + (scored ? 1 : 0)).toString(16).slice(0, 7)}` }] } } } }) });
      events.push({ ...base, at: t + 30 * S, method: 'GET', path: '/apis/apps/v1/namespaces/marketdata-staging/deployments/feed-gateway' });
    }
  }
  events.sort((a, b) => a.at - b.at);
  return withAttacks(events, attacks25(people, events));
}

/** A page on another site reaching `kubectl proxy` on localhost:8001: the browser's cross-site fetch metadata. */
export const CROSS_SITE = (os: string, mode: 'websocket' | 'no-cors', origin = 'https://coinpulse-news.example'): Record<string, string> => ({
  'sec-fetch-site': 'cross-site',
  'sec-fetch-mode': mode,
  'sec-fetch-dest': mode === 'websocket' ? 'websocket' : 'image',
  'sec-ch-ua-platform': PLATFORM_HINT[os]!,
  ...(mode === 'websocket' ? { origin, connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-protocol': 'v4.channel.k8s.io' } : { referer: `${origin}/markets/btc` }),
});

/** A pod that asks for one HSM partition (the HSM device plugin's extended resource) on the signers' nodes. */
export function hsmPod(ns: string, image: string): object {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'latency-probe', namespace: ns }, spec: { nodeSelector: { 'tidewell.example/hsm': 'true' }, tolerations: [{ key: 'tidewell.example/custody', operator: 'Exists', effect: 'NoSchedule' }], containers: [{ name: 'probe', image, resources: { limits: { 'tidewell.example/hsm-partition': '1', cpu: '500m', memory: '256Mi' } } }] } };
}

/** A Kyverno PolicyException for one pod name against the image-signature policy. */
export function policyException(ns: string, podName: string): object {
  return { apiVersion: 'kyverno.io/v2', kind: 'PolicyException', metadata: { name: `${podName}-latency`, namespace: ns }, spec: { exceptions: [{ policyName: 'verify-image-signatures', ruleNames: ['check-cosign-signature'] }], match: { any: [{ resources: { kinds: ['Pod'], namespaces: [ns], names: [`${podName}*`] } }] } } };
}

/** A CiliumNetworkPolicy letting the signers reach any address. */
export function ciliumEgressWorld(ns: string): object {
  return { apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name: 'signer-ntp', namespace: ns }, spec: { endpointSelector: { matchLabels: { app: 'hot-signer' } }, egress: [{ toEntities: ['world'] }] } };
}

function attacks25(people: Person[], routine: DayEvent[]): DayEvent[] {
  const out: DayEvent[] = [];
  const { by, add, T, on } = attackKit(out, people, D25_TUE, API);

  // 1. wallet-2 left `kubectl proxy` running; at 15:20 a crypto news page they read opens a
  // WebSocket to ws://localhost:8001 (browsers apply no CORS to WebSockets, and the proxy's
  // default --reject-paths covers exec and attach, not port-forward): the hot signer's admin port.
  // The gateway sees wallet-2's address, their Chrome, their kubectl login's token.
  const w2 = by('wallet-2');
  const v1 = lastScoredOf(routine, w2.name, T(15.33), (x) => x.ua.startsWith('kubectl/'));
  add("a web page's WebSocket through the wallet engineer's open `kubectl proxy` to a hot signer's port-forward", T(15.33), v1.ip, CHROME(w2.os), v1.login, on([
    ['GET', '/api/v1/namespaces/custody-signer/pods/hot-signer-0/portforward?ports=9443', true, CROSS_SITE(w2.os, 'websocket')],
    ['GET', '/api/v1/namespaces/custody-signer/pods/hot-signer-1/portforward?ports=9443', true, CROSS_SITE(w2.os, 'websocket')],
  ]), 3 * S, w2);

  // 2. trade-3's `kubectl proxy` at 11:40: an image tag on a page halts the BTC market on
  // production's matching engine through the service proxy (a GET whose side effect is the point).
  const t3 = by('trade-3');
  const v2 = lastScoredOf(routine, t3.name, T(11.66), (x) => x.ua.startsWith('kubectl/'));
  add("an image tag on a web page halts a market through the trading engineer's open `kubectl proxy` (service proxy)", T(11.66), v2.ip, CHROME(t3.os), v2.login, on([
    ['GET', '/api/v1/namespaces/trading-prod/services/http:matching-admin:8080/proxy/admin/halt?market=BTC-USDT', true, CROSS_SITE(t3.os, 'no-cors')],
    ['GET', '/api/v1/namespaces/trading-prod/services/http:matching-admin:8080/proxy/admin/halt?market=ETH-USDT', true, CROSS_SITE(t3.os, 'no-cors')],
  ]), 1 * S, t3);

  // 3. Malware on wallet-1's laptop at 14:05: `helm get values hot-wallet -n wallet-prod` (Helm's
  // own requests: the release's records by Helm's labels, then the latest record by name), whose
  // values hold the signer's RPC credentials. wallet-1 runs Helm in staging every day.
  const w1 = by('wallet-1');
  const v3 = lastScoredOf(routine, w1.name, T(14.08), (x) => x.ua === HELM || x.ua.startsWith('kubectl/'));
  add("a Helm release's stored record read in production to recover the wallet's values (`helm get values`, wallet laptop)", T(14.08), v3.ip, HELM, v3.login, on([
    ['GET', '/api/v1/namespaces/wallet-prod/secrets?labelSelector=name%3Dhot-wallet%2Cowner%3Dhelm', true],
    ['GET', '/api/v1/namespaces/wallet-prod/secrets/sh.helm.release.v1.hot-wallet.v57', true],
  ]), 1 * S, w1);

  // 4. Malware on trade-2's laptop at 10:25: a pod in trading-staging (where trade-2 opens shells
  // daily) asking for one HSM partition on the signers' nodes, the attacker's image signing with it.
  const t2 = by('trade-2');
  const v4 = lastScoredOf(routine, t2.name, T(10.42), (x) => x.ua.startsWith('kubectl/'));
  add('a pod in trading staging asking for an HSM partition on the signers\' nodes (trading laptop)', T(10.42), v4.ip, v4.ua, v4.login, on([
    ['POST', '/api/v1/namespaces/trading-staging/pods?fieldManager=kubectl-run', true, JSON_CT, JSON.stringify(hsmPod('trading-staging', 'ghcr.io/latency-tools/probe:1.4'))],
  ]), 5 * S, t2);

  // 5. Malware on oncall-amer's home laptop at 21:15: the four-eyes webhook made to fail open
  // (failurePolicy Ignore) and its Service deleted, then the hot wallet's daily withdrawal limit
  // raised with one approver's annotation.
  const am = by('oncall-amer');
  const v5 = lastScoredOf(routine, am.name, T(21.25), (x) => x.ua.startsWith('kubectl/'));
  add("the four-eyes webhook set to fail open and its Service deleted, then the hot wallet's withdrawal limit raised (on-call laptop)", T(21.25), v5.ip, v5.ua, v5.login, on([
    ['GET', '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/withdrawal-guard', false],
    ['PATCH', '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/withdrawal-guard?fieldManager=kubectl-patch', true, { 'content-type': 'application/json-patch+json' }, JSON.stringify([{ op: 'replace', path: '/webhooks/0/failurePolicy', value: 'Ignore' }])],
    ['DELETE', '/api/v1/namespaces/security/services/withdrawal-guard', true],
    ['PATCH', '/apis/wallet.tidewell.example/v1/namespaces/wallet-prod/withdrawallimits/hot-wallet?fieldManager=kubectl-patch', true, MERGE, JSON.stringify({ metadata: { annotations: { 'wallet.tidewell.example/approved-by': 'd25-oncall-amer@tidewell.example' } }, spec: { dailyLimitBtc: '2500' } })],
  ]), 20 * S, am);

  // 6. Malware on trade-4's home laptop at 16:30: a Kyverno PolicyException exempting one pod
  // name from the image-signature policy, then that pod, of an unsigned image, in trading-prod.
  const t4 = by('trade-4');
  const v6 = lastScoredOf(routine, t4.name, T(16.5), (x) => x.ua.startsWith('kubectl/'));
  add('a Kyverno PolicyException exempting a pod from the image-signature policy, then the pod of an unsigned image (trading laptop)', T(16.5), v6.ip, v6.ua, v6.login, on([
    ['POST', '/apis/kyverno.io/v2/namespaces/trading-prod/policyexceptions?fieldManager=kubectl-create', true, JSON_CT, JSON.stringify(policyException('trading-prod', 'book-snapshot'))],
    ['POST', '/api/v1/namespaces/trading-prod/pods?fieldManager=kubectl-run', true, JSON_CT, JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'book-snapshot-1', namespace: 'trading-prod' }, spec: { containers: [{ name: 'snap', image: 'docker.io/bookdump/snap:latest' }] } })],
  ]), 15 * S, t4);

  // 7. Malware on wallet-3's laptop at 11:10: a CiliumNetworkPolicy letting the hot signers reach
  // the whole Internet (named for NTP).
  const w3 = by('wallet-3');
  const v7 = lastScoredOf(routine, w3.name, T(11.16), (x) => x.ua.startsWith('kubectl/'));
  add("a CiliumNetworkPolicy opening the hot signers' egress to the whole Internet (wallet laptop)", T(11.16), v7.ip, v7.ua, v7.login, on([
    ['GET', '/apis/cilium.io/v2/namespaces/custody-signer/ciliumnetworkpolicies', false],
    ['POST', '/apis/cilium.io/v2/namespaces/custody-signer/ciliumnetworkpolicies?fieldManager=kubectl-create', true, JSON_CT, JSON.stringify(ciliumEgressWorld('custody-signer'))],
  ]), 10 * S, w3);
  return out;
}

