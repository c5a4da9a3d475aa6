import { createHash, randomBytes } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { derivedKeys, parseKeyList } from '../../src/cookies/keys.js';
import { DpopNonces } from '../../src/identity/dpop-nonce.js';
import { check, type Checked } from '../../src/pipeline/check.js';
import { buildRuntime, type Runtime } from '../../src/pipeline/runtime.js';
import type { RawRequest } from '../../src/request/attributes.js';
import { RequestHeaders } from '../../src/request/headers.js';
import { toCheckResponse } from '../../src/server/grpc/check.js';
import { EncodedAllowCache } from '../../src/server/grpc/encoded-allows.js';
import { authorizationService, responseSerializer } from '../../src/server/grpc/protos.js';
import { toHttp } from '../../src/server/http/authz.js';
import { configProblems, HMAC_ISSUER, HMAC_SECRET, testConfig, testConfigYaml, withStepupSession } from '../support/config.js';
import { parseConfig } from '../../src/config/load.js';

/**
 * RFC 9449 §8 server nonces (identity/dpop-nonce.ts) with the clock injected: which windows a
 * nonce is good in, the keys it is made with, and what check() answers with
 * `sender_constrained.dpop.nonce: required` (the refusal's DPoP-Nonce and use_dpop_nonce, the
 * allow's DPoP-Nonce for the client, in the gRPC and the HTTP answers, never from a kept encoding).
 */

const T0 = Date.parse('2026-03-02T10:00:30Z');
const S0 = Math.floor(T0 / 1000);
const HOST = 'kube.example.com';
const PODS = '/api/v1/namespaces/dev/pods';
const WINDOW = 60_000;
const KEY_A = `a:${randomBytes(32).toString('base64url')}`;
const KEY_B = `b:${randomBytes(32).toString('base64url')}`;

const nonces = (list: string, clock: { now: number }, window = WINDOW) => new DpopNonces(derivedKeys(parseKeyList(list, 'SG_KEYS'), 'dpop-nonce'), window, () => clock.now);

describe('DpopNonces', () => {
  it('a nonce is good in its window, the next and (a replica running ahead) the one before; not two away', () => {
    const clock = { now: T0 };
    const n = nonces(KEY_A, clock);
    const given = n.current();
    expect(given).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(n.current()).toBe(given);
    for (const [at, ok] of [[0, true], [WINDOW, true], [-WINDOW, true], [2 * WINDOW, false], [-2 * WINDOW, false]] as const) {
      clock.now = T0 + at;
      expect(n.accepts(given), `at ${at / 1000}s`).toBe(ok);
    }
    clock.now = T0 + WINDOW;
    expect(n.current()).not.toBe(given);
  });

  it('another replica with the same key list accepts it; one with another key, or another window length, does not', () => {
    const clock = { now: T0 };
    const given = nonces(KEY_A, clock).current();
    expect(nonces(KEY_A, clock).accepts(given)).toBe(true);
    expect(nonces(KEY_B, clock).accepts(given)).toBe(false);
    expect(nonces(KEY_A, clock, 2 * WINDOW).accepts(given)).toBe(false);
  });

  it('a key rotation needs no retry: the first key gives nonces out, every key is accepted', () => {
    const clock = { now: T0 };
    const old = nonces(KEY_A, clock).current();
    const rotated = nonces(`${KEY_B},${KEY_A}`, clock);
    expect(rotated.accepts(old)).toBe(true);
    expect(rotated.current()).toBe(nonces(KEY_B, clock).current());
  });

  it('anything but a nonce it gave out is refused', () => {
    const n = nonces(KEY_A, { now: T0 });
    for (const v of [undefined, null, 42, '', 'A'.repeat(22), `${n.current()}x`, [n.current()], { nonce: n.current() }]) expect(n.accepts(v)).toBe(false);
  });
});

describe('the configuration', () => {
  it('nonce: required without stepup.session is refused at the key', () => {
    const problems = configProblems(testConfigYaml('https://idp.invalid', 'sender_constrained:\n  dpop:\n    nonce: required\n'), 'stepgate.yaml');
    expect(problems.find((p) => p.field === 'sender_constrained.dpop.nonce')?.message).toMatch(/^required needs stepup.session/);
  });

  it('off by default', () => {
    expect(testConfig('https://idp.invalid').sender_constrained.dpop.nonce).toBe('off');
  });
});

interface Key {
  privateKey: CryptoKey;
  jwk: JWK;
  jkt: string;
}

const ath = (t: string) => createHash('sha256').update(t).digest('base64url');
let jtis = 0;

describe('check() with sender_constrained.dpop.nonce: required', () => {
  let k: Key;
  let bound: string;
  let plain: string;
  const clock = { now: T0 };
  let rt: Runtime;
  let off: Runtime;
  const serialize = responseSerializer(authorizationService());
  beforeAll(async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = await exportJWK(publicKey);
    k = { privateKey, jwk, jkt: await calculateJwkThumbprint(jwk, 'sha256') };
    bound = await token({ cnf: { jkt: k.jkt } });
    plain = await token({});
    const env = { TEST_HMAC_SECRET: HMAC_SECRET, SG_SECRET: 'x', SG_KEYS: KEY_A };
    const deps = { fetch: () => Promise.reject(new Error('no network in a unit test')), now: () => clock.now, env };
    rt = buildRuntime(parseConfig(withStepupSession(testConfigYaml('https://idp.invalid', 'sender_constrained:\n  dpop:\n    nonce: required\n')), 'stepgate.yaml'), deps);
    off = buildRuntime(parseConfig(withStepupSession(testConfigYaml('https://idp.invalid')), 'stepgate.yaml'), deps);
  });

  function token(claims: Record<string, unknown>): Promise<string> {
    return new SignJWT({ sub: 'alice@example.com', auth_time: S0 - 10, acr: 'urn:stepgate:aal1', amr: ['pwd'], ...claims })
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
      .setIssuer(HMAC_ISSUER)
      .setAudience('kubernetes')
      .setIssuedAt(S0 - 10)
      .setExpirationTime(S0 + 3600)
      .sign(new TextEncoder().encode(HMAC_SECRET));
  }

  function proof(claims: Record<string, unknown> = {}): Promise<string> {
    const c: Record<string, unknown> = { jti: `jti-${++jtis}`, htm: 'GET', htu: `https://${HOST}${PODS}`, iat: Math.floor(clock.now / 1000), ath: ath(bound), ...claims };
    for (const [n, v] of Object.entries(c)) if (v === undefined) delete c[n];
    return new SignJWT(c).setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: k.jwk }).sign(k.privateKey);
  }

  function raw(headers: Record<string, string>): RawRequest {
    return {
      method: 'GET',
      target: PODS,
      authority: HOST,
      scheme: 'https',
      headers: RequestHeaders.of(Object.entries({ accept: 'application/json', ...headers })),
      sourceAddress: '10.1.2.3',
      sourcePrincipal: '',
      sourceCertificate: undefined,
      contextExtensions: {},
      body: undefined,
      bodyTruncated: false,
    };
  }

  const run = (r: Runtime, p: string, tok = bound): Promise<Checked> => Promise.resolve(check(r, { ok: true, raw: raw({ authorization: `DPoP ${tok}`, dpop: p }), spoofed: [] }));
  const header = (a: Checked['answer'], name: string) => a.headers.find(([n]) => n === name)?.[1];

  it('a proof without a nonce: 401, use_dpop_nonce, the nonce to use; with it, allowed with the next one for the client', async () => {
    clock.now = T0;
    const first = await run(rt, await proof());
    expect(first.verdict.reason).toBe('dpop_nonce_required');
    expect(first.answer.status).toBe(401);
    expect(header(first.answer, 'www-authenticate')).toMatch(/^DPoP realm="stepgate", error="use_dpop_nonce", error_description="[^"]+", algs="/);
    const nonce = header(first.answer, 'dpop-nonce');
    expect(nonce).toBe(nonces(KEY_A, clock).current());
    const ok = await run(rt, await proof({ nonce }));
    expect(ok.verdict.reason).toBe('allowed');
    expect(ok.answer.clientHeaders).toEqual([['dpop-nonce', nonce]]);
    // Never to the upstream: the nonce is the client's.
    expect(header(ok.answer, 'dpop-nonce')).toBeUndefined();
  });

  it('a browser navigation is not redirected: the nonce refusal is a 401 for the client to retry', async () => {
    clock.now = T0;
    const r = raw({ authorization: `DPoP ${bound}`, dpop: await proof(), 'sec-fetch-mode': 'navigate', accept: 'text/html' });
    const out = await check(rt, { ok: true, raw: r, spoofed: [] });
    expect(out.verdict.reason).toBe('dpop_nonce_required');
    expect(out.answer.status).toBe(401);
  });

  it('the nonce of two windows back is refused; the refusal is not kept past its window', async () => {
    clock.now = T0;
    const given = nonces(KEY_A, clock).current();
    clock.now = T0 + 2 * WINDOW;
    const late = await run(rt, await proof({ nonce: given }));
    expect(late.verdict.reason).toBe('dpop_nonce_required');
    const fresh = header(late.answer, 'dpop-nonce');
    expect(fresh).toBe(nonces(KEY_A, clock).current());
    expect(fresh).not.toBe(given);
    clock.now = T0 + 4 * WINDOW;
    expect(header((await run(rt, await proof({ nonce: given }))).answer, 'dpop-nonce')).toBe(nonces(KEY_A, clock).current());
  });

  it('the allow carries the nonce in ok_response.response_headers_to_add, freshly encoded as the window turns', async () => {
    const cache = new EncodedAllowCache(serialize);
    const decode = (b: unknown) => authorizationService().Check!.responseDeserialize(b as Buffer) as { ok_response?: { response_headers_to_add?: { header: { key: string; value: string } }[] } };
    for (const at of [T0, T0 + WINDOW, T0 + WINDOW]) {
      clock.now = at;
      const ok = await run(rt, await proof({ nonce: nonces(KEY_A, clock).current() }));
      expect(ok.verdict.reason).toBe('allowed');
      const sent = cache.response(ok.verdict, ok.answer, toCheckResponse);
      const msg = Buffer.isBuffer(sent) ? decode(sent) : decode(serialize(sent));
      expect(msg.ok_response?.response_headers_to_add?.map((h) => [h.header.key, h.header.value])).toEqual([['dpop-nonce', nonces(KEY_A, clock).current()]]);
    }
  });

  it('the HTTP ext_authz allow names it among its headers (allowed_client_headers_on_success)', async () => {
    clock.now = T0;
    const ok = await run(rt, await proof({ nonce: nonces(KEY_A, clock).current() }));
    expect(toHttp(ok.answer, false, ok.verdict, [], undefined).headers).toContainEqual(['dpop-nonce', nonces(KEY_A, clock).current()]);
  });

  it('with nonce off, proofs without one are allowed and no answer carries DPoP-Nonce; a bearer allow never does', async () => {
    clock.now = T0;
    const ok = await run(off, await proof());
    expect(ok.verdict.reason).toBe('allowed');
    expect(ok.answer.clientHeaders).toBeUndefined();
    const bearer = await check(rt, { ok: true, raw: raw({ authorization: `Bearer ${plain}` }), spoofed: [] });
    expect(bearer.verdict.reason).toBe('allowed');
    expect(bearer.answer.clientHeaders).toBeUndefined();
  });
});
