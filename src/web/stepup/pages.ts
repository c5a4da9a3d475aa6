import { FLOW_ERRORS, type FlowErrorCode } from './errors.js';

/**
 * The step-up pages: plain HTML, inline styles only, no script, no external assets (the CSP
 * forbids them), one heading, labelled content, a real button. Everything interpolated is escaped.
 */

export const PAGE_HEADERS: readonly (readonly [string, string])[] = Object.freeze([
  ['content-type', 'text/html; charset=utf-8'],
  ['cache-control', 'no-store'],
  ['content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'"],
  ['x-frame-options', 'DENY'],
  ['x-content-type-options', 'nosniff'],
  ['referrer-policy', 'no-referrer'],
]);

/**
 * The session page posts its sign-out form to its own origin, which checks `Origin`: with
 * `no-referrer` browsers send `Origin: null`, so this page is `same-origin`, and its forms
 * may only post to stepgate itself.
 */
export const SESSION_PAGE_HEADERS: readonly (readonly [string, string])[] = Object.freeze(
  PAGE_HEADERS.map(([n, v]) =>
    n === 'referrer-policy' ? (['referrer-policy', 'same-origin'] as const) : n === 'content-security-policy' ? ([n, `${v}; form-action 'self'`] as const) : ([n, v] as const),
  ),
);

/**
 * The step-up page posts its Continue form to its own origin, which checks `Origin` as sign-out
 * does, so it is `same-origin` too. Without `form-action 'self'`: the answer to that POST is a
 * redirect to the identity provider, which Chromium holds to the form's `form-action`.
 */
export const START_PAGE_HEADERS: readonly (readonly [string, string])[] = Object.freeze(
  PAGE_HEADERS.map(([n, v]) => (n === 'referrer-policy' ? (['referrer-policy', 'same-origin'] as const) : ([n, v] as const))),
);

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#1b1b1b;background:#fff}
h1{font-size:1.5rem;margin:0 0 1rem}dl{margin:1rem 0}dt{font-weight:600;margin-top:.75rem}dd{margin:0;overflow-wrap:anywhere}
button{font:inherit;padding:.6rem 1.4rem;border:0;border-radius:.3rem;background:#0b57d0;color:#fff;cursor:pointer}
button:focus{outline:3px solid #f9ab00;outline-offset:2px}code{background:#f1f1f1;padding:0 .25rem;border-radius:.2rem}
.muted{color:#555;font-size:.9rem}`;

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function page(title: string, main: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)} · stepgate</title><style>${STYLE}</style></head>
<body><main>
${main}
</main></body></html>
`;
}

export interface SignedIn {
  subject: string;
  level: string;
  /** Seconds since the epoch. */
  authTime: number | undefined;
  /** Seconds since the epoch. */
  expiresAt: number | undefined;
}

export interface StepUpPageInput {
  /** Host and path of what was attempted (from rd); undefined when there is no return URL. */
  target: { host: string; path: string } | undefined;
  /** The matched rules' descriptions, as the operator wrote them. */
  rules: readonly string[];
  reasons: readonly string[];
  /** The context change or behaviour the step-up is bound to, in words; undefined when none. */
  context?: string | undefined;
  /** Said before a sign-in that answers a count's run (flow.ts countedRunWarning); undefined for others. */
  warning?: string | undefined;
  factor: string;
  /**
   * Under "What is needed": where the level or window is stricter than the matched rules alone ask,
   * what made it so (flow.ts signedCauses); empty otherwise.
   */
  stricter?: readonly string[] | undefined;
  /** Who the browser's session names; undefined when it has none (or an invalid one). */
  who: SignedIn | undefined;
  /** How long the step-up will count, in sentences. */
  lasts: readonly string[];
  /** Where Cancel goes: an allowed return target; undefined hides the link. */
  cancel: { href: string; label: string } | undefined;
  /** Hidden form fields posted to /.stepgate/continue. */
  fields: Readonly<Record<string, string>>;
}

export function stepUpPage(p: StepUpPageInput): string {
  const hidden = Object.entries(p.fields)
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
    .join('\n');
  const attempted = p.target
    ? `<dt>You tried to open</dt><dd><code>${escapeHtml(p.target.host)}${escapeHtml(p.target.path)}</code></dd>`
    : '';
  const why = [
    ...(p.context ? [`<li id="stepgate-context"><strong>${escapeHtml(p.context)}</strong></li>`] : []),
    ...(p.warning ? [`<li id="stepgate-warning"><strong>${escapeHtml(p.warning)}</strong></li>`] : []),
    ...p.rules.map((r) => `<li id="stepgate-rule">${escapeHtml(r)}</li>`),
    ...p.reasons.map((r) => `<li>${escapeHtml(r)}</li>`),
  ].join('');
  const who = p.who
    ? `<dt>Signed in as</dt><dd id="stepgate-who"><code>${escapeHtml(p.who.subject)}</code> at level <code>${escapeHtml(p.who.level)}</code>${p.who.authTime !== undefined ? `, signed in ${escapeHtml(utc(p.who.authTime))}` : ''}</dd>`
    : `<dt>Signed in as</dt><dd id="stepgate-who">Nobody yet in this browser: no stepgate session.</dd>`;
  const lasts = p.lasts.map((l) => `<p>${escapeHtml(l)}</p>`).join('');
  const cancel = p.cancel
    ? `<p><a id="stepgate-cancel" href="${escapeHtml(p.cancel.href)}">${escapeHtml(p.cancel.label)}</a></p>`
    : '';
  return page(
    'Confirm it is you',
    `<h1>Confirm it is you</h1>
<dl>
${attempted}
<dt>Why</dt><dd><ul>${why}</ul></dd>
${who}
<dt>What is needed</dt><dd id="stepgate-needed">${escapeHtml(p.factor)}${(p.stricter ?? []).map((t) => `<p class="stepgate-stricter">${escapeHtml(t)}</p>`).join('')}</dd>
<dt>How long it lasts</dt><dd id="stepgate-lasts">${lasts}</dd>
</dl>
<form method="post" action="/.stepgate/continue">
${hidden}
<button type="submit">Continue to sign in</button>
</form>
${cancel}<p class="muted">You will be sent to your identity provider and brought back here afterwards. <a href="/.stepgate/session">Your stepgate session</a></p>`,
  );
}

export function donePage(): string {
  return page('Done', `<h1>You are signed in</h1><p>Your stronger sign-in is active. You can go back to the page you were using and reload it.</p><p class="muted"><a href="/.stepgate/session">Your stepgate session</a></p>`);
}

export interface ErrorPageInput {
  code: FlowErrorCode;
  /** A sentence for this failure (already safe to show); escaped here. */
  shown?: string | undefined;
  /** Where the user was going, when known and an allowed return target. */
  back?: string | undefined;
  /** The id the audit record carries. */
  requestId?: string | undefined;
  traceId?: string | undefined;
}

export function errorPage(input: FlowErrorCode | ErrorPageInput, extra?: string): string {
  const p: ErrorPageInput = typeof input === 'string' ? { code: input, shown: extra } : input;
  const e = FLOW_ERRORS[p.code];
  const detail = p.shown ? `<p>${escapeHtml(p.shown)}</p>` : '';
  const back = p.back ? `<p><a id="stepgate-back" href="${escapeHtml(p.back)}">Back to ${escapeHtml(new URL(p.back).host)}</a></p>` : '';
  const ids = [
    `Code: <code id="stepgate-code">${p.code}</code>`,
    p.requestId ? `Request id: <code id="stepgate-request-id">${escapeHtml(p.requestId)}</code>` : '',
    p.traceId ? `Trace id: <code id="stepgate-trace-id">${escapeHtml(p.traceId)}</code>` : '',
  ].filter((x) => x !== '');
  return page(
    e.title,
    `<h1>${escapeHtml(e.title)}</h1>
${detail}<p>${escapeHtml(e.hint)}</p>
${back}<p class="muted">${ids.join('<br>')}</p>`,
  );
}

export interface SessionPageInput {
  who: SignedIn | undefined;
  /** Why there is no session, when there is none. */
  none: string | undefined;
}

export function sessionPage(p: SessionPageInput): string {
  if (!p.who) {
    return page(
      'Your stepgate session',
      `<h1>Your stepgate session</h1>
<p id="stepgate-session-none">${escapeHtml(p.none ?? 'There is no stepgate session in this browser.')}</p>
<form method="post" action="/.stepgate/signout"><button type="submit">Clear stepgate cookies</button></form>`,
    );
  }
  const w = p.who;
  return page(
    'Your stepgate session',
    `<h1>Your stepgate session</h1>
<dl>
<dt>Signed in as</dt><dd><code id="stepgate-subject">${escapeHtml(w.subject)}</code></dd>
<dt>Level</dt><dd><code id="stepgate-level">${escapeHtml(w.level)}</code></dd>
<dt>Signed in</dt><dd id="stepgate-auth-time">${w.authTime !== undefined ? escapeHtml(utc(w.authTime)) : 'unknown'}</dd>
<dt>Session ends</dt><dd id="stepgate-expires">${w.expiresAt !== undefined ? escapeHtml(utc(w.expiresAt)) : 'unknown'}</dd>
</dl>
<p class="muted">Pages that ask for a recent sign-in may ask again before the session ends.</p>
<form method="post" action="/.stepgate/signout"><button type="submit">Sign out of stepgate</button></form>`,
  );
}

/**
 * `ended`: whether the session was also ended on the server. `recorded` (or `none`: there was no
 * valid session to end) is the plain page; `failed` says that a copy of the cookie still works.
 */
export function signedOutPage(ended: 'recorded' | 'none' | 'failed' = 'recorded'): string {
  const failed =
    ended === 'failed'
      ? `<p><strong>The session could not be ended on the server</strong> (its state store did not answer). A copy of this browser's session cookie, if one was taken, keeps working until the session expires. Sign out again in a moment; if you think the session was stolen, tell an administrator.</p>
`
      : '';
  return page(
    'Signed out',
    `<h1>You are signed out of stepgate</h1>
<p>This browser no longer holds a stepgate session, device or sign-in cookie. Pages behind stepgate will ask you to sign in again.</p>
${failed}<p class="muted">Your identity provider may still remember you: sign out there too on a shared computer.</p>`,
  );
}

/** A time as `2026-12-02 14:05 UTC`: the server cannot know the reader's zone and runs no script. */
export function utc(seconds: number): string {
  return `${new Date(seconds * 1000).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
