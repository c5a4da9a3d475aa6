import { describe, expect, it } from 'vitest';
import { compileAssurance } from '../../src/core/assurance.js';
import { compileGlobList } from '../../src/core/glob.js';
import { inspect } from '../../src/guardrails/inspect.js';
import { UNKNOWN_VALUE } from '../../src/guardrails/parse.js';
import { csrNames, literalSubjectNames } from '../../src/guardrails/rules/csr-names.js';
import { HOST_KEYS, hostKind } from '../../src/guardrails/rules/host-kinds.js';
import { hostOfRegexp, traefikRuleHosts } from '../../src/guardrails/rules/traefik-rule.js';
import { compileGuardrails } from '../../src/guardrails/settings.js';
import { guardConfig, guardSettings, kube } from '../support/guardrails.js';
import { csrPem, csrRequest } from '../support/csr.js';
import { envelope, lenField } from '../support/kube-protobuf.js';

/**
 * host-kinds.ts: every kind that claims a hostname, read by gated_host_route and
 * route_host_not_owned where its project keeps the name, and Traefik's rule strings.
 */

describe('traefikRuleHosts', () => {
  it.each<[string, string[]]>([
    ['Host(`a.example.com`)', ['a.example.com']],
    ['Host(`a.example.com`) && PathPrefix(`/api`)', ['a.example.com']],
    ['Host(`a.example.com`) || Host(`b.example.com`)', ['a.example.com', 'b.example.com']],
    // v2: several names in one matcher, HostHeader, double quotes.
    ['Host(`a.example.com`, `b.example.com`)', ['a.example.com', 'b.example.com']],
    ['HostHeader("a.example.com")', ['a.example.com']],
    ['HostSNI(`db.example.com`)', ['db.example.com']],
    ['HostSNI(`*`)', ['*']],
    ['(Host(`a.example.com`) && Path(`/x`)) || (Host(`b.example.com`) && Method(`GET`))', ['a.example.com', 'b.example.com']],
    ['HostRegexp(`^[a-z]+\\.example\\.com$`)', ['*.example.com']],
    ['HostRegexp(`{sub:[a-z]+}.example.com`)', ['*.example.com']],
    ['HostSNIRegexp(`^db-[0-9]+\\.example\\.com$`)', ['*.example.com']],
    ['HostRegexp(`^kube\\.example\\.com$`)', ['kube.example.com']],
    // An alternative without a host constraint serves every name.
    ['Host(`a.example.com`) || PathPrefix(`/`)', ['a.example.com', '*']],
    ['!Host(`a.example.com`)', ['a.example.com', '*']],
    // No host matcher: every name, at the rule's priority (its length by default).
    ['PathPrefix(`/api`)', ['*']],
    ['ClientIP(`10.0.0.0/8`) && Method(`GET`)', ['*']],
  ])('%s', (rule, hosts) => {
    expect(traefikRuleHosts(rule)).toEqual(hosts);
  });

  it.each<[string]>([
    ['Host(`a.example.com`'],
    ['Host(`a.example.com`) &&'],
    ['Host(a.example.com)'],
    ['Host(`a`) Host(`b`)'],
    ['Host("a\\u002eexample.com")'],
    ['Host()'],
    // Regexps that the host rules cannot bound: unanchored, a dot that matches anything, alternatives.
    ['HostRegexp(`[a-z]+\\.example\\.com`)'],
    ['HostRegexp(`^.+.example.com$`)'],
    ['HostRegexp(`.*|^x\\.example\\.com$`)'],
    ['HostRegexp(`kube\\.example\\.com$`)'],
    ['Host(`a`) && HostRegexp(`.*`)'],
  ])('unreadable: %s', (rule) => {
    expect(traefikRuleHosts(rule)).toBe(UNKNOWN_VALUE);
  });

  it('a rule no person writes (nesting 100k deep, 1,000 alternatives, one matcher with 1,000 names) is unreadable, never a thrown stack overflow or a list to scan', () => {
    expect(traefikRuleHosts('('.repeat(100_000) + 'Host(`a`)' + ')'.repeat(100_000))).toBe(UNKNOWN_VALUE);
    expect(traefikRuleHosts('!'.repeat(100_000) + 'Host(`a`)')).toBe(UNKNOWN_VALUE);
    expect(traefikRuleHosts(Array.from({ length: 1000 }, (_, i) => `Host(\`h${i}.example.com\`)`).join(' || '))).toBe(UNKNOWN_VALUE);
    expect(traefikRuleHosts(`Host(${Array.from({ length: 1000 }, (_, i) => `\`h${i}.example.com\``).join(', ')})`)).toBe(UNKNOWN_VALUE);
    // Within the bounds, read as before.
    expect(traefikRuleHosts('(((Host(`a.example.com`))))')).toEqual(['a.example.com']);
    expect(traefikRuleHosts(Array.from({ length: 100 }, (_, i) => `Host(\`h${i}.example.com\`)`).join(' || '))).toHaveLength(100);
  });

  it('hostOfRegexp keeps alternatives inside a group', () => {
    expect(hostOfRegexp('^(a|b)\\.example\\.com$')).toBe('*.example.com');
    expect(hostOfRegexp('^[a|b]+\\.example\\.com$')).toBe('*.example.com');
    expect(hostOfRegexp('^a$|^b\\.example\\.com$')).toBeUndefined();
  });
});

const HOSTS = ['kube.test', 'kubernetes', 'kubernetes.**', 'auth.test'];
const cfg = guardConfig();
const gatedSettings = compileGuardrails(cfg.guardrails, compileAssurance(cfg.assurance.levels), false, HOSTS, compileGlobList(HOSTS, '.'))!;
const ownerSettings = guardSettings(`
guardrails:
  host_owners:
    - hosts: [shop.example.com, "*.shop.example.com"]
      namespaces: [shop, "*-prod"]
`);

/** The codes, and `unreadable` where the body is judged as one that cannot be read (a JSON patch copying a value into the spec). */
const run = (settings: typeof gatedSettings, method: string, path: string, body: unknown, contentType = 'application/json') => {
  const r = inspect(kube(method, path), typeof body === 'string' ? body : JSON.stringify(body), contentType, false, settings);
  return [...r.violations.map((v) => v.code), ...(r.unreadable !== undefined ? ['unreadable'] : [])];
};

interface Kind {
  /** The URL of the collection, `NS` for the namespace. */
  url: string;
  apiVersion: string;
  kind: string;
  /** The object's body for `host`. */
  body: (host: string) => Record<string, unknown>;
  /** A merge patch that gives an existing object `host`. */
  patch?: (host: string) => Record<string, unknown>;
}

const traefik = (group: string, kind: string, plural: string, matcher: string): Kind => ({
  url: `/apis/${group}/v1alpha1/namespaces/NS/${plural}`,
  apiVersion: `${group}/v1alpha1`,
  kind,
  body: (h) => ({ spec: { entryPoints: ['websecure'], routes: [{ match: `${matcher}(\`${h}\`) && PathPrefix(\`/\`)`, kind: 'Rule', services: [{ name: 'web', port: 80 }] }] } }),
  patch: (h) => ({ spec: { routes: [{ match: `${matcher}(\`${h}\`)`, services: [{ name: 'web', port: 80 }] }] } }),
});

const KINDS: Kind[] = [
  { url: '/apis/gateway.networking.k8s.io/v1/namespaces/NS/gateways', apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', body: (h) => ({ spec: { gatewayClassName: 'eg', listeners: [{ name: 'https', port: 443, protocol: 'HTTPS', hostname: h }] } }) },
  { url: '/apis/gateway.networking.k8s.io/v1/namespaces/NS/listenersets', apiVersion: 'gateway.networking.k8s.io/v1', kind: 'ListenerSet', body: (h) => ({ spec: { parentRef: { name: 'public', namespace: 'infra' }, listeners: [{ name: 'https', port: 443, protocol: 'HTTPS', hostname: h }] } }) },
  { url: '/apis/gateway.networking.x-k8s.io/v1alpha1/namespaces/NS/xlistenersets', apiVersion: 'gateway.networking.x-k8s.io/v1alpha1', kind: 'XListenerSet', body: (h) => ({ spec: { parentRef: { name: 'public' }, listeners: [{ name: 'h', port: 80, protocol: 'HTTP', hostname: h }] } }) },
  { url: '/apis/policy.linkerd.io/v1beta3/namespaces/NS/httproutes', apiVersion: 'policy.linkerd.io/v1beta3', kind: 'HTTPRoute', body: (h) => ({ spec: { parentRefs: [{ name: 'web', kind: 'Service', group: 'core' }], hostnames: [h] } }) },
  { url: '/apis/projectcontour.io/v1/namespaces/NS/httpproxies', apiVersion: 'projectcontour.io/v1', kind: 'HTTPProxy', body: (h) => ({ spec: { virtualhost: { fqdn: h }, routes: [{ services: [{ name: 'web', port: 80 }] }] } }), patch: (h) => ({ spec: { virtualhost: { fqdn: h } } }) },
  { url: '/apis/route.openshift.io/v1/namespaces/NS/routes', apiVersion: 'route.openshift.io/v1', kind: 'Route', body: (h) => ({ spec: { host: h, to: { kind: 'Service', name: 'web' } } }), patch: (h) => ({ spec: { host: h } }) },
  traefik('traefik.io', 'IngressRoute', 'ingressroutes', 'Host'),
  traefik('traefik.io', 'IngressRouteTCP', 'ingressroutetcps', 'HostSNI'),
  traefik('traefik.containo.us', 'IngressRoute', 'ingressroutes', 'Host'),
  traefik('traefik.containo.us', 'IngressRouteTCP', 'ingressroutetcps', 'HostSNI'),
  { url: '/apis/getambassador.io/v3alpha1/namespaces/NS/mappings', apiVersion: 'getambassador.io/v3alpha1', kind: 'Mapping', body: (h) => ({ spec: { prefix: '/', service: 'web', hostname: h } }), patch: (h) => ({ spec: { host: h } }) },
  { url: '/apis/getambassador.io/v3alpha1/namespaces/NS/tcpmappings', apiVersion: 'getambassador.io/v3alpha1', kind: 'TCPMapping', body: (h) => ({ spec: { port: 443, host: h, service: 'web:443' } }) },
  { url: '/apis/getambassador.io/v3alpha1/namespaces/NS/hosts', apiVersion: 'getambassador.io/v3alpha1', kind: 'Host', body: (h) => ({ spec: { hostname: h, tlsSecret: { name: 'web' } } }) },
  { url: '/apis/serving.knative.dev/v1beta1/namespaces/NS/domainmappings', apiVersion: 'serving.knative.dev/v1beta1', kind: 'DomainMapping', body: () => ({ spec: { ref: { name: 'web', kind: 'Service', apiVersion: 'serving.knative.dev/v1' } } }) },
  { url: '/apis/gateway.solo.io/v1/namespaces/NS/virtualservices', apiVersion: 'gateway.solo.io/v1', kind: 'VirtualService', body: (h) => ({ spec: { virtualHost: { domains: [h], routes: [] } } }), patch: (h) => ({ spec: { virtualHost: { domains: [h] } } }) },
  { url: '/apis/apisix.apache.org/v2/namespaces/NS/apisixroutes', apiVersion: 'apisix.apache.org/v2', kind: 'ApisixRoute', body: (h) => ({ spec: { http: [{ name: 'r', match: { hosts: [h], paths: ['/*'] }, backends: [{ serviceName: 'web', servicePort: 80 }] }] } }) },
  { url: '/apis/apisix.apache.org/v2/namespaces/NS/apisixtlses', apiVersion: 'apisix.apache.org/v2', kind: 'ApisixTls', body: (h) => ({ spec: { hosts: [h], secret: { name: 'web', namespace: 'NS' } } }) },
  { url: '/apis/k8s.nginx.org/v1/namespaces/NS/virtualservers', apiVersion: 'k8s.nginx.org/v1', kind: 'VirtualServer', body: (h) => ({ spec: { host: h, upstreams: [{ name: 'web', service: 'web', port: 80 }] } }) },
  { url: '/apis/k8s.nginx.org/v1/namespaces/NS/virtualserverroutes', apiVersion: 'k8s.nginx.org/v1', kind: 'VirtualServerRoute', body: (h) => ({ spec: { host: h, subroutes: [] } }) },
  { url: '/apis/k8s.nginx.org/v1/namespaces/NS/transportservers', apiVersion: 'k8s.nginx.org/v1', kind: 'TransportServer', body: (h) => ({ spec: { listener: { name: 'tls-passthrough', protocol: 'TLS_PASSTHROUGH' }, host: h } }) },
  { url: '/apis/configuration.konghq.com/v1beta1/namespaces/NS/tcpingresses', apiVersion: 'configuration.konghq.com/v1beta1', kind: 'TCPIngress', body: (h) => ({ spec: { rules: [{ host: h, port: 9443, backend: { serviceName: 'web', servicePort: 443 } }] } }) },
  { url: '/apis/kuma.io/v1alpha1/namespaces/NS/meshhttproutes', apiVersion: 'kuma.io/v1alpha1', kind: 'MeshHTTPRoute', body: (h) => ({ spec: { targetRef: { kind: 'MeshGateway', name: 'edge' }, to: [{ targetRef: { kind: 'Mesh' }, hostnames: [h], rules: [] }] } }) },
  { url: '/apis/consul.hashicorp.com/v1alpha1/namespaces/NS/ingressgateways', apiVersion: 'consul.hashicorp.com/v1alpha1', kind: 'IngressGateway', body: (h) => ({ spec: { listeners: [{ port: 8080, protocol: 'http', services: [{ name: 'web', hosts: [h] }] }] } }) },
  { url: '/apis/zalando.org/v1/namespaces/NS/routegroups', apiVersion: 'zalando.org/v1', kind: 'RouteGroup', body: (h) => ({ spec: { hosts: [h], backends: [] } }) },
  { url: '/apis/cert-manager.io/v1/namespaces/NS/certificates', apiVersion: 'cert-manager.io/v1', kind: 'Certificate', body: (h) => ({ spec: { secretName: 'web-tls', dnsNames: ['web.dev.example.com', h], issuerRef: { name: 'le', kind: 'ClusterIssuer' } } }), patch: (h) => ({ spec: { commonName: h } }) },
  { url: '/apis/externaldns.k8s.io/v1alpha1/namespaces/NS/dnsendpoints', apiVersion: 'externaldns.k8s.io/v1alpha1', kind: 'DNSEndpoint', body: (h) => ({ spec: { endpoints: [{ dnsName: 'web.dev.example.com', recordType: 'A', targets: ['203.0.113.10'] }, { dnsName: h, recordType: 'CNAME', targets: ['lb.attacker.example.net'], recordTTL: 60 }] } }), patch: (h) => ({ spec: { endpoints: [{ dnsName: h, recordType: 'A', targets: ['203.0.113.66'] }] } }) },
  // A Service, TCPRoute or UDPRoute names a host only through external-dns's annotations (the current prefix, the legacy one, kOps').
  { url: '/api/v1/namespaces/NS/services', apiVersion: 'v1', kind: 'Service', body: (h) => ({ metadata: { name: 'web', annotations: { 'external-dns.alpha.kubernetes.io/hostname': `web.dev.example.com, ${h}` } }, spec: { type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ port: 443, targetPort: 8443 }] } }), patch: (h) => ({ metadata: { annotations: { 'external-dns.kubernetes.io/hostname': h } } }) },
  { url: '/apis/gateway.networking.k8s.io/v1alpha2/namespaces/NS/tcproutes', apiVersion: 'gateway.networking.k8s.io/v1alpha2', kind: 'TCPRoute', body: (h) => ({ metadata: { name: 'web', annotations: { 'external-dns.kubernetes.io/internal-hostname': h } }, spec: { parentRefs: [{ name: 'public', namespace: 'istio-ingress', sectionName: 'tcp' }], rules: [{ backendRefs: [{ name: 'web', port: 5432 }] }] } }), patch: (h) => ({ metadata: { annotations: { 'dns.alpha.kubernetes.io/external': h } } }) },
  { url: '/apis/gateway.networking.k8s.io/v1alpha2/namespaces/NS/udproutes', apiVersion: 'gateway.networking.k8s.io/v1alpha2', kind: 'UDPRoute', body: (h) => ({ metadata: { name: 'web', annotations: { 'dns.alpha.kubernetes.io/internal': h } }, spec: { parentRefs: [{ name: 'public', namespace: 'istio-ingress' }], rules: [{ backendRefs: [{ name: 'dns', port: 53 }] }] } }) },
  // Its spec is immutable once created (cert-manager's webhook), so no patch.
  { url: '/apis/cert-manager.io/v1/namespaces/NS/certificaterequests', apiVersion: 'cert-manager.io/v1', kind: 'CertificateRequest', body: (h) => ({ spec: { request: csrRequest(undefined, ['web.dev.example.com', h]), issuerRef: { name: 'ca', kind: 'ClusterIssuer', group: 'cert-manager.io' }, usages: ['digital signature', 'key encipherment', 'server auth'] } }) },
];

/** A create of `k` in `ns` claiming `host` (a DomainMapping's name is its domain). */
function created(k: Kind, ns: string, host: string): [string, Record<string, unknown>] {
  const name = k.kind === 'DomainMapping' ? host : 'web';
  return [k.url.replace('NS', ns), { apiVersion: k.apiVersion, kind: k.kind, metadata: { name }, ...k.body(host) }];
}

describe('every host-claiming kind', () => {
  it('the table names each kind once per key, and the tests cover every key but the ones the older tests do', () => {
    const covered = new Set(KINDS.map((k) => `${k.apiVersion.includes('/') ? k.apiVersion.split('/')[0] : ''}/${k.url.split('/').pop()}`));
    const older = ['kuma.io/meshgateways', 'networking.istio.io/virtualservices', 'networking.istio.io/gateways', 'networking.istio.io/destinationrules', 'networking.istio.io/serviceentries', 'gateway.networking.k8s.io/httproutes', 'gateway.networking.k8s.io/grpcroutes', 'gateway.networking.k8s.io/tlsroutes', 'networking.k8s.io/ingresses', 'extensions/ingresses', 'networking.internal.knative.dev/clusterdomainclaims'];
    expect([...HOST_KEYS].filter((k) => !covered.has(k) && !older.includes(k))).toEqual([]);
    expect(hostKind('networking.istio.io/destinationrules')?.owners).toBe(false);
  });

  it.each(KINDS.map((k) => [`${k.apiVersion} ${k.kind}`, k] as const))('%s', (_name, k) => {
    for (const host of ['kube.test', 'auth.test', 'kubernetes.default.svc.cluster.local']) expect(run(gatedSettings, 'POST', ...created(k, 'dev', host)), host).toEqual(['gated_host_route']);
    expect(run(gatedSettings, 'POST', ...created(k, 'dev', 'web.dev.example.com'))).toEqual([]);
    expect(run(ownerSettings, 'POST', ...created(k, 'dev', 'shop.example.com'))).toEqual(['route_host_not_owned']);
    expect(run(ownerSettings, 'POST', ...created(k, 'dev', 'api.shop.example.com'))).toEqual(['route_host_not_owned']);
    expect(run(ownerSettings, 'POST', ...created(k, 'shop', 'shop.example.com'))).toEqual([]);
    expect(run(ownerSettings, 'POST', ...created(k, 'dev', 'web.dev.example.com'))).toEqual([]);
    // Server-side apply: the manifest as YAML (JSON is YAML).
    const [url, body] = created(k, 'dev', 'shop.example.com');
    const name = (body.metadata as { name: string }).name;
    expect(run(ownerSettings, 'PATCH', `${url}/${name}?fieldManager=kubectl&force=true`, body, 'application/apply-patch+yaml')).toEqual(['route_host_not_owned']);
    // PUT (kubectl replace).
    expect(run(ownerSettings, 'PUT', `${url}/${name}`, body)).toEqual(['route_host_not_owned']);
    if (k.patch !== undefined) {
      expect(run(ownerSettings, 'PATCH', `${url}/web`, k.patch('shop.example.com'), 'application/merge-patch+json')).toEqual(['route_host_not_owned']);
      expect(run(gatedSettings, 'PATCH', `${url}/web`, k.patch('kube.test'), 'application/merge-patch+json')).toEqual(['gated_host_route']);
      expect(run(ownerSettings, 'PATCH', `${url}/web`, k.patch('web.dev.example.com'), 'application/merge-patch+json')).toEqual([]);
    }
    // A JSON patch that copies a value into the spec: a body that cannot be read (custom kinds were not read whole before).
    expect(run(ownerSettings, 'PATCH', `${url}/web`, [{ op: 'copy', from: '/metadata/labels', path: '/spec' }], 'application/json-patch+json')).toEqual(['unreadable']);
  });

  it('Traefik: a rule the parser cannot read, or that serves every host, is any host', () => {
    const k = KINDS.find((x) => x.kind === 'IngressRoute')!;
    const url = k.url.replace('NS', 'dev');
    const withRule = (match: string) => ({ apiVersion: k.apiVersion, kind: k.kind, metadata: { name: 'web' }, spec: { routes: [{ match, kind: 'Rule', services: [{ name: 'web', port: 80 }] }] } });
    expect(run(ownerSettings, 'POST', url, withRule('Host(`web.dev.example.com`) || Host(`shop.example.com`)'))).toEqual(['route_host_not_owned']);
    expect(run(ownerSettings, 'POST', url, withRule('HostRegexp(`^.+\\.shop\\.example\\.com$`)'))).toEqual(['route_host_not_owned']);
    expect(run(ownerSettings, 'POST', url, withRule('HostRegexp(`.*shop.*`)'))).toEqual(['route_host_not_owned']);
    expect(run(gatedSettings, 'POST', url, withRule('Host(`web.dev.example.com`) || PathPrefix(`/.stepgate/`)'))).toEqual(['gated_host_route']);
    expect(run(gatedSettings, 'POST', url, withRule('PathPrefix(`/api/v1/namespaces/prod/secrets`)'))).toEqual(['gated_host_route']);
    expect(run(gatedSettings, 'POST', url, withRule('Host(`web.dev.example.com`'))).toEqual(['gated_host_route']);
    expect(run(gatedSettings, 'POST', url, withRule('Host(`web.dev.example.com`) && PathPrefix(`/api`)'))).toEqual([]);
    expect(run(gatedSettings, 'POST', url, withRule('HostRegexp(`^[a-z]+\\.dev\\.example\\.com$`)'))).toEqual([]);
    expect(run(gatedSettings, 'PATCH', `${url}/web`, [{ op: 'replace', path: '/spec/routes/0/match', value: 'Host(`kube.test`)' }], 'application/json-patch+json')).toEqual(['gated_host_route']);
    expect(run(gatedSettings, 'PATCH', `${url}/web`, [{ op: 'copy', from: '/metadata/name', path: '/spec/routes/0/match' }], 'application/json-patch+json')).toEqual(['unreadable']);
  });

  it('external-dns: the names in its annotations on any kind are records for them; a DNSEndpoint is one per endpoint', () => {
    const svc = '/api/v1/namespaces/dev/services';
    const annotate = (key: string, value: string) => ({ metadata: { annotations: { [key]: value } } });
    // `kubectl annotate service web external-dns.alpha.kubernetes.io/hostname=shop.example.com`
    const r = inspect(kube('PATCH', `${svc}/web`), JSON.stringify(annotate('external-dns.alpha.kubernetes.io/hostname', 'shop.example.com')), 'application/merge-patch+json', false, ownerSettings);
    expect(r.violations.map((v) => [v.detail, v.path])).toEqual([['Service for host shop.example.com in namespace dev, which guardrails.host_owners gives to other namespaces: external-dns publishes a record for their name, which sends every client of it there', 'metadata.annotations.external-dns.alpha.kubernetes.io/hostname']]);
    const g = inspect(kube('POST', '/apis/externaldns.k8s.io/v1alpha1/namespaces/dev/dnsendpoints'), JSON.stringify({ apiVersion: 'externaldns.k8s.io/v1alpha1', kind: 'DNSEndpoint', metadata: { name: 'kube' }, spec: { endpoints: [{ dnsName: 'KUBE.test', recordType: 'A', targets: ['203.0.113.66'] }] } }), 'application/json', false, gatedSettings);
    expect(g.violations.map((v) => [v.detail, v.path])).toEqual([["DNSEndpoint for host kube.test, which stepgate checks: external-dns publishes a record for it, and the record sends every client of the name to the DNSEndpoint's address", 'spec.endpoints[0].dnsName']]);
    // An Ingress's own rules are a route; its annotation a record.
    const ing = inspect(kube('POST', '/apis/networking.k8s.io/v1/namespaces/dev/ingresses'), JSON.stringify({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web', annotations: { 'external-dns.kubernetes.io/hostname': 'web.dev.example.com,api.shop.example.com' } }, spec: { rules: [{ host: 'web.dev.example.com' }] } }), 'application/json', false, ownerSettings);
    expect(ing.violations.map((v) => v.detail)).toEqual(['Ingress for host api.shop.example.com in namespace dev, which guardrails.host_owners gives to other namespaces: external-dns publishes a record for their name, which sends every client of it there']);
    // Annotations a JSON patch sets to what it does not show are any name.
    expect(run(gatedSettings, 'PATCH', `${svc}/web`, [{ op: 'copy', from: '/metadata/labels', path: '/metadata/annotations' }], 'application/json-patch+json')).toEqual(['gated_host_route']);
    // Its own names, the shop's own, other annotations, a Service without any: nothing.
    expect(run(ownerSettings, 'PATCH', `${svc}/web`, annotate('external-dns.alpha.kubernetes.io/hostname', 'web.dev.example.com'), 'application/merge-patch+json')).toEqual([]);
    expect(run(ownerSettings, 'PATCH', '/api/v1/namespaces/shop/services/web', annotate('external-dns.alpha.kubernetes.io/hostname', 'shop.example.com'), 'application/merge-patch+json')).toEqual([]);
    expect(run(ownerSettings, 'PATCH', `${svc}/web`, annotate('external-dns.alpha.kubernetes.io/ttl', '60'), 'application/merge-patch+json')).toEqual([]);
    expect(run(gatedSettings, 'POST', svc, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } })).toEqual([]);
  });

  it('cert-manager: a CertificateRequest claims the names of its CSR, read as the issuer reads them', () => {
    expect(csrNames(csrRequest('shop.example.com', ['web.dev.example.com', '*.shop.example.com']))).toEqual(['shop.example.com', 'web.dev.example.com', '*.shop.example.com']);
    expect(csrNames(csrRequest(undefined, ['kube.test']))).toEqual(['kube.test']);
    // RFC 1421 headers before the base64 are skipped, as Go's pem.Decode skips them; the block's type is not checked.
    const pem = csrPem('shop.example.com');
    const withHeaders = pem.replace('-----\n', '-----\nProc-Type: 4,ENCRYPTED\nComment: x\n\n').replaceAll('CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST');
    expect(csrNames(Buffer.from(withHeaders).toString('base64'))).toEqual(['shop.example.com']);
    // Names that cannot be read are any name: two PEM blocks (Go signs the first it can read), no
    // PEM, a broken base64 body, DER that does not parse.
    const b64 = (text: string) => Buffer.from(text).toString('base64');
    expect(csrNames(b64(csrPem('web.dev.example.com') + csrPem('shop.example.com')))).toEqual([UNKNOWN_VALUE]);
    expect(csrNames(b64('-----BEGIN CERTIFICATE REQUEST\n' + csrPem('shop.example.com')))).toEqual([UNKNOWN_VALUE]);
    expect(csrNames('not base64 of a PEM block')).toEqual([UNKNOWN_VALUE]);
    expect(csrNames(b64(pem.replace(/\n[A-Za-z0-9+/]{8}/, '\n!!!!!!!!')))).toEqual([UNKNOWN_VALUE]);
    expect(csrNames(b64('-----BEGIN CERTIFICATE REQUEST-----\nMIIBAAAA\n-----END CERTIFICATE REQUEST-----\n'))).toEqual([UNKNOWN_VALUE]);
    expect(csrNames(UNKNOWN_VALUE)).toEqual([UNKNOWN_VALUE]);
    // No request: cert-manager's webhook refuses the object.
    expect(csrNames(undefined)).toEqual([]);
    expect(csrNames('')).toEqual([]);

    const url = '/apis/cert-manager.io/v1/namespaces/dev/certificaterequests';
    const cr = (request: string) => ({ apiVersion: 'cert-manager.io/v1', kind: 'CertificateRequest', metadata: { generateName: 'web-' }, spec: { request, issuerRef: { name: 'ca', kind: 'ClusterIssuer' } } });
    const g = inspect(kube('POST', url), JSON.stringify(cr(csrRequest('Kube.Test'))), 'application/json', false, gatedSettings);
    expect(g.violations.map((v) => v.detail)).toEqual(['CertificateRequest for host kube.test, which stepgate checks: its key, in the namespace of the CertificateRequest, can stand in for it']);
    expect(run(ownerSettings, 'POST', url, cr(csrRequest(undefined, ['SHOP.example.com.'])))).toEqual(['route_host_not_owned']);
    // A request that cannot be read is any name, and any workload's identity (workload-identities.ts).
    expect(run(ownerSettings, 'POST', url, cr(b64(csrPem('web.dev.example.com') + csrPem('shop.example.com'))))).toEqual(['route_host_not_owned', 'workload_identity_claim']);
    expect(run(gatedSettings, 'POST', url, cr('garbage'))).toEqual(['gated_host_route', 'workload_identity_claim']);
    expect(run(ownerSettings, 'POST', url, cr(csrRequest('web', ['web.dev.example.com'])))).toEqual([]);
    // cert-manager's controller sets the status; the approver sets the Approved condition there.
    expect(run(ownerSettings, 'PATCH', `${url}/web-x7k2p/status`, { status: { conditions: [{ type: 'Approved', status: 'True', reason: 'cert-manager.io' }] } }, 'application/merge-patch+json')).toEqual([]);
  });

  it('cert-manager: a Certificate claims its names for the key it puts in its namespace; its status names none', () => {
    const url = '/apis/cert-manager.io/v1/namespaces/dev/certificates';
    const cert = { apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: 'web' }, spec: { secretName: 'web-tls', commonName: 'shop.example.com', issuerRef: { name: 'le', kind: 'ClusterIssuer' } } };
    const r = inspect(kube('POST', url), JSON.stringify(cert), 'application/json', false, ownerSettings);
    expect(r.violations.map((v) => v.detail)).toEqual(['Certificate for host shop.example.com in namespace dev, which guardrails.host_owners gives to other namespaces: its key, in that namespace, serves their name']);
    const g = inspect(kube('POST', url), JSON.stringify({ ...cert, spec: { ...cert.spec, commonName: 'kube.test' } }), 'application/json', false, gatedSettings);
    expect(g.violations.map((v) => v.detail)).toEqual(['Certificate for host kube.test, which stepgate checks: its key, in the namespace of the Certificate, can stand in for it']);
    // cmctl renew: a status patch.
    expect(run(ownerSettings, 'PATCH', `${url}/web/status`, { status: { conditions: [{ type: 'Issuing', status: 'True' }] } }, 'application/merge-patch+json')).toEqual([]);
    // spec.literalSubject (RFC 4514) is the subject as written: its common names are claims too.
    expect(literalSubjectNames('CN=shop.example.com,O=Acme\\, Inc.,C=GB')).toEqual(['shop.example.com']);
    expect(literalSubjectNames('O=Acme+commonName=kube.test;2.5.4.3=auth.test')).toEqual(['kube.test', 'auth.test']);
    expect(literalSubjectNames('cn=shop\\2Eexample.com')).toEqual(['shop.example.com']);
    expect(literalSubjectNames('CN=#0c1073686f702e6578616d706c652e636f6d')).toEqual([UNKNOWN_VALUE]);
    expect(literalSubjectNames('CN=bad\\ff')).toEqual([UNKNOWN_VALUE]);
    expect(literalSubjectNames('O=Acme,OU=web')).toEqual([]);
    expect(literalSubjectNames(undefined)).toEqual([]);
    expect(run(ownerSettings, 'POST', url, { ...cert, spec: { secretName: 'web-tls', literalSubject: 'CN=shop.example.com,O=Acme', issuerRef: { name: 'le', kind: 'ClusterIssuer' } } })).toEqual(['route_host_not_owned']);
    expect(run(gatedSettings, 'PATCH', `${url}/web`, { spec: { literalSubject: 'O=Acme+CN=kube.test' } }, 'application/merge-patch+json')).toEqual(['gated_host_route']);
    expect(run(ownerSettings, 'POST', url, { ...cert, spec: { secretName: 'web-tls', literalSubject: 'CN=web.dev.example.com,O=Acme', issuerRef: { name: 'le', kind: 'ClusterIssuer' } } })).toEqual([]);
    // An intermediate CA signs for any name: a claim of every host, whatever names it carries.
    const ca = { ...cert, spec: { secretName: 'dev-ca', commonName: 'dev-ca', isCA: true, issuerRef: { name: 'root-ca', kind: 'ClusterIssuer' } } };
    const c = inspect(kube('POST', url), JSON.stringify(ca), 'application/json', false, gatedSettings);
    expect(c.violations.map((v) => [v.detail, v.path])).toEqual([["Certificate for host *, which stepgate checks: it is a CA: its key, in the namespace of the Certificate, signs a certificate for that host and any other the issuer's root is trusted for", 'spec.isCA']]);
    expect(run(ownerSettings, 'POST', url, ca)).toEqual(['route_host_not_owned']);
    expect(run(gatedSettings, 'PATCH', `${url}/web`, { spec: { isCA: true } }, 'application/merge-patch+json')).toEqual(['gated_host_route']);
    // A JSON patch copying into it: a custom kind's body that cannot be read whole.
    expect(run(gatedSettings, 'PATCH', `${url}/web`, [{ op: 'copy', from: '/spec/duration', path: '/spec/isCA' }], 'application/json-patch+json')).toEqual(['unreadable']);
    expect(run(gatedSettings, 'POST', '/apis/cert-manager.io/v1/namespaces/dev/certificaterequests', { apiVersion: 'cert-manager.io/v1', kind: 'CertificateRequest', metadata: { name: 'ca' }, spec: { request: csrRequest('dev-ca'), isCA: true, issuerRef: { name: 'root-ca', kind: 'ClusterIssuer' } } })).toEqual(['gated_host_route']);
    expect(run(gatedSettings, 'POST', url, { ...ca, spec: { ...ca.spec, isCA: false } })).toEqual([]);
  });

  it('Emissary: a Mapping host read as a regular expression where host_regex says so', () => {
    const url = '/apis/getambassador.io/v3alpha1/namespaces/dev/mappings';
    const m = (spec: Record<string, unknown>) => ({ apiVersion: 'getambassador.io/v3alpha1', kind: 'Mapping', metadata: { name: 'web' }, spec: { prefix: '/', service: 'web', ...spec } });
    expect(run(ownerSettings, 'POST', url, m({ host: '^[a-z]+\\.shop\\.example\\.com$', host_regex: true }))).toEqual(['route_host_not_owned']);
    expect(run(ownerSettings, 'POST', url, m({ host: '^web\\.dev\\.example\\.com$', host_regex: true }))).toEqual([]);
    expect(run(ownerSettings, 'POST', url, m({ host: 'shop', host_regex: true }))).toEqual(['route_host_not_owned']);
    expect(run(ownerSettings, 'POST', url, m({ hostname: '*.example.com' }))).toEqual(['route_host_not_owned']);
    expect(run(ownerSettings, 'POST', url, m({}))).toEqual([]);
  });

  it("Knative: a DomainMapping's name is its domain, in the body or the path; a ClusterDomainClaim gives it to spec.namespace", () => {
    const dm = '/apis/serving.knative.dev/v1beta1/namespaces/dev/domainmappings';
    expect(run(gatedSettings, 'PATCH', `${dm}/kube.test`, { spec: { ref: { name: 'proxy' } } }, 'application/merge-patch+json')).toEqual(['gated_host_route']);
    expect(run(ownerSettings, 'PATCH', `${dm}/shop.example.com`, { spec: { ref: { name: 'web' } } }, 'application/merge-patch+json')).toEqual(['route_host_not_owned']);
    expect(run(ownerSettings, 'PATCH', `${dm}/web.dev.example.com`, { spec: { ref: { name: 'web' } } }, 'application/merge-patch+json')).toEqual([]);
    const cdc = '/apis/networking.internal.knative.dev/v1alpha1/clusterdomainclaims';
    const claim = (name: string, namespace: unknown) => ({ apiVersion: 'networking.internal.knative.dev/v1alpha1', kind: 'ClusterDomainClaim', metadata: { name }, spec: { namespace } });
    expect(run(ownerSettings, 'POST', cdc, claim('shop.example.com', 'dev'))).toEqual(['route_host_not_owned']);
    expect(run(ownerSettings, 'POST', cdc, claim('shop.example.com', 'shop'))).toEqual([]);
    expect(run(ownerSettings, 'PATCH', `${cdc}/shop.example.com`, { spec: { namespace: 'dev' } }, 'application/merge-patch+json')).toEqual(['route_host_not_owned']);
    expect(run(ownerSettings, 'PATCH', `${cdc}/shop.example.com`, { metadata: { labels: { a: 'b' } } }, 'application/merge-patch+json')).toEqual([]);
    expect(run(ownerSettings, 'PATCH', `${cdc}/shop.example.com`, [{ op: 'copy', from: '/metadata/name', path: '/spec/namespace' }], 'application/json-patch+json')).toEqual(['unreadable']);
    expect(run(gatedSettings, 'POST', cdc, claim('kube.test', 'dev'))).toEqual(['gated_host_route']);
  });

  it("Kuma: a MeshGateway's listener hostnames are read by gated_host_route; it is cluster-wide, so no namespace's claim", () => {
    const url = '/apis/kuma.io/v1alpha1/meshgateways';
    const gw = (hostname: string) => ({ apiVersion: 'kuma.io/v1alpha1', kind: 'MeshGateway', mesh: 'default', metadata: { name: 'edge' }, spec: { selectors: [{ match: { 'kuma.io/service': 'edge' } }], conf: { listeners: [{ port: 443, protocol: 'HTTPS', hostname }] } } });
    expect(run(gatedSettings, 'POST', url, gw('kube.test'))).toEqual(['gated_host_route']);
    expect(run(gatedSettings, 'POST', url, gw('web.dev.example.com'))).toEqual([]);
    expect(run(ownerSettings, 'POST', url, gw('shop.example.com'))).toEqual([]);
    expect(hostKind('kuma.io/meshgateways')?.owners).toBe(false);
  });

  it("OpenShift: a Route sent as protobuf (Route.spec = 2, RouteSpec.host = 1) is read as in JSON", () => {
    const pb = (host: string) => envelope('route.openshift.io/v1', 'Route', Buffer.concat([lenField(1, lenField(1, 'web')), lenField(2, lenField(1, host))]));
    const url = '/apis/route.openshift.io/v1/namespaces/dev/routes';
    const PB = 'application/vnd.kubernetes.protobuf';
    const codesOf = (settings: typeof gatedSettings, host: string) => inspect(kube('POST', url), pb(host), PB, false, settings).violations.map((v) => v.code);
    expect(codesOf(ownerSettings, 'shop.example.com')).toEqual(['route_host_not_owned']);
    expect(codesOf(gatedSettings, 'kube.test')).toEqual(['gated_host_route']);
    expect(codesOf(ownerSettings, 'web.dev.example.com')).toEqual([]);
  });

  it("an Ingress's aliases (ingress-nginx's server-alias, Kong's host-aliases) are names of the Ingress for both rules", () => {
    const url = '/apis/networking.k8s.io/v1/namespaces/dev/ingresses';
    const ing = (annotations: Record<string, string>) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web', annotations }, spec: { rules: [{ host: 'web.dev.example.com' }] } });
    expect(run(gatedSettings, 'POST', url, ing({ 'nginx.ingress.kubernetes.io/server-alias': 'kube.test' }))).toEqual(['gated_host_route']);
    expect(run(ownerSettings, 'POST', url, ing({ 'konghq.com/host-aliases': 'www.dev.example.com,shop.example.com' }))).toEqual(['route_host_not_owned']);
    expect(run(ownerSettings, 'POST', url, ing({ 'konghq.com/host-aliases': 'www.dev.example.com' }))).toEqual([]);
  });
});
