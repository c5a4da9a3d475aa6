import { describe, expect, it } from 'vitest';
import { compileHostMatcher } from '../../src/core/glob.js';
import { buildAttributes } from '../../src/request/build.js';
import { presentedCredential } from '../../src/request/credentials.js';
import { RequestHeaders } from '../../src/request/headers.js';

/**
 * kubernetes.proxies: what follows a dashboard's prefix is the API server's request (core/glob.ts,
 * request/build.ts), and the credential the dashboard sends on must be the one stepgate verified
 * (request/credentials.ts).
 */

const hosts = compileHostMatcher(
  ['kubernetes'],
  [
    { hosts: ['backstage.example.com'], prefix: '/api/kubernetes/proxy' },
    { hosts: ['headlamp.example.com'], prefix: '/clusters/*' },
  ],
  [{ name: 'sydney', hosts: ['kubernetes.syd.example'] }],
);

function build(host: string, target: string, headers: [string, string][] = []) {
  const built = buildAttributes(
    { method: 'GET', target, authority: host, scheme: 'https', headers: RequestHeaders.of(headers), sourceAddress: '10.0.0.1', sourcePrincipal: '', contextExtensions: {}, body: undefined, bodyTruncated: false },
    [],
    hosts,
  );
  if (!built.ok) throw new Error(built.detail);
  return built.attributes;
}

describe('kubernetes.proxies: the prefix in any letter case', () => {
  // Express (Backstage's backend) routes without case: `/API/Kubernetes/Proxy/api/v1/…` is the
  // plugin's proxy, and it strips the prefix as spelt before the API server sees the rest.
  it.each(['/api/kubernetes/proxy', '/API/KUBERNETES/PROXY', '/Api/Kubernetes/proxy'])('%s/api/v1/namespaces/prod/secrets/db is the Secret read', (prefix) => {
    const a = build('backstage.example.com', `${prefix}/api/v1/namespaces/prod/secrets/db`);
    expect(a.kube).toMatchObject({ verb: 'get', namespace: 'prod', resource: 'secrets', name: 'db' });
    expect(a.throughKubeProxy).toBe(true);
  });

  it('a `*` segment still names its cluster, the literal ones in any case', () => {
    expect(build('headlamp.example.com', '/CLUSTERS/sydney/api/v1/namespaces/prod/secrets').cluster).toBe('sydney');
  });

  it('the dashboard\'s own pages stay web requests, and no other host reads the prefix', () => {
    expect(build('backstage.example.com', '/API/KUBERNETES/services/billing').kube).toBeUndefined();
    expect(build('grafana.example.com', '/api/kubernetes/proxy/api/v1/namespaces/prod/secrets').kube).toBeUndefined();
    expect(build('backstage.example.com', '/api/kubernetes/proxy/api/v1/namespaces/prod/secrets').throughKubeProxy).toBe(true);
    expect(build('kubernetes', '/api/v1/namespaces/prod/secrets').throughKubeProxy).toBeUndefined();
  });
});

describe("presentedCredential through a Kubernetes API proxy: Backstage's own authorization headers", () => {
  const h = (o: Record<string, string>) => new Map(Object.entries(o));
  const s = 'stepgate_session';
  it.each([
    ['the same token in Backstage-Kubernetes-Authorization', { authorization: 'Bearer t1', 'backstage-kubernetes-authorization': 'Bearer t1' }, { kind: 'bearer', token: 't1' }],
    ['the same token in an oidc provider header', { authorization: 'Bearer t1', 'backstage-kubernetes-authorization-oidc-okta': 't1' }, { kind: 'bearer', token: 't1' }],
    ['another token in Backstage-Kubernetes-Authorization', { authorization: 'Bearer t1', 'backstage-kubernetes-authorization': 'Bearer t2' }, { kind: 'problem', reason: 'credential_ambiguous' }],
    ['another token in an oidc provider header', { authorization: 'Bearer t1', 'backstage-kubernetes-authorization-oidc-okta': 't2' }, { kind: 'problem', reason: 'credential_ambiguous' }],
    ['another token in a framework header', { authorization: 'Bearer t1', 'backstage-kubernetes-authorization-google': 't2' }, { kind: 'problem', reason: 'credential_ambiguous' }],
    ['the token without Bearer in Backstage-Kubernetes-Authorization', { authorization: 'Bearer t1', 'backstage-kubernetes-authorization': 't1' }, { kind: 'problem', reason: 'credential_ambiguous' }],
    ['two joined in Backstage-Kubernetes-Authorization', { authorization: 'Bearer t1', 'backstage-kubernetes-authorization': 'Bearer t1, Bearer t2' }, { kind: 'problem', reason: 'credential_ambiguous' }],
    ['an empty provider header', { authorization: 'Bearer t1', 'backstage-kubernetes-authorization-oidc-okta': '' }, { kind: 'problem', reason: 'credential_ambiguous' }],
    ['beside a session cookie', { cookie: `${s}=c1`, 'backstage-kubernetes-authorization': 'Bearer t2' }, { kind: 'problem', reason: 'credential_ambiguous' }],
    ['a similar name that is no carrier', { authorization: 'Bearer t1', 'backstage-kubernetes-authorizationx': 't2' }, { kind: 'bearer', token: 't1' }],
    ["Headlamp's KUBECONFIG header (a stateless cluster's own credentials)", { authorization: 'Bearer t1', kubeconfig: 'YXBpVmVyc2lvbjogdjEK' }, { kind: 'problem', reason: 'credential_ambiguous' }],
    ['none at all: the missing token stays the answer', { 'backstage-kubernetes-authorization': 'Bearer t2' }, { kind: 'problem', reason: 'token_missing' }],
  ])('%s', (_n, headers, want) => {
    expect(presentedCredential(h(headers), s, true)).toMatchObject(want);
  });

  it('elsewhere the headers are nobody\'s credential and change nothing', () => {
    expect(presentedCredential(h({ authorization: 'Bearer t1', 'backstage-kubernetes-authorization': 'Bearer t2', kubeconfig: 'x' }), s)).toEqual({ kind: 'bearer', token: 't1' });
  });
});
