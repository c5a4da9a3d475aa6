import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { reasonMessage } from '../../src/core/reasons.js';
import { check } from '../../src/pipeline/check.js';
import { buildRuntime } from '../../src/pipeline/runtime.js';
import type { RawRequest } from '../../src/request/attributes.js';
import { RequestHeaders } from '../../src/request/headers.js';
import { parseCheckRequest } from '../../src/server/grpc/check.js';
import { HMAC_SECRET, testConfigYaml } from '../support/config.js';

/**
 * groups49 (issue 12): a request_invalid or header_too_large refused before the request was read
 * as Kubernetes, on a Kubernetes host, is a Status kubectl prints (or, where client-go reads the
 * answer raw, a Warning), not stepgate's plain JSON, of which kubectl printed "unknown reason" or
 * "the server responded with the status code 431".
 */
const rt = buildRuntime(parseConfig(testConfigYaml('https://idp.invalid'), 'stepgate.yaml'), {
  fetch: () => Promise.reject(new Error('no network in a unit test')),
  now: () => Date.parse('2027-05-06T12:00:00Z'),
  env: { TEST_HMAC_SECRET: HMAC_SECRET },
});

const raw = (target: string, authority = 'kube.example.com', method = 'GET'): RawRequest => ({
  method,
  target,
  authority,
  scheme: 'https',
  headers: RequestHeaders.of([['accept', 'application/json']]),
  sourceAddress: '10.1.2.3',
  sourcePrincipal: '',
  contextExtensions: {},
  body: undefined,
  bodyTruncated: false,
});
const header = (a: { headers: readonly (readonly [string, string])[] }, name: string) => a.headers.find(([k]) => k === name)?.[1];
const statusLine = (reason: string) => `stepgate: ${reasonMessage(reason as never)} (${reason})`;

/** A Check from Envoy whose one header is `bytes` long (over limits.max_header_bytes: 8192). */
const bigCheck = (host: string, path: string) =>
  parseCheckRequest({ attributes: { request: { http: { method: 'GET', path, host, headers: { ':authority': host, ':path': path, ':method': 'GET', 'x-big': 'x'.repeat(9000) } } } } }, rt.headerLimits, rt.maxBodyBytes);

describe('a request refused before it was read as Kubernetes, on a Kubernetes host', () => {
  it('request_invalid (a `;` path parameter, a lower-case method): a Status with the reason, code 400', async () => {
    for (const r of [raw('/api/v1/namespaces/default/pods/web;x'), raw('/api/v1/namespaces/default/pods', 'kube.example.com', 'get')]) {
      const { verdict, answer } = await check(rt, { ok: true, raw: r, spoofed: [] });
      expect(verdict.reason).toBe('request_invalid');
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.body)).toMatchObject({ kind: 'Status', code: 400, reason: 'BadRequest', message: statusLine('request_invalid'), details: { causes: [{ reason: 'request_invalid' }] } });
    }
  });

  it('header_too_large from Envoy: a Status, code 431', async () => {
    const parsed = bigCheck('kube.example.com:6443', '/api/v1/namespaces/default/pods');
    expect(parsed.ok).toBe(false);
    const { answer } = await check(rt, parsed);
    expect(answer.status).toBe(431);
    expect(JSON.parse(answer.body)).toMatchObject({ kind: 'Status', code: 431, message: statusLine('header_too_large') });
  });

  it('on discovery, which client-go reads raw: a Warning beside the JSON', async () => {
    const { answer } = await check(rt, bigCheck('kube.example.com', '/apis?timeout=32s'));
    expect(answer.status).toBe(431);
    expect(header(answer, 'warning')).toBe(`299 stepgate "${statusLine('header_too_large')}"`);
  });

  it('a forward-auth refusal naming the request: a Status; one naming none, the plain body', async () => {
    const named = await check(rt, { ok: false, reason: 'request_invalid', detail: 'x', line: { method: 'GET', target: '/api/v1/pods', authority: 'kube.example.com', contextExtensions: {} } });
    expect(JSON.parse(named.answer.body)).toMatchObject({ kind: 'Status', code: 400 });
    const unnamed = await check(rt, { ok: false, reason: 'request_invalid', detail: 'x' });
    expect(JSON.parse(unnamed.answer.body)).toEqual({ reason: 'request_invalid', message: reasonMessage('request_invalid') });
  });

  it('on any other host: stepgate plain JSON, as before', async () => {
    const { answer } = await check(rt, { ok: true, raw: raw('/admin;x', 'grafana.example.com'), spoofed: [] });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toEqual({ reason: 'request_invalid', message: reasonMessage('request_invalid') });
    const big = await check(rt, bigCheck('grafana.example.com', '/api/v1/pods'));
    expect(JSON.parse(big.answer.body)).toEqual({ reason: 'header_too_large', message: reasonMessage('header_too_large') });
    // A route tagged as not the API server is not one, whatever its host.
    const tagged = await check(rt, { ok: false, reason: 'request_invalid', detail: 'x', line: { method: 'GET', target: '/api/v1/pods', authority: 'kube.example.com', contextExtensions: { 'stepgate.kubernetes': 'false' } } });
    expect(JSON.parse(tagged.answer.body).kind).toBeUndefined();
  });
});
