import { Buffer } from 'node:buffer';
import { createHash, createPublicKey, verify } from 'node:crypto';
import type { EnrolRefusal } from './codes.js';
import { asn1Schemas } from '../core/asn1.js';
import { pemBlock } from './asn1.js';

/** A P-256 PKCS#10 request is ~500 bytes of PEM; this leaves room for a long subject and nothing more. */
export const MAX_CSR_BYTES = 2048;

const ECDSA_SHA256 = '1.2.840.10045.4.3.2';
const COMMON_NAME = '2.5.4.3';

export type CsrRead = { ok: true; spki: Buffer; deviceId: string } | { ok: false; code: EnrolRefusal; detail: string };

/**
 * The key a certificate signing request carries, once it is shown to be what stepgate issues for:
 * an EC P-256 key that signed the request itself (proof the caller holds the private key, which
 * never leaves its machine), with ECDSA and SHA-256, naming at most the token's own subject as its
 * common name and asking for no names or extensions (stepgate writes every name itself, from the
 * verified token). The device id is a hash of the key: the same machine key, the same device.
 */
export function readCsr(pem: string, subject: string): CsrRead {
  if (Buffer.byteLength(pem) > MAX_CSR_BYTES) return { ok: false, code: 'device_csr_too_large', detail: `over ${MAX_CSR_BYTES} bytes` };
  const der = pemBlock(pem, 'CERTIFICATE REQUEST');
  if (der === undefined) return { ok: false, code: 'device_csr_malformed', detail: 'no CERTIFICATE REQUEST PEM block' };
  const a = asn1Schemas();
  let csr: InstanceType<Asn1['CertificationRequest']>;
  try {
    csr = a.AsnConvert.parse(der, a.CertificationRequest);
  } catch (err) {
    return { ok: false, code: 'device_csr_malformed', detail: `not DER PKCS#10 (${(err as Error).message})` };
  }
  const info = csr.certificationRequestInfo;
  const spki = Buffer.from(a.AsnConvert.serialize(info.subjectPKInfo));
  let key: ReturnType<typeof createPublicKey>;
  try {
    key = createPublicKey({ key: spki, format: 'der', type: 'spki' });
  } catch {
    return { ok: false, code: 'device_key_unsupported', detail: 'the public key does not parse' };
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    return { ok: false, code: 'device_key_unsupported', detail: `a ${key.asymmetricKeyType ?? 'unknown'}${key.asymmetricKeyDetails?.namedCurve ? ` ${key.asymmetricKeyDetails.namedCurve}` : ''} key` };
  }
  if (csr.signatureAlgorithm.algorithm !== ECDSA_SHA256) {
    return { ok: false, code: 'device_key_unsupported', detail: `signed with ${csr.signatureAlgorithm.algorithm}, not ecdsa-with-SHA256` };
  }
  const signed = csr.certificationRequestInfoRaw;
  let good: boolean;
  try {
    good = signed !== undefined && verify('sha256', Buffer.from(signed), { key, dsaEncoding: 'der' }, Buffer.from(csr.signature));
  } catch {
    good = false;
  }
  if (!good) return { ok: false, code: 'device_csr_signature_invalid', detail: 'the signature does not verify with the key in the request' };
  if (info.attributes.length > 0) return { ok: false, code: 'device_csr_subject_mismatch', detail: 'the request asks for attributes (names or extensions)' };
  for (const rdn of info.subject) {
    for (const atv of rdn) {
      if (atv.type !== COMMON_NAME) return { ok: false, code: 'device_csr_subject_mismatch', detail: `the request names ${atv.type} in its subject` };
      if (atv.value.toString() !== subject) return { ok: false, code: 'device_csr_subject_mismatch', detail: "the request's common name is not the token's subject" };
    }
  }
  return { ok: true, spki, deviceId: createHash('sha256').update(spki).digest('base64url').slice(0, 32) };
}

type Asn1 = ReturnType<typeof asn1Schemas>;
