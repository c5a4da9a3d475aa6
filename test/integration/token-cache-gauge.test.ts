import { SignJWT } from 'jose';
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
