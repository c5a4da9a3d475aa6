import { describe, expect, it } from 'vitest';
import { compileHostMatcher } from '../../src/core/glob.js';
import { buildAttributes, type BuiltRequest } from '../../src/request/build.js';
import { RequestHeaders } from '../../src/request/headers.js';

/**
 * kubernetes.web_apis api `rancher` (request/web-apis-rancher.ts), through buildAttributes: each
 * Rancher path is the API server request it stands for, on the cluster its path names.
 */

const hosts = compileHostMatcher(
  ['kube.example'],
  // A `/k8s/clusters/*` proxy on the same host, as an operator might add: the Rancher reading comes first.
  [{ hosts: ['rancher.example'], prefix: '/k8s/clusters/*' }, { hosts: ['headlamp.example'], prefix: '/clusters/*' }],
  [{ name: 'c-m-prod1', hosts: ['prod1.example'] }],
  [{ hosts: ['rancher.example'], api: 'rancher' }],
);
const build = (method: string, target: string, body?: unknown, host = 'rancher.example'): BuiltRequest =>
  buildAttributes({ method, target, authority: host, scheme: 'https', headers: RequestHeaders.of([['content-type', 'application/json']]), sourceAddress: '10.0.0.1', sourcePrincipal: '', contextExtensions: {}, body: body === undefined ? undefined : JSON.stringify(body), bodyTruncated: false }, [], hosts);

type Row = [method: string, target: string, verb: string, group: string, resource: string, subresource: string, namespace: string, name: string, cluster?: string, body?: unknown];

describe('rancher: readings', () => {
  it.each<Row>([
    // Steve: plural names and schema IDs, in any case; nameorns by the type's scope.
    ['GET', '/v1/secrets/fleet-default/prod1-kubeconfig', 'get', '', 'secrets', '', 'fleet-default', 'prod1-kubeconfig'],
    ['GET', '/v1/Secret/fleet-default', 'list', '', 'secrets', '', 'fleet-default', ''],
    ['GET', '/v1/secrets', 'list', '', 'secrets', '', '', ''],
    ['GET', '/v1/rbac.authorization.k8s.io.clusterrolebinding/cluster-admin', 'get', 'rbac.authorization.k8s.io', 'clusterrolebindings', '', '', 'cluster-admin'],
    ['GET', '/v1/apps.deployments/dev/web?link=view', 'get', 'apps', 'deployments', '', 'dev', 'web'],
    ['GET', '/k8s/clusters/c-m-prod1/v1/pods/dev', 'list', '', 'pods', '', 'dev', '', 'c-m-prod1'],
    ['POST', '/v1/management.cattle.io.clusterroletemplatebindings', 'create', 'management.cattle.io', 'clusterroletemplatebindings', '', 'c-m-prod1', '', '', { metadata: { namespace: 'c-m-prod1' } }],
    ['POST', '/v1/management.cattle.io.globalrolebinding', 'create', 'management.cattle.io', 'globalrolebindings', '', '', ''],
    ['PUT', '/v1/fleet.cattle.io.gitrepos/fleet-default/platform', 'update', 'fleet.cattle.io', 'gitrepos', '', 'fleet-default', 'platform'],
    ['PATCH', '/v1/fleet.cattle.io.gitrepo/fleet-default/platform', 'patch', 'fleet.cattle.io', 'gitrepos', '', 'fleet-default', 'platform'],
    ['DELETE', '/v1/namespaces/dev', 'delete', '', 'namespaces', '', 'dev', 'dev'],
    ['POST', '/v1/management.cattle.io.clusters/c-m-prod1?action=generateKubeconfig', 'create', 'management.cattle.io', 'tokens', '', '', ''],
    // The API server passed through, locally and per cluster, with its query.
    ['GET', '/k8s/clusters/c-m-prod1/api/v1/namespaces/kube-system/pods/etcd/exec?command=sh', 'create', '', 'pods', 'exec', 'kube-system', 'etcd', 'c-m-prod1'],
    ['GET', '/api/v1/namespaces/dev/secrets/db', 'get', '', 'secrets', '', 'dev', 'db'],
    ['POST', '/ext/apis/ext.cattle.io/v1/tokens', 'create', 'ext.cattle.io', 'tokens', '', '', ''],
    // Norman's grants and mints.
    ['POST', '/v3/tokens', 'create', 'management.cattle.io', 'tokens', '', '', ''],
    ['POST', '/v3/clusters/c-m-prod1?action=generateKubeconfig', 'create', 'management.cattle.io', 'tokens', '', '', ''],
    ['POST', '/v3/clusterroletemplatebindings', 'create', 'management.cattle.io', 'clusterroletemplatebindings', '', 'c-m-prod1', '', '', { clusterId: 'c-m-prod1', roleTemplateId: 'cluster-owner' }],
    ['POST', '/v3/projectroletemplatebindings', 'create', 'management.cattle.io', 'projectroletemplatebindings', '', 'p-x7k2q', '', '', { projectId: 'c-m-prod1:p-x7k2q' }],
    ['POST', '/v3/clusterregistrationtokens', 'create', 'management.cattle.io', 'clusterregistrationtokens', '', 'c-m-prod1', '', '', { type: 'clusterRegistrationToken', clusterId: 'c-m-prod1' }],
    ['PUT', '/v3/globalrolebindings/grb-8xk2p', 'update', 'management.cattle.io', 'globalrolebindings', '', '', 'grb-8xk2p'],
    ['DELETE', '/v3/clusterroletemplatebindings/c-m-prod1:crtb-4f2', 'delete', 'management.cattle.io', 'clusterroletemplatebindings', '', 'c-m-prod1', 'crtb-4f2'],
    ['POST', '/v3/users/u-alice?action=setpassword', 'update', 'management.cattle.io', 'users', '', '', 'u-alice'],
    // Norman's Secret-backed types (the UI's Secrets, Registries, Certificates) are Secret reads.
    ['GET', '/v3/project/c-m-prod1:p-x7k2q/namespacedsecrets/payments:db-creds', 'get', '', 'secrets', '', 'payments', 'db-creds'],
    ['GET', '/v3/project/c-m-prod1:p-x7k2q/secrets', 'list', '', 'secrets', '', '', ''],
    ['GET', '/v3/projects/c-m-prod1:p-x7k2q/namespacedDockerCredentials?limit=-1', 'list', '', 'secrets', '', '', ''],
    ['GET', '/v3/certificates', 'list', '', 'secrets', '', '', ''],
    ['GET', '/k8s/clusters/c-m-prod1/v3/project/c-m-prod1:p-x7k2q/namespacedbasicauths/dev:git', 'get', '', 'secrets', '', 'dev', 'git', 'c-m-prod1'],
  ])('%s %s', (method, target, verb, group, resource, sub, ns, name, cluster = '', body = undefined) => {
    const b = build(method, target, body);
    expect(b.ok, JSON.stringify(b)).toBe(true);
    if (!b.ok) return;
    const k = b.attributes.kube;
    expect({ verb: k?.verb, group: k?.apiGroup, resource: k?.resource, sub: k?.subresource, ns: k?.namespace, name: k?.name }).toEqual({ verb, group, resource, sub, ns, name });
    expect(b.attributes.cluster).toBe(cluster);
  });
});

describe('rancher: web requests', () => {
  it.each([
    ['GET', '/dashboard/c/local/explorer'],
    ['GET', '/v1/schemas'],
    ['GET', '/v1'],
    ['PUT', '/v1/userpreferences/u-alice'],
    ['GET', '/v3/clusters'],
    ['POST', '/v3/tokens?action=logout'],
    ['POST', '/v3/principals?action=search'],
    ['POST', '/v3-public/localProviders/local?action=login'],
    ['OPTIONS', '/v1/secrets/dev/x'],
  ])('%s %s stays a web request', (method, target) => {
    const b = build(method, target, method === 'GET' ? undefined : {});
    expect(b.ok && b.attributes.kube).toBeUndefined();
  });

  it('a proxy host that is no web API is read as before', () => {
    const b = build('GET', '/clusters/x/api/v1/namespaces/a/secrets', undefined, 'headlamp.example');
    expect(b.ok && b.attributes.kube).toMatchObject({ resource: 'secrets', namespace: 'a' });
  });
});

describe('rancher: refused', () => {
  it.each([
    ['POST', '/v1/catalog.cattle.io.clusterrepos/rancher-charts?action=install', {}],
    ['POST', '/v1/example.com.widgets', { metadata: { namespace: 'dev' } }],
    ['DELETE', '/v1/example.com.widget/x', undefined],
    ['POST', '/v1/secrets', { metadata: {} }],
    ['PUT', '/v1/secrets/dev', {}],
    ['PUT', '/v1/namespaces/dev/x', {}],
    ['POST', '/v3/cloudcredentials', {}],
    ['POST', '/v3/clusterroletemplatebindings', { roleTemplateId: 'cluster-owner' }],
    ['PUT', '/v3/clusterroletemplatebindings/crtb-4f2', {}],
    ['GET', '/v1/secrets/dev/%2e%2e/x', undefined],
    ['get', '/v1/secrets/dev/x', undefined],
    ['GET', '/k8s/clusters/local/k8s/clusters/c-m-prod1/v1/secrets/dev/x', undefined],
    ['POST', '/k8s/clusters/local/v3/tokens', {}],
  ])('%s %s', (method, target, body) => {
    const b = build(method, target, body);
    expect(b.ok, JSON.stringify(b)).toBe(false);
  });
});
