import { describe, expect, it } from 'vitest';
import { compileHostMatcher } from '../../src/core/glob.js';
import { readBackstage } from '../../src/request/backstage.js';
import { buildAttributes } from '../../src/request/build.js';
import { presentedCredential } from '../../src/request/credentials.js';
import { RequestHeaders } from '../../src/request/headers.js';

/**
 * Backstage's Kubernetes backend beside its proxy (request/backstage.ts): the queries that list with
 * a token from the body, or list what the body names, on a `kubernetes.proxies` host whose prefix
 * is the plugin's `<mount>/proxy`.
 */

const CUSTOM = '/resources/custom/query';
const WORKLOADS = '/resources/workloads/query';
const json = (v: unknown) => () => v as Record<string, unknown> | undefined;

describe('readBackstage', () => {
  it.each<[string, string, string, unknown, readonly string[], readonly string[]]>([
    ['workloads query, no auth', 'POST', WORKLOADS, { entityRef: 'component:default/a' }, [], []],
    ['workloads query, an oidc provider token', 'POST', WORKLOADS, { auth: { oidc: { okta: 't1' } } }, ['t1'], []],
    ['services route, google and aks tokens', 'POST', '/services/billing', { auth: { google: 't1', aks: 't2' } }, ['t1', 't2'], []],
    ['services route, a decoded %2F in the id', 'POST', '/services/a/b', { auth: { google: 't1' } }, ['t1'], []],
    ['empty and null tokens are none', 'POST', WORKLOADS, { auth: { google: '', oidc: { okta: null } } }, [], []],
    ['custom query, a CRD', 'POST', CUSTOM, { customResources: [{ group: 'argoproj.io', apiVersion: 'v1alpha1', plural: 'rollouts' }] }, [], ['/apis/argoproj.io/v1alpha1/rollouts']],
    ['custom query, core secrets (group "")', 'POST', CUSTOM, { customResources: [{ group: '', apiVersion: 'v1', plural: 'secrets' }] }, [], ['/api/v1/secrets']],
    ['custom query, no group key', 'POST', CUSTOM, { customResources: [{ apiVersion: 'v1', plural: 'configmaps' }] }, [], ['/api/v1/configmaps']],
    ['custom query in capitals with a trailing slash', 'POST', '/RESOURCES/Custom/QUERY/', { customResources: [{ group: null, apiVersion: 'v1', plural: 'secrets' }] }, [], ['/api/v1/secrets']],
  ])('%s', (_what, method, rest, body, tokens, lists) => {
    expect(readBackstage(method, rest, json(body))).toEqual({ kind: 'query', tokens, lists });
  });

  it.each<[string, string, string]>([
    ['a GET of a route (Express serves only POST there)', 'GET', CUSTOM],
    ['the clusters list', 'GET', '/clusters'],
    ['an unknown POST', 'POST', '/resources/other'],
    ['/services/ with no id', 'POST', '/services/'],
  ])('%s is a web request', (_what, method, rest) => {
    expect(readBackstage(method, rest, json(undefined))).toEqual({ kind: 'web' });
  });

  it.each<[string, string, unknown]>([
    ['an unreadable body (absent, cut or not JSON)', WORKLOADS, undefined],
    ['auth that is a string', WORKLOADS, { auth: 'Bearer t1' }],
    ['an auth value that is an array', WORKLOADS, { auth: { oidc: ['t1'] } }],
    ['a nested auth value that is not a string', WORKLOADS, { auth: { oidc: { okta: { t: 't1' } } } }],
    ['a token as a number', '/services/x', { auth: { google: 1 } }],
    ['customResources missing', CUSTOM, {}],
    ['customResources empty', CUSTOM, { customResources: [] }],
    ['a plural with a slash (Go decodes the %2F: one object)', CUSTOM, { customResources: [{ group: '', apiVersion: 'v1', plural: 'secrets/db' }] }],
    ['a group that is not a string', CUSTOM, { customResources: [{ group: ['x'], apiVersion: 'v1', plural: 'secrets' }] }],
    ['an apiVersion with a dot segment', CUSTOM, { customResources: [{ group: 'apps', apiVersion: '..', plural: 'deployments' }] }],
    ['more custom resources than any page asks for', CUSTOM, { customResources: Array.from({ length: 33 }, () => ({ group: 'a.io', apiVersion: 'v1', plural: 'x' })) }],
  ])('%s: invalid', (_what, rest, body) => {
    expect(readBackstage('POST', rest, json(body)).kind).toBe('invalid');
  });
});

const hosts = compileHostMatcher(['kubernetes'], [
  { hosts: ['backstage.example.com'], prefix: '/api/kubernetes/proxy' },
  { hosts: ['headlamp.example.com'], prefix: '/clusters/*' },
]);

function build(host: string, target: string, body: string | undefined, truncated = false) {
  return buildAttributes(
    { method: 'POST', target, authority: host, scheme: 'https', headers: RequestHeaders.of([['content-type', 'application/json']]), sourceAddress: '10.0.0.1', sourcePrincipal: '', contextExtensions: {}, body, bodyTruncated: truncated },
    [],
    hosts,
  );
}

describe('buildAttributes on a Backstage host', () => {
  const secrets = JSON.stringify({ entityRef: 'component:default/a', customResources: [{ group: '', apiVersion: 'v1', plural: 'secrets' }], auth: { google: 't2' } });

  it('a custom query carries its body tokens and lists', () => {
    const built = build('backstage.example.com', '/API/Kubernetes/resources/custom/query', secrets);
    expect(built.ok && built.attributes).toMatchObject({ bodyTokens: ['t2'], alsoLists: [{ path: '/api/v1/secrets', cluster: '' }], kube: undefined });
  });

  it('with kubernetes.clusters, each list on every cluster and on none named (the locator picks them, unseen)', () => {
    const clustered = compileHostMatcher([], [{ hosts: ['backstage.example.com'], prefix: '/api/kubernetes/proxy' }], [{ name: 'dublin', hosts: ['k.dub.example'] }, { name: 'sydney', hosts: ['k.syd.example'] }]);
    const two = JSON.stringify({ entityRef: 'component:default/a', customResources: [{ group: '', apiVersion: 'v1', plural: 'secrets' }, { group: 'apps', apiVersion: 'v1', plural: 'deployments' }] });
    const query = (body: string, matcher: typeof clustered) =>
      buildAttributes(
        { method: 'POST', target: '/api/kubernetes/resources/custom/query', authority: 'backstage.example.com', scheme: 'https', headers: RequestHeaders.of([['content-type', 'application/json']]), sourceAddress: '10.0.0.1', sourcePrincipal: '', contextExtensions: {}, body, bodyTruncated: false },
        [],
        matcher,
      );
    const built = query(two, clustered);
    expect(built.ok && built.attributes.alsoLists).toEqual(['/api/v1/secrets', '/apis/apps/v1/deployments'].flatMap((path) => ['', 'dublin', 'sydney'].map((cluster) => ({ path, cluster }))));
    // Over 256 lists-on-clusters to judge: refused, never judged in part.
    const many = compileHostMatcher([], [{ hosts: ['backstage.example.com'], prefix: '/api/kubernetes/proxy' }], Array.from({ length: 8 }, (_, i) => ({ name: `c${i}`, hosts: [`k${i}.example`] })));
    const lists = JSON.stringify({ entityRef: 'component:default/a', customResources: Array.from({ length: 32 }, (_, i) => ({ group: 'example.com', apiVersion: 'v1', plural: `kind${i}s` })) });
    expect(query(lists, many)).toMatchObject({ ok: false });
  });

  it('a cut body is refused', () => {
    expect(build('backstage.example.com', '/api/kubernetes/resources/custom/query', secrets, true)).toMatchObject({ ok: false });
  });

  it('the proxy itself and other hosts are not read so', () => {
    const proxied = build('backstage.example.com', '/api/kubernetes/proxy/resources/custom/query', secrets);
    expect(proxied.ok && proxied.attributes.alsoLists).toBeUndefined();
    const headlamp = build('headlamp.example.com', '/resources/custom/query', secrets);
    expect(headlamp.ok && headlamp.attributes.bodyTokens).toBeUndefined();
    expect(hosts.backstageMount?.('headlamp.example.com')).toBeUndefined();
  });
});

describe('presentedCredential with body tokens', () => {
  const h = (v: Record<string, string>) => RequestHeaders.of(Object.entries(v));
  it.each<[string, Record<string, string>, readonly string[] | undefined, object]>([
    ['none', { authorization: 'Bearer t1' }, undefined, { kind: 'bearer', token: 't1' }],
    ['the verified token', { authorization: 'Bearer t1' }, ['t1'], { kind: 'bearer', token: 't1' }],
    ['another token', { authorization: 'Bearer t1' }, ['t1', 't2'], { kind: 'problem', reason: 'credential_ambiguous' }],
    ['any token beside a session cookie', { cookie: 'sg=abc' }, ['t1'], { kind: 'problem', reason: 'credential_ambiguous' }],
    ['a token with no credential at all', {}, ['t1'], { kind: 'problem', reason: 'token_missing' }],
  ])('%s', (_what, headers, tokens, want) => {
    expect(presentedCredential(h(headers), 'sg', false, tokens)).toMatchObject(want);
  });
});
