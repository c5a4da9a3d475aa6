import { absoluteFormAuthority } from './path.js';
import type { BodyReader } from './web-apis.js';

/**
 * Headlamp (kubernetes-sigs/headlamp) on a `kubernetes.proxies` path: where its backend takes the
 * token it sends the API server from, and the routes beside its cluster proxy that are not the
 * API passed through.
 *
 * The token (backend/cmd/headlamp.go, the cluster proxy; backend/pkg/auth/cookies.go): with
 * `-proxy-auth`, the `X-Forwarded-Id-Token` header (trimmed) comes first; then the HttpOnly
 * cookies `headlamp-auth-<cluster>.0`, `.1`, … (a token split in chunks of 3,800 characters,
 * `<cluster>` the cluster's name without characters outside `[A-Za-z0-9_-]`), concatenated from
 * `.0` until the first missing index, each read as Go's `Request.Cookie` reads it (the first of a
 * name, one pair of surrounding double quotes removed); and only then the Authorization the
 * browser sent, which these replace. A verified token in Authorization beside another token in
 * either is a stolen token riding on a fresh sign-in.
 */
export type HeadlampToken =
  | { kind: 'none' }
  | { kind: 'token'; token: string }
  | { kind: 'unreadable'; detail: string };

const NONE: HeadlampToken = Object.freeze({ kind: 'none' });

export const HEADLAMP_TOKEN_HEADER = 'x-forwarded-id-token';
const COOKIE_PREFIX = 'headlamp-auth-';
/** `<cluster>.<index>`, as SanitizeClusterName and `%d` write them. */
const CHUNK_NAME = /^([A-Za-z0-9_-]{1,50})\.(0|[1-9][0-9]{0,2})$/;
/** RFC 6265's cookie-octet: a value with anything else (a blank, a comma, a quote inside) may be read otherwise by Go. */
const COOKIE_OCTETS = /^[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*$/;
/** More chunks than a token (or header limits) ever needs are refused rather than joined. */
const MAX_CHUNKS = 32;

/**
 * The one token Headlamp may send the API server in place of Authorization, from its token header
 * and its cookies. Every `headlamp-auth-` cookie must take part in a cluster's token exactly as
 * Headlamp joins it, and every cluster's token and the header must be the same: a cookie stepgate
 * cannot place (a name in other letter case, a stray index, two different values under one name)
 * or two tokens is unreadable, refused rather than guessed at.
 */
export function headlampToken(headers: ReadonlyMap<string, string>): HeadlampToken {
  const header = headers.get(HEADLAMP_TOKEN_HEADER)?.trim();
  const cookie = headers.get('cookie');
  const fromCookies = cookie !== undefined && cookie.toLowerCase().includes(COOKIE_PREFIX) ? cookieToken(cookie) : NONE;
  if (fromCookies.kind === 'unreadable') return fromCookies;
  if (header === undefined || header === '') return fromCookies;
  if (fromCookies.kind === 'token' && fromCookies.token !== header) {
    return { kind: 'unreadable', detail: `${HEADLAMP_TOKEN_HEADER} and Headlamp's token cookies carry different tokens` };
  }
  return { kind: 'token', token: header };
}

function cookieToken(header: string): HeadlampToken {
  // cluster → chunk index → value (the first of each name, as Go's Request.Cookie returns it).
  const clusters = new Map<string, Map<number, string>>();
  let count = 0;
  // Envoy's CheckRequest joins two Cookie lines with ',' while Headlamp (Go's net/http) reads each
  // line it is forwarded, so a chunk after a ',' is one too (a token chunk never holds a ',').
  for (const part of header.split(/[;,]/)) {
    const eq = part.indexOf('=');
    const name = (eq < 0 ? part : part.slice(0, eq)).trim();
    if (name.length < COOKIE_PREFIX.length || name.slice(0, COOKIE_PREFIX.length).toLowerCase() !== COOKIE_PREFIX) continue;
    const m = name.startsWith(COOKIE_PREFIX) ? CHUNK_NAME.exec(name.slice(COOKIE_PREFIX.length)) : null;
    if (m === null || eq < 0) return unreadable(`a ${printable(name)} cookie that is not one of Headlamp's token chunks as it names them`);
    if (++count > MAX_CHUNKS) return unreadable(`more than ${MAX_CHUNKS} Headlamp token cookies`);
    const value = cookieValue(part.slice(eq + 1).trim());
    if (value === undefined) return unreadable(`a ${printable(name)} cookie whose value Go may read otherwise`);
    const [, cluster, index] = m as unknown as [string, string, string];
    let chunks = clusters.get(cluster);
    if (chunks === undefined) clusters.set(cluster, (chunks = new Map<number, string>()));
    const i = Number(index);
    const seen = chunks.get(i);
    if (seen !== undefined && seen !== value) return unreadable(`two ${printable(name)} cookies with different values`);
    chunks.set(i, value);
  }
  let token: string | undefined;
  for (const chunks of clusters.values()) {
    let joined = '';
    for (let i = 0; i < chunks.size; i++) {
      const chunk = chunks.get(i);
      // Headlamp stops at the first missing index: a chunk past it is one stepgate cannot place.
      if (chunk === undefined) return unreadable("a Headlamp token chunk after a missing one");
      joined += chunk;
    }
    // An empty join is no token to Headlamp (it falls back to Authorization).
    if (joined === '') continue;
    if (token !== undefined && token !== joined) return unreadable("Headlamp token cookies of two clusters with different tokens");
    token = joined;
  }
  return token === undefined ? NONE : { kind: 'token', token };
}

/** Go's parseCookieValue with quotes allowed: one surrounding pair removed; undefined for a value outside cookie-octets. */
function cookieValue(raw: string): string | undefined {
  const v = raw.length > 1 && raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw;
  return COOKIE_OCTETS.test(v) ? v : undefined;
}

function unreadable(detail: string): HeadlampToken {
  return { kind: 'unreadable', detail };
}

function printable(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, '?').slice(0, 60);
}

/**
 * Routes of Headlamp's backend under `/clusters/<cluster>/` beside its cluster proxy, which
 * gorilla/mux matches before the proxy's catch-all:
 *
 * - `serviceproxy/<namespace>/<service>?request=<path>` reads the Service with the caller's token,
 *   then GETs `<path>` on it from Headlamp's own pod (backend/pkg/serviceproxy): a Service's proxy
 *   without the API server's `services/proxy`, so it is judged as that;
 * - `portforward` (POST, a JSON body `{namespace, pod, targetPort, …}`) opens a port-forward to
 *   the pod with the caller's token (backend/pkg/portforward): judged as the pod's `portforward`.
 *
 * Neither path is one kube-apiserver serves, so they are read so behind any dashboard's prefix:
 * elsewhere they would only be a 404. The namespace and names must be plain Kubernetes names;
 * anything else, or a port-forward body that cannot be read, is refused (`invalid`).
 */
export type HeadlampReading =
  | { kind: 'api' }
  /** `unseen`: the write's objects are not in the request (a Helm chart's manifests). */
  | { kind: 'kube'; method: string; path: string; unseen?: string }
  | { kind: 'invalid'; detail: string };

const API: HeadlampReading = { kind: 'api' };
const NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const SERVICE_PROXY = /^\/serviceproxy\/([^/]+)\/([^/]+)$/i;

/** Reads `rest`, the decoded path after the proxy prefix, and its `query`, for `method`. */
export function readHeadlamp(method: string, rest: string, body: BodyReader, query = ''): HeadlampReading {
  if (rest.length > 6 && rest.slice(0, 6).toLowerCase() === '/helm/') return readHelm(method, rest.toLowerCase(), body, query);
  const proxy = SERVICE_PROXY.exec(rest);
  if (proxy !== null) {
    const [, namespace, service] = proxy as unknown as [string, string, string];
    if (!NAME.test(namespace) || !NAME.test(service)) return invalid("a Headlamp service proxy whose namespace or Service is not a plain name");
    return { kind: 'kube', method: 'GET', path: `/api/v1/namespaces/${namespace}/services/${service}/proxy` };
  }
  if (method !== 'POST' || rest.toLowerCase() !== '/portforward') return API;
  const doc = body();
  if (doc === undefined) return invalid('a Headlamp port-forward whose body is not a complete JSON object');
  const { namespace, pod } = doc;
  if (typeof namespace !== 'string' || typeof pod !== 'string' || !NAME.test(namespace) || !NAME.test(pod)) {
    return invalid("a Headlamp port-forward whose namespace or pod is not a plain name");
  }
  return { kind: 'kube', method: 'POST', path: `/api/v1/namespaces/${namespace}/pods/${pod}/portforward` };
}

/**
 * Headlamp's Helm routes (`<prefix>/helm/…`, backend/pkg/helm) run Helm with the caller's token,
 * and Helm keeps each release in a Secret of its namespace (`sh.helm.release.v1.<name>.v<n>`):
 * the release's values and rendered manifests, the Secrets among them included.
 *
 * - reading releases (`GET releases/list`, `releases`, `release/history`) reads those Secrets,
 *   so it is judged as the list of Secrets in the `namespace` of the query, cluster-wide without
 *   one or with `allNamespaces`;
 * - `POST release/install`, `PUT releases/upgrade`, `PUT releases/rollback` (namespace in the
 *   JSON body) and `DELETE releases/uninstall` (in the query) apply or remove manifests that are
 *   not in the request: judged as a create (a delete) of Secrets in that namespace, unseen, so the
 *   guardrails ask what a write they cannot read asks (`guardrails.unreadable_body`).
 *
 * Its repository and chart routes change only Headlamp's own settings and stay API paths that
 * lead nowhere. A namespace that is not a plain name, named twice, or a body that cannot be read
 * is refused.
 */
function readHelm(method: string, rest: string, body: BodyReader, query: string): HeadlampReading {
  const route = rest.endsWith('/') ? rest.slice(0, -1) : rest;
  const end = (suffix: string) => route.endsWith(suffix);
  if (method === 'GET' && (end('/releases/list') || end('/releases') || end('/release/history'))) {
    const ns = queryNamespace(query);
    if (ns === INVALID) return invalid('a Headlamp Helm release read whose namespace is not one plain name');
    const all = end('/releases/list') && /(^|&)allnamespaces=(true|1|on)(&|$)/i.test(query);
    return { kind: 'kube', method: 'GET', path: ns === undefined || all ? '/api/v1/secrets' : `/api/v1/namespaces/${ns}/secrets` };
  }
  const write = (method === 'POST' && end('/release/install')) || (method === 'PUT' && (end('/releases/upgrade') || end('/releases/rollback')));
  if (write) {
    const doc = body();
    const ns = doc?.namespace;
    if (typeof ns !== 'string' || !NAME.test(ns)) return invalid('a Headlamp Helm install, upgrade or rollback whose body is not a JSON object with a plain namespace');
    return { kind: 'kube', method: 'POST', path: `/api/v1/namespaces/${ns}/secrets`, unseen: 'a Helm chart applied through Headlamp, whose manifests are not in the request' };
  }
  if (method === 'DELETE' && end('/releases/uninstall')) {
    const ns = queryNamespace(query);
    if (ns === INVALID || ns === undefined) return invalid('a Headlamp Helm uninstall whose namespace is not one plain name');
    return { kind: 'kube', method: 'DELETE', path: `/api/v1/namespaces/${ns}/secrets`, unseen: 'a Helm release uninstalled through Headlamp, whose objects are not in the request' };
  }
  return API;
}

const INVALID = Symbol('invalid');

/** The query's `namespace` (gorilla/schema's field, in any letter case), undefined when absent; INVALID when named twice or not a plain name. */
function queryNamespace(query: string): string | undefined | typeof INVALID {
  let ns: string | undefined;
  for (const pair of query.split('&')) {
    const eq = pair.indexOf('=');
    let key: string;
    let value: string;
    try {
      key = decodeURIComponent((eq < 0 ? pair : pair.slice(0, eq)).replaceAll('+', ' '));
      value = eq < 0 ? '' : decodeURIComponent(pair.slice(eq + 1).replaceAll('+', ' '));
    } catch {
      return INVALID;
    }
    if (key.toLowerCase() !== 'namespace') continue;
    if (ns !== undefined || !NAME.test(value)) return INVALID;
    ns = value;
  }
  return ns;
}

function invalid(what: string): HeadlampReading {
  return { kind: 'invalid', detail: `${what} (kubernetes.proxies)` };
}

/**
 * Routes of Headlamp's backend beside `<base>/clusters/` (`rest` is the decoded path after the
 * base URL) that reach the API server with the caller's token:
 *
 * - `wsMultiplexer`: one WebSocket whose JSON messages (`{clusterId, path, query, type: "REQUEST",
 *   data}`) each open an API server WebSocket at any path and query with the cluster's token
 *   cookie, `data` written to it (an exec's stdin). What it opens never passes a gateway, so it
 *   cannot be judged and is refused; Headlamp's frontend uses it only when built with
 *   REACT_APP_ENABLE_WEBSOCKET_MULTIPLEXER=true, and without it watches go through the proxy.
 * - `drain-node` (POST, `{cluster, nodeName}`): cordons the node (an update of it), then evicts
 *   every pod on it, with Authorization or the cluster's token cookie: judged as the node's update.
 *
 * - `cluster` (POST, with dynamic clusters on): adds a cluster whose `kubeconfig` (base64) brings its
 *   own token or client certificate, which Headlamp's proxy then sends the API server for that
 *   cluster (kube-apiserver tries a client certificate before any bearer token): credentials
 *   stepgate verifies nothing of, refused as the `KUBECONFIG` header is. Without one (a name, a
 *   server and its CA), and `cluster/<name>` (PUT renames, DELETE removes), it changes the cluster
 *   list Headlamp's process keeps for every user: a `server` of the caller's choosing under a name
 *   others use receives their tokens, so these are refused too (the operator configures clusters
 *   in Headlamp's own kubeconfig).
 *
 * - `externalproxy`: sends the request (method, body and every header: Authorization and cookies
 *   included) to the URL in its `proxy-to` header (`Forward-to` when that is empty) if the URL
 *   matches Headlamp's `-proxy-urls` globs, which stepgate does not see. Where they let in the API
 *   server (`https://*`, the in-cluster `https://kubernetes.default.svc/*`) or Headlamp's own
 *   listener, a Secret is read there with the caller's token past every Kubernetes rule. So the
 *   target is read as the API server would read it (`external`: its path and query, origin-form,
 *   judged by the Kubernetes rules beside the web request, and the credentials as on the proxy):
 *   an artifacthub.io search stays the ordinary read it is. A target stepgate cannot read as Go
 *   does (not one absolute http(s) URL, userinfo, a comma where two headers may have been joined,
 *   a fragment) is refused.
 *
 * Anything else there (Headlamp's pages, `/config`, `/drain-node-status`) is a web request.
 */
export type HeadlampBeside =
  | { kind: 'web' }
  | { kind: 'kube'; method: string; path: string; cluster: string }
  /** `target`: the external proxy's URL without scheme and authority (`/api/v1/…?…`). */
  | { kind: 'external'; target: string }
  | { kind: 'invalid'; detail: string };

const WEB: HeadlampBeside = { kind: 'web' };

/**
 * Headlamp's dynamic clusters live in one store of its process, not the caller's browser: a cluster
 * added there (any `server`), renamed or removed is what every other user's `/clusters/<name>/`
 * proxies their own token to from then on.
 */
const SHARED_CLUSTERS = "a cluster added to, renamed in or removed from Headlamp's dynamic clusters, which every user of this Headlamp then sends their token to (kubernetes.proxies)";

export function readHeadlampBeside(method: string, rest: string, body: BodyReader, header: (name: string) => string | undefined): HeadlampBeside {
  const r = rest.toLowerCase();
  if (r === '/externalproxy') return externalTarget(header('proxy-to') || header('forward-to'));
  if (r === '/wsmultiplexer' || r === '/wsmultiplexer/') {
    return { kind: 'invalid', detail: "Headlamp's WebSocket multiplexer, whose API requests travel inside the socket where no gateway sees them (kubernetes.proxies)" };
  }
  if (method === 'POST' && (r === '/cluster' || r === '/cluster/')) {
    const doc = body();
    if (doc === undefined) return { kind: 'invalid', detail: 'a cluster added to Headlamp whose body is not a complete JSON object (kubernetes.proxies)' };
    const kubeconfig = doc.kubeconfig;
    if (kubeconfig !== undefined && kubeconfig !== null && kubeconfig !== '') {
      return { kind: 'invalid', detail: "a cluster added to Headlamp with a kubeconfig, whose token or client certificate Headlamp would send the API server instead of the caller's (kubernetes.proxies)" };
    }
    return { kind: 'invalid', detail: SHARED_CLUSTERS };
  }
  if ((method === 'PUT' || method === 'DELETE') && r.startsWith('/cluster/')) return { kind: 'invalid', detail: SHARED_CLUSTERS };
  if (method !== 'POST' || (r !== '/drain-node' && r !== '/drain-node/')) return WEB;
  const doc = body();
  if (doc === undefined) return { kind: 'invalid', detail: 'a Headlamp node drain whose body is not a complete JSON object (kubernetes.proxies)' };
  const { cluster, nodeName } = doc;
  if (typeof nodeName !== 'string' || !NAME.test(nodeName) || typeof cluster !== 'string') {
    return { kind: 'invalid', detail: 'a Headlamp node drain whose nodeName is not a plain name or whose cluster is not a string (kubernetes.proxies)' };
  }
  return { kind: 'kube', method: 'PUT', path: `/api/v1/nodes/${nodeName}`, cluster };
}

/** Go's `Header.Get` trims; a value with a comma may be two headers Envoy joined, of which Go reads the first. */
const URL_CHARS = /^[\x21-\x7e]+$/;

function externalTarget(raw: string | undefined): HeadlampBeside {
  // No target: Headlamp answers 400 itself and sends nothing on.
  if (raw === undefined || raw.trim() === '') return WEB;
  const url = raw.trim();
  const refuse = (why: string): HeadlampBeside => ({ kind: 'invalid', detail: `Headlamp's external proxy to ${why} (kubernetes.proxies)` });
  if (!URL_CHARS.test(url) || url.includes(',') || url.includes('\\')) return refuse('a URL with a blank, a comma, a backslash or a character outside ASCII, which Go and stepgate may read apart');
  const authority = absoluteFormAuthority(url);
  if (authority === undefined || authority === '') return refuse('something other than one absolute http or https URL');
  if (authority.includes('@')) return refuse('a URL with userinfo');
  const at = url.indexOf(authority) + authority.length;
  const rest = url.slice(at);
  if (rest.includes('#')) return refuse('a URL with a fragment');
  return { kind: 'external', target: rest === '' || rest.startsWith('?') ? `/${rest}` : rest };
}
