/**
 * CPU to encode one finished Check span into a batch (otlp-spans.ts writeSpan), apart from
 * everything else: a kubectl-like Check span as endCheck leaves it (the decision's block; the
 * identity, auth age, path and Kubernetes fields written from the Check's outcome; 15
 * attributes), written again and again into one buffer. The span recorder does this for every
 * sampled Check; bench/hotpath.ts measures it only inside the whole Check, where its changes are
 * below the noise of a loaded machine. Run it in two trees, alternating processes, to compare.
 *
 *   node --import tsx bench/span-write.ts     (BENCH_ROUNDS=7, BENCH_SPANS=200000; BENCH_HEX_IDS=1: ids read from hex)
 */
import { Buffer } from 'node:buffer';
import { loadavg } from 'node:os';
import { SpanKind } from '@opentelemetry/api';
import type { Verdict } from '../src/decision/verdict.js';
import type { Requirement } from '../src/policy/policy.js';
import type { Runtime } from '../src/pipeline/runtime.js';
import { CheckSpan } from '../src/telemetry/check-spans.js';
import { OWN_SPAN_ID, Writer, writeSpan } from '../src/telemetry/otlp-spans.js';
import { decisionBlock, extractParent, REQUEST_ATTRIBUTES, type CheckOutcome } from '../src/telemetry/tracing.js';
// Fixtures shaped as the pipeline's values (only the fields the span attributes read).
const req = { rules: ['dev-read'], level: 0, deny: false, maxAge: undefined } as unknown as Requirement;
const rt = { assurance: { names: ['aal1', 'aal2'] }, now: () => Date.now() } as unknown as Runtime;
const who = { levelName: 'aal2', issuer: 'https://issuer.example.com', subject: 'alice@example.com', authTime: Math.floor(Date.now() / 1000) - 100 };
const c: CheckOutcome = { rt, verdict: { allow: true, reason: 'allowed', requirement: req, identity: who, tokenCached: true, attributes: { path: '/api/v1/namespaces/dev/pods', kube: { verb: 'list', isResourceRequest: true, apiGroup: '', resource: 'pods', namespace: 'dev' } } } as unknown as Verdict, status: 200, clientKind: undefined, subjectMode: 'clear' };
decisionBlock(c); const block = decisionBlock(c)!;
const parent = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1, isRemote: true };
// As a served Check leaves them: the traceparent's ids and the span's own id kept as bytes (otlp-spans.ts
// KnownId), so the span's head is written as the recorder writes it (BENCH_HEX_IDS=1: read from hex instead).
if (process.env.BENCH_HEX_IDS !== '1') {
  extractParent(new Map([['traceparent', `00-${parent.traceId}-${parent.spanId}-01`]]));
  OWN_SPAN_ID.bytes.set(Buffer.from('00f067aa0ba902b7', 'hex'));
  OWN_SPAN_ID.text = '00f067aa0ba902b7';
}
const span = new CheckSpan(undefined, 'stepgate.check', SpanKind.SERVER, { traceId: parent.traceId, spanId: '00f067aa0ba902b7', traceFlags: 1 }, parent, performance.now());
span.adoptSource(block, REQUEST_ATTRIBUTES, c);
span.end();
const w = new Writer(1 << 20);
const N = Number(process.env.BENCH_SPANS ?? 200_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const ns: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  const t = process.cpuUsage();
  for (let i = 0; i < N; i++) {
    if (w.pos > (1 << 20) - 2048) w.pos = 0;
    writeSpan(w, span);
  }
  const u = process.cpuUsage(t);
  // The first round warms the JIT up.
  if (r > 0) ns.push(((u.user + u.system) / N) * 1000);
}
ns.sort((a, b) => a - b);
const bytes = (() => {
  const one = new Writer(4096);
  writeSpan(one, span);
  return one.pos;
})();
console.log(`writeSpan: ${ns[ns.length >> 1]!.toFixed(0)} ns per span, median of ${ns.length} rounds (${ns[0]!.toFixed(0)}–${ns[ns.length - 1]!.toFixed(0)}); ${bytes} bytes per span; load average ${loadavg()[0]!.toFixed(1)}`);
