import { X509Certificate } from 'node:crypto';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { parseDeviceUri } from '../../src/core/device-uri.js';
import { startService, type Service } from '../../src/main.js';
import { createLogger } from '../../src/telemetry/log.js';
import { deviceCertificatesYaml, makeDeviceCa, opensslCsr, type TestDeviceCa } from '../support/device-ca.js';
import { TestIssuer } from '../support/issuer.js';
import { CLIENT_ID, freePort, http, stepupConfigYaml, stepupEnv } from '../support/stepup.js';

/**
 * POST /.stepgate/v1/device-certificate through the real step-up listener: a real device CA made
 * by openssl, CSRs made by openssl, tokens signed by a test issuer, the clock injected. Every
 * refusal the brief names has its row, and each is an audit record.
 */

let issuer: TestIssuer;
let ca: TestDeviceCa;
let service: Service;
let port = 0;
let now = Date.now();
const logs: Record<string, unknown>[] = [];
const SUB = 'alice@example.com';
/** An automation identity of the same issuer: a pipeline's token, signed in as strongly as a person. */
const ROBOT = 'deploy-bot@example.com';

function yaml(httpPort: number, c: TestDeviceCa, extra = ''): string {
  return `${stepupConfigYaml({ idp: issuer.url, httpPort, patientKeys: true })}
${deviceCertificatesYaml(c)}automation:
  subjects: [${ROBOT}]
${extra}`;
}

const tokenAt = (level: 'aal1' | 'aal2', age: number, claims: Record<string, unknown> = {}) => {
  const s = Math.floor(now / 1000);
  return issuer.token({ aud: CLIENT_ID, sub: SUB, acr: `urn:stepgate:${level}`, amr: level === 'aal2' ? ['pwd', 'mfa'] : ['pwd'], auth_time: s - age, iat: s - age, exp: s + 600, ...claims });
};

function enrol(token: string | undefined, body: unknown, contentType = 'application/json') {
  return http(`http://127.0.0.1:${port}/.stepgate/v1/device-certificate`, {
    method: 'POST',
    headers: { 'content-type': contentType, ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

const reason = (r: { body: string }) => (JSON.parse(r.body) as { reason: string }).reason;

beforeAll(async () => {
  issuer = await TestIssuer.start();
  ca = makeDeviceCa();
  port = await freePort();
  const log = createLogger('info', { write: (s: string) => void logs.push(JSON.parse(s) as Record<string, unknown>) });
  service = await startService(parseConfig(yaml(port, ca), 'device.yaml'), { ...stepupEnv(), STEPGATE_METRICS_LISTEN: '127.0.0.1:0' }, log, { now: () => now });
}, 60_000);

afterAll(async () => {
  await service?.stop();
  await issuer?.close();
  rmSync(ca.dir, { recursive: true, force: true });
});

describe('enrolment', () => {
  it('issues a client certificate signed by the device CA, naming the issuer, subject and device', async () => {
    now = Date.now();
    const { csr } = opensslCsr(`/CN=${SUB}`);
    const r = await enrol(await tokenAt('aal2', 60), { csr });
    expect(r.status, r.body).toBe(200);
    const got = JSON.parse(r.body) as { certificate: string; ca: string; device_id: string; not_after: string };
    const cert = new X509Certificate(got.certificate);
    expect(cert.verify(new X509Certificate(ca.certPem).publicKey)).toBe(true);
    expect(cert.checkIssued(new X509Certificate(got.ca))).toBe(true);
    expect(cert.ca).toBe(false);
    const uri = /URI:(\S+)/.exec(cert.subjectAltName ?? '')![1]!;
    expect(parseDeviceUri(uri)).toEqual({ deviceId: got.device_id, issuer: issuer.url, subject: SUB });
    expect(Date.parse(cert.validTo)).toBe(Math.floor((now + 86_400_000) / 1000) * 1000);
    expect(cert.keyUsage ?? []).toContain('1.3.6.1.5.5.7.3.2');
    const audit = logs.find((l) => l.event === 'device.certificate' && l.outcome === 'issued');
    expect(audit).toMatchObject({ audit: true, subject: SUB, issuer: issuer.url, device_id: got.device_id, not_after: got.not_after });
    expect(JSON.stringify(audit)).not.toContain('BEGIN');
  });

  it('gives one machine key the same device id on renewal, in a new certificate', async () => {
    now = Date.now();
    const { csr } = opensslCsr(`/CN=${SUB}`);
    const first = JSON.parse((await enrol(await tokenAt('aal2', 60), { csr })).body) as { certificate: string; device_id: string };
    now += 3_600_000;
    const again = JSON.parse((await enrol(await tokenAt('aal2', 60), { csr })).body) as { certificate: string; device_id: string };
    expect(again.device_id).toBe(first.device_id);
    expect(new X509Certificate(again.certificate).serialNumber).not.toBe(new X509Certificate(first.certificate).serialNumber);
    expect(Date.parse(new X509Certificate(again.certificate).validTo)).toBeGreaterThan(Date.parse(new X509Certificate(first.certificate).validTo));
  });
});

describe('refusals', () => {
  const cases: [string, () => Promise<{ status: number; body: string }>, number, string][] = [
    ['no token', async () => enrol(undefined, { csr: opensslCsr(`/CN=${SUB}`).csr }), 401, 'token_missing'],
    ['an expired token', async () => enrol(await tokenAt('aal2', 60, { exp: Math.floor(now / 1000) - 120 }), { csr: opensslCsr(`/CN=${SUB}`).csr }), 401, 'token_expired'],
    ['a level too low', async () => enrol(await tokenAt('aal1', 60), { csr: opensslCsr(`/CN=${SUB}`).csr }), 403, 'device_level_insufficient'],
    ['a stale auth_time', async () => enrol(await tokenAt('aal2', 301), { csr: opensslCsr(`/CN=${SUB}`).csr }), 403, 'device_auth_too_old'],
    ['no auth_time', async () => enrol(await tokenAt('aal2', 60, { auth_time: undefined }), { csr: opensslCsr(`/CN=${SUB}`).csr }), 403, 'device_auth_time_missing'],
    ['a forged CSR signature', async () => enrol(await tokenAt('aal2', 60), { csr: forged(opensslCsr(`/CN=${SUB}`).csr) }), 400, 'device_csr_signature_invalid'],
    ['a CSR for another subject', async () => enrol(await tokenAt('aal2', 60), { csr: opensslCsr('/CN=bob@example.com').csr }), 400, 'device_csr_subject_mismatch'],
    ['a CSR asking for names', async () => enrol(await tokenAt('aal2', 60), { csr: opensslCsr(`/CN=${SUB}`, undefined, ['-addext', 'subjectAltName=URI:stepgate://device/x?iss=a&sub=b']).csr }), 400, 'device_csr_subject_mismatch'],
    ['an RSA key', async () => enrol(await tokenAt('aal2', 60), { csr: opensslCsr(`/CN=${SUB}`, ['rsa:2048']).csr }), 400, 'device_key_unsupported'],
    ['a P-384 key', async () => enrol(await tokenAt('aal2', 60), { csr: opensslCsr(`/CN=${SUB}`, ['ec', '-pkeyopt', 'ec_paramgen_curve:secp384r1']).csr }), 400, 'device_key_unsupported'],
    ['an oversized CSR', async () => enrol(await tokenAt('aal2', 60), { csr: `-----BEGIN CERTIFICATE REQUEST-----\n${'A'.repeat(2400)}\n-----END CERTIFICATE REQUEST-----\n` }), 413, 'device_csr_too_large'],
    ['an oversized body', async () => enrol(await tokenAt('aal2', 60), { csr: 'A'.repeat(100_000) }), 413, 'device_csr_too_large'],
    ['no PEM', async () => enrol(await tokenAt('aal2', 60), { csr: 'hello' }), 400, 'device_csr_malformed'],
    ['not JSON', async () => enrol(await tokenAt('aal2', 60), opensslCsr(`/CN=${SUB}`).csr, 'application/pkcs10'), 400, 'device_request_invalid'],
    // A pipeline's token meets every other condition (level, fresh auth_time, its own subject in
    // the CSR): only being automation refuses it.
    ['an automation identity', async () => enrol(await tokenAt('aal2', 60, { sub: ROBOT }), { csr: opensslCsr(`/CN=${ROBOT}`).csr }), 403, 'device_automation'],
    // Session 45: a sender-constrained token verifies now, its proof judged per request on the
    // Check; this endpoint reads no proof, so a copy of such a token (every other condition met)
    // must not turn into a device certificate, the strongest device evidence there is.
    ['a DPoP-bound token (cnf.jkt), whose proof this endpoint cannot check', async () => enrol(await tokenAt('aal2', 60, { cnf: { jkt: '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I' } }), { csr: opensslCsr(`/CN=${SUB}`).csr }), 401, 'dpop_proof_missing'],
    ['a certificate-bound token (cnf x5t#S256)', async () => enrol(await tokenAt('aal2', 60, { cnf: { 'x5t#S256': 'bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2' } }), { csr: opensslCsr(`/CN=${SUB}`).csr }), 401, 'certificate_binding_missing'],
  ];
  it.each(cases)('refuses %s', async (_what, send, status, code) => {
    now = Date.now();
    const r = await send();
    expect(r.status, r.body).toBe(status);
    expect(reason(r)).toBe(code);
    expect(r.body).not.toContain('BEGIN CERTIFICATE');
  });

  it('audits every refusal of a verified caller with its code', () => {
    const codes = new Set(logs.filter((l) => l.event === 'device.certificate' && l.outcome === 'refused').map((l) => l.code));
    for (const c of ['device_automation', 'device_level_insufficient', 'device_auth_too_old', 'device_csr_signature_invalid', 'device_csr_subject_mismatch', 'device_key_unsupported', 'device_csr_too_large']) expect(codes).toContain(c);
  });

  it('limits issues per subject', async () => {
    now = Date.now();
    const sub = 'busy@example.com';
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await enrol(await tokenAt('aal2', 60, { sub }), { csr: opensslCsr(`/CN=${sub}`).csr });
      statuses.push(r.status);
      if (i === 3) expect(reason(r)).toBe('device_rate_limited');
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    // Another subject is not held back by this one's limit.
    expect((await enrol(await tokenAt('aal2', 60), { csr: opensslCsr(`/CN=${SUB}`).csr })).status).toBe(200);
  });
});

describe('stepgate_device_certificates_total', () => {
  const scrape = async () => (await fetch(`http://127.0.0.1:${service.telemetry.metricsPort}/metrics`)).text();
  const value = (text: string, outcome: string, code: string) => {
    const line = text.split('\n').find((l) => l.startsWith(`stepgate_device_certificates_total{outcome="${outcome}",code="${code}"}`));
    return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
  };

  it('counts issues and refusals by code, with no subject or device in any label', async () => {
    now = Date.now();
    const before = await scrape();
    const sub = 'counted@example.com';
    expect((await enrol(await tokenAt('aal2', 60, { sub }), { csr: opensslCsr(`/CN=${sub}`).csr })).status).toBe(200);
    expect((await enrol(await tokenAt('aal1', 60, { sub }), { csr: opensslCsr(`/CN=${sub}`).csr })).status).toBe(403);
    expect((await enrol(await tokenAt('aal2', 60, { sub: ROBOT }), { csr: opensslCsr(`/CN=${ROBOT}`).csr })).status).toBe(403);
    expect((await enrol(undefined, { csr: opensslCsr(`/CN=${sub}`).csr })).status).toBe(401);
    const after = await scrape();
    expect(value(after, 'issued', 'none') - value(before, 'issued', 'none')).toBe(1);
    expect(value(after, 'refused', 'device_level_insufficient') - value(before, 'refused', 'device_level_insufficient')).toBe(1);
    expect(value(after, 'refused', 'device_automation') - value(before, 'refused', 'device_automation')).toBe(1);
    expect(value(after, 'refused', 'token_missing') - value(before, 'refused', 'token_missing')).toBe(1);
    const series = after.split('\n').filter((l) => l.startsWith('stepgate_device_certificates_total{'));
    expect(series.length).toBeGreaterThanOrEqual(4);
    for (const l of series) {
      expect(l).toMatch(/^stepgate_device_certificates_total\{outcome="(issued|refused)",code="[a-z_]+"\} \d+$/);
      expect(l).not.toContain('@');
    }
  });
});

describe('configuration', () => {
  it('refuses to start when the CA file is missing, naming the field and the file', async () => {
    const missing = { ...ca, certFile: `${ca.dir}/absent.crt` };
    const p = await freePort();
    await expect(startService(parseConfig(yaml(p, missing), 'device.yaml'), stepupEnv(), createLogger('silent'))).rejects.toThrow(
      new RegExp(`device_certificates\\.ca_certificate_file: ${missing.certFile}: cannot be read`),
    );
  });

  it('refuses to start when the key is not the certificate\'s', async () => {
    const other = makeDeviceCa('another CA');
    const p = await freePort();
    await expect(startService(parseConfig(yaml(p, { ...ca, keyFile: other.keyFile }), 'device.yaml'), stepupEnv(), createLogger('silent'))).rejects.toThrow(/device_certificates\.ca_key_file: .* is not the key of the certificate/);
    rmSync(other.dir, { recursive: true, force: true });
  });

  it('is off by default: the endpoint answers not found', async () => {
    const p = await freePort();
    const off = await startService(parseConfig(stepupConfigYaml({ idp: issuer.url, httpPort: p }), 'off.yaml'), stepupEnv(), createLogger('silent'));
    try {
      const r = await http(`http://127.0.0.1:${p}/.stepgate/v1/device-certificate`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${await tokenAt('aal2', 10)}` }, body: '{}' });
      expect(r.status).toBe(404);
    } finally {
      await off.stop();
    }
  });
});

/** The CSR with one bit of its signature flipped: still DER, no longer the key's signature. */
function forged(pem: string): string {
  const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  der[der.length - 5]! ^= 0x01;
  return `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
}
