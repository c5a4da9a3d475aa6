import * as grpc from '@grpc/grpc-js';
import { ROOT_CONTEXT, SpanKind, trace, TraceFlags, type TextMapGetter } from '@opentelemetry/api';
import { CompositePropagator, ExportResultCode, TraceState, W3CTraceContextPropagator, type ExportResult } from '@opentelemetry/core';
import { B3Propagator } from '@opentelemetry/propagator-b3';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AlwaysOffSampler, AlwaysOnSampler, ParentBasedSampler, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-base';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { batchSettingsFromEnv, CheckSpan, CheckSpans, samplerFromEnv, SpanRecorder, spanLimitsFromEnv, type SpanBatch } from '../../src/telemetry/check-spans.js';
import { OWN_SPAN_ID, serializeEncoded } from '../../src/telemetry/otlp-spans.js';
import { checkSpanRecorder, extractParent } from '../../src/telemetry/tracing.js';

const REFERENCE = new CompositePropagator({ propagators: [new B3Propagator(), new W3CTraceContextPropagator()] });
const MAP_GETTER: TextMapGetter<ReadonlyMap<string, string>> = { get: (c, k) => c.get(k), keys: (c) => [...c.keys()] };

describe('extractParent', () => {
  // Lower-case hex (the fast path), with runs of zeros; upper case and other bytes below.
  const hex = (n: number) => fc.string({ minLength: n, maxLength: n, unit: fc.constantFrom(...'0123456789abcdef'.split(''), '0', '0', '0') });
  const traceparent = fc.oneof(
    { weight: 4, arbitrary: fc.tuple(hex(32), hex(16), hex(2)).map(([t, s, f]) => `00-${t}-${s}-${f}`) },
    fc.tuple(fc.constantFrom('00', '01', 'ff', '0g'), hex(32), hex(16), hex(2)).map(([v, t, s, f]) => `${v}-${t}-${s}-${f}`),
    fc.tuple(hex(32), hex(16), fc.integer({ min: 3, max: 53 })).map(([t, s, at]) => {
      const tp = `00-${t}-${s}-01`;
      return tp.slice(0, at) + tp[at]!.toUpperCase().replace(/[0-9-]/, 'G') + tp.slice(at + 1);
    }),
    fc.tuple(hex(32), hex(16)).map(([t, s]) => ` 00-${t}-${s}-01`),
    fc.tuple(hex(32), hex(16)).map(([t, s]) => `00-${t}-${s}-01-extra`),
    fc.constant(`00-${'0'.repeat(32)}-00f067aa0ba902b7-01`),
    fc.constant(`00-4bf92f3577b34da6a3ce929d0e0e4736-${'0'.repeat(16)}-01`),
    fc.string({ maxLength: 60 }),
    // A code of 128 or more whose low seven bits are a lower-case hex digit's (U+00B0, U+0130, U+FF61: '0', '0', 'a').
    fc.tuple(hex(32), hex(16), fc.integer({ min: 3, max: 51 }), fc.constantFrom(0x80, 0x100, 0xff00), fc.constantFrom(...'0123456789abcdef'.split(''))).map(([t, s, at, plane, d]) => {
      const tp = `00-${t}-${s}-01`;
      return tp[at] === '-' ? tp : tp.slice(0, at) + String.fromCharCode(plane + d.charCodeAt(0)) + tp.slice(at + 1);
    }),
  );
  const headers = fc.record(
    {
      traceparent,
      tracestate: fc.constantFrom('vendor=a,other=b', 'bad', ''),
      b3: fc.constantFrom('80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1', '80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-0', 'garbage'),
      'x-b3-traceid': fc.constantFrom('80f198ee56343ba864fe8b2a57d3eff7'),
      'x-b3-spanid': fc.constantFrom('e457b5a2e4d86bd1'),
      'x-b3-sampled': fc.constantFrom('1', '0'),
    },
    { requiredKeys: [] },
  );

  it('gives the span context the composite B3 + W3C propagator gives, for any headers (its fast path included)', () => {
    fc.assert(
      fc.property(headers, (h) => {
        const carrier = new Map(Object.entries(h));
        const expected = trace.getSpanContext(REFERENCE.extract(ROOT_CONTEXT, carrier, MAP_GETTER));
        const got = trace.getSpanContext(extractParent(carrier));
        expect(got && { ...got, traceState: got.traceState?.serialize() }).toEqual(expected && { ...expected, traceState: expected.traceState?.serialize() });
      }),
      { numRuns: 2000 },
    );
  });

  /**
   * The W3C Trace Context rules (Level 1, §3.2 and §4.3 on versions), written out here on their
   * own rather than taken from a propagator: version two lower-case hex digits and never `ff`;
   * version 00 exactly the 55 characters; a later version at least those 55, followed by `-` when
   * longer (its extra fields are ignored); trace and parent ids lower-case hex and not all zeros.
   */
  function w3c(tp: string): { traceId: string; spanId: string; traceFlags: number; isRemote: true } | undefined {
    const lowerHex = (x: string) => /^[0-9a-f]*$/.test(x);
    const version = tp.slice(0, 2);
    if (version.length < 2 || !lowerHex(version) || version === 'ff') return undefined;
    if (version === '00' ? tp.length !== 55 : tp.length < 55 || (tp.length > 55 && tp[55] !== '-')) return undefined;
    if (tp[2] !== '-' || tp[35] !== '-' || tp[52] !== '-') return undefined;
    const [traceId, spanId, flags] = [tp.slice(3, 35), tp.slice(36, 52), tp.slice(53, 55)];
    if (![traceId, spanId, flags].every(lowerHex) || /^0+$/.test(traceId) || /^0+$/.test(spanId)) return undefined;
    return { traceId, spanId, traceFlags: parseInt(flags, 16), isRemote: true };
  }

  it('takes a traceparent as the W3C rules say, whichever path reads it (the fast one for version 00)', () => {
    const field = (n: number) => fc.string({ minLength: n, maxLength: n, unit: fc.constantFrom(...'0123456789abcdef'.split(''), '0', '0', '0') });
    // At most one character of the first 55 replaced: upper case, not hex, or beyond ASCII with a digit's low seven bits.
    const stray = fc.option(fc.tuple(fc.integer({ min: 0, max: 54 }), fc.constantFrom('A', 'F', 'g', '-', ' ', '\u00b0', '\u0161', '\uff30')), { freq: 2 });
    const tp = fc
      .tuple(
        fc.oneof({ weight: 4, arbitrary: fc.constant('00') }, fc.constantFrom('01', 'cc', 'fe', 'ff', 'FF', '0A'), field(2)),
        fc.oneof({ weight: 3, arbitrary: field(32) }, fc.constant('0'.repeat(32))),
        fc.oneof({ weight: 3, arbitrary: field(16) }, fc.constant('0'.repeat(16))),
        field(2),
        fc.constantFrom('', '', '-', '-what-the-future-says', 'x', '-01'),
        stray,
      )
      .map(([v, t, s, f, rest, swap]) => {
        const value = `${v}-${t}-${s}-${f}${rest}`;
        return swap === null ? value : value.slice(0, swap[0]) + swap[1] + value.slice(swap[0] + 1);
      });
    fc.assert(
      fc.property(tp, (value) => {
        expect(trace.getSpanContext(extractParent(new Map([['traceparent', value]])))).toEqual(w3c(value));
        expect(trace.getSpanContext(extractParent(undefined, { get: (k: string) => (k === 'traceparent' ? [value] : []) }))).toEqual(w3c(value));
      }),
      { numRuns: 3000 },
    );
    // The rules' own examples: a later version with more fields is read; version ff, upper case, zeros and 00 with more are not.
    expect(w3c('cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-the-future-will-be-like')?.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    for (const bad of ['ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01', `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`, '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x'])
      expect(trace.getSpanContext(extractParent(new Map([['traceparent', bad]])))).toBeUndefined();
  });

  it('prefers the gRPC call metadata, and takes its traceparent on the fast path', () => {
    const md = (entries: Record<string, string>) => ({ get: (k: string) => (k in entries ? [entries[k]] : []) });
    const headers = new Map([['traceparent', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01']]);
    const fromCall = trace.getSpanContext(extractParent(headers, md({ traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', tracestate: 'a=1' })));
    expect(fromCall).toMatchObject({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1, isRemote: true });
    expect(fromCall?.traceState?.serialize()).toBe('a=1');
    expect(trace.getSpanContext(extractParent(headers, md({})))?.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(trace.getSpanContext(extractParent(headers, md({ b3: '80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1' })))?.traceId).toBe('80f198ee56343ba864fe8b2a57d3eff7');
  });

  it("reads grpc-js' own Metadata directly (its internal map by lower-case key is still there) with the same result", () => {
    // tracing.ts reads `internalRepr` to avoid get()'s garbage; if grpc-js renamed it, get() would still work, but slower.
    expect((new grpc.Metadata() as unknown as { internalRepr: unknown }).internalRepr).toBeInstanceOf(Map);
    const headers = new Map([['traceparent', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01']]);
    const real = (entries: Record<string, string>) => {
      const m = new grpc.Metadata();
      for (const [k, v] of Object.entries(entries)) m.set(k, v);
      return m;
    };
    for (const entries of <Record<string, string>[]>[{}, { 'user-agent': 'envoy' }, { Traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', tracestate: 'a=1' }, { B3: '80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1' }, { 'x-b3-traceid': '80f198ee56343ba864fe8b2a57d3eff7', 'x-b3-spanid': 'e457b5a2e4d86bd1', 'x-b3-sampled': '0' }]) {
      const lower = Object.fromEntries(Object.entries(entries).map(([k, v]) => [k.toLowerCase(), v]));
      const structural = { get: (k: string) => (k in lower ? [lower[k]] : []) };
      const a = trace.getSpanContext(extractParent(headers, real(entries)));
      const b = trace.getSpanContext(extractParent(headers, structural));
      expect(a && { ...a, traceState: a.traceState?.serialize() }).toEqual(b && { ...b, traceState: b.traceState?.serialize() });
    }
    expect(trace.getSpanContext(extractParent(headers, real({ b3: '80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1' })))?.traceId).toBe('80f198ee56343ba864fe8b2a57d3eff7');
  });
});

describe('samplerFromEnv', () => {
  it.each([
    [{}, 'ParentBased{root=AlwaysOnSampler'],
    [{ OTEL_TRACES_SAMPLER: 'parentbased_always_on' }, 'ParentBased{root=AlwaysOnSampler'],
    [{ OTEL_TRACES_SAMPLER: 'always_on' }, 'AlwaysOnSampler'],
    [{ OTEL_TRACES_SAMPLER: 'always_off' }, 'AlwaysOffSampler'],
    [{ OTEL_TRACES_SAMPLER: 'parentbased_always_off' }, 'ParentBased{root=AlwaysOffSampler'],
    [{ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' }, 'TraceIdRatioBased{0.25}'],
    [{ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' }, 'ParentBased{root=TraceIdRatioBased{0.1}'],
    [{ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '7' }, 'TraceIdRatioBased{1}'],
    [{ OTEL_TRACES_SAMPLER: 'nonsense' }, 'ParentBased{root=AlwaysOnSampler'],
  ] as [NodeJS.ProcessEnv, string][])('%j → %s', (env, described) => {
    expect(samplerFromEnv(env).toString()).toContain(described);
  });

  it('decides as the SDK sampler of that name does, parent flags included', () => {
    const sampled = trace.setSpanContext(ROOT_CONTEXT, { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED, isRemote: true });
    const unsampled = trace.setSpanContext(ROOT_CONTEXT, { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.NONE, isRemote: true });
    const pairs = [
      [samplerFromEnv({}), new ParentBasedSampler({ root: new AlwaysOnSampler() })],
      [samplerFromEnv({ OTEL_TRACES_SAMPLER: 'always_off' }), new AlwaysOffSampler()],
      [samplerFromEnv({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.5' }), new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(0.5) })],
    ] as const;
    for (const [ours, sdk] of pairs) {
      for (const ctx of [ROOT_CONTEXT, sampled, unsampled]) {
        for (const id of ['4bf92f3577b34da6a3ce929d0e0e4736', 'ffffffffffffffffffffffffffffffff', '00000000000000000000000000000001']) {
          expect(ours.shouldSample(ctx, id, 'stepgate.check', SpanKind.SERVER, {}, []).decision).toBe(sdk.shouldSample(ctx, id, 'stepgate.check', SpanKind.SERVER, {}, []).decision);
        }
      }
    }
  });
});

describe('EnvSampler.decide (the Check span, without a context)', () => {
  const NAMES = ['', 'always_on', 'always_off', 'parentbased_always_on', 'parentbased_always_off', 'traceidratio', 'parentbased_traceidratio', 'nonsense'];
  const hexId = (n: number) => fc.string({ minLength: n, maxLength: n, unit: fc.constantFrom(...'0123456789abcdef'.split(''), '0', '0') });
  const parent = fc.option(
    fc.record({ traceId: hexId(32), spanId: hexId(16), traceFlags: fc.integer({ min: 0, max: 255 }), isRemote: fc.boolean() }),
    { nil: undefined },
  );

  it('decides as shouldSample does with the parent in a context, for every sampler OTEL_TRACES_SAMPLER names, any parent and trace id', () => {
    fc.assert(
      fc.property(fc.constantFrom(...NAMES), fc.constantFrom('0', '0.25', '0.5', '1', ''), parent, hexId(32), (name, arg, p, traceId) => {
        const sampler = samplerFromEnv({ OTEL_TRACES_SAMPLER: name, OTEL_TRACES_SAMPLER_ARG: arg });
        const valid = p !== undefined && trace.isSpanContextValid(p);
        const ctx = p === undefined ? ROOT_CONTEXT : trace.setSpanContext(ROOT_CONTEXT, p);
        // As CheckSpans passes it: the parent only when it is valid, and then its trace id.
        const id = valid ? p.traceId : traceId;
        expect(sampler.decide(valid ? p : undefined, id)).toBe(sampler.shouldSample(ctx, id, 'stepgate.check', SpanKind.SERVER, {}, []).decision);
      }),
      { numRuns: 3000 },
    );
  });

  it("draws ids as lower-case hex of the pool's bytes, the span id's bytes kept for its serialisation, across the pool's refills", () => {
    const recorder = new SpanRecorder(resourceFromAttributes({}), { name: 'stepgate', version: '1', schemaUrl: undefined }, { maxQueueSize: 10, maxExportBatchSize: 10, scheduledDelayMillis: 60_000, exportTimeoutMillis: 60_000 }, {
      export: (_b, done) => done({ code: ExportResultCode.SUCCESS }),
      shutdown: () => Promise.resolve(),
    });
    const spans = new CheckSpans(new AlwaysOnSampler(), recorder);
    const parent = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED, isRemote: true };
    const seen = new Set<string>();
    // 24 bytes per root span and 8 per child of a remote parent: the 8 KB pool is refilled many times.
    for (let i = 0; i < 3000; i++) {
      const span = i % 3 === 0 ? spans.startRemote('stepgate.check', SpanKind.SERVER, 1000, parent) : spans.start('stepgate.check', SpanKind.SERVER, 1000, ROOT_CONTEXT);
      const sc = span.spanContext();
      expect(sc.spanId).toMatch(/^[0-9a-f]{16}$/);
      expect(sc.traceId).toMatch(i % 3 === 0 ? /^4bf92f3577b34da6a3ce929d0e0e4736$/ : /^[0-9a-f]{32}$/);
      expect(sc.spanId).not.toBe('0'.repeat(16));
      expect(OWN_SPAN_ID.text).toBe(sc.spanId);
      expect(Buffer.from(OWN_SPAN_ID.bytes).toString('hex')).toBe(sc.spanId);
      seen.add(sc.spanId);
      seen.add(sc.traceId);
    }
    expect(seen.size).toBe(3000 + 2000 + 1);
    void recorder.shutdown();
  });

  it('gives the span start gives with the same parent in a context: ids, flags, trace state, parent, what is recorded', () => {
    const parents = [
      { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED, isRemote: true },
      { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.NONE, isRemote: true, traceState: new TraceState('vendor=a,other=b') },
    ];
    for (const name of NAMES) {
      const sampler = samplerFromEnv({ OTEL_TRACES_SAMPLER: name, OTEL_TRACES_SAMPLER_ARG: '0.5' });
      const recorder = new SpanRecorder(resourceFromAttributes({}), { name: 'stepgate', version: '1', schemaUrl: undefined }, { maxQueueSize: 100, maxExportBatchSize: 100, scheduledDelayMillis: 60_000, exportTimeoutMillis: 60_000 }, {
        export: (_b, done) => done({ code: ExportResultCode.SUCCESS }),
        shutdown: () => Promise.resolve(),
      });
      const direct = new CheckSpans(sampler, recorder);
      // The same sampler behind the SDK's interface only: CheckSpans then builds the context.
      const viaContext = new CheckSpans({ shouldSample: (...a) => sampler.shouldSample(...a), toString: () => 'wrapped' }, recorder);
      for (const p of parents) {
        const a = direct.startRemote('stepgate.check', SpanKind.SERVER, 1000, p);
        const b = direct.start('stepgate.check', SpanKind.SERVER, 1000, trace.setSpanContext(ROOT_CONTEXT, p));
        const c = viaContext.startRemote('stepgate.check', SpanKind.SERVER, 1000, p);
        for (const span of [a, b, c]) {
          const sc = span.spanContext();
          expect({ traceId: sc.traceId, traceFlags: sc.traceFlags, traceState: sc.traceState?.serialize(), recording: span.isRecording() }).toEqual({
            traceId: p.traceId,
            traceFlags: a.spanContext().traceFlags,
            traceState: p.traceState?.serialize(),
            recording: a.isRecording(),
          });
          if (span instanceof CheckSpan) expect(span.parentSpanContext).toBe(p);
        }
        // c's decision came from the SDK's shouldSample with a context: a and b must agree with it.
        expect(a.spanContext().traceFlags).toBe(c.spanContext().traceFlags);
      }
    }
  });
});

describe('where the recorder is used', () => {
  const resource = resourceFromAttributes({ 'service.name': 'stepgate' });
  it('OTLP over http/protobuf with the default span limits; anything else stays with the SDK', () => {
    expect(checkSpanRecorder({}, resource)).toBeDefined();
    expect(checkSpanRecorder({ OTEL_TRACES_EXPORTER: 'otlp' }, resource)).toBeDefined();
    expect(checkSpanRecorder({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, resource)).toBeUndefined();
    expect(checkSpanRecorder({ OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json' }, resource)).toBeUndefined();
    expect(checkSpanRecorder({ OTEL_TRACES_EXPORTER: 'console' }, resource)).toBeUndefined();
    expect(checkSpanRecorder({ OTEL_TRACES_EXPORTER: 'otlp,zipkin' }, resource)).toBeUndefined();
    expect(checkSpanRecorder({ OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: '10' }, resource)).toBeUndefined();
    expect(checkSpanRecorder({ OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: '64' }, resource)).toBeUndefined();
    expect(checkSpanRecorder({ OTEL_SPAN_EVENT_COUNT_LIMIT: '1' }, resource)).toBeUndefined();
    expect(spanLimitsFromEnv({ OTEL_SPAN_ATTRIBUTE_PER_EVENT_COUNT_LIMIT: '3' })).toBe(true);
    expect(spanLimitsFromEnv({ OTEL_BSP_MAX_QUEUE_SIZE: '3' })).toBe(false);
  });

  it('reads OTEL_BSP_* with the SDK defaults', () => {
    expect(batchSettingsFromEnv({})).toEqual({ maxQueueSize: 2048, maxExportBatchSize: 512, scheduledDelayMillis: 5000, exportTimeoutMillis: 30000 });
    expect(batchSettingsFromEnv({ OTEL_BSP_MAX_QUEUE_SIZE: '100', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '500', OTEL_BSP_SCHEDULE_DELAY: '10', OTEL_BSP_EXPORT_TIMEOUT: 'x' })).toEqual({
      maxQueueSize: 100,
      maxExportBatchSize: 100,
      scheduledDelayMillis: 10,
      exportTimeoutMillis: 30000,
    });
  });
});

describe('SpanRecorder', () => {
  const resource = resourceFromAttributes({ 'service.name': 'stepgate' });
  const scope = { name: 'stepgate', version: '1', schemaUrl: undefined };

  /** An exporter that holds every export until told to answer: a collector that is slow or down. */
  function stalledExporter() {
    const pending: { batch: SpanBatch; done: (r: ExportResult) => void }[] = [];
    return { pending, exporter: { export: (batch: SpanBatch, done: (r: ExportResult) => void) => void pending.push({ batch, done }), shutdown: () => Promise.resolve() } };
  }

  function spans(recorder: SpanRecorder) {
    return new CheckSpans(new AlwaysOnSampler(), recorder);
  }

  it('bounds the queue when the collector does not answer: later spans are dropped and counted, one export in flight', async () => {
    const { pending, exporter } = stalledExporter();
    const recorder = new SpanRecorder(resource, scope, { maxQueueSize: 100, maxExportBatchSize: 10, scheduledDelayMillis: 60_000, exportTimeoutMillis: 60_000 }, exporter);
    const s = spans(recorder);
    for (let i = 0; i < 1000; i++) {
      const span = s.start('stepgate.check', SpanKind.SERVER, performance.now(), ROOT_CONTEXT);
      (span as CheckSpan).adoptAttributes({ 'stepgate.decision': 'allow', n: i });
      span.end();
    }
    // One batch of 10 went to the (stalled) exporter; 100 wait; the rest were dropped.
    expect(pending.length).toBe(1);
    expect(pending[0]!.batch.count).toBe(10);
    expect(recorder.dropped).toBe(1000 - 10 - 100);
    // Answer every export, the shutdown's included: one left waiting rejects on its 60 s timer,
    // after this file has ended in a worker the next file shares (an unhandled rejection there).
    const closed = recorder.shutdown();
    while (pending.length > 0) {
      pending.shift()!.done({ code: ExportResultCode.SUCCESS });
      await new Promise((r) => setImmediate(r));
    }
    await closed;
  });

  it('exports the waiting batches once the collector answers again, and never a span twice', async () => {
    const { pending, exporter } = stalledExporter();
    const recorder = new SpanRecorder(resource, scope, { maxQueueSize: 50, maxExportBatchSize: 10, scheduledDelayMillis: 60_000, exportTimeoutMillis: 60_000 }, exporter);
    const s = spans(recorder);
    for (let i = 0; i < 45; i++) s.start('stepgate.check', SpanKind.SERVER, performance.now(), ROOT_CONTEXT).end();
    expect(pending.length).toBe(1);
    let exported = 0;
    while (pending.length > 0) {
      const { batch, done } = pending.shift()!;
      exported += batch.count;
      done({ code: ExportResultCode.SUCCESS });
      await new Promise((r) => setImmediate(r));
      if (pending.length === 0) void recorder.forceFlush();
    }
    expect(exported).toBe(45);
    expect(recorder.dropped).toBe(0);
  });

  it('frames each batch in place and writes the next one into the buffer of a delivered batch, never of a failed one', async () => {
    const { pending, exporter } = stalledExporter();
    const recorder = new SpanRecorder(resource, scope, { maxQueueSize: 100, maxExportBatchSize: 5, scheduledDelayMillis: 60_000, exportTimeoutMillis: 60_000 }, exporter);
    const s = spans(recorder);
    const batch = async (answer: ExportResultCode) => {
      for (let i = 0; i < 5; i++) {
        const span = s.start('stepgate.check', SpanKind.SERVER, performance.now(), ROOT_CONTEXT);
        (span as CheckSpan).adoptAttributes({ 'stepgate.decision': 'allow', n: i });
        span.end();
      }
      const { batch: b, done } = pending.shift()!;
      // The request is the one serializeEncoded would build from the same spans.
      expect(Buffer.from(b.request!).equals(Buffer.from(serializeEncoded(b.encoded, [])))).toBe(true);
      done({ code: answer });
      await new Promise((r) => setImmediate(r));
      return b.buffer!;
    };
    const first = await batch(ExportResultCode.SUCCESS);
    const second = await batch(ExportResultCode.FAILED);
    expect(second).toBe(first);
    // The failed export may still hold `second`: the next batch gets a buffer of its own.
    const third = await batch(ExportResultCode.SUCCESS);
    expect(third).not.toBe(second);
    await recorder.shutdown();
  });

  it('does not export spans the sampler only records, nor anything after shutdown', async () => {
    const { pending, exporter } = stalledExporter();
    const recorder = new SpanRecorder(resource, scope, { maxQueueSize: 50, maxExportBatchSize: 1, scheduledDelayMillis: 60_000, exportTimeoutMillis: 60_000 }, exporter);
    const recordOnly = { shouldSample: () => ({ decision: 1 }), toString: () => 'record only' };
    const span = new CheckSpans(recordOnly, recorder).start('stepgate.check', SpanKind.SERVER, performance.now(), ROOT_CONTEXT);
    expect(span.isRecording()).toBe(true);
    expect(span.spanContext().traceFlags).toBe(TraceFlags.NONE);
    span.end();
    expect(pending.length).toBe(0);
    await recorder.shutdown();
    spans(recorder).start('stepgate.check', SpanKind.SERVER, performance.now(), ROOT_CONTEXT).end();
    expect(pending.length).toBe(0);
  });
});
