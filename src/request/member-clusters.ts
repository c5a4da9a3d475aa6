import type { KubeRequestInfo } from './kube.js';

/**
 * Multi-cluster control planes that pass a member cluster's whole API through a subresource of
 * their own aggregated API, on the API server's host: the request the member's API server runs
 * is the path after that subresource, made with the caller's identity (impersonated there), so
 * it is that request, not a `get` of the proxy object, that the rules and the guardrails must
 * judge. Read as `kubernetes.proxies` reads a dashboard's prefix, the member's path as kube reads
 * it; `match.hosts` and `match.paths` still see the whole outer path.
 *
 * - Karmada's aggregated API server: `/apis/cluster.karmada.io/<v>/clusters/<member>/proxy/<path>`
 *   (pkg/aggregatedapiserver; "Aggregated Kubernetes API Endpoint" in Karmada's user guide).
 * - karmada-search's global resource proxy: `/apis/search.karmada.io/<v>/proxying/karmada/proxy/<path>`,
 *   every member's objects at once (its reads from the cache, its writes to the member holding
 *   the object).
 * - Clusternet's hub: `/apis/proxies.clusternet.io/<v>/sockets/<cluster-id>/proxy/direct/<path>`,
 *   `…/proxy/https/<server>/<path>` (or `http`), and the older `…/proxy/<path>` and
 *   `…/sockets/<cluster-id>/http/<server>/<path>` (pkg/exchanger).
 * - kcp's logical clusters: `/clusters/<workspace path>/<path>` (`root:org:team`, or `*` for every
 *   workspace at once). kube-apiserver serves nothing under `/clusters/`, so reading the rest as
 *   an API path there asks only of a request it answers 404.
 */
export interface MemberRequest {
  /** The member cluster's API path (kube's URL.Path form: decoded, nothing merged). */
  path: string;
  /** The member cluster's name or ID where the path names one (a Karmada cluster, a Clusternet socket). */
  member: string | undefined;
}

const CLUSTERNET_SCHEMES = new Set(['http', 'https']);

/** The member cluster's request a multi-cluster proxy passes through, or undefined for any other request. */
export function memberClusterRequest(info: KubeRequestInfo): MemberRequest | undefined {
  if (!info.isResourceRequest) return logicalCluster(info.path);
  if (info.apiPrefix !== 'apis' || info.subresource === '' || info.namespace !== '') return undefined;
  const { apiGroup, resource, subresource, parts } = info;
  let from: number;
  let member: string | undefined = info.name;
  if (apiGroup === 'cluster.karmada.io' && resource === 'clusters' && subresource === 'proxy') from = 3;
  else if (apiGroup === 'search.karmada.io' && resource === 'proxying' && subresource === 'proxy') {
    from = 3;
    member = undefined;
  } else if (apiGroup === 'proxies.clusternet.io' && resource === 'sockets') {
    if (subresource === 'proxy') {
      const mode = parts[3];
      from = mode === 'direct' ? 4 : mode !== undefined && CLUSTERNET_SCHEMES.has(mode) ? 5 : 3;
    } else if (CLUSTERNET_SCHEMES.has(subresource)) {
      // Clusternet before the proxy subresource: the socket itself connected, `…/sockets/<id>/http/<server>/<path>`.
      from = 4;
    } else return undefined;
  } else return undefined;
  const rest = parts.slice(from);
  // kube trims the outer slashes before splitting; the member's API server sees the trailing one.
  const trailing = rest.length > 0 && info.path.endsWith('/') ? '/' : '';
  return { path: `/${rest.join('/')}${trailing}`, member };
}

const CLUSTERS = '/clusters/';

function logicalCluster(path: string): MemberRequest | undefined {
  if (!path.startsWith(CLUSTERS)) return undefined;
  const slash = path.indexOf('/', CLUSTERS.length);
  if (slash < 0) return undefined;
  return { path: path.slice(slash), member: path.slice(CLUSTERS.length, slash) };
}
