import { SignJWT } from 'jose';
import { describe, expect, it, vi } from 'vitest';
import { check, type Checked } from '../../src/pipeline/check.js';
import { lastChallenge } from '../../src/pipeline/challenge.js';
import { buildRuntime, type Runtime } from '../../src/pipeline/runtime.js';
import type { TokenVerifier } from '../../src/identity/verifier.js';
import { parseCheckRequest } from '../../src/server/grpc/check.js';
import { HMAC_ISSUER, HMAC_SECRET, testConfig, testConfigYaml } from '../support/config.js';
import { parseConfig } from '../../src/config/load.js';
import { checkRequest, type RequestSpec } from '../support/requests.js';

/**
 * The last-challenge record for the kubectl plugin (pipeline/challenge.ts) is not written again
 * when it would be the same bytes (same challenge, same second): the record must still always be
 * the last challenge this process answered, for that very token, under the current configuration
 * and clock.
 */

let now = 1_700_000_000_250;
const deps = { fetch: () => Promise.reject(new Error('no network in this test')), now: () => now, env: { TEST_HMAC_SECRET: HMAC_SECRET } };

async function token(sub: string, acr = 'urn:stepgate:aal1', age = 10): Promise<string> {
  const sec = Math.floor(now / 1000);
  return new SignJWT({ sub, acr, auth_time: sec - age, jti: `${sub}-${Math.random()}` })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(HMAC_ISSUER)
    .setAudience('kubernetes')
    .setIssuedAt(sec)
    .setExpirationTime(sec + 36_000)
    .sign(new TextEncoder().encode(HMAC_SECRET));
}

async function run(rt: Runtime, spec: RequestSpec): Promise<Checked> {
  return check(rt, parseCheckRequest(checkRequest(spec), rt.headerLimits, rt.maxBodyBytes));
}

const SECRET = '/api/v1/namespaces/dev/secrets/db';
const EXEC = '/api/v1/namespaces/dev/pods/web/exec';
/** Lets the store's write (a promise off the answer's path) settle. */
const settled = () => new Promise((r) => setImmediate(r));

describe('last-challenge records', () => {
  it('are written once per second for a repeated challenge, and always hold the last challenge answered', async () => {
    now = 1_700_000_000_250;
    const rt = buildRuntime(testConfig('https://idp.invalid'), deps);
    const writes = vi.spyOn(rt.challenges!, 'remember');
    const t = await token('alice');
    const last = async () => (await lastChallenge(rt, t))!;

    expect((await run(rt, { path: SECRET, token: t })).answer.status).toBe(401);
    expect((await run(rt, { path: SECRET, token: t })).answer.status).toBe(401);
    await run(rt, { path: SECRET, token: t });
    await settled();
    expect(writes).toHaveBeenCalledTimes(1);
    expect(await last()).toMatchObject({ rules: ['secrets'], max_age: 900, issued_at: 1_700_000_000 });

    // Another challenge within the same second is written, and so is the first one again after it.
    await run(rt, { path: EXEC, token: t });
    await settled();
    expect(await last()).toMatchObject({ rules: ['pod-shell'], max_age: 300 });
    await run(rt, { path: SECRET, token: t });
    await settled();
    expect(writes).toHaveBeenCalledTimes(3);
    expect(await last()).toMatchObject({ rules: ['secrets'], max_age: 900 });
    // Same level and max_age, another rule: another record.
    expect((await run(rt, { path: '/admin/users', host: 'grafana.example.com', token: t })).answer.status).toBe(401);
    await settled();
    expect(writes).toHaveBeenCalledTimes(4);
    expect(await last()).toMatchObject({ rules: ['grafana-admin'], max_age: 900 });
    await run(rt, { path: SECRET, token: t });
    await settled();
    expect(writes).toHaveBeenCalledTimes(5);

    // The next second is a different record (issued_at), so it is written.
    now += 800;
    await run(rt, { path: SECRET, token: t });
    await settled();
    expect(writes).toHaveBeenCalledTimes(6);
    expect((await last()).issued_at).toBe(1_700_000_001);
    // Still within that second: nothing new to write.
    now += 100;
    await run(rt, { path: SECRET, token: t });
    await settled();
    expect(writes).toHaveBeenCalledTimes(6);
  });

  it('are written for each token on its own, even when two tokens are the same person', async () => {
    now = 1_700_000_100_000;
    const rt = buildRuntime(testConfig('https://idp.invalid'), deps);
    const writes = vi.spyOn(rt.challenges!, 'remember');
    const [a, b] = [await token('alice'), await token('alice')];
    await run(rt, { path: SECRET, token: a });
    await run(rt, { path: EXEC, token: b });
    await run(rt, { path: SECRET, token: a });
    await run(rt, { path: EXEC, token: b });
    await settled();
    expect(writes).toHaveBeenCalledTimes(2);
    expect(writes.mock.calls[0]![0]).not.toBe(writes.mock.calls[1]![0]);
    expect(await lastChallenge(rt, a)).toMatchObject({ rules: ['secrets'] });
    expect(await lastChallenge(rt, b)).toMatchObject({ rules: ['pod-shell'] });
  });

  it('are written for each token even if a verifier handed both the same identity object', async () => {
    now = 1_700_000_150_000;
    const real = buildRuntime(testConfig('https://idp.invalid'), deps);
    const first = await token('alice');
    const shared = (await real.verifier.verify(first)) as { ok: true; identity: unknown };
    const rt = buildRuntime(testConfig('https://idp.invalid'), {
      ...deps,
      verifier: () => ({ verify: () => ({ ok: true, identity: shared.identity, cached: true }) }) as unknown as TokenVerifier,
    });
    const writes = vi.spyOn(rt.challenges!, 'remember');
    const [a, b] = [await token('alice'), await token('alice')];
    await run(rt, { path: SECRET, token: a });
    await run(rt, { path: SECRET, token: b });
    await settled();
    expect(writes).toHaveBeenCalledTimes(2);
    expect(await lastChallenge(rt, a)).toMatchObject({ rules: ['secrets'] });
    expect(await lastChallenge(rt, b)).toMatchObject({ rules: ['secrets'] });
    // A reload that renames the level's acr values, with the same identity object handed out.
    const renamed = parseConfig(testConfigYaml('https://idp.invalid').replace('acr: [urn:stepgate:aal2, "2"]', 'acr: [urn:stepgate:mfa]'), 'reload.yaml');
    const rt2 = buildRuntime(renamed, { ...deps, verifier: () => rt.verifier }, rt);
    expect(rt2.challenges).toBe(rt.challenges);
    await run(rt2, { path: SECRET, token: b });
    await settled();
    expect(writes).toHaveBeenCalledTimes(3);
    expect(await lastChallenge(rt2, b)).toMatchObject({ acr_values: 'urn:stepgate:mfa' });
  });

  it('are written again after a failed write, without waiting for the next second', async () => {
    now = 1_700_000_200_000;
    const rt = buildRuntime(testConfig('https://idp.invalid'), deps);
    const store = rt.challenges!;
    const real = store.remember.bind(store);
    let failing = true;
    const writes = vi.spyOn(store, 'remember').mockImplementation((...args) => (failing ? Promise.reject(new Error('store down')) : real(...args)));
    const t = await token('alice');
    await run(rt, { path: SECRET, token: t });
    await settled();
    failing = false;
    await run(rt, { path: SECRET, token: t });
    await run(rt, { path: SECRET, token: t });
    await settled();
    expect(writes).toHaveBeenCalledTimes(2);
    expect(await lastChallenge(rt, t)).toMatchObject({ rules: ['secrets'] });
  });

  it('follow a configuration reload within the same second: new acr_values, new TTL', async () => {
    now = 1_700_000_300_000;
    const config = testConfig('https://idp.invalid');
    const rt = buildRuntime(config, deps);
    const writes = vi.spyOn(rt.challenges!, 'remember');
    const t = await token('alice');
    await run(rt, { path: SECRET, token: t });
    await settled();
    expect(await lastChallenge(rt, t)).toMatchObject({ acr_values: 'urn:stepgate:aal2 2' });

    // Only the challenge TTL changes: same store, same verifier (the cached identity is kept).
    const longer = parseConfig(testConfigYaml('https://idp.invalid').replace('kubernetes:\n  hosts: [kube.example.com]', 'kubernetes:\n  hosts: [kube.example.com]\n  challenge_ttl_seconds: 600'), 'reload.yaml');
    const rt2 = buildRuntime(longer, deps, rt);
    expect(rt2.challenges).toBe(rt.challenges);
    await run(rt2, { path: SECRET, token: t });
    await settled();
    expect(writes).toHaveBeenCalledTimes(2);
    expect(writes.mock.calls[1]![2]).toBe(600_000);

    // The level's acr values change: the record says the new ones at once.
    const renamed = parseConfig(testConfigYaml('https://idp.invalid').replace('acr: [urn:stepgate:aal2, "2"]', 'acr: [urn:stepgate:mfa]'), 'reload.yaml');
    const rt3 = buildRuntime(renamed, deps, rt2);
    expect(rt3.challenges).toBe(rt.challenges);
    const denied = await run(rt3, { path: SECRET, token: t });
    expect(denied.answer.headers.find(([k]) => k === 'www-authenticate')![1]).toContain('acr_values="urn:stepgate:mfa"');
    await settled();
    expect(writes).toHaveBeenCalledTimes(3);
    expect(await lastChallenge(rt3, t)).toMatchObject({ acr_values: 'urn:stepgate:mfa' });
  });

  it("name the level to sign in at, and the one the request needs, when the challenge keeps the token's own", async () => {
    now = 1_700_000_400_000;
    const rt = buildRuntime(testConfig('https://idp.invalid'), deps);
    // A hardware-key sign-in 1000 s old: too old for the Secret's 15 min, still within tagged-billing's 12 h.
    const t = await token('alice', 'urn:stepgate:aal3', 1000);
    await run(rt, { path: SECRET, token: t });
    await settled();
    expect(await lastChallenge(rt, t)).toMatchObject({ reason: 'auth_too_old', level: 'aal3', acr_values: 'urn:stepgate:aal3', required_level: 'aal2', max_age: 900 });
    // Two factors 1000 s old: what the Secret needs, and nothing more.
    const u = await token('bob', 'urn:stepgate:aal2', 1000);
    await run(rt, { path: SECRET, token: u });
    await settled();
    const rec = (await lastChallenge(rt, u))!;
    expect(rec).toMatchObject({ reason: 'auth_too_old', level: 'aal2', acr_values: 'urn:stepgate:aal2 2' });
    expect(rec.required_level).toBeUndefined();
  });
});
