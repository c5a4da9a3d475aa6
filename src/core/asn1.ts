import { createRequire } from 'node:module';

/** @peculiar's ASN.1 codec with its PKCS#10 and X.509 schemas, as one object. */
export type Asn1 = typeof import('@peculiar/asn1-csr') & typeof import('@peculiar/asn1-schema') & typeof import('@peculiar/asn1-x509');

let asn1: Asn1 | undefined;

/**
 * The ASN.1 schemas, loaded at their first use and not before: they are ~4 MB of heap and ~50 ms
 * of start-up that a server without `device_certificates` which never sees a CertificateRequest,
 * or a plugin answering from its cache, would carry for nothing. Their CommonJS builds load
 * synchronously, as the certificate request readers and writers run.
 */
export function asn1Schemas(): Asn1 {
  if (asn1 === undefined) {
    const load = createRequire(import.meta.url);
    asn1 = { ...(load('@peculiar/asn1-csr') as object), ...(load('@peculiar/asn1-schema') as object), ...(load('@peculiar/asn1-x509') as object) } as Asn1;
  }
  return asn1;
}
