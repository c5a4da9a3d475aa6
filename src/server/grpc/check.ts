import { Buffer } from 'node:buffer';
import type { Answer } from '../../decision/respond.js';
import type { RawRequest, RequestLine } from '../../request/attributes.js';
import { BODY_METHODS, isBodyMissing } from '../../request/body-missing.js';
import { hostOnly } from '../../request/build.js';
import { collectDistinct, HeaderCollector, type HeaderLimits } from '../../request/headers.js';
import { HEADER_ENTRIES } from './header-entries.js';

/**
 * Translation between the protobuf CheckRequest/CheckResponse (as plain objects from
 * proto-loader with keepCase) and the pipeline's transport-neutral types. No policy here.
 */

interface HeaderValue {
  key?: string;
  value?: string;
  raw_value?: Buffer | Uint8Array;
}

export interface CheckRequestMessage {
  attributes?: {
    source?: { address?: AddressMessage; principal?: string; certificate?: string };
    request?: {
      http?: {
        method?: string;
        headers?: Record<string, string>;
        header_map?: { headers?: HeaderValue[] };
        path?: string;
        host?: string;
        scheme?: string;
        body?: string;
        raw_body?: Buffer | Uint8Array;
      };
    };
    context_extensions?: Record<string, string>;
  };
}

interface AddressMessage {
  socket_address?: { address?: string; port_value?: number };
  pipe?: { path?: string };
}

export type ParsedCheck =
  | { ok: true; raw: RawRequest; spoofed: readonly string[] }
  | { ok: false; reason: 'request_invalid' | 'header_too_large'; detail: string; line?: RequestLine | undefined };

const NO_EXTENSIONS: Readonly<Record<string, string>> = Object.freeze({});

export function parseCheckRequest(msg: CheckRequestMessage | undefined, limits: HeaderLimits, maxBodyBytes: number): ParsedCheck {
  const http = msg?.attributes?.request?.http;
  if (!http) return { ok: false, reason: 'request_invalid', detail: 'CheckRequest has no attributes.request.http' };
  if (!http.method) return { ok: false, reason: 'request_invalid', detail: 'CheckRequest has no HTTP method' };
  if (!http.path) return { ok: false, reason: 'request_invalid', detail: 'CheckRequest has no HTTP path' };
  const collected = collectHeaderFields(http, limits);
  if (!collected.ok) return { ok: false, reason: 'header_too_large', detail: collected.detail, line: lineOf(msg!, http) };
  const contradiction = contradicts(http, collected.headers);
  if (contradiction !== undefined) return { ok: false, reason: 'request_invalid', detail: contradiction, line: lineOf(msg!, http) };
  const attrs = msg!.attributes!;
  const body = readBody(http, collected.headers, maxBodyBytes);
  // Only a create, update or patch has a body to inspect; reads skip the header lookups.
  const missing = body.body === undefined && !body.truncated && BODY_METHODS.has(http.method) && isBodyMissing(http.method, collected.headers);
  return {
    ok: true,
    raw: {
      method: http.method,
      target: http.path,
      authority: http.host ?? '',
      scheme: http.scheme ?? '',
      headers: collected.headers,
      sourceAddress: attrs.source?.address?.socket_address?.address ?? '',
      sourcePrincipal: attrs.source?.principal ?? '',
      sourceCertificate: attrs.source?.certificate ?? '',
      contextExtensions: attrs.context_extensions ?? NO_EXTENSIONS,
      body: body.body,
      bodyTruncated: body.truncated,
      bodyMissing: missing,
    },
    spoofed: collected.spoofed,
  };
}

type HttpRequestMessage = NonNullable<NonNullable<NonNullable<CheckRequestMessage['attributes']>['request']>['http']>;

/** A refused Check's request line (pipeline/check.ts): Envoy fills `host` from `:authority`. */
function lineOf(msg: CheckRequestMessage, http: HttpRequestMessage): RequestLine {
  return { method: http.method ?? '', target: http.path ?? '', authority: http.host ?? '', contextExtensions: msg.attributes?.context_extensions ?? NO_EXTENSIONS };
}

/**
 * Envoy fills `method`, `path` and `host` from the very pseudo-headers it also lists in `headers`,
 * so the two agree in every Check it builds. When they do not, the rules would be matched on one
 * request and another may be the one routed: a `host` header beside `:authority` (HTTP/2; Envoy
 * before 1.27.4/1.28.2, or with envoy.reloadable_features.http2_discard_host_header off, keeps it,
 * and an upstream may route on it), or a CheckRequest some other gateway built from two sources.
 * Host names are compared as hostOnly reads them (case, port and the root dot aside).
 */
function contradicts(http: HttpRequestMessage, headers: ReadonlyMap<string, string>): string | undefined {
  const path = headers.get(':path');
  if (path !== undefined && path !== http.path) return 'header :path differs from attributes.request.http.path';
  const method = headers.get(':method');
  if (method !== undefined && method !== http.method) return 'header :method differs from attributes.request.http.method';
  // The host the request is judged by (buildAttributes): http.host, else `:authority`, else `host`.
  // Equal strings (every Check Envoy builds) need no parsing.
  const authority = headers.get(':authority');
  const judged = http.host || authority;
  if (judged === undefined || judged === '') return undefined;
  if (authority !== undefined && authority !== judged && hostOnly(authority) !== hostOnly(judged)) return 'header :authority names another host than attributes.request.http.host';
  const h = headers.get('host');
  if (h !== undefined && h !== judged && hostOnly(h) !== hostOnly(judged)) return `header host names another host than ${http.host ? 'attributes.request.http.host' : ':authority'}`;
  // Envoy fills one of the two (pack_as_bytes picks which). Two different bodies are two requests:
  // raw_body would be judged while the upstream may be sent the other.
  const raw = http.raw_body;
  if (raw && raw.length > 0 && http.body && !sameBytes(raw, http.body)) return 'attributes.request.http has both body and raw_body, with different contents';
  return undefined;
}

function sameBytes(raw: Uint8Array, body: string): boolean {
  return Buffer.byteLength(body, 'utf8') === raw.length && Buffer.from(raw.buffer, raw.byteOffset, raw.length).equals(Buffer.from(body, 'utf8'));
}

/**
 * `header_map` (Envoy's encode_raw_headers) wins when present: it carries values as raw bytes,
 * unmerged. Bytes are read as latin1 so every byte maps to one character and nothing is lost.
 * Plain loops rather than a generator: this runs for every header of every request.
 */
function collectHeaderFields(http: HttpRequestMessage, limits: HeaderLimits) {
  const list = http.header_map?.headers;
  if (!(list && list.length > 0)) {
    const entries = (http as { [HEADER_ENTRIES]?: string[] })[HEADER_ENTRIES];
    if (entries !== undefined) {
      // Straight from the decoder's entries, without the object for…in would walk. That object
      // keeps the last value of a repeated key at its first place and lists array-index keys
      // ("0", "12") first; entries do neither, so collectDistinct gives up on a repeated name or a
      // leading digit, and on a limit (an earlier copy of a repeated key may be what exceeded it):
      // the object's path below then decides. test/unit/request-header-entries.test.ts holds the two
      // to the same result.
      const fast = collectDistinct(entries, limits);
      if (fast !== undefined) return fast;
    }
  }
  const c = new HeaderCollector(limits);
  if (list && list.length > 0) {
    for (const h of list) {
      if (!h.key) continue;
      const raw = h.raw_value;
      const value = raw && raw.length > 0 ? Buffer.from(raw.buffer, raw.byteOffset, raw.length).toString('latin1') : (h.value ?? '');
      if (!c.add(h.key, value)) break;
    }
  } else if (http.headers) {
    const map = http.headers;
    for (const key in map) {
      if (Object.hasOwn(map, key) && !c.add(key, map[key] ?? '')) break;
    }
  }
  return c.result();
}

const NO_BODY = Object.freeze({ body: undefined, truncated: false });
const DROPPED_BODY = Object.freeze({ body: undefined, truncated: true });

/**
 * The body by reference, no copy and no decoding: whether it is read at all is for the guardrails
 * to decide. `raw_body` (pack_as_bytes) wins over the same content in `body` (contradicts refuses
 * two different ones). Envoy marks a body it cut at
 * max_request_bytes with `x-envoy-auth-partial-body: true`; any value other than exactly `false`
 * (a client's copy joined with Envoy's included) counts as cut, because only a whole body can
 * show that a change is safe. A body over our own bound is dropped, never kept.
 */
function readBody(http: HttpRequestMessage, headers: ReadonlyMap<string, string>, max: number) {
  const partial = headers.get('x-envoy-auth-partial-body');
  const cut = partial !== undefined && partial !== 'false';
  const raw = http.raw_body;
  let body: Uint8Array | string | undefined;
  if (raw && raw.length > 0) {
    if (raw.length > max) return DROPPED_BODY;
    body = raw;
  } else if (http.body) {
    const s = http.body;
    // UTF-16 length never exceeds the UTF-8 byte length, so only a borderline string is measured.
    if (s.length > max || (s.length * 3 > max && Buffer.byteLength(s, 'utf8') > max)) return DROPPED_BODY;
    body = s;
  }
  if (body === undefined) return cut ? DROPPED_BODY : NO_BODY;
  return { body, truncated: cut };
}


const APPEND_FALSE = Object.freeze({ value: false });

/**
 * google.protobuf.Struct of strings, for dynamic_metadata. protobufjs resolves the well-known
 * struct types from its own bundled (camelCase) definitions, so `stringValue` here despite keepCase.
 */
function struct(fields: Readonly<Record<string, string>>) {
  const out: Record<string, { stringValue: string }> = {};
  for (const k of Object.keys(fields)) out[k] = { stringValue: fields[k]! };
  return { fields: out };
}

function headerOption(name: string, value: string) {
  // ext_authz treats an unset `append` as overwrite, but the semantics have shifted between
  // Envoy releases; stating it explicitly keeps the meaning fixed.
  return { header: { key: name, value }, append: APPEND_FALSE, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' };
}

export function toCheckResponse(a: Answer) {
  if (a.allow) {
    return {
      status: { code: 0 },
      ok_response: {
        headers: a.headers.map(([k, v]) => headerOption(k, v)),
        headers_to_remove: a.removeHeaders,
        // Field 6: added to the response Envoy sends the client (a DPoP nonce, RFC 9449 §8.2).
        ...(a.clientHeaders === undefined ? {} : { response_headers_to_add: a.clientHeaders.map(([k, v]) => headerOption(k, v)) }),
      },
      dynamic_metadata: struct(a.metadata),
    };
  }
  return {
    status: { code: a.grpcCode, message: a.metadata.reason ?? '' },
    denied_response: {
      status: { code: a.status },
      headers: a.headers.map(([k, v]) => headerOption(k, v)),
      body: a.body,
    },
    dynamic_metadata: struct(a.metadata),
  };
}
