import { clientText } from '../../core/redact.js';
import { UNKNOWN_VALUE } from '../parse.js';
import type { Json } from '../types.js';
import type { RuleContext } from './context.js';
import type { Gets } from './host-fields.js';
import { hostKind } from './host-kinds.js';

/**
 * gated_host_route: a route, gateway, Ingress, DestinationRule, ServiceEntry or any other kind of
 * host-kinds.ts for a host stepgate checks (`kubernetes.hosts`, `kubernetes.proxies[].hosts`, `kubernetes.web_apis[].hosts`, the
 * step-up page's host). Whoever routes that host decides what reaches the API server and which
 * paths never ask stepgate: a VirtualService that binds to the ingress gateway from any namespace
 * (a Gateway host without `namespace/`), rewrites the exempt `/.stepgate/` prefix or adds a route
 * on the step-up host, where no CUSTOM policy runs, takes requests around the check. App teams
 * route their own hosts, never these, so the body decides. Every kind of the table is read: one
 * that only prepares such a route (a DestinationRule's TLS to the host, a ClusterDomainClaim that
 * lets a namespace map it) is a route around the check one write later.
 *
 * A wildcard host (`*`, `*.example.com`) is one for every name it covers; the configured hosts are
 * compared written out, so `kubernetes.**` is not expanded against `*.cluster.local`.
 */
export function checkRoute(doc: Json, key: string, docPath: string, ctx: RuleContext): void {
  const gated = ctx.settings.gatedHost;
  const shape = hostKind(key);
  if (gated === undefined || shape === undefined) return;
  if (shape.inSpec && doc.spec === UNKNOWN_VALUE) {
    ctx.out.push({ code: 'gated_host_route', detail: `the patch sets a ${shape.kind}'s spec to a value it does not show`, path: `${docPath}spec` });
    return;
  }
  for (const { value, path, gets } of shape.hosts(doc, ctx.name ?? '')) {
    if (value === UNKNOWN_VALUE) {
      ctx.out.push({ code: 'gated_host_route', detail: `the patch sets a ${shape.kind}'s hosts to values it does not show`, path: `${docPath}${path}` });
      continue;
    }
    if (typeof value !== 'string') continue;
    // A `namespace/host` (an Istio Gateway's, read apart in host-kinds.ts) binds routes of that namespace to the host.
    const host = value.slice(value.indexOf('/') + 1).toLowerCase();
    if (!gated(host)) continue;
    // From the body: no control characters into logs and answers, bounded.
    const shown = clientText(host, 100) ?? '';
    ctx.out.push({ code: 'gated_host_route', detail: `${shape.kind} for host ${shown}, which stepgate checks: ${GATED_GETS[gets ?? shape.gets ?? 'route'].replace('KIND', shape.kind)}`, path: `${docPath}${path}` });
  }
}

/** What a claim of a gated host does, by what it gets (KIND: the claiming kind). */
const GATED_GETS: Record<Gets | 'route', string> = {
  route: 'a route there decides what reaches it without a check',
  certificate: 'its key, in the namespace of the KIND, can stand in for it',
  ca: "it is a CA: its key, in the namespace of the KIND, signs a certificate for that host and any other the issuer's root is trusted for",
  dns: "external-dns publishes a record for it, and the record sends every client of the name to the KIND's address",
};
