import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * nginx in front of the demo apps, asking stepgate about every request with `auth_request`.
 * The config lives in a temp directory used as nginx's prefix (`-p`), with the pid file, logs and
 * temp paths inside it, so nginx runs without touching /etc/nginx or /var.
 */

export const NGINX_BIN = '/usr/sbin/nginx';

export interface NginxSiteOptions {
  /** Loopback port nginx listens on. */
  port: number;
  /** The sample dashboard (`/`, `/admin`). */
  dashboardUpstream: string;
  /** The stand-in API, served under `/api/`. */
  apiUpstream: string;
  /** stepgate's forward-auth endpoint: base URL of `server.authz_http_listen` plus the check path. */
  forwardAuthUrl: string;
  /** stepgate's public step-up HTTP port (`server.http_listen`), mounted at `/.stepgate/`. */
  stepgatePublicUrl: string;
  /** Header on stepgate's 401 carrying where a browser goes to step up. */
  stepupLocationHeader: string;
  /**
   * Every identity header stepgate can return on allow (identity_headers: subject, level, issuer
   * and each mapped claim), copied to the upstream request; one left out here is a header a
   * client can forge.
   */
  identityHeaders: string[];
  /**
   * The one host:port the browser must use (the demo's `127.0.0.1:<port>`): stepgate's cookies,
   * the IdP's redirect URI and `stepup.return_hosts` all name it, so on any other name (localhost)
   * the session set after the step-up is never sent back and the step-up repeats forever. Other
   * Host values are redirected here first. Undefined: no redirect (tests that send their own Host).
   */
  canonicalHost?: string;
}

const CANONICAL_HOST = /^127\.0\.0\.1:\d{1,5}$/;

/**
 * What the browser gets when stepgate cannot be reached (the auth subrequest fails, which nginx
 * otherwise answers with its bare 500, or the step-up pages are down): who failed and what to do.
 * No script, no external assets; the gateway fails closed, so nothing behind it is served.
 */
export const STEPGATE_DOWN_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>stepgate could not check this request</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#1b1b1b}h1{font-size:1.5rem}code{background:#f1f1f1;padding:0 .25rem}</style></head>
<body><main><h1>stepgate could not check this request</h1>
<p>This site is protected by stepgate, which checks every request before it is let through. stepgate did not answer (it is probably not running), or could not check this request, so nothing behind it is served: it fails closed.</p>
<p>Running the demo? The terminal running <code>npm run demo</code> says why stepgate stopped; start the demo again.</p>
<p>Otherwise, try again in a minute; if it keeps failing, tell your administrators (code <code>stepgate_unreachable</code>, with the time).</p>
</main></body></html>`;
const HEADER = /^[a-z][a-z0-9-]*$/;
const HTTP_URL = /^http:\/\/127\.0\.0\.1:\d{1,5}(\/[A-Za-z0-9._~\/-]*)?$/;

/** `x-stepgate-subject` → `$upstream_http_x_stepgate_subject` (nginx's variable for that header). */
function upstreamVar(header: string): string {
  return `$upstream_http_${header.replace(/-/g, '_')}`;
}

function sgVar(header: string): string {
  return `$sg_${header.replace(/-/g, '_')}`;
}

/** The nginx.conf text for `prefix` (an absolute directory). Pure: tests read it, startNginx writes it. */
export function nginxConfig(prefix: string, o: NginxSiteOptions): string {
  for (const h of [o.stepupLocationHeader, ...o.identityHeaders]) {
    if (!HEADER.test(h)) throw new Error(`nginx config: bad header name ${JSON.stringify(h)}`);
  }
  for (const u of [o.dashboardUpstream, o.apiUpstream, o.forwardAuthUrl, o.stepgatePublicUrl]) {
    if (!HTTP_URL.test(u)) throw new Error(`nginx config: expected a loopback http URL, got ${JSON.stringify(u)}`);
  }
  if (!Number.isInteger(o.port) || o.port < 1 || o.port > 65535) throw new Error(`nginx config: bad port ${o.port}`);
  if (o.canonicalHost !== undefined && !CANONICAL_HOST.test(o.canonicalHost)) throw new Error(`nginx config: bad canonical host ${JSON.stringify(o.canonicalHost)}`);
  // nginx's `return` takes the text as one quoted string: no single quote or backslash in it.
  if (/['\\]/.test(STEPGATE_DOWN_PAGE)) throw new Error('nginx config: the stepgate-down page must not contain quotes or backslashes');
  const canonical =
    o.canonicalHost === undefined
      ? ''
      : `
    # One name for the site: cookies and the IdP's redirect URI are bound to it (see canonicalHost).
    # 307 keeps the method and is not cached for good, unlike 301.
    if ($http_host != "${o.canonicalHost}") {
      return 307 http://${o.canonicalHost}$request_uri;
    }
`;
  // nginx answers a failed auth subrequest (stepgate down) with a bare 500 and a dead step-up
  // upstream with a 502; both become a page that says what happened. An app's own 5xx passes
  // through untouched: proxy_intercept_errors is off, so error_page sees only nginx's errors.
  const downPage = `      error_page 500 502 503 504 = @stepgate_down;`;

  const copyIdentity = o.identityHeaders
    .map((h) => `      auth_request_set ${sgVar(h)} ${upstreamVar(h)};\n      proxy_set_header ${h} ${sgVar(h)};`)
    .join('\n');
  // Every location that reaches an app asks stepgate first and passes on only stepgate's view of
  // the identity: proxy_set_header with an empty value drops a client's copy of the header too.
  // The Cookie header is stepgate's answer as well: the client's cookies without stepgate's own
  // (session, device, flow state), absent when nothing is left, which drops the header.
  // stepgate's status, body and type: nginx makes any auth status but 2xx, 401 and 403 its own 500
  // (it sets these variables first), and @stepgate_down answers stepgate's 400 and 431 with them.
  const protectedBlock = `      auth_request /.stepgate-auth;
      auth_request_set $sg_status $upstream_status;
      auth_request_set $sg_status_body $upstream_http_x_stepgate_status_body;
      auth_request_set $sg_content_type $upstream_http_content_type;
${copyIdentity}
      auth_request_set $sg_app_cookie $upstream_http_cookie;
      proxy_set_header Host $http_host;
      proxy_set_header Cookie $sg_app_cookie;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header X-Forwarded-Proto $scheme;`;

  return `# Generated by demo/nginx.ts for the stepgate demo and end-to-end tests.
worker_processes 1;
daemon off;
master_process on;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log info;

events {
  worker_connections 256;
}

http {
  access_log ${prefix}/access.log;
  client_body_temp_path ${prefix}/tmp/body;
  proxy_temp_path ${prefix}/tmp/proxy;
  fastcgi_temp_path ${prefix}/tmp/fastcgi;
  uwsgi_temp_path ${prefix}/tmp/uwsgi;
  scgi_temp_path ${prefix}/tmp/scgi;
  server_tokens off;
  default_type application/octet-stream;

  server {
    listen 127.0.0.1:${o.port};
    server_name _;
${canonical}
    # The auth subrequest: no body, and the original request described in headers nginx sets
    # itself (a client's X-Original-* / X-Forwarded-* are overwritten, never passed on).
    location = /.stepgate-auth {
      internal;
      proxy_pass ${o.forwardAuthUrl};
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Original-URI $request_uri;
      proxy_set_header X-Original-Method $request_method;
      proxy_set_header X-Forwarded-Method $request_method;
      proxy_set_header X-Forwarded-Uri $request_uri;
      proxy_set_header X-Forwarded-Host $http_host;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-For $remote_addr;
    }

    # stepgate's own pages (step-up page, OIDC start and callback), not behind auth_request.
    location /.stepgate/ {
      proxy_pass ${o.stepgatePublicUrl};
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Host $http_host;
      # The id stepgate shows on its error pages and logs: the same as nginx's access log.
      proxy_set_header X-Request-Id $request_id;
${downPage}
    }

    # API clients get stepgate's 401 as is, with its RFC 9470 WWW-Authenticate challenge.
    location /api/ {
${protectedBlock}
${downPage}
      proxy_pass ${o.apiUpstream};
    }

    # Browsers: nginx turns a 3xx from auth_request into a 500, so stepgate answers 401 with the
    # step-up URL in a header and nginx redirects to it here.
    location / {
${protectedBlock}
      auth_request_set $sg_stepup ${upstreamVar(o.stepupLocationHeader)};
      error_page 401 = @stepup;
${downPage}
      proxy_pass ${o.dashboardUpstream};
    }

    # nginx's 500 for an auth status it does not take: stepgate's own 400 or 431 as it gave it (a
    # request refused as malformed or too large is no outage, and must not be retried); otherwise
    # (stepgate down, or its 503) the outage page. An if block with add_header keeps only its own.
    location @stepgate_down {
      default_type "";
${[400, 431]
  .map(
    (code) => `      if ($sg_status ~ "(^|[ ,])${code}$") {
        add_header Content-Type $sg_content_type always;
        add_header Cache-Control no-store always;
        return ${code} $sg_status_body;
      }`,
  )
  .join('\n')}
      add_header Content-Type "text/html; charset=utf-8" always;
      add_header Cache-Control no-store always;
      add_header X-Stepgate-Error stepgate_unreachable always;
      return 503 '${STEPGATE_DOWN_PAGE}';
    }

    location @stepup {
      if ($sg_stepup = "") {
        add_header Cache-Control no-store always;
        return 401;
      }
      add_header Cache-Control no-store always;
      return 302 $sg_stepup;
    }
  }
}
`;
}

export interface RunningNginx {
  url: string;
  prefix: string;
  config: string;
  /** The error log so far (for test failure messages). */
  errorLog(): Promise<string>;
  stop(): Promise<void>;
}

/** Starts the real nginx on `site.port`. A missing binary is an error: the tests never skip. */
export async function startNginx(site: NginxSiteOptions, bin = NGINX_BIN): Promise<RunningNginx> {
  if (!existsSync(bin)) {
    throw new Error(`${bin} not found: install the Debian package nginx (scripts/test.sh does)`);
  }
  const prefix = await mkdtemp(join(tmpdir(), 'stepgate-nginx-'));
  for (const d of ['tmp/body', 'tmp/proxy', 'tmp/fastcgi', 'tmp/uwsgi', 'tmp/scgi']) await mkdir(join(prefix, d), { recursive: true });
  const config = nginxConfig(prefix, site);
  const confPath = join(prefix, 'nginx.conf');
  await writeFile(confPath, config);

  const errorLog = () => readFile(join(prefix, 'error.log'), 'utf8').catch(() => '');
  const child = spawn(bin, ['-p', prefix, '-c', confPath, '-e', join(prefix, 'error.log')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  try {
    await waitForPort(site.port, child, 10_000);
  } catch (e) {
    child.kill('SIGKILL');
    await exited;
    const log = await errorLog();
    await rm(prefix, { recursive: true, force: true });
    throw new Error(`nginx did not start: ${(e as Error).message}\n${stderr}${log}`);
  }

  return {
    url: `http://127.0.0.1:${site.port}`,
    prefix,
    config,
    errorLog,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGQUIT');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      await rm(prefix, { recursive: true, force: true });
    },
  };
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`nginx exited with code ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`port ${port} not listening after ${timeoutMs} ms`);
}

/**
 * A free loopback port held until `release()`: for a port that must be known long before its
 * server listens (a redirect URI registered with an identity provider started first). Between
 * freePort() and the listen, any listen(0) on the machine (the IdP's own, another test file's)
 * may be handed the same port: CI saw EADDRINUSE that way. Held, no one else gets it; the window
 * left is release() to the listen.
 */
export async function reservePort(): Promise<{ port: number; release: () => Promise<void> }> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      resolve({ port, release: () => new Promise<void>((r) => s.close(() => r())) });
    });
  });
}

/** A free loopback port (the OS picks one; a tiny window remains before nginx binds it). */
export async function freePort(): Promise<number> {
  const { port, release } = await reservePort();
  await release();
  return port;
}
