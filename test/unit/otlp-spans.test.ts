import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, trace, type AttributeValue, type Attributes } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { extractParent, fastOtlpExporter } from '../../src/telemetry/tracing.js';
import { FAST_TRACE_SERIALIZER, frameInPlace, framingRoom, OWN_SPAN_ID, OWN_TRACE_ID, REMOTE_SPAN_ID, REMOTE_TRACE_ID, serializeEncoded, Writer, writeSpan, type KnownId } from '../../src/telemetry/otlp-spans.js';

/**
 * The fast OTLP span serializer must give exactly the bytes of the SDK's own serializer: a
 * collector cannot tell which one wrote a request. Spans come from the real SDK (ids, times,
 * attribute sanitising), with random attributes, events, links, status, parents and trace state.
 */
/** Byte equality, with the first differing offset on failure (toEqual on large buffers is slow to diff). */
function expectSameBytes(spans: ReadableSpan[]): void {
  expectBytes(Buffer.from(FAST_TRACE_SERIALIZER.serializeRequest(spans)!), spans);
  // The recorder's way (check-spans.ts): each span encoded on its own as it ends, the request framed around them.
  const w = new Writer(256);
  for (const span of spans) writeSpan(w, span);
  expectBytes(Buffer.from(serializeEncoded({ resource: spans[0]!.resource, scope: spans[0]!.instrumentationScope, body: w.buf.subarray(0, w.pos) }, [])), spans);
  // And framed in place: the spans written after the room framingRoom asks for, the framing put in front.
  const { resource, instrumentationScope: scope } = spans[0]!;
  const room = framingRoom(resource, scope);
  const inPlace = new Writer(Buffer.alloc(room + 64, 0xee));
  inPlace.pos = room;
  for (const span of spans) writeSpan(inPlace, span);
  expectBytes(Buffer.from(frameInPlace(inPlace, room, resource, scope)!), spans);
}

function expectBytes(fast: Buffer, spans: ReadableSpan[]): void {
  const sdk = Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!);
  if (fast.equals(sdk)) return;
  let at = 0;
  while (at < fast.length && fast[at] === sdk[at]) at++;
  expect({ at, fast: fast.subarray(at, at + 32).toString('hex'), lengths: [fast.length, sdk.length] }).toEqual({ at, fast: sdk.subarray(at, at + 32).toString('hex'), lengths: [sdk.length, sdk.length] });
}

function spansFrom(build: (t: ReturnType<BasicTracerProvider['getTracer']>) => void, resource?: Attributes): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(exporter)],
    ...(resource ? { resource: resourceFromAttributes(resource) } : {}),
  });
  build(provider.getTracer('stepgate', '1.2.3'));
  return exporter.getFinishedSpans();
}

const text = fc.string({ maxLength: 40, unit: fc.oneof(fc.constantFrom('a', 'Z', '/', '=', ' '), fc.constantFrom('é', 'ß', '日', '😀', '\u0000', '\u00ff')) });
const value: fc.Arbitrary<AttributeValue> = fc.oneof(
  text,
  fc.string({ minLength: 200, maxLength: 400 }),
  fc.boolean(),
  fc.integer(),
  fc.constantFrom(0, -1, 2 ** 31, 2 ** 32, 2 ** 32 + 1, -(2 ** 40), 2 ** 53 - 1, -(2 ** 53) + 1, 1.5, -0.25, Number.MAX_VALUE),
  fc.double({ noNaN: true }),
  fc.array(text, { maxLength: 4 }),
  fc.array(fc.integer(), { maxLength: 4 }),
  fc.array(fc.boolean(), { maxLength: 3 }),
);
const attrs = fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), value, { maxKeys: 20 });

describe('FAST_TRACE_SERIALIZER', () => {
  it('writes the same bytes as the SDK serializer (property: attributes, events, links, status, parents, trace state)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            attributes: attrs,
            kind: fc.constantFrom(SpanKind.SERVER, SpanKind.CLIENT, SpanKind.INTERNAL),
            parent: fc.boolean(),
            remote: fc.boolean(),
            events: fc.array(fc.record({ name: text, attributes: attrs }), { maxLength: 2 }),
            link: fc.option(attrs),
            status: fc.constantFrom(undefined, { code: SpanStatusCode.ERROR, message: 'internal_error' }, { code: SpanStatusCode.OK }),
            start: fc.integer({ min: 0, max: 4_000_000_000_000 }),
            duration: fc.integer({ min: 0, max: 10_000_000 }),
          }),
          { minLength: 1, maxLength: 5 },
        ),
        attrs,
        (specs, resource) => {
          const spans = spansFrom((tracer) => {
            for (const s of specs) {
              const parent = s.parent
                ? trace.setSpanContext(ROOT_CONTEXT, {
                    traceId: '0af7651916cd43dd8448eb211c80319c',
                    spanId: 'b7ad6b7169203331',
                    traceFlags: TraceFlags.SAMPLED,
                    isRemote: s.remote,
                    traceState: new TraceState('vendor=a,other=b'),
                  })
                : ROOT_CONTEXT;
              const links = s.link ? [{ context: { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1, isRemote: true }, attributes: s.link }] : [];
              const span = tracer.startSpan('stepgate.check', { kind: s.kind, startTime: s.start / 1000, links }, parent);
              span.setAttributes(s.attributes);
              for (const e of s.events) span.addEvent(e.name, e.attributes, (s.start + 1) / 1000);
              if (s.status) span.setStatus(s.status);
              span.end((s.start + s.duration) / 1000);
            }
          }, resource);
          // Twice: the second time the attributes come from the kept encodings.
          expectSameBytes(spans);
          expectSameBytes(spans);
        },
      ),
      { numRuns: 200 },
    );
  }, 120_000);

  it("writes a traceparent's ids from the bytes read with it, and the same bytes as the SDK whichever traceparent was read last", () => {
    const hexId = (n: number) => fc.string({ minLength: n, maxLength: n, unit: fc.constantFrom(...'0123456789abcdef'.split('')) }).filter((h) => /[^0]/.test(h));
    const traceparent = fc.tuple(hexId(32), hexId(16)).map(([t, s]) => `00-${t}-${s}-01`);
    fc.assert(
      fc.property(traceparent, traceparent, (a, b) => {
        const first = extractParent(new Map([['traceparent', a]]));
        // Read after the first: its ids are the ones kept, the first's are read from their hex again.
        const last = extractParent(new Map([['traceparent', b]]));
        const spans = spansFrom((tracer) => {
          for (const parent of [first, last, first]) tracer.startSpan('stepgate.check', { kind: SpanKind.SERVER, startTime: 1 }, parent).end(2);
        });
        expectSameBytes(spans);
      }),
      { numRuns: 200 },
    );
    const parent = extractParent(new Map([['traceparent', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01']]));
    const [span] = spansFrom((tracer) => tracer.startSpan('stepgate.check', { kind: SpanKind.SERVER, startTime: 1 }, parent).end(2));
    const hex = vi.spyOn(Writer.prototype, 'hex');
    try {
      writeSpan(new Writer(256), span!);
      // Only the span's own id (the SDK's, not drawn by check-spans.ts) is read from its hex.
      expect(hex).toHaveBeenCalledTimes(1);
    } finally {
      hex.mockRestore();
    }
  });

  it("writes a span whose ids are all kept as bytes in one go (its head), the same bytes as the SDK for any name, kind, parent and stale id", () => {
    // As check-spans.ts and tracing.ts leave them: the ids of the span being written held by the
    // KnownIds, or (stale) another span's. The head is written at once only when every id it
    // writes is the one held and the span has no trace state; otherwise field by field.
    const keep = (known: KnownId, hex: string) => {
      known.text = '';
      known.bytes.set(Buffer.from(hex, 'hex'));
      known.text = hex;
    };
    const name = fc.oneof(fc.constantFrom('stepgate.check', 'stepgate.jwks', ''), text, fc.string({ minLength: 120, maxLength: 300 }));
    const kind = fc.constantFrom(undefined, SpanKind.INTERNAL, SpanKind.SERVER, SpanKind.CLIENT, SpanKind.PRODUCER, SpanKind.CONSUMER);
    const parentKind = fc.constantFrom('remote', 'remote-stale', 'local', 'root', 'trace-state');
    const stale = fc.record({ own: fc.boolean(), trace: fc.boolean() });
    const hexId = (n: number) => fc.string({ minLength: n, maxLength: n, unit: fc.constantFrom(...'0123456789abcdef'.split('')) }).filter((h) => /[^0]/.test(h));
    fc.assert(
      fc.property(fc.array(fc.tuple(name, kind, parentKind, stale, hexId(32), hexId(16), fc.option(attrs, { nil: undefined })), { minLength: 1, maxLength: 6 }), (list) => {
        const hex = vi.spyOn(Writer.prototype, 'hex');
        try {
          for (const [n, k, p, old, t, s, a] of list) {
            const tp = `00-${t}-${s}-01`;
            const [span] = spansFrom((tracer) => {
              const parent =
                p === 'root'
                  ? ROOT_CONTEXT
                  : p === 'local'
                    ? trace.setSpan(ROOT_CONTEXT, tracer.startSpan('outer'))
                    : p === 'trace-state'
                      ? extractParent(new Map([['traceparent', tp], ['tracestate', 'k=v']]))
                      : extractParent(new Map([['traceparent', tp]]));
              const span = tracer.startSpan(n, k === undefined ? { startTime: 1 } : { kind: k, startTime: 1 }, parent);
              if (a) span.setAttributes(a);
              span.end(2);
            }).filter((x) => x.name === n && x.parentSpanContext?.spanId !== undefined === (p !== 'root'));
            const sc = span!.spanContext();
            keep(OWN_SPAN_ID, old.own ? 'ab'.repeat(8) : sc.spanId);
            if (p === 'root') keep(OWN_TRACE_ID, old.trace ? 'cd'.repeat(16) : sc.traceId);
            else if (p === 'remote-stale') keep(REMOTE_SPAN_ID, 'ef'.repeat(8));
            hex.mockClear();
            expectSameBytes([span!]);
            // The head's way reads no id from its hex; the other way reads at least the span's own.
            if (!old.own && (p === 'remote' || (p === 'root' && !old.trace))) expect(hex).not.toHaveBeenCalled();
            else if (p !== 'local' && p !== 'trace-state') expect(hex).toHaveBeenCalled();
          }
        } finally {
          hex.mockRestore();
        }
      }),
      { numRuns: 150 },
    );
  });

  it('encodes a batch past the largest length a one-byte prefix holds, and many distinct values past its cache bound', () => {
    const spans = spansFrom((tracer) => {
      for (let i = 0; i < 1500; i++) {
        const span = tracer.startSpan('stepgate.check', { kind: SpanKind.SERVER });
        span.setAttributes({ 'stepgate.subject': `user-${i}-${'x'.repeat(200)}`, 'stepgate.auth_age': i, 'stepgate.detail': 'y'.repeat(i % 600) });
        span.end();
      }
    });
    expectSameBytes(spans);
  }, 60_000);

  it('writes a span length of one, two and three bytes (the two-byte length is reserved first and moved when another size is needed)', () => {
    // Span sizes across 127/128 and 16,383/16,384 bytes: an attribute value one character longer at a time.
    const spans = spansFrom((tracer) => {
      for (const base of [0, 16_200]) {
        for (let extra = 0; extra < 160; extra++) {
          const span = tracer.startSpan('stepgate.check', { kind: SpanKind.SERVER });
          span.setAttribute('v', 'x'.repeat(base + extra));
          if (extra % 3 === 0) span.setStatus({ code: SpanStatusCode.ERROR, message: 'internal_error' });
          span.end();
        }
      }
    });
    const lengths = new Set(spans.map((s) => String(s.attributes.v).length));
    expect(lengths.size).toBe(320);
    expectSameBytes(spans);
  }, 60_000);
});

describe('fastOtlpExporter', () => {
  it('is used only for OTLP over http/protobuf; any other exporter or protocol is left to the SDK', () => {
    expect(fastOtlpExporter({})).toBeDefined();
    expect(fastOtlpExporter({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' })).toBeDefined();
    expect(fastOtlpExporter({ OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toBeDefined();
    expect(fastOtlpExporter({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toBeUndefined();
    expect(fastOtlpExporter({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' })).toBeUndefined();
    expect(fastOtlpExporter({ OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' })).toBeUndefined();
    expect(fastOtlpExporter({ OTEL_TRACES_EXPORTER: 'console' })).toBeUndefined();
    expect(fastOtlpExporter({ OTEL_TRACES_EXPORTER: 'otlp,zipkin' })).toBeUndefined();
  });
});
