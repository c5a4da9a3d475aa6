import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { personKey } from '../core/automation.js';
import type { Identity } from '../core/identity.js';
import type { RequestAttributes } from '../request/attributes.js';

/**
 * An approval is bound to exactly one request: its id is SHA-256 (base64url) of a canonical
 * encoding of who asked and everything that decides what the API server will do. Any change —
 * another verb, name, namespace, query parameter, body byte, caller, or a header that changes
 * how the API server reads the request or whose authority it runs with (BOUND_HEADERS) — is
 * another id, so an approval can never be stretched to cover a request nobody looked at.
 *
 * The encoding is a JSON array of strings: JSON escapes every delimiter, so no two different
 * requests can encode to the same text. The version tag lets the encoding change without ever
 * matching an approval made under an old one.
 */

export const APPROVAL_ID = /^[A-Za-z0-9_-]{43}$/;
// v2 added the authority and the bound headers; a v1 approval never matches a v2 request.
const VERSION = 'stepgate-approval/v2';
// A pipeline run for someone (Identity.actsFor): the people, case-folded and sorted, are part of
// the caller. Under a tag of its own, so the encoding of every other caller is unchanged.
const VERSION_ACTS_FOR = 'stepgate-approval/v2+acts-for';
/** The body marker when the request carried none (distinct from an empty body's digest). */
export const NO_BODY = 'absent';
const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

export type RequestBinding =
  | { ok: true; id: string; bodyDigest: string; bodyBytes: number; query: string; headers: BoundHeader[] }
  | { ok: false; detail: string };

export function bindRequest(who: Identity, req: RequestAttributes): RequestBinding {
  // Nobody named: no approver can be shown not to be the person who started the pipeline.
  if (who.actsFor !== undefined && who.actsFor.length === 0) {
    return { ok: false, detail: 'the token names no person it runs for (automation.acts_for)' };
  }
  const body = bodyDigest(req);
  if (!body.ok) return body;
  const k = req.kube;
  const query = sortedQuery(req.query);
  const headers = boundHeaders(req.headers);
  const canonical = JSON.stringify([
    ...(who.actsFor === undefined ? [VERSION] : [VERSION_ACTS_FOR, JSON.stringify(who.actsFor.map(personKey).sort())]),
    who.issuer,
    who.subject,
    req.method,
    req.scheme,
    req.host,
    req.authority.toLowerCase(),
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
    // Last and in pairs: everything before has a fixed count, so the encoding stays unambiguous.
    ...headers.flat(),
  ]);
  return { ok: true, id: createHash('sha256').update(canonical, 'utf8').digest('base64url'), bodyDigest: body.digest, bodyBytes: body.bytes, query, headers };
}

/** A bound header: lower-case name, value as bound (Content-Type normalised, the rest exact). */
export type BoundHeader = [name: string, value: string];

/**
 * Headers that change what the API server executes, beyond the request line and body:
 * - `Impersonate-User`, `-Uid`, `-Group`, `-Extra-<key>`: the request runs as someone else, so an
 *   approval for the automation's own authority must not cover the same request as system:admin;
 * - `X-Remote-User`, `-Uid`, `-Group`, `-Extra-<key>`: kube's front-proxy (request-header)
 *   authentication defaults; they name the user when the gateway talks to kube as the front proxy;
 * - `Content-Type`: decides how the body is decoded (the same bytes as strategic-merge or as
 *   merge-patch are different changes; JSON, YAML and protobuf read the same bytes differently);
 * - `Content-Encoding`: decides which bytes are decoded at all.
 * Everything else (Accept, User-Agent, tracing, Authorization, which the identity already binds)
 * does not change the effect and stays unbound, so a retry with a fresh token still matches.
 */
export const BOUND_HEADERS: ReadonlySet<string> = new Set([
  'content-type',
  'content-encoding',
  'impersonate-user',
  'impersonate-uid',
  'impersonate-group',
  'x-remote-user',
  'x-remote-uid',
  'x-remote-group',
]);
export const BOUND_HEADER_PREFIXES: readonly string[] = ['impersonate-extra-', 'x-remote-extra-'];

export function isBoundHeader(name: string): boolean {
  return BOUND_HEADERS.has(name) || BOUND_HEADER_PREFIXES.some((p) => name.startsWith(p));
}

/** The request's bound headers, sorted by name. Present-but-empty counts: kube sees the header. */
export function boundHeaders(headers: ReadonlyMap<string, string>): BoundHeader[] {
  const out: BoundHeader[] = [];
  for (const [name, value] of headers) {
    if (!isBoundHeader(name)) continue;
    out.push([name, name === 'content-type' ? normaliseMediaType(value) : value]);
  }
  return out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * `Type/Subtype; name=value` with the type, subtype and parameter names lower-cased, whitespace
 * trimmed, simple quoted values unquoted and parameters sorted: spellings that every MIME parser
 * (Go's mime.ParseMediaType included) reads as the same media type bind the same. Anything that
 * does not parse that simply (a repeated parameter, an escaped quote, two joined Content-Type
 * headers) is bound exactly as sent, marked `raw:`, so it never collides with a parsed one.
 */
export function normaliseMediaType(value: string): string {
  const raw = `raw:${value}`;
  const parts = value.split(';');
  const type = parts[0]!.trim().toLowerCase();
  const slash = type.indexOf('/');
  if (slash <= 0 || !TOKEN.test(type.slice(0, slash)) || !TOKEN.test(type.slice(slash + 1))) return raw;
  const params: [string, string][] = [];
  const rest = parts.slice(1);
  for (const [i, p] of rest.entries()) {
    // A trailing ';' is accepted by Go; an empty parameter anywhere else is an error there.
    if (p.trim() === '' && i === rest.length - 1) continue;
    const eq = p.indexOf('=');
    if (eq < 0) return raw;
    const name = p.slice(0, eq).trim().toLowerCase();
    let v = p.slice(eq + 1).trim();
    if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) {
      v = v.slice(1, -1);
      if (v.includes('"') || v.includes('\\') || !/^[\x20-\x7e]*$/.test(v)) return raw;
    } else if (!TOKEN.test(v)) {
      return raw;
    }
    if (!TOKEN.test(name) || params.some(([n]) => n === name)) return raw;
    params.push([name, v]);
  }
  params.sort((a, b) => (a[0] < b[0] ? -1 : 1));
  return [type, ...params.map(([n, v]) => `${n}=${v}`)].join('; ');
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
 * Parameters sorted by name so unrelated reordering does not matter; empty ones dropped. The sort
 * is stable, so repeated names keep their order: the API server reads the first value of a
 * repeated parameter, and `dryRun=All&dryRun=` is not `dryRun=&dryRun=All`. The sort key is the
 * name as Go's url.ParseQuery decodes it (`+` is a space, `%XX` a byte), so `dry%52un` and
 * `dryRun`, which the API server reads as one name, keep their relative order too; each
 * parameter's raw text is kept, so spellings still bind as sent.
 */
export function sortedQuery(query: string): string {
  if (query === '') return '';
  const name = (p: string) => {
    const eq = p.indexOf('=');
    return decodedName(eq < 0 ? p : p.slice(0, eq));
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

function decodedName(raw: string): string {
  if (!raw.includes('%') && !raw.includes('+')) return raw;
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    // Go refuses the pair; its place in the order cannot matter, its text is still bound.
    return raw;
  }
}

export function shortId(id: string): string {
  return id.slice(0, 12);
}
