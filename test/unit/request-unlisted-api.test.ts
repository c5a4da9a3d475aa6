import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { compileHostMatcher, type UnlistedApiRequests } from '../../src/core/glob.js';
import { buildAttributes } from '../../src/request/build.js';
import { mayBeApiPath } from '../../src/request/unlisted-api.js';
import { RequestHeaders } from '../../src/request/headers.js';
import { buildRuntime } from '../../src/pipeline/runtime.js';
import { configProblems } from '../support/config.js';

/**
 * Kubernetes API requests on a host that kubernetes.hosts does not list (issue 12, session 47):
 * request/unlisted-api.ts reads their shape, kubernetes.unlisted_api_requests says what becomes of
 * them. And the config's host lists, normalised as requests' hosts are (config/schema/common.ts
 * hostPattern), so that an entry written another way still names its host.
 */

const KUBECTL = 'kubectl/v1.35.0 (linux/amd64) kubernetes/66452049';
const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36';

const matcher = (mode?: UnlistedApiRequests) => compileHostMatcher(
  ['kube.example.com'],
  [{ hosts: ['headlamp.example.com'], prefix: '/clusters/*' }],
  [],
  [{ hosts: ['dashboard.example.com'], api: 'kubernetes-dashboard' }, { hosts: ['argo.example.com'], api: 'argo-server' }],
  mode,
);

function build(host: string, target: string, headers: Record<string, string> = {}, opts: { mode?: UnlistedApiRequests; method?: string; context?: Record<string, string> } = {}) {
  return buildAttributes(
    { method: opts.method ?? 'GET', target, authority: host, scheme: 'https', headers: RequestHeaders.of(Object.entries({ 'user-agent': BROWSER, accept: 'application/json', ...headers })), sourceAddress: '10.0.0.1', sourcePrincipal: '', contextExtensions: opts.context ?? {}, body: undefined, bodyTruncated: false },
    [],
    matcher(opts.mode),
  );
}

const DEPS = { fetch: () => Promise.reject(new Error('no network in a unit test')), now: () => 0, env: {} };

const refused = (built: ReturnType<typeof build>) => (built.ok ? undefined : built.reason);

describe('an API server path on a host kubernetes.hosts lacks is refused (kubernetes_host_unlisted), whatever the client sends', () => {
  // The spellings a gateway's wildcard, IP or in-mesh route reaches the API server by.
  it.each([
    ['10.96.0.1', '/api/v1/namespaces/kube-system/secrets'],
    ['10.96.0.1:6443', '/api/v1/namespaces/kube-system/secrets/bootstrap-token-abc'],
    ['kubernetes.default.svc', '/api/v1/secrets'],
    ['kubernetes.default.svc.cluster.local.', '/api/v1/namespaces/prod/pods/db-0/exec?command=sh'],
    ['k8s-prod.example.com', '/api/v1/nodes/cp-1/proxy/logs/'],
    ['[fd00::1]:443', '/api/v1/namespaces'],
    ['xn--kbe-hoa.example.com', '/api/v1/namespaces/prod'],
    ['api.example.com', '/api/v1/watch/namespaces/prod/secrets'],
    ['api.example.com', '/api/v1/persistentvolumes/pv-1'],
    ['api.example.com', '/apis/apps/v1/namespaces/prod/deployments/web'],
    ['api.example.com', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings'],
    ['api.example.com', '/apis/gateway.networking.k8s.io/v1/namespaces/prod/httproutes'],
    ['api.example.com', '/apis/batch'],
    // Decoded as kube-apiserver decodes it before routing.
    ['api.example.com', '/%61pi/v1/namespaces/prod/secrets'],
    ['api.example.com', '/api/v1/namespaces/prod/%73ecrets'],
    ['api.example.com', '//api/v1/secrets'],
    // Absolute-form: Envoy routes by the authority it names, which must be the same host.
    ['10.96.0.1', 'https://10.96.0.1/api/v1/secrets'],
  ])('%s %s', (host, target) => {
    const built = build(host, target);
    expect(refused(built)).toBe('kubernetes_host_unlisted');
    expect(!built.ok && built.detail).toContain(`on host "${host.replace(/:\d+$/, '').replace(/\.$/, '')}"`);
  });

  it('in any method letter case the refusal is the same', () => {
    expect(refused(build('10.96.0.1', '/api/v1/namespaces/prod/secrets', {}, { method: 'delete' }))).toBe('kubernetes_host_unlisted');
  });
});

describe("a Kubernetes client's headers on an API server path another server could serve", () => {
  it.each([
    ['user agent kubectl', '/api', { 'user-agent': KUBECTL }],
    ['user agent client-go', '/apis', { 'user-agent': 'helm/v3.16.2 (linux/amd64) kubernetes/$Format' }],
    ['user agent client-go', '/version', { 'user-agent': 'argocd-application-controller/v2.13.0 (linux/amd64) kubernetes/abc1234' }],
    ['protobuf Accept', '/apis/argoproj.io/v1alpha1/namespaces/argo/workflows', { accept: 'application/vnd.kubernetes.protobuf, application/json' }],
    ['Table Accept', '/apis/cert-manager.io/v1/certificates', { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' }],
    ['protobuf Content-Type', '/api/v1/namespaces/prod/widgets', { 'content-type': 'Application/VND.kubernetes.protobuf' }],
    ['server-side apply', '/apis/example.com/v1/namespaces/prod/things/x', { 'content-type': 'application/apply-patch+yaml' }],
    ['strategic merge patch', '/apis/example.com/v1/namespaces/prod/things/x', { 'content-type': 'application/strategic-merge-patch+json' }],
    ['WebSocket exec subprotocol', '/api/v1/namespaces/prod/widgets/x', { 'sec-websocket-protocol': 'v5.channel.k8s.io' }],
    ['WebSocket bearer subprotocol', '/apis/example.com/v1/things', { 'sec-websocket-protocol': 'base64url.bearer.authorization.k8s.io.ZXlK' }],
    ['impersonation', '/apis/example.com/v1/things', { 'impersonate-user': 'system:admin' }],
    ['OpenAPI', '/openapi/v3', { 'user-agent': KUBECTL }],
  ])('%s: %s', (_what, target, headers) => {
    expect(refused(build('api.example.com', target, headers))).toBe('kubernetes_host_unlisted');
    // Without them the same path is a web request.
    expect(build('api.example.com', target).ok).toBe(true);
  });
});

describe("no false positive: dashboards' and tools' own API paths stay web requests", () => {
  it.each([
    // Prometheus, Thanos, Mimir
    '/api/v1/query?query=up', '/api/v1/query_range?query=up&start=1&end=2&step=15', '/api/v1/labels', '/api/v1/label/job/values',
    '/api/v1/series?match[]=up', '/api/v1/targets', '/api/v1/rules', '/api/v1/alerts', '/api/v1/status/config', '/api/v1/metadata',
    '/api/v1/admin/tsdb/snapshot',
    // Alertmanager
    '/api/v1/silences', '/api/v2/alerts',
    // Grafana, its Prometheus datasource proxy and its Kubernetes-style app platform API
    '/api/dashboards/uid/abc', '/api/search?query=x', '/api/datasources/proxy/uid/prom/api/v1/query', '/apis/dashboard.grafana.app/v1beta1/namespaces/default/dashboards',
    '/apis/folder.grafana.app/v1beta1/namespaces/default/folders/x', '/apis',
    // Argo CD, Argo Workflows (its webhook names events after the namespace), the Kubernetes Dashboard
    '/api/v1/applications/payments', '/api/v1/clusters', '/api/v1/session', '/api/v1/projects', '/api/v1/workflows/argo',
    '/api/v1/events/argo/github', '/api/v1/info', '/api/v1/secret/prod/db', '/api/v1/namespace', '/api/v1/pod/prod',
    // Gitea, Harbor, Loki, docs
    '/api/v1/repos/o/r', '/api/v1/users/search', '/api/v2.0/projects', '/loki/api/v1/query', '/apiary', '/api-docs', '/versions', '/', '/login',
  ])('%s', (target) => {
    const built = build('grafana.example.com', target);
    expect(built.ok, built.ok ? '' : built.detail).toBe(true);
    expect(built.ok && built.attributes.unlistedApi).toBeUndefined();
    expect(built.ok && built.attributes.kube).toBeUndefined();
  });

  it("a dashboard's host (kubernetes.proxies, kubernetes.web_apis) keeps its own reading", () => {
    for (const host of ['headlamp.example.com', 'dashboard.example.com', 'argo.example.com']) {
      const built = build(host, '/api/v1/namespaces/prod/secrets', { 'user-agent': KUBECTL });
      expect(refused(built), host).toBeUndefined();
    }
  });

  it('a route tagged stepgate.kubernetes "false" is the operator\'s word: a web request', () => {
    const built = build('api.example.com', '/api/v1/namespaces/prod/secrets', { 'user-agent': KUBECTL }, { context: { 'stepgate.kubernetes': 'false' } });
    expect(built.ok && built.attributes.kube).toBeUndefined();
  });

  it('a listed host is read as before, and carries no unlisted mark', () => {
    const built = build('KUBE.example.com.:6443', '/api/v1/namespaces/prod/secrets', { 'user-agent': KUBECTL });
    expect(built.ok && built.attributes.kube?.resource).toBe('secrets');
    expect(built.ok && built.attributes.unlistedApi).toBeUndefined();
  });
});

describe('mayBeApiPath: the check every web request meets, before anything is allocated', () => {
  it.each([['/api', true], ['/api/', true], ['/api/v1/query', true], ['/apis', true], ['/apis/apps/v1', true], ['/version', true], ['/openapi/v2', true],
    ['/api/ds/query', false], ['/api/dashboards/uid/x', false], ['/apiary', false], ['/api-docs', false], ['/', false], ['/d/k8s-workloads', false]] as const)('%s: %s', (path, want) => {
    expect(mayBeApiPath(path)).toBe(want);
  });
});

describe('kubernetes.unlisted_api_requests', () => {
  it('judge: read as the Kubernetes request it is, and marked', () => {
    const built = build('10.96.0.1', '/api/v1/namespaces/kube-system/secrets/admin', {}, { mode: 'judge' });
    expect(built.ok).toBe(true);
    if (!built.ok) return;
    expect(built.attributes.kube).toMatchObject({ verb: 'get', resource: 'secrets', namespace: 'kube-system', name: 'admin' });
    expect(built.attributes.unlistedApi).toBe('path /api/v1/namespaces/kube-system/secrets/admin');
  });

  it('judge: read as strictly as on a listed host', () => {
    expect(build('10.96.0.1', '/api/v1/namespaces//secrets', {}, { mode: 'judge' })).toMatchObject({ ok: false });
    expect(build('10.96.0.1', '/api/v1/namespaces/prod/secrets', {}, { mode: 'judge', method: 'get' })).toMatchObject({ ok: false, detail: 'method is not upper-case on a Kubernetes host' });
  });

  it('allow: a web request as before, marked for the log', () => {
    const built = build('10.96.0.1', '/api/v1/secrets', {}, { mode: 'allow' });
    expect(built.ok && built.attributes.kube).toBeUndefined();
    expect(built.ok && built.attributes.unlistedApi).toBe('path /api/v1/secrets');
  });

  const VALID = 'issuers:\n  - issuer: https://idp.example.com\n    audiences: [kubernetes]\nassurance:\n  levels:\n    - name: aal1\n      acr: [a1]\npolicy:\n  default:\n    require: aal1\n';

  it('defaults to refuse, and takes only refuse, judge or allow', () => {
    expect(parseConfig(VALID, 'c.yaml').kubernetes.unlisted_api_requests).toBe('refuse');
    expect(parseConfig(`${VALID}kubernetes:\n  unlisted_api_requests: judge\n`, 'c.yaml').kubernetes.unlisted_api_requests).toBe('judge');
    expect(configProblems(`${VALID}kubernetes:\n  unlisted_api_requests: warn\n`, 'c.yaml')[0]).toMatchObject({ field: 'kubernetes.unlisted_api_requests', line: 12 });
  });

  it('reaches the runtime', () => {
    const rt = buildRuntime(parseConfig(`${VALID}kubernetes:\n  unlisted_api_requests: allow\n`, 'c.yaml'), DEPS);
    expect(rt.kubeHosts.unlistedApiRequests).toBe('allow');
  });
});

describe('host lists in the config are matched as requests are', () => {
  const VALID = 'issuers:\n  - issuer: https://idp.example.com\n    audiences: [kubernetes]\nassurance:\n  levels:\n    - name: aal1\n      acr: [a1]\npolicy:\n  default:\n    require: aal1\n';
  const kubeOf = (hosts: string, host: string) => {
    const rt = buildRuntime(parseConfig(`${VALID}kubernetes:\n  hosts: ${hosts}\n  unlisted_api_requests: allow\n`, 'c.yaml'), DEPS);
    const built = buildAttributes({ method: 'GET', target: '/api/v1/namespaces/prod/secrets', authority: host, scheme: 'https', headers: RequestHeaders.of([]), sourceAddress: '10.0.0.1', sourcePrincipal: '', contextExtensions: {}, body: undefined, bodyTruncated: false }, [], rt.kubeHosts);
    return built.ok ? built.attributes.kube?.resource : built.detail;
  };

  // Each entry names its host to DNS and to the gateway; before, it matched no request at all.
  it.each([
    ['[kube.example.com.]', 'kube.example.com'],
    ['["KUBE.Example.COM."]', 'kube.example.com:443'],
    ['["*.example.com."]', 'kube.example.com'],
    ['[kübe.example.com]', 'xn--kbe-hoa.example.com'],
    ['["*.kübe.example"]', 'api.xn--kbe-hoa.example'],
    ['["[FD00::1]"]', '[fd00::1]:6443'],
  ])('%s names %s', (hosts, host) => {
    expect(kubeOf(hosts, host)).toBe('secrets');
  });

  it.each([
    ['kube.example.com:6443', /no port/],
    ['https://kube.example.com', /without scheme/],
    ['kube.example.com/api', /without scheme/],
    ['fd00::1', /in brackets/],
    ['"[fd00::1]:6443"', /in brackets, without port/],
    ['kube..example.com', /empty label/],
  ])('%s is refused at startup', (entry, message) => {
    for (const key of ['hosts: [E]', 'clusters: [{ name: a, hosts: [E] }]', 'proxies: [{ hosts: [E], prefix: /x }]', 'web_apis: [{ hosts: [E], api: rancher }]']) {
      const problems = configProblems(`${VALID}kubernetes:\n  ${key.replace('E', entry)}\n`, 'c.yaml');
      expect(problems[0]!.message, key).toMatch(message);
      expect(problems[0]!.field, key).toMatch(/^kubernetes\.\w+(\[0\]\.hosts)?\[0\]$/);
    }
  });

  it("a rule's match.hosts and access_proxy.hosts too", () => {
    const policy = `issuers:\n  - issuer: https://idp.example.com\n    audiences: [kubernetes]\nassurance:\n  levels:\n    - name: aal1\n      acr: [a1]\npolicy:\n  default:\n    require: aal1\n  rules:\n    - name: grafana\n      match: { hosts: [Grafana.Example.com.] }\n      deny: true\n`;
    expect(parseConfig(policy, 'c.yaml').policy.rules[0]!.match.hosts).toEqual(['grafana.example.com']);
    expect(configProblems(policy.replace('Grafana.Example.com.', 'grafana.example.com:3000'), 'c.yaml')[0]).toMatchObject({ field: 'policy.rules[0].match.hosts[0]' });
  });
});
