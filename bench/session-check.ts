/**
 * In-process: CPU µs per cached step-up-session Check through evaluate() (the pipeline every
 * adapter calls), the cost the sign-out lookup adds. Variants: no sign-out recorded, and (where
 * the tree has sign-outs) 1,000 other sessions signed out. To compare two versions, run it in
 * alternating processes in this tree and in a `git archive` of the other ref (with this file copied
 * in and node_modules linked), as bench/hotpath-ab.ts does for hotpath.ts.
 *
 *   node --import tsx bench/session-check.ts     (BENCH_CHECKS=200000, BENCH_ROUNDS=7)
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { parseConfig } from '../src/config/load.js';
import { evaluate } from '../src/pipeline/evaluate.js';
import { buildRuntime, type Runtime } from '../src/pipeline/runtime.js';
import type { RawRequest } from '../src/request/attributes.js';
import { RequestHeaders } from '../src/request/headers.js';

const CHECKS = Number(process.env.BENCH_CHECKS ?? 200_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const ISSUER = 'https://idp.example.com';
const yaml = `
server: { grpc_listen: 127.0.0.1:0, http_listen: 127.0.0.1:0 }
issuers: [{ issuer: ${ISSUER}, audiences: [stepgate], algorithms: [RS256] }]
assurance:
  levels:
    - { name: aal1, acr: [a1], amr: [pwd] }
    - { name: aal2, acr: [a2], amr: [mfa] }
stepup:
  url: https://auth.example.com/.stepgate/start
  return_hosts: [grafana.example.com]
  oidc: { issuer: ${ISSUER}, client_id: stepgate, client_secret_env: SG_SECRET, redirect_uri: https://auth.example.com/.stepgate/callback }
  session: { keys_env: SG_KEYS, lifetime_seconds: 3600 }
policy:
  default: { require: aal1, max_age: 43200 }
  rules:
    - { name: admin, match: { hosts: [grafana.example.com], paths: ["/admin/**"] }, require: aal2, max_age: 900 }
`;

async function runtime(): Promise<Runtime> {
  const env = { SG_SECRET: 's', SG_KEYS: `k1:${randomBytes(32).toString('base64url')}` };
  return buildRuntime(parseConfig(yaml, 'bench.yaml'), { fetch: (u, i) => fetch(u, i), now: Date.now, env });
}

async function cookie(rt: Runtime, sub: string): Promise<string> {
  const now = Date.now();
  const s = await rt.sessionCodec!.create({ iss: ISSUER, sub, acr: 'a2', amr: ['mfa'], auth_time: Math.floor(now / 1000) - 60, extra: {} }, now);
  return s!.value;
}

function raw(rt: Runtime, value: string): RawRequest {
  return {
    method: 'GET',
    target: '/admin/users',
    authority: 'grafana.example.com',
    scheme: 'https',
    headers: RequestHeaders.of([['cookie', `${rt.config.stepup.session!.cookie_name}=${value}`], ['accept', 'text/html'], ['user-agent', 'Mozilla/5.0 Chrome/131.0']]),
    sourceAddress: '10.1.2.3',
    sourcePrincipal: '',
    contextExtensions: {},
    body: undefined,
    bodyTruncated: false,
  };
}

async function variant(signedOut: number): Promise<number[] | undefined> {
  const rt = await runtime();
  const board = (rt as { revocations?: { signOut(s: string, e: number, n: number): Promise<void> } }).revocations;
  if (signedOut > 0 && board === undefined) return undefined;
  for (let i = 0; i < signedOut; i++) await board!.signOut(`cred:other-${i}`, Date.now() + 3_600_000, Date.now());
  const req = raw(rt, await cookie(rt, 'alice'));
  const first = await evaluate(rt, req, []);
  if (!first.allow) throw new Error(`the session is not allowed: ${first.reason}`);
  const out: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t = performance.now();
    for (let i = 0; i < CHECKS; i++) {
      const v = evaluate(rt, req, []);
      if (v instanceof Promise || !v.allow) throw new Error('not a cached synchronous allow');
    }
    out.push(((performance.now() - t) * 1000) / CHECKS);
  }
  rt.riskState?.board?.stop();
  return out.slice(1);
}

/**
 * The lookup alone, in ns per call: what the board's refuse() costs a session identity that was not
 * signed out, with `signedOut` others recorded (this tree only). Far below the Check's noise.
 */
async function lookup(signedOut: number): Promise<number[] | undefined> {
  const rt = await runtime();
  const board = (rt as { revocations?: { signOut(s: string, e: number, n: number): Promise<void>; refuse(w: unknown, n: number): unknown } }).revocations;
  if (board === undefined) return undefined;
  for (let i = 0; i < signedOut; i++) await board.signOut(`cred:other-${i}`, Date.now() + 3_600_000, Date.now());
  const v = await evaluate(rt, raw(rt, await cookie(rt, 'alice')), []);
  const who = v.identity!;
  const out: number[] = [];
  const n = CHECKS * 20;
  for (let r = 0; r < ROUNDS; r++) {
    const t = performance.now();
    let refused = 0;
    for (let i = 0; i < n; i++) if (board.refuse(who, 1_800_000_000_000) !== undefined) refused++;
    if (refused > 0) throw new Error('refused');
    out.push(((performance.now() - t) * 1e6) / n);
  }
  rt.riskState?.board?.stop();
  return out.slice(1);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const row = (name: string, xs: number[] | undefined, d: number) => console.log(xs ? `| ${name} | ${median(xs).toFixed(d)} | ${Math.min(...xs).toFixed(d)}–${Math.max(...xs).toFixed(d)} |` : `| ${name} | — | — |`);
console.log('| cached session Check through evaluate() | µs median | min–max |\n|---|--:|--:|');
for (const n of [0, 1000]) row(`${n} sign-outs`, await variant(n), 3);
console.log('\n| board.refuse() alone, session not signed out | ns median | min–max |\n|---|--:|--:|');
for (const n of [0, 1000]) row(`${n} sign-outs`, await lookup(n), 1);
process.exit(0);
