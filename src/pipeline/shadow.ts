import { reasonKind } from '../core/reasons.js';
import type { ShadowVerdict, Verdict } from '../decision/verdict.js';
import { applyGuardrails, GUARDRAIL_RULE_PREFIX } from '../guardrails/effect.js';
import type { GuardrailOutcome } from '../guardrails/guard.js';
import type { Requirement } from '../policy/policy.js';
import type { Contribution } from '../risk/codes.js';
import type { ShadowInput } from '../risk/engine.js';
import type { Runtime } from './runtime.js';

/**
 * Shadow mode (docs/rollout.md): a shadowed rule, band, guardrail (or everything, globally) is
 * evaluated and reported as what it would have done, never enforced. The pipeline carries two
 * requirements side by side: the enforced one, built as if the shadowed elements were not
 * configured at all, and the would-be one, with them enforced too. Only the enforced one decides
 * the answer, so shadowing can neither tighten nor loosen anything that is enforced.
 */

/**
 * The would-be requirement before risk: the policy's (shadowed rules included) tightened by every
 * violated guardrail. Undefined when no shadowed rule matched and no shadowed guardrail was violated.
 */
export function wouldBeBase(base: Requirement, guard: GuardrailOutcome | undefined): Requirement | undefined {
  const c = guard?.contribution;
  if (base.shadow === undefined && c?.shadow === undefined) return undefined;
  const fb = base.shadow ?? base;
  const fc = c?.shadow ?? c;
  if (fc === undefined || fc.codes.length === 0) return fb;
  const guarded = (fc.shadowed ?? []).map((code) => `${GUARDRAIL_RULE_PREFIX}${code}`);
  return { ...applyGuardrails(fb, fc), shadowed: [...(fb.shadowed ?? []), ...guarded] };
}

/** What the risk engine needs to score the would-be requirement (with every guardrail's risk weight). */
export function shadowInput(full: Requirement | undefined, guard: GuardrailOutcome | undefined): ShadowInput | undefined {
  if (full === undefined) return undefined;
  const c = guard?.contribution.shadow ?? guard?.contribution;
  const extra: Contribution[] | undefined = c && c.risk > 0 ? [{ code: 'guardrail', weight: c.risk, detail: `guardrails ${c.codes.join(', ')}` }] : undefined;
  return { base: full, extra };
}

/** The would-be guardrail outcome, for the would-be verdict's detail. */
export function wouldBeGuard(guard: GuardrailOutcome | undefined): GuardrailOutcome | undefined {
  const c = guard?.contribution.shadow;
  return c === undefined || guard === undefined ? guard : { result: guard.result, contribution: c };
}

/**
 * Attaches the would-be verdict `wb` to the enforced verdict `v`. Automation cannot step up: with
 * approvals on, a would-be step-up is reported as the approval it would have needed, and no
 * approval is created.
 */
export function attachShadow(rt: Pick<Runtime, 'approvals'>, v: Verdict, wb: Verdict, full: Requirement): Verdict {
  let reason = wb.reason;
  let detail = wb.detail;
  if (rt.approvals !== undefined && wb.identity?.automation === true && !wb.allow && reasonKind(reason) === 'step_up') {
    detail = `would need a human approval (stopped by ${reason}: ${detail})`;
    reason = 'approval_required';
  }
  const shadow: ShadowVerdict = {
    allow: wb.allow,
    reason,
    detail,
    requirement: full,
    risk: wb.risk,
    elements: full.shadowed ?? [],
  };
  v.shadow = shadow;
  return v;
}
