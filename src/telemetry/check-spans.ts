import { Buffer } from 'node:buffer';
import { randomFillSync } from 'node:crypto';
import {
  context,
  diag,
  INVALID_SPAN_CONTEXT,
  ROOT_CONTEXT,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Attributes,
  type AttributeValue,
  type Context,
  type Exception,
  type HrTime,
  type Link,
  type Span,
  type SpanAttributes,
  type SpanContext,
  type SpanKind,
  type SpanStatus,
  type TimeInput,
} from '@opentelemetry/api';
import {
  ExportResultCode,
  globalErrorHandler,
  isTracingSuppressed,
  isAttributeValue,
  isTimeInput,
  isTimeInputHrTime,
  millisToHrTime,
  otperformance,
  sanitizeAttributes,
  suppressTracing,
  type ExportResult,
} from '@opentelemetry/core';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ParentBasedSampler,
  SamplingDecision,
  TraceIdRatioBasedSampler,
  type ReadableSpan,
  type Sampler,
  type SamplingResult,
  type SpanProcessor,
  type TimedEvent,
} from '@opentelemetry/sdk-trace-base';
import { frameInPlace, framingRoom, OWN_SPAN_ID, OWN_TRACE_ID, writeSpan, Writer, type AttributeSource, type EncodedSpans, type KnownId, type SpanFields } from './otlp-spans.js';

/**
 * The Check span without the SDK's generic span machinery: with every Check sampled, the SDK's
 * span objects (an attribute-by-attribute copy with validation, a processor chain, a queue of
 * objects that live until the batch is exported and so survive young-generation GC) cost more
 * than the Check's own work. Here a span is encoded to OTLP protobuf the moment it ends, by the
 * same writer as otlp-spans.ts, and only its bytes wait for export.
 *
 * What an SRE sees does not change: the same span (name, kind, ids, parent, times, status,
 * attributes, events), sampled by the sampler OTEL_TRACES_SAMPLER names, batched as OTEL_BSP_*
 * says (a bounded queue that drops and counts when the collector is slow or down; export never
 * blocks a Check), sent by the SDK's own OTLP/HTTP export delegate (endpoint, headers, timeout,
 * compression, retries from OTEL_EXPORTER_OTLP_*). A CheckSpan is a real OpenTelemetry API span:
 * put in a context, child spans of the SDK tracer (the JWKS fetch) and any other instrumentation
 * take it as their parent, and the SDK's spans reach the same queue through RecorderProcessor.
 * test/integration/telemetry-recorder.test.ts decodes what an OTLP receiver gets from this path
 * and from the SDK's for the same Checks, and compares them.
 *
 * Span limits are the SDK's defaults (128 attributes, events, links; no value length limit);
 * when an OTEL_*_LIMIT variable changes them, tracing.ts uses the SDK's spans instead
 * (`spanLimitsFromEnv`), so no setting is silently ignored.
 */

const COUNT_LIMIT = 128;
/** Inlined by V8, unlike Object.hasOwn (see otlp-spans.ts). */
function hasOwn(o: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, key);
}

/**
 * OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG as the OpenTelemetry specification defines them
 * (the SDK's default: parentbased_always_on), as an EnvSampler: every sampler the specification
 * names for this variable can decide without a context.
 */
export function samplerFromEnv(env: NodeJS.ProcessEnv): EnvSampler {
  const name = env.OTEL_TRACES_SAMPLER?.trim();
  const ratio = () => {
    const raw = env.OTEL_TRACES_SAMPLER_ARG?.trim();
    const n = raw ? Number(raw) : NaN;
    if (!Number.isFinite(n) || n < 0 || n > 1) {
      diag.error(`OTEL_TRACES_SAMPLER_ARG=${raw ?? ''} is blank or out of range [0..1]; using 1.`);
      return 1;
    }
    return n;
  };
  switch (name) {
    case 'always_on':
      return new EnvSampler(false, new AlwaysOnSampler());
    case 'always_off':
      return new EnvSampler(false, new AlwaysOffSampler());
    case 'parentbased_always_off':
      return new EnvSampler(true, new AlwaysOffSampler());
    case 'traceidratio':
      return new EnvSampler(false, new TraceIdRatioBasedSampler(ratio()));
    case 'parentbased_traceidratio':
      return new EnvSampler(true, new TraceIdRatioBasedSampler(ratio()));
    case undefined:
    case '':
    case 'parentbased_always_on':
      return new EnvSampler(true, new AlwaysOnSampler());
    default:
      diag.error(`unknown OTEL_TRACES_SAMPLER value "${name}", using parentbased_always_on`);
      return new EnvSampler(true, new AlwaysOnSampler());
  }
}

/**
 * One of the samplers OTEL_TRACES_SAMPLER names: `root` (always on, always off or a trace-id
 * ratio), alone or under the SDK's ParentBasedSampler with its default parent samplers. To the SDK
 * tracer it is that sampler (`shouldSample`). The Check span asks `decide` instead, with the
 * parent's span context: the SDK's interface takes a context, and building one per Check (a
 * context with its map, a non-recording span around the parent) was most of what a sampled Check
 * allocated for its parent. The decisions are the same (a property test compares them): a
 * parent-based sampler's default parent samplers are always on for a sampled parent and always off
 * for one that is not, remote or local alike, and the root samplers read only the trace id.
 */
export class EnvSampler implements Sampler {
  private readonly sdk: Sampler;
  /** The root's decision when it does not depend on the trace id. */
  private readonly fixed: SamplingDecision | undefined;

  constructor(
    readonly parentBased: boolean,
    private readonly root: AlwaysOnSampler | AlwaysOffSampler | TraceIdRatioBasedSampler,
  ) {
    this.sdk = parentBased ? new ParentBasedSampler({ root }) : root;
    this.fixed = root instanceof AlwaysOnSampler ? SamplingDecision.RECORD_AND_SAMPLED : root instanceof AlwaysOffSampler ? SamplingDecision.NOT_RECORD : undefined;
  }

  shouldSample(context: Context, traceId: string, name: string, kind: SpanKind, attributes: Attributes, links: Link[]): SamplingResult {
    return this.sdk.shouldSample(context, traceId, name, kind, attributes, links);
  }

  /** shouldSample's decision for a span whose parent is `parent` (valid), or a root (undefined). */
  decide(parent: SpanContext | undefined, traceId: string): SamplingDecision {
    if (this.parentBased && parent !== undefined) return (parent.traceFlags & TraceFlags.SAMPLED) !== 0 ? SamplingDecision.RECORD_AND_SAMPLED : SamplingDecision.NOT_RECORD;
    return this.fixed ?? this.root.shouldSample(ROOT_CONTEXT, traceId).decision;
  }

  toString(): string {
    return this.sdk.toString();
  }
}

/** True when an OTEL_* span limit is set: the recorder implements only the defaults. */
export function spanLimitsFromEnv(env: NodeJS.ProcessEnv): boolean {
  return Object.keys(env).some((k) => /^OTEL_(SPAN_)?(ATTRIBUTE|EVENT|LINK)_.*LIMIT$|^OTEL_SPAN_ATTRIBUTE_PER_(EVENT|LINK)_COUNT_LIMIT$/.test(k) && env[k]?.trim());
}

/** OTEL_BSP_* with the SDK's defaults. */
export function batchSettingsFromEnv(env: NodeJS.ProcessEnv): BatchSettings {
  const n = (key: string, dflt: number) => {
    const raw = env[key]?.trim();
    const v = raw ? Number(raw) : NaN;
    return Number.isFinite(v) && v >= 0 ? v : dflt;
  };
  const maxQueueSize = n('OTEL_BSP_MAX_QUEUE_SIZE', 2048);
  let maxExportBatchSize = n('OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 512);
  if (maxExportBatchSize > maxQueueSize) {
    diag.warn('OTEL_BSP_MAX_EXPORT_BATCH_SIZE is larger than OTEL_BSP_MAX_QUEUE_SIZE; using the queue size');
    maxExportBatchSize = maxQueueSize;
  }
  return {
    maxQueueSize,
    maxExportBatchSize: Math.max(1, maxExportBatchSize),
    scheduledDelayMillis: n('OTEL_BSP_SCHEDULE_DELAY', 5000),
    exportTimeoutMillis: n('OTEL_BSP_EXPORT_TIMEOUT', 30000),
  };
}

export interface BatchSettings {
  maxQueueSize: number;
  maxExportBatchSize: number;
  scheduledDelayMillis: number;
  exportTimeoutMillis: number;
}

// ---------------------------------------------------------------------------------------------
// Ids: random bytes drawn from a pool refilled by the CSPRNG, as hex.

const POOL = Buffer.allocUnsafe(8192);
let poolAt = POOL.length;
/**
 * POOL as hex, made once per refill: an id is a slice of it, the same characters as
 * `POOL.toString('hex', at, end)` without a call into Buffer's native code per id (its argument
 * parsing and encoding: ~1.5k instructions per id against ~0.46k, trace41, callgrind). A slice
 * holds this 16 KB string until the id is dropped, which a span does when it has been encoded.
 */
let poolHex = '';

function randomHex(bytes: number): string {
  for (;;) {
    if (poolAt + bytes > POOL.length) {
      randomFillSync(POOL);
      poolHex = POOL.toString('hex');
      poolAt = 0;
    }
    const at = poolAt;
    poolAt += bytes;
    // An all-zero id is invalid (W3C trace context); drawn again, as unlikely as that is.
    for (let i = at; i < at + bytes; i++) if (POOL[i] !== 0) return poolHex.slice(2 * at, 2 * (at + bytes));
  }
}

/** randomHex for `known`'s size, its bytes kept in `known` for the span's serialisation (otlp-spans.ts KnownId). */
function randomId(known: KnownId): string {
  const n = known.bytes.length;
  const id = randomHex(n);
  known.text = '';
  const at = poolAt - n;
  for (let i = 0; i < n; i++) known.bytes[i] = POOL[at + i]!;
  known.text = id;
  return id;
}

// ---------------------------------------------------------------------------------------------
// The span

/** Attributes encoded once and shared by many spans: valid values, their KeyValue fields (encodeSpanAttributes), how many. */
export interface AttributeBlock {
  readonly attributes: Readonly<Attributes>;
  readonly bytes: Uint8Array;
  readonly count: number;
}

type Ender = (span: CheckSpan) => void;

/**
 * An API span recorded for export by the recorder (or only recorded, when the sampler said
 * RECORD). Its public methods behave as the SDK's span does with the default limits.
 */
export class CheckSpan implements Span, SpanFields {
  // Shared empty values until something is recorded: a Check span usually gets only adoptAttributes.
  attributes: Attributes = NO_ATTRIBUTES;
  links: Link[] = NO_LINKS;
  events: TimedEvent[] = NO_EVENTS;
  status: SpanStatus = UNSET;
  startTime: HrTime;
  endTime: HrTime = NOT_ENDED;
  droppedAttributesCount = 0;
  droppedEventsCount = 0;
  droppedLinksCount = 0;
  /** Attributes given encoded (adoptAttributes with a block): written before `attributes`, not in it. */
  encodedAttributes: Uint8Array | undefined = undefined;
  /** Attributes written from a source when the span is encoded (adoptSource): after the encoded ones, not in `attributes`. */
  attributeSource: AttributeSource<unknown> | undefined = undefined;
  attributeArg: unknown = undefined;
  /** The encoded attributes as values, for setAttribute to merge back. */
  private block: Readonly<Attributes> | undefined;
  private attributeCount = 0;
  private ended = false;
  private readonly perfStart: number;
  private readonly perfOffset: number;
  private readonly startProvided: boolean;

  constructor(
    private readonly onEnd: Ender | undefined,
    public name: string,
    readonly kind: SpanKind,
    private readonly ctx: SpanContext,
    readonly parentSpanContext: SpanContext | undefined,
    startTime: TimeInput | undefined,
  ) {
    // Times as the SDK's span takes them: a performance.now() start corrected to the wall clock.
    const now = Date.now();
    this.perfStart = otperformance.now();
    this.perfOffset = now - (this.perfStart + TIME_ORIGIN);
    this.startProvided = startTime != null;
    this.startTime = this.time(startTime ?? now);
  }

  spanContext(): SpanContext {
    return this.ctx;
  }

  isRecording(): boolean {
    return !this.ended;
  }

  setAttribute(key: string, value: AttributeValue): this {
    if (value == null || this.ended) return this;
    if (key.length === 0) {
      diag.warn(`Invalid attribute key: ${key}`);
      return this;
    }
    if (!isAttributeValue(value)) {
      diag.warn(`Invalid attribute value set for key: ${key}`);
      return this;
    }
    if (this.block !== undefined || this.attributeSource !== undefined) this.unblock();
    const isNew = !hasOwn(this.attributes, key);
    if (isNew && this.attributeCount >= COUNT_LIMIT) {
      this.droppedAttributesCount++;
      return this;
    }
    if (this.attributes === NO_ATTRIBUTES) this.attributes = {};
    this.attributes[key] = value;
    if (isNew) this.attributeCount++;
    return this;
  }

  setAttributes(attributes: SpanAttributes): this {
    for (const key in attributes) if (hasOwn(attributes, key)) this.setAttribute(key, attributes[key]!);
    return this;
  }

  /**
   * The Check's own attributes (checkAttributes in tracing.ts: valid values, fewer than the limit,
   * a fresh object nobody else holds), taken as they are instead of copied key by key. `block`:
   * attributes that come first, encoded already (the decision's, see decisionBlock in tracing.ts),
   * none of them in `attributes`.
   */
  adoptAttributes(attributes: Attributes, block?: AttributeBlock): void {
    if (this.ended) return;
    if (this.attributeCount !== 0) {
      if (block) this.setAttributes(block.attributes);
      this.setAttributes(attributes);
      return;
    }
    let n = 0;
    for (const key in attributes) {
      if (attributes[key] == null) delete attributes[key];
      else n++;
    }
    if (n + (block?.count ?? 0) > COUNT_LIMIT) {
      if (block) this.setAttributes(block.attributes);
      this.setAttributes(attributes);
      return;
    }
    this.attributes = attributes;
    this.attributeCount = n;
    if (block) {
      this.block = block.attributes;
      this.encodedAttributes = block.bytes;
      this.attributeCount += block.count;
    }
  }

  /**
   * The Check's attributes as adoptAttributes takes them, except its request attributes: written
   * from `source` and `arg` when the span is encoded (no object for them), after `block`'s.
   */
  adoptSource<T>(block: AttributeBlock | undefined, source: AttributeSource<T>, arg: T): void {
    if (this.ended) return;
    if (this.attributeCount !== 0 || (block?.count ?? 0) + source.max > COUNT_LIMIT) {
      const attributes: Attributes = {};
      source.into(arg, attributes);
      if (block) this.setAttributes(block.attributes);
      this.setAttributes(attributes);
      return;
    }
    if (block) {
      this.block = block.attributes;
      this.encodedAttributes = block.bytes;
      this.attributeCount = block.count;
    }
    this.attributeSource = source as AttributeSource<unknown>;
    this.attributeArg = arg;
    // An upper bound until unblock counts them: only the limit of setAttribute reads it, after unblock.
    this.attributeCount += source.max;
  }

  /** The encoded and sourced attributes back into `attributes` (in front, as they are written), before one of them is set again. */
  private unblock(): void {
    const merged: Attributes = {};
    for (const key in this.block) merged[key] = this.block[key];
    if (this.attributeSource !== undefined) this.attributeSource.into(this.attributeArg, merged);
    for (const key in this.attributes) if (hasOwn(this.attributes, key)) merged[key] = this.attributes[key];
    let n = 0;
    for (const key in merged) {
      if (merged[key] == null) delete merged[key];
      else n++;
    }
    this.attributes = merged;
    this.attributeCount = n;
    this.block = undefined;
    this.encodedAttributes = undefined;
    this.attributeSource = undefined;
    this.attributeArg = undefined;
  }

  addEvent(name: string, attributesOrStartTime?: SpanAttributes | TimeInput, timeStamp?: TimeInput): this {
    if (this.ended) return this;
    if (this.events === NO_EVENTS) this.events = [];
    if (this.events.length >= COUNT_LIMIT) {
      this.events.shift();
      this.droppedEventsCount++;
    }
    if (isTimeInput(attributesOrStartTime)) {
      if (!isTimeInput(timeStamp)) timeStamp = attributesOrStartTime;
      attributesOrStartTime = undefined;
    }
    const { attributes, dropped } = limited(sanitizeAttributes(attributesOrStartTime));
    this.events.push({ name, attributes, time: this.time(timeStamp), droppedAttributesCount: dropped });
    return this;
  }

  addLink(link: Link): this {
    if (this.ended) return this;
    if (this.links === NO_LINKS) this.links = [];
    if (this.links.length >= COUNT_LIMIT) {
      this.links.shift();
      this.droppedLinksCount++;
    }
    const { attributes, dropped, count } = limited(sanitizeAttributes(link.attributes));
    const kept: Link = { context: link.context };
    if (count > 0) kept.attributes = attributes;
    if (dropped > 0) kept.droppedAttributesCount = dropped;
    this.links.push(kept);
    return this;
  }

  addLinks(links: Link[]): this {
    for (const link of links) this.addLink(link);
    return this;
  }

  setStatus(status: SpanStatus): this {
    if (this.ended || status.code === SpanStatusCode.UNSET || this.status.code === SpanStatusCode.OK) return this;
    const next: SpanStatus = { code: status.code };
    if (status.code === SpanStatusCode.ERROR && typeof status.message === 'string') next.message = status.message;
    this.status = next;
    return this;
  }

  updateName(name: string): this {
    if (!this.ended) this.name = name;
    return this;
  }

  end(endTime?: TimeInput): void {
    if (this.ended) {
      diag.error(`${this.name} ${this.ctx.traceId}-${this.ctx.spanId} - You can only call end() on a span once.`);
      return;
    }
    this.endTime = this.time(endTime);
    // As the SDK: an end before the start becomes the start (a negative duration in whole seconds).
    const [s0, n0] = this.startTime;
    const [s1, n1] = this.endTime;
    if (s1 < s0 || (s1 === s0 && n1 < n0)) this.endTime = [s0, n0];
    this.ended = true;
    this.onEnd?.(this);
  }

  recordException(exception: Exception, time?: TimeInput): void {
    const attributes: Attributes = {};
    if (typeof exception === 'string') {
      attributes['exception.message'] = exception;
    } else if (exception) {
      if (exception.code) attributes['exception.type'] = exception.code.toString();
      else if (exception.name) attributes['exception.type'] = exception.name;
      if (exception.message) attributes['exception.message'] = exception.message;
      if (exception.stack) attributes['exception.stacktrace'] = exception.stack;
    }
    if (attributes['exception.type'] || attributes['exception.message']) this.addEvent('exception', attributes, time);
    else diag.warn(`Failed to record an exception ${String(exception)}`);
  }

  private time(input: TimeInput | undefined): HrTime {
    // hrTime(x) of @opentelemetry/core, with the process's time origin converted once. A Check's
    // start (performance.now() taken before the span) is at most perfStart, so at most now: the
    // same branch without reading the clock a third time.
    if (typeof input === 'number') return input <= this.perfStart || input <= otperformance.now() ? plusMillis(TIME_ORIGIN_HR, input + this.perfOffset) : millisToHrTime(input);
    if (input instanceof Date) return millisToHrTime(input.getTime());
    if (isTimeInputHrTime(input)) return input;
    if (this.startProvided) return millisToHrTime(Date.now());
    return plusMillis(this.startTime, otperformance.now() - this.perfStart);
  }
}

/**
 * addHrTimes(base, millisToHrTime(ms)) of @opentelemetry/core, the same arithmetic in the same
 * order, without the intermediate array: one HrTime per span time instead of two.
 */
function plusMillis(base: HrTime, ms: number): HrTime {
  let s = base[0] + Math.trunc(ms / 1000);
  let ns = base[1] + Math.round((ms % 1000) * 1e6);
  if (ns >= 1e9) {
    ns -= 1e9;
    s += 1;
  }
  return [s, ns];
}

const NO_ATTRIBUTES: Attributes = Object.freeze({}) as Attributes;
const NO_LINKS: Link[] = Object.freeze([]) as unknown as Link[];
const NO_EVENTS: TimedEvent[] = Object.freeze([]) as unknown as TimedEvent[];
const UNSET: SpanStatus = Object.freeze({ code: SpanStatusCode.UNSET });
const NOT_ENDED: HrTime = Object.freeze([0, 0]) as unknown as HrTime;
/** performance.timeOrigin does not change in a process; the SDK converts it on every call. */
const TIME_ORIGIN = otperformance.timeOrigin;
const TIME_ORIGIN_HR = millisToHrTime(TIME_ORIGIN);

function limited(attrs: Attributes): { attributes: Attributes; dropped: number; count: number } {
  const attributes: Attributes = {};
  let dropped = 0;
  let count = 0;
  for (const key in attrs) {
    if (!hasOwn(attrs, key)) continue;
    if (count >= COUNT_LIMIT) {
      dropped++;
      continue;
    }
    attributes[key] = attrs[key];
    count++;
  }
  return { attributes, dropped, count };
}

// ---------------------------------------------------------------------------------------------
// Starting spans: the SDK tracer's steps (ids, sampler, trace state), without its span object.

export class CheckSpans {
  private readonly record: Ender;
  /** The sampler, when it can decide without a context (samplerFromEnv's always can). */
  private readonly direct: EnvSampler | undefined;

  constructor(
    private readonly sampler: Sampler,
    recorder: SpanRecorder,
  ) {
    this.record = (span) => {
      if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) !== 0) recorder.add(span);
    };
    this.direct = sampler instanceof EnvSampler ? sampler : undefined;
  }

  /** A span whose parent is the span in `parent` (a remote one from propagation, or an in-process one), or a root. */
  start(name: string, kind: SpanKind, startTime: number, parent: Context): Span {
    if (isTracingSuppressed(parent)) return trace.wrapSpanContext(INVALID_SPAN_CONTEXT);
    const parentSc = trace.getSpanContext(parent);
    return this.open(name, kind, startTime, parentSc !== undefined && trace.isSpanContextValid(parentSc) ? parentSc : undefined, parent);
  }

  /**
   * start(name, kind, startTime, trace.setSpanContext(ROOT_CONTEXT, parent)) without that context
   * (unless the sampler needs one): `parent` is a valid span context read from the request.
   */
  startRemote(name: string, kind: SpanKind, startTime: number, parent: SpanContext): Span {
    return this.open(name, kind, startTime, parent, undefined);
  }

  /** `parentSc`: the parent's span context when it is valid; `parent`: its context, if there is one already. */
  private open(name: string, kind: SpanKind, startTime: number, parentSc: SpanContext | undefined, parent: Context | undefined): Span {
    const traceId = parentSc !== undefined ? parentSc.traceId : randomId(OWN_TRACE_ID);
    const spanId = randomId(OWN_SPAN_ID);
    let traceState = parentSc?.traceState;
    let decision: SamplingDecision;
    let attributes: Readonly<Attributes> | undefined;
    if (this.direct !== undefined) decision = this.direct.decide(parentSc, traceId);
    else {
      const ctx = parent ?? (parentSc !== undefined ? trace.setSpanContext(ROOT_CONTEXT, parentSc) : ROOT_CONTEXT);
      // Frozen shared empties: no sampler changes what it is given, and a Check span starts with none.
      const result = this.sampler.shouldSample(ctx, traceId, name, kind, NO_ATTRIBUTES, NO_LINKS);
      decision = result.decision;
      attributes = result.attributes;
      if (result.traceState) traceState = result.traceState;
    }
    const traceFlags = decision === SamplingDecision.RECORD_AND_SAMPLED ? TraceFlags.SAMPLED : TraceFlags.NONE;
    const sc: SpanContext = traceState ? { traceId, spanId, traceFlags, traceState } : { traceId, spanId, traceFlags };
    if (decision === SamplingDecision.NOT_RECORD) return trace.wrapSpanContext(sc);
    const span = new CheckSpan(this.record, name, kind, sc, parentSc, startTime);
    if (attributes) span.setAttributes(sanitizeAttributes(attributes));
    return span;
  }
}

// ---------------------------------------------------------------------------------------------
// The queue and its export

/** A batch handed to the export delegate: spans encoded already, plus span objects of other scopes. */
export interface SpanBatch {
  encoded: EncodedSpans;
  spans: ReadableSpan[];
  count: number;
  /** The whole ExportTraceServiceRequest, framed in place around `encoded.body` (no span objects); else serializeEncoded builds it. */
  request?: Uint8Array;
  /** The buffer the request lives in: the recorder writes the next batch into it once this one was delivered. */
  buffer?: Buffer;
}

export interface BatchExporter {
  export(batch: SpanBatch, done: (result: ExportResult) => void): void;
  shutdown(): Promise<void>;
}

/**
 * The batch span processor's behaviour (OTEL_BSP_*) over encoded spans: at most maxQueueSize
 * spans wait (later ones are dropped and counted, never queued without bound), a batch leaves when
 * it holds maxExportBatchSize spans or scheduledDelayMillis after the first span of a batch, one
 * export at a time, given up on (not cancelled) after exportTimeoutMillis so the next can start.
 */
export class SpanRecorder {
  /** Spans dropped because the queue was full, since startup. */
  dropped = 0;
  private droppedSinceWarn = 0;
  private writer: Writer | undefined;
  private inWriter = 0;
  private foreign: ReadableSpan[] = [];
  private readonly sealed: SpanBatch[] = [];
  private queued = 0;
  private exporting = false;
  private timer: NodeJS.Timeout | undefined;
  private lastBatchBytes = 16 * 1024;
  /** Buffers of delivered batches, written again: see add. */
  private readonly spare: Buffer[] = [];
  /** Bytes left in front of a batch's spans for the request's framing (frameInPlace). */
  private readonly room: number;
  private shutdownPromise: Promise<void> | undefined;

  constructor(
    readonly resource: ReadableSpan['resource'],
    readonly scope: ReadableSpan['instrumentationScope'],
    private readonly settings: BatchSettings,
    private readonly exporter: BatchExporter,
  ) {
    this.room = framingRoom(resource, scope);
  }

  /** A finished, sampled span of this recorder's resource and scope. */
  add(span: SpanFields): void {
    if (!this.admit()) return;
    const w = (this.writer ??= this.newWriter());
    const at = w.pos;
    try {
      writeSpan(w, span);
    } catch (err) {
      w.pos = at;
      this.queued--;
      throw err;
    }
    this.inWriter++;
    this.added();
  }

  /** A finished, sampled span of another resource or scope (an instrumentation's): kept as an object. */
  addForeign(span: ReadableSpan): void {
    if (!this.admit()) return;
    this.foreign.push(span);
    this.added();
  }

  forceFlush(): Promise<void> {
    if (this.shutdownPromise) return this.shutdownPromise;
    return this.flushAll();
  }

  shutdown(): Promise<void> {
    this.shutdownPromise ??= this.flushAll().then(() => this.exporter.shutdown());
    return this.shutdownPromise;
  }

  private admit(): boolean {
    if (this.shutdownPromise) return false;
    if (this.queued >= this.settings.maxQueueSize) {
      this.dropped++;
      this.droppedSinceWarn++;
      return false;
    }
    if (this.droppedSinceWarn > 0) {
      diag.warn(`Dropped ${this.droppedSinceWarn} spans because maxQueueSize reached`);
      this.droppedSinceWarn = 0;
    }
    this.queued++;
    return true;
  }

  private added(): void {
    if (this.inWriter + this.foreign.length >= this.settings.maxExportBatchSize) this.seal();
    this.maybeStart();
  }

  /**
   * The batch's spans are written after `room` bytes, into the buffer of a delivered batch when
   * there is one. A batch of every Check's span is megabytes (2048 spans of ~0.7 KB in bench (d)):
   * a new buffer for each is external memory that V8 counts towards starting a full collection,
   * and under load those collections, and the slower scavenges while they mark, cost more than
   * encoding the spans (bench/README.md, tracing end to end).
   */
  private newWriter(): Writer {
    const spare = this.spare.pop();
    const w = new Writer(spare && spare.length >= this.room + 1024 ? spare : Math.max(this.lastBatchBytes, this.room + 1024));
    w.pos = this.room;
    return w;
  }

  private seal(): void {
    const n = this.inWriter + this.foreign.length;
    if (n === 0) return;
    const w = this.writer;
    const body = w ? w.buf.subarray(this.room, w.pos) : Buffer.alloc(0);
    if (w) this.lastBatchBytes = Math.max(16 * 1024, w.pos + (w.pos >>> 3));
    const batch: SpanBatch = { encoded: { resource: this.resource, scope: this.scope, body }, spans: this.foreign, count: n };
    if (w && this.foreign.length === 0 && body.length > 0) {
      batch.request = frameInPlace(w, this.room, this.resource, this.scope);
      if (batch.request) batch.buffer = w.buf;
    }
    this.sealed.push(batch);
    this.writer = undefined;
    this.inWriter = 0;
    this.foreign = [];
  }

  private maybeStart(): void {
    if (this.exporting) return;
    if (this.queued >= this.settings.maxExportBatchSize) {
      this.flush();
      return;
    }
    if (this.timer !== undefined) return;
    this.timer = setTimeout(this.onTimer, this.settings.scheduledDelayMillis);
    this.timer.unref();
  }

  /**
   * Made once: an arrow function in maybeStart would make V8 allocate that call's context (for
   * `this`) on every call, that is on every span, not only when a timer is set.
   */
  private readonly onTimer = () => this.flush();

  private flush(): void {
    this.exporting = true;
    this.flushOne()
      .catch((err: unknown) => globalErrorHandler(err as Error))
      .finally(() => {
        this.exporting = false;
        if (this.queued > 0) {
          this.clearTimer();
          this.maybeStart();
        }
      });
  }

  private flushAll(): Promise<void> {
    this.seal();
    const exports: Promise<void>[] = [];
    for (let n = this.sealed.length; n > 0; n--) exports.push(this.flushOne());
    return Promise.all(exports).then(() => undefined);
  }

  private flushOne(): Promise<void> {
    this.clearTimer();
    if (this.sealed.length === 0) this.seal();
    const batch = this.sealed.shift();
    if (!batch) return Promise.resolve();
    this.queued -= batch.count;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('Timeout')), this.settings.exportTimeoutMillis);
      // Nothing the export does (an instrumented HTTP client) may record spans of its own.
      context.with(suppressTracing(context.active()), () => {
        this.exporter.export(batch, (result) => {
          clearTimeout(timer);
          if (result.code === ExportResultCode.SUCCESS) {
            // Delivered: the collector answered, so the transport has sent every byte and holds
            // none (retries happen before this callback). After a failure or a timeout a request
            // may still be writing from the buffer, so it is left to the garbage collector.
            if (batch.buffer && this.spare.length < 2) this.spare.push(batch.buffer);
            resolve();
          } else reject(result.error ?? new Error('span export failed'));
        });
      });
    });
  }

  private clearTimer(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }
}

/**
 * The SDK tracer's spans (the JWKS fetch, any instrumentation's) into the recorder's queue: the
 * SpanProcessor the TracerProvider is given instead of a BatchSpanProcessor.
 */
export class RecorderProcessor implements SpanProcessor {
  constructor(private readonly recorder: SpanRecorder) {}

  onStart(): void {}

  onEnd(span: ReadableSpan): void {
    if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
    const own = this.recorder.scope;
    const scope = span.instrumentationScope;
    if (span.resource === this.recorder.resource && scope.name === own.name && scope.version === own.version && scope.schemaUrl === own.schemaUrl) {
      this.recorder.add(span);
    } else {
      this.recorder.addForeign(span);
    }
  }

  forceFlush(): Promise<void> {
    return this.recorder.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.recorder.shutdown();
  }
}
