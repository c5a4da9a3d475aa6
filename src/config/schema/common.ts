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
export const cidr = z.string().refine((v) => parseCidr(v) !== undefined, 'must be an IP address or CIDR, e.g. 10.0.0.0/8 or ::1/128');

export const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name');

export const stringList = z.array(nonEmpty).min(1);

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

/** `10.0.0.0/8`, `::1/128` or a bare address (a /32 or /128). Undefined when it is neither. */
export function parseCidr(v: string): [ipaddr.IPv4 | ipaddr.IPv6, number] | undefined {
  try {
    if (v.includes('/')) return ipaddr.parseCIDR(v);
    const a = ipaddr.parse(v);
    return [a, a.kind() === 'ipv4' ? 32 : 128];
  } catch {
    return undefined;
  }
}

export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  const h = host.startsWith('[') ? host.slice(1, -1) : host;
  return ipaddr.isValid(h) && ipaddr.parse(h).range() === 'loopback';
}
