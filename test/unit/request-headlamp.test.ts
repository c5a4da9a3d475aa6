import { describe, expect, it } from 'vitest';
import { compileHostMatcher } from '../../src/core/glob.js';
import { buildAttributes } from '../../src/request/build.js';
import { presentedCredential } from '../../src/request/credentials.js';
import { headlampToken, readHeadlamp, readHeadlampBeside } from '../../src/request/headlamp.js';
import { RequestHeaders } from '../../src/request/headers.js';

const headers = (h: Record<string, string>) => new Map(Object.entries(h));
const noBody = () => undefined;
const noHeader = (): string | undefined => undefined;
const json = (v: unknown) => () => v as Record<string, unknown>;

describe("headlampToken: the token Headlamp's cluster proxy sends the API server", () => {
  it.each<[string, Record<string, string>, string | undefined]>([
    ['no cookie', {}, undefined],
    ['other cookies only', { cookie: '_ga=GA1; session=x' }, undefined],
    ['one chunk', { cookie: 'headlamp-auth-main.0=abc' }, 'abc'],
    ["a chunk on a second Cookie line (Envoy joins the lines with ',')", { cookie: '_ga=GA1,headlamp-auth-main.0=abc' }, 'abc'],
    ['chunks out of order, joined by index', { cookie: 'headlamp-auth-main.1=def; x=y; headlamp-auth-main.0=abc' }, 'abcdef'],
    ['a quoted value (Go removes one pair of quotes)', { cookie: 'headlamp-auth-main.0="abc"' }, 'abc'],
    ['the same name twice with the same value', { cookie: 'headlamp-auth-main.0=abc; headlamp-auth-main.0=abc' }, 'abc'],
    ['two clusters with the same token', { cookie: 'headlamp-auth-a.0=abc; headlamp-auth-b.0=abc' }, 'abc'],
    ['an empty chunk is no token', { cookie: 'headlamp-auth-main.0=' }, undefined],
    ['X-Forwarded-Id-Token, trimmed', { 'x-forwarded-id-token': ' tok ' }, 'tok'],
    ['the header and the cookie agreeing', { 'x-forwarded-id-token': 'abc', cookie: 'headlamp-auth-main.0=abc' }, 'abc'],
  ])('%s', (_what, h, token) => {
    expect(headlampToken(headers(h))).toEqual(token === undefined ? { kind: 'none' } : { kind: 'token', token });
  });

  it.each<[string, Record<string, string>]>([
    ['the same name twice with different values (Go reads the first)', { cookie: 'headlamp-auth-main.0=abc; headlamp-auth-main.0=evil' }],
    ['two clusters with different tokens', { cookie: 'headlamp-auth-a.0=abc; headlamp-auth-b.0=evil' }],
    ['a chunk after a missing index', { cookie: 'headlamp-auth-main.0=abc; headlamp-auth-main.2=evil' }],
    ['a stray chunk with no .0', { cookie: 'headlamp-auth-main.1=evil' }],
    ['a name in other letter case (Go would not read it)', { cookie: 'Headlamp-Auth-main.0=evil' }],
    ['an index Headlamp never writes (01)', { cookie: 'headlamp-auth-main.01=evil' }],
    ['a name without an index', { cookie: 'headlamp-auth-main=evil' }],
    ['a name without a value', { cookie: 'headlamp-auth-main.0' }],
    ['a value with a blank inside', { cookie: 'headlamp-auth-main.0=ab c' }],
    ['the header and the cookie differing', { 'x-forwarded-id-token': 'evil', cookie: 'headlamp-auth-main.0=abc' }],
    ['more chunks than a token needs', { cookie: Array.from({ length: 33 }, (_, i) => `headlamp-auth-main.${i}=a`).join('; ') }],
  ])('%s: unreadable', (_what, h) => {
    expect(headlampToken(headers(h)).kind).toBe('unreadable');
  });
});

describe('presentedCredential on a proxied path with Headlamp carriers', () => {
  it.each<[string, Record<string, string>, string | undefined, unknown]>([
    ['Authorization and the same token in the cookie', { authorization: 'Bearer tok', cookie: 'headlamp-auth-main.0=tok' }, undefined, { kind: 'bearer', token: 'tok' }],
    ['the cookie alone is the credential', { cookie: 'headlamp-auth-main.0=to; headlamp-auth-main.1=k' }, undefined, { kind: 'bearer', token: 'tok' }],
    ["the cookie ahead of stepgate's session cookie", { cookie: 'stepgate_session=s; headlamp-auth-main.0=tok' }, 'stepgate_session', { kind: 'bearer', token: 'tok' }],
    ['a Basic Authorization (Headlamp replaces it with the cookie)', { authorization: 'Basic eDp5', cookie: 'headlamp-auth-main.0=tok' }, undefined, { kind: 'bearer', token: 'tok' }],
  ])('%s', (_what, h, session, want) => {
    expect(presentedCredential(headers(h), session, true)).toEqual(want);
  });

  it.each<[string, Record<string, string>]>([
    ['Authorization and another token in the cookie', { authorization: 'Bearer own', cookie: 'headlamp-auth-main.0=stolen' }],
    ['Authorization and another token in X-Forwarded-Id-Token', { authorization: 'Bearer own', 'x-forwarded-id-token': 'stolen' }],
    ['the WebSocket subprotocol and another token in the cookie', { 'sec-websocket-protocol': `base64url.bearer.authorization.k8s.io.${Buffer.from('own').toString('base64url')}, v5.channel.k8s.io`, cookie: 'headlamp-auth-main.0=stolen' }],
    ['an unreadable cookie beside Authorization', { authorization: 'Bearer own', cookie: 'headlamp-auth-main.0=own; headlamp-auth-main.0=stolen' }],
  ])('%s: credential_ambiguous', (_what, h) => {
    expect(presentedCredential(headers(h), undefined, true)).toMatchObject({ kind: 'problem', reason: 'credential_ambiguous' });
  });

  it('off a proxied path the cookie is nobody\'s credential', () => {
    expect(presentedCredential(headers({ authorization: 'Bearer own', cookie: 'headlamp-auth-main.0=stolen' }), undefined, false)).toEqual({ kind: 'bearer', token: 'own' });
  });
});

describe("readHeadlamp: Headlamp's routes beside its cluster proxy", () => {
  it.each<[string, string, string, () => Record<string, unknown> | undefined, unknown]>([
    ['an API path', 'GET', '/api/v1/namespaces/dev/pods', noBody, { kind: 'api' }],
    ['the service proxy', 'GET', '/serviceproxy/prod-eu/billing-api', noBody, { kind: 'kube', method: 'GET', path: '/api/v1/namespaces/prod-eu/services/billing-api/proxy' }],
    ['the service proxy by another method, read as strictly', 'POST', '/ServiceProxy/prod-eu/billing-api', noBody, { kind: 'kube', method: 'GET', path: '/api/v1/namespaces/prod-eu/services/billing-api/proxy' }],
    ['a port-forward', 'POST', '/portforward', json({ namespace: 'prod-eu', pod: 'db-0', targetPort: '5432' }), { kind: 'kube', method: 'POST', path: '/api/v1/namespaces/prod-eu/pods/db-0/portforward' }],
    ['the port-forward list (Headlamp\'s own cache)', 'GET', '/portforward/list', noBody, { kind: 'api' }],
    ['a port-forward stopped', 'DELETE', '/portforward', noBody, { kind: 'api' }],
  ])('%s', (_what, method, rest, body, want) => {
    expect(readHeadlamp(method, rest, body)).toEqual(want);
  });

  it.each<[string, string, string, () => Record<string, unknown> | undefined]>([
    ['a service proxy with a namespace that is no name', 'GET', '/serviceproxy/Prod_EU/billing', noBody],
    ['a port-forward without a body', 'POST', '/portforward', noBody],
    ['a port-forward whose pod is not a string', 'POST', '/portforward', json({ namespace: 'prod-eu', pod: ['db-0'] })],
    ['a port-forward whose pod names a path', 'POST', '/portforward', json({ namespace: 'prod-eu', pod: 'db-0/exec' })],
  ])('%s: invalid', (_what, method, rest, body) => {
    expect(readHeadlamp(method, rest, body).kind).toBe('invalid');
  });
});

describe("readHeadlampBeside: Headlamp's routes beside /clusters/", () => {
  it.each<[string, string, string, () => Record<string, unknown> | undefined, unknown]>([
    ['a page', 'GET', '/c/main/secrets', noBody, { kind: 'web' }],
    ['the drain status poll', 'GET', '/drain-node-status', noBody, { kind: 'web' }],
    ['a node drain', 'POST', '/drain-node', json({ cluster: 'main', nodeName: 'worker-1' }), { kind: 'kube', method: 'PUT', path: '/api/v1/nodes/worker-1', cluster: 'main' }],
    ['a node drain in other letter case, read as strictly', 'POST', '/Drain-Node/', json({ cluster: 'main', nodeName: 'worker-1' }), { kind: 'kube', method: 'PUT', path: '/api/v1/nodes/worker-1', cluster: 'main' }],
  ])('%s', (_what, method, rest, body, want) => {
    expect(readHeadlampBeside(method, rest, body, noHeader)).toEqual(want);
  });

  it.each<[string, string, string, () => Record<string, unknown> | undefined]>([
    ['the multiplexer', 'GET', '/wsMultiplexer', noBody],
    ['the multiplexer in other letter case', 'GET', '/WSMULTIPLEXER', noBody],
    ['a drain without a body', 'POST', '/drain-node', noBody],
    ['a drain of a node that is no name', 'POST', '/drain-node', json({ cluster: 'main', nodeName: 'worker-1/status' })],
    ['a drain without a cluster', 'POST', '/drain-node', json({ nodeName: 'worker-1' })],
    ['a cluster added with a kubeconfig', 'POST', '/cluster', json({ name: 'x', kubeconfig: 'YXBpVmVyc2lvbjogdjE=' })],
    ['a cluster added with a kubeconfig of another type', 'POST', '/Cluster/', json({ name: 'x', kubeconfig: ['a'] })],
    ['a cluster added without a readable body', 'POST', '/cluster', noBody],
    ['a cluster added with a server and its CA only (the list every user shares)', 'POST', '/cluster', json({ name: 'x', server: 'https://x.example:6443', 'certificate-authority-data': 'LS0t' })],
    ['a cluster renamed', 'PUT', '/cluster/main', json({ newClusterName: 'dev', source: 'dynamic_cluster' })],
    ['a cluster removed', 'DELETE', '/Cluster/main', noBody],
  ])('%s: invalid', (_what, method, rest, body) => {
    expect(readHeadlampBeside(method, rest, body, noHeader).kind).toBe('invalid');
  });
});

describe("readHeadlampBeside: Headlamp's external proxy (proxy-to, then Forward-to)", () => {
  const headers = (h: Record<string, string>) => (name: string) => h[name];
  it.each<[string, Record<string, string>, unknown]>([
    ['no target (Headlamp answers 400)', {}, { kind: 'web' }],
    ['the API server', { 'proxy-to': 'https://kubernetes.default.svc/api/v1/secrets?limit=1' }, { kind: 'external', target: '/api/v1/secrets?limit=1' }],
    ['Forward-to when proxy-to is empty', { 'proxy-to': '', 'forward-to': 'HTTPS://10.96.0.1' }, { kind: 'external', target: '/' }],
    ['proxy-to before Forward-to', { 'proxy-to': ' https://artifacthub.io?x=1 ', 'forward-to': 'https://kubernetes.default.svc/api/v1/secrets' }, { kind: 'external', target: '/?x=1' }],
  ])('%s', (_what, h, want) => {
    expect(readHeadlampBeside('GET', '/externalproxy', noBody, headers(h))).toEqual(want);
  });

  it.each<[string, string]>([
    ['two joined targets', 'https://artifacthub.io/,https://kubernetes.default.svc/api/v1/secrets'],
    ['userinfo', 'https://artifacthub.io@kubernetes.default.svc/api/v1/secrets'],
    ['a relative URL', '/api/v1/secrets'],
    ['another scheme', 'file:///etc/passwd'],
    ['no host', 'https:///api/v1/secrets'],
    ['a blank inside', 'https://kubernetes.default.svc/api/v1/ secrets'],
    ['a backslash', 'https://artifacthub.io\\@kubernetes.default.svc/api/v1/secrets'],
    ['a fragment', 'https://kubernetes.default.svc/api/v1/secrets#x'],
  ])('%s: invalid', (_what, url) => {
    expect(readHeadlampBeside('GET', '/externalproxy', noBody, headers({ 'proxy-to': url })).kind).toBe('invalid');
  });
});

describe('buildAttributes on a Headlamp host', () => {
  const hosts = compileHostMatcher(['kubernetes'], [
    { hosts: ['headlamp.example.com'], prefix: '/clusters/*' },
    { hosts: ['sub.example.com'], prefix: '/headlamp/clusters/*' },
    { hosts: ['backstage.example.com'], prefix: '/api/kubernetes/proxy' },
  ], [{ name: 'dublin', hosts: ['kube.dublin'] }]);
  const build = (host: string, method: string, target: string, body?: string) => buildAttributes(
    { method, target, authority: host, scheme: 'https', headers: RequestHeaders.of([['content-type', 'application/json']]), sourceAddress: '10.0.0.1', sourcePrincipal: '', contextExtensions: {}, body, bodyTruncated: false },
    [],
    hosts,
  );

  it('the base URL is what comes before /clusters/*', () => {
    expect(hosts.headlampBase?.('headlamp.example.com')?.source).toBe('^(?=\\/)');
    expect(build('sub.example.com', 'GET', '/headlamp/wsMultiplexer')).toMatchObject({ ok: false });
    expect(build('sub.example.com', 'GET', '/wsMultiplexer')).toMatchObject({ ok: true });
    expect(hosts.headlampBase?.('backstage.example.com')).toBeUndefined();
  });

  it('a drain is the node update, for the cluster the body names, with the proxied credential rules', () => {
    const built = build('headlamp.example.com', 'POST', '/drain-node', JSON.stringify({ cluster: 'dublin', nodeName: 'worker-1' }));
    expect(built.ok && built.attributes).toMatchObject({ kube: { verb: 'update', resource: 'nodes', name: 'worker-1' }, cluster: 'dublin', throughKubeProxy: true });
  });

  it('the service proxy and a port-forward are read behind the prefix', () => {
    const proxy = build('headlamp.example.com', 'GET', '/clusters/dublin/serviceproxy/prod/api?request=/admin');
    expect(proxy.ok && proxy.attributes.kube).toMatchObject({ verb: 'get', resource: 'services', subresource: 'proxy', namespace: 'prod', name: 'api' });
    const forward = build('headlamp.example.com', 'POST', '/clusters/dublin/portforward', JSON.stringify({ namespace: 'prod', pod: 'db-0', targetPort: '5432' }));
    expect(forward.ok && forward.attributes).toMatchObject({ kube: { resource: 'pods', subresource: 'portforward', namespace: 'prod', name: 'db-0' }, cluster: 'dublin' });
  });
});

describe("readHeadlamp: Headlamp's Helm routes", () => {
  const UNSEEN = expect.stringContaining('Helm') as unknown as string;
  it.each<[string, string, string, string, () => Record<string, unknown> | undefined, unknown]>([
    ['every release', 'GET', '/helm/releases/list', 'allNamespaces=true', noBody, { kind: 'kube', method: 'GET', path: '/api/v1/secrets' }],
    ['the releases without a namespace', 'GET', '/helm/releases/list', '', noBody, { kind: 'kube', method: 'GET', path: '/api/v1/secrets' }],
    ["one namespace's releases", 'GET', '/helm/releases/list', 'namespace=dev', noBody, { kind: 'kube', method: 'GET', path: '/api/v1/namespaces/dev/secrets' }],
    ['allNamespaces beside a namespace', 'GET', '/helm/releases/list', 'namespace=dev&allNamespaces=true', noBody, { kind: 'kube', method: 'GET', path: '/api/v1/secrets' }],
    ['a release', 'GET', '/helm/releases', 'name=db&Namespace=prod', noBody, { kind: 'kube', method: 'GET', path: '/api/v1/namespaces/prod/secrets' }],
    ["a release's history", 'GET', '/helm/release/history', 'name=db&namespace=prod', noBody, { kind: 'kube', method: 'GET', path: '/api/v1/namespaces/prod/secrets' }],
    ['an install', 'POST', '/helm/release/install', '', json({ name: 'a', namespace: 'dev' }), { kind: 'kube', method: 'POST', path: '/api/v1/namespaces/dev/secrets', unseen: UNSEEN }],
    ['a rollback', 'PUT', '/helm/releases/rollback', '', json({ name: 'a', namespace: 'dev', revision: 1 }), { kind: 'kube', method: 'POST', path: '/api/v1/namespaces/dev/secrets', unseen: UNSEEN }],
    ['an uninstall', 'DELETE', '/helm/releases/uninstall', 'name=a&namespace=prod', noBody, { kind: 'kube', method: 'DELETE', path: '/api/v1/namespaces/prod/secrets', unseen: UNSEEN }],
    ['the repositories', 'GET', '/helm/repositories', '', noBody, { kind: 'api' }],
    ['a repository added', 'POST', '/helm/repositories', '', json({ name: 'x', url: 'https://charts.example' }), { kind: 'api' }],
  ])('%s', (_what, method, rest, query, body, want) => {
    expect(readHeadlamp(method, rest, body, query)).toEqual(want);
  });

  it.each<[string, string, string, string, () => Record<string, unknown> | undefined]>([
    ['two namespaces', 'GET', '/helm/releases', 'namespace=dev&namespace=prod', noBody],
    ['a namespace that is no name', 'GET', '/helm/releases', 'namespace=Prod%2Fx', noBody],
    ['a broken escape', 'GET', '/helm/releases', 'namespace=%zz', noBody],
    ['an install without a body', 'POST', '/helm/release/install', '', noBody],
    ['an upgrade without a namespace', 'PUT', '/helm/releases/upgrade', '', json({ name: 'a' })],
    ['an uninstall without a namespace', 'DELETE', '/helm/releases/uninstall', 'name=a', noBody],
  ])('%s: invalid', (_what, method, rest, query, body) => {
    expect(readHeadlamp(method, rest, body, query).kind).toBe('invalid');
  });
});
