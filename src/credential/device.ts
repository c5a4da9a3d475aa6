import { Buffer } from 'node:buffer';
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';
import type { DeviceCertificate, TokenCache } from './cache.cjs';
import { readableLine } from '../core/readable.js';
import { requestStepgate } from './stepgate-request.js';

/**
 * `--device-certificate` (issue 12, item 5): the machine's EC P-256 key and the certificate
 * stepgate signs for it. The key is made once per cache directory (0600, never rewritten) and
 * never leaves this machine: stepgate gets a CSR, which only proves the plugin holds it. Node has
 * no non-exportable keys, so "as far as Node allows" is a file only its owner can read, beside the
 * tokens it protects as well. Enrolment follows a sign-in (a fresh one: stepgate issues only to a
 * token with a recent auth_time at its configured level), when there is no certificate yet or the
 * one there is in its last third; a refusal is one line on stderr, never a failed credential.
 */

export const DEVICE_CERTIFICATE_PATH = '/.stepgate/v1/device-certificate';

export interface EnrolOptions {
  cache: TokenCache;
  issuer: string;
  clientId: string;
  /** stepgate's base URL (`--stepgate`, else the cluster's server). */
  base: string | undefined;
  /** The cluster's CA bundle, when stepgate is reached through the API server's address. */
  ca: Buffer | undefined;
  idToken: string;
  /** Seconds since the epoch. */
  now: number;
  stderr: (line: string) => void;
  timeoutMs?: number;
}

/** Whether the cached certificate is missing, or past two thirds of its life. */
export function needsEnrolment(c: DeviceCertificate | undefined, now: number): boolean {
  if (c === undefined) return true;
  return now >= c.obtained_at + ((c.not_after - c.obtained_at) * 2) / 3;
}

export async function enrolDevice(o: EnrolOptions): Promise<void> {
  if (!needsEnrolment(o.cache.deviceCertificate(o.issuer, o.clientId), o.now)) return;
  if (!o.base) {
    o.stderr('stepgate: no device certificate: no stepgate URL (--stepgate, or provideClusterInfo: true)');
    return;
  }
  const pem = o.cache.deviceKey() ?? o.cache.createDeviceKey(newKeyPem());
  if (pem === undefined) {
    o.stderr('stepgate: no device certificate: the device key in the cache directory is readable by others; run chmod go= on it');
    return;
  }
  const key = createPrivateKey(pem);
  const answer = await requestStepgate(`${o.base.replace(/\/+$/, '')}${DEVICE_CERTIFICATE_PATH}`, { method: 'POST', token: o.idToken, body: JSON.stringify({ csr: csrPem(key) }), ca: o.ca, timeoutMs: o.timeoutMs ?? 10_000 });
  if (answer.kind === 'error') {
    o.stderr(`stepgate: no device certificate: ${answer.message}`);
    return;
  }
  let body: { certificate?: unknown; device_id?: unknown; not_after?: unknown; reason?: unknown };
  try {
    const parsed = JSON.parse(answer.text) as unknown;
    body = typeof parsed === 'object' && parsed !== null ? (parsed as typeof body) : {};
  } catch {
    o.stderr(`stepgate: no device certificate: stepgate answered HTTP ${answer.status} without JSON`);
    return;
  }
  if (answer.status !== 200) {
    const why = typeof body.reason === 'string' ? readableLine(body.reason) : `HTTP ${answer.status}`;
    o.stderr(`stepgate: no device certificate: stepgate refused (${why})`);
    return;
  }
  if (typeof body.certificate !== 'string' || typeof body.device_id !== 'string' || typeof body.not_after !== 'string') {
    o.stderr('stepgate: no device certificate: stepgate sent a malformed answer');
    return;
  }
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(body.certificate);
  } catch {
    o.stderr('stepgate: no device certificate: stepgate sent a malformed certificate');
    return;
  }
  // A certificate for another key would be useless to present (and one an attacker on the path
  // would like us to cache): only this machine's key is accepted.
  const ours = createPublicKey(key).export({ format: 'der', type: 'spki' });
  if (!cert.publicKey.export({ format: 'der', type: 'spki' }).equals(ours)) {
    o.stderr('stepgate: no device certificate: stepgate sent a certificate for another key');
    return;
  }
  const notAfter = Math.floor(Date.parse(cert.validTo) / 1000);
  o.cache.putDeviceCertificate({ issuer: o.issuer, client_id: o.clientId, certificate: cert.toString(), device_id: body.device_id, not_after: notAfter, obtained_at: o.now });
  o.stderr(`stepgate: this machine's device certificate is valid until ${new Date(notAfter * 1000).toISOString()}`);
}

function newKeyPem(): string {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
}

type Asn1 = typeof import('@peculiar/asn1-csr') & typeof import('@peculiar/asn1-schema') & typeof import('@peculiar/asn1-x509');

/**
 * A PKCS#10 request for `key` with an empty subject and no attributes (stepgate writes every name
 * from the verified token), signed with ECDSA-SHA256 by the key itself. The ASN.1 schemas are
 * loaded here only: the cached path never pays for them.
 */
export function csrPem(key: KeyObject): string {
  const load = createRequire(import.meta.url);
  const a = { ...(load('@peculiar/asn1-csr') as object), ...(load('@peculiar/asn1-schema') as object), ...(load('@peculiar/asn1-x509') as object) } as Asn1;
  const spki = createPublicKey(key).export({ format: 'der', type: 'spki' });
  const info = new a.CertificationRequestInfo({ version: 0, subject: new a.Name(), subjectPKInfo: a.AsnConvert.parse(spki, a.SubjectPublicKeyInfo), attributes: new a.Attributes() });
  const der = Buffer.from(a.AsnConvert.serialize(info));
  const sig = sign('sha256', der, { key, dsaEncoding: 'der' });
  const csr = new a.CertificationRequest({
    certificationRequestInfo: info,
    signatureAlgorithm: new a.AlgorithmIdentifier({ algorithm: '1.2.840.10045.4.3.2' }),
    signature: sig.buffer.slice(sig.byteOffset, sig.byteOffset + sig.byteLength),
  });
  const b64 = Buffer.from(a.AsnConvert.serialize(csr)).toString('base64');
  return `-----BEGIN CERTIFICATE REQUEST-----\n${b64.replace(/.{1,64}/g, '$&\n')}-----END CERTIFICATE REQUEST-----\n`;
}
