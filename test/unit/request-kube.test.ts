import { describe, expect, it } from 'vitest';
import { kubeRequestInfo, upgradeNotServed, type KubeRequestInfo } from '../../src/request/kube.js';
import { normalisePath } from '../../src/request/path.js';

type Headers = Record<string, string>;

/** [isResourceRequest, verb, apiGroup, apiVersion, namespace, resource, subresource, name] */
type Expected = [boolean, string, string, string, string, string, string, string];

interface Case {
  name: string;
  method: string;
  target: string;
  headers?: Headers;
  want: Expected;
}

const NR = (verb: string): Expected => [false, verb, '', '', '', '', '', ''];
const WS: Headers = { upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-protocol': 'v5.channel.k8s.io' };
const SPDY: Headers = { upgrade: 'SPDY/3.1', connection: 'Upgrade' };

const cases: Case[] = [
  // core group CRUD
  { name: 'core list', method: 'GET', target: '/api/v1/namespaces/default/pods', want: [true, 'list', '', 'v1', 'default', 'pods', '', ''] },
  { name: 'core list across namespaces', method: 'GET', target: '/api/v1/pods', want: [true, 'list', '', 'v1', '', 'pods', '', ''] },
  { name: 'core get', method: 'GET', target: '/api/v1/namespaces/default/pods/web-0', want: [true, 'get', '', 'v1', 'default', 'pods', '', 'web-0'] },
  { name: 'core create', method: 'POST', target: '/api/v1/namespaces/default/configmaps', want: [true, 'create', '', 'v1', 'default', 'configmaps', '', ''] },
  { name: 'core update', method: 'PUT', target: '/api/v1/namespaces/default/configmaps/cm', want: [true, 'update', '', 'v1', 'default', 'configmaps', '', 'cm'] },
  { name: 'core patch', method: 'PATCH', target: '/api/v1/namespaces/default/configmaps/cm', want: [true, 'patch', '', 'v1', 'default', 'configmaps', '', 'cm'] },
  { name: 'core delete', method: 'DELETE', target: '/api/v1/namespaces/default/secrets/db', want: [true, 'delete', '', 'v1', 'default', 'secrets', '', 'db'] },
  { name: 'core deletecollection', method: 'DELETE', target: '/api/v1/namespaces/default/secrets', want: [true, 'deletecollection', '', 'v1', 'default', 'secrets', '', ''] },
  { name: 'HEAD is get', method: 'HEAD', target: '/api/v1/namespaces/default/pods/web-0', want: [true, 'get', '', 'v1', 'default', 'pods', '', 'web-0'] },
  { name: 'HEAD without name is list', method: 'HEAD', target: '/api/v1/namespaces/default/pods', want: [true, 'list', '', 'v1', 'default', 'pods', '', ''] },
  { name: 'unknown method on a resource has no verb', method: 'OPTIONS', target: '/api/v1/namespaces/default/pods', want: [true, '', '', 'v1', 'default', 'pods', '', ''] },

  // named groups
  { name: 'apps deployments list', method: 'GET', target: '/apis/apps/v1/namespaces/x/deployments', want: [true, 'list', 'apps', 'v1', 'x', 'deployments', '', ''] },
  { name: 'apps deployment patch', method: 'PATCH', target: '/apis/apps/v1/namespaces/x/deployments/web', want: [true, 'patch', 'apps', 'v1', 'x', 'deployments', '', 'web'] },
  { name: 'rbac clusterrole get', method: 'GET', target: '/apis/rbac.authorization.k8s.io/v1/clusterroles/admin', want: [true, 'get', 'rbac.authorization.k8s.io', 'v1', '', 'clusterroles', '', 'admin'] },
  { name: 'rbac clusterrole create', method: 'POST', target: '/apis/rbac.authorization.k8s.io/v1/clusterroles', want: [true, 'create', 'rbac.authorization.k8s.io', 'v1', '', 'clusterroles', '', ''] },
  { name: 'rbac rolebinding update', method: 'PUT', target: '/apis/rbac.authorization.k8s.io/v1/namespaces/x/rolebindings/rb', want: [true, 'update', 'rbac.authorization.k8s.io', 'v1', 'x', 'rolebindings', '', 'rb'] },
  { name: 'CRD group', method: 'GET', target: '/apis/stable.example.com/v1/namespaces/x/crontabs', want: [true, 'list', 'stable.example.com', 'v1', 'x', 'crontabs', '', ''] },
  { name: 'CRD object delete', method: 'DELETE', target: '/apis/stable.example.com/v1/namespaces/x/crontabs/nightly', want: [true, 'delete', 'stable.example.com', 'v1', 'x', 'crontabs', '', 'nightly'] },

  // cluster-scoped and the namespaces resource
  { name: 'nodes list', method: 'GET', target: '/api/v1/nodes', want: [true, 'list', '', 'v1', '', 'nodes', '', ''] },
  { name: 'node get', method: 'GET', target: '/api/v1/nodes/node-1', want: [true, 'get', '', 'v1', '', 'nodes', '', 'node-1'] },
  { name: 'namespaces list', method: 'GET', target: '/api/v1/namespaces', want: [true, 'list', '', 'v1', '', 'namespaces', '', ''] },
  { name: 'namespace get', method: 'GET', target: '/api/v1/namespaces/foo', want: [true, 'get', '', 'v1', 'foo', 'namespaces', '', 'foo'] },
  { name: 'namespace delete', method: 'DELETE', target: '/api/v1/namespaces/foo', want: [true, 'delete', '', 'v1', 'foo', 'namespaces', '', 'foo'] },
  { name: 'namespace status subresource', method: 'PUT', target: '/api/v1/namespaces/foo/status', want: [true, 'update', '', 'v1', 'foo', 'namespaces', 'status', 'foo'] },
  { name: 'namespace finalize subresource', method: 'PUT', target: '/api/v1/namespaces/foo/finalize', want: [true, 'update', '', 'v1', 'foo', 'namespaces', 'finalize', 'foo'] },

  // watch
  { name: 'watch path form', method: 'GET', target: '/apis/apps/v1/watch/namespaces/x/deployments', want: [true, 'watch', 'apps', 'v1', 'x', 'deployments', '', ''] },
  { name: 'watch path form, cluster-wide', method: 'GET', target: '/api/v1/watch/pods', want: [true, 'watch', '', 'v1', '', 'pods', '', ''] },
  { name: 'watch path form ignores fieldSelector', method: 'GET', target: '/api/v1/watch/namespaces/x/secrets?fieldSelector=metadata.name%3Ddb', want: [true, 'watch', '', 'v1', 'x', 'secrets', '', ''] },
  { name: '?watch=true', method: 'GET', target: '/api/v1/namespaces/x/pods?watch=true', want: [true, 'watch', '', 'v1', 'x', 'pods', '', ''] },
  { name: '?watch=1', method: 'GET', target: '/api/v1/namespaces/x/pods?watch=1&resourceVersion=10', want: [true, 'watch', '', 'v1', 'x', 'pods', '', ''] },
  { name: '?watch=false', method: 'GET', target: '/api/v1/namespaces/x/pods?watch=false', want: [true, 'list', '', 'v1', 'x', 'pods', '', ''] },
  { name: '?watch=FALSE', method: 'GET', target: '/api/v1/namespaces/x/pods?watch=FALSE', want: [true, 'list', '', 'v1', 'x', 'pods', '', ''] },
  { name: '?watch=0', method: 'GET', target: '/api/v1/namespaces/x/pods?watch=0', want: [true, 'list', '', 'v1', 'x', 'pods', '', ''] },
  { name: '?watch= (empty) is true', method: 'GET', target: '/api/v1/namespaces/x/pods?watch=', want: [true, 'watch', '', 'v1', 'x', 'pods', '', ''] },
  { name: '?watch (no value) is true', method: 'GET', target: '/api/v1/namespaces/x/pods?watch', want: [true, 'watch', '', 'v1', 'x', 'pods', '', ''] },
  { name: 'first watch value wins', method: 'GET', target: '/api/v1/namespaces/x/pods?watch=0&watch=1', want: [true, 'list', '', 'v1', 'x', 'pods', '', ''] },
  { name: 'encoded watch key', method: 'GET', target: '/api/v1/namespaces/x/pods?w%61tch=1', want: [true, 'watch', '', 'v1', 'x', 'pods', '', ''] },
  { name: 'watch pair with ; is dropped like Go', method: 'GET', target: '/api/v1/namespaces/x/pods?watch=1;x=y', want: [true, 'list', '', 'v1', 'x', 'pods', '', ''] },
  { name: 'watch pair with a bad escape is dropped like Go', method: 'GET', target: '/api/v1/namespaces/x/pods?watch=%zz&watch=0', want: [true, 'list', '', 'v1', 'x', 'pods', '', ''] },
  { name: 'watch query on a named get stays get', method: 'GET', target: '/api/v1/namespaces/x/pods/p?watch=1', want: [true, 'get', '', 'v1', 'x', 'pods', '', 'p'] },

  // fieldSelector names
  { name: 'fieldSelector name, encoded', method: 'GET', target: '/api/v1/namespaces/x/secrets?fieldSelector=metadata.name%3Ddb', want: [true, 'list', '', 'v1', 'x', 'secrets', '', 'db'] },
  { name: 'fieldSelector name, not encoded', method: 'GET', target: '/api/v1/namespaces/x/secrets?fieldSelector=metadata.name=db', want: [true, 'list', '', 'v1', 'x', 'secrets', '', 'db'] },
  { name: 'fieldSelector ==, among other terms', method: 'GET', target: '/api/v1/namespaces/x/secrets?fieldSelector=type%3DOpaque%2Cmetadata.name%3D%3Ddb', want: [true, 'list', '', 'v1', 'x', 'secrets', '', 'db'] },
  { name: 'fieldSelector name on a watch', method: 'GET', target: '/api/v1/namespaces/x/secrets?watch=1&fieldSelector=metadata.name%3Ddb', want: [true, 'watch', '', 'v1', 'x', 'secrets', '', 'db'] },
  { name: 'fieldSelector != is not a name', method: 'GET', target: '/api/v1/namespaces/x/secrets?fieldSelector=metadata.name!%3Ddb', want: [true, 'list', '', 'v1', 'x', 'secrets', '', ''] },
  // A list or watch across namespaces narrowed to one by its field selector is judged in it (not upstream's RequestInfo: docs/risk.md).
  { name: 'a cluster-wide list narrowed by metadata.namespace is that namespace\'s list', method: 'GET', target: '/api/v1/secrets?fieldSelector=metadata.namespace%3Dstepgate', want: [true, 'list', '', 'v1', 'stepgate', 'secrets', '', ''] },
  { name: 'the same as a watch, and with == among other terms', method: 'GET', target: '/api/v1/secrets?watch=true&fieldSelector=type%3DOpaque%2Cmetadata.namespace%3D%3Dkube-system', want: [true, 'watch', '', 'v1', 'kube-system', 'secrets', '', ''] },
  { name: 'the same in the /watch/ path form', method: 'GET', target: '/api/v1/watch/secrets?fieldSelector=metadata.namespace%3Dkube-system', want: [true, 'watch', '', 'v1', 'kube-system', 'secrets', '', ''] },
  { name: 'metadata.namespace != narrows nothing', method: 'GET', target: '/api/v1/secrets?fieldSelector=metadata.namespace!%3Dkube-system', want: [true, 'list', '', 'v1', '', 'secrets', '', ''] },
  { name: 'an unparseable selector narrows nothing', method: 'GET', target: '/api/v1/secrets?fieldSelector=metadata.namespace%3Dx%2Cjunk', want: [true, 'list', '', 'v1', '', 'secrets', '', ''] },
  { name: 'a namespace that is no path segment narrows nothing', method: 'GET', target: '/api/v1/secrets?fieldSelector=metadata.namespace%3D..', want: [true, 'list', '', 'v1', '', 'secrets', '', ''] },
  { name: 'fieldSelector on another field is not a name', method: 'GET', target: '/api/v1/namespaces/x/secrets?fieldSelector=metadata.namespace%3Ddb', want: [true, 'list', '', 'v1', 'x', 'secrets', '', ''] },
  { name: 'unparseable fieldSelector gives no name', method: 'GET', target: '/api/v1/namespaces/x/secrets?fieldSelector=metadata.name%3Ddb%2Cjunk', want: [true, 'list', '', 'v1', 'x', 'secrets', '', ''] },
  { name: 'fieldSelector name with a slash is not used', method: 'GET', target: '/api/v1/namespaces/x/secrets?fieldSelector=metadata.name%3Da%2Fb', want: [true, 'list', '', 'v1', 'x', 'secrets', '', ''] },
  { name: 'fieldSelector name does not turn deletecollection into delete', method: 'DELETE', target: '/api/v1/namespaces/x/secrets?fieldSelector=metadata.name%3Ddb', want: [true, 'deletecollection', '', 'v1', 'x', 'secrets', '', ''] },
  { name: 'path name beats fieldSelector', method: 'GET', target: '/api/v1/namespaces/x/secrets/a?fieldSelector=metadata.name%3Db', want: [true, 'get', '', 'v1', 'x', 'secrets', '', 'a'] },

  // streaming subresources
  { name: 'exec over SPDY (POST)', method: 'POST', target: '/api/v1/namespaces/x/pods/p/exec?command=sh&stdin=true&tty=true', headers: SPDY, want: [true, 'create', '', 'v1', 'x', 'pods', 'exec', 'p'] },
  { name: 'exec over WebSocket (GET + Upgrade)', method: 'GET', target: '/api/v1/namespaces/x/pods/p/exec?command=sh&stdin=true&tty=true', headers: WS, want: [true, 'create', '', 'v1', 'x', 'pods', 'exec', 'p'] },
  { name: 'exec GET without Upgrade is still create', method: 'GET', target: '/api/v1/namespaces/x/pods/p/exec?command=id', want: [true, 'create', '', 'v1', 'x', 'pods', 'exec', 'p'] },
  { name: 'exec over HTTP/2 extended CONNECT', method: 'CONNECT', target: '/api/v1/namespaces/x/pods/p/exec?command=id', headers: { ':protocol': 'websocket' }, want: [true, 'create', '', 'v1', 'x', 'pods', 'exec', 'p'] },
  { name: 'attach over WebSocket', method: 'GET', target: '/api/v1/namespaces/x/pods/p/attach?stdin=true', headers: WS, want: [true, 'create', '', 'v1', 'x', 'pods', 'attach', 'p'] },
  { name: 'attach over SPDY', method: 'POST', target: '/api/v1/namespaces/x/pods/p/attach', headers: SPDY, want: [true, 'create', '', 'v1', 'x', 'pods', 'attach', 'p'] },
  { name: 'portforward over WebSocket', method: 'GET', target: '/api/v1/namespaces/x/pods/p/portforward?ports=5432', headers: WS, want: [true, 'create', '', 'v1', 'x', 'pods', 'portforward', 'p'] },
  { name: 'portforward over SPDY', method: 'POST', target: '/api/v1/namespaces/x/pods/p/portforward', headers: SPDY, want: [true, 'create', '', 'v1', 'x', 'pods', 'portforward', 'p'] },

  // other subresources
  { name: 'pod log', method: 'GET', target: '/api/v1/namespaces/x/pods/p/log?follow=true&container=app', want: [true, 'get', '', 'v1', 'x', 'pods', 'log', 'p'] },
  { name: 'pod proxy subresource with a path', method: 'GET', target: '/api/v1/namespaces/x/pods/p/proxy/some/path', want: [true, 'get', '', 'v1', 'x', 'pods', 'proxy', 'p'] },
  { name: 'service proxy subresource', method: 'POST', target: '/api/v1/namespaces/x/services/https:web:443/proxy/api/login', want: [true, 'create', '', 'v1', 'x', 'services', 'proxy', 'https:web:443'] },
  { name: 'node proxy subresource', method: 'GET', target: '/api/v1/nodes/node-1/proxy/configz', want: [true, 'get', '', 'v1', '', 'nodes', 'proxy', 'node-1'] },
  { name: 'legacy proxy verb', method: 'GET', target: '/api/v1/proxy/namespaces/x/pods/p', want: [true, 'proxy', '', 'v1', 'x', 'pods', '', 'p'] },
  { name: 'legacy proxy verb with a path has no subresource', method: 'GET', target: '/api/v1/proxy/namespaces/x/pods/p/exec', want: [true, 'proxy', '', 'v1', 'x', 'pods', '', 'p'] },
  { name: 'ephemeralcontainers', method: 'PATCH', target: '/api/v1/namespaces/x/pods/p/ephemeralcontainers', want: [true, 'patch', '', 'v1', 'x', 'pods', 'ephemeralcontainers', 'p'] },
  { name: 'serviceaccount token', method: 'POST', target: '/api/v1/namespaces/x/serviceaccounts/default/token', want: [true, 'create', '', 'v1', 'x', 'serviceaccounts', 'token', 'default'] },
  { name: 'deployment scale', method: 'PUT', target: '/apis/apps/v1/namespaces/x/deployments/web/scale', want: [true, 'update', 'apps', 'v1', 'x', 'deployments', 'scale', 'web'] },
  { name: 'pod status', method: 'PATCH', target: '/api/v1/namespaces/x/pods/p/status', want: [true, 'patch', '', 'v1', 'x', 'pods', 'status', 'p'] },
  { name: 'pod eviction', method: 'POST', target: '/api/v1/namespaces/x/pods/p/eviction', want: [true, 'create', '', 'v1', 'x', 'pods', 'eviction', 'p'] },

  // percent-encoding is decoded once, like Go's URL.Path (the refused forms are in the tables below)
  { name: 'secrets with %70rod namespace', method: 'GET', target: '/api/v1/namespaces/%70rod/secrets', want: [true, 'list', '', 'v1', 'prod', 'secrets', '', ''] },
  { name: 'encoded dot inside a name', method: 'GET', target: '/api/v1/namespaces/kube%2Esystem/pods/a%2Eb', want: [true, 'get', '', 'v1', 'kube.system', 'pods', '', 'a.b'] },
  { name: 'trailing slash', method: 'GET', target: '/api/v1/namespaces/x/pods/', want: [true, 'list', '', 'v1', 'x', 'pods', '', ''] },
  { name: 'trailing slash on a name', method: 'DELETE', target: '/api/v1/namespaces/x/pods/p/', want: [true, 'delete', '', 'v1', 'x', 'pods', '', 'p'] },
  { name: 'service proxy root with a trailing slash', method: 'GET', target: '/api/v1/namespaces/kube-system/services/https:dashboard:/proxy/', want: [true, 'get', '', 'v1', 'kube-system', 'services', 'proxy', 'https:dashboard:'] },
  { name: 'service proxy with encoded colons', method: 'GET', target: '/api/v1/namespaces/x/services/https%3Aweb%3A443/proxy/ui/', want: [true, 'get', '', 'v1', 'x', 'services', 'proxy', 'https:web:443'] },

  // non-resource requests
  { name: '/healthz', method: 'GET', target: '/healthz', want: NR('get') },
  { name: '/livez/etcd', method: 'GET', target: '/livez/etcd', want: NR('get') },
  { name: '/version', method: 'GET', target: '/version', want: NR('get') },
  { name: '/openapi/v2', method: 'GET', target: '/openapi/v2', want: NR('get') },
  { name: '/openapi/v3/apis/apps/v1 is not under an API prefix', method: 'GET', target: '/openapi/v3/apis/apps/v1', want: NR('get') },
  { name: '/apis discovery', method: 'GET', target: '/apis', want: NR('get') },
  { name: '/apis/apps group discovery', method: 'GET', target: '/apis/apps', want: NR('get') },
  { name: '/apis/apps/v1 version discovery', method: 'GET', target: '/apis/apps/v1', want: NR('get') },
  { name: '/api', method: 'GET', target: '/api', want: NR('get') },
  { name: '/api/v1', method: 'GET', target: '/api/v1', want: NR('get') },
  { name: 'root', method: 'GET', target: '/', want: NR('get') },
  { name: 'non-resource POST keeps the method', method: 'POST', target: '/logs', want: NR('post') },
  { name: 'non-resource HEAD', method: 'HEAD', target: '/healthz', want: NR('head') },
];

function run(c: Case): KubeRequestInfo {
  const parsed = normalisePath(c.target, 'kubernetes');
  if (!parsed.ok) throw new Error(`normalisePath rejected ${c.target}: ${parsed.problem}`);
  const headers = c.headers ?? {};
  return kubeRequestInfo(c.method, parsed.path, parsed.query, (name) => headers[name]);
}

describe('kubeRequestInfo', () => {
  it('has a large table', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });

  it.each(cases)('$method $target ($name)', (c) => {
    const info = run(c);
    const [isResourceRequest, verb, apiGroup, apiVersion, namespace, resource, subresource, name] = c.want;
    expect({
      isResourceRequest: info.isResourceRequest,
      verb: info.verb,
      apiGroup: info.apiGroup,
      apiVersion: info.apiVersion,
      namespace: info.namespace,
      resource: info.resource,
      subresource: info.subresource,
      name: info.name,
    }).toEqual({ isResourceRequest, verb, apiGroup, apiVersion, namespace, resource, subresource, name });
    expect(info.apiPrefix).toBe(isResourceRequest ? (apiGroup === '' ? 'api' : 'apis') : '');
    if (!isResourceRequest) expect(info.parts).toEqual([]);
  });

  it('keeps the normalised path and computes parts like kube', () => {
    const c: Case = { name: '', method: 'GET', target: '/api/v1/namespaces/x/pods/p/proxy/a/b', want: NR('') };
    const info = run(c);
    expect(info.path).toBe('/api/v1/namespaces/x/pods/p/proxy/a/b');
    expect(info.parts).toEqual(['pods', 'p', 'proxy', 'a', 'b']);
    expect(run({ ...c, target: '/api/v1/namespaces/foo/status' }).parts).toEqual(['namespaces', 'foo', 'status']);
    expect(run({ ...c, target: '/api/v1/namespaces/foo' }).parts).toEqual(['namespaces', 'foo']);
    expect(run({ ...c, target: '/apis/apps/v1/watch/namespaces/x/deployments' }).parts).toEqual(['deployments']);
  });

  it('reports upgrades', () => {
    const base: Case = { name: '', method: 'GET', target: '/api/v1/namespaces/x/pods/p/exec', want: NR('') };
    expect(run({ ...base, headers: WS }).upgrade).toBe(true);
    expect(run({ ...base, method: 'POST', headers: SPDY }).upgrade).toBe(true);
    expect(run({ ...base, headers: { connection: 'keep-alive, Upgrade' } }).upgrade).toBe(true);
    expect(run({ ...base, headers: { upgrade: 'websocket' } }).upgrade).toBe(true);
    expect(run({ ...base, method: 'CONNECT', headers: { ':protocol': 'websocket' } }).upgrade).toBe(true);
    expect(run({ ...base, headers: { upgrade: '' } }).upgrade).toBe(false);
    expect(run({ ...base, headers: { connection: 'keep-alive' } }).upgrade).toBe(false);
    expect(run(base).upgrade).toBe(false);
  });

  // CVE-2018-1002105: an upgrade the API server cannot serve left a tunnel to the backend behind it.
  it('an upgrade is served on subresources and watches only', () => {
    const served = (method: string, target: string, headers: Headers = WS) => !upgradeNotServed(run({ name: '', method, target, headers, want: NR('') }));
    expect(served('GET', '/api/v1/namespaces/x/pods/p/exec?command=sh')).toBe(true);
    expect(served('POST', '/api/v1/namespaces/x/pods/p/exec?command=sh', SPDY)).toBe(true);
    expect(served('GET', '/api/v1/namespaces/x/pods/p/portforward?ports=5432')).toBe(true);
    expect(served('GET', '/api/v1/namespaces/x/pods/p/log?follow=true')).toBe(true);
    expect(served('GET', '/api/v1/namespaces/x/services/web/proxy/')).toBe(true);
    expect(served('GET', '/apis/subresources.kubevirt.io/v1/namespaces/x/virtualmachineinstances/vm/console')).toBe(true);
    expect(served('GET', '/api/v1/namespaces/x/pods?watch=1')).toBe(true);
    expect(served('GET', '/api/v1/watch/namespaces/x/pods')).toBe(true);
    expect(served('CONNECT', '/api/v1/namespaces/x/pods/p/exec', { ':protocol': 'websocket' })).toBe(true);
    // Without an upgrade nothing is refused.
    expect(served('GET', '/apis/metrics.k8s.io/v1beta1', {})).toBe(true);
    // Discovery, gets and lists never switch protocols: the aggregator's refusal was the tunnel.
    expect(served('GET', '/apis/metrics.k8s.io/v1beta1')).toBe(false);
    expect(served('GET', '/apis/metrics.k8s.io/v1beta1', SPDY)).toBe(false);
    expect(served('GET', '/apis/metrics.k8s.io/v1beta1/namespaces/x/pods')).toBe(false);
    expect(served('GET', '/apis/servicecatalog.k8s.io/v1beta1/clusterservicebrokers/b')).toBe(false);
    expect(served('GET', '/api/v1/namespaces/x/pods')).toBe(false);
    expect(served('GET', '/version')).toBe(false);
    expect(served('CONNECT', '/api/v1/namespaces/x/pods', { ':protocol': 'websocket' })).toBe(false);
  });

  it('picks the byte-wise smallest metadata.name term, as kube sorts terms first', () => {
    const info = run({ name: '', method: 'GET', target: '/api/v1/secrets?fieldSelector=metadata.name%3Dzz%2Cmetadata.name%3D%3Daa', want: NR('') });
    // "metadata.name==aa" < "metadata.name=zz" because '=' (0x3d) < 'z'.
    expect(info.name).toBe('aa');
  });

  it('unescapes fieldSelector values and rejects bad escapes', () => {
    const name = (sel: string) =>
      run({ name: '', method: 'GET', target: `/api/v1/secrets?fieldSelector=${encodeURIComponent(sel)}`, want: NR('') }).name;
    expect(name('metadata.name=a\\,b')).toBe('a,b');
    expect(name('metadata.name=a\\x')).toBe('');
    expect(name('metadata.name=a=b')).toBe('');
    expect(name('metadata.name=a\\')).toBe('');
    expect(name('metadata.name=..')).toBe('');
    expect(name('metadata.name=a%b')).toBe('');
    expect(name('metadata.name=')).toBe('');
    expect(name(' metadata.name=a')).toBe('');
    expect(name('metadata.name=a+b')).toBe('a+b');
  });

  it('reads + as a space in query values, like Go', () => {
    const info = run({ name: '', method: 'GET', target: '/api/v1/secrets?fieldSelector=metadata.name%3Da+b', want: NR('') });
    expect(info.name).toBe('a b');
  });

  it('ignores every parameter when Go would (more than 10000)', () => {
    const query = 'fieldSelector=metadata.name%3Ddb&watch=1' + '&x'.repeat(9_999);
    const info = kubeRequestInfo('GET', '/api/v1/secrets', query, () => undefined);
    expect(info.verb).toBe('list');
    expect(info.name).toBe('');
    const under = kubeRequestInfo('GET', '/api/v1/secrets', 'fieldSelector=metadata.name%3Ddb&watch=1' + '&x'.repeat(9_998), () => undefined);
    expect(under.verb).toBe('watch');
    expect(under.name).toBe('db');
  });

  it('treats long-s as s in watch=false, like Go EqualFold', () => {
    const info = kubeRequestInfo('GET', '/api/v1/pods', 'watch=fal%C5%BFe', () => undefined);
    expect(info.verb).toBe('list');
  });

  it('mirrors kube for a bare special verb', () => {
    const info = kubeRequestInfo('GET', '/api/v1/watch', '', () => undefined);
    expect(info).toMatchObject({ isResourceRequest: true, verb: 'get', apiVersion: 'v1', resource: '', parts: [] });
  });
});
