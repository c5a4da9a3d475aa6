import * as grpc from '@grpc/grpc-js';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, type Service } from '../../src/main.js';
import { packageDefinition } from '../../src/server/grpc/protos.js';
import { startGrpcServer } from '../../src/server/grpc/server.js';
import { createLogger } from '../../src/telemetry/log.js';
import { hashSubject } from '../../src/core/redact.js';
import { ATTR, SPAN_CHECK, SPAN_JWKS } from '../../src/telemetry/tracing.js';
import { HMAC_SECRET, testConfig, testConfigYaml } from '../support/config.js';
import { parseConfig } from '../../src/config/load.js';
import { CheckClient, reasonOf } from '../support/grpc-client.js';
import { TestIssuer } from '../support/issuer.js';
import { BROWSER_HEADERS, checkRequest, DASH_HOST, type RequestSpec } from '../support/requests.js';
import { captureSpans, eventually, PARENT_SPAN_ID, TRACE_ID, TRACEPARENT } from '../support/telemetry.js';

/**
 * Traces through the real server: the Check span joins the trace the request arrived with
 * (W3C trace context or B3), carries the documented attributes, and never any credential.
 */

const ENV = { TEST_HMAC_SECRET: HMAC_SECRET, STEPGATE_METRICS_LISTEN: 'off' };
const aal2 = { acr: 'urn:stepgate:aal2', amr: ['pwd', 'otp', 'mfa'] };

let issuer: TestIssuer;
let service: Service;
let client: CheckClient;
const traced = captureSpans();

beforeAll(async () => {
  issuer = await TestIssuer.start();
  service = await startService(testConfig(issuer.url), ENV, createLogger('silent'), { telemetry: { tracerProvider: traced.provider } });
  client = new CheckClient(service.grpc.port);
});

afterAll(async () => {
  client?.close();
  await service?.stop();
  await issuer?.close();
});

/** Sends one Check and returns the span it produced (Checks in a file run one after another). */
async function checkSpan(spec: RequestSpec, c = client, spans = traced): Promise<ReadableSpan> {
  const before = spans.named(SPAN_CHECK).length;
  await c.check(checkRequest(spec));
  // The span ends just after the answer is handed to gRPC.
  return eventually(() => spans.named(SPAN_CHECK)[before], 5000, `the span of ${spec.path}`);
}

describe('the Check span joins the request trace', () => {
  it('takes its parent from W3C traceparent', async () => {
    const span = await checkSpan({ path: '/api/v1/namespaces/dev/pods', token: await issuer.token(), headers: { traceparent: TRACEPARENT } });
    expect(span.name).toBe('stepgate.check');
    expect(span.kind).toBe(SpanKind.SERVER);
    expect(span.spanContext().traceId).toBe(TRACE_ID);
    expect(span.parentSpanContext?.spanId).toBe(PARENT_SPAN_ID);
    expect(span.parentSpanContext?.isRemote).toBe(true);
    expect(span.spanContext().spanId).not.toBe(PARENT_SPAN_ID);
  });

  it('takes its parent from a single b3 header', async () => {
    const traceId = '80f198ee56343ba864fe8b2a57d3eff7';
    const spanId = 'e457b5a2e4d86bd1';
    const span = await checkSpan({ path: '/api/v1/namespaces/dev/pods', token: await issuer.token(), headers: { b3: `${traceId}-${spanId}-1` } });
    expect(span.spanContext().traceId).toBe(traceId);
    expect(span.parentSpanContext?.spanId).toBe(spanId);
  });

  it('takes its parent from x-b3-* headers (Envoy/Zipkin multi-header form)', async () => {
    const traceId = '463ac35c9f6413ad48485a3953bb6124';
    const spanId = 'a2fb4a1d1a96d312';
    const span = await checkSpan({
      path: '/api/v1/namespaces/dev/pods',
      token: await issuer.token(),
      headers: { 'x-b3-traceid': traceId, 'x-b3-spanid': spanId, 'x-b3-sampled': '1' },
    });
    expect(span.spanContext().traceId).toBe(traceId);
    expect(span.parentSpanContext?.spanId).toBe(spanId);
  });

  it('prefers traceparent when both formats are present', async () => {
    const span = await checkSpan({
      path: '/api/v1/namespaces/dev/pods',
      token: await issuer.token(),
      headers: { traceparent: TRACEPARENT, b3: '80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1' },
    });
    expect(span.spanContext().traceId).toBe(TRACE_ID);
  });

  it("prefers the gRPC call metadata: Envoy's span for the ext_authz call is the exact parent", async () => {
    const callTrace = '5b8aa5a2d2c872e8321cf37308d69df2';
    const callSpan = '051581bf3cb55c13';
    const pkg = grpc.loadPackageDefinition(packageDefinition()) as unknown as {
      envoy: { service: { auth: { v3: { Authorization: grpc.ServiceClientConstructor } } } };
    };
    const raw = new pkg.envoy.service.auth.v3.Authorization(`127.0.0.1:${service.grpc.port}`, grpc.credentials.createInsecure()) as unknown as grpc.Client & {
      Check(req: unknown, md: grpc.Metadata, cb: (err: grpc.ServiceError | null) => void): void;
    };
    const md = new grpc.Metadata();
    md.set('traceparent', `00-${callTrace}-${callSpan}-01`);
    try {
      const req = checkRequest({ path: '/api/v1/namespaces/dev/pods', token: await issuer.token(), headers: { traceparent: TRACEPARENT } });
      await new Promise<void>((resolve, reject) => raw.Check(req, md, (err) => (err ? reject(err) : resolve())));
    } finally {
      raw.close();
    }
    const span = await eventually(() => traced.named(SPAN_CHECK).find((s) => s.spanContext().traceId === callTrace));
    expect(span.parentSpanContext?.spanId).toBe(callSpan);
  });

  it('starts a new trace when the request carries none, and still when the request is malformed', async () => {
    const span = await checkSpan({ path: '/api/v1/namespaces/dev/pods', token: await issuer.token() });
    expect(span.parentSpanContext).toBeUndefined();
    const before = traced.named(SPAN_CHECK).length;
    await client.check({ attributes: { request: { http: { method: 'GET' } } } });
    const bad = await eventually(() => traced.named(SPAN_CHECK).slice(before).find((s) => s.attributes[ATTR.reason] === 'request_invalid'));
    expect(bad.attributes[ATTR.decision]).toBe('deny');
    expect(bad.status.code).toBe(SpanStatusCode.UNSET);
  });
});

describe('span attributes', () => {
  it('describe an allow: decision, rules, levels, token cache, issuer, subject, Kubernetes attributes', async () => {
    const token = await issuer.token(aal2);
    await client.check(checkRequest({ path: '/api/v1/namespaces/prod/secrets/db', token })); // first sight: cache miss
    const span = await checkSpan({ path: '/api/v1/namespaces/prod/secrets/db', token, headers: { traceparent: TRACEPARENT } });
    expect(span.attributes).toMatchObject({
      [ATTR.decision]: 'allow',
      [ATTR.reason]: 'allowed',
      [ATTR.status]: 200,
      [ATTR.rules]: 'secrets',
      [ATTR.levelRequired]: 'aal2',
      [ATTR.maxAge]: 900,
      [ATTR.levelPresented]: 'aal2',
      [ATTR.tokenCacheHit]: true,
      [ATTR.issuer]: issuer.url,
      [ATTR.subject]: 'alice@example.com',
      [ATTR.path]: '/api/v1/namespaces/prod/secrets/db',
      [ATTR.k8sVerb]: 'get',
      [ATTR.k8sResource]: 'secrets',
      [ATTR.k8sNamespace]: 'prod',
      [ATTR.k8sName]: 'db',
    });
    expect(span.attributes[ATTR.k8sApiGroup], 'the core group is the absence of a group').toBeUndefined();
    expect(span.attributes[ATTR.authAge]).toBeTypeOf('number');
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('describe a step-up challenge; a deny is not an error', async () => {
    const token = await issuer.token();
    const span = await checkSpan({ path: '/api/v1/namespaces/dev/pods/web-0/exec', method: 'POST', token });
    expect(span.attributes).toMatchObject({
      [ATTR.decision]: 'deny',
      [ATTR.reason]: 'acr_insufficient',
      [ATTR.status]: 401,
      [ATTR.clientKind]: 'api',
      [ATTR.rules]: 'pod-shell',
      [ATTR.levelRequired]: 'aal2',
      [ATTR.levelPresented]: 'aal1',
      [ATTR.k8sVerb]: 'create',
      [ATTR.k8sResource]: 'pods',
      [ATTR.k8sSubresource]: 'exec',
    });
    expect(span.attributes[ATTR.detail]).toBe('presented aal1, required aal2');
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    const browser = await checkSpan({ host: DASH_HOST, path: '/admin/users', token, headers: BROWSER_HEADERS });
    expect(browser.attributes).toMatchObject({ [ATTR.status]: 302, [ATTR.clientKind]: 'navigation', [ATTR.rules]: 'grafana-admin', [ATTR.path]: '/admin/users' });
    expect(browser.attributes[ATTR.k8sVerb]).toBeUndefined();
    const rbac = await checkSpan({ method: 'POST', path: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', token });
    expect(rbac.attributes).toMatchObject({
      [ATTR.reason]: 'acr_insufficient',
      [ATTR.rules]: 'rbac-writes',
      [ATTR.levelRequired]: 'aal3',
      [ATTR.k8sVerb]: 'create',
      [ATTR.k8sApiGroup]: 'rbac.authorization.k8s.io',
      [ATTR.k8sResource]: 'clusterrolebindings',
    });
  });

  it('mark only internal_error as an error', async () => {
    const rt = service.runtime;
    const faulty = { ...rt, policy: { ...rt.policy, evaluate: () => { throw new Error('boom: secret-in-message'); } } };
    const server = await startGrpcServer({ runtime: () => faulty, log: createLogger('silent'), listen: '127.0.0.1:0', telemetry: service.telemetry });
    const c = new CheckClient(server.port);
    try {
      const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
      const res = await c.check(checkRequest({ path: '/api/v1/namespaces/dev/pods', token: await issuer.token(), headers: { traceparent } }));
      expect(reasonOf(res)).toBe('internal_error');
      const span = await eventually(() => traced.named(SPAN_CHECK).find((s) => s.spanContext().traceId === '0af7651916cd43dd8448eb211c80319c'));
      expect(span.attributes[ATTR.reason]).toBe('internal_error');
      expect(span.attributes[ATTR.status]).toBe(500);
      expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'internal_error' });
      expect(span.events.map((e) => e.attributes)).toEqual([{ 'exception.type': 'Error' }]);
      expect(JSON.stringify({ a: span.attributes, e: span.events, s: span.status })).not.toContain('secret-in-message');
    } finally {
      c.close();
      await server.shutdown(100);
    }
  });

  it('never carry token, cookie, authorization scheme or query-string material', async () => {
    const token = await issuer.token({ sub: 'carol@example.com' });
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const secrets = [token, header, payload, signature, 'Bearer', 'grafana_session', 'c00kie-v4lue', 'SECRETQUERY', 'x-api-key-value'];
    const specs: RequestSpec[] = [
      { path: '/api/v1/namespaces/dev/pods?labelSelector=app&token=SECRETQUERY', token, headers: { cookie: 'grafana_session=c00kie-v4lue', 'x-api-key': 'x-api-key-value' } },
      { path: '/api/v1/namespaces/dev/secrets?access_token=SECRETQUERY', token, headers: { cookie: 'grafana_session=c00kie-v4lue' } },
      { host: DASH_HOST, path: '/admin?SECRETQUERY=1', token, headers: { ...BROWSER_HEADERS, cookie: 'grafana_session=c00kie-v4lue' } },
      { path: '/api/v1/namespaces/dev/pods?token=SECRETQUERY', token: `${token}x` }, // token_invalid
      { path: '/api/v1/nodes/n1/proxy?SECRETQUERY', token }, // policy_deny
    ];
    for (const spec of specs) {
      const span = await checkSpan(spec);
      const everything = JSON.stringify({ attributes: span.attributes, events: span.events, status: span.status, name: span.name, links: span.links });
      for (const s of secrets) expect(everything, `span for ${spec.path} contains ${s.slice(0, 12)}…`).not.toContain(s);
      for (const value of Object.values(span.attributes)) {
        for (const s of secrets) expect(String(value)).not.toContain(s);
      }
      expect(span.attributes[ATTR.path]).not.toContain('?');
    }
  });
});

describe('subject as configured', () => {
  it('hashes the subject in spans with telemetry.subject: hashed', async () => {
    const spans = captureSpans();
    const svc = await startService(testConfig(issuer.url, 'telemetry:\n  subject: hashed\n'), ENV, createLogger('silent'), {
      telemetry: { tracerProvider: spans.provider },
    });
    const c = new CheckClient(svc.grpc.port);
    try {
      const span = await checkSpan({ path: '/api/v1/namespaces/dev/pods', token: await issuer.token() }, c, spans);
      expect(span.attributes[ATTR.subject]).toBe(hashSubject('alice@example.com'));
      expect(span.attributes[ATTR.subject]).toMatch(/^sha256:[0-9a-f]{32}$/);
      expect(JSON.stringify(span.attributes)).not.toContain('alice');
    } finally {
      c.close();
      await svc.stop();
    }
  });
});

describe('JWKS fetches are child spans of the Check that caused them', () => {
  it('records a failed startup fetch as a root span, and the on-demand fetch under the Check', async () => {
    const idp = await TestIssuer.start();
    idp.down = true;
    const spans = captureSpans();
    let skew = 0;
    const config = parseConfig(
      testConfigYaml(idp.url).replace('jwks_cooldown_seconds: 2', 'jwks_cooldown_seconds: 1'),
      'test-config.yaml',
    );
    const svc = await startService(config, ENV, createLogger('silent'), {
      telemetry: { tracerProvider: spans.provider },
      now: () => Date.now() + skew,
    });
    const c = new CheckClient(svc.grpc.port);
    try {
      const startup = await eventually(() => spans.named(SPAN_JWKS).find((s) => s.attributes[ATTR.issuer] === idp.url));
      expect(startup.kind).toBe(SpanKind.CLIENT);
      expect(startup.parentSpanContext).toBeUndefined();
      expect(startup.attributes[ATTR.jwksOutcome]).toBe('error');
      expect(startup.status.code).toBe(SpanStatusCode.ERROR);

      idp.down = false;
      skew = 2000; // past the cooldown, without sleeping
      const res = await c.check(checkRequest({ path: '/api/v1/namespaces/dev/pods', token: await idp.token(), headers: { traceparent: TRACEPARENT } }));
      expect(reasonOf(res)).toBe('allowed');
      const check = await eventually(() => spans.named(SPAN_CHECK).find((s) => s.spanContext().traceId === TRACE_ID));
      const fetch = spans.named(SPAN_JWKS).find((s) => s.attributes[ATTR.jwksOutcome] === 'ok');
      expect(fetch, 'a successful JWKS span').toBeDefined();
      expect(fetch!.spanContext().traceId).toBe(TRACE_ID);
      expect(fetch!.parentSpanContext?.spanId).toBe(check.spanContext().spanId);
      expect(check.attributes[ATTR.tokenCacheHit]).toBe(false);
    } finally {
      c.close();
      await svc.stop();
      await idp.close();
    }
  });
});
