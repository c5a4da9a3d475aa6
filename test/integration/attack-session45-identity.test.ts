import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AMR, builtServerForFile, freshSubjects, KUBE, officeRound, reason } from '../support/built-server.js';
import { http, pageCode, type HttpResult } from '../support/stepup.js';

/**
 * Session 45's identity round (redteam45a) against the built server: the example policy as it
 * ships, with stepgate's step-up listener on, incident mode (the admin API, revocations) and a
 * Shared Signals receiver with one transmitter. What is attacked is what stands before the
 * Kubernetes decision and that the earlier rounds left: who may call the admin API and with what
 * (token kinds, group and level spellings, paths, methods, bodies), what a transmitter may name in
 * a Security Event Token, the kubectl plugin's challenge endpoint, and the step-up links' return
 * targets, and the bearer token's place and spelling on the Check. Five were wrong before this
 * session: a transmitter bound to the people's IdP (subject_issuer) revoked a cluster service
 * account or another tenant's user named by iss_sub (202), and a session it named by sid at every
 * issuer (the cluster's workload with that sid too), a revoked token still read its
 * challenges and asks from /.stepgate/v1/challenge (200), an incident id with malformed
 * percent-encoding was answered 503 state_unavailable (a store failure that was none), and two
 * tokens in one admin Authorization header were `unauthenticated` rather than `token_malformed`.
 * A sixth, an email-format SET subject for a person whose sub is an opaque id (202, nobody signed
 * out), was left `it.fails` and is refused since wave 2 (cmd45: 400 unless
 * incident.shared_signals.email_claim says the address is the subject stepgate names people by).
 * Rows that held are kept as regression rows with the exact answer.
 */

const SSF_AUDIENCE = 'https://stepgate.example.com/.stepgate/ssf/events';
const SSF_AUTH = 'Bearer stream-secret-agreed-with-the-transmitter-45';
const TRANSMITTER = 'https://ssf.corp.test';
/** The example's second issuer: the cluster's service-account tokens (automation). */
const K8S = 'https://kubernetes.default.svc.cluster.local';

/** The transmitter's keys, published from a JWKS server on loopback; the attacker's never are. */
let tx: { privateKey: CryptoKey; jwk: JWK };
let attackerKey: { privateKey: CryptoKey; publicKey: CryptoKey };
let jwks: Server;
let jwksUrl = '';
/** Requests to a URL only an attacker's jku or x5u names. */
let attackerFetches = 0;

beforeAll(async () => {
  const kp = await generateKeyPair('ES256');
  tx = { privateKey: kp.privateKey, jwk: { ...(await exportJWK(kp.publicKey)), kid: 'tx-1', alg: 'ES256', use: 'sig' } };
  attackerKey = await generateKeyPair('ES256');
  jwks = createServer((req, res) => {
    if (req.url !== '/jwks') attackerFetches++;
    res.writeHead(200, { 'content-type': 'application/json' }).end(req.url === '/jwks' ? JSON.stringify({ keys: [tx.jwk] }) : '{"keys":[]}');
  });
  await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
  jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}`;
});

afterAll(async () => {
  jwks?.closeAllConnections();
  await new Promise<void>((r) => (jwks ? jwks.close(() => r()) : r()));
});

const ISSUER_LINE = /issuer: (http:\/\/127\.0\.0\.1:\d+)\n/;

const server = builtServerForFile(
  'session45',
  (yaml) => {
    const issuer = ISSUER_LINE.exec(yaml)![1]!;
    return yaml
      .replace(
        'stepup:\n',
        `stepup:\n  oidc: { issuer: ${issuer}, client_id: stepgate, client_secret_env: SG_CLIENT_SECRET, redirect_uri: http://auth.localhost/.stepgate/callback, allow_insecure_http: true }\n  session: { keys_env: SG_SESSION_KEYS }\n`,
      )
      .concat(
        [
          'incident:',
          '  admin:',
          `    issuers: [${issuer}]`,
          '    groups: [sre-oncall]',
          '    require: aal2',
          '    max_age: 900',
          '  shared_signals:',
          `    audience: ${SSF_AUDIENCE}`,
          '    authorization_env: SG_SSF_AUTH',
          '    transmitters:',
          `      - issuer: ${TRANSMITTER}`,
          `        jwks_uri: ${jwksUrl}/jwks`,
          '        algorithms: [ES256]',
          `        subject_issuer: ${issuer}`,
          '',
        ].join('\n'),
      );
  },
  {
    STEPGATE_HTTP_LISTEN: '127.0.0.1:0',
    SG_CLIENT_SECRET: 'session45-client-secret',
    SG_SESSION_KEYS: `k1:${Buffer.alloc(32, 45).toString('base64url')}`,
    SG_SSF_AUTH: SSF_AUTH,
  },
);
const subjects = freshSubjects(() => server().issuer, 'session45');
const { signedIn, send } = officeRound(server, subjects);
const now = () => Math.floor(Date.now() / 1000);
const ADMIN = '/.stepgate/admin/v1';

/** An admin's token: the admin group, two factors a minute ago, with claims and header overridden. */
async function adminToken(claims: JWTPayload = {}, header: Record<string, unknown> = {}): Promise<string> {
  const sub = subjects.subject();
  return server().issuer.token({ sub, email: sub, groups: ['sre-oncall'], acr: 'urn:stepgate:aal2', amr: AMR.aal2, auth_time: now() - 60, ...claims }, { header });
}

function call(path: string, o: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<HttpResult> {
  return http(`${server().stepup!}${path}`, o);
}

const json = (r: HttpResult) => JSON.parse(r.body) as Record<string, unknown>;

/** The revocations in force, as a genuine admin lists them. */
async function revocations(): Promise<{ subject?: string; issuer?: string; session?: string }[]> {
  const r = await call(`${ADMIN}/revocations`, { headers: { authorization: `Bearer ${await adminToken()}` } });
  expect(r.status).toBe(200);
  return json(r).revocations as { subject?: string; issuer?: string }[];
}

/** A revocation body for a fresh subject (nobody's), so a row that wrongly acts is seen. */
const revokeBody = (subject: string) => JSON.stringify({ kind: 'subject', subject, reason: 'session45 row' });

describe('admin API: a caller without a usable bearer token changes nothing', () => {
  const routes: [string, string][] = [
    ['GET', '/incidents'],
    ['POST', '/incidents'],
    ['DELETE', '/incidents/inc-00000000'],
    ['GET', '/revocations'],
    ['POST', '/revocations'],
  ];
  const credentials: [string, (t: string) => { headers: Record<string, string>; query?: string }, string][] = [
    ['no Authorization', () => ({ headers: {} }), 'unauthenticated'],
    ['HTTP Basic of the token', (t) => ({ headers: { authorization: `Basic ${Buffer.from(`admin:${t}`).toString('base64')}` } }), 'unauthenticated'],
    ['the token in the query string', (t) => ({ headers: {}, query: `?access_token=${t}` }), 'unauthenticated'],
    ['the token as a cookie', (t) => ({ headers: { cookie: `stepgate_session=${t}; access_token=${t}` } }), 'unauthenticated'],
    ['the token under another scheme (DPoP)', (t) => ({ headers: { authorization: `DPoP ${t}` } }), 'unauthenticated'],
    ['two tokens in one Authorization', (t) => ({ headers: { authorization: `Bearer ${t}, Bearer ${t}` } }), 'token_malformed'],
    ['Bearer with a tab before the token', (t) => ({ headers: { authorization: `Bearer\t${t}` } }), 'unauthenticated'],
  ];
  it.each(credentials)('%s: 401 on every route, with WWW-Authenticate', async (_what, make, code) => {
    const t = await adminToken();
    const victim = subjects.subject();
    for (const [method, path] of routes) {
      const c = make(t);
      const r = await call(`${ADMIN}${path}${c.query ?? ''}`, { method, headers: { ...c.headers, 'content-type': 'application/json' }, body: method === 'POST' ? revokeBody(victim) : undefined });
      expect(r.status, `${method} ${path}`).toBe(401);
      expect(json(r).code, `${method} ${path}`).toBe(code);
      expect(r.headers['www-authenticate']).toMatch(/^Bearer realm="stepgate-admin"/);
    }
    expect((await revocations()).map((x) => x.subject)).not.toContain(victim);
  });
});

describe('admin API: tokens of the admin group that prove no admin sign-in', () => {
  it.each<[string, () => Promise<string>, number, string]>([
    ['a back-channel logout token (typ logout+jwt)', () => adminToken({}, { typ: 'logout+jwt' }), 401, 'token_invalid'],
    ["a Keycloak refresh token (claim typ Refresh)", () => adminToken({ typ: 'Refresh' }), 401, 'token_invalid'],
    ['a DPoP-bound access token without its proof (cnf.jkt; the admin API reads no DPoP proof)', () => adminToken({ cnf: { jkt: '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I' } }, { typ: 'at+jwt' }), 401, 'dpop_proof_missing'],
    ['a security event token of the IdP (events claim)', () => adminToken({ events: { 'https://schemas.openid.net/secevent/risc/event-type/account-disabled': {} } }), 401, 'token_invalid'],
    ['a token for another service (aud grafana)', () => adminToken({ aud: 'grafana' }), 401, 'audience_mismatch'],
    ['an expired token', () => adminToken({ exp: now() - 3600 }), 401, 'token_expired'],
    ['a token issued an hour ahead', () => adminToken({ iat: now() + 3600 }), 401, 'token_not_yet_valid'],
    ['alg none', async () => {
      const t = await adminToken();
      return `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${t.split('.')[1]}.`;
    }, 401, 'algorithm_forbidden'],
    ["an attacker's key embedded as jwk under the issuer's kid", async () => {
      const claims = JSON.parse(Buffer.from((await adminToken()).split('.')[1]!, 'base64url').toString()) as JWTPayload;
      const { privateKey, publicKey } = await generateKeyPair('RS256');
      return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'rs256-1', jwk: await exportJWK(publicKey) }).sign(privateKey);
    }, 401, 'token_invalid'],
    ["a token of the cluster's service-account issuer naming the admin group", () => adminToken({ iss: K8S, aud: [K8S] }), 403, 'admin_issuer'],
  ])('%s: refused with its code, and nothing is revoked', async (_what, make, status, code) => {
    const victim = subjects.subject();
    const r = await call(`${ADMIN}/revocations`, { method: 'POST', headers: { authorization: `Bearer ${await make()}`, 'content-type': 'application/json' }, body: revokeBody(victim) });
    expect(r.status).toBe(status);
    expect(json(r).code).toBe(code);
    expect((await revocations()).map((x) => x.subject)).not.toContain(victim);
  });

  it.each<[string, unknown]>([
    ['the group in other case', ['SRE-ONCALL']],
    ['the group with a trailing blank', ['sre-oncall ']],
    ['the group inside a nested list', [['sre-oncall']]],
    ['the group as an object key', { 'sre-oncall': true }],
    ['the group joined with another in one string', 'engineers,sre-oncall'],
    ['the group as a glob-looking string', ['sre-*']],
  ])('%s is no admin group: 403 admin_group', async (_what, groups) => {
    const r = await call(`${ADMIN}/revocations`, { headers: { authorization: `Bearer ${await adminToken({ groups: groups as never })}` } });
    expect(r.status).toBe(403);
    expect(json(r).code).toBe('admin_group');
  });

  it.each<[string, JWTPayload, string]>([
    ['one factor', { acr: 'urn:stepgate:aal1', amr: AMR.aal1 }, 'acr_insufficient'],
    ['two factors 20 minutes ago (max_age 900)', { auth_time: now() - 1200 }, 'auth_too_old'],
    ['two factors and no auth_time', { auth_time: undefined }, 'auth_time_missing'],
    ['two factors with amr "mfa" as a string', { acr: 'urn:stepgate:aal1', amr: 'mfa' as never }, 'acr_insufficient'],
    ['two factors whose auth_time is a minute ago but the token was issued an hour ago (auth_time capped at iat + 300 s)', { iat: now() - 3600, auth_time: now() - 60 }, 'auth_too_old'],
  ])('an admin signed in with %s: 401 %s with an RFC 9470 challenge', async (_what, claims, code) => {
    const r = await call(`${ADMIN}/revocations`, { headers: { authorization: `Bearer ${await adminToken(claims)}` } });
    expect(r.status).toBe(401);
    expect(json(r).code).toBe(code);
    expect(r.headers['www-authenticate']).toContain('insufficient_user_authentication');
  });

  it('control: the admin group, two factors a minute ago, lists the revocations', async () => {
    expect(Array.isArray(await revocations())).toBe(true);
  });
});

describe('admin API: paths, methods and bodies', () => {
  const as = async (path: string, o: { method?: string; headers?: Record<string, string>; body?: string } = {}) =>
    call(path, { ...o, headers: { authorization: `Bearer ${await adminToken()}`, ...o.headers } });

  it.each<[string, string]>([
    ['malformed percent-encoding', '%E0%A4%A'],
    ['a lone percent sign', '%'],
    ['an encoded slash and dot-dot', '..%2f..%2frevocations'],
    ['an encoded NUL', 'inc-%00'],
  ])('DELETE of an incident id with %s: 404 not_found, never a store failure', async (_what, id) => {
    const r = await as(`${ADMIN}/incidents/${id}`, { method: 'DELETE' });
    expect(r.status).toBe(404);
    expect(json(r).error).toBe('not_found');
  });

  it.each<[string, string]>([
    ['a doubled slash', `${ADMIN}//revocations`],
    ['a trailing slash', `${ADMIN}/revocations/`],
    ['another case', `${ADMIN}/Revocations`],
    ['an encoded slash in the collection', `${ADMIN}/revocations%2f`],
    ['a trailing dot', `${ADMIN}/revocations.`],
    ['an extra segment', `${ADMIN}/revocations/x/y`],
  ])('POST to %s: no revocation is written', async (_what, path) => {
    const victim = subjects.subject();
    const r = await as(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: revokeBody(victim) });
    expect(r.status).toBe(404);
    expect((await revocations()).map((x) => x.subject)).not.toContain(victim);
  });

  it.each(['PUT', 'PATCH', 'HEAD'])('%s /revocations: 405 with Allow, nothing written', async (method) => {
    const victim = subjects.subject();
    // A HEAD carries no body a client would send (Node's own client then misreads the answer).
    const r = await as(`${ADMIN}/revocations`, { method, headers: { 'content-type': 'application/json' }, body: method === 'HEAD' ? undefined : revokeBody(victim) });
    expect(r.status).toBe(405);
    expect(r.headers.allow).toBe('GET, POST');
    expect((await revocations()).map((x) => x.subject)).not.toContain(victim);
  });

  it.each<[string, Record<string, string>, string]>([
    ['text/plain (a cross-site form or fetch without preflight)', { 'content-type': 'text/plain' }, 'x'],
    ['application/x-www-form-urlencoded', { 'content-type': 'application/x-www-form-urlencoded' }, 'x'],
    ['application/json-patch+json', { 'content-type': 'application/json-patch+json' }, 'x'],
    ['no content type', {}, 'x'],
    ['17 KB of JSON', { 'content-type': 'application/json' }, 'pad'],
  ])('a revocation sent as %s: 400, nothing written', async (_what, headers, kind) => {
    const victim = subjects.subject();
    const body = kind === 'pad' ? JSON.stringify({ kind: 'subject', subject: victim, reason: 'r'.repeat(17 * 1024) }) : revokeBody(victim);
    const r = await as(`${ADMIN}/revocations`, { method: 'POST', headers, body });
    expect(r.status).toBe(400);
    expect(json(r).error).toBe('invalid_request');
    expect((await revocations()).map((x) => x.subject)).not.toContain(victim);
  });

  it('a __proto__ member (keep_history smuggled through the prototype) is an unknown field: 400', async () => {
    const victim = subjects.subject();
    const body = `{"kind":"subject","subject":"${victim}","reason":"r","__proto__":{"keep_history":true}}`;
    const r = await as(`${ADMIN}/revocations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(r.status).toBe(400);
    expect(json(r).message).toMatch(/__proto__: unknown field/);
    expect((await revocations()).map((x) => x.subject)).not.toContain(victim);
  });

  it('a duplicated member: the last one is revoked and the answer names exactly that one', async () => {
    const first = subjects.subject();
    const last = subjects.subject();
    const body = `{"kind":"subject","subject":"${first}","subject":"${last}","reason":"r"}`;
    const r = await as(`${ADMIN}/revocations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(r.status).toBe(201);
    expect((json(r).revocation as { subject: string }).subject).toBe(last);
    const now = (await revocations()).map((x) => x.subject);
    expect(now).toContain(last);
    expect(now).not.toContain(first);
  });
});

/** A Security Event Token of the configured transmitter (or as `o` forges it). */
async function setToken(event: Record<string, unknown>, o: { key?: CryptoKey; header?: Record<string, unknown>; claims?: JWTPayload; jti?: string } = {}): Promise<string> {
  return new SignJWT({ events: event, ...o.claims })
    .setProtectedHeader({ alg: 'ES256', kid: 'tx-1', typ: 'secevent+jwt', ...o.header })
    .setIssuer(TRANSMITTER)
    .setAudience(SSF_AUDIENCE)
    .setIssuedAt()
    .setJti(o.jti ?? `session45-${Math.random().toString(36).slice(2)}`)
    .sign(o.key ?? tx.privateKey);
}
/**
 * The transmitter's own key signs a SET under `header` exactly as given (jose refuses to write an
 * unknown `crit`): the signature is good, the header is what is wrong.
 */
async function signSet(header: Record<string, unknown>): Promise<string> {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const payload = { iss: TRANSMITTER, aud: SSF_AUDIENCE, iat: now(), jti: `session45-${Math.random().toString(36).slice(2)}`, events: { [DISABLED]: { subject: { format: 'email', email: subjects.subject() } } } };
  const input = `${b64(header)}.${b64(payload)}`;
  const sig = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, tx.privateKey, new TextEncoder().encode(input));
  return `${input}.${Buffer.from(sig).toString('base64url')}`;
}
const DISABLED = 'https://schemas.openid.net/secevent/risc/event-type/account-disabled';
const SESSION_REVOKED = 'https://schemas.openid.net/secevent/caep/event-type/session-revoked';
const pushSet = (body: string, headers: Record<string, string> = {}) =>
  call('/.stepgate/ssf/events', { method: 'POST', headers: { 'content-type': 'application/secevent+jwt', authorization: SSF_AUTH, ...headers }, body });

describe('Shared Signals: what a transmitter may name', () => {
  it('control: an iss_sub subject of the issuer the transmitter speaks for (subject_issuer) is revoked: 202', async () => {
    const victim = subjects.subject();
    const r = await pushSet(await setToken({ [DISABLED]: { subject: { format: 'iss_sub', iss: server().issuer.url, sub: victim } } }));
    expect(r.status).toBe(202);
    expect(await revocations()).toContainEqual(expect.objectContaining({ subject: victim, issuer: server().issuer.url }));
  });

  it.each<[string, (victim: string) => Record<string, unknown>]>([
    ["an iss_sub of the cluster's service-account issuer", (v) => ({ [DISABLED]: { subject: { format: 'iss_sub', iss: K8S, sub: v } } })],
    ['an iss_sub of an issuer stepgate does not know', (v) => ({ [DISABLED]: { subject: { format: 'iss_sub', iss: 'https://idp.other-tenant.test', sub: v } } })],
    ['a complex subject whose user is of another issuer', (v) => ({ [SESSION_REVOKED]: { subject: { format: 'complex', user: { format: 'iss_sub', iss: K8S, sub: v } } } })],
    ['sub_id naming another issuer', (v) => ({ [DISABLED]: {} , __sub: { format: 'iss_sub', iss: K8S, sub: v } })],
  ])('%s, from a transmitter bound to the people\'s IdP: 400 invalid_request, nothing revoked', async (_what, make) => {
    const victim = `system:serviceaccount:ci:${subjects.subject().replace(/[@.]/g, '-')}`;
    const events = make(victim);
    const subId = events.__sub;
    delete events.__sub;
    const r = await pushSet(await setToken(events, subId === undefined ? {} : { claims: { sub_id: subId } as JWTPayload }));
    expect(r.status).toBe(400);
    expect(json(r).err).toBe('invalid_request');
    expect((await revocations()).map((x) => x.subject)).not.toContain(victim);
  });

  it("a session named alone (complex, no user), from a transmitter bound to the people's IdP, signs out that IdP's session and not the same sid at the cluster's issuer", async () => {
    const sid = `sid-${Math.random().toString(36).slice(2)}`;
    const person = await server().issuer.token({ sub: subjects.subject(), sid, acr: 'urn:stepgate:aal1', amr: AMR.aal1, auth_time: now() - 600 });
    const sa = `system:serviceaccount:dev:${Math.random().toString(36).slice(2, 10)}`;
    const workload = await server().issuer.token({ iss: K8S, aud: [K8S], sub: sa, sid, 'kubernetes.io': { namespace: 'dev', serviceaccount: { name: sa.split(':')[3] } }, auth_time: undefined, acr: undefined, amr: undefined, email: undefined });
    const PODS = '/api/v1/namespaces/dev/pods';
    const before = reason(await send(workload, { host: KUBE, path: PODS }));
    expect(reason(await send(person, { host: KUBE, path: PODS }))).toBe('allowed');
    const r = await pushSet(await setToken({ [SESSION_REVOKED]: { subject: { format: 'complex', session: { format: 'opaque', id: sid } } } }));
    expect(r.status).toBe(202);
    expect(reason(await send(person, { host: KUBE, path: PODS }))).toBe('credential_revoked');
    expect(reason(await send(workload, { host: KUBE, path: PODS }))).toBe(before);
    expect(before, 'the workload before the event').toBe('allowed');
  });

  // The example's issuers name people by `sub` (subject_claim's default); RFC 9493's email format
  // names them by an address. Where the IdP's sub is an opaque id (Okta's 00u…, Entra's oid) the
  // event used to be answered 202 and sign nobody out. Without incident.shared_signals.email_claim
  // (this example sets none) an email subject is refused; the config check keeps email_claim to the
  // claim people are named by (test/unit/admin-signals.test.ts).
  it("an email subject for a person whose sub is an opaque id: either refused (400) or the person's token is refused after the 202, never a 202 that signs nobody out", async () => {
    const email = subjects.subject();
    const token = await server().issuer.token({ sub: `00u${Math.random().toString(36).slice(2, 12)}`, email, acr: 'urn:stepgate:aal1', amr: AMR.aal1, auth_time: now() - 600 });
    expect(reason(await send(token, { host: KUBE, path: '/api/v1/namespaces/dev/pods' }))).toBe('allowed');
    const r = await pushSet(await setToken({ [DISABLED]: { subject: { format: 'email', email } } }));
    if (r.status === 202) expect(reason(await send(token, { host: KUBE, path: '/api/v1/namespaces/dev/pods' }))).toBe('credential_revoked');
    else expect(json(r).err).toBe('invalid_request');
  });

  it.each<[string, () => Promise<string>, string]>([
    ['crit naming an extension stepgate does not know', async () => signSet({ alg: 'ES256', kid: 'tx-1', typ: 'secevent+jwt', crit: ['x-tx'], 'x-tx': 1 }), 'invalid_request'],
    ['b64:false (the payload segment signed as raw bytes)', async () => signSet({ alg: 'ES256', kid: 'tx-1', typ: 'secevent+jwt', b64: false, crit: ['b64'] }), 'invalid_request'],
    ["the attacker's key embedded as jwk under the transmitter's kid", async () => setToken({ [DISABLED]: { subject: { format: 'email', email: subjects.subject() } } }, { key: attackerKey.privateKey, header: { jwk: await exportJWK(attackerKey.publicKey) } }), 'invalid_key'],
    ["the attacker's key named by jku", async () => setToken({ [DISABLED]: { subject: { format: 'email', email: subjects.subject() } } }, { key: attackerKey.privateKey, header: { kid: 'evil', jku: `${jwksUrl}/evil-jwks` } }), 'invalid_key'],
    ["an ID token of the people's IdP, retyped secevent+jwt (iss not a transmitter)", async () => server().issuer.token({ events: { [DISABLED]: { subject: { format: 'email', email: subjects.subject() } } }, jti: 'x' }, { header: { typ: 'secevent+jwt' } }), 'invalid_issuer'],
  ])('a SET with %s: 400', async (_what, make, err) => {
    const before = (await revocations()).length;
    const r = await pushSet(await make());
    expect(r.status).toBe(400);
    expect(json(r).err).toBe(err);
    expect((await revocations()).length).toBe(before);
  });

  it('a jti already received, on a SET with another event about another person: 400, nothing revoked', async () => {
    const jti = `session45-reused-${Math.random().toString(36).slice(2)}`;
    const first = await pushSet(await setToken({ [DISABLED]: { subject: { format: 'iss_sub', iss: server().issuer.url, sub: subjects.subject() } } }, { jti }));
    expect(first.status).toBe(202);
    const victim = subjects.subject();
    const again = await pushSet(await setToken({ [SESSION_REVOKED]: { subject: { format: 'iss_sub', iss: server().issuer.url, sub: victim } } }, { jti }));
    expect(again.status).toBe(400);
    expect(json(again).description).toMatch(/jti/);
    expect((await revocations()).map((x) => x.subject)).not.toContain(victim);
  });

  it("the attacker's jku was never fetched", () => {
    expect(attackerFetches).toBe(0);
  });

  it.each<[string, Record<string, string>, number, string]>([
    ['the agreed header in other case', { authorization: SSF_AUTH.toLowerCase() }, 403, 'access_denied'],
    ['the agreed header with another scheme', { authorization: SSF_AUTH.replace('Bearer', 'Basic') }, 403, 'access_denied'],
    ["an admin's bearer token instead of the agreed header", { authorization: 'admin' }, 403, 'access_denied'],
  ])('%s to the receiver: refused (403 access_denied), nothing revoked', async (what, headers, status, err) => {
    const h = what.startsWith("an admin's") ? { authorization: `Bearer ${await adminToken()}` } : headers;
    const r = await pushSet(await setToken({ [DISABLED]: { subject: { format: 'email', email: subjects.subject() } } }), h);
    expect(r.status).toBe(status);
    expect(json(r).err).toBe(err);
  });
});

describe("the kubectl plugin's challenge endpoint", () => {
  const SECRET = '/api/v1/namespaces/prod-eu/secrets/db';
  const challenge = (headers: Record<string, string>, query = '') => call(`/.stepgate/v1/challenge${query}`, { headers });

  it('control: a one-factor token refused on a Secret reads its own challenge', async () => {
    const token = await signedIn('aal1', 600);
    expect(reason(await send(token, { host: KUBE, path: SECRET }))).toBe('acr_insufficient');
    const r = await challenge({ authorization: `Bearer ${token}` });
    expect(r.status).toBe(200);
    expect((json(r).challenge as { reason: string }).reason).toBe('acr_insufficient');
  });

  it('a revoked token reads nothing of its challenges: 401 credential_revoked, like the Check', async () => {
    const token = await signedIn('aal1', 600);
    expect(reason(await send(token, { host: KUBE, path: SECRET }))).toBe('acr_insufficient');
    const sub = (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { sub: string }).sub;
    const rev = await call(`${ADMIN}/revocations`, { method: 'POST', headers: { authorization: `Bearer ${await adminToken()}`, 'content-type': 'application/json' }, body: revokeBody(sub) });
    expect(rev.status).toBe(201);
    expect(reason(await send(token, { host: KUBE, path: SECRET }))).toBe('credential_revoked');
    const r = await challenge({ authorization: `Bearer ${token}` });
    expect(r.status).toBe(401);
    expect(json(r).reason).toBe('credential_revoked');
    expect(r.body).not.toContain('acr_values');
  });

  it.each<[string, (t: string) => [Record<string, string>, string], string]>([
    ['the token in the query string', (t) => [{}, `?access_token=${t}`], 'token_missing'],
    ['the token as a cookie', (t) => [{ cookie: `stepgate_session=${t}` }, ''], 'token_missing'],
    ['two tokens in one header', (t) => [{ authorization: `Bearer ${t},${t}` }, ''], 'token_malformed'],
  ])('%s: 401 %s', async (_what, make, code) => {
    const token = await signedIn('aal1', 600);
    const [headers, query] = make(token);
    const r = await challenge(headers, query);
    expect(r.status).toBe(401);
    expect(json(r).reason).toBe(code);
  });

  it('a logout token of the same subject reads nothing: 401 token_invalid', async () => {
    const t = await server().issuer.token({ sub: subjects.subject() }, { header: { typ: 'logout+jwt' } });
    const r = await challenge({ authorization: `Bearer ${t}` });
    expect(r.status).toBe(401);
    expect(json(r).reason).toBe('token_invalid');
  });
});

describe('step-up links: return targets', () => {
  const start = (rd: string) => call(`/.stepgate/start?${new URLSearchParams({ level: 'aal2', rd })}`, { headers: { accept: 'text/html' } });

  it.each<[string, string]>([
    ['protocol-relative //evil', '//evil.example.com/'],
    ['a backslash /\\evil', '/\\evil.example.com/'],
    ['https:evil (no slashes)', 'https:evil.example.com/'],
    ['userinfo naming an allowed host', 'https://kube.localhost@evil.example.com/'],
    ['an allowed host as a subdomain of the attacker', 'https://kube.localhost.evil.example.com/'],
    ['a trailing dot', 'https://kube.localhost./'],
    ['percent-encoded dot', 'https://kube%2elocalhost/'],
    ['an IDN lookalike (Cyrillic е)', 'https://kubе.localhost/'],
    ['punycode of a lookalike', 'https://xn--kub-gdd.localhost.evil.example.com/'],
    ['javascript:', 'javascript:alert(1)//kube.localhost'],
    ['a tab inside the scheme', 'ht\ttps://evil.example.com/'],
    ['a numeric IPv4 host', 'http://2130706433/'],
    ['a port of 0', 'https://kube.localhost:0/'],
    ['data: URL', 'data:text/html,<script>alert(1)</script>'],
  ])('%s is refused: 400 stepup_return_refused', async (_what, rd) => {
    const r = await start(rd);
    expect(r.status).toBe(400);
    expect(pageCode(r.body)).toBe('stepup_return_refused');
    expect(r.body).not.toContain('evil.example.com');
  });

  it('control: an allowed host is kept in the form', async () => {
    const r = await start('https://kube.localhost/api/v1/namespaces');
    expect(r.status).toBe(200);
    expect(r.body).toContain('https://kube.localhost/api/v1/namespaces');
  });
});

describe('the bearer token on the Check: where it is and how it is spelled', () => {
  const SECRET = '/api/v1/namespaces/prod-eu/secrets/db';
  /** A fresh hardware-key sign-in of a new subject: what would read the Secret if it were taken. */
  const strong = () => subjects.tokenOf('aal3', 60);

  it.each<[string, string]>([
    ['access_token', 'access_token'],
    ['token', 'token'],
    ['id_token', 'id_token'],
  ])('a fresh hardware-key token in ?%s= and no Authorization is no credential: token_missing', async (_what, param) => {
    const res = await send(undefined, { host: KUBE, path: `${SECRET}?${param}=${await strong()}` });
    expect(reason(res)).toBe('token_missing');
  });

  it('a one-factor token in Authorization beside a hardware-key one in the query: judged on the header (acr_insufficient)', async () => {
    const weak = await signedIn('aal1', 600);
    const res = await send(weak, { host: KUBE, path: `${SECRET}?access_token=${await strong()}` });
    expect(reason(res)).toBe('acr_insufficient');
  });

  it.each<[string, (t: string) => string]>([
    ['a no-break space after Bearer', (t) => `Bearer\u00a0${t}`],
    ['a tab after Bearer', (t) => `Bearer\t${t}`],
    ['a Cyrillic е in Bearer', (t) => `B\u0435arer ${t}`],
    ['no space at all', (t) => `Bearer${t}`],
    ['the scheme only', () => 'Bearer'],
  ])('Authorization with %s carries no credential: token_missing', async (_what, header) => {
    const res = await send(undefined, { host: KUBE, path: SECRET, headers: { authorization: header(await strong()) } });
    expect(reason(res)).toBe('token_missing');
  });

  it.each<[string, (t: string) => string]>([
    ['a zero-width space after the token', (t) => `Bearer ${t}\u200b`],
    ['a NUL inside the token', (t) => `Bearer ${t.slice(0, 20)}\u0000${t.slice(20)}`],
  ])('Authorization with %s is refused as a token (malformed, or its signature does not verify)', async (_what, header) => {
    const res = await send(undefined, { host: KUBE, path: SECRET, headers: { authorization: header(await strong()) } });
    expect(['token_malformed', 'token_invalid']).toContain(reason(res));
  });

  /** The issuer's own key signs this protected header text exactly (duplicate members kept). */
  async function signedHeader(headerJson: string): Promise<string> {
    const claims = JSON.parse(Buffer.from((await strong()).split('.')[1]!, 'base64url').toString()) as JWTPayload;
    const input = `${Buffer.from(headerJson).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
    const sig = await crypto.subtle.sign('RSASSA-PKCS1-v1_5', server().issuer.keys.get('rs256-1')!.privateKey, new TextEncoder().encode(input));
    return `${input}.${Buffer.from(sig).toString('base64url')}`;
  }

  it.each<[string, string, string]>([
    ['alg repeated, none last', '{"alg":"RS256","kid":"rs256-1","alg":"none"}', 'algorithm_forbidden'],
    ['kid repeated, an unknown one last', '{"alg":"RS256","kid":"rs256-1","kid":"evil"}', 'key_unknown'],
    ['typ repeated, logout+jwt last', '{"alg":"RS256","kid":"rs256-1","typ":"JWT","typ":"logout+jwt"}', 'token_invalid'],
  ])('a protected header with %s, signed by the real key, reads no Secret: %s', async (_what, headerJson, code) => {
    const res = await send(await signedHeader(headerJson), { host: KUBE, path: SECRET });
    expect(reason(res)).toBe(code);
  });
});
