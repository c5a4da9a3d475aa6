/**
 * Risk engine on/off cost in-process: examples/stepgate.yaml as a pipeline runtime, with and
 * without its risk section, the same cached-token requests through evaluate(), alternating
 * A B B A rounds so that load from other processes hits both alike; prints the medians, and the
 * on/off ratio of each round with their median and spread. No gRPC, so the engine's share of the
 * work is larger here than through the server (a harsher ratio than bench (e)).
 *
 *   npx tsx bench/risk-ratio.ts [seconds-per-round]
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { parseConfig } from '../src/config/load.js';
import { evaluate } from '../src/pipeline/evaluate.js';
import { buildRuntime, type Runtime } from '../src/pipeline/runtime.js';
import type { RawRequest } from '../src/request/attributes.js';
import { median, ratioSummary } from './stats.mjs';

const ISS = 'http://127.0.0.1:9000';
const seconds = Number(process.argv[2] ?? 2);
const { publicKey, privateKey } = await generateKeyPair('ES256');
const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }] });
const fetchFn = (async (url: string | URL) => {
  const u = String(url);
  const body = u.endsWith('/.well-known/openid-configuration') ? JSON.stringify({ issuer: ISS, jwks_uri: `${ISS}/jwks` }) : jwks;
  return new Response(body, { status: 200, headers: { 'content-type': 'application/json' } });
}) as unknown as typeof fetch;

const text = readFileSync(new URL('../examples/stepgate.yaml', import.meta.url), 'utf8');
const now = Date.now();
const runtime = (risk: boolean): Runtime =>
  buildRuntime(parseConfig(risk ? text : text.replace('\nrisk:\n', '\nrisk:\n  enabled: false\n'), 'examples/stepgate.yaml'), { fetch: fetchFn as never, now: () => Date.now(), env: {} });

// 200 engineers, each on their laptop and network, with a two-factor token from this morning.
// Each first signed in on this laptop and network (a fresh token, which makes them known), as a
// step-up would, and then works with this morning's token.
const requests: RawRequest[] = [];
const signIns: RawRequest[] = [];
const sign = (i: number, authTime: number) =>
  new SignJWT({ sub: `eng${i}@example.com`, sid: `s${i}`, acr: 'urn:stepgate:aal2', amr: ['mfa'], auth_time: authTime })
    .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
    .setIssuer(ISS)
    .setAudience('kubernetes')
    .setIssuedAt()
    .setExpirationTime('2h')
    .sign(privateKey);
const raw = (i: number, path: string, token: string): RawRequest => ({
  method: 'GET', target: path, authority: 'kube.localhost', scheme: 'https',
  headers: new Map([['authorization', `Bearer ${token}`], ['user-agent', 'kubectl/v1.32.4 (linux/amd64) kubernetes/6fc0a69']]),
  sourceAddress: `100.64.${i % 250}.7`, sourcePrincipal: '', contextExtensions: {}, body: undefined, bodyTruncated: false,
});
for (let i = 0; i < 200; i++) {
  signIns.push(raw(i, `/api/v1/namespaces/team-${i % 5}/pods`, await sign(i, Math.floor(now / 1000))));
  const token = await sign(i, Math.floor(now / 1000) - 3600);
  for (const path of [`/api/v1/namespaces/team-${i % 5}/pods`, `/apis/apps/v1/namespaces/team-${i % 5}/deployments`, `/api/v1/namespaces/team-${i % 5}/secrets/app`]) {
    requests.push(raw(i, path, token));
  }
}

async function round(rt: Runtime): Promise<number> {
  let n = 0;
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    for (let k = 0; k < 64; k++) {
      const v = evaluate(rt, requests[n % requests.length]!, []);
      if (v instanceof Promise) await v;
      n++;
    }
  }
  return n / seconds;
}

const on = runtime(true);
const off = runtime(false);
for (const rt of [on, off]) for (const r of [...signIns, ...requests]) await evaluate(rt, r, []); // warm: keys, token cache, history
const denied = requests.filter((r) => !(evaluate(on, r, []) as { allow: boolean }).allow).length;
if (denied > 0) throw new Error(`${denied} of ${requests.length} requests are refused with the risk engine on: not the routine load this measures`);
const rates = { on: [] as number[], off: [] as number[] };
for (const order of [['off', 'on'], ['on', 'off'], ['on', 'off'], ['off', 'on']] as const) {
  for (const which of order) rates[which].push(await round(which === 'on' ? on : off));
}
// Ratios pair the on and off run of the same round (bench/stats.mjs).
const ratio = ratioSummary(rates.on, rates.off, 3);
console.log(JSON.stringify({ seconds_per_round: seconds, rounds: 4, off_per_s: Math.round(median(rates.off)), on_per_s: Math.round(median(rates.on)), ratio: ratio.median, ratio_spread: [ratio.min, ratio.max], off: rates.off.map(Math.round), on: rates.on.map(Math.round) }));
