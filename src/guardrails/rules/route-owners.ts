import { clientText } from '../../core/redact.js';
import { UNKNOWN_VALUE } from '../parse.js';
import { isObject, type Json } from '../types.js';
import type { RuleContext } from './context.js';
import { nestedAt, listAt, type HostAt, type HostsAt } from './host-fields.js';

/**
 * route_host_not_owned: a route, Ingress or mesh object that names a hostname
 * `guardrails.host_owners` gives to other namespaces. A shared gateway that admits routes from
 * every namespace (Gateway API `allowedRoutes.namespaces.from: All`, an Istio Gateway's hosts
 * without `namespace/`, one ingress class for the cluster) serves whichever object claims a
 * hostname, so a route in dev for production's shop host takes a share of its traffic, its
 * customers' sessions included. Nothing in the request line says whose hostname it is: the
 * configuration does.
 */

const both =
  (...at: HostsAt[]): HostsAt =>
  (spec) =>
    at.flatMap((f) => f(spec));

/**
 * ingress-nginx serves an Ingress's `server-alias` annotation (comma-separated names) as further
 * names of its server, where no other Ingress has claimed them first.
 */
const SERVER_ALIAS = 'nginx.ingress.kubernetes.io/server-alias';

function aliasesOf(doc: Json): HostAt[] {
  const meta = doc.metadata;
  if (!isObject(meta) || !isObject(meta.annotations)) return [];
  const v = meta.annotations[SERVER_ALIAS];
  if (v === UNKNOWN_VALUE) return [{ value: v, path: `metadata.annotations.${SERVER_ALIAS}` }];
  if (typeof v !== 'string') return [];
  return v
    .split(/[\s,]+/)
    .filter((h) => h !== '')
    .map((value) => ({ value, path: `metadata.annotations.${SERVER_ALIAS}` }));
}

/**
 * Where each kind names the hostnames it takes traffic for. An Ingress's `tls[].hosts` picks the
 * certificate the controller serves for the name (ingress-nginx serves a Secret of the claiming
 * namespace for it). An Istio ServiceEntry tells every sidecar where the name is: for callers in
 * the mesh, that is the hostname taken.
 */
const BY_KEY: ReadonlyMap<string, { kind: string; hosts: HostsAt; istioGateway?: true }> = new Map([
  ['networking.istio.io/virtualservices', { kind: 'VirtualService', hosts: listAt('hosts') }],
  ['networking.istio.io/gateways', { kind: 'Gateway', hosts: nestedAt('servers', 'hosts', true), istioGateway: true }],
  ['networking.istio.io/serviceentries', { kind: 'ServiceEntry', hosts: listAt('hosts') }],
  ['gateway.networking.k8s.io/httproutes', { kind: 'HTTPRoute', hosts: listAt('hostnames') }],
  ['gateway.networking.k8s.io/grpcroutes', { kind: 'GRPCRoute', hosts: listAt('hostnames') }],
  ['gateway.networking.k8s.io/tlsroutes', { kind: 'TLSRoute', hosts: listAt('hostnames') }],
  ['networking.k8s.io/ingresses', { kind: 'Ingress', hosts: both(nestedAt('rules', 'host', false), nestedAt('tls', 'hosts', true)) }],
  ['extensions/ingresses', { kind: 'Ingress', hosts: both(nestedAt('rules', 'host', false), nestedAt('tls', 'hosts', true)) }],
]);

/**
 * An Istio Gateway's `namespace/host` names the namespace whose VirtualServices may bind to the
 * host (`.` the Gateway's own); without one (or with `*` before the slash), the Gateway itself serves it and is judged
 * as its own namespace's claim: which VirtualServices then bind is judged when they are written.
 */
function istioGatewayHost(value: string, own: string): { host: string; claimer: string } {
  const slash = value.indexOf('/');
  if (slash < 0) return { host: value, claimer: own };
  const ns = value.slice(0, slash);
  return { host: value.slice(slash + 1), claimer: ns === '.' || ns === '*' || ns === '' ? own : ns };
}

export function checkRouteOwners(doc: Json, key: string, docPath: string, ctx: RuleContext): void {
  const claimed = ctx.settings.hostClaimed;
  const shape = BY_KEY.get(key);
  if (claimed === undefined || shape === undefined) return;
  if (doc.spec === UNKNOWN_VALUE) {
    ctx.out.push({ code: 'route_host_not_owned', detail: `the patch sets a ${shape.kind}'s spec to a value it does not show`, path: `${docPath}spec` });
    return;
  }
  const aliases = shape.kind === 'Ingress' ? aliasesOf(doc) : [];
  if (!isObject(doc.spec) && aliases.length === 0) return;
  for (const { value, path } of [...(isObject(doc.spec) ? shape.hosts(doc.spec) : []), ...aliases]) {
    if (value === UNKNOWN_VALUE) {
      ctx.out.push({ code: 'route_host_not_owned', detail: `the patch sets a ${shape.kind}'s hosts to values it does not show`, path: `${docPath}${path}` });
      continue;
    }
    if (typeof value !== 'string') continue;
    const { host, claimer } = shape.istioGateway === true ? istioGatewayHost(value, ctx.namespace) : { host: value, claimer: ctx.namespace };
    if (!claimed(host, claimer)) continue;
    // From the body: no control characters into logs and answers, bounded.
    const shown = clientText(host.toLowerCase(), 100) ?? '';
    const where = clientText(claimer, 63) ?? '';
    ctx.out.push({ code: 'route_host_not_owned', detail: `${shape.kind} for host ${shown} in namespace ${where}, which guardrails.host_owners gives to other namespaces: a route there takes a share of their traffic`, path: `${docPath}${path}` });
  }
}

/** The `group/resource` keys read here. */
export const OWNED_ROUTE_KEYS: ReadonlySet<string> = new Set(BY_KEY.keys());

/** The key a body's kind stands for when it is one read here (`apiVersion` decides Gateway's group). */
export function ownedRouteKeyOfKind(doc: Json): string | undefined {
  if (typeof doc.kind !== 'string' || typeof doc.apiVersion !== 'string') return undefined;
  const group = doc.apiVersion.includes('/') ? doc.apiVersion.slice(0, doc.apiVersion.indexOf('/')) : '';
  for (const [key, v] of BY_KEY) if (v.kind === doc.kind && key.startsWith(`${group}/`)) return key;
  return undefined;
}
