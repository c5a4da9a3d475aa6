import { FLOW_ERRORS } from '../stepup/errors.js';
import { escapeHtml, page } from '../stepup/pages.js';
import type { ApprovalDocument } from './document.js';

/** The approval pages: the step-up pages' style, no script, no external assets, everything escaped. */

export interface ListItem {
  id: string;
  state: string;
  doc: ApprovalDocument | undefined;
}

export function listPage(items: readonly ListItem[], viewer: string): string {
  const rows = items
    .map((i) => {
      const d = i.doc;
      const summary = d ? summaryOf(d) : 'unreadable record';
      const who = d ? d.who.subject : '?';
      const when = d ? new Date(d.created_at).toISOString() : '';
      return `<li><a href="/.stepgate/approvals/${escapeHtml(i.id)}"><code>${escapeHtml(summary)}</code></a><br><span class="muted">${escapeHtml(who)} · ${escapeHtml(when)} · ${escapeHtml(i.state)}</span></li>`;
    })
    .join('\n');
  return page(
    'Pending approvals',
    `<h1>Pending approvals</h1>
<p class="muted">Signed in as ${escapeHtml(viewer)}. Automation requests that needed a step-up, newest first.</p>
${items.length === 0 ? '<p id="stepgate-empty">Nothing is waiting for approval.</p>' : `<ul id="stepgate-approvals">\n${rows}\n</ul>`}`,
  );
}

export interface DetailInput {
  id: string;
  state: string;
  expiresAt: number;
  doc: ApprovalDocument;
  /** The form to approve or reject, when the viewer may decide now. */
  form: { token: string } | undefined;
  /** Why the viewer cannot decide, and where to step up, when they cannot. */
  blocked: { why: string; stepUp: string | undefined } | undefined;
}

export function detailPage(p: DetailInput): string {
  const d = p.doc;
  const k = d.what.kube;
  const kube = k
    ? `<dt>Kubernetes</dt><dd><code>${escapeHtml([k.verb, k.group ? `${k.resource}.${k.group}` : k.resource, k.subresource].filter(Boolean).join(' '))}</code>${k.namespace ? ` in namespace <code>${escapeHtml(k.namespace)}</code>` : ''}${k.name ? `, name <code>${escapeHtml(k.name)}</code>` : ''}</dd>`
    : '';
  const guard = d.why.guardrails.map((g) => `<li><code>${escapeHtml(g.code)}</code>: ${escapeHtml(g.detail)}</li>`).join('');
  const risk = d.why.risk.map((r) => `<li><code>${escapeHtml(r.code)}</code> (+${r.weight})</li>`).join('');
  const need = [d.why.required_level && `level ${d.why.required_level}`, d.why.max_age !== undefined && `authenticated within ${d.why.max_age}s`].filter(Boolean).join(', ');
  const decided = d.decision ? `<dt>Decided</dt><dd>${escapeHtml(d.decision.state)} by ${escapeHtml(d.decision.by.subject)} at ${escapeHtml(new Date(d.decision.at).toISOString())}</dd>` : '';
  let action = '';
  if (p.form) {
    action = `<form method="post" action="/.stepgate/approvals/${escapeHtml(p.id)}">
<input type="hidden" name="csrf" value="${escapeHtml(p.form.token)}">
<p><button type="submit" name="decision" value="approve">Approve this request once</button>
<button type="submit" name="decision" value="reject" style="background:#b3261e">Reject</button></p>
</form>`;
  } else if (p.blocked) {
    action = `<p id="stepgate-blocked">${escapeHtml(p.blocked.why)}</p>${p.blocked.stepUp ? `<p><a id="stepgate-stepup" href="${escapeHtml(p.blocked.stepUp)}">Sign in again to approve</a></p>` : ''}`;
  }
  return page(
    'Approve an automation request',
    `<h1>Approve an automation request</h1>
<p>State: <strong id="stepgate-state">${escapeHtml(p.state)}</strong> <span class="muted">(expires ${escapeHtml(new Date(p.expiresAt).toISOString())})</span></p>
<dl>
<dt>Who</dt><dd><code>${escapeHtml(d.who.subject)}</code> <span class="muted">from ${escapeHtml(d.who.issuer)}</span></dd>
<dt>Request</dt><dd><code>${escapeHtml(`${d.what.method} ${d.what.host}${d.what.path}${d.what.query ? `?${d.what.query}` : ''}`)}</code></dd>
${kube}
<dt>Body</dt><dd>${d.what.body.digest === 'absent' ? 'none' : `${d.what.body.bytes} bytes, <code>${escapeHtml(d.what.body.digest)}</code>`}</dd>
<dt>Why it was stopped</dt><dd><code>${escapeHtml(d.why.reason)}</code>${need ? `: needs ${escapeHtml(need)}` : ''}${d.why.rules.length ? ` (rules ${escapeHtml(d.why.rules.join(', '))})` : ''}</dd>
${guard ? `<dt>Guardrails</dt><dd><ul>${guard}</ul></dd>` : ''}
${risk ? `<dt>Risk</dt><dd><ul>${risk}</ul></dd>` : ''}
<dt>Asked</dt><dd>${escapeHtml(new Date(d.created_at).toISOString())}</dd>
${decided}
</dl>
${action}
<p class="muted">An approval lets exactly this request through once. Any change to it needs a new approval. <a href="/.stepgate/approvals">All pending approvals</a></p>`,
  );
}

/** An error page with a way forward: the step-up link that brings the human back here. */
export function stepUpNeededPage(code: 'approval_signin_required' | 'approval_stepup_required', why: string, stepUp: string): string {
  const e = FLOW_ERRORS[code];
  return page(
    e.title,
    `<h1>${escapeHtml(e.title)}</h1>
<p id="stepgate-blocked">${escapeHtml(why)}</p>
<p><a id="stepgate-stepup" href="${escapeHtml(stepUp)}">Sign in</a></p>
<p class="muted">${escapeHtml(e.hint)}</p>
<p class="muted">Code: <code id="stepgate-code">${code}</code></p>`,
  );
}

export function decidedPage(state: 'approved' | 'rejected', id: string, summary: string): string {
  const text = state === 'approved' ? 'Approved. The identical retry of this request will pass once.' : 'Rejected. Identical retries stay refused until the record expires.';
  return page(
    state === 'approved' ? 'Approved' : 'Rejected',
    `<h1 id="stepgate-decided">${state === 'approved' ? 'Approved' : 'Rejected'}</h1>
<p><code>${escapeHtml(summary)}</code></p>
<p>${text}</p>
<p class="muted"><a href="/.stepgate/approvals/${escapeHtml(id)}">Back to the request</a> · <a href="/.stepgate/approvals">All pending approvals</a></p>`,
  );
}

export function summaryOf(d: ApprovalDocument): string {
  const k = d.what.kube;
  if (k && k.resource) {
    const res = k.group ? `${k.resource}.${k.group}` : k.resource;
    return `${k.verb} ${res}${k.subresource ? `/${k.subresource}` : ''}${k.namespace ? ` -n ${k.namespace}` : ''}${k.name ? ` ${k.name}` : ''}`;
  }
  return `${d.what.method} ${d.what.host}${d.what.path}`;
}
