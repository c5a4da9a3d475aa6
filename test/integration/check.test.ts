import { createHash, createHmac, createPublicKey, randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, UnsecuredJWT, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { REASON_CODES, reasonMessage } from '../../src/core/reasons.js';
import { startService, type Service } from '../../src/main.js';
import { randomBytes } from 'node:crypto';
import { parseConfig } from '../../src/config/load.js';
import { buildRuntime } from '../../src/pipeline/runtime.js';
import { parseKeyList } from '../../src/cookies/keys.js';
import { SessionCodec } from '../../src/cookies/session.js';
import { createLogger } from '../../src/telemetry/log.js';
import { DOWN_ISSUER, HMAC_ISSUER, HMAC_SECRET, testConfig, testConfigYaml, withStepupSession } from '../support/config.js';
import {
  CheckClient,
  deniedBody,
  deniedHeader,
  deniedStatus,
  okHeader,
  reasonOf,
  type CheckResponse,
} from '../support/grpc-client.js';
import { TestIssuer } from '../support/issuer.js';
import { startRedis, type RedisServer } from '../support/redis.js';
import { BROWSER_HEADERS, checkRequest, DASH_HOST, KUBE_HOST, type RequestSpec } from '../support/requests.js';
import { makeDeviceCa } from '../support/device-ca.js';

let issuer: TestIssuer;
let service: Service;
let client: CheckClient;
const now = () => Math.floor(Date.now() / 1000);
/** The service's clock runs this far ahead of the wall clock: tests move it instead of sleeping. */
let aheadMs = 0;

beforeAll(async () => {
  issuer = await TestIssuer.start();
  service = await startService(testConfig(issuer.url), { TEST_HMAC_SECRET: HMAC_SECRET }, createLogger('silent'), { now: () => Date.now() + aheadMs });
  client = new CheckClient(service.grpc.port);
});

afterAll(async () => {
  client?.close();
  await service?.stop();
  await issuer?.close();
});

const check = (spec: RequestSpec) => client.check(checkRequest(spec));
const aal2 = { acr: 'urn:stepgate:aal2', amr: ['pwd', 'otp', 'mfa'] };
const aal3 = { acr: 'urn:stepgate:aal3', amr: ['pwd', 'hwk'] };

const seenReasons = new Set<string>();

function expectDenied(res: CheckResponse, reason: string, status: string) {
  seenReasons.add(reason);
  expect(res.status.code, `expected a denial for ${reason}`).not.toBe(0);
  expect(res.http_response).toBe('denied_response');
  expect(reasonOf(res)).toBe(reason);
  expect(deniedStatus(res)).toBe(status);
  // A refusal a Kubernetes client reads raw (discovery, /version…) is its Status message as text.
  if (deniedHeader(res, 'content-type')?.startsWith('text/plain')) {
    expect(res.denied_response!.body).toMatch(new RegExp(`^stepgate: .*\\(${reason}[;)]`));
    return;
  }
  const body = deniedBody(res);
  const reasonInBody = body.kind === 'Status' ? (body.stepgate as { reason: string }).reason : body.reason;
  expect(reasonInBody).toBe(reason);
}

describe('health and allow', () => {
  it('reports SERVING for the server and the Authorization service', async () => {
    expect((await client.healthCheck('')).status).toBe('SERVING');
    expect((await client.healthCheck('envoy.service.auth.v3.Authorization')).status).toBe('SERVING');
  });

  it('allows kubectl get pods at aal1 and sends identity headers upstream', async () => {
    const res = await check({ path: '/api/v1/namespaces/dev/pods', token: await issuer.token() });
    expect(res.status.code).toBe(0);
    expect(res.http_response).toBe('ok_response');
    expect(okHeader(res, 'x-stepgate-subject')).toBe('alice@example.com');
    expect(okHeader(res, 'x-stepgate-level')).toBe('aal1');
    expect(okHeader(res, 'x-stepgate-issuer')).toBe(issuer.url);
    expect(okHeader(res, 'x-stepgate-email')).toBe('alice@example.com');
    expect(okHeader(res, 'x-stepgate-groups')).toBe('engineers');
    expect(res.ok_response!.headers!.every((h) => h.append?.value === false)).toBe(true);
    const md = res.dynamic_metadata!.fields;
    expect(md.decision!.stringValue).toBe('allow');
    expect(md.reason!.stringValue).toBe('allowed');
    seenReasons.add('allowed');
    expect(md.rules!.stringValue).toBe('default');
    expect(md.level!.stringValue).toBe('aal1');
  });

  it('reads headers from header_map (encode_raw_headers) exactly as from the map', async () => {
    const token = await issuer.token();
    const viaMap = await check({ path: '/api/v1/namespaces/dev/secrets', token });
    const viaRaw = await check({ path: '/api/v1/namespaces/dev/secrets', token, raw: true });
    expect(reasonOf(viaMap)).toBe('acr_insufficient');
    expect(reasonOf(viaRaw)).toBe('acr_insufficient');
    const ok = await check({ path: '/api/v1/namespaces/dev/pods', token, raw: true });
    expect(ok.status.code).toBe(0);
  });

  it('treats header names case-insensitively in header_map', async () => {
    const token = await issuer.token(aal2);
    const req = checkRequest({ path: '/api/v1/namespaces/dev/secrets', raw: true });
    (req.attributes.request.http as { header_map: { headers: unknown[] } }).header_map.headers.push({
      key: 'Authorization',
      raw_value: Buffer.from(`Bearer ${token}`),
    });
    expect((await client.check(req)).status.code).toBe(0);
  });

  it('strips client-sent x-stepgate-* headers and overwrites the ones it sets', async () => {
    const res = await check({
      path: '/api/v1/namespaces/dev/pods',
      token: await issuer.token(),
      headers: { 'x-stepgate-subject': 'admin', 'x-stepgate-level': 'aal3', 'x-stepgate-approved': 'yes' },
    });
    expect(res.status.code).toBe(0);
    expect(okHeader(res, 'x-stepgate-subject')).toBe('alice@example.com');
    expect(okHeader(res, 'x-stepgate-level')).toBe('aal1');
    // Envoy applies headers_to_remove after the headers it sets: naming a header we set there
    // would drop our own value, so only the names we do not set are removed.
    expect(res.ok_response!.headers_to_remove).toEqual(['x-stepgate-approved']);
  });

  it('strips the underscore spellings of x-stepgate-* too: CGI-style upstreams read them as the same header', async () => {
    // Rack (Puma, CVE-2024-45614), WSGI and PHP name a header by upper-casing it and turning '-'
    // into '_', so `x-stepgate_level` becomes HTTP_X_STEPGATE_LEVEL like the header we set. Envoy
    // passes underscores in header names by default (headers_with_underscores_action: ALLOW).
    const headers = { 'x-stepgate_level': 'aal3', x_stepgate_subject: 'admin', 'X_StepGate-Email': 'admin@example.com', 'x-stepgate-groups_': 'admins' };
    for (const raw of [false, true]) {
      const res = await check({ path: '/api/v1/namespaces/dev/pods', token: await issuer.token(), headers, raw });
      expect(res.status.code, `raw=${raw}`).toBe(0);
      expect(okHeader(res, 'x-stepgate-level')).toBe('aal1');
      expect([...res.ok_response!.headers_to_remove!].sort(), `raw=${raw}`).toEqual(['x-stepgate-groups_', 'x-stepgate_level', 'x_stepgate-email', 'x_stepgate_subject']);
    }
    // Names that only resemble ours are the application's and pass untouched.
    const other = await check({ path: '/api/v1/namespaces/dev/pods', token: await issuer.token(), headers: { x_stepgates: '1', 'x-stepgatex-a': '1', 'xx-stepgate_a': '1' } });
    expect(other.ok_response!.headers_to_remove ?? []).toEqual([]);
  });

  it('strips client-sent X-Remote-User, -Group and -Extra-*: kube-apiserver trusts them from a front-proxy certificate', async () => {
    // An authenticating proxy's request-header authentication: behind a gateway that reaches the
    // API server with a front-proxy client certificate, a client-sent X-Remote-Group would be the
    // caller's groups. Both encodings, and the '_' spellings CGI-style upstreams read alike.
    const headers = { 'X-Remote-User': 'system:admin', 'x-remote-group': 'system:masters', 'X-Remote-Extra-Scopes': 'all', x_remote_group: 'system:masters' };
    for (const raw of [false, true]) {
      const res = await check({ path: '/api/v1/namespaces/dev/pods', token: await issuer.token(), headers, raw });
      expect(res.status.code, `raw=${raw}`).toBe(0);
      expect([...res.ok_response!.headers_to_remove!].sort(), `raw=${raw}`).toEqual(['x-remote-extra-scopes', 'x-remote-group', 'x-remote-user', 'x_remote_group']);
    }
    // Names that only resemble them are the application's.
    const other = await check({ path: '/api/v1/namespaces/dev/pods', token: await issuer.token(), headers: { 'x-remote-addr': '1', 'x-remote-users': '1', 'x-remotes-user': '1' } });
    expect(other.ok_response!.headers_to_remove ?? []).toEqual([]);
  });

  it('a list claim\'s element with a comma, or a leading [, is left out of its header: joined, it would read as other values upstream', async () => {
    // Upstreams split a list header on ',' (Grafana's auth proxy groups, oauth2-proxy's convention):
    // a group someone could name `qa,grafana-admins` in a self-service directory must not arrive as
    // membership of grafana-admins.
    const token = await issuer.token({ sub: 'mallory@example.com', groups: ['engineers', 'qa,grafana-admins', ' ,admins', 'sre', ' ["grafana-admins"'] });
    const res = await check({ path: '/api/v1/namespaces/dev/pods', token });
    expect(res.status.code).toBe(0);
    expect(okHeader(res, 'x-stepgate-groups')).toBe('engineers,sre');
    // A scalar string claim is the IdP's one value and is sent as it is.
    const named = await check({ path: '/api/v1/namespaces/dev/pods', token: await issuer.token({ sub: 'carol@example.com', email: 'carol@example.com', groups: 'qa' }) });
    expect(okHeader(named, 'x-stepgate-groups')).toBe('qa');
    // Grafana reads a value that starts with '[' as a JSON list: two elements could spell one.
    const json = await check({ path: '/api/v1/namespaces/dev/pods', token: await issuer.token({ sub: 'trent@example.com', groups: ['["grafana-admins"', '"x"]'] }) });
    expect(okHeader(json, 'x-stepgate-groups')).toBe('"x"]');
  });

  it('verifies RS256, ES256 and EdDSA tokens', async () => {
    for (const kid of ['rs256-1', 'es256-1', 'eddsa-1']) {
      const res = await check({ path: '/api/v1/namespaces/dev/pods', token: await issuer.token({}, { kid }) });
      expect(res.status.code, kid).toBe(0);
    }
  });

  it('accepts HS256 only from the issuer configured with a shared secret', async () => {
    const { SignJWT } = await import('jose');
    const token = await new SignJWT({ iss: HMAC_ISSUER, aud: 'kubernetes', sub: 'ci-bot', acr: 'urn:stepgate:aal1', auth_time: now() })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(HMAC_SECRET));
    const res = await check({ path: '/api/v1/namespaces/dev/pods', token });
    expect(res.status.code).toBe(0);
    expect(okHeader(res, 'x-stepgate-subject')).toBe('ci-bot');
  });

  it('serves a cached token from the cache and says so in the metadata', async () => {
    const token = await issuer.token({ sub: 'cache-probe' });
    const first = await check({ path: '/api/v1/namespaces/dev/pods', token });
    const second = await check({ path: '/api/v1/namespaces/dev/pods', token });
    expect(first.dynamic_metadata!.fields.token_cache!.stringValue).toBe('miss');
    expect(second.dynamic_metadata!.fields.token_cache!.stringValue).toBe('hit');
    // The third answer comes from pre-encoded bytes: it must be the same message, byte for byte.
    const third = await check({ path: '/api/v1/namespaces/dev/pods', token });
    expect(third).toEqual(second);
    // ...and reuse never leaks past a request that needs its own answer.
    const spoofed = await check({ path: '/api/v1/namespaces/dev/pods', token, headers: { 'x-stepgate-approved': 'yes' } });
    expect(spoofed.ok_response!.headers_to_remove).toEqual(['x-stepgate-approved']);
    const withCookie = await check({ path: '/api/v1/namespaces/dev/pods', token, headers: { cookie: 'a=1; stepgate_device=x' } });
    expect(okHeader(withCookie, 'cookie')).toBe('a=1');
    const secrets = await check({ path: '/api/v1/namespaces/dev/secrets', token });
    expect(reasonOf(secrets)).toBe('acr_insufficient');
    const prodRead = await check({ path: '/api/v1/namespaces/prod/pods', token });
    expect(prodRead.status.code).toBe(0);
  });
});

describe('token problems', () => {
  it('token_missing: 401 with a bare Bearer challenge', async () => {
    const res = await check({ path: '/api/v1/namespaces/dev/pods' });
    expectDenied(res, 'token_missing', 'Unauthorized');
    expect(deniedHeader(res, 'www-authenticate')).toBe('Bearer realm="stepgate"');
  });

  it('token_missing for a non-Bearer credential', async () => {
    const res = await check({ path: '/api/v1/namespaces/dev/pods', headers: { authorization: 'Basic YWxpY2U6cHc=' } });
    expectDenied(res, 'token_missing', 'Unauthorized');
  });

  it.each([
    ['garbage', 'not-a-jwt'],
    ['two segments', 'abc.def'],
    ['bad base64 header', '!!!.eyJpc3MiOiJ4In0.sig'],
    ['no iss', `${b64({ alg: 'RS256' })}.${b64({ sub: 'x' })}.c2ln`],
  ])('token_malformed: %s', async (_name, token) => {
    const res = await check({ path: '/api/v1/namespaces/dev/pods', token });
    expectDenied(res, 'token_malformed', 'Unauthorized');
    expect(deniedHeader(res, 'www-authenticate')).toMatch(/^Bearer realm="stepgate", error="invalid_token"/);
  });

  it('token_invalid: a tampered payload fails the signature check', async () => {
    const token = await issuer.token();
    const [h, , s] = token.split('.');
    const forged = `${h}.${b64({ iss: issuer.url, aud: 'kubernetes', sub: 'mallory', exp: now() + 600, acr: 'urn:stepgate:aal3' })}.${s}`;
    expectDenied(await check({ path: '/api/v1/namespaces/dev/pods', token: forged }), 'token_invalid', 'Unauthorized');
  });

  it('token_invalid: a token without exp is refused', async () => {
    const res = await check({ path: '/api/v1/namespaces/dev/pods', token: await issuer.token({ exp: undefined }) });
    expectDenied(res, 'token_invalid', 'Unauthorized');
  });

  it('token_invalid: a back-channel logout token or a security event token signed by the issuer is no sign-in', async () => {
    const events = { 'http://schemas.openid.net/event/backchannel-logout': {} };
    const logout = await issuer.token({ sid: 'sid-7', events, acr: 'urn:stepgate:aal3', auth_time: now() }, { header: { typ: 'logout+jwt' } });
    expectDenied(await check({ path: '/api/v1/namespaces/dev/pods', token: logout }), 'token_invalid', 'Unauthorized');
    // Without the explicit type the events claim still says what it is.
    expectDenied(await check({ path: '/api/v1/namespaces/dev/pods', token: await issuer.token({ events }) }), 'token_invalid', 'Unauthorized');
    const set = await issuer.token({ events: { 'https://schemas.openid.net/secevent/caep/event-type/session-revoked': {} } }, { header: { typ: 'secevent+jwt' } });
    expectDenied(await check({ path: '/api/v1/namespaces/dev/pods', token: set }), 'token_invalid', 'Unauthorized');
    // An RFC 9068 access token is a bearer token.
    expect((await check({ path: '/api/v1/namespaces/dev/pods', token: await issuer.token({}, { header: { typ: 'at+jwt' } }) })).status.code).toBe(0);
  });

  it('token_expired', async () => {
    const res = await check({ path: '/api/v1/namespaces/dev/pods', token: await issuer.token({ exp: now() - 120 }) });
    expectDenied(res, 'token_expired', 'Unauthorized');
  });

  it('token_not_yet_valid (nbf beyond the clock tolerance)', async () => {
    const res = await check({ path: '/api/v1/namespaces/dev/pods', token: await issuer.token({ nbf: now() + 600 }) });
    expectDenied(res, 'token_not_yet_valid', 'Unauthorized');
  });

  it('audience_mismatch', async () => {
    const res = await check({ path: '/api/v1/namespaces/dev/pods', token: await issuer.token({ aud: 'billing' }) });
    expectDenied(res, 'audience_mismatch', 'Unauthorized');
  });

  it('issuer_unknown, even when signed with a trusted key', async () => {
    const res = await check({ path: '/api/v1/namespaces/dev/pods', token: await issuer.token({ iss: 'https://evil.example.com' }) });
    expectDenied(res, 'issuer_unknown', 'Unauthorized');
  });

  it('algorithm_forbidden: alg none', async () => {
    const token = new UnsecuredJWT({ iss: issuer.url, aud: 'kubernetes', sub: 'mallory', acr: 'urn:stepgate:aal3' })
      .setIssuedAt()
      .setExpirationTime('5m')
      .encode();
    expectDenied(await check({ path: '/api/v1/namespaces/dev/pods', token }), 'algorithm_forbidden', 'Unauthorized');
  });

  it('algorithm_forbidden: HS256 signed with the issuer public key (key confusion)', async () => {
    const pem = createPublicKey({ key: issuer.publicJwk('rs256-1') as JWK & { kty: string }, format: 'jwk' })
      .export({ type: 'spki', format: 'pem' })
      .toString();
    const header = b64({ alg: 'HS256', kid: 'rs256-1', typ: 'JWT' });
    const payload = b64({ iss: issuer.url, aud: 'kubernetes', sub: 'mallory', exp: now() + 600, acr: 'urn:stepgate:aal3' });
    const sig = createHmac('sha256', pem).update(`${header}.${payload}`).digest('base64url');
    expectDenied(await check({ path: '/api/v1/namespaces/dev/pods', token: `${header}.${payload}.${sig}` }), 'algorithm_forbidden', 'Unauthorized');
  });

  it('key_unknown: a kid the issuer does not publish, with one rate-limited refetch', async () => {
    await issuer.addKey('unpublished', 'ES256', false);
    const before = issuer.jwksFetches;
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) => issuer.token({ sub: `u${i}` }, { kid: 'unpublished' }).then((token) => check({ path: '/api/v1/namespaces/dev/pods', token }))),
    );
    for (const res of results) expectDenied(res, 'key_unknown', 'Unauthorized');
    expect(issuer.jwksFetches - before).toBeLessThanOrEqual(1);
  });

  it('subject_missing', async () => {
    const res = await check({ path: '/api/v1/namespaces/dev/pods', token: await issuer.token({ sub: undefined }) });
    expectDenied(res, 'subject_missing', 'Unauthorized');
  });

  it('jwks_unavailable: 503 when the issuer keys cannot be fetched', async () => {
    const { SignJWT, generateKeyPair } = await import('jose');
    const { privateKey } = await generateKeyPair('RS256');
    const token = await new SignJWT({ iss: DOWN_ISSUER, aud: 'kubernetes', sub: 'bob' })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setExpirationTime('5m')
      .sign(privateKey);
    const res = await check({ path: '/api/v1/namespaces/dev/pods', token });
    expectDenied(res, 'jwks_unavailable', 'ServiceUnavailable');
  });
});

describe('key rotation and JWKS outage', () => {
  it('picks up a key rotated in after startup', async () => {
    aheadMs += 2100; // past the refetch cooldown left by other tests
    await issuer.addKey('rs256-2', 'RS256', false);
    const token = await issuer.token({}, { kid: 'rs256-2' });
    issuer.published.add('rs256-2');
    const before = issuer.jwksFetches;
    const res = await check({ path: '/api/v1/namespaces/dev/pods', token });
    expect(res.status.code).toBe(0);
    expect(issuer.jwksFetches - before).toBe(1);
  });

  it('keeps serving known keys and cached tokens while the JWKS endpoint is down', async () => {
    const cachedToken = await issuer.token({ sub: 'before-outage' });
    expect((await check({ path: '/api/v1/namespaces/dev/pods', token: cachedToken })).status.code).toBe(0);
    issuer.down = true;
    try {
      expect((await check({ path: '/api/v1/namespaces/dev/pods', token: cachedToken })).status.code).toBe(0);
      const fresh = await issuer.token({ sub: 'during-outage' }, { kid: 'es256-1' });
      expect((await check({ path: '/api/v1/namespaces/dev/pods', token: fresh })).status.code).toBe(0);
    } finally {
      issuer.down = false;
    }
  });
});

describe('assurance and step-up responses', () => {
  it('acr_insufficient: RFC 9470 challenge for an API client', async () => {
    const res = await check({ path: '/api/v1/namespaces/dev/secrets/db', token: await issuer.token() });
    expectDenied(res, 'acr_insufficient', 'Unauthorized');
    expect(deniedHeader(res, 'www-authenticate')).toBe(
      'Bearer realm="stepgate", error="insufficient_user_authentication", ' +
        'error_description="This request needs a stronger authentication than the one presented.", ' +
        'acr_values="urn:stepgate:aal2 2", max_age=900',
    );
    const body = deniedBody(res);
    expect(body.kind).toBe('Status');
    expect(body.code).toBe(401);
    expect(body.stepgate).toMatchObject({ reason: 'acr_insufficient', required: { level: 'aal2', max_age: 900 }, presented: { level: 'aal1' } });
    expect(String(body.message)).toContain('acr_insufficient');
  });

  it('aal2 passes where aal2 is required; aal3 satisfies it too (levels are ordered)', async () => {
    for (const claims of [aal2, aal3]) {
      const res = await check({ path: '/api/v1/namespaces/dev/secrets/db', token: await issuer.token(claims) });
      expect(res.status.code).toBe(0);
    }
  });

  it('recognises a level by amr alone', async () => {
    const res = await check({ path: '/api/v1/namespaces/dev/secrets', token: await issuer.token({ acr: undefined, amr: ['pwd', 'mfa'] }) });
    expect(res.status.code).toBe(0);
  });

  it('auth_too_old: the right level, but authenticated too long ago', async () => {
    const res = await check({ path: '/api/v1/namespaces/dev/secrets', token: await issuer.token({ ...aal2, auth_time: now() - 1000 }) });
    expectDenied(res, 'auth_too_old', 'Unauthorized');
    expect(deniedHeader(res, 'www-authenticate')).toContain('max_age=900');
  });

  it('auth_time_missing when a rule bounds max_age', async () => {
    const res = await check({ path: '/api/v1/namespaces/dev/secrets', token: await issuer.token({ ...aal2, auth_time: undefined }) });
    expectDenied(res, 'auth_time_missing', 'Unauthorized');
  });

  it('the strictest matching rule wins: RBAC write in prod needs aal3', async () => {
    const path = '/apis/rbac.authorization.k8s.io/v1/namespaces/prod/rolebindings';
    const atAal2 = await check({ method: 'POST', path, token: await issuer.token(aal2) });
    expectDenied(atAal2, 'acr_insufficient', 'Unauthorized');
    expect(atAal2.dynamic_metadata!.fields.rules!.stringValue).toBe('rbac-writes,prod-writes');
    expect(deniedHeader(atAal2, 'www-authenticate')).toContain('acr_values="urn:stepgate:aal3", max_age=300');
    expect((await check({ method: 'POST', path, token: await issuer.token(aal3) })).status.code).toBe(0);
  });

  it('percent-encoding cannot hide a namespace or resource', async () => {
    const token = await issuer.token();
    expectDenied(await check({ path: '/api/v1/namespaces/dev/%73ecrets', token }), 'acr_insufficient', 'Unauthorized');
    const res = await check({ method: 'DELETE', path: '/api/v1/namespaces/%70rod/configmaps/x', token });
    expectDenied(res, 'acr_insufficient', 'Unauthorized');
    expect(res.dynamic_metadata!.fields.rules!.stringValue).toBe('prod-writes');
    // Forms kube-apiserver reads differently from a normaliser are refused (see 'Kubernetes paths').
    expectDenied(await check({ path: '/api/v1/namespaces/dev/pods/../secrets', token }), 'request_invalid', 'BadRequest');
    expectDenied(await check({ path: '//api/v1//namespaces/dev/secrets', token }), 'request_invalid', 'BadRequest');
  });

  it('kubectl exec over websocket (GET) and SPDY (POST) are both an exec', async () => {
    const token = await issuer.token();
    const path = '/api/v1/namespaces/dev/pods/web-0/exec?command=sh&stdin=true&tty=true&container=web';
    const ws = await check({ path, token, headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-protocol': 'v5.channel.k8s.io' } });
    const spdy = await check({ method: 'POST', path, token, headers: { connection: 'Upgrade', upgrade: 'SPDY/3.1' } });
    for (const res of [ws, spdy]) {
      expectDenied(res, 'acr_insufficient', 'Unauthorized');
      expect(res.dynamic_metadata!.fields.rules!.stringValue).toBe('pod-shell');
    }
  });

  it('policy_deny: 403 with the rule message', async () => {
    const res = await check({ path: '/api/v1/nodes/node-1/proxy/metrics', token: await issuer.token(aal3) });
    expectDenied(res, 'policy_deny', 'Forbidden');
    expect((deniedBody(res).stepgate as { message: string }).message).toBe('nodes/proxy is not available through the gateway');
  });

  it('matches rules on groups claims', async () => {
    const path = '/debug/pprof';
    const contractor = await check({ host: DASH_HOST, path, token: await issuer.token({ groups: ['contractors'] }) });
    expectDenied(contractor, 'policy_deny', 'Forbidden');
    expect((await check({ host: DASH_HOST, path, token: await issuer.token() })).status.code).toBe(0);
  });

  it('matches rules on context_extensions', async () => {
    const res = await check({ host: 'billing.example.com', path: '/', token: await issuer.token(aal2), context: { 'stepgate.app': 'billing' } });
    expectDenied(res, 'acr_insufficient', 'Unauthorized');
    expect(res.dynamic_metadata!.fields.rules!.stringValue).toBe('tagged-billing');
  });
});

describe('Kubernetes paths: what kube-apiserver reads, or request_invalid', () => {
  // Each was allowed at aal1 by the default rule: stepgate merged, resolved or decoded the path
  // into something harmless while kube-apiserver authorizes (and serves) what the bytes say.
  const attacks: [method: string, path: string][] = [
    ['GET', '/api/v1/namespaces//secrets'],
    ['GET', '/api/v1/namespaces/%2Fsecrets'],
    ['DELETE', '/apis/apps/v1/namespaces//deployments'],
    ['POST', '/api/v1/namespaces//pods/web-0/exec?command=sh&stdin=true&tty=true'],
    ['GET', '/api/v1/namespaces//secrets?watch=1'],
    ['GET', '/api/v1/namespaces/dev/secrets//db'],
    ['GET', '/apis//v1/namespaces/dev/secrets'],
    ['GET', '/api/v1/nodes/n1/proxy/a/../..'],
    ['GET', '/api/v1/nodes/n1/proxy/%2E%2E/%2e%2E'],
    ['GET', '/api/v1/nodes/n1/proxy/a%2F..%2F..'],
    ['GET', '/api/v1/namespaces/dev/pods/%2E%2E/%2E%2E/secrets'],
    ['DELETE', '/api/v1/namespaces/dev%2F..%2Fprod/configmaps/x'],
    ['GET', '/api/v1/namespaces/dev\\..\\prod/secrets'],
    ['GET', '/api/v1/namespaces/dev%5C..%5Cprod/secrets'],
    ['GET', '/api/v1/namespaces/%2E/secrets'],
    ['GET', '/api/v1/secrets?fieldSelector=metadata.name%3Dx#&watch=1'],
    ['GET', '/api/v1/namespaces/dev#/../secrets'],
    // Go matches methods exactly: kube derives no verb from `delete`.
    ['delete', '/api/v1/namespaces/prod/configmaps/x'],
  ];

  it.each(attacks)('%s %s is request_invalid at any level', async (method, path) => {
    for (const claims of [{}, aal3]) {
      expectDenied(await check({ method, path, token: await issuer.token(claims) }), 'request_invalid', 'BadRequest');
    }
  });

  it('refuses them on a route tagged as Kubernetes too', async () => {
    const res = await check({ host: 'internal-kube.example.net', path: '/api/v1/namespaces//secrets', token: await issuer.token(), context: { 'stepgate.kubernetes': 'true' } });
    expectDenied(res, 'request_invalid', 'BadRequest');
  });

  // What kubectl, client-go and controllers send: decided exactly as before.
  const WS = { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-protocol': 'v5.channel.k8s.io' };
  const real: [method: string, path: string, outcome: string, headers?: Record<string, string>][] = [
    ['GET', '/api/v1/namespaces/dev/pods?limit=500', 'allowed'],
    ['GET', '/api/v1/namespaces/dev/pods/', 'allowed'],
    ['GET', '/api/v1/pods?allowWatchBookmarks=true&resourceVersion=123&timeoutSeconds=540&watch=true', 'allowed'],
    ['GET', '/apis/apps/v1/namespaces/dev/deployments?fieldSelector=metadata.name%3Dweb', 'allowed'],
    ['GET', '/api/v1/namespaces/dev/events?fieldSelector=involvedObject.name%3Dweb-0%2CinvolvedObject.namespace%3Ddev', 'allowed'],
    ['PATCH', '/apis/apps/v1/namespaces/dev/deployments/web?fieldManager=kubectl-edit', 'allowed'],
    ['GET', '/api/v1/namespaces/dev/pods/web-0/log?container=app&follow=true', 'allowed'],
    ['GET', '/api/v1/namespaces/dev/services/https:web:443/proxy/', 'allowed'],
    ['GET', '/api/v1/namespaces/dev/services/https%3Aweb%3A443/proxy/api/v1/status', 'allowed'],
    ['GET', '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-controller-manager', 'allowed'],
    ['GET', '/api', 'allowed'],
    ['GET', '/apis', 'allowed'],
    ['GET', '/openapi/v3', 'allowed'],
    ['GET', '/.well-known/openid-configuration', 'allowed'],
    ['GET', '/api/v1/namespaces/dev/configmaps/kube%2Eroot-ca.crt', 'allowed'],
    ['GET', '/api/v1/namespaces/dev/secrets', 'acr_insufficient'],
    ['GET', '/api/v1/secrets?fieldSelector=metadata.name%3Ddb&watch=1', 'acr_insufficient'],
    ['GET', '/api/v1/namespaces/dev/pods/web-0/exec?command=sh&stdin=true&tty=true', 'acr_insufficient', WS],
    ['DELETE', '/api/v1/namespaces/prod/configmaps', 'acr_insufficient'],
    ['GET', '/api/v1/nodes/node-1/proxy/stats/summary', 'policy_deny'],
  ];

  it.each(real)('%s %s: %s', async (method, path, outcome, headers) => {
    const res = await check({ method, path, headers, token: await issuer.token() });
    if (outcome === 'allowed') expect(res.status.code, path).toBe(0);
    else expectDenied(res, outcome, outcome === 'policy_deny' ? 'Forbidden' : 'Unauthorized');
  });

  it('other hosts keep merging slashes, and refuse dot segments instead of resolving them', async () => {
    const token = await issuer.token();
    expect((await check({ host: DASH_HOST, path: '/d//abc', token })).status.code).toBe(0);
    expectDenied(await check({ host: DASH_HOST, path: '//admin//users', token }), 'acr_insufficient', 'Unauthorized');
    expectDenied(await check({ host: DASH_HOST, path: '/admin/%2E%2E/public', token }), 'request_invalid', 'BadRequest');
    expectDenied(await check({ host: DASH_HOST, path: '/admin/..%2F..%2Fd/abc', token }), 'request_invalid', 'BadRequest');
  });
});

describe('a Kubernetes API request on a host kubernetes.hosts lacks (kubernetes.unlisted_api_requests: refuse)', () => {
  // The spellings of the API server a gateway's wildcard, IP or in-mesh route lets in: before
  // session 47 each was a web request, allowed at aal1 by the default where `secrets` asks aal2.
  it.each([
    ['10.96.0.1', '/api/v1/namespaces/kube-system/secrets'],
    ['kubernetes.default.svc:443', '/api/v1/secrets'],
    ['k8s-prod.example.com', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings'],
    ['api.example.com', '/%61pi/v1/namespaces/prod/secrets/db'],
  ])('%s %s is kubernetes_host_unlisted, with a valid token at any level', async (host, path) => {
    for (const claims of [{}, aal3]) {
      const res = await check({ host, path, token: await issuer.token(claims) });
      expectDenied(res, 'kubernetes_host_unlisted', 'Forbidden');
      expect(res.dynamic_metadata!.fields.reason!.stringValue).toBe('kubernetes_host_unlisted');
      // A Kubernetes Status, so that kubectl (Result.Into) prints the message, not "unknown".
      expect(deniedHeader(res, 'content-type')).toBe('application/json');
      expect(deniedBody(res)).toMatchObject({ kind: 'Status', code: 403, message: `stepgate: ${reasonMessage('kubernetes_host_unlisted')} (kubernetes_host_unlisted)` });
    }
  });

  it("kubectl's discovery on such a host too, by its user agent: the message as text, which client-go's discovery prints", async () => {
    const res = await check({ host: '10.96.0.1', path: '/apis', token: await issuer.token() });
    expectDenied(res, 'kubernetes_host_unlisted', 'Forbidden');
    expect(deniedHeader(res, 'content-type')).toBe('text/plain; charset=utf-8');
    expect(res.denied_response!.body).toBe(`stepgate: ${reasonMessage('kubernetes_host_unlisted')} (kubernetes_host_unlisted)\n`);
  });

  it('the listed host in another spelling (case, port, root dot) is the listed host: judged by the Kubernetes rules', async () => {
    const res = await check({ host: 'KUBE.Example.COM.:6443', path: '/api/v1/namespaces/dev/secrets/db', token: await issuer.token() });
    expectDenied(res, 'acr_insufficient', 'Unauthorized');
  });

  it("a dashboard's own /api/v1 stays a web request", async () => {
    for (const path of ['/api/v1/query?query=up', '/api/v1/labels', '/apis/dashboard.grafana.app/v1beta1/namespaces/default/dashboards']) {
      const res = await check({ host: DASH_HOST, path, token: await issuer.token(), headers: { ...BROWSER_HEADERS, accept: 'application/json' } });
      expect(reasonOf(res), path).toBe('allowed');
    }
  });
});

describe('browsers', () => {
  it('redirects a navigation to the step-up URL with level, max_age and the original URL', async () => {
    const res = await check({ host: DASH_HOST, path: '/admin/users?page=2', headers: BROWSER_HEADERS, token: await issuer.token() });
    expectDenied(res, 'acr_insufficient', 'Found');
    const location = new URL(deniedHeader(res, 'location')!);
    expect(location.origin + location.pathname).toBe('https://auth.example.com/.stepgate/start');
    expect(location.searchParams.get('level')).toBe('aal2');
    expect(location.searchParams.get('max_age')).toBe('900');
    expect(location.searchParams.get('rd')).toBe('https://grafana.example.com/admin/users?page=2');
  });

  it('redirects a browser with no session to the step-up URL', async () => {
    const res = await check({ host: DASH_HOST, path: '/d/abc', headers: BROWSER_HEADERS });
    expectDenied(res, 'token_missing', 'Found');
    expect(new URL(deniedHeader(res, 'location')!).searchParams.get('level')).toBe('aal1');
  });

  it('answers fetch/XHR with 401 JSON naming the step-up URL', async () => {
    const res = await check({
      host: DASH_HOST,
      path: '/admin/api/users',
      headers: { accept: 'application/json', 'sec-fetch-mode': 'cors', 'sec-fetch-dest': 'empty' },
      token: await issuer.token(),
    });
    expectDenied(res, 'acr_insufficient', 'Unauthorized');
    expect(String(deniedBody(res).step_up_url)).toMatch(/^https:\/\/auth\.example\.com\/\.stepgate\/start\?level=aal2/);
  });

  it('never splices an absolute-form request target into the return URL', async () => {
    const res = await check({ host: DASH_HOST, path: `http://${DASH_HOST}/admin/x`, headers: BROWSER_HEADERS });
    expectDenied(res, 'token_missing', 'Found');
    expect(new URL(deniedHeader(res, 'location')!).searchParams.has('rd')).toBe(false);
  });

  it('refuses an absolute-form request target naming another host than the authority', async () => {
    const res = await check({ host: DASH_HOST, path: 'http://evil.example.net/admin/x', headers: BROWSER_HEADERS });
    expectDenied(res, 'request_invalid', 'BadRequest');
    expect(deniedHeader(res, 'location')).toBeUndefined();
  });

  it('never offers a return URL for a host outside stepup.return_hosts', async () => {
    const res = await check({ host: 'evil.example.net', path: '/admin/x', headers: BROWSER_HEADERS });
    expectDenied(res, 'token_missing', 'Found');
    expect(new URL(deniedHeader(res, 'location')!).searchParams.has('rd')).toBe(false);
  });
});

describe('malformed CheckRequests', () => {
  it.each([
    ['empty request', {}],
    ['no http attributes', { attributes: { request: {} } }],
    ['no method', { attributes: { request: { http: { path: '/api', host: 'kube.example.com' } } } }],
    ['no path', { attributes: { request: { http: { method: 'GET', host: 'kube.example.com' } } } }],
  ])('request_invalid: %s', async (_name, req) => {
    const res = await client.check(req);
    expectDenied(res, 'request_invalid', 'BadRequest');
  });

  it('request_invalid: broken percent-encoding in the path', async () => {
    expectDenied(await check({ path: '/api/v1/namespaces/%zz/secrets', token: await issuer.token() }), 'request_invalid', 'BadRequest');
  });

  it('request_invalid: a NUL byte smuggled in the path', async () => {
    expectDenied(await check({ path: '/api/v1/namespaces/dev%00/secrets', token: await issuer.token() }), 'request_invalid', 'BadRequest');
  });

  it('request_invalid: no host', async () => {
    const req = checkRequest({ path: '/x', host: '' });
    delete (req.attributes.request.http as { headers: Record<string, string> }).headers[':authority'];
    expectDenied(await client.check(req), 'request_invalid', 'BadRequest');
  });

  it('header_too_large: one oversized header', async () => {
    const res = await check({ path: '/api/v1/pods', headers: { 'x-padding': 'a'.repeat(9000) } });
    expectDenied(res, 'header_too_large', 'RequestHeaderFieldsTooLarge');
  });

  it('header_too_large: an oversized token', async () => {
    const res = await check({ path: '/api/v1/pods', token: 'a'.repeat(9000) });
    expectDenied(res, 'header_too_large', 'RequestHeaderFieldsTooLarge');
  });

  it('header_too_large: too many headers in total', async () => {
    const headers = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`x-h${i}`, 'b'.repeat(4000)]));
    expectDenied(await check({ path: '/api/v1/pods', headers }), 'header_too_large', 'RequestHeaderFieldsTooLarge');
  });

  it('never echoes token contents in a denial body', async () => {
    const token = await issuer.token({ iss: 'https://secret-issuer.example.com', sub: 'secret-subject' });
    const res = await check({ path: '/api/v1/pods', token });
    expect(res.denied_response!.body).not.toContain('secret-');
    expect(res.denied_response!.body).not.toContain(token.slice(0, 20));
  });
});

function b64(o: unknown): string {
  return Buffer.from(JSON.stringify(o)).toString('base64url');
}

describe('fail closed on the unexpected', () => {
  it('internal_error: a failure inside the pipeline denies with 500, and the server keeps serving', async () => {
    const { startGrpcServer } = await import('../../src/server/grpc/server.js');
    const rt = service.runtime;
    let broken = true;
    const faulty = {
      ...rt,
      policy: {
        ...rt.policy,
        evaluate: (...args: Parameters<typeof rt.policy.evaluate>) => {
          if (broken) throw new Error('boom');
          return rt.policy.evaluate(...args);
        },
      },
    };
    const server = await startGrpcServer({ runtime: () => faulty, log: createLogger('silent'), listen: '127.0.0.1:0' });
    const c = new CheckClient(server.port);
    try {
      const token = await issuer.token();
      const res = await c.check(checkRequest({ path: '/api/v1/namespaces/dev/pods', token }));
      expect(res.status.code).toBe(13);
      expect(deniedStatus(res)).toBe('InternalServerError');
      expect(deniedBody(res)).toEqual({ reason: 'internal_error', message: 'The request could not be evaluated.' });
      seenReasons.add('internal_error');
      expect(res.denied_response!.body).not.toContain('boom');
      broken = false;
      expect((await c.check(checkRequest({ path: '/api/v1/namespaces/dev/pods', token }))).status.code).toBe(0);
    } finally {
      c.close();
      await server.shutdown(100);
    }
  });
});

describe('overload: a bound on Checks in flight (server.max_inflight_checks)', () => {
  it('overloaded: past the bound a Check is denied at once with 503 and retry-after, the held ones finish, and the next one is served', async () => {
    const { startGrpcServer } = await import('../../src/server/grpc/server.js');
    // Every JWKS fetch waits until the test lets it go: Checks with new tokens stay in flight.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const config = parseConfig(testConfigYaml(issuer.url).replace('  shutdown_grace_seconds: 5\n', '  shutdown_grace_seconds: 5\n  max_inflight_checks: 2\n'), 'overload.yaml');
    expect(config.server.max_inflight_checks).toBe(2);
    const rt = buildRuntime(config, {
      fetch: async (url, init) => {
        await gate;
        return fetch(url, init);
      },
      now: Date.now,
      env: { TEST_HMAC_SECRET: HMAC_SECRET },
    });
    const shed: number[] = [];
    const telemetry = { tracing: undefined, checked: () => undefined, shed: (n: number) => void shed.push(n) };
    const server = await startGrpcServer({ runtime: () => rt, log: createLogger('silent'), listen: '127.0.0.1:0', telemetry });
    const c = new CheckClient(server.port);
    try {
      const held = [
        c.check(checkRequest({ path: '/api/v1/namespaces/dev/pods', token: await issuer.token() })),
        c.check(checkRequest({ path: '/api/v1/namespaces/dev/pods', token: await issuer.token({ sub: 'bob@example.com' }) })),
      ];
      await vi.waitFor(() => expect(server.inflight).toBe(2), { timeout: 10_000, interval: 5 });
      // Any third Check, cached token or not, valid or not, gets the same immediate denial.
      for (const token of [await issuer.token(), 'not-a-jwt', undefined]) {
        const res = await c.check(checkRequest({ path: '/api/v1/namespaces/dev/pods', token }));
        expect(res.status.code).toBe(14);
        expectDenied(res, 'overloaded', 'ServiceUnavailable');
        expect(deniedHeader(res, 'retry-after')).toBe('1');
        expect(deniedBody(res)).toEqual({ reason: 'overloaded', message: 'stepgate is answering as many requests as it may at once; retry shortly.' });
      }
      expect(server.inflight).toBe(2);
      expect(shed).toEqual([2, 2, 2]);
      release();
      for (const res of await Promise.all(held)) expect(res.status.code).toBe(0);
      expect(server.inflight).toBe(0);
      expect((await c.check(checkRequest({ path: '/api/v1/namespaces/dev/pods', token: await issuer.token() }))).status.code).toBe(0);
      expect(shed).toHaveLength(3);
    } finally {
      release();
      c.close();
      await server.shutdown(100);
    }
  });
});

describe('the step-up session cookie as an identity', () => {
  const keys = `k1:${randomBytes(32).toString('base64url')}`;
  let sessionService: Service;
  let sessionClient: CheckClient;
  let codec: SessionCodec;

  beforeAll(async () => {
    // The step-up routes are off (no IdP here): only the Check side of the session is exercised.
    const yaml = withStepupSession(testConfigYaml(issuer.url));
    const config = parseConfig(yaml, 'session.yaml');
    sessionService = await startService(config, { TEST_HMAC_SECRET: HMAC_SECRET, SG_KEYS: keys, STEPGATE_HTTP_LISTEN: 'off', STEPGATE_METRICS_LISTEN: 'off' }, createLogger('silent'));
    sessionClient = new CheckClient(sessionService.grpc.port);
    codec = new SessionCodec(config.stepup.session!, parseKeyList(keys, 'SG_KEYS'));
  });

  afterAll(async () => {
    sessionClient?.close();
    await sessionService?.stop();
  });

  const cookie = async (authTime: number, nowMs = Date.now(), iss = 'https://idp.example.com') =>
    (await codec.create({ iss, sub: 'alice', acr: 'urn:stepgate:aal2', amr: ['pwd', 'mfa'], auth_time: authTime, extra: { email: 'alice@example.com' } }, nowMs))!.value;
  const dash = (c: string, path = '/admin/users') =>
    sessionClient.check(checkRequest({ host: DASH_HOST, path, headers: { ...BROWSER_HEADERS, cookie: `a=b; stepgate_session=${c}` } }));

  it('allows at the session level and keeps the cookie from the upstream', async () => {
    const res = await dash(await cookie(now()));
    expect(reasonOf(res)).toBe('allowed');
    seenReasons.add('allowed');
    expect(okHeader(res, 'x-stepgate-level')).toBe('aal2');
    expect(okHeader(res, 'cookie')).toBe('a=b');
  });

  it('a tampered or foreign-key cookie is session_invalid', async () => {
    const good = await cookie(now());
    const bad = good.slice(0, -3) + (good.endsWith('AAA') ? 'BBB' : 'AAA');
    expectDenied(await dash(bad), 'session_invalid', 'Found');
    const foreign = new SessionCodec({ cookie_name: 'stepgate_session', lifetime_seconds: 3600, keys_env: 'X' }, parseKeyList(`k1:${randomBytes(32).toString('base64url')}`, 'X'));
    const other = (await foreign.create({ iss: 'https://idp.example.com', sub: 'mallory', acr: 'urn:stepgate:aal3', amr: [], auth_time: now(), extra: {} }, Date.now()))!.value;
    expectDenied(await dash(other), 'session_invalid', 'Found');
    // A bearer token in the cookie is not a session.
    expectDenied(await dash(await issuer.token(aal2)), 'session_invalid', 'Found');
    // A sealed session for another issuer is not ours either.
    expectDenied(await dash(await cookie(now(), Date.now(), 'https://evil.example.com')), 'session_invalid', 'Found');
  });

  it('two different session cookies are credential_ambiguous', async () => {
    const a = await cookie(now());
    const b = await cookie(now() - 5);
    expectDenied(await dash(`${a}; stepgate_session=${b}`), 'credential_ambiguous', 'BadRequest');
    // The same value twice is one credential.
    expect(reasonOf(await dash(`${a}; stepgate_session=${a}`))).toBe('allowed');
  });

  it('an expired cookie is session_expired', async () => {
    const past = Date.now() - 7200_000;
    expectDenied(await dash(await cookie(Math.floor(past / 1000), past)), 'session_expired', 'Found');
  });
});

describe('the risk engine and its state store', () => {
  let riskService: Service;
  let riskClient: CheckClient;

  beforeAll(async () => {
    // Redis that is not there (port 9 on loopback refuses): the store fails every call, quickly.
    const yaml = `${testConfigYaml(issuer.url)}
risk:
  learn: { min_level: aal2 }
  signals: { new_network: 60, new_device_fingerprint: 30 }
  bands:
    - { name: critical, min_score: 90, deny: true }
state:
  store: redis
  timeout_ms: 200
  on_state_error: degrade
  redis: { url: "redis://127.0.0.1:9/0" }
`;
    riskService = await startService(parseConfig(yaml, 'risk.yaml'), { TEST_HMAC_SECRET: HMAC_SECRET, STEPGATE_METRICS_LISTEN: 'off', STEPGATE_HTTP_LISTEN: 'off' }, createLogger('silent'));
    riskClient = new CheckClient(riskService.grpc.port);
  });

  afterAll(async () => {
    riskClient?.close();
    await riskService?.stop();
  });

  it('a score in a deny band is risk_deny; a sensitive request without state (fail_closed) is state_unavailable', async () => {
    // degrade: every address and device counts as new: 60 + 30 = 90 reaches the deny band, 403.
    const token = await issuer.token({ ...aal2, auth_time: now() });
    expectDenied(await riskClient.check(checkRequest({ path: '/api/v1/namespaces/dev/pods', token })), 'risk_deny', 'Forbidden');
    // The same service reloaded with fail_closed: a Secrets read (a rule matched) is refused.
    const closed = parseConfig(`${testConfigYaml(issuer.url)}
risk:
  learn: { min_level: aal2 }
state:
  store: redis
  timeout_ms: 200
  on_state_error: fail_closed
  redis: { url: "redis://127.0.0.1:9/0" }
`, 'risk.yaml');
    riskService.reload(closed);
    expectDenied(await riskClient.check(checkRequest({ path: '/api/v1/namespaces/dev/secrets/db', token })), 'state_unavailable', 'ServiceUnavailable');
  });
});

describe('automation approvals on the Check side', () => {
  let autoService: Service;
  let autoClient: CheckClient;

  beforeAll(async () => {
    // The approval pages are off here (test/integration/approvals.test.ts drives them): the store is decided directly.
    const yaml = withStepupSession(testConfigYaml(issuer.url)) + `automation:\n  subjects: [{ issuer: ${issuer.url}, subject: "ci-*" }]\n  approver: { level: aal2 }\n`;
    autoService = await startService(
      parseConfig(yaml, 'automation.yaml'),
      { TEST_HMAC_SECRET: HMAC_SECRET, SG_KEYS: `k1:${randomBytes(32).toString('base64url')}`, STEPGATE_HTTP_LISTEN: 'off', STEPGATE_METRICS_LISTEN: 'off' },
      createLogger('silent'),
    );
    autoClient = new CheckClient(autoService.grpc.port);
  });

  afterAll(async () => {
    autoClient?.close();
    await autoService?.stop();
  });

  it('a step-up for automation is approval_required; a rejected one approval_rejected; an approved one passes once', async () => {
    const token = await issuer.token({ sub: 'ci-bot', auth_time: now() });
    const read = (name: string) => autoClient.check(checkRequest({ path: `/api/v1/namespaces/dev/secrets/${name}`, token }));
    const idOf = (res: CheckResponse) => ((deniedBody(res).stepgate as { approval: { id: string } }).approval.id);
    const store = autoService.runtime.approvals!;
    const first = await read('db');
    expectDenied(first, 'approval_required', 'Forbidden');
    await store.decide(idOf(first), 'rejected', '{}', 60_000, Date.now());
    expectDenied(await read('db'), 'approval_rejected', 'Forbidden');
    const other = await read('cache');
    expectDenied(other, 'approval_required', 'Forbidden');
    await store.decide(idOf(other), 'approved', '{}', 60_000, Date.now());
    expect(reasonOf(await read('cache'))).toBe('allowed');
    expectDenied(await read('cache'), 'approval_required', 'Forbidden');
    // A human's token is challenged as before.
    expectDenied(await autoClient.check(checkRequest({ path: '/api/v1/namespaces/dev/secrets/db', token: await issuer.token({ auth_time: now() }) })), 'acr_insufficient', 'Unauthorized');
  });

  it('without an approver, a step-up asked of automation is automation_step_up (403), and the everyday passes without auth_time', async () => {
    autoService.reload(parseConfig(withStepupSession(testConfigYaml(issuer.url)) + `automation:\n  subjects: [{ issuer: ${issuer.url}, subject: "ci-*" }]\n`, 'automation-no-approver.yaml'));
    // A pipeline token as CI issuers mint them: no auth_time, no acr.
    const token = await issuer.token({ sub: 'ci-bot', auth_time: undefined, acr: undefined, amr: undefined });
    const res = await autoClient.check(checkRequest({ path: '/api/v1/namespaces/dev/secrets/db', token }));
    expectDenied(res, 'automation_step_up', 'Forbidden');
    expect(deniedBody(res).stepgate).toMatchObject({ reason: 'automation_step_up', presented: { level: 'none' } });
    expect(reasonOf(await autoClient.check(checkRequest({ path: '/api/v1/namespaces/dev/pods', token })))).toBe('allowed');
  });
});

describe('revocation on the Check side (issue 15)', () => {
  let incService: Service;
  let incClient: CheckClient;

  beforeAll(async () => {
    const yaml = withStepupSession(testConfigYaml(issuer.url)) + `incident:\n  admin: { issuers: ["${issuer.url}"], groups: [sre] }\n`;
    incService = await startService(
      parseConfig(yaml, 'incident.yaml'),
      { TEST_HMAC_SECRET: HMAC_SECRET, SG_KEYS: `k1:${randomBytes(32).toString('base64url')}`, STEPGATE_HTTP_LISTEN: 'off', STEPGATE_METRICS_LISTEN: 'off' },
      createLogger('silent'),
    );
    incClient = new CheckClient(incService.grpc.port);
  });

  afterAll(async () => {
    incClient?.close();
    await incService?.stop();
  });

  it('a revoked subject is credential_revoked over gRPC, though its allow was cached and its encoded answer reused', async () => {
    const { revoke } = await import('../../src/admin/actions.js');
    const token = await issuer.token({ sub: 'revoked-user', auth_time: now() - 60 });
    const read = () => incClient.check(checkRequest({ path: '/api/v1/namespaces/dev/configmaps/app', token }));
    expect(reasonOf(await read())).toBe('allowed');
    expect(reasonOf(await read())).toBe('allowed');
    await revoke(incService.runtime, { kind: 'subject', subject: 'revoked-user' }, 'test', { via: 'admin', issuer: issuer.url, subject: 'admin' });
    expectDenied(await read(), 'credential_revoked', 'Unauthorized');
    expect(reasonOf(await incClient.check(checkRequest({ path: '/api/v1/namespaces/dev/configmaps/app', token: await issuer.token({ sub: 'other-user', auth_time: now() - 60 }) })))).toBe('allowed');
  });
});

describe('issuers[].authorized_parties (a token issued to another client)', () => {
  let partiesService: Service;
  let partiesClient: CheckClient;

  beforeAll(async () => {
    const yaml = testConfigYaml(issuer.url).replace('    audiences: [kubernetes]\n    algorithms: [RS256, ES256, EdDSA]\n', '    audiences: [kubernetes]\n    authorized_parties: [kubelogin]\n    algorithms: [RS256, ES256, EdDSA]\n');
    expect(yaml).toContain('authorized_parties: [kubelogin]');
    partiesService = await startService(parseConfig(yaml, 'parties.yaml'), { TEST_HMAC_SECRET: HMAC_SECRET, STEPGATE_HTTP_LISTEN: 'off', STEPGATE_METRICS_LISTEN: 'off' }, createLogger('silent'));
    partiesClient = new CheckClient(partiesService.grpc.port);
  });

  afterAll(async () => {
    partiesClient?.close();
    await partiesService?.stop();
  });

  it('client_not_allowed for a consent app\'s token, again from the negative cache; kubelogin\'s token is allowed', async () => {
    const read = (token: string) => partiesClient.check(checkRequest({ path: '/api/v1/namespaces/dev/pods', token }));
    const consent = await issuer.token({ azp: 'calendar-sync-addon' });
    expectDenied(await read(consent), 'client_not_allowed', 'Unauthorized');
    expectDenied(await read(consent), 'client_not_allowed', 'Unauthorized');
    expect(reasonOf(await read(await issuer.token({ azp: 'kubelogin' })))).toBe('allowed');
  });
});

describe('access_proxy: an identity-aware proxy\'s signed assertion (403, never a step-up)', () => {
  const HEADER = 'x-pomerium-jwt-assertion';
  const POD = '10.60.4.11';
  let proxy: TestIssuer;
  const started: { service: Service; client: CheckClient }[] = [];

  /** A service whose proxy publishes its keys at `jwks` (DOWN_ISSUER's: nothing answers there). */
  async function withProxy(jwks: string) {
    const extra = `network:\n  xff_trusted_cidrs: ["10.60.0.0/16"]\naccess_proxy:\n  header: ${HEADER}\n  issuer: ${proxy.url}\n  audiences: [kube.example.com]\n  jwks_uri: ${jwks}\n  fetch_timeout_ms: 2000\n  user_claim: email\n  token_claim: email\n`;
    const s = await startService(testConfig(issuer.url, extra), { TEST_HMAC_SECRET: HMAC_SECRET, STEPGATE_HTTP_LISTEN: 'off', STEPGATE_METRICS_LISTEN: 'off' }, createLogger('silent'));
    const c = new CheckClient(s.grpc.port);
    started.push({ service: s, client: c });
    return c;
  }

  beforeAll(async () => {
    proxy = await TestIssuer.start();
    await proxy.addKey('es256-unpublished', 'ES256', false);
  });

  afterAll(async () => {
    for (const { service: s, client: c } of started) {
      c.close();
      await s.stop();
    }
    await proxy?.close();
  });

  const through = (c: CheckClient, token: string, assertion?: string) =>
    c.check(checkRequest({ path: '/api/v1/namespaces/dev/pods', token, source: POD, headers: { 'x-forwarded-for': '10.20.4.17', ...(assertion !== undefined ? { [HEADER]: assertion } : {}) } }));
  const assertionFor = (email: string, claims: Record<string, unknown> = {}, kid = 'es256-1') => proxy.token({ aud: 'kube.example.com', email, ...claims }, { kid });

  it("refuses a request through the proxy without its assertion, a forged, expired or unknown-key one, and another user's token", async () => {
    const c = await withProxy(`${proxy.url}/jwks`);
    const token = await issuer.token({ email: 'alice@example.com' });
    expect(reasonOf(await through(c, token, await assertionFor('alice@example.com')))).toBe('allowed');
    expectDenied(await through(c, token), 'proxy_assertion_missing', 'Forbidden');
    // Signed by the bearer tokens' issuer under the proxy's name: a key the proxy does not publish under that kid.
    expectDenied(await through(c, token, await issuer.token({ iss: proxy.url, aud: 'kube.example.com', email: 'alice@example.com' }, { kid: 'es256-1' })), 'proxy_assertion_invalid', 'Forbidden');
    expectDenied(await through(c, token, await assertionFor('alice@example.com', { exp: now() - 600, iat: now() - 900 })), 'proxy_assertion_expired', 'Forbidden');
    expectDenied(await through(c, token, await assertionFor('alice@example.com', {}, 'es256-unpublished')), 'proxy_key_unknown', 'Forbidden');
    expectDenied(await through(c, token, await assertionFor('mallory@example.com')), 'proxy_user_mismatch', 'Forbidden');
  });

  it("refuses while the proxy's keys cannot be fetched", async () => {
    const c = await withProxy(`${DOWN_ISSUER}/jwks`);
    const token = await issuer.token({ email: 'alice@example.com' });
    expectDenied(await through(c, token, await assertionFor('alice@example.com')), 'proxy_jwks_unavailable', 'Forbidden');
  });
});

describe('sender-constrained tokens (RFC 9449 DPoP, RFC 8705 certificate-bound)', () => {
  const PODS = '/api/v1/namespaces/dev/pods';

  it('refuses a DPoP-bound token without its proof, the DPoP scheme without a bound token, a proof that does not hold, and a proof used twice', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const jwk = await exportJWK(publicKey);
    const token = await issuer.token({ ...aal2, cnf: { jkt: await calculateJwkThumbprint(jwk) } });
    const proof = (htm: string) =>
      new SignJWT({ jti: randomUUID(), htm, htu: `https://${KUBE_HOST}${PODS}`, iat: Math.floor((Date.now() + aheadMs) / 1000), ath: createHash('sha256').update(token).digest('base64url') })
        .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk })
        .sign(privateKey);
    const dpop = async (p: string) => check({ path: PODS, headers: { authorization: `DPoP ${token}`, dpop: p } });
    expectDenied(await check({ path: PODS, token }), 'dpop_proof_missing', 'Unauthorized');
    expectDenied(await check({ path: PODS, headers: { authorization: `DPoP ${await issuer.token(aal2)}` } }), 'dpop_binding_mismatch', 'Unauthorized');
    expectDenied(await dpop(await proof('POST')), 'dpop_proof_invalid', 'Unauthorized');
    const good = await proof('GET');
    expect((await dpop(good)).status.code).toBe(0);
    expectDenied(await dpop(good), 'dpop_proof_replayed', 'Unauthorized');
  });

  it('with sender_constrained.dpop.nonce: required, refuses a proof without a server nonce (use_dpop_nonce, DPoP-Nonce) and allows the retry with it', async () => {
    const yaml = withStepupSession(testConfigYaml(issuer.url, 'sender_constrained:\n  dpop:\n    nonce: required\n'));
    const s = await startService(parseConfig(yaml, 'dpop-nonce.yaml'), { TEST_HMAC_SECRET: HMAC_SECRET, SG_KEYS: `k1:${randomBytes(32).toString('base64url')}`, STEPGATE_HTTP_LISTEN: 'off', STEPGATE_METRICS_LISTEN: 'off' }, createLogger('silent'));
    const c = new CheckClient(s.grpc.port);
    try {
      const { privateKey, publicKey } = await generateKeyPair('ES256');
      const jwk = await exportJWK(publicKey);
      const token = await issuer.token({ ...aal2, cnf: { jkt: await calculateJwkThumbprint(jwk) } });
      const proof = (extra: Record<string, unknown> = {}) =>
        new SignJWT({ jti: randomUUID(), htm: 'GET', htu: `https://${KUBE_HOST}${PODS}`, iat: Math.floor(Date.now() / 1000), ath: createHash('sha256').update(token).digest('base64url'), ...extra })
          .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk })
          .sign(privateKey);
      const dpop = async (p: string) => c.check(checkRequest({ path: PODS, headers: { authorization: `DPoP ${token}`, dpop: p } }));
      const first = await dpop(await proof());
      expectDenied(first, 'dpop_nonce_required', 'Unauthorized');
      expect(deniedHeader(first, 'www-authenticate')).toContain('error="use_dpop_nonce"');
      const nonce = deniedHeader(first, 'dpop-nonce');
      expect(nonce).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect((await dpop(await proof({ nonce }))).status.code).toBe(0);
    } finally {
      c.close();
      await s.stop();
    }
  });

  it('refuses a certificate-bound token without a client certificate and over another one', async () => {
    const mine = makeDeviceCa('laptop-17');
    const theirs = makeDeviceCa('laptop-99');
    const x5t = createHash('sha256').update(Buffer.from(mine.certPem.replace(/-----[^-]+-----|\s/g, ''), 'base64')).digest('base64url');
    const token = await issuer.token({ ...aal2, cnf: { 'x5t#S256': x5t } });
    const over = (pem: string | undefined) => {
      const req = checkRequest({ path: PODS, token });
      if (pem !== undefined) (req.attributes.source as { certificate?: string }).certificate = encodeURIComponent(pem);
      return client.check(req);
    };
    expect((await over(mine.certPem)).status.code).toBe(0);
    expectDenied(await over(undefined), 'certificate_binding_missing', 'Unauthorized');
    expectDenied(await over(theirs.certPem), 'certificate_binding_mismatch', 'Unauthorized');
  });
});

describe('access_windows on the real server: Redis state, memory state, live reload (issue 12, day 42)', () => {
  // The window is config, not state: the same refusal with the risk engine on Redis and with none.
  let redis: RedisServer;
  let redisService: Service;
  let memoryService: Service;
  const redisState = () => `risk:\n  learn: { min_level: aal2 }\nstate:\n  store: redis\n  timeout_ms: 1000\n  redis: { url: "${redis.url}", key_prefix: "windows-test:" }\n`;
  const windowUntil = (ms: number) => `access_windows:\n  - name: contractor-night\n    match: { subjects: ["contractor-*"] }\n    valid_until: "${new Date(ms).toISOString()}"\n`;
  const env = { TEST_HMAC_SECRET: HMAC_SECRET, STEPGATE_METRICS_LISTEN: 'off', STEPGATE_HTTP_LISTEN: 'off' };

  beforeAll(async () => {
    redis = await startRedis();
    redisService = await startService(parseConfig(testConfigYaml(issuer.url) + redisState() + windowUntil(Date.now() - 60_000), 'windows-redis.yaml'), env, createLogger('silent'));
    memoryService = await startService(parseConfig(testConfigYaml(issuer.url) + windowUntil(Date.now() + 3_600_000), 'windows-memory.yaml'), env, createLogger('silent'));
  });

  afterAll(async () => {
    await redisService?.stop();
    await memoryService?.stop();
    await redis?.stop();
  });

  it('refuses a closed window with access_window_closed (403) beside a Redis state store; others are judged as before', async () => {
    const c = new CheckClient(redisService.grpc.port);
    try {
      const token = await issuer.token({ sub: 'contractor-7', ...aal3, auth_time: now() });
      const res = await c.check(checkRequest({ path: '/api/v1/namespaces/dev/pods', token }));
      expectDenied(res, 'access_window_closed', 'Forbidden');
      expect(res.dynamic_metadata?.fields.rules?.stringValue ?? '').toContain('access_window:contractor-night');
      expect(reasonOf(await c.check(checkRequest({ path: '/api/v1/namespaces/dev/pods', token: await issuer.token({ sub: 'employee-1', ...aal3, auth_time: now() }) })))).toBe('allowed');
    } finally {
      c.close();
    }
  });

  it('a reload that closes the window refuses the cached token at its next Check; one that reopens it allows it again', async () => {
    const c = new CheckClient(memoryService.grpc.port);
    try {
      const token = await issuer.token({ sub: 'contractor-8', ...aal2, auth_time: now() });
      const pods = () => c.check(checkRequest({ path: '/api/v1/namespaces/dev/pods', token }));
      expect(reasonOf(await pods())).toBe('allowed');
      expect(reasonOf(await pods())).toBe('allowed'); // cached
      memoryService.reload(parseConfig(testConfigYaml(issuer.url) + windowUntil(Date.now() - 1000), 'windows-closed.yaml'));
      expectDenied(await pods(), 'access_window_closed', 'Forbidden');
      memoryService.reload(parseConfig(testConfigYaml(issuer.url) + windowUntil(Date.now() + 3_600_000), 'windows-extended.yaml'));
      expect(reasonOf(await pods())).toBe('allowed');
      // Removing the key altogether: nobody is dated any more.
      memoryService.reload(parseConfig(testConfigYaml(issuer.url), 'windows-none.yaml'));
      expect(reasonOf(await pods())).toBe('allowed');
    } finally {
      c.close();
    }
  });
});

describe('coverage', () => {
  it('every reason code was produced by the real server in this file', () => {
    expect(REASON_CODES.filter((c) => !seenReasons.has(c))).toEqual([]);
  });
});
