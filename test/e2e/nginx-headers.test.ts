import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { startService, type Service } from '../../src/main.js';
import { parseKeyList } from '../../src/cookies/keys.js';
import { SessionCodec } from '../../src/cookies/session.js';
import { createLogger } from '../../src/telemetry/log.js';
import { HMAC_SECRET, testConfigYaml } from '../support/config.js';
import { TestIssuer } from '../support/issuer.js';
import { freePort, startNginx, type RunningNginx } from '../support/nginx.js';
import { http } from '../support/stepup.js';

/**
 * The real nginx with `auth_request` in front of a recording upstream, asking the real stepgate
 * (server.authz_http_listen): what the upstream receives. A forged identity header and stepgate's
 * cookies sent by the client never get there (issue 11, items 3 and 5), with the config
 * demo/nginx.ts generates and docs/stepup.md ("HTTP ext_authz and forward-auth") describes.
 */

const IDENTITY = ['x-stepgate-subject', 'x-stepgate-level', 'x-stepgate-issuer', 'x-stepgate-email', 'x-stepgate-groups'];
const keys = `k1:${randomBytes(32).toString('base64url')}`;
let issuer: TestIssuer;
let service: Service;
let nginx: RunningNginx;
let upstream: Server;
let codec: SessionCodec;
const seen: IncomingHttpHeaders[] = [];

beforeAll(async () => {
  issuer = await TestIssuer.start();
  upstream = createServer((req, res) => {
    seen.push(req.headers);
    res.writeHead(200, { 'content-type': 'text/plain' }).end('upstream');
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  const yaml = testConfigYaml(issuer.url)
    .replace('  grpc_listen: 127.0.0.1:0\n', '  grpc_listen: 127.0.0.1:0\n  authz_http_listen: 127.0.0.1:0\n  trusted_proxies: [127.0.0.1]\n')
    .replace(
      'stepup:\n',
      'stepup:\n  oidc:\n    issuer: https://idp.example.com\n    client_id: stepgate\n    client_secret_env: SG_SECRET\n    redirect_uri: https://auth.example.com/.stepgate/callback\n  session:\n    keys_env: SG_KEYS\n',
    )
    .replace('return_hosts: [grafana.example.com, kube.example.com]', 'return_hosts: [grafana.example.com, kube.example.com, "127.0.0.1"]')
    // Below nginx's own 8k header line, so that stepgate is the one to refuse a large header (431).
    .replace('max_header_bytes: 8192', 'max_header_bytes: 4096');
  const config = parseConfig(yaml, 'nginx-headers.yaml');
  service = await startService(config, { TEST_HMAC_SECRET: HMAC_SECRET, SG_KEYS: keys, STEPGATE_HTTP_LISTEN: 'off', STEPGATE_METRICS_LISTEN: 'off' }, createLogger('silent'));
  codec = new SessionCodec(config.stepup.session!, parseKeyList(keys, 'SG_KEYS'));
  nginx = await startNginx({
    port: await freePort(),
    dashboardUpstream: upstreamUrl,
    apiUpstream: upstreamUrl,
    forwardAuthUrl: `http://127.0.0.1:${service.authzHttp!.port}/`,
    stepgatePublicUrl: 'http://127.0.0.1:9',
    stepupLocationHeader: 'x-stepgate-location',
    identityHeaders: IDENTITY,
  });
});

afterAll(async () => {
  await nginx?.stop();
  await service?.stop();
  upstream?.closeAllConnections();
  await new Promise<void>((r) => (upstream ? upstream.close(() => r()) : r()));
  await issuer?.close();
});

/** One request through nginx; returns the status and what the upstream received (if it did). */
async function through(path: string, headers: Record<string, string>): Promise<{ status: number; upstream: IncomingHttpHeaders | undefined }> {
  const before = seen.length;
  const res = await http(`${nginx.url}${path}`, { headers });
  return { status: res.status, upstream: seen.length > before ? seen.at(-1) : undefined };
}

const session = async () =>
  (await codec.create({ iss: 'https://idp.example.com', sub: 'alice', acr: 'urn:stepgate:aal2', amr: ['pwd', 'mfa'], auth_time: Math.floor(Date.now() / 1000), extra: {} }, Date.now()))!.value;

describe('nginx auth_request: what reaches the upstream', () => {
  it('a forged x-stepgate-groups with a token that has no groups claim never arrives; the real identity does', async () => {
    const token = await issuer.token({ groups: undefined });
    const r = await through('/api/v1/things', { authorization: `Bearer ${token}`, 'X-Stepgate-Groups': 'admins', 'x-stepgate-level': 'aal3', 'x-stepgate-subject': 'root' });
    expect(r.status).toBe(200);
    expect(r.upstream?.['x-stepgate-groups']).toBeUndefined();
    expect(r.upstream?.['x-stepgate-level']).toBe('aal1');
    expect(r.upstream?.['x-stepgate-subject']).toBe('alice@example.com');
  });

  it('stepgate\'s cookies are cut from the Cookie header on a bearer allow, and the app\'s own are kept', async () => {
    const token = await issuer.token();
    const r = await through('/api/v1/things', { authorization: `Bearer ${token}`, cookie: `app=1; stepgate_session=${await session()}; stepgate_device=k1.a.b; stepgate_state_x=y; other=2` });
    expect(r.status).toBe(200);
    expect(r.upstream?.cookie).toBe('app=1; other=2');
  });

  it('a session allow forwards no stepgate cookie; a Cookie header of only stepgate cookies is dropped', async () => {
    const r = await through('/admin/users', { cookie: `stepgate_session=${await session()}; stepgate_device=k1.a.b` });
    expect(r.status).toBe(200);
    expect(r.upstream?.['x-stepgate-level']).toBe('aal2');
    expect(r.upstream?.cookie).toBeUndefined();
    const kept = await through('/admin/users', { cookie: `a=b; stepgate_session=${await session()}` });
    expect(kept.upstream?.cookie).toBe('a=b');
  });

  it('without stepgate cookies the app\'s cookies pass unchanged', async () => {
    const r = await through('/api/v1/things', { authorization: `Bearer ${await issuer.token()}`, cookie: 'a=1; b=2' });
    expect(r.upstream?.cookie).toBe('a=1; b=2');
  });

  it('a client-sent x-stepgate-* that nginx does not overwrite is refused, never forwarded', async () => {
    const r = await through('/api/v1/things', { authorization: `Bearer ${await issuer.token()}`, 'x-stepgate-approved': 'yes' });
    expect(r.upstream).toBeUndefined();
    expect(r.status).toBeGreaterThanOrEqual(400);
  });
});

/**
 * nginx's auth_request takes only 2xx, 401 and 403 from its subrequest and makes any other status
 * its own 500 (discovery48), which the recipe's error_page turned into the "stepgate could not
 * check this request" page (503, stepgate_unreachable): a request stepgate refused as malformed
 * read as an outage, and a browser or client retried it. The recipe reads stepgate's status
 * (`$upstream_status`, set before nginx judges it) and answers with it and stepgate's body.
 */
describe("nginx auth_request: stepgate's 400 and 431 reach the client as themselves", () => {
  it.each([
    ['a forged x-stepgate-* header (request_invalid)', '/api/v1/things', { 'x-stepgate-approved': 'yes' }, 400, 'request_invalid'],
    ['a forged x-stepgate-* header on a page (request_invalid)', '/admin/users', { 'x-stepgate-approved': 'yes' }, 400, 'request_invalid'],
    ['a header over limits.max_header_bytes (header_too_large)', '/api/v1/things', { 'x-padding': 'p'.repeat(5000) }, 431, 'header_too_large'],
  ])('%s on %s: %s with stepgate\'s body, not the outage page', async (_what, path, extra, status, reason) => {
    const res = await http(`${nginx.url}${path}`, { headers: { authorization: `Bearer ${await issuer.token()}`, ...extra } });
    expect(res.status, res.body).toBe(status);
    expect(res.headers['x-stepgate-error']).toBeUndefined();
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(JSON.parse(res.body)).toMatchObject({ reason });
  });

  it('stepgate down is still the outage page (503, stepgate_unreachable)', async () => {
    const down = await startNginx({
      port: await freePort(),
      dashboardUpstream: 'http://127.0.0.1:9',
      apiUpstream: 'http://127.0.0.1:9',
      forwardAuthUrl: 'http://127.0.0.1:9/',
      stepgatePublicUrl: 'http://127.0.0.1:9',
      stepupLocationHeader: 'x-stepgate-location',
      identityHeaders: IDENTITY,
    });
    try {
      const res = await http(`${down.url}/api/v1/things`, { headers: { authorization: `Bearer ${await issuer.token()}` } });
      expect(res.status).toBe(503);
      expect(res.headers['x-stepgate-error']).toBe('stepgate_unreachable');
    } finally {
      await down.stop();
    }
  });
});
