import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HMAC_SECRET, testConfigYaml } from '../support/config.js';
import { CheckClient, reasonOf } from '../support/grpc-client.js';
import { TestIssuer } from '../support/issuer.js';
import { startServiceProcess, type ServiceProcess } from '../support/process.js';
import { checkRequest } from '../support/requests.js';
import { eventually, OtlpSink, PARENT_SPAN_ID, TRACE_ID, TRACEPARENT } from '../support/telemetry.js';

/**
 * The real `stepgate serve` process, configured for OpenTelemetry only through the standard
 * OTEL_* variables (@opentelemetry/sdk-node), exports its Check spans and its metrics over
 * OTLP/HTTP to a receiver on loopback.
 */

const dir = mkdtempSync(join(tmpdir(), 'stepgate-otlp-'));
let issuer: TestIssuer;
let sink: OtlpSink;
let proc: ServiceProcess;

beforeAll(async () => {
  issuer = await TestIssuer.start();
  sink = await OtlpSink.start();
  const configFile = join(dir, 'stepgate.yaml');
  writeFileSync(configFile, testConfigYaml(issuer.url).replace('level: silent', 'level: info'));
  proc = await startServiceProcess(configFile, {
    TEST_HMAC_SECRET: HMAC_SECRET,
    STEPGATE_METRICS_LISTEN: 'off',
    OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_SERVICE_NAME: 'stepgate-under-test',
    OTEL_TRACES_SAMPLER: 'parentbased_always_on',
    OTEL_BSP_SCHEDULE_DELAY: '100',
    OTEL_METRIC_EXPORT_INTERVAL: '300',
  });
});

afterAll(async () => {
  if (proc && proc.child.exitCode === null) {
    proc.child.kill('SIGKILL');
    await proc.exited;
  }
  await sink?.close();
  await issuer?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('OTLP export configured by OTEL_* variables', () => {
  it('exports the Check span inside the request trace, and the metrics', async () => {
    expect(proc.logs.some((l) => l.event === 'tracing' && l.outcome === 'on')).toBe(true);
    const client = new CheckClient(proc.port);
    try {
      const res = await client.check(checkRequest({ path: '/api/v1/namespaces/dev/secrets', token: await issuer.token(), headers: { traceparent: TRACEPARENT } }));
      expect(reasonOf(res)).toBe('acr_insufficient');
    } finally {
      client.close();
    }
    const span = await eventually(() => sink.spans().find((s) => s.traceId === TRACE_ID && s.name === 'stepgate.check'), 10_000, 'the exported span');
    expect(span.parentSpanId).toBe(PARENT_SPAN_ID);
    expect(span.kind).toBe(2); // SPAN_KIND_SERVER
    const attrs = Object.fromEntries((span.attributes ?? []).map((a) => [a.key, Object.values(a.value)[0]]));
    expect(attrs).toMatchObject({ 'stepgate.decision': 'deny', 'stepgate.reason': 'acr_insufficient', 'stepgate.level.required': 'aal2' });
    const resource = JSON.stringify((sink.traces[0] as { resourceSpans: { resource: unknown }[] }).resourceSpans[0]!.resource);
    expect(resource).toContain('stepgate-under-test');

    // The audit record of the same decision names the same trace.
    const record = await eventually(() => proc.logs.find((l) => l.event === 'stepup.challenge'));
    expect(record).toMatchObject({ trace_id: TRACE_ID, span_id: expect.stringMatching(/^[0-9a-f]{16}$/) });

    const names = await eventually(() => {
      const n = sink.metricNames();
      return n.has('stepgate_decisions') && n;
    }, 10_000, 'an OTLP metrics export');
    expect([...names]).toEqual(expect.arrayContaining(['stepgate_decisions', 'stepgate_check_duration_seconds', 'stepgate_stepup_challenges', 'stepgate_jwks_refreshes']));
  });

  it('exits 0 on SIGTERM, after flushing', async () => {
    proc.child.kill('SIGTERM');
    const { code } = await proc.exited;
    expect(code).toBe(0);
  });
});
