import type { Requirement } from '../policy/policy.js';
import { GUARDRAIL_RULE_PREFIX, guardrailInWords, unreadableKeyOf, type GuardrailCode, type UnreadableOutcome } from '../config/guardrail-codes.js';
import { NOTHING, tighten } from '../core/tighten.js';
import type { EffectKey, GuardrailSettings } from './settings.js';
import type { GuardrailResult, Violation } from './types.js';

/**
 * What the guardrails add to a request's requirement. Same semantics as the policy: any deny
 * wins, else the highest level and the shortest max_age; risk weights add up (once per code).
 */
export interface GuardrailContribution {
  deny: boolean;
  /** Rank of the required level; -1 when no violated guardrail sets one. */
  level: number;
  maxAge: number | undefined;
  /** Summed risk weight, for the risk engine to add to the score. */
  risk: number;
  /** Codes that took effect (not `off`), the unreadable outcome included, in first-seen order. */
  codes: readonly (GuardrailCode | UnreadableOutcome)[];
  /**
   * Shadow mode: the contribution with the shadowed guardrails enforced too; undefined when no
   * shadowed guardrail was violated. This one (the enforced one) leaves them out entirely.
   */
  shadow?: GuardrailContribution | undefined;
  /** On a would-be contribution: the shadowed codes among `codes`. */
  shadowed?: readonly (GuardrailCode | UnreadableOutcome)[] | undefined;
}

export const NO_CONTRIBUTION: GuardrailContribution = Object.freeze({
  deny: false,
  level: -1,
  maxAge: undefined,
  risk: 0,
  codes: Object.freeze([]),
});

export function guardrailContribution(result: GuardrailResult, namespace: string, settings: GuardrailSettings): GuardrailContribution {
  if (result.violations.length === 0 && result.unreadable === undefined) return NO_CONTRIBUTION;
  const keys: EffectKeys = [];
  if (result.unreadable !== undefined) keys.push([result.unreadable, unreadableKeyOf(result.unreadable), undefined]);
  for (const v of result.violations) keys.push([v.code, v.code, v]);
  const enforced = combineEffects(keys, namespace, settings, false);
  const full = combineEffects(keys, namespace, settings, true);
  if (full.shadowed === undefined) return enforced;
  return { ...enforced, shadow: full };
}

type EffectKeys = [GuardrailCode | UnreadableOutcome, EffectKey, Violation | undefined][];

/** The effects of `keys` combined; shadowed ones only with `withShadow` (then listed in `shadowed`). */
function combineEffects(
  keys: EffectKeys,
  namespace: string,
  settings: GuardrailSettings,
  withShadow: boolean,
): GuardrailContribution {
  let need = NOTHING;
  let risk = 0;
  const codes: (GuardrailCode | UnreadableOutcome)[] = [];
  let shadowed: (GuardrailCode | UnreadableOutcome)[] | undefined;
  const seen = new Map<string, unknown[]>();
  for (const [code, key, own] of keys) {
    // Cluster policy violations carry their own effect: each policy (by name and source) counts
    // once, where other guardrails count once per code.
    const id = own?.effect !== undefined ? `${code}\u0000${own.detail.slice(0, own.detail.indexOf(':'))}` : code;
    const marker = own?.effect ?? null;
    const markers = seen.get(id) ?? [];
    if (markers.includes(marker)) continue;
    seen.set(id, [...markers, marker]);
    const e = own?.effect !== undefined ? settings.effectFor(key, namespace, own.effect) : settings.effectFor(key, namespace);
    if (e === undefined || (e.shadow && !withShadow)) continue;
    if (!codes.includes(code)) codes.push(code);
    if (e.shadow && !(shadowed ??= []).includes(code)) shadowed.push(code);
    need = tighten(need, { deny: e.deny, denyMessage: undefined, level: e.level, maxAge: e.maxAge });
    risk += e.risk;
  }
  if (codes.length === 0) return NO_CONTRIBUTION;
  return { deny: need.deny, level: need.level, maxAge: need.maxAge, risk, codes, shadowed };
}

export { GUARDRAIL_RULE_PREFIX };

/**
 * The policy's requirement tightened by the guardrails. Never loosens it: a deny stays a deny, the
 * level only rises, max_age only shrinks. Each guardrail that took effect is added to `rules` as
 * `guardrail:<code>`, so logs, metadata and explain name it next to the policy rules.
 */
export function applyGuardrails(need: Requirement, c: GuardrailContribution): Requirement {
  if (c.codes.length === 0) return need;
  const { deny, denyMessage, level, maxAge } = tighten(need, {
    deny: c.deny,
    denyMessage: c.deny ? `This request is refused by guardrail: ${c.codes.map(guardrailInWords).join('; ')}.` : undefined,
    level: c.level,
    maxAge: c.maxAge,
  });
  return Object.freeze({
    deny,
    denyMessage,
    level,
    maxAge,
    rules: Object.freeze([...need.rules, ...c.codes.map((code) => `${GUARDRAIL_RULE_PREFIX}${code}`)]),
    sensitivity: need.sensitivity,
    byBand: need.byBand,
  });
}

/** One line for a verdict's detail and the audit log: which guardrails, in words and by code, and why. */
export function describeGuardrails(result: GuardrailResult): string {
  const parts: string[] = [];
  if (result.unreadable) parts.push(`${guardrailInWords(result.unreadable)}: ${result.unreadableDetail ?? ''}`.trim());
  for (const v of result.violations.slice(0, 5)) parts.push(`${guardrailInWords(v.code)}: ${v.detail}`);
  if (result.violations.length > 5) parts.push(`and ${result.violations.length - 5} more`);
  return parts.length ? `guardrails: ${parts.join('; ')}` : '';
}
