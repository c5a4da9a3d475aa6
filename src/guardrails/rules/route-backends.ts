import { clientText } from '../../core/redact.js';
import { addressMatcher, LOOPBACK_RANGES, METADATA_NAMES, METADATA_RANGES } from '../addresses.js';
import { arrayOf, isObject, type Json } from '../types.js';
import type { RuleContext } from './context.js';

/**
 * gated_host_route, by the other end of a route: one whose backend is the API server's own Service
 * (`kubernetes` in `default`, which Kubernetes keeps for every cluster), served on a host stepgate
 * does not check. A VirtualService for `api.dev.example.com` on the public gateway, an HTTPRoute
 * with an Istio `Hostname` backend, an Ingress in `default`, or an ExternalName Service that an
 * Ingress then names, each reach the API server from inside the cluster with the caller's token and
 * no check on the way: the gate switched off for whoever knows the host (a one-factor sign-in ten
 * minutes old was allowed to write each). Only what the body shows is read; the host a patch copies
 * from elsewhere in the object is not guessed at. The same backends are read for the other places
 * no team's route goes (metadata_route, loopback_route: SPECIAL_DESTINATIONS).
 */
export function checkRouteBackends(doc: Json, key: string, docPath: string, ctx: RuleContext): void {
  const read = BACKENDS[key];
  if (read === undefined || !isObject(doc.spec)) return;
  // Envoy resolves such a Backend's upstream from each request's Host header: every address, the
  // API server's and the metadata service's included, for whoever can send a request to the route.
  if (key === ENVOY_BACKEND_KEY && doc.spec.type === 'DynamicResolver') {
    ctx.out.push({ code: 'gated_host_route', detail: "Backend of type DynamicResolver sends each request to the host its Host header names: the API server's addresses among them, without a check", path: `${docPath}spec.type` });
  }
  for (const { host, written, path, kind } of read(doc.spec, ctx.namespace, doc)) {
    // An ExternalName's name is resolved as written (`0x0a600001` is no Service of the namespace).
    if (!reachesApiServer(host, ctx) && (written === undefined || !reachesApiServer(written, ctx))) {
      const special = specialDestination(written ?? host);
      if (special !== undefined) {
        const shown = clientText((written ?? host).toLowerCase(), 100) ?? '';
        const what = kind === 'alias' ? `Service is an alias (ExternalName) of ${shown}` : `${kind} sends requests to ${shown}`;
        ctx.out.push({ code: special.code, detail: `${what}, ${special.is}`, path: `${docPath}${path}` });
      }
      continue;
    }
    const shown = clientText(host.toLowerCase(), 100) ?? '';
    const detail =
      kind === 'alias'
        ? `Service is an alias (ExternalName) of ${shown}, the API server's own Service: a route to it reaches the API server without a check`
        : `${kind} sends requests to ${shown}, the API server's own Service: they reach it without a check`;
    ctx.out.push({ code: 'gated_host_route', detail, path: `${docPath}${path}` });
  }
}

interface Backend {
  /** As written, with the namespace it is resolved in added to a bare name. */
  host: string;
  /** As written, where a bare name is resolved by DNS rather than as a Service (an ExternalName: `localhost`). */
  written?: string;
  path: string;
  /** The route's kind for the detail; `alias` for an ExternalName Service. */
  kind: string;
}

/** `kubernetes.default`, `kubernetes.default.svc` and under it (any cluster domain), any port or trailing dot. */
function isApiServer(host: string): boolean {
  const h = stripPort(host.toLowerCase()).replace(/\.$/, '');
  return h === 'kubernetes.default' || h === 'kubernetes.default.svc' || h.startsWith('kubernetes.default.svc.');
}

interface SpecialDestination {
  readonly code: 'metadata_route' | 'loopback_route';
  /** What the destination is, for the detail. */
  readonly is: string;
  readonly names: (bare: string) => boolean;
  readonly address: (ip: string) => boolean;
}

/**
 * Destinations besides the API server that no team's route needs, by address (in any spelling the
 * API server's own check reads: bracketed, IPv4-mapped, wildcard DNS) or by name. A name that
 * resolves there later (a registered name pointed at 169.254.169.254 or 127.0.0.1) is not seen.
 *
 * metadata_route: a cloud's instance metadata service. The route runs on the gateway's or the
 * proxy's node, so calling it hands out that node's cloud credentials where the node allows it
 * (IMDSv1, or a hop limit above 1); the node's metadata settings are the fix for names.
 *
 * loopback_route: the proxy's own loopback, where the gateway's Envoy keeps its admin port (Istio's
 * 15000, Envoy Gateway's 19000: configuration dumps, `/quitquitquit`, runtime changes) and a
 * sidecar's pod its other containers' local ports: Contour's CVE-2021-32783 reached Envoy's admin
 * this way through an ExternalName of `localhost`.
 */
const SPECIAL_DESTINATIONS: readonly SpecialDestination[] = [
  {
    code: 'metadata_route',
    is: "the cloud's instance metadata service: whoever calls it is handed the node's cloud credentials",
    names: (bare) => METADATA_NAMES.has(bare),
    address: addressMatcher(METADATA_RANGES),
  },
  {
    code: 'loopback_route',
    is: "the proxy's own loopback: whoever calls it reaches what listens there, the gateway's admin port among it",
    names: (bare) => bare === 'localhost' || bare.endsWith('.localhost'),
    address: addressMatcher(LOOPBACK_RANGES),
  },
];

function specialDestination(host: string): SpecialDestination | undefined {
  const bare = stripPort(host.toLowerCase()).replace(/\.$/, '');
  const spelled = [...addressesInName(bare), ...atonAddress(bare)];
  return SPECIAL_DESTINATIONS.find((d) => d.names(bare) || d.address(bare) || spelled.some(d.address));
}

function reachesApiServer(host: string, ctx: RuleContext): boolean {
  if (isApiServer(host)) return true;
  const bare = stripPort(host);
  return ctx.settings.apiServerAddress(bare) || [...addressesInName(bare), ...atonAddress(bare.replace(/\.$/, ''))].some((a) => ctx.settings.apiServerAddress(a));
}

/**
 * A name of one to four numeric parts as a resolver that calls inet_aton reads it (glibc's
 * getaddrinfo, which HAProxy, Envoy's getaddrinfo resolver and most clients use): `0` leads octal,
 * `0x` hex, and the last part fills the bytes left (`0177.0.0.1` and `0177.1` are 127.0.0.1,
 * `0x0a600001` is 10.96.0.1). addressMatcher reads each dotted part decimal, as Kubernetes reads an
 * Endpoints' address; a name a proxy resolves is read both ways.
 */
function atonAddress(name: string): string[] {
  if (!/^(?:0x[0-9a-f]+|[0-9]+)(?:\.(?:0x[0-9a-f]+|[0-9]+)){0,3}$/i.test(name)) return [];
  const parts = name.split('.').map((p) => (/^0x/i.test(p) ? Number.parseInt(p.slice(2), 16) : /^0[0-7]+$/.test(p) ? Number.parseInt(p, 8) : /^0[0-9]/.test(p) ? Number.NaN : Number(p)));
  const last = parts.pop()!;
  if (parts.some((p) => !(p >= 0 && p <= 255)) || !(last >= 0 && last < 2 ** (8 * (4 - parts.length)))) return [];
  const bytes = [...parts];
  for (let i = 3 - parts.length; i >= 0; i--) bytes.push(Math.floor(last / 2 ** (8 * i)) % 256);
  return [bytes.join('.')];
}

/**
 * The addresses a host name resolves to by its spelling alone. CoreDNS answers
 * `10-96-0-1.default.pod.cluster.local` with 10.96.0.1 for any address (`pods insecure`, kubeadm's
 * default Corefile), and public wildcard DNS (nip.io, sslip.io, traefik.me and their like) answers
 * `10.96.0.1.nip.io`, `api-10-96-0-1.sslip.io` or `0a600001.nip.io` the same: a route to such a
 * name is a route to the API server's address. The services do not keep to labels: nip.io splits
 * the name on dots and dashes alike and takes the last four parts (`10-96.0-1.nip.io`), sslip.io
 * takes a dotted address after or before a dash (`api-10.96.0.1.sslip.io`,
 * `--ffff-10.96.0.1.sslip.io`), and answers AAAA for an IPv6 address written in dashes
 * (`fd00-10-96--1.sslip.io`). So every four numeric parts in a row of the name split on both, every
 * part of eight hex digits, and every run of a label's dash-separated parts that spells an IPv6
 * address is read as one, so that no provider's own rule for which of them it takes has to be
 * known (session 39 read four labels, or four dashed parts of one label, and `10-96.0-1.nip.io`
 * was no address).
 */
function addressesInName(host: string): string[] {
  if (!/[0-9a-f]/i.test(host) || host.length > 253) return [];
  const out: string[] = [];
  const name = host.replace(/\.$/, '');
  const parts = name.split(/[.-]/);
  for (let i = 0; i + 4 <= parts.length; i++) {
    const q = parts.slice(i, i + 4);
    if (q.every((p) => /^[0-9]{1,3}$/.test(p))) out.push(q.join('.'));
  }
  for (const p of parts) if (/^[0-9a-f]{8}$/i.test(p)) out.push(p.match(/../g)!.map((b) => Number.parseInt(b, 16)).join('.'));
  for (const label of name.split('.')) {
    const groups = label.split('-');
    if (groups.length < 3) continue;
    // From 3 parts (`--1`, ::1) to 9 (eight groups, or seven and a `::`): apiServerAddress reads
    // what is an address and refuses the rest.
    for (let i = 0; i < groups.length; i++) {
      for (let j = i + 3; j <= Math.min(groups.length, i + 9); j++) {
        const g = groups.slice(i, j);
        if (g.every((x) => /^[0-9a-f]{0,4}$/i.test(x)) && (j - i === 8 || g.includes(''))) out.push(g.join(':'));
      }
    }
  }
  return out;
}

/** A host without its port; an IPv6 address stays whole (`[fd00::1]:443` → `[fd00::1]`, `fd00::1` as it is). */
function stripPort(host: string): string {
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1 || undefined);
  return host.indexOf(':') === host.lastIndexOf(':') ? host.replace(/:\d*$/, '') : host;
}

/** A Service's name in a namespace, as a name in the mesh or a cluster's DNS resolves it. */
function qualified(name: string, ns: string): string {
  const bare = stripPort(name);
  return bare.includes('.') || bare.includes(':') ? name : `${bare}.${ns}${name.slice(bare.length)}`;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** An Istio VirtualService's destinations: each http, tcp and tls route's, and the http mirrors. */
function virtualService(spec: Json, ns: string): Backend[] {
  const out: Backend[] = [];
  const add = (v: unknown, path: string) => {
    const h = str(v);
    if (h !== undefined) out.push({ host: qualified(h, ns), path, kind: 'VirtualService' });
  };
  for (const proto of ['http', 'tcp', 'tls'] as const) {
    for (const [i, r] of arrayOf(spec[proto]).entries()) {
      if (!isObject(r)) continue;
      const at = `spec.${proto}[${i}]`;
      for (const [j, d] of arrayOf(r.route).entries()) if (isObject(d) && isObject(d.destination)) add(d.destination.host, `${at}.route[${j}].destination.host`);
      if (isObject(r.mirror)) add(r.mirror.host, `${at}.mirror.host`);
      for (const [j, m] of arrayOf(r.mirrors).entries()) if (isObject(m) && isObject(m.destination)) add(m.destination.host, `${at}.mirrors[${j}].destination.host`);
    }
  }
  return out;
}

/**
 * A Gateway API route's backends (and request mirrors): a Service by name in the route's namespace
 * or the one it names, or Istio's `Hostname` backend, which is a host in the mesh.
 */
const gatewayRoute =
  (kind: string) =>
  (spec: Json, ns: string): Backend[] => {
    const out: Backend[] = [];
    const add = (ref: unknown, path: string) => {
      if (!isObject(ref)) return;
      const name = str(ref.name);
      if (name === undefined) return;
      const group = str(ref.group) ?? '';
      const refKind = str(ref.kind) ?? 'Service';
      if (group === 'networking.istio.io' && refKind === 'Hostname') out.push({ host: qualified(name, ns), path, kind });
      else if (group === '' && refKind === 'Service') out.push({ host: `${name}.${str(ref.namespace) ?? ns}`, path, kind });
    };
    for (const [i, r] of arrayOf(spec.rules).entries()) {
      if (!isObject(r)) continue;
      for (const [j, b] of arrayOf(r.backendRefs).entries()) add(b, `spec.rules[${i}].backendRefs[${j}]`);
      for (const [j, f] of arrayOf(r.filters).entries()) if (isObject(f) && isObject(f.requestMirror)) add(f.requestMirror.backendRef, `spec.rules[${i}].filters[${j}].requestMirror.backendRef`);
    }
    return out;
  };

/**
 * An Ingress's backends: Services of its own namespace, and ingress-nginx's annotations that name
 * one (`default-backend`) or send a copy of every request, its Authorization header included,
 * to a URL (`mirror-target`), under any prefix as the controller's flag allows.
 */
function ingress(spec: Json, ns: string, doc: Json): Backend[] {
  const out: Backend[] = [];
  const annotations = isObject(doc.metadata) && isObject(doc.metadata.annotations) ? doc.metadata.annotations : {};
  for (const [key, value] of Object.entries(annotations)) {
    if (typeof value !== 'string') continue;
    const at = `metadata.annotations[${JSON.stringify(key.slice(0, 120))}]`;
    if (key.endsWith('/mirror-target')) {
      const host = urlHost(value);
      if (host !== undefined) out.push({ host: qualified(host, ns), path: at, kind: 'Ingress' });
    } else if (key.endsWith('/default-backend')) out.push({ host: `${value}.${ns}`, path: at, kind: 'Ingress' });
  }
  const add = (b: unknown, path: string) => {
    const name = isObject(b) && isObject(b.service) ? str(b.service.name) : isObject(b) ? str(b.serviceName) : undefined;
    if (name !== undefined) out.push({ host: `${name}.${ns}`, path, kind: 'Ingress' });
  };
  add(spec.defaultBackend ?? spec.backend, spec.defaultBackend === undefined ? 'spec.backend' : 'spec.defaultBackend');
  for (const [i, r] of arrayOf(spec.rules).entries()) {
    if (!isObject(r) || !isObject(r.http)) continue;
    for (const [j, p] of arrayOf(r.http.paths).entries()) if (isObject(p)) add(p.backend, `spec.rules[${i}].http.paths[${j}].backend`);
  }
  return out;
}

/** An Istio ServiceEntry's endpoints: the addresses the mesh sends the entry's hosts to. */
function serviceEntry(spec: Json, ns: string): Backend[] {
  return arrayOf(spec.endpoints).flatMap((e, i) => {
    const a = isObject(e) ? str(e.address) : undefined;
    return a === undefined ? [] : [{ host: qualified(a, ns), path: `spec.endpoints[${i}].address`, kind: 'ServiceEntry' }];
  });
}

/** An ExternalName Service: every client of its name, an ingress controller among them, is sent to the name. */
function service(spec: Json, ns: string): Backend[] {
  const name = str(spec.externalName);
  return name === undefined ? [] : [{ host: qualified(name, ns), written: name, path: 'spec.externalName', kind: 'alias' }];
}

/** The host of a URL as a proxy's configuration writes it (a scheme or none, nginx variables in the path). */
function urlHost(value: string): string | undefined {
  const m = /^(?:[a-z][a-z0-9+.-]*:\/\/)?([^/?#$]+)/i.exec(value.trim());
  return m?.[1];
}

/**
 * Services by name, with the namespace each may name (Traefik's `namespace`, where the provider's
 * allowCrossNamespace lets it; Contour's and OpenShift's are the route's own): `list` at `at`.
 */
function named(list: unknown, at: string, ns: string, kind: string, crossNamespace: boolean): Backend[] {
  const out: Backend[] = [];
  for (const [j, b] of arrayOf(list).entries()) {
    if (!isObject(b)) continue;
    const name = str(b.name);
    // A TraefikService is a weighted or mirrored set of other services, each written in turn.
    if (name === undefined || (b.kind !== undefined && b.kind !== 'Service')) continue;
    out.push({ host: `${name}.${(crossNamespace ? str(b.namespace) : undefined) ?? ns}`, path: `${at}[${j}]`, kind });
  }
  return out;
}

/** Traefik's IngressRoute and IngressRouteTCP: each route's services. */
const traefikRoute =
  (kind: string) =>
  (spec: Json, ns: string): Backend[] =>
    arrayOf(spec.routes).flatMap((r, i) => (isObject(r) ? named(r.services, `spec.routes[${i}].services`, ns, kind, true) : []));

/** Contour's HTTPProxy: each route's services (mirrors among them) and the TCP proxy's. */
function httpProxy(spec: Json, ns: string): Backend[] {
  const routes = arrayOf(spec.routes).flatMap((r, i) => (isObject(r) ? named(r.services, `spec.routes[${i}].services`, ns, 'HTTPProxy', false) : []));
  return isObject(spec.tcpproxy) ? [...routes, ...named(spec.tcpproxy.services, 'spec.tcpproxy.services', ns, 'HTTPProxy', false)] : routes;
}

/** An OpenShift Route: `to` and its alternate backends (a passthrough one reaches the API server's own TLS). */
function openShiftRoute(spec: Json, ns: string): Backend[] {
  return [...named([spec.to], 'spec.to', ns, 'Route', false).map((b) => ({ ...b, path: 'spec.to' })), ...named(spec.alternateBackends, 'spec.alternateBackends', ns, 'Route', false)];
}

/** Emissary's Mapping and TCPMapping: `service`, a host (a name of the Mapping's namespace, or qualified) with an optional scheme and port. */
const emissary =
  (kind: string) =>
  (spec: Json, ns: string): Backend[] => {
    const host = typeof spec.service === 'string' ? urlHost(spec.service) : undefined;
    return host === undefined ? [] : [{ host: qualified(host, ns), path: 'spec.service', kind }];
  };

/**
 * An Istio WorkloadEntry: a workload at `address` that the mesh adds to the endpoints of every
 * ServiceEntry, and every Kubernetes Service, whose selector its labels match; so a route to the
 * team's own Service can end there (a unix socket is the proxy's own and reaches nothing else).
 */
function workloadEntry(spec: Json, ns: string): Backend[] {
  const a = str(spec.address);
  return a === undefined || a.startsWith('unix://') ? [] : [{ host: qualified(a, ns), path: 'spec.address', kind: 'WorkloadEntry' }];
}

/** Envoy Gateway's Backend: its endpoints, by address (`ip.address`) or by name (`fqdn.hostname`, `hostname`). */
function envoyBackend(spec: Json, ns: string): Backend[] {
  return arrayOf(spec.endpoints).flatMap((e, i) => {
    if (!isObject(e)) return [];
    const at = `spec.endpoints[${i}]`;
    const out: Backend[] = [];
    if (isObject(e.ip) && typeof e.ip.address === 'string') out.push({ host: e.ip.address, path: `${at}.ip.address`, kind: 'Backend' });
    if (isObject(e.fqdn) && typeof e.fqdn.hostname === 'string') out.push({ host: qualified(e.fqdn.hostname, ns), path: `${at}.fqdn.hostname`, kind: 'Backend' });
    if (typeof e.hostname === 'string') out.push({ host: qualified(e.hostname, ns), path: `${at}.hostname`, kind: 'Backend' });
    return out;
  });
}

const BACKENDS: Readonly<Record<string, (spec: Json, ns: string, doc: Json) => Backend[]>> = {
  'networking.istio.io/workloadentries': workloadEntry,
  'gateway.envoyproxy.io/backends': envoyBackend,
  'networking.istio.io/virtualservices': virtualService,
  'networking.istio.io/serviceentries': serviceEntry,
  'gateway.networking.k8s.io/httproutes': gatewayRoute('HTTPRoute'),
  'gateway.networking.k8s.io/grpcroutes': gatewayRoute('GRPCRoute'),
  'gateway.networking.k8s.io/tlsroutes': gatewayRoute('TLSRoute'),
  'gateway.networking.k8s.io/tcproutes': gatewayRoute('TCPRoute'),
  'networking.k8s.io/ingresses': ingress,
  'extensions/ingresses': ingress,
  '/services': service,
  'traefik.io/ingressroutes': traefikRoute('IngressRoute'),
  'traefik.io/ingressroutetcps': traefikRoute('IngressRouteTCP'),
  'traefik.containo.us/ingressroutes': traefikRoute('IngressRoute'),
  'traefik.containo.us/ingressroutetcps': traefikRoute('IngressRouteTCP'),
  'projectcontour.io/httpproxies': httpProxy,
  'route.openshift.io/routes': openShiftRoute,
  'getambassador.io/mappings': emissary('Mapping'),
  'getambassador.io/tcpmappings': emissary('TCPMapping'),
};

/**
 * gated_host_route by an object's endpoints: an Endpoints or EndpointSlice (a Service without a
 * selector is a route to wherever they say) naming an address of guardrails.api_server_addresses;
 * metadata_route or loopback_route when it names a cloud's metadata service or a loopback address.
 */
export function checkEndpointAddresses(doc: Json, docPath: string, ctx: RuleContext): void {
  // An FQDN EndpointSlice names hosts: read as a route's backend is.
  const hit = (ip: unknown, path: string) => {
    if (typeof ip !== 'string') return;
    const shown = clientText(ip, 60) ?? '';
    if (ctx.settings.apiServerAddress(ip) || reachesApiServer(ip, ctx)) {
      ctx.out.push({ code: 'gated_host_route', detail: `endpoint ${shown} is one of the API server's addresses: the Service's traffic reaches it without a check`, path: `${docPath}${path}` });
    } else {
      const special = specialDestination(ip);
      if (special !== undefined) ctx.out.push({ code: special.code, detail: `endpoint ${shown} is ${special.is}`, path: `${docPath}${path}` });
    }
  };
  for (const [i, e] of arrayOf(doc.endpoints).entries()) {
    if (!isObject(e)) continue;
    for (const [j, a] of arrayOf(e.addresses).entries()) hit(a, `endpoints[${i}].addresses[${j}]`);
    checkEndpointTarget(e.targetRef, `${docPath}endpoints[${i}].targetRef`, ctx);
  }
  for (const [i, sub] of arrayOf(doc.subsets).entries()) {
    if (!isObject(sub)) continue;
    for (const list of ['addresses', 'notReadyAddresses'] as const) {
      for (const [j, a] of arrayOf(sub[list]).entries()) {
        if (!isObject(a)) continue;
        hit(a.ip, `subsets[${i}].${list}[${j}].ip`);
        checkEndpointTarget(a.targetRef, `${docPath}subsets[${i}].${list}[${j}].targetRef`, ctx);
      }
    }
  }
}

/**
 * endpoint_foreign_target: an endpoint whose `targetRef` names an object of another namespace. The
 * endpoints controllers only ever name the Service's own pods; an Endpoints or EndpointSlice
 * written by hand that names another namespace's pod is the Service of CVE-2021-25740 (a Service,
 * and an Ingress or Gateway route to it, in the writer's namespace, whose traffic goes to that
 * pod past every NetworkPolicy and route check that reads namespaces), and kube validates neither
 * the reference nor the address against it. A reference without a namespace is the object's own;
 * a JSON patch that copies one in is an unreadable body before this runs (parse.ts).
 */
function checkEndpointTarget(ref: unknown, path: string, ctx: RuleContext): void {
  if (!isObject(ref) || ctx.namespace === '') return;
  const ns = ref.namespace;
  if (ns === undefined || ns === null || ns === '' || ns === ctx.namespace) return;
  const shown = typeof ns === 'string' ? (clientText(ns, 63) ?? '') : 'a value that is no name';
  const kind = typeof ref.kind === 'string' ? `${clientText(ref.kind, 40) ?? ''} ` : '';
  ctx.out.push({ code: 'endpoint_foreign_target', detail: `endpoint names ${kind}in namespace ${shown}, not ${ctx.namespace}: the Service's traffic goes to another namespace's workload (CVE-2021-25740)`, path: `${path}.namespace` });
}

const ENVOY_BACKEND_KEY = 'gateway.envoyproxy.io/backends';

/**
 * Kinds read only for their backends (they claim no hostname, so the host kinds' table does not
 * list them), by collection and by kind for a body the request line does not name.
 */
const BACKEND_ONLY: ReadonlyMap<string, string> = new Map([
  ['networking.istio.io/workloadentries', 'WorkloadEntry'],
  [ENVOY_BACKEND_KEY, 'Backend'],
]);
export const BACKEND_ONLY_KEYS: ReadonlySet<string> = new Set(BACKEND_ONLY.keys());

/** The backend-only key a body's kind stands for (`apiVersion` decides the group). */
export function backendKeyOfKind(doc: Json): string | undefined {
  if (typeof doc.kind !== 'string' || typeof doc.apiVersion !== 'string') return undefined;
  const group = doc.apiVersion.slice(0, Math.max(0, doc.apiVersion.indexOf('/')));
  for (const [key, kind] of BACKEND_ONLY) if (kind === doc.kind && key.startsWith(`${group}/`)) return key;
  return undefined;
}

/** The Endpoints and EndpointSlice collections (checkEndpointAddresses). */
export const ENDPOINT_KEYS: ReadonlySet<string> = new Set(['/endpoints', 'discovery.k8s.io/endpointslices']);
