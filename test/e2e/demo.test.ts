import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { connect } from 'node:net';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../demo/nginx.js';
import { DEMO_CONFIG, DEMO_PORTS, demoConfigText, generateSessionKeys, type DemoPorts } from '../../demo/stack.js';
import { runCli } from '../support/process.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });

/** A browser-like navigation (node:http: fetch would rewrite Sec-Fetch-Mode). */
function navigate(url: string): Promise<{ status: number; location: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { accept: 'text/html', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' } }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, location: res.headers.location });
    });
    req.once('error', reject);
    req.end();
  });
}

describe('npm run demo', () => {
  it('demo/stepgate.demo.yaml passes stepgate check-config', async () => {
    // With the secrets demo/run.ts generates; without them check-config names each missing variable.
    const cli = runCli(['check-config', DEMO_CONFIG], { STEPGATE_DEMO_CLIENT_SECRET: 'demo-secret', STEPGATE_DEMO_SESSION_KEYS: generateSessionKeys() });
    const { code } = await cli.exited;
    expect(code, cli.stderr.join('\n')).toBe(0);
    const bare = runCli(['check-config', DEMO_CONFIG], { STEPGATE_DEMO_CLIENT_SECRET: '', STEPGATE_DEMO_SESSION_KEYS: '' });
    expect((await bare.exited).code).toBe(2);
    expect(bare.stderr.join('\n')).toContain('stepup.oidc.client_secret_env: environment variable STEPGATE_DEMO_CLIENT_SECRET is not set');
  });

  it('with the fixed demo ports, the config stepgate runs is the file as written', async () => {
    const text = await demoConfigText({
      issuer: `http://127.0.0.1:${DEMO_PORTS.idp}`,
      nginxPort: DEMO_PORTS.nginx,
      grpc: `127.0.0.1:${DEMO_PORTS.grpc}`,
      stepupHttp: `127.0.0.1:${DEMO_PORTS.stepupHttp}`,
      authzHttp: `127.0.0.1:${DEMO_PORTS.authzHttp}`,
    });
    expect(parse(text)).toEqual(parse(await readFile(DEMO_CONFIG, 'utf8')));
  });

  it('starts everything, prints what to try, redirects /admin to the step-up page, and Ctrl-C stops it all', { timeout: 60_000 }, async () => {
    // Free ports, passed in: the documented ones (8088, 9191, …) may be taken on a shared machine.
    const ports = {} as DemoPorts;
    const taken = new Set<number>();
    for (const name of Object.keys(DEMO_PORTS) as (keyof DemoPorts)[]) {
      do ports[name] = await freePort();
      while (taken.has(ports[name]));
      taken.add(ports[name]);
    }
    const front = `http://127.0.0.1:${ports.nginx}`;
    const child = spawn('npm', ['run', 'demo'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'], detached: true, env: { ...process.env, STEPGATE_DEMO_PORTS: JSON.stringify(ports) } });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 45_000;
      while (!out.includes('Behind the scenes') && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
      expect(out).toContain('stepgate demo is running');
      expect(out).toContain(`${front}/admin`);
      expect(out).toContain('alice / alice-password');
      expect(out).toMatch(/alice \S*\d{6}/);
      expect(out).toMatch(new RegExp(`curl -i -H "Authorization: Bearer \\$\\(cat \\S+alice-aal1\\.jwt\\)" ${front.replace(/\./g, '\\.')}/api/secrets`));

      const nav = await navigate(`${front}/admin`);
      expect(nav.status).toBe(302);
      expect(nav.location).toMatch(new RegExp(`^${front.replace(/\./g, '\\.')}/\\.stepgate/start\\?`));
      const tokenFile = /\$\(cat (\S+alice-aal2\.jwt)\)/.exec(out)![1]!;
      const res = await fetch(`${front}/api/secrets`, { headers: { authorization: `Bearer ${(await readFile(tokenFile, 'utf8')).trim()}` } });
      expect(res.status).toBe(200);
    } finally {
      // Ctrl-C in a terminal signals the whole process group.
      process.kill(-child.pid!, 'SIGINT');
      await exited;
    }
    for (const port of Object.values(ports)) expect(await listening(port), `port ${port} still open`).toBe(false);
  });
});
