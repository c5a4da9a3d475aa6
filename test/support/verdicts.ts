import type { Identity } from '../../src/core/identity.js';
import type { Verdict } from '../../src/decision/verdict.js';

/** A verified aal1 identity with nothing else: what telemetry tests hang their records on. */
export const plainIdentity = (subject: string, issuer = 'https://idp'): Identity =>
  Object.freeze({ subject, issuer, groups: [], acr: undefined, amr: [], authTime: 0, expiresAt: Infinity, level: 0, levelName: 'aal1', session: '', upstreamHeaders: [] });

/** A refusal for level unless `v` says otherwise; every field a Verdict has, so records see them all. */
export const verdictOf = (v: Partial<Verdict>, tokenCached = false): Verdict => ({
  allow: false,
  reason: 'acr_insufficient',
  detail: '',
  requirement: undefined,
  identity: undefined,
  attributes: undefined,
  tokenCached,
  risk: undefined,
  guardrails: undefined,
  ...v,
});
