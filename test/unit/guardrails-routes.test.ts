import { describe, expect, it } from 'vitest';
import { compileAssurance } from '../../src/core/assurance.js';
import { compileGlobList } from '../../src/core/glob.js';
import { inspect } from '../../src/guardrails/inspect.js';
import { compileGuardrails } from '../../src/guardrails/settings.js';
import { guardConfig, guardSettings, kube } from '../support/guardrails.js';

// What runtime.ts passes: the API server's names (a glob among them) and the step-up page's host.
const HOSTS = ['kube.test', 'kubernetes', 'kubernetes.**', 'auth.test'];
const cfg = guardConfig();
const settings = compileGuardrails(cfg.guardrails, compileAssurance(cfg.assurance.levels), false, HOSTS, compileGlobList(HOSTS, '.'))!;

const VS = '/apis/networking.istio.io/v1/namespaces/shop/virtualservices';
const codes = (method: string, path: string, body: unknown, contentType = 'application/json') =>
  inspect(kube(method, path), JSON.stringify(body), contentType, false, settings).violations.map((v) => v.code);
const vs = (hosts: unknown) => ({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'web' }, spec: { hosts } });

describe('gated_host_route', () => {
  it.each<[string, unknown]>([
    ['the API server host', ['kube.test']],
    ['capitals and a port', ['Kube.Test:443']],
    ['an in-cluster name (a glob)', ['kubernetes.default.svc.cluster.local']],
    ['the bare in-cluster name', ['kubernetes']],
    ['the step-up host', ['auth.test']],
    ['every host', ['*']],
    ['a wildcard over a configured host', ['*.test']],
    ['beside the team\'s own host', ['shop.example.com', 'kube.test']],
  ])('a VirtualService naming %s', (_what, hosts) => {
    expect(codes('POST', VS, vs(hosts))).toEqual(['gated_host_route']);
  });

  it.each<[string, unknown]>([
    ['its own host', ['shop.example.com']],
    ['a name that only starts like the API server\'s', ['kube.test.example.com']],
    ['its own wildcard', ['*.shop.example.com']],
    // Compared as written: a glob is not expanded under a route's wildcard (docs/guardrails.md).
    ['a wildcard that only a configured glob would cover', ['*.svc.cluster.local']],
    ['no hosts at all', undefined],
  ])('control: a VirtualService naming %s', (_what, hosts) => {
    expect(codes('POST', VS, vs(hosts))).toEqual([]);
  });

  it('reads every route kind where it keeps its hosts, and a body whose kind differs from the URL', () => {
    const gw = { apiVersion: 'networking.istio.io/v1', kind: 'Gateway', spec: { servers: [{ hosts: ['shop/shop.example.com'] }, { hosts: ['./kube.test'] }] } };
    expect(codes('POST', '/apis/networking.istio.io/v1/namespaces/shop/gateways', gw)).toEqual(['gated_host_route']);
    const k8sGw = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', spec: { listeners: [{ name: 'a', hostname: 'kube.test' }] } };
    expect(codes('POST', '/apis/gateway.networking.k8s.io/v1/namespaces/shop/gateways', k8sGw)).toEqual(['gated_host_route']);
    for (const r of ['httproutes', 'grpcroutes', 'tlsroutes']) {
      expect(codes('POST', `/apis/gateway.networking.k8s.io/v1/namespaces/shop/${r}`, { spec: { hostnames: ['auth.test'] } }), r).toEqual(['gated_host_route']);
    }
    expect(codes('POST', '/apis/networking.k8s.io/v1/namespaces/shop/ingresses', { spec: { rules: [{ host: 'kube.test' }] } })).toEqual(['gated_host_route']);
    expect(codes('POST', '/apis/networking.istio.io/v1/namespaces/shop/destinationrules', { spec: { host: 'kubernetes.default.svc.cluster.local', trafficPolicy: { tls: { mode: 'SIMPLE' } } } })).toEqual(['gated_host_route']);
    expect(codes('POST', '/apis/networking.istio.io/v1/namespaces/shop/serviceentries', { spec: { hosts: ['kube.test'], resolution: 'STATIC' } })).toEqual(['gated_host_route']);
    expect(codes('POST', '/apis/networking.istio.io/v1/namespaces/shop/destinationrules', { spec: { host: 'web.shop.svc.cluster.local' } })).toEqual([]);
    // A VirtualService body sent to the HTTPRoute URL is read as both.
    expect(codes('POST', '/apis/gateway.networking.k8s.io/v1/namespaces/shop/httproutes', vs(['kube.test']))).toEqual(['gated_host_route']);
  });

  it('patches: what they set is read; what they set without showing it counts as naming a checked host', () => {
    expect(codes('PATCH', `${VS}/web`, { spec: { hosts: ['kube.test'] } }, 'application/merge-patch+json')).toEqual(['gated_host_route']);
    expect(codes('PATCH', `${VS}/web`, { spec: { http: [{ route: [{ destination: { host: 'web' } }] }] } }, 'application/merge-patch+json')).toEqual([]);
    expect(codes('PATCH', `${VS}/web`, [{ op: 'add', path: '/spec/hosts/0', value: 'kube.test' }], 'application/json-patch+json')).toEqual(['gated_host_route']);
    expect(codes('PATCH', `${VS}/web`, [{ op: 'replace', path: '/spec/http/0/route/0/destination/host', value: 'web-canary' }], 'application/json-patch+json')).toEqual([]);
  });

  // eslint-disable-next-line no-control-regex -- what the details must not carry
  const CONTROL = /[\u0000-\u001f]/;
  it('details carry no control characters from the body, bounded', () => {
    const host = `kubernetes.\u001b[2J${'a'.repeat(300)}`;
    const [v] = inspect(kube('POST', VS), JSON.stringify(vs([host])), 'application/json', false, settings).violations;
    expect(v?.code).toBe('gated_host_route');
    expect(v?.detail).not.toMatch(CONTROL);
    expect(v!.detail.length).toBeLessThan(260);
    const flux = inspect(kube('PATCH', '/apis/source.toolkit.fluxcd.io/v1/namespaces/flux-system/gitrepositories/x'), JSON.stringify({ spec: { ['u\nrl'.repeat(30)]: 'x' } }), 'application/merge-patch+json', false, settings).violations;
    expect(flux.map((x) => x.code)).toEqual(['gitops_source_change']);
    expect(flux[0]!.detail).not.toMatch(CONTROL);
  });

  it("Flux's image automation is a source: a repointed ImageRepository is flagged, a reconcile is not", () => {
    const repo = '/apis/image.toolkit.fluxcd.io/v1beta2/namespaces/flux-system/imagerepositories/api';
    const patch = (body: unknown) => inspect(kube('PATCH', repo), JSON.stringify(body), 'application/merge-patch+json', false, settings).violations.map((x) => x.code);
    expect(patch({ spec: { image: 'ghcr.io/lookalike/api' } })).toEqual(['gitops_source_change']);
    expect(patch({ metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': '2026-03-24T10:00:00Z' } } })).toEqual([]);
  });

  it("Fleet's GitRepo is a source: repointed is flagged, a force update or a pause is not; Flux's suspend field is no Fleet routine", () => {
    const repo = '/apis/fleet.cattle.io/v1alpha1/namespaces/fleet-default/gitrepos/platform';
    const patch = (body: unknown) => inspect(kube('PATCH', repo), JSON.stringify(body), 'application/merge-patch+json', false, settings).violations;
    const repointed = patch({ spec: { repo: 'https://github.com/mallory/payload', forceSyncGeneration: 3 } });
    expect(repointed.map((x) => x.code)).toEqual(['gitops_source_change']);
    expect(repointed[0]!.detail).toBe("a patch of Fleet gitrepos changes spec.repo: what Fleet deploys, with its agents' rights");
    expect(patch({ spec: { helmSecretName: 'mallory-creds' } }).map((x) => x.code)).toEqual(['gitops_source_change']);
    expect(patch({ spec: { forceSyncGeneration: 4 } })).toEqual([]);
    expect(patch({ spec: { paused: true } })).toEqual([]);
    expect(patch({ spec: { suspend: true } }).map((x) => x.code)).toEqual(['gitops_source_change']);
    // And Fleet's routine fields are none of Flux's.
    const flux = inspect(kube('PATCH', '/apis/source.toolkit.fluxcd.io/v1/namespaces/flux-system/gitrepositories/x'), JSON.stringify({ spec: { paused: true } }), 'application/merge-patch+json', false, settings).violations;
    expect(flux.map((x) => x.code)).toEqual(['gitops_source_change']);
  });

  it('is quiet when stepgate was given no hosts (guardrails compiled on their own)', () => {
    const alone = compileGuardrails(cfg.guardrails, compileAssurance(cfg.assurance.levels))!;
    expect(inspect(kube('POST', VS), JSON.stringify(vs(['kube.test'])), 'application/json', false, alone).violations).toEqual([]);
  });
});

describe('gated_host_route: a route whose backend is the API server', () => {
  const api = (host: string) => ({ http: [{ route: [{ destination: { host, port: { number: 443 } } }] }] });
  const vsTo = (spec: object) => ({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'api' }, spec: { hosts: ['api.dev.example.com'], gateways: ['istio-system/public'], ...spec } });
  const httpRoute = (backendRefs: object[]) => ({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', spec: { hostnames: ['api.dev.example.com'], rules: [{ backendRefs }] } });
  const VS_DEV = '/apis/networking.istio.io/v1/namespaces/dev/virtualservices';
  const ROUTES_DEV = '/apis/gateway.networking.k8s.io/v1/namespaces/dev/httproutes';

  it.each<[string, string, unknown, string?]>([
    ['a VirtualService to the full in-cluster name', VS_DEV, vsTo(api('kubernetes.default.svc.cluster.local'))],
    ['a VirtualService to kubernetes.default, in capitals with a trailing dot', VS_DEV, vsTo(api('Kubernetes.Default.'))],
    ['a VirtualService in default to the bare name', '/apis/networking.istio.io/v1/namespaces/default/virtualservices', vsTo(api('kubernetes'))],
    ['a VirtualService mirroring to it', VS_DEV, vsTo({ http: [{ route: [{ destination: { host: 'web' } }], mirror: { host: 'kubernetes.default.svc' } }] })],
    ['a VirtualService passing TLS through to it', VS_DEV, vsTo({ tls: [{ match: [{ sniHosts: ['api.dev.example.com'] }], route: [{ destination: { host: 'kubernetes.default.svc.cluster.local' } }] }] })],
    ['an HTTPRoute to the Service in default', ROUTES_DEV, httpRoute([{ name: 'kubernetes', namespace: 'default', port: 443 }])],
    ["an HTTPRoute to Istio's Hostname backend", ROUTES_DEV, httpRoute([{ group: 'networking.istio.io', kind: 'Hostname', name: 'kubernetes.default.svc.cluster.local', port: 443 }])],
    ['an Ingress in default to the Service', '/apis/networking.k8s.io/v1/namespaces/default/ingresses', { spec: { rules: [{ host: 'api.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'kubernetes', port: { number: 443 } } } }] } }] } }],
    ['a ServiceEntry whose endpoint is the API server', '/apis/networking.istio.io/v1/namespaces/dev/serviceentries', { spec: { hosts: ['api.dev.internal'], resolution: 'DNS', endpoints: [{ address: 'kubernetes.default.svc.cluster.local' }] } }],
    ['an ExternalName Service aliasing it', '/api/v1/namespaces/dev/services', { apiVersion: 'v1', kind: 'Service', spec: { type: 'ExternalName', externalName: 'kubernetes.default.svc.cluster.local' } }],
    ['a merge patch pointing an existing route at it', `${VS_DEV}/api`, { spec: api('kubernetes.default.svc.cluster.local') }, 'application/merge-patch+json'],
  ])('%s', (_what, path, body, ct) => {
    // A mirror to it is also a copy of every request sent outside the namespace (traffic_mirrored).
    const mirrors = JSON.stringify(body).includes('"mirror"');
    expect(codes(path.endsWith('/api') ? 'PATCH' : 'POST', path, body, ct)).toEqual(mirrors ? ['gated_host_route', 'traffic_mirrored'] : ['gated_host_route']);
  });

  it.each<[string, string, unknown]>([
    ["a VirtualService to the team's own Service", VS_DEV, vsTo(api('web.dev.svc.cluster.local'))],
    ["a VirtualService in dev to a Service of dev named kubernetes", VS_DEV, vsTo(api('kubernetes'))],
    ['a name that only starts like it', VS_DEV, vsTo(api('kubernetes.default-backend.svc.cluster.local'))],
    ['an HTTPRoute to a Service named kubernetes in its own namespace', ROUTES_DEV, httpRoute([{ name: 'kubernetes', port: 443 }])],
    ['an Ingress outside default to a Service named kubernetes', '/apis/networking.k8s.io/v1/namespaces/dev/ingresses', { spec: { defaultBackend: { service: { name: 'kubernetes', port: { number: 443 } } } } }],
    ['an ExternalName Service for a managed database', '/api/v1/namespaces/dev/services', { apiVersion: 'v1', kind: 'Service', spec: { type: 'ExternalName', externalName: 'db.abc.eu-west-1.rds.amazonaws.com' } }],
  ])('control: %s', (_what, path, body) => {
    expect(codes('POST', path, body)).toEqual([]);
  });

  it('names the backend and where it is written, within bounds', () => {
    const [v] = inspect(kube('POST', VS_DEV), JSON.stringify(vsTo(api('kubernetes.default.svc.cluster.local'))), 'application/json', false, settings).violations;
    expect(v).toEqual({ code: 'gated_host_route', detail: "VirtualService sends requests to kubernetes.default.svc.cluster.local, the API server's own Service: they reach it without a check", path: 'spec.http[0].route[0].destination.host' });
  });
});

describe("metadata_route: a backend or endpoint at the cloud's instance metadata service", () => {
  const inspectDev = (path: string, body: unknown) => inspect(kube('POST', path), JSON.stringify(body), 'application/json', false, settings).violations.map((v) => v.code);
  const vs = (host: string) => ({ spec: { hosts: ['api.dev.example.com'], gateways: ['istio-system/public'], http: [{ route: [{ destination: { host, port: { number: 80 } } }] }] } });
  const se = (address: string) => ({ spec: { hosts: ['api.dev.internal'], resolution: 'STATIC', endpoints: [{ address }] } });
  const VS_DEV = '/apis/networking.istio.io/v1/namespaces/dev/virtualservices';
  const SE_DEV = '/apis/networking.istio.io/v1/namespaces/dev/serviceentries';
  const SLICES = '/apis/discovery.k8s.io/v1/namespaces/dev/endpointslices';
  const slice = (address: string) => ({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4', endpoints: [{ addresses: [address] }] });

  it.each<[string, string, unknown]>([
    ['a VirtualService to 169.254.169.254', VS_DEV, vs('169.254.169.254')],
    ['with a port', VS_DEV, vs('169.254.169.254:80')],
    ['in leading zeros (the API server reads each part decimal)', VS_DEV, vs('169.254.169.0254')],
    ["ECS's task metadata address", VS_DEV, vs('169.254.170.2')],
    ["GCP's name, capitals and a trailing dot", VS_DEV, vs('Metadata.Google.Internal.')],
    ["Alibaba's address", VS_DEV, vs('100.100.100.200')],
    ["AWS's IPv6 address, bracketed with a port", VS_DEV, vs('[fd00:ec2::254]:80')],
    ['IPv4-mapped', VS_DEV, vs('::ffff:169.254.169.254')],
    ['spelled in a wildcard DNS name (nip.io)', VS_DEV, vs('169.254.169.254.nip.io')],
    ['in eight hex digits (nip.io)', VS_DEV, vs('imds-a9fea9fe.nip.io')],
    ["a ServiceEntry's endpoint", SE_DEV, se('169.254.169.254')],
    ["an ExternalName Service's name", '/api/v1/namespaces/dev/services', { apiVersion: 'v1', kind: 'Service', spec: { type: 'ExternalName', externalName: 'metadata.google.internal' } }],
    ['an EndpointSlice', SLICES, slice('169.254.169.254')],
    ["an Endpoints' address", '/api/v1/namespaces/dev/endpoints', { subsets: [{ addresses: [{ ip: '169.254.169.254' }] }] }],
    ['an Istio WorkloadEntry', '/apis/networking.istio.io/v1/namespaces/dev/workloadentries', { spec: { address: '169.254.169.254' } }],
    ["an Envoy Gateway Backend's ip endpoint", '/apis/gateway.envoyproxy.io/v1alpha1/namespaces/dev/backends', { spec: { endpoints: [{ ip: { address: '169.254.169.254', port: 80 } }] } }],
  ])('%s', (_what, path, body) => {
    expect(inspectDev(path, body)).toEqual(['metadata_route']);
  });

  it.each<[string, string, unknown]>([
    ["the team's own Service", VS_DEV, vs('web.dev.svc.cluster.local')],
    ['an address next to the link-local range', VS_DEV, vs('169.253.169.254')],
    ['a cluster IPv6 address under fd00::/8', VS_DEV, vs('fd00:10:96::1')],
    ['a name that only contains the word metadata', VS_DEV, vs('metadata.dev.svc.cluster.local')],
    ['a pod endpoint', SLICES, slice('10.244.1.7')],
  ])('control: %s', (_what, path, body) => {
    expect(inspectDev(path, body)).toEqual([]);
  });

  it('says what the route reaches, at the field that names it', () => {
    const [v] = inspect(kube('POST', VS_DEV), JSON.stringify(vs('169.254.169.254')), 'application/json', false, settings).violations;
    expect(v?.detail).toBe("VirtualService sends requests to 169.254.169.254, the cloud's instance metadata service: whoever calls it is handed the node's cloud credentials");
    expect(v?.path).toBe('spec.http[0].route[0].destination.host');
  });
});

describe("loopback_route: a backend at the proxy's own loopback", () => {
  const inspectDev = (path: string, body: unknown) => inspect(kube('POST', path), JSON.stringify(body), 'application/json', false, settings).violations.map((v) => v.code);
  // The admin ports of the gateway's Envoy (Istio's, Envoy Gateway's): data in a route, never listened on.
  const ISTIO_ADMIN = 15_000;
  const ENVOY_GATEWAY_ADMIN = 19_000;
  const vs = (host: string) => ({ spec: { hosts: ['admin.dev.example.com'], gateways: ['istio-system/public'], http: [{ route: [{ destination: { host, port: { number: ISTIO_ADMIN } } }] }] } });
  const VS_DEV = '/apis/networking.istio.io/v1/namespaces/dev/virtualservices';
  const externalName = (name: string) => ({ apiVersion: 'v1', kind: 'Service', spec: { type: 'ExternalName', externalName: name } });

  it.each<[string, string, unknown]>([
    ['a VirtualService to 127.0.0.1 (the gateway\'s Envoy admin port)', VS_DEV, vs(`127.0.0.1:${ISTIO_ADMIN}`)],
    ['anywhere in 127.0.0.0/8', VS_DEV, vs('127.1.2.3')],
    ['IPv6 loopback, bracketed', VS_DEV, vs(`[::1]:${ISTIO_ADMIN}`)],
    ['the unspecified address (a connect on Linux reaches loopback)', VS_DEV, vs('0.0.0.0')],
    ['spelled in a wildcard DNS name', VS_DEV, vs('127.0.0.1.nip.io')],
    ["a ServiceEntry's endpoint", '/apis/networking.istio.io/v1/namespaces/dev/serviceentries', { spec: { hosts: ['admin.dev.internal'], resolution: 'STATIC', endpoints: [{ address: '127.0.0.1' }] } }],
    ["an ExternalName of localhost (Contour's CVE-2021-32783)", '/api/v1/namespaces/dev/services', externalName('localhost')],
    ['an ExternalName under .localhost, with a trailing dot', '/api/v1/namespaces/dev/services', externalName('admin.localhost.')],
    ["an Envoy Gateway Backend's ip endpoint (Envoy Gateway's admin port)", '/apis/gateway.envoyproxy.io/v1alpha1/namespaces/dev/backends', { spec: { endpoints: [{ ip: { address: '127.0.0.1', port: ENVOY_GATEWAY_ADMIN } }] } }],
  ])('%s', (_what, path, body) => {
    expect(inspectDev(path, body)).toEqual(['loopback_route']);
  });

  it.each<[string, string, unknown]>([
    ["a Service named localhost in the VirtualService's namespace (Istio's short name)", VS_DEV, vs('localhost')],
    ['a name that only starts with localhost', '/api/v1/namespaces/dev/services', externalName('localhost.example.com')],
    ['an address next to loopback', VS_DEV, vs('128.0.0.1')],
  ])('control: %s', (_what, path, body) => {
    expect(inspectDev(path, body)).toEqual([]);
  });
});

describe('gated_host_route: a backend or endpoint at one of guardrails.api_server_addresses', () => {
  const at = guardSettings('guardrails:\n  api_server_addresses: [10.96.0.1, "fd00:10:96::1", 10.0.0.10/31]\n');
  const inspectAt = (path: string, body: unknown) => inspect(kube('POST', path), JSON.stringify(body), 'application/json', false, at).violations.map((v) => v.code);
  const vs = (host: string) => ({ spec: { hosts: ['api.dev.example.com'], http: [{ route: [{ destination: { host } }] }] } });
  const slice = (address: string) => ({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4', endpoints: [{ addresses: [address] }] });
  const VS_DEV = '/apis/networking.istio.io/v1/namespaces/dev/virtualservices';
  const SLICES = '/apis/discovery.k8s.io/v1/namespaces/dev/endpointslices';
  const WE_DEV = '/apis/networking.istio.io/v1/namespaces/dev/workloadentries';
  const BE_DEV = '/apis/gateway.envoyproxy.io/v1alpha1/namespaces/dev/backends';

  it.each<[string, string, unknown]>([
    ['the ClusterIP as a destination', VS_DEV, vs('10.96.0.1')],
    ['the ClusterIP with a port', VS_DEV, vs('10.96.0.1:443')],
    ['an IPv6 address, compressed otherwise and bracketed with a port', VS_DEV, vs('[fd00:10:96:0::1]:443')],
    ['the ClusterIP IPv4-mapped', VS_DEV, vs('::ffff:10.96.0.1')],
    ['a control-plane node inside the CIDR', SLICES, slice('10.0.0.11')],
    ["an Endpoints' not-ready address", '/api/v1/namespaces/dev/endpoints', { subsets: [{ notReadyAddresses: [{ ip: '10.96.0.1' }] }] }],
    // Wildcard DNS answers these with the address they spell, and CoreDNS (pods insecure) the last.
    ['a name spelling the address in dotted labels (nip.io)', VS_DEV, vs('10.96.0.1.nip.io')],
    ['in dashed parts of a label, with a port (sslip.io)', VS_DEV, vs('api-10-96-0-1.sslip.io:443')],
    ['in eight hex digits (nip.io)', VS_DEV, vs('app-0a600001.nip.io')],
    ["a pod name of CoreDNS's for a control-plane node", VS_DEV, vs('10-0-0-11.kube-system.pod.cluster.local')],
    // nip.io splits the name on dots and dashes alike and takes the last four parts; sslip.io's
    // patterns take a dotted address after a dash and before one: separators mixed across labels.
    ['in parts split by dots and dashes mixed (nip.io)', VS_DEV, vs('10-96.0-1.nip.io')],
    ['a dotted address after a dash (sslip.io, nip.io)', VS_DEV, vs('api-10.96.0.1.sslip.io')],
    ['a dotted address before a dash (sslip.io)', VS_DEV, vs('10.96.0.1-api.sslip.io')],
    ['an IPv4-mapped address in dashes (sslip.io AAAA)', VS_DEV, vs('--ffff-10.96.0.1.sslip.io')],
    ['an IPv6 address in dashes (sslip.io AAAA)', VS_DEV, vs('fd00-10-96--1.sslip.io')],
    ['an IPv6 address in dashes after a word, in capitals, with a trailing dot', VS_DEV, vs('API-FD00-10-96-0-0-0-0-1.SSLIP.IO.')],
    ['an FQDN EndpointSlice naming the API server', SLICES, { ...slice('kubernetes.default.svc.cluster.local'), addressType: 'FQDN' }],
    // Kinds that claim no host but say where a route's traffic goes.
    ["an Istio WorkloadEntry (an endpoint of every Service its labels match)", WE_DEV, { spec: { address: '10.96.0.1', labels: { app: 'web' } } }],
    ['a WorkloadEntry by name', WE_DEV, { spec: { address: 'kubernetes.default.svc' } }],
    ["an Envoy Gateway Backend's ip endpoint", BE_DEV, { spec: { endpoints: [{ ip: { address: '10.96.0.1', port: 443 } }] } }],
    ["a Backend's fqdn endpoint", BE_DEV, { spec: { endpoints: [{ fqdn: { hostname: 'kubernetes.default.svc.cluster.local', port: 443 } }] } }],
    ['a Backend of type DynamicResolver (every Host header a destination)', BE_DEV, { spec: { type: 'DynamicResolver' } }],
  ])('%s', (_what, path, body) => {
    expect(inspectAt(path, body)).toEqual(['gated_host_route']);
  });

  it.each<[string, string, unknown]>([
    ['the next address', VS_DEV, vs('10.96.0.2')],
    ['a node outside the CIDR', SLICES, slice('10.0.0.12')],
    ['a name made of digits and dots that spells no listed address', VS_DEV, vs('v1.10.96.0.2.nip.io')],
    ['three numeric labels and a word', VS_DEV, vs('10.96.1.example.com')],
    ["a WorkloadEntry for a VM of the team's", WE_DEV, { spec: { address: '10.20.3.4', labels: { app: 'legacy-billing' } } }],
    ["a WorkloadEntry on the proxy's own unix socket", WE_DEV, { spec: { address: 'unix:///var/run/app.sock' } }],
    ["a Backend for a partner's API", BE_DEV, { spec: { endpoints: [{ fqdn: { hostname: 'api.partner.example', port: 443 } }] } }],
  ])('control: %s', (_what, path, body) => {
    expect(inspectAt(path, body)).toEqual([]);
  });

  it('is quiet when none are configured', () => {
    expect(inspect(kube('POST', SLICES), JSON.stringify(slice('10.96.0.1')), 'application/json', false, settings).violations).toEqual([]);
  });

  it('refuses an entry that is no address or CIDR, naming the field', () => {
    expect(() => guardConfig('guardrails:\n  api_server_addresses: [kubernetes.default]\n')).toThrow(/guardrails\.api_server_addresses\[0\]: must be an IP address or CIDR/);
  });
});

describe('an ExternalName spelt as inet_aton reads it (sweep48)', () => {
  // glibc's getaddrinfo (HAProxy, Envoy's getaddrinfo resolver, most clients) reads `0` as octal,
  // `0x` as hex, and a last part that fills the bytes left; Kubernetes reads an Endpoints' parts decimal.
  const at = guardSettings('guardrails:\n  api_server_addresses: [10.96.0.1]\n');
  const codes = (name: string) => inspect(kube('POST', '/api/v1/namespaces/dev/services'), JSON.stringify({ apiVersion: 'v1', kind: 'Service', spec: { type: 'ExternalName', externalName: name } }), 'application/json', false, at).violations.map((v) => v.code);

  it.each<[string, string]>([
    ['0177.0.0.1', 'loopback_route'],
    ['0177.1', 'loopback_route'],
    ['0251.0376.0251.0376', 'metadata_route'],
    ['0x0a600001', 'gated_host_route'],
    ['174063617', 'gated_host_route'],
    ['012.0140.0.01', 'gated_host_route'],
  ])('%s is %s', (name, code) => {
    expect(codes(name)).toEqual([code]);
  });

  it('control: a name that only holds such parts, an address beside the API server, a part octal cannot read', () => {
    for (const name of ['a.0177.0.0.1', '10.96.0.2', '08.1.1.1']) expect(codes(name), name).toEqual([]);
  });
});
