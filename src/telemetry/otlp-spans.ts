import { Buffer } from 'node:buffer';
import type { AttributeValue, Attributes, HrTime, SpanContext } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { ProtobufTraceSerializer, type IExportTraceServiceResponse, type ISerializer } from '@opentelemetry/otlp-transformer';

/**
 * ExportTraceServiceRequest (OTLP/HTTP protobuf) bytes for a batch of spans: the same bytes as
 * @opentelemetry/otlp-transformer's ProtobufTraceSerializer (same fields, same order; a test
 * compares them), at a fraction of its cost. With every Check sampled, serialising was the largest
 * part of a span's cost (~10 µs of ~15 for a Check span's 15 attributes, measured in-process):
 * that serializer walks each string twice in JavaScript (a size pass and a write pass), byte by
 * byte. Here strings are written by Buffer (native), nested lengths are patched in place, and a
 * Check span's attributes, which repeat from span to span (decision, reason, rules, level, issuer,
 * subject, path, Kubernetes fields), are kept encoded: an attribute seen before is one copy.
 *
 * The kept encodings are keyed on the attribute's name and primitive value (never on an object),
 * bounded by CACHE_MAX_BYTES (emptied when full) and by CACHE_MAX_VALUE_CHARS per value.
 */
export const FAST_TRACE_SERIALIZER: ISerializer<ReadableSpan[], IExportTraceServiceResponse> = {
  serializeRequest: (spans) => serializeSpans(spans),
  deserializeResponse: (arg) => ProtobufTraceSerializer.deserializeResponse(arg),
};

const CACHE_MAX_BYTES = 1024 * 1024;
const CACHE_MAX_VALUE_CHARS = 256;
let cacheBytes = 0;
interface Slot {
  value: string | number | boolean;
  bytes: Buffer;
  byValue: Map<string | number | boolean, Buffer>;
}
const cache = new Map<string, Slot>();

// Span flags (OTLP): bits 0-7 trace flags, bit 8 "is_remote is known", bit 9 is_remote.
const HAS_IS_REMOTE = 0x100;
const IS_REMOTE = 0x200;

/** Hex digit values by character code, either case (span and trace ids are hex by the API contract). */
const HEX = new Uint8Array(128);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) HEX[65 + i] = HEX[97 + i] = 10 + i;

/**
 * An id whose bytes were read where the id was made (a traceparent's ids, validated digit by digit
 * in tracing.ts; a span id drawn from random bytes in check-spans.ts), kept to be copied when the
 * same id is written. Reading them again from the hex string cost most of a span's id writing
 * (~3.5k of ~15k instructions per traced Check, perf30): a traceparent's ids are slices of it, and
 * each character of a sliced string is read through its parent. One id per slot, the last one
 * made: an id made before it, or any other string, is read from its hex as before.
 */
export class KnownId {
  /** The id `bytes` hold; '' none (no valid id is empty). Cleared before `bytes` change. */
  text = '';
  readonly bytes: Uint8Array;
  constructor(size: number) {
    this.bytes = new Uint8Array(size);
  }
}

/** The trace id and parent span id of the last version-00 traceparent read (tracing.ts). */
export const REMOTE_TRACE_ID = new KnownId(16);
export const REMOTE_SPAN_ID = new KnownId(8);
/** The last span id drawn for a Check span (check-spans.ts). */
export const OWN_SPAN_ID = new KnownId(8);
/** The last trace id drawn for a Check span without a parent (check-spans.ts). */
export const OWN_TRACE_ID = new KnownId(16);
const NO_ID = new KnownId(0);

export class Writer {
  buf: Buffer;
  pos = 0;
  /** A new buffer of `size` bytes, or `buf` to write into (its content is overwritten). */
  constructor(size: number | Buffer) {
    this.buf = typeof size === 'number' ? Buffer.allocUnsafe(size) : size;
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  varint(value: number): void {
    this.ensure(10);
    const b = this.buf;
    if (value >= 0 && value <= 0xffffffff) {
      let v = value >>> 0;
      while (v > 0x7f) {
        b[this.pos++] = (v & 0x7f) | 0x80;
        v >>>= 7;
      }
      b[this.pos++] = v;
      return;
    }
    // int64, two's complement for negatives (10 bytes); rare: attribute values only.
    let v = BigInt.asUintN(64, BigInt(value));
    while (v > 0x7fn) {
      b[this.pos++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    b[this.pos++] = Number(v);
  }

  tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  fixed32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32LE(v >>> 0, this.pos);
    this.pos += 4;
  }

  /** HrTime [seconds, nanoseconds] as fixed64 nanoseconds since the epoch, exact (BigInt would be too, but slower). */
  time(t: HrTime): void {
    this.ensure(8);
    this.pos = putTime(this.buf, this.pos, t);
  }

  double(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }

  string(s: string): void {
    // Short ASCII strings (names, codes, ids) in JavaScript: cheaper than a call into Buffer.
    const len = s.length;
    if (len < 0x80) {
      this.ensure(len + 1);
      const b = this.buf;
      const at = this.pos;
      let i = 0;
      for (; i < len; i++) {
        const c = s.charCodeAt(i);
        if (c > 0x7f) break;
        b[at + 1 + i] = c;
      }
      if (i === len) {
        b[at] = len;
        this.pos = at + 1 + len;
        return;
      }
    }
    const n = Buffer.byteLength(s, 'utf8');
    this.varint(n);
    this.ensure(n);
    this.pos += this.buf.write(s, this.pos, n, 'utf8');
  }

  bytes(b: Uint8Array): void {
    this.varint(b.length);
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** An id given as hex (trace and span ids), as bytes. */
  hex(h: string): void {
    const n = h.length >>> 1;
    this.varint(n);
    this.ensure(n);
    // The position in a local: three ids per span, a property write per byte was most of this.
    const b = this.buf;
    let at = this.pos;
    for (let i = 0; i < n; i++) b[at++] = (HEX[h.charCodeAt(2 * i)]! << 4) | HEX[h.charCodeAt(2 * i + 1)]!;
    this.pos = at;
  }

  /** An id as hex(h) writes it: from `known`'s bytes when h is its id. */
  id(h: string, known: KnownId): void {
    // '' is no id: a KnownId that holds none says so with ''.
    if (h !== known.text || h === '') return this.hex(h);
    // One native copy: a byte loop over two typed arrays cost ~50 instructions a byte (each access
    // reloads and checks both arrays), three ids ~1.9k per span; set() is ~0.15k a call (perf34).
    const k = known.bytes;
    const n = k.length;
    this.ensure(n + 1);
    const b = this.buf;
    b[this.pos] = n;
    b.set(k, this.pos + 1);
    this.pos += n + 1;
  }

  raw(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** Starts a length-delimited field's content: one byte reserved for its length. */
  begin(): number {
    this.ensure(1);
    return this.pos++;
  }

  /**
   * Starts a length-delimited field whose content is usually 128 to 16,383 bytes (a span): two bytes
   * reserved, so that endWide moves the content only when the length needs another size.
   */
  beginWide(): number {
    this.ensure(2);
    const at = this.pos;
    this.pos += 2;
    return at;
  }

  /** Ends beginWide's field with the same bytes as begin and end would write (a minimal varint length). */
  endWide(start: number): void {
    const len = this.pos - start - 2;
    if (len >= 0x80 && len < 0x4000) {
      this.buf[start] = (len & 0x7f) | 0x80;
      this.buf[start + 1] = len >>> 7;
      return;
    }
    // One byte (or more than two): end's move, from a two-byte start.
    this.buf.copyWithin(start + 1, start + 2, this.pos);
    this.pos--;
    this.end(start);
  }

  /** Ends it: the length goes into the reserved byte, the content moves right when it needs more. */
  end(start: number): void {
    const len = this.pos - start - 1;
    if (len < 0x80) {
      this.buf[start] = len;
      return;
    }
    let n = 1;
    for (let v = len; v > 0x7f; v >>>= 7) n++;
    this.ensure(n - 1);
    this.buf.copyWithin(start + n, start + 1, this.pos);
    this.pos += n - 1;
    let v = len;
    let at = start;
    while (v > 0x7f) {
      this.buf[at++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buf[at] = v;
  }
}

/** A time as Writer.time writes it, at `at` (8 bytes there are the caller's to give); the position after it. */
function putTime(b: Buffer, at: number, t: HrTime): number {
  const seconds = t[0];
  const nanos = t[1];
  // seconds * 1e9 + nanos split into 32-bit halves without losing precision past 2^53.
  const lo16 = (seconds & 0xffff) * 1e9;
  const hi = Math.floor(seconds / 0x10000) * 1e9;
  const hiLow32 = ((hi % 0x10000) * 0x10000) >>> 0;
  const low = (lo16 >>> 0) + hiLow32 + nanos;
  const high = Math.floor(lo16 / 0x100000000) + Math.floor(hi / 0x10000) + Math.floor(low / 0x100000000);
  // Byte by byte: Buffer's writeUInt32LE checks its arguments on each call (two per time, two times per span).
  const l = low >>> 0;
  const h = high >>> 0;
  b[at] = l;
  b[at + 1] = l >>> 8;
  b[at + 2] = l >>> 16;
  b[at + 3] = l >>> 24;
  b[at + 4] = h;
  b[at + 5] = h >>> 8;
  b[at + 6] = h >>> 16;
  b[at + 7] = h >>> 24;
  return at + 8;
}

/**
 * Spans already encoded (each a `Span` field of ScopeSpans, tag included) for one resource and
 * scope: what the Check span recorder (check-spans.ts) queues instead of span objects.
 */
export interface EncodedSpans {
  resource: ReadableSpan['resource'];
  scope: ReadableSpan['instrumentationScope'];
  body: Uint8Array;
}

function serializeSpans(spans: readonly ReadableSpan[], encoded?: EncodedSpans): Uint8Array {
  // Grouped by resource and scope object, as the SDK's serializer groups them.
  type Group = { spans: ReadableSpan[]; body?: Uint8Array };
  const byResource = new Map<ReadableSpan['resource'], Map<ReadableSpan['instrumentationScope'], Group>>();
  const group = (resource: ReadableSpan['resource'], scope: ReadableSpan['instrumentationScope']): Group => {
    let scopes = byResource.get(resource);
    if (!scopes) byResource.set(resource, (scopes = new Map<ReadableSpan['instrumentationScope'], Group>()));
    let g = scopes.get(scope);
    if (!g) scopes.set(scope, (g = { spans: [] }));
    return g;
  };
  if (encoded && encoded.body.length > 0) group(encoded.resource, encoded.scope).body = encoded.body;
  for (const span of spans) group(span.resource, span.instrumentationScope).spans.push(span);
  const w = new Writer(Math.max(4096, spans.length * 768 + (encoded ? encoded.body.length + 1024 : 0)));
  for (const [resource, scopes] of byResource) {
    w.tag(1, 2);
    const rs = w.begin();
    w.tag(1, 2);
    const r = w.begin();
    if (resource.attributes) attributes(w, resource.attributes, 1);
    w.tag(2, 0);
    w.varint(0);
    w.end(r);
    for (const [scope, g] of scopes) {
      w.tag(2, 2);
      const ss = w.begin();
      writeScope(w, scope);
      if (g.body) w.raw(g.body);
      for (const span of g.spans) writeSpan(w, span);
      if (scope.schemaUrl) {
        w.tag(3, 2);
        w.string(scope.schemaUrl);
      }
      w.end(ss);
    }
    if (resource.schemaUrl) {
      w.tag(3, 2);
      w.string(resource.schemaUrl);
    }
    w.end(rs);
  }
  return w.buf.subarray(0, w.pos);
}

/**
 * An ExportTraceServiceRequest from encoded spans of one resource and scope, and span objects of
 * any. Without span objects (the usual case: only the recorder's spans), the lengths are known
 * before writing, so the batch's bytes are copied once instead of being moved for each enclosing
 * length.
 */
export function serializeEncoded(encoded: EncodedSpans, spans: readonly ReadableSpan[]): Uint8Array {
  if (spans.length > 0 || encoded.body.length === 0) return serializeSpans(spans, encoded);
  const head = framing.get(encoded.resource)?.get(encoded.scope) ?? frame(encoded.resource, encoded.scope);
  const ssLen = head.scope.length + encoded.body.length + head.scopeTail.length;
  const rsLen = head.resource.length + 1 + varintLength(ssLen) + ssLen + head.resourceTail.length;
  const w = new Writer(1 + varintLength(rsLen) + rsLen);
  w.tag(1, 2);
  w.varint(rsLen);
  w.raw(head.resource);
  w.tag(2, 2);
  w.varint(ssLen);
  w.raw(head.scope);
  w.raw(encoded.body);
  w.raw(head.scopeTail);
  w.raw(head.resourceTail);
  return w.buf.subarray(0, w.pos);
}

/**
 * Bytes to leave free in front of a batch's encoded spans so that frameInPlace can write the
 * request's framing there: the resource and scope messages and two lengths of at most 5 bytes.
 */
export function framingRoom(resource: ReadableSpan['resource'], scope: ReadableSpan['instrumentationScope']): number {
  const head = framing.get(resource)?.get(scope) ?? frame(resource, scope);
  return 2 + 5 + head.resource.length + 5 + head.scope.length;
}

/**
 * The bytes serializeEncoded gives for the spans in w.buf[bodyStart, w.pos), written around them
 * in the same buffer: the framing right before bodyStart (in the room framingRoom said to leave),
 * the tails after the spans. No second buffer the size of the batch, and no copy of it: with
 * every Check sampled, a batch is megabytes, and allocating them again for every export is
 * external memory that makes V8 collect its heap more often. Undefined when the room is too small
 * (a resource whose attributes changed); then serializeEncoded does it with a copy.
 */
export function frameInPlace(w: Writer, bodyStart: number, resource: ReadableSpan['resource'], scope: ReadableSpan['instrumentationScope']): Uint8Array | undefined {
  const head = framing.get(resource)?.get(scope) ?? frame(resource, scope);
  const bodyLen = w.pos - bodyStart;
  const ssLen = head.scope.length + bodyLen + head.scopeTail.length;
  const rsLen = head.resource.length + 1 + varintLength(ssLen) + ssLen + head.resourceTail.length;
  const start = bodyStart - (1 + varintLength(rsLen) + head.resource.length + 1 + varintLength(ssLen) + head.scope.length);
  if (start < 0) return undefined;
  w.raw(head.scopeTail);
  w.raw(head.resourceTail);
  const end = w.pos;
  w.pos = start;
  w.tag(1, 2);
  w.varint(rsLen);
  w.raw(head.resource);
  w.tag(2, 2);
  w.varint(ssLen);
  w.raw(head.scope);
  const request = w.buf.subarray(start, end);
  w.pos = end;
  return request;
}

interface Framing {
  /** ResourceSpans field 1 (the Resource), tag and length included. */
  resource: Buffer;
  /** ScopeSpans field 1 (the InstrumentationScope), tag and length included. */
  scope: Buffer;
  /** ScopeSpans schema_url, if any. */
  scopeTail: Buffer;
  /** ResourceSpans schema_url, if any. */
  resourceTail: Buffer;
}

/** Per resource and scope object (one of each in a process): their encodings, written once. */
const framing = new WeakMap<ReadableSpan['resource'], Map<ReadableSpan['instrumentationScope'], Framing>>();

function frame(resource: ReadableSpan['resource'], scope: ReadableSpan['instrumentationScope']): Framing {
  const part = (write: (w: Writer) => void) => {
    const w = new Writer(1024);
    write(w);
    return Buffer.from(w.buf.subarray(0, w.pos));
  };
  const f: Framing = {
    resource: part((w) => {
      w.tag(1, 2);
      const r = w.begin();
      if (resource.attributes) attributes(w, resource.attributes, 1);
      w.tag(2, 0);
      w.varint(0);
      w.end(r);
    }),
    scope: part((w) => {
      writeScope(w, scope);
    }),
    scopeTail: part((w) => {
      if (scope.schemaUrl) {
        w.tag(3, 2);
        w.string(scope.schemaUrl);
      }
    }),
    resourceTail: part((w) => {
      if (resource.schemaUrl) {
        w.tag(3, 2);
        w.string(resource.schemaUrl);
      }
    }),
  };
  // Kept only for a resource whose attributes are final (not waiting for an asynchronous detector).
  if (!(resource as { asyncAttributesPending?: boolean }).asyncAttributesPending) {
    let byScope = framing.get(resource);
    if (!byScope) framing.set(resource, (byScope = new Map<ReadableSpan['instrumentationScope'], Framing>()));
    byScope.set(scope, f);
  }
  return f;
}

function varintLength(v: number): number {
  let n = 1;
  for (; v > 0x7f; v = Math.floor(v / 128)) n++;
  return n;
}

/**
 * Attributes a span writes when it is encoded, from `arg`, instead of holding them as an object:
 * the Check span's request attributes (tracing.ts), which differ from span to span, would
 * otherwise be an object built, walked twice and dropped for every sampled Check.
 */
export interface AttributeSource<T> {
  /** At most this many attributes. */
  readonly max: number;
  /** The attributes as KeyValue fields 9 (writeAttribute for each). */
  write(w: Writer, arg: T): void;
  /** The same attributes into `into`, as values: for a span that must hold them after all. */
  into(arg: T, into: Attributes): void;
}

/**
 * The fields serializeSpan reads: a ReadableSpan has them, and so does the Check span recorder's
 * span, which may also hold some attributes encoded already (`encodedAttributes`: KeyValue fields,
 * tags included, written before `attributes` and not repeated in it) and some to be written from
 * a source (`attributeSource` with `attributeArg`, written after those, before `attributes`).
 */
export type SpanFields = {
  encodedAttributes?: Uint8Array | undefined;
  attributeSource?: AttributeSource<unknown> | undefined;
  attributeArg?: unknown;
} & Pick<
  ReadableSpan,
  | 'name'
  | 'kind'
  | 'spanContext'
  | 'parentSpanContext'
  | 'startTime'
  | 'endTime'
  | 'status'
  | 'attributes'
  | 'links'
  | 'events'
  | 'droppedAttributesCount'
  | 'droppedEventsCount'
  | 'droppedLinksCount'
>;

/** One `Span` field of ScopeSpans (tag and length included). */
export function writeSpan(w: Writer, span: SpanFields): void {
  const ctx = span.spanContext();
  const parent = span.parentSpanContext;
  const start = knownHead(w, span, ctx, parent);
  if (start >= 0) {
    spanRest(w, span, ctx, parent, start);
    return;
  }
  w.tag(2, 2);
  serializeSpan(w, span, ctx, parent);
}

/** The known id `h` is: one of `a` and `b` holding it, or undefined. */
function knownAs(h: string, a: KnownId, b: KnownId): KnownId | undefined {
  if (h === '') return undefined;
  return h === a.text ? a : h === b.text ? b : undefined;
}

/** The bytes of fields 5 (name), 6 (kind, when specified) and the tag of field 7, kept for the last name and kind written. */
let headName = '';
let headKind = -1;
let headBytes: Uint8Array = new Uint8Array(0);

function nameBytes(name: string, kind: number): Uint8Array {
  if (name === headName && kind === headKind && name !== '') return headBytes;
  const w = new Writer(16 + name.length * 3);
  w.tag(5, 2);
  w.string(name);
  if (kind !== 0) {
    w.tag(6, 0);
    w.varint(kind);
  }
  w.tag(7, 1);
  headBytes = Buffer.from(w.buf.subarray(0, w.pos));
  headName = name;
  headKind = kind;
  return headBytes;
}

/**
 * A Check span's fields up to its start time written at once, tag and length reservation
 * included, when its ids are the ones kept as bytes (KnownId: its own span id; its trace id and
 * parent id from the traceparent, or a trace id drawn for it) and it has no trace state: one
 * `ensure`, the fixed tags as constants, each id and the kept name one copy. Field by field
 * (tag, ensure, varint calls and the name's characters one by one) this was ~2.7k instructions
 * per traced Check with the rest of the span (perf42, callgrind). Returns where the span's length
 * is reserved (beginWide's place), or -1 with nothing written, when serializeSpan must do it.
 */
function knownHead(w: Writer, span: SpanFields, ctx: SpanContext, parent: SpanContext | undefined): number {
  if (ctx.traceState !== undefined || ctx.spanId === '' || ctx.spanId !== OWN_SPAN_ID.text) return -1;
  const traceId = knownAs(ctx.traceId, REMOTE_TRACE_ID, OWN_TRACE_ID);
  if (traceId === undefined) return -1;
  const parentId = parent?.spanId;
  // serializeSpan writes field 4 for any parent span id that is not empty: here only the known one.
  if (parentId && parentId !== REMOTE_SPAN_ID.text) return -1;
  const kind = span.kind == null ? 0 : span.kind + 1;
  const name = nameBytes(span.name, kind);
  w.ensure(3 + 18 + 10 + 10 + name.length + 17);
  const b = w.buf;
  let at = w.pos;
  b[at] = (2 << 3) | 2;
  const start = at + 1;
  at += 3;
  b[at] = (1 << 3) | 2;
  b[at + 1] = 16;
  b.set(traceId.bytes, at + 2);
  at += 18;
  b[at] = (2 << 3) | 2;
  b[at + 1] = 8;
  b.set(OWN_SPAN_ID.bytes, at + 2);
  at += 10;
  if (parentId) {
    b[at] = (4 << 3) | 2;
    b[at + 1] = 8;
    b.set(REMOTE_SPAN_ID.bytes, at + 2);
    at += 10;
  }
  b.set(name, at);
  at = putTime(b, at + name.length, span.startTime);
  b[at] = (8 << 3) | 1;
  w.pos = putTime(b, at + 1, span.endTime);
  return start;
}

/** Fields 1–3 of a Span and of a Link alike: trace id, span id, trace state. */
function spanContextFields(w: Writer, ctx: SpanContext, traceId = NO_ID, spanId = NO_ID): void {
  w.tag(1, 2);
  w.id(ctx.traceId, traceId);
  w.tag(2, 2);
  w.id(ctx.spanId, spanId);
  const traceState = ctx.traceState?.serialize();
  if (traceState) {
    w.tag(3, 2);
    w.string(traceState);
  }
}

function serializeSpan(w: Writer, span: SpanFields, ctx: SpanContext, parent: SpanContext | undefined): void {
  // A Check span is ~600-700 bytes: with one byte reserved for its length, end() moved the whole
  // span one byte to the right, on every span.
  const start = w.beginWide();
  spanContextFields(w, ctx, ctx.traceId === OWN_TRACE_ID.text ? OWN_TRACE_ID : REMOTE_TRACE_ID, OWN_SPAN_ID);
  if (parent?.spanId) {
    w.tag(4, 2);
    w.id(parent.spanId, REMOTE_SPAN_ID);
  }
  w.tag(5, 2);
  w.string(span.name);
  // OTLP's SpanKind is the API's plus one (0 is UNSPECIFIED), omitted when unspecified.
  const kind = span.kind == null ? 0 : span.kind + 1;
  if (kind !== 0) {
    w.tag(6, 0);
    w.varint(kind);
  }
  w.tag(7, 1);
  w.time(span.startTime);
  w.tag(8, 1);
  w.time(span.endTime);
  spanRest(w, span, ctx, parent, start);
}

/** A span's fields after its end time (attributes on), and its length into beginWide's place at `start`. */
function spanRest(w: Writer, span: SpanFields, ctx: SpanContext, parent: SpanContext | undefined, start: number): void {
  spanAttributes(w, span);
  const events = span.events;
  const links = span.links;
  const status = span.status;
  if (events.length === 0 && links.length === 0 && span.droppedAttributesCount === 0 && span.droppedEventsCount === 0 && span.droppedLinksCount === 0 && !status.message && isSmallCode(status.code)) {
    // The usual span's end (no events or links, nothing dropped, a status without a message):
    // the fields below, written at once.
    commonTail(w, status.code, spanFlags(ctx.traceFlags, parent?.isRemote));
    w.endWide(start);
    return;
  }
  w.tag(10, 0);
  w.varint(span.droppedAttributesCount);
  // Indexed loops: an iterator per loop per span, even over the usual empty arrays, is garbage.
  for (let i = 0; i < events.length; i++) {
    const event = events[i]!;
    w.tag(11, 2);
    const e = w.begin();
    w.tag(1, 1);
    w.time(event.time);
    w.tag(2, 2);
    w.string(event.name);
    if (event.attributes) attributes(w, event.attributes, 3);
    w.tag(4, 0);
    w.varint(event.droppedAttributesCount ?? 0);
    w.end(e);
  }
  w.tag(12, 0);
  w.varint(span.droppedEventsCount);
  for (let i = 0; i < links.length; i++) {
    const link = links[i]!;
    w.tag(13, 2);
    const l = w.begin();
    const c = link.context;
    spanContextFields(w, c);
    if (link.attributes) attributes(w, link.attributes, 4);
    w.tag(5, 0);
    w.varint(link.droppedAttributesCount ?? 0);
    w.tag(6, 5);
    w.fixed32(spanFlags(c.traceFlags, c.isRemote));
    w.end(l);
  }
  w.tag(14, 0);
  w.varint(span.droppedLinksCount);
  w.tag(15, 2);
  const s = w.begin();
  if (status.message) {
    w.tag(2, 2);
    w.string(status.message);
  }
  w.tag(3, 0);
  w.varint(status.code);
  w.end(s);
  w.tag(16, 5);
  w.fixed32(spanFlags(ctx.traceFlags, parent?.isRemote));
  w.endWide(start);
}

/** A status code that is a one-byte varint (the API's codes are 0-2). */
function isSmallCode(code: number): boolean {
  return code >= 0 && code < 0x80;
}

/**
 * serializeSpan's last fields for a span with no events or links, nothing dropped and a status
 * code under 128 without a message, byte for byte what the general path writes: dropped
 * attributes, events and links counts (fields 10, 12, 14, each 0), the status (field 15: code,
 * field 3) and the flags (field 16, fixed32).
 */
function commonTail(w: Writer, code: number, flags: number): void {
  w.ensure(16);
  const b = w.buf;
  const at = w.pos;
  b[at] = (10 << 3) | 0;
  b[at + 1] = 0;
  b[at + 2] = (12 << 3) | 0;
  b[at + 3] = 0;
  b[at + 4] = (14 << 3) | 0;
  b[at + 5] = 0;
  b[at + 6] = (15 << 3) | 2;
  b[at + 7] = 2;
  b[at + 8] = (3 << 3) | 0;
  b[at + 9] = code;
  // Tag 16, wire type 5: (16 << 3) | 5 = 133, a two-byte varint.
  b[at + 10] = 0x85;
  b[at + 11] = 0x01;
  b[at + 12] = flags & 0xff;
  b[at + 13] = (flags >>> 8) & 0xff;
  b[at + 14] = (flags >>> 16) & 0xff;
  b[at + 15] = flags >>> 24;
  w.pos = at + 16;
}

function spanFlags(traceFlags: number, isRemote: boolean | undefined): number {
  return (traceFlags & 0xff) | HAS_IS_REMOTE | (isRemote ? IS_REMOTE : 0);
}

/**
 * Object.prototype.hasOwnProperty.call, not Object.hasOwn: V8 11 (Node 20) inlines the former and
 * calls into the runtime for the latter, ~20 ns per attribute on every span.
 */
function hasOwn(o: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, key);
}

/** Every attribute of a span, as KeyValue fields 9 (tags included), in the order they are written. */
function spanAttributes(w: Writer, span: SpanFields): void {
  if (span.encodedAttributes) w.raw(span.encodedAttributes);
  if (span.attributeSource) span.attributeSource.write(w, span.attributeArg);
  if (span.attributes) attributes(w, span.attributes, 9);
}

/** The bytes spanAttributes writes for `span`: what its Span message holds as attributes (tests compare them). */
export function encodeAllSpanAttributes(span: SpanFields): Buffer {
  const w = new Writer(512);
  spanAttributes(w, span);
  return Buffer.from(w.buf.subarray(0, w.pos));
}

/** One attribute as `attributes` writes it into a span (KeyValue field 9, tag included); nothing for a null value. */
export function writeAttribute(w: Writer, key: string, value: AttributeValue | undefined): void {
  if (value == null) return;
  w.tag(9, 2);
  const t = typeof value;
  if ((t === 'string' && (value as string).length <= CACHE_MAX_VALUE_CHARS) || t === 'number' || t === 'boolean') {
    w.raw(keptKeyValue(key, value as string | number | boolean));
  } else {
    keyValue(w, key, value);
  }
}

/** A span's attributes as serializeSpan writes them (KeyValue fields 9, tags included): a span's `encodedAttributes`. */
export function encodeSpanAttributes(attrs: Attributes): Buffer {
  const w = new Writer(512);
  attributes(w, attrs, 9);
  return Buffer.from(w.buf.subarray(0, w.pos));
}

/** ScopeSpans field 1, the InstrumentationScope: tag, length and message. */
function writeScope(w: Writer, scope: { name: string; version?: string }): void {
  w.tag(1, 2);
  const sc = w.begin();
  w.tag(1, 2);
  w.string(scope.name);
  if (scope.version) {
    w.tag(2, 2);
    w.string(scope.version);
  }
  // Scope attributes are not in every SDK version's type; written when present, as the SDK does.
  const extra = scope as { attributes?: Attributes; droppedAttributesCount?: number };
  if (extra.attributes) attributes(w, extra.attributes, 3);
  if (extra.droppedAttributesCount) {
    w.tag(4, 0);
    w.varint(extra.droppedAttributesCount);
  }
  w.end(sc);
}

/** Each attribute as one repeated KeyValue field; primitives from the kept encodings. */
function attributes(w: Writer, attrs: Attributes, field: number): void {
  for (const key in attrs) {
    if (!hasOwn(attrs, key)) continue;
    const value = attrs[key];
    // A span object never holds one (the SDK drops them); a hand-built attribute map might.
    if (value == null) continue;
    w.tag(field, 2);
    const t = typeof value;
    if ((t === 'string' && (value as string).length <= CACHE_MAX_VALUE_CHARS) || t === 'number' || t === 'boolean') {
      w.raw(keptKeyValue(key, value as string | number | boolean));
    } else {
      keyValue(w, key, value);
    }
  }
}

/**
 * A KeyValue message with its length in front, encoded once per name and value. The value last
 * used under a name is checked first: most attributes of a Check span repeat the previous span's.
 */
function keptKeyValue(key: string, value: string | number | boolean): Buffer {
  let slot = cache.get(key);
  if (slot !== undefined) {
    if (slot.value === value) return slot.bytes;
    const hit = slot.byValue.get(value);
    if (hit !== undefined) {
      slot.value = value;
      slot.bytes = hit;
      return hit;
    }
  }
  const w = new Writer(64 + key.length * 3 + (typeof value === 'string' ? value.length * 3 : 16));
  keyValue(w, key, value);
  const bytes = Buffer.from(w.buf.subarray(0, w.pos));
  if (cacheBytes + bytes.length + key.length > CACHE_MAX_BYTES) {
    cache.clear();
    cacheBytes = 0;
    slot = undefined;
  }
  if (!slot) cache.set(key, (slot = { value, bytes, byValue: new Map<string | number | boolean, Buffer>() }));
  slot.byValue.set(value, bytes);
  slot.value = value;
  slot.bytes = bytes;
  cacheBytes += bytes.length + 64;
  return bytes;
}

function keyValue(w: Writer, key: string, value: AttributeValue | undefined): void {
  const kv = w.begin();
  w.tag(1, 2);
  w.string(key);
  w.tag(2, 2);
  const v = w.begin();
  anyValue(w, value);
  w.end(v);
  w.end(kv);
}

function anyValue(w: Writer, value: unknown): void {
  const t = typeof value;
  if (t === 'string') {
    w.tag(1, 2);
    w.string(value as string);
  } else if (t === 'boolean') {
    w.tag(2, 0);
    w.varint(value ? 1 : 0);
  } else if (t === 'number') {
    const n = value as number;
    if (Number.isInteger(n) && n >= -(2 ** 63) && n < 2 ** 63) {
      w.tag(3, 0);
      w.varint(n);
    } else {
      w.tag(4, 1);
      w.double(n);
    }
  } else if (value instanceof Uint8Array) {
    w.tag(7, 2);
    w.bytes(value);
  } else if (Array.isArray(value)) {
    w.tag(5, 2);
    const a = w.begin();
    for (const item of value) {
      w.tag(1, 2);
      const i = w.begin();
      anyValue(w, item);
      w.end(i);
    }
    w.end(a);
  } else if (t === 'object' && value !== null) {
    w.tag(6, 2);
    const l = w.begin();
    const obj = value as Record<string, unknown>;
    for (const k in obj) {
      if (!hasOwn(obj, k)) continue;
      w.tag(1, 2);
      keyValue(w, k, obj[k] as AttributeValue);
    }
    w.end(l);
  }
}
