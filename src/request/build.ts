import { Buffer } from 'node:buffer';
import type { AlsoList, GitopsWrite, RawRequest, RequestAttributes, RequestLine } from './attributes.js';
import { kubeRequestInfo, upgradeNotServed } from './kube.js';
import { absoluteFormAuthority, normalisePath } from './path.js';
import { readWebApi } from './web-apis.js';
import { rancherClaims, readRancher } from './web-apis-rancher.js';
import { argoCdClaims, argoCdFormFallback, argoCdRootless, readArgoCd } from './web-apis-argocd.js';
import { memberClusterRequest } from './member-clusters.js';
import { statusMayEditMetadata } from './status-metadata.js';
import { readBackstage } from './backstage.js';
import { readHeadlamp, readHeadlampBeside } from './headlamp.js';
import { mayBeApiPath, unlistedApiSignal } from './unlisted-api.js';
import { readsRefusalAsText, type KubeReader } from './raw-read.js';
import { KUBE_CONTEXT_KEY, type HostMatcher } from '../core/glob.js';

/** Backstage's Kubernetes proxy: the name of the cluster it proxies to (plugin kubernetes-backend, KubernetesProxy). */
const BACKSTAGE_CLUSTER = 'backstage-kubernetes-cluster';

export type BuiltRequest =
  | { ok: true; attributes: RequestAttributes }
  /**
   * reason: request_invalid when absent. kubeReader: how the Kubernetes client a
   * kubernetes_host_unlisted refusal goes to reads it (decision/respond.ts).
   */
  | { ok: false; detail: string; reason?: 'kubernetes_host_unlisted'; kubeReader?: KubeReader };

const METHOD = /^[A-Z][A-Z0-9_-]{0,31}$/;
/** Multi-cluster proxies read through, one inside another (request/member-clusters.ts). */
const MAX_MEMBER_DEPTH = 3;

/**
 * Validates and normalises a transport's raw request. Anything we cannot interpret the way the
 * upstream would is refused here (request_invalid) rather than guessed at: a guess is a bypass.
 */
export function buildAttributes(
  raw: RawRequest,
  spoofed: readonly string[],
  kubeHosts: HostMatcher,
): BuiltRequest {
  const method = raw.method.toUpperCase();
  if (!METHOD.test(method)) return { ok: false, detail: 'missing or invalid HTTP method' };
  if (raw.target === '') return { ok: false, detail: 'missing request path' };
  const authority = authorityOf(raw);
  if (authority === '') return { ok: false, detail: 'missing host' };
  const host = hostOnly(authority);
  if (host === undefined) return { ok: false, detail: 'invalid host' };
  // Envoy and nginx route an absolute-form request (`GET http://grafana.example/admin`) by the host
  // in it, and a server behind a proxy that passes the target on (Go's net/http) does too; the
  // rules were matched on the authority. Only a target naming the same host is read.
  const targetAuthority = absoluteFormAuthority(raw.target);
  if (targetAuthority !== undefined && (targetAuthority.includes('@') || hostOnly(targetAuthority) !== host)) {
    return { ok: false, detail: 'absolute-form request target names another host than the authority' };
  }
  // The tag is the operator's, from the route: a value it does not mean (`"True"`, `"yes"`) would
  // quietly fall back to the host list, and a route tagged for the API server under an address
  // that list lacks would have its Secrets judged as web pages. Refused, so the typo shows at once.
  const tag = Object.hasOwn(raw.contextExtensions, KUBE_CONTEXT_KEY) ? raw.contextExtensions[KUBE_CONTEXT_KEY] : undefined;
  if (tag !== undefined && tag !== 'true' && tag !== 'false') return { ok: false, detail: `context extension ${KUBE_CONTEXT_KEY} is neither "true" nor "false"` };
  // The host decides how the path is read: kube-apiserver's RequestInfo is derived from the path
  // as Go decodes it, with nothing merged or resolved, and whatever could reach it in another
  // form is refused.
  let isKube = kubeHosts.matches(host, raw.contextExtensions);
  // Go compares methods case-sensitively: for kube-apiserver `get` is no GET, and its verb is ''.
  const methodProblem = 'method is not upper-case on a Kubernetes host';
  if (isKube && raw.method !== method) return { ok: false, detail: methodProblem };
  let parsed = normalisePath(raw.target, isKube ? 'kubernetes' : 'generic');
  if (!parsed.ok) return { ok: false, detail: parsed.problem };
  const headers = raw.headers;
  if (asksH2c(headers.get('upgrade'))) return { ok: false, detail: 'an HTTP/2 cleartext upgrade (Upgrade: h2c), whose requests on the upgraded connection no gateway judges' };
  // A Kubernetes API request on a host the list lacks (request/unlisted-api.ts): refused, judged as
  // one, or let through as a web request, as kubernetes.unlisted_api_requests says; reported in
  // every case. A route tagged `stepgate.kubernetes: "false"` is the operator's word that it is not
  // the API server, and a dashboard's host (proxies, web_apis) has its own reading.
  let unlistedApi: string | undefined;
  const unlistedMode = kubeHosts.unlistedApiRequests;
  // mayBeApiPath first: it allocates nothing, and almost every web request stops there.
  if (!isKube && tag === undefined && unlistedMode !== undefined && mayBeApiPath(parsed.path) && kubeHosts.webApi?.(host) === undefined && kubeHosts.proxyPrefix?.(host) === undefined) {
    unlistedApi = unlistedApiSignal(parsed.path, (name) => headers.get(name));
    if (unlistedApi !== undefined && unlistedMode === 'refuse') {
      return { ok: false, reason: 'kubernetes_host_unlisted', kubeReader: readsRefusalAsText(method, parsed.path) ? 'text' : 'status', detail: `a Kubernetes API request (${unlistedApi}) on host ${JSON.stringify(host)}, which is not in kubernetes.hosts: list it there if it is the API server (kubernetes.unlisted_api_requests)` };
    }
    if (unlistedApi !== undefined && unlistedMode === 'judge') {
      isKube = true;
      if (raw.method !== method) return { ok: false, detail: methodProblem };
      parsed = normalisePath(raw.target, 'kubernetes');
      if (!parsed.ok) return { ok: false, detail: parsed.problem };
    }
  }
  if (!isKube) {
    const override = routingOverride(headers, method) ?? queryMethodOverride(parsed.query, method);
    if (override !== undefined) return { ok: false, detail: override };
  }
  let kube = isKube ? kubeRequestInfo(method, parsed.path, parsed.query, (name) => headers.get(name)) : undefined;
  // The method and query the Kubernetes reading was made from (a web API's may differ from the request line's).
  let kubeMethod = method;
  let kubeQuery = parsed.query;
  let cluster = isKube ? (kubeHosts.clusterOf?.(host) ?? '') : '';
  // A web API host's own reading comes first: Rancher's `/k8s/clusters/<id>/v1/secrets` is Steve's,
  // which a `/k8s/clusters/*` proxy prefix would read as the non-resource path `/v1/secrets`.
  const webApi = isKube ? undefined : kubeHosts.webApi?.(host);
  const claimed = webApi !== undefined && (webApi === 'rancher' ? rancherClaims(parsed.path) : webApi === 'argo-cd' ? argoCdClaims(parsed.path) : parsed.path.startsWith('/api/'));
  if (webApi === 'argo-cd') {
    const fallback = argoCdFormFallback(method, parsed.path, headers.get('content-type'));
    if (fallback !== undefined) return { ok: false, detail: fallback };
  }
  // A dashboard passing the API through with the user's identity (kubernetes.proxies): what
  // follows its prefix reaches kube-apiserver, so it is read as kube reads it, strictly, and the
  // Kubernetes rules apply to it. Otherwise a Secret read through Headlamp would be a web page.
  const prefix = isKube || claimed ? undefined : kubeHosts.proxyPrefix?.(host);
  let throughKubeProxy = false;
  // What a write's request leaves out (a web API's or a dashboard's: guardrails.unreadable_body).
  let unseen: string | undefined;
  if (prefix !== undefined && prefix.test(parsed.path)) {
    const strict = normalisePath(raw.target, 'kubernetes');
    const at = strict.ok ? prefix.exec(strict.path) : null;
    if (!strict.ok || at === null) return { ok: false, detail: `${strict.ok ? 'a path that reads differently' : strict.problem} behind a Kubernetes API proxy prefix` };
    if (raw.method !== method) return { ok: false, detail: 'method is not upper-case on a Kubernetes API path' };
    const rest = strict.path.slice(at[0].length);
    // Headlamp's own routes beside its proxy (request/headlamp.ts) are judged as what they do.
    const headlamp = readHeadlamp(method, rest, () => jsonBody(raw.body, raw.bodyTruncated), strict.query);
    if (headlamp.kind === 'invalid') return { ok: false, detail: headlamp.detail };
    if (headlamp.kind === 'kube') {
      kube = kubeRequestInfo(headlamp.method, headlamp.path, '', (name) => headers.get(name));
      kubeMethod = headlamp.method;
      kubeQuery = '';
      unseen = headlamp.unseen;
    } else {
      kube = kubeRequestInfo(method, rest, strict.query, (name) => headers.get(name));
      kubeQuery = strict.query;
    }
    throughKubeProxy = true;
    // Backstage's proxy has no cluster in its path: it proxies to the cluster whose name is exactly
    // its Backstage-Kubernetes-Cluster header (its only cluster without one), so that header says
    // which cluster's working set the request meets, as a Headlamp path's `*` segment does.
    const named = kubeHosts.backstageMount?.(host) === undefined ? undefined : headers.get(BACKSTAGE_CLUSTER);
    cluster = kubeHosts.clusterOf?.(host, named === undefined ? at.slice(1) : [...at.slice(1), named]) ?? '';
  }
  // Headlamp's backend beside its cluster proxy: a multiplexer that cannot be judged, and a node drain.
  const base = prefix !== undefined && !throughKubeProxy ? kubeHosts.headlampBase?.(host) : undefined;
  const based = base?.exec(parsed.path);
  if (based) {
    const beside = readHeadlampBeside(method, parsed.path.slice(based[0].length), () => jsonBody(raw.body, raw.bodyTruncated), (name) => headers.get(name));
    if (beside.kind === 'invalid') return { ok: false, detail: beside.detail };
    if (beside.kind === 'external') {
      // Read as the API server would read the URL, and as Headlamp's own proxy where it is that
      // (its listener reached from inside): which allowed URL is the API server stepgate cannot know.
      const target = normalisePath(beside.target, 'kubernetes');
      if (!target.ok) return { ok: false, detail: `Headlamp's external proxy to a URL whose path ${target.problem} (kubernetes.proxies)` };
      const own = prefix?.exec(target.path) ?? null;
      const apiPath = own === null ? target.path : target.path.slice(own[0].length);
      const inner = own === null ? undefined : readHeadlamp(method, apiPath, () => jsonBody(raw.body, raw.bodyTruncated), target.query);
      if (inner?.kind === 'invalid') return { ok: false, detail: inner.detail };
      if (inner?.kind === 'kube') {
        kube = kubeRequestInfo(inner.method, inner.path, '', (name) => headers.get(name));
        kubeMethod = inner.method;
        kubeQuery = '';
        unseen = inner.unseen;
      } else {
        kube = kubeRequestInfo(method, apiPath, target.query, (name) => headers.get(name));
        kubeQuery = target.query;
      }
      cluster = kubeHosts.clusterOf?.(host, own === null ? [] : own.slice(1)) ?? '';
      // Headlamp sends every header on: its token cookies and header too.
      throughKubeProxy = true;
    }
    if (beside.kind === 'kube') {
      kube = kubeRequestInfo(beside.method, beside.path, '', (name) => headers.get(name));
      kubeMethod = beside.method;
      kubeQuery = '';
      cluster = kubeHosts.clusterOf?.(host, [beside.cluster]) ?? '';
      // Its token is Authorization or the cluster's cookie, as on the proxy.
      throughKubeProxy = true;
    }
  }
  // Backstage's Kubernetes backend beside its proxy: routes that list with a token from the body,
  // or lists the body names (request/backstage.ts).
  let bodyTokens: readonly string[] | undefined;
  let alsoLists: readonly AlsoList[] | undefined;
  const mount = prefix !== undefined && !throughKubeProxy ? kubeHosts.backstageMount?.(host) : undefined;
  const mounted = mount?.exec(parsed.path);
  if (mounted) {
    const reading = readBackstage(method, parsed.path.slice(mounted[0].length), () => jsonBody(raw.body, raw.bodyTruncated));
    if (reading.kind === 'invalid') return { ok: false, detail: reading.detail };
    if (reading.kind === 'query') {
      if (reading.tokens.length > 0) bodyTokens = reading.tokens;
      if (reading.lists.length > 0) {
        const clusters = kubeHosts.clusterNames ?? NO_CLUSTERS;
        const lists = onEveryCluster(reading.lists, clusters);
        if (lists === undefined) return { ok: false, detail: `a Backstage query of ${reading.lists.length} lists on ${clusters.length} clusters: more than ${MAX_CLUSTER_LISTS} to judge` };
        alsoLists = lists;
      }
    }
  }
  // A UI whose own API stands for Kubernetes requests (kubernetes.web_apis): the Dashboard's
  // `/api/v1/secret/<ns>/<name>` is a Secret read with the caller's token, so it is judged as one.
  // Only these hosts pay for the reading (and the body's JSON, only for a write that wraps an object).
  let body = raw.body;
  let fromFile: RequestAttributes['fromFile'];
  let bodyType: string | undefined;
  let gitopsWrite: GitopsWrite | undefined;
  if (claimed) {
    const strict = normalisePath(raw.target, 'kubernetes');
    if (!strict.ok || strict.path !== parsed.path) return { ok: false, detail: `${strict.ok ? 'a path that reads differently' : strict.problem} on a ${webApi} API host (kubernetes.web_apis)` };
    if (raw.method !== method) return { ok: false, detail: 'method is not upper-case on a Kubernetes web API path' };
    const json = () => jsonBody(raw.body, raw.bodyTruncated);
    const reading =
      webApi === 'rancher'
        ? readRancher(method, strict.path, strict.query, json)
        : webApi === 'argo-cd'
          ? readArgoCd(method, strict.path, strict.query, () => textBody(raw.body, raw.bodyTruncated), () => bytesBody(raw.body, raw.bodyTruncated), headers.get('content-type'), raw.body !== undefined || raw.bodyTruncated)
          : readWebApi(webApi, method, strict.path, json);
    if (reading.kind === 'invalid') return { ok: false, detail: reading.detail };
    if (reading.kind === 'file') fromFile = { namespace: reading.namespace, content: reading.content };
    if (reading.kind === 'web') gitopsWrite = reading.gitops;
    if (reading.kind === 'kube') {
      const q = reading.path.indexOf('?');
      const [apiPath, apiQuery] = q < 0 ? [reading.path, ''] : [reading.path.slice(0, q), reading.path.slice(q + 1)];
      kube = kubeRequestInfo(reading.method, apiPath, apiQuery, (name) => headers.get(name));
      kubeMethod = reading.method;
      kubeQuery = apiQuery;
      cluster = (reading.cluster === undefined ? kubeHosts.clusterOf?.(host) : kubeHosts.clusterOf?.(host, [reading.cluster])) ?? '';
      if (reading.object !== undefined) body = JSON.stringify(reading.object);
      if (reading.patch !== undefined) {
        body = reading.patch.text;
        bodyType = reading.patch.type;
      }
      unseen = reading.unseen;
    }
  }
  // A member cluster's API passed through a multi-cluster control plane's aggregated API
  // (request/member-clusters.ts): the member's request is what runs, so it is what is judged. A
  // member may itself be such a control plane; past a few levels nobody routes that way.
  for (let depth = 0; kube !== undefined; depth++) {
    const member = memberClusterRequest(kube);
    if (member === undefined) break;
    if (depth === MAX_MEMBER_DEPTH) return { ok: false, detail: `a multi-cluster proxy nested more than ${MAX_MEMBER_DEPTH} deep in a Kubernetes API path` };
    kube = kubeRequestInfo(kubeMethod, member.path, kubeQuery, (name) => headers.get(name));
    if (member.member !== undefined) cluster = kubeHosts.clusterOf?.(host, [member.member]) ?? '';
  }
  // The root /proxy prefix (`/api/v1/proxy/nodes/n1/…`): kube still reads it as verb `proxy` on
  // the resource, with no subresource, so a rule about `nodes/proxy` or `pods/proxy` never sees it,
  // but kube-apiserver has served no such route since 1.10 (the proxy subresources replaced it), so
  // no client sends it and nothing is lost by refusing it.
  if (kube?.verb === 'proxy') return { ok: false, detail: 'root /proxy prefix in a Kubernetes API path (removed in Kubernetes 1.10: use the proxy subresource)' };
  // A protocol upgrade where kube-apiserver serves none (request/kube.ts upgradeNotServed): the
  // connection it leaves open is a tunnel past every check (CVE-2018-1002105).
  if (kube !== undefined && upgradeNotServed(kube)) return { ok: false, detail: 'a protocol upgrade (Upgrade, or an HTTP/2 extended CONNECT) on a Kubernetes API path that serves none: only subresources (exec, attach, portforward, proxy, log) and watches switch protocols' };
  const statusEditsObject = kube !== undefined && kube.subresource !== '' && statusMayEditMetadata(kube, headers.get('content-type'), body, raw.bodyTruncated);
  const scheme = raw.scheme || raw.headers.get(':scheme') || 'https';
  // Two literals, each with every one of its fields, rather than one with the rare fields spread
  // in when present (`...(x && { x })`): V8 built that one property by property, each spread a
  // call, and its hidden class depended on which were present. Nearly every request (a gRPC Check
  // not through a dashboard's proxy) has none of them and is built without them: written as
  // undefined on every request, they cost it 42 heap bytes (bench/README.md, engine43). Every
  // reader of them tests `=== true` or `!== undefined`, so absent and undefined read alike.
  // Argo CD under a root path: its path rules are written for the routes (configuration.md, kubernetes.web_apis).
  const routePath = webApi === 'argo-cd' ? argoCdRootless(parsed.path) : undefined;
  const rare = routePath !== undefined || raw.peerAddress !== undefined || throughKubeProxy || statusEditsObject || bodyTokens !== undefined || alsoLists !== undefined || unseen !== undefined || bodyType !== undefined || gitopsWrite !== undefined || unlistedApi !== undefined;
  if (!rare) {
    return {
      ok: true,
      attributes: {
        method,
        target: raw.target,
        path: parsed.path,
        query: parsed.query,
        host,
        authority,
        scheme,
        headers,
        spoofedIdentityHeaders: spoofed,
        sourceAddress: raw.sourceAddress,
        clientResolved: raw.clientResolved === true,
        sourcePrincipal: raw.sourcePrincipal,
        sourceCertificate: raw.sourceCertificate,
        contextExtensions: raw.contextExtensions,
        kube,
        cluster,
        // Carried by reference: only the guardrails read it, and only for Kubernetes writes.
        body,
        bodyTruncated: raw.bodyTruncated,
        bodyMissing: raw.bodyMissing === true,
        fromFile,
      },
    };
  }
  return {
    ok: true,
    attributes: {
      method,
      target: raw.target,
      path: parsed.path,
      query: parsed.query,
      host,
      authority,
      scheme,
      headers,
      spoofedIdentityHeaders: spoofed,
      sourceAddress: raw.sourceAddress,
      clientResolved: raw.clientResolved === true,
      sourcePrincipal: raw.sourcePrincipal,
      sourceCertificate: raw.sourceCertificate,
      contextExtensions: raw.contextExtensions,
      kube,
      cluster,
      body,
      bodyTruncated: raw.bodyTruncated,
      bodyMissing: raw.bodyMissing === true,
      fromFile,
      peerAddress: raw.peerAddress,
      throughKubeProxy,
      statusEditsObject,
      bodyTokens,
      alsoLists,
      unseen,
      bodyType,
      gitopsWrite,
      routePath,
      unlistedApi,
    },
  };
}

/**
 * Headers some web servers route on instead of the request line: IIS's URL Rewrite and Symfony
 * read `X-Original-URL` / `X-Rewrite-URL` as the path, and many frameworks take the method from an
 * override header. The rules were matched on the request line, so a client sending one could reach
 * `/admin` through a `/public` request, or turn an allowed POST into a DELETE. No browser sends
 * them; kube-apiserver ignores them, so they matter only in front of other upstreams.
 */
function routingOverride(headers: ReadonlyMap<string, string>, method: string): string | undefined {
  for (const name of PATH_OVERRIDES) if (headers.has(name)) return `header ${name}, which some servers route on instead of the path`;
  for (const name of METHOD_OVERRIDES) {
    const v = headers.get(name);
    if (v !== undefined && v.trim().toUpperCase() !== method) return `header ${name} names another method than ${method}, which some servers act on`;
  }
  return undefined;
}

/**
 * The `_method` query parameter, which Symfony and Laravel (Request::getMethod, for a POST) and
 * Express's method-override with a query getter act on like the override headers: `POST
 * /api/dashboards/uid/x?_method=DELETE` is a delete to them. PHP reads a `.`, a space or an
 * unmatched `[` in a parameter name as `_` (`?.method=DELETE` is `_method`), so those spellings
 * count too. The form
 * body's `_method` is out of sight (forward-auth and most Checks carry no body): a rule about
 * DELETE, PUT or PATCH in front of such an upstream lists POST as well (docs/configuration.md).
 */
function queryMethodOverride(query: string, method: string): string | undefined {
  if (query === '' || !METHOD_PARAM.test(query)) return undefined;
  for (const pair of query.split('&')) {
    const eq = pair.indexOf('=');
    // A name that does not decode is kept as written by PHP and qs, so it is no `_method`.
    const name = decodeParam(eq < 0 ? pair : pair.slice(0, eq));
    if (name === undefined || name.replace(/[. []/g, '_') !== '_method') continue;
    const value = decodeParam(eq < 0 ? '' : pair.slice(eq + 1));
    if (value?.trim().toUpperCase() !== method) return `query parameter _method names another method than ${method}, which some servers act on`;
  }
  return undefined;
}

/** Cheap pre-check: a query that could hold `_method` says `method`, or holds an escape. */
const METHOD_PARAM = /method|%[0-9a-f]{2}/i;

function decodeParam(s: string): string | undefined {
  try {
    return decodeURIComponent(s.replaceAll('+', ' '));
  } catch {
    return undefined;
  }
}

/** A JSON object body, or undefined when there is none, it was cut, or it is not one. */
/**
 * `Upgrade: h2c` (RFC 7540 §3.2): where a proxy passes it on (nginx with the usual WebSocket
 * lines, forward-auth setups) and the upstream speaks h2c, the connection becomes HTTP/2 and every
 * request after this one travels inside it, never checked ("h2c smuggling"). No browser, kubectl
 * or client behind TLS asks for it, so it is refused in any position of the list.
 */
function asksH2c(upgrade: string | undefined): boolean {
  if (upgrade === undefined || upgrade.length < 3) return false;
  const lower = upgrade.toLowerCase();
  if (!lower.includes('h2c')) return false;
  // `h2c`, `h2c/…` or a draft's `h2c-14`: any protocol token that begins so.
  return lower.split(',').some((p) => p.trim().startsWith('h2c'));
}

/** The body as UTF-8 text, or undefined when there is none or it was cut. */
function textBody(body: Uint8Array | string | undefined, truncated: boolean): string | undefined {
  if (body === undefined || truncated) return undefined;
  return typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
}

/** The body's bytes; a string body that lost bytes (Envoy's `body` field, not pack_as_bytes) is none. */
function bytesBody(body: Uint8Array | string | undefined, truncated: boolean): Uint8Array | undefined {
  if (body === undefined || truncated) return undefined;
  if (typeof body !== 'string') return body;
  return body.includes('\uFFFD') ? undefined : Buffer.from(body, 'utf8');
}

function jsonBody(body: Uint8Array | string | undefined, truncated: boolean): Record<string, unknown> | undefined {
  if (body === undefined || truncated) return undefined;
  try {
    const v: unknown = JSON.parse(typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const PATH_OVERRIDES = ['x-original-url', 'x-rewrite-url'] as const;
const METHOD_OVERRIDES = ['x-http-method-override', 'x-http-method', 'x-method-override'] as const;

const HOST = /^[a-z0-9.-]+$/;
const EMPTY_LABEL = /^\.|\.\.|\.$/;
const hostCache = new Map<string, string | undefined>();
/**
 * The last authority read of each length (mod RECENT) and its host. A request's authority is a
 * fresh string, and the Map above would hash it before finding it (~490 instructions a Check,
 * bench/README.md perf27); compared with the one kept it costs a load and, when the lengths are
 * equal, its bytes. The hosts one server sees mostly differ in length.
 */
const RECENT = 32;
const recentAuthorities = new Array<string | undefined>(RECENT).fill(undefined);
const recentHosts = new Array<string | undefined>(RECENT).fill(undefined);

/**
 * How the Kubernetes client a refusal made before the request had attributes goes to reads it, or
 * undefined when the host is not a Kubernetes host (kubernetes.hosts, the route's tag). A
 * request_invalid or header_too_large there was answered with stepgate's plain JSON, which kubectl
 * does not decode: it printed "unknown reason" or "the server responded with the status code 431"
 * instead of stepgate's message and reason (session 49). The host is the one buildAttributes would
 * judge; the path is the target up to its query, as readsRefusalAsText asks.
 */
export function kubeReaderOf(line: RequestLine, kubeHosts: HostMatcher): KubeReader | undefined {
  const host = hostOnly(line.authority);
  if (host === undefined || !kubeHosts.matches(host, line.contextExtensions)) return undefined;
  const q = line.target.indexOf('?');
  return readsRefusalAsText(line.method.toUpperCase(), q < 0 ? line.target : line.target.slice(0, q)) ? 'text' : 'status';
}

/** The authority buildAttributes reads a request's host from: the adapter's, else `:authority`, else `host`. */
export function authorityOf(raw: RawRequest): string {
  return raw.authority || raw.headers.get(':authority') || raw.headers.get('host') || '';
}

/** Lower-case host without port; undefined when it is not a plausible host name or IP literal. */
export function hostOnly(authority: string): string | undefined {
  const slot = authority.length & (RECENT - 1);
  if (recentAuthorities[slot] === authority) return recentHosts[slot];
  const host = readHost(authority);
  recentAuthorities[slot] = authority;
  recentHosts[slot] = host;
  return host;
}

function readHost(authority: string): string | undefined {
  const hit = hostCache.get(authority);
  if (hit !== undefined || hostCache.has(authority)) return hit;
  let host: string | undefined;
  const a = authority.toLowerCase();
  if (a.startsWith('[')) {
    const end = a.indexOf(']');
    // After the bracket only a port may follow: `[::1]junk` is no authority a server would route.
    const rest = end > 1 ? a.slice(end + 1) : '';
    host = end > 1 && /^[0-9a-f:.]+$/.test(a.slice(1, end)) && (rest === '' || /^:\d{1,5}$/.test(rest)) ? a.slice(0, end + 1) : undefined;
  } else {
    const colon = a.lastIndexOf(':');
    const h = colon >= 0 && /^\d{1,5}$/.test(a.slice(colon + 1)) ? a.slice(0, colon) : a;
    // One trailing dot is the root (`grafana.example.` is `grafana.example` to DNS, nginx and
    // Envoy's strip_trailing_host_dot); an empty label anywhere else (`grafana.example..`,
    // `.grafana.example`) names no host, and nginx answers it 400, so no rule is matched on it.
    const name = h.endsWith('.') ? h.slice(0, -1) : h;
    host = name.length > 0 && h.length <= 253 && HOST.test(h) && !EMPTY_LABEL.test(name) ? name : undefined;
  }
  // Hosts repeat across requests; a small bounded memo saves the parsing on the hot path.
  if (hostCache.size >= 1024) hostCache.clear();
  hostCache.set(authority, host);
  return host;
}

const NO_CLUSTERS: readonly string[] = [];

/** The most lists-on-clusters one Backstage query may ask judged (each a Check of its own). */
const MAX_CLUSTER_LISTS = 256;

/**
 * Backstage's Kubernetes backend makes a query's lists on the clusters its service locator picks
 * for the entity (plugin kubernetes-backend: `multiTenant`, the default, every cluster;
 * `singleTenant` the one the entity's `backstage.io/kubernetes-cluster` annotation names, and the
 * entity is the body's own on `services/<id>`; `catalogRelation` the ones the catalog relates it
 * to), which the gateway cannot see. So each list is judged on every configured cluster
 * (`kubernetes.clusters`) and on none named, the strictest answering: judged on none alone, a
 * list of every Secret met a sign-in made for the same list on another cluster. Without
 * `kubernetes.clusters`, once each on none, as before. Undefined over the bound.
 */
function onEveryCluster(paths: readonly string[], clusters: readonly string[]): readonly AlsoList[] | undefined {
  if (paths.length * (clusters.length + 1) > MAX_CLUSTER_LISTS) return undefined;
  const out: AlsoList[] = [];
  for (const path of paths) {
    out.push({ path, cluster: '' });
    for (const cluster of clusters) out.push({ path, cluster });
  }
  return out;
}
