import ipaddr from 'ipaddr.js';
import { parseCidr } from '../../config/schema.js';
import { withoutPort } from '../../request/client-ip.js';

/**
 * `server.trusted_proxies`: the peers whose X-Forwarded-* and X-Original-* headers are believed.
 * IPv4-mapped IPv6 peers (`::ffff:10.0.0.1`, how Node reports IPv4 on a dual-stack socket) are
 * compared as IPv4.
 */
export class TrustedProxies {
  private readonly ranges: [ipaddr.IPv4 | ipaddr.IPv6, number][];

  constructor(cidrs: readonly string[]) {
    this.ranges = cidrs.map((c) => parseCidr(c)!);
  }

  trusts(address: string | undefined): boolean {
    const a = parseAddress(address);
    if (!a) return false;
    for (const [range, bits] of this.ranges) {
      if (range.kind() === a.kind() && a.match(range, bits)) return true;
    }
    return false;
  }

  /**
   * The client address: the peer, or, when the peer is a trusted proxy, the first address from the
   * right of X-Forwarded-For that is not itself a trusted proxy (entries further left are
   * whatever the client claimed), read as the gRPC path reads it (client-ip.ts): with the port
   * some proxies append stripped, and '' (no address) for an entry that is none. Taking the peer
   * there made every client of a front that writes `203.0.113.9:51234` the front itself, an
   * address every engineer shares and often one of risk.trusted_networks: no new network, from
   * anywhere (redteam39a).
   */
  clientAddress(peer: string | undefined, xff: string | undefined): string {
    const p = canonical(peer);
    if (!this.trusts(p) || !xff) return p;
    const hops = xff.split(',');
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = canonical(withoutPort(hops[i]!.trim()));
      if (hop === '' || !this.trusts(hop)) return hop;
    }
    return p;
  }
}

function parseAddress(address: string | undefined): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  if (!address || !ipaddr.isValid(address)) return undefined;
  const a = ipaddr.parse(address);
  return a.kind() === 'ipv6' && (a as ipaddr.IPv6).isIPv4MappedAddress() ? (a as ipaddr.IPv6).toIPv4Address() : a;
}

/** The address as text, IPv4-mapped IPv6 as IPv4; '' when it is none. */
export function canonical(address: string | undefined): string {
  return parseAddress(address)?.toString() ?? '';
}
