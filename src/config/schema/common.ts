import { domainToASCII } from 'node:url';
import ipaddr from 'ipaddr.js';
import { z } from 'zod';

/** What several sections share: algorithm names, listen addresses, CIDRs, rule effects, modes. */

export const ASYMMETRIC_ALGS = [
  'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519',
] as const;
export const HMAC_ALGS = ['HS256', 'HS384', 'HS512'] as const;

export const seconds = z.number().int().nonnegative();
export const nonEmpty = z.string().min(1);
export const headerName = z
  .string()
  .regex(/^x-stepgate-[a-z0-9-]+$/, 'must be a lower-case header name starting with x-stepgate-');

export const listen = z
  .string()
  .regex(/^(\[[0-9a-fA-F:.]+\]|[^:\s]+):\d{1,5}$/, 'must be host:port, e.g. 0.0.0.0:9191 or [::]:9191');

/** A listen address, or `off` for a listener that is not wanted. */
export const listenOrOff = z.union([z.literal('off'), listen]);

/** CIDR (`10.0.0.0/8`, `::1/128`) or a single address; checked with ipaddr.js at startup. */
export const cidr = z.string().refine((v) => parseCidr(v) !== undefined, 'must be an IP address or CIDR, e.g. 10.0.0.0/8 or ::1/128 (IPv4 as four decimal parts without leading zeros; an IPv4-mapped range as ::ffff:a.b.c.d/96 or longer)');

export const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name');

export const stringList = z.array(nonEmpty).min(1);

/**
 * A host glob (`kube.example.com`, `*.example.com`, `[fd00::1]`) as requests are matched against
 * it (request/build.ts hostOnly): lower case, without port, without the root's trailing dot,
 * an internationalised name as its punycode (`xn--…`, what a Host header carries). An entry
 * written any other way would match no request at all, so a rule or `kubernetes.hosts` entry
 * would silently protect nothing: the spellings that mean one host are normalised, the rest
 * (a port, a scheme, a path, an IPv6 address without brackets) refused at startup.
 */
export const hostPattern = z.string().min(1).transform((value, ctx) => {
  const fail = (message: string) => {
    ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value)}: ${message}` });
    return z.NEVER;
  };
  const v = value.trim().toLowerCase();
  if (v === '') return fail('an empty host');
  if (/[/@\s]/.test(v) || v.includes('://')) return fail('a host name only, without scheme, user or path, e.g. kube.example.com');
  if (v.startsWith('[')) {
    if (!/^\[[0-9a-f:.]+\]$/.test(v)) return fail('an IPv6 address in brackets, without port, e.g. [fd00::1]');
    return v;
  }
  if ((v.match(/:/g) ?? []).length > 1) return fail('an IPv6 address is written in brackets, as a Host header carries it, e.g. [fd00::1]');
  if (v.includes(':')) return fail('no port: hosts are matched without their port (kube.example.com covers :443 and :6443 alike)');
  // One trailing dot is the DNS root: requests' hosts lose theirs before matching.
  const name = v.length > 1 && v.endsWith('.') && !v.endsWith('..') ? v.slice(0, -1) : v;
  if (/^\.|\.\./.test(name) || name.endsWith('.')) return fail('an empty label');
  if (!/[^\x20-\x7e]/.test(name)) return name;
  // Label by label, so a glob's `*` survives: a Host header carries only the ASCII form.
  const labels = name.split('.').map((label) => (/[^\x20-\x7e]/.test(label) ? domainToASCII(label) : label));
  if (labels.some((label) => label === '')) return fail('an internationalised name that has no punycode form');
  return labels.join('.');
});

/** What a rule or the default does: deny, or require a level and/or a max_age. */
export const effectFields = {
  require: nonEmpty.optional(),
  max_age: seconds.optional(),
  deny: z.literal(true).optional(),
  message: z.string().max(300).optional(),
};

/**
 * The effect checks shared by rules and the default. A rule may set only max_age (it inherits the
 * default's level); the default has nothing to inherit from, so it needs require or deny.
 */
export function checkEffect(who: 'a rule' | 'the default' | 'a band' | 'a by_band entry') {
  return (r: { require?: string; max_age?: number; deny?: true; message?: string }, ctx: z.RefinementCtx) => {
    if (r.deny && (r.require || r.max_age !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['deny'], message: `${who} either denies or requires a level, not both` });
    }
    if (!r.deny && !r.require && (who === 'the default' || r.max_age === undefined)) {
      const options = who === 'the default' ? 'require: <level> or deny: true' : 'require (with optional max_age), max_age, or deny: true';
      ctx.addIssue({ code: 'custom', path: ['require'], message: `${who} needs ${options}` });
    }
    if (!r.deny && r.message !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['message'], message: `message is shown with a deny; ${who} does not deny` });
    }
  };
}

/**
 * `shadow`: evaluated and reported as "would have challenged/denied" (metrics, audit, spans,
 * explain, replay) but never enforced. docs/rollout.md.
 */
export const modeSchema = z.enum(['enforce', 'shadow']);

/**
 * `10.0.0.0/8`, `::1/128` or a bare address (a /32 or /128). Undefined when it is neither, and for
 * IPv4 in any form but four decimal parts without leading zeros: ipaddr.js also reads inet_aton's,
 * where `010.0.0.0/8` is octal (8.0.0.0/8, public address space), `10.020.0.0/16` is 10.16.0.0/16
 * and `10.1/16` is 10.0.0.1/16, so a zero-padded IPAM export pasted into `risk.trusted_networks`
 * trusted another network (redteam38). An IPv4-mapped range (`::ffff:10.0.0.0/104`) is the IPv4
 * range it names: addresses are compared as IPv4 when they are IPv4-mapped (client-ip.ts,
 * server/http/proxies.ts), so kept as IPv6 it would match nothing, and a proxy listed so is none.
 */
export function parseCidr(v: string): [ipaddr.IPv4 | ipaddr.IPv6, number] | undefined {
  const slash = v.indexOf('/');
  const address = slash < 0 ? v : v.slice(0, slash);
  // The dotted part: the whole of an IPv4 address, or what follows an IPv6 address's last colon.
  const dotted = address.slice(address.lastIndexOf(':') + 1);
  if (dotted.includes('.') ? !ipaddr.IPv4.isValidFourPartDecimal(dotted) : !address.includes(':')) return undefined;
  try {
    let a: ipaddr.IPv4 | ipaddr.IPv6;
    let bits: number;
    if (slash < 0) {
      a = ipaddr.parse(v);
      bits = a.kind() === 'ipv4' ? 32 : 128;
    } else {
      [a, bits] = ipaddr.parseCIDR(v);
    }
    if (a.kind() === 'ipv6') {
      const v6 = a as ipaddr.IPv6;
      // Addresses are compared as IPv4 when they are IPv4-mapped, so a mapped range means
      // something only as the IPv4 range it maps: `::ffff:10.0.0.0/95` reaches past the mapped
      // space, loaded, and matched nothing (a proxy or network listed that way was silently not
      // listed). `::10.0.0.0/104` (IPv4-compatible, deprecated by RFC 4291, no form a client
      // address takes) ipaddr.js reads as the mapped `::ffff:10.0.0.0/104`: a range other than
      // the one written. The hex part is therefore read on its own.
      if (dotted.includes('.') && ipaddr.parse(`${address.slice(0, address.lastIndexOf(':') + 1)}0:0`).toNormalizedString() === '0:0:0:0:0:0:0:0') return undefined;
      if (v6.isIPv4MappedAddress()) return bits >= 96 ? [v6.toIPv4Address(), bits - 96] : undefined;
    }
    return [a, bits];
  } catch {
    return undefined;
  }
}

export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  const h = host.startsWith('[') ? host.slice(1, -1) : host;
  return ipaddr.isValid(h) && ipaddr.parse(h).range() === 'loopback';
}

/**
 * Whether a glob of a list read without a separator (`match.issuers`, core/glob.ts with separator
 * null: `*` and `**` any run of characters, `?` one) matches `value`. Here because config imports
 * nothing in src/; policy/policy.ts matches requests with core/glob.ts, and
 * test/unit/issuer-trust.test.ts holds the two to the same reading.
 */
export function globMatches(pattern: string, value: string): boolean {
  if (!/[*?]/.test(pattern)) return pattern === value;
  const body = pattern.replace(/[.+^${}()|[\]\\/-]/g, '\\$&').replace(/\*+/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 's').test(value);
}
