import { hash } from 'node:crypto';
import { SignJWT } from 'jose';
import type { LRUCache } from 'lru-cache';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import type { Identity } from '../../src/core/identity.js';
import { AccessProxy } from '../../src/identity/access-proxy.js';
import type { FrontBounds } from '../../src/identity/verifier.js';
import type { RequestAttributes } from '../../src/request/attributes.js';
import { World as JwksWorld, signingKey, type SigningKey } from '../support/jwks-world.js';
import { checkFrontHolds, frontTexts, nearMisses, type FrontInternals } from '../support/token-front.js';
import { prng as rng } from '../support/workday.js';

/**
 * The access proxy's front (crypto40; src/identity/token-front.ts): an assertion seen again finds
 * its verification by its text instead of its SHA-256. A proxy with the front and one without are
 * driven through the same seeded sequences of assertions (valid for a minute to an hour, signed by
 * a key not yet published, forged, garbage, too long for the front, a character Latin-1 cannot
 * hold), requests from the proxy and from elsewhere, users that match and that do not, a clock
 * moving on, key rotations, JWKS outages and reloads: every answer (and whether it came
 * synchronously) must be equal, and after every step the front may hold only assertions the cache
 * holds, each under its own hash, within its bounds. An injected clock and JWKS endpoint; no sleeps.
 */
const PROXY_ISS = 'https://authenticate.front.test';
const AUD = 'kube.front.test';
const POD = '10.60.4.11';
const DIRECT = '203.0.113.9';
// Four assertions' worth of characters, or five short values: both bounds bind in turn.
const BOUNDS: FrontBounds = { entries: 5, chars: 1400, length: 900 };
const USERS = ['alice@corp.test', 'bob@corp.test', 'carol@corp.test'];

let k1: SigningKey;
let k2: SigningKey;

beforeAll(async () => {
  [k1, k2] = await Promise.all([signingKey('k1'), signingKey('k2')]);
});

function proxy(w: JwksWorld, front: false | FrontBounds): AccessProxy {
  const config = parseConfig(
    `
issuers:
  - issuer: https://idp.test
    jwks_uri: https://idp.test/jwks
    audiences: [kubernetes]
network:
  xff_trusted_cidrs: [10.60.0.0/16]
access_proxy:
  header: x-pomerium-jwt-assertion
  issuer: ${PROXY_ISS}
  audiences: [${AUD}]
  jwks_uri: ${PROXY_ISS}/jwks
  user_claim: email
  required: true
  clock_tolerance_seconds: 5
  jwks_refresh_seconds: 60
  jwks_cooldown_seconds: 5
  cache_max_entries: 8
assurance:
  levels:
    - name: aal1
      acr: [a1]
policy:
  default: { require: aal1 }
`,
    'unit.yaml',
  );
  return new AccessProxy(config.access_proxy!, { fetch: w.fetch, now: w.now, trustedCidrs: config.network.xff_trusted_cidrs, front });
}

/** A seed's assertions: each a distinct string, several a character away from another. */
async function pool(w: JwksWorld, r: () => number): Promise<string[]> {
  const iat = Math.floor(w.t / 1000);
  const sign = (k: SigningKey, claims: Record<string, unknown>) =>
    new SignJWT({ iss: PROXY_ISS, aud: AUD, iat, exp: iat + 3600, ...claims }).setProtectedHeader({ alg: 'ES256', kid: k.jwk.kid! }).sign(k.privateKey);
  const out: string[] = [];
  for (let i = 0; i < 7; i++) {
    const life = [60, 200, 3600][Math.floor(r() * 3)]!;
    out.push(await sign(i % 3 === 2 ? k2 : k1, { sub: `idp|${i}`, email: USERS[i % USERS.length], exp: iat + life, n: i }));
  }
  // No user claim: refused, and cached as refused.
  out.push(await sign(k1, { sub: 'idp|none' }));
  // Over the front's length bound and within its characters: cached, never kept in the front.
  out.push(await sign(k1, { email: USERS[0], pad: 'x'.repeat(500) }));
  // Forged twice (the same last characters once) and a character above Latin-1.
  out.push(...nearMisses(out[0]!));
  for (let i = 0; i < 3; i++) out.push(`not-a-jwt-${i}`);
  return out;
}

interface Internals {
  cache: LRUCache<string, object>;
  front: FrontInternals | undefined;
}

const texts = (p: AccessProxy) => frontTexts((p as unknown as Internals).front);

/** What the front holds, checked against the cache it stands before. */
function checkFront(p: AccessProxy): void {
  const i = p as unknown as Internals;
  checkFrontHolds(i.front!, BOUNDS, (text) => hash('sha256', text, 'base64url'), (key) => i.cache.peek(key, { allowStale: true }) !== undefined);
}

function request(source: string, assertion: string | undefined): RequestAttributes {
  const headers = new Map<string, string>(assertion === undefined ? [] : [['x-pomerium-jwt-assertion', assertion]]);
  return { headers, sourceAddress: source, clientResolved: false, host: AUD } as unknown as RequestAttributes;
}

const settle = async (x: ReturnType<AccessProxy['check']>) => ({ sync: !(x instanceof Promise), result: await x });

describe('access proxy front: the same answers as hashing every assertion', () => {
  for (let seed = 1; seed <= 12; seed++) {
    it(`seed ${seed}: 600 steps of assertions, time, rotations, outages and reloads`, async () => {
      const r = rng(seed);
      const w = new JwksWorld(Date.parse('2026-12-06T12:00:00Z'));
      w.keys = [k1.jwk];
      const assertions = await pool(w, r);
      let withFront = proxy(w, BOUNDS);
      let without = proxy(w, false);
      let fromFront = 0;
      let calls = 0;
      for (let step = 0; step < 600; step++) {
        const x = r();
        if (x < 0.08) {
          w.t += r() < 0.85 ? Math.floor(r() * 8_000) : 250_000;
        } else if (x < 0.1) {
          w.keys = [[k1.jwk], [k2.jwk], [k1.jwk, k2.jwk]][Math.floor(r() * 3)]!;
        } else if (x < 0.11) {
          w.down = !w.down;
        } else if (x < 0.12) {
          // A reload that changes `access_proxy` builds a new proxy (runtime.ts).
          withFront = proxy(w, BOUNDS);
          without = proxy(w, false);
        } else {
          const assertion = r() < 0.05 ? undefined : assertions[Math.floor(r() * assertions.length)]!;
          const who = { subject: USERS[Math.floor(r() * USERS.length)]!, source: 'token' } as Identity;
          const source = r() < 0.8 ? POD : DIRECT;
          if (assertion !== undefined && texts(withFront).includes(assertion)) fromFront++;
          calls++;
          const a = await settle(withFront.check(request(source, assertion), who, 'token'));
          const b = await settle(without.check(request(source, assertion), who, 'token'));
          expect(a).toEqual(b);
        }
        checkFront(withFront);
      }
      // Not vacuous: calls found their assertion in the front.
      expect(fromFront / calls).toBeGreaterThan(0.05);
    });
  }
});

describe('access proxy front: what it keeps', () => {
  it('an assertion is found by its text from its second sighting, and gone once it expires', async () => {
    const w = new JwksWorld(Date.parse('2026-12-06T12:00:00Z'));
    w.keys = [k1.jwk];
    const p = proxy(w, BOUNDS);
    const iat = Math.floor(w.t / 1000);
    const assertion = await new SignJWT({ iss: PROXY_ISS, aud: AUD, iat, exp: iat + 60, email: USERS[0] }).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).sign(k1.privateKey);
    const who = { subject: USERS[0]!, source: 'token' } as Identity;
    const before = p.frontBytes;
    expect(await p.check(request(POD, assertion), who, 'token')).toBeUndefined();
    expect(texts(p)).not.toContain(assertion);
    expect(p.check(request(POD, assertion), who, 'token')).toBeUndefined();
    expect(texts(p)).toContain(assertion);
    // Counted in stepgate_token_cache_bytes (main.ts adds frontBytes to the gauge).
    expect(p.frontBytes - before).toBeGreaterThanOrEqual(assertion.length);
    // Past exp and the clock tolerance the cache's entry is dropped, and the front's copy with it.
    w.t += 66_000;
    expect(await p.check(request(POD, assertion), who, 'token')).toMatchObject({ reason: 'proxy_assertion_expired' });
    expect(texts(p)).not.toContain(assertion);
    expect(p.frontBytes - before).toBeLessThan(assertion.length);
  });
});
