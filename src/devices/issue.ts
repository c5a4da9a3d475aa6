import { Buffer } from 'node:buffer';
import { createHash, randomBytes, sign } from 'node:crypto';
import type { DeviceCa } from './ca.js';
import { asn1Schemas } from '../core/asn1.js';
import { toPem } from './asn1.js';

export interface CertificateOrder {
  /** The device key's SubjectPublicKeyInfo, DER, from a checked request. */
  spki: Buffer;
  /** The URI SAN (core/device-uri.ts). */
  uri: string;
  deviceId: string;
  notBeforeMs: number;
  notAfterMs: number;
}

const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const ORGANIZATION = '2.5.4.10';
const COMMON_NAME = '2.5.4.3';

/**
 * An X.509 v3 client certificate for a device key, signed by the device CA: the URI SAN names the
 * device and the sign-in's issuer and subject; clientAuth only, never a CA; key identifiers so a
 * gateway with several CAs in its bundle finds the right one. Returns PEM.
 */
export function issueCertificate(ca: DeviceCa, o: CertificateOrder): string {
  const a = asn1Schemas();
  const ext = (extnID: string, critical: boolean, value: unknown) =>
    new a.Extension({ extnID, critical, extnValue: new a.OctetString(a.AsnConvert.serialize(value)) });
  const serial = randomBytes(16);
  // Positive and minimal: the top bit clear, the next set, so DER needs no leading zero.
  serial[0] = (serial[0]! & 0x3f) | 0x40;
  const algorithm = new a.AlgorithmIdentifier({ algorithm: ca.signature.oid, ...(ca.signature.params === 'null' ? { parameters: null } : {}) });
  const spki = a.AsnConvert.parse(o.spki, a.SubjectPublicKeyInfo);
  const tbs = new a.TBSCertificate({
    version: a.Version.v3,
    serialNumber: serial.buffer.slice(serial.byteOffset, serial.byteOffset + serial.byteLength),
    signature: algorithm,
    issuer: a.AsnConvert.parse(ca.subjectDer, a.Name),
    validity: new a.Validity({ notBefore: new Date(o.notBeforeMs), notAfter: new Date(o.notAfterMs) }),
    subject: new a.Name([
      new a.RelativeDistinguishedName([new a.AttributeTypeAndValue({ type: ORGANIZATION, value: new a.AttributeValue({ utf8String: 'stepgate device' }) })]),
      new a.RelativeDistinguishedName([new a.AttributeTypeAndValue({ type: COMMON_NAME, value: new a.AttributeValue({ utf8String: o.deviceId }) })]),
    ]),
    subjectPublicKeyInfo: spki,
    extensions: new a.Extensions([
      ext(a.id_ce_basicConstraints, true, new a.BasicConstraints({ cA: false })),
      ext(a.id_ce_keyUsage, true, new a.KeyUsage(a.KeyUsageFlags.digitalSignature)),
      ext(a.id_ce_extKeyUsage, false, new a.ExtendedKeyUsage([CLIENT_AUTH])),
      ext(a.id_ce_subjectAltName, false, new a.SubjectAlternativeName([new a.GeneralName({ uniformResourceIdentifier: o.uri })])),
      ext(a.id_ce_subjectKeyIdentifier, false, new a.SubjectKeyIdentifier(createHash('sha1').update(Buffer.from(spki.subjectPublicKey)).digest())),
      ext(a.id_ce_authorityKeyIdentifier, false, new a.AuthorityKeyIdentifier({ keyIdentifier: new a.KeyIdentifier(ca.keyId) })),
    ]),
  });
  const tbsDer = Buffer.from(a.AsnConvert.serialize(tbs));
  const signature = sign(ca.signature.hash, tbsDer, ca.key);
  const cert = new a.Certificate({ tbsCertificate: tbs, signatureAlgorithm: algorithm, signatureValue: signature.buffer.slice(signature.byteOffset, signature.byteOffset + signature.byteLength) });
  return toPem(a.AsnConvert.serialize(cert), 'CERTIFICATE');
}
