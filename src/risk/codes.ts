/**
 * The closed set of risk signal codes. Like decision reason codes they are stable vocabulary:
 * they appear in denial bodies, `stepgate explain`, audit records and spans, and docs/risk.md
 * documents each one (a test checks that it lists them all).
 */
export const RISK_CODES = [
  'path_sensitive',
  'new_ip',
  'new_network',
  'trusted_network',
  'new_device',
  'ua_family_change',
  'first_seen',
  'token_age',
  'request_rate',
  'sensitive_rate',
  'denial_rate',
  'namespace_spread',
  'sensitive_objects',
  'destructive_burst',
  'unfamiliar_namespace',
  'unfamiliar_kind',
  'machine_pace',
  'cluster_secret_list',
  'impossible_travel',
  'session_new_device',
  'platform_change',
  'certificate_missing',
  'assurance_downgrade',
  'state_degraded',
  'guardrail',
] as const;

export type RiskCode = (typeof RISK_CODES)[number];

/** One reason the score is what it is. Negative weights lower it (a trusted network). */
export interface Contribution {
  readonly code: RiskCode;
  readonly weight: number;
  /** For people: what was seen. Never a token, cookie or full user agent. */
  readonly detail: string;
}
