import { Buffer } from 'node:buffer';
import { createRequire } from 'node:module';

export type Asn1 = typeof import('@peculiar/asn1-csr') & typeof import('@peculiar/asn1-schema') & typeof import('@peculiar/asn1-x509');

/**
 * The ASN.1 schemas, loaded when a device CA is configured (at start) and not before: a server
 * without `device_certificates` carries none of their heap (as guardrails/rules/csr-names.ts).
 */
let asn1: Asn1 | undefined;
export function asn1Schemas(): Asn1 {
  if (asn1 === undefined) {
    const load = createRequire(import.meta.url);
    asn1 = { ...(load('@peculiar/asn1-csr') as object), ...(load('@peculiar/asn1-schema') as object), ...(load('@peculiar/asn1-x509') as object) } as Asn1;
  }
  return asn1;
}

/** The DER of the first PEM block labelled `label`; undefined when there is none or it is not base64. */
export function pemBlock(pem: string, label: string): Buffer | undefined {
  const begin = `-----BEGIN ${label}-----`;
  const end = `-----END ${label}-----`;
  const a = pem.indexOf(begin);
  if (a < 0) return undefined;
  const b = pem.indexOf(end, a + begin.length);
  if (b < 0) return undefined;
  const body = pem.slice(a + begin.length, b).replace(/\s+/g, '');
  if (body === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(body)) return undefined;
  return Buffer.from(body, 'base64');
}

export function toPem(der: ArrayBuffer | Buffer, label: string): string {
  const b64 = Buffer.from(der as ArrayBuffer).toString('base64');
  return `-----BEGIN ${label}-----\n${b64.replace(/.{1,64}/g, '$&\n')}-----END ${label}-----\n`;
}
