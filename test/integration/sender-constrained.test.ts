import { createHash, randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { decodeJwt, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientKey, dpopProof, type ClientKey } from '../support/dpop-key.js';
import { dpopToken, startDpopProvider } from '../support/dpop-idp.js';
import { reason, startBuiltServer, type BuiltServer } from '../support/built-server.js';
import { HMAC_ISSUER, HMAC_SECRET, testConfigYaml } from '../support/config.js';
import { makeDeviceCa } from '../support/device-ca.js';
import { deniedHeader, type CheckResponse } from '../support/grpc-client.js';
import { checkRequest } from '../support/requests.js';

/**
 * Sender-constrained access tokens end to end: a real oidc-provider (features.dPoP, client
 * credentials, resource indicators for JWT access tokens) issues DPoP-bound tokens to a client key
 * made with jose; the client's proofs go with its requests through a real gRPC Check on the built
 * server. A certificate-bound token (HMAC issuer) is judged against certificates made by openssl,
 * sent as Envoy sends them with include_peer_certificate (URL-encoded PEM in source.certificate).
 */

const HOST = 'kube.example.com';
const PODS = '/api/v1/namespaces/dev/pods';
const SECRET = '/api/v1/namespaces/dev/secrets/db';
const URL_OF = (path: string) => `https://${HOST}${path.split('?')[0]}`;

const now = () => Math.floor(Date.now() / 1000);
const sha256 = (s: string) => createHash('sha256').update(s).digest('base64url');

let idp: { url: string; server: Server };
let server: BuiltServer;
beforeAll(async () => {
  idp = await startDpopProvider(HOST);
  const yaml = testConfigYaml(idp.url).replace('level: silent', 'level: info');
  server = await startBuiltServer('dpop', () => yaml, { TEST_HMAC_SECRET: HMAC_SECRET });
}, 180_000);
afterAll(async () => {
  await server?.close();
  idp?.server.closeAllConnections();
  await new Promise<void>((r) => idp?.server.close(() => r()));
});

function send(path: string, headers: Record<string, string>, o: { method?: string; certificate?: string; rawHeaders?: [string, string][] } = {}): Promise<CheckResponse> {
  const req = checkRequest({ host: HOST, path, method: o.method, headers }) as ReturnType<typeof checkRequest> & { attributes: { source: Record<string, unknown>; request: { http: Record<string, unknown> } } };
  if (o.certificate !== undefined) req.attributes.source.certificate = o.certificate;
  if (o.rawHeaders !== undefined) {
    // Envoy's header_map form, each header line as its own entry: two DPoP lines stay two.
    const map = req.attributes.request.http.headers as Record<string, string>;
    delete req.attributes.request.http.headers;
    req.attributes.request.http.header_map = { headers: [...Object.entries(map), ...o.rawHeaders].map(([key, value]) => ({ key, raw_value: Buffer.from(value, 'latin1') })) };
  }
  return server.client.check(req);
}

describe('DPoP-bound access tokens from oidc-provider', () => {
  let k: ClientKey;
  let token: string;
  beforeAll(async () => {
    k = await clientKey();
    token = await dpopToken(idp.url, k);
  });

  const good = (path = PODS, method = 'GET', claims: Record<string, unknown> = {}) => dpopProof(k, method, URL_OF(path), { ath: sha256(token), ...claims });

  it('the token is an RFC 9068 access token bound to the client key (cnf.jkt)', () => {
    expect(decodeJwt(token).cnf).toEqual({ jkt: k.jkt });
  });

  it('allowed with a good proof; each request with its own', async () => {
    for (let i = 0; i < 2; i++) {
      const res = await send(PODS, { authorization: `DPoP ${token}`, dpop: await good() });
      expect(reason(res)).toBe('allowed');
    }
  });

  it('refused on replay of a proof that was accepted', async () => {
    const p = await good();
    expect(reason(await send(PODS, { authorization: `DPoP ${token}`, dpop: p }))).toBe('allowed');
    expect(reason(await send(PODS, { authorization: `DPoP ${token}`, dpop: p }))).toBe('dpop_proof_replayed');
  });

  it.each<[string, () => Promise<Record<string, string>>, string]>([
    ['a proof for another method (POST on a GET)', async () => ({ dpop: await good(PODS, 'POST') }), 'dpop_proof_invalid'],
    ['a proof for another URL', async () => ({ dpop: await good(SECRET) }), 'dpop_proof_invalid'],
    ['a proof made with another key', async () => ({ dpop: await dpopProof(await clientKey(), 'GET', URL_OF(PODS), { ath: sha256(token) }) }), 'dpop_binding_mismatch'],
    ['a proof without ath', async () => ({ dpop: await good(PODS, 'GET', { ath: undefined }) }), 'dpop_proof_invalid'],
    ['a proof whose ath is of another token', async () => ({ dpop: await good(PODS, 'GET', { ath: sha256(`${token}.`) }) }), 'dpop_proof_invalid'],
    ['a proof whose iat is two minutes old', async () => ({ dpop: await good(PODS, 'GET', { iat: now() - 120 }) }), 'dpop_proof_invalid'],
    ['Authorization: DPoP and no DPoP header', async () => ({}), 'dpop_proof_missing'],
  ])('refused: %s', async (_what, extra, want) => {
    const res = await send(PODS, { authorization: `DPoP ${token}`, ...(await extra()) });
    expect(reason(res)).toBe(want);
    expect(deniedHeader(res, 'www-authenticate') ?? '').toMatch(/^DPoP realm="[^"]*", error="(invalid_dpop_proof|invalid_token)".*algs="ES256/);
  });

  it('refused: the DPoP-bound token sent as Bearer, with or without a good proof beside it', async () => {
    expect(reason(await send(PODS, { authorization: `Bearer ${token}` }))).toBe('dpop_proof_missing');
    expect(reason(await send(PODS, { authorization: `Bearer ${token}`, dpop: await good() }))).toBe('dpop_proof_missing');
  });

  it('refused: two DPoP header lines, each a good proof', async () => {
    const res = await send(PODS, { authorization: `DPoP ${token}` }, { rawHeaders: [['dpop', await good()], ['dpop', await good()]] });
    expect(reason(res)).toBe('dpop_proof_invalid');
  });

  it('a step-up for the DPoP caller is a DPoP challenge carrying RFC 9470 error, acr_values, max_age and algs', async () => {
    const res = await send(SECRET, { authorization: `DPoP ${token}`, dpop: await good(SECRET) });
    expect(reason(res)).toBe('acr_insufficient');
    const www = deniedHeader(res, 'www-authenticate') ?? '';
    expect(www).toMatch(/^DPoP realm="/);
    expect(www).toContain('error="insufficient_user_authentication"');
    expect(www).toContain('acr_values="urn:stepgate:aal2');
    expect(www).toMatch(/max_age=\d+/);
    expect(www).toContain('algs="ES256 ES384 EdDSA PS256 RS256"');
  });

  it('refused: the DPoP scheme with a plain token of the same provider (a bearer token dressed up)', async () => {
    const plain = await fetch(`${idp.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'k8s-agent', client_secret: 'k8s-agent-secret-of-enough-length', scope: 'api' }),
    }).then((r) => r.json() as Promise<{ access_token: string; token_type: string }>);
    expect(plain.token_type).toBe('Bearer');
    const p = await dpopProof(k, 'GET', URL_OF(PODS), { ath: sha256(plain.access_token) });
    expect(reason(await send(PODS, { authorization: `DPoP ${plain.access_token}`, dpop: p }))).toBe('dpop_binding_mismatch');
    // control: the plain token as Bearer is allowed
    expect(reason(await send(PODS, { authorization: `Bearer ${plain.access_token}` }))).toBe('allowed');
  });
});

describe('a certificate-bound token (RFC 8705) and the client certificate Envoy reports', () => {
  const mine = makeDeviceCa('laptop-17');
  const theirs = makeDeviceCa('laptop-99');
  const x5t = createHash('sha256').update(Buffer.from(mine.certPem.replace(/-----[^-]+-----|\s/g, ''), 'base64')).digest('base64url');
  let token: string;
  beforeAll(async () => {
    const s = now();
    token = await new SignJWT({ sub: 'agent@example.com', acr: 'urn:stepgate:aal1', amr: ['pwd'], auth_time: s - 10, cnf: { 'x5t#S256': x5t }, jti: randomBytes(8).toString('hex') })
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
      .setIssuer(HMAC_ISSUER)
      .setAudience('kubernetes')
      .setIssuedAt(s - 10)
      .setExpirationTime(s + 600)
      .sign(new TextEncoder().encode(HMAC_SECRET));
  });

  it('allowed over its own certificate; refused without one and over another', async () => {
    const bearer = { authorization: `Bearer ${token}` };
    expect(reason(await send(PODS, bearer, { certificate: encodeURIComponent(mine.certPem) }))).toBe('allowed');
    expect(reason(await send(PODS, bearer))).toBe('certificate_binding_missing');
    expect(reason(await send(PODS, bearer, { certificate: encodeURIComponent(theirs.certPem) }))).toBe('certificate_binding_mismatch');
  });
});
