import ipaddr from 'ipaddr.js';
import { parseCidr } from '../config/schema.js';

/**
 * The client's address and its network, derived only from what the gateway vouches for.
 *
 * `source.address` is the peer that connected to the gateway. With N trusted hops (the same
 * meaning as Envoy's `xff_num_trusted_hops`), the addresses are x-forwarded-for's entries followed
 * by that peer (once: a gateway that appended the peer itself, as Envoy does with
 * use_remote_address, is recognised), and the client is the one N places from the right: each
 * trusted proxy appends the address it saw, so whatever a client wrote into the header itself
 * stays to the left and is never reached. With 0 hops the header is ignored entirely.
 *
 * Counting hops is right only when every request passes those proxies. Where some reach the
 * gateway directly (a VPN, CI, an attacker at a public listener kept for them), their own
 * x-forwarded-for would be counted as a proxy's. `network.xff_trusted_cidrs` names the proxies
 * instead (Envoy's `xff_trusted_cidrs`): the header is read only when the peer is one of them, and
 * the client is the rightmost entry that is not.
 */
export interface ClientAddress {
  /** Canonical text ('' when no usable address): IPv4-mapped IPv6 becomes IPv4. */
  ip: string;
  /** `a.b.c.0/24`-style network of `ip` at the configured prefix length (NO_ADDRESS_NETWORK when no address). */
  prefix: string;
  /** Parsed form for CIDR matching; undefined when no address. */
  parsed: ipaddr.IPv4 | ipaddr.IPv6 | undefined;
}

/**
 * The network of a request whose client address cannot be read: a pipe source (Envoy on a Unix
 * socket listener), none, one that is not an IP, or a trusted x-forwarded-for entry that is not one
 * (`unknown`, RFC 7239's `_hidden`). It is a network context of its own, not the absence of one:
 * were it '', the network signal would have nothing to say and a stolen token would meet none of
 * the requirements a new network binds, so hiding the address would be the way around them. As a
 * network it is unfamiliar until a sign-in made after its first sighting proves it, and then
 * learned like any other, so a site that really serves stepgate over a Unix socket is asked once.
 * No CIDR contains it (`parsed` is undefined), so it is never trusted, never a named location and
 * never next to another network. The space keeps it apart from every prefix text an address has.
 */
export const NO_ADDRESS_NETWORK = 'no address';

export const NO_ADDRESS: ClientAddress = Object.freeze({ ip: '', prefix: NO_ADDRESS_NETWORK, parsed: undefined });

export interface ClientAddressOptions {
  trustedHops: number;
  /** The proxies that append to x-forwarded-for (`network.xff_trusted_cidrs`, compiled); absent when none are listed. */
  trustedProxies?: (a: ClientAddress) => boolean;
  ipv4Prefix: number;
  ipv6Prefix: number;
}

/**
 * The last client address text a caller saw and what it reads as: the risk engine keeps one per
 * identity, whose requests mostly come from one address. The text is a fresh string every request;
 * compared with the one kept it costs its bytes, where the cache Map would hash it first (~450
 * instructions a Check, bench/README.md perf27).
 */
export interface AddressMemo {
  addressText: string | undefined;
  address: ClientAddress;
}

export function clientAddress(
  sourceAddress: string,
  xff: string | undefined,
  opts: ClientAddressOptions,
  cache?: Map<string, ClientAddress>,
  memo?: AddressMemo,
): ClientAddress {
  let chosen = sourceAddress;
  if (opts.trustedProxies !== undefined) {
    if (xff !== undefined && xff !== '') chosen = rightmostUntrusted(sourceAddress, xff, opts.trustedProxies, opts, cache);
  } else if (opts.trustedHops > 0 && xff !== undefined && xff !== '') {
    const entries = xff.split(',');
    // A gateway with use_remote_address (Istio's ingress gateway) has already appended its own
    // peer, the source, before ext_authz runs: that entry is the source itself, not another hop.
    let end = entries.length;
    if (end > 0 && entries[end - 1]!.trim() === sourceAddress) end--;
    // entries[0..end) + [source]; the client sits trustedHops places left of the source.
    // Fewer entries than trusted hops: the leftmost is the furthest any trusted proxy vouched for.
    chosen = end === 0 ? sourceAddress : (entries[Math.max(0, end - opts.trustedHops)] ?? '').trim();
  }
  if (chosen === '') return NO_ADDRESS;
  if (memo !== undefined && memo.addressText === chosen) return memo.address;
  const parsed = parsedOf(chosen, opts, cache);
  if (memo !== undefined) {
    memo.addressText = chosen;
    memo.address = parsed;
  }
  return parsed;
}

/**
 * Walks "x-forwarded-for entries, then the peer" from the right while each address is a listed
 * proxy: the first that is not is the client. A peer that is not a proxy is the client itself,
 * whatever it wrote. When every entry is a proxy, the leftmost is the furthest any proxy vouched for.
 */
function rightmostUntrusted(source: string, xff: string, isProxy: (a: ClientAddress) => boolean, opts: ClientAddressOptions, cache?: Map<string, ClientAddress>): string {
  const proxy = (text: string) => isProxy(parsedOf(text, opts, cache));
  if (!proxy(source)) return source;
  const entries = xff.split(',');
  let chosen = source;
  for (let i = entries.length - 1; i >= 0; i--) {
    chosen = entries[i]!.trim();
    if (!proxy(chosen)) break;
  }
  return chosen;
}

function parsedOf(text: string, opts: ClientAddressOptions, cache?: Map<string, ClientAddress>): ClientAddress {
  let parsed = cache?.get(text);
  if (parsed === undefined) {
    parsed = parseAddress(text, opts);
    if (cache) {
      // Addresses repeat; the bound keeps a scan of random sources from growing it.
      if (cache.size >= 4096) cache.clear();
      cache.set(text, parsed);
    }
  }
  return parsed;
}

/**
 * An x-forwarded-for entry without the port some proxies write beside the address
 * (`203.0.113.7:51234`, `[2001:db8::1]:443`: Azure Application Gateway among them).
 */
export function withoutPort(text: string): string {
  if (text.startsWith('[')) return text.slice(1, text.indexOf(']') > 0 ? text.indexOf(']') : undefined);
  if (text.includes('.') && text.indexOf(':') === text.lastIndexOf(':') && text.includes(':')) return text.slice(0, text.indexOf(':'));
  return text;
}

function parseAddress(text: string, opts: ClientAddressOptions): ClientAddress {
  const t = withoutPort(text);
  if (!ipaddr.isValid(t)) return NO_ADDRESS;
  let addr: ipaddr.IPv4 | ipaddr.IPv6 = ipaddr.parse(t);
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()) addr = (addr as ipaddr.IPv6).toIPv4Address();
  const bits = addr.kind() === 'ipv4' ? opts.ipv4Prefix : opts.ipv6Prefix;
  const network = ipaddr.fromByteArray(maskBytes(addr.toByteArray(), bits));
  const ip = addr.kind() === 'ipv6' ? (addr as ipaddr.IPv6).toRFC5952String() : addr.toString();
  const net = network.kind() === 'ipv6' ? (network as ipaddr.IPv6).toRFC5952String() : network.toString();
  return Object.freeze({ ip, prefix: `${net}/${bits}`, parsed: addr });
}

function maskBytes(bytes: number[], bits: number): number[] {
  return bytes.map((b, i) => {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    return keep === 8 ? b : b & ((0xff << (8 - keep)) & 0xff);
  });
}

/** A compiled CIDR list; matches only addresses of the same family. */
export function compileCidrs(cidrs: readonly string[]): (a: ClientAddress) => boolean {
  // The schema accepted each entry with parseCidr, so none is undefined here.
  const ranges = cidrs.map((c) => parseCidr(c)!);
  if (ranges.length === 0) return () => false;
  return (a) => {
    const p = a.parsed;
    if (!p) return false;
    for (const [net, bits] of ranges) if (net.kind() === p.kind() && p.match(net, bits)) return true;
    return false;
  };
}
