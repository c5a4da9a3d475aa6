/**
 * In-process: CPU µs per Check through evaluate() (the pipeline every adapter calls) for a cached
 * token, side by side: a plain bearer token (synchronous, no crypto), a certificate-bound token
 * (one lookup of the certificate's thumbprint), and a DPoP-bound token with a new proof per Check
 * (RFC 9449: the proof is per request by nature), for ES256, EdDSA and RS256 client keys. The
 * proofs are made before the timed loop; what is timed is their check (parse, claims, SHA-256 of
 * the token for `ath`, the key's thumbprint, the signature, the replay memory).
 *
 * With RFC 9449 §8 nonces (`sender_constrained.dpop.nonce: required`, identity/dpop-nonce.ts), two
 * more rows time the ES256 Check with its answer (evaluate() and the Responder, which hands the
 * allow its DPoP-Nonce) with nonces off and on, and a last table what the nonce itself costs per
 * request (a proof's nonce checked and the next one given out) beside one HMAC-SHA256.
 *
 *   node --import tsx bench/dpop.ts     (BENCH_CHECKS=4000, BENCH_ROUNDS=5)
 */
import { createHash, X509Certificate } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createHmac, randomBytes } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { derivedKeys, parseKeyList } from '../src/cookies/keys.js';
import { DpopNonces } from '../src/identity/dpop-nonce.js';
import { parseConfig } from '../src/config/load.js';
import { evaluate } from '../src/pipeline/evaluate.js';
import { buildRuntime, type Runtime } from '../src/pipeline/runtime.js';
import type { RawRequest } from '../src/request/attributes.js';
import { RequestHeaders } from '../src/request/headers.js';

const CHECKS = Number(process.env.BENCH_CHECKS ?? 4000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const ISSUER = 'https://ci.example.com';
const SECRET = 'a-bench-only-shared-secret-of-at-least-32-bytes!!';
const PATH = '/api/v1/namespaces/dev/pods';
const yaml = `
server: { grpc_listen: 127.0.0.1:0 }
issuers: [{ issuer: ${ISSUER}, audiences: [kubernetes], algorithms: [HS256], hmac_secret_env: SECRET }]
assurance:
  levels:
    - { name: aal1, acr: [a1], amr: [pwd] }
kubernetes: { hosts: [kube.example.com] }
stepup: { url: https://auth.example.com/.stepgate/start }
policy:
  default: { require: aal1, max_age: 43200 }
sender_constrained: { dpop: { max_age_seconds: 300 } }
`;

const now = () => Math.floor(Date.now() / 1000);

const KEYS = `k1:${randomBytes(32).toString('base64url')}`;
/** The same site with step-up sessions (their key list makes the nonces), nonces off or required. */
const withSession = (nonce: 'off' | 'required') =>
  yaml
    .replace('stepup: { url: https://auth.example.com/.stepgate/start }', 'stepup:\n  url: https://auth.example.com/.stepgate/start\n  oidc: { issuer: https://login.example.com, client_id: stepgate, client_secret_env: OIDC, redirect_uri: https://auth.example.com/.stepgate/callback }\n  session: { keys_env: KEYS }')
    .replace('sender_constrained: { dpop: { max_age_seconds: 300 } }', `sender_constrained: { dpop: { max_age_seconds: 300, nonce: ${nonce} } }`);

function runtime(text = yaml): Runtime {
  return buildRuntime(parseConfig(text, 'bench.yaml'), { fetch: (u, i) => fetch(u, i), now: Date.now, env: { SECRET, OIDC: 'x', KEYS } });
}

function token(claims: Record<string, unknown>): Promise<string> {
  return new SignJWT({ sub: 'alice', acr: 'a1', amr: ['pwd'], auth_time: now() - 60, ...claims })
    .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
    .setIssuer(ISSUER)
    .setAudience('kubernetes')
    .setIssuedAt()
    .setExpirationTime('2h')
    .sign(new TextEncoder().encode(SECRET));
}

function raw(headers: [string, string][], certificate?: string): RawRequest {
  return {
    method: 'GET',
    target: PATH,
    authority: 'kube.example.com',
    scheme: 'https',
    headers: RequestHeaders.of([['accept', 'application/json'], ['user-agent', 'kubectl/v1.34.1 (linux/amd64) kubernetes/93248f9'], ...headers]),
    sourceAddress: '10.1.2.3',
    sourcePrincipal: '',
    sourceCertificate: certificate,
    contextExtensions: {},
    body: undefined,
    bodyTruncated: false,
  };
}

/** µs per Check for each round after the first (warm-up), `reqs(i)` giving the i-th request. */
async function timed(rt: Runtime, reqs: (round: number, i: number) => RawRequest, answer = false): Promise<number[]> {
  const first = await evaluate(rt, reqs(-1, 0), []);
  if (!first.allow) throw new Error(`not allowed: ${first.reason} ${first.detail}`);
  const out: number[] = [];
  for (let r = 0; r < ROUNDS + 1; r++) {
    const t = performance.now();
    for (let i = 0; i < CHECKS; i++) {
      const v = await evaluate(rt, reqs(r, i), []);
      if (!v.allow) throw new Error(`refused: ${v.reason} ${v.detail}`);
      if (answer) rt.responder.respond(v);
    }
    out.push(((performance.now() - t) * 1000) / CHECKS);
  }
  return out.slice(1);
}

async function bearer(): Promise<number[]> {
  const rt = runtime();
  const req = raw([['authorization', `Bearer ${await token({})}`]]);
  return timed(rt, () => req);
}

async function certificate(): Promise<number[]> {
  const dir = mkdtempSync(join(tmpdir(), 'stepgate-bench-cert-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'k'), '-out', join(dir, 'c'), '-subj', '/CN=bench', '-days', '1'], { stdio: 'ignore' });
  const pem = readFileSync(join(dir, 'c'), 'utf8');
  const x5t = createHash('sha256').update(new X509Certificate(pem).raw).digest('base64url');
  const rt = runtime();
  const req = raw([['authorization', `Bearer ${await token({ cnf: { 'x5t#S256': x5t } })}`]], encodeURIComponent(pem));
  return timed(rt, () => req);
}

async function dpop(alg: 'ES256' | 'EdDSA' | 'RS256', nonce?: 'off' | 'required'): Promise<number[]> {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  const jwk = await exportJWK(publicKey);
  const t = await token({ cnf: { jkt: await calculateJwkThumbprint(jwk) } });
  const ath = createHash('sha256').update(t).digest('base64url');
  const rt = runtime(nonce === undefined ? yaml : withSession(nonce));
  // The nonce a replica with the same key list gives out now (a 300 s window: the run fits in two).
  const n = nonce === 'required' ? { nonce: new DpopNonces(derivedKeys(parseKeyList(KEYS, 'KEYS'), 'dpop-nonce'), 300_000, Date.now).current() } : {};
  // Every proof made up front (signing is the client's cost, not stepgate's).
  const proofs: RawRequest[][] = [];
  for (let r = -1; r < ROUNDS + 1; r++) {
    const round: RawRequest[] = [];
    for (let i = 0; i < (r < 0 ? 1 : CHECKS); i++) {
      const p = await new SignJWT({ jti: `${r}-${i}-${Math.random()}`, htm: 'GET', htu: `https://kube.example.com${PATH}`, iat: now(), ath, ...n }).setProtectedHeader({ alg, typ: 'dpop+jwt', jwk }).sign(privateKey);
      round.push(raw([['authorization', `DPoP ${t}`], ['dpop', p]]));
    }
    proofs.push(round);
  }
  return timed(rt, (r, i) => proofs[r + 1]![i]!, nonce !== undefined);
}

/** ns per call of `f`, median of ROUNDS rounds of `n` calls. */
function nsPer(f: () => unknown, n = 200_000): number[] {
  const out: number[] = [];
  for (let r = 0; r < ROUNDS + 1; r++) {
    const t = performance.now();
    for (let i = 0; i < n; i++) f();
    out.push(((performance.now() - t) * 1e6) / n);
  }
  return out.slice(1);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const row = (name: string, xs: number[]) => console.log(`| ${name} | ${median(xs).toFixed(2)} | ${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)} |`);
console.log(`| cached token, Check through evaluate() (${CHECKS} Checks × ${ROUNDS} rounds) | µs median | min–max |\n|---|--:|--:|`);
row('bearer token (no cnf)', await bearer());
row('certificate-bound (cnf x5t#S256), same certificate', await certificate());
for (const alg of ['ES256', 'EdDSA', 'RS256'] as const) row(`DPoP-bound, new ${alg} proof per Check`, await dpop(alg));
row('DPoP-bound ES256, evaluate() + respond(), nonce off', await dpop('ES256', 'off'));
row('DPoP-bound ES256, evaluate() + respond(), nonce required', await dpop('ES256', 'required'));
const nonces = new DpopNonces(derivedKeys(parseKeyList(KEYS, 'KEYS'), 'dpop-nonce'), 300_000, Date.now);
const given = nonces.current();
const hmacKey = randomBytes(32);
console.log(`\n| per request (200,000 calls × ${ROUNDS} rounds) | ns median | min–max |\n|---|--:|--:|`);
row('nonce: accepts(proof nonce) + current() for the answer', nsPer(() => nonces.accepts(given) && nonces.current()));
row('one HMAC-SHA256 of a window (what a per-request nonce would cost)', nsPer(() => createHmac('sha256', hmacKey).update('stepgate dpop nonce\n300000\n5881234').digest()));
process.exit(0);
