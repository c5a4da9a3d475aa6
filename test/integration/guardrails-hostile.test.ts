import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { startService, type Service } from '../../src/main.js';
import { CLIP_CHARS } from '../../src/core/redact.js';
import { HMAC_SECRET, testConfigYaml } from '../support/config.js';
import { CheckClient, deniedHeader, reasonOf, type CheckResponse } from '../support/grpc-client.js';
import { PINNED } from '../support/guardrails.js';
import { TestIssuer } from '../support/issuer.js';
import { BROWSER_HEADERS, checkRequest, DASH_HOST, type RequestSpec } from '../support/requests.js';
import { captureLog, captureSpans } from '../support/telemetry.js';

/**
 * Hostile bodies and attacker-sized values through the real gRPC server, with the real logger and
 * tracer captured: bodies kube reads differently are never allowed on what JSON.parse shows, a
 * body nested 100,000 deep is an ordinary unreadable body (no internal error, no stack), and a
 * 12,000-character kid, path or image name reaches no log line, span or answer in full.
 */

let issuer: TestIssuer;
let service: Service;
let client: CheckClient;
const log = captureLog('debug');
const traced = captureSpans();

const GUARDRAILS = `
guardrails:
  allowed_registries: [registry.example.com]
  protected_namespaces: ["prod*"]
`;

beforeAll(async () => {
  issuer = await TestIssuer.start();
  const config = parseConfig(testConfigYaml(issuer.url, GUARDRAILS), 'guard.yaml');
  // Header bounds large enough for a 12,000-character kid or user agent to reach the verifier.
  const roomy = { ...config, limits: { ...config.limits, max_header_bytes: 65_536, max_total_header_bytes: 262_144 } };
  service = await startService(roomy, { TEST_HMAC_SECRET: HMAC_SECRET }, log.logger, { telemetry: { tracerProvider: traced.provider } });
  client = new CheckClient(service.grpc.port);
});

afterAll(async () => {
  client?.close();
  await service?.stop();
  await issuer?.close();
});

const aal2 = () => issuer.token({ sub: 'ann@example.com', acr: 'urn:stepgate:aal2', amr: ['mfa'] });
const rulesOf = (res: CheckResponse) => res.dynamic_metadata?.fields.rules?.stringValue ?? '';

async function send(spec: Partial<RequestSpec> & { body: string }, token?: string): Promise<CheckResponse> {
  return client.check(
    checkRequest({
      method: 'POST',
      path: '/api/v1/namespaces/prod-eu/pods',
      token: token ?? (await aal2()),
      headers: { 'content-type': 'application/json' },
      ...spec,
    }),
  );
}

const C = `{"name":"app","image":"${PINNED}","securityContext":{"runAsNonRoot":true}}`;
const patch = (type: string) => ({ method: 'PATCH', path: '/api/v1/namespaces/prod-eu/pods/web', headers: { 'content-type': type } });

describe('bodies kube reads differently, through the real server', () => {
  it('a compliant pod is allowed at aal2 (the control)', async () => {
    expect((await send({ body: `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"w"},"spec":{"containers":[${C}]}}` })).status.code).toBe(0);
  });

  it.each([
    ['repeated spec', {}, `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"w"},"spec":{"hostNetwork":true},"spec":{"containers":[${C}]}}`],
    ['repeated securityContext', {}, `{"kind":"Pod","metadata":{"name":"w"},"spec":{"containers":[{"name":"a","image":"${PINNED}","securityContext":{"privileged":true},"securityContext":{"runAsNonRoot":true}}]}}`],
    ['escaped repeated key', {}, `{"kind":"Pod","metadata":{"name":"w"},"spec":{"hostPID":true,"host\\u0050ID":false,"containers":[${C}]}}`],
    ['merge patch', patch('application/merge-patch+json'), '{"spec":{"hostIPC":true},"spec":{}}'],
    ['strategic merge patch', patch('application/strategic-merge-patch+json'), '{"spec":{"containers":[{"name":"app","securityContext":{"privileged":true},"securityContext":{}}]}}'],
    ['server-side apply as JSON', patch('application/apply-patch+yaml'), `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web"},"spec":{"hostNetwork":true},"spec":{"containers":[${C}]}}`],
    ['YAML merge key', { headers: { 'content-type': 'application/yaml' } }, 'kind: Pod\nmetadata: {name: w}\nspec:\n  hostNetwork: false\n  <<: {hostNetwork: true}\n'],
    ['JSON patch op with two values', patch('application/json-patch+json'), '[{"op":"add","path":"/spec/hostNetwork","value":true,"value":false}]'],
  ])('%s: not allowed at aal2, refused as an unreadable body', async (_name, spec, body) => {
    const res = await send({ ...spec, body });
    expect(res.status.code).not.toBe(0);
    expect(rulesOf(res)).toContain('guardrail:body_unreadable');
  });

  it('a JSON patch whose insert shifts a privileged container away from a later overwrite needs the privileged step-up', async () => {
    const ops = [
      { op: 'add', path: '/spec/containers/0/securityContext/privileged', value: true },
      { op: 'add', path: '/spec/containers/0', value: { name: 'decoy', image: PINNED } },
      { op: 'add', path: '/spec/containers/0/securityContext', value: {} },
    ];
    const res = await send({ ...patch('application/json-patch+json'), body: JSON.stringify(ops) });
    expect(res.status.code).not.toBe(0);
    expect(rulesOf(res)).toContain('guardrail:privileged_container');
  });
});

describe('bounded work on hostile input', () => {
  it('a JSON patch nested 100,000 deep is body_unreadable: no internal error, no stack in the log', async () => {
    const from = log.lines.length;
    const N = 100_000;
    const body = `[{"op":"add","path":"/spec/x","value":${'{"a":'.repeat(N)}1${'}'.repeat(N)}}]`;
    const res = await send({ ...patch('application/json-patch+json'), body });
    expect(reasonOf(res)).not.toBe('internal_error');
    expect(rulesOf(res)).toContain('guardrail:body_unreadable');
    const lines = log.lines.slice(from).join('');
    expect(lines).toMatch(/nests deeper than 128 levels/);
    expect(lines).not.toMatch(/"stack"|RangeError|Maximum call stack|"level":"error"/);
  });

  it('a 12,000-character kid, path, user agent and image name are clipped in logs, spans and answers', async () => {
    const fromLine = log.lines.length;
    const fromSpan = traced.spans().length;
    const kid = 'K'.repeat(12_000);
    const longToken = await issuer.token({}, { header: { kid } });
    const name = 'n'.repeat(12_000);
    const image = `registry.example.com/${'i'.repeat(12_000)}:1`;
    const answers = [
      await send({ method: 'GET', path: '/api/v1/namespaces/dev/pods', body: '', headers: { 'user-agent': 'U'.repeat(12_000) } }, longToken),
      await send({ method: 'GET', path: `/api/v1/namespaces/dev/pods/${name}`, body: '', headers: { 'user-agent': 'U'.repeat(12_000) } }),
      await send({ body: `{"kind":"Pod","metadata":{"name":"w"},"spec":{"containers":[{"name":"a","image":"${image}"}]}}` }),
    ];
    expect(reasonOf(answers[0]!)).toMatch(/key_unknown|jwks_unavailable/);
    // The records: each present, none carrying more than a clipped copy of any value.
    const lines = log.lines.slice(fromLine);
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const line of lines) {
      expect(line).not.toMatch(/K{300}|n{300}|i{300}|U{300}/);
      expect(line.length).toBeLessThan(8 * 1024);
    }
    expect(lines.join('\n')).toMatch(/K{70}/); // the kid is still recognisable
    expect(lines.join('\n')).toMatch(/…\(12/); // and says it was cut
    // The spans: no attribute longer than a clipped value.
    const spans = traced.spans().slice(fromSpan);
    expect(spans.length).toBeGreaterThanOrEqual(3);
    for (const s of spans) {
      for (const [k, v] of Object.entries(s.attributes)) {
        const values = Array.isArray(v) ? v : [v];
        for (const x of values) if (typeof x === 'string') expect(x.length, k).toBeLessThanOrEqual(1100);
      }
    }
    // The answers: bodies, headers and Envoy metadata stay small.
    for (const res of answers) {
      const denied = res.denied_response;
      if (denied) {
        expect((denied.body ?? '').length).toBeLessThan(4096);
        for (const h of denied.headers ?? []) expect(h.header.value.length).toBeLessThan(CLIP_CHARS * 8);
      }
      for (const f of Object.values(res.dynamic_metadata?.fields ?? {})) expect((f.stringValue ?? '').length).toBeLessThan(CLIP_CHARS * 4);
    }
  });

  it('a client-sized return target is left out of the step-up redirect; an ordinary one is kept', async () => {
    const token = await issuer.token();
    const go = (path: string) => client.check(checkRequest({ host: DASH_HOST, path, headers: BROWSER_HEADERS, token }));
    const ordinary = new URL(deniedHeader(await go('/admin/users?page=2'), 'location')!);
    expect(ordinary.searchParams.get('rd')).toBe(`https://${DASH_HOST}/admin/users?page=2`);
    const huge = await go(`/admin/users?q=${'p'.repeat(12_000)}`);
    expect(reasonOf(huge)).toBe('acr_insufficient');
    const location = deniedHeader(huge, 'location')!;
    expect(new URL(location).searchParams.has('rd')).toBe(false);
    expect(location.length).toBeLessThan(512);
    expect((huge.denied_response?.body ?? '').length).toBeLessThan(1024);
  });
});
