import { describe, expect, it } from 'vitest';
import * as client from 'openid-client';
import { FLOW_ERROR_CODES, FLOW_ERRORS } from '../../src/web/stepup/errors.js';
import { exchangeFailure, lasting } from '../../src/web/stepup/flow.js';
import { errorPage, sessionPage, stepUpPage } from '../../src/web/stepup/pages.js';

// Issue 16: what the step-up pages say, and that each callback failure has its own code.

describe('lasting: how long the step-up counts, in words', () => {
  it.each([
    [undefined, 3600, ['This sign-in lasts 1 hour from when you sign in.']],
    [900, 3600, ['This page accepts a sign-in from the last 15 minutes; after that it asks again.', 'Your stepgate session itself lasts 1 hour.']],
    [3600, 3600, ['This sign-in lasts 1 hour from when you sign in.']],
    [0, 3600, ['This page needs a sign-in just now: it asks again next time.', 'Other pages accept it for up to 1 hour.']],
  ] as const)('max_age %s with a %i s session', (asked, lifetime, want) => {
    expect(lasting(asked, lifetime)).toEqual(want);
  });

  it('a rule max_age longer than the session says that the session caps it, and names the setting', () => {
    const text = lasting(43_200, 3600).join(' ');
    expect(text).toContain('would accept a sign-in from the last 12 hours');
    expect(text).toContain('a stepgate session lasts at most 1 hour (stepup.session.lifetime_seconds)');
    expect(text).toContain('asked again after 1 hour');
  });
});

describe('the step-up page', () => {
  const base = {
    target: { host: 'grafana.example.com', path: '/admin' },
    reasons: ['This request needs a stronger authentication than the one presented.'],
    factor: 'Password and a one-time code',
    lasts: ['This sign-in lasts 1 hour from when you sign in.'],
    fields: { level: 'aal2' },
  };

  it('shows the rule description, who is signed in, how long, and Cancel; all escaped', () => {
    const html = stepUpPage({
      ...base,
      rules: ['<script>alert(1)</script> admin area'],
      who: { subject: 'alice"><img src=x>', level: 'aal1', authTime: 1_764_640_000, expiresAt: 1_764_643_600 },
      cancel: { href: 'https://grafana.example.com/?a=1&b="2"', label: 'Cancel and go to grafana.example.com' },
    });
    expect(html).toContain('<li id="stepgate-rule">&#60;script&#62;alert(1)&#60;/script&#62; admin area</li>');
    expect(html).toContain('<code>alice&#34;&#62;&#60;img src=x&#62;</code> at level <code>aal1</code>');
    expect(html).toContain('signed in 2025-12-02 01:46 UTC');
    expect(html).toContain('href="https://grafana.example.com/?a=1&#38;b=&#34;2&#34;"');
    expect(html).not.toMatch(/<script|<img/);
  });

  it('says nobody is signed in, and has no Cancel without a checked target', () => {
    const html = stepUpPage({ ...base, rules: [], who: undefined, cancel: undefined });
    expect(html).toContain('Nobody yet in this browser');
    expect(html).not.toContain('stepgate-cancel');
  });
});

describe('error pages', () => {
  it('show the code, the request id and the trace id, and a link back', () => {
    const html = errorPage({ code: 'stepup_issuer_mismatch', back: 'https://grafana.example.com/admin?x=<1>', requestId: 'req-1', traceId: '4bf92f3577b34da6a3ce929d0e0e4736' });
    expect(html).toContain('<code id="stepgate-code">stepup_issuer_mismatch</code>');
    expect(html).toContain('<code id="stepgate-request-id">req-1</code>');
    expect(html).toContain('<code id="stepgate-trace-id">4bf92f3577b34da6a3ce929d0e0e4736</code>');
    expect(html).toContain('<a id="stepgate-back" href="https://grafana.example.com/admin?x=&#60;1&#62;">Back to grafana.example.com</a>');
  });

  it('without ids or a known target show neither', () => {
    const html = errorPage('stepup_code_rejected');
    expect(html).not.toMatch(/stepgate-(back|request-id|trace-id)/);
  });

  it('every code has its own title: two failures never read the same', () => {
    const titles = FLOW_ERROR_CODES.map((c) => FLOW_ERRORS[c].title);
    expect(new Set(titles).size).toBe(titles.length);
  });
});

describe('the session page', () => {
  it('shows subject, level, sign-in time and end, escaped, with a sign-out form', () => {
    const html = sessionPage({ who: { subject: '<b>alice</b>', level: 'aal2', authTime: 0, expiresAt: 3600 }, none: undefined });
    expect(html).toContain('<code id="stepgate-subject">&#60;b&#62;alice&#60;/b&#62;</code>');
    expect(html).toContain('<dd id="stepgate-auth-time">1970-01-01 00:00 UTC</dd>');
    expect(html).toContain('<dd id="stepgate-expires">1970-01-01 01:00 UTC</dd>');
    expect(html).toContain('<form method="post" action="/.stepgate/signout">');
  });
});

/** Errors shaped as openid-client v6 throws them (a ClientError wrapping oauth4webapi's error). */
function wrapped(inner: Record<string, unknown>, code: string): Error {
  const cause = Object.assign(new Error(String(inner.message ?? 'inner')), inner);
  return Object.assign(new Error('unexpected JWT claim value encountered', { cause }), { code });
}

describe('exchangeFailure: each failure its own code', () => {
  it.each([
    ['a forged or reused code (invalid_grant)', new client.ResponseBodyError('x', { cause: { error: 'invalid_grant' }, response: new Response('{}', { status: 400 }) }), 'stepup_code_rejected'],
    ['another token endpoint error', new client.ResponseBodyError('x', { cause: { error: 'invalid_client' }, response: new Response('{}', { status: 401 }) }), 'stepup_token_invalid'],
    ['a wrong iss', wrapped({ claim: 'iss', message: 'unexpected JWT "iss" (issuer) claim value' }, 'OAUTH_JWT_CLAIM_COMPARISON_FAILED'), 'stepup_issuer_mismatch'],
    ['a wrong aud', wrapped({ claim: 'aud' }, 'OAUTH_JWT_CLAIM_COMPARISON_FAILED'), 'stepup_audience_mismatch'],
    ['a wrong azp', wrapped({ claim: 'azp' }, 'OAUTH_JWT_CLAIM_COMPARISON_FAILED'), 'stepup_audience_mismatch'],
    ['a wrong nonce', wrapped({ claim: 'nonce' }, 'OAUTH_JWT_CLAIM_COMPARISON_FAILED'), 'stepup_nonce_mismatch'],
    ['an RFC 9207 iss parameter of another issuer', wrapped({ message: 'unexpected "iss" (issuer) response parameter value' }, 'OAUTH_INVALID_RESPONSE'), 'stepup_issuer_mismatch'],
    ['a bad signature', wrapped({ message: 'JWT signature verification failed' }, 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED'), 'stepup_signature_invalid'],
    ['an unrecognised claim failure', wrapped({ claim: 'c_hash' }, 'OAUTH_JWT_CLAIM_COMPARISON_FAILED'), 'stepup_token_invalid'],
    ['a connection failure', Object.assign(new TypeError('fetch failed')), 'stepup_idp_unavailable'],
  ] as const)('%s', (_name, err, code) => {
    expect(exchangeFailure(err)[0]).toBe(code);
  });

  it('a cause chain that loops ends (bounded walk) as stepup_token_invalid', () => {
    const a: Record<string, unknown> = { message: 'a' };
    a.cause = a;
    expect(exchangeFailure(a)[0]).toBe('stepup_token_invalid');
  });
});
