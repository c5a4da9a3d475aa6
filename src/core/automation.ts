import type { JWTPayload } from 'jose';
import type { AutomationConfig } from '../config/schema.js';
import { globToRegExp } from './glob.js';

/** Whether a verified credential belongs to automation; evaluated once per token, then cached with it. */
export type AutomationMatcher = (issuer: string, subject: string, payload: JWTPayload) => boolean;

const NEVER: AutomationMatcher = () => false;

/**
 * Compiled once per configuration. Any of the three tests suffices; an empty list tests nothing
 * (unlike a policy match list, where empty means "any": here it would make every human automation).
 * Subject globs use `*` across `:` — `system:serviceaccount:*` names every service account.
 */
export function compileAutomation(cfg: AutomationConfig | undefined): AutomationMatcher {
  if (!cfg) return NEVER;
  const issuers = new Set(cfg.issuers);
  const subjects = cfg.subjects.map((p) => globToRegExp(p, null));
  const claim = cfg.claim;
  const values = claim ? new Set(claim.values) : undefined;
  return (issuer, subject, payload) => {
    if (issuers.has(issuer)) return true;
    for (const r of subjects) if (r.test(subject)) return true;
    if (claim && values) {
      const v = payload[claim.name];
      if (typeof v === 'string') return values.has(v);
      if (typeof v === 'boolean' || typeof v === 'number') return values.has(String(v));
      if (Array.isArray(v)) return v.some((x) => typeof x === 'string' && values.has(x));
    }
    return false;
  };
}
