import { describe, expect, it } from 'vitest';
import { compileHostMatcher } from '../../src/core/glob.js';
import { buildAttributes } from '../../src/request/build.js';
import { RequestHeaders } from '../../src/request/headers.js';

/**
 * A member cluster's API passed through a multi-cluster control plane's aggregated API
 * (request/member-clusters.ts, read in request/build.ts): the member's request is what is judged.
 */

const hosts = compileHostMatcher(
  ['kubernetes.**'],
  [{ hosts: ['headlamp.example.com'], prefix: '/clusters/*' }],
  [
    { name: 'hub', hosts: ['kubernetes.hub.example'] },
    { name: 'member1', hosts: ['kubernetes.member1.example'] },
  ],
);

function build(target: string, method = 'GET', host = 'kubernetes.hub.example', headers: [string, string][] = []) {
  return buildAttributes(
    { method, target, authority: host, scheme: 'https', headers: RequestHeaders.of(headers), sourceAddress: '10.0.0.1', sourcePrincipal: '', contextExtensions: {}, body: undefined, bodyTruncated: false },
    [],
    hosts,
  );
}

function read(target: string, method = 'GET', host?: string, headers?: [string, string][]) {
  const built = build(target, method, host, headers);
  if (!built.ok) throw new Error(built.detail);
  const k = built.attributes.kube!;
  return { verb: k.verb, group: k.apiGroup, namespace: k.namespace, resource: k.resource, subresource: k.subresource, name: k.name, path: k.path, resourceRequest: k.isResourceRequest, cluster: built.attributes.cluster };
}

const KARMADA = '/apis/cluster.karmada.io/v1alpha1/clusters/member1/proxy';
const SEARCH = '/apis/search.karmada.io/v1alpha1/proxying/karmada/proxy';
const SOCKET = '/apis/proxies.clusternet.io/v1alpha1/sockets/6c085c18-3baf-443c-abff-459751f5e3d3/proxy';
const DB_SECRET = { verb: 'get', group: '', namespace: 'prod', resource: 'secrets', subresource: '', name: 'db', resourceRequest: true };

describe('a member cluster request through a multi-cluster proxy', () => {
  it.each([
    ["Karmada's cluster proxy", `${KARMADA}/api/v1/namespaces/prod/secrets/db`, 'member1'],
    ["karmada-search's global proxy", `${SEARCH}/api/v1/namespaces/prod/secrets/db`, 'hub'],
    ["Clusternet's socket, direct", `${SOCKET}/direct/api/v1/namespaces/prod/secrets/db`, ''],
    ["Clusternet's socket, through a named server", `${SOCKET}/https/member1.example:6443/api/v1/namespaces/prod/secrets/db`, ''],
    ["Clusternet's socket, http", `${SOCKET}/http/member1.example/api/v1/namespaces/prod/secrets/db`, ''],
    ["Clusternet's socket, the older form", `${SOCKET}/api/v1/namespaces/prod/secrets/db`, ''],
    ["Clusternet's socket before its proxy subresource", `${SOCKET.slice(0, -'/proxy'.length)}/http/member1.example/api/v1/namespaces/prod/secrets/db`, ''],
    ["a kcp workspace's", '/clusters/root:org:team/api/v1/namespaces/prod/secrets/db', ''],
    ['Karmada through Headlamp', `/clusters/hub${KARMADA}/api/v1/namespaces/prod/secrets/db`, 'member1'],
    ['Karmada inside Karmada', `${KARMADA}${KARMADA}/api/v1/namespaces/prod/secrets/db`, 'member1'],
  ])("%s is the member's Secret read", (_what, target, cluster) => {
    const host = target.startsWith('/clusters/') ? 'headlamp.example.com' : undefined;
    expect(read(target, 'GET', host)).toMatchObject({ ...DB_SECRET, cluster });
  });

  it("kcp's logical cluster is named as a cluster, its wildcard too", () => {
    expect(read('/clusters/member1/api/v1/namespaces/prod/secrets/db')).toMatchObject({ ...DB_SECRET, cluster: 'member1' });
    expect(read('/clusters/*/api/v1/secrets')).toMatchObject({ verb: 'list', resource: 'secrets' });
    expect(read('/clusters/root')).toMatchObject({ resourceRequest: false, path: '/clusters/root' });
  });

  it("a list is the member's list, across namespaces or narrowed", () => {
    expect(read(`${KARMADA}/api/v1/secrets`)).toMatchObject({ verb: 'list', resource: 'secrets', namespace: '' });
    expect(read(`${KARMADA}/api/v1/secrets?fieldSelector=metadata.namespace%3Dprod&watch=true`)).toMatchObject({ verb: 'watch', resource: 'secrets', namespace: 'prod' });
  });

  it("a write and a stream are the member's, by the outer method and upgrade", () => {
    expect(read(`${KARMADA}/apis/rbac.authorization.k8s.io/v1/clusterrolebindings`, 'POST')).toMatchObject({ verb: 'create', group: 'rbac.authorization.k8s.io', resource: 'clusterrolebindings' });
    expect(read(`${SOCKET}/direct/api/v1/namespaces/kube-system/pods/etcd-0/exec?command=sh`, 'GET', undefined, [['upgrade', 'websocket'], ['connection', 'Upgrade']])).toMatchObject({ verb: 'create', namespace: 'kube-system', resource: 'pods', subresource: 'exec' });
    expect(read(`${KARMADA}/api/v1/nodes/worker-1/proxy/pods`)).toMatchObject({ resource: 'nodes', subresource: 'proxy', name: 'worker-1' });
  });

  it("the member's non-resource paths keep their trailing slash", () => {
    expect(read(`${KARMADA}/logs/`)).toMatchObject({ resourceRequest: false, path: '/logs/' });
    expect(read(`${KARMADA}/debug/pprof/profile`)).toMatchObject({ resourceRequest: false, path: '/debug/pprof/profile' });
    expect(read(KARMADA)).toMatchObject({ resourceRequest: false, path: '/' });
  });

  it('the removed root /proxy prefix is refused behind a member proxy too', () => {
    expect(build(`${KARMADA}/api/v1/proxy/nodes/worker-1/pods`)).toMatchObject({ ok: false });
  });

  it('a proxy nested past three levels is refused', () => {
    expect(build(`${KARMADA}${KARMADA}${KARMADA}${KARMADA}/api/v1/namespaces/prod/secrets/db`)).toMatchObject({ ok: false, detail: expect.stringContaining('multi-cluster proxy') });
  });

  it.each([
    ["a Karmada cluster's own read", '/apis/cluster.karmada.io/v1alpha1/clusters/member1', { verb: 'get', resource: 'clusters', subresource: '', name: 'member1' }],
    ["a Karmada cluster's status", '/apis/cluster.karmada.io/v1alpha1/clusters/member1/status', { resource: 'clusters', subresource: 'status' }],
    ['another group\'s "clusters/proxy"', '/apis/example.com/v1/clusters/member1/proxy/api/v1/namespaces/prod/secrets/db', { group: 'example.com', resource: 'clusters', subresource: 'proxy' }],
    ["a pod's own proxy", '/api/v1/namespaces/prod/pods/web-0/proxy/api/v1/secrets', { resource: 'pods', subresource: 'proxy', name: 'web-0' }],
  ])('%s stays what it is', (_what, target, want) => {
    expect(read(target)).toMatchObject(want);
  });
});
