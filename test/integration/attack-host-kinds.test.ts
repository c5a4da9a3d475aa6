import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshSubjects, TOKEN_STATES, type TokenState, rules, startBuiltServer, type BuiltServer } from '../support/built-server.js';
import type { CheckResponse } from '../support/grpc-client.js';
import { csrRequest } from '../support/csr.js';
import { envelope, lenField } from '../support/kube-protobuf.js';
import { judgeWrite, kubectlWrites, sendWrite, type KubeDoc, type WriteEntry } from '../support/kubectl-writes.js';

/**
 * Every kind that claims a hostname (src/guardrails/rules/host-kinds.ts), black-box against the
 * built server with the example policy, as attack-operators.test.ts sends objects (`kubectl apply
 * -f`: a create with the manifest in the last-applied annotation, a merge patch of a custom
 * resource that exists) in its token states:
 *
 * - a write in dev for a host stepgate checks (the API server's `kube.localhost`, the step-up page's
 *   `auth.localhost`): whoever routes it decides what reaches the check (gated_host_route), `aal3`;
 * - a write in dev for production's `shop.example.com`, which the example's `guardrails.host_owners`
 *   gives to `shop` and production's namespaces (route_host_not_owned), `aal2`;
 * - the same kind in dev for dev's own `web.dev.example.com`: `routine`.
 */

let server: BuiltServer;
beforeAll(async () => {
  server = await startBuiltServer('hostkinds');
}, 180_000);
afterAll(async () => {
  await server?.close();
});

const subjects = freshSubjects(() => server.issuer, 'hostkinds');
type Entry = WriteEntry;
type Doc = KubeDoc;

const PLURAL: Record<string, string> = {
  Gateway: 'gateways',
  ListenerSet: 'listenersets',
  XListenerSet: 'xlistenersets',
  HTTPRoute: 'httproutes',
  HTTPProxy: 'httpproxies',
  Route: 'routes',
  IngressRoute: 'ingressroutes',
  IngressRouteTCP: 'ingressroutetcps',
  Mapping: 'mappings',
  TCPMapping: 'tcpmappings',
  Host: 'hosts',
  DomainMapping: 'domainmappings',
  ClusterDomainClaim: 'clusterdomainclaims',
  VirtualService: 'virtualservices',
  ApisixRoute: 'apisixroutes',
  ApisixTls: 'apisixtlses',
  VirtualServer: 'virtualservers',
  VirtualServerRoute: 'virtualserverroutes',
  TransportServer: 'transportservers',
  TCPIngress: 'tcpingresses',
  MeshHTTPRoute: 'meshhttproutes',
  MeshGateway: 'meshgateways',
  IngressGateway: 'ingressgateways',
  RouteGroup: 'routegroups',
  Ingress: 'ingresses',
  Certificate: 'certificates',
  CertificateRequest: 'certificaterequests',
  DNSEndpoint: 'dnsendpoints',
  Service: 'services',
};

const { applied, patched, serverSide, jsonPatched } = kubectlWrites(PLURAL);

const send = (e: Entry, state: TokenState): Promise<CheckResponse> => sendWrite(server, subjects, e.req, state);
const judge = (e: Entry, state: TokenState, res: CheckResponse): void => judgeWrite(e.what, e.need, state, res, e.by);

function run(list: Entry[]): void {
  it.each(list.map((e) => [e.what, e] as const))('%s', async (_name, e) => {
    for (const state of Object.keys(TOKEN_STATES) as TokenState[]) judge(e, state, await send(e, state));
  });
}

const GATED = 'guardrail:gated_host_route';
const OWNED = 'guardrail:route_host_not_owned';

/** One kind: its name in the report and the object it is for `host` in namespace `ns`. */
interface Kind {
  name: string;
  of: (host: string, ns: string) => Doc;
  /** A merge patch giving the existing object `host`. */
  patch?: (host: string) => Record<string, unknown>;
}

const rule = (matcher: string, host: string) => `${matcher}(\`${host}\`) && PathPrefix(\`/\`)`;
const meta = (ns: string, name = 'web') => ({ name, namespace: ns });

const KINDS: Kind[] = [
  { name: 'a Gateway API Gateway listener', of: (h, ns) => ({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: meta(ns), spec: { gatewayClassName: 'eg', listeners: [{ name: 'https', port: 443, protocol: 'HTTPS', hostname: h, tls: { certificateRefs: [{ name: 'web-tls' }] } }] } }) },
  { name: 'a Gateway API ListenerSet', of: (h, ns) => ({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'ListenerSet', metadata: meta(ns), spec: { parentRef: { name: 'public', namespace: 'istio-ingress' }, listeners: [{ name: 'https', port: 443, protocol: 'HTTPS', hostname: h }] } }) },
  { name: 'an experimental XListenerSet', of: (h, ns) => ({ apiVersion: 'gateway.networking.x-k8s.io/v1alpha1', kind: 'XListenerSet', metadata: meta(ns), spec: { parentRef: { name: 'public', namespace: 'istio-ingress' }, listeners: [{ name: 'http', port: 80, protocol: 'HTTP', hostname: h }] } }) },
  { name: "Linkerd's HTTPRoute", of: (h, ns) => ({ apiVersion: 'policy.linkerd.io/v1beta3', kind: 'HTTPRoute', metadata: meta(ns), spec: { parentRefs: [{ name: 'web', kind: 'Service', group: 'core', port: 80 }], hostnames: [h] } }) },
  { name: 'a Contour HTTPProxy', of: (h, ns) => ({ apiVersion: 'projectcontour.io/v1', kind: 'HTTPProxy', metadata: meta(ns), spec: { virtualhost: { fqdn: h }, routes: [{ conditions: [{ prefix: '/' }], services: [{ name: 'web', port: 80 }] }] } }), patch: (h) => ({ spec: { virtualhost: { fqdn: h } } }) },
  { name: 'an OpenShift Route', of: (h, ns) => ({ apiVersion: 'route.openshift.io/v1', kind: 'Route', metadata: meta(ns), spec: { host: h, to: { kind: 'Service', name: 'web' }, tls: { termination: 'edge' } } }), patch: (h) => ({ spec: { host: h } }) },
  { name: 'a Traefik IngressRoute (traefik.io)', of: (h, ns) => ({ apiVersion: 'traefik.io/v1alpha1', kind: 'IngressRoute', metadata: meta(ns), spec: { entryPoints: ['websecure'], routes: [{ match: rule('Host', h), kind: 'Rule', services: [{ name: 'web', port: 80 }] }] } }), patch: (h) => ({ spec: { routes: [{ match: `Host(\`${h}\`)`, kind: 'Rule', services: [{ name: 'web', port: 80 }] }] } }) },
  { name: 'a Traefik IngressRouteTCP (traefik.io)', of: (h, ns) => ({ apiVersion: 'traefik.io/v1alpha1', kind: 'IngressRouteTCP', metadata: meta(ns), spec: { entryPoints: ['websecure'], routes: [{ match: `HostSNI(\`${h}\`)`, services: [{ name: 'web', port: 443 }] }], tls: { passthrough: true } } }) },
  { name: 'a Traefik IngressRoute (traefik.containo.us)', of: (h, ns) => ({ apiVersion: 'traefik.containo.us/v1alpha1', kind: 'IngressRoute', metadata: meta(ns), spec: { entryPoints: ['websecure'], routes: [{ match: rule('Host', h), kind: 'Rule', services: [{ name: 'web', port: 80 }] }] } }) },
  { name: 'a Traefik IngressRouteTCP (traefik.containo.us)', of: (h, ns) => ({ apiVersion: 'traefik.containo.us/v1alpha1', kind: 'IngressRouteTCP', metadata: meta(ns), spec: { entryPoints: ['websecure'], routes: [{ match: `HostSNI(\`${h}\`)`, services: [{ name: 'web', port: 443 }] }], tls: { passthrough: true } } }) },
  { name: 'an Emissary Mapping (hostname)', of: (h, ns) => ({ apiVersion: 'getambassador.io/v3alpha1', kind: 'Mapping', metadata: meta(ns), spec: { hostname: h, prefix: '/', service: 'web' } }), patch: (h) => ({ spec: { hostname: h } }) },
  { name: 'an Emissary Mapping (host)', of: (h, ns) => ({ apiVersion: 'getambassador.io/v3alpha1', kind: 'Mapping', metadata: meta(ns, 'web-host'), spec: { host: h, prefix: '/', service: 'web' } }) },
  { name: 'an Emissary TCPMapping', of: (h, ns) => ({ apiVersion: 'getambassador.io/v3alpha1', kind: 'TCPMapping', metadata: meta(ns), spec: { port: 443, host: h, service: 'web:443' } }) },
  { name: 'an Emissary Host', of: (h, ns) => ({ apiVersion: 'getambassador.io/v3alpha1', kind: 'Host', metadata: meta(ns), spec: { hostname: h, tlsSecret: { name: 'web-tls' } } }) },
  { name: 'a Knative DomainMapping', of: (h, ns) => ({ apiVersion: 'serving.knative.dev/v1beta1', kind: 'DomainMapping', metadata: meta(ns, h), spec: { ref: { name: 'web', kind: 'Service', apiVersion: 'serving.knative.dev/v1' } } }) },
  { name: 'a Gloo VirtualService', of: (h, ns) => ({ apiVersion: 'gateway.solo.io/v1', kind: 'VirtualService', metadata: meta(ns), spec: { virtualHost: { domains: [h], routes: [{ matchers: [{ prefix: '/' }], routeAction: { single: { upstream: { name: 'web', namespace: 'gloo-system' } } } }] } } }), patch: (h) => ({ spec: { virtualHost: { domains: [h] } } }) },
  { name: 'an APISIX ApisixRoute', of: (h, ns) => ({ apiVersion: 'apisix.apache.org/v2', kind: 'ApisixRoute', metadata: meta(ns), spec: { http: [{ name: 'web', match: { hosts: [h], paths: ['/*'] }, backends: [{ serviceName: 'web', servicePort: 80 }] }] } }) },
  { name: 'an APISIX ApisixTls', of: (h, ns) => ({ apiVersion: 'apisix.apache.org/v2', kind: 'ApisixTls', metadata: meta(ns), spec: { hosts: [h], secret: { name: 'web-tls', namespace: ns } } }) },
  { name: 'an NGINX VirtualServer', of: (h, ns) => ({ apiVersion: 'k8s.nginx.org/v1', kind: 'VirtualServer', metadata: meta(ns), spec: { host: h, upstreams: [{ name: 'web', service: 'web', port: 80 }], routes: [{ path: '/', action: { pass: 'web' } }] } }), patch: (h) => ({ spec: { host: h } }) },
  { name: 'an NGINX VirtualServerRoute', of: (h, ns) => ({ apiVersion: 'k8s.nginx.org/v1', kind: 'VirtualServerRoute', metadata: meta(ns), spec: { host: h, upstreams: [{ name: 'web', service: 'web', port: 80 }], subroutes: [{ path: '/web', action: { pass: 'web' } }] } }) },
  { name: 'an NGINX TransportServer', of: (h, ns) => ({ apiVersion: 'k8s.nginx.org/v1', kind: 'TransportServer', metadata: meta(ns), spec: { listener: { name: 'tls-passthrough', protocol: 'TLS_PASSTHROUGH' }, host: h, upstreams: [{ name: 'web', service: 'web', port: 443 }], action: { pass: 'web' } } }) },
  { name: 'a Kong TCPIngress', of: (h, ns) => ({ apiVersion: 'configuration.konghq.com/v1beta1', kind: 'TCPIngress', metadata: { ...meta(ns), annotations: { 'kubernetes.io/ingress.class': 'kong' } }, spec: { rules: [{ host: h, port: 9443, backend: { serviceName: 'web', servicePort: 443 } }] } }) },
  { name: 'a Kuma MeshHTTPRoute on the mesh gateway', of: (h, ns) => ({ apiVersion: 'kuma.io/v1alpha1', kind: 'MeshHTTPRoute', metadata: meta(ns), spec: { targetRef: { kind: 'MeshGateway', name: 'edge-gateway' }, to: [{ targetRef: { kind: 'Mesh' }, hostnames: [h], rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], default: { backendRefs: [{ kind: 'MeshService', name: 'web' }] } }] }] } }) },
  { name: 'a Consul IngressGateway', of: (h, ns) => ({ apiVersion: 'consul.hashicorp.com/v1alpha1', kind: 'IngressGateway', metadata: meta(ns), spec: { listeners: [{ port: 8080, protocol: 'http', services: [{ name: 'web', hosts: [h] }] }] } }) },
  { name: 'a Skipper RouteGroup', of: (h, ns) => ({ apiVersion: 'zalando.org/v1', kind: 'RouteGroup', metadata: meta(ns), spec: { hosts: [h], backends: [{ name: 'web', type: 'service', serviceName: 'web', servicePort: 80 }], defaultBackends: [{ backendName: 'web' }] } }) },
  { name: 'a cert-manager Certificate (dnsNames)', of: (h, ns) => ({ apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: meta(ns), spec: { secretName: 'web-tls', dnsNames: [h], issuerRef: { name: 'letsencrypt-dns', kind: 'ClusterIssuer' } } }), patch: (h) => ({ spec: { dnsNames: [h] } }) },
  { name: 'a cert-manager Certificate (commonName)', of: (h, ns) => ({ apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: meta(ns, 'web-cn'), spec: { secretName: 'web-cn-tls', commonName: h, issuerRef: { name: 'internal-ca', kind: 'ClusterIssuer' } } }) },
  { name: 'a cert-manager Certificate (literalSubject)', of: (h, ns) => ({ apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: meta(ns, 'web-literal'), spec: { secretName: 'web-literal-tls', literalSubject: `CN=${h},O=Acme`, issuerRef: { name: 'internal-ca', kind: 'ClusterIssuer' } } }) },
  // external-dns: a DNSEndpoint's record, and the names its annotations give a Service or an Ingress (`kubectl annotate`: a merge patch).
  { name: 'an external-dns DNSEndpoint', of: (h, ns) => ({ apiVersion: 'externaldns.k8s.io/v1alpha1', kind: 'DNSEndpoint', metadata: meta(ns), spec: { endpoints: [{ dnsName: h, recordType: 'A', targets: ['203.0.113.66'], recordTTL: 60 }] } }), patch: (h) => ({ spec: { endpoints: [{ dnsName: h, recordType: 'A', targets: ['203.0.113.66'] }] } }) },
  { name: 'a LoadBalancer Service with an external-dns hostname', of: (h, ns) => ({ apiVersion: 'v1', kind: 'Service', metadata: { ...meta(ns), annotations: { 'external-dns.alpha.kubernetes.io/hostname': h } }, spec: { type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ name: 'https', port: 443, targetPort: 8443 }] } }), patch: (h) => ({ metadata: { annotations: { 'external-dns.alpha.kubernetes.io/hostname': h } } }) },
  { name: 'an Ingress with an external-dns hostname', of: (h, ns) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { ...meta(ns, 'web-dns'), annotations: { 'external-dns.kubernetes.io/hostname': h } }, spec: { ingressClassName: 'nginx', rules: [{ host: `web.${ns}.example.com`, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] } }), patch: (h) => ({ metadata: { annotations: { 'external-dns.kubernetes.io/hostname': h } } }) },
  // What `cmctl create certificaterequest` sends: the CSR made from a key on the caller's machine, signed by the issuer without a Certificate.
  { name: 'a cert-manager CertificateRequest (CSR subjectAltName)', of: (h, ns) => ({ apiVersion: 'cert-manager.io/v1', kind: 'CertificateRequest', metadata: meta(ns, 'web-1'), spec: { request: csrRequest(undefined, [h]), issuerRef: { name: 'internal-ca', kind: 'ClusterIssuer', group: 'cert-manager.io' }, usages: ['digital signature', 'key encipherment'] } }) },
  { name: 'a cert-manager CertificateRequest (CSR common name)', of: (h, ns) => ({ apiVersion: 'cert-manager.io/v1', kind: 'CertificateRequest', metadata: meta(ns, 'web-2'), spec: { request: csrRequest(h), issuerRef: { name: 'internal-ca', kind: 'ClusterIssuer', group: 'cert-manager.io' }, duration: '2160h' } }) },
];

const KUBE_HOST = 'kube.localhost';
const STEPUP_HOST = 'auth.localhost';
const PROD_HOST = 'shop.example.com';
const OWN_HOST = 'web.dev.example.com';

const entries = (k: Kind): Entry[] => [
  { what: `${k.name} in dev for the API server's host`, req: applied(k.of(KUBE_HOST, 'dev')), need: 'aal3', by: GATED },
  { what: `${k.name} in dev for the step-up page's host`, req: applied(k.of(STEPUP_HOST, 'dev')), need: 'aal3', by: GATED },
  { what: `${k.name} in dev for production's host`, req: applied(k.of(PROD_HOST, 'dev')), need: 'aal2', by: OWNED },
  { what: `${k.name} in dev for production's host, applied server-side`, req: serverSide(k.of(PROD_HOST, 'dev')), need: 'aal2', by: OWNED },
  ...(k.patch === undefined
    ? []
    : [
        { what: `${k.name} in dev given the API server's host by a merge patch`, req: patched(k.of(OWN_HOST, 'dev'), k.patch(KUBE_HOST)), need: 'aal3' as const, by: GATED },
        { what: `${k.name} in dev given production's host by a merge patch`, req: patched(k.of(OWN_HOST, 'dev'), k.patch(PROD_HOST)), need: 'aal2' as const, by: OWNED },
        { what: `${k.name} in dev given dev's own host by a merge patch`, req: patched(k.of(OWN_HOST, 'dev'), k.patch(OWN_HOST)), need: 'routine' as const },
      ]),
  { what: `${k.name} in dev for dev's own host`, req: applied(k.of(OWN_HOST, 'dev')), need: 'routine' },
  { what: `${k.name} in shop for the shop's own host`, req: applied(k.of(PROD_HOST, 'shop')), need: 'routine' },
];

describe('every kind that claims a hostname', () => {
  for (const k of KINDS) describe(k.name, () => run(entries(k)));
});

const ingressRoute = (match: string): Doc => ({ apiVersion: 'traefik.io/v1alpha1', kind: 'IngressRoute', metadata: meta('dev'), spec: { entryPoints: ['websecure'], routes: [{ match, kind: 'Rule', services: [{ name: 'web', port: 80 }] }] } });
const cdc = (name: string, namespace: string): Doc => ({ apiVersion: 'networking.internal.knative.dev/v1alpha1', kind: 'ClusterDomainClaim', metadata: { name }, spec: { namespace } });

describe('the shapes around them', () => {
  run([
    { what: "a Traefik IngressRoute whose rule adds the API server's host as an alternative", req: applied(ingressRoute(`Host(\`${OWN_HOST}\`) || Host(\`${KUBE_HOST}\`)`)), need: 'aal3', by: GATED },
    { what: 'a Traefik IngressRoute whose regexp covers the shop', req: applied(ingressRoute('HostRegexp(`^[a-z]+\\.shop\\.example\\.com$`)')), need: 'aal2', by: OWNED },
    { what: 'a Traefik IngressRoute whose rule cannot be read', req: applied(ingressRoute(`Host(\`${OWN_HOST}\``)), need: 'aal3', by: GATED },
    { what: "a Traefik IngressRoute whose rule's match is set by a JSON patch", req: jsonPatched(ingressRoute(`Host(\`${OWN_HOST}\`)`), [{ op: 'replace', path: '/spec/routes/0/match', value: `Host(\`${KUBE_HOST}\`)` }]), need: 'aal3', by: GATED },
    { what: "a Traefik IngressRoute without a host matcher, whose path outranks the API server's router by length", req: applied(ingressRoute('PathPrefix(`/api/v1/namespaces/prod/secrets`)')), need: 'aal3', by: GATED },
    { what: "a Traefik IngressRoute for dev's own hosts by a regexp", req: applied(ingressRoute('HostRegexp(`^[a-z]+\\.dev\\.example\\.com$`) && PathPrefix(`/api`)')), need: 'routine' },
    { what: 'an Emissary Mapping whose host regexp covers the shop', req: applied({ apiVersion: 'getambassador.io/v3alpha1', kind: 'Mapping', metadata: meta('dev'), spec: { host: '^[a-z]+\\.shop\\.example\\.com$', host_regex: true, prefix: '/', service: 'web' } }), need: 'aal2', by: OWNED },
    // Cluster-scoped and Knative's own: the example's cluster-add-on-objects rule asks the strongest level for any write of one.
    { what: 'a Knative ClusterDomainClaim giving the shop host to dev', req: applied(cdc(PROD_HOST, 'dev')), need: 'aal3', by: OWNED },
    { what: "a Knative ClusterDomainClaim for the API server's host", req: applied(cdc(KUBE_HOST, 'dev')), need: 'aal3', by: GATED },
    // route/v1 generated.proto: Route.metadata = 1 (name = 1), .spec = 2, RouteSpec.host = 1; the OpenShift API server takes protobuf.
    { what: "an OpenShift Route in dev for production's host, as protobuf", req: { method: 'POST', path: '/apis/route.openshift.io/v1/namespaces/dev/routes', body: envelope('route.openshift.io/v1', 'Route', Buffer.concat([lenField(1, lenField(1, 'web')), lenField(2, lenField(1, PROD_HOST))])), headers: { 'content-type': 'application/vnd.kubernetes.protobuf' } }, need: 'aal2', by: OWNED },
    { what: "an OpenShift Route in dev for dev's own host, as protobuf", req: { method: 'POST', path: '/apis/route.openshift.io/v1/namespaces/dev/routes', body: envelope('route.openshift.io/v1', 'Route', Buffer.concat([lenField(1, lenField(1, 'web')), lenField(2, lenField(1, OWN_HOST))])), headers: { 'content-type': 'application/vnd.kubernetes.protobuf' } }, need: 'routine' },
    { what: "a Kuma MeshGateway listening for the API server's host", req: applied({ apiVersion: 'kuma.io/v1alpha1', kind: 'MeshGateway', mesh: 'default', metadata: { name: 'edge-gateway' }, spec: { selectors: [{ match: { 'kuma.io/service': 'edge-gateway' } }], conf: { listeners: [{ port: 443, protocol: 'HTTPS', hostname: KUBE_HOST }] } } }), need: 'aal3', by: GATED },
    { what: "an Ingress in dev whose Kong host-aliases add the API server's host", req: applied({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { ...meta('dev'), annotations: { 'konghq.com/host-aliases': KUBE_HOST } }, spec: { ingressClassName: 'kong', rules: [{ host: OWN_HOST }] } }), need: 'aal3', by: GATED },
    // An intermediate CA from the cluster's root signs any name: a claim of every host.
    { what: 'a cert-manager Certificate in dev for an intermediate CA (isCA)', req: applied({ apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: meta('dev', 'dev-ca'), spec: { secretName: 'dev-ca', commonName: 'dev-ca', isCA: true, privateKey: { algorithm: 'ECDSA', size: 256 }, issuerRef: { name: 'internal-ca', kind: 'ClusterIssuer', group: 'cert-manager.io' } } }), need: 'aal3', by: GATED },
    { what: 'a cert-manager CertificateRequest in dev for an intermediate CA (isCA)', req: applied({ apiVersion: 'cert-manager.io/v1', kind: 'CertificateRequest', metadata: meta('dev', 'dev-ca-1'), spec: { request: csrRequest('dev-ca'), isCA: true, issuerRef: { name: 'internal-ca', kind: 'ClusterIssuer', group: 'cert-manager.io' } } }), need: 'aal3', by: GATED },
    // `cmctl renew` marks the Certificate for reissue on its status: no names, nothing claimed.
    { what: "cmctl renew of the shop's Certificate (a status patch)", req: { method: 'PATCH', path: '/apis/cert-manager.io/v1/namespaces/shop/certificates/web/status', body: { status: { conditions: [{ type: 'Issuing', status: 'True', reason: 'ManuallyTriggered', message: 'Certificate re-issuance manually triggered' }] } }, headers: { 'content-type': 'application/merge-patch+json' } }, need: 'routine' },
    { what: "an Ingress in dev whose ingress-nginx server-alias is the step-up page's host", req: applied({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { ...meta('dev'), annotations: { 'nginx.ingress.kubernetes.io/server-alias': STEPUP_HOST } }, spec: { ingressClassName: 'nginx', rules: [{ host: OWN_HOST }] } }), need: 'aal3', by: GATED },
  ]);
});

/**
 * A mesh's workload identities in cert-manager certificates (workload-identities.ts): where the
 * mesh's certificates chain to an issuer cert-manager signs with, a certificate in dev for the
 * shop's SPIFFE ID (`/ns/<namespace>/sa/<account>`, Istio's and SPIRE's form) or Linkerd identity
 * is the shop's workload to every peer. Asked what a gated host asks; dev's own identity and a
 * URI that is no SPIFFE ID are routine.
 */
const IDENTITY = 'guardrail:workload_identity_claim';
const SHOP_ID = 'spiffe://cluster.local/ns/shop/sa/checkout';
const DEV_ID = 'spiffe://cluster.local/ns/dev/sa/web';
const meshCert = (ns: string, spec: Record<string, unknown>): Doc => ({ apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: meta(ns, 'web-mtls'), spec: { secretName: 'web-mtls', duration: '24h', privateKey: { algorithm: 'ECDSA', size: 256 }, usages: ['server auth', 'client auth'], issuerRef: { name: 'mesh-ca', kind: 'ClusterIssuer', group: 'cert-manager.io' }, ...spec } });
const meshRequest = (ns: string, sans: string[]): Doc => ({ apiVersion: 'cert-manager.io/v1', kind: 'CertificateRequest', metadata: meta(ns, 'web-mtls-1'), spec: { request: csrRequest(undefined, sans), usages: ['digital signature', 'key encipherment', 'server auth', 'client auth'], issuerRef: { name: 'mesh-ca', kind: 'ClusterIssuer', group: 'cert-manager.io' } } });
/** `kubectl apply --server-side -f` of a manifest written as YAML, sent as written. */
const yamlApplied = (path: string, yaml: string): WriteEntry['req'] => ({ method: 'PATCH', path: `${path}?fieldManager=kubectl&force=true`, body: yaml, headers: { 'content-type': 'application/apply-patch+yaml' } });
const certYaml = (uri: string) => `apiVersion: cert-manager.io/v1
kind: Certificate
metadata:
  name: web-mtls
  namespace: dev
spec:
  secretName: web-mtls
  # the mesh's CA
  issuerRef: {name: mesh-ca, kind: ClusterIssuer, group: cert-manager.io}
  uris:
    - "${uri}"
`;
const crYaml = (request: string) => `apiVersion: cert-manager.io/v1
kind: CertificateRequest
metadata:
  name: web-mtls-1
  namespace: dev
spec:
  issuerRef:
    name: mesh-ca
    kind: ClusterIssuer
  request: >-
    ${request}
`;

describe('workload identities in certificates', () => {
  run([
    { what: "a Certificate in dev for the shop's SPIFFE ID", req: applied(meshCert('dev', { uris: [SHOP_ID] })), need: 'aal3', by: IDENTITY },
    { what: "a Certificate in dev for dev's own and the shop's SPIFFE IDs", req: applied(meshCert('dev', { uris: [DEV_ID, SHOP_ID], dnsNames: ['web.dev.svc.cluster.local'] })), need: 'aal3', by: IDENTITY },
    { what: "a Certificate in dev for the shop's SPIFFE ID, applied server-side as YAML", req: yamlApplied('/apis/cert-manager.io/v1/namespaces/dev/certificates/web-mtls', certYaml(SHOP_ID)), need: 'aal3', by: IDENTITY },
    { what: "a Certificate in dev given the shop's SPIFFE ID by a merge patch", req: patched(meshCert('dev', { uris: [DEV_ID] }), { spec: { uris: [SHOP_ID] } }), need: 'aal3', by: IDENTITY },
    { what: 'a Certificate in dev for a SPIFFE ID that names no namespace', req: applied(meshCert('dev', { uris: ['spiffe://cluster.local/checkout'] })), need: 'aal3', by: IDENTITY },
    { what: "a Certificate in dev for the shop's Linkerd identity", req: applied(meshCert('dev', { dnsNames: ['checkout.shop.serviceaccount.identity.linkerd.cluster.local'] })), need: 'aal3', by: IDENTITY },
    // `cmctl create certificaterequest` with a CSR made on the caller's machine; kubectl server-side apply of one as YAML.
    { what: "a CertificateRequest in dev whose CSR names the shop's SPIFFE ID (cmctl)", req: applied(meshRequest('dev', [`URI:${SHOP_ID}`])), need: 'aal3', by: IDENTITY },
    { what: "a CertificateRequest in dev whose CSR names the shop's SPIFFE ID, applied server-side as YAML", req: yamlApplied('/apis/cert-manager.io/v1/namespaces/dev/certificaterequests/web-mtls-1', crYaml(csrRequest(undefined, [`URI:${SHOP_ID}`]))), need: 'aal3', by: IDENTITY },
    { what: "a CertificateRequest in dev whose CSR names the shop's Linkerd identity (cmctl)", req: applied(meshRequest('dev', ['checkout.shop.serviceaccount.identity.linkerd.cluster.local'])), need: 'aal3', by: IDENTITY },
    // The neighbours: dev's own identity, a URI that is no SPIFFE ID, a pod's address, the shop's own identity in the shop.
    { what: "a Certificate in dev for dev's own SPIFFE ID and a URI that is no SPIFFE ID", req: applied(meshCert('dev', { uris: [DEV_ID, 'https://web.dev.example.com/'], ipAddresses: ['10.244.1.7'] })), need: 'routine' },
    { what: "a Certificate in dev for dev's own SPIFFE ID, applied server-side as YAML", req: yamlApplied('/apis/cert-manager.io/v1/namespaces/dev/certificates/web-mtls', certYaml(DEV_ID)), need: 'routine' },
    { what: "a CertificateRequest in dev whose CSR names dev's own SPIFFE ID and a URN (cmctl)", req: applied(meshRequest('dev', [`URI:${DEV_ID}`, 'URI:urn:example:web', 'IP:10.244.1.7'])), need: 'routine' },
    { what: "a CertificateRequest in dev whose CSR names dev's own SPIFFE ID, applied server-side as YAML", req: yamlApplied('/apis/cert-manager.io/v1/namespaces/dev/certificaterequests/web-mtls-1', crYaml(csrRequest(undefined, [`URI:${DEV_ID}`]))), need: 'routine' },
    { what: "a Certificate in shop for the shop's own SPIFFE ID", req: applied(meshCert('shop', { uris: [SHOP_ID] })), need: 'routine' },
  ]);
});
