import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import type { Identity } from '../../src/core/identity.js';
import { AccessProxy, sameAddress } from '../../src/identity/access-proxy.js';
import type { FetchFn } from '../../src/identity/jwks.js';
import type { RequestAttributes } from '../../src/request/attributes.js';

const PROXY_ISS = 'authenticate.corp.test';
const AUD = 'kube.corp.test';
const JWKS = 'https://authenticate.corp.test/.well-known/pomerium/jwks.json';
const POD = '10.60.4.11';
const DIRECT = '203.0.113.9';

/** An injected clock and JWKS endpoint: expiry and outages without sleeping. */
class World {
  t = Date.parse('2027-02-02T09:00:00Z');
  keys: JWK[] = [];
  fetches = 0;
  down = false;
  now = () => this.t;
  fetch: FetchFn = async () => {
    this.fetches++;
    if (this.down) throw new Error('connect ECONNREFUSED');
    return new Response(JSON.stringify({ keys: this.keys }), { headers: { 'content-type': 'application/json' } });
  };
}

let proxyKey: { privateKey: CryptoKey; jwk: JWK };
let forger: { privateKey: CryptoKey; jwk: JWK };

beforeAll(async () => {
  const a = await generateKeyPair('ES256');
  proxyKey = { privateKey: a.privateKey, jwk: { ...(await exportJWK(a.publicKey)), kid: 'p1', alg: 'ES256' } };
  const b = await generateKeyPair('ES256');
  forger = { privateKey: b.privateKey, jwk: { ...(await exportJWK(b.publicKey)), kid: 'p1', alg: 'ES256' } };
});

function setup(world: World, extra = '', frontProxies?: readonly string[], subjectClaims?: ReadonlyMap<string, string>) {
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
  jwks_uri: ${JWKS}
${extra.includes('user_claim:') ? '' : '  user_claim: email\n'}${extra}assurance:
  levels:
    - name: aal1
      acr: [a1]
policy:
  default: { require: aal1 }
`,
    'unit.yaml',
  );
  world.keys = [proxyKey.jwk];
  return new AccessProxy(config.access_proxy!, { fetch: world.fetch, now: world.now, trustedCidrs: config.network.xff_trusted_cidrs, ...(frontProxies && { frontProxies }), ...(subjectClaims && { subjectClaims }) });
}

async function assertion(world: World, claims: JWTPayload = {}, key = proxyKey): Promise<string> {
  const now = Math.floor(world.t / 1000);
  const payload: JWTPayload = { iss: PROXY_ISS, aud: AUD, sub: 'idp|alice', email: 'alice@corp.test', iat: now, exp: now + 300, ...claims };
  for (const [k, v] of Object.entries(payload)) if (v === undefined) delete payload[k];
  return new SignJWT(payload).setProtectedHeader({ alg: 'ES256', kid: key.jwk.kid! }).sign(key.privateKey);
}

function request(source: string, headers: Record<string, string> = {}, host = AUD): RequestAttributes {
  return { headers: new Map(Object.entries(headers)), sourceAddress: source, clientResolved: false, host } as unknown as RequestAttributes;
}

const who = (subject: string, source: 'token' | 'session' = 'token') => ({ subject, source }) as Identity;

const reasonOf = async (r: ReturnType<AccessProxy['check']>) => (await r)?.reason;

describe('access_proxy: the proxy signed assertion compared with the bearer token', () => {
  it("lets the proxy's own user through, and answers a repeat from the cache without a promise", async () => {
    const w = new World();
    const p = setup(w);
    const a = await assertion(w);
    expect(await p.check(request(POD, { 'x-pomerium-jwt-assertion': a }), who('alice@corp.test'), undefined)).toBeUndefined();
    const again = p.check(request(POD, { 'x-pomerium-jwt-assertion': a }), who('alice@corp.test'), undefined);
    expect(again).toBeUndefined();
    expect(w.fetches).toBe(1);
  });

  it("refuses a token whose user is not the proxy's (a teammate riding another engineer's token)", async () => {
    const w = new World();
    const p = setup(w);
    const a = await assertion(w, { email: 'bob@corp.test' });
    const r = await p.check(request(POD, { 'x-pomerium-jwt-assertion': a }), who('alice@corp.test'), undefined);
    expect(r?.reason).toBe('proxy_user_mismatch');
    // Neither user name is echoed to whoever holds the token.
    expect(r?.detail).not.toContain('bob');
    expect(r?.detail).not.toContain('alice');
    // Cached: the refusal of the same bytes costs no promise the second time.
    const again = p.check(request(POD, { 'x-pomerium-jwt-assertion': a }), who('alice@corp.test'), undefined);
    expect(again instanceof Promise).toBe(false);
    expect((again as { reason: string }).reason).toBe('proxy_user_mismatch');
  });

  it('refuses a forged signature, a wrong audience or issuer, an expired assertion and one with no user claim', async () => {
    const w = new World();
    const p = setup(w);
    const send = async (a: string) => reasonOf(p.check(request(POD, { 'x-pomerium-jwt-assertion': a }), who('alice@corp.test'), undefined));
    expect(await send(await assertion(w, {}, forger))).toBe('proxy_assertion_invalid');
    expect(await send(await assertion(w, { aud: 'grafana.corp.test' }))).toBe('proxy_assertion_invalid');
    expect(await send(await assertion(w, { iss: 'evil.test' }))).toBe('proxy_assertion_invalid');
    expect(await send(await assertion(w, { exp: Math.floor(w.t / 1000) - 120 }))).toBe('proxy_assertion_expired');
    expect(await send(await assertion(w, { email: undefined }))).toBe('proxy_assertion_invalid');
    expect(await send('not.a.jwt')).toBe('proxy_assertion_invalid');
    // A client-written assertion in front of the proxy's (the header list joined with ','): not one JWT.
    expect(await send(`${await assertion(w, { email: 'alice@corp.test' })},${await assertion(w)}`)).toBe('proxy_assertion_invalid');
  });

  it('expires a cached assertion at its exp, on the injected clock', async () => {
    const w = new World();
    const p = setup(w);
    const a = await assertion(w);
    expect(await p.check(request(POD, { 'x-pomerium-jwt-assertion': a }), who('alice@corp.test'), undefined)).toBeUndefined();
    // Within the clock tolerance (30 s) it still holds, from the cache; past it, it does not.
    w.t += 320_000;
    expect(p.check(request(POD, { 'x-pomerium-jwt-assertion': a }), who('alice@corp.test'), undefined)).toBeUndefined();
    w.t += 11_000;
    expect(await reasonOf(p.check(request(POD, { 'x-pomerium-jwt-assertion': a }), who('alice@corp.test'), undefined))).toBe('proxy_assertion_expired');
  });

  it('refuses a key the proxy does not publish, and keys it cannot fetch', async () => {
    const w = new World();
    const p = setup(w);
    const stranger = { ...forger, jwk: { ...forger.jwk, kid: 'p9' } };
    expect(await reasonOf(p.check(request(POD, { 'x-pomerium-jwt-assertion': await assertion(w, {}, stranger) }), who('alice@corp.test'), undefined))).toBe('proxy_key_unknown');
    const down = new World();
    down.down = true;
    const q = setup(down);
    expect(await reasonOf(q.check(request(POD, { 'x-pomerium-jwt-assertion': await assertion(down) }), who('alice@corp.test'), undefined))).toBe('proxy_jwks_unavailable');
  });

  it('asks a request from a listed proxy for the assertion, and not one from any other peer', async () => {
    const w = new World();
    const p = setup(w);
    expect((await p.check(request(POD), who('alice@corp.test'), undefined))?.reason).toBe('proxy_assertion_missing');
    expect(await p.check(request(DIRECT), who('alice@corp.test'), undefined)).toBeUndefined();
    const optional = setup(new World(), '  required: false\n');
    expect(await optional.check(request(POD), who('alice@corp.test'), undefined)).toBeUndefined();
  });

  it('walks the HTTP listener\'s path (front, x-forwarded-for) to the first hop that is not a front', async () => {
    const p = setup(new World(), '', ['10.9.0.0/24', '2001:db8:f::/48']);
    /** A forward-auth request from `peer` carrying `xff`: the client already resolved by the adapter. */
    const fa = (peer: string, xff?: string) =>
      ({ headers: new Map(xff === undefined ? [] : [['x-forwarded-for', xff]]), sourceAddress: '', clientResolved: true, peerAddress: peer, host: AUD }) as unknown as RequestAttributes;
    const missing = async (peer: string, xff?: string) => (await p.check(fa(peer, xff), who('alice@corp.test'), undefined))?.reason === 'proxy_assertion_missing';
    // Through the proxy: the front appended the pod; a load balancer (another front) between them.
    expect(await missing('10.9.0.5', `${DIRECT}, ${POD}`)).toBe(true);
    expect(await missing('10.9.0.5', `${DIRECT}, ${POD}, 10.9.0.7`)).toBe(true);
    expect(await missing('2001:db8:f::5', `${DIRECT}, ${POD}`)).toBe(true);
    // The proxy itself on the listener, or a front that recorded nothing before it: fail closed.
    expect(await missing(POD)).toBe(true);
    expect(await missing('10.9.0.5')).toBe(true);
    expect(await missing('10.9.0.5', '10.9.0.7')).toBe(true);
    expect(await missing('10.9.0.5', `${POD}, not-an-address`)).toBe(true);
    expect(await missing('10.9.0.5', `${POD},`)).toBe(true);
    // Skipped the proxy: the entry the front appended is the client; what it wrote further left is not read.
    expect(await missing('10.9.0.5', DIRECT)).toBe(false);
    expect(await missing('10.9.0.5', `${POD}, ${DIRECT}`)).toBe(false);
    expect(await missing('10.9.0.5', `${POD}, [2001:db8::9]:443`)).toBe(false);
    // A peer that is no front: its x-forwarded-for is not believed, whatever it names.
    expect(await missing(DIRECT, POD)).toBe(false);
    // The same requests without a front list: only the proxy as the listener's own peer is known.
    const noFronts = setup(new World());
    expect((await noFronts.check(fa('10.9.0.5', `${DIRECT}, ${POD}`), who('alice@corp.test'), undefined))?.reason).toBeUndefined();
  });

  it("verifies and compares an assertion a direct peer carries (it can only refuse): ignored it would be a way around a proxy moved off the list's addresses", async () => {
    const w = new World();
    const p = setup(w);
    const bob = await assertion(w, { email: 'bob@corp.test' });
    expect(await reasonOf(p.check(request(DIRECT, { 'x-pomerium-jwt-assertion': bob }), who('alice@corp.test'), undefined))).toBe('proxy_user_mismatch');
    expect(await reasonOf(p.check(request(DIRECT, { 'x-pomerium-jwt-assertion': 'forged' }), who('alice@corp.test'), undefined))).toBe('proxy_assertion_invalid');
  });

  it('compares token_claim when set (decoded from the verified token), and refuses a step-up session that has no such claim', async () => {
    const w = new World();
    const p = setup(w, '  token_claim: email\n');
    const a = await assertion(w);
    const token = `${Buffer.from('{"alg":"ES256"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'idp|alice', email: 'alice@corp.test' })).toString('base64url')}.sig`;
    const other = `${Buffer.from('{"alg":"ES256"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'idp|alice', email: 'mallory@corp.test' })).toString('base64url')}.sig`;
    expect(await p.check(request(POD, { 'x-pomerium-jwt-assertion': a }), who('idp|alice'), token)).toBeUndefined();
    expect(await reasonOf(p.check(request(POD, { 'x-pomerium-jwt-assertion': a }), who('idp|alice'), other))).toBe('proxy_user_mismatch');
    expect(await reasonOf(p.check(request(POD, { 'x-pomerium-jwt-assertion': a }), who('idp|alice', 'session'), undefined))).toBe('proxy_user_mismatch');
  });

  describe('user_case: how the two users compare', () => {
    /** An already-verified bearer token (decoded, never verified here) naming `claims`. */
    const tokenOf = (claims: Record<string, string>) => `${Buffer.from('{"alg":"ES256"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;
    const idOf = (subject: string, issuer = 'https://idp.test') => ({ subject, issuer, source: 'token' }) as Identity;
    /** The proxy signs `proxyEmail`; the token's email is `tokenEmail` (token_claim: email). */
    async function compare(proxyEmail: string, tokenEmail: string, extra = ''): Promise<string | undefined> {
      const w = new World();
      const p = setup(w, `  token_claim: email\n${extra}`);
      const a = await assertion(w, { email: proxyEmail });
      return reasonOf(p.check(request(POD, { 'x-pomerium-jwt-assertion': a }), idOf('idp|jane'), tokenOf({ sub: 'idp|jane', email: tokenEmail })));
    }

    it('takes email addresses that differ only in ASCII case as one user by default, either way round', async () => {
      expect(await compare('jane.doe@corp.test', 'Jane.Doe@corp.test')).toBeUndefined();
      expect(await compare('Jane.Doe@CORP.TEST', 'jane.doe@corp.test')).toBeUndefined();
    });

    it('compares byte for byte with user_case: exact', async () => {
      expect(await compare('jane.doe@corp.test', 'Jane.Doe@corp.test', '  user_case: exact\n')).toBe('proxy_user_mismatch');
      expect(await compare('jane.doe@corp.test', 'jane.doe@corp.test', '  user_case: exact\n')).toBeUndefined();
    });

    it('never takes a different user for the same, nor a Unicode case-folding look-alike', async () => {
      for (const [proxy, token] of [
        ['jane.doe@corp.test', 'jane.doe2@corp.test'],
        ['jane.doe@corp.test', 'jane.doe@corp.test.evil.example'],
        ['jane.doe@corp.test', 'jane_doe@corp.test'],
        // Kelvin sign (U+212A): its toLowerCase() is k.
        ['kate@corp.test', '\u212Aate@corp.test'],
        ['Kate@corp.test', '\u212Aate@corp.test'],
        // Long s (U+017F): its toUpperCase() is S.
        ['sam@corp.test', '\u017Fam@corp.test'],
        ['Sam@corp.test', '\u017Fam@corp.test'],
        // Dotted capital I (U+0130) and dotless i (U+0131).
        ['iris@corp.test', '\u0130ris@corp.test'],
        ['Iris@corp.test', '\u0131ris@corp.test'],
        // Characters bit 5 apart that are not letters.
        ['a@corp.test', 'a`corp.test'],
        ['[x]@corp.test', '{x}@corp.test'],
      ]) {
        expect(await compare(proxy!, token!), `${proxy} vs ${token}`).toBe('proxy_user_mismatch');
        expect(await compare(token!, proxy!), `${token} vs ${proxy}`).toBe('proxy_user_mismatch');
      }
      expect(sameAddress('\u212A@x', 'k@x')).toBe(false);
    });

    it('compares a sub exactly, whichever side it is on', async () => {
      const w = new World();
      // The proxy's sub against the token's subject (subject_claim sub): opaque ids, never folded,
      // even when they look like addresses.
      const bySub = setup(w, '  user_claim: sub\n');
      const a = await assertion(w, { sub: 'Alice@corp.test' });
      expect(await reasonOf(bySub.check(request(POD, { 'x-pomerium-jwt-assertion': a }), idOf('alice@corp.test'), undefined))).toBe('proxy_user_mismatch');
      expect(await reasonOf(bySub.check(request(POD, { 'x-pomerium-jwt-assertion': a }), idOf('Alice@corp.test'), undefined))).toBeUndefined();
      // The proxy's email against the token's subject: folded only where the issuer names callers by email.
      const claims = new Map([['https://idp.test', 'email'], ['https://sub.test', 'sub']]);
      const bySubject = setup(w, '', undefined, claims);
      const b = await assertion(w, { email: 'alice@corp.test' });
      expect(await reasonOf(bySubject.check(request(POD, { 'x-pomerium-jwt-assertion': b }), idOf('Alice@Corp.test'), undefined))).toBeUndefined();
      expect(await reasonOf(bySubject.check(request(POD, { 'x-pomerium-jwt-assertion': b }), idOf('Alice@Corp.test', 'https://sub.test'), undefined))).toBe('proxy_user_mismatch');
      expect(await reasonOf(bySubject.check(request(POD, { 'x-pomerium-jwt-assertion': b }), idOf('Alice@Corp.test', 'https://unknown.test'), undefined))).toBe('proxy_user_mismatch');
    });
  });

  it('checks only the hosts listed in access_proxy.hosts', async () => {
    const w = new World();
    const p = setup(w, '  hosts: ["*.corp.test"]\n');
    expect((await p.check(request(POD, {}, 'kube.corp.test'), who('alice@corp.test'), undefined))?.reason).toBe('proxy_assertion_missing');
    expect(await p.check(request(POD, {}, 'kube.other.test'), who('alice@corp.test'), undefined)).toBeUndefined();
  });
});

describe('access_proxy config', () => {
  const base = (section: string, network = 'network:\n  xff_trusted_cidrs: [10.60.0.0/16]\n') => `
issuers:
  - issuer: https://idp.test
    jwks_uri: https://idp.test/jwks
    audiences: [kubernetes]
${network}access_proxy:
${section}assurance:
  levels:
    - name: aal1
      acr: [a1]
policy:
  default: { require: aal1 }
`;
  const common = '  header: x-pomerium-jwt-assertion\n  issuer: a.test\n  audiences: [a.test]\n';

  it('refuses both or neither of jwks_uri and keys', () => {
    expect(() => parseConfig(base(common), 'c.yaml')).toThrow(/jwks_uri or keys/);
    expect(() => parseConfig(base(`${common}  jwks_uri: https://a.test/jwks\n  keys: [{"kty":"EC"}]\n`), 'c.yaml')).toThrow(/jwks_uri or keys/);
  });

  it('refuses required without network.xff_trusted_cidrs, which is how "came through the proxy" is told', () => {
    expect(() => parseConfig(base(`${common}  jwks_uri: https://a.test/jwks\n`, ''), 'c.yaml')).toThrow(/xff_trusted_cidrs/);
    expect(parseConfig(base(`${common}  jwks_uri: https://a.test/jwks\n  required: false\n`, ''), 'c.yaml').access_proxy?.required).toBe(false);
  });

  it('refuses a header stepgate reads for something else', () => {
    expect(() => parseConfig(base(`  header: authorization\n  issuer: a.test\n  audiences: [a.test]\n  jwks_uri: https://a.test/jwks\n`), 'c.yaml')).toThrow(/assertion header/);
  });
});
