import { hash } from 'node:crypto';
import { SignJWT } from 'jose';
import type { LRUCache } from 'lru-cache';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileAssurance } from '../../src/core/assurance.js';
import type { Identity } from '../../src/core/identity.js';
import { parseConfig } from '../../src/config/load.js';
import { TokenVerifier, type FrontBounds, type VerifyResult } from '../../src/identity/verifier.js';
import { World as JwksWorld, signingKey, type SigningKey } from '../support/jwks-world.js';
import { checkFrontHolds, frontTexts, nearMisses, type FrontInternals as Front } from '../support/token-front.js';
import { prng as rng } from '../support/workday.js';

/**
 * The token cache's front (src/identity/token-front.ts): a credential seen again is found by its
 * text instead of its SHA-256. A verifier with the front and one without are driven through the
 * same seeded sequences of tokens (valid, expiring, signed by a key not yet published, forged,
 * garbage, too long for the front, a character Latin-1 cannot hold), session cookies with the same
 * bytes as tokens, a clock moving on, key rotations, revocations and reloads: every answer must be
 * equal, and after every step the front may hold only credentials the cache holds, each under its
 * own hash, within its bounds. An injected clock and JWKS endpoint; no sleeps.
 */
const ISS = 'https://idp.front.test';
// Four tokens' worth of characters, or five short credentials: both bounds bind in turn.
const BOUNDS: FrontBounds = { entries: 5, chars: 1200, length: 800 };

class World extends JwksWorld {
  constructor() {
    super(Date.parse('2026-12-06T12:00:00Z'));
  }
}

let k1: SigningKey;
let k2: SigningKey;

beforeAll(async () => {
  [k1, k2] = await Promise.all([signingKey('k1'), signingKey('k2')]);
});

function verifier(w: World, front: false | FrontBounds): TokenVerifier {
  const config = parseConfig(
    `
issuers:
  - issuer: ${ISS}
    jwks_uri: ${ISS}/jwks
    audiences: [kubernetes]
    algorithms: [ES256]
    jwks_refresh_seconds: 60
    jwks_cooldown_seconds: 5
assurance:
  levels:
    - name: aal1
      acr: [a1]
policy:
  default: { require: aal1 }
token_cache:
  max_entries: 8
  max_ttl_seconds: 300
  negative_ttl_seconds: 10
  negative_max_entries: 6
`,
    'unit.yaml',
  );
  return new TokenVerifier(config, compileAssurance(config.assurance.levels), { fetch: w.fetch, now: w.now, env: {}, front });
}

const SUBJECTS = ['alice', 'bob', 'carol'];

/** A seed's credentials: each a distinct string, several a character or a kind away from another. */
async function pool(w: World, r: () => number): Promise<string[]> {
  const iat = Math.floor(w.t / 1000);
  const sign = (k: typeof k1, kid: string, claims: Record<string, unknown>) =>
    new SignJWT({ iss: ISS, aud: 'kubernetes', iat, exp: iat + 3600, acr: 'a1', ...claims }).setProtectedHeader({ alg: 'ES256', kid }).sign(k.privateKey);
  const tokens: string[] = [];
  for (let i = 0; i < 7; i++) {
    const sub = SUBJECTS[i % SUBJECTS.length]!;
    const life = [60, 200, 3600][Math.floor(r() * 3)]!;
    tokens.push(await sign(i % 3 === 2 ? k2 : k1, i % 3 === 2 ? 'k2' : 'k1', { sub, exp: iat + life, n: i }));
  }
  // Over the front's length bound and within its characters: cached, never kept in the front.
  tokens.push(await sign(k1, 'k1', { sub: 'alice', pad: 'x'.repeat(450) }));
  // Forged twice (the same last characters once) and a character above Latin-1.
  tokens.push(...nearMisses(tokens[0]!));
  for (let i = 0; i < 4; i++) tokens.push(`not-a-jwt-${i}`);
  return tokens;
}

interface Internals {
  positive: LRUCache<string, Identity>;
  negative: LRUCache<string, object> | undefined;
  front: Front | undefined;
  otherFronts: Map<string, Front>;
}

const texts = frontTexts;

/** What the fronts hold, checked against the caches they stand before. */
function checkFront(v: TokenVerifier): number {
  const i = v as unknown as Internals;
  const fronts: [string, Front][] = [['', i.front!], ...[...i.otherFronts].map(([k, f]) => [`${k}:`, f] as [string, Front])];
  const cached = (key: string) => (i.positive.peek(key, { allowStale: true }) ?? i.negative?.peek(key, { allowStale: true })) !== undefined;
  let held = 0;
  for (const [prefix, f] of fronts) held += checkFrontHolds(f, BOUNDS, (text) => `${prefix}${hash('sha256', text, 'base64url')}`, cached);
  return held;
}

const settle = async (x: VerifyResult | Promise<VerifyResult>) => ({ sync: !(x instanceof Promise), result: await x });

describe('token cache front: the same answers as hashing every credential', () => {
  for (let seed = 1; seed <= 12; seed++) {
    it(`seed ${seed}: 600 steps of tokens, cookies, time, rotations, revocations and reloads`, async () => {
      const r = rng(seed);
      const w = new World();
      w.keys = [k1.jwk];
      const creds = await pool(w, r);
      let withFront = verifier(w, BOUNDS);
      let without = verifier(w, false);
      const sessionCheck = (value: string) => async () => ({ reason: 'session_invalid' as const, detail: `cookie ${value.length}` });
      let fromFront = 0;
      let calls = 0;
      for (let step = 0; step < 600; step++) {
        const x = r();
        if (x < 0.08) {
          w.t += r() < 0.85 ? Math.floor(r() * 8_000) : 310_000;
        } else if (x < 0.1) {
          w.keys = [[k1.jwk], [k2.jwk], [k1.jwk, k2.jwk]][Math.floor(r() * 3)]!;
        } else if (x < 0.12) {
          const sub = SUBJECTS[Math.floor(r() * SUBJECTS.length)]!;
          expect(withFront.forgetWhere((who) => who.subject === sub)).toBe(without.forgetWhere((who) => who.subject === sub));
        } else if (x < 0.13) {
          // A reload that changes what the verifier depends on builds a new one (runtime.ts).
          withFront = verifier(w, BOUNDS);
          without = verifier(w, false);
        } else {
          const cred = creds[Math.floor(r() * creds.length)]!;
          const i = withFront as unknown as Internals;
          const cookie = r() < 0.15;
          if (texts(cookie ? i.otherFronts.get('session') : i.front).includes(cred)) fromFront++;
          calls++;
          if (cookie) {
            const a = await settle(withFront.verifyOther('session', cred, 'session_expired', sessionCheck(cred)));
            const b = await settle(without.verifyOther('session', cred, 'session_expired', sessionCheck(cred)));
            expect(a).toEqual(b);
          } else if (r() < 0.2) {
            expect(withFront.lookup(cred)).toEqual(without.lookup(cred));
          } else {
            const a = await settle(withFront.verify(cred));
            const b = await settle(without.verify(cred));
            expect(a).toEqual(b);
          }
        }
        checkFront(withFront);
        expect(withFront.cacheLookups).toEqual(without.cacheLookups);
      }
      // Not vacuous: calls found their credential in the front (at these bounds it keeps 4–5 of 15).
      expect(fromFront / calls).toBeGreaterThan(0.05);
    });
  }
});

describe('token cache front: what it keeps', () => {
  it('a token is found by its text from its second sighting, and not once revoked', async () => {
    const w = new World();
    w.keys = [k1.jwk];
    const v = verifier(w, BOUNDS);
    const [token] = await pool(w, rng(99));
    const i = v as unknown as Internals;
    expect((await v.verify(token!)).ok).toBe(true);
    expect(texts(i.front)).not.toContain(token);
    expect(v.verify(token!)).toMatchObject({ ok: true, cached: true });
    expect(texts(i.front)).toContain(token);
    expect(v.forgetWhere(() => true)).toBe(1);
    expect(i.front!.byTail.size).toBe(0);
  });

  it('counts its credentials in stepgate_token_cache_bytes, and returns them when they go', async () => {
    const w = new World();
    w.keys = [k1.jwk];
    const v = verifier(w, BOUNDS);
    const creds = await pool(w, rng(7));
    const long = creds[7]!;
    expect(long.length).toBeGreaterThan(BOUNDS.length);
    expect(long.length).toBeLessThan(BOUNDS.chars);
    const token = creds[0];
    await v.verify(token!);
    const cachedOnly = v.cacheBytes;
    expect(v.verify(token!)).toMatchObject({ ok: true, cached: true });
    expect(v.cacheBytes - cachedOnly).toBeGreaterThanOrEqual(token!.length);
    // Past max_ttl_seconds the cache drops the entry when it finds it stale, and the front its token.
    w.t += 301_000;
    const again = v.verify(token!);
    expect(again).toBeInstanceOf(Promise);
    expect((v as unknown as Internals).front!.byTail.size).toBe(0);
    expect(v.cacheBytes - cachedOnly).toBeLessThan(token!.length);
    await again;
  });
});
