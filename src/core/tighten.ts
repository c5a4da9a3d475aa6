/**
 * What a policy rule, a risk band, a rule's `by_band` entry or a guardrail asks of a request,
 * reduced to the parts that combine by "strictest wins".
 */
export interface Strictness {
  readonly deny: boolean;
  /** Shown with a deny; undefined when the input does not deny or states no message. */
  readonly denyMessage: string | undefined;
  /** Rank of the required assurance level; -1 (NO_LEVEL) when none is required. */
  readonly level: number;
  /** Seconds since auth_time; undefined when unbounded. */
  readonly maxAge: number | undefined;
}

/** Asks nothing: `tighten(NOTHING, x)` equals `x` in every field that counts. */
export const NOTHING: Strictness = Object.freeze({ deny: false, denyMessage: undefined, level: -1, maxAge: undefined });

/**
 * The one "strictest wins" rule, used by the policy (rules and `by_band`), the risk bands and
 * the guardrails: any deny wins, the higher level, the shorter max_age. So adding a rule, a band
 * or a guardrail can only tighten a requirement, never loosen it. The deny message is the first
 * one a denying input states, in argument order (a deny with no message of its own does not hide
 * a later one that has).
 */
export function tighten(a: Strictness, b: Strictness): Strictness {
  return {
    deny: a.deny || b.deny,
    denyMessage: (a.deny ? a.denyMessage : undefined) ?? (b.deny ? b.denyMessage : undefined),
    level: a.level >= b.level ? a.level : b.level,
    maxAge: a.maxAge === undefined ? b.maxAge : b.maxAge === undefined || a.maxAge <= b.maxAge ? a.maxAge : b.maxAge,
  };
}
