import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { compileAssurance } from '../../src/core/assurance.js';
import type { Identity } from '../../src/core/identity.js';
import type { CookieKey } from '../../src/cookies/keys.js';
import { StepUpLinks } from '../../src/cookies/stepup-link.js';
import { Responder } from '../../src/decision/respond.js';
import type { Verdict } from '../../src/decision/verdict.js';
import type { Runtime } from '../../src/pipeline/runtime.js';
import type { RequestAttributes } from '../../src/request/attributes.js';
import { kubeReq } from '../support/policy.js';
import { lasting, signedCauses } from '../../src/web/stepup/flow.js';

/**
 * The step-up link a Check answers a browser with carries the effective requirement and what made
 * it (its rules, guardrails, risk band, context), MACed, so that the page says the Check's reasons
 * (not the policy matched again for a GET of rd) and no one can loosen it by editing it.
 */

const key = (kid: string): CookieKey => ({ kid, key: new Uint8Array(randomBytes(32)) });
const K1 = key('k1');
const K2 = key('k2');
const NOW_S = Date.UTC(2026, 11, 2, 14, 30, 0) / 1000;
const SINCE = Date.UTC(2026, 11, 2, 14, 2, 5) / 1000;

describe('StepUpLinks', () => {
  const links = new StepUpLinks([K1]);
  const signed = () => {
    const u = new URL('https://auth.example.com/.stepgate/start?level=aal2&max_age=300&reason=acr_insufficient&rules=prod-pods%2Cguardrail%3Across_site_request');
    links.sign(u);
    return u;
  };

  it('verifies its own link; one without sig is absent', () => {
    expect(links.check(signed().searchParams)).toBe('valid');
    const u = signed();
    u.searchParams.delete('sig');
    expect(links.check(u.searchParams)).toBe('absent');
  });

  it('is deterministic (a kept denial keeps a valid link) and keyed (another key list refuses it)', () => {
    expect(signed().href).toBe(signed().href);
    expect(new StepUpLinks([K2]).check(signed().searchParams)).toBe('invalid');
  });

  it('verifies under a rolled key list that still lists the key it was made with', () => {
    expect(new StepUpLinks([K2, K1]).check(signed().searchParams)).toBe('valid');
  });

  it.each([
    ['a value changed', (q: URLSearchParams) => q.set('max_age', '900')],
    ['a cause removed', (q: URLSearchParams) => q.delete('rules')],
    ['a parameter added', (q: URLSearchParams) => q.append('sign_in_level', 'aal1')],
    ['a parameter repeated', (q: URLSearchParams) => q.append('max_age', '900')],
    ['two parameters reordered', (q: URLSearchParams) => { const m = q.get('max_age')!; q.delete('max_age'); q.append('max_age', m); }],
    ['a second sig', (q: URLSearchParams) => q.append('sig', q.get('sig')!)],
    ['an unknown key id', (q: URLSearchParams) => q.set('sig', `k9.${q.get('sig')!.slice(3)}`)],
    ['no key id', (q: URLSearchParams) => q.set('sig', q.get('sig')!.slice(3))],
  ])('refuses a link with %s', (_what, edit) => {
    const q = signed().searchParams;
    edit(q);
    expect(links.check(q)).toBe('invalid');
  });

  it('refuses any single change of any parameter', () => {
    fc.assert(
      fc.property(fc.constantFrom('level', 'max_age', 'reason', 'rules'), fc.string({ minLength: 1 }), (name, value) => {
        const q = signed().searchParams;
        fc.pre(q.get(name) !== value);
        q.set(name, value);
        expect(links.check(q)).toBe('invalid');
      }),
    );
  });
});

const CONFIG = parseConfig(
  `issuers: [{issuer: "https://idp.test", jwks_uri: "https://idp.test/jwks", audiences: [k]}]
assurance:
  levels:
    - {name: aal1, acr: [a1]}
    - {name: aal2, acr: [a2]}
    - {name: aal3, acr: [a3]}
stepup: { url: "https://auth.example.com/.stepgate/start", return_hosts: [grafana.example.com] }
policy:
  default: { require: aal1, max_age: 43200 }
  rules:
    - name: grafana-admin
      description: "the admin area needs a second factor within 15 minutes"
      match: { hosts: [grafana.example.com], paths: ["/admin/**"] }
      require: aal2
      max_age: 900
`,
  'link.yaml',
);
const ASSURANCE = compileAssurance(CONFIG.assurance.levels);
const RT = { config: CONFIG, assurance: ASSURANCE } as unknown as Runtime;

function request(): RequestAttributes {
  return { ...kubeReq('GET', '/admin/users', 'grafana.example.com'), headers: new Map([['accept', 'text/html'], ['sec-fetch-mode', 'navigate']]) };
}

const WHO = { subject: 'alice', levelName: 'aal2', level: 1, authTime: SINCE - 3600 } as Identity;

function verdict(requirement: Verdict['requirement'], risk?: Verdict['risk']): Verdict {
  return { allow: false, reason: 'auth_too_old', detail: '', requirement, identity: WHO, attributes: request(), tokenCached: false, risk, guardrails: undefined, approval: undefined };
}

/** The Check's 302 link for `v`, with a MAC, and what the page reads of it. */
function pageFor(v: Verdict): { q: URLSearchParams; causes: ReturnType<typeof signedCauses> } {
  const responder = new Responder(CONFIG, ASSURANCE, undefined, new StepUpLinks([K1]));
  const loc = new URL(responder.respond(v).headers.find(([k]) => k === 'location')![1]);
  expect(new StepUpLinks([K1]).check(loc.searchParams)).toBe('valid');
  return { q: loc.searchParams, causes: signedCauses(RT, loc.searchParams, NOW_S) };
}

describe("the page's reasons come from the Check's link, and name what made it stricter than the rule", () => {
  it('a risk band that shortens the rule\'s 15 minutes to 5: named in the reasons and as the cause', () => {
    const { q, causes } = pageFor(
      verdict({ deny: false, denyMessage: undefined, level: 1, maxAge: 300, rules: ['grafana-admin', 'risk:high'], sensitivity: 0 }, {
        score: 70,
        contributions: [{ code: 'new_ip', weight: 70, detail: '' }],
        band: 'high',
        denies: false,
        degraded: false,
        learned: false,
        clientIp: '198.51.100.7',
        context: undefined,
      }),
    );
    expect(q.get('rules')).toBe('grafana-admin,risk:high');
    expect(causes.lines).toEqual(['the admin area needs a second factor within 15 minutes', 'The risk stepgate scored for this request reached the high band.']);
    expect(causes.stricter).toEqual(['The rule for this page asks for a sign-in from the last 15 minutes; this request needs a sign-in from the last 5 minutes, because of the high risk band.']);
  });

  it('a guardrail that raises the level: says the rule asks aal2 and the request aal3, because of it', () => {
    const { causes } = pageFor(verdict({ deny: false, denyMessage: undefined, level: 2, maxAge: 900, rules: ['grafana-admin', 'guardrail:privileged_container'], sensitivity: 0 }));
    expect(causes.lines).toEqual(['the admin area needs a second factor within 15 minutes', 'Guardrail: privileged container (privileged_container).']);
    expect(causes.stricter).toEqual(['The rule for this page asks for level aal2; this request needs level aal3, because of the guardrail “privileged container” (privileged_container).']);
  });

  it('a context-bound step-up: the window is "made after" the first sighting, as kubectl says, not the seconds since it', () => {
    // First seen 5 minutes ago: the Check's max_age is the 300 s since, inside the rule's 15 minutes.
    const since = NOW_S - 300;
    const maxAge = NOW_S - since;
    const { q, causes } = pageFor(
      verdict({ deny: false, denyMessage: undefined, level: 1, maxAge, rules: ['grafana-admin', 'risk:context'], sensitivity: 0, authAfter: since }, {
        score: 30,
        contributions: [{ code: 'new_network', weight: 25, detail: '' }],
        band: undefined,
        denies: false,
        degraded: false,
        learned: false,
        clientIp: '198.51.100.7',
        context: { authAfter: since, code: 'new_network', reason: 'new network', summary: 'new network since 14:25:00Z' },
      }),
    );
    expect(q.get('max_age')).toBe(String(maxAge));
    expect(causes.after).toBe(since);
    expect(causes.stricter).toEqual(['The rule for this page asks for a sign-in from the last 15 minutes; this request needs a sign-in made after 14:25 UTC, because of the change named first above.']);
    expect(lasting(maxAge, 3600, causes.after)).toEqual(['This page accepts a sign-in made after 14:25 UTC.', 'Your stepgate session itself lasts 1 hour.']);
    // First seen before the rule's window reaches back: the window holds, and is what is said.
    const older = signedCauses(RT, new URLSearchParams({ level: 'aal2', max_age: '900', rules: 'grafana-admin,risk:context', context: 'new_network', since: String(SINCE) }), NOW_S);
    expect([older.after, older.stricter]).toEqual([undefined, []]);
  });

  it('the rule alone: no "stricter" sentence', () => {
    const { causes } = pageFor(verdict({ deny: false, denyMessage: undefined, level: 1, maxAge: 900, rules: ['grafana-admin'], sensitivity: 0 }));
    expect(causes.lines).toEqual(['the admin area needs a second factor within 15 minutes']);
    expect(causes.stricter).toEqual([]);
  });

  it('names only what stepgate has words for: an unknown guardrail code or a band of odd characters is not repeated', () => {
    const q = new URLSearchParams({ level: 'aal2', max_age: '300', rules: 'grafana-admin,guardrail:Call +1 555 0100,risk:<b>x</b>' });
    const causes = signedCauses(RT, q, NOW_S);
    expect(JSON.stringify(causes)).not.toMatch(/555|<b>/);
  });
});
