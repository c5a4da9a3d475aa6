import { spawn } from 'node:child_process';
import { createPublicKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevIdp, type DevIdp } from '../../demo/idp.js';
import { parseConfig } from '../../src/config/load.js';
import { parseDeviceUri } from '../../src/core/device-uri.js';
import { startService, type Service } from '../../src/main.js';
import { createLogger } from '../../src/telemetry/log.js';
import { makeDeviceCa, type TestDeviceCa } from '../support/device-ca.js';
import { installPlugin } from '../support/plugin-install.js';
import { CLIENT_ID, CLIENT_SECRET, freePort, stepupConfigYaml, stepupEnv } from '../support/stepup.js';

/**
 * The kubectl credential plugin as npm installs it (`stepgate`, the sh front, then Node), with
 * `--device-certificate`: `stepgate login --level aal2` signs in at the dev IdP (its pages driven
 * headless through the browser command) and enrols the machine's key at a real stepgate with a
 * real device CA; `stepgate credential` then answers kubectl with the token, the certificate and
 * the key. Every request the plugin makes to stepgate goes through a recording proxy, which shows
 * the private key is never sent.
 */

const ROOT = new URL('../../', import.meta.url).pathname;
const PLUGIN_CLIENT = 'kubectl';
let dir: string;
let idp: DevIdp;
let ca: TestDeviceCa;
let service: Service;
let opener: Server;
let proxy: Server;
let openerUrl = '';
let proxyUrl = '';
let bin = '';
const sent: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sg-device-plugin-'));
  bin = installPlugin(dir).bin;
  const httpPort = await freePort();
  idp = await startDevIdp({
    clients: [
      { client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: [`http://127.0.0.1:${httpPort}/.stepgate/callback`] },
      { client_id: PLUGIN_CLIENT, native: true, redirect_uris: ['http://127.0.0.1/callback'] },
    ],
  });
  ca = makeDeviceCa();
  const yaml = `${stepupConfigYaml({ idp: idp.issuer, httpPort, patientKeys: true }).replace(`audiences: [${CLIENT_ID}]`, `audiences: [${CLIENT_ID}, ${PLUGIN_CLIENT}]`)}
device_certificates:
  ca_certificate_file: ${ca.certFile}
  ca_key_file: ${ca.keyFile}
  min_level: aal2
`;
  service = await startService(parseConfig(yaml, 'device-plugin.yaml'), stepupEnv(), createLogger('silent'));
  // The browser: the plugin runs open-url.mjs, which posts the URL here; the IdP's pages are
  // driven headless with alice's password and code, and the redirect goes to the plugin's loopback.
  opener = createServer((req, res) => {
    let url = '';
    req.on('data', (c: Buffer) => (url += c.toString()));
    req.on('end', () => {
      res.end();
      void idp.authorizeHeadless(url, { user: 'alice', password: 'alice-password', otp: true }).then((back) => fetch(back));
    });
  });
  await new Promise<void>((r) => opener.listen(0, '127.0.0.1', r));
  openerUrl = `http://127.0.0.1:${(opener.address() as AddressInfo).port}/`;
  proxy = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      sent.push(`${req.method} ${req.url}\n${body.toString('utf8')}`);
      const up = request({ host: '127.0.0.1', port: httpPort, method: req.method, path: req.url, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      up.end(body);
    });
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
}, 120_000);

afterAll(async () => {
  await service?.stop();
  await idp?.close();
  opener?.close();
  proxy?.close();
  rmSync(dir, { recursive: true, force: true });
  rmSync(ca.dir, { recursive: true, force: true });
});

function stepgate(args: string[], extra: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(join(bin, 'stepgate'), args, {
      env: {
        PATH: `${bin}:${dirname(process.execPath)}:${process.env.PATH}`,
        HOME: join(dir, 'home'),
        XDG_CACHE_HOME: join(dir, 'cache'),
        STEPGATE_BROWSER: `${process.execPath} ${join(ROOT, 'test/support/open-url.mjs')}`,
        STEPGATE_TEST_OPENER: openerUrl,
        ...extra,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

const common = () => [`--issuer=${idp.issuer}`, `--client-id=${PLUGIN_CLIENT}`, '--acr=aal2=urn:stepgate:aal2', `--stepgate=${proxyUrl}`, '--device-certificate'];
const EXEC_INFO = JSON.stringify({ kind: 'ExecCredential', apiVersion: 'client.authentication.k8s.io/v1', spec: { interactive: false } });

describe('stepgate credential --device-certificate', () => {
  it('enrols after a two-factor sign-in and answers kubectl with the token, certificate and key', async () => {
    const login = await stepgate(['login', '--level=aal2', ...common()]);
    expect(login.code, login.stderr).toBe(0);
    expect(login.stderr).toMatch(/device certificate is valid until/);

    const cache = join(dir, 'cache', 'stepgate');
    const keyFile = join(cache, 'device-key.pem');
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const keyPem = readFileSync(keyFile, 'utf8');
    for (const n of readdirSync(cache)) expect(statSync(join(cache, n)).mode & 0o777, n).toBe(0o600);

    const r = await stepgate(['credential', ...common()], { KUBERNETES_EXEC_INFO: EXEC_INFO });
    expect(r.code, r.stderr).toBe(0);
    const cred = JSON.parse(r.stdout) as { apiVersion: string; kind: string; status: { token: string; expirationTimestamp: string; clientCertificateData: string; clientKeyData: string } };
    expect(Object.keys(cred.status).sort()).toEqual(['clientCertificateData', 'clientKeyData', 'expirationTimestamp', 'token']);
    expect(cred.status.clientKeyData).toBe(keyPem);
    const cert = new X509Certificate(cred.status.clientCertificateData);
    expect(cert.verify(new X509Certificate(ca.certPem).publicKey)).toBe(true);
    expect(cert.publicKey.export({ format: 'der', type: 'spki' }).equals(createPublicKey(keyPem).export({ format: 'der', type: 'spki' }))).toBe(true);
    const uri = parseDeviceUri(/URI:(\S+)/.exec(cert.subjectAltName ?? '')![1]!);
    const sub = JSON.parse(Buffer.from(cred.status.token.split('.')[1]!, 'base64url').toString()) as { sub: string; iss: string };
    expect(uri).toMatchObject({ issuer: sub.iss, subject: sub.sub });
    // The credential expires with the first of the token and the certificate.
    expect(Date.parse(cred.status.expirationTimestamp)).toBeLessThanOrEqual(Date.parse(cert.validTo));

    // What went to stepgate: one enrolment with a CSR, never the private key.
    expect(sent.map((s) => s.split('\n')[0])).toEqual(['POST /.stepgate/v1/device-certificate']);
    const keyBody = keyPem.replace(/-----[^-]+-----|\s/g, '');
    for (const s of sent) {
      expect(s).not.toContain('PRIVATE KEY');
      expect(s).not.toContain(keyBody.slice(0, 40));
    }
  }, 120_000);

  it('without the flag, the same cache answers with the token alone', async () => {
    const r = await stepgate(['credential', ...common().filter((a) => a !== '--device-certificate')], { KUBERNETES_EXEC_INFO: EXEC_INFO });
    expect(r.code, r.stderr).toBe(0);
    expect(Object.keys((JSON.parse(r.stdout) as { status: object }).status).sort()).toEqual(['expirationTimestamp', 'token']);
  }, 60_000);

  it('a second sign-in keeps the machine key and the certificate while it is young', async () => {
    const keyBefore = readFileSync(join(dir, 'cache', 'stepgate', 'device-key.pem'), 'utf8');
    const before = sent.length;
    const login = await stepgate(['login', '--level=aal2', ...common()]);
    expect(login.code, login.stderr).toBe(0);
    expect(readFileSync(join(dir, 'cache', 'stepgate', 'device-key.pem'), 'utf8')).toBe(keyBefore);
    expect(sent.length).toBe(before);
  }, 120_000);
});
