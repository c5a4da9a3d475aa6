import type { Context } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  SimpleSpanProcessor,
  type ReadableSpan,
  type Span,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, type Service } from '../../src/main.js';
import { createLogger } from '../../src/telemetry/log.js';
import { HMAC_SECRET, testConfig } from '../support/config.js';
import { CheckClient, okHeader, reasonOf } from '../support/grpc-client.js';
import { TestIssuer } from '../support/issuer.js';
import { BROWSER_HEADERS, checkRequest, DASH_HOST } from '../support/requests.js';
import { TRACEPARENT } from '../support/telemetry.js';

/**
 * Telemetry can never change or break an answer: hooks and exporters that throw, and a log
 * destination that throws, leave every Check correctly decided; the failures are counted.
 */

const ENV = { TEST_HMAC_SECRET: HMAC_SECRET, STEPGATE_METRICS_LISTEN: 'off' };
const aal2 = { acr: 'urn:stepgate:aal2', amr: ['pwd', 'otp', 'mfa'] };

let issuer: TestIssuer;

beforeAll(async () => {
  issuer = await TestIssuer.start();
});

afterAll(async () => {
  await issuer?.close();
});

class ThrowingProcessor implements SpanProcessor {
  constructor(private readonly where: 'start' | 'end') {}
  onStart(_span: Span, _ctx: Context): void {
    if (this.where === 'start') throw new Error('onStart hook failed');
  }
  onEnd(_span: ReadableSpan): void {
    if (this.where === 'end') throw new Error('onEnd hook failed');
  }
  async forceFlush(): Promise<void> {}
  async shutdown(): Promise<void> {}
}

const throwingExporter: SpanExporter = {
  export() {
    throw new Error('exporter failed');
  },
  async shutdown() {},
};

async function errorsCounted(service: Service): Promise<Record<string, number>> {
  const result = await service.telemetry.metrics.collect();
  const m = result.resourceMetrics.scopeMetrics[0]!.metrics.find((x) => x.descriptor.name === 'stepgate_telemetry_errors')!;
  return Object.fromEntries((m.dataPoints as unknown as { attributes: { component: string }; value: number }[]).map((p) => [p.attributes.component, p.value]));
}

/** The same decisions as without any telemetry: allow with identity headers, step-ups, a policy deny. */
async function expectCorrectAnswers(client: CheckClient) {
  const aal1 = await issuer.token();
  const allowed = await client.check(checkRequest({ path: '/api/v1/namespaces/dev/pods', token: aal1, headers: { traceparent: TRACEPARENT } }));
  expect(allowed.status.code).toBe(0);
  expect(okHeader(allowed, 'x-stepgate-subject')).toBe('alice@example.com');
  expect(reasonOf(await client.check(checkRequest({ path: '/api/v1/namespaces/dev/secrets', token: aal1 })))).toBe('acr_insufficient');
  expect(reasonOf(await client.check(checkRequest({ path: '/api/v1/namespaces/dev/secrets', token: await issuer.token(aal2) })))).toBe('allowed');
  expect(reasonOf(await client.check(checkRequest({ host: DASH_HOST, path: '/admin', token: aal1, headers: BROWSER_HEADERS })))).toBe('acr_insufficient');
  expect(reasonOf(await client.check(checkRequest({ path: '/api/v1/nodes/n1/proxy', token: aal1 })))).toBe('policy_deny');
  expect(reasonOf(await client.check(checkRequest({ path: '/api/v1/namespaces/dev/pods' })))).toBe('token_missing');
  expect(reasonOf(await client.check({ attributes: { request: { http: { method: 'GET' } } } }))).toBe('request_invalid');
}

describe('telemetry never breaks a request', () => {
  it.each([
    ['a span processor whose onStart throws', () => new BasicTracerProvider({ spanProcessors: [new ThrowingProcessor('start')] })],
    ['a span processor whose onEnd throws', () => new BasicTracerProvider({ spanProcessors: [new ThrowingProcessor('end')] })],
    ['an exporter that throws', () => new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(throwingExporter)] })],
  ])('with %s, every Check is still answered correctly', async (_name, provider) => {
    const service = await startService(testConfig(issuer.url), ENV, createLogger('silent'), { telemetry: { tracerProvider: provider() } });
    const client = new CheckClient(service.grpc.port);
    try {
      await expectCorrectAnswers(client);
      await expectCorrectAnswers(client); // and keeps doing so
      if (_name !== 'an exporter that throws') expect((await errorsCounted(service)).tracing).toBeGreaterThan(0);
    } finally {
      client.close();
      await service.stop();
    }
  });

  it('with a log destination that throws, every Check is still answered correctly', async () => {
    let writes = 0;
    let broken = false;
    const logger = createLogger('debug', {
      write() {
        if (!broken) return;
        writes++;
        throw new Error('disk full');
      },
    });
    const service = await startService(testConfig(issuer.url), ENV, logger);
    const client = new CheckClient(service.grpc.port);
    broken = true; // once started: the Check path is what is under test
    try {
      await expectCorrectAnswers(client);
      expect(writes).toBeGreaterThan(0);
      expect((await errorsCounted(service)).audit).toBeGreaterThanOrEqual(7);
    } finally {
      client.close();
      await service.stop();
    }
  });
});

describe('tracing off', () => {
  it('has no tracer at all when no OTEL_* variable is set, so the Check path makes no tracing call', async () => {
    const service = await startService(testConfig(issuer.url), ENV, createLogger('silent'));
    try {
      expect(service.telemetry.tracing).toBeUndefined();
    } finally {
      await service.stop();
    }
  });

  it('has no tracer with OTEL_SDK_DISABLED=true, even with an endpoint', async () => {
    const env = { ...ENV, OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' };
    const service = await startService(testConfig(issuer.url), env, createLogger('silent'));
    try {
      expect(service.telemetry.tracing).toBeUndefined();
    } finally {
      await service.stop();
    }
  });
});
