import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { startService, type Service } from '../../src/main.js';
import { createLogger } from '../../src/telemetry/log.js';
import { TestIssuer } from '../support/issuer.js';
import { exampleYaml } from '../support/workday-service.js';

/**
 * The attack shapes of attack-shapes.test.ts that only the HTTP listener (`server.authz_http_listen`:
 * Envoy's HTTP mode, nginx, Caddy, Traefik) can be sent, black-box through the real server with
 * examples/stepgate.yaml: a one-factor token signed in 10 hours ago (inside the default's 12 hours,
 * so anything no rule catches is allowed) asks for Grafana's admin pages and credential writes. The
 * requests are written byte for byte on a socket, as a gateway would send them (absolute-form
 * targets, forwarded headers), from 127.0.0.1, the trusted proxy, on behalf of a client at
 * 10.20.4.17 (a trusted network: no risk signal, so each answer is the policy's). Every row has a
 * fresh subject, so no row is answered by the denial-rate signal of the rows before it.
 */

let issuer: TestIssuer;
let service: Service;
let n = 0;

beforeAll(async () => {
  issuer = await TestIssuer.start();
  const yaml = exampleYaml(issuer.url).replace('  shutdown_grace_seconds: 10', '  shutdown_grace_seconds: 0\n  http_listen: "off"\n  authz_http_listen: 127.0.0.1:0\n  trusted_proxies: [127.0.0.1]');
  service = await startService(parseConfig(yaml, 'examples/stepgate.yaml'), { STEPGATE_METRICS_LISTEN: 'off' }, createLogger('silent'));
});

afterAll(async () => {
  await service?.stop();
  await issuer?.close();
});

/** One request as raw bytes; the status and stepgate's reason (from the JSON body), or 'allowed'. */
async function send(requestLine: string, headers: Record<string, string>): Promise<string> {
  const sub = `http-shape-${++n}@example.com`;
  const token = await issuer.token({ sub, email: sub, acr: 'urn:stepgate:aal1', amr: ['pwd'], auth_time: Math.floor(Date.now() / 1000) - 10 * 3600 });
  const all = { authorization: `Bearer ${token}`, 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0.0.0', accept: 'application/json', 'x-forwarded-for': '10.20.4.17', connection: 'close', ...headers };
  const text = `${requestLine}\r\n${Object.entries(all).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`;
  const response = await new Promise<string>((resolve, reject) => {
    // Written, not ended: the server answers and closes (connection: close); a half-close first would
    // let it drop the connection before an answer that waits on the token's verification.
    const socket = connect(service.authzHttp!.port, '127.0.0.1', () => socket.write(text));
    let out = '';
    socket.on('data', (d: Buffer) => (out += d.toString('latin1')));
    socket.on('close', () => resolve(out));
    socket.on('error', reject);
  });
  const status = /^HTTP\/1\.1 (\d{3})/.exec(response)?.[1];
  if (status === '200') return 'allowed';
  return /"reason":"([a-z_]+)"/.exec(response)?.[1] ?? `status ${status ?? '?'}`;
}

const GRAFANA = { host: 'grafana.localhost' };
const NGINX = { host: 'stepgate.auth.svc', 'x-original-method': 'GET', 'x-forwarded-host': 'grafana.localhost' };

describe('examples/stepgate.yaml on the HTTP listener: a stolen one-factor token, signed in 10 hours ago', () => {
  it.each<[string, string, Record<string, string>, string]>([
    // Grafana's router trims a trailing '/' (pkg/web/tree.go): this is the password change.
    ['Envoy HTTP mode, trailing slash', 'PUT /api/user/password/ HTTP/1.1', GRAFANA, 'acr_insufficient'],
    ['nginx, trailing slash', 'GET /_stepgate_authz HTTP/1.1', { ...NGINX, 'x-original-method': 'PUT', 'x-original-uri': '/api/user/password/' }, 'acr_insufficient'],
    // An absolute-form target is routed by its own host (nginx's $host is that host).
    ['Envoy HTTP mode, absolute-form naming the dashboard', 'GET http://grafana.localhost/admin/users HTTP/1.1', { host: 'public.localhost' }, 'request_invalid'],
    ['nginx, absolute-form X-Original-URI naming the dashboard', 'GET /_stepgate_authz HTTP/1.1', { ...NGINX, 'x-forwarded-host': 'public.localhost', 'x-original-uri': 'http://grafana.localhost/admin/users' }, 'request_invalid'],
    // Envoy's HTTP mode passing on a client's forward-auth headers (allowed_headers: x-forwarded-*).
    ['Envoy HTTP mode, a DELETE carrying X-Forwarded-Uri: /d/home', 'DELETE /api/admin/users/7 HTTP/1.1', { ...GRAFANA, 'x-forwarded-uri': '/d/home', 'x-forwarded-method': 'GET' }, 'request_invalid'],
    ['Envoy HTTP mode, a PUT carrying X-Original-URI: /d/home', 'PUT /api/user/password HTTP/1.1', { ...GRAFANA, 'x-original-uri': '/d/home', 'x-original-method': 'GET' }, 'request_invalid'],
    // The proxy sets one X-Forwarded-Host; the first of a list is the client's.
    ['forward-auth, X-Forwarded-Host list with another host first', 'GET /_stepgate_authz HTTP/1.1', { ...NGINX, 'x-forwarded-host': 'public.localhost, grafana.localhost', 'x-original-uri': '/admin/users' }, 'request_invalid'],
    ['Envoy HTTP mode, _method query parameter', 'POST /api/dashboards/uid/x?_method=DELETE HTTP/1.1', { ...GRAFANA, 'content-length': '0' }, 'request_invalid'],
    // node:http closed a CONNECT unanswered: an error to the proxy, an allow under failure_mode_allow.
    ['a CONNECT', 'CONNECT grafana.localhost:443 HTTP/1.1', GRAFANA, 'request_invalid'],
    ['a CONNECT with a path', 'CONNECT /admin/users HTTP/1.1', GRAFANA, 'request_invalid'],
  ])('%s: %s is not allowed', async (_what, line, headers, reason) => {
    expect(await send(line, headers)).toBe(reason);
  });

  it.each<[string, string, Record<string, string>]>([
    ['Envoy HTTP mode, a dashboard page', 'GET /d/AbC123/overview HTTP/1.1', GRAFANA],
    ['Envoy HTTP mode, absolute-form naming the same host', 'GET http://grafana.localhost/d/AbC123/overview HTTP/1.1', GRAFANA],
    ['nginx, a dashboard page', 'GET /_stepgate_authz HTTP/1.1', { ...NGINX, 'x-original-uri': '/d/AbC123/overview' }],
    ['Caddy, a dashboard page', 'GET / HTTP/1.1', { host: 'stepgate.auth.svc', 'x-forwarded-method': 'GET', 'x-forwarded-uri': '/d/AbC123/overview', 'x-forwarded-host': 'grafana.localhost' }],
    ['nginx, a DELETE of a dashboard (the subrequest is a GET)', 'GET /_stepgate_authz HTTP/1.1', { ...NGINX, 'x-original-method': 'DELETE', 'x-original-uri': '/api/dashboards/uid/AbC123' }],
  ])('controls: %s is allowed', async (_what, line, headers) => {
    expect(await send(line, headers)).toBe('allowed');
  });
});
