import { context } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HMAC_SECRET, testConfig, testConfigYaml } from '../support/config.js';
import { CheckClient, reasonOf } from '../support/grpc-client.js';
import { TestIssuer } from '../support/issuer.js';
import { startServiceProcess } from '../support/process.js';
import { checkRequest } from '../support/requests.js';
import type { Identity } from '../../src/core/identity.js';
import type { Verdict } from '../../src/decision/verdict.js';
import type { Requirement } from '../../src/policy/policy.js';
import type { Runtime } from '../../src/pipeline/runtime.js';
import { CheckSpans, RecorderProcessor } from '../../src/telemetry/check-spans.js';
import { SyncContextManager } from '../../src/telemetry/context.js';
import { createLogger } from '../../src/telemetry/log.js';
import { SERVICE_VERSION } from '../../src/telemetry/otel-env.js';
import { Telemetry } from '../../src/telemetry/telemetry.js';
import { CheckTracing, checkSpanRecorder, tracingWithProvider, type CallMetadata, type CheckOutcome } from '../../src/telemetry/tracing.js';
import { decodeTraceExport, type DecodedSpan } from '../support/otlp-proto.js';
import { eventually, OtlpSink } from '../support/telemetry.js';
import { verdictOf } from '../support/verdicts.js';

/**
 * The Check span recorder (src/telemetry/check-spans.ts) against the SDK's own path (its spans,
 * BatchSpanProcessor and OTLP/HTTP protobuf exporter), for the same Checks: what each OTLP
 * receiver gets is decoded with an independent protobuf schema and must be the same span for span
 * (names, kinds, parents, trace ids, trace state, flags, status, events, every attribute, the
 * resource and the scope). Only what is random or timed differs: new span ids (compared by where
 * they point) and times (checked to be plausible).
 */

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT = '00f067aa0ba902b7';
const B3_TRACE = '80f198ee56343ba864fe8b2a57d3eff7';
const B3_PARENT = 'e457b5a2e4d86bd1';

const requirement = (rules: string[], level: number, maxAge?: number): Requirement =>
  Object.freeze({ deny: false, denyMessage: undefined, level, maxAge, rules: Object.freeze(rules), sensitivity: 0 });
const identity: Identity = Object.freeze({
  subject: 'alice@example.com',
  issuer: 'https://idp.example.com',
  groups: [],
  acr: undefined,
  amr: [],
  authTime: 1_700_000_000,
  expiresAt: Infinity,
  level: 1,
  levelName: 'aal2',
  session: '',
  upstreamHeaders: [],
});
const kube = (verb: string, resource: string, namespace?: string, name?: string, subresource?: string) => ({
  verb,
  isResourceRequest: true,
  apiGroup: '',
  resource,
  subresource,
  namespace,
  name,
});
const verdict = (v: Partial<Verdict>): Verdict => verdictOf(v);
const rt = { assurance: { names: ['aal1', 'aal2', 'aal3'] }, now: () => 1_700_000_420_000 } as unknown as Runtime;
const metadata = (entries: Record<string, string>): CallMetadata => ({ get: (k) => (k in entries ? [entries[k]] : []) });

interface Case {
  headers?: Record<string, string>;
  metadata?: Record<string, string>;
  outcome: CheckOutcome;
  /** A JWKS fetch caused by this Check (a child span through the SDK tracer). */
  jwks?: 'ok' | 'error';
}

const CASES: Case[] = [
  {
    headers: { traceparent: `00-${TRACE}-${PARENT}-01`, tracestate: 'vendor=a,other=b' },
    outcome: {
      rt,
      verdict: verdict({
        allow: true,
        reason: 'allowed',
        requirement: requirement(['dev-read'], 0, 900),
        identity,
        tokenCached: true,
        attributes: { path: '/api/v1/namespaces/dev/pods', kube: kube('list', 'pods', 'dev') } as unknown as Verdict['attributes'],
      }),
      status: 200,
      clientKind: undefined,
      subjectMode: 'clear',
    },
  },
  {
    metadata: { b3: `${B3_TRACE}-${B3_PARENT}-1` },
    headers: { traceparent: `00-${TRACE}-${PARENT}-01` },
    jwks: 'ok',
    outcome: {
      rt,
      verdict: verdict({
        reason: 'acr_insufficient',
        detail: 'presented aal1, required aal2 (see https://user:pw@idp.example.com/x?q=1)',
        requirement: requirement(['prod-secrets', 'audit'], 1, 300),
        identity: { ...identity, levelName: 'aal1', level: 0 },
        attributes: { path: '/api/v1/namespaces/prod/secrets/db', kube: kube('get', 'secrets', 'prod', 'db') } as unknown as Verdict['attributes'],
        risk: { score: 40, band: 'elevated', contributions: [{ code: 'path_sensitive' }, { code: 'new_network' }], context: { reason: 'new network' } } as unknown as Verdict['risk'],
        guardrails: { contribution: { codes: ['privileged_container'] } } as unknown as Verdict['guardrails'],
        shadow: { allow: false, reason: 'acr_insufficient', detail: '', requirement: requirement(['x'], 2), risk: undefined, elements: ['risk:elevated', 'x'] },
      }),
      status: 401,
      clientKind: 'api',
      subjectMode: 'hashed',
    },
  },
  {
    // No trace context: a new trace (root span).
    headers: { 'x-request-id': 'r1' },
    jwks: 'error',
    outcome: {
      rt: undefined,
      verdict: verdict({ reason: 'internal_error', detail: 'check failed unexpectedly; denying' }),
      status: 500,
      clientKind: undefined,
      subjectMode: 'clear',
      error: new TypeError('boom'),
    },
  },
  {
    // The gateway did not sample: nothing is exported by either path.
    headers: { traceparent: `00-${TRACE}-${PARENT}-00` },
    outcome: { rt, verdict: verdict({ allow: true, reason: 'allowed' }), status: 200, clientKind: undefined, subjectMode: 'clear' },
  },
  {
    // B3 multi-header in the request headers, and an uppercase traceparent (invalid: B3 stays).
    headers: { 'x-b3-traceid': B3_TRACE, 'x-b3-spanid': B3_PARENT, 'x-b3-sampled': '1', traceparent: `00-${TRACE.toUpperCase()}-${PARENT}-01` },
    outcome: {
      rt,
      verdict: verdict({ allow: true, reason: 'allowed', attributes: { path: '/grafana/d/abc' } as unknown as Verdict['attributes'] }),
      status: 200,
      clientKind: undefined,
      subjectMode: 'clear',
    },
  },
];

async function run(tracing: CheckTracing, c: Case): Promise<void> {
  const span = tracing.startCheck(c.headers ? new Map(Object.entries(c.headers)) : undefined, c.metadata ? metadata(c.metadata) : undefined, performance.now());
  expect(span).toBeDefined();
  if (c.jwks) {
    const fetch = tracing.within(
      span!,
      (issuer: string, fails: boolean) => tracing.aroundJwksRefresh(issuer, () => (fails ? Promise.reject(new Error('https://u:p@idp/jwks?k=1 answered 503')) : Promise.resolve())),
      'https://idp.example.com',
      c.jwks === 'error',
    );
    await fetch.catch(() => undefined);
  }
  tracing.endCheck(span!, c.outcome);
}

let before: OtlpSink;
let after: OtlpSink;
const saved = { ...process.env };

beforeAll(async () => {
  before = await OtlpSink.start();
  after = await OtlpSink.start();
});

afterAll(async () => {
  process.env = saved;
  await before?.close();
  await after?.close();
});

/** Span ids are random: each becomes its position among the spans of its export, wherever it appears. */
function normalise(spans: DecodedSpan[], t0: bigint, t1: bigint): unknown[] {
  const ids = new Map(spans.map((s, i) => [s.span.span_id, `span#${i}`]));
  // A trace started here has a random id too: 16 bytes, not zero, labelled by first appearance.
  const traces = new Map<string, string>();
  const traceLabel = (id: string) => {
    if (id === TRACE || id === B3_TRACE) return id;
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(id).not.toBe('0'.repeat(32));
    if (!traces.has(id)) traces.set(id, `trace#${traces.size}`);
    return traces.get(id);
  };
  return spans.map(({ resource, scope, span }) => {
    const start = BigInt(span.start_time_unix_nano);
    const end = BigInt(span.end_time_unix_nano);
    expect(start >= t0 && end >= start && end <= t1).toBe(true);
    return {
      resource,
      scope,
      span: {
        ...span,
        span_id: ids.get(span.span_id),
        parent_span_id: ids.get(span.parent_span_id ?? '') ?? span.parent_span_id,
        trace_id: traceLabel(span.trace_id),
        start_time_unix_nano: 'checked',
        end_time_unix_nano: 'checked',
        events: (span.events as { time_unix_nano: string }[]).map((e) => {
          expect(BigInt(e.time_unix_nano) >= start).toBe(true);
          return { ...e, time_unix_nano: 'checked' };
        }),
      },
    };
  });
}

describe('the Check span recorder', () => {
  it('exports what the SDK exports for the same Checks (decoded by an OTLP receiver)', async () => {
    const resource = resourceFromAttributes({ 'service.name': 'stepgate-under-test', 'service.version': SERVICE_VERSION, 'deployment.environment': 'test' });
    const errors: unknown[] = [];
    const onError = (_: 'tracing', err: unknown) => errors.push(err);

    // Before: the SDK's spans, BatchSpanProcessor and its own OTLP/HTTP protobuf exporter.
    const sdk = new BasicTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${before.url}/v1/traces` }))] });
    const sdkTracing = tracingWithProvider(sdk, onError);

    // After: the recorder, configured from the environment as startTracingFromEnv does.
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = after.url;
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: after.url, OTEL_BSP_SCHEDULE_DELAY: '50' };
    const made = checkSpanRecorder(env, resource);
    expect(made).toBeDefined();
    const provider = new BasicTracerProvider({ resource, sampler: made!.sampler, spanProcessors: [new RecorderProcessor(made!.recorder)] });
    // With the global context manager given, as startTracingFromEnv gives it: the Check's context
    // is then built only when the JWKS fetch asks for it, and the JWKS span must still be its child.
    context.disable();
    const cm = new SyncContextManager();
    expect(context.setGlobalContextManager(cm)).toBe(true);
    const recorderTracing = new CheckTracing(provider.getTracer('stepgate', SERVICE_VERSION), onError, new CheckSpans(made!.sampler, made!.recorder), cm);

    const t0 = BigInt(Date.now() - 1) * 1_000_000n;
    for (const c of CASES) {
      await run(sdkTracing, c);
      await run(recorderTracing, c);
    }
    await sdk.forceFlush();
    await provider.forceFlush();
    const t1 = BigInt(Date.now() + 1) * 1_000_000n;

    const decoded = (sink: OtlpSink) => (sink.traces as Buffer[]).flatMap((b) => decodeTraceExport(b));
    await eventually(() => decoded(before).length >= 6 && decoded(after).length >= 6, 5000, 'both exports');
    const sdkSpans = decoded(before);
    const recorded = decoded(after);
    // Two JWKS spans and four sampled Check spans; the unsampled Check is in neither.
    expect(sdkSpans.map((s) => s.span.name).sort()).toEqual(['stepgate.check', 'stepgate.check', 'stepgate.check', 'stepgate.check', 'stepgate.jwks.refresh', 'stepgate.jwks.refresh']);
    expect(normalise(recorded, t0, t1)).toEqual(normalise(sdkSpans, t0, t1));
    // What the comparison is about, spelled out once.
    const first = recorded.find((s) => s.span.name === 'stepgate.check')!.span;
    expect(first).toMatchObject({ trace_id: TRACE, parent_span_id: PARENT, trace_state: 'vendor=a,other=b', kind: 2 });
    const b3 = recorded.filter((s) => s.span.trace_id === B3_TRACE);
    expect(b3.map((s) => s.span.name).sort()).toEqual(['stepgate.check', 'stepgate.check', 'stepgate.jwks.refresh']);
    expect(errors).toEqual([]);
    await sdk.shutdown();
    await provider.shutdown();
  });
});

describe('spans the full queue dropped', () => {
  it('are counted in stepgate_spans_dropped_total while the collector does not answer', async () => {
    // A collector that accepts connections and never answers: one export stays in flight.
    const sockets: Socket[] = [];
    const stalled = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((r) => stalled.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(stalled.address() as AddressInfo).port}`;
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: url, OTEL_BSP_MAX_QUEUE_SIZE: '2', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '1', OTEL_BSP_SCHEDULE_DELAY: '600000' };
    Object.assign(process.env, env);
    const telemetry = await Telemetry.start({ config: testConfig('http://127.0.0.1:9/realm'), env, metricsListen: 'off', log: createLogger('silent'), runtime: () => undefined, now: () => Date.now() });
    try {
      const dropped = async () => {
        const metrics = (await telemetry.metrics.collect()).resourceMetrics.scopeMetrics[0]!.metrics;
        return (metrics.find((m) => m.descriptor.name === 'stepgate_spans_dropped')!.dataPoints[0] as { value: number }).value;
      };
      expect(await dropped()).toBe(0);
      for (let i = 0; i < 10; i++) {
        const span = telemetry.tracing!.startCheck(new Map([['traceparent', `00-${TRACE}-${PARENT}-01`]]), undefined, performance.now());
        telemetry.tracing!.endCheck(span!, CASES[0]!.outcome);
      }
      // The first span left in a batch of one and hangs; two wait in the queue; seven were dropped.
      expect(await dropped()).toBe(7);
    } finally {
      for (const s of sockets) s.destroy();
      stalled.close();
      await telemetry.shutdown(1000);
      for (const k of Object.keys(env)) delete process.env[k];
    }
  });
});

describe('stepgate serve with OTLP over http/protobuf (the recorder)', () => {
  it('exports the Check span in the request trace and the JWKS span, and flushes on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stepgate-recorder-'));
    const issuer = await TestIssuer.start();
    const sink = await OtlpSink.start();
    try {
      const configFile = join(dir, 'stepgate.yaml');
      writeFileSync(configFile, testConfigYaml(issuer.url).replace('level: silent', 'level: info'));
      const proc = await startServiceProcess(configFile, {
        TEST_HMAC_SECRET: HMAC_SECRET,
        STEPGATE_METRICS_LISTEN: 'off',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${sink.url}/v1/traces`,
        OTEL_SERVICE_NAME: 'stepgate-under-test',
        // Nothing leaves before SIGTERM: the flush on shutdown is what delivers the spans.
        OTEL_BSP_SCHEDULE_DELAY: '600000',
      });
      const client = new CheckClient(proc.port);
      try {
        const res = await client.check(checkRequest({ path: '/api/v1/namespaces/dev/secrets', token: await issuer.token(), headers: { traceparent: `00-${TRACE}-${PARENT}-01` } }));
        expect(reasonOf(res)).toBe('acr_insufficient');
      } finally {
        client.close();
      }
      proc.child.kill('SIGTERM');
      expect((await proc.exited).code).toBe(0);
      const spans = (sink.traces as Buffer[]).flatMap((b) => decodeTraceExport(b));
      const check = spans.find((s) => s.span.name === 'stepgate.check')!;
      expect(check.span).toMatchObject({ trace_id: TRACE, parent_span_id: PARENT, kind: 2 });
      expect(JSON.stringify(check.resource)).toContain('stepgate-under-test');
      expect(check.scope).toMatchObject({ name: 'stepgate', version: SERVICE_VERSION });
      const attrs = Object.fromEntries((check.span.attributes as { key: string; value: Record<string, unknown> }[]).map((a) => [a.key, Object.values(a.value).find((v) => v !== undefined)]));
      expect(attrs).toMatchObject({ 'stepgate.decision': 'deny', 'stepgate.reason': 'acr_insufficient', 'stepgate.level.required': 'aal2' });
      expect(spans.some((s) => s.span.name === 'stepgate.jwks.refresh')).toBe(true);
    } finally {
      await sink.close();
      await issuer.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
