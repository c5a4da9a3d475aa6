import { hash, X509Certificate } from 'node:crypto';
import { LRUCache } from 'lru-cache';

/**
 * RFC 8705 §3.1's thumbprint of the client certificate Envoy verified: base64url SHA-256 of its
 * DER. Envoy reports the certificate as URL-encoded PEM (`source.certificate`, with the filter's
 * `include_peer_certificate`). A client presents the same certificate on every request of its
 * connection and every connection after, so each distinct certificate is parsed and hashed once:
 * a request then costs one lookup of the string Envoy sent.
 */
export class CertificateThumbprints {
  /** '' for a certificate that could not be read. */
  private readonly seen = new LRUCache<string, string>({ max: 1024 });

  /** The thumbprint, or undefined when `encoded` is no readable certificate. */
  of(encoded: string): string | undefined {
    let t = this.seen.get(encoded);
    if (t === undefined) {
      t = thumbprint(encoded) ?? '';
      // A huge value is not kept: it would only make the cache big; it is refused every time anyway.
      if (encoded.length <= MAX_CERTIFICATE_CHARS) this.seen.set(encoded, t);
    }
    return t === '' ? undefined : t;
  }
}

/** Far above any client certificate (a few KB); a larger value is parsed but never cached. */
const MAX_CERTIFICATE_CHARS = 32 * 1024;

export function thumbprint(encoded: string): string | undefined {
  if (encoded.length > 4 * MAX_CERTIFICATE_CHARS) return undefined;
  let pem: string;
  try {
    pem = decodeURIComponent(encoded);
  } catch {
    return undefined;
  }
  try {
    // Parsed, not only base64-decoded: what is hashed is a certificate, the first in the PEM.
    return hash('sha256', new X509Certificate(pem).raw, 'base64url');
  } catch {
    return undefined;
  }
}
