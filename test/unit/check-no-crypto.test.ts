import { createRequire, syncBuiltinESMExports } from 'node:module';
import { request } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { DEVICE_COOKIE, deviceOwner } from '../../src/cookies/device-cookie.js';
import { check, type Checked } from '../../src/pipeline/check.js';
import { buildRuntime, type Runtime } from '../../src/pipeline/runtime.js';
import { parseCheckRequest } from '../../src/server/grpc/check.js';
import { startAuthzHttpServer } from '../../src/server/http/authz.js';
import type { RunningHttpServer } from '../../src/server/http/listen.js';
import { TrustedProxies } from '../../src/server/http/proxies.js';
import { createLogger } from '../../src/telemetry/log.js';
import { HMAC_ISSUER, HMAC_SECRET, testConfigYaml, withStepupSession } from '../support/config.js';
import { checkRequest, DASH_HOST, type RequestSpec } from '../support/requests.js';
import { RISK_YAML } from '../support/risk.js';

/**
 * Issue 17's standard, "no per-request crypto once a token is cached", held on every Check path
 * (crypto40): a Check repeated with a credential already seen (a bearer token; a step-up session
 * cookie over the gRPC adapter and over the HTTP forward-auth listener; the access proxy's signed
 * assertion; the device cookie with the risk engine on; a step-up challenge for kubectl and for a
 * browser) calls no hash, HMAC, cipher, signature or Web Crypto function at all. Every function of
 * node:crypto and crypto.subtle a Check could reach is counted (node:crypto's named exports are
 * rebound with syncBuiltinESMExports, so `import { hash } from 'node:crypto'` calls the counter).
 * callgrind says the same by instructions (bench/README.md "crypto40"); this says it on every
 * path, and fails when one starts hashing again.
 */

const T0 = Date.parse('2026-12-06T12:00:00Z');
let now = T0;
const IDP = 'https://idp.example.com';
const PROXY_ISS = 'https://authenticate.example.com';
const PROXY_HEADER = 'x-pomerium-jwt-assertion';
const SG_KEYS = 'k1:c2VjcmV0LWtleS1vZi0zMi1ieXRlcy1mb3ItdGVzdHM';

const NODE_FUNCTIONS = ['createHash', 'createHmac', 'hash', 'createCipheriv', 'createDecipheriv', 'timingSafeEqual', 'createVerify', 'createSign', 'verify', 'sign', 'hkdfSync', 'pbkdf2Sync', 'scryptSync'] as const;
const SUBTLE_FUNCTIONS = ['digest', 'encrypt', 'decrypt', 'sign', 'verify', 'importKey', 'deriveBits', 'deriveKey'] as const;

const calls = new Map<string, number>();
const nodeCrypto = createRequire(import.meta.url)('node:crypto') as Record<string, unknown>;
const originals = new Map<string, unknown>();
const subtle = globalThis.crypto.subtle as unknown as Record<string, unknown>;

function count(): void {
  for (const name of NODE_FUNCTIONS) {
    const f = nodeCrypto[name] as (...a: unknown[]) => unknown;
    originals.set(`node:${name}`, f);
    nodeCrypto[name] = function (this: unknown, ...a: unknown[]) {
      calls.set(`node:crypto ${name}`, (calls.get(`node:crypto ${name}`) ?? 0) + 1);
      return f.apply(this, a);
    };
  }
  syncBuiltinESMExports();
  for (const name of SUBTLE_FUNCTIONS) {
    const f = subtle[name] as (...a: unknown[]) => unknown;
    originals.set(`subtle:${name}`, f);
    subtle[name] = function (this: unknown, ...a: unknown[]) {
      calls.set(`subtle ${name}`, (calls.get(`subtle ${name}`) ?? 0) + 1);
      return f.apply(globalThis.crypto.subtle, a);
    };
  }
}

function uncount(): void {
  for (const name of NODE_FUNCTIONS) nodeCrypto[name] = originals.get(`node:${name}`);
  syncBuiltinESMExports();
  for (const name of SUBTLE_FUNCTIONS) delete subtle[name];
}

let proxyKey: { privateKey: CryptoKey; jwk: JWK };

beforeAll(async () => {
  const k = await generateKeyPair('ES256');
  proxyKey = { privateKey: k.privateKey, jwk: { ...(await exportJWK(k.publicKey)), kid: 'p1', alg: 'ES256' } };
  count();
});

afterAll(() => uncount());

const ACCESS_PROXY = () => `
access_proxy:
  header: ${PROXY_HEADER}
  issuer: ${PROXY_ISS}
  audiences: [kube.example.com]
  keys: [${JSON.stringify(proxyKey.jwk)}]
  user_claim: sub
  required: false
`;

function runtime(opts: { session?: boolean; risk?: boolean; proxy?: boolean } = {}): Runtime {
  let yaml = testConfigYaml(IDP, `${opts.risk ? RISK_YAML : ''}${opts.proxy ? ACCESS_PROXY() : ''}`);
  if (opts.session) yaml = withStepupSession(yaml);
  return buildRuntime(parseConfig(yaml, 'test.yaml'), {
    fetch: () => Promise.reject(new Error('no network in a unit test')),
    now: () => now,
    env: { TEST_HMAC_SECRET: HMAC_SECRET, SG_SECRET: 's', SG_KEYS },
  });
}

async function token(sub: string, acr = 'urn:stepgate:aal1'): Promise<string> {
  const sec = Math.floor(T0 / 1000);
  return new SignJWT({ sub, acr, auth_time: sec - 60, email: `${sub}@example.com` })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(HMAC_ISSUER)
    .setAudience('kubernetes')
    .setIssuedAt(sec)
    .setExpirationTime(sec + 3600)
    .sign(new TextEncoder().encode(HMAC_SECRET));
}

async function sessionCookie(rt: Runtime, sub: string, acr: string): Promise<string> {
  const s = await rt.sessionCodec!.create({ iss: IDP, sub, acr, amr: acr === 'urn:stepgate:aal2' ? ['mfa'] : ['pwd'], auth_time: Math.floor(T0 / 1000) - 60, extra: {} }, T0);
  return `${rt.config.stepup.session!.cookie_name}=${s!.value}`;
}

async function run(rt: Runtime, spec: RequestSpec): Promise<Checked> {
  return check(rt, parseCheckRequest(checkRequest(spec), rt.headerLimits, rt.maxBodyBytes));
}

/**
 * The crypto calls of `n` more Checks, once the first `warm` have seen the credential; the clock
 * moves by `stepMs` before each (a challenge's record is written again each second).
 */
async function repeated(once: () => Promise<unknown>, stepMs = 0, warm = 3, n = 3): Promise<Record<string, number>> {
  for (let i = 0; i < warm; i++) await once();
  // Off the answer's path (a challenge's record, the engine's writes): settled before counting.
  await new Promise((r) => setImmediate(r));
  calls.clear();
  for (let i = 0; i < n; i++) {
    now += stepMs;
    await once();
  }
  await new Promise((r) => setImmediate(r));
  return Object.fromEntries(calls);
}

const BROWSER = { accept: 'text/html', 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36' };
const KUBECTL = { 'user-agent': 'kubectl/v1.32.1 (linux/amd64) kubernetes/e9c9be4' };

describe('a repeated Check with a credential already seen does no crypto', () => {
  afterEach(() => {
    calls.clear();
    now = T0;
  });

  it('counts: the first sight of a token verifies it (the counters are live)', async () => {
    const rt = runtime();
    calls.clear();
    await run(rt, { path: '/api/v1/namespaces/dev/pods', token: await token('fresh'), headers: KUBECTL });
    // Its cache key (node:crypto hash) and its HMAC signature (Web Crypto, through jose).
    expect(calls.get('node:crypto hash')).toBeGreaterThan(0);
    expect((calls.get('subtle verify') ?? 0) + (calls.get('subtle sign') ?? 0)).toBeGreaterThan(0);
  });

  it('gRPC, bearer token: an allow', async () => {
    const rt = runtime();
    const t = await token('alice');
    const crypto = await repeated(async () => expect((await run(rt, { path: '/api/v1/namespaces/dev/pods', token: t, headers: KUBECTL })).verdict.reason).toBe('allowed'));
    expect(crypto).toEqual({});
  });

  it('gRPC, bearer token: a step-up challenge for kubectl (its record kept for the plugin)', async () => {
    const rt = runtime();
    expect(rt.challenges).toBeDefined();
    const t = await token('bob');
    const crypto = await repeated(async () => expect((await run(rt, { path: '/api/v1/namespaces/dev/secrets/db', token: t, headers: KUBECTL })).answer.status).toBe(401), 1100);
    expect(crypto).toEqual({});
  });

  it('gRPC, bearer token, the risk engine on (memory store)', async () => {
    const rt = runtime({ risk: true });
    expect(rt.risk).toBeDefined();
    const t = await token('carol');
    const crypto = await repeated(async () => expect((await run(rt, { path: '/api/v1/namespaces/dev/pods', token: t, headers: KUBECTL, source: '192.0.2.7' })).verdict.allow).toBe(true));
    expect(crypto).toEqual({});
  });

  it('gRPC, bearer token, the risk engine on: a step-up the engine asks for (its ask ids)', async () => {
    const rt = runtime({ risk: true });
    const t = await token('ivan');
    // A first-seen subject from an unknown network: the engine's elevated band asks for aal2.
    const crypto = await repeated(async () => {
      const { verdict, answer } = await run(rt, { path: '/api/v1/namespaces/dev/pods', token: t, headers: KUBECTL, source: '203.0.113.50' });
      expect(answer.status).toBe(401);
      expect(verdict.requirement?.rules.some((r) => r.startsWith('risk:'))).toBe(true);
    }, 1100);
    expect(crypto).toEqual({});
  });

  it('gRPC, bearer token with the access proxy signed assertion', async () => {
    const rt = runtime({ proxy: true });
    const t = await token('dave');
    const now = Math.floor(T0 / 1000);
    const assertion = await new SignJWT({ iss: PROXY_ISS, aud: 'kube.example.com', sub: 'dave', iat: now, exp: now + 300 }).setProtectedHeader({ alg: 'ES256', kid: 'p1' }).sign(proxyKey.privateKey);
    const crypto = await repeated(async () => expect((await run(rt, { path: '/api/v1/namespaces/dev/pods', token: t, headers: { ...KUBECTL, [PROXY_HEADER]: assertion } })).verdict.reason).toBe('allowed'));
    expect(crypto).toEqual({});
  });

  it('gRPC, step-up session cookie: an allow, and a browser step-up challenge', async () => {
    const rt = runtime({ session: true });
    const cookie = await sessionCookie(rt, 'erin', 'urn:stepgate:aal1');
    const allow = await repeated(async () => expect((await run(rt, { host: DASH_HOST, path: '/d/abc', headers: { ...BROWSER, cookie } })).verdict.reason).toBe('allowed'));
    expect(allow).toEqual({});
    const challenge = await repeated(async () => expect((await run(rt, { host: DASH_HOST, path: '/admin/users', headers: { ...BROWSER, cookie } })).answer.status).toBe(302));
    expect(challenge).toEqual({});
  });

  it('gRPC, session cookie and device cookie, the risk engine on', async () => {
    const rt = runtime({ session: true, risk: true });
    expect(rt.deviceCookies).toBeDefined();
    const cookie = await sessionCookie(rt, 'frank', 'urn:stepgate:aal2');
    const device = rt.deviceCookies!.issue(deviceOwner(IDP, 'frank')).value;
    const headers = { ...BROWSER, cookie: `${cookie}; ${DEVICE_COOKIE}=${device}` };
    const crypto = await repeated(async () => expect((await run(rt, { host: DASH_HOST, path: '/d/abc', headers, source: '192.0.2.7' })).verdict.allow).toBe(true));
    expect(crypto).toEqual({});
  });

  describe('the HTTP forward-auth listener', () => {
    let server: RunningHttpServer;
    const rt = runtime({ session: true });

    beforeAll(async () => {
      server = await startAuthzHttpServer({ runtime: () => rt, log: createLogger('silent'), listen: '127.0.0.1:0', proxies: new TrustedProxies([]) });
    });
    afterAll(() => server?.close());

    const send = (path: string, headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: server.port, method: 'GET', path, headers: { host: DASH_HOST, ...headers } }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode!));
        });
        req.on('error', reject);
        req.end();
      });

    it('a session cookie: an allow and a browser step-up', async () => {
      const cookie = await sessionCookie(rt, 'grace', 'urn:stepgate:aal1');
      expect(await repeated(async () => expect(await send('/d/abc', { ...BROWSER, cookie })).toBe(200))).toEqual({});
      expect(await repeated(async () => expect(await send('/admin/users', { ...BROWSER, cookie })).toBe(302))).toEqual({});
    });

    it('a bearer token: an allow and a kubectl step-up', async () => {
      const authorization = `Bearer ${await token('heidi')}`;
      expect(await repeated(async () => expect(await send('/api/v1/namespaces/dev/pods', { ...KUBECTL, host: 'kube.example.com', authorization })).toBe(200))).toEqual({});
      expect(await repeated(async () => expect(await send('/api/v1/namespaces/dev/secrets/db', { ...KUBECTL, host: 'kube.example.com', authorization })).toBe(401), 1100)).toEqual({});
    });
  });
});
