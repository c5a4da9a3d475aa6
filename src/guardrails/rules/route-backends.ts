import { clientText } from '../../core/redact.js';
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
 * from elsewhere in the object is not guessed at.
 */
export function checkRouteBackends(doc: Json, key: string, docPath: string, ctx: RuleContext): void {
  const read = BACKENDS[key];
  if (read === undefined || !isObject(doc.spec)) return;
  for (const { host, path, kind } of read(doc.spec, ctx.namespace)) {
    if (!isApiServer(host)) continue;
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
  path: string;
  /** The route's kind for the detail; `alias` for an ExternalName Service. */
  kind: string;
}

/** `kubernetes.default`, `kubernetes.default.svc` and under it (any cluster domain), any port or trailing dot. */
function isApiServer(host: string): boolean {
  const h = host.toLowerCase().replace(/:\d*$/, '').replace(/\.$/, '');
  return h === 'kubernetes.default' || h === 'kubernetes.default.svc' || h.startsWith('kubernetes.default.svc.');
}

/** A Service's name in a namespace, as a name in the mesh or a cluster's DNS resolves it. */
const qualified = (name: string, ns: string) => (name.includes('.') ? name : `${name}.${ns}`);

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

/** An Ingress's backends: Services of its own namespace. */
function ingress(spec: Json, ns: string): Backend[] {
  const out: Backend[] = [];
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
  return name === undefined ? [] : [{ host: qualified(name, ns), path: 'spec.externalName', kind: 'alias' }];
}

const BACKENDS: Readonly<Record<string, (spec: Json, ns: string) => Backend[]>> = {
  'networking.istio.io/virtualservices': virtualService,
  'networking.istio.io/serviceentries': serviceEntry,
  'gateway.networking.k8s.io/httproutes': gatewayRoute('HTTPRoute'),
  'gateway.networking.k8s.io/grpcroutes': gatewayRoute('GRPCRoute'),
  'gateway.networking.k8s.io/tlsroutes': gatewayRoute('TLSRoute'),
  'gateway.networking.k8s.io/tcproutes': gatewayRoute('TCPRoute'),
  'networking.k8s.io/ingresses': ingress,
  'extensions/ingresses': ingress,
  '/services': service,
};
