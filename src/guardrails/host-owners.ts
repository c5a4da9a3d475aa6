import { compileGlobList, type StringMatcher } from '../core/glob.js';

/**
 * Whether a route in `namespace` that names `host` claims a hostname other namespaces own
 * (guardrail route_host_not_owned). Undefined from compileHostOwners when no owners are configured.
 */
export type HostClaimed = (host: string, namespace: string) => boolean;

interface Owner {
  readonly matches: StringMatcher;
  /** The patterns without wildcards, for a route's wildcard host. */
  readonly literal: readonly string[];
  /** Of each pattern with a wildcard, what follows its last wildcard: every name it matches ends so. */
  readonly tails: readonly string[];
  readonly namespaces: StringMatcher;
}

/**
 * `guardrails.host_owners`: every entry whose hosts cover the route's host states owners; the
 * route's namespace must be one of them (any entry's). A host no entry covers is nobody's.
 */
export function compileHostOwners(entries: readonly { hosts: readonly string[]; namespaces: readonly string[] }[]): HostClaimed | undefined {
  if (entries.length === 0) return undefined;
  const owners: Owner[] = entries.map((e) => {
    const hosts = e.hosts.map((h) => h.toLowerCase());
    return {
      matches: compileGlobList(hosts, '.'),
      literal: hosts.filter((h) => !/[*?]/.test(h)),
      tails: hosts.filter((h) => /[*?]/.test(h)).map((h) => h.slice(Math.max(h.lastIndexOf('*'), h.lastIndexOf('?')) + 1)),
      namespaces: compileGlobList(e.namespaces, null),
    };
  });
  return (host, namespace) => {
    const h = normalise(host);
    if (h === '') return false;
    let owned = false;
    for (const o of owners) {
      if (!covers(o, h)) continue;
      if (o.namespaces(namespace)) return false;
      owned = true;
    }
    return owned;
  };
}

/**
 * Whether an owner's patterns and a route's host share a name. A route's `*.example.com` (Gateway
 * API, Istio: any depth below; Ingress: one label) claims every name under it, so it meets a
 * pattern that matches one such name, a literal under it, or a pattern whose names all end under
 * it; `*` claims every name.
 */
function covers(o: Owner, h: string): boolean {
  if (h === '*') return true;
  if (!h.startsWith('*.')) return o.matches(h);
  const suffix = h.slice(1);
  return o.matches(`x${suffix}`) || o.literal.some((l) => l.endsWith(suffix)) || o.tails.some((t) => t.endsWith(suffix));
}

/** Case, a port and a final dot aside, as a gateway matches the Host header. */
function normalise(host: string): string {
  let h = host.trim().toLowerCase();
  const colon = h.lastIndexOf(':');
  if (colon > 0 && /^\d+$/.test(h.slice(colon + 1))) h = h.slice(0, colon);
  if (h.endsWith('.')) h = h.slice(0, -1);
  return h;
}
