import { Buffer } from 'node:buffer';
import {
  context,
  createContextKey,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type AttributeValue,
  type Context,
  type Span,
  type SpanContext,
  type TextMapGetter,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import { CompositePropagator, TraceState, W3CTraceContextPropagator } from '@opentelemetry/core';
import { B3Propagator } from '@opentelemetry/propagator-b3';
import { OTLPExporterBase } from '@opentelemetry/otlp-exporter-base';
import { convertLegacyHttpOptions, createOtlpHttpExportDelegate } from '@opentelemetry/otlp-exporter-base/node-http';
import { ProtobufTraceSerializer, TraceExporterMetricsHelper } from '@opentelemetry/otlp-transformer';
import { NodeSDK } from '@opentelemetry/sdk-node';
import type { ReadableSpan, Sampler, SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { ClientKind } from '../decision/respond.js';
import type { Verdict } from '../decision/verdict.js';
import type { Runtime } from '../pipeline/runtime.js';
import { batchSettingsFromEnv, CheckSpan, type AttributeBlock, CheckSpans, RecorderProcessor, samplerFromEnv, SpanRecorder, spanLimitsFromEnv, type SpanBatch } from './check-spans.js';
import { SyncContextManager } from './context.js';
import { encodeSpanAttributes, FAST_TRACE_SERIALIZER, REMOTE_SPAN_ID, REMOTE_TRACE_ID, serializeEncoded, writeAttribute, Writer, type AttributeSource } from './otlp-spans.js';
import { rulesLabel, tokenCacheOutcome, type TokenCacheOutcome } from './metrics.js';
import { serviceResource, SERVICE_VERSION, tracingWanted } from './otel-env.js';
import { clip, CLIP_CHARS, redactUrls, subjectFor, type SubjectMode } from '../core/redact.js';
import type { Identity } from '../core/identity.js';
import type { RequestAttributes } from '../request/attributes.js';
import type { KubeRequestInfo } from '../request/kube.js';

/** Span names and attribute names: a stable, documented vocabulary (docs/observability.md). */
export const SPAN_CHECK = 'stepgate.check';
export const SPAN_JWKS = 'stepgate.jwks.refresh';

export const ATTR = {
  decision: 'stepgate.decision',
  reason: 'stepgate.reason',
  detail: 'stepgate.detail',
  status: 'stepgate.response.status',
  clientKind: 'stepgate.client_kind',
  rules: 'stepgate.rules',
  levelRequired: 'stepgate.level.required',
  maxAge: 'stepgate.max_age',
  levelPresented: 'stepgate.level.presented',
  authAge: 'stepgate.auth_age',
  tokenCacheHit: 'stepgate.token_cache.hit',
  issuer: 'stepgate.issuer',
  subject: 'stepgate.subject',
  path: 'stepgate.request.path',
  k8sVerb: 'stepgate.k8s.verb',
  k8sApiGroup: 'stepgate.k8s.api_group',
  k8sResource: 'stepgate.k8s.resource',
  k8sSubresource: 'stepgate.k8s.subresource',
  k8sNamespace: 'stepgate.k8s.namespace',
  k8sName: 'stepgate.k8s.name',
  jwksOutcome: 'stepgate.jwks.outcome',
  riskScore: 'stepgate.risk.score',
  riskBand: 'stepgate.risk.band',
  riskReasons: 'stepgate.risk.reasons',
  riskContext: 'stepgate.risk.context',
  guardrails: 'stepgate.guardrails',
  shadowDecision: 'stepgate.shadow.decision',
  shadowReason: 'stepgate.shadow.reason',
  shadowRules: 'stepgate.shadow.rules',
} as const;

/** The request's headers (lower-case names, as the pipeline keeps them) as a propagation carrier. */
const HEADERS: TextMapGetter<ReadonlyMap<string, string>> = {
  get: (carrier, key) => carrier.get(key),
  keys: (carrier) => [...carrier.keys()],
};

/** gRPC call metadata, structurally (grpc-js `Metadata`): telemetry does not depend on grpc-js. */
export interface CallMetadata {
  get(key: string): unknown[];
}

/**
 * The first value of `key` (lower case) in the call metadata, undefined when there is none.
 * grpc-js' `get` lower-cases the key into a new string and answers a missing key with a new empty
 * array: ~190 bytes of garbage for the three keys looked up on every sampled Check without trace
 * headers in its metadata. Its `Metadata` keeps the values in a Map by lower-case key
 * (`internalRepr`, protected in its types, stable since grpc-js 1.0; test/unit/check-spans.test.ts
 * checks that it is still there), read directly when it is there; `get` otherwise.
 */
function first(metadata: CallMetadata, key: string): unknown {
  const repr = (metadata as { internalRepr?: unknown }).internalRepr;
  if (repr instanceof Map) return (repr.get(key) as unknown[] | undefined)?.[0];
  return metadata.get(key)[0];
}

const METADATA: TextMapGetter<CallMetadata> = {
  get: (carrier, key) => {
    const v = carrier.get(key)[0];
    return typeof v === 'string' ? v : undefined;
  },
  keys: () => [],
};

/**
 * METADATA for the lower-case keys fromTraceparent asks (`tracestate`), read as `first` reads:
 * grpc-js' `get` lower-cases the key and answers a missing one with a new array, on every sampled
 * Check whose call carries a traceparent.
 */
const METADATA_LOWER: TextMapGetter<CallMetadata> = {
  get: (carrier, key) => {
    const v = first(carrier, key);
    return typeof v === 'string' ? v : undefined;
  },
  keys: () => [],
};

/**
 * W3C trace context and B3 (single `b3` header or `x-b3-*`), whatever OTEL_PROPAGATORS says:
 * the gateway in front decides the format, not stepgate. B3 is extracted first, so when a
 * carrier has both, `traceparent` wins.
 */
const PROPAGATOR = new CompositePropagator({ propagators: [new B3Propagator(), new W3CTraceContextPropagator()] });

/**
 * The parent of a Check span. First the gRPC call metadata: when the gateway traces, Envoy's
 * ext_authz client puts its own span for this call there, the exact parent. Otherwise the
 * CheckRequest's HTTP headers: the trace the request arrived with (Envoy adds its own request
 * span to the headers only when it routes upstream, after ext_authz).
 */
export function extractParent(headers: ReadonlyMap<string, string> | undefined, metadata?: CallMetadata): Context {
  const p = parentOf(headers, metadata);
  return isSpanContext(p) ? trace.setSpanContext(ROOT_CONTEXT, p) : p;
}

/**
 * extractParent's parent: on the usual path (a version-00 `traceparent`) only its span context,
 * without the context holding it; else the propagators' context (B3 may add more than the span
 * context to it).
 */
function parentOf(headers: ReadonlyMap<string, string> | undefined, metadata: CallMetadata | undefined): SpanContext | Context {
  if (metadata) {
    const tp = first(metadata, 'traceparent');
    const fast = fromTraceparent(typeof tp === 'string' ? tp : undefined, metadata, METADATA_LOWER);
    if (fast) return fast;
    // Each format needs its own header (`traceparent`, `b3`, `x-b3-traceid`): without any, the
    // propagators would read half a dozen keys to find nothing. The usual case for Envoy without tracing.
    if (tp !== undefined || first(metadata, 'b3') !== undefined || first(metadata, 'x-b3-traceid') !== undefined) {
      const fromCall = PROPAGATOR.extract(ROOT_CONTEXT, metadata, METADATA);
      if (trace.getSpanContext(fromCall)) return fromCall;
    }
  }
  if (!headers) return ROOT_CONTEXT;
  return fromTraceparent(headers.get('traceparent'), headers, HEADERS) ?? PROPAGATOR.extract(ROOT_CONTEXT, headers, HEADERS);
}

function isSpanContext(p: SpanContext | Context): p is SpanContext {
  return typeof (p as Partial<SpanContext>).traceId === 'string';
}

/** Lower-case hex digit values by character code; -1 for anything else (W3C trace context is lower case). */
const LOWER_HEX = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) LOWER_HEX[48 + i] = i;
for (let i = 0; i < 6; i++) LOWER_HEX[97 + i] = 10 + i;

/**
 * True when s[from, to) is lower-case hex and not all zeros; its bytes are written to `out` on the
 * way (the span writes them from there: otlp-spans.ts KnownId). The table is read at the code's low
 * seven bits, without a branch per character, and a code of 128 or more (whose low bits may be a
 * digit's: U+00B0 reads as '0') is refused once at the end from `high`: ~0.5k instructions less per
 * traced Check than a `c < 128` test per character (trace41, callgrind).
 */
function hexNotZero(s: string, from: number, to: number, out: Uint8Array): boolean {
  let any = 0;
  let high = 0;
  for (let i = from, j = 0; i < to; i += 2, j++) {
    const c = s.charCodeAt(i);
    const d = s.charCodeAt(i + 1);
    const hi = LOWER_HEX[c & 127]!;
    const lo = LOWER_HEX[d & 127]!;
    if ((hi | lo) < 0) return false;
    high |= c | d;
    const v = (hi << 4) | lo;
    out[j] = v;
    any |= v;
  }
  return any !== 0 && high < 128;
}

/**
 * The common case of the composite propagator, without its regular expressions and intermediate
 * contexts: a version-00 `traceparent` exactly as Envoy writes it. When it is valid, the result
 * is the span context PROPAGATOR would put in its context (W3C is extracted last, so its span
 * context is the one that stays, whatever B3 headers say); anything else (absent, another version,
 * stray whitespace, invalid) returns undefined and goes through PROPAGATOR. A unit test compares
 * both on arbitrary headers.
 */
function fromTraceparent<C>(tp: string | undefined, carrier: C, getter: TextMapGetter<C>): SpanContext | undefined {
  if (tp === undefined || tp.length !== 55 || tp.charCodeAt(0) !== 48 || tp.charCodeAt(1) !== 48) return undefined;
  if (tp.charCodeAt(2) !== 45 || tp.charCodeAt(35) !== 45 || tp.charCodeAt(52) !== 45) return undefined;
  REMOTE_TRACE_ID.text = '';
  REMOTE_SPAN_ID.text = '';
  if (!hexNotZero(tp, 3, 35, REMOTE_TRACE_ID.bytes) || !hexNotZero(tp, 36, 52, REMOTE_SPAN_ID.bytes)) return undefined;
  const hi = LOWER_HEX[tp.charCodeAt(53)] ?? -1;
  const lo = LOWER_HEX[tp.charCodeAt(54)] ?? -1;
  if (hi < 0 || lo < 0) return undefined;
  const sc: SpanContext = { traceId: tp.slice(3, 35), spanId: tp.slice(36, 52), traceFlags: (hi << 4) | lo, isRemote: true };
  const ts = getter.get(carrier, 'tracestate');
  if (ts) {
    const state = Array.isArray(ts) ? ts.join(',') : ts;
    sc.traceState = new TraceState(typeof state === 'string' ? state : undefined);
  }
  REMOTE_TRACE_ID.text = sc.traceId;
  REMOTE_SPAN_ID.text = sc.spanId;
  return sc;
}

/** The trace id a Check belongs to, for audit records when stepgate itself does not trace. */
export function traceIdOf(headers: ReadonlyMap<string, string> | undefined, metadata?: CallMetadata): string | undefined {
  if (!headers && !metadata) return undefined;
  const p = parentOf(headers, metadata);
  return isSpanContext(p) ? p.traceId : trace.getSpanContext(p)?.traceId;
}

/** Reports a failure inside tracing without letting it reach the Check. */
export type TelemetryErrorSink = (component: 'tracing', err: unknown) => void;

/**
 * Everything the Check path does with traces. Only exists when tracing is on: the server checks
 * for it once per Check, so with tracing off not one tracing call is made.
 */
export class CheckTracing {
  /** `spans`: the Check span recorder (check-spans.ts) when the environment allows it; otherwise the tracer's spans. */
  /** `contextManager`: the global context manager, when it is a SyncContextManager (see within). */
  constructor(
    private readonly tracer: Tracer,
    private readonly onError: TelemetryErrorSink,
    private readonly spans?: CheckSpans,
    private readonly contextManager?: SyncContextManager,
  ) {}

  /** A SERVER span whose parent is the request's own trace (see extractParent). Never throws; undefined when it failed. */
  startCheck(headers: ReadonlyMap<string, string> | undefined, metadata: CallMetadata | undefined, startTime: number): Span | undefined {
    try {
      const parent = parentOf(headers, metadata);
      if (this.spans) {
        // The usual parent, a traceparent's span context, goes to the span without a context around it.
        if (isSpanContext(parent)) return this.spans.startRemote(SPAN_CHECK, SpanKind.SERVER, startTime, parent);
        return this.spans.start(SPAN_CHECK, SpanKind.SERVER, startTime, parent);
      }
      return this.tracer.startSpan(SPAN_CHECK, { kind: SpanKind.SERVER, startTime }, isSpanContext(parent) ? trace.setSpanContext(ROOT_CONTEXT, parent) : parent);
    } catch (err) {
      this.onError('tracing', err);
      return undefined;
    }
  }

  /**
   * Runs `fn(a, b)` with `span` active, so I/O it causes (a JWKS fetch) becomes a child span.
   * With stepgate's own context manager, the context holding the span is built only when something
   * asks for the active context (SyncContextManager.withSpan): nothing does on a Check that starts
   * no I/O, which is almost every Check.
   */
  within<A, B, R>(span: Span, fn: (a: A, b: B) => R, a: A, b: B): R {
    const cm = this.contextManager;
    if (cm !== undefined) return cm.withSpan(span, fn, a, b);
    return context.with(trace.setSpan(ROOT_CONTEXT, span), fn, undefined, a, b);
  }

  /** Attributes of the decision, then end. Error status only for internal_error: a deny is a correct answer. */
  endCheck(span: Span, c: CheckOutcome): void {
    try {
      if (span.isRecording()) {
        if (span instanceof CheckSpan) {
          const block = decisionBlock(c);
          if (block === undefined) span.adoptAttributes(checkAttributes(c));
          else span.adoptSource(block, REQUEST_ATTRIBUTES, c);
        } else span.setAttributes(checkAttributes(c));
        if (c.verdict.reason === 'internal_error') {
          span.setStatus({ code: SpanStatusCode.ERROR, message: 'internal_error' });
          if (c.error !== undefined) {
            // The type only: an exception's message or stack may quote request data.
            span.addEvent('exception', { 'exception.type': errorType(c.error) });
          }
        }
      }
      span.end();
    } catch (err) {
      this.onError('tracing', err);
    }
  }

  /**
   * A CLIENT span around one JWKS (and discovery) fetch. It starts in the caller's context, so
   * when a Check causes the fetch (first token of an issuer, keys unavailable) the span is that
   * Check's child; fetches at startup or after an await (a refetch for an unknown `kid`) are roots.
   * `refresh` is called exactly once, whatever tracing does.
   */
  aroundJwksRefresh(issuer: string, refresh: () => Promise<void>): Promise<void> {
    let span: Span;
    try {
      span = this.tracer.startSpan(SPAN_JWKS, { kind: SpanKind.CLIENT, attributes: { [ATTR.issuer]: issuer } }, context.active());
    } catch (err) {
      this.onError('tracing', err);
      return refresh();
    }
    return context.with(trace.setSpan(context.active(), span), refresh).then(
      () => this.endJwks(span, undefined),
      (err: unknown) => {
        this.endJwks(span, err);
        throw err;
      },
    );
  }

  private endJwks(span: Span, err: unknown): void {
    try {
      span.setAttribute(ATTR.jwksOutcome, err === undefined ? 'ok' : 'error');
      if (err !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: redactUrls(err instanceof Error ? err.message : String(err)) });
      span.end();
    } catch (e) {
      this.onError('tracing', e);
    }
  }
}

export interface CheckOutcome {
  rt: Runtime | undefined;
  verdict: Verdict;
  status: number;
  clientKind: ClientKind | undefined;
  subjectMode: SubjectMode;
  error?: unknown;
}

/**
 * The span attributes for one decision: what stepgate alone knows. The request's method, host,
 * URL and x-request-id are on the gateway's own span (the parent), so they are not repeated:
 * every attribute costs CPU on every sampled Check (docs/observability.md, Cost). Request data only through redact.ts.
 */
export function checkAttributes(c: CheckOutcome): Attributes {
  const a: Attributes = {};
  decisionAttributes(c, a);
  requestAttributes(c, a, putObject);
  return a;
}

/**
 * The first attributes of checkAttributes, those that follow from the decision alone (the outcome,
 * the rule and what it requires, never the identity or the request): the same for every Check
 * that one rule decides the same way, whoever sent it.
 */
function decisionAttributes(c: CheckOutcome, a: Attributes): void {
  const v = c.verdict;
  a[ATTR.decision] = v.allow ? 'allow' : 'deny';
  a[ATTR.reason] = v.reason;
  a[ATTR.status] = c.status;
  if (v.detail) a[ATTR.detail] = clip(redactUrls(v.detail), 1024);
  if (c.clientKind) a[ATTR.clientKind] = c.clientKind;
  const cache = tokenCacheOutcome(v);
  if (cache !== 'none') a[ATTR.tokenCacheHit] = cache === 'hit';
  const r = v.requirement;
  if (r) {
    a[ATTR.rules] = rulesLabel(r); // as Envoy's dynamic metadata
    const level = r.level >= 0 ? c.rt?.assurance.names[r.level] : undefined;
    if (level !== undefined && !r.deny) a[ATTR.levelRequired] = level;
    if (r.maxAge !== undefined && !r.deny) a[ATTR.maxAge] = r.maxAge;
  }
}

/** Where requestAttributes puts each attribute: an object, or a span being encoded. */
type Put<T> = (target: T, key: string, value: AttributeValue | undefined) => void;
const putObject: Put<Attributes> = (a, key, value) => {
  a[key] = value;
};

/**
 * The rest of checkAttributes, after decisionAttributes': the identity, risk, shadow and request.
 * Written into an object (checkAttributes) or straight into the span's bytes (REQUEST_ATTRIBUTES),
 * the same attributes in the same order either way.
 */
function requestAttributes<T>(c: CheckOutcome, a: T, put: Put<T>): void {
  const v = c.verdict;
  const who = v.identity;
  if (who) {
    identityAttributes(who, c.subjectMode, a, put);
    if (who.authTime !== undefined && c.rt) put(a, ATTR.authAge, Math.floor(c.rt.now() / 1000) - who.authTime);
  }
  riskAttributes(v, a, put);
  const req = v.attributes;
  if (req) routeAttributes(req, a, put);
}

/** requestAttributes' first three: what the token alone says (identityBlock keeps them encoded per Identity). */
function identityAttributes<T>(who: Identity, mode: SubjectMode, a: T, put: Put<T>): void {
  put(a, ATTR.levelPresented, who.levelName);
  put(a, ATTR.issuer, who.issuer);
  put(a, ATTR.subject, clip(subjectFor(who, mode)));
}

/** requestAttributes' middle: risk, guardrails and shadow, which are the Check's own. */
function riskAttributes<T>(v: Verdict, a: T, put: Put<T>): void {
  const risk = v.risk;
  if (risk) {
    put(a, ATTR.riskScore, risk.score);
    if (risk.band !== undefined) put(a, ATTR.riskBand, risk.band);
    if (risk.contributions.length > 0) put(a, ATTR.riskReasons, risk.contributions.map((c) => c.code));
    if (risk.context) put(a, ATTR.riskContext, risk.context.reason);
  }
  if (v.guardrails && v.guardrails.contribution.codes.length > 0) put(a, ATTR.guardrails, [...v.guardrails.contribution.codes]);
  const shadow = v.shadow;
  if (shadow) {
    put(a, ATTR.shadowDecision, shadow.allow ? 'allow' : 'deny');
    put(a, ATTR.shadowReason, shadow.reason);
    put(a, ATTR.shadowRules, [...shadow.elements]);
  }
}

/** requestAttributes' last: the path and the Kubernetes fields (routeBlock keeps them encoded per route). */
function routeAttributes<T>(req: RequestAttributes, a: T, put: Put<T>): void {
  put(a, ATTR.path, clip(req.path)); // normalised, as the policy matched it; never the query string
  const k = req.kube;
  if (k) {
    put(a, ATTR.k8sVerb, k.verb);
    if (k.isResourceRequest) {
      if (k.apiGroup) put(a, ATTR.k8sApiGroup, k.apiGroup);
      put(a, ATTR.k8sResource, clip(k.resource));
      if (k.subresource) put(a, ATTR.k8sSubresource, clip(k.subresource));
      if (k.namespace) put(a, ATTR.k8sNamespace, clip(k.namespace));
      if (k.name) put(a, ATTR.k8sName, clip(k.name));
    }
  }
}

/**
 * requestAttributes written into a span being encoded, the same bytes in the same order: the
 * identity's three and the route's up to seven each copied as one kept block instead of one kept
 * encoding per attribute (a lookup, a comparison and a copy each: ~0.4k instructions apiece).
 */
function writeRequestAttributes(w: Writer, c: CheckOutcome): void {
  const v = c.verdict;
  const who = v.identity;
  if (who) {
    w.raw(identityBlock(who, c.subjectMode));
    if (who.authTime !== undefined && c.rt) writeAttribute(w, ATTR.authAge, Math.floor(c.rt.now() / 1000) - who.authTime);
  }
  riskAttributes(v, w, writeAttribute);
  const req = v.attributes;
  if (req) {
    const block = routeBlock(req);
    if (block !== undefined) w.raw(block);
    else routeAttributes(req, w, writeAttribute);
  }
}

/** identityAttributes encoded, with the values they were encoded from. */
interface IdentityBlock {
  readonly levelName: string;
  readonly issuer: string;
  readonly subject: string;
  readonly mode: SubjectMode;
  readonly bytes: Buffer;
}

/**
 * identityAttributes' bytes, kept per Identity object (the token cache shares one per cached
 * token; a WeakMap, so they go with it) and used only while the fields they were written from are
 * unchanged (an Identity's level may be rewritten). Kept for tracing only: ~250 bytes per cached
 * identity while tracing is on (docs/observability.md, Cost).
 */
function identityBlock(who: Identity, mode: SubjectMode): Buffer {
  const kept = identityBlocks.get(who);
  if (kept !== undefined && kept.levelName === who.levelName && kept.issuer === who.issuer && kept.subject === who.subject && kept.mode === mode) return kept.bytes;
  const w = new Writer(256);
  identityAttributes(who, mode, w, writeAttribute);
  const bytes = Buffer.from(w.buf.subarray(0, w.pos));
  identityBlocks.set(who, { levelName: who.levelName, issuer: who.issuer, subject: who.subject, mode, bytes });
  return bytes;
}

const identityBlocks = new WeakMap<Identity, IdentityBlock>();

/** routeAttributes encoded, with every field they are written from. */
interface RouteBlock {
  readonly path: string;
  readonly kube: boolean;
  readonly verb: string | undefined;
  readonly resourceRequest: boolean | undefined;
  readonly apiGroup: string | undefined;
  readonly resource: string | undefined;
  readonly subresource: string | undefined;
  readonly namespace: string | undefined;
  readonly name: string | undefined;
  readonly bytes: Buffer;
}

/** A value's length; 0 for none (a hand-built request may leave a field out). */
function chars(s: string | undefined): number {
  return typeof s === 'string' ? s.length : 0;
}

/**
 * routeAttributes' bytes, kept by path and compared in full on the Kubernetes fields: a route's
 * Checks (a dashboard's polls, a controller's lists) repeat them. Only for values under
 * CLIP_CHARS (a clipped value quotes a length, and a long path is an attacker's choice), at most
 * ROUTE_BLOCK_BYTES in all (emptied when full, as the kept encodings of otlp-spans.ts are).
 * Undefined when not kept: the attributes are written one by one.
 */
function routeBlock(req: RequestAttributes): Buffer | undefined {
  const path = req.path;
  if (path.length > CLIP_CHARS) return undefined;
  const k = req.kube;
  // The last block first (a new path string is hashed for the Map: ~0.5k instructions), as the
  // kept encodings check the last value first.
  const last = lastRoute;
  if (last !== undefined && last.path === path && sameRoute(last, k)) return last.bytes;
  let list = routeBlocks.get(path);
  if (list !== undefined) {
    for (let i = 0; i < list.length; i++) {
      const b = list[i]!;
      if (sameRoute(b, k)) {
        lastRoute = b;
        return b.bytes;
      }
    }
  }
  if (list?.length === ROUTES_PER_PATH || (k !== undefined && chars(k.verb) + chars(k.apiGroup) + chars(k.resource) + chars(k.subresource) + chars(k.namespace) + chars(k.name) > CLIP_CHARS)) return undefined;
  const w = new Writer(512);
  routeAttributes(req, w, writeAttribute);
  const bytes = Buffer.from(w.buf.subarray(0, w.pos));
  if (routeBlockBytes + bytes.length + ROUTE_BLOCK_OVERHEAD > ROUTE_BLOCK_BYTES) {
    routeBlocks.clear();
    routeBlockBytes = 0;
    list = undefined;
  }
  if (list === undefined) routeBlocks.set(path, (list = []));
  const block: RouteBlock = {
    path,
    kube: k !== undefined,
    verb: k?.verb,
    resourceRequest: k?.isResourceRequest,
    apiGroup: k?.apiGroup,
    resource: k?.resource,
    subresource: k?.subresource,
    namespace: k?.namespace,
    name: k?.name,
    bytes,
  };
  list.push(block);
  lastRoute = block;
  routeBlockBytes += bytes.length + ROUTE_BLOCK_OVERHEAD + path.length;
  return bytes;
}

/** The kept blocks writeRequestAttributes copies for `c` (tests: which Checks share them). */
export function requestBlocks(c: CheckOutcome): { identity: Buffer | undefined; route: Buffer | undefined } {
  const v = c.verdict;
  return { identity: v.identity && identityBlock(v.identity, c.subjectMode), route: v.attributes && routeBlock(v.attributes) };
}

const ROUTE_BLOCK_BYTES = 1024 * 1024;
/** What a kept route block holds besides its bytes (the object, its list entry, the Buffer's view), counted against ROUTE_BLOCK_BYTES. */
const ROUTE_BLOCK_OVERHEAD = 200;
/** Kinds of Kubernetes request kept per path (verbs, mostly): more are written one by one. */
const ROUTES_PER_PATH = 8;
const routeBlocks = new Map<string, RouteBlock[]>();
let routeBlockBytes = 0;
let lastRoute: RouteBlock | undefined;

/** True when `b` was written from `k`'s fields (both without any: a request that is not Kubernetes'). */
function sameRoute(b: RouteBlock, k: KubeRequestInfo | undefined): boolean {
  if (k === undefined) return !b.kube;
  return b.kube && b.verb === k.verb && b.resourceRequest === k.isResourceRequest && b.apiGroup === k.apiGroup && b.resource === k.resource && b.subresource === k.subresource && b.namespace === k.namespace && b.name === k.name;
}

/**
 * requestAttributes as the span's source (CheckSpan.adoptSource): written when the span is encoded,
 * at its end, so a sampled Check builds no object for them. The CheckOutcome is not changed in
 * between (endCheck ends the span right after).
 */
export const REQUEST_ATTRIBUTES: AttributeSource<CheckOutcome> = {
  max: 19,
  write: writeRequestAttributes,
  into: (c, a) => requestAttributes(c, a, putObject),
};

/** decisionAttributes encoded, with everything they are computed from. */
interface DecisionBlock extends AttributeBlock {
  readonly allow: boolean;
  readonly reason: string;
  readonly status: number;
  readonly detail: string | undefined;
  readonly clientKind: ClientKind | undefined;
  readonly cache: TokenCacheOutcome;
  readonly names: readonly string[] | undefined;
}

/**
 * decisionAttributes' encoding, kept per Requirement (a compiled rule's, shared by every Check it
 * matches; WeakMap, so a reload frees them) and per everything else they depend on, compared in
 * full: a Check span copies one block instead of looking up and copying each attribute. At most
 * BLOCKS_PER_REQUIREMENT kinds of decision per rule (oldest replaced), and a detail longer than
 * BLOCK_MAX_DETAIL is not kept (a detail may quote the request). Undefined when not kept.
 */
export function decisionBlock(c: CheckOutcome): AttributeBlock | undefined {
  const v = c.verdict;
  if (v.detail !== undefined && v.detail.length > BLOCK_MAX_DETAIL) return undefined;
  const key: object = v.requirement ?? NO_REQUIREMENT;
  const names = c.rt?.assurance.names;
  const cache = tokenCacheOutcome(v);
  const list = blocks.get(key);
  if (list === undefined) {
    // A requirement seen for the first time may be one made for this request alone (risk bands
    // tighten per request): its block is built when it is seen again.
    blocks.set(key, []);
    return undefined;
  }
  for (let i = 0; i < list.length; i++) {
    const b = list[i]!;
    if (b.allow === v.allow && b.reason === v.reason && b.status === c.status && b.detail === v.detail && b.clientKind === c.clientKind && b.cache === cache && b.names === names) return b;
  }
  const attributes: Attributes = {};
  decisionAttributes(c, attributes);
  for (const k in attributes) if (attributes[k] == null) delete attributes[k];
  const block: DecisionBlock = {
    attributes: Object.freeze(attributes),
    bytes: encodeSpanAttributes(attributes),
    count: Object.keys(attributes).length,
    allow: v.allow,
    reason: v.reason,
    status: c.status,
    detail: v.detail,
    clientKind: c.clientKind,
    cache,
    names,
  };
  if (list.length >= BLOCKS_PER_REQUIREMENT) list.shift();
  list.push(block);
  return block;
}

const BLOCKS_PER_REQUIREMENT = 8;
const BLOCK_MAX_DETAIL = 256;
/** The key of the blocks of verdicts without a requirement (a malformed request, an internal error). */
const NO_REQUIREMENT = {};
const blocks = new WeakMap<object, DecisionBlock[]>();

function errorType(err: unknown): string {
  return err instanceof Error ? err.constructor.name : typeof err;
}

// ---------------------------------------------------------------------------------------------
// Setup

export interface TracingHandle {
  tracing: CheckTracing;
  /** Spans the span recorder's queue dropped since startup (stepgate_spans_dropped_total); 0 when the SDK's own span processor records. */
  spansDropped(): number;
  shutdown(): Promise<void>;
}

/** One SDK per process (it registers the global providers); services in one process share it. */
let sdk: { instance: NodeSDK; users: number; spans: CheckSpans | undefined; recorder: SpanRecorder | undefined; contextManager: SyncContextManager | undefined } | undefined;

/**
 * Tracing as the OTEL_* environment configures it (exporter, endpoint, protocol, sampler,
 * batch settings, resource), through @opentelemetry/sdk-node; undefined when it is off. The SDK
 * reads the process environment; `env` only decides whether it is started at all.
 */
export function startTracingFromEnv(env: NodeJS.ProcessEnv, onError: TelemetryErrorSink): TracingHandle | undefined {
  if (!tracingWanted(env)) return undefined;
  if (!sdk) {
    const resource = serviceResource();
    const recorder = checkSpanRecorder(process.env, resource);
    const contextManager = new SyncContextManager();
    const instance = new NodeSDK({
      resource,
      autoDetectResources: false,
      instrumentations: [],
      ...(recorder
        ? // The recorder's queue takes the SDK tracer's spans too (JWKS fetches), with the Check spans' sampler.
          { spanProcessors: [new RecorderProcessor(recorder.recorder)], sampler: recorder.sampler }
        : // undefined: the SDK builds the exporter the environment names.
          { traceExporter: fastOtlpExporter(process.env) }),
      // Extraction uses PROPAGATOR explicitly; stepgate injects nothing.
      textMapPropagator: null,
      contextManager,
      // Metrics have their own MeterProvider (metrics-export.ts); stepgate sends no OTel logs.
      metricReaders: [],
      logRecordProcessors: [],
    });
    instance.start();
    sdk = {
      instance,
      users: 0,
      spans: recorder && new CheckSpans(recorder.sampler, recorder.recorder),
      recorder: recorder?.recorder,
      // Used directly only if it is the one the API uses (another may have been registered first).
      contextManager: isGlobalContextManager(contextManager) ? contextManager : undefined,
    };
  }
  sdk.users++;
  let done = false;
  const recorder = sdk.recorder;
  return {
    tracing: new CheckTracing(trace.getTracer('stepgate', SERVICE_VERSION), onError, sdk.spans, sdk.contextManager),
    spansDropped: () => recorder?.dropped ?? 0,
    async shutdown() {
      if (done || !sdk) return;
      done = true;
      if (--sdk.users > 0) return;
      const s = sdk.instance;
      sdk = undefined;
      await s.shutdown();
    },
  };
}

/**
 * The SDK's own OTLP/HTTP protobuf exporter (endpoint, headers, timeout, compression, retries
 * from OTEL_EXPORTER_OTLP_*), with otlp-spans.ts writing the bytes instead of the SDK's
 * serializer: the same bytes, a fraction of the CPU (bench/README.md, tracing). Only where the
 * environment asks for exactly that exporter (OTEL_TRACES_EXPORTER unset or `otlp`, protocol
 * http/protobuf, the default); any other choice is left to the SDK. With the default span limits
 * the Check span recorder (checkSpanRecorder) takes this place; this exporter serves the SDK's
 * spans when an OTEL_*_LIMIT is set.
 */
export function fastOtlpExporter(env: NodeJS.ProcessEnv): SpanExporter | undefined {
  if (!otlpHttpProtobufOnly(env)) return undefined;
  const delegate = createOtlpHttpExportDelegate<ReadableSpan[], unknown>(
    convertLegacyHttpOptions({}, 'TRACES', 'v1/traces', { 'Content-Type': 'application/x-protobuf' }),
    FAST_TRACE_SERIALIZER,
    'otlp_http_span_exporter',
    TraceExporterMetricsHelper,
    undefined,
  );
  return new OTLPExporterBase(delegate);
}

/** OTEL_TRACES_EXPORTER unset or `otlp` only, and the traces protocol http/protobuf (the default). */
function otlpHttpProtobufOnly(env: NodeJS.ProcessEnv): boolean {
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '' && s !== 'null');
  if (exporters.some((e) => e !== 'otlp')) return false;
  const protocol = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL?.trim() || env.OTEL_EXPORTER_OTLP_PROTOCOL?.trim() || 'http/protobuf';
  return protocol === 'http/protobuf';
}

/**
 * The Check span recorder (check-spans.ts) feeding the SDK's OTLP/HTTP export delegate, where the
 * environment asks for OTLP over http/protobuf with the default span limits; undefined otherwise
 * (another exporter or protocol, or an OTEL_*_LIMIT set: the SDK's spans then, as before).
 */
export function checkSpanRecorder(env: NodeJS.ProcessEnv, resource: ReadableSpan['resource']): { recorder: SpanRecorder; sampler: Sampler } | undefined {
  if (!otlpHttpProtobufOnly(env) || spanLimitsFromEnv(env)) return undefined;
  const delegate = createOtlpHttpExportDelegate<SpanBatch, unknown>(
    convertLegacyHttpOptions({}, 'TRACES', 'v1/traces', { 'Content-Type': 'application/x-protobuf' }),
    {
      serializeRequest: (batch) => batch.request ?? serializeEncoded(batch.encoded, batch.spans),
      deserializeResponse: (data) => ProtobufTraceSerializer.deserializeResponse(data),
    },
    'otlp_http_span_exporter',
    { name: 'span', countItems: (batch) => batch.count },
    undefined,
  );
  const scope = { name: 'stepgate', version: SERVICE_VERSION, schemaUrl: undefined };
  const recorder = new SpanRecorder(resource, scope, batchSettingsFromEnv(env), {
    export: (batch, done) => delegate.export(batch, done),
    shutdown: () => delegate.shutdown(),
  });
  return { recorder, sampler: samplerFromEnv(env) };
}

/** Tracing into a provider the caller owns (tests, embedding). */
export function tracingWithProvider(provider: TracerProvider, onError: TelemetryErrorSink): CheckTracing {
  ensureContextManager();
  return new CheckTracing(provider.getTracer('stepgate', SERVICE_VERSION), onError);
}

/** Child spans need a context manager; the SDK setup registers one, an injected provider may not. */
function ensureContextManager(): void {
  const probe = ROOT_CONTEXT.setValue(createContextKey('stepgate.probe'), true);
  if (context.with(probe, () => context.active() === probe)) return;
  context.setGlobalContextManager(new SyncContextManager());
}

/** True when `cm` is the context manager behind the API's `context`. */
function isGlobalContextManager(cm: SyncContextManager): boolean {
  const probe = ROOT_CONTEXT.setValue(createContextKey('stepgate.probe'), true);
  return context.with(probe, () => cm.active() === probe);
}
