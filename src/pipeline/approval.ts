import { buildDocument } from '../decision/approval-document.js';
import { bindRequest, shortId } from '../approvals/request-id.js';
import { reasonKind } from '../core/reasons.js';
import type { Verdict } from '../decision/verdict.js';
import type { Identity } from '../core/identity.js';
import type { RequestAttributes } from '../request/attributes.js';
import type { ApprovalStore } from '../state/store.js';
import type { Runtime } from './runtime.js';

/**
 * Automation cannot do a step-up. When the verdict for an automation identity asks for one, the
 * request is refused (automation_step_up) without approvals configured; with them, it is bound to an approval id instead: an approved approval lets this one request through
 * once; otherwise a pending approval is recorded and the request is denied with
 * `approval_required`. Every other verdict passes through untouched and synchronously, so humans
 * and allows pay for one property check.
 */
export function gateAutomation(rt: Runtime, v: Verdict): Verdict | Promise<Verdict> {
  const store = rt.approvals;
  const who = v.identity;
  const req = v.attributes;
  if (v.allow || who?.automation !== true || req === undefined || reasonKind(v.reason) !== 'step_up') return v;
  if (store === undefined) return refuseStepUp(v);
  return approvalVerdict(rt, store, v, who, req);
}

/**
 * Without approvals (`automation` has no `approver`), a step-up asked of automation is refused in
 * words: a 401 challenge it can never answer would only make the job retry, and no human would
 * learn what it needed.
 */
function refuseStepUp(v: Verdict): Verdict {
  return { ...v, reason: 'automation_step_up', detail: `${v.detail}; automation cannot step up, and no approvals are configured (automation.approver)` };
}

async function approvalVerdict(rt: Runtime, store: ApprovalStore, v: Verdict, who: Identity, req: RequestAttributes): Promise<Verdict> {
  const bound = bindRequest(who, req);
  // Nothing safe to bind to: the step-up verdict stands, and says why no approval was offered.
  if (!bound.ok) return { ...v, detail: `${v.detail}; no approval offered: ${bound.detail}` };
  const id = bound.id;
  const short = shortId(id);
  const now = rt.now();
  const ttlMs = rt.config.automation!.approval_ttl_seconds * 1000;
  try {
    // An approval is used once. Its record lives outside the incident board's version count, so a
    // Redis put back from before its use (an older RDB, a replica promoted from before it) holds
    // it as approved again; the use is kept on the board too, which finds such a loss and writes
    // the use back (docs/incident-runbook.md, "Redis that lost data"). Only an approval seen
    // approved is consumed, so that the use recorded is of the decision that was read.
    const board = rt.revocations;
    const held = await store.get(id, now);
    if (held?.state === 'approved') {
      if (board !== undefined && (await board.approvalUsed(id, held.data))) {
        // The copy the lost data brought back is spent here, unused: a human approves again.
        await store.consume(id, now);
        const again = await store.create(id, JSON.stringify(buildDocument(v, who, req, bound, rt.assurance.names, now)), ttlMs, now);
        return { ...v, reason: 'approval_required', detail: `approval ${short} was already used (the state store lost data and brought it back): ${again.state} (stopped by ${v.reason}: ${v.detail})`, approval: id };
      }
      if (await store.consume(id, now)) {
        // Recorded after the use: recorded first, a consume that then failed would block this
        // decision's one use. A store that cannot record it refuses (caught below): the approval
        // is spent, and a human approves again rather than it being usable twice.
        await board?.approvalUse(id, held.data, now + ttlMs, now);
        return { ...v, allow: true, reason: 'allowed', detail: `approval ${short} used (was: ${v.reason}: ${v.detail})`, approval: id };
      }
    }
    const doc = buildDocument(v, who, req, bound, rt.assurance.names, now);
    const rec = await store.create(id, JSON.stringify(doc), ttlMs, now);
    if (rec.state === 'rejected') {
      return { ...v, reason: 'approval_rejected', detail: `approval ${short} was rejected (stopped by ${v.reason}: ${v.detail})`, approval: id };
    }
    // 'approved' here means a human approved between the consume and the create: the next retry passes.
    return { ...v, reason: 'approval_required', detail: `approval ${short} ${rec.state} (stopped by ${v.reason}: ${v.detail})`, approval: id };
  } catch (err) {
    // Fail closed: a store that cannot answer never turns into an allow.
    const message = err instanceof Error ? err.message : String(err);
    return { ...v, reason: 'state_unavailable', detail: `approval store: ${message}`, approval: undefined };
  }
}
