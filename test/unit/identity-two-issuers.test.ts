import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileAssurance } from '../../src/core/assurance.js';
import { parseConfig } from '../../src/config/load.js';
import type { FetchFn } from '../../src/identity/jwks.js';
import { TokenVerifier } from '../../src/identity/verifier.js';
import { signingKey, type SigningKey } from '../support/jwks-world.js';

/**
 * Day 32's migration week at the verifier: the old identity provider (a Keycloak realm) and the new
 * one (an Entra tenant) both listed, each with its own JWKS, the new one's people named by `oid` and
 * carrying the Keycloak id that `issuers[].history_of` reads.
 */

const KC = 'https://sso.ruisdael.test/realms/staff';
const ENTRA = 'https://login.microsoftonline.com/5f3c1a9e-7b42-4d1e-9a6c-2e8b0d4f7c31/v2.0';
const CLIENT = '8d2e5b17-3c9a-4f60-b1d8-7a4e2c6f9b05';

class World {
  t = Date.parse('2027-06-08T08:00:00Z');
  jwks: Record<string, SigningKey[]> = { [KC]: [], [ENTRA]: [] };
  now = () => this.t;
  fetch: FetchFn = async (url) => {
    const iss = url === `${KC}/jwks` ? KC : url === `${ENTRA}/keys` ? ENTRA : undefined;
    if (iss === undefined) return new Response('not found', { status: 404 });
    return new Response(JSON.stringify({ keys: this.jwks[iss]!.map((k) => k.jwk) }), { headers: { 'content-type': 'application/json' } });
  };
}

let kc: SigningKey;
let entraA: SigningKey;
let entraB: SigningKey;
/** Entra's key published under the kid Keycloak's key has: a kid in both JWKS. */
let entraSameKid: SigningKey;

beforeAll(async () => {
  [kc, entraA, entraB, entraSameKid] = await Promise.all([signingKey('k1'), signingKey('e-a'), signingKey('e-b'), signingKey('k1')]);
});

function setup(w: World, history = true) {
  const config = parseConfig(
    `
issuers:
  - issuer: ${KC}
    jwks_uri: ${KC}/jwks
    audiences: [kubernetes]
    algorithms: [ES256]
    jwks_cooldown_seconds: 5
  - issuer: ${ENTRA}
    jwks_uri: ${ENTRA}/keys
    audiences: ["${CLIENT}"]
    algorithms: [ES256]
    subject_claim: oid
    jwks_refresh_seconds: 60
    jwks_cooldown_seconds: 5
${history ? `    history_of: { issuer: ${KC}, claim: extn.keycloakId }\n` : ''}assurance:
  levels:
    - name: aal1
      acr: [a1, "1"]
policy:
  default: { require: aal1 }
`,
    'unit.yaml',
  );
  return new TokenVerifier(config, compileAssurance(config.assurance.levels), { fetch: w.fetch, now: w.now, env: {} });
}

async function sign(w: World, iss: string, claims: Record<string, unknown>, k: SigningKey) {
  const iat = Math.floor(w.t / 1000);
  const aud = iss === ENTRA ? CLIENT : 'kubernetes';
  return new SignJWT({ iss, aud, iat, exp: iat + 3600, acr: '1', ...claims }).setProtectedHeader({ alg: 'ES256', kid: k.jwk.kid! }).sign(k.privateKey);
}

const KC_ID = '3b1f0c2e-9d4a-4e7b-a1c5-0f6e2d8b7a94';
const OID = 'a7e4c913-52d0-4b8f-9e61-3c0d7f2a5b18';

describe('two issuers in the migration week', () => {
  it('judges a token of the new issuer on the old identity its history_of claim names, and nothing else does', async () => {
    const w = new World();
    w.jwks = { [KC]: [kc], [ENTRA]: [entraA] };
    const v = setup(w);
    const moved = await v.verify(await sign(w, ENTRA, { sub: 'pairwise-xyz', oid: OID, 'extn.keycloakId': KC_ID }, entraA));
    expect(moved).toMatchObject({ ok: true, identity: { issuer: ENTRA, subject: OID, historyOf: { issuer: KC, subject: KC_ID } } });
    // Someone the migration did not copy: a history of their own.
    const uncopied = await v.verify(await sign(w, ENTRA, { sub: 'pairwise-2', oid: 'b0000000-0000-4000-a000-000000000002' }, entraA));
    expect(uncopied).toMatchObject({ ok: true, identity: { subject: 'b0000000-0000-4000-a000-000000000002', historyOf: undefined } });
    // The old issuer's tokens are read as ever, whatever claims they carry.
    const old = await v.verify(await sign(w, KC, { sub: KC_ID, 'extn.keycloakId': 'someone-else' }, kc));
    expect(old).toMatchObject({ ok: true, identity: { issuer: KC, subject: KC_ID, historyOf: undefined } });
    // Without history_of the new issuer's identity is its own.
    const apart = await setup(w, false).verify(await sign(w, ENTRA, { sub: 'pairwise-xyz', oid: OID, 'extn.keycloakId': KC_ID }, entraA));
    expect(apart).toMatchObject({ ok: true, identity: { subject: OID, historyOf: undefined } });
  });

  it("refuses a token signed by one issuer's key under the other's iss, a kid in both JWKS included", async () => {
    const w = new World();
    w.jwks = { [KC]: [kc], [ENTRA]: [entraA, entraSameKid] };
    const v = setup(w);
    // Keycloak's key, Entra's iss: Entra's JWKS has a key with the same kid, not the same key.
    const sameKid = await v.verify(await sign(w, ENTRA, { sub: 'x', oid: OID }, kc));
    expect(sameKid).toMatchObject({ ok: false, reason: 'token_invalid' });
    // Entra's key, Keycloak's iss: Keycloak's JWKS has no such kid.
    const crossed = await v.verify(await sign(w, KC, { sub: KC_ID }, entraA));
    expect(crossed).toMatchObject({ ok: false, reason: 'key_unknown' });
  });

  it("takes the new issuer's key published mid-day, and stops taking the removed one", async () => {
    const w = new World();
    w.jwks = { [KC]: [kc], [ENTRA]: [entraA] };
    const v = setup(w);
    expect((await v.verify(await sign(w, ENTRA, { sub: 'p', oid: OID }, entraA))).ok).toBe(true);
    // Rotation: both keys published, tokens signed with the new one (an unknown kid is fetched).
    w.jwks[ENTRA] = [entraA, entraB];
    w.t += 10_000;
    expect((await v.verify(await sign(w, ENTRA, { sub: 'p', oid: OID, n: 1 }, entraB))).ok).toBe(true);
    // The old key removed: once the JWKS is refreshed, a new token under it is refused.
    w.jwks[ENTRA] = [entraB];
    w.t += 120_000;
    await v.verify(await sign(w, ENTRA, { sub: 'p', oid: OID, n: 2 }, entraB));
    w.t += 10_000;
    expect(await v.verify(await sign(w, ENTRA, { sub: 'p', oid: OID, n: 3 }, entraA))).toMatchObject({ ok: false, reason: 'key_unknown' });
  });
});

describe('issuers[].subject_case (session 51)', () => {
  function verifier(w: World, subjectCase: 'exact' | 'insensitive' | undefined, history = false) {
    const config = parseConfig(
      `
issuers:
  - issuer: ${KC}
    jwks_uri: ${KC}/jwks
    audiences: [kubernetes]
    algorithms: [ES256]
${subjectCase === undefined ? '' : `    subject_case: ${subjectCase}\n`}  - issuer: ${ENTRA}
    jwks_uri: ${ENTRA}/keys
    audiences: ["${CLIENT}"]
    algorithms: [ES256]
    subject_case: insensitive
${history ? `    history_of: { issuer: ${KC}, claim: extn.keycloakId }\n` : ''}assurance:
  levels:
    - name: aal1
      acr: [a1, "1"]
policy:
  default: { require: aal1 }
`,
      'unit.yaml',
    );
    return new TokenVerifier(config, compileAssurance(config.assurance.levels), { fetch: w.fetch, now: w.now, env: {} });
  }

  it('insensitive: a subject with capitals has the history of its lower-case spelling; exact (the default) keeps its own', async () => {
    const w = new World();
    w.jwks = { [KC]: [kc], [ENTRA]: [entraA] };
    const folded = await verifier(w, 'insensitive').verify(await sign(w, KC, { sub: 'Alice@Corp.example' }, kc));
    expect(folded).toMatchObject({ ok: true, identity: { issuer: KC, subject: 'Alice@Corp.example', historyOf: { issuer: KC, subject: 'alice@corp.example' } } });
    // Already in lower case: its own history, no object added.
    const lower = await verifier(w, 'insensitive').verify(await sign(w, KC, { sub: 'alice@corp.example' }, kc));
    expect(lower).toMatchObject({ ok: true, identity: { subject: 'alice@corp.example', historyOf: undefined } });
    for (const c of ['exact', undefined] as const) {
      const exact = await verifier(w, c).verify(await sign(w, KC, { sub: 'Alice@Corp.example', n: c ?? 'default' }, kc));
      expect(exact).toMatchObject({ ok: true, identity: { subject: 'Alice@Corp.example', historyOf: undefined } });
    }
    // A migrated issuer's history is the old identity's as its claim names it, whatever its own case rule.
    const moved = await verifier(w, 'exact', true).verify(await sign(w, ENTRA, { sub: 'Pairwise-XYZ', 'extn.keycloakId': KC_ID }, entraA));
    expect(moved).toMatchObject({ ok: true, identity: { subject: 'Pairwise-XYZ', historyOf: { issuer: KC, subject: KC_ID } } });
  });
});
