import { describe, expect, it } from 'vitest';
import { compileHostMatcher } from '../../src/core/glob.js';
import { buildAttributes, type BuiltRequest } from '../../src/request/build.js';
import { RequestHeaders } from '../../src/request/headers.js';
import { argoCdRootless, readArgoCd } from '../../src/request/web-apis-argocd.js';
import { decodeObjectRequest, decodePodLogsQuery, grpcMessage, OBJECT_REQUESTS } from '../../src/request/web-apis-argocd-grpc.js';

/**
 * kubernetes.web_apis api `argo-cd` (request/web-apis-argocd.ts), through buildAttributes: the
 * routes that name one live object are the API server request Argo CD makes for them; the rest
 * (the application, its sync, diff and tree) stay web requests for the host's path rules.
 */

const hosts = compileHostMatcher(['kube.example'], [], [{ name: 'hub', hosts: ['argocd-hub.example'] }], [{ hosts: ['argocd.example', 'argocd-hub.example'], api: 'argo-cd' }]);
const build = (method: string, target: string, body?: string, host = 'argocd.example', truncated = false): BuiltRequest =>
  buildAttributes({ method, target, authority: host, scheme: 'https', headers: RequestHeaders.of([['content-type', 'application/json']]), sourceAddress: '10.0.0.1', sourcePrincipal: '', contextExtensions: {}, body, bodyTruncated: truncated }, [], hosts);

const res = (q: string) => `/api/v1/applications/guestbook/resource?${q}`;
const DEPLOY = 'namespace=kube-system&resourceName=coredns&version=v1&group=apps&kind=Deployment';

type Row = [method: string, target: string, verb: string, group: string, resource: string, subresource: string, namespace: string, name: string, body?: string];

describe('argo-cd: readings', () => {
  it.each<Row>([
    ['GET', '/terminal?pod=coredns-5d78c9869d-abcde&namespace=kube-system&container=coredns&appName=dns&projectName=default', 'create', '', 'pods', 'exec', 'kube-system', 'coredns-5d78c9869d-abcde'],
    ['GET', '/terminal?appName=dns&projectName=default&namespace=prod-eu&pod=web-0&container=app&shell=bash', 'create', '', 'pods', 'exec', 'prod-eu', 'web-0'],
    ['DELETE', res(DEPLOY), 'delete', 'apps', 'deployments', '', 'kube-system', 'coredns'],
    ['DELETE', res('namespace=&resourceName=cluster-admin&version=v1&group=rbac.authorization.k8s.io&kind=ClusterRoleBinding'), 'delete', 'rbac.authorization.k8s.io', 'clusterrolebindings', '', '', 'cluster-admin'],
    ['GET', res('namespace=prod-eu&resourceName=app-config&version=v1&group=&kind=ConfigMap'), 'get', '', 'configmaps', '', 'prod-eu', 'app-config'],
    ['POST', `${res(DEPLOY)}&patchType=application%2Fmerge-patch%2Bjson`, 'patch', 'apps', 'deployments', '', 'kube-system', 'coredns', JSON.stringify('{"spec":{"replicas":0}}')],
    ['POST', '/api/v1/applications/guestbook/resource/actions/v2', 'patch', 'apps', 'deployments', '', 'prod-eu', 'web', JSON.stringify({ namespace: 'prod-eu', resourceName: 'web', version: 'v1', group: 'apps', kind: 'Deployment', action: 'restart' })],
    ['POST', `/api/v1/applications/guestbook/resource/actions?${DEPLOY}`, 'patch', 'apps', 'deployments', '', 'kube-system', 'coredns', JSON.stringify('restart')],
    // A custom kind: the plural kubectl would guess.
    ['POST', '/api/v1/applications/guestbook/resource/actions/v2', 'patch', 'argoproj.io', 'rollouts', '', 'prod-eu', 'web', JSON.stringify({ Namespace: 'prod-eu', resourceName: 'web', version: 'v1alpha1', group: 'argoproj.io', kind: 'Rollout', action: 'promote-full' })],
    ['GET', '/api/v1/applications/guestbook/pods/web-0/logs?namespace=prod-eu&container=app&follow=true', 'get', '', 'pods', 'log', 'prod-eu', 'web-0'],
    ['GET', '/api/v1/applications/guestbook/logs?namespace=dev&podName=web-0&container=app', 'get', '', 'pods', 'log', 'dev', 'web-0'],
    ['GET', '/api/v1/applications/guestbook/logs?namespace=dev&kind=Deployment&group=apps&resourceName=web', 'get', '', 'pods', 'log', 'dev', 'web'],
    // Under a root path (argocd-server --rootpath, or an ingress's UI base path): Argo CD strips it.
    ['GET', '/argo-cd/terminal?pod=coredns-5d78c9869d-abcde&namespace=kube-system&container=coredns&appName=dns&projectName=default', 'create', '', 'pods', 'exec', 'kube-system', 'coredns-5d78c9869d-abcde'],
    ['DELETE', `/tools/argo-cd${res(DEPLOY)}`, 'delete', 'apps', 'deployments', '', 'kube-system', 'coredns'],
    ['GET', '/argo-cd/api/v1/applications/guestbook/pods/web-0/logs?namespace=prod-eu', 'get', '', 'pods', 'log', 'prod-eu', 'web-0'],
  ])('%s %s', (method, target, verb, group, resource, sub, ns, name, body = undefined) => {
    const b = build(method, target, body);
    expect(b.ok, JSON.stringify(b)).toBe(true);
    if (!b.ok) return;
    const k = b.attributes.kube;
    expect({ verb: k?.verb, group: k?.apiGroup, resource: k?.resource, sub: k?.subresource, ns: k?.namespace, name: k?.name }).toEqual({ verb, group, resource, sub, ns, name });
    // The path names no cluster: the host's (unnamed here).
    expect(b.attributes.cluster).toBe('');
  });

  it('a patch is judged as the patch it carries, in the type its patchType names', () => {
    const patch = '{"spec":{"template":{"spec":{"containers":[{"name":"c","securityContext":{"privileged":true}}]}}}}';
    const b = build('POST', `${res(DEPLOY)}&patchType=application%2Fstrategic-merge-patch%2Bjson`, JSON.stringify(patch));
    expect(b.ok && b.attributes.body).toBe(patch);
    expect(b.ok && b.attributes.bodyType).toBe('application/strategic-merge-patch+json');
    // The request's own headers stay the client's.
    expect(b.ok && b.attributes.headers.get('content-type')).toBe('application/json');
  });

  it("the built-in restart is the annotation kubectl rollout restart writes; any other action's change is unseen", () => {
    const restart = build('POST', `/api/v1/applications/guestbook/resource/actions?${DEPLOY}`, JSON.stringify('restart'));
    expect(restart.ok && restart.attributes.unseen).toBeUndefined();
    expect(restart.ok && restart.attributes.body).toContain('kubectl.kubernetes.io/restartedAt');
    const custom = build('POST', `/api/v1/applications/guestbook/resource/actions?${DEPLOY}`, JSON.stringify('scale-to-zero'));
    expect(custom.ok && custom.attributes.unseen).toMatch(/resource action "scale-to-zero"/);
    // v1 with its body (the action's name) not received: the object is the query's, the change unseen.
    const nameless = build('POST', `/api/v1/applications/guestbook/resource/actions?${DEPLOY}`);
    expect(nameless.ok && nameless.attributes.kube?.namespace).toBe('kube-system');
    expect(nameless.ok && nameless.attributes.unseen).toMatch(/was not received/);
    // v2 names its object in the body: without one there is nothing to judge.
    expect(build('POST', '/api/v1/applications/guestbook/resource/actions/v2').ok).toBe(false);
    // restart of something that is no built-in workload is an action like any other.
    const cron = build('POST', `/api/v1/applications/guestbook/resource/actions?namespace=prod&resourceName=nightly&version=v1&group=batch&kind=CronJob`, JSON.stringify('restart'));
    expect(cron.ok && cron.attributes.unseen).toBeDefined();
  });

  it("a host listed under kubernetes.clusters is that cluster's", () => {
    const b = build('DELETE', res(DEPLOY), undefined, 'argocd-hub.example');
    expect(b.ok && b.attributes.cluster).toBe('hub');
  });

  it('a patch whose body was cut is left to the guardrails as it came', () => {
    const b = build('POST', `${res(DEPLOY)}&patchType=application%2Fmerge-patch%2Bjson`, '"{', 'argocd.example', true);
    expect(b.ok && b.attributes.kube?.verb).toBe('patch');
    expect(b.ok && b.attributes.bodyType).toBeUndefined();
  });
});

describe('argo-cd: web requests', () => {
  it.each([
    ['GET', '/api/v1/applications'],
    ['GET', '/api/v1/applications/guestbook'],
    ['POST', '/api/v1/applications/guestbook/sync'],
    ['POST', '/api/v1/applications/guestbook/rollback'],
    ['GET', '/api/v1/applications/guestbook/managed-resources'],
    ['GET', '/api/v1/applications/guestbook/resource-tree'],
    ['GET', '/api/v1/applications/guestbook/resource/actions?namespace=dev&resourceName=web&version=v1&group=apps&kind=Deployment'],
    // Argo CD masks a Secret's values before answering.
    ['GET', res('namespace=argocd&resourceName=argocd-secret&version=v1&group=&kind=Secret')],
    ['GET', '/api/v1/projects'],
    ['POST', '/application.ApplicationService/List'],
    // Under a root path, the UI's page of an application named `terminal` names no pod (terminal.go answers 400 without one).
    ['GET', '/argo-cd/applications/argocd/terminal?view=tree'],
    ['POST', '/argo-cd/application.ApplicationService/List'],
  ])('%s %s stays a web request', (method, target) => {
    const b = build(method, target, method === 'GET' ? undefined : '{}');
    expect(b.ok, JSON.stringify(b)).toBe(true);
    expect(b.ok && b.attributes.kube).toBeUndefined();
  });
});

describe('argo-cd: refused', () => {
  it.each<[string, string, string?]>([
    // The object-level methods over gRPC: their target is in a protobuf body.
    ['POST', '/application.ApplicationService/PatchResource', '\0\0\0\0\x10'],
    ['POST', '/application.ApplicationService/DeleteResource'],
    ['POST', '/application.ApplicationService/RunResourceActionV2'],
    ['POST', '/application.ApplicationService/GetResource'],
    // A terminal whose target cannot be read one way.
    ['GET', '/terminal?pod=web-0&namespace=dev&namespace=kube-system&container=app'],
    ['GET', '/terminal?pod=web-0&container=app'],
    ['GET', '/terminal?pod=web-0&namespace=Kube_System&container=app'],
    // A field twice, a name that is no object name, an unknown patch type, a body that is no JSON string.
    ['DELETE', res(`${DEPLOY}&namespace=dev`)],
    ['DELETE', res('namespace=dev&resourceName=a%2Fb&version=v1&group=apps&kind=Deployment')],
    ['DELETE', res('namespace=dev&resourceName=web&version=v1&group=apps')],
    ['POST', `${res(DEPLOY)}&patchType=application%2Fjson`, JSON.stringify('{}')],
    ['POST', `${res(DEPLOY)}&patchType=application%2Fmerge-patch%2Bjson`, '{"spec":{}}'],
    ['POST', '/api/v1/applications/guestbook/resource/actions/v2', JSON.stringify({ namespace: 'dev', namespacE: 'kube-system', resourceName: 'web', version: 'v1', group: 'apps', kind: 'Deployment', action: 'restart' })],
    ['POST', '/api/v1/applications/guestbook/resource/actions/v2', 'not json'],
    // Logs with no namespace would be every namespace the application reaches.
    ['GET', '/api/v1/applications/guestbook/logs?podName=web-0'],
    ['GET', '/api/v1/applications/guestbook//resource'],
    // The same under a root path (grpc-web through withRootPath's StripPrefix reaches the same method).
    ['POST', '/argo-cd/application.ApplicationService/PatchResource', '\0\0\0\0\x10'],
    ['GET', '/argo-cd/terminal?pod=web-0&container=app'],
    ['POST', `/argo-cd${res(DEPLOY)}&patchType=application%2Fjson`, JSON.stringify('{}')],
  ])('%s %s', (method, target, body) => {
    const b = build(method, target, body);
    expect(b.ok, JSON.stringify(b)).toBe(false);
  });

  it("a form POST under /api/v1/ (grpc-gateway's path-length fallback runs it as another method's handler); Dex's login form and the webhook are not grpc-gateway's", () => {
    const form = (target: string, type = 'application/x-www-form-urlencoded') =>
      buildAttributes({ method: 'POST', target, authority: 'argocd.example', scheme: 'https', headers: RequestHeaders.of([['content-type', type]]), sourceAddress: '10.0.0.1', sourcePrincipal: '', contextExtensions: {}, body: 'namespace=kube-system', bodyTruncated: false }, [], hosts);
    // PodLogs of a kube-system pod; Delete (or Update) of the Application; a project's delete.
    for (const target of ['/api/v1/applications/guestbook/pods/kube-apiserver-0/logs?namespace=dev', '/api/v1/applications/guestbook', '/api/v1/projects/default', '/argo-cd/api/v1/clusters/https%3A%2F%2Fkubernetes.default.svc']) {
      const b = form(target);
      expect(b.ok, target).toBe(false);
      expect(!b.ok && b.detail).toContain('path-length fallback');
    }
    expect(form('/api/v1/applications/guestbook', 'Application/X-WWW-Form-Urlencoded; charset=utf-8').ok).toBe(false);
    expect(form('/api/dex/auth/local/login?back=&state=x').ok).toBe(true);
    expect(form('/api/webhook').ok).toBe(true);
    // A JSON POST to the same paths is what the UI sends.
    // (Not the sync: since review45 its JSON body is read, and this one is none.)
    expect(form('/api/v1/applications/guestbook/rollback', 'application/json').ok).toBe(true);
  });

  it("Go's query reading: a pair with a semicolon is dropped, so the terminal's namespace is the other pair's", () => {
    // Go (1.17+) drops `namespace=dev;x`; URLSearchParams would read it first.
    const r = readArgoCd('GET', '/terminal', 'pod=web-0&namespace=dev;x&namespace=kube-system&container=app', () => undefined);
    expect(r).toMatchObject({ kind: 'kube', path: expect.stringContaining('/namespaces/kube-system/pods/web-0/exec') });
  });
});

/** A protobuf string field (field numbers < 16, strings < 128 bytes: one-byte tag and length). */
const pbStr = (n: number, v: string): number[] => [(n << 3) | 2, Buffer.byteLength(v), ...Buffer.from(v)];
const pbVarint = (n: number, v: number): number[] => [n << 3, v];
const frame = (msg: number[], flag = 0): Uint8Array => Uint8Array.from([flag, 0, 0, msg.length >> 8, msg.length & 0xff, ...msg]);
/** What `argocd app logs payments-dev --kind Pod --name web-0 --namespace <ns> -c web` sends (ApplicationPodLogsQuery). */
const cliLogs = (ns: string, extra: number[] = []): number[] => [...pbStr(1, 'payments-dev'), ...pbStr(2, ns), ...pbStr(4, 'web'), ...pbVarint(7, 100), ...pbVarint(8, 1), ...pbStr(11, 'Pod'), ...pbStr(12, ''), ...pbStr(13, 'web-0'), ...pbStr(15, 'argocd'), ...extra];

describe('argo-cd: PodLogs over gRPC (argocd app logs), its ApplicationPodLogsQuery read', () => {
  const grpcBuild = (body: Uint8Array | string | undefined, type = 'application/grpc', target = '/application.ApplicationService/PodLogs', truncated = false): BuiltRequest =>
    buildAttributes({ method: 'POST', target, authority: 'argocd.example', scheme: 'https', headers: RequestHeaders.of([['content-type', type], ['te', 'trailers']]), sourceAddress: '10.0.0.1', sourcePrincipal: '', contextExtensions: {}, body, bodyTruncated: truncated }, [], hosts);

  it.each<[string, Uint8Array | string, string, string, string]>([
    ['gRPC, resourceName', frame(cliLogs('kube-system')), 'application/grpc', 'kube-system', 'web-0'],
    ['gRPC, podName over resourceName (PodLogs: a podName replaces kind and resourceName)', frame([...pbStr(1, 'a'), ...pbStr(2, 'dev'), ...pbStr(3, 'web-1'), ...pbStr(13, 'web')]), 'application/grpc+proto', 'dev', 'web-1'],
    ['gRPC-web', frame(cliLogs('dev')), 'application/grpc-web+proto', 'dev', 'web-0'],
    ['gRPC-web-text (base64)', Buffer.from(frame(cliLogs('prod-eu'))).toString('base64'), 'application/grpc-web-text', 'prod-eu', 'web-0'],
    ['an unknown field (gogo keeps it aside) and sinceTime (a message)', frame(cliLogs('dev', [...pbStr(6, '\x08\x01'), 0xf8, 0x01, 0x01])), 'application/grpc', 'dev', 'web-0'],
    ['the bytes as a string body (Envoy without pack_as_bytes; all ASCII)', Buffer.from(frame(cliLogs('dev'))).toString('latin1'), 'application/grpc', 'dev', 'web-0'],
  ])('%s: a get of pods/log in its namespace', (_what, body, type, ns, name) => {
    const b = grpcBuild(body, type);
    expect(b.ok, JSON.stringify(b)).toBe(true);
    expect(b.ok && b.attributes.kube).toMatchObject({ verb: 'get', resource: 'pods', subresource: 'log', namespace: ns, name });
  });

  it.each<[string, Uint8Array | string | undefined, string?, boolean?]>([
    ['no body', undefined],
    ['a cut body', frame(cliLogs('dev')), 'application/grpc', true],
    ['the compressed flag', frame(cliLogs('dev'), 1)],
    ['two messages', Uint8Array.from([...frame(cliLogs('dev')), ...frame(cliLogs('kube-system'))])],
    ['a length past the end', frame(cliLogs('dev')).subarray(0, 20)],
    ['trailing bytes after the message', Uint8Array.from([...frame(cliLogs('dev')), 0])],
    ['no namespace (every namespace the application reaches)', frame([...pbStr(1, 'a'), ...pbStr(13, 'web-0')])],
    ["the CLI's empty namespace", frame(cliLogs(''))],
    ['the namespace twice (proto2 would keep the last)', frame(cliLogs('dev', pbStr(2, 'kube-system')))],
    ['the pod twice', frame(cliLogs('dev', pbStr(13, 'etcd-0')))],
    ['matchCase (a bool) as an empty string (wrong wire type)', frame([0x8a, 0x01, 0, ...cliLogs('dev')])],
    ['the namespace as a varint (wrong wire type)', frame([...pbStr(13, 'web-0'), ...pbVarint(2, 1)])],
    ['an unknown field as a group (wire type 3)', frame([...cliLogs('dev'), 0xa3, 0x01, 0xa4, 0x01])],
    ['wire type 7', frame([...cliLogs('dev'), 0xa7, 0x01])],
    ['field number 0', frame([...cliLogs('dev'), 0x02, 0x00])],
    ['a name with a slash', frame([...pbStr(2, 'dev'), ...pbStr(3, '../secrets/x')])],
    ['a string that lost bytes (U+FFFD)', `\0\0\0\0\x05${String.fromCharCode(0x12, 3)}d\uFFFDv`],
    ['grpc-web-text that is not plain base64', `${Buffer.from(frame(cliLogs('dev'))).toString('base64')}\n`, 'application/grpc-web-text'],
    ['another content type', frame(cliLogs('dev')), 'application/json'],
  ])('%s: request_invalid', (_what, body, type = 'application/grpc', truncated = false) => {
    const b = grpcBuild(body, type, undefined, truncated);
    expect(b.ok, JSON.stringify(b)).toBe(false);
  });

  it("the object-level methods refuse a PodLogs query (its fields are not theirs); PodLogs under a root path is read too", () => {
    for (const rpc of ['GetResource', 'PatchResource', 'DeleteResource', 'RunResourceAction', 'RunResourceActionV2']) {
      expect(grpcBuild(frame(cliLogs('dev')), 'application/grpc', `/application.ApplicationService/${rpc}`).ok, rpc).toBe(false);
    }
    const b = grpcBuild(frame(cliLogs('kube-system')), 'application/grpc-web', '/argo-cd/application.ApplicationService/PodLogs');
    expect(b.ok && b.attributes.kube).toMatchObject({ verb: 'get', subresource: 'log', namespace: 'kube-system', name: 'web-0' });
  });
});

describe('argo-cd gRPC: the framing and the message, read exactly (web-apis-argocd-grpc.ts)', () => {
  it('one message and nothing after it; not two, not one cut', () => {
    const one = frame(cliLogs('dev'));
    expect(grpcMessage(one, 'grpc')).toEqual(Uint8Array.from(cliLogs('dev')));
    expect(grpcMessage(Uint8Array.from([...one, ...frame(cliLogs('kube-system'))]), 'grpc')).toBeUndefined();
    expect(grpcMessage(one.subarray(0, one.length - 1), 'grpc')).toBeUndefined();
    expect(grpcMessage(Uint8Array.of(0, 0, 0, 0), 'grpc')).toBeUndefined();
    expect(grpcMessage(Uint8Array.of(0, 0, 0, 0, 0), 'grpc')).toEqual(new Uint8Array(0));
  });

  it('each field once, in its wire type; podName, resourceName and namespace kept', () => {
    expect(decodePodLogsQuery(Uint8Array.from(cliLogs('dev')))).toEqual({ namespace: 'dev', resourceName: 'web-0' });
    expect(decodePodLogsQuery(Uint8Array.from([...pbStr(3, 'p'), ...pbStr(2, 'dev')]))).toEqual({ podName: 'p', namespace: 'dev' });
    expect(decodePodLogsQuery(Uint8Array.from([(8 << 3) | 1, 1, 0, 0, 0, 0, 0, 0, 0, ...pbStr(2, 'dev')]))).toBeUndefined();
    expect(decodePodLogsQuery(Uint8Array.from([(6 << 3) | 0, 1, ...pbStr(2, 'dev')]))).toBeUndefined();
  });
});

/**
 * What the `argocd` CLI sends for an object-level method: the message's fields in field order as
 * the gogo-generated Marshal writes them (1 name … 6 kind, then the method's own).
 */
const cliObject = (ns: string, name: string, kind: string, group: string, rest: number[] = [], version = 'v1'): number[] => [
  ...pbStr(1, 'payments-dev'),
  ...pbStr(2, ns),
  ...pbStr(3, name),
  ...pbStr(4, version),
  ...pbStr(5, group),
  ...pbStr(6, kind),
  ...rest,
];
/** A string field of any length (two-byte lengths for patches). */
const pbLong = (n: number, v: string): number[] => {
  const b = Buffer.from(v);
  return b.length < 128 ? [(n << 3) | 2, b.length, ...b] : [(n << 3) | 2, (b.length & 0x7f) | 0x80, b.length >> 7, ...b];
};
const PRIV = '{"spec":{"template":{"spec":{"containers":[{"name":"c","securityContext":{"privileged":true}}]}}}}';
const SMP = 'application/strategic-merge-patch+json';
const get = (ns: string, name: string, kind = 'Deployment', group = 'apps'): number[] => cliObject(ns, name, kind, group, [...pbStr(7, 'argocd'), ...pbStr(8, 'payments')]);
const patch = (ns: string, name: string, text: string, type = SMP): number[] => cliObject(ns, name, 'Deployment', 'apps', [...pbLong(7, text), ...pbLong(8, type), ...pbStr(9, 'argocd')]);
const del = (ns: string, name: string, kind = 'Deployment', group = 'apps'): number[] => cliObject(ns, name, kind, group, [...pbVarint(7, 0), ...pbVarint(8, 1), ...pbStr(9, 'argocd')]);
const runV1 = (ns: string, name: string, action: string): number[] => cliObject(ns, name, 'Deployment', 'apps', [...pbStr(7, action), ...pbStr(8, 'argocd')]);
const param = (k: string, v: string): number[] => pbStr(10, String.fromCharCode(...pbStr(1, k), ...pbStr(2, v)));
const runV2 = (ns: string, name: string, action: string, params: number[] = []): number[] => cliObject(ns, name, 'Deployment', 'apps', [...pbStr(7, action), ...pbStr(8, 'argocd'), ...params]);

describe('argo-cd: the object-level methods over gRPC (the argocd CLI), their request message read and judged as REST', () => {
  const grpcBuild = (rpc: string, body: Uint8Array | string | undefined, type = 'application/grpc', truncated = false, method = 'POST'): BuiltRequest =>
    buildAttributes({ method, target: `/application.ApplicationService/${rpc}`, authority: 'argocd.example', scheme: 'https', headers: RequestHeaders.of([['content-type', type], ['te', 'trailers']]), sourceAddress: '10.0.0.1', sourcePrincipal: '', contextExtensions: {}, body, bodyTruncated: truncated }, [], hosts);
  // The request's own body is the client's (bytes here, JSON there); a patch's body and type are what the guardrails read.
  const judged = (b: BuiltRequest) => (b.ok ? { kube: b.attributes.kube, patch: b.attributes.bodyType === undefined ? undefined : [b.attributes.body, b.attributes.bodyType], unseen: b.attributes.unseen } : b);
  const FRAMINGS: [string, (msg: number[]) => Uint8Array | string, string][] = [
    ['gRPC', (m) => frame(m), 'application/grpc'],
    ['gRPC-web', (m) => frame(m), 'application/grpc-web+proto'],
    ['gRPC-web-text', (m) => Buffer.from(frame(m)).toString('base64'), 'application/grpc-web-text'],
  ];

  // Each gRPC request beside the REST request with the same fields: the two readings are equal.
  it.each<[string, string, number[], [string, string, string?]]>([
    ['GetResource of a ConfigMap', 'GetResource', get('prod-eu', 'app-config', 'ConfigMap', ''), ['GET', res('namespace=prod-eu&resourceName=app-config&version=v1&group=&kind=ConfigMap')]],
    ["DeleteResource of kube-system's coredns", 'DeleteResource', del('kube-system', 'coredns'), ['DELETE', res(DEPLOY)]],
    ['DeleteResource of a ClusterRoleBinding (cluster-scoped: the namespace ignored)', 'DeleteResource', del('', 'cluster-admin', 'ClusterRoleBinding', 'rbac.authorization.k8s.io'), ['DELETE', res('namespace=&resourceName=cluster-admin&version=v1&group=rbac.authorization.k8s.io&kind=ClusterRoleBinding')]],
    ['PatchResource, a privileged container', 'PatchResource', patch('prod-eu', 'web', PRIV), ['POST', `${res('namespace=prod-eu&resourceName=web&version=v1&group=apps&kind=Deployment')}&patchType=${encodeURIComponent(SMP)}`, JSON.stringify(PRIV)]],
    ['PatchResource, a JSON patch', 'PatchResource', patch('dev', 'web', '[{"op":"replace","path":"/spec/replicas","value":3}]', 'application/json-patch+json'), ['POST', `${res('namespace=dev&resourceName=web&version=v1&group=apps&kind=Deployment')}&patchType=application%2Fjson-patch%2Bjson`, JSON.stringify('[{"op":"replace","path":"/spec/replicas","value":3}]')]],
    ['RunResourceAction restart', 'RunResourceAction', runV1('kube-system', 'coredns', 'restart'), ['POST', `/api/v1/applications/guestbook/resource/actions?${DEPLOY}`, JSON.stringify('restart')]],
    ['RunResourceActionV2 restart, no parameters', 'RunResourceActionV2', runV2('prod-eu', 'web', 'restart'), ['POST', '/api/v1/applications/guestbook/resource/actions/v2', JSON.stringify({ namespace: 'prod-eu', resourceName: 'web', version: 'v1', group: 'apps', kind: 'Deployment', action: 'restart', resourceActionParameters: [] })]],
    ['RunResourceActionV2 of a custom action with two parameters (unseen)', 'RunResourceActionV2', runV2('kube-system', 'coredns', 'scale', [...param('replicas', '0'), ...param('reason', 'x')]), ['POST', '/api/v1/applications/guestbook/resource/actions/v2', JSON.stringify({ namespace: 'kube-system', resourceName: 'coredns', version: 'v1', group: 'apps', kind: 'Deployment', action: 'scale', resourceActionParameters: [{ name: 'replicas', value: '0' }, { name: 'reason', value: 'x' }] })]],
  ])('%s', (_what, rpc, msg, [method, target, body]) => {
    const rest = judged(build(method, target, body));
    expect(rest).toHaveProperty('kube.verb');
    for (const [framing, encode, type] of FRAMINGS) {
      expect(judged(grpcBuild(rpc, encode(msg), type)), framing).toEqual(rest);
    }
  });

  it('the patch is the patch field, judged in its patchType; GetResource of a core Secret stays the web request REST is (its values come back masked)', () => {
    const b = grpcBuild('PatchResource', frame(patch('prod-eu', 'web', PRIV)), 'application/grpc-web');
    expect(b.ok && [b.attributes.body, b.attributes.bodyType, b.attributes.kube?.verb, b.attributes.kube?.namespace]).toEqual([PRIV, SMP, 'patch', 'prod-eu']);
    const secret = grpcBuild('GetResource', frame(get('prod-eu', 'db', 'Secret', '')));
    expect(secret.ok && secret.attributes.kube).toBeUndefined();
    expect(judged(secret)).toEqual(judged(build('GET', res('namespace=prod-eu&resourceName=db&version=v1&group=&kind=Secret'))));
  });

  it.each<[string, string, Uint8Array | string | undefined, string?, boolean?, string?]>([
    ['no body', 'PatchResource', undefined],
    ['a cut body (over the gateway limit)', 'PatchResource', frame(patch('dev', 'web', PRIV)), 'application/grpc', true],
    ['the compressed flag', 'DeleteResource', frame(del('dev', 'web'), 1)],
    ['two messages (a dev delete, then kube-system)', 'DeleteResource', Uint8Array.from([...frame(del('dev', 'web')), ...frame(del('kube-system', 'coredns'))])],
    ['a length past the end (truncated)', 'DeleteResource', frame(del('kube-system', 'coredns')).subarray(0, 30)],
    ['the namespace twice (proto2 would keep the last)', 'DeleteResource', frame([...del('dev', 'web'), ...pbStr(2, 'kube-system')])],
    ['the patch twice', 'PatchResource', frame([...patch('dev', 'web', '{}'), ...pbLong(7, PRIV)])],
    ['the action twice', 'RunResourceActionV2', frame([...runV2('dev', 'web', 'restart'), ...pbStr(7, 'scale')])],
    ['force (a bool) as a string (wrong wire type)', 'DeleteResource', frame(cliObject('dev', 'web', 'Deployment', 'apps', pbStr(7, 'true')))],
    ['the namespace as a varint (wrong wire type)', 'GetResource', frame([...pbStr(1, 'a'), ...pbVarint(2, 1), ...pbStr(3, 'web'), ...pbStr(4, 'v1'), ...pbStr(6, 'Pod')])],
    ['a field the .proto does not have', 'PatchResource', frame([...patch('dev', 'web', '{}'), ...pbVarint(11, 1)])],
    ['field 10 on v1 (only V2 has parameters)', 'RunResourceAction', frame([...runV1('dev', 'web', 'restart'), ...param('a', 'b')])],
    ['a parameter with a field its message does not have', 'RunResourceActionV2', frame(runV2('dev', 'web', 'restart', pbStr(10, String.fromCharCode(...pbStr(1, 'a'), ...pbStr(2, 'b'), ...pbStr(3, 'c')))))],
    ['a parameter without its value (required)', 'RunResourceActionV2', frame(runV2('dev', 'web', 'restart', pbStr(10, String.fromCharCode(...pbStr(1, 'a')))))],
    ['a parameter whose name is given twice', 'RunResourceActionV2', frame(runV2('dev', 'web', 'restart', pbStr(10, String.fromCharCode(...pbStr(1, 'a'), ...pbStr(1, 'b'), ...pbStr(2, 'c')))))],
    ['no version (required: Argo CD refuses the message)', 'DeleteResource', frame([...pbStr(1, 'a'), ...pbStr(2, 'kube-system'), ...pbStr(3, 'coredns'), ...pbStr(5, 'apps'), ...pbStr(6, 'Deployment')])],
    ['no patchType', 'PatchResource', frame(cliObject('dev', 'web', 'Deployment', 'apps', pbLong(7, PRIV)))],
    ['no action', 'RunResourceActionV2', frame(cliObject('dev', 'web', 'Deployment', 'apps'))],
    ['an empty action', 'RunResourceAction', frame(runV1('dev', 'web', ''))],
    ['a patchType kube-apiserver does not read', 'PatchResource', frame(patch('dev', 'web', '{}', 'application/json'))],
    ['a name with a slash', 'GetResource', frame(get('dev', '../secrets/x'))],
    ['an unknown field as a group (wire type 3)', 'GetResource', frame([...get('dev', 'web'), 0x5b, 0x5c])],
    ['a GET (no gRPC call)', 'DeleteResource', frame(del('dev', 'web')), 'application/grpc', false, 'GET'],
    ['another content type', 'DeleteResource', frame(del('dev', 'web')), 'application/json'],
    ['grpc-web-text that is not plain base64', 'DeleteResource', `${Buffer.from(frame(del('dev', 'web'))).toString('base64')}\n`, 'application/grpc-web-text'],
  ])('%s (%s): request_invalid', (_what, rpc, body, type = 'application/grpc', truncated = false, method = 'POST') => {
    const b = grpcBuild(rpc, body, type, truncated, method);
    expect(b.ok, JSON.stringify(b)).toBe(false);
  });

  it('ListResourceActions (a GET in REST, no object request of its own there) stays a web request, as REST', () => {
    const b = grpcBuild('ListResourceActions', frame(get('kube-system', 'coredns')));
    expect(b.ok && b.attributes.kube).toBeUndefined();
  });

  it('decodeObjectRequest: the fields by name, repeated parameters allowed, each scalar once', () => {
    expect(decodeObjectRequest(Uint8Array.from(runV2('dev', 'web', 'restart', [...param('a', '1'), ...param('a', '2')])), OBJECT_REQUESTS.get('RunResourceActionV2')!)).toEqual({
      name: 'payments-dev', namespace: 'dev', resourceName: 'web', version: 'v1', group: 'apps', kind: 'Deployment', action: 'restart', appNamespace: 'argocd',
    });
    expect(decodeObjectRequest(Uint8Array.from([...get('dev', 'web'), ...pbStr(8, 'other')]), OBJECT_REQUESTS.get('GetResource')!)).toBeUndefined();
  });
});

describe('review45: the object-level messages read two ways by gogo and by this reading are refused', () => {
  const grpcBuild = (rpc: string, body: Uint8Array | string | undefined, type = 'application/grpc'): BuiltRequest =>
    buildAttributes({ method: 'POST', target: `/application.ApplicationService/${rpc}`, authority: 'argocd.example', scheme: 'https', headers: RequestHeaders.of([['content-type', type], ['te', 'trailers']]), sourceAddress: '10.0.0.1', sourcePrincipal: '', contextExtensions: {}, body, bodyTruncated: false }, [], hosts);
  const DEL = del('kube-system', 'coredns');
  const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');
  it.each<[string, string, Uint8Array | string, string?]>([
    ['field 0 (gogo: illegal tag)', 'DeleteResource', frame([...DEL, 0x02, 0x00])],
    ['an 11-byte varint (gogo: integer overflow)', 'DeleteResource', frame(cliObject('dev', 'web', 'Deployment', 'apps', [7 << 3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]))],
    ['a group start on a known string field', 'GetResource', frame([...get('dev', 'web'), (2 << 3) | 3, (2 << 3) | 4])],
    ['an empty message (every required field missing)', 'DeleteResource', frame([])],
    ['a string whose length runs past the message (inside the frame)', 'GetResource', frame([...pbStr(1, 'a'), ...pbStr(2, 'dev'), ...pbStr(3, 'web'), ...pbStr(4, 'v1'), (6 << 3) | 2, 10, ...Buffer.from('Pod')])],
    ['force as a packed bool (gogo: wrong wire type for a singular bool)', 'DeleteResource', frame(cliObject('dev', 'web', 'Deployment', 'apps', [(7 << 3) | 2, 1, 0]))],
    ['a resource name that is not UTF-8 (gogo keeps the bytes; no object has them)', 'GetResource', frame(cliObject('dev', 'web', 'Deployment', 'apps').map((b, i, all) => (i === all.length - 1 ? 0xff : b)))],
    ["a gRPC-web trailers frame after the message (flag 0x80)", 'DeleteResource', Uint8Array.from([...frame(DEL), 0x80, 0, 0, 0, 0]), 'application/grpc-web+proto'],
    ['a trailers frame alone', 'DeleteResource', Uint8Array.from([0x80, 0, 0, 0, DEL.length, ...DEL]), 'application/grpc-web+proto'],
    ['gRPC-web-text in two padded base64 chunks', 'DeleteResource', b64(frame(DEL).subarray(0, 7)) + b64(frame(DEL).subarray(7)), 'application/grpc-web-text'],
    ['gRPC-web-text with a line break', 'DeleteResource', `${b64(frame(DEL)).slice(0, 8)}\n${b64(frame(DEL)).slice(8)}`, 'application/grpc-web-text'],
    ['gRPC-web-text without its padding', 'DeleteResource', b64(frame([...DEL, ...pbStr(9, 'x')])).replace(/=+$/, ''), 'application/grpc-web-text'],
    ['a codec stepgate does not read (application/grpc+json)', 'DeleteResource', frame(DEL), 'application/grpc+json'],
    ['no gRPC content type', 'DeleteResource', frame(DEL), 'application/json'],
  ])('%s: request_invalid', (_what, rpc, body, type) => {
    const b = grpcBuild(rpc, body, type);
    expect(b.ok, JSON.stringify(b)).toBe(false);
  });

  it.each(['application/grpc+proto', 'application/grpc; charset=utf-8', 'APPLICATION/GRPC-WEB+PROTO', 'application/grpc-web+proto ; x=y'])('%s: read as the binary framing it names', (type) => {
    const b = grpcBuild('DeleteResource', frame(DEL), type);
    expect(b.ok && [b.attributes.kube?.verb, b.attributes.kube?.namespace, b.attributes.kube?.name]).toEqual(['delete', 'kube-system', 'coredns']);
  });

  it.each([
    ['a trailing slash (grpc-go: unknown service)', '/application.ApplicationService/DeleteResource/'],
    ['another case (grpc-go: unknown method)', '/application.ApplicationService/deleteresource'],
  ])('%s: no object-level method, so no reading (Argo CD answers Unimplemented)', (_what, target) => {
    const b = buildAttributes({ method: 'POST', target, authority: 'argocd.example', scheme: 'https', headers: RequestHeaders.of([['content-type', 'application/grpc']]), sourceAddress: '10.0.0.1', sourcePrincipal: '', contextExtensions: {}, body: frame(DEL), bodyTruncated: false }, [], hosts);
    expect(b.ok && b.attributes.kube).toBeUndefined();
  });
});

describe('review45: a sync that names another revision or carries manifests deploys what it carries', () => {
  const sync = (body: Uint8Array | string | undefined, type: string, truncated = false, target = '/application.ApplicationService/Sync'): BuiltRequest =>
    buildAttributes({ method: 'POST', target, authority: 'argocd.example', scheme: 'https', headers: RequestHeaders.of([['content-type', type], ['te', 'trailers']]), sourceAddress: '10.0.0.1', sourcePrincipal: '', contextExtensions: {}, body, bodyTruncated: truncated }, [], hosts);
  const rest = (body: unknown, truncated = false): BuiltRequest => sync(body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body), 'application/json', truncated, '/api/v1/applications/guestbook/sync');
  const judged = (b: BuiltRequest) => (b.ok ? { kube: b.attributes.kube, body: b.attributes.bodyType === undefined ? undefined : [b.attributes.body, b.attributes.bodyType], unseen: b.attributes.unseen } : b.ok);
  const MANIFEST = 'apiVersion: v1\nkind: Pod\nmetadata: {name: x, namespace: kube-system}\nspec: {hostPID: true, containers: [{name: x, image: busybox}]}';
  const name = pbStr(1, 'guestbook');
  const FRAMINGS: [string, (msg: number[]) => Uint8Array | string, string][] = [
    ['gRPC', (m) => frame(m), 'application/grpc'],
    ['gRPC-web', (m) => frame(m), 'application/grpc-web+proto'],
    ['gRPC-web-text', (m) => Buffer.from(frame(m)).toString('base64'), 'application/grpc-web-text'],
  ];

  it.each<[string, number[], unknown]>([
    ['a branch', [...name, ...pbStr(2, 'attacker/unreviewed'), ...pbStr(12, 'argocd')], { appNamespace: 'argocd', revision: 'attacker/unreviewed', prune: false, dryRun: false }],
    ['a commit, per source (multi-source)', [...name, ...pbVarint(14, 1), ...pbStr(15, 'deadbeef')], { sourcePositions: [1], revisions: ['deadbeef'] }],
    ['local manifests (argocd app sync --local), the app\'s own revision', [...name, ...pbLong(8, MANIFEST)], { manifests: [MANIFEST] }],
    ['an empty manifests list (Manifests != nil: a local sync of nothing, which prunes everything)', [...name, ...pbStr(8, '')], { Manifests: [''] }],
  ])('%s: the Application patched (argocd-objects), gRPC as REST', (_what, msg, body) => {
    const r = judged(rest(body));
    expect(r).toHaveProperty('kube.resource', 'applications');
    expect(r).toHaveProperty('kube.verb', 'patch');
    for (const [framing, encode, type] of FRAMINGS) expect(judged(sync(encode(msg), type)), framing).toEqual(r);
  });

  it('manifests are unseen (the guardrails: an unreadable body); a revision alone is not', () => {
    expect(judged(rest({ manifests: [MANIFEST] }))).toHaveProperty('unseen');
    expect(judged(rest({ revision: 'feature-x' }))).toHaveProperty('unseen', undefined);
    expect(judged(rest({ manifests: [] }))).toHaveProperty('unseen');
  });

  it.each<[string, number[], unknown]>([
    ['the plain CLI sync (no revision)', name, { prune: false, dryRun: false }],
    ["the UI's sync of an app tracking HEAD", [...name, ...pbStr(2, 'HEAD'), ...pbStr(12, 'argocd')], { appNamespace: 'argocd', revision: 'HEAD', prune: false, dryRun: false, strategy: { hook: {} } }],
    ['an empty revision, and null manifests', [...name, ...pbStr(2, '')], { revision: '', manifests: null }],
    ['prune, dry run, a subset of resources, sync options', [...name, ...pbVarint(3, 1), ...pbVarint(4, 1), ...pbStr(7, String.fromCharCode(...pbStr(1, 'apps'))), ...pbStr(11, String.fromCharCode(...pbStr(1, 'Replace=true')))], { prune: true, dryRun: true, resources: [{ group: 'apps' }], syncOptions: { items: ['Replace=true'] } }],
  ])('%s: routine, gRPC as REST', (_what, msg, body) => {
    expect(judged(rest(body))).toEqual({ kube: undefined, body: undefined, unseen: undefined });
    for (const [framing, encode, type] of FRAMINGS) expect(judged(sync(encode(msg), type)), framing).toEqual({ kube: undefined, body: undefined, unseen: undefined });
  });

  // Session 46: what a sync deletes. Argo CD's UI asks before each (type "prune", "Synchronize with
  // force?", "delete and recreate" for Replace=true); the sync request's fields say it.
  const msgOf = (...fields: number[][]) => fields.flat();
  const sub = (...bytes: number[][]) => String.fromCharCode(...bytes.flat());
  it.each<[string, number[], unknown, Record<string, unknown>]>([
    ['prune (live objects git no longer lists are deleted)', msgOf(name, pbVarint(4, 1)), { prune: true }, { prune: true }],
    ['the hook strategy forced (CLI --force: delete and recreate on a conflict)', msgOf(name, pbStr(5, sub(pbStr(2, sub(pbStr(1, sub(pbVarint(1, 1)))))))), { strategy: { hook: { force: true } } }, { syncStrategy: { apply: { force: true } } }],
    ['the apply strategy forced', msgOf(name, pbStr(5, sub(pbStr(1, sub(pbVarint(1, 1)))))), { strategy: { apply: { force: true } } }, { syncStrategy: { apply: { force: true } } }],
    ['the Replace=true sync option (kubectl replace: delete and recreate)', msgOf(name, pbStr(11, sub(pbStr(1, 'Replace=true')))), { syncOptions: { items: ['ServerSideApply=true', 'Replace=true'] } }, { syncOptions: ['Replace=true'] }],
    ['prune of a subset of resources, from the UI', msgOf(name, pbStr(2, 'HEAD'), pbVarint(4, 1), pbStr(5, sub(pbStr(2, ''))), pbStr(7, sub(pbStr(1, 'apps')))), { revision: 'HEAD', prune: true, strategy: { hook: {} }, resources: [{ group: 'apps', kind: 'Deployment', name: 'web' }] }, { prune: true }],
  ])('%s: the Application patched with what it sets (argocd-objects), gRPC as REST', (_what, msg, body, sets) => {
    const r = judged(rest(body));
    expect(r).toHaveProperty('kube.resource', 'applications');
    expect(r).toHaveProperty('kube.verb', 'patch');
    expect(r && typeof r === 'object' && Array.isArray(r.body) ? JSON.parse(String(r.body[0])) : undefined).toEqual({ operation: { sync: { revisions: (body as { revision?: string }).revision === undefined ? [] : ['HEAD'], ...sets } } });
    for (const [framing, encode, type] of FRAMINGS) expect(judged(sync(encode(msg), type)), framing).toEqual(r);
  });

  it.each<[string, number[], unknown]>([
    ['the hook strategy unforced, the apply strategy unforced, other sync options, retries', msgOf(name, pbStr(5, sub(pbStr(1, sub(pbVarint(1, 0))))), pbStr(11, sub(pbStr(1, 'CreateNamespace=true'), pbStr(1, 'ServerSideApply=true')))), { strategy: { apply: { force: false } }, syncOptions: { items: ['CreateNamespace=true', 'ServerSideApply=true'] }, retryStrategy: { limit: 2 } }],
    ['prune and force in a dry run', msgOf(name, pbVarint(3, 1), pbVarint(4, 1), pbStr(5, sub(pbStr(1, sub(pbVarint(1, 1)))))), { dryRun: true, prune: true, strategy: { apply: { force: true } } }],
  ])('%s: routine (nothing deleted), gRPC as REST', (_what, msg, body) => {
    expect(judged(rest(body))).toEqual({ kube: undefined, body: undefined, unseen: undefined });
    for (const [framing, encode, type] of FRAMINGS) expect(judged(sync(encode(msg), type)), framing).toEqual({ kube: undefined, body: undefined, unseen: undefined });
  });

  it('a strategy or sync options that cannot be read one way are refused', () => {
    for (const body of [{ prune: 'yes' }, { strategy: { apply: { force: 'true' } } }, { syncOptions: { items: 'Replace=true' } }, { prune: true, Prune: false }, { strategy: [] }]) expect(rest(body).ok, JSON.stringify(body)).toBe(false);
    // An unknown field inside the strategy or the options: not one reading.
    expect(sync(frame(msgOf(name, pbStr(5, sub(pbStr(3, 'x'))))), 'application/grpc').ok).toBe(false);
    expect(sync(frame(msgOf(name, pbStr(11, sub(pbVarint(2, 1))))), 'application/grpc').ok).toBe(false);
  });

  it('an empty REST body is the plain sync; a body the gateway does not send is judged by its path; a cut one is unseen', () => {
    expect(judged(rest(''))).toEqual({ kube: undefined, body: undefined, unseen: undefined });
    expect(judged(rest(undefined))).toEqual({ kube: undefined, body: undefined, unseen: undefined });
    expect(judged(sync(undefined, 'application/grpc'))).toEqual({ kube: undefined, body: undefined, unseen: undefined });
    expect(judged(rest({ manifests: [MANIFEST] }, true))).toHaveProperty('unseen');
    expect(judged(sync(frame([...name, ...pbLong(8, MANIFEST)]), 'application/grpc', true))).toBe(false);
  });

  it.each<[string, Uint8Array | string, string]>([
    ['the revision twice (proto2 keeps the last)', frame([...name, ...pbStr(2, 'HEAD'), ...pbStr(2, 'evil')]), 'application/grpc'],
    ['no name (required)', frame(pbStr(2, 'HEAD')), 'application/grpc'],
    ['a field the .proto does not have', frame([...name, ...pbStr(16, 'x')]), 'application/grpc'],
    ['field 6 (reserved: no field)', frame([...name, ...pbStr(6, 'x')]), 'application/grpc'],
    ['a revision that is not UTF-8', frame([...name, (2 << 3) | 2, 1, 0xff]), 'application/grpc'],
    ['the revision as a varint', frame([...name, 2 << 3, 1]), 'application/grpc'],
    ['two messages (a plain sync, then a branch)', Uint8Array.from([...frame(name), ...frame([...name, ...pbStr(2, 'evil')])]), 'application/grpc'],
    ['compressed', frame([...name, ...pbStr(2, 'evil')], 1), 'application/grpc'],
    ['a codec stepgate does not read', frame(name), 'application/grpc+json'],
    ['no gRPC content type', '{}', 'application/json'],
  ])('gRPC: %s: request_invalid', (_what, body, type) => {
    expect(sync(body, type).ok).toBe(false);
  });

  it.each<[string, string]>([
    ['the revision in two spellings (encoding/json: the later wins)', '{"revision":"HEAD","Revision":"evil"}'],
    ['the revision as a number', '{"revision":1}'],
    ['revisions not a list of strings', '{"revisions":"evil"}'],
    ['no JSON object', '["HEAD"]'],
    ['manifests in two spellings', '{"manifests":null,"MANIFESTS":["x"]}'],
  ])('REST: %s: request_invalid', (_what, body) => {
    expect(rest(body).ok).toBe(false);
  });

  it('the revision in another case of its key is read (encoding/json matches keys without regard to case)', () => {
    expect(judged(rest({ REVISION: 'evil' }))).toHaveProperty('kube.verb', 'patch');
  });
});

describe('review45: the route under a root path, for the host\'s path rules', () => {
  it.each<[string, string | undefined]>([
    ['/argo-cd/api/v1/applications/x', '/api/v1/applications/x'],
    ['/tools/argo-cd/api/v1/account/admin/token', '/api/v1/account/admin/token'],
    ['/argo-cd/application.ApplicationService/UpdateSpec', '/application.ApplicationService/UpdateSpec'],
    ['/argo-cd/account.AccountService/CreateToken', '/account.AccountService/CreateToken'],
    ['/argo-cd/terminal', '/terminal'],
    // No prefix, or no route of Argo CD's API: the path as it is.
    ['/api/v1/applications/x', undefined],
    ['/application.ApplicationService/UpdateSpec', undefined],
    ['/terminal', undefined],
    ['/argo-cd/applications/argocd/web', undefined],
  ])('%s → %s', (path, route) => {
    expect(argoCdRootless(path)).toBe(route);
  });

  it('is carried on the request built for an Argo CD host, and on no other', () => {
    const b = build('DELETE', '/argo-cd/api/v1/applications/x?cascade=true');
    expect(b.ok && b.attributes.routePath).toBe('/api/v1/applications/x');
    const k = build('DELETE', '/argo-cd/api/v1/applications/x', undefined, 'kube.example');
    expect(k.ok && k.attributes.routePath).toBeUndefined();
  });
});
