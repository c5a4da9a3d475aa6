import { createHash } from 'node:crypto';
import { reasonKind } from '../core/reasons.js';
import type { Verdict } from '../decision/verdict.js';
import type { Runtime } from './runtime.js';

/**
 * Remembering step-up challenges for the kubectl credential plugin (issue 13). client-go re-runs
 * the plugin after a 401 but never shows it the WWW-Authenticate header, so the plugin asks
 * stepgate (`GET /.stepgate/v1/challenge`, same Bearer token) what the last challenge for this
 * credential said. Records are keyed by a hash of the token and hold only what the challenge
 * header already told the client: level, acr_values, max_age, reason and rule names.
 */
export interface RememberedChallenge {
  reason: string;
  /** Level name the request needs. */
  level: string | undefined;
  /** Space-separated acr values of that level (RFC 9470 `acr_values`). */
  acr_values: string | undefined;
  max_age: number | undefined;
  rules: readonly string[];
  /** Seconds since the epoch. */
  issued_at: number;
}

/** The store key for a credential: never the credential itself. */
export function credentialKey(token: string): string {
  return `bearer:${createHash('sha256').update(token, 'utf8').digest('base64url')}`;
}

/** Wraps a verdict so a step-up challenge is remembered off the response path. */
export function noteChallenge(rt: Runtime, token: string, v: Verdict | Promise<Verdict>): Verdict | Promise<Verdict> {
  if (v instanceof Promise) {
    return v.then((x) => {
      remember(rt, token, x);
      return x;
    });
  }
  remember(rt, token, v);
  return v;
}

function remember(rt: Runtime, token: string, v: Verdict): void {
  const store = rt.challenges;
  const r = v.requirement;
  // Only a valid token that is too weak or too old: an invalid token has nothing to step up from,
  // and an approval-gated automation identity cannot step up at all.
  if (store === undefined || v.allow || v.identity === undefined || r === undefined || r.deny || v.approval !== undefined) return;
  if (reasonKind(v.reason) !== 'step_up') return;
  const now = rt.now();
  const record: RememberedChallenge = {
    reason: v.reason,
    level: r.level >= 0 ? rt.assurance.names[r.level] : undefined,
    acr_values: r.level >= 0 ? rt.assurance.acrValues(r.level) : undefined,
    max_age: r.maxAge,
    rules: r.rules,
    issued_at: Math.floor(now / 1000),
  };
  const ttlMs = rt.config.kubernetes.challenge_ttl_seconds * 1000;
  try {
    // A lost record only costs the plugin its automatic step-up; the answer never waits for it.
    store.remember(credentialKey(token), JSON.stringify(record), ttlMs, now).catch(() => undefined);
  } catch {
    // Same: never on the answer's path.
  }
}

/** The last challenge for `token`, or undefined; rejects with StateUnavailableError when the store is down. */
export async function lastChallenge(rt: Runtime, token: string): Promise<RememberedChallenge | undefined> {
  const store = rt.challenges;
  if (store === undefined) return undefined;
  const rec = await store.get(credentialKey(token), rt.now());
  if (rec === undefined) return undefined;
  try {
    return JSON.parse(rec.data) as RememberedChallenge;
  } catch {
    return undefined;
  }
}
