import { describe, expect, it } from 'vitest';
import { inspect } from '../../src/guardrails/inspect.js';
import { compileHostOwners } from '../../src/guardrails/host-owners.js';
import { configProblems } from '../support/config.js';
import { GUARD_BASE, guardSettings, kube, toJsonPatch, toYaml } from '../support/guardrails.js';
import { encodeKube } from '../support/kube-protobuf.js';

/**
 * route_host_not_owned (guardrails.host_owners): which namespaces own which hostnames, read from
 * every kind that claims one, in every body shape the guardrails read.
 */

const settings = guardSettings(`
guardrails:
  host_owners:
    - hosts: [shop.example.com, "*.shop.example.com", "api-*.example.org"]
      namespaces: [shop, "*-prod"]
    - hosts: ["*.staging.shop.example.com"]
      namespaces: ["*-staging"]
`);

const codes = (method: string, path: string, body: unknown, contentType = 'application/json') =>
  inspect(kube(method, path), typeof body === 'string' ? body : JSON.stringify(body), contentType, false, settings).violations.map((v) => v.code);

const route = (hostnames: unknown) => ({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'r' }, spec: { hostnames } });
const ROUTES = (ns: string) => `/apis/gateway.networking.k8s.io/v1/namespaces/${ns}/httproutes`;

describe('compileHostOwners', () => {
  const claimed = compileHostOwners([
    { hosts: ['shop.example.com', '*.shop.example.com', 'api-*.example.org'], namespaces: ['shop', '*-prod'] },
    { hosts: ['*.staging.shop.example.com'], namespaces: ['*-staging'] },
  ])!;

  it.each<[string, string]>([
    ['shop.example.com', 'dev'],
    ['SHOP.Example.com:443', 'dev'],
    ['shop.example.com.', 'dev'],
    ['www.shop.example.com', 'cart-staging'],
    ['*.example.com', 'dev'],
    ['*.shop.example.com', 'dev'],
    ['*', 'dev'],
    ['*.example.org', 'dev'],
    ['api-eu.example.org', 'dev'],
    ['x.staging.shop.example.com', 'dev'],
    ['*.staging.shop.example.com', 'cart-prod'],
    ['shop.example.com', ''],
  ])('%s named in %s is claimed', (host, ns) => {
    expect(claimed(host, ns)).toBe(true);
  });

  it.each<[string, string]>([
    ['shop.example.com', 'shop'],
    ['shop.example.com', 'cart-prod'],
    ['www.shop.example.com', 'cart-prod'],
    ['x.staging.shop.example.com', 'cart-staging'],
    // One label under *.staging…: the staging entry's, and any owner of the host may name it.
    ['*.staging.shop.example.com', 'cart-staging'],
    ['web.dev.example.com', 'dev'],
    ['example.com', 'dev'],
    ['*.dev.example.com', 'dev'],
    ['shop.example.com.evil.test', 'dev'],
    ['', 'dev'],
  ])('%s named in %s is not', (host, ns) => {
    expect(claimed(host, ns)).toBe(false);
  });

  it('is undefined without entries', () => {
    expect(compileHostOwners([])).toBeUndefined();
  });
});

describe('route_host_not_owned', () => {
  it.each<[string, string, string, unknown, string?]>([
    ['an HTTPRoute', 'POST', ROUTES('dev'), route(['shop.example.com'])],
    ['a GRPCRoute', 'POST', '/apis/gateway.networking.k8s.io/v1/namespaces/dev/grpcroutes', { ...route(['shop.example.com']), kind: 'GRPCRoute' }],
    ['a TLSRoute', 'POST', '/apis/gateway.networking.k8s.io/v1alpha2/namespaces/dev/tlsroutes', { ...route(['shop.example.com']), apiVersion: 'gateway.networking.k8s.io/v1alpha2', kind: 'TLSRoute' }],
    ['an HTTPRoute replaced', 'PUT', `${ROUTES('dev')}/r`, route(['web.dev.example.com', 'shop.example.com'])],
    ['an HTTPRoute by merge patch', 'PATCH', `${ROUTES('dev')}/r`, { spec: { hostnames: ['shop.example.com'] } }, 'application/merge-patch+json'],
    ['an HTTPRoute by JSON patch', 'PATCH', `${ROUTES('dev')}/r`, toJsonPatch({ spec: { hostnames: ['shop.example.com'] } }), 'application/json-patch+json'],
    ['an HTTPRoute applied server-side', 'PATCH', `${ROUTES('dev')}/r`, toYaml(route(['shop.example.com'])), 'application/apply-patch+yaml'],
    ['an HTTPRoute as YAML', 'POST', ROUTES('dev'), toYaml(route(['*.example.com'])), 'application/yaml'],
    ['an HTTPRoute with no namespace in the path', 'POST', '/apis/gateway.networking.k8s.io/v1/httproutes', { ...route(['shop.example.com']), metadata: { name: 'r', namespace: 'dev' } }],
    ['an Ingress rule', 'POST', '/apis/networking.k8s.io/v1/namespaces/dev/ingresses', { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'i' }, spec: { rules: [{ host: 'shop.example.com' }] } }],
    ['an Ingress TLS name', 'POST', '/apis/networking.k8s.io/v1/namespaces/dev/ingresses', { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'i' }, spec: { tls: [{ hosts: ['shop.example.com'] }] } }],
    ['an Ingress whose server-alias names the host', 'POST', '/apis/networking.k8s.io/v1/namespaces/dev/ingresses', { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'i', annotations: { 'nginx.ingress.kubernetes.io/server-alias': 'www.dev.example.com, shop.example.com' } }, spec: { rules: [{ host: 'web.dev.example.com' }] } }],
    ['a server-alias added by a merge patch', 'PATCH', '/apis/networking.k8s.io/v1/namespaces/dev/ingresses/i', { metadata: { annotations: { 'nginx.ingress.kubernetes.io/server-alias': 'shop.example.com' } } }, 'application/merge-patch+json'],
    ['an Ingress by strategic merge patch', 'PATCH', '/apis/networking.k8s.io/v1/namespaces/dev/ingresses/i', { spec: { rules: [{ host: 'shop.example.com' }] } }, 'application/strategic-merge-patch+json'],
    ['a VirtualService', 'POST', '/apis/networking.istio.io/v1/namespaces/dev/virtualservices', { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'v' }, spec: { hosts: ['shop.example.com'] } }],
    ['an Istio Gateway binding dev to the host', 'POST', '/apis/networking.istio.io/v1/namespaces/istio-ingress/gateways', { apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: { name: 'g' }, spec: { servers: [{ hosts: ['dev/shop.example.com'] }] } }],
    ['an Istio Gateway in dev serving the host', 'POST', '/apis/networking.istio.io/v1/namespaces/dev/gateways', { apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: { name: 'g' }, spec: { servers: [{ hosts: ['./shop.example.com'] }] } }],
    ['a ServiceEntry', 'POST', '/apis/networking.istio.io/v1/namespaces/dev/serviceentries', { apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { name: 's' }, spec: { hosts: ['shop.example.com'] } }],
    ['a kind the URL does not name (the body names HTTPRoute)', 'POST', ROUTES('dev'), { ...route(undefined), kind: 'Ingress', apiVersion: 'networking.k8s.io/v1', spec: { rules: [{ host: 'shop.example.com' }] } }],
  ])('%s for a hostname other namespaces own', (_what, method, path, body, contentType) => {
    expect(codes(method, path, body, contentType)).toContain('route_host_not_owned');
  });

  // kubectl sends built-in kinds as protobuf when asked to (`--kubeconfig` content type, client-go's
  // default for some tools): an Ingress's TLS hosts are read there too, not only its rules' hosts.
  it.each<[string, Record<string, unknown>]>([
    ['a rule', { rules: [{ host: 'shop.example.com' }] }],
    ['a TLS name', { tls: [{ hosts: ['web.dev.example.com', 'shop.example.com'] }] }],
  ])('a protobuf Ingress naming the host in %s', (_what, spec) => {
    const body = encodeKube({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'i', namespace: 'dev' }, spec });
    const r = inspect(kube('POST', '/apis/networking.k8s.io/v1/namespaces/dev/ingresses'), body, 'application/vnd.kubernetes.protobuf', false, settings);
    expect(r.violations.map((v) => v.code)).toContain('route_host_not_owned');
  });

  it.each<[string, string, string, unknown, string?]>([
    ['the owner\'s HTTPRoute', 'POST', ROUTES('shop'), route(['shop.example.com', '*.shop.example.com'])],
    ['production\'s HTTPRoute', 'POST', ROUTES('cart-prod'), route(['cart.shop.example.com'])],
    ['dev\'s own host', 'POST', ROUTES('dev'), route(['web.dev.example.com'])],
    ['an HTTPRoute without hostnames', 'POST', ROUTES('dev'), route(undefined)],
    ['a merge patch that leaves the hostnames', 'PATCH', `${ROUTES('dev')}/r`, { spec: { rules: [] } }, 'application/merge-patch+json'],
    ['an Istio Gateway binding the owner to the host', 'POST', '/apis/networking.istio.io/v1/namespaces/istio-ingress/gateways', { apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: { name: 'g' }, spec: { servers: [{ hosts: ['shop/shop.example.com'] }] } }],
    ['a VirtualService for an in-mesh name', 'POST', '/apis/networking.istio.io/v1/namespaces/dev/virtualservices', { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'v' }, spec: { hosts: ['web.dev.svc.cluster.local', 'web'] } }],
  ])('control: %s', (_what, method, path, body, contentType) => {
    expect(codes(method, path, body, contentType)).not.toContain('route_host_not_owned');
  });

  it('a JSON patch copying a value into the hostnames is judged as an unreadable body', () => {
    const r = inspect(kube('PATCH', `${ROUTES('dev')}/r`), JSON.stringify([{ op: 'copy', from: '/metadata/annotations/x', path: '/spec/hostnames' }]), 'application/json-patch+json', false, settings);
    expect(r.unreadable).toBe('body_unreadable');
  });

  it('is off without guardrails.host_owners', () => {
    const none = guardSettings('guardrails: {}\n');
    expect(inspect(kube('POST', ROUTES('dev')), JSON.stringify(route(['shop.example.com'])), 'application/json', false, none).violations).toEqual([]);
  });

  it('names the host and the namespace', () => {
    const [v] = inspect(kube('POST', ROUTES('dev')), JSON.stringify(route(['Shop.Example.com'])), 'application/json', false, settings).violations;
    expect(v).toMatchObject({ code: 'route_host_not_owned', path: 'spec.hostnames[0]' });
    expect(v!.detail).toContain('shop.example.com in namespace dev');
  });
});

describe('guardrails.host_owners validation', () => {
  it('names file, line and field for an entry without namespaces', () => {
    const [p] = configProblems(`${GUARD_BASE}guardrails:\n  host_owners:\n    - hosts: [shop.example.com]\n`, 'policy.yaml');
    expect(p).toMatchObject({ file: 'policy.yaml', field: 'guardrails.host_owners[0].namespaces', message: 'required field is missing' });
    expect(p!.line).toBeGreaterThan(0);
  });

  it('names the field of an empty host list', () => {
    const [p] = configProblems(`${GUARD_BASE}guardrails:\n  host_owners:\n    - hosts: []\n      namespaces: [shop]\n`, 'policy.yaml');
    expect(p).toMatchObject({ field: 'guardrails.host_owners[0].hosts' });
  });
});
