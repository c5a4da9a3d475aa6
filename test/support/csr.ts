import { execFileSync } from 'node:child_process';

/**
 * A PEM certificate signing request made by the openssl CLI (a real PKCS#10 encoder, as cmctl's Go
 * one is), for the subject common name `cn` (none when undefined) and the subjectAltName names: DNS
 * names, and names written as openssl takes them (`URI:spiffe://…`, `IP:10.96.0.1`).
 * Memoised: each takes a key generation.
 */
export function csrPem(cn: string | undefined, dnsNames: readonly string[] = []): string {
  const key = `${cn ?? ''}|${dnsNames.join(',')}`;
  let pem = made.get(key);
  if (pem === undefined) {
    const args = ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', '/dev/null', '-subj', cn === undefined ? '/O=stepgate tests' : `/O=stepgate tests/CN=${cn}`];
    if (dnsNames.length > 0) args.push('-addext', `subjectAltName=${dnsNames.map((n) => (/^(URI|IP):/.test(n) ? n : `DNS:${n}`)).join(',')}`);
    pem = execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    made.set(key, pem);
  }
  return pem;
}

const made = new Map<string, string>();

/** `spec.request` as a CertificateRequest carries the PEM: base64, as JSON carries a `[]byte`. */
export const csrRequest = (cn: string | undefined, dnsNames: readonly string[] = []): string => Buffer.from(csrPem(cn, dnsNames)).toString('base64');
