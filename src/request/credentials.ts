import { Buffer } from 'node:buffer';
import { cookieValues } from './cookies.js';
import { headlampToken } from './headlamp.js';
import { websocketBearer } from './websocket.js';

/**
 * Which credential a request presents. The carriers an upstream honours (Authorization: Bearer,
 * and for kube-apiserver the WebSocket bearer subprotocol) are verified exactly alike; when both
 * are present they must carry the same token, because stepgate would otherwise vouch for one
 * identity while the upstream authenticates another (kube tries Authorization first and falls
 * back to the subprotocol when that fails). On a proxied path, so are the tokens a dashboard
 * sends the API server in place of Authorization (Headlamp's token cookies and header, Backstage's
 * header). stepgate's session cookie counts only when no
 * upstream credential is present: it is never forwarded, so it cannot disagree with the
 * upstream, and an explicit credential is never rescued by it. Two different session cookies
 * (cookie tossing from a sibling domain, or stale ones) are ambiguous too.
 */
export type Credential =
  | { kind: 'bearer'; token: string; scheme?: 'dpop' }
  | { kind: 'session'; value: string }
  | { kind: 'problem'; reason: CredentialProblem; detail: string };

/** Reason codes (src/core/reasons.ts) a credential can fail with before any verification. */
export type CredentialProblem = 'token_missing' | 'token_malformed' | 'credential_ambiguous';

export function presentedCredential(headers: ReadonlyMap<string, string>, sessionCookie: string | undefined, throughKubeProxy = false, bodyTokens?: readonly string[]): Credential {
  const cred = throughKubeProxy ? withHeadlampToken(headers, upstreamCredential(headers, sessionCookie)) : upstreamCredential(headers, sessionCookie);
  if (cred.kind === 'problem') return cred;
  if (bodyTokens !== undefined && bodyTokens.some((t) => cred.kind !== 'bearer' || t !== cred.token)) {
    return { kind: 'problem', reason: 'credential_ambiguous', detail: "the body's auth (which Backstage's Kubernetes queries send the API server) carries another credential than the one verified" };
  }
  return throughKubeProxy ? (dashboardCredential(headers, cred) ?? cred) : cred;
}

function upstreamCredential(headers: ReadonlyMap<string, string>, sessionCookie: string | undefined): Credential {
  const ws = websocketBearer(headers.get('sec-websocket-protocol'));
  if (ws.kind === 'malformed') return { kind: 'problem', reason: 'token_malformed', detail: ws.detail };
  const authorization = headers.get('authorization');
  if (authorization !== undefined) {
    // RFC 9449 §7.1: a DPoP-bound token is sent under its own scheme, with its proof beside it in
    // the DPoP header (checked once the token is verified: identity/sender-binding.ts).
    const dpop = DPOP.test(authorization);
    const token = dpop ? schemeToken(authorization, DPOP) : bearerToken(authorization);
    if (typeof token !== 'string') return { kind: 'problem', reason: token.reason, detail: token.detail };
    if (ws.kind === 'token' && ws.token !== token) {
      return { kind: 'problem', reason: 'credential_ambiguous', detail: 'Authorization and the WebSocket bearer subprotocol carry different tokens' };
    }
    return dpop ? { kind: 'bearer', token, scheme: 'dpop' } : { kind: 'bearer', token };
  }
  if (ws.kind === 'token') return { kind: 'bearer', token: ws.token };
  if (sessionCookie !== undefined) {
    const values = cookieValues(headers.get('cookie'), sessionCookie).filter((v) => v !== '');
    if (values.length > 0) {
      if (values.some((v) => v !== values[0])) {
        return { kind: 'problem', reason: 'credential_ambiguous', detail: `${values.length} different ${sessionCookie} cookies` };
      }
      return { kind: 'session', value: values[0]! };
    }
  }
  return { kind: 'problem', reason: 'token_missing', detail: 'no authorization header' };
}

/**
 * Backstage's Kubernetes proxy (plugin kubernetes-backend, KubernetesProxy) does not forward the
 * Authorization it was sent: it sets the API server's Authorization to its
 * `Backstage-Kubernetes-Authorization` header as sent, or, without that, to a token taken from a
 * `Backstage-Kubernetes-Authorization-<framework>[-<provider>]` header (the `oidc` strategy uses the
 * value as the bearer token). On a path read through a `kubernetes.proxies` prefix, such a header
 * carrying another token than the credential stepgate verified would let a stolen one-factor token
 * ride on the caller's own fresh sign-in: the API server would run as the stolen token's user.
 * Every such header must carry the verified token itself; a session-cookie credential has none to
 * agree with, so any such header beside it is ambiguous too.
 */
const BACKSTAGE_AUTH = 'backstage-kubernetes-authorization';

/**
 * Headlamp's stateless clusters: with dynamic clusters on, a `KUBECONFIG` header (a base64
 * kubeconfig the browser keeps) becomes the context Headlamp proxies with, its user's token or
 * client certificate included, and kube-apiserver tries a client certificate before any bearer
 * token. stepgate verifies nothing in it, so a request carrying one is refused whatever else it has.
 */
const HEADLAMP_KUBECONFIG = 'kubeconfig';

/**
 * OpenShift's web console (openshift/console, pkg/auth/oauth2 Authenticate) calls the API server
 * with the token of its own session, from its `openshift-session-token` cookie (an encrypted
 * server-side session, or the raw OAuth token in older consoles; `openshift-refresh-token` mints a
 * new one), and never reads Authorization. Its frontend sends no Authorization, so a bearer token
 * beside that cookie is someone's fresh sign-in in front of a session that may be another user's
 * (stolen): refused. Beside stepgate's own session cookie, each console cookie is bound to the
 * stepgate identity that first presented it (pipeline/console-sessions.ts).
 */
const CONSOLE_COOKIES = ['openshift-session-token', 'openshift-refresh-token'];
const CONSOLE_COOKIE = /openshift-(session|refresh)-token/i;
const NO_CONSOLE: readonly string[] = Object.freeze([]);

/**
 * The non-empty values of the OpenShift console's cookies in a Cookie header (names in any letter
 * case, and any name they begin); none without one. A header without either name costs one test.
 */
export function consoleSessionValues(cookie: string | undefined): readonly string[] {
  if (cookie === undefined || !CONSOLE_COOKIE.test(cookie)) return NO_CONSOLE;
  const out: string[] = [];
  // Envoy's CheckRequest joins two Cookie headers with ',' (its `headers` map), while the console
  // (Go's net/http) reads each line it is forwarded: a console cookie after a ',' is one too.
  for (const part of cookie.split(/[;,]/)) {
    const eq = part.indexOf('=');
    const name = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase();
    const value = consoleSessionKey(eq < 0 ? '' : part.slice(eq + 1).trim());
    if (value !== '' && CONSOLE_COOKIES.some((c) => name.startsWith(c)) && !out.includes(value)) out.push(value);
  }
  return out;
}

/**
 * A console cookie's value as the console reads it, so that every spelling of one session binds
 * as one: Go's net/http (parseCookieValue) drops one pair of surrounding double quotes, and
 * gorilla/securecookie (the console's session cookie store) decodes the value with
 * base64.URLEncoding, which ignores the unused low bits of the last character before the padding
 * (`…QQ==` and `…QR==` are the same bytes, the same session, the same valid MAC). A value of that
 * shape is keyed by its bytes; any other (an older console's raw OAuth token) as it is.
 */
function consoleSessionKey(raw: string): string {
  const value = raw.length > 1 && raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw;
  if (value.length % 4 !== 0 || !BASE64URL_PADDED.test(value)) return value;
  return `base64:${Buffer.from(value, 'base64url').toString('base64url')}`;
}

const BASE64URL_PADDED = /^[A-Za-z0-9_-]+(?:={0,2})$/;

/** A credential problem when a dashboard on a proxied path would send the API server another credential than `cred`. */
function dashboardCredential(headers: ReadonlyMap<string, string>, cred: Credential): Credential | undefined {
  if (headers.has(HEADLAMP_KUBECONFIG)) {
    return { kind: 'problem', reason: 'credential_ambiguous', detail: "a KUBECONFIG header (Headlamp's stateless clusters), whose credentials the dashboard may send the API server instead of the one verified" };
  }
  if (cred.kind === 'bearer' && consoleSessionValues(headers.get('cookie')).length > 0) {
    return { kind: 'problem', reason: 'credential_ambiguous', detail: "the OpenShift console's session cookie beside a bearer token: the console sends the API server its session's own token and ignores Authorization" };
  }
  for (const [name, value] of headers) {
    if (!name.startsWith(BACKSTAGE_AUTH)) continue;
    let token: string | TokenProblem;
    if (name.length === BACKSTAGE_AUTH.length) token = bearerToken(value);
    else if (name.charCodeAt(BACKSTAGE_AUTH.length) === 0x2d) token = value.trim();
    else continue;
    if (cred.kind !== 'bearer' || token !== cred.token) {
      return { kind: 'problem', reason: 'credential_ambiguous', detail: `${name} (which Backstage's Kubernetes proxy sends to the API server in place of Authorization) carries another credential than the one verified` };
    }
  }
  return undefined;
}

/**
 * Headlamp's token header and cookies on a proxied path (request/headlamp.ts): what its backend
 * sends the API server in place of Authorization. Beside a bearer token they must carry that very
 * token; without one they are the credential, verified like Authorization and ahead of stepgate's
 * own session cookie, which never reaches the API server.
 */
function withHeadlampToken(headers: ReadonlyMap<string, string>, cred: Credential): Credential {
  const headlamp = headlampToken(headers);
  if (headlamp.kind === 'none') return cred;
  if (headlamp.kind === 'unreadable') return { kind: 'problem', reason: 'credential_ambiguous', detail: headlamp.detail };
  if (cred.kind === 'bearer') {
    return cred.token === headlamp.token ? cred : { kind: 'problem', reason: 'credential_ambiguous', detail: "Headlamp's token cookie or X-Forwarded-Id-Token (which it sends the API server in place of Authorization) carries another credential than Authorization" };
  }
  if (cred.kind === 'session' || cred.reason === 'token_missing') return { kind: 'bearer', token: headlamp.token };
  return cred;
}

type TokenProblem = { reason: 'token_missing' | 'token_malformed'; detail: string };

const BEARER = /^bearer +/i;
const DPOP = /^dpop +/i;

/** RFC 6750 §2.1. Anything other than exactly one Bearer credential is not a token we verify. */
export function bearerToken(header: string | undefined): string | TokenProblem {
  if (header === undefined || header === '') return { reason: 'token_missing', detail: 'no authorization header' };
  return schemeToken(header, BEARER);
}

/** The one token after `scheme` (Bearer, or RFC 9449's DPoP, whose token68 is the same shape). */
function schemeToken(header: string, scheme: RegExp): string | TokenProblem {
  const m = scheme.exec(header);
  const name = scheme === DPOP ? 'DPoP' : 'Bearer';
  if (!m) return { reason: 'token_missing', detail: `authorization header is not a ${name} credential` };
  const token = header.slice(m[0].length).trim();
  if (token === '' || token.includes(' ') || token.includes(',')) {
    return { reason: 'token_malformed', detail: `the ${name} credential is empty or not a single token` };
  }
  return token;
}
