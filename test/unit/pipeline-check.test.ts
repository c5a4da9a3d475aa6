import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import type { Identity } from '../../src/core/identity.js';
import { check, type Checked } from '../../src/pipeline/check.js';
import { judge } from '../../src/pipeline/evaluate.js';
import { buildRuntime, type Runtime } from '../../src/pipeline/runtime.js';
import type { Requirement } from '../../src/policy/policy.js';
import type { RawRequest } from '../../src/request/attributes.js';
import { HMAC_ISSUER, HMAC_SECRET, testConfig } from '../support/config.js';
import { PINNED } from '../support/guardrails.js';
import { RequestHeaders } from '../../src/request/headers.js';

/**
 * The one check() every adapter and explain call, on its own: a RawRequest in, verdict and answer
 * out. No network (the fetch port throws), an injected clock moved by hand instead of sleeps, and
 * tokens from the HMAC issuer so nothing is fetched to verify them.
 */

const T0 = Date.parse('2026-03-02T10:00:00Z');
const S0 = Math.floor(T0 / 1000);
const GUARDRAILS = 'guardrails:\n  effects:\n    privileged_container: {require: aal3, max_age: 300}\n';

function runtime(extra = GUARDRAILS): { rt: Runtime; clock: { now: number }; fetches: string[] } {
  const clock = { now: T0 };
  const fetches: string[] = [];
  const rt = buildRuntime(testConfig('https://idp.invalid', extra), {
    fetch: (url) => {
      fetches.push(String(url));
      return Promise.reject(new Error('no network in a unit test'));
    },
    now: () => clock.now,
    env: { TEST_HMAC_SECRET: HMAC_SECRET },
  });
  return { rt, clock, fetches };
}

async function token(claims: Record<string, unknown>, exp = S0 + 3600): Promise<string> {
  return new SignJWT({ sub: 'alice@example.com', auth_time: S0 - 10, groups: ['engineers'], ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(HMAC_ISSUER)
    .setAudience('kubernetes')
    .setIssuedAt(S0 - 10)
    .setExpirationTime(exp)
    .sign(new TextEncoder().encode(HMAC_SECRET));
}

function raw(o: { method?: string; target: string; host?: string; headers?: Record<string, string>; body?: string; truncated?: boolean; context?: Record<string, string> }): RawRequest {
  const host = o.host ?? 'kube.example.com';
  return {
    method: o.method ?? 'GET',
    target: o.target,
    authority: host,
    scheme: 'https',
    headers: RequestHeaders.of(Object.entries({ accept: 'application/json', ...o.headers })),
    sourceAddress: '10.1.2.3',
    sourcePrincipal: '',
    contextExtensions: o.context ?? {},
    body: o.body,
    bodyTruncated: o.truncated ?? false,
  };
}

async function run(rt: Runtime, r: RawRequest, spoofed: readonly string[] = []): Promise<Checked> {
  return check(rt, { ok: true, raw: r, spoofed });
}

const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
const json = { 'content-type': 'application/json' };
const privilegedPod = JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' }, spec: { containers: [{ name: 'app', image: PINNED, securityContext: { privileged: true } }] } });

describe('check(): parse failures', () => {
  it('an adapter\'s parse failure is a denial with its reason, answered by the one responder', async () => {
    const { rt } = runtime();
    for (const [reason, status] of [['request_invalid', 400], ['header_too_large', 431]] as const) {
      const c = await check(rt, { ok: false, reason, detail: 'from the adapter' });
      expect(c.verdict).toMatchObject({ allow: false, reason, detail: 'from the adapter', requirement: undefined, identity: undefined });
      expect(c.answer).toMatchObject({ allow: false, status });
      expect(JSON.parse(c.answer.body)).toMatchObject({ reason });
    }
  });

  it('a request the attribute builder refuses is request_invalid, not evaluated', async () => {
    const { rt } = runtime();
    const c = await run(rt, raw({ target: 'api/v1/pods', headers: bearer(await token({ acr: 'urn:stepgate:aal3' })) }));
    expect(c.verdict).toMatchObject({ allow: false, reason: 'request_invalid', identity: undefined });
    expect(c.answer.status).toBe(400);
  });
});

describe('check(): credentials and requirements', () => {
  it('no credential: 401 with the bare realm, and the requirement the request would need', async () => {
    const { rt } = runtime();
    const c = await run(rt, raw({ target: '/api/v1/namespaces/prod/secrets/db' }));
    expect(c.verdict.reason).toBe('token_missing');
    expect(c.verdict.requirement).toMatchObject({ level: rt.assurance.names.indexOf('aal2'), maxAge: 900, rules: ['secrets'] });
    expect(c.answer.status).toBe(401);
    expect(c.answer.headers).toContainEqual(['www-authenticate', 'Bearer realm="stepgate"']);
  });

  it('a token one level short gets the RFC 9470 challenge naming the level and max_age', async () => {
    const { rt } = runtime();
    const c = await run(rt, raw({ target: '/api/v1/namespaces/prod/secrets/db', headers: bearer(await token({ acr: 'urn:stepgate:aal1' })) }));
    expect(c.verdict).toMatchObject({ allow: false, reason: 'acr_insufficient' });
    const www = c.answer.headers.find(([k]) => k === 'www-authenticate')?.[1];
    expect(www).toBe('Bearer realm="stepgate", error="insufficient_user_authentication", error_description="This request needs a stronger authentication than the one presented.", acr_values="urn:stepgate:aal2 2", max_age=900');
  });

  it('the injected clock decides freshness: allowed at 900 s, auth_too_old at 901 s, no sleep', async () => {
    const { rt, clock } = runtime();
    const t = await token({ acr: 'urn:stepgate:aal2', auth_time: S0 });
    const req = raw({ target: '/api/v1/namespaces/prod/secrets/db', headers: bearer(t) });
    clock.now = T0 + 900_000;
    expect((await run(rt, req)).verdict.reason).toBe('allowed');
    clock.now = T0 + 901_000;
    const late = await run(rt, req);
    expect(late.verdict.reason).toBe('auth_too_old');
    expect(late.answer.headers.find(([k]) => k === 'www-authenticate')?.[1]).toContain('max_age=900');
  });

  it('the injected clock decides expiry, on the cached path too', async () => {
    const { rt, clock } = runtime();
    const t = await token({ acr: 'urn:stepgate:aal2' }, S0 + 60);
    const req = raw({ target: '/api/v1/namespaces/dev/pods', headers: bearer(t) });
    expect((await run(rt, req)).verdict.reason).toBe('allowed');
    // Second time: the cache answers, synchronously (no Promise, no event-loop turn).
    const cached = check(rt, { ok: true, raw: req, spoofed: [] });
    expect(cached).not.toBeInstanceOf(Promise);
    expect((cached as Checked).verdict.tokenCached).toBe(true);
    clock.now = T0 + 120_000;
    expect((await run(rt, req)).verdict.reason).toBe('token_expired');
  });

  it('a token without auth_time cannot meet a max_age', async () => {
    const { rt } = runtime();
    const c = await run(rt, raw({ target: '/api/v1/namespaces/prod/secrets/db', headers: bearer(await token({ acr: 'urn:stepgate:aal2', auth_time: undefined })) }));
    expect(c.verdict.reason).toBe('auth_time_missing');
  });

  it('a deny rule wins over any level: 403 with the rule\'s message, and no step-up offered', async () => {
    const { rt } = runtime();
    const c = await run(rt, raw({ target: '/api/v1/nodes/n1/proxy/metrics', headers: bearer(await token({ acr: 'urn:stepgate:aal3' })) }));
    expect(c.verdict).toMatchObject({ allow: false, reason: 'policy_deny' });
    expect(c.answer.status).toBe(403);
    expect(JSON.parse(c.answer.body).stepgate).toMatchObject({ reason: 'policy_deny', message: 'nodes/proxy is not available through the gateway' });
  });

  it('garbage and a foreign issuer are told apart, and nothing is fetched to learn it', async () => {
    const { rt, fetches } = runtime();
    expect((await run(rt, raw({ target: '/api/v1/pods', headers: bearer('garbage') }))).verdict.reason).toBe('token_malformed');
    const foreign = await new SignJWT({ sub: 'x', acr: 'urn:stepgate:aal3' }).setProtectedHeader({ alg: 'HS256' }).setIssuer('https://evil.example.com').setAudience('kubernetes').setExpirationTime(S0 + 60).sign(new TextEncoder().encode(HMAC_SECRET));
    expect((await run(rt, raw({ target: '/api/v1/pods', headers: bearer(foreign) }))).verdict.reason).toBe('issuer_unknown');
    const forged = (await token({ acr: 'urn:stepgate:aal1' })).slice(0, -4) + 'AAAA';
    expect((await run(rt, raw({ target: '/api/v1/pods', headers: bearer(forged) }))).verdict.reason).toBe('token_invalid');
    expect(fetches).toEqual([]);
  });
});

describe('check(): guardrails and what reaches the upstream', () => {
  it('a privileged pod needs the guardrail\'s level even before a token is shown', async () => {
    const { rt } = runtime();
    const c = await run(rt, raw({ method: 'POST', target: '/api/v1/namespaces/dev/pods', headers: json, body: privilegedPod }));
    expect(c.verdict.reason).toBe('token_missing');
    expect(c.verdict.requirement).toMatchObject({ level: rt.assurance.names.indexOf('aal3'), maxAge: 300 });
    expect(c.verdict.requirement?.rules).toContain('guardrail:privileged_container');
  });

  it('a truncated body is never judged safe: the guardrail for an unreadable body applies', async () => {
    const { rt } = runtime();
    const t = await token({ acr: 'urn:stepgate:aal2' });
    const whole = await run(rt, raw({ method: 'POST', target: '/api/v1/namespaces/dev/pods', headers: { ...json, ...bearer(t) }, body: privilegedPod.replace('true', 'false') }));
    expect(whole.verdict.reason).toBe('allowed');
    const cut = await run(rt, raw({ method: 'POST', target: '/api/v1/namespaces/dev/pods', headers: { ...json, ...bearer(t) }, body: undefined, truncated: true }));
    expect(cut.verdict.guardrails?.result.unreadable).toBe('body_truncated');
  });

  it('an allow sets the identity headers and strips client-sent x-stepgate-* it does not set', async () => {
    const { rt } = runtime();
    const c = await run(rt, raw({ target: '/api/v1/pods', headers: { ...bearer(await token({ acr: 'urn:stepgate:aal2' })), 'x-stepgate-level': 'aal3', 'x-stepgate-admin': '1' } }), ['x-stepgate-level', 'x-stepgate-admin']);
    expect(c.verdict.allow).toBe(true);
    expect(c.answer.headers).toContainEqual(['x-stepgate-level', 'aal2']);
    expect(c.answer.headers).toContainEqual(['x-stepgate-subject', 'alice@example.com']);
    // Our own name is overwritten, never removed (Envoy removes after it sets).
    expect(c.answer.removeHeaders).toEqual(['x-stepgate-admin']);
  });

  it('a context_extensions tag selects its rule', async () => {
    const { rt } = runtime();
    const t = await token({ acr: 'urn:stepgate:aal2' });
    expect((await run(rt, raw({ host: 'grafana.example.com', target: '/billing', headers: bearer(t) }))).verdict.reason).toBe('allowed');
    const tagged = await run(rt, raw({ host: 'grafana.example.com', target: '/billing', headers: bearer(t), context: { 'stepgate.app': 'billing' } }));
    expect(tagged.verdict).toMatchObject({ reason: 'acr_insufficient', requirement: { rules: ['tagged-billing'] } });
  });
});

describe('judge(): the assurance decision at its boundaries', () => {
  const { rt } = runtime();
  const aal2 = rt.assurance.names.indexOf('aal2');
  const who = (o: Partial<Identity>): Identity => ({ subject: 'alice', issuer: HMAC_ISSUER, level: aal2, levelName: 'aal2', groups: [], amr: [], upstreamHeaders: [], source: 'token', ...o }) as Identity;
  const need = (o: Partial<Requirement>): Requirement => ({ level: aal2, deny: false, rules: ['r'], ...o }) as Requirement;
  const nowMs = T0;

  it.each([
    ['level met, no max_age', need({}), who({}), 'allowed'],
    ['level one short', need({ level: aal2 + 1 }), who({}), 'acr_insufficient'],
    ['deny', need({ deny: true }), who({}), 'policy_deny'],
    ['age exactly max_age', need({ maxAge: 60 }), who({ authTime: S0 - 60 }), 'allowed'],
    ['age one past max_age', need({ maxAge: 60 }), who({ authTime: S0 - 61 }), 'auth_too_old'],
    ['no auth_time under a max_age', need({ maxAge: 60 }), who({ authTime: undefined }), 'auth_time_missing'],
    ['auth_time within the clock tolerance ahead', need({ maxAge: 60 }), who({ authTime: S0 + 300 }), 'allowed'],
    ['auth_time beyond any tolerance ahead', need({ maxAge: 60 }), who({ authTime: S0 + 301 }), 'token_not_yet_valid'],
    ['authenticated before the context change', need({ authAfter: S0 - 5 }), who({ authTime: S0 - 6 }), 'auth_too_old'],
    ['authenticated after the context change', need({ authAfter: S0 - 5 }), who({ authTime: S0 - 5 }), 'allowed'],
  ] as const)('%s → %s', (_name, n, w, reason) => {
    const v = judge(n, w, nowMs, undefined, false, rt);
    expect(v.reason).toBe(reason);
    expect(v.allow).toBe(reason === 'allowed');
  });
});
