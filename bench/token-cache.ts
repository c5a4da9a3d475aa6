/**
 * Memory per cached token, and proof that RSS stops growing once the token cache is full.
 *
 * N distinct tokens (default 1,000,000) go through the real Check path in process, each twice: the
 * first Check verifies the signature (a token-cache miss), the second is a hit and, like every
 * later request of a real client, gets its encoded allow from the EncodedAllowCache. The token
 * cache is capped (default 100,000 entries), so after the first 10 % every new token evicts one.
 * Tokens are Keycloak-shaped (six groups, email, name, sid, acr/amr) and every one has a distinct
 * subject and session, the worst case for sharing. HS256, so signing and verifying a million tokens
 * takes a minute rather than the hour RS256 signing would; the cached entry is the same either way.
 *
 * The measurement runs in a child process started with `--expose-gc` and a V8 heap limit
 * (default 256 MiB, what the launcher derives for a 384 MiB container), so RSS reflects a bounded
 * heap the way it would in the Deployment. Printed: RSS and heap every 50,000 tokens, heap bytes
 * per cached token (heap after a full GC at the cap, minus the heap before any token, divided by
 * the entries), the same with the array buffers outside the heap, and the growth of the
 * `stepgate_token_cache_bytes` estimate (token caches and encoded answers) over the same tokens
 * next to it.
 *
 *   node --import tsx bench/token-cache.ts [tokens] [cap] [heap MiB]
 *   BENCH_JSON=path   also write the figures as JSON (bench/run.ts does)
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createHmac } from 'node:crypto';
import { parseConfig } from '../src/config/load.js';
import { check } from '../src/pipeline/check.js';
import { buildRuntime } from '../src/pipeline/runtime.js';
import { parseCheckRequest, toCheckResponse, type CheckRequestMessage } from '../src/server/grpc/check.js';
import { EncodedAllowCache } from '../src/server/grpc/encoded-allows.js';
import { authorizationService, responseSerializer } from '../src/server/grpc/protos.js';
import { claims, configYaml, SHAPES } from './fixtures.js';

const SECRET = 'bench-only-hmac-secret-of-at-least-32-bytes!';
const HMAC_ISSUER = 'https://bench.example.internal';
const SAMPLE_EVERY = 50_000;

export interface TokenCacheFigures {
  tokens: number;
  cap: number;
  heap_limit_mib: number;
  /** [tokens so far, RSS MiB, heap used MiB] */
  samples: [number, number, number][];
  /** Heap after a full GC at the cap, minus the heap before any token, over the entries: everything the caches hold. */
  heap_bytes_per_token: number;
  /** Heap growth from half the cap to the cap, over those entries: what one more entry costs once the bounded tables are full. */
  marginal_bytes_per_token: number;
  /** As heap_bytes_per_token, with the array buffers outside the heap (the encoded answers' bytes) added: what the gauge estimates. */
  memory_bytes_per_token: number;
  /** stepgate_token_cache_bytes (the verifier's caches and the encoded answers) at the cap minus before the first token, over the entries. */
  estimate_bytes_per_token: number;
  rss_at_cap_mib: number;
  rss_end_mib: number;
  rss_max_after_cap_mib: number;
  encoded_allow_entries: number;
  seconds: number;
  loadavg_start: number[];
  loadavg_end: number[];
}

async function child(tokens: number, cap: number): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  const yaml = configYaml('http://127.0.0.1:9/jwks', '127.0.0.1:0')
    .replace('issuers:\n', `issuers:\n  - issuer: ${HMAC_ISSUER}\n    audiences: [kubernetes]\n    algorithms: [HS256]\n    hmac_secret_env: BENCH_SECRET\n`)
    .replace('policy:\n', `token_cache:\n  max_entries: ${cap}\n  max_ttl_seconds: 3600\npolicy:\n`);
  const rt = buildRuntime(parseConfig(yaml, 'bench.yaml'), {
    fetch: () => Promise.reject(new Error('offline')),
    now: Date.now,
    env: { BENCH_SECRET: SECRET },
  });
  const encodedAllows = new EncodedAllowCache(responseSerializer(authorizationService()));
  // Signed with node:crypto directly (a compact HS256 JWS): jose's async signing would take longer than the rest.
  const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
  const sign = (payload: object) => {
    const input = `${header}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
    return `${input}.${createHmac('sha256', SECRET).update(input).digest('base64url')}`;
  };
  const shape = SHAPES[0]!;
  const mib = (b: number) => Math.round((b / 1048576) * 10) / 10;
  const sample = (n: number): [number, number, number] => {
    const m = process.memoryUsage();
    return [n, mib(m.rss), mib(m.heapUsed)];
  };
  gc();
  const heap0 = process.memoryUsage().heapUsed;
  const memory = () => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  const gauge = () => rt.verifier.cacheBytes + encodedAllows.heldBytes;
  const memory0 = memory();
  const estimate0 = gauge();
  const samples: [number, number, number][] = [sample(0)];
  const started = performance.now();
  const la0 = loadavg();
  let heapAtCap = 0;
  let heapAtHalf = 0;
  let estimateAtCap = 0;
  let memoryAtCap = 0;
  let rssAtCap = 0;
  for (let i = 0; i < tokens; i++) {
    const c = claims('aal1', 'kubernetes', i);
    c.iss = HMAC_ISSUER;
    const token = sign(c);
    const msg = shape.request(token, i) as CheckRequestMessage;
    for (let k = 0; k < 2; k++) {
      const r = await check(rt, parseCheckRequest(msg, rt.headerLimits, rt.maxBodyBytes));
      if (!r.verdict.allow) throw new Error(`token ${i}: expected an allow, got ${r.verdict.reason}`);
      if (r.verdict.tokenCached !== (k === 1)) throw new Error(`token ${i}: cache ${k === 1 ? 'miss' : 'hit'} where none was expected`);
      encodedAllows.response(r.verdict, r.answer, toCheckResponse);
    }
    if (i + 1 === Math.floor(cap / 2)) {
      gc();
      heapAtHalf = process.memoryUsage().heapUsed;
    }
    if (i + 1 === cap) {
      gc();
      heapAtCap = process.memoryUsage().heapUsed;
      estimateAtCap = gauge();
      memoryAtCap = memory();
      rssAtCap = mib(process.memoryUsage().rss);
    }
    if ((i + 1) % SAMPLE_EVERY === 0) {
      samples.push(sample(i + 1));
      process.stderr.write(`  ${samples.at(-1)!.join(' ')}\n`);
    }
  }
  const after = samples.filter(([n]) => n >= cap).map(([, rss]) => rss);
  const figures: TokenCacheFigures = {
    tokens,
    cap,
    heap_limit_mib: 0,
    samples,
    heap_bytes_per_token: Math.round((heapAtCap - heap0) / Math.min(cap, tokens)),
    marginal_bytes_per_token: Math.round((heapAtCap - heapAtHalf) / (cap - Math.floor(cap / 2))),
    memory_bytes_per_token: Math.round((memoryAtCap - memory0) / Math.min(cap, tokens)),
    estimate_bytes_per_token: Math.round((estimateAtCap - estimate0) / Math.min(cap, tokens)),
    rss_at_cap_mib: rssAtCap,
    rss_end_mib: samples.at(-1)![1],
    rss_max_after_cap_mib: after.length ? Math.max(...after) : 0,
    encoded_allow_entries: encodedAllows.size,
    seconds: Math.round((performance.now() - started) / 1000),
    loadavg_start: la0,
    loadavg_end: loadavg(),
  };
  process.stdout.write(JSON.stringify(figures));
}

/** Runs the child with a V8 heap limit and returns its figures. */
export async function measureTokenCache(tokens: number, cap: number, heapMiB: number): Promise<TokenCacheFigures> {
  const self = fileURLToPath(import.meta.url);
  const proc = spawn(process.execPath, ['--expose-gc', `--max-old-space-size=${heapMiB}`, '--import', 'tsx', self, '--child', String(tokens), String(cap)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((r) => proc.on('exit', r));
  if (code !== 0) throw new Error(`token-cache child exited with ${code}`);
  return { ...(JSON.parse(out) as TokenCacheFigures), heap_limit_mib: heapMiB };
}

export function tokenCacheTable(f: TokenCacheFigures): string {
  const la = (l: number[]) => l.map((x) => x.toFixed(1)).join(' ');
  return [
    `${f.tokens.toLocaleString('en')} distinct tokens, cache capped at ${f.cap.toLocaleString('en')}, V8 heap limit ${f.heap_limit_mib} MiB, ${f.seconds} s, load average ${la(f.loadavg_start)} → ${la(f.loadavg_end)}`,
    '',
    '| figure | value |',
    '|---|--:|',
    `| heap bytes per cached token, all caches and tables included (heap after GC at the cap − before the first token) / cap | **${f.heap_bytes_per_token}** |`,
    `| heap bytes per additional token (growth from cap/2 to cap, after GC) | **${f.marginal_bytes_per_token}** |`,
    `| the same with the array buffers outside the heap (encoded answers' bytes) | ${f.memory_bytes_per_token} |`,
    `| stepgate_token_cache_bytes per entry (the gauge's growth from the first token to the cap / cap: compare with the row above) | ${f.estimate_bytes_per_token} |`,
    `| RSS at the cap | ${f.rss_at_cap_mib} MiB |`,
    `| highest RSS sample after the cap | ${f.rss_max_after_cap_mib} MiB |`,
    `| RSS at the end | ${f.rss_end_mib} MiB |`,
    `| encoded allows held at the end | ${f.encoded_allow_entries} |`,
    '',
    `RSS (MiB) by tokens so far: ${f.samples.map(([n, rss]) => `${n / 1000}k ${rss}`).join(', ')}`,
  ].join('\n');
}

const isMain = process.argv[1] === fileURLToPath(import.meta.url);
if (isMain && process.argv[2] === '--child') {
  await child(Number(process.argv[3]), Number(process.argv[4]));
} else if (isMain) {
  const tokens = Number(process.argv[2] ?? 1_000_000);
  const cap = Number(process.argv[3] ?? 100_000);
  const heap = Number(process.argv[4] ?? 256);
  const f = await measureTokenCache(tokens, cap, heap);
  console.log(tokenCacheTable(f));
  if (process.env.BENCH_JSON) writeFileSync(process.env.BENCH_JSON, JSON.stringify(f, null, 2));
}
