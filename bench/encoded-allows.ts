/**
 * In-process cost of answering a guardrail-inspected allow for a cached token: the whole Check
 * after parsing (check(): guardrails, policy, verdict, answer) and then the CheckResponse bytes,
 * (1) from the EncodedAllowCache, (2) encoded with protobufjs every time, which is what every such
 * allow cost while the cache was keyed on the requirement object (a new one per request, so it
 * never hit). CPU time per request (process.cpuUsage), so that other load on the machine counts
 * less than it does in req/s; the two variants alternate in rounds.
 *
 *   node --import tsx bench/encoded-allows.ts        (BENCH_ROUNDS, BENCH_ITERATIONS to change)
 */
import { SignJWT } from 'jose';
import { loadavg } from 'node:os';
import { parseConfig } from '../src/config/load.js';
import { check, type Checked } from '../src/pipeline/check.js';
import { buildRuntime } from '../src/pipeline/runtime.js';
import { parseCheckRequest, toCheckResponse, type CheckRequestMessage } from '../src/server/grpc/check.js';
import { EncodedAllowCache } from '../src/server/grpc/encoded-allows.js';
import { authorizationService, responseSerializer } from '../src/server/grpc/protos.js';
import { GUARDRAIL_SHAPES, GUARDRAILS_YAML, configYaml } from './fixtures.js';
import { median } from './stats.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 6);
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 20_000);
const SECRET = 'bench-only-hmac-secret-of-at-least-32-bytes!';
const ISSUER = 'https://bench.example.internal';

async function main(): Promise<void> {
  // The bench policy with guardrails, and an HMAC issuer so that nothing is fetched.
  const yaml = configYaml('http://127.0.0.1:9/jwks', '127.0.0.1:0', undefined, GUARDRAILS_YAML).replace(
    'issuers:\n',
    `issuers:\n  - issuer: ${ISSUER}\n    audiences: [kubernetes]\n    algorithms: [HS256]\n    hmac_secret_env: BENCH_SECRET\n`,
  );
  const rt = buildRuntime(parseConfig(yaml, 'bench.yaml'), {
    fetch: () => Promise.reject(new Error('offline')),
    now: Date.now,
    env: { BENCH_SECRET: SECRET },
  });
  const sec = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({ sub: 'maria', acr: 'urn:stepgate:aal2', amr: ['pwd', 'otp', 'mfa'], auth_time: sec - 20, groups: ['engineering', 'platform-team'], email: 'maria@example.com' })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(ISSUER)
    .setAudience('kubernetes')
    .setExpirationTime(sec + 3600)
    .sign(new TextEncoder().encode(SECRET));
  const shape = GUARDRAIL_SHAPES[0]!;
  const msg = shape.request(token, 1) as CheckRequestMessage;
  const serialize = responseSerializer(authorizationService());
  const once = (): Checked => {
    const c = check(rt, parseCheckRequest(msg, rt.headerLimits, rt.maxBodyBytes));
    if (c instanceof Promise) throw new Error('expected a synchronous check for a cached token');
    return c;
  };
  // First sight verifies the token (asynchronously); from then on it is cached.
  await check(rt, parseCheckRequest(msg, rt.headerLimits, rt.maxBodyBytes));
  const probe = once();
  if (!probe.verdict.allow || !probe.verdict.requirement!.rules.some((r) => r.startsWith('guardrail:'))) {
    throw new Error(`expected a guardrail-flagged allow, got ${probe.verdict.reason} ${probe.verdict.requirement?.rules.join(',')}`);
  }
  const cache = new EncodedAllowCache(serialize);
  const variants: Record<string, (c: Checked) => unknown> = {
    'encoded-allow cache (keyed on the answer)': (c) => cache.response(c.verdict, c.answer, toCheckResponse),
    'encode every time (the old cache never hit)': (c) => serialize(toCheckResponse(c.answer)),
  };
  const cpu: Record<string, number[]> = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  let sink = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const names = Object.keys(variants);
    for (const name of round % 2 === 0 ? names : names.reverse()) {
      const send = variants[name]!;
      const before = process.cpuUsage();
      for (let i = 0; i < ITERATIONS; i++) {
        const sent = send(once());
        sink += Buffer.isBuffer(sent) ? sent.length : 1;
      }
      const used = process.cpuUsage(before);
      // The first round warms the JIT and is not counted.
      if (round > 0) cpu[name]!.push((used.user + used.system) / ITERATIONS);
    }
  }
  console.log(`load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}; ${ROUNDS - 1} counted rounds of ${ITERATIONS} checks (${shape.name})`);
  console.log('| answer bytes | CPU µs per check (median of rounds) | all rounds |');
  console.log('|---|--:|---|');
  for (const [name, xs] of Object.entries(cpu)) console.log(`| ${name} | ${median(xs).toFixed(1)} | ${xs.map((x) => x.toFixed(1)).join(', ')} |`);
  console.log(`cache lookups: ${JSON.stringify(cache.lookups)} (sink ${sink})`);
}

await main();
