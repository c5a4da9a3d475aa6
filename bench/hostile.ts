/**
 * Warm wall time of one Check for attacker-shaped requests, at 1× and 4× the size, through the
 * server's own path (decodeCheckRequest, then handleCheck: parse, identity, guardrails, policy,
 * answer) with examples/stepgate.yaml (its issuer replaced by a local one) and header limits raised
 * so that 4× fits. Linear code costs about 4× at 4×; a shape growing much faster is super-linear.
 * Each figure is the median of 5 runs after 4 warm-up runs; every run sends a new user agent (the
 * device resolver caches by it, and an attacker varies it).
 *
 *   node --import tsx bench/hostile.ts          (HOSTILE_ONLY=cookie: only shapes whose name contains it)
 */
import { createSign, KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseConfig } from '../src/config/load.js';
import { buildRuntime, type Runtime } from '../src/pipeline/runtime.js';
import { handleCheck } from '../src/server/grpc/server.js';
import type { CheckRequestMessage } from '../src/server/grpc/check.js';
import { EncodedAllowCache } from '../src/server/grpc/encoded-allows.js';
import { decodeCheckRequest } from '../src/server/grpc/decode.js';
import { authorizationService, responseSerializer } from '../src/server/grpc/protos.js';
import { createLogger } from '../src/telemetry/log.js';
import { Telemetry } from '../src/telemetry/telemetry.js';
import { encodeCheckRequest } from './codec.js';

const ISS = 'http://127.0.0.1:9000';
const HOST = 'kube.localhost';
const { privateKey, publicKey } = await generateKeyPair('RS256');
const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' }] });
const jwksServer = createServer((_q, s) => void s.writeHead(200, { 'content-type': 'application/json' }).end(jwks));
await new Promise<void>((r) => jwksServer.listen(0, '127.0.0.1', r));
const jwksUri = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks`;
const sign = (claims: JWTPayload, header: Record<string, unknown> = {}) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'k1', typ: 'JWT', ...header }).sign(privateKey);
const now = () => Math.floor(Date.now() / 1000);
const baseClaims = (extra: JWTPayload = {}): JWTPayload => ({
  iss: ISS, aud: 'kubernetes', sub: 'ann', email: 'ann@example.com', iat: now(), exp: now() + 3600, auth_time: now(),
  acr: 'urn:stepgate:aal3', amr: ['hwk', 'mfa'], ...extra,
});

const yaml = readFileSync(new URL('../examples/stepgate.yaml', import.meta.url), 'utf8')
  .replace(`  - issuer: ${ISS}\n`, `  - issuer: ${ISS}\n    jwks_uri: ${jwksUri}\n`)
  .concat('\nlimits:\n  max_header_bytes: 262144\n  max_total_header_bytes: 1048576\n  max_body_bytes: 4063232\n');
const config = parseConfig(yaml, 'hostile.yaml');
const log = createLogger('fatal', { write: () => undefined });
let rt: Runtime | undefined;
const runtime = () => rt!;
const telemetry = await Telemetry.start({ config, env: {}, log, runtime, now: Date.now });
rt = buildRuntime(config, { fetch: (u, i) => fetch(u, i), now: Date.now, env: { STEPGATE_SESSION_KEYS: 'k1:' + 'A'.repeat(43) } });
await rt.verifier.warm();
const def = authorizationService();
const encoded = new EncodedAllowCache(responseSerializer(def));

const good = await sign(baseClaims());
const N = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));

interface Req { method?: string; path: string; headers?: Record<string, string>; body?: string; token?: string | null }
function message(r: Req, n: number): Buffer {
  const method = r.method ?? 'GET';
  const headers: Record<string, string> = {
    ':authority': HOST, ':path': r.path, ':method': method, ':scheme': 'https',
    'user-agent': 'kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46', accept: 'application/json',
    ...(r.token === null ? {} : { authorization: `Bearer ${r.token ?? good}` }),
    ...(r.body !== undefined ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(r.body)) } : {}),
    ...r.headers,
  };
  // Each call a new user agent, as an attacker would send: the device resolver caches by it.
  headers['user-agent'] = `${headers['user-agent']} #${n}`;
  return encodeCheckRequest({
    attributes: {
      source: { address: { socket_address: { address: '10.0.0.7', port_value: 40000 } } },
      destination: { address: { socket_address: { address: '10.43.0.12', port_value: 8443 } } },
      request: { http: { id: '1', method, path: r.path, host: HOST, scheme: 'https', protocol: 'HTTP/2', headers, ...(r.body !== undefined ? { body: r.body } : {}) } },
    },
  });
}

function once(frame: Buffer): Promise<string> {
  return new Promise((resolve) => {
    let msg: CheckRequestMessage;
    try {
      msg = decodeCheckRequest(frame);
    } catch (e) {
      return resolve(`decode threw ${(e as Error).message.slice(0, 50)}`);
    }
    handleCheck({ runtime, log, listen: '' }, telemetry, encoded, msg, new grpc.Metadata(), (err, res) => {
      if (err) return resolve(`grpc error ${String(err.details ?? err.code).slice(0, 50)}`);
      const r = res as { status?: { code?: number }; dynamic_metadata?: { fields?: Record<string, { stringValue?: string }> } };
      const f = r.dynamic_metadata?.fields ?? {};
      resolve(`${r.status?.code ?? 0} ${f.reason?.stringValue ?? ''} ${(f.rules?.stringValue ?? '').slice(0, 60)}`.trim());
    });
  });
}

async function time(r: Req): Promise<[number, string, number]> {
  const frames = Array.from({ length: 9 }, (_, i) => message(r, i));
  let out = '';
  for (let i = 0; i < 4; i++) out = await once(frames[i]!);
  const ms: number[] = [];
  for (let i = 4; i < 9; i++) {
    const t = performance.now();
    out = await once(frames[i]!);
    ms.push(performance.now() - t);
  }
  return [ms.sort((a, b) => a - b)[2]!, out, frames[0]!.length];
}

const POST = (path: string, body: unknown, headers: Record<string, string> = {}): Req => ({ method: 'POST', path, body: typeof body === 'string' ? body : JSON.stringify(body), headers });
const DEV = '/api/v1/namespaces/dev';
const pod = (spec: object) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'a', image: 'registry.example.com/a@sha256:' + 'a'.repeat(64) }], ...spec } });

/** name → request at scale k (1 or 4). */
const SHAPES: [string, (k: number) => Req | Promise<Req>][] = [
  ['many headers', (k) => ({ path: `${DEV}/pods`, headers: Object.fromEntries(N(2000 * k, (i) => [`x-h${i}`, 'v'])) })],
  ['huge header value', (k) => ({ path: `${DEV}/pods`, headers: { 'x-big': 'a'.repeat(60_000 * k) } })],
  ['huge user-agent ((((', (k) => ({ path: `${DEV}/pods`, headers: { 'user-agent': '('.repeat(60_000 * k) } })],
  ['huge user-agent ( ) ;', (k) => ({ path: `${DEV}/pods`, headers: { 'user-agent': 'Mozilla/5.0 (' + 'a; '.repeat(20_000 * k) } })],
  ['long path segment', (k) => ({ path: `${DEV}/pods/${'a'.repeat(1_900 * k)}` })],
  ['path of slashes', (k) => ({ path: `/api/v1/${'/'.repeat(1_900 * k)}pods` })],
  ['path of /./', (k) => ({ path: `/api/v1/${'./'.repeat(950 * k)}pods` })],
  ['path of ../', (k) => ({ path: `/api/v1/${'a/../'.repeat(380 * k)}pods` })],
  ['path of %2F', (k) => ({ path: `/api/v1/${'%2F'.repeat(630 * k)}pods` })],
  ['path of %25', (k) => ({ path: `/api/v1/namespaces/${'%25'.repeat(630 * k)}/pods` })],
  ['namespace -prod-…', (k) => ({ path: `/api/v1/namespaces/${'-prod-'.repeat(320 * k)}./pods` })],
  ['namespace -prod-… write', (k) => POST(`/api/v1/namespaces/${'-prod-'.repeat(320 * k)}./pods`, pod({}))],
  ['namespace a… write', (k) => POST(`/api/v1/namespaces/${'a'.repeat(1_900 * k)}/pods`, pod({}))],
  ['many query params', (k) => ({ path: `${DEV}/pods?${N(2_400 * k, () => 'a=1').join('&')}` })],
  ['many query params (distinct)', (k) => ({ path: `${DEV}/pods?${N(2_400 * k, (i) => `a${i}=1`).join('&')}` })],
  ['labelSelector many terms', (k) => ({ path: `${DEV}/pods?labelSelector=${N(6_000 * k, (i) => `k${i}%3Dv`).join(',')}` })],
  ['labelSelector in (…)', (k) => ({ path: `${DEV}/pods?labelSelector=k+in+(${N(8_000 * k, (i) => `v${i}`).join(',')})` })],
  ['labelSelector ((((', (k) => ({ path: `${DEV}/pods?labelSelector=${'('.repeat(60_000 * k)}` })],
  ['labelSelector !!!!', (k) => ({ path: `${DEV}/pods?labelSelector=${'!'.repeat(60_000 * k)}` })],
  ['fieldSelector many terms', (k) => ({ path: `${DEV}/pods?fieldSelector=${N(1_500 * k, (i) => `metadata.name%3Dv${i}`).join(',')}` })],
  ['watch with many params', (k) => ({ path: `${DEV}/pods?watch=1&${N(1_000 * k, (i) => `resourceVersion=${i}`).join('&')}` })],
  ['many cookies', (k) => ({ path: `${DEV}/pods`, headers: { cookie: N(3_000 * k, (i) => `c${i}=v`).join('; ') } })],
  ['many session cookies', (k) => ({ path: `${DEV}/pods`, token: null, headers: { cookie: N(500 * k, () => `stepgate_session=${'a'.repeat(20)}.b.c.d.e`).join('; ') } })],
  ['huge cookie', (k) => ({ path: `${DEV}/pods`, headers: { cookie: `c=${'a'.repeat(1_900 * k)}` } })],
  ['cookie of ;;;', (k) => ({ path: `${DEV}/pods`, headers: { cookie: ';'.repeat(60_000 * k) } })],
  ['cookie of ===', (k) => ({ path: `${DEV}/pods`, headers: { cookie: '='.repeat(60_000 * k) } })],
  ['xff many hops', (k) => ({ path: `${DEV}/pods`, headers: { 'x-forwarded-for': N(3_000 * k, (i) => `10.0.${i >> 8 & 255}.${i & 255}`).join(', ') } })],
  ['forwarded many', (k) => ({ path: `${DEV}/pods`, headers: { forwarded: N(3_000 * k, (i) => `for=10.0.0.${i & 255}`).join(', ') } })],
  ['accept many types', (k) => ({ path: `${DEV}/pods`, headers: { accept: N(1_500 * k, (i) => `application/x${i};q=0.${i % 9}`).join(', ') } })],
  ['impersonate-extra many', (k) => ({ path: `${DEV}/pods`, headers: Object.fromEntries(N(1_000 * k, (i) => [`impersonate-extra-k${i}`, 'v'])) })],
  ['impersonate-group many', (k) => ({ path: `${DEV}/pods`, headers: { 'impersonate-user': 'bob', 'impersonate-group': N(6_000 * k, (i) => `g${i}`).join(',') } })],
  ['websocket protocol x   x', (k) => ({ path: `${DEV}/pods/p/exec?command=sh&stdin=true`, token: null, headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-protocol': `x${' '.repeat(60_000 * k)}x, v5.channel.k8s.io, base64url.bearer.authorization.k8s.io.${Buffer.from(good).toString('base64url')}` } })],
  ['bearer junk', (k) => ({ path: `${DEV}/pods`, token: 'a'.repeat(60_000 * k) })],
  ['bearer ....', (k) => ({ path: `${DEV}/pods`, token: '.'.repeat(60_000 * k) })],
  ['jwt huge kid (unsigned)', (k) => ({ path: `${DEV}/pods`, token: jwtParts({ alg: 'RS256', kid: 'k'.repeat(40_000 * k) }, baseClaims()) })],
  ['jwt many aud (unsigned)', (k) => ({ path: `${DEV}/pods`, token: jwtParts({ alg: 'RS256', kid: 'k1' }, baseClaims({ aud: N(5_000 * k, (i) => `a${i}`) })) })],
  ['jwt deep claims (unsigned)', (k) => ({ path: `${DEV}/pods`, token: jwtParts({ alg: 'RS256', kid: 'k1' }, baseClaims({ x: '__DEEP__' }), 20_000 * k) })],
  ['jwt many amr (signed)', async (k) => ({ path: `${DEV}/pods`, token: await sign(baseClaims({ amr: N(5_000 * k, (i) => `m${i}`) })) })],
  ['jwt many groups (signed)', async (k) => ({ path: `${DEV}/pods`, token: await sign(baseClaims({ groups: N(5_000 * k, (i) => `g${i}`) })) })],
  ['jwt deep claims (signed)', async (k) => ({ path: `${DEV}/pods`, token: await signDeep(20_000 * k) })],
  ['body deep JSON', (k) => POST(`${DEV}/pods`, '['.repeat(200_000 * k) + ']'.repeat(200_000 * k))],
  ['body many keys', (k) => POST(`${DEV}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', annotations: Object.fromEntries(N(15_000 * k, (i) => [`a${i}`, 'v'])) }, data: {} })],
  ['body many labels', (k) => POST(`${DEV}/pods`, { ...pod({}), metadata: { name: 'p', labels: Object.fromEntries(N(15_000 * k, (i) => [`l${i}`, 'v'])) } })],
  ['body key of \\\\\\', (k) => POST(`${DEV}/configmaps`, `{"kind":"ConfigMap","metadata":{"name":"c"},"data":{"${'\\\\'.repeat(200_000 * k)}":"v"}}`)],
];

function b64(o: unknown): string {
  return Buffer.from(JSON.stringify(o)).toString('base64url');
}
function jwtParts(header: object, payload: JWTPayload, depth = 0): string {
  let p = JSON.stringify(payload);
  if (depth) p = p.replace('"__DEEP__"', '['.repeat(depth) + ']'.repeat(depth));
  return `${b64(header)}.${Buffer.from(p).toString('base64url')}.${'A'.repeat(342)}`;
}
async function signDeep(depth: number): Promise<string> {
  // jose's SignJWT serialises the claims itself, so the nested claim is signed by hand.
  const head = b64({ alg: 'RS256', kid: 'k1', typ: 'JWT' });
  const body = Buffer.from(JSON.stringify(baseClaims({ x: '__DEEP__' })).replace('"__DEEP__"', '['.repeat(depth) + ']'.repeat(depth))).toString('base64url');
  const s = createSign('RSA-SHA256').update(`${head}.${body}`).sign(KeyObject.from(privateKey));
  return `${head}.${body}.${s.toString('base64url')}`;
}

const only = process.env.HOSTILE_ONLY;
console.log('| shape | 1× KiB | 1× ms | 4× ms | ratio | answer (4×) |\n|---|--:|--:|--:|--:|---|');
for (const [name, make] of SHAPES.filter(([n]) => !only || n.includes(only))) {
  try {
    const [t1, , size] = await time(await make(1));
    const [t4, out] = await time(await make(4));
    console.log(`| ${name} | ${(size / 1024).toFixed(0)} | ${t1.toFixed(1)} | ${t4.toFixed(1)} | ${(t4 / t1).toFixed(1)} | ${out} |`);
  } catch (e) {
    console.log(`| ${name} | | | | | bench threw ${(e as Error).message.slice(0, 60)} |`);
  }
}
jwksServer.close();
process.exit(0);
