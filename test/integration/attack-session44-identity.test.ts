import { describe, expect, it } from 'vitest';
import { builtServerForFile, ELSEWHERE, freshSubjects, KUBE, officeRound, reason, REFUSED, rules, AMR } from '../support/built-server.js';
import { deniedHeader } from '../support/grpc-client.js';
import { checkRequest } from '../support/requests.js';
import { makeDeviceCa } from '../support/device-ca.js';
import { createHash, randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

/**
 * Session 44's identity round (redteam44b) against the built server with the example policy as it
 * ships: what an attacker holding a copied kubeconfig, a stolen token or a hijacked session gets
 * at the first sensitive request. Token confusion (types, sender-constrained tokens), the time
 * claims at the configured leeway's edges, acr/amr spellings, RFC 9470 challenges, and device
 * evidence the gateway does not vouch for. Two were allowed before this session: a token bound to a
 * key or certificate (`cnf`) taken as a bearer token (session 45: accepted with a valid proof only), and an `auth_time` hours after the token's
 * `iat` taken as a fresh sign-in. Rows that held are kept so the corpus grows. The browser's side
 * of the round trip (state, nonce, return URLs, login CSRF, cookie scope) is attack-web's.
 */

const server = builtServerForFile('session44');
const subjects = freshSubjects(() => server().issuer, 'session44');
const { signedIn, send } = officeRound(server, subjects);

const SECRET = '/api/v1/namespaces/prod-eu/secrets/db';
const PODS = '/api/v1/namespaces/dev/pods';
/** The example's issuer allows 30 s of clock skew (clock_tolerance_seconds). */
const LEEWAY = 30;
const now = () => Math.floor(Date.now() / 1000);
/** A second network of the attacker's: outside trusted_networks and every named site. */
const CAFE = '203.0.113.61';
/** The subject a token of this file names. */
const subOf = (token: string) => (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { sub: string }).sub;

/** A fresh subject's token with `claims` (absent where undefined), sent from the office to `path`. */
async function office(path: string, claims: Record<string, unknown>, header: Record<string, unknown> = {}) {
  const sub = subjects.subject();
  const token = await server().issuer.token({ sub, email: sub, ...claims }, { header });
  return send(token, { host: KUBE, path });
}

describe('token types: what is a sign-in and what is not', () => {
  it.each<[string, Record<string, unknown>, Record<string, unknown>]>([
    ['typ logout+jwt', {}, { typ: 'logout+jwt' }],
    ['typ application/secevent+jwt', {}, { typ: 'application/secevent+jwt' }],
    ['typ DPoP+JWT (a proof, not a token)', {}, { typ: 'DPoP+JWT' }],
    ['typ token-introspection+jwt', {}, { typ: 'token-introspection+jwt' }],
    ["Keycloak's claim typ Refresh", { typ: 'Refresh' }, {}],
    ["Keycloak's claim typ Offline", { typ: 'Offline' }, {}],
    ['an events claim under typ JWT', { events: { 'http://schemas.openid.net/event/backchannel-logout': {} } }, {}],
  ])('%s reads no pods: token_invalid', async (_what, claims, header) => {
    expect(reason(await office(PODS, { acr: 'urn:stepgate:aal2', amr: AMR.aal2, auth_time: now() - 60, ...claims }, header))).toBe('token_invalid');
  });

  it.each<[string, Record<string, unknown>, Record<string, unknown>]>([
    ['an RFC 9068 access token (typ at+jwt, client_id)', { client_id: 'kubectl' }, { typ: 'at+jwt' }],
    ['typ application/at+jwt', {}, { typ: 'application/at+jwt' }],
    ["Keycloak's claim typ ID", { typ: 'ID' }, {}],
    ["Keycloak's claim typ Bearer", { typ: 'Bearer' }, {}],
  ])('allowed on purpose: %s is a sign-in and reads the dev pods', async (_what, claims, header) => {
    const res = await office(PODS, { acr: 'urn:stepgate:aal1', amr: AMR.aal1, auth_time: now() - 600, ...claims }, header);
    expect(reason(res), rules(res)).toBe('allowed');
  });
});

/**
 * Sender-constrained tokens: an identity provider that binds an access token to a key the client
 * holds (RFC 9449 DPoP, `cnf.jkt`) or to its client certificate (RFC 8705, `cnf["x5t#S256"]`) does
 * so that the token alone, copied off the machine, is worth nothing. Session 44 refused every such
 * token, since nothing checked the proof; session 45 checks it (sender_constrained, on in the
 * example), so each row is now refused for want of a valid proof, with the code that says which.
 * Taken as a bearer token, the copy signed its subject in wherever it was sent, malware on the
 * laptop included. The allowed side (a valid proof) is test/integration/sender-constrained.test.ts.
 */
describe('a sender-constrained token presented without a valid proof', () => {
  const JKT = '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I';
  const X5T = 'bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2';
  /** An attacker's own proof for the Secret read: a fresh key of theirs, every claim right. */
  async function attackerProof(token: string): Promise<string> {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const claims = { jti: randomUUID(), htm: 'GET', htu: `https://${KUBE}${SECRET}`, iat: now(), ath: createHash('sha256').update(token).digest('base64url') };
    return new SignJWT(claims).setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: await exportJWK(publicKey) }).sign(privateKey);
  }

  it.each<[string, Record<string, unknown>, Record<string, unknown>, (token: string) => Promise<Record<string, string>>, string]>([
    ['a DPoP-bound access token (cnf.jkt) as Bearer', { cnf: { jkt: JKT }, client_id: 'k8s-agent' }, { typ: 'at+jwt' }, async () => ({}), 'dpop_proof_missing'],
    ["the same as Bearer with a DPoP header of the attacker's own", { cnf: { jkt: JKT } }, { typ: 'at+jwt' }, async () => ({ dpop: 'eyJhbGciOiJFUzI1NiJ9.e30.sig' }), 'dpop_proof_missing'],
    ["the same under the DPoP scheme with a well-made proof of the attacker's own key", { cnf: { jkt: JKT } }, { typ: 'at+jwt' }, async (t) => ({ authorization: `DPoP ${t}`, dpop: await attackerProof(t) }), 'dpop_binding_mismatch'],
    ['the same under the DPoP scheme with a proof that is no JWS', { cnf: { jkt: JKT } }, { typ: 'at+jwt' }, async (t) => ({ authorization: `DPoP ${t}`, dpop: 'eyJhbGciOiJFUzI1NiJ9.e30.sig' }), 'dpop_proof_invalid'],
    ['a certificate-bound access token (cnf x5t#S256), no client certificate', { cnf: { 'x5t#S256': X5T } }, { typ: 'at+jwt' }, async () => ({}), 'certificate_binding_missing'],
    ['a certificate-bound ID-shaped token (typ JWT), no client certificate', { cnf: { 'x5t#S256': X5T } }, {}, async () => ({}), 'certificate_binding_missing'],
    ['a certificate-bound token under the DPoP scheme', { cnf: { 'x5t#S256': X5T } }, { typ: 'at+jwt' }, async (t) => ({ authorization: `DPoP ${t}`, dpop: await attackerProof(t) }), 'dpop_binding_mismatch'],
    ['a token with a cnf of an unknown method (jwk)', { cnf: { jwk: { kty: 'OKP', crv: 'Ed25519', x: 'AAAA' } } }, {}, async () => ({}), 'token_invalid'],
  ])('%s, fresh two factors from the office, reads no Secret', async (_what, claims, header, extra, want) => {
    const sub = subjects.subject();
    const token = await server().issuer.token({ sub, email: sub, acr: 'urn:stepgate:aal2', amr: AMR.aal2, auth_time: now() - 60, ...claims }, { header });
    const headers = await extra(token);
    const res = await send(token, { host: KUBE, path: SECRET, headers });
    expect(reason(res), rules(res)).toBe(want);
  });

  it('a certificate-bound token over a client certificate that is not the one it names reads no Secret', async () => {
    const sub = subjects.subject();
    const token = await server().issuer.token({ sub, email: sub, acr: 'urn:stepgate:aal2', amr: AMR.aal2, auth_time: now() - 60, cnf: { 'x5t#S256': X5T } }, { header: { typ: 'at+jwt' } });
    const req = checkRequest({ host: KUBE, path: SECRET, token }) as ReturnType<typeof checkRequest> & { attributes: { source: Record<string, unknown> } };
    req.attributes.source.certificate = encodeURIComponent(makeDeviceCa('attacker laptop').certPem);
    expect(reason(await server().client.check(req))).toBe('certificate_binding_mismatch');
  });

  it('control: the same access token without cnf reads the Secret', async () => {
    const res = await office(SECRET, { acr: 'urn:stepgate:aal2', amr: AMR.aal2, auth_time: now() - 60, client_id: 'k8s-agent' }, { typ: 'at+jwt' });
    expect(reason(res), rules(res)).toBe('allowed');
  });
});

describe('time claims at the configured leeway edges', () => {
  // Offsets from the moment each row is sent (claims built at collection time would age while the server starts).
  it.each<[string, string, (t: number) => Record<string, unknown>]>([
    ['nbf 5 s inside the leeway', 'allowed', (t) => ({ nbf: t + LEEWAY - 5 })],
    ['nbf 15 s beyond the leeway', 'token_not_yet_valid', (t) => ({ nbf: t + LEEWAY + 15 })],
    ['iat 5 s inside the leeway', 'allowed', (t) => ({ iat: t + LEEWAY - 5 })],
    ['iat 15 s beyond the leeway', 'token_not_yet_valid', (t) => ({ iat: t + LEEWAY + 15 })],
    ['exp 5 s inside the leeway (expired, within skew)', 'allowed', (t) => ({ exp: t - LEEWAY + 5 })],
    ['exp 15 s beyond the leeway', 'token_expired', (t) => ({ exp: t - LEEWAY - 15 })],
    ['auth_time 15 s beyond the leeway', 'token_not_yet_valid', (t) => ({ auth_time: t + LEEWAY + 15 })],
    ['auth_time far in the future (1e12)', 'token_not_yet_valid', () => ({ auth_time: 1e12 })],
    ['exp as a string', 'token_invalid', (t) => ({ exp: String(t + 600) })],
    ['no exp', 'token_invalid', () => ({ exp: undefined })],
    ['nbf 1e308', 'token_not_yet_valid', () => ({ nbf: 1e308 })],
  ])('%s: %s', async (_what, want, claims) => {
    const res = await office(PODS, { acr: 'urn:stepgate:aal1', amr: AMR.aal1, auth_time: now() - 600, ...claims(now()) });
    expect(reason(res), rules(res)).toBe(want);
  });

  it('auth_time inside the leeway ahead is read as now: a two-factor Secret read from the office is allowed (allowed on purpose)', async () => {
    const res = await office(SECRET, { acr: 'urn:stepgate:aal2', amr: AMR.aal2, auth_time: now() + LEEWAY - 5 });
    expect(reason(res), rules(res)).toBe('allowed');
  });

  it('a Secret read with two factors and no auth_time is refused: no sign-in time proves the 8-hour max_age', async () => {
    const res = await office(SECRET, { acr: 'urn:stepgate:aal2', amr: AMR.aal2, auth_time: undefined });
    expect(REFUSED.concat('auth_time_missing')).toContain(reason(res));
  });

  it.each<[string, unknown]>([
    ['auth_time as a string', 'a minute ago'],
    ['auth_time as a list', [1]],
    ['auth_time null', null],
  ])('%s on a two-factor Secret read is no sign-in time: refused', async (_what, authTime) => {
    const res = await office(SECRET, { acr: 'urn:stepgate:aal2', amr: AMR.aal2, auth_time: authTime });
    expect(REFUSED.concat('auth_time_missing')).toContain(reason(res));
  });

  it('auth_time 0 (the epoch) is a sign-in 56 years old: refused on the Secret', async () => {
    expect(REFUSED).toContain(reason(await office(SECRET, { acr: 'urn:stepgate:aal2', amr: AMR.aal2, auth_time: 0 })));
  });

  it('auth_time hours after iat (a sign-in the token says came long after it was issued) is capped five minutes after iat: a token issued 9 h ago is no fresh sign-in for the 8-hour Secret rule', async () => {
    const res = await office(SECRET, { acr: 'urn:stepgate:aal2', amr: AMR.aal2, iat: now() - 9 * 3600, auth_time: now() - 60 });
    expect(REFUSED, rules(res)).toContain(reason(res));
  });

  it("allowed on purpose: Entra's shape (iat and nbf backdated five minutes, auth_time just now) reads the Secret", async () => {
    const res = await office(SECRET, { acr: 'urn:stepgate:aal2', amr: AMR.aal2, iat: now() - 300, nbf: now() - 300, auth_time: now() - 5 });
    expect(reason(res), rules(res)).toBe('allowed');
  });

  it('control: auth_time equal to iat 9 h ago is the same refusal; iat and auth_time a minute ago read the Secret', async () => {
    const old = await office(SECRET, { acr: 'urn:stepgate:aal2', amr: AMR.aal2, iat: now() - 9 * 3600, auth_time: now() - 9 * 3600 });
    expect(REFUSED).toContain(reason(old));
    const fresh = await office(SECRET, { acr: 'urn:stepgate:aal2', amr: AMR.aal2, iat: now() - 60, auth_time: now() - 60 });
    expect(reason(fresh), rules(fresh)).toBe('allowed');
  });

  // No lifetime cap: kube-apiserver's own --service-account-max-token-expiration and the provider's
  // settings bound it, and what a long-lived copy reaches is what its sign-in's age allows. The
  // cache keeps it at most token_cache.max_ttl_seconds whatever its exp.
  it('allowed on purpose: a token living ten years, signed in 10 minutes ago, reads the dev pods; without iat too', async () => {
    const long = await office(PODS, { acr: 'urn:stepgate:aal1', amr: AMR.aal1, auth_time: now() - 600, exp: now() + 10 * 365 * 86_400 });
    expect(reason(long), rules(long)).toBe('allowed');
    const noIat = await office(PODS, { acr: 'urn:stepgate:aal1', amr: AMR.aal1, auth_time: now() - 600, iat: undefined });
    expect(reason(noIat), rules(noIat)).toBe('allowed');
  });

  it('a token living ten years (exp) signed in 10 h ago with one factor reads no Secret from the office', async () => {
    const res = await office(SECRET, { acr: 'urn:stepgate:aal1', amr: AMR.aal1, auth_time: now() - 36_000, exp: now() + 10 * 365 * 86_400 });
    expect(REFUSED).toContain(reason(res));
  });
});

describe('acr and amr spellings', () => {
  it.each<[string, Record<string, unknown>]>([
    ['acr "urn:stepgate:aal2 " (trailing space)', { acr: 'urn:stepgate:aal2 ', amr: AMR.aal1 }],
    ['acr "URN:STEPGATE:AAL2"', { acr: 'URN:STEPGATE:AAL2', amr: AMR.aal1 }],
    ['acr ["urn:stepgate:aal2"] (a list)', { acr: ['urn:stepgate:aal2'], amr: AMR.aal1 }],
    ['amr ["MFA"]', { acr: 'urn:stepgate:aal1', amr: ['MFA'] }],
    ['amr ["pwd", "mfa "]', { acr: 'urn:stepgate:aal1', amr: ['pwd', 'mfa '] }],
    ['amr [{"mfa": true}]', { acr: 'urn:stepgate:aal1', amr: [{ mfa: true }] }],
    ['amr {"0": "mfa"} (an object)', { acr: 'urn:stepgate:aal1', amr: { 0: 'mfa' } }],
    ['acr "urn:stepgate:aal2\\u0000"', { acr: 'urn:stepgate:aal2\u0000', amr: AMR.aal1 }],
  ])('%s is one factor: the Secret read is refused', async (_what, claims) => {
    const res = await office(SECRET, { auth_time: now() - 60, ...claims });
    expect(REFUSED, rules(res)).toContain(reason(res));
  });

  it('control: acr "2" (the example lists it) with amr [] reads the Secret', async () => {
    const res = await office(SECRET, { acr: '2', amr: [], auth_time: now() - 60 });
    expect(reason(res), rules(res)).toBe('allowed');
  });
});

describe('a stolen or copied token from another network', () => {
  const KUBECTL = { 'user-agent': 'kubectl/v1.34.1 (linux/amd64) kubernetes/93248f9' };
  const from = (source: string, token: string, path: string, headers: Record<string, string> = {}) =>
    server().client.check(checkRequest({ host: KUBE, source, path, token, headers: { ...KUBECTL, ...headers } }));

  it("the victim's fresh two-factor token, copied and replayed from elsewhere after the victim's own read: refused on the Secret", async () => {
    const token = await signedIn('aal2', 60);
    expect(REFUSED).toContain(reason(await from(ELSEWHERE, token, SECRET)));
  });

  // Device evidence the example's gateway does not vouch for: no trusted x-forwarded-client-cert
  // (risk.device has no trust_xfcc), no mTLS principal, and no stepup.oidc to sign device cookies.
  it.each<[string, Record<string, string>]>([
    ['x-forwarded-client-cert naming a stepgate device URI', { 'x-forwarded-client-cert': 'By=spiffe://cluster.local/ns/istio-system/sa/gw;Hash=ab;URI=stepgate:device:abc' }],
    ['x-forwarded-client-cert with two elements, the last naming a device', { 'x-forwarded-client-cert': 'URI=spiffe://a,By=spiffe://b;URI=stepgate:device:abc' }],
    ["nginx's ssl-client-cert and x-ssl-client-s-dn", { 'ssl-client-cert': '-----BEGIN CERTIFICATE-----%0AMIIB', 'x-ssl-client-s-dn': 'CN=laptop-17' }],
    ['x-client-cert (Azure App Gateway) and x-amzn-mtls-clientcert (AWS ALB)', { 'x-client-cert': 'MIIB', 'x-amzn-mtls-clientcert': 'MIIB' }],
    ['a made-up stepgate_device cookie', { cookie: 'stepgate_device=k1.AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA' }],
    ['sec-ch-ua headers copied from the victim\'s browser', { 'sec-ch-ua': '"Chromium";v="131", "Google Chrome";v="131"', 'sec-ch-ua-platform': '"Linux"' }],
  ])('%s, with a copied fresh token from elsewhere: no device, refused on the Secret', async (_what, headers) => {
    const token = await signedIn('aal2', 60);
    expect(REFUSED).toContain(reason(await from(ELSEWHERE, token, SECRET, headers)));
  });

  it("the victim's old and fresh tokens replayed in turn from two networks: every request refused, and no refusal teaches either network", async () => {
    const old = await signedIn('aal1', 36_000);
    const fresh = await server().issuer.token({ sub: subOf(old), email: subOf(old), acr: 'urn:stepgate:aal2', amr: AMR.aal2, auth_time: now() - 60 });
    expect(reason(await send(fresh, { host: KUBE, path: PODS })), "the victim's own read").toBe('allowed');
    for (const [source, token] of [[CAFE, old], [CAFE, fresh], [ELSEWHERE, fresh], [ELSEWHERE, old], [CAFE, fresh]] as const) {
      expect(REFUSED, source).toContain(reason(await from(source, token, SECRET)));
    }
  });

  it("a copied token's challenge from elsewhere asks a sign-in made after the new network appeared: max_age is seconds, not the rule's 8 hours", async () => {
    const token = await signedIn('aal2', 60);
    const res = await from(ELSEWHERE, token, SECRET);
    expect(reason(res)).toBe('auth_too_old');
    const www = deniedHeader(res, 'www-authenticate') ?? '';
    expect(www).toContain('insufficient_user_authentication');
    expect(Number(/max_age=(\d+)/.exec(www)?.[1])).toBeLessThan(120);
  });
});

describe('RFC 9470 challenges', () => {
  it('a one-factor Secret read is challenged for the rule\'s acr values and max_age', async () => {
    const token = await signedIn('aal1', 600);
    const res = await send(token, { host: KUBE, path: SECRET });
    expect(reason(res)).toBe('acr_insufficient');
    const www = deniedHeader(res, 'www-authenticate') ?? '';
    expect(www).toContain('insufficient_user_authentication');
    expect(www).toContain('acr_values="urn:stepgate:aal2');
    expect(www).toMatch(/max_age=\d+/);
  });
  it('an answer signed in more than the challenge\'s max_age ago is refused again; within it, allowed', async () => {
    const old = await office(SECRET, { acr: 'urn:stepgate:aal2', amr: AMR.aal2, auth_time: now() - 28_800 - 120 });
    expect(reason(old)).toBe('auth_too_old');
    expect(deniedHeader(old, 'www-authenticate') ?? '').toContain('max_age=');
    const ok = await office(SECRET, { acr: 'urn:stepgate:aal2', amr: AMR.aal2, auth_time: now() - 28_800 + 120 });
    expect(reason(ok), rules(ok)).toBe('allowed');
  });
});
