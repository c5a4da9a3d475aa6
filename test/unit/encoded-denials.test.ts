import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { check, type Checked } from '../../src/pipeline/check.js';
import { buildRuntime, type Runtime } from '../../src/pipeline/runtime.js';
import { parseCheckRequest, toCheckResponse } from '../../src/server/grpc/check.js';
import { EncodedAllowCache } from '../../src/server/grpc/encoded-allows.js';
import { authorizationService, responseSerializer } from '../../src/server/grpc/protos.js';
import { HMAC_ISSUER, HMAC_SECRET, testConfig } from '../support/config.js';
import { checkRequest, type RequestSpec } from '../support/requests.js';

/**
 * The Responder hands out the same frozen Answer for a repeated denial; the gRPC server then finds
 * its bytes by that reference. Bytes found so must be the encoding of that very answer, and one
 * user's challenge bytes are never another's.
 */

const serialize = responseSerializer(authorizationService());
const now = Date.now();
const rt = buildRuntime(testConfig('https://idp.invalid'), {
  fetch: () => Promise.reject(new Error('no network in this test')),
  now: () => now,
  env: { TEST_HMAC_SECRET: HMAC_SECRET },
});

async function token(sub: string): Promise<string> {
  const sec = Math.floor(now / 1000);
  return new SignJWT({ sub, acr: 'urn:stepgate:aal1', auth_time: sec - 10 })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(HMAC_ISSUER)
    .setAudience('kubernetes')
    .setExpirationTime(sec + 3600)
    .sign(new TextEncoder().encode(HMAC_SECRET));
}

async function run(r: Runtime, spec: RequestSpec): Promise<Checked> {
  return check(r, parseCheckRequest(checkRequest(spec), r.headerLimits, r.maxBodyBytes));
}

describe('encoded denials by reference', () => {
  it("are the answer's own bytes, per user and per request target", async () => {
    const cache = new EncodedAllowCache(serialize);
    const [alice, bob] = [await token('alice'), await token('bob')];
    const specs: RequestSpec[] = [
      { path: '/api/v1/namespaces/dev/secrets/db', token: alice },
      { path: '/api/v1/namespaces/dev/secrets/db', token: bob },
      { path: '/admin/users', host: 'grafana.example.com', token: alice, headers: { 'sec-fetch-mode': 'navigate' } },
      { path: '/admin/orgs', host: 'grafana.example.com', token: alice, headers: { 'sec-fetch-mode': 'navigate' } },
    ];
    for (const s of specs) await run(rt, s); // first sightings
    const sent = new Map<RequestSpec, Buffer>();
    for (let round = 0; round < 3; round++) {
      for (const s of specs) {
        const { verdict, answer } = await run(rt, s);
        expect(Object.isFrozen(answer)).toBe(true);
        const bytes = cache.response(verdict, answer, toCheckResponse) as Buffer;
        expect(bytes).toEqual(serialize(toCheckResponse(answer)));
        if (round === 0) sent.set(s, bytes);
        else expect(bytes).toBe(sent.get(s));
      }
    }
    expect(new Set([...sent.values()].map((b) => b.toString('hex'))).size).toBe(specs.length);
    expect(cache.denialLookups).toEqual({ misses: 4, hits: 8 });
  });
});
