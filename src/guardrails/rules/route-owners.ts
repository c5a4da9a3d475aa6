import { clientText } from '../../core/redact.js';
import { UNKNOWN_VALUE } from '../parse.js';
import type { Json } from '../types.js';
import type { RuleContext } from './context.js';
import type { Gets } from './host-fields.js';
import { hostKind } from './host-kinds.js';

/**
 * route_host_not_owned: a route, Ingress, gateway listener or mesh object (host-kinds.ts, the
 * kinds marked `owners`) that names a hostname `guardrails.host_owners` gives to other namespaces.
 * A shared gateway that admits routes from every namespace (Gateway API `allowedRoutes.namespaces.from:
 * All`, an Istio Gateway's hosts without `namespace/`, one ingress class for the cluster) serves
 * whichever object claims a hostname, so a route in dev for production's shop host takes a share
 * of its traffic, its customers' sessions included. Nothing in the request line says whose
 * hostname it is: the configuration does.
 *
 * The claimer is the object's namespace, except where the object names another: an Istio
 * Gateway's `namespace/host` (whose VirtualServices then bind to the host; without one, `./` or
 * `*\/`, the Gateway's own), a Knative ClusterDomainClaim's `spec.namespace`.
 */
export function checkRouteOwners(doc: Json, key: string, docPath: string, ctx: RuleContext): void {
  const claimed = ctx.settings.hostClaimed;
  const shape = hostKind(key);
  if (claimed === undefined || shape === undefined || !shape.owners) return;
  if (shape.inSpec && doc.spec === UNKNOWN_VALUE) {
    ctx.out.push({ code: 'route_host_not_owned', detail: `the patch sets a ${shape.kind}'s spec to a value it does not show`, path: `${docPath}spec` });
    return;
  }
  for (const { value, path, claimer: named, gets } of shape.hosts(doc, ctx.name ?? '')) {
    if (value === UNKNOWN_VALUE) {
      ctx.out.push({ code: 'route_host_not_owned', detail: `the patch sets a ${shape.kind}'s hosts to values it does not show`, path: `${docPath}${path}` });
      continue;
    }
    if (typeof value !== 'string') continue;
    const claimer = named ?? ctx.namespace;
    if (!claimed(value, claimer)) continue;
    // From the body: no control characters into logs and answers, bounded.
    const shown = clientText(value.toLowerCase(), 100) ?? '';
    const where = clientText(claimer, 63) ?? '';
    ctx.out.push({ code: 'route_host_not_owned', detail: `${shape.kind} for host ${shown} in namespace ${where}, which guardrails.host_owners gives to other namespaces: ${OWNED_GETS[gets ?? shape.gets ?? 'route']}`, path: `${docPath}${path}` });
  }
}

/** What a claim of another namespace's host gets the claimer, by what it gets. */
const OWNED_GETS: Record<Gets | 'route', string> = {
  route: 'a route there takes a share of their traffic',
  certificate: 'its key, in that namespace, serves their name',
  ca: 'it is a CA: its key, in that namespace, signs a certificate for their name',
  dns: 'external-dns publishes a record for their name, which sends every client of it there',
};
