import { createHash } from 'node:crypto';
import type { Identity } from '../identity/identity.js';
import type { RequestAttributes } from '../request/attributes.js';

/**
 * An approval is bound to exactly one request: its id is SHA-256 (base64url) of a canonical
 * encoding of who asked and everything that decides what the API server will do. Any change —
 * another verb, name, namespace, query parameter, body byte or caller — is another id, so an
 * approval can never be stretched to cover a request nobody looked at.
 *
 * The encoding is a JSON array of strings: JSON escapes every delimiter, so no two different
 * requests can encode to the same text. The version tag lets the encoding change without ever
 * matching an approval made under an old one.
 */

export const APPROVAL_ID = /^[A-Za-z0-9_-]{43}$/;
const VERSION = 'stepgate-approval/v1';
/** The body marker when the request carried none (distinct from an empty body's digest). */
export const NO_BODY = 'absent';
const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

export type RequestBinding =
  | { ok: true; id: string; bodyDigest: string; bodyBytes: number; query: string }
  | { ok: false; detail: string };

export function bindRequest(who: Identity, req: RequestAttributes): RequestBinding {
  const body = bodyDigest(req);
  if (!body.ok) return body;
  const k = req.kube;
  const query = sortedQuery(req.query);
  const canonical = JSON.stringify([
    VERSION,
    who.issuer,
    who.subject,
    req.method,
    req.scheme,
    req.host,
    k ? 'kube' : 'http',
    k?.verb ?? '',
    k?.apiGroup ?? '',
    k?.apiVersion ?? '',
    k?.resource ?? '',
    k?.subresource ?? '',
    k?.namespace ?? '',
    k?.name ?? '',
    req.path,
    query,
    body.digest,
  ]);
  return { ok: true, id: createHash('sha256').update(canonical, 'utf8').digest('base64url'), bodyDigest: body.digest, bodyBytes: body.bytes, query };
}

/**
 * A body the gateway did not pass on cannot be bound: approving "this request" would then approve
 * any body. So a truncated body, or a write (or an announced body) without one, is refused.
 */
function bodyDigest(req: RequestAttributes): { ok: true; digest: string; bytes: number } | { ok: false; detail: string } {
  if (req.bodyTruncated) return { ok: false, detail: 'the request body was truncated, so an approval cannot be bound to it' };
  const b = req.body;
  if (b === undefined) {
    const announced = (req.headers.get('content-length') ?? '0') !== '0' || req.headers.has('transfer-encoding');
    if (announced || METHODS_WITH_BODY.has(req.method)) {
      return { ok: false, detail: 'the gateway did not include the request body (with_request_body), so an approval cannot be bound to it' };
    }
    return { ok: true, digest: NO_BODY, bytes: 0 };
  }
  const bytes = typeof b === 'string' ? Buffer.from(b, 'utf8') : b;
  return { ok: true, digest: `sha256:${createHash('sha256').update(bytes).digest('base64url')}`, bytes: bytes.length };
}

/**
 * Parameters sorted by name (raw text, by code unit) so unrelated reordering does not matter;
 * empty ones dropped. The sort is stable, so repeated names keep their order: the API server
 * reads the first value of a repeated parameter, and `dryRun=All&dryRun=` is not `dryRun=&dryRun=All`.
 */
export function sortedQuery(query: string): string {
  if (query === '') return '';
  const name = (p: string) => {
    const eq = p.indexOf('=');
    return eq < 0 ? p : p.slice(0, eq);
  };
  return query
    .split('&')
    .filter((p) => p !== '')
    .sort((a, b) => {
      const x = name(a);
      const y = name(b);
      return x < y ? -1 : x > y ? 1 : 0;
    })
    .join('&');
}

export function shortId(id: string): string {
  return id.slice(0, 12);
}
