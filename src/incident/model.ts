import { createHash } from 'node:crypto';

/**
 * The documents the admin API and the Shared Signals receiver write to the state store, and every
 * replica's mirror reads back. Validation happens when they are written (admin.ts, signals.ts);
 * reading back, anything malformed is skipped and reported, never trusted.
 */

export interface IncidentScope {
  /** Everything: must be said explicitly, so an empty scope can never mean "all". */
  all?: boolean;
  hosts?: string[];
  /** Kubernetes namespace globs; a request without a namespace is not in such a scope. */
  namespaces?: string[];
  subjects?: string[];
  groups?: string[];
}

export interface Actor {
  /** `admin` (the admin API) or `shared_signals` (a transmitter's SET). */
  via: 'admin' | 'shared_signals';
  issuer: string;
  subject: string;
}

export interface IncidentDoc {
  id: string;
  scope: IncidentScope;
  /** Level name; resolved against the assurance model in force at each Check. */
  require?: string;
  max_age?: number;
  deny?: boolean;
  /** Shown to the people it challenges. */
  reason: string;
  by: Actor;
  created_at: number;
  expires_at: number;
}

export interface RevocationDoc {
  id: string;
  kind: 'subject' | 'session';
  /** For `subject`. */
  subject?: string;
  /**
   * For `subject`: only this issuer's subject; absent, the subject of every issuer. For `session`
   * (a Shared Signals transmitter bound to `subject_issuer`): only a session of this issuer, whose
   * `sid` means nothing at another; absent, the session of any issuer.
   */
  issuer?: string;
  /** For `session`: the IdP's `sid`. */
  session?: string;
  /** When it was revoked (ms): a credential authenticated before it cannot pass. */
  at: number;
  /**
   * For `subject`: what the risk engine learnt of the subject was kept (`--keep-history`, a
   * precautionary reset); absent, it was forgotten (a suspected compromise).
   */
  keep_history?: true;
  reason: string;
  by: Actor;
  expires_at: number;
}

/** Ids are hashes, so one subject or session has one revocation record whoever writes it. */
export function revocationId(kind: 'subject' | 'session', value: string, issuer = ''): string {
  return `${kind}-${createHash('sha256').update(`${kind}\n${issuer}\n${value}`).digest('hex').slice(0, 24)}`;
}

const SCOPE_KEYS = ['hosts', 'namespaces', 'subjects', 'groups'] as const;
const MAX_LIST = 64;
const MAX_TEXT = 256;

/** The checks a scope must pass, on write; the error names the field. */
export function scopeProblem(scope: unknown): string | undefined {
  if (typeof scope !== 'object' || scope === null || Array.isArray(scope)) return 'scope: must be an object';
  const s = scope as Record<string, unknown>;
  for (const k of Object.keys(s)) if (k !== 'all' && !(SCOPE_KEYS as readonly string[]).includes(k)) return `scope.${k}: unknown key`;
  if (s.all !== undefined && s.all !== true) return 'scope.all: must be true when present';
  let named = 0;
  for (const k of SCOPE_KEYS) {
    const v = s[k];
    if (v === undefined) continue;
    if (!Array.isArray(v) || v.length === 0 || v.length > MAX_LIST || !v.every((x) => typeof x === 'string' && x !== '' && x.length <= MAX_TEXT)) {
      return `scope.${k}: must be a list of 1 to ${MAX_LIST} non-empty strings`;
    }
    named++;
  }
  if (s.all === true && named > 0) return 'scope.all: cannot be combined with other keys';
  if (s.all !== true && named === 0) return 'scope: name hosts, namespaces, subjects or groups, or set all: true';
  return undefined;
}

export { MAX_TEXT };
