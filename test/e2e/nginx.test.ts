import { connect } from 'node:net';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkNginxConfig, freePort, nginxConfig, startNginx, type NginxSiteOptions } from '../support/nginx.js';

const site = (port: number): NginxSiteOptions => ({
  port,
  dashboardUpstream: 'http://127.0.0.1:1',
  apiUpstream: 'http://127.0.0.1:2',
  forwardAuthUrl: 'http://127.0.0.1:3/check',
  stepgatePublicUrl: 'http://127.0.0.1:4',
  stepupLocationHeader: 'x-stepgate-location',
  identityHeaders: ['x-stepgate-subject', 'x-stepgate-level'],
});

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });

describe('nginx config for auth_request', () => {
  it('is accepted by the real nginx parser (nginx -t)', async () => {
    const r = await checkNginxConfig(site(await freePort()));
    expect(r.output).toMatch(/test is successful/);
    expect(r.ok).toBe(true);
  });

  it('keeps everything inside its prefix and wires auth_request, the step-up redirect and the identity headers', () => {
    const conf = nginxConfig('/tmp/p', site(8088));
    for (const line of ['pid /tmp/p/nginx.pid;', 'error_log /tmp/p/error.log info;', 'proxy_temp_path /tmp/p/tmp/proxy;', 'daemon off;']) {
      expect(conf).toContain(line);
    }
    expect(conf).not.toMatch(/\/var\/|\/etc\//);
    expect(conf).toContain('auth_request /.stepgate-auth;');
    expect(conf).toContain('auth_request_set $sg_stepup $upstream_http_x_stepgate_location;');
    expect(conf).toContain('error_page 401 = @stepup;');
    expect(conf).toContain('proxy_set_header x-stepgate-subject $sg_x_stepgate_subject;');
    expect(conf).toContain('proxy_set_header X-Original-URI $request_uri;');
  });

  it('refuses header names and upstreams that would inject nginx directives', () => {
    expect(() => nginxConfig('/tmp/p', { ...site(1), identityHeaders: ['x-a; include /etc/passwd'] })).toThrow(/bad header name/);
    expect(() => nginxConfig('/tmp/p', { ...site(1), apiUpstream: 'http://127.0.0.1:2; return 200' })).toThrow(/loopback http URL/);
    expect(() => nginxConfig('/tmp/p', { ...site(0) })).toThrow(/bad port/);
    expect(() => nginxConfig('/tmp/p', { ...site(1), canonicalHost: '127.0.0.1:1"; return 200 "x' })).toThrow(/bad canonical host/);
  });

  it('with a canonical host, redirects any other Host there (307) and shows a page, not a bare 500, when stepgate is down', async () => {
    const port = await freePort();
    expect((await checkNginxConfig({ ...site(port), canonicalHost: `127.0.0.1:${port}` })).ok).toBe(true);
    // Every upstream points at closed ports: stepgate (and the apps) are "down".
    const nginx = await startNginx({ ...site(port), canonicalHost: `127.0.0.1:${port}` });
    try {
      const other = await fetch(`http://localhost:${port}/admin?x=1`, { redirect: 'manual' }).catch(() => undefined);
      // localhost may resolve to ::1 only where nginx does not listen; then ask with the Host header.
      const viaHost = await new Promise<{ status: number; location: string | undefined }>((resolve, reject) => {
        import('node:http').then(({ request }) => {
          const req = request({ host: '127.0.0.1', port, path: '/admin?x=1', headers: { host: `localhost:${port}` } }, (res) => {
            res.resume();
            resolve({ status: res.statusCode ?? 0, location: res.headers.location });
          });
          req.once('error', reject);
          req.end();
        }, reject);
      });
      expect(viaHost).toEqual({ status: 307, location: `http://127.0.0.1:${port}/admin?x=1` });
      if (other) expect(other.status).toBe(307);
      for (const path of ['/', '/admin', '/api/v1/pods', '/.stepgate/start']) {
        const res = await fetch(`${nginx.url}${path}`);
        expect(res.status, path).toBe(503);
        expect(res.headers.get('x-stepgate-error'), path).toBe('stepgate_unreachable');
        expect(await res.text(), path).toContain('stepgate could not check this request');
      }
    } finally {
      await nginx.stop();
    }
  });

  it('starts the real nginx unprivileged-style from a temp prefix and stops it', async () => {
    const port = await freePort();
    const nginx = await startNginx(site(port));
    expect(await listening(port)).toBe(true);
    const res = await fetch(`${nginx.url}/.stepgate-auth`);
    expect(res.status).toBe(404); // internal location: not reachable from outside
    const prefix = nginx.prefix;
    await nginx.stop();
    expect(await listening(port)).toBe(false);
    expect(existsSync(prefix)).toBe(false);
  });

  it('a missing nginx binary is an error, not a skip', async () => {
    await expect(startNginx(site(await freePort()), '/nonexistent/nginx')).rejects.toThrow(/not found/);
  });
});
