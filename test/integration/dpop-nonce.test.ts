import { createHash, randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { derivedKeys, parseKeyList } from '../../src/cookies/keys.js';
import { DpopNonces } from '../../src/identity/dpop-nonce.js';
import { parseConfig } from '../../src/config/load.js';
import { explain } from '../../src/explain.js';
import { reason, startBuiltServer, type BuiltServer } from '../support/built-server.js';
import { HMAC_SECRET, testConfigYaml } from '../support/config.js';
import { clientKey, dpopProof, type ClientKey } from '../support/dpop-key.js';
import { dpopToken, startDpopProvider } from '../support/dpop-idp.js';
import { deniedHeader, deniedStatus, type CheckResponse } from '../support/grpc-client.js';
import { checkRequest } from '../support/requests.js';

/**
 * RFC 9449 §8 server nonces (`sender_constrained.dpop.nonce: required`) end to end: a real
 * oidc-provider issues a DPoP-bound token to a client key made with jose, and the client's proofs
 * go through a real gRPC Check on two replicas of the built server that share only their
 * configuration and cookie key list (no state store): a nonce is stateless, so one replica's is
 * good at the other, and a third with its own key list (another site) refuses them. The client follows §8 as a DPoP client library does: a proof without a
 * nonce gets `error="use_dpop_nonce"` with a `DPoP-Nonce` header, the retry with that nonce
 * passes, and every allow hands it the nonce for its next proofs (ok_response.response_headers_to_add).
 */

const HOST = 'kube.example.com';
const PODS = '/api/v1/namespaces/dev/pods';
const URL_OF = (path: string) => `https://${HOST}${path}`;
const sha256 = (s: string) => createHash('sha256').update(s).digest('base64url');
/** sender_constrained.dpop.max_age_seconds: also the nonce window. */
const WINDOW_SECONDS = 60;
const KEYS = `k1:${randomBytes(32).toString('base64url')}`;

let idp: { url: string; server: Server };
let a: BuiltServer;
let b: BuiltServer;
/** A replica of another site: the same configuration, its own cookie key list. */
let c: BuiltServer;
/** The configuration and environment of replicas a and b (explain is given the same). */
let yaml: string;
const env = { TEST_HMAC_SECRET: HMAC_SECRET, SG_CLIENT_SECRET: 'nonce47-client-secret', SG_SESSION_KEYS: KEYS };
beforeAll(async () => {
  idp = await startDpopProvider(HOST);
  yaml = testConfigYaml(idp.url, `sender_constrained:\n  dpop:\n    nonce: required\n    max_age_seconds: ${WINDOW_SECONDS}\n`)
    .replace('level: silent', 'level: info')
    .replace('stepup:\n', `stepup:\n  oidc: { issuer: ${idp.url}, client_id: stepgate, client_secret_env: SG_CLIENT_SECRET, redirect_uri: http://auth.localhost/.stepgate/callback, allow_insecure_http: true }\n  session: { keys_env: SG_SESSION_KEYS }\n`);
  // One after the other: the first start builds dist/ when it is stale.
  a = await startBuiltServer('nonce47a', () => yaml, env);
  b = await startBuiltServer('nonce47b', () => yaml, env);
  c = await startBuiltServer('nonce47c', () => yaml, { ...env, SG_SESSION_KEYS: `k1:${randomBytes(32).toString('base64url')}` });
}, 180_000);
afterAll(async () => {
  await Promise.all([a?.close(), b?.close(), c?.close()]);
  idp?.server.closeAllConnections();
  await new Promise<void>((r) => idp?.server.close(() => r()));
});

function send(via: BuiltServer, token: string, proof: string): Promise<CheckResponse> {
  return via.client.check(checkRequest({ host: HOST, path: PODS, headers: { authorization: `DPoP ${token}`, dpop: proof } }));
}

/** The DPoP-Nonce an allow hands the client (ok_response.response_headers_to_add). */
function okNonce(res: CheckResponse): string | undefined {
  const added = (res.ok_response as { response_headers_to_add?: { header: { key: string; value: string } }[] } | undefined)?.response_headers_to_add;
  return added?.find((h) => h.header.key === 'dpop-nonce')?.header.value;
}

describe('DPoP server nonces through the built server (sender_constrained.dpop.nonce: required)', () => {
  let k: ClientKey;
  let token: string;
  beforeAll(async () => {
    k = await clientKey();
    token = await dpopToken(idp.url, k);
  });
  const proof = (claims: Record<string, unknown> = {}) => dpopProof(k, 'GET', URL_OF(PODS), { ath: sha256(token), ...claims });

  it('the first request, without a nonce, gets use_dpop_nonce and a DPoP-Nonce; the retry with it is allowed and brings the next nonce', async () => {
    const first = await send(a, token, await proof());
    expect(reason(first)).toBe('dpop_nonce_required');
    expect(deniedStatus(first)).toBe('Unauthorized');
    expect(deniedHeader(first, 'www-authenticate')).toMatch(/^DPoP realm="stepgate", error="use_dpop_nonce", error_description="[^"]+", algs="ES256 /);
    const nonce = deniedHeader(first, 'dpop-nonce');
    expect(nonce).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const retry = await send(a, token, await proof({ nonce }));
    expect(reason(retry)).toBe('allowed');
    expect(okNonce(retry)).toMatch(/^[A-Za-z0-9_-]{22}$/);
    // The next proof with the nonce the allow brought is allowed too.
    expect(reason(await send(a, token, await proof({ nonce: okNonce(retry) })))).toBe('allowed');
  });

  it('two replicas sharing the configuration accept each other\'s nonces, from a refusal and from an allow', async () => {
    const fromA = deniedHeader(await send(a, token, await proof()), 'dpop-nonce');
    const atB = await send(b, token, await proof({ nonce: fromA }));
    expect(reason(atB)).toBe('allowed');
    expect(reason(await send(a, token, await proof({ nonce: okNonce(atB) })))).toBe('allowed');
    // control: a server with another key list makes other nonces, and refuses these
    const atC = await send(c, token, await proof({ nonce: fromA }));
    expect(reason(atC)).toBe('dpop_nonce_required');
    expect(deniedHeader(atC, 'dpop-nonce')).not.toBe(fromA);
  });

  it('a proof made in advance, with the nonce of two windows back, is refused with a fresh nonce', async () => {
    // What malware that can make the key sign (but not copy it) would have precomputed: the nonce
    // it saw two windows ago, the only kind it can hold, with an iat for when it is used.
    const old = new DpopNonces(derivedKeys(parseKeyList(KEYS, 'SG_SESSION_KEYS'), 'dpop-nonce'), WINDOW_SECONDS * 1000, () => Date.now() - 2 * WINDOW_SECONDS * 1000).current();
    // control: the same derivation for now is a nonce the server accepts, so the refusal is the window's
    const current = new DpopNonces(derivedKeys(parseKeyList(KEYS, 'SG_SESSION_KEYS'), 'dpop-nonce'), WINDOW_SECONDS * 1000, Date.now).current();
    expect(reason(await send(b, token, await proof({ nonce: current })))).toBe('allowed');
    const res = await send(b, token, await proof({ nonce: old }));
    expect(reason(res)).toBe('dpop_nonce_required');
    expect(deniedHeader(res, 'dpop-nonce')).not.toBe(old);
    expect(deniedHeader(res, 'www-authenticate')).toContain('error="use_dpop_nonce"');
  });

  it.each<[string, unknown]>([
    ['a made-up nonce', 'A'.repeat(22)],
    ['a nonce that is not a string', 12345],
    ['an empty nonce', ''],
  ])('refused: %s', async (_what, nonce) => {
    const res = await send(a, token, await proof({ nonce }));
    expect(reason(res)).toBe('dpop_nonce_required');
    expect(deniedHeader(res, 'dpop-nonce')).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('a refused nonce takes no jti: the same proof, unchanged, is refused again for its nonce, not as a replay', async () => {
    const p = await proof();
    expect(reason(await send(a, token, p))).toBe('dpop_nonce_required');
    expect(reason(await send(a, token, p))).toBe('dpop_nonce_required');
  });

  it('explain shows every header the server sends: the DPoP-Nonce of a refusal, and the one an allow adds to the client\'s response', async () => {
    const input = (p: string) => ({ method: 'GET', url: URL_OF(PODS), headers: [['authorization', `DPoP ${token}`], ['dpop', p]] as [string, string][] });
    const config = parseConfig(yaml, 'nonce47.yaml');
    const refused = await explain(config, input(await proof()), { env });
    expect(refused.decision.reason).toBe('dpop_nonce_required');
    expect(refused.response.headers['dpop-nonce']).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const nonce = deniedHeader(await send(a, token, await proof()), 'dpop-nonce');
    const p = await proof({ nonce });
    const out = await explain(config, input(p), { env });
    expect(out.decision.reason).toBe('allowed');
    expect(out.response.response_headers_to_add).toEqual({ 'dpop-nonce': expect.stringMatching(/^[A-Za-z0-9_-]{22}$/) as string });
    // The server's answer to the same proof adds one there too (explain has its own jti memory).
    expect(okNonce(await send(a, token, p))).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('other refusals keep their own codes with nonces on (a proof with a good nonce, replayed)', async () => {
    const nonce = deniedHeader(await send(a, token, await proof()), 'dpop-nonce');
    const p = await proof({ nonce });
    expect(reason(await send(a, token, p))).toBe('allowed');
    expect(reason(await send(a, token, p))).toBe('dpop_proof_replayed');
  });
});
