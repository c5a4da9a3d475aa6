import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileAssurance } from '../../src/core/assurance.js';
import { TokenVerifier } from '../../src/identity/verifier.js';
import { parseConfig } from '../../src/config/load.js';
import { World as JwksWorld, signingKey, type SigningKey } from '../support/jwks-world.js';

const ISS = 'https://idp.test';

class World extends JwksWorld {
  constructor() {
    super(Date.parse('2026-11-23T12:00:00Z'));
  }
}

let key: SigningKey;
let other: SigningKey;

beforeAll(async () => {
  [key, other] = await Promise.all([signingKey('k1'), signingKey('k2')]);
});

function setup(world: World, extra = '', issuerExtra = '', toleranceSeconds = 0) {
  const config = parseConfig(
    `
issuers:
  - issuer: ${ISS}
    jwks_uri: ${ISS}/jwks
    audiences: [kubernetes]
    algorithms: [ES256]
    jwks_refresh_seconds: 60
    jwks_cooldown_seconds: 5
    clock_tolerance_seconds: ${toleranceSeconds}
${issuerExtra}assurance:
  levels:
    - name: aal1
      acr: [a1]
policy:
  default: { require: aal1 }
token_cache:
  max_ttl_seconds: 300
  negative_ttl_seconds: 10
${extra}`,
    'unit.yaml',
  );
  return new TokenVerifier(config, compileAssurance(config.assurance.levels), { fetch: world.fetch, now: world.now, env: {} });
}

async function sign(world: World, claims: Record<string, unknown>, k = key, kid = 'k1') {
  const iat = Math.floor(world.t / 1000);
  return new SignJWT({ iss: ISS, aud: 'kubernetes', sub: 'alice', iat, exp: iat + 3600, acr: 'a1', ...claims })
    .setProtectedHeader({ alg: 'ES256', kid })
    .sign(k.privateKey);
}

describe('TokenVerifier cache', () => {
  it('a hit does no signature check: it still answers after the issuer rotated its key away', async () => {
    const w = new World();
    w.keys = [key.jwk];
    const v = setup(w);
    const token = await sign(w, {});
    expect((await v.verify(token)).ok).toBe(true);
    // Rotate: the issuer no longer publishes k1; a real verification would now fail.
    w.keys = [other.jwk];
    w.t += 6_000;
    const hit = v.verify(token);
    expect(hit).not.toBeInstanceOf(Promise);
    expect(hit).toMatchObject({ ok: true, cached: true });
    // Past the configured TTL the entry is gone and the token is verified again, for real:
    // a token under the new key makes the verifier learn the rotated set first.
    w.t += 300_000;
    expect((await v.verify(await sign(w, { sub: 'bob' }, other, 'k2'))).ok).toBe(true);
    const again = await v.verify(token);
    expect(again).toMatchObject({ ok: false, reason: 'key_unknown', cached: false });
  });

  it('never keeps a token beyond its exp, whatever the configured TTL', async () => {
    const w = new World();
    w.keys = [key.jwk];
    const v = setup(w);
    const token = await sign(w, { exp: Math.floor(w.t / 1000) + 60 });
    expect((await v.verify(token)).ok).toBe(true);
    w.t += 59_000;
    expect(v.lookup(token)).toMatchObject({ ok: true, cached: true });
    w.t += 2_000;
    expect(v.lookup(token)).toBeUndefined();
    expect(await v.verify(token)).toMatchObject({ ok: false, reason: 'token_expired', cached: false });
  });

  it('negative-caches a bad token briefly, so it cannot force repeated checks', async () => {
    const w = new World();
    w.keys = [key.jwk];
    const v = setup(w);
    const bad = await sign(w, {}, other, 'k1'); // right kid, wrong key: the signature fails
    expect(await v.verify(bad)).toMatchObject({ ok: false, reason: 'token_invalid', cached: false });
    expect(v.verify(bad)).toMatchObject({ ok: false, reason: 'token_invalid', cached: true });
    w.t += 11_000;
    expect(await v.verify(bad)).toMatchObject({ ok: false, reason: 'token_invalid', cached: false });
  });

  it('does not negative-cache an outage: the token passes as soon as keys are back', async () => {
    const w = new World();
    w.keys = [key.jwk];
    w.down = true;
    const v = setup(w);
    const token = await sign(w, {});
    expect(await v.verify(token)).toMatchObject({ ok: false, reason: 'jwks_unavailable' });
    w.down = false;
    w.t += 5_000; // the refetch cooldown
    expect(await v.verify(token)).toMatchObject({ ok: true, cached: false });
  });

  it('an unknown kid while the issuer is down is jwks_unavailable, not key_unknown, and not cached', async () => {
    const w = new World();
    w.keys = [key.jwk];
    const v = setup(w);
    expect((await v.verify(await sign(w, { sub: 'a' }))).ok).toBe(true);
    w.down = true;
    w.t += 6_000;
    const rotated = await sign(w, { sub: 'b' }, other, 'k2');
    expect(await v.verify(rotated)).toMatchObject({ ok: false, reason: 'jwks_unavailable' });
    w.down = false;
    w.keys = [key.jwk, other.jwk];
    w.t += 6_000;
    expect(await v.verify(rotated)).toMatchObject({ ok: true, cached: false });
  });

  it('rate-limits refetches while the issuer is down', async () => {
    const w = new World();
    w.down = true;
    const v = setup(w);
    const token = await sign(w, {});
    await v.verify(token);
    const after = w.fetches;
    for (let i = 0; i < 20; i++) await v.verify(await sign(w, { sub: `u${i}` }));
    expect(w.fetches).toBe(after);
  });

  it('keeps serving old keys when a background refresh fails', async () => {
    const w = new World();
    w.keys = [key.jwk];
    const v = setup(w);
    expect((await v.verify(await sign(w, { sub: 'a' }))).ok).toBe(true);
    w.down = true;
    w.t += 120_000; // keys are stale: a background refresh is attempted and fails
    expect((await v.verify(await sign(w, { sub: 'b' }))).ok).toBe(true);
    await new Promise((r) => setTimeout(r, 10));
    expect((await v.verify(await sign(w, { sub: 'c' }))).ok).toBe(true);
  });

  it('shares one verification among concurrent first sightings of a token', async () => {
    const w = new World();
    w.keys = [key.jwk];
    const v = setup(w);
    const token = await sign(w, {});
    const results = await Promise.all(Array.from({ length: 10 }, () => v.verify(token)));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(w.fetches).toBe(1);
  });

  it('bounds the cache to max_entries', async () => {
    const w = new World();
    w.keys = [key.jwk];
    const small = new TokenVerifier(
      parseConfig(
        `issuers: [{issuer: "${ISS}", jwks_uri: "${ISS}/jwks", audiences: [kubernetes], algorithms: [ES256]}]
assurance: {levels: [{name: aal1, acr: [a1]}]}
policy: {default: {require: aal1}}
token_cache: {max_entries: 3}`,
        'small.yaml',
      ),
      compileAssurance([{ name: 'aal1', acr: ['a1'], amr: [], combine: 'any' }]),
      { fetch: w.fetch, now: w.now, env: {} },
    );
    for (let i = 0; i < 10; i++) await small.verify(await sign(w, { sub: `user${i}` }));
    expect(small.cacheSize).toBe(3);
  });
});

describe('TokenVerifier cache key: bound to the whole token, never the token itself', () => {
  // Every character of a token moved to another base64url one, segment by segment: the cache
  // answers none of them with the verified token's identity (a miss, then a verification of
  // their own). A key over part of the token (its signature, a prefix) fails this.
  const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const changed = (token: string, at: number, by: number) => {
    const c = B64URL[(B64URL.indexOf(token[at]!) + by) % 64]!;
    return token.slice(0, at) + c + token.slice(at + 1);
  };

  it('a token differing in one character of its header, payload or signature is never a hit', async () => {
    const w = new World();
    w.keys = [key.jwk];
    const v = setup(w);
    const token = await sign(w, { sub: 'alice', groups: ['payments'] });
    expect((await v.verify(token)).ok).toBe(true);
    const dots = [token.indexOf('.'), token.lastIndexOf('.')];
    const segments = [
      [0, dots[0]!],
      [dots[0]! + 1, dots[1]!],
      [dots[1]! + 1, token.length],
    ] as const;
    for (const [from, to] of segments) {
      for (let at = from; at < to; at++) {
        for (const by of [1, 17, 63]) expect(v.lookup(changed(token, at, by))).toBeUndefined();
      }
    }
    // Longer or shorter by one character, at either end, is another token too.
    for (const other of [`${token}A`, token.slice(0, -1), `A${token}`, token.slice(1)]) expect(v.lookup(other)).toBeUndefined();
    expect(v.lookup(token)).toMatchObject({ ok: true, cached: true, identity: { subject: 'alice' } });
  });

  it('keeps no token, nor its signature, in the cache or the identity it answers with', async () => {
    const w = new World();
    w.keys = [key.jwk];
    const v = setup(w);
    const token = await sign(w, {});
    const r = await v.verify(token);
    expect(r.ok).toBe(true);
    const signature = token.slice(token.lastIndexOf('.') + 1);
    const held = [...(v as unknown as { positive: Map<string, unknown> }).positive.keys()];
    expect(held).toHaveLength(1);
    expect(held[0]!.length).toBeLessThan(64);
    for (const text of [...held, JSON.stringify(r.ok ? r.identity : undefined)]) {
      expect(text).not.toContain(signature.slice(0, 16));
      expect(text).not.toContain(token.slice(0, token.lastIndexOf('.')));
    }
  });
});

describe('TokenVerifier: JWTs the IdP signs that prove no sign-in', () => {
  async function typed(world: World, typ: string | undefined, claims: Record<string, unknown> = {}) {
    const iat = Math.floor(world.t / 1000);
    return new SignJWT({ iss: ISS, aud: 'kubernetes', sub: 'alice', iat, exp: iat + 3600, acr: 'a1', ...claims })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1', ...(typ === undefined ? {} : { typ }) })
      .sign(key.privateKey);
  }

  it.each([
    ['a back-channel logout token', 'logout+jwt', { sid: 's1', events: { 'http://schemas.openid.net/event/backchannel-logout': {} } }, 'typ "logout+jwt"'],
    ['a logout token with the media type spelled out', 'application/Logout+JWT', {}, 'typ "application/Logout+JWT"'],
    ['a logout token without typ (the spec allows it)', undefined, { sid: 's1', events: { 'http://schemas.openid.net/event/backchannel-logout': {} } }, 'an events claim'],
    ['a CAEP/RISC security event token', 'secevent+jwt', { events: { 'https://schemas.openid.net/secevent/caep/event-type/session-revoked': {} } }, 'typ "secevent+jwt"'],
    ['a JWT introspection response', 'token-introspection+jwt', { token_introspection: { active: true } }, 'typ "token-introspection+jwt"'],
    ['an introspection response without typ', 'JWT', { token_introspection: { active: true, sub: 'alice' } }, 'token_introspection claim'],
    ["Keycloak's logout token (claim typ)", 'JWT', { typ: 'Logout' }, 'claim typ "Logout"'],
    ["Keycloak's refresh token (claim typ)", 'JWT', { typ: 'Refresh' }, 'claim typ "Refresh"'],
    ['an OpenID Federation entity statement', 'entity-statement+jwt', {}, 'typ "entity-statement+jwt"'],
    ['an ID token naming a key it is bound to (cnf jwk)', 'JWT', { cnf: { jwk: { kty: 'OKP', crv: 'Ed25519', x: 'AAAA' } } }, 'a cnf claim'],
    ['a cnf claim of any other shape', undefined, { cnf: 'x' }, 'a cnf claim'],
  ])('%s is token_invalid, not a sign-in', async (_what, typ, claims, detail) => {
    const w = new World();
    w.keys = [key.jwk];
    const r = await setup(w).verify(await typed(w, typ, claims));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.reason).toBe('token_invalid');
    expect(r.detail).toContain(detail);
  });

  it.each([
    ['an ID token with typ JWT', 'JWT', {}],
    ['an ID token without typ', undefined, {}],
    ['an RFC 9068 access token', 'at+jwt', {}],
    ["Keycloak's ID token (claim typ ID)", 'JWT', { typ: 'ID' }],
    ["Keycloak's access token (claim typ Bearer)", 'JWT', { typ: 'Bearer' }],
  ])('%s still verifies', async (_what, typ, claims) => {
    const w = new World();
    w.keys = [key.jwk];
    expect((await setup(w).verify(await typed(w, typ, claims))).ok).toBe(true);
  });

  // Session 45: a DPoP-bound or certificate-bound token verifies, its binding kept in the cached
  // identity; the Check then asks for its proof on every request (identity/sender-binding.ts).
  it.each([
    ['a DPoP-bound access token (RFC 9449 cnf.jkt)', { jkt: '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I' }, { method: 'dpop', thumbprint: '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I' }],
    ['a certificate-bound access token (RFC 8705 cnf x5t#S256)', { 'x5t#S256': 'bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2' }, { method: 'certificate', thumbprint: 'bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2' }],
  ])('%s verifies with its binding, to be proven per request', async (_what, cnf, binding) => {
    const w = new World();
    w.keys = [key.jwk];
    const r = await setup(w).verify(await typed(w, 'at+jwt', { cnf }));
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.identity.binding).toEqual(binding);
  });

  it('a forged logout token is refused for its signature, before its type is looked at', async () => {
    const w = new World();
    w.keys = [key.jwk];
    const iat = Math.floor(w.t / 1000);
    const forged = await new SignJWT({ iss: ISS, aud: 'kubernetes', sub: 'alice', iat, exp: iat + 3600, events: {} })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'logout+jwt' })
      .sign(other.privateKey);
    const r = await setup(w).verify(forged);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.detail).not.toContain('typ');
  });
});

describe('TokenVerifier: issuers[].authorized_parties', () => {
  const PARTIES = '    authorized_parties: [kubelogin, stepgate-stepup]\n';
  async function outcome(claims: Record<string, unknown>, issuerExtra = PARTIES) {
    const w = new World();
    w.keys = [key.jwk];
    return setup(w, '', issuerExtra).verify(await sign(w, claims));
  }

  it('accepts a token issued to a listed client, by azp, client_id or its one aud', async () => {
    expect(await outcome({ azp: 'kubelogin' })).toMatchObject({ ok: true });
    expect(await outcome({ client_id: 'stepgate-stepup' })).toMatchObject({ ok: true });
    // An ID token without azp is its one audience's: here kubectl's client id is the API's audience.
    expect(await outcome({ aud: ['kubernetes'] }, '    authorized_parties: [kubernetes]\n')).toMatchObject({ ok: true });
  });

  it('refuses a token issued to another client, with the client named', async () => {
    const r = await outcome({ azp: 'calendar-sync-addon' });
    expect(r).toMatchObject({ ok: false, reason: 'client_not_allowed' });
    expect(!r.ok && r.detail).toContain('"calendar-sync-addon"');
    // azp wins over client_id and aud: a listed client_id does not rescue another azp.
    expect(await outcome({ azp: 'calendar-sync-addon', client_id: 'kubelogin' })).toMatchObject({ ok: false, reason: 'client_not_allowed' });
  });

  it('refuses a token that names no client: several audiences and no azp, or an azp that is no string', async () => {
    expect(await outcome({ aud: ['kubernetes', 'kubelogin'] })).toMatchObject({ ok: false, reason: 'client_not_allowed' });
    expect(await outcome({ azp: ['kubelogin'] })).toMatchObject({ ok: false, reason: 'client_not_allowed' });
    // A single aud that is the API's own is no listed client either.
    expect(await outcome({})).toMatchObject({ ok: false, reason: 'client_not_allowed' });
  });

  it('without the key, any client is accepted', async () => {
    expect(await outcome({ azp: 'calendar-sync-addon' }, '')).toMatchObject({ ok: true });
  });

  it('the key must list a client when it is given', () => {
    expect(() => setup(new World(), '', '    authorized_parties: []\n')).toThrow(/authorized_parties/);
  });
});

describe('TokenVerifier: an auth_time ahead of the clock, within the tolerance', () => {
  // The identity provider's clock 20 s ahead: its sign-in at 11:59:50 (stepgate's time) says
  // 12:00:10. Taken as given, a context first seen at 12:00:00.4 (a relay's first request) would
  // count as proven by it (risk/context-bound.ts asks auth_time >= 12:00:01).
  it('is read as the second stepgate first saw the token', async () => {
    const w = new World();
    w.keys = [key.jwk];
    w.t += 400;
    const v = setup(w, '', '', 30);
    const now = Math.floor(w.t / 1000);
    const ahead = await v.verify(await sign(w, { auth_time: now + 20 }));
    expect(ahead).toMatchObject({ ok: true, identity: { authTime: now } });
    const past = await v.verify(await sign(w, { sub: 'bob', auth_time: now - 20 }));
    expect(past).toMatchObject({ ok: true, identity: { authTime: now - 20 } });
    // Beyond the tolerance it is still refused, not clamped.
    expect(await v.verify(await sign(w, { sub: 'carol', auth_time: now + 31 }))).toMatchObject({ ok: false, reason: 'token_not_yet_valid' });
  });
});

describe('TokenVerifier: issuers[].required_claims (claims50)', () => {
  // GitHub Actions' issuer signs a token for any repository's workflow, with the audience the
  // workflow asks for: the audience names stepgate, the owner names whose workflow it is.
  const OWNER = '    required_claims: {repository_owner: [finco], environment: [production, "staging-*"]}\n';
  async function outcome(claims: Record<string, unknown>, issuerExtra = OWNER) {
    const w = new World();
    w.keys = [key.jwk];
    return setup(w, '', issuerExtra).verify(await sign(w, claims));
  }

  it('accepts a token whose every required claim matches (a string, or a list holding one)', async () => {
    expect(await outcome({ repository_owner: 'finco', environment: 'production' })).toMatchObject({ ok: true });
    expect(await outcome({ repository_owner: 'finco', environment: 'staging-eu' })).toMatchObject({ ok: true });
    expect(await outcome({ repository_owner: ['other', 'finco'], environment: 'production' })).toMatchObject({ ok: true });
  });

  it("refuses another repository owner's token, naming the claim", async () => {
    const r = await outcome({ repository_owner: 'attacker', environment: 'production' });
    expect(r).toMatchObject({ ok: false, reason: 'client_not_allowed' });
    expect(!r.ok && r.detail).toContain('repository_owner is "attacker"');
    // Case and globs are exact: a look-alike owner is another owner.
    expect(await outcome({ repository_owner: 'FinCo', environment: 'production' })).toMatchObject({ ok: false, reason: 'client_not_allowed' });
    expect(await outcome({ repository_owner: 'finco-evil', environment: 'production' })).toMatchObject({ ok: false, reason: 'client_not_allowed' });
  });

  it('refuses a token without the claim, or with one that is not a string', async () => {
    expect(await outcome({ environment: 'production' })).toMatchObject({ ok: false, reason: 'client_not_allowed', detail: expect.stringContaining('no repository_owner claim') });
    expect(await outcome({ repository_owner: { login: 'finco' }, environment: 'production' })).toMatchObject({ ok: false, reason: 'client_not_allowed' });
    expect(await outcome({ repository_owner: 7, environment: 'production' })).toMatchObject({ ok: false, reason: 'client_not_allowed' });
    expect(await outcome({ repository_owner: [7, null], environment: 'production' })).toMatchObject({ ok: false, reason: 'client_not_allowed' });
    // Every listed claim must match: the right owner does not carry another environment.
    expect(await outcome({ repository_owner: 'finco', environment: 'dev' })).toMatchObject({ ok: false, reason: 'client_not_allowed' });
  });

  it('without the key, any value is accepted; an empty map or an empty list is a startup error', async () => {
    expect(await outcome({ repository_owner: 'attacker' }, '')).toMatchObject({ ok: true });
    expect(() => setup(new World(), '', '    required_claims: {}\n')).toThrow(/required_claims/);
    expect(() => setup(new World(), '', '    required_claims: {repository_owner: []}\n')).toThrow(/required_claims/);
  });
});
