import { createHash, KeyObject, sign as nodeSign } from 'node:crypto';
import { base64url, calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { cnfBinding } from '../../src/core/cnf.js';
import { normaliseHtu, requestHtu } from '../../src/identity/dpop.js';
import { CertificateThumbprints, thumbprint } from '../../src/identity/certificate-thumbprint.js';
import { SenderBindings } from '../../src/identity/sender-binding.js';
import { check, type Checked } from '../../src/pipeline/check.js';
import { buildRuntime, type Runtime } from '../../src/pipeline/runtime.js';
import type { RawRequest } from '../../src/request/attributes.js';
import { RequestHeaders } from '../../src/request/headers.js';
import { MemoryProofReplay } from '../../src/state/proof-replay.js';
import { MemoryStateStore } from '../../src/state/memory.js';
import { StateUnavailableError } from '../../src/state/store.js';
import { HMAC_ISSUER, HMAC_SECRET, testConfig } from '../support/config.js';
import { TEST_LIMITS } from '../support/state-config.js';
import { makeDeviceCa } from '../support/device-ca.js';

/**
 * Sender-constrained tokens (identity/sender-binding.ts, identity/dpop.ts) through the one check()
 * every adapter calls: a DPoP-bound (cnf.jkt) or certificate-bound (cnf["x5t#S256"]) HMAC token,
 * proofs made with jose, the clock injected. Each refusal row names the check that makes it; the
 * control rows show the same request allowed with everything right.
 */

const T0 = Date.parse('2026-03-02T10:00:00Z');
const S0 = Math.floor(T0 / 1000);
const HOST = 'kube.example.com';
const PODS = '/api/v1/namespaces/dev/pods';

function runtime(extra = ''): { rt: Runtime; clock: { now: number } } {
  const clock = { now: T0 };
  const rt = buildRuntime(testConfig('https://idp.invalid', extra), {
    fetch: () => Promise.reject(new Error('no network in a unit test')),
    now: () => clock.now,
    env: { TEST_HMAC_SECRET: HMAC_SECRET },
  });
  return { rt, clock };
}

async function token(claims: Record<string, unknown>): Promise<string> {
  return new SignJWT({ sub: 'alice@example.com', auth_time: S0 - 10, acr: 'urn:stepgate:aal1', amr: ['pwd'], ...claims })
    .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
    .setIssuer(HMAC_ISSUER)
    .setAudience('kubernetes')
    .setIssuedAt(S0 - 10)
    .setExpirationTime(S0 + 3600)
    .sign(new TextEncoder().encode(HMAC_SECRET));
}

interface Key {
  privateKey: CryptoKey;
  jwk: JWK;
  jkt: string;
  alg: string;
}

async function key(alg: 'ES256' | 'EdDSA' | 'RS256' = 'ES256'): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(publicKey);
  return { privateKey, jwk, jkt: await calculateJwkThumbprint(jwk, 'sha256'), alg };
}

const ath = (t: string) => createHash('sha256').update(t).digest('base64url');
let jtis = 0;

interface ProofSpec {
  header?: Record<string, unknown>;
  claims?: Record<string, unknown>;
  signWith?: CryptoKey;
}

/** A proof for `GET https://kube.example.com<PODS>` with `tok`, made at T0, unless the spec says otherwise. */
async function proof(k: Key, tok: string, spec: ProofSpec = {}): Promise<string> {
  const claims: Record<string, unknown> = { jti: `jti-${++jtis}`, htm: 'GET', htu: `https://${HOST}${PODS}`, iat: S0, ath: ath(tok), ...spec.claims };
  for (const [n, v] of Object.entries(claims)) if (v === undefined) delete claims[n];
  const header: Record<string, unknown> = { alg: k.alg, typ: 'dpop+jwt', jwk: k.jwk, ...spec.header };
  for (const [n, v] of Object.entries(header)) if (v === undefined) delete header[n];
  return new SignJWT(claims).setProtectedHeader(header as { alg: string }).sign(spec.signWith ?? k.privateKey);
}

/** A proof signed by `k` over exactly this header: one jose would refuse to make (`b64: false`, an unknown `crit`). */
function handProof(k: Key, tok: string, header: Record<string, unknown>): string {
  const claims = { jti: `jti-${++jtis}`, htm: 'GET', htu: `https://${HOST}${PODS}`, iat: S0, ath: ath(tok) };
  const input = `${base64url.encode(JSON.stringify({ alg: 'ES256', typ: 'dpop+jwt', jwk: k.jwk, ...header }))}.${base64url.encode(JSON.stringify(claims))}`;
  return `${input}.${base64url.encode(nodeSign('sha256', Buffer.from(input), { key: KeyObject.from(k.privateKey), dsaEncoding: 'ieee-p1363' }))}`;
}

function raw(headers: Record<string, string>, o: { method?: string; target?: string; certificate?: string } = {}): RawRequest {
  return {
    method: o.method ?? 'GET',
    target: o.target ?? PODS,
    authority: HOST,
    scheme: 'https',
    headers: RequestHeaders.of(Object.entries({ accept: 'application/json', ...headers })),
    sourceAddress: '10.1.2.3',
    sourcePrincipal: '',
    sourceCertificate: o.certificate,
    contextExtensions: {},
    body: undefined,
    bodyTruncated: false,
  };
}

async function run(rt: Runtime, r: RawRequest): Promise<Checked> {
  return check(rt, { ok: true, raw: r, spoofed: [] });
}

const dpop = (tok: string, p: string) => ({ authorization: `DPoP ${tok}`, dpop: p });

describe('DPoP-bound tokens (RFC 9449)', () => {
  let k: Key;
  let other: Key;
  let bound: string;
  beforeAll(async () => {
    k = await key();
    other = await key();
    bound = await token({ cnf: { jkt: k.jkt }, client_id: 'kubectl' });
  });

  it('control: a DPoP-bound token with a good proof is allowed, its binding kept with the cached identity', async () => {
    const { rt } = runtime();
    const c = await run(rt, raw(dpop(bound, await proof(k, bound))));
    expect(c.verdict.reason, c.verdict.detail).toBe('allowed');
    expect(c.verdict.identity?.binding).toEqual({ method: 'dpop', thumbprint: k.jkt });
    // The token's verification is cached; the next proof is checked again, per request.
    const again = await run(rt, raw(dpop(bound, await proof(k, bound))));
    expect(again.verdict).toMatchObject({ reason: 'allowed', tokenCached: true });
  });

  it('each algorithm of the default list that jose can make a key for verifies (ES256, EdDSA, RS256)', async () => {
    const { rt } = runtime();
    for (const alg of ['EdDSA', 'RS256'] as const) {
      const kk = await key(alg);
      const t = await token({ cnf: { jkt: kk.jkt } });
      const c = await run(rt, raw(dpop(t, await proof(kk, t))));
      expect(c.verdict.reason, `${alg}: ${c.verdict.detail}`).toBe('allowed');
    }
  });

  it.each<[string, string, () => Promise<Record<string, string>>]>([
    ['the bound token as Bearer (no proof)', 'dpop_proof_missing', async () => ({ authorization: `Bearer ${bound}` })],
    ['the bound token as Bearer, a valid proof beside it', 'dpop_proof_missing', async () => ({ authorization: `Bearer ${bound}`, dpop: await proof(k, bound) })],
    ['Authorization: DPoP without a DPoP header', 'dpop_proof_missing', async () => ({ authorization: `DPoP ${bound}` })],
    ['two DPoP headers (Envoy joins them with a comma)', 'dpop_proof_invalid', async () => dpop(bound, `${await proof(k, bound)},${await proof(k, bound)}`)],
    ['a DPoP header that is no JWS', 'dpop_proof_invalid', async () => dpop(bound, 'not-a-proof')],
    ['a proof over max_proof_bytes', 'request_invalid', async () => dpop(bound, await proof(k, bound, { claims: { pad: 'x'.repeat(5000) } }))],
    ['typ JWT', 'dpop_proof_invalid', async () => dpop(bound, await proof(k, bound, { header: { typ: 'JWT' } }))],
    ['no typ', 'dpop_proof_invalid', async () => dpop(bound, await proof(k, bound, { header: { typ: undefined } }))],
    ['no jwk header', 'dpop_proof_invalid', async () => dpop(bound, await proof(k, bound, { header: { jwk: undefined } }))],
    ['a jwk with its private part (d)', 'dpop_proof_invalid', async () => dpop(bound, await proof(k, bound, { header: { jwk: { ...k.jwk, d: 'AAAA' } } }))],
    ['no jti', 'dpop_proof_invalid', async () => dpop(bound, await proof(k, bound, { claims: { jti: undefined } }))],
    ['a jti of 300 characters', 'dpop_proof_invalid', async () => dpop(bound, await proof(k, bound, { claims: { jti: 'j'.repeat(300) } }))],
    ['htm POST on a GET', 'dpop_proof_invalid', async () => dpop(bound, await proof(k, bound, { claims: { htm: 'POST' } }))],
    ['htm get (lower case)', 'dpop_proof_invalid', async () => dpop(bound, await proof(k, bound, { claims: { htm: 'get' } }))],
    ['htu of another path', 'dpop_proof_invalid', async () => dpop(bound, await proof(k, bound, { claims: { htu: `https://${HOST}/api/v1/namespaces/prod/secrets` } }))],
    ['htu of another host', 'dpop_proof_invalid', async () => dpop(bound, await proof(k, bound, { claims: { htu: `https://kube.other.example${PODS}` } }))],
    ['htu over http', 'dpop_proof_invalid', async () => dpop(bound, await proof(k, bound, { claims: { htu: `http://${HOST}${PODS}` } }))],
    ['htu with user information', 'dpop_proof_invalid', async () => dpop(bound, await proof(k, bound, { claims: { htu: `https://u@${HOST}${PODS}` } }))],
    ['no htu', 'dpop_proof_invalid', async () => dpop(bound, await proof(k, bound, { claims: { htu: undefined } }))],
    ['iat 61 s old (max_age_seconds 60)', 'dpop_proof_invalid', async () => dpop(bound, await proof(k, bound, { claims: { iat: S0 - 61 } }))],
    ['iat 6 s ahead (clock_tolerance_seconds 5)', 'dpop_proof_invalid', async () => dpop(bound, await proof(k, bound, { claims: { iat: S0 + 6 } }))],
    ['no iat', 'dpop_proof_invalid', async () => dpop(bound, await proof(k, bound, { claims: { iat: undefined } }))],
    ['no ath', 'dpop_proof_invalid', async () => dpop(bound, await proof(k, bound, { claims: { ath: undefined } }))],
    ["ath of another token", 'dpop_proof_invalid', async () => dpop(bound, await proof(k, bound, { claims: { ath: ath(`${bound}x`) } }))],
    ['a proof made with another key (its own jwk)', 'dpop_binding_mismatch', async () => dpop(bound, await proof(other, bound))],
    ["the bound key's jwk, signed with another key", 'dpop_proof_invalid', async () => dpop(bound, await proof(k, bound, { signWith: other.privateKey }))],
    ['alg ES256 in the header over an EdDSA signature', 'dpop_proof_invalid', async () => dpop(bound, await proof(k, bound, { header: { alg: 'EdDSA' } }).catch(() => 'x.y.z'))],
    // RFC 7797 §7: a JWT never has an unencoded payload; compactVerify alone accepts one (session 46).
    ['b64 false under crit, signed by the bound key', 'dpop_proof_invalid', async () => dpop(bound, handProof(k, bound, { crit: ['b64'], b64: false }))],
    ['a crit naming an extension, signed by the bound key', 'dpop_proof_invalid', async () => dpop(bound, handProof(k, bound, { crit: ['exp'], exp: 1 }))],
  ])('%s: %s', async (_what, want, headers) => {
    const { rt } = runtime();
    const c = await run(rt, raw(await headers()));
    expect(c.verdict.reason, c.verdict.detail).toBe(want);
    expect(c.verdict.identity).toBeUndefined();
    expect(c.answer.allow).toBe(false);
  });

  it("members outside the key's thumbprint (key_ops, use, alg) do not decide the import: the first proof's are not the key's (session 46)", async () => {
    const { rt } = runtime();
    // A key this process has never imported, so the decorated jwk is the first one seen.
    const fresh = await key();
    const t = await token({ cnf: { jkt: fresh.jkt } });
    const decorated = await proof(fresh, t, { header: { jwk: { ...fresh.jwk, key_ops: ['encrypt'], use: 'enc', alg: 'RS256' } } });
    expect((await run(rt, raw(dpop(t, decorated)))).verdict.reason).toBe('allowed');
    expect((await run(rt, raw(dpop(t, await proof(fresh, t))))).verdict.reason).toBe('allowed');
  });

  it.each<[string, string, boolean]>([
    ['state.store redis, nothing else opening it: proofs go to the shared store', '', true],
    ['the same with sender_constrained.dpop off: no store is opened for it', 'sender_constrained:\n  dpop:\n    enabled: false\n', false],
  ])('%s (session 46)', async (_what, extra, shared) => {
    const base = testConfig('https://idp.invalid', `state:\n  store: redis\n  redis:\n    url: redis://127.0.0.1:1\n${extra}`);
    const config = { ...base, kubernetes: { ...base.kubernetes, challenge_ttl_seconds: 0 } };
    // One store for both replicas, presented as the shared one (kind redis): what two processes on one redis see.
    const store = new MemoryStateStore({ ...TEST_LIMITS }, { maxSubjects: 1000 });
    const asShared = new Proxy(store, { get: (target, p) => (p === 'kind' ? 'redis' : Reflect.get(target, p, target)) });
    let opened = 0;
    const replica = () =>
      buildRuntime(config, {
        fetch: () => Promise.reject(new Error('no network in a unit test')),
        now: () => T0,
        env: { TEST_HMAC_SECRET: HMAC_SECRET },
        openStateStore: () => (opened++, asShared),
      });
    const [a, b] = [replica(), replica()];
    expect(opened).toBe(shared ? 2 : 0);
    if (!shared) return;
    const p = await proof(k, bound);
    expect((await run(a, raw(dpop(bound, p)))).verdict.reason).toBe('allowed');
    expect((await run(b, raw(dpop(bound, p)))).verdict.reason).toBe('dpop_proof_replayed');
  });

  describe('one HTTP request judged as several: the proof is checked once, against the request as sent (session 46)', () => {
    const DASH = 'dash.example.com';
    const STAGE = 'backstage.example.com';
    function sites(): Runtime {
      const base = testConfig('https://idp.invalid');
      const config = {
        ...base,
        kubernetes: { ...base.kubernetes, web_apis: [{ hosts: [DASH], api: 'kubernetes-dashboard' as const }], proxies: [{ hosts: [STAGE], prefix: '/api/kubernetes/proxy' }] },
      } as typeof base;
      return buildRuntime(config, { fetch: () => Promise.reject(new Error('no network in a unit test')), now: () => T0, env: { TEST_HMAC_SECRET: HMAC_SECRET } });
    }
    const post = (host: string, target: string, body: unknown, headers: Record<string, string>): RawRequest => ({
      ...raw({ ...headers, 'content-type': 'application/json' }, { method: 'POST', target }),
      authority: host,
      body: JSON.stringify(body),
    });
    const cm = (n: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${n}\n`;
    const FILE = '/api/v1/appdeploymentfromfile';
    const QUERY = '/api/kubernetes/resources/custom/query';

    it.each<[string, number]>([
      ['one object', 1],
      ['two objects', 2],
      ['three objects', 3],
    ])("a Dashboard file of %s, with the proof of its POST: allowed; the proof again: replayed", async (_what, n) => {
      const rt = sites();
      const content = Array.from({ length: n }, (_, i) => cm(`c${i}`)).join('---\n');
      const p = await proof(k, bound, { claims: { htm: 'POST', htu: `https://${DASH}${FILE}` } });
      const first = await run(rt, post(DASH, FILE, { namespace: 'dev', content }, dpop(bound, p)));
      expect(first.verdict.reason, first.verdict.detail).toBe('allowed');
      expect((await run(rt, post(DASH, FILE, { namespace: 'dev', content }, dpop(bound, p)))).verdict.reason).toBe('dpop_proof_replayed');
    });

    it("a Dashboard file's proof still names the request: one for another URL or method is refused", async () => {
      const rt = sites();
      const content = `${cm('a')}---\n${cm('b')}`;
      for (const claims of [{ htm: 'POST', htu: `https://${DASH}/api/v1/appdeployment` }, { htm: 'GET', htu: `https://${DASH}${FILE}` }]) {
        const c = await run(rt, post(DASH, FILE, { namespace: 'dev', content }, dpop(bound, await proof(k, bound, { claims }))));
        expect(c.verdict.reason, c.verdict.detail).toBe('dpop_proof_invalid');
      }
    });

    it("Backstage's custom query (the query's POST and each list it makes) with the proof of its POST: judged as the lists, not refused as a replay", async () => {
      const rt = sites();
      const body = { entity: { metadata: { name: 'web' } }, customResources: [{ group: '', apiVersion: 'v1', plural: 'configmaps' }, { group: 'apps', apiVersion: 'v1', plural: 'deployments' }] };
      const c = await run(rt, post(STAGE, QUERY, body, dpop(bound, await proof(k, bound, { claims: { htm: 'POST', htu: `https://${STAGE}${QUERY}` } }))));
      expect(c.verdict.reason, c.verdict.detail).toBe('allowed');
    });
  });

  it('two DPoP headers are told apart from one malformed proof in the detail (the comma Envoy joins them with)', async () => {
    const { rt } = runtime();
    const p = await proof(k, bound);
    const c = await run(rt, raw(dpop(bound, `${p},${p}`)));
    expect(c.verdict).toMatchObject({ reason: 'dpop_proof_invalid', detail: 'more than one DPoP header' });
    const one = await run(rt, raw(dpop(bound, `${p}.extra`)));
    expect(one.verdict).toMatchObject({ reason: 'dpop_proof_invalid', detail: 'the DPoP header is not a compact JWS' });
  });

  it('a proof for another method or URL than the request it comes with is refused; the same request it was made for is allowed', async () => {
    const { rt } = runtime();
    const p = await proof(k, bound, { claims: { htm: 'DELETE', htu: `https://${HOST}${PODS}/web` } });
    expect((await run(rt, raw(dpop(bound, p)))).verdict.reason).toBe('dpop_proof_invalid');
    expect((await run(rt, raw(dpop(bound, p), { method: 'DELETE', target: `${PODS}/web?gracePeriodSeconds=0` }))).verdict.reason).toBe('allowed');
  });

  it('htu is compared without query and fragment, after normalisation (case, default port, dot segments, percent-encoding)', async () => {
    const { rt } = runtime();
    for (const htu of [`HTTPS://KUBE.example.COM:443${PODS}`, `https://${HOST}/api/v1/namespaces/x/../dev/pods?watch=1#f`, `https://${HOST}/api/v1/namespaces/%64ev/pods`]) {
      const c = await run(rt, raw(dpop(bound, await proof(k, bound, { claims: { htu } })), { target: `${PODS}?limit=500` }));
      expect(c.verdict.reason, `${htu}: ${c.verdict.detail}`).toBe('allowed');
    }
  });

  it('a proof used twice is refused the second time, also from another request to the same URL', async () => {
    const { rt, clock } = runtime();
    const p = await proof(k, bound);
    expect((await run(rt, raw(dpop(bound, p)))).verdict.reason).toBe('allowed');
    clock.now += 1000;
    expect((await run(rt, raw(dpop(bound, p)))).verdict.reason).toBe('dpop_proof_replayed');
  });

  it('a reload keeps the proofs seen: the replay after it is still refused', async () => {
    const { rt } = runtime();
    const p = await proof(k, bound);
    expect((await run(rt, raw(dpop(bound, p)))).verdict.reason).toBe('allowed');
    const reloaded = buildRuntime(testConfig('https://idp.invalid', 'sender_constrained:\n  dpop:\n    max_age_seconds: 90\n'), { fetch: () => Promise.reject(new Error('no network')), now: () => T0, env: { TEST_HMAC_SECRET: HMAC_SECRET } }, rt);
    expect((await run(reloaded, raw(dpop(bound, p)))).verdict.reason).toBe('dpop_proof_replayed');
  });

  it('a bad proof does not use up its jti: the good proof with the same jti is still accepted', async () => {
    const { rt } = runtime();
    const bad = await proof(other, bound, { claims: { jti: 'shared-jti' } });
    expect((await run(rt, raw(dpop(bound, bad)))).verdict.reason).toBe('dpop_binding_mismatch');
    const good = await proof(k, bound, { claims: { jti: 'shared-jti' } });
    expect((await run(rt, raw(dpop(bound, good)))).verdict.reason).toBe('allowed');
  });

  it('the DPoP scheme with a token bound to nothing, or to a certificate, is refused: dpop_binding_mismatch', async () => {
    const { rt } = runtime();
    const plain = await token({});
    expect((await run(rt, raw(dpop(plain, await proof(k, plain))))).verdict.reason).toBe('dpop_binding_mismatch');
    const certBound = await token({ cnf: { 'x5t#S256': k.jkt } });
    expect((await run(rt, raw(dpop(certBound, await proof(k, certBound))))).verdict.reason).toBe('dpop_binding_mismatch');
    // control: the plain token as Bearer is allowed, a DPoP header beside it ignored
    expect((await run(rt, raw({ authorization: `Bearer ${plain}`, dpop: await proof(k, plain) }))).verdict.reason).toBe('allowed');
  });

  it('an algorithm left out of sender_constrained.dpop.algorithms is refused', async () => {
    const { rt } = runtime('sender_constrained:\n  dpop:\n    algorithms: [ES256]\n');
    const ed = await key('EdDSA');
    const t = await token({ cnf: { jkt: ed.jkt } });
    const c = await run(rt, raw(dpop(t, await proof(ed, t))));
    expect(c.verdict.reason).toBe('dpop_proof_invalid');
    expect(c.verdict.detail).toContain('alg');
  });

  it('with sender_constrained.dpop off, a DPoP-bound token is refused as before (token_invalid), whatever the proof', async () => {
    const { rt } = runtime('sender_constrained:\n  dpop:\n    enabled: false\n');
    const c = await run(rt, raw(dpop(bound, await proof(k, bound))));
    expect(c.verdict.reason).toBe('token_invalid');
    expect(c.verdict.detail).toContain('sender_constrained.dpop is off');
  });

  it.each<[string, unknown]>([
    ['a cnf of an unknown method (jwk)', { jwk: { kty: 'OKP', crv: 'Ed25519', x: 'AAAA' } }],
    ['a cnf naming both a key and a certificate', { jkt: 'a'.repeat(43), 'x5t#S256': 'b'.repeat(43) }],
    ['a cnf.jkt that is no thumbprint', { jkt: 'short' }],
    ['a cnf that is a string', 'jkt'],
  ])('%s is refused: token_invalid', async (_what, cnf) => {
    const { rt } = runtime();
    const t = await token({ cnf });
    const c = await run(rt, raw(dpop(t, await proof(k, t))));
    expect(c.verdict.reason).toBe('token_invalid');
    expect((await run(rt, raw({ authorization: `Bearer ${t}` }))).verdict.reason).toBe('token_invalid');
  });
});

describe('the DPoP challenge (RFC 9449 §7.1, RFC 9470 §3)', () => {
  it('a step-up for a DPoP caller is a DPoP challenge with the RFC 9470 error, acr_values, max_age and algs', async () => {
    const { rt } = runtime();
    const k = await key();
    const t = await token({ cnf: { jkt: k.jkt } });
    const secret = '/api/v1/namespaces/dev/secrets/db';
    const c = await run(rt, raw(dpop(t, await proof(k, t, { claims: { htu: `https://${HOST}${secret}` } })), { target: secret }));
    expect(c.verdict.reason).toBe('acr_insufficient');
    const www = c.answer.headers.find(([n]) => n === 'www-authenticate')?.[1] ?? '';
    expect(www).toMatch(/^DPoP realm="/);
    expect(www).toContain('error="insufficient_user_authentication"');
    expect(www).toContain('acr_values="urn:stepgate:aal2');
    expect(www).toContain('max_age=900');
    expect(www).toContain('algs="ES256 ES384 EdDSA PS256 RS256"');
  });

  it('a bad proof is answered invalid_dpop_proof under DPoP; a bound token sent as Bearer gets a DPoP challenge; a plain Bearer caller a Bearer one', async () => {
    const { rt } = runtime();
    const k = await key();
    const t = await token({ cnf: { jkt: k.jkt } });
    const www = (c: Checked) => c.answer.headers.find(([n]) => n === 'www-authenticate')?.[1] ?? '';
    const bad = await run(rt, raw(dpop(t, await proof(k, t, { claims: { htm: 'PUT' } }))));
    expect(www(bad)).toMatch(/^DPoP realm="[^"]*", error="invalid_dpop_proof", error_description="[^"]+", algs="/);
    const asBearer = await run(rt, raw({ authorization: `Bearer ${t}` }));
    expect(www(asBearer)).toMatch(/^DPoP realm="[^"]*", error="invalid_token"/);
    const plain = await run(rt, raw({ authorization: `Bearer ${await token({})}` }, { target: '/api/v1/namespaces/dev/secrets/db' }));
    expect(www(plain)).toMatch(/^Bearer realm="[^"]*", error="insufficient_user_authentication"/);
    expect(www(plain)).not.toContain('algs=');
  });
});

describe('certificate-bound tokens (RFC 8705)', () => {
  const a = makeDeviceCa('client a');
  const b = makeDeviceCa('client b');
  const der = (pem: string) => Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  const x5t = createHash('sha256').update(der(a.certPem)).digest('base64url');
  const enc = (pem: string) => encodeURIComponent(pem);

  it('the thumbprint is base64url SHA-256 of the DER, read from the URL-encoded PEM Envoy sends', () => {
    expect(thumbprint(enc(a.certPem))).toBe(x5t);
    expect(thumbprint('%ZZ')).toBeUndefined();
    expect(thumbprint(enc('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'))).toBeUndefined();
  });

  it('each distinct certificate is parsed once; later requests are a lookup', () => {
    const t = new CertificateThumbprints();
    expect(t.of(enc(a.certPem))).toBe(x5t);
    // A second parse would answer the same, so the cache is told apart by a value only it holds.
    const seen = (t as unknown as { seen: { set(k: string, v: string): void } }).seen;
    seen.set(enc(a.certPem), 'from-the-cache');
    expect(t.of(enc(a.certPem))).toBe('from-the-cache');
  });

  it('allowed with the certificate it is bound to; refused without one, with another, with an unreadable one', async () => {
    const { rt } = runtime();
    const t = await token({ cnf: { 'x5t#S256': x5t } });
    const bearer = { authorization: `Bearer ${t}` };
    expect((await run(rt, raw(bearer, { certificate: enc(a.certPem) }))).verdict.reason).toBe('allowed');
    expect((await run(rt, raw(bearer))).verdict.reason).toBe('certificate_binding_missing');
    expect((await run(rt, raw(bearer, { certificate: '' }))).verdict.reason).toBe('certificate_binding_missing');
    expect((await run(rt, raw(bearer, { certificate: enc(b.certPem) }))).verdict.reason).toBe('certificate_binding_mismatch');
    expect((await run(rt, raw(bearer, { certificate: 'garbage' }))).verdict.reason).toBe('certificate_binding_mismatch');
  });

  it('with sender_constrained.certificate off, a certificate-bound token is refused as before (token_invalid)', async () => {
    const { rt } = runtime('sender_constrained:\n  certificate:\n    enabled: false\n');
    const t = await token({ cnf: { 'x5t#S256': x5t } });
    expect((await run(rt, raw({ authorization: `Bearer ${t}` }, { certificate: enc(a.certPem) }))).verdict.reason).toBe('token_invalid');
  });
});

describe('the replay store', () => {
  const config = testConfig('https://idp.invalid').sender_constrained;

  async function bindingsWith(replay: { claim: () => boolean | Promise<boolean> }, onStateError: 'fail_closed' | 'degrade', fallback?: MemoryProofReplay) {
    const k = await key();
    const t = await token({ cnf: { jkt: k.jkt } });
    const b = new SenderBindings({ config, replay, fallback, onStateError, now: () => T0, certificates: new CertificateThumbprints() });
    const { rt } = runtime();
    const identity = (await rt.verifier.verify(t)) as { ok: true; identity: Parameters<SenderBindings['check']>[2] };
    const attrs = (p: string) => ({ method: 'GET', target: PODS, scheme: 'https', authority: HOST, headers: new Map([['dpop', p]]) }) as unknown as Parameters<SenderBindings['check']>[0];
    return { check: async () => b.check(attrs(await proof(k, t)), { token: t, scheme: 'dpop' }, identity.identity) };
  }

  it('a shared store that cannot answer refuses with state_unavailable (fail_closed)', async () => {
    const { check: c } = await bindingsWith({ claim: () => Promise.reject(new StateUnavailableError('redis down')) }, 'fail_closed', new MemoryProofReplay(() => T0));
    expect(await c()).toMatchObject({ reason: 'state_unavailable' });
  });

  it('with degrade, the local memory answers while the shared store is down', async () => {
    const { check: c } = await bindingsWith({ claim: () => { throw new StateUnavailableError('redis down'); } }, 'degrade', new MemoryProofReplay(() => T0));
    expect(await c()).toBeUndefined();
  });

  it('the memory store is bounded and, full of unexpired proofs, refuses instead of forgetting one', () => {
    const clock = { now: T0 };
    const m = new MemoryProofReplay(() => clock.now, 3);
    for (const k of ['a', 'b', 'c']) expect(m.claim(k, 60_000)).toBe(true);
    expect(m.claim('a', 60_000)).toBe(false);
    expect(() => m.claim('d', 60_000)).toThrow(StateUnavailableError);
    clock.now += 60_001;
    expect(m.claim('d', 60_000)).toBe(true);
    expect(m.claim('a', 60_000)).toBe(true);
  });
});

describe('pure parts', () => {
  it.each<[string, string | undefined]>([
    ['https://Kube.Example.com:443/a/./b/../c', 'https://kube.example.com/a/c'],
    ['https://kube.example.com', 'https://kube.example.com/'],
    ['https://kube.example.com:6443/x?y#z', 'https://kube.example.com:6443/x'],
    ['https://kube.example.com/%7euser/%2f', 'https://kube.example.com/~user/%2F'],
    ['http://kube.example.com:80/x', 'http://kube.example.com/x'],
    ['ftp://kube.example.com/x', undefined],
    ['https://a:b@kube.example.com/x', undefined],
    ['/relative', undefined],
  ])('normaliseHtu(%s) = %s', (input, want) => {
    expect(normaliseHtu(input)).toBe(want);
  });

  it('requestHtu builds the request URI from what Envoy reports, without the query', () => {
    expect(requestHtu('https', 'KUBE.example.com:443', '/api?watch=1')).toBe('https://kube.example.com/api');
    expect(requestHtu('', 'kube.example.com', '/api')).toBeUndefined();
    expect(requestHtu('https', 'kube.example.com', '*')).toBeUndefined();
  });

  it.each<[unknown, string]>([
    [{ jkt: 'a'.repeat(43) }, 'dpop'],
    [{ 'x5t#S256': 'b'.repeat(43) }, 'certificate'],
    [{ jkt: 'a'.repeat(43), 'x5t#S256': 'b'.repeat(43) }, 'problem'],
    [{ jkt: 42 }, 'problem'],
    [{ kid: 'k' }, 'problem'],
    [[], 'problem'],
    [null, 'problem'],
  ])('cnfBinding(%j) is %s', (cnf, want) => {
    const b = cnfBinding(cnf);
    expect('problem' in b ? 'problem' : b.method).toBe(want);
  });
});
