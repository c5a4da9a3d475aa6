import { Buffer } from 'node:buffer';
import { isIP } from 'node:net';
import { asn1Schemas } from '../../core/asn1.js';
import { UNKNOWN_VALUE } from '../parse.js';

/**
 * The names a PKCS#10 certificate signing request asks for, as an issuer signs them: every subject
 * common name and every DNS name and IP address of the subjectAltName in its extension request
 * (an address as ipLiteral writes it). cert-manager's
 * `CertificateRequest` carries one in `spec.request` (a `[]byte`, so base64 in JSON and YAML, of a
 * PEM block); `cmctl create certificaterequest` writes it from a key made on the caller's machine,
 * and cert-manager's approver approves requests for its own issuers by default, so the names in the
 * CSR are what the issuer signs.
 *
 * cert-manager decodes the first PEM block, whatever its type, and Go's x509 parses the DER. What
 * is not read here the same way (no PEM block, DER or an extension that does not parse) is
 * UNKNOWN_VALUE: a request whose names cannot be read claims any name, since this reader may be
 * stricter than Go's and the names are decided by the bytes alone.
 */
export function csrNames(request: unknown): unknown[] {
  return csrRead(request).names;
}

/** The URI names of the request's subjectAltName (a mesh's SPIFFE identity), read as csrNames reads the rest. */
export function csrUris(request: unknown): unknown[] {
  return csrRead(request).uris;
}

interface CsrRead {
  names: unknown[];
  uris: unknown[];
}

const NONE: CsrRead = { names: [], uris: [] };
const UNREAD: CsrRead = { names: [UNKNOWN_VALUE], uris: [UNKNOWN_VALUE] };

/** The last request read: three rules (two host rules, the identity rule) read the same CSR in one inspection. */
let last: { request: string; read: CsrRead } | undefined;

function csrRead(request: unknown): CsrRead {
  if (request === UNKNOWN_VALUE) return UNREAD;
  // No request: cert-manager's webhook refuses the object, so it claims nothing.
  if (typeof request !== 'string' || request === '') return NONE;
  if (last?.request === request) return last.read;
  const read = parseCsr(request);
  last = { request, read };
  return read;
}

function parseCsr(request: string): CsrRead {
  const der = pemBlock(Buffer.from(request, 'base64').toString('latin1'));
  if (der === undefined) return UNREAD;
  try {
    const { AsnConvert, CertificationRequest, Extensions, id_ce_subjectAltName, SubjectAlternativeName } = asn1Schemas();
    const csr = AsnConvert.parse(der, CertificationRequest);
    const info = csr.certificationRequestInfo;
    const names: unknown[] = [];
    const uris: unknown[] = [];
    for (const rdn of info.subject) for (const atv of rdn) if (atv.type === COMMON_NAME) names.push(atv.value.toString());
    for (const attribute of info.attributes ?? []) {
      if (attribute.type !== EXTENSION_REQUEST) continue;
      for (const value of attribute.values) {
        for (const ext of AsnConvert.parse(value, Extensions)) {
          if (ext.extnID !== id_ce_subjectAltName) continue;
          for (const name of AsnConvert.parse(ext.extnValue, SubjectAlternativeName)) {
            if (name.dNSName !== undefined) names.push(name.dNSName);
            if (name.iPAddress !== undefined) names.push(ipLiteral(name.iPAddress) ?? UNKNOWN_VALUE);
            if (name.uniformResourceIdentifier !== undefined) uris.push(name.uniformResourceIdentifier);
          }
        }
      }
    }
    return { names, uris };
  } catch {
    return UNREAD;
  }
}

/**
 * An IP address as a host is written where kubernetes.hosts names one: IPv4 dotted (an
 * IPv4-mapped IPv6 address too: Go's x509 encodes it as the four bytes), IPv6 compressed in
 * brackets. undefined for what is no address. cert-manager's webhook takes `spec.ipAddresses`
 * that net.ParseIP reads, and the certificate carries the bytes, so every spelling of one address
 * is the same claim.
 */
export function ipLiteral(ip: string): string | undefined {
  const kind = isIP(ip);
  if (kind === 4) return ip;
  if (kind !== 6) return undefined;
  const host = new URL(`http://[${ip}]/`).hostname;
  const mapped = /^\[::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})\]$/.exec(host);
  if (mapped === null) return host;
  const hi = parseInt(mapped[1]!, 16);
  const lo = parseInt(mapped[2]!, 16);
  return `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
}

const COMMON_NAME = '2.5.4.3';
const EXTENSION_REQUEST = '1.2.840.113549.1.9.14';

/**
 * The DER of the one PEM block in `text`: from a `-----BEGIN …-----` line to its `-----END …-----`
 * line, RFC 1421 headers (leading `Name: value` lines) skipped as Go's pem.Decode does, the base64
 * between decoded with whitespace ignored. undefined where there is none, its base64 does not decode
 * cleanly, or there is more than one `-----BEGIN`: pem.Decode passes over a BEGIN line it cannot read
 * to the next one, so with two the block Go signs might not be the one read here.
 */
function pemBlock(text: string): Buffer | undefined {
  const begin = text.indexOf('-----BEGIN ');
  if (begin < 0 || text.indexOf('-----BEGIN ', begin + 1) >= 0) return undefined;
  const typeEnd = text.indexOf('-----', begin + 11);
  if (typeEnd < 0) return undefined;
  const type = text.slice(begin + 11, typeEnd);
  const end = text.indexOf(`-----END ${type}-----`, typeEnd + 5);
  if (end < 0) return undefined;
  const lines = text.slice(typeEnd + 5, end).split('\n');
  let first = 1;
  while (first < lines.length && lines[first]!.includes(':')) first++;
  const b64 = lines.slice(first).join('').replace(/\s+/g, '');
  if (b64 === '' || b64.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) return undefined;
  return Buffer.from(b64, 'base64');
}

/**
 * The common names of a cert-manager Certificate's `spec.literalSubject` (an RFC 4514 string,
 * `CN=shop.example.com,O=Acme`, used as the subject as written; beta and on by default since
 * cert-manager 1.15): what `spec.commonName` would say, by another field. Attributes are split at
 * unescaped `,`, `;` and `+`; a common name is `CN`, `commonName` or `2.5.4.3` in any case, its
 * value unescaped (`\,`, `\2C`). A value given as hex-encoded BER (`#…`) or an escape that does
 * not decode is UNKNOWN_VALUE.
 */
export function literalSubjectNames(subject: unknown): unknown[] {
  if (subject === UNKNOWN_VALUE) return [UNKNOWN_VALUE];
  if (typeof subject !== 'string') return [];
  const names: unknown[] = [];
  for (const attribute of splitUnescaped(subject)) {
    const eq = attribute.indexOf('=');
    if (eq < 0) continue;
    const type = attribute.slice(0, eq).trim().toLowerCase();
    if (type !== 'cn' && type !== 'commonname' && type !== '2.5.4.3' && type !== 'oid.2.5.4.3') continue;
    const raw = attribute.slice(eq + 1).trim();
    names.push(raw.startsWith('#') ? UNKNOWN_VALUE : (unescapeDn(raw) ?? UNKNOWN_VALUE));
  }
  return names;
}

/** `s` split at every `,`, `;` or `+` not escaped by a backslash. */
function splitUnescaped(s: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x5c) i++;
    else if (c === 0x2c || c === 0x3b || c === 0x2b) {
      out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  out.push(s.slice(start));
  return out;
}

/** An RFC 4514 value with its escapes resolved (`\X` for a special character, `\HH` for a byte of UTF-8); undefined where one does not decode. */
function unescapeDn(v: string): string | undefined {
  if (!v.includes('\\')) return v;
  const bytes: number[] = [];
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c !== 0x5c) {
      for (const b of Buffer.from(v[i]!, 'utf8')) bytes.push(b);
      continue;
    }
    const hex = v.slice(i + 1, i + 3);
    if (/^[0-9a-fA-F]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else if (i + 1 < v.length) {
      bytes.push(v.charCodeAt(++i));
    } else return undefined;
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bytes));
  } catch {
    return undefined;
  }
}
