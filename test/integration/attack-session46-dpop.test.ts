import { createHash, KeyObject, randomBytes, randomUUID, sign as nodeSign } from 'node:crypto';
import { type Server } from 'node:http';
import { base64url, calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reason, startBuiltServer, type BuiltServer } from '../support/built-server.js';
import { HMAC_ISSUER, HMAC_SECRET, testConfigYaml } from '../support/config.js';
import { makeDeviceCa } from '../support/device-ca.js';
import { clientKey, dpopProof, type ClientKey } from '../support/dpop-key.js';
import { dpopToken, startDpopProvider } from '../support/dpop-idp.js';
import type { CheckResponse } from '../support/grpc-client.js';
import { startRedis, type RedisServer } from '../support/redis.js';
import { checkRequest } from '../support/requests.js';

/**
 * Session 46's attack on session 45's sender-constrained tokens (RFC 9449 DPoP, RFC 8705
 * certificate-bound), black-box through a real gRPC Check on the built server, as an outside
 * attacker holding a copy of someone's bound token (and, for the replay rows, a proof the client
 * made) would try it. The DPoP tokens come from a real oidc-provider (features.dPoP, client
 * credentials) for a client key made with jose; tokens bound to odd keys (RSA, off-curve EC) and
 * certificate-bound ones are minted by the test's HMAC issuer, which is how an attacker would
 * have to get them too (from an identity provider that binds what it is shown).
 *
 * Two replicas of the built server share one real redis-server (`state.store: redis`), with
 * neither risk nor step-up sessions configured: a DPoP-only site. One row was wrong before this
 * session: a proof accepted by one replica was accepted again by the other (each remembered the
 * proofs' `jti` in its own memory, although docs/configuration.md said the shared store did),
 * so a proof copied off the wire was good once per replica. A wrong refusal too: the Dashboard's
 * deploy-from-file of two objects was refused `dpop_proof_replayed` by its own proof (each object
 * was judged with the proof, whose `jti` the first had used). Two more were wrong in a way no
 * thief without the key can use: a proof with `b64: false` under `crit` (RFC 7797's unencoded
 * payload, which no JWT may use) was allowed, and whether a proof whose `jwk` carried `key_ops`
 * for encryption verified depended on whether the key had been imported before. Every other row
 * held and stays as a regression row with the exact answer. A third server, with step-up sessions
 * and its step-up listener on, answers the kubectl plugin's challenge lookup.
 */

const HOST = 'kube.example.com';
/** The Kubernetes Dashboard's host: its deploy-from-file is judged object by object. */
const DASH = 'dashboard.example.com';
const PODS = '/api/v1/namespaces/dev/pods';
const URL_OF = (path: string) => `https://${HOST}${path.split('?')[0]}`;
const now = () => Math.floor(Date.now() / 1000);
const sha256 = (s: string) => createHash('sha256').update(s).digest('base64url');

/** A JWS made by hand: header and payload exactly as given (duplicate members, alg none…), signed by `signer` over the signing input. */
function rawJws(header: string, payload: string, signer: (input: Buffer) => Buffer | string): string {
  const input = `${base64url.encode(header)}.${base64url.encode(payload)}`;
  const sig = signer(Buffer.from(input));
  return `${input}.${typeof sig === 'string' ? sig : base64url.encode(sig)}`;
}

/** A token of the test's HMAC issuer carrying `cnf`: what an identity provider that binds any key it is shown would issue. */
function hmacToken(cnf: Record<string, unknown>, claims: Record<string, unknown> = {}): Promise<string> {
  const s = now();
  return new SignJWT({ sub: 'agent@example.com', acr: 'urn:stepgate:aal1', amr: ['pwd'], auth_time: s - 10, cnf, jti: randomBytes(8).toString('hex'), ...claims })
    .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
    .setIssuer(HMAC_ISSUER)
    .setAudience('kubernetes')
    .setIssuedAt(s - 10)
    .setExpirationTime(s + 600)
    .sign(new TextEncoder().encode(HMAC_SECRET));
}

let idp: { url: string; server: Server };
let redis: RedisServer;
let a: BuiltServer;
let b: BuiltServer;
/** A third, with step-up sessions and its step-up listener on: the kubectl plugin's challenge lookup. */
let c: BuiltServer;
beforeAll(async () => {
  [idp, redis] = await Promise.all([startDpopProvider(HOST), startRedis()]);
  // A DPoP-only site with two replicas: the shared store, and nothing else that needs one (no risk,
  // no step-up sessions, the kubectl plugin's challenge memory off).
  const yaml = testConfigYaml(idp.url, `state:\n  store: redis\n  redis:\n    url: ${redis.url}\n    key_prefix: "dpop46:"\n`)
    .replace('level: silent', 'level: info')
    .replace('kubernetes:\n  hosts: [kube.example.com]\n', `kubernetes:\n  hosts: [kube.example.com]\n  challenge_ttl_seconds: 0\n  web_apis: [{ hosts: [${DASH}], api: kubernetes-dashboard }]\n`);
  // One after the other: the first start builds dist/ when it is stale.
  a = await startBuiltServer('dpop46a', () => yaml, { TEST_HMAC_SECRET: HMAC_SECRET });
  b = await startBuiltServer('dpop46b', () => yaml, { TEST_HMAC_SECRET: HMAC_SECRET });
  const routes = yaml.replace('stepup:\n', `stepup:\n  oidc: { issuer: ${idp.url}, client_id: stepgate, client_secret_env: SG_CLIENT_SECRET, redirect_uri: http://auth.localhost/.stepgate/callback, allow_insecure_http: true }\n  session: { keys_env: SG_SESSION_KEYS }\n`);
  c = await startBuiltServer('dpop46c', () => routes, { TEST_HMAC_SECRET: HMAC_SECRET, SG_CLIENT_SECRET: 'dpop46-client-secret', SG_SESSION_KEYS: `k1:${randomBytes(32).toString('base64url')}`, STEPGATE_HTTP_LISTEN: '127.0.0.1:0' });
}, 180_000);
afterAll(async () => {
  await Promise.all([a?.close(), b?.close(), c?.close()]);
  await redis?.stop();
  idp?.server.closeAllConnections();
  await new Promise<void>((r) => idp?.server.close(() => r()));
});

interface Send {
  method?: string;
  body?: string;
  host?: string;
  scheme?: string;
  certificate?: string;
  principal?: string;
  via?: () => BuiltServer;
}

function send(path: string, headers: Record<string, string>, o: Send = {}): Promise<CheckResponse> {
  const req = checkRequest({ host: o.host ?? HOST, path, method: o.method, scheme: o.scheme, headers, principal: o.principal, body: o.body }) as ReturnType<typeof checkRequest> & { attributes: { source: Record<string, unknown> } };
  if (o.certificate !== undefined) req.attributes.source.certificate = o.certificate;
  return (o.via ?? (() => a))().client.check(req);
}

describe('a DPoP-bound token from oidc-provider, and what its thief can do with proofs', () => {
  let k: ClientKey;
  let token: string;
  beforeAll(async () => {
    k = await clientKey();
    token = await dpopToken(idp.url, k);
  });
  const good = (htu: string, claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}, htm = 'GET') => dpopProof(k, htm, htu, { ath: sha256(token), ...claims }, header);
  const dpop = () => ({ authorization: `DPoP ${token}` });
  const claims = () => ({ jti: randomUUID(), htm: 'GET', htu: URL_OF(PODS), iat: now(), ath: sha256(token) });
  /** Signed by the client's key over exactly these bytes: what jose would refuse to make. */
  const signed = (header: Record<string, unknown> | string, payload: string) =>
    rawJws(typeof header === 'string' ? header : JSON.stringify(header), payload, (input) => nodeSign('sha256', input, { key: KeyObject.from(k.privateKey), dsaEncoding: 'ieee-p1363' }));

  it('control: a good proof is allowed', async () => {
    expect(reason(await send(PODS, { ...dpop(), dpop: await good(URL_OF(PODS)) }))).toBe('allowed');
  });

  it('a proof accepted by one replica is refused by the other (the shared store remembers its jti)', async () => {
    const p = await good(URL_OF(PODS));
    expect(reason(await send(PODS, { ...dpop(), dpop: p }, { via: () => a }))).toBe('allowed');
    expect(reason(await send(PODS, { ...dpop(), dpop: p }, { via: () => b }))).toBe('dpop_proof_replayed');
    expect(reason(await send(PODS, { ...dpop(), dpop: p }, { via: () => a }))).toBe('dpop_proof_replayed');
  });

  it.each<[string, string, string, string?]>([
    // RFC 9449 §4.3 compares htu after RFC 3986 §6.2.2 and §6.2.3 normalisation: these are the same URI.
    ['scheme and host in upper case, the default port spelled out', `HTTPS://KUBE.Example.COM:443${PODS}`, 'allowed'],
    ['a percent-encoded unreserved character (%70ods)', `https://${HOST}/api/v1/namespaces/dev/%70ods`, 'allowed'],
    ['a query and a fragment in htu (left out of the comparison)', `https://${HOST}${PODS}?watch=true#x`, 'allowed'],
    // Not the same URI.
    ['a trailing slash', `https://${HOST}${PODS}/`, 'dpop_proof_invalid'],
    ['a ;param on the last segment', `https://${HOST}${PODS};x=1`, 'dpop_proof_invalid'],
    ['a percent-encoded slash (%2F) in place of one', `https://${HOST}/api/v1/namespaces%2Fdev/pods`, 'dpop_proof_invalid'],
    ['another port', `https://${HOST}:8443${PODS}`, 'dpop_proof_invalid'],
    ['http:// for the https Check', `http://${HOST}${PODS}`, 'dpop_proof_invalid'],
    ['a host alias of the gateway', `https://kube-alias.example.com${PODS}`, 'dpop_proof_invalid'],
    ['the host with a trailing dot', `https://${HOST}.${PODS}`, 'dpop_proof_invalid'],
    ['userinfo before the host', `https://x@${HOST}${PODS}`, 'dpop_proof_invalid'],
    ['a relative htu (the path only)', PODS, 'dpop_proof_invalid'],
    ['another scheme (wss://)', `wss://${HOST}${PODS}`, 'dpop_proof_invalid'],
  ])('htu: %s', async (_what, htu, want) => {
    expect(reason(await send(PODS, { ...dpop(), dpop: await good(htu) }))).toBe(want);
  });

  it("the Dashboard's deploy-from-file of two objects with one proof of its POST: allowed once (each object is judged, the proof is checked once), then a replay", async () => {
    const FILE = '/api/v1/appdeploymentfromfile';
    const content = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n';
    const p = await dpopProof(k, 'POST', `https://${DASH}${FILE}`, { ath: sha256(token) });
    const deploy = () => send(FILE, { ...dpop(), dpop: p, 'content-type': 'application/json' }, { host: DASH, method: 'POST', body: JSON.stringify({ namespace: 'dev', content }) });
    expect(reason(await deploy())).toBe('allowed');
    expect(reason(await deploy())).toBe('dpop_proof_replayed');
  });

  it('htu: the request with a query is the same URI as the proof without one', async () => {
    expect(reason(await send(`${PODS}?labelSelector=app%3Dweb`, { ...dpop(), dpop: await good(URL_OF(PODS)) }))).toBe('allowed');
  });

  it('htu: x-forwarded-proto on the gRPC Check does not change the scheme compared (an http:// proof stays refused)', async () => {
    expect(reason(await send(PODS, { ...dpop(), 'x-forwarded-proto': 'http', dpop: await good(`http://${HOST}${PODS}`) }))).toBe('dpop_proof_invalid');
  });

  it("htu: an absolute-form :path naming the gateway's host is refused rather than read two ways", async () => {
    expect(reason(await send(`https://${HOST}${PODS}`, { ...dpop(), dpop: await good(URL_OF(PODS)) }))).toBe('dpop_proof_invalid');
  });

  it.each<[string, string, string]>([
    ['htm in lower case', 'get', 'dpop_proof_invalid'],
    ['htm of another method', 'DELETE', 'dpop_proof_invalid'],
    ['htm with a trailing space', 'GET ', 'dpop_proof_invalid'],
  ])('htm: %s', async (_what, htm, want) => {
    expect(reason(await send(PODS, { ...dpop(), dpop: await good(URL_OF(PODS), {}, {}, htm) }))).toBe(want);
  });

  it.each<[string, () => Promise<string>]>([
    ['alg none, no signature', async () => `${base64url.encode(JSON.stringify({ alg: 'none', typ: 'dpop+jwt', jwk: k.jwk }))}.${base64url.encode(JSON.stringify({ jti: randomUUID(), htm: 'GET', htu: URL_OF(PODS), iat: now(), ath: sha256(token) }))}.`],
    ['alg HS256 keyed with the public JWK as the secret', async () => new SignJWT({ jti: randomUUID(), htm: 'GET', htu: URL_OF(PODS), iat: now(), ath: sha256(token) }).setProtectedHeader({ alg: 'HS256', typ: 'dpop+jwt', jwk: k.jwk }).sign(new TextEncoder().encode(JSON.stringify(k.jwk)))],
    ['kid and jku in place of jwk', async () => good(URL_OF(PODS), {}, { jwk: undefined, kid: k.jkt, jku: `${idp.url}/jwks` })],
    ['x5c in place of jwk', async () => good(URL_OF(PODS), {}, { jwk: undefined, x5c: [base64url.encode('not a certificate')] })],
    ['jwk carrying a d member (a private key)', async () => good(URL_OF(PODS), {}, { jwk: { ...k.jwk, d: base64url.encode(randomBytes(32)) } })],
    ['an RS256 alg over the EC jwk of the right thumbprint (signed by its key)', async () => signed({ alg: 'RS256', typ: 'dpop+jwt', jwk: k.jwk }, JSON.stringify(claims()))],
    ['typ JWT', async () => good(URL_OF(PODS), {}, { typ: 'JWT' })],
    ['crit naming an unknown extension', async () => signed({ alg: 'ES256', typ: 'dpop+jwt', jwk: k.jwk, crit: ['x-stepgate'], 'x-stepgate': 1 }, JSON.stringify(claims()))],
    ['b64 false (RFC 7797) under crit', async () => signed({ alg: 'ES256', typ: 'dpop+jwt', jwk: k.jwk, crit: ['b64'], b64: false }, JSON.stringify(claims()))],
  ])('proof header: %s is refused', async (_what, make) => {
    expect(reason(await send(PODS, { ...dpop(), dpop: await make() }))).toBe('dpop_proof_invalid');
  });

  it('proof header: members outside the thumbprint (key_ops, use, alg, ext) do not change the key, whichever proof comes first', async () => {
    // A fresh key, so that its first import is of the decorated jwk.
    const fresh = await clientKey();
    const t = await dpopToken(idp.url, fresh);
    const p = (jwk: JWK) => dpopProof(fresh, 'GET', URL_OF(PODS), { ath: sha256(t) }, { jwk });
    expect(reason(await send(PODS, { authorization: `DPoP ${t}`, dpop: await p({ ...fresh.jwk, key_ops: ['encrypt'], use: 'enc', alg: 'RS256', ext: false }) }))).toBe('allowed');
    expect(reason(await send(PODS, { authorization: `DPoP ${t}`, dpop: await p(fresh.jwk) }))).toBe('allowed');
  });

  it('duplicate JSON members: the lexically last wins for the check and the signature alike (RFC 7515 §5.2), so a first htu naming this URL does not count', async () => {
    const header = { alg: 'ES256', typ: 'dpop+jwt', jwk: k.jwk };
    const twice = (first: string, last: string) => `{"jti":"${randomUUID()}","htm":"GET","htu":"${first}","htu":"${last}","iat":${now()},"ath":"${sha256(token)}"}`;
    expect(reason(await send(PODS, { ...dpop(), dpop: signed(header, twice(URL_OF(PODS), URL_OF('/api/v1/namespaces/dev/secrets'))) }))).toBe('dpop_proof_invalid');
    expect(reason(await send(PODS, { ...dpop(), dpop: signed(header, twice(URL_OF('/api/v1/namespaces/dev/secrets'), URL_OF(PODS))) }))).toBe('allowed');
    const typs = `{"alg":"ES256","typ":"dpop+jwt","jwk":${JSON.stringify(k.jwk)},"typ":"JWT"}`;
    expect(reason(await send(PODS, { ...dpop(), dpop: signed(typs, twice(URL_OF(PODS), URL_OF(PODS))) }))).toBe('dpop_proof_invalid');
  });

  it.each<[string, () => Record<string, unknown>, string]>([
    ['iat 10 s in the future (beyond the 5 s tolerance)', () => ({ iat: now() + 10 }), 'dpop_proof_invalid'],
    ['iat 3 s in the future (within it)', () => ({ iat: now() + 3 }), 'allowed'],
    ['iat as a string', () => ({ iat: String(now()) }), 'dpop_proof_invalid'],
    ['no jti', () => ({ jti: undefined }), 'dpop_proof_invalid'],
    ['a jti of 257 characters', () => ({ jti: 'j'.repeat(257) }), 'dpop_proof_invalid'],
    ['a jti that is a number', () => ({ jti: 7 }), 'dpop_proof_invalid'],
    ['ath over the token in base64 with padding (not base64url)', () => ({ ath: createHash('sha256').update(token).digest('base64') }), 'dpop_proof_invalid'],
    ['ath as the hex SHA-256 of the token', () => ({ ath: createHash('sha256').update(token).digest('hex') }), 'dpop_proof_invalid'],
    ['ath over the token with "DPoP " before it', () => ({ ath: sha256(`DPoP ${token}`) }), 'dpop_proof_invalid'],
  ])('claims: %s', async (_what, claims, want) => {
    expect(reason(await send(PODS, { ...dpop(), dpop: await good(URL_OF(PODS), claims()) }))).toBe(want);
  });

  it('ath over another spelling of the same token (its signature re-encoded with padding bits flipped) is refused', async () => {
    const [h, p, s] = token.split('.') as [string, string, string];
    const last = s.at(-1)!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const twin = `${h}.${p}.${s.slice(0, -1)}${alphabet[alphabet.indexOf(last) ^ 1]}`;
    // The proof names the token as sent; a thief re-spelling it has no proof naming the new spelling.
    expect(reason(await send(PODS, { authorization: `DPoP ${twin}`, dpop: await good(URL_OF(PODS)) }))).toBe('dpop_proof_invalid');
  });

  it('a jti reused in a new proof for another URL is refused as a replay; odd characters in jti are only a name (the redis key is a hash)', async () => {
    const jti = 'x\r\n*1\r\n$8\r\nFLUSHALL\r\n{dpop46}:once:*';
    expect(reason(await send(PODS, { ...dpop(), dpop: await good(URL_OF(PODS), { jti }) }))).toBe('allowed');
    expect(reason(await send(`${PODS}/web-0`, { ...dpop(), dpop: await good(URL_OF(`${PODS}/web-0`), { jti }) }, { via: () => b }))).toBe('dpop_proof_replayed');
    expect(reason(await send(PODS, { ...dpop(), dpop: await good(URL_OF(PODS)) }))).toBe('allowed');
  });

  it.each<[string, () => Promise<Record<string, string>>, string]>([
    ['Authorization: dpop in lower case (auth-schemes are case-insensitive)', async () => ({ authorization: `dpop ${token}`, dpop: await good(URL_OF(PODS)) }), 'allowed'],
    ['Authorization: DPoP with two spaces', async () => ({ authorization: `DPoP  ${token}`, dpop: await good(URL_OF(PODS)) }), 'allowed'],
    ['Bearer and DPoP joined by Envoy with ","', async () => ({ authorization: `Bearer ${token},DPoP ${token}`, dpop: await good(URL_OF(PODS)) }), 'token_malformed'],
    ['DPoP and Bearer joined the other way', async () => ({ authorization: `DPoP ${token}, Bearer ${token}`, dpop: await good(URL_OF(PODS)) }), 'token_malformed'],
    ['two proofs joined by Envoy with ","', async () => ({ authorization: `DPoP ${token}`, dpop: `${await good(URL_OF(PODS))},${await good(URL_OF(PODS))}` }), 'dpop_proof_invalid'],
    ['the token in the WebSocket bearer subprotocol, with a good proof and no Authorization', async () => ({ 'sec-websocket-protocol': `v4.channel.k8s.io, base64url.bearer.authorization.k8s.io.${Buffer.from(token).toString('base64url')}`, dpop: await good(URL_OF(PODS)) }), 'dpop_proof_missing'],
    ['a proof larger than max_proof_bytes (a padded jwk)', async () => ({ authorization: `DPoP ${token}`, dpop: await good(URL_OF(PODS), {}, { jwk: { ...k.jwk, pad: 'p'.repeat(5000) } }) }), 'request_invalid'],
  ])('scheme and headers: %s', async (_what, headers, want) => {
    expect(reason(await send(PODS, await headers()))).toBe(want);
  });
});

describe("stepgate's own bearer endpoint: the kubectl plugin's challenge lookup", () => {
  async function lookup(authorization: string, extra: Record<string, string> = {}): Promise<{ status: number; reason: string }> {
    const res = await fetch(`${c.stepup!}/.stepgate/v1/challenge`, { headers: { authorization, ...extra } });
    return { status: res.status, reason: ((await res.json()) as { reason?: string }).reason ?? '' };
  }

  it.each<[string, () => Promise<[string, Record<string, string>?]>, number, string]>([
    ['a DPoP-bound token as Bearer (the endpoint reads no proof)', async () => [`Bearer ${await hmacToken({ jkt: (await clientKey()).jkt })}`], 401, 'dpop_proof_missing'],
    ['the same under the DPoP scheme with a good proof (a Bearer-only endpoint)', async () => {
      const k = await clientKey();
      const t = await hmacToken({ jkt: k.jkt });
      return [`DPoP ${t}`, { dpop: await dpopProof(k, 'GET', `${c.stepup!}/.stepgate/v1/challenge`, { ath: sha256(t) }) }];
    }, 401, 'token_missing'],
    ['a certificate-bound token (no Envoy reports a certificate here)', async () => [`Bearer ${await hmacToken({ 'x5t#S256': 'B'.repeat(43) })}`], 401, 'certificate_binding_missing'],
    ['control: a plain token of the same issuer', async () => [`Bearer ${await hmacToken({}, { cnf: undefined })}`], 200, ''],
  ])('%s', async (_what, make, status, want) => {
    const [authorization, extra] = await make();
    expect(await lookup(authorization, extra)).toEqual({ status, reason: want });
  });
});

describe('tokens bound to keys an attacker picks (HMAC issuer)', () => {
  it('an RSA key: a proof by it is allowed; the same jkt with an EC alg is refused', async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const jwk = await exportJWK(publicKey);
    const token = await hmacToken({ jkt: await calculateJwkThumbprint(jwk) });
    const p = (alg: string, key: CryptoKey) => new SignJWT({ jti: randomUUID(), htm: 'GET', htu: URL_OF(PODS), iat: now(), ath: sha256(token) }).setProtectedHeader({ alg, typ: 'dpop+jwt', jwk }).sign(key);
    expect(reason(await send(PODS, { authorization: `DPoP ${token}`, dpop: await p('RS256', privateKey) }))).toBe('allowed');
    // ES256 over an RSA jwk: the signature is by the right private key, its algorithm is not the key's.
    const claims = JSON.stringify({ jti: randomUUID(), htm: 'GET', htu: URL_OF(PODS), iat: now(), ath: sha256(token) });
    const es = rawJws(JSON.stringify({ alg: 'ES256', typ: 'dpop+jwt', jwk }), claims, (input) => nodeSign('sha256', input, KeyObject.from(privateKey)).subarray(0, 64));
    expect(reason(await send(PODS, { authorization: `DPoP ${token}`, dpop: es }))).toBe('dpop_proof_invalid');
  });

  it('an EC point not on the curve is refused (no crash, no allow)', async () => {
    const jwk: JWK = { kty: 'EC', crv: 'P-256', x: base64url.encode(Buffer.alloc(32, 1)), y: base64url.encode(Buffer.alloc(32, 2)) };
    const token = await hmacToken({ jkt: await calculateJwkThumbprint(jwk) });
    const { privateKey } = await generateKeyPair('ES256');
    const p = await new SignJWT({ jti: randomUUID(), htm: 'GET', htu: URL_OF(PODS), iat: now(), ath: sha256(token) }).setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk }).sign(privateKey);
    expect(reason(await send(PODS, { authorization: `DPoP ${token}`, dpop: p }))).toBe('dpop_proof_invalid');
    // control: the server still answers
    expect(reason(await send(PODS, { authorization: `Bearer ${await hmacToken({ jkt: await calculateJwkThumbprint(jwk) })}` }))).toBe('dpop_proof_missing');
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['a cnf with both jkt and x5t#S256', { jkt: 'A'.repeat(43), 'x5t#S256': 'B'.repeat(43) }, 'token_invalid'],
    ['a cnf with only jwk (RFC 7800, proves nothing alone)', { jwk: { kty: 'EC' } }, 'token_invalid'],
    ['a cnf with x5t#s256 in lower case (no member stepgate checks)', { 'x5t#s256': 'B'.repeat(43) }, 'token_invalid'],
    ['a cnf.jkt that is no thumbprint', { jkt: 'short' }, 'token_invalid'],
  ])('cnf: %s', async (_what, cnf, want) => {
    expect(reason(await send(PODS, { authorization: `Bearer ${await hmacToken(cnf)}` }))).toBe(want);
  });

  it('cnf: an unknown member beside jkt leaves it DPoP-bound (Bearer refused, a proof allowed)', async () => {
    const k = await clientKey();
    const token = await hmacToken({ jkt: k.jkt, kid: 'whatever', 'x-ignored': true });
    expect(reason(await send(PODS, { authorization: `Bearer ${token}` }))).toBe('dpop_proof_missing');
    expect(reason(await send(PODS, { authorization: `DPoP ${token}`, dpop: await dpopProof(k, 'GET', URL_OF(PODS), { ath: sha256(token) }) }))).toBe('allowed');
  });
});

describe('a certificate-bound token (RFC 8705) and what Envoy reports', () => {
  const mine = makeDeviceCa('laptop-46');
  const ca = makeDeviceCa('issuing-ca-46');
  const x5t = createHash('sha256').update(Buffer.from(mine.certPem.replace(/-----[^-]+-----|\s/g, ''), 'base64')).digest('base64url');
  let token: string;
  beforeAll(async () => {
    token = await hmacToken({ 'x5t#S256': x5t });
  });
  const bearer = () => ({ authorization: `Bearer ${token}` });

  it.each<[string, () => Send, string]>([
    ['its certificate, then a CA after it (a chain: the leaf is what counts)', () => ({ certificate: encodeURIComponent(mine.certPem + ca.certPem) }), 'allowed'],
    ["a CA first and the bound certificate second (the leaf is the peer's, not a later one)", () => ({ certificate: encodeURIComponent(ca.certPem + mine.certPem) }), 'certificate_binding_mismatch'],
    ['only source.principal (a URI SAN), no certificate', () => ({ principal: 'spiffe://example.com/laptop-46' }), 'certificate_binding_missing'],
    ['a certificate Envoy did not URL-encode', () => ({ certificate: mine.certPem }), 'allowed'],
    ['a certificate that is not PEM', () => ({ certificate: encodeURIComponent('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n') }), 'certificate_binding_mismatch'],
  ])('%s', async (_what, o, want) => {
    expect(reason(await send(PODS, bearer(), o()))).toBe(want);
  });

  it('the certificate-bound token under the DPoP scheme, with a proof of any key, is refused', async () => {
    const k = await clientKey();
    expect(reason(await send(PODS, { authorization: `DPoP ${token}`, dpop: await dpopProof(k, 'GET', URL_OF(PODS), { ath: sha256(token) }) }, { certificate: encodeURIComponent(mine.certPem) }))).toBe('dpop_binding_mismatch');
  });
});
