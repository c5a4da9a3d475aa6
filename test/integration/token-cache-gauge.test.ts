import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, type Service } from '../../src/main.js';
import { createLogger } from '../../src/telemetry/log.js';
import { HMAC_ISSUER, HMAC_SECRET, testConfig } from '../support/config.js';
import { CheckClient, reasonOf } from '../support/grpc-client.js';
import { checkRequest } from '../support/requests.js';

/**
 * stepgate_token_cache_bytes as scraped from a started service counts the encoded answers the gRPC
 * server keeps for cached tokens, beside the verifier's caches: without them the gauge said 757
 * bytes per entry where the process held 864 (bench/README.md, (g) of 2026-12-06 08:49).
 */
let service: Service;
let client: CheckClient;

beforeAll(async () => {
  service = await startService(testConfig('https://idp.invalid'), { TEST_HMAC_SECRET: HMAC_SECRET, STEPGATE_METRICS_LISTEN: '127.0.0.1:0', STEPGATE_HTTP_LISTEN: 'off' }, createLogger('silent'));
  client = new CheckClient(service.grpc.port);
});

afterAll(async () => {
  client?.close();
  await service?.stop();
});

describe('stepgate_token_cache_bytes', () => {
  it('adds the encoded answers kept for cached tokens to the token caches', async () => {
    const sec = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ sub: 'gauge-user', acr: 'urn:stepgate:aal3', auth_time: sec - 10 })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(HMAC_ISSUER)
      .setAudience('kubernetes')
      .setExpirationTime(sec + 3600)
      .sign(new TextEncoder().encode(HMAC_SECRET));
    // The first Check verifies the token; the second, a cache hit, keeps its encoded allow.
    for (let i = 0; i < 2; i++) expect(reasonOf(await client.check(checkRequest({ path: '/api/v1/namespaces/dev/pods', token })))).toBe('allowed');
    const encoded = service.grpc.encodedAnswerBytes;
    expect(encoded).toBeGreaterThan(0);
    const text = await (await fetch(`http://127.0.0.1:${service.telemetry.metricsPort}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith('stepgate_token_cache_bytes '));
    expect(Number(line?.split(' ')[1])).toBe(service.runtime.verifier.cacheBytes + encoded);
  });
});

describe('stepgate_token_cache_bytes with access_proxy on', () => {
  it("adds the access proxy's front of assertions seen again (crypto40)", async () => {
    const k = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(k.publicKey)), kid: 'p1', alg: 'ES256' };
    const proxy = `access_proxy:\n  header: x-pomerium-jwt-assertion\n  issuer: https://authenticate.example.com\n  audiences: [kube.example.com]\n  keys: [${JSON.stringify(jwk)}]\n  user_claim: sub\n  required: false\n`;
    const proxied = await startService(testConfig('https://idp.invalid', proxy), { TEST_HMAC_SECRET: HMAC_SECRET, STEPGATE_METRICS_LISTEN: '127.0.0.1:0', STEPGATE_HTTP_LISTEN: 'off' }, createLogger('silent'));
    const c = new CheckClient(proxied.grpc.port);
    try {
      const sec = Math.floor(Date.now() / 1000);
      const token = await new SignJWT({ sub: 'proxied-user', acr: 'urn:stepgate:aal3', auth_time: sec - 10 })
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer(HMAC_ISSUER)
        .setAudience('kubernetes')
        .setExpirationTime(sec + 3600)
        .sign(new TextEncoder().encode(HMAC_SECRET));
      const assertion = await new SignJWT({ iss: 'https://authenticate.example.com', aud: 'kube.example.com', sub: 'proxied-user', iat: sec, exp: sec + 300 }).setProtectedHeader({ alg: 'ES256', kid: 'p1' }).sign(k.privateKey);
      // The first Check verifies the assertion; the second, a cache hit, puts it in the front.
      for (let i = 0; i < 2; i++) expect(reasonOf(await c.check(checkRequest({ path: '/api/v1/namespaces/dev/pods', token, headers: { 'x-pomerium-jwt-assertion': assertion } })))).toBe('allowed');
      const front = proxied.runtime.accessProxy!.frontBytes;
      expect(front).toBeGreaterThanOrEqual(assertion.length);
      const text = await (await fetch(`http://127.0.0.1:${proxied.telemetry.metricsPort}/metrics`)).text();
      const line = text.split('\n').find((l) => l.startsWith('stepgate_token_cache_bytes '));
      expect(Number(line?.split(' ')[1])).toBe(proxied.runtime.verifier.cacheBytes + proxied.grpc.encodedAnswerBytes + front);
    } finally {
      c.close();
      await proxied.stop();
    }
  });
});
