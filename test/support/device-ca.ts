import { execFileSync } from 'node:child_process';
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A device CA made by the openssl CLI in a fresh directory: its certificate and key files. */
export interface TestDeviceCa {
  dir: string;
  certFile: string;
  keyFile: string;
  certPem: string;
}

/** `days`: its validity from now (a replayed day on a virtual clock months ahead needs a CA that lasts until then). */
export function makeDeviceCa(name = 'stepgate test device CA', days = 30): TestDeviceCa {
  const dir = mkdtempSync(join(tmpdir(), 'stepgate-device-ca-'));
  const certFile = join(dir, 'ca.crt');
  const keyFile = join(dir, 'ca.key');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', certFile, '-subj', `/O=stepgate tests/CN=${name}`, '-days', String(days), '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign'], { stdio: 'ignore' });
  return { dir, certFile, keyFile, certPem: readFileSync(certFile, 'utf8') };
}

/**
 * The `device_certificates` section for `ca` as the enrolment tests configure it: aal2 signed in
 * within five minutes, a day's certificate, at most `rateLimitMax` an hour to one subject.
 */
export function deviceCertificatesYaml(ca: TestDeviceCa, rateLimitMax = 3): string {
  return `device_certificates:
  ca_certificate_file: ${ca.certFile}
  ca_key_file: ${ca.keyFile}
  min_level: aal2
  max_auth_age_seconds: 300
  lifetime_seconds: 86400
  rate_limit: { max: ${rateLimitMax}, window_seconds: 3600 }
`;
}

/**
 * A certificate signing request from the openssl CLI for a fresh key: `newkey` as openssl takes it
 * (`ec -pkeyopt ec_paramgen_curve:prime256v1`, `rsa:2048`), the subject as `-subj` takes it.
 */
export function opensslCsr(subj: string, newkey: string[] = ['ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'], extra: string[] = []): { csr: string; key: KeyObject } {
  const dir = mkdtempSync(join(tmpdir(), 'stepgate-csr-'));
  const keyFile = join(dir, 'k.pem');
  const csr = execFileSync('openssl', ['req', '-new', '-newkey', ...newkey, '-nodes', '-keyout', keyFile, '-subj', subj, ...extra], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return { csr, key: createPrivateKey(readFileSync(keyFile, 'utf8')) };
}
