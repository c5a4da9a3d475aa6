import type { JWTPayload } from 'jose';
import type { AutomationConfig } from '../config/schema.js';
import { globToRegExp } from './glob.js';

/** Whether a verified credential belongs to automation; evaluated once per token, then cached with it. */
export interface AutomationMatcher {
  (issuer: string, subject: string, payload: JWTPayload): boolean;
  /**
   * The people an automation token of this issuer runs for (`automation.acts_for`), as its claims
   * name them; empty when it names none; undefined when the issuer has no entry.
   */
  readonly actsFor?: (issuer: string, payload: JWTPayload) => readonly string[] | undefined;
}

/** At most this many people per token, each clipped: the values are bound into an approval id and shown on its page. */
const ACTS_FOR_MAX = 8;
const ACTS_FOR_CHARS = 256;

const NEVER: AutomationMatcher = () => false;

/**
 * Compiled once per configuration. Any of the three tests suffices; an empty list tests nothing
 * (unlike a policy match list, where empty means "any": here it would make every human automation).
 * Subject globs use `*` across `:` — `system:serviceaccount:*` names every service account —
 * and match only the subjects of the issuer they are written with; the claim, when it names an
 * issuer, only that issuer's tokens (unbound, it is accepted only with a single issuer).
 */
export function compileAutomation(cfg: AutomationConfig | undefined): AutomationMatcher {
  if (!cfg) return NEVER;
  const issuers = new Set(cfg.issuers);
  // A bare glob is only accepted with a single issuer (config/schema/index.ts), so "any issuer"
  // is that one; an entry with its issuer matches that issuer's subjects only.
  const anyIssuer: RegExp[] = [];
  const byIssuer = new Map<string, RegExp[]>();
  for (const e of cfg.subjects) {
    if (typeof e === 'string') anyIssuer.push(globToRegExp(e, null));
    else byIssuer.set(e.issuer, [...(byIssuer.get(e.issuer) ?? []), globToRegExp(e.subject, null)]);
  }
  const claim = cfg.claim;
  const values = claim ? new Set(claim.values) : undefined;
  const matcher = (issuer: string, subject: string, payload: JWTPayload): boolean => {
    if (issuers.has(issuer)) return true;
    for (const r of anyIssuer) if (r.test(subject)) return true;
    const own = byIssuer.get(issuer);
    if (own !== undefined) for (const r of own) if (r.test(subject)) return true;
    if (claim && values && (claim.issuer === undefined || claim.issuer === issuer)) {
      const v = payload[claim.name];
      if (typeof v === 'string') return values.has(v);
      if (typeof v === 'boolean' || typeof v === 'number') return values.has(String(v));
      if (Array.isArray(v)) return v.some((x) => typeof x === 'string' && values.has(x));
    }
    return false;
  };
  const claimsOf = new Map(cfg.acts_for.map((f) => [f.issuer, f.claims]));
  if (claimsOf.size === 0) return matcher;
  return Object.assign(matcher, { actsFor: (issuer: string, payload: JWTPayload) => peopleNamed(claimsOf.get(issuer), payload) });
}

/**
 * The strings the claims hold (a string, or a list's strings), in claim order, without repeats.
 * More people than fit, or a name too long to keep whole, is read as naming nobody: a name cut
 * off would no longer match the person it names, who could then approve.
 */
function peopleNamed(claims: readonly string[] | undefined, payload: JWTPayload): readonly string[] | undefined {
  if (claims === undefined) return undefined;
  const out: string[] = [];
  for (const name of claims) {
    const v = payload[name];
    for (const x of Array.isArray(v) ? v : [v]) {
      if (typeof x !== 'string' || x === '' || out.includes(x)) continue;
      if (x.length > ACTS_FOR_CHARS || out.length === ACTS_FOR_MAX) return NOBODY;
      out.push(x);
    }
  }
  return Object.freeze(out);
}

const NOBODY: readonly string[] = Object.freeze([]);

/**
 * A person's name as compared (acts_for against an approver, and in an approval id). Case-folded:
 * GitHub and GitLab logins and e-mail addresses are matched without case by the systems that issue
 * them, and reading more names as the same person only refuses more self-approvals.
 */
export function personKey(name: string): string {
  return name.normalize('NFKC').toLowerCase();
}
