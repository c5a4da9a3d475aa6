/**
 * CPU per Check span, apart from the Check: start (parent extraction from a `traceparent`, ids,
 * sampler), the Check's attributes, end (encoding and queueing) and export into a discarding
 * exporter, for the span recorder (src/telemetry/check-spans.ts) and for the SDK's spans
 * (BatchSpanProcessor + the OTLP serializer), alternating in rounds.
 *
 *   node --import tsx bench/span-cost.ts      (BENCH_ROUNDS, BENCH_SPANS)
 */
import { loadavg } from 'node:os';
import { SpanKind, type Attributes, type Span } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, ParentBasedSampler, AlwaysOnSampler, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { CheckSpan, CheckSpans, SpanRecorder } from '../src/telemetry/check-spans.js';
import { FAST_TRACE_SERIALIZER } from '../src/telemetry/otlp-spans.js';
import { extractParent } from '../src/telemetry/tracing.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
const SPANS = Number(process.env.BENCH_SPANS ?? 20_000);
const BATCH = 2048;
const resource = resourceFromAttributes({ 'service.name': 'stepgate', 'service.version': '0.0.0' });
let bytes = 0;

const recorder = new SpanRecorder(resource, { name: 'stepgate', version: '0.0.0', schemaUrl: undefined }, { maxQueueSize: 65536, maxExportBatchSize: BATCH, scheduledDelayMillis: 500, exportTimeoutMillis: 30000 }, {
  export: (batch, done) => {
    bytes += FAST_TRACE_SERIALIZER.serializeRequest([])!.length; // the framing's cost is per batch; the body is counted below
    bytes += batch.encoded.body.length;
    done({ code: ExportResultCode.SUCCESS });
  },
  shutdown: async () => undefined,
});
const spans = new CheckSpans(new ParentBasedSampler({ root: new AlwaysOnSampler() }), recorder);
const provider = new BasicTracerProvider({
  resource,
  spanProcessors: [
    new BatchSpanProcessor(
      {
        export: (s: ReadableSpan[], done) => {
          bytes += FAST_TRACE_SERIALIZER.serializeRequest(s)!.length;
          done({ code: ExportResultCode.SUCCESS });
        },
        shutdown: async () => undefined,
      },
      { maxQueueSize: 65536, maxExportBatchSize: BATCH, scheduledDelayMillis: 500 },
    ),
  ],
});
const tracer = provider.getTracer('stepgate', '0.0.0');

const headers = new Map([
  [':path', '/api/v1/namespaces/dev/pods'],
  ['traceparent', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'],
]);
const parentCtx = extractParent(headers);
const attrs = (i: number): Attributes => ({
  'stepgate.decision': 'allow',
  'stepgate.reason': 'ok',
  'stepgate.response.status': 200,
  'stepgate.token_cache.hit': true,
  'stepgate.rules': 'dev-read',
  'stepgate.level.required': 'aal1',
  'stepgate.level.presented': 'aal2',
  'stepgate.issuer': 'https://issuer.example.com',
  'stepgate.subject': `user-${i % 50}`,
  'stepgate.auth_age': 100 + (i % 300),
  'stepgate.request.path': '/api/v1/namespaces/dev/pods',
  'stepgate.k8s.verb': 'list',
  'stepgate.k8s.resource': 'pods',
  'stepgate.k8s.namespace': 'dev',
});

const variants: Record<string, (i: number) => void> = {
  recorder: (i) => {
    const span = spans.start('stepgate.check', SpanKind.SERVER, performance.now(), extractParent(headers));
    (span as CheckSpan).adoptAttributes(attrs(i));
    span.end();
  },
  sdk: (i) => {
    const span: Span = tracer.startSpan('stepgate.check', { kind: SpanKind.SERVER, startTime: performance.now() }, extractParent(headers));
    span.setAttributes(attrs(i));
    span.end();
  },
  'extraction only': () => {
    if (extractParent(headers) === undefined) throw new Error('unreachable');
  },
  'start only': () => {
    if (!spans.start('stepgate.check', SpanKind.SERVER, performance.now(), parentCtx).isRecording()) throw new Error('unreachable');
  },
  'start+end, no attrs': () => {
    spans.start('stepgate.check', SpanKind.SERVER, performance.now(), parentCtx).end();
  },
  'attributes only': (i) => {
    if (attrs(i)['stepgate.decision'] === undefined) throw new Error('unreachable');
  },
};

const names = Object.keys(variants);
const cpu: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const name of round % 2 === 0 ? names : [...names].reverse()) {
    const fn = variants[name]!;
    const before = process.cpuUsage();
    for (let done = 0; done < SPANS; done += 500) {
      for (let i = done; i < Math.min(SPANS, done + 500); i++) fn(i);
      await new Promise((r) => setImmediate(r));
    }
    await recorder.forceFlush();
    await provider.forceFlush();
    const used = process.cpuUsage(before);
    if (round > 0) cpu[name]!.push((used.user + used.system) / SPANS);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}; ${ROUNDS - 1} counted rounds of ${SPANS} spans; ${bytes} bytes exported`);
for (const n of names) console.log(`${n.padEnd(16)} ${median(cpu[n]!).toFixed(2)} µs/span (${Math.min(...cpu[n]!).toFixed(2)}–${Math.max(...cpu[n]!).toFixed(2)})`);
