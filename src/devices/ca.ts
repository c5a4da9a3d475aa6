import { Buffer } from 'node:buffer';
import { createHash, createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { StartupError } from '../config/load.js';
import type { DeviceCertificatesConfig } from '../config/schema.js';
import { asn1Schemas } from '../core/asn1.js';
import { pemBlock } from './asn1.js';

/** The device CA, read once at start: what issuing a certificate needs of it. */
export interface DeviceCa {
  /** The CA certificate's PEM, returned beside each issued certificate. */
  certificatePem: string;
  /** The CA certificate's subject, DER: the issued certificates' issuer. */
  subjectDer: ArrayBuffer;
  /** The CA's key identifier (its subjectKeyIdentifier, else a SHA-1 of its key): authorityKeyIdentifier. */
  keyId: Buffer;
  /** When the CA certificate expires, ms: no certificate is issued to outlive it. */
  notAfterMs: number;
  key: KeyObject;
  /** The signature algorithm for this key: its OID and the hash node:crypto signs with (null: Ed25519). */
  signature: { oid: string; hash: string | null; params: 'null' | 'absent' };
}

const ECDSA_SHA256 = '1.2.840.10045.4.3.2';
const ECDSA_SHA384 = '1.2.840.10045.4.3.3';
const RSA_SHA256 = '1.2.840.113549.1.1.11';
const ED25519 = '1.3.101.112';

/**
 * Reads `device_certificates.ca_certificate_file` and `ca_key_file`. Every failure is a
 * StartupError naming the field and the file: a replica that cannot issue must not start and then
 * answer every plugin with an internal error.
 */
export function loadDeviceCa(cfg: DeviceCertificatesConfig, read: (path: string) => string = (p) => readFileSync(p, 'utf8')): DeviceCa {
  const certPath = cfg.ca_certificate_file;
  const keyPath = cfg.ca_key_file;
  const fail = (field: string, path: string, why: string) => new StartupError(`device_certificates.${field}: ${path}: ${why}`);
  let certText: string;
  try {
    certText = read(certPath);
  } catch (err) {
    throw fail('ca_certificate_file', certPath, `cannot be read (${(err as Error).message})`);
  }
  let keyText: string;
  try {
    keyText = read(keyPath);
  } catch (err) {
    throw fail('ca_key_file', keyPath, `cannot be read (${(err as Error).message})`);
  }
  const der = pemBlock(certText, 'CERTIFICATE');
  let x509: X509Certificate;
  try {
    if (der === undefined) throw new Error('no CERTIFICATE PEM block');
    x509 = new X509Certificate(der);
  } catch (err) {
    throw fail('ca_certificate_file', certPath, `is not a PEM certificate (${(err as Error).message})`);
  }
  if (!x509.ca) throw fail('ca_certificate_file', certPath, 'is not a CA certificate (basicConstraints CA:TRUE)');
  let key: KeyObject;
  try {
    key = createPrivateKey(keyText);
  } catch (err) {
    throw fail('ca_key_file', keyPath, `is not a PEM private key (${(err as Error).message})`);
  }
  if (!x509.checkPrivateKey(key)) throw fail('ca_key_file', keyPath, `is not the key of the certificate in ${certPath}`);
  const signature = signatureFor(key);
  if (signature === undefined) throw fail('ca_key_file', keyPath, 'must be an EC P-256 or P-384, RSA or Ed25519 key');
  const a = asn1Schemas();
  const cert = a.AsnConvert.parse(der!, a.Certificate);
  const ski = cert.tbsCertificate.extensions?.find((e) => e.extnID === a.id_ce_subjectKeyIdentifier);
  const keyId = ski
    ? Buffer.from(a.AsnConvert.parse(ski.extnValue.buffer, a.SubjectKeyIdentifier).buffer)
    : createHash('sha1').update(Buffer.from(cert.tbsCertificate.subjectPublicKeyInfo.subjectPublicKey)).digest();
  return {
    certificatePem: x509.toString(),
    subjectDer: a.AsnConvert.serialize(cert.tbsCertificate.subject),
    keyId,
    notAfterMs: Date.parse(x509.validTo),
    key,
    signature,
  };
}

function signatureFor(key: KeyObject): DeviceCa['signature'] | undefined {
  const d = key.asymmetricKeyDetails;
  switch (key.asymmetricKeyType) {
    case 'ec':
      if (d?.namedCurve === 'prime256v1') return { oid: ECDSA_SHA256, hash: 'sha256', params: 'absent' };
      if (d?.namedCurve === 'secp384r1') return { oid: ECDSA_SHA384, hash: 'sha384', params: 'absent' };
      return undefined;
    case 'rsa':
      return (d?.modulusLength ?? 0) >= 2048 ? { oid: RSA_SHA256, hash: 'sha256', params: 'null' } : undefined;
    case 'ed25519':
      return { oid: ED25519, hash: null, params: 'absent' };
    default:
      return undefined;
  }
}
