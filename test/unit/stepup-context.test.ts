import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { Responder } from '../../src/decision/respond.js';
import type { Verdict } from '../../src/decision/verdict.js';
import { compileAssurance } from '../../src/core/assurance.js';
import type { Identity } from '../../src/core/identity.js';
import { kubeReq } from '../support/policy.js';
import type { RequestAttributes } from '../../src/request/attributes.js';
import { RISK_CODES } from '../../src/risk/codes.js';
import { askId } from '../../src/risk/ask.js';
import { contextInWords, countedRunWarning } from '../../src/web/stepup/flow.js';
import { stepUpPage } from '../../src/web/stepup/pages.js';

/**
 * Risk context on the step-up page (issue 16): a step-up bound to a context change or behaviour
 * (risk.context, `authAfter`) reaches the browser page as a code and a time, and the page says it
 * in words, as kubectl's Status line does. Nothing else from the link is ever shown.
 */

const NOW_S = Date.UTC(2026, 11, 2, 14, 30, 0) / 1000;
const SINCE = Date.UTC(2026, 11, 2, 14, 2, 5) / 1000;

describe('contextInWords', () => {
  it.each([
    ['new_network', 'New network since 14:02 UTC: sign in again on this device.'],
    ['new_device', 'New browser since 14:02 UTC: sign in again in this browser.'],
    ['ua_family_change', 'New kind of client since 14:02 UTC: sign in again with it.'],
    ['sensitive_objects', 'Unusual number of sensitive objects since 14:02 UTC: sign in again to confirm it is you.'],
    ['destructive_burst', 'Burst of deletes since 14:02 UTC: sign in again to confirm it is you.'],
    ['machine_pace', 'Sensitive objects read at machine pace since 14:02 UTC: sign in again to confirm it is you.'],
    ['unfamiliar_namespace', 'A namespace outside your usual work since 14:02 UTC: sign in again to confirm it is you.'],
    ['unfamiliar_kind', 'A kind of action new to you since 14:02 UTC: sign in again to confirm it is you.'],
    ['cluster_secret_list', 'Secrets listed across all namespaces since 14:02 UTC: sign in again to confirm it is you.'],
    ['session_new_device', 'Your sign-in in use on a device first seen after it since 14:02 UTC: sign in again on this device.'],
    ['platform_change', 'Your sign-in in use on another platform since 14:02 UTC: sign in again on this device.'],
    ['certificate_missing', 'A device without the client certificate your sign-in was used with since 14:02 UTC: sign in again on this device.'],
    ['impossible_travel', 'Your sign-in used from two places too far apart since 14:02 UTC: sign in again on this device.'],
  ])('%s', (code, words) => {
    expect(contextInWords(new URLSearchParams({ context: code, since: String(SINCE) }), NOW_S)).toBe(words);
  });

  it.each([
    ['an unknown code', { context: 'new_ip', since: String(SINCE) }],
    ['a prototype key', { context: '__proto__', since: String(SINCE) }],
    ['no time', { context: 'new_network' }],
    ['a time in the future', { context: 'new_network', since: String(NOW_S + 3600) }],
    ['a time over a week old', { context: 'new_network', since: String(NOW_S - 8 * 86_400) }],
    ['a time that is not a number', { context: 'new_network', since: '14:02' }],
    ['a negative time', { context: 'new_network', since: '-5' }],
  ])('ignores %s', (_what, params) => {
    expect(contextInWords(new URLSearchParams(params as Record<string, string>), NOW_S)).toBeUndefined();
  });

  it('every code a context-bound step-up can carry has words: the page is never silent about why', () => {
    // risk/context-bound.ts considers these (and engine.ts boundAnswers a count's run code); the
    // rest of RISK_CODES never bind a step-up to a context.
    const unbound = new Set(['path_sensitive', 'new_ip', 'trusted_network', 'first_seen', 'token_age', 'request_rate', 'sensitive_rate', 'denial_rate', 'namespace_spread', 'state_degraded', 'guardrail']);
    for (const code of RISK_CODES.filter((c) => !unbound.has(c))) {
      expect(contextInWords(new URLSearchParams({ context: code, since: String(SINCE) }), NOW_S), code).toBeDefined();
    }
  });

  it('never repeats text from the link: whatever it holds, the words come from the closed set', () => {
    const allowed = /^[A-Z][A-Za-z -]+ since \d\d:\d\d UTC: sign in again [a-z ]+\.$/;
    fc.assert(
      fc.property(fc.string(), fc.string(), (context, since) => {
        const w = contextInWords(new URLSearchParams({ context, since }), NOW_S);
        if (w !== undefined) expect(w).toMatch(allowed);
      }),
    );
  });
});

describe('countedRunWarning: a sign-in that answers a count\'s run says so first, as the credential plugin does', () => {
  const run = askId('alice', SINCE, 'r', '');
  const object = askId('alice', SINCE, 'o', 'secrets/prod/db');
  const WARNING = /^This sign-in vouches for the requests stepgate counted on your login since 14:02 UTC\. If you did not make them, do not sign in/;

  it.each(['machine_pace', 'sensitive_objects'])('context %s', (context) => {
    expect(countedRunWarning(new URLSearchParams({ context, since: String(SINCE) }), NOW_S)).toMatch(WARNING);
  });

  it('a run\'s ask without its context (a link cut short, or made by hand) still warns, at the crossing the ask names', () => {
    expect(countedRunWarning(new URLSearchParams({ ask: run }), NOW_S)).toMatch(WARNING);
    expect(countedRunWarning(new URLSearchParams({ context: 'new_network', since: String(SINCE), ask: run }), NOW_S)).toMatch(/since 14:02 UTC/);
  });

  it('a run\'s ask whose crossing is not in the last week warns without a time', () => {
    const old = askId('alice', NOW_S - 30 * 86_400, 'r', '');
    expect(countedRunWarning(new URLSearchParams({ ask: old }), NOW_S)).toMatch(/^This sign-in vouches for the requests stepgate counted on your login\. If/);
  });

  it.each([
    ['a context that is no count', { context: 'new_network', since: String(SINCE) }],
    ['an object\'s ask', { ask: object }],
    ['an object\'s ask with a context that is no count', { context: 'unfamiliar_namespace', since: String(SINCE), ask: object }],
    ['a malformed ask', { ask: `${run}!` }],
    ['nothing', {}],
  ])('no warning for %s', (_what, params) => {
    expect(countedRunWarning(new URLSearchParams(params as Record<string, string>), NOW_S)).toBeUndefined();
  });

  it('an object\'s ask never reads as a run\'s, whatever its digests hold', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 40 }), fc.integer({ min: 1_700_000_000, max: 2_100_000_000 }), (subject, bound) => {
        expect(countedRunWarning(new URLSearchParams({ ask: askId(subject, bound, 'o', 'x') }), NOW_S)).toBeUndefined();
        expect(countedRunWarning(new URLSearchParams({ ask: askId(subject, bound, 'r', '') }), NOW_S)).toBeDefined();
      }),
    );
  });
});

describe('the step-up page with a risk context', () => {
  it('puts the context first among the reasons, in words', () => {
    const html = stepUpPage({
      target: { host: 'kube.example.com', path: '/api/v1/namespaces/prod/secrets/db' },
      rules: ['Secrets need two factors'],
      reasons: ['This request needs a more recent authentication.'],
      context: 'New network since 14:02 UTC: sign in again on this device.',
      factor: 'two factors',
      who: undefined,
      lasts: [],
      cancel: undefined,
      fields: { level: 'aal2' },
    });
    expect(html).toMatch(/<ul><li id="stepgate-context"><strong>New network since 14:02 UTC: sign in again on this device\.<\/strong><\/li><li id="stepgate-rule">/);
  });
});

describe('the step-up URL of a context-bound challenge', () => {
  const config = parseConfig(
    `issuers: [{issuer: "https://idp.test", jwks_uri: "https://idp.test/jwks", audiences: [k]}]
assurance:
  levels:
    - {name: aal1, acr: [a1]}
    - {name: aal2, acr: [a2]}
stepup: { url: "https://auth.example.com/.stepgate/start", return_hosts: [grafana.example.com] }
policy: { default: { require: aal1 } }
`,
    'p.yaml',
  );
  const responder = new Responder(config, compileAssurance(config.assurance.levels));
  const req: RequestAttributes = { ...kubeReq('GET', '/admin', 'grafana.example.com'), headers: new Map([['accept', 'text/html'], ['sec-fetch-mode', 'navigate']]) };
  const who = { subject: 'alice', levelName: 'aal2', level: 1 } as Identity;
  const verdict = (context: boolean): Verdict => ({
    allow: false,
    reason: 'auth_too_old',
    detail: '',
    requirement: { deny: false, denyMessage: undefined, level: 1, maxAge: 1675, rules: ['grafana-admin', 'risk:context'], sensitivity: 0, authAfter: SINCE },
    identity: who,
    attributes: req,
    tokenCached: false,
    risk: {
      score: 30,
      contributions: [{ code: 'new_network', weight: 25, detail: '' }],
      band: undefined,
      denies: false,
      degraded: false,
      learned: false,
      clientIp: '198.51.100.7',
      context: context ? { authAfter: SINCE, code: 'new_network', reason: 'new network 198.51.100.0/24 since 14:02:05Z', summary: 'new network since 14:02:05Z' } : undefined,
    },
    guardrails: undefined,
    approval: undefined,
  });

  const location = (v: Verdict) => new URL(responder.respond(v).headers.find(([k]) => k === 'location')![1]);

  it('carries the code and the time, never the address', () => {
    const url = location(verdict(true));
    expect(url.searchParams.get('context')).toBe('new_network');
    expect(url.searchParams.get('since')).toBe(String(SINCE));
    expect(url.href).not.toContain('198.51.100');
    // What the page then says.
    expect(contextInWords(url.searchParams, NOW_S)).toBe('New network since 14:02 UTC: sign in again on this device.');
  });

  it('carries neither without a context', () => {
    const url = location(verdict(false));
    expect(url.searchParams.has('context')).toBe(false);
    expect(url.searchParams.has('since')).toBe(false);
  });
});
