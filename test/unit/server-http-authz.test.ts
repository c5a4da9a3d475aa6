import type { IncomingMessage } from 'node:http';
import { request } from 'node:http';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Answer } from '../../src/decision/respond.js';
import type { Verdict } from '../../src/decision/verdict.js';
import { buildRuntime, type Runtime } from '../../src/pipeline/runtime.js';
import { fail } from '../../src/pipeline/evaluate.js';
import { identityHeaderNames, LOCATION_HEADER, parseAuthzRequest, REMOVE_HEADER, startAuthzHttpServer, STATUS_BODY_HEADER, statusBodyHeader, toHttp } from '../../src/server/http/authz.js';
import type { RunningHttpServer } from '../../src/server/http/listen.js';
import { TrustedProxies } from '../../src/server/http/proxies.js';
import { createLogger } from '../../src/telemetry/log.js';
import { HMAC_ISSUER, HMAC_SECRET, testConfig } from '../support/config.js';
import { PINNED } from '../support/guardrails.js';

/**
 * The HTTP authz adapter on its own: the pure request → RawRequest and Answer → HTTP mappings
 * with fake requests, then the handler behind a real loopback listener on a free port, with a
 * runtime that has no network (the fetch port throws) and an injected clock.
 */

const T0 = Date.parse('2026-03-02T10:00:00Z');
const S0 = Math.floor(T0 / 1000);
const GUARDRAILS = 'guardrails:\n  effects:\n    privileged_container: {require: aal3, max_age: 300}\n';
const PROXY = '10.9.9.9';

function runtime(): Runtime {
  return buildRuntime(testConfig('https://idp.invalid', GUARDRAILS), {
    fetch: () => Promise.reject(new Error('no network in a unit test')),
    now: () => T0,
    env: { TEST_HMAC_SECRET: HMAC_SECRET },
  });
}

const rt = runtime();
const proxies = new TrustedProxies([`${PROXY}/32`]);
const names = identityHeaderNames(rt.config);

/** `headers`, then `repeated` (pairs whose names may repeat, as a client can send them). */
function fakeRequest(o: { method?: string; url?: string; peer?: string; headers?: Record<string, string>; repeated?: readonly (readonly [string, string])[] }): IncomingMessage {
  const pairs = [...Object.entries(o.headers ?? {}), ...(o.repeated ?? [])];
  const distinct: Record<string, string[]> = {};
  for (const [k, v] of pairs) (distinct[k.toLowerCase()] ??= []).push(v);
  return {
    method: o.method ?? 'GET',
    url: o.url ?? '/',
    socket: { remoteAddress: o.peer ?? '127.0.0.1' },
    rawHeaders: pairs.flat(),
    headers: Object.fromEntries(Object.entries(distinct).map(([k, v]) => [k, v.join(', ')])),
    headersDistinct: distinct,
  } as unknown as IncomingMessage;
}

async function token(acr: string): Promise<string> {
  return new SignJWT({ sub: 'alice@example.com', acr, auth_time: S0 - 10 })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(HMAC_ISSUER)
    .setAudience('kubernetes')
    .setExpirationTime(S0 + 3600)
    .sign(new TextEncoder().encode(HMAC_SECRET));
}

describe('parseAuthzRequest', () => {
  it('Envoy\'s HTTP mode: the request line is the original request', () => {
    const p = parseAuthzRequest(rt, proxies, fakeRequest({ method: 'DELETE', url: '/api/v1/namespaces/prod/pods/x?dryRun=All', headers: { Host: 'kube.example.com' } }));
    expect(p).toMatchObject({ ok: true, forwardAuth: false, nginx: false, raw: { method: 'DELETE', target: '/api/v1/namespaces/prod/pods/x?dryRun=All', authority: 'kube.example.com', scheme: 'https', sourceAddress: '127.0.0.1' } });
  });

  it('forward-auth from a trusted proxy: method, URI and host from the forwarded headers, the client from X-Forwarded-For', () => {
    const p = parseAuthzRequest(rt, proxies, fakeRequest({
      peer: PROXY,
      headers: { host: 'stepgate.internal', 'x-forwarded-method': 'POST', 'x-forwarded-uri': '/api/v1/namespaces/dev/pods', 'x-forwarded-host': 'kube.example.com', 'x-forwarded-proto': 'http', 'x-forwarded-for': '203.0.113.7, 10.9.9.9' },
    }));
    expect(p).toMatchObject({ ok: true, forwardAuth: true, nginx: false, raw: { method: 'POST', target: '/api/v1/namespaces/dev/pods', authority: 'kube.example.com', scheme: 'http', sourceAddress: '203.0.113.7', clientResolved: true, body: undefined } });
  });

  // The proxy sets one X-Forwarded-Host; in a list, the first entry is the one a client chose.
  it.each(['evil.example.com, kube.example.com', 'kube.example.com,evil.example.com'])('forward-auth: X-Forwarded-Host %s is refused', (forwardedHost) => {
    const p = parseAuthzRequest(rt, proxies, fakeRequest({ peer: PROXY, headers: { host: 'stepgate.internal', 'x-original-method': 'GET', 'x-original-uri': '/api/v1/namespaces/dev/secrets', 'x-forwarded-host': forwardedHost } }));
    expect(p).toMatchObject({ ok: false, reason: 'request_invalid', detail: 'X-Forwarded-Host names more than one host', nginx: true });
  });

  // A forward-auth subrequest is a GET (nginx, Caddy, Traefik); forwarded headers on the original
  // method are a client's copies that Envoy's HTTP mode passed on with allowed_headers.
  it.each([
    ['DELETE', { 'x-forwarded-method': 'GET', 'x-forwarded-uri': '/d/home' }],
    ['POST', { 'x-original-method': 'GET', 'x-original-uri': '/d/home' }],
    ['PUT', { 'x-original-uri': '/d/home' }],
  ] as const)('Envoy\'s HTTP mode: a %s carrying %o is refused', (method, extra) => {
    const p = parseAuthzRequest(rt, proxies, fakeRequest({ peer: PROXY, method, url: '/api/admin/users/1', headers: { host: 'grafana.example.com', ...extra } }));
    expect(p).toMatchObject({ ok: false, reason: 'request_invalid' });
    expect((p as { detail: string }).detail).toMatch(/^forward-auth headers on a (DELETE|POST|PUT) request/);
  });

  it.each([
    ['a write: the proxy never sends bodies, so it is body_missing as a bodiless gRPC Check is', 'POST', {}, true],
    ['a PATCH through nginx', 'PATCH', { 'x-original-uri': '/apis/apps/v1/namespaces/dev/deployments/web' }, true],
    ['a read has no body to miss', 'GET', {}, false],
    ['a DELETE has no body to miss', 'DELETE', {}, false],
    ['an upgrade stays unreadable (kube-apiserver reads a body after it)', 'POST', { upgrade: 'websocket', connection: 'upgrade' }, false],
  ] as const)('forward-auth: %s', (_name, method, extra, missing) => {
    const nginx = 'x-original-uri' in extra;
    const headers: Record<string, string> = nginx
      ? { host: 'stepgate.internal', 'x-original-method': method, ...extra }
      : { host: 'stepgate.internal', 'x-forwarded-method': method, 'x-forwarded-uri': '/api/v1/namespaces/dev/pods', 'x-forwarded-host': 'kube.example.com', ...extra };
    const p = parseAuthzRequest(rt, proxies, fakeRequest({ peer: PROXY, headers }));
    expect(p).toMatchObject({ ok: true, forwardAuth: true, raw: { method, body: undefined, bodyTruncated: false, bodyMissing: missing } });
  });

  it('both header families, as the demo\'s nginx sets them, agree: the request is read as usual', () => {
    const p = parseAuthzRequest(rt, proxies, fakeRequest({ peer: PROXY, headers: { host: 'grafana.example.com', 'x-original-uri': '/admin', 'x-original-method': 'GET', 'x-forwarded-uri': '/admin', 'x-forwarded-method': 'get' } }));
    expect(p).toMatchObject({ ok: true, forwardAuth: true, nginx: true, raw: { method: 'GET', target: '/admin' } });
  });

  it('nginx: X-Original-URI marks the request, so its answers take nginx\'s form', () => {
    const p = parseAuthzRequest(rt, proxies, fakeRequest({ peer: PROXY, headers: { host: 'grafana.example.com', 'x-original-uri': '/admin', 'x-original-method': 'GET' } }));
    expect(p).toMatchObject({ ok: true, forwardAuth: true, nginx: true });
  });

  it.each([
    ['forwarded URI from an untrusted peer', { headers: { 'x-forwarded-uri': '/public', 'x-forwarded-method': 'GET' } }, false],
    ['forwarded method alone from an untrusted peer', { headers: { 'x-original-method': 'GET' } }, false],
    ['a forward-auth URI without a method', { peer: PROXY, headers: { 'x-original-uri': '/admin' } }, true],
    // Without a URI the request line would be judged: the subrequest's own, on stepgate's host.
    ['a forward-auth method without a URI (X-Original-Method)', { peer: PROXY, url: '/_stepgate_authz', headers: { host: 'stepgate.internal', 'x-original-method': 'DELETE' } }, true],
    ['a forward-auth method without a URI (X-Forwarded-Method)', { peer: PROXY, url: '/_stepgate_authz', headers: { host: 'stepgate.internal', 'x-forwarded-method': 'GET' } }, false],
    // The proxy sets each once; a second copy is a client's, and the joined value names no one request.
    ['X-Original-URI twice (a client\'s beside the proxy\'s)', { peer: PROXY, headers: { 'x-original-method': 'GET' }, repeated: [['x-original-uri', '/api/v1/namespaces/dev/pods'], ['X-Original-URI', '/api/v1/namespaces/prod/secrets/db']] }, true],
    ['X-Forwarded-Uri twice', { peer: PROXY, headers: { 'x-forwarded-method': 'GET', 'x-forwarded-host': 'kube.example.com' }, repeated: [['x-forwarded-uri', '/d/home'], ['x-forwarded-uri', '/admin/users']] }, false],
    ['X-Original-Method twice', { peer: PROXY, headers: { 'x-original-uri': '/admin' }, repeated: [['x-original-method', 'GET'], ['x-original-method', 'DELETE']] }, true],
    ['X-Forwarded-Method twice', { peer: PROXY, headers: { 'x-forwarded-uri': '/admin' }, repeated: [['x-forwarded-method', 'GET'], ['x-forwarded-method', 'DELETE']] }, false],
    // Caddy and Traefik set X-Forwarded-* and pass every other client header on, so a client's own
    // X-Original-URI / -Method reach stepgate from the trusted proxy beside the proxy's values.
    ['a client\'s X-Original-URI beside the proxy\'s X-Forwarded-Uri', { peer: PROXY, headers: { 'x-forwarded-method': 'DELETE', 'x-forwarded-uri': '/api/admin/users/2', 'x-original-uri': '/public/build/app.js', 'x-original-method': 'DELETE' } }, true],
    ['a client\'s X-Original-Method beside the proxy\'s X-Forwarded-Method', { peer: PROXY, headers: { 'x-forwarded-method': 'DELETE', 'x-forwarded-uri': '/api/admin/users/2', 'x-original-method': 'GET' } }, false],
  ] as const)('%s is request_invalid', (_name, o, nginx) => {
    const p = parseAuthzRequest(rt, proxies, fakeRequest(o));
    expect(p).toMatchObject({ ok: false, reason: 'request_invalid', nginx });
  });

  it('a header over limits.max_header_bytes is header_too_large, nginx or not', () => {
    const big = 'x'.repeat(rt.config.limits.max_header_bytes + 1);
    expect(parseAuthzRequest(rt, proxies, fakeRequest({ headers: { 'x-big': big } }))).toMatchObject({ ok: false, reason: 'header_too_large', nginx: false });
    expect(parseAuthzRequest(rt, proxies, fakeRequest({ peer: PROXY, headers: { 'x-big': big, 'x-original-uri': '/', 'x-original-method': 'GET' } }))).toMatchObject({ ok: false, reason: 'header_too_large', nginx: true });
  });

  it('with a path prefix: only paths under it, and the prefix taken off', () => {
    const prefixed = buildRuntime({ ...rt.config, server: { ...rt.config.server, authz_http_path_prefix: '/authz' } }, { fetch: () => Promise.reject(new Error('no')), now: () => T0, env: { TEST_HMAC_SECRET: HMAC_SECRET } });
    expect(parseAuthzRequest(prefixed, proxies, fakeRequest({ url: '/authz/api/v1/pods' }))).toMatchObject({ ok: true, raw: { target: '/api/v1/pods' } });
    expect(parseAuthzRequest(prefixed, proxies, fakeRequest({ url: '/authz?x=1' }))).toMatchObject({ ok: true, raw: { target: '/?x=1' } });
    expect(parseAuthzRequest(prefixed, proxies, fakeRequest({ url: '/authzX/api' }))).toMatchObject({ ok: false, reason: 'request_invalid' });
    expect(parseAuthzRequest(prefixed, proxies, fakeRequest({ url: '/api/v1/pods' }))).toMatchObject({ ok: false, reason: 'request_invalid' });
    // Under the prefix the request line is Envoy's, so forwarded request headers there are a
    // client's; a forward-auth proxy pointed outside the prefix is read as before.
    const client = { 'x-forwarded-method': 'GET', 'x-forwarded-uri': '/d/home', host: 'grafana.example.com' };
    expect(parseAuthzRequest(prefixed, proxies, fakeRequest({ peer: PROXY, url: '/authz/api/admin/users', headers: client }))).toMatchObject({ ok: false, reason: 'request_invalid', detail: expect.stringContaining('server.authz_http_path_prefix') });
    expect(parseAuthzRequest(prefixed, proxies, fakeRequest({ peer: PROXY, url: '/authz', headers: client }))).toMatchObject({ ok: false, reason: 'request_invalid' });
    expect(parseAuthzRequest(prefixed, proxies, fakeRequest({ peer: PROXY, url: '/_stepgate_authz', headers: client }))).toMatchObject({ ok: true, forwardAuth: true, raw: { target: '/d/home' } });
  });
});

describe('toHttp', () => {
  const seen = (headers: Record<string, string>) => ({ attributes: { headers: new Map(Object.entries(headers)) } }) as unknown as Verdict;
  const allow = (headers: [string, string][], removeHeaders: string[] = []): Answer => ({ allow: true, status: 200, grpcCode: 0, headers, removeHeaders, body: '', metadata: {} });
  const deny = (status: number, headers: [string, string][], body = '{"reason":"x"}'): Answer => ({ allow: false, status, grpcCode: 16, headers, removeHeaders: [], body, metadata: {} });
  const removal = (h: (readonly [string, string])[]) => h.find(([k]) => k === REMOVE_HEADER)?.[1].split(', ');

  it('an allow answers for every identity header: set, or named for removal', () => {
    const out = toHttp(allow([['x-stepgate-subject', 'alice'], ['x-stepgate-level', 'aal2']]), false, seen({}), names, 'stepgate_session');
    expect(out.status).toBe(200);
    expect(out.headers).toContainEqual(['x-stepgate-subject', 'alice']);
    expect(removal(out.headers)!.sort()).toEqual(['cookie', 'sec-websocket-protocol', 'x-stepgate-email', 'x-stepgate-groups', 'x-stepgate-issuer']);
  });

  it('a spoofed header the answer removes is listed; one it sets is not', () => {
    const out = toHttp(allow([['x-stepgate-level', 'aal2']], ['x-stepgate-admin']), false, seen({}), names, undefined);
    expect(removal(out.headers)).toContain('x-stepgate-admin');
    expect(removal(out.headers)).not.toContain('x-stepgate-level');
  });

  it('the Cookie header is always answered for: the application\'s cookies set, or cookie removed', () => {
    const kept = toHttp(allow([]), false, seen({ cookie: 'a=1; stepgate_session=s' }), names, 'stepgate_session');
    expect(kept.headers).toContainEqual(['cookie', 'a=1']);
    expect(removal(kept.headers)).not.toContain('cookie');
    // The Responder put a filtered cookie in its answer; toHttp never passes it twice.
    const once = toHttp(allow([['cookie', 'a=1']]), false, seen({ cookie: 'a=1; stepgate_session=s' }), names, 'stepgate_session');
    expect(once.headers.filter(([k]) => k === 'cookie')).toEqual([['cookie', 'a=1']]);
    const gone = toHttp(allow([]), false, seen({ cookie: 'stepgate_session=s' }), names, 'stepgate_session');
    expect(gone.headers.some(([k]) => k === 'cookie')).toBe(false);
    expect(removal(gone.headers)).toContain('cookie');
  });

  it('a WebSocket subprotocol stepgate saw stays; one it did not see is removed', () => {
    expect(removal(toHttp(allow([]), false, seen({ 'sec-websocket-protocol': 'v5.channel.k8s.io' }), names, undefined).headers)).not.toContain('sec-websocket-protocol');
    expect(removal(toHttp(allow([]), false, seen({}), names, undefined).headers)).toContain('sec-websocket-protocol');
  });

  it('a redirect: kept for Envoy, Caddy and Traefik, a 401 for nginx; the location always in x-stepgate-location', () => {
    const a = deny(302, [['location', 'https://auth/start'], ['cache-control', 'no-store']]);
    const plain = toHttp(a, false, seen({}), names, undefined);
    expect(plain.status).toBe(302);
    expect(plain.headers).toEqual([['location', 'https://auth/start'], ['cache-control', 'no-store'], [LOCATION_HEADER, 'https://auth/start']]);
    const nginx = toHttp(a, true, seen({}), names, undefined);
    expect(nginx.status).toBe(401);
    expect(nginx.headers).toContainEqual([LOCATION_HEADER, 'https://auth/start']);
    expect(nginx.headers).toContainEqual([STATUS_BODY_HEADER, '{"reason":"x"}']);
  });

  it('other denials keep their status for nginx too (403 stays 403), with the body in a header', () => {
    const nginx = toHttp(deny(403, [['cache-control', 'no-store']]), true, seen({}), names, undefined);
    expect(nginx.status).toBe(403);
    expect(nginx.headers).toEqual([['cache-control', 'no-store'], [STATUS_BODY_HEADER, '{"reason":"x"}']]);
  });

  it('statusBodyHeader: one ASCII line that is still the same JSON, or nothing when too long', () => {
    const body = JSON.stringify({ message: 'ünïcödé\n\u2028"' });
    const line = statusBodyHeader(body)!;
    expect(line).toMatch(/^[\x20-\x7e]+$/);
    expect(JSON.parse(line)).toEqual(JSON.parse(body));
    expect(statusBodyHeader('')).toBeUndefined();
    // {"m":"…"} is 8 characters around the value: 3500 in all is the most that fits.
    expect(statusBodyHeader(JSON.stringify({ m: 'a'.repeat(3493) }))).toBeUndefined();
    expect(statusBodyHeader(JSON.stringify({ m: 'a'.repeat(3492) }))).toHaveLength(3500);
  });
});

describe('the handler, on a loopback listener', () => {
  let server: RunningHttpServer;
  let current: () => Runtime = () => rt;
  const decisions: { reason: string; status: number }[] = [];

  beforeAll(async () => {
    server = await startAuthzHttpServer({
      runtime: () => current(),
      log: createLogger('silent'),
      listen: '127.0.0.1:0',
      proxies,
      telemetry: {
        checked: (_rt: unknown, v: Verdict, status: number) => decisions.push({ reason: v.reason, status }),
      } as never,
    });
  });
  afterAll(() => server?.close());

  function send(o: { method?: string; path: string; headers?: Record<string, string>; body?: Buffer | string }): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: server.port, method: o.method ?? 'GET', path: o.path, headers: { host: 'kube.example.com', ...o.headers } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      });
      req.on('error', reject);
      req.end(o.body);
    });
  }

  const pod = (privileged: boolean) => JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' }, spec: { containers: [{ name: 'app', image: PINNED, securityContext: { privileged } }] } });

  it('an allow: 200, identity headers, the removal list, no body; reported once', async () => {
    decisions.length = 0;
    const res = await send({ path: '/api/v1/namespaces/dev/pods', headers: { authorization: `Bearer ${await token('urn:stepgate:aal1')}` } });
    expect(res.status).toBe(200);
    expect(res.headers['x-stepgate-subject']).toBe('alice@example.com');
    expect(res.headers[REMOVE_HEADER]).toContain('cookie');
    expect(res.body).toBe('');
    expect(decisions).toEqual([{ reason: 'allowed', status: 200 }]);
  });

  it('Envoy\'s HTTP mode sends the body: the guardrails judge it (privileged needs aal3, unprivileged does not)', async () => {
    const auth = { authorization: `Bearer ${await token('urn:stepgate:aal2')}`, 'content-type': 'application/json' };
    const privileged = await send({ method: 'POST', path: '/api/v1/namespaces/dev/pods', headers: auth, body: pod(true) });
    expect(privileged.status).toBe(401);
    expect(privileged.headers['www-authenticate']).toContain('acr_values="urn:stepgate:aal3"');
    expect(JSON.parse(privileged.body).stepgate.guardrails).toEqual([expect.objectContaining({ code: 'privileged_container' })]);
    const benign = await send({ method: 'POST', path: '/api/v1/namespaces/dev/pods', headers: auth, body: pod(false) });
    expect(benign.status).toBe(200);
  });

  it('a body Envoy marked partial, or one over limits.max_body_bytes, is never judged safe', async () => {
    const auth = { authorization: `Bearer ${await token('urn:stepgate:aal2')}`, 'content-type': 'application/json' };
    decisions.length = 0;
    const partial = await send({ method: 'POST', path: '/api/v1/namespaces/dev/pods', headers: { ...auth, 'x-envoy-auth-partial-body': 'true' }, body: pod(false) });
    const huge = await send({ method: 'POST', path: '/api/v1/namespaces/dev/pods', headers: auth, body: pod(false).replace('"web"', `"${'w'.repeat(rt.maxBodyBytes)}"`) });
    for (const res of [partial, huge]) {
      expect(res.status).toBe(401);
      expect(JSON.parse(res.body).stepgate.guardrails).toEqual([expect.objectContaining({ code: 'body_truncated' })]);
    }
    expect(decisions.map((d) => d.reason)).toEqual(['acr_insufficient', 'acr_insufficient']);
  });

  it('forward-auth: a client-sent x-stepgate-* the proxy cannot remove is refused through the pipeline', async () => {
    decisions.length = 0;
    const res = await send({ path: '/auth', headers: { 'x-forwarded-method': 'GET', 'x-forwarded-uri': '/api/v1/pods', 'x-stepgate-admin': '1' } });
    // From 127.0.0.1, not the trusted proxy: the forwarded headers alone make it invalid.
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toEqual({ reason: 'request_invalid', message: 'The authorization request is malformed.' });
    expect(decisions).toEqual([{ reason: 'request_invalid', status: 400 }]);
  });

  it('a header total past Node\'s default 32 KiB still gets stepgate\'s own answer, not Node\'s bare 431', async () => {
    const headers = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`x-pad-${i}`, 'p'.repeat(8000)]));
    const res = await send({ path: '/api/v1/pods', headers });
    expect(res.status).toBe(431);
    // The API server's host: a Status kubectl prints (groups49).
    expect(JSON.parse(res.body)).toMatchObject({ kind: 'Status', code: 431, stepgate: { reason: 'header_too_large' } });
  });

  it('a runtime that throws is a 500 internal_error, never a crash or an allow', async () => {
    current = () => {
      throw new Error('boom');
    };
    try {
      decisions.length = 0;
      const res = await send({ path: '/api/v1/pods' });
      expect(res.status).toBe(500);
      expect(JSON.parse(res.body)).toEqual({ reason: 'internal_error', message: 'The request could not be evaluated.' });
      expect(decisions).toEqual([{ reason: 'internal_error', status: 500 }]);
    } finally {
      current = () => rt;
    }
  });

  it('fail() shapes the verdict the adapter reports for its own failures', () => {
    expect(fail('internal_error', 'd', undefined, undefined)).toMatchObject({ allow: false, reason: 'internal_error', identity: undefined });
  });
});
