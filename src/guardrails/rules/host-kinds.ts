import { UNKNOWN_VALUE } from '../parse.js';
import { isObject, type Json } from '../types.js';
import { entries, listAt, nestedAt, oneAt, type Gets, type HostAt } from './host-fields.js';
import { csrNames, ipLiteral, literalSubjectNames } from './csr-names.js';
import { hostOfRegexp, traefikRuleHosts } from './traefik-rule.js';

/**
 * Every kind that claims a hostname, in one table read by both host guardrails: gated_host_route
 * (routes.ts: a host stepgate itself checks) and route_host_not_owned (route-owners.ts: a host
 * `guardrails.host_owners` gives to other namespaces). Each entry says where the kind keeps its
 * names (checked against each project's CRD or API types) and which of the two rules read it.
 *
 * Every kind's external-dns annotations are names too (EXTERNAL_DNS), and a Service, TCPRoute or
 * UDPRoute claims only those: their spec names no host (a TCPRoute or UDPRoute a listener's port).
 * Not here, because they name no host: Kong's KongIngress (its `route` overrides methods, headers,
 * protocols and SNIs of routes an Ingress makes; the Ingress names the host) and UDPIngress,
 * Traefik's IngressRouteUDP.
 */
export interface HostKind {
  readonly kind: string;
  /** Where the kind keeps its hostnames; `name` is the object's name from the request path, where it has one. */
  readonly hosts: (doc: Json, name: string) => HostAt[];
  /** The hosts are under `spec`: a patch that sets the spec to a value it does not show hides them. */
  readonly inSpec: boolean;
  /** Read by route_host_not_owned (gated_host_route reads every kind). */
  readonly owners: boolean;
  /** What the claim gets its namespace, said in the violation's detail; a route's traffic unless stated. */
  readonly gets?: Gets;
}

type SpecHosts = (spec: Json) => HostAt[];

const both =
  (...at: SpecHosts[]): SpecHosts =>
  (spec) =>
    at.flatMap((f) => f(spec));

const spec = (at: SpecHosts, owners = true): Omit<HostKind, 'kind'> => ({
  hosts: (doc) => (isObject(doc.spec) ? at(doc.spec) : []),
  inSpec: true,
  owners,
});

/** `spec.<a>.<b>`, one host or (`many`) a list. */
const objectAt =
  (a: string, b: string, many: boolean): SpecHosts =>
  (s) => {
    const o = s[a];
    if (o === UNKNOWN_VALUE) return [{ value: o, path: `spec.${a}` }];
    if (!isObject(o)) return [];
    return many ? entries(o[b], `spec.${a}.${b}`) : [{ value: o[b], path: `spec.${a}.${b}` }];
  };

/**
 * `spec.` and a path of fields, where a field written `name[]` is a list whose entries the rest of
 * the path is read in; the last field holds one host or (`many`) a list. Any step a patch sets to a
 * value it does not show is that step itself.
 */
const walk =
  (fields: string[], many: boolean): SpecHosts =>
  (s) => {
    const step = (v: unknown, path: string, rest: string[]): HostAt[] => {
      if (rest.length === 0) return many ? entries(v, path) : [{ value: v, path }];
      if (v === UNKNOWN_VALUE) return [{ value: v, path }];
      if (!isObject(v)) return [];
      const [head, ...tail] = rest as [string, ...string[]];
      if (!head.endsWith('[]')) return step(v[head], `${path}.${head}`, tail);
      const name = head.slice(0, -2);
      return entries(v[name], `${path}.${name}`).flatMap((e) => step(e.value, e.path, tail));
    };
    return step(s, 'spec', fields);
  };

/** `spec.<list>[].match.<field>`: APISIX's routes. */
const matchAt =
  (list: string, field: string, many: boolean): SpecHosts =>
  (s) =>
    entries(s[list], `spec.${list}`).flatMap(({ value: item, path }) => {
      if (item === UNKNOWN_VALUE) return [{ value: item, path }];
      if (!isObject(item)) return [];
      const m = item.match;
      if (m === UNKNOWN_VALUE) return [{ value: m, path: `${path}.match` }];
      if (!isObject(m)) return [];
      return many ? entries(m[field], `${path}.match.${field}`) : [{ value: m[field], path: `${path}.match.${field}` }];
    });

/**
 * Traefik's `spec.routes[].match` rule strings (traefik-rule.ts): each host matcher's name, `*`
 * where an alternative matches any host, the rule itself (UNKNOWN_VALUE) where it cannot be read.
 */
const traefikRoutes: SpecHosts = (s) =>
  entries(s.routes, 'spec.routes').flatMap(({ value: item, path }) => {
    if (item === UNKNOWN_VALUE) return [{ value: item, path }];
    if (!isObject(item)) return [];
    const at = `${path}.match`;
    if (item.match === UNKNOWN_VALUE) return [{ value: item.match, path: at }];
    if (typeof item.match !== 'string') return [];
    const hosts = traefikRuleHosts(item.match);
    return hosts === UNKNOWN_VALUE ? [{ value: UNKNOWN_VALUE, path: at }] : hosts.map((value) => ({ value, path: at }));
  });

/**
 * An Emissary Mapping's `spec.host` is a regular expression where `host_regex` is true (read as
 * Traefik's v3 regexps are; one that cannot be read is any host), `spec.hostname` a name or glob.
 */
const emissaryMapping: SpecHosts = (s) => {
  const out: HostAt[] = [{ value: s.hostname, path: 'spec.hostname' }];
  const regex = s.host_regex;
  if (typeof s.host === 'string' && regex !== false && regex !== undefined) {
    out.push({ value: (regex === true ? hostOfRegexp(s.host) : undefined) ?? UNKNOWN_VALUE, path: 'spec.host' });
  } else out.push({ value: s.host, path: 'spec.host' });
  return out;
};

/** An Istio Gateway's `namespace/host`: the namespace whose VirtualServices may bind to it (`.`, `*` or none: the Gateway's own). */
const istioGatewayHosts = (doc: Json): HostAt[] =>
  (isObject(doc.spec) ? nestedAt('servers', 'hosts', true)(doc.spec) : []).map((h) => {
    if (typeof h.value !== 'string') return h;
    const slash = h.value.indexOf('/');
    if (slash < 0) return h;
    const ns = h.value.slice(0, slash);
    return { ...h, value: h.value.slice(slash + 1), ...(ns !== '.' && ns !== '*' && ns !== '' && { claimer: ns }) };
  });

/**
 * A Knative DomainMapping is named by its domain (a create has the name in the body, a change of
 * one in the path), and a ClusterDomainClaim gives the domain it is named by to `spec.namespace`.
 */
const namedByDomain = (doc: Json, name: string): HostAt[] => {
  const meta = doc.metadata;
  const v = isObject(meta) && meta.name !== undefined ? meta.name : name === '' ? undefined : name;
  return [{ value: v, path: 'metadata.name' }];
};

/**
 * ingress-nginx serves an Ingress's `server-alias` annotation, and Kong's controller its
 * `konghq.com/host-aliases`, as further names of the Ingress's rules (comma-separated).
 */
const INGRESS_ALIASES = ['nginx.ingress.kubernetes.io/server-alias', 'konghq.com/host-aliases'];

/**
 * external-dns publishes a DNS record, pointing at the object's address, for each name in these
 * annotations (comma-separated) on every kind it watches: Services, Ingresses, Gateway API routes,
 * Istio Gateways and VirtualServices, Contour, Traefik, Kong, Skipper, Ambassador and OpenShift
 * objects. `external-dns.kubernetes.io/` is the prefix since v0.22, `external-dns.alpha.kubernetes.io/`
 * before it (and with `--enable-legacy-annotation-prefix`); `dns.alpha.kubernetes.io/` is kOps'
 * dns-controller, which external-dns reads in its compatibility mode. A record takes every client
 * of the name, not a share of a gateway's traffic, and needs no route at all.
 */
const EXTERNAL_DNS = [
  'external-dns.kubernetes.io/hostname',
  'external-dns.kubernetes.io/internal-hostname',
  'external-dns.alpha.kubernetes.io/hostname',
  'external-dns.alpha.kubernetes.io/internal-hostname',
  'dns.alpha.kubernetes.io/external',
  'dns.alpha.kubernetes.io/internal',
];

/**
 * The names in annotations `keys` of the object, comma- or space-separated. Annotations (or the
 * metadata holding them) that a patch sets to a value it does not show are any name.
 */
function annotated(doc: Json, keys: readonly string[], gets?: Gets): HostAt[] {
  const meta = doc.metadata;
  if (meta === UNKNOWN_VALUE) return [{ value: meta, path: 'metadata' }];
  if (!isObject(meta)) return [];
  const annotations = meta.annotations;
  if (annotations === UNKNOWN_VALUE) return [{ value: annotations, path: 'metadata.annotations' }];
  if (!isObject(annotations)) return [];
  return keys.flatMap((key) => {
    const v = annotations[key];
    const path = `metadata.annotations.${key}`;
    if (v === UNKNOWN_VALUE) return [{ value: v, path }];
    if (typeof v !== 'string') return [];
    return v
      .split(/[\s,]+/)
      .filter((h) => h !== '')
      .map((value) => ({ value, path, ...(gets && { gets }) }));
  });
}

const aliasesOf = (doc: Json): HostAt[] => annotated(doc, INGRESS_ALIASES);

/**
 * An Ingress's `tls[].hosts` picks the certificate the controller serves for the name
 * (ingress-nginx serves a Secret of the claiming namespace for it, cert-manager's ingress-shim
 * issues one for it).
 */
const ingress: Omit<HostKind, 'kind'> = {
  hosts: (doc) => [...(isObject(doc.spec) ? both(nestedAt('rules', 'host', false), nestedAt('tls', 'hosts', true))(doc.spec) : []), ...aliasesOf(doc)],
  inSpec: true,
  owners: true,
};

/**
 * A Gateway API listener's hostname: on a Gateway, the names its routes may take; in a ListenerSet,
 * which app teams write to add listeners to a shared Gateway, a name on that Gateway's address.
 * Implementations that merge Gateways of a class onto one address (Envoy Gateway's
 * `mergeGateways`) serve a Gateway's listener there too, and cert-manager's gateway-shim issues a
 * certificate for each listener hostname with TLS into the Gateway's namespace.
 */
const listeners = spec(nestedAt('listeners', 'hostname', false));

/** cert-manager's `spec.literalSubject`: its common names (csr-names.ts), a `spec.commonName` by another field. */
const literalSubjectAt: SpecHosts = (s) => literalSubjectNames(s.literalSubject).map((value) => ({ value, path: 'spec.literalSubject' }));

/**
 * cert-manager's `spec.ipAddresses`, each as ipLiteral writes it: a host that is an address (the
 * API server's, where kubernetes.hosts names it by one) is claimed by a certificate for it.
 */
const ipsAt: SpecHosts = (s) => entries(s.ipAddresses, 'spec.ipAddresses').map((h) => (typeof h.value === 'string' ? { ...h, value: ipLiteral(h.value) ?? h.value } : h));

/**
 * cert-manager's `spec.isCA` (a Certificate's, a CertificateRequest's): the issuer signs an
 * intermediate CA, whose key in the namespace's Secret then signs a certificate for any name the
 * issuer's root is trusted for. A claim of every host (`*`).
 */
const caAt: SpecHosts = (s) => {
  if (s.isCA === UNKNOWN_VALUE) return [{ value: UNKNOWN_VALUE, path: 'spec.isCA' }];
  return s.isCA === true ? [{ value: '*', path: 'spec.isCA', gets: 'ca' }] : [];
};

const TABLE: [key: string, kind: HostKind][] = [
  // Istio (networking.istio.io).
  ['networking.istio.io/virtualservices', { kind: 'VirtualService', ...spec(listAt('hosts')) }],
  ['networking.istio.io/gateways', { kind: 'Gateway', hosts: istioGatewayHosts, inSpec: true, owners: true }],
  // How the mesh reaches a host (TLS, or not, to it): the preparation of a route around the check,
  // so gated_host_route reads it; it takes no traffic for the name, so route_host_not_owned does not.
  ['networking.istio.io/destinationrules', { kind: 'DestinationRule', ...spec(oneAt('host'), false) }],
  // Where every sidecar sends the name: for callers in the mesh, the hostname taken.
  ['networking.istio.io/serviceentries', { kind: 'ServiceEntry', ...spec(listAt('hosts')) }],
  // Gateway API (gateway.networking.k8s.io; ListenerSet standard since v1.5, XListenerSet its experimental form).
  ['gateway.networking.k8s.io/httproutes', { kind: 'HTTPRoute', ...spec(listAt('hostnames')) }],
  ['gateway.networking.k8s.io/grpcroutes', { kind: 'GRPCRoute', ...spec(listAt('hostnames')) }],
  ['gateway.networking.k8s.io/tlsroutes', { kind: 'TLSRoute', ...spec(listAt('hostnames')) }],
  ['gateway.networking.k8s.io/gateways', { kind: 'Gateway', ...listeners }],
  ['gateway.networking.k8s.io/listenersets', { kind: 'ListenerSet', ...listeners }],
  ['gateway.networking.x-k8s.io/xlistenersets', { kind: 'XListenerSet', ...listeners }],
  // Linkerd's own HTTPRoute (policy.linkerd.io), shaped as Gateway API's.
  ['policy.linkerd.io/httproutes', { kind: 'HTTPRoute', ...spec(listAt('hostnames')) }],
  // Kubernetes Ingress.
  ['networking.k8s.io/ingresses', { kind: 'Ingress', ...ingress }],
  ['extensions/ingresses', { kind: 'Ingress', ...ingress }],
  // Contour: one root FQDN per HTTPProxy.
  ['projectcontour.io/httpproxies', { kind: 'HTTPProxy', ...spec(objectAt('virtualhost', 'fqdn', false)) }],
  // OpenShift: a Route's host (`spec.subdomain` is under the router's domain, which the body does not say).
  ['route.openshift.io/routes', { kind: 'Route', ...spec(oneAt('host')) }],
  // Traefik (traefik.io; traefik.containo.us before v2.10).
  ['traefik.io/ingressroutes', { kind: 'IngressRoute', ...spec(traefikRoutes) }],
  ['traefik.io/ingressroutetcps', { kind: 'IngressRouteTCP', ...spec(traefikRoutes) }],
  ['traefik.containo.us/ingressroutes', { kind: 'IngressRoute', ...spec(traefikRoutes) }],
  ['traefik.containo.us/ingressroutetcps', { kind: 'IngressRouteTCP', ...spec(traefikRoutes) }],
  // Emissary-ingress / Ambassador (getambassador.io).
  ['getambassador.io/mappings', { kind: 'Mapping', ...spec(emissaryMapping) }],
  ['getambassador.io/tcpmappings', { kind: 'TCPMapping', ...spec(oneAt('host')) }],
  ['getambassador.io/hosts', { kind: 'Host', ...spec(oneAt('hostname')) }],
  // Knative Serving.
  ['serving.knative.dev/domainmappings', { kind: 'DomainMapping', hosts: (doc, name) => namedByDomain(doc, name), inSpec: false, owners: true }],
  [
    'networking.internal.knative.dev/clusterdomainclaims',
    {
      kind: 'ClusterDomainClaim',
      hosts: (doc, name) => {
        const ns = isObject(doc.spec) ? doc.spec.namespace : undefined;
        // A write that leaves the namespace alone changes no claim; one to a namespace the body does not show is judged as a claim for none of the owners'.
        if (typeof ns === 'string') return namedByDomain(doc, name).map((h) => ({ ...h, claimer: ns }));
        if (ns === UNKNOWN_VALUE || doc.spec === UNKNOWN_VALUE) return namedByDomain(doc, name).map((h) => ({ ...h, claimer: '' }));
        return [];
      },
      inSpec: false,
      owners: true,
    },
  ],
  // Gloo Edge (gateway.solo.io).
  ['gateway.solo.io/virtualservices', { kind: 'VirtualService', ...spec(objectAt('virtualHost', 'domains', true)) }],
  // Apache APISIX: HTTP routes' hosts and stream routes' SNI host.
  ['apisix.apache.org/apisixroutes', { kind: 'ApisixRoute', ...spec(both(matchAt('http', 'hosts', true), matchAt('stream', 'host', false))) }],
  ['apisix.apache.org/apisixtlses', { kind: 'ApisixTls', ...spec(listAt('hosts')) }],
  // NGINX Ingress Controller (k8s.nginx.org).
  ['k8s.nginx.org/virtualservers', { kind: 'VirtualServer', ...spec(oneAt('host')) }],
  ['k8s.nginx.org/virtualserverroutes', { kind: 'VirtualServerRoute', ...spec(oneAt('host')) }],
  ['k8s.nginx.org/transportservers', { kind: 'TransportServer', ...spec(oneAt('host')) }],
  // Kong: a TCPIngress routes TLS by SNI.
  ['configuration.konghq.com/tcpingresses', { kind: 'TCPIngress', ...spec(both(nestedAt('rules', 'host', false), nestedAt('tls', 'hosts', true))) }],
  // Kuma: a MeshGateway (cluster-wide, so whoever writes it is no namespace's claim; its routes are)
  // and the MeshHTTPRoutes that give it hostnames.
  ['kuma.io/meshgateways', { kind: 'MeshGateway', ...spec(walk(['conf', 'listeners[]', 'hostname'], false), false) }],
  ['kuma.io/meshhttproutes', { kind: 'MeshHTTPRoute', ...spec(walk(['to[]', 'hostnames'], true)) }],
  // Consul: an ingress gateway's listeners name the hosts of each service they expose.
  ['consul.hashicorp.com/ingressgateways', { kind: 'IngressGateway', ...spec(walk(['listeners[]', 'services[]', 'hosts'], true)) }],
  // Skipper (zalando.org).
  ['zalando.org/routegroups', { kind: 'RouteGroup', ...spec(listAt('hosts')) }],
  // cert-manager: a Certificate's names are what its issuer signs, and the key lands in a Secret of
  // the Certificate's namespace. No route is needed to use it: with a ClusterIssuer that answers
  // DNS-01 for the zone (or an in-cluster CA the mesh trusts) the key serves the name for whoever
  // sits in the path, and an HTTP-01 issuer routes its own solver for the name on the shared ingress.
  ['cert-manager.io/certificates', { kind: 'Certificate', ...spec(both(listAt('dnsNames'), oneAt('commonName'), literalSubjectAt, ipsAt, caAt)), gets: 'certificate' }],
  // A CertificateRequest carries the CSR itself (csr-names.ts): what cmctl and hand-written
  // requests send, signed by the same issuers without a Certificate in between.
  ['cert-manager.io/certificaterequests', { kind: 'CertificateRequest', ...spec(both((s) => csrNames(s.request).map((value) => ({ value, path: 'spec.request' })), caAt)), gets: 'certificate' }],
  // external-dns: a DNSEndpoint is a record for each `spec.endpoints[].dnsName`, wherever its
  // targets say; a Service claims only the names its external-dns annotations give it (below).
  ['externaldns.k8s.io/dnsendpoints', { kind: 'DNSEndpoint', ...spec(nestedAt('endpoints', 'dnsName', false)), gets: 'dns' }],
  ['/services', { kind: 'Service', hosts: () => [], inSpec: false, owners: true }],
  // Gateway API's TCPRoute and UDPRoute name no host, but external-dns reads their annotations.
  ['gateway.networking.k8s.io/tcproutes', { kind: 'TCPRoute', hosts: () => [], inSpec: false, owners: true }],
  ['gateway.networking.k8s.io/udproutes', { kind: 'UDPRoute', hosts: () => [], inSpec: false, owners: true }],
];

/** Every kind of the table is also read for the names external-dns publishes for it. */
const BY_KEY: ReadonlyMap<string, HostKind> = new Map(
  TABLE.map(([key, k]): [string, HostKind] => [key, { ...k, hosts: (doc, name) => [...k.hosts(doc, name), ...annotated(doc, EXTERNAL_DNS, 'dns')] }]),
);

export const HOST_KEYS: ReadonlySet<string> = new Set(BY_KEY.keys());

export function hostKind(key: string): HostKind | undefined {
  return BY_KEY.get(key);
}

/** The `group/resource` key a body's kind stands for, when it is a host-claiming kind (`apiVersion` decides the group). */
export function hostKeyOfKind(doc: Json): string | undefined {
  if (typeof doc.kind !== 'string' || typeof doc.apiVersion !== 'string') return undefined;
  const group = doc.apiVersion.includes('/') ? doc.apiVersion.slice(0, doc.apiVersion.indexOf('/')) : '';
  for (const [key, v] of BY_KEY) if (v.kind === doc.kind && key.startsWith(`${group}/`)) return key;
  return undefined;
}
