import { clientText } from '../../core/redact.js';
import { UNKNOWN_VALUE } from '../parse.js';
import { isObject, type Json } from '../types.js';
import type { RuleContext } from './context.js';
import { listAt, nestedAt, oneAt, type HostsAt } from './host-fields.js';

/**
 * gated_host_route: a route, gateway, Ingress, DestinationRule or ServiceEntry for a host stepgate checks (`kubernetes.hosts`,
 * `kubernetes.proxies[].hosts`, the step-up page's host). Whoever routes that host decides what
 * reaches the API server and which paths never ask stepgate: a VirtualService that binds to the
 * ingress gateway from any namespace (a Gateway host without `namespace/`), rewrites the exempt
 * `/.stepgate/` prefix or adds a route on the step-up host, where no CUSTOM policy runs, takes
 * requests around the check. App teams route their own hosts, never these, so the body decides.
 *
 * A wildcard host (`*`, `*.example.com`) is one for every name it covers; the configured hosts are
 * compared written out, so `kubernetes.**` is not expanded against `*.cluster.local`.
 */

/** By `group/resource` and by kind (with the group of its apiVersion): where each keeps its hosts. */
const BY_KEY: ReadonlyMap<string, { kind: string; hosts: HostsAt }> = new Map([
  ['networking.istio.io/virtualservices', { kind: 'VirtualService', hosts: listAt('hosts') }],
  ['networking.istio.io/gateways', { kind: 'Gateway', hosts: nestedAt('servers', 'hosts', true) }],
  // How the mesh reaches a host (TLS, or not, to it) and where the name points: the preparation of
  // a route around the check, and in an app namespace never one of these hosts.
  ['networking.istio.io/destinationrules', { kind: 'DestinationRule', hosts: oneAt('host') }],
  ['networking.istio.io/serviceentries', { kind: 'ServiceEntry', hosts: listAt('hosts') }],
  ['gateway.networking.k8s.io/httproutes', { kind: 'HTTPRoute', hosts: listAt('hostnames') }],
  ['gateway.networking.k8s.io/grpcroutes', { kind: 'GRPCRoute', hosts: listAt('hostnames') }],
  ['gateway.networking.k8s.io/tlsroutes', { kind: 'TLSRoute', hosts: listAt('hostnames') }],
  ['gateway.networking.k8s.io/gateways', { kind: 'Gateway', hosts: nestedAt('listeners', 'hostname', false) }],
  ['networking.k8s.io/ingresses', { kind: 'Ingress', hosts: nestedAt('rules', 'host', false) }],
  ['extensions/ingresses', { kind: 'Ingress', hosts: nestedAt('rules', 'host', false) }],
]);

export const ROUTE_KEYS: ReadonlySet<string> = new Set(BY_KEY.keys());

/** The `group/resource` key a body's kind stands for, when it is a route kind (`apiVersion` decides Gateway's group). */
export function routeKeyOfKind(doc: Json): string | undefined {
  if (typeof doc.kind !== 'string' || typeof doc.apiVersion !== 'string') return undefined;
  const group = doc.apiVersion.includes('/') ? doc.apiVersion.slice(0, doc.apiVersion.indexOf('/')) : '';
  for (const [key, v] of BY_KEY) if (v.kind === doc.kind && key.startsWith(`${group}/`)) return key;
  return undefined;
}

export function checkRoute(doc: Json, key: string, docPath: string, ctx: RuleContext): void {
  const gated = ctx.settings.gatedHost;
  const shape = BY_KEY.get(key);
  if (gated === undefined || shape === undefined) return;
  if (doc.spec === UNKNOWN_VALUE) {
    ctx.out.push({ code: 'gated_host_route', detail: `the patch sets a ${shape.kind}'s spec to a value it does not show`, path: `${docPath}spec` });
    return;
  }
  if (!isObject(doc.spec)) return;
  for (const { value, path } of shape.hosts(doc.spec)) {
    if (value === UNKNOWN_VALUE) {
      ctx.out.push({ code: 'gated_host_route', detail: `the patch sets a ${shape.kind}'s hosts to values it does not show`, path: `${docPath}${path}` });
      continue;
    }
    if (typeof value !== 'string') continue;
    // An Istio Gateway's `namespace/host` binds routes of that namespace to the host.
    const host = value.slice(value.indexOf('/') + 1).toLowerCase();
    if (!gated(host)) continue;
    // From the body: no control characters into logs and answers, bounded.
    const shown = clientText(host, 100) ?? '';
    ctx.out.push({ code: 'gated_host_route', detail: `${shape.kind} for host ${shown}, which stepgate checks: a route there decides what reaches it without a check`, path: `${docPath}${path}` });
  }
}
