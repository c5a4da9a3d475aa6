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
  'dormant_account',
  'unfamiliar_namespace',
  'unfamiliar_kind',
  'accelerators_above_history',
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

/**
 * Whether any contribution passes `test`: a loop, not `Array.prototype.some`. The lists scoreRisk
 * shares (nothing fired; the path's sensitivity alone) are frozen, and a frozen array has no fast
 * elements kind: V8's array builtins then take their generic path, every element read through the
 * runtime (~650 instructions a call on a one-entry list, and TurboFan inlines no such call), where
 * an indexed read of a frozen array compiles as any other (bench/README.md, perf48).
 */
export function anyContribution(list: readonly Contribution[], test: (c: Contribution) => boolean): boolean {
  for (let i = 0; i < list.length; i++) if (test(list[i]!)) return true;
  return false;
}

/** The contributions that pass `test`, a new list (a loop, as anyContribution and for its reason). */
export function contributionsWhere(list: readonly Contribution[], test: (c: Contribution) => boolean): Contribution[] {
  const out: Contribution[] = [];
  for (let i = 0; i < list.length; i++) if (test(list[i]!)) out.push(list[i]!);
  return out;
}
