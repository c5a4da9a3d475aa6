import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { startService, type Service } from '../../src/main.js';
import { parseKeyList } from '../../src/cookies/keys.js';
import { SessionCodec } from '../../src/cookies/session.js';
import { createLogger } from '../../src/telemetry/log.js';
import { HMAC_SECRET, testConfigYaml } from '../support/config.js';
import { CheckClient, okHeader, reasonOf, type CheckResponse } from '../support/grpc-client.js';
import { TestIssuer } from '../support/issuer.js';
import { BROWSER_HEADERS, checkRequest, DASH_HOST, type RequestSpec } from '../support/requests.js';
import { http } from '../support/stepup.js';

/**
 * Which credential a request carries, through the real gRPC server and the real HTTP ext_authz
 * listener: the WebSocket bearer subprotocol is a credential kube-apiserver honours, so it is
 * verified like Authorization; two different credentials are refused; stepgate's own cookies never
 * go upstream; a future iat or auth_time never counts as fresh.
 */

const keys = `k1:${randomBytes(32).toString('base64url')}`;
let issuer: TestIssuer;
let service: Service;
let client: CheckClient;
let codec: SessionCodec;
let authz: string;
const now = () => Math.floor(Date.now() / 1000);
const aal2 = { acr: 'urn:stepgate:aal2', amr: ['pwd', 'mfa'] };
const PROTO = 'base64url.bearer.authorization.k8s.io.';
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64url');
const EXEC = '/api/v1/namespaces/dev/pods/web-0/exec?command=sh&stdin=true&tty=true';
const WS = { upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' };

beforeAll(async () => {
  issuer = await TestIssuer.start();
  const yaml = testConfigYaml(issuer.url)
    .replace('  grpc_listen: 127.0.0.1:0\n', '  grpc_listen: 127.0.0.1:0\n  authz_http_listen: 127.0.0.1:0\n')
    .replace(
      'stepup:\n',
      'stepup:\n  oidc:\n    issuer: https://idp.example.com\n    client_id: stepgate\n    client_secret_env: SG_SECRET\n    redirect_uri: https://auth.example.com/.stepgate/callback\n  session:\n    keys_env: SG_KEYS\n',
    );
  const config = parseConfig(yaml, 'credentials.yaml');
  service = await startService(config, { TEST_HMAC_SECRET: HMAC_SECRET, SG_KEYS: keys, STEPGATE_HTTP_LISTEN: 'off', STEPGATE_METRICS_LISTEN: 'off' }, createLogger('silent'));
  client = new CheckClient(service.grpc.port);
  codec = new SessionCodec(config.stepup.session!, parseKeyList(keys, 'SG_KEYS'));
  authz = `http://127.0.0.1:${service.authzHttp!.port}`;
});

afterAll(async () => {
  client?.close();
  await service?.stop();
  await issuer?.close();
});

const check = (spec: RequestSpec) => client.check(checkRequest(spec));
/** An aal2 session for alice, authenticated now (or at `authTime`). */
const session = async (authTime = now(), sub = 'alice') =>
  (await codec.create({ iss: 'https://idp.example.com', sub, acr: 'urn:stepgate:aal2', amr: ['pwd', 'mfa'], auth_time: authTime, extra: {} }, Date.now()))!.value;
const removed = (res: CheckResponse) => res.ok_response?.headers_to_remove ?? [];

describe('the WebSocket bearer subprotocol is a credential', () => {
  it('a session cookie beside another user\'s subprotocol token: the token is what is verified (issue 11, 3b)', async () => {
    const bob = await issuer.token({ sub: 'bob@example.com' }); // aal1
    const res = await check({ path: EXEC, headers: { ...WS, cookie: `stepgate_session=${await session()}`, 'sec-websocket-protocol': `v5.channel.k8s.io, ${PROTO}${b64(bob)}` } });
    // Old behaviour: allowed as alice's aal2 session while kube ran the exec as bob.
    expect(reasonOf(res)).toBe('acr_insufficient');
  });

  it('an aal2 token in the subprotocol alone is verified like Authorization and allowed as its subject', async () => {
    const bob = await issuer.token({ sub: 'bob@example.com', ...aal2 });
    const res = await check({ path: EXEC, headers: { ...WS, 'sec-websocket-protocol': `v5.channel.k8s.io,${PROTO}${b64(bob)}` } });
    expect(reasonOf(res)).toBe('allowed');
    expect(okHeader(res, 'x-stepgate-subject')).toBe('bob@example.com');
    // Split across two headers (RFC 6455 allows it; kube reads them all): same result.
    const raw = checkRequest({ path: EXEC, headers: WS, raw: true });
    const list = (raw.attributes.request.http as unknown as { header_map: { headers: { key: string; raw_value: Buffer }[] } }).header_map.headers;
    list.push({ key: 'sec-websocket-protocol', raw_value: Buffer.from('v5.channel.k8s.io') }, { key: 'Sec-WebSocket-Protocol', raw_value: Buffer.from(`${PROTO}${b64(bob)}`) });
    expect(reasonOf(await client.check(raw))).toBe('allowed');
  });

  it('every token problem applies to the subprotocol token too', async () => {
    const cases: [string, string][] = [
      [await issuer.token({ exp: now() - 600 }), 'token_expired'],
      [await issuer.token({ aud: 'other' }), 'audience_mismatch'],
      [await issuer.token({ iss: 'https://evil.example.com' }), 'issuer_unknown'],
      ['not.a.jwt', 'token_malformed'],
    ];
    for (const [token, reason] of cases) {
      const res = await check({ path: EXEC, headers: { ...WS, 'sec-websocket-protocol': `v5.channel.k8s.io, ${PROTO}${b64(token)}` } });
      expect(reasonOf(res), reason).toBe(reason);
    }
  });

  it.each([
    ['padding', (t: string) => `v5.channel.k8s.io, ${PROTO}${Buffer.from(t).toString('base64')}`],
    ['standard base64 alphabet', (t: string) => `v5.channel.k8s.io, ${PROTO}${b64(t).replace(/-/g, '+').replace(/_/g, '/')}+/`],
    ['an empty token', () => `v5.channel.k8s.io, ${PROTO}`],
    ['two token subprotocols', (t: string) => `v5.channel.k8s.io, ${PROTO}${b64(t)}, ${PROTO}${b64(t)}`],
    ['no other subprotocol', (t: string) => `${PROTO}${b64(t)}`],
    ['a Unicode blank Go would trim', (t: string) => `v5.channel.k8s.io,\u00a0${PROTO}${b64(t)}`],
    ['invalid UTF-8', () => `v5.channel.k8s.io, ${PROTO}${Buffer.from([0xff, 0xfe, 0x41]).toString('base64url')}`],
    ['a length no byte string has', () => `v5.channel.k8s.io, ${PROTO}abcde`],
  ])('a subprotocol token kube would not read as stepgate does is token_malformed: %s', async (_name, build) => {
    const good = await issuer.token(aal2);
    const res = await check({ path: EXEC, headers: { ...WS, cookie: `stepgate_session=${await session()}`, 'sec-websocket-protocol': build(good) } });
    expect(reasonOf(res)).toBe('token_malformed');
  });

  it('Authorization and a different subprotocol token are credential_ambiguous; the same token twice is one credential', async () => {
    const alice = await issuer.token(aal2);
    const bob = await issuer.token({ sub: 'bob@example.com', ...aal2 });
    const both = await check({ path: EXEC, token: alice, headers: { ...WS, 'sec-websocket-protocol': `v5.channel.k8s.io, ${PROTO}${b64(bob)}` } });
    expect(reasonOf(both)).toBe('credential_ambiguous');
    expect(both.denied_response?.status?.code).toBe('BadRequest');
    // A Basic (or any non-Bearer) Authorization is never rescued by the subprotocol token.
    const basic = await check({ path: EXEC, headers: { ...WS, authorization: 'Basic YWxpY2U6eA==', 'sec-websocket-protocol': `v5.channel.k8s.io, ${PROTO}${b64(bob)}` } });
    expect(reasonOf(basic)).toBe('token_missing');
    const same = await check({ path: EXEC, token: alice, headers: { ...WS, 'sec-websocket-protocol': `v5.channel.k8s.io, ${PROTO}${b64(alice)}` } });
    expect(reasonOf(same)).toBe('allowed');
    // Other subprotocols (base64.binary.k8s.io, v4.channel…) are not credentials.
    const plain = await check({ path: EXEC, token: alice, headers: { ...WS, 'sec-websocket-protocol': 'v5.channel.k8s.io, base64.binary.k8s.io, v4.channel.k8s.io' } });
    expect(reasonOf(plain)).toBe('allowed');
  });
});

describe('stepgate\'s cookies never reach the upstream', () => {
  it('a bearer allow with a session cookie beside it: the cookie is cut (issue 11, 3a)', async () => {
    const res = await check({ path: '/api/v1/namespaces/dev/pods', token: await issuer.token(), headers: { cookie: `app=1; stepgate_session=${await session()}` } });
    expect(reasonOf(res)).toBe('allowed');
    expect(okHeader(res, 'x-stepgate-level')).toBe('aal1');
    expect(okHeader(res, 'cookie')).toBe('app=1');
  });

  it.each([
    ['the device cookie', 'stepgate_device=k1.aaaa.bbbb', undefined],
    ['a state cookie', 'stepgate_state_abc=x; app=2', 'app=2'],
    ['duplicates and odd spacing', 'stepgate_device=1;app=3;  stepgate_device=2 ; stepgate_session', 'app=3'],
    ['a name padded with blanks', ' stepgate_session =v; app=4', 'app=4'],
    ['other case', 'STEPGATE_DEVICE=v; app=5', 'app=5'],
  ])('on a bearer allow: %s', async (_name, cookie, rest) => {
    const res = await check({ path: '/api/v1/namespaces/dev/pods', token: await issuer.token(), headers: { cookie } });
    expect(reasonOf(res)).toBe('allowed');
    if (rest === undefined) {
      expect(okHeader(res, 'cookie')).toBeUndefined();
      expect(removed(res)).toContain('cookie');
    } else {
      expect(okHeader(res, 'cookie')).toBe(rest);
      expect(removed(res)).not.toContain('cookie');
    }
  });

  it('the answer for a cached token is never reused for a request with cookies', async () => {
    const token = await issuer.token({ sub: 'cookie-cache-probe' });
    for (let i = 0; i < 3; i++) expect(reasonOf(await check({ path: '/api/v1/namespaces/dev/pods', token }))).toBe('allowed');
    const res = await check({ path: '/api/v1/namespaces/dev/pods', token, headers: { cookie: 'stepgate_device=x; a=1' } });
    expect(okHeader(res, 'cookie')).toBe('a=1');
  });
});

describe('a future iat or auth_time is never fresh (issue 11, 7)', () => {
  const secrets = '/api/v1/namespaces/dev/secrets/db'; // aal2, max_age 900

  it('auth_time a year ahead does not pass a 900 s rule; iat ahead is token_not_yet_valid', async () => {
    const year = now() + 365 * 86_400;
    expect(reasonOf(await check({ path: secrets, token: await issuer.token({ ...aal2, auth_time: year }) }))).toBe('token_not_yet_valid');
    expect(reasonOf(await check({ path: secrets, token: await issuer.token({ ...aal2, iat: year }) }))).toBe('token_not_yet_valid');
    // Even where no rule asks for freshness: the token is not valid yet.
    expect(reasonOf(await check({ path: '/api/v1/namespaces/dev/pods', token: await issuer.token({ auth_time: now() + 3600 }) }))).toBe('token_not_yet_valid');
  });

  it('within the clock tolerance (30 s) it is accepted; just beyond it is not', async () => {
    expect(reasonOf(await check({ path: secrets, token: await issuer.token({ ...aal2, auth_time: now() + 20, iat: now() + 20 }) }))).toBe('allowed');
    expect(reasonOf(await check({ path: secrets, token: await issuer.token({ ...aal2, auth_time: now() + 90 }) }))).toBe('token_not_yet_valid');
  });

  it('a cached refusal stays a refusal; the same token presented again is not re-admitted', async () => {
    const token = await issuer.token({ ...aal2, auth_time: now() + 86_400 });
    for (let i = 0; i < 3; i++) expect(reasonOf(await check({ path: secrets, token }))).toBe('token_not_yet_valid');
  });

  it('a session cookie whose auth_time is in the future is session_invalid', async () => {
    const res = await check({ host: DASH_HOST, path: '/admin/users', headers: { ...BROWSER_HEADERS, cookie: `stepgate_session=${await session(now() + 86_400)}` } });
    expect(reasonOf(res)).toBe('session_invalid');
  });
});

describe('HTTP ext_authz (Envoy envoyExtAuthzHttp): the allow answers for every identity header and the Cookie header (issue 11, 5)', () => {
  const removals = (h: Record<string, unknown>) => String(h['x-envoy-auth-headers-to-remove'] ?? '').split(',').map((s) => s.trim()).filter(Boolean);

  it('a forged x-stepgate-groups with a token that has no groups claim is named for removal', async () => {
    const token = await issuer.token({ groups: undefined });
    const res = await http(`${authz}/api/v1/namespaces/dev/pods`, {
      headers: { host: 'kube.example.com', authorization: `Bearer ${token}`, 'x-stepgate-groups': 'admins', 'x-stepgate-other': 'x' },
    });
    expect(res.status).toBe(200);
    expect(res.headers['x-stepgate-groups']).toBeUndefined();
    const r = removals(res.headers);
    expect(r).toEqual(expect.arrayContaining(['x-stepgate-groups', 'x-stepgate-other']));
    // Never a header it sets: Envoy removes after it sets, which would drop the real value.
    expect(r).not.toContain('x-stepgate-subject');
    expect(res.headers['x-stepgate-subject']).toBe('alice@example.com');
  });

  it('the _ spellings of x-stepgate-* it was shown are named for removal too (Rack, WSGI and PHP read them as ours)', async () => {
    const res = await http(`${authz}/api/v1/namespaces/dev/pods`, {
      headers: { host: 'kube.example.com', authorization: `Bearer ${await issuer.token()}`, 'x-stepgate_level': 'aal3', x_stepgate_subject: 'admin' },
    });
    expect(res.status).toBe(200);
    expect(removals(res.headers)).toEqual(expect.arrayContaining(['x-stepgate_level', 'x_stepgate_subject']));
    expect(res.headers['x-stepgate-level']).toBe('aal1');
  });

  it('the groups header is named for removal even when Envoy did not forward the client\'s copy', async () => {
    const res = await http(`${authz}/api/v1/namespaces/dev/pods`, { headers: { host: 'kube.example.com', authorization: `Bearer ${await issuer.token({ groups: undefined })}` } });
    expect(res.status).toBe(200);
    expect(removals(res.headers)).toEqual(expect.arrayContaining(['x-stepgate-groups', 'cookie', 'sec-websocket-protocol']));
  });

  it('the Cookie header comes back without stepgate\'s cookies, or is removed when nothing is left', async () => {
    const token = await issuer.token();
    const mixed = await http(`${authz}/api/v1/namespaces/dev/pods`, {
      headers: { host: 'kube.example.com', authorization: `Bearer ${token}`, cookie: `app=1; stepgate_session=${await session()}; stepgate_device=d` },
    });
    expect(mixed.status).toBe(200);
    expect(mixed.headers.cookie).toBe('app=1');
    expect(removals(mixed.headers)).not.toContain('cookie');
    const only = await http(`${authz}/admin/users`, { headers: { host: DASH_HOST, cookie: `stepgate_session=${await session()}` } });
    expect(only.status).toBe(200);
    expect(only.headers.cookie).toBeUndefined();
    expect(removals(only.headers)).toContain('cookie');
  });

  it('a session allow next to a WebSocket token it was shown verifies the token; one it was not shown is removed', async () => {
    const bob = await issuer.token({ sub: 'bob@example.com' });
    const shown = await http(`${authz}${EXEC}`, {
      headers: { host: 'kube.example.com', ...WS, cookie: `stepgate_session=${await session()}`, 'sec-websocket-protocol': `v5.channel.k8s.io, ${PROTO}${b64(bob)}` },
    });
    expect(shown.status).toBe(401);
    expect(JSON.parse(shown.body).stepgate.reason).toBe('acr_insufficient');
    const unseen = await http(`${authz}${EXEC}`, { headers: { host: 'kube.example.com', ...WS, cookie: `stepgate_session=${await session()}` } });
    expect(unseen.status).toBe(200);
    expect(removals(unseen.headers)).toContain('sec-websocket-protocol');
  });
});

describe('two Cookie headers (header_map keeps them apart)', () => {
  it('a stepgate cookie in the second Cookie header is read and cut like one in the first', async () => {
    const req = checkRequest({ path: '/api/v1/namespaces/dev/pods', token: await issuer.token(), raw: true });
    const list = (req.attributes.request.http as unknown as { header_map: { headers: { key: string; raw_value: Buffer }[] } }).header_map.headers;
    list.push({ key: 'cookie', raw_value: Buffer.from('app=1') }, { key: 'cookie', raw_value: Buffer.from(`stepgate_session=${await session()}`) });
    const res = await client.check(req);
    expect(reasonOf(res)).toBe('allowed');
    expect(okHeader(res, 'cookie')).toBe('app=1');
    // And two different sessions split across the headers are still two.
    const amb = checkRequest({ host: DASH_HOST, path: '/admin/users', headers: BROWSER_HEADERS, raw: true });
    const l2 = (amb.attributes.request.http as unknown as { header_map: { headers: { key: string; raw_value: Buffer }[] } }).header_map.headers;
    l2.push({ key: 'cookie', raw_value: Buffer.from(`stepgate_session=${await session()}`) }, { key: 'cookie', raw_value: Buffer.from(`stepgate_session=${await session(now() - 7, 'bob')}`) });
    expect(reasonOf(await client.check(amb))).toBe('credential_ambiguous');
  });
});
