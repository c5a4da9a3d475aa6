/**
 * In-process: CPU µs per Check through evaluate() (the pipeline every adapter calls) for a cached
 * token, side by side: a plain bearer token (synchronous, no crypto), a certificate-bound token
 * (one lookup of the certificate's thumbprint), and a DPoP-bound token with a new proof per Check
 * (RFC 9449: the proof is per request by nature), for ES256, EdDSA and RS256 client keys. The
 * proofs are made before the timed loop; what is timed is their check (parse, claims, SHA-256 of
 * the token for `ath`, the key's thumbprint, the signature, the replay memory).
 *
 *   node --import tsx bench/dpop.ts     (BENCH_CHECKS=4000, BENCH_ROUNDS=5)
 */
import { createHash, X509Certificate } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT } from 'jose';
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

function runtime(): Runtime {
  return buildRuntime(parseConfig(yaml, 'bench.yaml'), { fetch: (u, i) => fetch(u, i), now: Date.now, env: { SECRET } });
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
async function timed(rt: Runtime, reqs: (round: number, i: number) => RawRequest): Promise<number[]> {
  const first = await evaluate(rt, reqs(-1, 0), []);
  if (!first.allow) throw new Error(`not allowed: ${first.reason} ${first.detail}`);
  const out: number[] = [];
  for (let r = 0; r < ROUNDS + 1; r++) {
    const t = performance.now();
    for (let i = 0; i < CHECKS; i++) {
      const v = await evaluate(rt, reqs(r, i), []);
      if (!v.allow) throw new Error(`refused: ${v.reason} ${v.detail}`);
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

async function dpop(alg: 'ES256' | 'EdDSA' | 'RS256'): Promise<number[]> {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  const jwk = await exportJWK(publicKey);
  const t = await token({ cnf: { jkt: await calculateJwkThumbprint(jwk) } });
  const ath = createHash('sha256').update(t).digest('base64url');
  const rt = runtime();
  // Every proof made up front (signing is the client's cost, not stepgate's).
  const proofs: RawRequest[][] = [];
  for (let r = -1; r < ROUNDS + 1; r++) {
    const round: RawRequest[] = [];
    for (let i = 0; i < (r < 0 ? 1 : CHECKS); i++) {
      const p = await new SignJWT({ jti: `${r}-${i}-${Math.random()}`, htm: 'GET', htu: `https://kube.example.com${PATH}`, iat: now(), ath }).setProtectedHeader({ alg, typ: 'dpop+jwt', jwk }).sign(privateKey);
      round.push(raw([['authorization', `DPoP ${t}`], ['dpop', p]]));
    }
    proofs.push(round);
  }
  return timed(rt, (r, i) => proofs[r + 1]![i]!);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const row = (name: string, xs: number[]) => console.log(`| ${name} | ${median(xs).toFixed(2)} | ${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)} |`);
console.log(`| cached token, Check through evaluate() (${CHECKS} Checks × ${ROUNDS} rounds) | µs median | min–max |\n|---|--:|--:|`);
row('bearer token (no cnf)', await bearer());
row('certificate-bound (cnf x5t#S256), same certificate', await certificate());
for (const alg of ['ES256', 'EdDSA', 'RS256'] as const) row(`DPoP-bound, new ${alg} proof per Check`, await dpop(alg));
process.exit(0);
