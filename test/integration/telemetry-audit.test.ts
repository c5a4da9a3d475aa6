import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, type Service } from '../../src/main.js';
import { RECORD_FIELDS } from '../../src/telemetry/audit.js';
import { hashSubject } from '../../src/core/redact.js';
import { SPAN_CHECK } from '../../src/telemetry/tracing.js';
import { DOWN_ISSUER, HMAC_SECRET, testConfig } from '../support/config.js';
import { CheckClient, reasonOf } from '../support/grpc-client.js';
import { TestIssuer } from '../support/issuer.js';
import { BROWSER_HEADERS, checkRequest, DASH_HOST, type RequestSpec } from '../support/requests.js';
import { captureLog, captureSpans, eventually, TRACE_ID, TRACEPARENT } from '../support/telemetry.js';

/**
 * The audit log through the real server, captured from pino's destination in-process: one JSON
 * record per step-up event and per policy denial, with the documented fields and no secrets.
 */

const ENV = { TEST_HMAC_SECRET: HMAC_SECRET, STEPGATE_METRICS_LISTEN: 'off' };
const PINO_FIELDS = ['level', 'time', 'service', 'msg'];
const aal2 = { acr: 'urn:stepgate:aal2', amr: ['pwd', 'otp', 'mfa'] };

let issuer: TestIssuer;

beforeAll(async () => {
  issuer = await TestIssuer.start();
});

afterAll(async () => {
  await issuer?.close();
});

interface Harness {
  service: Service;
  client: CheckClient;
  records: Record<string, unknown>[];
  lines: string[];
  /** Sends a Check with a unique request id and returns the one record it produced (or undefined). */
  check(spec: RequestSpec): Promise<{ reason: string | undefined; record: Record<string, unknown> | undefined; id: string }>;
  stop(): Promise<void>;
}

async function harness(extraYaml = '', level = 'info', options: Parameters<typeof startService>[3] = {}): Promise<Harness> {
  const { logger, records, lines } = captureLog(level);
  const service = await startService(testConfig(issuer.url, extraYaml), ENV, logger, options);
  const client = new CheckClient(service.grpc.port);
  return {
    service,
    client,
    records,
    lines,
    async check(spec) {
      const id = `audit-${Math.random().toString(36).slice(2)}`;
      const res = await client.check(checkRequest({ ...spec, headers: { ...spec.headers, 'x-request-id': id } }));
      // The record is written right after the answer is handed to gRPC.
      await new Promise((r) => setTimeout(r, 20));
      const mine = records.filter((r) => r.request_id === id);
      expect(mine.length, 'at most one record per decision').toBeLessThanOrEqual(1);
      return { reason: reasonOf(res), record: mine[0], id };
    },
    async stop() {
      client.close();
      await service.stop();
    },
  };
}

function expectNoSecrets(record: unknown, ...secrets: string[]) {
  const text = JSON.stringify(record);
  for (const s of ['Bearer', ...secrets]) expect(text, `record contains ${s.slice(0, 16)}…`).not.toContain(s);
}

describe('audit records (tracing off)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness();
  });
  afterAll(async () => h?.stop());

  it('writes a stepup.challenge record for an API client, with every documented field', async () => {
    const token = await issuer.token();
    const { reason, record, id } = await h.check({
      method: 'GET',
      path: '/api/v1/namespaces/prod/secrets/db-password?token=SECRETQUERY',
      token,
      source: '203.0.113.7',
      headers: { traceparent: TRACEPARENT, cookie: 'session=c00kie-v4lue' },
    });
    expect(reason).toBe('acr_insufficient');
    expect(record).toBeDefined();
    expect(record).toMatchObject({
      level: 'info',
      service: 'stepgate',
      audit: true,
      event: 'stepup.challenge',
      decision: 'deny',
      reason: 'acr_insufficient',
      detail: 'presented aal1, required aal2',
      status: 401,
      client_kind: 'api',
      rules: ['secrets'],
      level_required: 'aal2',
      max_age: 900,
      level_presented: 'aal1',
      subject: 'alice@example.com',
      issuer: issuer.url,
      request_id: id,
      trace_id: TRACE_ID, // from the request's traceparent, although stepgate does not trace here
      client_ip: '203.0.113.7',
      user_agent: 'kubectl/v1.31.0 (linux/amd64) kubernetes/abcdef',
      method: 'GET',
      host: 'kube.example.com',
      path: '/api/v1/namespaces/prod/secrets/db-password',
      kube: { verb: 'get', group: '', resource: 'secrets', namespace: 'prod', name: 'db-password' },
      token_cache: expect.stringMatching(/^(hit|miss)$/),
    });
    expect(new Date(record!.time as string).getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(record!.auth_age).toBeTypeOf('number');
    expect(record!.latency_ms).toBeTypeOf('number');
    expect(record!.span_id).toBeUndefined();
    const [, payload, signature] = token.split('.') as [string, string, string];
    expectNoSecrets(record, token, payload, signature, 'SECRETQUERY', 'c00kie-v4lue');
  });

  it('writes a stepup.challenge record for a browser redirect and for a missing token', async () => {
    const token = await issuer.token();
    const browser = await h.check({ host: DASH_HOST, path: '/admin/users', token, headers: BROWSER_HEADERS });
    expect(browser.reason).toBe('acr_insufficient');
    expect(browser.record).toMatchObject({
      audit: true,
      event: 'stepup.challenge',
      status: 302,
      client_kind: 'navigation',
      rules: ['grafana-admin'],
      level_required: 'aal2',
      host: DASH_HOST,
      user_agent: BROWSER_HEADERS['user-agent'],
    });
    expect(browser.record!.kube).toBeUndefined();

    const anonymous = await h.check({ path: '/api/v1/namespaces/dev/pods' });
    expect(anonymous.reason).toBe('token_missing');
    expect(anonymous.record).toMatchObject({ audit: true, event: 'stepup.challenge', reason: 'token_missing', status: 401, token_cache: 'none' });
    expect(anonymous.record!.subject).toBeUndefined();
  });

  it('writes a policy.deny record', async () => {
    const token = await issuer.token();
    const { reason, record } = await h.check({ path: '/api/v1/nodes/worker-1/proxy/metrics', token });
    expect(reason).toBe('policy_deny');
    expect(record).toMatchObject({
      audit: true,
      event: 'policy.deny',
      decision: 'deny',
      status: 403,
      rules: ['no-node-proxy'],
      subject: 'alice@example.com',
      kube: { verb: 'get', resource: 'nodes', subresource: 'proxy', name: 'worker-1' },
    });
    expect(record!.level_required).toBeUndefined();
    expectNoSecrets(record, token);
  });

  it('infers a step-up completion when the challenged subject is allowed on the same rules', async () => {
    const before = await h.service.telemetry.metrics.collect();
    const completions = (r: typeof before) =>
      r.resourceMetrics.scopeMetrics[0]!.metrics.find((m) => m.descriptor.name === 'stepgate_stepup_completions')!.dataPoints as { attributes: Record<string, string>; value: number }[];
    expect(completions(before)).toEqual([]);

    const weak = await h.check({ path: '/api/v1/namespaces/dev/pods/web-0/exec', method: 'POST', token: await issuer.token({ sub: 'dave@example.com' }) });
    expect(weak.record).toMatchObject({ event: 'stepup.challenge', rules: ['pod-shell'] });
    // kubectl retries: a second challenge for the same rules does not open a second episode.
    await h.check({ path: '/api/v1/namespaces/dev/pods/web-0/exec', method: 'POST', token: await issuer.token({ sub: 'dave@example.com' }) });
    const strong = await h.check({ path: '/api/v1/namespaces/dev/pods/web-0/exec', method: 'POST', token: await issuer.token({ sub: 'dave@example.com', ...aal2 }) });
    expect(strong.reason).toBe('allowed');
    expect(strong.record).toMatchObject({
      audit: true,
      event: 'stepup.complete',
      decision: 'allow',
      subject: 'dave@example.com',
      rules: ['pod-shell'],
      level_presented: 'aal2',
      challenge: { reason: 'acr_insufficient', rules: ['pod-shell'], inferred: true },
    });
    expect(Date.parse((strong.record!.challenge as { at: string }).at)).toBeLessThanOrEqual(Date.now());
    const again = await h.check({ path: '/api/v1/namespaces/dev/pods/web-0/exec', method: 'POST', token: await issuer.token({ sub: 'dave@example.com', ...aal2 }) });
    expect(again.record, 'the episode is closed: a later allow is routine').toBeUndefined();

    const points = completions(await h.service.telemetry.metrics.collect());
    expect(points).toEqual([{ attributes: { reason: 'acr_insufficient', level: 'aal2' }, value: 1, startTime: expect.anything(), endTime: expect.anything() }]);
    const byRule = (await h.service.telemetry.metrics.collect()).resourceMetrics.scopeMetrics[0]!.metrics.find(
      (m) => m.descriptor.name === 'stepgate_rule_stepup_completions',
    )!.dataPoints;
    expect(byRule.map((p) => [p.attributes, p.value])).toEqual([[{ rule: 'pod-shell' }, 1]]);
  });

  it('does not write routine allows at info; other denials are plain decision records', async () => {
    const allow = await h.check({ path: '/api/v1/namespaces/dev/pods', token: await issuer.token() });
    expect(allow.reason).toBe('allowed');
    expect(allow.record).toBeUndefined();
    const tooLarge = await h.check({ path: '/api/v1/namespaces/dev/pods', headers: { 'x-big': 'x'.repeat(9000) } });
    expect(tooLarge.reason).toBe('header_too_large');
    // Refused before its headers were read: the record cannot name the request id.
    const tooLargeRecord = h.records.find((r) => r.reason === 'header_too_large');
    expect(tooLargeRecord).toMatchObject({ level: 'info', event: 'decision', decision: 'deny', status: 431 });
    expect(tooLargeRecord!.audit).toBeUndefined();
    const unavailable = await h.check({ path: '/api/v1/namespaces/dev/pods', token: await issuer.token({ iss: DOWN_ISSUER }) });
    expect(unavailable.reason).toBe('jwks_unavailable');
    expect(unavailable.record).toMatchObject({ level: 'info', event: 'decision', status: 503, token_cache: 'miss' });
    expect(unavailable.record!.audit).toBeUndefined();
  });

  it('writes only JSON lines, and only documented fields', () => {
    expect(h.lines.length).toBeGreaterThan(5);
    const allowed = new Set<string>([...RECORD_FIELDS, ...PINO_FIELDS]);
    for (const r of h.records.filter((x) => x.event === 'decision' || x.audit === true)) {
      expect(Object.keys(r).filter((k) => !allowed.has(k))).toEqual([]);
    }
  });
});

describe('levels and sampling', () => {
  it('samples allows into access.allow records with telemetry.audit.sample_allows', async () => {
    const h = await harness('telemetry:\n  audit:\n    sample_allows: 1\n');
    try {
      const { record } = await h.check({ path: '/api/v1/namespaces/dev/pods', token: await issuer.token() });
      expect(record).toMatchObject({ audit: true, event: 'access.allow', decision: 'allow', reason: 'allowed', status: 200, rules: ['default'] });
    } finally {
      await h.stop();
    }
  });

  it('samples a fraction of allows, using the injected randomness', async () => {
    const draws = [0.9, 0.2, 0.6, 0.05];
    const h = await harness('telemetry:\n  audit:\n    sample_allows: 0.5\n', 'info', { telemetry: { random: () => draws.shift() ?? 1 } });
    try {
      const token = await issuer.token();
      const got = [];
      for (let i = 0; i < 4; i++) got.push((await h.check({ path: '/api/v1/namespaces/dev/pods', token })).record?.event);
      expect(got).toEqual([undefined, 'access.allow', undefined, 'access.allow']);
    } finally {
      await h.stop();
    }
  });

  it('logs allows at debug when not sampled', async () => {
    const h = await harness('', 'debug');
    try {
      const { record } = await h.check({ path: '/api/v1/namespaces/dev/pods', token: await issuer.token() });
      expect(record).toMatchObject({ level: 'debug', event: 'decision', decision: 'allow' });
      expect(record!.audit).toBeUndefined();
    } finally {
      await h.stop();
    }
  });

  it('writes audit records at telemetry.audit.level, so log.level warn can keep only them', async () => {
    const h = await harness('telemetry:\n  audit:\n    level: warn\n', 'warn');
    try {
      const challenge = await h.check({ path: '/api/v1/namespaces/dev/secrets', token: await issuer.token() });
      expect(challenge.record).toMatchObject({ level: 'warn', audit: true, event: 'stepup.challenge' });
      const badRequest = await h.check({ path: '/api/v1/namespaces/dev/pods', headers: { 'x-big': 'x'.repeat(9000) }, token: await issuer.token() });
      expect(badRequest.reason).toBe('header_too_large');
      expect(h.records.filter((r) => r.reason === 'header_too_large'), 'an info-level decision record is below log.level warn').toEqual([]);
    } finally {
      await h.stop();
    }
  });

  it('hashes the subject with telemetry.subject: hashed', async () => {
    const h = await harness('telemetry:\n  subject: hashed\n');
    try {
      const { record } = await h.check({ path: '/api/v1/namespaces/dev/secrets', token: await issuer.token() });
      expect(record!.subject).toBe(hashSubject('alice@example.com'));
      expect(JSON.stringify(record)).not.toContain('alice');
    } finally {
      await h.stop();
    }
  });
});

describe('with tracing on', () => {
  it('carries the trace id and span id of the Check span', async () => {
    const spans = captureSpans();
    const h = await harness('', 'info', { telemetry: { tracerProvider: spans.provider } });
    try {
      const { record } = await h.check({ path: '/api/v1/namespaces/dev/secrets', token: await issuer.token(), headers: { traceparent: TRACEPARENT } });
      const span = await eventually(() => spans.named(SPAN_CHECK)[0]);
      expect(record).toMatchObject({ trace_id: TRACE_ID, span_id: span.spanContext().spanId });
    } finally {
      await h.stop();
    }
  });
});
