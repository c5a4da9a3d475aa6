import { mkdtemp, mkdir, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevIdp, type DevIdp } from '../../demo/idp.js';
import { parseConfig } from '../../src/config/load.js';
import { startService, type Service } from '../../src/main.js';
import { launchChromium } from '../support/browser.js';
import { installPlugin } from '../support/plugin-install.js';
import { EXEC_SUBPROTOCOL, kubectl, makeTls, startFakeApiserver, startKubeNginx, type FakeApiserver, type KubectlResult, type RunningKubeNginx } from '../support/kube.js';
import { CLIENT_ID, CLIENT_SECRET, freePort, stepupEnv } from '../support/stepup.js';
import { reasonMessage } from '../../src/core/reasons.js';

/**
 * The whole loop with real parts: kubectl → nginx (TLS, auth_request, the error_page recipe) →
 * stepgate forward-auth → a fake kube-apiserver; kubectl's exec credential is `stepgate
 * credential`, signing in at the dev IdP through headless Chromium (the browser command is the
 * test's opener) or with the device grant. The tests run in order, as one engineer's session.
 * The plugin is installed as npm installs it (node_modules/.bin on PATH), the kubeconfig user is
 * the entry `stepgate kubeconfig` prints, and the plugin's own commands run as `kubectl stepgate
 * …`: the sh fast path answers from the cache and hands everything else to Node.
 * Every kubectl output is appended to .artifacts/kubectl-output.txt (the docs quote it).
 */

const ROOT = new URL('../../', import.meta.url).pathname;
const PLUGIN_CLIENT = 'kubectl';

let dir: string;
let idp: DevIdp;
let service: Service;
let api: FakeApiserver;
let nginx: RunningKubeNginx;
let browser: Browser;
let context: BrowserContext;
let opener: Server;
let openerUrl: string;
let kubeconfig: string;
/** node_modules/.bin of the installed plugin. */
let pluginBin: string;
/** The dev IdP's lifetime for new device codes, in seconds. */
let deviceCodeTtl = 600;
/** What the next browser sign-in does at the IdP. */
let mode: 'password' | 'password+otp' | 'cancel' | 'wrong-otp' | 'deny-device' | 'wrong-user-code' = 'password';
/** What the IdP's pages said along the way (for the wrong-code test). */
const idpSaid: string[] = [];
let opened = 0;
const signIns: Promise<void>[] = [];
const transcript: string[] = [];

function config(idpUrl: string, httpPort: number): string {
  return `
server:
  grpc_listen: 127.0.0.1:0
  http_listen: 127.0.0.1:${httpPort}
  authz_http_listen: 127.0.0.1:0
  trusted_proxies: [127.0.0.1]
  shutdown_grace_seconds: 1
log:
  level: warn
issuers:
  - issuer: ${idpUrl}
    audiences: [${CLIENT_ID}, ${PLUGIN_CLIENT}]
    algorithms: [RS256]
assurance:
  levels:
    - { name: aal1, acr: ["urn:stepgate:aal1"], amr: [pwd] }
    - { name: aal2, acr: ["urn:stepgate:aal2"], amr: [mfa] }
kubernetes:
  hosts: ["127.0.0.1"]
stepup:
  url: http://127.0.0.1:${httpPort}/.stepgate/start
  oidc:
    issuer: ${idpUrl}
    client_id: ${CLIENT_ID}
    client_secret_env: SG_CLIENT_SECRET
    redirect_uri: http://127.0.0.1:${httpPort}/.stepgate/callback
    scopes: [openid, email, groups]
    allow_insecure_http: true
  session:
    keys_env: SG_COOKIE_KEYS
policy:
  default: { require: aal1 }
  rules:
    - name: prod-delete
      description: deleting pods in prod
      match: { kubernetes: { namespaces: [prod], verbs: [delete] } }
      require: aal2
      max_age: 300
    - name: prod-exec
      description: running commands in prod pods
      # create, as kube-apiserver authorizes exec: the WebSocket GET must be judged the same way.
      match: { kubernetes: { namespaces: [prod], resources: [pods/exec], verbs: [create] } }
      require: aal2
      max_age: 300
    - name: locked
      description: the locked namespace
      match: { kubernetes: { namespaces: [locked] } }
      deny: true
      message: "the locked namespace is closed to everyone; ask #platform"
`;
}

/** Drives the IdP's pages in Chromium from the authorization (or device) URL to the end. */
async function drive(url: string): Promise<void> {
  const page = await context.newPage();
  try {
    if (mode === 'wrong-user-code') {
      // The user opens the address without the code in it and mistypes the code, then gives up.
      const u = new URL(url);
      u.search = '';
      await page.goto(u.href);
      await page.fill('input[name=user_code]', 'BBBB-BBBB');
      await page.locator('button[type=submit]').first().click();
      await page.waitForLoadState();
      idpSaid.push(await page.locator('body').innerText());
      return;
    }
    await page.goto(url);
    for (let step = 0; step < 16; step++) {
      await page.waitForLoadState();
      const here = new URL(page.url());
      if (here.pathname === '/callback') return;
      if (mode === 'cancel' && (await page.locator('a[href$="/abort"]').count()) > 0) {
        await page.locator('a[href$="/abort"]').first().click();
        continue;
      }
      if ((await page.locator('form[data-step="login"]').count()) > 0) {
        idpSaid.push(await page.locator('body').innerText());
        // Sent back to the password after too many wrong codes: this user gives up here.
        if (mode === 'wrong-otp' && step > 0) return;
        await page.fill('#user', 'alice');
        await page.fill('#password', 'alice-password');
        if (mode === 'password+otp' && (await page.locator('input[type=checkbox][name=mfa]').count()) > 0) await page.check('input[name=mfa]');
        await page.locator('form[data-step="login"] button[type=submit]').click();
        continue;
      }
      if ((await page.locator('form[data-step="otp"]').count()) > 0) {
        idpSaid.push(await page.locator('body').innerText());
        const good = idp.totp('alice');
        // A mistyped code: every digit off by one, so it is never the current (or an adjacent) code.
        await page.fill('#otp', mode === 'wrong-otp' ? good.replace(/\d/g, (d) => String((Number(d) + 1) % 10)) : good);
        await page.locator('form[data-step="otp"] button[type=submit]').click();
        continue;
      }
      // oidc-provider's own device pages: the user-code form, then "Continue" (or "Abort").
      if (mode === 'deny-device' && (await page.locator('button[name=abort]').count()) > 0) {
        await page.locator('button[name=abort]').click();
        await page.waitForLoadState();
        idpSaid.push(await page.locator('body').innerText());
        return;
      }
      const submit = page.locator('button[type=submit]:not([name=abort])');
      if ((await submit.count()) > 0) {
        await submit.first().click();
        continue;
      }
      return;
    }
  } finally {
    await page.close();
  }
}

function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: `${pluginBin}:${dirname(process.execPath)}:${process.env.PATH}`,
    HOME: join(dir, 'home'),
    XDG_CACHE_HOME: join(dir, 'cache'),
    KUBECONFIG: kubeconfig,
    STEPGATE_BROWSER: `${process.execPath} ${join(ROOT, 'test/support/open-url.mjs')}`,
    STEPGATE_TEST_OPENER: openerUrl,
    ...extra,
  };
}

async function k(args: string[], extra?: NodeJS.ProcessEnv, onStderr?: (s: string) => void): Promise<KubectlResult> {
  const r = await kubectl(args, env(extra), ROOT, onStderr);
  await Promise.all(signIns.splice(0));
  transcript.push(`$ kubectl ${args.join(' ')}\n${r.stdout}${r.stderr}(exit ${r.code})\n`);
  return r;
}

/** The plugin's own commands, as `kubectl stepgate …` (kubectl finds kubectl-stepgate on PATH). */
async function plugin(args: string[], extra: NodeJS.ProcessEnv = {}, onStderr?: (s: string) => void): Promise<KubectlResult> {
  return kubectl(['stepgate', ...args], env(extra), ROOT, onStderr);
}

async function cachedTokens(): Promise<string[]> {
  const d = join(dir, 'cache', 'stepgate');
  const out: string[] = [];
  for (const n of await readdir(d)) {
    if (n.startsWith('token-')) out.push((JSON.parse(await readFile(join(d, n), 'utf8')) as { id_token: string }).id_token);
  }
  return out;
}

/**
 * stepgate fetches the IdP's keys at start; on a loaded machine that can time out and is retried
 * after the cooldown. Until then every token is jwks_unavailable (a 503), so wait for a token to
 * verify through the whole chain before kubectl runs.
 */
async function untilTokensVerify(base: string, ca: string, token: string): Promise<void> {
  const { request } = await import('node:https');
  const deadline = Date.now() + 180_000;
  for (;;) {
    const status = await new Promise<number>((resolve) => {
      const req = request(`${base}/version`, { ca, headers: { authorization: `Bearer ${token}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', () => resolve(0));
      req.end();
    });
    if (status === 200) return;
    if (Date.now() > deadline) throw new Error(`stepgate never verified a token through nginx (last status ${status})`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stepgate-kubectl-'));
  await mkdir(join(dir, 'home'), { recursive: true });
  pluginBin = installPlugin(join(dir, 'install')).bin;
  const tls = await makeTls(dir);
  api = await startFakeApiserver();
  const httpPort = await freePort();
  idp = await startDevIdp({
    clients: [
      { client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: [`http://127.0.0.1:${httpPort}/.stepgate/callback`] },
      { client_id: PLUGIN_CLIENT, native: true, redirect_uris: ['http://127.0.0.1/callback'] },
    ],
    deviceCodeTtl: () => deviceCodeTtl,
  });
  service = await startService(parseConfig(config(idp.issuer, httpPort), 'kubectl-e2e.yaml'), stepupEnv(), undefined, {});
  const nginxPort = await freePort();
  nginx = await startKubeNginx(join(dir, 'nginx'), {
    port: nginxPort,
    tls,
    authzUrl: `http://127.0.0.1:${service.authzHttp!.port}`,
    stepgateUrl: `http://127.0.0.1:${httpPort}`,
    apiserverUrl: api.url,
  });
  await untilTokensVerify(nginx.url, tls.caPem, await idp.idToken({ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uri: `http://127.0.0.1:${httpPort}/.stepgate/callback`, user: 'bob', password: 'bob-password' }));
  browser = await launchChromium();
  context = await browser.newContext();
  opener = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      opened++;
      signIns.push(drive(body));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => opener.listen(0, '127.0.0.1', () => resolve()));
  openerUrl = `http://127.0.0.1:${(opener.address() as AddressInfo).port}/open`;
  kubeconfig = join(dir, 'kubeconfig');
  // The users: entry as a new user gets it: printed by the installed `stepgate kubeconfig`.
  const entry = await plugin(['kubeconfig', `--issuer=${idp.issuer}`, `--client-id=${PLUGIN_CLIENT}`, '--acr=aal1=urn:stepgate:aal1', '--acr=aal2=urn:stepgate:aal2', '--name=alice']);
  expect(entry.code, entry.stderr).toBe(0);
  expect(entry.stdout).toMatch(/^users:\n(.*\n)*\s+command: stepgate\n/);
  await writeFile(
    kubeconfig,
    `apiVersion: v1
kind: Config
clusters:
  - name: prod
    cluster:
      server: ${nginx.url}
      certificate-authority-data: ${Buffer.from(tls.caPem).toString('base64')}
contexts:
  - name: prod
    context: { cluster: prod, user: alice, namespace: default }
current-context: prod
${entry.stdout}`,
  );
}, 300_000);

afterAll(async () => {
  await mkdir(join(ROOT, '.artifacts'), { recursive: true }).catch(() => undefined);
  await writeFile(join(ROOT, '.artifacts/kubectl-output.txt'), transcript.join('\n')).catch(() => undefined);
  await browser?.close();
  await new Promise<void>((resolve) => (opener ? opener.close(() => resolve()) : resolve()));
  await nginx?.stop();
  await service?.stop();
  await idp?.close();
  await api?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('kubectl with the stepgate credential plugin, through nginx', () => {
  it('signs in (aal1) in the browser; kubectl get pods passes; the cache is private', async () => {
    mode = 'password';
    const r = await k(['get', 'pods']);
    expect(r.stderr, r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('web-0');
    expect(opened).toBe(1);
    expect(api.requests.some((q) => q.method === 'GET' && q.url.startsWith('/api/v1/namespaces/default/pods') && q.level === 'aal1')).toBe(true);
    const d = join(dir, 'cache', 'stepgate');
    expect((await stat(d)).mode & 0o777).toBe(0o700);
    for (const n of await readdir(d)) expect((await stat(join(d, n))).mode & 0o777, n).toBe(0o600);
    for (const t of await cachedTokens()) expect(r.stderr + r.stdout).not.toContain(t);
  }, 240_000);

  it('with a cached token, kubectl get pods is answered by the sh fast path alone: no Node on the PATH', async () => {
    // Only the utilities fast-path.sh uses: a hand-over to Node would fail with "node: not found".
    const tools = join(dir, 'no-node');
    await mkdir(tools, { recursive: true });
    for (const t of ['date', 'ls', 'mv', 'readlink']) await symlink(`/bin/${t}`, join(tools, t)).catch(() => undefined);
    expect((await readdir(join(dir, 'cache', 'stepgate'))).filter((n) => n.startsWith('fast-'))).toHaveLength(1);
    const r = await k(['get', 'pods'], { PATH: `${pluginBin}:${tools}` });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('web-0');
    expect(opened).toBe(1);
  }, 120_000);

  it('kubectl exec outside prod passes at aal1 over WebSocket (v5 channel protocol through nginx), with no browser', async () => {
    const before = api.requests.length;
    const r = await k(['exec', 'web-0', '--', 'true']);
    expect(r.code, r.stderr).toBe(0);
    expect(opened).toBe(1);
    const exec = api.requests.slice(before).filter((q) => q.url.startsWith('/api/v1/namespaces/default/pods/web-0/exec'));
    // One WebSocket upgrade, accepted: kubectl never fell back to SPDY.
    expect(exec).toEqual([expect.objectContaining({ method: 'GET', upgrade: 'websocket', subprotocol: EXEC_SUBPROTOCOL, level: 'aal1', authorization: false })]);
  }, 240_000);

  it('kubectl create deployment passes at the everyday level through nginx with the cached token: no step-up, no hardware key', async () => {
    const before = api.requests.length;
    const r = await k(['create', 'deployment', 'web', '--image=registry.example.com/web:1.0']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('deployment.apps/web created');
    expect(r.stderr).toBe('');
    expect(opened).toBe(1);
    const post = api.requests.slice(before).filter((q) => q.method === 'POST' && q.url.startsWith('/apis/apps/v1/namespaces/default/deployments'));
    expect(post).toEqual([expect.objectContaining({ level: 'aal1' })]);
    // kubectl ≥ 1.32 sends protobuf here (older ones JSON); through nginx it reaches the server as sent.
    expect(post[0]!.contentType).toMatch(/^application\/(vnd\.kubernetes\.protobuf|json)$/);
    transcript.push(`(create deployment body: ${post[0]!.contentType})\n`);
  }, 240_000);

  it('kubectl auth can-i -n prod is a question, not a production write: answered at aal1, no step-up', async () => {
    const before = api.requests.length;
    const r = await k(['auth', 'can-i', 'delete', 'pods', '-n', 'prod']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('yes');
    expect(opened).toBe(1);
    expect(api.requests.slice(before)).toContainEqual(expect.objectContaining({ method: 'POST', url: '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', level: 'aal1' }));
  }, 120_000);

  it('kubectl -n prod delete pod web-0: a 401 whose printed message says what to do, and the plugin steps up during that command', async () => {
    mode = 'password+otp';
    const before = api.requests.length;
    const r = await k(['-n', 'prod', 'delete', 'pod', 'web-0', '--wait=false']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'error: You must be logged in to the server (stepgate: step-up needed for delete pods web-0 in namespace prod: sign in at level aal2, within the last 5 min; your sign-in is level aal1 (acr_insufficient). Rule prod-delete: deleting pods in prod. ',
    );
    expect(r.stderr).toContain('kubectl stepgate login --level aal2');
    expect(r.stderr).toContain('signed in (urn:stepgate:aal2)');
    expect(r.stderr).toContain('run the command again');
    // kubectl's discovery was never refused, so no memcache noise and no generic message.
    expect(r.stderr).not.toMatch(/memcache|the server has asked for the client to provide credentials/);
    expect(opened).toBe(2);
    expect(api.requests.slice(before).some((q) => q.method === 'DELETE')).toBe(false);
  }, 240_000);

  it('the re-run passes with the elevated token, without editing the kubeconfig or another sign-in', async () => {
    const r = await k(['-n', 'prod', 'delete', 'pod', 'web-0', '--wait=false']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('pod "web-0" deleted');
    expect(opened).toBe(2);
    expect(api.requests.some((q) => q.method === 'DELETE' && q.url === '/api/v1/namespaces/prod/pods/web-0' && q.level === 'aal2')).toBe(true);
  }, 240_000);

  it('a 403 reaches kubectl through nginx as stepgate\'s Status, not nginx\'s HTML page', async () => {
    const r = await k(['-n', 'locked', 'get', 'pods']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Error from server (Forbidden): stepgate: the locked namespace is closed to everyone; ask #platform (policy_deny)');
    expect(r.stderr).not.toContain('<html');
    expect(opened).toBe(2);
  }, 240_000);

  it('a Kubernetes request on a host stepgate is not told is the API server: refused at discovery, and kubectl prints why (docs/reason-codes.md quotes it)', async () => {
    // The same nginx and certificate under another name, as a wildcard route would let it in.
    // kubectl has no discovery cached for that name, and client-go reads a refused discovery
    // request's body only when it is text (a Status there was printed as "unknown"): stepgate
    // answers discovery with the Status message as text/plain, and nginx sends it with that type.
    const reached = api.requests.length;
    const r = await k(['--server', nginx.url.replace('127.0.0.1', 'localhost'), '--tls-server-name', '127.0.0.1', 'get', 'pods']);
    expect(r.code).toBe(1);
    const said = 'stepgate: This is a Kubernetes API request on a host stepgate is not told is a Kubernetes API server; it is refused until an administrator lists the host. (kubernetes_host_unlisted)';
    expect(r.stderr).toContain(`"Unhandled Error" err="couldn't get current server API group list: ${said}"`);
    expect(r.stderr).toContain(`Error from server (Forbidden): ${said}`);
    expect(r.stderr).not.toContain('unknown');
    // Nothing but `/version` (which kube serves to anyone) reached the API server under that name.
    expect(api.requests.slice(reached).filter((q) => !q.url.startsWith('/version'))).toEqual([]);
    expect(opened).toBe(2);
  }, 240_000);

  it('status shows levels and ages, never a token', async () => {
    const r = await plugin(['status']);
    transcript.push(`$ kubectl stepgate status\n${r.stdout}${r.stderr}`);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/everyday\s+urn:stepgate:aal1/);
    expect(r.stdout).toMatch(/urn:stepgate:aal2\s+urn:stepgate:aal2/);
    for (const t of await cachedTokens()) expect(r.stdout + r.stderr).not.toContain(t);
  }, 120_000);

  it('wrong codes at the IdP: `kubectl stepgate login --level aal2` says the sign-in was not completed, exits 1, caches nothing', async () => {
    context = await browser.newContext();
    mode = 'wrong-otp';
    idpSaid.length = 0;
    const d = join(dir, 'cache', 'stepgate');
    const snapshot = async () => Promise.all((await readdir(d)).sort().map(async (n) => `${n}:${await readFile(join(d, n), 'utf8')}`));
    const before = await snapshot();
    // The plugin's wait is real time, and nothing but its deadline ends it here: a short one. The
    // browser's tries at the IdP go on after the plugin gives up and are awaited below.
    const r = await plugin(['login', '--level', 'aal2', '--timeout', '10']);
    await Promise.all(signIns.splice(0));
    transcript.push(`$ kubectl stepgate login --level aal2   # wrong one-time codes at the IdP\n${r.stdout}${r.stderr}(exit ${r.code})\n`);
    // The IdP said so on each try, and sent the user back to the password after the last one.
    expect(idpSaid.filter((t) => t.includes('That code is not valid')).length).toBeGreaterThan(0);
    expect(idpSaid.at(-1)).toContain('Too many wrong codes');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('stepgate: sign-in not completed (no answer from the browser within 10s); nothing was cached, and your current sign-ins are unchanged.');
    expect(await snapshot()).toEqual(before);
  }, 240_000);

  it('a step-up cancelled at the IdP leaves the everyday sign-in working', async () => {
    const out = await plugin(['logout']);
    expect(out.code).toBe(0);
    // A new browser profile: the IdP session from the step-up above would otherwise sign in at aal2.
    context = await browser.newContext();
    mode = 'password';
    expect((await k(['get', 'pods'])).code).toBe(0);
    mode = 'cancel';
    const refused = await k(['-n', 'prod', 'delete', 'pod', 'web-0', '--wait=false']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('step-up not completed');
    expect(refused.stderr).toContain('your current sign-in is unchanged');
    const count = opened;
    const again = await k(['get', 'pods']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('web-0');
    expect(opened).toBe(count);
  }, 300_000);

  /*
   * A 401 on a request kubectl reads raw (discovery; /version and /openapi are read the same way):
   * client-go prints a fixed sentence for any 401 it reads raw, whatever the body, so stepgate's
   * message travels in a `Warning: 299` header, which kubectl prints. Discovery is held to the
   * everyday level (policy.ts isDiscovery), so what refuses it is the credential itself (here a
   * token that is no JWT, from a kubeconfig of its own) or a change of context that binds every
   * request. A fresh --cache-dir, so that kubectl asks for discovery.
   */
  it('a 401 on discovery (a token that is no JWT): kubectl prints stepgate\'s message as a Warning', async () => {
    const ca = /certificate-authority-data: (\S+)/.exec(await readFile(kubeconfig, 'utf8'))![1]!;
    const other = join(dir, 'kubeconfig-bogus');
    await writeFile(
      other,
      `apiVersion: v1
kind: Config
clusters:
  - name: prod
    cluster: { server: ${nginx.url}, certificate-authority-data: ${ca} }
users:
  - name: bogus
    user: { token: not-a-jwt }
contexts:
  - name: bogus
    context: { cluster: prod, user: bogus, namespace: default }
current-context: bogus
`,
    );
    const before = api.requests.length;
    const r = await k(['--kubeconfig', other, '--cache-dir', join(dir, 'cache-bogus'), 'get', 'pods']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`Warning: stepgate: ${reasonMessage('token_malformed')} (token_malformed)`);
    expect(r.stderr).toContain('error: You must be logged in to the server (the server has asked for the client to provide credentials)');
    expect(api.requests.slice(before)).toEqual([]);
  }, 120_000);

  it('signs in with the device grant when there is no browser to open', async () => {
    expect((await plugin(['logout'])).code).toBe(0);
    mode = 'password';
    let driving: Promise<void> | undefined;
    const r = await k(['get', 'pods'], { STEPGATE_BROWSER: undefined }, (text) => {
      const m = /open (\S+) on any device/.exec(text);
      if (m && !driving) driving = drive(m[1]!);
    });
    await driving;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/enter the code [A-Z-]+/);
    expect(r.stdout).toContain('web-0');
  }, 300_000);

  /** The token files only: every served command also rewrites the re-run marker beside them. */
  async function tokenFiles(): Promise<string[]> {
    const d = join(dir, 'cache', 'stepgate');
    return Promise.all((await readdir(d)).filter((n) => n.startsWith('token-')).sort().map(async (n) => `${n}:${await readFile(join(d, n), 'utf8')}`));
  }

  it('a device-flow step-up denied at the IdP: kubectl says so and exits non-zero, nothing is cached, the everyday token keeps working', async () => {
    mode = 'deny-device';
    idpSaid.length = 0;
    const before = await tokenFiles();
    let driving: Promise<void> | undefined;
    const r = await k(['-n', 'prod', 'delete', 'pod', 'web-0', '--wait=false'], { STEPGATE_BROWSER: undefined }, (text) => {
      const m = /open (\S+) on any device/.exec(text);
      if (m && !driving) driving = drive(m[1]!);
    });
    await driving;
    expect(driving, 'the plugin offered the device grant').toBeDefined();
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/stepgate: to sign in \(urn:stepgate:aal2\), open \S+ on any device and enter the code [A-Z]{4}-[A-Z]{4}/);
    expect(r.stderr).toContain('stepgate: step-up not completed (the identity provider answered access_denied); your current sign-in is unchanged.');
    expect(r.stderr).toContain('error: You must be logged in to the server (stepgate: step-up needed for delete pods web-0 in namespace prod');
    expect(await tokenFiles()).toEqual(before);
    for (const t of await cachedTokens()) expect(r.stderr + r.stdout).not.toContain(t);
    const count = opened;
    const again = await k(['get', 'pods'], { STEPGATE_BROWSER: undefined });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toBe('');
    expect(again.stdout).toContain('web-0');
    expect(opened).toBe(count);
  }, 300_000);

  it('a wrong user code at the IdP: `kubectl stepgate login --level aal2 --device` gives up with a clear message, exits 1, caches nothing', async () => {
    mode = 'wrong-user-code';
    idpSaid.length = 0;
    const d = join(dir, 'cache', 'stepgate');
    const snapshot = async () => Promise.all((await readdir(d)).sort().map(async (n) => `${n}:${await readFile(join(d, n), 'utf8')}`));
    const before = await snapshot();
    let driving: Promise<void> | undefined;
    // The user never enters the right code, so the device code runs out (here the plugin's --timeout,
    // short: it is real time, and the browser's mistyped code is awaited on its own below).
    const r = await plugin(['login', '--level', 'aal2', '--device', '--timeout', '6'], {}, (text) => {
      const m = /open (\S+) on any device/.exec(text);
      if (m && !driving) driving = drive(m[1]!);
    });
    await driving;
    transcript.push(`$ kubectl stepgate login --level aal2 --device   # a mistyped code at the IdP\n${r.stdout}${r.stderr}(exit ${r.code})\n`);
    expect(idpSaid.join('\n')).toContain('The code you entered is incorrect');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('stepgate: sign-in not completed (the device sign-in was not completed in time); nothing was cached, and your current sign-ins are unchanged.');
    expect(await snapshot()).toEqual(before);
    const again = await k(['get', 'pods'], { STEPGATE_BROWSER: undefined });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toBe('');
  }, 300_000);

  it('a device code that expires at the IdP: `kubectl stepgate login --level aal2 --device` stops polling, says so and what to do, exits 1; the everyday token keeps working', async () => {
    const d = join(dir, 'cache', 'stepgate');
    const snapshot = async () => Promise.all((await readdir(d)).sort().map(async (n) => `${n}:${await readFile(join(d, n), 'utf8')}`));
    const before = await snapshot();
    // Nobody enters the code; the IdP's code lives 2 s, so its answer to the first poll is expired_token.
    deviceCodeTtl = 2;
    let r: KubectlResult;
    try {
      r = await plugin(['login', '--level', 'aal2', '--device']);
    } finally {
      deviceCodeTtl = 600;
    }
    transcript.push(`$ kubectl stepgate login --level aal2 --device   # nobody enters the code in time\n${r.stdout}${r.stderr}(exit ${r.code})\n`);
    const code = /enter the code ([A-Z]{4}-[A-Z]{4})/.exec(r.stderr)?.[1];
    expect(code, r.stderr).toBeDefined();
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `stepgate: sign-in not completed (the code ${code} expired at the identity provider (expired_token): run the command again for a new code, and enter it within 2 seconds); nothing was cached, and your current sign-ins are unchanged.`,
    );
    // It stopped at the IdP's answer, not at its own deadline.
    expect(r.stderr).not.toContain('not completed in time');
    expect(await snapshot()).toEqual(before);
    const again = await k(['get', 'pods'], { STEPGATE_BROWSER: undefined });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toBe('');
    expect(again.stdout).toContain('web-0');
  }, 120_000);

  /*
   * client-go's WebSocket round tripper turns a refused upgrade into an error, not a response, so
   * the exec credential wrapper never sees that 401 and does not re-run the plugin; kubectl then
   * falls back to SPDY (a POST with Upgrade: SPDY/3.1), whose 401 does come back as a response:
   * that re-run is the one that steps up, within the same kubectl process.
   */
  it('kubectl -n prod exec web-0 -- true: a 401 whose message says what to do, and the plugin steps up during that command', async () => {
    // The device sign-in above left only the everyday (aal1) token in the cache.
    mode = 'password+otp';
    const count = opened;
    const before = api.requests.length;
    const logged = (await nginx.accessLog()).length;
    const r = await k(['-n', 'prod', 'exec', 'web-0', '--', 'true']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'stepgate: step-up needed for create pods/exec web-0 in namespace prod: sign in at level aal2, within the last 5 min; your sign-in is level aal1 (acr_insufficient). Rule prod-exec: running commands in prod pods. ',
    );
    expect(r.stderr).toContain('kubectl stepgate login --level aal2');
    expect(r.stderr).toContain('signed in (urn:stepgate:aal2)');
    expect(r.stderr).toContain('run the command again');
    expect(opened).toBe(count + 1);
    // kubectl read the pod at aal1 (no rule asks more of that); no exec reached the API server.
    const seen = api.requests.slice(before);
    expect(seen.some((q) => q.method === 'GET' && q.url === '/api/v1/namespaces/prod/pods/web-0' && q.level === 'aal1')).toBe(true);
    expect(seen.some((q) => q.url.includes('/exec'))).toBe(false);
    // The path described above: the WebSocket upgrade refused, then the SPDY POST refused (the
    // 401 that made client-go run the plugin again).
    const attempts = (await nginx.accessLog()).slice(logged).split('\n').filter((l) => l.includes('/pods/web-0/exec?'));
    expect(attempts.map((l) => /"(GET|POST) \S+ HTTP\/1\.1" (\d+)/.exec(l)?.slice(1).join(' '))).toEqual(['GET 401', 'POST 401']);
  }, 300_000);

  it('the exec re-run passes over WebSocket with the elevated token, with no other sign-in', async () => {
    const count = opened;
    const before = api.requests.length;
    const r = await k(['-n', 'prod', 'exec', 'web-0', '--', 'true']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(opened).toBe(count);
    const exec = api.requests.slice(before).filter((q) => q.url.startsWith('/api/v1/namespaces/prod/pods/web-0/exec'));
    expect(exec).toEqual([expect.objectContaining({ method: 'GET', upgrade: 'websocket', subprotocol: EXEC_SUBPROTOCOL, level: 'aal2' })]);
    expect(exec[0]!.url).toMatch(/[?&]command=true(&|$)/);
  }, 240_000);
  /**
   * docs/kubectl-stepup.md shows kubectl sessions; each line it quotes must have been printed by
   * the same command in this run. Ports, ages and device codes vary from run to run, and
   * the docs shorten long URLs with `…`.
   */
  it('every kubectl output docs/kubectl-stepup.md quotes was printed by that command in this session', async () => {
    const doc = await readFile(join(ROOT, 'docs/kubectl-stepup.md'), 'utf8');
    const blocks = [...doc.matchAll(/```\n(\$ kubectl[\s\S]*?)```/g)].map((m) => m[1]!);
    expect(blocks.length).toBeGreaterThanOrEqual(6);
    const pattern = (line: string) =>
      new RegExp(
        `^${line
          .trim()
          .split('…')
          .map((part) =>
            part
              .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
              .replace(/\b[A-Z]{4}-[A-Z]{4}\b/g, '\u0001')
              .replace(/\b\d+[smhd]\b/g, '\u0002')
              .replace(/(127\\\.0\\\.0\\\.1(?::|%3A))\d+/g, '$1\u0003')
              .split('\u0001')
              .join('[A-Z]{4}-[A-Z]{4}')
              .split('\u0002')
              .join('\\d+[smhd]')
              .split('\u0003')
              .join('\\d+')
              .replace(/\s+/g, '\\s+'),
          )
          .join('.*')}$`,
      );
    const entries = transcript.map((t) => t.split('\n').map((l) => l.trim()));
    const missing: string[] = [];
    for (const block of blocks) {
      const sections = block.split(/^(?=\$ )/m);
      for (const section of sections) {
        const [command, ...lines] = section.split('\n').filter((l) => l.trim() !== '');
        const wanted = lines.map((l) => ({ line: l, re: pattern(l) }));
        const printed = entries.filter((e) => e[0]!.replace(/\s+#.*$/, '') === command!.trim());
        if (printed.length === 0) {
          missing.push(`${command}: never run`);
          continue;
        }
        if (!printed.some((e) => wanted.every((w) => e.some((l) => w.re.test(l))))) {
          const best = printed.map((e) => wanted.filter((w) => !e.some((l) => w.re.test(l))).map((w) => w.line));
          missing.push(`${command}: not printed together: ${JSON.stringify(best.sort((a, b) => a.length - b.length)[0])}`);
        }
      }
    }
    expect(missing).toEqual([]);
  }, 60_000);
});
