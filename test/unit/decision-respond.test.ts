import { describe, expect, it } from 'vitest';
import { compileAssurance } from '../../src/core/assurance.js';
import { compileHostMatcher } from '../../src/core/glob.js';
import type { Identity } from '../../src/core/identity.js';
import { REASONS, reasonKind, reasonMessage, type ReasonCode } from '../../src/core/reasons.js';
import { clientKind, Responder } from '../../src/decision/respond.js';
import type { Verdict } from '../../src/decision/verdict.js';
import type { Requirement } from '../../src/policy/policy.js';
import type { RequestAttributes } from '../../src/request/attributes.js';
import { buildAttributes } from '../../src/request/build.js';
import { testConfig } from '../support/config.js';

/**
 * The one response switch (src/decision/respond.ts) on its own: hand-made verdicts in, the
 * transport-neutral answer out. Every reason code, each client kind, the challenge header's exact
 * bytes, the step-up URL's return target rules, and what an allow sends upstream.
 */

const config = testConfig('https://idp.invalid');
const assurance = compileAssurance(config.assurance.levels);
const responder = new Responder(config, assurance);
const kubeHosts = compileHostMatcher(config.kubernetes.hosts);
const AAL2 = assurance.names.indexOf('aal2');

function attrs(o: { method?: string; host?: string; target?: string; scheme?: string; headers?: Record<string, string>; spoofed?: string[] } = {}): RequestAttributes {
  const built = buildAttributes(
    {
      method: o.method ?? 'GET',
      target: o.target ?? '/api/v1/namespaces/prod/secrets/db',
      authority: o.host ?? 'kube.example.com',
      scheme: o.scheme ?? 'https',
      headers: new Map(Object.entries(o.headers ?? {})),
      sourceAddress: '10.1.2.3',
      sourcePrincipal: '',
      contextExtensions: {},
      body: undefined,
      bodyTruncated: false,
    },
    o.spoofed ?? [],
    kubeHosts,
  );
  if (!built.ok) throw new Error(built.detail);
  return built.attributes;
}

const need = (o: Partial<Requirement> = {}): Requirement => ({ deny: false, denyMessage: undefined, level: AAL2, maxAge: 900, rules: ['secrets'], sensitivity: 0, ...o }) as Requirement;

const alice: Identity = {
  source: 'token',
  subject: 'alice@example.com',
  issuer: 'https://idp.invalid',
  groups: ['engineers'],
  acr: 'urn:stepgate:aal1',
  amr: ['pwd'],
  authTime: 1,
  expiresAt: Number.MAX_SAFE_INTEGER,
  level: assurance.names.indexOf('aal1'),
  levelName: 'aal1',
  session: 's',
  upstreamHeaders: [
    ['x-stepgate-subject', 'alice@example.com'],
    ['x-stepgate-level', 'aal1'],
  ],
};

function verdict(reason: ReasonCode, o: Partial<Verdict> = {}): Verdict {
  return { allow: reason === 'allowed', reason, detail: 'may quote request data', requirement: need(), identity: undefined, attributes: attrs(), tokenCached: false, risk: undefined, guardrails: undefined, ...o };
}

const header = (a: { headers: readonly (readonly [string, string])[] }, name: string) => a.headers.find(([k]) => k === name)?.[1];

describe('Responder: every reason code has its status and gRPC code', () => {
  const STATUS: Record<string, [number, number]> = {
    unauthenticated: [401, 16],
    step_up: [401, 16],
    forbidden: [403, 7],
    bad_request: [400, 3],
    too_large: [431, 3],
    unavailable: [503, 14],
    error: [500, 13],
  };
  it.each(Object.keys(REASONS).filter((r) => r !== 'allowed') as ReasonCode[])('%s', (reason) => {
    const a = responder.respond(verdict(reason, { identity: alice }));
    const [status, grpc] = STATUS[reasonKind(reason)]!;
    expect({ allow: a.allow, status: a.status, grpcCode: a.grpcCode }).toEqual({ allow: false, status, grpcCode: grpc });
    const body = JSON.parse(a.body) as { stepgate: { reason: string; message: string }; code: number };
    // The API host gets a Kubernetes Status; its reason is the code, its message the code's sentence (never the detail).
    expect(body.code).toBe(status);
    expect(body.stepgate.reason).toBe(reason);
    expect(a.body).not.toContain('may quote request data');
    expect(a.metadata).toMatchObject({ decision: 'deny', reason });
    expect(header(a, 'cache-control')).toBe('no-store');
  });

  it('an "allowed" reason on a deny verdict fails closed as internal_error', () => {
    const a = responder.respond({ ...verdict('allowed'), allow: false });
    expect(a).toMatchObject({ allow: false, status: 500, grpcCode: 13 });
    expect(JSON.parse(a.body).stepgate.reason).toBe('internal_error');
  });
});

describe('Responder: the challenge', () => {
  it('token_missing: the bare realm (RFC 6750 §3: no error without a credential)', () => {
    expect(header(responder.respond(verdict('token_missing')), 'www-authenticate')).toBe('Bearer realm="stepgate"');
  });

  it('a bad token: invalid_token with the code\'s sentence, no acr_values', () => {
    expect(header(responder.respond(verdict('token_expired')), 'www-authenticate')).toBe(`Bearer realm="stepgate", error="invalid_token", error_description="${reasonMessage('token_expired')}"`);
  });

  it('a step-up: RFC 9470 with every acr of the level and max_age, byte for byte', () => {
    expect(header(responder.respond(verdict('acr_insufficient', { identity: alice })), 'www-authenticate')).toBe(
      `Bearer realm="stepgate", error="insufficient_user_authentication", error_description="${reasonMessage('acr_insufficient')}", acr_values="urn:stepgate:aal2 2", max_age=900`,
    );
    expect(header(responder.respond(verdict('auth_too_old', { requirement: need({ maxAge: undefined }) })), 'www-authenticate')).not.toContain('max_age');
  });

  it('the body names what is required and what was presented, for step-ups only', () => {
    const up = JSON.parse(responder.respond(verdict('acr_insufficient', { identity: alice })).body).stepgate;
    expect(up).toMatchObject({ required: { level: 'aal2', max_age: 900 }, presented: { level: 'aal1' } });
    const bad = JSON.parse(responder.respond(verdict('token_invalid')).body).stepgate;
    expect(bad.required).toBeUndefined();
  });
});

describe('Responder: browsers, fetch and API clients', () => {
  const dash = (headers: Record<string, string>, o: { target?: string; host?: string; method?: string; scheme?: string } = {}) =>
    attrs({ host: o.host ?? 'grafana.example.com', target: o.target ?? '/admin/users?tab=1', method: o.method, scheme: o.scheme, headers });

  it.each([
    [{ 'sec-fetch-mode': 'navigate' }, 'GET', 'navigation'],
    [{ 'sec-fetch-mode': 'cors', accept: 'text/html' }, 'GET', 'fetch'],
    [{ 'x-requested-with': 'XMLHttpRequest', accept: 'text/html' }, 'GET', 'fetch'],
    [{ accept: 'text/html' }, 'GET', 'navigation'],
    [{ accept: 'text/html' }, 'HEAD', 'navigation'],
    [{ accept: 'text/html' }, 'POST', 'api'],
    [{ accept: 'application/json' }, 'GET', 'api'],
    [{}, 'GET', 'api'],
  ] as const)('%j %s → %s', (headers, method, kind) => {
    expect(clientKind(dash(headers, { method }))).toBe(kind);
  });

  it('a navigation gets a 302 to the step-up page with level, max_age, reason and the return target', () => {
    const a = responder.respond(verdict('token_missing', { attributes: dash({ 'sec-fetch-mode': 'navigate' }) }));
    expect(a.status).toBe(302);
    const loc = new URL(header(a, 'location')!);
    expect(`${loc.origin}${loc.pathname}`).toBe('https://auth.example.com/.stepgate/start');
    expect(Object.fromEntries(loc.searchParams)).toEqual({ level: 'aal2', max_age: '900', reason: 'token_missing', rd: 'https://grafana.example.com/admin/users?tab=1' });
    expect(header(a, 'www-authenticate')).toBeUndefined();
  });

  it('fetch gets a 401 with step_up_url in the body, not a redirect it would follow invisibly', () => {
    const a = responder.respond(verdict('token_missing', { attributes: dash({ 'sec-fetch-mode': 'cors' }) }));
    expect(a.status).toBe(401);
    expect(header(a, 'location')).toBeUndefined();
    expect(JSON.parse(a.body).step_up_url).toContain('/.stepgate/start?');
  });

  it.each([
    ['a host not in return_hosts', { host: 'evil.example.com' }],
    ['a scheme other than http(s)', { scheme: 'ftp' }],
    ['a target of 2049 characters', { target: `/x?${'a'.repeat(2046)}` }],
  ])('no return target for %s', (_name, o) => {
    const a = responder.respond(verdict('token_missing', { attributes: dash({ 'sec-fetch-mode': 'navigate' }, o) }));
    expect(new URL(header(a, 'location')!).searchParams.has('rd')).toBe(false);
  });

  it('a target of exactly 2048 characters still returns', () => {
    const a = responder.respond(verdict('token_missing', { attributes: dash({ 'sec-fetch-mode': 'navigate' }, { target: `/x?${'a'.repeat(2045)}` }) }));
    expect(new URL(header(a, 'location')!).searchParams.get('rd')).toHaveLength('https://grafana.example.com'.length + 2048);
  });

  it('a deny is never a redirect, even for a navigation', () => {
    const a = responder.respond(verdict('policy_deny', { requirement: need({ deny: true, denyMessage: 'no' }), attributes: dash({ 'sec-fetch-mode': 'navigate' }) }));
    expect(a.status).toBe(403);
    expect(JSON.parse(a.body)).toEqual({ reason: 'policy_deny', message: 'no' });
  });
});

describe('Responder: an allow', () => {
  it('sets the identity headers, removes only the client-sent x-stepgate-* it does not set', () => {
    const req = attrs({ headers: { 'x-stepgate-level': 'aal3', 'x-stepgate-groups': 'admins' }, spoofed: ['x-stepgate-level', 'x-stepgate-groups'] });
    const a = responder.respond(verdict('allowed', { identity: alice, attributes: req }));
    expect(a).toMatchObject({ allow: true, status: 200, grpcCode: 0, body: '' });
    expect(a.headers).toEqual(alice.upstreamHeaders);
    expect(a.removeHeaders).toEqual(['x-stepgate-groups']);
    expect(a.metadata).toEqual({ decision: 'allow', reason: 'allowed', rules: 'secrets', level: 'aal1', subject: 'alice@example.com', token_cache: 'miss' });
  });

  it('cuts stepgate\'s cookies out of the Cookie header, and drops the header when nothing is left', () => {
    const some = responder.respond(verdict('allowed', { identity: alice, attributes: attrs({ headers: { cookie: 'a=1; stepgate_session=x; b=2' } }) }));
    expect(header(some, 'cookie')).toBe('a=1; b=2');
    expect(some.removeHeaders).not.toContain('cookie');
    const none = responder.respond(verdict('allowed', { identity: alice, attributes: attrs({ headers: { cookie: 'stepgate_session=x' } }) }));
    expect(header(none, 'cookie')).toBeUndefined();
    expect(none.removeHeaders).toContain('cookie');
    const untouched = responder.respond(verdict('allowed', { identity: alice, attributes: attrs({ headers: { cookie: 'a=1' } }) }));
    expect(untouched.headers).toEqual(alice.upstreamHeaders);
    expect(untouched.removeHeaders).toEqual([]);
  });
});
