import { BAD_ESCAPE, tooManyQueryParams, unescape, type UnescapeFailure } from './unescape.js';

/**
 * kube-apiserver's RequestInfo (k8s.io/apiserver/pkg/endpoints/request, NewRequestInfo),
 * re-derived so that stepgate and the API server's authorizer agree on verb, namespace, resource
 * and name. Any disagreement between the two is a policy bypass, so the edge cases below follow
 * the upstream behaviour rather than what would look tidier.
 *
 * `path` must be what Go puts in URL.Path: percent-decoded once, nothing merged or resolved
 * (normalisePath in `kubernetes` mode, which also refuses the forms a gateway might rewrite).
 */

export interface KubeRequestInfo {
  isResourceRequest: boolean;
  /** The decoded path given (kube's URL.Path). */
  path: string;
  /** Lower-case kube verb; for non-resource requests the lower-cased HTTP method. */
  verb: string;
  /** 'api' | 'apis' for resource requests, '' otherwise. */
  apiPrefix: string;
  /** '' for the core group. */
  apiGroup: string;
  apiVersion: string;
  namespace: string;
  resource: string;
  subresource: string;
  name: string;
  /** Path parts after prefix/group/version (and namespace), as kube computes them. */
  parts: string[];
  /** The request asks for a protocol upgrade (WebSocket, SPDY, or HTTP/2 extended CONNECT). */
  upgrade: boolean;
}

const SLASH = 0x2f;
const PERCENT = 0x25;
const PLUS = 0x2b;
const SEMICOLON = 0x3b;
const EQUALS = 0x3d;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const BANG = 0x21;

// Only a namespace's own subresources may follow namespaces/{ns}; anything else is a namespaced
// resource type.
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

const STREAMING_SUBRESOURCES = new Set(['exec', 'attach', 'portforward']);

export function kubeRequestInfo(
  method: string,
  path: string,
  query: string,
  header: (name: string) => string | undefined,
): KubeRequestInfo {
  const info: KubeRequestInfo = {
    isResourceRequest: false,
    path,
    verb: method.toLowerCase(),
    apiPrefix: '',
    apiGroup: '',
    apiVersion: '',
    namespace: '',
    resource: '',
    subresource: '',
    name: '',
    parts: [],
    upgrade: isUpgrade(method, header),
  };

  const segs = splitPath(path);
  if (segs.length < 3) return info;
  const prefix = segs[0]!;
  let i: number;
  if (prefix === 'api') {
    i = 1;
  } else if (prefix === 'apis') {
    // A named group needs prefix, group, version and at least one more part.
    if (segs.length < 4) return info;
    info.apiGroup = segs[1]!;
    i = 2;
  } else {
    return info;
  }
  info.apiPrefix = prefix;
  info.isResourceRequest = true;
  info.apiVersion = segs[i++]!;

  const first = segs[i]!;
  if (first === 'watch' || first === 'proxy') {
    // kube answers these with a 500 before authorization ever runs; what we report here mirrors
    // the partially filled RequestInfo it gives up with.
    if (segs.length - i < 2) return info;
    info.verb = first;
    i++;
  } else {
    info.verb = methodVerb(method);
  }

  if (segs[i] === 'namespaces') {
    if (segs.length - i > 1) {
      info.namespace = segs[i + 1]!;
      if (segs.length - i > 2 && !NAMESPACE_SUBRESOURCES.has(segs[i + 2]!)) i += 2;
    }
  }

  const parts = segs.slice(i);
  info.parts = parts;
  // The legacy proxy verb treats everything after the name as the proxied path.
  if (parts.length >= 3 && info.verb !== 'proxy') info.subresource = parts[2]!;
  if (parts.length >= 2) info.name = parts[1]!;
  if (parts.length >= 1) info.resource = parts[0]!;

  let list: ListQuery | undefined;
  if (info.name === '' && info.verb === 'get') {
    list = readListQuery(query);
    info.verb = list.watch ? 'watch' : 'list';
    // Upstream only promotes a fieldSelector name here, for list and watch; deletecollection
    // and the /watch/ path form are authorized without one, so they must stay nameless here too.
    info.name = list.name;
  }
  // Not upstream's RequestInfo, which authorizes a list or watch across namespaces as one whatever
  // its selector: narrowed by `metadata.namespace=X` it returns exactly X's objects, so it is
  // judged as the list in X (the /watch/ path form too). Otherwise
  // `GET /api/v1/secrets?fieldSelector=metadata.namespace=stepgate` read stepgate's own Secrets
  // under the rules for the cluster-wide list Helm sends, not those for that namespace.
  if (info.namespace === '' && info.name === '' && (info.verb === 'list' || info.verb === 'watch') && query !== '') {
    const narrowed = (list ?? readListQuery(query)).namespace;
    if (narrowed !== '') info.namespace = narrowed;
  }
  if (info.name === '' && info.verb === 'delete') info.verb = 'deletecollection';

  // Not upstream's RequestInfo: kubectl opens exec/attach/port-forward over WebSocket (GET with
  // Upgrade) first and falls back to SPDY (POST). Current kube-apiserver authorizes both as
  // `create` on the subresource, so a step-up policy written for one must also catch the other.
  // Any non-POST method is folded in, not only an upgraded GET: the streaming handlers cannot
  // serve a plain GET anyway, and Envoy may turn an HTTP/2 extended CONNECT (method CONNECT,
  // verb '' above) into an upgraded GET towards the API server.
  if (STREAMING_SUBRESOURCES.has(info.subresource) && (info.verb === 'get' || info.verb === '')) {
    info.verb = 'create';
  }
  return info;
}

/**
 * Whether the request asks kube-apiserver for a protocol upgrade where it serves none. It serves
 * one on a subresource (exec, attach, portforward, a pod's, service's or node's proxy, a log
 * follow; an aggregated API's streaming subresource: KubeVirt's console, vnc, portforward) and on a
 * watch, nowhere else: discovery (`/apis/metrics.k8s.io/v1beta1`), an object's get or a list never
 * switches protocols. Such a request is what CVE-2018-1002105 sent: the aggregator or the kubelet
 * proxy refused the upgrade and kept the connection, whose next requests reached the backend as
 * the API server (with its credentials), past every check of the gateway and of kube's own
 * authorizer. The discovery variant needs no rights at all; no client sends it otherwise.
 */
export function upgradeNotServed(info: KubeRequestInfo): boolean {
  if (!info.upgrade) return false;
  if (!info.isResourceRequest) return true;
  return info.verb !== 'watch' && info.subresource === '';
}

/**
 * The request is a server-side apply (PATCH with an `application/apply-patch+…` body), which
 * creates the object it names when that does not exist yet: kube authorizes it as `patch` in its
 * filter, then, just before creating, once more as `create` (handlers/patch.go,
 * createAuthorizerAttributes). Whether the object exists is not on the request line, so a rule
 * about `create` must apply to every apply, or `kubectl apply --server-side` steps around it.
 *
 * Go compares the media type before ';' exactly; any part of a joined Content-Type whose media type
 * is an apply patch in any letter case counts here, which can only match more often than kube does.
 */
export function mayCreateByApply(info: KubeRequestInfo, contentType: string | undefined): boolean {
  if (info.verb !== 'patch' || !info.isResourceRequest || info.name === '' || contentType === undefined) return false;
  const lower = contentType.toLowerCase();
  if (!lower.includes('apply-patch')) return false;
  for (const part of lower.split(',')) {
    const semicolon = part.indexOf(';');
    if ((semicolon < 0 ? part : part.slice(0, semicolon)).trim().startsWith('application/apply-patch')) return true;
  }
  return false;
}

function methodVerb(method: string): string {
  switch (method) {
    case 'POST':
      return 'create';
    case 'GET':
    case 'HEAD':
      return 'get';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return 'delete';
    default:
      // Upstream leaves the verb empty for other methods on resource paths (RBAC then matches
      // only '*'); returning the method name instead would invent a verb kube never checks.
      return '';
  }
}

function isUpgrade(method: string, header: (name: string) => string | undefined): boolean {
  const upgrade = header('upgrade');
  if (upgrade !== undefined && upgrade !== '') return true;
  const connection = header('connection');
  if (connection !== undefined && /upgrade/i.test(connection)) return true;
  // HTTP/2 has no Upgrade header; WebSockets use extended CONNECT with a :protocol pseudo-header.
  const protocol = method === 'CONNECT' ? header(':protocol') : undefined;
  return protocol !== undefined && protocol !== '';
}

/** Like Go's strings.Trim(p, "/") followed by Split: inner empty segments are kept. */
function splitPath(p: string): string[] {
  let s = 0;
  let e = p.length;
  while (s < e && p.charCodeAt(s) === SLASH) s++;
  while (e > s && p.charCodeAt(e - 1) === SLASH) e--;
  if (s === e) return [];
  return (s === 0 && e === p.length ? p : p.slice(s, e)).split('/');
}

interface ListQuery {
  watch: boolean;
  name: string;
  /** The one namespace a `metadata.namespace=` field selector narrows the list to ('' none). */
  namespace: string;
}

const NO_LIST_QUERY: ListQuery = { watch: false, name: '', namespace: '' };

/**
 * Reads `watch` and `fieldSelector` the way kube does: Go's url.Query() (pairs split on '&', a
 * pair holding ';' or a bad escape is dropped, the first surviving value wins), then ListOptions
 * decoding. Only the two keys that matter are decoded, and only when a list is possible.
 *
 * Known gap: kube also drops the selector name when another ListOptions field fails to decode
 * (a non-integer `limit`/`timeoutSeconds`, an invalid `labelSelector`). Those requests are
 * rejected with 400 by the list handler, which decodes the same options, so nothing is served.
 */
function readListQuery(query: string): ListQuery {
  if (query === '') return NO_LIST_QUERY;
  if (tooManyQueryParams(query)) {
    return NO_LIST_QUERY;
  }
  let watch: string | undefined;
  let selector: string | number | undefined;
  let pos = 0;
  while (pos <= query.length && (watch === undefined || selector === undefined)) {
    let end = query.indexOf('&', pos);
    if (end < 0) end = query.length;
    const pairStart = pos;
    pos = end + 1;
    if (end === pairStart) continue;
    let eq = -1;
    let semicolon = false;
    for (let k = pairStart; k < end; k++) {
      const c = query.charCodeAt(k);
      if (c === SEMICOLON) {
        semicolon = true;
        break;
      }
      if (c === EQUALS && eq < 0) eq = k;
    }
    if (semicolon) continue;
    const keyEnd = eq < 0 ? end : eq;
    const key = keyOf(query, pairStart, keyEnd);
    if (key === KEY_OTHER) continue;
    const valueStart = eq < 0 ? end : eq + 1;
    if (key === KEY_WATCH && watch === undefined) {
      const v = decodeComponent(query, valueStart, end, false);
      if (typeof v === 'string') watch = v;
    } else if (key === KEY_FIELD_SELECTOR && selector === undefined) {
      const v = decodeComponent(query, valueStart, end, true);
      // A bad escape drops the pair, so a later fieldSelector may still count; a value that is
      // not UTF-8 is kept by Go, and we cannot reproduce its bytes, so it just yields no name.
      if (v !== BAD_ESCAPE) selector = v;
    }
  }

  const name = typeof selector === 'string' ? exactMatch(selector, 'metadata.name') : '';
  if (name === undefined) {
    // ListOptions failed to decode: upstream keeps only `watch`, compared after ToLower.
    return { watch: watch !== undefined && !isFalse(watch, false), name: '', namespace: '' };
  }
  const namespace = typeof selector === 'string' ? (exactMatch(selector, 'metadata.namespace') ?? '') : '';
  return { watch: watch !== undefined && !isFalse(watch, true), name: isValidPathSegmentName(name) ? name : '', namespace: isValidPathSegmentName(namespace) ? namespace : '' };
}

const KEY_OTHER = 0;
const KEY_WATCH = 1;
const KEY_FIELD_SELECTOR = 2;

function keyOf(q: string, start: number, end: number): number {
  const len = end - start;
  // Literal keys compare in place; only a key that could decode to one of ours gets decoded.
  if (len === 5 && q.startsWith('watch', start)) return KEY_WATCH;
  if (len === 13 && q.startsWith('fieldSelector', start)) return KEY_FIELD_SELECTOR;
  let encoded = false;
  for (let k = start; k < end; k++) {
    const c = q.charCodeAt(k);
    if (c === PERCENT || c === PLUS) {
      encoded = true;
      break;
    }
  }
  if (!encoded || len < 5) return KEY_OTHER;
  const key = decodeComponent(q, start, end, true);
  if (key === 'watch') return KEY_WATCH;
  if (key === 'fieldSelector') return KEY_FIELD_SELECTOR;
  return KEY_OTHER;
}

/** Go's QueryUnescape of q[start, end), with a fast path for components with nothing to decode. */
function decodeComponent(q: string, start: number, end: number, strict: boolean): string | UnescapeFailure {
  for (let k = start; k < end; k++) {
    const c = q.charCodeAt(k);
    if (c === PERCENT || c === PLUS) return unescape(q.slice(start, end), 'query', strict);
  }
  return q.slice(start, end);
}

/**
 * ListOptions' bool conversion: "0" or EqualFold(v, "false") is false, anything else (even an
 * empty value) is true. Go's EqualFold is Unicode simple folding, under which U+017F (long s)
 * equals 's'; the fallback path after a decode error uses ToLower instead, which does not.
 */
function isFalse(v: string, unicodeFold: boolean): boolean {
  if (v === '0') return true;
  if (v.length !== 5) return false;
  const want = 'false';
  for (let k = 0; k < 5; k++) {
    const c = v.charCodeAt(k);
    const w = want.charCodeAt(k);
    if (c === w || (c >= 0x41 && c <= 0x5a && (c | 0x20) === w)) continue;
    if (unicodeFold && w === 0x73 && c === 0x17f) continue;
    return false;
  }
  return true;
}

/**
 * fields.ParseSelector + RequiresExactMatch(field). Returns undefined when the selector does not
 * parse (upstream then ignores it entirely), '' when it names nothing.
 *
 * Terms are split on unescaped ',', each split at its first "!=", "==" or "=" (no escaping on the
 * left), and the right side must unescape cleanly. Upstream sorts the raw terms before looking,
 * so with several metadata.name terms the byte-wise smallest term wins.
 */
function exactMatch(selector: string, field: 'metadata.name' | 'metadata.namespace'): string | undefined {
  let bestTerm: string | undefined;
  let bestValue = '';
  let termStart = 0;
  let escaped = false;
  for (let k = 0; k <= selector.length; k++) {
    const c = k < selector.length ? selector.charCodeAt(k) : COMMA;
    if (escaped) {
      escaped = false;
      if (k < selector.length) continue;
    } else if (c === BACKSLASH) {
      escaped = true;
      continue;
    }
    if (c !== COMMA && k < selector.length) continue;
    const termEnd = k;
    const start = termStart;
    termStart = k + 1;
    if (termEnd === start) continue;

    let op = -1;
    let opLen = 0;
    let negated = false;
    for (let m = start; m < termEnd; m++) {
      const d = selector.charCodeAt(m);
      if (d === BANG && selector.charCodeAt(m + 1) === EQUALS && m + 1 < termEnd) {
        op = m;
        opLen = 2;
        negated = true;
        break;
      }
      if (d === EQUALS) {
        op = m;
        opLen = m + 1 < termEnd && selector.charCodeAt(m + 1) === EQUALS ? 2 : 1;
        break;
      }
    }
    if (op < 0) return undefined;
    const value = unescapeSelectorValue(selector, op + opLen, termEnd);
    if (value === undefined) return undefined;
    if (negated || op - start !== field.length || !selector.startsWith(field, start)) continue;
    const term = selector.slice(start, termEnd);
    if (bestTerm === undefined || compareCodePoints(term, bestTerm) < 0) {
      bestTerm = term;
      bestValue = value;
    }
  }
  return bestValue;
}

function unescapeSelectorValue(s: string, start: number, end: number): string | undefined {
  let simple = true;
  for (let k = start; k < end; k++) {
    const c = s.charCodeAt(k);
    if (c === BACKSLASH || c === COMMA || c === EQUALS) {
      simple = false;
      break;
    }
  }
  if (simple) return s.slice(start, end);
  let out = '';
  let run = start;
  for (let k = start; k < end; k++) {
    const c = s.charCodeAt(k);
    if (c === COMMA || c === EQUALS) return undefined;
    if (c !== BACKSLASH) continue;
    const next = s.charCodeAt(k + 1);
    if (k + 1 >= end || (next !== BACKSLASH && next !== COMMA && next !== EQUALS)) return undefined;
    out += s.slice(run, k);
    run = k + 1;
    k++;
  }
  return out + s.slice(run, end);
}

/** Go compares strings byte-wise; for well-formed UTF-8 that is code point order, not UTF-16. */
function compareCodePoints(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(j)!;
    if (x !== y) return x - y;
    i += x > 0xffff ? 2 : 1;
    j += y > 0xffff ? 2 : 1;
  }
  return a.length - i - (b.length - j);
}

/** apimachinery's IsValidPathSegmentName: a name kube would put back into a URL path. */
function isValidPathSegmentName(name: string): boolean {
  return name !== '.' && name !== '..' && !name.includes('/') && !name.includes('%');
}
