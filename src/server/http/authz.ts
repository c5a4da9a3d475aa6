import { Buffer } from 'node:buffer';
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { reasonMessage, type ReasonCode } from '../../core/reasons.js';
import type { Answer } from '../../decision/respond.js';
import type { Verdict } from '../../decision/verdict.js';
import { check, type Checked, type ParsedRequest } from '../../pipeline/check.js';
import { fail } from '../../pipeline/evaluate.js';
import type { Runtime } from '../../pipeline/runtime.js';
import type { RawRequest, RequestLine } from '../../request/attributes.js';
import { BODY_METHODS, isBodyMissing } from '../../request/body-missing.js';
import { upstreamCookie } from '../../request/cookies.js';
import type { Logger } from '../../telemetry/log.js';
import { logOnlyTelemetry, type CheckTelemetry } from '../../telemetry/telemetry.js';
import { InflightLimit, OVERLOADED_ANSWER } from '../inflight.js';
import { listenHttp, type RunningHttpServer } from './listen.js';
import { canonical, type TrustedProxies } from './proxies.js';
import { readBytes, requestHeaders, send, utf8HeaderValue } from './respond.js';

export interface AuthzServerOptions {
  runtime: () => Runtime;
  log: Logger;
  listen: string;
  proxies: TrustedProxies;
  telemetry?: CheckTelemetry;
  /**
   * server.max_inflight_checks, shared with the gRPC listener (main.ts passes the same one);
   * without it, this listener has its own, sized from the first configuration.
   */
  inflightLimit?: InflightLimit;
}

export interface RunningAuthzHttpServer extends RunningHttpServer {
  /** This listener's Checks in flight now (tests; server.max_inflight_checks bounds them with gRPC's). */
  readonly inflight: number;
}

/** Header that carries the step-up URL on a navigation denial, for proxies that cannot pass a 302. */
export const LOCATION_HEADER = 'x-stepgate-location';
const NO_EXTENSIONS: Readonly<Record<string, string>> = Object.freeze({});
const EMPTY: readonly string[] = Object.freeze([]);

/**
 * The Check pipeline over plain HTTP, on its own listener (`server.authz_http_listen`), for
 * - Envoy's HTTP ext_authz (`envoyExtAuthzHttp`): the original method, `path_prefix` + original
 *   path, and the original headers;
 * - the auth-subrequest convention: nginx `auth_request` (`X-Original-URI`, `X-Original-Method`,
 *   set by the operator), Caddy `forward_auth` and Traefik `ForwardAuth` (`X-Forwarded-Method`,
 *   `-Uri`, `-Host`, `-Proto`, `-For`).
 * Forwarded headers are believed only from `server.trusted_proxies`. From any other peer, headers
 * that would redefine the request (URI, method) are a `request_invalid` denial rather than
 * silently ignored: evaluating the subrequest's own path instead would apply the wrong rules.
 * `X-Forwarded-Host`, `-Proto` and `-For` from such a peer are ignored.
 */
export async function startAuthzHttpServer(opts: AuthzServerOptions): Promise<RunningAuthzHttpServer> {
  const telemetry = opts.telemetry ?? logOnlyTelemetry(opts.log);
  // Read once: a bound on this process' work, not policy (a reload does not change it).
  const limit = opts.inflightLimit ?? new InflightLimit(opts.runtime().config.server.max_inflight_checks);
  let inflight = 0;
  // Node's own header limit must sit above limits.max_total_header_bytes, or a request the gRPC
  // adapter decides on would get Node's bare 431 here instead of stepgate's answer. The slack
  // covers the request line and the forward-auth headers a proxy adds.
  const maxHeaderSize = Math.max(32 * 1024, opts.runtime().config.limits.max_total_header_bytes + 16 * 1024);
  const running = await listenHttp(
    opts.listen,
    (req, res) => {
      // Past the bound, answer at once instead of queueing work that would finish after the
      // proxy gave up: a deny, so fail-closed. Nothing of the request is parsed first.
      if (!limit.tryEnter()) {
        // Drain any body so the keep-alive connection stays usable.
        req.resume();
        sendOverloaded(req, res);
        telemetry.shed?.(limit.inflight);
        return;
      }
      inflight++;
      let left = false;
      handle(opts, telemetry, req, res, () => {
        if (left) return;
        left = true;
        inflight--;
        limit.leave();
      });
    },
    'server.authz_http_listen',
    maxHeaderSize,
  );
  running.server.on('connect', (req: IncomingMessage, socket: Duplex) => refuseConnect(opts, telemetry, req, socket));
  return {
    ...running,
    get inflight() {
      return inflight;
    },
  };
}

/**
 * 503, `retry-after: 1`, the JSON body. An nginx auth_request (X-Original-URI) also gets the body
 * in x-stepgate-status-body, as every other denial does: nginx turns the 503 into a 500 and its
 * `error_page` location sends that body back. Whether the peer is a trusted proxy is not checked:
 * either way the answer is the same denial.
 */
function sendOverloaded(req: IncomingMessage, res: ServerResponse): void {
  send(res, OVERLOADED_ANSWER.status, req.headers['x-original-uri'] === undefined ? OVERLOADED_HEADERS : OVERLOADED_NGINX_HEADERS, OVERLOADED_ANSWER.body);
}

/**
 * `forwardAuth`: the auth-subrequest convention (nginx, Caddy, Traefik), not Envoy's HTTP mode.
 * `nginx` on a failure too: a refusal must reach kubectl through nginx like any other denial.
 */
type Parsed =
  | { ok: true; raw: RawRequest; spoofed: readonly string[]; nginx: boolean; forwardAuth: boolean }
  | { ok: false; reason: ReasonCode; detail: string; nginx: boolean; line?: RequestLine | undefined };

/**
 * The request a refused subrequest or Envoy HTTP Check names, as far as its headers say: on a
 * Kubernetes host pipeline/check.ts answers it with a Status kubectl prints. Only how the refusal
 * is written depends on it, so headers the refusal is about (too large, contradictory) may be read.
 */
function lineOf(rt: Runtime, req: IncomingMessage, h: { get(name: string): string | undefined }): RequestLine {
  const forwarded = h.get('x-original-uri') ?? h.get('x-forwarded-uri');
  let target = forwarded ?? req.url ?? '';
  const prefix = rt.config.server.authz_http_path_prefix;
  if (forwarded === undefined && prefix !== '' && target.startsWith(prefix)) target = target.slice(prefix.length) || '/';
  const method = h.get('x-original-method') ?? h.get('x-forwarded-method') ?? req.method ?? '';
  const authority = h.get('x-forwarded-host')?.split(',')[0]?.trim() || h.get('host') || '';
  return { method, target, authority, contextExtensions: NO_EXTENSIONS };
}

/** A header as node parsed it (the first, when repeated), for lineOf before requestHeaders succeeded. */
function nodeHeaders(req: IncomingMessage): { get(name: string): string | undefined } {
  return {
    get(name) {
      const v = req.headers[name];
      return Array.isArray(v) ? v[0] : v;
    },
  };
}

export function parseAuthzRequest(rt: Runtime, proxies: TrustedProxies, req: IncomingMessage): Parsed {
  const collected = requestHeaders(req, rt.headerLimits);
  if (!collected.ok) return { ok: false, reason: 'header_too_large', detail: collected.detail, nginx: req.headers['x-original-uri'] !== undefined, line: lineOf(rt, req, nodeHeaders(req)) };
  const h = collected.headers;
  const peer = req.socket.remoteAddress;
  const trusted = proxies.trusts(peer);
  const originalUri = h.get('x-original-uri');
  const forwardedUri = h.get('x-forwarded-uri');
  const originalMethod = h.get('x-original-method');
  const forwardedMethod = originalMethod ?? h.get('x-forwarded-method');
  const target = originalUri ?? forwardedUri;
  if (!trusted && (target !== undefined || forwardedMethod !== undefined)) {
    return { ok: false, reason: 'request_invalid', detail: `forwarded request headers from untrusted peer ${peer ?? '?'}`, nginx: false };
  }
  if (target !== undefined || forwardedMethod !== undefined) {
    const envoy = envoyRequest(rt, req);
    if (envoy !== undefined) return { ok: false, reason: 'request_invalid', detail: envoy, nginx: false };
    // The proxy sets each of these once (nginx's proxy_set_header drops the client's copy; Caddy and
    // Traefik replace it), so a second copy is a client's beside the proxy's, joined with ',' into
    // one value that no longer names one request (`/api/v1/namespaces/dev/pods,/api/v1/…/secrets/x`
    // read as a list of `pods,` in dev), and which copy is the proxy's is not knowable here.
    const repeated = repeatedRequestHeader(req);
    if (repeated !== undefined) return { ok: false, reason: 'request_invalid', detail: `forward-auth header ${repeated} sent more than once`, nginx: originalUri !== undefined };
  }
  // A proxy sets one convention and passes the client's headers through beside it (Caddy and
  // Traefik copy every request header into the subrequest; nginx passes those it does not set), so
  // a second convention that names another request is the client's word against the proxy's, and
  // which one is the proxy's is not knowable here.
  const conflict =
    (originalUri !== undefined && forwardedUri !== undefined && originalUri !== forwardedUri) ||
    (originalMethod !== undefined && h.get('x-forwarded-method') !== undefined && originalMethod.toUpperCase() !== h.get('x-forwarded-method')!.toUpperCase());
  if (conflict) {
    return { ok: false, reason: 'request_invalid', detail: 'X-Original-URI/-Method and X-Forwarded-Uri/-Method name different requests', nginx: originalUri !== undefined, line: lineOf(rt, req, h) };
  }
  const sourceAddress = proxies.clientAddress(peer, h.get('x-forwarded-for'));
  // No body reaches a forward-auth subrequest (see bodyMissing below).
  const base = { headers: h, sourceAddress, clientResolved: true, peerAddress: canonical(peer), sourcePrincipal: '', contextExtensions: NO_EXTENSIONS, body: undefined, bodyTruncated: false };
  const proto = trusted ? h.get('x-forwarded-proto')?.split(',')[0]?.trim() : undefined;
  // A method without a URI: the request line is then the subrequest's own (`GET /_stepgate_authz`
  // on stepgate's host, the everyday default), not the request the method belongs to.
  if (target === undefined && forwardedMethod !== undefined) {
    return { ok: false, reason: 'request_invalid', detail: 'forward-auth request with X-Original-Method or X-Forwarded-Method but no X-Original-URI or X-Forwarded-Uri', nginx: originalMethod !== undefined };
  }
  if (target !== undefined) {
    if (forwardedMethod === undefined) {
      return { ok: false, reason: 'request_invalid', detail: 'forward-auth request without X-Original-Method or X-Forwarded-Method', nginx: originalUri !== undefined, line: lineOf(rt, req, h) };
    }
    // The proxy sets one X-Forwarded-Host (nginx's proxy_set_header, Caddy and Traefik replace the
    // client's); a list means a copy from further out survived beside it, and the first entry is
    // the one a client can choose.
    const forwardedHost = h.get('x-forwarded-host');
    if (forwardedHost?.includes(',')) {
      return { ok: false, reason: 'request_invalid', detail: 'X-Forwarded-Host names more than one host', nginx: originalUri !== undefined, line: lineOf(rt, req, h) };
    }
    const authority = forwardedHost?.trim() || h.get('host') || '';
    // The subrequest never carries the body: a write here is body_missing (the proxy's doing), as a
    // bodiless gRPC Check is, so every way in decides alike (docs/guardrails.md#missing-bodies).
    const bodyMissing = BODY_METHODS.has(forwardedMethod) && isBodyMissing(forwardedMethod, h);
    return { ok: true, raw: { ...base, method: forwardedMethod, target, authority, scheme: proto || 'https', bodyMissing }, spoofed: collected.spoofed, nginx: originalUri !== undefined, forwardAuth: true };
  }
  // Envoy: the request line is the original request, behind path_prefix.
  const prefix = rt.config.server.authz_http_path_prefix;
  let path = req.url ?? '';
  if (prefix !== '') {
    if (!(path === prefix || path.startsWith(`${prefix}/`) || path.startsWith(`${prefix}?`))) {
      return { ok: false, reason: 'request_invalid', detail: 'path does not start with server.authz_http_path_prefix', nginx: false };
    }
    path = path.slice(prefix.length) || '/';
    if (path.startsWith('?')) path = `/${path}`;
  }
  return {
    ok: true,
    raw: { ...base, method: req.method ?? '', target: path, authority: h.get('host') ?? '', scheme: proto || 'https' },
    spoofed: collected.spoofed,
    nginx: false,
    forwardAuth: false,
  };
}

/** The forward-auth headers that name the request (its URI and method). */
const REQUEST_NAMING_HEADERS = ['x-original-uri', 'x-forwarded-uri', 'x-original-method', 'x-forwarded-method'] as const;

/** The first of REQUEST_NAMING_HEADERS the request carries more than once, or undefined. */
function repeatedRequestHeader(req: IncomingMessage): string | undefined {
  const distinct = req.headersDistinct;
  for (const name of REQUEST_NAMING_HEADERS) if ((distinct[name]?.length ?? 0) > 1) return name;
  return undefined;
}

/**
 * Why a request carrying forward-auth headers must be Envoy's HTTP mode instead, or undefined. A
 * forward-auth subrequest is a GET (nginx's auth_request subrequest, Caddy's forward_auth and
 * Traefik's ForwardAuth all send one, whatever the original method), and with
 * `server.authz_http_path_prefix` set it is sent outside the prefix. Envoy's HTTP mode sends the
 * original method and path, and the client's own X-Forwarded-Uri or X-Original-URI when
 * `allowed_headers` (Istio `includeRequestHeadersInCheck: ["x-forwarded-*"]`) lets them through:
 * judged by them, `DELETE /api/admin/users/1` with `X-Forwarded-Uri: /d/home` would be allowed
 * as the home page.
 */
function envoyRequest(rt: Runtime, req: IncomingMessage): string | undefined {
  if (req.method !== 'GET' && req.method !== 'HEAD') return `forward-auth headers on a ${req.method ?? '?'} request: a forward-auth subrequest is a GET, so these are a client's, passed on by Envoy's HTTP mode`;
  const prefix = rt.config.server.authz_http_path_prefix;
  const url = req.url ?? '';
  if (prefix !== '' && (url === prefix || url.startsWith(`${prefix}/`) || url.startsWith(`${prefix}?`))) {
    return 'forward-auth headers on a request under server.authz_http_path_prefix: Envoy\'s HTTP mode passed on a client\'s';
  }
  return undefined;
}

/** Envoy's HTTP ext_authz removes the request headers an allow names here (comma-separated). */
export const REMOVE_HEADER = 'x-envoy-auth-headers-to-remove';

/**
 * Answer → HTTP. nginx turns any auth_request status but 2xx/401/403 into a 500, so it gets 401 +
 * the location header.
 *
 * An allow must make the proxy overwrite or drop every header the upstream trusts, whatever the
 * client sent, and neither Envoy's HTTP mode nor the forward-auth proxies show stepgate all of the
 * client's headers (Envoy sends only `allowed_headers`). So an allow always answers for the whole
 * set, not only for what it saw:
 * - every configured identity header it has a value for, and `x-envoy-auth-headers-to-remove`
 *   naming every configured identity header it has no value for plus any other client-sent
 *   `x-stepgate-*` (Envoy applies removals after it copies `allowed_upstream_headers`, so a name
 *   we set is never in the list);
 * - `cookie`: the request's Cookie header without stepgate's cookies, present only when something
 *   is left; otherwise `cookie` is in the removal list. nginx (`proxy_set_header Cookie` from
 *   `$upstream_http_cookie`), Caddy (`copy_headers Cookie`) and Traefik (`authResponseHeaders`)
 *   replace the client's Cookie header with this one, or drop it when it is absent;
 * - `sec-websocket-protocol` in the removal list when stepgate did not see one: a WebSocket bearer
 *   token it was not shown is a credential it did not verify.
 */
export function toHttp(
  a: Answer,
  nginx: boolean,
  v: Verdict,
  identityHeaders: readonly string[],
  sessionCookie: string | undefined,
): { status: number; headers: (readonly [string, string])[] } {
  if (a.allow) {
    // Identity header values are claims (any Unicode): sent as their UTF-8 bytes, as Envoy sends them
    // from a gRPC answer, rather than failing the answer on a name such as 李雷.
    const headers: (readonly [string, string])[] = a.headers.filter(([k]) => k !== 'cookie').map(([k, v]) => [k, utf8HeaderValue(v)] as const);
    const set = new Set(headers.map(([k]) => k));
    const remove = new Set<string>();
    for (const n of [...identityHeaders, ...a.removeHeaders]) if (!set.has(n)) remove.add(n);
    remove.delete('cookie');
    const cookie = v.attributes?.headers.get('cookie');
    const up = cookie === undefined ? undefined : upstreamCookie(cookie, sessionCookie).value;
    if (up === undefined) remove.add('cookie');
    else headers.push(['cookie', up]);
    // A credential stepgate did not see (Envoy forwards only `allowed_headers`) was not verified:
    // kube would authenticate a WebSocket bearer subprotocol that never reached us.
    if (v.attributes?.headers.has('sec-websocket-protocol') !== true) remove.add('sec-websocket-protocol');
    if (remove.size > 0) headers.push([REMOVE_HEADER, [...remove].join(', ')]);
    // For the client's response: Envoy's HTTP mode passes those named in
    // authorization_response.allowed_client_headers_on_success (dpop-nonce for DPoP nonces).
    if (a.clientHeaders !== undefined) headers.push(...a.clientHeaders);
    return { status: 200, headers };
  }
  const location = a.headers.find(([k]) => k === 'location')?.[1];
  const body = nginx ? statusBodyHeader(a.body, a.headers.find(([k]) => k === 'content-type')?.[1]) : undefined;
  const extra = body === undefined ? [] : [[STATUS_BODY_HEADER, body] as const];
  if (location === undefined) return { status: a.status, headers: [...a.headers, ...extra] };
  const headers = [...a.headers, [LOCATION_HEADER, location] as const, ...extra];
  return { status: nginx && a.status === 302 ? 401 : a.status, headers };
}

/** Every identity header name the configuration can set (subject, level, issuer, mapped claims). */
export function identityHeaderNames(config: Runtime['config']): string[] {
  const h = config.identity_headers;
  return [h.subject, h.level, h.issuer, ...Object.values(h.claims)];
}

/**
 * nginx's auth_request drops the subrequest's body; the denial body (a Kubernetes Status, so
 * kubectl prints why) travels in this header for the `error_page` location to send back
 * (docs/kubectl-stepup.md has the recipe).
 */
export const STATUS_BODY_HEADER = 'x-stepgate-status-body';
/** Past this the header would overflow nginx's default proxy_buffer_size (4 KiB pages, 8 KiB on some). */
const MAX_STATUS_BODY_HEADER = 3500;

/** The overloaded answer's headers, with the nginx status-body header (see `toHttp`) and without. */
const OVERLOADED_HEADERS = OVERLOADED_ANSWER.headers;
const OVERLOADED_NGINX_HEADERS = [...OVERLOADED_ANSWER.headers, [STATUS_BODY_HEADER, statusBodyHeader(OVERLOADED_ANSWER.body)!] as const];

/**
 * The body as one header-safe line; undefined if too long. JSON: non-ASCII as \u escapes, still the
 * same JSON. Text (a refusal a Kubernetes client reads raw, decision/respond.ts forReader): its
 * UTF-8 bytes (as identity headers travel), line breaks as spaces, without the final newline;
 * client-go trims the text it prints anyway. The recipe's error_page location sends it with the
 * Content-Type stepgate gave (docs/kubectl-stepup.md).
 */
export function statusBodyHeader(body: string, contentType?: string): string | undefined {
  if (body === '') return undefined;
  const line = contentType?.startsWith('text/')
    ? // eslint-disable-next-line no-control-regex
      utf8HeaderValue(body.trimEnd().replace(/[\u0000-\u001f\u007f]+/g, ' '))
    : body.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return line.length <= MAX_STATUS_BODY_HEADER ? line : undefined;
}

/**
 * A CONNECT has no path to judge, and node:http hands it over as a bare socket, which it would
 * otherwise close unanswered: the proxy then sees an error, which Envoy turns into an allow when
 * `failure_mode_allow` (Istio `failOpen`) is on. It gets the request_invalid answer instead,
 * written on the socket.
 */
function refuseConnect(opts: AuthzServerOptions, telemetry: CheckTelemetry, req: IncomingMessage, socket: Duplex): void {
  const started = performance.now();
  socket.on('error', () => socket.destroy());
  try {
    const rt = opts.runtime();
    const answer = ({ verdict, answer: a }: Checked) => {
      const { status, headers } = toHttp(a, req.headers['x-original-uri'] !== undefined, verdict, identityHeaderNames(rt.config), undefined);
      const lines = [`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`, ...headers.map(([k, v]) => `${k}: ${v}`), `content-length: ${Buffer.byteLength(a.body)}`, 'connection: close'];
      socket.end(`${lines.join('\r\n')}\r\n\r\n${a.body}`);
      telemetry.checked(rt, verdict, status, performance.now() - started, undefined, undefined);
    };
    const c = check(rt, { ok: false, reason: 'request_invalid', detail: 'CONNECT request: there is no path to judge' });
    if (c instanceof Promise) c.then(answer, () => socket.destroy());
    else answer(c);
  } catch {
    socket.destroy();
  }
}

/** `done` is called when the Check has been answered (or failed), to count it out of the bound. */
function handle(opts: AuthzServerOptions, telemetry: CheckTelemetry, req: IncomingMessage, res: ServerResponse, done: () => void): void {
  const started = performance.now();
  let rt: Runtime | undefined;
  const finish = ({ verdict: v, answer }: Checked, nginx: boolean) => {
    const out = toHttp(answer, nginx, v, identityHeaderNames(rt!.config), rt!.config.stepup.session?.cookie_name);
    send(res, out.status, out.headers, answer.body);
    done();
    telemetry.checked(rt, v, out.status, performance.now() - started, undefined, undefined);
  };
  const failed = (err: unknown) => {
    done();
    try {
      if (!res.headersSent) {
        send(res, 500, [['content-type', 'application/json'], ['cache-control', 'no-store']], JSON.stringify({ reason: 'internal_error', message: reasonMessage('internal_error') }));
      }
      telemetry.checked(rt, fail('internal_error', 'check failed unexpectedly; denying', undefined, undefined), 500, performance.now() - started, undefined, undefined, err);
    } catch {
      res.destroy();
    }
  };
  // Every request, refused or not, goes through the one check() the gRPC adapter and explain call.
  const run = (p: ParsedRequest, nginx: boolean) => {
    const c = check(rt!, p);
    if (c instanceof Promise) c.then((x) => finish(x, nginx)).catch(failed);
    else finish(c, nginx);
  };
  try {
    rt = opts.runtime();
    const parsed = parseAuthzRequest(rt, opts.proxies, req);
    if (!parsed.ok || parsed.forwardAuth || !hasBody(req)) {
      // No body is needed; drain it so keep-alive connections stay usable.
      req.resume();
    }
    if (!parsed.ok) return run(parsed, parsed.nginx);
    if (parsed.forwardAuth && parsed.spoofed.length > 0) {
      // A forward-auth proxy takes no removal list: it replaces the identity headers it copies
      // from our answer, and passes every other header on. A client-sent x-stepgate-* that is
      // not one of them would reach the upstream, so the request is refused instead.
      const known = identityHeaderNames(rt.config);
      const unknown = parsed.spoofed.filter((n) => !known.includes(n));
      if (unknown.length > 0) {
        const { method, target, authority, contextExtensions } = parsed.raw;
        return run({ ok: false, reason: 'request_invalid', detail: `client-sent ${unknown.slice(0, 3).join(', ')}: a forward-auth proxy cannot remove it`, line: { method, target, authority, contextExtensions } }, parsed.nginx);
      }
    }
    if (parsed.forwardAuth || !hasBody(req)) return run({ ok: true, raw: parsed.raw, spoofed: parsed.spoofed ?? EMPTY }, parsed.nginx);
    // Envoy's HTTP ext_authz with with_request_body sends the body as the Check's body: the
    // guardrails judge it exactly as they judge the gRPC Check's, including Envoy's partial mark.
    const max = rt.maxBodyBytes;
    readBytes(req, max).then((body) => {
      const partial = parsed.raw.headers.get('x-envoy-auth-partial-body');
      const cut = partial !== undefined && partial !== 'false';
      const raw: RawRequest = body === undefined || body.length === 0 ? { ...parsed.raw, body: undefined, bodyTruncated: body === undefined || cut } : { ...parsed.raw, body, bodyTruncated: cut };
      run({ ok: true, raw, spoofed: parsed.spoofed ?? EMPTY }, parsed.nginx);
    }, failed);
  } catch (err) {
    failed(err);
  }
}

/** Whether the request has a body to read: a non-zero Content-Length or a chunked one. */
function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}
