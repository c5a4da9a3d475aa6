import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { reasonMessage } from '../../src/core/reasons.js';
import { startService, type Service } from '../../src/main.js';
import { createLogger } from '../../src/telemetry/log.js';
import { HMAC_ISSUER, HMAC_SECRET } from '../support/config.js';
import { kubectl, makeTls, startFakeApiserver, startKubeNginx, type FakeApiserver, type RunningKubeNginx } from '../support/kube.js';
import { freePort } from '../support/stepup.js';
import { SignJWT } from 'jose';

/**
 * The nginx recipe of docs/kubectl-stepup.md with the real nginx and the real kubectl: a refusal
 * stepgate answers with another status than 401 or 403 reaches kubectl with that status and
 * stepgate's Status. nginx's auth_request takes only 2xx, 401 and 403 from its subrequest and
 * turns any other into its own 500 (discovery48): kubectl then printed "InternalError" for a
 * request it should not repeat (400), or a token too large for the gateway (431). The recipe reads
 * the subrequest's status (`auth_request_set $sg_status $upstream_status`, which nginx sets before
 * it judges the status) and answers it from the 500 handler.
 */

let dir: string;
let service: Service;
let api: FakeApiserver;
let nginx: RunningKubeNginx;
let caData = '';

const CONFIG = `
server:
  grpc_listen: 127.0.0.1:0
  authz_http_listen: 127.0.0.1:0
  trusted_proxies: [127.0.0.1]
  shutdown_grace_seconds: 1
log:
  level: silent
issuers:
  - issuer: ${HMAC_ISSUER}
    audiences: [kubernetes]
    algorithms: [HS256]
    hmac_secret_env: TEST_HMAC_SECRET
assurance:
  levels:
    - { name: aal1, acr: ["urn:stepgate:aal1"], amr: [pwd] }
kubernetes:
  hosts: ["127.0.0.1"]
limits:
  max_header_bytes: 4096
policy:
  default: { require: aal1 }
`;

async function token(extra: Record<string, unknown> = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ sub: 'alice@example.com', acr: 'urn:stepgate:aal1', auth_time: now - 10, ...extra })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(HMAC_ISSUER)
    .setAudience('kubernetes')
    .setIssuedAt(now - 10)
    .setExpirationTime(now + 3600)
    .sign(new TextEncoder().encode(HMAC_SECRET));
}

/** kubectl with a kubeconfig whose user is a static token. */
async function k(tok: string, args: string[]) {
  const kubeconfig = join(dir, `kubeconfig-${Math.random().toString(36).slice(2)}`);
  await writeFile(
    kubeconfig,
    `apiVersion: v1
kind: Config
clusters:
  - name: c
    cluster: { server: ${nginx.url}, certificate-authority-data: ${caData} }
users:
  - name: u
    user: { token: ${tok} }
contexts:
  - name: c
    context: { cluster: c, user: u, namespace: default }
current-context: c
`,
  );
  return kubectl(['--kubeconfig', kubeconfig, ...args], { HOME: dir, PATH: process.env.PATH }, dir, undefined, 60_000);
}

/** The statuses nginx answered for requests whose line contains `needle` (its access log from offset `from`). */
async function statuses(needle: string, from = 0): Promise<number[]> {
  return (await nginx.accessLog())
    .slice(from)
    .split('\n')
    .filter((l) => l.includes(needle))
    .map((l) => Number(/" (\d{3}) /.exec(l)?.[1]));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stepgate-kubectl-statuses-'));
  const tls = await makeTls(dir);
  caData = Buffer.from(tls.caPem).toString('base64');
  api = await startFakeApiserver();
  service = await startService(parseConfig(CONFIG, 'kubectl-statuses.yaml'), { TEST_HMAC_SECRET: HMAC_SECRET, STEPGATE_HTTP_LISTEN: 'off', STEPGATE_METRICS_LISTEN: 'off' }, createLogger('silent'));
  nginx = await startKubeNginx(join(dir, 'nginx'), {
    port: await freePort(),
    tls,
    authzUrl: `http://127.0.0.1:${service.authzHttp!.port}`,
    stepgateUrl: 'http://127.0.0.1:9',
    apiserverUrl: api.url,
  });
}, 120_000);

afterAll(async () => {
  await nginx?.stop();
  await service?.stop();
  await api?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("stepgate's 400 and 431 through the nginx recipe reach kubectl as 400 and 431", () => {
  it('the baseline: kubectl get pods passes', async () => {
    const r = await k(await token(), ['get', 'pods']);
    expect(r.code, r.stderr).toBe(0);
  }, 60_000);

  it('a path parameter (request_invalid, 400; Tomcat would drop it): BadRequest, not InternalError', async () => {
    const r = await k(await token(), ['get', '--raw', '/api/v1/namespaces/default/pods/web;x']);
    expect(r.code).toBe(1);
    expect(await statuses('/pods/web;x')).toEqual([400]);
    // A Status although the request was refused before it was read as Kubernetes (groups49): kubectl
    // prints stepgate's message and reason code, not "unknown reason".
    console.log(`kubectl get --raw .../pods/web;x:\n${r.stderr}`);
    expect(r.stderr).toContain(`Error from server (BadRequest): stepgate: ${reasonMessage('request_invalid')} (request_invalid)`);
    expect(r.stderr).not.toContain('unknown reason');
    expect(r.stderr).not.toContain('InternalError');
    expect(r.stderr).not.toContain('<html');
  }, 60_000);

  it('a token with too many groups for limits.max_header_bytes (header_too_large, 431): 431, not InternalError', async () => {
    const groups = Array.from({ length: 200 }, (_, i) => `team-${i}-readers`);
    const big = await token({ groups });
    expect(big.length).toBeGreaterThan(4096);
    expect(big.length).toBeLessThan(7000);
    const before = (await nginx.accessLog()).length;
    const r = await k(big, ['get', 'pods']);
    expect(r.code).toBe(1);
    // kubectl does not retry a 431; a 500 it retried (three lines).
    expect(await statuses('/api/v1/namespaces/default/pods', before)).toEqual([431]);
    console.log(`kubectl get pods, a 5 KB token:\n${r.stderr}`);
    expect(r.stderr).toContain(`stepgate: ${reasonMessage('header_too_large')} (header_too_large)`);
    expect(r.stderr).not.toContain('the server responded with the status code 431');
    expect(r.stderr).not.toContain('InternalError');
  }, 60_000);

  it('the same token on kubectl version (/version, which client-go reads raw): the message as a Warning', async () => {
    const groups = Array.from({ length: 200 }, (_, i) => `team-${i}-readers`);
    const before = (await nginx.accessLog()).length;
    const r = await k(await token({ groups }), ['version']);
    console.log(`kubectl version, a 5 KB token:\n${r.stderr}`);
    expect(r.code).toBe(1);
    expect(await statuses('/version', before)).toEqual([431]);
    expect(r.stderr).toContain(`Warning: stepgate: ${reasonMessage('header_too_large')} (header_too_large)`);
  }, 60_000);
});
