import ipaddr from 'ipaddr.js';
import { parseCidr } from '../config/schema.js';

/** Whether an address as a backend or endpoint writes it falls in a set of ranges. */
export type AddressMatcher = (ip: string) => boolean;

/**
 * An address as a backend writes it (`10.96.0.1`, `[fd00::1]`, `::ffff:10.96.0.1`), against
 * ranges of its family; a name that is no address never matches. Each entry must parse with
 * parseCidr (the config schema checks configured ones; built-in ones are constants).
 */
export function addressMatcher(cidrs: readonly string[]): AddressMatcher {
  const ranges = cidrs.map((c) => parseCidr(c)!);
  if (ranges.length === 0) return () => false;
  return (ip) => {
    const bare = decimalParts(ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip);
    if (!ipaddr.isValid(bare)) return false;
    let a = ipaddr.parse(bare);
    if (a.kind() === 'ipv6' && (a as ipaddr.IPv6).isIPv4MappedAddress()) a = (a as ipaddr.IPv6).toIPv4Address();
    return ranges.some(([net, bits]) => net.kind() === a.kind() && a.match(net, bits));
  };
}

/** Four dotted decimal parts, each as many digits as written. */
const DOTTED = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/;

/**
 * An address's dotted IPv4 part (the whole of an IPv4 address, the tail of an IPv4-mapped one)
 * read as Kubernetes reads it: each part decimal, leading zeros and all (netutils.ParseIPSloppy,
 * which validates and serves an Endpoints' or EndpointSlice's addresses: `010.096.000.001` is
 * 10.96.0.1). ipaddr.js reads inet_aton's octal there, so an EndpointSlice naming the API server's
 * Service as `010.096.000.001` (no octal number) or `010.96.0.1` (8.96.0.1) was no API server
 * address, and the route to it was allowed. A part above 255 is no address to either.
 */
function decimalParts(address: string): string {
  const colon = address.lastIndexOf(':');
  const m = DOTTED.exec(address.slice(colon + 1));
  if (!m) return address;
  const parts = m.slice(1).map(Number);
  return parts.every((n) => n <= 255) ? `${address.slice(0, colon + 1)}${parts.join('.')}` : '';
}

/**
 * The clouds' instance metadata services, where a node's (or a task's) cloud credentials are
 * served to whoever connects from the node: the link-local range (169.254.169.254 on AWS, GCP,
 * Azure, OCI, DigitalOcean, Hetzner; 169.254.170.2 for ECS tasks), Alibaba's 100.100.100.200,
 * Azure's WireServer 168.63.129.16, AWS's IPv6 endpoints under fd00:ec2::, and IPv6 link-local.
 */
export const METADATA_RANGES: readonly string[] = ['169.254.0.0/16', '100.100.100.200/32', '168.63.129.16/32', 'fd00:ec2::/32', 'fe80::/10'];

/** Names the clouds give their metadata services (GCP's two, EC2's). */
export const METADATA_NAMES: ReadonlySet<string> = new Set(['metadata.google.internal', 'metadata.goog', 'instance-data.ec2.internal']);

/** Loopback, and the unspecified address, which a connect on Linux takes as loopback. */
export const LOOPBACK_RANGES: readonly string[] = ['127.0.0.0/8', '::1/128', '0.0.0.0/32', '::/128'];
