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

export interface StepUpPageInput {
  /** Host and path of what was attempted (from rd); undefined when there is no return URL. */
  target: { host: string; path: string } | undefined;
  reasons: readonly string[];
  factor: string;
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
  const reasons = p.reasons.map((r) => `<li>${escapeHtml(r)}</li>`).join('');
  return page(
    'Confirm it is you',
    `<h1>Confirm it is you</h1>
<dl>
${attempted}
<dt>Why</dt><dd><ul>${reasons}</ul></dd>
<dt>What is needed</dt><dd>${escapeHtml(p.factor)}</dd>
</dl>
<form method="post" action="/.stepgate/continue">
${hidden}
<button type="submit">Continue to sign in</button>
</form>
<p class="muted">You will be sent to your identity provider and brought back here afterwards.</p>`,
  );
}

export function donePage(): string {
  return page('Done', `<h1>You are signed in</h1><p>Your stronger sign-in is active. You can go back to the page you were using and reload it.</p>`);
}

export function errorPage(code: FlowErrorCode, extra?: string): string {
  const e = FLOW_ERRORS[code];
  const detail = extra ? `<p>${escapeHtml(extra)}</p>` : '';
  return page(
    e.title,
    `<h1>${escapeHtml(e.title)}</h1>
${detail}<p>${escapeHtml(e.hint)}</p>
<p class="muted">Code: <code id="stepgate-code">${code}</code></p>`,
  );
}
