/**
 * Heap per kept spliced allow (perf41) against what EncodedAllowCache counts for it
 * (bytes.cookieAllows, in stepgate_token_cache_bytes): N distinct answers of one session allow
 * (its rules varied), each kept once, heap measured after a full GC before and after.
 *
 *   node --expose-gc --import tsx bench/spliced-heap.ts   (BENCH_ENTRIES=8000)
 */
import { Buffer } from 'node:buffer';
import type { Answer } from '../src/decision/respond.js';
import type { Verdict } from '../src/decision/verdict.js';
import { toCheckResponse } from '../src/server/grpc/check.js';
import { EncodedAllowCache } from '../src/server/grpc/encoded-allows.js';
import { authorizationService, responseSerializer } from '../src/server/grpc/protos.js';

const N = Number(process.env.BENCH_ENTRIES ?? 8000);
// BENCH_PLAIN=1: the same answers without the Cookie header (kept whole, in the plain LRU), for comparison.
const PLAIN = process.env.BENCH_PLAIN === '1';
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');
const serialize = responseSerializer(authorizationService());
const upstream = Object.freeze([
  ['x-stepgate-subject', 'f3b9c2e1-8d4a-4c6b-9e2f-000000000007'],
  ['x-stepgate-email', 'alice@example.internal'],
  ['x-stepgate-groups', 'platform,oncall'],
] as const);
const identity = { source: 'session', upstreamHeaders: upstream, levelName: 'aal1', subject: upstream[0][1] };
const verdict = { allow: true, tokenCached: true, identity, attributes: { spoofedIdentityHeaders: [] }, approval: undefined } as unknown as Verdict;
const answer = (i: number, cookie: string): Answer => ({
  allow: true,
  status: 200,
  grpcCode: 0,
  headers: PLAIN ? upstream : [...upstream, ['cookie', cookie]],
  removeHeaders: [],
  body: '',
  metadata: { decision: 'allow', reason: 'allowed', rules: `default,dashboards-${i}`, level: 'aal1', subject: upstream[0][1], token_cache: 'hit' },
});
const cookie = 'grafana_session=8a1f0c4e2b9d7e6f5a3c1b0d9e8f7a6b; grafana_session_expiry=1767225600';
// The spliced allows get a quarter of the bound.
const cache = new EncodedAllowCache(serialize, (N + 1) * 4);
// Warm: the code, the key memo, the LRU's own arrays (sized at construction).
cache.response(verdict, answer(-1, cookie), toCheckResponse);
gc();
gc();
const before = process.memoryUsage();
const held = () => (PLAIN ? cache.bytes.allows : cache.bytes.cookieAllows);
const counted0 = held();
for (let i = 0; i < N; i++) {
  // A slice of a longer string, as a decoded header's value is.
  const c = `${cookie}.${i}`.slice(0, cookie.length);
  cache.response(verdict, answer(i, c), toCheckResponse);
}
gc();
gc();
const after = process.memoryUsage();
const heap = after.heapUsed - before.heapUsed + (after.arrayBuffers - before.arrayBuffers);
const counted = held() - counted0;
const kept = PLAIN ? cache.size : cache.cookieSize;
if (kept !== N + 1) throw new Error(`kept ${kept}, expected ${N + 1}`);
console.log(`${N} ${PLAIN ? 'plain' : 'spliced'} allows kept: heap (JS + array buffers) ${(heap / N).toFixed(0)} B per entry, counted ${(counted / N).toFixed(0)} B per entry (counted/heap ${(counted / heap).toFixed(2)}); kept frame ${Buffer.byteLength(serialize(toCheckResponse(answer(0, cookie))))} B`);
