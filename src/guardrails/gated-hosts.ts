/** Whether `host` (as a route names it) is, or as a wildcard covers, a host stepgate checks (guardrail gated_host_route). */
export type GatedHost = (host: string) => boolean;

/**
 * The matcher for `gatedHost`: the configured hosts (globs, as kubernetes.hosts takes them), and
 * for a wildcard route host, any configured host written out in full under it.
 */
export function compileGatedHosts(hosts: readonly string[], matches: (host: string) => boolean): GatedHost | undefined {
  if (hosts.length === 0) return undefined;
  const literal = hosts.map((h) => h.toLowerCase()).filter((h) => !/[*?]/.test(h));
  return (host) => {
    const bare = stripPort(host);
    if (bare === '*') return true;
    if (bare.startsWith('*.')) {
      const suffix = bare.slice(1);
      return literal.some((h) => h.endsWith(suffix));
    }
    return matches(bare);
  };
}

function stripPort(host: string): string {
  const colon = host.lastIndexOf(':');
  return colon > 0 && !host.includes(']', colon) && /^\d+$/.test(host.slice(colon + 1)) ? host.slice(0, colon) : host;
}
