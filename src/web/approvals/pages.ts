import { describeCheck, impersonationChecks } from '../../guardrails/rules/impersonation.js';
import { FLOW_ERRORS } from '../stepup/errors.js';
import { escapeHtml, page, PAGE_HEADERS } from '../stepup/pages.js';
import type { ApprovalDocument } from '../../decision/approval-document.js';
import { readable } from '../../core/readable.js';

/** The approval pages: the step-up pages' style, no script, no external assets, everything escaped. */

/**
 * The step-up pages' headers with two changes. `Referrer-Policy: same-origin` instead of
 * `no-referrer`: under `no-referrer` a browser posts the approve/reject form with `Origin: null`,
 * which the origin check (csrf.ts) must refuse; `same-origin` sends the origin (and referrer) to
 * stepgate's own origin only, nothing to any other. And `form-action 'self'` (`default-src` does
 * not cover form targets), so even injected markup could not post the decision elsewhere.
 */
export const APPROVAL_PAGE_HEADERS: readonly (readonly [string, string])[] = Object.freeze(
  PAGE_HEADERS.map(([n, v]) =>
    n === 'referrer-policy' ? (['referrer-policy', 'same-origin'] as const) : n === 'content-security-policy' ? ([n, `${v}; form-action 'self'`] as const) : ([n, v] as const),
  ),
);

/** The detail page is wider than the sign-in pages: it shows manifests. */
const DETAIL_STYLE = `<style>body{max-width:52rem}
pre{background:#f6f6f6;border:1px solid #ddd;border-radius:.3rem;padding:.75rem;overflow:auto;max-height:48rem;font-size:.85rem;line-height:1.35;white-space:pre}
.warn{background:#fdecea;border-left:4px solid #b3261e;padding:.5rem .75rem;margin:.25rem 0}
.summary{font-size:1.15rem}table{border-collapse:collapse}td{padding:.1rem .75rem .1rem 0;vertical-align:top}
button.reject{background:#b3261e;margin-left:.75rem}</style>`;

/** What each Kubernetes write content type makes of the same bytes; the approver sees which. */
const MEDIA_MEANING: Record<string, string> = {
  'application/json': 'a whole object (JSON)',
  'application/yaml': 'a whole object (YAML)',
  'application/vnd.kubernetes.protobuf': 'a whole object (protobuf)',
  'application/json-patch+json': 'a JSON patch (RFC 6902): a list of operations',
  'application/merge-patch+json': 'a JSON merge patch (RFC 7386): lists are replaced whole',
  'application/strategic-merge-patch+json': 'a strategic merge patch: lists are merged by key',
  'application/apply-patch+yaml': 'a server-side apply configuration',
  'application/cbor': 'a whole object (CBOR)',
  'application/apply-patch+cbor': 'a server-side apply configuration (CBOR)',
};

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
  const o = d.what.object;
  const object = o
    ? `<dt>Object written</dt><dd id="stepgate-object"><code>${escapeHtml(readable(o.kind || '?'))}</code>${o.apiVersion ? ` <span class="muted">${escapeHtml(readable(o.apiVersion))}</span>` : ''}${o.name ? `, name <code>${escapeHtml(readable(o.name))}</code>` : ''}${o.namespace ? ` in namespace <code>${escapeHtml(readable(o.namespace))}</code>` : ''}</dd>`
    : '';
  const headers = d.what.headers ?? [];
  const headerMap = new Map(headers);
  // The user first: it is who the request runs as; groups, uid and extras qualify it.
  const imp = impersonationChecks(new Map([...headers].sort(([a], [b]) => (a === 'impersonate-user' ? -1 : b === 'impersonate-user' ? 1 : 0))));
  const impersonation = imp.length
    ? `<dt>Runs as another identity</dt><dd id="stepgate-impersonation" class="warn">The request asks Kubernetes to impersonate, so it runs with their rights, not the automation's:<ul>${imp.map((c) => `<li><code>${escapeHtml(readable(describeCheck(c)))}</code></li>`).join('')}</ul></dd>`
    : '';
  const ct = headerMap.get('content-type');
  const media = ct === undefined ? undefined : ct.replace(/^raw:/, '').split(';')[0]!.trim().toLowerCase();
  const contentType =
    ct === undefined
      ? ''
      : `<dt>Content type</dt><dd><code id="stepgate-content-type">${escapeHtml(readable(ct))}</code>${media && MEDIA_MEANING[media] ? `: the body is ${escapeHtml(MEDIA_MEANING[media])}` : ''}</dd>`;
  const others = headers.filter(([n]) => n !== 'content-type');
  const bound = others.length
    ? `<dt>Headers bound to this approval</dt><dd><table id="stepgate-headers">${others.map(([n, v]) => `<tr><td><code>${escapeHtml(n)}</code></td><td><code>${escapeHtml(readable(v))}</code></td></tr>`).join('')}</table></dd>`
    : '';
  const guard = d.why.guardrails
    .map((g) => `<li><code>${escapeHtml(g.code)}</code>: ${escapeHtml(readable(g.detail))}${g.path ? ` <span class="muted">at <code>${escapeHtml(readable(g.path))}</code></span>` : ''}</li>`)
    .join('');
  const risk = d.why.risk.map((r) => `<li><code>${escapeHtml(r.code)}</code> (+${r.weight})</li>`).join('');
  const need = [d.why.required_level && `level ${d.why.required_level}`, d.why.max_age !== undefined && `authenticated within ${d.why.max_age}s`].filter(Boolean).join(', ');
  const decided = d.decision ? `<dt>Decided</dt><dd>${escapeHtml(d.decision.state)} by ${escapeHtml(d.decision.by.subject)} at ${escapeHtml(new Date(d.decision.at).toISOString())}</dd>` : '';
  const b = d.what.body;
  const bodyText =
    b.text !== undefined
      ? `<pre id="stepgate-body">${escapeHtml(b.text)}${b.clipped ? '\n…' : ''}</pre>${b.clipped ? '<p class="muted">The body is longer than shown; the digest above binds all of it.</p>' : ''}`
      : b.withheld
        ? `<p class="muted" id="stepgate-body-withheld">${escapeHtml(b.withheld)}</p>`
        : '';
  const body = `<dt>Body</dt><dd>${b.digest === 'absent' ? 'none' : `${b.bytes} bytes, <code>${escapeHtml(b.digest)}</code>${bodyText}`}</dd>`;
  let action = '';
  if (p.form) {
    action = `<form method="post" action="/.stepgate/approvals/${escapeHtml(p.id)}">
<input type="hidden" name="csrf" value="${escapeHtml(p.form.token)}">
<p><button type="submit" name="decision" value="approve">Approve this request once</button><button type="submit" name="decision" value="reject" class="reject">Reject</button></p>
</form>`;
  } else if (p.blocked) {
    action = `<p id="stepgate-blocked">${escapeHtml(p.blocked.why)}</p>${p.blocked.stepUp ? `<p><a id="stepgate-stepup" href="${escapeHtml(p.blocked.stepUp)}">Sign in again to approve</a></p>` : ''}`;
  }
  return page(
    'Approve an automation request',
    `${DETAIL_STYLE}<h1>Approve an automation request</h1>
<p class="summary"><code>${escapeHtml(readable(summaryOf(d)))}</code></p>
<p>State: <strong id="stepgate-state">${escapeHtml(p.state)}</strong> <span class="muted">(expires ${escapeHtml(new Date(p.expiresAt).toISOString())})</span></p>
<dl>
<dt>Who</dt><dd><code>${escapeHtml(d.who.subject)}</code> <span class="muted">from ${escapeHtml(d.who.issuer)}</span></dd>
${d.who.acts_for === undefined ? '' : `<dt>Runs for</dt><dd id="stepgate-acts-for">${d.who.acts_for.map((p) => `<code>${escapeHtml(readable(p))}</code>`).join(', ')} <span class="muted">(automation.acts_for: none of them may approve)</span></dd>\n`}<dt>Request</dt><dd><code>${escapeHtml(readable(`${d.what.method} ${d.what.host}${d.what.path}${d.what.query ? `?${d.what.query}` : ''}`))}</code></dd>
${kube}
${object}
${impersonation}
${contentType}
${bound}
<dt>Why it was stopped</dt><dd><code>${escapeHtml(d.why.reason)}</code>${need ? `: needs ${escapeHtml(need)}` : ''}${d.why.rules.length ? ` (rules ${escapeHtml(d.why.rules.join(', '))})` : ''}</dd>
${guard ? `<dt>Guardrails</dt><dd><ul id="stepgate-guardrails">${guard}</ul></dd>` : ''}
${risk ? `<dt>Risk</dt><dd><ul>${risk}</ul></dd>` : ''}
${body}
<dt>Asked</dt><dd>${escapeHtml(new Date(d.created_at).toISOString())}</dd>
${decided}
</dl>
${action}
<p class="muted">An approval lets exactly this request through once: the same caller, request line, body bytes and the headers above. Any change to it needs a new approval. <a href="/.stepgate/approvals">All pending approvals</a></p>`,
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
