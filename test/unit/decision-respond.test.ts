import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { compileAssurance } from '../../src/core/assurance.js';
import { compileHostMatcher } from '../../src/core/glob.js';
import type { Identity } from '../../src/core/identity.js';
import { REASONS, reasonKind, reasonMessage, type ReasonCode } from '../../src/core/reasons.js';
import { clientKind, Responder, warningHeader } from '../../src/decision/respond.js';
import type { Verdict } from '../../src/decision/verdict.js';
import type { Requirement } from '../../src/policy/policy.js';
import type { RequestAttributes } from '../../src/request/attributes.js';
import { buildAttributes } from '../../src/request/build.js';
import { testConfig } from '../support/config.js';
import type { Config } from '../../src/config/schema.js';
import { RequestHeaders } from '../../src/request/headers.js';

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
      headers: RequestHeaders.of(Object.entries(o.headers ?? {})),
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
    expect(Object.fromEntries(loc.searchParams)).toEqual({ level: 'aal2', max_age: '900', reason: 'token_missing', rd: 'https://grafana.example.com/admin/users?tab=1', rules: 'secrets' });
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

describe("Responder: the line kubectl prints for a step-up", () => {
  // Descriptions as operators write them: a phrase, a sentence with its own semicolons and stop.
  const described: Config = {
    ...config,
    assurance: { ...config.assurance, levels: config.assurance.levels.map((l) => (l.name === 'aal2' ? { ...l, description: 'two factors.' } : l)) },
    policy: {
      ...config.policy,
      rules: config.policy.rules.map((r) =>
        r.name === 'secrets'
          ? { ...r, description: 'Secrets need two factors; within 8 h when quiet, 15 min when elevated.' }
          : r.name === 'prod-writes'
            ? { ...r, description: 'any write in a production namespace' }
            : r,
      ),
    },
  };
  const message = (v: Verdict, r = new Responder(described, assurance)) => (JSON.parse(r.respond(v).body) as { message: string }).message;
  const at9 = Date.UTC(2026, 11, 4, 9, 12, 3) / 1000;
  const aal2At9: Identity = { ...alice, acr: 'urn:stepgate:aal2', amr: ['mfa'], level: AAL2, levelName: 'aal2', authTime: at9 };

  it('names the request, what it needs, what the token has, then each rule in a sentence of its own', () => {
    const v = verdict('auth_too_old', { identity: aal2At9, tokenCached: true, requirement: need({ rules: ['secrets', 'prod-writes', 'default'] }) });
    expect(message(v)).toBe(
      'stepgate: step-up needed for get secrets db in namespace prod: sign in again at level aal2 (two factors), within the last 15 min; ' +
        'your sign-in is from 2026-12-04T09:12:03Z (auth_too_old). ' +
        'Rule secrets: Secrets need two factors; within 8 h when quiet, 15 min when elevated. Rule prod-writes: any write in a production namespace. ' +
        config.kubernetes.step_up_hint.replaceAll('{level}', 'aal2').replaceAll('{max_age}', '900'),
    );
  });

  it("spells the request as kubectl does: the group, the subresource, every namespace, a path that is no resource", () => {
    const words = (method: string, target: string) => message(verdict('acr_insufficient', { identity: alice, attributes: attrs({ method, target }) })).split(':')[1];
    expect(words('DELETE', '/apis/apps/v1/namespaces/prod-eu/deployments/cart-api')).toBe(' step-up needed for delete deployments.apps cart-api in namespace prod-eu');
    expect(words('POST', '/api/v1/namespaces/prod/pods/web-0/exec?command=sh')).toBe(' step-up needed for create pods/exec web-0 in namespace prod');
    expect(words('GET', '/api/v1/secrets')).toBe(' step-up needed for list secrets in all namespaces');
    expect(words('GET', '/api/v1/namespaces')).toBe(' step-up needed for list namespaces');
    expect(words('GET', '/api/v1/nodes')).toBe(' step-up needed for list nodes');
    expect(words('GET', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings?watch=1')).toBe(' step-up needed for watch clusterrolebindings.rbac.authorization.k8s.io');
    expect(words('GET', '/apis/networking.k8s.io/v1/networkpolicies')).toBe(' step-up needed for list networkpolicies.networking.k8s.io in all namespaces');
    // A custom resource may be cluster-scoped: its list is not said to span namespaces.
    expect(words('GET', '/apis/cert-manager.io/v1/clusterissuers')).toBe(' step-up needed for list clusterissuers.cert-manager.io');
    expect(words('PATCH', '/api/v1/namespaces/kube-public')).toBe(' step-up needed for patch namespaces kube-public');
    expect(words('PUT', '/api/v1/namespaces/pr-7/finalize')).toBe(' step-up needed for update namespaces/finalize pr-7');
    expect(words('PATCH', '/apis/apps/v1/namespaces/prod/deployments/x/scale')).toBe(' step-up needed for patch deployments.apps/scale x in namespace prod');
    expect(words('GET', '/logs/kube-apiserver.log')).toBe(' step-up needed for get /logs/kube-apiserver.log');
  });

  it('says when a change of context is the reason: the sign-in must come after it', () => {
    const context = { authAfter: at9 + 3600, code: 'new_network' as const, reason: 'new network 203.0.113.0/24 since 10:12:03Z', summary: 'new network since 10:12:03Z' };
    const risk = { score: 55, band: 'elevated', contributions: [{ code: 'path_sensitive' as const, weight: 30, detail: '' }, { code: 'new_network' as const, weight: 25, detail: '' }], denies: false, degraded: false, learned: false, clientIp: '203.0.113.9', context };
    const v = verdict('auth_too_old', { identity: aal2At9, tokenCached: true, risk, requirement: need({ maxAge: 0, authAfter: at9 + 3600, rules: ['secrets', 'risk:elevated', 'risk:context'] }) });
    expect(message(v)).toContain(
      ': sign in again at level aal2 (two factors), made after 10:12:03Z; your sign-in is from 2026-12-04T09:12:03Z (auth_too_old). New network since 10:12:03Z; sign in again. Rule secrets: Secrets need two factors; within 8 h when quiet, 15 min when elevated. Risk 55 (elevated): path_sensitive, new_network. ',
    );
  });

  it('a kept denial is never another token’s or another request’s: the sign-in time and the request are part of its key', () => {
    const r = new Responder(described, assurance);
    const first = verdict('auth_too_old', { identity: aal2At9, tokenCached: true });
    expect(message(first, r)).toContain('your sign-in is from 2026-12-04T09:12:03Z');
    // The same subject and level with a later sign-in, still too old for the same rule.
    const later = { ...aal2At9, authTime: at9 + 60 };
    expect(message(verdict('auth_too_old', { identity: later, tokenCached: true }), r)).toContain('your sign-in is from 2026-12-04T09:13:03Z');
    // Same target, another method (the step-up URL, part of the key, does not tell them apart).
    expect(message(verdict('auth_too_old', { identity: aal2At9, tokenCached: true, attributes: attrs({ method: 'DELETE' }) }), r)).toContain('for delete secrets db in namespace prod:');
    // Without a step-up URL, the target is the key's own.
    const bare = new Responder({ ...described, stepup: { ...described.stepup, url: undefined } } as Config, assurance);
    expect(message(verdict('auth_too_old', { identity: aal2At9, tokenCached: true }), bare)).toContain('for get secrets db in namespace prod:');
    expect(message(verdict('auth_too_old', { identity: aal2At9, tokenCached: true, attributes: attrs({ target: '/api/v1/namespaces/prod/secrets/other' }) }), bare)).toContain('for get secrets other in namespace prod:');
    expect(bare.denialLookups.hits + r.denialLookups.hits).toBe(0);
    // The same request again is the kept answer.
    expect(message(first, r)).toContain('your sign-in is from 2026-12-04T09:12:03Z');
    expect(r.denialLookups.hits).toBe(1);
  });
});

describe('Responder: a context on a refusal', () => {
  it("says 'refused', not 'sign in again', when the answer refuses whatever the sign-in", () => {
    const context = { authAfter: 1_000, code: 'new_network' as const, reason: 'new network 203.0.113.0/24 since 00:16:40Z', summary: 'new network since 00:16:40Z' };
    const risk = { score: 95, band: 'critical', contributions: [{ code: 'new_network' as const, weight: 25, detail: '' }], denies: true, degraded: false, learned: false, clientIp: '203.0.113.9', context };
    const body = (reason: ReasonCode) => JSON.parse(new Responder(config, assurance).respond(verdict(reason, { identity: alice, tokenCached: true, risk, requirement: need({ deny: true }) })).body) as { message: string; stepgate: { risk: { context: { message: string } } } };
    const denied = body('risk_deny');
    expect(denied.stepgate.risk.context.message).toBe('new network since 00:16:40Z; refused');
    expect(denied.message).toContain('new network since 00:16:40Z; refused)');
    // The same context on a step-up: the sign-in is what it asks for.
    const asked = JSON.parse(new Responder(config, assurance).respond(verdict('auth_too_old', { identity: alice, tokenCached: true, risk: { ...risk, band: 'elevated', denies: false }, requirement: need({ authAfter: 1_000 }) })).body) as { stepgate: { risk: { context: { message: string } } } };
    expect(asked.stepgate.risk.context.message).toBe('new network since 00:16:40Z; sign in again');
  });
});

/**
 * client-go reads discovery, /version and /openapi answers with Result.Raw(), which
 * never decodes a Status: the message is the body only when it is text/*, and for a 401, 400 or
 * 431 not even then (apimachinery NewGenericServerResponse). test/e2e/kubectl.test.ts has what
 * real kubectl prints for each.
 */
describe('Responder: refusals a Kubernetes client reads raw', () => {
  const statusOf = (body: string) => (JSON.parse(body) as { message: string }).message;

  it('a 403 on discovery (/api, /apis, /version, /openapi/v2, /openapi/v3…) is the Status message as text/plain', () => {
    for (const target of ['/api', '/apis', '/apis/', '/version', '/openapi/v2', '/openapi/v3', '/openapi/v3/apis/apps/v1']) {
      const v = verdict('policy_deny', { attributes: attrs({ target }), requirement: need({ deny: true, denyMessage: 'the cluster is frozen; ask #platform' }) });
      const a = responder.respond(v);
      expect(a.status, target).toBe(403);
      expect(header(a, 'content-type'), target).toBe('text/plain; charset=utf-8');
      expect(a.body, target).toBe('stepgate: the cluster is frozen; ask #platform (policy_deny)\n');
      expect(header(a, 'warning'), target).toBeUndefined();
      expect(header(a, 'cache-control')).toBe('no-store');
    }
  });

  it('what client-go decodes (Into, Stream: get --raw) keeps the Status: resources, group-version documents, other paths, writes, other clients', () => {
    for (const [method, target] of [['GET', '/api/v1'], ['GET', '/apis/apps/v1'], ['GET', '/apis/apps'], ['GET', '/api/v1/namespaces/prod/pods'], ['GET', '/healthz'], ['GET', '/metrics'], ['GET', '/'], ['GET', '/versions'], ['GET', '/openapi/v3x'], ['POST', '/api'], ['DELETE', '/version']] as const) {
      const a = responder.respond(verdict('policy_deny', { attributes: attrs({ method, target }), requirement: need({ deny: true }) }));
      expect(header(a, 'content-type'), `${method} ${target}`).toBe('application/json');
      expect((JSON.parse(a.body) as { kind: string }).kind).toBe('Status');
    }
    // A web host's /api is no Kubernetes request: its JSON object, as before.
    const web = responder.respond(verdict('policy_deny', { attributes: attrs({ host: 'grafana.example.com', target: '/api' }), requirement: need({ deny: true }) }));
    expect(header(web, 'content-type')).toBe('application/json');
    expect(JSON.parse(web.body)).toMatchObject({ reason: 'policy_deny' });
  });

  it('a 5xx on discovery is text too (kubectl quotes it in "an error on the server (…)")', () => {
    const a = responder.respond(verdict('jwks_unavailable', { attributes: attrs({ target: '/apis' }) }));
    expect(a.status).toBe(503);
    expect(header(a, 'content-type')).toBe('text/plain; charset=utf-8');
    expect(a.body).toBe(`stepgate: ${reasonMessage('jwks_unavailable')} (jwks_unavailable)\n`);
  });

  it('a 401 on discovery keeps its RFC 9470 challenge and JSON body, and carries the message as a Warning: 299 header', () => {
    const v = verdict('acr_insufficient', { attributes: attrs({ target: '/api' }), identity: alice, requirement: need({ rules: ['discovery'] }) });
    const a = responder.respond(v);
    expect(a.status).toBe(401);
    expect(header(a, 'www-authenticate')).toBe(responder.wwwAuthenticate(v));
    expect(header(a, 'www-authenticate')).toContain('error="insufficient_user_authentication"');
    expect(header(a, 'content-type')).toBe('application/json');
    const message = statusOf(a.body);
    expect(message).toMatch(/^stepgate: step-up needed for get \/api: sign in at level aal2/);
    expect(header(a, 'warning')).toBe(`299 stepgate "${message}"`);
    // The same request on a resource path: the Status alone, which kubectl prints.
    const resource = responder.respond({ ...v, attributes: attrs() });
    expect(header(resource, 'warning')).toBeUndefined();
  });

  it('a 400 or 431 on discovery: a Warning (client-go prints a fixed sentence for those codes)', () => {
    for (const reason of ['request_invalid', 'header_too_large'] as const) {
      const a = responder.respond(verdict(reason, { attributes: attrs({ target: '/apis' }) }));
      expect(header(a, 'content-type')).toBe('application/json');
      expect(header(a, 'warning')).toBe(`299 stepgate "stepgate: ${reasonMessage(reason)} (${reason})"`);
    }
  });

  it('the Warning is what client-go parses: quotes and backslashes escaped, control characters gone, non-ASCII as an RFC 2047 word', () => {
    expect(warningHeader('say "hi" \\ bye')).toBe('299 stepgate "say \\"hi\\" \\\\ bye"');
    expect(warningHeader('two\nlines\r\n')).toBe('299 stepgate "two lines "');
    const word = /^299 stepgate "=\?UTF-8\?B\?([A-Za-z0-9+/=]+)\?="$/.exec(warningHeader('within 8 h … “now”'));
    expect(word).not.toBeNull();
    expect(Buffer.from(word![1]!, 'base64').toString('utf8')).toBe('within 8 h … “now”');
  });

  it('a refusal before the request had attributes (kubernetes_host_unlisted) is answered for the Kubernetes client the pipeline saw', () => {
    const text = responder.respond(verdict('kubernetes_host_unlisted', { attributes: undefined, requirement: undefined, kubeReader: 'text' }));
    expect(header(text, 'content-type')).toBe('text/plain; charset=utf-8');
    expect(text.body).toBe(`stepgate: ${reasonMessage('kubernetes_host_unlisted')} (kubernetes_host_unlisted)\n`);
    const status = responder.respond(verdict('kubernetes_host_unlisted', { attributes: undefined, requirement: undefined, kubeReader: 'status' }));
    expect(JSON.parse(status.body)).toMatchObject({ kind: 'Status', code: 403, reason: 'Forbidden', message: `stepgate: ${reasonMessage('kubernetes_host_unlisted')} (kubernetes_host_unlisted)` });
    const web = responder.respond(verdict('kubernetes_host_unlisted', { attributes: undefined, requirement: undefined }));
    expect(JSON.parse(web.body)).toEqual({ reason: 'kubernetes_host_unlisted', message: reasonMessage('kubernetes_host_unlisted') });
  });
});
