import type { KubeRequestInfo } from './kube.js';
import type { RequestHeaders } from './header-list.js';

/**
 * What the pipeline knows about one request, independent of the transport that delivered it
 * (gRPC ext_authz today, HTTP forward-auth later). Built once per Check by an adapter.
 */
export interface RequestAttributes {
  /** Upper-case HTTP method. */
  method: string;
  /** The request target exactly as received (path and query, not decoded). */
  target: string;
  /** Decoded and normalised path, the way the upstream will see it. */
  path: string;
  /** Raw query string without '?'. */
  query: string;
  /** Lower-case host without port. */
  host: string;
  /** Host as received (may carry a port); used to rebuild the original URL. */
  authority: string;
  scheme: string;
  /**
   * Lower-case header names; duplicates joined with ',' (cookies with '; '). Both adapters give a
   * RequestHeaders (request/headers.ts); tests may give a Map.
   */
  headers: ReadonlyMap<string, string>;
  /** Client-sent headers in stepgate's own namespace, or kube's request-header authentication's (isProxyIdentityHeader): they must never reach the upstream. */
  spoofedIdentityHeaders: readonly string[];
  sourceAddress: string;
  /**
   * `sourceAddress` is already the client, resolved through trusted proxies by the adapter (HTTP
   * forward-auth): x-forwarded-for must not be applied a second time.
   */
  clientResolved: boolean;
  /**
   * With `clientResolved`, the adapter's own peer (the forward-auth front, or Envoy in its HTTP
   * mode), canonical: x-forwarded-for's entries and this peer are the path the request took, which
   * `access_proxy` walks to learn whether the access proxy carried it.
   */
  peerAddress?: string;
  sourcePrincipal: string;
  /**
   * The client certificate Envoy verified, as it reports it (`source.certificate`: URL-encoded PEM,
   * only with the filter's `include_peer_certificate`); absent or '' without one. Read only for a
   * certificate-bound token (identity/sender-binding.ts).
   */
  sourceCertificate?: string;
  contextExtensions: Readonly<Record<string, string>>;
  /** Present when the host is a configured Kubernetes API host. */
  kube: KubeRequestInfo | undefined;
  /**
   * The cluster (`kubernetes.clusters`) a Kubernetes request is for; '' or absent: none named
   * (one cluster, or a host the list does not name).
   */
  cluster?: string;
  /**
   * The Kubernetes reading came from behind a `kubernetes.proxies` prefix: the dashboard there may
   * send the API server another credential than Authorization (request/credentials.ts).
   */
  throughKubeProxy?: boolean;
  /**
   * Tokens the request's body hands the API server through a dashboard's own route (Backstage's
   * Kubernetes queries' `auth`, request/backstage.ts): each must be the verified credential
   * (request/credentials.ts).
   */
  bodyTokens?: readonly string[];
  /**
   * The API server lists such a route makes (Backstage's custom query: `/apis/<g>/<v>/<plural>`),
   * each judged as a request of its own beside the web request (pipeline/evaluate.ts), on each
   * cluster it may be made on (`cluster`, as RequestAttributes.cluster).
   */
  alsoLists?: readonly AlsoList[];
  /**
   * A status write (or a CSR's approval, a Namespace's finalize) whose strategy keeps the labels, annotations,
   * finalizers or owner references it carries, and whose body may carry some (Pods', Nodes',
   * Deployments', Services' and the other early types': request/status-metadata.ts): rules about
   * the object itself (`subresources: [""]`) judge it too.
   */
  statusEditsObject?: boolean;
  /** The request body as Envoy sent it (with_request_body), within limits.max_body_bytes. */
  body: Uint8Array | string | undefined;
  /** Envoy sent only part of the body, or it was over limits.max_body_bytes and dropped. */
  bodyTruncated: boolean;
  /**
   * No body because the gateway sends none (see the adapter's readBody), as opposed to a body a
   * client made unreadable. Absent means false: the unreadable case, which fails closed.
   */
  bodyMissing?: boolean;
  /**
   * A Kubernetes Dashboard deploy from file (kubernetes.web_apis): the objects of `content` are
   * each a create, judged one by one (pipeline/file.ts); `kube` is then undefined.
   */
  fromFile?: { readonly namespace: string; readonly content: string } | undefined;
  /**
   * What a UI's write changes that neither its request nor its body shows (kubernetes.web_apis: an
   * Argo Server retry's parameters fill the stored Workflow's templates). The guardrails judge the
   * write as an unreadable body, with this as the detail.
   */
  unseen?: string | undefined;
  /**
   * The Content-Type of `body` when a web API reading put there what the backend sends kube-apiserver
   * in its own type (Argo CD's PatchResource: the patch from a JSON string, typed by its
   * `patchType` parameter). The guardrails read the body as this; the request's own headers,
   * which the other checks read, are left as the client sent them.
   */
  bodyType?: string | undefined;
  /**
   * A GitOps object a UI's API writes with its own rights while the request itself stays a web
   * request (Argo CD's REST Create, Update, UpdateSpec and Patch of an Application, an
   * ApplicationSet's Create): the guardrails read the images it names (rules/gitops-images.ts).
   */
  gitopsWrite?: GitopsWrite | undefined;
  /**
   * The path an upstream served under a root path of its own routes on (Argo CD's `--rootpath`,
   * or an ingress that strips a UI base path: `/argo-cd/api/v1/applications/x` is
   * `/api/v1/applications/x`), which the host's path rules are matched on as well as `path`, the
   * stricter reading applying. Undefined where there is no such prefix.
   */
  routePath?: string | undefined;
  /**
   * What gave away a Kubernetes API request on a host not in `kubernetes.hosts`
   * (request/unlisted-api.ts), when kubernetes.unlisted_api_requests judged it or let it through;
   * logged as `unlisted_api` so the operator finds the missing entry.
   */
  unlistedApi?: string | undefined;
}

/**
 * What a transport adapter had read of a request it then refused before it was a RawRequest (a
 * header over the limits, a forward-auth request that contradicts itself): enough to tell whether
 * the refusal goes to a Kubernetes client and how that client reads it (request/build.ts
 * kubeReaderOf), nothing it is judged by.
 */
export interface RequestLine {
  method: string;
  target: string;
  /** The host the request was for, as the adapter would have passed it (authority or Host). */
  authority: string;
  contextExtensions: Readonly<Record<string, string>>;
}

/** The transport adapter's view of a request, before validation and normalisation. */
export interface RawRequest {
  method: string;
  target: string;
  authority: string;
  scheme: string;
  headers: RequestHeaders;
  sourceAddress: string;
  /** See RequestAttributes.clientResolved; absent means false (gRPC: Envoy's peer address). */
  clientResolved?: boolean;
  /** See RequestAttributes.peerAddress. */
  peerAddress?: string;
  sourcePrincipal: string;
  /** See RequestAttributes.sourceCertificate. */
  sourceCertificate?: string;
  contextExtensions: Readonly<Record<string, string>>;
  /** Undefined when there is none or it was over the bound (bodyTruncated is then true). */
  body: Uint8Array | string | undefined;
  bodyTruncated: boolean;
  /** See RequestAttributes.bodyMissing; only an adapter that can tell sets it. */
  bodyMissing?: boolean;
}

export const IDENTITY_HEADER_PREFIX = 'x-stepgate-';

/**
 * Whether a (lower-case) header name is in stepgate's namespace as any upstream reads it: `x-stepgate-*`,
 * and the spellings with '_' for '-' (`x_stepgate_subject`, `x-stepgate_level`), which servers that
 * name headers the CGI way (Rack, WSGI, PHP: the `HTTP_` variable of `x-stepgate-level`) read as the header stepgate
 * sets (CVE-2024-45614 is Puma's case of it). Envoy passes such names by default
 * (headers_with_underscores_action: ALLOW).
 */
/**
 * kube-apiserver's request-header authentication (`--requestheader-username-headers` and its
 * uid, group and extra prefixes, as suggested X-Remote-User, X-Remote-Uid, X-Remote-Group,
 * X-Remote-Extra-*), with the same '_' spellings. Where the gateway reaches the API server with a
 * front-proxy client certificate, a client-sent one names whoever the client likes (X-Remote-Group:
 * system:masters, or another user's X-Remote-Uid beside the user the gateway names: the uid
 * header is read since the RemoteRequestHeaderUID gate, default on from 1.33); no client has a
 * reason to send one, so they are removed like stepgate's own.
 */
export function isRequestHeaderIdentity(name: string): boolean {
  if (name.charCodeAt(0) !== 120 || name.charCodeAt(2) !== 114 || name.length < 12) return false;
  const n = name.includes('_') ? name.replaceAll('_', '-') : name;
  return n.startsWith('x-remote-') && (n === 'x-remote-user' || n === 'x-remote-uid' || n === 'x-remote-group' || n.startsWith('x-remote-extra-'));
}

/** A header an upstream reads as the proxy's word on who the caller is: stepgate's own, or kube's request-header authentication's. */
export function isProxyIdentityHeader(name: string): boolean {
  return inIdentityNamespace(name) || isRequestHeaderIdentity(name);
}

export function inIdentityNamespace(name: string): boolean {
  // 'x', 's' at [2], then '-' or '_' at [1]: every other name is out after one or two comparisons
  // (cheaper than the startsWith it replaces: bench figures in the commit message).
  if (name.charCodeAt(0) !== 120 || name.charCodeAt(2) !== 115 || name.length < IDENTITY_HEADER_PREFIX.length) return false;
  const sep = name.charCodeAt(1);
  if (sep !== 45 && sep !== 95) return false;
  if (name.startsWith(IDENTITY_HEADER_PREFIX)) return true;
  return name.includes('_') && name.replaceAll('_', '-').startsWith(IDENTITY_HEADER_PREFIX);
}

/** One list a dashboard's route makes (RequestAttributes.alsoLists): its API path, on one cluster ('' none named). */
export interface AlsoList {
  path: string;
  cluster: string;
}

/**
 * The object (or patch) a GitOps UI's API server writes: `key` its group/resource
 * (`argoproj.io/applications`), `text` the JSON it writes (undefined when the request's body was
 * absent or cut), `type` that JSON's Content-Type (a patch's type for a patch), `specOnly` when
 * the text is the object's spec alone (UpdateSpec), `unreadable` why its images cannot be read.
 */
export interface GitopsWrite {
  readonly key: string;
  readonly text: string | undefined;
  readonly type: string;
  readonly specOnly?: boolean;
  readonly unreadable?: string;
}
