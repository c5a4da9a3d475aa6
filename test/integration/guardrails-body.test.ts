import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Verdict } from '../../src/decision/verdict.js';
import { checkGuardrails } from '../../src/guardrails/guard.js';
import { buildRuntime, type Runtime } from '../../src/pipeline/runtime.js';
import { startGrpcServer, type RunningGrpcServer } from '../../src/server/grpc/server.js';
import { createLogger } from '../../src/telemetry/log.js';
import { logOnlyTelemetry, type CheckTelemetry } from '../../src/telemetry/telemetry.js';
import { HMAC_SECRET, testConfig } from '../support/config.js';
import { CheckClient, reasonOf } from '../support/grpc-client.js';
import { PINNED } from '../support/guardrails.js';
import { checkRequest, type RequestSpec } from '../support/requests.js';

/**
 * The body's way through the real gRPC server: CheckRequest `body` / `raw_body` and Envoy's
 * partial-body header → RawRequest → RequestAttributes, bounded by limits.max_body_bytes. The
 * verdict handed to telemetry carries the attributes the pipeline saw; the guardrails are then run
 * on exactly those, as the pipeline will once they are wired in.
 */

const MAX_BODY = 4096;
let rt: Runtime;
let server: RunningGrpcServer;
let client: CheckClient;
const seen: Verdict[] = [];

beforeAll(async () => {
  const config = testConfig(
    'https://idp.invalid',
    `guardrails:
  protected_namespaces: ["prod*"]
`,
  );
  // testConfig's limits section is fixed; the body bound is set on the parsed config.
  const bounded = { ...config, limits: { ...config.limits, max_body_bytes: MAX_BODY } };
  rt = buildRuntime(bounded, { fetch: () => Promise.reject(new Error('no network in this test')), now: Date.now, env: { TEST_HMAC_SECRET: HMAC_SECRET } });
  const log = createLogger('silent');
  const inner = logOnlyTelemetry(log);
  const telemetry: CheckTelemetry = {
    tracing: undefined,
    checked(r, v, ...rest) {
      seen.push(v);
      inner.checked(r, v, ...rest);
    },
  };
  server = await startGrpcServer({ runtime: () => rt, log, listen: '127.0.0.1:0', telemetry });
  client = new CheckClient(server.port);
});

afterAll(async () => {
  client?.close();
  await server?.shutdown(1000);
});

async function attributesOf(spec: RequestSpec) {
  const before = seen.length;
  const res = await client.check(checkRequest(spec));
  // telemetry.checked runs right after the answer is handed to gRPC, in the same turn.
  await new Promise((r) => setImmediate(r));
  expect(seen.length).toBe(before + 1);
  return { res, attrs: seen[before]!.attributes! };
}

const deployment = (hostNetwork: boolean) =>
  JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web' },
    spec: { template: { spec: { hostNetwork, containers: [{ name: 'app', image: PINNED }] } } },
  });
const write = (extra: Partial<RequestSpec>): RequestSpec => ({
  method: 'POST',
  path: '/apis/apps/v1/namespaces/prod/deployments',
  headers: { 'content-type': 'application/json', 'x-envoy-auth-partial-body': 'false' },
  ...extra,
});

describe('request body through the real gRPC server', () => {
  it('carries `body` (string) into RequestAttributes and the guardrails see it', async () => {
    const body = deployment(true);
    const { attrs } = await attributesOf(write({ body }));
    expect(attrs.body).toBe(body);
    expect(attrs.bodyTruncated).toBe(false);
    const g = checkGuardrails(rt.guardrails, attrs)!;
    expect(g.result.violations.map((v) => v.code)).toEqual(['host_namespace']);
    expect(g.contribution).toMatchObject({ level: 2, maxAge: 300, codes: ['host_namespace'] });
  });

  it('carries `raw_body` (pack_as_bytes) as bytes, read once when `body` holds the same', async () => {
    const raw = Buffer.from(deployment(true));
    const { attrs } = await attributesOf(write({ rawBody: raw, body: deployment(true) }));
    expect(attrs.body).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(attrs.body as Uint8Array).equals(raw)).toBe(true);
    expect(checkGuardrails(rt.guardrails, attrs)!.result.violations.map((v) => v.code)).toEqual(['host_namespace']);
  });

  // Envoy fills one or the other; which of two different bodies the upstream gets is not knowable.
  it.each([
    ['a compliant body beside a hostNetwork raw_body', deployment(false), deployment(true)],
    ['a hostNetwork body beside a compliant raw_body', deployment(true), deployment(false)],
  ])('refuses %s: request_invalid', async (_what, body, raw) => {
    const res = await client.check(checkRequest(write({ body, rawBody: Buffer.from(raw) })));
    expect(reasonOf(res)).toBe('request_invalid');
  });

  it('a compliant body gives no guardrail outcome effect', async () => {
    const { attrs } = await attributesOf(write({ body: deployment(false), raw: true }));
    expect(checkGuardrails(rt.guardrails, attrs)!.result.violations).toEqual([]);
  });

  it('marks a body Envoy cut (x-envoy-auth-partial-body: true) as truncated', async () => {
    const { attrs } = await attributesOf(write({ body: deployment(false).slice(0, 50), headers: { 'content-type': 'application/json', 'x-envoy-auth-partial-body': 'true' } }));
    expect(attrs.bodyTruncated).toBe(true);
    expect(checkGuardrails(rt.guardrails, attrs)!.result.unreadable).toBe('body_truncated');
  });

  it('a client copy of the partial-body header cannot turn Envoy\'s "true" into "false"', async () => {
    // Envoy's map joins repeated headers with ','; header_map sends both.
    const { attrs } = await attributesOf(write({ body: deployment(false), raw: true, headers: { 'content-type': 'application/json', 'x-envoy-auth-partial-body': 'false,true' } }));
    expect(attrs.bodyTruncated).toBe(true);
  });

  it.each([
    ['string body', { body: `${deployment(true)}${' '.repeat(MAX_BODY)}` }],
    ['raw_body', { rawBody: Buffer.alloc(MAX_BODY + 1, 0x20) }],
    ['multi-byte string just over the bound in bytes', { body: 'é'.repeat(MAX_BODY / 2 + 1) }],
  ])('drops a %s over limits.max_body_bytes and marks it truncated', async (_n, extra) => {
    const { res, attrs } = await attributesOf(write(extra));
    expect(attrs.body).toBeUndefined();
    expect(attrs.bodyTruncated).toBe(true);
    expect(checkGuardrails(rt.guardrails, attrs)!.result.unreadable).toBe('body_truncated');
    // Still an ordinary decision, not an error.
    expect(reasonOf(res)).toBe('token_missing');
  });

  it('keeps a body exactly at the bound', async () => {
    const body = 'x'.repeat(MAX_BODY);
    const { attrs } = await attributesOf(write({ body }));
    expect(attrs.body).toBe(body);
    expect(attrs.bodyTruncated).toBe(false);
  });

  it('a write without any body (with_request_body not configured) is missing, with the unreadable effect when missing_body is not set, never compliant', async () => {
    const { attrs } = await attributesOf(write({ headers: { 'content-type': 'application/json' } }));
    expect(attrs.body).toBeUndefined();
    expect(attrs.bodyTruncated).toBe(false);
    const missing = checkGuardrails(rt.guardrails, attrs)!;
    expect(missing.result).toMatchObject({ unreadable: 'body_missing' });
    // The same body marked by Envoy as buffered but empty: unreadable, with the same effect.
    const { attrs: empty } = await attributesOf(write({ body: '', headers: { 'content-type': 'application/json', 'x-envoy-auth-partial-body': 'false' } }));
    const unreadable = checkGuardrails(rt.guardrails, empty)!;
    expect(unreadable.result).toMatchObject({ unreadable: 'body_unreadable' });
    expect({ ...missing.contribution, codes: [] }).toEqual({ ...unreadable.contribution, codes: [] });
    expect(missing.contribution.level).toBeGreaterThanOrEqual(0);
  });

  it('a read carries no guardrail work at all', async () => {
    const { attrs } = await attributesOf({ path: '/api/v1/namespaces/prod/pods', body: 'ignored' });
    expect(checkGuardrails(rt.guardrails, attrs)).toBeUndefined();
  });

  it('a CheckRequest over the gRPC message limit is refused by the transport, never buffered into a decision', async () => {
    const err = await client.check(checkRequest(write({ rawBody: Buffer.alloc(5 * 1024 * 1024) }))).then(
      () => undefined,
      (e: grpc.ServiceError) => e,
    );
    expect(err?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
  });
});
